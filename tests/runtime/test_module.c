/* runtime: loading a model .so through the public API.  The .so
 * (module_lib.c + the generated module_blob.c) is built by CMake; its
 * kernels live only in the .so, so every call to them goes through the
 * module's own registry and the sb_module_runtime table. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "runtime/runtime.h"
#include "shapebridge/model.h"

static void test_describe_inputs(void **state)
{
	sb_model *m;
	assert_int_equal(sb_model_load(SB_TEST_MODULE_PATH, &m), SB_OK);
	assert_int_equal(sb_model_num_inputs(m), 1);
	assert_int_equal(sb_model_num_outputs(m), 1);
	sb_io_info in;
	assert_int_equal(sb_model_input_info(m, 0, &in), SB_OK);
	assert_string_equal(in.name, "x");
	assert_int_equal(in.dtype, SB_F32);
	assert_int_equal(in.rank, 2);
	assert_int_equal(in.dims[0].value, -1);
	assert_string_equal(in.dims[0].name, "n");
	assert_int_equal(in.dims[1].value, 4);
	assert_null(in.dims[1].name);
	assert_int_equal(sb_model_input_info(m, 1, &in), SB_ERR_INVALID);
	sb_io_info out;
	assert_int_equal(sb_model_output_info(m, 0, &out), SB_OK);
	assert_string_equal(out.name, "y");
	sb_model_free(m);
	/* The kernels were registered in the module's registry only. */
	assert_null(sb_func_lookup("test.add"));
}

static void test_run_two_shapes(void **state)
{
	sb_model *m;
	assert_int_equal(sb_model_load(SB_TEST_MODULE_PATH, &m), SB_OK);
	sb_set_num_threads(2); /* test.add goes through the module's parallel_for */
	for (int64_t n = 1; n <= 1000; n *= 10) {
		int64_t shape[2] = {n, 4};
		sb_tensor *x = sb_tensor_new(SB_F32, 2, shape);
		for (int64_t i = 0; i < 4 * n; i++)
			((float *)x->dl.data)[i] = (float)i - 7;
		sb_tensor *y = NULL;
		assert_int_equal(sb_model_run(m, &x, 1, &y, 1), SB_OK);
		assert_non_null(y);
		assert_true(sb_shape_equal(2, shape, y->dl.ndim, y->shape));
		for (int64_t i = 0; i < 4 * n; i++)
			assert_float_equal(((float *)y->dl.data)[i], 2.0 * ((double)i - 7), 0);
		sb_tensor_release(y);
		sb_tensor_release(x);
	}
	sb_model_free(m);
}

static void test_run_errors(void **state)
{
	sb_model *m;
	assert_int_equal(sb_model_load(SB_TEST_MODULE_PATH, &m), SB_OK);
	int64_t shape[2] = {3, 5};
	sb_tensor *x = sb_tensor_zeros(SB_F32, 2, shape), *y = NULL;
	assert_int_equal(sb_model_run(m, &x, 1, &y, 1), SB_ERR_INVALID);
	assert_string_equal(sb_last_error(), "input 'x' dim 1: expected 4, got 5");
	assert_null(y);
	assert_int_equal(sb_model_run(m, &x, 0, &y, 1), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "takes 1 inputs, 0 given"));
	sb_tensor *none = NULL;
	assert_int_equal(sb_model_run(m, &none, 1, &y, 1), SB_ERR_INVALID);
	assert_string_equal(sb_last_error(), "input 'x' is missing");
	sb_tensor_release(x);
	shape[1] = 4;
	x = sb_tensor_zeros(SB_F32, 2, shape);
	sb_tensor *two[2];
	assert_int_equal(sb_model_run(m, &x, 1, two, 2), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "1 output, 2 requested"));
	sb_tensor_release(x);
	sb_model_free(m);
}

