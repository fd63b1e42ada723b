/* Shape inference of the neural-network ops: normalisation (shape kept,
 * parameter vectors matched against the channel axis), convolution and
 * pooling (ONNX window formulas as tir expressions: with input h, pads
 * p0 + p1, kernel k, dilation d and stride s an output dim is
 * (h + p0 + p1 - d*(k - 1) - 1) // s + 1, simplified), resize, pad and the
 * depth/space rearrangements. */
#include <inttypes.h>

#include "op_impl.h"

/* ---- normalisation ---- */

/* Argument `arg` is a vector of the channel dim `c`. */
static sb_status channel_vector(relax_infer_ctx *ctx, int arg, tir_expr *c, sb_dtype *dt)
{
	relax_tensor_view v;
	sb_status st = relax_infer_tensor(ctx, arg, &v);
	if (!st)
		st = relax_infer_same_dtype(ctx, 0, *dt, arg, v.dtype, dt);
	if (st)
		return st;
	if (v.ndim != 1)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "argument %d must be 1-D, not rank %d", arg, v.ndim);
	tir_expr *ignore;
	return relax_infer_match(ctx, arg, 0, c, &ignore);
}

sb_status infer_batch_norm(relax_infer_ctx *ctx)
{
	relax_tensor_view x;
	sb_status st = relax_infer_float_tensor(ctx, 0, &x);
	int ax;
	if (!st)
		st = relax_infer_axis(ctx, RELAX_CTX_ATTRS(ctx, batch_norm)->axis, x.ndim, &ax);
	sb_dtype dt = x.dtype;
	for (int i = 1; i < 5 && !st; i++)
		st = channel_vector(ctx, i, x.dims[ax], &dt);
	if (st)
		return st;
	relax_infer_set_tensor(ctx, x.dtype, x.ndim, x.dims);
	return SB_OK;
}

sb_status infer_instance_norm(relax_infer_ctx *ctx)
{
	relax_tensor_view x;
	sb_status st = relax_infer_float_tensor(ctx, 0, &x);
	if (st)
		return st;
	if (x.ndim < 3)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "the input must have rank >= 3, not %d", x.ndim);
	sb_dtype dt = x.dtype;
	for (int i = 1; i < 3 && !st; i++)
		st = channel_vector(ctx, i, x.dims[1], &dt);
	if (st)
		return st;
	relax_infer_set_tensor(ctx, x.dtype, x.ndim, x.dims);
	return SB_OK;
}

sb_status infer_layer_norm(relax_infer_ctx *ctx)
{
	const relax_attrs_layer_norm *a = RELAX_CTX_ATTRS(ctx, layer_norm);
	relax_tensor_view x;
	sb_status st = relax_infer_float_tensor(ctx, 0, &x);
	int ax;
	if (!st)
		st = relax_infer_axis(ctx, a->axis, x.ndim, &ax);
	if (st)
		return st;
	if (a->num_outputs != 1 && a->num_outputs != 3)
		return relax_infer_error(ctx, SB_ERR_INVALID, "num_outputs is %" PRId64 "; 1 or 3",
					 a->num_outputs);
	/* gamma and beta broadcast to the normalised dims x.shape[axis:]. */
	sb_dtype dt = x.dtype;
	for (int i = 1; i < ctx->nargs; i++) {
		relax_tensor_view p;
		if ((st = relax_infer_tensor(ctx, i, &p)) ||
		    (st = relax_infer_same_dtype(ctx, 0, dt, i, p.dtype, &dt)))
			return st;
		if (p.ndim > x.ndim - ax)
			return relax_infer_error(
			    ctx, SB_ERR_INVALID,
			    "argument %d has rank %d; the normalised axes are %d", i, p.ndim,
			    x.ndim - ax);
		for (int k = 0; k < p.ndim; k++) {
			tir_expr *ignore;
			if (tir_expr_is_const(p.dims[k], 1))
				continue;
			if ((st = relax_infer_match(ctx, i, k, x.dims[x.ndim - p.ndim + k],
						    &ignore)))
				return st;
		}
	}
	const relax_sinfo *y = relax_infer_tensor_sinfo(ctx, x.dtype, x.ndim, x.dims);
	if (a->num_outputs == 1) {
		ctx->out = y;
		return SB_OK;
	}
	tir_expr *dims[SB_MAX_RANK];
	for (int i = 0; i < x.ndim; i++)
		dims[i] = i < ax ? x.dims[i] : relax_int(ctx, 1);
	const relax_sinfo *stat = relax_infer_tensor_sinfo(ctx, SB_F32, x.ndim, dims);
	const relax_sinfo *f[3] = {y, stat, stat};
	ctx->out = relax_sinfo_tuple(ctx->mod, 3, f);
	return SB_OK;
}

