/* Shape inference of the shape, indexing and data-movement ops.  Output
 * dims are tir expressions of the input dims; element-count and
 * divisibility conditions are proven or become run-time checks; sizes
 * that depend on data (nonzero, a shape read from a tensor, a range with
 * unknown bounds) are fresh shape variables. */
#include <inttypes.h>
#include <math.h>

#include "op_impl.h"

static void mark_var_positive(tir_expr *v, void *env)
{
	tir_analyzer_bind(env, v, 1, TIR_POS_INF);
}

/* a // b where b is a product of dims: simplified as if b's variables are
 * >= 1 (when b is 0 the quotient is undefined anyway, and the element
 * count check fails at run time). */
static tir_expr *divide_by_dims(relax_infer_ctx *ctx, tir_expr *a, tir_expr *b)
{
	tir_analyzer *an = ctx->mod->an;
	size_t mark = tir_analyzer_mark(an);
	relax_tir_visit_vars(b, mark_var_positive, an);
	tir_expr *q = tir_simplify(ctx->tir, an, tir_floordiv(ctx->tir, a, b));
	tir_analyzer_restore(an, mark);
	return q;
}

sb_status infer_reshape(relax_infer_ctx *ctx)
{
	relax_tensor_view x;
	int n;
	tir_expr **target;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (!st)
		st = relax_infer_shape_arg(ctx, 1, &n, &target);
	if (st)
		return st;
	if (n > SB_MAX_RANK)
		return relax_infer_error(ctx, SB_ERR_UNSUPPORTED, "rank %d is too large", n);
	tir_expr *dims[SB_MAX_RANK];
	int infer_at = -1;
	for (int i = 0; i < n; i++) {
		int64_t v;
		dims[i] = relax_infer_simplify(ctx, target[i]);
		if (tir_expr_is_int_imm(dims[i], &v) && v < 0) {
			if (v != -1 || infer_at >= 0)
				return relax_infer_error(
				    ctx, SB_ERR_INVALID,
				    "shape value %d is %" PRId64
				    "; only one -1 is allowed and no other negative value",
				    i, v);
			infer_at = i;
		}
	}
	tir_expr *in = relax_infer_numel(ctx, x.ndim, x.dims);
	if (infer_at >= 0) {
		tir_expr *known = relax_int(ctx, 1);
		for (int i = 0; i < n; i++)
			if (i != infer_at)
				known = tir_mul(ctx->tir, known, dims[i]);
		known = relax_infer_simplify(ctx, known);
		if (tir_expr_is_const(known, 0))
			return relax_infer_error(ctx, SB_ERR_INVALID,
						 "the -1 dim cannot be inferred next to a 0 dim");
		st = relax_infer_require(
		    ctx, tir_eq(ctx->tir, tir_floormod(ctx->tir, in, known), relax_int(ctx, 0)),
		    "the element count is not a multiple of the known dims");
		if (st)
			return st;
		dims[infer_at] = divide_by_dims(ctx, in, known);
	} else {
		st = relax_infer_require(ctx, tir_eq(ctx->tir, in, relax_infer_numel(ctx, n, dims)),
					 "the element count changes");
		if (st)
			return st;
	}
	relax_infer_set_tensor(ctx, x.dtype, n, dims);
	return SB_OK;
}

sb_status infer_permute_dims(relax_infer_ctx *ctx)
{
	const relax_attrs_permute_dims *a = RELAX_CTX_ATTRS(ctx, permute_dims);
	relax_tensor_view x;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (st)
		return st;
	tir_expr *dims[SB_MAX_RANK];
	bool seen[SB_MAX_RANK] = {0};
	if (a->axes.set && a->axes.n != x.ndim)
		return relax_infer_error(ctx, SB_ERR_INVALID, "axes has %d values for rank %d",
					 a->axes.n, x.ndim);
	for (int i = 0; i < x.ndim; i++) {
		int ax = x.ndim - 1 - i;
		if (a->axes.set && (st = relax_infer_axis(ctx, a->axes.v[i], x.ndim, &ax)))
			return st;
		if (seen[ax])
			return relax_infer_error(ctx, SB_ERR_INVALID, "axes is not a permutation");
		seen[ax] = true;
		dims[i] = x.dims[ax];
	}
	relax_infer_set_tensor(ctx, x.dtype, x.ndim, dims);
	return SB_OK;
}

