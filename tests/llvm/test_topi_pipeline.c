/* The whole path from a compute definition to machine code: topi builds a
 * PrimFunc over symbolic shapes, the default CPU schedule transforms it,
 * the backend lowers and JIT-compiles it once, and it runs at several
 * shapes -- compared with the reference interpreter (tir/eval) running the
 * unscheduled PrimFunc on the same inputs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "fixtures.h"
#include "tir/eval.h"
#include "tir/schedule/schedule.h"
#include "tir/topi/topi.h"

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

#define V(name) tir_shape_var(C, (name))
#define K(v) tir_int(C, (v))

/* Schedules f, compiles it, and runs it and the interpreter on `nsets`
 * shape sets: shapes[s][p] is the shape of param p (ranks from f). */
static void run_case(tir_func *f, int nsets, const int64_t shapes[][4][4], double tol)
{
	tir_target t = tir_target_avx2();
	tir_func *g;
	char *trace = NULL;
	if (tir_schedule_default_cpu(C, f, &t, &g, &trace))
		fail_msg("schedule %s: %s", f->name, sb_last_error());
	free(trace);
	sb_llvm_module *m;
	assert_int_equal(sb_llvm_module_new(f->name, NULL, &m), SB_OK);
	if (sb_llvm_module_add(m, C, g)) {
		char *s = tir_func_to_string(g);
		fail_msg("compile %s: %s\n%s", f->name, sb_last_error(), s);
	}
	sb_llvm_jit *j;
	if (sb_llvm_jit_new(m, &j))
		fail_msg("jit %s: %s", f->name, sb_last_error());
	sb_packed_fn fn = sb_llvm_jit_lookup(j, f->name);
	assert_non_null(fn);
	for (int s = 0; s < nsets; s++) {
		sb_tensor *got[4] = {0}, *want[4] = {0};
		for (int p = 0; p < f->nparams; p++) {
			const tir_buffer *b = f->params[p].buffer;
			got[p] = fx_tensor(b->dtype, b->ndim, shapes[s][p], 100 + (unsigned)p);
			want[p] = sb_tensor_copy(got[p]);
		}
		if (fx_call(fn, got, f->nparams))
			fail_msg("%s, set %d: %s", f->name, s, sb_last_error());
		if (tir_eval_tensors(f, want, f->nparams))
			fail_msg("eval %s, set %d: %s", f->name, s, sb_last_error());
		const sb_tensor *o = got[f->nparams - 1], *w = want[f->nparams - 1];
		for (int64_t i = 0; i < sb_tensor_numel(o); i++) {
			double a = sb_tensor_get_f64(o, i), b = sb_tensor_get_f64(w, i);
			if (!(fabs(a - b) <= tol * (1 + fabs(b))))
				fail_msg("%s, set %d, element %lld: %.9g, want %.9g", f->name, s,
					 (long long)i, a, b);
		}
		for (int p = 0; p < f->nparams; p++) {
			sb_tensor_release(got[p]);
			sb_tensor_release(want[p]);
		}
	}
	sb_llvm_jit_free(j);
}

static void test_binary_broadcast(void **state)
{
	tir_expr *a[2] = {V("m"), V("n")}, *b[1] = {V("n")};
	tir_func *f;
	assert_int_equal(topi_binary(C, "badd", TOPI_BINARY_ADD, topi_tensor_make(SB_F32, 2, a),
				     topi_tensor_make(SB_F32, 1, b), &f),
			 SB_OK);
	const int64_t shapes[][4][4] = {
	    {{1, 1}, {1}, {1, 1}}, {{13, 97}, {97}, {13, 97}}, {{97, 13}, {13}, {97, 13}}};
	run_case(f, 3, shapes, 0);
}

static void test_unary_exp_tanh_erf_sigmoid(void **state)
{
	const topi_unary_op ops[] = {TOPI_UNARY_EXP, TOPI_UNARY_TANH, TOPI_UNARY_ERF,
				     TOPI_UNARY_SIGMOID, TOPI_UNARY_RELU};
	tir_expr *x[2] = {V("n"), V("c")};
	for (size_t k = 0; k < SB_ARRAY_LEN(ops); k++) {
		tir_func *f;
		assert_int_equal(topi_unary(C, topi_unary_name(ops[k]), ops[k], NULL,
					    topi_tensor_make(SB_F32, 2, x), &f),
				 SB_OK);
		const int64_t shapes[][4][4] = {
		    {{1, 1}, {1, 1}}, {{13, 97}, {13, 97}}, {{3, 1000}, {3, 1000}}};
		run_case(f, 3, shapes, 1e-6);
	}
}

