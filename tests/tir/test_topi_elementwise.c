/* topi elementwise ops (unary table, binary table with broadcasting,
 * variadic, Where, Cast, Clip): each PrimFunc is built once over symbolic
 * shapes and evaluated at several concrete shapes against the relay_like
 * reference kernels; plus the shape rules (broadcast results, run-time
 * asserts, build-time errors). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "topi_harness.h"

/* Three shapes for "n,3,m": size 1, primes, a non-multiple of 8. */
static const int64_t NM[3][2] = {{1, 1}, {7, 5}, {13, 10}};

/* ---- Unary ---- */

typedef struct unary_case {
	topi_unary_op op;
	relay_op rop;
	double lo, hi; /* input range */
} unary_case;

static const unary_case unary_cases[] = {
    {TOPI_UNARY_ABS, RELAY_OP_ABS, -3, 3},
    {TOPI_UNARY_ACOS, RELAY_OP_ACOS, -0.99, 0.99},
    {TOPI_UNARY_ACOSH, RELAY_OP_ACOSH, 1, 4},
    {TOPI_UNARY_ASIN, RELAY_OP_ASIN, -0.99, 0.99},
    {TOPI_UNARY_ASINH, RELAY_OP_ASINH, -3, 3},
    {TOPI_UNARY_ATAN, RELAY_OP_ATAN, -3, 3},
    {TOPI_UNARY_ATANH, RELAY_OP_ATANH, -0.99, 0.99},
    {TOPI_UNARY_CEIL, RELAY_OP_CEIL, -3, 3},
    {TOPI_UNARY_COS, RELAY_OP_COS, -3, 3},
    {TOPI_UNARY_COSH, RELAY_OP_COSH, -3, 3},
    {TOPI_UNARY_ERF, RELAY_OP_ERF, -3, 3},
    {TOPI_UNARY_EXP, RELAY_OP_EXP, -3, 3},
    {TOPI_UNARY_FLOOR, RELAY_OP_FLOOR, -3, 3},
    {TOPI_UNARY_LOG, RELAY_OP_LOG, -0.5, 4}, /* negatives: NaN on both sides */
    {TOPI_UNARY_NEG, RELAY_OP_NEG, -3, 3},
    {TOPI_UNARY_RECIPROCAL, RELAY_OP_RECIPROCAL, -3, 3},
    {TOPI_UNARY_RELU, RELAY_OP_RELU, -3, 3},
    {TOPI_UNARY_ROUND, RELAY_OP_ROUND, -3, 3},
    {TOPI_UNARY_SIGMOID, RELAY_OP_SIGMOID, -8, 8},
    {TOPI_UNARY_SIGN, RELAY_OP_SIGN, -3, 3},
    {TOPI_UNARY_SIN, RELAY_OP_SIN, -3, 3},
    {TOPI_UNARY_SINH, RELAY_OP_SINH, -3, 3},
    {TOPI_UNARY_SOFTPLUS, RELAY_OP_SOFTPLUS, -30, 30},
    {TOPI_UNARY_SOFTSIGN, RELAY_OP_SOFTSIGN, -3, 3},
    {TOPI_UNARY_SQRT, RELAY_OP_SQRT, 0, 9},
    {TOPI_UNARY_TAN, RELAY_OP_TAN, -1.2, 1.2},
    {TOPI_UNARY_TANH, RELAY_OP_TANH, -3, 3},
    {TOPI_UNARY_CELU, RELAY_OP_CELU, -3, 3},
    {TOPI_UNARY_ELU, RELAY_OP_ELU, -3, 3},
    {TOPI_UNARY_HARD_SIGMOID, RELAY_OP_HARD_SIGMOID, -5, 5},
    {TOPI_UNARY_HARD_SWISH, RELAY_OP_HARD_SWISH, -5, 5},
    {TOPI_UNARY_LEAKY_RELU, RELAY_OP_LEAKY_RELU, -3, 3},
    {TOPI_UNARY_SELU, RELAY_OP_SELU, -3, 3},
    {TOPI_UNARY_SHRINK, RELAY_OP_SHRINK, -3, 3},
    {TOPI_UNARY_THRESHOLDED_RELU, RELAY_OP_THRESHOLDED_RELU, -3, 3},
    {TOPI_UNARY_IDENTITY, RELAY_OP_IDENTITY, -3, 3},
};

