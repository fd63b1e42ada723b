/* Symbolic shape inference of each op family: output struct info as tir
 * expressions of the input shapes, proofs of dims that must agree, errors
 * for dims that provably differ, refinements (match_cast) and run-time
 * checks for what the prover cannot decide, fresh variables for
 * data-dependent sizes. */
#include "relax_test.h"

typedef struct fixture {
	relax_module *m;
	relax_builder *b;
	int nvars;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	f->m = relax_module_new();
	f->b = relax_builder_new(f->m);
	relax_builder_begin_function(f->b, 0, NULL);
	relax_builder_begin_dataflow(f->b);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	relax_builder_free(f->b);
	relax_module_free(f->m);
	free(f);
	return 0;
}

/* A var standing for a value of struct info s (its shape vars are taken
 * as bound: the builder checks nothing about free vars). */
static relax_expr *val(fixture *f, const relax_sinfo *s)
{
	char name[16];
	snprintf(name, sizeof name, "x%d", f->nvars++);
	return relax_var(f->m, name, s);
}

/* Emits the call; returns the bound var's struct info, NULL on error. */
static const relax_sinfo *infer(fixture *f, relax_op op, int nargs, relax_expr *const *args,
				void *attrs)
{
	relax_expr *v;
	sb_status st =
	    relax_builder_emit(f->b, relax_call_op(f->m, op, nargs, args, attrs), NULL, &v);
	return st ? NULL : v->sinfo;
}

static const relax_sinfo *infer1(fixture *f, relax_op op, const relax_sinfo *a, void *attrs)
{
	relax_expr *x = val(f, a);
	return infer(f, op, 1, &x, attrs);
}

static const relax_sinfo *infer2(fixture *f, relax_op op, const relax_sinfo *a,
				 const relax_sinfo *b, void *attrs)
{
	relax_expr *x[2] = {val(f, a), val(f, b)};
	return infer(f, op, 2, x, attrs);
}

static relax_ints ints(fixture *f, int n, const int64_t *v)
{
	return relax_ints_make(f->m, n, v);
}

#define INTS(f, ...)                                                                               \
	ints((f), (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)),                       \
	     (int64_t[]){__VA_ARGS__})

static void assert_error_contains(const char *what)
{
	if (!strstr(sb_last_error(), what))
		fprintf(stderr, "error: %s\nwant substring: %s\n", sb_last_error(), what);
	assert_non_null(strstr(sb_last_error(), what));
}

/* Starts a new function: what is emitted next is alone in its block. */
static void reset(fixture *f)
{
	relax_builder_free(f->b);
	f->b = relax_builder_new(f->m);
	relax_builder_begin_function(f->b, 0, NULL);
	relax_builder_begin_dataflow(f->b);
}

/* The bindings emitted so far in the open block (the builder's state is
 * private, so end the function and look at its body). */
static relax_block *finish(fixture *f, relax_expr *result)
{
	relax_expr *gv, *fn;
	assert_int_equal(relax_builder_emit_output(f->b, result, NULL, &gv), SB_OK);
	relax_builder_end_block(f->b);
	assert_int_equal(relax_builder_end_function(f->b, gv, NULL, &fn), SB_OK);
	assert_int_equal(fn->u.func.body->u.seq.nblocks, 1);
	/* A new function for whatever the test does next. */
	relax_builder_begin_function(f->b, 0, NULL);
	relax_builder_begin_dataflow(f->b);
	return fn->u.func.body->u.seq.blocks[0];
}

/* ---- elementwise ---- */

static void test_unary_and_cast(void **state)
{
	fixture *f = *state;
	assert_sinfo(infer1(f, RELAX_OP_EXP, TENSOR(f->m, SB_F32, "n", "4"), NULL),
		     "Tensor((n, 4), float32)");
	assert_null(infer1(f, RELAX_OP_EXP, TENSOR(f->m, SB_I64, "n"), NULL));
	assert_error_contains("floating-point");
	assert_sinfo(infer1(f, RELAX_OP_ISNAN, TENSOR(f->m, SB_F16, "n"), NULL),
		     "Tensor((n,), bool)");
	relax_attrs_cast *c = relax_attrs_new(f->m, RELAX_ATTRS_cast);
	c->dtype = SB_F32;
	assert_sinfo(infer1(f, RELAX_OP_CAST, TENSOR(f->m, SB_I64, "n", "s"), c),
		     "Tensor((n, s), float32)");
	/* rank only in, rank only out */
	assert_sinfo(infer1(f, RELAX_OP_RELU, relax_sinfo_tensor(f->m, SB_F32, 3, NULL), NULL),
		     "Tensor(ndim=3, float32)");
	/* a rank beyond SB_MAX_RANK: an error, not an overflow */
	tir_expr *big[SB_MAX_RANK + 1];
	for (int i = 0; i <= SB_MAX_RANK; i++)
		big[i] = ci(f->m, 1);
	assert_null(
	    infer1(f, RELAX_OP_RELU, relax_sinfo_tensor(f->m, SB_F32, SB_MAX_RANK + 1, big), NULL));
	assert_error_contains("at most 16");
	/* unknown rank: an error that says so */
	assert_null(infer1(f, RELAX_OP_RELU, relax_sinfo_tensor(f->m, SB_F32, -1, NULL), NULL));
	assert_error_contains("unknown rank");
}

static void test_broadcast(void **state)
{
	fixture *f = *state;
	relax_module *m = f->m;
	assert_sinfo(
	    infer2(f, RELAX_OP_ADD, TENSOR(m, SB_F32, "n", "1"), TENSOR(m, SB_F32, "1", "m"), NULL),
	    "Tensor((n, m), float32)");
	assert_sinfo(
	    infer2(f, RELAX_OP_ADD, TENSOR(m, SB_F32, "3"), TENSOR(m, SB_F32, "n", "1"), NULL),
	    "Tensor((n, 3), float32)");
	/* BERT's mask: (n, 1, 1, s) + (n, 4, s, s) */
	assert_sinfo(infer2(f, RELAX_OP_ADD, TENSOR(m, SB_F32, "n", "1", "1", "s"),
			    TENSOR(m, SB_F32, "n", "4", "s", "s"), NULL),
		     "Tensor((n, 4, s, s), float32)");
	assert_sinfo(infer2(f, RELAX_OP_LESS, TENSOR(m, SB_I64, "n"), TENSOR(m, SB_I64), NULL),
		     "Tensor((n,), bool)");
	/* incompatible static dims */
	assert_null(infer2(f, RELAX_OP_ADD, TENSOR(m, SB_F32, "2", "3"),
			   TENSOR(m, SB_F32, "4", "3"), NULL));
	assert_error_contains(
	    "cannot broadcast dim 0 of argument 0 (2) with dim 0 of argument 1 (4)");
	/* dtype mismatch */
	assert_null(
	    infer2(f, RELAX_OP_MULTIPLY, TENSOR(m, SB_F32, "2"), TENSOR(m, SB_F64, "2"), NULL));
	assert_error_contains("different dtypes");
	assert_null(infer2(f, RELAX_OP_ADD, TENSOR(m, SB_F32, "5"), TENSOR(m, SB_F32, "7"), NULL));
}

/* Two symbolic dims neither of which is known to be 1: assumed equal, the
 * second argument is match_cast to the first's dims before the call. */
