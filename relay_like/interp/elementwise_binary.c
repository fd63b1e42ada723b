/* Type relations and reference kernels of the elementwise binary and
 * variadic ops, Add ... Where, with numpy broadcasting.
 *
 * One driver (ew_run) walks every broadcast: it drops size-1 axes and
 * merges axes that are contiguous for all operands, so same-shape operands
 * and scalar operands become one flat loop, and in general the inner loop
 * runs over the longest stretch in which each operand either advances by
 * one element or stays on one.  Each op's loop is written once, as an
 * expression of x and y in the compute type T, and expanded per dtype
 * (elementwise.h).
 *
 * Integers: Add, Sub, Mul wrap; Div truncates toward zero; x / 0 and
 * x % 0 give 0 (C leaves them undefined; we pick a value rather than
 * crash), and INT_MIN / -1 wraps to INT_MIN.  Mod with fmod=0 takes the
 * divisor's sign (Python, numpy.mod), with fmod=1 the dividend's (C fmod);
 * floats need fmod=1, as the spec says.  Pow gives the base's dtype:
 * integer ** integer is exact (wrapping), and a negative exponent gives
 * 1/x^n truncated (0 unless |x| = 1); other mixes compute in double and
 * convert back, truncating toward zero (numpy's promotion and astype).
 * Max and Min propagate NaN (numpy.maximum). */
#include <inttypes.h>
#include <tgmath.h>

#include "elementwise.h"

/* ---- type relations ---- */

/* Broadcasts the types t[0..n) into ctx->out[0] with dtype dt. */
static sb_status broadcast_out(relay_op_ctx *ctx, int n, const relay_type *const *t, sb_dtype dt)
{
	const relay_type *acc = t[0];
	for (int i = 1; i < n; i++) {
		int rank;
		relay_dim *dims;
		if (relay_broadcast_types(ctx, acc, t[i], &rank, &dims)) {
			sb_strbuf a = {0}, b = {0};
			relay_type_print(&a, acc);
			relay_type_print(&b, t[i]);
			sb_status st = RELAY_CTX_ERROR(
			    ctx, SB_ERR_INVALID, "input %d %s does not broadcast with %s%s", i,
			    b.data, n > 2 ? "the inputs before it, " : "input 0 ", a.data);
			sb_strbuf_free(&a);
			sb_strbuf_free(&b);
			return st;
		}
		acc = relay_type_tensor(ctx->mod, dt, rank, dims);
	}
	ctx->out[0] =
	    acc->dtype == dt ? acc : relay_type_tensor(ctx->mod, dt, acc->rank, acc->dims);
	return SB_OK;
}

/* Inputs 0..n-1 of one dtype from `dtypes`, into t[]. */
static sb_status same_dtype_inputs(relay_op_ctx *ctx, int n, unsigned dtypes, const relay_type **t)
{
	for (int i = 0; i < n; i++) {
		sb_status st = ew_input(ctx, i, dtypes, &t[i]);
		if (st)
			return st;
		if (t[i]->dtype != t[0]->dtype)
			return ew_dtype_mismatch(ctx, i, t[0], t[i]);
	}
	return SB_OK;
}

/* Add, Sub, Mul, Div, Mod. */
sb_status rel_binary(relay_op_ctx *ctx)
{
	const relay_type *t[2];
	sb_status st = same_dtype_inputs(ctx, 2, EW_NUMERIC, t);
	if (st)
		return st;
	if (ctx->op == RELAY_OP_MOD) {
		int64_t fmod = CTX_ATTRS(ctx, mod)->fmod;
		if (fmod != 0 && fmod != 1)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "fmod is %" PRId64 ", not 0 or 1", fmod);
		if (sb_dtype_is_float(t[0]->dtype) && !fmod)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "%s inputs need fmod=1",
					       sb_dtype_name(t[0]->dtype));
	}
	return broadcast_out(ctx, 2, t, t[0]->dtype);
}

sb_status rel_pow(relay_op_ctx *ctx)
{
	const relay_type *t[2];
	sb_status st = ew_input(ctx, 0, EW_NUMERIC, &t[0]);
	if (!st)
		st = ew_input(ctx, 1, EW_NUMERIC, &t[1]);
	if (st)
		return st;
	return broadcast_out(ctx, 2, t, t[0]->dtype);
}

