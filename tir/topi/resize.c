/* Resize: nearest (four rounding modes), linear and cubic interpolation
 * over any axes, with the ONNX coordinate transformations.  One block: an
 * output element is the weighted sum of its taps' input elements (2 taps
 * per resized axis for linear, 4 for cubic, their products across axes),
 * each tap's index clamped to the input (the reference pads by edge).
 *
 * Coordinates, weights and the sum are float64 expressions, as in the
 * relay_like kernel and the ONNX reference: nearest's rounding of x.5 and
 * the weights then agree bit for bit.  An axis whose mapping is the
 * identity (scale 1 under a transformation that maps x to x) is indexed
 * directly.  Integer outputs round half away from zero and saturate. */
#include <math.h>
#include <stdio.h>

#include "topi.h"

typedef struct rs_axis {
	bool identity;
	int ntaps;
	tir_expr *idx[4], *w[4]; /* int64 index, float64 weight */
	tir_expr *extrap;	 /* bool, or NULL: the output takes extrapolation_value */
} rs_axis;

static tir_expr *F(topi_builder *b, double v)
{
	return tir_imm_float(b->ctx, tir_type_scalar(SB_F64), v);
}

static tir_expr *to_f64(topi_builder *b, tir_expr *e)
{
	return tir_cast(b->ctx, tir_type_scalar(SB_F64), e);
}

static tir_expr *call1(topi_builder *b, tir_intrin in, tir_expr *v)
{
	return tir_call(b->ctx, in, 1, &v);
}

/* The cubic convolution weights of the 4 taps at fraction r (ONNX). */
static void cubic_coeffs(topi_builder *b, tir_expr *r, double a, tir_expr **w)
{
	tir_ctx *c = b->ctx;
	tir_expr *A = F(b, a), *one = F(b, 1);
	tir_expr *s = tir_sub(c, one, r);
	tir_expr *r1 = tir_add(c, r, one), *s1 = tir_add(c, s, one);
	tir_expr *A5 = tir_mul(c, F(b, 5), A), *A8 = tir_mul(c, F(b, 8), A);
	tir_expr *A4 = tir_mul(c, F(b, 4), A);
	/* ((A*t - 5A)*t + 8A)*t - 4A for the outer taps */
	w[0] = tir_sub(
	    c, tir_mul(c, tir_add(c, tir_mul(c, tir_sub(c, tir_mul(c, A, r1), A5), r1), A8), r1),
	    A4);
	w[3] = tir_sub(
	    c, tir_mul(c, tir_add(c, tir_mul(c, tir_sub(c, tir_mul(c, A, s1), A5), s1), A8), s1),
	    A4);
	/* ((A+2)*t - (A+3))*t*t + 1 for the inner taps */
	tir_expr *A2 = tir_add(c, A, F(b, 2)), *A3 = tir_add(c, A, F(b, 3));
	w[1] = tir_add(c, tir_mul(c, tir_mul(c, tir_sub(c, tir_mul(c, A2, r), A3), r), r), one);
	w[2] = tir_add(c, tir_mul(c, tir_mul(c, tir_sub(c, tir_mul(c, A2, s), A3), s), s), one);
}

/* Does scale 1 map every x to x exactly under this transformation? */
static bool coord_keeps_identity(topi_resize_coord c)
{
	return c == TOPI_COORD_HALF_PIXEL || c == TOPI_COORD_PYTORCH_HALF_PIXEL ||
	       c == TOPI_COORD_ALIGN_CORNERS || c == TOPI_COORD_ASYMMETRIC;
}

