/* tir/transform: each lowering pass on small hand-built functions, printed
 * before and after, with the structure it must produce asserted on the
 * tree; LowerBlocks and VectorizeLoops are also run through the reference
 * interpreter (tir/eval) to show they keep what the function computes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tir/eval.h"
#include "tir/transform/transform.h"

static tir_ctx *C;

static int setup(void **state)
{
	C = tir_ctx_new();
	return 0;
}

static int teardown(void **state)
{
	tir_ctx_free(C);
	C = NULL;
	return 0;
}

#define I(v) tir_int(C, (v))

static tir_expr *ivar(const char *name)
{
	return tir_var(C, name, TIR_INDEX_TYPE);
}

#define assert_contains(s, sub) assert_contains_((s), (sub), __FILE__, __LINE__)
static void assert_contains_(const char *s, const char *sub, const char *file, int line)
{
	if (!strstr(s, sub)) {
		print_error("'%s' does not contain '%s'\n", s, sub);
		_fail(file, line);
	}
}

/* Prints f before and after a pass, verifies the result, returns its text. */
static char *show(const char *pass, const tir_func *before, const tir_func *after)
{
	char *b = tir_func_to_string(before), *a = tir_func_to_string(after);
	print_message("---- before %s ----\n%s\n---- after ----\n%s\n", pass, b, a);
	free(b);
	if (tir_func_verify(after))
		fail_msg("%s", sb_last_error());
	return a;
}

/* Counts statements of a kind. */
typedef struct counter {
	tir_stmt_kind kind;
	int n;
} counter;
static bool count_pre(tir_stmt *s, void *env)
{
	counter *c = env;
	c->n += s->kind == c->kind;
	return true;
}
static int count(const tir_func *f, tir_stmt_kind kind)
{
	counter c = {kind, 0};
	tir_stmt_walk(f->body, count_pre, NULL, &c);
	return c.n;
}

/* The first statement of a kind (pre-order). */
typedef struct finder {
	tir_stmt_kind kind;
	tir_stmt *found;
} finder;
static bool find_pre(tir_stmt *s, void *env)
{
	finder *f = env;
	if (!f->found && s->kind == f->kind)
		f->found = s;
	return !f->found;
}
static tir_stmt *find(tir_stmt *body, tir_stmt_kind kind)
{
	finder f = {kind, NULL};
	tir_stmt_walk(body, find_pre, NULL, &f);
	return f.found;
}

/* ---- Functions ---- */

/* S[i] = sum_j A[i, j] with a reduce block; rows of kind `rows`. */
static tir_func *rowsum(tir_for_kind rows)
{
	tir_expr *m = tir_shape_var(C, "m"), *n = tir_shape_var(C, "n");
	tir_expr *mn[2] = {m, n};
	tir_buffer *a = tir_buffer_new(C, "A", SB_F32, 2, mn),
		   *s = tir_buffer_new(C, "S", SB_F32, 1, &m);
	tir_expr *i = ivar("i"), *j = ivar("j");
	tir_iter_var iv[2] = {{ivar("vi"), {I(0), m}, TIR_ITER_SPATIAL},
			      {ivar("vj"), {I(0), n}, TIR_ITER_REDUCE}};
	tir_expr *vi = iv[0].var, *vij[2] = {iv[0].var, iv[1].var};
	tir_block *blk = tir_block_new(
	    C, "S", 2, iv,
	    tir_store(C, s, tir_add(C, tir_load(C, s, 1, &vi), tir_load(C, a, 2, vij)), 1, &vi));
	blk->init = tir_store(C, s, tir_f32(C, 0.0), 1, &vi);
	tir_range r[2] = {{vi, I(1)}, {I(0), n}};
	tir_block_add_read(C, blk, a, r);
	tir_block_add_write(C, blk, s, r);
	tir_expr *vals[2] = {i, j};
	tir_stmt *body =
	    tir_for(C, i, I(0), m, rows,
		    tir_for(C, j, I(0), n, TIR_FOR_SERIAL, tir_block_realize(C, blk, vals, NULL)));
	tir_param ps[2] = {tir_param_buffer(a), tir_param_buffer(s)};
	return tir_func_new(C, "rowsum", 2, ps, body);
}

