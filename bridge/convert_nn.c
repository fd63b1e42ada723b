/* Converters of the computational ops: elementwise, reductions,
 * normalisation, matrix products, convolution, pooling, resampling and
 * padding.  Each reads the relay call's inputs as relax leaves (bridge_tensor
 * and friends), translates the attributes, and emits the relax op of its
 * ops.def row; relax_like infers the struct info.  Inputs that the relax op
 * takes as attributes (reduce axes, pads, a split) must be known at
 * compile time; sizes that may be symbolic (a resize's output) are Shape
 * values. */
#include <float.h>
#include <inttypes.h>
#include <math.h>

#include "bridge_internal.h"

/* All inputs as tensors (absent ones must be trailing: dropped). */
static sb_status tensors(bridge_ctx *c, const relay_expr *e, int *n, relax_expr **args)
{
	int k = 0;
	for (int i = 0; i < e->u.call.nargs; i++) {
		const relay_expr *a = bridge_arg(e, i);
		if (!a)
			continue;
		if (k != i)
			return bridge_error(SB_ERR_UNSUPPORTED,
					    "input %d is given after an absent one", i);
		sb_status st = bridge_tensor(c, a, &args[k++]);
		if (st)
			return st;
	}
	*n = k;
	return SB_OK;
}

static sb_dtype arg_dtype(const relay_expr *a)
{
	return a && a->type && a->type->kind == RELAY_TYPE_TENSOR ? a->type->dtype : SB_DT_INVALID;
}

/* The rank of a tensor argument: from its struct info, else its relay type. */
static int arg_rank(const relay_expr *a, relax_expr *x)
{
	if (relax_sinfo_is_tensor(x->sinfo) && x->sinfo->u.tensor.ndim != RELAX_NDIM_UNKNOWN)
		return x->sinfo->u.tensor.ndim;
	return a->type && a->type->kind == RELAY_TYPE_TENSOR ? a->type->rank : -1;
}

/* ---- elementwise ---- */

sb_status convert_unary(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	relax_expr *x;
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &x);
	if (st)
		return st;
	return bridge_emit_call(c, op, 1, &x, bridge_attrs_by_name(c, e, op), out);
}

sb_status convert_binary(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	relax_expr *args[3] = {0};
	int n = 0;
	sb_status st = tensors(c, e, &n, args);
	if (st)
		return st;
	return bridge_emit_call(c, op, n, args, NULL, out);
}

sb_status convert_mod(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	bool fmod = ((const relay_attrs_mod *)e->u.call.attrs)->fmod != 0;
	return convert_binary(c, e, fmod ? RELAX_OP_MOD : RELAX_OP_FLOOR_MOD, out);
}

/* Max/Min/Sum as chains of binary ops; Mean as a Sum divided by n. */
sb_status convert_variadic(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	int n = e->u.call.nargs;
	relax_expr *acc, *next;
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &acc);
	for (int i = 1; i < n && !st; i++) {
		relax_expr *args[2] = {acc, NULL};
		if (!(st = bridge_tensor(c, bridge_arg(e, i), &args[1])))
			st = bridge_emit(c, relax_call_op(c->m, op, 2, args, NULL), &acc);
	}
	if (!st && e->u.call.op == RELAY_OP_MEAN && n > 1) {
		relax_expr *args[2] = {acc, bridge_scalar_const(c, arg_dtype(e), n)};
		st = bridge_emit(c, relax_call_op(c->m, RELAX_OP_DIVIDE, 2, args, NULL), &next);
		acc = next;
	}
	out->expr = acc;
	return st;
}

static sb_status emit_cast(bridge_ctx *c, relax_expr *x, sb_dtype dt, bridge_value *out)
{
	relax_attrs_cast *a = relax_attrs_new(c->m, RELAX_ATTRS_cast);
	a->dtype = dt;
	return bridge_emit_call(c, RELAX_OP_CAST, 1, &x, a, out);
}

