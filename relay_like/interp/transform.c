/* Type relations and reference kernels of the data-movement ops: Reshape,
 * Flatten, Squeeze, Unsqueeze, Identity, Dropout, Transpose, Concat, Split,
 * Slice, Expand, Tile; plus the helpers the whole group shares
 * (transform.h).  Indexing ops are in index_ops.c, ops that make new
 * tensors from shapes or attributes in shape_ops.c.
 *
 * These relations carry a model's shape arithmetic, so they keep as much as
 * they can: a dim an op passes through keeps its name, a rank is given
 * whenever it does not depend on an unknown value, and known values give
 * exact shapes. */
#include <inttypes.h>
#include <stdio.h>

#include "transform.h"

/* ---- shared helpers ---- */

sb_status transform_input(relay_op_ctx *ctx, int i, const char *what, bool optional,
			  const relay_type **t)
{
	const relay_type *ty = i < ctx->nin ? ctx->in[i] : NULL;
	*t = ty;
	if (!ty)
		return optional ? SB_OK
				: RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input %d (%s) is missing",
						  i, what);
	if (ty->kind != RELAY_TYPE_TENSOR)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "input %d (%s) must be a tensor, not a tuple", i, what);
	return SB_OK;
}

static sb_status check_int_list(relay_op_ctx *ctx, int i, const char *what, bool scalar_ok,
				sb_dtype dt, int rank)
{
	if (!sb_dtype_is_int(dt))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "input %d (%s) must be an integer tensor, got %s", i, what,
				       sb_dtype_name(dt));
	if (rank > 1 || (rank == 0 && !scalar_ok))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "input %d (%s) must be 1-D, got rank %d", i, what, rank);
	return SB_OK;
}

sb_status transform_value_ints(relay_op_ctx *ctx, int i, const char *what, bool scalar_ok,
			       int64_t **v, int *n)
{
	*v = NULL;
	*n = -1;
	const relay_type *t = i < ctx->nin ? ctx->in[i] : NULL;
	sb_tensor *val = i < ctx->nin && ctx->value ? ctx->value[i] : NULL;
	sb_status st;
	if (t && t->kind == RELAY_TYPE_TENSOR &&
	    (st = check_int_list(ctx, i, what, scalar_ok, t->dtype, t->rank)))
		return st;
	if (!val)
		return SB_OK;
	if ((st = check_int_list(ctx, i, what, scalar_ok, val->dtype, val->dl.ndim)))
		return st;
	if ((st = relay_tensor_to_ints(ctx->mod, val, v, n)))
		return relay_op_error(ctx->op, ctx->node, st, "input %d (%s): %s", i, what,
				      sb_last_error());
	return SB_OK;
}

int transform_input_length(const relay_type *t)
{
	if (!t || t->rank != 1 || !relay_dim_is_known(t->dims[0]) || t->dims[0].value > INT32_MAX)
		return -1;
	return (int)t->dims[0].value;
}

bool transform_dims_numel(const relay_dim *dims, int n, int64_t *out)
{
	int64_t p = 1;
	bool overflow = false;
	for (int i = 0; i < n; i++) {
		if (!relay_dim_is_known(dims[i]))
			return false;
		overflow |= __builtin_mul_overflow(p, dims[i].value, &p);
	}
	if (overflow)
		return false;
	*out = p;
	return true;
}

bool transform_dim_merge(relay_dim *acc, relay_dim x)
{
	if (relay_dim_is_known(*acc) && relay_dim_is_known(x))
		return acc->value == x.value;
	if (relay_dim_is_known(*acc))
		return true;
	if (relay_dim_is_known(x) || !acc->name)
		*acc = x;
	else if (x.name && x.name != acc->name)
		*acc = RELAY_DIM_UNKNOWN;
	return true;
}

sb_status transform_check_index_dtype(relay_op_ctx *ctx, const relay_type *t, const char *what)
{
	if (t->dtype != SB_I32 && t->dtype != SB_I64)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "%s must be int32 or int64, got %s",
				       what, sb_dtype_name(t->dtype));
	return SB_OK;
}

static int64_t clamp64(int64_t x, int64_t lo, int64_t hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

void transform_slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t *first,
			  int64_t *len)
{
	if (start < 0)
		start += dim;
	if (end < 0)
		end += dim;
	if (step > 0) {
		start = clamp64(start, 0, dim);
		end = clamp64(end, 0, dim);
		*len = end > start ? (end - start - 1) / step + 1 : 0;
	} else {
		/* With dim 0 both clamp to -1 and the slice is empty. */
		start = SB_MIN(SB_MAX(start, 0), dim - 1);
		end = clamp64(end, -1, dim - 1);
		uint64_t s = 0 - (uint64_t)step; /* |step|, also for INT64_MIN */
		*len = start > end ? (int64_t)((uint64_t)(start - end - 1) / s) + 1 : 0;
	}
	*first = start;
}

/* One row of transform_copy_strided; constant sizes let memcpy become a
 * plain load and store (and stay correct on unaligned wrapped data). */
#define COPY_ROW(SIZE)                                                                             \
	for (int64_t j = 0; j < n; j++)                                                            \
		memcpy(d + j * (SIZE), s + j * stride * (SIZE), (SIZE));

static void copy_row(char *d, const char *s, size_t esize, int64_t n, int64_t stride)
{
	if (stride == 1) {
		memcpy(d, s, (size_t)n * esize);
		return;
	}
	switch (esize) {
	case 1:
		COPY_ROW(1) break;
	case 2:
		COPY_ROW(2) break;
	case 4:
		COPY_ROW(4) break;
	case 8:
		COPY_ROW(8) break;
	default:
		for (int64_t j = 0; j < n; j++)
			memcpy(d + j * (int64_t)esize, s + j * stride * (int64_t)esize, esize);
	}
}