/* Non-default attributes where the op has them, the same on both sides
 * (float values, as ONNX attributes are float). */
static void *unary_attrs(topi_unary_op op, topi_unary_params *p)
{
	*p = topi_unary_params_default(op);
	switch (op) {
	case TOPI_UNARY_CELU:
	case TOPI_UNARY_ELU:
	case TOPI_UNARY_THRESHOLDED_RELU: {
		relay_attrs_alpha *a = attrs_of(RELAY_ATTRS_alpha);
		a->alpha = 0.7f;
		p->alpha = (double)0.7f;
		return a;
	}
	case TOPI_UNARY_LEAKY_RELU: {
		relay_attrs_leaky_relu *a = attrs_of(RELAY_ATTRS_leaky_relu);
		a->alpha = 0.15f;
		p->alpha = (double)0.15f;
		return a;
	}
	case TOPI_UNARY_HARD_SIGMOID: {
		relay_attrs_hard_sigmoid *a = attrs_of(RELAY_ATTRS_hard_sigmoid);
		a->alpha = 0.3f;
		a->beta = 0.4f;
		p->alpha = (double)0.3f;
		p->beta = (double)0.4f;
		return a;
	}
	case TOPI_UNARY_SELU:
		return attrs_of(RELAY_ATTRS_selu);
	case TOPI_UNARY_SHRINK: {
		relay_attrs_shrink *a = attrs_of(RELAY_ATTRS_shrink);
		a->bias = 0.25f;
		a->lambd = 0.75f;
		p->bias = (double)0.25f;
		p->lambd = (double)0.75f;
		return a;
	}
	default:
		return NULL;
	}
}

static void run_unary(topi_unary_op op, relay_op rop, sb_dtype dt, double lo, double hi, double tol)
{
	topi_unary_params p;
	void *attrs = unary_attrs(op, &p);
	tir_func *f;
	BUILD(topi_unary(C, fname(topi_unary_name(op)), op, &p, T(dt, "n,3,m"), &f));
	for (int s = 0; s < 3; s++) {
		int64_t shape[3] = {NM[s][0], 3, NM[s][1]};
		sb_tensor *x = rand_tensor(dt, 3, shape, lo, hi);
		check_op_tol(f, rop, attrs, 1, &x, 1, &x, 1, tol);
		sb_tensor_release(x);
	}
}

static void test_unary_float32(void **state)
{
	for (size_t i = 0; i < SB_ARRAY_LEN(unary_cases); i++) {
		const unary_case *u = &unary_cases[i];
		run_unary(u->op, u->rop, SB_F32, u->lo, u->hi, 1e-5);
	}
}

static void test_unary_float64_and_half(void **state)
{
	for (size_t i = 0; i < SB_ARRAY_LEN(unary_cases); i++) {
		const unary_case *u = &unary_cases[i];
		run_unary(u->op, u->rop, SB_F64, u->lo, u->hi, 1e-12);
		run_unary(u->op, u->rop, SB_F16, u->lo, u->hi, 1e-5);
	}
}

static void test_unary_integers(void **state)
{
	static const struct {
		topi_unary_op op;
		relay_op rop;
	} ops[] = {
	    {TOPI_UNARY_ABS, RELAY_OP_ABS},	  {TOPI_UNARY_NEG, RELAY_OP_NEG},
	    {TOPI_UNARY_SIGN, RELAY_OP_SIGN},	  {TOPI_UNARY_RELU, RELAY_OP_RELU},
	    {TOPI_UNARY_SHRINK, RELAY_OP_SHRINK},
	};
	for (size_t i = 0; i < SB_ARRAY_LEN(ops); i++) {
		run_unary(ops[i].op, ops[i].rop, SB_I32, -5, 5, 0);
		run_unary(ops[i].op, ops[i].rop, SB_I8, -128, 127, 0);
		if (ops[i].op != TOPI_UNARY_NEG && ops[i].op != TOPI_UNARY_RELU)
			run_unary(ops[i].op, ops[i].rop, SB_U8, 0, 255, 0);
	}
	run_unary(TOPI_UNARY_NOT, RELAY_OP_NOT, SB_BOOL, 0, 1, 0);
}