static void test_reduce_sum(void **state)
{
	tir_expr *x[3] = {V("a"), V("b"), V("c")};
	topi_reduce_params p = {.naxes = 1, .axes = {-1}, .keepdims = false};
	tir_func *f;
	assert_int_equal(
	    topi_reduce(C, "rsum", TOPI_REDUCE_SUM, topi_tensor_make(SB_F32, 3, x), &p, &f), SB_OK);
	const int64_t shapes[][4][4] = {
	    {{1, 1, 1}, {1, 1}}, {{2, 13, 97}, {2, 13}}, {{3, 7, 64}, {3, 7}}};
	run_case(f, 3, shapes, 1e-5);
}

static void test_matmul(void **state)
{
	tir_expr *a[2] = {V("m"), V("k")}, *b[2] = {V("k"), V("n")};
	tir_func *f;
	assert_int_equal(topi_matmul(C, "mm", topi_tensor_make(SB_F32, 2, a),
				     topi_tensor_make(SB_F32, 2, b), &f),
			 SB_OK);
	const int64_t shapes[][4][4] = {{{1, 1}, {1, 1}, {1, 1}},
					{{13, 17}, {17, 97}, {13, 97}},
					{{64, 33}, {33, 40}, {64, 40}}};
	run_case(f, 3, shapes, 1e-5);
}

static void test_matmul_half_types(void **state)
{
	const sb_dtype dts[2] = {SB_F16, SB_BF16};
	for (int d = 0; d < 2; d++) {
		tir_expr *a[2] = {V("m"), V("k")}, *b[2] = {V("k"), V("n")};
		tir_func *f;
		assert_int_equal(topi_matmul(C, d ? "mm_bf16" : "mm_f16",
					     topi_tensor_make(dts[d], 2, a),
					     topi_tensor_make(dts[d], 2, b), &f),
				 SB_OK);
		const int64_t shapes[][4][4] = {{{1, 1}, {1, 1}, {1, 1}},
						{{13, 17}, {17, 97}, {13, 97}},
						{{64, 33}, {33, 40}, {64, 40}}};
		run_case(f, 3, shapes, d ? 1e-2 : 2e-3);
		/* a dot product: a rank-0 output */
		tir_expr *v[1] = {V("k")};
		assert_int_equal(topi_matmul(C, d ? "dot_bf16" : "dot_f16",
					     topi_tensor_make(dts[d], 1, v),
					     topi_tensor_make(dts[d], 1, v), &f),
				 SB_OK);
		const int64_t dots[][4][4] = {
		    {{1}, {1}, {0}}, {{13}, {13}, {0}}, {{97}, {97}, {0}}};
		run_case(f, 3, dots, d ? 1e-2 : 2e-3);
	}
}

static void test_softmax(void **state)
{
	tir_expr *x[2] = {V("n"), V("c")};
	topi_softmax_params p = {.axis = -1};
	tir_func *f;
	assert_int_equal(
	    topi_softmax(C, "softmax", TOPI_SOFTMAX, topi_tensor_make(SB_F32, 2, x), &p, &f),
	    SB_OK);
	const int64_t shapes[][4][4] = {
	    {{1, 1}, {1, 1}}, {{13, 97}, {13, 97}}, {{4, 1000}, {4, 1000}}};
	run_case(f, 3, shapes, 1e-5);
}

static void test_conv2d_and_pool(void **state)
{
	tir_expr *x[4] = {V("n"), K(3), V("h"), V("w")}, *w[4] = {K(8), K(3), K(3), K(3)};
	topi_conv_params cp = {.win = {.strides = {2, 2}, .pads = {1, 1, 1, 1}}};
	tir_func *f;
	assert_int_equal(topi_conv(C, "conv", topi_tensor_make(SB_F32, 4, x),
				   topi_tensor_make(SB_F32, 4, w), NULL, &cp, &f),
			 SB_OK);
	/* out = (h + 2 - 3) // 2 + 1 */
	const int64_t shapes[][4][4] = {{{1, 3, 1, 1}, {8, 3, 3, 3}, {1, 8, 1, 1}},
					{{1, 3, 13, 17}, {8, 3, 3, 3}, {1, 8, 7, 9}},
					{{2, 3, 20, 9}, {8, 3, 3, 3}, {2, 8, 10, 5}}};
	run_case(f, 3, shapes, 1e-5);

	tir_expr *px[4] = {V("n"), V("c"), V("h"), V("w")};
	topi_pool_params pp = {.win = {.strides = {2, 2}}, .kernel = {3, 3}};
	assert_int_equal(
	    topi_pool(C, "maxpool", TOPI_POOL_MAX, topi_tensor_make(SB_F32, 4, px), &pp, &f),
	    SB_OK);
	const int64_t ps[][4][4] = {{{1, 1, 3, 3}, {1, 1, 1, 1}},
				    {{1, 4, 13, 17}, {1, 4, 6, 8}},
				    {{2, 3, 9, 20}, {2, 3, 4, 9}}};
	run_case(f, 3, ps, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_binary_broadcast, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unary_exp_tanh_erf_sigmoid, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reduce_sum, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_matmul, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_matmul_half_types, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_softmax, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conv2d_and_pool, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
