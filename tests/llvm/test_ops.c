/* Every cast between two dtypes (against the runtime's sb_convert), every
 * float intrinsic in scalar and vector form (against libm), and vector
 * accesses that are not contiguous (lane-by-lane gathers and scatters). */
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

/* ---- Casts ---- */

typedef struct cast_env {
	tir_buffer *x, *y;
	tir_expr *n;
} cast_env;

static tir_stmt *cast_body(tir_ctx *ctx, tir_expr *i, void *envp)
{
	cast_env *e = envp;
	tir_type to = tir_type_scalar(e->y->dtype);
	return tir_store(ctx, e->y, tir_cast(ctx, to, tir_load(ctx, e->x, 1, &i)), 1, &i);
}

static tir_func *cast_func(sb_dtype from, sb_dtype to)
{
	char name[64];
	snprintf(name, sizeof name, "cast_%s_%s", sb_dtype_name(from), sb_dtype_name(to));
	tir_expr *n = tir_shape_var(C, "n");
	cast_env e = {tir_buffer_new(C, "X", from, 1, &n), tir_buffer_new(C, "Y", to, 1, &n), n};
	tir_param ps[2] = {tir_param_buffer(e.x), tir_param_buffer(e.y)};
	/* 4 lanes: 22 elements run the vector body 5 times and a tail of 2 */
	return tir_func_new(C, name, 2, ps, fx_split_loop(C, n, 4, cast_body, &e));
}

static void test_every_cast(void **state)
{
	sb_llvm_module *m;
	assert_int_equal(sb_llvm_module_new("casts", NULL, &m), SB_OK);
	for (int from = 1; from < SB_DT_COUNT; from++)
		for (int to = 1; to < SB_DT_COUNT; to++)
			if (sb_llvm_module_add(m, C, cast_func(from, to)))
				fail_msg("%s", sb_last_error());
	sb_llvm_jit *j;
	assert_int_equal(sb_llvm_jit_new(m, &j), SB_OK);
	/* Small values every dtype holds, then (for float sources) what C
	 * leaves undefined and the Cast semantics define: NaN, out of range,
	 * negative into unsigned. */
	const double vals[] = {0,     1,      2,       3,    7,	       100,	 126,  0.5,
			       1.5,   2.5,    -1,      -2.5, -100,     NAN,	 1e20, -1e20,
			       300.7, -300.7, 65536.5, -0.5, INFINITY, -INFINITY};
	int64_t n = 22;
	for (int from = 1; from < SB_DT_COUNT; from++) {
		for (int to = 1; to < SB_DT_COUNT; to++) {
			char name[64];
			snprintf(name, sizeof name, "cast_%s_%s", sb_dtype_name(from),
				 sb_dtype_name(to));
			sb_packed_fn fn = sb_llvm_jit_lookup(j, name);
			assert_non_null(fn);
			sb_tensor *t[2] = {sb_tensor_new(from, 1, &n), sb_tensor_new(to, 1, &n)};
			for (int i = 0; i < n; i++)
				sb_tensor_set_f64(t[0], i,
						  i < 13 || sb_dtype_is_float(from) ? vals[i] : 3);
			if (fx_call(fn, t, 2))
				fail_msg("%s: %s", name, sb_last_error());
			sb_tensor *want = sb_tensor_new(to, 1, &n);
			sb_convert(to, sb_tensor_data(want), from, sb_tensor_data(t[0]), n);
			if (memcmp(sb_tensor_data(want), sb_tensor_data(t[1]),
				   sb_tensor_nbytes(want))) {
				for (int i = 0; i < n; i++)
					print_error("%s: x=%g got %g want %g\n", name,
						    sb_tensor_get_f64(t[0], i),
						    sb_tensor_get_f64(t[1], i),
						    sb_tensor_get_f64(want, i));
				fail_msg("%s differs from sb_convert", name);
			}
			sb_tensor_release(want);
			sb_tensor_release(t[0]);
			sb_tensor_release(t[1]);
		}
	}
	sb_llvm_jit_free(j);
}

