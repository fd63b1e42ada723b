/* LegalizeOps rules of the elementwise ops: unary (with the activations'
 * attributes), cast, clip, the broadcasting binary ops and where.  Ops
 * topi has no row for (rsqrt, not_equal) are written here with topi's
 * building blocks. */
#include <math.h>

#include "legalize.h"

static bool unary_op(relax_op op, topi_unary_op *t)
{
	switch (op) {
#define U(r, u)                                                                                    \
	case RELAX_OP_##r:                                                                         \
		*t = TOPI_UNARY_##u;                                                               \
		return true;
		U(ABS, ABS)
		U(ACOS, ACOS)
		U(ACOSH, ACOSH)
		U(ASIN, ASIN)
		U(ASINH, ASINH)
		U(ATAN, ATAN)
		U(ATANH, ATANH)
		U(CEIL, CEIL)
		U(COS, COS)
		U(COSH, COSH)
		U(ERF, ERF)
		U(EXP, EXP)
		U(FLOOR, FLOOR)
		U(LOG, LOG)
		U(NEGATIVE, NEG)
		U(LOGICAL_NOT, NOT)
		U(RECIPROCAL, RECIPROCAL)
		U(RELU, RELU)
		U(ROUND, ROUND)
		U(SIGMOID, SIGMOID)
		U(SIGN, SIGN)
		U(SIN, SIN)
		U(SINH, SINH)
		U(SOFTPLUS, SOFTPLUS)
		U(SOFTSIGN, SOFTSIGN)
		U(SQRT, SQRT)
		U(TAN, TAN)
		U(TANH, TANH)
		U(CELU, CELU)
		U(ELU, ELU)
		U(HARD_SIGMOID, HARD_SIGMOID)
		U(HARD_SWISH, HARD_SWISH)
		U(LEAKY_RELU, LEAKY_RELU)
		U(SELU, SELU)
		U(SHRINK, SHRINK)
		U(THRESHOLDED_RELU, THRESHOLDED_RELU)
		U(ISINF, IS_INF)
		U(ISNAN, IS_NAN)
#undef U
	default:
		return false;
	}
}

/* A one-input elementwise PrimFunc whose value is fn(x) (for the ops topi
 * has no row for). */
static sb_status custom_unary(lg_call *c, topi_tensor x, sb_dtype odt,
			      tir_expr *(*fn)(topi_builder *b, tir_expr *v))
{
	topi_builder b;
	topi_builder_init(&b, c->tir, relax_op_get(c->op)->name + 6, lg_name(c));
	tir_buffer *X = topi_input(&b, "X", x);
	tir_buffer *Y = topi_output(&b, "Y", odt, x.ndim, x.shape);
	topi_nest n;
	topi_nest_begin(&b, &n, "Y", Y->ndim, Y->shape);
	topi_nest_store(&b, &n, Y, fn(&b, topi_load(&b, X, n.iv)));
	tir_func *f = NULL;
	sb_status st = topi_builder_finish(&b, &f);
	return lg_topi(c, st, f);
}

/* 1 / sqrt(x), computed in x's compute dtype. */
static tir_expr *rsqrt_value(topi_builder *b, tir_expr *v)
{
	sb_dtype dt = v->type.dtype, cdt = topi_compute_dtype(dt);
	tir_expr *x = cdt == dt ? v : topi_convert(b, v, cdt);
	tir_expr *r = tir_div(b->ctx, topi_const(b, cdt, 1), tir_call(b->ctx, TIR_INTRIN_SQRT, 1, &x));
	return cdt == dt ? r : topi_convert(b, r, dt);
}

