/* Pad (the opset 18 form: data, pads, optional constant_value, optional
 * axes; older forms are normalised by the importer): type relation and
 * reference kernel.  Modes constant, reflect, edge and wrap; negative pads
 * crop.  The kernel maps every output index of each axis to a source index
 * (or to the constant) and copies rows, the interior of each row with one
 * memcpy. */
#include <inttypes.h>
#include <stdlib.h>

#include "relay_like/op_impl.h"

typedef enum pad_mode { PAD_CONSTANT, PAD_REFLECT, PAD_EDGE, PAD_WRAP } pad_mode;

static sb_status pad_parse_mode(relay_op op, const char *node, const char *s, pad_mode *m)
{
	static const char *const names[] = {"constant", "reflect", "edge", "wrap"};
	for (int i = 0; s && i < 4; i++)
		if (!strcmp(s, names[i])) {
			*m = (pad_mode)i;
			return SB_OK;
		}
	return relay_op_error(op, node, SB_ERR_INVALID,
			      "mode '%s' is not constant, reflect, edge or wrap", s ? s : "");
}

/* Per-axis begin/end pads from the pads and axes values (axes NULL: all
 * axes in order). */
static sb_status pad_amounts(relay_op op, const char *node, int rank, const sb_tensor *pads,
			     const sb_tensor *axes, int64_t *begin, int64_t *end)
{
	if (!sb_dtype_is_int(pads->dtype) || pads->dl.ndim > 1)
		return relay_op_error(op, node, SB_ERR_INVALID, "pads must be a 1-D int64 tensor");
	int n = rank;
	int ax[SB_MAX_RANK];
	for (int i = 0; i < rank; i++) {
		ax[i] = i;
		begin[i] = end[i] = 0;
	}
	if (axes) {
		if (!sb_dtype_is_int(axes->dtype) || axes->dl.ndim > 1 ||
		    sb_tensor_numel(axes) > rank)
			return relay_op_error(
			    op, node, SB_ERR_INVALID,
			    "axes must be a 1-D integer tensor of at most %d values", rank);
		n = (int)sb_tensor_numel(axes);
		bool seen[SB_MAX_RANK] = {false};
		for (int i = 0; i < n; i++) {
			sb_status st = relay_normalize_axis(op, node, sb_tensor_get_i64(axes, i),
							    rank, &ax[i]);
			if (st)
				return st;
			if (seen[ax[i]])
				return relay_op_error(op, node, SB_ERR_INVALID,
						      "axis %d appears twice in axes", ax[i]);
			seen[ax[i]] = true;
		}
	}
	if (sb_tensor_numel(pads) != 2 * n)
		return relay_op_error(op, node, SB_ERR_INVALID,
				      "pads has %" PRId64
				      " values; expected %d (begin and end for %d axes)",
				      sb_tensor_numel(pads), 2 * n, n);
	for (int i = 0; i < n; i++) {
		begin[ax[i]] = sb_tensor_get_i64(pads, i);
		end[ax[i]] = sb_tensor_get_i64(pads, n + i);
	}
	return SB_OK;
}

static sb_status pad_out_dim(relay_op op, const char *node, int axis, int64_t in, int64_t b,
			     int64_t e, pad_mode mode, int64_t *out)
{
	int64_t o;
	if (__builtin_add_overflow(in, b, &o) || __builtin_add_overflow(o, e, &o) ||
	    o > ((int64_t)1 << 48))
		return relay_op_error(op, node, SB_ERR_INVALID,
				      "axis %d: pads %" PRId64 ", %" PRId64
				      " give an output size that is too large",
				      axis, b, e);
	if (o < 0)
		return relay_op_error(op, node, SB_ERR_INVALID,
				      "axis %d: pads %" PRId64 ", %" PRId64
				      " crop more than its %" PRId64 " elements",
				      axis, b, e, in);
	if (mode != PAD_CONSTANT && in == 0 && o > 0)
		return relay_op_error(op, node, SB_ERR_INVALID,
				      "axis %d is empty; nothing to pad from", axis);
	*out = o;
	return SB_OK;
}

static const sb_tensor *pad_optional(sb_tensor *const *v, int n, int i)
{
	return i < n && v[i] && sb_tensor_numel(v[i]) > 0 ? v[i] : NULL;
}