/* Round is half to even; IsInf/IsNaN on the special values. */
static void test_unary_special_values(void **state)
{
	static const double v[10] = {-2.5, -1.5, -0.5,	   0.5,	      1.5,
				     2.5,  0.4,	 INFINITY, -INFINITY, NAN};
	int64_t shape[2] = {2, 5};
	sb_tensor *x = tensor_of(SB_F32, 2, shape, v);
	tir_func *f;
	BUILD(topi_unary(C, "t_round", TOPI_UNARY_ROUND, NULL, T(SB_F32, "a,b"), &f));
	sb_tensor *y = sb_tensor_new(SB_F32, 2, shape);
	expect_ok(tir_eval_tensors(f, (sb_tensor *[]){x, y}, 2));
	static const double want[7] = {-2, -2, -0, 0, 2, 2, 0};
	for (int i = 0; i < 7; i++)
		assert_true(sb_tensor_get_f64(y, i) == want[i]);
	sb_tensor_release(y);

	sb_tensor_release(x);

	/* IsInf and IsNaN at the NM shapes, the special values repeated. */
	sb_tensor *xs[3];
	for (int s = 0; s < 3; s++) {
		int64_t sh[2] = {NM[s][0], NM[s][1]};
		xs[s] = sb_tensor_new(SB_F32, 2, sh);
		for (int64_t i = 0; i < sb_tensor_numel(xs[s]); i++)
			sb_tensor_set_f64(xs[s], i, v[(i * 7 + s) % 10]);
	}
	for (int mode = 0; mode < 4; mode++) {
		relay_attrs_is_inf *a = attrs_of(RELAY_ATTRS_is_inf);
		topi_unary_params p = topi_unary_params_default(TOPI_UNARY_IS_INF);
		a->detect_negative = p.detect_negative = mode & 1;
		a->detect_positive = p.detect_positive = (mode >> 1) & 1;
		BUILD(topi_unary(C, "isinf", TOPI_UNARY_IS_INF, &p, T(SB_F32, "a,b"), &f));
		for (int s = 0; s < 3; s++)
			check_op(f, RELAY_OP_IS_INF, a, 1, &xs[s], 1, &xs[s], 1);
	}
	BUILD(topi_unary(C, "isnan", TOPI_UNARY_IS_NAN, NULL, T(SB_F32, "a,b"), &f));
	for (int s = 0; s < 3; s++)
		check_op(f, RELAY_OP_IS_NAN, NULL, 1, &xs[s], 1, &xs[s], 1);
	release_all(3, xs);
}

static void test_unary_errors(void **state)
{
	tir_func *f;
	expect_error(topi_unary(C, "e", TOPI_UNARY_EXP, NULL, T(SB_I32, "n"), &f), "float types");
	assert_null(f);
	expect_error(topi_unary(C, "n", TOPI_UNARY_NOT, NULL, T(SB_F32, "n"), &f), "bool");
	/* a variable that only occurs inside a dim expression cannot be bound */
	tir_expr *dims[1] = {tir_mul(C, tir_shape_var(C, "n"), tir_int(C, 2))};
	expect_error(
	    topi_unary(C, "r", TOPI_UNARY_RELU, NULL, topi_tensor_make(SB_F32, 1, dims), &f),
	    "no buffer dim binds it");
}

/* ---- Binary ---- */

typedef struct binary_case {
	topi_binary_op op;
	relay_op rop;
	sb_dtype a, b;
	double lo, hi, blo, bhi;
} binary_case;

