/* Type relations and reference kernels of the elementwise unary ops: the
 * math functions and activations, Not, IsInf/IsNaN, Cast/CastLike and Clip;
 * plus the input checks the whole elementwise group shares (elementwise.h).
 *
 * Each op's element function is written once, as an expression of the
 * input element v in the compute type T, and expanded into one loop per
 * dtype: float and double compute in their own precision, float16 and
 * bfloat16 in float and store rounded.  Integer semantics: Abs and Neg of
 * the most negative value wrap (give it back), as two's complement does. */
#include <inttypes.h>
#include <stdio.h>
#include <tgmath.h>

#include "elementwise.h"

/* ---- shared input checks ---- */

static void format_dtypes(unsigned dtypes, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (int dt = 1; dt < SB_DT_COUNT; dt++) {
		if (!(dtypes & EW_BIT(dt)) || len >= size)
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
					sb_dtype_name((sb_dtype)dt));
	}
}

sb_status ew_input(relay_op_ctx *ctx, int i, unsigned dtypes, const relay_type **t)
{
	const relay_type *ty = i < ctx->nin ? ctx->in[i] : NULL;
	*t = ty;
	if (!ty)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input %d is missing", i);
	if (ty->kind != RELAY_TYPE_TENSOR)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "input %d must be a tensor, not a tuple", i);
	if (!(dtypes & EW_BIT(ty->dtype))) {
		char list[256];
		format_dtypes(dtypes, list, sizeof list);
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED,
				       "input %d has dtype %s; expected one of %s", i,
				       sb_dtype_name(ty->dtype), list);
	}
	return SB_OK;
}

sb_status ew_dtype_mismatch(relay_op_ctx *ctx, int i, const relay_type *t0, const relay_type *ti)
{
	return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input %d has dtype %s but input 0 has %s", i,
			       sb_dtype_name(ti->dtype), sb_dtype_name(t0->dtype));
}

sb_status ew_kernel_dtype_error(relay_kernel_ctx *ctx, sb_dtype dt)
{
	return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "no kernel for dtype %s",
			       sb_dtype_name(dt));
}

/* ---- type relations ---- */

/* Abs, Sign and Shrink take every number; Neg and Relu only signed ones. */
static unsigned unary_dtypes(relay_op op)
{
	return op == RELAY_OP_NEG || op == RELAY_OP_RELU ? EW_FLOAT | EW_SINT : EW_NUMERIC;
}

sb_status rel_unary(relay_op_ctx *ctx)
{
	const relay_type *x;
	sb_status st = ew_input(ctx, 0, unary_dtypes(ctx->op), &x);
	if (st)
		return st;
	ctx->out[0] = x;
	return SB_OK;
}

sb_status rel_unary_float(relay_op_ctx *ctx)
{
	const relay_type *x;
	sb_status st = ew_input(ctx, 0, EW_FLOAT, &x);
	if (st)
		return st;
	ctx->out[0] = x;
	return SB_OK;
}

sb_status rel_unary_bool(relay_op_ctx *ctx)
{
	const relay_type *x;
	sb_status st = ew_input(ctx, 0, EW_BOOL, &x);
	if (st)
		return st;
	ctx->out[0] = x;
	return SB_OK;
}

sb_status rel_unary_to_bool(relay_op_ctx *ctx)
{
	const relay_type *x;
	sb_status st = ew_input(ctx, 0, EW_FLOAT, &x);
	if (st)
		return st;
	ctx->out[0] = relay_type_tensor(ctx->mod, SB_BOOL, x->rank, x->dims);
	return SB_OK;
}

/* ONNX TensorProto.DataType codes of the dtypes we have (8 is STRING,
 * 14/15 are the complex types). */
static const struct {
	int code;
	sb_dtype dt;
} onnx_dtypes[] = {
    {1, SB_F32},  {2, SB_U8},	{3, SB_I8},    {4, SB_U16},  {5, SB_I16},
    {6, SB_I32},  {7, SB_I64},	{9, SB_BOOL},  {10, SB_F16}, {11, SB_F64},
    {12, SB_U32}, {13, SB_U64}, {16, SB_BF16},
};

