/* FlattenBuffers: every buffer becomes one-dimensional.
 *
 * Purpose: code generation addresses memory as data[k]; this pass computes
 * k.  A load or store of A[i0, .., ik] becomes A[elem_offset + sum(i_j *
 * stride_j)] with the buffer's strides, or row-major strides of its
 * (symbolic) shape when it has none, written in Horner form
 * ((i0 * d1 + i1) * d2 + i2) and simplified with the loop bounds in scope
 * (so a fused index (k // 4) * 4 + k % 4 folds back to k).
 *
 * Each buffer gets a flat twin: same name, dtype, scope and data variable,
 * shape [offset + product of the dims] (or offset + the extent its strides
 * reach), no strides, offset 0.  Parameters are replaced by their twins -- the data
 * variables are the parameters, so the function's signature is unchanged,
 * but the dimensions are gone: whoever checks arguments against shapes
 * must use the function from before this pass (tir_lowered.source).
 *
 * Requires: blocks lowered (tir_lower_blocks); scalar indices.
 * Guarantees: every load and store has one index, every buffer rank 1;
 * nothing else changes.
 *
 *   @func add(A: Buffer(float32, [n, 4]), ...) {      @func add(A: Buffer(float32, [n * 4]), ...) {
 *     for (i, 0, n) {                                    for (i, 0, n) {
 *       for (j, 0, 4) {                        =>          for (j, 0, 4) {
 *         C[i, j] = A[i, j] + B[i, j]                        C[i * 4 + j] = A[i * 4 + j] + B[i * 4
 * + j] }                                                  } } } } }
 */
#include "transform.h"

typedef struct flatten {
	tir_analyzer *an;
	sb_map flat;	      /* tir_buffer -> its flat twin */
	SB_VEC(size_t) marks; /* analyzer marks of the loops entered */
} flatten;

static tir_buffer *flat_buffer(tir_ctx *ctx, flatten *fl, tir_buffer *b)
{
	tir_buffer *fb = sb_map_lookup(&fl->flat, (uintptr_t)b);
	if (fb)
		return fb;
	tir_expr *size = tir_int(ctx, 1);
	if (b->strides) {
		/* The elements reached: 1 + sum((d_j - 1) * stride_j). */
		tir_expr *last = tir_int(ctx, 0);
		for (int d = 0; d < b->ndim; d++)
			last = tir_add(ctx, last,
				       tir_mul(ctx, tir_sub(ctx, b->shape[d], tir_int(ctx, 1)),
					       b->strides[d]));
		size = tir_add(ctx, last, tir_int(ctx, 1));
	} else {
		for (int d = 0; d < b->ndim; d++)
			size = d ? tir_mul(ctx, size, b->shape[d]) : b->shape[d];
	}
	if (!tir_expr_is_const(b->elem_offset, 0))
		size = tir_add(ctx, b->elem_offset, size);
	size = tir_simplify(ctx, NULL, size);
	fb = tir_buffer_new(ctx, b->name, b->dtype, 1, &size);
	fb->data = b->data; /* the same storage, and the same parameter */
	fb->scope = b->scope;
	sb_map_put(&fl->flat, (uintptr_t)b, fb);
	return fb;
}

static tir_expr *flat_index(tir_ctx *ctx, flatten *fl, const tir_buffer *b, int n,
			    tir_expr *const *ix)
{
	tir_expr *k = NULL;
	for (int d = 0; d < n; d++) {
		if (b->strides)
			k = k ? tir_add(ctx, k, tir_mul(ctx, ix[d], b->strides[d]))
			      : tir_mul(ctx, ix[d], b->strides[d]);
		else
			k = k ? tir_add(ctx, tir_mul(ctx, k, b->shape[d]), ix[d]) : ix[d];
	}
	if (!k)
		k = tir_int(ctx, 0);
	if (!tir_expr_is_const(b->elem_offset, 0))
		k = tir_add(ctx, b->elem_offset, k);
	/* The simplifier knows scalar integer arithmetic only. */
	return k->type.lanes == 1 ? tir_simplify(ctx, fl->an, k) : k;
}

static tir_expr *flatten_load(tir_ctx *ctx, tir_expr *e, void *env)
{
	flatten *fl = env;
	if (e->kind != TIR_BUFFER_LOAD)
		return NULL;
	tir_buffer *b = e->u.buffer;
	tir_expr *k = flat_index(ctx, fl, b, (int)e->nops, e->ops);
	return tir_load(ctx, flat_buffer(ctx, fl, b), 1, &k);
}

static tir_expr *flatten_expr(tir_stmt_rewriter *r, tir_expr *e)
{
	return tir_expr_rewrite(r->ctx, e, flatten_load, r->env);
}

static tir_stmt *flatten_enter(tir_stmt_rewriter *r, tir_stmt *s)
{
	flatten *fl = r->env;
	SB_ASSERT(s->kind != TIR_STMT_BLOCK_REALIZE); /* LowerBlocks runs first */
	if (s->kind == TIR_STMT_FOR) {
		sb_vec_push(&fl->marks, tir_analyzer_mark(fl->an));
		tir_analyzer_bind_range(fl->an, s->u.loop.var, s->u.loop.min, s->u.loop.extent);
	}
	return NULL;
}

static tir_stmt *flatten_leave(tir_stmt_rewriter *r, tir_stmt *orig, tir_stmt *s)
{
	flatten *fl = r->env;
	tir_ctx *ctx = r->ctx;
	switch (s->kind) {
	case TIR_STMT_FOR:
		tir_analyzer_restore(fl->an, fl->marks.data[--fl->marks.len]);
		return NULL;
	case TIR_STMT_BUFFER_STORE: {
		tir_buffer *b = s->u.store.buffer;
		/* The indices were already rewritten (their loads flattened). */
		tir_expr *k = flat_index(ctx, fl, b, s->u.store.nindices, s->u.store.indices);
		return tir_store(ctx, flat_buffer(ctx, fl, b), s->u.store.value, 1, &k);
	}
	case TIR_STMT_ALLOCATE:
		return tir_allocate(ctx, flat_buffer(ctx, fl, s->u.alloc.buffer), s->u.alloc.body);
	default:
		return NULL;
	}
}

tir_func *tir_flatten_buffers(tir_ctx *ctx, const tir_func *f)
{
	flatten fl = {.an = tir_analyzer_new(ctx)};
	sb_map_init(&fl.flat);
	tir_param *params = SB_ARENA_ARRAY(&ctx->arena, tir_param, f->nparams ? f->nparams : 1);
	for (int i = 0; i < f->nparams; i++) {
		params[i] = f->params[i];
		if (params[i].buffer)
			params[i] = tir_param_buffer(flat_buffer(ctx, &fl, f->params[i].buffer));
	}
	tir_stmt_rewriter r = {.ctx = ctx,
			       .enter = flatten_enter,
			       .expr = flatten_expr,
			       .leave = flatten_leave,
			       .env = &fl};
	tir_stmt *body = tir_stmt_rewrite(&r, f->body);
	sb_vec_free(&fl.marks);
	sb_map_free(&fl.flat);
	tir_analyzer_free(fl.an);
	return tir_func_with_body(ctx, f, f->nparams, params, body);
}
