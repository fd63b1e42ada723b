/* Converters of the shape, indexing and data-movement ops.  These are the
 * consumers of shapes: a Reshape's target, an Expand's shape, a Slice's
 * bounds, ConstantOfShape's shape, Range's bounds, Tile's repeats arrive
 * as Shape values (ShapeExpr of a symbolic value, or tensor_to_shape of
 * data) and PrimValues; axes and split sizes must be known at compile
 * time (they are attributes of the relax ops). */
#include <inttypes.h>

#include "bridge_internal.h"

/* ---- reshape ---- */

/* The product of dims, simplified. */
static tir_expr *numel_of(bridge_ctx *c, int n, tir_expr *const *dims)
{
	tir_expr *p = tir_int(c->tir, 1);
	for (int i = 0; i < n; i++)
		p = tir_mul(c->tir, p, dims[i]);
	return bridge_simplify(c, p);
}

static void bind_positive(tir_expr *v, void *env)
{
	tir_analyzer_bind(env, v, 1, TIR_POS_INF);
}

/* Resolves a Reshape target's 0 entries (copy the input dim) and its -1
 * entry (the element count over the other dims, divided as if their
 * variables were >= 1: with a 0 dim there is nothing to infer anyway). */
static sb_status reshape_target(bridge_ctx *c, bool allowzero, int xr, tir_expr *const *xd, int n,
				tir_expr *const *target, tir_expr **dims)
{
	int infer_at = -1;
	for (int i = 0; i < n; i++) {
		int64_t v;
		dims[i] = bridge_simplify(c, target[i]);
		if (!tir_expr_is_int_imm(dims[i], &v))
			continue;
		if (v == 0 && !allowzero) {
			if (i >= xr)
				return bridge_error(
				    SB_ERR_INVALID,
				    "shape value %d is 0 (copy) but the input has rank %d", i, xr);
			dims[i] = xd[i];
		} else if (v == -1) {
			if (infer_at >= 0)
				return bridge_error(SB_ERR_INVALID, "the shape has two -1 entries");
			infer_at = i;
		} else if (v < 0) {
			return bridge_error(SB_ERR_INVALID, "shape value %d is %" PRId64, i, v);
		}
	}
	if (infer_at < 0)
		return SB_OK;
	tir_expr *known = tir_int(c->tir, 1);
	for (int i = 0; i < n; i++)
		if (i != infer_at)
			known = tir_mul(c->tir, known, dims[i]);
	known = bridge_simplify(c, known);
	if (tir_expr_is_const(known, 0))
		return SB_OK; /* left as -1: relax_like reports it */
	tir_analyzer *an = c->m->an;
	size_t mark = tir_analyzer_mark(an);
	relax_tir_visit_vars(known, bind_positive, an);
	dims[infer_at] = tir_simplify(c->tir, an, tir_floordiv(c->tir, numel_of(c, xr, xd), known));
	tir_analyzer_restore(an, mark);
	return SB_OK;
}

/* ---- shapes read from data ----
 * A shape that only exists at run time goes through tensor_to_shape, whose
 * fresh variables the builder binds.  ONNX's special values in it (a
 * Reshape's 0 and -1, an Expand's 1) are resolved first, on the tensor,
 * with relax ops: the fresh variables then hold the real output dims. */

static bool has_shape_sym(bridge_ctx *c, const relay_expr *arg)
{
	const bridge_sym *s = bridge_sym_of(c, arg);
	return s && s->rank == 1 && s->dtype != SB_BOOL;
}

static sb_status emit_op(bridge_ctx *c, relax_op op, int n, relax_expr *const *args, void *attrs,
			 relax_expr **out)
{
	return bridge_emit(c, relax_call_op(c->m, op, n, args, attrs), out);
}