sb_dtype relay_onnx_dtype(int64_t code)
{
	for (size_t i = 0; i < SB_ARRAY_LEN(onnx_dtypes); i++)
		if (onnx_dtypes[i].code == code)
			return onnx_dtypes[i].dt;
	return SB_DT_INVALID;
}

sb_status rel_cast(relay_op_ctx *ctx)
{
	const relay_type *x;
	sb_status st = ew_input(ctx, 0, EW_NUMERIC | EW_BOOL, &x);
	if (st)
		return st;
	int64_t to = CTX_ATTRS(ctx, cast)->to;
	sb_dtype dt = relay_onnx_dtype(to);
	if (dt == SB_DT_INVALID)
		return RELAY_CTX_ERROR(
		    ctx, to == 8 || to == 14 || to == 15 ? SB_ERR_UNSUPPORTED : SB_ERR_INVALID,
		    "cannot cast to ONNX dtype %" PRId64 "%s", to,
		    to == 8		   ? " (string)"
		    : to == 14 || to == 15 ? " (complex)"
					   : "");
	ctx->out[0] = relay_type_tensor(ctx->mod, dt, x->rank, x->dims);
	return SB_OK;
}

sb_status rel_cast_like(relay_op_ctx *ctx)
{
	const relay_type *x, *like;
	sb_status st = ew_input(ctx, 0, EW_NUMERIC | EW_BOOL, &x);
	if (!st)
		st = ew_input(ctx, 1, EW_NUMERIC | EW_BOOL, &like);
	if (st)
		return st;
	ctx->out[0] = relay_type_tensor(ctx->mod, like->dtype, x->rank, x->dims);
	return SB_OK;
}

/* Clip's optional min (input 1) and max (input 2): scalars of x's dtype.
 * A tensor of one element in any rank is taken too, as exporters write
 * [1] for a scalar. */
static sb_status clip_bound(relay_op_ctx *ctx, int i, const relay_type *x)
{
	if (i >= ctx->nin || !ctx->in[i])
		return SB_OK;
	const relay_type *t;
	sb_status st = ew_input(ctx, i, EW_NUMERIC, &t);
	if (st)
		return st;
	if (t->dtype != x->dtype)
		return ew_dtype_mismatch(ctx, i, x, t);
	for (int d = 0; d < t->rank; d++)
		if (relay_dim_is_known(t->dims[d]) && t->dims[d].value != 1)
			return RELAY_CTX_ERROR(
			    ctx, SB_ERR_INVALID,
			    "input %d (%s) must be a scalar, but dim %d is %" PRId64, i,
			    i == 1 ? "min" : "max", d, t->dims[d].value);
	return SB_OK;
}

sb_status rel_clip(relay_op_ctx *ctx)
{
	const relay_type *x;
	sb_status st = ew_input(ctx, 0, EW_NUMERIC, &x);
	if (!st)
		st = clip_bound(ctx, 1, x);
	if (!st)
		st = clip_bound(ctx, 2, x);
	if (st)
		return st;
	ctx->out[0] = x;
	return SB_OK;
}

/* ---- loops ---- */

/* The attributes a unary op reads, gathered so one loop shape serves all. */
typedef struct unary_params {
	float alpha, beta, gamma, bias, lambd;
	bool detect_negative, detect_positive;
} unary_params;

typedef void (*unary_loop)(const void *x, void *y, int64_t n, const unary_params *p);

/* y[i] = the expression of v = x[i] (type T).  The float attributes are
 * visible as locals of type P: T for the float types, float for integers. */
#define UNARY_LOOP(DT, sfx, S, C, LD, ST, name, ...)                                               \
	static void name##_##sfx(const void *xp, void *yp, int64_t n, const unary_params *p)       \
	{                                                                                          \
		typedef C T;                                                                       \
		typedef __typeof__((T)0 + 0.0f) P;                                                 \
		const S *x = xp;                                                                   \
		S *y = yp;                                                                         \
		const P alpha = (P)p->alpha, beta = (P)p->beta, gamma = (P)p->gamma;               \
		const P bias = (P)p->bias, lambd = (P)p->lambd;                                    \
		(void)alpha, (void)beta, (void)gamma, (void)bias, (void)lambd;                     \
		for (int64_t i = 0; i < n; i++) {                                                  \
			T v = LD(x[i]);                                                            \
			y[i] = ST(__VA_ARGS__);                                                    \
		}                                                                                  \
	}
