/* backends/llvm: hand-built PrimFuncs JIT-compiled once and run at several
 * shapes bound at run time, compared with plain C loops; the packed
 * entry's checks and messages; dtype semantics; allocations and asserts;
 * the stage dumps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "fixtures.h"
#include "tir/transform/transform.h"

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

#define assert_contains(s, sub) assert_contains_((s), (sub), __FILE__, __LINE__)
static void assert_contains_(const char *s, const char *sub, const char *file, int line)
{
	if (!s || !strstr(s, sub)) {
		print_error("'%s' does not contain '%s'\n", s ? s : "(null)", sub);
		_fail(file, line);
	}
}

/* Compiles f alone and returns its entry. */
static sb_packed_fn jit(tir_func *f, sb_llvm_jit **j)
{
	sb_llvm_module *m;
	assert_int_equal(sb_llvm_module_new(f->name, NULL, &m), SB_OK);
	if (sb_llvm_module_add(m, C, f))
		fail_msg("module_add: %s", sb_last_error());
	if (sb_llvm_jit_new(m, j))
		fail_msg("jit: %s", sb_last_error());
	sb_packed_fn fn = sb_llvm_jit_lookup(*j, f->name);
	if (!fn)
		fail_msg("lookup: %s", sb_last_error());
	return fn;
}

static float *fdata(sb_tensor *t)
{
	return sb_tensor_data(t);
}

