/* Rewrite simplification: bottom-up, one function of local rules per kind.
 *
 * requires: nothing
 * guarantees: constants folded (never a division by zero or an overflow of
 *   the dtype); the rules below applied until none matches.  Sums are not
 *   reordered here beyond the constant -- that is canonical_simplify's job,
 *   and tir_simplify alternates the two.
 *
 * Rules (x, y any; c constants; "proven" uses the analyzer's bounds):
 *   + - *     x + 0, x*1, x*0, x - x, (x + y) - y, constants to the right,
 *             (x + c1) + c2, (x*c1)*c2; a difference that is constant
 *   // %      x // 1, (x*c1) // c2 when c2 | c1, (x*c1 + y) // c2 when c2 | c1,
 *             floormod(x*c1 + y, c2) -> floormod(y, c2), remainders fixed by
 *             the modular set (floormod(n*8 + 3, 4) -> 3), quotients fixed by
 *             bounds (j // 4 -> 0 for j in [0, 4)), nested // and %,
 *             (x*y) // y -> x only when y is proven non-zero; truncdiv and
 *             truncmod get the floor rules only for a dividend proven >= 0
 *   min max   min(x, x), min(x, y) -> x when x <= y is proven (min(n, n + 1)
 *             -> n), constants to the right, min(min(x, c1), c2),
 *             min(max(x, y), x) -> x
 *   compare   decided when lhs - rhs has a proven sign; otherwise put in a
 *             normal form: common terms cancelled, a gcd divided out, the
 *             positive terms on the left: x + 2 < y + 5 -> x < y + 3
 *   logic     x && true, x && false, x && x, x && !x, a < b && a >= b, the
 *             same for ||, !!x, !(a < b) -> a >= b for integers
 *   select    a constant or proven condition picks a branch; select(c, x, x)
 *   cast      to the operand's own type; of a constant
 * Float expressions only get constant folding (x + 0.0 is not x for -0.0,
 * x == x is false for NaN). */
#include <stdlib.h>

#include "arith.h"

#define MAX_RULE_DEPTH 16

static tir_expr *ci(tir_analyzer *an, tir_type t, int64_t v)
{
	return tir_imm_int(an->ctx, t, v);
}

static bool cst(const tir_expr *e, int64_t *v)
{
	return tir_expr_is_int_imm(e, v);
}

static bool is_int(const tir_expr *e)
{
	return arith_is_sum_type(e->type);
}

static bool proven_nonzero(tir_analyzer *an, tir_expr *e)
{
	tir_bound b = arith_const_bound(an, e);
	return b.min > 0 || b.max < 0;
}

/* ---- + - * ---- */

static tir_expr *rw_add(tir_analyzer *an, tir_expr *e, tir_expr *a, tir_expr *b)
{
	tir_ctx *ctx = an->ctx;
	int64_t ca, cb, c1, r;
	if (cst(b, &cb) && cb == 0)
		return a;
	if (cst(a, &ca) && ca == 0)
		return b;
	if (cst(a, &ca))
		return tir_add(ctx, b, a);
	if (a->kind == TIR_SUB && a->ops[1] == b)
		return a->ops[0];
	if (b->kind == TIR_SUB && b->ops[1] == a)
		return b->ops[0];
	if (cst(b, &cb)) {
		if (a->kind == TIR_ADD && cst(a->ops[1], &c1) &&
		    !__builtin_add_overflow(c1, cb, &r))
			return tir_add(ctx, a->ops[0], ci(an, e->type, r));
		if (a->kind == TIR_SUB && cst(a->ops[1], &c1) &&
		    !__builtin_sub_overflow(cb, c1, &r))
			return tir_add(ctx, a->ops[0], ci(an, e->type, r));
		if (cb < 0 && cb != INT64_MIN)
			return tir_sub(ctx, a, ci(an, e->type, -cb));
	}
	return e;
}

