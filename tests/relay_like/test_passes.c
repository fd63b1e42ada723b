/* relay_like passes: each test builds a small graph by hand, runs a pass
 * (or the pipeline), checks the resulting graph's structure, and checks
 * that the reference interpreter gives the same outputs before and after
 * on random inputs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "relay_like/passes/passes.h"

/* ---- helpers ---- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static double rand_unit(void) /* [-1, 1) */
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double)(rng_state >> 11) / (double)(1ULL << 52) - 1.0;
}

static sb_tensor *tensor_rand(int rank, const int64_t *shape, double lo, double hi)
{
	sb_tensor *t = sb_tensor_new(SB_F32, rank, shape);
	assert_non_null(t);
	for (int64_t i = 0; i < sb_tensor_numel(t); i++)
		sb_tensor_set_f64(t, i, lo + (hi - lo) * (rand_unit() + 1) / 2);
	return t;
}

static sb_tensor *tensor_f32(int rank, const int64_t *shape, const float *v)
{
	sb_tensor *t = sb_tensor_new(SB_F32, rank, shape);
	assert_non_null(t);
	memcpy(sb_tensor_data(t), v, sb_tensor_nbytes(t));
	return t;
}

static sb_tensor *tensor_i64(int rank, const int64_t *shape, const int64_t *v)
{
	sb_tensor *t = sb_tensor_new(SB_I64, rank, shape);
	assert_non_null(t);
	memcpy(sb_tensor_data(t), v, sb_tensor_nbytes(t));
	return t;
}

static relay_expr *const_rand(relay_module *m, int rank, const int64_t *shape, double lo, double hi)
{
	return relay_constant(m, tensor_rand(rank, shape, lo, hi));
}

static relay_expr *const_i64(relay_module *m, int rank, const int64_t *shape, const int64_t *v)
{
	return relay_constant(m, tensor_i64(rank, shape, v));
}

static relay_expr *const_scalar_i64(relay_module *m, int64_t v)
{
	return const_i64(m, 0, NULL, &v);
}

static relay_expr *param_f32(relay_module *m, const char *name, int rank, const int64_t *shape)
{
	return relay_var(m, name, relay_type_from_shape(m, SB_F32, rank, shape));
}

static relay_expr *call1(relay_module *m, relay_op op, relay_expr *a, void *attrs)
{
	return relay_call(m, op, 1, &a, attrs, 1, NULL);
}

static relay_expr *call2(relay_module *m, relay_op op, relay_expr *a, relay_expr *b, void *attrs)
{
	relay_expr *args[2] = {a, b};
	return relay_call(m, op, 2, args, attrs, 1, NULL);
}

static void set_main(relay_module *m, int nparams, relay_expr **params, int nresults,
		     relay_expr **results)
{
	m->main = relay_function_new(m, "main", nparams, params, nresults, results, NULL);
}

static void assert_ok(sb_status st)
{
	if (st)
		fail_msg("%s: %s", sb_status_name(st), sb_last_error());
}

static int count_op(relay_module *m, relay_op op)
{
	int counts[RELAY_OP_COUNT];
	relay_count_ops(m, counts);
	return counts[op];
}

static int count_calls(relay_module *m)
{
	int counts[RELAY_OP_COUNT], n = 0;
	relay_count_ops(m, counts);
	for (int i = 0; i < RELAY_OP_COUNT; i++)
		n += counts[i];
	return n;
}

/* Runs main; outputs[] get new references. */
static void run(relay_module *m, sb_tensor **inputs, sb_tensor **outputs)
{
	assert_ok(relay_interp_run(m, m->main, inputs, outputs));
}

static void assert_close(const sb_tensor *want, const sb_tensor *got)
{
	assert_int_equal(want->dtype, got->dtype);
	assert_true(sb_shape_equal(want->dl.ndim, want->shape, got->dl.ndim, got->shape));
	for (int64_t i = 0; i < sb_tensor_numel(want); i++) {
		double a = sb_tensor_get_f64(want, i), b = sb_tensor_get_f64(got, i);
		if (fabs(a - b) > 1e-5 * (1 + fabs(a)))
			fail_msg("element %lld: want %.9g, got %.9g", (long long)i, a, b);
	}
}

/* Runs `pass` on m and checks the interpreter's outputs are unchanged. */
static void run_pass_same_outputs(relay_module *m, relay_pass_fn pass, sb_tensor **inputs)
{
	int n = m->main->nresults;
	sb_tensor *before[n], *after[n];
	assert_ok(relay_infer_types(m));
	run(m, inputs, before);
	assert_ok(pass(m));
	assert_ok(relay_verify(m));
	run(m, inputs, after);
	for (int i = 0; i < n; i++) {
		assert_close(before[i], after[i]);
		sb_tensor_release(before[i]);
		sb_tensor_release(after[i]);
	}
}

