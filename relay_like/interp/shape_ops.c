/* Type relations and reference kernels of the ops that make a tensor from
 * a shape, a few scalars or an attribute: Shape, Size, Range,
 * ConstantOfShape, EyeLike, Constant.  Shape's output type is static
 * whenever the input's rank is known; its value is what
 * FoldShapeComputation folds, so the kernel must be exact. */
#include <inttypes.h>
#include <math.h>

#include "transform.h"

/* ---- Shape, Size ---- */

/* Output range [start, start + len) of the input's dims for rank r. */
static void shape_range(const relay_attrs_shape *a, int r, int *start, int *len)
{
	int64_t s = a->start, e = a->end;
	s += s < 0 ? r : 0;
	e += e < 0 ? r : 0;
	s = SB_MIN(SB_MAX(s, 0), r);
	e = SB_MIN(SB_MAX(e, 0), r);
	*start = (int)s;
	*len = e > s ? (int)(e - s) : 0;
}

sb_status rel_shape(relay_op_ctx *ctx)
{
	const relay_type *data;
	sb_status st;
	if ((st = transform_input(ctx, 0, "data", false, &data)))
		return st;
	relay_dim d = RELAY_DIM_UNKNOWN;
	if (data->rank >= 0) {
		int start, len;
		shape_range(CTX_ATTRS(ctx, shape), data->rank, &start, &len);
		d = relay_dim_known(len);
	}
	ctx->out[0] = transform_type(ctx, SB_I64, 1, &d);
	return SB_OK;
}

sb_status k_shape(relay_kernel_ctx *ctx)
{
	const sb_tensor *data = ctx->in[0];
	sb_tensor *out = ctx->out[0];
	int start, len;
	shape_range(CTX_ATTRS(ctx, shape), data->dl.ndim, &start, &len);
	if (out->dtype != SB_I64 || sb_tensor_numel(out) != len)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output is not int64[%d]", len);
	memcpy(out->dl.data, data->shape + start, sizeof(int64_t) * (size_t)len);
	return SB_OK;
}

sb_status rel_size(relay_op_ctx *ctx)
{
	const relay_type *data;
	sb_status st;
	if ((st = transform_input(ctx, 0, "data", false, &data)))
		return st;
	ctx->out[0] = transform_type(ctx, SB_I64, 0, NULL);
	return SB_OK;
}

sb_status k_size(relay_kernel_ctx *ctx)
{
	if (ctx->out[0]->dtype != SB_I64 || sb_tensor_numel(ctx->out[0]) != 1)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output is not an int64 scalar");
	*(int64_t *)ctx->out[0]->dl.data = sb_tensor_numel(ctx->in[0]);
	return SB_OK;
}

/* ---- Range ---- */

static bool range_dtype_ok(sb_dtype dt)
{
	return dt == SB_F32 || dt == SB_F64 || dt == SB_I16 || dt == SB_I32 || dt == SB_I64;
}

/* max(ceil((limit - start) / delta), 0), exactly for integers (unsigned
 * differences cannot overflow) and in double for floats (as numpy). */
