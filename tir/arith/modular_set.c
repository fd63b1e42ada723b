/* Modular sets: e ∈ { coeff*k + base } for integer k.  What lets the
 * simplifier see that n*8 + 3 leaves remainder 3 modulo 4 whatever n is,
 * and that n*4 != n*4 + 2.  coeff 0 means "exactly base", (1, 0) means
 * "nothing known"; results are normalised to 0 <= base < coeff. */
#include "arith.h"

static const tir_modset everything = {1, 0};

static tir_modset ms_make(int64_t coeff, int64_t base)
{
	if (coeff == INT64_MIN)
		return everything;
	if (coeff < 0)
		coeff = -coeff;
	if (coeff == 1)
		return everything;
	if (coeff > 0)
		base = arith_floormod(base, coeff);
	return (tir_modset){coeff, base};
}

static tir_modset ms_union(tir_modset a, tir_modset b)
{
	int64_t diff;
	if (__builtin_sub_overflow(a.base, b.base, &diff))
		return everything;
	int64_t g = arith_gcd(arith_gcd(a.coeff, b.coeff), diff);
	return ms_make(g, a.base);
}

static bool const_divisor(tir_expr *b, int64_t *c)
{
	return tir_expr_is_int_imm(b, c) && *c > 0;
}

tir_modset arith_modular_set(tir_analyzer *an, tir_expr *e)
{
	if (!tir_type_is_int(e->type) || e->type.lanes != 1)
		return everything;
	tir_expr *const *o = e->ops;
	tir_modset a, b;
	int64_t c, r1, r2, r3;
	switch (e->kind) {
	case TIR_INT_IMM:
		return (tir_modset){0, e->u.int_value};
	case TIR_ADD:
	case TIR_SUB:
		a = arith_modular_set(an, o[0]);
		b = arith_modular_set(an, o[1]);
		if (e->kind == TIR_ADD ? __builtin_add_overflow(a.base, b.base, &r1)
				       : __builtin_sub_overflow(a.base, b.base, &r1))
			return everything;
		return ms_make(arith_gcd(a.coeff, b.coeff), r1);
	case TIR_MUL:
		/* (ca*x + ba)(cb*y + bb) = ca*cb*xy + ca*bb*x + cb*ba*y + ba*bb */
		a = arith_modular_set(an, o[0]);
		b = arith_modular_set(an, o[1]);
		if (__builtin_mul_overflow(a.coeff, b.coeff, &r1) ||
		    __builtin_mul_overflow(a.coeff, b.base, &r2) ||
		    __builtin_mul_overflow(b.coeff, a.base, &r3) ||
		    __builtin_mul_overflow(a.base, b.base, &c))
			return everything;
		return ms_make(arith_gcd(arith_gcd(r1, r2), r3), c);
	case TIR_DIV:
	case TIR_MOD:
		/* Truncation is flooring for a non-negative dividend. */
		if (arith_const_bound(an, o[0]).min < 0 || !const_divisor(o[1], &c))
			return everything;
		/* fall through */
	case TIR_FLOOR_DIV:
	case TIR_FLOOR_MOD:
		if (!const_divisor(o[1], &c))
			return everything;
		a = arith_modular_set(an, o[0]);
		if (e->kind == TIR_FLOOR_DIV || e->kind == TIR_DIV) {
			/* (c*m*k + b) // c == m*k + b // c */
			if (a.coeff % c != 0)
				return everything;
			return ms_make(a.coeff / c, arith_floordiv(a.base, c));
		}
		if (a.coeff % c == 0) /* the remainder is fixed */
			return (tir_modset){0, arith_floormod(a.base, c)};
		return ms_make(arith_gcd(a.coeff, c), a.base);
	case TIR_MIN:
	case TIR_MAX:
		return ms_union(arith_modular_set(an, o[0]), arith_modular_set(an, o[1]));
	case TIR_SELECT:
		return ms_union(arith_modular_set(an, o[1]), arith_modular_set(an, o[2]));
	case TIR_CAST: {
		if (!tir_type_is_int(o[0]->type))
			return everything;
		tir_bound ob = arith_const_bound(an, o[0]), tb = arith_type_bound(e->type);
		return (ob.min >= tb.min && ob.max <= tb.max) ? arith_modular_set(an, o[0])
							      : everything;
	}
	default:
		return everything;
	}
}
