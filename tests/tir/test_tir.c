/* tir construction, hash-consing, the printer's text form, the rewriter
 * and the well-formedness checker. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "tir/tir.h"

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

static tir_expr *ivar(const char *name)
{
	return tir_var(C, name, TIR_INDEX_TYPE);
}
static tir_expr *fvar(const char *name)
{
	return tir_var(C, name, tir_type_scalar(SB_F32));
}
#define I(v) tir_int(C, (v))

#define assert_prints(e, want) assert_prints_((e), (want), __FILE__, __LINE__)
static void assert_prints_(const tir_expr *e, const char *want, const char *file, int line)
{
	char *got = tir_expr_to_string(e);
	if (strcmp(got, want)) {
		print_error("printed '%s', want '%s'\n", got, want);
		free(got);
		_fail(file, line);
	}
	free(got);
}

#define assert_contains(s, sub) assert_contains_((s), (sub), __FILE__, __LINE__)
static void assert_contains_(const char *s, const char *sub, const char *file, int line)
{
	if (!strstr(s, sub)) {
		print_error("'%s' does not contain '%s'\n", s, sub);
		_fail(file, line);
	}
}

/* ---- Construction and hash-consing ---- */

static void test_hash_consing_same_node(void **state)
{
	tir_expr *a = ivar("a"), *b = ivar("b");
	assert_ptr_equal(tir_add(C, a, b), tir_add(C, a, b));
	assert_ptr_equal(tir_mul(C, tir_add(C, a, I(1)), b), tir_mul(C, tir_add(C, a, I(1)), b));
	assert_ptr_equal(I(42), I(42));
	assert_ptr_not_equal(tir_add(C, a, b), tir_add(C, b, a)); /* structure, not algebra */
	assert_ptr_not_equal(tir_sub(C, a, b), tir_add(C, a, b));
}

static void test_vars_are_identities(void **state)
{
	tir_expr *x1 = ivar("x"), *x2 = ivar("x");
	assert_ptr_not_equal(x1, x2);
	assert_ptr_equal(x1->u.var.name, x2->u.var.name); /* names are interned */
	assert_ptr_not_equal(tir_add(C, x1, I(1)), tir_add(C, x2, I(1)));
}

static void test_shape_vars_interned_by_name(void **state)
{
	tir_expr *n1 = tir_shape_var(C, "n"), *n2 = tir_shape_var(C, "n"),
		 *m = tir_shape_var(C, "m");
	assert_ptr_equal(n1, n2);
	assert_ptr_not_equal(n1, m);
	assert_true(n1->u.var.is_shape);
	assert_true(tir_type_equal(n1->type, TIR_INDEX_TYPE));
	assert_false(ivar("n")->u.var.is_shape);
}

static void test_constants_keyed_by_type_and_value(void **state)
{
	tir_expr *a = tir_imm_int(C, tir_type_scalar(SB_I32), 5);
	assert_ptr_not_equal(a, I(5));
	assert_ptr_equal(a, tir_imm_int(C, tir_type_scalar(SB_I32), 5));
	assert_ptr_not_equal(tir_f32(C, 0.0), tir_f32(C, -0.0));
	assert_ptr_equal(tir_f32(C, 1.5), tir_f32(C, 1.5));
	assert_int_equal(tir_bool(C, true)->u.int_value, 1);
	assert_int_equal(tir_imm_int(C, TIR_BOOL_TYPE, 7)->u.int_value, 1);
}

static void test_result_types(void **state)
{
	tir_expr *a = ivar("a"), *f = fvar("f");
	assert_true(tir_type_equal(tir_add(C, a, I(1))->type, TIR_INDEX_TYPE));
	assert_true(tir_type_equal(tir_lt(C, a, I(1))->type, TIR_BOOL_TYPE));
	assert_true(tir_type_equal(tir_cast(C, tir_type_scalar(SB_F32), a)->type, f->type));
	tir_expr *r = tir_ramp(C, a, I(1), 4);
	assert_int_equal(r->type.lanes, 4);
	assert_int_equal(r->type.dtype, SB_I64);
	tir_expr *cmp = tir_lt(C, r, tir_broadcast(C, I(8), 4));
	assert_int_equal(cmp->type.dtype, SB_BOOL);
	assert_int_equal(cmp->type.lanes, 4);
	tir_expr *isn = tir_call(C, TIR_INTRIN_ISNAN, 1, &f);
	assert_true(tir_type_equal(isn->type, TIR_BOOL_TYPE));
}

