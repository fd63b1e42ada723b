/* Hand-built modules for the lowering passes and the VM code generator
 * (tests/relax_like/test_pass_*.c, tests/vm/): elementwise PrimFuncs over
 * (n, 4) float32 buffers written the way topi writes them (a loop nest over
 * one block per element), and relax functions calling them with call_tir
 * in a dataflow block. */
#ifndef SB_TESTS_LOWER_FIXTURES_H
#define SB_TESTS_LOWER_FIXTURES_H

#include "relax_like/passes/passes.h"

/* C[i, j] = A[i, j] <op> B[i, j] over (rows, 4); with unary: C = A * 2 + 1
 * (B absent). */
static inline tir_func *lf_ewise(tir_ctx *ctx, const char *name, tir_expr *rows, bool unary,
				 tir_expr_kind op)
{
	tir_expr *shape[2] = {rows, tir_int(ctx, 4)};
	tir_buffer *A = tir_buffer_new(ctx, "A", SB_F32, 2, shape);
	tir_buffer *B = unary ? NULL : tir_buffer_new(ctx, "B", SB_F32, 2, shape);
	tir_buffer *C = tir_buffer_new(ctx, "C", SB_F32, 2, shape);
	tir_expr *i = tir_var(ctx, "i", TIR_INDEX_TYPE), *j = tir_var(ctx, "j", TIR_INDEX_TYPE);
	tir_iter_var iv[2] = {
	    {tir_var(ctx, "vi", TIR_INDEX_TYPE), {tir_int(ctx, 0), rows}, TIR_ITER_SPATIAL},
	    {tir_var(ctx, "vj", TIR_INDEX_TYPE),
	     {tir_int(ctx, 0), tir_int(ctx, 4)},
	     TIR_ITER_SPATIAL}};
	tir_expr *idx[2] = {iv[0].var, iv[1].var};
	tir_expr *a = tir_load(ctx, A, 2, idx);
	tir_expr *v = unary ? tir_add(ctx, tir_mul(ctx, a, tir_f32(ctx, 2.0)), tir_f32(ctx, 1.0))
			    : tir_binary(ctx, op, a, tir_load(ctx, B, 2, idx));
	tir_block *blk = tir_block_new(ctx, "C", 2, iv, tir_store(ctx, C, v, 2, idx));
	tir_range r[2] = {{iv[0].var, tir_int(ctx, 1)}, {iv[1].var, tir_int(ctx, 1)}};
	tir_block_add_read(ctx, blk, A, r);
	if (B)
		tir_block_add_read(ctx, blk, B, r);
	tir_block_add_write(ctx, blk, C, r);
	tir_expr *vals[2] = {i, j};
	tir_stmt *s = tir_block_realize(ctx, blk, vals, NULL);
	s = tir_for(ctx, j, tir_int(ctx, 0), tir_int(ctx, 4), TIR_FOR_SERIAL, s);
	s = tir_for(ctx, i, tir_int(ctx, 0), rows, TIR_FOR_SERIAL, s);
	tir_param p[3] = {tir_param_buffer(A), tir_param_buffer(unary ? C : B),
			  tir_param_buffer(C)};
	return tir_func_new(ctx, name, unary ? 2 : 3, p, s);
}

static inline const relax_sinfo *lf_tensor(relax_module *m, tir_expr *rows)
{
	tir_expr *d[2] = {rows, tir_int(m->tir, 4)};
	return relax_sinfo_tensor(m, SB_F32, 2, d);
}

/* relax.call_tir(@f, (args...), sinfo_args=[out]). */
static inline relax_expr *lf_call_tir(relax_module *m, const char *f, int n,
				      relax_expr *const *args, const relax_sinfo *out)
{
	relax_expr *a[2] = {relax_module_gvar(m, f), relax_tuple(m, n, args)};
	return relax_call_op_sinfo(m, RELAX_OP_CALL_TIR, 2, a, NULL, 1, &out);
}

/* @main(x: (n, 4)) = add(x, x), in a dataflow block. */
static inline void lf_build_add(relax_module *m)
{
	tir_expr *n = tir_shape_var(m->tir, "n");
	relax_module_add_prim_func(m, lf_ewise(m->tir, "add", n, false, TIR_ADD));
	relax_expr *x = relax_var(m, "x", lf_tensor(m, n));
	relax_builder *b = relax_builder_new(m);
	relax_builder_begin_function(b, 1, &x);
	relax_builder_begin_dataflow(b);
	relax_expr *args[2] = {x, x}, *gv, *fn;
	SB_ASSERT(!relax_builder_emit_output(b, lf_call_tir(m, "add", 2, args, lf_tensor(m, n)),
					     "y", &gv));
	relax_builder_end_block(b);
	SB_ASSERT(!relax_builder_end_function(b, gv, NULL, &fn));
	relax_module_set_function(m, "main", fn);
	relax_builder_free(b);
}

