/* Constant integer bounds: [min, max] of an integer expression for every
 * value the analyzer allows its variables, with TIR_NEG_INF / TIR_POS_INF
 * for open ends.  Interval arithmetic, one rule per kind; a variable with
 * no binding has its dtype's range, except shape variables ([0, +inf)).
 * Division and modulo assume a non-zero divisor (zero is undefined). */
#include "arith.h"

static tir_bound full(void)
{
	return (tir_bound){TIR_NEG_INF, TIR_POS_INF};
}

static tir_bound bound_union(tir_bound a, tir_bound b)
{
	return (tir_bound){SB_MIN(a.min, b.min), SB_MAX(a.max, b.max)};
}

/* An infinite end absorbs (a lower end is never +inf, an upper never -inf,
 * for a non-empty set). */
static tir_bound bound_add(tir_bound a, tir_bound b)
{
	tir_bound r;
	r.min = (a.min == TIR_NEG_INF || b.min == TIR_NEG_INF) ? TIR_NEG_INF
							       : arith_sat_add(a.min, b.min);
	r.max = (a.max == TIR_POS_INF || b.max == TIR_POS_INF) ? TIR_POS_INF
							       : arith_sat_add(a.max, b.max);
	return r;
}

static tir_bound bound_neg(tir_bound a)
{
	return (tir_bound){arith_sat_neg(a.max), arith_sat_neg(a.min)};
}

static tir_bound bound_mul(tir_bound a, tir_bound b)
{
	int64_t c[4] = {arith_sat_mul(a.min, b.min), arith_sat_mul(a.min, b.max),
			arith_sat_mul(a.max, b.min), arith_sat_mul(a.max, b.max)};
	tir_bound r = {c[0], c[0]};
	for (int i = 1; i < 4; i++) {
		r.min = SB_MIN(r.min, c[i]);
		r.max = SB_MAX(r.max, c[i]);
	}
	return r;
}

/* x / y for the bound corners: infinities absorb, y = +inf gives the limit
 * (0, or -1 for a negative x under floor). */
static int64_t div_corner(bool floor, int64_t x, int64_t y)
{
	if (x == TIR_POS_INF || x == TIR_NEG_INF)
		return x;
	if (y == TIR_POS_INF)
		return (floor && x < 0) ? -1 : 0;
	return floor ? arith_floordiv(x, y) : arith_truncdiv(x, y);
}

/* a / b for b >= 1 (b.min >= 1).  Both roundings are non-decreasing in x;
 * in y they fall for x >= 0 and rise for x < 0, which picks the corners. */
static tir_bound div_pos(bool floor, tir_bound a, tir_bound b)
{
	tir_bound r;
	r.min = div_corner(floor, a.min, a.min >= 0 ? b.max : b.min);
	r.max = div_corner(floor, a.max, a.max >= 0 ? b.min : b.max);
	return r;
}

static tir_bound bound_div(bool floor, tir_bound a, tir_bound b)
{
	/* The divisor's range without 0, split into its positive and negative
	 * parts; x / -y == (-x) / y for both roundings. */
	bool have = false;
	tir_bound r = {0, 0};
	if (b.max >= 1) {
		r = div_pos(floor, a, (tir_bound){SB_MAX(b.min, 1), b.max});
		have = true;
	}
	if (b.min <= -1) {
		tir_bound nb = bound_neg((tir_bound){b.min, SB_MIN(b.max, -1)});
		tir_bound q = div_pos(floor, bound_neg(a), nb);
		r = have ? bound_union(r, q) : q;
		have = true;
	}
	return have ? r : full();
}

static int64_t max_magnitude(tir_bound b)
{
	return SB_MAX(arith_sat_neg(b.min), b.max);
}

static tir_bound bound_floormod(tir_bound a, tir_bound b)
{
	if (b.min >= 1) {
		if (a.min >= 0 && a.max < b.min)
			return a; /* already in range: x % y == x */
		int64_t hi = arith_sat_add(b.max, -1);
		return (tir_bound){0, a.min >= 0 ? SB_MIN(a.max, hi) : hi};
	}
	if (b.max <= -1)
		return (tir_bound){arith_sat_add(b.min, 1), 0};
	int64_t m = arith_sat_add(max_magnitude(b), -1);
	return (tir_bound){arith_sat_neg(m), m};
}

