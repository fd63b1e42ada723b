/* ONNX import: older opsets normalised to relay_like (newest-opset)
 * semantics, each checked on the resulting call's args and attrs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "onnx_build.h"

enum { F32 = 1, I64 = 7, F64 = 11 };

static void assert_error_has(const char *needle)
{
	const char *msg = sb_last_error();
	if (!strstr(msg, needle))
		fail_msg("error \"%s\" does not contain \"%s\"", msg, needle);
}

/* One-node model: inputs x (F32, shape xs) [+ more], output y. */
static Onnx__NodeProto *one_node(onnx_builder *b, int64_t opset, const char *op, const char *inputs,
				 const char *xs)
{
	ob_init(b, opset);
	ob_input(b, "x", F32, xs);
	Onnx__NodeProto *n = ob_node(b, op, "n", inputs, "y");
	ob_output(b, "y", F32, NULL);
	return n;
}

static relay_expr *import_ok(onnx_builder *b, relay_module **m)
{
	sb_status s = ob_import(b, m);
	if (s)
		fail_msg("import failed: %s", sb_last_error());
	return ob_call(ob_result(*m, 0));
}

static void assert_const_ints(relay_expr *e, int n, const int64_t *v)
{
	assert_non_null(e);
	assert_int_equal(e->kind, RELAY_CONSTANT);
	sb_tensor *t = e->u.constant.value;
	assert_int_equal(t->dtype, SB_I64);
	assert_int_equal(t->dl.ndim, 1);
	assert_int_equal(t->shape[0], n);
	for (int i = 0; i < n; i++)
		assert_int_equal(ob_const_i64(e, i), v[i]);
}

static void assert_const_scalar(relay_expr *e, sb_dtype dt, double v)
{
	assert_non_null(e);
	assert_int_equal(e->kind, RELAY_CONSTANT);
	assert_int_equal(e->u.constant.value->dtype, dt);
	assert_int_equal(e->u.constant.value->dl.ndim, 0);
	assert_true(ob_const_f64(e, 0) == v);
}

static void test_softmax_family(void **state)
{
	static const char *const ops[] = {"Softmax", "LogSoftmax", "Hardmax"};
	for (int k = 0; k < 3; k++) {
		onnx_builder b;
		relay_module *m;
		one_node(&b, 11, ops[k], "x", "2,3,4");
		relay_expr *c = import_ok(&b, &m);
		const relay_attrs_softmax *a = c->u.call.attrs;
		assert_int_equal(a->axis, 1); /* the old default */
		assert_int_equal(a->coerce_2d, 1);
		relay_module_free(m);
		ob_free(&b);

		ob_attr_int(&b, one_node(&b, 12, ops[k], "x", "2,3,4"), "axis", 2);
		c = import_ok(&b, &m);
		a = c->u.call.attrs;
		assert_int_equal(a->axis, 2);
		assert_int_equal(a->coerce_2d, 1);
		relay_module_free(m);
		ob_free(&b);

		one_node(&b, 13, ops[k], "x", "2,3,4");
		c = import_ok(&b, &m);
		a = c->u.call.attrs;
		assert_int_equal(a->axis, -1);
		assert_int_equal(a->coerce_2d, 0);
		relay_module_free(m);
		ob_free(&b);
	}
}