/* C[i, j] = A[i, j] * 2 over [n, 8], j vectorized (extent `width`). */
static tir_func *scale(int width, tir_for_kind inner)
{
	tir_expr *n = tir_shape_var(C, "n");
	tir_expr *shape[2] = {n, I(width)};
	tir_buffer *a = tir_buffer_new(C, "A", SB_F32, 2, shape),
		   *c = tir_buffer_new(C, "C", SB_F32, 2, shape);
	tir_expr *i = ivar("i"), *j = ivar("j"), *ij[2] = {i, j};
	tir_stmt *st = tir_store(C, c, tir_mul(C, tir_load(C, a, 2, ij), tir_f32(C, 2.0)), 2, ij);
	tir_stmt *body =
	    tir_for(C, i, I(0), n, TIR_FOR_SERIAL, tir_for(C, j, I(0), I(width), inner, st));
	tir_param ps[2] = {tir_param_buffer(a), tir_param_buffer(c)};
	return tir_func_new(C, "scale", 2, ps, body);
}

/* ---- LowerBlocks ---- */

static void test_lower_blocks_reduction(void **state)
{
	tir_func *f = rowsum(TIR_FOR_SERIAL);
	tir_func *g = tir_lower_blocks(C, f);
	char *text = show("LowerBlocks", f, g);
	assert_int_equal(count(g, TIR_STMT_BLOCK_REALIZE), 0);
	assert_null(strstr(text, "block"));
	/* init under "the reduce var is at its min", then the update */
	tir_stmt *cond = find(g->body, TIR_STMT_IF);
	assert_non_null(cond);
	assert_int_equal(cond->u.if_.cond->kind, TIR_EQ);
	assert_ptr_equal(cond->u.if_.cond->ops[0], f->body->u.loop.body->u.loop.var); /* j */
	assert_true(tir_expr_is_const(cond->u.if_.cond->ops[1], 0));
	assert_contains(text, "S[i] = S[i] + A[i, j]");
	free(text);
}

static void test_lower_blocks_predicate_alloc_and_spatial_init(void **state)
{
	/* block B(v: spatial(0, 10) = k) where (k < n) { alloc T; init; body } */
	tir_expr *n = tir_shape_var(C, "n"), *k = ivar("k");
	tir_buffer *out = tir_buffer_new(C, "O", SB_F32, 1, &n);
	tir_expr *one = I(1);
	tir_buffer *t = tir_buffer_new(C, "T", SB_F32, 1, &one);
	tir_iter_var iv = {ivar("v"), {I(0), I(10)}, TIR_ITER_SPATIAL};
	tir_expr *zero = I(0), *v = iv.var;
	tir_stmt *seq[2] = {tir_store(C, t, tir_f32(C, 3.0), 1, &zero),
			    tir_store(C, out, tir_load(C, t, 1, &zero), 1, &v)};
	tir_block *blk = tir_block_new(C, "B", 1, &iv, tir_seq(C, 2, seq));
	tir_block_add_alloc(C, blk, t);
	blk->init = tir_store(C, out, tir_f32(C, 0.0), 1, &v); /* no reduce var: always */
	tir_param p = tir_param_buffer(out);
	tir_func *f = tir_func_new(C, "pred", 1, &p,
				   tir_for(C, k, I(0), I(10), TIR_FOR_SERIAL,
					   tir_block_realize(C, blk, &k, tir_lt(C, k, n))));
	tir_func *g = tir_lower_blocks(C, f);
	char *text = show("LowerBlocks", f, g);
	tir_stmt *loop_body = g->body->u.loop.body;
	assert_int_equal(loop_body->kind, TIR_STMT_IF); /* the predicate */
	assert_int_equal(loop_body->u.if_.then_case->kind, TIR_STMT_ALLOCATE);
	assert_ptr_equal(loop_body->u.if_.then_case->u.alloc.buffer, t);
	assert_int_equal(count(g, TIR_STMT_IF), 1); /* the init is unconditional */
	assert_contains(text, "O[k] = 0.0f");
	free(text);
}

