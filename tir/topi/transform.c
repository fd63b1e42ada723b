/* Layout and data movement: transpose, reshape family (reshape, squeeze,
 * unsqueeze, flatten), concat, split, slice, the gather/scatter family,
 * pad, tile, expand, depth/space moves, trilu, one_hot, range, eye_like
 * and full.  Each output element is a load of the input at an index
 * computed from the output position (symbolic strides, floordiv/floormod
 * unravelling), so all of these are injective single blocks -- except
 * concat and split (one block per input or output, each a plain copy with
 * an offset) and scatter (a copy, then an opaque block that writes at
 * data-dependent places, in order). */
#include <stdio.h>

#include "topi.h"

static tir_expr *I(topi_builder *b, int64_t v)
{
	return tir_int(b->ctx, v);
}

static bool any_dtype(topi_builder *b, const char *what, sb_dtype dt)
{
	if (b->status)
		return false;
	if (dt > SB_DT_INVALID && dt < SB_DT_COUNT)
		return true;
	topi_fail(b, SB_ERR_INVALID, "%s has no valid dtype", what);
	return false;
}

static bool index_dtype(topi_builder *b, const char *what, sb_dtype dt)
{
	if (b->status)
		return false;
	if (dt == SB_I32 || dt == SB_I64)
		return true;
	topi_fail(b, SB_ERR_INVALID, "%s must be int32 or int64, got %s", what,
		  dt > SB_DT_INVALID && dt < SB_DT_COUNT ? sb_dtype_name(dt) : "invalid");
	return false;
}

static tir_expr *product(topi_builder *b, int n, tir_expr *const *dims)
{
	tir_expr *p = I(b, 1);
	for (int i = 0; i < n; i++)
		p = tir_mul(b->ctx, p, dims[i]);
	return topi_simplify(b, p);
}

/* Y[iv] = X[iv]: the body of the copying ops. */
static void copy_into(topi_builder *b, const char *block, tir_buffer *x, tir_buffer *y,
		      const int *x_of_y)
{
	topi_nest n;
	topi_nest_begin(b, &n, block, y->ndim, y->shape);
	tir_expr *xi[SB_MAX_RANK];
	for (int d = 0; d < x->ndim; d++)
		xi[d] = n.iv[x_of_y[d]];
	topi_nest_store(b, &n, y, topi_load(b, x, xi));
}

/* An index value read from an int32/int64 buffer, as int64, wrapped when
 * negative and clamped into [0, dim) (see topi.h on out-of-range indices). */
static tir_expr *wrap_index(topi_builder *b, tir_expr *v, tir_expr *dim)
{
	tir_ctx *c = b->ctx;
	v = topi_convert(b, v, SB_I64);
	v = tir_select(c, tir_lt(c, v, I(b, 0)), tir_add(c, v, dim), v);
	return topi_clamp_index(b, v, dim);
}

static void require_same(topi_builder *b, tir_expr *x, tir_expr *y, const char *fmt, int i, int d)
{
	char msg[256];
	snprintf(msg, sizeof msg, fmt, i, d);
	char *xs = tir_expr_to_string(x), *ys = tir_expr_to_string(y);
	topi_require(b, tir_eq(b->ctx, x, y), "%s (%s vs %s)", msg, xs, ys);
	free(xs);
	free(ys);
}

/* ---- Transpose, reshape family ---- */

sb_status topi_transpose(tir_ctx *ctx, const char *name, topi_tensor xt, const int64_t *perm,
			 tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "transpose", name);
	any_dtype(&b, "X", xt.dtype);
	tir_buffer *x = b.status ? NULL : topi_input(&b, "X", xt);
	if (!x)
		return topi_builder_finish(&b, out);
	int r = x->ndim, p[SB_MAX_RANK], x_of_y[SB_MAX_RANK];
	bool seen[SB_MAX_RANK] = {false};
	tir_expr *shape[SB_MAX_RANK];
	for (int i = 0; i < r; i++) {
		int64_t a = perm ? perm[i] : r - 1 - i;
		if (!topi_axis(&b, a, r, &p[i]))
			return topi_builder_finish(&b, out);
		if (seen[p[i]])
			return topi_fail(&b, SB_ERR_INVALID, "perm repeats axis %d", p[i]),
			       topi_builder_finish(&b, out);
		seen[p[i]] = true;
		shape[i] = x->shape[p[i]];
		x_of_y[p[i]] = i;
	}
	tir_buffer *y = topi_output(&b, "Y", xt.dtype, r, shape);
	if (!b.status)
		copy_into(&b, "transpose", x, y, x_of_y);
	return topi_builder_finish(&b, out);
}

/* Y (any shape, same element count) = X in row-major order. */
static void reshape_body(topi_builder *b, tir_buffer *x, tir_buffer *y)
{
	tir_ctx *c = b->ctx;
	char *xs = tir_expr_to_string(product(b, x->ndim, x->shape));
	char *ys = tir_expr_to_string(product(b, y->ndim, y->shape));
	topi_require(b, tir_eq(c, product(b, x->ndim, x->shape), product(b, y->ndim, y->shape)),
		     "the target shape has %s elements, the input %s", ys, xs);
	free(xs);
	free(ys);
	if (b->status)
		return;
	topi_nest n;
	topi_nest_begin(b, &n, "reshape", y->ndim, y->shape);
	tir_expr *flat = I(b, 0);
	for (int d = 0; d < y->ndim; d++)
		flat = tir_add(c, tir_mul(c, flat, y->shape[d]), n.iv[d]);
	flat = topi_simplify(b, flat);
	tir_expr *xi[SB_MAX_RANK], *stride = I(b, 1);
	for (int d = x->ndim - 1; d >= 0; d--) {
		tir_expr *q = tir_floordiv(c, flat, stride);
		xi[d] = d == 0 ? q : tir_floormod(c, q, x->shape[d]);
		stride = tir_mul(c, stride, x->shape[d]);
	}
	topi_nest_store(b, &n, y, topi_load(b, x, xi));
}

sb_status topi_reshape(tir_ctx *ctx, const char *name, topi_tensor xt, int ndim,
		       tir_expr *const *shape, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "reshape", name);
	any_dtype(&b, "X", xt.dtype);
	tir_buffer *x = b.status ? NULL : topi_input(&b, "X", xt);
	tir_buffer *y = x ? topi_output(&b, "Y", xt.dtype, ndim, shape) : NULL;
	if (y)
		reshape_body(&b, x, y);
	return topi_builder_finish(&b, out);
}

sb_status topi_flatten(tir_ctx *ctx, const char *name, topi_tensor xt, int64_t axis, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "flatten", name);
	any_dtype(&b, "X", xt.dtype);
	tir_buffer *x = b.status ? NULL : topi_input(&b, "X", xt);
	if (!x)
		return topi_builder_finish(&b, out);
	int64_t a = axis < 0 ? axis + x->ndim : axis;
	if (a < 0 || a > x->ndim)
		return topi_fail(&b, SB_ERR_INVALID, "axis %lld is out of range for rank %d",
				 (long long)axis, x->ndim),
		       topi_builder_finish(&b, out);
	tir_expr *shape[2] = {product(&b, (int)a, x->shape),
			      product(&b, x->ndim - (int)a, x->shape + a)};
	tir_buffer *y = topi_output(&b, "Y", xt.dtype, 2, shape);
	if (y)
		reshape_body(&b, x, y);
	return topi_builder_finish(&b, out);
}

