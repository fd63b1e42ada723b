/* Elementwise ops: the unary table, the binary table with numpy
 * broadcasting, the variadic ops, Where, Cast and Clip.  Each is one block
 * under a loop nest over the output.
 *
 * Element semantics follow the relay_like kernels (the oracle): the half
 * types compute in float32 and round once at the store; float attributes
 * are constants of the compute dtype; integer Div/Mod guard 0 and -1 (see
 * topi.h); Max/Min propagate NaN. */
#include <stdio.h>

#include "topi.h"

/* ---- Dtype classes ---- */

typedef enum dtype_class {
	DT_FLOAT,
	DT_SIGNED,
	DT_NUMERIC,
	DT_BOOL,
	DT_ANY,
	DT_FLOAT_TO_BOOL,
} dtype_class;

static bool dtype_in_class(sb_dtype dt, dtype_class c)
{
	switch (c) {
	case DT_FLOAT:
	case DT_FLOAT_TO_BOOL:
		return sb_dtype_is_float(dt);
	case DT_SIGNED:
		return sb_dtype_is_float(dt) || sb_dtype_is_signed_int(dt);
	case DT_NUMERIC:
		return sb_dtype_is_float(dt) || sb_dtype_is_int(dt);
	case DT_BOOL:
		return dt == SB_BOOL;
	case DT_ANY:
		return dt > SB_DT_INVALID && dt < SB_DT_COUNT;
	}
	return false;
}

static const char *class_name(dtype_class c)
{
	switch (c) {
	case DT_FLOAT:
	case DT_FLOAT_TO_BOOL:
		return "float types";
	case DT_SIGNED:
		return "float and signed integer types";
	case DT_NUMERIC:
		return "numeric types";
	case DT_BOOL:
		return "bool";
	case DT_ANY:
		return "any dtype";
	}
	return "?";
}

static bool check_dtype(topi_builder *b, const char *what, sb_dtype dt, dtype_class c)
{
	if (b->status)
		return false;
	if (dtype_in_class(dt, c))
		return true;
	topi_fail(b, SB_ERR_UNSUPPORTED, "%s has dtype %s; %s takes %s", what,
		  dt > SB_DT_INVALID && dt < SB_DT_COUNT ? sb_dtype_name(dt) : "invalid", b->op,
		  class_name(c));
	return false;
}

/* The dtype arithmetic happens in: float32 for the half types. */
static sb_dtype compute_dtype(sb_dtype dt)
{
	return dt == SB_F16 || dt == SB_BF16 ? SB_F32 : dt;
}

static tir_expr *to_dtype(topi_builder *b, tir_expr *v, sb_dtype dt)
{
	return topi_convert(b, v, dt);
}

/* ---- One block over broadcast inputs ---- */

typedef tir_expr *(*ew_fn)(topi_builder *b, tir_expr *const *v, const void *env);

/* Builds out[i] = fn(inputs broadcast to i) with the params named by
 * `names` (n inputs, then the output).  Inputs are checked by the caller. */
static void ew_body_shaped(topi_builder *b, int n, const topi_tensor *ts, const char *const *names,
			   sb_dtype out_dt, ew_fn fn, const void *env, const topi_tensor *out_like)
{
	tir_buffer *in[8];
	SB_ASSERT(n <= 8);
	for (int i = 0; i < n; i++)
		in[i] = topi_input(b, names[i], ts[i]);
	tir_expr *shape[SB_MAX_RANK];
	int rank = out_like ? out_like->ndim : topi_broadcast_shapes(b, n, ts, shape);
	for (int d = 0; out_like && d < rank; d++)
		shape[d] = out_like->shape[d];
	tir_buffer *out = topi_output(b, names[n], out_dt, rank, shape);
	if (b->status)
		return;
	topi_nest nest;
	topi_nest_begin(b, &nest, b->op, rank, out->shape);
	tir_expr *v[8];
	for (int i = 0; i < n; i++)
		v[i] = topi_broadcast_load(b, in[i], rank, out->shape, nest.iv);
	topi_nest_store(b, &nest, out, fn(b, v, env));
}