/* ---- Intrinsics ---- */

typedef struct intrin_env {
	tir_buffer *x, *y, *z;
	tir_intrin f;
} intrin_env;

static tir_stmt *intrin_body(tir_ctx *ctx, tir_expr *i, void *envp)
{
	intrin_env *e = envp;
	tir_expr *args[2] = {tir_load(ctx, e->x, 1, &i), tir_load(ctx, e->y, 1, &i)};
	return tir_store(ctx, e->z, tir_call(ctx, e->f, tir_intrin_table[e->f].nargs, args), 1, &i);
}

static tir_func *intrin_func(tir_intrin f, sb_dtype dt, const char *name)
{
	tir_expr *n = tir_shape_var(C, "n");
	sb_dtype out = tir_intrin_table[f].kind == TIR_INTRIN_KIND_PRED ? SB_BOOL : dt;
	intrin_env e = {tir_buffer_new(C, "X", dt, 1, &n), tir_buffer_new(C, "Y", dt, 1, &n),
			tir_buffer_new(C, "Z", out, 1, &n), f};
	tir_param ps[3] = {tir_param_buffer(e.x), tir_param_buffer(e.y), tir_param_buffer(e.z)};
	return tir_func_new(C, name, 3, ps, fx_split_loop(C, n, 8, intrin_body, &e));
}

/* The C library's value, in double. */
static double libm_ref(tir_intrin f, double x, double y)
{
	switch (f) {
	case TIR_INTRIN_EXP:
		return exp(x);
	case TIR_INTRIN_EXP2:
		return exp2(x);
	case TIR_INTRIN_EXPM1:
		return expm1(x);
	case TIR_INTRIN_LOG:
		return log(x);
	case TIR_INTRIN_LOG2:
		return log2(x);
	case TIR_INTRIN_LOG10:
		return log10(x);
	case TIR_INTRIN_LOG1P:
		return log1p(x);
	case TIR_INTRIN_SQRT:
		return sqrt(x);
	case TIR_INTRIN_RSQRT:
		return 1 / sqrt(x);
	case TIR_INTRIN_TANH:
		return tanh(x);
	case TIR_INTRIN_SIGMOID:
		return 1 / (1 + exp(-x));
	case TIR_INTRIN_ERF:
		return erf(x);
	case TIR_INTRIN_POW:
		return pow(x, y);
	case TIR_INTRIN_FABS:
		return fabs(x);
	case TIR_INTRIN_FLOOR:
		return floor(x);
	case TIR_INTRIN_CEIL:
		return ceil(x);
	case TIR_INTRIN_ROUND:
		return nearbyint(x);
	case TIR_INTRIN_TRUNC:
		return trunc(x);
	case TIR_INTRIN_SIN:
		return sin(x);
	case TIR_INTRIN_COS:
		return cos(x);
	case TIR_INTRIN_TAN:
		return tan(x);
	case TIR_INTRIN_ASIN:
		return asin(x);
	case TIR_INTRIN_ACOS:
		return acos(x);
	case TIR_INTRIN_ATAN:
		return atan(x);
	case TIR_INTRIN_SINH:
		return sinh(x);
	case TIR_INTRIN_COSH:
		return cosh(x);
	case TIR_INTRIN_ASINH:
		return asinh(x);
	case TIR_INTRIN_ACOSH:
		return acosh(x);
	case TIR_INTRIN_ATANH:
		return atanh(x);
	case TIR_INTRIN_ATAN2:
		return atan2(x, y);
	case TIR_INTRIN_FMOD:
		return fmod(x, y);
	case TIR_INTRIN_ISNAN:
		return isnan(x);
	case TIR_INTRIN_ISINF:
		return isinf(x) != 0; /* glibc's isinf gives the sign */
	case TIR_INTRIN_ABS:
		return fabs(x);
	default:
		fail();
	}
	return 0;
}

/* Inputs in every intrinsic's domain: x in (0.05, 0.95) (acosh gets 1 + x),
 * negatives for the odd and rounding functions, y in [1, 3). */