static void test_vector_load_type(void **state)
{
	tir_expr *n = tir_shape_var(C, "n");
	tir_buffer *A = tir_buffer_new(C, "A", SB_F32, 1, &n);
	tir_expr *idx = tir_ramp(C, I(0), I(1), 8);
	tir_expr *ld = tir_load(C, A, 1, &idx);
	assert_int_equal(ld->type.dtype, SB_F32);
	assert_int_equal(ld->type.lanes, 8);
	sb_strbuf b = {0};
	tir_type_print(&b, ld->type);
	assert_string_equal(b.data, "float32x8");
	sb_strbuf_free(&b);
}

static void test_tables_consistent(void **state)
{
	for (int i = 0; i < TIR_EXPR_KIND_COUNT; i++)
		assert_int_equal(tir_expr_table[i].kind, i);
	for (int i = 0; i < TIR_INTRIN_COUNT; i++) {
		assert_int_equal(tir_intrin_table[i].intrin, i);
		assert_int_equal(tir_intrin_lookup(tir_intrin_table[i].name), i);
	}
	assert_int_equal(tir_intrin_lookup("exp"), TIR_INTRIN_EXP);
	assert_int_equal(tir_intrin_lookup("no_such_fn"), TIR_INTRIN_COUNT);
	assert_int_equal(tir_expr_table[TIR_ADD].arity, 2);
	assert_true(tir_expr_table[TIR_ADD].flags & TIR_EF_COMMUTATIVE);
	assert_false(tir_expr_table[TIR_SUB].flags & TIR_EF_COMMUTATIVE);
	assert_int_equal(tir_intrin_table[TIR_INTRIN_POW].nargs, 2);
}

static void test_compare_total_order(void **state)
{
	tir_expr *a = ivar("a"), *b = ivar("b");
	assert_int_equal(tir_expr_compare(a, a), 0);
	assert_true(tir_expr_compare(a, b) < 0); /* creation order */
	assert_true(tir_expr_compare(b, a) > 0);
	assert_true(tir_expr_compare(I(2), I(3)) < 0);
	tir_expr *x = tir_add(C, a, I(1)), *y = tir_add(C, a, I(2));
	assert_true(tir_expr_compare(x, y) < 0);
	assert_true(tir_expr_compare(y, x) > 0);
}

static void test_uses_var(void **state)
{
	tir_expr *a = ivar("a"), *b = ivar("b"), *c = ivar("c");
	tir_expr *e = tir_min(C, tir_mul(C, a, b), I(3));
	assert_true(tir_expr_uses_var(e, a));
	assert_true(tir_expr_uses_var(e, b));
	assert_false(tir_expr_uses_var(e, c));
}

static void test_substitute(void **state)
{
	tir_expr *i = ivar("i"), *j = ivar("j"), *n = tir_shape_var(C, "n");
	tir_expr *e = tir_add(C, tir_mul(C, i, I(4)), j);
	tir_expr *vars[] = {i}, *vals[] = {tir_floordiv(C, j, I(2))};
	tir_expr *r = tir_substitute(C, e, 1, vars, vals);
	assert_ptr_equal(r, tir_add(C, tir_mul(C, tir_floordiv(C, j, I(2)), I(4)), j));
	/* nothing to replace: the very same node back */
	tir_expr *vars2[] = {n}, *vals2[] = {I(1)};
	assert_ptr_equal(tir_substitute(C, e, 1, vars2, vals2), e);
}

static tir_expr *double_consts(tir_ctx *ctx, tir_expr *e, void *env)
{
	int *count = env;
	if (e->kind != TIR_INT_IMM)
		return NULL;
	(*count)++;
	return tir_int(ctx, e->u.int_value * 2);
}

static void test_rewrite_visits_shared_once(void **state)
{
	tir_expr *x = ivar("x");
	tir_expr *s = tir_add(C, x, I(3));
	tir_expr *e = tir_mul(C, s, s); /* s shared */
	int count = 0;
	tir_expr *r = tir_expr_rewrite(C, e, double_consts, &count);
	assert_int_equal(count, 1);
	tir_expr *s6 = tir_add(C, x, I(6));
	assert_ptr_equal(r, tir_mul(C, s6, s6));
}

