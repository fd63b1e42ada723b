/* LegalizeOps rules of the shape, indexing and data-movement ops.
 *
 * Targets that shape inference already resolved are taken from the call's
 * output struct info rather than from the op's argument: a reshape's
 * target (its -1 resolved), an expand's broadcast shape, full's shape, a
 * slice's lengths.  Their dims are then either expressions of the input
 * dims or variables bound from the output buffer.  strided_slice, tile,
 * arange and shape_to_tensor are written here with topi's building blocks
 * because their symbolic values (a slice start, a repeat count, a range
 * start) reach the kernel as scalar parameters. */
#include <math.h>

#include "legalize.h"

#define LG_BUILD(c, call)                                                                          \
	do {                                                                                       \
		if (lg_cached(c))                                                                  \
			return SB_OK;                                                              \
		tir_func *f_ = NULL;                                                               \
		const char *name = lg_name(c);                                                     \
		sb_status st_ = (call);                                                            \
		return lg_topi((c), st_, f_);                                                      \
	} while (0)

#define ATTRS(c, family) ((const relax_attrs_##family *)(c)->attrs)

static tir_expr **dims_array(lg_call *c)
{
	return SB_ARENA_ARRAY(relax_arena(c->m), tir_expr *, SB_MAX_RANK);
}

/* A finished custom kernel. */
static sb_status finish(lg_call *c, topi_builder *b)
{
	tir_func *f = NULL;
	sb_status st = topi_builder_finish(b, &f);
	return lg_topi(c, st, f);
}

/* Adds the call's scalar parameters to a custom kernel, after its buffer
 * inputs (the order of call_tir's arguments). */
static void add_scalars(lg_call *c, topi_builder *b)
{
	for (int i = 0; i < c->nscalars; i++)
		sb_vec_push(&b->params, tir_param_scalar(c->scalars[i]));
}

sb_status lg_rule_reshape(lg_call *c)
{
	topi_tensor x;
	int n;
	tir_expr **dims = dims_array(c);
	sb_status st;
	if ((st = lg_buffer(c, 0, &x)) || (st = lg_out_shape(c, 0, &n, dims, NULL)))
		return st;
	LG_BUILD(c, topi_reshape(c->tir, name, x, n, dims, &f_));
}

sb_status lg_rule_permute_dims(lg_call *c)
{
	const relax_attrs_permute_dims *a = ATTRS(c, permute_dims);
	topi_tensor x;
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	if (a->axes.set && a->axes.n != x.ndim)
		return lg_error(c, SB_ERR_INVALID, "%d axes for rank %d", a->axes.n, x.ndim);
	LG_BUILD(c, topi_transpose(c->tir, name, x, a->axes.set ? a->axes.v : NULL, &f_));
}

sb_status lg_rule_concat(lg_call *c)
{
	topi_tensor xs[LG_MAX_ARGS];
	if (c->nargs > LG_MAX_ARGS)
		return lg_error(c, SB_ERR_UNSUPPORTED, "%d inputs", c->nargs);
	for (int i = 0; i < c->nargs; i++) {
		sb_status st = lg_buffer(c, i, &xs[i]);
		if (st)
			return st;
	}
	LG_BUILD(c, topi_concat(c->tir, name, c->nargs, xs, ATTRS(c, axis0)->axis, &f_));
}

sb_status lg_rule_split(lg_call *c)
{
	const relax_attrs_split *a = ATTRS(c, split);
	topi_tensor x;
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	int nout = c->out->kind == RELAX_SINFO_TUPLE ? c->out->u.tuple.nfields : 1;
	tir_expr **sizes = NULL;
	if (a->sizes.set) {
		if (a->sizes.n != nout)
			return lg_error(c, SB_ERR_INVALID, "%d sizes for %d outputs", a->sizes.n,
					nout);
		sizes = SB_ARENA_ARRAY(relax_arena(c->m), tir_expr *, nout ? nout : 1);
		for (int i = 0; i < nout; i++)
			sizes[i] = tir_int(c->tir, a->sizes.v[i]);
	}
	LG_BUILD(c, topi_split(c->tir, name, x, a->axis, nout, sizes, &f_));
}