sb_status infer_mvn(relax_infer_ctx *ctx)
{
	const relax_attrs_axes *a = RELAX_CTX_ATTRS(ctx, axes);
	relax_tensor_view x;
	sb_status st = relax_infer_float_tensor(ctx, 0, &x);
	for (int k = 0; !st && a->axes.set && k < a->axes.n; k++) {
		int ax;
		st = relax_infer_axis(ctx, a->axes.v[k], x.ndim, &ax);
	}
	if (st)
		return st;
	relax_infer_set_tensor(ctx, x.dtype, x.ndim, x.dims);
	return SB_OK;
}

/* ---- sliding windows ---- */

typedef enum auto_pad { PAD_NOTSET, PAD_SAME_UPPER, PAD_SAME_LOWER, PAD_VALID } auto_pad;

typedef struct window {
	int nsp;
	auto_pad pad_mode;
	int64_t stride[SB_MAX_RANK], dilation[SB_MAX_RANK];
	int64_t pad_begin[SB_MAX_RANK], pad_end[SB_MAX_RANK];
} window;

static sb_status window_ints(relax_infer_ctx *ctx, const char *what, const relax_ints *v, int n,
			     int64_t min, int64_t def, int64_t *out)
{
	if (!v->set) {
		for (int i = 0; i < n; i++)
			out[i] = def;
		return SB_OK;
	}
	if (v->n != n)
		return relax_infer_error(ctx, SB_ERR_INVALID, "%s has %d values, expected %d", what,
					 v->n, n);
	for (int i = 0; i < n; i++) {
		if (v->v[i] < min || v->v[i] > ((int64_t)1 << 24))
			return relax_infer_error(ctx, SB_ERR_INVALID,
						 "%s[%d] is %" PRId64 "; it must be in [%" PRId64
						 ", 2^24]",
						 what, i, v->v[i], min);
		out[i] = v->v[i];
	}
	return SB_OK;
}

static sb_status window_read(relax_infer_ctx *ctx, int nsp, const relax_ints *strides,
			     const relax_ints *dilations, const relax_ints *pads,
			     const char *auto_pad_s, window *w)
{
	w->nsp = nsp;
	const char *ap = auto_pad_s ? auto_pad_s : "NOTSET";
	if (!strcmp(ap, "NOTSET"))
		w->pad_mode = PAD_NOTSET;
	else if (!strcmp(ap, "SAME_UPPER"))
		w->pad_mode = PAD_SAME_UPPER;
	else if (!strcmp(ap, "SAME_LOWER"))
		w->pad_mode = PAD_SAME_LOWER;
	else if (!strcmp(ap, "VALID"))
		w->pad_mode = PAD_VALID;
	else
		return relax_infer_error(
		    ctx, SB_ERR_INVALID,
		    "auto_pad \"%s\" is not NOTSET, SAME_UPPER, SAME_LOWER or VALID", ap);
	int64_t p[2 * SB_MAX_RANK];
	sb_status st = window_ints(ctx, "strides", strides, nsp, 1, 1, w->stride);
	if (!st)
		st = window_ints(ctx, "dilations", dilations, nsp, 1, 1, w->dilation);
	if (!st)
		st = window_ints(ctx, "pads", pads, 2 * nsp, 0, 0, p);
	if (st)
		return st;
	for (int i = 0; i < nsp; i++) {
		bool zero = w->pad_mode == PAD_VALID;
		w->pad_begin[i] = zero ? 0 : p[i];
		w->pad_end[i] = zero ? 0 : p[nsp + i];
	}
	return SB_OK;
}