/* The shape input as a 1-D int64 tensor of static length *k. */
static sb_status shape_tensor(bridge_ctx *c, const relay_expr *arg, relax_expr **t, int *k)
{
	sb_status st = bridge_tensor(c, arg, t);
	if (st)
		return st;
	const relax_sinfo *s = (*t)->sinfo;
	int64_t len;
	if (!relax_sinfo_has_shape(s) || s->u.tensor.ndim != 1 ||
	    !sb_dtype_is_int(s->u.tensor.dtype) || s->u.tensor.dtype == SB_BOOL)
		return bridge_error(SB_ERR_INVALID, "a shape input must be a 1-D integer tensor");
	if (!tir_expr_is_int_imm(bridge_simplify(c, s->u.tensor.shape[0]), &len) ||
	    len > SB_MAX_RANK)
		return bridge_error(
		    SB_ERR_UNSUPPORTED,
		    "a shape read from data needs a length known at compile time (<= %d)",
		    SB_MAX_RANK);
	*k = (int)len;
	if (s->u.tensor.dtype != SB_I64) {
		relax_attrs_cast *a = relax_attrs_new(c->m, RELAX_ATTRS_cast);
		a->dtype = SB_I64;
		return emit_op(c, RELAX_OP_CAST, 1, t, a, t);
	}
	return SB_OK;
}

/* A 1-D int64 tensor holding these values. */
static sb_status vector_of(bridge_ctx *c, int n, tir_expr *const *v, relax_expr **out)
{
	const bridge_sym *s = bridge_sym_new(c, SB_I64, 1, n);
	for (int i = 0; i < n; i++)
		s->v[i] = v[i];
	return bridge_sym_materialize(c, s, out);
}

/* where(t == key, then, t) */
static sb_status replace_where(bridge_ctx *c, relax_expr *t, int64_t key, relax_expr *then,
			       relax_expr **out, relax_expr **cond)
{
	relax_expr *eq[2] = {t, bridge_scalar_const(c, SB_I64, (double)key)}, *is;
	sb_status st = emit_op(c, RELAX_OP_EQUAL, 2, eq, NULL, &is);
	if (st)
		return st;
	if (cond)
		*cond = is;
	relax_expr *w[3] = {is, then, t};
	return emit_op(c, RELAX_OP_WHERE, 3, w, NULL, out);
}

/* Reshape to a shape tensor: 0 copies the input's dim (unless allowzero),
 * -1 is the element count over the product of the others. */
static sb_status reshape_shape_from_data(bridge_ctx *c, bool allowzero, relax_expr *x, int xr,
					 tir_expr *const *xd, const relay_expr *arg,
					 relax_expr **shape)
{
	relax_expr *t, *v, *isneg, *p, *q;
	int k;
	sb_status st = shape_tensor(c, arg, &t, &k);
	if (st)
		return st;
	if (!allowzero) {
		tir_expr *d[SB_MAX_RANK];
		for (int i = 0; i < k; i++)
			d[i] =
			    i < xr ? xd[i] : tir_int(c->tir, 0); /* a 0 past the rank is invalid */
		if ((st = vector_of(c, k, d, &v)) || (st = replace_where(c, t, 0, v, &t, NULL)))
			return st;
	}
	relax_attrs_reduce *all = relax_attrs_new(c->m, RELAX_ATTRS_reduce);
	if ((st = replace_where(c, t, -1, bridge_scalar_const(c, SB_I64, 1), &p, &isneg)) ||
	    (st = emit_op(c, RELAX_OP_PROD, 1, &p, all, &p)))
		return st;
	relax_expr *mx[2] = {p, bridge_scalar_const(c, SB_I64, 1)};
	if ((st = emit_op(c, RELAX_OP_MAXIMUM, 2, mx, NULL, &p)))
		return st;
	relax_expr *div[2] = {NULL, p};
	int64_t n;
	if (tir_expr_is_int_imm(numel_of(c, xr, xd), &n))
		div[0] = bridge_scalar_const(c, SB_I64, (double)n);
	else if ((st = emit_op(c, RELAX_OP_SIZE, 1, &x, NULL, &div[0])))
		return st;
	if ((st = emit_op(c, RELAX_OP_DIVIDE, 2, div, NULL, &q)))
		return st;
	relax_expr *w[3] = {isneg, q, t};
	if ((st = emit_op(c, RELAX_OP_WHERE, 3, w, NULL, &t)))
		return st;
	return emit_op(c, RELAX_OP_TENSOR_TO_SHAPE, 1, &t, NULL, shape);
}

