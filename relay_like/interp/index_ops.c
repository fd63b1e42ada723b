/* Type relations and reference kernels of the indexing ops: Gather,
 * GatherElements, GatherND, ScatterElements, ScatterND, NonZero, OneHot,
 * Trilu.  Negative indices count from the end of their axis; an index out
 * of range is an error naming it and the axis size, checked before any
 * element is read. */
#include <inttypes.h>

#include "transform.h"

/* An index wrapped into [0, size), or an error. */
static sb_status index_wrap(relay_kernel_ctx *ctx, int64_t idx, int64_t size, int axis, int64_t pos,
			    int64_t *out)
{
	if (idx < -size || idx >= size)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "index %" PRId64 " (at position %" PRId64
				       ") is out of range for "
				       "axis %d of size %" PRId64,
				       idx, pos, axis, size);
	*out = idx < 0 ? idx + size : idx;
	return SB_OK;
}

/* ---- Gather ---- */

sb_status rel_gather(relay_op_ctx *ctx)
{
	const relay_type *data, *ind;
	sb_status st;
	if ((st = transform_input(ctx, 0, "data", false, &data)) ||
	    (st = transform_input(ctx, 1, "indices", false, &ind)) ||
	    (st = transform_check_index_dtype(ctx, ind, "indices")))
		return st;
	int r = data->rank, q = ind->rank;
	if (r == 0)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "data must have rank >= 1");
	if (r < 0 || q < 0) {
		ctx->out[0] = transform_type(ctx, data->dtype, -1, NULL);
		return SB_OK;
	}
	int axis;
	if ((st = relay_normalize_axis(ctx->op, ctx->node, CTX_ATTRS(ctx, axis0)->axis, r, &axis)))
		return st;
	int out_r = q + r - 1;
	if (out_r > SB_MAX_RANK)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "output rank %d exceeds %d", out_r,
				       SB_MAX_RANK);
	relay_dim dims[SB_MAX_RANK];
	int k = 0;
	for (int i = 0; i < axis; i++)
		dims[k++] = data->dims[i];
	for (int i = 0; i < q; i++)
		dims[k++] = ind->dims[i];
	for (int i = axis + 1; i < r; i++)
		dims[k++] = data->dims[i];
	ctx->out[0] = transform_type(ctx, data->dtype, out_r, dims);
	return SB_OK;
}

sb_status k_gather(relay_kernel_ctx *ctx)
{
	const sb_tensor *data = ctx->in[0], *ind = ctx->in[1];
	int r = data->dl.ndim, axis;
	sb_status st;
	if ((st = relay_normalize_axis(ctx->op, ctx->node, CTX_ATTRS(ctx, axis0)->axis, r, &axis)))
		return st;
	int64_t n = sb_tensor_numel(ind), size = data->shape[axis], idx = 0;
	for (int64_t k = 0; k < n; k++)
		if ((st = index_wrap(ctx, transform_index_at(ind, k), size, axis, k, &idx)))
			return st;
	int64_t outer = transform_span(data->shape, 0, axis);
	size_t block =
	    (size_t)transform_span(data->shape, axis + 1, r) * sb_dtype_size(data->dtype);
	const char *src = data->dl.data;
	char *dst = ctx->out[0]->dl.data;
	if (sb_tensor_nbytes(ctx->out[0]) != (size_t)(outer * n) * block)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output size does not match");
	for (int64_t o = 0; o < outer; o++)
		for (int64_t k = 0; k < n; k++) {
			int64_t i = transform_index_at(ind, k);
			i += i < 0 ? size : 0;
			memcpy(dst, src + (size_t)(o * size + i) * block, block);
			dst += block;
		}
	return SB_OK;
}

/* ---- GatherElements, ScatterElements: indices shaped like data ---- */

/* indices (and updates) against data: same rank, and no dim larger than
 * data's outside the axis. */
static sb_status check_elements_shape(relay_op_ctx *ctx, const relay_type *data,
				      const relay_type *ind, int *axis)
{
	sb_status st;
	int r = data->rank;
	if (r == 0)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "data must have rank >= 1");
	if (ind->rank >= 0 && ind->rank != r)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "indices have rank %d, data %d",
				       ind->rank, r);
	if ((st = relay_normalize_axis(ctx->op, ctx->node, *axis, r, axis)))
		return st;
	for (int i = 0; i < r && ind->rank >= 0; i++) {
		relay_dim a = data->dims[i], b = ind->dims[i];
		if (i != *axis && relay_dim_is_known(a) && relay_dim_is_known(b) &&
		    b.value > a.value)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "indices dim %d is %" PRId64
					       ", larger than data's %" PRId64,
					       i, b.value, a.value);
	}
	return SB_OK;
}