/* The slope broadcasts to x's shape (one-way), so the output is x's type. */
sb_status rel_prelu(relay_op_ctx *ctx)
{
	const relay_type *t[2];
	sb_status st = same_dtype_inputs(ctx, 2, EW_NUMERIC, t);
	if (st)
		return st;
	const relay_type *x = t[0], *slope = t[1];
	if (x->rank >= 0 && slope->rank > x->rank)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "slope has rank %d, more than the input's %d", slope->rank,
				       x->rank);
	for (int i = 0; x->rank >= 0 && i < slope->rank; i++) {
		relay_dim s = slope->dims[i], d = x->dims[x->rank - slope->rank + i];
		if (relay_dim_is_known(s) && relay_dim_is_known(d) && s.value != 1 &&
		    s.value != d.value)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "slope dim %d is %" PRId64
					       ", which does not broadcast to the input's %" PRId64,
					       i, s.value, d.value);
	}
	ctx->out[0] = x;
	return SB_OK;
}

sb_status rel_binary_bool(relay_op_ctx *ctx)
{
	const relay_type *t[2];
	sb_status st = same_dtype_inputs(ctx, 2, EW_BOOL, t);
	return st ? st : broadcast_out(ctx, 2, t, SB_BOOL);
}

sb_status rel_compare(relay_op_ctx *ctx)
{
	const relay_type *t[2];
	unsigned dtypes = ctx->op == RELAY_OP_EQUAL ? EW_NUMERIC | EW_BOOL : EW_NUMERIC;
	sb_status st = same_dtype_inputs(ctx, 2, dtypes, t);
	return st ? st : broadcast_out(ctx, 2, t, SB_BOOL);
}

/* Max, Min (every number), Mean, Sum (floats): one or more inputs. */
sb_status rel_variadic(relay_op_ctx *ctx)
{
	if (ctx->nin < 1)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "needs at least one input");
	unsigned dtypes =
	    ctx->op == RELAY_OP_MAX || ctx->op == RELAY_OP_MIN ? EW_NUMERIC : EW_FLOAT;
	const relay_type **t = SB_ARENA_ARRAY(&ctx->mod->arena, const relay_type *, ctx->nin);
	sb_status st = same_dtype_inputs(ctx, ctx->nin, dtypes, t);
	return st ? st : broadcast_out(ctx, ctx->nin, t, t[0]->dtype);
}

sb_status rel_where(relay_op_ctx *ctx)
{
	const relay_type *t[3];
	sb_status st = ew_input(ctx, 0, EW_BOOL, &t[0]);
	if (!st)
		st = ew_input(ctx, 1, EW_NUMERIC | EW_BOOL, &t[1]);
	if (!st)
		st = ew_input(ctx, 2, EW_NUMERIC | EW_BOOL, &t[2]);
	if (st)
		return st;
	if (t[2]->dtype != t[1]->dtype)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "input 2 has dtype %s but input 1 has %s",
				       sb_dtype_name(t[2]->dtype), sb_dtype_name(t[1]->dtype));
	return broadcast_out(ctx, 3, t, t[1]->dtype);
}

/* ---- the broadcast driver ---- */

#define EW_MAX_IN 3

/* Fills out[0..n): input k's element for out[i] is in[k][i * step[k]],
 * where step[k] is 0 (one element, broadcast) or 1. */
typedef void (*ew_loop)(void *out, const void *const *in, const int64_t *step, int64_t n);