static sb_status range_length(relay_op op, const char *node, const sb_tensor *start,
			      const sb_tensor *limit, const sb_tensor *delta, int64_t *len)
{
	const sb_tensor *t[3] = {start, limit, delta};
	static const char *const names[3] = {"start", "limit", "delta"};
	for (int i = 0; i < 3; i++)
		if (sb_tensor_numel(t[i]) != 1)
			return relay_op_error(op, node, SB_ERR_INVALID, "%s must be a scalar",
					      names[i]);
	if (sb_dtype_is_float(start->dtype)) {
		double s = sb_tensor_get_f64(start, 0), l = sb_tensor_get_f64(limit, 0);
		double d = sb_tensor_get_f64(delta, 0), n = ceil((l - s) / d);
		if (d == 0)
			return relay_op_error(op, node, SB_ERR_INVALID, "delta is 0");
		if (n != n || n > 9.0e15)
			return relay_op_error(op, node, SB_ERR_INVALID,
					      "range(%g, %g, %g) has no finite length", s, l, d);
		*len = n > 0 ? (int64_t)n : 0;
		return SB_OK;
	}
	int64_t s = sb_tensor_get_i64(start, 0), l = sb_tensor_get_i64(limit, 0);
	int64_t d = sb_tensor_get_i64(delta, 0);
	uint64_t n = 0;
	if (d == 0)
		return relay_op_error(op, node, SB_ERR_INVALID, "delta is 0");
	if (d > 0 && l > s)
		n = ((uint64_t)l - (uint64_t)s - 1) / (uint64_t)d + 1;
	else if (d < 0 && l < s)
		n = ((uint64_t)s - (uint64_t)l - 1) / (0 - (uint64_t)d) + 1;
	if (n > INT64_MAX)
		return relay_op_error(op, node, SB_ERR_INVALID, "range is too long");
	*len = (int64_t)n;
	return SB_OK;
}

sb_status rel_range(relay_op_ctx *ctx)
{
	const relay_type *t[3];
	static const char *const names[3] = {"start", "limit", "delta"};
	sb_status st;
	for (int i = 0; i < 3; i++) {
		if ((st = transform_input(ctx, i, names[i], false, &t[i])))
			return st;
		int64_t n;
		if (t[i]->rank > 1 ||
		    (t[i]->rank >= 0 && transform_dims_numel(t[i]->dims, t[i]->rank, &n) && n != 1))
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "%s must be a scalar",
					       names[i]);
		if (t[i]->dtype != t[0]->dtype)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "%s is %s, start %s", names[i],
					       sb_dtype_name(t[i]->dtype),
					       sb_dtype_name(t[0]->dtype));
	}
	if (!range_dtype_ok(t[0]->dtype))
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "dtype %s is not supported",
				       sb_dtype_name(t[0]->dtype));
	relay_dim d = RELAY_DIM_UNKNOWN;
	if (ctx->value && ctx->value[0] && ctx->value[1] && ctx->value[2]) {
		int64_t len;
		if ((st = range_length(ctx->op, ctx->node, ctx->value[0], ctx->value[1],
				       ctx->value[2], &len)))
			return st;
		d = relay_dim_known(len);
	}
	ctx->out[0] = transform_type(ctx, t[0]->dtype, 1, &d);
	return SB_OK;
}

sb_status k_range(relay_kernel_ctx *ctx)
{
	const sb_tensor *start = ctx->in[0], *delta = ctx->in[2];
	sb_tensor *out = ctx->out[0];
	int64_t len;
	sb_status st;
	if ((st = range_length(ctx->op, ctx->node, start, ctx->in[1], delta, &len)))
		return st;
	if (sb_tensor_numel(out) != len || out->dtype != start->dtype)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output does not match");
	if (sb_dtype_is_float(start->dtype)) {
		double s = sb_tensor_get_f64(start, 0), d = sb_tensor_get_f64(delta, 0);
		for (int64_t i = 0; i < len; i++)
			sb_tensor_set_f64(out, i, s + (double)i * d);
	} else {
		/* Every value lies between start and limit, so the wrapping
		 * arithmetic gives the exact result. */
		uint64_t s = (uint64_t)sb_tensor_get_i64(start, 0);
		uint64_t d = (uint64_t)sb_tensor_get_i64(delta, 0);
		for (int64_t i = 0; i < len; i++)
			sb_tensor_set_i64(out, i, (int64_t)(s + (uint64_t)i * d));
	}
	return SB_OK;
}

/* ---- ConstantOfShape ---- */

