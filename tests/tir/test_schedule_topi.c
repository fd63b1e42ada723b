/* Default CPU schedules on the PrimFuncs topi builds (as relax_like's
 * LegalizeOps will hand them over): each scheduled function computes what
 * the unscheduled one does (both through tir/eval, at shapes with tails),
 * has the parallel and vector loops its pattern calls for, and lowers
 * (tir/transform) to vector code with its parallel loop outlined. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tir/eval.h"
#include "tir/schedule/schedule.h"
#include "tir/topi/topi.h"
#include "tir/transform/transform.h"

static tir_ctx *C;

static int setup(void **state)
{
	(void)state;
	C = tir_ctx_new();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tir_ctx_free(C);
	C = NULL;
	return 0;
}

/* "n,16" -> a float32 tensor description with shape vars and constants. */
static topi_tensor Tt(sb_dtype dt, const char *dims);
static topi_tensor T(const char *dims)
{
	return Tt(SB_F32, dims);
}

static topi_tensor Tt(sb_dtype dt, const char *dims)
{
	tir_expr **shape = SB_ARENA_ARRAY(&C->arena, tir_expr *, 8);
	int r = 0;
	for (const char *p = dims; *p;) {
		const char *q = p;
		while (*q && *q != ',')
			q++;
		char tok[64];
		snprintf(tok, sizeof tok, "%.*s", (int)(q - p), p);
		shape[r++] = tok[0] >= '0' && tok[0] <= '9' ? tir_int(C, strtoll(tok, NULL, 10))
							    : tir_shape_var(C, tok);
		p = *q ? q + 1 : q;
	}
	return topi_tensor_make(dt, r, shape);
}

static uint64_t rng = 7;
static float rnd(void)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (float)((double)(rng >> 11) / 9007199254740992.0 * 2 - 1);
}

static int count(const char *s, const char *sub)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, sub)); p++)
		n++;
	return n;
}

/* Runs f and its default schedule on the same inputs (the first nin
 * params) at shape vars names[i] = vals[i]; outputs agree within tol. */
static void same_at(const tir_func *f, const tir_func *g, int nin, int nb, const char **names,
		    const int64_t *vals, double tol)
{
	tir_expr *vars[8], *cv[8];
	for (int i = 0; i < nb; i++) {
		vars[i] = tir_shape_var(C, names[i]);
		cv[i] = tir_int(C, vals[i]);
	}
	sb_tensor *ta[8], *tb[8];
	assert_true(f->nparams <= 8);
	for (int i = 0; i < f->nparams; i++) {
		const tir_buffer *b = f->params[i].buffer;
		int64_t sh[8];
		for (int d = 0; d < b->ndim; d++) {
			tir_expr *e = tir_simplify(C, NULL, tir_substitute(C, b->shape[d], nb, vars, cv));
			assert_int_equal(e->kind, TIR_INT_IMM);
			sh[d] = e->u.int_value;
		}
		ta[i] = sb_tensor_zeros(b->dtype, b->ndim, sh);
		for (int64_t e = 0; i < nin && e < sb_tensor_numel(ta[i]); e++)
			sb_tensor_set_f64(ta[i], e, rnd());
		tb[i] = sb_tensor_copy(ta[i]);
	}
	if (tir_eval_tensors(f, ta, f->nparams) != SB_OK)
		fail_msg("original: %s", sb_last_error());
	if (tir_eval_tensors(g, tb, g->nparams) != SB_OK)
		fail_msg("scheduled: %s", sb_last_error());
	for (int i = nin; i < f->nparams; i++) {
		for (int64_t e = 0; e < sb_tensor_numel(ta[i]); e++) {
			double x = sb_tensor_get_f64(ta[i], e), y = sb_tensor_get_f64(tb[i], e);
			if (!(fabs(x - y) <= tol * (1 + fabs(x))))
				fail_msg("output %d element %lld: %g vs %g", i, (long long)e, x, y);
		}
	}
	for (int i = 0; i < f->nparams; i++) {
		sb_tensor_release(ta[i]);
		sb_tensor_release(tb[i]);
	}
}

/* Schedules f; checks it verifies, has at least npar parallel and nvec
 * vectorized loops, and lowers to vector code with nclosures outlined
 * parallel loops.  Returns the scheduled function. */
