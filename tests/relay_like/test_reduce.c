/* Reductions (Reduce*, ArgMax/ArgMin, CumSum, TopK): type relations, above
 * all how they keep named unknown dims, and kernels checked against values
 * worked out by hand or by plain loops here. */
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

/* ---- Reduce*: relation ---- */

static void *reduce_attrs(int keepdims, int noop)
{
	relay_attrs_reduce *a = relay_attrs_new(M, RELAY_ATTRS_reduce);
	a->keepdims = keepdims;
	a->noop_with_empty_axes = noop;
	return a;
}

static void test_reduce_rel_named_dims(void **state)
{
	const relay_type *in[2] = {ty(SB_F32, "batch,seq,256"), ty(SB_I64, "1")};
	sb_tensor *v[2] = {NULL, VEC(-1)};
	assert_type("float32[batch,seq,1]", rel1(RELAY_OP_REDUCE_MEAN, reduce_attrs(1, 0), 2, in, v));
	assert_type("float32[batch,seq]", rel1(RELAY_OP_REDUCE_MEAN, reduce_attrs(0, 0), 2, in, v));
	sb_tensor_release(v[1]);
	v[1] = VEC(0, 2);
	in[1] = ty(SB_I64, "2");
	assert_type("float32[1,seq,1]", rel1(RELAY_OP_REDUCE_SUM, reduce_attrs(1, 0), 2, in, v));
	assert_type("float32[seq]", rel1(RELAY_OP_REDUCE_MAX, reduce_attrs(0, 0), 2, in, v));
	sb_tensor_release(v[1]);
}

static void test_reduce_rel_unknown_axes(void **state)
{
	/* Axes not known: rank known with keepdims (dims unknown, but a dim of 1
	 * stays 1); without keepdims the rank follows the axes count if known. */
	const relay_type *in[2] = {ty(SB_F32, "batch,1,256"), ty(SB_I64, "2")};
	assert_type("float32[?,1,?]", rel1(RELAY_OP_REDUCE_SUM, reduce_attrs(1, 0), 2, in, NULL));
	assert_type("float32[?]", rel1(RELAY_OP_REDUCE_SUM, reduce_attrs(0, 0), 2, in, NULL));
	in[1] = ty(SB_I64, "n");
	assert_type("float32[...]", rel1(RELAY_OP_REDUCE_SUM, reduce_attrs(0, 0), 2, in, NULL));
	/* Unknown input rank: only "reduce everything, no keepdims" is known. */
	const relay_type *in1[1] = {ty(SB_F32, "...")};
	assert_type("float32[]", rel1(RELAY_OP_REDUCE_SUM, reduce_attrs(0, 0), 1, in1, NULL));
	assert_type("float32[...]", rel1(RELAY_OP_REDUCE_SUM, reduce_attrs(1, 0), 1, in1, NULL));
}

static void test_reduce_rel_empty_axes(void **state)
{
	const relay_type *in[2] = {ty(SB_F32, "batch,3"), NULL};
	assert_type("float32[1,1]", rel1(RELAY_OP_REDUCE_SUM, reduce_attrs(1, 0), 1, in, NULL));
	assert_type("float32[]", rel1(RELAY_OP_REDUCE_SUM, reduce_attrs(0, 0), 1, in, NULL));
	assert_type("float32[batch,3]", rel1(RELAY_OP_REDUCE_SUM, reduce_attrs(0, 1), 1, in, NULL));
	/* An empty axes tensor is the same as none. */
	in[1] = ty(SB_I64, "0");
	sb_tensor *v[2] = {NULL, tensor(SB_I64, 1, SHAPE(0), NULL)};
	assert_type("float32[batch,3]", rel1(RELAY_OP_REDUCE_SUM, reduce_attrs(1, 1), 2, in, v));
	assert_type("float32[1,1]", rel1(RELAY_OP_REDUCE_SUM, reduce_attrs(1, 0), 2, in, v));
	/* ... even when only its static length says it is empty. */
	assert_type("float32[batch,3]", rel1(RELAY_OP_REDUCE_SUM, reduce_attrs(1, 1), 2, in, NULL));
	sb_tensor_release(v[1]);
}