sb_status topi_squeeze(tir_ctx *ctx, const char *name, topi_tensor xt, int naxes,
		       const int64_t *axes, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "squeeze", name);
	any_dtype(&b, "X", xt.dtype);
	tir_buffer *x = b.status ? NULL : topi_input(&b, "X", xt);
	if (!x)
		return topi_builder_finish(&b, out);
	bool drop[SB_MAX_RANK] = {false};
	for (int i = 0; i < naxes; i++) {
		int a;
		if (!topi_axis(&b, axes[i], x->ndim, &a))
			return topi_builder_finish(&b, out);
		if (drop[a])
			return topi_fail(&b, SB_ERR_INVALID, "axis %d is repeated", a),
			       topi_builder_finish(&b, out);
		drop[a] = true;
		char *ds = tir_expr_to_string(x->shape[a]);
		topi_require(&b, tir_eq(ctx, x->shape[a], I(&b, 1)), "dim %d (%s) is not 1", a, ds);
		free(ds);
	}
	/* without axes: the dims known to be 1 */
	for (int d = 0; naxes == 0 && d < x->ndim; d++)
		drop[d] = tir_expr_is_const(x->shape[d], 1);
	tir_expr *shape[SB_MAX_RANK];
	int r = 0, map[SB_MAX_RANK];
	for (int d = 0; d < x->ndim; d++) {
		map[d] = drop[d] ? -1 : r;
		if (!drop[d])
			shape[r++] = x->shape[d];
	}
	tir_buffer *y = topi_output(&b, "Y", xt.dtype, r, shape);
	if (b.status)
		return topi_builder_finish(&b, out);
	topi_nest n;
	topi_nest_begin(&b, &n, "squeeze", r, y->shape);
	tir_expr *xi[SB_MAX_RANK];
	for (int d = 0; d < x->ndim; d++)
		xi[d] = map[d] < 0 ? I(&b, 0) : n.iv[map[d]];
	topi_nest_store(&b, &n, y, topi_load(&b, x, xi));
	return topi_builder_finish(&b, out);
}

sb_status topi_unsqueeze(tir_ctx *ctx, const char *name, topi_tensor xt, int naxes,
			 const int64_t *axes, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "unsqueeze", name);
	any_dtype(&b, "X", xt.dtype);
	tir_buffer *x = b.status ? NULL : topi_input(&b, "X", xt);
	if (!x)
		return topi_builder_finish(&b, out);
	int r = x->ndim + naxes;
	if (naxes < 0 || r > SB_MAX_RANK)
		return topi_fail(&b, SB_ERR_INVALID, "%d axes for rank %d", naxes, x->ndim),
		       topi_builder_finish(&b, out);
	bool added[SB_MAX_RANK] = {false};
	for (int i = 0; i < naxes; i++) {
		int a;
		if (!topi_axis(&b, axes[i], r, &a))
			return topi_builder_finish(&b, out);
		if (added[a])
			return topi_fail(&b, SB_ERR_INVALID, "axis %d is repeated", a),
			       topi_builder_finish(&b, out);
		added[a] = true;
	}
	tir_expr *shape[SB_MAX_RANK];
	int x_of_y[SB_MAX_RANK];
	for (int d = 0, k = 0; d < r; d++) {
		if (added[d]) {
			shape[d] = I(&b, 1);
		} else {
			x_of_y[k] = d;
			shape[d] = x->shape[k++];
		}
	}
	tir_buffer *y = topi_output(&b, "Y", xt.dtype, r, shape);
	if (!b.status)
		copy_into(&b, "unsqueeze", x, y, x_of_y);
	return topi_builder_finish(&b, out);
}

/* ---- Concat, split ---- */

sb_status topi_concat(tir_ctx *ctx, const char *name, int nin, const topi_tensor *xs, int64_t axis,
		      tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "concat", name);
	if (nin < 1 || nin > 64)
		topi_fail(&b, SB_ERR_UNSUPPORTED, "takes 1 to 64 inputs, got %d", nin);
	tir_buffer *in[64];
	for (int i = 0; i < nin && !b.status; i++) {
		char nm[16];
		snprintf(nm, sizeof nm, "X%d", i);
		any_dtype(&b, nm, xs[i].dtype);
		if (!b.status && (xs[i].dtype != xs[0].dtype || xs[i].ndim != xs[0].ndim))
			topi_fail(&b, SB_ERR_INVALID,
				  "input %d is %s of rank %d, input 0 %s of rank %d", i,
				  sb_dtype_name(xs[i].dtype), xs[i].ndim,
				  sb_dtype_name(xs[0].dtype), xs[0].ndim);
		in[i] = topi_input(&b, nm, xs[i]);
	}
	int a;
	if (b.status || !topi_axis(&b, axis, xs[0].ndim, &a))
		return topi_builder_finish(&b, out);
	tir_expr *shape[SB_MAX_RANK], *off[64], *total = I(&b, 0);
	for (int i = 0; i < nin; i++) {
		off[i] = topi_simplify(&b, total);
		total = tir_add(ctx, total, in[i]->shape[a]);
		for (int d = 0; i > 0 && d < in[i]->ndim; d++)
			if (d != a)
				require_same(&b, in[i]->shape[d], in[0]->shape[d],
					     "input %d dim %d differs from input 0's", i, d);
	}
	for (int d = 0; d < in[0]->ndim; d++)
		shape[d] = d == a ? total : in[0]->shape[d];
	tir_buffer *y = topi_output(&b, "Y", xs[0].dtype, in[0]->ndim, shape);
	for (int i = 0; i < nin && !b.status; i++) {
		topi_nest n;
		topi_nest_begin(&b, &n, "concat", in[i]->ndim, in[i]->shape);
		tir_expr *yi[SB_MAX_RANK];
		for (int d = 0; d < y->ndim; d++)
			yi[d] = d == a ? topi_simplify(&b, tir_add(ctx, n.iv[d], off[i])) : n.iv[d];
		topi_nest_end(
		    &b, &n, NULL,
		    tir_store(ctx, y, tir_load(ctx, in[i], in[i]->ndim, n.iv), y->ndim, yi));
	}
	return topi_builder_finish(&b, out);
}