sb_status rel_constant_of_shape(relay_op_ctx *ctx)
{
	const relay_attrs_constant_of_shape *a = CTX_ATTRS(ctx, constant_of_shape);
	const relay_type *shape_t;
	int64_t *v;
	int n;
	sb_status st;
	if ((st = transform_input(ctx, 0, "input", false, &shape_t)) ||
	    (st = transform_value_ints(ctx, 0, "input", false, &v, &n)))
		return st;
	if (a->value && sb_tensor_numel(a->value) != 1)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "value must hold one element, got %" PRId64,
				       sb_tensor_numel(a->value));
	sb_dtype dt = a->value ? a->value->dtype : SB_F32;
	if (!v) {
		ctx->out[0] = transform_type(ctx, dt, transform_input_length(shape_t), NULL);
		return SB_OK;
	}
	if (n > SB_MAX_RANK)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "rank %d exceeds %d", n,
				       SB_MAX_RANK);
	for (int i = 0; i < n; i++)
		if (v[i] < 0)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input[%d] is %" PRId64, i,
					       v[i]);
	ctx->out[0] = relay_type_from_shape(ctx->mod, dt, n, v);
	return SB_OK;
}

sb_status k_constant_of_shape(relay_kernel_ctx *ctx)
{
	const sb_tensor *value = CTX_ATTRS(ctx, constant_of_shape)->value;
	sb_tensor *out = ctx->out[0];
	if (!value) {
		if (out->dtype != SB_F32)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output is not float32");
		memset(out->dl.data, 0, sb_tensor_nbytes(out));
		return SB_OK;
	}
	if (out->dtype != value->dtype || sb_tensor_numel(value) != 1)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output does not match value");
	size_t es = sb_dtype_size(out->dtype);
	int64_t n = sb_tensor_numel(out);
	for (int64_t i = 0; i < n; i++)
		memcpy((char *)out->dl.data + (size_t)i * es, value->dl.data, es);
	return SB_OK;
}

/* ---- EyeLike ---- */

sb_status rel_eye_like(relay_op_ctx *ctx)
{
	const relay_attrs_eye_like *a = CTX_ATTRS(ctx, eye_like);
	const relay_type *x;
	sb_status st;
	if ((st = transform_input(ctx, 0, "input", false, &x)))
		return st;
	if (x->rank >= 0 && x->rank != 2)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input must be 2-D, got rank %d",
				       x->rank);
	sb_dtype dt = x->dtype;
	if (a->dtype) {
		dt = relay_onnx_dtype(a->dtype);
		if (dt == SB_DT_INVALID)
			return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED,
					       "dtype %" PRId64 " (ONNX DataType) is not supported",
					       a->dtype);
	}
	ctx->out[0] = transform_type(ctx, dt, 2, x->rank == 2 ? x->dims : NULL);
	return SB_OK;
}

sb_status k_eye_like(relay_kernel_ctx *ctx)
{
	sb_tensor *out = ctx->out[0];
	int64_t k = CTX_ATTRS(ctx, eye_like)->k;
	if (out->dl.ndim != 2)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output is not 2-D");
	int64_t rows = out->shape[0], cols = out->shape[1];
	memset(out->dl.data, 0, sb_tensor_nbytes(out));
	/* Ones at (i, i + k); k beyond +-cols leaves the matrix zero. */
	if (k >= cols || k <= -rows)
		return SB_OK;
	for (int64_t i = SB_MAX(0, -k); i < rows && i + k < cols; i++)
		sb_tensor_set_f64(out, i * cols + i + k, 1.0);
	return SB_OK;
}

/* ---- Constant ---- */

sb_status rel_constant(relay_op_ctx *ctx)
{
	const sb_tensor *v = CTX_ATTRS(ctx, constant)->value;
	if (!v)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "has no value attribute");
	ctx->out[0] = relay_type_from_shape(ctx->mod, v->dtype, v->dl.ndim, v->shape);
	return SB_OK;
}

sb_status k_constant(relay_kernel_ctx *ctx)
{
	const sb_tensor *v = CTX_ATTRS(ctx, constant)->value;
	sb_tensor *out = ctx->out[0];
	if (!v || out->dtype != v->dtype || sb_tensor_nbytes(out) != sb_tensor_nbytes(v))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output does not match value");
	memcpy(out->dl.data, v->dl.data, sb_tensor_nbytes(v));
	return SB_OK;
}