static void test_broadcast_refines(void **state)
{
	fixture *f = *state;
	relax_module *m = f->m;
	relax_expr *a = val(f, TENSOR(m, SB_F32, "n", "k")),
		   *b = val(f, TENSOR(m, SB_F32, "n", "m"));
	relax_expr *args[2] = {a, b}, *r;
	assert_int_equal(
	    relax_builder_emit(f->b, relax_call_op(m, RELAX_OP_ADD, 2, args, NULL), NULL, &r),
	    SB_OK);
	assert_sinfo(r->sinfo, "Tensor((n, k), float32)");
	relax_block *blk = finish(f, r);
	/* match_cast(b, (n, k)), then the add, then the output */
	assert_int_equal(blk->nbindings, 3);
	assert_int_equal(blk->bindings[0].kind, RELAX_MATCH_CAST);
	assert_ptr_equal(blk->bindings[0].value, b);
	assert_sinfo(blk->bindings[0].sinfo, "Tensor((n, k), float32)");
	assert_ptr_equal(blk->bindings[1].value->u.call.args[0], a);
	assert_ptr_equal(blk->bindings[1].value->u.call.args[1], blk->bindings[0].var);

	/* A constant against a symbol: the symbolic side becomes the constant. */
	a = val(f, TENSOR(m, SB_F32, "n", "4"));
	b = val(f, TENSOR(m, SB_F32, "n", "m"));
	args[0] = b, args[1] = a;
	assert_int_equal(
	    relax_builder_emit(f->b, relax_call_op(m, RELAX_OP_ADD, 2, args, NULL), NULL, &r),
	    SB_OK);
	assert_sinfo(r->sinfo, "Tensor((n, 4), float32)");
	blk = finish(f, r);
	assert_int_equal(blk->bindings[0].kind, RELAX_MATCH_CAST);
	assert_ptr_equal(blk->bindings[0].value, b);
	assert_sinfo(blk->bindings[0].sinfo, "Tensor((n, 4), float32)");
}

static void test_where_clip_prelu(void **state)
{
	fixture *f = *state;
	relax_module *m = f->m;
	relax_expr *w[3] = {val(f, TENSOR(m, SB_BOOL, "n", "1")), val(f, TENSOR(m, SB_F32, "s")),
			    val(f, TENSOR(m, SB_F32))};
	assert_sinfo(infer(f, RELAX_OP_WHERE, 3, w, NULL), "Tensor((n, s), float32)");
	w[0] = val(f, TENSOR(m, SB_F32, "n"));
	assert_null(infer(f, RELAX_OP_WHERE, 3, w, NULL));
	assert_error_contains("bool");

	relax_expr *c[3] = {val(f, TENSOR(m, SB_F32, "n", "c")), val(f, TENSOR(m, SB_F32)),
			    val(f, TENSOR(m, SB_F32))};
	assert_sinfo(infer(f, RELAX_OP_CLIP, 3, c, NULL), "Tensor((n, c), float32)");
	c[1] = val(f, TENSOR(m, SB_F32, "2"));
	assert_null(infer(f, RELAX_OP_CLIP, 3, c, NULL));
	assert_error_contains("scalar");

	assert_sinfo(infer2(f, RELAX_OP_PRELU, TENSOR(m, SB_F32, "n", "8", "h", "w"),
			    TENSOR(m, SB_F32, "8", "1", "1"), NULL),
		     "Tensor((n, 8, h, w), float32)");
	assert_null(
	    infer2(f, RELAX_OP_PRELU, TENSOR(m, SB_F32, "n", "8"), TENSOR(m, SB_F32, "3"), NULL));
}

/* ---- reductions ---- */

static void test_reductions(void **state)
{
	fixture *f = *state;
	relax_module *m = f->m;
	relax_attrs_reduce *r = relax_attrs_new(m, RELAX_ATTRS_reduce);
	r->axes = INTS(f, -1);
	r->keepdims = 1;
	assert_sinfo(infer1(f, RELAX_OP_MEAN, TENSOR(m, SB_F32, "n", "s", "256"), r),
		     "Tensor((n, s, 1), float32)");
	r = relax_attrs_new(m, RELAX_ATTRS_reduce);
	r->axes = INTS(f, 0, 2);
	assert_sinfo(infer1(f, RELAX_OP_SUM, TENSOR(m, SB_F32, "n", "s", "256"), r),
		     "Tensor((s,), float32)");
	r = relax_attrs_new(m, RELAX_ATTRS_reduce); /* no axes: all */
	assert_sinfo(infer1(f, RELAX_OP_MAX, TENSOR(m, SB_F32, "n", "s"), r),
		     "Tensor((), float32)");
	r->axes = INTS(f, 1, -1);
	assert_null(infer1(f, RELAX_OP_SUM, TENSOR(m, SB_F32, "n", "s"), r));
	assert_error_contains("twice");
	r->axes = INTS(f, 2);
	assert_null(infer1(f, RELAX_OP_SUM, TENSOR(m, SB_F32, "n", "s"), r));
	assert_error_contains("axis 2 is out of range for rank 2");

	relax_attrs_arg_reduce *a = relax_attrs_new(m, RELAX_ATTRS_arg_reduce);
	a->axis = 1;
	assert_sinfo(infer1(f, RELAX_OP_ARGMAX, TENSOR(m, SB_F32, "n", "c"), a),
		     "Tensor((n,), int64)");
	a->keepdims = 1;
	assert_sinfo(infer1(f, RELAX_OP_ARGMIN, TENSOR(m, SB_F32, "n", "c"), a),
		     "Tensor((n, 1), int64)");
	/* argmax of an empty axis is an error */
	assert_null(infer1(f, RELAX_OP_ARGMAX, TENSOR(m, SB_F32, "n", "0"), a));

	relax_attrs_axis *s = relax_attrs_new(m, RELAX_ATTRS_axis);
	assert_sinfo(infer1(f, RELAX_OP_SOFTMAX, TENSOR(m, SB_F32, "n", "h", "s", "s"), s),
		     "Tensor((n, h, s, s), float32)");
	s->axis = 4;
	assert_null(infer1(f, RELAX_OP_LOG_SOFTMAX, TENSOR(m, SB_F32, "n", "c"), s));
}

static void test_topk(void **state)
{
	fixture *f = *state;
	relax_module *m = f->m;
	relax_attrs_topk *a = relax_attrs_new(m, RELAX_ATTRS_topk);
	relax_expr *x = val(f, TENSOR(m, SB_F32, "n", "100"));
	relax_expr *args[2] = {x, relax_prim_int(m, 5)};
	assert_sinfo(infer(f, RELAX_OP_TOPK, 2, args, a),
		     "Tuple(Tensor((n, 5), float32), Tensor((n, 5), int64))");
	args[1] = relax_prim_int(m, 101);
	assert_null(infer(f, RELAX_OP_TOPK, 2, args, a));
	assert_error_contains("k is larger than axis 1");
	/* k from a tensor: a fresh variable, bound by a match_cast */
	reset(f);
	args[1] = val(f, TENSOR(m, SB_I64, "1"));
	relax_expr *r;
	assert_int_equal(
	    relax_builder_emit(f->b, relax_call_op(m, RELAX_OP_TOPK, 2, args, a), NULL, &r), SB_OK);
	assert_sinfo(r->sinfo, "Tuple(Tensor((n, k), float32), Tensor((n, k), int64))");
	relax_block *blk = finish(f, r);
	assert_sinfo(blk->bindings[0].var->sinfo,
		     "Tuple(Tensor(ndim=2, float32), Tensor(ndim=2, int64))");
	assert_int_equal(blk->bindings[1].kind, RELAX_MATCH_CAST);
}

/* ---- normalisation, matmul ---- */