/* The output size of spatial axis i for input size `in` and kernel `k`. */
static sb_status window_out(relax_infer_ctx *ctx, const window *w, int i, tir_expr *in, tir_expr *k,
			    bool ceil_mode, tir_expr **out)
{
	tir_ctx *t = ctx->tir;
	tir_expr *s = relax_int(ctx, w->stride[i]);
	if (w->pad_mode == PAD_SAME_UPPER || w->pad_mode == PAD_SAME_LOWER) {
		*out = tir_floordiv(t, tir_add(t, in, relax_int(ctx, w->stride[i] - 1)), s);
		return SB_OK;
	}
	/* dk = d*(k - 1) + 1: the kernel's extent. */
	tir_expr *dk =
	    tir_add(t, tir_mul(t, relax_int(ctx, w->dilation[i]), tir_sub(t, k, relax_int(ctx, 1))),
		    relax_int(ctx, 1));
	tir_expr *span =
	    tir_sub(t, tir_add(t, in, relax_int(ctx, w->pad_begin[i] + w->pad_end[i])), dk);
	span = relax_infer_simplify(ctx, span);
	sb_status st = relax_infer_require(
	    ctx, tir_ge(t, span, relax_int(ctx, 0)),
	    "spatial axis %d: the input with its pads is smaller than the kernel", i);
	if (st)
		return st;
	int64_t kc;
	/* The last window can start in the trailing pad only when the stride
	 * exceeds the kernel extent minus that pad: ceil(span/s)*s < span + s. */
	bool can_be_late = !tir_expr_is_int_imm(k, &kc) ||
			   w->stride[i] > w->dilation[i] * (kc - 1) + 1 - w->pad_end[i];
	if (ceil_mode && w->pad_mode == PAD_NOTSET && !can_be_late) {
		*out = tir_add(
		    t, tir_floordiv(t, tir_add(t, span, relax_int(ctx, w->stride[i] - 1)), s),
		    relax_int(ctx, 1));
	} else if (ceil_mode && w->pad_mode == PAD_NOTSET) {
		tir_expr *o = tir_add(
		    t, tir_floordiv(t, tir_add(t, span, relax_int(ctx, w->stride[i] - 1)), s),
		    relax_int(ctx, 1));
		/* The last window must start inside the input or the leading pad. */
		tir_expr *late = tir_ge(t, tir_mul(t, tir_sub(t, o, relax_int(ctx, 1)), s),
					tir_add(t, in, relax_int(ctx, w->pad_begin[i])));
		*out = tir_select(t, late, tir_sub(t, o, relax_int(ctx, 1)), o);
	} else {
		*out = tir_add(t, tir_floordiv(t, span, s), relax_int(ctx, 1));
	}
	return SB_OK;
}

static sb_status conv(relax_infer_ctx *ctx, int nsp)
{
	const relax_attrs_conv *a = RELAX_CTX_ATTRS(ctx, conv);
	relax_tensor_view x, wt;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (!st)
		st = relax_infer_tensor(ctx, 1, &wt);
	sb_dtype dt;
	if (!st)
		st = relax_infer_same_dtype(ctx, 0, x.dtype, 1, wt.dtype, &dt);
	if (st)
		return st;
	if (x.ndim != nsp + 2 || wt.ndim != nsp + 2)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "data and weight must have rank %d (ranks %d, %d)",
					 nsp + 2, x.ndim, wt.ndim);
	if (a->groups < 1)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "groups is %" PRId64 "; it must be >= 1", a->groups);
	window w;
	if ((st = window_read(ctx, nsp, &a->strides, &a->dilations, &a->pads, a->auto_pad, &w)))
		return st;
	tir_ctx *t = ctx->tir;
	tir_expr *g = relax_int(ctx, a->groups), *c, *m = wt.dims[0];
	/* data channels == weight's input channels * groups */
	if ((st = relax_infer_match(ctx, 0, 1, tir_mul(t, wt.dims[1], g), &c)))
		return st;
	if ((st = relax_infer_require(ctx, tir_eq(t, tir_floormod(t, m, g), relax_int(ctx, 0)),
				      "the output channels are not a multiple of groups")))
		return st;
	if (ctx->nargs == 3 && (st = channel_vector(ctx, 2, m, &dt)))
		return st;
	tir_expr *dims[SB_MAX_RANK] = {x.dims[0], m};
	for (int i = 0; i < nsp; i++)
		if ((st = window_out(ctx, &w, i, x.dims[2 + i], wt.dims[2 + i], false,
				     &dims[2 + i])))
			return st;
	relax_infer_set_tensor(ctx, dt, nsp + 2, dims);
	return SB_OK;
}