static void test_seq_flattens(void **state)
{
	tir_expr *x = ivar("x");
	tir_stmt *e1 = tir_evaluate(C, x), *e2 = tir_evaluate(C, I(1)), *e3 = tir_evaluate(C, I(2));
	tir_stmt *inner[] = {e1, NULL, e2};
	tir_stmt *outer[] = {tir_seq(C, 3, inner), e3};
	tir_stmt *s = tir_seq(C, 2, outer);
	assert_int_equal(s->u.seq.n, 3);
	assert_ptr_equal(s->u.seq.stmts[0], e1);
	assert_ptr_equal(s->u.seq.stmts[2], e3);
}

/* ---- Printer: expressions ---- */

static void test_print_precedence(void **state)
{
	tir_expr *a = ivar("a"), *b = ivar("b"), *c = ivar("c");
	assert_prints(tir_mul(C, tir_add(C, a, b), c), "(a + b) * c");
	assert_prints(tir_add(C, a, tir_mul(C, b, c)), "a + b * c");
	assert_prints(tir_sub(C, a, tir_sub(C, b, c)), "a - (b - c)");
	assert_prints(tir_sub(C, tir_sub(C, a, b), c), "a - b - c");
	assert_prints(tir_floordiv(C, tir_mul(C, a, b), c), "a * b // c");
	assert_prints(tir_floordiv(C, a, tir_mul(C, b, c)), "a // (b * c)");
	assert_prints(tir_add(C, tir_floormod(C, a, I(4)), I(1)), "a % 4 + 1");
	assert_prints(tir_floormod(C, tir_add(C, a, I(1)), I(4)), "(a + 1) % 4");
}

static void test_print_division_kinds(void **state)
{
	tir_expr *a = ivar("a"), *b = ivar("b"), *f = fvar("f"), *g = fvar("g");
	assert_prints(tir_floordiv(C, a, b), "a // b");
	assert_prints(tir_floormod(C, a, b), "a % b");
	assert_prints(tir_div(C, a, b), "truncdiv(a, b)");
	assert_prints(tir_mod(C, a, b), "truncmod(a, b)");
	assert_prints(tir_div(C, f, g), "f / g");
	assert_prints(tir_add(C, tir_div(C, a, b), I(1)), "truncdiv(a, b) + 1");
}

static void test_print_calls_and_logic(void **state)
{
	tir_expr *a = ivar("a"), *b = ivar("b"), *f = fvar("f");
	assert_prints(tir_min(C, a, tir_max(C, b, I(0))), "min(a, max(b, 0))");
	assert_prints(tir_select(C, tir_lt(C, a, b), a, b), "select(a < b, a, b)");
	assert_prints(
	    tir_and(C, tir_lt(C, a, b), tir_or(C, tir_eq(C, a, I(0)), tir_ne(C, b, I(1)))),
	    "a < b && (a == 0 || b != 1)");
	assert_prints(tir_not(C, tir_le(C, a, b)), "!(a <= b)");
	assert_prints(tir_eq(C, tir_lt(C, a, b), tir_bool(C, true)), "(a < b) == true");
	assert_prints(tir_call(C, TIR_INTRIN_EXP, 1, &f), "exp(f)");
	tir_expr *args[] = {f, tir_f32(C, 2.0)};
	assert_prints(tir_call(C, TIR_INTRIN_POW, 2, args), "pow(f, 2.0f)");
	assert_prints(tir_cast(C, tir_type_scalar(SB_F32), a), "float32(a)");
	assert_prints(tir_ge(C, tir_gt(C, a, b), tir_bool(C, false)), "(a > b) >= false");
}

static void test_print_constants(void **state)
{
	assert_prints(I(-7), "-7");
	assert_prints(tir_imm_int(C, tir_type_scalar(SB_I32), 5), "int32(5)");
	assert_prints(tir_bool(C, true), "true");
	assert_prints(tir_f32(C, 1.5), "1.5f");
	assert_prints(tir_f32(C, 2.0), "2.0f");
	assert_prints(tir_imm_float(C, tir_type_scalar(SB_F64), 2.5), "2.5");
	assert_prints(tir_imm_float(C, tir_type_scalar(SB_F16), 1.0), "float16(1.0)");
	assert_prints(tir_mul(C, ivar("x"), I(-1)), "x * -1");
}

static void test_print_vectors(void **state)
{
	tir_expr *i = ivar("i");
	assert_prints(tir_ramp(C, tir_mul(C, i, I(4)), I(1), 4), "ramp(i * 4, 1, 4)");
	assert_prints(tir_broadcast(C, tir_f32(C, 0.5), 8), "broadcast(0.5f, 8)");
}