static void release_all(sb_tensor **t, int n)
{
	for (int i = 0; i < n; i++)
		sb_tensor_release(t[i]);
}

/* ---- Conv -> BatchNormalization -> Relu ---- */

static relay_module *build_conv_bn_relu(void)
{
	relay_module *m = relay_module_new();
	int64_t xs[4] = {1, 3, 8, 8}, ws[4] = {4, 3, 3, 3}, cs[1] = {4};
	relay_expr *x = param_f32(m, "x", 4, xs);
	relay_attrs_conv *ca = relay_attrs_new(m, RELAY_ATTRS_conv);
	ca->pads = relay_ints_make(m, 4, (int64_t[]){1, 1, 1, 1});
	relay_expr *conv_args[3] = {x, const_rand(m, 4, ws, -1, 1), const_rand(m, 1, cs, -1, 1)};
	relay_expr *conv = relay_call(m, RELAY_OP_CONV, 3, conv_args, ca, 1, "conv");
	relay_expr *bn_args[5] = {conv, const_rand(m, 1, cs, 0.5, 2), const_rand(m, 1, cs, -1, 1),
				  const_rand(m, 1, cs, -1, 1), const_rand(m, 1, cs, 0.25, 2)};
	relay_attrs_batch_norm *ba = relay_attrs_new(m, RELAY_ATTRS_batch_norm);
	ba->epsilon = 1e-3f;
	relay_expr *bn = relay_call(m, RELAY_OP_BATCH_NORMALIZATION, 5, bn_args, ba, 1, "bn");
	relay_expr *relu = call1(m, RELAY_OP_RELU, bn, NULL);
	set_main(m, 1, &x, 1, &relu);
	return m;
}

static void test_conv_bn_relu_pipeline(void **state)
{
	relay_module *m = build_conv_bn_relu();
	sb_tensor *in[1] = {tensor_rand(4, (int64_t[]){1, 3, 8, 8}, -1, 1)};
	run_pass_same_outputs(m, relay_optimize, in);
	assert_int_equal(count_op(m, RELAY_OP_CONV), 1);
	assert_int_equal(count_op(m, RELAY_OP_RELU), 1);
	assert_int_equal(count_calls(m), 2);
	/* The Relu reads the Conv, whose weights and bias are the only constants left. */
	relay_expr *relu = m->main->results[0];
	assert_int_equal(relu->u.call.args[0]->u.call.op, RELAY_OP_CONV);
	assert_int_equal(m->constants.len, 2);
	release_all(in, 1);
	relay_module_free(m);
}

static void test_conv_bn_step_by_step(void **state)
{
	relay_module *m = build_conv_bn_relu();
	sb_tensor *in[1] = {tensor_rand(4, (int64_t[]){1, 3, 8, 8}, -1, 1)};
	run_pass_same_outputs(m, relay_simplify_inference, in);
	assert_int_equal(count_op(m, RELAY_OP_BATCH_NORMALIZATION), 0);
	assert_int_equal(count_op(m, RELAY_OP_MUL), 1);
	assert_int_equal(count_op(m, RELAY_OP_ADD), 1);
	/* scale' is per channel, shaped [C,1,1]. */
	relay_expr *add = m->main->results[0]->u.call.args[0];
	relay_expr *mul = add->u.call.args[0];
	assert_int_equal(mul->u.call.op, RELAY_OP_MUL);
	const sb_tensor *s = mul->u.call.args[1]->u.constant.value;
	assert_int_equal(s->dl.ndim, 3);
	assert_int_equal(s->shape[0], 4);
	assert_int_equal(s->shape[1], 1);
	assert_int_equal(s->shape[2], 1);
	run_pass_same_outputs(m, relay_fold_scale_into_conv, in);
	assert_int_equal(count_op(m, RELAY_OP_MUL), 0);
	assert_int_equal(count_op(m, RELAY_OP_ADD), 0);
	assert_int_equal(count_calls(m), 2);
	release_all(in, 1);
	relay_module_free(m);
}

