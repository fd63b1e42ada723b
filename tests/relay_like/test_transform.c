/* Type relations of the shape / indexing / data-movement ops, above all how
 * they keep unknown (named) dims, and their kernels on small tensors whose
 * expected values are worked out by hand or by a plain formula here. */
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

/* "float32[batch,?,256]" style: a digit run is a known dim, '?' unknown,
 * a name a named unknown dim; "[...]" an unknown rank. */
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
static char *rel1(relay_op op, const void *attrs, int nin, const relay_type **in,
		  sb_tensor **values)
{
	const relay_type *out[1] = {NULL};
	sb_status st = rel(op, attrs, nin, in, values, 1, out);
	if (st)
		return sb_xstrdup(sb_status_name(st));
	return type_text(out[0]);
}

#define assert_type(expected, got)                                                                 \
	do {                                                                                       \
		char *s_ = (got);                                                                  \
		assert_string_equal(s_, expected);                                                 \
		free(s_);                                                                          \
	} while (0)

/* Runs relation + kernel the way the interpreter does: every input value
 * known, outputs allocated from the relation's shapes. */
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
	sb_status st = run(op, attrs, nin, in, 1, out);
	if (st)
		fail_msg("%s", sb_last_error());
	return out[0];
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
#define I32(...) ((const int32_t[]){__VA_ARGS__})
#define FT(rank, shape, ...) tensor(SB_F32, rank, shape, F32(__VA_ARGS__))
#define IT(rank, shape, ...) tensor(SB_I64, rank, shape, I64(__VA_ARGS__))
#define VEC(...) tensor(SB_I64, 1, SHAPE(sizeof(I64(__VA_ARGS__)) / 8), I64(__VA_ARGS__))

/* f32 iota 0, 1, 2, ... */
static sb_tensor *iota(int rank, const int64_t *shape)
{
	sb_tensor *t = sb_tensor_new(SB_F32, rank, shape);
	for (int64_t i = 0; i < sb_tensor_numel(t); i++)
		((float *)t->dl.data)[i] = (float)i;
	return t;
}

static void assert_shape(const sb_tensor *t, int rank, const int64_t *shape)
{
	char a[128], b[128];
	sb_shape_format(t->dl.ndim, t->shape, a, sizeof a);
	sb_shape_format(rank, shape, b, sizeof b);
	assert_string_equal(a, b);
}

static void assert_f32(const sb_tensor *t, int64_t n, const float *expect)
{
	assert_int_equal(t->dtype, SB_F32);
	assert_int_equal(sb_tensor_numel(t), n);
	for (int64_t i = 0; i < n; i++)
		if (((const float *)t->dl.data)[i] != expect[i])
			fail_msg("element %lld: %g, expected %g", (long long)i,
				 ((const float *)t->dl.data)[i], expect[i]);
}
#define ASSERT_F32(t, ...) assert_f32(t, sizeof(F32(__VA_ARGS__)) / 4, F32(__VA_ARGS__))

static void assert_i64(const sb_tensor *t, int64_t n, const int64_t *expect)
{
	assert_int_equal(sb_tensor_numel(t), n);
	for (int64_t i = 0; i < n; i++)
		if (sb_tensor_get_i64(t, i) != expect[i])
			fail_msg("element %lld: %lld, expected %lld", (long long)i,
				 (long long)sb_tensor_get_i64(t, i), (long long)expect[i]);
}
#define ASSERT_I64(t, ...) assert_i64(t, sizeof(I64(__VA_ARGS__)) / 8, I64(__VA_ARGS__))

static void release_all(int n, sb_tensor **t)
{
	for (int i = 0; i < n; i++)
		sb_tensor_release(t[i]);
}

/* ---- relations with unknown dims ---- */

static void test_reshape_relation(void **state)
{
	const relay_type *x = ty(SB_F32, "batch,seq,256");
	const relay_type *in[2] = {x, ty(SB_I64, "4")};
	/* Shape value unknown but of known length: rank only. */
	assert_type("float32[?,?,?,?]", rel1(RELAY_OP_RESHAPE, NULL, 2, in, NULL));
	/* Unknown length: unknown rank. */
	in[1] = ty(SB_I64, "?");
	assert_type("float32[...]", rel1(RELAY_OP_RESHAPE, NULL, 2, in, NULL));

	in[1] = ty(SB_I64, "4");
	sb_tensor *v[2] = {NULL, VEC(0, 0, 4, 64)};
	assert_type("float32[batch,seq,4,64]", rel1(RELAY_OP_RESHAPE, NULL, 2, in, v));
	sb_tensor_release(v[1]);

	/* The unknown dims are copied in place, so the -1 is 4*64. */
	in[0] = ty(SB_F32, "batch,seq,4,64");
	in[1] = ty(SB_I64, "3");
	v[1] = VEC(0, 0, -1);
	assert_type("float32[batch,seq,256]", rel1(RELAY_OP_RESHAPE, NULL, 2, in, v));
	sb_tensor_release(v[1]);

	/* batch is not copied in place: the -1 is unknown. */
	in[0] = x;
	in[1] = ty(SB_I64, "2");
	v[1] = VEC(-1, 64);
	assert_type("float32[?,64]", rel1(RELAY_OP_RESHAPE, NULL, 2, in, v));
	sb_tensor_release(v[1]);

	/* Static: 24 elements, -1 = 24 / (4*3) = 2; the 0 copies dim 1. */
	in[0] = ty(SB_F32, "2,3,4");
	in[1] = ty(SB_I64, "3");
	v[1] = VEC(4, 0, -1);
	assert_type("float32[4,3,2]", rel1(RELAY_OP_RESHAPE, NULL, 2, in, v));
	sb_tensor_release(v[1]);

	/* Errors: two -1, 24 not divisible by 5, size mismatch, 0 past rank. */
	int64_t bad[][3] = {{-1, -1, 2}, {5, -1, 1}, {5, 5, 1}, {2, 12, -2}};
	for (size_t i = 0; i < SB_ARRAY_LEN(bad); i++) {
		v[1] = tensor(SB_I64, 1, SHAPE(3), bad[i]);
		assert_type("invalid", rel1(RELAY_OP_RESHAPE, NULL, 2, in, v));
		sb_tensor_release(v[1]);
	}
	in[0] = ty(SB_F32, "6");
	v[1] = VEC(6, 0);
	assert_type("invalid", rel1(RELAY_OP_RESHAPE, NULL, 2, in, v));
	sb_tensor_release(v[1]);

	/* allowzero: 0 is a real 0, and 0 with -1 is invalid. */
	relay_attrs_reshape *az = relay_attrs_new(M, RELAY_ATTRS_reshape);
	az->allowzero = 1;
	in[0] = ty(SB_F32, "0,3");
	in[1] = ty(SB_I64, "2");
	v[1] = VEC(3, 0);
	assert_type("float32[3,0]", rel1(RELAY_OP_RESHAPE, az, 2, in, v));
	sb_tensor_release(v[1]);
	v[1] = VEC(0, -1);
	assert_type("invalid", rel1(RELAY_OP_RESHAPE, az, 2, in, v));
	sb_tensor_release(v[1]);
	/* Without allowzero the 0 copies the 0 and the -1 is ambiguous. */
	assert_type("invalid",
		    rel1(RELAY_OP_RESHAPE, NULL, 2, in, (sb_tensor *[]){NULL, v[1] = VEC(0, -1)}));
	sb_tensor_release(v[1]);

	/* A float shape is rejected. */
	in[1] = ty(SB_F32, "2");
	assert_type("invalid", rel1(RELAY_OP_RESHAPE, NULL, 2, in, NULL));
}

