/* Reductions: the Reduce* table, ArgMax/ArgMin, Softmax/LogSoftmax/Hardmax
 * and CumSum.  A reduction is a block with spatial iter vars over the
 * output and reduce iter vars over the reduced axes, init before the first
 * step; ops that need a finishing step (mean's division, L2's sqrt, a
 * dtype conversion) reduce into an intermediate buffer and finish in a
 * second, elementwise block.
 *
 *   for (i0, 0, n) { for (k0, 0, m) {
 *     block sum(v0: spatial(0, n) = i0, r0: reduce(0, m) = k0) {
 *       reads(X[v0, r0]) writes(Y[v0])
 *       init { Y[v0] = 0.0f }
 *       Y[v0] = Y[v0] + X[v0, r0]
 *   } } } */
#include <math.h>
#include <stdio.h>

#include "topi.h"

/* ---- Geometry: which input dims are reduced, and the output they give ---- */

typedef struct rgeom {
	int rank; /* the input's */
	bool mask[SB_MAX_RANK];
	bool keepdims;
	int out_rank;
	tir_expr *out_shape[SB_MAX_RANK];
	int nred;
	int red_dim[SB_MAX_RANK]; /* input dims reduced, in order */
} rgeom;

static void rgeom_init(topi_builder *b, rgeom *g, const tir_buffer *x, const bool *mask,
		       bool keepdims)
{
	memset(g, 0, sizeof *g);
	g->rank = x->ndim;
	g->keepdims = keepdims;
	for (int d = 0; d < x->ndim; d++) {
		g->mask[d] = mask[d];
		if (mask[d]) {
			g->red_dim[g->nred++] = d;
			if (keepdims)
				g->out_shape[g->out_rank++] = tir_int(b->ctx, 1);
		} else {
			g->out_shape[g->out_rank++] = x->shape[d];
		}
	}
}

/* The input index from output position ov and reduce vars rv (one per
 * reduced dim; NULL: index 0 on every reduced dim). */
static void rgeom_index(topi_builder *b, const rgeom *g, tir_expr *const *ov, tir_expr *const *rv,
			tir_expr **idx)
{
	int j = 0, r = 0;
	for (int d = 0; d < g->rank; d++) {
		if (g->mask[d]) {
			idx[d] = rv ? rv[r] : tir_int(b->ctx, 0);
			r++;
			if (g->keepdims)
				j++;
		} else {
			idx[d] = ov[j++];
		}
	}
}

static void rgeom_axes(topi_builder *b, topi_nest *n, const rgeom *g, const tir_buffer *x)
{
	for (int i = 0; i < g->nred; i++)
		topi_nest_reduce_axis(b, n, x->shape[g->red_dim[i]]);
}

/* Elements folded into each output: the product of the reduced extents. */
static tir_expr *rgeom_count(topi_builder *b, const rgeom *g, const tir_buffer *x)
{
	tir_expr *c = tir_int(b->ctx, 1);
	for (int i = 0; i < g->nred; i++)
		c = tir_mul(b->ctx, c, x->shape[g->red_dim[i]]);
	return topi_simplify(b, c);
}

static bool axes_mask(topi_builder *b, int rank, int naxes, const int64_t *axes, bool *mask)
{
	for (int d = 0; d < rank; d++)
		mask[d] = naxes == 0;
	if (naxes < 0 || naxes > SB_MAX_RANK) {
		topi_fail(b, SB_ERR_INVALID, "%d axes", naxes);
		return false;
	}
	for (int i = 0; i < naxes; i++) {
		int a;
		if (!topi_axis(b, axes[i], rank, &a))
			return false;
		if (mask[a]) {
			topi_fail(b, SB_ERR_INVALID, "axis %lld is repeated", (long long)axes[i]);
			return false;
		}
		mask[a] = true;
	}
	return true;
}

static bool numeric_or_bool(topi_builder *b, sb_dtype dt)
{
	if (sb_dtype_is_float(dt) || sb_dtype_is_int(dt) || dt == SB_BOOL)
		return true;
	topi_fail(b, SB_ERR_UNSUPPORTED, "dtype %s is not supported",
		  dt > SB_DT_INVALID && dt < SB_DT_COUNT ? sb_dtype_name(dt) : "invalid");
	return false;
}