static void ew_body(topi_builder *b, int n, const topi_tensor *ts, const char *const *names,
		    sb_dtype out_dt, ew_fn fn, const void *env)
{
	ew_body_shaped(b, n, ts, names, out_dt, fn, env, NULL);
}

/* ---- Unary ---- */

static const struct {
	const char *name;
	dtype_class cls;
} unary_info[TOPI_UNARY_COUNT] = {
#define X(id, name, cls) [TOPI_UNARY_##id] = {name, DT_##cls},
    TOPI_UNARY_OPS(X)
#undef X
};

const char *topi_unary_name(topi_unary_op op)
{
	return op < TOPI_UNARY_COUNT ? unary_info[op].name : "?";
}

topi_unary_params topi_unary_params_default(topi_unary_op op)
{
	topi_unary_params p = {.alpha = 1.0, .detect_negative = true, .detect_positive = true};
	switch (op) {
	case TOPI_UNARY_LEAKY_RELU:
		p.alpha = (double)0.01f;
		break;
	case TOPI_UNARY_HARD_SIGMOID:
		p.alpha = (double)0.2f;
		p.beta = 0.5;
		break;
	case TOPI_UNARY_SELU:
		p.alpha = (double)1.67326319217681884765625f;
		p.gamma = (double)1.05070102214813232421875f;
		break;
	case TOPI_UNARY_SHRINK:
		p.lambd = 0.5;
		break;
	default:
		break;
	}
	return p;
}

typedef struct unary_env {
	topi_unary_op op;
	const topi_unary_params *p;
	sb_dtype dt; /* the input's */
} unary_env;

static tir_expr *intrin1(topi_builder *b, tir_intrin in, tir_expr *v)
{
	return tir_call(b->ctx, in, 1, &v);
}

/* select(u < 0, 0, select(u > 1, 1, u)): keeps NaN, as the oracle does. */
static tir_expr *clamp01(topi_builder *b, tir_expr *u, sb_dtype dt)
{
	tir_ctx *c = b->ctx;
	tir_expr *zero = topi_const(b, dt, 0), *one = topi_const(b, dt, 1);
	return tir_select(c, tir_lt(c, u, zero), zero, tir_select(c, tir_gt(c, u, one), one, u));
}

