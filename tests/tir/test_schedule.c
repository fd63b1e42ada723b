/* tir/schedule primitives: each on small hand-built PrimFuncs, checking the
 * printed structure and that the result computes what the original does
 * (evaluated on concrete inputs), and the legality errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "schedule_fixtures.h"

static int setup(void **state)
{
	(void)state;
	FX_C = tir_ctx_new();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tir_ctx_free(FX_C);
	FX_C = NULL;
	return 0;
}

#define assert_contains(s, sub) assert_contains_((s), (sub), __FILE__, __LINE__)
static void assert_contains_(const char *s, const char *sub, const char *file, int line)
{
	if (!strstr(s, sub)) {
		print_error("'%s'\n does not contain '%s'\n", s, sub);
		_fail(file, line);
	}
}
#define assert_not_contains(s, sub) assert_not_contains_((s), (sub), __FILE__, __LINE__)
static void assert_not_contains_(const char *s, const char *sub, const char *file, int line)
{
	if (strstr(s, sub)) {
		print_error("'%s'\n contains '%s'\n", s, sub);
		_fail(file, line);
	}
}

#define assert_ok(expr) assert_ok_((expr), #expr, __FILE__, __LINE__)
static void assert_ok_(sb_status st, const char *what, const char *file, int line)
{
	if (st != SB_OK) {
		print_error("%s failed: %s\n", what, sb_last_error());
		_fail(file, line);
	}
}

#define assert_error(expr, msg) assert_error_((expr), (msg), #expr, __FILE__, __LINE__)
static void assert_error_(sb_status st, const char *msg, const char *what, const char *file,
			  int line)
{
	if (st == SB_OK) {
		print_error("%s succeeded, expected an error '%s'\n", what, msg);
		_fail(file, line);
	}
	if (!strstr(sb_last_error(), msg)) {
		print_error("%s: error '%s' does not contain '%s'\n", what, sb_last_error(), msg);
		_fail(file, line);
	}
}

#define assert_same(a, b, nout, nv, vars, vals, tol)                                              \
	assert_same_((a), (b), (nout), (nv), (vars), (vals), (tol), __FILE__, __LINE__)
static void assert_same_(const tir_func *a, const tir_func *b, int nout, int nv,
			 tir_expr *const *vars, const int64_t *vals, double tol, const char *file,
			 int line)
{
	const char *err = fx_same(a, b, nout, nv, vars, vals, tol);
	if (err) {
		char *text = tir_func_to_string(b);
		print_error("%s\n%s\n", err, text);
		free(text);
		_fail(file, line);
	}
	if (tir_func_verify(b) != SB_OK) {
		print_error("verify: %s\n", sb_last_error());
		_fail(file, line);
	}
}

static char *func_text(tir_schedule *sch)
{
	return tir_func_to_string(tir_schedule_func(sch));
}

/* Loops of a block by name: a helper for tests. */
static tir_sch_loop **loops_of(tir_schedule *sch, const char *block, int *n)
{
	tir_sch_block *b;
	tir_sch_loop **ls;
	assert_ok(tir_schedule_get_block(sch, block, &b));
	assert_ok(tir_schedule_get_loops(sch, b, n, &ls));
	return ls;
}

/* ---- split ---- */

static void test_split_symbolic_gets_guard(void **state)
{
	(void)state;
	tir_expr *n = tir_shape_var(FX_C, "n");
	tir_func *f = fx_elementwise(n);
	tir_schedule *sch = tir_schedule_new(FX_C, f);
	int nl;
	tir_sch_loop **ls = loops_of(sch, "B", &nl);
	assert_int_equal(nl, 2);
	tir_sch_loop *parts[2];
	int64_t fs[] = {TIR_SPLIT_INFER, 8};
	assert_ok(tir_schedule_split(sch, ls[0], 2, fs, parts));
	char *t = func_text(sch);
	assert_contains(t, "for (i_0, 0, (n + 7) // 8) {");
	assert_contains(t, "for (i_1, 0, 8) {");
	assert_contains(t, "vi: spatial(0, n) = i_0 * 8 + i_1");
	assert_contains(t, "where (i_0 * 8 + i_1 < n)");
	free(t);
	int64_t vals[] = {13};
	assert_same(f, tir_schedule_func(sch), 1, 1, &n, vals, 0);
	vals[0] = 16;
	assert_same(f, tir_schedule_func(sch), 1, 1, &n, vals, 0);
	vals[0] = 0;
	assert_same(f, tir_schedule_func(sch), 1, 1, &n, vals, 0);
	assert_string_equal(tir_schedule_trace(sch), "b0 = get_block(\"B\")\n"
						     "l1, l2 = get_loops(b0)\n"
						     "l3, l4 = split(l1, factors=[None, 8])\n");
	/* the split loop is gone; its handle says so */
	assert_error(tir_schedule_parallel(sch, ls[0]), "parallel: loop l1 (i) was removed by split");
	tir_schedule_free(sch);
}