/* ---- strided_slice ---- */

#define SLICE_HUGE ((int64_t)1 << 31)

/* The first index read along an axis of extent d: as shape inference
 * clamps it (negative constants count from the end, symbolic values are
 * non-negative), into [0, d] for a positive step, [0, d - 1] otherwise. */
static tir_expr *slice_start(lg_call *c, tir_expr *v, tir_expr *d, int64_t step)
{
	tir_ctx *t = c->tir;
	tir_expr *hi = step > 0 ? d : tir_sub(t, d, tir_int(t, 1));
	int64_t k;
	v = tir_simplify(t, c->m->an, v);
	if (tir_expr_is_int_imm(v, &k)) {
		lg_key(c, "b%lld;", (long long)k); /* folded into the kernel */
		if (k >= SLICE_HUGE)
			return hi;
		if (k <= -SLICE_HUGE)
			return tir_int(t, 0);
		if (k < 0)
			return tir_min(t, tir_max(t, tir_add(t, d, v), tir_int(t, 0)), hi);
		return tir_min(t, v, hi);
	}
	tir_expr *pv = lg_dim(c, v, LG_SCALAR, "a slice start");
	return pv ? tir_min(t, pv, hi) : NULL;
}

sb_status lg_rule_strided_slice(lg_call *c)
{
	const relax_attrs_strided_slice *a = ATTRS(c, strided_slice);
	topi_tensor x;
	int nb, ne, ns = 0, nout;
	tir_expr *const *begin, *const *end, *const *steps = NULL;
	tir_expr **odims = dims_array(c);
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	if (!lg_shape_values(c, 1, &nb, &begin) || !lg_shape_values(c, 2, &ne, &end) ||
	    (c->nargs > 3 && !lg_shape_values(c, 3, &ns, &steps)))
		return lg_error(c, SB_ERR_UNSUPPORTED, "begin, end and strides must be shapes");
	int naxes = a->axes.set ? a->axes.n : nb;
	if (nb != naxes || ne != naxes || (steps && ns != naxes) || naxes > x.ndim)
		return lg_error(c, SB_ERR_INVALID, "begin, end and strides need %d values", naxes);
	/* Per input axis: start and step (step 0: not sliced). */
	tir_expr *start[SB_MAX_RANK] = {0};
	int64_t step[SB_MAX_RANK] = {0};
	for (int i = 0; i < naxes; i++) {
		int64_t ax = a->axes.set ? a->axes.v[i] : i;
		if (ax < 0)
			ax += x.ndim;
		if (ax < 0 || ax >= x.ndim || step[ax])
			return lg_error(c, SB_ERR_INVALID, "axis %lld", (long long)ax);
		int64_t s = 1;
		if (steps && !tir_expr_is_int_imm(tir_simplify(c->tir, c->m->an, steps[i]), &s))
			return lg_error(c, SB_ERR_UNSUPPORTED, "a symbolic stride");
		if (s == 0)
			return lg_error(c, SB_ERR_INVALID, "a stride of 0");
		step[ax] = s;
		lg_key(c, "s%lld:%lld;", (long long)ax, (long long)s);
	}
	for (int ax = 0; ax < x.ndim; ax++) {
		if (!step[ax])
			continue;
		int i = 0;
		for (; i < naxes; i++) {
			int64_t k = a->axes.set ? a->axes.v[i] : i;
			if ((k < 0 ? k + x.ndim : k) == ax)
				break;
		}
		if (!(start[ax] = slice_start(c, begin[i], x.shape[ax], step[ax])))
			return c->status;
	}
	if ((st = lg_out_shape(c, 0, &nout, odims, NULL)))
		return st;
	if (nout != x.ndim)
		return lg_error(c, SB_ERR_INTERNAL, "output rank %d for input rank %d", nout,
				x.ndim);
	if (lg_cached(c))
		return SB_OK;
	topi_builder b;
	topi_builder_init(&b, c->tir, "strided_slice", lg_name(c));
	tir_buffer *X = topi_input(&b, "X", x);
	add_scalars(c, &b);
	tir_buffer *Y = topi_output(&b, "Y", x.dtype, nout, odims);
	if (!b.status) {
		topi_nest n;
		topi_nest_begin(&b, &n, "Y", nout, Y->shape);
		tir_expr *idx[SB_MAX_RANK];
		for (int d = 0; d < nout; d++) {
			idx[d] = n.iv[d];
			if (step[d])
				idx[d] = topi_clamp_index(
				    &b,
				    tir_add(c->tir, start[d],
					    tir_mul(c->tir, n.iv[d], tir_int(c->tir, step[d]))),
				    X->shape[d]);
		}
		topi_nest_store(&b, &n, Y, topi_load(&b, X, idx));
	}
	return finish(c, &b);
}

