/* Elementwise ops: type relations (broadcasting, named dims, dtype rules)
 * and kernels on small tensors whose expected values are worked out by hand
 * or by a plain formula here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "relay_like/op_impl.h"

/* ---- harness ---- */

static relay_module *M;

static int setup(void **state)
{
	M = relay_module_new();
	return 0;
}

static int teardown(void **state)
{
	relay_module_free(M);
	return 0;
}

/* "batch,?,3": digits a known dim, '?' unknown, a name a named dim;
 * "..." an unknown rank; "" a scalar. */
static const relay_type *ty(sb_dtype dt, const char *dims)
{
	if (strcmp(dims, "...") == 0)
		return relay_type_tensor(M, dt, -1, NULL);
	relay_dim d[SB_MAX_RANK];
	int r = 0;
	for (const char *p = dims; *p;) {
		const char *q = p;
		while (*q && *q != ',')
			q++;
		char tok[64];
		snprintf(tok, sizeof tok, "%.*s", (int)(q - p), p);
		if (isdigit((unsigned char)tok[0]))
			d[r++] = relay_dim_known(strtoll(tok, NULL, 10));
		else if (tok[0] == '?')
			d[r++] = RELAY_DIM_UNKNOWN;
		else
			d[r++] = (relay_dim){-1, relay_intern(M, tok)};
		p = *q ? q + 1 : q;
	}
	return relay_type_tensor(M, dt, r, d);
}

/* The relation's output type as text, or the status name. */
static char *rel(relay_op op, const void *attrs, int nin, const relay_type **in)
{
	sb_tensor *values[8] = {0};
	const relay_type *out[1] = {NULL};
	relay_op_ctx ctx = {
	    .op = op,
	    .attrs = attrs ? attrs : relay_attrs_new(M, relay_op_table[op].attrs),
	    .node = "n",
	    .nin = nin,
	    .in = in,
	    .value = values,
	    .nout = 1,
	    .out = out,
	    .mod = M,
	};
	sb_status st = relay_op_table[op].type_rel(&ctx);
	if (st)
		return sb_xstrdup(sb_status_name(st));
	sb_strbuf b = {0};
	relay_type_print(&b, out[0]);
	return sb_strbuf_take(&b);
}

#define assert_rel(expected, ...)                                                                  \
	do {                                                                                       \
		char *s_ = rel(__VA_ARGS__);                                                       \
		assert_string_equal(s_, expected);                                                 \
		free(s_);                                                                          \
	} while (0)

#define T2(a, b) ((const relay_type *[]){a, b})
#define T3(a, b, c) ((const relay_type *[]){a, b, c})

/* A tensor from a shape and values given as doubles. */
static sb_tensor *tensor(sb_dtype dt, int rank, const int64_t *shape, const double *v)
{
	sb_tensor *t = sb_tensor_new(dt, rank, shape);
	assert_non_null(t);
	for (int64_t i = 0; i < sb_tensor_numel(t); i++)
		sb_tensor_set_f64(t, i, v[i]);
	return t;
}
#define SHAPE(...) ((const int64_t[]){__VA_ARGS__})
#define VALS(...) ((const double[]){__VA_ARGS__})
#define TENSOR(dt, rank, shape, ...) tensor(dt, rank, shape, VALS(__VA_ARGS__))
#define SCALAR(dt, v) tensor(dt, 0, NULL, VALS(v))

/* Runs one call as the interpreter does (relation, allocation, kernel);
 * takes over the references in `in`.  NULL entries are absent inputs. */
static sb_status eval(relay_op op, void *attrs, int nin, sb_tensor **in, sb_tensor **out)
{
	relay_expr *args[8] = {0};
	for (int i = 0; i < nin; i++)
		args[i] = in[i] ? relay_var(M, "x", NULL) : NULL;
	relay_expr *call = relay_call(M, op, nin, args, attrs, 1, "n");
	*out = NULL;
	sb_status st = relay_eval_call(call, in, out);
	for (int i = 0; i < nin; i++)
		sb_tensor_release(in[i]);
	return st;
}
#define IN(...) ((sb_tensor *[]){__VA_ARGS__})
#define NIN(...) (int)(sizeof((sb_tensor *[]){__VA_ARGS__}) / sizeof(sb_tensor *))

/* Evaluates and checks dtype, shape and every value (NaN matches NaN). */
static void check(sb_tensor *t, sb_dtype dt, int rank, const int64_t *shape, const double *want,
		  double tol)
{
	assert_non_null(t);
	assert_int_equal(t->dtype, dt);
	assert_int_equal(t->dl.ndim, rank);
	for (int i = 0; i < rank; i++)
		assert_int_equal(t->shape[i], shape[i]);
	for (int64_t i = 0; i < sb_tensor_numel(t); i++) {
		double got = sb_tensor_get_f64(t, i);
		if (isnan(want[i])) {
			if (!isnan(got))
				fail_msg("element %lld: got %g, want NaN", (long long)i, got);
		} else if (!(fabs(got - want[i]) <= tol) && !(isinf(want[i]) && got == want[i])) {
			fail_msg("element %lld: got %.17g, want %.17g", (long long)i, got, want[i]);
		}
	}
	sb_tensor_release(t);
}

/* Runs op on the inputs and returns the output, failing on an error. */
static sb_tensor *run(relay_op op, void *attrs, int nin, sb_tensor **in)
{
	sb_tensor *out;
	if (eval(op, attrs, nin, in, &out))
		fail_msg("%s", sb_last_error());
	return out;
}
#define RUN(op, attrs, ...) run(RELAY_OP_##op, attrs, NIN(__VA_ARGS__), IN(__VA_ARGS__))
#define EXPECT(t, dt, rank, shape, tol, ...) check(t, dt, rank, shape, VALS(__VA_ARGS__), tol)

static void *attrs(relay_op op)
{
	return relay_attrs_new(M, relay_op_table[op].attrs);
}