sb_status infer_concat(relax_infer_ctx *ctx)
{
	relax_tensor_view first;
	sb_status st = relax_infer_tensor(ctx, 0, &first);
	int ax;
	if (!st)
		st = relax_infer_axis(ctx, RELAX_CTX_ATTRS(ctx, axis0)->axis, first.ndim, &ax);
	if (st)
		return st;
	tir_expr *dims[SB_MAX_RANK];
	for (int k = 0; k < first.ndim; k++)
		dims[k] = first.dims[k];
	sb_dtype dt = first.dtype;
	for (int i = 1; i < ctx->nargs; i++) {
		relax_tensor_view v;
		if ((st = relax_infer_tensor(ctx, i, &v)) ||
		    (st = relax_infer_same_dtype(ctx, 0, dt, i, v.dtype, &dt)))
			return st;
		if (v.ndim != first.ndim)
			return relax_infer_error(ctx, SB_ERR_INVALID,
						 "argument %d has rank %d, not %d", i, v.ndim,
						 first.ndim);
		for (int k = 0; k < v.ndim; k++) {
			if (k == ax)
				dims[k] = tir_add(ctx->tir, dims[k], v.dims[k]);
			else if ((st = relax_infer_match(ctx, i, k, dims[k], &dims[k])))
				return st;
		}
	}
	relax_infer_set_tensor(ctx, dt, first.ndim, dims);
	return SB_OK;
}

sb_status infer_split(relax_infer_ctx *ctx)
{
	const relax_attrs_split *a = RELAX_CTX_ATTRS(ctx, split);
	relax_tensor_view x;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	int ax;
	if (!st)
		st = relax_infer_axis(ctx, a->axis, x.ndim, &ax);
	if (st)
		return st;
	tir_ctx *t = ctx->tir;
	tir_expr *d = x.dims[ax];
	int nout = a->sizes.set ? a->sizes.n : (int)a->num_outputs;
	if (nout < 1 || nout > 4096)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "%d outputs; give sizes or num_outputs >= 1", nout);
	tir_expr **sizes = SB_ARENA_ARRAY(relax_arena(ctx->mod), tir_expr *, nout);
	if (a->sizes.set) {
		tir_expr *sum = relax_int(ctx, 0);
		for (int i = 0; i < nout; i++) {
			if (a->sizes.v[i] < 0)
				return relax_infer_error(ctx, SB_ERR_INVALID,
							 "sizes[%d] is negative", i);
			sizes[i] = relax_int(ctx, a->sizes.v[i]);
			sum = tir_add(t, sum, sizes[i]);
		}
		if ((st = relax_infer_require(ctx, tir_eq(t, sum, d),
					      "the sizes do not add up to dim %d", ax)))
			return st;
	} else {
		int64_t dv;
		tir_expr *k = relax_int(ctx, nout);
		if (tir_expr_is_int_imm(d, &dv) && dv % nout) {
			/* Opset 18: equal chunks of ceil(d/k), the last one smaller. */
			int64_t chunk = (dv + nout - 1) / nout, last = dv - chunk * (nout - 1);
			if (last <= 0)
				return relax_infer_error(ctx, SB_ERR_INVALID,
							 "dim %d of size %" PRId64
							 " cannot be split in %d",
							 ax, dv, nout);
			for (int i = 0; i < nout; i++)
				sizes[i] = relax_int(ctx, i < nout - 1 ? chunk : last);
		} else {
			if ((st = relax_infer_require(
				 ctx, tir_eq(t, tir_floormod(t, d, k), relax_int(ctx, 0)),
				 "dim %d is not a multiple of %d", ax, nout)))
				return st;
			for (int i = 0; i < nout; i++)
				sizes[i] = tir_floordiv(t, d, k);
		}
	}
	const relax_sinfo **f = SB_ARENA_ARRAY(relax_arena(ctx->mod), const relax_sinfo *, nout);
	tir_expr *dims[SB_MAX_RANK];
	for (int k = 0; k < x.ndim; k++)
		dims[k] = x.dims[k];
	for (int i = 0; i < nout; i++) {
		dims[ax] = sizes[i];
		f[i] = relax_infer_tensor_sinfo(ctx, x.dtype, x.ndim, dims);
	}
	ctx->out = relax_sinfo_tuple(ctx->mod, nout, f);
	return SB_OK;
}