/* ---- Indexing ---- */

sb_status lg_rule_gather(lg_call *c)
{
	topi_tensor data, idx;
	sb_status st;
	if ((st = lg_buffer(c, 0, &data)) || (st = lg_buffer(c, 1, &idx)))
		return st;
	if (c->op == RELAX_OP_GATHER_ND)
		LG_BUILD(c, topi_gather_nd(c->tir, name, data, idx, ATTRS(c, gather_nd)->batch_dims,
					   &f_));
	int64_t axis = ATTRS(c, axis0)->axis;
	if (c->op == RELAX_OP_TAKE)
		LG_BUILD(c, topi_gather(c->tir, name, data, idx, axis, &f_));
	LG_BUILD(c, topi_gather_elements(c->tir, name, data, idx, axis, &f_));
}

sb_status lg_rule_scatter(lg_call *c)
{
	static const char *const reds[] = {"none", "add", "mul", "max", "min"};
	const relax_attrs_scatter *a = ATTRS(c, scatter);
	topi_tensor data, idx, upd;
	sb_status st;
	if ((st = lg_buffer(c, 0, &data)) || (st = lg_buffer(c, 1, &idx)) ||
	    (st = lg_buffer(c, 2, &upd)))
		return st;
	int red = -1;
	for (int i = 0; i < 5; i++)
		if (a->reduction && !strcmp(a->reduction, reds[i]))
			red = i;
	if (red < 0)
		return lg_error(c, SB_ERR_UNSUPPORTED, "reduction \"%s\"",
				a->reduction ? a->reduction : "");
	if (c->op == RELAX_OP_SCATTER_ND)
		LG_BUILD(c, topi_scatter_nd(c->tir, name, data, idx, upd,
					    (topi_scatter_reduction)red, &f_));
	LG_BUILD(c, topi_scatter_elements(c->tir, name, data, idx, upd, a->axis,
					  (topi_scatter_reduction)red, &f_));
}

/* ---- Rank changes ---- */

sb_status lg_rule_squeeze(lg_call *c)
{
	const relax_attrs_axes *a = ATTRS(c, axes);
	topi_tensor x;
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	int n = a->axes.set ? a->axes.n : 0;
	const int64_t *axes = a->axes.set ? a->axes.v : NULL;
	if (c->op == RELAX_OP_UNSQUEEZE)
		LG_BUILD(c, topi_unsqueeze(c->tir, name, x, n, axes, &f_));
	LG_BUILD(c, topi_squeeze(c->tir, name, x, n, axes, &f_));
}

sb_status lg_rule_flatten(lg_call *c)
{
	topi_tensor x;
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	LG_BUILD(c, topi_flatten(c->tir, name, x, ATTRS(c, flatten)->axis, &f_));
}

/* expand(x, shape): broadcast x to the output shape, which shape
 * inference computed from x and the target. */
