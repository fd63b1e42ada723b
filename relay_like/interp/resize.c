/* Resize and Upsample: type relations and one separable resampler.
 *
 * Every resized axis gets a table of taps (source index, weight) per output
 * index, from its coordinate transformation and interpolation mode; the
 * tensor is then resampled one axis at a time, in double.  The ONNX
 * reference interpolates recursively in 1-D along each axis; doing the axes
 * as separate passes gives the same result because each 1-D interpolation
 * is linear in its inputs (and tf_crop_and_resize's extrapolation value
 * survives the later passes, whose weights sum to 1).
 *
 * Upsample (opsets 7-9) is Resize with asymmetric coordinates and floor
 * rounding for nearest. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "relay_like/op_impl.h"

typedef enum rs_mode { RS_NEAREST, RS_LINEAR, RS_CUBIC } rs_mode;
typedef enum rs_coord {
	RS_HALF_PIXEL,
	RS_PYTORCH_HALF_PIXEL,
	RS_ALIGN_CORNERS,
	RS_ASYMMETRIC,
	RS_TF_HALF_PIXEL_FOR_NN,
	RS_TF_CROP_AND_RESIZE,
} rs_coord;
typedef enum rs_round { RS_ROUND_PREFER_FLOOR, RS_ROUND_PREFER_CEIL, RS_FLOOR, RS_CEIL } rs_round;

static const char *const rs_mode_names[] = {"nearest", "linear", "cubic"};
static const char *const rs_coord_names[] = {"half_pixel",	     "pytorch_half_pixel",
					     "align_corners",	     "asymmetric",
					     "tf_half_pixel_for_nn", "tf_crop_and_resize"};
static const char *const rs_round_names[] = {"round_prefer_floor", "round_prefer_ceil", "floor",
					     "ceil"};

typedef struct rs_plan {
	rs_mode mode;
	rs_coord coord;
	rs_round round;
	double cubic_a, extrapolation;
	bool exclude_outside;
	int rank;
	int64_t in[SB_MAX_RANK], out[SB_MAX_RANK]; /* -1 where unknown (relations) */
	double scale[SB_MAX_RANK];  /* output / input, as the coordinate formulas use it */
	double length[SB_MAX_RANK]; /* resized length in the align_corners/crop formulas */
	double roi_start[SB_MAX_RANK], roi_end[SB_MAX_RANK];
} rs_plan;