static void test_reduce_axes(void **state)
{
	onnx_builder b;
	relay_module *m;
	Onnx__NodeProto *n = one_node(&b, 13, "ReduceMean", "x", "2,3,4");
	ob_attr_ints(&b, n, "axes", 2, (int64_t[]){1, -1});
	ob_attr_int(&b, n, "keepdims", 0);
	relay_expr *c = import_ok(&b, &m);
	assert_int_equal(c->u.call.op, RELAY_OP_REDUCE_MEAN);
	assert_int_equal(c->u.call.nargs, 2);
	assert_const_ints(c->u.call.args[1], 2, (int64_t[]){1, -1});
	assert_int_equal(((relay_attrs_reduce *)c->u.call.attrs)->keepdims, 0);
	relay_module_free(m);
	ob_free(&b);

	/* No axes: reduce all, no input. */
	one_node(&b, 11, "ReduceMax", "x", "2,3");
	c = import_ok(&b, &m);
	assert_int_equal(c->u.call.nargs, 1);
	relay_module_free(m);
	ob_free(&b);

	ob_attr_ints(&b, one_node(&b, 11, "ReduceSum", "x", "2,3"), "axes", 1, (int64_t[]){0});
	c = import_ok(&b, &m);
	assert_const_ints(c->u.call.args[1], 1, (int64_t[]){0});
	relay_module_free(m);
	ob_free(&b);

	/* ReduceSum 13 takes axes as an input: the attribute is gone. */
	ob_attr_ints(&b, one_node(&b, 13, "ReduceSum", "x", "2,3"), "axes", 1, (int64_t[]){0});
	assert_int_equal(ob_import(&b, &m), SB_ERR_UNSUPPORTED);
	assert_error_has("node 'n' (ReduceSum, opset 13): attribute 'axes' is not supported");
	ob_free(&b);

	/* Opset 18: input form everywhere, passed through. */
	one_node(&b, 18, "ReduceL2", "x,ax", "2,3");
	ob_initializer(&b, ob_tensor_i64(&b, "ax", "1", 1, (int64_t[]){1}));
	c = import_ok(&b, &m);
	assert_const_ints(c->u.call.args[1], 1, (int64_t[]){1});
	relay_module_free(m);
	ob_free(&b);

	/* Attribute and input both: the operand twice. */
	ob_attr_ints(&b, one_node(&b, 11, "ReduceSum", "x,x", "2"), "axes", 1, (int64_t[]){0});
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("attribute 'axes' and input 1 give the same operand");
	ob_free(&b);
}

static void test_squeeze_unsqueeze_split(void **state)
{
	onnx_builder b;
	relay_module *m;
	ob_attr_ints(&b, one_node(&b, 11, "Squeeze", "x", "1,3,1"), "axes", 2, (int64_t[]){0, 2});
	relay_expr *c = import_ok(&b, &m);
	assert_int_equal(c->u.call.op, RELAY_OP_SQUEEZE);
	assert_const_ints(c->u.call.args[1], 2, (int64_t[]){0, 2});
	relay_module_free(m);
	ob_free(&b);

	ob_attr_ints(&b, one_node(&b, 1, "Unsqueeze", "x", "3"), "axes", 1, (int64_t[]){0});
	c = import_ok(&b, &m);
	assert_const_ints(c->u.call.args[1], 1, (int64_t[]){0});
	relay_module_free(m);
	ob_free(&b);

	one_node(&b, 11, "Unsqueeze", "x", "3");
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("attribute 'axes' is required");
	ob_free(&b);

	/* Split 11: split attribute -> input 1; two outputs. */
	ob_init(&b, 11);
	ob_input(&b, "x", F32, "2,5");
	Onnx__NodeProto *n = ob_node(&b, "Split", "s", "x", "a,b");
	ob_attr_int(&b, n, "axis", 1);
	ob_attr_ints(&b, n, "split", 2, (int64_t[]){2, 3});
	ob_output(&b, "a", F32, NULL);
	ob_output(&b, "b", F32, NULL);
	c = import_ok(&b, &m);
	assert_int_equal(c->u.call.op, RELAY_OP_SPLIT);
	assert_int_equal(c->u.call.nout, 2);
	assert_const_ints(c->u.call.args[1], 2, (int64_t[]){2, 3});
	assert_int_equal(((relay_attrs_split *)c->u.call.attrs)->axis, 1);
	assert_int_equal(ob_result(m, 1)->u.get.index, 1);
	relay_module_free(m);
	ob_free(&b);

	/* Split 18: num_outputs stays an attribute. */
	ob_init(&b, 18);
	ob_input(&b, "x", F32, "6");
	ob_attr_int(&b, ob_node(&b, "Split", "s", "x", "a,b,c"), "num_outputs", 3);
	ob_output(&b, "c", F32, NULL);
	c = import_ok(&b, &m);
	assert_int_equal(c->u.call.nargs, 1);
	assert_int_equal(c->u.call.nout, 3);
	assert_int_equal(((relay_attrs_split *)c->u.call.attrs)->num_outputs, 3);
	assert_int_equal(ob_result(m, 0)->u.get.index, 2);
	relay_module_free(m);
	ob_free(&b);
}