sb_status topi_split(tir_ctx *ctx, const char *name, topi_tensor xt, int64_t axis, int nout,
		     tir_expr *const *sizes, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "split", name);
	if (nout < 1 || nout > 64)
		topi_fail(&b, SB_ERR_UNSUPPORTED, "has 1 to 64 outputs, not %d", nout);
	any_dtype(&b, "X", xt.dtype);
	tir_buffer *x = b.status ? NULL : topi_input(&b, "X", xt);
	int a;
	if (!x || !topi_axis(&b, axis, x->ndim, &a))
		return topi_builder_finish(&b, out);
	tir_expr *dim = x->shape[a], *part[64], *sum = I(&b, 0);
	if (sizes) {
		for (int j = 0; j < nout; j++) {
			part[j] = sizes[j]->type.dtype == SB_I64
				      ? sizes[j]
				      : tir_cast(ctx, TIR_INDEX_TYPE, sizes[j]);
			sum = tir_add(ctx, sum, part[j]);
		}
		char *ds = tir_expr_to_string(dim);
		topi_require(&b, tir_eq(ctx, sum, dim),
			     "the split sizes do not add up to axis %d (%s)", a, ds);
		free(ds);
	} else {
		/* chunks of ceil(dim / n), the last one smaller (opset 18) */
		tir_expr *chunk =
		    tir_floordiv(ctx, tir_add(ctx, dim, I(&b, nout - 1)), I(&b, nout));
		for (int j = 0; j < nout; j++)
			part[j] = j < nout - 1
				      ? chunk
				      : tir_sub(ctx, dim, tir_mul(ctx, chunk, I(&b, nout - 1)));
		char *ds = tir_expr_to_string(dim);
		topi_require(&b, tir_ge(ctx, part[nout - 1], I(&b, 0)),
			     "axis %d (%s) does not split into %d chunks", a, ds, nout);
		free(ds);
	}
	tir_buffer *y[64];
	for (int j = 0; j < nout && !b.status; j++) {
		tir_expr *shape[SB_MAX_RANK];
		for (int d = 0; d < x->ndim; d++)
			shape[d] = d == a ? part[j] : x->shape[d];
		char nm[16];
		snprintf(nm, sizeof nm, "Y%d", j);
		y[j] = topi_output(&b, nm, xt.dtype, x->ndim, shape);
	}
	tir_expr *off = I(&b, 0);
	for (int j = 0; j < nout && !b.status; j++) {
		topi_nest n;
		topi_nest_begin(&b, &n, "split", y[j]->ndim, y[j]->shape);
		tir_expr *xi[SB_MAX_RANK];
		for (int d = 0; d < x->ndim; d++)
			xi[d] = d == a ? tir_add(ctx, n.iv[d], off) : n.iv[d];
		topi_nest_store(&b, &n, y[j], topi_load(&b, x, xi));
		off = topi_simplify(&b, tir_add(ctx, off, y[j]->shape[a]));
	}
	return topi_builder_finish(&b, out);
}

/* ---- Slice ---- */

/* A constant start/end against a symbolic dim: negative counts from the
 * end; beyond +-2^62 means "past that end". */
static tir_expr *slice_bound(topi_builder *b, int64_t v, tir_expr *dim, int64_t lo_off)
{
	tir_ctx *c = b->ctx;
	if (v >= ((int64_t)1 << 62))
		return dim;
	if (v <= -((int64_t)1 << 62))
		return I(b, lo_off);
	return v < 0 ? tir_add(c, dim, I(b, v)) : I(b, v);
}

sb_status topi_slice(tir_ctx *ctx, const char *name, topi_tensor xt, const topi_slice_params *p,
		     tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "slice", name);
	any_dtype(&b, "X", xt.dtype);
	if (!b.status &&
	    (!p || p->n < 0 || p->n > SB_MAX_RANK || (p->n && (!p->starts || !p->ends))))
		topi_fail(&b, SB_ERR_INVALID, "starts and ends are required");
	tir_buffer *x = b.status ? NULL : topi_input(&b, "X", xt);
	if (!x)
		return topi_builder_finish(&b, out);
	tir_expr *first[SB_MAX_RANK], *shape[SB_MAX_RANK];
	int64_t step[SB_MAX_RANK];
	bool seen[SB_MAX_RANK] = {false};
	for (int d = 0; d < x->ndim; d++) {
		first[d] = I(&b, 0);
		shape[d] = x->shape[d];
		step[d] = 1;
	}
	for (int i = 0; i < p->n && !b.status; i++) {
		int a;
		if (!topi_axis(&b, p->axes ? p->axes[i] : i, x->ndim, &a))
			break;
		if (seen[a]) {
			topi_fail(&b, SB_ERR_INVALID, "axis %d is sliced twice", a);
			break;
		}
		seen[a] = true;
		int64_t s = p->steps ? p->steps[i] : 1;
		if (s == 0 || s == INT64_MIN) {
			topi_fail(&b, SB_ERR_INVALID, "steps[%d] is %lld", i, (long long)s);
			break;
		}
		tir_expr *dim = x->shape[a], *st, *en, *len;
		if (s > 0) {
			st = tir_min(ctx,
				     tir_max(ctx, slice_bound(&b, p->starts[i], dim, 0), I(&b, 0)),
				     dim);
			en = tir_min(
			    ctx, tir_max(ctx, slice_bound(&b, p->ends[i], dim, 0), I(&b, 0)), dim);
			len = tir_floordiv(ctx, tir_add(ctx, tir_sub(ctx, en, st), I(&b, s - 1)),
					   I(&b, s));
		} else {
			tir_expr *last = tir_sub(ctx, dim, I(&b, 1));
			st = tir_min(ctx,
				     tir_max(ctx, slice_bound(&b, p->starts[i], dim, -1), I(&b, 0)),
				     last);
			en = tir_min(ctx,
				     tir_max(ctx, slice_bound(&b, p->ends[i], dim, -1), I(&b, -1)),
				     last);
			len = tir_floordiv(ctx, tir_add(ctx, tir_sub(ctx, st, en), I(&b, -s - 1)),
					   I(&b, -s));
		}
		first[a] = topi_simplify(&b, st);
		shape[a] = tir_max(ctx, len, I(&b, 0));
		step[a] = s;
	}
	tir_buffer *y = topi_output(&b, "Y", xt.dtype, x->ndim, shape);
	if (b.status)
		return topi_builder_finish(&b, out);
	topi_nest n;
	topi_nest_begin(&b, &n, "slice", y->ndim, y->shape);
	tir_expr *xi[SB_MAX_RANK];
	for (int d = 0; d < x->ndim; d++)
		xi[d] = tir_add(ctx, first[d], tir_mul(ctx, n.iv[d], I(&b, step[d])));
	topi_nest_store(&b, &n, y, topi_load(&b, x, xi));
	return topi_builder_finish(&b, out);
}

/* ---- Gather family ---- */

/* Data dim `dim` is indexed through indices: it must not be empty unless
 * there is nothing to gather. */
static void require_gatherable(topi_builder *b, tir_expr *dim, tir_buffer *ind, int axis)
{
	tir_ctx *c = b->ctx;
	char *ds = tir_expr_to_string(dim);
	topi_require(b,
		     tir_or(c, tir_ge(c, dim, I(b, 1)),
			    tir_eq(c, product(b, ind->ndim, ind->shape), I(b, 0))),
		     "axis %d of data (%s) is empty but indices are not", axis, ds);
	free(ds);
}