sb_status convert_cast(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	int64_t to = ((const relay_attrs_cast *)e->u.call.attrs)->to;
	sb_dtype dt = relay_onnx_dtype(to);
	if (dt == SB_DT_INVALID)
		return bridge_error(SB_ERR_UNSUPPORTED,
				    "cast to ONNX type %" PRId64 " is not supported", to);
	relax_expr *x;
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &x);
	return st ? st : emit_cast(c, x, dt, out);
}

sb_status convert_cast_like(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	relax_expr *x;
	sb_dtype dt = arg_dtype(bridge_arg(e, 1));
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &x);
	if (st)
		return st;
	if (dt == SB_DT_INVALID)
		return bridge_error(SB_ERR_INVALID, "the target_type input has no dtype");
	return emit_cast(c, x, dt, out);
}

/* A clip bound when min or max is absent: the dtype's extreme. */
static relax_expr *clip_bound(bridge_ctx *c, sb_dtype dt, bool lower)
{
	sb_tensor *t = sb_tensor_new(dt, 0, NULL);
	if (sb_dtype_is_float(dt)) {
		sb_tensor_set_f64(t, 0, lower ? -INFINITY : INFINITY);
	} else {
		int bits = (int)sb_dtype_size(dt) * 8;
		bool is_signed = dt == SB_I8 || dt == SB_I16 || dt == SB_I32 || dt == SB_I64;
		int64_t lo = is_signed ? (bits == 64 ? INT64_MIN : -(INT64_C(1) << (bits - 1))) : 0;
		int64_t hi = is_signed
				 ? (bits == 64 ? INT64_MAX : (INT64_C(1) << (bits - 1)) - 1)
				 : (bits == 64 ? -1 /* all ones */ : (INT64_C(1) << bits) - 1);
		sb_tensor_set_i64(t, 0, lower ? lo : hi);
	}
	return relax_constant(c->m, t);
}

sb_status convert_clip(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	relax_expr *args[3];
	sb_dtype dt = arg_dtype(bridge_arg(e, 0));
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &args[0]);
	for (int i = 1; i < 3 && !st; i++) {
		const relay_expr *b = bridge_arg(e, i);
		if (b)
			st = bridge_tensor(c, b, &args[i]);
		else
			args[i] = clip_bound(c, dt, i == 1);
	}
	return st ? st : bridge_emit_call(c, op, 3, args, NULL, out);
}

/* ---- reductions ---- */

sb_status convert_reduce(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	const relay_attrs_reduce *ra = e->u.call.attrs;
	relax_expr *x;
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &x);
	if (st)
		return st;
	int n = 0;
	int64_t *axes = NULL;
	const relay_expr *axes_arg = bridge_arg(e, 1);
	if (axes_arg && (st = bridge_static_ints(c, axes_arg, "axes", &n, &axes)))
		return st;
	if (n == 0 && ra->noop_with_empty_axes) {
		out->expr = x;
		return SB_OK;
	}
	relax_attrs_reduce *a = relax_attrs_new(c->m, RELAX_ATTRS_reduce);
	a->keepdims = ra->keepdims;
	if (n)
		a->axes = relax_ints_make(c->m, n, axes);
	return bridge_emit_call(c, op, 1, &x, a, out);
}

sb_status convert_arg_reduce(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	return convert_unary(c, e, op, out);
}

static sb_status emit_reshape(bridge_ctx *c, relax_expr *x, int n, tir_expr *const *dims,
			      relax_expr **y)
{
	relax_expr *args[2] = {x, relax_shape_expr(c->m, n, dims)};
	return bridge_emit(c, relax_call_op(c->m, RELAX_OP_RESHAPE, 2, args, NULL), y);
}

