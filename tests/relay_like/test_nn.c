/* Conv, ConvTranspose, the pools, Resize/Upsample, Pad, DepthToSpace and
 * SpaceToDepth: type relations (known, unknown and named dims, errors) and
 * kernels.  Expected values are worked out by hand (the small cases) or by
 * a plain formula written here from the ONNX definitions (direct
 * convolution loops, the scatter form of ConvTranspose, index formulas). */
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

/* "float32[batch,?,256]" style: digits a known dim, '?' unknown, a name a
 * named unknown dim; "..." an unknown rank. */
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

#define MAXIO 8

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

/* The printed output type, or the status name on error. */
static char *rel1(relay_op op, const void *attrs, int nin, const relay_type **in,
		  sb_tensor **values)
{
	const relay_type *out[1] = {NULL};
	sb_status st = rel(op, attrs, nin, in, values, 1, out);
	if (st)
		return sb_xstrdup(sb_status_name(st));
	sb_strbuf b = {0};
	relay_type_print(&b, out[0]);
	return sb_strbuf_take(&b);
}

#define assert_type(expected, got)                                                                 \
	do {                                                                                       \
		char *s_ = (got);                                                                  \
		assert_string_equal(s_, expected);                                                 \
		free(s_);                                                                          \
	} while (0)

#define TYPES(...) ((const relay_type *[]){__VA_ARGS__})

/* Relation + kernel the way the interpreter runs them. */
static sb_status run(relay_op op, const void *attrs, int nin, sb_tensor **in, int nout,
		     sb_tensor **out)
{
	const relay_type *tin[MAXIO], *tout[MAXIO] = {0};
	for (int i = 0; i < nin; i++)
		tin[i] = in[i]
			     ? relay_type_from_shape(M, in[i]->dtype, in[i]->dl.ndim, in[i]->shape)
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
	relay_kernel_ctx k = {
	    .op = op, .attrs = attrs, .node = "n", .nin = nin, .in = in, .nout = nout, .out = out};
	st = relay_op_table[op].kernel(&k);
	if (st)
		for (int j = 0; j < nout; j++) {
			sb_tensor_release(out[j]);
			out[j] = NULL;
		}
	return st;
}

static sb_tensor *run1(relay_op op, const void *attrs, int nin, sb_tensor **in)
{
	sb_tensor *out[1] = {NULL};
	if (run(op, attrs, nin, in, 1, out))
		fail_msg("%s", sb_last_error());
	return out[0];
}

static void release_all(int n, sb_tensor **t)
{
	for (int i = 0; i < n; i++)
		sb_tensor_release(t[i]);
}

static sb_tensor *tensor(sb_dtype dt, int rank, const int64_t *shape, const void *data)
{
	sb_tensor *t = sb_tensor_new(dt, rank, shape);
	assert_non_null(t);
	if (data)
		memcpy(t->dl.data, data, sb_tensor_nbytes(t));
	return t;
}
#define SHAPE(...) ((const int64_t[]){__VA_ARGS__})
#define F32(...) ((const float[]){__VA_ARGS__})
#define I64(...) ((const int64_t[]){__VA_ARGS__})
#define FT(rank, shape, ...) tensor(SB_F32, rank, shape, F32(__VA_ARGS__))
#define VEC(...) tensor(SB_I64, 1, SHAPE(sizeof(I64(__VA_ARGS__)) / 8), I64(__VA_ARGS__))
#define FVEC(...) tensor(SB_F32, 1, SHAPE(sizeof(F32(__VA_ARGS__)) / 4), F32(__VA_ARGS__))
#define INTS(...) relay_ints_make(M, sizeof(I64(__VA_ARGS__)) / 8, I64(__VA_ARGS__))

/* f32 0, 1, 2, ... + start */
static sb_tensor *iota(int rank, const int64_t *shape, float start)
{
	sb_tensor *t = sb_tensor_new(SB_F32, rank, shape);
	for (int64_t i = 0; i < sb_tensor_numel(t); i++)
		((float *)t->dl.data)[i] = start + (float)i;
	return t;
}

/* Deterministic values that are multiples of 1/4 in [-2, 2], so every sum
 * in these tests is exact in float32 whatever the order. */
static uint32_t rng_state = 12345;
static sb_tensor *noise(sb_dtype dt, int rank, const int64_t *shape)
{
	sb_tensor *t = sb_tensor_new(dt, rank, shape);
	for (int64_t i = 0; i < sb_tensor_numel(t); i++) {
		rng_state = rng_state * 1664525u + 1013904223u;
		sb_tensor_set_f64(t, i, (double)((int)(rng_state >> 16) % 17 - 8) / 4.0);
	}
	return t;
}

static void assert_shape(const sb_tensor *t, int rank, const int64_t *shape)
{
	char a[128], b[128];
	sb_shape_format(t->dl.ndim, t->shape, a, sizeof a);
	sb_shape_format(rank, shape, b, sizeof b);
	assert_string_equal(a, b);
}

static void assert_close(const sb_tensor *t, int64_t n, const double *expect, double tol)
{
	assert_int_equal(sb_tensor_numel(t), n);
	for (int64_t i = 0; i < n; i++) {
		double v = sb_tensor_get_f64(t, i);
		if (!(fabs(v - expect[i]) <= tol * (1.0 + fabs(expect[i]))))
			fail_msg("element %lld: %.9g, expected %.9g", (long long)i, v, expect[i]);
	}
}
#define D(...) ((const double[]){__VA_ARGS__})
#define ASSERT_VALUES(t, ...) assert_close(t, sizeof(D(__VA_ARGS__)) / 8, D(__VA_ARGS__), 1e-6)

/* ---- reference formulas ---- */

/* A conv problem canonicalised to 3 spatial axes (leading axes of size 1
 * with kernel 1) so one loop nest covers 1-D, 2-D and 3-D. */
typedef struct conv_case {
	int nsp;
	int64_t n, c, m, group;
	int64_t in[3], k[3], s[3], d[3], pb[3], pe[3];
	int64_t out[3]; /* ConvTranspose: given */
} conv_case;

static void conv_case_pad3(conv_case *cc)
{
	int shift = 3 - cc->nsp;
	for (int i = 2; i >= 0; i--) {
		int j = i - shift;
		cc->in[i] = j >= 0 ? cc->in[j] : 1;
		cc->k[i] = j >= 0 ? cc->k[j] : 1;
		cc->s[i] = j >= 0 ? cc->s[j] : 1;
		cc->d[i] = j >= 0 ? cc->d[j] : 1;
		cc->pb[i] = j >= 0 ? cc->pb[j] : 0;
		cc->pe[i] = j >= 0 ? cc->pe[j] : 0;
		cc->out[i] = j >= 0 ? cc->out[j] : 1;
	}
}

/* Index v of flat position p in a 3-D box, and back. */
static void unflat3(int64_t p, const int64_t *box, int64_t *v)
{
	v[2] = p % box[2];
	v[1] = p / box[2] % box[1];
	v[0] = p / (box[1] * box[2]);
}
static int64_t flat3(const int64_t *v, const int64_t *box)
{
	return (v[0] * box[1] + v[1]) * box[2] + v[2];
}

/* a = o * s + k * d - pb on every axis; false if outside [0, box). */
static bool window3(const conv_case *cc, const int64_t *o, const int64_t *k, const int64_t *box,
		    int64_t *a)
{
	for (int i = 0; i < 3; i++) {
		a[i] = o[i] * cc->s[i] + k[i] * cc->d[i] - cc->pb[i];
		if (a[i] < 0 || a[i] >= box[i])
			return false;
	}
	return true;
}

/* Conv straight from the definition:
 * y[n,m,o] = b[m] + sum_{ci,k} x[n, g*Cg + ci, o*s + k*d - pb] w[m, ci, k]. */
static double *ref_conv(conv_case cc, const sb_tensor *x, const sb_tensor *w, const sb_tensor *b,
			int64_t *out_shape)
{
	int nsp = cc.nsp;
	conv_case_pad3(&cc);
	int64_t o3[3];
	for (int i = 0; i < 3; i++)
		o3[i] =
		    (cc.in[i] + cc.pb[i] + cc.pe[i] - ((cc.k[i] - 1) * cc.d[i] + 1)) / cc.s[i] + 1;
	int64_t Cg = cc.c / cc.group, Mg = cc.m / cc.group;
	int64_t IS = cc.in[0] * cc.in[1] * cc.in[2], OS = o3[0] * o3[1] * o3[2];
	int64_t KS = cc.k[0] * cc.k[1] * cc.k[2];
	double *y = calloc((size_t)(cc.n * cc.m * OS), sizeof(double));
	for (int64_t n = 0; n < cc.n; n++)
		for (int64_t m = 0; m < cc.m; m++)
			for (int64_t p = 0; p < OS; p++) {
				int64_t o[3], k[3], i[3];
				unflat3(p, o3, o);
				double acc = b ? sb_tensor_get_f64(b, m) : 0.0;
				for (int64_t ci = 0; ci < Cg; ci++) {
					int64_t c = m / Mg * Cg + ci;
					for (int64_t q = 0; q < KS; q++) {
						unflat3(q, cc.k, k);
						if (!window3(&cc, o, k, cc.in, i))
							continue;
						int64_t xi = (n * cc.c + c) * IS + flat3(i, cc.in);
						int64_t wi = (m * Cg + ci) * KS + q;
						acc += sb_tensor_get_f64(x, xi) *
						       sb_tensor_get_f64(w, wi);
					}
				}
				y[(n * cc.m + m) * OS + p] = acc;
			}
	out_shape[0] = cc.n;
	out_shape[1] = cc.m;
	for (int i = 0; i < nsp; i++)
		out_shape[2 + i] = o3[3 - nsp + i];
	return y;
}

