/* LegalizeOps rules of the computational ops: reductions, softmax,
 * cumsum, normalisation, matrix products, convolution, pooling, resize,
 * pad and depth/space rearrangement.  Attributes map one to one onto the
 * topi parameter structs; what topi cannot take (more spatial axes than
 * it has, a pad value that is not a constant) is an SB_ERR_UNSUPPORTED
 * error naming it. */
#include "legalize.h"

/* A rule's topi call, once the key is complete. */
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

static int nouts(const lg_call *c)
{
	return c->out->kind == RELAX_SINFO_TUPLE ? c->out->u.tuple.nfields : 1;
}

/* ---- Reductions ---- */

static bool reduce_op(relax_op op, topi_reduce_op *t)
{
	switch (op) {
#define R(r, t_)                                                                                   \
	case RELAX_OP_##r:                                                                         \
		*t = TOPI_REDUCE_##t_;                                                             \
		return true;
		R(SUM, SUM)
		R(MEAN, MEAN)
		R(MAX, MAX)
		R(MIN, MIN)
		R(PROD, PROD)
		R(REDUCE_L1, L1)
		R(REDUCE_L2, L2)
		R(LOG_SUM, LOG_SUM)
		R(LOG_SUM_EXP, LOG_SUM_EXP)
		R(SUM_SQUARE, SUM_SQUARE)
#undef R
	default:
		return false;
	}
}

sb_status lg_rule_reduce(lg_call *c)
{
	const relax_attrs_reduce *a = ATTRS(c, reduce);
	topi_tensor x;
	topi_reduce_op op;
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	if (!reduce_op(c->op, &op))
		return lg_error(c, SB_ERR_INTERNAL, "not a reduction");
	topi_reduce_params p = {.keepdims = a->keepdims != 0};
	if (a->axes.set) {
		if (a->axes.n > SB_MAX_RANK)
			return lg_error(c, SB_ERR_INVALID, "%d axes", a->axes.n);
		p.naxes = a->axes.n;
		for (int i = 0; i < a->axes.n; i++)
			p.axes[i] = a->axes.v[i];
	}
	LG_BUILD(c, topi_reduce(c->tir, name, op, x, &p, &f_));
}

sb_status lg_rule_arg_reduce(lg_call *c)
{
	const relax_attrs_arg_reduce *a = ATTRS(c, arg_reduce);
	topi_tensor x;
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	topi_arg_reduce_params p = {.axis = a->axis,
				    .keepdims = a->keepdims != 0,
				    .select_last_index = a->select_last_index != 0};
	LG_BUILD(c, topi_arg_reduce(c->tir, name, c->op == RELAX_OP_ARGMAX, x, &p, &f_));
}

sb_status lg_rule_softmax(lg_call *c)
{
	topi_tensor x;
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	topi_softmax_op op = c->op == RELAX_OP_SOFTMAX	   ? TOPI_SOFTMAX
			     : c->op == RELAX_OP_LOG_SOFTMAX ? TOPI_LOG_SOFTMAX
							     : TOPI_HARDMAX;
	topi_softmax_params p = {.axis = ATTRS(c, axis)->axis};
	LG_BUILD(c, topi_softmax(c->tir, name, op, x, &p, &f_));
}

sb_status lg_rule_cumsum(lg_call *c)
{
	const relax_attrs_cumsum *a = ATTRS(c, cumsum);
	topi_tensor x;
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	topi_cumsum_params p = {
	    .axis = a->axis, .exclusive = a->exclusive != 0, .reverse = a->reverse != 0};
	LG_BUILD(c, topi_cumsum(c->tir, name, x, &p, &f_));
}

/* ---- Normalisation ---- */

sb_status lg_rule_batch_norm(lg_call *c)
{
	const relax_attrs_batch_norm *a = ATTRS(c, batch_norm);
	topi_tensor t[5];
	for (int i = 0; i < 5; i++) {
		sb_status st = lg_buffer(c, i, &t[i]);
		if (st)
			return st;
	}
	if (a->axis != 1)
		return lg_error(c, SB_ERR_UNSUPPORTED, "axis %lld (the kernel normalises axis 1)",
				(long long)a->axis);
	LG_BUILD(c, topi_batch_norm(c->tir, name, t[0], t[1], t[2], t[3], t[4], a->epsilon, &f_));
}