sb_status rel_gather_elements(relay_op_ctx *ctx)
{
	const relay_type *data, *ind;
	sb_status st;
	if ((st = transform_input(ctx, 0, "data", false, &data)) ||
	    (st = transform_input(ctx, 1, "indices", false, &ind)) ||
	    (st = transform_check_index_dtype(ctx, ind, "indices")))
		return st;
	int64_t axis64 = CTX_ATTRS(ctx, axis0)->axis;
	if (data->rank >= 0) {
		if (axis64 < INT32_MIN || axis64 > INT32_MAX)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "axis %" PRId64 " is out of range", axis64);
		int axis = (int)axis64;
		if ((st = check_elements_shape(ctx, data, ind, &axis)))
			return st;
	}
	int r = ind->rank >= 0 ? ind->rank : data->rank;
	ctx->out[0] = transform_type(ctx, data->dtype, r, ind->rank >= 0 ? ind->dims : NULL);
	return SB_OK;
}

/* Walks every element of `ind` (rank r, shape ishape) in order, giving the
 * flat index into data (strides ds) with the axis coordinate replaced by
 * the wrapped index.  fn(env, k, data_offset) does the work. */
typedef void (*elements_fn)(void *env, int64_t k, int64_t off);

static sb_status elements_walk(relay_kernel_ctx *ctx, const sb_tensor *data, const sb_tensor *ind,
			       int axis, elements_fn fn, void *env)
{
	int r = data->dl.ndim;
	int64_t ds[SB_MAX_RANK], c[SB_MAX_RANK] = {0}, base = 0, n = sb_tensor_numel(ind);
	sb_status st;
	if (ind->dl.ndim != r)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "indices have rank %d, data %d",
				       ind->dl.ndim, r);
	for (int d = 0; d < r; d++)
		if (d != axis && ind->shape[d] > data->shape[d])
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "indices dim %d is %" PRId64
					       ", larger than data's %" PRId64,
					       d, ind->shape[d], data->shape[d]);
	sb_shape_strides(r, data->shape, ds);
	for (int64_t k = 0; k < n; k++) {
		int64_t idx = 0;
		if ((st = index_wrap(ctx, transform_index_at(ind, k), data->shape[axis], axis, k,
				     &idx)))
			return st;
		fn(env, k, base + idx * ds[axis]);
		for (int d = r - 1; d >= 0; d--) {
			int64_t step = d == axis ? 0 : ds[d];
			base += step;
			if (++c[d] < ind->shape[d])
				break;
			base -= step * ind->shape[d];
			c[d] = 0;
		}
	}
	return SB_OK;
}

typedef struct elements_env {
	char *dst;
	const char *src;
	size_t esize;
	/* scatter with a reduction */
	sb_dtype dtype;
	int reduction;
} elements_env;

static void gather_elements_one(void *env, int64_t k, int64_t off)
{
	elements_env *e = env;
	memcpy(e->dst + (size_t)k * e->esize, e->src + (size_t)off * e->esize, e->esize);
}

sb_status k_gather_elements(relay_kernel_ctx *ctx)
{
	const sb_tensor *data = ctx->in[0], *ind = ctx->in[1];
	int axis;
	sb_status st;
	if ((st = relay_normalize_axis(ctx->op, ctx->node, CTX_ATTRS(ctx, axis0)->axis,
				       data->dl.ndim, &axis)))
		return st;
	if (sb_tensor_numel(ctx->out[0]) != sb_tensor_numel(ind))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output size does not match");
	elements_env e = {ctx->out[0]->dl.data, data->dl.data, sb_dtype_size(data->dtype)};
	return elements_walk(ctx, data, ind, axis, gather_elements_one, &e);
}

/* ---- scatter reductions ---- */

#define SCATTER_REDUCTIONS(X)                                                                      \
	X(NONE, "none") X(ADD, "add") X(MUL, "mul") X(MAX, "max") X(MIN, "min")
typedef enum scatter_reduction {
#define X(id, name) SCATTER_##id,
	SCATTER_REDUCTIONS(X)
#undef X
} scatter_reduction;
static const char *const scatter_reduction_names[] = {
#define X(id, name) name,
    SCATTER_REDUCTIONS(X)
#undef X
};

