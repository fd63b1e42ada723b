/* Symbolic bounds and the prover.
 *
 * Constant bounds alone cannot show i*4 + j < n*4 for i in [0, n),
 * j in [0, 4): n is unbounded.  Relaxing does: replace each variable that
 * has a symbolic range by the end of it that makes the expression larger
 * (i -> n - 1 where i's coefficient is positive), canonicalize, and take the
 * constant bound of what is left: (n - 1)*4 + 3 - n*4 == -1 < 0.  Variables
 * without a symbolic range (shape variables) stay symbolic and cancel.
 *
 * relax(e, upper) returns an expression >= e (<= e for !upper) for every
 * allowed value; any node it does not know is its own bound, so it is
 * sound everywhere and only as tight as the monotone cases it opens:
 * + and -, * by a constant, * of non-negatives (upper only), // by a
 * constant, min, max, select.
 *
 * tir_can_prove simplifies the condition, then decides comparisons from
 * the bounds of lhs - rhs and splits && / || / !.  Unknown is false. */
#include "arith.h"

#define RELAX_ROUNDS 3
#define MAX_REC_DEPTH 12

static tir_expr *relax(tir_analyzer *an, tir_expr *e, bool upper, bool *changed)
{
	tir_ctx *ctx = an->ctx;
	tir_expr *const *o = e->ops;
	int64_t c;
	switch (e->kind) {
	case TIR_VAR: {
		const arith_entry *b = arith_lookup(an, e);
		tir_expr *r = b ? (upper ? b->sym_max : b->sym_min) : NULL;
		if (!r)
			return e;
		*changed = true;
		return r;
	}
	case TIR_ADD:
		return tir_add(ctx, relax(an, o[0], upper, changed),
			       relax(an, o[1], upper, changed));
	case TIR_SUB:
		return tir_sub(ctx, relax(an, o[0], upper, changed),
			       relax(an, o[1], !upper, changed));
	case TIR_MUL:
		if (tir_expr_is_int_imm(o[1], &c))
			return tir_mul(ctx, relax(an, o[0], c >= 0 ? upper : !upper, changed),
				       o[1]);
		if (tir_expr_is_int_imm(o[0], &c))
			return tir_mul(ctx, o[0],
				       relax(an, o[1], c >= 0 ? upper : !upper, changed));
		/* a*b <= A*B when 0 <= a <= A and 0 <= b <= B */
		if (upper && arith_const_bound(an, o[0]).min >= 0 &&
		    arith_const_bound(an, o[1]).min >= 0)
			return tir_mul(ctx, relax(an, o[0], true, changed),
				       relax(an, o[1], true, changed));
		return e;
	case TIR_FLOOR_DIV:
	case TIR_DIV: /* both roundings are monotone in the dividend */
		if (!tir_expr_is_int_imm(o[1], &c) || c == 0)
			return e;
		return tir_binary(ctx, e->kind, relax(an, o[0], c > 0 ? upper : !upper, changed),
				  o[1]);
	case TIR_MIN:
	case TIR_MAX:
		return tir_binary(ctx, e->kind, relax(an, o[0], upper, changed),
				  relax(an, o[1], upper, changed));
	case TIR_SELECT: {
		tir_expr *t = relax(an, o[1], upper, changed), *f = relax(an, o[2], upper, changed);
		return upper ? tir_max(ctx, t, f) : tir_min(ctx, t, f);
	}
	default:
		return e;
	}
}

/* min(x, y) <= x and <= y: a min with a positive coefficient may be
 * replaced by either operand for an upper bound (so may a max with a
 * negative one); the mirror image for lower bounds.  This is what proves
 * min(a, b) <= a without knowing a or b. */
#define MINMAX_ATOMS 2

static tir_bound minmax_bound(tir_analyzer *an, const arith_sum *s, tir_bound b)
{
	int seen = 0;
	for (int i = 0; i < s->n && seen < MINMAX_ATOMS; i++) {
		tir_expr *m = s->terms[i].mono;
		if (m->kind != TIR_MIN && m->kind != TIR_MAX)
			continue;
		seen++;
		bool upper = (m->kind == TIR_MIN) == (s->terms[i].coef > 0);
		int64_t best = upper ? TIR_POS_INF : TIR_NEG_INF;
		for (int op = 0; op < 2; op++) {
			arith_sum *r = arith_sum_replace_term(an, s, i, m->ops[op]);
			if (!r)
				continue;
			tir_bound rb = arith_sum_bound(an, r);
			best = upper ? SB_MIN(best, rb.max) : SB_MAX(best, rb.min);
		}
		if (upper)
			b.max = SB_MIN(b.max, best);
		else
			b.min = SB_MAX(b.min, best);
	}
	return b;
}