sb_status lg_rule_layer_norm(lg_call *c)
{
	const relax_attrs_layer_norm *a = ATTRS(c, layer_norm);
	topi_tensor x, scale, bias;
	sb_status st;
	if ((st = lg_buffer(c, 0, &x)) || (st = lg_buffer(c, 1, &scale)))
		return st;
	bool has_bias = c->nargs > 2;
	if (has_bias && (st = lg_buffer(c, 2, &bias)))
		return st;
	topi_layer_norm_params p = {.axis = a->axis, .epsilon = a->epsilon, .nout = nouts(c)};
	LG_BUILD(c,
		 topi_layer_norm(c->tir, name, x, scale, has_bias ? &bias : NULL, &p, &f_));
}

sb_status lg_rule_instance_norm(lg_call *c)
{
	topi_tensor t[3];
	for (int i = 0; i < 3; i++) {
		sb_status st = lg_buffer(c, i, &t[i]);
		if (st)
			return st;
	}
	LG_BUILD(c, topi_instance_norm(c->tir, name, t[0], t[1], t[2],
				       ATTRS(c, epsilon)->epsilon, &f_));
}

sb_status lg_rule_lrn(lg_call *c)
{
	const relax_attrs_lrn *a = ATTRS(c, lrn);
	topi_tensor x;
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	topi_lrn_params p = {.alpha = a->alpha, .beta = a->beta, .bias = a->bias, .size = a->size};
	LG_BUILD(c, topi_lrn(c->tir, name, x, &p, &f_));
}

sb_status lg_rule_mvn(lg_call *c)
{
	const relax_attrs_axes *a = ATTRS(c, axes);
	topi_tensor x;
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	topi_mvn_params p = {0};
	if (a->axes.set) {
		if (a->axes.n > SB_MAX_RANK)
			return lg_error(c, SB_ERR_INVALID, "%d axes", a->axes.n);
		p.naxes = a->axes.n;
		for (int i = 0; i < a->axes.n; i++)
			p.axes[i] = a->axes.v[i];
	}
	LG_BUILD(c, topi_mvn(c->tir, name, x, &p, &f_));
}

/* ---- Matrix products ---- */

sb_status lg_rule_matmul(lg_call *c)
{
	topi_tensor a, b;
	sb_status st;
	if ((st = lg_buffer(c, 0, &a)) || (st = lg_buffer(c, 1, &b)))
		return st;
	LG_BUILD(c, topi_matmul(c->tir, name, a, b, &f_));
}

sb_status lg_rule_gemm(lg_call *c)
{
	const relax_attrs_gemm *g = ATTRS(c, gemm);
	topi_tensor a, b, bias;
	sb_status st;
	if ((st = lg_buffer(c, 0, &a)) || (st = lg_buffer(c, 1, &b)))
		return st;
	bool has_c = c->nargs > 2;
	if (has_c && (st = lg_buffer(c, 2, &bias)))
		return st;
	topi_gemm_params p = {.alpha = g->alpha,
			      .beta = g->beta,
			      .trans_a = g->trans_a != 0,
			      .trans_b = g->trans_b != 0};
	LG_BUILD(c, topi_gemm(c->tir, name, a, b, has_c ? &bias : NULL, &p, &f_));
}

sb_status lg_rule_einsum(lg_call *c)
{
	topi_tensor xs[LG_MAX_ARGS];
	if (c->nargs > LG_MAX_ARGS)
		return lg_error(c, SB_ERR_UNSUPPORTED, "%d operands", c->nargs);
	for (int i = 0; i < c->nargs; i++) {
		sb_status st = lg_buffer(c, i, &xs[i]);
		if (st)
			return st;
	}
	const char *eq = ATTRS(c, einsum)->equation;
	LG_BUILD(c, topi_einsum(c->tir, name, eq ? eq : "", c->nargs, xs, &f_));
}

/* ---- Windows ---- */

static sb_status auto_pad_of(lg_call *c, const char *s, topi_auto_pad *out)
{
	if (!s || !strcmp(s, "NOTSET"))
		*out = TOPI_PAD_NOTSET;
	else if (!strcmp(s, "SAME_UPPER"))
		*out = TOPI_PAD_SAME_UPPER;
	else if (!strcmp(s, "SAME_LOWER"))
		*out = TOPI_PAD_SAME_LOWER;
	else if (!strcmp(s, "VALID"))
		*out = TOPI_PAD_VALID;
	else
		return lg_error(c, SB_ERR_INVALID, "auto_pad \"%s\"", s);
	return SB_OK;
}