sb_status lg_rule_expand(lg_call *c)
{
	topi_tensor x;
	int n;
	tir_expr **dims = dims_array(c);
	sb_status st;
	if ((st = lg_buffer(c, 0, &x)) || (st = lg_out_shape(c, 0, &n, dims, NULL)))
		return st;
	LG_BUILD(c, topi_expand(c->tir, name, x, n, dims, &f_));
}

/* tile(x, repeats): Y[i] = X[i mod dim] over the output shape; constant
 * repeats go through topi_tile. */
sb_status lg_rule_tile(lg_call *c)
{
	topi_tensor x;
	int nr, n;
	tir_expr *const *reps;
	tir_expr **dims = dims_array(c);
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	if (!lg_shape_values(c, 1, &nr, &reps))
		return lg_error(c, SB_ERR_UNSUPPORTED, "repeats must be a shape");
	if (nr != x.ndim)
		return lg_error(c, SB_ERR_INVALID, "%d repeats for rank %d", nr, x.ndim);
	int64_t cr[SB_MAX_RANK];
	bool constant = true;
	for (int i = 0; i < nr; i++)
		constant &= tir_expr_is_int_imm(tir_simplify(c->tir, c->m->an, reps[i]), &cr[i]);
	if (constant) {
		for (int i = 0; i < nr; i++)
			lg_key(c, "r%lld;", (long long)cr[i]);
		LG_BUILD(c, topi_tile(c->tir, name, x, cr, &f_));
	}
	if ((st = lg_out_shape(c, 0, &n, dims, NULL)))
		return st;
	if (lg_cached(c))
		return SB_OK;
	topi_builder b;
	topi_builder_init(&b, c->tir, "tile", lg_name(c));
	tir_buffer *X = topi_input(&b, "X", x);
	tir_buffer *Y = topi_output(&b, "Y", x.dtype, n, dims);
	if (!b.status) {
		topi_nest nest;
		topi_nest_begin(&b, &nest, "Y", n, Y->shape);
		tir_expr *idx[SB_MAX_RANK];
		for (int d = 0; d < n; d++) {
			tir_expr *ext = tir_max(c->tir, X->shape[d], tir_int(c->tir, 1));
			idx[d] = tir_floormod(c->tir, nest.iv[d], ext);
		}
		topi_nest_store(&b, &nest, Y, topi_load(&b, X, idx));
	}
	return finish(c, &b);
}

/* ---- Shapes as data, generators ---- */

/* shape_to_tensor(shape): Y[i] = value i, each value a constant, a dim
 * of nothing (no buffer inputs) or a scalar parameter. */
sb_status lg_rule_shape_to_tensor(lg_call *c)
{
	int n;
	tir_expr *const *vals;
	if (!lg_shape_values(c, 0, &n, &vals))
		return lg_error(c, SB_ERR_UNSUPPORTED, "the shape's values are not known");
	tir_expr *v[SB_MAX_RANK];
	if (n > SB_MAX_RANK)
		return lg_error(c, SB_ERR_UNSUPPORTED, "rank %d", n);
	for (int i = 0; i < n; i++)
		if (!(v[i] = lg_dim(c, vals[i], LG_SCALAR, "a shape value")))
			return c->status;
	if (lg_cached(c))
		return SB_OK;
	topi_builder b;
	topi_builder_init(&b, c->tir, "shape_to_tensor", lg_name(c));
	add_scalars(c, &b);
	tir_expr *len = tir_int(c->tir, n);
	tir_buffer *Y = topi_output(&b, "Y", SB_I64, 1, &len);
	if (!b.status && n) {
		topi_nest nest;
		topi_nest_begin(&b, &nest, "Y", 1, Y->shape);
		tir_expr *val = v[n - 1];
		for (int i = n - 2; i >= 0; i--)
			val = tir_select(c->tir, tir_eq(c->tir, nest.iv[0], tir_int(c->tir, i)),
					 v[i], val);
		topi_nest_store(&b, &nest, Y, val);
	}
	return finish(c, &b);
}

sb_status lg_rule_size(lg_call *c)
{
	topi_tensor x;
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	LG_BUILD(c, topi_size(c->tir, name, x, &f_));
}