void transform_copy_strided(void *dst, const void *src, size_t esize, int rank,
			    const int64_t *shape, const int64_t *strides)
{
	int64_t sh[2 * SB_MAX_RANK], st[2 * SB_MAX_RANK], idx[2 * SB_MAX_RANK];
	int r = 0;
	SB_ASSERT(rank <= 2 * SB_MAX_RANK);
	/* Drop size-1 axes and merge an axis into the one before it when the
	 * two walk memory as one (Transpose of [b,s,4,64] to [b,4,s,64] becomes
	 * runs of 64 contiguous elements). */
	for (int i = 0; i < rank; i++) {
		if (shape[i] == 0)
			return;
		if (shape[i] == 1)
			continue;
		if (r > 0 && st[r - 1] == strides[i] * shape[i]) {
			sh[r - 1] *= shape[i];
			st[r - 1] = strides[i];
			continue;
		}
		sh[r] = shape[i];
		st[r] = strides[i];
		r++;
	}
	char *d = dst;
	const char *s = src;
	if (r == 0) {
		memcpy(d, s, esize);
		return;
	}
	int64_t n = sh[r - 1], stride = st[r - 1], outer = transform_span(sh, 0, r - 1);
	int64_t off = 0;
	for (int k = 0; k < r; k++)
		idx[k] = 0;
	for (int64_t o = 0; o < outer; o++) {
		copy_row(d, s + off * (int64_t)esize, esize, n, stride);
		d += n * (int64_t)esize;
		for (int k = r - 2; k >= 0; k--) {
			off += st[k];
			if (++idx[k] < sh[k])
				break;
			off -= st[k] * sh[k];
			idx[k] = 0;
		}
	}
}

/* Kernels of ops whose output holds the input's bytes unchanged. */
static sb_status copy_bytes(relay_kernel_ctx *ctx, const sb_tensor *in, sb_tensor *out)
{
	if (sb_tensor_nbytes(in) != sb_tensor_nbytes(out))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output holds %zu bytes, input %zu",
				       sb_tensor_nbytes(out), sb_tensor_nbytes(in));
	if (in->dl.data != out->dl.data)
		memcpy(out->dl.data, in->dl.data, sb_tensor_nbytes(in));
	return SB_OK;
}

static sb_status k_copy(relay_kernel_ctx *ctx)
{
	return copy_bytes(ctx, ctx->in[0], ctx->out[0]);
}

/* ---- Reshape ---- */

/* "float32[batch,3]" into buf, for messages. */
static const char *type_str(const relay_type *t, char buf[256])
{
	sb_strbuf b = {0};
	relay_type_print(&b, t);
	snprintf(buf, 256, "%s", b.data ? b.data : "?");
	sb_strbuf_free(&b);
	return buf;
}

sb_status rel_reshape(relay_op_ctx *ctx)
{
	const relay_attrs_reshape *a = CTX_ATTRS(ctx, reshape);
	const relay_type *data, *shape;
	int64_t *v;
	int n;
	sb_status st;
	if ((st = transform_input(ctx, 0, "data", false, &data)) ||
	    (st = transform_input(ctx, 1, "shape", false, &shape)) ||
	    (st = transform_value_ints(ctx, 1, "shape", false, &v, &n)))
		return st;
	if (!v) {
		/* Unknown values of known count: only the rank is known. */
		ctx->out[0] = transform_type(ctx, data->dtype, transform_input_length(shape), NULL);
		return SB_OK;
	}
	if (n > SB_MAX_RANK)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "target rank %d exceeds %d", n,
				       SB_MAX_RANK);
	relay_dim dims[SB_MAX_RANK];
	char buf[256];
	int infer = -1;
	bool has_zero = false;
	for (int i = 0; i < n; i++) {
		if (v[i] == -1) {
			if (infer >= 0)
				return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
						       "shape has more than one -1 (at %d and %d)",
						       infer, i);
			infer = i;
			dims[i] = RELAY_DIM_UNKNOWN;
		} else if (v[i] < -1) {
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "shape[%d] is %" PRId64, i,
					       v[i]);
		} else if (v[i] == 0 && !a->allowzero) {
			if (data->rank >= 0 && i >= data->rank)
				return RELAY_CTX_ERROR(
				    ctx, SB_ERR_INVALID,
				    "shape[%d] is 0 (copy the input dim) but the input has rank %d",
				    i, data->rank);
			dims[i] = data->rank >= 0 ? data->dims[i] : RELAY_DIM_UNKNOWN;
		} else {
			has_zero |= v[i] == 0;
			dims[i] = relay_dim_known(v[i]);
		}
	}
	if (a->allowzero && has_zero && infer >= 0)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "with allowzero=1 the shape cannot hold both 0 and -1");
	if (data->rank >= 0) {
		/* Count elements with the unknown input dims left out: when every
		 * one of them is copied to the same place they cancel, and the
		 * known parts alone must match (and give the -1). */
		bool cancel = true, is_static = true, overflow = false;
		int64_t in_known = 1, out_known = 1;
		for (int i = 0; i < data->rank; i++) {
			if (relay_dim_is_known(data->dims[i])) {
				overflow |= __builtin_mul_overflow(in_known, data->dims[i].value,
								   &in_known);
				continue;
			}
			is_static = false;
			if (!(i < n && v[i] == 0 && !a->allowzero))
				cancel = false;
		}
		for (int i = 0; i < n; i++)
			if (i != infer && relay_dim_is_known(dims[i]))
				overflow |=
				    __builtin_mul_overflow(out_known, dims[i].value, &out_known);
		if (cancel && !overflow) {
			if (infer >= 0 && out_known == 0)
				return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
						       "cannot infer the -1 in shape[%d] of %s: "
						       "the other dims multiply to 0",
						       infer, type_str(data, buf));
			if (infer >= 0 && in_known % out_known != 0)
				return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
						       "cannot reshape %s: %" PRId64
						       " elements do not divide by %" PRId64,
						       type_str(data, buf), in_known, out_known);
			if (infer >= 0)
				dims[infer] = relay_dim_known(in_known / out_known);
			else if (is_static && in_known != out_known)
				return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
						       "cannot reshape %s (%" PRId64
						       " elements) into %" PRId64 " elements",
						       type_str(data, buf), in_known, out_known);
		}
	}
	ctx->out[0] = transform_type(ctx, data->dtype, n, dims);
	return SB_OK;
}