static tir_bound bound_truncmod(tir_bound a, tir_bound b)
{
	/* The result has a's sign and is smaller in magnitude than both. */
	int64_t m = arith_sat_add(max_magnitude(b), -1);
	tir_bound r = {SB_MAX(a.min, arith_sat_neg(m)), SB_MIN(a.max, m)};
	if (a.min >= 0)
		r.min = 0;
	if (a.max <= 0)
		r.max = 0;
	if (r.min > r.max)
		r = (tir_bound){0, 0};
	return r;
}

static tir_bound var_bound(tir_analyzer *an, tir_expr *v)
{
	const arith_entry *b = arith_lookup(an, v);
	if (b)
		return b->bound;
	if (v->u.var.is_shape)
		return (tir_bound){0, TIR_POS_INF};
	return arith_type_bound(v->type);
}

static tir_bound bound_compute(tir_analyzer *an, tir_expr *e)
{
	tir_type t = e->type;
	if (t.handle || tir_type_is_float(t))
		return full();
	if (tir_type_is_bool(t) && e->kind != TIR_SELECT)
		return (tir_bound){0, 1};
	tir_expr *const *o = e->ops;
	switch (e->kind) {
	case TIR_INT_IMM:
		return (tir_bound){e->u.int_value, e->u.int_value};
	case TIR_VAR:
		return var_bound(an, e);
	case TIR_ADD:
		return bound_add(arith_const_bound(an, o[0]), arith_const_bound(an, o[1]));
	case TIR_SUB:
		return bound_add(arith_const_bound(an, o[0]),
				 bound_neg(arith_const_bound(an, o[1])));
	case TIR_MUL:
		return bound_mul(arith_const_bound(an, o[0]), arith_const_bound(an, o[1]));
	case TIR_DIV:
	case TIR_FLOOR_DIV:
		return bound_div(e->kind == TIR_FLOOR_DIV, arith_const_bound(an, o[0]),
				 arith_const_bound(an, o[1]));
	case TIR_FLOOR_MOD:
		return bound_floormod(arith_const_bound(an, o[0]), arith_const_bound(an, o[1]));
	case TIR_MOD:
		return bound_truncmod(arith_const_bound(an, o[0]), arith_const_bound(an, o[1]));
	case TIR_MIN: {
		tir_bound a = arith_const_bound(an, o[0]), b = arith_const_bound(an, o[1]);
		return (tir_bound){SB_MIN(a.min, b.min), SB_MIN(a.max, b.max)};
	}
	case TIR_MAX: {
		tir_bound a = arith_const_bound(an, o[0]), b = arith_const_bound(an, o[1]);
		return (tir_bound){SB_MAX(a.min, b.min), SB_MAX(a.max, b.max)};
	}
	case TIR_SELECT:
		return bound_union(arith_const_bound(an, o[1]), arith_const_bound(an, o[2]));
	case TIR_CAST: {
		tir_bound tb = arith_type_bound(t);
		if (!tir_type_is_int(o[0]->type) && !tir_type_is_bool(o[0]->type))
			return tb;
		tir_bound a = arith_const_bound(an, o[0]);
		return (a.min >= tb.min && a.max <= tb.max) ? a : tb;
	}
	case TIR_BROADCAST:
		return arith_const_bound(an, o[0]);
	case TIR_RAMP: {
		tir_bound lanes = {0, (int64_t)t.lanes - 1};
		return bound_add(arith_const_bound(an, o[0]),
				 bound_mul(arith_const_bound(an, o[1]), lanes));
	}
	default:
		return arith_type_bound(t);
	}
}

tir_bound arith_const_bound(tir_analyzer *an, tir_expr *e)
{
	size_t idx = (size_t)(uintptr_t)sb_map_lookup(&an->bound_memo, (uintptr_t)e);
	if (idx)
		return an->bound_vals.data[idx - 1];
	tir_bound b = bound_compute(an, e);
	sb_vec_push(&an->bound_vals, b);
	sb_map_put(&an->bound_memo, (uintptr_t)e, (void *)(uintptr_t)an->bound_vals.len);
	return b;
}