/* y[i] = the truth of the expression, stored as bool. */
#define UNARY_PRED_LOOP(DT, sfx, S, C, LD, ST, name, ...)                                          \
	static void name##_##sfx(const void *xp, void *yp, int64_t n, const unary_params *p)       \
	{                                                                                          \
		typedef C T;                                                                       \
		const S *x = xp;                                                                   \
		uint8_t *y = yp;                                                                   \
		for (int64_t i = 0; i < n; i++) {                                                  \
			T v = LD(x[i]);                                                            \
			y[i] = (__VA_ARGS__) != 0;                                                 \
		}                                                                                  \
	}
#define UNARY_ENTRY(DT, sfx, S, C, LD, ST, name, ...) [SB_##DT] = name##_##sfx,

static sb_status unary_run(relay_kernel_ctx *ctx, const unary_loop loops[SB_DT_COUNT],
			   const unary_params *p)
{
	const sb_tensor *x = ctx->in[0];
	unary_loop fn = loops[x->dtype];
	if (!fn)
		return ew_kernel_dtype_error(ctx, x->dtype);
	SB_ASSERT(sb_tensor_numel(ctx->out[0]) == sb_tensor_numel(x));
	fn(x->dl.data, ctx->out[0]->dl.data, sb_tensor_numel(x), p);
	return SB_OK;
}

static unary_params params_none(const void *attrs)
{
	return (unary_params){0};
}
static unary_params params_alpha(const void *attrs)
{
	return (unary_params){.alpha = ((const relay_attrs_alpha *)attrs)->alpha};
}
static unary_params params_leaky_relu(const void *attrs)
{
	return (unary_params){.alpha = ((const relay_attrs_leaky_relu *)attrs)->alpha};
}
static unary_params params_hard_sigmoid(const void *attrs)
{
	const relay_attrs_hard_sigmoid *a = attrs;
	return (unary_params){.alpha = a->alpha, .beta = a->beta};
}
static unary_params params_selu(const void *attrs)
{
	const relay_attrs_selu *a = attrs;
	return (unary_params){.alpha = a->alpha, .gamma = a->gamma};
}

/* clang-format off */
/* NaN-propagating clamp to [0, 1] (fmin/fmax would drop a NaN). */
#define CLAMP01(u) ((u) < 0 ? 0 : (u) > 1 ? 1 : (u))

/* Ops on the float types only: name, attribute reader, result for v. */
#define UNARY_FLOAT_OPS(X)                                                                         \
	X(acos, params_none, acos(v))                                                              \
	X(acosh, params_none, acosh(v))                                                            \
	X(asin, params_none, asin(v))                                                              \
	X(asinh, params_none, asinh(v))                                                            \
	X(atan, params_none, atan(v))                                                              \
	X(atanh, params_none, atanh(v))                                                            \
	X(ceil, params_none, ceil(v))                                                              \
	X(cos, params_none, cos(v))                                                                \
	X(cosh, params_none, cosh(v))                                                              \
	X(erf, params_none, erf(v))                                                                \
	X(exp, params_none, exp(v))                                                                \
	X(floor, params_none, floor(v))                                                            \
	X(log, params_none, log(v))                                                                \
	X(reciprocal, params_none, 1 / v)                                                          \
	/* rint in the default rounding mode rounds half to even */                                \
	X(round, params_none, rint(v))                                                             \
	/* both branches keep exp's argument <= 0, so nothing overflows */                         \
	X(sigmoid, params_none, v >= 0 ? 1 / (1 + exp(-v)) : exp(v) / (1 + exp(v)))                \
	X(sin, params_none, sin(v))                                                                \
	X(sinh, params_none, sinh(v))                                                              \
	X(softplus, params_none, v > 0 ? v + log1p(exp(-v)) : log1p(exp(v)))                       \
	X(softsign, params_none, v / (1 + fabs(v)))                                                \
	X(sqrt, params_none, sqrt(v))                                                              \
	X(tan, params_none, tan(v))                                                                \
	X(tanh, params_none, tanh(v))                                                              \
	X(celu, params_alpha, v > 0 ? v : alpha * (exp(v / alpha) - 1))                            \
	X(elu, params_alpha, v < 0 ? alpha * (exp(v) - 1) : v)                                     \
	X(hard_sigmoid, params_hard_sigmoid, CLAMP01(alpha * v + beta))                            \
	X(hard_swish, params_none, v * CLAMP01(v / 6 + (T)0.5))                                    \
	X(leaky_relu, params_leaky_relu, v < 0 ? alpha * v : v)                                    \
	X(selu, params_selu, v > 0 ? gamma * v : gamma * (alpha * exp(v) - alpha))                 \
	X(thresholded_relu, params_alpha, v > alpha ? v : 0)

