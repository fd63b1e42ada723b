/* Matrix products (MatMul, Gemm, Einsum): type relations with broadcasting,
 * 1-D promotion and named dims, and kernels checked against the defining
 * sums evaluated here. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
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

/* "batch,?,256" style: a digit run is a known dim, '?' unknown, a name a
 * named unknown dim; "..." an unknown rank; "" a scalar. */
static const relay_type *ty(sb_dtype dt, const char *dims)
{
	if (strcmp(dims, "...") == 0)
		return relay_type_tensor(M, dt, -1, NULL);
	relay_dim d[SB_MAX_RANK];
	int r = 0;
	const char *p = dims;
	while (*p) {
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

static char *type_text(const relay_type *t)
{
	sb_strbuf b = {0};
	relay_type_print(&b, t);
	return sb_strbuf_take(&b);
}

#define MAXIO 8

/* Runs a type relation.  values[i] may be NULL (unknown value). */
static sb_status rel(relay_op op, const void *attrs, int nin, const relay_type **in,
		     sb_tensor **values, int nout, const relay_type **out)
{
	sb_tensor *none[MAXIO] = {0};
	relay_op_ctx ctx = {
		.op = op,
		.attrs = attrs ? attrs : relay_attrs_new(M, relay_op_table[op].attrs),
		.node = "n",
		.nin = nin,
		.in = in,
		.value = values ? values : none,
		.nout = nout,
		.out = out,
		.mod = M,
	};
	return relay_op_table[op].type_rel(&ctx);
}

/* Relation with one output; returns its printed type or the status name. */
__attribute__((unused)) static char *rel1(relay_op op, const void *attrs, int nin, const relay_type **in,
		  sb_tensor **values)
{
	const relay_type *out[1] = {NULL};
	sb_status st = rel(op, attrs, nin, in, values, 1, out);
	if (st)
		return sb_xstrdup(sb_status_name(st));
	return type_text(out[0]);
}

#define assert_type(expected, got)                 \
	do {                                       \
		char *s_ = (got);                  \
		assert_string_equal(s_, expected); \
		free(s_);                          \
	} while (0)

/* Runs relation + kernel the way the interpreter does: every input value
 * known, outputs allocated from the relation's shapes. */
__attribute__((unused)) static sb_status run(relay_op op, const void *attrs, int nin, sb_tensor **in, int nout,
		     sb_tensor **out)
{
	const relay_type *tin[MAXIO], *tout[MAXIO] = {0};
	for (int i = 0; i < nin; i++)
		tin[i] = in[i] ? relay_type_from_shape(M, in[i]->dtype, in[i]->dl.ndim, in[i]->shape)
			       : NULL;
	if (!attrs)
		attrs = relay_attrs_new(M, relay_op_table[op].attrs);
	sb_status st = rel(op, attrs, nin, tin, in, nout, tout);
	if (st)
		return st;
	for (int j = 0; j < nout; j++) {
		int64_t shape[SB_MAX_RANK];
		assert_non_null(tout[j]);
		assert_true(relay_type_is_static(tout[j]));
		for (int d = 0; d < tout[j]->rank; d++)
			shape[d] = tout[j]->dims[d].value;
		out[j] = sb_tensor_new(tout[j]->dtype, tout[j]->rank, shape);
		assert_non_null(out[j]);
		memset(out[j]->dl.data, 0xAB, sb_tensor_nbytes(out[j])); /* no stale zeros */
	}
	relay_kernel_ctx k = {.op = op, .attrs = attrs, .node = "n", .nin = nin, .in = in,
			      .nout = nout, .out = out};
	st = relay_op_table[op].kernel(&k);
	if (st)
		for (int j = 0; j < nout; j++) {
			sb_tensor_release(out[j]);
			out[j] = NULL;
		}
	return st;
}

__attribute__((unused)) static sb_tensor *run1(relay_op op, const void *attrs, int nin, sb_tensor **in)
{
	sb_tensor *out[1] = {NULL};
	sb_status st = run(op, attrs, nin, in, 1, out);
	if (st)
		fail_msg("%s", sb_last_error());
	return out[0];
}

__attribute__((unused)) static sb_tensor *tensor(sb_dtype dt, int rank, const int64_t *shape, const void *data)
{
	sb_tensor *t = sb_tensor_new(dt, rank, shape);
	assert_non_null(t);
	if (data)
		memcpy(t->dl.data, data, sb_tensor_nbytes(t));
	return t;
}
#define SHAPE(...) ((const int64_t[]){__VA_ARGS__})
#define F32(...) ((const float[]){__VA_ARGS__})
#define F64(...) ((const double[]){__VA_ARGS__})
#define I64(...) ((const int64_t[]){__VA_ARGS__})
#define I32(...) ((const int32_t[]){__VA_ARGS__})
#define FT(rank, shape, ...) tensor(SB_F32, rank, shape, F32(__VA_ARGS__))
#define IT(rank, shape, ...) tensor(SB_I64, rank, shape, I64(__VA_ARGS__))
#define VEC(...) tensor(SB_I64, 1, SHAPE(sizeof(I64(__VA_ARGS__)) / 8), I64(__VA_ARGS__))

/* f32 iota 0, 1, 2, ... */
__attribute__((unused)) static sb_tensor *iota(int rank, const int64_t *shape)
{
	sb_tensor *t = sb_tensor_new(SB_F32, rank, shape);
	for (int64_t i = 0; i < sb_tensor_numel(t); i++)
		((float *)t->dl.data)[i] = (float)i;
	return t;
}

/* f32 pseudo-random values in [-1, 1) from a fixed seed (LCG). */
__attribute__((unused)) static sb_tensor *noise(int rank, const int64_t *shape, uint32_t seed)
{
	sb_tensor *t = sb_tensor_new(SB_F32, rank, shape);
	for (int64_t i = 0; i < sb_tensor_numel(t); i++) {
		seed = seed * 1664525u + 1013904223u;
		((float *)t->dl.data)[i] = (float)(seed >> 8) / (float)(1 << 23) - 1.0f;
	}
	return t;
}

__attribute__((unused)) static void assert_shape(const sb_tensor *t, int rank, const int64_t *shape)
{
	char a[128], b[128];
	sb_shape_format(t->dl.ndim, t->shape, a, sizeof a);
	sb_shape_format(rank, shape, b, sizeof b);
	assert_string_equal(a, b);
}

/* Element-wise |got - expect| <= atol + rtol * |expect| (NaN matches NaN). */
__attribute__((unused)) static void assert_close(const sb_tensor *t, int64_t n, const double *expect, double atol,
			 double rtol)
{
	assert_int_equal(sb_tensor_numel(t), n);
	for (int64_t i = 0; i < n; i++) {
		double g = sb_tensor_get_f64(t, i), e = expect[i];
		if (isnan(e) && isnan(g))
			continue;
		if (isinf(e) && g == e)
			continue;
		if (!(fabs(g - e) <= atol + rtol * fabs(e)))
			fail_msg("element %lld: %.9g, expected %.9g", (long long)i, g, e);
	}
}
#define ASSERT_CLOSE(t, ...) \
	assert_close(t, sizeof(F64(__VA_ARGS__)) / 8, F64(__VA_ARGS__), 1e-6, 1e-6)

__attribute__((unused)) static void assert_i64(const sb_tensor *t, int64_t n, const int64_t *expect)
{
	assert_int_equal(sb_tensor_numel(t), n);
	for (int64_t i = 0; i < n; i++)
		if (sb_tensor_get_i64(t, i) != expect[i])
			fail_msg("element %lld: %lld, expected %lld", (long long)i,
				 (long long)sb_tensor_get_i64(t, i), (long long)expect[i]);
}
#define ASSERT_I64(t, ...) assert_i64(t, sizeof(I64(__VA_ARGS__)) / 8, I64(__VA_ARGS__))

/* ---- MatMul ---- */

static void test_matmul_rel(void **state)
{
	const relay_type *in[2] = {ty(SB_F32, "2,1,3,4"), ty(SB_F32, "5,4,2")};
	assert_type("float32[2,5,3,2]", rel1(RELAY_OP_MAT_MUL, NULL, 2, in, NULL));
	in[0] = ty(SB_F32, "batch,seq,256");
	in[1] = ty(SB_F32, "256,1024");
	assert_type("float32[batch,seq,1024]", rel1(RELAY_OP_MAT_MUL, NULL, 2, in, NULL));
	in[0] = ty(SB_F32, "b,h,s,64");
	in[1] = ty(SB_F32, "b,h,64,s");
	assert_type("float32[b,h,s,s]", rel1(RELAY_OP_MAT_MUL, NULL, 2, in, NULL));
	/* 1-D promotion: the added dim is removed again. */
	in[0] = ty(SB_F32, "4");
	in[1] = ty(SB_F32, "4");
	assert_type("float32[]", rel1(RELAY_OP_MAT_MUL, NULL, 2, in, NULL));
	in[0] = ty(SB_F32, "n,3,4");
	assert_type("float32[n,3]", rel1(RELAY_OP_MAT_MUL, NULL, 2, in, NULL));
	in[0] = ty(SB_F32, "4");
	in[1] = ty(SB_F32, "7,4,5");
	assert_type("float32[7,5]", rel1(RELAY_OP_MAT_MUL, NULL, 2, in, NULL));
	/* errors */
	in[0] = ty(SB_F32, "3,5");
	in[1] = ty(SB_F32, "4,2");
	assert_type("invalid", rel1(RELAY_OP_MAT_MUL, NULL, 2, in, NULL));
	in[0] = ty(SB_F32, "2,3,4");
	in[1] = ty(SB_F32, "3,4,2");
	assert_type("invalid", rel1(RELAY_OP_MAT_MUL, NULL, 2, in, NULL));
	in[1] = ty(SB_F64, "4,2");
	assert_type("invalid", rel1(RELAY_OP_MAT_MUL, NULL, 2, in, NULL));
	in[0] = ty(SB_F32, "...");
	in[1] = ty(SB_F32, "4,2");
	assert_type("float32[...]", rel1(RELAY_OP_MAT_MUL, NULL, 2, in, NULL));
}

/* Y = A B for row-major A [m,k] at a, B [k,n] at b, by the definition. */
static void matmul_ref(const float *a, const float *b, double *y, int64_t m, int64_t n, int64_t k)
{
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++) {
			double s = 0;
			for (int64_t p = 0; p < k; p++)
				s += (double)a[i * k + p] * b[p * n + j];
			y[i * n + j] = s;
		}
}

static void test_matmul_broadcast(void **state)
{
	/* [2,1,3,4] x [5,4,2] -> [2,5,3,2]: A's batch (i,0) pairs with B's j. */
	sb_tensor *a = noise(4, SHAPE(2, 1, 3, 4), 1), *b = noise(3, SHAPE(5, 4, 2), 2);
	sb_tensor *in[2] = {a, b};
	sb_tensor *y = run1(RELAY_OP_MAT_MUL, NULL, 2, in);
	assert_shape(y, 4, SHAPE(2, 5, 3, 2));
	double expect[60];
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 5; j++)
			matmul_ref((float *)a->dl.data + i * 12, (float *)b->dl.data + j * 8,
				   expect + (i * 5 + j) * 6, 3, 2, 4);
	assert_close(y, 60, expect, 1e-6, 1e-5);
	sb_tensor_release(y);
	sb_tensor_release(a);
	sb_tensor_release(b);
}