static tir_expr *isnan_(topi_builder *b, tir_expr *v)
{
	return tir_call(b->ctx, TIR_INTRIN_ISNAN, 1, &v);
}

static tir_expr *intrin1(topi_builder *b, tir_intrin in, tir_expr *v)
{
	return tir_call(b->ctx, in, 1, &v);
}

/* max / min keeping NaN (numpy): c wins when better or NaN. */
static tir_expr *fold_minmax(topi_builder *b, tir_expr *acc, tir_expr *c, bool is_max)
{
	tir_ctx *ctx = b->ctx;
	tir_expr *better = is_max ? tir_gt(ctx, c, acc) : tir_lt(ctx, c, acc);
	if (tir_type_is_float(c->type))
		better = tir_or(ctx, better, isnan_(b, c));
	return tir_select(ctx, better, c, acc);
}

/* ---- Reduce* ---- */

static const char *const reduce_names[TOPI_REDUCE_COUNT] = {
#define X(id, name) [TOPI_REDUCE_##id] = name,
    TOPI_REDUCE_OPS(X)
#undef X
};

/* Y = X (noop_with_empty_axes). */
static void copy_block(topi_builder *b, tir_buffer *x, tir_buffer *y)
{
	topi_nest n;
	topi_nest_begin(b, &n, "copy", y->ndim, y->shape);
	topi_nest_store(b, &n, y, tir_load(b->ctx, x, x->ndim, n.iv));
}

