/* runtime: vm.builtin.tensor_to_shape and the packed ops runtime.topk,
 * runtime.nonzero_count and runtime.nonzero, called through the process
 * registry as the VM calls them: results against loops written here, ONNX
 * semantics (ties keep the lower index, NaN is the largest, a negative
 * axis, numpy's nonzero order), and every bad argument an error. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "runtime/runtime.h"

#define assert_contains(s, sub)                                                                    \
	do {                                                                                       \
		const char *s_ = (s);                                                              \
		if (!s_ || !strstr(s_, (sub)))                                                     \
			fail_msg("'%s' does not contain '%s'", s_ ? s_ : "(null)", (sub));         \
	} while (0)

static int call(const char *name, int n, const sb_value *args, sb_value *ret)
{
	sb_packed_fn fn = sb_func_lookup(name);
	if (!fn)
		fail_msg("%s is not registered", name);
	sb_value ignore = {SB_VAL_NONE};
	return fn(args, n, ret ? ret : &ignore);
}

static sb_tensor *tensor_i(sb_dtype dt, int rank, const int64_t *shape, const int64_t *v)
{
	sb_tensor *t = sb_tensor_new(dt, rank, shape);
	for (int64_t i = 0; i < sb_tensor_numel(t); i++)
		sb_tensor_set_i64(t, i, v[i]);
	return t;
}

/* ---- tensor_to_shape ---- */

static void test_tensor_to_shape(void **state)
{
	(void)state;
	int64_t n3 = 3, n2 = 2;
	sb_dtype dts[2] = {SB_I64, SB_I32};
	for (int k = 0; k < 2; k++) {
		sb_tensor *t = tensor_i(dts[k], 1, &n3, (int64_t[]){4, 0, 7});
		sb_value args[2] = {sb_value_tensor(t), sb_value_string("'lv1' (x)")}, ret;
		assert_int_equal(call(SB_BUILTIN_TENSOR_TO_SHAPE, 2, args, &ret), SB_OK);
		assert_int_equal(ret.kind, SB_VAL_SHAPE);
		assert_int_equal(ret.u.shape->rank, 3);
		assert_int_equal(ret.u.shape->dims[0], 4);
		assert_int_equal(ret.u.shape->dims[1], 0);
		assert_int_equal(ret.u.shape->dims[2], 7);
		sb_value_release(&ret);
		/* Without the context argument too. */
		assert_int_equal(call(SB_BUILTIN_TENSOR_TO_SHAPE, 1, args, &ret), SB_OK);
		assert_int_equal(ret.u.shape->rank, 3);
		sb_value_release(&ret);
		sb_tensor_release(t);
	}
	/* An empty tensor is the shape of a scalar. */
	int64_t n0 = 0;
	sb_tensor *e = sb_tensor_new(SB_I64, 1, &n0);
	sb_value a0 = sb_value_tensor(e), ret;
	assert_int_equal(call(SB_BUILTIN_TENSOR_TO_SHAPE, 1, &a0, &ret), SB_OK);
	assert_int_equal(ret.u.shape->rank, 0);
	sb_value_release(&ret);
	sb_tensor_release(e);

	/* Errors name the context: a negative value, a float tensor, rank 2,
	 * a wrong argument kind. */
	sb_tensor *neg = tensor_i(SB_I64, 1, &n2, (int64_t[]){2, -1});
	sb_value args[2] = {sb_value_tensor(neg), sb_value_string("'lv9' (reshape)")};
	assert_int_equal(call(SB_BUILTIN_TENSOR_TO_SHAPE, 2, args, &ret), SB_ERR_INVALID);
	assert_contains(sb_last_error(), "'lv9' (reshape)");
	assert_contains(sb_last_error(), "-1");
	sb_tensor_release(neg);
	sb_tensor *f = sb_tensor_new(SB_F32, 1, &n2);
	args[0] = sb_value_tensor(f);
	assert_int_equal(call(SB_BUILTIN_TENSOR_TO_SHAPE, 2, args, &ret), SB_ERR_INVALID);
	assert_contains(sb_last_error(), "float32");
	sb_tensor_release(f);
	int64_t s22[2] = {2, 2};
	sb_tensor *m = sb_tensor_zeros(SB_I64, 2, s22);
	args[0] = sb_value_tensor(m);
	assert_int_equal(call(SB_BUILTIN_TENSOR_TO_SHAPE, 2, args, &ret), SB_ERR_INVALID);
	assert_contains(sb_last_error(), "rank 2");
	sb_tensor_release(m);
	args[0] = sb_value_int(3);
	assert_int_equal(call(SB_BUILTIN_TENSOR_TO_SHAPE, 2, args, &ret), SB_ERR_INVALID);
	assert_int_equal(call(SB_BUILTIN_TENSOR_TO_SHAPE, 0, args, &ret), SB_ERR_INVALID);
}