static void test_norms(void **state)
{
	fixture *f = *state;
	relax_module *m = f->m;
	relax_expr *bn[5] = {val(f, TENSOR(m, SB_F32, "n", "16", "h", "w"))};
	for (int i = 1; i < 5; i++)
		bn[i] = val(f, TENSOR(m, SB_F32, "16"));
	assert_sinfo(infer(f, RELAX_OP_BATCH_NORM, 5, bn, NULL), "Tensor((n, 16, h, w), float32)");
	bn[3] = val(f, TENSOR(m, SB_F32, "8"));
	assert_null(infer(f, RELAX_OP_BATCH_NORM, 5, bn, NULL));
	assert_error_contains("dim 0 of argument 3 is 8, expected 16");

	relax_attrs_layer_norm *ln = relax_attrs_new(m, RELAX_ATTRS_layer_norm);
	relax_expr *l[3] = {val(f, TENSOR(m, SB_F32, "n", "s", "256")),
			    val(f, TENSOR(m, SB_F32, "256")), val(f, TENSOR(m, SB_F32, "256"))};
	assert_sinfo(infer(f, RELAX_OP_LAYER_NORM, 3, l, ln), "Tensor((n, s, 256), float32)");
	ln->num_outputs = 3;
	ln->axis = 1;
	l[1] = val(f, TENSOR(m, SB_F32, "s", "256"));
	l[2] = val(f, TENSOR(m, SB_F32, "1", "256"));
	assert_sinfo(infer(f, RELAX_OP_LAYER_NORM, 3, l, ln),
		     "Tuple(Tensor((n, s, 256), float32), Tensor((n, 1, 1), float32), "
		     "Tensor((n, 1, 1), float32))");
	ln->num_outputs = 1;
	ln->axis = -1;
	l[1] = val(f, TENSOR(m, SB_F32, "128"));
	assert_null(infer(f, RELAX_OP_LAYER_NORM, 2, l, ln));

	relax_expr *in[3] = {val(f, TENSOR(m, SB_F32, "n", "c", "h", "w")),
			     val(f, TENSOR(m, SB_F32, "c")), val(f, TENSOR(m, SB_F32, "c"))};
	assert_sinfo(infer(f, RELAX_OP_INSTANCE_NORM, 3, in, NULL),
		     "Tensor((n, c, h, w), float32)");
}

static void test_matmul(void **state)
{
	fixture *f = *state;
	relax_module *m = f->m;
	assert_sinfo(infer2(f, RELAX_OP_MATMUL, TENSOR(m, SB_F32, "n", "s", "256"),
			    TENSOR(m, SB_F32, "256", "64"), NULL),
		     "Tensor((n, s, 64), float32)");
	/* batch dims broadcast: (b, 1, s, 64) @ (h, 64, t) */
	assert_sinfo(infer2(f, RELAX_OP_MATMUL, TENSOR(m, SB_F32, "b", "1", "s", "64"),
			    TENSOR(m, SB_F32, "h", "64", "t"), NULL),
		     "Tensor((b, h, s, t), float32)");
	/* attention: (n, 4, s, 64) @ (n, 4, 64, s) */
	assert_sinfo(infer2(f, RELAX_OP_MATMUL, TENSOR(m, SB_F32, "n", "4", "s", "64"),
			    TENSOR(m, SB_F32, "n", "4", "64", "s"), NULL),
		     "Tensor((n, 4, s, s), float32)");
	/* 1-D operands: the promoted axis is dropped */
	assert_sinfo(
	    infer2(f, RELAX_OP_MATMUL, TENSOR(m, SB_F32, "k"), TENSOR(m, SB_F32, "k", "m"), NULL),
	    "Tensor((m,), float32)");
	assert_sinfo(infer2(f, RELAX_OP_MATMUL, TENSOR(m, SB_F32, "b", "m", "k"),
			    TENSOR(m, SB_F32, "k"), NULL),
		     "Tensor((b, m), float32)");
	assert_sinfo(
	    infer2(f, RELAX_OP_MATMUL, TENSOR(m, SB_F32, "k"), TENSOR(m, SB_F32, "k"), NULL),
	    "Tensor((), float32)");
	/* contraction dims: proven (k*2 == 2*k), disproven, undecided */
	relax_expr *a = val(
	    f,
	    relax_sinfo_tensor(m, SB_F32, 2,
			       (tir_expr *[]){sv(m, "n"), tir_mul(m->tir, sv(m, "k"), ci(m, 2))}));
	relax_expr *b = val(
	    f, relax_sinfo_tensor(m, SB_F32, 2,
				  (tir_expr *[]){tir_mul(m->tir, ci(m, 2), sv(m, "k")), ci(m, 5)}));
	relax_expr *ab[2] = {a, b};
	assert_sinfo(infer(f, RELAX_OP_MATMUL, 2, ab, NULL), "Tensor((n, 5), float32)");
	assert_null(infer2(f, RELAX_OP_MATMUL, TENSOR(m, SB_F32, "n", "3"),
			   TENSOR(m, SB_F32, "4", "5"), NULL));
	assert_error_contains("dim 0 of argument 1 is 4, expected 3");
	relax_expr *r;
	reset(f);
	ab[0] = val(f, TENSOR(m, SB_F32, "n", "k"));
	ab[1] = val(f, TENSOR(m, SB_F32, "j", "5"));
	assert_int_equal(
	    relax_builder_emit(f->b, relax_call_op(m, RELAX_OP_MATMUL, 2, ab, NULL), NULL, &r),
	    SB_OK);
	relax_block *blk = finish(f, r);
	assert_int_equal(blk->bindings[0].kind, RELAX_MATCH_CAST);
	assert_sinfo(blk->bindings[0].sinfo, "Tensor((k, 5), float32)");

	relax_attrs_gemm *g = relax_attrs_new(m, RELAX_ATTRS_gemm);
	g->trans_b = 1;
	relax_expr *gm[3] = {val(f, TENSOR(m, SB_F32, "n", "512")),
			     val(f, TENSOR(m, SB_F32, "1000", "512")),
			     val(f, TENSOR(m, SB_F32, "1000"))};
	assert_sinfo(infer(f, RELAX_OP_GEMM, 3, gm, g), "Tensor((n, 1000), float32)");
	gm[2] = val(f, TENSOR(m, SB_F32, "999"));
	assert_null(infer(f, RELAX_OP_GEMM, 3, gm, g));
}

static void test_einsum(void **state)
{
	fixture *f = *state;
	relax_module *m = f->m;
	relax_attrs_einsum *e = relax_attrs_new(m, RELAX_ATTRS_einsum);
	e->equation = relax_intern(m, "bij,bjk->bik");
	assert_sinfo(infer2(f, RELAX_OP_EINSUM, TENSOR(m, SB_F32, "b", "i", "j"),
			    TENSOR(m, SB_F32, "b", "j", "k"), e),
		     "Tensor((b, i, k), float32)");
	e->equation = relax_intern(m, "...ii->...i");
	assert_sinfo(infer1(f, RELAX_OP_EINSUM, TENSOR(m, SB_F32, "n", "3", "3"), e),
		     "Tensor((n, 3), float32)");
	e->equation = relax_intern(m, "ij,jk"); /* implicit: i and k, alphabetical */
	assert_sinfo(
	    infer2(f, RELAX_OP_EINSUM, TENSOR(m, SB_F32, "2", "3"), TENSOR(m, SB_F32, "3", "4"), e),
	    "Tensor((2, 4), float32)");
	e->equation = relax_intern(m, "ij,jk->ik");
	assert_null(infer2(f, RELAX_OP_EINSUM, TENSOR(m, SB_F32, "2", "3"),
			   TENSOR(m, SB_F32, "5", "4"), e));
	e->equation = relax_intern(m, "ij->iz");
	assert_null(infer1(f, RELAX_OP_EINSUM, TENSOR(m, SB_F32, "2", "3"), e));
}

/* ---- convolution and pooling ---- */

