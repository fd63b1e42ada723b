/* Default CPU schedules: block classification, and each hand-built
 * PrimFunc scheduled by tir_schedule_default_cpu keeps its meaning (at
 * shapes with and without tails, through this test's evaluator and through
 * tir/eval) while getting the structure its pattern calls for. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "schedule_fixtures.h"
#include "tir/eval.h"

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

static int count(const char *s, const char *sub)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, sub)); p++)
		n++;
	return n;
}

/* The block of a function by name. */
static const tir_block *block_named(tir_func *f, const char *name)
{
	sch_path p;
	if (!sch_find_block(f->body, tir_intern(FX_C, name), &p))
		return NULL;
	return p.node[p.n - 1]->u.realize.block;
}

/* ---- classification ---- */

static void test_classify(void **state)
{
	(void)state;
	tir_expr *n = tir_shape_var(FX_C, "n"), *m = tir_shape_var(FX_C, "m"),
		 *k = tir_shape_var(FX_C, "k");
	assert_int_equal(tir_block_classify(block_named(fx_elementwise(n), "B")),
			 TIR_PATTERN_ELEMWISE);
	tir_func *ea = fx_exp_add(n, m);
	assert_int_equal(tir_block_classify(block_named(ea, "T")), TIR_PATTERN_ELEMWISE);
	assert_int_equal(tir_block_classify(block_named(ea, "D")), TIR_PATTERN_BROADCAST);
	assert_int_equal(tir_block_classify(block_named(fx_rowsum(n, m), "S")),
			 TIR_PATTERN_REDUCTION);
	assert_int_equal(tir_block_classify(block_named(fx_colsum(n, m), "S")),
			 TIR_PATTERN_REDUCTION);
	assert_int_equal(tir_block_classify(block_named(fx_matmul(m, n, k, false), "C")),
			 TIR_PATTERN_MATMUL);
	assert_int_equal(tir_block_classify(block_named(fx_matmul(m, n, k, true), "C")),
			 TIR_PATTERN_MATMUL);
	assert_int_equal(tir_block_classify(block_named(fx_conv2d(n, 3, 8, m, m), "Y")),
			 TIR_PATTERN_CONV);
	/* a max reduction is not a matmul, whatever it reads */
	assert_int_equal(tir_block_classify(block_named(fx_softmax(n, m), "M")),
			 TIR_PATTERN_REDUCTION);
	assert_int_equal(tir_block_classify(block_named(fx_softmax(n, m), "Y")),
			 TIR_PATTERN_BROADCAST);
	/* a transpose */
	tir_expr *sh[] = {n, m}, *sht[] = {m, n};
	tir_buffer *A = fx_buf("A", 2, sh), *B = fx_buf("B", 2, sht);
	tir_iter_var it[] = {fx_iter("vj", m, TIR_ITER_SPATIAL), fx_iter("vi", n, TIR_ITER_SPATIAL)};
	tir_expr *ia[] = {it[1].var, it[0].var}, *ib[] = {it[0].var, it[1].var};
	tir_block *blk = tir_block_new(FX_C, "B", 2, it, tir_store(FX_C, B, fx_load(A, 2, ia), 2, ib));
	assert_int_equal(tir_block_classify(blk), TIR_PATTERN_INJECTIVE);
	assert_string_equal(tir_block_pattern_name(TIR_PATTERN_MATMUL), "matmul");
	/* a 1x1 conv with stride 2, Y[n, o, y, x] += X[n, c, y * 2, x * 2] *
	 * W[o, c], has no window index and is still a conv */
	tir_expr *sx[] = {n, k, m, m}, *sw[] = {n, k}, *sy[] = {n, n, m, m};
	tir_buffer *X = fx_buf("X", 4, sx), *W = fx_buf("W", 2, sw), *Y = fx_buf("Y", 4, sy);
	tir_iter_var cv[] = {fx_iter("vn", n, TIR_ITER_SPATIAL), fx_iter("vo", n, TIR_ITER_SPATIAL),
			     fx_iter("vy", m, TIR_ITER_SPATIAL), fx_iter("vx", m, TIR_ITER_SPATIAL),
			     fx_iter("vc", k, TIR_ITER_REDUCE)};
	tir_expr *two = tir_int(FX_C, 2);
	tir_expr *ix[] = {cv[0].var, cv[4].var, tir_mul(FX_C, cv[2].var, two),
			  tir_mul(FX_C, cv[3].var, two)};
	tir_expr *iw[] = {cv[1].var, cv[4].var}, *iy[] = {cv[0].var, cv[1].var, cv[2].var, cv[3].var};
	tir_expr *upd = tir_add(FX_C, fx_load(Y, 4, iy),
				tir_mul(FX_C, fx_load(X, 4, ix), fx_load(W, 2, iw)));
	blk = tir_block_new(FX_C, "Y", 5, cv, tir_store(FX_C, Y, upd, 4, iy));
	blk->init = tir_store(FX_C, Y, tir_f32(FX_C, 0.0), 4, iy);
	assert_int_equal(tir_block_classify(blk), TIR_PATTERN_CONV);
	/* a batched matmul C[b, h, i, j] += A[b, h, i, k] * B[b, h, k, j] is not */
	tir_expr *ia4[] = {cv[0].var, cv[1].var, cv[2].var, cv[4].var},
		 *ib4[] = {cv[0].var, cv[1].var, cv[4].var, cv[3].var};
	tir_expr *s4[] = {n, n, m, m};
	tir_buffer *A4 = fx_buf("A4", 4, s4), *B4 = fx_buf("B4", 4, s4);
	upd = tir_add(FX_C, fx_load(Y, 4, iy), tir_mul(FX_C, fx_load(A4, 4, ia4), fx_load(B4, 4, ib4)));
	blk = tir_block_new(FX_C, "C4", 5, cv, tir_store(FX_C, Y, upd, 4, iy));
	blk->init = tir_store(FX_C, Y, tir_f32(FX_C, 0.0), 4, iy);
	assert_int_not_equal(tir_block_classify(blk), TIR_PATTERN_CONV);
}