sb_status topi_gather(tir_ctx *ctx, const char *name, topi_tensor dt, topi_tensor it, int64_t axis,
		      tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "gather", name);
	any_dtype(&b, "data", dt.dtype);
	index_dtype(&b, "indices", it.dtype);
	tir_buffer *data = b.status ? NULL : topi_input(&b, "data", dt);
	tir_buffer *ind = data ? topi_input(&b, "indices", it) : NULL;
	int a;
	if (!ind || !topi_axis(&b, axis, data->ndim, &a))
		return topi_builder_finish(&b, out);
	int r = data->ndim - 1 + ind->ndim;
	if (r > SB_MAX_RANK)
		return topi_fail(&b, SB_ERR_UNSUPPORTED, "output rank %d exceeds %d", r,
				 SB_MAX_RANK),
		       topi_builder_finish(&b, out);
	tir_expr *shape[SB_MAX_RANK];
	int k = 0;
	for (int d = 0; d < a; d++)
		shape[k++] = data->shape[d];
	for (int d = 0; d < ind->ndim; d++)
		shape[k++] = ind->shape[d];
	for (int d = a + 1; d < data->ndim; d++)
		shape[k++] = data->shape[d];
	require_gatherable(&b, data->shape[a], ind, a);
	tir_buffer *y = topi_output(&b, "Y", dt.dtype, r, shape);
	if (b.status)
		return topi_builder_finish(&b, out);
	topi_nest n;
	topi_nest_begin(&b, &n, "gather", r, y->shape);
	tir_expr *ii[SB_MAX_RANK], *xi[SB_MAX_RANK];
	for (int d = 0; d < ind->ndim; d++)
		ii[d] = n.iv[a + d];
	for (int d = 0; d < data->ndim; d++)
		xi[d] = d < a ? n.iv[d] : d > a ? n.iv[d - 1 + ind->ndim] : NULL;
	xi[a] = wrap_index(&b, tir_load(ctx, ind, ind->ndim, ii), data->shape[a]);
	topi_nest_store(&b, &n, y, topi_load(&b, data, xi));
	return topi_builder_finish(&b, out);
}

sb_status topi_gather_elements(tir_ctx *ctx, const char *name, topi_tensor dt, topi_tensor it,
			       int64_t axis, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "gather_elements", name);
	any_dtype(&b, "data", dt.dtype);
	index_dtype(&b, "indices", it.dtype);
	if (!b.status && dt.ndim != it.ndim)
		topi_fail(&b, SB_ERR_INVALID, "indices have rank %d, data %d", it.ndim, dt.ndim);
	tir_buffer *data = b.status ? NULL : topi_input(&b, "data", dt);
	tir_buffer *ind = data ? topi_input(&b, "indices", it) : NULL;
	int a;
	if (!ind || !topi_axis(&b, axis, data->ndim, &a))
		return topi_builder_finish(&b, out);
	for (int d = 0; d < data->ndim; d++)
		if (d != a)
			topi_require(&b, tir_le(ctx, ind->shape[d], data->shape[d]),
				     "indices dim %d is larger than data's", d);
	require_gatherable(&b, data->shape[a], ind, a);
	tir_buffer *y = topi_output(&b, "Y", dt.dtype, ind->ndim, ind->shape);
	if (b.status)
		return topi_builder_finish(&b, out);
	topi_nest n;
	topi_nest_begin(&b, &n, "gather_elements", y->ndim, y->shape);
	tir_expr *xi[SB_MAX_RANK];
	for (int d = 0; d < data->ndim; d++)
		xi[d] = n.iv[d];
	xi[a] = wrap_index(&b, tir_load(ctx, ind, ind->ndim, n.iv), data->shape[a]);
	topi_nest_store(&b, &n, y, topi_load(&b, data, xi));
	return topi_builder_finish(&b, out);
}

sb_status topi_gather_nd(tir_ctx *ctx, const char *name, topi_tensor dt, topi_tensor it,
			 int64_t batch_dims, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "gather_nd", name);
	any_dtype(&b, "data", dt.dtype);
	index_dtype(&b, "indices", it.dtype);
	int r = dt.ndim, q = it.ndim;
	int64_t m = 0;
	if (!b.status && (batch_dims < 0 || batch_dims >= r || batch_dims >= q))
		topi_fail(&b, SB_ERR_INVALID, "batch_dims %lld must be below both ranks (%d, %d)",
			  (long long)batch_dims, r, q);
	if (!b.status && (!tir_expr_is_int_imm(it.shape[q - 1], &m) || m < 1 || m > r - batch_dims))
		topi_fail(&b, SB_ERR_INVALID,
			  "the last indices dim must be a constant in [1, %lld]",
			  (long long)(r - batch_dims));
	tir_buffer *data = b.status ? NULL : topi_input(&b, "data", dt);
	tir_buffer *ind = data ? topi_input(&b, "indices", it) : NULL;
	if (!ind)
		return topi_builder_finish(&b, out);
	int bd = (int)batch_dims, k = (int)m, orank = q - 1 + r - bd - k;
	tir_expr *shape[SB_MAX_RANK];
	int o = 0;
	for (int d = 0; d < q - 1; d++) {
		shape[o++] = ind->shape[d];
		if (d < bd)
			require_same(&b, ind->shape[d], data->shape[d],
				     "batch dim %d of indices differs from data's%.0d", d, 0);
	}
	for (int d = bd + k; d < r; d++)
		shape[o++] = data->shape[d];
	for (int j = 0; j < k; j++)
		require_gatherable(&b, data->shape[bd + j], ind, bd + j);
	tir_buffer *y = topi_output(&b, "Y", dt.dtype, orank, shape);
	if (b.status)
		return topi_builder_finish(&b, out);
	topi_nest n;
	topi_nest_begin(&b, &n, "gather_nd", orank, y->shape);
	tir_expr *ii[SB_MAX_RANK], *xi[SB_MAX_RANK];
	for (int d = 0; d < q - 1; d++)
		ii[d] = n.iv[d];
	for (int d = 0; d < bd; d++)
		xi[d] = n.iv[d];
	for (int j = 0; j < k; j++) {
		ii[q - 1] = I(&b, j);
		xi[bd + j] = wrap_index(&b, tir_load(ctx, ind, q, ii), data->shape[bd + j]);
	}
	for (int d = bd + k; d < r; d++)
		xi[d] = n.iv[q - 1 + d - bd - k];
	topi_nest_store(&b, &n, y, topi_load(&b, data, xi));
	return topi_builder_finish(&b, out);
}

/* ---- Scatter family ---- */