static double input_x(tir_intrin f, int i)
{
	double x = 0.05 + 0.9 * (double)i / 37.0;
	switch (f) {
	case TIR_INTRIN_ACOSH:
		return 1 + x * 4;
	case TIR_INTRIN_FLOOR:
	case TIR_INTRIN_CEIL:
	case TIR_INTRIN_ROUND:
	case TIR_INTRIN_TRUNC:
		return (x - 0.5) * 9; /* crosses integers and halves */
	case TIR_INTRIN_TANH:
	case TIR_INTRIN_ERF:
	case TIR_INTRIN_SIGMOID:
	case TIR_INTRIN_EXP:
	case TIR_INTRIN_SIN:
	case TIR_INTRIN_ATAN:
	case TIR_INTRIN_FABS:
	case TIR_INTRIN_ABS:
	case TIR_INTRIN_SINH:
	case TIR_INTRIN_ASINH:
	case TIR_INTRIN_EXPM1:
	case TIR_INTRIN_FMOD:
	case TIR_INTRIN_ATAN2:
		return (x - 0.5) * 6;
	case TIR_INTRIN_ISNAN:
	case TIR_INTRIN_ISINF:
		return i % 3 == 0 ? NAN : i % 3 == 1 ? -INFINITY : x;
	default:
		return x;
	}
}

static void check_intrinsics(sb_dtype dt, double tol)
{
	sb_llvm_module *m;
	assert_int_equal(sb_llvm_module_new("intrinsics", NULL, &m), SB_OK);
	for (int f = 0; f < TIR_INTRIN_COUNT; f++) {
		char name[64];
		snprintf(name, sizeof name, "f_%s", tir_intrin_table[f].name);
		if (sb_llvm_module_add(m, C, intrin_func(f, dt, name)))
			fail_msg("%s: %s", name, sb_last_error());
	}
	sb_llvm_jit *j;
	assert_int_equal(sb_llvm_jit_new(m, &j), SB_OK);
	int64_t n = 37; /* 4 vector steps of 8, a tail of 5 */
	for (int f = 0; f < TIR_INTRIN_COUNT; f++) {
		char name[64];
		snprintf(name, sizeof name, "f_%s", tir_intrin_table[f].name);
		sb_packed_fn fn = sb_llvm_jit_lookup(j, name);
		sb_dtype out = tir_intrin_table[f].kind == TIR_INTRIN_KIND_PRED ? SB_BOOL : dt;
		sb_tensor *t[3] = {sb_tensor_new(dt, 1, &n), sb_tensor_new(dt, 1, &n),
				   sb_tensor_new(out, 1, &n)};
		for (int i = 0; i < n; i++) {
			sb_tensor_set_f64(t[0], i, input_x(f, i));
			sb_tensor_set_f64(t[1], i, 1 + 2 * (double)i / 37.0);
		}
		if (fx_call(fn, t, 3))
			fail_msg("%s: %s", name, sb_last_error());
		for (int i = 0; i < n; i++) {
			/* the reference on the inputs as stored (rounded to dt) */
			double x = sb_tensor_get_f64(t[0], i), y = sb_tensor_get_f64(t[1], i);
			double want = libm_ref(f, x, y), got = sb_tensor_get_f64(t[2], i);
			if (!(fabs(got - want) <= tol * (1e-30 + fabs(want))) && !(got == want))
				fail_msg("%s %s(%.9g, %.9g) = %.9g, want %.9g", sb_dtype_name(dt),
					 name, x, y, got, want);
		}
		for (int q = 0; q < 3; q++)
			sb_tensor_release(t[q]);
	}
	sb_llvm_jit_free(j);
}

static void test_intrinsics_float32(void **state)
{
	check_intrinsics(SB_F32, 1e-6); /* float32 results against double libm */
}

static void test_intrinsics_float64(void **state)
{
	check_intrinsics(SB_F64, 1e-14);
}