static void test_matmul_1d(void **state)
{
	sb_tensor *v = FT(1, SHAPE(3), 1, 2, 3), *m = FT(2, SHAPE(3, 2), 1, 2, 3, 4, 5, 6);
	sb_tensor *in[2] = {v, v};
	sb_tensor *y = run1(RELAY_OP_MAT_MUL, NULL, 2, in);
	assert_shape(y, 0, NULL);
	ASSERT_CLOSE(y, 14);
	sb_tensor_release(y);
	in[1] = m; /* [3] x [3,2] -> [2] */
	y = run1(RELAY_OP_MAT_MUL, NULL, 2, in);
	assert_shape(y, 1, SHAPE(2));
	ASSERT_CLOSE(y, 22, 28);
	sb_tensor_release(y);
	sb_tensor *mt = FT(2, SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
	in[0] = mt; /* [2,3] x [3] -> [2] */
	in[1] = v;
	y = run1(RELAY_OP_MAT_MUL, NULL, 2, in);
	assert_shape(y, 1, SHAPE(2));
	ASSERT_CLOSE(y, 14, 32);
	sb_tensor_release(y);
	sb_tensor_release(v);
	sb_tensor_release(m);
	sb_tensor_release(mt);
}

static void test_matmul_blocked(void **state)
{
	/* Sizes that cross the kernel's k and j tiles, with remainders. */
	int64_t m = 9, k = 300, n = 530;
	sb_tensor *a = noise(2, SHAPE(m, k), 3), *b = noise(2, SHAPE(k, n), 4);
	sb_tensor *in[2] = {a, b};
	sb_tensor *y = run1(RELAY_OP_MAT_MUL, NULL, 2, in);
	double *expect = malloc(sizeof(double) * (size_t)(m * n));
	matmul_ref(a->dl.data, b->dl.data, expect, m, n, k);
	assert_close(y, m * n, expect, 1e-4, 1e-4);
	free(expect);
	sb_tensor_release(y);
	sb_tensor_release(a);
	sb_tensor_release(b);
}

static void test_matmul_types(void **state)
{
	sb_tensor *a = tensor(SB_I32, 2, SHAPE(2, 2), I32(1, -2, 3, 4));
	sb_tensor *b = tensor(SB_I32, 2, SHAPE(2, 2), I32(5, 6, 7, 8));
	sb_tensor *in[2] = {a, b};
	sb_tensor *y = run1(RELAY_OP_MAT_MUL, NULL, 2, in);
	assert_int_equal(y->dtype, SB_I32);
	ASSERT_I64(y, -9, -10, 43, 50);
	sb_tensor_release(y);
	sb_tensor_release(a);
	sb_tensor_release(b);
	a = IT(2, SHAPE(1, 2), (int64_t)1 << 40, 3);
	b = IT(2, SHAPE(2, 1), 1 << 12, 5);
	in[0] = a, in[1] = b;
	y = run1(RELAY_OP_MAT_MUL, NULL, 2, in);
	ASSERT_I64(y, ((int64_t)1 << 52) + 15);
	sb_tensor_release(y);
	sb_tensor_release(a);
	sb_tensor_release(b);
	/* float16 is computed in float32 */
	a = sb_tensor_new(SB_F16, 2, SHAPE(2, 2));
	for (int i = 0; i < 4; i++)
		((uint16_t *)a->dl.data)[i] = sb_f32_to_f16((float)(i + 1));
	in[0] = a, in[1] = a;
	y = run1(RELAY_OP_MAT_MUL, NULL, 2, in);
	assert_int_equal(y->dtype, SB_F16);
	ASSERT_CLOSE(y, 7, 10, 15, 22);
	sb_tensor_release(y);
	sb_tensor_release(a);
	a = tensor(SB_F64, 2, SHAPE(1, 2), F64(0.5, 0.25));
	b = tensor(SB_F64, 2, SHAPE(2, 1), F64(2, 4));
	in[0] = a, in[1] = b;
	y = run1(RELAY_OP_MAT_MUL, NULL, 2, in);
	assert_int_equal(y->dtype, SB_F64);
	ASSERT_CLOSE(y, 2);
	sb_tensor_release(y);
	sb_tensor_release(a);
	sb_tensor_release(b);
}

/* ---- Gemm ---- */

static void *gemm_attrs(int ta, int tb, float alpha, float beta)
{
	relay_attrs_gemm *g = relay_attrs_new(M, RELAY_ATTRS_gemm);
	g->transA = ta;
	g->transB = tb;
	g->alpha = alpha;
	g->beta = beta;
	return g;
}

static void test_gemm_rel(void **state)
{
	const relay_type *in[3] = {ty(SB_F32, "batch,512"), ty(SB_F32, "1000,512"),
				   ty(SB_F32, "1000")};
	assert_type("float32[batch,1000]", rel1(RELAY_OP_GEMM, gemm_attrs(0, 1, 1, 1), 3, in, NULL));
	assert_type("invalid", rel1(RELAY_OP_GEMM, gemm_attrs(0, 0, 1, 1), 3, in, NULL));
	in[2] = ty(SB_F32, "999");
	assert_type("invalid", rel1(RELAY_OP_GEMM, gemm_attrs(0, 1, 1, 1), 3, in, NULL));
	in[2] = ty(SB_F32, "batch,1");
	assert_type("float32[batch,1000]", rel1(RELAY_OP_GEMM, gemm_attrs(0, 1, 1, 1), 3, in, NULL));
	assert_type("float32[batch,1000]", rel1(RELAY_OP_GEMM, gemm_attrs(0, 1, 1, 1), 2, in, NULL));
	in[0] = ty(SB_F32, "3,4,5");
	assert_type("invalid", rel1(RELAY_OP_GEMM, NULL, 2, in, NULL));
}

static void check_gemm(int ta, int tb, float alpha, float beta, int crank, const int64_t *cshape)
{
	int64_t m = 3, k = 5, n = 4;
	sb_tensor *a = noise(2, ta ? SHAPE(k, m) : SHAPE(m, k), 5);
	sb_tensor *b = noise(2, tb ? SHAPE(n, k) : SHAPE(k, n), 6);
	sb_tensor *c = crank >= 0 ? noise(crank, cshape, 7) : NULL;
	sb_tensor *in[3] = {a, b, c};
	sb_tensor *y = run1(RELAY_OP_GEMM, gemm_attrs(ta, tb, alpha, beta), c ? 3 : 2, in);
	assert_shape(y, 2, SHAPE(m, n));
	const float *ad = a->dl.data, *bd = b->dl.data;
	double expect[12];
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++) {
			double s = 0;
			for (int64_t p = 0; p < k; p++)
				s += (double)(ta ? ad[p * m + i] : ad[i * k + p]) *
				     (tb ? bd[j * k + p] : bd[p * n + j]);
			double cv = 0;
			if (c) {
				int64_t ci = 0;
				if (crank == 2)
					ci = (cshape[0] == 1 ? 0 : i) * cshape[1] + (cshape[1] == 1 ? 0 : j);
				else if (crank == 1)
					ci = cshape[0] == 1 ? 0 : j;
				cv = ((float *)c->dl.data)[ci];
			}
			expect[i * n + j] = alpha * s + beta * cv;
		}
	assert_close(y, 12, expect, 1e-5, 1e-5);
	sb_tensor_release(y);
	sb_tensor_release(a);
	sb_tensor_release(b);
	sb_tensor_release(c);
}