sb_status infer_conv1d(relax_infer_ctx *ctx)
{
	return conv(ctx, 1);
}
sb_status infer_conv2d(relax_infer_ctx *ctx)
{
	return conv(ctx, 2);
}
sb_status infer_conv3d(relax_infer_ctx *ctx)
{
	return conv(ctx, 3);
}

static sb_status conv_transpose(relax_infer_ctx *ctx, int nsp)
{
	const relax_attrs_conv_transpose *a = RELAX_CTX_ATTRS(ctx, conv_transpose);
	relax_tensor_view x, wt;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (!st)
		st = relax_infer_tensor(ctx, 1, &wt);
	sb_dtype dt;
	if (!st)
		st = relax_infer_same_dtype(ctx, 0, x.dtype, 1, wt.dtype, &dt);
	if (st)
		return st;
	if (x.ndim != nsp + 2 || wt.ndim != nsp + 2)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "data and weight must have rank %d (ranks %d, %d)",
					 nsp + 2, x.ndim, wt.ndim);
	if (a->groups < 1)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "groups is %" PRId64 "; it must be >= 1", a->groups);
	window w;
	int64_t outpad[SB_MAX_RANK];
	if ((st = window_read(ctx, nsp, &a->strides, &a->dilations, &a->pads, a->auto_pad, &w)) ||
	    (st = window_ints(ctx, "output_padding", &a->output_padding, nsp, 0, 0, outpad)))
		return st;
	tir_ctx *t = ctx->tir;
	tir_expr *c;
	if ((st = relax_infer_match(ctx, 0, 1, wt.dims[0], &c)))
		return st;
	tir_expr *m = tir_mul(t, wt.dims[1], relax_int(ctx, a->groups));
	if (ctx->nargs == 3 && (st = channel_vector(ctx, 2, m, &dt)))
		return st;
	tir_expr *dims[SB_MAX_RANK] = {x.dims[0], m};
	for (int i = 0; i < nsp; i++) {
		tir_expr *in = x.dims[2 + i], *s = relax_int(ctx, w.stride[i]), *o;
		if (w.pad_mode == PAD_SAME_UPPER || w.pad_mode == PAD_SAME_LOWER) {
			o = tir_mul(t, in, s);
		} else {
			/* s*(in - 1) + output_padding + d*(k - 1) + 1 - pads */
			tir_expr *dk =
			    tir_add(t,
				    tir_mul(t, relax_int(ctx, w.dilation[i]),
					    tir_sub(t, wt.dims[2 + i], relax_int(ctx, 1))),
				    relax_int(ctx, 1));
			o = tir_add(t, tir_mul(t, s, tir_sub(t, in, relax_int(ctx, 1))), dk);
			o = tir_add(t, o,
				    relax_int(ctx, outpad[i] - w.pad_begin[i] - w.pad_end[i]));
		}
		dims[2 + i] = relax_infer_simplify(ctx, o);
		if ((st = relax_infer_require(ctx, tir_ge(t, dims[2 + i], relax_int(ctx, 0)),
					      "spatial axis %d: the pads exceed the output", i)))
			return st;
	}
	relax_infer_set_tensor(ctx, dt, nsp + 2, dims);
	return SB_OK;
}

sb_status infer_conv1d_transpose(relax_infer_ctx *ctx)
{
	return conv_transpose(ctx, 1);
}
sb_status infer_conv2d_transpose(relax_infer_ctx *ctx)
{
	return conv_transpose(ctx, 2);
}
sb_status infer_conv3d_transpose(relax_infer_ctx *ctx)
{
	return conv_transpose(ctx, 3);
}