static tir_expr *scatter_combine(topi_builder *b, topi_scatter_reduction red, tir_expr *old,
				 tir_expr *upd, sb_dtype dt)
{
	tir_ctx *c = b->ctx;
	if (red == TOPI_SCATTER_NONE)
		return upd;
	if (dt == SB_BOOL) /* add and max are or, mul and min are and (numpy on bool) */
		return red == TOPI_SCATTER_ADD || red == TOPI_SCATTER_MAX ? tir_or(c, old, upd)
									  : tir_and(c, old, upd);
	sb_dtype cdt = topi_compute_dtype(dt);
	tir_expr *o = topi_convert(b, old, cdt), *u = topi_convert(b, upd, cdt), *r;
	switch (red) {
	case TOPI_SCATTER_ADD:
		r = tir_add(c, o, u);
		break;
	case TOPI_SCATTER_MUL:
		r = tir_mul(c, o, u);
		break;
	case TOPI_SCATTER_MAX:
		r = tir_select(c, tir_gt(c, u, o), u, o);
		break;
	default:
		r = tir_select(c, tir_lt(c, u, o), u, o);
		break;
	}
	return topi_convert(b, r, dt);
}

/* out = data (the first block of every scatter). */
static void scatter_copy(topi_builder *b, tir_buffer *data, tir_buffer *y)
{
	int id[SB_MAX_RANK];
	for (int d = 0; d < data->ndim; d++)
		id[d] = d;
	copy_into(b, "copy", data, y, id);
}

sb_status topi_scatter_elements(tir_ctx *ctx, const char *name, topi_tensor dt, topi_tensor it,
				topi_tensor ut, int64_t axis, topi_scatter_reduction red,
				tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "scatter_elements", name);
	any_dtype(&b, "data", dt.dtype);
	index_dtype(&b, "indices", it.dtype);
	if (!b.status && (dt.ndim != it.ndim || ut.ndim != it.ndim || ut.dtype != dt.dtype))
		topi_fail(&b, SB_ERR_INVALID,
			  "data, indices and updates must share a rank (updates data's dtype)");
	if (!b.status && (unsigned)red > TOPI_SCATTER_MIN)
		topi_fail(&b, SB_ERR_INVALID, "unknown reduction %d", (int)red);
	tir_buffer *data = b.status ? NULL : topi_input(&b, "data", dt);
	tir_buffer *ind = data ? topi_input(&b, "indices", it) : NULL;
	tir_buffer *upd = ind ? topi_input(&b, "updates", ut) : NULL;
	int a;
	if (!upd || !topi_axis(&b, axis, data->ndim, &a))
		return topi_builder_finish(&b, out);
	for (int d = 0; d < data->ndim; d++) {
		require_same(&b, upd->shape[d], ind->shape[d],
			     "updates dim %d differs from indices'%.0d", d, 0);
		if (d != a)
			topi_require(&b, tir_le(ctx, ind->shape[d], data->shape[d]),
				     "indices dim %d is larger than data's", d);
	}
	require_gatherable(&b, data->shape[a], ind, a);
	tir_buffer *y = topi_output(&b, "Y", dt.dtype, data->ndim, data->shape);
	if (b.status)
		return topi_builder_finish(&b, out);
	scatter_copy(&b, data, y);
	topi_nest n;
	topi_nest_begin_opaque(&b, &n, "scatter_elements", ind->ndim, ind->shape);
	tir_expr *yi[SB_MAX_RANK];
	for (int d = 0; d < data->ndim; d++)
		yi[d] = n.iv[d];
	yi[a] = wrap_index(&b, tir_load(ctx, ind, ind->ndim, n.iv), data->shape[a]);
	tir_expr *old = tir_load(ctx, y, y->ndim, yi);
	tir_expr *v = scatter_combine(&b, red, old, tir_load(ctx, upd, upd->ndim, n.iv), dt.dtype);
	topi_nest_end(&b, &n, NULL, tir_store(ctx, y, v, y->ndim, yi));
	return topi_builder_finish(&b, out);
}

sb_status topi_scatter_nd(tir_ctx *ctx, const char *name, topi_tensor dt, topi_tensor it,
			  topi_tensor ut, topi_scatter_reduction red, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "scatter_nd", name);
	any_dtype(&b, "data", dt.dtype);
	index_dtype(&b, "indices", it.dtype);
	int r = dt.ndim, q = it.ndim;
	int64_t m = 0;
	if (!b.status && (q < 1 || !tir_expr_is_int_imm(it.shape[q - 1], &m) || m < 1 || m > r))
		topi_fail(&b, SB_ERR_INVALID, "the last indices dim must be a constant in [1, %d]",
			  r);
	int k = (int)m;
	if (!b.status && (ut.ndim != q - 1 + r - k || ut.dtype != dt.dtype))
		topi_fail(
		    &b, SB_ERR_INVALID,
		    "updates must be shaped indices.shape[:-1] + data.shape[%d:], of data's dtype",
		    k);
	if (!b.status && (unsigned)red > TOPI_SCATTER_MIN)
		topi_fail(&b, SB_ERR_INVALID, "unknown reduction %d", (int)red);
	tir_buffer *data = b.status ? NULL : topi_input(&b, "data", dt);
	tir_buffer *ind = data ? topi_input(&b, "indices", it) : NULL;
	tir_buffer *upd = ind ? topi_input(&b, "updates", ut) : NULL;
	if (!upd)
		return topi_builder_finish(&b, out);
	for (int d = 0; d < q - 1; d++)
		require_same(&b, upd->shape[d], ind->shape[d],
			     "updates dim %d differs from indices'%.0d", d, 0);
	for (int d = k; d < r; d++)
		require_same(&b, upd->shape[q - 1 + d - k], data->shape[d],
			     "updates dim %d differs from data's%.0d", q - 1 + d - k, 0);
	for (int j = 0; j < k; j++)
		require_gatherable(&b, data->shape[j], ind, j);
	tir_buffer *y = topi_output(&b, "Y", dt.dtype, r, data->shape);
	if (b.status)
		return topi_builder_finish(&b, out);
	scatter_copy(&b, data, y);
	topi_nest n;
	topi_nest_begin_opaque(&b, &n, "scatter_nd", upd->ndim, upd->shape);
	tir_expr *ii[SB_MAX_RANK], *yi[SB_MAX_RANK];
	for (int d = 0; d < q - 1; d++)
		ii[d] = n.iv[d];
	for (int j = 0; j < k; j++) {
		ii[q - 1] = I(&b, j);
		yi[j] = wrap_index(&b, tir_load(ctx, ind, q, ii), data->shape[j]);
	}
	for (int d = k; d < r; d++)
		yi[d] = n.iv[q - 1 + d - k];
	tir_expr *old = tir_load(ctx, y, r, yi);
	tir_expr *v = scatter_combine(&b, red, old, tir_load(ctx, upd, upd->ndim, n.iv), dt.dtype);
	topi_nest_end(&b, &n, NULL, tir_store(ctx, y, v, r, yi));
	return topi_builder_finish(&b, out);
}

/* ---- Pad, tile, expand ---- */