/* BatchNormalization's rewrite computes scale' and shift' by the formula. */
static void test_batch_norm_constants(void **state)
{
	relay_module *m = relay_module_new();
	int64_t xs[2] = {2, 3}, cs[1] = {3};
	relay_expr *x = param_f32(m, "x", 2, xs);
	relay_expr *args[5] = {x, relay_constant(m, tensor_f32(1, cs, (float[]){1, 2, 3})),
			       relay_constant(m, tensor_f32(1, cs, (float[]){0, 1, -1})),
			       relay_constant(m, tensor_f32(1, cs, (float[]){1, 0, 2})),
			       relay_constant(m, tensor_f32(1, cs, (float[]){3, 0.5f, 8}))};
	relay_attrs_batch_norm *ba = relay_attrs_new(m, RELAY_ATTRS_batch_norm);
	ba->epsilon = 1.0f;
	relay_expr *bn = relay_call(m, RELAY_OP_BATCH_NORMALIZATION, 5, args, ba, 1, NULL);
	set_main(m, 1, &x, 1, &bn);
	assert_ok(relay_infer_types(m));
	assert_ok(relay_simplify_inference(m));
	relay_expr *add = m->main->results[0], *mul = add->u.call.args[0];
	assert_int_equal(add->u.call.op, RELAY_OP_ADD);
	const sb_tensor *s = mul->u.call.args[1]->u.constant.value,
			*t = add->u.call.args[1]->u.constant.value;
	/* x is [N,C]: the constants are [C]. s = scale/sqrt(var+1): 1/2, 2/sqrt(1.5), 3/3. */
	assert_int_equal(s->dl.ndim, 1);
	double want_s[3] = {0.5, 2 / sqrt(1.5), 1.0};
	double want_t[3] = {0 - 1 * 0.5, 1 - 0, -1 - 2 * 1.0};
	for (int i = 0; i < 3; i++) {
		assert_true(fabs(sb_tensor_get_f64(s, i) - want_s[i]) < 1e-6);
		assert_true(fabs(sb_tensor_get_f64(t, i) - want_t[i]) < 1e-6);
	}
	relay_module_free(m);
}

/* A Conv with a second user keeps its own output: no fold. */
static void test_fold_scale_needs_single_use(void **state)
{
	relay_module *m = relay_module_new();
	int64_t xs[4] = {1, 2, 5, 5}, ws[4] = {3, 2, 1, 1}, cs[4] = {1, 3, 1, 1};
	relay_expr *x = param_f32(m, "x", 4, xs);
	relay_expr *conv = call2(m, RELAY_OP_CONV, x, const_rand(m, 4, ws, -1, 1), NULL);
	relay_expr *mul = call2(m, RELAY_OP_MUL, conv, const_rand(m, 4, cs, -1, 1), NULL);
	relay_expr *results[2] = {mul, conv};
	set_main(m, 1, &x, 2, results);
	sb_tensor *in[1] = {tensor_rand(4, xs, -1, 1)};
	run_pass_same_outputs(m, relay_fold_scale_into_conv, in);
	assert_int_equal(count_op(m, RELAY_OP_MUL), 1);
	relay_module_free(m);

	/* Single use, [1,C,1,1] scale on the left, then a scalar Add: one Conv. */
	m = relay_module_new();
	x = param_f32(m, "x", 4, xs);
	conv = call2(m, RELAY_OP_CONV, x, const_rand(m, 4, ws, -1, 1), NULL);
	mul = call2(m, RELAY_OP_MUL, const_rand(m, 4, cs, -1, 1), conv, NULL);
	relay_expr *add = call2(m, RELAY_OP_ADD, mul,
				relay_constant(m, tensor_f32(0, NULL, (float[]){0.5f})), NULL);
	set_main(m, 1, &x, 1, &add);
	run_pass_same_outputs(m, relay_fold_scale_into_conv, in);
	assert_int_equal(count_calls(m), 1);
	assert_int_equal(m->main->results[0]->u.call.nargs, 3); /* a bias was added */
	release_all(in, 1);
	relay_module_free(m);
}

/* ---- EliminateCommonSubexpr ---- */