static void test_intrinsics_float16(void **state)
{
	check_intrinsics(SB_F16, 1e-3); /* one half ulp is 4.9e-4 */
}

static void test_intrinsics_bfloat16(void **state)
{
	check_intrinsics(SB_BF16, 8e-3); /* one half ulp is 3.9e-3 */
}

/* ---- Vector accesses with a stride ---- */

/* for (o, 0, n // 8) for (i, 0, 8) vectorized { Y[o*8 + i] = X[(o*8 + i) * 2] + X[(o*8 + i) * 2 +
 * 1]; Z[(o*8 + i) * 2] = X[o*8 + i] } (and the tail) */
typedef struct stride_env {
	tir_buffer *x, *y, *z;
} stride_env;

static tir_stmt *stride_body(tir_ctx *ctx, tir_expr *i, void *envp)
{
	stride_env *e = envp;
	tir_expr *i2 = tir_mul(ctx, i, tir_int(ctx, 2)), *i21 = tir_add(ctx, i2, tir_int(ctx, 1));
	tir_stmt *two[2] = {
	    tir_store(ctx, e->y,
		      tir_add(ctx, tir_load(ctx, e->x, 1, &i2), tir_load(ctx, e->x, 1, &i21)), 1,
		      &i),
	    tir_store(ctx, e->z, tir_load(ctx, e->x, 1, &i), 1, &i2)};
	return tir_seq(ctx, 2, two);
}

static void test_strided_gather_scatter(void **state)
{
	tir_expr *n = tir_shape_var(C, "n"), *n2 = tir_mul(C, n, tir_int(C, 2));
	stride_env e = {tir_buffer_new(C, "X", SB_F32, 1, &n2),
			tir_buffer_new(C, "Y", SB_F32, 1, &n),
			tir_buffer_new(C, "Z", SB_F32, 1, &n2)};
	tir_param ps[4] = {tir_param_buffer(e.x), tir_param_buffer(e.y), tir_param_buffer(e.z)};
	/* X is [n * 2]: n is bound from Y */
	tir_func *f = tir_func_new(C, "strided", 3, ps, fx_split_loop(C, n, 8, stride_body, &e));
	char *tir;
	assert_int_equal(sb_llvm_dump_tir(C, f, &(sb_llvm_options){.vector_bits = 256}, &tir),
			 SB_OK);
	assert_non_null(strstr(tir, ", 2, 8)]")); /* ramps of stride 2 */
	free(tir);
	sb_llvm_module *m;
	assert_int_equal(sb_llvm_module_new("strided", NULL, &m), SB_OK);
	assert_int_equal(sb_llvm_module_add(m, C, f), SB_OK);
	sb_llvm_jit *j;
	assert_int_equal(sb_llvm_jit_new(m, &j), SB_OK);
	sb_packed_fn fn = sb_llvm_jit_lookup(j, "strided");
	const int64_t sizes[] = {1, 13, 97};
	for (size_t s = 0; s < SB_ARRAY_LEN(sizes); s++) {
		int64_t len = sizes[s], len2 = len * 2;
		sb_tensor *t[3] = {fx_tensor(SB_F32, 1, &len2, 3), sb_tensor_new(SB_F32, 1, &len),
				   sb_tensor_zeros(SB_F32, 1, &len2)};
		if (fx_call(fn, t, 3))
			fail_msg("%s", sb_last_error());
		const float *x = sb_tensor_data(t[0]), *y = sb_tensor_data(t[1]),
			    *z = sb_tensor_data(t[2]);
		for (int64_t i = 0; i < len; i++) {
			assert_true(y[i] == x[2 * i] + x[2 * i + 1]);
			assert_true(z[2 * i] == x[i]);
			assert_true(z[2 * i + 1] == 0.0f);
		}
		for (int q = 0; q < 3; q++)
			sb_tensor_release(t[q]);
	}
	sb_llvm_jit_free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_every_cast, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_intrinsics_float32, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_intrinsics_float64, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_intrinsics_float16, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_intrinsics_bfloat16, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_strided_gather_scatter, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
