/* The analyzer: what is known about variables, kept as an undo log so that
 * a pass can bind loop variables on the way into a loop nest and forget
 * them on the way out (mark / restore).  Also the public entry points of
 * tir/arith, which bracket each call so that temporaries (canonical sums)
 * are dropped when the outermost call returns. */
#include <stdlib.h>

#include "arith.h"

tir_analyzer *tir_analyzer_new(tir_ctx *ctx)
{
	tir_analyzer *an = sb_xcalloc(1, sizeof *an);
	an->ctx = ctx;
	sb_map_init(&an->var_entry);
	sb_map_init(&an->bound_memo);
	sb_map_init(&an->canon_memo);
	sb_map_init(&an->rewrite_memo);
	sb_map_init(&an->simplify_memo);
	sb_map_init(&an->sum_memo);
	sb_arena_init(&an->scratch);
	return an;
}

void tir_analyzer_free(tir_analyzer *an)
{
	if (!an)
		return;
	sb_vec_free(&an->log);
	sb_vec_free(&an->bound_vals);
	sb_map_free(&an->var_entry);
	sb_map_free(&an->bound_memo);
	sb_map_free(&an->canon_memo);
	sb_map_free(&an->rewrite_memo);
	sb_map_free(&an->simplify_memo);
	sb_map_free(&an->sum_memo);
	sb_arena_free(&an->scratch);
	free(an);
}

/* Everything memoized depends on the log; any change drops it. */
static void memo_clear(tir_analyzer *an)
{
	sb_map_free(&an->bound_memo);
	an->bound_vals.len = 0;
	sb_map_free(&an->canon_memo);
	sb_map_free(&an->rewrite_memo);
	sb_map_free(&an->simplify_memo);
	sb_map_free(&an->sum_memo);
}

tir_analyzer *arith_enter(tir_ctx *ctx, tir_analyzer *an, arith_scope *sc)
{
	sc->temporary = an == NULL;
	sc->an = an ? an : tir_analyzer_new(ctx);
	SB_ASSERT(sc->an->ctx == ctx);
	sc->an->depth++;
	return sc->an;
}

void arith_leave(arith_scope *sc)
{
	tir_analyzer *an = sc->an;
	if (--an->depth == 0) {
		/* Sums live in scratch; the memo pointing at them goes too. */
		sb_map_free(&an->sum_memo);
		sb_arena_free(&an->scratch);
		sb_arena_init(&an->scratch);
	}
	if (sc->temporary)
		tir_analyzer_free(an);
}

const arith_entry *arith_lookup(const tir_analyzer *an, const tir_expr *var)
{
	size_t idx = (size_t)(uintptr_t)sb_map_lookup(&an->var_entry, (uintptr_t)var);
	return idx ? &an->log.data[idx - 1] : NULL;
}

bool arith_is_fact(const tir_analyzer *an, const tir_expr *cond)
{
	for (size_t i = 0; i < an->log.len; i++) {
		if (an->log.data[i].kind == ARITH_FACT && an->log.data[i].fact == cond)
			return true;
	}
	return false;
}

static void push_binding(tir_analyzer *an, tir_expr *var, tir_bound b, tir_expr *smin,
			 tir_expr *smax)
{
	SB_ASSERT(var && var->kind == TIR_VAR);
	arith_entry e = {
	    .kind = ARITH_BIND, .var = var, .bound = b, .sym_min = smin, .sym_max = smax};
	e.prev = (size_t)(uintptr_t)sb_map_lookup(&an->var_entry, (uintptr_t)var);
	const arith_entry *old = e.prev ? &an->log.data[e.prev - 1] : NULL;
	if (old && (old->sym_min || old->sym_max))
		an->nsym--;
	if (smin || smax)
		an->nsym++;
	sb_vec_push(&an->log, e);
	sb_map_put(&an->var_entry, (uintptr_t)var, (void *)(uintptr_t)an->log.len);
	memo_clear(an);
}

void tir_analyzer_bind(tir_analyzer *an, tir_expr *var, int64_t min, int64_t max)
{
	push_binding(an, var, (tir_bound){min, max}, NULL, NULL);
}

void tir_analyzer_bind_range(tir_analyzer *an, tir_expr *var, tir_expr *min, tir_expr *extent)
{
	arith_scope sc;
	arith_enter(an->ctx, an, &sc);
	tir_ctx *ctx = an->ctx;
	/* var in [min, min + extent - 1]; symbolic ends are kept simplified so
	 * that relaxing var later substitutes small expressions. */
	tir_expr *smin = arith_simplify(an, min);
	tir_expr *smax = arith_simplify(
	    an, tir_sub(ctx, tir_add(ctx, min, extent), tir_imm_int(ctx, min->type, 1)));
	tir_bound b = {arith_const_bound(an, smin).min, arith_const_bound(an, smax).max};
	bool sym_min = smin->kind != TIR_INT_IMM, sym_max = smax->kind != TIR_INT_IMM;
	arith_leave(&sc);
	push_binding(an, var, b, sym_min ? smin : NULL, sym_max ? smax : NULL);
}

size_t tir_analyzer_mark(tir_analyzer *an)
{
	return an->log.len;
}

void tir_analyzer_restore(tir_analyzer *an, size_t mark)
{
	SB_ASSERT(mark <= an->log.len);
	while (an->log.len > mark) {
		arith_entry *e = &an->log.data[--an->log.len];
		if (e->kind != ARITH_BIND)
			continue;
		if (e->sym_min || e->sym_max)
			an->nsym--;
		const arith_entry *old = e->prev ? &an->log.data[e->prev - 1] : NULL;
		if (old && (old->sym_min || old->sym_max))
			an->nsym++;
		if (e->prev)
			sb_map_put(&an->var_entry, (uintptr_t)e->var, (void *)(uintptr_t)e->prev);
		else
			sb_map_remove(&an->var_entry, (uintptr_t)e->var);
	}
	memo_clear(an);
}

