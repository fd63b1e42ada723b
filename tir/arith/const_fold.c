/* Integer semantics of tir and folding of nodes whose operands are all
 * constants.  Every other arith file gets floor/trunc division from here,
 * so there is one definition of -7 // 2 == -4 (floor) and
 * truncdiv(-7, 2) == -3 (C). */
#include <math.h>

#include "arith.h"

int64_t arith_truncdiv(int64_t a, int64_t b)
{
	return a / b;
}
int64_t arith_truncmod(int64_t a, int64_t b)
{
	return a % b;
}

int64_t arith_floordiv(int64_t a, int64_t b)
{
	int64_t q = a / b, r = a % b;
	return (r != 0 && ((r < 0) != (b < 0))) ? q - 1 : q;
}

int64_t arith_floormod(int64_t a, int64_t b)
{
	int64_t r = a % b;
	return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

int64_t arith_gcd(int64_t a, int64_t b)
{
	/* Magnitudes as unsigned so INT64_MIN does not overflow. */
	uint64_t x = a < 0 ? -(uint64_t)a : (uint64_t)a, y = b < 0 ? -(uint64_t)b : (uint64_t)b;
	while (y) {
		uint64_t t = x % y;
		x = y;
		y = t;
	}
	return x > INT64_MAX ? INT64_MAX : (int64_t)x;
}

tir_bound arith_type_bound(tir_type t)
{
	switch (t.dtype) {
	case SB_BOOL:
		return (tir_bound){0, 1};
	case SB_I8:
		return (tir_bound){INT8_MIN, INT8_MAX};
	case SB_I16:
		return (tir_bound){INT16_MIN, INT16_MAX};
	case SB_I32:
		return (tir_bound){INT32_MIN, INT32_MAX};
	case SB_U8:
		return (tir_bound){0, UINT8_MAX};
	case SB_U16:
		return (tir_bound){0, UINT16_MAX};
	case SB_U32:
		return (tir_bound){0, UINT32_MAX};
	case SB_U64:
		return (tir_bound){0, TIR_POS_INF};
	default:
		return (tir_bound){TIR_NEG_INF, TIR_POS_INF};
	}
}

bool arith_fits(tir_type t, int64_t v)
{
	if (t.dtype == SB_I64)
		return true;
	if (t.dtype == SB_U64)
		return v >= 0;
	tir_bound b = arith_type_bound(t);
	return v >= b.min && v <= b.max;
}

int64_t arith_sat_add(int64_t a, int64_t b)
{
	if (a == TIR_NEG_INF || b == TIR_NEG_INF)
		return (a == TIR_POS_INF || b == TIR_POS_INF)
			   ? 0
			   : TIR_NEG_INF; /* callers avoid inf-inf */
	if (a == TIR_POS_INF || b == TIR_POS_INF)
		return TIR_POS_INF;
	int64_t r;
	if (__builtin_add_overflow(a, b, &r))
		return a > 0 ? TIR_POS_INF : TIR_NEG_INF;
	return r;
}

int64_t arith_sat_mul(int64_t a, int64_t b)
{
	if (a == 0 || b == 0)
		return 0;
	bool neg = (a < 0) != (b < 0);
	if (a == TIR_NEG_INF || a == TIR_POS_INF || b == TIR_NEG_INF || b == TIR_POS_INF)
		return neg ? TIR_NEG_INF : TIR_POS_INF;
	int64_t r;
	if (__builtin_mul_overflow(a, b, &r) || r == TIR_NEG_INF || r == TIR_POS_INF)
		return neg ? TIR_NEG_INF : TIR_POS_INF;
	return r;
}

/* ---- Folding ---- */

static tir_expr *fold_int_binary(tir_ctx *ctx, tir_expr *e, int64_t a, int64_t b)
{
	int64_t r;
	tir_type t = e->type;
	bool is_bool_result = e->type.dtype == SB_BOOL;
	switch (e->kind) {
	case TIR_ADD:
		if (__builtin_add_overflow(a, b, &r))
			return NULL;
		break;
	case TIR_SUB:
		if (__builtin_sub_overflow(a, b, &r))
			return NULL;
		break;
	case TIR_MUL:
		if (__builtin_mul_overflow(a, b, &r))
			return NULL;
		break;
	case TIR_DIV:
	case TIR_MOD:
	case TIR_FLOOR_DIV:
	case TIR_FLOOR_MOD:
		if (b == 0 || (a == INT64_MIN && b == -1))
			return NULL; /* undefined: keep it for the run-time error */
		r = e->kind == TIR_DIV	       ? arith_truncdiv(a, b)
		    : e->kind == TIR_MOD       ? arith_truncmod(a, b)
		    : e->kind == TIR_FLOOR_DIV ? arith_floordiv(a, b)
					       : arith_floormod(a, b);
		break;
	case TIR_MIN:
		r = SB_MIN(a, b);
		break;
	case TIR_MAX:
		r = SB_MAX(a, b);
		break;
	case TIR_EQ:
		r = a == b;
		break;
	case TIR_NE:
		r = a != b;
		break;
	case TIR_LT:
		r = a < b;
		break;
	case TIR_LE:
		r = a <= b;
		break;
	case TIR_GT:
		r = a > b;
		break;
	case TIR_GE:
		r = a >= b;
		break;
	case TIR_AND:
		r = a && b;
		break;
	case TIR_OR:
		r = a || b;
		break;
	default:
		return NULL;
	}
	if (!is_bool_result && !arith_fits(t, r))
		return NULL;
	return tir_imm_int(ctx, t, r);
}

static tir_expr *fold_float_binary(tir_ctx *ctx, tir_expr *e, double a, double b)
{
	double r;
	switch (e->kind) {
	case TIR_ADD:
		r = a + b;
		break;
	case TIR_SUB:
		r = a - b;
		break;
	case TIR_MUL:
		r = a * b;
		break;
	case TIR_DIV:
		r = a / b;
		break;
	case TIR_MIN:
		r = fmin(a, b);
		break;
	case TIR_MAX:
		r = fmax(a, b);
		break;
	case TIR_EQ:
		return tir_imm_int(ctx, e->type, a == b);
	case TIR_NE:
		return tir_imm_int(ctx, e->type, a != b);
	case TIR_LT:
		return tir_imm_int(ctx, e->type, a < b);
	case TIR_LE:
		return tir_imm_int(ctx, e->type, a <= b);
	case TIR_GT:
		return tir_imm_int(ctx, e->type, a > b);
	case TIR_GE:
		return tir_imm_int(ctx, e->type, a >= b);
	default:
		return NULL;
	}
	/* Fold in the node's precision, as the generated code would compute. */
	if (e->type.dtype == SB_F32)
		r = (float)r;
	else if (e->type.dtype != SB_F64)
		return NULL; /* f16/bf16 rounding is the code generator's business */
	return tir_imm_float(ctx, e->type, r);
}

static tir_expr *fold_cast(tir_ctx *ctx, tir_expr *e)
{
	tir_expr *a = e->ops[0];
	tir_type t = e->type;
	if (t.lanes != 1 || a->type.lanes != 1)
		return NULL;
	if (a->kind == TIR_INT_IMM) {
		int64_t v = a->u.int_value;
		if (t.dtype == SB_BOOL)
			return tir_imm_int(ctx, t, v != 0);
		if (tir_type_is_int(t))
			return arith_fits(t, v) ? tir_imm_int(ctx, t, v) : NULL;
		if (t.dtype == SB_F32)
			return tir_imm_float(ctx, t, (float)v);
		if (t.dtype == SB_F64)
			return tir_imm_float(ctx, t, (double)v);
		return NULL;
	}
	if (a->kind == TIR_FLOAT_IMM) {
		double v = a->u.float_value;
		if (t.dtype == SB_F32)
			return tir_imm_float(ctx, t, (float)v);
		if (t.dtype == SB_F64)
			return tir_imm_float(ctx, t, v);
		if (t.dtype == SB_BOOL)
			return isnan(v) ? NULL : tir_imm_int(ctx, t, v != 0);
		/* float -> int truncates; out of range is undefined, keep it */
		if (tir_type_is_int(t) && v > -9.2e18 && v < 9.2e18 && arith_fits(t, (int64_t)v))
			return tir_imm_int(ctx, t, (int64_t)v);
		return NULL;
	}
	return NULL;
}

tir_expr *arith_fold(tir_ctx *ctx, tir_expr *e)
{
	switch (e->kind) {
	case TIR_CAST:
		return fold_cast(ctx, e);
	case TIR_NOT:
		return e->ops[0]->kind == TIR_INT_IMM
			   ? tir_imm_int(ctx, e->type, !e->ops[0]->u.int_value)
			   : NULL;
	case TIR_SELECT:
		if (e->ops[0]->kind == TIR_INT_IMM)
			return e->ops[0]->u.int_value ? e->ops[1] : e->ops[2];
		return NULL;
	default:
		break;
	}
	if (tir_expr_table[e->kind].arity != 2 || e->type.lanes != 1)
		return NULL;
	tir_expr *a = e->ops[0], *b = e->ops[1];
	if (!tir_type_equal(a->type, b->type))
		return NULL; /* ill-typed: leave it for the verifier */
	if (a->kind == TIR_INT_IMM && b->kind == TIR_INT_IMM)
		return fold_int_binary(ctx, e, a->u.int_value, b->u.int_value);
	if (a->kind == TIR_FLOAT_IMM && b->kind == TIR_FLOAT_IMM)
		return fold_float_binary(ctx, e, a->u.float_value, b->u.float_value);
	return NULL;
}