static void test_print_same_names_disambiguated(void **state)
{
	tir_expr *i1 = ivar("i"), *i2 = ivar("i");
	assert_prints(tir_add(C, i1, tir_mul(C, i2, i1)), "i + i_1 * i");
}

/* ---- Printer and verifier: functions ---- */

typedef struct fn_add {
	tir_expr *n, *i, *j;
	tir_buffer *A, *B, *Out;
	tir_func *f;
} fn_add;

/* Out[i, j] = A[i, j] + B[i, j] over [n, 4]. */
static void build_add(fn_add *k)
{
	k->n = tir_shape_var(C, "n");
	tir_expr *shape[] = {k->n, I(4)};
	k->A = tir_buffer_new(C, "A", SB_F32, 2, shape);
	k->B = tir_buffer_new(C, "B", SB_F32, 2, shape);
	k->Out = tir_buffer_new(C, "C", SB_F32, 2, shape);
	k->i = ivar("i");
	k->j = ivar("j");
	tir_expr *idx[] = {k->i, k->j};
	tir_expr *sum = tir_add(C, tir_load(C, k->A, 2, idx), tir_load(C, k->B, 2, idx));
	tir_stmt *st = tir_store(C, k->Out, sum, 2, idx);
	tir_stmt *inner = tir_for(C, k->j, I(0), I(4), TIR_FOR_VECTORIZED, st);
	tir_stmt *outer = tir_for(C, k->i, I(0), k->n, TIR_FOR_PARALLEL, inner);
	tir_param params[] = {tir_param_buffer(k->A), tir_param_buffer(k->B),
			      tir_param_buffer(k->Out)};
	k->f = tir_func_new(C, "add", 3, params, outer);
}

static void test_print_func_add(void **state)
{
	fn_add k;
	build_add(&k);
	char *s = tir_func_to_string(k.f);
	assert_string_equal(s, "@func add(A: Buffer(float32, [n, 4]), B: Buffer(float32, [n, 4]), "
			       "C: Buffer(float32, [n, 4])) {\n"
			       "  for (i, 0, n) parallel {\n"
			       "    for (j, 0, 4) vectorized {\n"
			       "      C[i, j] = A[i, j] + B[i, j]\n"
			       "    }\n"
			       "  }\n"
			       "}\n");
	free(s);
	assert_int_equal(tir_func_verify(k.f), SB_OK);
}

typedef struct fn_matmul {
	tir_expr *m, *n, *k;
	tir_buffer *A, *B, *Out;
	tir_func *f;
	tir_block *blk;
} fn_matmul;

static void build_matmul(fn_matmul *mm)
{
	mm->m = tir_shape_var(C, "m");
	mm->n = tir_shape_var(C, "n");
	mm->k = tir_shape_var(C, "k");
	tir_expr *sa[] = {mm->m, mm->k}, *sb[] = {mm->k, mm->n}, *sc[] = {mm->m, mm->n};
	mm->A = tir_buffer_new(C, "A", SB_F32, 2, sa);
	mm->B = tir_buffer_new(C, "B", SB_F32, 2, sb);
	mm->Out = tir_buffer_new(C, "C", SB_F32, 2, sc);
	tir_expr *i = ivar("i"), *j = ivar("j"), *r = ivar("r");
	tir_expr *vi = ivar("vi"), *vj = ivar("vj"), *vk = ivar("vk");
	tir_iter_var iters[] = {
	    {vi, {I(0), mm->m}, TIR_ITER_SPATIAL},
	    {vj, {I(0), mm->n}, TIR_ITER_SPATIAL},
	    {vk, {I(0), mm->k}, TIR_ITER_REDUCE},
	};
	tir_expr *cij[] = {vi, vj}, *aik[] = {vi, vk}, *bkj[] = {vk, vj};
	tir_expr *acc = tir_add(C, tir_load(C, mm->Out, 2, cij),
				tir_mul(C, tir_load(C, mm->A, 2, aik), tir_load(C, mm->B, 2, bkj)));
	tir_stmt *body = tir_store(C, mm->Out, acc, 2, cij);
	mm->blk = tir_block_new(C, "C", 3, iters, body);
	mm->blk->init = tir_store(C, mm->Out, tir_f32(C, 0.0), 2, cij);
	tir_range ra[] = {{vi, I(1)}, {vk, I(1)}}, rb[] = {{vk, I(1)}, {vj, I(1)}},
		  rc[] = {{vi, I(1)}, {vj, I(1)}};
	tir_block_add_read(C, mm->blk, mm->A, ra);
	tir_block_add_read(C, mm->blk, mm->B, rb);
	tir_block_add_write(C, mm->blk, mm->Out, rc);
	tir_expr *vals[] = {i, j, r};
	tir_stmt *s = tir_block_realize(C, mm->blk, vals, NULL);
	s = tir_for(C, r, I(0), mm->k, TIR_FOR_SERIAL, s);
	s = tir_for(C, j, I(0), mm->n, TIR_FOR_SERIAL, s);
	s = tir_for(C, i, I(0), mm->m, TIR_FOR_SERIAL, s);
	tir_param params[] = {tir_param_buffer(mm->A), tir_param_buffer(mm->B),
			      tir_param_buffer(mm->Out)};
	mm->f = tir_func_new(C, "matmul", 3, params, s);
}