static void test_cse(void **state)
{
	relay_module *m = relay_module_new();
	int64_t s[2] = {2, 2};
	relay_expr *x = param_f32(m, "x", 2, s), *y = param_f32(m, "y", 2, s);
	relay_expr *a1 = call2(m, RELAY_OP_ADD, x, y, NULL);
	relay_expr *a2 = call2(m, RELAY_OP_ADD, x, y, NULL);
	relay_expr *a3 = call2(m, RELAY_OP_ADD, y, x, NULL); /* other args: kept */
	relay_expr *prod = call2(m, RELAY_OP_MUL, a1, a2, NULL);
	relay_expr *sum = call2(m, RELAY_OP_ADD, prod, a3, NULL);
	/* Same args, different attributes: kept apart. */
	relay_attrs_axis0 *ax0 = relay_attrs_new(m, RELAY_ATTRS_axis0),
			  *ax1 = relay_attrs_new(m, RELAY_ATTRS_axis0);
	ax1->axis = 1;
	relay_expr *cat_args[2] = {x, y};
	relay_expr *c0 = relay_call(m, RELAY_OP_CONCAT, 2, cat_args, ax0, 1, NULL);
	relay_expr *c1 = relay_call(m, RELAY_OP_CONCAT, 2, cat_args, ax1, 1, NULL);
	/* Equal constants merge (and then the Adds on them); same bytes in
	 * another shape do not. */
	float v[4] = {1, 2, 3, 4};
	relay_expr *k1 = call2(m, RELAY_OP_ADD, x, relay_constant(m, tensor_f32(2, s, v)), NULL);
	relay_expr *k2 = call2(m, RELAY_OP_ADD, x, relay_constant(m, tensor_f32(2, s, v)), NULL);
	relay_expr *flat = relay_constant(m, tensor_f32(1, (int64_t[]){4}, v));
	relay_expr *k3 = call2(m, RELAY_OP_ADD, x,
			       call2(m, RELAY_OP_RESHAPE, flat,
				     const_i64(m, 1, (int64_t[]){2}, (int64_t[]){2, 2}), NULL),
			       NULL);
	relay_expr *params[2] = {x, y};
	relay_expr *results[6] = {sum, c0, c1, k1, k2, k3};
	set_main(m, 2, params, 6, results);
	assert_ok(relay_infer_types(m));
	assert_int_equal(count_op(m, RELAY_OP_ADD), 7);
	sb_tensor *in[2] = {tensor_rand(2, s, -1, 1), tensor_rand(2, s, -1, 1)};
	run_pass_same_outputs(m, relay_eliminate_common_subexpr, in);
	/* a1=a2, k1=k2: 7 Adds become 5. */
	assert_int_equal(count_op(m, RELAY_OP_ADD), 5);
	assert_int_equal(count_op(m, RELAY_OP_CONCAT), 2);
	relay_expr *p = m->main->results[0]->u.call.args[0];
	assert_ptr_equal(p->u.call.args[0], p->u.call.args[1]);
	assert_ptr_not_equal(m->main->results[0]->u.call.args[1], p->u.call.args[0]);
	assert_ptr_equal(m->main->results[3], m->main->results[4]);
	assert_ptr_not_equal(m->main->results[3]->u.call.args[1],
			     m->main->results[5]->u.call.args[1]->u.call.args[0]);
	assert_ptr_not_equal(m->main->results[1], m->main->results[2]);
	release_all(in, 2);
	relay_module_free(m);
}

/* ---- FoldConstant ---- */

static void test_fold_constant_chain(void **state)
{
	relay_module *m = relay_module_new();
	int64_t s[1] = {4};
	relay_expr *x = param_f32(m, "x", 1, s);
	relay_expr *c0 = relay_constant(m, tensor_f32(1, s, (float[]){1, 2, 3, 4}));
	relay_expr *c1 = relay_constant(m, tensor_f32(1, s, (float[]){2, 2, 0.5f, -1}));
	relay_expr *a = call2(m, RELAY_OP_MUL, c0, c1, NULL);
	relay_expr *b = call2(m, RELAY_OP_ADD, a, c1, NULL);
	relay_expr *r = call2(m, RELAY_OP_SUB, x, b, NULL);
	set_main(m, 1, &x, 1, &r);
	sb_tensor *in[1] = {tensor_rand(1, s, -1, 1)};
	run_pass_same_outputs(m, relay_fold_constant, in);
	assert_int_equal(count_calls(m), 1);
	relay_expr *k = m->main->results[0]->u.call.args[1];
	assert_int_equal(k->kind, RELAY_CONSTANT);
	/* c0*c1 + c1 */
	float want[4] = {1 * 2 + 2, 2 * 2 + 2, 3 * 0.5f + 0.5f, 4 * -1 - 1};
	for (int i = 0; i < 4; i++)
		assert_true(sb_tensor_get_f64(k->u.constant.value, i) == want[i]);
	release_all(in, 1);
	relay_module_free(m);
}

/* A multi-output call: its TupleGetItems get the constants. */
static void test_fold_constant_multi_output(void **state)
{
	relay_module *m = relay_module_new();
	int64_t s[1] = {4}, two[1] = {2};
	relay_expr *x = param_f32(m, "x", 1, two);
	relay_expr *c = relay_constant(m, tensor_f32(1, s, (float[]){1, 2, 3, 4}));
	relay_expr *split_args[2] = {c, const_i64(m, 1, two, (int64_t[]){2, 2})};
	relay_expr *split = relay_call(m, RELAY_OP_SPLIT, 2, split_args, NULL, 2, NULL);
	relay_expr *r0 = call2(m, RELAY_OP_MUL, x, relay_tuple_get(m, split, 0), NULL);
	relay_expr *r1 = call2(m, RELAY_OP_MUL, x, relay_tuple_get(m, split, 1), NULL);
	relay_expr *results[2] = {r0, r1};
	set_main(m, 1, &x, 2, results);
	sb_tensor *in[1] = {tensor_rand(1, two, -1, 1)};
	run_pass_same_outputs(m, relay_fold_constant, in);
	assert_int_equal(count_op(m, RELAY_OP_SPLIT), 0);
	const sb_tensor *k1 = m->main->results[1]->u.call.args[1]->u.constant.value;
	assert_true(sb_tensor_get_f64(k1, 0) == 3 && sb_tensor_get_f64(k1, 1) == 4);
	release_all(in, 1);
	relay_module_free(m);
}