/* @main(x: (n, 4), y: (n, 4)) = add(x, y): two inputs sharing n. */
static inline void lf_build_add2(relax_module *m)
{
	tir_expr *n = tir_shape_var(m->tir, "n");
	relax_module_add_prim_func(m, lf_ewise(m->tir, "add", n, false, TIR_ADD));
	relax_expr *p[2] = {relax_var(m, "x", lf_tensor(m, n)), relax_var(m, "y", lf_tensor(m, n))};
	relax_builder *b = relax_builder_new(m);
	relax_builder_begin_function(b, 2, p);
	relax_builder_begin_dataflow(b);
	relax_expr *gv, *fn;
	SB_ASSERT(
	    !relax_builder_emit_output(b, lf_call_tir(m, "add", 2, p, lf_tensor(m, n)), "z", &gv));
	relax_builder_end_block(b);
	SB_ASSERT(!relax_builder_end_function(b, gv, NULL, &fn));
	relax_module_set_function(m, "main", fn);
	relax_builder_free(b);
}

/* @main(x: (n, 4)) = f(f(f(f(f(x))))) with f(a) = a * 2 + 1 ("scale"). */
static inline void lf_build_chain(relax_module *m, int len)
{
	tir_expr *n = tir_shape_var(m->tir, "n");
	relax_module_add_prim_func(m, lf_ewise(m->tir, "scale", n, true, TIR_ADD));
	relax_expr *x = relax_var(m, "x", lf_tensor(m, n));
	relax_builder *b = relax_builder_new(m);
	relax_builder_begin_function(b, 1, &x);
	relax_builder_begin_dataflow(b);
	relax_expr *cur = x, *fn;
	for (int i = 0; i < len; i++) {
		relax_expr *call = lf_call_tir(m, "scale", 1, &cur, lf_tensor(m, n));
		if (i + 1 < len)
			SB_ASSERT(!relax_builder_emit(b, call, NULL, &cur));
		else
			SB_ASSERT(!relax_builder_emit_output(b, call, "y", &cur));
	}
	relax_builder_end_block(b);
	SB_ASSERT(!relax_builder_end_function(b, cur, NULL, &fn));
	relax_module_set_function(m, "main", fn);
	relax_builder_free(b);
}

/* How many bindings of fn (top level and branches) satisfy pred. */
static inline int lf_count_seq(relax_expr *seq, bool (*pred)(const relax_binding *, void *),
			       void *env)
{
	int n = 0;
	if (seq->kind != RELAX_SEQ)
		return 0;
	for (int i = 0; i < seq->u.seq.nblocks; i++) {
		relax_block *blk = seq->u.seq.blocks[i];
		for (int k = 0; k < blk->nbindings; k++) {
			relax_binding *bd = &blk->bindings[k];
			n += pred(bd, env);
			if (bd->value->kind == RELAX_IF)
				n += lf_count_seq(bd->value->u.if_.then_branch, pred, env) +
				     lf_count_seq(bd->value->u.if_.else_branch, pred, env);
		}
	}
	return n;
}

static inline bool lf_is_op(const relax_binding *b, void *env)
{
	const relax_expr *v = b->value;
	return v->kind == RELAX_CALL && !v->u.call.callee && v->u.call.op == *(relax_op *)env;
}

/* Calls of the packed function `env` (call_packed(extern(name), ...) or
 * extern(name)(...)). */
static inline bool lf_is_packed(const relax_binding *b, void *env)
{
	const relax_expr *v = b->value;
	if (v->kind != RELAX_CALL)
		return false;
	const relax_expr *c = v->u.call.callee;
	if (!c && v->u.call.op == RELAX_OP_CALL_PACKED)
		c = v->u.call.args[0];
	return c && c->kind == RELAX_EXTERN_FUNC && !strcmp(c->u.var.name, env);
}

static inline int lf_count_op(relax_module *m, const char *fn, relax_op op)
{
	return lf_count_seq(relax_module_lookup(m, fn)->func->u.func.body, lf_is_op, &op);
}

static inline int lf_count_packed(relax_module *m, const char *fn, const char *name)
{
	return lf_count_seq(relax_module_lookup(m, fn)->func->u.func.body, lf_is_packed,
			    (void *)name);
}

#endif
