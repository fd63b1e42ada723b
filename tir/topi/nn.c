/* Convolution, transposed convolution and pooling over 1 to 3 spatial
 * axes (NCHW-style layouts), plus the global pools.
 *
 * The window geometry is symbolic: with an input extent `in`, kernel
 * extent k (a weight dim, possibly symbolic), stride s, dilation d and
 * pads pb/pe, the output extent is (in + pb + pe - (k-1)*d - 1) // s + 1
 * (ceil_mode: rounded up, and one less when the last window would start
 * in the trailing pad); SAME_UPPER/SAME_LOWER pads are expressions of in.
 * Every tap reads x at a clamped index under a select on whether it lies
 * inside the input, so the loads stay in bounds whatever select picks:
 *
 *   block conv(v0..v3: spatial, r0: reduce(0, C/g), r1, r2: reduce(0, k)) {
 *     init { Y[v0, v1, v2, v3] = B[v1] }
 *     Y[...] = Y[...] + select(0 <= h && h < H && ..., X[v0, c, clamp(h), clamp(w)], 0.0f)
 *                        * W[v1, r0, r1, r2]
 *   } */
#include <math.h>
#include <stdio.h>

#include "topi.h"

/* One spatial axis of a window. */
typedef struct win_axis {
	tir_expr *in, *k;  /* input extent, kernel extent */
	int64_t s, d;	   /* stride, dilation */
	tir_expr *pb, *pe; /* pads */
	tir_expr *out;	   /* output extent */
} win_axis;

static int64_t or1(int64_t v)
{
	return v ? v : 1;
}

static tir_expr *I(topi_builder *b, int64_t v)
{
	return tir_int(b->ctx, v);
}

static tir_expr *ceildiv(topi_builder *b, tir_expr *a, int64_t d)
{
	return tir_floordiv(b->ctx, tir_add(b->ctx, a, I(b, d - 1)), I(b, d));
}

/* Checks the geometry attributes of nsp axes. */
static bool window_check(topi_builder *b, const topi_window *w, int nsp)
{
	if (nsp < 1 || nsp > TOPI_MAX_SPATIAL) {
		topi_fail(b, SB_ERR_UNSUPPORTED, "%d spatial axes; 1 to %d are supported", nsp,
			  TOPI_MAX_SPATIAL);
		return false;
	}
	if ((unsigned)w->auto_pad > TOPI_PAD_VALID) {
		topi_fail(b, SB_ERR_INVALID, "unknown auto_pad %d", (int)w->auto_pad);
		return false;
	}
	for (int i = 0; i < nsp; i++) {
		if (w->strides[i] < 0 || w->dilations[i] < 0) {
			topi_fail(b, SB_ERR_INVALID, "axis %d: stride %lld, dilation %lld", i,
				  (long long)w->strides[i], (long long)w->dilations[i]);
			return false;
		}
		if (w->auto_pad == TOPI_PAD_NOTSET && (w->pads[i] < 0 || w->pads[nsp + i] < 0)) {
			topi_fail(b, SB_ERR_INVALID, "axis %d: negative pads", i);
			return false;
		}
	}
	return true;
}