/* ---- type relations ---- */

static void test_rel_broadcast(void **state)
{
	assert_rel("float32[2,3]", RELAY_OP_ADD, NULL, 2, T2(ty(SB_F32, "2,3"), ty(SB_F32, "3")));
	assert_rel("float32[2,3,4]", RELAY_OP_MUL, NULL, 2,
		   T2(ty(SB_F32, "2,1,4"), ty(SB_F32, "3,1")));
	assert_rel("int64[4]", RELAY_OP_SUB, NULL, 2, T2(ty(SB_I64, ""), ty(SB_I64, "4")));
	assert_rel("float32[]", RELAY_OP_DIV, NULL, 2, T2(ty(SB_F32, ""), ty(SB_F32, "")));
	assert_rel("float32[0,3]", RELAY_OP_ADD, NULL, 2, T2(ty(SB_F32, "0,3"), ty(SB_F32, "1,3")));
	/* incompatible: error, not a guess */
	assert_rel("invalid", RELAY_OP_ADD, NULL, 2, T2(ty(SB_F32, "2,3"), ty(SB_F32, "4")));
	assert_non_null(strstr(sb_last_error(), "Add 'n'"));
	assert_rel("invalid", RELAY_OP_ADD, NULL, 2, T2(ty(SB_F32, "0"), ty(SB_F32, "2")));
}

static void test_rel_named_dims(void **state)
{
	assert_rel("float32[batch,3]", RELAY_OP_ADD, NULL, 2,
		   T2(ty(SB_F32, "batch,3"), ty(SB_F32, "3")));
	assert_rel("float32[batch,5]", RELAY_OP_ADD, NULL, 2,
		   T2(ty(SB_F32, "batch,1"), ty(SB_F32, "1,5")));
	assert_rel("float32[batch,seq]", RELAY_OP_MUL, NULL, 2,
		   T2(ty(SB_F32, "batch,1"), ty(SB_F32, "seq")));
	/* a known size other than 1 is what the unknown dim has to be */
	assert_rel("float32[4,3]", RELAY_OP_ADD, NULL, 2,
		   T2(ty(SB_F32, "batch,3"), ty(SB_F32, "4,1")));
	assert_rel("bool[batch,3]", RELAY_OP_LESS, NULL, 2,
		   T2(ty(SB_F32, "batch,3"), ty(SB_F32, "")));
	assert_rel("float32[...]", RELAY_OP_ADD, NULL, 2, T2(ty(SB_F32, "..."), ty(SB_F32, "3")));
	assert_rel("float32[n,3]", RELAY_OP_WHERE, NULL, 3,
		   T3(ty(SB_BOOL, "n,1"), ty(SB_F32, "3"), ty(SB_F32, "")));
	assert_rel("float32[batch,3]", RELAY_OP_MAX, NULL, 3,
		   T3(ty(SB_F32, "batch,1"), ty(SB_F32, "3"), ty(SB_F32, "1,1")));
	assert_rel("float32[batch,?]", RELAY_OP_RELU, NULL, 1,
		   ((const relay_type *[]){ty(SB_F32, "batch,?")}));
	assert_rel("bool[batch]", RELAY_OP_IS_NAN, NULL, 1,
		   ((const relay_type *[]){ty(SB_F16, "batch")}));
}

static void test_rel_dtypes(void **state)
{
	const relay_type *f = ty(SB_F32, "3"), *i = ty(SB_I32, "3"), *u = ty(SB_U8, "3"),
			 *b = ty(SB_BOOL, "3");
	assert_rel("invalid", RELAY_OP_ADD, NULL, 2, T2(f, i));
	assert_rel("unsupported", RELAY_OP_ADD, NULL, 2, T2(b, b));
	assert_rel("bool[3]", RELAY_OP_AND, NULL, 2, T2(b, b));
	assert_rel("unsupported", RELAY_OP_OR, NULL, 2, T2(f, f));
	assert_rel("bool[3]", RELAY_OP_EQUAL, NULL, 2, T2(b, b));
	assert_rel("unsupported", RELAY_OP_GREATER, NULL, 2, T2(b, b));
	assert_rel("bool[3]", RELAY_OP_GREATER_OR_EQUAL, NULL, 2, T2(u, u));
	/* Pow mixes dtypes; the output has the base's */
	assert_rel("int32[3]", RELAY_OP_POW, NULL, 2, T2(i, f));
	assert_rel("float32[3]", RELAY_OP_POW, NULL, 2, T2(f, ty(SB_I64, "")));
	/* unary dtype sets */
	const relay_type *one_u[] = {u}, *one_i[] = {i}, *one_b[] = {b}, *one_f[] = {f};
	assert_rel("uint8[3]", RELAY_OP_ABS, NULL, 1, one_u);
	assert_rel("unsupported", RELAY_OP_NEG, NULL, 1, one_u);
	assert_non_null(strstr(sb_last_error(), "uint8"));
	assert_rel("int32[3]", RELAY_OP_RELU, NULL, 1, one_i);
	assert_rel("unsupported", RELAY_OP_EXP, NULL, 1, one_i);
	assert_rel("bool[3]", RELAY_OP_NOT, NULL, 1, one_b);
	assert_rel("unsupported", RELAY_OP_NOT, NULL, 1, one_f);
	/* Mod on floats needs fmod=1 */
	relay_attrs_mod *mod = attrs(RELAY_OP_MOD);
	assert_rel("invalid", RELAY_OP_MOD, mod, 2, T2(f, f));
	mod->fmod = 1;
	assert_rel("float32[3]", RELAY_OP_MOD, mod, 2, T2(f, f));
	mod->fmod = 2;
	assert_rel("invalid", RELAY_OP_MOD, mod, 2, T2(i, i));
	/* variadic: one dtype; Sum and Mean floats only */
	assert_rel("invalid", RELAY_OP_MAX, NULL, 3, T3(f, f, i));
	assert_rel("int32[3]", RELAY_OP_MIN, NULL, 2, T2(i, i));
	assert_rel("unsupported", RELAY_OP_SUM, NULL, 2, T2(i, i));
	assert_rel("float32[3]", RELAY_OP_SUM, NULL, 1, one_f);
	/* Where: bool condition, one dtype for the branches */
	assert_rel("unsupported", RELAY_OP_WHERE, NULL, 3, T3(f, f, f));
	assert_rel("invalid", RELAY_OP_WHERE, NULL, 3, T3(b, f, i));
	assert_rel("bool[3]", RELAY_OP_WHERE, NULL, 3, T3(b, b, b));
	/* PRelu: the slope broadcasts one way, to x */
	assert_rel("float32[batch,3,4]", RELAY_OP_PRELU, NULL, 2,
		   T2(ty(SB_F32, "batch,3,4"), ty(SB_F32, "3,1")));
	assert_rel("invalid", RELAY_OP_PRELU, NULL, 2, T2(ty(SB_F32, "2,3"), ty(SB_F32, "4")));
	assert_rel("invalid", RELAY_OP_PRELU, NULL, 2, T2(ty(SB_F32, "3"), ty(SB_F32, "2,3")));
	/* a missing input is an error, not a crash */
	assert_rel("invalid", RELAY_OP_ADD, NULL, 2, T2(f, NULL));
}