static sb_status scatter_reduction_parse(relay_op op, const char *node, const char *s, int *out)
{
	for (size_t i = 0; i < SB_ARRAY_LEN(scatter_reduction_names); i++)
		if (s && strcmp(s, scatter_reduction_names[i]) == 0) {
			*out = (int)i;
			return SB_OK;
		}
	return relay_op_error(op, node, SB_ERR_UNSUPPORTED, "reduction '%s' is not supported",
			      s ? s : "(null)");
}

/* dst[i] = dst[i] (op) src[i] for n elements of type T, computed in W
 * (unsigned for integers, so sums wrap instead of overflowing). */
#define SCATTER_REDUCE_FN(NAME, T, W)                                                              \
	static void NAME(void *dstv, const void *srcv, int64_t n, int red)                         \
	{                                                                                          \
		T *d = dstv;                                                                       \
		const T *s = srcv;                                                                 \
		for (int64_t i = 0; i < n; i++) {                                                  \
			switch (red) {                                                             \
			case SCATTER_ADD:                                                          \
				d[i] = (T)((W)d[i] + (W)s[i]);                                     \
				break;                                                             \
			case SCATTER_MUL:                                                          \
				d[i] = (T)((W)d[i] * (W)s[i]);                                     \
				break;                                                             \
			case SCATTER_MAX:                                                          \
				d[i] = s[i] > d[i] ? s[i] : d[i];                                  \
				break;                                                             \
			case SCATTER_MIN:                                                          \
				d[i] = s[i] < d[i] ? s[i] : d[i];                                  \
				break;                                                             \
			default:                                                                   \
				d[i] = s[i];                                                       \
			}                                                                          \
		}                                                                                  \
	}
SCATTER_REDUCE_FN(reduce_f32, float, float)
SCATTER_REDUCE_FN(reduce_f64, double, double)
SCATTER_REDUCE_FN(reduce_i8, int8_t, uint64_t)
SCATTER_REDUCE_FN(reduce_i16, int16_t, uint64_t)
SCATTER_REDUCE_FN(reduce_i32, int32_t, uint64_t)
SCATTER_REDUCE_FN(reduce_i64, int64_t, uint64_t)
SCATTER_REDUCE_FN(reduce_u8, uint8_t, uint64_t)
SCATTER_REDUCE_FN(reduce_u16, uint16_t, uint64_t)
SCATTER_REDUCE_FN(reduce_u32, uint32_t, uint64_t)
SCATTER_REDUCE_FN(reduce_u64, uint64_t, uint64_t)

static void reduce_half(void *dstv, const void *srcv, int64_t n, int red, bool bf16)
{
	uint16_t *d = dstv;
	const uint16_t *s = srcv;
	for (int64_t i = 0; i < n; i++) {
		float a = bf16 ? sb_bf16_to_f32(d[i]) : sb_f16_to_f32(d[i]);
		float b = bf16 ? sb_bf16_to_f32(s[i]) : sb_f16_to_f32(s[i]);
		reduce_f32(&a, &b, 1, red);
		d[i] = bf16 ? sb_f32_to_bf16(a) : sb_f32_to_f16(a);
	}
}

/* bool: add is or, mul is and (numpy's ufuncs on bool). */
static void reduce_bool(void *dstv, const void *srcv, int64_t n, int red)
{
	uint8_t *d = dstv;
	const uint8_t *s = srcv;
	for (int64_t i = 0; i < n; i++)
		d[i] = red == SCATTER_ADD || red == SCATTER_MAX ? (d[i] | s[i]) != 0
								: (d[i] & s[i]) != 0;
}

