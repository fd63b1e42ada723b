/* Normalisations (Softmax family, BatchNormalization, InstanceNormalization,
 * LayerNormalization, LRN, MeanVarianceNormalization): type relations and
 * kernels checked against the defining formulas evaluated here. */
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

/* ---- Softmax, LogSoftmax, Hardmax ---- */

static void *softmax_attrs(int axis, int coerce)
{
	relay_attrs_softmax *a = relay_attrs_new(M, RELAY_ATTRS_softmax);
	a->axis = axis;
	a->coerce_2d = coerce;
	return a;
}

/* softmax of x over the middle dim of [outer, n, inner], from the formula. */
static void softmax_ref(const float *x, double *y, int64_t outer, int64_t n, int64_t inner,
			bool log_mode)
{
	for (int64_t o = 0; o < outer; o++)
		for (int64_t j = 0; j < inner; j++) {
			double sum = 0;
			for (int64_t k = 0; k < n; k++)
				sum += exp((double)x[(o * n + k) * inner + j]);
			for (int64_t k = 0; k < n; k++) {
				double v = x[(o * n + k) * inner + j];
				y[(o * n + k) * inner + j] = log_mode ? v - log(sum) : exp(v) / sum;
			}
		}
}

static void test_softmax_axes(void **state)
{
	const int64_t shape[3] = {2, 3, 4};
	sb_tensor *in[1] = {noise(3, shape, 7)};
	const float *x = in[0]->dl.data;
	double expect[24];
	/* axis -1: rows of 4 */
	sb_tensor *y = run1(RELAY_OP_SOFTMAX, softmax_attrs(-1, 0), 1, in);
	softmax_ref(x, expect, 6, 4, 1, false);
	assert_close(y, 24, expect, 1e-6, 1e-5);
	for (int r = 0; r < 6; r++) {
		double s = 0;
		for (int k = 0; k < 4; k++)
			s += ((float *)y->dl.data)[r * 4 + k];
		assert_true(fabs(s - 1) < 1e-6);
	}
	sb_tensor_release(y);
	/* axis 1: strided (inner 4) */
	y = run1(RELAY_OP_SOFTMAX, softmax_attrs(1, 0), 1, in);
	softmax_ref(x, expect, 2, 3, 4, false);
	assert_close(y, 24, expect, 1e-6, 1e-5);
	sb_tensor_release(y);
	/* axis 0 */
	y = run1(RELAY_OP_LOG_SOFTMAX, softmax_attrs(0, 0), 1, in);
	softmax_ref(x, expect, 1, 2, 12, true);
	assert_close(y, 24, expect, 1e-6, 1e-5);
	sb_tensor_release(y);
	/* coerce_2d (opset < 13): axis 1 means softmax over the 12 trailing
	 * elements of each batch row. */
	y = run1(RELAY_OP_SOFTMAX, softmax_attrs(1, 1), 1, in);
	assert_shape(y, 3, shape);
	softmax_ref(x, expect, 2, 12, 1, false);
	assert_close(y, 24, expect, 1e-6, 1e-5);
	sb_tensor_release(y);
	y = run1(RELAY_OP_LOG_SOFTMAX, softmax_attrs(1, 1), 1, in);
	softmax_ref(x, expect, 2, 12, 1, true);
	assert_close(y, 24, expect, 1e-6, 1e-5);
	sb_tensor_release(y);
	sb_tensor_release(in[0]);
}

static void test_softmax_large(void **state)
{
	sb_tensor *in[1] = {FT(2, SHAPE(2, 2), 1000, 1001, -1000, -1000)};
	sb_tensor *y = run1(RELAY_OP_SOFTMAX, softmax_attrs(-1, 0), 1, in);
	double e = 1 / (1 + exp(1.0));
	ASSERT_CLOSE(y, e, 1 - e, 0.5, 0.5);
	sb_tensor_release(y);
	y = run1(RELAY_OP_LOG_SOFTMAX, softmax_attrs(-1, 0), 1, in);
	ASSERT_CLOSE(y, log(e), log(1 - e), log(0.5), log(0.5));
	sb_tensor_release(y);
	sb_tensor_release(in[0]);
	/* f64 */
	in[0] = tensor(SB_F64, 1, SHAPE(3), F64(0, log(2.0), log(5.0)));
	y = run1(RELAY_OP_SOFTMAX, softmax_attrs(0, 0), 1, in);
	assert_int_equal(y->dtype, SB_F64);
	ASSERT_CLOSE(y, 0.125, 0.25, 0.625);
	sb_tensor_release(y);
	sb_tensor_release(in[0]);
	/* bad axis is an error */
	in[0] = FT(1, SHAPE(2), 1, 2);
	sb_tensor *out[1];
	assert_int_equal(run(RELAY_OP_SOFTMAX, softmax_attrs(1, 0), 1, in, 1, out), SB_ERR_INVALID);
	sb_tensor_release(in[0]);
}