static sb_status pool(relax_infer_ctx *ctx, int nsp)
{
	const relax_attrs_pool *a = RELAX_CTX_ATTRS(ctx, pool);
	relax_tensor_view x;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (st)
		return st;
	if (x.ndim != nsp + 2)
		return relax_infer_error(ctx, SB_ERR_INVALID, "the input must have rank %d, not %d",
					 nsp + 2, x.ndim);
	if (x.dtype == SB_BOOL)
		return relax_infer_error(ctx, SB_ERR_UNSUPPORTED, "bool tensors are not supported");
	bool is_max = ctx->op == RELAX_OP_MAX_POOL1D || ctx->op == RELAX_OP_MAX_POOL2D ||
		      ctx->op == RELAX_OP_MAX_POOL3D;
	if (a->return_indices && !is_max)
		return relax_infer_error(ctx, SB_ERR_INVALID, "only max pools return indices");
	if (!a->kernel.set)
		return relax_infer_error(ctx, SB_ERR_INVALID, "the kernel attribute is missing");
	int64_t kernel[SB_MAX_RANK];
	window w;
	if ((st = window_ints(ctx, "kernel", &a->kernel, nsp, 1, 1, kernel)) ||
	    (st = window_read(ctx, nsp, &a->strides, &a->dilations, &a->pads, a->auto_pad, &w)))
		return st;
	tir_expr *dims[SB_MAX_RANK] = {x.dims[0], x.dims[1]};
	for (int i = 0; i < nsp; i++)
		if ((st = window_out(ctx, &w, i, x.dims[2 + i], relax_int(ctx, kernel[i]),
				     a->ceil_mode != 0, &dims[2 + i])))
			return st;
	const relax_sinfo *y = relax_infer_tensor_sinfo(ctx, x.dtype, nsp + 2, dims);
	if (!a->return_indices) {
		ctx->out = y;
		return SB_OK;
	}
	const relax_sinfo *f[2] = {y, relax_infer_tensor_sinfo(ctx, SB_I64, nsp + 2, dims)};
	ctx->out = relax_sinfo_tuple(ctx->mod, 2, f);
	return SB_OK;
}

sb_status infer_pool1d(relax_infer_ctx *ctx)
{
	return pool(ctx, 1);
}
sb_status infer_pool2d(relax_infer_ctx *ctx)
{
	return pool(ctx, 2);
}
sb_status infer_pool3d(relax_infer_ctx *ctx)
{
	return pool(ctx, 3);
}

sb_status infer_global_pool(relax_infer_ctx *ctx)
{
	relax_tensor_view x;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (st)
		return st;
	if (x.ndim < 2)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "the input must have rank >= 2, not %d", x.ndim);
	tir_expr *dims[SB_MAX_RANK];
	for (int i = 0; i < x.ndim; i++)
		dims[i] = i < 2 ? x.dims[i] : relax_int(ctx, 1);
	relax_infer_set_tensor(ctx, x.dtype, x.ndim, dims);
	return SB_OK;
}

/* ---- resampling, padding, rearrangement ---- */

static bool one_of(const char *s, const char *const *options)
{
	for (; *options; options++)
		if (s && !strcmp(s, *options))
			return true;
	return false;
}

sb_status infer_resize(relax_infer_ctx *ctx)
{
	static const char *const modes[] = {"nearest", "linear", "cubic", NULL};
	static const char *const coords[] = {"half_pixel",
					     "half_pixel_symmetric",
					     "pytorch_half_pixel",
					     "align_corners",
					     "asymmetric",
					     "tf_crop_and_resize",
					     "tf_half_pixel_for_nn",
					     NULL};
	static const char *const nearest[] = {"round_prefer_floor", "round_prefer_ceil", "floor",
					      "ceil", NULL};
	const relax_attrs_resize *a = RELAX_CTX_ATTRS(ctx, resize);
	if (!one_of(a->mode, modes))
		return relax_infer_error(ctx, SB_ERR_UNSUPPORTED, "mode \"%s\" is not supported",
					 a->mode);
	if (!one_of(a->coordinate_transformation_mode, coords))
		return relax_infer_error(ctx, SB_ERR_UNSUPPORTED,
					 "coordinate_transformation_mode \"%s\" is not supported",
					 a->coordinate_transformation_mode);
	if (!one_of(a->nearest_mode, nearest))
		return relax_infer_error(ctx, SB_ERR_UNSUPPORTED,
					 "nearest_mode \"%s\" is not supported", a->nearest_mode);
	relax_tensor_view x;
	int n;
	tir_expr **size;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (!st)
		st = relax_infer_shape_arg(ctx, 1, &n, &size);
	if (st)
		return st;
	if (n != x.ndim)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "the output shape has %d values for an input of rank %d",
					 n, x.ndim);
	if (a->scales.set && a->scales.n != x.ndim)
		return relax_infer_error(ctx, SB_ERR_INVALID, "scales has %d values for rank %d",
					 a->scales.n, x.ndim);
	relax_infer_set_tensor(ctx, x.dtype, n, size);
	return SB_OK;
}