/* Combines n elements of src into dst. */
static void scatter_combine(sb_dtype dt, int red, void *dst, const void *src, int64_t n)
{
	if (red == SCATTER_NONE) {
		memcpy(dst, src, (size_t)n * sb_dtype_size(dt));
		return;
	}
	switch (dt) {
	case SB_F32:
		reduce_f32(dst, src, n, red);
		break;
	case SB_F64:
		reduce_f64(dst, src, n, red);
		break;
	case SB_F16:
		reduce_half(dst, src, n, red, false);
		break;
	case SB_BF16:
		reduce_half(dst, src, n, red, true);
		break;
	case SB_I8:
		reduce_i8(dst, src, n, red);
		break;
	case SB_I16:
		reduce_i16(dst, src, n, red);
		break;
	case SB_I32:
		reduce_i32(dst, src, n, red);
		break;
	case SB_I64:
		reduce_i64(dst, src, n, red);
		break;
	case SB_U8:
		reduce_u8(dst, src, n, red);
		break;
	case SB_U16:
		reduce_u16(dst, src, n, red);
		break;
	case SB_U32:
		reduce_u32(dst, src, n, red);
		break;
	case SB_U64:
		reduce_u64(dst, src, n, red);
		break;
	case SB_BOOL:
		reduce_bool(dst, src, n, red);
		break;
	default:
		SB_UNREACHABLE();
	}
}

/* ---- ScatterElements, ScatterND (one relation) ---- */

sb_status rel_scatter(relay_op_ctx *ctx)
{
	const relay_attrs_scatter *a = CTX_ATTRS(ctx, scatter);
	const relay_type *data, *ind, *upd;
	int red;
	sb_status st;
	if ((st = transform_input(ctx, 0, "data", false, &data)) ||
	    (st = transform_input(ctx, 1, "indices", false, &ind)) ||
	    (st = transform_input(ctx, 2, "updates", false, &upd)) ||
	    (st = transform_check_index_dtype(ctx, ind, "indices")) ||
	    (st = scatter_reduction_parse(ctx->op, ctx->node, a->reduction, &red)))
		return st;
	if (upd->dtype != data->dtype)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "updates are %s, data %s",
				       sb_dtype_name(upd->dtype), sb_dtype_name(data->dtype));
	if (ctx->op == RELAY_OP_SCATTER_ELEMENTS) {
		if (ind->rank >= 0 && upd->rank >= 0) {
			if (ind->rank != upd->rank)
				return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
						       "updates have rank %d, indices %d",
						       upd->rank, ind->rank);
			for (int i = 0; i < ind->rank; i++) {
				relay_dim x = ind->dims[i], y = upd->dims[i];
				if (relay_dim_is_known(x) && relay_dim_is_known(y) &&
				    x.value != y.value)
					return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
							       "updates dim %d is %" PRId64
							       ", indices dim %" PRId64,
							       i, y.value, x.value);
			}
		}
		if (data->rank >= 0) {
			if (a->axis < INT32_MIN || a->axis > INT32_MAX)
				return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
						       "axis %" PRId64 " is out of range", a->axis);
			int axis = (int)a->axis;
			if ((st = check_elements_shape(ctx, data, ind, &axis)))
				return st;
		}
	} else if (data->rank >= 0 && ind->rank >= 0) {
		/* ScatterND: updates = indices.shape[:-1] + data.shape[k:]. */
		int r = data->rank, q = ind->rank;
		if (r == 0 || q == 0)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "data and indices need rank >= 1");
		relay_dim kd = ind->dims[q - 1];
		if (relay_dim_is_known(kd)) {
			if (kd.value > r)
				return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
						       "indices address %" PRId64
						       " dims of rank-%d data",
						       kd.value, r);
			int k = (int)kd.value, ur = q - 1 + r - k;
			if (upd->rank >= 0 && upd->rank != ur)
				return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
						       "updates have rank %d, expected %d",
						       upd->rank, ur);
			for (int i = 0; i < ur && upd->rank >= 0; i++) {
				relay_dim x =
				    i < q - 1 ? ind->dims[i] : data->dims[k + i - (q - 1)];
				relay_dim y = upd->dims[i];
				if (relay_dim_is_known(x) && relay_dim_is_known(y) &&
				    x.value != y.value)
					return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
							       "updates dim %d is %" PRId64
							       ", expected %" PRId64,
							       i, y.value, x.value);
			}
		}
	}
	ctx->out[0] = data;
	return SB_OK;
}

static void scatter_elements_one(void *env, int64_t k, int64_t off)
{
	elements_env *e = env;
	scatter_combine(e->dtype, e->reduction, e->dst + (size_t)off * e->esize,
			e->src + (size_t)k * e->esize, 1);
}