static int rs_lookup(const char *s, const char *const *names, int n)
{
	for (int i = 0; s && i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static sb_status rs_parse_attrs(relay_op op, const char *node, const relay_attrs_resize *a,
				rs_plan *p)
{
	memset(p, 0, sizeof *p);
	int mode = rs_lookup(a->mode, rs_mode_names, 3);
	if (op == RELAY_OP_UPSAMPLE) {
		/* Upsample-7 spells bilinear as "linear"; older exporters wrote "bilinear". */
		if (a->mode && !strcmp(a->mode, "bilinear"))
			mode = RS_LINEAR;
		if (mode != RS_NEAREST && mode != RS_LINEAR)
			return relay_op_error(op, node, SB_ERR_INVALID,
					      "mode '%s' is not nearest or linear",
					      a->mode ? a->mode : "");
		p->mode = (rs_mode)mode;
		p->coord = RS_ASYMMETRIC;
		p->round = RS_FLOOR;
		return SB_OK;
	}
	int coord = rs_lookup(a->coordinate_transformation_mode, rs_coord_names, 6);
	int round = rs_lookup(a->nearest_mode, rs_round_names, 4);
	if (mode < 0)
		return relay_op_error(op, node, SB_ERR_INVALID,
				      "mode '%s' is not nearest, linear or cubic",
				      a->mode ? a->mode : "");
	if (coord < 0)
		return relay_op_error(
		    op, node, SB_ERR_INVALID,
		    "coordinate_transformation_mode '%s' is not one of half_pixel, "
		    "pytorch_half_pixel, align_corners, asymmetric, tf_half_pixel_for_nn, "
		    "tf_crop_and_resize",
		    a->coordinate_transformation_mode ? a->coordinate_transformation_mode : "");
	if (round < 0)
		return relay_op_error(
		    op, node, SB_ERR_INVALID,
		    "nearest_mode '%s' is not round_prefer_floor, round_prefer_ceil, floor or ceil",
		    a->nearest_mode ? a->nearest_mode : "");
	if (a->exclude_outside != 0 && a->exclude_outside != 1)
		return relay_op_error(op, node, SB_ERR_INVALID,
				      "exclude_outside must be 0 or 1, got %" PRId64,
				      a->exclude_outside);
	p->mode = (rs_mode)mode;
	p->coord = (rs_coord)coord;
	p->round = (rs_round)round;
	p->cubic_a = a->cubic_coeff_a;
	p->extrapolation = a->extrapolation_value;
	p->exclude_outside = a->exclude_outside != 0;
	return SB_OK;
}

/* Output sizes and per-axis scales from known values.  `in` entries are -1
 * where unknown; roi/scales/sizes are NULL when absent or empty. */
static sb_status rs_plan_sizes(relay_op op, const char *node, rs_plan *p, int rank,
			       const int64_t *in, const sb_tensor *roi, const sb_tensor *scales,
			       const sb_tensor *sizes)
{
	p->rank = rank;
	for (int i = 0; i < rank; i++) {
		p->in[i] = in[i];
		p->roi_start[i] = 0.0;
		p->roi_end[i] = 1.0;
	}
	if (scales && sizes)
		return relay_op_error(op, node, SB_ERR_INVALID,
				      "only one of scales and sizes may be given");
	if (!scales && !sizes)
		return relay_op_error(op, node, SB_ERR_INVALID,
				      "one of scales and sizes is required");
	const sb_tensor *v = scales ? scales : sizes;
	const char *vname = scales ? "scales" : "sizes";
	if (v->dl.ndim != 1 || v->shape[0] != rank)
		return relay_op_error(op, node, SB_ERR_INVALID,
				      "%s must be 1-D with %d values (the input rank)", vname,
				      rank);
	if (p->coord == RS_TF_CROP_AND_RESIZE) {
		if (!roi)
			return relay_op_error(op, node, SB_ERR_INVALID,
					      "tf_crop_and_resize needs the roi input");
		if (!sb_dtype_is_float(roi->dtype) || roi->dl.ndim != 1 ||
		    roi->shape[0] != 2 * rank)
			return relay_op_error(
			    op, node, SB_ERR_INVALID,
			    "roi must be a 1-D float tensor of %d values [starts..., ends...]",
			    2 * rank);
		for (int i = 0; i < rank; i++) {
			p->roi_start[i] = sb_tensor_get_f64(roi, i);
			p->roi_end[i] = sb_tensor_get_f64(roi, rank + i);
		}
	}
	bool crop = p->coord == RS_TF_CROP_AND_RESIZE;
	for (int i = 0; i < rank; i++) {
		double range = crop ? p->roi_end[i] - p->roi_start[i] : 1.0;
		if (sizes) {
			int64_t s = sb_tensor_get_i64(sizes, i);
			if (s < 0)
				return relay_op_error(op, node, SB_ERR_INVALID,
						      "sizes[%d] is negative (%" PRId64 ")", i, s);
			p->out[i] = s;
			p->length[i] = (double)s;
			p->scale[i] = in[i] > 0 ? (double)s / (double)in[i] : 1.0;
		} else {
			double s = sb_tensor_get_f64(scales, i);
			if (!(s > 0.0) || !isfinite(s))
				return relay_op_error(op, node, SB_ERR_INVALID,
						      "scales[%d] is %g; it must be > 0", i, s);
			p->scale[i] = s;
			/* The ONNX reference uses this unrounded length in the
			 * align_corners and crop formulas. */
			p->length[i] = in[i] >= 0 ? (double)in[i] * range * s : -1.0;
			double o = floor(p->length[i]);
			if (in[i] >= 0 && !(o >= 0.0 && o < 9.2e18))
				return relay_op_error(op, node, SB_ERR_INVALID,
						      "axis %d: output size %g is out of range", i,
						      o);
			p->out[i] = in[i] >= 0 ? (int64_t)o : -1;
		}
		if (in[i] == 0 && p->out[i] > 0)
			return relay_op_error(
			    op, node, SB_ERR_INVALID,
			    "axis %d: cannot resize an empty axis to size %" PRId64, i, p->out[i]);
	}
	return SB_OK;
}

/* ---- Type relations ---- */

/* An optional input that is absent, or an empty tensor. */
static bool rs_input_absent(relay_op_ctx *ctx, int i)
{
	if (i >= ctx->nin || !ctx->in[i])
		return true;
	if (ctx->value[i])
		return sb_tensor_numel(ctx->value[i]) == 0;
	const relay_type *t = ctx->in[i];
	for (int d = 0; d < t->rank; d++)
		if (t->dims[d].value == 0)
			return true;
	return false;
}

static sb_status rs_check_input(relay_op_ctx *ctx, int i, const char *name, bool want_float)
{
	if (i >= ctx->nin || !ctx->in[i])
		return SB_OK;
	const relay_type *t = ctx->in[i];
	if (t->kind != RELAY_TYPE_TENSOR)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "%s must be a tensor", name);
	if (want_float ? !sb_dtype_is_float(t->dtype) : !sb_dtype_is_int(t->dtype))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "%s has dtype %s; it must be %s", name,
				       sb_dtype_name(t->dtype),
				       want_float ? "a float type" : "int64");
	if (t->rank > 1)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "%s must be 1-D, got rank %d", name,
				       t->rank);
	return SB_OK;
}