sb_status k_reshape(relay_kernel_ctx *ctx)
{
	return k_copy(ctx);
}

/* ---- Flatten ---- */

/* Product of dims[lo..hi) as a dim: known when all are, 0 when any known
 * one is 0, and the one unknown dim itself (name kept) when the rest
 * multiply to 1. */
static relay_dim dims_product(const relay_dim *dims, int lo, int hi)
{
	int64_t p = 1;
	int unknown = 0, which = -1;
	bool overflow = false;
	for (int i = lo; i < hi; i++) {
		if (relay_dim_is_known(dims[i])) {
			if (dims[i].value == 0)
				return relay_dim_known(0);
			overflow |= __builtin_mul_overflow(p, dims[i].value, &p);
		} else {
			unknown++;
			which = i;
		}
	}
	if (overflow)
		return RELAY_DIM_UNKNOWN;
	if (unknown == 0)
		return relay_dim_known(p);
	return unknown == 1 && p == 1 ? dims[which] : RELAY_DIM_UNKNOWN;
}

sb_status rel_flatten(relay_op_ctx *ctx)
{
	const relay_type *data;
	sb_status st;
	if ((st = transform_input(ctx, 0, "input", false, &data)))
		return st;
	int64_t axis = CTX_ATTRS(ctx, axis1)->axis;
	relay_dim dims[2] = {RELAY_DIM_UNKNOWN, RELAY_DIM_UNKNOWN};
	if (data->rank >= 0) {
		int r = data->rank;
		if (axis < -r || axis > r)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "axis %" PRId64 " is out of range [%d, %d]", axis,
					       -r, r);
		int ax = (int)(axis < 0 ? axis + r : axis);
		dims[0] = dims_product(data->dims, 0, ax);
		dims[1] = dims_product(data->dims, ax, r);
	}
	ctx->out[0] = transform_type(ctx, data->dtype, 2, dims);
	return SB_OK;
}

sb_status k_flatten(relay_kernel_ctx *ctx)
{
	return k_copy(ctx);
}

/* ---- Squeeze, Unsqueeze ---- */

sb_status rel_squeeze(relay_op_ctx *ctx)
{
	const relay_type *data, *axes_t;
	int64_t *axes;
	int n;
	sb_status st;
	if ((st = transform_input(ctx, 0, "data", false, &data)) ||
	    (st = transform_input(ctx, 1, "axes", true, &axes_t)) ||
	    (st = transform_value_ints(ctx, 1, "axes", true, &axes, &n)))
		return st;
	int r = data->rank;
	if (r < 0) {
		ctx->out[0] = transform_type(ctx, data->dtype, -1, NULL);
		return SB_OK;
	}
	relay_dim dims[SB_MAX_RANK];
	int k = 0;
	if (!axes_t) {
		/* Every size-1 dim: an unknown dim might be 1, so the rank is
		 * only known when every dim is. */
		for (int i = 0; i < r; i++) {
			if (!relay_dim_is_known(data->dims[i])) {
				ctx->out[0] = transform_type(ctx, data->dtype, -1, NULL);
				return SB_OK;
			}
			if (data->dims[i].value != 1)
				dims[k++] = data->dims[i];
		}
		ctx->out[0] = transform_type(ctx, data->dtype, k, dims);
		return SB_OK;
	}
	if (!axes) {
		int len = axes_t->rank == 0 ? 1 : transform_input_length(axes_t);
		ctx->out[0] =
		    transform_type(ctx, data->dtype, len >= 0 && len <= r ? r - len : -1, NULL);
		return SB_OK;
	}
	bool drop[SB_MAX_RANK] = {false};
	for (int i = 0; i < n; i++) {
		int ax;
		if ((st = relay_normalize_axis(ctx->op, ctx->node, axes[i], r, &ax)))
			return st;
		if (drop[ax])
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "axis %d is listed twice", ax);
		if (relay_dim_is_known(data->dims[ax]) && data->dims[ax].value != 1)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "cannot squeeze axis %d of size %" PRId64, ax,
					       data->dims[ax].value);
		drop[ax] = true;
	}
	for (int i = 0; i < r; i++)
		if (!drop[i])
			dims[k++] = data->dims[i];
	ctx->out[0] = transform_type(ctx, data->dtype, k, dims);
	return SB_OK;
}

sb_status k_squeeze(relay_kernel_ctx *ctx)
{
	return k_copy(ctx);
}