sb_status k_scatter_elements(relay_kernel_ctx *ctx)
{
	const relay_attrs_scatter *a = CTX_ATTRS(ctx, scatter);
	const sb_tensor *data = ctx->in[0], *ind = ctx->in[1], *upd = ctx->in[2];
	sb_tensor *out = ctx->out[0];
	int axis, red;
	sb_status st;
	if ((st = scatter_reduction_parse(ctx->op, ctx->node, a->reduction, &red)) ||
	    (st = relay_normalize_axis(ctx->op, ctx->node, a->axis, data->dl.ndim, &axis)))
		return st;
	if (!sb_shape_equal(ind->dl.ndim, ind->shape, upd->dl.ndim, upd->shape))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "updates and indices differ in shape");
	if (out->dtype != data->dtype || upd->dtype != data->dtype ||
	    sb_tensor_nbytes(out) != sb_tensor_nbytes(data))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output does not match data");
	memcpy(out->dl.data, data->dl.data, sb_tensor_nbytes(data));
	elements_env e = {out->dl.data, upd->dl.data, sb_dtype_size(data->dtype), data->dtype, red};
	return elements_walk(ctx, data, ind, axis, scatter_elements_one, &e);
}

/* ---- GatherND, ScatterND: the last indices axis addresses leading dims ---- */

/* Flat element offset (within one batch of data, dims b..b+k) of the index
 * tuple starting at ind[pos]; error if any coordinate is out of range. */
static sb_status nd_offset(relay_kernel_ctx *ctx, const sb_tensor *data, const sb_tensor *ind,
			   int b, int k, int64_t pos, int64_t *off)
{
	int64_t o = 0;
	sb_status st;
	for (int j = 0; j < k; j++) {
		int64_t idx = 0;
		if ((st = index_wrap(ctx, transform_index_at(ind, pos + j), data->shape[b + j],
				     b + j, pos + j, &idx)))
			return st;
		o = o * data->shape[b + j] + idx;
	}
	*off = o;
	return SB_OK;
}

sb_status rel_gather_nd(relay_op_ctx *ctx)
{
	const relay_type *data, *ind;
	sb_status st;
	if ((st = transform_input(ctx, 0, "data", false, &data)) ||
	    (st = transform_input(ctx, 1, "indices", false, &ind)) ||
	    (st = transform_check_index_dtype(ctx, ind, "indices")))
		return st;
	int64_t b = CTX_ATTRS(ctx, gather_nd)->batch_dims;
	int r = data->rank, q = ind->rank;
	if (b < 0)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "batch_dims is %" PRId64, b);
	if (r >= 0 && q >= 0 && (b >= r || b >= q))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "batch_dims %" PRId64 " must be below both ranks (%d, %d)",
				       b, r, q);
	if (r < 0 || q < 0 || !relay_dim_is_known(ind->dims[q - 1])) {
		ctx->out[0] = transform_type(ctx, data->dtype, -1, NULL);
		return SB_OK;
	}
	int64_t m = ind->dims[q - 1].value;
	if (m < 1 || m > r - b)
		return RELAY_CTX_ERROR(
		    ctx, SB_ERR_INVALID,
		    "the last indices dim is %" PRId64 ", must be in [1, %" PRId64 "]", m, r - b);
	int out_r = q - 1 + r - (int)b - (int)m;
	if (out_r > SB_MAX_RANK)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "output rank %d exceeds %d", out_r,
				       SB_MAX_RANK);
	relay_dim dims[SB_MAX_RANK];
	int n = 0;
	for (int i = 0; i < q - 1; i++) {
		dims[n] = ind->dims[i];
		if (i < b && !transform_dim_merge(&dims[n], data->dims[i]))
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "batch dim %d is %" PRId64 " in data, %" PRId64
					       " in indices",
					       i, data->dims[i].value, ind->dims[i].value);
		n++;
	}
	for (int i = (int)(b + m); i < r; i++)
		dims[n++] = data->dims[i];
	ctx->out[0] = transform_type(ctx, data->dtype, out_r, dims);
	return SB_OK;
}