/* ---- evaluation through tir/eval too ---- */

static tir_expr *const *g_vars;
static const int64_t *g_vals;
static int g_nvars;

static int64_t dim_value(const tir_expr *e)
{
	/* shapes in the fixtures are constants or shape vars */
	int64_t v;
	if (tir_expr_is_int_imm(e, &v))
		return v;
	for (int i = 0; i < g_nvars; i++) {
		if (g_vars[i] == e)
			return g_vals[i];
	}
	fail_msg("shape %s is not bound", e->u.var.name);
	return 0;
}

/* Both functions through tir_eval on the same inputs: outputs (the last
 * param) agree within tol. */
static void eval_agree(const tir_func *a, const tir_func *b, int nvars, tir_expr *const *vars,
		       const int64_t *vals, double tol)
{
	g_vars = vars;
	g_vals = vals;
	g_nvars = nvars;
	int np = a->nparams;
	sb_tensor *ta[8], *tb[8];
	uint64_t seed = 99;
	for (int i = 0; i < np; i++) {
		const tir_buffer *buf = a->params[i].buffer;
		int64_t shape[8];
		for (int d = 0; d < buf->ndim; d++)
			shape[d] = dim_value(buf->shape[d]);
		ta[i] = sb_tensor_zeros(SB_F32, buf->ndim, shape);
		float *p = sb_tensor_data(ta[i]);
		for (int64_t e = 0; e < sb_tensor_numel(ta[i]); e++)
			p[e] = i < np - 1 ? (float)fx_rand(&seed) : 0.0f;
		tb[i] = sb_tensor_copy(ta[i]);
	}
	if (tir_eval_tensors(a, ta, np) != SB_OK)
		fail_msg("tir_eval original: %s", sb_last_error());
	if (tir_eval_tensors(b, tb, np) != SB_OK) {
		char *t = tir_func_to_string(b);
		print_error("%s\n", t);
		free(t);
		fail_msg("tir_eval scheduled: %s", sb_last_error());
	}
	const float *x = sb_tensor_data(ta[np - 1]), *y = sb_tensor_data(tb[np - 1]);
	for (int64_t e = 0; e < sb_tensor_numel(ta[np - 1]); e++) {
		if (!(fabs((double)x[e] - (double)y[e]) <= tol * (1 + fabs((double)x[e]))))
			fail_msg("element %lld: %g vs %g", (long long)e, (double)x[e], (double)y[e]);
	}
	for (int i = 0; i < np; i++) {
		sb_tensor_release(ta[i]);
		sb_tensor_release(tb[i]);
	}
}

/* Schedules f, checks it verifies and computes the same at each shape
 * (rows of vals, nvars each), returns the printed result (caller frees). */
