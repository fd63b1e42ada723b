/* Parallel loops outlined into closures (tir_outline_parallel) and run by
 * sb_parallel_for on 2 threads give the results of plain serial C loops;
 * loops whose body could fail stay serial. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "fixtures.h"

static tir_ctx *C;

static int setup(void **state)
{
	C = tir_ctx_new();
	sb_set_num_threads(2);
	return 0;
}

static int teardown(void **state)
{
	sb_set_num_threads(0);
	tir_ctx_free(C);
	C = NULL;
	return 0;
}

#define assert_contains(s, sub) assert_contains_((s), (sub), __FILE__, __LINE__)
static void assert_contains_(const char *s, const char *sub, const char *file, int line)
{
	if (!s || !strstr(s, sub)) {
		print_error("'%s' does not contain '%s'\n", s ? s : "(null)", sub);
		_fail(file, line);
	}
}

static sb_packed_fn jit(tir_func *f, sb_llvm_jit **j)
{
	sb_llvm_module *m;
	assert_int_equal(sb_llvm_module_new(f->name, NULL, &m), SB_OK);
	if (sb_llvm_module_add(m, C, f))
		fail_msg("%s", sb_last_error());
	char *ir = sb_llvm_module_to_string(m);
	assert_contains(ir, "sb_parallel_for"); /* launched through the pool */
	free(ir);
	if (sb_llvm_jit_new(m, j))
		fail_msg("%s", sb_last_error());
	sb_packed_fn fn = sb_llvm_jit_lookup(*j, f->name);
	assert_non_null(fn);
	return fn;
}

static void test_rowsum_on_two_threads(void **state)
{
	assert_int_equal(sb_get_num_threads(), 2);
	tir_func *f = fx_rowsum(C, TIR_FOR_PARALLEL);
	char *tir;
	assert_int_equal(sb_llvm_dump_tir(C, f, NULL, &tir), SB_OK);
	assert_contains(tir, "@func rowsum_par0(begin: int64, end: int64, n: int64");
	free(tir);
	sb_llvm_jit *j;
	sb_packed_fn fn = jit(f, &j);
	const int64_t shapes[][2] = {{1, 13}, {13, 97}, {97, 13}, {2, 1}, {1000, 3}};
	for (size_t s = 0; s < SB_ARRAY_LEN(shapes); s++) {
		int64_t m = shapes[s][0], n = shapes[s][1];
		sb_tensor *t[2] = {fx_tensor(SB_F32, 2, shapes[s], 41),
				   fx_tensor(SB_F32, 1, &m, 42)};
		if (fx_call(fn, t, 2))
			fail_msg("%s", sb_last_error());
		const float *a = sb_tensor_data(t[0]), *got = sb_tensor_data(t[1]);
		for (int64_t i = 0; i < m; i++) {
			float acc = 0.0f; /* the same order as the kernel: exact */
			for (int64_t k = 0; k < n; k++)
				acc += a[i * n + k];
			if (got[i] != acc)
				fail_msg("row %lld of %lldx%lld: %g, want %g", (long long)i,
					 (long long)m, (long long)n, got[i], acc);
		}
		sb_tensor_release(t[0]);
		sb_tensor_release(t[1]);
	}
	sb_llvm_jit_free(j);
}