/* ConvTranspose as the scatter of each input element through the kernel:
 * y[n, g*Mg + mi, i*s + k*d - pb] += x[n, c, i] w[c, mi, k]. */
static double *ref_conv_transpose(conv_case cc, const sb_tensor *x, const sb_tensor *w,
				  const sb_tensor *b)
{
	conv_case_pad3(&cc);
	int64_t Cg = cc.c / cc.group, Mg = cc.m / cc.group;
	int64_t IS = cc.in[0] * cc.in[1] * cc.in[2], OS = cc.out[0] * cc.out[1] * cc.out[2];
	int64_t KS = cc.k[0] * cc.k[1] * cc.k[2];
	double *y = calloc((size_t)(cc.n * cc.m * OS), sizeof(double));
	for (int64_t p = 0; p < cc.n * cc.m * OS; p++)
		y[p] = b ? sb_tensor_get_f64(b, p / OS % cc.m) : 0.0;
	for (int64_t n = 0; n < cc.n; n++)
		for (int64_t c = 0; c < cc.c; c++)
			for (int64_t p = 0; p < IS; p++) {
				int64_t i[3], k[3], o[3];
				unflat3(p, cc.in, i);
				double xv = sb_tensor_get_f64(x, (n * cc.c + c) * IS + p);
				for (int64_t mi = 0; mi < Mg; mi++) {
					int64_t m = c / Cg * Mg + mi;
					for (int64_t q = 0; q < KS; q++) {
						unflat3(q, cc.k, k);
						if (!window3(&cc, i, k, cc.out, o))
							continue;
						int64_t yi = (n * cc.m + m) * OS + flat3(o, cc.out);
						y[yi] += xv * sb_tensor_get_f64(
								  w, (c * Mg + mi) * KS + q);
					}
				}
			}
	return y;
}

static relay_attrs_conv *conv_attrs(const conv_case *cc)
{
	relay_attrs_conv *a = relay_attrs_new(M, RELAY_ATTRS_conv);
	int64_t p[6];
	for (int i = 0; i < cc->nsp; i++) {
		p[i] = cc->pb[i];
		p[cc->nsp + i] = cc->pe[i];
	}
	a->group = cc->group;
	a->strides = relay_ints_make(M, cc->nsp, cc->s);
	a->dilations = relay_ints_make(M, cc->nsp, cc->d);
	a->pads = relay_ints_make(M, 2 * cc->nsp, p);
	return a;
}

/* Runs Conv on noise inputs of dtype dt and compares with ref_conv. */
static void check_conv(conv_case cc, sb_dtype dt, bool bias)
{
	int64_t xs[5] = {cc.n, cc.c}, ws[5] = {cc.m, cc.c / cc.group};
	for (int i = 0; i < cc.nsp; i++) {
		xs[2 + i] = cc.in[i];
		ws[2 + i] = cc.k[i];
	}
	sb_tensor *in[3] = {noise(dt, cc.nsp + 2, xs), noise(dt, cc.nsp + 2, ws),
			    bias ? noise(dt, 1, &cc.m) : NULL};
	sb_tensor *y = run1(RELAY_OP_CONV, conv_attrs(&cc), bias ? 3 : 2, in);
	int64_t ys[5];
	double *expect = ref_conv(cc, in[0], in[1], in[2], ys);
	assert_shape(y, cc.nsp + 2, ys);
	assert_int_equal(y->dtype, dt);
	assert_close(y, sb_tensor_numel(y), expect, dt == SB_F16 ? 1e-2 : 1e-6);
	free(expect);
	sb_tensor_release(y);
	release_all(3, in);
}

/* ---- Conv ---- */

static void test_conv_relation(void **state)
{
	relay_attrs_conv *a = relay_attrs_new(M, RELAY_ATTRS_conv);
	a->strides = INTS(2, 2);
	a->pads = INTS(3, 3, 3, 3);
	assert_type("float32[batch,64,112,112]",
		    rel1(RELAY_OP_CONV, a, 2,
			 TYPES(ty(SB_F32, "batch,3,224,224"), ty(SB_F32, "64,3,7,7")), NULL));
	/* Unknown spatial dims stay unknown unless the conv keeps the size. */
	assert_type("float32[batch,64,?,?]",
		    rel1(RELAY_OP_CONV, a, 2,
			 TYPES(ty(SB_F32, "batch,3,h,w"), ty(SB_F32, "64,3,7,7")), NULL));
	relay_attrs_conv *same = relay_attrs_new(M, RELAY_ATTRS_conv);
	same->pads = INTS(1, 1, 1, 1);
	assert_type("float32[batch,8,h,w]",
		    rel1(RELAY_OP_CONV, same, 3,
			 TYPES(ty(SB_F32, "batch,4,h,w"), ty(SB_F32, "8,4,3,3"), ty(SB_F32, "8")),
			 NULL));
	same->auto_pad = relay_intern(M, "SAME_UPPER");
	same->pads.set = false;
	assert_type("float32[batch,8,h,w]",
		    rel1(RELAY_OP_CONV, same, 2,
			 TYPES(ty(SB_F32, "batch,4,h,w"), ty(SB_F32, "8,4,5,5")), NULL));
	same->strides = INTS(2, 2);
	assert_type("float32[batch,8,?,4]",
		    rel1(RELAY_OP_CONV, same, 2,
			 TYPES(ty(SB_F32, "batch,4,h,7"), ty(SB_F32, "8,4,5,5")), NULL));
	/* The kernel comes from the weight; an unknown weight gives unknown dims. */
	relay_attrs_conv *def = relay_attrs_new(M, RELAY_ATTRS_conv);
	assert_type(
	    "float32[1,8,30]",
	    rel1(RELAY_OP_CONV, def, 2, TYPES(ty(SB_F32, "1,4,32"), ty(SB_F32, "8,4,3")), NULL));
	assert_type("float32[1,?,?]", rel1(RELAY_OP_CONV, def, 2,
					   TYPES(ty(SB_F32, "1,4,32"), ty(SB_F32, "?,4,?")), NULL));
	assert_type("float32[...]",
		    rel1(RELAY_OP_CONV, def, 2, TYPES(ty(SB_F32, "..."), ty(SB_F32, "...")), NULL));
	assert_type(
	    "float64[?,8,?,?,?]",
	    rel1(RELAY_OP_CONV, def, 2, TYPES(ty(SB_F64, "..."), ty(SB_F64, "8,2,3,3,3")), NULL));
	/* Dilation 2 with a 3x3 kernel spans 5; group 2. */
	relay_attrs_conv *g = relay_attrs_new(M, RELAY_ATTRS_conv);
	g->dilations = INTS(2, 2);
	g->group = 2;
	assert_type(
	    "float32[2,6,6,11]",
	    rel1(RELAY_OP_CONV, g, 2, TYPES(ty(SB_F32, "2,4,10,15"), ty(SB_F32, "6,2,3,3")), NULL));
}