sb_status k_gather_nd(relay_kernel_ctx *ctx)
{
	const sb_tensor *data = ctx->in[0], *ind = ctx->in[1];
	int r = data->dl.ndim, q = ind->dl.ndim, b = (int)CTX_ATTRS(ctx, gather_nd)->batch_dims;
	if (q < 1 || b < 0 || b >= q || b >= r || ind->shape[q - 1] < 1 ||
	    ind->shape[q - 1] > r - b)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "indices do not fit data");
	int k = (int)ind->shape[q - 1];
	for (int i = 0; i < b; i++)
		if (data->shape[i] != ind->shape[i])
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "batch dim %d differs", i);
	int64_t batches = transform_span(data->shape, 0, b);
	int64_t per_batch = transform_span(ind->shape, b, q - 1);
	int64_t data_batch = transform_span(data->shape, b, r);
	size_t esize = sb_dtype_size(data->dtype);
	int64_t slice = transform_span(data->shape, b + k, r);
	size_t bytes = (size_t)slice * esize;
	if (sb_tensor_nbytes(ctx->out[0]) != (size_t)(batches * per_batch) * bytes)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output size does not match");
	char *dst = ctx->out[0]->dl.data;
	const char *src = data->dl.data;
	for (int64_t bi = 0; bi < batches; bi++)
		for (int64_t t = 0; t < per_batch; t++) {
			int64_t off;
			sb_status st;
			if ((st = nd_offset(ctx, data, ind, b, k, (bi * per_batch + t) * k, &off)))
				return st;
			memcpy(dst, src + (size_t)(bi * data_batch + off * slice) * esize, bytes);
			dst += bytes;
		}
	return SB_OK;
}

sb_status k_scatter_nd(relay_kernel_ctx *ctx)
{
	const sb_tensor *data = ctx->in[0], *ind = ctx->in[1], *upd = ctx->in[2];
	sb_tensor *out = ctx->out[0];
	int r = data->dl.ndim, q = ind->dl.ndim, red;
	sb_status st;
	if ((st = scatter_reduction_parse(ctx->op, ctx->node, CTX_ATTRS(ctx, scatter)->reduction,
					  &red)))
		return st;
	if (q < 1 || ind->shape[q - 1] > r)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "indices do not fit data");
	int k = (int)ind->shape[q - 1];
	int64_t n = transform_span(ind->shape, 0, q - 1), slice = transform_span(data->shape, k, r);
	size_t esize = sb_dtype_size(data->dtype);
	if (upd->dl.ndim != q - 1 + r - k ||
	    !sb_shape_equal(q - 1, ind->shape, q - 1, upd->shape) ||
	    !sb_shape_equal(r - k, data->shape + k, r - k, upd->shape + q - 1))
		return RELAY_CTX_ERROR(
		    ctx, SB_ERR_INVALID,
		    "updates must be shaped indices.shape[:-1] + data.shape[%d:]", k);
	if (out->dtype != data->dtype || upd->dtype != data->dtype ||
	    sb_tensor_nbytes(out) != sb_tensor_nbytes(data))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output does not match data");
	memcpy(out->dl.data, data->dl.data, sb_tensor_nbytes(data));
	char *dst = out->dl.data;
	const char *src = upd->dl.data;
	for (int64_t t = 0; t < n; t++) {
		int64_t off;
		if ((st = nd_offset(ctx, data, ind, 0, k, t * k, &off)))
			return st;
		scatter_combine(data->dtype, red, dst + (size_t)(off * slice) * esize,
				src + (size_t)(t * slice) * esize, slice);
	}
	return SB_OK;
}

/* ---- NonZero ---- */

static bool is_nonzero(const sb_tensor *t, int64_t i)
{
	const void *p = t->dl.data;
	switch (t->dtype) {
	case SB_F32:
		return ((const float *)p)[i] != 0;
	case SB_F64:
		return ((const double *)p)[i] != 0;
	case SB_F16:
	case SB_BF16:
		return (((const uint16_t *)p)[i] & 0x7fff) != 0; /* -0 is zero */
	default: {
		size_t es = sb_dtype_size(t->dtype);
		const uint8_t *b = (const uint8_t *)p + (size_t)i * es;
		for (size_t j = 0; j < es; j++)
			if (b[j])
				return true;
		return false;
	}
	}
}

sb_status rel_non_zero(relay_op_ctx *ctx)
{
	const relay_type *x;
	sb_status st;
	if ((st = transform_input(ctx, 0, "X", false, &x)))
		return st;
	/* numpy treats a scalar as 1-D: one coordinate row (all 0). */
	relay_dim dims[2] = {x->rank < 0 ? RELAY_DIM_UNKNOWN : relay_dim_known(SB_MAX(x->rank, 1)),
			     RELAY_DIM_UNKNOWN};
	const sb_tensor *v = ctx->value ? ctx->value[0] : NULL;
	if (v) {
		int64_t n = sb_tensor_numel(v), nnz = 0;
		for (int64_t i = 0; i < n; i++)
			nnz += is_nonzero(v, i);
		dims[1] = relay_dim_known(nnz);
	}
	ctx->out[0] = transform_type(ctx, SB_I64, 2, dims);
	return SB_OK;
}