static void test_clip(void **state)
{
	onnx_builder b;
	relay_module *m;
	Onnx__NodeProto *n = one_node(&b, 6, "Clip", "x", "4");
	ob_attr_float(&b, n, "min", -0.5f);
	ob_attr_float(&b, n, "max", 0.5f);
	relay_expr *c = import_ok(&b, &m);
	assert_int_equal(c->u.call.nargs, 3);
	assert_const_scalar(c->u.call.args[1], SB_F32, -0.5);
	assert_const_scalar(c->u.call.args[2], SB_F32, 0.5);
	relay_module_free(m);
	ob_free(&b);

	/* Only max: min stays absent.  A float64 input gets float64 bounds. */
	ob_init(&b, 6);
	ob_input(&b, "x", F64, "4");
	ob_attr_float(&b, ob_node(&b, "Clip", "n", "x", "y"), "max", 6.0f);
	ob_output(&b, "y", F64, NULL);
	c = import_ok(&b, &m);
	assert_int_equal(c->u.call.nargs, 3);
	assert_null(c->u.call.args[1]);
	assert_const_scalar(c->u.call.args[2], SB_F64, 6.0);
	relay_module_free(m);
	ob_free(&b);

	/* The input's dtype is unknown before type inference: CastLike. */
	ob_init(&b, 6);
	ob_input(&b, "x", F32, "4");
	ob_node(&b, "Relu", "r", "x", "h");
	ob_attr_float(&b, ob_node(&b, "Clip", "n", "h", "y"), "min", 0.0f);
	ob_output(&b, "y", F32, NULL);
	c = import_ok(&b, &m);
	relay_expr *lo = c->u.call.args[1];
	assert_int_equal(lo->kind, RELAY_CALL);
	assert_int_equal(lo->u.call.op, RELAY_OP_CAST_LIKE);
	assert_const_scalar(lo->u.call.args[0], SB_F32, 0.0);
	assert_ptr_equal(lo->u.call.args[1], c->u.call.args[0]);
	relay_module_free(m);
	ob_free(&b);

	/* ... unless value_info tells it. */
	ob_init(&b, 6);
	ob_input(&b, "x", F64, "4");
	ob_node(&b, "Relu", "r", "x", "h");
	ob_value_info(&b, "h", F64, "4");
	ob_attr_float(&b, ob_node(&b, "Clip", "n", "h", "y"), "min", 1.0f);
	ob_output(&b, "y", F64, NULL);
	c = import_ok(&b, &m);
	assert_const_scalar(c->u.call.args[1], SB_F64, 1.0);
	relay_module_free(m);
	ob_free(&b);
}

static void test_slice_pad(void **state)
{
	onnx_builder b;
	relay_module *m;
	Onnx__NodeProto *n = one_node(&b, 9, "Slice", "x", "4,5");
	ob_attr_ints(&b, n, "starts", 2, (int64_t[]){1, 0});
	ob_attr_ints(&b, n, "ends", 2, (int64_t[]){3, -1});
	ob_attr_ints(&b, n, "axes", 2, (int64_t[]){0, 1});
	relay_expr *c = import_ok(&b, &m);
	assert_int_equal(c->u.call.nargs, 4);
	assert_const_ints(c->u.call.args[1], 2, (int64_t[]){1, 0});
	assert_const_ints(c->u.call.args[2], 2, (int64_t[]){3, -1});
	assert_const_ints(c->u.call.args[3], 2, (int64_t[]){0, 1});
	relay_module_free(m);
	ob_free(&b);

	ob_attr_ints(&b, one_node(&b, 1, "Slice", "x", "4"), "ends", 1, (int64_t[]){2});
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("attribute 'starts' is required");
	ob_free(&b);

	n = one_node(&b, 2, "Pad", "x", "2,2");
	ob_attr_ints(&b, n, "pads", 4, (int64_t[]){0, 1, 0, 2});
	ob_attr_float(&b, n, "value", 1.5f);
	ob_attr_string(&b, n, "mode", "constant");
	c = import_ok(&b, &m);
	assert_int_equal(c->u.call.nargs, 3);
	assert_const_ints(c->u.call.args[1], 4, (int64_t[]){0, 1, 0, 2});
	assert_const_scalar(c->u.call.args[2], SB_F32, 1.5);
	assert_ptr_equal(((relay_attrs_pad *)c->u.call.attrs)->mode, relay_intern(m, "constant"));
	relay_module_free(m);
	ob_free(&b);

	/* Opset 1 spells it `paddings`. */
	n = one_node(&b, 1, "Pad", "x", "2,2");
	ob_attr_ints(&b, n, "paddings", 4, (int64_t[]){1, 1, 1, 1});
	ob_attr_string(&b, n, "mode", "reflect");
	c = import_ok(&b, &m);
	assert_int_equal(c->u.call.nargs, 2);
	assert_const_ints(c->u.call.args[1], 4, (int64_t[]){1, 1, 1, 1});
	relay_module_free(m);
	ob_free(&b);
}