static void test_conv_relation_errors(void **state)
{
	relay_attrs_conv *a = relay_attrs_new(M, RELAY_ATTRS_conv);
	assert_type("invalid", rel1(RELAY_OP_CONV, a, 2,
				    TYPES(ty(SB_F32, "1,4,8,8"), ty(SB_F32, "8,3,3,3")), NULL));
	assert_non_null(strstr(sb_last_error(), "channels"));
	assert_type("invalid", rel1(RELAY_OP_CONV, a, 2,
				    TYPES(ty(SB_F32, "1,4,8,8"), ty(SB_F32, "8,4,3")), NULL));
	assert_type("invalid",
		    rel1(RELAY_OP_CONV, a, 3,
			 TYPES(ty(SB_F32, "1,4,8,8"), ty(SB_F32, "8,4,3,3"), ty(SB_F32, "7")),
			 NULL));
	assert_type("invalid", rel1(RELAY_OP_CONV, a, 2,
				    TYPES(ty(SB_F32, "1,4,2,2"), ty(SB_F32, "8,4,3,3")), NULL));
	assert_type("invalid", rel1(RELAY_OP_CONV, a, 2,
				    TYPES(ty(SB_F32, "1,4,8,8"), ty(SB_F16, "8,4,3,3")), NULL));
	assert_type("unsupported", rel1(RELAY_OP_CONV, a, 2,
					TYPES(ty(SB_I32, "1,4,8,8"), ty(SB_I32, "8,4,3,3")), NULL));
	assert_type("invalid",
		    rel1(RELAY_OP_CONV, a, 2, TYPES(ty(SB_F32, "4,8"), ty(SB_F32, "8,4")), NULL));
	relay_attrs_conv *g = relay_attrs_new(M, RELAY_ATTRS_conv);
	g->group = 3;
	assert_type("invalid", rel1(RELAY_OP_CONV, g, 2,
				    TYPES(ty(SB_F32, "1,6,8,8"), ty(SB_F32, "8,2,3,3")), NULL));
	relay_attrs_conv *k = relay_attrs_new(M, RELAY_ATTRS_conv);
	k->kernel_shape = INTS(5, 5);
	assert_type("invalid", rel1(RELAY_OP_CONV, k, 2,
				    TYPES(ty(SB_F32, "1,4,8,8"), ty(SB_F32, "8,4,3,3")), NULL));
	assert_non_null(strstr(sb_last_error(), "kernel_shape"));
	relay_attrs_conv *p = relay_attrs_new(M, RELAY_ATTRS_conv);
	p->pads = INTS(1, 1);
	assert_type("invalid", rel1(RELAY_OP_CONV, p, 2,
				    TYPES(ty(SB_F32, "1,4,8,8"), ty(SB_F32, "8,4,3,3")), NULL));
	relay_attrs_conv *s = relay_attrs_new(M, RELAY_ATTRS_conv);
	s->strides = INTS(0, 1);
	assert_type("invalid", rel1(RELAY_OP_CONV, s, 2,
				    TYPES(ty(SB_F32, "1,4,8,8"), ty(SB_F32, "8,4,3,3")), NULL));
	relay_attrs_conv *ap = relay_attrs_new(M, RELAY_ATTRS_conv);
	ap->auto_pad = relay_intern(M, "SAME");
	assert_type("invalid", rel1(RELAY_OP_CONV, ap, 2,
				    TYPES(ty(SB_F32, "1,4,8,8"), ty(SB_F32, "8,4,3,3")), NULL));
}

/* The ONNX example: 5x5 input 0..24, a 3x3 kernel of ones, pads 1; each
 * output is the sum of the input's 3x3 neighbourhood. */
static void test_conv_hand(void **state)
{
	relay_attrs_conv *a = relay_attrs_new(M, RELAY_ATTRS_conv);
	a->pads = INTS(1, 1, 1, 1);
	sb_tensor *w = sb_tensor_new(SB_F32, 4, SHAPE(1, 1, 3, 3));
	for (int i = 0; i < 9; i++)
		((float *)w->dl.data)[i] = 1.0f;
	sb_tensor *in[2] = {iota(4, SHAPE(1, 1, 5, 5), 0.0f), w};
	sb_tensor *y = run1(RELAY_OP_CONV, a, 2, in);
	assert_shape(y, 4, SHAPE(1, 1, 5, 5));
	ASSERT_VALUES(y, 12, 21, 27, 33, 24, 33, 54, 63, 72, 51, 63, 99, 108, 117, 81, 93, 144, 153,
		      162, 111, 72, 111, 117, 123, 84);
	sb_tensor_release(y);
	/* Stride 2 and the asymmetric pads [1, 0, 1, 0] of the ONNX test. */
	a->strides = INTS(2, 2);
	a->pads = INTS(1, 0, 1, 0);
	sb_tensor_release(in[0]);
	in[0] = iota(4, SHAPE(1, 1, 7, 5), 0.0f);
	y = run1(RELAY_OP_CONV, a, 2, in);
	assert_shape(y, 4, SHAPE(1, 1, 4, 2));
	ASSERT_VALUES(y, 21, 33, 99, 117, 189, 207, 171, 183);
	sb_tensor_release(y);
	release_all(2, in);
}

static void test_conv_formula(void **state)
{
	/* 2-D: pads, stride, dilation, groups. */
	check_conv((conv_case){.nsp = 2,
			       .n = 2,
			       .c = 4,
			       .m = 6,
			       .group = 2,
			       .in = {9, 11},
			       .k = {3, 3},
			       .s = {2, 1},
			       .d = {2, 1},
			       .pb = {1, 2},
			       .pe = {2, 0}},
		   SB_F32, true);
	/* Asymmetric pads, no bias, stride 3. */
	check_conv((conv_case){.nsp = 2,
			       .n = 1,
			       .c = 3,
			       .m = 5,
			       .group = 1,
			       .in = {10, 7},
			       .k = {2, 4},
			       .s = {3, 3},
			       .d = {1, 1},
			       .pb = {0, 3},
			       .pe = {1, 1}},
		   SB_F32, false);
	/* Pointwise 1x1 (no im2col). */
	check_conv((conv_case){.nsp = 2,
			       .n = 2,
			       .c = 6,
			       .m = 5,
			       .group = 1,
			       .in = {4, 5},
			       .k = {1, 1},
			       .s = {1, 1},
			       .d = {1, 1}},
		   SB_F32, true);
	/* 1-D and 3-D. */
	check_conv((conv_case){.nsp = 1,
			       .n = 2,
			       .c = 3,
			       .m = 4,
			       .group = 1,
			       .in = {17},
			       .k = {3},
			       .s = {2},
			       .d = {3},
			       .pb = {2},
			       .pe = {1}},
		   SB_F32, true);
	check_conv((conv_case){.nsp = 3,
			       .n = 1,
			       .c = 4,
			       .m = 4,
			       .group = 2,
			       .in = {5, 6, 7},
			       .k = {3, 2, 3},
			       .s = {1, 2, 2},
			       .d = {1, 1, 2},
			       .pb = {1, 0, 1},
			       .pe = {1, 1, 0}},
		   SB_F32, true);
	/* Big enough for every GEMM edge: K = 40*9 > one panel, M = 9 not a
	 * multiple of the tile rows, N = 52*52 > one column block. */
	check_conv((conv_case){.nsp = 2,
			       .n = 1,
			       .c = 40,
			       .m = 9,
			       .group = 1,
			       .in = {52, 52},
			       .k = {3, 3},
			       .s = {1, 1},
			       .d = {1, 1},
			       .pb = {1, 1},
			       .pe = {1, 1}},
		   SB_F32, true);
	/* Large enough that im2col runs in two chunks of output rows. */
	check_conv((conv_case){.nsp = 2,
			       .n = 1,
			       .c = 64,
			       .m = 4,
			       .group = 1,
			       .in = {80, 95},
			       .k = {3, 3},
			       .s = {1, 1},
			       .d = {1, 1},
			       .pb = {1, 1},
			       .pe = {1, 1}},
		   SB_F32, false);
	/* float64 and float16 paths. */
	check_conv((conv_case){.nsp = 2,
			       .n = 2,
			       .c = 4,
			       .m = 6,
			       .group = 2,
			       .in = {6, 7},
			       .k = {3, 2},
			       .s = {2, 1},
			       .d = {1, 2},
			       .pb = {1, 0},
			       .pe = {1, 1}},
		   SB_F64, true);
	check_conv((conv_case){.nsp = 2,
			       .n = 1,
			       .c = 2,
			       .m = 3,
			       .group = 1,
			       .in = {5, 5},
			       .k = {3, 3},
			       .s = {1, 1},
			       .d = {1, 1},
			       .pb = {1, 1},
			       .pe = {1, 1}},
		   SB_F16, true);
}

static void test_conv_depthwise(void **state)
{
	/* group == channels, multiplier 1 and 2, strided and padded. */
	check_conv((conv_case){.nsp = 2,
			       .n = 2,
			       .c = 5,
			       .m = 5,
			       .group = 5,
			       .in = {8, 9},
			       .k = {3, 3},
			       .s = {2, 2},
			       .d = {1, 1},
			       .pb = {1, 1},
			       .pe = {1, 1}},
		   SB_F32, true);
	check_conv((conv_case){.nsp = 2,
			       .n = 1,
			       .c = 3,
			       .m = 6,
			       .group = 3,
			       .in = {7, 6},
			       .k = {3, 2},
			       .s = {1, 2},
			       .d = {2, 1},
			       .pb = {2, 0},
			       .pe = {1, 1}},
		   SB_F32, false);
	/* A hand case: two channels, 2x2 kernels, no pads. */
	relay_attrs_conv *a = relay_attrs_new(M, RELAY_ATTRS_conv);
	a->group = 2;
	sb_tensor *in[2] = {iota(4, SHAPE(1, 2, 2, 3), 0.0f),
			    FT(4, SHAPE(2, 1, 2, 2), 1, 0, 0, 1, 0, 1, 1, 0)};
	sb_tensor *y = run1(RELAY_OP_CONV, a, 2, in);
	/* ch0: x[0,0]+x[1,1] -> 0+4, 1+5; ch1: x[0,1]+x[1,0] -> 7+9, 8+10 */
	ASSERT_VALUES(y, 4, 6, 16, 18);
	sb_tensor_release(y);
	release_all(2, in);
}