static tir_expr *unary_value(topi_builder *b, tir_expr *const *in, const void *envp)
{
	const unary_env *env = envp;
	const topi_unary_params *p = env->p;
	tir_ctx *c = b->ctx;
	sb_dtype dt = env->dt, cdt = compute_dtype(dt);
	bool fl = sb_dtype_is_float(dt);
	tir_expr *v = to_dtype(b, in[0], cdt);
#define K(x) topi_const(b, cdt, (x))
	tir_expr *zero = K(0), *one = K(1), *r;
	switch (env->op) {
	case TOPI_UNARY_ABS:
		if (fl)
			r = intrin1(b, TIR_INTRIN_FABS, v);
		else if (sb_dtype_is_unsigned_int(dt))
			r = v;
		else
			r = tir_select(c, tir_lt(c, v, zero), tir_sub(c, zero, v), v);
		break;
	case TOPI_UNARY_ACOS:
		r = intrin1(b, TIR_INTRIN_ACOS, v);
		break;
	case TOPI_UNARY_ACOSH:
		r = intrin1(b, TIR_INTRIN_ACOSH, v);
		break;
	case TOPI_UNARY_ASIN:
		r = intrin1(b, TIR_INTRIN_ASIN, v);
		break;
	case TOPI_UNARY_ASINH:
		r = intrin1(b, TIR_INTRIN_ASINH, v);
		break;
	case TOPI_UNARY_ATAN:
		r = intrin1(b, TIR_INTRIN_ATAN, v);
		break;
	case TOPI_UNARY_ATANH:
		r = intrin1(b, TIR_INTRIN_ATANH, v);
		break;
	case TOPI_UNARY_CEIL:
		r = intrin1(b, TIR_INTRIN_CEIL, v);
		break;
	case TOPI_UNARY_COS:
		r = intrin1(b, TIR_INTRIN_COS, v);
		break;
	case TOPI_UNARY_COSH:
		r = intrin1(b, TIR_INTRIN_COSH, v);
		break;
	case TOPI_UNARY_ERF:
		r = intrin1(b, TIR_INTRIN_ERF, v);
		break;
	case TOPI_UNARY_EXP:
		r = intrin1(b, TIR_INTRIN_EXP, v);
		break;
	case TOPI_UNARY_FLOOR:
		r = intrin1(b, TIR_INTRIN_FLOOR, v);
		break;
	case TOPI_UNARY_LOG:
		r = intrin1(b, TIR_INTRIN_LOG, v);
		break;
	case TOPI_UNARY_NEG:
		r = fl ? tir_mul(c, v, K(-1)) : tir_sub(c, zero, v);
		break;
	case TOPI_UNARY_NOT:
		r = tir_not(c, v);
		break;
	case TOPI_UNARY_RECIPROCAL:
		r = tir_div(c, one, v);
		break;
	case TOPI_UNARY_RELU:
		r = tir_select(c, tir_lt(c, v, zero), zero, v);
		break;
	case TOPI_UNARY_ROUND:
		r = intrin1(b, TIR_INTRIN_ROUND, v);
		break;
	case TOPI_UNARY_SIGMOID:
		r = intrin1(b, TIR_INTRIN_SIGMOID, v);
		break;
	case TOPI_UNARY_SIGN:
		if (sb_dtype_is_unsigned_int(dt))
			r = tir_select(c, tir_gt(c, v, zero), one, zero);
		else
			r = tir_select(c, tir_gt(c, v, zero), one,
				       tir_select(c, tir_lt(c, v, zero), K(-1), fl ? v : zero));
		break;
	case TOPI_UNARY_SIN:
		r = intrin1(b, TIR_INTRIN_SIN, v);
		break;
	case TOPI_UNARY_SINH:
		r = intrin1(b, TIR_INTRIN_SINH, v);
		break;
	case TOPI_UNARY_SOFTPLUS: {
		/* both arms keep exp's argument <= 0 where they are taken */
		tir_expr *pos = tir_add(
		    c, v,
		    intrin1(b, TIR_INTRIN_LOG1P, intrin1(b, TIR_INTRIN_EXP, tir_sub(c, zero, v))));
		tir_expr *neg = intrin1(b, TIR_INTRIN_LOG1P, intrin1(b, TIR_INTRIN_EXP, v));
		r = tir_select(c, tir_gt(c, v, zero), pos, neg);
		break;
	}
	case TOPI_UNARY_SOFTSIGN:
		r = tir_div(c, v, tir_add(c, one, intrin1(b, TIR_INTRIN_FABS, v)));
		break;
	case TOPI_UNARY_SQRT:
		r = intrin1(b, TIR_INTRIN_SQRT, v);
		break;
	case TOPI_UNARY_TAN:
		r = intrin1(b, TIR_INTRIN_TAN, v);
		break;
	case TOPI_UNARY_TANH:
		r = intrin1(b, TIR_INTRIN_TANH, v);
		break;
	case TOPI_UNARY_CELU: {
		tir_expr *a = K(p->alpha);
		tir_expr *e = intrin1(b, TIR_INTRIN_EXP, tir_div(c, v, a));
		r = tir_select(c, tir_gt(c, v, zero), v, tir_mul(c, a, tir_sub(c, e, one)));
		break;
	}
	case TOPI_UNARY_ELU: {
		tir_expr *e = intrin1(b, TIR_INTRIN_EXP, v);
		r = tir_select(c, tir_lt(c, v, zero), tir_mul(c, K(p->alpha), tir_sub(c, e, one)),
			       v);
		break;
	}
	case TOPI_UNARY_HARD_SIGMOID:
		r = clamp01(b, tir_add(c, tir_mul(c, K(p->alpha), v), K(p->beta)), cdt);
		break;
	case TOPI_UNARY_HARD_SWISH:
		r = tir_mul(c, v, clamp01(b, tir_add(c, tir_div(c, v, K(6)), K(0.5)), cdt));
		break;
	case TOPI_UNARY_LEAKY_RELU:
		r = tir_select(c, tir_lt(c, v, zero), tir_mul(c, K(p->alpha), v), v);
		break;
	case TOPI_UNARY_SELU: {
		tir_expr *g = K(p->gamma), *a = K(p->alpha);
		tir_expr *neg =
		    tir_mul(c, g, tir_sub(c, tir_mul(c, a, intrin1(b, TIR_INTRIN_EXP, v)), a));
		r = tir_select(c, tir_gt(c, v, zero), tir_mul(c, g, v), neg);
		break;
	}
	case TOPI_UNARY_SHRINK: {
		/* integers shrink in float64 and convert back (saturating) */
		sb_dtype sdt = fl ? cdt : SB_F64;
		tir_expr *x = to_dtype(b, v, sdt);
		tir_expr *lam = topi_const(b, sdt, p->lambd), *bias = topi_const(b, sdt, p->bias);
		tir_expr *nlam = topi_const(b, sdt, -p->lambd);
		r = tir_select(
		    c, tir_lt(c, x, nlam), tir_add(c, x, bias),
		    tir_select(c, tir_gt(c, x, lam), tir_sub(c, x, bias), topi_const(b, sdt, 0)));
		r = to_dtype(b, r, cdt);
		break;
	}
	case TOPI_UNARY_THRESHOLDED_RELU:
		r = tir_select(c, tir_gt(c, v, K(p->alpha)), v, zero);
		break;
	case TOPI_UNARY_IS_INF: {
		tir_expr *inf = intrin1(b, TIR_INTRIN_ISINF, v);
		if (p->detect_negative && p->detect_positive)
			return inf;
		if (!p->detect_negative && !p->detect_positive)
			return tir_bool(c, false);
		return tir_and(c, inf,
			       p->detect_positive ? tir_gt(c, v, zero) : tir_lt(c, v, zero));
	}
	case TOPI_UNARY_IS_NAN:
		return intrin1(b, TIR_INTRIN_ISNAN, v);
	case TOPI_UNARY_IDENTITY:
		r = v;
		break;
	default:
		SB_UNREACHABLE();
	}
#undef K
	return to_dtype(b, r, dt);
}