sb_status rel_unsqueeze(relay_op_ctx *ctx)
{
	const relay_type *data, *axes_t;
	int64_t *axes;
	int n;
	sb_status st;
	if ((st = transform_input(ctx, 0, "data", false, &data)) ||
	    (st = transform_input(ctx, 1, "axes", false, &axes_t)) ||
	    (st = transform_value_ints(ctx, 1, "axes", true, &axes, &n)))
		return st;
	int r = data->rank;
	if (!axes || r < 0) {
		int len = axes ? n : axes_t->rank == 0 ? 1 : transform_input_length(axes_t);
		ctx->out[0] =
		    transform_type(ctx, data->dtype, r >= 0 && len >= 0 ? r + len : -1, NULL);
		return SB_OK;
	}
	int out_r = r + n;
	if (out_r > SB_MAX_RANK)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "output rank %d exceeds %d", out_r,
				       SB_MAX_RANK);
	bool ins[SB_MAX_RANK] = {false};
	for (int i = 0; i < n; i++) {
		int ax;
		if ((st = relay_normalize_axis(ctx->op, ctx->node, axes[i], out_r, &ax)))
			return st;
		if (ins[ax])
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "axis %d is listed twice", ax);
		ins[ax] = true;
	}
	relay_dim dims[SB_MAX_RANK];
	for (int i = 0, k = 0; i < out_r; i++)
		dims[i] = ins[i] ? relay_dim_known(1) : data->dims[k++];
	ctx->out[0] = transform_type(ctx, data->dtype, out_r, dims);
	return SB_OK;
}

sb_status k_unsqueeze(relay_kernel_ctx *ctx)
{
	return k_copy(ctx);
}

/* ---- Identity, Dropout ---- */

sb_status rel_identity(relay_op_ctx *ctx)
{
	const relay_type *t;
	sb_status st;
	if ((st = transform_input(ctx, 0, "input", false, &t)))
		return st;
	ctx->out[0] = t;
	return SB_OK;
}

sb_status k_identity(relay_kernel_ctx *ctx)
{
	return k_copy(ctx);
}

/* Inference only: training with a ratio other than 0 would draw random
 * masks, which no later stage could reproduce. */
static sb_status dropout_check_mode(relay_op op, const char *node, const sb_tensor *ratio,
				    const sb_tensor *training)
{
	double r = 0.5;
	if (ratio) {
		if (sb_tensor_numel(ratio) != 1)
			return relay_op_error(op, node, SB_ERR_INVALID,
					      "ratio must hold one value, got %" PRId64,
					      sb_tensor_numel(ratio));
		r = sb_tensor_get_f64(ratio, 0);
		if (!(r >= 0 && r < 1))
			return relay_op_error(op, node, SB_ERR_INVALID,
					      "ratio %g is outside [0, 1)", r);
	}
	if (!training)
		return SB_OK;
	if (sb_tensor_numel(training) != 1)
		return relay_op_error(op, node, SB_ERR_INVALID,
				      "training_mode must hold one value, got %" PRId64,
				      sb_tensor_numel(training));
	if (sb_tensor_get_f64(training, 0) != 0 && r != 0)
		return relay_op_error(op, node, SB_ERR_UNSUPPORTED,
				      "training_mode=true (random dropout) is not supported");
	return SB_OK;
}

sb_status rel_dropout(relay_op_ctx *ctx)
{
	const relay_type *data, *ratio, *training;
	sb_status st;
	if ((st = transform_input(ctx, 0, "data", false, &data)) ||
	    (st = transform_input(ctx, 1, "ratio", true, &ratio)) ||
	    (st = transform_input(ctx, 2, "training_mode", true, &training)))
		return st;
	if (!sb_dtype_is_float(data->dtype))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "data must be a float tensor, got %s",
				       sb_dtype_name(data->dtype));
	if (ratio && !sb_dtype_is_float(ratio->dtype))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "ratio must be a float scalar, got %s",
				       sb_dtype_name(ratio->dtype));
	if (training && training->dtype != SB_BOOL)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "training_mode must be bool, got %s",
				       sb_dtype_name(training->dtype));
	/* With training_mode unknown the graph is typed as inference; the
	 * interpreter sees the value and refuses training (an unknown ratio
	 * counts as the default 0.5). */
	sb_tensor *rv = ratio && ctx->value ? ctx->value[1] : NULL;
	sb_tensor *tv = training && ctx->value ? ctx->value[2] : NULL;
	if ((st = dropout_check_mode(ctx->op, ctx->node, rv, tv)))
		return st;
	ctx->out[0] = data;
	if (ctx->nout > 1)
		ctx->out[1] = transform_type(ctx, SB_BOOL, data->rank, data->dims);
	return SB_OK;
}

sb_status k_dropout(relay_kernel_ctx *ctx)
{
	sb_status st;
	const sb_tensor *ratio = ctx->nin > 1 ? ctx->in[1] : NULL;
	const sb_tensor *training = ctx->nin > 2 ? ctx->in[2] : NULL;
	if ((st = dropout_check_mode(ctx->op, ctx->node, ratio, training)) ||
	    (st = copy_bytes(ctx, ctx->in[0], ctx->out[0])))
		return st;
	if (ctx->nout > 1 && ctx->out[1])
		memset(ctx->out[1]->dl.data, 1, sb_tensor_nbytes(ctx->out[1]));
	return SB_OK;
}

/* ---- Transpose ---- */