static void test_conv_auto_pad(void **state)
{
	/* SAME_LOWER, stride 2, 5x5 input, 3x3 kernel: out 3x3, total pad 2 -> 1/1.
	 * SAME_UPPER with even kernel 2: total pad 1 goes at the end; SAME_LOWER at the front. */
	relay_attrs_conv *a = relay_attrs_new(M, RELAY_ATTRS_conv);
	a->auto_pad = relay_intern(M, "SAME_UPPER");
	sb_tensor *in[2] = {iota(4, SHAPE(1, 1, 1, 4), 1.0f), FT(4, SHAPE(1, 1, 1, 2), 1, 10)};
	sb_tensor *y = run1(RELAY_OP_CONV, a, 2, in);
	ASSERT_VALUES(y, 1 + 20, 2 + 30, 3 + 40, 4); /* x[i] + 10 x[i+1], 0 past the end */
	sb_tensor_release(y);
	a->auto_pad = relay_intern(M, "SAME_LOWER");
	y = run1(RELAY_OP_CONV, a, 2, in);
	ASSERT_VALUES(y, 10, 1 + 20, 2 + 30, 3 + 40);
	sb_tensor_release(y);
	a->auto_pad = relay_intern(M, "VALID");
	a->strides = INTS(1, 2);
	y = run1(RELAY_OP_CONV, a, 2, in);
	ASSERT_VALUES(y, 21, 43);
	sb_tensor_release(y);
	release_all(2, in);
}

/* ---- ConvTranspose ---- */

static relay_attrs_conv_transpose *convt_attrs(const conv_case *cc)
{
	relay_attrs_conv_transpose *a = relay_attrs_new(M, RELAY_ATTRS_conv_transpose);
	int64_t p[6];
	for (int i = 0; i < cc->nsp; i++) {
		p[i] = cc->pb[i];
		p[cc->nsp + i] = cc->pe[i];
	}
	a->group = cc->group;
	a->strides = relay_ints_make(M, cc->nsp, cc->s);
	a->dilations = relay_ints_make(M, cc->nsp, cc->d);
	a->pads = relay_ints_make(M, 2 * cc->nsp, p);
	return a;
}

/* Runs ConvTranspose; cc.out is the expected spatial output. */
static void check_convt(conv_case cc, relay_attrs_conv_transpose *a, sb_dtype dt)
{
	int64_t xs[5] = {cc.n, cc.c}, ws[5] = {cc.c, cc.m / cc.group}, ys[5] = {cc.n, cc.m};
	for (int i = 0; i < cc.nsp; i++) {
		xs[2 + i] = cc.in[i];
		ws[2 + i] = cc.k[i];
		ys[2 + i] = cc.out[i];
	}
	sb_tensor *in[3] = {noise(dt, cc.nsp + 2, xs), noise(dt, cc.nsp + 2, ws),
			    noise(dt, 1, &cc.m)};
	sb_tensor *y = run1(RELAY_OP_CONV_TRANSPOSE, a, 3, in);
	assert_shape(y, cc.nsp + 2, ys);
	double *expect = ref_conv_transpose(cc, in[0], in[1], in[2]);
	assert_close(y, sb_tensor_numel(y), expect, 1e-6);
	free(expect);
	sb_tensor_release(y);
	release_all(3, in);
}

static void test_conv_transpose_hand(void **state)
{
	/* The ONNX example: 3x3 input 0..8, two output channels of 3x3 ones. */
	sb_tensor *w = sb_tensor_new(SB_F32, 4, SHAPE(1, 2, 3, 3));
	for (int i = 0; i < 18; i++)
		((float *)w->dl.data)[i] = 1.0f;
	sb_tensor *in[2] = {iota(4, SHAPE(1, 1, 3, 3), 0.0f), w};
	sb_tensor *y = run1(RELAY_OP_CONV_TRANSPOSE, NULL, 2, in);
	assert_shape(y, 4, SHAPE(1, 2, 5, 5));
	ASSERT_VALUES(y, 0, 1, 3, 3, 2, 3, 8, 15, 12, 7, 9, 21, 36, 27, 15, 9, 20, 33, 24, 13, 6,
		      13, 21, 15, 8, 0, 1, 3, 3, 2, 3, 8, 15, 12, 7, 9, 21, 36, 27, 15, 9, 20, 33,
		      24, 13, 6, 13, 21, 15, 8);
	sb_tensor_release(y);
	release_all(2, in);
}

static void test_conv_transpose_formula(void **state)
{
	/* Stride, pads, dilation, groups. */
	conv_case cc = {.nsp = 2,
			.n = 2,
			.c = 4,
			.m = 6,
			.group = 2,
			.in = {4, 5},
			.k = {3, 2},
			.s = {2, 3},
			.d = {1, 2},
			.pb = {1, 0},
			.pe = {0, 2}};
	for (int i = 0; i < 2; i++)
		cc.out[i] =
		    cc.s[i] * (cc.in[i] - 1) + (cc.k[i] - 1) * cc.d[i] + 1 - cc.pb[i] - cc.pe[i];
	check_convt(cc, convt_attrs(&cc), SB_F32);
	check_convt(cc, convt_attrs(&cc), SB_F64);
	/* 1-D and 3-D. */
	conv_case c1 = {.nsp = 1,
			.n = 1,
			.c = 2,
			.m = 3,
			.group = 1,
			.in = {6},
			.k = {4},
			.s = {3},
			.d = {1},
			.pb = {2},
			.pe = {1}};
	c1.out[0] = 3 * 5 + 4 - 3;
	check_convt(c1, convt_attrs(&c1), SB_F32);
	conv_case c3 = {.nsp = 3,
			.n = 1,
			.c = 2,
			.m = 2,
			.group = 1,
			.in = {3, 4, 2},
			.k = {2, 3, 2},
			.s = {2, 1, 2},
			.d = {1, 1, 1}};
	for (int i = 0; i < 3; i++)
		c3.out[i] = c3.s[i] * (c3.in[i] - 1) + c3.k[i];
	check_convt(c3, convt_attrs(&c3), SB_F32);
	/* output_padding adds cells at the end of each axis. */
	conv_case cp = {.nsp = 2,
			.n = 1,
			.c = 1,
			.m = 2,
			.group = 1,
			.in = {3, 3},
			.k = {3, 3},
			.s = {3, 2},
			.d = {1, 1}};
	relay_attrs_conv_transpose *a = convt_attrs(&cp);
	a->output_padding = INTS(1, 1);
	cp.out[0] = 10;
	cp.out[1] = 8;
	check_convt(cp, a, SB_F32);
	/* output_shape [10, 8] without output_padding gives the same result
	 * (the ONNX test_convtranspose_output_shape: the full result is 9x7,
	 * the extra cell is a zero row/column at the end), and [8, 6] crops
	 * one cell at the front (the odd padding cell goes to the beginning). */
	a = convt_attrs(&cp);
	a->output_shape = INTS(10, 8);
	check_convt(cp, a, SB_F32);
	a->output_shape = INTS(8, 6);
	cp.pb[0] = cp.pb[1] = 1;
	cp.out[0] = 8;
	cp.out[1] = 6;
	check_convt(cp, a, SB_F32);
	/* SAME_UPPER: out = in * stride, the odd pad cell at the end. */
	conv_case cs = {.nsp = 2,
			.n = 1,
			.c = 1,
			.m = 2,
			.group = 1,
			.in = {3, 3},
			.k = {3, 3},
			.s = {2, 2},
			.d = {1, 1},
			.pb = {0, 0},
			.out = {6, 6}};
	a = relay_attrs_new(M, RELAY_ATTRS_conv_transpose);
	a->auto_pad = relay_intern(M, "SAME_UPPER");
	a->strides = INTS(2, 2);
	check_convt(cs, a, SB_F32);
	a->auto_pad = relay_intern(M, "SAME_LOWER");
	cs.pb[0] = cs.pb[1] = 1;
	check_convt(cs, a, SB_F32);
}

static void test_conv_transpose_relation(void **state)
{
	relay_attrs_conv_transpose *a = relay_attrs_new(M, RELAY_ATTRS_conv_transpose);
	a->strides = INTS(2, 2);
	a->group = 2;
	assert_type("float32[batch,6,7,?]",
		    rel1(RELAY_OP_CONV_TRANSPOSE, a, 2,
			 TYPES(ty(SB_F32, "batch,4,3,w"), ty(SB_F32, "4,3,3,3")), NULL));
	a->output_shape = INTS(8, 9);
	assert_type("float32[batch,6,8,9]",
		    rel1(RELAY_OP_CONV_TRANSPOSE, a, 2,
			 TYPES(ty(SB_F32, "batch,4,3,w"), ty(SB_F32, "4,3,3,3")), NULL));
	assert_type("invalid", rel1(RELAY_OP_CONV_TRANSPOSE, a, 2,
				    TYPES(ty(SB_F32, "1,4,3,3"), ty(SB_F32, "5,3,3,3")), NULL));
	assert_type("invalid",
		    rel1(RELAY_OP_CONV_TRANSPOSE, a, 3,
			 TYPES(ty(SB_F32, "1,4,3,3"), ty(SB_F32, "4,3,3,3"), ty(SB_F32, "3")),
			 NULL));
	relay_attrs_conv_transpose *p = relay_attrs_new(M, RELAY_ATTRS_conv_transpose);
	p->pads = INTS(2, 2, 2, 2);
	assert_type("invalid", rel1(RELAY_OP_CONV_TRANSPOSE, p, 2,
				    TYPES(ty(SB_F32, "1,1,1,1"), ty(SB_F32, "1,1,3,3")), NULL));
}