static void ew_run(sb_tensor *out, int nin, sb_tensor *const *in, ew_loop fn)
{
	SB_ASSERT(nin <= EW_MAX_IN && out->dl.ndim <= SB_MAX_RANK);
	int64_t total = sb_tensor_numel(out);
	if (total == 0)
		return;
	int rank = out->dl.ndim;
	int64_t stride[EW_MAX_IN][SB_MAX_RANK];
	for (int k = 0; k < nin; k++) {
		SB_ASSERT(in[k]->dl.ndim <= rank);
		relay_broadcast_strides(rank, out->shape, in[k]->dl.ndim, in[k]->shape, stride[k]);
	}
	/* Drop size-1 axes; merge an axis into the one before it when every
	 * operand's outer stride is its inner stride times the inner length. */
	int64_t shape[SB_MAX_RANK], step[EW_MAX_IN][SB_MAX_RANK];
	int r = 0;
	for (int d = 0; d < rank; d++) {
		int64_t len = out->shape[d];
		if (len == 1)
			continue;
		bool merge = r > 0;
		for (int k = 0; k < nin && merge; k++)
			merge = step[k][r - 1] == stride[k][d] * len;
		if (!merge)
			shape[r++] = 1;
		shape[r - 1] *= len;
		for (int k = 0; k < nin; k++)
			step[k][r - 1] = stride[k][d];
	}
	if (r == 0) {
		shape[r++] = 1;
		for (int k = 0; k < nin; k++)
			step[k][0] = 0;
	}
	/* The innermost axis of a compact operand either has stride 1 or is
	 * broadcast; only the outer axes need the general walk. */
	int64_t inner = shape[r - 1], inner_step[EW_MAX_IN], off[EW_MAX_IN] = {0};
	size_t esize[EW_MAX_IN];
	const void *ptr[EW_MAX_IN];
	for (int k = 0; k < nin; k++) {
		inner_step[k] = step[k][r - 1];
		SB_ASSERT(inner_step[k] == 0 || inner_step[k] == 1);
		esize[k] = sb_dtype_size(in[k]->dtype);
	}
	char *o = out->dl.data;
	size_t osize = sb_dtype_size(out->dtype);
	int64_t idx[SB_MAX_RANK] = {0};
	for (int64_t done = 0; done < total; done += inner) {
		for (int k = 0; k < nin; k++)
			ptr[k] = (const char *)in[k]->dl.data + off[k] * (int64_t)esize[k];
		fn(o + done * (int64_t)osize, ptr, inner_step, inner);
		for (int d = r - 2; d >= 0; d--) {
			for (int k = 0; k < nin; k++)
				off[k] += step[k][d];
			if (++idx[d] < shape[d])
				break;
			for (int k = 0; k < nin; k++)
				off[k] -= step[k][d] * shape[d];
			idx[d] = 0;
		}
	}
}

/* ---- loops ---- */

/* out[i] = STORE(expression of x (type T, from a) and y (type U, from b)),
 * with the inner loop specialised for each operand contiguous or fixed. */
#define BINARY_LOOP(fname, SA, C, LDA, SB_, CB, LDB, OS, STORE, ...)                               \
	static void fname(void *out, const void *const *in, const int64_t *step, int64_t n)        \
	{                                                                                          \
		typedef C T;                                                                       \
		typedef CB U;                                                                      \
		const SA *a = in[0];                                                               \
		const SB_ *b = in[1];                                                              \
		OS *z = out;                                                                       \
		if (step[0] && step[1]) {                                                          \
			for (int64_t i = 0; i < n; i++) {                                          \
				T x = LDA(a[i]);                                                   \
				U y = LDB(b[i]);                                                   \
				z[i] = STORE(__VA_ARGS__);                                         \
			}                                                                          \
		} else if (step[1]) {                                                              \
			T x = LDA(a[0]);                                                           \
			for (int64_t i = 0; i < n; i++) {                                          \
				U y = LDB(b[i]);                                                   \
				z[i] = STORE(__VA_ARGS__);                                         \
			}                                                                          \
		} else if (step[0]) {                                                              \
			U y = LDB(b[0]);                                                           \
			for (int64_t i = 0; i < n; i++) {                                          \
				T x = LDA(a[i]);                                                   \
				z[i] = STORE(__VA_ARGS__);                                         \
			}                                                                          \
		} else {                                                                           \
			T x = LDA(a[0]);                                                           \
			U y = LDB(b[0]);                                                           \
			OS r = STORE(__VA_ARGS__);                                                 \
			for (int64_t i = 0; i < n; i++)                                            \
				z[i] = r;                                                          \
		}                                                                                  \
	}