/* Output extent of a forward window (conv, pool). */
static void window_forward(topi_builder *b, const topi_window *w, int nsp, int i, bool ceil_mode,
			   win_axis *a)
{
	tir_ctx *c = b->ctx;
	a->s = or1(w->strides[i]);
	a->d = or1(w->dilations[i]);
	tir_expr *dk = tir_add(c, tir_mul(c, tir_sub(c, a->k, I(b, 1)), I(b, a->d)), I(b, 1));
	switch (w->auto_pad) {
	case TOPI_PAD_SAME_UPPER:
	case TOPI_PAD_SAME_LOWER: {
		a->out = ceildiv(b, a->in, a->s);
		tir_expr *total = tir_max(
		    c,
		    tir_sub(c, tir_add(c, tir_mul(c, tir_sub(c, a->out, I(b, 1)), I(b, a->s)), dk),
			    a->in),
		    I(b, 0));
		tir_expr *half = tir_floordiv(c, total, I(b, 2));
		a->pb = w->auto_pad == TOPI_PAD_SAME_UPPER ? half : tir_sub(c, total, half);
		a->pe = tir_sub(c, total, a->pb);
		break;
	}
	case TOPI_PAD_VALID:
	case TOPI_PAD_NOTSET: {
		bool valid = w->auto_pad == TOPI_PAD_VALID;
		a->pb = I(b, valid ? 0 : w->pads[i]);
		a->pe = I(b, valid ? 0 : w->pads[nsp + i]);
		tir_expr *span = tir_sub(c, tir_add(c, tir_add(c, a->in, a->pb), a->pe), dk);
		char *is = tir_expr_to_string(a->in);
		topi_require(
		    b, tir_ge(c, span, I(b, 0)),
		    "spatial axis %d: input extent %s with pads %lld+%lld is smaller than the "
		    "kernel extent",
		    i, is, (long long)(valid ? 0 : w->pads[i]),
		    (long long)(valid ? 0 : w->pads[nsp + i]));
		free(is);
		if (ceil_mode && !valid) {
			tir_expr *o = tir_add(c, ceildiv(b, span, a->s), I(b, 1));
			/* the last window must start inside the input or the leading pad */
			tir_expr *late = tir_ge(c, tir_mul(c, tir_sub(c, o, I(b, 1)), I(b, a->s)),
						tir_add(c, a->in, a->pb));
			a->out = tir_select(c, late, tir_sub(c, o, I(b, 1)), o);
		} else {
			a->out = tir_add(c, tir_floordiv(c, span, I(b, a->s)), I(b, 1));
		}
		break;
	}
	}
	a->pb = topi_simplify(b, a->pb);
	a->pe = topi_simplify(b, a->pe);
	a->out = topi_simplify(b, a->out);
}

/* A clamped load of x needs a non-empty input extent (without pads the
 * kernel-extent check already says so). */
static void require_nonempty(topi_builder *b, const win_axis *a, int i)
{
	tir_expr *in = a->in;
	if (a->pb && a->pe && tir_expr_is_const(a->pb, 0) && tir_expr_is_const(a->pe, 0))
		return;
	char *is = tir_expr_to_string(in);
	topi_require(b, tir_ge(b->ctx, in, I(b, 1)), "spatial axis %d of X (%s) is empty", i, is);
	free(is);
}

static bool float_dtype(topi_builder *b, const char *what, sb_dtype dt, sb_dtype want)
{
	if (b->status)
		return false;
	if (!sb_dtype_is_float(dt)) {
		topi_fail(b, SB_ERR_UNSUPPORTED, "%s has dtype %s; float types only", what,
			  dt > SB_DT_INVALID && dt < SB_DT_COUNT ? sb_dtype_name(dt) : "invalid");
		return false;
	}
	if (want != SB_DT_INVALID && dt != want) {
		topi_fail(b, SB_ERR_INVALID, "%s is %s but X is %s", what, sb_dtype_name(dt),
			  sb_dtype_name(want));
		return false;
	}
	return true;
}

static void convert_block(topi_builder *b, tir_buffer *acc, tir_buffer *y)
{
	topi_nest n;
	topi_nest_begin(b, &n, "convert", y->ndim, y->shape);
	topi_nest_store(b, &n, y,
			topi_convert(b, tir_load(b->ctx, acc, acc->ndim, n.iv), y->dtype));
}

static tir_buffer *bias_input(topi_builder *b, const topi_tensor *bias, tir_expr *m, sb_dtype dt)
{
	if (!bias || !float_dtype(b, "B", bias->dtype, dt))
		return NULL;
	if (bias->ndim != 1) {
		topi_fail(b, SB_ERR_INVALID, "B must be 1-D [M], got rank %d", bias->ndim);
		return NULL;
	}
	tir_buffer *bb = topi_input(b, "B", *bias);
	if (bb) {
		char *ms = tir_expr_to_string(m), *bs = tir_expr_to_string(bb->shape[0]);
		topi_require(b, tir_eq(b->ctx, bb->shape[0], m),
			     "B has %s values but there are %s output channels", bs, ms);
		free(ms);
		free(bs);
	}
	return bb;
}

/* ---- Conv ---- */