/* ---- pools ---- */

static relay_attrs_pool *pool_attrs(int nsp, const int64_t *k)
{
	relay_attrs_pool *a = relay_attrs_new(M, RELAY_ATTRS_pool);
	a->kernel_shape = relay_ints_make(M, nsp, k);
	return a;
}

static void test_pool_relation(void **state)
{
	relay_attrs_pool *a = pool_attrs(2, I64(3, 3));
	a->strides = INTS(2, 2);
	a->pads = INTS(1, 1, 1, 1);
	const relay_type *out[2] = {NULL, NULL};
	assert_int_equal(
	    rel(RELAY_OP_MAX_POOL, a, 1, TYPES(ty(SB_F32, "batch,64,112,w")), NULL, 2, out), SB_OK);
	assert_int_equal(out[0]->dtype, SB_F32);
	assert_int_equal(out[1]->dtype, SB_I64);
	assert_int_equal(out[0]->dims[2].value, 56);
	assert_true(out[0]->dims[3].value < 0 && out[0]->dims[3].name == NULL);
	assert_string_equal(out[1]->dims[0].name, "batch");
	/* ceil_mode rounds the count of windows up. */
	relay_attrs_pool *c = pool_attrs(2, I64(3, 3));
	c->strides = INTS(2, 2);
	c->ceil_mode = 1;
	assert_type("float32[1,1,2,2]",
		    rel1(RELAY_OP_MAX_POOL, c, 1, TYPES(ty(SB_F32, "1,1,4,4")), NULL));
	c->ceil_mode = 0;
	assert_type("float32[1,1,1,1]",
		    rel1(RELAY_OP_MAX_POOL, c, 1, TYPES(ty(SB_F32, "1,1,4,4")), NULL));
	/* SAME with stride 1 keeps named dims. */
	relay_attrs_pool *s = pool_attrs(2, I64(3, 3));
	s->auto_pad = relay_intern(M, "SAME_LOWER");
	assert_type("float32[n,c,h,w]",
		    rel1(RELAY_OP_AVERAGE_POOL, s, 1, TYPES(ty(SB_F32, "n,c,h,w")), NULL));
	assert_type("uint8[1,1,3,3]", rel1(RELAY_OP_MAX_POOL, pool_attrs(2, I64(2, 2)), 1,
					   TYPES(ty(SB_U8, "1,1,4,4")), NULL));
	/* Errors: no kernel_shape, wrong length, int average, tiny input. */
	assert_type("invalid",
		    rel1(RELAY_OP_MAX_POOL, NULL, 1, TYPES(ty(SB_F32, "1,1,4,4")), NULL));
	assert_type("invalid", rel1(RELAY_OP_MAX_POOL, pool_attrs(1, I64(2)), 1,
				    TYPES(ty(SB_F32, "1,1,4,4")), NULL));
	assert_type("unsupported", rel1(RELAY_OP_AVERAGE_POOL, pool_attrs(2, I64(2, 2)), 1,
					TYPES(ty(SB_U8, "1,1,4,4")), NULL));
	assert_type("invalid", rel1(RELAY_OP_MAX_POOL, pool_attrs(2, I64(5, 5)), 1,
				    TYPES(ty(SB_F32, "1,1,4,4")), NULL));
	assert_type("float32[batch,c,1,1,1]", rel1(RELAY_OP_GLOBAL_MAX_POOL, NULL, 1,
						   TYPES(ty(SB_F32, "batch,c,h,w,5")), NULL));
	assert_type("invalid",
		    rel1(RELAY_OP_GLOBAL_AVERAGE_POOL, NULL, 1, TYPES(ty(SB_F32, "2,3")), NULL));
}

static void test_max_pool(void **state)
{
	/* 4x4 input 1..16, 3x3 windows, stride 2, ceil_mode: windows start at
	 * 0 and 2, the second clipped to 2 rows/cols. */
	relay_attrs_pool *a = pool_attrs(2, I64(3, 3));
	a->strides = INTS(2, 2);
	a->ceil_mode = 1;
	sb_tensor *x = iota(4, SHAPE(1, 1, 4, 4), 1.0f);
	sb_tensor *y = run1(RELAY_OP_MAX_POOL, a, 1, &x);
	ASSERT_VALUES(y, 11, 12, 15, 16);
	sb_tensor_release(y);
	/* Dilation 2 with a 2x2 kernel reads rows/cols {i, i+2}. */
	relay_attrs_pool *d = pool_attrs(2, I64(2, 2));
	d->dilations = INTS(2, 2);
	y = run1(RELAY_OP_MAX_POOL, d, 1, &x);
	ASSERT_VALUES(y, 11, 12, 15, 16);
	sb_tensor_release(y);
	sb_tensor_release(x);

	/* 5x5 input 1..25, 5x5 windows, pads 2: each output is the max of the
	 * window clipped to the input. */
	relay_attrs_pool *p = pool_attrs(2, I64(5, 5));
	p->pads = INTS(2, 2, 2, 2);
	x = iota(4, SHAPE(1, 1, 5, 5), 1.0f);
	y = run1(RELAY_OP_MAX_POOL, p, 1, &x);
	ASSERT_VALUES(y, 13, 14, 15, 15, 15, 18, 19, 20, 20, 20, 23, 24, 25, 25, 25, 23, 24, 25, 25,
		      25, 23, 24, 25, 25, 25);
	sb_tensor_release(y);

	/* Indices: row-major, and column-major with storage_order 1. */
	relay_attrs_pool *s = pool_attrs(2, I64(2, 2));
	s->strides = INTS(2, 2);
	sb_tensor *out[2] = {NULL, NULL};
	assert_int_equal(run(RELAY_OP_MAX_POOL, s, 1, &x, 2, out), SB_OK);
	ASSERT_VALUES(out[0], 7, 9, 17, 19);
	ASSERT_VALUES(out[1], 6, 8, 16, 18);
	release_all(2, out);
	s->storage_order = 1;
	assert_int_equal(run(RELAY_OP_MAX_POOL, s, 1, &x, 2, out), SB_OK);
	ASSERT_VALUES(out[1], 6, 16, 8, 18);
	release_all(2, out);
	sb_tensor_release(x);

	/* Indices count the batch and channel planes too. */
	x = FT(4, SHAPE(2, 1, 1, 3), 5, 1, 2, 0, 9, 3);
	relay_attrs_pool *k = pool_attrs(2, I64(1, 2));
	assert_int_equal(run(RELAY_OP_MAX_POOL, k, 1, &x, 2, out), SB_OK);
	ASSERT_VALUES(out[0], 5, 2, 9, 9);
	ASSERT_VALUES(out[1], 0, 2, 4, 4);
	release_all(2, out);
	sb_tensor_release(x);

	/* uint8 and 1-D / 3-D. */
	uint8_t u[6] = {3, 250, 7, 1, 9, 8};
	x = tensor(SB_U8, 3, SHAPE(1, 2, 3), u);
	y = run1(RELAY_OP_MAX_POOL, pool_attrs(1, I64(2)), 1, &x);
	assert_int_equal(y->dtype, SB_U8);
	ASSERT_VALUES(y, 250, 250, 9, 9);
	sb_tensor_release(y);
	sb_tensor_release(x);
	x = iota(5, SHAPE(1, 1, 2, 2, 3), 0.0f);
	y = run1(RELAY_OP_MAX_POOL, pool_attrs(3, I64(2, 2, 2)), 1, &x);
	assert_shape(y, 5, SHAPE(1, 1, 1, 1, 2));
	ASSERT_VALUES(y, 10, 11);
	sb_tensor_release(y);
	sb_tensor_release(x);
}

static void test_average_pool(void **state)
{
	/* 3x3 input 1..9, 3x3 windows, pads 1.  Without count_include_pad the
	 * corner averages its 4 inputs; with it, divides by 9. */
	relay_attrs_pool *a = pool_attrs(2, I64(3, 3));
	a->pads = INTS(1, 1, 1, 1);
	sb_tensor *x = iota(4, SHAPE(1, 1, 3, 3), 1.0f);
	sb_tensor *y = run1(RELAY_OP_AVERAGE_POOL, a, 1, &x);
	ASSERT_VALUES(y, 3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7);
	sb_tensor_release(y);
	a->count_include_pad = 1;
	y = run1(RELAY_OP_AVERAGE_POOL, a, 1, &x);
	ASSERT_VALUES(y, 12.0 / 9, 21.0 / 9, 16.0 / 9, 27.0 / 9, 45.0 / 9, 33.0 / 9, 24.0 / 9,
		      39.0 / 9, 28.0 / 9);
	sb_tensor_release(y);
	sb_tensor_release(x);

	/* ceil_mode: 4x4 1..16, 3x3 stride 2; the clipped windows average
	 * only what they cover (2x3, 3x2, 2x2 cells). */
	relay_attrs_pool *c = pool_attrs(2, I64(3, 3));
	c->strides = INTS(2, 2);
	c->ceil_mode = 1;
	x = iota(4, SHAPE(1, 1, 4, 4), 1.0f);
	y = run1(RELAY_OP_AVERAGE_POOL, c, 1, &x);
	ASSERT_VALUES(y, 6, 7.5, 12, 13.5);
	sb_tensor_release(y);
	sb_tensor_release(x);

	/* 1-D SAME_UPPER, kernel 2: the last window has only one input. */
	relay_attrs_pool *s = pool_attrs(1, I64(2));
	s->auto_pad = relay_intern(M, "SAME_UPPER");
	x = FT(3, SHAPE(1, 1, 3), 2, 4, 9);
	y = run1(RELAY_OP_AVERAGE_POOL, s, 1, &x);
	ASSERT_VALUES(y, 3, 6.5, 9);
	sb_tensor_release(y);
	sb_tensor_release(x);

	/* float64 stays float64. */
	x = tensor(SB_F64, 3, SHAPE(1, 2, 2), (const double[]){1, 2, 3, 5});
	y = run1(RELAY_OP_AVERAGE_POOL, pool_attrs(1, I64(2)), 1, &x);
	assert_int_equal(y->dtype, SB_F64);
	ASSERT_VALUES(y, 1.5, 4);
	sb_tensor_release(y);
	sb_tensor_release(x);
}