static void test_rel_cast_clip(void **state)
{
	relay_attrs_cast *c = attrs(RELAY_OP_CAST);
	c->to = 10;
	const relay_type *x[] = {ty(SB_F32, "batch,2")};
	assert_rel("float16[batch,2]", RELAY_OP_CAST, c, 1, x);
	c->to = 7;
	assert_rel("int64[batch,2]", RELAY_OP_CAST, c, 1, x);
	c->to = 8;
	assert_rel("unsupported", RELAY_OP_CAST, c, 1, x);
	assert_non_null(strstr(sb_last_error(), "string"));
	c->to = 99;
	assert_rel("invalid", RELAY_OP_CAST, c, 1, x);
	assert_rel("uint8[batch,2]", RELAY_OP_CAST_LIKE, NULL, 2, T2(x[0], ty(SB_U8, "7")));
	assert_int_equal(relay_onnx_dtype(16), SB_BF16);
	assert_int_equal(relay_onnx_dtype(9), SB_BOOL);
	assert_int_equal(relay_onnx_dtype(0), SB_DT_INVALID);

	assert_rel("float32[batch,2]", RELAY_OP_CLIP, NULL, 1, x);
	assert_rel("float32[batch,2]", RELAY_OP_CLIP, NULL, 3, T3(x[0], NULL, ty(SB_F32, "")));
	assert_rel("float32[batch,2]", RELAY_OP_CLIP, NULL, 3,
		   T3(x[0], ty(SB_F32, "1"), ty(SB_F32, "")));
	assert_rel("invalid", RELAY_OP_CLIP, NULL, 2, T2(x[0], ty(SB_F32, "2")));
	assert_rel("invalid", RELAY_OP_CLIP, NULL, 2, T2(x[0], ty(SB_F64, "")));
	assert_rel("int8[4]", RELAY_OP_CLIP, NULL, 2, T2(ty(SB_I8, "4"), ty(SB_I8, "")));
}

/* ---- broadcasting kernels ---- */

static void test_broadcast_kernel(void **state)
{
	/* [2,1,4] + [3,1] -> [2,3,4]: out[i,j,k] = a[i,0,k] + b[j,0] */
	double a[8], b[3], want[24];
	for (int i = 0; i < 8; i++)
		a[i] = i - 3.5;
	for (int j = 0; j < 3; j++)
		b[j] = -100.0 * j;
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
			for (int k = 0; k < 4; k++)
				want[(i * 3 + j) * 4 + k] = a[i * 4 + k] + b[j];
	sb_tensor *o =
	    RUN(ADD, NULL, tensor(SB_F32, 3, SHAPE(2, 1, 4), a), tensor(SB_F32, 2, SHAPE(3, 1), b));
	check(o, SB_F32, 3, SHAPE(2, 3, 4), want, 0);

	/* odd sizes, negative numbers, both sides broadcast: [7,1] - [1,5] */
	double c[7], d[5], w2[35];
	for (int i = 0; i < 7; i++)
		c[i] = -3 * i + 1;
	for (int j = 0; j < 5; j++)
		d[j] = j * j - 7;
	for (int i = 0; i < 7; i++)
		for (int j = 0; j < 5; j++)
			w2[i * 5 + j] = c[i] - d[j];
	o = RUN(SUB, NULL, tensor(SB_I32, 2, SHAPE(7, 1), c), tensor(SB_I32, 2, SHAPE(1, 5), d));
	check(o, SB_I32, 2, SHAPE(7, 5), w2, 0);

	/* scalar on the left, rank mismatch */
	o = RUN(SUB, NULL, SCALAR(SB_F64, 10), TENSOR(SB_F64, 2, SHAPE(2, 2), 1, -2, 3.5, 0));
	EXPECT(o, SB_F64, 2, SHAPE(2, 2), 0, 9, 12, 6.5, 10);

	/* middle axis broadcast: [2,3,2] * [2,1,2] keeps a strided outer walk */
	double e[12], f[4], w3[12];
	for (int i = 0; i < 12; i++)
		e[i] = i + 1;
	for (int i = 0; i < 4; i++)
		f[i] = i - 2;
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 3; j++)
			for (int k = 0; k < 2; k++)
				w3[(i * 3 + j) * 2 + k] = e[(i * 3 + j) * 2 + k] * f[i * 2 + k];
	o = RUN(MUL, NULL, tensor(SB_F32, 3, SHAPE(2, 3, 2), e),
		tensor(SB_F32, 3, SHAPE(2, 1, 2), f));
	check(o, SB_F32, 3, SHAPE(2, 3, 2), w3, 0);

	/* empty: a 0 dim broadcasts against 1 and gives an empty output */
	o = RUN(ADD, NULL, tensor(SB_F32, 2, SHAPE(0, 3), NULL),
		TENSOR(SB_F32, 2, SHAPE(1, 3), 1, 2, 3));
	check(o, SB_F32, 2, SHAPE(0, 3), NULL, 0);

	/* the kernel-time relation rejects shapes that do not broadcast */
	sb_tensor *out;
	assert_int_equal(
	    eval(RELAY_OP_ADD, NULL, 2,
		 IN(TENSOR(SB_F32, 1, SHAPE(2), 1, 2), TENSOR(SB_F32, 1, SHAPE(3), 1, 2, 3)), &out),
	    SB_ERR_INVALID);
	assert_null(out);
}