static void test_print_func_matmul_block(void **state)
{
	fn_matmul mm;
	build_matmul(&mm);
	char *s = tir_func_to_string(mm.f);
	assert_string_equal(s,
			    "@func matmul(A: Buffer(float32, [m, k]), B: Buffer(float32, [k, n]), "
			    "C: Buffer(float32, [m, n])) {\n"
			    "  for (i, 0, m) {\n"
			    "    for (j, 0, n) {\n"
			    "      for (r, 0, k) {\n"
			    "        block C(vi: spatial(0, m) = i, vj: spatial(0, n) = j, vk: "
			    "reduce(0, k) = r) {\n"
			    "          reads(A[vi, vk], B[vk, vj])\n"
			    "          writes(C[vi, vj])\n"
			    "          init {\n"
			    "            C[vi, vj] = 0.0f\n"
			    "          }\n"
			    "          C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj]\n"
			    "        }\n"
			    "      }\n"
			    "    }\n"
			    "  }\n"
			    "}\n");
	free(s);
	assert_int_equal(tir_func_verify(mm.f), SB_OK);
}

static void test_print_regions_and_predicate(void **state)
{
	tir_expr *n = tir_shape_var(C, "n");
	tir_buffer *A = tir_buffer_new(C, "A", SB_F32, 1, &n);
	tir_expr *vi = ivar("vi"), *i = ivar("i");
	tir_iter_var it = {vi, {I(0), n}, TIR_ITER_SPATIAL};
	tir_stmt *body = tir_evaluate(C, I(0));
	tir_block *blk = tir_block_new(C, "b", 1, &it, body);
	tir_range whole = {I(0), n}, tail = {vi, I(4)};
	tir_block_add_read(C, blk, A, &whole);
	tir_block_add_write(C, blk, A, &tail);
	tir_stmt *s = tir_block_realize(C, blk, &i, tir_lt(C, i, n));
	char *txt = tir_stmt_to_string(s);
	assert_string_equal(txt, "block b(vi: spatial(0, n) = i) where (i < n) {\n"
				 "  reads(A[0:n])\n"
				 "  writes(A[vi:vi + 4])\n"
				 "  evaluate(0)\n"
				 "}\n");
	free(txt);
}

static void test_print_stmts_misc(void **state)
{
	tir_expr *n = tir_shape_var(C, "n"), *x = ivar("x");
	tir_expr *four = I(4);
	tir_buffer *T = tir_buffer_new(C, "T", SB_F32, 1, &four);
	T->scope = tir_intern(C, "local");
	tir_expr *zero = I(0);
	tir_stmt *st = tir_store(C, T, tir_f32(C, 1.0), 1, &zero);
	tir_stmt *ifs = tir_if(C, tir_gt(C, x, I(0)), st, tir_evaluate(C, x));
	tir_stmt *let = tir_let(C, x, tir_mul(C, n, I(2)), ifs);
	tir_stmt *parts[] = {tir_assert(C, tir_ge(C, n, I(1)), "n must be \"positive\""),
			     tir_allocate(C, T, let)};
	char *txt = tir_stmt_to_string(tir_seq(C, 2, parts));
	assert_string_equal(txt, "assert(n >= 1, \"n must be \\\"positive\\\"\")\n"
				 "alloc T: Buffer(float32, [4], scope=\"local\") {\n"
				 "  let x: int64 = n * 2\n"
				 "  if (x > 0) {\n"
				 "    T[0] = 1.0f\n"
				 "  } else {\n"
				 "    evaluate(x)\n"
				 "  }\n"
				 "}\n");
	free(txt);
}