static void test_hardmax(void **state)
{
	sb_tensor *in[1] = {FT(2, SHAPE(2, 3), 1, 3, 3, 4, 2, 0)};
	sb_tensor *y = run1(RELAY_OP_HARDMAX, softmax_attrs(-1, 0), 1, in);
	ASSERT_CLOSE(y, 0, 1, 0, 1, 0, 0);
	sb_tensor_release(y);
	y = run1(RELAY_OP_HARDMAX, softmax_attrs(0, 0), 1, in);
	ASSERT_CLOSE(y, 0, 1, 1, 1, 0, 0);
	sb_tensor_release(y);
	/* coerce_2d with axis 0: one hot over all six */
	y = run1(RELAY_OP_HARDMAX, softmax_attrs(0, 1), 1, in);
	ASSERT_CLOSE(y, 0, 0, 0, 1, 0, 0);
	sb_tensor_release(y);
	sb_tensor_release(in[0]);
}

/* ---- BatchNormalization ---- */

static void test_batch_norm(void **state)
{
	const int64_t shape[4] = {2, 3, 2, 2};
	sb_tensor *x = noise(4, shape, 3);
	sb_tensor *in[5] = {x, FT(1, SHAPE(3), 1, 2, 0.5), FT(1, SHAPE(3), 0, 1, -1),
			    FT(1, SHAPE(3), 0.1f, -0.2f, 0.3f), FT(1, SHAPE(3), 1, 0.5f, 2)};
	relay_attrs_batch_norm *a = relay_attrs_new(M, RELAY_ATTRS_batch_norm);
	a->epsilon = 0.01f;
	sb_tensor *y = run1(RELAY_OP_BATCH_NORMALIZATION, a, 5, in);
	double expect[24];
	for (int i = 0; i < 24; i++) {
		int c = (i / 4) % 3;
		double s = sb_tensor_get_f64(in[1], c), b = sb_tensor_get_f64(in[2], c);
		double m = sb_tensor_get_f64(in[3], c), v = sb_tensor_get_f64(in[4], c);
		expect[i] = s * (((float *)x->dl.data)[i] - m) / sqrt(v + 0.01f) + b;
	}
	assert_close(y, 24, expect, 1e-5, 1e-5);
	sb_tensor_release(y);
	/* training mode is refused, clearly */
	a->training_mode = 1;
	sb_tensor *out[1];
	assert_int_equal(run(RELAY_OP_BATCH_NORMALIZATION, a, 5, in, 1, out), SB_ERR_UNSUPPORTED);
	/* a parameter of the wrong length */
	a->training_mode = 0;
	sb_tensor_release(in[4]);
	in[4] = FT(1, SHAPE(2), 1, 1);
	assert_int_equal(run(RELAY_OP_BATCH_NORMALIZATION, a, 5, in, 1, out), SB_ERR_INVALID);
	for (int i = 0; i < 5; i++)
		sb_tensor_release(in[i]);
}

static void test_batch_norm_rel(void **state)
{
	const relay_type *p = ty(SB_F32, "3");
	const relay_type *in[5] = {ty(SB_F32, "batch,3,h,w"), p, p, p, p};
	assert_type("float32[batch,3,h,w]", rel1(RELAY_OP_BATCH_NORMALIZATION, NULL, 5, in, NULL));
	in[1] = ty(SB_F32, "4");
	assert_type("invalid", rel1(RELAY_OP_BATCH_NORMALIZATION, NULL, 5, in, NULL));
}