static void test_stats_and_two_instances(void **state)
{
	/* Two loads of one .so are independent models; repeated runs at one
	 * shape reuse the pooled storage. */
	sb_model *a, *b;
	assert_int_equal(sb_model_load(SB_TEST_MODULE_PATH, &a), SB_OK);
	assert_int_equal(sb_model_load(SB_TEST_MODULE_PATH, &b), SB_OK);
	int64_t shape[2] = {6, 4};
	sb_tensor *x = sb_tensor_zeros(SB_F32, 2, shape);
	for (int run = 0; run < 3; run++) {
		sb_tensor *y;
		assert_int_equal(sb_model_run(a, &x, 1, &y, 1), SB_OK);
		sb_tensor_release(y);
	}
	sb_tensor *kept;
	assert_int_equal(sb_model_run(b, &x, 1, &kept, 1), SB_OK);
	sb_mem_stats sa, sbs;
	sb_model_mem_stats(a, &sa);
	sb_model_mem_stats(b, &sbs);
	assert_int_equal(sa.allocs, 3);
	assert_int_equal(sa.mallocs, 1);
	assert_int_equal(sa.bytes_live, 0);
	assert_int_equal(sa.bytes_peak, 6 * 4 * 4 + 64);
	assert_int_equal(sbs.allocs, 1);
	assert_int_equal(sbs.bytes_live, 6 * 4 * 4 + 64); /* `kept` holds it */
	sb_model_free(a);
	sb_model_free(b);
	/* The output outlives its model: its data is still ours to read.
	 * (The .so is unloaded, but the data never pointed into it.) */
	assert_float_equal(((float *)kept->dl.data)[23], 0.0, 0);
	sb_tensor_release(kept);
	sb_tensor_release(x);
}

typedef struct run_env {
	sb_model *model;
	int64_t n;
	int ok;
} run_env;

static void *run_thread(void *p)
{
	run_env *env = p;
	int64_t shape[2] = {env->n, 4};
	for (int iter = 0; iter < 50; iter++) {
		sb_tensor *x = sb_tensor_new(SB_F32, 2, shape), *y = NULL;
		for (int64_t i = 0; i < 4 * env->n; i++)
			((float *)x->dl.data)[i] = (float)(i + iter);
		bool good = sb_model_run(env->model, &x, 1, &y, 1) == SB_OK && y->shape[0] == env->n;
		for (int64_t i = 0; good && i < 4 * env->n; i++)
			good = ((float *)y->dl.data)[i] == 2.0f * (float)(i + iter);
		env->ok += good;
		sb_tensor_release(y);
		sb_tensor_release(x);
	}
	return NULL;
}

static void test_concurrent_runs(void **state)
{
	/* One model, two threads, different shapes: frames and the pool are
	 * shared, the shape heaps are per frame. */
	sb_model *m;
	assert_int_equal(sb_model_load(SB_TEST_MODULE_PATH, &m), SB_OK);
	pthread_t th[2];
	run_env env[2] = {{m, 3, 0}, {m, 17, 0}};
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, run_thread, &env[i]);
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(env[i].ok, 50);
	}
	sb_model_free(m);
}

static void test_load_failures(void **state)
{
	sb_model *m = (sb_model *)1;
	assert_int_equal(sb_model_load("/nonexistent/model.so", &m), SB_ERR_IO);
	assert_null(m);
	assert_non_null(strstr(sb_last_error(), "cannot load model"));
	/* A shared library that is not a model. */
	assert_int_equal(sb_model_load("libm.so.6", &m), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "not a shapebridge model"));

	/* A corrupted copy of the model's blob, through the blob loader. */
	uint8_t junk[64] = "SBVM";
	assert_int_not_equal(sb_model_load_blob(junk, sizeof junk, &m), SB_OK);
	assert_null(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_describe_inputs),
		cmocka_unit_test(test_run_two_shapes),
		cmocka_unit_test(test_run_errors),
		cmocka_unit_test(test_stats_and_two_instances),
		cmocka_unit_test(test_concurrent_runs),
		cmocka_unit_test(test_load_failures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
