/* TensorProto files: round trips for every dtype, every typed data field,
 * and the size checks that keep a bad file from being read past its end. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <unistd.h>

#include "onnx_build.h"

static char tmpdir[] = "/tmp/sb_tensorproto_XXXXXX";
static char path[256];

static int setup(void **state)
{
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(path, sizeof path, "%s/t.pb", tmpdir);
	return 0;
}

static int teardown(void **state)
{
	unlink(path);
	rmdir(tmpdir);
	return 0;
}

static void assert_error_has(const char *needle)
{
	const char *msg = sb_last_error();
	if (!strstr(msg, needle))
		fail_msg("error \"%s\" does not contain \"%s\"", msg, needle);
}

static void write_proto(const Onnx__TensorProto *tp)
{
	size_t size = onnx__tensor_proto__get_packed_size(tp);
	uint8_t *buf = malloc(size ? size : 1);
	onnx__tensor_proto__pack(tp, buf);
	assert_int_equal(sb_write_file(path, buf, size), SB_OK);
	free(buf);
}

static sb_tensor *read_ok(const Onnx__TensorProto *tp)
{
	write_proto(tp);
	sb_tensor *t;
	char *name;
	if (sb_tensorproto_read(path, &t, &name))
		fail_msg("read failed: %s", sb_last_error());
	free(name);
	return t;
}

static sb_status read_err(const Onnx__TensorProto *tp)
{
	write_proto(tp);
	sb_tensor *t = (sb_tensor *)1;
	sb_status s = sb_tensorproto_read(path, &t, NULL);
	assert_int_not_equal(s, SB_OK);
	assert_null(t);
	return s;
}

static void test_round_trip_every_dtype(void **state)
{
	for (int dt = SB_F32; dt < SB_DT_COUNT; dt++) {
		int64_t shape[] = {2, 3};
		sb_tensor *t = sb_tensor_new((sb_dtype)dt, 2, shape);
		for (int i = 0; i < 6; i++)
			sb_tensor_set_f64(t, i,
					  dt == SB_BOOL
					      ? i % 2
					      : (sb_dtype_is_unsigned_int(dt) ? i * 7 : i * 3 - 5));
		assert_int_equal(sb_tensorproto_write(path, t, "input_0"), SB_OK);
		sb_tensor *r;
		char *name;
		assert_int_equal(sb_tensorproto_read(path, &r, &name), SB_OK);
		assert_string_equal(name, "input_0");
		assert_int_equal(r->dtype, dt);
		assert_true(sb_tensor_equal(t, r));
		free(name);
		sb_tensor_release(r);
		sb_tensor_release(t);
	}
	/* Scalar, no name. */
	sb_tensor *t = sb_tensor_new(SB_F64, 0, NULL);
	sb_tensor_set_f64(t, 0, 2.25);
	assert_int_equal(sb_tensorproto_write(path, t, NULL), SB_OK);
	sb_tensor *r;
	char *name = (char *)1;
	assert_int_equal(sb_tensorproto_read(path, &r, &name), SB_OK);
	assert_null(name);
	assert_int_equal(r->dl.ndim, 0);
	assert_true(sb_tensor_get_f64(r, 0) == 2.25);
	sb_tensor_release(r);
	sb_tensor_release(t);
}

static Onnx__TensorProto *int32_field(onnx_builder *b, int elem, const char *dims, int n,
				      const int32_t *v)
{
	Onnx__TensorProto *t = ob_tensor(b, "t", elem, dims);
	t->n_int32_data = (size_t)n;
	t->int32_data = sb_arena_memdup(&b->arena, v, sizeof(int32_t) * (size_t)n);
	return t;
}