#define TRUTH(v) ((v) != 0)
/* x, y and the result all of the row's dtype. */
#define ARITH_LOOP(DT, sfx, S, C, LD, ST, name, ...)                                               \
	BINARY_LOOP(name##_##sfx, S, C, LD, S, C, LD, S, ST, __VA_ARGS__)
/* x, y of the row's dtype, the result bool. */
#define PRED_LOOP(DT, sfx, S, C, LD, ST, name, ...)                                                \
	BINARY_LOOP(name##_##sfx, S, C, LD, S, C, LD, uint8_t, TRUTH, __VA_ARGS__)
/* y (the exponent) double or int64, x and the result of the row's dtype. */
#define POW_F64_LOOP(DT, sfx, S, C, LD, ST, name, ...)                                             \
	BINARY_LOOP(name##_##sfx, S, C, LD, double, double, EW_ID, S, ST, __VA_ARGS__)
#define POW_I64_LOOP(DT, sfx, S, C, LD, ST, name, ...)                                             \
	BINARY_LOOP(name##_##sfx, S, C, LD, int64_t, int64_t, EW_ID, S, ST, __VA_ARGS__)
#define LOOP_ENTRY(DT, sfx, S, C, LD, ST, name, ...) [SB_##DT] = name##_##sfx,

/* clang-format off */
/* Every number, one expression for floats and one for integers. */
#define NUMERIC_OP(name, float_expr, int_expr)                                                     \
	EW_TYPES_FLOAT(ARITH_LOOP, name, float_expr)                                               \
	EW_TYPES_SINT(ARITH_LOOP, name, int_expr)                                                  \
	EW_TYPES_UINT(ARITH_LOOP, name, int_expr)                                                  \
	static const ew_loop name##_loops[SB_DT_COUNT] = {                                         \
		EW_TYPES_FLOAT(LOOP_ENTRY, name, 0)                                                \
		EW_TYPES_SINT(LOOP_ENTRY, name, 0)                                                 \
		EW_TYPES_UINT(LOOP_ENTRY, name, 0)                                                 \
	};

NUMERIC_OP(add, x + y, EW_WRAP(T, +, x, y))
NUMERIC_OP(sub, x - y, EW_WRAP(T, -, x, y))
NUMERIC_OP(mul, x * y, EW_WRAP(T, *, x, y))
NUMERIC_OP(max, x > y || isnan(x) ? x : y, x > y ? x : y)
NUMERIC_OP(min, x < y || isnan(x) ? x : y, x < y ? x : y)

EW_TYPES_FLOAT(ARITH_LOOP, div, x / y)
EW_TYPES_SINT(ARITH_LOOP, div, y == 0 ? 0 : y == -1 ? EW_WRAP(T, -, 0, x) : x / y)
EW_TYPES_UINT(ARITH_LOOP, div, y == 0 ? 0 : x / y)
static const ew_loop div_loops[SB_DT_COUNT] = {
	EW_TYPES_FLOAT(LOOP_ENTRY, div, 0)
	EW_TYPES_SINT(LOOP_ENTRY, div, 0)
	EW_TYPES_UINT(LOOP_ENTRY, div, 0)
};

/* Remainder with the divisor's sign; also defined for y = 0 and -1. */
static inline int64_t mod_floor(int64_t x, int64_t y)
{
	if (y == 0 || y == -1)
		return 0;
	int64_t r = x % y;
	return r != 0 && (r < 0) != (y < 0) ? r + y : r;
}
EW_TYPES_SINT(ARITH_LOOP, mod_floor, (T)mod_floor(x, y))
EW_TYPES_UINT(ARITH_LOOP, mod_floor, y == 0 ? 0 : x % y)
static const ew_loop mod_floor_loops[SB_DT_COUNT] = {
	EW_TYPES_SINT(LOOP_ENTRY, mod_floor, 0)
	EW_TYPES_UINT(LOOP_ENTRY, mod_floor, 0)
};

EW_TYPES_FLOAT(ARITH_LOOP, mod_trunc, fmod(x, y))
EW_TYPES_SINT(ARITH_LOOP, mod_trunc, y == 0 || y == -1 ? 0 : x % y)
EW_TYPES_UINT(ARITH_LOOP, mod_trunc, y == 0 ? 0 : x % y)
static const ew_loop mod_trunc_loops[SB_DT_COUNT] = {
	EW_TYPES_FLOAT(LOOP_ENTRY, mod_trunc, 0)
	EW_TYPES_SINT(LOOP_ENTRY, mod_trunc, 0)
	EW_TYPES_UINT(LOOP_ENTRY, mod_trunc, 0)
};

EW_TYPES_FLOAT(ARITH_LOOP, prelu, x < 0 ? x * y : x)
EW_TYPES_SINT(ARITH_LOOP, prelu, x < 0 ? EW_WRAP(T, *, x, y) : x)
EW_TYPES_UINT(ARITH_LOOP, prelu, ((void)y, x))
static const ew_loop prelu_loops[SB_DT_COUNT] = {
	EW_TYPES_FLOAT(LOOP_ENTRY, prelu, 0)
	EW_TYPES_SINT(LOOP_ENTRY, prelu, 0)
	EW_TYPES_UINT(LOOP_ENTRY, prelu, 0)
};

/* x ** e with wrapping multiplication; e < 0 truncates 1/x^-e. */
static inline uint64_t ipow(int64_t x, int64_t e)
{
	if (e < 0)
		return x == 1 ? 1 : x == -1 ? (e & 1 ? UINT64_MAX : 1) : 0;
	uint64_t r = 1, b = (uint64_t)x;
	for (; e; e >>= 1, b *= b)
		if (e & 1)
			r *= b;
	return r;
}
EW_TYPES_FLOAT(ARITH_LOOP, pow_same, pow(x, y))
EW_TYPES_SINT(ARITH_LOOP, pow_same, (T)ipow(x, (int64_t)y))
EW_TYPES_UINT(ARITH_LOOP, pow_same, (T)ipow((int64_t)x, (int64_t)y))
static const ew_loop pow_same_loops[SB_DT_COUNT] = {
	EW_TYPES_FLOAT(LOOP_ENTRY, pow_same, 0)
	EW_TYPES_SINT(LOOP_ENTRY, pow_same, 0)
	EW_TYPES_UINT(LOOP_ENTRY, pow_same, 0)
};
EW_TYPES_FLOAT(POW_F64_LOOP, pow_f64, pow((double)x, y))
EW_TYPES_SINT(POW_F64_LOOP, pow_f64, (T)ew_f64_to_i64(pow((double)x, y)))
EW_TYPES_UINT(POW_F64_LOOP, pow_f64, (T)ew_f64_to_u64(pow((double)x, y)))
static const ew_loop pow_f64_loops[SB_DT_COUNT] = {
	EW_TYPES_FLOAT(LOOP_ENTRY, pow_f64, 0)
	EW_TYPES_SINT(LOOP_ENTRY, pow_f64, 0)
	EW_TYPES_UINT(LOOP_ENTRY, pow_f64, 0)
};
EW_TYPES_SINT(POW_I64_LOOP, pow_i64, (T)ipow(x, y))
EW_TYPES_UINT(POW_I64_LOOP, pow_i64, (T)ipow((int64_t)x, y))
static const ew_loop pow_i64_loops[SB_DT_COUNT] = {
	EW_TYPES_SINT(LOOP_ENTRY, pow_i64, 0)
	EW_TYPES_UINT(LOOP_ENTRY, pow_i64, 0)
};

EW_TYPES_BOOL(PRED_LOOP, and, x && y)
EW_TYPES_BOOL(PRED_LOOP, or, x || y)
EW_TYPES_BOOL(PRED_LOOP, xor, !x != !y)
static const ew_loop and_loops[SB_DT_COUNT] = {EW_TYPES_BOOL(LOOP_ENTRY, and, 0)};
static const ew_loop or_loops[SB_DT_COUNT] = {EW_TYPES_BOOL(LOOP_ENTRY, or, 0)};
static const ew_loop xor_loops[SB_DT_COUNT] = {EW_TYPES_BOOL(LOOP_ENTRY, xor, 0)};

#define COMPARE_OP(name, expr)                                                                     \
	EW_TYPES_FLOAT(PRED_LOOP, name, expr)                                                      \
	EW_TYPES_SINT(PRED_LOOP, name, expr)                                                       \
	EW_TYPES_UINT(PRED_LOOP, name, expr)                                                       \
	EW_TYPES_BOOL(PRED_LOOP, name, expr)                                                       \
	static const ew_loop name##_loops[SB_DT_COUNT] = {                                         \
		EW_TYPES_FLOAT(LOOP_ENTRY, name, 0)                                                \
		EW_TYPES_SINT(LOOP_ENTRY, name, 0)                                                 \
		EW_TYPES_UINT(LOOP_ENTRY, name, 0)                                                 \
		EW_TYPES_BOOL(LOOP_ENTRY, name, 0)                                                 \
	};
COMPARE_OP(equal, x == y)
COMPARE_OP(greater, x > y)
COMPARE_OP(greater_or_equal, x >= y)
COMPARE_OP(less, x < y)
COMPARE_OP(less_or_equal, x <= y)

/* Where moves elements without looking at them: one loop per size. */
#define WHERE_LOOP(S)                                                                              \
	static void where_##S(void *out, const void *const *in, const int64_t *step, int64_t n)    \
	{                                                                                          \
		const uint8_t *c = in[0];                                                          \
		const S *a = in[1], *b = in[2];                                                    \
		S *z = out;                                                                        \
		for (int64_t i = 0; i < n; i++)                                                    \
			z[i] = c[i * step[0]] ? a[i * step[1]] : b[i * step[2]];                   \
	}
WHERE_LOOP(uint8_t)
WHERE_LOOP(uint16_t)
WHERE_LOOP(uint32_t)
WHERE_LOOP(uint64_t)
/* clang-format on */

/* ---- kernels ---- */

static sb_status binary_run(relay_kernel_ctx *ctx, const ew_loop loops[SB_DT_COUNT])
{
	sb_dtype dt = ctx->in[0]->dtype;
	if (ctx->in[1]->dtype != dt)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "input 1 has dtype %s but input 0 has %s",
				       sb_dtype_name(ctx->in[1]->dtype), sb_dtype_name(dt));
	if (!loops[dt])
		return ew_kernel_dtype_error(ctx, dt);
	ew_run(ctx->out[0], 2, ctx->in, loops[dt]);
	return SB_OK;
}

sb_status k_add(relay_kernel_ctx *ctx)
{
	return binary_run(ctx, add_loops);
}
sb_status k_sub(relay_kernel_ctx *ctx)
{
	return binary_run(ctx, sub_loops);
}
sb_status k_mul(relay_kernel_ctx *ctx)
{
	return binary_run(ctx, mul_loops);
}
sb_status k_div(relay_kernel_ctx *ctx)
{
	return binary_run(ctx, div_loops);
}
sb_status k_prelu(relay_kernel_ctx *ctx)
{
	return binary_run(ctx, prelu_loops);
}
sb_status k_and(relay_kernel_ctx *ctx)
{
	return binary_run(ctx, and_loops);
}
sb_status k_or(relay_kernel_ctx *ctx)
{
	return binary_run(ctx, or_loops);
}
sb_status k_xor(relay_kernel_ctx *ctx)
{
	return binary_run(ctx, xor_loops);
}
sb_status k_equal(relay_kernel_ctx *ctx)
{
	return binary_run(ctx, equal_loops);
}
sb_status k_greater(relay_kernel_ctx *ctx)
{
	return binary_run(ctx, greater_loops);
}
sb_status k_less(relay_kernel_ctx *ctx)
{
	return binary_run(ctx, less_loops);
}
sb_status k_greater_or_equal(relay_kernel_ctx *ctx)
{
	return binary_run(ctx, greater_or_equal_loops);
}
sb_status k_less_or_equal(relay_kernel_ctx *ctx)
{
	return binary_run(ctx, less_or_equal_loops);
}

sb_status k_mod(relay_kernel_ctx *ctx)
{
	return binary_run(ctx, CTX_ATTRS(ctx, mod)->fmod ? mod_trunc_loops : mod_floor_loops);
}

/* Same dtypes run the same-type loop; otherwise the exponent is converted
 * to int64 (both integers) or double first. */
sb_status k_pow(relay_kernel_ctx *ctx)
{
	sb_tensor *x = ctx->in[0], *e = ctx->in[1];
	if (x->dtype == e->dtype)
		return binary_run(ctx, pow_same_loops);
	bool ints = sb_dtype_is_int(x->dtype) && sb_dtype_is_int(e->dtype);
	sb_dtype want = ints ? SB_I64 : SB_F64;
	ew_loop fn = (ints ? pow_i64_loops : pow_f64_loops)[x->dtype];
	if (!fn || !(sb_dtype_is_int(e->dtype) || sb_dtype_is_float(e->dtype)))
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "no kernel for %s ** %s",
				       sb_dtype_name(x->dtype), sb_dtype_name(e->dtype));
	if (sb_tensor_numel(ctx->out[0]) == 0)
		return SB_OK;
	sb_tensor *conv = e;
	if (e->dtype != want) {
		conv = sb_tensor_new(want, e->dl.ndim, e->shape);
		if (!conv)
			return sb_error_prefix(SB_ERR_NOMEM, "Pow '%s'",
					       ctx->node ? ctx->node : "");
		sb_convert(want, conv->dl.data, e->dtype, e->dl.data, sb_tensor_numel(e));
	}
	ew_run(ctx->out[0], 2, (sb_tensor *[]){x, conv}, fn);
	if (conv != e)
		sb_tensor_release(conv);
	return SB_OK;
}