static tir_expr *rw_sub(tir_analyzer *an, tir_expr *e, tir_expr *a, tir_expr *b)
{
	tir_ctx *ctx = an->ctx;
	int64_t cb, c1, r;
	if (a == b)
		return ci(an, e->type, 0);
	if (cst(b, &cb) && cb == 0)
		return a;
	if (a->kind == TIR_ADD && a->ops[1] == b)
		return a->ops[0];
	if (a->kind == TIR_ADD && a->ops[0] == b)
		return a->ops[1];
	if (cst(b, &cb)) {
		if (a->kind == TIR_ADD && cst(a->ops[1], &c1) &&
		    !__builtin_sub_overflow(c1, cb, &r))
			return tir_add(ctx, a->ops[0], ci(an, e->type, r));
		if (a->kind == TIR_SUB && cst(a->ops[1], &c1) &&
		    !__builtin_add_overflow(c1, cb, &r))
			return tir_sub(ctx, a->ops[0], ci(an, e->type, r));
		if (cb < 0 && cb != INT64_MIN)
			return tir_add(ctx, a, ci(an, e->type, -cb));
	}
	/* (x + y + 3) - (y + x) and the like: a constant difference. */
	arith_sum *d = arith_sum_diff(an, a, b);
	if (d && !d->n)
		return ci(an, e->type, d->konst);
	return e;
}

static tir_expr *rw_mul(tir_analyzer *an, tir_expr *e, tir_expr *a, tir_expr *b)
{
	tir_ctx *ctx = an->ctx;
	int64_t ca, cb, c1, r;
	if ((cst(a, &ca) && ca == 0) || (cst(b, &cb) && cb == 0))
		return ci(an, e->type, 0);
	if (cst(b, &cb) && cb == 1)
		return a;
	if (cst(a, &ca) && ca == 1)
		return b;
	if (cst(a, &ca))
		return tir_mul(ctx, b, a);
	if (cst(b, &cb) && a->kind == TIR_MUL && cst(a->ops[1], &c1) &&
	    !__builtin_mul_overflow(c1, cb, &r))
		return tir_mul(ctx, a->ops[0], ci(an, e->type, r));
	return e;
}

/* ---- Division and modulo ---- */

/* x = y*c1 (either operand order) with c | c1: sets *y, *q = c1 / c. */
static bool mul_by_multiple(tir_expr *x, int64_t c, tir_expr **y, int64_t *q)
{
	int64_t c1;
	if (x->kind != TIR_MUL)
		return false;
	if (cst(x->ops[1], &c1) && c1 % c == 0) {
		*y = x->ops[0];
		*q = c1 / c;
		return true;
	}
	if (cst(x->ops[0], &c1) && c1 % c == 0) {
		*y = x->ops[1];
		*q = c1 / c;
		return true;
	}
	return false;
}

static tir_expr *rw_divmod_const(tir_analyzer *an, tir_expr *e, tir_expr *a, int64_t c)
{
	tir_ctx *ctx = an->ctx;
	tir_type t = e->type;
	bool div = e->kind == TIR_DIV || e->kind == TIR_FLOOR_DIV;
	tir_expr *y;
	int64_t q, c1;
	if (c == 0 || c == -1)
		return e; /* undefined / left to canonical_simplify */
	if (c == 1)
		return div ? a : ci(an, t, 0);
	/* exact: (y*c*q) / c == y*q for every rounding */
	if (mul_by_multiple(a, c, &y, &q))
		return div ? tir_mul(ctx, y, ci(an, t, q)) : ci(an, t, 0);
	tir_bound ab = arith_const_bound(an, a);
	bool floor = e->kind == TIR_FLOOR_DIV || e->kind == TIR_FLOOR_MOD;
	if (!floor && !(c > 0 && ab.min >= 0))
		return e;
	/* From here a // c and a % c round down. */
	if (a->kind == TIR_ADD) {
		for (int side = 0; side < 2; side++) {
			if (!mul_by_multiple(a->ops[side], c, &y, &q))
				continue;
			tir_expr *rest = a->ops[1 - side];
			if (!floor && arith_const_bound(an, rest).min < 0)
				continue; /* truncation of a negative rest differs */
			tir_expr *r = tir_binary(ctx, e->kind, rest, ci(an, t, c));
			return div ? tir_add(ctx, tir_mul(ctx, y, ci(an, t, q)), r) : r;
		}
	}
	if (c > 0 && ab.min != TIR_NEG_INF && ab.max != TIR_POS_INF &&
	    arith_floordiv(ab.min, c) == arith_floordiv(ab.max, c)) {
		int64_t qq = arith_floordiv(ab.min, c), shift;
		if (div)
			return ci(an, t, qq);
		if (qq == 0)
			return a;
		if (!__builtin_mul_overflow(qq, c, &shift))
			return tir_sub(ctx, a, ci(an, t, shift));
	}
	if (!div && c > 0) {
		tir_modset ms = arith_modular_set(an, a);
		if (ms.coeff % c == 0)
			return ci(an, t, arith_floormod(ms.base, c));
	}
	if (e->kind == TIR_FLOOR_DIV && c > 0 && a->kind == TIR_FLOOR_DIV && cst(a->ops[1], &c1) &&
	    c1 > 0 && !__builtin_mul_overflow(c1, c, &q))
		return tir_floordiv(ctx, a->ops[0], ci(an, t, q));
	if (e->kind == TIR_FLOOR_MOD && c > 0 && a->kind == TIR_FLOOR_MOD && cst(a->ops[1], &c1) &&
	    c1 > 0 && c1 % c == 0)
		return tir_floormod(ctx, a->ops[0], ci(an, t, c));
	return e;
}