sb_status topi_reduce(tir_ctx *ctx, const char *name, topi_reduce_op op, topi_tensor xt,
		      const topi_reduce_params *p, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, op < TOPI_REDUCE_COUNT ? reduce_names[op] : "reduce", name);
	topi_reduce_params def = {0};
	if (!p)
		p = &def;
	if (op >= TOPI_REDUCE_COUNT)
		topi_fail(&b, SB_ERR_INVALID, "unknown reduce op %d", (int)op);
	bool mask[SB_MAX_RANK];
	if (b.status || !numeric_or_bool(&b, xt.dtype))
		return topi_builder_finish(&b, out);
	tir_buffer *x = topi_input(&b, "X", xt);
	if (!x || !axes_mask(&b, x->ndim, p->naxes, p->axes, mask))
		return topi_builder_finish(&b, out);
	if (p->naxes == 0 && p->noop_with_empty_axes) {
		copy_block(&b, x, topi_output(&b, "Y", xt.dtype, x->ndim, x->shape));
		return topi_builder_finish(&b, out);
	}
	rgeom g;
	rgeom_init(&b, &g, x, mask, p->keepdims);
	tir_buffer *y = topi_output(&b, "Y", xt.dtype, g.out_rank, g.out_shape);
	if (b.status)
		return topi_builder_finish(&b, out);

	bool fl = sb_dtype_is_float(xt.dtype);
	bool finish = op == TOPI_REDUCE_MEAN || op == TOPI_REDUCE_L2 || op == TOPI_REDUCE_LOG_SUM ||
		      op == TOPI_REDUCE_LOG_SUM_EXP;
	bool int_path = !fl && (op != TOPI_REDUCE_L2 && op != TOPI_REDUCE_LOG_SUM &&
				op != TOPI_REDUCE_LOG_SUM_EXP);
	sb_dtype adt = fl ? topi_compute_dtype(xt.dtype) : int_path ? SB_I64 : SB_F64;
	tir_buffer *acc =
	    finish || adt != xt.dtype ? topi_temp(&b, "acc", adt, y->ndim, y->shape) : y;
	tir_expr *idx[SB_MAX_RANK];

	/* LogSumExp subtracts each output's max first, so exp cannot
	 * overflow (an infinite or NaN max is replaced by 0). */
	tir_buffer *mx = NULL;
	if (op == TOPI_REDUCE_LOG_SUM_EXP) {
		mx = topi_temp(&b, "max", adt, y->ndim, y->shape);
		topi_nest n;
		topi_nest_begin(&b, &n, "max", y->ndim, y->shape);
		rgeom_axes(&b, &n, &g, x);
		rgeom_index(&b, &g, n.iv, n.rv, idx);
		tir_expr *v = topi_convert(&b, topi_load(&b, x, idx), adt);
		topi_nest_reduce(&b, &n, mx, topi_dtype_limit(&b, adt, false),
				 fold_minmax(&b, topi_nest_acc(&b, &n, mx), v, true));
	}

	topi_nest n;
	topi_nest_begin(&b, &n, reduce_names[op], y->ndim, y->shape);
	rgeom_axes(&b, &n, &g, x);
	rgeom_index(&b, &g, n.iv, n.rv, idx);
	tir_expr *v = topi_convert(&b, topi_load(&b, x, idx), adt);
	tir_expr *a = topi_nest_acc(&b, &n, acc), *zero = topi_const(&b, adt, 0);
	tir_expr *init = zero, *upd;
	switch (op) {
	case TOPI_REDUCE_SUM:
	case TOPI_REDUCE_MEAN:
	case TOPI_REDUCE_LOG_SUM:
		upd = tir_add(ctx, a, v);
		break;
	case TOPI_REDUCE_MAX:
	case TOPI_REDUCE_MIN:
		init = topi_dtype_limit(&b, adt, op == TOPI_REDUCE_MIN);
		upd = fold_minmax(&b, a, v, op == TOPI_REDUCE_MAX);
		break;
	case TOPI_REDUCE_PROD:
		init = topi_const(&b, adt, 1);
		upd = tir_mul(ctx, a, v);
		break;
	case TOPI_REDUCE_L1: {
		tir_expr *av = fl || !int_path ? intrin1(&b, TIR_INTRIN_FABS, v)
					       : tir_select(ctx, tir_lt(ctx, v, zero),
							    tir_sub(ctx, zero, v), v);
		upd = tir_add(ctx, a, av);
		break;
	}
	case TOPI_REDUCE_L2:
	case TOPI_REDUCE_SUM_SQUARE:
		upd = tir_add(ctx, a, tir_mul(ctx, v, v));
		break;
	case TOPI_REDUCE_LOG_SUM_EXP: {
		tir_expr *m = tir_load(ctx, mx, mx->ndim, n.iv);
		tir_expr *bad = tir_or(ctx, intrin1(&b, TIR_INTRIN_ISINF, m), isnan_(&b, m));
		tir_expr *off = tir_select(ctx, bad, zero, m);
		upd = tir_add(ctx, a, intrin1(&b, TIR_INTRIN_EXP, tir_sub(ctx, v, off)));
		break;
	}
	default:
		SB_UNREACHABLE();
	}
	topi_nest_reduce(&b, &n, acc, init, upd);

	if (acc != y) {
		topi_nest f;
		topi_nest_begin(&b, &f, "finish", y->ndim, y->shape);
		tir_expr *r = tir_load(ctx, acc, acc->ndim, f.iv);
		tir_expr *count = rgeom_count(&b, &g, x);
		switch (op) {
		case TOPI_REDUCE_MEAN:
			if (int_path) {
				tir_expr *one = tir_int(ctx, 1), *z = tir_int(ctx, 0);
				r = tir_select(ctx, tir_eq(ctx, count, z), z,
					       tir_div(ctx, r, tir_max(ctx, count, one)));
			} else {
				r = tir_div(ctx, r, tir_cast(ctx, tir_type_scalar(adt), count));
			}
			break;
		case TOPI_REDUCE_L2:
			r = intrin1(&b, TIR_INTRIN_SQRT, r);
			break;
		case TOPI_REDUCE_LOG_SUM:
			r = intrin1(&b, TIR_INTRIN_LOG, r);
			break;
		case TOPI_REDUCE_LOG_SUM_EXP: {
			tir_expr *m = tir_load(ctx, mx, mx->ndim, f.iv);
			tir_expr *bad =
			    tir_or(ctx, intrin1(&b, TIR_INTRIN_ISINF, m), isnan_(&b, m));
			r = tir_add(ctx, intrin1(&b, TIR_INTRIN_LOG, r),
				    tir_select(ctx, bad, zero, m));
			break;
		}
		default:
			break;
		}
		topi_nest_store(&b, &f, y, topi_convert(&b, r, xt.dtype));
	}
	return topi_builder_finish(&b, out);
}