static void test_global_pool(void **state)
{
	sb_tensor *x = FT(4, SHAPE(1, 2, 2, 2), 1, 2, 3, 6, -1, -5, -2, -4);
	sb_tensor *y = run1(RELAY_OP_GLOBAL_AVERAGE_POOL, NULL, 1, &x);
	assert_shape(y, 4, SHAPE(1, 2, 1, 1));
	ASSERT_VALUES(y, 3, -3);
	sb_tensor_release(y);
	y = run1(RELAY_OP_GLOBAL_MAX_POOL, NULL, 1, &x);
	ASSERT_VALUES(y, 6, -1);
	sb_tensor_release(y);
	sb_tensor_release(x);
}

/* ---- Resize / Upsample ---- */

static relay_attrs_resize *resize_attrs(const char *mode, const char *coord)
{
	relay_attrs_resize *a = relay_attrs_new(M, RELAY_ATTRS_resize);
	a->mode = relay_intern(M, mode);
	if (coord)
		a->coordinate_transformation_mode = relay_intern(M, coord);
	return a;
}

/* Resize(X, roi, scales, sizes) with NULL for absent inputs. */
static sb_tensor *resize(relay_attrs_resize *a, sb_tensor *x, sb_tensor *roi, sb_tensor *scales,
			 sb_tensor *sizes)
{
	sb_tensor *in[4] = {x, roi, scales, sizes};
	sb_tensor *y = run1(RELAY_OP_RESIZE, a, 4, in);
	release_all(4, in);
	return y;
}

static void test_resize_relation(void **state)
{
	relay_attrs_resize *a = resize_attrs("linear", NULL);
	sb_tensor *scales = FVEC(1, 1, 2, 0.5f);
	sb_tensor *vals[4] = {NULL, NULL, scales, NULL};
	/* Scale 1 keeps a named dim; a known dim is floor(in * scale). */
	assert_type("float32[batch,3,?,5]",
		    rel1(RELAY_OP_RESIZE, a, 3,
			 TYPES(ty(SB_F32, "batch,3,h,11"), NULL, ty(SB_F32, "4")), vals));
	/* Value unknown: rank kept, dims unknown. */
	assert_type("float32[?,?,?,?]",
		    rel1(RELAY_OP_RESIZE, a, 3,
			 TYPES(ty(SB_F32, "batch,3,h,11"), NULL, ty(SB_F32, "4")), NULL));
	/* sizes, with an empty scales tensor; works on an unknown-rank input. */
	sb_tensor *empty = tensor(SB_F32, 1, SHAPE(0), NULL), *sizes = VEC(2, 7);
	sb_tensor *v2[4] = {NULL, NULL, empty, sizes};
	assert_type("float32[2,7]",
		    rel1(RELAY_OP_RESIZE, a, 4,
			 TYPES(ty(SB_F32, "..."), NULL, ty(SB_F32, "0"), ty(SB_I64, "2")), v2));
	/* Errors: neither, both, wrong length, bad mode. */
	assert_type("invalid", rel1(RELAY_OP_RESIZE, a, 3,
				    TYPES(ty(SB_F32, "1,1,4,4"), NULL, ty(SB_F32, "0")), v2));
	sb_tensor *v3[4] = {NULL, NULL, scales, sizes};
	assert_type("invalid",
		    rel1(RELAY_OP_RESIZE, a, 4,
			 TYPES(ty(SB_F32, "1,1,4,4"), NULL, ty(SB_F32, "4"), ty(SB_I64, "2")), v3));
	assert_type("invalid",
		    rel1(RELAY_OP_RESIZE, a, 4,
			 TYPES(ty(SB_F32, "1,1,4,4"), NULL, ty(SB_F32, "0"), ty(SB_I64, "2")), v2));
	assert_type("invalid", rel1(RELAY_OP_RESIZE, resize_attrs("bilinear", NULL), 3,
				    TYPES(ty(SB_F32, "1,1,4,4"), NULL, ty(SB_F32, "4")), vals));
	relay_attrs_resize *c = resize_attrs("linear", "tf_crop_and_resize");
	assert_type("invalid", rel1(RELAY_OP_RESIZE, c, 3,
				    TYPES(ty(SB_F32, "1,1,4,4"), NULL, ty(SB_F32, "4")), vals));
	/* Upsample: scales is input 1. */
	sb_tensor *uv[2] = {NULL, scales};
	assert_type("float32[batch,3,?,5]",
		    rel1(RELAY_OP_UPSAMPLE, resize_attrs("nearest", NULL), 2,
			 TYPES(ty(SB_F32, "batch,3,h,11"), ty(SB_F32, "4")), uv));
	release_all(1, &scales);
	release_all(1, &empty);
	release_all(1, &sizes);
}

static void test_resize_nearest(void **state)
{
	/* 2x2 -> 4x6, half_pixel + round_prefer_floor: each input repeated. */
	sb_tensor *y = resize(resize_attrs("nearest", NULL), FT(4, SHAPE(1, 1, 2, 2), 1, 2, 3, 4),
			      NULL, FVEC(1, 1, 2, 3), NULL);
	assert_shape(y, 4, SHAPE(1, 1, 4, 6));
	ASSERT_VALUES(y, 1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4);
	sb_tensor_release(y);
	/* Downsample by 0.6: 2x4 -> 1x2; x_orig = (x + 0.5) / 0.6 - 0.5 =
	 * 0.33 -> 0 and 2.0 -> 2 (rows: 0.33 -> 0). */
	y = resize(resize_attrs("nearest", NULL), iota(4, SHAPE(1, 1, 2, 4), 1.0f), NULL,
		   FVEC(1, 1, 0.6f, 0.6f), NULL);
	assert_shape(y, 4, SHAPE(1, 1, 1, 2));
	ASSERT_VALUES(y, 1, 3);
	sb_tensor_release(y);
	/* 1-D-ish asymmetric upsample by 2: x_orig = o / 2, the rounding mode
	 * decides the .5 cases; past the end clamps to the last element. */
	relay_attrs_resize *a = resize_attrs("nearest", "asymmetric");
	a->nearest_mode = relay_intern(M, "round_prefer_ceil");
	y = resize(a, FT(2, SHAPE(1, 4), 1, 2, 3, 4), NULL, NULL, VEC(1, 8));
	ASSERT_VALUES(y, 1, 2, 2, 3, 3, 4, 4, 4);
	sb_tensor_release(y);
	a->nearest_mode = relay_intern(M, "floor");
	y = resize(a, FT(2, SHAPE(1, 4), 1, 2, 3, 4), NULL, NULL, VEC(1, 8));
	ASSERT_VALUES(y, 1, 1, 2, 2, 3, 3, 4, 4);
	sb_tensor_release(y);
	a->nearest_mode = relay_intern(M, "ceil");
	y = resize(a, FT(2, SHAPE(1, 4), 1, 2, 3, 4), NULL, NULL, VEC(1, 7));
	/* scale 7/4: x_orig = 4o/7 = 0, .57, 1.14, 1.71, 2.29, 2.86, 3.43 */
	ASSERT_VALUES(y, 1, 2, 3, 3, 4, 4, 4);
	sb_tensor_release(y);
	/* Integer data stays exact. */
	int32_t iv[3] = {-7, 100, 3};
	y = resize(resize_attrs("nearest", "asymmetric"), tensor(SB_I32, 1, SHAPE(3), iv), NULL,
		   FVEC(2), NULL);
	assert_int_equal(y->dtype, SB_I32);
	ASSERT_VALUES(y, -7, -7, 100, 100, 3, 3);
	sb_tensor_release(y);
}