static void test_bert_shape_chain_relation(void **state)
{
	/* Shape -> Gather -> Unsqueeze -> Concat -> Reshape, values unknown. */
	const relay_type *x = ty(SB_F32, "batch,seq,256");
	const relay_type *in[4] = {x};
	const relay_type *out[1];
	assert_int_equal(rel(RELAY_OP_SHAPE, NULL, 1, in, NULL, 1, out), SB_OK);
	assert_type("int64[3]", type_text(out[0]));

	relay_attrs_axis0 *ax = relay_attrs_new(M, RELAY_ATTRS_axis0);
	in[0] = out[0];
	in[1] = ty(SB_I64, "");
	assert_int_equal(rel(RELAY_OP_GATHER, ax, 2, in, NULL, 1, out), SB_OK);
	assert_type("int64[]", type_text(out[0]));

	sb_tensor *v[2] = {NULL, VEC(0)};
	in[0] = out[0];
	in[1] = ty(SB_I64, "1");
	assert_int_equal(rel(RELAY_OP_UNSQUEEZE, NULL, 2, in, v, 1, out), SB_OK);
	assert_type("int64[1]", type_text(out[0]));
	sb_tensor_release(v[1]);

	in[0] = in[1] = in[2] = out[0];
	in[3] = ty(SB_I64, "1");
	assert_int_equal(rel(RELAY_OP_CONCAT, ax, 4, in, NULL, 1, out), SB_OK);
	assert_type("int64[4]", type_text(out[0]));

	in[0] = x;
	in[1] = out[0];
	assert_type("float32[?,?,?,?]", rel1(RELAY_OP_RESHAPE, NULL, 2, in, NULL));
}

static void test_transpose_relation(void **state)
{
	relay_attrs_transpose *a = relay_attrs_new(M, RELAY_ATTRS_transpose);
	const relay_type *in[1] = {ty(SB_F32, "batch,seq,4,64")};
	a->perm = relay_ints_make(M, 4, I64(0, 2, 1, 3));
	assert_type("float32[batch,4,seq,64]", rel1(RELAY_OP_TRANSPOSE, a, 1, in, NULL));
	assert_type("float32[64,4,seq,batch]", rel1(RELAY_OP_TRANSPOSE, NULL, 1, in, NULL));
	a->perm = relay_ints_make(M, 4, I64(0, 2, 2, 3));
	assert_type("invalid", rel1(RELAY_OP_TRANSPOSE, a, 1, in, NULL));
	a->perm = relay_ints_make(M, 3, I64(0, 2, 1));
	assert_type("invalid", rel1(RELAY_OP_TRANSPOSE, a, 1, in, NULL));
	in[0] = ty(SB_F32, "...");
	assert_type("float32[?,?,?]", rel1(RELAY_OP_TRANSPOSE, a, 1, in, NULL));
}

static void test_concat_split_relation(void **state)
{
	relay_attrs_axis0 *a = relay_attrs_new(M, RELAY_ATTRS_axis0);
	a->axis = -1;
	const relay_type *in[2] = {ty(SB_F32, "batch,3"), ty(SB_F32, "batch,5")};
	assert_type("float32[batch,8]", rel1(RELAY_OP_CONCAT, a, 2, in, NULL));
	in[1] = ty(SB_F32, "batch,?");
	assert_type("float32[batch,?]", rel1(RELAY_OP_CONCAT, a, 2, in, NULL));
	a->axis = 0;
	in[1] = ty(SB_F32, "2,3");
	assert_type("float32[?,3]", rel1(RELAY_OP_CONCAT, a, 2, in, NULL));
	in[1] = ty(SB_F32, "2,4");
	assert_type("invalid", rel1(RELAY_OP_CONCAT, a, 2, in, NULL));
	in[1] = ty(SB_I64, "2,3");
	assert_type("invalid", rel1(RELAY_OP_CONCAT, a, 2, in, NULL));
	in[1] = ty(SB_F32, "3");
	assert_type("invalid", rel1(RELAY_OP_CONCAT, a, 2, in, NULL));

	relay_attrs_split *s = relay_attrs_new(M, RELAY_ATTRS_split);
	const relay_type *out[3];
	s->axis = 1;
	in[0] = ty(SB_F32, "batch,6");
	assert_int_equal(rel(RELAY_OP_SPLIT, s, 1, in, NULL, 3, out), SB_OK);
	for (int j = 0; j < 3; j++)
		assert_type("float32[batch,2]", type_text(out[j]));
	in[1] = ty(SB_I64, "2");
	sb_tensor *v[2] = {NULL, VEC(1, 5)};
	assert_int_equal(rel(RELAY_OP_SPLIT, s, 2, in, v, 2, out), SB_OK);
	assert_type("float32[batch,1]", type_text(out[0]));
	assert_type("float32[batch,5]", type_text(out[1]));
	assert_int_equal(rel(RELAY_OP_SPLIT, s, 2, in, v, 3, out), SB_ERR_INVALID);
	sb_tensor_release(v[1]);
	v[1] = VEC(2, 5);
	assert_int_equal(rel(RELAY_OP_SPLIT, s, 2, in, v, 2, out), SB_ERR_INVALID);
	sb_tensor_release(v[1]);
	/* Split sizes unknown: the split dim is. */
	assert_int_equal(rel(RELAY_OP_SPLIT, s, 2, in, NULL, 2, out), SB_OK);
	assert_type("float32[batch,?]", type_text(out[1]));
	/* 6 does not split into 4 equal parts... */
	assert_int_equal(rel(RELAY_OP_SPLIT, s, 1, in, NULL, 4, out), SB_ERR_INVALID);
	/* ...but num_outputs (opset 18) gives ceil chunks: 7 -> 3, 3, 1. */
	s->num_outputs = 3;
	in[0] = ty(SB_F32, "batch,7");
	assert_int_equal(rel(RELAY_OP_SPLIT, s, 1, in, NULL, 3, out), SB_OK);
	assert_type("float32[batch,3]", type_text(out[0]));
	assert_type("float32[batch,1]", type_text(out[2]));
	assert_int_equal(rel(RELAY_OP_SPLIT, s, 1, in, NULL, 2, out), SB_ERR_INVALID);
	/* Unknown split dim. */
	s->num_outputs = 0;
	s->axis = 0;
	assert_int_equal(rel(RELAY_OP_SPLIT, s, 1, in, NULL, 2, out), SB_OK);
	assert_type("float32[?,7]", type_text(out[0]));
}

