/* The compiler driver end to end on a small hand-made ONNX model:
 *
 *   Z = Relu(MatMul(X + Y, W) + B)    X, Y: float32[n, 4] (shared dim "n"),
 *                                     W: [4, 3], B: [3] initializers
 *
 * compiled to a .so (driver and public API), loaded with the model API, run
 * at several n and compared with the formula computed here and with the
 * relay_like reference interpreter; the errors a user of the .so meets
 * (wrong rank, dtype, dim, disagreeing shared dim, a corrupted blob); the
 * stats text; a failing stage named in the message. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli/driver.h"
#include "shapebridge/compile.h"
#include "tests/import/onnx_build.h"

#define assert_contains(s, sub) assert_contains_((s), (sub), __FILE__, __LINE__)
static void assert_contains_(const char *s, const char *sub, const char *file, int line)
{
	if (!s || !strstr(s, sub)) {
		print_error("'%s' does not contain '%s'\n", s ? s : "(null)", sub);
		_fail(file, line);
	}
}

#define CHECK(call)                                                                                \
	do {                                                                                       \
		if ((call) != SB_OK)                                                               \
			fail_msg("%s: %s", #call, sb_last_error());                                \
	} while (0)

static const float W[12] = {0.5f, -1.0f, 0.25f, 1.5f, 0.0f, -0.5f, -2.0f, 1.0f, 0.75f, 1.0f, 0.5f, -1.25f};
static const float B[3] = {0.1f, -0.2f, 0.3f};

static char dir[64];
static char *onnx_path, *so_path;

/* Writes the model to dir/<file>. */
static char *write_model(const char *file)
{
	onnx_builder b;
	ob_init(&b, 13);
	ob_input(&b, "X", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, "n,4");
	ob_input(&b, "Y", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, "n,4");
	ob_initializer(&b, ob_tensor_f32(&b, "W", "4,3", 12, W));
	ob_initializer(&b, ob_tensor_f32(&b, "B", "3", 3, B));
	ob_node(&b, "Add", "add0", "X,Y", "S");
	ob_node(&b, "MatMul", "mm0", "S,W", "M");
	ob_node(&b, "Add", "add1", "M,B", "A");
	ob_node(&b, "Relu", "relu0", "A", "Z");
	ob_output(&b, "Z", ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, "n,3");
	size_t size;
	uint8_t *buf = ob_pack(&b, &size);
	char *path = sb_xasprintf("%s/%s", dir, file);
	CHECK(sb_write_file(path, buf, size));
	free(buf);
	ob_free(&b);
	return path;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/sbdrvtest-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	onnx_path = write_model("model.onnx");
	so_path = sb_xasprintf("%s/model.so", dir);
	driver_opts o = {0};
	if (driver_compile_file(onnx_path, so_path, &o)) {
		fprintf(stderr, "compile: %s\n", sb_last_error());
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(onnx_path);
	unlink(so_path);
	rmdir(dir);
	free(onnx_path);
	free(so_path);
	return 0;
}

static sb_tensor *input(sb_dtype dt, int rank, const int64_t *shape, double base)
{
	sb_tensor *t = sb_tensor_new(dt, rank, shape);
	for (int64_t i = 0; i < sb_tensor_numel(t); i++)
		sb_tensor_set_f64(t, i, base + 0.25 * (double)(i % 7) - 0.1 * (double)(i % 3));
	return t;
}

/* Z from the formula, element (r, j). */
static double expected(const sb_tensor *x, const sb_tensor *y, int64_t r, int j)
{
	double acc = B[j];
	for (int k = 0; k < 4; k++)
		acc += (sb_tensor_get_f64(x, r * 4 + k) + sb_tensor_get_f64(y, r * 4 + k)) * W[k * 3 + j];
	return acc > 0 ? acc : 0;
}

static void test_so_runs_every_shape(void **state)
{
	(void)state;
	sb_model *m;
	CHECK(sb_model_load(so_path, &m));
	assert_int_equal(sb_model_num_inputs(m), 2);
	assert_int_equal(sb_model_num_outputs(m), 1);
	sb_io_info io;
	CHECK(sb_model_input_info(m, 1, &io));
	assert_string_equal(io.name, "Y");
	assert_string_equal(io.dims[0].name, "n");
	CHECK(sb_model_output_info(m, 0, &io));
	assert_string_equal(io.name, "Z");

	relay_module *ref;
	CHECK(sb_onnx_import_file(onnx_path, &ref));
	CHECK(relay_infer_types(ref));
	const int64_t ns[] = {1, 5, 33};
	for (size_t k = 0; k < SB_ARRAY_LEN(ns); k++) {
		int64_t shape[2] = {ns[k], 4};
		sb_tensor *in[2] = {input(SB_F32, 2, shape, -1.0), input(SB_F32, 2, shape, 0.3)};
		sb_tensor *z = NULL, *zr[1] = {NULL};
		CHECK(sb_model_run(m, in, 2, &z, 1));
		assert_int_equal(z->dl.ndim, 2);
		assert_int_equal(z->shape[0], ns[k]);
		assert_int_equal(z->shape[1], 3);
		CHECK(relay_interp_run(ref, ref->main, in, zr));
		for (int64_t r = 0; r < ns[k]; r++)
			for (int j = 0; j < 3; j++) {
				double got = sb_tensor_get_f64(z, r * 3 + j);
				assert_float_equal(got, expected(in[0], in[1], r, j), 1e-5);
				assert_float_equal(got, sb_tensor_get_f64(zr[0], r * 3 + j), 1e-5);
			}
		sb_tensor_release(z);
		sb_tensor_release(zr[0]);
		sb_tensor_release(in[0]);
		sb_tensor_release(in[1]);
	}
	relay_module_free(ref);
	sb_model_free(m);
}

static void expect_run_error(sb_model *m, sb_tensor *x, sb_tensor *y, const char *msg)
{
	sb_tensor *in[2] = {x, y}, *z = NULL;
	assert_int_not_equal(sb_model_run(m, in, 2, &z, 1), SB_OK);
	assert_null(z);
	assert_contains(sb_last_error(), msg);
	/* One line. */
	assert_null(strchr(sb_last_error(), '\n'));
	sb_tensor_release(x);
	sb_tensor_release(y);
}

static void test_input_errors(void **state)
{
	(void)state;
	sb_model *m;
	CHECK(sb_model_load(so_path, &m));
	int64_t good[2] = {3, 4}, bad_dim[2] = {3, 5}, rank3[3] = {3, 4, 1}, other_n[2] = {2, 4};
	expect_run_error(m, input(SB_F32, 3, rank3, 0), input(SB_F32, 2, good, 0),
			 "input 'X': expected rank 2, got rank 3");
	expect_run_error(m, input(SB_F32, 2, good, 0), input(SB_I32, 2, good, 0),
			 "input 'Y': expected dtype float32, got int32");
	expect_run_error(m, input(SB_F32, 2, bad_dim, 0), input(SB_F32, 2, good, 0),
			 "input 'X' dim 1: expected 4, got 5");
	expect_run_error(m, input(SB_F32, 2, good, 0), input(SB_F32, 2, other_n, 0),
			 "input 'Y' dim 0 (n): expected 3, got 2");
	/* And the model still runs afterwards. */
	sb_tensor *in[2] = {input(SB_F32, 2, good, 0), input(SB_F32, 2, good, 1)}, *z = NULL;
	CHECK(sb_model_run(m, in, 2, &z, 1));
	sb_tensor_release(z);
	sb_tensor_release(in[0]);
	sb_tensor_release(in[1]);
	sb_model_free(m);
}

/* Flips one byte in the middle of the executable blob of a copy of the
 * .so: loading must fail on the checksum. */
static void test_corrupted_blob_rejected(void **state)
{
	(void)state;
	uint8_t *data;
	size_t size;
	CHECK(sb_read_file(so_path, &data, &size));
	size_t at = 0;
	for (size_t i = 0; i + 24 <= size && !at; i++) {
		if (memcmp(data + i, "SBVM", 4))
			continue;
		uint64_t len;
		memcpy(&len, data + i + 8, 8);
		if (len > 16 && i + 24 + len <= size)
			at = i + 24 + len / 2;
	}
	assert_true(at > 0);
	data[at] ^= 0x5a;
	char *bad = sb_xasprintf("%s/corrupt.so", dir);
	CHECK(sb_write_file(bad, data, size));
	free(data);
	sb_model *m = NULL;
	assert_int_not_equal(sb_model_load(bad, &m), SB_OK);
	assert_null(m);
	assert_contains(sb_last_error(), "checksum mismatch");
	unlink(bad);
	free(bad);
}

static void test_stats_text(void **state)
{
	(void)state;
	char *text;
	CHECK(driver_read_stats(so_path, &text));
	assert_non_null(text);
	const char *names[1] = {"n"};
	int64_t n7[1] = {7}, n70[1] = {70};
	driver_mem_figures a, b;
	CHECK(driver_stats_eval(text, 1, names, n7, &a));
	CHECK(driver_stats_eval(text, 1, names, n70, &b));
	/* Add, MatMul, Add, Relu: at least one kernel each unless fused. */
	assert_true(a.kernel_calls >= 1);
	assert_true(a.planned >= 0 && a.planned <= a.unplanned);
	/* The output is n x 3 float32. */
	assert_int_equal(a.outputs, 7 * 3 * 4);
	assert_int_equal(b.outputs, 70 * 3 * 4);
	/* Intermediates grow with n: S (n x 4) at least. */
	assert_true(b.unplanned >= 70 * 4 * 4);
	assert_true(b.unplanned > a.unplanned);
	/* An unbound variable is not a number. */
	CHECK(driver_stats_eval(text, 0, NULL, NULL, &a));
	assert_int_equal(a.planned, -1);
	free(text);
}

static void test_public_api(void **state)
{
	(void)state;
	sb_model *m = NULL;
	sb_compile_bound bound = {"n", 64};
	sb_compile_options o = {.nbounds = 1, .bounds = &bound};
	CHECK(sb_compile_load(onnx_path, &o, &m));
	int64_t s10[2] = {10, 4}, s65[2] = {65, 4};
	sb_tensor *in[2] = {input(SB_F32, 2, s10, 0.5), input(SB_F32, 2, s10, -0.5)}, *z = NULL;
	CHECK(sb_model_run(m, in, 2, &z, 1));
	for (int j = 0; j < 3; j++)
		assert_float_equal(sb_tensor_get_f64(z, 9 * 3 + j), expected(in[0], in[1], 9, j), 1e-5);
	sb_tensor_release(z);
	sb_tensor_release(in[0]);
	sb_tensor_release(in[1]);
	/* Beyond the bound: an error naming it, when planning relied on it. */
	sb_tensor *big[2] = {input(SB_F32, 2, s65, 0), input(SB_F32, 2, s65, 0)};
	z = NULL;
	sb_status st = sb_model_run(m, big, 2, &z, 1);
	if (st)
		assert_contains(sb_last_error(), "n");
	else
		sb_tensor_release(z);
	sb_tensor_release(big[0]);
	sb_tensor_release(big[1]);
	sb_model_free(m);

	/* A bound on a dim the model does not have. */
	sb_compile_bound nope = {"batch", 8};
	o.bounds = &nope;
	char *out = sb_xasprintf("%s/never.so", dir);
	assert_int_equal(sb_compile_file(onnx_path, out, &o), SB_ERR_INVALID);
	assert_contains(sb_last_error(), "stage bridge");
	assert_contains(sb_last_error(), "no input dim named 'batch' (its named dims: n)");
	assert_int_not_equal(access(out, F_OK), 0);
	free(out);
	assert_int_equal(sb_compile_load(NULL, NULL, &m), SB_ERR_INVALID);
}

static void test_failing_stage_is_named(void **state)
{
	(void)state;
	char *missing = sb_xasprintf("%s/missing.onnx", dir), *out = sb_xasprintf("%s/x.so", dir);
	driver_opts o = {0};
	assert_int_not_equal(driver_compile_file(missing, out, &o), SB_OK);
	assert_contains(sb_last_error(), "stage import");
	assert_contains(sb_last_error(), "missing.onnx");
	free(missing);
	char *garbage = sb_xasprintf("%s/garbage.onnx", dir);
	CHECK(sb_write_file(garbage, "not a model", 11));
	assert_int_not_equal(driver_compile_file(garbage, out, &o), SB_OK);
	assert_contains(sb_last_error(), "stage import");
	unlink(garbage);
	free(garbage);
	free(out);
}

/* Every stage runs and records its time; the schedules apply. */
static void test_pipeline_stages(void **state)
{
	(void)state;
	driver_state d;
	driver_opts o = {0};
	driver_state_init(&d, onnx_path, &o);
	CHECK(driver_run(&d, DRIVER_KERNELS));
	assert_non_null(d.relax);
	assert_non_null(d.exec);
	assert_non_null(d.kernels);
	assert_true(d.nprims >= 1);
	assert_true(d.nunscheduled <= d.nprims);
	/* No high-level op is left: every call the VM makes is a kernel or a
	 * builtin (sb_vmgen_build would have refused otherwise). */
	assert_int_equal(d.report.funcs.len >= 1, 1);
	driver_state_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_so_runs_every_shape),	  cmocka_unit_test(test_input_errors),
	    cmocka_unit_test(test_corrupted_blob_rejected), cmocka_unit_test(test_stats_text),
	    cmocka_unit_test(test_public_api),		  cmocka_unit_test(test_failing_stage_is_named),
	    cmocka_unit_test(test_pipeline_stages),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
