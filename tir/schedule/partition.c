/* partition: the outer loop of a guarded split, cut where its guards stop
 * holding, so the main part runs without them (vector code with no
 * predicate) and a copy of the body handles the tail.
 *
 *   for (i_0, 0, (n + 7) // 8) { for (i_1, 0, 8) vectorized {
 *     block B(vi = i_0 * 8 + i_1) where (i_0 * 8 + i_1 < n) ... } }
 *   ->
 *   for (i_0, 0, n // 8) { for (i_1, 0, 8) vectorized { block B(vi = i_0 * 8 + i_1) ... } }
 *   for (i_0_tail, n // 8, (n + 7) // 8 - n // 8) { for (i_1, 0, 8) vectorized {
 *     block B_tail(vi = i_0_tail * 8 + i_1) where (i_0_tail * 8 + i_1 < n) ... } }
 *
 * The copy has fresh loop and iter vars, fresh buffers for what it
 * allocates, and blocks renamed NAME_tail (NAME_tail_1, ... if taken). */
#include <stdio.h>
#include <stdlib.h>

#include "tir/schedule/schedule.h"

typedef struct clone_env {
	tir_ctx *ctx;
	tir_schedule *sch;
	sb_map vars;	/* old var -> new var (or value) */
	sb_map buffers; /* old buffer -> new buffer */
	sb_map names;	/* interned block names taken by the copy */
} clone_env;

static tir_expr *clone_fn(tir_ctx *ctx, tir_expr *e, void *env)
{
	clone_env *ce = env;
	if (e->kind == TIR_VAR)
		return sb_map_lookup(&ce->vars, (uintptr_t)e);
	if (e->kind == TIR_BUFFER_LOAD) {
		tir_buffer *nb = sb_map_lookup(&ce->buffers, (uintptr_t)e->u.buffer);
		if (nb)
			return tir_load(ctx, nb, (int)e->nops, e->ops);
	}
	return NULL;
}

static tir_expr *cl_e(clone_env *ce, tir_expr *e)
{
	return e ? tir_expr_rewrite(ce->ctx, e, clone_fn, ce) : NULL;
}

static tir_buffer *cl_b(clone_env *ce, tir_buffer *b)
{
	tir_buffer *nb = sb_map_lookup(&ce->buffers, (uintptr_t)b);
	return nb ? nb : b;
}

static tir_expr *fresh_var(clone_env *ce, tir_expr *v)
{
	tir_expr *nv = tir_var(ce->ctx, sch_var_name(v), v->type);
	sb_map_put(&ce->vars, (uintptr_t)v, nv);
	return nv;
}

static tir_buffer *fresh_buffer(clone_env *ce, tir_buffer *b)
{
	tir_expr **shape = SB_ARENA_ARRAY(&ce->ctx->arena, tir_expr *, b->ndim ? b->ndim : 1);
	for (int d = 0; d < b->ndim; d++)
		shape[d] = cl_e(ce, b->shape[d]);
	tir_buffer *nb = tir_buffer_new(ce->ctx, b->name, b->dtype, b->ndim, shape);
	nb->scope = b->scope;
	sb_map_put(&ce->buffers, (uintptr_t)b, nb);
	return nb;
}

typedef struct name_env {
	const char *name;
	bool found;
} name_env;

static bool name_pre(tir_stmt *s, void *env)
{
	name_env *ne = env;
	if (s->kind == TIR_STMT_BLOCK_REALIZE && !strcmp(s->u.realize.block->name, ne->name))
		ne->found = true;
	return !ne->found;
}

static const char *tail_name(clone_env *ce, const char *base)
{
	char name[256];
	snprintf(name, sizeof name, "%.200s_tail", base);
	for (int i = 1;; i++) {
		name_env ne = {name, false};
		tir_stmt_walk(ce->sch->func->body, name_pre, NULL, &ne);
		const char *in = tir_intern(ce->ctx, name);
		if (!ne.found && !sb_map_get(&ce->names, (uintptr_t)in, NULL)) {
			sb_map_put(&ce->names, (uintptr_t)in, NULL);
			return in;
		}
		snprintf(name, sizeof name, "%.200s_tail_%d", base, i);
	}
}