/* arange(start, limit, delta): Y[i] = start + i * delta over the length
 * shape inference computed; start and delta are 0-d inputs, constants or
 * scalar parameters (limit only decides the length). */
sb_status lg_rule_arange(lg_call *c)
{
	sb_dtype dt;
	int n;
	tir_expr **len = dims_array(c);
	sb_status st = lg_out_shape(c, 0, &n, len, &dt);
	if (st)
		return st;
	tir_expr *val[2] = {0};
	topi_tensor t[2];
	bool is_buf[2] = {false, false};
	for (int k = 0; k < 2; k++) {
		int i = k == 0 ? 0 : 2;
		double cv;
		const relax_expr *a = c->args[i];
		if (lg_const_scalar(c, i, &cv)) {
			val[k] = sb_dtype_is_float(dt)
				     ? tir_imm_float(c->tir, tir_type_scalar(SB_F64), cv)
				     : tir_int(c->tir, (int64_t)cv);
			lg_key(c, "a%d=%.17g;", k, cv);
		} else if (a->kind == RELAX_PRIM_VALUE ||
			   (a->sinfo && a->sinfo->kind == RELAX_SINFO_PRIM &&
			    a->sinfo->u.prim.value)) {
			tir_expr *pv =
			    a->kind == RELAX_PRIM_VALUE ? a->u.prim.value : a->sinfo->u.prim.value;
			if (!tir_type_is_int(pv->type))
				return lg_error(c, SB_ERR_UNSUPPORTED, "a symbolic float bound");
			if (!(val[k] = lg_dim(c, pv, LG_SCALAR, "a range bound")))
				return c->status;
		} else {
			if ((st = lg_buffer(c, i, &t[k])))
				return st;
			if (t[k].ndim != 0)
				return lg_error(c, SB_ERR_INVALID, "argument %d is not a scalar",
						i);
			is_buf[k] = true;
		}
	}
	if (n != 1)
		return lg_error(c, SB_ERR_INTERNAL, "output rank %d", n);
	if (lg_cached(c))
		return SB_OK;
	topi_builder b;
	topi_builder_init(&b, c->tir, "arange", lg_name(c));
	tir_buffer *bufs[2] = {0};
	/* call_tir's argument order: buffers in argument order, then the
	 * scalar parameters. */
	int pushed = 0;
	for (int k = 0; k < 2; k++) {
		if (is_buf[k])
			bufs[k] = topi_input(&b, k ? "delta" : "start", t[k]);
		else if (pushed < c->nscalars && val[k] == c->scalars[pushed])
			sb_vec_push(&b.params, tir_param_scalar(c->scalars[pushed++]));
	}
	tir_buffer *Y = topi_output(&b, "Y", dt, 1, len);
	if (!b.status) {
		for (int k = 0; k < 2; k++)
			if (bufs[k])
				val[k] = tir_load(c->tir, bufs[k], 0, NULL);
		topi_nest nest;
		topi_nest_begin(&b, &nest, "Y", 1, Y->shape);
		sb_dtype cdt = sb_dtype_is_float(dt) ? SB_F64 : dt; /* float64, as numpy */
		tir_expr *s = topi_convert(&b, val[0], cdt), *d = topi_convert(&b, val[1], cdt);
		tir_expr *v =
		    tir_add(c->tir, s, tir_mul(c->tir, topi_convert(&b, nest.iv[0], cdt), d));
		topi_nest_store(&b, &nest, Y, topi_convert(&b, v, dt));
	}
	return finish(c, &b);
}

sb_status lg_rule_full(lg_call *c)
{
	sb_dtype dt;
	int n;
	double v;
	tir_expr **dims = dims_array(c);
	sb_status st = lg_out_shape(c, 0, &n, dims, &dt);
	if (st)
		return st;
	if (!lg_const_scalar(c, 1, &v))
		return lg_error(c, SB_ERR_UNSUPPORTED,
				"the fill value must be a constant (it is folded into the kernel)");
	lg_key(c, "v=%.17g;", v);
	LG_BUILD(c, topi_full(c->tir, name, dt, n, dims, v, &f_));
}