/* Expand to a shape tensor: a 1 keeps the input's (right-aligned) dim. */
static sb_status expand_shape_from_data(bridge_ctx *c, int xr, tir_expr *const *xd,
					const relay_expr *arg, relax_expr **shape)
{
	relax_expr *t, *v;
	int k;
	sb_status st = shape_tensor(c, arg, &t, &k);
	if (st)
		return st;
	int r = SB_MAX(xr, k);
	tir_expr *d[SB_MAX_RANK];
	if (k < r) {
		for (int i = 0; i < r - k; i++)
			d[i] = tir_int(c->tir, 1);
		relax_expr *cat[2] = {NULL, t};
		if ((st = vector_of(c, r - k, d, &cat[0])) ||
		    (st = emit_op(c, RELAX_OP_CONCAT, 2, cat,
				  relax_attrs_new(c->m, RELAX_ATTRS_axis0), &t)))
			return st;
	}
	for (int i = 0; i < r; i++)
		d[i] = i - (r - xr) >= 0 ? xd[i - (r - xr)] : tir_int(c->tir, 1);
	if ((st = vector_of(c, r, d, &v)) || (st = replace_where(c, t, 1, v, &t, NULL)))
		return st;
	return emit_op(c, RELAX_OP_TENSOR_TO_SHAPE, 1, &t, NULL, shape);
}

sb_status convert_reshape(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	bool allowzero = ((const relay_attrs_reshape *)e->u.call.attrs)->allowzero != 0;
	relax_expr *args[2];
	int xr, n;
	tir_expr *const *xd, *const *target;
	const relay_expr *shape = bridge_arg(e, 1);
	sb_status st = bridge_dims(c, bridge_arg(e, 0), &args[0], &xr, &xd);
	if (st)
		return st;
	if (!has_shape_sym(c, shape)) {
		if ((st = reshape_shape_from_data(c, allowzero, args[0], xr, xd, shape, &args[1])))
			return st;
		return bridge_emit_call(c, op, 2, args, NULL, out);
	}
	if ((st = bridge_shape_arg(c, shape, &args[1], &n, &target)))
		return st;
	if (n > SB_MAX_RANK)
		return bridge_error(SB_ERR_UNSUPPORTED, "rank %d is above the limit %d", n,
				    SB_MAX_RANK);
	tir_expr *dims[SB_MAX_RANK];
	if ((st = reshape_target(c, allowzero, xr, xd, n, target, dims)))
		return st;
	args[1] = relax_shape_expr(c->m, n, dims);
	return bridge_emit_call(c, op, 2, args, NULL, out);
}

/* ---- permutation, concatenation, splitting ---- */

sb_status convert_transpose(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	const relay_attrs_transpose *ra = e->u.call.attrs;
	relax_attrs_permute_dims *a = relax_attrs_new(c->m, RELAX_ATTRS_permute_dims);
	if (ra->perm.set)
		a->axes = relax_ints_make(c->m, ra->perm.n, ra->perm.v);
	relax_expr *x;
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &x);
	return st ? st : bridge_emit_call(c, op, 1, &x, a, out);
}

sb_status convert_concat(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	int n = e->u.call.nargs;
	relax_expr **args = SB_ARENA_ARRAY(relax_arena(c->m), relax_expr *, n ? n : 1);
	for (int i = 0; i < n; i++) {
		sb_status st = bridge_tensor(c, bridge_arg(e, i), &args[i]);
		if (st)
			return st;
	}
	return bridge_emit_call(c, op, n, args, bridge_attrs_by_name(c, e, op), out);
}

sb_status convert_split(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	const relay_attrs_split *ra = e->u.call.attrs;
	relax_attrs_split *a = relax_attrs_new(c->m, RELAX_ATTRS_split);
	a->axis = ra->axis;
	relax_expr *x;
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &x);
	if (st)
		return st;
	const relay_expr *split = bridge_arg(e, 1);
	if (split) {
		int n;
		int64_t *v;
		if ((st = bridge_static_ints(c, split, "split", &n, &v)))
			return st;
		a->sizes = relax_ints_make(c->m, n, v);
	} else {
		a->num_outputs = ra->num_outputs ? ra->num_outputs : e->u.call.nout;
	}
	return bridge_emit_call(c, op, 1, &x, a, out);
}