static void test_conv2d(void **state)
{
	fixture *f = *state;
	relax_module *m = f->m;
	tir_ctx *t = m->tir;
	relax_attrs_conv *c = relax_attrs_new(m, RELAX_ATTRS_conv);
	c->pads = INTS(f, 1, 1, 1, 1);
	c->strides = INTS(f, 2, 2);
	const relax_sinfo *s = infer2(f, RELAX_OP_CONV2D, TENSOR(m, SB_F32, "n", "3", "h", "w"),
				      TENSOR(m, SB_F32, "64", "3", "3", "3"), c);
	assert_non_null(s);
	/* (h + 2*1 - 3) // 2 + 1, in canonical form (h + 1) // 2 */
	tir_expr *h = sv(m, "h");
	tir_expr *by_hand = tir_add(
	    t, tir_floordiv(t, tir_sub(t, tir_add(t, h, ci(m, 2)), ci(m, 3)), ci(m, 2)), ci(m, 1));
	assert_true(tir_can_prove_equal(t, NULL, s->u.tensor.shape[2], by_hand));
	assert_ptr_equal(s->u.tensor.shape[2], tir_simplify(t, NULL, by_hand));
	assert_sinfo(s, "Tensor((n, 64, (h + 1) // 2, (w + 1) // 2), float32)");

	/* with a bias, groups (depthwise), dilation, no padding */
	c = relax_attrs_new(m, RELAX_ATTRS_conv);
	c->groups = 32;
	c->dilations = INTS(f, 2, 2);
	relax_expr *x[3] = {val(f, TENSOR(m, SB_F32, "n", "32", "h", "w")),
			    val(f, TENSOR(m, SB_F32, "32", "1", "3", "3")),
			    val(f, TENSOR(m, SB_F32, "32"))};
	assert_sinfo(infer(f, RELAX_OP_CONV2D, 3, x, c), "Tensor((n, 32, h - 4, w - 4), float32)");
	/* the kernel must fit: a run-time check on h - 4 >= 0 */
	relax_expr *r;
	reset(f);
	assert_int_equal(
	    relax_builder_emit(f->b, relax_call_op(m, RELAX_OP_CONV2D, 3, x, c), NULL, &r), SB_OK);
	relax_block *blk = finish(f, r);
	assert_int_equal(blk->bindings[0].nchecks, 2);

	/* SAME_UPPER: ceil(h / s) */
	c = relax_attrs_new(m, RELAX_ATTRS_conv);
	c->auto_pad = relax_intern(m, "SAME_UPPER");
	c->strides = INTS(f, 2, 2);
	assert_sinfo(infer2(f, RELAX_OP_CONV2D, TENSOR(m, SB_F32, "n", "3", "h", "w"),
			    TENSOR(m, SB_F32, "8", "3", "3", "3"), c),
		     "Tensor((n, 8, (h + 1) // 2, (w + 1) // 2), float32)");

	/* channel mismatch; kernel larger than a static input */
	c = relax_attrs_new(m, RELAX_ATTRS_conv);
	assert_null(infer2(f, RELAX_OP_CONV2D, TENSOR(m, SB_F32, "n", "4", "h", "w"),
			   TENSOR(m, SB_F32, "8", "3", "3", "3"), c));
	assert_error_contains("dim 1 of argument 0 is 4, expected 3");
	assert_null(infer2(f, RELAX_OP_CONV2D, TENSOR(m, SB_F32, "1", "3", "2", "2"),
			   TENSOR(m, SB_F32, "8", "3", "3", "3"), c));
	assert_error_contains("smaller than the kernel");
	c->pads = INTS(f, 1, 1);
	assert_null(infer2(f, RELAX_OP_CONV2D, TENSOR(m, SB_F32, "n", "3", "h", "w"),
			   TENSOR(m, SB_F32, "8", "3", "3", "3"), c));
	assert_error_contains("pads has 2 values, expected 4");

	/* conv1d and conv_transpose */
	c = relax_attrs_new(m, RELAX_ATTRS_conv);
	c->strides = INTS(f, 3);
	assert_sinfo(infer2(f, RELAX_OP_CONV1D, TENSOR(m, SB_F32, "n", "2", "l"),
			    TENSOR(m, SB_F32, "4", "2", "3"), c),
		     "Tensor((n, 4, l // 3), float32)"); /* (l - 3) // 3 + 1 */
	relax_attrs_conv_transpose *ct = relax_attrs_new(m, RELAX_ATTRS_conv_transpose);
	ct->strides = INTS(f, 2, 2);
	ct->pads = INTS(f, 1, 1, 1, 1);
	ct->output_padding = INTS(f, 1, 1);
	/* 2*(h - 1) + 1 + (3 - 1) + 1 - 2 = 2*h */
	assert_sinfo(infer2(f, RELAX_OP_CONV2D_TRANSPOSE, TENSOR(m, SB_F32, "n", "8", "h", "w"),
			    TENSOR(m, SB_F32, "8", "4", "3", "3"), ct),
		     "Tensor((n, 4, h * 2, w * 2), float32)");
}

static void test_pools(void **state)
{
	fixture *f = *state;
	relax_module *m = f->m;
	relax_attrs_pool *p = relax_attrs_new(m, RELAX_ATTRS_pool);
	p->kernel = INTS(f, 3, 3);
	p->strides = INTS(f, 2, 2);
	p->pads = INTS(f, 1, 1, 1, 1);
	/* ResNet's max pool: (h + 2 - 3) // 2 + 1 */
	assert_sinfo(infer1(f, RELAX_OP_MAX_POOL2D, TENSOR(m, SB_F32, "n", "64", "h", "w"), p),
		     "Tensor((n, 64, (h + 1) // 2, (w + 1) // 2), float32)");
	/* ceil mode, static: 112 -> ceil((112 + 2 - 3) / 2) + 1 = 57, and the
	 * last window starts at 56*2 = 112 >= 112 + 1? no: 57 */
	p->ceil_mode = 1;
	assert_sinfo(infer1(f, RELAX_OP_AVG_POOL2D, TENSOR(m, SB_F32, "1", "64", "112", "111"), p),
		     "Tensor((1, 64, 57, 56), float32)");
	/* symbolic: ceil((h - 1) / 2) + 1 = h // 2 + 1 (57 and 56 above); with
	 * stride <= kernel - trailing pad no window can start in the pad */
	assert_sinfo(infer1(f, RELAX_OP_AVG_POOL2D, TENSOR(m, SB_F32, "n", "64", "h", "w"), p),
		     "Tensor((n, 64, h // 2 + 1, w // 2 + 1), float32)");
	/* ceil mode with the last window in the trailing pad: in 5, k 2, s 2,
	 * pads 0/1: ceil((5 + 1 - 2)/2) + 1 = 3, window 2 starts at 4 < 5: 3 */
	p = relax_attrs_new(m, RELAX_ATTRS_pool);
	p->kernel = INTS(f, 2);
	p->strides = INTS(f, 2);
	p->pads = INTS(f, 1, 1);
	p->ceil_mode = 1;
	/* in 4, pads 1+1, k 2, s 2: span 4, ceil(4/2)+1 = 3; (3-1)*2 = 4 >= 4 + 1? no: 3 */
	assert_sinfo(infer1(f, RELAX_OP_MAX_POOL1D, TENSOR(m, SB_F32, "1", "1", "4"), p),
		     "Tensor((1, 1, 3), float32)");
	/* in 3, pads 1+1, k 2, s 2: span 3, ceil(3/2)+1 = 3; (3-1)*2 = 4 >= 3 + 1: 2 */
	assert_sinfo(infer1(f, RELAX_OP_MAX_POOL1D, TENSOR(m, SB_F32, "1", "1", "3"), p),
		     "Tensor((1, 1, 2), float32)");
	/* symbolic, where the last window may start in the pad: a select, equal
	 * to the ONNX rule for every size */
	const relax_sinfo *sl = infer1(f, RELAX_OP_MAX_POOL1D, TENSOR(m, SB_F32, "1", "1", "l"), p);
	assert_non_null(sl);
	for (int64_t l = 1; l < 12; l++) {
		int64_t span = l + 2 - 2, want = (span + 1) / 2 + 1;
		if ((want - 1) * 2 >= l + 1)
			want--;
		tir_expr *lv = sv(m, "l"), *v = ci(m, l);
		tir_expr *e = tir_simplify(
		    m->tir, NULL, tir_substitute(m->tir, sl->u.tensor.shape[2], 1, &lv, &v));
		assert_true(tir_expr_is_const(e, want));
	}
	p->return_indices = 1;
	assert_sinfo(infer1(f, RELAX_OP_MAX_POOL1D, TENSOR(m, SB_F32, "1", "1", "4"), p),
		     "Tuple(Tensor((1, 1, 3), float32), Tensor((1, 1, 3), int64))");
	assert_null(infer1(f, RELAX_OP_AVG_POOL1D, TENSOR(m, SB_F32, "1", "1", "4"), p));
	p = relax_attrs_new(m, RELAX_ATTRS_pool);
	assert_null(infer1(f, RELAX_OP_MAX_POOL2D, TENSOR(m, SB_F32, "n", "c", "h", "w"), p));
	assert_error_contains("kernel");

	assert_sinfo(
	    infer1(f, RELAX_OP_GLOBAL_AVG_POOL, TENSOR(m, SB_F32, "n", "512", "h", "w"), NULL),
	    "Tensor((n, 512, 1, 1), float32)");
}