/* ---- FlattenBuffers ---- */

static void test_flatten_row_major_symbolic(void **state)
{
	tir_func *f = tir_lower_blocks(C, rowsum(TIR_FOR_SERIAL));
	tir_func *g = tir_flatten_buffers(C, f);
	char *text = show("FlattenBuffers", f, g);
	const tir_buffer *a = g->params[0].buffer;
	assert_int_equal(a->ndim, 1);
	assert_ptr_equal(a->data, f->params[0].buffer->data); /* same parameter */
	tir_expr *m = tir_shape_var(C, "m"), *n = tir_shape_var(C, "n");
	assert_true(tir_can_prove_equal(C, NULL, a->shape[0], tir_mul(C, m, n)));
	/* A[i, j] -> A[i * n + j] */
	tir_stmt *upd = NULL; /* the update, after the init's if */
	tir_stmt *loop_j = g->body->u.loop.body;
	for (int k = 0; k < loop_j->u.loop.body->u.seq.n; k++) {
		tir_stmt *s = loop_j->u.loop.body->u.seq.stmts[k];
		if (s->kind == TIR_STMT_BUFFER_STORE)
			upd = s;
	}
	assert_non_null(upd);
	tir_expr *load_a = upd->u.store.value->ops[1];
	assert_int_equal(load_a->kind, TIR_BUFFER_LOAD);
	assert_int_equal(load_a->nops, 1);
	tir_expr *i = g->body->u.loop.var, *j = loop_j->u.loop.var;
	assert_true(tir_can_prove_equal(C, NULL, load_a->ops[0], tir_add(C, tir_mul(C, i, n), j)));
	assert_contains(text, "A: Buffer(float32, [m * n])");
	free(text);
}

static void test_flatten_fused_index_folds(void **state)
{
	/* for (k, 0, n * 4) { B[k // 4, k % 4] = A[k // 4, k % 4] }: the
	 * flat index is k itself. */
	tir_expr *n = tir_shape_var(C, "n"), *k = ivar("k");
	tir_expr *shape[2] = {n, I(4)};
	tir_buffer *a = tir_buffer_new(C, "A", SB_I32, 2, shape),
		   *b = tir_buffer_new(C, "B", SB_I32, 2, shape);
	tir_expr *ix[2] = {tir_floordiv(C, k, I(4)), tir_floormod(C, k, I(4))};
	tir_param ps[2] = {tir_param_buffer(a), tir_param_buffer(b)};
	tir_func *f = tir_func_new(C, "copy", 2, ps,
				   tir_for(C, k, I(0), tir_mul(C, n, I(4)), TIR_FOR_SERIAL,
					   tir_store(C, b, tir_load(C, a, 2, ix), 2, ix)));
	tir_func *g = tir_flatten_buffers(C, f);
	free(show("FlattenBuffers", f, g));
	tir_stmt *st = g->body->u.loop.body;
	assert_ptr_equal(st->u.store.indices[0], k);
	assert_ptr_equal(st->u.store.value->ops[0], k);
}