static sb_status rs_relation(relay_op_ctx *ctx, int i_roi, int i_scales, int i_sizes)
{
	if (ctx->nin < 1 || !ctx->in[0] || ctx->in[0]->kind != RELAY_TYPE_TENSOR)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input X must be a tensor");
	const relay_type *x = ctx->in[0];
	rs_plan p;
	sb_status st = rs_parse_attrs(ctx->op, ctx->node, CTX_ATTRS(ctx, resize), &p);
	if (st || (i_roi >= 0 && (st = rs_check_input(ctx, i_roi, "roi", true))) ||
	    (st = rs_check_input(ctx, i_scales, "scales", true)) ||
	    (i_sizes >= 0 && (st = rs_check_input(ctx, i_sizes, "sizes", false))))
		return st;
	if (x->rank > SB_MAX_RANK)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "rank %d is above the limit %d",
				       x->rank, SB_MAX_RANK);

	bool has_sizes = i_sizes >= 0 && !rs_input_absent(ctx, i_sizes);
	bool has_scales = !rs_input_absent(ctx, i_scales);
	bool has_roi = i_roi >= 0 && !rs_input_absent(ctx, i_roi);
	const sb_tensor *roi = has_roi ? ctx->value[i_roi] : NULL;
	const sb_tensor *scales = has_scales ? ctx->value[i_scales] : NULL;
	const sb_tensor *sizes = has_sizes ? ctx->value[i_sizes] : NULL;
	if (!has_sizes && !has_scales)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "one of scales and sizes is required");
	if (sizes && scales)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "only one of scales and sizes may be given");

	/* Output sizes need the values that decide them. */
	bool known = has_sizes ? sizes != NULL
		     : has_scales
			 ? scales != NULL && (p.coord != RS_TF_CROP_AND_RESIZE || !has_roi || roi)
			 : false;
	int rank = x->rank;
	if (rank < 0 && known)
		rank = (int)(has_sizes ? sizes : scales)->shape[0];
	if (rank < 0 || !known) {
		ctx->out[0] = relay_type_tensor(ctx->mod, x->dtype, rank, NULL);
		return SB_OK;
	}
	if (rank > SB_MAX_RANK)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "rank %d is above the limit %d",
				       rank, SB_MAX_RANK);
	int64_t in[SB_MAX_RANK];
	for (int i = 0; i < rank; i++)
		in[i] = x->rank >= 0 && relay_dim_is_known(x->dims[i]) ? x->dims[i].value : -1;
	if ((st = rs_plan_sizes(ctx->op, ctx->node, &p, rank, in, roi, has_sizes ? NULL : scales,
				has_sizes ? sizes : NULL)))
		return st;
	relay_dim *d = SB_ARENA_ARRAY(&ctx->mod->arena, relay_dim, rank ? rank : 1);
	for (int i = 0; i < rank; i++) {
		if (p.out[i] >= 0)
			d[i] = relay_dim_known(p.out[i]);
		else if (x->rank >= 0 && p.scale[i] == 1.0 && p.coord != RS_TF_CROP_AND_RESIZE)
			d[i] = x->dims[i]; /* scale 1 keeps a named dim */
		else
			d[i] = RELAY_DIM_UNKNOWN;
	}
	ctx->out[0] = relay_type_tensor(ctx->mod, x->dtype, rank, d);
	return SB_OK;
}

