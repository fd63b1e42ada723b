/* Normalisations (inference): BatchNormalization, InstanceNormalization,
 * LayerNormalization, LRN, MeanVarianceNormalization.  Statistics are
 * reductions into intermediate buffers (mean, then variance as the mean
 * of squared deviations, two passes), followed by one elementwise block
 * over the input.  Everything computes in the compute dtype (float32 for
 * the half types). */
#include <stdio.h>

#include "topi.h"

static tir_expr *intrin1(topi_builder *b, tir_intrin in, tir_expr *v)
{
	return tir_call(b->ctx, in, 1, &v);
}

static bool float_input(topi_builder *b, const char *what, sb_dtype dt)
{
	if (b->status)
		return false;
	if (sb_dtype_is_float(dt))
		return true;
	topi_fail(b, SB_ERR_UNSUPPORTED, "%s has dtype %s; float types only", what,
		  dt > SB_DT_INVALID && dt < SB_DT_COUNT ? sb_dtype_name(dt) : "invalid");
	return false;
}

/* A per-channel parameter: 1-D, as long as x's dim 1. */
static tir_buffer *channel_param(topi_builder *b, const char *name, topi_tensor t, tir_expr *c)
{
	if (!float_input(b, name, t.dtype))
		return NULL;
	if (t.ndim != 1) {
		topi_fail(b, SB_ERR_INVALID, "%s must be 1-D, got rank %d", name, t.ndim);
		return NULL;
	}
	tir_buffer *p = topi_input(b, name, t);
	if (p) {
		char *cs = tir_expr_to_string(c), *ps = tir_expr_to_string(p->shape[0]);
		topi_require(b, tir_eq(b->ctx, p->shape[0], c),
			     "%s has %s elements for %s channels", name, ps, cs);
		free(cs);
		free(ps);
	}
	return p;
}

static tir_expr *load_as(topi_builder *b, tir_buffer *buf, tir_expr *const *idx, sb_dtype dt)
{
	return topi_convert(b, topi_load(b, buf, idx), dt);
}

/* Sums for the moments of x over the dims in mask: sum[..] = sum(x),
 * sqdev[..] = sum((x - sum/count)^2), shaped like x with the reduced dims
 * removed (or kept as 1 with keep).  Returns count, in cdt: the mean is
 * sum/count, the variance sqdev/count. */
static tir_expr *moments(topi_builder *b, tir_buffer *x, const bool *mask, bool keep,
			 tir_buffer *sum, tir_buffer *sqdev, sb_dtype cdt)
{
	tir_ctx *c = b->ctx;
	tir_expr *count = tir_int(c, 1);
	for (int d = 0; d < x->ndim; d++)
		if (mask[d])
			count = tir_mul(c, count, x->shape[d]);
	count = tir_cast(c, tir_type_scalar(cdt), topi_simplify(b, count));
	for (int pass = 0; pass < 2; pass++) {
		tir_buffer *acc = pass ? sqdev : sum;
		topi_nest n;
		topi_nest_begin(b, &n, pass ? "sqdev" : "sum", acc->ndim, acc->shape);
		tir_expr *xi[SB_MAX_RANK];
		int j = 0;
		for (int d = 0; d < x->ndim; d++) {
			if (mask[d]) {
				xi[d] = topi_nest_reduce_axis(b, &n, x->shape[d]);
				j += keep;
			} else {
				xi[d] = n.iv[j++];
			}
		}
		tir_expr *v = load_as(b, x, xi, cdt);
		if (pass) {
			tir_expr *m = tir_div(c, tir_load(c, sum, sum->ndim, n.iv), count);
			tir_expr *dv = tir_sub(c, v, m);
			v = tir_mul(c, dv, dv);
		}
		topi_nest_reduce(b, &n, acc, topi_const(b, cdt, 0),
				 tir_add(c, topi_nest_acc(b, &n, acc), v));
	}
	return count;
}

/* The statistic's index for element xi of x. */
static void stat_index(const tir_buffer *x, const bool *mask, bool keep, tir_expr *const *xi,
		       tir_expr *zero, tir_expr **si)
{
	int j = 0;
	for (int d = 0; d < x->ndim; d++) {
		if (!mask[d])
			si[j++] = xi[d];
		else if (keep)
			si[j++] = zero;
	}
}