static void test_flatten_strides_offset_and_alloc(void **state)
{
	/* A strided view (strides [10, 1], offset 3) and a [2, 3] local. */
	tir_expr *shape[2] = {I(2), I(3)}, *strides[2] = {I(10), I(1)};
	tir_buffer *a = tir_buffer_new(C, "A", SB_F32, 2, shape);
	tir_buffer_set_strides(C, a, strides);
	a->elem_offset = I(3);
	tir_buffer *t = tir_buffer_new(C, "T", SB_F32, 2, shape);
	tir_expr *i = ivar("i"), *j = ivar("j"), *ij[2] = {i, j};
	tir_stmt *st = tir_store(C, t, tir_load(C, a, 2, ij), 2, ij);
	tir_stmt *loops = tir_for(C, i, I(0), I(2), TIR_FOR_SERIAL,
				  tir_for(C, j, I(0), I(3), TIR_FOR_SERIAL, st));
	tir_param p = tir_param_buffer(a);
	tir_func *f = tir_func_new(C, "strided", 1, &p, tir_allocate(C, t, loops));
	tir_func *g = tir_flatten_buffers(C, f);
	char *text = show("FlattenBuffers", f, g);
	assert_contains(text, "A: Buffer(float32, [16])"); /* offset 3 + 1 + 1*10 + 2*1 */
	assert_contains(text, "alloc T: Buffer(float32, [6])");
	assert_contains(text, "T[i * 3 + j] = A[i * 10 + j + 3]");
	free(text);
}

/* ---- VectorizeLoops ---- */

static void test_vectorize_contiguous(void **state)
{
	tir_func *f = tir_flatten_buffers(C, scale(8, TIR_FOR_VECTORIZED));
	tir_func *g = tir_vectorize_loops(C, f, 256);
	char *text = show("VectorizeLoops", f, g);
	/* for i { C[ramp(i * 8, 1, 8)] = A[ramp(i * 8, 1, 8)] * broadcast(2.0f, 8) } */
	tir_stmt *st = g->body->u.loop.body;
	assert_int_equal(st->kind, TIR_STMT_BUFFER_STORE);
	tir_expr *ix = st->u.store.indices[0];
	assert_int_equal(ix->kind, TIR_RAMP);
	assert_int_equal(ix->type.lanes, 8);
	assert_true(tir_expr_is_const(ix->ops[1], 1));
	assert_int_equal(st->u.store.value->type.lanes, 8);
	assert_contains(text, "broadcast(2.0f, 8)");
	free(text);
}

static void test_vectorize_splits_wide_loops_and_keeps_others_serial(void **state)
{
	/* 128-bit vectors: 4 float lanes, so extent 8 is 2 steps of 4. */
	tir_func *f = tir_flatten_buffers(C, scale(8, TIR_FOR_VECTORIZED));
	tir_func *g = tir_vectorize_loops(C, f, 128);
	free(show("VectorizeLoops(128)", f, g));
	tir_stmt *outer = g->body->u.loop.body;
	assert_int_equal(outer->kind, TIR_STMT_FOR);
	assert_true(tir_expr_is_const(outer->u.loop.extent, 2));
	assert_int_equal(outer->u.loop.body->u.store.indices[0]->type.lanes, 4);

	/* 13 has no power-of-two divisor: a serial loop, nothing vector. */
	f = tir_flatten_buffers(C, scale(13, TIR_FOR_VECTORIZED));
	g = tir_vectorize_loops(C, f, 256);
	free(show("VectorizeLoops(13)", f, g));
	tir_stmt *inner = g->body->u.loop.body;
	assert_int_equal(inner->kind, TIR_STMT_FOR);
	assert_int_equal(inner->u.loop.kind, TIR_FOR_SERIAL);
	assert_int_equal(inner->u.loop.body->u.store.indices[0]->type.lanes, 1);
}

static void test_vectorize_reduction_into_one_element_stays_serial(void **state)
{
	/* for (j, 0, 8) vectorized { S[0] = S[0] + A[j] } */
	tir_expr *eight = I(8), *one = I(1), *j = ivar("j"), *zero = I(0);
	tir_buffer *a = tir_buffer_new(C, "A", SB_F32, 1, &eight),
		   *s = tir_buffer_new(C, "S", SB_F32, 1, &one);
	tir_param ps[2] = {tir_param_buffer(a), tir_param_buffer(s)};
	tir_func *f = tir_func_new(
	    C, "red", 2, ps,
	    tir_for(C, j, I(0), I(8), TIR_FOR_VECTORIZED,
		    tir_store(C, s, tir_add(C, tir_load(C, s, 1, &zero), tir_load(C, a, 1, &j)), 1,
			      &zero)));
	tir_func *g = tir_vectorize_loops(C, f, 256);
	free(show("VectorizeLoops", f, g));
	assert_int_equal(g->body->kind, TIR_STMT_FOR);
	assert_int_equal(g->body->u.loop.kind, TIR_FOR_SERIAL);
}