static void test_resize_pad_depth(void **state)
{
	fixture *f = *state;
	relax_module *m = f->m;
	tir_ctx *t = m->tir;
	relax_expr *x = val(f, TENSOR(m, SB_F32, "n", "c", "h", "w"));
	tir_expr *size[4] = {sv(m, "n"), sv(m, "c"), tir_mul(t, sv(m, "h"), ci(m, 2)),
			     tir_mul(t, ci(m, 2), sv(m, "w"))};
	relax_expr *ra[2] = {x, relax_shape_expr(m, 4, size)};
	assert_sinfo(infer(f, RELAX_OP_RESIZE, 2, ra, NULL),
		     "Tensor((n, c, h * 2, w * 2), float32)");
	ra[1] = relax_shape_expr(m, 2, size);
	assert_null(infer(f, RELAX_OP_RESIZE, 2, ra, NULL));

	relax_attrs_pad *p = relax_attrs_new(m, RELAX_ATTRS_pad);
	p->pads = INTS(f, 0, 0, 1, 2, 0, 0, 3, -1);
	assert_sinfo(infer1(f, RELAX_OP_PAD, TENSOR(m, SB_F32, "n", "c", "h", "w"), p),
		     "Tensor((n, c, h + 4, w + 1), float32)");
	p->pads = INTS(f, 0, 0, -5, 0, 0, 0, 0, 0);
	assert_null(infer1(f, RELAX_OP_PAD, TENSOR(m, SB_F32, "1", "1", "4", "4"), p));

	relax_attrs_depth_to_space *d = relax_attrs_new(m, RELAX_ATTRS_depth_to_space);
	d->blocksize = 2;
	assert_sinfo(infer1(f, RELAX_OP_DEPTH_TO_SPACE, TENSOR(m, SB_F32, "n", "16", "h", "w"), d),
		     "Tensor((n, 4, h * 2, w * 2), float32)");
	assert_null(infer1(f, RELAX_OP_DEPTH_TO_SPACE, TENSOR(m, SB_F32, "n", "6", "h", "w"), d));
	assert_sinfo(infer1(f, RELAX_OP_SPACE_TO_DEPTH, TENSOR(m, SB_F32, "n", "3", "8", "6"), d),
		     "Tensor((n, 12, 4, 3), float32)");
	/* symbolic: h % 2 == 0 is a run-time check */
	reset(f);
	relax_expr *r, *sx = val(f, TENSOR(m, SB_F32, "n", "3", "h", "6"));
	assert_int_equal(relax_builder_emit(
			     f->b, relax_call_op(m, RELAX_OP_SPACE_TO_DEPTH, 1, &sx, d), NULL, &r),
			 SB_OK);
	assert_sinfo(r->sinfo, "Tensor((n, 12, h // 2, 3), float32)");
	relax_block *blk = finish(f, r);
	assert_int_equal(blk->bindings[0].nchecks, 1);
	char *cond = tir_expr_to_string(blk->bindings[0].checks[0].cond);
	assert_string_equal(cond, "h % 2 == 0");
	free(cond);
}

/* ---- shape ops ---- */

static relax_expr *shape_of(fixture *f, int n, tir_expr *const *v)
{
	return relax_shape_expr(f->m, n, v);
}

static void test_reshape(void **state)
{
	fixture *f = *state;
	relax_module *m = f->m;
	tir_ctx *t = m->tir;
	relax_expr *x = val(f, TENSOR(m, SB_F32, "n", "s", "256")), *r;
	/* (n, s, 256) -> (n, s, 4, 64): n*s*256 == n*s*4*64 is proven, no check */
	tir_expr *to[4] = {sv(m, "n"), sv(m, "s"), ci(m, 4), ci(m, 64)};
	relax_expr *args[2] = {x, shape_of(f, 4, to)};
	assert_true(tir_can_prove_equal(
	    t, NULL, tir_mul(t, tir_mul(t, sv(m, "n"), sv(m, "s")), ci(m, 256)),
	    tir_mul(t, tir_mul(t, tir_mul(t, sv(m, "n"), sv(m, "s")), ci(m, 4)), ci(m, 64))));
	assert_int_equal(
	    relax_builder_emit(f->b, relax_call_op(m, RELAX_OP_RESHAPE, 2, args, NULL), NULL, &r),
	    SB_OK);
	assert_sinfo(r->sinfo, "Tensor((n, s, 4, 64), float32)");
	relax_block *blk = finish(f, r);
	assert_int_equal(blk->bindings[0].nchecks, 0);

	/* -1 is inferred: (n, s, -1, 64) */
	tir_expr *to2[4] = {sv(m, "n"), sv(m, "s"), ci(m, -1), ci(m, 64)};
	args[1] = shape_of(f, 4, to2);
	assert_sinfo(infer(f, RELAX_OP_RESHAPE, 2, args, NULL), "Tensor((n, s, 4, 64), float32)");
	tir_expr *to3[2] = {ci(m, -1), ci(m, 256)};
	args[1] = shape_of(f, 2, to3);
	assert_sinfo(infer(f, RELAX_OP_RESHAPE, 2, args, NULL), "Tensor((n * s, 256), float32)");
	/* a provably wrong count */
	tir_expr *seven = ci(m, 7);
	args[0] = val(f, TENSOR(m, SB_F32, "2", "3"));
	args[1] = shape_of(f, 1, &seven);
	assert_null(infer(f, RELAX_OP_RESHAPE, 2, args, NULL));
	assert_error_contains("element count");
	/* n*s*256 vs n*s*255 is not provably different (n = 0): checked at run time */
	reset(f);
	args[0] = x;
	tir_expr *bad[3] = {sv(m, "n"), sv(m, "s"), ci(m, 255)};
	args[1] = shape_of(f, 3, bad);
	assert_int_equal(
	    relax_builder_emit(f->b, relax_call_op(m, RELAX_OP_RESHAPE, 2, args, NULL), NULL, &r),
	    SB_OK);
	assert_int_equal(finish(f, r)->bindings[0].nchecks, 1);
	tir_expr *two[2] = {ci(m, -1), ci(m, -1)};
	args[1] = shape_of(f, 2, two);
	assert_null(infer(f, RELAX_OP_RESHAPE, 2, args, NULL));
	/* undecidable: (a, b) -> (c): a run-time check a*b == c */
	reset(f);
	args[0] = val(f, TENSOR(m, SB_F32, "a", "b"));
	tir_expr *c = sv(m, "c");
	args[1] = shape_of(f, 1, &c);
	assert_int_equal(
	    relax_builder_emit(f->b, relax_call_op(m, RELAX_OP_RESHAPE, 2, args, NULL), NULL, &r),
	    SB_OK);
	blk = finish(f, r);
	assert_int_equal(blk->bindings[0].nchecks, 1);
	char *cond = tir_expr_to_string(blk->bindings[0].checks[0].cond);
	assert_true(strstr(cond, "a * b") && strstr(cond, "c"));
	free(cond);
}