/* ConstantOfShape of a big shape stays a call. */
static void test_fold_constant_size_limit(void **state)
{
	relay_module *m = relay_module_new();
	int64_t one[1] = {1}, two[1] = {2};
	relay_expr *x = param_f32(m, "x", 1, one);
	relay_expr *big = call1(m, RELAY_OP_CONSTANT_OF_SHAPE,
				const_i64(m, 1, two, (int64_t[]){2048, 1024}), NULL);
	relay_expr *small =
	    call1(m, RELAY_OP_CONSTANT_OF_SHAPE, const_i64(m, 1, two, (int64_t[]){2, 3}), NULL);
	relay_expr *r0 = call2(m, RELAY_OP_ADD, big, x, NULL),
		   *r1 = call2(m, RELAY_OP_ADD, small, x, NULL);
	relay_expr *results[2] = {r0, r1};
	set_main(m, 1, &x, 2, results);
	assert_ok(relay_infer_types(m));
	assert_ok(relay_fold_constant(m));
	assert_int_equal(count_op(m, RELAY_OP_CONSTANT_OF_SHAPE), 1);
	assert_int_equal(m->main->results[1]->u.call.args[0]->kind, RELAY_CONSTANT);
	relay_module_free(m);
}

/* ---- FoldShapeComputation ---- */

/* x: [batch, seq, 256] -> Reshape(x, [batch, seq, 4, 256/4]) with the target
 * computed the ONNX way from Shape(x). */
static void test_fold_shape_computation(void **state)
{
	relay_module *m = relay_module_new();
	relay_dim dims[3] = {
	    {-1, relay_intern(m, "batch")}, {-1, relay_intern(m, "seq")}, relay_dim_known(256)};
	relay_expr *x = relay_var(m, "x", relay_type_tensor(m, SB_F32, 3, dims));
	relay_expr *shape = call1(m, RELAY_OP_SHAPE, x, NULL);
	relay_expr *axes0 = const_i64(m, 1, (int64_t[]){1}, (int64_t[]){0});
	relay_expr *g[3], *u[3];
	for (int i = 0; i < 3; i++) {
		g[i] = call2(m, RELAY_OP_GATHER, shape, const_scalar_i64(m, i), NULL);
		u[i] = call2(m, RELAY_OP_UNSQUEEZE,
			     i == 2 ? call2(m, RELAY_OP_DIV, g[i], const_scalar_i64(m, 4), NULL)
				    : g[i],
			     axes0, NULL);
	}
	relay_expr *cat_args[4] = {u[0], u[1], const_i64(m, 1, (int64_t[]){1}, (int64_t[]){4}),
				   u[2]};
	relay_expr *target = relay_call(m, RELAY_OP_CONCAT, 4, cat_args, NULL, 1, NULL);
	relay_expr *reshaped = call2(m, RELAY_OP_RESHAPE, x, target, NULL);
	/* Slice(Shape(x), [-1], [INT64_MAX]) is [256]: a static part too. */
	relay_expr *slice_args[3] = {shape, const_i64(m, 1, (int64_t[]){1}, (int64_t[]){-1}),
				     const_i64(m, 1, (int64_t[]){1}, (int64_t[]){INT64_MAX})};
	relay_expr *last = relay_call(m, RELAY_OP_SLICE, 3, slice_args, NULL, 1, NULL);
	relay_expr *results[2] = {reshaped, last};
	set_main(m, 1, &x, 2, results);
	assert_ok(relay_infer_types(m));
	assert_int_equal(count_op(m, RELAY_OP_GATHER), 3);

	sb_tensor *in[1] = {tensor_rand(3, (int64_t[]){2, 5, 256}, -1, 1)};
	run_pass_same_outputs(m, relay_fold_shape_computation, in);
	/* batch and seq stay computed; dim 2's Gather, Div and Unsqueeze fold. */
	assert_int_equal(count_op(m, RELAY_OP_SHAPE), 1);
	assert_int_equal(count_op(m, RELAY_OP_GATHER), 2);
	assert_int_equal(count_op(m, RELAY_OP_UNSQUEEZE), 2);
	assert_int_equal(count_op(m, RELAY_OP_DIV), 0);
	assert_int_equal(count_op(m, RELAY_OP_SLICE), 0);
	assert_int_equal(count_op(m, RELAY_OP_CONCAT), 1);
	relay_expr *cat = m->main->results[0]->u.call.args[1];
	assert_int_equal(cat->u.call.op, RELAY_OP_CONCAT);
	relay_expr *k = cat->u.call.args[3];
	assert_int_equal(k->kind, RELAY_CONSTANT);
	assert_int_equal(sb_tensor_get_i64(k->u.constant.value, 0), 64);
	relay_expr *l = m->main->results[1];
	assert_int_equal(l->kind, RELAY_CONSTANT);
	assert_int_equal(sb_tensor_get_i64(l->u.constant.value, 0), 256);
	/* The rest is FoldConstant's, and there is nothing left for it. */
	int before = count_calls(m);
	run_pass_same_outputs(m, relay_fold_constant, in);
	assert_int_equal(count_calls(m), before);
	release_all(in, 1);
	relay_module_free(m);
}