static tir_region *cl_regions(clone_env *ce, int n, const tir_region *rs)
{
	tir_region *out = SB_ARENA_ARRAY(&ce->ctx->arena, tir_region, n ? n : 1);
	for (int i = 0; i < n; i++) {
		int nd = rs[i].buffer->ndim;
		out[i].buffer = cl_b(ce, rs[i].buffer);
		out[i].ranges = SB_ARENA_ARRAY(&ce->ctx->arena, tir_range, nd ? nd : 1);
		for (int d = 0; d < nd; d++) {
			out[i].ranges[d].min = cl_e(ce, rs[i].ranges[d].min);
			out[i].ranges[d].extent = cl_e(ce, rs[i].ranges[d].extent);
		}
	}
	return out;
}

static tir_stmt *clone(clone_env *ce, tir_stmt *s)
{
	tir_ctx *ctx = ce->ctx;
	if (!s)
		return NULL;
	switch (s->kind) {
	case TIR_STMT_FOR: {
		tir_expr *mn = cl_e(ce, s->u.loop.min), *ext = cl_e(ce, s->u.loop.extent);
		tir_expr *v = fresh_var(ce, s->u.loop.var);
		return tir_for(ctx, v, mn, ext, s->u.loop.kind, clone(ce, s->u.loop.body));
	}
	case TIR_STMT_LET: {
		tir_expr *val = cl_e(ce, s->u.let.value);
		tir_expr *v = fresh_var(ce, s->u.let.var);
		return tir_let(ctx, v, val, clone(ce, s->u.let.body));
	}
	case TIR_STMT_ALLOCATE: {
		tir_buffer *nb = fresh_buffer(ce, s->u.alloc.buffer);
		return tir_allocate(ctx, nb, clone(ce, s->u.alloc.body));
	}
	case TIR_STMT_BLOCK_REALIZE: {
		const tir_block *b = s->u.realize.block;
		int n = b->niters;
		tir_expr **vals = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, n ? n : 1);
		for (int i = 0; i < n; i++)
			vals[i] = cl_e(ce, s->u.realize.values[i]);
		tir_expr *pred = cl_e(ce, s->u.realize.predicate);
		tir_block *nb = sch_block_copy(ctx, b);
		nb->name = tail_name(ce, b->name);
		for (int i = 0; i < n; i++) {
			nb->iters[i].dom.min = cl_e(ce, b->iters[i].dom.min);
			nb->iters[i].dom.extent = cl_e(ce, b->iters[i].dom.extent);
			nb->iters[i].var = fresh_var(ce, b->iters[i].var);
		}
		if (b->nallocs) {
			nb->allocs = SB_ARENA_ARRAY(&ctx->arena, tir_buffer *, b->nallocs);
			for (int i = 0; i < b->nallocs; i++)
				nb->allocs[i] = fresh_buffer(ce, b->allocs[i]);
		}
		nb->reads = cl_regions(ce, b->nreads, b->reads);
		nb->writes = cl_regions(ce, b->nwrites, b->writes);
		nb->init = clone(ce, b->init);
		nb->body = clone(ce, b->body);
		return tir_block_realize(ctx, nb, vals, pred);
	}
	case TIR_STMT_BUFFER_STORE: {
		int n = s->u.store.nindices;
		tir_expr **ix = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, n ? n : 1);
		for (int i = 0; i < n; i++)
			ix[i] = cl_e(ce, s->u.store.indices[i]);
		return tir_store(ctx, cl_b(ce, s->u.store.buffer), cl_e(ce, s->u.store.value), n, ix);
	}
	case TIR_STMT_IF:
		return tir_if(ctx, cl_e(ce, s->u.if_.cond), clone(ce, s->u.if_.then_case),
			      clone(ce, s->u.if_.else_case));
	case TIR_STMT_ASSERT:
		return tir_assert(ctx, cl_e(ce, s->u.assert_.cond), s->u.assert_.message);
	case TIR_STMT_SEQ: {
		int n = s->u.seq.n;
		tir_stmt **v = SB_ARENA_ARRAY(&ctx->arena, tir_stmt *, n ? n : 1);
		for (int i = 0; i < n; i++)
			v[i] = clone(ce, s->u.seq.stmts[i]);
		return tir_seq(ctx, n, v);
	}
	case TIR_STMT_EVALUATE:
		return tir_evaluate(ctx, cl_e(ce, s->u.eval.value));
	}
	SB_UNREACHABLE();
}