static void test_bias_add_and_matmul_on_two_threads(void **state)
{
	sb_llvm_jit *j1, *j2;
	sb_packed_fn bias = jit(fx_bias_add(C, TIR_FOR_PARALLEL), &j1);
	sb_packed_fn mm = jit(fx_matmul(C), &j2);
	const int64_t shapes[][3] = {{1, 1, 1}, {13, 97, 5}, {97, 13, 17}};
	for (size_t s = 0; s < SB_ARRAY_LEN(shapes); s++) {
		int64_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
		int64_t mn[2] = {m, n}, mk[2] = {m, k}, kn[2] = {k, n};
		sb_tensor *b[3] = {fx_tensor(SB_F32, 2, mn, 1), fx_tensor(SB_F32, 1, &n, 2),
				   fx_tensor(SB_F32, 2, mn, 3)};
		assert_int_equal(fx_call(bias, b, 3), 0);
		const float *a = sb_tensor_data(b[0]), *v = sb_tensor_data(b[1]),
			    *c = sb_tensor_data(b[2]);
		for (int64_t i = 0; i < m * n; i++)
			assert_true(c[i] == a[i] + v[i % n]);
		sb_tensor *t[3] = {fx_tensor(SB_F32, 2, mk, 4), fx_tensor(SB_F32, 2, kn, 5),
				   fx_tensor(SB_F32, 2, mn, 6)};
		assert_int_equal(fx_call(mm, t, 3), 0);
		const float *x = sb_tensor_data(t[0]), *y = sb_tensor_data(t[1]),
			    *z = sb_tensor_data(t[2]);
		for (int64_t i = 0; i < m; i++)
			for (int64_t q = 0; q < n; q++) {
				float acc = 0.0f;
				for (int64_t r = 0; r < k; r++)
					acc += x[i * k + r] * y[r * n + q];
				assert_true(fabsf(z[i * n + q] - acc) <= 1e-5f * (1 + fabsf(acc)));
			}
		for (int q = 0; q < 3; q++) {
			sb_tensor_release(b[q]);
			sb_tensor_release(t[q]);
		}
	}
	sb_llvm_jit_free(j1);
	sb_llvm_jit_free(j2);
}

/* for (i, 0, n) parallel { assert(A[i] >= 0); B[i] = A[i] } : a closure
 * could not report the assert, so the loop runs serially -- and still
 * reports it. */
static void test_failing_body_stays_serial(void **state)
{
	tir_expr *n = tir_shape_var(C, "n"), *i = fx_loopvar(C, "i");
	tir_buffer *a = tir_buffer_new(C, "A", SB_F32, 1, &n),
		   *b = tir_buffer_new(C, "B", SB_F32, 1, &n);
	tir_expr *ai = tir_load(C, a, 1, &i);
	tir_stmt *body[2] = {
	    tir_assert(C, tir_ge(C, ai, tir_f32(C, 0.0)), "A must be non-negative"),
	    tir_store(C, b, ai, 1, &i)};
	tir_param ps[2] = {tir_param_buffer(a), tir_param_buffer(b)};
	tir_func *f =
	    tir_func_new(C, "checked", 2, ps,
			 tir_for(C, i, tir_int(C, 0), n, TIR_FOR_PARALLEL, tir_seq(C, 2, body)));
	char *tir;
	assert_int_equal(sb_llvm_dump_tir(C, f, NULL, &tir), SB_OK);
	assert_null(strstr(tir, "_par0"));
	assert_null(strstr(tir, "parallel"));
	free(tir);
	sb_llvm_module *m;
	sb_llvm_jit *j;
	assert_int_equal(sb_llvm_module_new("checked", NULL, &m), SB_OK);
	assert_int_equal(sb_llvm_module_add(m, C, f), SB_OK);
	assert_int_equal(sb_llvm_jit_new(m, &j), SB_OK);
	sb_packed_fn fn = sb_llvm_jit_lookup(j, "checked");
	int64_t len = 13;
	sb_tensor *t[2] = {sb_tensor_zeros(SB_F32, 1, &len), sb_tensor_new(SB_F32, 1, &len)};
	assert_int_equal(fx_call(fn, t, 2), 0);
	((float *)sb_tensor_data(t[0]))[7] = -1.0f;
	assert_int_equal(fx_call(fn, t, 2), SB_ERR_INVALID);
	assert_contains(sb_last_error(), "checked: A must be non-negative");
	sb_tensor_release(t[0]);
	sb_tensor_release(t[1]);
	sb_llvm_jit_free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rowsum_on_two_threads, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bias_add_and_matmul_on_two_threads, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_failing_body_stays_serial, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