static void *mod_attrs(int fmod)
{
	relay_attrs_mod *a = attrs_of(RELAY_ATTRS_mod);
	a->fmod = fmod;
	return a;
}

static const binary_case binary_cases[] = {
    {TOPI_BINARY_ADD, RELAY_OP_ADD, SB_F32, SB_F32, -3, 3, -3, 3},
    {TOPI_BINARY_SUB, RELAY_OP_SUB, SB_F32, SB_F32, -3, 3, -3, 3},
    {TOPI_BINARY_MUL, RELAY_OP_MUL, SB_F32, SB_F32, -3, 3, -3, 3},
    {TOPI_BINARY_DIV, RELAY_OP_DIV, SB_F32, SB_F32, -3, 3, 0.5, 3},
    {TOPI_BINARY_FMOD, RELAY_OP_MOD, SB_F32, SB_F32, -9, 9, -3, 3},
    {TOPI_BINARY_POW, RELAY_OP_POW, SB_F32, SB_F32, 0.1, 3, -2, 2},
    {TOPI_BINARY_MAX, RELAY_OP_MAX, SB_F32, SB_F32, -3, 3, -3, 3},
    {TOPI_BINARY_MIN, RELAY_OP_MIN, SB_F32, SB_F32, -3, 3, -3, 3},
    {TOPI_BINARY_ADD, RELAY_OP_ADD, SB_I8, SB_I8, -128, 127, -128, 127},
    {TOPI_BINARY_MUL, RELAY_OP_MUL, SB_I32, SB_I32, -100, 100, -100, 100},
    {TOPI_BINARY_DIV, RELAY_OP_DIV, SB_I32, SB_I32, -20, 20, -3, 3},
    {TOPI_BINARY_DIV, RELAY_OP_DIV, SB_I8, SB_I8, -128, -127, -1, 1},
    {TOPI_BINARY_DIV, RELAY_OP_DIV, SB_U8, SB_U8, 0, 255, 0, 4},
    {TOPI_BINARY_MOD, RELAY_OP_MOD, SB_I32, SB_I32, -20, 20, -3, 3},
    {TOPI_BINARY_MOD, RELAY_OP_MOD, SB_U16, SB_U16, 0, 300, 0, 7},
    {TOPI_BINARY_FMOD, RELAY_OP_MOD, SB_I64, SB_I64, -20, 20, -3, 3},
    {TOPI_BINARY_POW, RELAY_OP_POW, SB_I32, SB_I32, -3, 3, -2, 4},
    {TOPI_BINARY_POW, RELAY_OP_POW, SB_F32, SB_I64, 0.1, 3, -3, 3},
    {TOPI_BINARY_POW, RELAY_OP_POW, SB_I64, SB_F32, 0, 5, -1, 2},
    {TOPI_BINARY_MAX, RELAY_OP_MAX, SB_I16, SB_I16, -9, 9, -9, 9},
    {TOPI_BINARY_MIN, RELAY_OP_MIN, SB_U32, SB_U32, 0, 9, 0, 9},
    {TOPI_BINARY_AND, RELAY_OP_AND, SB_BOOL, SB_BOOL, 0, 1, 0, 1},
    {TOPI_BINARY_OR, RELAY_OP_OR, SB_BOOL, SB_BOOL, 0, 1, 0, 1},
    {TOPI_BINARY_XOR, RELAY_OP_XOR, SB_BOOL, SB_BOOL, 0, 1, 0, 1},
    {TOPI_BINARY_EQUAL, RELAY_OP_EQUAL, SB_I32, SB_I32, 0, 3, 0, 3},
    {TOPI_BINARY_EQUAL, RELAY_OP_EQUAL, SB_BOOL, SB_BOOL, 0, 1, 0, 1},
    {TOPI_BINARY_GREATER, RELAY_OP_GREATER, SB_F32, SB_F32, -3, 3, -3, 3},
    {TOPI_BINARY_GREATER_EQUAL, RELAY_OP_GREATER_OR_EQUAL, SB_I64, SB_I64, 0, 3, 0, 3},
    {TOPI_BINARY_LESS, RELAY_OP_LESS, SB_U8, SB_U8, 0, 3, 0, 3},
    {TOPI_BINARY_LESS_EQUAL, RELAY_OP_LESS_OR_EQUAL, SB_F64, SB_F64, -3, 3, -3, 3},
};