static void test_upsample_resize(void **state)
{
	onnx_builder b;
	relay_module *m;
	Onnx__NodeProto *n = one_node(&b, 7, "Upsample", "x", "1,1,2,2");
	ob_attr_floats(&b, n, "scales", 4, (float[]){1, 1, 2, 3});
	relay_expr *c = import_ok(&b, &m);
	assert_int_equal(c->u.call.op, RELAY_OP_UPSAMPLE);
	sb_tensor *s = c->u.call.args[1]->u.constant.value;
	assert_int_equal(s->dtype, SB_F32);
	assert_int_equal(s->shape[0], 4);
	assert_true(sb_tensor_get_f64(s, 3) == 3.0);
	relay_module_free(m);
	ob_free(&b);

	n = one_node(&b, 1, "Upsample", "x", "1,1,2,2");
	ob_attr_float(&b, n, "height_scale", 2);
	ob_attr_float(&b, n, "width_scale", 4);
	ob_attr_string(&b, n, "mode", "bilinear");
	c = import_ok(&b, &m);
	s = c->u.call.args[1]->u.constant.value;
	assert_true(sb_tensor_get_f64(s, 0) == 1.0 && sb_tensor_get_f64(s, 2) == 2.0 &&
		    sb_tensor_get_f64(s, 3) == 4.0);
	assert_ptr_equal(((relay_attrs_resize *)c->u.call.attrs)->mode, relay_intern(m, "linear"));
	relay_module_free(m);
	ob_free(&b);

	/* Upsample has `mode` only, though it shares Resize's struct. */
	ob_attr_string(&b, one_node(&b, 9, "Upsample", "x,x", "4"), "nearest_mode", "floor");
	assert_int_equal(ob_import(&b, &m), SB_ERR_UNSUPPORTED);
	assert_error_has("attribute 'nearest_mode' is not supported");
	ob_free(&b);

	/* Resize 10: (X, scales) -> (X, absent roi, scales), asymmetric/floor. */
	ob_init(&b, 10);
	ob_input(&b, "x", F32, "1,1,2,2");
	ob_initializer(&b, ob_tensor_f32(&b, "sc", "4", 4, (float[]){1, 1, 2, 2}));
	ob_attr_string(&b, ob_node(&b, "Resize", "r", "x,sc", "y"), "mode", "linear");
	ob_output(&b, "y", F32, NULL);
	c = import_ok(&b, &m);
	assert_int_equal(c->u.call.nargs, 3);
	assert_null(c->u.call.args[1]);
	assert_int_equal(c->u.call.args[2]->kind, RELAY_CONSTANT);
	const relay_attrs_resize *a = c->u.call.attrs;
	assert_ptr_equal(a->coordinate_transformation_mode, relay_intern(m, "asymmetric"));
	assert_ptr_equal(a->nearest_mode, relay_intern(m, "floor"));
	assert_ptr_equal(a->mode, relay_intern(m, "linear"));
	relay_module_free(m);
	ob_free(&b);

	ob_init(&b, 10);
	ob_input(&b, "x", F32, "1,1,2,2");
	ob_input(&b, "sc", F32, "4");
	ob_attr_string(&b, ob_node(&b, "Resize", "r", "x,sc", "y"),
		       "coordinate_transformation_mode", "half_pixel");
	ob_output(&b, "y", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_UNSUPPORTED);
	ob_free(&b);

	/* Resize 11: empty roi/scales constants become absent inputs. */
	ob_init(&b, 11);
	ob_input(&b, "x", F32, "1,1,2,2");
	ob_initializer(&b, ob_tensor_f32(&b, "roi", "0", 0, NULL));
	ob_initializer(&b, ob_tensor_f32(&b, "sc", "0", 0, NULL));
	ob_initializer(&b, ob_tensor_i64(&b, "sz", "4", 4, (int64_t[]){1, 1, 3, 3}));
	ob_node(&b, "Resize", "r", "x,roi,sc,sz", "y");
	ob_output(&b, "y", F32, NULL);
	c = import_ok(&b, &m);
	assert_int_equal(c->u.call.nargs, 4);
	assert_null(c->u.call.args[1]);
	assert_null(c->u.call.args[2]);
	assert_const_ints(c->u.call.args[3], 4, (int64_t[]){1, 1, 3, 3});
	relay_module_free(m);
	ob_free(&b);
}