static void test_print_params_scalar_and_strides(void **state)
{
	tir_expr *n = tir_shape_var(C, "n"), *alpha = fvar("alpha");
	tir_expr *shape[] = {n, I(8)}, *strides[] = {I(16), I(1)};
	tir_buffer *A = tir_buffer_new(C, "A", SB_F16, 2, shape);
	tir_buffer_set_strides(C, A, strides);
	tir_param params[] = {tir_param_buffer(A), tir_param_scalar(alpha)};
	tir_func *f = tir_func_new(C, "scale", 2, params, tir_evaluate(C, alpha));
	tir_func_set_attr_int(C, f, "tir.noalias", 1);
	char *s = tir_func_to_string(f);
	assert_string_equal(
	    s, "@func scale(A: Buffer(float16, [n, 8], strides=[16, 1]), alpha: float32)"
	       " attrs {tir.noalias: 1} {\n"
	       "  evaluate(alpha)\n"
	       "}\n");
	free(s);
	assert_int_equal(tir_func_verify(f), SB_OK);
	assert_int_equal(tir_func_get_attr(f, "tir.noalias")->value, 1);
	assert_string_equal(tir_func_get_attr(f, "global_symbol")->str, "scale");
	assert_null(tir_func_get_attr(f, "missing"));
}

/* ---- Verifier errors ---- */

static tir_func *func_of(tir_stmt *body, int nbuf, tir_buffer **bufs)
{
	tir_param params[8];
	for (int i = 0; i < nbuf; i++)
		params[i] = tir_param_buffer(bufs[i]);
	return tir_func_new(C, "f", nbuf, params, body);
}

static void assert_verify_fails(tir_func *f, const char *what)
{
	sb_clear_error();
	assert_int_equal(tir_func_verify(f), SB_ERR_INVALID);
	assert_contains(sb_last_error(), "tir verify @f");
	assert_contains(sb_last_error(), what);
}

static void test_verify_var_before_definition(void **state)
{
	tir_expr *n = tir_shape_var(C, "n"), *i = ivar("i"), *j = ivar("j");
	tir_buffer *A = tir_buffer_new(C, "A", SB_F32, 1, &n);
	tir_stmt *st = tir_store(C, A, tir_f32(C, 0.0), 1, &j); /* j never defined */
	tir_func *f = func_of(tir_for(C, i, I(0), n, TIR_FOR_SERIAL, st), 1, &A);
	assert_verify_fails(f, "variable 'j' is used outside the scope");
}

static void test_verify_var_after_its_scope(void **state)
{
	tir_expr *n = tir_shape_var(C, "n"), *i = ivar("i");
	tir_buffer *A = tir_buffer_new(C, "A", SB_F32, 1, &n);
	tir_stmt *loop = tir_for(C, i, I(0), n, TIR_FOR_SERIAL, tir_evaluate(C, i));
	tir_stmt *after = tir_store(C, A, tir_f32(C, 0.0), 1, &i); /* i out of scope */
	tir_stmt *parts[] = {loop, after};
	assert_verify_fails(func_of(tir_seq(C, 2, parts), 1, &A), "variable 'i'");
}

static void test_verify_loop_var_twice(void **state)
{
	tir_expr *n = tir_shape_var(C, "n"), *i = ivar("i");
	tir_buffer *A = tir_buffer_new(C, "A", SB_F32, 1, &n);
	tir_stmt *l1 = tir_for(C, i, I(0), n, TIR_FOR_SERIAL, tir_evaluate(C, i));
	tir_stmt *l2 = tir_for(C, i, I(0), n, TIR_FOR_SERIAL, tir_evaluate(C, i));
	tir_stmt *parts[] = {l1, l2};
	assert_verify_fails(func_of(tir_seq(C, 2, parts), 1, &A), "'i' is defined twice");
}

static void test_verify_store_rank(void **state)
{
	tir_expr *n = tir_shape_var(C, "n"), *shape[] = {n, I(4)};
	tir_buffer *A = tir_buffer_new(C, "A", SB_F32, 2, shape);
	tir_expr *zero = I(0);
	tir_stmt *st = tir_store(C, A, tir_f32(C, 0.0), 1, &zero);
	assert_verify_fails(func_of(st, 1, &A),
			    "store to 'A' has 1 indices but the buffer has rank 2");
}