sb_status k_non_zero(relay_kernel_ctx *ctx)
{
	const sb_tensor *x = ctx->in[0];
	sb_tensor *out = ctx->out[0];
	int r = x->dl.ndim;
	int64_t n = sb_tensor_numel(x), c[SB_MAX_RANK] = {0}, j = 0;
	int64_t nnz = out->dl.ndim == 2 ? out->shape[1] : -1;
	int64_t *o = out->dl.data;
	if (out->dtype != SB_I64 || out->dl.ndim != 2 || out->shape[0] != SB_MAX(r, 1))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output is not int64[%d, nnz]",
				       SB_MAX(r, 1));
	for (int64_t i = 0; i < n; i++) {
		if (is_nonzero(x, i)) {
			if (j >= nnz)
				return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL,
						       "more non-zeros than columns");
			for (int d = 0; d < r; d++)
				o[d * nnz + j] = c[d];
			if (r == 0)
				o[j] = 0;
			j++;
		}
		for (int d = r - 1; d >= 0; d--) {
			if (++c[d] < x->shape[d])
				break;
			c[d] = 0;
		}
	}
	if (j != nnz)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "fewer non-zeros than columns");
	return SB_OK;
}

/* ---- OneHot ---- */

/* depth (a single number of any numeric type, cast to int64). */
static sb_status one_hot_depth(relay_op op, const char *node, const sb_tensor *t, int64_t *depth)
{
	if (sb_tensor_numel(t) != 1)
		return relay_op_error(op, node, SB_ERR_INVALID,
				      "depth must hold one value, got %" PRId64,
				      sb_tensor_numel(t));
	if (sb_dtype_is_float(t->dtype)) {
		double d = sb_tensor_get_f64(t, 0);
		if (!(d >= 1 && d < 9.2e18))
			return relay_op_error(op, node, SB_ERR_INVALID, "depth %g is not positive",
					      d);
		*depth = (int64_t)d;
	} else {
		*depth = sb_tensor_get_i64(t, 0);
	}
	if (*depth < 1)
		return relay_op_error(op, node, SB_ERR_INVALID, "depth %" PRId64 " is not positive",
				      *depth);
	return SB_OK;
}

sb_status rel_one_hot(relay_op_ctx *ctx)
{
	const relay_type *ind, *depth, *values;
	sb_status st;
	if ((st = transform_input(ctx, 0, "indices", false, &ind)) ||
	    (st = transform_input(ctx, 1, "depth", false, &depth)) ||
	    (st = transform_input(ctx, 2, "values", false, &values)))
		return st;
	if (ind->dtype == SB_BOOL || depth->dtype == SB_BOOL)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "indices and depth must be numeric");
	if (values->rank >= 0) {
		int64_t nv;
		if (values->rank != 1 || (transform_dims_numel(values->dims, 1, &nv) && nv != 2))
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "values must be 1-D [off_value, on_value]");
	}
	if (depth->rank > 1)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "depth must be a scalar, got rank %d",
				       depth->rank);
	relay_dim dd = RELAY_DIM_UNKNOWN;
	if (ctx->value && ctx->value[1]) {
		int64_t d;
		if ((st = one_hot_depth(ctx->op, ctx->node, ctx->value[1], &d)))
			return st;
		dd = relay_dim_known(d);
	}
	int q = ind->rank;
	if (q < 0) {
		ctx->out[0] = transform_type(ctx, values->dtype, -1, NULL);
		return SB_OK;
	}
	if (q + 1 > SB_MAX_RANK)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "output rank %d exceeds %d", q + 1,
				       SB_MAX_RANK);
	int axis;
	if ((st = relay_normalize_axis(ctx->op, ctx->node, CTX_ATTRS(ctx, one_hot)->axis, q + 1,
				       &axis)))
		return st;
	relay_dim dims[SB_MAX_RANK];
	for (int i = 0, k = 0; i <= q; i++)
		dims[i] = i == axis ? dd : ind->dims[k++];
	ctx->out[0] = transform_type(ctx, values->dtype, q + 1, dims);
	return SB_OK;
}