sb_status topi_unary(tir_ctx *ctx, const char *name, topi_unary_op op, const topi_unary_params *p,
		     topi_tensor x, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, op < TOPI_UNARY_COUNT ? unary_info[op].name : "unary", name);
	if (op >= TOPI_UNARY_COUNT) {
		topi_fail(&b, SB_ERR_INVALID, "unknown unary op %d", (int)op);
		return topi_builder_finish(&b, out);
	}
	topi_unary_params def = topi_unary_params_default(op);
	unary_env env = {op, p ? p : &def, x.dtype};
	if (op == TOPI_UNARY_CELU && env.p->alpha == 0)
		topi_fail(&b, SB_ERR_INVALID, "alpha must not be 0");
	if (check_dtype(&b, "input X", x.dtype, unary_info[op].cls)) {
		sb_dtype odt = unary_info[op].cls == DT_FLOAT_TO_BOOL ? SB_BOOL : x.dtype;
		ew_body(&b, 1, &x, (const char *[]){"X", "Y"}, odt, unary_value, &env);
	}
	return topi_builder_finish(&b, out);
}

/* ---- Binary ---- */

typedef enum bin_kind { BK_ARITH, BK_COMPARE, BK_LOGIC, BK_POW, BK_PRELU } bin_kind;

static const struct {
	const char *name;
	bin_kind kind;
} binary_info[TOPI_BINARY_COUNT] = {
#define X(id, name, kind) [TOPI_BINARY_##id] = {name, BK_##kind},
    TOPI_BINARY_OPS(X)
#undef X
};