static char *scheduled(tir_func *f, tir_func **out, int nvars, tir_expr *const *vars,
		       const int64_t *vals, int nshapes, double tol)
{
	tir_target t = tir_target_avx2();
	char *trace = NULL;
	if (tir_schedule_default_cpu(FX_C, f, &t, out, &trace) != SB_OK)
		fail_msg("default_cpu: %s", sb_last_error());
	if (tir_func_verify(*out) != SB_OK)
		fail_msg("verify: %s", sb_last_error());
	char *text = tir_func_to_string(*out);
	for (int s = 0; s < nshapes; s++) {
		const char *err = fx_same(f, *out, 1, nvars, vars, vals + s * nvars, tol);
		if (err) {
			print_error("%s\n%s\n", text, trace);
			fail_msg("shape %d: %s", s, err);
		}
		eval_agree(f, *out, nvars, vars, vals + s * nvars, tol);
	}
	free(trace);
	return text;
}

/* ---- injective ---- */

static void test_default_elementwise(void **state)
{
	(void)state;
	tir_expr *n = tir_shape_var(FX_C, "n");
	tir_func *f = fx_elementwise(n), *g;
	int64_t vals[] = {5, 8, 1, 0};
	char *t = scheduled(f, &g, 1, &n, vals, 4, 0);
	/* (n, 4): fused, 8 lanes, parallel, the tail partitioned */
	assert_contains(t, "for (i_j_fused_0, 0, n // 2) parallel {\n"
			   "    for (i_j_fused_1, 0, 8) vectorized {");
	assert_contains(t, "block B_tail(");
	assert_int_equal(count(t, "where"), 1); /* only in the tail */
	free(t);
}

static void test_default_broadcast_inlined(void **state)
{
	(void)state;
	tir_expr *n = tir_shape_var(FX_C, "n"), *m = tir_shape_var(FX_C, "m");
	tir_func *f = fx_exp_add(n, m), *g;
	tir_expr *vars[] = {n, m};
	int64_t vals[] = {3, 11, 2, 16, 1, 3};
	char *t = scheduled(f, &g, 2, vars, vals, 3, 1e-6);
	/* T is inlined; rows in parallel, the row vectorized */
	assert_contains(t, "D[ui, uj] = exp(A[ui, uj]) + Bias[uj]");
	assert_contains(t, "for (i2, 0, n) parallel {\n"
			   "    for (j2_0, 0, m // 8) {\n"
			   "      for (j2_1, 0, 8) vectorized {");
	assert_int_equal(count(t, "alloc"), 0);
	free(t);
}

/* ---- reductions ---- */

static void test_default_row_reduction(void **state)
{
	(void)state;
	tir_expr *n = tir_shape_var(FX_C, "n"), *m = tir_shape_var(FX_C, "m");
	tir_func *f = fx_rowsum(n, m), *g;
	tir_expr *vars[] = {n, m};
	int64_t vals[] = {3, 21, 2, 16, 4, 3, 1, 1};
	char *t = scheduled(f, &g, 2, vars, vals, 4, 1e-5);
	/* 8 accumulators per row, vector adds, the sum of the lanes after */
	assert_contains(t, "for (i, 0, n) parallel {\n"
			   "    alloc S_rf: Buffer(float32, [1, 8]) {");
	assert_contains(t, "for (k_1_1, 0, 8) vectorized {\n"
			   "          block S_rf(");
	assert_contains(t, "S[vi_3] = S[vi_3] + S_rf[vi_3 - i, vr_3]");
	free(t);
}

static void test_default_column_reduction(void **state)
{
	(void)state;
	tir_expr *n = tir_shape_var(FX_C, "n"), *m = tir_shape_var(FX_C, "m");
	tir_func *f = fx_colsum(n, m), *g;
	tir_expr *vars[] = {n, m};
	int64_t vals[] = {5, 19, 3, 8, 1, 1};
	char *t = scheduled(f, &g, 2, vars, vals, 3, 1e-5);
	/* vectorized along the output row, the reduction outside it */
	assert_contains(t, "for (j_0, 0, m // 8) parallel {");
	assert_contains(t, "block S_init(");
	const char *red = strstr(t, "for (i, 0, n) {");
	assert_non_null(red);
	assert_non_null(strstr(red, "vectorized {\n        block S("));
	free(t);
}