/* ---- topk ---- */

/* The reference: for each row, indices sorted by (value, index) with
 * NaN largest; descending values for largest, ties lower index first. */
static bool before(long double a, int64_t ia, long double b, int64_t ib, bool largest)
{
	bool na = isnan(a), nb = isnan(b);
	if (na != nb)
		return largest ? na : nb;
	if (!na && a != b)
		return largest ? a > b : a < b;
	return ia < ib;
}

/* Exact for int64 too (a long double has a 64-bit mantissa here). */
static long double val(const sb_tensor *t, int64_t i)
{
	return t->dtype == SB_I64 ? (long double)sb_tensor_get_i64(t, i) : sb_tensor_get_f64(t, i);
}

static void check_topk(const sb_tensor *x, int axis, bool largest, int64_t k)
{
	int rank = x->dl.ndim;
	int64_t os[SB_MAX_RANK];
	for (int d = 0; d < rank; d++)
		os[d] = d == axis ? k : x->shape[d];
	sb_tensor *v = sb_tensor_new(x->dtype, rank, os), *ix = sb_tensor_new(SB_I64, rank, os);
	/* The axis as the caller may pass it: negative. */
	sb_value args[6] = {sb_value_tensor((sb_tensor *)x),
			    sb_value_int(axis - rank),
			    sb_value_int(largest),
			    sb_value_int(1),
			    sb_value_tensor(v),
			    sb_value_tensor(ix)};
	if (call(SB_PACKED_TOPK, 6, args, NULL))
		fail_msg("topk: %s", sb_last_error());
	int64_t n = x->shape[axis], outer = 1, inner = 1;
	for (int d = 0; d < axis; d++)
		outer *= x->shape[d];
	for (int d = axis + 1; d < rank; d++)
		inner *= x->shape[d];
	for (int64_t o = 0; o < outer; o++)
		for (int64_t j = 0; j < inner; j++) {
			bool used[16] = {0};
			for (int64_t t = 0; t < k; t++) {
				int64_t best = -1;
				for (int64_t c = 0; c < n; c++) {
					if (used[c])
						continue;
					long double xc = val(x, (o * n + c) * inner + j);
					if (best < 0 ||
					    before(xc, c, val(x, (o * n + best) * inner + j), best,
						   largest))
						best = c;
				}
				used[best] = true;
				int64_t at = (o * k + t) * inner + j;
				assert_int_equal(sb_tensor_get_i64(ix, at), best);
				long double want = val(x, (o * n + best) * inner + j);
				long double got = val(v, at);
				if (!(got == want || (isnan(got) && isnan(want))))
					fail_msg("topk value [%lld]: %Lg, want %Lg", (long long)at,
						 got, want);
			}
		}
	sb_tensor_release(v);
	sb_tensor_release(ix);
}

