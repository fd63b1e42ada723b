/* The statement rewriter every pass of tir/transform is written on: the
 * statement counterpart of tir_expr_rewrite (post-order, a node rebuilt only
 * when something under it changed), with enter/leave hooks for scoping. */
#include "transform.h"

static tir_expr *rw_expr(tir_stmt_rewriter *r, tir_expr *e)
{
	if (!e || !r->expr)
		return e;
	tir_expr *n = r->expr(r, e);
	return n ? n : e;
}

/* Rewrites n expressions into out; true if any changed. */
static bool rw_exprs(tir_stmt_rewriter *r, int n, tir_expr *const *in, tir_expr **out)
{
	bool changed = false;
	for (int i = 0; i < n; i++) {
		out[i] = rw_expr(r, in[i]);
		changed |= out[i] != in[i];
	}
	return changed;
}

static tir_stmt *rw_block(tir_stmt_rewriter *r, tir_stmt *s)
{
	tir_ctx *ctx = r->ctx;
	tir_block *b = s->u.realize.block;
	bool changed = false;
	int n = b->niters;
	tir_expr **values = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, n ? n : 1);
	changed |= rw_exprs(r, n, s->u.realize.values, values);
	tir_expr *pred = rw_expr(r, s->u.realize.predicate);
	changed |= pred != s->u.realize.predicate;

	tir_iter_var *iters = SB_ARENA_ARRAY(&ctx->arena, tir_iter_var, n ? n : 1);
	for (int i = 0; i < n; i++) {
		iters[i] = b->iters[i];
		iters[i].dom.min = rw_expr(r, b->iters[i].dom.min);
		iters[i].dom.extent = rw_expr(r, b->iters[i].dom.extent);
		changed |= iters[i].dom.min != b->iters[i].dom.min ||
			   iters[i].dom.extent != b->iters[i].dom.extent;
	}
	tir_stmt *init = b->init ? tir_stmt_rewrite(r, b->init) : NULL;
	tir_stmt *body = tir_stmt_rewrite(r, b->body);
	changed |= init != b->init || body != b->body;

	/* Regions: rewritten into fresh arrays, kept only if the block is rebuilt. */
	tir_region *regions[2] = {b->reads, b->writes};
	int nregions[2] = {b->nreads, b->nwrites};
	tir_range **ranges[2] = {NULL, NULL};
	for (int k = 0; k < 2; k++) {
		ranges[k] = SB_ARENA_ARRAY(&ctx->arena, tir_range *, nregions[k] ? nregions[k] : 1);
		for (int i = 0; i < nregions[k]; i++) {
			tir_region *reg = &regions[k][i];
			int nd = reg->buffer->ndim;
			tir_range *rr = SB_ARENA_ARRAY(&ctx->arena, tir_range, nd ? nd : 1);
			for (int d = 0; d < nd; d++) {
				rr[d].min = rw_expr(r, reg->ranges[d].min);
				rr[d].extent = rw_expr(r, reg->ranges[d].extent);
				changed |= rr[d].min != reg->ranges[d].min ||
					   rr[d].extent != reg->ranges[d].extent;
			}
			ranges[k][i] = rr;
		}
	}
	if (!changed)
		return s;
	tir_block *nb = tir_block_new(ctx, b->name, n, iters, body);
	nb->init = init;
	for (int i = 0; i < b->nreads; i++)
		tir_block_add_read(ctx, nb, b->reads[i].buffer, ranges[0][i]);
	for (int i = 0; i < b->nwrites; i++)
		tir_block_add_write(ctx, nb, b->writes[i].buffer, ranges[1][i]);
	for (int i = 0; i < b->nallocs; i++)
		tir_block_add_alloc(ctx, nb, b->allocs[i]);
	return tir_block_realize(ctx, nb, values, pred);
}