#define UNARY_FLOAT_OP(name, params, ...)                                                          \
	EW_TYPES_FLOAT(UNARY_LOOP, name, __VA_ARGS__)                                              \
	static const unary_loop name##_loops[SB_DT_COUNT] = {EW_TYPES_FLOAT(UNARY_ENTRY, name, 0)}; \
	sb_status k_##name(relay_kernel_ctx *ctx)                                                  \
	{                                                                                          \
		unary_params p = params(ctx->attrs);                                               \
		return unary_run(ctx, name##_loops, &p);                                           \
	}
UNARY_FLOAT_OPS(UNARY_FLOAT_OP)

/* Ops that take integers too, with an expression per kind of type. */
#define NEG_WRAP(v) ((T)(0 - (uint64_t)(v)))

EW_TYPES_FLOAT(UNARY_LOOP, abs, fabs(v))
EW_TYPES_SINT(UNARY_LOOP, abs, v < 0 ? NEG_WRAP(v) : v)
EW_TYPES_UINT(UNARY_LOOP, abs, v)
static const unary_loop abs_loops[SB_DT_COUNT] = {
	EW_TYPES_FLOAT(UNARY_ENTRY, abs, 0)
	EW_TYPES_SINT(UNARY_ENTRY, abs, 0)
	EW_TYPES_UINT(UNARY_ENTRY, abs, 0)
};

EW_TYPES_FLOAT(UNARY_LOOP, neg, -v)
EW_TYPES_SINT(UNARY_LOOP, neg, NEG_WRAP(v))
static const unary_loop neg_loops[SB_DT_COUNT] = {
	EW_TYPES_FLOAT(UNARY_ENTRY, neg, 0)
	EW_TYPES_SINT(UNARY_ENTRY, neg, 0)
};

EW_TYPES_FLOAT(UNARY_LOOP, relu, v < 0 ? 0 : v)
EW_TYPES_SINT(UNARY_LOOP, relu, v < 0 ? 0 : v)
static const unary_loop relu_loops[SB_DT_COUNT] = {
	EW_TYPES_FLOAT(UNARY_ENTRY, relu, 0)
	EW_TYPES_SINT(UNARY_ENTRY, relu, 0)
};

/* sign(NaN) is NaN, as in numpy */
EW_TYPES_FLOAT(UNARY_LOOP, sign, v > 0 ? 1 : v < 0 ? -1 : v)
EW_TYPES_SINT(UNARY_LOOP, sign, v > 0 ? 1 : v < 0 ? -1 : 0)
EW_TYPES_UINT(UNARY_LOOP, sign, v > 0)
static const unary_loop sign_loops[SB_DT_COUNT] = {
	EW_TYPES_FLOAT(UNARY_ENTRY, sign, 0)
	EW_TYPES_SINT(UNARY_ENTRY, sign, 0)
	EW_TYPES_UINT(UNARY_ENTRY, sign, 0)
};

/* Integers shrink in double and convert back saturating. */
EW_TYPES_FLOAT(UNARY_LOOP, shrink, v < -lambd ? v + bias : v > lambd ? v - bias : 0)
EW_TYPES_SINT(UNARY_LOOP, shrink,
	(T)ew_f64_to_i64(v < -lambd ? (double)v + bias : v > lambd ? (double)v - bias : 0))
EW_TYPES_UINT(UNARY_LOOP, shrink,
	(T)ew_f64_to_u64(v < -lambd ? (double)v + bias : v > lambd ? (double)v - bias : 0))
static const unary_loop shrink_loops[SB_DT_COUNT] = {
	EW_TYPES_FLOAT(UNARY_ENTRY, shrink, 0)
	EW_TYPES_SINT(UNARY_ENTRY, shrink, 0)
	EW_TYPES_UINT(UNARY_ENTRY, shrink, 0)
};

EW_TYPES_BOOL(UNARY_LOOP, not, !v)
static const unary_loop not_loops[SB_DT_COUNT] = {EW_TYPES_BOOL(UNARY_ENTRY, not, 0)};

EW_TYPES_FLOAT(UNARY_PRED_LOOP, is_nan, isnan(v))
static const unary_loop is_nan_loops[SB_DT_COUNT] = {EW_TYPES_FLOAT(UNARY_ENTRY, is_nan, 0)};

EW_TYPES_FLOAT(UNARY_PRED_LOOP, is_inf,
	isinf(v) && (v > 0 ? p->detect_positive : p->detect_negative))
static const unary_loop is_inf_loops[SB_DT_COUNT] = {EW_TYPES_FLOAT(UNARY_ENTRY, is_inf, 0)};
/* clang-format on */

sb_status k_abs(relay_kernel_ctx *ctx)
{
	return unary_run(ctx, abs_loops, &(unary_params){0});
}
sb_status k_neg(relay_kernel_ctx *ctx)
{
	return unary_run(ctx, neg_loops, &(unary_params){0});
}
sb_status k_relu(relay_kernel_ctx *ctx)
{
	return unary_run(ctx, relu_loops, &(unary_params){0});
}
sb_status k_sign(relay_kernel_ctx *ctx)
{
	return unary_run(ctx, sign_loops, &(unary_params){0});
}
sb_status k_not(relay_kernel_ctx *ctx)
{
	return unary_run(ctx, not_loops, &(unary_params){0});
}
sb_status k_is_nan(relay_kernel_ctx *ctx)
{
	return unary_run(ctx, is_nan_loops, &(unary_params){0});
}

sb_status k_shrink(relay_kernel_ctx *ctx)
{
	const relay_attrs_shrink *a = CTX_ATTRS(ctx, shrink);
	return unary_run(ctx, shrink_loops, &(unary_params){.bias = a->bias, .lambd = a->lambd});
}

sb_status k_is_inf(relay_kernel_ctx *ctx)
{
	const relay_attrs_is_inf *a = CTX_ATTRS(ctx, is_inf);
	unary_params p = {.detect_negative = a->detect_negative != 0,
			  .detect_positive = a->detect_positive != 0};
	return unary_run(ctx, is_inf_loops, &p);
}

/* ---- Cast ----
 * Converts blocks of elements through int64 when both sides are integers
 * (or bool), else through double: float to integer truncates toward zero,
 * saturating at int64 and wrapping to narrower types (numpy's astype on
 * x86); NaN gives 0; anything to bool is != 0.  To float16 the rounding is
 * correct from either float or double; to bfloat16 it truncates, as the
 * ONNX 1.12 reference data does. */

enum { CAST_BLOCK = 256 };

static uint16_t cast_f64_to_f16(double d)
{
	float f = (float)d;
	/* Round to odd into float: the float neighbour of d with an odd last
	 * bit.  Rounding that to half is then the correct rounding of d (float
	 * has 13 bits more than half, so no double rounding). */
	if ((double)f != d && d == d) {
		uint32_t bits;
		memcpy(&bits, &f, 4);
		if (!(bits & 1))
			f = nextafterf(f, d > f ? INFINITY : -INFINITY);
	}
	return sb_f32_to_f16(f);
}

static uint16_t cast_f64_to_bf16(double d)
{
	float f = (float)d;
	uint32_t bits;
	memcpy(&bits, &f, 4);
	return f != f ? (uint16_t)((bits >> 16) | 0x40) : (uint16_t)(bits >> 16);
}

#define CAST_LOAD_F64(DT, sfx, S, C, LD, ST, ...)                                                  \
	case SB_##DT:                                                                              \
		for (int i = 0; i < n; i++)                                                        \
			buf[i] = (double)LD(((const S *)src)[i]);                                  \
		break;
static void cast_load_f64(sb_dtype dt, const void *src, double *buf, int n)
{
	switch (dt) {
		EW_TYPES_FLOAT(CAST_LOAD_F64, 0)
		EW_TYPES_SINT(CAST_LOAD_F64, 0)
		EW_TYPES_UINT(CAST_LOAD_F64, 0)
		EW_TYPES_BOOL(CAST_LOAD_F64, 0)
	default:
		SB_UNREACHABLE();
	}
}

#define CAST_STORE_F64_SINT(DT, sfx, S, C, LD, ST, ...)                                            \
	case SB_##DT:                                                                              \
		for (int i = 0; i < n; i++)                                                        \
			((S *)dst)[i] = (S)ew_f64_to_i64(buf[i]);                                  \
		break;
#define CAST_STORE_F64_UINT(DT, sfx, S, C, LD, ST, ...)                                            \
	case SB_##DT:                                                                              \
		for (int i = 0; i < n; i++)                                                        \
			((S *)dst)[i] = (S)ew_f64_to_u64(buf[i]);                                  \
		break;
static void cast_store_f64(sb_dtype dt, void *dst, const double *buf, int n)
{
	switch (dt) {
	case SB_F32:
		for (int i = 0; i < n; i++)
			((float *)dst)[i] = (float)buf[i];
		break;
	case SB_F64:
		memcpy(dst, buf, sizeof(double) * (size_t)n);
		break;
	case SB_F16:
		for (int i = 0; i < n; i++)
			((uint16_t *)dst)[i] = cast_f64_to_f16(buf[i]);
		break;
	case SB_BF16:
		for (int i = 0; i < n; i++)
			((uint16_t *)dst)[i] = cast_f64_to_bf16(buf[i]);
		break;
	case SB_BOOL:
		for (int i = 0; i < n; i++)
			((uint8_t *)dst)[i] = buf[i] != 0;
		break;
		EW_TYPES_SINT(CAST_STORE_F64_SINT, 0)
		EW_TYPES_UINT(CAST_STORE_F64_UINT, 0)
	default:
		SB_UNREACHABLE();
	}
}

/* Integers travel as int64 bit patterns (uint64 too), so int to int is
 * C's modular conversion. */
#define CAST_LOAD_I64(DT, sfx, S, C, LD, ST, ...)                                                  \
	case SB_##DT:                                                                              \
		for (int i = 0; i < n; i++)                                                        \
			buf[i] = (int64_t)((const S *)src)[i];                                     \
		break;
#define CAST_STORE_I64(DT, sfx, S, C, LD, ST, ...)                                                 \
	case SB_##DT:                                                                              \
		for (int i = 0; i < n; i++)                                                        \
			((S *)dst)[i] = (S)buf[i];                                                 \
		break;
static void cast_load_i64(sb_dtype dt, const void *src, int64_t *buf, int n)
{
	switch (dt) {
		EW_TYPES_SINT(CAST_LOAD_I64, 0)
		EW_TYPES_UINT(CAST_LOAD_I64, 0)
		EW_TYPES_BOOL(CAST_LOAD_I64, 0)
	default:
		SB_UNREACHABLE();
	}
}
static void cast_store_i64(sb_dtype dt, void *dst, const int64_t *buf, int n)
{
	switch (dt) {
	case SB_BOOL:
		for (int i = 0; i < n; i++)
			((uint8_t *)dst)[i] = buf[i] != 0;
		break;
		EW_TYPES_SINT(CAST_STORE_I64, 0)
		EW_TYPES_UINT(CAST_STORE_I64, 0)
	default:
		SB_UNREACHABLE();
	}
}

static sb_status cast_run(relay_kernel_ctx *ctx, sb_dtype to)
{
	const sb_tensor *x = ctx->in[0];
	sb_tensor *y = ctx->out[0];
	if (y->dtype != to)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output is %s, expected %s",
				       sb_dtype_name(y->dtype), sb_dtype_name(to));
	sb_dtype from = x->dtype;
	int64_t n = sb_tensor_numel(x);
	size_t in_size = sb_dtype_size(from), out_size = sb_dtype_size(to);
	if (from == to) {
		memcpy(y->dl.data, x->dl.data, (size_t)n * in_size);
		return SB_OK;
	}
	bool ints = !sb_dtype_is_float(from) && !sb_dtype_is_float(to);
	const char *src = x->dl.data;
	char *dst = y->dl.data;
	for (int64_t i = 0; i < n; i += CAST_BLOCK) {
		int m = (int)SB_MIN(n - i, CAST_BLOCK);
		if (ints) {
			int64_t buf[CAST_BLOCK];
			cast_load_i64(from, src + i * in_size, buf, m);
			cast_store_i64(to, dst + i * out_size, buf, m);
		} else {
			double buf[CAST_BLOCK];
			cast_load_f64(from, src + i * in_size, buf, m);
			cast_store_f64(to, dst + i * out_size, buf, m);
		}
	}
	return SB_OK;
}