static void test_slice_relation(void **state)
{
	const relay_type *in[5] = {ty(SB_F32, "batch,10"), ty(SB_I64, "1"), ty(SB_I64, "1"),
				   ty(SB_I64, "1"), ty(SB_I64, "1")};
	sb_tensor *v[5] = {NULL, VEC(-1), VEC(INT64_MIN), VEC(1), VEC(-3)};
	/* 9, 6, 3, 0 */
	assert_type("float32[batch,4]", rel1(RELAY_OP_SLICE, NULL, 5, in, v));
	/* The whole of the unknown axis keeps its name. */
	sb_tensor *w[5] = {NULL, VEC(0), VEC(INT64_MAX), VEC(0), VEC(1)};
	assert_type("float32[batch,10]", rel1(RELAY_OP_SLICE, NULL, 5, in, w));
	sb_tensor_release(w[1]);
	w[1] = VEC(1);
	assert_type("float32[?,10]", rel1(RELAY_OP_SLICE, NULL, 5, in, w));
	/* Unknown starts: the sliced axis is unknown, the other kept. */
	w[1] = (sb_tensor_release(w[1]), NULL);
	sb_tensor_release(w[3]);
	w[3] = VEC(1);
	assert_type("float32[batch,?]", rel1(RELAY_OP_SLICE, NULL, 5, in, w));
	/* Axes absent, starts of length 1: axis 0. */
	assert_type("float32[?,10]", rel1(RELAY_OP_SLICE, NULL, 3, in, NULL));
	/* step 0, repeated axis. */
	sb_tensor *z[5] = {NULL, VEC(0), VEC(1), VEC(1), VEC(0)};
	assert_type("invalid", rel1(RELAY_OP_SLICE, NULL, 5, in, z));
	sb_tensor *d[5] = {NULL, VEC(0, 0), VEC(1, 1), VEC(1, -1), VEC(1, 1)};
	const relay_type *in2[5] = {in[0], ty(SB_I64, "2"), ty(SB_I64, "2"), ty(SB_I64, "2"),
				    ty(SB_I64, "2")};
	assert_type("invalid", rel1(RELAY_OP_SLICE, NULL, 5, in2, d));
	release_all(5, v);
	release_all(5, w);
	release_all(5, z);
	release_all(5, d);
}

static void test_squeeze_unsqueeze_relation(void **state)
{
	const relay_type *in[2] = {ty(SB_F32, "batch,1,seq,1"), ty(SB_I64, "1")};
	sb_tensor *v[2] = {NULL, VEC(-1)};
	assert_type("float32[batch,1,seq]", rel1(RELAY_OP_SQUEEZE, NULL, 2, in, v));
	sb_tensor_release(v[1]);
	v[1] = VEC(0);
	/* batch could be 1 at run time: allowed. */
	assert_type("float32[1,seq,1]", rel1(RELAY_OP_SQUEEZE, NULL, 2, in, v));
	/* No axes: unknown dims might be 1, so the rank is unknown... */
	assert_type("float32[...]", rel1(RELAY_OP_SQUEEZE, NULL, 1, in, NULL));
	/* ...unless every dim is known. */
	in[0] = ty(SB_F32, "1,3,1,2");
	assert_type("float32[3,2]", rel1(RELAY_OP_SQUEEZE, NULL, 1, in, NULL));
	sb_tensor_release(v[1]);
	v[1] = VEC(1);
	assert_type("invalid", rel1(RELAY_OP_SQUEEZE, NULL, 2, in, v));
	sb_tensor_release(v[1]);

	in[0] = ty(SB_F32, "batch,seq");
	in[1] = ty(SB_I64, "2");
	v[1] = VEC(-1, 1);
	/* Output rank 4: -1 is 3, then 1. */
	assert_type("float32[batch,1,seq,1]", rel1(RELAY_OP_UNSQUEEZE, NULL, 2, in, v));
	sb_tensor_release(v[1]);
	v[1] = VEC(0, -4);
	assert_type("invalid", rel1(RELAY_OP_UNSQUEEZE, NULL, 2, in, v));
	sb_tensor_release(v[1]);
	assert_type("float32[?,?,?,?]", rel1(RELAY_OP_UNSQUEEZE, NULL, 2, in, NULL));
}