sb_status topi_conv(tir_ctx *ctx, const char *name, topi_tensor xt, topi_tensor wt,
		    const topi_tensor *bias, const topi_conv_params *p, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "conv", name);
	topi_conv_params def = {0};
	if (!p)
		p = &def;
	int64_t g = or1(p->groups);
	float_dtype(&b, "X", xt.dtype, SB_DT_INVALID);
	float_dtype(&b, "W", wt.dtype, xt.dtype);
	if (!b.status && xt.ndim != wt.ndim)
		topi_fail(&b, SB_ERR_INVALID, "X has rank %d but W has rank %d", xt.ndim, wt.ndim);
	if (!b.status && g < 1)
		topi_fail(&b, SB_ERR_INVALID, "groups is %lld", (long long)g);
	int nsp = xt.ndim - 2;
	if (b.status || !window_check(&b, &p->win, nsp))
		return topi_builder_finish(&b, out);
	tir_buffer *x = topi_input(&b, "X", xt), *w = topi_input(&b, "W", wt);
	if (b.status)
		return topi_builder_finish(&b, out);
	tir_expr *cin = x->shape[1], *m = w->shape[0], *cg = w->shape[1];
	tir_buffer *bb = bias_input(&b, bias, m, xt.dtype);
	char *cs = tir_expr_to_string(cin), *gs = tir_expr_to_string(cg);
	topi_require(&b, tir_eq(ctx, cin, tir_mul(ctx, cg, I(&b, g))),
		     "X has %s channels but W expects %s per group times %lld groups", cs, gs,
		     (long long)g);
	free(cs);
	free(gs);
	topi_require(&b, tir_eq(ctx, tir_floormod(ctx, m, I(&b, g)), I(&b, 0)),
		     "W's output channels are not a multiple of %lld groups", (long long)g);
	win_axis ax[TOPI_MAX_SPATIAL];
	tir_expr *shape[2 + TOPI_MAX_SPATIAL] = {x->shape[0], m};
	for (int i = 0; i < nsp && !b.status; i++) {
		ax[i].in = x->shape[2 + i];
		ax[i].k = w->shape[2 + i];
		window_forward(&b, &p->win, nsp, i, false, &ax[i]);
		require_nonempty(&b, &ax[i], i);
		shape[2 + i] = ax[i].out;
	}
	tir_buffer *y = topi_output(&b, "Y", xt.dtype, 2 + nsp, shape);
	sb_dtype cdt = topi_compute_dtype(xt.dtype);
	tir_buffer *acc = cdt == xt.dtype ? y : topi_temp(&b, "acc", cdt, 2 + nsp, shape);
	if (b.status)
		return topi_builder_finish(&b, out);

	topi_nest n;
	topi_nest_begin(&b, &n, "conv", y->ndim, y->shape);
	tir_expr *rc = topi_nest_reduce_axis(&b, &n, cg), *rk[TOPI_MAX_SPATIAL];
	for (int i = 0; i < nsp; i++)
		rk[i] = topi_nest_reduce_axis(&b, &n, ax[i].k);
	/* input channel: the group of output channel m, then rc within it */
	tir_expr *ci = rc;
	if (g > 1)
		ci = tir_add(
		    ctx,
		    tir_mul(ctx, tir_floordiv(ctx, n.iv[1], tir_floordiv(ctx, m, I(&b, g))), cg),
		    rc);
	tir_expr *xi[2 + TOPI_MAX_SPATIAL] = {n.iv[0], ci},
			 *wi[2 + TOPI_MAX_SPATIAL] = {n.iv[1], rc};
	tir_expr *inside = tir_bool(ctx, true);
	for (int i = 0; i < nsp; i++) {
		tir_expr *h = tir_sub(ctx,
				      tir_add(ctx, tir_mul(ctx, n.iv[2 + i], I(&b, ax[i].s)),
					      tir_mul(ctx, rk[i], I(&b, ax[i].d))),
				      ax[i].pb);
		h = topi_simplify(&b, h);
		tir_expr *in_i = tir_and(ctx, tir_ge(ctx, h, I(&b, 0)), tir_lt(ctx, h, ax[i].in));
		inside = i ? tir_and(ctx, inside, in_i) : in_i;
		xi[2 + i] = topi_clamp_index(&b, h, ax[i].in);
		wi[2 + i] = rk[i];
	}
	inside = topi_simplify(&b, inside);
	tir_expr *xv = topi_convert(&b, topi_load(&b, x, xi), cdt);
	if (!tir_expr_is_const(inside, 1))
		xv = tir_select(ctx, inside, xv, topi_const(&b, cdt, 0));
	tir_expr *prod = tir_mul(ctx, xv, topi_convert(&b, topi_load(&b, w, wi), cdt));
	tir_expr *init =
	    bb ? topi_convert(&b, tir_load(ctx, bb, 1, &n.iv[1]), cdt) : topi_const(&b, cdt, 0);
	topi_nest_reduce(&b, &n, acc, init, tir_add(ctx, topi_nest_acc(&b, &n, acc), prod));
	if (acc != y)
		convert_block(&b, acc, y);
	return topi_builder_finish(&b, out);
}