static tir_stmt *rw_children(tir_stmt_rewriter *r, tir_stmt *s)
{
	tir_ctx *ctx = r->ctx;
	switch (s->kind) {
	case TIR_STMT_FOR: {
		tir_expr *min = rw_expr(r, s->u.loop.min), *ext = rw_expr(r, s->u.loop.extent);
		tir_stmt *body = tir_stmt_rewrite(r, s->u.loop.body);
		if (min == s->u.loop.min && ext == s->u.loop.extent && body == s->u.loop.body)
			return s;
		return tir_for(ctx, s->u.loop.var, min, ext, s->u.loop.kind, body);
	}
	case TIR_STMT_BLOCK_REALIZE:
		return rw_block(r, s);
	case TIR_STMT_BUFFER_STORE: {
		int n = s->u.store.nindices;
		tir_expr **ix = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, n ? n : 1);
		bool changed = rw_exprs(r, n, s->u.store.indices, ix);
		tir_expr *value = rw_expr(r, s->u.store.value);
		if (!changed && value == s->u.store.value)
			return s;
		return tir_store(ctx, s->u.store.buffer, value, n, ix);
	}
	case TIR_STMT_ALLOCATE: {
		tir_stmt *body = tir_stmt_rewrite(r, s->u.alloc.body);
		return body == s->u.alloc.body ? s : tir_allocate(ctx, s->u.alloc.buffer, body);
	}
	case TIR_STMT_IF: {
		tir_expr *cond = rw_expr(r, s->u.if_.cond);
		tir_stmt *t = tir_stmt_rewrite(r, s->u.if_.then_case);
		tir_stmt *e = s->u.if_.else_case ? tir_stmt_rewrite(r, s->u.if_.else_case) : NULL;
		if (cond == s->u.if_.cond && t == s->u.if_.then_case && e == s->u.if_.else_case)
			return s;
		return tir_if(ctx, cond, t, e);
	}
	case TIR_STMT_LET: {
		tir_expr *value = rw_expr(r, s->u.let.value);
		tir_stmt *body = tir_stmt_rewrite(r, s->u.let.body);
		if (value == s->u.let.value && body == s->u.let.body)
			return s;
		return tir_let(ctx, s->u.let.var, value, body);
	}
	case TIR_STMT_ASSERT: {
		tir_expr *cond = rw_expr(r, s->u.assert_.cond);
		return cond == s->u.assert_.cond ? s : tir_assert(ctx, cond, s->u.assert_.message);
	}
	case TIR_STMT_SEQ: {
		int n = s->u.seq.n;
		tir_stmt **kids = SB_ARENA_ARRAY(&ctx->arena, tir_stmt *, n ? n : 1);
		bool changed = false;
		for (int i = 0; i < n; i++) {
			kids[i] = tir_stmt_rewrite(r, s->u.seq.stmts[i]);
			changed |= kids[i] != s->u.seq.stmts[i];
		}
		return changed ? tir_seq(ctx, n, kids) : s;
	}
	case TIR_STMT_EVALUATE: {
		tir_expr *v = rw_expr(r, s->u.eval.value);
		return v == s->u.eval.value ? s : tir_evaluate(ctx, v);
	}
	}
	SB_UNREACHABLE();
}

tir_stmt *tir_stmt_rewrite(tir_stmt_rewriter *r, tir_stmt *s)
{
	if (r->enter) {
		tir_stmt *repl = r->enter(r, s);
		if (repl)
			return repl;
	}
	tir_stmt *out = rw_children(r, s);
	if (r->leave) {
		tir_stmt *repl = r->leave(r, s, out);
		if (repl)
			out = repl;
	}
	return out;
}

typedef struct subst_env {
	int n;
	tir_expr *const *vars, *const *values;
} subst_env;

static tir_expr *subst_expr(tir_stmt_rewriter *r, tir_expr *e)
{
	subst_env *s = r->env;
	return tir_substitute(r->ctx, e, s->n, s->vars, s->values);
}

tir_stmt *tir_stmt_substitute(tir_ctx *ctx, tir_stmt *s, int n, tir_expr *const *vars,
			      tir_expr *const *values)
{
	subst_env env = {n, vars, values};
	tir_stmt_rewriter r = {.ctx = ctx, .expr = subst_expr, .env = &env};
	return tir_stmt_rewrite(&r, s);
}

tir_func *tir_func_with_body(tir_ctx *ctx, const tir_func *f, int nparams, const tir_param *params,
			     tir_stmt *body)
{
	tir_func *nf = tir_func_new(ctx, f->name, nparams, params, body);
	for (int i = 0; i < f->nattrs; i++) {
		const tir_attr *a = &f->attrs[i];
		if (a->str)
			tir_func_set_attr_str(ctx, nf, a->key, a->str);
		else
			tir_func_set_attr_int(ctx, nf, a->key, a->value);
	}
	return nf;
}