sb_status rel_resize(relay_op_ctx *ctx)
{
	return rs_relation(ctx, 1, 2, 3);
}
sb_status rel_upsample(relay_op_ctx *ctx)
{
	return rs_relation(ctx, -1, 1, -1);
}

/* ---- Kernels ---- */

static void rs_cubic_coeffs(double r, double A, double *c)
{
	double s = 1.0 - r;
	c[0] = ((A * (r + 1) - 5 * A) * (r + 1) + 8 * A) * (r + 1) - 4 * A;
	c[1] = ((A + 2) * r - (A + 3)) * r * r + 1;
	c[2] = ((A + 2) * s - (A + 3)) * s * s + 1;
	c[3] = ((A * (s + 1) - 5 * A) * (s + 1) + 8 * A) * (s + 1) - 4 * A;
}

static int rs_ntaps(const rs_plan *p)
{
	return p->mode == RS_NEAREST ? 1 : p->mode == RS_LINEAR ? 2 : 4;
}

/* Taps of axis a: for output o, idx/wt[o * ntaps + t]; extrap[o] set when
 * the output takes the extrapolation value. */
static void rs_axis_taps(const rs_plan *p, int a, int64_t *idx, double *wt, uint8_t *extrap)
{
	int64_t in = p->in[a];
	int nt = rs_ntaps(p);
	double scale = p->scale[a], len = p->length[a];
	for (int64_t o = 0; o < p->out[a]; o++) {
		double x = (double)o, xo = 0.0;
		extrap[o] = 0;
		switch (p->coord) {
		case RS_HALF_PIXEL:
			xo = (x + 0.5) / scale - 0.5;
			break;
		case RS_PYTORCH_HALF_PIXEL:
			xo = len > 1.0 ? (x + 0.5) / scale - 0.5 : 0.0;
			break;
		case RS_ALIGN_CORNERS:
			xo = len == 1.0 ? 0.0 : x * (double)(in - 1) / (len - 1.0);
			break;
		case RS_ASYMMETRIC:
			xo = x / scale;
			break;
		case RS_TF_HALF_PIXEL_FOR_NN:
			xo = (x + 0.5) / scale;
			break;
		case RS_TF_CROP_AND_RESIZE: {
			double s0 = p->roi_start[a], s1 = p->roi_end[a], n1 = (double)(in - 1);
			xo = len > 1.0 ? s0 * n1 + x * (s1 - s0) * n1 / (len - 1.0)
				       : 0.5 * (s0 + s1) * n1;
			if (xo < 0.0 || xo > n1) {
				extrap[o] = 1;
				continue;
			}
			break;
		}
		}
		/* Far outside the input every tap clamps to an edge anyway;
		 * bounding xo keeps the integer conversion defined. */
		xo = isnan(xo) ? 0.0 : xo < -1e15 ? -1e15 : xo > 1e15 ? 1e15 : xo;
		double fl = floor(xo), r = xo - fl;
		int64_t base = (int64_t)fl;
		int64_t *ix = idx + o * nt;
		double *w = wt + o * nt;
		if (p->mode == RS_NEAREST) {
			bool up = r > 0.0 && (p->round == RS_CEIL ||
					      (p->round == RS_ROUND_PREFER_FLOOR && r > 0.5) ||
					      (p->round == RS_ROUND_PREFER_CEIL && r >= 0.5));
			ix[0] = base + (up ? 1 : 0);
			w[0] = 1.0;
		} else if (p->mode == RS_LINEAR) {
			ix[0] = base;
			ix[1] = base + 1;
			w[0] = 1.0 - r;
			w[1] = r;
		} else {
			for (int t = 0; t < 4; t++)
				ix[t] = base - 1 + t;
			rs_cubic_coeffs(r, p->cubic_a, w);
		}
		if (p->exclude_outside) {
			double sum = 0.0;
			for (int t = 0; t < nt; t++) {
				if (ix[t] < 0 || ix[t] >= in)
					w[t] = 0.0;
				sum += w[t];
			}
			for (int t = 0; t < nt && sum != 0.0; t++)
				w[t] /= sum;
		}
		/* Outside the input, the edge value (the reference pads by edge). */
		for (int t = 0; t < nt; t++)
			ix[t] = SB_MAX(0, SB_MIN(in - 1, ix[t]));
	}
}