static void test_misc_relations(void **state)
{
	const relay_type *in[3] = {ty(SB_F32, "batch,1,4"), ty(SB_I64, "2")};
	sb_tensor *v[3] = {NULL, VEC(3, 1)};
	assert_type("float32[batch,3,4]", rel1(RELAY_OP_EXPAND, NULL, 2, in, v));
	sb_tensor_release(v[1]);
	v[1] = VEC(3, 5);
	assert_type("invalid", rel1(RELAY_OP_EXPAND, NULL, 2, in, v));
	sb_tensor_release(v[1]);
	in[1] = ty(SB_I64, "4");
	assert_type("float32[?,?,?,4]", rel1(RELAY_OP_EXPAND, NULL, 2, in, NULL));

	in[0] = ty(SB_F32, "batch,3");
	in[1] = ty(SB_I64, "2");
	v[1] = VEC(1, 2);
	assert_type("float32[batch,6]", rel1(RELAY_OP_TILE, NULL, 2, in, v));
	sb_tensor_release(v[1]);
	v[1] = VEC(2);
	assert_type("invalid", rel1(RELAY_OP_TILE, NULL, 2, in, v));
	sb_tensor_release(v[1]);

	relay_attrs_axis1 *f = relay_attrs_new(M, RELAY_ATTRS_axis1);
	in[0] = ty(SB_F32, "batch,3,4");
	assert_type("float32[batch,12]", rel1(RELAY_OP_FLATTEN, f, 1, in, NULL));
	f->axis = 0;
	assert_type("float32[1,?]", rel1(RELAY_OP_FLATTEN, f, 1, in, NULL));
	f->axis = -1;
	assert_type("float32[?,4]", rel1(RELAY_OP_FLATTEN, f, 1, in, NULL));
	f->axis = 4;
	assert_type("invalid", rel1(RELAY_OP_FLATTEN, f, 1, in, NULL));

	relay_attrs_shape *s = relay_attrs_new(M, RELAY_ATTRS_shape);
	s->start = 1;
	s->end = -1;
	assert_type("int64[1]", rel1(RELAY_OP_SHAPE, s, 1, in, NULL));
	s->start = -10;
	s->end = 10;
	assert_type("int64[3]", rel1(RELAY_OP_SHAPE, s, 1, in, NULL));
	assert_type("int64[]", rel1(RELAY_OP_SIZE, NULL, 1, in, NULL));

	assert_type("int64[2,?]", rel1(RELAY_OP_NON_ZERO, NULL, 1,
				       (const relay_type *[]){ty(SB_F32, "batch,3")}, NULL));

	relay_attrs_axis0 *g = relay_attrs_new(M, RELAY_ATTRS_axis0);
	g->axis = 1;
	in[0] = ty(SB_F32, "batch,10,8");
	in[1] = ty(SB_I64, "seq,2");
	assert_type("float32[batch,seq,2,8]", rel1(RELAY_OP_GATHER, g, 2, in, NULL));
	in[1] = ty(SB_F32, "seq");
	assert_type("invalid", rel1(RELAY_OP_GATHER, g, 2, in, NULL));

	relay_attrs_gather_nd *nd = relay_attrs_new(M, RELAY_ATTRS_gather_nd);
	nd->batch_dims = 1;
	in[0] = ty(SB_F32, "batch,5,6,7");
	in[1] = ty(SB_I64, "?,3,2");
	assert_type("float32[batch,3,7]", rel1(RELAY_OP_GATHER_ND, nd, 2, in, NULL));
	in[1] = ty(SB_I64, "?,3,4");
	assert_type("invalid", rel1(RELAY_OP_GATHER_ND, nd, 2, in, NULL));

	relay_attrs_one_hot *oh = relay_attrs_new(M, RELAY_ATTRS_one_hot);
	oh->axis = -2;
	in[0] = ty(SB_I64, "batch,seq");
	in[1] = ty(SB_I64, "");
	in[2] = ty(SB_F32, "2");
	sb_tensor *dv[3] = {NULL, tensor(SB_I64, 0, NULL, I64(10)), NULL};
	assert_type("float32[batch,10,seq]", rel1(RELAY_OP_ONE_HOT, oh, 3, in, dv));
	assert_type("float32[batch,?,seq]", rel1(RELAY_OP_ONE_HOT, oh, 3, in, NULL));
	sb_tensor_release(dv[1]);

	in[0] = ty(SB_F32, "batch,seq");
	assert_type("float32[batch,seq]", rel1(RELAY_OP_DROPOUT, NULL, 1, in, NULL));
	const relay_type *out[2];
	assert_int_equal(rel(RELAY_OP_DROPOUT, NULL, 1, in, NULL, 2, out), SB_OK);
	assert_type("bool[batch,seq]", type_text(out[1]));
	/* training_mode known true: refused; unknown: typed as inference. */
	in[1] = ty(SB_F32, "");
	in[2] = ty(SB_BOOL, "");
	uint8_t yes = 1;
	sb_tensor *tv[3] = {NULL, NULL, tensor(SB_BOOL, 0, NULL, &yes)};
	assert_type("unsupported", rel1(RELAY_OP_DROPOUT, NULL, 3, in, tv));
	assert_type("float32[batch,seq]", rel1(RELAY_OP_DROPOUT, NULL, 3, in, NULL));
	sb_tensor_release(tv[2]);

	in[0] = ty(SB_F32, "3");
	assert_type("invalid", rel1(RELAY_OP_TRILU, NULL, 1, in, NULL));
	in[0] = ty(SB_I64, "4");
	assert_type("float32[?,?,?,?]", rel1(RELAY_OP_CONSTANT_OF_SHAPE, NULL, 1, in, NULL));
	assert_type("float32[?]",
		    rel1(RELAY_OP_RANGE, NULL, 3,
			 (const relay_type *[]){ty(SB_F32, ""), ty(SB_F32, ""), ty(SB_F32, "")},
			 NULL));
	assert_type("invalid",
		    rel1(RELAY_OP_RANGE, NULL, 3,
			 (const relay_type *[]){ty(SB_F32, ""), ty(SB_I64, ""), ty(SB_F32, "")},
			 NULL));
	assert_type("float32[batch,seq]",
		    rel1(RELAY_OP_EYE_LIKE, NULL, 1,
			 (const relay_type *[]){ty(SB_F32, "batch,seq")}, NULL));
}

/* ---- kernels ---- */

static void test_reshape_kernel(void **state)
{
	sb_tensor *in[2] = {iota(3, SHAPE(2, 3, 4)), VEC(4, 0, -1)};
	sb_tensor *y = run1(RELAY_OP_RESHAPE, NULL, 2, in);
	assert_shape(y, 3, SHAPE(4, 3, 2));
	for (int i = 0; i < 24; i++)
		assert_true(((float *)y->dl.data)[i] == (float)i);
	sb_tensor_release(y);
	sb_tensor_release(in[1]);
	/* Empty: [0,3] -> allowzero [3,0]. */
	relay_attrs_reshape *az = relay_attrs_new(M, RELAY_ATTRS_reshape);
	az->allowzero = 1;
	sb_tensor_release(in[0]);
	in[0] = sb_tensor_new(SB_F32, 2, SHAPE(0, 3));
	in[1] = VEC(3, 0);
	y = run1(RELAY_OP_RESHAPE, az, 2, in);
	assert_shape(y, 2, SHAPE(3, 0));
	sb_tensor_release(y);
	release_all(2, in);
}

static void test_transpose_kernel(void **state)
{
	relay_attrs_transpose *a = relay_attrs_new(M, RELAY_ATTRS_transpose);
	/* [2,3] default perm. */
	sb_tensor *x = FT(2, SHAPE(2, 3), 1, 2, 3, 4, 5, 6);
	sb_tensor *y = run1(RELAY_OP_TRANSPOSE, NULL, 1, &x);
	assert_shape(y, 2, SHAPE(3, 2));
	ASSERT_F32(y, 1, 4, 2, 5, 3, 6);
	sb_tensor_release(y);
	sb_tensor_release(x);

	/* Every permutation of [2,3,4,5] against y[i] = x[index by perm]. */
	const int64_t dims[4] = {2, 3, 4, 5};
	x = iota(4, dims);
	int perms[][4] = {{0, 2, 1, 3}, {3, 2, 1, 0}, {1, 3, 0, 2}, {2, 0, 3, 1}, {0, 1, 3, 2}};
	for (size_t p = 0; p < SB_ARRAY_LEN(perms); p++) {
		int64_t pv[4];
		for (int i = 0; i < 4; i++)
			pv[i] = perms[p][i];
		a->perm = relay_ints_make(M, 4, pv);
		y = run1(RELAY_OP_TRANSPOSE, a, 1, &x);
		int64_t od[4], c[4];
		for (int i = 0; i < 4; i++)
			od[i] = dims[pv[i]];
		assert_shape(y, 4, od);
		for (c[0] = 0; c[0] < od[0]; c[0]++)
			for (c[1] = 0; c[1] < od[1]; c[1]++)
				for (c[2] = 0; c[2] < od[2]; c[2]++)
					for (c[3] = 0; c[3] < od[3]; c[3]++) {
						int64_t ic[4];
						for (int i = 0; i < 4; i++)
							ic[pv[i]] = c[i];
						int64_t src =
						    ((ic[0] * 3 + ic[1]) * 4 + ic[2]) * 5 + ic[3];
						int64_t dst =
						    ((c[0] * od[1] + c[1]) * od[2] + c[2]) * od[3] +
						    c[3];
						assert_true(((float *)y->dl.data)[dst] ==
							    (float)src);
					}
		sb_tensor_release(y);
	}
	sb_tensor_release(x);

	/* Byte-moving for other dtypes: int8 and float16 (bits) [2,2,3] perm 2,0,1. */
	a->perm = relay_ints_make(M, 3, I64(2, 0, 1));
	int8_t b8[12];
	uint16_t b16[12];
	for (int i = 0; i < 12; i++) {
		b8[i] = (int8_t)(i - 6);
		b16[i] = sb_f32_to_f16((float)i + 0.5f);
	}
	sb_tensor *x8 = tensor(SB_I8, 3, SHAPE(2, 2, 3), b8);
	sb_tensor *x16 = tensor(SB_F16, 3, SHAPE(2, 2, 3), b16);
	sb_tensor *y8 = run1(RELAY_OP_TRANSPOSE, a, 1, &x8);
	sb_tensor *y16 = run1(RELAY_OP_TRANSPOSE, a, 1, &x16);
	assert_shape(y8, 3, SHAPE(3, 2, 2));
	for (int k = 0; k < 3; k++)
		for (int i = 0; i < 2; i++)
			for (int j = 0; j < 2; j++) {
				int src = (i * 2 + j) * 3 + k, dst = (k * 2 + i) * 2 + j;
				assert_int_equal(((int8_t *)y8->dl.data)[dst], b8[src]);
				assert_int_equal(((uint16_t *)y16->dl.data)[dst], b16[src]);
			}
	release_all(1, &x8);
	release_all(1, &x16);
	release_all(1, &y8);
	release_all(1, &y16);

	/* Empty input. */
	x = sb_tensor_new(SB_F32, 2, SHAPE(0, 3));
	y = run1(RELAY_OP_TRANSPOSE, NULL, 1, &x);
	assert_shape(y, 2, SHAPE(3, 0));
	release_all(1, &x);
	release_all(1, &y);
}