static void test_same_shape_large(void **state)
{
	enum { N = 1003 };
	double a[N], b[N], want[N];
	for (int i = 0; i < N; i++) {
		a[i] = (i % 17) - 8;
		b[i] = (i % 5) * 0.25;
		want[i] = a[i] * b[i];
	}
	check(RUN(MUL, NULL, tensor(SB_F32, 1, SHAPE(N), a), tensor(SB_F32, 1, SHAPE(N), b)),
	      SB_F32, 1, SHAPE(N), want, 0);
	for (int i = 0; i < N; i++)
		want[i] = a[i] + 0.5;
	check(RUN(ADD, NULL, tensor(SB_F32, 2, SHAPE(17, 59), a), SCALAR(SB_F32, 0.5)), SB_F32, 2,
	      SHAPE(17, 59), want, 0);
}

/* ---- integer semantics ---- */

static void test_int_div_mod(void **state)
{
	sb_tensor *o =
	    RUN(DIV, NULL, TENSOR(SB_I32, 1, SHAPE(7), 7, -7, 7, -7, 5, -2147483648.0, 0),
		TENSOR(SB_I32, 1, SHAPE(7), 2, 2, -2, -2, 0, -1, 3));
	EXPECT(o, SB_I32, 1, SHAPE(7), 0, 3, -3, -3, 3, 0, -2147483648.0, 0);
	o = RUN(DIV, NULL, TENSOR(SB_U8, 1, SHAPE(3), 200, 7, 9),
		TENSOR(SB_U8, 1, SHAPE(3), 3, 0, 9));
	EXPECT(o, SB_U8, 1, SHAPE(3), 0, 66, 0, 1);

	/* fmod=0: the sign of the divisor (numpy.mod) */
	relay_attrs_mod *py = attrs(RELAY_OP_MOD);
	o = RUN(MOD, py, TENSOR(SB_I64, 1, SHAPE(7), -4, 7, 5, 4, -7, 8, 3),
		TENSOR(SB_I64, 1, SHAPE(7), 2, -3, 8, -2, 3, 5, 0));
	EXPECT(o, SB_I64, 1, SHAPE(7), 0, 0, -2, 5, 0, 2, 3, 0);
	/* fmod=1: the sign of the dividend (C) */
	relay_attrs_mod *c = attrs(RELAY_OP_MOD);
	c->fmod = 1;
	o = RUN(MOD, c, TENSOR(SB_I8, 1, SHAPE(6), -4, 7, -7, -128, 5, 9),
		TENSOR(SB_I8, 1, SHAPE(6), 3, -3, 3, -1, 0, 4));
	EXPECT(o, SB_I8, 1, SHAPE(6), 0, -1, 1, -1, 0, 0, 1);
	o = RUN(MOD, c, TENSOR(SB_F32, 1, SHAPE(3), -4.5, 7.5, 5),
		TENSOR(SB_F32, 1, SHAPE(3), 2, -2, 8));
	EXPECT(o, SB_F32, 1, SHAPE(3), 0, -0.5, 1.5, 5);
	/* broadcast: [2,3] mod [3] */
	o = RUN(MOD, py, TENSOR(SB_I32, 2, SHAPE(2, 3), -5, -4, -3, 5, 4, 3),
		TENSOR(SB_I32, 1, SHAPE(3), 3, -3, 2));
	EXPECT(o, SB_I32, 2, SHAPE(2, 3), 0, 1, -1, 1, 2, -2, 1);
}

static void test_int_wrap(void **state)
{
	sb_tensor *o = RUN(ADD, NULL, TENSOR(SB_I8, 1, SHAPE(2), 127, -128),
			   TENSOR(SB_I8, 1, SHAPE(2), 1, -1));
	EXPECT(o, SB_I8, 1, SHAPE(2), 0, -128, 127);
	o = RUN(MUL, NULL, TENSOR(SB_U8, 1, SHAPE(2), 16, 3), TENSOR(SB_U8, 1, SHAPE(2), 17, 5));
	EXPECT(o, SB_U8, 1, SHAPE(2), 0, 16, 15); /* 272 mod 256 */
	o = RUN(ABS, NULL, TENSOR(SB_I8, 1, SHAPE(3), -128, -5, 7));
	EXPECT(o, SB_I8, 1, SHAPE(3), 0, -128, 5, 7);
	o = RUN(NEG, NULL, TENSOR(SB_I64, 1, SHAPE(3), -3, 0, 9));
	EXPECT(o, SB_I64, 1, SHAPE(3), 0, 3, 0, -9);
	o = RUN(RELU, NULL, TENSOR(SB_I32, 1, SHAPE(3), -3, 0, 9));
	EXPECT(o, SB_I32, 1, SHAPE(3), 0, 0, 0, 9);
	o = RUN(SIGN, NULL, TENSOR(SB_I16, 1, SHAPE(3), -300, 0, 2));
	EXPECT(o, SB_I16, 1, SHAPE(3), 0, -1, 0, 1);
	o = RUN(SIGN, NULL, TENSOR(SB_U32, 1, SHAPE(2), 0, 7));
	EXPECT(o, SB_U32, 1, SHAPE(2), 0, 0, 1);
}