sb_status k_cast(relay_kernel_ctx *ctx)
{
	sb_dtype to = relay_onnx_dtype(CTX_ATTRS(ctx, cast)->to);
	if (to == SB_DT_INVALID)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED,
				       "cannot cast to ONNX dtype %" PRId64,
				       CTX_ATTRS(ctx, cast)->to);
	return cast_run(ctx, to);
}

sb_status k_cast_like(relay_kernel_ctx *ctx)
{
	return cast_run(ctx, ctx->in[1]->dtype);
}

/* ---- Clip ----
 * y = min(max(x, lo), hi): with lo > hi every element becomes hi, as the
 * spec says; NaN stays NaN. */

typedef void (*clip_loop)(const void *x, void *y, int64_t n, const void *lo, const void *hi);

#define CLIP_LOOP(DT, sfx, S, C, LD, ST, ...)                                                      \
	static void clip_##sfx(const void *xp, void *yp, int64_t n, const void *lop,               \
			       const void *hip)                                                    \
	{                                                                                          \
		const S *x = xp;                                                                   \
		S *y = yp;                                                                         \
		C lo = lop ? LD(*(const S *)lop) : 0, hi = hip ? LD(*(const S *)hip) : 0;          \
		for (int64_t i = 0; i < n; i++) {                                                  \
			C v = LD(x[i]);                                                            \
			if (lop && v < lo)                                                         \
				v = lo;                                                            \
			if (hip && v > hi)                                                         \
				v = hi;                                                            \
			y[i] = ST(v);                                                              \
		}                                                                                  \
	}

