/* The inline vector polynomials for float32 exp, tanh, erf and sigmoid
 * (backends/llvm/math.c) against libm on dense sweeps, through the same
 * path a kernel takes: a PrimFunc Y[i] = f(X[i]) with a 16-lane vectorized
 * loop, JIT-compiled.  Sizes are multiples of 16 so every element goes
 * through the vector body. */
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
	return 0;
}

static int teardown(void **state)
{
	tir_ctx_free(C);
	C = NULL;
	return 0;
}

static sb_packed_fn compile(tir_intrin f, sb_llvm_jit **j)
{
	sb_llvm_module *m;
	/* 512 bits: 16 float lanes, one vector per loop step. */
	sb_llvm_options o = {.vector_bits = 512};
	assert_int_equal(sb_llvm_module_new("math", &o, &m), SB_OK);
	const char *name = tir_intrin_table[f].name;
	if (sb_llvm_module_add(m, C, fx_unary(C, name, f, SB_F32, 16)))
		fail_msg("%s", sb_last_error());
	if (sb_llvm_jit_new(m, j))
		fail_msg("%s", sb_last_error());
	sb_packed_fn fn = sb_llvm_jit_lookup(*j, name);
	assert_non_null(fn);
	return fn;
}

static float ref(tir_intrin f, float x)
{
	switch (f) {
	case TIR_INTRIN_EXP:
		return expf(x);
	case TIR_INTRIN_TANH:
		return tanhf(x);
	case TIR_INTRIN_ERF:
		return erff(x);
	case TIR_INTRIN_SIGMOID:
		return (float)(1.0 / (1.0 + exp(-(double)x)));
	default:
		fail();
	}
	return 0;
}

/* Runs fn over n points evenly spread on [lo, hi]; returns the largest
 * relative error against libm (|got - ref| / |ref|, exact match at 0). */
static double sweep(sb_packed_fn fn, tir_intrin f, double lo, double hi, int64_t n, float *worst_x)
{
	sb_tensor *t[2] = {sb_tensor_new(SB_F32, 1, &n), sb_tensor_new(SB_F32, 1, &n)};
	float *x = sb_tensor_data(t[0]), *y = sb_tensor_data(t[1]);
	for (int64_t i = 0; i < n; i++)
		x[i] = (float)(lo + (hi - lo) * (double)i / (double)(n - 1));
	if (fx_call(fn, t, 2))
		fail_msg("%s", sb_last_error());
	double worst = 0;
	*worst_x = 0;
	for (int64_t i = 0; i < n; i++) {
		double r = ref(f, x[i]), err;
		if (r == 0)
			err = y[i] == 0 ? 0 : INFINITY;
		else
			err = fabs((double)y[i] - r) / fabs(r);
		if (!(err <= worst)) {
			worst = err;
			*worst_x = x[i];
		}
	}
	sb_tensor_release(t[0]);
	sb_tensor_release(t[1]);
	return worst;
}

static void check_sweep(tir_intrin f, double lo, double hi)
{
	sb_llvm_jit *j;
	sb_packed_fn fn = compile(f, &j);
	float at;
	/* 2^21 points: a spacing of 8e-5 on [-87, 88], 1e-5 on [-10, 10]. */
	double err = sweep(fn, f, lo, hi, (int64_t)1 << 21, &at);
	print_message("%-8s on [%g, %g]: max relative error %.3g (at x = %.9g)\n",
		      tir_intrin_table[f].name, lo, hi, err, at);
	if (!(err < 1e-6))
		fail_msg("%s: max relative error %.3g at x = %.9g", tir_intrin_table[f].name, err,
			 at);
	/* Near zero, where relative error is hardest for odd functions. */
	if (f != TIR_INTRIN_EXP) {
		err = sweep(fn, f, -1e-3, 1e-3, 1 << 14, &at);
		print_message("%-8s on [-1e-3, 1e-3]: max relative error %.3g\n",
			      tir_intrin_table[f].name, err);
		assert_true(err < 1e-6);
	}
	sb_llvm_jit_free(j);
}

static void test_exp_accuracy(void **state)
{
	check_sweep(TIR_INTRIN_EXP, -87.0, 88.0);
}

static void test_tanh_accuracy(void **state)
{
	check_sweep(TIR_INTRIN_TANH, -10.0, 10.0);
}

static void test_erf_accuracy(void **state)
{
	check_sweep(TIR_INTRIN_ERF, -10.0, 10.0);
}

static void test_sigmoid_accuracy(void **state)
{
	check_sweep(TIR_INTRIN_SIGMOID, -10.0, 10.0);
}

/* Infinities, NaN, signed zeros, overflow and underflow. */
static void test_special_values(void **state)
{
	const float in[16] = {INFINITY, -INFINITY, NAN,	    0.0f,  -0.0f,  100.0f, -100.0f, 88.7f,
			      -88.0f,	1e-30f,	   -1e-30f, 30.0f, -30.0f, 4.5f,   -4.5f,   0.625f};
	const tir_intrin fs[4] = {TIR_INTRIN_EXP, TIR_INTRIN_TANH, TIR_INTRIN_ERF,
				  TIR_INTRIN_SIGMOID};
	int64_t n = 16;
	for (int k = 0; k < 4; k++) {
		sb_llvm_jit *j;
		sb_packed_fn fn = compile(fs[k], &j);
		sb_tensor *t[2] = {sb_tensor_new(SB_F32, 1, &n), sb_tensor_new(SB_F32, 1, &n)};
		memcpy(sb_tensor_data(t[0]), in, sizeof in);
		assert_int_equal(fx_call(fn, t, 2), 0);
		const float *y = sb_tensor_data(t[1]);
		for (int i = 0; i < 16; i++) {
			float want = ref(fs[k], in[i]);
			bool ok = isnan(want)	? isnan(y[i])
				  : isinf(want) ? y[i] == want
				  : want == 0	? fabsf(y[i]) <= 1e-37f
						: fabs((double)y[i] - want) <= 1e-6 * fabs(want);
			if (!ok)
				fail_msg("%s(%g) = %.9g, want %.9g", tir_intrin_table[fs[k]].name,
					 in[i], y[i], want);
		}
		sb_tensor_release(t[0]);
		sb_tensor_release(t[1]);
		sb_llvm_jit_free(j);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_exp_accuracy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tanh_accuracy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_erf_accuracy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sigmoid_accuracy, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_special_values, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