sb_status lg_rule_unary(lg_call *c)
{
	topi_tensor x;
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	if (c->op == RELAX_OP_RSQRT) {
		if (!sb_dtype_is_float(x.dtype))
			return lg_error(c, SB_ERR_UNSUPPORTED, "rsqrt of %s", sb_dtype_name(x.dtype));
		if (lg_cached(c))
			return SB_OK;
		return custom_unary(c, x, x.dtype, rsqrt_value);
	}
	topi_unary_op op;
	if (!unary_op(c->op, &op))
		return lg_error(c, SB_ERR_INTERNAL, "not a unary op");
	topi_unary_params p = topi_unary_params_default(op);
	switch (relax_op_get(c->op)->attrs) {
	case RELAX_ATTRS_alpha:
		p.alpha = ((const relax_attrs_alpha *)c->attrs)->alpha;
		break;
	case RELAX_ATTRS_leaky_relu:
		p.alpha = ((const relax_attrs_leaky_relu *)c->attrs)->alpha;
		break;
	case RELAX_ATTRS_hard_sigmoid:
		p.alpha = ((const relax_attrs_hard_sigmoid *)c->attrs)->alpha;
		p.beta = ((const relax_attrs_hard_sigmoid *)c->attrs)->beta;
		break;
	case RELAX_ATTRS_selu:
		p.alpha = ((const relax_attrs_selu *)c->attrs)->alpha;
		p.gamma = ((const relax_attrs_selu *)c->attrs)->gamma;
		break;
	case RELAX_ATTRS_shrink:
		p.bias = ((const relax_attrs_shrink *)c->attrs)->bias;
		p.lambd = ((const relax_attrs_shrink *)c->attrs)->lambd;
		break;
	case RELAX_ATTRS_is_inf:
		p.detect_negative = ((const relax_attrs_is_inf *)c->attrs)->detect_negative != 0;
		p.detect_positive = ((const relax_attrs_is_inf *)c->attrs)->detect_positive != 0;
		break;
	default:
		break;
	}
	if (lg_cached(c))
		return SB_OK;
	tir_func *f = NULL;
	st = topi_unary(c->tir, lg_name(c), op, &p, x, &f);
	return lg_topi(c, st, f);
}

sb_status lg_rule_cast(lg_call *c)
{
	topi_tensor x;
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	sb_dtype to = ((const relax_attrs_cast *)c->attrs)->dtype;
	if (lg_cached(c))
		return SB_OK;
	tir_func *f = NULL;
	st = topi_cast(c->tir, lg_name(c), x, to, &f);
	return lg_topi(c, st, f);
}

static double dtype_lowest(sb_dtype dt)
{
	if (sb_dtype_is_float(dt))
		return -INFINITY;
	bool is_signed = dt == SB_I8 || dt == SB_I16 || dt == SB_I32 || dt == SB_I64;
	return is_signed ? -ldexp(1.0, (int)sb_dtype_size(dt) * 8 - 1) : 0.0;
}

/* Integer extremes as doubles round up for 64 bits: >= still means "no
 * bound", and no out-of-range constant reaches the PrimFunc. */
static double dtype_highest(sb_dtype dt)
{
	if (sb_dtype_is_float(dt))
		return INFINITY;
	if (dt == SB_BOOL)
		return 1.0;
	bool is_signed = dt == SB_I8 || dt == SB_I16 || dt == SB_I32 || dt == SB_I64;
	return ldexp(1.0, (int)sb_dtype_size(dt) * 8 - (is_signed ? 1 : 0)) - 1.0;
}

/* clip(x, min, max): a constant bound is folded into the PrimFunc (the
 * bridge passes the dtype's extreme for an absent one); a tensor bound is
 * a 0-d input. */
sb_status lg_rule_clip(lg_call *c)
{
	topi_tensor x, lo, hi;
	sb_status st = lg_buffer(c, 0, &x);
	if (st)
		return st;
	topi_clip_params p = {0};
	double v;
	for (int i = 1; i <= 2; i++) {
		bool *has = i == 1 ? &p.has_min : &p.has_max;
		bool *input = i == 1 ? &p.min_input : &p.max_input;
		double *val = i == 1 ? &p.min : &p.max;
		if (lg_const_scalar(c, i, &v)) {
			/* The dtype's extreme is no bound at all. */
			bool none = i == 1 ? v <= dtype_lowest(x.dtype) : v >= dtype_highest(x.dtype);
			if (!none) {
				*has = true;
				*val = v;
			}
			lg_key(c, "c%d=%.17g;", i, none ? 0.0 : v);
			continue;
		}
		if ((st = lg_buffer(c, i, i == 1 ? &lo : &hi)))
			return st;
		*has = *input = true;
	}
	if (lg_cached(c))
		return SB_OK;
	tir_func *f = NULL;
	st = topi_clip(c->tir, lg_name(c), x, &p, &f);
	return lg_topi(c, st, f);
}

static bool binary_op(relax_op op, topi_binary_op *t)
{
	switch (op) {
#define B(r, b)                                                                                    \
	case RELAX_OP_##r:                                                                         \
		*t = TOPI_BINARY_##b;                                                              \
		return true;
		B(ADD, ADD)
		B(SUBTRACT, SUB)
		B(MULTIPLY, MUL)
		B(DIVIDE, DIV)
		B(POWER, POW)
		B(FLOOR_MOD, MOD)
		B(MOD, FMOD)
		B(MAXIMUM, MAX)
		B(MINIMUM, MIN)
		B(PRELU, PRELU)
		B(LOGICAL_AND, AND)
		B(LOGICAL_OR, OR)
		B(LOGICAL_XOR, XOR)
		B(EQUAL, EQUAL)
		B(GREATER, GREATER)
		B(GREATER_EQUAL, GREATER_EQUAL)
		B(LESS, LESS)
		B(LESS_EQUAL, LESS_EQUAL)
#undef B
	default:
		return false;
	}
}