sb_status topi_batch_norm(tir_ctx *ctx, const char *name, topi_tensor xt, topi_tensor scale,
			  topi_tensor bias, topi_tensor mean, topi_tensor var, double epsilon,
			  tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "batch_norm", name);
	if (float_input(&b, "X", xt.dtype) && xt.ndim < 2)
		topi_fail(&b, SB_ERR_INVALID, "input must be N x C x ..., got rank %d", xt.ndim);
	tir_buffer *x = b.status ? NULL : topi_input(&b, "X", xt);
	if (!x)
		return topi_builder_finish(&b, out);
	tir_buffer *p[4] = {
	    channel_param(&b, "scale", scale, x->shape[1]),
	    channel_param(&b, "B", bias, x->shape[1]),
	    channel_param(&b, "mean", mean, x->shape[1]),
	    channel_param(&b, "var", var, x->shape[1]),
	};
	tir_buffer *y = topi_output(&b, "Y", xt.dtype, x->ndim, x->shape);
	if (b.status)
		return topi_builder_finish(&b, out);
	sb_dtype cdt = topi_compute_dtype(xt.dtype);
	topi_nest n;
	topi_nest_begin(&b, &n, "batch_norm", y->ndim, y->shape);
	tir_expr *ch = n.iv[1], *v[4];
	for (int i = 0; i < 4; i++)
		v[i] = load_as(&b, p[i], &ch, cdt);
	tir_expr *inv =
	    intrin1(&b, TIR_INTRIN_SQRT, tir_add(ctx, v[3], topi_const(&b, cdt, epsilon)));
	tir_expr *xv = load_as(&b, x, n.iv, cdt);
	tir_expr *r =
	    tir_add(ctx, tir_mul(ctx, tir_div(ctx, tir_sub(ctx, xv, v[2]), inv), v[0]), v[1]);
	topi_nest_store(&b, &n, y, topi_convert(&b, r, xt.dtype));
	return topi_builder_finish(&b, out);
}

sb_status topi_instance_norm(tir_ctx *ctx, const char *name, topi_tensor xt, topi_tensor scale,
			     topi_tensor bias, double epsilon, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "instance_norm", name);
	if (float_input(&b, "X", xt.dtype) && xt.ndim < 3)
		topi_fail(&b, SB_ERR_INVALID, "input must be N x C x D1 x ..., got rank %d",
			  xt.ndim);
	tir_buffer *x = b.status ? NULL : topi_input(&b, "X", xt);
	if (!x)
		return topi_builder_finish(&b, out);
	tir_buffer *s = channel_param(&b, "scale", scale, x->shape[1]);
	tir_buffer *bi = channel_param(&b, "B", bias, x->shape[1]);
	tir_buffer *y = topi_output(&b, "Y", xt.dtype, x->ndim, x->shape);
	sb_dtype cdt = topi_compute_dtype(xt.dtype);
	bool mask[SB_MAX_RANK] = {false};
	for (int d = 2; d < x->ndim; d++)
		mask[d] = true;
	tir_buffer *sum = topi_temp(&b, "sum", cdt, 2, x->shape);
	tir_buffer *sqdev = topi_temp(&b, "sqdev", cdt, 2, x->shape);
	if (b.status)
		return topi_builder_finish(&b, out);
	tir_expr *count = moments(&b, x, mask, false, sum, sqdev, cdt);
	topi_nest n;
	topi_nest_begin(&b, &n, "instance_norm", y->ndim, y->shape);
	tir_expr *m = tir_div(ctx, tir_load(ctx, sum, 2, n.iv), count);
	tir_expr *vr = tir_div(ctx, tir_load(ctx, sqdev, 2, n.iv), count);
	tir_expr *ch = n.iv[1];
	tir_expr *den =
	    intrin1(&b, TIR_INTRIN_SQRT, tir_add(ctx, vr, topi_const(&b, cdt, epsilon)));
	tir_expr *r = tir_div(ctx, tir_sub(ctx, load_as(&b, x, n.iv, cdt), m), den);
	r = tir_add(ctx, tir_mul(ctx, r, load_as(&b, s, &ch, cdt)), load_as(&b, bi, &ch, cdt));
	topi_nest_store(&b, &n, y, topi_convert(&b, r, xt.dtype));
	return topi_builder_finish(&b, out);
}