static void test_topk(void **state)
{
	(void)state;
	/* Ties (the 2s and 5s) and a NaN; axis 1 of (2, 6) and axis 0 of (6, 3). */
	int64_t s[2] = {2, 6};
	sb_tensor *x = sb_tensor_new(SB_F32, 2, s);
	const double xv[12] = {2, 5, 2, 1, 5, 0, -1, NAN, 3, 3, -7, 3};
	for (int i = 0; i < 12; i++)
		sb_tensor_set_f64(x, i, xv[i]);
	for (int largest = 0; largest < 2; largest++)
		for (int64_t k = 0; k <= 6; k += 3)
			check_topk(x, 1, largest, k);
	/* The exact answer for one case: largest 3 of row 0 = 5 (1), 5 (4), 2 (0). */
	int64_t os[2] = {2, 3};
	sb_tensor *v = sb_tensor_new(SB_F32, 2, os), *ix = sb_tensor_new(SB_I64, 2, os);
	sb_value args[6] = {sb_value_tensor(x), sb_value_int(1),    sb_value_int(1),
			    sb_value_int(1),	sb_value_tensor(v), sb_value_tensor(ix)};
	assert_int_equal(call(SB_PACKED_TOPK, 6, args, NULL), SB_OK);
	assert_int_equal(sb_tensor_get_i64(ix, 0), 1);
	assert_int_equal(sb_tensor_get_i64(ix, 1), 4);
	assert_int_equal(sb_tensor_get_i64(ix, 2), 0);
	assert_int_equal(sb_tensor_get_i64(ix, 3), 1); /* NaN first */
	sb_tensor_release(v);
	sb_tensor_release(ix);
	sb_tensor_release(x);

	int64_t s2[2] = {6, 3};
	sb_tensor *y = sb_tensor_new(SB_I64, 2, s2);
	for (int i = 0; i < 18; i++)
		sb_tensor_set_i64(y, i, (i * 7) % 5 - 2 + ((int64_t)1 << 60) * (i % 2));
	check_topk(y, 0, true, 4);
	check_topk(y, 0, false, 2);
	sb_tensor_release(y);
}

static void test_topk_errors(void **state)
{
	(void)state;
	int64_t s[2] = {2, 4}, big[2] = {2, 5}, bad[2] = {3, 2}, ok[2] = {2, 2};
	sb_tensor *x = sb_tensor_zeros(SB_F32, 2, s);
	sb_tensor *v5 = sb_tensor_new(SB_F32, 2, big), *i5 = sb_tensor_new(SB_I64, 2, big);
	sb_tensor *vb = sb_tensor_new(SB_F32, 2, bad), *ib = sb_tensor_new(SB_I64, 2, bad);
	sb_tensor *v2 = sb_tensor_new(SB_F32, 2, ok), *i2 = sb_tensor_new(SB_I64, 2, ok);
	sb_tensor *i2f = sb_tensor_new(SB_F32, 2, ok);
	sb_value a[6] = {sb_value_tensor(x), sb_value_int(1),	  sb_value_int(1),
			 sb_value_int(1),    sb_value_tensor(v5), sb_value_tensor(i5)};
	/* k = 5 of an axis of 4. */
	assert_int_equal(call(SB_PACKED_TOPK, 6, a, NULL), SB_ERR_INVALID);
	assert_contains(sb_last_error(), "K = 5");
	/* Another dim that does not match. */
	a[4] = sb_value_tensor(vb), a[5] = sb_value_tensor(ib);
	assert_int_equal(call(SB_PACKED_TOPK, 6, a, NULL), SB_ERR_INVALID);
	/* Indices not int64, an axis out of range, missing arguments. */
	a[4] = sb_value_tensor(v2), a[5] = sb_value_tensor(i2f);
	assert_int_equal(call(SB_PACKED_TOPK, 6, a, NULL), SB_ERR_INVALID);
	a[5] = sb_value_tensor(i2);
	assert_int_equal(call(SB_PACKED_TOPK, 6, a, NULL), SB_OK);
	a[1] = sb_value_int(2);
	assert_int_equal(call(SB_PACKED_TOPK, 6, a, NULL), SB_ERR_INVALID);
	assert_contains(sb_last_error(), "axis 2");
	assert_int_equal(call(SB_PACKED_TOPK, 5, a, NULL), SB_ERR_INVALID);
	a[1] = sb_value_string("1");
	assert_int_equal(call(SB_PACKED_TOPK, 6, a, NULL), SB_ERR_INVALID);
	sb_tensor *ts[] = {x, v5, i5, vb, ib, v2, i2, i2f};
	for (size_t i = 0; i < SB_ARRAY_LEN(ts); i++)
		sb_tensor_release(ts[i]);
}

/* ---- nonzero ---- */