const char *topi_binary_name(topi_binary_op op)
{
	return op < TOPI_BINARY_COUNT ? binary_info[op].name : "?";
}

/* Integer x / y and x % y defined everywhere: 0 for y == 0; y == -1 gives
 * -x (wrapping) and 0; the divisor is made safe before dividing, because
 * select evaluates both arms. */
static tir_expr *int_divmod(topi_builder *b, sb_dtype dt, tir_expr *x, tir_expr *y, bool mod,
			    bool floor)
{
	tir_ctx *c = b->ctx;
	tir_expr *zero = topi_const(b, dt, 0), *one = topi_const(b, dt, 1);
	if (sb_dtype_is_unsigned_int(dt)) {
		tir_expr *safe = tir_select(c, tir_eq(c, y, zero), one, y);
		tir_expr *q = mod ? tir_mod(c, x, safe) : tir_div(c, x, safe);
		return tir_select(c, tir_eq(c, y, zero), zero, q);
	}
	tir_expr *m1 = topi_const(b, dt, -1);
	tir_expr *bad = tir_or(c, tir_eq(c, y, zero), tir_eq(c, y, m1));
	tir_expr *safe = tir_select(c, bad, one, y);
	tir_expr *q =
	    mod ? (floor ? tir_floormod(c, x, safe) : tir_mod(c, x, safe)) : tir_div(c, x, safe);
	tir_expr *special =
	    mod ? zero : tir_select(c, tir_eq(c, y, zero), zero, tir_sub(c, zero, x));
	return tir_select(c, bad, special, q);
}

typedef struct binary_env {
	topi_binary_op op;
	sb_dtype adt, bdt;
} binary_env;