static void test_concat_split_kernel(void **state)
{
	relay_attrs_axis0 *a = relay_attrs_new(M, RELAY_ATTRS_axis0);
	a->axis = -1;
	sb_tensor *in[3] = {FT(2, SHAPE(2, 1), 1, 2), FT(2, SHAPE(2, 2), 3, 4, 5, 6),
			    sb_tensor_new(SB_F32, 2, SHAPE(2, 0))};
	sb_tensor *y = run1(RELAY_OP_CONCAT, a, 3, in);
	assert_shape(y, 2, SHAPE(2, 3));
	ASSERT_F32(y, 1, 3, 4, 2, 5, 6);
	sb_tensor_release(y);
	a->axis = -2;
	sb_tensor *rows[2] = {FT(2, SHAPE(1, 2), 1, 2), FT(2, SHAPE(2, 2), 3, 4, 5, 6)};
	y = run1(RELAY_OP_CONCAT, a, 2, rows);
	ASSERT_F32(y, 1, 2, 3, 4, 5, 6);
	sb_tensor_release(y);
	release_all(3, in);
	release_all(2, rows);

	/* Split [2,6] along 1: equal into 3, sizes [1,5], num_outputs 4 on 6 -> 2,2,2,0. */
	relay_attrs_split *s = relay_attrs_new(M, RELAY_ATTRS_split);
	s->axis = 1;
	sb_tensor *x[2] = {iota(2, SHAPE(2, 6)), NULL};
	sb_tensor *out[4];
	assert_int_equal(run(RELAY_OP_SPLIT, s, 1, x, 3, out), SB_OK);
	ASSERT_F32(out[0], 0, 1, 6, 7);
	ASSERT_F32(out[1], 2, 3, 8, 9);
	ASSERT_F32(out[2], 4, 5, 10, 11);
	release_all(3, out);
	x[1] = VEC(1, 5);
	assert_int_equal(run(RELAY_OP_SPLIT, s, 2, x, 2, out), SB_OK);
	ASSERT_F32(out[0], 0, 6);
	ASSERT_F32(out[1], 1, 2, 3, 4, 5, 7, 8, 9, 10, 11);
	release_all(2, out);
	sb_tensor_release(x[1]);
	x[1] = NULL;
	s->num_outputs = 4;
	assert_int_equal(run(RELAY_OP_SPLIT, s, 2, x, 4, out), SB_OK);
	assert_shape(out[3], 2, SHAPE(2, 0));
	ASSERT_F32(out[2], 4, 5, 10, 11);
	release_all(4, out);
	sb_tensor_release(x[0]);
	/* Zero-size splits of an empty tensor. */
	s->num_outputs = 0;
	s->axis = 0;
	x[0] = sb_tensor_new(SB_F32, 1, SHAPE(0));
	x[1] = VEC(0, 0, 0);
	assert_int_equal(run(RELAY_OP_SPLIT, s, 2, x, 3, out), SB_OK);
	assert_shape(out[2], 1, SHAPE(0));
	release_all(3, out);
	release_all(2, x);
}

static void test_slice_kernel(void **state)
{
	sb_tensor *x = iota(1, SHAPE(10));
	/* Negative step from the end, end at INT64_MIN: 9, 6, 3, 0. */
	sb_tensor *in[5] = {x, VEC(-1), VEC(INT64_MIN), VEC(0), VEC(-3)};
	sb_tensor *y = run1(RELAY_OP_SLICE, NULL, 5, in);
	ASSERT_F32(y, 9, 6, 3, 0);
	sb_tensor_release(y);
	/* Start past the end clamps to 9, end -20 clamps to -1: all reversed. */
	release_all(1, &in[1]);
	release_all(1, &in[2]);
	release_all(1, &in[4]);
	in[1] = VEC(20);
	in[2] = VEC(-20);
	in[4] = VEC(-1);
	y = run1(RELAY_OP_SLICE, NULL, 5, in);
	ASSERT_F32(y, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
	sb_tensor_release(y);
	/* Out-of-range forward slice: empty. */
	release_all(1, &in[1]);
	release_all(1, &in[2]);
	release_all(1, &in[4]);
	in[1] = VEC(1000);
	in[2] = VEC(1001);
	in[4] = VEC(1);
	y = run1(RELAY_OP_SLICE, NULL, 5, in);
	assert_shape(y, 1, SHAPE(0));
	sb_tensor_release(y);
	/* Clamped end, default axes and steps (int32 starts/ends): [2:INT_MAX]. */
	sb_tensor *in3[3] = {x, tensor(SB_I32, 1, SHAPE(1), I32(-3)),
			     tensor(SB_I32, 1, SHAPE(1), I32(INT32_MAX))};
	y = run1(RELAY_OP_SLICE, NULL, 3, in3);
	ASSERT_F32(y, 7, 8, 9);
	sb_tensor_release(y);
	release_all(2, in3 + 1);
	release_all(5, in);

	/* 2-D: x[3,4] = 0..11, rows 0:-1, cols 3:0:-2 -> [[3,1],[7,5]]. */
	sb_tensor *m[5] = {iota(2, SHAPE(3, 4)), VEC(0, 3), VEC(-1, 0), VEC(0, -1), VEC(1, -2)};
	y = run1(RELAY_OP_SLICE, NULL, 5, m);
	assert_shape(y, 2, SHAPE(2, 2));
	ASSERT_F32(y, 3, 1, 7, 5);
	sb_tensor_release(y);
	release_all(5, m);
}

static void test_gather_kernel(void **state)
{
	relay_attrs_axis0 *a = relay_attrs_new(M, RELAY_ATTRS_axis0);
	sb_tensor *data = FT(2, SHAPE(3, 3), 1, 2, 3, 4, 5, 6, 7, 8, 9);
	sb_tensor *in[2] = {data, IT(2, SHAPE(1, 2), -1, 0)};
	sb_tensor *y = run1(RELAY_OP_GATHER, a, 2, in);
	assert_shape(y, 3, SHAPE(1, 2, 3));
	ASSERT_F32(y, 7, 8, 9, 1, 2, 3);
	sb_tensor_release(y);
	sb_tensor_release(in[1]);
	a->axis = 1;
	in[1] = tensor(SB_I32, 1, SHAPE(2), I32(-1, 1));
	y = run1(RELAY_OP_GATHER, a, 2, in);
	assert_shape(y, 2, SHAPE(3, 2));
	ASSERT_F32(y, 3, 2, 6, 5, 9, 8);
	sb_tensor_release(y);
	sb_tensor_release(in[1]);
	/* Scalar index drops the axis. */
	in[1] = tensor(SB_I64, 0, NULL, I64(2));
	y = run1(RELAY_OP_GATHER, a, 2, in);
	assert_shape(y, 1, SHAPE(3));
	ASSERT_F32(y, 3, 6, 9);
	sb_tensor_release(y);
	sb_tensor_release(in[1]);
	/* Out of range: an error naming the index and the axis size. */
	in[1] = VEC(0, 3);
	sb_tensor *out[1];
	assert_int_equal(run(RELAY_OP_GATHER, a, 2, in, 1, out), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "index 3"));
	assert_non_null(strstr(sb_last_error(), "size 3"));
	sb_tensor_release(in[1]);
	in[1] = VEC(-4);
	assert_int_equal(run(RELAY_OP_GATHER, a, 2, in, 1, out), SB_ERR_INVALID);
	sb_tensor_release(in[1]);
	/* No indices: empty output. */
	in[1] = sb_tensor_new(SB_I64, 1, SHAPE(0));
	y = run1(RELAY_OP_GATHER, a, 2, in);
	assert_shape(y, 2, SHAPE(3, 0));
	sb_tensor_release(y);
	release_all(2, in);
}