static void check_nonzero(const sb_tensor *x)
{
	int r = x->dl.ndim, rows = r ? r : 1;
	int64_t one = 1;
	sb_tensor *cnt = sb_tensor_new(SB_I64, 1, &one);
	sb_value a[2] = {sb_value_tensor((sb_tensor *)x), sb_value_tensor(cnt)};
	assert_int_equal(call(SB_PACKED_NONZERO_COUNT, 2, a, NULL), SB_OK);
	int64_t n = sb_tensor_numel(x), nnz = 0;
	for (int64_t i = 0; i < n; i++)
		nnz += sb_tensor_get_f64(x, i) != 0;
	assert_int_equal(sb_tensor_get_i64(cnt, 0), nnz);
	int64_t os[2] = {rows, nnz};
	sb_tensor *out = sb_tensor_new(SB_I64, 2, os);
	a[1] = sb_value_tensor(out);
	assert_int_equal(call(SB_PACKED_NONZERO, 2, a, NULL), SB_OK);
	/* Column j holds the coordinates of the j-th non-zero in row-major
	 * order. */
	int64_t j = 0;
	for (int64_t i = 0; i < n; i++) {
		if (sb_tensor_get_f64(x, i) == 0)
			continue;
		int64_t rem = i;
		for (int d = r - 1; d >= 0; d--) {
			assert_int_equal(sb_tensor_get_i64(out, d * nnz + j), rem % x->shape[d]);
			rem /= x->shape[d];
		}
		if (!r)
			assert_int_equal(sb_tensor_get_i64(out, j), 0);
		j++;
	}
	assert_int_equal(j, nnz);
	/* A column too many or too few is an error. */
	os[1] = nnz + 1;
	sb_tensor *wrong = sb_tensor_new(SB_I64, 2, os);
	a[1] = sb_value_tensor(wrong);
	assert_int_equal(call(SB_PACKED_NONZERO, 2, a, NULL), SB_ERR_INVALID);
	assert_contains(sb_last_error(), "non-zeros");
	sb_tensor_release(wrong);
	sb_tensor_release(out);
	sb_tensor_release(cnt);
}

static void test_nonzero(void **state)
{
	(void)state;
	int64_t s3[3] = {2, 3, 4}, s1[1] = {5};
	sb_tensor *x = sb_tensor_new(SB_F32, 3, s3);
	for (int i = 0; i < 24; i++)
		sb_tensor_set_f64(x, i, i % 3 == 1 ? 0.0 : (i % 5 == 0 ? -0.0 : 0.5 * i - 3));
	check_nonzero(x);
	sb_tensor_release(x);
	sb_tensor *b = sb_tensor_new(SB_BOOL, 1, s1);
	for (int i = 0; i < 5; i++)
		sb_tensor_set_i64(b, i, i % 2);
	check_nonzero(b);
	sb_tensor_release(b);
	sb_tensor *z = sb_tensor_zeros(SB_I32, 1, s1); /* no non-zero: (1, 0) */
	check_nonzero(z);
	sb_tensor_release(z);
	sb_tensor *sc = sb_tensor_new(SB_F64, 0, NULL); /* a scalar: one row */
	sb_tensor_set_f64(sc, 0, 2.5);
	check_nonzero(sc);
	sb_tensor_release(sc);
	/* A count that is not one int64. */
	sb_tensor *v = sb_tensor_new(SB_F32, 1, s1), *cnt = sb_tensor_new(SB_I32, 1, s1);
	sb_value a[2] = {sb_value_tensor(v), sb_value_tensor(cnt)};
	assert_int_equal(call(SB_PACKED_NONZERO_COUNT, 2, a, NULL), SB_ERR_INVALID);
	assert_int_equal(call(SB_PACKED_NONZERO, 2, a, NULL), SB_ERR_INVALID);
	assert_int_equal(call(SB_PACKED_NONZERO, 1, a, NULL), SB_ERR_INVALID);
	sb_tensor_release(v);
	sb_tensor_release(cnt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tensor_to_shape),
	    cmocka_unit_test(test_topk),
	    cmocka_unit_test(test_topk_errors),
	    cmocka_unit_test(test_nonzero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