/* A [n, m] against B [p, m]: n and p broadcast symbolically (the general
 * select form with a run-time assert). */
static void test_binary_symbolic_broadcast(void **state)
{
	static const int64_t npm[4][3] = {{1, 5, 3}, {7, 7, 1}, {7, 1, 10}, {13, 13, 8}};
	for (size_t i = 0; i < SB_ARRAY_LEN(binary_cases); i++) {
		const binary_case *bc = &binary_cases[i];
		tir_func *f;
		BUILD(topi_binary(C, fname(topi_binary_name(bc->op)), bc->op, T(bc->a, "n,m"),
				  T(bc->b, "p,m"), &f));
		void *attrs =
		    bc->rop == RELAY_OP_MOD ? mod_attrs(bc->op == TOPI_BINARY_FMOD) : NULL;
		for (int s = 0; s < 4; s++) {
			int64_t as[2] = {npm[s][0], npm[s][2]}, bs[2] = {npm[s][1], npm[s][2]};
			sb_tensor *in[2] = {rand_tensor(bc->a, 2, as, bc->lo, bc->hi),
					    rand_tensor(bc->b, 2, bs, bc->blo, bc->bhi)};
			check_op(f, bc->rop, attrs, 2, in, 2, in, 1);
			release_all(2, in);
		}
	}
}

/* Ranks differ, constants against variables, scalars. */
static void test_binary_mixed_ranks(void **state)
{
	tir_func *f;
	BUILD(topi_binary(C, "add", TOPI_BINARY_ADD, T(SB_F32, "n,1,m"), T(SB_F32, "4,m"), &f));
	/* the output's dims: n, 4, m */
	tir_buffer *out = f->params[2].buffer;
	assert_ptr_equal(out->shape[0], D("n"));
	assert_ptr_equal(out->shape[1], D("4"));
	assert_ptr_equal(out->shape[2], D("m"));
	for (int s = 0; s < 3; s++) {
		int64_t as[3] = {NM[s][0], 1, NM[s][1]}, bs[2] = {4, NM[s][1]};
		sb_tensor *in[2] = {rand_tensor(SB_F32, 3, as, -1, 1),
				    rand_tensor(SB_F32, 2, bs, -1, 1)};
		check_op(f, RELAY_OP_ADD, NULL, 2, in, 2, in, 1);
		release_all(2, in);
	}
	/* n against the constant 4: the output dim is 4, n must be 1 or 4 */
	BUILD(topi_binary(C, "mul", TOPI_BINARY_MUL, T(SB_F32, "n"), T(SB_F32, "4"), &f));
	assert_ptr_equal(f->params[2].buffer->shape[0], D("4"));
	for (int n = 1; n <= 4; n += 3) {
		int64_t as[1] = {n}, bs[1] = {4};
		sb_tensor *in[2] = {rand_tensor(SB_F32, 1, as, -1, 1),
				    rand_tensor(SB_F32, 1, bs, -1, 1)};
		check_op(f, RELAY_OP_MUL, NULL, 2, in, 2, in, 1);
		release_all(2, in);
	}
	BUILD(topi_binary(C, "sub", TOPI_BINARY_SUB, T(SB_F32, ""), T(SB_F32, "n,m"), &f));
	for (int s = 0; s < 3; s++) {
		int64_t bs[2] = {NM[s][0], NM[s][1]};
		sb_tensor *in[2] = {rand_tensor(SB_F32, 0, NULL, -1, 1),
				    rand_tensor(SB_F32, 2, bs, -1, 1)};
		check_op(f, RELAY_OP_SUB, NULL, 2, in, 2, in, 1);
		release_all(2, in);
	}
}