static void test_reduce_rel_errors(void **state)
{
	const relay_type *in[2] = {ty(SB_F32, "2,3"), ty(SB_I64, "1")};
	sb_tensor *v[2] = {NULL, VEC(2)};
	assert_type("invalid", rel1(RELAY_OP_REDUCE_SUM, NULL, 2, in, v));
	sb_tensor_release(v[1]);
	v[1] = VEC(1, -1);
	in[1] = ty(SB_I64, "2");
	assert_type("invalid", rel1(RELAY_OP_REDUCE_SUM, NULL, 2, in, v));
	sb_tensor_release(v[1]);
	in[1] = ty(SB_F32, "1");
	assert_type("invalid", rel1(RELAY_OP_REDUCE_SUM, NULL, 2, in, NULL));
	in[1] = ty(SB_I64, "1,1");
	assert_type("invalid", rel1(RELAY_OP_REDUCE_SUM, NULL, 2, in, NULL));
}

/* ---- Reduce*: kernels ---- */

static void test_reduce_kinds(void **state)
{
	/* [[1, 2], [3, 4]] reduced over axis 1, no keepdims. */
	sb_tensor *in[2] = {FT(2, SHAPE(2, 2), 1, 2, 3, 4), VEC(1)};
	void *a = reduce_attrs(0, 0);
	sb_tensor *y;
#define CHECK(op, ...)                                  \
	y = run1(op, a, 2, in);                         \
	assert_shape(y, 1, SHAPE(2));                   \
	ASSERT_CLOSE(y, __VA_ARGS__);                   \
	sb_tensor_release(y)
	CHECK(RELAY_OP_REDUCE_SUM, 3, 7);
	CHECK(RELAY_OP_REDUCE_MEAN, 1.5, 3.5);
	CHECK(RELAY_OP_REDUCE_MAX, 2, 4);
	CHECK(RELAY_OP_REDUCE_MIN, 1, 3);
	CHECK(RELAY_OP_REDUCE_PROD, 2, 12);
	CHECK(RELAY_OP_REDUCE_L1, 3, 7);
	CHECK(RELAY_OP_REDUCE_L2, sqrt(5.0), 5);
	CHECK(RELAY_OP_REDUCE_SUM_SQUARE, 5, 25);
	CHECK(RELAY_OP_REDUCE_LOG_SUM, log(3.0), log(7.0));
	CHECK(RELAY_OP_REDUCE_LOG_SUM_EXP, log(exp(1.0) + exp(2.0)), log(exp(3.0) + exp(4.0)));
	sb_tensor_release(in[0]);
	/* L1 takes absolute values. */
	in[0] = FT(2, SHAPE(2, 2), -1, 2, 3, -4);
	CHECK(RELAY_OP_REDUCE_L1, 3, 7);
	CHECK(RELAY_OP_REDUCE_MAX, 2, 3);
#undef CHECK
	sb_tensor_release(in[0]);
	sb_tensor_release(in[1]);
}

/* Reference: sum over the masked axes of a [2,3,4,5] iota, by plain loops. */
static void check_sum_axes(const int64_t *axes, int naxes, int keepdims)
{
	const int64_t shape[4] = {2, 3, 4, 5};
	bool red[4] = {false};
	for (int i = 0; i < naxes; i++)
		red[axes[i] < 0 ? axes[i] + 4 : axes[i]] = true;
	double expect[120] = {0};
	int64_t ostride[4], s = 1;
	for (int d = 3; d >= 0; d--) {
		ostride[d] = red[d] ? 0 : s;
		s *= red[d] ? 1 : shape[d];
	}
	for (int i0 = 0; i0 < 2; i0++)
		for (int i1 = 0; i1 < 3; i1++)
			for (int i2 = 0; i2 < 4; i2++)
				for (int i3 = 0; i3 < 5; i3++)
					expect[i0 * ostride[0] + i1 * ostride[1] + i2 * ostride[2] +
					       i3 * ostride[3]] += ((i0 * 3 + i1) * 4 + i2) * 5 + i3;
	sb_tensor *in[2] = {iota(4, shape), tensor(SB_I64, 1, SHAPE(naxes), axes)};
	sb_tensor *y = run1(RELAY_OP_REDUCE_SUM, reduce_attrs(keepdims, 0), 2, in);
	int64_t oshape[4];
	int r = 0;
	for (int d = 0; d < 4; d++)
		if (!red[d])
			oshape[r++] = shape[d];
		else if (keepdims)
			oshape[r++] = 1;
	assert_shape(y, r, oshape);
	assert_close(y, s, expect, 0, 1e-7);
	sb_tensor_release(y);
	sb_tensor_release(in[0]);
	sb_tensor_release(in[1]);
}