static tir_func *schedule(tir_func *f, int npar, int nvec, int nclosures)
{
	tir_target t = tir_target_avx2();
	tir_func *g;
	if (tir_schedule_default_cpu(C, f, &t, &g, NULL) != SB_OK)
		fail_msg("default_cpu: %s", sb_last_error());
	if (tir_func_verify(g) != SB_OK)
		fail_msg("verify: %s", sb_last_error());
	char *text = tir_func_to_string(g);
	if (count(text, ") parallel {") < npar || count(text, ") vectorized {") < nvec) {
		print_error("%s\n", text);
		fail_msg("expected %d parallel and %d vectorized loops", npar, nvec);
	}
	free(text);
	tir_lowered *l;
	if (tir_lower(C, g, NULL, &l) != SB_OK)
		fail_msg("lower: %s", sb_last_error());
	char *low = tir_lowered_to_string(l);
	if (l->nclosures != nclosures || !strstr(low, "ramp(")) {
		print_error("%s\n", low);
		fail_msg("%d closures (want %d), ramps: %d", l->nclosures, nclosures,
			 count(low, "ramp("));
	}
	free(low);
	return g;
}

static void test_topi_broadcast_add(void **state)
{
	(void)state;
	tir_func *f;
	assert_int_equal(topi_binary(C, "add", TOPI_BINARY_ADD, T("n,16"), T("16"), &f), SB_OK);
	tir_func *g = schedule(f, 1, 1, 1);
	const char *nm[] = {"n"};
	int64_t v1[] = {5}, v2[] = {1};
	same_at(f, g, 2, 1, nm, v1, 0);
	same_at(f, g, 2, 1, nm, v2, 0);
}

static void test_topi_matmul(void **state)
{
	(void)state;
	tir_func *f;
	assert_int_equal(topi_matmul(C, "mm", T("m,k"), T("k,n"), &f), SB_OK);
	tir_func *g = schedule(f, 1, 4, 1);
	const char *nm[] = {"m", "k", "n"};
	int64_t v1[] = {7, 9, 37}, v2[] = {1, 3, 16}, v3[] = {12, 1, 5};
	same_at(f, g, 2, 3, nm, v1, 1e-5);
	same_at(f, g, 2, 3, nm, v2, 1e-5);
	same_at(f, g, 2, 3, nm, v3, 1e-5);
}

static void test_topi_dot_half(void **state)
{
	(void)state;
	/* a 0-d output through a float32 accumulator: the scalar must stay
	 * one allocation across the reduction and the conversion */
	tir_func *f;
	assert_int_equal(topi_matmul(C, "dot", Tt(SB_F16, "m"), Tt(SB_F16, "m"), &f), SB_OK);
	tir_func *g = schedule(f, 0, 2, 0);
	const char *nm[] = {"m"};
	int64_t v1[] = {21}, v2[] = {1};
	same_at(f, g, 2, 1, nm, v1, 2e-3);
	same_at(f, g, 2, 1, nm, v2, 2e-3);
}

static void test_topi_batch_matmul(void **state)
{
	(void)state;
	tir_func *f;
	assert_int_equal(topi_matmul(C, "bmm", T("b,m,64"), T("b,64,n"), &f), SB_OK);
	tir_func *g = schedule(f, 1, 4, 1);
	const char *nm[] = {"b", "m", "n"};
	int64_t v1[] = {2, 7, 20};
	same_at(f, g, 2, 3, nm, v1, 1e-5);
}

static void test_topi_dense_bias(void **state)
{
	(void)state;
	tir_func *f;
	topi_gemm_params gp = {1, 1, false, true};
	topi_tensor bias = T("48");
	assert_int_equal(topi_gemm(C, "dense", T("m,32"), T("48,32"), &bias, &gp, &f), SB_OK);
	tir_func *g = schedule(f, 1, 3, 1);
	char *text = tir_func_to_string(g);
	/* the bias epilogue runs on the accumulator tile; B packed to [K][nr] */
	assert_non_null(strstr(text, "alloc B_local: Buffer(float32, [32, 16], scope=\"local\")"));
	assert_int_equal(count(text, "C_local") + count(text, "Y_local"), 0);
	free(text);
	const char *nm[] = {"m"};
	int64_t v1[] = {5}, v2[] = {9};
	same_at(f, g, 3, 1, nm, v1, 1e-5);
	same_at(f, g, 3, 1, nm, v2, 1e-5);
}