static void test_typed_fields(void **state)
{
	onnx_builder b;
	ob_init(&b, 13);
	sb_tensor *t;

	t = read_ok(ob_tensor_f32(&b, "t", "2", 2, (float[]){1.5f, -2.0f}));
	assert_int_equal(t->dtype, SB_F32);
	assert_true(sb_tensor_get_f64(t, 0) == 1.5 && sb_tensor_get_f64(t, 1) == -2.0);
	sb_tensor_release(t);

	t = read_ok(int32_field(&b, 6, "2", 2, (int32_t[]){-7, 1 << 20}));
	assert_int_equal(t->dtype, SB_I32);
	assert_int_equal(sb_tensor_get_i64(t, 1), 1 << 20);
	sb_tensor_release(t);

	/* Narrow integers wrap as numpy's astype does: 300 -> 44 as int8. */
	t = read_ok(int32_field(&b, 3, "3", 3, (int32_t[]){-128, 127, 300}));
	assert_int_equal(t->dtype, SB_I8);
	assert_int_equal(sb_tensor_get_i64(t, 0), -128);
	assert_int_equal(sb_tensor_get_i64(t, 2), 300 - 256);
	sb_tensor_release(t);

	t = read_ok(int32_field(&b, 2, "3", 3, (int32_t[]){255, 0, 256}));
	assert_int_equal(t->dtype, SB_U8);
	assert_int_equal(sb_tensor_get_i64(t, 0), 255);
	assert_int_equal(sb_tensor_get_i64(t, 2), 0);
	sb_tensor_release(t);

	t = read_ok(int32_field(&b, 5, "2", 2, (int32_t[]){-32768, 40000}));
	assert_int_equal(t->dtype, SB_I16);
	assert_int_equal(sb_tensor_get_i64(t, 0), -32768);
	assert_int_equal(sb_tensor_get_i64(t, 1), 40000 - 65536);
	sb_tensor_release(t);

	t = read_ok(int32_field(&b, 4, "1", 1, (int32_t[]){65535}));
	assert_int_equal(t->dtype, SB_U16);
	assert_int_equal(sb_tensor_get_i64(t, 0), 65535);
	sb_tensor_release(t);

	t = read_ok(int32_field(&b, 9, "3", 3, (int32_t[]){0, 1, 5}));
	assert_int_equal(t->dtype, SB_BOOL);
	assert_int_equal(((uint8_t *)sb_tensor_data(t))[2], 1);
	assert_int_equal(((uint8_t *)sb_tensor_data(t))[0], 0);
	sb_tensor_release(t);

	/* 16-bit floats travel as bit patterns: 0x3C00 = 1.0, 0xC000 = -2.0
	 * (half); 0x3F80 = 1.0, 0x4040 = 3.0 (bfloat16). */
	t = read_ok(int32_field(&b, 10, "2", 2, (int32_t[]){0x3C00, 0xC000}));
	assert_int_equal(t->dtype, SB_F16);
	assert_true(sb_tensor_get_f64(t, 0) == 1.0 && sb_tensor_get_f64(t, 1) == -2.0);
	sb_tensor_release(t);
	t = read_ok(int32_field(&b, 16, "2", 2, (int32_t[]){0x3F80, 0x4040}));
	assert_int_equal(t->dtype, SB_BF16);
	assert_true(sb_tensor_get_f64(t, 0) == 1.0 && sb_tensor_get_f64(t, 1) == 3.0);
	sb_tensor_release(t);

	t = read_ok(ob_tensor_i64(&b, "t", "2", 2, (int64_t[]){INT64_MIN, 5}));
	assert_int_equal(sb_tensor_get_i64(t, 0), INT64_MIN);
	sb_tensor_release(t);

	Onnx__TensorProto *tp = ob_tensor(&b, "t", 11, "2");
	tp->n_double_data = 2;
	tp->double_data = (double[]){0.1, -1e300};
	t = read_ok(tp);
	assert_int_equal(t->dtype, SB_F64);
	assert_true(sb_tensor_get_f64(t, 0) == 0.1 && sb_tensor_get_f64(t, 1) == -1e300);
	sb_tensor_release(t);

	tp = ob_tensor(&b, "t", 12, "1");
	tp->n_uint64_data = 1;
	tp->uint64_data = (uint64_t[]){4294967295u};
	t = read_ok(tp);
	assert_int_equal(t->dtype, SB_U32);
	assert_int_equal(((uint32_t *)sb_tensor_data(t))[0], 4294967295u);
	sb_tensor_release(t);

	tp = ob_tensor(&b, "t", 13, "1");
	tp->n_uint64_data = 1;
	tp->uint64_data = (uint64_t[]){UINT64_MAX};
	t = read_ok(tp);
	assert_int_equal(t->dtype, SB_U64);
	assert_true(((uint64_t *)sb_tensor_data(t))[0] == UINT64_MAX);
	sb_tensor_release(t);

	/* Zero elements need no data. */
	t = read_ok(ob_tensor(&b, "t", 1, "0,3"));
	assert_int_equal(sb_tensor_numel(t), 0);
	assert_int_equal(t->shape[1], 3);
	sb_tensor_release(t);
	ob_free(&b);
}