static void test_gemm(void **state)
{
	check_gemm(0, 0, 1, 1, -1, NULL);
	check_gemm(1, 0, 1, 1, 2, SHAPE(3, 4));
	check_gemm(0, 1, 0.5f, 2, 1, SHAPE(4));
	check_gemm(1, 1, 0.25f, 0.35f, 2, SHAPE(1, 4));
	check_gemm(0, 0, 1, -1, 2, SHAPE(3, 1));
	check_gemm(1, 1, 2, 3, 0, NULL);
	check_gemm(0, 1, 1, 1, 1, SHAPE(1));
}

static void test_gemm_large(void **state)
{
	/* transB with K past the 16-lane dot product chunks, and B rows in
	 * several cache blocks. */
	int64_t m = 5, k = 300, n = 70;
	sb_tensor *a = noise(2, SHAPE(m, k), 21), *b = noise(2, SHAPE(n, k), 22);
	sb_tensor *in[2] = {a, b};
	sb_tensor *y = run1(RELAY_OP_GEMM, gemm_attrs(0, 1, 1, 1), 2, in);
	const float *ad = a->dl.data, *bd = b->dl.data;
	double *expect = malloc(sizeof(double) * (size_t)(m * n));
	for (int64_t i = 0; i < m; i++)
		for (int64_t j = 0; j < n; j++) {
			double s = 0;
			for (int64_t p = 0; p < k; p++)
				s += (double)ad[i * k + p] * bd[j * k + p];
			expect[i * n + j] = s;
		}
	assert_close(y, m * n, expect, 1e-4, 1e-4);
	free(expect);
	sb_tensor_release(y);
	sb_tensor_release(a);
	sb_tensor_release(b);
}