/* ---- ArgMax / ArgMin (also Hardmax's first step) ---- */

/* idx[ov] = the flat position (row-major over the reduced dims) of the
 * best element, val[ov] its value.  Ties: first, or last with `last`; NaN
 * beats every number (numpy's argmax returns the first NaN). */
static void arg_block(topi_builder *b, const rgeom *g, tir_buffer *x, tir_buffer *idx,
		      tir_buffer *val, bool is_max, bool last, bool nan_wins)
{
	tir_ctx *c = b->ctx;
	topi_nest n;
	topi_nest_begin(b, &n, is_max ? "argmax" : "argmin", idx->ndim, idx->shape);
	rgeom_axes(b, &n, g, x);
	tir_expr *xi[SB_MAX_RANK], *x0[SB_MAX_RANK];
	rgeom_index(b, g, n.iv, n.rv, xi);
	rgeom_index(b, g, n.iv, NULL, x0);
	tir_expr *flat = tir_int(c, 0);
	for (int i = 0; i < g->nred; i++)
		flat = tir_add(c, tir_mul(c, flat, x->shape[g->red_dim[i]]), n.rv[i]);
	flat = topi_simplify(b, flat);
	sb_dtype vdt = val->dtype;
	tir_expr *v = topi_convert(b, topi_load(b, x, xi), vdt);
	tir_expr *best = tir_load(c, val, val->ndim, n.iv),
		 *cur = tir_load(c, idx, idx->ndim, n.iv);
	tir_expr *better = is_max ? tir_gt(c, v, best) : tir_lt(c, v, best);
	if (last)
		better = tir_or(c, better, tir_eq(c, v, best));
	if (sb_dtype_is_float(vdt) && nan_wins) {
		tir_expr *nb = isnan_(b, best), *nv = isnan_(b, v);
		tir_expr *if_nan = last ? nv : tir_bool(c, false);
		better = tir_select(c, nb, if_nan, tir_or(c, nv, better));
	}
	tir_stmt *init[2] = {
	    tir_store(c, idx, tir_int(c, 0), idx->ndim, n.iv),
	    tir_store(c, val, topi_convert(b, topi_load(b, x, x0), vdt), val->ndim, n.iv),
	};
	tir_stmt *body[2] = {
	    tir_store(c, idx, tir_select(c, better, flat, cur), idx->ndim, n.iv),
	    tir_store(c, val, tir_select(c, better, v, best), val->ndim, n.iv),
	};
	topi_nest_end(b, &n, tir_seq(c, 2, init), tir_seq(c, 2, body));
}

sb_status topi_arg_reduce(tir_ctx *ctx, const char *name, bool is_max, topi_tensor xt,
			  const topi_arg_reduce_params *p, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, is_max ? "argmax" : "argmin", name);
	topi_arg_reduce_params def = {.keepdims = true};
	if (!p)
		p = &def;
	if (!numeric_or_bool(&b, xt.dtype))
		return topi_builder_finish(&b, out);
	if (xt.ndim < 1)
		topi_fail(&b, SB_ERR_INVALID, "input must have rank >= 1");
	tir_buffer *x = topi_input(&b, "X", xt);
	int axis;
	if (b.status || !topi_axis(&b, p->axis, x->ndim, &axis))
		return topi_builder_finish(&b, out);
	topi_require(&b, tir_ge(ctx, x->shape[axis], tir_int(ctx, 1)),
		     "axis %d has size 0: nothing to select", axis);
	bool mask[SB_MAX_RANK] = {false};
	mask[axis] = true;
	rgeom g;
	rgeom_init(&b, &g, x, mask, p->keepdims);
	tir_buffer *y = topi_output(&b, "Y", SB_I64, g.out_rank, g.out_shape);
	tir_buffer *val =
	    topi_temp(&b, "best", topi_compute_dtype(xt.dtype), g.out_rank, g.out_shape);
	if (!b.status)
		arg_block(&b, &g, x, y, val, is_max, p->select_last_index, true);
	return topi_builder_finish(&b, out);
}