/* Reshape to a shape read from a tensor: tensor_to_shape gives fresh
 * variables bound by a match_cast, and the reshape is in terms of them. */
static void test_reshape_from_tensor(void **state)
{
	fixture *f = *state;
	relax_module *m = f->m;
	relax_expr *x = val(f, TENSOR(m, SB_F32, "n", "12")), *t = val(f, TENSOR(m, SB_I64, "3")),
		   *s, *r;
	assert_int_equal(relax_builder_emit(f->b,
					    relax_call_op(m, RELAX_OP_TENSOR_TO_SHAPE, 1, &t, NULL),
					    NULL, &s),
			 SB_OK);
	assert_int_equal(s->sinfo->kind, RELAX_SINFO_SHAPE);
	tir_expr *const *d = s->sinfo->u.shape.values;
	assert_non_null(d);
	assert_true(d[0] != d[1] && d[1] != d[2] && d[0]->u.var.is_shape);
	relax_expr *args[2] = {x, s};
	assert_int_equal(
	    relax_builder_emit(f->b, relax_call_op(m, RELAX_OP_RESHAPE, 2, args, NULL), NULL, &r),
	    SB_OK);
	assert_ptr_equal(r->sinfo->u.tensor.shape[1], d[1]);
	assert_true(relax_builder_is_bound(f->b, d[0]));
	relax_block *blk = finish(f, r);
	/* tensor_to_shape -> Shape(ndim=3), match_cast to Shape((d, d_1, d_2)), reshape */
	assert_sinfo(blk->bindings[0].var->sinfo, "Shape(ndim=3)");
	assert_int_equal(blk->bindings[1].kind, RELAX_MATCH_CAST);
	assert_int_equal(blk->bindings[2].nchecks, 1); /* n*12 == d*d_1*d_2 */
}

static void test_concat_split(void **state)
{
	fixture *f = *state;
	relax_module *m = f->m;
	relax_attrs_axis0 *a = relax_attrs_new(m, RELAX_ATTRS_axis0);
	a->axis = 1;
	relax_expr *x[3] = {val(f, TENSOR(m, SB_F32, "n", "a", "4")),
			    val(f, TENSOR(m, SB_F32, "n", "b", "4")),
			    val(f, TENSOR(m, SB_F32, "n", "3", "4"))};
	assert_sinfo(infer(f, RELAX_OP_CONCAT, 3, x, a), "Tensor((n, a + b + 3, 4), float32)");
	/* a dim off the axis that provably differs */
	x[2] = val(f, TENSOR(m, SB_F32, "n", "3", "5"));
	assert_null(infer(f, RELAX_OP_CONCAT, 3, x, a));
	assert_error_contains("dim 2 of argument 2 is 5, expected 4");
	x[1] = val(f, TENSOR(m, SB_F32, "n", "b"));
	assert_null(infer(f, RELAX_OP_CONCAT, 2, x, a));
	assert_error_contains("rank");

	relax_attrs_split *s = relax_attrs_new(m, RELAX_ATTRS_split);
	s->axis = -1;
	s->sizes = INTS(f, 64, 192);
	assert_sinfo(infer1(f, RELAX_OP_SPLIT, TENSOR(m, SB_F32, "n", "256"), s),
		     "Tuple(Tensor((n, 64), float32), Tensor((n, 192), float32))");
	s->sizes = INTS(f, 64, 191);
	assert_null(infer1(f, RELAX_OP_SPLIT, TENSOR(m, SB_F32, "n", "256"), s));
	s = relax_attrs_new(m, RELAX_ATTRS_split);
	s->num_outputs = 3; /* axis 0, symbolic: n // 3 each, n % 3 == 0 checked */
	assert_sinfo(infer1(f, RELAX_OP_SPLIT, TENSOR(m, SB_F32, "n", "7"), s),
		     "Tuple(Tensor((n // 3, 7), float32), Tensor((n // 3, 7), float32), "
		     "Tensor((n // 3, 7), float32))");
	s->axis = 1;
	/* opset-18 uneven split: ceil(7/3) = 3, 3, and 1 */
	assert_sinfo(
	    infer1(f, RELAX_OP_SPLIT, TENSOR(m, SB_F32, "n", "7"), s),
	    "Tuple(Tensor((n, 3), float32), Tensor((n, 3), float32), Tensor((n, 1), float32))");
}

static void test_slice_take(void **state)
{
	fixture *f = *state;
	relax_module *m = f->m;
	tir_ctx *t = m->tir;
	relax_attrs_strided_slice *a = relax_attrs_new(m, RELAX_ATTRS_strided_slice);
	a->axes = INTS(f, 1);
	/* BERT's position ids: (1, 512)[:, 0:s] has min(s, 512) columns */
	relax_expr *x = val(f, TENSOR(m, SB_I64, "1", "512"));
	tir_expr *zero = ci(m, 0), *s = sv(m, "s");
	relax_expr *args[4] = {x, relax_shape_expr(m, 1, &zero), relax_shape_expr(m, 1, &s)};
	const relax_sinfo *r = infer(f, RELAX_OP_STRIDED_SLICE, 3, args, a);
	assert_non_null(r);
	assert_true(tir_can_prove_equal(t, NULL, r->u.tensor.shape[1], tir_min(t, s, ci(m, 512))));
	/* negative and huge bounds on a symbolic dim: x[:, 1:-1] of (n, l) */
	args[0] = val(f, TENSOR(m, SB_F32, "n", "l"));
	tir_expr *one = ci(m, 1), *m1 = ci(m, -1);
	args[1] = relax_shape_expr(m, 1, &one);
	args[2] = relax_shape_expr(m, 1, &m1);
	r = infer(f, RELAX_OP_STRIDED_SLICE, 3, args, a);
	assert_non_null(r);
	/* l >= 2: l - 2; evaluate on a few l by substitution */
	for (int64_t lv = 0; lv < 6; lv++) {
		tir_expr *l = sv(m, "l"), *v = ci(m, lv);
		tir_expr *e =
		    tir_simplify(t, NULL, tir_substitute(t, r->u.tensor.shape[1], 1, &l, &v));
		assert_true(tir_expr_is_const(e, lv >= 2 ? lv - 2 : 0));
	}
	/* reverse with step -2 over a static dim: [::-2] of 7 -> 4 */
	args[0] = val(f, TENSOR(m, SB_F32, "n", "7"));
	tir_expr *big = ci(m, INT64_MAX), *small = ci(m, -INT64_MAX), *step = ci(m, -2);
	args[1] = relax_shape_expr(m, 1, &big);
	args[2] = relax_shape_expr(m, 1, &small);
	args[3] = relax_shape_expr(m, 1, &step);
	assert_sinfo(infer(f, RELAX_OP_STRIDED_SLICE, 4, args, a), "Tensor((n, 4), float32)");

	relax_attrs_axis0 *g = relax_attrs_new(m, RELAX_ATTRS_axis0);
	/* embedding lookup: (30522, 256) taken at (n, s) -> (n, s, 256) */
	assert_sinfo(infer2(f, RELAX_OP_TAKE, TENSOR(m, SB_F32, "30522", "256"),
			    TENSOR(m, SB_I64, "n", "s"), g),
		     "Tensor((n, s, 256), float32)");
	g->axis = 1;
	assert_sinfo(
	    infer2(f, RELAX_OP_TAKE, TENSOR(m, SB_F32, "a", "b", "c"), TENSOR(m, SB_I64), g),
	    "Tensor((a, c), float32)");
	assert_null(infer2(f, RELAX_OP_TAKE, TENSOR(m, SB_F32, "a"), TENSOR(m, SB_F32, "k"), g));
	assert_sinfo(infer2(f, RELAX_OP_GATHER_ELEMENTS, TENSOR(m, SB_F32, "a", "b"),
			    TENSOR(m, SB_I64, "a", "k"), g),
		     "Tensor((a, k), float32)");
	relax_attrs_gather_nd *gn = relax_attrs_new(m, RELAX_ATTRS_gather_nd);
	assert_sinfo(infer2(f, RELAX_OP_GATHER_ND, TENSOR(m, SB_F32, "a", "b", "c"),
			    TENSOR(m, SB_I64, "k", "2"), gn),
		     "Tensor((k, c), float32)");
	gn->batch_dims = 1;
	assert_sinfo(infer2(f, RELAX_OP_GATHER_ND, TENSOR(m, SB_F32, "a", "b", "c"),
			    TENSOR(m, SB_I64, "a", "1"), gn),
		     "Tensor((a, c), float32)");

	relax_attrs_scatter *sc = relax_attrs_new(m, RELAX_ATTRS_scatter);
	relax_expr *sa[3] = {val(f, TENSOR(m, SB_F32, "a", "b")),
			     val(f, TENSOR(m, SB_I64, "k", "2")), val(f, TENSOR(m, SB_F32, "k"))};
	assert_sinfo(infer(f, RELAX_OP_SCATTER_ND, 3, sa, sc), "Tensor((a, b), float32)");
	sa[2] = val(f, TENSOR(m, SB_F32, "k", "b"));
	assert_null(infer(f, RELAX_OP_SCATTER_ND, 3, sa, sc));
	sa[1] = val(f, TENSOR(m, SB_I64, "a", "3"));
	sa[2] = val(f, TENSOR(m, SB_F32, "a", "3"));
	assert_sinfo(infer(f, RELAX_OP_SCATTER_ELEMENTS, 3, sa, sc), "Tensor((a, b), float32)");
}

