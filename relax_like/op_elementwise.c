/* Shape inference of the elementwise ops: unary ops keep their argument's
 * struct info (dtype rules per family), binary ops broadcast (numpy
 * rules, dims not known to be 1 assumed equal and refined), where
 * broadcasts three ways, cast changes the dtype. */
#include "op_impl.h"

static sb_status unary(relax_infer_ctx *ctx,
		       sb_status (*get)(relax_infer_ctx *, int, relax_tensor_view *),
		       sb_dtype out_dt)
{
	relax_tensor_view x;
	sb_status st = get(ctx, 0, &x);
	if (st)
		return st;
	relax_infer_set_tensor(ctx, out_dt != SB_DT_INVALID ? out_dt : x.dtype, x.ndim, x.dims);
	return SB_OK;
}

sb_status infer_unary_float(relax_infer_ctx *ctx)
{
	return unary(ctx, relax_infer_float_tensor, SB_DT_INVALID);
}

sb_status infer_unary_numeric(relax_infer_ctx *ctx)
{
	relax_tensor_view x;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (st)
		return st;
	if (x.dtype == SB_BOOL)
		return relax_infer_error(ctx, SB_ERR_UNSUPPORTED, "bool tensors are not supported");
	relax_infer_set_tensor(ctx, x.dtype, x.ndim, x.dims);
	return SB_OK;
}

sb_status infer_unary_bool(relax_infer_ctx *ctx)
{
	relax_tensor_view x;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (st)
		return st;
	if (x.dtype != SB_BOOL && x.dtype != SB_DT_INVALID)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "argument 0 has dtype %s; bool is needed",
					 sb_dtype_name(x.dtype));
	relax_infer_set_tensor(ctx, SB_BOOL, x.ndim, x.dims);
	return SB_OK;
}

sb_status infer_unary_to_bool(relax_infer_ctx *ctx)
{
	return unary(ctx, relax_infer_float_tensor, SB_BOOL);
}

sb_status infer_cast(relax_infer_ctx *ctx)
{
	const relax_attrs_cast *a = RELAX_CTX_ATTRS(ctx, cast);
	if (a->dtype <= SB_DT_INVALID || a->dtype >= SB_DT_COUNT)
		return relax_infer_error(ctx, SB_ERR_INVALID, "the target dtype is not set");
	return unary(ctx, relax_infer_tensor, a->dtype);
}

sb_status infer_clip(relax_infer_ctx *ctx)
{
	relax_tensor_view x;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	for (int i = 1; i < 3 && !st; i++) {
		sb_dtype dt, ignore;
		st = relax_infer_scalar_arg(ctx, i, &dt);
		if (!st)
			st = relax_infer_same_dtype(ctx, 0, x.dtype, i, dt, &ignore);
	}
	if (st)
		return st;
	relax_infer_set_tensor(ctx, x.dtype, x.ndim, x.dims);
	return SB_OK;
}

/* Broadcasts arguments 0..n-1; out_dt INVALID: their common dtype. */
static sb_status broadcast(relax_infer_ctx *ctx, int n, bool same_dtype, sb_dtype need,
			   sb_dtype out_dt)
{
	static const int args[] = {0, 1, 2};
	relax_tensor_view v[3];
	for (int i = 0; i < n; i++) {
		sb_status st = relax_infer_tensor(ctx, i, &v[i]);
		if (st)
			return st;
		if (need != SB_DT_INVALID && v[i].dtype != SB_DT_INVALID && v[i].dtype != need)
			return relax_infer_error(ctx, SB_ERR_INVALID,
						 "argument %d has dtype %s; %s is needed", i,
						 sb_dtype_name(v[i].dtype), sb_dtype_name(need));
	}
	sb_dtype dt = v[0].dtype;
	if (same_dtype)
		for (int i = 1; i < n; i++) {
			sb_status st = relax_infer_same_dtype(ctx, 0, dt, i, v[i].dtype, &dt);
			if (st)
				return st;
		}
	int ndim;
	tir_expr *dims[SB_MAX_RANK];
	sb_status st = relax_infer_broadcast(ctx, n, args, &ndim, dims);
	if (st)
		return st;
	relax_infer_set_tensor(ctx, out_dt != SB_DT_INVALID ? out_dt : dt, ndim, dims);
	return SB_OK;
}

sb_status infer_binary(relax_infer_ctx *ctx)
{
	return broadcast(ctx, 2, true, SB_DT_INVALID, SB_DT_INVALID);
}

sb_status infer_binary_bool(relax_infer_ctx *ctx)
{
	return broadcast(ctx, 2, true, SB_BOOL, SB_BOOL);
}

sb_status infer_compare(relax_infer_ctx *ctx)
{
	return broadcast(ctx, 2, true, SB_DT_INVALID, SB_BOOL);
}

/* ONNX Pow: the exponent may have another numeric dtype; the result has
 * the base's. */
sb_status infer_power(relax_infer_ctx *ctx)
{
	relax_tensor_view x;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (st)
		return st;
	return broadcast(ctx, 2, false, SB_DT_INVALID, x.dtype);
}

/* The slope broadcasts to x (unidirectionally): the output is x's shape. */
sb_status infer_prelu(relax_infer_ctx *ctx)
{
	relax_tensor_view x, slope;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (!st)
		st = relax_infer_tensor(ctx, 1, &slope);
	sb_dtype dt;
	if (!st)
		st = relax_infer_same_dtype(ctx, 0, x.dtype, 1, slope.dtype, &dt);
	if (st)
		return st;
	if (slope.ndim > x.ndim)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "the slope (rank %d) does not broadcast to x (rank %d)",
					 slope.ndim, x.ndim);
	tir_expr *dims[SB_MAX_RANK];
	for (int i = 0; i < x.ndim; i++) {
		dims[i] = x.dims[i];
		int k = i - (x.ndim - slope.ndim);
		if (k < 0 || tir_expr_is_const(slope.dims[k], 1))
			continue;
		tir_expr *ignore;
		st = relax_infer_match(ctx, 1, k, x.dims[i], &ignore);
		if (st)
			return st;
	}
	relax_infer_set_tensor(ctx, dt, x.ndim, dims);
	return SB_OK;
}

sb_status infer_where(relax_infer_ctx *ctx)
{
	relax_tensor_view c, x, y;
	sb_status st = relax_infer_tensor(ctx, 0, &c);
	if (!st)
		st = relax_infer_tensor(ctx, 1, &x);
	if (!st)
		st = relax_infer_tensor(ctx, 2, &y);
	sb_dtype dt;
	if (!st)
		st = relax_infer_same_dtype(ctx, 1, x.dtype, 2, y.dtype, &dt);
	if (st)
		return st;
	if (c.dtype != SB_BOOL && c.dtype != SB_DT_INVALID)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "the condition has dtype %s; bool is needed",
					 sb_dtype_name(c.dtype));
	static const int args[] = {0, 1, 2};
	int ndim;
	tir_expr *dims[SB_MAX_RANK];
	st = relax_infer_broadcast(ctx, 3, args, &ndim, dims);
	if (st)
		return st;
	relax_infer_set_tensor(ctx, dt, ndim, dims);
	return SB_OK;
}