static tir_expr *binary_value(topi_builder *b, tir_expr *const *in, const void *envp)
{
	const binary_env *env = envp;
	tir_ctx *c = b->ctx;
	sb_dtype dt = env->adt, cdt = compute_dtype(dt);
	bool fl = sb_dtype_is_float(dt);
	tir_expr *x = to_dtype(b, in[0], cdt), *y = in[1], *r;
	if (env->op != TOPI_BINARY_POW)
		y = to_dtype(b, y, cdt);
	switch (env->op) {
	case TOPI_BINARY_ADD:
		r = tir_add(c, x, y);
		break;
	case TOPI_BINARY_SUB:
		r = tir_sub(c, x, y);
		break;
	case TOPI_BINARY_MUL:
		r = tir_mul(c, x, y);
		break;
	case TOPI_BINARY_DIV:
		r = fl ? tir_div(c, x, y) : int_divmod(b, dt, x, y, false, false);
		break;
	case TOPI_BINARY_MOD:
		r = int_divmod(b, dt, x, y, true, true);
		break;
	case TOPI_BINARY_FMOD:
		r = fl ? tir_call(c, TIR_INTRIN_FMOD, 2, (tir_expr *[]){x, y})
		       : int_divmod(b, dt, x, y, true, false);
		break;
	case TOPI_BINARY_POW:
		if (fl && env->bdt == dt) {
			r = tir_call(c, TIR_INTRIN_POW, 2, (tir_expr *[]){x, to_dtype(b, y, cdt)});
		} else {
			/* mixed dtypes compute in float64 (numpy's promotion) */
			tir_expr *xd = to_dtype(b, x, SB_F64), *yd = to_dtype(b, y, SB_F64);
			r = tir_call(c, TIR_INTRIN_POW, 2, (tir_expr *[]){xd, yd});
			r = to_dtype(b, r, cdt);
			if (!fl && sb_dtype_is_int(env->bdt)) {
				/* 0 ** negative: the exact integer answer 0, not inf */
				tir_expr *neg = tir_lt(c, y, topi_const(b, env->bdt, 0));
				tir_expr *z = topi_const(b, cdt, 0);
				r = tir_select(c, tir_and(c, tir_eq(c, x, z), neg), z, r);
			}
		}
		break;
	case TOPI_BINARY_MAX:
	case TOPI_BINARY_MIN: {
		tir_expr *pick = env->op == TOPI_BINARY_MAX ? tir_gt(c, x, y) : tir_lt(c, x, y);
		if (fl)
			pick = tir_or(c, pick, tir_call(c, TIR_INTRIN_ISNAN, 1, &x));
		r = tir_select(c, pick, x, y);
		break;
	}
	case TOPI_BINARY_PRELU: {
		tir_expr *zero = topi_const(b, cdt, 0);
		r = sb_dtype_is_unsigned_int(dt)
			? x
			: tir_select(c, tir_lt(c, x, zero), tir_mul(c, x, y), x);
		break;
	}
	case TOPI_BINARY_AND:
		return tir_and(c, x, y);
	case TOPI_BINARY_OR:
		return tir_or(c, x, y);
	case TOPI_BINARY_XOR:
		return tir_ne(c, x, y);
	case TOPI_BINARY_EQUAL:
		return tir_eq(c, x, y);
	case TOPI_BINARY_GREATER:
		return tir_gt(c, x, y);
	case TOPI_BINARY_GREATER_EQUAL:
		return tir_ge(c, x, y);
	case TOPI_BINARY_LESS:
		return tir_lt(c, x, y);
	case TOPI_BINARY_LESS_EQUAL:
		return tir_le(c, x, y);
	default:
		SB_UNREACHABLE();
	}
	return to_dtype(b, r, dt);
}

sb_status topi_binary(tir_ctx *ctx, const char *name, topi_binary_op op, topi_tensor a,
		      topi_tensor bt, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, op < TOPI_BINARY_COUNT ? binary_info[op].name : "binary", name);
	if (op >= TOPI_BINARY_COUNT) {
		topi_fail(&b, SB_ERR_INVALID, "unknown binary op %d", (int)op);
		return topi_builder_finish(&b, out);
	}
	bin_kind kind = binary_info[op].kind;
	dtype_class cls = kind == BK_LOGIC ? DT_BOOL : kind == BK_COMPARE ? DT_ANY : DT_NUMERIC;
	check_dtype(&b, "input A", a.dtype, cls);
	check_dtype(&b, "input B", bt.dtype, kind == BK_POW ? DT_NUMERIC : cls);
	if (!b.status && kind != BK_POW && a.dtype != bt.dtype)
		topi_fail(&b, SB_ERR_INVALID, "input B has dtype %s but input A has %s",
			  sb_dtype_name(bt.dtype), sb_dtype_name(a.dtype));
	if (!b.status && op == TOPI_BINARY_MOD && sb_dtype_is_float(a.dtype))
		topi_fail(&b, SB_ERR_INVALID, "%s inputs need fmod (Mod with fmod=1)",
			  sb_dtype_name(a.dtype));
	if (!b.status && kind == BK_PRELU) {
		/* the slope broadcasts one way: the output is x's shape */
		if (bt.ndim > a.ndim)
			topi_fail(&b, SB_ERR_INVALID, "slope has rank %d, more than the input's %d",
				  bt.ndim, a.ndim);
		for (int i = 0; i < bt.ndim && !b.status; i++) {
			tir_expr *s = bt.shape[i], *d = a.shape[a.ndim - bt.ndim + i];
			topi_require(
			    &b, tir_or(ctx, tir_eq(ctx, s, tir_int(ctx, 1)), tir_eq(ctx, s, d)),
			    "slope dim %d must be 1 or the input's dim", i);
		}
	}
	binary_env env = {op, a.dtype, bt.dtype};
	sb_dtype odt = kind == BK_COMPARE || kind == BK_LOGIC ? SB_BOOL : a.dtype;
	if (!b.status) {
		topi_tensor ts[2] = {a, bt};
		if (kind == BK_PRELU) {
			ew_body_shaped(&b, 2, ts, (const char *[]){"X", "slope", "Y"}, odt,
				       binary_value, &env, &a);
		} else {
			ew_body(&b, 2, ts, (const char *[]){"A", "B", "C"}, odt, binary_value,
				&env);
		}
	}
	return topi_builder_finish(&b, out);
}