/* ---- strided_slice ---- */

#define SLICE_HUGE ((int64_t)1 << 31) /* |value| beyond: "to the end" (INT64_MAX in models) */

/* A start/end value on an axis of size d, clamped to [lo, d + hi_off]:
 * negative constants count from the end; symbolic values are taken as
 * non-negative (they come from shapes). */
static tir_expr *slice_bound(relax_infer_ctx *ctx, tir_expr *v, tir_expr *d, int64_t lo,
			     int64_t hi_off)
{
	tir_ctx *t = ctx->tir;
	tir_expr *hi = tir_add(t, d, relax_int(ctx, hi_off));
	int64_t c;
	if (tir_expr_is_int_imm(v, &c)) {
		if (c >= SLICE_HUGE)
			return hi;
		if (c <= -SLICE_HUGE)
			return relax_int(ctx, lo);
		if (c < 0)
			return tir_min(t, tir_max(t, tir_add(t, d, v), relax_int(ctx, lo)), hi);
		return tir_min(t, v, hi);
	}
	return tir_min(t, v, hi);
}

sb_status infer_strided_slice(relax_infer_ctx *ctx)
{
	const relax_attrs_strided_slice *a = RELAX_CTX_ATTRS(ctx, strided_slice);
	relax_tensor_view x;
	int nb, ne, ns = 0;
	tir_expr **begin, **end, **steps = NULL;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (!st)
		st = relax_infer_shape_arg(ctx, 1, &nb, &begin);
	if (!st)
		st = relax_infer_shape_arg(ctx, 2, &ne, &end);
	if (!st && ctx->nargs == 4)
		st = relax_infer_shape_arg(ctx, 3, &ns, &steps);
	if (st)
		return st;
	int naxes = a->axes.set ? a->axes.n : nb;
	if (nb != naxes || ne != naxes || (steps && ns != naxes))
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "begin, end and strides need one value per axis (%d axes)",
					 naxes);
	tir_ctx *t = ctx->tir;
	tir_expr *dims[SB_MAX_RANK];
	bool seen[SB_MAX_RANK] = {0};
	for (int k = 0; k < x.ndim; k++)
		dims[k] = x.dims[k];
	for (int i = 0; i < naxes; i++) {
		int ax = i;
		if (a->axes.set && (st = relax_infer_axis(ctx, a->axes.v[i], x.ndim, &ax)))
			return st;
		if (ax >= x.ndim)
			return relax_infer_error(ctx, SB_ERR_INVALID, "%d axes for rank %d", naxes,
						 x.ndim);
		if (seen[ax])
			return relax_infer_error(ctx, SB_ERR_INVALID, "axis %d is given twice", ax);
		seen[ax] = true;
		int64_t step = 1;
		if (steps) {
			tir_expr *s = relax_infer_simplify(ctx, steps[i]);
			if (!tir_expr_is_int_imm(s, &step))
				return relax_infer_error(ctx, SB_ERR_UNSUPPORTED,
							 "the stride of axis %d is not a constant",
							 ax);
			if (step == 0)
				return relax_infer_error(ctx, SB_ERR_INVALID,
							 "the stride of axis %d is 0", ax);
		}
		tir_expr *d = x.dims[ax], *len;
		if (step > 0) {
			tir_expr *b = slice_bound(ctx, begin[i], d, 0, 0);
			tir_expr *e = slice_bound(ctx, end[i], d, 0, 0);
			len =
			    tir_floordiv(t, tir_add(t, tir_sub(t, e, b), relax_int(ctx, step - 1)),
					 relax_int(ctx, step));
		} else {
			tir_expr *b = slice_bound(ctx, begin[i], d, 0, -1);
			tir_expr *e = slice_bound(ctx, end[i], d, -1, -1);
			len =
			    tir_floordiv(t, tir_add(t, tir_sub(t, b, e), relax_int(ctx, -step - 1)),
					 relax_int(ctx, -step));
		}
		dims[ax] = relax_infer_simplify(ctx, tir_max(t, len, relax_int(ctx, 0)));
	}
	relax_infer_set_tensor(ctx, x.dtype, x.ndim, dims);
	return SB_OK;
}

/* ---- gather / scatter ---- */