/* ---- Softmax, LogSoftmax, Hardmax ---- */

sb_status topi_softmax(tir_ctx *ctx, const char *name, topi_softmax_op op, topi_tensor xt,
		       const topi_softmax_params *p, tir_func **out)
{
	static const char *const names[] = {"softmax", "log_softmax", "hardmax"};
	topi_builder b;
	topi_builder_init(&b, ctx, (unsigned)op < 3 ? names[op] : "softmax", name);
	topi_softmax_params def = {.axis = -1};
	if (!p)
		p = &def;
	if ((unsigned)op >= 3)
		topi_fail(&b, SB_ERR_INVALID, "unknown softmax op %d", (int)op);
	if (!b.status && !sb_dtype_is_float(xt.dtype))
		topi_fail(&b, SB_ERR_UNSUPPORTED, "dtype %s is not supported (float types only)",
			  sb_dtype_name(xt.dtype));
	tir_buffer *x = topi_input(&b, "X", xt);
	if (b.status)
		return topi_builder_finish(&b, out);
	tir_buffer *y = topi_output(&b, "Y", xt.dtype, x->ndim, x->shape);
	bool mask[SB_MAX_RANK] = {false};
	int axis = 0;
	if (x->ndim > 0 && !topi_axis(&b, p->axis, x->ndim, &axis))
		return topi_builder_finish(&b, out);
	for (int d = axis; d < x->ndim && (d == axis || p->coerce_2d); d++)
		mask[d] = true;
	rgeom g;
	rgeom_init(&b, &g, x, mask, false);
	sb_dtype cdt = topi_compute_dtype(xt.dtype);
	tir_expr *xi[SB_MAX_RANK], *si[SB_MAX_RANK];

	/* the statistic's position for an element of x: its kept dims */
	topi_nest n;
	if (op == TOPI_HARDMAX) {
		tir_buffer *idx = topi_temp(&b, "argmax", SB_I64, g.out_rank, g.out_shape);
		tir_buffer *val = topi_temp(&b, "best", cdt, g.out_rank, g.out_shape);
		if (b.status)
			return topi_builder_finish(&b, out);
		arg_block(&b, &g, x, idx, val, true, false, false);
		topi_nest_begin(&b, &n, "hardmax", y->ndim, y->shape);
		tir_expr *flat = tir_int(ctx, 0);
		int j = 0;
		for (int d = 0; d < x->ndim; d++) {
			if (mask[d])
				flat = tir_add(ctx, tir_mul(ctx, flat, x->shape[d]), n.iv[d]);
			else
				si[j++] = n.iv[d];
		}
		tir_expr *hit =
		    tir_eq(ctx, topi_simplify(&b, flat), tir_load(ctx, idx, idx->ndim, si));
		topi_nest_store(
		    &b, &n, y,
		    tir_select(ctx, hit, topi_const(&b, xt.dtype, 1), topi_const(&b, xt.dtype, 0)));
		return topi_builder_finish(&b, out);
	}

	tir_buffer *mx = topi_temp(&b, "max", cdt, g.out_rank, g.out_shape);
	tir_buffer *sum = topi_temp(&b, "sum", cdt, g.out_rank, g.out_shape);
	if (b.status)
		return topi_builder_finish(&b, out);

	/* max, starting from the first element as the oracle does */
	topi_nest_begin(&b, &n, "max", g.out_rank, g.out_shape);
	rgeom_axes(&b, &n, &g, x);
	rgeom_index(&b, &g, n.iv, n.rv, xi);
	tir_expr *v = topi_convert(&b, topi_load(&b, x, xi), cdt);
	rgeom_index(&b, &g, n.iv, NULL, si);
	tir_expr *first = topi_convert(&b, topi_load(&b, x, si), cdt);
	tir_expr *a = topi_nest_acc(&b, &n, mx);
	topi_nest_reduce(&b, &n, mx, first, tir_select(ctx, tir_gt(ctx, v, a), v, a));

	/* sum of exp(x - max) */
	topi_nest_begin(&b, &n, "sum", g.out_rank, g.out_shape);
	rgeom_axes(&b, &n, &g, x);
	rgeom_index(&b, &g, n.iv, n.rv, xi);
	v = topi_convert(&b, topi_load(&b, x, xi), cdt);
	tir_expr *m = tir_load(ctx, mx, mx->ndim, n.iv);
	a = topi_nest_acc(&b, &n, sum);
	topi_nest_reduce(&b, &n, sum, topi_const(&b, cdt, 0),
			 tir_add(ctx, a, intrin1(&b, TIR_INTRIN_EXP, tir_sub(ctx, v, m))));

	/* the normalisation, elementwise over x */
	topi_nest_begin(&b, &n, names[op], y->ndim, y->shape);
	int j = 0;
	for (int d = 0; d < x->ndim; d++)
		if (!mask[d])
			si[j++] = n.iv[d];
	v = topi_convert(&b, tir_load(ctx, x, x->ndim, n.iv), cdt);
	m = tir_load(ctx, mx, mx->ndim, si);
	tir_expr *s = tir_load(ctx, sum, sum->ndim, si), *r;
	if (op == TOPI_SOFTMAX)
		r = tir_div(ctx, intrin1(&b, TIR_INTRIN_EXP, tir_sub(ctx, v, m)), s);
	else
		r = tir_sub(ctx, tir_sub(ctx, v, m), intrin1(&b, TIR_INTRIN_LOG, s));
	topi_nest_store(&b, &n, y, topi_convert(&b, r, xt.dtype));
	return topi_builder_finish(&b, out);
}