static tir_expr *rw_divmod(tir_analyzer *an, tir_expr *e, tir_expr *a, tir_expr *b)
{
	int64_t c;
	bool div = e->kind == TIR_DIV || e->kind == TIR_FLOOR_DIV;
	if (cst(b, &c))
		return rw_divmod_const(an, e, a, c);
	/* A symbolic divisor: only exact quotients, and only when it is
	 * proven non-zero -- (a*b) // b stays when b may be 0. */
	if (!proven_nonzero(an, b))
		return e;
	if (a == b)
		return ci(an, e->type, div ? 1 : 0);
	if (a->kind == TIR_MUL && (a->ops[0] == b || a->ops[1] == b)) {
		if (!div)
			return ci(an, e->type, 0);
		return a->ops[0] == b ? a->ops[1] : a->ops[0];
	}
	return e;
}

/* ---- min / max ---- */

static tir_expr *rw_minmax(tir_analyzer *an, tir_expr *e, tir_expr *a, tir_expr *b)
{
	tir_ctx *ctx = an->ctx;
	bool is_min = e->kind == TIR_MIN;
	tir_expr_kind other = is_min ? TIR_MAX : TIR_MIN;
	int64_t ca, cb, c1;
	if (a == b)
		return a;
	if (!is_int(a))
		return e;
	if (cst(a, &ca) && !cst(b, &cb))
		return tir_binary(ctx, e->kind, b, a);
	/* min(x, y) == x when x <= y */
	int le = arith_decide_cmp(an, TIR_LE, a, b);
	if (le == 1)
		return is_min ? a : b;
	int ge = arith_decide_cmp(an, TIR_GE, a, b);
	if (ge == 1)
		return is_min ? b : a;
	if (cst(b, &cb) && a->kind == e->kind && cst(a->ops[1], &c1))
		return tir_binary(ctx, e->kind, a->ops[0],
				  ci(an, e->type, is_min ? SB_MIN(c1, cb) : SB_MAX(c1, cb)));
	/* absorption: min(max(x, y), x) == x; min(min(x, y), x) == min(x, y) */
	if (a->kind == other && (a->ops[0] == b || a->ops[1] == b))
		return b;
	if (b->kind == other && (b->ops[0] == a || b->ops[1] == a))
		return a;
	if (a->kind == e->kind && (a->ops[0] == b || a->ops[1] == b))
		return a;
	if (b->kind == e->kind && (b->ops[0] == a || b->ops[1] == a))
		return b;
	return e;
}

/* ---- Comparisons ---- */

static tir_expr_kind flip_cmp(tir_expr_kind k)
{
	switch (k) {
	case TIR_LT:
		return TIR_GT;
	case TIR_LE:
		return TIR_GE;
	case TIR_GT:
		return TIR_LT;
	case TIR_GE:
		return TIR_LE;
	default:
		return k;
	}
}

static int64_t ceildiv(int64_t a, int64_t b)
{
	return -arith_floordiv(-a, b);
}

/* d `kind` 0 in normal form: gcd divided out, positive terms on the left,
 * negative ones and the constant on the right.  NULL if it would overflow. */