sb_status infer_take(relax_infer_ctx *ctx)
{
	relax_tensor_view x, idx;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (!st)
		st = relax_infer_int_tensor(ctx, 1, &idx);
	int ax;
	if (!st)
		st = relax_infer_axis(ctx, RELAX_CTX_ATTRS(ctx, axis0)->axis, x.ndim, &ax);
	if (st)
		return st;
	if (x.ndim - 1 + idx.ndim > SB_MAX_RANK)
		return relax_infer_error(ctx, SB_ERR_UNSUPPORTED, "the output rank is too large");
	tir_expr *dims[SB_MAX_RANK];
	int n = 0;
	for (int i = 0; i < ax; i++)
		dims[n++] = x.dims[i];
	for (int i = 0; i < idx.ndim; i++)
		dims[n++] = idx.dims[i];
	for (int i = ax + 1; i < x.ndim; i++)
		dims[n++] = x.dims[i];
	relax_infer_set_tensor(ctx, x.dtype, n, dims);
	return SB_OK;
}

sb_status infer_gather_elements(relax_infer_ctx *ctx)
{
	relax_tensor_view x, idx;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (!st)
		st = relax_infer_int_tensor(ctx, 1, &idx);
	int ax;
	if (!st)
		st = relax_infer_axis(ctx, RELAX_CTX_ATTRS(ctx, axis0)->axis, x.ndim, &ax);
	if (st)
		return st;
	if (idx.ndim != x.ndim)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "the indices have rank %d, the data %d", idx.ndim, x.ndim);
	relax_infer_set_tensor(ctx, x.dtype, idx.ndim, idx.dims);
	return SB_OK;
}

/* The index depth q of a gather_nd / scatter_nd: the indices' last dim,
 * which must be a constant. */
static sb_status index_depth(relax_infer_ctx *ctx, const relax_tensor_view *idx, int64_t *q)
{
	if (idx->ndim < 1)
		return relax_infer_error(ctx, SB_ERR_INVALID, "the indices must have rank >= 1");
	if (!tir_expr_is_int_imm(relax_infer_simplify(ctx, idx->dims[idx->ndim - 1]), q))
		return relax_infer_error(ctx, SB_ERR_UNSUPPORTED,
					 "the indices' last dim must be a constant");
	return SB_OK;
}

sb_status infer_gather_nd(relax_infer_ctx *ctx)
{
	int64_t b = RELAX_CTX_ATTRS(ctx, gather_nd)->batch_dims, q;
	relax_tensor_view x, idx;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (!st)
		st = relax_infer_int_tensor(ctx, 1, &idx);
	if (!st)
		st = index_depth(ctx, &idx, &q);
	if (st)
		return st;
	if (b < 0 || b >= idx.ndim || b > x.ndim || q < 1 || q > x.ndim - b)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "batch_dims %" PRId64 " and index depth %" PRId64
					 " do not fit data rank %d and indices rank %d",
					 b, q, x.ndim, idx.ndim);
	tir_expr *dims[SB_MAX_RANK];
	int n = 0;
	for (int i = 0; i < idx.ndim - 1; i++) {
		if (i < b && (st = relax_infer_match(ctx, 1, i, x.dims[i], &dims[n])))
			return st;
		if (i >= b)
			dims[n] = idx.dims[i];
		n++;
	}
	for (int i = (int)(b + q); i < x.ndim; i++) {
		if (n == SB_MAX_RANK)
			return relax_infer_error(ctx, SB_ERR_UNSUPPORTED,
						 "the output rank is too large");
		dims[n++] = x.dims[i];
	}
	relax_infer_set_tensor(ctx, x.dtype, n, dims);
	return SB_OK;
}

static sb_status scatter_common(relax_infer_ctx *ctx, relax_tensor_view *x, relax_tensor_view *idx,
				relax_tensor_view *upd)
{
	static const char *const reductions[] = {"none", "add", "mul", "max", "min"};
	const char *r = RELAX_CTX_ATTRS(ctx, scatter)->reduction;
	bool ok = false;
	for (size_t i = 0; i < SB_ARRAY_LEN(reductions); i++)
		ok |= r && !strcmp(r, reductions[i]);
	if (!ok)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "reduction \"%s\" is not none/add/mul/max/min",
					 r ? r : "");
	sb_dtype dt;
	sb_status st = relax_infer_tensor(ctx, 0, x);
	if (!st)
		st = relax_infer_int_tensor(ctx, 1, idx);
	if (!st)
		st = relax_infer_tensor(ctx, 2, upd);
	if (!st)
		st = relax_infer_same_dtype(ctx, 0, x->dtype, 2, upd->dtype, &dt);
	return st;
}