static void test_default_softmax(void **state)
{
	(void)state;
	tir_expr *n = tir_shape_var(FX_C, "n"), *m = tir_shape_var(FX_C, "m");
	tir_func *f = fx_softmax(n, m), *g;
	tir_expr *vars[] = {n, m};
	/* m = 0: the split-off init of the max (which reads A[i, 0]) must not
	 * run then */
	int64_t vals[] = {3, 21, 2, 8, 1, 5, 2, 0};
	char *t = scheduled(f, &g, 2, vars, vals, 4, 1e-5);
	assert_contains(t, "where (m >= 1)");
	/* E inlined; max and sum rfactored; the divide fused into the sum's
	 * row loop, where S is one element */
	assert_contains(t, "M_rf[vi - i, vr] = float32(-inf)");
	assert_contains(t, "alloc S: Buffer(float32, [1])");
	assert_contains(t, "Y[vi_8, vj] = exp(A[vi_8, vj] - M[vi_8]) / S[vi_8 - i_1]");
	assert_int_equal(count(t, "parallel"), 2);
	free(t);
}

/* ---- matmul ---- */

static void test_default_matmul(void **state)
{
	(void)state;
	tir_expr *m = tir_shape_var(FX_C, "m"), *n = tir_shape_var(FX_C, "n"),
		 *k = tir_shape_var(FX_C, "k");
	tir_func *f = fx_matmul(m, n, k, false), *g;
	tir_expr *vars[] = {m, n, k};
	int64_t vals[] = {7, 37, 9, 12, 32, 4, 1, 5, 3, 30, 16, 1};
	char *t = scheduled(f, &g, 3, vars, vals, 4, 1e-5);
	/* column panels in parallel, 6 x 16 accumulator tiles, rows unrolled,
	 * 16 lanes vectorized; four tile kinds (main, M tail, N tail, both) */
	assert_contains(t, "for (j_0, 0, n // 16) parallel {");
	assert_contains(t, "for (i_0, 0, m // 6) {\n"
			   "      alloc C_local: Buffer(float32, [6, 16], scope=\"local\") {");
	assert_contains(t, "for (i_1_1, 0, 6) unrolled {\n"
			   "            for (j_1_1, 0, 16) vectorized {\n"
			   "              block C(");
	assert_int_equal(count(t, "alloc C_local"), 4);
	/* K symbolic: no B panel on the stack of a parallel loop */
	assert_int_equal(count(t, "B_local"), 0);
	free(t);
}

static void test_default_matmul_packs_panel(void **state)
{
	(void)state;
	tir_expr *m = tir_shape_var(FX_C, "m");
	tir_func *f = fx_matmul(m, I(48), I(32), false), *g;
	int64_t vals[] = {30, 5, 1};
	char *t = scheduled(f, &g, 1, &m, vals, 3, 1e-5);
	/* N = 48: three column blocks of 2 vectors, 6 rows; K = 32: the
	 * 32 x 16 panel is packed per column block; k unrolled by 4 */
	assert_contains(t, "for (j_0, 0, 3) parallel {\n"
			   "    alloc B_local: Buffer(float32, [32, 16], scope=\"local\") {");
	assert_contains(t, "alloc C_local: Buffer(float32, [6, 16], scope=\"local\")");
	assert_contains(t, "for (k_1, 0, 4) unrolled {");
	free(t);
}

static void test_default_matmul_tile_shapes(void **state)
{
	(void)state;
	tir_expr *m = tir_shape_var(FX_C, "m");
	/* N = 72 is a multiple of 3 vectors but not of 2: a 4 x 24 tile */
	tir_func *f = fx_matmul(m, I(72), I(8), false), *g;
	int64_t vals[] = {9};
	char *t = scheduled(f, &g, 1, &m, vals, 1, 1e-5);
	assert_contains(t, "alloc C_local: Buffer(float32, [4, 24], scope=\"local\")");
	free(t);
	/* M = 3 (constant, below 6): the tile is 3 rows, no tail */
	f = fx_matmul(I(3), I(32), I(8), false);
	t = scheduled(f, &g, 0, NULL, NULL, 1, 1e-5);
	assert_contains(t, "alloc C_local: Buffer(float32, [3, 16], scope=\"local\")");
	assert_null(strstr(t, "_tail"));
	free(t);
}