static void test_gemm_int(void **state)
{
	sb_tensor *a = IT(2, SHAPE(2, 2), 1, 2, 3, 4), *b = IT(2, SHAPE(2, 2), 1, 0, 0, 1);
	sb_tensor *c = IT(1, SHAPE(2), 10, 20);
	sb_tensor *in[3] = {a, b, c};
	sb_tensor *y = run1(RELAY_OP_GEMM, gemm_attrs(1, 0, 1, 1), 3, in);
	ASSERT_I64(y, 11, 23, 12, 24);
	sb_tensor_release(y);
	sb_tensor_release(a);
	sb_tensor_release(b);
	sb_tensor_release(c);
}

/* ---- Einsum ---- */

static void *ein(const char *eq)
{
	relay_attrs_einsum *a = relay_attrs_new(M, RELAY_ATTRS_einsum);
	a->equation = relay_intern(M, eq);
	return a;
}

static void test_einsum_rel(void **state)
{
	const relay_type *in[3] = {ty(SB_F32, "b,s,64"), ty(SB_F32, "b,t,64"), NULL};
	assert_type("float32[b,s,t]", rel1(RELAY_OP_EINSUM, ein("bsd,btd->bst"), 2, in, NULL));
	/* implicit: b and d occur twice, so they are summed */
	assert_type("float32[s,t]", rel1(RELAY_OP_EINSUM, ein("bsd,btd"), 2, in, NULL));
	assert_type("float32[b,64]", rel1(RELAY_OP_EINSUM, ein("b s d , b t d -> b d"), 2, in, NULL));
	in[0] = ty(SB_F32, "n,3,5,5");
	assert_type("float32[n,3,5]", rel1(RELAY_OP_EINSUM, ein("...ii ->...i"), 1, in, NULL));
	assert_type("float32[n,3]", rel1(RELAY_OP_EINSUM, ein("...ii"), 1, in, NULL));
	in[0] = ty(SB_F32, "2,1,3,4");
	in[1] = ty(SB_F32, "5,4,2");
	assert_type("float32[2,5,3,2]", rel1(RELAY_OP_EINSUM, ein("...ij,...jk->...ik"), 2, in, NULL));
	in[0] = ty(SB_F32, "...");
	assert_type("float32[...]", rel1(RELAY_OP_EINSUM, ein("...ij,...jk->...ik"), 2, in, NULL));
	in[0] = ty(SB_F32, "...");
	in[1] = ty(SB_F32, "4,2");
	assert_type("float32[?,2]", rel1(RELAY_OP_EINSUM, ein("ij,jk->ik"), 2, in, NULL));
	/* errors: rank mismatch, size mismatch, bad characters, term count */
	in[0] = ty(SB_F32, "3,4");
	assert_type("invalid", rel1(RELAY_OP_EINSUM, ein("ijk,jk->ik"), 2, in, NULL));
	in[1] = ty(SB_F32, "5,2");
	assert_type("invalid", rel1(RELAY_OP_EINSUM, ein("ij,jk->ik"), 2, in, NULL));
	in[1] = ty(SB_F32, "4,2");
	assert_type("invalid", rel1(RELAY_OP_EINSUM, ein("ij,j1->ik"), 2, in, NULL));
	assert_type("invalid", rel1(RELAY_OP_EINSUM, ein("ij->ij"), 2, in, NULL));
	assert_type("invalid", rel1(RELAY_OP_EINSUM, ein("ij,jk->iz"), 2, in, NULL));
	assert_type("invalid", rel1(RELAY_OP_EINSUM, ein("ij,jk->ii"), 2, in, NULL));
	assert_type("invalid", rel1(RELAY_OP_EINSUM, ein("i..j,jk->ik"), 2, in, NULL));
}