sb_status infer_scatter_elements(relax_infer_ctx *ctx)
{
	relax_tensor_view x, idx, upd;
	sb_status st = scatter_common(ctx, &x, &idx, &upd);
	int ax;
	if (!st)
		st = relax_infer_axis(ctx, RELAX_CTX_ATTRS(ctx, scatter)->axis, x.ndim, &ax);
	if (st)
		return st;
	if (idx.ndim != x.ndim || upd.ndim != x.ndim)
		return relax_infer_error(
		    ctx, SB_ERR_INVALID,
		    "data, indices and updates must have one rank (%d, %d, %d)", x.ndim, idx.ndim,
		    upd.ndim);
	for (int i = 0; i < idx.ndim; i++) {
		tir_expr *ignore;
		if ((st = relax_infer_match(ctx, 2, i, idx.dims[i], &ignore)))
			return st;
	}
	relax_infer_set_tensor(ctx, x.dtype, x.ndim, x.dims);
	return SB_OK;
}

sb_status infer_scatter_nd(relax_infer_ctx *ctx)
{
	relax_tensor_view x, idx, upd;
	int64_t q;
	sb_status st = scatter_common(ctx, &x, &idx, &upd);
	if (!st)
		st = index_depth(ctx, &idx, &q);
	if (st)
		return st;
	if (q < 1 || q > x.ndim)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "index depth %" PRId64 " for data rank %d", q, x.ndim);
	int want = idx.ndim - 1 + x.ndim - (int)q;
	if (upd.ndim != want)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "the updates have rank %d, expected %d", upd.ndim, want);
	for (int i = 0; i < want; i++) {
		tir_expr *ignore,
		    *e = i < idx.ndim - 1 ? idx.dims[i] : x.dims[q + i - (idx.ndim - 1)];
		if ((st = relax_infer_match(ctx, 2, i, e, &ignore)))
			return st;
	}
	relax_infer_set_tensor(ctx, x.dtype, x.ndim, x.dims);
	return SB_OK;
}

/* ---- rank changes ---- */

sb_status infer_squeeze(relax_infer_ctx *ctx)
{
	const relax_attrs_axes *a = RELAX_CTX_ATTRS(ctx, axes);
	relax_tensor_view x;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (st)
		return st;
	bool drop[SB_MAX_RANK] = {0};
	tir_ctx *t = ctx->tir;
	if (a->axes.set) {
		for (int k = 0; k < a->axes.n; k++) {
			int ax;
			if ((st = relax_infer_axis(ctx, a->axes.v[k], x.ndim, &ax)))
				return st;
			drop[ax] = true;
			if ((st = relax_infer_require(ctx, tir_eq(t, x.dims[ax], relax_int(ctx, 1)),
						      "dim %d is not 1", ax)))
				return st;
		}
	} else {
		/* Every dim of size 1: symbolic dims are assumed not to be 1. */
		for (int i = 0; i < x.ndim; i++) {
			drop[i] = tir_expr_is_const(relax_infer_simplify(ctx, x.dims[i]), 1);
			if (!drop[i] &&
			    (st = relax_infer_require(ctx, tir_ne(t, x.dims[i], relax_int(ctx, 1)),
						      "dim %d is 1 (squeeze without axes "
						      "keeps the dims not known to be 1)",
						      i)))
				return st;
		}
	}
	tir_expr *dims[SB_MAX_RANK];
	int n = 0;
	for (int i = 0; i < x.ndim; i++)
		if (!drop[i])
			dims[n++] = x.dims[i];
	relax_infer_set_tensor(ctx, x.dtype, n, dims);
	return SB_OK;
}