static void test_binary_shape_errors(void **state)
{
	tir_func *f;
	/* two constants that do not broadcast: rejected when building */
	expect_error(topi_binary(C, "add", TOPI_BINARY_ADD, T(SB_F32, "3"), T(SB_F32, "4"), &f),
		     "cannot be broadcast");
	expect_error(topi_binary(C, "add", TOPI_BINARY_ADD, T(SB_F32, "3"), T(SB_I32, "3"), &f),
		     "dtype");
	expect_error(topi_binary(C, "mod", TOPI_BINARY_MOD, T(SB_F32, "3"), T(SB_F32, "3"), &f),
		     "fmod");
	/* n against p: checked when it runs */
	BUILD(topi_binary(C, "add", TOPI_BINARY_ADD, T(SB_F32, "n"), T(SB_F32, "p"), &f));
	int64_t as[1] = {3}, bs[1] = {4};
	sb_tensor *a = rand_tensor(SB_F32, 1, as, 0, 1), *b = rand_tensor(SB_F32, 1, bs, 0, 1);
	sb_tensor *c = sb_tensor_new(SB_F32, 1, as);
	expect_error(tir_eval_tensors(f, (sb_tensor *[]){a, b, c}, 3), "cannot be broadcast");
	sb_tensor_release(c);
	/* an output of the wrong size: the entry names the buffer and dim */
	BUILD(topi_binary(C, "add", TOPI_BINARY_ADD, T(SB_F32, "n"), T(SB_F32, "n"), &f));
	c = sb_tensor_new(SB_F32, 1, bs);
	sb_tensor *a2 = rand_tensor(SB_F32, 1, as, 0, 1);
	expect_error(tir_eval_tensors(f, (sb_tensor *[]){a, a2, c}, 3),
		     "buffer 'C' dim 0 is 4, expected 3 (= n)");
	expect_error(tir_eval_tensors(f, (sb_tensor *[]){a, b, c}, 3), "buffer 'B' dim 0 is 4");
	release_all(1, &a);
	release_all(1, &a2);
	release_all(1, &b);
	release_all(1, &c);
}

static void test_prelu(void **state)
{
	static const char *slopes[] = {"3,1", "1", "3,m", ""};
	for (size_t k = 0; k < SB_ARRAY_LEN(slopes); k++) {
		tir_func *f;
		topi_tensor s = T(SB_F32, slopes[k]);
		BUILD(topi_binary(C, "prelu", TOPI_BINARY_PRELU, T(SB_F32, "n,3,m"), s, &f));
		for (int i = 0; i < 3; i++) {
			int64_t xs[3] = {NM[i][0], 3, NM[i][1]}, ss[2];
			for (int d = 0; d < s.ndim; d++)
				ss[d] = xs[3 - s.ndim + d] == 3 || s.shape[d] != D("1")
					    ? xs[3 - s.ndim + d]
					    : 1;
			sb_tensor *in[2] = {rand_tensor(SB_F32, 3, xs, -2, 2),
					    rand_tensor(SB_F32, s.ndim, ss, -1, 1)};
			check_op(f, RELAY_OP_PRELU, NULL, 2, in, 2, in, 1);
			release_all(2, in);
		}
	}
}

/* ---- Variadic, Where, Cast, Clip ---- */

