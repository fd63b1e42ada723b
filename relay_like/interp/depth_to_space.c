/* DepthToSpace (DCR and CRD) and SpaceToDepth: type relations and
 * reference kernels.  Both are pure data movement on [N, C, H, W], so the
 * kernels copy elements by size and work for every dtype.
 *
 *   DepthToSpace: y[n, c, h*b + i, w*b + j] = x[n, src, h, w] with
 *     src = (i*b + j)*C' + c (DCR) or c*b*b + i*b + j (CRD), C' = C/(b*b);
 *   SpaceToDepth: y[n, (i*b + j)*C + c, h, w] = x[n, c, h*b + i, w*b + j]. */
#include <inttypes.h>

#include "relay_like/op_impl.h"

static sb_status ds_attrs(relay_op op, const char *node, const relay_attrs_depth_to_space *a,
			  bool *crd)
{
	if (a->blocksize < 1 || a->blocksize > 65536)
		return relay_op_error(op, node, SB_ERR_INVALID,
				      "blocksize is %" PRId64 "; it must be in [1, 65536]",
				      a->blocksize);
	*crd = false;
	if (op == RELAY_OP_DEPTH_TO_SPACE) {
		if (a->mode && !strcmp(a->mode, "CRD"))
			*crd = true;
		else if (a->mode && strcmp(a->mode, "DCR"))
			return relay_op_error(op, node, SB_ERR_INVALID,
					      "mode '%s' is not DCR or CRD", a->mode);
	}
	return SB_OK;
}

/* Output sizes from input sizes (-1 unknown). */
static sb_status ds_shape(relay_op op, const char *node, int64_t b, const int64_t *in, int64_t *out)
{
	out[0] = in[0];
	for (int i = 0; i < 4; i++)
		if (in[i] > ((int64_t)1 << 40))
			return relay_op_error(op, node, SB_ERR_INVALID,
					      "dim %d (%" PRId64 ") is too large", i, in[i]);
	if (op == RELAY_OP_DEPTH_TO_SPACE) {
		if (in[1] >= 0 && in[1] % (b * b))
			return relay_op_error(
			    op, node, SB_ERR_INVALID,
			    "%" PRId64 " channels are not divisible by blocksize^2 = %" PRId64,
			    in[1], b * b);
		out[1] = in[1] >= 0 ? in[1] / (b * b) : -1;
		out[2] = in[2] >= 0 ? in[2] * b : -1;
		out[3] = in[3] >= 0 ? in[3] * b : -1;
		return SB_OK;
	}
	for (int i = 2; i < 4; i++)
		if (in[i] >= 0 && in[i] % b)
			return relay_op_error(op, node, SB_ERR_INVALID,
					      "spatial dim %d (%" PRId64
					      ") is not divisible by blocksize %" PRId64,
					      i, in[i], b);
	out[1] = in[1] >= 0 ? in[1] * b * b : -1;
	out[2] = in[2] >= 0 ? in[2] / b : -1;
	out[3] = in[3] >= 0 ? in[3] / b : -1;
	return SB_OK;
}

static sb_status ds_relation(relay_op_ctx *ctx)
{
	if (ctx->nin < 1 || !ctx->in[0] || ctx->in[0]->kind != RELAY_TYPE_TENSOR)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input must be a tensor");
	const relay_type *x = ctx->in[0];
	const relay_attrs_depth_to_space *a = CTX_ATTRS(ctx, depth_to_space);
	bool crd;
	sb_status st = ds_attrs(ctx->op, ctx->node, a, &crd);
	if (st)
		return st;
	if (x->rank >= 0 && x->rank != 4)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "input must be 4-D [N, C, H, W], got rank %d", x->rank);
	int64_t in[4] = {-1, -1, -1, -1}, out[4];
	if (x->rank == 4)
		for (int i = 0; i < 4; i++)
			in[i] = relay_dim_is_known(x->dims[i]) ? x->dims[i].value : -1;
	if ((st = ds_shape(ctx->op, ctx->node, a->blocksize, in, out)))
		return st;
	relay_dim d[4];
	for (int i = 0; i < 4; i++)
		d[i] = out[i] >= 0 ? relay_dim_known(out[i]) : RELAY_DIM_UNKNOWN;
	if (x->rank == 4)
		d[0] = x->dims[0];
	if (x->rank == 4 && a->blocksize == 1)
		for (int i = 1; i < 4; i++)
			d[i] = x->dims[i];
	ctx->out[0] = relay_type_tensor(ctx->mod, x->dtype, 4, d);
	return SB_OK;
}