/* clang-format off */
#define CLIP_ENTRY(DT, sfx, S, C, LD, ST, ...) [SB_##DT] = clip_##sfx,
EW_TYPES_FLOAT(CLIP_LOOP, 0)
EW_TYPES_SINT(CLIP_LOOP, 0)
EW_TYPES_UINT(CLIP_LOOP, 0)
static const clip_loop clip_loops[SB_DT_COUNT] = {
	EW_TYPES_FLOAT(CLIP_ENTRY, 0)
	EW_TYPES_SINT(CLIP_ENTRY, 0)
	EW_TYPES_UINT(CLIP_ENTRY, 0)
};
/* clang-format on */

sb_status k_clip(relay_kernel_ctx *ctx)
{
	const sb_tensor *x = ctx->in[0];
	const void *bound[2] = {NULL, NULL};
	for (int i = 1; i < 3 && i < ctx->nin; i++) {
		const sb_tensor *b = ctx->in[i];
		if (!b)
			continue;
		if (b->dtype != x->dtype || sb_tensor_numel(b) != 1)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "input %d (%s) must be one %s, got %s with %" PRId64
					       " elements",
					       i, i == 1 ? "min" : "max", sb_dtype_name(x->dtype),
					       sb_dtype_name(b->dtype), sb_tensor_numel(b));
		bound[i - 1] = b->dl.data;
	}
	clip_loop fn = clip_loops[x->dtype];
	if (!fn)
		return ew_kernel_dtype_error(ctx, x->dtype);
	fn(x->dl.data, ctx->out[0]->dl.data, sb_tensor_numel(x), bound[0], bound[1]);
	return SB_OK;
}