/* ---- Variadic ---- */

typedef struct variadic_env {
	topi_variadic_op op;
	int n;
	sb_dtype dt;
} variadic_env;

static tir_expr *variadic_value(topi_builder *b, tir_expr *const *in, const void *envp)
{
	const variadic_env *env = envp;
	tir_ctx *c = b->ctx;
	sb_dtype cdt = compute_dtype(env->dt);
	bool fl = sb_dtype_is_float(env->dt);
	tir_expr *acc = to_dtype(b, in[0], cdt);
	for (int i = 1; i < env->n; i++) {
		tir_expr *y = to_dtype(b, in[i], cdt);
		switch (env->op) {
		case TOPI_VARIADIC_MAX:
		case TOPI_VARIADIC_MIN: {
			tir_expr *pick =
			    env->op == TOPI_VARIADIC_MAX ? tir_gt(c, acc, y) : tir_lt(c, acc, y);
			if (fl)
				pick = tir_or(c, pick, tir_call(c, TIR_INTRIN_ISNAN, 1, &acc));
			acc = tir_select(c, pick, acc, y);
			break;
		}
		case TOPI_VARIADIC_SUM:
		case TOPI_VARIADIC_MEAN:
			acc = tir_add(c, acc, y);
			break;
		}
	}
	if (env->op == TOPI_VARIADIC_MEAN && env->n > 1)
		acc = tir_div(c, acc, topi_const(b, cdt, env->n));
	return to_dtype(b, acc, env->dt);
}

sb_status topi_variadic(tir_ctx *ctx, const char *name, topi_variadic_op op, int n,
			const topi_tensor *xs, tir_func **out)
{
	static const char *const names[] = {"maximum", "minimum", "sum", "mean"};
	topi_builder b;
	topi_builder_init(&b, ctx, (unsigned)op < 4 ? names[op] : "variadic", name);
	if ((unsigned)op >= 4)
		topi_fail(&b, SB_ERR_INVALID, "unknown variadic op %d", (int)op);
	if (n < 1 || n > 7)
		topi_fail(&b, SB_ERR_UNSUPPORTED, "takes 1 to 7 inputs, got %d", n);
	dtype_class cls =
	    op == TOPI_VARIADIC_MAX || op == TOPI_VARIADIC_MIN ? DT_NUMERIC : DT_FLOAT;
	for (int i = 0; i < n && !b.status; i++) {
		char what[32];
		snprintf(what, sizeof what, "input %d", i);
		check_dtype(&b, what, xs[i].dtype, cls);
		if (!b.status && xs[i].dtype != xs[0].dtype)
			topi_fail(&b, SB_ERR_INVALID, "input %d has dtype %s but input 0 has %s", i,
				  sb_dtype_name(xs[i].dtype), sb_dtype_name(xs[0].dtype));
	}
	if (!b.status) {
		const char *nm[8] = {"X0", "X1", "X2", "X3", "X4", "X5", "X6", NULL};
		nm[n] = "Y";
		variadic_env env = {op, n, xs[0].dtype};
		ew_body(&b, n, xs, nm, xs[0].dtype, variadic_value, &env);
	}
	return topi_builder_finish(&b, out);
}

/* ---- Where, Cast, Clip ---- */