static void test_topi_conv2d(void **state)
{
	(void)state;
	tir_func *f;
	topi_conv_params cp = {0};
	cp.win.pads[0] = cp.win.pads[1] = cp.win.pads[2] = cp.win.pads[3] = 1;
	topi_tensor bias = T("8");
	assert_int_equal(topi_conv(C, "conv", T("n,3,h,w"), T("8,3,3,3"), &bias, &cp, &f), SB_OK);
	/* the padding copy and the convolution each in parallel */
	tir_func *g = schedule(f, 2, 4, 2);
	char *text = tir_func_to_string(g);
	assert_non_null(strstr(text, "alloc X_pad: Buffer(float32, [n, 3, h + 2, w + 2])"));
	free(text);
	const char *nm[] = {"n", "h", "w"};
	int64_t v1[] = {1, 6, 19}, v2[] = {2, 3, 4};
	same_at(f, g, 3, 3, nm, v1, 1e-5);
	same_at(f, g, 3, 3, nm, v2, 1e-5);
}

static void test_topi_softmax(void **state)
{
	(void)state;
	tir_func *f;
	topi_softmax_params sp = {-1, false};
	assert_int_equal(topi_softmax(C, "softmax", TOPI_SOFTMAX, T("n,m"), &sp, &f), SB_OK);
	tir_func *g = schedule(f, 2, 4, 2);
	const char *nm[] = {"n", "m"};
	int64_t v1[] = {3, 21}, v2[] = {2, 8}, v3[] = {2, 0};
	same_at(f, g, 1, 2, nm, v1, 1e-5);
	same_at(f, g, 1, 2, nm, v2, 1e-5);
	same_at(f, g, 1, 2, nm, v3, 1e-5);
}

static void test_topi_reductions(void **state)
{
	(void)state;
	tir_func *f, *g;
	const char *nm[] = {"n", "m"};
	int64_t v1[] = {3, 21};
	topi_reduce_params rp = {0};
	rp.naxes = 1;
	rp.axes[0] = -1;
	assert_int_equal(topi_reduce(C, "sum", TOPI_REDUCE_SUM, T("n,m"), &rp, &f), SB_OK);
	g = schedule(f, 1, 2, 1);
	same_at(f, g, 1, 2, nm, v1, 1e-5);
	rp.axes[0] = 0;
	rp.keepdims = true;
	assert_int_equal(topi_reduce(C, "mean0", TOPI_REDUCE_MEAN, T("n,m"), &rp, &f), SB_OK);
	g = schedule(f, 1, 2, 1);
	same_at(f, g, 1, 2, nm, v1, 1e-5);
	assert_int_equal(topi_global_pool(C, "gap", TOPI_POOL_AVG, T("n,c,h,w"), &f), SB_OK);
	g = schedule(f, 1, 2, 1);
	const char *nm4[] = {"n", "c", "h", "w"};
	int64_t v4[] = {2, 3, 5, 7};
	same_at(f, g, 1, 4, nm4, v4, 1e-5);
}

static void test_topi_pool_transpose(void **state)
{
	(void)state;
	tir_func *f, *g;
	topi_pool_params pp = {0};
	pp.kernel[0] = pp.kernel[1] = 2;
	pp.win.strides[0] = pp.win.strides[1] = 2;
	assert_int_equal(topi_pool(C, "maxpool", TOPI_POOL_MAX, T("n,c,h,w"), &pp, &f), SB_OK);
	g = schedule(f, 1, 1, 1);
	const char *nm4[] = {"n", "c", "h", "w"};
	int64_t v4[] = {1, 3, 8, 10};
	same_at(f, g, 1, 4, nm4, v4, 0);
	int64_t perm[] = {1, 0};
	assert_int_equal(topi_transpose(C, "tr", T("n,m"), perm, &f), SB_OK);
	g = schedule(f, 1, 1, 1);
	const char *nm[] = {"n", "m"};
	int64_t v1[] = {3, 21};
	same_at(f, g, 1, 2, nm, v1, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_topi_broadcast_add, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_topi_matmul, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_topi_dot_half, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_topi_batch_matmul, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_topi_dense_bias, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_topi_conv2d, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_topi_softmax, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_topi_reductions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_topi_pool_transpose, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