/* for (j, 0, 8) vectorized { Y[I[j]] = Y[I[j]] + U[j] }: lanes may hit one
 * element, so the read-modify-write stays serial; a plain scatter
 * Y[I[j]] = U[j] is vectorized (lanes store in order). */
static void test_vectorize_scatter_with_reduction_stays_serial(void **state)
{
	tir_expr *eight = I(8), *n = tir_shape_var(C, "n"), *j = ivar("j");
	tir_buffer *idx = tir_buffer_new(C, "I", SB_I64, 1, &eight),
		   *u = tir_buffer_new(C, "U", SB_F32, 1, &eight),
		   *y = tir_buffer_new(C, "Y", SB_F32, 1, &n);
	tir_expr *k = tir_load(C, idx, 1, &j);
	tir_param ps[3] = {tir_param_buffer(idx), tir_param_buffer(u), tir_param_buffer(y)};
	tir_stmt *rmw =
	    tir_store(C, y, tir_add(C, tir_load(C, y, 1, &k), tir_load(C, u, 1, &j)), 1, &k);
	tir_func *f = tir_func_new(C, "scatter_add", 3, ps,
				   tir_for(C, j, I(0), I(8), TIR_FOR_VECTORIZED, rmw));
	tir_func *g = tir_vectorize_loops(C, f, 256);
	free(show("VectorizeLoops", f, g));
	assert_int_equal(g->body->kind, TIR_STMT_FOR);
	assert_int_equal(g->body->u.loop.kind, TIR_FOR_SERIAL);

	tir_stmt *plain = tir_store(C, y, tir_load(C, u, 1, &j), 1, &k);
	f = tir_func_new(C, "scatter", 3, ps, tir_for(C, j, I(0), I(8), TIR_FOR_VECTORIZED, plain));
	g = tir_vectorize_loops(C, f, 256);
	free(show("VectorizeLoops", f, g));
	/* int64 indices: 256-bit vectors hold 4, so 2 steps of 4 lanes */
	assert_int_equal(g->body->kind, TIR_STMT_FOR);
	tir_stmt *st = g->body->u.loop.body;
	assert_int_equal(st->kind, TIR_STMT_BUFFER_STORE);
	assert_int_equal(st->u.store.indices[0]->kind,
			 TIR_BUFFER_LOAD); /* I[ramp(j_o * 4, 1, 4)] */
	assert_int_equal(st->u.store.indices[0]->type.lanes, 4);
}

/* A split tail's guard, depending on the lane, predicates the stores:
 *   for (o, 0, (n + 7) // 8) for (j, 0, 8) vectorized
 *     if (o < 1000 && o * 8 + j < n) { C[o * 8 + j] = A[o * 8 + j] + 1 }
 * becomes if (o < 1000) { if (ramp(o * 8, 1, 8) < broadcast(n, 8)) {...} }
 * and gives the serial loop's results. */