static void test_gather_elements_nd_kernel(void **state)
{
	relay_attrs_axis0 *a = relay_attrs_new(M, RELAY_ATTRS_axis0);
	a->axis = 1;
	sb_tensor *in[2] = {FT(2, SHAPE(2, 2), 1, 2, 3, 4), IT(2, SHAPE(2, 2), 0, 0, 1, 0)};
	sb_tensor *y = run1(RELAY_OP_GATHER_ELEMENTS, a, 2, in);
	ASSERT_F32(y, 1, 1, 4, 3);
	sb_tensor_release(y);
	sb_tensor_release(in[1]);
	/* axis 0, negative indices, indices smaller than data on axis 1. */
	a->axis = 0;
	in[1] = IT(2, SHAPE(1, 1), -1);
	y = run1(RELAY_OP_GATHER_ELEMENTS, a, 2, in);
	ASSERT_F32(y, 3);
	sb_tensor_release(y);
	sb_tensor_release(in[1]);
	in[1] = IT(2, SHAPE(1, 2), 0, 2);
	sb_tensor *out[1];
	assert_int_equal(run(RELAY_OP_GATHER_ELEMENTS, a, 2, in, 1, out), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "index 2"));
	release_all(2, in);

	/* GatherND, batch_dims 0: [[0,1],[2,3]] at (0,0), (1,1), (-1,0). */
	relay_attrs_gather_nd *nd = relay_attrs_new(M, RELAY_ATTRS_gather_nd);
	sb_tensor *g[2] = {FT(2, SHAPE(2, 2), 0, 1, 2, 3), IT(2, SHAPE(3, 2), 0, 0, 1, 1, -1, 0)};
	y = run1(RELAY_OP_GATHER_ND, nd, 2, g);
	assert_shape(y, 1, SHAPE(3));
	ASSERT_F32(y, 0, 3, 2);
	sb_tensor_release(y);
	release_all(2, g);
	/* batch_dims 1: data [2,2,2], indices [[1],[0]] -> [[2,3],[4,5]]. */
	nd->batch_dims = 1;
	g[0] = FT(3, SHAPE(2, 2, 2), 0, 1, 2, 3, 4, 5, 6, 7);
	g[1] = IT(2, SHAPE(2, 1), 1, 0);
	y = run1(RELAY_OP_GATHER_ND, nd, 2, g);
	assert_shape(y, 2, SHAPE(2, 2));
	ASSERT_F32(y, 2, 3, 4, 5);
	sb_tensor_release(y);
	sb_tensor_release(g[1]);
	g[1] = IT(2, SHAPE(2, 1), 1, 2);
	assert_int_equal(run(RELAY_OP_GATHER_ND, nd, 2, g, 1, out), SB_ERR_INVALID);
	release_all(2, g);
}

static void test_scatter_kernel(void **state)
{
	relay_attrs_scatter *a = relay_attrs_new(M, RELAY_ATTRS_scatter);
	a->axis = 1;
	sb_tensor *in[3] = {FT(2, SHAPE(1, 5), 1, 2, 3, 4, 5), IT(2, SHAPE(1, 2), 1, -4),
			    FT(2, SHAPE(1, 2), 1.5f, 2.5f)};
	/* -4 wraps to 1: both updates hit element 1. */
	a->reduction = "none";
	sb_tensor *y = run1(RELAY_OP_SCATTER_ELEMENTS, a, 3, in);
	ASSERT_F32(y, 1, 2.5f, 3, 4, 5);
	sb_tensor_release(y);
	a->reduction = "add";
	y = run1(RELAY_OP_SCATTER_ELEMENTS, a, 3, in);
	ASSERT_F32(y, 1, 6, 3, 4, 5);
	sb_tensor_release(y);
	a->reduction = "mul";
	y = run1(RELAY_OP_SCATTER_ELEMENTS, a, 3, in);
	ASSERT_F32(y, 1, 7.5f, 3, 4, 5);
	sb_tensor_release(y);
	a->reduction = "max";
	y = run1(RELAY_OP_SCATTER_ELEMENTS, a, 3, in);
	ASSERT_F32(y, 1, 2.5f, 3, 4, 5);
	sb_tensor_release(y);
	a->reduction = "median";
	sb_tensor *out[1];
	assert_int_equal(run(RELAY_OP_SCATTER_ELEMENTS, a, 3, in, 1, out), SB_ERR_UNSUPPORTED);
	a->reduction = "none";
	sb_tensor_release(in[1]);
	in[1] = IT(2, SHAPE(1, 2), 1, 5);
	assert_int_equal(run(RELAY_OP_SCATTER_ELEMENTS, a, 3, in, 1, out), SB_ERR_INVALID);
	release_all(3, in);

	/* ScatterND: data 1..8, indices [[4],[3],[1],[7]], updates 9..12. */
	sb_tensor *n[3] = {FT(1, SHAPE(8), 1, 2, 3, 4, 5, 6, 7, 8), IT(2, SHAPE(4, 1), 4, 3, 1, 7),
			   FT(1, SHAPE(4), 9, 10, 11, 12)};
	y = run1(RELAY_OP_SCATTER_ND, a, 3, n);
	ASSERT_F32(y, 1, 11, 3, 10, 9, 6, 7, 12);
	sb_tensor_release(y);
	release_all(3, n);
	/* Duplicate indices with add and mul, int32 data, slices of 2. */
	n[0] = tensor(SB_I32, 2, SHAPE(2, 2), I32(1, 2, 3, 4));
	n[1] = IT(2, SHAPE(2, 1), 1, -1);
	n[2] = tensor(SB_I32, 2, SHAPE(2, 2), I32(10, 20, 2, 3));
	a->reduction = "add";
	y = run1(RELAY_OP_SCATTER_ND, a, 3, n);
	ASSERT_I64(y, 1, 2, 15, 27);
	sb_tensor_release(y);
	a->reduction = "mul";
	y = run1(RELAY_OP_SCATTER_ND, a, 3, n);
	ASSERT_I64(y, 1, 2, 60, 240);
	sb_tensor_release(y);
	release_all(3, n);
}