/* Attribute errors of Softmax, LRN and MVN are type errors: they are found
 * when the graph is typed, before anything runs. */
static void test_attr_checks_in_relations(void **state)
{
	const relay_type *in[1] = {ty(SB_F32, "batch,10")};
	relay_attrs_softmax *sm = relay_attrs_new(M, RELAY_ATTRS_softmax);
	sm->axis = -2;
	assert_type("float32[batch,10]", rel1(RELAY_OP_SOFTMAX, sm, 1, in, NULL));
	sm->axis = 2;
	assert_type("invalid", rel1(RELAY_OP_SOFTMAX, sm, 1, in, NULL));
	assert_non_null(strstr(sb_last_error(), "axis 2 is out of range"));
	assert_type("invalid", rel1(RELAY_OP_LOG_SOFTMAX, sm, 1, in, NULL));

	relay_attrs_lrn *lrn = relay_attrs_new(M, RELAY_ATTRS_lrn);
	lrn->size = 3;
	assert_type("invalid", rel1(RELAY_OP_LRN, lrn, 1, in, NULL)); /* rank 2 */
	const relay_type *in4[1] = {ty(SB_F32, "batch,8,h,w")};
	assert_type("float32[batch,8,h,w]", rel1(RELAY_OP_LRN, lrn, 1, in4, NULL));
	lrn->size = 0;
	assert_type("invalid", rel1(RELAY_OP_LRN, lrn, 1, in4, NULL));

	relay_attrs_mvn *mvn = relay_attrs_new(M, RELAY_ATTRS_mvn);
	assert_type("float32[batch,8,h,w]", rel1(RELAY_OP_MEAN_VARIANCE_NORMALIZATION, mvn, 1, in4, NULL));
	int64_t axes[2] = {1, -3};
	mvn->axes = relay_ints_make(M, 2, axes);
	assert_type("invalid", rel1(RELAY_OP_MEAN_VARIANCE_NORMALIZATION, mvn, 1, in4, NULL));
	assert_non_null(strstr(sb_last_error(), "repeated"));
}

/* ---- InstanceNormalization ---- */

static void test_instance_norm(void **state)
{
	const int64_t shape[3] = {2, 2, 5};
	sb_tensor *x = noise(3, shape, 11);
	sb_tensor *in[3] = {x, FT(1, SHAPE(2), 1.5f, -1), FT(1, SHAPE(2), 0.25f, 2)};
	relay_attrs_epsilon *a = relay_attrs_new(M, RELAY_ATTRS_epsilon);
	a->epsilon = 1e-3f;
	sb_tensor *y = run1(RELAY_OP_INSTANCE_NORMALIZATION, a, 3, in);
	const float *xd = x->dl.data;
	double expect[20];
	for (int r = 0; r < 4; r++) {
		double mean = 0, var = 0;
		for (int i = 0; i < 5; i++)
			mean += xd[r * 5 + i] / 5.0;
		for (int i = 0; i < 5; i++)
			var += (xd[r * 5 + i] - mean) * (xd[r * 5 + i] - mean) / 5.0;
		int c = r % 2;
		for (int i = 0; i < 5; i++)
			expect[r * 5 + i] = sb_tensor_get_f64(in[1], c) * (xd[r * 5 + i] - mean) /
						    sqrt(var + 1e-3) +
					    sb_tensor_get_f64(in[2], c);
	}
	assert_close(y, 20, expect, 1e-5, 1e-5);
	sb_tensor_release(y);
	for (int i = 0; i < 3; i++)
		sb_tensor_release(in[i]);
}

/* ---- LayerNormalization ---- */

static void *ln_attrs(int axis, float eps)
{
	relay_attrs_layer_norm *a = relay_attrs_new(M, RELAY_ATTRS_layer_norm);
	a->axis = axis;
	a->epsilon = eps;
	return a;
}