static void test_pow(void **state)
{
	sb_tensor *o = RUN(POW, NULL, TENSOR(SB_F32, 1, SHAPE(3), 1, 2, 3),
			   TENSOR(SB_I64, 1, SHAPE(3), 4, 5, 6));
	EXPECT(o, SB_F32, 1, SHAPE(3), 0, 1, 32, 729);
	/* int ** float: computed in double, truncated */
	o = RUN(POW, NULL, TENSOR(SB_I32, 1, SHAPE(3), 2, 3, -2),
		TENSOR(SB_F32, 1, SHAPE(3), 0.5, 2, 3));
	EXPECT(o, SB_I32, 1, SHAPE(3), 0, 1, 9, -8);
	/* int ** int: exact; negative exponents truncate 1/x^n */
	o = RUN(POW, NULL, TENSOR(SB_I64, 1, SHAPE(5), 2, -1, 1, -1, 3),
		TENSOR(SB_I64, 1, SHAPE(5), -1, -3, -5, -2, 39));
	EXPECT(o, SB_I64, 1, SHAPE(5), 0, 0, -1, 1, 1, 4052555153018976267.0);
	o = RUN(POW, NULL, TENSOR(SB_I32, 1, SHAPE(2), -3, 5), TENSOR(SB_U8, 1, SHAPE(2), 3, 2));
	EXPECT(o, SB_I32, 1, SHAPE(2), 0, -27, 25);
	/* scalar exponent broadcast, and float ** float */
	o = RUN(POW, NULL, TENSOR(SB_F64, 2, SHAPE(2, 2), 4, 9, 0.25, 2), SCALAR(SB_F64, 0.5));
	EXPECT(o, SB_F64, 2, SHAPE(2, 2), 1e-15, 2, 3, 0.5, sqrt(2.0));
}

/* ---- logic, comparison, selection ---- */

static void test_logic_compare(void **state)
{
	/* [2,2] op [2]: a = [[0,0],[1,1]], b = [0,1] */
	sb_tensor *a = TENSOR(SB_BOOL, 2, SHAPE(2, 2), 0, 0, 1, 1),
		  *b = TENSOR(SB_BOOL, 1, SHAPE(2), 0, 1);
	sb_tensor_retain(a);
	sb_tensor_retain(b);
	sb_tensor_retain(a);
	sb_tensor_retain(b);
	EXPECT(RUN(AND, NULL, a, b), SB_BOOL, 2, SHAPE(2, 2), 0, 0, 0, 0, 1);
	EXPECT(RUN(OR, NULL, a, b), SB_BOOL, 2, SHAPE(2, 2), 0, 0, 1, 1, 1);
	EXPECT(RUN(XOR, NULL, a, b), SB_BOOL, 2, SHAPE(2, 2), 0, 0, 1, 1, 0);
	EXPECT(RUN(NOT, NULL, TENSOR(SB_BOOL, 1, SHAPE(3), 1, 0, 1)), SB_BOOL, 1, SHAPE(3), 0, 0, 1,
	       0);

	sb_tensor *x = TENSOR(SB_I64, 2, SHAPE(2, 3), -1, 0, 1, 2, 3, 4),
		  *y = TENSOR(SB_I64, 1, SHAPE(3), 0, 0, 4);
	for (int i = 0; i < 4; i++) {
		sb_tensor_retain(x);
		sb_tensor_retain(y);
	}
	EXPECT(RUN(EQUAL, NULL, x, y), SB_BOOL, 2, SHAPE(2, 3), 0, 0, 1, 0, 0, 0, 1);
	EXPECT(RUN(GREATER, NULL, x, y), SB_BOOL, 2, SHAPE(2, 3), 0, 0, 0, 0, 1, 1, 0);
	EXPECT(RUN(GREATER_OR_EQUAL, NULL, x, y), SB_BOOL, 2, SHAPE(2, 3), 0, 0, 1, 0, 1, 1, 1);
	EXPECT(RUN(LESS, NULL, x, y), SB_BOOL, 2, SHAPE(2, 3), 0, 1, 0, 1, 0, 0, 0);
	EXPECT(RUN(LESS_OR_EQUAL, NULL, x, y), SB_BOOL, 2, SHAPE(2, 3), 0, 1, 1, 1, 0, 0, 1);
	/* NaN compares unequal and unordered */
	EXPECT(RUN(EQUAL, NULL, TENSOR(SB_F32, 1, SHAPE(2), NAN, 1),
		   TENSOR(SB_F32, 1, SHAPE(2), NAN, 1)),
	       SB_BOOL, 1, SHAPE(2), 0, 0, 1);
}

static void test_where(void **state)
{
	/* cond [2,1], x [1,3], y scalar -> [2,3] */
	sb_tensor *o = RUN(WHERE, NULL, TENSOR(SB_BOOL, 2, SHAPE(2, 1), 1, 0),
			   TENSOR(SB_F32, 2, SHAPE(1, 3), 1, 2, 3), SCALAR(SB_F32, -9));
	EXPECT(o, SB_F32, 2, SHAPE(2, 3), 0, 1, 2, 3, -9, -9, -9);
	o = RUN(WHERE, NULL, TENSOR(SB_BOOL, 1, SHAPE(4), 1, 0, 0, 1),
		TENSOR(SB_I64, 1, SHAPE(4), 1, 2, 3, 4),
		TENSOR(SB_I64, 1, SHAPE(4), -1, -2, -3, -4));
	EXPECT(o, SB_I64, 1, SHAPE(4), 0, 1, -2, -3, 4);
	o = RUN(WHERE, NULL, TENSOR(SB_BOOL, 1, SHAPE(2), 0, 1),
		TENSOR(SB_F16, 1, SHAPE(2), 1.5, 2.5), TENSOR(SB_F16, 2, SHAPE(2, 1), -1, -2));
	EXPECT(o, SB_F16, 2, SHAPE(2, 2), 0, -1, 2.5, -2, 2.5);
}