/* The permutation: the attribute, or the axes reversed. */
static sb_status transpose_perm(relay_op op, const char *node, const relay_attrs_transpose *a,
				int rank, int *perm)
{
	if (!a->perm.set) {
		for (int i = 0; i < rank; i++)
			perm[i] = rank - 1 - i;
		return SB_OK;
	}
	if (a->perm.n != rank)
		return relay_op_error(op, node, SB_ERR_INVALID, "perm has %d entries for rank %d",
				      a->perm.n, rank);
	bool seen[SB_MAX_RANK] = {false};
	for (int i = 0; i < rank; i++) {
		int64_t p = a->perm.v[i];
		if (p < 0 || p >= rank || seen[p])
			return relay_op_error(
			    op, node, SB_ERR_INVALID,
			    "perm is not a permutation of 0..%d (entry %d is %" PRId64 ")",
			    rank - 1, i, p);
		seen[p] = true;
		perm[i] = (int)p;
	}
	return SB_OK;
}

sb_status rel_transpose(relay_op_ctx *ctx)
{
	const relay_attrs_transpose *a = CTX_ATTRS(ctx, transpose);
	const relay_type *data;
	sb_status st;
	if ((st = transform_input(ctx, 0, "data", false, &data)))
		return st;
	int r = data->rank;
	if (r < 0) {
		if (a->perm.set && a->perm.n > SB_MAX_RANK)
			return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED,
					       "perm of %d entries exceeds rank %d", a->perm.n,
					       SB_MAX_RANK);
		ctx->out[0] = transform_type(ctx, data->dtype, a->perm.set ? a->perm.n : -1, NULL);
		return SB_OK;
	}
	if (r > SB_MAX_RANK)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "rank %d exceeds %d", r,
				       SB_MAX_RANK);
	int perm[SB_MAX_RANK];
	relay_dim dims[SB_MAX_RANK];
	if ((st = transpose_perm(ctx->op, ctx->node, a, r, perm)))
		return st;
	for (int i = 0; i < r; i++)
		dims[i] = data->dims[perm[i]];
	ctx->out[0] = transform_type(ctx, data->dtype, r, dims);
	return SB_OK;
}

sb_status k_transpose(relay_kernel_ctx *ctx)
{
	const sb_tensor *in = ctx->in[0];
	sb_tensor *out = ctx->out[0];
	int r = in->dl.ndim, perm[SB_MAX_RANK];
	int64_t in_strides[SB_MAX_RANK], strides[SB_MAX_RANK];
	sb_status st;
	if ((st = transpose_perm(ctx->op, ctx->node, CTX_ATTRS(ctx, transpose), r, perm)))
		return st;
	sb_shape_strides(r, in->shape, in_strides);
	for (int i = 0; i < r; i++) {
		if (out->shape[i] != in->shape[perm[i]])
			return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output dim %d does not match",
					       i);
		strides[i] = in_strides[perm[i]];
	}
	transform_copy_strided(out->dl.data, in->dl.data, sb_dtype_size(in->dtype), r, out->shape,
			       strides);
	return SB_OK;
}

/* ---- Concat ---- */

sb_status rel_concat(relay_op_ctx *ctx)
{
	const relay_type *first = NULL;
	sb_status st;
	if (ctx->nin < 1)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "needs at least one input");
	for (int i = 0; i < ctx->nin; i++) {
		const relay_type *t;
		if ((st = transform_input(ctx, i, "input", false, &t)))
			return st;
		if (i == 0)
			first = t;
		if (t->dtype != first->dtype)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input %d is %s, input 0 is %s",
					       i, sb_dtype_name(t->dtype),
					       sb_dtype_name(first->dtype));
	}
	int r = -1;
	for (int i = 0; i < ctx->nin; i++) {
		int ri = ctx->in[i]->rank;
		if (ri < 0)
			continue;
		if (r >= 0 && ri != r)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "input %d has rank %d, others %d", i, ri, r);
		r = ri;
	}
	if (r < 0) {
		ctx->out[0] = transform_type(ctx, first->dtype, -1, NULL);
		return SB_OK;
	}
	if (r == 0)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "cannot concatenate scalars");
	int axis;
	if ((st = relay_normalize_axis(ctx->op, ctx->node, CTX_ATTRS(ctx, axis0)->axis, r, &axis)))
		return st;
	relay_dim dims[SB_MAX_RANK];
	bool have = false, sum_known = true;
	int64_t sum = 0;
	for (int i = 0; i < ctx->nin; i++) {
		const relay_type *t = ctx->in[i];
		if (t->rank < 0) {
			sum_known = false;
			continue;
		}
		for (int d = 0; d < r; d++) {
			relay_dim x = t->dims[d];
			if (d == axis) {
				if (!relay_dim_is_known(x) ||
				    __builtin_add_overflow(sum, x.value, &sum))
					sum_known = false;
			} else if (!have) {
				dims[d] = x;
			} else if (!transform_dim_merge(&dims[d], x)) {
				return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
						       "input %d has dim %d of size %" PRId64
						       ", expected %" PRId64,
						       i, d, x.value, dims[d].value);
			}
		}
		if (!have && ctx->nin == 1)
			dims[axis] = t->dims[axis];
		have = true;
	}
	if (ctx->nin > 1)
		dims[axis] = sum_known ? relay_dim_known(sum) : RELAY_DIM_UNKNOWN;
	ctx->out[0] = transform_type(ctx, first->dtype, r, dims);
	return SB_OK;
}