static void test_layer_norm_rel(void **state)
{
	const relay_type *in[3] = {ty(SB_F32, "batch,seq,256"), ty(SB_F32, "256"),
				   ty(SB_F32, "256")};
	const relay_type *out[3];
	assert_int_equal(rel(RELAY_OP_LAYER_NORMALIZATION, ln_attrs(-1, 1e-5f), 3, in, NULL, 3, out),
			 SB_OK);
	assert_type("float32[batch,seq,256]", type_text(out[0]));
	assert_type("float32[batch,seq,1]", type_text(out[1]));
	assert_type("float32[batch,seq,1]", type_text(out[2]));
	assert_int_equal(rel(RELAY_OP_LAYER_NORMALIZATION, ln_attrs(1, 1e-5f), 3, in, NULL, 2, out),
			 SB_OK);
	assert_type("float32[batch,1,1]", type_text(out[1]));
	/* Scale must fit the normalised dims. */
	in[1] = ty(SB_F32, "128");
	assert_type("invalid", rel1(RELAY_OP_LAYER_NORMALIZATION, ln_attrs(-1, 1e-5f), 3, in, NULL));
}

static void check_layer_norm(int axis, bool with_bias)
{
	const int64_t shape[3] = {2, 3, 4};
	int ax = axis < 0 ? axis + 3 : axis;
	int64_t rows = 1, len = 1;
	for (int d = 0; d < 3; d++)
		*(d < ax ? &rows : &len) *= shape[d];
	sb_tensor *x = noise(3, shape, 5);
	sb_tensor *scale = noise(3 - ax, shape + ax, 9), *bias = noise(3 - ax, shape + ax, 13);
	sb_tensor *in[3] = {x, scale, with_bias ? bias : NULL};
	sb_tensor *out[3];
	assert_int_equal(run(RELAY_OP_LAYER_NORMALIZATION, ln_attrs(axis, 1e-5f), 3, in, 3, out),
			 SB_OK);
	const float *xd = x->dl.data, *sd = scale->dl.data, *bd = bias->dl.data;
	double ey[24], em[24], ei[24];
	for (int64_t r = 0; r < rows; r++) {
		double mean = 0, var = 0;
		for (int64_t i = 0; i < len; i++)
			mean += xd[r * len + i];
		mean /= (double)len;
		for (int64_t i = 0; i < len; i++)
			var += (xd[r * len + i] - mean) * (xd[r * len + i] - mean);
		var /= (double)len;
		em[r] = mean;
		ei[r] = 1 / sqrt(var + 1e-5);
		for (int64_t i = 0; i < len; i++)
			ey[r * len + i] = (xd[r * len + i] - mean) * ei[r] * sd[i] +
					  (with_bias ? bd[i] : 0);
	}
	assert_close(out[0], 24, ey, 1e-5, 1e-5);
	assert_close(out[1], rows, em, 1e-6, 1e-6);
	assert_close(out[2], rows, ei, 1e-5, 1e-5);
	int64_t mshape[3] = {shape[0], shape[1], shape[2]};
	for (int d = ax; d < 3; d++)
		mshape[d] = 1;
	assert_shape(out[1], 3, mshape);
	for (int i = 0; i < 3; i++)
		sb_tensor_release(out[i]);
	sb_tensor_release(x);
	sb_tensor_release(scale);
	sb_tensor_release(bias);
}

static void test_layer_norm(void **state)
{
	check_layer_norm(-1, true);
	check_layer_norm(1, true);
	check_layer_norm(0, false);
	check_layer_norm(-2, false);
}

static void test_layer_norm_broadcast_scale(void **state)
{
	/* A scalar-like scale [1] and bias [4] broadcast over X[axis:] = [3, 4]. */
	sb_tensor *x = FT(2, SHAPE(1, 2), 1, 3);
	sb_tensor *in[3] = {x, FT(1, SHAPE(1), 2), FT(1, SHAPE(2), 10, 20)};
	sb_tensor *out[1];
	assert_int_equal(run(RELAY_OP_LAYER_NORMALIZATION, ln_attrs(-1, 0), 3, in, 1, out), SB_OK);
	ASSERT_CLOSE(out[0], 8, 22);
	sb_tensor_release(out[0]);
	for (int i = 0; i < 3; i++)
		sb_tensor_release(in[i]);
}

/* ---- LRN ---- */