static void test_squeeze_expand_tile_kernel(void **state)
{
	sb_tensor *in[2] = {iota(3, SHAPE(1, 3, 1)), VEC(-1, 0)};
	sb_tensor *y = run1(RELAY_OP_SQUEEZE, NULL, 2, in);
	assert_shape(y, 1, SHAPE(3));
	ASSERT_F32(y, 0, 1, 2);
	sb_tensor_release(y);
	sb_tensor_release(in[1]);
	in[1] = VEC(-1, -4);
	y = run1(RELAY_OP_UNSQUEEZE, NULL, 2, in);
	assert_shape(y, 5, SHAPE(1, 1, 3, 1, 1));
	sb_tensor_release(y);
	release_all(2, in);

	/* Expand [3,1] = [[0],[1],[2]] to [2,1,4]: out[i][j][k] = j. */
	in[0] = iota(2, SHAPE(3, 1));
	in[1] = VEC(2, 1, 4);
	y = run1(RELAY_OP_EXPAND, NULL, 2, in);
	assert_shape(y, 3, SHAPE(2, 3, 4));
	for (int i = 0; i < 24; i++)
		assert_true(((float *)y->dl.data)[i] == (float)(i / 4 % 3));
	sb_tensor_release(y);
	sb_tensor_release(in[1]);
	in[1] = VEC(0, 1, 1);
	y = run1(RELAY_OP_EXPAND, NULL, 2, in);
	assert_shape(y, 3, SHAPE(0, 3, 1));
	sb_tensor_release(y);
	release_all(2, in);

	/* Tile [[0,1],[2,3]] by [2,3]: out[i][j] = x[i%2][j%2]. */
	in[0] = iota(2, SHAPE(2, 2));
	in[1] = VEC(2, 3);
	y = run1(RELAY_OP_TILE, NULL, 2, in);
	assert_shape(y, 2, SHAPE(4, 6));
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 6; j++)
			assert_true(((float *)y->dl.data)[i * 6 + j] ==
				    (float)((i % 2) * 2 + j % 2));
	sb_tensor_release(y);
	sb_tensor_release(in[1]);
	in[1] = VEC(1, 0);
	y = run1(RELAY_OP_TILE, NULL, 2, in);
	assert_shape(y, 2, SHAPE(2, 0));
	sb_tensor_release(y);
	release_all(2, in);

	relay_attrs_axis1 *f = relay_attrs_new(M, RELAY_ATTRS_axis1);
	f->axis = -1;
	in[0] = iota(3, SHAPE(2, 3, 4));
	y = run1(RELAY_OP_FLATTEN, f, 1, in);
	assert_shape(y, 2, SHAPE(6, 4));
	sb_tensor_release(y);
	sb_tensor_release(in[0]);
}

