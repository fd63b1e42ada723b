/* The tir lowering pipeline: the passes of tir/transform in order, the
 * verifier after each, SB_DEBUG=pass printing the IR after each. */
#include <stdio.h>
#include <stdlib.h>

#include "transform.h"

static sb_status after_pass(const char *pass, const tir_func *f)
{
	if (sb_debug_enabled("pass")) {
		char *s = tir_func_to_string(f);
		fprintf(stderr, "--- tir after %s ---\n%s\n", pass, s);
		free(s);
	}
	sb_status st = tir_func_verify(f);
	if (st) {
		char *s = tir_func_to_string(f);
		sb_error_prefix(st, "after %s:\n%s\n", pass, s);
		free(s);
	}
	return st;
}

sb_status tir_lower(tir_ctx *ctx, const tir_func *f, const tir_lower_options *opts,
		    tir_lowered **out)
{
	*out = NULL;
	int vector_bits = opts && opts->vector_bits > 0 ? opts->vector_bits : 256;
	sb_status st = tir_func_verify(f);
	if (st)
		return sb_error_prefix(st, "lowering @%s", f->name);
	tir_func *g = tir_lower_blocks(ctx, f);
	if ((st = after_pass("LowerBlocks", g)))
		return st;
	g = tir_flatten_buffers(ctx, g);
	if ((st = after_pass("FlattenBuffers", g)))
		return st;
	g = tir_vectorize_loops(ctx, g, vector_bits);
	if ((st = after_pass("VectorizeLoops", g)))
		return st;
	tir_lowered *l = SB_ARENA_NEW(&ctx->arena, tir_lowered);
	l->source = f;
	l->func = tir_outline_parallel(ctx, g, &l->nclosures, &l->closures);
	if ((st = after_pass("OutlineParallel", l->func)))
		return st;
	for (int i = 0; i < l->nclosures; i++) {
		if ((st = after_pass("OutlineParallel (closure)", l->closures[i].func)))
			return st;
	}
	*out = l;
	return SB_OK;
}

const tir_closure *tir_lowered_find_closure(const tir_lowered *l, const tir_stmt *loop)
{
	for (int i = 0; i < l->nclosures; i++) {
		if (l->closures[i].loop == loop)
			return &l->closures[i];
	}
	return NULL;
}

char *tir_lowered_to_string(const tir_lowered *l)
{
	sb_strbuf b = {0};
	tir_func_print(&b, l->func);
	for (int i = 0; i < l->nclosures; i++) {
		const tir_stmt *loop = l->closures[i].loop;
		char *v = tir_expr_to_string(loop->u.loop.var);
		sb_strbuf_printf(&b, "\n// parallel loop over %s of @%s, run by sb_parallel_for:\n",
				 v, l->func->name);
		free(v);
		tir_func_print(&b, l->closures[i].func);
	}
	return sb_strbuf_take(&b);
}