static void test_split_divisible_no_guard(void **state)
{
	(void)state;
	tir_expr *n = tir_shape_var(FX_C, "n");
	tir_func *f = fx_elementwise(n);
	tir_schedule *sch = tir_schedule_new(FX_C, f);
	int nl;
	tir_sch_loop **ls = loops_of(sch, "B", &nl);
	tir_sch_loop *fused, *parts[3];
	assert_ok(tir_schedule_fuse(sch, 2, ls, &fused));
	/* n * 4 is divisible by 4 and by 2 * 2: no predicate */
	int64_t fs[] = {TIR_SPLIT_INFER, 2, 2};
	assert_ok(tir_schedule_split(sch, fused, 3, fs, parts));
	char *t = func_text(sch);
	assert_contains(t, "for (i_j_fused_0, 0, n) {");
	assert_not_contains(t, "where");
	free(t);
	int64_t vals[] = {5};
	assert_same(f, tir_schedule_func(sch), 1, 1, &n, vals, 0);
	/* constant extent 4 split exactly */
	tir_schedule_free(sch);
	sch = tir_schedule_new(FX_C, f);
	ls = loops_of(sch, "B", &nl);
	int64_t fs2[] = {2, 2};
	assert_ok(tir_schedule_split(sch, ls[1], 2, fs2, parts));
	t = func_text(sch);
	assert_contains(t, "vj: spatial(0, 4) = j_0 * 2 + j_1");
	assert_not_contains(t, "where");
	free(t);
	assert_same(f, tir_schedule_func(sch), 1, 1, &n, vals, 0);
	tir_schedule_free(sch);
}

static void test_split_errors(void **state)
{
	(void)state;
	tir_expr *n = tir_shape_var(FX_C, "n");
	tir_func *f = fx_elementwise(n);
	tir_schedule *sch = tir_schedule_new(FX_C, f);
	int nl;
	tir_sch_loop **ls = loops_of(sch, "B", &nl);
	tir_sch_loop *parts[2];
	int64_t f1[] = {8, 8};
	assert_error(tir_schedule_split(sch, ls[0], 2, f1, parts),
		     "split: the extent n of loop i is not known to be at most 64");
	int64_t f2[] = {3, 1};
	assert_error(tir_schedule_split(sch, ls[1], 2, f2, parts),
		     "split: factors of loop j multiply to 3, less than its extent 4");
	int64_t f3[] = {TIR_SPLIT_INFER, TIR_SPLIT_INFER};
	assert_error(tir_schedule_split(sch, ls[1], 2, f3, parts),
		     "split: only one factor may be inferred");
	int64_t f4[] = {0, 4};
	assert_error(tir_schedule_split(sch, ls[1], 2, f4, parts), "not positive");
	/* a non-divisible constant split gets a guard */
	int64_t f5[] = {3, 2};
	assert_ok(tir_schedule_split(sch, ls[1], 2, f5, parts));
	char *t = func_text(sch);
	assert_contains(t, "where (j_0 * 2 + j_1 < 4)");
	free(t);
	int64_t vals[] = {3};
	assert_same(f, tir_schedule_func(sch), 1, 1, &n, vals, 0);
	tir_schedule_free(sch);
}

/* ---- fuse ---- */

static void test_fuse(void **state)
{
	(void)state;
	tir_expr *n = tir_shape_var(FX_C, "n");
	tir_func *f = fx_elementwise(n);
	tir_schedule *sch = tir_schedule_new(FX_C, f);
	int nl;
	tir_sch_loop **ls = loops_of(sch, "B", &nl);
	tir_sch_loop *fused;
	assert_ok(tir_schedule_fuse(sch, 2, ls, &fused));
	char *t = func_text(sch);
	assert_contains(t, "for (i_j_fused, 0, n * 4) {");
	assert_contains(t, "vi: spatial(0, n) = i_j_fused // 4");
	assert_contains(t, "vj: spatial(0, 4) = i_j_fused % 4");
	free(t);
	int64_t vals[] = {7};
	assert_same(f, tir_schedule_func(sch), 1, 1, &n, vals, 0);
	/* not directly nested */
	tir_func *g = fx_exp_add(n, I(4));
	tir_schedule_free(sch);
	sch = tir_schedule_new(FX_C, g);
	int n1, n2;
	tir_sch_loop **a = loops_of(sch, "T", &n1), **b = loops_of(sch, "D", &n2);
	tir_sch_loop *pair[] = {a[0], b[1]};
	assert_error(tir_schedule_fuse(sch, 2, pair, &fused),
		     "fuse: loop j2 is not directly inside loop i");
	tir_schedule_free(sch);
}

/* ---- reorder ---- */

static void test_reorder(void **state)
{
	(void)state;
	tir_expr *m = tir_shape_var(FX_C, "m"), *n = tir_shape_var(FX_C, "n"),
		 *k = tir_shape_var(FX_C, "k");
	tir_func *f = fx_matmul(m, n, k, false);
	tir_schedule *sch = tir_schedule_new(FX_C, f);
	int nl;
	tir_sch_loop **ls = loops_of(sch, "C", &nl);
	assert_int_equal(nl, 3);
	/* k outermost: the init still runs first for each element */
	tir_sch_loop *order[] = {ls[2], ls[0]};
	assert_ok(tir_schedule_reorder(sch, 2, order));
	char *t = func_text(sch);
	const char *pk = strstr(t, "for (k_1, 0, k)"), *pj = strstr(t, "for (j, 0, n)"),
		   *pi = strstr(t, "for (i, 0, m)");
	assert_non_null(pk);
	assert_non_null(pj);
	assert_non_null(pi);
	assert_true(pk < pj && pj < pi); /* k, j, i: listed positions 0 and 2 swapped */
	free(t);
	tir_expr *vars[] = {m, n, k};
	int64_t vals[] = {3, 5, 4};
	assert_same(f, tir_schedule_func(sch), 1, 3, vars, vals, 1e-6);
	assert_contains(tir_schedule_trace(sch), "reorder(l3, l1)");
	tir_schedule_free(sch);

	tir_func *g = fx_exp_add(n, I(4));
	sch = tir_schedule_new(FX_C, g);
	int n1, n2;
	tir_sch_loop **a = loops_of(sch, "T", &n1), **b = loops_of(sch, "D", &n2);
	tir_sch_loop *pair[] = {a[0], b[1]};
	assert_error(tir_schedule_reorder(sch, 2, pair), "reorder: loop j2 is not under loop i");
	tir_sch_loop *twice[] = {a[0], a[0]};
	assert_error(tir_schedule_reorder(sch, 2, twice), "reorder: loop i appears twice");
	tir_schedule_free(sch);
}