static void test_variadic(void **state)
{
	/* Max of [3] (with NaN), [2,1] and a scalar: NaN propagates */
	sb_tensor *o = RUN(MAX, NULL, TENSOR(SB_F32, 1, SHAPE(3), 1, NAN, 3),
			   TENSOR(SB_F32, 2, SHAPE(2, 1), 2, 0), SCALAR(SB_F32, 2.5));
	EXPECT(o, SB_F32, 2, SHAPE(2, 3), 0, 2.5, NAN, 3, 2.5, NAN, 3);
	o = RUN(MIN, NULL, TENSOR(SB_F64, 1, SHAPE(3), 1, NAN, 3),
		TENSOR(SB_F64, 1, SHAPE(3), NAN, 0, -1));
	EXPECT(o, SB_F64, 1, SHAPE(3), 0, NAN, NAN, -1);
	o = RUN(MIN, NULL, TENSOR(SB_U16, 1, SHAPE(3), 5, 1, 65535),
		TENSOR(SB_U16, 1, SHAPE(3), 4, 9, 3));
	EXPECT(o, SB_U16, 1, SHAPE(3), 0, 4, 1, 3);
	o = RUN(MAX, NULL, TENSOR(SB_I8, 1, SHAPE(2), -5, 3));
	EXPECT(o, SB_I8, 1, SHAPE(2), 0, -5, 3);
	o = RUN(SUM, NULL, TENSOR(SB_F32, 1, SHAPE(2), 1, 2),
		TENSOR(SB_F32, 2, SHAPE(2, 1), 10, 20), TENSOR(SB_F32, 1, SHAPE(1), 100),
		SCALAR(SB_F32, 1000));
	EXPECT(o, SB_F32, 2, SHAPE(2, 2), 0, 1111, 1112, 1121, 1122);
	o = RUN(MEAN, NULL, TENSOR(SB_F32, 1, SHAPE(3), 3, 0, 6),
		TENSOR(SB_F32, 1, SHAPE(3), 0, 3, 3), TENSOR(SB_F32, 1, SHAPE(1), 3));
	EXPECT(o, SB_F32, 1, SHAPE(3), 1e-6, 2, 2, 4);
	o = RUN(MEAN, NULL, TENSOR(SB_F16, 1, SHAPE(2), 1, 2));
	EXPECT(o, SB_F16, 1, SHAPE(2), 0, 1, 2);
}

static void test_prelu(void **state)
{
	/* x [2,3,2], slope [3,1]: one slope per middle index */
	double x[12], want[12];
	const double slope[3] = {0.5, -1, 2};
	for (int i = 0; i < 12; i++) {
		x[i] = i % 2 ? i : -i;
		want[i] = x[i] < 0 ? x[i] * slope[(i / 2) % 3] : x[i];
	}
	check(RUN(PRELU, NULL, tensor(SB_F32, 3, SHAPE(2, 3, 2), x),
		  tensor(SB_F32, 2, SHAPE(3, 1), slope)),
	      SB_F32, 3, SHAPE(2, 3, 2), want, 0);
}

/* ---- unary ---- */

static void test_unary_math(void **state)
{
	EXPECT(RUN(ROUND, NULL,
		   TENSOR(SB_F32, 1, SHAPE(8), 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.6, -2.2)),
	       SB_F32, 1, SHAPE(8), 0, 0, 2, 2, 0, -2, -2, 3, -2);
	EXPECT(RUN(SIGN, NULL, TENSOR(SB_F32, 1, SHAPE(4), -2, 0, 3, NAN)), SB_F32, 1, SHAPE(4), 0,
	       -1, 0, 1, NAN);
	EXPECT(RUN(ABS, NULL, TENSOR(SB_F64, 1, SHAPE(2), -2.5, 3)), SB_F64, 1, SHAPE(2), 0, 2.5,
	       3);
	/* the stable forms neither overflow nor lose small results */
	EXPECT(RUN(SIGMOID, NULL, TENSOR(SB_F32, 1, SHAPE(4), -100, 0, 100, 2)), SB_F32, 1,
	       SHAPE(4), 1e-6, 0, 0.5, 1, 1 / (1 + exp(-2.0)));
	EXPECT(RUN(SOFTPLUS, NULL, TENSOR(SB_F32, 1, SHAPE(3), -1, 0, 200)), SB_F32, 1, SHAPE(3),
	       1e-5, log(1 + exp(-1.0)), log(2.0), 200);
	EXPECT(RUN(SOFTSIGN, NULL, TENSOR(SB_F32, 1, SHAPE(2), -3, 1)), SB_F32, 1, SHAPE(2), 1e-7,
	       -0.75, 0.5);
	EXPECT(RUN(HARD_SWISH, NULL, TENSOR(SB_F32, 1, SHAPE(5), -4, -1, 0, 1, 4)), SB_F32, 1,
	       SHAPE(5), 1e-6, 0, -1.0 / 3, 0, 2.0 / 3, 4);
	EXPECT(RUN(RECIPROCAL, NULL, TENSOR(SB_F64, 1, SHAPE(2), -4, 0)), SB_F64, 1, SHAPE(2), 0,
	       -0.25, INFINITY);
	EXPECT(RUN(FLOOR, NULL, TENSOR(SB_F32, 1, SHAPE(2), -1.5, 1.5)), SB_F32, 1, SHAPE(2), 0, -2,
	       1);
	EXPECT(RUN(CEIL, NULL, TENSOR(SB_F32, 1, SHAPE(2), -1.5, 1.5)), SB_F32, 1, SHAPE(2), 0, -1,
	       2);
	EXPECT(RUN(SQRT, NULL, TENSOR(SB_F32, 1, SHAPE(2), 9, -1)), SB_F32, 1, SHAPE(2), 0, 3, NAN);
	EXPECT(RUN(TANH, NULL, TENSOR(SB_F64, 1, SHAPE(2), 0.5, -30)), SB_F64, 1, SHAPE(2), 1e-15,
	       tanh(0.5), -1);
	/* float16 computes in float and stores rounded: e -> 2.71875 */
	EXPECT(RUN(EXP, NULL, TENSOR(SB_F16, 1, SHAPE(2), 0, 1)), SB_F16, 1, SHAPE(2), 0, 1,
	       2.71875);
	EXPECT(RUN(NEG, NULL, TENSOR(SB_BF16, 1, SHAPE(2), 1.5, -2)), SB_BF16, 1, SHAPE(2), 0, -1.5,
	       2);
	EXPECT(RUN(IS_NAN, NULL, TENSOR(SB_F32, 1, SHAPE(3), NAN, INFINITY, 0)), SB_BOOL, 1,
	       SHAPE(3), 0, 1, 0, 0);
	sb_tensor *o;
	assert_int_equal(eval(RELAY_OP_EXP, NULL, 1, IN(TENSOR(SB_I32, 1, SHAPE(1), 1)), &o),
			 SB_ERR_UNSUPPORTED);
}