static void test_verify_load_rank(void **state)
{
	tir_expr *n = tir_shape_var(C, "n");
	tir_buffer *A = tir_buffer_new(C, "A", SB_F32, 1, &n);
	tir_expr *idx[] = {I(0), I(0)};
	tir_func *f = func_of(tir_evaluate(C, tir_load(C, A, 2, idx)), 1, &A);
	assert_verify_fails(f, "has 2 indices but buffer 'A' has rank 1");
}

static void test_verify_operand_dtypes(void **state)
{
	tir_expr *n = tir_shape_var(C, "n"), *zero = I(0);
	tir_buffer *A = tir_buffer_new(C, "A", SB_F32, 1, &n);
	tir_expr *bad = tir_add(C, tir_load(C, A, 1, &zero), I(1)); /* float32 + int64 */
	tir_func *f = func_of(tir_store(C, A, bad, 1, &zero), 1, &A);
	assert_verify_fails(f, "operands have different dtypes");
	assert_contains(sb_last_error(), "float32, int64");
}

static void test_verify_store_value_dtype(void **state)
{
	tir_expr *n = tir_shape_var(C, "n"), *zero = I(0);
	tir_buffer *A = tir_buffer_new(C, "A", SB_F32, 1, &n);
	tir_func *f = func_of(tir_store(C, A, I(1), 1, &zero), 1, &A);
	assert_verify_fails(f, "value stored '1' is int64 instead of float32");
}

static void test_verify_condition_not_bool(void **state)
{
	tir_expr *n = tir_shape_var(C, "n");
	tir_buffer *A = tir_buffer_new(C, "A", SB_F32, 1, &n);
	tir_func *f = func_of(tir_if(C, n, tir_evaluate(C, n), NULL), 1, &A);
	assert_verify_fails(f, "if condition 'n' is int64 instead of bool");
}

static void test_verify_undeclared_buffer(void **state)
{
	tir_expr *n = tir_shape_var(C, "n"), *zero = I(0);
	tir_buffer *A = tir_buffer_new(C, "A", SB_F32, 1, &n);
	tir_buffer *T = tir_buffer_new(C, "T", SB_F32, 1, &n); /* never allocated */
	tir_func *f = func_of(tir_store(C, T, tir_f32(C, 0.0), 1, &zero), 1, &A);
	assert_verify_fails(f, "buffer 'T' is stored to outside its declaration");
}

static void test_verify_intrinsic_args(void **state)
{
	tir_expr *n = tir_shape_var(C, "n");
	tir_buffer *A = tir_buffer_new(C, "A", SB_F32, 1, &n);
	tir_func *f = func_of(tir_evaluate(C, tir_call(C, TIR_INTRIN_EXP, 1, &n)), 1, &A);
	assert_verify_fails(f, "intrinsic needs float arguments");
	tir_expr *x = tir_f32(C, 1.0);
	tir_func *g = func_of(tir_evaluate(C, tir_call(C, TIR_INTRIN_POW, 1, &x)), 1, &A);
	assert_verify_fails(g, "wrong number of arguments");
}

static void test_verify_alloc_shape_scope(void **state)
{
	tir_expr *n = tir_shape_var(C, "n"), *m = ivar("m"), *zero = I(0);
	tir_buffer *A = tir_buffer_new(C, "A", SB_F32, 1, &n);
	tir_buffer *T = tir_buffer_new(C, "T", SB_F32, 1, &m); /* m is not defined */
	tir_stmt *body = tir_store(C, T, tir_f32(C, 0.0), 1, &zero);
	tir_func *f = func_of(tir_allocate(C, T, body), 1, &A);
	assert_verify_fails(f, "variable 'm'");
	/* with n, an allocation of T[n] is fine */
	tir_buffer *U = tir_buffer_new(C, "U", SB_F32, 1, &n);
	tir_func *g =
	    func_of(tir_allocate(C, U, tir_store(C, U, tir_f32(C, 0.0), 1, &zero)), 1, &A);
	assert_int_equal(tir_func_verify(g), SB_OK);
}