/* ---- loop kinds ---- */

static void test_parallel_vectorize_unroll(void **state)
{
	(void)state;
	tir_expr *n = tir_shape_var(FX_C, "n"), *m = tir_shape_var(FX_C, "m");
	tir_func *f = fx_rowsum(n, m);
	tir_schedule *sch = tir_schedule_new(FX_C, f);
	int nl;
	tir_sch_loop **ls = loops_of(sch, "S", &nl);
	assert_error(tir_schedule_parallel(sch, ls[1]),
		     "parallel: loop k carries a reduction (block S)");
	assert_error(tir_schedule_vectorize(sch, ls[1]),
		     "vectorize: extent m of loop k is not a constant");
	assert_ok(tir_schedule_parallel(sch, ls[0]));
	assert_ok(tir_schedule_unroll(sch, ls[1]));
	char *t = func_text(sch);
	assert_contains(t, "for (i, 0, n) parallel {");
	assert_contains(t, "for (k, 0, m) unrolled {");
	free(t);
	assert_error(tir_schedule_vectorize(sch, ls[0]), "vectorize: loop i is already parallel");
	assert_error(tir_schedule_unroll(sch, ls[0]), "unroll: loop i is already parallel");
	tir_expr *vars[] = {n, m};
	int64_t vals[] = {3, 5};
	assert_same(f, tir_schedule_func(sch), 1, 2, vars, vals, 1e-6);
	tir_schedule_free(sch);

	/* vectorizing a reduce loop of constant extent is refused too */
	f = fx_rowsum(n, I(8));
	sch = tir_schedule_new(FX_C, f);
	ls = loops_of(sch, "S", &nl);
	assert_error(tir_schedule_vectorize(sch, ls[1]),
		     "vectorize: loop k carries a reduction (block S)");
	tir_schedule_free(sch);

	f = fx_elementwise(n);
	sch = tir_schedule_new(FX_C, f);
	ls = loops_of(sch, "B", &nl);
	assert_ok(tir_schedule_vectorize(sch, ls[1]));
	assert_ok(tir_schedule_parallel(sch, ls[0]));
	assert_error(tir_schedule_parallel(sch, ls[1]), "parallel: loop j is already vectorized");
	t = func_text(sch);
	assert_contains(t, "for (j, 0, 4) vectorized {");
	free(t);
	tir_schedule_free(sch);
}

/* ---- compute_inline / reverse_compute_inline ---- */

static void test_compute_inline(void **state)
{
	(void)state;
	tir_expr *n = tir_shape_var(FX_C, "n"), *m = tir_shape_var(FX_C, "m");
	tir_func *f = fx_exp_add(n, m);
	tir_schedule *sch = tir_schedule_new(FX_C, f);
	tir_sch_block *T, *D;
	assert_ok(tir_schedule_get_block(sch, "T", &T));
	assert_ok(tir_schedule_compute_inline(sch, T));
	char *t = func_text(sch);
	assert_contains(t, "D[ui, uj] = exp(A[ui, uj]) + Bias[uj]");
	assert_contains(t, "reads(A[ui, uj], Bias[uj])");
	assert_not_contains(t, "alloc T"); /* the intermediate is gone */
	assert_not_contains(t, "block T");
	free(t);
	tir_expr *vars[] = {n, m};
	int64_t vals[] = {3, 5};
	assert_same(f, tir_schedule_func(sch), 1, 2, vars, vals, 1e-6);
	assert_error(tir_schedule_get_loops(sch, T, &(int){0}, &(tir_sch_loop **){NULL}),
		     "get_loops: block T was removed by compute_inline");
	assert_ok(tir_schedule_get_block(sch, "D", &D));
	assert_error(tir_schedule_compute_inline(sch, D),
		     "compute_inline: block D writes D, a parameter of @exp_add");
	tir_schedule_free(sch);

	/* a reduction cannot be inlined */
	f = fx_rowsum(n, m);
	sch = tir_schedule_new(FX_C, f);
	tir_sch_block *S;
	assert_ok(tir_schedule_get_block(sch, "S", &S));
	assert_error(tir_schedule_compute_inline(sch, S), "compute_inline: block S has a reduction");
	tir_schedule_free(sch);
}

static void test_reverse_compute_inline(void **state)
{
	(void)state;
	tir_expr *n = tir_shape_var(FX_C, "n"), *m = tir_shape_var(FX_C, "m");
	tir_func *f = fx_exp_add(n, m);
	tir_schedule *sch = tir_schedule_new(FX_C, f);
	tir_sch_block *T, *D;
	assert_ok(tir_schedule_get_block(sch, "D", &D));
	assert_ok(tir_schedule_get_block(sch, "T", &T));
	assert_error(tir_schedule_reverse_compute_inline(sch, T),
		     "reverse_compute_inline: block T reads no buffer produced in @exp_add");
	assert_ok(tir_schedule_reverse_compute_inline(sch, D));
	char *t = func_text(sch);
	assert_contains(t, "block T(");
	assert_contains(t, "D[vi, vj] = exp(A[vi, vj]) + Bias[vj]");
	assert_not_contains(t, "block D");
	assert_not_contains(t, "alloc T");
	free(t);
	tir_expr *vars[] = {n, m};
	int64_t vals[] = {4, 3};
	assert_same(f, tir_schedule_func(sch), 1, 2, vars, vals, 1e-6);
	tir_schedule_free(sch);
}