sb_status convert_softmax(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	const relay_attrs_softmax *ra = e->u.call.attrs;
	relax_attrs_axis *a = relax_attrs_new(c->m, RELAX_ATTRS_axis);
	a->axis = ra->axis;
	relax_expr *x;
	if (!ra->coerce_2d) {
		sb_status st = bridge_tensor(c, bridge_arg(e, 0), &x);
		return st ? st : bridge_emit_call(c, op, 1, &x, a, out);
	}
	/* Opset < 13: over the 2-D view [prod(dims[:axis]), prod(dims[axis:])]. */
	int r;
	tir_expr *const *dims;
	sb_status st = bridge_dims(c, bridge_arg(e, 0), &x, &r, &dims);
	if (st)
		return st;
	int64_t axis = ra->axis < 0 ? ra->axis + r : ra->axis;
	if (axis < 0 || axis > r)
		return bridge_error(SB_ERR_INVALID, "axis %" PRId64 " is out of range for rank %d",
				    ra->axis, r);
	tir_expr *two[2] = {tir_int(c->tir, 1), tir_int(c->tir, 1)};
	for (int i = 0; i < r; i++)
		two[i >= axis] = tir_mul(c->tir, two[i >= axis], dims[i]);
	two[0] = bridge_simplify(c, two[0]);
	two[1] = bridge_simplify(c, two[1]);
	relax_expr *flat, *y;
	a->axis = 1;
	if ((st = emit_reshape(c, x, 2, two, &flat)) ||
	    (st = bridge_emit(c, relax_call_op(c->m, op, 1, &flat, a), &y)))
		return st;
	return emit_reshape(c, y, r, dims, &out->expr);
}

static sb_status static_scalar(bridge_ctx *c, const relay_expr *arg, const char *what, int64_t *v)
{
	int n;
	int64_t *vals;
	sb_status st = bridge_static_ints(c, arg, what, &n, &vals);
	if (st)
		return st;
	if (n != 1)
		return bridge_error(SB_ERR_INVALID, "%s must hold one value, not %d", what, n);
	*v = vals[0];
	return SB_OK;
}

sb_status convert_cumsum(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	relax_expr *x;
	relax_attrs_cumsum *a = bridge_attrs_by_name(c, e, op);
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &x);
	if (!st)
		st = static_scalar(c, bridge_arg(e, 1), "axis", &a->axis);
	return st ? st : bridge_emit_call(c, op, 1, &x, a, out);
}

sb_status convert_topk(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	relax_expr *args[2];
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &args[0]);
	if (!st)
		st = bridge_scalar_arg(c, bridge_arg(e, 1), &args[1]);
	return st ? st : bridge_emit_call(c, op, 2, args, bridge_attrs_by_name(c, e, op), out);
}

/* ---- normalisation ---- */

sb_status convert_batch_norm(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	const relay_attrs_batch_norm *ra = e->u.call.attrs;
	if (ra->training_mode)
		return bridge_error(SB_ERR_UNSUPPORTED, "training_mode=1 is not supported");
	if (!ra->spatial)
		return bridge_error(SB_ERR_UNSUPPORTED, "spatial=0 is not supported");
	relax_attrs_batch_norm *a = relax_attrs_new(c->m, RELAX_ATTRS_batch_norm);
	a->axis = 1;
	a->epsilon = ra->epsilon;
	relax_expr *args[5] = {0};
	int n = 0;
	sb_status st = tensors(c, e, &n, args);
	return st ? st : bridge_emit_call(c, op, n, args, a, out);
}

sb_status convert_instance_norm(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	relax_expr *args[3] = {0};
	int n = 0;
	sb_status st = tensors(c, e, &n, args);
	return st ? st : bridge_emit_call(c, op, n, args, bridge_attrs_by_name(c, e, op), out);
}

sb_status convert_layer_norm(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	relax_attrs_layer_norm *a = bridge_attrs_by_name(c, e, op);
	a->num_outputs = e->u.call.nout > 1 ? 3 : 1;
	relax_expr *args[3] = {0};
	int n = 0;
	sb_status st = tensors(c, e, &n, args);
	return st ? st : bridge_emit_call(c, op, n, args, a, out);
}