static void test_default_dense_transposed(void **state)
{
	(void)state;
	tir_expr *m = tir_shape_var(FX_C, "m");
	/* B is [N, K]: packed to [K][nr] panels so j is contiguous */
	tir_func *f = fx_matmul(m, I(64), I(32), true), *g;
	int64_t vals[] = {5, 1};
	char *t = scheduled(f, &g, 1, &m, vals, 2, 1e-5);
	assert_contains(t, "alloc B_local: Buffer(float32, [32, 16], scope=\"local\")");
	assert_contains(t, "B_local[v1, v0 - j_0 * 16] = B[v0, v1]");
	free(t);
	/* N = 40: one vector a row, 12 rows; K = 1200: the 1200 x 8 panel
	 * (37.5 KiB) fits a parallel loop's stack and is packed per column
	 * block */
	f = fx_matmul(m, I(40), I(1200), true);
	int64_t vals2[] = {3};
	t = scheduled(f, &g, 1, &m, vals2, 1, 1e-4);
	assert_contains(t, "for (j_0, 0, 5) parallel {\n"
			   "    alloc B_local: Buffer(float32, [1200, 8], scope=\"local\") {");
	assert_contains(t, "alloc C_local: Buffer(float32, [12, 8], scope=\"local\")");
	free(t);
	/* K = 4800: a 4800 x 8 panel (150 KiB) would not fit the stack; B
	 * is packed whole first */
	f = fx_matmul(m, I(40), I(4800), true);
	t = scheduled(f, &g, 1, &m, vals2, 1, 1e-3);
	assert_contains(t, "alloc B_local: Buffer(float32, [4800, 40], scope=\"local\") {\n"
			   "    for (ax1, 0, 4800) parallel {");
	assert_contains(t, "alloc C_local: Buffer(float32, [12, 8], scope=\"local\")");
	free(t);
}

static void test_default_matmul_epilogue(void **state)
{
	(void)state;
	tir_expr *m = tir_shape_var(FX_C, "m"), *n = tir_shape_var(FX_C, "n"),
		 *k = tir_shape_var(FX_C, "k");
	tir_func *f = fx_matmul_bias_relu(m, n, k), *g;
	tir_expr *vars[] = {m, n, k};
	int64_t vals[] = {7, 37, 9, 6, 16, 2};
	char *t = scheduled(f, &g, 3, vars, vals, 2, 1e-5);
	/* T is the accumulator tile; the bias + relu runs on it, no copy */
	assert_contains(t, "alloc T: Buffer(float32, [6, 16])");
	assert_contains(t, "D[ui, uj] = max(T[ui - i_0 * 6, uj - j_0 * 16] + Bias[uj], 0.0f)");
	assert_int_equal(count(t, "_local"), 0);
	free(t);
}

/* ---- conv2d ---- */

static void test_default_conv2d(void **state)
{
	(void)state;
	tir_expr *n = tir_shape_var(FX_C, "n"), *h = tir_shape_var(FX_C, "h");
	tir_func *f = fx_conv2d(n, 3, 8, h, h), *g;
	tir_expr *vars[] = {n, h};
	int64_t vals[] = {2, 6, 1, 17};
	char *t = scheduled(f, &g, 2, vars, vals, 2, 1e-5);
	/* the input padded once, in parallel; batch x channel blocks in
	 * parallel (all 8 channels in one block), the weights packed per
	 * block with the channels last; a tile of 12 columns x 8 channels
	 * (the channels in the vector lanes), the window unrolled, the padded
	 * input read without bounds checks and broadcast */
	assert_contains(t, "alloc X_pad: Buffer(float32, [n, 3, h + 2, h + 2]) {");
	assert_int_equal(count(t, ") parallel {"), 2);
	assert_contains(t, "for (n_oc_0_fused, 0, n) parallel {\n"
			   "      alloc W_local: Buffer(float32, [3, 3, 3, 8], scope=\"local\") {");
	assert_contains(t, "W_local[v1_2, v2_2, v3_2, v0_2] = W[v0_2, v1_2, v2_2, v3_2]");
	assert_contains(t, "for (y, 0, h) {\n"
			   "          for (x_0, 0, h // 12) {\n"
			   "            alloc Y_local: Buffer(float32, [1, 1, 12, 8], scope=\"local\")");
	assert_contains(t, "for (kx, 0, 3) unrolled {\n"
			   "                    for (x_1_1, 0, 12) unrolled {\n"
			   "                      for (oc_1_1, 0, 8) vectorized {");
	assert_contains(t, "X_pad[vn_1, vic, vy_1 + vky, vx_1 + vkx] * W_local[vic, vky, vkx, voc_1]");
	/* the columns past the last full tile: a tail loop */
	assert_contains(t, "for (x_0_tail, h // 12, (h + 11) // 12 - h // 12) {");
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_classify, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_default_elementwise, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_default_broadcast_inlined, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_default_row_reduction, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_default_column_reduction, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_default_softmax, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_default_matmul, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_default_matmul_packs_panel, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_default_matmul_tile_shapes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_default_dense_transposed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_default_matmul_epilogue, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_default_conv2d, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