static void test_vectorize_lane_guard_predicates_stores(void **state)
{
	tir_expr *n = tir_shape_var(C, "n"), *o = ivar("o"), *j = ivar("j");
	tir_buffer *a = tir_buffer_new(C, "A", SB_F32, 1, &n), *c = tir_buffer_new(C, "C", SB_F32, 1, &n);
	tir_expr *i = tir_add(C, tir_mul(C, o, I(8)), j);
	tir_expr *guard = tir_and(C, tir_lt(C, o, I(1000)), tir_lt(C, i, n));
	tir_stmt *st = tir_store(C, c, tir_add(C, tir_load(C, a, 1, &i), tir_f32(C, 1.0)), 1, &i);
	tir_param ps[2] = {tir_param_buffer(a), tir_param_buffer(c)};
	tir_expr *outer = tir_floordiv(C, tir_add(C, n, I(7)), I(8));
	tir_func *f = tir_func_new(
	    C, "tail", 2, ps,
	    tir_for(C, o, I(0), outer, TIR_FOR_SERIAL,
		    tir_for(C, j, I(0), I(8), TIR_FOR_VECTORIZED, tir_if(C, guard, st, NULL))));
	tir_func *g = tir_vectorize_loops(C, f, 256);
	assert_int_equal(tir_func_verify(g), SB_OK);
	char *text = show("VectorizeLoops", f, g);
	assert_contains(text, "if (o < 1000) {");
	assert_contains(text, "if (ramp(o * 8, 1, 8) < broadcast(n, 8)) {");
	assert_contains(text, "C[ramp(o * 8, 1, 8)] = A[ramp(o * 8, 1, 8)] + broadcast(1.0f, 8)");
	free(text);
	/* The interpreter runs only the lanes the mask sets (it would report
	 * the load past A's end otherwise). */
	for (int64_t len = 1; len <= 17; len += 4) {
		sb_tensor *t[2] = {sb_tensor_new(SB_F32, 1, &len), sb_tensor_new(SB_F32, 1, &len)};
		for (int64_t k = 0; k < len; k++)
			sb_tensor_set_f64(t[0], k, k * 0.25 - 1);
		if (tir_eval_tensors(g, t, 2))
			fail_msg("%s", sb_last_error());
		for (int64_t k = 0; k < len; k++)
			assert_float_equal(sb_tensor_get_f64(t[1], k), k * 0.25, 1e-6);
		sb_tensor_release(t[0]);
		sb_tensor_release(t[1]);
	}
	/* Not predicated: an else branch, or a per-lane if around a loop. */
	tir_func *h = tir_func_new(
	    C, "tail_else", 2, ps,
	    tir_for(C, o, I(0), outer, TIR_FOR_SERIAL,
		    tir_for(C, j, I(0), I(8), TIR_FOR_VECTORIZED, tir_if(C, guard, st, st))));
	tir_func *hv = tir_vectorize_loops(C, h, 256);
	text = show("VectorizeLoops", h, hv);
	assert_null(strstr(text, "ramp("));
	free(text);
}

/* A vector if condition over anything but stores is rejected by the verifier. */
static void test_verify_lane_if_holds_stores_only(void **state)
{
	tir_expr *n = tir_shape_var(C, "n"), *k = ivar("k");
	tir_buffer *c = tir_buffer_new(C, "C", SB_F32, 1, &n);
	tir_expr *r = tir_ramp(C, I(0), I(1), 8);
	tir_expr *mask = tir_lt(C, r, tir_broadcast(C, n, 8));
	tir_stmt *vst = tir_store(C, c, tir_broadcast(C, tir_f32(C, 1.0), 8), 1, &r);
	tir_param ps[1] = {tir_param_buffer(c)};
	tir_func *ok = tir_func_new(C, "ok", 1, ps, tir_if(C, mask, vst, NULL));
	assert_int_equal(tir_func_verify(ok), SB_OK);
	tir_func *bad = tir_func_new(C, "bad", 1, ps,
				     tir_if(C, mask, tir_for(C, k, I(0), I(2), TIR_FOR_SERIAL, vst), NULL));
	assert_int_not_equal(tir_func_verify(bad), SB_OK);
	assert_contains(sb_last_error(), "may only hold stores");
	sb_clear_error();
}