static void test_dropout_batch_norm(void **state)
{
	onnx_builder b;
	relay_module *m;
	ob_attr_float(&b, one_node(&b, 10, "Dropout", "x", "4"), "ratio", 0.2f);
	relay_expr *c = import_ok(&b, &m);
	assert_int_equal(c->u.call.op, RELAY_OP_DROPOUT);
	assert_int_equal(c->u.call.nargs, 1);
	relay_module_free(m);
	ob_free(&b);

	Onnx__NodeProto *n = one_node(&b, 6, "Dropout", "x", "4");
	ob_attr_int(&b, n, "is_test", 1);
	ob_attr_float(&b, n, "ratio", 0.5f);
	c = import_ok(&b, &m);
	assert_int_equal(c->u.call.nargs, 1);
	relay_module_free(m);
	ob_free(&b);

	/* is_test left opset 7. */
	ob_attr_int(&b, one_node(&b, 7, "Dropout", "x", "4"), "is_test", 1);
	assert_int_equal(ob_import(&b, &m), SB_ERR_UNSUPPORTED);
	assert_error_has("attribute 'is_test' is not supported");
	ob_free(&b);

	/* BatchNormalization 6: is_test consumed, spatial kept internally. */
	ob_init(&b, 6);
	ob_input(&b, "x", F32, "1,2,3");
	for (int i = 0; i < 4; i++) {
		static const char *const names[] = {"s", "bb", "mu", "var"};
		ob_initializer(&b, ob_tensor_f32(&b, names[i], "2", 2, (float[]){1, 1}));
	}
	n = ob_node(&b, "BatchNormalization", "bn", "x,s,bb,mu,var", "y");
	ob_attr_int(&b, n, "is_test", 1);
	ob_attr_int(&b, n, "spatial", 0);
	ob_attr_float(&b, n, "epsilon", 1e-3f);
	ob_attr_ints(&b, n, "consumed_inputs", 0, NULL); /* opsets 1-5 only */
	ob_output(&b, "y", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_UNSUPPORTED);
	assert_error_has("attribute 'consumed_inputs' is not supported");
	n->n_attribute--;
	c = import_ok(&b, &m);
	const relay_attrs_batch_norm *a = c->u.call.attrs;
	assert_int_equal(a->spatial, 0);
	assert_true(a->epsilon == 1e-3f);
	relay_module_free(m);
	/* Training mode (statistics outputs) is not supported. */
	b.model.opset_import[0]->version = 7;
	n->attribute[0] = n->attribute[1]; /* drop is_test: gone in 7 */
	n->attribute[1] = n->attribute[2];
	n->n_attribute = 2;
	n->n_output = 5;
	n->output = (char *[]){"y", "m1", "v1", "sm", "sv"};
	assert_int_equal(ob_import(&b, &m), SB_ERR_UNSUPPORTED);
	assert_error_has("node 'bn' (BatchNormalization, opset 7): 5 outputs: training-mode");
	/* spatial is gone from opset 9 on. */
	b.model.opset_import[0]->version = 9;
	n->n_output = 1;
	assert_int_equal(ob_import(&b, &m), SB_ERR_UNSUPPORTED);
	assert_error_has("attribute 'spatial' is not supported");
	ob_free(&b);
}

static void test_consumed_inputs(void **state)
{
	onnx_builder b;
	relay_module *m;
	ob_attr_ints(&b, one_node(&b, 5, "Relu", "x", "4"), "consumed_inputs", 1, (int64_t[]){0});
	relay_expr *c = import_ok(&b, &m);
	assert_int_equal(c->u.call.op, RELAY_OP_RELU);
	relay_module_free(m);
	ob_free(&b);

	ob_attr_ints(&b, one_node(&b, 6, "Relu", "x", "4"), "consumed_inputs", 1, (int64_t[]){0});
	assert_int_equal(ob_import(&b, &m), SB_ERR_UNSUPPORTED);
	ob_free(&b);
}