/* Taps of resized axis i (of rank) at output position o. */
static void axis_taps(topi_builder *b, const topi_resize_params *p, int i, int rank, tir_expr *in,
		      tir_expr *out_size, tir_expr *o, rs_axis *ax)
{
	tir_ctx *c = b->ctx;
	bool crop = p->coord == TOPI_COORD_TF_CROP_AND_RESIZE;
	double s0 = crop ? p->roi[i] : 0.0, s1 = crop ? p->roi[rank + i] : 1.0;
	tir_expr *fin = to_f64(b, in), *scale, *len;
	if (p->sizes) {
		scale = tir_select(c, tir_gt(c, in, tir_int(c, 0)),
				   tir_div(c, to_f64(b, out_size), fin), F(b, 1));
		len = to_f64(b, out_size);
	} else {
		scale = F(b, p->scales[i]);
		/* the unrounded length, as the reference's formulas use it */
		len = tir_mul(c, tir_mul(c, fin, F(b, crop ? s1 - s0 : 1.0)), F(b, p->scales[i]));
	}
	tir_expr *x = to_f64(b, o), *half = F(b, 0.5), *one = F(b, 1), *xo;
	ax->extrap = NULL;
	switch (p->coord) {
	case TOPI_COORD_HALF_PIXEL:
		xo = tir_sub(c, tir_div(c, tir_add(c, x, half), scale), half);
		break;
	case TOPI_COORD_PYTORCH_HALF_PIXEL:
		xo = tir_select(c, tir_gt(c, len, one),
				tir_sub(c, tir_div(c, tir_add(c, x, half), scale), half), F(b, 0));
		break;
	case TOPI_COORD_ALIGN_CORNERS: {
		tir_expr *n1 = to_f64(b, tir_sub(c, in, tir_int(c, 1)));
		xo = tir_select(c, tir_eq(c, len, one), F(b, 0),
				tir_div(c, tir_mul(c, x, n1), tir_sub(c, len, one)));
		break;
	}
	case TOPI_COORD_ASYMMETRIC:
		xo = tir_div(c, x, scale);
		break;
	case TOPI_COORD_TF_HALF_PIXEL_FOR_NEAREST:
		xo = tir_div(c, tir_add(c, x, half), scale);
		break;
	case TOPI_COORD_TF_CROP_AND_RESIZE: {
		tir_expr *n1 = to_f64(b, tir_sub(c, in, tir_int(c, 1)));
		tir_expr *lin = tir_add(
		    c, tir_mul(c, F(b, s0), n1),
		    tir_div(c, tir_mul(c, tir_mul(c, x, F(b, s1 - s0)), n1), tir_sub(c, len, one)));
		xo = tir_select(c, tir_gt(c, len, one), lin, tir_mul(c, F(b, 0.5 * (s0 + s1)), n1));
		ax->extrap = tir_or(c, tir_lt(c, xo, F(b, 0)), tir_gt(c, xo, n1));
		break;
	}
	default:
		SB_UNREACHABLE();
	}
	/* far outside, every tap clamps to an edge anyway; bounding xo keeps
	 * the integer conversion defined */
	tir_expr *bad = call1(b, TIR_INTRIN_ISNAN, xo);
	xo = tir_select(c, bad, F(b, 0), tir_max(c, tir_min(c, xo, F(b, 1e15)), F(b, -1e15)));
	tir_expr *fl = call1(b, TIR_INTRIN_FLOOR, xo), *r = tir_sub(c, xo, fl);
	tir_expr *base = tir_cast(c, TIR_INDEX_TYPE, fl);
	switch (p->mode) {
	case TOPI_RESIZE_NEAREST: {
		tir_expr *up;
		switch (p->nearest) {
		case TOPI_NEAREST_CEIL:
			up = tir_gt(c, r, F(b, 0));
			break;
		case TOPI_NEAREST_FLOOR:
			up = tir_bool(c, false);
			break;
		case TOPI_NEAREST_ROUND_PREFER_CEIL:
			up = tir_ge(c, r, half);
			break;
		default:
			up = tir_gt(c, r, half);
			break;
		}
		ax->ntaps = 1;
		ax->idx[0] = tir_add(c, base, tir_select(c, up, tir_int(c, 1), tir_int(c, 0)));
		ax->w[0] = one;
		break;
	}
	case TOPI_RESIZE_LINEAR:
		ax->ntaps = 2;
		ax->idx[0] = base;
		ax->idx[1] = tir_add(c, base, tir_int(c, 1));
		ax->w[0] = tir_sub(c, one, r);
		ax->w[1] = r;
		break;
	case TOPI_RESIZE_CUBIC:
		ax->ntaps = 4;
		for (int t = 0; t < 4; t++)
			ax->idx[t] = tir_add(c, base, tir_int(c, t - 1));
		cubic_coeffs(b, r, p->cubic_coeff_a, ax->w);
		break;
	}
	if (p->exclude_outside && p->mode != TOPI_RESIZE_NEAREST) {
		tir_expr *sum = NULL;
		for (int t = 0; t < ax->ntaps; t++) {
			tir_expr *inside = tir_and(c, tir_ge(c, ax->idx[t], tir_int(c, 0)),
						   tir_lt(c, ax->idx[t], in));
			ax->w[t] = tir_select(c, inside, ax->w[t], F(b, 0));
			sum = sum ? tir_add(c, sum, ax->w[t]) : ax->w[t];
		}
		tir_expr *nz = tir_ne(c, sum, F(b, 0));
		for (int t = 0; t < ax->ntaps; t++)
			ax->w[t] = tir_select(c, nz, tir_div(c, ax->w[t], sum), ax->w[t]);
	}
	for (int t = 0; t < ax->ntaps; t++)
		ax->idx[t] = topi_clamp_index(b, ax->idx[t], in);
}