static void test_resize_linear(void **state)
{
	/* 2x2 -> 4x4 half_pixel: x_orig = -0.25, 0.25, 0.75, 1.25 (clamped at
	 * the edges) per axis. */
	sb_tensor *y = resize(resize_attrs("linear", NULL), FT(4, SHAPE(1, 1, 2, 2), 1, 2, 3, 4),
			      NULL, FVEC(1, 1, 2, 2), NULL);
	ASSERT_VALUES(y, 1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25,
		      3.75, 4);
	sb_tensor_release(y);
	/* align_corners: x_orig = o * (in - 1) / (out - 1) = o / 3. */
	y = resize(resize_attrs("linear", "align_corners"), FT(4, SHAPE(1, 1, 2, 2), 1, 2, 3, 4),
		   NULL, FVEC(1, 1, 2, 2), NULL);
	ASSERT_VALUES(y, 1, 4.0 / 3, 5.0 / 3, 2, 5.0 / 3, 2, 7.0 / 3, 8.0 / 3, 7.0 / 3, 8.0 / 3, 3,
		      10.0 / 3, 3, 10.0 / 3, 11.0 / 3, 4);
	sb_tensor_release(y);
	/* Scales 0.6 with align_corners use the unrounded length 4 * 0.6 =
	 * 2.4: x_orig = 3 / 1.4 for output 1, as the ONNX reference does. */
	y = resize(resize_attrs("linear", "align_corners"), FT(2, SHAPE(1, 4), 1, 2, 3, 4), NULL,
		   FVEC(1, 0.6f), NULL);
	assert_close(y, 2, D(1, 1 + 3.0 / (4 * (double)0.6f - 1)), 1e-6);
	sb_tensor_release(y);
	/* tf_crop_and_resize: H samples 1.2, 2.4, 3.6 (> 3: extrapolated), W
	 * samples 1.8, 3.45, 5.1 (the last two extrapolated); inside, the
	 * value of 4h + w + 1 at the sample point. */
	relay_attrs_resize *c = resize_attrs("linear", "tf_crop_and_resize");
	c->extrapolation_value = 10.0f;
	y = resize(c, iota(4, SHAPE(1, 1, 4, 4), 1.0f), FVEC(0, 0, 0.4f, 0.6f, 1, 1, 1.2f, 1.7f),
		   NULL, VEC(1, 1, 3, 3));
	assert_close(y, 9, D(7.6, 10, 10, 12.4, 10, 10, 10, 10, 10), 1e-5);
	sb_tensor_release(y);
	/* pytorch_half_pixel with one output samples index 0. */
	y = resize(resize_attrs("linear", "pytorch_half_pixel"), FT(2, SHAPE(1, 4), 5, 6, 7, 8),
		   NULL, NULL, VEC(1, 1));
	ASSERT_VALUES(y, 5);
	sb_tensor_release(y);
	/* 3-D linear: separable passes equal the trilinear formula. */
	y = resize(resize_attrs("linear", "align_corners"), iota(3, SHAPE(2, 2, 2), 0.0f), NULL,
		   NULL, VEC(3, 3, 3));
	double expect[27];
	for (int i = 0; i < 27; i++) /* f = 4z + 2y + x is linear, so sampled exactly */
		expect[i] = 4 * (i / 9) * 0.5 + 2 * (i / 3 % 3) * 0.5 + (i % 3) * 0.5;
	assert_close(y, 27, expect, 1e-6);
	sb_tensor_release(y);
}

static void test_resize_cubic(void **state)
{
	/* Asymmetric, scale 2, on 0, 1, 2, 3: odd outputs sample k + 0.5 with
	 * taps k-1..k+2 (clamped to 0..3) and, for A = -0.75 at ratio 0.5,
	 * weights w = (-0.09375, 0.59375, 0.59375, -0.09375); even outputs
	 * sample the input exactly. */
	const double w0 = -0.09375, w1 = 0.59375;
	relay_attrs_resize *a = resize_attrs("cubic", "asymmetric");
	sb_tensor *y = resize(a, FT(1, SHAPE(4), 0, 1, 2, 3), NULL, FVEC(2), NULL);
	assert_shape(y, 1, SHAPE(8));
	assert_close(y, 8,
		     D(0, w1 + 2 * w0, 1, w1 + 2 * w1 + 3 * w0, 2, w0 + 2 * w1 + 3 * w1 + 3 * w0, 3,
		       2 * w0 + 3 * (w1 + w1 + w0)),
		     1e-6);
	sb_tensor_release(y);
	/* exclude_outside drops the taps outside 0..3 and renormalises. */
	a->exclude_outside = 1;
	y = resize(a, FT(1, SHAPE(4), 0, 1, 2, 3), NULL, FVEC(2), NULL);
	assert_close(y, 8,
		     D(0, (w1 + 2 * w0) / (w1 + w1 + w0), 1, w1 + 2 * w1 + 3 * w0, 2,
		       (w0 + 2 * w1 + 3 * w1) / (w0 + w1 + w1), 3, (2 * w0 + 3 * w1) / (w0 + w1)),
		     1e-6);
	sb_tensor_release(y);
	/* A = -0.5: weights at 0.5 are (-0.0625, 0.5625, 0.5625, -0.0625). */
	relay_attrs_resize *b = resize_attrs("cubic", "asymmetric");
	b->cubic_coeff_a = -0.5f;
	y = resize(b, FT(1, SHAPE(4), 0, 1, 2, 3), NULL, FVEC(2), NULL);
	assert_close(y, 8, D(0, 0.4375, 1, 1.5, 2, 2.5625, 3, 3.0625), 1e-6);
	sb_tensor_release(y);
	/* A constant stays constant. */
	y = resize(resize_attrs("cubic", NULL), FT(2, SHAPE(2, 3), 7, 7, 7, 7, 7, 7), NULL, NULL,
		   VEC(5, 4));
	for (int i = 0; i < 20; i++)
		assert_true(fabs(sb_tensor_get_f64(y, i) - 7.0) < 1e-6);
	sb_tensor_release(y);
}

static void test_upsample(void **state)
{
	sb_tensor *in[2] = {FT(4, SHAPE(1, 1, 2, 2), 1, 2, 3, 4), FVEC(1, 1, 2, 3)};
	sb_tensor *y = run1(RELAY_OP_UPSAMPLE, resize_attrs("nearest", NULL), 2, in);
	assert_shape(y, 4, SHAPE(1, 1, 4, 6));
	ASSERT_VALUES(y, 1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4);
	sb_tensor_release(y);
	release_all(2, in);
	/* linear is asymmetric: x_orig = o / 2, clamped past the end. */
	in[0] = FT(2, SHAPE(1, 2), 1, 3);
	in[1] = FVEC(1, 2);
	y = run1(RELAY_OP_UPSAMPLE, resize_attrs("linear", NULL), 2, in);
	ASSERT_VALUES(y, 1, 2, 3, 3);
	sb_tensor_release(y);
	release_all(2, in);
}

/* ---- Pad ---- */

static relay_attrs_pad *pad_mode(const char *mode)
{
	relay_attrs_pad *a = relay_attrs_new(M, RELAY_ATTRS_pad);
	a->mode = relay_intern(M, mode);
	return a;
}

static sb_tensor *pad(const char *mode, sb_tensor *x, sb_tensor *pads, sb_tensor *value,
		      sb_tensor *axes)
{
	sb_tensor *in[4] = {x, pads, value, axes};
	sb_tensor *y = run1(RELAY_OP_PAD, pad_mode(mode), 4, in);
	release_all(4, in);
	return y;
}

static void test_pad_kernel(void **state)
{
	sb_tensor *y = pad("reflect", FT(1, SHAPE(3), 1, 2, 3), VEC(2, 2), NULL, NULL);
	ASSERT_VALUES(y, 3, 2, 1, 2, 3, 2, 1);
	sb_tensor_release(y);
	y = pad("edge", FT(1, SHAPE(3), 1, 2, 3), VEC(2, 2), NULL, NULL);
	ASSERT_VALUES(y, 1, 1, 1, 2, 3, 3, 3);
	sb_tensor_release(y);
	y = pad("wrap", FT(1, SHAPE(3), 1, 2, 3), VEC(2, 2), NULL, NULL);
	ASSERT_VALUES(y, 2, 3, 1, 2, 3, 1, 2);
	sb_tensor_release(y);
	/* Reflect past one period bounces back: 1 2 | period 2. */
	y = pad("reflect", FT(1, SHAPE(2), 1, 2), VEC(3, 2), NULL, NULL);
	ASSERT_VALUES(y, 2, 1, 2, 1, 2, 1, 2);
	sb_tensor_release(y);
	/* Constant with a value, and a negative pad that crops. */
	y = pad("constant", FT(1, SHAPE(4), 1, 2, 3, 4), VEC(-1, 2), FT(0, NULL, 9.5f), NULL);
	ASSERT_VALUES(y, 2, 3, 4, 9.5, 9.5);
	sb_tensor_release(y);
	/* The ONNX 3x2 example: pads [0, 2, 0, 0] on the columns. */
	y = pad("reflect", FT(2, SHAPE(3, 2), 1, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f), VEC(0, 2, 0, 0),
		NULL, NULL);
	assert_shape(y, 2, SHAPE(3, 4));
	assert_close(y, 12, D(1, 1.2f, 1, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5f, 5.7f, 4.5f, 5.7f),
		     1e-7);
	sb_tensor_release(y);
	y = pad("edge", FT(2, SHAPE(3, 2), 1, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f), VEC(0, 2, 0, 0), NULL,
		NULL);
	assert_close(y, 12, D(1, 1, 1, 1.2f, 2.3f, 2.3f, 2.3f, 3.4f, 4.5f, 4.5f, 4.5f, 5.7f), 1e-7);
	sb_tensor_release(y);
	/* 2-D constant around a 2x2, through axes [-2] only... */
	y = pad("constant", FT(2, SHAPE(2, 2), 1, 2, 3, 4), VEC(1, 0), NULL, VEC(-2));
	assert_shape(y, 2, SHAPE(3, 2));
	ASSERT_VALUES(y, 0, 0, 1, 2, 3, 4);
	sb_tensor_release(y);
	/* ... and on both axes, int64 data with a value. */
	y = pad("constant", VEC(1, 2, 3, 4), VEC(1, 1), VEC(-5), NULL);
	assert_int_equal(y->dtype, SB_I64);
	ASSERT_VALUES(y, -5, 1, 2, 3, 4, -5);
	sb_tensor_release(y);
	y = pad("edge", iota(3, SHAPE(2, 2, 2), 0.0f), VEC(0, 1, 0, 0, 0, 1), NULL, NULL);
	assert_shape(y, 3, SHAPE(2, 3, 3));
	ASSERT_VALUES(y, 0, 1, 1, 0, 1, 1, 2, 3, 3, 4, 5, 5, 4, 5, 5, 6, 7, 7);
	sb_tensor_release(y);
}