/* Golden: the printed IR after FoldShapeComputation (the text form of the
 * pass file's sketch). */
static void test_fold_shape_golden(void **state)
{
	relay_module *m = relay_module_new();
	relay_dim dims[3] = {
	    {-1, relay_intern(m, "batch")}, {-1, relay_intern(m, "seq")}, relay_dim_known(256)};
	relay_expr *x = relay_var(m, "x", relay_type_tensor(m, SB_F32, 3, dims));
	relay_expr *shape = call1(m, RELAY_OP_SHAPE, x, NULL);
	relay_expr *axes0 = const_i64(m, 1, (int64_t[]){1}, (int64_t[]){0});
	relay_expr *g0 = call2(m, RELAY_OP_GATHER, shape, const_scalar_i64(m, 0), NULL);
	relay_expr *g2 = call2(m, RELAY_OP_GATHER, shape, const_scalar_i64(m, 2), NULL);
	relay_expr *d = call2(m, RELAY_OP_DIV, g2, const_scalar_i64(m, 4), NULL);
	relay_expr *cat_args[3] = {call2(m, RELAY_OP_UNSQUEEZE, g0, axes0, NULL),
				   const_i64(m, 1, (int64_t[]){1}, (int64_t[]){4}),
				   call2(m, RELAY_OP_UNSQUEEZE, d, axes0, NULL)};
	relay_expr *cat = relay_call(m, RELAY_OP_CONCAT, 3, cat_args, NULL, 1, "target");
	const char *names[1] = {"target"};
	m->main = relay_function_new(m, "main", 1, &x, 1, &cat, names);
	assert_ok(relay_infer_types(m));
	assert_ok(relay_fold_shape_computation(m));
	char *text = relay_print_module(m);
	const char *want = "fn main(%x: float32[batch,seq,256]) -> (target: int64[3]) {\n"
			   "  %0 = Shape(%x) : int64[3]\n"
			   "  %1 = Gather(%0, 0i64) : int64[]\n"
			   "  %2 = Unsqueeze(%1, 0i64[1]) : int64[1]\n"
			   "  %3 = Concat(%2, 4i64[1], 64i64[1]) : int64[3]  # target\n"
			   "  return %3\n"
			   "}\n";
	assert_string_equal(text, want);
	free(text);
	relay_module_free(m);
}

/* Gather(Shape(y), 0) of a "batch" dim reads the input's shape instead, so
 * the copies computed from different tensors merge. */
static void test_fold_shape_named_dims_merge(void **state)
{
	relay_module *m = relay_module_new();
	relay_dim dims[3] = {
	    {-1, relay_intern(m, "batch")}, relay_dim_known(4), relay_dim_known(6)};
	relay_expr *x = relay_var(m, "x", relay_type_tensor(m, SB_F32, 3, dims));
	relay_expr *results[2];
	for (int i = 0; i < 2; i++) {
		relay_expr *y = call1(m, i ? RELAY_OP_NEG : RELAY_OP_RELU, x, NULL);
		relay_expr *g = call2(m, RELAY_OP_GATHER, call1(m, RELAY_OP_SHAPE, y, NULL),
				      const_scalar_i64(m, 0), NULL);
		relay_expr *cat_args[2] = {call2(m, RELAY_OP_UNSQUEEZE, g,
						 const_i64(m, 1, (int64_t[]){1}, (int64_t[]){0}),
						 NULL),
					   const_i64(m, 1, (int64_t[]){1}, (int64_t[]){-1})};
		results[i] =
		    call2(m, RELAY_OP_RESHAPE, y,
			  relay_call(m, RELAY_OP_CONCAT, 2, cat_args, NULL, 1, NULL), NULL);
	}
	set_main(m, 1, &x, 2, results);
	sb_tensor *in[1] = {tensor_rand(3, (int64_t[]){3, 4, 6}, -1, 1)};
	run_pass_same_outputs(m, relay_fold_shape_computation, in);
	assert_int_equal(count_op(m, RELAY_OP_SHAPE), 2);
	run_pass_same_outputs(m, relay_eliminate_common_subexpr, in);
	assert_int_equal(count_op(m, RELAY_OP_SHAPE), 1);
	assert_int_equal(count_op(m, RELAY_OP_GATHER), 1);
	assert_int_equal(count_op(m, RELAY_OP_CONCAT), 1);
	relay_expr *shape =
	    m->main->results[0]->u.call.args[1]->u.call.args[0]->u.call.args[0]->u.call.args[0];
	assert_int_equal(shape->u.call.op, RELAY_OP_SHAPE);
	assert_ptr_equal(shape->u.call.args[0], x);
	release_all(in, 1);
	relay_module_free(m);
}