/* ---- ConvTranspose ---- */

sb_status topi_conv_transpose(tir_ctx *ctx, const char *name, topi_tensor xt, topi_tensor wt,
			      const topi_tensor *bias, const topi_conv_transpose_params *p,
			      tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "conv_transpose", name);
	topi_conv_transpose_params def = {0};
	if (!p)
		p = &def;
	int64_t g = or1(p->groups);
	float_dtype(&b, "X", xt.dtype, SB_DT_INVALID);
	float_dtype(&b, "W", wt.dtype, xt.dtype);
	if (!b.status && xt.ndim != wt.ndim)
		topi_fail(&b, SB_ERR_INVALID, "X has rank %d but W has rank %d", xt.ndim, wt.ndim);
	if (!b.status && g < 1)
		topi_fail(&b, SB_ERR_INVALID, "groups is %lld", (long long)g);
	int nsp = xt.ndim - 2;
	if (b.status || !window_check(&b, &p->win, nsp))
		return topi_builder_finish(&b, out);
	bool has_oshape = false;
	for (int i = 0; i < nsp; i++) {
		has_oshape |= p->output_shape[i] != 0;
		if (p->output_padding[i] < 0 || p->output_shape[i] < 0)
			topi_fail(&b, SB_ERR_INVALID,
				  "axis %d: negative output_padding or output_shape", i);
	}
	tir_buffer *x = topi_input(&b, "X", xt), *w = topi_input(&b, "W", wt);
	if (b.status)
		return topi_builder_finish(&b, out);
	tir_expr *cin = x->shape[1], *mg = w->shape[1];
	tir_expr *m = topi_simplify(&b, tir_mul(ctx, mg, I(&b, g)));
	tir_buffer *bb = bias_input(&b, bias, m, xt.dtype);
	char *cs = tir_expr_to_string(cin), *ws = tir_expr_to_string(w->shape[0]);
	topi_require(&b, tir_eq(ctx, cin, w->shape[0]), "X has %s channels but W (dim 0) has %s",
		     cs, ws);
	topi_require(&b, tir_eq(ctx, tir_floormod(ctx, cin, I(&b, g)), I(&b, 0)),
		     "%s input channels are not a multiple of %lld groups", cs, (long long)g);
	free(cs);
	free(ws);
	win_axis ax[TOPI_MAX_SPATIAL];
	tir_expr *shape[2 + TOPI_MAX_SPATIAL] = {x->shape[0], m};
	for (int i = 0; i < nsp && !b.status; i++) {
		win_axis *a = &ax[i];
		a->in = x->shape[2 + i];
		a->k = w->shape[2 + i];
		a->s = or1(p->win.strides[i]);
		a->d = or1(p->win.dilations[i]);
		/* the output without pads */
		tir_expr *full =
		    tir_add(ctx,
			    tir_add(ctx, tir_mul(ctx, I(&b, a->s), tir_sub(ctx, a->in, I(&b, 1))),
				    I(&b, p->output_padding[i])),
			    tir_add(ctx, tir_mul(ctx, tir_sub(ctx, a->k, I(&b, 1)), I(&b, a->d)),
				    I(&b, 1)));
		if (p->win.auto_pad == TOPI_PAD_VALID) {
			a->pb = a->pe = I(&b, 0);
		} else if (has_oshape || p->win.auto_pad != TOPI_PAD_NOTSET) {
			tir_expr *want = has_oshape ? I(&b, p->output_shape[i])
						    : tir_mul(ctx, a->in, I(&b, a->s));
			tir_expr *total = tir_sub(ctx, full, want);
			tir_expr *half = tir_floordiv(ctx, total, I(&b, 2));
			bool upper = p->win.auto_pad == TOPI_PAD_SAME_UPPER;
			tir_expr *pb = upper ? half : tir_sub(ctx, total, half);
			/* an output larger than the full result leaves zeros at the end */
			tir_expr *neg = tir_lt(ctx, total, I(&b, 0));
			a->pb = tir_select(ctx, neg, I(&b, 0), pb);
			a->pe = tir_select(ctx, neg, total, tir_sub(ctx, total, pb));
		} else {
			a->pb = I(&b, p->win.pads[i]);
			a->pe = I(&b, p->win.pads[nsp + i]);
		}
		a->pb = topi_simplify(&b, a->pb);
		a->pe = topi_simplify(&b, a->pe);
		a->out = topi_simplify(&b, tir_sub(ctx, tir_sub(ctx, full, a->pb), a->pe));
		topi_require(&b, tir_ge(ctx, a->out, I(&b, 1)),
			     "spatial axis %d: the pads leave an empty output", i);
		require_nonempty(&b, a, i);
		shape[2 + i] = a->out;
	}
	tir_buffer *y = topi_output(&b, "Y", xt.dtype, 2 + nsp, shape);
	sb_dtype cdt = topi_compute_dtype(xt.dtype);
	tir_buffer *acc = cdt == xt.dtype ? y : topi_temp(&b, "acc", cdt, 2 + nsp, shape);
	if (b.status)
		return topi_builder_finish(&b, out);

	/* y[n, m, o] = sum over rc, k of x[n, c, i] * w[c, m % (M/g), k] where
	 * o + pb - k*d = i*s, c = (m / (M/g)) * (C/g) + rc */
	topi_nest n;
	topi_nest_begin(&b, &n, "conv_transpose", y->ndim, y->shape);
	tir_expr *cpg = topi_simplify(&b, tir_floordiv(ctx, cin, I(&b, g)));
	tir_expr *rc = topi_nest_reduce_axis(&b, &n, cpg), *rk[TOPI_MAX_SPATIAL];
	for (int i = 0; i < nsp; i++)
		rk[i] = topi_nest_reduce_axis(&b, &n, ax[i].k);
	tir_expr *ci = rc, *mi = n.iv[1];
	if (g > 1) {
		ci = tir_add(ctx, tir_mul(ctx, tir_floordiv(ctx, n.iv[1], mg), cpg), rc);
		mi = tir_floormod(ctx, n.iv[1], mg);
	}
	tir_expr *xi[2 + TOPI_MAX_SPATIAL] = {n.iv[0], ci}, *wi[2 + TOPI_MAX_SPATIAL] = {ci, mi};
	tir_expr *inside = NULL;
	for (int i = 0; i < nsp; i++) {
		tir_expr *t = topi_simplify(&b, tir_sub(ctx, tir_add(ctx, n.iv[2 + i], ax[i].pb),
							tir_mul(ctx, rk[i], I(&b, ax[i].d))));
		tir_expr *q = ax[i].s == 1 ? t : tir_floordiv(ctx, t, I(&b, ax[i].s));
		tir_expr *ok = tir_and(ctx, tir_ge(ctx, t, I(&b, 0)), tir_lt(ctx, q, ax[i].in));
		if (ax[i].s != 1)
			ok = tir_and(ctx, ok,
				     tir_eq(ctx, tir_floormod(ctx, t, I(&b, ax[i].s)), I(&b, 0)));
		inside = inside ? tir_and(ctx, inside, ok) : ok;
		xi[2 + i] = topi_clamp_index(&b, q, ax[i].in);
		wi[2 + i] = rk[i];
	}
	tir_expr *xv = topi_convert(&b, topi_load(&b, x, xi), cdt);
	xv = tir_select(ctx, topi_simplify(&b, inside), xv, topi_const(&b, cdt, 0));
	tir_expr *prod = tir_mul(ctx, xv, topi_convert(&b, topi_load(&b, w, wi), cdt));
	tir_expr *init =
	    bb ? topi_convert(&b, tir_load(ctx, bb, 1, &n.iv[1]), cdt) : topi_const(&b, cdt, 0);
	topi_nest_reduce(&b, &n, acc, init, tir_add(ctx, topi_nest_acc(&b, &n, acc), prod));
	if (acc != y)
		convert_block(&b, acc, y);
	return topi_builder_finish(&b, out);
}