/* The interpolation nested axis by axis, inner axes inside: for axis d,
 * sum over its taps t of w[t] * (the value interpolated over the axes
 * after d), summed left to right -- the order of the reference's
 * separable passes, so the float64 results agree exactly. */
static tir_expr *tap_sum(topi_builder *b, tir_buffer *x, const rs_axis *ax, tir_expr *const *iv,
			 int d, tir_expr **idx)
{
	tir_ctx *c = b->ctx;
	if (d == x->ndim)
		return to_f64(b, tir_load(c, x, x->ndim, idx));
	if (ax[d].identity) {
		idx[d] = iv[d];
		return tap_sum(b, x, ax, iv, d + 1, idx);
	}
	tir_expr *sum = NULL;
	for (int t = 0; t < ax[d].ntaps; t++) {
		idx[d] = ax[d].idx[t];
		tir_expr *inner = tap_sum(b, x, ax, iv, d + 1, idx);
		tir_expr *term = ax[d].ntaps == 1 ? inner : tir_mul(c, ax[d].w[t], inner);
		sum = sum ? tir_add(c, sum, term) : term;
	}
	return sum;
}

/* float64 to an integer dtype: round half away from zero, saturate, NaN 0. */
static tir_expr *round_saturate(topi_builder *b, tir_expr *v, sb_dtype dt)
{
	tir_ctx *c = b->ctx;
	double lo = 0, hi = 1;
	switch (dt) {
	case SB_I8:
		lo = -128.0, hi = 127.0;
		break;
	case SB_I16:
		lo = -32768.0, hi = 32767.0;
		break;
	case SB_I32:
		lo = -2147483648.0, hi = 2147483647.0;
		break;
	case SB_I64:
		lo = -9.2233720368547758e18, hi = 9.2233720368547748e18;
		break;
	case SB_U8:
		hi = 255.0;
		break;
	case SB_U16:
		hi = 65535.0;
		break;
	case SB_U32:
		hi = 4294967295.0;
		break;
	case SB_U64:
		hi = 1.8446744073709550e19;
		break;
	default:
		break;
	}
	tir_expr *half = F(b, 0.5);
	tir_expr *up = call1(b, TIR_INTRIN_FLOOR, tir_add(c, v, half));
	tir_expr *down = tir_sub(c, F(b, 0), call1(b, TIR_INTRIN_FLOOR, tir_sub(c, half, v)));
	tir_expr *r = tir_select(c, tir_lt(c, v, F(b, 0)), down, up);
	r = tir_select(c, call1(b, TIR_INTRIN_ISNAN, r), F(b, 0),
		       tir_select(c, tir_lt(c, r, F(b, lo)), F(b, lo),
				  tir_select(c, tir_gt(c, r, F(b, hi)), F(b, hi), r)));
	return topi_convert(b, r, dt);
}