/* ---- compute_at / reverse_compute_at ---- */

static void test_compute_at(void **state)
{
	(void)state;
	tir_expr *n = tir_shape_var(FX_C, "n"), *m = tir_shape_var(FX_C, "m");
	tir_func *f = fx_exp_add(n, m);
	tir_schedule *sch = tir_schedule_new(FX_C, f);
	tir_sch_block *T, *D;
	assert_ok(tir_schedule_get_block(sch, "T", &T));
	assert_ok(tir_schedule_get_block(sch, "D", &D));
	int nl;
	tir_sch_loop **dl, **tl;
	assert_ok(tir_schedule_get_loops(sch, D, &nl, &dl));
	assert_ok(tir_schedule_get_loops(sch, T, &nl, &tl));
	assert_error(tir_schedule_compute_at(sch, D, tl[0]),
		     "compute_at: block D comes after loop i");
	assert_ok(tir_schedule_compute_at(sch, T, dl[0]));
	char *t = func_text(sch);
	/* one row of T per row of D, inside D's row loop */
	assert_contains(t, "    for (i2, 0, n) {\n"
			   "      for (ax1, 0, m) {\n"
			   "        block T(vi: spatial(0, n) = i2, vj: spatial(0, m) = ax1) {");
	free(t);
	tir_expr *vars[] = {n, m};
	int64_t vals[] = {3, 5};
	assert_same(f, tir_schedule_func(sch), 1, 2, vars, vals, 1e-6);
	/* one element at the inner loop */
	assert_ok(tir_schedule_compute_at(sch, T, dl[1]));
	t = func_text(sch);
	assert_contains(t, "block T(vi: spatial(0, n) = i2, vj: spatial(0, m) = j2)");
	free(t);
	assert_same(f, tir_schedule_func(sch), 1, 2, vars, vals, 1e-6);
	assert_ok(tir_schedule_compact_buffers(sch));
	t = func_text(sch);
	assert_contains(t, "alloc T: Buffer(float32, [1, 1])");
	free(t);
	assert_same(f, tir_schedule_func(sch), 1, 2, vars, vals, 1e-6);
	/* nothing after compaction */
	assert_error(tir_schedule_compute_inline(sch, T), "compute_inline: buffers were compacted");
	tir_schedule_free(sch);
}

static void test_compute_at_tile_region(void **state)
{
	(void)state;
	/* T computed under a split loop of D: 4 rows at a time, with the
	 * tail guarded by T's domain. */
	tir_expr *n = tir_shape_var(FX_C, "n");
	tir_func *f = fx_exp_add(n, I(6));
	tir_schedule *sch = tir_schedule_new(FX_C, f);
	int nl;
	tir_sch_loop **dl = loops_of(sch, "D", &nl), *parts[2];
	int64_t fs[] = {TIR_SPLIT_INFER, 4};
	assert_ok(tir_schedule_split(sch, dl[0], 2, fs, parts));
	tir_sch_block *T;
	assert_ok(tir_schedule_get_block(sch, "T", &T));
	assert_ok(tir_schedule_compute_at(sch, T, parts[0]));
	char *t = func_text(sch);
	assert_contains(t, "for (ax0, 0, 4) {");
	assert_contains(t, "vi: spatial(0, n) = i2_0 * 4 + ax0");
	assert_contains(t, "where (i2_0 * 4 + ax0 < n)");
	free(t);
	tir_expr *vars[] = {n};
	int64_t vals[] = {7};
	assert_same(f, tir_schedule_func(sch), 1, 1, vars, vals, 1e-6);
	assert_ok(tir_schedule_compact_buffers(sch));
	t = func_text(sch);
	assert_contains(t, "alloc T: Buffer(float32, [4, 6])");
	free(t);
	assert_same(f, tir_schedule_func(sch), 1, 1, vars, vals, 1e-6);
	tir_schedule_free(sch);
}

static void test_reverse_compute_at(void **state)
{
	(void)state;
	tir_expr *n = tir_shape_var(FX_C, "n"), *m = tir_shape_var(FX_C, "m");
	tir_func *f = fx_exp_add(n, m);
	tir_schedule *sch = tir_schedule_new(FX_C, f);
	tir_sch_block *T, *D;
	assert_ok(tir_schedule_get_block(sch, "T", &T));
	assert_ok(tir_schedule_get_block(sch, "D", &D));
	int nl;
	tir_sch_loop **dl, **tl;
	assert_ok(tir_schedule_get_loops(sch, D, &nl, &dl));
	assert_ok(tir_schedule_get_loops(sch, T, &nl, &tl));
	assert_error(tir_schedule_reverse_compute_at(sch, T, dl[0]),
		     "reverse_compute_at: block T comes before loop i2");
	assert_ok(tir_schedule_reverse_compute_at(sch, D, tl[0]));
	char *t = func_text(sch);
	const char *pt = strstr(t, "block T("), *pd = strstr(t, "block D(");
	assert_non_null(pt);
	assert_non_null(pd);
	assert_true(pt < pd);
	assert_contains(t, "block D(ui: spatial(0, n) = i, uj: spatial(0, m) = ax1)");
	assert_not_contains(t, "for (i2,"); /* D's loops are gone */
	free(t);
	tir_expr *vars[] = {n, m};
	int64_t vals[] = {3, 5};
	assert_same(f, tir_schedule_func(sch), 1, 2, vars, vals, 1e-6);
	tir_schedule_free(sch);
}

/* ---- cache_write, cache_read, decompose_reduction: a matmul tile ---- */