sb_status infer_pad(relax_infer_ctx *ctx)
{
	static const char *const modes[] = {"constant", "reflect", "edge", "wrap", NULL};
	const relax_attrs_pad *a = RELAX_CTX_ATTRS(ctx, pad);
	relax_tensor_view x;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (st)
		return st;
	if (!one_of(a->mode, modes))
		return relax_infer_error(ctx, SB_ERR_UNSUPPORTED, "mode \"%s\" is not supported",
					 a->mode);
	if (ctx->nargs == 2) {
		sb_dtype dt, ignore;
		if ((st = relax_infer_scalar_arg(ctx, 1, &dt)) ||
		    (st = relax_infer_same_dtype(ctx, 0, x.dtype, 1, dt, &ignore)))
			return st;
	}
	if (a->pads.set && a->pads.n != 2 * x.ndim)
		return relax_infer_error(ctx, SB_ERR_INVALID, "pads has %d values for rank %d",
					 a->pads.n, x.ndim);
	tir_expr *dims[SB_MAX_RANK];
	for (int i = 0; i < x.ndim; i++) {
		int64_t b = a->pads.set ? a->pads.v[i] : 0,
			e = a->pads.set ? a->pads.v[x.ndim + i] : 0;
		dims[i] =
		    relax_infer_simplify(ctx, tir_add(ctx->tir, x.dims[i], relax_int(ctx, b + e)));
		if ((st = relax_infer_require(ctx, tir_ge(ctx->tir, dims[i], relax_int(ctx, 0)),
					      "axis %d: the negative pads remove more than the dim",
					      i)))
			return st;
	}
	relax_infer_set_tensor(ctx, x.dtype, x.ndim, dims);
	return SB_OK;
}

static sb_status depth_space(relax_infer_ctx *ctx, bool to_space)
{
	const relax_attrs_depth_to_space *a = RELAX_CTX_ATTRS(ctx, depth_to_space);
	relax_tensor_view x;
	sb_status st = relax_infer_tensor(ctx, 0, &x);
	if (st)
		return st;
	if (x.ndim != 4)
		return relax_infer_error(ctx, SB_ERR_INVALID, "the input must be 4-D, not rank %d",
					 x.ndim);
	if (a->blocksize < 1 || a->blocksize > ((int64_t)1 << 24))
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "blocksize %" PRId64 " is out of range", a->blocksize);
	if (to_space && strcmp(a->mode, "DCR") && strcmp(a->mode, "CRD"))
		return relax_infer_error(ctx, SB_ERR_INVALID, "mode \"%s\" is not DCR or CRD",
					 a->mode);
	tir_ctx *t = ctx->tir;
	tir_expr *b = relax_int(ctx, a->blocksize),
		 *bb = relax_int(ctx, a->blocksize * a->blocksize);
	tir_expr *zero = relax_int(ctx, 0);
	tir_expr *dims[4] = {x.dims[0]};
	if (to_space) {
		if ((st = relax_infer_require(ctx, tir_eq(t, tir_floormod(t, x.dims[1], bb), zero),
					      "the channels are not a multiple of blocksize^2")))
			return st;
		dims[1] = tir_floordiv(t, x.dims[1], bb);
		dims[2] = tir_mul(t, x.dims[2], b);
		dims[3] = tir_mul(t, x.dims[3], b);
	} else {
		for (int i = 2; i < 4; i++)
			if ((st = relax_infer_require(
				 ctx, tir_eq(t, tir_floormod(t, x.dims[i], b), zero),
				 "dim %d is not a multiple of the blocksize", i)))
				return st;
		dims[1] = tir_mul(t, x.dims[1], bb);
		dims[2] = tir_floordiv(t, x.dims[2], b);
		dims[3] = tir_floordiv(t, x.dims[3], b);
	}
	relax_infer_set_tensor(ctx, x.dtype, 4, dims);
	return SB_OK;
}

sb_status infer_depth_to_space(relax_infer_ctx *ctx)
{
	return depth_space(ctx, true);
}
sb_status infer_space_to_depth(relax_infer_ctx *ctx)
{
	return depth_space(ctx, false);
}