static void test_size_checks(void **state)
{
	onnx_builder b;
	ob_init(&b, 13);

	assert_int_equal(read_err(ob_tensor_raw(&b, "w", 1, "2,2", 12, (float[]){1, 2, 3})),
			 SB_ERR_INVALID);
	assert_error_has("tensor 'w': raw_data holds 12 bytes, dims need 4 x 4");
	assert_error_has(path); /* the file is named */

	assert_int_equal(read_err(ob_tensor_f32(&b, "w", "3", 2, (float[]){1, 2})), SB_ERR_INVALID);
	assert_error_has("float_data holds 2 values, dims need 3");

	assert_int_equal(read_err(ob_tensor(&b, "w", 1, "3")), SB_ERR_INVALID);
	assert_error_has("has no data (3 elements expected)");

	Onnx__TensorProto *tp = ob_tensor(&b, "w", 1, "1");
	tp->n_int64_data = 1;
	tp->int64_data = (int64_t[]){1};
	assert_int_equal(read_err(tp), SB_ERR_INVALID);
	assert_error_has("float32 tensor 'w' has values in int64_data");

	tp = ob_tensor_raw(&b, "w", 1, "1", 4, (float[]){1});
	tp->n_float_data = 1;
	tp->float_data = (float[]){1};
	assert_int_equal(read_err(tp), SB_ERR_INVALID);
	assert_error_has("both raw_data and float_data");

	assert_int_equal(read_err(ob_tensor(&b, "w", 1, "2,-1")), SB_ERR_INVALID);
	assert_error_has("negative dim -1 at index 1");

	/* Dims whose product overflows: caught before any allocation. */
	assert_int_equal(
	    read_err(ob_tensor_raw(&b, "w", 1, "4294967296,4294967296", 4, (float[]){1})),
	    SB_ERR_INVALID);
	assert_error_has("overflow");
	assert_int_equal(read_err(ob_tensor_raw(&b, "w", 1, "1099511627776", 4, (float[]){1})),
			 SB_ERR_INVALID);

	assert_int_equal(read_err(ob_tensor(&b, "w", 1, "1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1")),
			 SB_ERR_UNSUPPORTED);

	tp = ob_tensor(&b, "w", 1, "2");
	tp->data_type = 0;
	assert_int_equal(read_err(tp), SB_ERR_INVALID);
	assert_error_has("has no data_type");

	tp = ob_tensor(&b, "names", 8, "1");
	tp->n_string_data = 1;
	tp->string_data = (ProtobufCBinaryData[]){{2, (uint8_t *)"hi"}};
	assert_int_equal(read_err(tp), SB_ERR_UNSUPPORTED);
	assert_error_has("string tensors are not supported");

	assert_int_equal(read_err(ob_tensor(&b, "c", 14, "1")), SB_ERR_UNSUPPORTED);
	assert_error_has("data type 14 (COMPLEX64) is not supported");

	tp = ob_tensor(&b, "ext", 1, "4");
	Onnx__StringStringEntryProto e = ONNX__STRING_STRING_ENTRY_PROTO__INIT;
	e.key = "location";
	e.value = "weights.bin";
	Onnx__StringStringEntryProto *ep = &e;
	tp->n_external_data = 1;
	tp->external_data = &ep;
	tp->has_data_location = 1;
	tp->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	assert_int_equal(read_err(tp), SB_ERR_UNSUPPORTED);
	assert_error_has("tensor 'ext' keeps its data in an external file");

	/* Not a TensorProto at all; no file. */
	assert_int_equal(sb_write_file(path, "\xff\xff\xff", 3), SB_OK);
	sb_tensor *t;
	assert_int_equal(sb_tensorproto_read(path, &t, NULL), SB_ERR_INVALID);
	assert_error_has("not a valid TensorProto");
	assert_int_equal(sb_tensorproto_read("/nonexistent/x.pb", &t, NULL), SB_ERR_IO);
	ob_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip_every_dtype),
	    cmocka_unit_test(test_typed_fields),
	    cmocka_unit_test(test_size_checks),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