sb_status k_concat(relay_kernel_ctx *ctx)
{
	sb_tensor *out = ctx->out[0];
	int r = out->dl.ndim, axis;
	sb_status st;
	if ((st = relay_normalize_axis(ctx->op, ctx->node, CTX_ATTRS(ctx, axis0)->axis, r, &axis)))
		return st;
	size_t esize = sb_dtype_size(out->dtype);
	int64_t outer = transform_span(out->shape, 0, axis), total = 0;
	for (int i = 0; i < ctx->nin; i++)
		total += ctx->in[i]->dl.ndim == r ? transform_span(ctx->in[i]->shape, axis, r) : -1;
	if (total != transform_span(out->shape, axis, r))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "inputs do not fill the output");
	char *d = out->dl.data;
	for (int64_t o = 0; o < outer; o++)
		for (int i = 0; i < ctx->nin; i++) {
			size_t bytes = (size_t)transform_span(ctx->in[i]->shape, axis, r) * esize;
			memcpy(d, (const char *)ctx->in[i]->dl.data + (size_t)o * bytes, bytes);
			d += bytes;
		}
	return SB_OK;
}

/* ---- Split ---- */

sb_status rel_split(relay_op_ctx *ctx)
{
	const relay_attrs_split *a = CTX_ATTRS(ctx, split);
	const relay_type *data, *split_t;
	int64_t *sizes;
	int n;
	sb_status st;
	if ((st = transform_input(ctx, 0, "input", false, &data)) ||
	    (st = transform_input(ctx, 1, "split", true, &split_t)) ||
	    (st = transform_value_ints(ctx, 1, "split", false, &sizes, &n)))
		return st;
	int nout = ctx->nout;
	if (nout < 1)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "needs at least one output");
	if (split_t && a->num_outputs)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "takes either the split input or num_outputs, not both");
	if (a->num_outputs < 0 || (a->num_outputs && a->num_outputs != nout))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "num_outputs is %" PRId64 " but the node has %d outputs",
				       a->num_outputs, nout);
	if (sizes && n != nout)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "split has %d sizes for %d outputs", n,
				       nout);
	int r = data->rank;
	if (r < 0) {
		for (int j = 0; j < nout; j++)
			ctx->out[j] = transform_type(ctx, data->dtype, -1, NULL);
		return SB_OK;
	}
	int axis;
	if ((st = relay_normalize_axis(ctx->op, ctx->node, a->axis, r, &axis)))
		return st;
	relay_dim dim = data->dims[axis];
	int64_t *part = SB_ARENA_ARRAY(&ctx->mod->arena, int64_t, nout);
	bool parts_known = true;
	if (sizes) {
		int64_t sum = 0;
		for (int j = 0; j < nout; j++) {
			if (sizes[j] < 0)
				return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "split[%d] is %" PRId64,
						       j, sizes[j]);
			part[j] = sizes[j];
			if (__builtin_add_overflow(sum, sizes[j], &sum))
				sum = -1;
		}
		if (relay_dim_is_known(dim) && sum != dim.value)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "split sizes add up to %" PRId64
					       ", axis %d has %" PRId64,
					       sum, axis, dim.value);
	} else if (split_t || !relay_dim_is_known(dim)) {
		parts_known = false;
	} else if (a->num_outputs) {
		/* Opset 18: chunks of ceil(dim / n), the last one smaller. */
		int64_t chunk = (dim.value + nout - 1) / nout;
		for (int j = 0; j < nout; j++)
			part[j] = j < nout - 1 ? chunk : dim.value - chunk * (nout - 1);
		if (part[nout - 1] < 0)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "cannot split %" PRId64
					       " into %d chunks of %" PRId64,
					       dim.value, nout, chunk);
	} else {
		if (dim.value % nout != 0)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "axis %d of size %" PRId64
					       " does not split into %d equal parts",
					       axis, dim.value, nout);
		for (int j = 0; j < nout; j++)
			part[j] = dim.value / nout;
	}
	for (int j = 0; j < nout; j++) {
		relay_type *t = relay_type_tensor(ctx->mod, data->dtype, r, data->dims);
		t->dims[axis] = parts_known		? relay_dim_known(part[j])
				: nout == 1 && !split_t ? dim
							: RELAY_DIM_UNKNOWN;
		ctx->out[j] = t;
	}
	return SB_OK;
}

sb_status k_split(relay_kernel_ctx *ctx)
{
	const sb_tensor *in = ctx->in[0];
	int r = in->dl.ndim, axis;
	sb_status st;
	if ((st = relay_normalize_axis(ctx->op, ctx->node, CTX_ATTRS(ctx, split)->axis, r, &axis)))
		return st;
	size_t esize = sb_dtype_size(in->dtype);
	int64_t outer = transform_span(in->shape, 0, axis), total = 0;
	for (int j = 0; j < ctx->nout; j++)
		total +=
		    ctx->out[j]->dl.ndim == r ? transform_span(ctx->out[j]->shape, axis, r) : -1;
	if (total != transform_span(in->shape, axis, r))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "outputs do not cover the input");
	const char *s = in->dl.data;
	for (int64_t o = 0; o < outer; o++)
		for (int j = 0; j < ctx->nout; j++) {
			size_t bytes = (size_t)transform_span(ctx->out[j]->shape, axis, r) * esize;
			memcpy((char *)ctx->out[j]->dl.data + (size_t)o * bytes, s, bytes);
			s += bytes;
		}
	return SB_OK;
}

/* ---- Slice ---- */