/* Scale / B of LayerNormalization: broadcast one way to x.shape[axis:]. */
static tir_buffer *norm_param(topi_builder *b, const char *name, topi_tensor t, tir_buffer *x,
			      int axis, sb_dtype dt)
{
	if (b->status)
		return NULL;
	if (t.dtype != dt) {
		topi_fail(b, SB_ERR_INVALID, "%s is %s, X is %s", name, sb_dtype_name(t.dtype),
			  sb_dtype_name(dt));
		return NULL;
	}
	if (t.ndim > x->ndim - axis) {
		topi_fail(b, SB_ERR_INVALID, "%s has rank %d, more than the %d normalised dims",
			  name, t.ndim, x->ndim - axis);
		return NULL;
	}
	tir_buffer *p = topi_input(b, name, t);
	for (int d = 0; p && d < p->ndim; d++) {
		tir_expr *pd = p->shape[d], *xd = x->shape[x->ndim - p->ndim + d];
		topi_require(
		    b,
		    tir_or(b->ctx, tir_eq(b->ctx, pd, tir_int(b->ctx, 1)), tir_eq(b->ctx, pd, xd)),
		    "%s dim %d does not broadcast to X dim %d", name, d, x->ndim - p->ndim + d);
	}
	return p;
}

sb_status topi_layer_norm(tir_ctx *ctx, const char *name, topi_tensor xt, topi_tensor scale,
			  const topi_tensor *bias, const topi_layer_norm_params *p, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "layer_norm", name);
	topi_layer_norm_params def = {.axis = -1, .epsilon = 1e-5, .nout = 1};
	if (!p)
		p = &def;
	int nout = p->nout ? p->nout : 1;
	if (nout < 1 || nout > 3)
		topi_fail(&b, SB_ERR_INVALID, "has 1 to 3 outputs, not %d", nout);
	if (float_input(&b, "X", xt.dtype) && xt.ndim < 1)
		topi_fail(&b, SB_ERR_INVALID, "input must have rank >= 1");
	tir_buffer *x = b.status ? NULL : topi_input(&b, "X", xt);
	int axis;
	if (!x || !topi_axis(&b, p->axis, x->ndim, &axis))
		return topi_builder_finish(&b, out);
	tir_buffer *s = norm_param(&b, "Scale", scale, x, axis, xt.dtype);
	tir_buffer *bi = bias ? norm_param(&b, "B", *bias, x, axis, xt.dtype) : NULL;
	tir_buffer *y = topi_output(&b, "Y", xt.dtype, x->ndim, x->shape);
	tir_expr *sshape[SB_MAX_RANK];
	bool mask[SB_MAX_RANK] = {false};
	for (int d = 0; d < x->ndim; d++) {
		mask[d] = d >= axis;
		sshape[d] = mask[d] ? tir_int(ctx, 1) : x->shape[d];
	}
	/* Mean and InvStdDev are float32 (stash_type's default) */
	tir_buffer *mo = nout > 1 ? topi_output(&b, "Mean", SB_F32, x->ndim, sshape) : NULL;
	tir_buffer *io = nout > 2 ? topi_output(&b, "InvStdDev", SB_F32, x->ndim, sshape) : NULL;
	sb_dtype cdt = topi_compute_dtype(xt.dtype);
	tir_buffer *sum = topi_temp(&b, "sum", cdt, x->ndim, sshape);
	tir_buffer *sqdev = topi_temp(&b, "sqdev", cdt, x->ndim, sshape);
	if (b.status)
		return topi_builder_finish(&b, out);
	tir_expr *count = moments(&b, x, mask, true, sum, sqdev, cdt);
	topi_nest n;
	topi_nest_begin(&b, &n, "layer_norm", y->ndim, y->shape);
	tir_expr *si[SB_MAX_RANK];
	stat_index(x, mask, true, n.iv, tir_int(ctx, 0), si);
	tir_expr *m = tir_div(ctx, tir_load(ctx, sum, x->ndim, si), count);
	tir_expr *vr = tir_div(ctx, tir_load(ctx, sqdev, x->ndim, si), count);
	tir_expr *inv = tir_div(
	    ctx, topi_const(&b, cdt, 1),
	    intrin1(&b, TIR_INTRIN_SQRT, tir_add(ctx, vr, topi_const(&b, cdt, p->epsilon))));
	tir_expr *r =
	    tir_mul(ctx, tir_mul(ctx, tir_sub(ctx, load_as(&b, x, n.iv, cdt), m), inv),
		    topi_convert(&b, topi_broadcast_load(&b, s, x->ndim, x->shape, n.iv), cdt));
	if (bi)
		r = tir_add(
		    ctx, r,
		    topi_convert(&b, topi_broadcast_load(&b, bi, x->ndim, x->shape, n.iv), cdt));
	topi_nest_store(&b, &n, y, topi_convert(&b, r, xt.dtype));
	if (mo || io) {
		topi_nest_begin(&b, &n, "stats", x->ndim, sshape);
		tir_expr *mv = tir_div(ctx, tir_load(ctx, sum, x->ndim, n.iv), count);
		tir_expr *vv = tir_div(ctx, tir_load(ctx, sqdev, x->ndim, n.iv), count);
		tir_expr *iv = tir_div(ctx, topi_const(&b, cdt, 1),
				       intrin1(&b, TIR_INTRIN_SQRT,
					       tir_add(ctx, vv, topi_const(&b, cdt, p->epsilon))));
		tir_stmt *st[2] = {
		    tir_store(ctx, mo, topi_convert(&b, mv, SB_F32), x->ndim, n.iv),
		    io ? tir_store(ctx, io, topi_convert(&b, iv, SB_F32), x->ndim, n.iv) : NULL,
		};
		topi_nest_end(&b, &n, NULL, tir_seq(ctx, 2, st));
	}
	return topi_builder_finish(&b, out);
}