sb_status rel_pad(relay_op_ctx *ctx)
{
	for (int i = 0; i < ctx->nin; i++)
		if (ctx->in[i] && ctx->in[i]->kind != RELAY_TYPE_TENSOR)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input %d must be a tensor", i);
	if (ctx->nin < 2 || !ctx->in[0] || !ctx->in[1])
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "inputs data and pads are required");
	pad_mode mode;
	sb_status st = pad_parse_mode(ctx->op, ctx->node, CTX_ATTRS(ctx, pad)->mode, &mode);
	if (st)
		return st;
	const relay_type *x = ctx->in[0], *pads = ctx->in[1];
	const relay_type *cv = ctx->nin > 2 ? ctx->in[2] : NULL,
			 *axes = ctx->nin > 3 ? ctx->in[3] : NULL;
	if (!sb_dtype_is_int(pads->dtype) || pads->rank > 1)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "pads must be a 1-D int64 tensor, got %s rank %d",
				       sb_dtype_name(pads->dtype), pads->rank);
	if (cv && cv->dtype != x->dtype)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "constant_value is %s but data is %s",
				       sb_dtype_name(cv->dtype), sb_dtype_name(x->dtype));
	if (cv && cv->rank > 1)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "constant_value must be a scalar");
	if (axes && (!sb_dtype_is_int(axes->dtype) || axes->rank > 1))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "axes must be a 1-D integer tensor");
	int r = x->rank;
	if (r > SB_MAX_RANK)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "rank %d is above the limit %d", r,
				       SB_MAX_RANK);
	if (r < 0) {
		ctx->out[0] = relay_type_tensor(ctx->mod, x->dtype, -1, NULL);
		return SB_OK;
	}
	relay_dim *d = SB_ARENA_ARRAY(&ctx->mod->arena, relay_dim, r ? r : 1);
	const sb_tensor *axes_v = pad_optional(ctx->value, ctx->nin, 3);
	bool axes_known = !axes || axes_v || (ctx->nin > 3 && ctx->value[3]);
	if (ctx->value[1] && axes_known) {
		int64_t b[SB_MAX_RANK], e[SB_MAX_RANK];
		if ((st = pad_amounts(ctx->op, ctx->node, r, ctx->value[1], axes_v, b, e)))
			return st;
		for (int i = 0; i < r; i++) {
			d[i] = x->dims[i];
			if (relay_dim_is_known(x->dims[i])) {
				int64_t o;
				if ((st = pad_out_dim(ctx->op, ctx->node, i, x->dims[i].value, b[i],
						      e[i], mode, &o)))
					return st;
				d[i] = relay_dim_known(o);
			} else if (b[i] || e[i]) {
				d[i] = RELAY_DIM_UNKNOWN;
			}
		}
	} else {
		/* Pads unknown: only axes left out of a known axes list keep their size. */
		for (int i = 0; i < r; i++)
			d[i] = RELAY_DIM_UNKNOWN;
		if (axes_v) {
			for (int i = 0; i < r; i++)
				d[i] = x->dims[i];
			for (int64_t j = 0; j < sb_tensor_numel(axes_v); j++) {
				int a;
				if ((st = relay_normalize_axis(
					 ctx->op, ctx->node, sb_tensor_get_i64(axes_v, j), r, &a)))
					return st;
				d[a] = RELAY_DIM_UNKNOWN;
			}
		}
	}
	ctx->out[0] = relay_type_tensor(ctx->mod, x->dtype, r, d);
	return SB_OK;
}

/* Source index of output index o along an axis of n elements padded by b
 * in front, or -1 for the constant. */
static int64_t pad_source(pad_mode mode, int64_t o, int64_t n, int64_t b)
{
	int64_t i = o - b;
	if (i >= 0 && i < n)
		return i;
	switch (mode) {
	case PAD_CONSTANT:
		return -1;
	case PAD_EDGE:
		return i < 0 ? 0 : n - 1;
	case PAD_WRAP:
		return ((i % n) + n) % n;
	case PAD_REFLECT: {
		if (n == 1)
			return 0;
		int64_t period = 2 * (n - 1), m = ((i % period) + period) % period;
		return m < n ? m : period - m;
	}
	}
	return -1;
}