static void test_constant_forms(void **state)
{
	onnx_builder b;
	relay_module *m;
	ob_init(&b, 13);
	ob_attr_float(&b, ob_node(&b, "Constant", "c1", NULL, "a"), "value_float", 2.5f);
	ob_attr_ints(&b, ob_node(&b, "Constant", "c2", NULL, "b"), "value_ints", 3,
		     (int64_t[]){4, 5, 6});
	ob_attr_int(&b, ob_node(&b, "Constant", "c3", NULL, "c"), "value_int", -7);
	ob_attr_floats(&b, ob_node(&b, "Constant", "c4", NULL, "d"), "value_floats", 2,
		       (float[]){0.5f, 1.5f});
	ob_attr_tensor(&b, ob_node(&b, "Constant", "c5", NULL, "e"), "value",
		       ob_tensor_i64(&b, "t", "2,1", 2, (int64_t[]){8, 9}));
	static const char *const outs[] = {"a", "b", "c", "d", "e"};
	for (int i = 0; i < 5; i++)
		ob_output(&b, outs[i], F32, NULL);
	import_ok(&b, &m);
	relay_expr *r[5];
	/* Every form becomes a constant node (not a Constant call). */
	for (int i = 0; i < 5; i++) {
		r[i] = ob_result(m, i);
		assert_int_equal(r[i]->kind, RELAY_CONSTANT);
	}
#define VALUE(e) ((e)->u.constant.value)
	assert_int_equal(VALUE(r[0])->dtype, SB_F32);
	assert_int_equal(VALUE(r[0])->dl.ndim, 0);
	assert_true(sb_tensor_get_f64(VALUE(r[0]), 0) == 2.5);
	assert_int_equal(VALUE(r[1])->dtype, SB_I64);
	assert_int_equal(VALUE(r[1])->shape[0], 3);
	assert_int_equal(sb_tensor_get_i64(VALUE(r[1]), 2), 6);
	assert_int_equal(VALUE(r[2])->dl.ndim, 0);
	assert_int_equal(sb_tensor_get_i64(VALUE(r[2]), 0), -7);
	assert_true(sb_tensor_get_f64(VALUE(r[3]), 1) == 1.5);
	assert_int_equal(VALUE(r[4])->dl.ndim, 2);
	assert_int_equal(sb_tensor_get_i64(VALUE(r[4]), 1), 9);
#undef VALUE
	relay_module_free(m);
	ob_free(&b);

	ob_init(&b, 13);
	ob_attr_string(&b, ob_node(&b, "Constant", "s", NULL, "a"), "value_string", "hi");
	ob_output(&b, "a", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_UNSUPPORTED);
	assert_error_has("node 's' (Constant, opset 13): string constants (value_string)");
	ob_free(&b);

	ob_init(&b, 13);
	ob_node(&b, "Constant", "none", NULL, "a");
	ob_output(&b, "a", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("needs exactly one of value");
	ob_attr_int(&b, b.graph.node[0], "value_int", 1);
	ob_attr_float(&b, b.graph.node[0], "value_float", 1);
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("(has 2)");
	ob_free(&b);

	/* A bad tensor inside the attribute names node and attribute. */
	ob_init(&b, 13);
	ob_attr_tensor(&b, ob_node(&b, "Constant", "bad", NULL, "a"), "value",
		       ob_tensor_f32(&b, "t", "3", 2, (float[]){1, 2}));
	ob_output(&b, "a", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("node 'bad' (Constant, opset 13): attribute 'value': tensor 't': "
			 "float_data holds 2 values, dims need 3");
	ob_free(&b);

	/* ConstantOfShape: one-element value tensor. */
	ob_init(&b, 9);
	ob_input(&b, "shape", I64, "2");
	Onnx__NodeProto *n = ob_node(&b, "ConstantOfShape", "k", "shape", "y");
	ob_attr_tensor(&b, n, "value", ob_tensor_i64(&b, "v", "1", 1, (int64_t[]){7}));
	ob_output(&b, "y", I64, NULL);
	relay_expr *c = import_ok(&b, &m);
	const sb_tensor *v = ((relay_attrs_constant_of_shape *)c->u.call.attrs)->value;
	assert_int_equal(v->dtype, SB_I64);
	assert_int_equal(sb_tensor_get_i64(v, 0), 7);
	relay_module_free(m);
	n->attribute[0]->t = ob_tensor_i64(&b, "v", "2", 2, (int64_t[]){7, 8});
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("attribute 'value' must hold one element");
	ob_free(&b);
}

static void test_cast(void **state)
{
	onnx_builder b;
	relay_module *m;
	ob_attr_int(&b, one_node(&b, 13, "Cast", "x", "4"), "to", 10);
	relay_expr *c = import_ok(&b, &m);
	assert_int_equal(((relay_attrs_cast *)c->u.call.attrs)->to, 10);
	relay_module_free(m);
	ob_free(&b);

	ob_attr_int(&b, one_node(&b, 13, "Cast", "x", "4"), "to", 8);
	assert_int_equal(ob_import(&b, &m), SB_ERR_UNSUPPORTED);
	assert_error_has("to=8 (STRING)");
	ob_free(&b);

	ob_attr_int(&b, one_node(&b, 13, "Cast", "x", "4"), "to", 99);
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("to=99 is not an ONNX data type");
	ob_free(&b);

	ob_attr_int(&b, one_node(&b, 13, "Cast", "x", "4"), "to", 14);
	assert_int_equal(ob_import(&b, &m), SB_ERR_UNSUPPORTED);
	assert_error_has("to=14 (COMPLEX64)");
	ob_free(&b);

	one_node(&b, 13, "Cast", "x", "4");
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("attribute 'to' is required");
	ob_free(&b);

	/* Cast 1: `to` is the type's name. */
	ob_attr_string(&b, one_node(&b, 1, "Cast", "x", "4"), "to", "FLOAT16");
	c = import_ok(&b, &m);
	assert_int_equal(((relay_attrs_cast *)c->u.call.attrs)->to, 10);
	relay_module_free(m);
	ob_free(&b);
}

static void test_gemm_concat_reshape_topk(void **state)
{
	onnx_builder b;
	relay_module *m;
	ob_init(&b, 6);
	ob_input(&b, "a", F32, "2,3");
	ob_input(&b, "w", F32, "3,4");
	ob_input(&b, "c", F32, "4");
	Onnx__NodeProto *n = ob_node(&b, "Gemm", "g", "a,w,c", "y");
	ob_attr_int(&b, n, "broadcast", 1);
	ob_attr_float(&b, n, "beta", 0.5f);
	ob_output(&b, "y", F32, NULL);
	relay_expr *c = import_ok(&b, &m);
	assert_int_equal(c->u.call.nargs, 3);
	assert_true(((relay_attrs_gemm *)c->u.call.attrs)->beta == 0.5f);
	relay_module_free(m);
	ob_free(&b);

	/* Concat: axis defaulted to 1 before opset 4, required after. */
	one_node(&b, 3, "Concat", "x,x", "2,2");
	c = import_ok(&b, &m);
	assert_int_equal(((relay_attrs_axis0 *)c->u.call.attrs)->axis, 1);
	relay_module_free(m);
	ob_free(&b);
	one_node(&b, 13, "Concat", "x,x", "2,2");
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("node 'n' (Concat, opset 13): attribute 'axis' is required");
	ob_free(&b);

	ob_attr_ints(&b, one_node(&b, 4, "Reshape", "x", "2,3"), "shape", 2, (int64_t[]){3, -1});
	c = import_ok(&b, &m);
	assert_const_ints(c->u.call.args[1], 2, (int64_t[]){3, -1});
	relay_module_free(m);
	ob_free(&b);

	ob_init(&b, 9);
	ob_input(&b, "x", F32, "5");
	ob_attr_int(&b, ob_node(&b, "TopK", "t", "x", "v,i"), "k", 3);
	ob_output(&b, "i", I64, NULL);
	c = import_ok(&b, &m);
	assert_int_equal(c->u.call.op, RELAY_OP_TOP_K);
	assert_const_ints(c->u.call.args[1], 1, (int64_t[]){3});
	relay_module_free(m);
	ob_free(&b);

	one_node(&b, 5, "Tile", "x,x,x", "4");
	assert_int_equal(ob_import(&b, &m), SB_ERR_UNSUPPORTED);
	assert_error_has("Tile before opset 6");
	ob_free(&b);
}

static void test_legacy_broadcast(void **state)
{
	onnx_builder b;
	relay_module *m;
	/* A[2,3,4,5] + B[3,4] at axis 1: B becomes [3,4,1]. */
	ob_init(&b, 6);
	ob_input(&b, "a", F32, "2,3,4,5");
	float bv[12];
	for (int i = 0; i < 12; i++)
		bv[i] = (float)i;
	ob_initializer(&b, ob_tensor_f32(&b, "bb", "3,4", 12, bv));
	Onnx__NodeProto *n = ob_node(&b, "Add", "add", "a,bb", "y");
	ob_attr_int(&b, n, "broadcast", 1);
	ob_attr_int(&b, n, "axis", 1);
	ob_output(&b, "y", F32, NULL);
	relay_expr *c = import_ok(&b, &m);
	sb_tensor *t = c->u.call.args[1]->u.constant.value;
	assert_int_equal(t->dl.ndim, 3);
	assert_int_equal(t->shape[0], 3);
	assert_int_equal(t->shape[1], 4);
	assert_int_equal(t->shape[2], 1);
	assert_true(sb_tensor_get_f64(t, 11) == 11.0);
	relay_module_free(m);
	ob_free(&b);

	/* B a graph input: Unsqueeze(B, [2]).  Pow follows the same rule. */
	ob_init(&b, 6);
	ob_input(&b, "a", F32, "2,3,4,5");
	ob_input(&b, "bb", F32, "3,4");
	n = ob_node(&b, "Pow", "p", "a,bb", "y");
	ob_attr_int(&b, n, "broadcast", 1);
	ob_attr_int(&b, n, "axis", 1);
	ob_output(&b, "y", F32, NULL);
	c = import_ok(&b, &m);
	relay_expr *u = c->u.call.args[1];
	assert_int_equal(u->u.call.op, RELAY_OP_UNSQUEEZE);
	assert_ptr_equal(u->u.call.args[0], m->main->params[1]);
	assert_const_ints(u->u.call.args[1], 1, (int64_t[]){2});
	relay_module_free(m);
	ob_free(&b);

	/* axis at the trailing position, or no axis: plain numpy broadcasting. */
	ob_init(&b, 6);
	ob_input(&b, "a", F32, "2,3");
	ob_input(&b, "bb", F32, "3");
	n = ob_node(&b, "Mul", "mu", "a,bb", "y");
	ob_attr_int(&b, n, "broadcast", 1);
	ob_attr_int(&b, n, "axis", 1);
	ob_output(&b, "y", F32, NULL);
	c = import_ok(&b, &m);
	assert_ptr_equal(c->u.call.args[1], m->main->params[1]);
	relay_module_free(m);
	/* An axis that cannot hold B. */
	n->attribute[1]->i = 2;
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("broadcast axis=2 cannot place B");
	ob_free(&b);

	/* Ranks unknown before type inference. */
	ob_init(&b, 6);
	ob_input(&b, "a", F32, "2,3,4");
	ob_input(&b, "bb", F32, "3");
	ob_node(&b, "Relu", "r", "a", "h");
	n = ob_node(&b, "Sub", "s", "h,bb", "y");
	ob_attr_int(&b, n, "broadcast", 1);
	ob_attr_int(&b, n, "axis", 1);
	ob_output(&b, "y", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_UNSUPPORTED);
	assert_error_has("node 's' (Sub, opset 6): broadcast with axis=1 needs the ranks");
	ob_free(&b);

	/* Opset 7 removed the attributes. */
	ob_init(&b, 7);
	ob_input(&b, "a", F32, "2,3");
	ob_attr_int(&b, ob_node(&b, "Add", "a7", "a,a", "y"), "broadcast", 1);
	ob_output(&b, "y", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_UNSUPPORTED);
	ob_free(&b);
}

static void test_prelu_slope(void **state)
{
	onnx_builder b;
	relay_module *m;
	ob_init(&b, 6);
	ob_input(&b, "x", F32, "2,3,4,5");
	ob_initializer(&b, ob_tensor_f32(&b, "sl", "3", 3, (float[]){0.1f, 0.2f, 0.3f}));
	ob_node(&b, "PRelu", "p", "x,sl", "y");
	ob_output(&b, "y", F32, NULL);
	relay_expr *c = import_ok(&b, &m);
	sb_tensor *t = c->u.call.args[1]->u.constant.value;
	assert_int_equal(t->dl.ndim, 3);
	assert_int_equal(t->shape[0], 3);
	assert_int_equal(t->shape[2], 1);
	relay_module_free(m);
	/* Opset 7+: numpy broadcasting as given. */
	b.model.opset_import[0]->version = 7;
	c = import_ok(&b, &m);
	assert_int_equal(c->u.call.args[1]->u.constant.value->dl.ndim, 1);
	relay_module_free(m);
	ob_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_softmax_family),
	    cmocka_unit_test(test_reduce_axes),
	    cmocka_unit_test(test_squeeze_unsqueeze_split),
	    cmocka_unit_test(test_clip),
	    cmocka_unit_test(test_slice_pad),
	    cmocka_unit_test(test_upsample_resize),
	    cmocka_unit_test(test_dropout_batch_norm),
	    cmocka_unit_test(test_consumed_inputs),
	    cmocka_unit_test(test_constant_forms),
	    cmocka_unit_test(test_cast),
	    cmocka_unit_test(test_gemm_concat_reshape_topk),
	    cmocka_unit_test(test_legacy_broadcast),
	    cmocka_unit_test(test_prelu_slope),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