sb_status lg_rule_eye_like(lg_call *c)
{
	const relax_attrs_eye_like *a = ATTRS(c, eye_like);
	topi_tensor x;
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	sb_dtype dt = a->dtype != SB_DT_INVALID ? a->dtype : x.dtype;
	LG_BUILD(c, topi_eye_like(c->tir, name, x, dt, a->k, &f_));
}

/* one_hot(indices, depth, values): the depth is the output's dim at axis
 * (a constant, or a variable bound from the output). */
sb_status lg_rule_one_hot(lg_call *c)
{
	topi_tensor idx, vals;
	int n;
	tir_expr **dims = dims_array(c);
	sb_status st;
	if ((st = lg_buffer(c, 0, &idx)) || (st = lg_buffer(c, 2, &vals)) ||
	    (st = lg_out_shape(c, 0, &n, dims, NULL)))
		return st;
	int64_t axis = ATTRS(c, one_hot)->axis;
	if (axis < 0)
		axis += n;
	if (axis < 0 || axis >= n)
		return lg_error(c, SB_ERR_INVALID, "axis %lld for rank %d",
				(long long)ATTRS(c, one_hot)->axis, n);
	LG_BUILD(c,
		 topi_one_hot(c->tir, name, idx, vals, dims[axis], ATTRS(c, one_hot)->axis, &f_));
}

/* trilu(x[, k]): a constant k goes to topi_trilu; a k read from a 0-d
 * tensor or a symbolic PrimValue is an input of a kernel written here. */
sb_status lg_rule_trilu(lg_call *c)
{
	topi_tensor x, kt;
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	bool upper = ATTRS(c, trilu)->upper != 0;
	int64_t k = 0;
	if (c->nargs < 2 || lg_const_int(c, 1, &k)) {
		lg_key(c, "k=%lld;", (long long)k);
		LG_BUILD(c, topi_trilu(c->tir, name, x, k, upper, &f_));
	}
	const relax_expr *ka = c->args[1];
	tir_expr *kv = NULL;
	bool kbuf = false;
	if (ka->kind == RELAX_PRIM_VALUE || (ka->sinfo && ka->sinfo->kind == RELAX_SINFO_PRIM)) {
		tir_expr *pv =
		    ka->kind == RELAX_PRIM_VALUE ? ka->u.prim.value : ka->sinfo->u.prim.value;
		if (!pv)
			return lg_error(c, SB_ERR_UNSUPPORTED, "k is a scalar of unknown value");
		if (!(kv = lg_dim(c, pv, LG_SCALAR, "k")))
			return c->status;
	} else {
		if ((st = lg_buffer(c, 1, &kt)))
			return st;
		if (kt.ndim > 1 || !sb_dtype_is_int(kt.dtype))
			return lg_error(c, SB_ERR_INVALID, "k must be an integer scalar");
		kbuf = true;
	}
	if (x.ndim < 2)
		return lg_error(c, SB_ERR_INVALID, "the input has rank %d (at least 2)", x.ndim);
	if (lg_cached(c))
		return SB_OK;
	topi_builder b;
	topi_builder_init(&b, c->tir, "trilu", lg_name(c));
	tir_buffer *X = topi_input(&b, "X", x);
	tir_buffer *K = kbuf ? topi_input(&b, "K", kt) : NULL;
	add_scalars(c, &b);
	tir_buffer *Y = topi_output(&b, "Y", x.dtype, x.ndim, x.shape);
	if (!b.status) {
		tir_ctx *t = c->tir;
		if (K) {
			tir_expr *zero[1] = {tir_int(t, 0)};
			kv = topi_convert(&b, tir_load(t, K, kt.ndim, zero), SB_I64);
		}
		topi_nest n;
		topi_nest_begin(&b, &n, "Y", x.ndim, Y->shape);
		tir_expr *diag = tir_sub(t, n.iv[x.ndim - 1], n.iv[x.ndim - 2]);
		tir_expr *keep = upper ? tir_ge(t, diag, kv) : tir_le(t, diag, kv);
		topi_nest_store(
		    &b, &n, Y,
		    tir_select(t, keep, topi_load(&b, X, n.iv), topi_const(&b, x.dtype, 0)));
	}
	return finish(c, &b);
}