/* The guards a split added compare with the loop's extent E; the main
 * part runs for var < E // inner.  Proving a guard there needs
 * E // inner * inner <= E, which the simplifier loses once it rewrites
 * E // inner (w // 2 // 8 becomes w // 16), so E is proven about as an
 * opaque non-negative x. */
typedef struct guard_env {
	tir_ctx *ctx;
	tir_analyzer *an;
	tir_expr *extent, *x;
} guard_env;

static tir_expr *opaque_extent(tir_ctx *ctx, tir_expr *e, void *env)
{
	(void)ctx;
	guard_env *ge = env;
	return e == ge->extent ? ge->x : NULL;
}

static tir_expr *drop_proven(guard_env *ge, tir_expr *pred)
{
	tir_ctx *ctx = ge->ctx;
	if (pred->kind == TIR_AND) {
		tir_expr *a = drop_proven(ge, pred->ops[0]), *b = drop_proven(ge, pred->ops[1]);
		if (tir_expr_is_const(a, 1))
			return b;
		if (tir_expr_is_const(b, 1))
			return a;
		return a == pred->ops[0] && b == pred->ops[1] ? pred : tir_and(ctx, a, b);
	}
	tir_expr *opq = tir_expr_rewrite(ctx, pred, opaque_extent, ge);
	if (tir_can_prove(ctx, ge->an, pred) || tir_can_prove(ctx, ge->an, opq))
		return tir_bool(ctx, true);
	return pred;
}

static tir_stmt *drop_guards(guard_env *ge, tir_stmt *s);
static tir_stmt *drop_child(guard_env *ge, tir_stmt *s, int i)
{
	tir_stmt *c = sch_stmt_child(s, i);
	return c ? drop_guards(ge, c) : c;
}

static tir_stmt *drop_guards(guard_env *ge, tir_stmt *s)
{
	tir_ctx *ctx = ge->ctx;
	switch (s->kind) {
	case TIR_STMT_FOR: {
		size_t mark = tir_analyzer_mark(ge->an);
		tir_analyzer_bind_range(ge->an, s->u.loop.var, s->u.loop.min, s->u.loop.extent);
		tir_stmt *b = drop_guards(ge, s->u.loop.body);
		tir_analyzer_restore(ge->an, mark);
		return b == s->u.loop.body ? s : sch_stmt_with_child(ctx, s, 0, b);
	}
	case TIR_STMT_BLOCK_REALIZE: {
		tir_expr *p = drop_proven(ge, s->u.realize.predicate);
		if (p == s->u.realize.predicate)
			return s;
		return tir_block_realize(ctx, s->u.realize.block, s->u.realize.values, p);
	}
	case TIR_STMT_SEQ: {
		int n = s->u.seq.n;
		tir_stmt **v = SB_ARENA_ARRAY(&ctx->arena, tir_stmt *, n ? n : 1);
		bool ch = false;
		for (int i = 0; i < n; i++) {
			v[i] = drop_guards(ge, s->u.seq.stmts[i]);
			ch |= v[i] != s->u.seq.stmts[i];
		}
		return ch ? tir_seq(ctx, n, v) : s;
	}
	case TIR_STMT_ALLOCATE:
	case TIR_STMT_LET: {
		tir_stmt *b = drop_child(ge, s, 0);
		return b == sch_stmt_child(s, 0) ? s : sch_stmt_with_child(ctx, s, 0, b);
	}
	default:
		return s;
	}
}