static void test_lrn(void **state)
{
	const int64_t shape[4] = {1, 5, 2, 1};
	sb_tensor *x = noise(4, shape, 17);
	relay_attrs_lrn *a = relay_attrs_new(M, RELAY_ATTRS_lrn);
	a->size = 3;
	a->alpha = 0.2f;
	a->beta = 0.75f;
	a->bias = 2;
	sb_tensor *in[1] = {x};
	sb_tensor *y = run1(RELAY_OP_LRN, a, 1, in);
	const float *xd = x->dl.data;
	double expect[10];
	for (int c = 0; c < 5; c++)
		for (int s = 0; s < 2; s++) {
			double sq = 0;
			for (int k = c - 1; k <= c + 1; k++)
				if (k >= 0 && k < 5)
					sq += xd[k * 2 + s] * xd[k * 2 + s];
			expect[c * 2 + s] = xd[c * 2 + s] / pow(2 + 0.2f / 3 * sq, 0.75f);
		}
	assert_close(y, 10, expect, 1e-6, 1e-5);
	sb_tensor_release(y);
	/* even size: window [c - 1, c + 2] */
	a->size = 4;
	y = run1(RELAY_OP_LRN, a, 1, in);
	for (int c = 0; c < 5; c++)
		for (int s = 0; s < 2; s++) {
			double sq = 0;
			for (int k = c - 1; k <= c + 2; k++)
				if (k >= 0 && k < 5)
					sq += xd[k * 2 + s] * xd[k * 2 + s];
			expect[c * 2 + s] = xd[c * 2 + s] / pow(2 + 0.2f / 4 * sq, 0.75f);
		}
	assert_close(y, 10, expect, 1e-6, 1e-5);
	sb_tensor_release(y);
	sb_tensor_release(x);
}

/* ---- MeanVarianceNormalization ---- */

static void test_mvn(void **state)
{
	const int64_t shape[4] = {2, 3, 2, 1};
	sb_tensor *x = noise(4, shape, 23);
	sb_tensor *in[1] = {x};
	sb_tensor *y = run1(RELAY_OP_MEAN_VARIANCE_NORMALIZATION, NULL, 1, in);
	const float *xd = x->dl.data;
	double expect[12];
	for (int c = 0; c < 3; c++) {
		double m = 0, m2 = 0;
		for (int n = 0; n < 2; n++)
			for (int h = 0; h < 2; h++) {
				double v = xd[(n * 3 + c) * 2 + h];
				m += v / 4;
				m2 += v * v / 4;
			}
		for (int n = 0; n < 2; n++)
			for (int h = 0; h < 2; h++) {
				int i = (n * 3 + c) * 2 + h;
				expect[i] = (xd[i] - m) / (sqrt(m2 - m * m) + 1e-9);
			}
	}
	assert_close(y, 12, expect, 1e-5, 1e-5);
	sb_tensor_release(y);
	/* axes [1]: per (n, h, w) over channels */
	relay_attrs_mvn *a = relay_attrs_new(M, RELAY_ATTRS_mvn);
	a->axes = relay_ints_make(M, 1, I64(1));
	y = run1(RELAY_OP_MEAN_VARIANCE_NORMALIZATION, a, 1, in);
	for (int n = 0; n < 2; n++)
		for (int h = 0; h < 2; h++) {
			double m = 0, m2 = 0;
			for (int c = 0; c < 3; c++) {
				double v = xd[(n * 3 + c) * 2 + h];
				m += v / 3;
				m2 += v * v / 3;
			}
			for (int c = 0; c < 3; c++) {
				int i = (n * 3 + c) * 2 + h;
				expect[i] = (xd[i] - m) / (sqrt(m2 - m * m) + 1e-9);
			}
		}
	assert_close(y, 12, expect, 1e-5, 1e-5);
	sb_tensor_release(y);
	sb_tensor_release(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_softmax_axes),
		cmocka_unit_test(test_softmax_large),
		cmocka_unit_test(test_hardmax),
		cmocka_unit_test(test_batch_norm),
		cmocka_unit_test(test_batch_norm_rel),
		cmocka_unit_test(test_attr_checks_in_relations),
		cmocka_unit_test(test_instance_norm),
		cmocka_unit_test(test_layer_norm_rel),
		cmocka_unit_test(test_layer_norm),
		cmocka_unit_test(test_layer_norm_broadcast_scale),
		cmocka_unit_test(test_lrn),
		cmocka_unit_test(test_mvn),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