static void pad_copy_elem(void *dst, const void *src, size_t es)
{
	switch (es) {
	case 1:
		*(uint8_t *)dst = *(const uint8_t *)src;
		break;
	case 2:
		memcpy(dst, src, 2);
		break;
	case 4:
		memcpy(dst, src, 4);
		break;
	case 8:
		memcpy(dst, src, 8);
		break;
	default:
		memcpy(dst, src, es);
		break;
	}
}

sb_status k_pad(relay_kernel_ctx *ctx)
{
	if (ctx->nin < 2 || !ctx->in[0] || !ctx->in[1] || ctx->nout < 1 || !ctx->out[0])
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "inputs data and pads are required");
	pad_mode mode;
	sb_status st = pad_parse_mode(ctx->op, ctx->node, CTX_ATTRS(ctx, pad)->mode, &mode);
	if (st)
		return st;
	sb_tensor *x = ctx->in[0], *y = ctx->out[0];
	int r = x->dl.ndim;
	int64_t b[SB_MAX_RANK], e[SB_MAX_RANK], out[SB_MAX_RANK];
	if ((st = pad_amounts(ctx->op, ctx->node, r, ctx->in[1], pad_optional(ctx->in, ctx->nin, 3),
			      b, e)))
		return st;
	for (int i = 0; i < r; i++)
		if ((st = pad_out_dim(ctx->op, ctx->node, i, x->shape[i], b[i], e[i], mode,
				      &out[i])))
			return st;
	if (!sb_shape_equal(y->dl.ndim, y->shape, r, out) || y->dtype != x->dtype)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL,
				       "output buffer does not match the inferred type");

	size_t es = sb_dtype_size(x->dtype);
	uint8_t cbytes[16] = {0};
	const sb_tensor *cv = pad_optional(ctx->in, ctx->nin, 2);
	if (cv)
		sb_convert(x->dtype, cbytes, cv->dtype, sb_tensor_data(cv), 1);
	int64_t total = sb_tensor_numel(y);
	if (total == 0)
		return SB_OK;
	const uint8_t *xd = sb_tensor_data(x);
	uint8_t *yd = sb_tensor_data(y);
	if (r == 0) {
		memcpy(yd, xd, es);
		return SB_OK;
	}

	/* Source index tables, one per axis, concatenated. */
	int64_t nmap = 0, start[SB_MAX_RANK], xstride[SB_MAX_RANK];
	for (int i = 0; i < r; i++) {
		start[i] = nmap;
		nmap += out[i];
	}
	int64_t *map = malloc(sizeof(int64_t) * (size_t)SB_MAX(1, nmap));
	if (!map)
		return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
	for (int i = 0; i < r; i++)
		for (int64_t o = 0; o < out[i]; o++)
			map[start[i] + o] = pad_source(mode, o, x->shape[i], b[i]);
	sb_shape_strides(r, x->shape, xstride);

	int last = r - 1;
	int64_t ow = out[last], n = x->shape[last];
	const int64_t *lmap = map + start[last];
	/* The run of the last axis that copies straight from the input. */
	int64_t lo = SB_MIN(ow, SB_MAX(0, b[last])), hi = SB_MAX(lo, SB_MIN(ow, n + b[last]));
	int64_t rows = total / ow, o[SB_MAX_RANK] = {0};
	for (int64_t q = 0; q < rows; q++) {
		uint8_t *dst = yd + (size_t)(q * ow) * es;
		int64_t src = 0;
		for (int i = 0; i < last && src >= 0; i++) {
			int64_t s = map[start[i] + o[i]];
			src = s < 0 ? -1 : src + s * xstride[i];
		}
		for (int64_t k = 0; k < ow; k++) {
			if (src >= 0 && k == lo && hi > lo) {
				memcpy(dst + (size_t)lo * es,
				       xd + (size_t)(src + lo - b[last]) * es,
				       (size_t)(hi - lo) * es);
				k = hi - 1;
				continue;
			}
			int64_t s = src >= 0 ? lmap[k] : -1;
			pad_copy_elem(dst + (size_t)k * es,
				      s < 0 ? cbytes : xd + (size_t)(src + s) * es, es);
		}
		for (int i = last - 1; i >= 0; i--) {
			if (++o[i] < out[i])
				break;
			o[i] = 0;
		}
	}
	free(map);
	return SB_OK;
}