static void test_generators_kernel(void **state)
{
	/* Range with negative delta (int32): 10, 7. */
	sb_tensor *r[3] = {tensor(SB_I32, 0, NULL, I32(10)), tensor(SB_I32, 0, NULL, I32(6)),
			   tensor(SB_I32, 0, NULL, I32(-3))};
	sb_tensor *y = run1(RELAY_OP_RANGE, NULL, 3, r);
	assert_int_equal(y->dtype, SB_I32);
	ASSERT_I64(y, 10, 7);
	sb_tensor_release(y);
	release_all(3, r);
	r[0] = FT(0, NULL, 1);
	r[1] = FT(0, NULL, 5);
	r[2] = FT(0, NULL, 2);
	y = run1(RELAY_OP_RANGE, NULL, 3, r);
	ASSERT_F32(y, 1, 3);
	sb_tensor_release(y);
	release_all(3, r);
	/* int64 0..10 by 3; empty when the delta points away. */
	r[0] = IT(0, NULL, 0);
	r[1] = IT(0, NULL, 10);
	r[2] = IT(0, NULL, 3);
	y = run1(RELAY_OP_RANGE, NULL, 3, r);
	ASSERT_I64(y, 0, 3, 6, 9);
	sb_tensor_release(y);
	sb_tensor_release(r[2]);
	r[2] = IT(0, NULL, -1);
	y = run1(RELAY_OP_RANGE, NULL, 3, r);
	assert_shape(y, 1, SHAPE(0));
	sb_tensor_release(y);
	sb_tensor_release(r[2]);
	r[2] = IT(0, NULL, 0);
	sb_tensor *out[1];
	assert_int_equal(run(RELAY_OP_RANGE, NULL, 3, r, 1, out), SB_ERR_INVALID);
	release_all(3, r);

	/* NonZero of [[1,0],[-0.0,NaN]] (float) -> [[0,1],[0,1]]. */
	sb_tensor *x = FT(2, SHAPE(2, 2), 1, 0, -0.0f, NAN);
	y = run1(RELAY_OP_NON_ZERO, NULL, 1, &x);
	assert_shape(y, 2, SHAPE(2, 2));
	ASSERT_I64(y, 0, 1, 0, 1);
	sb_tensor_release(y);
	sb_tensor_release(x);
	x = tensor(SB_I32, 2, SHAPE(2, 2), I32(1, 0, 1, 1));
	y = run1(RELAY_OP_NON_ZERO, NULL, 1, &x);
	assert_shape(y, 2, SHAPE(2, 3));
	ASSERT_I64(y, 0, 1, 1, 0, 0, 1);
	sb_tensor_release(y);
	sb_tensor_release(x);

	/* OneHot: indices [0, -1, 5], depth 3, values [0, 1]. */
	relay_attrs_one_hot *oh = relay_attrs_new(M, RELAY_ATTRS_one_hot);
	sb_tensor *o[3] = {VEC(0, -1, 5), FT(0, NULL, 3), FT(1, SHAPE(2), 0, 1)};
	y = run1(RELAY_OP_ONE_HOT, oh, 3, o);
	assert_shape(y, 2, SHAPE(3, 3));
	ASSERT_F32(y, 1, 0, 0, 0, 0, 1, 0, 0, 0);
	sb_tensor_release(y);
	oh->axis = -2; /* = 0: depth first */
	y = run1(RELAY_OP_ONE_HOT, oh, 3, o);
	ASSERT_F32(y, 1, 0, 0, 0, 0, 0, 0, 1, 0);
	sb_tensor_release(y);
	release_all(3, o);

	/* Trilu on [3,4] = 1..12: upper k=1 keeps j >= i+1; lower k=-1 keeps j <= i-1. */
	relay_attrs_trilu *t = relay_attrs_new(M, RELAY_ATTRS_trilu);
	sb_tensor *tin[2] = {FT(2, SHAPE(3, 4), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12),
			     tensor(SB_I64, 0, NULL, I64(1))};
	y = run1(RELAY_OP_TRILU, t, 2, tin);
	ASSERT_F32(y, 0, 2, 3, 4, 0, 0, 7, 8, 0, 0, 0, 12);
	sb_tensor_release(y);
	t->upper = 0;
	sb_tensor_release(tin[1]);
	tin[1] = tensor(SB_I64, 0, NULL, I64(-1));
	y = run1(RELAY_OP_TRILU, t, 2, tin);
	ASSERT_F32(y, 0, 0, 0, 0, 5, 0, 0, 0, 9, 10, 0, 0);
	sb_tensor_release(y);
	sb_tensor_release(tin[1]);
	tin[1] = tensor(SB_I64, 0, NULL, I64(INT64_MIN));
	y = run1(RELAY_OP_TRILU, t, 2, tin);
	ASSERT_F32(y, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
	sb_tensor_release(y);
	release_all(2, tin);

	/* EyeLike [3,4], k = 1, dtype int64 (ONNX 7). */
	relay_attrs_eye_like *e = relay_attrs_new(M, RELAY_ATTRS_eye_like);
	e->k = 1;
	e->dtype = 7;
	x = sb_tensor_new(SB_F32, 2, SHAPE(3, 4));
	y = run1(RELAY_OP_EYE_LIKE, e, 1, &x);
	assert_int_equal(y->dtype, SB_I64);
	ASSERT_I64(y, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1);
	sb_tensor_release(y);
	sb_tensor_release(x);

	/* ConstantOfShape: default float 0; int32 7; an empty shape is a scalar. */
	sb_tensor *s = VEC(2, 3);
	y = run1(RELAY_OP_CONSTANT_OF_SHAPE, NULL, 1, &s);
	ASSERT_F32(y, 0, 0, 0, 0, 0, 0);
	sb_tensor_release(y);
	relay_attrs_constant_of_shape *c = relay_attrs_new(M, RELAY_ATTRS_constant_of_shape);
	c->value = tensor(SB_I32, 1, SHAPE(1), I32(7));
	y = run1(RELAY_OP_CONSTANT_OF_SHAPE, c, 1, &s);
	assert_int_equal(y->dtype, SB_I32);
	ASSERT_I64(y, 7, 7, 7, 7, 7, 7);
	sb_tensor_release(y);
	sb_tensor_release(s);
	s = sb_tensor_new(SB_I64, 1, SHAPE(0));
	y = run1(RELAY_OP_CONSTANT_OF_SHAPE, c, 1, &s);
	assert_shape(y, 0, NULL);
	ASSERT_I64(y, 7);
	sb_tensor_release(y);
	sb_tensor_release(s);
	sb_tensor_release(c->value);

	/* Shape with start/end, Size, Constant. */
	relay_attrs_shape *sh = relay_attrs_new(M, RELAY_ATTRS_shape);
	sh->start = -2;
	x = sb_tensor_new(SB_F32, 3, SHAPE(2, 3, 5));
	y = run1(RELAY_OP_SHAPE, sh, 1, &x);
	ASSERT_I64(y, 3, 5);
	sb_tensor_release(y);
	y = run1(RELAY_OP_SIZE, NULL, 1, &x);
	assert_shape(y, 0, NULL);
	ASSERT_I64(y, 30);
	sb_tensor_release(y);
	sb_tensor_release(x);
	relay_attrs_constant *k = relay_attrs_new(M, RELAY_ATTRS_constant);
	k->value = FT(1, SHAPE(2), 1.5f, -2);
	y = run1(RELAY_OP_CONSTANT, k, 0, NULL);
	ASSERT_F32(y, 1.5f, -2);
	sb_tensor_release(y);
	sb_tensor_release(k->value);
}

static void test_identity_dropout_kernel(void **state)
{
	sb_tensor *in[3] = {FT(1, SHAPE(3), -1, 0, 1), NULL, NULL};
	sb_tensor *y = run1(RELAY_OP_IDENTITY, NULL, 1, in);
	ASSERT_F32(y, -1, 0, 1);
	sb_tensor_release(y);
	sb_tensor *out[2];
	in[1] = FT(0, NULL, 0.25f);
	assert_int_equal(run(RELAY_OP_DROPOUT, NULL, 2, in, 2, out), SB_OK);
	ASSERT_F32(out[0], -1, 0, 1);
	assert_int_equal(out[1]->dtype, SB_BOOL);
	for (int i = 0; i < 3; i++)
		assert_int_equal(((uint8_t *)out[1]->dl.data)[i], 1);
	release_all(2, out);
	uint8_t yes = 1;
	in[2] = tensor(SB_BOOL, 0, NULL, &yes);
	assert_int_equal(run(RELAY_OP_DROPOUT, NULL, 3, in, 2, out), SB_ERR_UNSUPPORTED);
	/* Training with ratio 0 drops nothing: exact. */
	((float *)in[1]->dl.data)[0] = 0;
	assert_int_equal(run(RELAY_OP_DROPOUT, NULL, 3, in, 2, out), SB_OK);
	ASSERT_F32(out[0], -1, 0, 1);
	release_all(2, out);
	release_all(3, in);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reshape_relation),
	    cmocka_unit_test(test_bert_shape_chain_relation),
	    cmocka_unit_test(test_transpose_relation),
	    cmocka_unit_test(test_concat_split_relation),
	    cmocka_unit_test(test_slice_relation),
	    cmocka_unit_test(test_squeeze_unsqueeze_relation),
	    cmocka_unit_test(test_misc_relations),
	    cmocka_unit_test(test_reshape_kernel),
	    cmocka_unit_test(test_transpose_kernel),
	    cmocka_unit_test(test_concat_split_kernel),
	    cmocka_unit_test(test_slice_kernel),
	    cmocka_unit_test(test_gather_kernel),
	    cmocka_unit_test(test_gather_elements_nd_kernel),
	    cmocka_unit_test(test_scatter_kernel),
	    cmocka_unit_test(test_squeeze_expand_tile_kernel),
	    cmocka_unit_test(test_generators_kernel),
	    cmocka_unit_test(test_identity_dropout_kernel),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