/* ---- slicing and indexing ---- */

/* A Slice start or end read at run time.  ONNX counts a negative value
 * from the end of its axis, but a shape value is never negative, so that is
 * done on the tensor first: where(t < 0, t + dim, t), then max(t, 0) --
 * except an end on an axis with a negative step, where -1 means "through
 * index 0" and stays (then failing at run time, as not a dimension). */
static sb_status slice_bound_from_data(bridge_ctx *c, const relay_expr *arg, int xr,
				       tir_expr *const *xd, int naxes, const int64_t *axes,
				       int nsteps, const int64_t *steps, bool is_end,
				       relax_expr **shape)
{
	relax_expr *t, *v, *lo;
	int k;
	sb_status st = shape_tensor(c, arg, &t, &k);
	if (st)
		return st;
	if ((axes && naxes != k) || (steps && nsteps != k) || (!axes && k > xr))
		return bridge_error(SB_ERR_INVALID,
				    "%s has %d values for %d axes and %d steps (rank %d)",
				    is_end ? "ends" : "starts", k, axes ? naxes : xr,
				    steps ? nsteps : k, xr);
	tir_expr *d[SB_MAX_RANK], *low[SB_MAX_RANK];
	for (int i = 0; i < k; i++) {
		int64_t ax = axes ? axes[i] : i;
		if (ax < 0)
			ax += xr;
		if (ax < 0 || ax >= xr)
			return bridge_error(SB_ERR_INVALID, "axis %" PRId64 " is out of range for rank %d",
					    axes ? axes[i] : (int64_t)i, xr);
		d[i] = xd[ax];
		low[i] = tir_int(c->tir, is_end && steps && steps[i] < 0 ? -(INT64_C(1) << 62) : 0);
	}
	relax_expr *lt[2] = {t, bridge_scalar_const(c, SB_I64, 0)}, *neg, *sum;
	if ((st = vector_of(c, k, d, &v)) || (st = emit_op(c, RELAX_OP_LESS, 2, lt, NULL, &neg)))
		return st;
	relax_expr *add[2] = {t, v};
	if ((st = emit_op(c, RELAX_OP_ADD, 2, add, NULL, &sum)))
		return st;
	relax_expr *w[3] = {neg, sum, t};
	if ((st = emit_op(c, RELAX_OP_WHERE, 3, w, NULL, &t)) || (st = vector_of(c, k, low, &lo)))
		return st;
	relax_expr *mx[2] = {t, lo};
	if ((st = emit_op(c, RELAX_OP_MAXIMUM, 2, mx, NULL, &t)))
		return st;
	return emit_op(c, RELAX_OP_TENSOR_TO_SHAPE, 1, &t, NULL, shape);
}

sb_status convert_slice(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	relax_expr *args[4];
	int nargs = 3, xr = -1, naxes = 0, nsteps = 0;
	int64_t *axes_v = NULL, *steps_v = NULL;
	tir_expr *const *xd = NULL;
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &args[0]);
	if (st)
		return st;
	relax_attrs_strided_slice *a = relax_attrs_new(c->m, RELAX_ATTRS_strided_slice);
	const relay_expr *axes = bridge_arg(e, 3), *steps = bridge_arg(e, 4);
	if (axes) {
		if ((st = bridge_static_ints(c, axes, "axes", &naxes, &axes_v)))
			return st;
		a->axes = relax_ints_make(c->m, naxes, axes_v);
	}
	if (steps && (st = bridge_static_ints(c, steps, "steps", &nsteps, &steps_v)))
		return st;
	for (int i = 0; i < 2; i++) {
		const relay_expr *b = bridge_arg(e, 1 + i);
		if (b && !has_shape_sym(c, b)) {
			if (xr < 0 && (st = bridge_dims(c, bridge_arg(e, 0), &args[0], &xr, &xd)))
				return st;
			st = slice_bound_from_data(c, b, xr, xd, naxes, axes ? axes_v : NULL, nsteps,
						   steps ? steps_v : NULL, i == 1, &args[1 + i]);
		} else {
			st = bridge_shape_arg(c, b, &args[1 + i], NULL, NULL);
		}
		if (st)
			return st;
	}
	if (steps) {
		tir_expr *s[BRIDGE_SYM_MAX];
		for (int i = 0; i < nsteps; i++)
			s[i] = tir_int(c->tir, steps_v[i]);
		args[nargs++] = relax_shape_expr(c->m, nsteps, s);
	}
	return bridge_emit_call(c, op, nargs, args, a, out);
}