static void test_rank_changes(void **state)
{
	fixture *f = *state;
	relax_module *m = f->m;
	relax_attrs_axes *a = relax_attrs_new(m, RELAX_ATTRS_axes);
	a->axes = INTS(f, 1, 2);
	assert_sinfo(infer1(f, RELAX_OP_UNSQUEEZE, TENSOR(m, SB_I64, "n", "s"), a),
		     "Tensor((n, 1, 1, s), int64)");
	a->axes = INTS(f, -1);
	assert_sinfo(infer1(f, RELAX_OP_UNSQUEEZE, TENSOR(m, SB_I64, "n", "s"), a),
		     "Tensor((n, s, 1), int64)");
	a->axes = INTS(f, 1);
	assert_sinfo(infer1(f, RELAX_OP_SQUEEZE, TENSOR(m, SB_F32, "n", "1", "s"), a),
		     "Tensor((n, s), float32)");
	assert_null(infer1(f, RELAX_OP_SQUEEZE, TENSOR(m, SB_F32, "n", "2", "s"), a));
	assert_error_contains("dim 1 is not 1");
	relax_attrs_axes *none = relax_attrs_new(m, RELAX_ATTRS_axes);
	assert_sinfo(infer1(f, RELAX_OP_SQUEEZE, TENSOR(m, SB_F32, "1", "n", "1"), none),
		     "Tensor((n,), float32)");

	relax_attrs_flatten *fl = relax_attrs_new(m, RELAX_ATTRS_flatten);
	assert_sinfo(infer1(f, RELAX_OP_FLATTEN, TENSOR(m, SB_F32, "n", "512", "1", "1"), fl),
		     "Tensor((n, 512), float32)");
	fl->axis = 2;
	assert_sinfo(infer1(f, RELAX_OP_FLATTEN, TENSOR(m, SB_F32, "n", "c", "h", "w"), fl),
		     "Tensor((n * c, h * w), float32)");
	fl->axis = 0;
	assert_sinfo(infer1(f, RELAX_OP_FLATTEN, TENSOR(m, SB_F32, "a", "b"), fl),
		     "Tensor((1, a * b), float32)");

	relax_attrs_permute_dims *p = relax_attrs_new(m, RELAX_ATTRS_permute_dims);
	p->axes = INTS(f, 0, 2, 1, 3);
	assert_sinfo(infer1(f, RELAX_OP_PERMUTE_DIMS, TENSOR(m, SB_F32, "n", "s", "4", "64"), p),
		     "Tensor((n, 4, s, 64), float32)");
	p->axes = INTS(f, 0, 0, 1, 3);
	assert_null(infer1(f, RELAX_OP_PERMUTE_DIMS, TENSOR(m, SB_F32, "n", "s", "4", "64"), p));
	p = relax_attrs_new(m, RELAX_ATTRS_permute_dims);
	assert_sinfo(infer1(f, RELAX_OP_PERMUTE_DIMS, TENSOR(m, SB_F32, "a", "b", "c"), p),
		     "Tensor((c, b, a), float32)");
}

static void test_expand_tile_shape(void **state)
{
	fixture *f = *state;
	relax_module *m = f->m;
	tir_ctx *t = m->tir;
	tir_expr *sh[3] = {sv(m, "n"), ci(m, 1), ci(m, 4)};
	relax_expr *args[2] = {val(f, TENSOR(m, SB_F32, "3", "1")), relax_shape_expr(m, 3, sh)};
	assert_sinfo(infer(f, RELAX_OP_EXPAND, 2, args, NULL), "Tensor((n, 3, 4), float32)");
	args[0] = val(f, TENSOR(m, SB_F32, "3", "2"));
	assert_null(infer(f, RELAX_OP_EXPAND, 2, args, NULL));

	tir_expr *reps[2] = {ci(m, 2), sv(m, "r")};
	args[0] = val(f, TENSOR(m, SB_F32, "n", "3"));
	args[1] = relax_shape_expr(m, 2, reps);
	assert_sinfo(infer(f, RELAX_OP_TILE, 2, args, NULL), "Tensor((n * 2, r * 3), float32)");

	const relax_sinfo *s =
	    infer1(f, RELAX_OP_SHAPE_OF, TENSOR(m, SB_F32, "n", "s", "256"), NULL);
	assert_sinfo(s, "Shape((n, s, 256))");
	assert_sinfo(infer1(f, RELAX_OP_SHAPE_OF, relax_sinfo_tensor(m, SB_F32, 2, NULL), NULL),
		     "Shape(ndim=2)");
	relax_expr *se = relax_shape_expr(m, 3, sh);
	assert_sinfo(infer(f, RELAX_OP_SHAPE_TO_TENSOR, 1, &se, NULL), "Tensor((3,), int64)");
	assert_sinfo(infer1(f, RELAX_OP_SIZE, TENSOR(m, SB_F32, "n"), NULL), "Tensor((), int64)");

	/* full: ConstantOfShape of a symbolic shape */
	sb_tensor *zero = sb_tensor_zeros(SB_F32, 0, NULL);
	tir_expr *fs[2] = {sv(m, "n"), tir_add(t, sv(m, "s"), ci(m, 1))};
	relax_expr *fa[2] = {relax_shape_expr(m, 2, fs), relax_constant(m, zero)};
	assert_sinfo(infer(f, RELAX_OP_FULL, 2, fa, NULL), "Tensor((n, s + 1), float32)");
}