static void test_activations(void **state)
{
	relay_attrs_alpha *a = attrs(RELAY_OP_ELU);
	a->alpha = 2;
	double e1 = 2 * (exp(-1.0) - 1);
	EXPECT(RUN(ELU, a, TENSOR(SB_F32, 1, SHAPE(3), -1, 0, 1)), SB_F32, 1, SHAPE(3), 1e-6, e1, 0,
	       1);
	EXPECT(RUN(CELU, a, TENSOR(SB_F32, 1, SHAPE(3), -1, 0, 1)), SB_F32, 1, SHAPE(3), 1e-6,
	       2 * (exp(-0.5) - 1), 0, 1);
	relay_attrs_leaky_relu *lr = attrs(RELAY_OP_LEAKY_RELU);
	assert_true(lr->alpha == 0.01f); /* not Elu's default of 1 */
	lr->alpha = 2;
	EXPECT(RUN(LEAKY_RELU, lr, TENSOR(SB_F32, 1, SHAPE(3), -1, 0, 1)), SB_F32, 1, SHAPE(3), 0,
	       -2, 0, 1);
	a->alpha = 1.5;
	EXPECT(RUN(THRESHOLDED_RELU, a, TENSOR(SB_F32, 1, SHAPE(4), -2, 1.5, 1.6, 3)), SB_F32, 1,
	       SHAPE(4), 0, 0, 0, 1.6f, 3);
	relay_attrs_selu *s = attrs(RELAY_OP_SELU);
	s->alpha = 2;
	s->gamma = 3;
	EXPECT(RUN(SELU, s, TENSOR(SB_F32, 1, SHAPE(3), -1, 0, 1)), SB_F32, 1, SHAPE(3), 1e-6,
	       (exp(-1.0) - 1) * 6, 0, 3);
	relay_attrs_hard_sigmoid *h = attrs(RELAY_OP_HARD_SIGMOID);
	h->alpha = 0.5f;
	h->beta = 0.6f;
	EXPECT(RUN(HARD_SIGMOID, h, TENSOR(SB_F32, 1, SHAPE(4), -2, -1, 0, 1)), SB_F32, 1, SHAPE(4),
	       1e-7, 0, 0.1, 0.6, 1);
	relay_attrs_shrink *sh = attrs(RELAY_OP_SHRINK);
	sh->lambd = 1.5f;
	sh->bias = 1.5f;
	EXPECT(RUN(SHRINK, sh, TENSOR(SB_F32, 1, SHAPE(5), -2, -1, 0, 1, 2)), SB_F32, 1, SHAPE(5),
	       0, -0.5, 0, 0, 0, 0.5);
	EXPECT(RUN(SHRINK, sh, TENSOR(SB_I32, 1, SHAPE(5), -5, -1, 0, 1, 5)), SB_I32, 1, SHAPE(5),
	       0, -3, 0, 0, 0, 3); /* -5 + 1.5 = -3.5 truncates to -3 */
	relay_attrs_is_inf *inf = attrs(RELAY_OP_IS_INF);
	sb_tensor *x = TENSOR(SB_F64, 1, SHAPE(4), -INFINITY, NAN, INFINITY, 2);
	sb_tensor_retain(x);
	sb_tensor_retain(x);
	EXPECT(RUN(IS_INF, inf, x), SB_BOOL, 1, SHAPE(4), 0, 1, 0, 1, 0);
	inf->detect_negative = 0;
	EXPECT(RUN(IS_INF, inf, x), SB_BOOL, 1, SHAPE(4), 0, 0, 0, 1, 0);
	inf->detect_negative = 1;
	inf->detect_positive = 0;
	EXPECT(RUN(IS_INF, inf, x), SB_BOOL, 1, SHAPE(4), 0, 1, 0, 0, 0);
}