/* Gather, GatherElements, GatherND: (data, indices) with axis/batch_dims. */
sb_status convert_gather(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	relax_expr *args[2];
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &args[0]);
	if (!st)
		st = bridge_tensor(c, bridge_arg(e, 1), &args[1]);
	return st ? st : bridge_emit_call(c, op, 2, args, bridge_attrs_by_name(c, e, op), out);
}

sb_status convert_scatter(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	relax_expr *args[3];
	sb_status st = SB_OK;
	for (int i = 0; i < 3 && !st; i++)
		st = bridge_tensor(c, bridge_arg(e, i), &args[i]);
	return st ? st : bridge_emit_call(c, op, 3, args, bridge_attrs_by_name(c, e, op), out);
}

/* ---- rank changes ---- */

static sb_status axes_op(bridge_ctx *c, const relay_expr *e, relax_op op, bool required,
			 bridge_value *out)
{
	relax_attrs_axes *a = relax_attrs_new(c->m, RELAX_ATTRS_axes);
	relax_expr *x;
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &x);
	const relay_expr *axes = bridge_arg(e, 1);
	if (!st && (axes || required)) {
		int n;
		int64_t *v;
		if (!axes)
			return bridge_error(SB_ERR_INVALID, "axes is missing");
		if ((st = bridge_static_ints(c, axes, "axes", &n, &v)))
			return st;
		a->axes = relax_ints_make(c->m, n, v);
	}
	return st ? st : bridge_emit_call(c, op, 1, &x, a, out);
}

sb_status convert_squeeze(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	return axes_op(c, e, op, false, out);
}

sb_status convert_unsqueeze(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	return axes_op(c, e, op, true, out);
}

sb_status convert_flatten(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	relax_expr *x;
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &x);
	return st ? st : bridge_emit_call(c, op, 1, &x, bridge_attrs_by_name(c, e, op), out);
}

/* Expand(x, shape), Tile(x, repeats): the second input is a Shape value. */
static sb_status shape_op(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	relax_expr *args[2];
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &args[0]);
	if (!st)
		st = bridge_shape_arg(c, bridge_arg(e, 1), &args[1], NULL, NULL);
	return st ? st : bridge_emit_call(c, op, 2, args, NULL, out);
}

sb_status convert_expand(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	const relay_expr *shape = bridge_arg(e, 1);
	if (has_shape_sym(c, shape))
		return shape_op(c, e, op, out);
	relax_expr *args[2];
	int xr;
	tir_expr *const *xd;
	sb_status st = bridge_dims(c, bridge_arg(e, 0), &args[0], &xr, &xd);
	if (!st)
		st = expand_shape_from_data(c, xr, xd, shape, &args[1]);
	return st ? st : bridge_emit_call(c, op, 2, args, NULL, out);
}

sb_status convert_tile(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	return shape_op(c, e, op, out);
}

/* ---- shapes as data (reached only when no symbolic value applies) ---- */

sb_status convert_shape(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	relax_expr *x, *s;
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &x);
	if (!st)
		st = bridge_emit(c, relax_call_op(c->m, RELAX_OP_SHAPE_OF, 1, &x, NULL), &s);
	return st ? st : bridge_emit_call(c, RELAX_OP_SHAPE_TO_TENSOR, 1, &s, NULL, out);
}

sb_status convert_size(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	relax_expr *x;
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &x);
	return st ? st : bridge_emit_call(c, op, 1, &x, NULL, out);
}

/* ---- generators ---- */

sb_status convert_range(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	relax_attrs_range *a = relax_attrs_new(c->m, RELAX_ATTRS_range);
	a->dtype = e->type->dtype;
	relax_expr *args[3];
	sb_status st = SB_OK;
	for (int i = 0; i < 3 && !st; i++)
		st = bridge_scalar_arg(c, bridge_arg(e, i), &args[i]);
	return st ? st : bridge_emit_call(c, op, 3, args, a, out);
}