sb_status convert_lrn(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	return convert_unary(c, e, op, out);
}

sb_status convert_mvn(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	relax_attrs_axes *a = bridge_attrs_by_name(c, e, op);
	if (!a->axes.set) {
		static const int64_t def[] = {0, 2, 3};
		a->axes = relax_ints_make(c->m, 3, def);
	}
	relax_expr *x;
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &x);
	return st ? st : bridge_emit_call(c, op, 1, &x, a, out);
}

/* ---- matrix products ---- */

sb_status convert_gemm(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	const relay_attrs_gemm *ra = e->u.call.attrs;
	relax_attrs_gemm *a = relax_attrs_new(c->m, RELAX_ATTRS_gemm);
	a->alpha = ra->alpha;
	a->beta = ra->beta;
	a->trans_a = ra->transA;
	a->trans_b = ra->transB;
	relax_expr *args[3] = {0};
	int n = 0;
	sb_status st = tensors(c, e, &n, args);
	return st ? st : bridge_emit_call(c, op, n, args, a, out);
}

sb_status convert_einsum(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
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

/* ---- convolution and pooling ---- */

static sb_status spatial_rank(const relay_expr *a, relax_expr *x, int *nsp)
{
	if (!a || !x)
		return bridge_error(SB_ERR_INVALID, "the weight input is absent");
	int r = arg_rank(a, x);
	if (r < 3 || r > 5)
		return bridge_error(SB_ERR_UNSUPPORTED,
				    "%d spatial axes; relax_like has 1-D, 2-D and 3-D windows",
				    r - 2);
	*nsp = r - 2;
	return SB_OK;
}

static relax_ints ints_of(bridge_ctx *c, const relay_ints *v)
{
	return v->set ? relax_ints_make(c->m, v->n, v->v) : (relax_ints){0};
}

sb_status convert_conv(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	static const relax_op ops[] = {RELAX_OP_CONV1D, RELAX_OP_CONV2D, RELAX_OP_CONV3D};
	const relay_attrs_conv *ra = e->u.call.attrs;
	relax_expr *args[3] = {0};
	int n = 0, nsp = 1;
	sb_status st = tensors(c, e, &n, args);
	if (!st)
		st = spatial_rank(bridge_arg(e, 1), args[1], &nsp);
	if (st)
		return st;
	relax_attrs_conv *a = relax_attrs_new(c->m, RELAX_ATTRS_conv);
	a->strides = ints_of(c, &ra->strides);
	a->pads = ints_of(c, &ra->pads);
	a->dilations = ints_of(c, &ra->dilations);
	a->groups = ra->group;
	a->auto_pad = relax_intern(c->m, ra->auto_pad ? ra->auto_pad : "NOTSET");
	return bridge_emit_call(c, ops[nsp - 1], n, args, a, out);
}

/* output_shape given: the pads that produce it, as ONNX computes them,
 * which needs the input's spatial sizes at compile time. */
static sb_status transpose_pads(bridge_ctx *c, const relay_expr *e, int nsp,
				relax_attrs_conv_transpose *a)
{
	const relay_attrs_conv_transpose *ra = e->u.call.attrs;
	relax_expr *x, *w;
	int xr, wr;
	tir_expr *const *xd, *const *wd;
	sb_status st = bridge_dims(c, bridge_arg(e, 0), &x, &xr, &xd);
	if (!st)
		st = bridge_dims(c, bridge_arg(e, 1), &w, &wr, &wd);
	if (st)
		return st;
	const relay_ints *os = &ra->output_shape;
	if (os->n != nsp && os->n != nsp + 2)
		return bridge_error(SB_ERR_INVALID,
				    "output_shape has %d values for %d spatial axes", os->n, nsp);
	int64_t pads[2 * SB_MAX_RANK], outpad[SB_MAX_RANK];
	for (int i = 0; i < nsp; i++) {
		int64_t in, k;
		if (!tir_expr_is_int_imm(bridge_simplify(c, xd[2 + i]), &in) ||
		    !tir_expr_is_int_imm(bridge_simplify(c, wd[2 + i]), &k))
			return bridge_error(
			    SB_ERR_UNSUPPORTED,
			    "output_shape with a symbolic input size (spatial axis %d)", i);
		int64_t s = ra->strides.set ? ra->strides.v[i] : 1;
		int64_t d = ra->dilations.set ? ra->dilations.v[i] : 1;
		int64_t op_ = ra->output_padding.set ? ra->output_padding.v[i] : 0;
		int64_t total = s * (in - 1) + op_ + (k - 1) * d + 1 - os->v[os->n - nsp + i];
		outpad[i] = op_;
		if (total < 0) {
			/* Larger than the full output: zeros at the end, which is
			 * what output_padding adds. */
			pads[i] = pads[nsp + i] = 0;
			outpad[i] = op_ - total;
			continue;
		}
		bool upper = ra->auto_pad && !strcmp(ra->auto_pad, "SAME_UPPER");
		pads[i] = upper ? total / 2 : total - total / 2;
		pads[nsp + i] = total - pads[i];
	}
	a->pads = relax_ints_make(c->m, 2 * nsp, pads);
	a->output_padding = relax_ints_make(c->m, nsp, outpad);
	a->auto_pad = relax_intern(c->m, "NOTSET");
	return SB_OK;
}

sb_status convert_conv_transpose(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	static const relax_op ops[] = {RELAX_OP_CONV1D_TRANSPOSE, RELAX_OP_CONV2D_TRANSPOSE,
				       RELAX_OP_CONV3D_TRANSPOSE};
	const relay_attrs_conv_transpose *ra = e->u.call.attrs;
	relax_expr *args[3] = {0};
	int n = 0, nsp = 1;
	sb_status st = tensors(c, e, &n, args);
	if (!st)
		st = spatial_rank(bridge_arg(e, 1), args[1], &nsp);
	if (st)
		return st;
	relax_attrs_conv_transpose *a = relax_attrs_new(c->m, RELAX_ATTRS_conv_transpose);
	a->strides = ints_of(c, &ra->strides);
	a->pads = ints_of(c, &ra->pads);
	a->dilations = ints_of(c, &ra->dilations);
	a->output_padding = ints_of(c, &ra->output_padding);
	a->groups = ra->group;
	a->auto_pad = relax_intern(c->m, ra->auto_pad ? ra->auto_pad : "NOTSET");
	if (ra->output_shape.set && (st = transpose_pads(c, e, nsp, a)))
		return st;
	return bridge_emit_call(c, ops[nsp - 1], n, args, a, out);
}

sb_status convert_pool(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	static const relax_op max_ops[] = {RELAX_OP_MAX_POOL1D, RELAX_OP_MAX_POOL2D,
					   RELAX_OP_MAX_POOL3D};
	static const relax_op avg_ops[] = {RELAX_OP_AVG_POOL1D, RELAX_OP_AVG_POOL2D,
					   RELAX_OP_AVG_POOL3D};
	const relay_attrs_pool *ra = e->u.call.attrs;
	relax_expr *x = NULL;
	int nsp = 1;
	sb_status st = bridge_tensor(c, bridge_arg(e, 0), &x);
	if (!st)
		st = spatial_rank(bridge_arg(e, 0), x, &nsp);
	if (st)
		return st;
	relax_attrs_pool *a = relax_attrs_new(c->m, RELAX_ATTRS_pool);
	a->kernel = ints_of(c, &ra->kernel_shape);
	a->strides = ints_of(c, &ra->strides);
	a->pads = ints_of(c, &ra->pads);
	a->dilations = ints_of(c, &ra->dilations);
	a->ceil_mode = ra->ceil_mode;
	a->count_include_pad = ra->count_include_pad;
	a->auto_pad = relax_intern(c->m, ra->auto_pad ? ra->auto_pad : "NOTSET");
	a->storage_order = ra->storage_order;
	bool is_max = e->u.call.op == RELAY_OP_MAX_POOL;
	a->return_indices = is_max && e->u.call.nout > 1;
	relax_op pool_op = is_max ? max_ops[nsp - 1] : avg_ops[nsp - 1];
	return bridge_emit_call(c, pool_op, 1, &x, a, out);
}

/* ---- resampling ---- */

/* An optional input that is absent or empty at compile time ("" or [], a
 * constant or a bound input). */
static bool input_absent(bridge_ctx *c, const relay_expr *a)
{
	if (!a)
		return true;
	const sb_tensor *t = bridge_const_tensor(c, a);
	if (t && sb_tensor_numel(t) == 0)
		return true;
	return a->type && a->type->kind == RELAY_TYPE_TENSOR && a->type->rank == 1 &&
	       a->type->dims[0].value == 0;
}

static sb_status const_floats(bridge_ctx *c, const relay_expr *a, const char *what, int want,
			      float *v)
{
	const sb_tensor *t = bridge_const_tensor(c, a);
	if (!t)
		return bridge_error_needs_value(c, a, what, "must be a constant");
	if (!sb_dtype_is_float(t->dtype) || sb_tensor_rank(t) != 1 || sb_tensor_numel(t) != want)
		return bridge_error(SB_ERR_INVALID, "%s must be a 1-D float tensor of %d values",
				    what, want);
	for (int i = 0; i < want; i++)
		v[i] = (float)sb_tensor_get_f64(t, i);
	return SB_OK;
}

/* floor(d * f) as a tir expression: d*f for an integral f, else f as an
 * exact binary fraction m / 2^k, floordiv(d*m, 2^k). */
static sb_status scaled_dim(bridge_ctx *c, tir_expr *d, double f, int axis, tir_expr **out)
{
	int64_t dv;
	if (tir_expr_is_int_imm(d, &dv)) {
		*out = tir_int(c->tir, (int64_t)floor((double)dv * f));
		return SB_OK;
	}
	for (int k = 0; k <= 30; k++) {
		double m = ldexp(f, k);
		if (m == floor(m) && m < 4294967296.0) {
			tir_expr *p = tir_mul(c->tir, d, tir_int(c->tir, (int64_t)m));
			*out = bridge_simplify(
			    c, k ? tir_floordiv(c->tir, p, tir_int(c->tir, INT64_C(1) << k)) : p);
			return SB_OK;
		}
	}
	return bridge_error(SB_ERR_UNSUPPORTED,
			    "scale %g of symbolic axis %d is not a binary fraction", f, axis);
}

/* Resize(x, roi, scales, sizes) and Upsample(x, scales): relax.resize(x,
 * output shape) with the scales (and roi) as attributes. */
sb_status convert_resize(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	bool up = e->u.call.op == RELAY_OP_UPSAMPLE;
	const relay_attrs_resize *ra = e->u.call.attrs;
	const relay_expr *roi_a = up ? NULL : bridge_arg(e, 1);
	const relay_expr *scales_a = bridge_arg(e, up ? 1 : 2);
	const relay_expr *sizes_a = up ? NULL : bridge_arg(e, 3);
	relax_expr *args[2];
	int r;
	tir_expr *const *dims;
	sb_status st = bridge_dims(c, bridge_arg(e, 0), &args[0], &r, &dims);
	if (st)
		return st;
	relax_attrs_resize *a = bridge_attrs_by_name(c, e, op);
	if (up) {
		/* Upsample: asymmetric coordinates, floor for nearest. */
		a->coordinate_transformation_mode = relax_intern(c->m, "asymmetric");
		a->nearest_mode = relax_intern(c->m, "floor");
		if (ra->mode && !strcmp(ra->mode, "bilinear"))
			a->mode = relax_intern(c->m, "linear");
	}
	float roi[2 * SB_MAX_RANK], scales[SB_MAX_RANK];
	bool crop = a->coordinate_transformation_mode &&
		    !strcmp(a->coordinate_transformation_mode, "tf_crop_and_resize");
	if (crop && !input_absent(c, roi_a)) {
		if ((st = const_floats(c, roi_a, "roi", 2 * r, roi)))
			return st;
		a->roi = relax_floats_make(c->m, 2 * r, roi);
	}
	if (!input_absent(c, sizes_a)) {
		int n;
		if ((st = bridge_shape_arg(c, sizes_a, &args[1], &n, NULL)))
			return st;
		if (n != r)
			return bridge_error(SB_ERR_INVALID, "sizes has %d values for rank %d", n,
					    r);
	} else if (!input_absent(c, scales_a)) {
		if ((st = const_floats(c, scales_a, "scales", r, scales)))
			return st;
		a->scales = relax_floats_make(c->m, r, scales);
		tir_expr *o[SB_MAX_RANK];
		for (int i = 0; i < r; i++) {
			double range = a->roi.set ? (double)roi[r + i] - roi[i] : 1.0;
			if (!(scales[i] > 0))
				return bridge_error(SB_ERR_INVALID, "scales[%d] is %g", i,
						    scales[i]);
			if ((st = scaled_dim(c, dims[i], (double)scales[i] * range, i, &o[i])))
				return st;
		}
		args[1] = relax_shape_expr(c->m, r, o);
	} else {
		return bridge_error(SB_ERR_INVALID, "one of scales and sizes is required");
	}
	return bridge_emit_call(c, op, 2, args, a, out);
}

/* ---- padding, rearrangement ---- */

sb_status convert_pad(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	relax_expr *args[2];
	int r, n, naxes = 0;
	int64_t *pads, *axes = NULL;
	tir_expr *const *dims;
	sb_status st = bridge_dims(c, bridge_arg(e, 0), &args[0], &r, &dims);
	if (!st)
		st = bridge_static_ints(c, bridge_arg(e, 1), "pads", &n, &pads);
	const relay_expr *axes_a = bridge_arg(e, 3);
	if (!st && axes_a)
		st = bridge_static_ints(c, axes_a, "axes", &naxes, &axes);
	if (st)
		return st;
	relax_attrs_pad *a = bridge_attrs_by_name(c, e, op);
	if (axes_a) {
		/* Pads for the listed axes only: spread over every axis. */
		if (n != 2 * naxes)
			return bridge_error(SB_ERR_INVALID, "pads has %d values for %d axes", n,
					    naxes);
		int64_t full[2 * SB_MAX_RANK] = {0};
		for (int i = 0; i < naxes; i++) {
			int64_t ax = axes[i] < 0 ? axes[i] + r : axes[i];
			if (ax < 0 || ax >= r)
				return bridge_error(SB_ERR_INVALID,
						    "axis %" PRId64 " is out of range for rank %d",
						    axes[i], r);
			full[ax] = pads[i];
			full[r + ax] = pads[naxes + i];
		}
		a->pads = relax_ints_make(c->m, 2 * r, full);
	} else {
		a->pads = relax_ints_make(c->m, n, pads);
	}
	int nargs = 1;
	const relay_expr *cv = bridge_arg(e, 2);
	if (!input_absent(c, cv)) {
		/* LegalizeOps folds the value into the kernel: a bound input's
		 * is used as the constant it is. */
		const sb_tensor *bv = bridge_value_of(c, cv)->bound;
		if (bv)
			args[1] = relax_constant(c->m, sb_tensor_copy(bv));
		else if ((st = bridge_tensor(c, cv, &args[1])))
			return st;
		nargs = 2;
	}
	return bridge_emit_call(c, op, nargs, args, a, out);
}

sb_status convert_depth_to_space(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out)
{
	return convert_unary(c, e, op, out);
}