/* An init under r == 0 inside the vector loop stays an if of vector stores. */
static void test_vectorize_keeps_uniform_if(void **state)
{
	tir_expr *n = tir_shape_var(C, "n"), *r = ivar("r"), *j = ivar("j");
	tir_expr *shape[2] = {n, I(8)};
	tir_buffer *a = tir_buffer_new(C, "A", SB_F32, 2, shape),
		   *o = tir_buffer_new(C, "O", SB_F32, 1, &shape[1]);
	tir_expr *rj[2] = {r, j};
	tir_stmt *both[2] = {
	    tir_if(C, tir_eq(C, r, I(0)), tir_store(C, o, tir_f32(C, 0.0), 1, &j), NULL),
	    tir_store(C, o, tir_add(C, tir_load(C, o, 1, &j), tir_load(C, a, 2, rj)), 1, &j)};
	tir_param ps[2] = {tir_param_buffer(a), tir_param_buffer(o)};
	tir_func *f = tir_func_new(
	    C, "colsum", 2, ps,
	    tir_for(C, r, I(0), n, TIR_FOR_SERIAL,
		    tir_for(C, j, I(0), I(8), TIR_FOR_VECTORIZED, tir_seq(C, 2, both))));
	tir_func *g = tir_vectorize_loops(C, tir_flatten_buffers(C, f), 256);
	char *text = show("VectorizeLoops", f, g);
	assert_contains(text, "if (r == 0) {");
	assert_contains(text, "O[ramp(0, 1, 8)] = broadcast(0.0f, 8)");
	free(text);
	/* Same results as the serial loop, through the interpreter (the
	 * unflattened version: the interpreter binds n from A's shape). */
	tir_func *v = tir_vectorize_loops(C, f, 256);
	int64_t as[2] = {5, 8}, os = 8;
	sb_tensor *t1[2] = {sb_tensor_new(SB_F32, 2, as), sb_tensor_new(SB_F32, 1, &os)};
	sb_tensor *t2[2] = {t1[0], sb_tensor_new(SB_F32, 1, &os)};
	for (int k = 0; k < 40; k++)
		sb_tensor_set_f64(t1[0], k, k * 0.5 - 7);
	assert_int_equal(tir_eval_tensors(f, t1, 2), SB_OK);
	if (tir_eval_tensors(v, t2, 2))
		fail_msg("%s", sb_last_error());
	assert_memory_equal(sb_tensor_data(t1[1]), sb_tensor_data(t2[1]), 8 * sizeof(float));
	sb_tensor_release(t1[0]);
	sb_tensor_release(t1[1]);
	sb_tensor_release(t2[1]);
}

/* ---- OutlineParallel ---- */

static void test_outline_parallel_rows(void **state)
{
	tir_func *f = tir_flatten_buffers(C, tir_lower_blocks(C, rowsum(TIR_FOR_PARALLEL)));
	int nc;
	tir_closure *cs;
	tir_func *g = tir_outline_parallel(C, f, &nc, &cs);
	char *text = show("OutlineParallel", f, g);
	free(text);
	assert_int_equal(nc, 1);
	char *ct = tir_func_to_string(cs[0].func);
	print_message("---- closure ----\n%s\n", ct);
	assert_int_equal(tir_func_verify(cs[0].func), SB_OK);
	/* begin, end, then the scalars the body uses (n), then the buffers */
	const tir_func *c = cs[0].func;
	assert_string_equal(c->name, "rowsum_par0");
	assert_int_equal(c->nparams, 5);
	assert_ptr_equal(c->params[2].var, tir_shape_var(C, "n"));
	assert_int_equal(cs[0].ncaptures, 3);
	assert_ptr_equal(c->params[3].buffer, g->params[1].buffer); /* S, stored first */
	assert_ptr_equal(c->params[4].buffer, g->params[0].buffer); /* A */
	assert_contains(ct, "for (i, begin, end - begin) {");
	free(ct);
	/* The main function keeps the loop as the launch site. */
	assert_ptr_equal(cs[0].loop, g->body);
	assert_int_equal(g->body->u.loop.kind, TIR_FOR_PARALLEL);
}