static tir_expr *cmp_normal_form(tir_analyzer *an, tir_expr_kind kind, const arith_sum *d)
{
	tir_ctx *ctx = an->ctx;
	int64_t g = 0, k = d->konst, nk;
	for (int i = 0; i < d->n; i++)
		g = arith_gcd(g, d->terms[i].coef);
	if (g <= 0 || k == INT64_MIN)
		return NULL;
	/* g*D + k `kind` 0 with g > 0, as D + k' `kind` 0 */
	switch (kind) {
	case TIR_LT:
	case TIR_GE:
		nk = arith_floordiv(k, g);
		break;
	case TIR_LE:
	case TIR_GT:
		nk = ceildiv(k, g);
		break;
	default: /* EQ, NE */
		if (k % g != 0)
			return tir_bool(ctx, kind == TIR_NE);
		nk = k / g;
		break;
	}
	arith_sum pos = {.type = d->type}, neg = {.type = d->type};
	arith_term pt[d->n], nt[d->n];
	pos.terms = pt;
	neg.terms = nt;
	for (int i = 0; i < d->n; i++) {
		int64_t c = d->terms[i].coef / g;
		if (c > 0)
			pt[pos.n++] = (arith_term){d->terms[i].mono, c};
		else
			nt[neg.n++] = (arith_term){d->terms[i].mono, -c};
	}
	/* P - N + k' `kind` 0  <=>  P `kind` N - k' */
	if (pos.n) {
		neg.konst = -nk;
		return tir_binary(ctx, kind, arith_sum_to_expr(an, &pos),
				  arith_sum_to_expr(an, &neg));
	}
	/* -N + k' `kind` 0  <=>  N `flipped kind` k' */
	return tir_binary(ctx, flip_cmp(kind), arith_sum_to_expr(an, &neg), ci(an, d->type, nk));
}

static tir_expr *rw_cmp(tir_analyzer *an, tir_expr *e, tir_expr *a, tir_expr *b)
{
	if (!is_int(a) || !tir_type_equal(a->type, b->type))
		return e;
	if (a == b)
		return tir_bool(an->ctx,
				e->kind == TIR_EQ || e->kind == TIR_LE || e->kind == TIR_GE);
	int r = arith_decide_cmp(an, e->kind, a, b);
	if (r >= 0)
		return tir_bool(an->ctx, r == 1);
	arith_sum *d = arith_sum_diff(an, a, b);
	if (!d || !d->n)
		return e;
	tir_expr *n = cmp_normal_form(an, e->kind, d);
	return n ? n : e;
}

/* ---- Logic, select, cast ---- */

static tir_expr_kind negate_cmp(tir_expr_kind k)
{
	switch (k) {
	case TIR_LT:
		return TIR_GE;
	case TIR_LE:
		return TIR_GT;
	case TIR_GT:
		return TIR_LE;
	case TIR_GE:
		return TIR_LT;
	case TIR_EQ:
		return TIR_NE;
	default:
		return TIR_EQ;
	}
}

static bool is_not_of(const tir_expr *x, const tir_expr *y)
{
	return x->kind == TIR_NOT && x->ops[0] == y;
}

static tir_expr *rw_logic(tir_analyzer *an, tir_expr *e, tir_expr *a, tir_expr *b)
{
	bool is_and = e->kind == TIR_AND;
	int64_t v;
	/* x && true == x; x && false == false (and the duals for ||) */
	if (cst(a, &v))
		return (v != 0) == is_and ? b : a;
	if (cst(b, &v))
		return (v != 0) == is_and ? a : b;
	if (a == b)
		return a;
	if (is_not_of(a, b) || is_not_of(b, a))
		return tir_imm_int(an->ctx, e->type, !is_and);
	/* x < y && x >= y (integers): a comparison and its negation */
	if ((tir_expr_table[a->kind].flags & TIR_EF_COMPARE) && is_int(a->ops[0]) &&
	    b == tir_binary(an->ctx, negate_cmp(a->kind), a->ops[0], a->ops[1]))
		return tir_imm_int(an->ctx, e->type, !is_and);
	return e;
}