/* With every dim known, Shape and Size fold and so does all that follows. */
static void test_fold_shape_static(void **state)
{
	relay_module *m = relay_module_new();
	int64_t xs[2] = {3, 4};
	relay_expr *x = param_f32(m, "x", 2, xs);
	relay_expr *size = call1(m, RELAY_OP_SIZE, x, NULL);
	relay_expr *flat = call2(m, RELAY_OP_RESHAPE, x,
				 call2(m, RELAY_OP_UNSQUEEZE, size,
				       const_i64(m, 1, (int64_t[]){1}, (int64_t[]){0}), NULL),
				 NULL);
	relay_expr *back =
	    call2(m, RELAY_OP_RESHAPE, flat, call1(m, RELAY_OP_SHAPE, x, NULL), NULL);
	set_main(m, 1, &x, 1, &back);
	sb_tensor *in[1] = {tensor_rand(2, xs, -1, 1)};
	run_pass_same_outputs(m, relay_fold_shape_computation, in);
	assert_int_equal(count_op(m, RELAY_OP_SIZE), 0);
	assert_int_equal(count_op(m, RELAY_OP_SHAPE), 0);
	assert_int_equal(count_op(m, RELAY_OP_UNSQUEEZE), 0);
	assert_int_equal(count_op(m, RELAY_OP_RESHAPE), 2);
	release_all(in, 1);
	relay_module_free(m);
}

/* ---- SimplifyInference: Identity and Dropout ---- */

static void test_identity_dropout_removed(void **state)
{
	relay_module *m = relay_module_new();
	int64_t xs[2] = {2, 3};
	relay_expr *x = param_f32(m, "x", 2, xs);
	relay_expr *id = call1(m, RELAY_OP_IDENTITY, x, NULL);
	relay_expr *d1 = relay_call(m, RELAY_OP_DROPOUT, 1, &id, NULL, 1, NULL);
	relay_expr *relu = call1(m, RELAY_OP_RELU, relay_tuple_get(m, d1, 0), NULL);
	/* ratio given, training_mode a constant false, mask used. */
	bool f = false;
	sb_tensor *tm = sb_tensor_new(SB_BOOL, 0, NULL);
	memcpy(sb_tensor_data(tm), &f, 1);
	relay_expr *d2_args[3] = {relu, relay_constant(m, tensor_f32(0, NULL, (float[]){0.5f})),
				  relay_constant(m, tm)};
	relay_expr *d2 = relay_call(m, RELAY_OP_DROPOUT, 3, d2_args, NULL, 2, NULL);
	relay_expr *results[2] = {call1(m, RELAY_OP_IDENTITY, relay_tuple_get(m, d2, 0), NULL),
				  relay_tuple_get(m, d2, 1)};
	set_main(m, 1, &x, 2, results);
	sb_tensor *in[1] = {tensor_rand(2, xs, -1, 1)};
	run_pass_same_outputs(m, relay_simplify_inference, in);
	assert_int_equal(count_op(m, RELAY_OP_IDENTITY), 0);
	assert_int_equal(count_op(m, RELAY_OP_DROPOUT), 0);
	assert_int_equal(count_calls(m), 1);
	assert_int_equal(m->main->results[0]->u.call.op, RELAY_OP_RELU);
	relay_expr *mask = m->main->results[1];
	assert_int_equal(mask->kind, RELAY_CONSTANT);
	assert_int_equal(mask->u.constant.value->dtype, SB_BOOL);
	for (int i = 0; i < 6; i++)
		assert_int_equal(sb_tensor_get_i64(mask->u.constant.value, i), 1);
	release_all(in, 1);
	relay_module_free(m);
}

/* A used mask of a shape not known until run time keeps its Dropout;
 * training_mode that is not a constant keeps it too. */
static void test_dropout_kept(void **state)
{
	relay_module *m = relay_module_new();
	relay_dim dims[1] = {{-1, relay_intern(m, "n")}};
	relay_expr *x = relay_var(m, "x", relay_type_tensor(m, SB_F32, 1, dims));
	relay_expr *d = relay_call(m, RELAY_OP_DROPOUT, 1, &x, NULL, 2, NULL);
	relay_expr *results[2] = {relay_tuple_get(m, d, 0), relay_tuple_get(m, d, 1)};
	set_main(m, 1, &x, 2, results);
	assert_ok(relay_infer_types(m));
	assert_ok(relay_simplify_inference(m));
	assert_ptr_equal(m->main->results[0], x);
	assert_int_equal(count_op(m, RELAY_OP_DROPOUT), 1);
	relay_module_free(m);
}

