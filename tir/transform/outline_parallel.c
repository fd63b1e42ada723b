/* OutlineParallel: parallel loops become closures for sb_parallel_for.
 *
 * Purpose: the runtime's thread pool runs body(begin, end, env) over
 * contiguous chunks of [0, extent); this pass makes that body.  For each
 * outermost parallel loop `for (i, MIN, E) parallel { BODY }` it builds the
 * PrimFunc
 *
 *   @f_par0(begin: int64, end: int64, n: int64, A: Buffer(...), ...) {
 *     for (i, MIN + begin, end - begin) { BODY }
 *   }
 *
 * whose parameters after begin and end are the captures: every scalar
 * variable BODY uses but does not define (shape variables, outer loop and
 * let variables, scalar parameters) and then every buffer it loads or
 * stores but does not allocate, in first-use order.  The code generator
 * stores the captures in an environment struct at the launch site and
 * unpacks them in the closure.  The closure shares BODY's nodes and
 * variables with the main function (each function is well-formed alone).
 *
 * Only loops whose body cannot fail are outlined: a closure has no way to
 * return an error, so a body with an assert or an allocation that is not a
 * small constant (TIR_STACK_ALLOC_MAX_BYTES, on the stack) stays serial.
 * Parallel loops inside an outlined one are made serial in the closure
 * (the pool's threads are all busy then).
 *
 * Requires: blocks lowered (after FlattenBuffers and VectorizeLoops in
 * tir_lower, so closures hold the final form).
 * Guarantees: every parallel loop left in the main function has a closure
 * (tir_lowered_find_closure); the main function is otherwise unchanged.
 *
 *   for (i, 0, m) parallel {            for (i, 0, m) parallel { ... }  -- launches @rowsum_par0
 *     S[i] = 0.0f; ...            =>    @rowsum_par0(begin: int64, end: int64, n: int64,
 *   }                                        S: Buffer(float32, [m]), A: Buffer(float32, [m * n]))
 * { for (i, begin, end - begin) { S[i] = 0.0f; ... }
 *                                       }
 */
#include <stdio.h>

#include "transform.h"

/* ---- What a loop body uses and defines ---- */

typedef struct uses {
	sb_map defined; /* vars and buffers defined inside */
	sb_map seen;	/* vars, buffers and expressions already recorded */
	SB_VEC(tir_expr *) scalars;
	SB_VEC(tir_buffer *) buffers;
	bool can_fail;
} uses;

static void use_expr(uses *u, tir_expr *e)
{
	if (sb_map_get(&u->seen, (uintptr_t)e, NULL))
		return;
	sb_map_put(&u->seen, (uintptr_t)e, NULL);
	if (e->kind == TIR_VAR && !e->type.handle)
		sb_vec_push(&u->scalars, e);
	if (e->kind == TIR_BUFFER_LOAD && !sb_map_get(&u->seen, (uintptr_t)e->u.buffer, NULL)) {
		sb_map_put(&u->seen, (uintptr_t)e->u.buffer, NULL);
		sb_vec_push(&u->buffers, e->u.buffer);
	}
	for (uint32_t i = 0; i < e->nops; i++)
		use_expr(u, e->ops[i]);
}

static bool stack_alloc_ok(const tir_buffer *b)
{
	int64_t n = (int64_t)sb_dtype_size(b->dtype);
	for (int d = 0; d < b->ndim; d++) {
		int64_t dim;
		if (!tir_expr_is_int_imm(b->shape[d], &dim) || dim < 0 ||
		    (dim && n > TIR_STACK_ALLOC_MAX_BYTES / dim))
			return false;
		n *= dim;
	}
	return n <= TIR_STACK_ALLOC_MAX_BYTES;
}

static bool uses_pre(tir_stmt *s, void *env)
{
	uses *u = env;
	switch (s->kind) {
	case TIR_STMT_FOR:
		sb_map_put(&u->defined, (uintptr_t)s->u.loop.var, NULL);
		use_expr(u, s->u.loop.min);
		use_expr(u, s->u.loop.extent);
		break;
	case TIR_STMT_BUFFER_STORE:
		if (!sb_map_get(&u->seen, (uintptr_t)s->u.store.buffer, NULL)) {
			sb_map_put(&u->seen, (uintptr_t)s->u.store.buffer, NULL);
			sb_vec_push(&u->buffers, s->u.store.buffer);
		}
		for (int i = 0; i < s->u.store.nindices; i++)
			use_expr(u, s->u.store.indices[i]);
		use_expr(u, s->u.store.value);
		break;
	case TIR_STMT_ALLOCATE:
		sb_map_put(&u->defined, (uintptr_t)s->u.alloc.buffer, NULL);
		u->can_fail |= !stack_alloc_ok(s->u.alloc.buffer);
		break;
	case TIR_STMT_IF:
		use_expr(u, s->u.if_.cond);
		break;
	case TIR_STMT_LET:
		sb_map_put(&u->defined, (uintptr_t)s->u.let.var, NULL);
		use_expr(u, s->u.let.value);
		break;
	case TIR_STMT_ASSERT:
		u->can_fail = true;
		break;
	case TIR_STMT_EVALUATE:
		use_expr(u, s->u.eval.value);
		break;
	case TIR_STMT_BLOCK_REALIZE:
		u->can_fail = true; /* not lowered: not ours to outline */
		break;
	case TIR_STMT_SEQ:
		break;
	}
	return true;
}