/* Folds the inputs left to right into the output, which has the broadcast
 * shape of them all (the output may be read and written in one pass: each
 * element is read before it is written). */
static sb_status variadic_run(relay_kernel_ctx *ctx, const ew_loop loops[SB_DT_COUNT])
{
	sb_tensor *out = ctx->out[0];
	sb_dtype dt = out->dtype;
	for (int i = 0; i < ctx->nin; i++)
		if (!ctx->in[i] || ctx->in[i]->dtype != dt)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input %d is missing or not %s",
					       i, sb_dtype_name(dt));
	if (ctx->nin < 1 || !loops[dt])
		return ctx->nin < 1
			   ? RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "needs at least one input")
			   : ew_kernel_dtype_error(ctx, dt);
	if (ctx->nin == 1) {
		SB_ASSERT(sb_tensor_nbytes(out) == sb_tensor_nbytes(ctx->in[0]));
		memcpy(out->dl.data, ctx->in[0]->dl.data, sb_tensor_nbytes(out));
		return SB_OK;
	}
	ew_run(out, 2, ctx->in, loops[dt]);
	for (int i = 2; i < ctx->nin; i++)
		ew_run(out, 2, (sb_tensor *[]){out, ctx->in[i]}, loops[dt]);
	return SB_OK;
}