/* ---- DeadCodeElim ---- */

static void test_dce_releases_constants(void **state)
{
	relay_module *m = relay_module_new();
	int64_t s[1] = {4};
	relay_expr *x = param_f32(m, "x", 1, s);
	sb_tensor *t0 = tensor_rand(1, s, -1, 1);
	sb_tensor_retain(t0); /* ours, to watch the module let go of it */
	relay_expr *c0 = relay_constant(m, t0);
	relay_expr *c1 = const_rand(m, 1, s, -1, 1);
	relay_expr *r = call2(m, RELAY_OP_ADD, x, call2(m, RELAY_OP_MUL, c0, c1, NULL), NULL);
	set_main(m, 1, &x, 1, &r);
	sb_tensor *in[1] = {tensor_rand(1, s, -1, 1)};
	run_pass_same_outputs(m, relay_fold_constant, in);
	assert_int_equal(m->constants.len, 3); /* c0, c1 and the folded product */
	assert_int_equal(t0->refcount, 2);
	run_pass_same_outputs(m, relay_dead_code_elim, in);
	assert_int_equal(m->constants.len, 1);
	assert_ptr_equal(m->constants.data[0],
			 m->main->results[0]->u.call.args[1]->u.constant.value);
	assert_int_equal(t0->refcount, 1);
	sb_tensor_release(t0);
	release_all(in, 1);
	relay_module_free(m);
}

/* An unused trailing output is dropped; a field kept alive only by a tuple dies. */
static void test_dce_unused_outputs(void **state)
{
	relay_module *m = relay_module_new();
	int64_t xs[4] = {1, 2, 4, 4};
	relay_expr *x = param_f32(m, "x", 4, xs);
	relay_attrs_pool *pa = relay_attrs_new(m, RELAY_ATTRS_pool);
	pa->kernel_shape = relay_ints_make(m, 2, (int64_t[]){2, 2});
	relay_expr *pool = relay_call(m, RELAY_OP_MAX_POOL, 1, &x, pa, 2, NULL);
	relay_expr *fields[2] = {relay_tuple_get(m, pool, 0), call1(m, RELAY_OP_RELU, x, NULL)};
	relay_expr *tup = relay_tuple(m, 2, fields);
	relay_expr *r = relay_tuple_get(m, tup, 0);
	set_main(m, 1, &x, 1, &r);
	sb_tensor *in[1] = {tensor_rand(4, xs, -1, 1)};
	run_pass_same_outputs(m, relay_dead_code_elim, in);
	assert_int_equal(count_op(m, RELAY_OP_RELU), 0);
	relay_expr *out = m->main->results[0];
	assert_int_equal(out->kind, RELAY_TUPLE_GET);
	assert_int_equal(out->u.get.tuple->u.call.nout, 1);
	release_all(in, 1);
	relay_module_free(m);
}

/* ---- the pipeline ---- */

static void test_pipeline_dump_after(void **state)
{
	relay_module *m = build_conv_bn_relu();
	relay_optimize_opts bad = {.dump_after = "NoSuchPass"};
	assert_int_equal(relay_optimize_with(m, &bad), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "NoSuchPass"));
	FILE *f = tmpfile();
	assert_non_null(f);
	relay_optimize_opts opts = {.dump_after = "SimplifyInference", .dump_file = f};
	assert_ok(relay_optimize_with(m, &opts));
	rewind(f);
	char buf[4096] = {0};
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	assert_non_null(strstr(buf, "// after SimplifyInference"));
	assert_non_null(strstr(buf, "Mul("));
	assert_null(strstr(buf, "// after FoldConstant"));
	relay_module_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_conv_bn_relu_pipeline),
	    cmocka_unit_test(test_conv_bn_step_by_step),
	    cmocka_unit_test(test_batch_norm_constants),
	    cmocka_unit_test(test_fold_scale_needs_single_use),
	    cmocka_unit_test(test_cse),
	    cmocka_unit_test(test_fold_constant_chain),
	    cmocka_unit_test(test_fold_constant_multi_output),
	    cmocka_unit_test(test_fold_constant_size_limit),
	    cmocka_unit_test(test_fold_shape_computation),
	    cmocka_unit_test(test_fold_shape_golden),
	    cmocka_unit_test(test_fold_shape_named_dims_merge),
	    cmocka_unit_test(test_fold_shape_static),
	    cmocka_unit_test(test_identity_dropout_removed),
	    cmocka_unit_test(test_dropout_kept),
	    cmocka_unit_test(test_dce_releases_constants),
	    cmocka_unit_test(test_dce_unused_outputs),
	    cmocka_unit_test(test_pipeline_dump_after),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