static void test_verify_block_iter_scope(void **state)
{
	fn_matmul mm;
	build_matmul(&mm);
	assert_int_equal(tir_func_verify(mm.f), SB_OK);
	/* the iter var vi used as a loop extent outside the block */
	tir_expr *vi = mm.blk->iters[0].var, *q = ivar("q");
	tir_stmt *outside = tir_for(C, q, I(0), vi, TIR_FOR_SERIAL, tir_evaluate(C, q));
	tir_stmt *parts[] = {mm.f->body, outside};
	mm.f->body = tir_seq(C, 2, parts);
	sb_clear_error();
	assert_int_equal(tir_func_verify(mm.f), SB_ERR_INVALID);
	assert_contains(sb_last_error(), "variable 'vi'");
}

static void test_verify_let_and_assert(void **state)
{
	tir_expr *n = tir_shape_var(C, "n"), *x = ivar("x"), *zero = I(0);
	tir_buffer *A = tir_buffer_new(C, "A", SB_F32, 1, &n);
	tir_stmt *st = tir_store(C, A, tir_cast(C, tir_type_scalar(SB_F32), x), 1, &zero);
	tir_stmt *parts[] = {tir_assert(C, tir_ge(C, n, I(1)), "empty"), tir_let(C, x, n, st)};
	tir_func *f = func_of(tir_seq(C, 2, parts), 1, &A);
	assert_int_equal(tir_func_verify(f), SB_OK);
	tir_expr *y = tir_var(C, "y", tir_type_scalar(SB_I32));
	tir_func *g = func_of(tir_let(C, y, n, tir_evaluate(C, y)), 1, &A);
	assert_verify_fails(g, "let value 'n' is int64 instead of int32");
}

static void test_verify_select_and_types(void **state)
{
	tir_expr *a = ivar("a"), *f = fvar("f");
	assert_int_equal(tir_expr_check_types(tir_select(C, tir_lt(C, a, I(0)), a, I(1))), SB_OK);
	assert_int_equal(tir_expr_check_types(tir_select(C, a, a, I(1))), SB_ERR_INVALID);
	assert_contains(sb_last_error(), "select condition is not bool");
	assert_int_equal(tir_expr_check_types(tir_select(C, tir_lt(C, a, I(0)), a, f)),
			 SB_ERR_INVALID);
	assert_contains(sb_last_error(), "select branches have different dtypes");
	assert_int_equal(tir_expr_check_types(tir_and(C, a, tir_bool(C, true))), SB_ERR_INVALID);
	assert_contains(sb_last_error(), "logical operand is not bool");
	assert_int_equal(tir_expr_check_types(tir_lt(C, f, tir_f32(C, 1.0))), SB_OK);
}

static bool count_loops(tir_stmt *s, void *env)
{
	if (s->kind == TIR_STMT_FOR)
		(*(int *)env)++;
	return true;
}

static void test_stmt_walk(void **state)
{
	fn_matmul mm;
	build_matmul(&mm);
	int loops = 0;
	tir_stmt_walk(mm.f->body, count_loops, NULL, &loops);
	assert_int_equal(loops, 3);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_hash_consing_same_node),
	    T(test_vars_are_identities),
	    T(test_shape_vars_interned_by_name),
	    T(test_constants_keyed_by_type_and_value),
	    T(test_result_types),
	    T(test_vector_load_type),
	    T(test_tables_consistent),
	    T(test_compare_total_order),
	    T(test_uses_var),
	    T(test_substitute),
	    T(test_rewrite_visits_shared_once),
	    T(test_seq_flattens),
	    T(test_print_precedence),
	    T(test_print_division_kinds),
	    T(test_print_calls_and_logic),
	    T(test_print_constants),
	    T(test_print_vectors),
	    T(test_print_same_names_disambiguated),
	    T(test_print_func_add),
	    T(test_print_func_matmul_block),
	    T(test_print_regions_and_predicate),
	    T(test_print_stmts_misc),
	    T(test_print_params_scalar_and_strides),
	    T(test_verify_var_before_definition),
	    T(test_verify_var_after_its_scope),
	    T(test_verify_loop_var_twice),
	    T(test_verify_store_rank),
	    T(test_verify_load_rank),
	    T(test_verify_operand_dtypes),
	    T(test_verify_store_value_dtype),
	    T(test_verify_condition_not_bool),
	    T(test_verify_undeclared_buffer),
	    T(test_verify_intrinsic_args),
	    T(test_verify_alloc_shape_scope),
	    T(test_verify_block_iter_scope),
	    T(test_verify_let_and_assert),
	    T(test_verify_select_and_types),
	    T(test_stmt_walk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
