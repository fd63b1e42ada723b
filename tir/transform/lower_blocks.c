/* LowerBlocks: blocks become plain statements.
 *
 * Purpose: a block is the unit schedules work on; code generation only
 * needs what it computes.  Each BlockRealize is replaced by its body with
 * every iter var substituted by its binding; the init statement runs under
 * the condition that every reduce iter var is at its domain's min (the
 * first step of the reduction); the block's own buffers become Allocates
 * around it; a predicate other than true becomes an if; read/write regions
 * are dropped.
 *
 * Requires: a well-formed PrimFunc (tir_func_verify).
 * Guarantees: no BlockRealize left; loads, stores and loops unchanged
 * otherwise; nested blocks are lowered inside out, so an inner binding may
 * use an outer block's iter vars.
 *
 *   for (i, 0, m) {                          for (i, 0, m) {
 *     for (r, 0, k) {                          for (r, 0, k) {
 *       block S(vi: spatial(0, m) = i,    =>     if (r == 0) {
 *               vk: reduce(0, k) = r) {            S[i] = 0.0f
 *         init { S[vi] = 0.0f }                  }
 *         S[vi] = S[vi] + A[vi, vk]              S[i] = S[i] + A[i, r]
 *       }                                      }
 *     }                                      }
 *   }
 */
#include "transform.h"

static tir_stmt *lower_realize(tir_stmt_rewriter *r, tir_stmt *orig, tir_stmt *s)
{
	if (s->kind != TIR_STMT_BLOCK_REALIZE)
		return NULL;
	tir_ctx *ctx = r->ctx;
	const tir_block *b = s->u.realize.block;
	int n = b->niters;
	tir_expr **vars = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, n ? n : 1);
	for (int i = 0; i < n; i++)
		vars[i] = b->iters[i].var;
	tir_expr *const *values = s->u.realize.values;

	tir_stmt *body = tir_stmt_substitute(ctx, b->body, n, vars, values);
	tir_stmt *init = NULL;
	if (b->init) {
		tir_expr *first = tir_bool(ctx, true);
		for (int i = 0; i < n; i++) {
			if (b->iters[i].kind != TIR_ITER_REDUCE)
				continue;
			tir_expr *at_min =
			    tir_eq(ctx, values[i],
				   tir_substitute(ctx, b->iters[i].dom.min, n, vars, values));
			first = tir_expr_is_const(first, 1) ? at_min : tir_and(ctx, first, at_min);
		}
		first = tir_simplify(ctx, NULL, first);
		init = tir_stmt_substitute(ctx, b->init, n, vars, values);
		if (!tir_expr_is_const(first, 1))
			init = tir_if(ctx, first, init, NULL);
	}
	tir_stmt *parts[2] = {init, body};
	tir_stmt *out = init ? tir_seq(ctx, 2, parts) : body;
	for (int i = b->nallocs - 1; i >= 0; i--)
		out = tir_allocate(ctx, b->allocs[i], out);
	tir_expr *pred = tir_simplify(ctx, NULL, s->u.realize.predicate);
	if (!tir_expr_is_const(pred, 1))
		out = tir_if(ctx, pred, out, NULL);
	return out;
}

tir_func *tir_lower_blocks(tir_ctx *ctx, const tir_func *f)
{
	tir_stmt_rewriter r = {.ctx = ctx, .leave = lower_realize};
	tir_stmt *body = tir_stmt_rewrite(&r, f->body);
	return tir_func_with_body(ctx, f, f->nparams, f->params, body);
}