static void test_variadic(void **state)
{
	static const struct {
		topi_variadic_op op;
		relay_op rop;
		sb_dtype dt;
	} cases[] = {
	    {TOPI_VARIADIC_MAX, RELAY_OP_MAX, SB_F32}, {TOPI_VARIADIC_MIN, RELAY_OP_MIN, SB_F32},
	    {TOPI_VARIADIC_SUM, RELAY_OP_SUM, SB_F32}, {TOPI_VARIADIC_MEAN, RELAY_OP_MEAN, SB_F32},
	    {TOPI_VARIADIC_MAX, RELAY_OP_MAX, SB_I32}, {TOPI_VARIADIC_MEAN, RELAY_OP_MEAN, SB_F64},
	};
	for (size_t k = 0; k < SB_ARRAY_LEN(cases); k++) {
		tir_func *f;
		topi_tensor ts[3] = {T(cases[k].dt, "n,1"), T(cases[k].dt, "m"),
				     T(cases[k].dt, "")};
		BUILD(topi_variadic(C, "v", cases[k].op, 3, ts, &f));
		for (int s = 0; s < 3; s++) {
			int64_t s0[2] = {NM[s][0], 1}, s1[1] = {NM[s][1]};
			sb_tensor *in[3] = {rand_tensor(cases[k].dt, 2, s0, -9, 9),
					    rand_tensor(cases[k].dt, 1, s1, -9, 9),
					    rand_tensor(cases[k].dt, 0, NULL, -9, 9)};
			check_op(f, cases[k].rop, NULL, 3, in, 3, in, 1);
			release_all(3, in);
		}
		/* one input: a copy */
		BUILD(topi_variadic(C, "v1", cases[k].op, 1, ts, &f));
		int64_t s0[2] = {5, 1};
		sb_tensor *x = rand_tensor(cases[k].dt, 2, s0, -9, 9);
		check_op(f, cases[k].rop, NULL, 1, &x, 1, &x, 1);
		sb_tensor_release(x);
	}
	/* NaN propagates through Max like the pairwise ONNX op */
	tir_func *f;
	topi_tensor ts[2] = {T(SB_F32, "n"), T(SB_F32, "n")};
	BUILD(topi_variadic(C, "vmax", TOPI_VARIADIC_MAX, 2, ts, &f));
	int64_t s[1] = {3};
	sb_tensor *in[2] = {tensor_of(SB_F32, 1, s, (double[]){NAN, 1, 2}),
			    tensor_of(SB_F32, 1, s, (double[]){0, NAN, 1})};
	check_op(f, RELAY_OP_MAX, NULL, 2, in, 2, in, 1);
	release_all(2, in);
}

static void test_where(void **state)
{
	tir_func *f;
	BUILD(topi_where(C, "where", T(SB_BOOL, "n,m"), T(SB_F32, "m"), T(SB_F32, "n,1"), &f));
	for (int s = 0; s < 3; s++) {
		int64_t cs[2] = {NM[s][0], NM[s][1]}, xs[1] = {NM[s][1]}, ys[2] = {NM[s][0], 1};
		sb_tensor *in[3] = {rand_tensor(SB_BOOL, 2, cs, 0, 1),
				    rand_tensor(SB_F32, 1, xs, -1, 1),
				    rand_tensor(SB_F32, 2, ys, -1, 1)};
		check_op(f, RELAY_OP_WHERE, NULL, 3, in, 3, in, 1);
		release_all(3, in);
	}
	BUILD(topi_where(C, "where", T(SB_BOOL, "n"), T(SB_I64, "n"), T(SB_I64, "1"), &f));
	int64_t s[1] = {7}, one[1] = {1};
	sb_tensor *in[3] = {rand_tensor(SB_BOOL, 1, s, 0, 1), rand_tensor(SB_I64, 1, s, -9, 9),
			    rand_tensor(SB_I64, 1, one, -9, 9)};
	check_op(f, RELAY_OP_WHERE, NULL, 3, in, 3, in, 1);
	release_all(3, in);
	expect_error(topi_where(C, "w", T(SB_F32, "n"), T(SB_F32, "n"), T(SB_F32, "n"), &f),
		     "bool");
}

static int onnx_code(sb_dtype dt)
{
	for (int code = 0; code < 20; code++)
		if (relay_onnx_dtype(code) == dt)
			return code;
	return 0;
}

