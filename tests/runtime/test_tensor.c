/* runtime: tensors, dtypes, half floats, conversion, .npy. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>

#include "runtime/runtime.h"

static void test_tensor_new_aligned(void **state)
{
	int64_t shape[3] = {2, 3, 5};
	sb_tensor *t = sb_tensor_new(SB_F32, 3, shape);
	assert_non_null(t);
	assert_int_equal((uintptr_t)sb_tensor_data(t) % SB_TENSOR_ALIGN, 0);
	assert_int_equal(sb_tensor_numel(t), 30);
	assert_int_equal(sb_tensor_nbytes(t), 120);
	assert_int_equal(t->dl.ndim, 3);
	assert_int_equal(t->dl.dtype.code, kDLFloat);
	assert_int_equal(t->dl.dtype.bits, 32);
	assert_int_equal(t->dl.device.device_type, kDLCPU);
	assert_null(t->dl.strides);
	assert_ptr_equal(t->dl.shape, t->shape);
	char desc[64];
	sb_tensor_describe(t, desc, sizeof desc);
	assert_string_equal(desc, "float32[2,3,5]");
	sb_tensor_release(t);

	/* Scalars and empty tensors. */
	sb_tensor *s = sb_tensor_zeros(SB_I64, 0, NULL);
	assert_int_equal(sb_tensor_numel(s), 1);
	assert_int_equal(sb_tensor_get_i64(s, 0), 0);
	sb_tensor_release(s);
	int64_t empty[2] = {0, 4};
	sb_tensor *e = sb_tensor_new(SB_F32, 2, empty);
	assert_non_null(e);
	assert_int_equal(sb_tensor_numel(e), 0);
	sb_tensor_release(e);
}

static void test_tensor_bad_shapes(void **state)
{
	int64_t neg[2] = {2, -1};
	assert_null(sb_tensor_new(SB_F32, 2, neg));
	assert_non_null(strstr(sb_last_error(), "negative"));
	int64_t huge[3] = {INT64_MAX / 4, 1000, 1000};
	assert_null(sb_tensor_new(SB_F32, 3, huge));
	assert_null(sb_tensor_new(SB_F32, SB_MAX_RANK + 1, neg));
	assert_null(sb_tensor_new(SB_DT_INVALID, 0, NULL));
}

static void test_refcount_and_views(void **state)
{
	int64_t shape[2] = {2, 6};
	sb_tensor *t = sb_tensor_new(SB_I32, 2, shape);
	for (int i = 0; i < 12; i++)
		sb_tensor_set_i64(t, i, i);
	int64_t vshape[3] = {3, 2, 2};
	sb_tensor *v = sb_tensor_reshape_view(t, 3, vshape);
	assert_non_null(v);
	assert_ptr_equal(sb_tensor_data(v), sb_tensor_data(t));
	sb_tensor_release(t); /* the view keeps the data alive */
	assert_int_equal(sb_tensor_get_i64(v, 11), 11);
	sb_tensor *c = sb_tensor_copy(v);
	assert_ptr_not_equal(sb_tensor_data(c), sb_tensor_data(v));
	assert_true(sb_tensor_equal(c, v));
	assert_int_equal(sb_tensor_hash(c), sb_tensor_hash(v));
	sb_tensor_set_i64(c, 0, 100);
	assert_false(sb_tensor_equal(c, v));
	int64_t bad[1] = {5};
	assert_null(sb_tensor_reshape_view(v, 1, bad));
	sb_tensor_retain(c);
	sb_tensor_release(c);
	assert_int_equal(sb_tensor_get_i64(c, 0), 100);
	sb_tensor_release(c);
	sb_tensor_release(v);
}

static void test_dtype_table(void **state)
{
	for (int i = 1; i < SB_DT_COUNT; i++) {
		sb_dtype dt = (sb_dtype)i;
		assert_int_equal(sb_dtype_from_name(sb_dtype_name(dt)), dt);
		assert_int_equal(sb_dtype_from_dl(sb_dtype_to_dl(dt)), dt);
		assert_true(sb_dtype_size(dt) >= 1);
	}
	assert_int_equal(sb_dtype_size(SB_F64), 8);
	assert_int_equal(sb_dtype_size(SB_BOOL), 1);
	assert_int_equal(sb_dtype_from_name("complex64"), SB_DT_INVALID);
}