/* strides, dilations, pads (absent: topi's defaults) of nsp axes. */
static sb_status window_of(lg_call *c, int nsp, const relax_ints *strides, const relax_ints *pads,
			   const relax_ints *dilations, const char *auto_pad, topi_window *w)
{
	memset(w, 0, sizeof *w);
	if (nsp < 1 || nsp > TOPI_MAX_SPATIAL)
		return lg_error(c, SB_ERR_UNSUPPORTED, "%d spatial axes", nsp);
	if ((strides->set && strides->n != nsp) || (dilations->set && dilations->n != nsp) ||
	    (pads->set && pads->n != 2 * nsp))
		return lg_error(c, SB_ERR_INVALID,
				"strides, dilations and pads must have %d, %d and %d values", nsp,
				nsp, 2 * nsp);
	for (int i = 0; i < nsp; i++) {
		w->strides[i] = strides->set ? strides->v[i] : 1;
		w->dilations[i] = dilations->set ? dilations->v[i] : 1;
		w->pads[i] = pads->set ? pads->v[i] : 0;
	}
	/* topi's pads are [begin..., end...] over nsp axes. */
	for (int i = 0; i < nsp; i++)
		w->pads[nsp + i] = pads->set ? pads->v[nsp + i] : 0;
	return auto_pad_of(c, auto_pad, &w->auto_pad);
}

sb_status lg_rule_conv(lg_call *c)
{
	const relax_attrs_conv *a = ATTRS(c, conv);
	topi_tensor x, w, bias;
	sb_status st;
	if ((st = lg_buffer(c, 0, &x)) || (st = lg_buffer(c, 1, &w)))
		return st;
	bool has_bias = c->nargs > 2;
	if (has_bias && (st = lg_buffer(c, 2, &bias)))
		return st;
	topi_conv_params p = {.groups = a->groups};
	if ((st = window_of(c, x.ndim - 2, &a->strides, &a->pads, &a->dilations, a->auto_pad,
			    &p.win)))
		return st;
	LG_BUILD(c, topi_conv(c->tir, name, x, w, has_bias ? &bias : NULL, &p, &f_));
}

sb_status lg_rule_conv_transpose(lg_call *c)
{
	const relax_attrs_conv_transpose *a = ATTRS(c, conv_transpose);
	topi_tensor x, w, bias;
	sb_status st;
	if ((st = lg_buffer(c, 0, &x)) || (st = lg_buffer(c, 1, &w)))
		return st;
	bool has_bias = c->nargs > 2;
	if (has_bias && (st = lg_buffer(c, 2, &bias)))
		return st;
	int nsp = x.ndim - 2;
	topi_conv_transpose_params p = {.groups = a->groups};
	if ((st = window_of(c, nsp, &a->strides, &a->pads, &a->dilations, a->auto_pad, &p.win)))
		return st;
	if (a->output_padding.set) {
		if (a->output_padding.n != nsp)
			return lg_error(c, SB_ERR_INVALID, "output_padding has %d values for %d axes",
					a->output_padding.n, nsp);
		for (int i = 0; i < nsp; i++)
			p.output_padding[i] = a->output_padding.v[i];
	}
	LG_BUILD(c, topi_conv_transpose(c->tir, name, x, w, has_bias ? &bias : NULL, &p, &f_));
}

sb_status lg_rule_pool(lg_call *c)
{
	const relax_attrs_pool *a = ATTRS(c, pool);
	topi_tensor x;
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	int nsp = x.ndim - 2;
	topi_pool_params p = {
	    .ceil_mode = a->ceil_mode != 0,
	    .count_include_pad = a->count_include_pad != 0,
	    .indices = a->return_indices != 0,
	    .storage_order = a->storage_order != 0,
	};
	if ((st = window_of(c, nsp, &a->strides, &a->pads, &a->dilations, a->auto_pad, &p.win)))
		return st;
	if (!a->kernel.set || a->kernel.n != nsp)
		return lg_error(c, SB_ERR_INVALID, "the kernel needs %d values", nsp);
	for (int i = 0; i < nsp; i++)
		p.kernel[i] = a->kernel.v[i];
	bool is_max = c->op == RELAX_OP_MAX_POOL1D || c->op == RELAX_OP_MAX_POOL2D ||
		      c->op == RELAX_OP_MAX_POOL3D;
	if (p.indices && !is_max)
		return lg_error(c, SB_ERR_INVALID, "return_indices on an average pool");
	LG_BUILD(c, topi_pool(c->tir, name, is_max ? TOPI_POOL_MAX : TOPI_POOL_AVG, x, &p, &f_));
}

sb_status lg_rule_global_pool(lg_call *c)
{
	topi_tensor x;
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	topi_pool_op op = c->op == RELAX_OP_GLOBAL_MAX_POOL ? TOPI_POOL_MAX : TOPI_POOL_AVG;
	LG_BUILD(c, topi_global_pool(c->tir, name, op, x, &f_));
}