static tir_schedule *matmul_tile(tir_func *f, bool partition)
{
	tir_schedule *sch = tir_schedule_new(FX_C, f);
	tir_sch_block *C, *wb, *ini;
	int nl;
	tir_sch_loop **ls, *io[2], *jo[2];
	assert_ok(tir_schedule_get_block(sch, "C", &C));
	assert_ok(tir_schedule_cache_write(sch, C, 0, "local", &wb));
	assert_ok(tir_schedule_get_loops(sch, C, &nl, &ls));
	int64_t f6[] = {TIR_SPLIT_INFER, 6}, f16[] = {TIR_SPLIT_INFER, 16};
	assert_ok(tir_schedule_split(sch, ls[0], 2, f6, io));
	assert_ok(tir_schedule_split(sch, ls[1], 2, f16, jo));
	tir_sch_loop *order[] = {io[0], jo[0], ls[2], io[1], jo[1]};
	assert_ok(tir_schedule_reorder(sch, 5, order));
	assert_ok(tir_schedule_reverse_compute_at(sch, wb, jo[0]));
	assert_ok(tir_schedule_decompose_reduction(sch, C, ls[2], &ini));
	assert_string_equal(tir_sch_block_name(ini), "C_init");
	assert_ok(tir_schedule_vectorize(sch, jo[1]));
	assert_ok(tir_schedule_unroll(sch, io[1]));
	assert_ok(tir_schedule_parallel(sch, io[0]));
	if (partition) {
		assert_ok(tir_schedule_partition(sch, jo[0], NULL));
		assert_ok(tir_schedule_partition(sch, io[0], NULL));
	}
	assert_ok(tir_schedule_compact_buffers(sch));
	return sch;
}

static void test_matmul_tile(void **state)
{
	(void)state;
	tir_expr *m = tir_shape_var(FX_C, "m"), *n = tir_shape_var(FX_C, "n"),
		 *k = tir_shape_var(FX_C, "k");
	tir_func *f = fx_matmul(m, n, k, false);
	tir_schedule *sch = matmul_tile(f, false);
	char *t = func_text(sch);
	assert_contains(t, "for (i_0, 0, (m + 5) // 6) parallel {\n"
			   "    for (j_0, 0, (n + 15) // 16) {\n"
			   "      alloc C_local: Buffer(float32, [6, 16], scope=\"local\") {");
	assert_contains(t, "block C_init(");
	assert_contains(t, "C_local[vi - i_0 * 6, vj - j_0 * 16] = 0.0f");
	assert_contains(t, "for (i_1_1, 0, 6) unrolled {\n"
			   "            for (j_1_1, 0, 16) vectorized {");
	assert_contains(t, "C[v0, v1] = C_local[v0 - i_0 * 6, v1 - j_0 * 16]");
	assert_not_contains(t, "init {"); /* decomposed */
	free(t);
	tir_expr *vars[] = {m, n, k};
	int64_t vals[] = {7, 20, 5};
	assert_same(f, tir_schedule_func(sch), 1, 3, vars, vals, 1e-5);
	int64_t vals2[] = {12, 32, 3};
	assert_same(f, tir_schedule_func(sch), 1, 3, vars, vals2, 1e-5);
	tir_schedule_free(sch);

	/* partitioned: the main tiles have no guard; four tile kinds, each
	 * with its own 6x16 accumulator */
	sch = matmul_tile(f, true);
	t = func_text(sch);
	assert_contains(t, "for (i_0, 0, m // 6) parallel {\n"
			   "    for (j_0, 0, n // 16) {\n"
			   "      alloc C_local: Buffer(float32, [6, 16], scope=\"local\") {");
	const char *main_tile = strstr(t, "block C(");
	assert_non_null(main_tile);
	assert_true(strstr(main_tile, "where") > strstr(main_tile, "block C_local("));
	assert_contains(t, "block C_tail_tail(");
	int allocs = 0;
	for (const char *q = t; (q = strstr(q, "alloc C_local")); q++)
		allocs++;
	assert_int_equal(allocs, 4);
	free(t);
	assert_same(f, tir_schedule_func(sch), 1, 3, vars, vals, 1e-5);
	assert_same(f, tir_schedule_func(sch), 1, 3, vars, vals2, 1e-5);
	int64_t vals3[] = {1, 3, 2};
	assert_same(f, tir_schedule_func(sch), 1, 3, vars, vals3, 1e-5);
	tir_schedule_free(sch);
}

static void test_cache_read_packs_panel(void **state)
{
	(void)state;
	tir_expr *m = tir_shape_var(FX_C, "m"), *n = tir_shape_var(FX_C, "n");
	tir_func *f = fx_matmul(m, n, I(32), false);
	tir_schedule *sch = tir_schedule_new(FX_C, f);
	tir_sch_block *C, *Bl;
	assert_ok(tir_schedule_get_block(sch, "C", &C));
	assert_error(tir_schedule_cache_read(sch, C, 2, "local", &Bl),
		     "cache_read: block C has 2 read buffers; index 2 is out of range");
	assert_ok(tir_schedule_cache_read(sch, C, 1, "local", &Bl));
	assert_string_equal(tir_sch_block_name(Bl), "B_local");
	int nl;
	tir_sch_loop **ls, *jo[2];
	assert_ok(tir_schedule_get_loops(sch, C, &nl, &ls));
	int64_t f16[] = {TIR_SPLIT_INFER, 16};
	assert_ok(tir_schedule_split(sch, ls[1], 2, f16, jo));
	tir_sch_loop *order[] = {jo[0], ls[0]};
	assert_ok(tir_schedule_reorder(sch, 2, order));
	tir_expr *vars[] = {m, n};
	int64_t vals[] = {3, 20};
	assert_same(f, tir_schedule_func(sch), 1, 2, vars, vals, 1e-5);
	assert_ok(tir_schedule_compute_at(sch, Bl, jo[0]));
	assert_ok(tir_schedule_compact_buffers(sch));
	char *t = func_text(sch);
	/* a 32 x 16 panel of B per column block, read by every row */
	assert_contains(t, "for (j_0, 0, (n + 15) // 16) {\n"
			   "    alloc B_local: Buffer(float32, [32, 16], scope=\"local\") {");
	assert_contains(t, "B_local[v0, v1 - j_0 * 16] = B[v0, v1]");
	assert_contains(t, "A[vi, vk] * B_local[vk, vj - j_0 * 16]");
	free(t);
	assert_same(f, tir_schedule_func(sch), 1, 2, vars, vals, 1e-5);
	tir_schedule_free(sch);
}