sb_status rel_slice(relay_op_ctx *ctx)
{
	const relay_type *data, *starts_t, *ends_t, *axes_t, *steps_t;
	int64_t *starts, *ends, *axes = NULL, *steps = NULL;
	int n, n_end, n_axes = -1, n_steps = -1;
	sb_status st;
	if ((st = transform_input(ctx, 0, "data", false, &data)) ||
	    (st = transform_input(ctx, 1, "starts", false, &starts_t)) ||
	    (st = transform_input(ctx, 2, "ends", false, &ends_t)) ||
	    (st = transform_input(ctx, 3, "axes", true, &axes_t)) ||
	    (st = transform_input(ctx, 4, "steps", true, &steps_t)) ||
	    (st = transform_value_ints(ctx, 1, "starts", false, &starts, &n)) ||
	    (st = transform_value_ints(ctx, 2, "ends", false, &ends, &n_end)) ||
	    (axes_t && (st = transform_value_ints(ctx, 3, "axes", false, &axes, &n_axes))) ||
	    (steps_t && (st = transform_value_ints(ctx, 4, "steps", false, &steps, &n_steps))))
		return st;
	int r = data->rank;
	if (r < 0) {
		ctx->out[0] = transform_type(ctx, data->dtype, -1, NULL);
		return SB_OK;
	}
	relay_type *out = relay_type_tensor(ctx->mod, data->dtype, r, data->dims);
	ctx->out[0] = out;
	if (!starts || !ends || (axes_t && !axes) || (steps_t && !steps)) {
		/* Some value unknown: the dims of the sliced axes are. */
		int len = starts ? n : transform_input_length(starts_t);
		if (axes) {
			for (int i = 0; i < n_axes; i++) {
				int ax;
				if ((st =
					 relay_normalize_axis(ctx->op, ctx->node, axes[i], r, &ax)))
					return st;
				out->dims[ax] = RELAY_DIM_UNKNOWN;
			}
		} else {
			for (int i = 0; i < r; i++)
				if (axes_t || len < 0 || i < len)
					out->dims[i] = RELAY_DIM_UNKNOWN;
		}
		return SB_OK;
	}
	if (n_end != n || (axes && n_axes != n) || (steps && n_steps != n))
		return RELAY_CTX_ERROR(
		    ctx, SB_ERR_INVALID,
		    "starts, ends, axes and steps differ in length (%d, %d, %d, %d)", n, n_end,
		    axes ? n_axes : n, steps ? n_steps : n);
	bool seen[SB_MAX_RANK] = {false};
	for (int i = 0; i < n; i++) {
		int ax;
		if ((st = relay_normalize_axis(ctx->op, ctx->node, axes ? axes[i] : i, r, &ax)))
			return st;
		if (seen[ax])
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "axis %d is sliced twice", ax);
		seen[ax] = true;
		int64_t step = steps ? steps[i] : 1, first, len;
		if (step == 0)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "steps[%d] is 0", i);
		relay_dim d = data->dims[ax];
		if (relay_dim_is_known(d)) {
			transform_slice_axis(d.value, starts[i], ends[i], step, &first, &len);
			out->dims[ax] = relay_dim_known(len);
		} else {
			/* An unknown dim survives (with its name) a slice that
			 * takes all of it. */
			bool all = (step == 1 && starts[i] == 0 && ends[i] == INT64_MAX);
			out->dims[ax] = all ? d : RELAY_DIM_UNKNOWN;
		}
	}
	return SB_OK;
}

sb_status k_slice(relay_kernel_ctx *ctx)
{
	const sb_tensor *in = ctx->in[0], *starts = ctx->in[1], *ends = ctx->in[2];
	const sb_tensor *axes = ctx->nin > 3 ? ctx->in[3] : NULL;
	const sb_tensor *steps = ctx->nin > 4 ? ctx->in[4] : NULL;
	sb_tensor *out = ctx->out[0];
	int r = in->dl.ndim;
	int64_t n = sb_tensor_numel(starts), strides[SB_MAX_RANK], ostrides[SB_MAX_RANK];
	int64_t offset = 0;
	if (sb_tensor_numel(out) == 0)
		return SB_OK;
	if (out->dl.ndim != r || sb_tensor_numel(ends) != n ||
	    (axes && sb_tensor_numel(axes) != n) || (steps && sb_tensor_numel(steps) != n))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "inputs disagree with the output");
	sb_shape_strides(r, in->shape, strides);
	for (int i = 0; i < r; i++)
		ostrides[i] = strides[i];
	for (int64_t i = 0; i < n; i++) {
		int ax;
		sb_status st;
		int64_t step = steps ? sb_tensor_get_i64(steps, i) : 1, first, len;
		if ((st = relay_normalize_axis(ctx->op, ctx->node,
					       axes ? sb_tensor_get_i64(axes, i) : i, r, &ax)))
			return st;
		if (step == 0)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "steps[%" PRId64 "] is 0", i);
		transform_slice_axis(in->shape[ax], sb_tensor_get_i64(starts, i),
				     sb_tensor_get_i64(ends, i), step, &first, &len);
		if (len != out->shape[ax])
			return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output dim %d does not match",
					       ax);
		offset += first * strides[ax];
		ostrides[ax] = strides[ax] * step;
	}
	size_t esize = sb_dtype_size(in->dtype);
	transform_copy_strided(out->dl.data, (const char *)in->dl.data + offset * (int64_t)esize,
			       esize, r, out->shape, ostrides);
	return SB_OK;
}

/* ---- Expand, Tile ---- */