static void test_clip(void **state)
{
	EXPECT(RUN(CLIP, NULL, TENSOR(SB_F32, 1, SHAPE(4), -2, 0, 2, NAN), SCALAR(SB_F32, -1),
		   SCALAR(SB_F32, 1)),
	       SB_F32, 1, SHAPE(4), 0, -1, 0, 1, NAN);
	/* absent min: only the max applies */
	EXPECT(RUN(CLIP, NULL, TENSOR(SB_I8, 1, SHAPE(3), -128, 5, 127), NULL, SCALAR(SB_I8, 4)),
	       SB_I8, 1, SHAPE(3), 0, -128, 4, 4);
	EXPECT(
	    RUN(CLIP, NULL, TENSOR(SB_I64, 1, SHAPE(3), -7, 5, 9), TENSOR(SB_I64, 1, SHAPE(1), 0)),
	    SB_I64, 1, SHAPE(3), 0, 0, 5, 9);
	/* min > max: everything becomes max */
	EXPECT(RUN(CLIP, NULL, TENSOR(SB_F32, 1, SHAPE(3), -5, 0, 5), SCALAR(SB_F32, 2),
		   SCALAR(SB_F32, 1)),
	       SB_F32, 1, SHAPE(3), 0, 1, 1, 1);
	EXPECT(RUN(CLIP, NULL, TENSOR(SB_F32, 1, SHAPE(2), -5, 5)), SB_F32, 1, SHAPE(2), 0, -5, 5);
}

static void test_cast(void **state)
{
	relay_attrs_cast *c = attrs(RELAY_OP_CAST);
	sb_tensor *x = TENSOR(SB_F32, 1, SHAPE(6), -1.7, 2.9, NAN, -1, 300, 1e20);
	for (int i = 0; i < 3; i++)
		sb_tensor_retain(x);
	c->to = 6; /* int32: truncate, NaN -> 0, saturate */
	EXPECT(RUN(CAST, c, x), SB_I32, 1, SHAPE(6), 0, -1, 2, 0, -1, 300,
	       -1); /* int64 max wraps */
	c->to = 2;  /* uint8: negative and large values wrap */
	EXPECT(RUN(CAST, c, x), SB_U8, 1, SHAPE(6), 0, 255, 2, 0, 255, 44, 255);
	c->to = 9;
	EXPECT(RUN(CAST, c, x), SB_BOOL, 1, SHAPE(6), 0, 1, 1, 1, 1, 1, 1);
	c->to = 11;
	EXPECT(RUN(CAST, c, x), SB_F64, 1, SHAPE(6), 0, (float)-1.7, (float)2.9, NAN, -1, 300,
	       (float)1e20);

	/* double -> float16 rounds once: 1 + 2^-11 + 2^-40 is above the midpoint
	 * between 1 and 1 + 2^-10 (through float it would tie to 1) */
	c->to = 10;
	EXPECT(RUN(CAST, c,
		   TENSOR(SB_F64, 1, SHAPE(3), 1 + ldexp(1, -11) + ldexp(1, -40), 1 + ldexp(1, -11),
			  70000)),
	       SB_F16, 1, SHAPE(3), 0, 1 + ldexp(1, -10), 1, INFINITY);
	/* float -> bfloat16 truncates (ONNX 1.12 reference) */
	c->to = 16;
	EXPECT(RUN(CAST, c, TENSOR(SB_F32, 1, SHAPE(2), 0.48033667, -1)), SB_BF16, 1, SHAPE(2), 0,
	       0.478515625, -1);
	/* the values of ONNX's test_cast_FLOAT_to_BFLOAT16, bit for bit: the
	 * top half of each float (NaN stays NaN), and back */
	const float f[12] = {0.47892547f, 0.48033667f, 0.49968487f, 0.81910545f,
			     0.47031248f, 0.816468f,   0.21087195f, 0.7229038f,
			     NAN,	  INFINITY,    INFINITY,    -INFINITY};
	sb_tensor *ff = sb_tensor_new(SB_F32, 1, SHAPE(12));
	memcpy(ff->dl.data, f, sizeof f);
	sb_tensor *bf = RUN(CAST, c, ff);
	c->to = 1;
	sb_tensor_retain(bf);
	sb_tensor *back = RUN(CAST, c, bf);
	for (int i = 0; i < 12; i++) {
		uint32_t bits;
		memcpy(&bits, &f[i], 4);
		assert_int_equal(((uint16_t *)bf->dl.data)[i], bits >> 16);
		memcpy(&bits, (float *)back->dl.data + i, 4);
		assert_int_equal(bits, (uint32_t)((uint16_t *)bf->dl.data)[i] << 16);
	}
	sb_tensor_release(bf);
	sb_tensor_release(back);
	/* integers: modular to narrower types, exact in int64 */
	c->to = 3;
	EXPECT(RUN(CAST, c, TENSOR(SB_I64, 1, SHAPE(3), 129, -129, 5)), SB_I8, 1, SHAPE(3), 0, -127,
	       127, 5);
	c->to = 7;
	sb_tensor *big = sb_tensor_new(SB_U64, 1, SHAPE(1));
	((uint64_t *)big->dl.data)[0] = UINT64_MAX;
	sb_tensor *o = RUN(CAST, c, big);
	assert_int_equal(((int64_t *)o->dl.data)[0], -1);
	sb_tensor_release(o);
	c->to = 1;
	big = sb_tensor_new(SB_U64, 1, SHAPE(1));
	((uint64_t *)big->dl.data)[0] = UINT64_MAX;
	EXPECT(RUN(CAST, c, big), SB_F32, 1, SHAPE(1), 0, 18446744073709551616.0);
	EXPECT(RUN(CAST, c, TENSOR(SB_BOOL, 1, SHAPE(2), 1, 0)), SB_F32, 1, SHAPE(2), 0, 1, 0);
	EXPECT(
	    RUN(CAST_LIKE, NULL, TENSOR(SB_F16, 1, SHAPE(2), 0.5, -3), TENSOR(SB_I16, 0, NULL, 0)),
	    SB_I16, 1, SHAPE(2), 0, 0, -3);
	/* empty */
	EXPECT(RUN(CAST, c, tensor(SB_I32, 1, SHAPE(0), NULL)), SB_F32, 1, SHAPE(0), 0, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rel_broadcast, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rel_named_dims, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rel_dtypes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rel_cast_clip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_broadcast_kernel, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_same_shape_large, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_int_div_mod, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_int_wrap, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pow, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_logic_compare, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_where, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_variadic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_prelu, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unary_math, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_activations, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_clip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cast, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