#define assert_close(got, want, tol)                                                               \
	do {                                                                                       \
		double g_ = (got), w_ = (want);                                                    \
		if (!(fabs(g_ - w_) <= (tol) * (1.0 + fabs(w_))))                                  \
			fail_msg("%s = %.9g, want %.9g", #got, g_, w_);                            \
	} while (0)

/* ---- Shapes bound at run time ---- */

static void test_add_many_shapes(void **state)
{
	sb_llvm_jit *j;
	sb_packed_fn fn = jit(fx_add(C), &j);
	const int64_t sizes[] = {1, 13, 97, 0, 64};
	for (size_t s = 0; s < SB_ARRAY_LEN(sizes); s++) {
		int64_t n = sizes[s];
		sb_tensor *t[3] = {fx_tensor(SB_F32, 1, &n, 1), fx_tensor(SB_F32, 1, &n, 2),
				   fx_tensor(SB_F32, 1, &n, 3)};
		if (fx_call(fn, t, 3))
			fail_msg("n=%lld: %s", (long long)n, sb_last_error());
		for (int64_t i = 0; i < n; i++)
			assert_true(fdata(t[2])[i] == fdata(t[0])[i] + fdata(t[1])[i]);
		for (int k = 0; k < 3; k++)
			sb_tensor_release(t[k]);
	}
	sb_llvm_jit_free(j);
}

static void test_bias_add_many_shapes(void **state)
{
	sb_llvm_jit *j;
	sb_packed_fn fn = jit(fx_bias_add(C, TIR_FOR_SERIAL), &j);
	const int64_t shapes[][2] = {{1, 1}, {13, 97}, {97, 13}, {3, 16}, {2, 0}};
	for (size_t s = 0; s < SB_ARRAY_LEN(shapes); s++) {
		int64_t m = shapes[s][0], n = shapes[s][1];
		sb_tensor *t[3] = {fx_tensor(SB_F32, 2, shapes[s], 4), fx_tensor(SB_F32, 1, &n, 5),
				   fx_tensor(SB_F32, 2, shapes[s], 6)};
		if (fx_call(fn, t, 3))
			fail_msg("%lldx%lld: %s", (long long)m, (long long)n, sb_last_error());
		for (int64_t i = 0; i < m; i++)
			for (int64_t k = 0; k < n; k++)
				assert_true(fdata(t[2])[i * n + k] ==
					    fdata(t[0])[i * n + k] + fdata(t[1])[k]);
		for (int k = 0; k < 3; k++)
			sb_tensor_release(t[k]);
	}
	sb_llvm_jit_free(j);
}

static void test_rowsum_many_shapes(void **state)
{
	sb_llvm_jit *j;
	sb_packed_fn fn = jit(fx_rowsum(C, TIR_FOR_SERIAL), &j);
	/* Not n = 0: a block's init runs at the first reduction step, so an
	 * empty reduction leaves the output as it was (tir semantics). */
	const int64_t shapes[][2] = {{1, 1}, {13, 97}, {97, 13}, {1, 20}};
	for (size_t s = 0; s < SB_ARRAY_LEN(shapes); s++) {
		int64_t m = shapes[s][0], n = shapes[s][1];
		sb_tensor *t[2] = {fx_tensor(SB_F32, 2, shapes[s], 7), fx_tensor(SB_F32, 1, &m, 8)};
		if (fx_call(fn, t, 2))
			fail_msg("%s", sb_last_error());
		for (int64_t i = 0; i < m; i++) {
			float acc = 0.0f;
			for (int64_t k = 0; k < n; k++)
				acc += fdata(t[0])[i * n + k];
			assert_close(fdata(t[1])[i], acc, 1e-6);
		}
		sb_tensor_release(t[0]);
		sb_tensor_release(t[1]);
	}
	sb_llvm_jit_free(j);
}

static void test_matmul_many_shapes(void **state)
{
	sb_llvm_jit *j;
	sb_packed_fn fn = jit(fx_matmul(C), &j);
	const int64_t shapes[][3] = {{1, 1, 1}, {13, 17, 7}, {5, 97, 13}, {2, 8, 3}};
	for (size_t s = 0; s < SB_ARRAY_LEN(shapes); s++) {
		int64_t m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
		int64_t mk[2] = {m, k}, kn[2] = {k, n}, mn[2] = {m, n};
		sb_tensor *t[3] = {fx_tensor(SB_F32, 2, mk, 9), fx_tensor(SB_F32, 2, kn, 10),
				   fx_tensor(SB_F32, 2, mn, 11)};
		if (fx_call(fn, t, 3))
			fail_msg("%s", sb_last_error());
		for (int64_t i = 0; i < m; i++)
			for (int64_t c = 0; c < n; c++) {
				float acc = 0.0f;
				for (int64_t r = 0; r < k; r++)
					acc += fdata(t[0])[i * k + r] * fdata(t[1])[r * n + c];
				assert_close(fdata(t[2])[i * n + c], acc, 1e-5);
			}
		for (int q = 0; q < 3; q++)
			sb_tensor_release(t[q]);
	}
	sb_llvm_jit_free(j);
}

static void conv1d_ref(const sb_tensor *x, const sb_tensor *w, float *y, int64_t ci, int64_t co,
		       int64_t wd, int64_t kw)
{
	int64_t ow = (wd - kw) / 2 + 1;
	for (int64_t o = 0; o < co; o++)
		for (int64_t p = 0; p < ow; p++) {
			float acc = 0.0f;
			for (int64_t c = 0; c < ci; c++)
				for (int64_t r = 0; r < kw; r++)
					acc += fdata((sb_tensor *)x)[c * wd + p * 2 + r] *
					       fdata((sb_tensor *)w)[(o * ci + c) * kw + r];
			y[o * ow + p] = acc;
		}
}

static void test_conv1d_computed_dim(void **state)
{
	sb_llvm_jit *j;
	sb_packed_fn fn = jit(fx_conv1d(C), &j);
	/* ci, co, w, kw */
	const int64_t shapes[][4] = {{1, 1, 1, 1}, {3, 2, 13, 3}, {2, 5, 97, 4}, {1, 1, 8, 8}};
	for (size_t s = 0; s < SB_ARRAY_LEN(shapes); s++) {
		int64_t ci = shapes[s][0], co = shapes[s][1], wd = shapes[s][2], kw = shapes[s][3];
		int64_t ow = (wd - kw) / 2 + 1;
		int64_t xs[2] = {ci, wd}, ws[3] = {co, ci, kw}, ys[2] = {co, ow};
		sb_tensor *t[3] = {fx_tensor(SB_F32, 2, xs, 12), fx_tensor(SB_F32, 3, ws, 13),
				   fx_tensor(SB_F32, 2, ys, 14)};
		if (fx_call(fn, t, 3))
			fail_msg("%s", sb_last_error());
		float *want = calloc((size_t)(co * ow), sizeof(float));
		conv1d_ref(t[0], t[1], want, ci, co, wd, kw);
		for (int64_t i = 0; i < co * ow; i++)
			assert_close(fdata(t[2])[i], want[i], 1e-5);
		free(want);
		for (int q = 0; q < 3; q++)
			sb_tensor_release(t[q]);
	}
	sb_llvm_jit_free(j);
}

/* ---- The entry's checks ---- */

static void expect_error(sb_packed_fn fn, sb_tensor *const *t, int n, const char *msg)
{
	int rc = fx_call(fn, t, n);
	if (!rc)
		fail_msg("call succeeded; expected '%s'", msg);
	assert_int_equal(rc, SB_ERR_INVALID);
	assert_contains(sb_last_error(), msg);
}

static void test_entry_errors_add(void **state)
{
	sb_llvm_jit *j;
	sb_packed_fn fn = jit(fx_add(C), &j);
	int64_t n5 = 5, n4 = 4, m23[2] = {2, 3};
	sb_tensor *a = fx_tensor(SB_F32, 1, &n5, 1), *b = fx_tensor(SB_F32, 1, &n5, 2),
		  *c = fx_tensor(SB_F32, 1, &n5, 3);
	sb_tensor *b4 = fx_tensor(SB_F32, 1, &n4, 2), *c4 = fx_tensor(SB_F32, 1, &n4, 2);
	sb_tensor *a2 = fx_tensor(SB_F32, 2, m23, 4), *b64 = fx_tensor(SB_F64, 1, &n5, 5);

	sb_tensor *inconsistent[3] = {a, b4, c};
	expect_error(fn, inconsistent, 3, "add: buffer 'B' dim 0 is 4, expected 5 (= n)");
	sb_tensor *out_wrong[3] = {a, b, c4};
	expect_error(fn, out_wrong, 3, "add: buffer 'C' dim 0 is 4, expected 5 (= n)");
	sb_tensor *rank[3] = {a2, b, c};
	expect_error(fn, rank, 3, "add: buffer 'A' has rank 2, expected 1");
	sb_tensor *dtype[3] = {a, b64, c};
	expect_error(fn, dtype, 3, "add: buffer 'B' has dtype float64, expected float32");
	sb_tensor *ok[3] = {a, b, c};
	expect_error(fn, ok, 2, "add: expected 3 arguments, got 2");

	sb_value args[3] = {sb_value_tensor(a), sb_value_int(7), sb_value_tensor(c)}, ret = {0};
	assert_int_not_equal(fn(args, 3, &ret), 0);
	assert_contains(sb_last_error(),
			"add: argument 1 ('B') is a value of kind int, expected a tensor");
	args[1] = sb_value_tensor(NULL);
	assert_int_not_equal(fn(args, 3, &ret), 0);
	assert_contains(sb_last_error(), "add: argument 1 ('B') is a null tensor");

	/* Strides: compact ones pass, others are named. */
	int64_t good[1] = {1}, bad[1] = {2};
	b->dl.strides = good;
	assert_int_equal(fx_call(fn, ok, 3), 0);
	b->dl.strides = bad;
	expect_error(fn, ok, 3, "add: buffer 'B' is not compact: dim 0 has stride 2, expected 1");
	b->dl.strides = NULL;
	/* And after all that, a good call still works. */
	assert_int_equal(fx_call(fn, ok, 3), 0);

	sb_tensor *all[] = {a, b, c, b4, c4, a2, b64};
	for (size_t i = 0; i < SB_ARRAY_LEN(all); i++)
		sb_tensor_release(all[i]);
	sb_llvm_jit_free(j);
}

static void test_entry_errors_conv1d(void **state)
{
	sb_llvm_jit *j;
	sb_packed_fn fn = jit(fx_conv1d(C), &j);
	/* ci=2, co=3, w=13, kw=3: ow = 6 */
	int64_t xs[2] = {2, 13}, ws[3] = {3, 2, 3}, ys[2] = {3, 6}, ys_bad[2] = {3, 7},
		ws_bad[3] = {3, 4, 3};
	sb_tensor *x = fx_tensor(SB_F32, 2, xs, 1), *w = fx_tensor(SB_F32, 3, ws, 2),
		  *y = fx_tensor(SB_F32, 2, ys, 3), *yb = fx_tensor(SB_F32, 2, ys_bad, 4),
		  *wb = fx_tensor(SB_F32, 3, ws_bad, 5);
	sb_tensor *ok[3] = {x, w, y}, *bad_out[3] = {x, w, yb}, *bad_w[3] = {x, wb, y};
	assert_int_equal(fx_call(fn, ok, 3), 0);
	expect_error(fn, bad_out, 3,
		     "conv1d: buffer 'Y' dim 1 is 7, expected 6 (= (w - kw) // 2 + 1)");
	expect_error(fn, bad_w, 3, "conv1d: buffer 'W' dim 1 is 4, expected 2 (= ci)");
	sb_tensor *all[] = {x, w, y, yb, wb};
	for (size_t i = 0; i < SB_ARRAY_LEN(all); i++)
		sb_tensor_release(all[i]);
	sb_llvm_jit_free(j);
}

static void test_unbindable_shape_var_is_reported(void **state)
{
	/* B: [n * 2] with n in no plain dim: nothing binds n. */
	tir_expr *n = tir_shape_var(C, "n"), *n2 = tir_mul(C, n, tir_int(C, 2));
	tir_buffer *b = tir_buffer_new(C, "B", SB_F32, 1, &n2);
	tir_param p = tir_param_buffer(b);
	tir_func *f = tir_func_new(C, "bad", 1, &p, tir_evaluate(C, tir_int(C, 0)));
	sb_llvm_module *m;
	assert_int_equal(sb_llvm_module_new("bad", NULL, &m), SB_OK);
	assert_int_equal(sb_llvm_module_add(m, C, f), SB_ERR_UNSUPPORTED);
	assert_contains(sb_last_error(), "shape variable 'n'");
	sb_llvm_module_free(m);
}

/* ---- Dtypes ---- */

static int64_t floordiv_ref(int64_t a, int64_t b)
{
	if (b == 0)
		return 0;
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
static int64_t floormod_ref(int64_t a, int64_t b)
{
	if (b == 0)
		return 0;
	int64_t r = a % b;
	return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r;
}

static void test_int_division_semantics(void **state)
{
	tir_expr_kind ops[4] = {TIR_FLOOR_DIV, TIR_FLOOR_MOD, TIR_DIV, TIR_MOD};
	const char *names[4] = {"fdiv", "fmod", "tdiv", "tmod"};
	int64_t n = 22;
	int32_t av[22] = {7,  -7,  7,	-7,   0, 5, -5, 1, -1, 9, INT32_MIN,
			  13, -13, 100, -100, 3, 8, -8, 6, -6, 2, 17};
	int32_t bv[22] = {2, 2, -2, -2, 3, 0, 0, 1, 1, 4, -1, 5, 5, -7, -7, 3, 8, 8, -4, -4, 0, -3};
	for (int k = 0; k < 4; k++) {
		/* lanes 4: 22 = 5 vector steps + a tail of 2, both paths run */
		tir_func *f = fx_binary(C, names[k], SB_I32, ops[k], 4);
		sb_llvm_jit *j;
		sb_packed_fn fn = jit(f, &j);
		sb_tensor *t[3] = {sb_tensor_new(SB_I32, 1, &n), sb_tensor_new(SB_I32, 1, &n),
				   sb_tensor_new(SB_I32, 1, &n)};
		memcpy(sb_tensor_data(t[0]), av, sizeof av);
		memcpy(sb_tensor_data(t[1]), bv, sizeof bv);
		if (fx_call(fn, t, 3))
			fail_msg("%s", sb_last_error());
		int32_t *c = sb_tensor_data(t[2]);
		for (int i = 0; i < n; i++) {
			int64_t a = av[i], b = bv[i], want;
			switch (k) {
			case 0:
				want = floordiv_ref(a, b);
				break;
			case 1:
				want = floormod_ref(a, b);
				break;
			case 2:
				want = b == 0 ? 0 : b == -1 ? -a : a / b;
				break;
			default:
				want = b == 0 || b == -1 ? 0 : a % b;
				break;
			}
			if (c[i] != (int32_t)(uint32_t)(uint64_t)want)
				fail_msg("%s(%d, %d) = %d, want %lld", names[k], av[i], bv[i], c[i],
					 (long long)want);
		}
		for (int q = 0; q < 3; q++)
			sb_tensor_release(t[q]);
		sb_llvm_jit_free(j);
	}
}

/* Elementwise ops over several dtypes, checked element by element against
 * the same operation in C (through doubles for the float types). */
static void test_dtypes_elementwise(void **state)
{
	struct {
		sb_dtype dt;
		tir_expr_kind op;
	} cases[] = {
	    {SB_I8, TIR_ADD},  {SB_U8, TIR_SUB},	{SB_I16, TIR_MUL}, {SB_U16, TIR_MAX},
	    {SB_I64, TIR_MIN}, {SB_U32, TIR_FLOOR_DIV}, {SB_U64, TIR_ADD}, {SB_F64, TIR_MUL},
	    {SB_F16, TIR_ADD}, {SB_BF16, TIR_MUL},	{SB_F32, TIR_DIV}, {SB_F32, TIR_FLOOR_MOD},
	};
	int64_t n = 37;
	for (size_t c = 0; c < SB_ARRAY_LEN(cases); c++) {
		sb_dtype dt = cases[c].dt;
		char name[32];
		snprintf(name, sizeof name, "op%zu", c);
		sb_llvm_jit *j;
		sb_packed_fn fn = jit(fx_binary(C, name, dt, cases[c].op, 8), &j);
		sb_tensor *t[3] = {sb_tensor_new(dt, 1, &n), sb_tensor_new(dt, 1, &n),
				   sb_tensor_new(dt, 1, &n)};
		for (int64_t i = 0; i < n; i++) {
			bool fl = sb_dtype_is_float(dt);
			sb_tensor_set_f64(t[0], i,
					  fl ? (double)(i - 18) * 0.37 : (double)(i * 7 % 23));
			sb_tensor_set_f64(t[1], i,
					  fl ? 1.25 + (double)(i % 5) : (double)(i % 6 + 1));
		}
		if (fx_call(fn, t, 3))
			fail_msg("%s: %s", sb_dtype_name(dt), sb_last_error());
		for (int64_t i = 0; i < n; i++) {
			double a = sb_tensor_get_f64(t[0], i), b = sb_tensor_get_f64(t[1], i), want;
			int64_t ia = sb_tensor_get_i64(t[0], i), ib = sb_tensor_get_i64(t[1], i);
			switch (cases[c].op) {
			case TIR_ADD:
				want = sb_dtype_is_float(dt) ? a + b : (double)(ia + ib);
				break;
			case TIR_SUB:
				want = (double)(ia - ib);
				break;
			case TIR_MUL:
				want = sb_dtype_is_float(dt) ? a * b : (double)(ia * ib);
				break;
			case TIR_MAX:
				want = a > b ? a : b;
				break;
			case TIR_MIN:
				want = a < b ? a : b;
				break;
			case TIR_DIV:
				want = (float)a / (float)b;
				break;
			case TIR_FLOOR_DIV:
				want = (double)((uint64_t)ia / (uint64_t)ib);
				break;
			case TIR_FLOOR_MOD:
				want = a - floor(a / b) * b;
				break;
			default:
				want = 0;
				break;
			}
			/* The wanted value in the dtype: wrap integers, round floats. */
			sb_tensor *w = sb_tensor_new(dt, 1, (int64_t[]){1});
			if (sb_dtype_is_float(dt))
				sb_tensor_set_f64(w, 0, dt == SB_F32 ? (double)(float)want : want);
			else
				sb_tensor_set_i64(w, 0, (int64_t)want);
			double wv = sb_tensor_get_f64(w, 0), got = sb_tensor_get_f64(t[2], i);
			sb_tensor_release(w);
			if (sb_dtype_is_float(dt) ? fabs(got - wv) > 1e-6 * (1 + fabs(wv))
						  : got != wv)
				fail_msg("%s case %zu, i=%lld: got %.9g, want %.9g (a=%g b=%g)",
					 sb_dtype_name(dt), c, (long long)i, got, wv, a, b);
		}
		for (int q = 0; q < 3; q++)
			sb_tensor_release(t[q]);
		sb_llvm_jit_free(j);
	}
}

/* Y[i] = select(X[i] > 0, int32(X[i] * 2.5), -int32(X[i])) and bool output
 * Z[i] = X[i] > 0.5 || X[i] < -1.5 -- casts, select, comparisons, logic,
 * bool stored as bytes, vectorized. */
static void test_casts_select_bool(void **state)
{
	tir_expr *n = tir_shape_var(C, "n");
	tir_buffer *x = tir_buffer_new(C, "X", SB_F32, 1, &n),
		   *y = tir_buffer_new(C, "Y", SB_I32, 1, &n),
		   *z = tir_buffer_new(C, "Z", SB_BOOL, 1, &n);
	tir_expr *i = fx_loopvar(C, "i");
	tir_expr *xi = tir_load(C, x, 1, &i);
	tir_type i32 = tir_type_scalar(SB_I32);
	tir_expr *pos = tir_gt(C, xi, tir_f32(C, 0.0));
	tir_expr *yv = tir_select(C, pos, tir_cast(C, i32, tir_mul(C, xi, tir_f32(C, 2.5))),
				  tir_sub(C, tir_imm_int(C, i32, 0), tir_cast(C, i32, xi)));
	tir_expr *zv = tir_or(C, tir_gt(C, xi, tir_f32(C, 0.5)), tir_lt(C, xi, tir_f32(C, -1.5)));
	tir_stmt *two[2] = {tir_store(C, y, yv, 1, &i), tir_store(C, z, zv, 1, &i)};
	tir_expr *o = fx_loopvar(C, "o"), *ii = fx_loopvar(C, "ii");
	/* for (o, 0, n // 16) for (ii, 0, 16) vectorized, then a serial tail */
	tir_stmt *vec_body =
	    tir_stmt_substitute(C, tir_seq(C, 2, two), 1, &i,
				(tir_expr *[]){tir_add(C, tir_mul(C, o, tir_int(C, 16)), ii)});
	tir_stmt *vec =
	    tir_for(C, o, tir_int(C, 0), tir_floordiv(C, n, tir_int(C, 16)), TIR_FOR_SERIAL,
		    tir_for(C, ii, tir_int(C, 0), tir_int(C, 16), TIR_FOR_VECTORIZED, vec_body));
	tir_stmt *tail =
	    tir_for(C, i, tir_mul(C, tir_floordiv(C, n, tir_int(C, 16)), tir_int(C, 16)),
		    tir_floormod(C, n, tir_int(C, 16)), TIR_FOR_SERIAL, tir_seq(C, 2, two));
	tir_param ps[3] = {tir_param_buffer(x), tir_param_buffer(y), tir_param_buffer(z)};
	tir_func *f = tir_func_new(C, "casts", 3, ps, tir_seq(C, 2, (tir_stmt *[]){vec, tail}));
	sb_llvm_jit *j;
	sb_packed_fn fn = jit(f, &j);
	const int64_t sizes[] = {1, 13, 97};
	for (size_t s = 0; s < SB_ARRAY_LEN(sizes); s++) {
		int64_t len = sizes[s];
		sb_tensor *t[3] = {fx_tensor(SB_F32, 1, &len, 21), sb_tensor_new(SB_I32, 1, &len),
				   sb_tensor_new(SB_BOOL, 1, &len)};
		if (fx_call(fn, t, 3))
			fail_msg("%s", sb_last_error());
		for (int64_t k = 0; k < len; k++) {
			float v = fdata(t[0])[k];
			int32_t want = v > 0 ? (int32_t)(v * 2.5f) : -(int32_t)v;
			assert_int_equal(((int32_t *)sb_tensor_data(t[1]))[k], want);
			assert_int_equal(((uint8_t *)sb_tensor_data(t[2]))[k],
					 v > 0.5f || v < -1.5f);
		}
		for (int q = 0; q < 3; q++)
			sb_tensor_release(t[q]);
	}
	sb_llvm_jit_free(j);
}

/* A vectorized split tail under its per-lane guard, through every masked
 * access of the code generator:
 *   for (o, 0, (n + 7) // 8) alloc T[16] (stack)
 *     for (j, 0, 8) vectorized: if (o * 8 + j < n) {
 *       T[j + 4] = X[i] * 2        stack tile: blend
 *       Y[i] = T[j + 4] + 1        load from the tile; contiguous masked store
 *       R[n - 1 - i] = X[n - 1 - i]  stride -1: masked gather and scatter
 *       B[i] = X[i] > 0            bool (bytes in memory)
 *     }                             (i = o * 8 + j)
 * Tensors are exactly n long, so a lane the mask leaves out would read or
 * write past them. */
static void test_masked_tail(void **state)
{
	tir_expr *n = tir_shape_var(C, "n");
	tir_buffer *x = tir_buffer_new(C, "X", SB_F32, 1, &n), *y = tir_buffer_new(C, "Y", SB_F32, 1, &n),
		   *r = tir_buffer_new(C, "R", SB_F32, 1, &n), *bb = tir_buffer_new(C, "B", SB_BOOL, 1, &n);
	tir_expr *sixteen = tir_int(C, 16);
	tir_buffer *t = tir_buffer_new(C, "T", SB_F32, 1, &sixteen);
	tir_expr *o = fx_loopvar(C, "o"), *j = fx_loopvar(C, "j");
	tir_expr *i = tir_add(C, tir_mul(C, o, tir_int(C, 8)), j);
	tir_expr *ti = tir_add(C, j, tir_int(C, 4));
	tir_expr *rev = tir_sub(C, tir_sub(C, n, tir_int(C, 1)), i);
	tir_expr *xi = tir_load(C, x, 1, &i);
	tir_stmt *body[4] = {
	    tir_store(C, t, tir_mul(C, xi, tir_f32(C, 2.0)), 1, &ti),
	    tir_store(C, y, tir_add(C, tir_load(C, t, 1, &ti), tir_f32(C, 1.0)), 1, &i),
	    tir_store(C, r, tir_load(C, x, 1, &rev), 1, &rev),
	    tir_store(C, bb, tir_gt(C, xi, tir_f32(C, 0.0)), 1, &i),
	};
	tir_stmt *guarded = tir_if(C, tir_lt(C, i, n), tir_seq(C, 4, body), NULL);
	tir_stmt *loop = tir_for(
	    C, o, tir_int(C, 0), tir_floordiv(C, tir_add(C, n, tir_int(C, 7)), tir_int(C, 8)),
	    TIR_FOR_SERIAL,
	    tir_allocate(C, t, tir_for(C, j, tir_int(C, 0), tir_int(C, 8), TIR_FOR_VECTORIZED, guarded)));
	tir_param ps[4] = {tir_param_buffer(x), tir_param_buffer(y), tir_param_buffer(r),
			   tir_param_buffer(bb)};
	tir_func *f = tir_func_new(C, "masked_tail", 4, ps, loop);
	/* it is vectorized: the lowered form holds the lane mask */
	tir_lowered *low;
	if (tir_lower(C, f, NULL, &low))
		fail_msg("lower: %s", sb_last_error());
	char *text = tir_lowered_to_string(low);
	assert_contains(text, "if (ramp(o * 8, 1, 8) < broadcast(n, 8)) {");
	assert_contains(text, "T[ramp(4, 1, 8)]");
	free(text);
	sb_llvm_jit *jj;
	sb_packed_fn fn = jit(f, &jj);
	const int64_t sizes[] = {1, 7, 8, 13, 97};
	for (size_t s = 0; s < SB_ARRAY_LEN(sizes); s++) {
		int64_t len = sizes[s];
		sb_tensor *ts[4] = {fx_tensor(SB_F32, 1, &len, 5), sb_tensor_new(SB_F32, 1, &len),
				    sb_tensor_new(SB_F32, 1, &len), sb_tensor_new(SB_BOOL, 1, &len)};
		if (fx_call(fn, ts, 4))
			fail_msg("%s", sb_last_error());
		for (int64_t k = 0; k < len; k++) {
			float v = fdata(ts[0])[k];
			assert_close(fdata(ts[1])[k], 2.0f * v + 1.0f, 1e-6);
			assert_close(fdata(ts[2])[k], v, 0);
			assert_int_equal(((uint8_t *)sb_tensor_data(ts[3]))[k], v > 0.0f);
		}
		for (int q = 0; q < 4; q++)
			sb_tensor_release(ts[q]);
	}
	sb_llvm_jit_free(jj);
}

/* ---- Allocations, lets and asserts ---- */

/* T = A * 2 in a local buffer of n elements (workspace), U a stack buffer
 * of 4; C[i] = T[i] + U[i % 4]; assert(n < 1000). */
static tir_func *alloc_func(void)
{
	tir_expr *n = tir_shape_var(C, "n");
	tir_buffer *a = tir_buffer_new(C, "A", SB_F32, 1, &n),
		   *c = tir_buffer_new(C, "C", SB_F32, 1, &n);
	tir_buffer *t = tir_buffer_new(C, "T", SB_F32, 1, &n);
	tir_expr *four = tir_int(C, 4);
	tir_buffer *u = tir_buffer_new(C, "U", SB_F32, 1, &four);
	tir_expr *i = fx_loopvar(C, "i"), *k = fx_loopvar(C, "k"), *i2 = fx_loopvar(C, "i2");
	tir_expr *x = tir_var(C, "x", tir_type_scalar(SB_F32));
	tir_stmt *fill_u = tir_for(C, k, tir_int(C, 0), four, TIR_FOR_UNROLLED,
				   tir_store(C, u, tir_cast(C, tir_type_scalar(SB_F32), k), 1, &k));
	tir_stmt *fill_t =
	    tir_for(C, i, tir_int(C, 0), n, TIR_FOR_SERIAL,
		    tir_store(C, t, tir_mul(C, tir_load(C, a, 1, &i), tir_f32(C, 2.0)), 1, &i));
	tir_expr *um = tir_floormod(C, i2, four);
	tir_stmt *use =
	    tir_for(C, i2, tir_int(C, 0), n, TIR_FOR_SERIAL,
		    tir_let(C, x, tir_load(C, t, 1, &i2),
			    tir_store(C, c, tir_add(C, x, tir_load(C, u, 1, &um)), 1, &i2)));
	tir_stmt *body[3] = {tir_assert(C, tir_lt(C, n, tir_int(C, 1000)), "n must be below 1000"),
			     fill_u,
			     tir_allocate(C, t, tir_seq(C, 2, (tir_stmt *[]){fill_t, use}))};
	tir_param ps[2] = {tir_param_buffer(a), tir_param_buffer(c)};
	return tir_func_new(C, "alloc", 2, ps, tir_allocate(C, u, tir_seq(C, 3, body)));
}

static void test_allocate_let_assert(void **state)
{
	sb_llvm_jit *j;
	sb_packed_fn fn = jit(alloc_func(), &j);
	const int64_t sizes[] = {1, 13, 97, 1000};
	for (size_t s = 0; s < SB_ARRAY_LEN(sizes); s++) {
		int64_t n = sizes[s];
		sb_tensor *t[2] = {fx_tensor(SB_F32, 1, &n, 31), fx_tensor(SB_F32, 1, &n, 32)};
		int rc = fx_call(fn, t, 2);
		if (n >= 1000) {
			assert_int_equal(rc, SB_ERR_INVALID);
			assert_contains(sb_last_error(), "alloc: n must be below 1000");
		} else {
			if (rc)
				fail_msg("%s", sb_last_error());
			for (int64_t i = 0; i < n; i++)
				assert_true(fdata(t[1])[i] ==
					    fdata(t[0])[i] * 2.0f + (float)(i % 4));
		}
		sb_tensor_release(t[0]);
		sb_tensor_release(t[1]);
	}
	sb_llvm_jit_free(j);
}

/* A kernel named like a libm function the generated code calls (exp's
 * scalar tail calls libm exp): the entry takes another symbol, found by
 * the same name. */
static void test_kernel_named_like_libm(void **state)
{
	sb_llvm_jit *j;
	sb_packed_fn fn = jit(fx_unary(C, "exp", TIR_INTRIN_EXP, SB_F64, 4), &j);
	int64_t n = 13;
	sb_tensor *t[2] = {fx_tensor(SB_F64, 1, &n, 5), sb_tensor_new(SB_F64, 1, &n)};
	if (fx_call(fn, t, 2))
		fail_msg("%s", sb_last_error());
	for (int64_t i = 0; i < n; i++)
		assert_true(((double *)sb_tensor_data(t[1]))[i] ==
			    exp(((double *)sb_tensor_data(t[0]))[i]));
	sb_tensor_release(t[0]);
	sb_tensor_release(t[1]);
	sb_llvm_jit_free(j);
}

/* ---- Several functions in one module; the stage dumps ---- */

static void test_module_of_several_functions(void **state)
{
	sb_llvm_module *m;
	assert_int_equal(sb_llvm_module_new("several", NULL, &m), SB_OK);
	assert_int_equal(sb_llvm_module_add(m, C, fx_add(C)), SB_OK);
	assert_int_equal(sb_llvm_module_add(m, C, fx_rowsum(C, TIR_FOR_SERIAL)), SB_OK);
	assert_int_equal(sb_llvm_module_add(m, C, fx_add(C)), SB_ERR_INVALID); /* name taken */
	assert_contains(sb_last_error(), "'add' is already in the module");
	sb_llvm_jit *j;
	assert_int_equal(sb_llvm_jit_new(m, &j), SB_OK);
	assert_non_null(sb_llvm_jit_lookup(j, "add"));
	assert_non_null(sb_llvm_jit_lookup(j, "rowsum"));
	assert_null(sb_llvm_jit_lookup(j, "nope"));
	assert_contains(sb_last_error(), "nope");
	sb_llvm_jit_free(j);
}

static void test_dump_stages(void **state)
{
	sb_llvm_options o = {.vector_bits = 256};
	char *tir = NULL, *ir = NULL;
	assert_int_equal(sb_llvm_dump_tir(C, fx_bias_add(C, TIR_FOR_PARALLEL), &o, &tir), SB_OK);
	print_message("---- lowered tir ----\n%s\n", tir);
	assert_contains(tir, "@func bias_add(A: Buffer(float32, [m * n])");
	assert_contains(tir, "C[ramp(");	      /* vectorized store */
	assert_contains(tir, "@func bias_add_par0("); /* the outlined rows */
	free(tir);
	o.no_opt = true;
	assert_int_equal(sb_llvm_dump_llvm(C, fx_add(C), &o, &ir), SB_OK);
	assert_contains(ir, "define i32 @add(i8* %args, i32 %nargs, i8*");
	assert_contains(ir, "load <8 x float>");
	assert_contains(ir, "store <8 x float>");
	free(ir);
	o.no_opt = false;
	assert_int_equal(sb_llvm_dump_llvm(C, fx_add(C), &o, &ir), SB_OK);
	assert_contains(ir, "<8 x float>");
	free(ir);
}

static void test_vector_math_stays_vector(void **state)
{
	sb_llvm_options o = {.vector_bits = 512};
	const tir_intrin fs[4] = {TIR_INTRIN_EXP, TIR_INTRIN_TANH, TIR_INTRIN_ERF,
				  TIR_INTRIN_SIGMOID};
	for (int k = 0; k < 4; k++) {
		char *ir = NULL;
		tir_func *f = fx_unary(C, tir_intrin_table[fs[k]].name, fs[k], SB_F32, 16);
		assert_int_equal(sb_llvm_dump_llvm(C, f, &o, &ir), SB_OK);
		/* No per-lane libm in the vector body: no vector llvm.exp and no
		 * libm call on an extracted lane (the scalar tail calls libm). */
		assert_null(strstr(ir, "@llvm.exp.v16f32"));
		assert_contains(ir, "<16 x float>");
		free(ir);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_add_many_shapes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_masked_tail, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bias_add_many_shapes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rowsum_many_shapes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_matmul_many_shapes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conv1d_computed_dim, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_entry_errors_add, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_entry_errors_conv1d, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unbindable_shape_var_is_reported, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_int_division_semantics, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dtypes_elementwise, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_casts_select_bool, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_allocate_let_assert, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kernel_named_like_libm, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_module_of_several_functions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dump_stages, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vector_math_stays_vector, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