sb_status topi_pad(tir_ctx *ctx, const char *name, topi_tensor xt, const topi_pad_params *p,
		   tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "pad", name);
	any_dtype(&b, "X", xt.dtype);
	if (!b.status && (!p || !p->pads))
		topi_fail(&b, SB_ERR_INVALID, "pads are required");
	if (!b.status && (unsigned)p->mode > TOPI_PAD_EDGE)
		topi_fail(&b, SB_ERR_INVALID, "unknown mode %d", (int)p->mode);
	tir_buffer *x = b.status ? NULL : topi_input(&b, "X", xt);
	if (!x)
		return topi_builder_finish(&b, out);
	int r = x->ndim;
	tir_expr *shape[SB_MAX_RANK];
	for (int d = 0; d < r; d++) {
		shape[d] =
		    topi_simplify(&b, tir_add(ctx, tir_add(ctx, x->shape[d], I(&b, p->pads[d])),
					      I(&b, p->pads[r + d])));
		char *xs = tir_expr_to_string(x->shape[d]);
		topi_require(&b, tir_ge(ctx, shape[d], I(&b, 0)),
			     "axis %d: pads %lld, %lld crop more than its %s elements", d,
			     (long long)p->pads[d], (long long)p->pads[r + d], xs);
		/* a padded axis is read through clamped indices: it needs elements */
		if (p->pads[d] != 0 || p->pads[r + d] != 0)
			topi_require(&b,
				     tir_or(ctx, tir_ge(ctx, x->shape[d], I(&b, 1)),
					    tir_eq(ctx, shape[d], I(&b, 0))),
				     "axis %d (%s) is empty; nothing to pad from", d, xs);
		free(xs);
	}
	tir_buffer *y = topi_output(&b, "Y", xt.dtype, r, shape);
	if (b.status)
		return topi_builder_finish(&b, out);
	topi_nest n;
	topi_nest_begin(&b, &n, "pad", r, y->shape);
	tir_expr *xi[SB_MAX_RANK], *inside = NULL;
	for (int d = 0; d < r; d++) {
		tir_expr *nd = x->shape[d];
		tir_expr *i = topi_simplify(&b, tir_sub(ctx, n.iv[d], I(&b, p->pads[d])));
		if (p->pads[d] == 0 && p->pads[r + d] <= 0) {
			xi[d] = i; /* in range by construction */
			continue;
		}
		switch (p->mode) {
		case TOPI_PAD_CONSTANT: {
			tir_expr *ok = tir_and(ctx, tir_ge(ctx, i, I(&b, 0)), tir_lt(ctx, i, nd));
			inside = inside ? tir_and(ctx, inside, ok) : ok;
			xi[d] = topi_clamp_index(&b, i, nd);
			break;
		}
		case TOPI_PAD_EDGE:
			xi[d] = topi_clamp_index(&b, i, nd);
			break;
		case TOPI_PAD_REFLECT: {
			/* period 2(n-1): i mod period, folded back; n == 1 reads 0 */
			tir_expr *period = tir_max(
			    ctx, tir_mul(ctx, tir_sub(ctx, nd, I(&b, 1)), I(&b, 2)), I(&b, 1));
			tir_expr *m = tir_floormod(ctx, i, period);
			tir_expr *src =
			    tir_select(ctx, tir_lt(ctx, m, nd), m, tir_sub(ctx, period, m));
			src = tir_select(ctx, tir_eq(ctx, nd, I(&b, 1)), I(&b, 0), src);
			xi[d] = topi_clamp_index(&b, src, nd);
			break;
		}
		}
	}
	tir_expr *v = topi_load(&b, x, xi);
	if (inside)
		v = tir_select(ctx, topi_simplify(&b, inside), v,
			       topi_const(&b, xt.dtype, p->value));
	topi_nest_store(&b, &n, y, v);
	return topi_builder_finish(&b, out);
}

sb_status topi_tile(tir_ctx *ctx, const char *name, topi_tensor xt, const int64_t *repeats,
		    tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "tile", name);
	any_dtype(&b, "X", xt.dtype);
	tir_buffer *x = b.status ? NULL : topi_input(&b, "X", xt);
	if (!x)
		return topi_builder_finish(&b, out);
	tir_expr *shape[SB_MAX_RANK];
	for (int d = 0; d < x->ndim; d++) {
		if (!repeats || repeats[d] < 0)
			return topi_fail(&b, SB_ERR_INVALID, "repeats[%d] must be >= 0", d),
			       topi_builder_finish(&b, out);
		shape[d] = tir_mul(ctx, x->shape[d], I(&b, repeats[d]));
	}
	tir_buffer *y = topi_output(&b, "Y", xt.dtype, x->ndim, shape);
	if (b.status)
		return topi_builder_finish(&b, out);
	topi_nest n;
	topi_nest_begin(&b, &n, "tile", y->ndim, y->shape);
	tir_expr *xi[SB_MAX_RANK];
	for (int d = 0; d < x->ndim; d++)
		xi[d] = repeats[d] == 1 ? n.iv[d] : tir_floormod(ctx, n.iv[d], x->shape[d]);
	topi_nest_store(&b, &n, y, topi_load(&b, x, xi));
	return topi_builder_finish(&b, out);
}

sb_status topi_expand(tir_ctx *ctx, const char *name, topi_tensor xt, int ndim,
		      tir_expr *const *shape, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "expand", name);
	any_dtype(&b, "X", xt.dtype);
	if (!b.status && (ndim < 0 || ndim > SB_MAX_RANK))
		topi_fail(&b, SB_ERR_UNSUPPORTED, "shape of rank %d", ndim);
	tir_buffer *x = b.status ? NULL : topi_input(&b, "X", xt);
	if (!x)
		return topi_builder_finish(&b, out);
	topi_tensor ts[2] = {xt, topi_tensor_make(xt.dtype, ndim, shape)};
	tir_expr *oshape[SB_MAX_RANK];
	int r = topi_broadcast_shapes(&b, 2, ts, oshape);
	tir_buffer *y = topi_output(&b, "Y", xt.dtype, r, oshape);
	if (b.status)
		return topi_builder_finish(&b, out);
	topi_nest n;
	topi_nest_begin(&b, &n, "expand", r, y->shape);
	topi_nest_store(&b, &n, y, topi_broadcast_load(&b, x, r, y->shape, n.iv));
	return topi_builder_finish(&b, out);
}

/* ---- Depth / space ---- */

sb_status topi_depth_to_space(tir_ctx *ctx, const char *name, topi_tensor xt, int64_t bs, bool crd,
			      tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "depth_to_space", name);
	any_dtype(&b, "X", xt.dtype);
	if (!b.status && (xt.ndim != 4 || bs < 1))
		topi_fail(&b, SB_ERR_INVALID,
			  "needs a 4-D input and blocksize >= 1 (rank %d, blocksize %lld)", xt.ndim,
			  (long long)bs);
	tir_buffer *x = b.status ? NULL : topi_input(&b, "X", xt);
	if (!x)
		return topi_builder_finish(&b, out);
	tir_expr *c = x->shape[1], *bb = I(&b, bs * bs);
	char *cs = tir_expr_to_string(c);
	topi_require(&b, tir_eq(ctx, tir_floormod(ctx, c, bb), I(&b, 0)),
		     "channels (%s) are not a multiple of blocksize^2 = %lld", cs,
		     (long long)(bs * bs));
	free(cs);
	tir_expr *cq = topi_simplify(&b, tir_floordiv(ctx, c, bb));
	tir_expr *shape[4] = {x->shape[0], cq, tir_mul(ctx, x->shape[2], I(&b, bs)),
			      tir_mul(ctx, x->shape[3], I(&b, bs))};
	tir_buffer *y = topi_output(&b, "Y", xt.dtype, 4, shape);
	if (b.status)
		return topi_builder_finish(&b, out);
	topi_nest n;
	topi_nest_begin(&b, &n, "depth_to_space", 4, y->shape);
	tir_expr *h = n.iv[2], *w = n.iv[3], *B = I(&b, bs);
	tir_expr *bh = tir_floormod(ctx, h, B), *bw = tir_floormod(ctx, w, B);
	tir_expr *blk = tir_add(ctx, tir_mul(ctx, bh, B), bw);
	tir_expr *ch = crd ? tir_add(ctx, tir_mul(ctx, n.iv[1], bb), blk)
			   : tir_add(ctx, tir_mul(ctx, blk, cq), n.iv[1]);
	tir_expr *xi[4] = {n.iv[0], ch, tir_floordiv(ctx, h, B), tir_floordiv(ctx, w, B)};
	topi_nest_store(&b, &n, y, topi_load(&b, x, xi));
	return topi_builder_finish(&b, out);
}