sb_status rel_expand(relay_op_ctx *ctx)
{
	const relay_type *data, *shape_t;
	int64_t *v;
	int n;
	sb_status st;
	if ((st = transform_input(ctx, 0, "input", false, &data)) ||
	    (st = transform_input(ctx, 1, "shape", false, &shape_t)) ||
	    (st = transform_value_ints(ctx, 1, "shape", false, &v, &n)))
		return st;
	if (v) {
		if (n > SB_MAX_RANK)
			return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED,
					       "shape of rank %d exceeds %d", n, SB_MAX_RANK);
		for (int i = 0; i < n; i++)
			if (v[i] < 0)
				return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "shape[%d] is %" PRId64,
						       i, v[i]);
		/* Bidirectional broadcast: a 1 in shape keeps the input's dim,
		 * name and all. */
		const relay_type *target = relay_type_from_shape(ctx->mod, data->dtype, n, v);
		int rank;
		relay_dim *dims;
		if ((st = relay_broadcast_types(ctx, data, target, &rank, &dims)))
			return st;
		ctx->out[0] = transform_type(ctx, data->dtype, rank, dims);
		return SB_OK;
	}
	n = transform_input_length(shape_t);
	if (n < 0 || data->rank < 0) {
		ctx->out[0] = transform_type(ctx, data->dtype, -1, NULL);
		return SB_OK;
	}
	/* Unknown target: an input dim other than 1 is what that output dim
	 * must be; the rest are unknown. */
	int rank = SB_MAX(n, data->rank);
	if (rank > SB_MAX_RANK)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "output rank %d exceeds %d", rank,
				       SB_MAX_RANK);
	relay_dim dims[SB_MAX_RANK];
	for (int i = 0; i < rank; i++) {
		int k = i - (rank - data->rank);
		relay_dim d = k >= 0 ? data->dims[k] : RELAY_DIM_UNKNOWN;
		dims[i] = relay_dim_is_known(d) && d.value != 1 ? d : RELAY_DIM_UNKNOWN;
	}
	ctx->out[0] = transform_type(ctx, data->dtype, rank, dims);
	return SB_OK;
}

sb_status k_expand(relay_kernel_ctx *ctx)
{
	const sb_tensor *in = ctx->in[0];
	sb_tensor *out = ctx->out[0];
	int64_t strides[SB_MAX_RANK];
	if (out->dl.ndim < in->dl.ndim)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output rank below the input's");
	relay_broadcast_strides(out->dl.ndim, out->shape, in->dl.ndim, in->shape, strides);
	transform_copy_strided(out->dl.data, in->dl.data, sb_dtype_size(in->dtype), out->dl.ndim,
			       out->shape, strides);
	return SB_OK;
}

sb_status rel_tile(relay_op_ctx *ctx)
{
	const relay_type *data, *rep_t;
	int64_t *reps;
	int n;
	sb_status st;
	if ((st = transform_input(ctx, 0, "input", false, &data)) ||
	    (st = transform_input(ctx, 1, "repeats", false, &rep_t)) ||
	    (st = transform_value_ints(ctx, 1, "repeats", false, &reps, &n)))
		return st;
	int r = data->rank;
	if (r < 0) {
		ctx->out[0] = transform_type(ctx, data->dtype,
					     reps ? n : transform_input_length(rep_t), NULL);
		return SB_OK;
	}
	if (r > SB_MAX_RANK)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "rank %d exceeds %d", r,
				       SB_MAX_RANK);
	int len = reps ? n : transform_input_length(rep_t);
	if (len >= 0 && len != r)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "repeats has %d entries for rank %d",
				       len, r);
	relay_dim dims[SB_MAX_RANK];
	for (int i = 0; i < r; i++) {
		relay_dim d = data->dims[i];
		if (!reps) {
			dims[i] = relay_dim_is_known(d) && d.value == 0 ? d : RELAY_DIM_UNKNOWN;
			continue;
		}
		if (reps[i] < 0)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "repeats[%d] is %" PRId64, i,
					       reps[i]);
		int64_t p;
		if (reps[i] == 1 || (relay_dim_is_known(d) && d.value == 0))
			dims[i] = d;
		else if (reps[i] == 0)
			dims[i] = relay_dim_known(0);
		else if (!relay_dim_is_known(d))
			dims[i] = RELAY_DIM_UNKNOWN;
		else if (__builtin_mul_overflow(d.value, reps[i], &p))
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "dim %d overflows when tiled",
					       i);
		else
			dims[i] = relay_dim_known(p);
	}
	ctx->out[0] = transform_type(ctx, data->dtype, r, dims);
	return SB_OK;
}

sb_status k_tile(relay_kernel_ctx *ctx)
{
	const sb_tensor *in = ctx->in[0];
	sb_tensor *out = ctx->out[0];
	int r = in->dl.ndim;
	int64_t in_strides[SB_MAX_RANK], shape[2 * SB_MAX_RANK], strides[2 * SB_MAX_RANK];
	if (sb_tensor_numel(out) == 0)
		return SB_OK;
	if (out->dl.ndim != r)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL,
				       "output rank differs from the input's");
	/* The output seen as [rep0, d0, rep1, d1, ...]: the rep axes re-read
	 * the input (stride 0), the d axes walk it. */
	sb_shape_strides(r, in->shape, in_strides);
	for (int i = 0; i < r; i++) {
		if (out->shape[i] % in->shape[i] != 0)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL,
					       "output dim %d is not a multiple", i);
		shape[2 * i] = out->shape[i] / in->shape[i];
		strides[2 * i] = 0;
		shape[2 * i + 1] = in->shape[i];
		strides[2 * i + 1] = in_strides[i];
	}
	transform_copy_strided(out->dl.data, in->dl.data, sb_dtype_size(in->dtype), 2 * r, shape,
			       strides);
	return SB_OK;
}