static tir_expr *rw_not(tir_analyzer *an, tir_expr *e, tir_expr *a)
{
	if (a->kind == TIR_NOT)
		return a->ops[0];
	/* !(x < y) == x >= y holds for integers only (not for NaN). */
	if ((tir_expr_table[a->kind].flags & TIR_EF_COMPARE) && !tir_type_is_float(a->ops[0]->type))
		return tir_binary(an->ctx, negate_cmp(a->kind), a->ops[0], a->ops[1]);
	return e;
}

static tir_expr *rw_select(tir_analyzer *an, tir_expr *e)
{
	tir_expr *c = e->ops[0], *t = e->ops[1], *f = e->ops[2];
	if (t == f)
		return t;
	if (c->kind == TIR_NOT)
		return tir_select(an->ctx, c->ops[0], f, t);
	if ((tir_expr_table[c->kind].flags & TIR_EF_COMPARE) && c->type.lanes == 1 &&
	    is_int(c->ops[0])) {
		int r = arith_decide_cmp(an, c->kind, c->ops[0], c->ops[1]);
		if (r >= 0)
			return r ? t : f;
	}
	return e;
}

static tir_expr *rw_var(tir_analyzer *an, tir_expr *v)
{
	if (!is_int(v))
		return v;
	tir_bound b = arith_const_bound(an, v);
	return b.min == b.max ? ci(an, v->type, b.min) : v;
}

/* ---- Driver ---- */

static tir_expr *rw_node(tir_analyzer *an, tir_expr *e)
{
	tir_expr *f = arith_fold(an->ctx, e);
	if (f)
		return f;
	const tir_expr_info *info = &tir_expr_table[e->kind];
	if (info->arity == 2 && !tir_type_equal(e->ops[0]->type, e->ops[1]->type))
		return e; /* ill-typed: the verifier's business */
	bool ints = info->arity == 2 && is_int(e->ops[0]);
	switch (e->kind) {
	case TIR_VAR:
		return rw_var(an, e);
	case TIR_ADD:
		return ints ? rw_add(an, e, e->ops[0], e->ops[1]) : e;
	case TIR_SUB:
		return ints ? rw_sub(an, e, e->ops[0], e->ops[1]) : e;
	case TIR_MUL:
		return ints ? rw_mul(an, e, e->ops[0], e->ops[1]) : e;
	case TIR_DIV:
	case TIR_MOD:
	case TIR_FLOOR_DIV:
	case TIR_FLOOR_MOD:
		return ints ? rw_divmod(an, e, e->ops[0], e->ops[1]) : e;
	case TIR_MIN:
	case TIR_MAX:
		return rw_minmax(an, e, e->ops[0], e->ops[1]);
	case TIR_EQ:
	case TIR_NE:
	case TIR_LT:
	case TIR_LE:
	case TIR_GT:
	case TIR_GE:
		return rw_cmp(an, e, e->ops[0], e->ops[1]);
	case TIR_AND:
	case TIR_OR:
		return rw_logic(an, e, e->ops[0], e->ops[1]);
	case TIR_NOT:
		return rw_not(an, e, e->ops[0]);
	case TIR_SELECT:
		return rw_select(an, e);
	case TIR_CAST:
		return tir_type_equal(e->type, e->ops[0]->type) ? e->ops[0] : e;
	default:
		return e;
	}
}

tir_expr *arith_rewrite(tir_analyzer *an, tir_expr *e)
{
	void *hit;
	if (sb_map_get(&an->rewrite_memo, (uintptr_t)e, &hit))
		return hit;
	tir_expr *x = e;
	if (e->nops) {
		tir_expr *small[4],
		    **ops = e->nops <= 4 ? small : sb_xmalloc(e->nops * sizeof *ops);
		for (uint32_t i = 0; i < e->nops; i++)
			ops[i] = arith_rewrite(an, e->ops[i]);
		x = tir_expr_rebuild(an->ctx, e, ops);
		if (ops != small)
			free(ops);
	}
	tir_expr *r = rw_node(an, x);
	/* A rule's result is built from simplified parts; its own node may
	 * match another rule. */
	if (r != x && r->nops && an->rec_depth < MAX_RULE_DEPTH) {
		an->rec_depth++;
		r = arith_rewrite(an, r);
		an->rec_depth--;
	}
	sb_map_put(&an->rewrite_memo, (uintptr_t)e, r);
	return r;
}