static void test_half_conversions(void **state)
{
	/* Exactly representable values round-trip. */
	const float exact[] = {0.0f, -0.0f, 1.0f, -2.5f, 65504.0f, 6.103515625e-05f, 5.9604644775390625e-08f, 0.333251953125f};
	for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
		assert_true(sb_f16_to_f32(sb_f32_to_f16(exact[i])) == exact[i]);
	assert_int_equal(sb_f32_to_f16(1.0f), 0x3c00);
	assert_int_equal(sb_f32_to_f16(-2.0f), 0xc000);
	assert_int_equal(sb_f32_to_f16(1e6f), 0x7c00); /* overflow to inf */
	assert_true(isnan(sb_f16_to_f32(sb_f32_to_f16(NAN))));
	/* Round to nearest even: 1 + 2^-11 is halfway between 1 and 1+2^-10. */
	assert_int_equal(sb_f32_to_f16(1.0f + 0x1.0p-11f), 0x3c00);
	assert_int_equal(sb_f32_to_f16(1.0f + 0x1.8p-11f), 0x3c01);
	/* Every half value round-trips through float. */
	for (uint32_t h = 0; h < 0x10000; h++) {
		if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff))
			continue; /* NaN payloads */
		assert_int_equal(sb_f32_to_f16(sb_f16_to_f32((uint16_t)h)), h);
	}
	assert_true(sb_bf16_to_f32(sb_f32_to_bf16(1.5f)) == 1.5f);
	assert_int_equal(sb_f32_to_bf16(1.0f + 0x1.0p-8f), 0x3f80); /* ties to even */
}

static void test_convert(void **state)
{
	float f[5] = {1.7f, -1.7f, 300.0f, 0.0f, NAN};
	int32_t i[5];
	sb_convert(SB_I32, i, SB_F32, f, 5);
	assert_int_equal(i[0], 1);
	assert_int_equal(i[1], -1);
	assert_int_equal(i[2], 300);
	assert_int_equal(i[4], 0);
	uint8_t b[5];
	sb_convert(SB_BOOL, b, SB_F32, f, 5);
	assert_int_equal(b[0], 1);
	assert_int_equal(b[3], 0);
	int64_t big[2] = {INT64_MAX, -5};
	int64_t back[2];
	uint64_t u[2];
	sb_convert(SB_U64, u, SB_I64, big, 2);
	sb_convert(SB_I64, back, SB_U64, u, 2);
	assert_true(back[0] == INT64_MAX && back[1] == -5);
}

static void test_npy_round_trip(void **state)
{
	char path[] = "/tmp/sb-test-XXXXXX.npy";
	int fd = mkstemps(path, 4);
	assert_true(fd >= 0);
	close(fd);
	const sb_dtype dts[] = {SB_F32, SB_F64, SB_F16, SB_I8, SB_I32, SB_I64, SB_U8, SB_BOOL};
	for (size_t k = 0; k < sizeof dts / sizeof *dts; k++) {
		int64_t shape[3] = {2, 1, 3};
		sb_tensor *t = sb_tensor_new(dts[k], 3, shape);
		for (int i = 0; i < 6; i++)
			sb_tensor_set_f64(t, i, dts[k] == SB_BOOL ? i % 2 : i - 2);
		assert_int_equal(sb_npy_write(path, t), SB_OK);
		sb_tensor *r = NULL;
		assert_int_equal(sb_npy_read(path, &r), SB_OK);
		assert_true(sb_tensor_equal(t, r));
		sb_tensor_release(t);
		sb_tensor_release(r);
	}
	/* Scalar and 1-D shapes ("()" and "(n,)"). */
	sb_tensor *s = sb_tensor_zeros(SB_F32, 0, NULL);
	assert_int_equal(sb_npy_write(path, s), SB_OK);
	sb_tensor *r = NULL;
	assert_int_equal(sb_npy_read(path, &r), SB_OK);
	assert_int_equal(r->dl.ndim, 0);
	sb_tensor_release(r);
	sb_tensor_release(s);

	/* Corrupt files are errors. */
	FILE *f = fopen(path, "wb");
	fputs("\x93NUMPY\x01\x00\x20\x00{'descr': '<f4', 'fortran_order'", f);
	fclose(f);
	assert_int_not_equal(sb_npy_read(path, &r), SB_OK);
	f = fopen(path, "wb");
	fputs("not numpy at all", f);
	fclose(f);
	assert_int_equal(sb_npy_read(path, &r), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "magic"));
	unlink(path);
}

static void test_npy_size_mismatch(void **state)
{
	char path[] = "/tmp/sb-test-XXXXXX.npy";
	int fd = mkstemps(path, 4);
	close(fd);
	int64_t shape[1] = {4};
	sb_tensor *t = sb_tensor_zeros(SB_F32, 1, shape);
	assert_int_equal(sb_npy_write(path, t), SB_OK);
	/* Chop the last element off. */
	assert_int_equal(truncate(path, 128 + 12), 0);
	sb_tensor *r = NULL;
	assert_int_equal(sb_npy_read(path, &r), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "bytes"));
	sb_tensor_release(t);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tensor_new_aligned),
		cmocka_unit_test(test_tensor_bad_shapes),
		cmocka_unit_test(test_refcount_and_views),
		cmocka_unit_test(test_dtype_table),
		cmocka_unit_test(test_half_conversions),
		cmocka_unit_test(test_convert),
		cmocka_unit_test(test_npy_round_trip),
		cmocka_unit_test(test_npy_size_mismatch),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