sb_status infer_unsqueeze(relax_infer_ctx *ctx)
{
	const relax_attrs_axes *a = RELAX_CTX_ATTRS(ctx, axes);
	relax_tensor_view x;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (st)
		return st;
	if (!a->axes.set)
		return relax_infer_error(ctx, SB_ERR_INVALID, "axes is missing");
	int r = x.ndim + a->axes.n;
	if (r > SB_MAX_RANK)
		return relax_infer_error(ctx, SB_ERR_UNSUPPORTED, "the output rank is too large");
	bool ins[SB_MAX_RANK] = {0};
	for (int k = 0; k < a->axes.n; k++) {
		int ax;
		if ((st = relax_infer_axis(ctx, a->axes.v[k], r, &ax)))
			return st;
		if (ins[ax])
			return relax_infer_error(ctx, SB_ERR_INVALID, "axis %d is given twice", ax);
		ins[ax] = true;
	}
	tir_expr *dims[SB_MAX_RANK];
	for (int i = 0, j = 0; i < r; i++)
		dims[i] = ins[i] ? relax_int(ctx, 1) : x.dims[j++];
	relax_infer_set_tensor(ctx, x.dtype, r, dims);
	return SB_OK;
}

sb_status infer_flatten(relax_infer_ctx *ctx)
{
	int64_t axis = RELAX_CTX_ATTRS(ctx, flatten)->axis;
	relax_tensor_view x;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (st)
		return st;
	if (axis < -x.ndim || axis > x.ndim)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "axis %" PRId64 " is out of range for rank %d", axis,
					 x.ndim);
	int ax = (int)(axis < 0 ? axis + x.ndim : axis);
	tir_expr *dims[2] = {relax_infer_numel(ctx, ax, x.dims),
			     relax_infer_numel(ctx, x.ndim - ax, x.dims + ax)};
	relax_infer_set_tensor(ctx, x.dtype, 2, dims);
	return SB_OK;
}

sb_status infer_expand(relax_infer_ctx *ctx)
{
	relax_tensor_view x;
	int n;
	tir_expr **shape;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (!st)
		st = relax_infer_shape_arg(ctx, 1, &n, &shape);
	if (st)
		return st;
	int r = SB_MAX(n, x.ndim);
	if (r > SB_MAX_RANK)
		return relax_infer_error(ctx, SB_ERR_UNSUPPORTED, "the output rank is too large");
	tir_expr *dims[SB_MAX_RANK];
	for (int k = 0; k < r; k++) {
		int ax = k - (r - x.ndim), sk = k - (r - n);
		tir_expr *v = sk >= 0 ? relax_infer_simplify(ctx, shape[sk]) : NULL;
		tir_expr *d = ax >= 0 ? x.dims[ax] : NULL;
		if (!d || tir_expr_is_const(relax_infer_simplify(ctx, d), 1)) {
			dims[k] = v ? v : d;
		} else if (!v || tir_expr_is_const(v, 1)) {
			dims[k] = d;
		} else {
			int64_t a, b;
			if (tir_expr_is_int_imm(v, &a) &&
			    tir_expr_is_int_imm(relax_infer_simplify(ctx, d), &b) && a != b)
				return relax_infer_error(ctx, SB_ERR_INVALID,
							 "cannot expand dim %d of size %" PRId64
							 " to %" PRId64,
							 ax, b, a);
			if ((st = relax_infer_match(ctx, 0, ax, v, &dims[k])))
				return st;
		}
	}
	relax_infer_set_tensor(ctx, x.dtype, r, dims);
	return SB_OK;
}

sb_status infer_tile(relax_infer_ctx *ctx)
{
	relax_tensor_view x;
	int n;
	tir_expr **reps;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (!st)
		st = relax_infer_shape_arg(ctx, 1, &n, &reps);
	if (st)
		return st;
	if (n != x.ndim)
		return relax_infer_error(ctx, SB_ERR_INVALID, "repeats has %d values for rank %d",
					 n, x.ndim);
	tir_expr *dims[SB_MAX_RANK];
	for (int i = 0; i < n; i++)
		dims[i] = tir_mul(ctx->tir, x.dims[i], reps[i]);
	relax_infer_set_tensor(ctx, x.dtype, n, dims);
	return SB_OK;
}

/* ---- shapes as values ---- */

sb_status infer_shape_of(relax_infer_ctx *ctx)
{
	relax_tensor_view x;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (st)
		return st;
	ctx->out = relax_sinfo_shape(ctx->mod, x.ndim, x.dims);
	return SB_OK;
}