sb_status topi_space_to_depth(tir_ctx *ctx, const char *name, topi_tensor xt, int64_t bs,
			      tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "space_to_depth", name);
	any_dtype(&b, "X", xt.dtype);
	if (!b.status && (xt.ndim != 4 || bs < 1))
		topi_fail(&b, SB_ERR_INVALID,
			  "needs a 4-D input and blocksize >= 1 (rank %d, blocksize %lld)", xt.ndim,
			  (long long)bs);
	tir_buffer *x = b.status ? NULL : topi_input(&b, "X", xt);
	if (!x)
		return topi_builder_finish(&b, out);
	tir_expr *B = I(&b, bs);
	for (int d = 2; d < 4; d++) {
		char *ds = tir_expr_to_string(x->shape[d]);
		topi_require(&b, tir_eq(ctx, tir_floormod(ctx, x->shape[d], B), I(&b, 0)),
			     "dim %d (%s) is not a multiple of blocksize %lld", d, ds,
			     (long long)bs);
		free(ds);
	}
	tir_expr *c = x->shape[1];
	tir_expr *shape[4] = {x->shape[0], tir_mul(ctx, c, I(&b, bs * bs)),
			      tir_floordiv(ctx, x->shape[2], B), tir_floordiv(ctx, x->shape[3], B)};
	tir_buffer *y = topi_output(&b, "Y", xt.dtype, 4, shape);
	if (b.status)
		return topi_builder_finish(&b, out);
	/* y[n, (bh*b + bw)*C + c, h, w] = x[n, c, h*b + bh, w*b + bw] */
	topi_nest n;
	topi_nest_begin(&b, &n, "space_to_depth", 4, y->shape);
	tir_expr *blk = tir_floordiv(ctx, n.iv[1], c);
	tir_expr *xi[4] = {n.iv[0], tir_floormod(ctx, n.iv[1], c),
			   tir_add(ctx, tir_mul(ctx, n.iv[2], B), tir_floordiv(ctx, blk, B)),
			   tir_add(ctx, tir_mul(ctx, n.iv[3], B), tir_floormod(ctx, blk, B))};
	topi_nest_store(&b, &n, y, topi_load(&b, x, xi));
	return topi_builder_finish(&b, out);
}

/* ---- Trilu, one_hot, range, eye_like, full ---- */

sb_status topi_trilu(tir_ctx *ctx, const char *name, topi_tensor xt, int64_t k, bool upper,
		     tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "trilu", name);
	any_dtype(&b, "X", xt.dtype);
	if (!b.status && xt.ndim < 2)
		topi_fail(&b, SB_ERR_INVALID, "input must have rank >= 2, got %d", xt.ndim);
	tir_buffer *x = b.status ? NULL : topi_input(&b, "X", xt);
	tir_buffer *y = x ? topi_output(&b, "Y", xt.dtype, x->ndim, x->shape) : NULL;
	if (!y)
		return topi_builder_finish(&b, out);
	/* beyond +-2^40 every k acts the same; keeps i + k from overflowing */
	k = SB_MAX(SB_MIN(k, (int64_t)1 << 40), -((int64_t)1 << 40));
	topi_nest n;
	topi_nest_begin(&b, &n, "trilu", y->ndim, y->shape);
	tir_expr *i = n.iv[y->ndim - 2], *j = n.iv[y->ndim - 1];
	tir_expr *ik = tir_add(ctx, i, I(&b, k));
	tir_expr *keep = upper ? tir_ge(ctx, j, ik) : tir_le(ctx, j, ik);
	topi_nest_store(
	    &b, &n, y,
	    tir_select(ctx, keep, tir_load(ctx, x, x->ndim, n.iv), topi_const(&b, xt.dtype, 0)));
	return topi_builder_finish(&b, out);
}

sb_status topi_one_hot(tir_ctx *ctx, const char *name, topi_tensor it, topi_tensor vt,
		       tir_expr *depth, int64_t axis, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "one_hot", name);
	if (!b.status && !sb_dtype_is_int(it.dtype) && !sb_dtype_is_float(it.dtype))
		topi_fail(&b, SB_ERR_INVALID, "indices must be numeric");
	any_dtype(&b, "values", vt.dtype);
	if (!b.status && (vt.ndim != 1 || !tir_expr_is_const(vt.shape[0], 2)))
		topi_fail(&b, SB_ERR_INVALID, "values must be 1-D [off_value, on_value]");
	if (!b.status && (!depth || !tir_type_is_int(depth->type)))
		topi_fail(&b, SB_ERR_INVALID, "depth must be an integer expression");
	tir_buffer *ind = b.status ? NULL : topi_input(&b, "indices", it);
	tir_buffer *val = ind ? topi_input(&b, "values", vt) : NULL;
	int a;
	if (!val || !topi_axis(&b, axis, ind->ndim + 1, &a))
		return topi_builder_finish(&b, out);
	if (depth->type.dtype != SB_I64)
		depth = tir_cast(ctx, TIR_INDEX_TYPE, depth);
	tir_expr *shape[SB_MAX_RANK];
	for (int d = 0, k = 0; d <= ind->ndim; d++)
		shape[d] = d == a ? depth : ind->shape[k++];
	tir_buffer *y = topi_output(&b, "Y", vt.dtype, ind->ndim + 1, shape);
	if (b.status)
		return topi_builder_finish(&b, out);
	topi_nest n;
	topi_nest_begin(&b, &n, "one_hot", y->ndim, y->shape);
	tir_expr *ii[SB_MAX_RANK];
	for (int d = 0, k = 0; d <= ind->ndim; d++)
		if (d != a)
			ii[k++] = n.iv[d];
	tir_expr *v = tir_load(ctx, ind, ind->ndim, ii), *idx, *ok;
	if (sb_dtype_is_float(it.dtype)) {
		/* a float index truncates; outside (-depth-1, depth) matches nothing */
		tir_expr *fd = tir_cast(ctx, tir_type_scalar(SB_F64), depth);
		tir_expr *vd = topi_convert(&b, v, SB_F64);
		ok = tir_and(ctx,
			     tir_gt(ctx, vd,
				    tir_sub(ctx, tir_sub(ctx, topi_const(&b, SB_F64, 0), fd),
					    topi_const(&b, SB_F64, 1))),
			     tir_lt(ctx, vd, fd));
		idx = tir_cast(ctx, TIR_INDEX_TYPE,
			       tir_select(ctx, ok, vd, topi_const(&b, SB_F64, 0)));
	} else {
		idx = topi_convert(&b, v, SB_I64);
		ok = tir_bool(ctx, true);
	}
	ok = tir_and(
	    ctx, ok,
	    tir_and(ctx, tir_ge(ctx, idx, tir_sub(ctx, I(&b, 0), depth)), tir_lt(ctx, idx, depth)));
	idx = tir_select(ctx, tir_lt(ctx, idx, I(&b, 0)), tir_add(ctx, idx, depth), idx);
	tir_expr *hit = tir_and(ctx, ok, tir_eq(ctx, idx, n.iv[a]));
	tir_expr *on = tir_load(ctx, val, 1, (tir_expr *[]){I(&b, 1)});
	tir_expr *off = tir_load(ctx, val, 1, (tir_expr *[]){I(&b, 0)});
	topi_nest_store(&b, &n, y, tir_select(ctx, hit, on, off));
	return topi_builder_finish(&b, out);
}