static void test_decompose_reduction_errors(void **state)
{
	(void)state;
	tir_expr *n = tir_shape_var(FX_C, "n"), *m = tir_shape_var(FX_C, "m");
	tir_func *f = fx_rowsum(n, m);
	tir_schedule *sch = tir_schedule_new(FX_C, f);
	int nl;
	tir_sch_loop **ls = loops_of(sch, "S", &nl);
	tir_sch_block *S, *ini;
	assert_ok(tir_schedule_get_block(sch, "S", &S));
	tir_sch_loop *order[] = {ls[1], ls[0]};
	assert_ok(tir_schedule_reorder(sch, 2, order));
	assert_error(tir_schedule_decompose_reduction(sch, S, ls[0], &ini),
		     "decompose_reduction: loop k above loop i binds a reduce iter var of block S");
	assert_ok(tir_schedule_decompose_reduction(sch, S, ls[1], &ini));
	char *t = func_text(sch);
	assert_contains(t, "block S_init(vi: spatial(0, n) = i) {");
	assert_contains(t, "for (k, 0, m) {\n    for (i_1, 0, n) {");
	free(t);
	tir_expr *vars[] = {n, m};
	int64_t vals[] = {4, 3};
	assert_same(f, tir_schedule_func(sch), 1, 2, vars, vals, 1e-6);
	assert_error(tir_schedule_decompose_reduction(sch, S, ls[1], &ini),
		     "decompose_reduction: block S has no init");
	tir_schedule_free(sch);
}

/* ---- rfactor ---- */

static void test_rfactor_row_sum(void **state)
{
	(void)state;
	tir_expr *n = tir_shape_var(FX_C, "n"), *m = tir_shape_var(FX_C, "m");
	tir_func *f = fx_rowsum(n, m);
	tir_schedule *sch = tir_schedule_new(FX_C, f);
	int nl;
	tir_sch_loop **ls = loops_of(sch, "S", &nl), *kp[2];
	assert_error(tir_schedule_rfactor(sch, ls[0], NULL),
		     "rfactor: loop i does not bind a reduce iter var of block S");
	int64_t f8[] = {TIR_SPLIT_INFER, 8};
	assert_ok(tir_schedule_split(sch, ls[1], 2, f8, kp));
	tir_sch_block *rf, *S;
	assert_ok(tir_schedule_rfactor(sch, kp[1], &rf));
	assert_string_equal(tir_sch_block_name(rf), "S_rf");
	/* the factored loop is spatial now: it vectorizes */
	assert_ok(tir_schedule_vectorize(sch, kp[1]));
	assert_ok(tir_schedule_get_block(sch, "S", &S));
	assert_ok(tir_schedule_reverse_compute_at(sch, S, ls[0]));
	assert_ok(tir_schedule_parallel(sch, ls[0]));
	assert_ok(tir_schedule_partition(sch, kp[0], NULL));
	assert_ok(tir_schedule_compact_buffers(sch));
	char *t = func_text(sch);
	assert_contains(t, "alloc S_rf: Buffer(float32, [1, 8])");
	assert_contains(t, "S_rf[vi_1 - i, vr_1] = S_rf[vi_1 - i, vr_1] + A[vi_1, vk_0 * 8 + vr_1]");
	assert_contains(t, "S[vi_3] = S[vi_3] + S_rf[vi_3 - i, vr_3]");
	free(t);
	tir_expr *vars[] = {n, m};
	int64_t vals[] = {3, 13};
	assert_same(f, tir_schedule_func(sch), 1, 2, vars, vals, 1e-5);
	int64_t vals2[] = {2, 5}, vals3[] = {2, 16};
	assert_same(f, tir_schedule_func(sch), 1, 2, vars, vals2, 1e-5);
	assert_same(f, tir_schedule_func(sch), 1, 2, vars, vals3, 1e-5);
	tir_schedule_free(sch);
}

/* ---- partition ---- */