/* ---- assume ---- */

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

/* var `k` rhs: tighten var's binding. */
static void assume_var_cmp(tir_analyzer *an, tir_expr *var, tir_expr_kind k, tir_expr *rhs)
{
	tir_ctx *ctx = an->ctx;
	const arith_entry *old = arith_lookup(an, var);
	tir_bound b = old ? old->bound : arith_const_bound(an, var);
	tir_expr *smin = old ? old->sym_min : NULL, *smax = old ? old->sym_max : NULL;
	tir_expr *one = tir_imm_int(ctx, var->type, 1);
	tir_expr *hi = NULL, *lo = NULL; /* new inclusive ends */
	switch (k) {
	case TIR_LT:
		hi = tir_sub(ctx, rhs, one);
		break;
	case TIR_LE:
		hi = rhs;
		break;
	case TIR_GT:
		lo = tir_add(ctx, rhs, one);
		break;
	case TIR_GE:
		lo = rhs;
		break;
	case TIR_EQ:
		hi = lo = rhs;
		break;
	default:
		return;
	}
	if (hi) {
		hi = arith_simplify(an, hi);
		b.max = SB_MIN(b.max, arith_const_bound(an, hi).max);
		if (hi->kind != TIR_INT_IMM && !tir_expr_uses_var(hi, var))
			smax = hi;
	}
	if (lo) {
		lo = arith_simplify(an, lo);
		b.min = SB_MAX(b.min, arith_const_bound(an, lo).min);
		if (lo->kind != TIR_INT_IMM && !tir_expr_uses_var(lo, var))
			smin = lo;
	}
	push_binding(an, var, b, smin, smax);
}

static void assume_rec(tir_analyzer *an, tir_expr *cond)
{
	if (cond->kind == TIR_AND) {
		assume_rec(an, cond->ops[0]);
		assume_rec(an, cond->ops[1]);
		return;
	}
	arith_entry fact = {.kind = ARITH_FACT, .fact = cond};
	sb_vec_push(&an->log, fact);
	if (!(tir_expr_table[cond->kind].flags & TIR_EF_COMPARE) || cond->kind == TIR_NE ||
	    !arith_is_sum_type(cond->ops[0]->type))
		return;
	tir_expr *a = cond->ops[0], *b = cond->ops[1];
	if (a->kind == TIR_VAR)
		assume_var_cmp(an, a, cond->kind, b);
	else if (b->kind == TIR_VAR)
		assume_var_cmp(an, b, flip_cmp(cond->kind), a);
}

void tir_analyzer_assume(tir_analyzer *an, tir_expr *cond)
{
	arith_scope sc;
	arith_enter(an->ctx, an, &sc);
	assume_rec(an, arith_simplify(an, cond));
	memo_clear(an);
	arith_leave(&sc);
}

/* ---- Simplify: rewrite and canonical, alternated to a fixed point ---- */

tir_expr *arith_simplify(tir_analyzer *an, tir_expr *e)
{
	void *hit;
	if (sb_map_get(&an->simplify_memo, (uintptr_t)e, &hit))
		return hit;
	tir_expr *cur = e;
	for (int round = 0; round < 4; round++) {
		tir_expr *next = arith_rewrite(an, cur);
		next = arith_canonical(an, next);
		next = arith_rewrite(an, next);
		if (next == cur)
			break;
		cur = next;
	}
	sb_map_put(&an->simplify_memo, (uintptr_t)e, cur);
	return cur;
}

/* ---- Public entry points ---- */

tir_bound tir_const_int_bound(tir_ctx *ctx, tir_analyzer *an, tir_expr *e)
{
	arith_scope sc;
	tir_bound b = arith_const_bound(arith_enter(ctx, an, &sc), e);
	arith_leave(&sc);
	return b;
}

tir_modset tir_modular_set(tir_ctx *ctx, tir_analyzer *an, tir_expr *e)
{
	arith_scope sc;
	tir_modset m = arith_modular_set(arith_enter(ctx, an, &sc), e);
	arith_leave(&sc);
	return m;
}

tir_expr *tir_rewrite_simplify(tir_ctx *ctx, tir_analyzer *an, tir_expr *e)
{
	arith_scope sc;
	tir_expr *r = arith_rewrite(arith_enter(ctx, an, &sc), e);
	arith_leave(&sc);
	return r;
}

tir_expr *tir_canonical_simplify(tir_ctx *ctx, tir_analyzer *an, tir_expr *e)
{
	arith_scope sc;
	tir_expr *r = arith_canonical(arith_enter(ctx, an, &sc), e);
	arith_leave(&sc);
	return r;
}

tir_expr *tir_simplify(tir_ctx *ctx, tir_analyzer *an, tir_expr *e)
{
	arith_scope sc;
	tir_expr *r = arith_simplify(arith_enter(ctx, an, &sc), e);
	arith_leave(&sc);
	return r;
}

bool tir_can_prove(tir_ctx *ctx, tir_analyzer *an, tir_expr *cond)
{
	arith_scope sc;
	bool r = arith_prove(arith_enter(ctx, an, &sc), cond);
	arith_leave(&sc);
	return r;
}

bool tir_can_prove_equal(tir_ctx *ctx, tir_analyzer *an, tir_expr *a, tir_expr *b)
{
	if (a == b)
		return true;
	if (!tir_type_equal(a->type, b->type))
		return false;
	return tir_can_prove(ctx, an, tir_eq(ctx, a, b));
}
