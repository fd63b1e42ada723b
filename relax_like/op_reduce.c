/* Shape inference of reductions (the reduced axes dropped or kept as 1),
 * arg-reductions (int64 indices), softmax-like ops and cumsum (shape
 * kept), and topk (k along the axis; a k unknown at compile time is a
 * fresh variable). */
#include "op_impl.h"

/* Marks the axes of `axes` (all when not set) in `mask`; errors on an
 * out-of-range or repeated axis. */
static sb_status axes_mask(relax_infer_ctx *ctx, const relax_ints *axes, int ndim, bool *mask)
{
	for (int i = 0; i < ndim; i++)
		mask[i] = !axes->set;
	if (!axes->set)
		return SB_OK;
	for (int k = 0; k < axes->n; k++) {
		int ax;
		sb_status st = relax_infer_axis(ctx, axes->v[k], ndim, &ax);
		if (st)
			return st;
		if (mask[ax])
			return relax_infer_error(ctx, SB_ERR_INVALID, "axis %d is given twice", ax);
		mask[ax] = true;
	}
	return SB_OK;
}

sb_status infer_reduce(relax_infer_ctx *ctx)
{
	const relax_attrs_reduce *a = RELAX_CTX_ATTRS(ctx, reduce);
	relax_tensor_view x;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (st)
		return st;
	if (x.dtype == SB_BOOL)
		return relax_infer_error(ctx, SB_ERR_UNSUPPORTED, "bool tensors are not supported");
	bool mask[SB_MAX_RANK];
	if ((st = axes_mask(ctx, &a->axes, x.ndim, mask)))
		return st;
	tir_expr *dims[SB_MAX_RANK];
	int n = 0;
	for (int i = 0; i < x.ndim; i++) {
		if (!mask[i])
			dims[n++] = x.dims[i];
		else if (a->keepdims)
			dims[n++] = relax_int(ctx, 1);
	}
	relax_infer_set_tensor(ctx, x.dtype, n, dims);
	return SB_OK;
}

sb_status infer_arg_reduce(relax_infer_ctx *ctx)
{
	const relax_attrs_arg_reduce *a = RELAX_CTX_ATTRS(ctx, arg_reduce);
	relax_tensor_view x;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	int ax;
	if (!st)
		st = relax_infer_axis(ctx, a->axis, x.ndim, &ax);
	if (st)
		return st;
	if (x.dtype == SB_BOOL)
		return relax_infer_error(ctx, SB_ERR_UNSUPPORTED, "bool tensors are not supported");
	/* The reduced axis must not be empty: there is no index to return. */
	st = relax_infer_require(ctx, tir_ge(ctx->tir, x.dims[ax], relax_int(ctx, 1)),
				 "axis %d is empty", ax);
	if (st)
		return st;
	tir_expr *dims[SB_MAX_RANK];
	int n = 0;
	for (int i = 0; i < x.ndim; i++) {
		if (i != ax)
			dims[n++] = x.dims[i];
		else if (a->keepdims)
			dims[n++] = relax_int(ctx, 1);
	}
	relax_infer_set_tensor(ctx, SB_I64, n, dims);
	return SB_OK;
}

sb_status infer_softmax(relax_infer_ctx *ctx)
{
	relax_tensor_view x;
	sb_status st = relax_infer_float_tensor(ctx, 0, &x);
	int ax;
	if (!st)
		st = relax_infer_axis(ctx, RELAX_CTX_ATTRS(ctx, axis)->axis, x.ndim, &ax);
	if (st)
		return st;
	relax_infer_set_tensor(ctx, x.dtype, x.ndim, x.dims);
	return SB_OK;
}

sb_status infer_cumsum(relax_infer_ctx *ctx)
{
	relax_tensor_view x;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	int ax;
	if (!st)
		st = relax_infer_axis(ctx, RELAX_CTX_ATTRS(ctx, cumsum)->axis, x.ndim, &ax);
	if (st)
		return st;
	relax_infer_set_tensor(ctx, x.dtype, x.ndim, x.dims);
	return SB_OK;
}

sb_status infer_topk(relax_infer_ctx *ctx)
{
	relax_tensor_view x;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	int ax;
	if (!st)
		st = relax_infer_axis(ctx, RELAX_CTX_ATTRS(ctx, topk)->axis, x.ndim, &ax);
	if (st)
		return st;
	tir_expr *k;
	if (relax_infer_int_arg(ctx, 1, &k)) {
		k = relax_infer_simplify(ctx, k);
		st = relax_infer_require(ctx, tir_ge(ctx->tir, k, relax_int(ctx, 0)),
					 "k must be non-negative");
		if (!st)
			st = relax_infer_require(ctx, tir_le(ctx->tir, k, x.dims[ax]),
						 "k is larger than axis %d", ax);
		if (st)
			return st;
	} else {
		const relax_sinfo *ks = ctx->in[1];
		bool scalar =
		    (ks->kind == RELAX_SINFO_PRIM && sb_dtype_is_int(ks->u.prim.dtype)) ||
		    (ks->kind == RELAX_SINFO_TENSOR &&
		     (ks->u.tensor.dtype == SB_DT_INVALID || sb_dtype_is_int(ks->u.tensor.dtype)));
		if (!scalar)
			return relax_infer_error(ctx, SB_ERR_INVALID,
						 "k must be an integer scalar");
		k = relax_infer_fresh(ctx, "k");
	}
	tir_expr *dims[SB_MAX_RANK];
	for (int i = 0; i < x.ndim; i++)
		dims[i] = i == ax ? k : x.dims[i];
	const relax_sinfo *f[2] = {relax_infer_tensor_sinfo(ctx, x.dtype, x.ndim, dims),
				   relax_infer_tensor_sinfo(ctx, SB_I64, x.ndim, dims)};
	ctx->out = relax_sinfo_tuple(ctx->mod, 2, f);
	return SB_OK;
}