/* ---- Run-time sizes (helper kernels, legalize_ops.c "Sizes read from
 * data") ---- */

/* A scalar operand of a helper kernel: a constant (folded in), a scalar
 * parameter (an integer PrimValue), or a one-element tensor input. */
typedef struct lg_scalar_arg {
	tir_expr *val; /* constant or scalar param; NULL: loaded from buf */
	bool is_buf;
	topi_tensor t;
	tir_buffer *buf;
} lg_scalar_arg;

static bool one_element(lg_call *c, topi_tensor t)
{
	for (int d = 0; d < t.ndim; d++)
		if (!tir_expr_is_const(tir_simplify(c->tir, c->m->an, t.shape[d]), 1))
			return false;
	return true;
}

/* Pass 0 registers the tensor inputs, pass 1 the scalar parameters: the
 * order of call_tir's arguments and of the kernel's params. */
static sb_status scalar_arg(lg_call *c, int i, int pass, sb_dtype cdt, lg_scalar_arg *s)
{
	const relax_expr *a = c->args[i];
	double cv;
	if (lg_const_scalar(c, i, &cv)) {
		if (pass == 0) {
			s->val = sb_dtype_is_float(cdt)
				     ? tir_imm_float(c->tir, tir_type_scalar(cdt), cv)
				     : tir_int(c->tir, (int64_t)cv);
			lg_key(c, "c%d=%.17g;", i, cv);
		}
		return SB_OK;
	}
	const tir_expr *pv = a->kind == RELAX_PRIM_VALUE ? a->u.prim.value
			     : a->sinfo && a->sinfo->kind == RELAX_SINFO_PRIM
				 ? a->sinfo->u.prim.value
				 : NULL;
	if (pv) {
		if (!tir_type_is_int(pv->type))
			return lg_error(c, SB_ERR_UNSUPPORTED, "argument %d is a symbolic float",
					i);
		if (pass == 1 && !(s->val = lg_dim(c, (tir_expr *)pv, LG_SCALAR, "a scalar")))
			return c->status;
		return SB_OK;
	}
	if (pass == 1)
		return SB_OK;
	sb_status st = lg_buffer(c, i, &s->t);
	if (st)
		return st;
	if (!one_element(c, s->t))
		return lg_error(c, SB_ERR_INVALID, "argument %d must hold exactly one element", i);
	s->is_buf = true;
	return SB_OK;
}

/* The operand's value in dtype cdt, inside the kernel. */
static tir_expr *scalar_value(topi_builder *b, lg_scalar_arg *s, sb_dtype cdt)
{
	if (!s->is_buf)
		return topi_convert(b, s->val, cdt);
	tir_expr *zero[SB_MAX_RANK];
	for (int d = 0; d < s->t.ndim; d++)
		zero[d] = tir_int(b->ctx, 0);
	return topi_convert(b, tir_load(b->ctx, s->buf, s->t.ndim, zero), cdt);
}

/* Y[0] = f(operands): builds a helper kernel over the operands in ops[]
 * (n of them, argument indices idx[]) whose value `len` computes. */
typedef tir_expr *(*len_fn)(lg_call *c, topi_builder *b, tir_expr *const *v);