static sb_tensor *ein_run(const char *eq, int nin, sb_tensor **in)
{
	return run1(RELAY_OP_EINSUM, ein(eq), nin, in);
}

static void test_einsum_basic(void **state)
{
	sb_tensor *a = FT(2, SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
	sb_tensor *b = FT(2, SHAPE(3, 2), 1, 0, 0, 1, 1, 1);
	sb_tensor *sq = FT(2, SHAPE(3, 3), 1, 2, 3, 4, 5, 6, 7, 8, 9);
	sb_tensor *v = FT(1, SHAPE(3), 1, 2, 3);
	sb_tensor *in[3] = {a, b, NULL}, *y;
	/* matmul, explicit and implicit */
	y = ein_run("ij,jk->ik", 2, in);
	assert_shape(y, 2, SHAPE(2, 2));
	ASSERT_CLOSE(y, 4, 5, 10, 11);
	sb_tensor_release(y);
	y = ein_run("ij,jk", 2, in);
	ASSERT_CLOSE(y, 4, 5, 10, 11);
	sb_tensor_release(y);
	/* the same product written transposed: (AB)^T */
	y = ein_run("ij,jk->ki", 2, in);
	ASSERT_CLOSE(y, 4, 10, 5, 11);
	sb_tensor_release(y);
	/* transpose, row sums, total */
	in[0] = a;
	y = ein_run("ij->ji", 1, in);
	assert_shape(y, 2, SHAPE(3, 2));
	ASSERT_CLOSE(y, 1, 4, 2, 5, 3, 6);
	sb_tensor_release(y);
	y = ein_run("ij->i", 1, in);
	ASSERT_CLOSE(y, 6, 15);
	sb_tensor_release(y);
	y = ein_run("ij->", 1, in);
	assert_shape(y, 0, NULL);
	ASSERT_CLOSE(y, 21);
	sb_tensor_release(y);
	/* implicit "ba": letters in alphabetical order -> transpose */
	y = ein_run("ba", 1, in);
	ASSERT_CLOSE(y, 1, 4, 2, 5, 3, 6);
	sb_tensor_release(y);
	/* trace and diagonal */
	in[0] = sq;
	y = ein_run("ii", 1, in);
	ASSERT_CLOSE(y, 15);
	sb_tensor_release(y);
	y = ein_run("ii->i", 1, in);
	ASSERT_CLOSE(y, 1, 5, 9);
	sb_tensor_release(y);
	/* inner and outer products */
	in[0] = v, in[1] = v;
	y = ein_run("i,i", 2, in);
	ASSERT_CLOSE(y, 14);
	sb_tensor_release(y);
	y = ein_run("i,j->ij", 2, in);
	ASSERT_CLOSE(y, 1, 2, 3, 2, 4, 6, 3, 6, 9);
	sb_tensor_release(y);
	/* matrix-vector with a summed-out label only in one operand */
	in[0] = sq, in[1] = v;
	y = ein_run("ij,k->i", 2, in);
	ASSERT_CLOSE(y, 6 * 6, 15 * 6, 24 * 6);
	sb_tensor_release(y);
	/* three operands: a b sq */
	in[0] = a, in[1] = b, in[2] = FT(2, SHAPE(2, 1), 2, 3);
	y = ein_run("ij,jk,kl->il", 3, in);
	assert_shape(y, 2, SHAPE(2, 1));
	ASSERT_CLOSE(y, 4 * 2 + 5 * 3, 10 * 2 + 11 * 3);
	sb_tensor_release(y);
	sb_tensor_release(in[2]);
	sb_tensor_release(a);
	sb_tensor_release(b);
	sb_tensor_release(sq);
	sb_tensor_release(v);
}

static void test_einsum_batch_and_ellipsis(void **state)
{
	sb_tensor *a = noise(3, SHAPE(2, 3, 4), 8), *b = noise(3, SHAPE(2, 4, 5), 9);
	sb_tensor *in[2] = {a, b};
	sb_tensor *y = ein_run("bij, bjk -> bik", 2, in);
	assert_shape(y, 3, SHAPE(2, 3, 5));
	double expect[60];
	for (int i = 0; i < 2; i++)
		matmul_ref((float *)a->dl.data + i * 12, (float *)b->dl.data + i * 20, expect + i * 15,
			   3, 5, 4);
	assert_close(y, 30, expect, 1e-6, 1e-5);
	sb_tensor_release(y);
	y = ein_run("...ij,...jk->...ik", 2, in);
	assert_close(y, 30, expect, 1e-6, 1e-5);
	sb_tensor_release(y);
	sb_tensor_release(a);
	sb_tensor_release(b);
	/* ellipsis broadcasting: [2,1,3,4] x [5,4,2] -> [2,5,3,2] */
	a = noise(4, SHAPE(2, 1, 3, 4), 1), b = noise(3, SHAPE(5, 4, 2), 2);
	in[0] = a, in[1] = b;
	y = ein_run("...ij,...jk->...ik", 2, in);
	assert_shape(y, 4, SHAPE(2, 5, 3, 2));
	double e2[60];
	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 5; j++)
			matmul_ref((float *)a->dl.data + i * 12, (float *)b->dl.data + j * 8,
				   e2 + (i * 5 + j) * 6, 3, 2, 4);
	assert_close(y, 60, e2, 1e-6, 1e-5);
	sb_tensor_release(y);
	sb_tensor_release(a);
	sb_tensor_release(b);
	/* batch diagonal, with the spaces of the ONNX test */
	a = iota(3, SHAPE(2, 3, 3));
	in[0] = a;
	y = ein_run("...ii ->...i", 1, in);
	assert_shape(y, 2, SHAPE(2, 3));
	ASSERT_CLOSE(y, 0, 4, 8, 9, 13, 17);
	sb_tensor_release(y);
	/* ellipsis in the middle */
	y = ein_run("i...j->j...i", 1, in);
	assert_shape(y, 3, SHAPE(3, 3, 2));
	const float *ad = a->dl.data;
	double e3[18];
	for (int i = 0; i < 2; i++)
		for (int m = 0; m < 3; m++)
			for (int j = 0; j < 3; j++)
				e3[(j * 3 + m) * 2 + i] = ad[(i * 3 + m) * 3 + j];
	assert_close(y, 18, e3, 0, 0);
	sb_tensor_release(y);
	sb_tensor_release(a);
}