sb_status topi_resize(tir_ctx *ctx, const char *name, topi_tensor xt, const topi_resize_params *p,
		      tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "resize", name);
	if (!p || (!p->scales && !p->sizes) || (p->scales && p->sizes))
		topi_fail(&b, SB_ERR_INVALID, "exactly one of scales and sizes is required");
	if (!b.status && ((unsigned)p->mode > TOPI_RESIZE_CUBIC ||
			  (unsigned)p->coord > TOPI_COORD_TF_CROP_AND_RESIZE ||
			  (unsigned)p->nearest > TOPI_NEAREST_CEIL))
		topi_fail(&b, SB_ERR_INVALID,
			  "unknown mode, coordinate transformation or nearest mode");
	if (!b.status && p->coord == TOPI_COORD_TF_CROP_AND_RESIZE && !p->roi)
		topi_fail(&b, SB_ERR_INVALID, "tf_crop_and_resize needs the roi");
	if (!b.status && !sb_dtype_is_float(xt.dtype) && !sb_dtype_is_int(xt.dtype))
		topi_fail(&b, SB_ERR_UNSUPPORTED, "dtype %s is not supported",
			  sb_dtype_name(xt.dtype));
	tir_buffer *x = b.status ? NULL : topi_input(&b, "X", xt);
	if (!x)
		return topi_builder_finish(&b, out);
	int rank = x->ndim;
	bool crop = p->coord == TOPI_COORD_TF_CROP_AND_RESIZE;
	tir_expr *shape[SB_MAX_RANK];
	rs_axis ax[SB_MAX_RANK];
	for (int i = 0; i < rank && !b.status; i++) {
		memset(&ax[i], 0, sizeof ax[i]);
		tir_expr *in = x->shape[i];
		if (p->sizes) {
			shape[i] = p->sizes[i];
			ax[i].identity = !crop && coord_keeps_identity(p->coord) &&
					 topi_prove(&b, tir_eq(ctx, p->sizes[i], in));
		} else {
			double s = p->scales[i], range = crop ? p->roi[rank + i] - p->roi[i] : 1.0;
			if (!(s > 0) || !isfinite(s)) {
				topi_fail(&b, SB_ERR_INVALID, "scales[%d] is %g; it must be > 0", i,
					  s);
				break;
			}
			ax[i].identity = !crop && s == 1.0 && coord_keeps_identity(p->coord);
			double f = range * s;
			if (!crop && f == floor(f) && f < 1e9)
				shape[i] = tir_mul(ctx, in, tir_int(ctx, (int64_t)f));
			else
				shape[i] = tir_cast(
				    ctx, TIR_INDEX_TYPE,
				    call1(&b, TIR_INTRIN_FLOOR,
					  tir_mul(ctx, tir_mul(ctx, to_f64(&b, in), F(&b, range)),
						  F(&b, s))));
		}
		if (!ax[i].identity) {
			char *is = tir_expr_to_string(in);
			topi_require(&b,
				     tir_or(ctx, tir_ge(ctx, in, tir_int(ctx, 1)),
					    tir_eq(ctx, shape[i], tir_int(ctx, 0))),
				     "axis %d: cannot resize an empty axis (%s)", i, is);
			free(is);
		}
	}
	tir_buffer *y = b.status ? NULL : topi_output(&b, "Y", xt.dtype, rank, shape);
	if (!y)
		return topi_builder_finish(&b, out);
	topi_nest n;
	topi_nest_begin(&b, &n, "resize", rank, y->shape);
	tir_expr *extrap = NULL;
	for (int i = 0; i < rank; i++) {
		if (ax[i].identity)
			continue;
		axis_taps(&b, p, i, rank, x->shape[i], y->shape[i], n.iv[i], &ax[i]);
		if (ax[i].extrap)
			extrap = extrap ? tir_or(ctx, extrap, ax[i].extrap) : ax[i].extrap;
	}
	tir_expr *idx[SB_MAX_RANK];
	tir_expr *v = tap_sum(&b, x, ax, n.iv, 0, idx);
	if (extrap)
		v = tir_select(ctx, extrap, F(&b, p->extrapolation_value), v);
	v = sb_dtype_is_float(xt.dtype) ? topi_convert(&b, v, xt.dtype)
					: round_saturate(&b, v, xt.dtype);
	topi_nest_store(&b, &n, y, v);
	return topi_builder_finish(&b, out);
}