static void test_pad_relation(void **state)
{
	sb_tensor *pads = VEC(0, 1, 0, 2), *axes = VEC(1);
	sb_tensor *vals[4] = {NULL, pads, NULL, NULL};
	assert_type("float32[batch,7]", rel1(RELAY_OP_PAD, pad_mode("constant"), 2,
					     TYPES(ty(SB_F32, "batch,4"), ty(SB_I64, "4")), vals));
	assert_type("float32[batch,?]", rel1(RELAY_OP_PAD, pad_mode("constant"), 2,
					     TYPES(ty(SB_F32, "batch,w"), ty(SB_I64, "4")), vals));
	assert_type("float32[?,?]", rel1(RELAY_OP_PAD, pad_mode("reflect"), 2,
					 TYPES(ty(SB_F32, "batch,4"), ty(SB_I64, "4")), NULL));
	/* Pads unknown but axes known: the other axes keep their dims. */
	sb_tensor *v2[4] = {NULL, NULL, NULL, axes};
	assert_type("float32[batch,?]",
		    rel1(RELAY_OP_PAD, pad_mode("constant"), 4,
			 TYPES(ty(SB_F32, "batch,4"), ty(SB_I64, "2"), NULL, ty(SB_I64, "1")), v2));
	/* Errors: wrong pads length, too much cropping, bad mode, value dtype. */
	sb_tensor *v3[4] = {NULL, pads, NULL, axes};
	assert_type("invalid",
		    rel1(RELAY_OP_PAD, pad_mode("constant"), 4,
			 TYPES(ty(SB_F32, "3,4"), ty(SB_I64, "4"), NULL, ty(SB_I64, "1")), v3));
	sb_tensor *crop = VEC(-3, 0, -2, 0);
	sb_tensor *v4[4] = {NULL, crop};
	assert_type("invalid", rel1(RELAY_OP_PAD, pad_mode("constant"), 2,
				    TYPES(ty(SB_F32, "4,4"), ty(SB_I64, "4")), v4));
	assert_type("invalid", rel1(RELAY_OP_PAD, pad_mode("mirror"), 2,
				    TYPES(ty(SB_F32, "4,4"), ty(SB_I64, "4")), vals));
	assert_type("invalid",
		    rel1(RELAY_OP_PAD, pad_mode("constant"), 3,
			 TYPES(ty(SB_F32, "4,4"), ty(SB_I64, "4"), ty(SB_F64, "")), vals));
	release_all(1, &pads);
	release_all(1, &axes);
	release_all(1, &crop);
}

/* ---- DepthToSpace / SpaceToDepth ---- */

static relay_attrs_depth_to_space *ds_attrs(int64_t b, const char *mode)
{
	relay_attrs_depth_to_space *a = relay_attrs_new(M, RELAY_ATTRS_depth_to_space);
	a->blocksize = b;
	a->mode = relay_intern(M, mode);
	return a;
}

static void test_depth_to_space(void **state)
{
	int64_t N = 2, C = 8, H = 2, W = 3, b = 2, Cp = C / (b * b);
	sb_tensor *x = iota(4, SHAPE(N, C, H, W), 0.0f);
	for (int crd = 0; crd < 2; crd++) {
		sb_tensor *y =
		    run1(RELAY_OP_DEPTH_TO_SPACE, ds_attrs(b, crd ? "CRD" : "DCR"), 1, &x);
		assert_shape(y, 4, SHAPE(N, Cp, H * b, W * b));
		/* DCR reads the input as [N, b, b, C', H, W], CRD as [N, C', b, b, H, W]. */
		for (int64_t n = 0; n < N; n++)
			for (int64_t c = 0; c < Cp; c++)
				for (int64_t h = 0; h < H * b; h++)
					for (int64_t w = 0; w < W * b; w++) {
						int64_t i = h % b, j = w % b;
						int64_t src = crd ? c * b * b + i * b + j
								  : (i * b + j) * Cp + c;
						double expect =
						    (double)(((n * C + src) * H + h / b) * W +
							     w / b);
						double got = sb_tensor_get_f64(
						    y, ((n * Cp + c) * H * b + h) * W * b + w);
						assert_true(got == expect);
					}
		/* SpaceToDepth undoes DCR. */
		if (!crd) {
			sb_tensor *z = run1(RELAY_OP_SPACE_TO_DEPTH, ds_attrs(b, "DCR"), 1, &y);
			assert_shape(z, 4, SHAPE(N, C, H, W));
			assert_true(memcmp(z->dl.data, x->dl.data, sb_tensor_nbytes(x)) == 0);
			sb_tensor_release(z);
		}
		sb_tensor_release(y);
	}
	sb_tensor_release(x);
	/* The ONNX SpaceToDepth example on a 1x1x2x4 input, blocksize 2. */
	x = iota(4, SHAPE(1, 1, 2, 4), 0.0f);
	sb_tensor *y = run1(RELAY_OP_SPACE_TO_DEPTH, ds_attrs(2, "DCR"), 1, &x);
	assert_shape(y, 4, SHAPE(1, 4, 1, 2));
	ASSERT_VALUES(y, 0, 2, 1, 3, 4, 6, 5, 7);
	sb_tensor_release(y);
	sb_tensor_release(x);
	/* Other dtypes move bytes the same way. */
	uint16_t hv[8] = {10, 11, 12, 13, 14, 15, 16, 17};
	x = tensor(SB_F16, 4, SHAPE(1, 4, 1, 2), hv);
	y = run1(RELAY_OP_DEPTH_TO_SPACE, ds_attrs(2, "DCR"), 1, &x);
	uint16_t expect[8] = {10, 12, 11, 13, 14, 16, 15, 17};
	assert_true(memcmp(y->dl.data, expect, sizeof expect) == 0);
	sb_tensor_release(y);
	sb_tensor_release(x);
}

static void test_depth_to_space_relation(void **state)
{
	assert_type("float32[N,2,?,6]", rel1(RELAY_OP_DEPTH_TO_SPACE, ds_attrs(2, "CRD"), 1,
					     TYPES(ty(SB_F32, "N,8,h,3")), NULL));
	assert_type("float32[N,32,?,3]", rel1(RELAY_OP_SPACE_TO_DEPTH, ds_attrs(2, "DCR"), 1,
					      TYPES(ty(SB_F32, "N,8,h,6")), NULL));
	assert_type("invalid", rel1(RELAY_OP_DEPTH_TO_SPACE, ds_attrs(2, "DCR"), 1,
				    TYPES(ty(SB_F32, "1,6,2,2")), NULL));
	assert_type("invalid", rel1(RELAY_OP_SPACE_TO_DEPTH, ds_attrs(2, "DCR"), 1,
				    TYPES(ty(SB_F32, "1,6,3,2")), NULL));
	assert_type("invalid", rel1(RELAY_OP_DEPTH_TO_SPACE, ds_attrs(2, "RCD"), 1,
				    TYPES(ty(SB_F32, "1,8,2,2")), NULL));
	assert_type("invalid", rel1(RELAY_OP_DEPTH_TO_SPACE, ds_attrs(0, "DCR"), 1,
				    TYPES(ty(SB_F32, "1,8,2,2")), NULL));
	assert_type("invalid", rel1(RELAY_OP_DEPTH_TO_SPACE, ds_attrs(2, "DCR"), 1,
				    TYPES(ty(SB_F32, "8,2,2")), NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_conv_relation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conv_relation_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conv_hand, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conv_formula, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conv_depthwise, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conv_auto_pad, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conv_transpose_hand, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conv_transpose_formula, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conv_transpose_relation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pool_relation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_max_pool, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_average_pool, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_global_pool, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resize_relation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resize_nearest, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resize_linear, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resize_cubic, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_upsample, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pad_kernel, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pad_relation, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_depth_to_space, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_depth_to_space_relation, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