static bool rs_axis_is_identity(const rs_plan *p, int a, const int64_t *idx, const double *wt,
				const uint8_t *extrap)
{
	int nt = rs_ntaps(p);
	if (p->in[a] != p->out[a])
		return false;
	for (int64_t o = 0; o < p->out[a]; o++) {
		if (extrap[o])
			return false;
		double self = 0.0;
		for (int t = 0; t < nt; t++) {
			if (idx[o * nt + t] == o)
				self += wt[o * nt + t];
			else if (wt[o * nt + t] != 0.0)
				return false;
		}
		if (self != 1.0)
			return false;
	}
	return true;
}

/* Writes doubles into y; integer outputs are rounded and saturated. */
static void rs_store(sb_tensor *y, double *v, int64_t n)
{
	if (sb_dtype_is_int(y->dtype) || y->dtype == SB_BOOL) {
		double lo = 0.0, hi = 1.0;
		switch (y->dtype) {
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
		for (int64_t i = 0; i < n; i++) {
			double r = round(v[i]);
			v[i] = isnan(r) ? 0.0 : r < lo ? lo : r > hi ? hi : r;
		}
	}
	sb_convert(y->dtype, sb_tensor_data(y), SB_F64, v, n);
}

static sb_status rs_execute(relay_kernel_ctx *ctx, const rs_plan *p, const sb_tensor *x,
			    sb_tensor *y)
{
	int rank = p->rank, nt = rs_ntaps(p);
	int64_t shape[SB_MAX_RANK];
	int64_t n = sb_tensor_numel(x), maxlen = 1;
	for (int i = 0; i < rank; i++) {
		shape[i] = p->in[i];
		maxlen = SB_MAX(maxlen, p->out[i]);
	}
	double *cur = malloc(sizeof(double) * (size_t)SB_MAX(1, n));
	int64_t *idx = malloc(sizeof(int64_t) * (size_t)(maxlen * nt));
	double *wt = malloc(sizeof(double) * (size_t)(maxlen * nt));
	uint8_t *extrap = malloc((size_t)maxlen);
	sb_status st = SB_OK;
	if (!cur || !idx || !wt || !extrap) {
		st = RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
		goto done;
	}
	sb_convert(SB_F64, cur, x->dtype, sb_tensor_data(x), n);

	/* Innermost axis first, as the reference's recursion does. */
	for (int a = rank - 1; a >= 0; a--) {
		rs_axis_taps(p, a, idx, wt, extrap);
		if (rs_axis_is_identity(p, a, idx, wt, extrap))
			continue;
		int64_t in_a = shape[a], out_a = p->out[a];
		int64_t outer = 1, inner = 1;
		for (int i = 0; i < a; i++)
			outer *= shape[i];
		for (int i = a + 1; i < rank; i++)
			inner *= shape[i];
		shape[a] = out_a;
		int64_t m = outer * out_a * inner;
		double *next = malloc(sizeof(double) * (size_t)SB_MAX(1, m));
		if (!next) {
			st = RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
			goto done;
		}
		for (int64_t ou = 0; ou < outer; ou++)
			for (int64_t o = 0; o < out_a; o++) {
				double *dst = next + (ou * out_a + o) * inner;
				if (extrap[o]) {
					for (int64_t j = 0; j < inner; j++)
						dst[j] = p->extrapolation;
					continue;
				}
				const double *src = cur + (ou * in_a + idx[o * nt]) * inner;
				double w0 = wt[o * nt];
				for (int64_t j = 0; j < inner; j++)
					dst[j] = w0 * src[j];
				for (int t = 1; t < nt; t++) {
					src = cur + (ou * in_a + idx[o * nt + t]) * inner;
					double wv = wt[o * nt + t];
					for (int64_t j = 0; j < inner; j++)
						dst[j] += wv * src[j];
				}
			}
		free(cur);
		cur = next;
		n = m;
	}
	rs_store(y, cur, n);
done:
	free(cur);
	free(idx);
	free(wt);
	free(extrap);
	return st;
}

static const sb_tensor *rs_kernel_input(relay_kernel_ctx *ctx, int i)
{
	if (i < 0 || i >= ctx->nin || !ctx->in[i] || sb_tensor_numel(ctx->in[i]) == 0)
		return NULL;
	return ctx->in[i];
}

static sb_status rs_kernel(relay_kernel_ctx *ctx, int i_roi, int i_scales, int i_sizes)
{
	if (ctx->nin < 1 || !ctx->in[0] || ctx->nout < 1 || !ctx->out[0])
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input X and output Y are required");
	sb_tensor *x = ctx->in[0], *y = ctx->out[0];
	int rank = x->dl.ndim;
	rs_plan p;
	sb_status st = rs_parse_attrs(ctx->op, ctx->node, CTX_ATTRS(ctx, resize), &p);
	if (st)
		return st;
	const sb_tensor *sizes = rs_kernel_input(ctx, i_sizes);
	const sb_tensor *scales = rs_kernel_input(ctx, i_scales);
	if (sizes && !sb_dtype_is_int(sizes->dtype))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "sizes must be int64");
	if (scales && !sb_dtype_is_float(scales->dtype))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "scales must be a float tensor");
	if ((st = rs_plan_sizes(ctx->op, ctx->node, &p, rank, x->shape, rs_kernel_input(ctx, i_roi),
				scales, sizes)))
		return st;
	if (!sb_shape_equal(y->dl.ndim, y->shape, rank, p.out) || y->dtype != x->dtype)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL,
				       "output buffer does not match the inferred type");
	return rs_execute(ctx, &p, x, y);
}

sb_status k_resize(relay_kernel_ctx *ctx)
{
	return rs_kernel(ctx, 1, 2, 3);
}
sb_status k_upsample(relay_kernel_ctx *ctx)
{
	return rs_kernel(ctx, -1, 1, -1);
}