sb_status k_one_hot(relay_kernel_ctx *ctx)
{
	const sb_tensor *ind = ctx->in[0], *values = ctx->in[2];
	sb_tensor *out = ctx->out[0];
	int q = ind->dl.ndim, axis;
	int64_t depth;
	sb_status st;
	if ((st = relay_normalize_axis(ctx->op, ctx->node, CTX_ATTRS(ctx, one_hot)->axis, q + 1,
				       &axis)) ||
	    (st = one_hot_depth(ctx->op, ctx->node, ctx->in[1], &depth)))
		return st;
	if (sb_tensor_numel(values) != 2)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "values must hold [off_value, on_value]");
	if (out->dl.ndim != q + 1 || out->shape[axis] != depth || out->dtype != values->dtype)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output does not match");
	size_t es = sb_dtype_size(values->dtype);
	const char *off_v = values->dl.data, *on_v = off_v + es;
	char *o = out->dl.data;
	int64_t total = sb_tensor_numel(out);
	for (int64_t i = 0; i < total; i++)
		memcpy(o + (size_t)i * es, off_v, es);
	/* out[outer, depth, inner] with indices[outer, inner]; an index
	 * outside [-depth, depth) leaves its row all off_value. */
	int64_t inner = transform_span(ind->shape, axis, q), n = sb_tensor_numel(ind);
	bool is_float = sb_dtype_is_float(ind->dtype);
	for (int64_t i = 0; i < n; i++) {
		int64_t idx = 0;
		if (is_float) {
			double v = sb_tensor_get_f64(ind, i);
			if (!(v > -(double)depth - 1 && v < (double)depth))
				continue;
			idx = (int64_t)v;
		} else {
			idx = sb_tensor_get_i64(ind, i);
		}
		if (idx < -depth || idx >= depth)
			continue;
		idx += idx < 0 ? depth : 0;
		int64_t outer = i / inner, in = i % inner;
		memcpy(o + (size_t)((outer * depth + idx) * inner + in) * es, on_v, es);
	}
	return SB_OK;
}

/* ---- Trilu ---- */

sb_status rel_trilu(relay_op_ctx *ctx)
{
	const relay_type *x, *k;
	int64_t *kv;
	int n;
	sb_status st;
	if ((st = transform_input(ctx, 0, "input", false, &x)) ||
	    (st = transform_input(ctx, 1, "k", true, &k)) ||
	    (st = transform_value_ints(ctx, 1, "k", true, &kv, &n)))
		return st;
	if (x->rank >= 0 && x->rank < 2)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input must have rank >= 2, got %d",
				       x->rank);
	if (kv && n != 1)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "k must hold one value, got %d", n);
	ctx->out[0] = x;
	return SB_OK;
}

sb_status k_trilu(relay_kernel_ctx *ctx)
{
	const sb_tensor *x = ctx->in[0], *kt = ctx->nin > 1 ? ctx->in[1] : NULL;
	sb_tensor *out = ctx->out[0];
	int r = x->dl.ndim;
	bool upper = CTX_ATTRS(ctx, trilu)->upper != 0;
	if (r < 2)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input must have rank >= 2, got %d", r);
	if (kt && sb_tensor_numel(kt) != 1)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "k must hold one value");
	if (sb_tensor_nbytes(out) != sb_tensor_nbytes(x))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output size does not match");
	int64_t rows = x->shape[r - 2], cols = x->shape[r - 1];
	int64_t batches = transform_span(x->shape, 0, r - 2);
	/* Clamped so i + k cannot overflow; beyond +-(rows + cols) every k
	 * acts the same. */
	int64_t k = kt ? sb_tensor_get_i64(kt, 0) : 0;
	k = SB_MAX(SB_MIN(k, rows + cols), -(rows + cols));
	size_t es = sb_dtype_size(x->dtype), row_bytes = (size_t)cols * es;
	const char *s = x->dl.data;
	char *d = out->dl.data;
	for (int64_t b = 0; b < batches; b++)
		for (int64_t i = 0; i < rows; i++) {
			/* Kept columns [lo, hi): upper keeps j >= i + k, lower j <= i + k. */
			int64_t lo = upper ? SB_MAX(i + k, 0) : 0;
			int64_t hi = upper ? cols : SB_MIN(i + k + 1, cols);
			lo = SB_MIN(lo, cols);
			hi = SB_MAX(hi, lo);
			memset(d, 0, row_bytes);
			memcpy(d + (size_t)lo * es, s + (size_t)lo * es, (size_t)(hi - lo) * es);
			s += row_bytes;
			d += row_bytes;
		}
	return SB_OK;
}