sb_status topi_range(tir_ctx *ctx, const char *name, sb_dtype dt, tir_expr *length, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "range", name);
	if (!(dt == SB_F32 || dt == SB_F64 || dt == SB_I16 || dt == SB_I32 || dt == SB_I64))
		topi_fail(&b, SB_ERR_UNSUPPORTED, "dtype %s is not supported",
			  dt > SB_DT_INVALID && dt < SB_DT_COUNT ? sb_dtype_name(dt) : "invalid");
	if (!b.status && (!length || !tir_type_is_int(length->type)))
		topi_fail(&b, SB_ERR_INVALID, "length must be an integer expression");
	topi_tensor s = topi_tensor_make(dt, 0, NULL);
	tir_buffer *start = b.status ? NULL : topi_input(&b, "start", s);
	tir_buffer *limit = start ? topi_input(&b, "limit", s) : NULL;
	tir_buffer *delta = limit ? topi_input(&b, "delta", s) : NULL;
	tir_buffer *y = delta ? topi_output(&b, "Y", dt, 1, &length) : NULL;
	if (!y)
		return topi_builder_finish(&b, out);
	topi_nest n;
	topi_nest_begin(&b, &n, "range", 1, y->shape);
	tir_expr *s0 = tir_load(ctx, start, 0, NULL), *d0 = tir_load(ctx, delta, 0, NULL), *v;
	if (sb_dtype_is_float(dt)) /* in float64, as numpy */
		v = tir_add(
		    ctx, topi_convert(&b, s0, SB_F64),
		    tir_mul(ctx, topi_convert(&b, n.iv[0], SB_F64), topi_convert(&b, d0, SB_F64)));
	else
		v = tir_add(ctx, s0, tir_mul(ctx, topi_convert(&b, n.iv[0], dt), d0));
	topi_nest_store(&b, &n, y, topi_convert(&b, v, dt));
	return topi_builder_finish(&b, out);
}

sb_status topi_eye_like(tir_ctx *ctx, const char *name, topi_tensor xt, sb_dtype dt, int64_t k,
			tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "eye_like", name);
	any_dtype(&b, "X", xt.dtype);
	any_dtype(&b, "the output", dt);
	if (!b.status && xt.ndim != 2)
		topi_fail(&b, SB_ERR_INVALID, "input must be 2-D, got rank %d", xt.ndim);
	tir_buffer *x = b.status ? NULL : topi_input(&b, "X", xt);
	tir_buffer *y = x ? topi_output(&b, "Y", dt, 2, x->shape) : NULL;
	if (!y)
		return topi_builder_finish(&b, out);
	k = SB_MAX(SB_MIN(k, (int64_t)1 << 40), -((int64_t)1 << 40));
	topi_nest n;
	topi_nest_begin(&b, &n, "eye_like", 2, y->shape);
	tir_expr *on = tir_eq(ctx, n.iv[1], tir_add(ctx, n.iv[0], I(&b, k)));
	topi_nest_store(&b, &n, y,
			tir_select(ctx, on, topi_const(&b, dt, 1), topi_const(&b, dt, 0)));
	return topi_builder_finish(&b, out);
}

sb_status topi_full(tir_ctx *ctx, const char *name, sb_dtype dt, int ndim, tir_expr *const *shape,
		    double value, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "full", name);
	any_dtype(&b, "the output", dt);
	tir_buffer *y = b.status ? NULL : topi_output(&b, "Y", dt, ndim, shape);
	if (y) {
		topi_nest n;
		topi_nest_begin(&b, &n, "full", y->ndim, y->shape);
		topi_nest_store(&b, &n, y, topi_const(&b, dt, value));
	}
	return topi_builder_finish(&b, out);
}

sb_status topi_shape_of(tir_ctx *ctx, const char *name, topi_tensor xt, int64_t start, int64_t end,
			tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "shape_of", name);
	any_dtype(&b, "X", xt.dtype);
	tir_buffer *x = b.status ? NULL : topi_input(&b, "X", xt);
	if (!x)
		return topi_builder_finish(&b, out);
	int r = x->ndim;
	int64_t s0 = start < 0 ? start + r : start, e0 = end < 0 ? end + r : end;
	s0 = SB_MIN(SB_MAX(s0, 0), r);
	e0 = SB_MIN(SB_MAX(e0, 0), r);
	int64_t len = SB_MAX(e0 - s0, 0);
	tir_expr *shape[1] = {I(&b, len)};
	tir_buffer *y = topi_output(&b, "Y", SB_I64, 1, shape);
	if (b.status)
		return topi_builder_finish(&b, out);
	topi_nest n;
	topi_nest_begin(&b, &n, "shape_of", 1, y->shape);
	tir_expr *v = I(&b, 0);
	for (int64_t i = len - 1; i >= 0; i--)
		v = tir_select(ctx, tir_eq(ctx, n.iv[0], I(&b, i)), x->shape[s0 + i], v);
	topi_nest_store(&b, &n, y, v);
	return topi_builder_finish(&b, out);
}

sb_status topi_size(tir_ctx *ctx, const char *name, topi_tensor xt, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "size", name);
	any_dtype(&b, "X", xt.dtype);
	tir_buffer *x = b.status ? NULL : topi_input(&b, "X", xt);
	tir_buffer *y = x ? topi_output(&b, "Y", SB_I64, 0, NULL) : NULL;
	if (y) {
		topi_nest n;
		topi_nest_begin(&b, &n, "size", 0, NULL);
		topi_nest_store(&b, &n, y, product(&b, x->ndim, x->shape));
	}
	return topi_builder_finish(&b, out);
}