/* ---- The pass ---- */

typedef struct outline {
	const tir_func *f;
	SB_VEC(tir_closure) closures;
} outline;

static tir_stmt *serial_leave(tir_stmt_rewriter *r, tir_stmt *orig, tir_stmt *s)
{
	if (s->kind != TIR_STMT_FOR || s->u.loop.kind != TIR_FOR_PARALLEL)
		return NULL;
	return tir_for(r->ctx, s->u.loop.var, s->u.loop.min, s->u.loop.extent, TIR_FOR_SERIAL,
		       s->u.loop.body);
}

static tir_closure make_closure(tir_ctx *ctx, outline *o, tir_stmt *loop, uses *u)
{
	tir_expr *var = loop->u.loop.var;
	SB_VEC(tir_param) params = {0};
	tir_expr *begin = tir_var(ctx, "begin", TIR_INDEX_TYPE);
	tir_expr *end = tir_var(ctx, "end", TIR_INDEX_TYPE);
	sb_vec_push(&params, tir_param_scalar(begin));
	sb_vec_push(&params, tir_param_scalar(end));
	for (size_t i = 0; i < u->scalars.len; i++) {
		tir_expr *v = u->scalars.data[i];
		if (v != var && !sb_map_get(&u->defined, (uintptr_t)v, NULL))
			sb_vec_push(&params, tir_param_scalar(v));
	}
	for (size_t i = 0; i < u->buffers.len; i++) {
		tir_buffer *b = u->buffers.data[i];
		if (!sb_map_get(&u->defined, (uintptr_t)b, NULL))
			sb_vec_push(&params, tir_param_buffer(b));
	}
	tir_stmt_rewriter serial = {.ctx = ctx, .leave = serial_leave};
	tir_stmt *body = tir_stmt_rewrite(&serial, loop->u.loop.body);
	tir_expr *b = begin, *e = end;
	if (!tir_type_equal(var->type, TIR_INDEX_TYPE)) {
		b = tir_cast(ctx, var->type, begin);
		e = tir_cast(ctx, var->type, end);
	}
	tir_expr *min = tir_simplify(ctx, NULL, tir_add(ctx, loop->u.loop.min, b));
	tir_stmt *chunk = tir_for(ctx, var, min, tir_sub(ctx, e, b), TIR_FOR_SERIAL, body);

	char name[256];
	snprintf(name, sizeof name, "%s_par%zu", o->f->name, o->closures.len);
	tir_func *cf = tir_func_new(ctx, name, (int)params.len, params.data, chunk);
	tir_func_set_attr_str(ctx, cf, "sb.closure_of", o->f->name);
	tir_closure c = {.func = cf, .loop = loop, .ncaptures = (int)params.len - 2};
	sb_vec_free(&params);
	return c;
}

static tir_stmt *outline_enter(tir_stmt_rewriter *r, tir_stmt *s)
{
	outline *o = r->env;
	if (s->kind != TIR_STMT_FOR || s->u.loop.kind != TIR_FOR_PARALLEL)
		return NULL;
	uses u = {0};
	sb_map_init(&u.defined);
	sb_map_init(&u.seen);
	tir_stmt_walk(s->u.loop.body, uses_pre, NULL, &u);
	tir_stmt *out = NULL;
	if (!u.can_fail) {
		tir_closure c = make_closure(r->ctx, o, s, &u);
		sb_vec_push(&o->closures, c);
		out = s; /* kept, and not descended into */
	}
	sb_vec_free(&u.scalars);
	sb_vec_free(&u.buffers);
	sb_map_free(&u.defined);
	sb_map_free(&u.seen);
	return out;
}

tir_func *tir_outline_parallel(tir_ctx *ctx, const tir_func *f, int *nclosures,
			       tir_closure **closures)
{
	outline o = {.f = f};
	/* Outlined loops are returned as they are by enter; the parallel loops
	 * that reach leave could not be outlined and become serial. */
	tir_stmt_rewriter r = {
	    .ctx = ctx, .enter = outline_enter, .leave = serial_leave, .env = &o};
	tir_stmt *body = tir_stmt_rewrite(&r, f->body);
	*nclosures = (int)o.closures.len;
	*closures = NULL;
	if (o.closures.len)
		*closures = sb_arena_memdup(&ctx->arena, o.closures.data,
					    o.closures.len * sizeof(tir_closure));
	sb_vec_free(&o.closures);
	return tir_func_with_body(ctx, f, f->nparams, f->params, body);
}