sb_status rel_depth_to_space(relay_op_ctx *ctx)
{
	return ds_relation(ctx);
}
sb_status rel_space_to_depth(relay_op_ctx *ctx)
{
	return ds_relation(ctx);
}

/* Copies n elements of size es from src (stride ss) to dst (stride ds),
 * strides in elements. */
static void ds_copy(uint8_t *dst, int64_t ds, const uint8_t *src, int64_t ss, int64_t n, size_t es)
{
#define DS_COPY(T)                                                                                 \
	for (int64_t k = 0; k < n; k++)                                                            \
	((T *)dst)[k * ds] = ((const T *)src)[k * ss]
	switch (es) {
	case 1:
		DS_COPY(uint8_t);
		break;
	case 2:
		DS_COPY(uint16_t);
		break;
	case 4:
		DS_COPY(uint32_t);
		break;
	case 8:
		DS_COPY(uint64_t);
		break;
	default:
		for (int64_t k = 0; k < n; k++)
			memcpy(dst + (size_t)(k * ds) * es, src + (size_t)(k * ss) * es, es);
	}
#undef DS_COPY
}

static sb_status ds_kernel(relay_kernel_ctx *ctx)
{
	if (ctx->nin < 1 || !ctx->in[0] || ctx->nout < 1 || !ctx->out[0])
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input and output are required");
	const relay_attrs_depth_to_space *a = CTX_ATTRS(ctx, depth_to_space);
	sb_tensor *x = ctx->in[0], *y = ctx->out[0];
	bool crd;
	sb_status st = ds_attrs(ctx->op, ctx->node, a, &crd);
	if (st)
		return st;
	if (x->dl.ndim != 4)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input must be 4-D, got rank %d",
				       x->dl.ndim);
	int64_t out[4], b = a->blocksize;
	if ((st = ds_shape(ctx->op, ctx->node, b, x->shape, out)))
		return st;
	if (!sb_shape_equal(y->dl.ndim, y->shape, 4, out) || y->dtype != x->dtype)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL,
				       "output buffer does not match the inferred type");
	size_t es = sb_dtype_size(x->dtype);
	const uint8_t *xd = sb_tensor_data(x);
	uint8_t *yd = sb_tensor_data(y);
	bool d2s = ctx->op == RELAY_OP_DEPTH_TO_SPACE;
	/* Work in the small (depth) layout [N, Cs, H, W] with Cs = C'*b*b:
	 * one (c, i, j) plane maps to a strided sub-grid of the space layout. */
	const int64_t *small = d2s ? x->shape : out;
	int64_t N = small[0], H = small[2], W = small[3], Cp = small[1] / (b * b);
	for (int64_t n = 0; n < N; n++)
		for (int64_t c = 0; c < Cp; c++)
			for (int64_t i = 0; i < b; i++)
				for (int64_t j = 0; j < b; j++) {
					int64_t sc = d2s && crd ? c * b * b + i * b + j
								: (i * b + j) * Cp + c;
					for (int64_t h = 0; h < H; h++) {
						int64_t depth = ((n * Cp * b * b + sc) * H + h) * W;
						int64_t space =
						    ((n * Cp + c) * H * b + h * b + i) * W * b + j;
						if (d2s)
							ds_copy(yd + (size_t)space * es, b,
								xd + (size_t)depth * es, 1, W, es);
						else
							ds_copy(yd + (size_t)depth * es, 1,
								xd + (size_t)space * es, b, W, es);
					}
				}
	return SB_OK;
}

sb_status k_depth_to_space(relay_kernel_ctx *ctx)
{
	return ds_kernel(ctx);
}
sb_status k_space_to_depth(relay_kernel_ctx *ctx)
{
	return ds_kernel(ctx);
}