/* ---- CumSum ---- */

sb_status topi_cumsum(tir_ctx *ctx, const char *name, topi_tensor xt, const topi_cumsum_params *p,
		      tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "cumsum", name);
	topi_cumsum_params def = {0};
	if (!p)
		p = &def;
	if (!sb_dtype_is_float(xt.dtype) && !sb_dtype_is_int(xt.dtype))
		topi_fail(&b, SB_ERR_UNSUPPORTED, "dtype %s is not supported",
			  sb_dtype_name(xt.dtype));
	if (!b.status && xt.ndim < 1)
		topi_fail(&b, SB_ERR_INVALID, "input must have rank >= 1");
	tir_buffer *x = topi_input(&b, "X", xt);
	int axis;
	if (b.status || !topi_axis(&b, p->axis, x->ndim, &axis))
		return topi_builder_finish(&b, out);
	tir_buffer *y = topi_output(&b, "Y", xt.dtype, x->ndim, x->shape);
	sb_dtype adt = topi_compute_dtype(xt.dtype);
	tir_buffer *acc = adt == xt.dtype ? y : topi_temp(&b, "acc", adt, x->ndim, x->shape);
	if (b.status)
		return topi_builder_finish(&b, out);
	topi_nest n;
	topi_nest_begin(&b, &n, "cumsum", y->ndim, y->shape);
	tir_expr *k = topi_nest_reduce_axis(&b, &n, x->shape[axis]);
	tir_expr *xi[SB_MAX_RANK];
	for (int d = 0; d < x->ndim; d++)
		xi[d] = d == axis ? k : n.iv[d];
	tir_expr *i = n.iv[axis], *take;
	if (p->reverse)
		take = p->exclusive ? tir_gt(ctx, k, i) : tir_ge(ctx, k, i);
	else
		take = p->exclusive ? tir_lt(ctx, k, i) : tir_le(ctx, k, i);
	tir_expr *zero = topi_const(&b, adt, 0);
	tir_expr *v = topi_convert(&b, topi_load(&b, x, xi), adt);
	tir_expr *a = topi_nest_acc(&b, &n, acc);
	topi_nest_reduce(&b, &n, acc, zero, tir_add(ctx, a, tir_select(ctx, take, v, zero)));
	if (acc != y) {
		topi_nest f;
		topi_nest_begin(&b, &f, "convert", y->ndim, y->shape);
		topi_nest_store(&b, &f, y,
				topi_convert(&b, tir_load(ctx, acc, acc->ndim, f.iv), xt.dtype));
	}
	return topi_builder_finish(&b, out);
}