static void test_partition(void **state)
{
	(void)state;
	tir_expr *n = tir_shape_var(FX_C, "n");
	tir_func *f = fx_elementwise(n);
	tir_schedule *sch = tir_schedule_new(FX_C, f);
	int nl;
	tir_sch_loop **ls = loops_of(sch, "B", &nl), *fused, *parts[2], *tail;
	assert_error(tir_schedule_partition(sch, ls[0], &tail),
		     "partition: loop i is not the outer loop of a guarded split");
	assert_ok(tir_schedule_fuse(sch, 2, ls, &fused));
	int64_t f8[] = {TIR_SPLIT_INFER, 8};
	assert_ok(tir_schedule_split(sch, fused, 2, f8, parts));
	assert_ok(tir_schedule_vectorize(sch, parts[1]));
	assert_ok(tir_schedule_parallel(sch, parts[0]));
	assert_ok(tir_schedule_partition(sch, parts[0], &tail));
	char *t = func_text(sch);
	assert_contains(t, "for (i_j_fused_0, 0, n // 2) parallel {\n"
			   "    for (i_j_fused_1, 0, 8) vectorized {\n"
			   "      block B(vi: spatial(0, n) = i_j_fused_0 * 2 + i_j_fused_1 // 4, "
			   "vj: spatial(0, 4) = i_j_fused_1 % 4) {");
	assert_contains(t, "for (i_j_fused_0_tail, n // 2, (n + 1) // 2 - n // 2) {");
	assert_contains(t, "where (i_j_fused_0_tail * 8 + i_j_fused_1_1 < n * 4)");
	free(t);
	tir_expr *vars[] = {n};
	for (int64_t v = 0; v < 5; v++)
		assert_same(f, tir_schedule_func(sch), 1, 1, vars, &v, 0);
	tir_sch_block *bt;
	assert_ok(tir_schedule_get_block(sch, "B_tail", &bt));
	tir_schedule_free(sch);
}

/* ---- legality of parallel / vectorize and of moving blocks ---- */

static void test_carried_dependences(void **state)
{
	(void)state;
	tir_expr *n = tir_shape_var(FX_C, "n");
	tir_buffer *A = fx_buf("A", 1, &n), *T = fx_buf("T", 1, &n), *D = fx_buf("D", 1, &n);
	/* for i: P writes T[i]; Q reads T[i - 1], written the iteration before */
	tir_expr *i = fx_ivar("i");
	tir_iter_var ip = fx_iter("vi", n, TIR_ITER_SPATIAL), iq = fx_iter("vj", n, TIR_ITER_SPATIAL);
	tir_expr *pi[] = {ip.var}, *qi[] = {iq.var};
	tir_expr *prev[] = {tir_max(FX_C, tir_sub(FX_C, iq.var, I(1)), I(0))};
	tir_block *P = tir_block_new(FX_C, "P", 1, &ip, tir_store(FX_C, T, fx_load(A, 1, pi), 1, pi));
	tir_block *Q = tir_block_new(FX_C, "Q", 1, &iq, tir_store(FX_C, D, fx_load(T, 1, prev), 1, qi));
	sch_block_infer_regions(FX_C, P);
	sch_block_infer_regions(FX_C, Q);
	tir_stmt *both[] = {tir_block_realize(FX_C, P, &i, NULL), tir_block_realize(FX_C, Q, &i, NULL)};
	tir_stmt *body = tir_allocate(FX_C, T, tir_for(FX_C, i, I(0), n, TIR_FOR_SERIAL,
						       tir_seq(FX_C, 2, both)));
	tir_param ps[] = {tir_param_buffer(A), tir_param_buffer(D)};
	tir_func *f = tir_func_new(FX_C, "shift", 2, ps, body);
	assert_ok(tir_func_verify(f));
	tir_schedule *sch = tir_schedule_new(FX_C, f);
	int nl;
	tir_sch_loop **ls = loops_of(sch, "Q", &nl);
	assert_error(tir_schedule_parallel(sch, ls[0]),
		     "parallel: loop i carries a dependence: block Q reads T written by block P "
		     "in other iterations");
	tir_schedule_free(sch);

	/* W[i] = A[i, j] for every j: the j iterations write one element */
	tir_expr *m = tir_shape_var(FX_C, "m"), *sh[] = {n, m};
	tir_buffer *A2 = fx_buf("A", 2, sh), *W = fx_buf("W", 1, &n);
	tir_iter_var it[] = {fx_iter("vi", n, TIR_ITER_SPATIAL), fx_iter("vj", m, TIR_ITER_SPATIAL)};
	tir_expr *ia[] = {it[0].var, it[1].var}, *iw[] = {it[0].var};
	const char *ln[] = {"i", "j"};
	tir_block *wb;
	tir_stmt *nest = fx_nest(2, ln, it, tir_store(FX_C, W, fx_load(A2, 2, ia), 1, iw), &wb, "W", NULL);
	tir_buffer *ps2[] = {A2, W};
	f = fx_finish("last", 2, ps2, nest, &wb, 1);
	sch = tir_schedule_new(FX_C, f);
	ls = loops_of(sch, "W", &nl);
	assert_ok(tir_schedule_parallel(sch, ls[0]));
	assert_error(tir_schedule_vectorize(sch, ls[1]),
		     "extent m of loop j is not a constant");
	tir_schedule_free(sch);
	sch = tir_schedule_new(FX_C, f);
	ls = loops_of(sch, "W", &nl);
	assert_error(tir_schedule_parallel(sch, ls[1]),
		     "parallel: iterations of loop j may write the same element of W (block W "
		     "does not write it at vj)");
	tir_schedule_free(sch);
}