static void test_einsum_types(void **state)
{
	sb_tensor *a = tensor(SB_F64, 2, SHAPE(2, 2), F64(1, 2, 3, 4));
	sb_tensor *in[1] = {a};
	sb_tensor *y = ein_run("ij->j", 1, in);
	assert_int_equal(y->dtype, SB_F64);
	ASSERT_CLOSE(y, 4, 6);
	sb_tensor_release(y);
	sb_tensor_release(a);
	a = tensor(SB_I32, 2, SHAPE(2, 2), I32(1, 2, 3, 4));
	in[0] = a;
	y = ein_run("ii", 1, in);
	assert_int_equal(y->dtype, SB_I32);
	ASSERT_I64(y, 5);
	sb_tensor_release(y);
	sb_tensor_release(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matmul_rel),
		cmocka_unit_test(test_matmul_broadcast),
		cmocka_unit_test(test_matmul_1d),
		cmocka_unit_test(test_matmul_blocked),
		cmocka_unit_test(test_matmul_types),
		cmocka_unit_test(test_gemm_rel),
		cmocka_unit_test(test_gemm),
		cmocka_unit_test(test_gemm_large),
		cmocka_unit_test(test_gemm_int),
		cmocka_unit_test(test_einsum_rel),
		cmocka_unit_test(test_einsum_basic),
		cmocka_unit_test(test_einsum_batch_and_ellipsis),
		cmocka_unit_test(test_einsum_types),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