static void test_reduce_axes_patterns(void **state)
{
	check_sum_axes(I64(1), 1, 1);           /* middle */
	check_sum_axes(I64(1), 1, 0);
	check_sum_axes(I64(-1), 1, 1);          /* last, negative */
	check_sum_axes(I64(0, 2, 3), 3, 1);     /* all but channel */
	check_sum_axes(I64(0, 2), 2, 0);        /* alternating */
	check_sum_axes(I64(-3, -1), 2, 0);
	check_sum_axes(I64(3, 2, 1, 0), 4, 0);  /* all, in any order */
	check_sum_axes(I64(0), 1, 1);           /* first */
}

static void test_reduce_empty_axes(void **state)
{
	sb_tensor *x = FT(2, SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
	sb_tensor *empty = tensor(SB_I64, 1, SHAPE(0), NULL);
	sb_tensor *in[2] = {x, empty};
	/* noop_with_empty_axes: the input, unchanged. */
	sb_tensor *y = run1(RELAY_OP_REDUCE_SUM, reduce_attrs(1, 1), 2, in);
	assert_shape(y, 2, SHAPE(2, 3));
	ASSERT_CLOSE(y, 1, 2, 3, 4, 5, 6);
	sb_tensor_release(y);
	/* Otherwise empty means every axis. */
	y = run1(RELAY_OP_REDUCE_SUM, reduce_attrs(1, 0), 2, in);
	assert_shape(y, 2, SHAPE(1, 1));
	ASSERT_CLOSE(y, 21);
	sb_tensor_release(y);
	y = run1(RELAY_OP_REDUCE_PROD, reduce_attrs(0, 0), 1, in);
	assert_shape(y, 0, NULL);
	ASSERT_CLOSE(y, 720);
	sb_tensor_release(y);
	sb_tensor_release(x);
	sb_tensor_release(empty);
}

static void test_reduce_precision(void **state)
{
	/* 1e5 float32 values summed in a loop of float would drift; the sum in
	 * double of the same float values is the reference. */
	int64_t n = 100000;
	sb_tensor *x = sb_tensor_new(SB_F32, 2, SHAPE(2, n / 2));
	double total = 0;
	for (int64_t i = 0; i < n; i++) {
		float v = 0.1f + (float)(i % 13) * 0.37f;
		((float *)x->dl.data)[i] = v;
		total += v;
	}
	sb_tensor *in[1] = {x};
	sb_tensor *y = run1(RELAY_OP_REDUCE_SUM, reduce_attrs(0, 0), 1, in);
	assert_close(y, 1, &total, 0, 1e-6);
	sb_tensor_release(y);
	double mean = total / (double)n;
	y = run1(RELAY_OP_REDUCE_MEAN, reduce_attrs(0, 0), 1, in);
	assert_close(y, 1, &mean, 0, 1e-6);
	sb_tensor_release(y);
	/* Reduce over the outer axis (kept inner run). */
	sb_tensor *in2[2] = {x, VEC(0)};
	y = run1(RELAY_OP_REDUCE_SUM, reduce_attrs(0, 0), 2, in2);
	assert_shape(y, 1, SHAPE(n / 2));
	for (int64_t j = 0; j < n / 2; j++) {
		double e = (double)((float *)x->dl.data)[j] + (double)((float *)x->dl.data)[n / 2 + j];
		assert_true(fabs(((float *)y->dl.data)[j] - e) <= 1e-6 * e);
	}
	sb_tensor_release(y);
	sb_tensor_release(in2[1]);
	sb_tensor_release(x);
}

static void test_reduce_log_sum_exp_stable(void **state)
{
	sb_tensor *in[2] = {FT(2, SHAPE(2, 2), 1000, 1000, -1000, -1001), VEC(1)};
	sb_tensor *y = run1(RELAY_OP_REDUCE_LOG_SUM_EXP, reduce_attrs(1, 0), 2, in);
	assert_shape(y, 2, SHAPE(2, 1));
	ASSERT_CLOSE(y, 1000 + log(2.0), -1000 + log(1 + exp(-1.0)));
	sb_tensor_release(y);
	sb_tensor_release(in[0]);
	sb_tensor_release(in[1]);
}

static void test_reduce_ints(void **state)
{
	sb_tensor *x32 = tensor(SB_I32, 2, SHAPE(2, 3), I32(1, -2, 3, 4, 5, -6));
	sb_tensor *in[2] = {x32, VEC(1)};
	sb_tensor *y = run1(RELAY_OP_REDUCE_SUM, reduce_attrs(0, 0), 2, in);
	assert_int_equal(y->dtype, SB_I32);
	ASSERT_I64(y, 2, 3);
	sb_tensor_release(y);
	y = run1(RELAY_OP_REDUCE_PROD, reduce_attrs(0, 0), 2, in);
	ASSERT_I64(y, -6, -120);
	sb_tensor_release(y);
	y = run1(RELAY_OP_REDUCE_MAX, reduce_attrs(0, 0), 2, in);
	ASSERT_I64(y, 3, 5);
	sb_tensor_release(y);
	y = run1(RELAY_OP_REDUCE_MIN, reduce_attrs(0, 0), 2, in);
	ASSERT_I64(y, -2, -6);
	sb_tensor_release(y);
	y = run1(RELAY_OP_REDUCE_SUM_SQUARE, reduce_attrs(0, 0), 2, in);
	ASSERT_I64(y, 14, 77);
	sb_tensor_release(y);
	/* int64 beyond double's 53 bits stays exact. */
	int64_t big = ((int64_t)1 << 60) + 1;
	sb_tensor *x64 = tensor(SB_I64, 1, SHAPE(2), I64(big, 2));
	sb_tensor *in64[1] = {x64};
	y = run1(RELAY_OP_REDUCE_SUM, reduce_attrs(0, 0), 1, in64);
	assert_int_equal(y->dtype, SB_I64);
	ASSERT_I64(y, big + 2);
	sb_tensor_release(y);
	y = run1(RELAY_OP_REDUCE_MAX, reduce_attrs(0, 0), 1, in64);
	ASSERT_I64(y, big);
	sb_tensor_release(y);
	sb_tensor_release(x64);
	sb_tensor_release(x32);
	sb_tensor_release(in[1]);
}

static void test_reduce_f64_and_f16(void **state)
{
	sb_tensor *x = tensor(SB_F64, 2, SHAPE(2, 2), F64(0.5, 1.5, 2.5, 3.5));
	sb_tensor *in[2] = {x, VEC(0)};
	sb_tensor *y = run1(RELAY_OP_REDUCE_MEAN, reduce_attrs(0, 0), 2, in);
	assert_int_equal(y->dtype, SB_F64);
	ASSERT_CLOSE(y, 1.5, 2.5);
	sb_tensor_release(y);
	sb_tensor *h = sb_tensor_new(SB_F16, 1, SHAPE(3));
	for (int i = 0; i < 3; i++)
		((uint16_t *)h->dl.data)[i] = sb_f32_to_f16((float)(i + 1));
	sb_tensor *inh[1] = {h};
	y = run1(RELAY_OP_REDUCE_SUM_SQUARE, reduce_attrs(0, 0), 1, inh);
	assert_int_equal(y->dtype, SB_F16);
	ASSERT_CLOSE(y, 14);
	sb_tensor_release(y);
	sb_tensor_release(h);
	sb_tensor_release(x);
	sb_tensor_release(in[1]);
}

/* ---- ArgMax / ArgMin ---- */

static void *arg_attrs(int axis, int keepdims, int last)
{
	relay_attrs_arg_reduce *a = relay_attrs_new(M, RELAY_ATTRS_arg_reduce);
	a->axis = axis;
	a->keepdims = keepdims;
	a->select_last_index = last;
	return a;
}

static void test_arg_rel(void **state)
{
	const relay_type *in[1] = {ty(SB_F32, "batch,seq,10")};
	assert_type("int64[batch,seq,1]", rel1(RELAY_OP_ARG_MAX, arg_attrs(-1, 1, 0), 1, in, NULL));
	assert_type("int64[seq,10]", rel1(RELAY_OP_ARG_MIN, arg_attrs(0, 0, 0), 1, in, NULL));
	assert_type("invalid", rel1(RELAY_OP_ARG_MAX, arg_attrs(3, 1, 0), 1, in, NULL));
}

static void test_arg_kernels(void **state)
{
	/* Ties: first index by default, last with select_last_index. */
	sb_tensor *in[1] = {FT(2, SHAPE(2, 3), 1, 3, 3, 2, 2, 0)};
	sb_tensor *y = run1(RELAY_OP_ARG_MAX, arg_attrs(1, 1, 0), 1, in);
	assert_shape(y, 2, SHAPE(2, 1));
	ASSERT_I64(y, 1, 0);
	sb_tensor_release(y);
	y = run1(RELAY_OP_ARG_MAX, arg_attrs(-1, 0, 1), 1, in);
	assert_shape(y, 1, SHAPE(2));
	ASSERT_I64(y, 2, 1);
	sb_tensor_release(y);
	y = run1(RELAY_OP_ARG_MIN, arg_attrs(1, 0, 0), 1, in);
	ASSERT_I64(y, 0, 2);
	sb_tensor_release(y);
	/* Axis 0: one comparison per column. */
	y = run1(RELAY_OP_ARG_MAX, arg_attrs(0, 0, 0), 1, in);
	ASSERT_I64(y, 1, 0, 0);
	sb_tensor_release(y);
	y = run1(RELAY_OP_ARG_MIN, arg_attrs(0, 1, 1), 1, in);
	assert_shape(y, 2, SHAPE(1, 3));
	ASSERT_I64(y, 0, 1, 1);
	sb_tensor_release(y);
	sb_tensor_release(in[0]);
	/* Integers. */
	in[0] = IT(1, SHAPE(4), 5, -7, 9, 9);
	y = run1(RELAY_OP_ARG_MAX, arg_attrs(0, 0, 0), 1, in);
	assert_shape(y, 0, NULL);
	ASSERT_I64(y, 2);
	sb_tensor_release(y);
	y = run1(RELAY_OP_ARG_MIN, arg_attrs(0, 1, 0), 1, in);
	ASSERT_I64(y, 1);
	sb_tensor_release(y);
	sb_tensor_release(in[0]);
}

/* ---- CumSum ---- */

static void *cumsum_attrs(int exclusive, int reverse)
{
	relay_attrs_cumsum *a = relay_attrs_new(M, RELAY_ATTRS_cumsum);
	a->exclusive = exclusive;
	a->reverse = reverse;
	return a;
}

static void test_cumsum(void **state)
{
	sb_tensor *in[2] = {FT(1, SHAPE(5), 1, 2, 3, 4, 5), tensor(SB_I32, 0, NULL, I32(0))};
	sb_tensor *y = run1(RELAY_OP_CUM_SUM, cumsum_attrs(0, 0), 2, in);
	ASSERT_CLOSE(y, 1, 3, 6, 10, 15);
	sb_tensor_release(y);
	y = run1(RELAY_OP_CUM_SUM, cumsum_attrs(1, 0), 2, in);
	ASSERT_CLOSE(y, 0, 1, 3, 6, 10);
	sb_tensor_release(y);
	y = run1(RELAY_OP_CUM_SUM, cumsum_attrs(0, 1), 2, in);
	ASSERT_CLOSE(y, 15, 14, 12, 9, 5);
	sb_tensor_release(y);
	y = run1(RELAY_OP_CUM_SUM, cumsum_attrs(1, 1), 2, in);
	ASSERT_CLOSE(y, 14, 12, 9, 5, 0);
	sb_tensor_release(y);
	sb_tensor_release(in[0]);
	sb_tensor_release(in[1]);
	/* 2-D, along each axis (axis given as int64, negative too). */
	in[0] = FT(2, SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
	in[1] = tensor(SB_I64, 0, NULL, I64(0));
	y = run1(RELAY_OP_CUM_SUM, cumsum_attrs(0, 0), 2, in);
	ASSERT_CLOSE(y, 1, 2, 3, 5, 7, 9);
	sb_tensor_release(y);
	sb_tensor_release(in[1]);
	in[1] = VEC(-1);
	y = run1(RELAY_OP_CUM_SUM, cumsum_attrs(0, 0), 2, in);
	ASSERT_CLOSE(y, 1, 3, 6, 4, 9, 15);
	sb_tensor_release(y);
	sb_tensor_release(in[0]);
	/* int64 */
	in[0] = IT(2, SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
	y = run1(RELAY_OP_CUM_SUM, cumsum_attrs(1, 1), 2, in);
	ASSERT_I64(y, 5, 3, 0, 11, 6, 0);
	sb_tensor_release(y);
	sb_tensor_release(in[0]);
	sb_tensor_release(in[1]);
}

static void test_cumsum_rel(void **state)
{
	const relay_type *in[2] = {ty(SB_F32, "batch,7"), ty(SB_I64, "")};
	assert_type("float32[batch,7]", rel1(RELAY_OP_CUM_SUM, NULL, 2, in, NULL));
	sb_tensor *v[2] = {NULL, tensor(SB_I64, 0, NULL, I64(2))};
	assert_type("invalid", rel1(RELAY_OP_CUM_SUM, NULL, 2, in, v));
	sb_tensor_release(v[1]);
	in[1] = ty(SB_I64, "2");
	assert_type("invalid", rel1(RELAY_OP_CUM_SUM, NULL, 2, in, NULL));
}

/* ---- TopK ---- */

static void *topk_attrs(int axis, int largest)
{
	relay_attrs_topk *a = relay_attrs_new(M, RELAY_ATTRS_topk);
	a->axis = axis;
	a->largest = largest;
	return a;
}

static void test_topk_rel(void **state)
{
	const relay_type *in[2] = {ty(SB_F32, "batch,10"), ty(SB_I64, "1")}, *out[2];
	sb_tensor *v[2] = {NULL, VEC(3)};
	assert_int_equal(rel(RELAY_OP_TOP_K, topk_attrs(-1, 1), 2, in, v, 2, out), SB_OK);
	assert_type("float32[batch,3]", type_text(out[0]));
	assert_type("int64[batch,3]", type_text(out[1]));
	assert_int_equal(rel(RELAY_OP_TOP_K, topk_attrs(-1, 1), 2, in, NULL, 2, out), SB_OK);
	assert_type("float32[batch,?]", type_text(out[0]));
	sb_tensor_release(v[1]);
	v[1] = VEC(11);
	assert_int_equal(rel(RELAY_OP_TOP_K, topk_attrs(1, 1), 2, in, v, 2, out), SB_ERR_INVALID);
	sb_tensor_release(v[1]);
}

static void test_topk_kernel(void **state)
{
	sb_tensor *in[2] = {FT(2, SHAPE(2, 4), 3, 1, 3, 2, 0, 5, 5, 5), VEC(2)};
	sb_tensor *out[2];
	/* Largest; ties: lower index first. */
	assert_int_equal(run(RELAY_OP_TOP_K, topk_attrs(1, 1), 2, in, 2, out), SB_OK);
	assert_shape(out[0], 2, SHAPE(2, 2));
	ASSERT_CLOSE(out[0], 3, 3, 5, 5);
	ASSERT_I64(out[1], 0, 2, 1, 2);
	sb_tensor_release(out[0]);
	sb_tensor_release(out[1]);
	/* Smallest. */
	assert_int_equal(run(RELAY_OP_TOP_K, topk_attrs(-1, 0), 2, in, 2, out), SB_OK);
	ASSERT_CLOSE(out[0], 1, 2, 0, 5);
	ASSERT_I64(out[1], 1, 3, 0, 1);
	sb_tensor_release(out[0]);
	sb_tensor_release(out[1]);
	sb_tensor_release(in[1]);
	/* Along axis 0 (strided lines). */
	in[1] = VEC(1);
	assert_int_equal(run(RELAY_OP_TOP_K, topk_attrs(0, 1), 2, in, 2, out), SB_OK);
	assert_shape(out[0], 2, SHAPE(1, 4));
	ASSERT_CLOSE(out[0], 3, 5, 5, 5);
	ASSERT_I64(out[1], 0, 1, 1, 1);
	sb_tensor_release(out[0]);
	sb_tensor_release(out[1]);
	sb_tensor_release(in[0]);
	/* int64 keys beyond double precision. */
	int64_t big = ((int64_t)1 << 60);
	in[0] = IT(1, SHAPE(3), big, big + 1, big - 1);
	assert_int_equal(run(RELAY_OP_TOP_K, topk_attrs(0, 1), 2, in, 2, out), SB_OK);
	ASSERT_I64(out[0], big + 1);
	ASSERT_I64(out[1], 1);
	sb_tensor_release(out[0]);
	sb_tensor_release(out[1]);
	sb_tensor_release(in[0]);
	sb_tensor_release(in[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reduce_rel_named_dims),
		cmocka_unit_test(test_reduce_rel_unknown_axes),
		cmocka_unit_test(test_reduce_rel_empty_axes),
		cmocka_unit_test(test_reduce_rel_errors),
		cmocka_unit_test(test_reduce_kinds),
		cmocka_unit_test(test_reduce_axes_patterns),
		cmocka_unit_test(test_reduce_empty_axes),
		cmocka_unit_test(test_reduce_precision),
		cmocka_unit_test(test_reduce_log_sum_exp_stable),
		cmocka_unit_test(test_reduce_ints),
		cmocka_unit_test(test_reduce_f64_and_f16),
		cmocka_unit_test(test_arg_rel),
		cmocka_unit_test(test_arg_kernels),
		cmocka_unit_test(test_cumsum),
		cmocka_unit_test(test_cumsum_rel),
		cmocka_unit_test(test_topk_rel),
		cmocka_unit_test(test_topk_kernel),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