sb_status k_max(relay_kernel_ctx *ctx)
{
	return variadic_run(ctx, max_loops);
}
sb_status k_min(relay_kernel_ctx *ctx)
{
	return variadic_run(ctx, min_loops);
}
sb_status k_sum(relay_kernel_ctx *ctx)
{
	return variadic_run(ctx, add_loops);
}

sb_status k_mean(relay_kernel_ctx *ctx)
{
	sb_status st = variadic_run(ctx, add_loops);
	if (st || ctx->nin == 1)
		return st;
	sb_tensor *out = ctx->out[0], *n = sb_tensor_new(out->dtype, 0, NULL);
	if (!n)
		return sb_error_prefix(SB_ERR_NOMEM, "Mean '%s'", ctx->node ? ctx->node : "");
	sb_tensor_set_f64(n, 0, ctx->nin);
	ew_run(out, 2, (sb_tensor *[]){out, n}, div_loops[out->dtype]);
	sb_tensor_release(n);
	return SB_OK;
}

sb_status k_where(relay_kernel_ctx *ctx)
{
	sb_tensor *const *in = ctx->in;
	if (in[0]->dtype != SB_BOOL || in[1]->dtype != in[2]->dtype ||
	    in[1]->dtype != ctx->out[0]->dtype)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "takes bool, T, T; got %s, %s, %s",
				       sb_dtype_name(in[0]->dtype), sb_dtype_name(in[1]->dtype),
				       sb_dtype_name(in[2]->dtype));
	ew_loop fn;
	switch (sb_dtype_size(in[1]->dtype)) {
	case 1:
		fn = where_uint8_t;
		break;
	case 2:
		fn = where_uint16_t;
		break;
	case 4:
		fn = where_uint32_t;
		break;
	case 8:
		fn = where_uint64_t;
		break;
	default:
		return ew_kernel_dtype_error(ctx, in[1]->dtype);
	}
	ew_run(ctx->out[0], 3, in, fn);
	return SB_OK;
}