static void test_opaque_blocks_refused(void **state)
{
	(void)state;
	/* a block without iter vars that names the loop var itself */
	tir_expr *n = tir_shape_var(FX_C, "n");
	tir_buffer *A = fx_buf("A", 1, &n), *B = fx_buf("B", 1, &n);
	tir_expr *i = fx_ivar("i"), *ix[] = {i};
	tir_block *X = tir_block_new(FX_C, "X", 0, NULL, tir_store(FX_C, B, fx_load(A, 1, ix), 1, ix));
	sch_block_infer_regions(FX_C, X);
	tir_stmt *body = tir_for(FX_C, i, I(0), n, TIR_FOR_SERIAL, tir_block_realize(FX_C, X, NULL, NULL));
	tir_param ps[] = {tir_param_buffer(A), tir_param_buffer(B)};
	tir_func *f = tir_func_new(FX_C, "opaque", 2, ps, body);
	assert_true(sch_block_is_opaque(f, X));
	tir_schedule *sch = tir_schedule_new(FX_C, f);
	int nl;
	tir_sch_loop **ls = loops_of(sch, "X", &nl);
	tir_sch_block *xb, *out;
	assert_ok(tir_schedule_get_block(sch, "X", &xb));
	assert_error(tir_schedule_parallel(sch, ls[0]),
		     "parallel: block X refers to loop i directly; its writes may collide");
	assert_error(tir_schedule_cache_write(sch, xb, 0, "local", &out),
		     "cache_write: block X refers to loop variables directly");
	/* loop primitives still work: they substitute the loop var everywhere */
	tir_sch_loop *parts[2];
	int64_t fs[] = {TIR_SPLIT_INFER, 4};
	assert_ok(tir_schedule_split(sch, ls[0], 2, fs, parts));
	tir_expr *vars[] = {n};
	int64_t vals[] = {6};
	assert_same(f, tir_schedule_func(sch), 1, 1, vars, vals, 0);
	tir_schedule_free(sch);
	/* the default schedule leaves it alone, correctly */
	tir_target t = tir_target_avx2();
	tir_func *g;
	assert_ok(tir_schedule_default_cpu(FX_C, f, &t, &g, NULL));
	assert_same(f, g, 1, 1, vars, vals, 0);
}

static void test_compute_at_needs_all_consumers(void **state)
{
	(void)state;
	tir_expr *n = tir_shape_var(FX_C, "n");
	tir_func *f = fx_exp_add(n, I(4));
	/* add a second consumer of T after D */
	tir_buffer *T = f->body->u.alloc.buffer, *E = fx_buf("E", 1, &n);
	tir_iter_var it = fx_iter("wi", n, TIR_ITER_SPATIAL);
	tir_expr *ie[] = {it.var}, *it2[] = {it.var, I(0)};
	tir_block *eb;
	const char *ln[] = {"i3"};
	tir_stmt *n3 = fx_nest(1, ln, &it, tir_store(FX_C, E, fx_load(T, 2, it2), 1, ie), &eb, "E", NULL);
	sch_block_infer_regions(FX_C, eb);
	tir_stmt *parts[] = {f->body->u.alloc.body, n3};
	tir_stmt *body = tir_allocate(FX_C, T, tir_seq(FX_C, 2, parts));
	tir_param ps[] = {f->params[0], f->params[1], f->params[2], tir_param_buffer(E)};
	tir_func *g = tir_func_new(FX_C, "two_consumers", 4, ps, body);
	assert_ok(tir_func_verify(g));
	tir_schedule *sch = tir_schedule_new(FX_C, g);
	int nl;
	tir_sch_loop **dl = loops_of(sch, "D", &nl);
	tir_sch_block *tb;
	assert_ok(tir_schedule_get_block(sch, "T", &tb));
	assert_error(tir_schedule_compute_at(sch, tb, dl[0]),
		     "compute_at: block E reads T but is not under loop i2");
	/* inlining serves both */
	assert_ok(tir_schedule_compute_inline(sch, tb));
	char *t = func_text(sch);
	assert_contains(t, "E[wi] = exp(A[wi, 0])");
	free(t);
	tir_expr *vars[] = {n};
	int64_t vals[] = {3};
	assert_same(g, tir_schedule_func(sch), 2, 1, vars, vals, 1e-6);
	tir_schedule_free(sch);
}

/* ---- pad_read ---- */

static void test_pad_read(void **state)
{
	(void)state;
	tir_expr *n = tir_shape_var(FX_C, "n"), *h = tir_shape_var(FX_C, "h");
	tir_func *f = fx_conv2d(n, 2, 3, h, h);
	tir_schedule *sch = tir_schedule_new(FX_C, f);
	tir_sch_block *Y, *pad;
	assert_ok(tir_schedule_get_block(sch, "Y", &Y));
	/* read 1 is W: read plainly */
	assert_error(tir_schedule_pad_read(sch, Y, 1, &pad),
		     "pad_read: block Y reads W but it is not read through a padded select");
	assert_ok(tir_schedule_pad_read(sch, Y, 0, &pad));
	assert_string_equal(tir_sch_block_name(pad), "X_pad");
	char *t = func_text(sch);
	/* one row and column of zeros on each side; the conv reads it plainly */
	assert_contains(t, "alloc X_pad: Buffer(float32, [n, 2, h + 2, h + 2]) {");
	assert_contains(t, "X_pad[vn, vic, vy + vky, vx + vkx] * W[voc, vic, vky, vkx]");
	assert_not_contains(t, "select(vy");
	free(t);
	tir_expr *vars[] = {n, h};
	int64_t vals[] = {2, 5}, vals1[] = {1, 1};
	assert_same(f, tir_schedule_func(sch), 1, 2, vars, vals, 1e-5);
	assert_same(f, tir_schedule_func(sch), 1, 2, vars, vals1, 1e-5);
	tir_schedule_free(sch);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_split_symbolic_gets_guard, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_split_divisible_no_guard, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_split_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fuse, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reorder, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_parallel_vectorize_unroll, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_compute_inline, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reverse_compute_inline, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_compute_at, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_compute_at_tile_region, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reverse_compute_at, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_matmul_tile, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cache_read_packs_panel, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_decompose_reduction_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rfactor_row_sum, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_partition, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_carried_dependences, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_opaque_blocks_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_compute_at_needs_all_consumers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pad_read, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