sb_status infer_shape_to_tensor(relax_infer_ctx *ctx)
{
	const relax_sinfo *s = ctx->in[0];
	if (s->kind != RELAX_SINFO_SHAPE || s->u.shape.ndim == RELAX_NDIM_UNKNOWN)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "the argument must be a shape of known rank");
	tir_expr *n = relax_int(ctx, s->u.shape.ndim);
	relax_infer_set_tensor(ctx, SB_I64, 1, &n);
	return SB_OK;
}

sb_status infer_tensor_to_shape(relax_infer_ctx *ctx)
{
	relax_tensor_view t;
	sb_status st = relax_infer_int_tensor(ctx, 0, &t);
	if (st)
		return st;
	int64_t n;
	if (t.ndim != 1 || !tir_expr_is_int_imm(relax_infer_simplify(ctx, t.dims[0]), &n) ||
	    n > SB_MAX_RANK)
		return relax_infer_error(ctx, SB_ERR_UNSUPPORTED,
					 "the argument must be 1-D with a constant length <= %d",
					 SB_MAX_RANK);
	tir_expr *v[SB_MAX_RANK];
	for (int i = 0; i < n; i++)
		v[i] = relax_infer_fresh(ctx, "d");
	ctx->out = relax_sinfo_shape(ctx->mod, (int)n, v);
	return SB_OK;
}

sb_status infer_size(relax_infer_ctx *ctx)
{
	relax_tensor_view x;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (st)
		return st;
	relax_infer_set_tensor(ctx, SB_I64, 0, NULL);
	return SB_OK;
}

/* ---- generators ---- */

/* A scalar argument's value as a double, when it is a constant. */
static bool const_scalar(relax_infer_ctx *ctx, int i, double *v)
{
	const relax_expr *a = ctx->args[i];
	if (a->kind == RELAX_CONSTANT && sb_tensor_numel(a->u.constant.value) == 1) {
		*v = sb_tensor_get_f64(a->u.constant.value, 0);
		return true;
	}
	const relax_sinfo *s = ctx->in[i];
	if (s->kind == RELAX_SINFO_PRIM && s->u.prim.value) {
		int64_t iv;
		if (tir_expr_is_int_imm(s->u.prim.value, &iv)) {
			*v = (double)iv;
			return true;
		}
		if (s->u.prim.value->kind == TIR_FLOAT_IMM) {
			*v = s->u.prim.value->u.float_value;
			return true;
		}
	}
	return false;
}

sb_status infer_arange(relax_infer_ctx *ctx)
{
	sb_dtype dt = RELAX_CTX_ATTRS(ctx, range)->dtype, at[3];
	sb_status st = SB_OK;
	for (int i = 0; i < 3 && !st; i++)
		st = relax_infer_scalar_arg(ctx, i, &at[i]);
	if (st)
		return st;
	if (dt == SB_DT_INVALID)
		dt = at[0];
	tir_ctx *t = ctx->tir;
	tir_expr *len = NULL, *v[3];
	double c[3];
	int64_t delta;
	if (relax_infer_int_arg(ctx, 0, &v[0]) && relax_infer_int_arg(ctx, 1, &v[1]) &&
	    relax_infer_int_arg(ctx, 2, &v[2]) &&
	    tir_expr_is_int_imm(relax_infer_simplify(ctx, v[2]), &delta)) {
		if (delta == 0)
			return relax_infer_error(ctx, SB_ERR_INVALID, "delta is 0");
		tir_expr *span = delta > 0 ? tir_sub(t, v[1], v[0]) : tir_sub(t, v[0], v[1]);
		int64_t ad = delta > 0 ? delta : -delta;
		len = tir_floordiv(t, tir_add(t, span, relax_int(ctx, ad - 1)), relax_int(ctx, ad));
		len = tir_max(t, len, relax_int(ctx, 0));
	} else if (const_scalar(ctx, 0, &c[0]) && const_scalar(ctx, 1, &c[1]) &&
		   const_scalar(ctx, 2, &c[2])) {
		if (c[2] == 0)
			return relax_infer_error(ctx, SB_ERR_INVALID, "delta is 0");
		double n = ceil((c[1] - c[0]) / c[2]);
		if (!(n <= (double)((int64_t)1 << 40)))
			return relax_infer_error(ctx, SB_ERR_INVALID, "the range is too long");
		len = relax_int(ctx, n > 0 ? (int64_t)n : 0);
	} else {
		len = relax_infer_fresh(ctx, "len");
	}
	relax_infer_set_tensor(ctx, dt, 1, &len);
	return SB_OK;
}