static sb_status build_len(lg_call *c, int n, const int *idx, sb_dtype cdt, len_fn len)
{
	lg_scalar_arg s[3] = {0};
	sb_status st;
	for (int pass = 0; pass < 2; pass++)
		for (int k = 0; k < n; k++)
			if ((st = scalar_arg(c, idx[k], pass, cdt, &s[k])))
				return st;
	if (lg_cached(c))
		return SB_OK;
	topi_builder b;
	topi_builder_init(&b, c->tir, c->name_hint, lg_name(c));
	static const char *const names[3] = {"A", "B", "C"};
	for (int k = 0; k < n; k++)
		if (s[k].is_buf)
			s[k].buf = topi_input(&b, names[k], s[k].t);
	add_scalars(c, &b);
	tir_expr *one = tir_int(c->tir, 1);
	tir_buffer *Y = topi_output(&b, "Y", SB_I64, 1, &one);
	if (!b.status) {
		tir_expr *v[3];
		for (int k = 0; k < n; k++)
			v[k] = scalar_value(&b, &s[k], cdt);
		tir_expr *val = len(c, &b, v);
		topi_nest nest;
		topi_nest_begin(&b, &nest, "Y", 1, Y->shape);
		topi_nest_store(&b, &nest, Y, val);
	}
	return finish(c, &b);
}

/* ONNX Range: max(ceil((limit - start) / delta), 0); in float64 for float
 * ranges (as numpy), exactly for integer ones. */
static tir_expr *arange_len(lg_call *c, topi_builder *b, tir_expr *const *v)
{
	tir_ctx *t = c->tir;
	tir_expr *s = v[0], *l = v[1], *d = v[2];
	sb_dtype cdt = tir_type_is_int(d->type) ? SB_I64 : SB_F64;
	topi_require(b, tir_ne(t, d, topi_const(b, cdt, 0)), "Range: delta is 0");
	tir_expr *n;
	if (cdt == SB_F64) {
		tir_expr *q = tir_div(t, tir_sub(t, l, s), d);
		n = topi_convert(b, tir_call(t, TIR_INTRIN_CEIL, 1, &q), SB_I64);
	} else {
		tir_expr *one = tir_int(t, 1);
		tir_expr *up = tir_floordiv(t, tir_sub(t, tir_add(t, tir_sub(t, l, s), d), one), d);
		tir_expr *nd = tir_sub(t, tir_int(t, 0), d);
		tir_expr *down =
		    tir_floordiv(t, tir_sub(t, tir_add(t, tir_sub(t, s, l), nd), one), nd);
		n = tir_select(t, tir_gt(t, d, tir_int(t, 0)), up, down);
	}
	return tir_max(t, n, tir_int(t, 0));
}

sb_status lg_rule_arange_len(lg_call *c)
{
	sb_dtype dt = ATTRS(c, range)->dtype;
	if (dt == SB_DT_INVALID) {
		const relax_sinfo *s = c->args[0]->sinfo;
		dt = s && s->kind == RELAX_SINFO_TENSOR ? s->u.tensor.dtype
		     : s && s->kind == RELAX_SINFO_PRIM ? s->u.prim.dtype
							: SB_I64;
	}
	static const int idx[3] = {0, 1, 2};
	return build_len(c, 3, idx, sb_dtype_is_float(dt) ? SB_F64 : SB_I64, arange_len);
}

static tir_expr *scalar_len(lg_call *c, topi_builder *b, tir_expr *const *v)
{
	(void)c;
	return topi_convert(b, v[0], SB_I64);
}

sb_status lg_rule_scalar_len(lg_call *c)
{
	int idx[1] = {c->aux};
	if (c->aux < 0 || c->aux >= c->nargs)
		return lg_error(c, SB_ERR_INTERNAL, "no argument %d", c->aux);
	/* Read in the argument's own dtype, then converted (float depth
	 * truncates, as ONNX casts it to int64). */
	const relax_sinfo *s = c->args[c->aux]->sinfo;
	sb_dtype dt = s && s->kind == RELAX_SINFO_TENSOR && s->u.tensor.dtype != SB_DT_INVALID
			  ? s->u.tensor.dtype
			  : SB_I64;
	if (sb_dtype_is_float(dt))
		dt = SB_F64;
	else
		dt = SB_I64;
	return build_len(c, 1, idx, dt, scalar_len);
}