static void test_cast(void **state)
{
	static const struct {
		sb_dtype from, to;
		double lo, hi;
	} cases[] = {
	    {SB_F32, SB_I32, -100, 100}, {SB_F32, SB_U8, -10, 300},  {SB_I64, SB_F32, -1e6, 1e6},
	    {SB_F32, SB_BOOL, -1, 1},	 {SB_BOOL, SB_F32, 0, 1},    {SB_F32, SB_F16, -100, 100},
	    {SB_F64, SB_F32, -1, 1},	 {SB_I32, SB_I8, -300, 300}, {SB_U8, SB_I64, 0, 255},
	    {SB_I32, SB_BOOL, -2, 2},	 {SB_F16, SB_F64, -4, 4},
	};
	for (size_t k = 0; k < SB_ARRAY_LEN(cases); k++) {
		tir_func *f;
		BUILD(topi_cast(C, "cast", T(cases[k].from, "n,3,m"), cases[k].to, &f));
		relay_attrs_cast *a = attrs_of(RELAY_ATTRS_cast);
		a->to = onnx_code(cases[k].to);
		for (int s = 0; s < 3; s++) {
			int64_t shape[3] = {NM[s][0], 3, NM[s][1]};
			sb_tensor *x =
			    rand_tensor(cases[k].from, 3, shape, cases[k].lo, cases[k].hi);
			check_op(f, RELAY_OP_CAST, a, 1, &x, 1, &x, 1);
			sb_tensor_release(x);
		}
	}
}

static void test_clip(void **state)
{
	for (int mode = 0; mode < 5; mode++) {
		/* 0: both constant, 1: both inputs, 2: only min, 3: only max, 4: none */
		topi_clip_params p = {
		    .has_min = mode != 3 && mode != 4,
		    .has_max = mode != 2 && mode != 4,
		    .min_input = mode == 1,
		    .max_input = mode == 1,
		    .min = -0.5,
		    .max = 0.75,
		};
		tir_func *f;
		BUILD(topi_clip(C, "clip", T(SB_F32, "n,m"), &p, &f));
		for (int s = 0; s < 3; s++) {
			int64_t shape[2] = {NM[s][0], NM[s][1]};
			sb_tensor *x = rand_tensor(SB_F32, 2, shape, -2, 2);
			sb_tensor *lo = p.has_min ? scalar_tensor(SB_F32, p.min) : NULL;
			sb_tensor *hi = p.has_max ? scalar_tensor(SB_F32, p.max) : NULL;
			sb_tensor *rin[3] = {x, lo, hi}, *tin[3] = {x};
			int nt = 1;
			if (p.min_input)
				tin[nt++] = lo;
			if (p.max_input)
				tin[nt++] = hi;
			check_op(f, RELAY_OP_CLIP, NULL, 3, rin, nt, tin, 1);
			release_all(3, rin);
		}
	}
	topi_clip_params p = {.has_min = true, .has_max = true, .min = -3, .max = 7};
	tir_func *f;
	BUILD(topi_clip(C, "clip", T(SB_I32, "n"), &p, &f));
	int64_t shape[1] = {11};
	sb_tensor *x = rand_tensor(SB_I32, 1, shape, -10, 10);
	sb_tensor *rin[3] = {x, scalar_tensor(SB_I32, -3), scalar_tensor(SB_I32, 7)};
	check_op(f, RELAY_OP_CLIP, NULL, 3, rin, 1, &x, 1);
	release_all(3, rin);
}

/* The printed form of a broadcast add: one block, regions filled in. */
static void test_printed_form(void **state)
{
	tir_func *f;
	BUILD(topi_binary(C, "add", TOPI_BINARY_ADD, T(SB_F32, "n,4"), T(SB_F32, "4"), &f));
	char *s = tir_func_to_string(f);
	assert_non_null(strstr(s, "@func add(A: Buffer(float32, [n, 4]), B: Buffer(float32, [4]), "
				  "C: Buffer(float32, [n, 4]))"));
	assert_non_null(strstr(s, "reads(A[v0, v1], B[v1])"));
	assert_non_null(strstr(s, "writes(C[v0, v1])"));
	assert_non_null(strstr(s, "C[v0, v1] = A[v0, v1] + B[v1]"));
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_unary_float32, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unary_float64_and_half, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unary_integers, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unary_special_values, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unary_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_binary_symbolic_broadcast, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_binary_mixed_ranks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_binary_shape_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_prelu, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_variadic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_where, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cast, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_printed_form, setup, teardown),
	    TOPI_SO_TEST,
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