sb_status tir_schedule_partition(tir_schedule *sch, tir_sch_loop *l, tir_sch_loop **tail)
{
	tir_ctx *ctx = sch->ctx;
	const char *P = "partition";
	sch_path p;
	sb_status st = sch_loop_path(sch, P, l, &p);
	if (st)
		return st;
	tir_stmt *loop = p.node[p.n - 1];
	sch_guard *g = sb_map_lookup(&sch->guards, (uintptr_t)l->var);
	if (!g || !tir_expr_is_const(loop->u.loop.min, 0))
		return sb_set_error(SB_ERR_INVALID,
				    "%s: loop %s is not the outer loop of a guarded split", P,
				    sch_var_name(l->var));
	tir_analyzer *an = sch_analyzer_for_path(ctx, &p, p.n - 1);
	tir_expr *k = tir_imm_int(ctx, g->extent->type, g->inner);
	tir_expr *q = tir_simplify(ctx, an, tir_floordiv(ctx, g->extent, k));
	tir_expr *var = l->var;
	/* main: the guards of its blocks are proven and dropped */
	size_t mark = tir_analyzer_mark(an);
	tir_expr *x = tir_var(ctx, "x", g->extent->type);
	tir_analyzer_bind(an, x, 0, TIR_POS_INF);
	tir_analyzer_bind_range(an, var, tir_imm_int(ctx, var->type, 0),
				tir_floordiv(ctx, x, k));
	guard_env ge = {ctx, an, g->extent, x};
	tir_stmt *body = drop_guards(&ge, loop->u.loop.body);
	tir_analyzer_restore(an, mark);
	tir_analyzer_bind_range(an, var, tir_imm_int(ctx, var->type, 0), q);
	body = sch_simplify_bindings(ctx, an, body);
	tir_analyzer_restore(an, mark);
	tir_stmt *main = tir_for(ctx, var, tir_imm_int(ctx, var->type, 0), q, loop->u.loop.kind, body);
	/* tail: a copy */
	clone_env ce = {.ctx = ctx, .sch = sch};
	sb_map_init(&ce.vars);
	sb_map_init(&ce.buffers);
	sb_map_init(&ce.names);
	char name[256];
	snprintf(name, sizeof name, "%.200s_tail", sch_var_name(var));
	tir_expr *tv = tir_var(ctx, name, var->type);
	sb_map_put(&ce.vars, (uintptr_t)var, tv);
	tir_stmt *tbody = clone(&ce, loop->u.loop.body);
	sb_map_free(&ce.vars);
	sb_map_free(&ce.buffers);
	sb_map_free(&ce.names);
	tir_expr *text = tir_simplify(ctx, an, tir_sub(ctx, loop->u.loop.extent, q));
	tir_stmt *tl = tir_for(ctx, tv, q, text, TIR_FOR_SERIAL, tbody);
	tl = sch_simplify_bindings(ctx, an, tl);
	tir_analyzer_free(an);
	tir_stmt *parts[2] = {main, tl};
	sch_commit(sch, sch_path_replace(ctx, &p, p.n - 1, tir_seq(ctx, 2, parts)), P);
	sb_map_remove(&sch->guards, (uintptr_t)var);
	tir_sch_loop *th = sch_loop_handle(sch, tv);
	if (tail)
		*tail = th;
	sch_trace(sch, "%s = partition(%s)", th->name, l->name);
	return SB_OK;
}