/* ---- Resampling, padding, rearrangement ---- */

static bool pick(lg_call *c, const char *s, const char *const *names, int n, int *out,
		 const char *what)
{
	for (int i = 0; i < n; i++)
		if (s && !strcmp(s, names[i])) {
			*out = i;
			return true;
		}
	lg_error(c, SB_ERR_UNSUPPORTED, "%s \"%s\"", what, s ? s : "");
	return false;
}

sb_status lg_rule_resize(lg_call *c)
{
	static const char *const modes[] = {"nearest", "linear", "cubic"};
	static const char *const coords[] = {"half_pixel",	    "pytorch_half_pixel",
					     "align_corners",	    "asymmetric",
					     "tf_half_pixel_for_nearest", "tf_crop_and_resize"};
	static const char *const nearest[] = {"round_prefer_floor", "round_prefer_ceil", "floor",
					      "ceil"};
	const relax_attrs_resize *a = ATTRS(c, resize);
	topi_tensor x;
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	int mode, coord, near;
	if (!pick(c, a->mode, modes, 3, &mode, "mode") ||
	    !pick(c, a->coordinate_transformation_mode, coords, 6, &coord,
		  "coordinate_transformation_mode") ||
	    !pick(c, a->nearest_mode, nearest, 4, &near, "nearest_mode"))
		return c->status;
	int r = x.ndim;
	double scales[SB_MAX_RANK], roi[2 * SB_MAX_RANK];
	topi_resize_params p = {
	    .mode = (topi_resize_mode)mode,
	    .coord = (topi_resize_coord)coord,
	    .nearest = (topi_resize_nearest)near,
	    .cubic_coeff_a = a->cubic_coeff_a,
	    .exclude_outside = a->exclude_outside != 0,
	    .extrapolation_value = a->extrapolation_value,
	};
	if (a->roi.set) {
		if (a->roi.n != 2 * r)
			return lg_error(c, SB_ERR_INVALID, "roi has %d values for rank %d", a->roi.n,
					r);
		for (int i = 0; i < 2 * r; i++)
			roi[i] = a->roi.v[i];
		p.roi = roi;
	}
	tir_expr **sizes = SB_ARENA_ARRAY(relax_arena(c->m), tir_expr *, SB_MAX_RANK);
	if (a->scales.set) {
		/* The coordinate map uses the model's scales; topi derives the
		 * output size from them as the shape inference did. */
		if (a->scales.n != r)
			return lg_error(c, SB_ERR_INVALID, "scales has %d values for rank %d",
					a->scales.n, r);
		for (int i = 0; i < r; i++)
			scales[i] = a->scales.v[i];
		p.scales = scales;
	} else {
		int n;
		if ((st = lg_out_shape(c, 0, &n, sizes, NULL)))
			return st;
		p.sizes = sizes;
	}
	LG_BUILD(c, topi_resize(c->tir, name, x, &p, &f_));
}

sb_status lg_rule_pad(lg_call *c)
{
	const relax_attrs_pad *a = ATTRS(c, pad);
	topi_tensor x;
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	topi_pad_params p = {0};
	static const char *const modes[] = {"constant", "reflect", "edge"};
	int mode;
	if (!pick(c, a->mode, modes, 3, &mode, "mode"))
		return c->status;
	p.mode = (topi_pad_mode)mode;
	if (!a->pads.set || a->pads.n != 2 * x.ndim)
		return lg_error(c, SB_ERR_INVALID, "pads needs %d values", 2 * x.ndim);
	p.pads = a->pads.v;
	if (c->nargs > 1) {
		if (!lg_const_scalar(c, 1, &p.value))
			return lg_error(c, SB_ERR_UNSUPPORTED,
					"the pad value must be a constant (it is folded into the "
					"kernel)");
		lg_key(c, "v=%.17g;", p.value);
	}
	LG_BUILD(c, topi_pad(c->tir, name, x, &p, &f_));
}

sb_status lg_rule_depth_to_space(lg_call *c)
{
	const relax_attrs_depth_to_space *a = ATTRS(c, depth_to_space);
	topi_tensor x;
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	if (c->op == RELAX_OP_SPACE_TO_DEPTH)
		LG_BUILD(c, topi_space_to_depth(c->tir, name, x, a->blocksize, &f_));
	bool crd = a->mode && !strcmp(a->mode, "CRD");
	LG_BUILD(c, topi_depth_to_space(c->tir, name, x, a->blocksize, crd, &f_));
}