/* not_equal: topi's broadcasting with a != compare (NaN != NaN is true). */
static sb_status not_equal(lg_call *c, topi_tensor a, topi_tensor bt)
{
	topi_builder b;
	topi_builder_init(&b, c->tir, "not_equal", lg_name(c));
	if (a.dtype != bt.dtype)
		topi_fail(&b, SB_ERR_INVALID, "dtypes %s and %s differ", sb_dtype_name(a.dtype),
			  sb_dtype_name(bt.dtype));
	topi_tensor ts[2] = {a, bt};
	tir_expr *shape[SB_MAX_RANK];
	int r = topi_broadcast_shapes(&b, 2, ts, shape);
	tir_buffer *A = topi_input(&b, "A", a), *B = topi_input(&b, "B", bt);
	tir_buffer *Y = topi_output(&b, "Y", SB_BOOL, r, shape);
	if (!b.status) {
		topi_nest n;
		topi_nest_begin(&b, &n, "Y", r, Y->shape);
		tir_expr *x = topi_broadcast_load(&b, A, r, Y->shape, n.iv);
		tir_expr *y = topi_broadcast_load(&b, B, r, Y->shape, n.iv);
		topi_nest_store(&b, &n, Y, tir_ne(c->tir, x, y));
	}
	tir_func *f = NULL;
	sb_status st = topi_builder_finish(&b, &f);
	return lg_topi(c, st, f);
}

/* power(x, 2) with a constant exponent, x floating point: x * x, exact
 * (pow's correctly rounded square is x * x rounded once) and a vector
 * multiply instead of a libm call per element.  LayerNorm exported from
 * PyTorch squares through Pow. */
static bool square_of(lg_call *c, topi_tensor *a)
{
	double v;
	if (c->op != RELAX_OP_POWER || !lg_const_scalar(c, 1, &v) || v != 2.0)
		return false;
	/* the exponent must not widen the result by broadcasting */
	const relax_expr *e = c->args[1];
	int rank = e->kind == RELAX_CONSTANT ? sb_tensor_rank(e->u.constant.value) : 0;
	return sb_dtype_is_float(a->dtype) && rank <= a->ndim;
}

static sb_status square(lg_call *c, topi_tensor a)
{
	topi_builder b;
	topi_builder_init(&b, c->tir, "power", lg_name(c));
	tir_buffer *A = topi_input(&b, "A", a);
	tir_buffer *Y = b.status ? NULL : topi_output(&b, "Y", a.dtype, a.ndim, A->shape);
	if (!b.status) {
		topi_nest n;
		topi_nest_begin(&b, &n, "Y", a.ndim, Y->shape);
		tir_expr *x = tir_load(c->tir, A, a.ndim, n.iv);
		topi_nest_store(&b, &n, Y, tir_mul(c->tir, x, x));
	}
	tir_func *f = NULL;
	sb_status st = topi_builder_finish(&b, &f);
	return lg_topi(c, st, f);
}

sb_status lg_rule_binary(lg_call *c)
{
	topi_tensor a, b;
	sb_status st;
	if ((st = lg_buffer(c, 0, &a)))
		return st;
	if (square_of(c, &a)) {
		lg_key(c, "square;");
		return lg_cached(c) ? SB_OK : square(c, a);
	}
	if ((st = lg_buffer(c, 1, &b)))
		return st;
	if (lg_cached(c))
		return SB_OK;
	if (c->op == RELAX_OP_NOT_EQUAL)
		return not_equal(c, a, b);
	topi_binary_op op;
	if (!binary_op(c->op, &op))
		return lg_error(c, SB_ERR_INTERNAL, "not a binary op");
	tir_func *f = NULL;
	st = topi_binary(c->tir, lg_name(c), op, a, b, &f);
	return lg_topi(c, st, f);
}

sb_status lg_rule_where(lg_call *c)
{
	topi_tensor cond, x, y;
	sb_status st;
	if ((st = lg_buffer(c, 0, &cond)) || (st = lg_buffer(c, 1, &x)) ||
	    (st = lg_buffer(c, 2, &y)))
		return st;
	if (lg_cached(c))
		return SB_OK;
	tir_func *f = NULL;
	st = topi_where(c->tir, lg_name(c), cond, x, y, &f);
	return lg_topi(c, st, f);
}