static void test_generators(void **state)
{
	fixture *f = *state;
	relax_module *m = f->m;
	tir_ctx *t = m->tir;
	/* arange(0, s, 1) -> (s,); arange(2, s, 3) -> ((s - 2 + 2) // 3) clamped at 0 */
	relax_expr *a[3] = {relax_prim_int(m, 0), relax_prim_value(m, sv(m, "s")),
			    relax_prim_int(m, 1)};
	assert_sinfo(infer(f, RELAX_OP_ARANGE, 3, a, NULL), "Tensor((s,), int64)");
	a[0] = relax_prim_int(m, 2);
	a[2] = relax_prim_int(m, 3);
	const relax_sinfo *r = infer(f, RELAX_OP_ARANGE, 3, a, NULL);
	for (int64_t s = 0; s < 10; s++) {
		tir_expr *sv_ = sv(m, "s"), *v = ci(m, s);
		tir_expr *e =
		    tir_simplify(t, NULL, tir_substitute(t, r->u.tensor.shape[0], 1, &sv_, &v));
		int64_t want = s > 2 ? (s - 2 + 2) / 3 : 0;
		assert_true(tir_expr_is_const(e, want));
	}
	/* float constants: ceil((1.0 - 0.0) / 0.3) = 4 */
	sb_tensor *c[3];
	double cv[3] = {0.0, 1.0, 0.3};
	for (int i = 0; i < 3; i++) {
		c[i] = sb_tensor_new(SB_F32, 0, NULL);
		sb_tensor_set_f64(c[i], 0, cv[i]);
		a[i] = relax_constant(m, c[i]);
	}
	assert_sinfo(infer(f, RELAX_OP_ARANGE, 3, a, NULL), "Tensor((4,), float32)");
	/* unknown bounds: a fresh length */
	for (int i = 0; i < 3; i++)
		a[i] = val(f, TENSOR(m, SB_F32));
	assert_sinfo(infer(f, RELAX_OP_ARANGE, 3, a, NULL), "Tensor((len,), float32)");

	relax_expr *x = val(f, TENSOR(m, SB_F32, "a", "b"));
	assert_sinfo(infer(f, RELAX_OP_NONZERO, 1, &x, NULL), "Tensor((2, nnz), int64)");

	relax_attrs_one_hot *oh = relax_attrs_new(m, RELAX_ATTRS_one_hot);
	relax_expr *o[3] = {val(f, TENSOR(m, SB_I64, "n", "s")), relax_prim_int(m, 10),
			    val(f, TENSOR(m, SB_F32, "2"))};
	assert_sinfo(infer(f, RELAX_OP_ONE_HOT, 3, o, oh), "Tensor((n, s, 10), float32)");
	oh->axis = 0;
	o[1] = val(f, TENSOR(m, SB_I64));
	assert_sinfo(infer(f, RELAX_OP_ONE_HOT, 3, o, oh), "Tensor((depth, n, s), float32)");

	relax_expr *tr[2] = {val(f, TENSOR(m, SB_F32, "n", "n")), relax_prim_int(m, 1)};
	assert_sinfo(infer(f, RELAX_OP_TRILU, 2, tr, NULL), "Tensor((n, n), float32)");
	assert_sinfo(infer1(f, RELAX_OP_EYE_LIKE, TENSOR(m, SB_F32, "a", "b"), NULL),
		     "Tensor((a, b), float32)");
}

/* nonzero: the call is bound with its fresh dim erased, then a match_cast
 * binds the fresh variable; later ops see it. */
static void test_nonzero_match_cast(void **state)
{
	fixture *f = *state;
	relax_module *m = f->m;
	relax_expr *x = val(f, TENSOR(m, SB_F32, "n", "3")), *nz, *idx;
	assert_int_equal(
	    relax_builder_emit(f->b, relax_call_op(m, RELAX_OP_NONZERO, 1, &x, NULL), "nz", &nz),
	    SB_OK);
	tir_expr *k = nz->sinfo->u.tensor.shape[1];
	assert_true(k->kind == TIR_VAR && k->u.var.is_shape);
	assert_true(relax_builder_is_bound(f->b, k));
	relax_attrs_permute_dims *p = relax_attrs_new(m, RELAX_ATTRS_permute_dims);
	assert_int_equal(relax_builder_emit(
			     f->b, relax_call_op(m, RELAX_OP_PERMUTE_DIMS, 1, &nz, p), NULL, &idx),
			 SB_OK);
	assert_ptr_equal(idx->sinfo->u.tensor.shape[0], k);
	relax_block *blk = finish(f, idx);
	assert_int_equal(blk->nbindings, 4);
	assert_sinfo(blk->bindings[0].var->sinfo, "Tensor(ndim=2, int64)");
	assert_int_equal(blk->bindings[1].kind, RELAX_MATCH_CAST);
	assert_string_equal(blk->bindings[1].var->u.var.name, "nz");
	assert_sinfo(blk->bindings[1].sinfo, "Tensor((2, nnz), int64)");
}

static void test_arity_and_call_tir(void **state)
{
	fixture *f = *state;
	relax_module *m = f->m;
	relax_expr *x = val(f, TENSOR(m, SB_F32, "n"));
	relax_expr *args[3] = {x, x, x};
	assert_null(infer(f, RELAX_OP_ADD, 3, args, NULL));
	assert_error_contains("3 arguments, expected 2");
	/* call_tir takes its output struct info from sinfo_args */
	tir_expr *n = sv(m, "n");
	tir_buffer *A = tir_buffer_new(m->tir, "A", SB_F32, 1, &n);
	tir_param prm = tir_param_buffer(A);
	tir_func *pf = tir_func_new(m->tir, "noop", 1, &prm, tir_evaluate(m->tir, ci(m, 0)));
	relax_expr *g = relax_module_add_prim_func(m, pf);
	relax_expr *ct[2] = {g, relax_tuple(m, 1, &x)};
	const relax_sinfo *out = TENSOR(m, SB_F32, "n", "2");
	relax_expr *call = relax_call_op_sinfo(m, RELAX_OP_CALL_TIR, 2, ct, NULL, 1, &out), *r;
	assert_int_equal(relax_builder_emit(f->b, call, NULL, &r), SB_OK);
	assert_sinfo(r->sinfo, "Tensor((n, 2), float32)");
	call = relax_call_op(m, RELAX_OP_CALL_TIR, 2, ct, NULL);
	assert_int_not_equal(relax_builder_emit(f->b, call, NULL, &r), SB_OK);
	/* an impure call is refused inside a dataflow block */
	relax_expr *cp[2] = {relax_extern_func(m, "vm.builtin.print"), x};
	assert_int_not_equal(
	    relax_builder_emit(f->b, relax_call_op(m, RELAX_OP_CALL_PACKED, 2, cp, NULL), NULL, &r),
	    SB_OK);
	assert_error_contains("side effects");
}

/* Every row of the table has its name, arity and infer function. */
static void test_table(void **state)
{
	(void)state;
	for (int i = 0; i < RELAX_OP_COUNT; i++) {
		const relax_op_info *op = relax_op_get((relax_op)i);
		assert_int_equal(op->op, i);
		assert_non_null(op->infer);
		assert_true(!strncmp(op->name, "relax.", 6));
		assert_int_equal(relax_op_lookup(op->name), i);
		assert_true(op->max_args < 0 || op->max_args >= op->min_args);
	}
	assert_int_equal(relax_op_lookup("relax.nope"), RELAX_OP_COUNT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table),
	    cmocka_unit_test_setup_teardown(test_unary_and_cast, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_broadcast, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_broadcast_refines, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_where_clip_prelu, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reductions, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_topk, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_norms, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_matmul, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_einsum, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conv2d, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pools, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resize_pad_depth, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reshape, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reshape_from_tensor, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_concat_split, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_slice_take, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rank_changes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_expand_tile_shape, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_generators, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_nonzero_match_cast, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_arity_and_call_tir, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