sb_status convert_constant_of_shape(bridge_ctx *c, const relay_expr *e, relax_op op,
				    bridge_value *out)
{
	const sb_tensor *value = ((const relay_attrs_constant_of_shape *)e->u.call.attrs)->value;
	relax_expr *args[2];
	sb_status st = bridge_shape_arg(c, bridge_arg(e, 0), &args[0], NULL, NULL);
	if (st)
		return st;
	if (value) {
		if (sb_tensor_numel(value) != 1)
			return bridge_error(SB_ERR_INVALID, "value must hold one element");
		sb_tensor *v = sb_tensor_new(value->dtype, 0, NULL);
		memcpy(sb_tensor_data(v), sb_tensor_data(value), sb_dtype_size(value->dtype));
		args[1] = relax_constant(c->m, v);
	} else {
		args[1] = bridge_scalar_const(c, SB_F32, 0.0);
	}
	return bridge_emit_call(c, op, 2, args, NULL, out);
}

sb_status convert_eye_like(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	const relay_attrs_eye_like *ra = e->u.call.attrs;
	relax_attrs_eye_like *a = relax_attrs_new(c->m, RELAX_ATTRS_eye_like);
	a->k = ra->k;
	if (ra->dtype) {
		a->dtype = relay_onnx_dtype(ra->dtype);
		if (a->dtype == SB_DT_INVALID)
			return bridge_error(SB_ERR_UNSUPPORTED,
					    "dtype %" PRId64 " is not supported", ra->dtype);
	}
	relax_expr *x;
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &x);
	return st ? st : bridge_emit_call(c, op, 1, &x, a, out);
}

sb_status convert_nonzero(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	relax_expr *x;
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &x);
	return st ? st : bridge_emit_call(c, op, 1, &x, NULL, out);
}

sb_status convert_one_hot(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	relax_expr *args[3];
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &args[0]);
	if (!st)
		st = bridge_scalar_arg(c, bridge_arg(e, 1), &args[1]);
	if (!st)
		st = bridge_tensor(c, bridge_arg(e, 2), &args[2]);
	return st ? st : bridge_emit_call(c, op, 3, args, bridge_attrs_by_name(c, e, op), out);
}

sb_status convert_trilu(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	relax_expr *args[2];
	int n = 1;
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &args[0]);
	if (!st && bridge_arg(e, 1)) {
		st = bridge_scalar_arg(c, bridge_arg(e, 1), &args[1]);
		n = 2;
	}
	return st ? st : bridge_emit_call(c, op, n, args, bridge_attrs_by_name(c, e, op), out);
}

/* ---- values passed through ---- */

sb_status convert_constant(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	sb_tensor *v = ((const relay_attrs_constant *)e->u.call.attrs)->value;
	if (!v)
		return bridge_error(SB_ERR_INVALID, "the value attribute is missing");
	out->constant = v;
	return SB_OK;
}

sb_status convert_identity(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	const bridge_value *in = bridge_value_of(c, bridge_arg(e, 0));
	*out = *in;
	return SB_OK;
}

/* Inference Dropout: the input, and a mask of ones when asked for. */
sb_status convert_dropout(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	relax_expr *x;
	int r;
	tir_expr *const *dims;
	if (e->u.call.nout == 1) {
		sb_status st = bridge_tensor(c, bridge_arg(e, 0), &x);
		out->expr = x;
		return st;
	}
	sb_status st = bridge_dims(c, bridge_arg(e, 0), &x, &r, &dims);
	if (st)
		return st;
	relax_expr *args[2] = {relax_shape_expr(c->m, r, dims), bridge_scalar_const(c, SB_BOOL, 1)};
	relax_expr *mask;
	if ((st = bridge_emit(c, relax_call_op(c->m, op, 2, args, NULL), &mask)))
		return st;
	out->nfields = 2;
	out->fields = SB_ARENA_ARRAY(relax_arena(c->m), bridge_value, 2);
	out->fields[0].expr = x;
	out->fields[1].expr = mask;
	out->fields[0].done = out->fields[1].done = true;
	return SB_OK;
}