static void test_outline_nested_and_failing(void **state)
{
	/* for (i) parallel { for (j) parallel { B[i, j] = 1 } } ; for (k) parallel { assert; } */
	tir_expr *n = tir_shape_var(C, "n"), *i = ivar("i"), *j = ivar("j"), *k = ivar("k");
	tir_expr *shape[2] = {n, n}, *ij[2] = {i, j};
	tir_buffer *b = tir_buffer_new(C, "B", SB_F32, 2, shape);
	tir_stmt *nest = tir_for(
	    C, i, I(0), n, TIR_FOR_PARALLEL,
	    tir_for(C, j, I(0), n, TIR_FOR_PARALLEL, tir_store(C, b, tir_f32(C, 1.0), 2, ij)));
	tir_stmt *checked = tir_for(C, k, I(0), n, TIR_FOR_PARALLEL,
				    tir_assert(C, tir_lt(C, k, I(100)), "k < 100"));
	tir_param p = tir_param_buffer(b);
	tir_func *f = tir_func_new(C, "nest", 1, &p, tir_seq(C, 2, (tir_stmt *[]){nest, checked}));
	int nc;
	tir_closure *cs;
	tir_func *g = tir_outline_parallel(C, f, &nc, &cs);
	free(show("OutlineParallel", f, g));
	assert_int_equal(nc, 1);
	char *ct = tir_func_to_string(cs[0].func);
	print_message("---- closure ----\n%s\n", ct);
	assert_null(strstr(ct, "parallel")); /* the inner loop became serial */
	free(ct);
	tir_stmt *second = g->body->u.seq.stmts[1];
	assert_int_equal(second->u.loop.kind, TIR_FOR_SERIAL); /* not outlined */
}

/* ---- The pipeline ---- */

static void test_lower_pipeline(void **state)
{
	tir_lower_options o = {.vector_bits = 256};
	tir_lowered *l;
	assert_int_equal(tir_lower(C, scale(8, TIR_FOR_VECTORIZED), &o, &l), SB_OK);
	char *text = tir_lowered_to_string(l);
	print_message("%s\n", text);
	assert_contains(text, "C[ramp(i * 8, 1, 8)] = A[ramp(i * 8, 1, 8)] * broadcast(2.0f, 8)");
	free(text);
	assert_int_equal(l->nclosures, 0);
	assert_ptr_equal(l->func->params[0].var, l->source->params[0].var);

	/* LowerBlocks keeps meaning: the reduction through the interpreter. */
	tir_func *f = rowsum(TIR_FOR_SERIAL), *g = tir_lower_blocks(C, f);
	int64_t as[2] = {3, 5}, ss = 3;
	sb_tensor *a = sb_tensor_new(SB_F32, 2, as), *s1 = sb_tensor_new(SB_F32, 1, &ss),
		  *s2 = sb_tensor_new(SB_F32, 1, &ss);
	for (int k = 0; k < 15; k++)
		sb_tensor_set_f64(a, k, k - 4);
	sb_tensor *t1[2] = {a, s1}, *t2[2] = {a, s2};
	assert_int_equal(tir_eval_tensors(f, t1, 2), SB_OK);
	assert_int_equal(tir_eval_tensors(g, t2, 2), SB_OK);
	assert_memory_equal(sb_tensor_data(s1), sb_tensor_data(s2), 3 * sizeof(float));
	assert_true(((float *)sb_tensor_data(s1))[1] == 5 + 6 + 7 + 8 + 9 - 20);
	sb_tensor_release(a);
	sb_tensor_release(s1);
	sb_tensor_release(s2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_lower_blocks_reduction, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lower_blocks_predicate_alloc_and_spatial_init,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flatten_row_major_symbolic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flatten_fused_index_folds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flatten_strides_offset_and_alloc, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vectorize_contiguous, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_vectorize_splits_wide_loops_and_keeps_others_serial, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vectorize_reduction_into_one_element_stays_serial,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vectorize_scatter_with_reduction_stays_serial,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vectorize_keeps_uniform_if, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vectorize_lane_guard_predicates_stores, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_verify_lane_if_holds_stores_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outline_parallel_rows, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_outline_nested_and_failing, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lower_pipeline, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