/* ---- Pooling ---- */

/* Taps t in [0, k) with lo <= start + t*d < hi: max(0, min(k, ..) - max(0, ..)). */
static tir_expr *tap_count(topi_builder *b, tir_expr *start, int64_t k, int64_t d, tir_expr *lo,
			   tir_expr *hi)
{
	tir_ctx *c = b->ctx;
	tir_expr *tlo = tir_max(c, I(b, 0), ceildiv(b, tir_sub(c, lo, start), d));
	tir_expr *thi =
	    tir_min(c, I(b, k),
		    tir_add(c, tir_floordiv(c, tir_sub(c, tir_sub(c, hi, I(b, 1)), start), I(b, d)),
			    I(b, 1)));
	return tir_max(c, tir_sub(c, thi, tlo), I(b, 0));
}

sb_status topi_pool(tir_ctx *ctx, const char *name, topi_pool_op op, topi_tensor xt,
		    const topi_pool_params *p, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, op == TOPI_POOL_MAX ? "max_pool" : "avg_pool", name);
	if (!p)
		topi_fail(&b, SB_ERR_INVALID, "needs the kernel shape");
	bool is_max = op == TOPI_POOL_MAX;
	if (!b.status && (unsigned)op > TOPI_POOL_AVG)
		topi_fail(&b, SB_ERR_INVALID, "unknown pool op %d", (int)op);
	if (!b.status &&
	    !(sb_dtype_is_float(xt.dtype) || (is_max && (xt.dtype == SB_I8 || xt.dtype == SB_U8))))
		topi_fail(&b, SB_ERR_UNSUPPORTED, "dtype %s is not supported",
			  xt.dtype > SB_DT_INVALID && xt.dtype < SB_DT_COUNT
			      ? sb_dtype_name(xt.dtype)
			      : "invalid");
	int nsp = xt.ndim - 2;
	if (b.status || !window_check(&b, &p->win, nsp))
		return topi_builder_finish(&b, out);
	for (int i = 0; i < nsp; i++)
		if (p->kernel[i] < 1)
			return topi_fail(&b, SB_ERR_INVALID, "kernel[%d] is %lld", i,
					 (long long)p->kernel[i]),
			       topi_builder_finish(&b, out);
	tir_buffer *x = topi_input(&b, "X", xt);
	if (b.status)
		return topi_builder_finish(&b, out);
	win_axis ax[TOPI_MAX_SPATIAL];
	tir_expr *shape[2 + TOPI_MAX_SPATIAL] = {x->shape[0], x->shape[1]};
	/* every window holds a tap inside the input: dilation 1 and pads
	 * shorter than the kernel (the SAME pads always are) */
	bool never_empty = true;
	for (int i = 0; i < nsp && !b.status; i++) {
		ax[i].in = x->shape[2 + i];
		ax[i].k = I(&b, p->kernel[i]);
		window_forward(&b, &p->win, nsp, i, p->ceil_mode, &ax[i]);
		require_nonempty(&b, &ax[i], i);
		shape[2 + i] = ax[i].out;
		never_empty &=
		    or1(p->win.dilations[i]) == 1 &&
		    (p->win.auto_pad != TOPI_PAD_NOTSET ||
		     (p->win.pads[i] < p->kernel[i] && p->win.pads[nsp + i] < p->kernel[i]));
	}
	if (p->indices && !is_max)
		topi_fail(&b, SB_ERR_INVALID, "only max pooling has indices");
	tir_buffer *y = topi_output(&b, "Y", xt.dtype, 2 + nsp, shape);
	tir_buffer *ind = p->indices ? topi_output(&b, "Indices", SB_I64, 2 + nsp, shape) : NULL;
	sb_dtype cdt = topi_compute_dtype(xt.dtype);
	bool direct = is_max && never_empty && cdt == xt.dtype && !ind;
	tir_buffer *acc = direct ? y : topi_temp(&b, "acc", cdt, 2 + nsp, shape);
	if (b.status)
		return topi_builder_finish(&b, out);

	topi_nest n;
	topi_nest_begin(&b, &n, is_max ? "max_pool" : "avg_pool", y->ndim, y->shape);
	tir_expr *xi[2 + TOPI_MAX_SPATIAL] = {n.iv[0], n.iv[1]}, *inside = NULL;
	tir_expr *flat = I(&b, 0), *stride = I(&b, 1);
	for (int i = 0; i < nsp; i++) {
		tir_expr *r = topi_nest_reduce_axis(&b, &n, ax[i].k);
		tir_expr *h = topi_simplify(
		    &b, tir_sub(ctx,
				tir_add(ctx, tir_mul(ctx, n.iv[2 + i], I(&b, ax[i].s)),
					tir_mul(ctx, r, I(&b, ax[i].d))),
				ax[i].pb));
		tir_expr *ok = tir_and(ctx, tir_ge(ctx, h, I(&b, 0)), tir_lt(ctx, h, ax[i].in));
		inside = inside ? tir_and(ctx, inside, ok) : ok;
		xi[2 + i] = topi_clamp_index(&b, h, ax[i].in);
		/* the tap's flat spatial index: row-major, or column-major */
		if (p->storage_order) {
			flat = tir_add(ctx, flat, tir_mul(ctx, h, stride));
			stride = tir_mul(ctx, stride, ax[i].in);
		} else {
			flat = tir_add(ctx, tir_mul(ctx, flat, ax[i].in), h);
		}
	}
	inside = topi_simplify(&b, inside);
	tir_expr *v = topi_convert(&b, topi_load(&b, x, xi), cdt);
	tir_expr *a = topi_nest_acc(&b, &n, acc);
	if (ind) {
		/* the first tap inside that beats the best so far (or is the
		 * first inside at all), as the oracle scans them */
		tir_expr *plane = tir_add(ctx, tir_mul(ctx, n.iv[0], x->shape[1]), n.iv[1]);
		tir_expr *area = I(&b, 1);
		for (int i = 0; i < nsp; i++)
			area = tir_mul(ctx, area, ax[i].in);
		tir_expr *pos = topi_simplify(&b, tir_add(ctx, tir_mul(ctx, plane, area), flat));
		tir_expr *cur = tir_load(ctx, ind, ind->ndim, n.iv);
		tir_expr *take = tir_and(
		    ctx, inside, tir_or(ctx, tir_gt(ctx, v, a), tir_lt(ctx, cur, I(&b, 0))));
		tir_stmt *init[2] = {
		    tir_store(ctx, ind, I(&b, -1), ind->ndim, n.iv),
		    tir_store(ctx, acc, topi_dtype_limit(&b, cdt, false), acc->ndim, n.iv)};
		tir_stmt *body[2] = {
		    tir_store(ctx, ind, tir_select(ctx, take, pos, cur), ind->ndim, n.iv),
		    tir_store(ctx, acc, tir_select(ctx, take, v, a), acc->ndim, n.iv)};
		topi_nest_end(&b, &n, tir_seq(ctx, 2, init), tir_seq(ctx, 2, body));
	} else if (is_max) {
		tir_expr *low = topi_dtype_limit(&b, cdt, false);
		if (!tir_expr_is_const(inside, 1))
			v = tir_select(ctx, inside, v, low);
		topi_nest_reduce(&b, &n, acc, low, tir_select(ctx, tir_gt(ctx, v, a), v, a));
	} else {
		tir_expr *zero = topi_const(&b, cdt, 0);
		if (!tir_expr_is_const(inside, 1))
			v = tir_select(ctx, inside, v, zero);
		topi_nest_reduce(&b, &n, acc, zero, tir_add(ctx, a, v));
	}
	if (acc == y)
		return topi_builder_finish(&b, out);

	/* the finish: divide by the tap count (avg), or 0 for a window without
	 * any tap inside the input (max), as the oracle does */
	topi_nest_begin(&b, &n, "pool_finish", y->ndim, y->shape);
	tir_expr *valid = I(&b, 1), *padded = I(&b, 1);
	for (int i = 0; i < nsp; i++) {
		tir_expr *start = tir_sub(ctx, tir_mul(ctx, n.iv[2 + i], I(&b, ax[i].s)), ax[i].pb);
		valid = tir_mul(ctx, valid,
				tap_count(&b, start, p->kernel[i], ax[i].d, I(&b, 0), ax[i].in));
		padded = tir_mul(ctx, padded,
				 tap_count(&b, start, p->kernel[i], ax[i].d,
					   tir_sub(ctx, I(&b, 0), ax[i].pb),
					   tir_add(ctx, ax[i].in, ax[i].pe)));
	}
	valid = topi_simplify(&b, valid);
	padded = topi_simplify(&b, padded);
	tir_expr *r = tir_load(ctx, acc, acc->ndim, n.iv), *zero = topi_const(&b, cdt, 0);
	if (!is_max) {
		tir_expr *count = p->count_include_pad ? padded : valid;
		r = tir_div(ctx, r,
			    tir_cast(ctx, tir_type_scalar(cdt), tir_max(ctx, count, I(&b, 1))));
	}
	r = tir_select(ctx, tir_eq(ctx, valid, I(&b, 0)), zero, r);
	topi_nest_store(&b, &n, y, topi_convert(&b, r, xt.dtype));
	return topi_builder_finish(&b, out);
}