sb_status topi_lrn(tir_ctx *ctx, const char *name, topi_tensor xt, const topi_lrn_params *p,
		   tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "lrn", name);
	if (!p || p->size <= 0)
		topi_fail(&b, SB_ERR_INVALID, "size must be a positive integer");
	if (float_input(&b, "X", xt.dtype) && xt.ndim < 3)
		topi_fail(&b, SB_ERR_INVALID, "input must be N x C x D1 x ..., got rank %d",
			  xt.ndim);
	tir_buffer *x = b.status ? NULL : topi_input(&b, "X", xt);
	if (!x)
		return topi_builder_finish(&b, out);
	tir_buffer *y = topi_output(&b, "Y", xt.dtype, x->ndim, x->shape);
	sb_dtype cdt = topi_compute_dtype(xt.dtype);
	tir_buffer *sq = topi_temp(&b, "sqsum", cdt, x->ndim, x->shape);
	if (b.status)
		return topi_builder_finish(&b, out);
	/* the window around channel ch: [ch - lo, ch + size - 1 - lo] */
	int64_t lo = (p->size - 1) / 2;
	topi_nest n;
	topi_nest_begin(&b, &n, "sqsum", x->ndim, x->shape);
	tir_expr *r = topi_nest_reduce_axis(&b, &n, tir_int(ctx, p->size));
	tir_expr *k = tir_add(ctx, tir_sub(ctx, n.iv[1], tir_int(ctx, lo)), r);
	tir_expr *inside =
	    tir_and(ctx, tir_ge(ctx, k, tir_int(ctx, 0)), tir_lt(ctx, k, x->shape[1]));
	tir_expr *xi[SB_MAX_RANK];
	for (int d = 0; d < x->ndim; d++)
		xi[d] = d == 1 ? topi_clamp_index(&b, k, x->shape[1]) : n.iv[d];
	tir_expr *v = load_as(&b, x, xi, cdt), *zero = topi_const(&b, cdt, 0);
	topi_nest_reduce(&b, &n, sq, zero,
			 tir_add(ctx, topi_nest_acc(&b, &n, sq),
				 tir_select(ctx, inside, tir_mul(ctx, v, v), zero)));
	topi_nest_begin(&b, &n, "lrn", y->ndim, y->shape);
	tir_expr *base = tir_add(ctx, topi_const(&b, cdt, p->bias),
				 tir_mul(ctx, topi_const(&b, cdt, p->alpha / (double)p->size),
					 tir_load(ctx, sq, sq->ndim, n.iv)));
	tir_expr *den =
	    tir_call(ctx, TIR_INTRIN_POW, 2, (tir_expr *[]){base, topi_const(&b, cdt, p->beta)});
	topi_nest_store(&b, &n, y,
			topi_convert(&b, tir_div(ctx, load_as(&b, x, n.iv, cdt), den), xt.dtype));
	return topi_builder_finish(&b, out);
}