sb_status infer_full(relax_infer_ctx *ctx)
{
	int n;
	tir_expr **shape;
	sb_dtype dt;
	sb_status st = relax_infer_shape_arg(ctx, 0, &n, &shape);
	if (!st)
		st = relax_infer_scalar_arg(ctx, 1, &dt);
	if (st)
		return st;
	if (n > SB_MAX_RANK)
		return relax_infer_error(ctx, SB_ERR_UNSUPPORTED, "rank %d is too large", n);
	relax_infer_set_tensor(ctx, dt, n, shape);
	return SB_OK;
}

sb_status infer_eye_like(relax_infer_ctx *ctx)
{
	sb_dtype dt = RELAX_CTX_ATTRS(ctx, eye_like)->dtype;
	relax_tensor_view x;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (st)
		return st;
	if (x.ndim != 2)
		return relax_infer_error(ctx, SB_ERR_INVALID, "the input must be 2-D, not rank %d",
					 x.ndim);
	relax_infer_set_tensor(ctx, dt != SB_DT_INVALID ? dt : x.dtype, 2, x.dims);
	return SB_OK;
}

sb_status infer_nonzero(relax_infer_ctx *ctx)
{
	relax_tensor_view x;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (st)
		return st;
	/* numpy counts a scalar as 1-D: one row of coordinates (all 0). */
	tir_expr *dims[2] = {relax_int(ctx, x.ndim ? x.ndim : 1), relax_infer_fresh(ctx, "nnz")};
	relax_infer_set_tensor(ctx, SB_I64, 2, dims);
	return SB_OK;
}

sb_status infer_one_hot(relax_infer_ctx *ctx)
{
	int64_t axis = RELAX_CTX_ATTRS(ctx, one_hot)->axis;
	relax_tensor_view idx, values;
	sb_dtype depth_dt;
	sb_status st = relax_infer_tensor(ctx, 0, &idx);
	if (!st)
		st = relax_infer_scalar_arg(ctx, 1, &depth_dt);
	if (!st)
		st = relax_infer_tensor(ctx, 2, &values);
	if (st)
		return st;
	if (idx.dtype == SB_BOOL)
		return relax_infer_error(ctx, SB_ERR_INVALID, "the indices must be numeric");
	tir_expr *two;
	if (values.ndim != 1 || (st = relax_infer_match(ctx, 2, 0, relax_int(ctx, 2), &two)))
		return st ? st
			  : relax_infer_error(ctx, SB_ERR_INVALID,
					      "values must be 1-D of 2 elements");
	int r = idx.ndim + 1;
	if (axis < -r || axis >= r || r > SB_MAX_RANK)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "axis %" PRId64 " is out of range for rank %d", axis, r);
	int ax = (int)(axis < 0 ? axis + r : axis);
	tir_expr *depth;
	if (!relax_infer_int_arg(ctx, 1, &depth)) {
		double c;
		depth = const_scalar(ctx, 1, &c) && c >= 0 && c < (double)((int64_t)1 << 40)
			    ? relax_int(ctx, (int64_t)c)
			    : relax_infer_fresh(ctx, "depth");
	}
	tir_expr *dims[SB_MAX_RANK];
	for (int i = 0, j = 0; i < r; i++)
		dims[i] = i == ax ? depth : idx.dims[j++];
	relax_infer_set_tensor(ctx, values.dtype, r, dims);
	return SB_OK;
}

sb_status infer_trilu(relax_infer_ctx *ctx)
{
	relax_tensor_view x;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (st)
		return st;
	if (x.ndim < 2)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "the input must have rank >= 2, not %d", x.ndim);
	if (ctx->nargs == 2) {
		sb_dtype dt;
		if ((st = relax_infer_scalar_arg(ctx, 1, &dt)))
			return st;
		if (dt != SB_DT_INVALID && !sb_dtype_is_int(dt))
			return relax_infer_error(ctx, SB_ERR_INVALID, "k must be an integer");
	}
	relax_infer_set_tensor(ctx, x.dtype, x.ndim, x.dims);
	return SB_OK;
}