sb_status topi_global_pool(tir_ctx *ctx, const char *name, topi_pool_op op, topi_tensor xt,
			   tir_func **out)
{
	topi_builder b;
	bool is_max = op == TOPI_POOL_MAX;
	topi_builder_init(&b, ctx, is_max ? "global_max_pool" : "global_avg_pool", name);
	float_dtype(&b, "X", xt.dtype, SB_DT_INVALID);
	if (!b.status && xt.ndim < 3)
		topi_fail(&b, SB_ERR_INVALID, "input must have rank >= 3, got %d", xt.ndim);
	tir_buffer *x = b.status ? NULL : topi_input(&b, "X", xt);
	if (!x)
		return topi_builder_finish(&b, out);
	tir_expr *shape[SB_MAX_RANK] = {x->shape[0], x->shape[1]}, *count = I(&b, 1);
	for (int d = 2; d < x->ndim; d++) {
		shape[d] = I(&b, 1);
		count = tir_mul(ctx, count, x->shape[d]);
	}
	count = topi_simplify(&b, count);
	topi_require(&b, tir_ge(ctx, count, I(&b, 1)), "cannot pool over an empty spatial extent");
	tir_buffer *y = topi_output(&b, "Y", xt.dtype, x->ndim, shape);
	sb_dtype cdt = topi_compute_dtype(xt.dtype);
	tir_buffer *acc = is_max && cdt == xt.dtype ? y : topi_temp(&b, "acc", cdt, x->ndim, shape);
	if (b.status)
		return topi_builder_finish(&b, out);
	topi_nest n;
	topi_nest_begin(&b, &n, is_max ? "global_max_pool" : "global_avg_pool", y->ndim, y->shape);
	tir_expr *xi[SB_MAX_RANK] = {n.iv[0], n.iv[1]}, *x0[SB_MAX_RANK] = {n.iv[0], n.iv[1]};
	for (int d = 2; d < x->ndim; d++) {
		xi[d] = topi_nest_reduce_axis(&b, &n, x->shape[d]);
		x0[d] = I(&b, 0);
	}
	tir_expr *v = topi_convert(&b, topi_load(&b, x, xi), cdt), *a = topi_nest_acc(&b, &n, acc);
	if (is_max)
		topi_nest_reduce(&b, &n, acc, topi_convert(&b, topi_load(&b, x, x0), cdt),
				 tir_select(ctx, tir_gt(ctx, v, a), v, a));
	else
		topi_nest_reduce(&b, &n, acc, topi_const(&b, cdt, 0), tir_add(ctx, a, v));
	if (acc != y) {
		topi_nest_begin(&b, &n, "pool_finish", y->ndim, y->shape);
		tir_expr *r = tir_load(ctx, acc, acc->ndim, n.iv);
		if (!is_max)
			r = tir_div(ctx, r, tir_cast(ctx, tir_type_scalar(cdt), count));
		topi_nest_store(&b, &n, y, topi_convert(&b, r, xt.dtype));
	}
	return topi_builder_finish(&b, out);
}