sb_status topi_mvn(tir_ctx *ctx, const char *name, topi_tensor xt, const topi_mvn_params *p,
		   tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "mvn", name);
	static const int64_t def_axes[3] = {0, 2, 3};
	int naxes = p && p->naxes ? p->naxes : 3;
	const int64_t *axes = p && p->naxes ? p->axes : def_axes;
	tir_buffer *x = float_input(&b, "X", xt.dtype) ? topi_input(&b, "X", xt) : NULL;
	bool mask[SB_MAX_RANK] = {false};
	for (int i = 0; x && i < naxes && !b.status; i++) {
		int a;
		if (!topi_axis(&b, axes[i], x->ndim, &a))
			break;
		if (mask[a])
			topi_fail(&b, SB_ERR_INVALID, "axis %lld is repeated", (long long)axes[i]);
		mask[a] = true;
	}
	if (b.status)
		return topi_builder_finish(&b, out);
	tir_buffer *y = topi_output(&b, "Y", xt.dtype, x->ndim, x->shape);
	sb_dtype cdt = topi_compute_dtype(xt.dtype);
	tir_expr *sshape[SB_MAX_RANK];
	for (int d = 0; d < x->ndim; d++)
		sshape[d] = mask[d] ? tir_int(ctx, 1) : x->shape[d];
	tir_buffer *sum = topi_temp(&b, "sum", cdt, x->ndim, sshape);
	tir_buffer *sumsq = topi_temp(&b, "sumsq", cdt, x->ndim, sshape);
	if (b.status)
		return topi_builder_finish(&b, out);
	/* mean and mean of squares in one block each, as the ONNX function
	 * body: std = sqrt(max(E[x^2] - E[x]^2, 0)) */
	tir_expr *count = tir_int(ctx, 1);
	for (int d = 0; d < x->ndim; d++)
		if (mask[d])
			count = tir_mul(ctx, count, x->shape[d]);
	count = tir_cast(ctx, tir_type_scalar(cdt), topi_simplify(&b, count));
	for (int pass = 0; pass < 2; pass++) {
		tir_buffer *acc = pass ? sumsq : sum;
		topi_nest n;
		topi_nest_begin(&b, &n, pass ? "sumsq" : "sum", x->ndim, sshape);
		tir_expr *xi[SB_MAX_RANK];
		for (int d = 0; d < x->ndim; d++)
			xi[d] = mask[d] ? topi_nest_reduce_axis(&b, &n, x->shape[d]) : n.iv[d];
		tir_expr *v = load_as(&b, x, xi, cdt);
		if (pass)
			v = tir_mul(ctx, v, v);
		topi_nest_reduce(&b, &n, acc, topi_const(&b, cdt, 0),
				 tir_add(ctx, topi_nest_acc(&b, &n, acc), v));
	}
	topi_nest n;
	topi_nest_begin(&b, &n, "mvn", y->ndim, y->shape);
	tir_expr *si[SB_MAX_RANK];
	for (int d = 0; d < x->ndim; d++)
		si[d] = mask[d] ? tir_int(ctx, 0) : n.iv[d];
	tir_expr *m = tir_div(ctx, tir_load(ctx, sum, x->ndim, si), count);
	tir_expr *m2 = tir_div(ctx, tir_load(ctx, sumsq, x->ndim, si), count);
	tir_expr *var = tir_sub(ctx, m2, tir_mul(ctx, m, m)), *zero = topi_const(&b, cdt, 0);
	var = tir_select(ctx, tir_gt(ctx, var, zero), var, zero);
	tir_expr *den = tir_add(ctx, intrin1(&b, TIR_INTRIN_SQRT, var), topi_const(&b, cdt, 1e-9));
	tir_expr *r = tir_div(ctx, tir_sub(ctx, load_as(&b, x, n.iv, cdt), m), den);
	topi_nest_store(&b, &n, y, topi_convert(&b, r, xt.dtype));
	return topi_builder_finish(&b, out);
}