static bool has_minmax(const arith_sum *s)
{
	for (int i = 0; i < s->n; i++) {
		if (s->terms[i].mono->kind == TIR_MIN || s->terms[i].mono->kind == TIR_MAX)
			return true;
	}
	return false;
}

tir_bound arith_sum_bound(tir_analyzer *an, const arith_sum *s)
{
	if (!s->n)
		return (tir_bound){s->konst, s->konst};
	tir_expr *e = arith_sum_to_expr(an, s);
	tir_bound b = arith_const_bound(an, e);
	if (an->rec_depth >= MAX_REC_DEPTH)
		return b;
	if (has_minmax(s)) {
		an->rec_depth++;
		b = minmax_bound(an, s, b);
		an->rec_depth--;
	}
	if (!an->nsym)
		return b;
	an->rec_depth++;
	for (int side = 0; side < 2; side++) {
		bool upper = side == 0;
		tir_expr *cur = e;
		for (int round = 0; round < RELAX_ROUNDS; round++) {
			if (upper ? b.max == TIR_NEG_INF : b.min == TIR_POS_INF)
				break;
			bool changed = false;
			cur = relax(an, cur, upper, &changed);
			if (!changed)
				break;
			cur = arith_canonical(an, cur);
			tir_bound rb = arith_const_bound(an, cur);
			if (upper)
				b.max = SB_MIN(b.max, rb.max);
			else
				b.min = SB_MAX(b.min, rb.min);
		}
	}
	an->rec_depth--;
	return b;
}

int arith_decide_cmp(tir_analyzer *an, tir_expr_kind kind, tir_expr *a, tir_expr *b)
{
	arith_sum *d = arith_sum_diff(an, a, b);
	if (!d)
		return -1;
	tir_bound r = arith_sum_bound(an, d);
	bool eq_false = r.min > 0 || r.max < 0;
	if (!eq_false && d->n) {
		/* n*4 - m*4 - 2 is never 0 */
		tir_modset ms = arith_modular_set(an, arith_sum_to_expr(an, d));
		eq_false = ms.coeff != 1 && ms.base != 0;
	}
	switch (kind) {
	case TIR_LT:
		return r.max < 0 ? 1 : r.min >= 0 ? 0 : -1;
	case TIR_LE:
		return r.max <= 0 ? 1 : r.min > 0 ? 0 : -1;
	case TIR_GT:
		return r.min > 0 ? 1 : r.max <= 0 ? 0 : -1;
	case TIR_GE:
		return r.min >= 0 ? 1 : r.max < 0 ? 0 : -1;
	case TIR_EQ:
		return (r.min == 0 && r.max == 0) ? 1 : eq_false ? 0 : -1;
	case TIR_NE:
		return (r.min == 0 && r.max == 0) ? 0 : eq_false ? 1 : -1;
	default:
		return -1;
	}
}

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
	case TIR_NE:
		return TIR_EQ;
	default:
		SB_UNREACHABLE();
	}
}

static bool prove_rec(tir_analyzer *an, tir_expr *c, bool want);

/* Is c provably `want` (true or false)? */
static bool prove_rec(tir_analyzer *an, tir_expr *c, bool want)
{
	if (c->kind == TIR_INT_IMM)
		return (c->u.int_value != 0) == want;
	if (want && arith_is_fact(an, c))
		return true;
	switch (c->kind) {
	case TIR_AND:
		return want ? prove_rec(an, c->ops[0], true) && prove_rec(an, c->ops[1], true)
			    : prove_rec(an, c->ops[0], false) || prove_rec(an, c->ops[1], false);
	case TIR_OR:
		return want ? prove_rec(an, c->ops[0], true) || prove_rec(an, c->ops[1], true)
			    : prove_rec(an, c->ops[0], false) && prove_rec(an, c->ops[1], false);
	case TIR_NOT:
		return prove_rec(an, c->ops[0], !want);
	default:
		break;
	}
	if (!(tir_expr_table[c->kind].flags & TIR_EF_COMPARE) || c->type.lanes != 1)
		return false;
	tir_expr_kind k = want ? c->kind : negate_cmp(c->kind);
	/* Floats are never decided: NaN makes every comparison false. */
	return arith_decide_cmp(an, k, c->ops[0], c->ops[1]) == 1;
}

bool arith_prove(tir_analyzer *an, tir_expr *cond)
{
	if (!tir_type_is_bool(cond->type) || cond->type.lanes != 1)
		return false;
	tir_expr *c = arith_simplify(an, cond);
	return prove_rec(an, c, true);
}