static tir_expr *where_value(topi_builder *b, tir_expr *const *in, const void *env)
{
	(void)env;
	return tir_select(b->ctx, in[0], in[1], in[2]);
}

sb_status topi_where(tir_ctx *ctx, const char *name, topi_tensor cond, topi_tensor x, topi_tensor y,
		     tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "where", name);
	check_dtype(&b, "input condition", cond.dtype, DT_BOOL);
	check_dtype(&b, "input X", x.dtype, DT_ANY);
	if (!b.status && x.dtype != y.dtype)
		topi_fail(&b, SB_ERR_INVALID, "input Y has dtype %s but X has %s",
			  sb_dtype_name(y.dtype), sb_dtype_name(x.dtype));
	if (!b.status) {
		topi_tensor ts[3] = {cond, x, y};
		ew_body(&b, 3, ts, (const char *[]){"condition", "X", "Y", "Z"}, x.dtype,
			where_value, NULL);
	}
	return topi_builder_finish(&b, out);
}

static tir_expr *cast_value(topi_builder *b, tir_expr *const *in, const void *env)
{
	return topi_convert(b, in[0], *(const sb_dtype *)env);
}

sb_status topi_cast(tir_ctx *ctx, const char *name, topi_tensor x, sb_dtype to, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "cast", name);
	check_dtype(&b, "input", x.dtype, DT_ANY);
	check_dtype(&b, "target", to, DT_ANY);
	if (!b.status)
		ew_body(&b, 1, &x, (const char *[]){"X", "Y"}, to, cast_value, &to);
	return topi_builder_finish(&b, out);
}

typedef struct clip_env {
	const topi_clip_params *p;
	tir_buffer *lo, *hi; /* runtime bounds, or NULL */
	sb_dtype dt;
} clip_env;

static tir_expr *clip_value(topi_builder *b, tir_expr *const *in, const void *envp)
{
	const clip_env *env = envp;
	tir_ctx *c = b->ctx;
	sb_dtype cdt = compute_dtype(env->dt);
	tir_expr *v = to_dtype(b, in[0], cdt);
	if (env->p->has_min) {
		tir_expr *lo =
		    env->lo ? tir_load(c, env->lo, 0, NULL) : topi_const(b, env->dt, env->p->min);
		lo = to_dtype(b, lo, cdt);
		v = tir_select(c, tir_lt(c, v, lo), lo, v);
	}
	if (env->p->has_max) {
		tir_expr *hi =
		    env->hi ? tir_load(c, env->hi, 0, NULL) : topi_const(b, env->dt, env->p->max);
		hi = to_dtype(b, hi, cdt);
		v = tir_select(c, tir_gt(c, v, hi), hi, v);
	}
	return to_dtype(b, v, env->dt);
}

sb_status topi_clip(tir_ctx *ctx, const char *name, topi_tensor x, const topi_clip_params *p,
		    tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "clip", name);
	topi_clip_params none = {0};
	if (!p)
		p = &none;
	clip_env env = {p, NULL, NULL, x.dtype};
	if (check_dtype(&b, "input X", x.dtype, DT_NUMERIC)) {
		tir_buffer *xb = topi_input(&b, "X", x);
		if (p->has_min && p->min_input)
			env.lo = topi_input(&b, "min", topi_tensor_make(x.dtype, 0, NULL));
		if (p->has_max && p->max_input)
			env.hi = topi_input(&b, "max", topi_tensor_make(x.dtype, 0, NULL));
		tir_buffer *y = topi_output(&b, "Y", x.dtype, x.ndim, x.shape);
		if (!b.status) {
			topi_nest nest;
			topi_nest_begin(&b, &nest, "clip", y->ndim, y->shape);
			tir_expr *v = tir_load(ctx, xb, xb->ndim, nest.iv);
			topi_nest_store(&b, &nest, y, clip_value(&b, &v, &env));
		}
	}
	return topi_builder_finish(&b, out);
}
