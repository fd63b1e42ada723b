/* ONNX import: graph structure, dim_params, attributes, error reports. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "onnx_build.h"

enum { F32 = 1, U8 = 2, I32 = 6, I64 = 7, STR = 8, F64 = 11 };

static void assert_error_has(const char *needle)
{
	const char *msg = sb_last_error();
	if (!strstr(msg, needle))
		fail_msg("error \"%s\" does not contain \"%s\"", msg, needle);
}

/* X[N,3,H,W] -> Conv(W[8,3,3,3], B[8], pads 1) -> Relu -> Y */
static void test_conv_relu_dim_params(void **state)
{
	onnx_builder b;
	ob_init(&b, 13);
	ob_input(&b, "X", F32, "N,3,H,W");
	float w[8 * 3 * 3 * 3], bias[8];
	for (int i = 0; i < 8 * 27; i++)
		w[i] = (float)i * 0.5f;
	for (int i = 0; i < 8; i++)
		bias[i] = (float)-i;
	ob_initializer(&b, ob_tensor_raw(&b, "W", F32, "8,3,3,3", sizeof w, w));
	ob_initializer(&b, ob_tensor_f32(&b, "B", "8", 8, bias));
	Onnx__NodeProto *conv = ob_node(&b, "Conv", "conv1", "X,W,B", "c");
	ob_attr_ints(&b, conv, "kernel_shape", 2, (int64_t[]){3, 3});
	ob_attr_ints(&b, conv, "pads", 4, (int64_t[]){1, 1, 1, 1});
	ob_attr_ints(&b, conv, "strides", 2, (int64_t[]){1, 1});
	ob_node(&b, "Relu", "relu1", "c", "Y");
	ob_output(&b, "Y", F32, "N,8,H,W");

	relay_module *m;
	assert_int_equal(ob_import(&b, &m), SB_OK);
	assert_int_equal(m->opset, 13);
	relay_function *f = m->main;
	assert_non_null(f);
	assert_int_equal(f->nparams, 1); /* W and B are constants */
	relay_expr *x = f->params[0];
	assert_int_equal(x->kind, RELAY_VAR);
	assert_string_equal(x->name, "X");
	const relay_type *t = x->u.var.annotation;
	assert_int_equal(t->dtype, SB_F32);
	assert_int_equal(t->rank, 4);
	assert_true(t->dims[0].value < 0);
	assert_ptr_equal(t->dims[0].name, relay_intern(m, "N")); /* interned */
	assert_int_equal(t->dims[1].value, 3);
	assert_null(t->dims[1].name);
	assert_ptr_equal(t->dims[2].name, relay_intern(m, "H"));
	assert_ptr_equal(t->dims[3].name, relay_intern(m, "W"));

	assert_int_equal(f->nresults, 1);
	assert_string_equal(f->result_names[0], "Y");
	relay_expr *relu = f->results[0];
	assert_int_equal(relu->kind, RELAY_CALL);
	assert_int_equal(relu->u.call.op, RELAY_OP_RELU);
	assert_string_equal(relu->name, "relu1");
	relay_expr *c = relu->u.call.args[0];
	assert_int_equal(c->u.call.op, RELAY_OP_CONV);
	assert_string_equal(c->name, "conv1");
	assert_int_equal(c->u.call.nargs, 3);
	assert_ptr_equal(c->u.call.args[0], x);
	relay_expr *wc = c->u.call.args[1];
	assert_int_equal(wc->kind, RELAY_CONSTANT);
	sb_tensor *wt = wc->u.constant.value;
	assert_int_equal(wt->dl.ndim, 4);
	assert_int_equal(wt->shape[0], 8);
	assert_int_equal(wt->shape[3], 3);
	assert_true(ob_const_f64(wc, 100) == 50.0);
	assert_true(ob_const_f64(c->u.call.args[2], 7) == -7.0);
	const relay_attrs_conv *a = c->u.call.attrs;
	assert_true(a->pads.set);
	assert_int_equal(a->pads.n, 4);
	assert_int_equal(a->pads.v[3], 1);
	assert_int_equal(a->kernel_shape.n, 2);
	assert_false(a->dilations.set);
	assert_int_equal(a->group, 1);
	assert_ptr_equal(a->auto_pad, relay_intern(m, "NOTSET"));
	relay_module_free(m);
	ob_free(&b);
}

static void test_initializer_listed_as_input(void **state)
{
	/* IR 3: initializers appear in graph.input as well. */
	onnx_builder b;
	ob_init(&b, 8);
	b.model.ir_version = 3;
	ob_input(&b, "x", F32, "2");
	ob_input(&b, "w", F32, "2");
	ob_initializer(&b, ob_tensor_f32(&b, "w", "2", 2, (float[]){1, 2}));
	ob_node(&b, "Add", NULL, "x,w", "y");
	ob_output(&b, "y", F32, "2");
	relay_module *m;
	assert_int_equal(ob_import(&b, &m), SB_OK);
	assert_int_equal(m->main->nparams, 1);
	relay_expr *add = ob_result(m, 0);
	assert_int_equal(add->u.call.args[1]->kind, RELAY_CONSTANT);
	relay_module_free(m);
	ob_free(&b);
}

static void test_optional_inputs(void **state)
{
	/* Clip(x, "", max): a middle absent input is NULL; trailing ones go. */
	onnx_builder b;
	ob_init(&b, 13);
	ob_input(&b, "x", F32, "4");
	ob_initializer(&b, ob_tensor_f32(&b, "hi", "", 1, (float[]){6}));
	ob_node(&b, "Clip", NULL, "x,,hi", "y");
	ob_node(&b, "Clip", NULL, "y,,", "z");
	ob_output(&b, "z", F32, NULL);
	relay_module *m;
	assert_int_equal(ob_import(&b, &m), SB_OK);
	relay_expr *z = ob_result(m, 0);
	assert_int_equal(z->u.call.nargs, 1);
	relay_expr *y = z->u.call.args[0];
	assert_int_equal(y->u.call.nargs, 3);
	assert_null(y->u.call.args[1]);
	assert_int_equal(y->u.call.args[2]->kind, RELAY_CONSTANT);
	relay_module_free(m);
	ob_free(&b);
}

static void test_multi_output(void **state)
{
	/* TopK: two outputs -> tuple_get 0 and 1 of one call with nout 2;
	 * MaxPool (max_out 2) with one output is still read through tuple_get. */
	onnx_builder b;
	ob_init(&b, 13);
	ob_input(&b, "x", F32, "1,1,4,4");
	ob_initializer(&b, ob_tensor_i64(&b, "k", "1", 1, (int64_t[]){2}));
	Onnx__NodeProto *mp = ob_node(&b, "MaxPool", NULL, "x", "p");
	ob_attr_ints(&b, mp, "kernel_shape", 2, (int64_t[]){2, 2});
	ob_node(&b, "TopK", NULL, "p,k", "v,i");
	ob_output(&b, "v", F32, NULL);
	ob_output(&b, "i", I64, NULL);
	relay_module *m;
	assert_int_equal(ob_import(&b, &m), SB_OK);
	relay_expr *v = ob_result(m, 0), *i = ob_result(m, 1);
	assert_int_equal(v->kind, RELAY_TUPLE_GET);
	assert_int_equal(i->kind, RELAY_TUPLE_GET);
	assert_int_equal(v->u.get.index, 0);
	assert_int_equal(i->u.get.index, 1);
	assert_ptr_equal(v->u.get.tuple, i->u.get.tuple);
	relay_expr *topk = v->u.get.tuple;
	assert_int_equal(topk->u.call.op, RELAY_OP_TOP_K);
	assert_int_equal(topk->u.call.nout, 2);
	relay_expr *p = topk->u.call.args[0];
	assert_int_equal(p->kind, RELAY_TUPLE_GET);
	assert_int_equal(p->u.get.tuple->u.call.op, RELAY_OP_MAX_POOL);
	assert_int_equal(p->u.get.tuple->u.call.nout, 1);
	relay_module_free(m);
	ob_free(&b);
}

static void test_unsupported_ops_aggregated(void **state)
{
	onnx_builder b;
	ob_init(&b, 13);
	ob_opset(&b, "com.example", 2);
	ob_input(&b, "x", F32, "4");
	ob_node(&b, "Foo", NULL, "x", "a");
	ob_node(&b, "Relu", NULL, "a", "b");
	ob_node(&b, "Foo", "f2", "b", "c");
	ob_node(&b, "Bar", NULL, "c", "d");
	ob_node(&b, "Baz", NULL, "d", "e")->domain = "com.example";
	ob_node(&b, "Foo", NULL, "e", "f");
	ob_node(&b, "Relu", NULL, "f", "g")->domain = "com.other"; /* not ai.onnx */
	ob_output(&b, "g", F32, NULL);
	relay_module *m = (relay_module *)1;
	assert_int_equal(ob_import(&b, &m), SB_ERR_UNSUPPORTED);
	assert_null(m);
	assert_error_has("unsupported ops: Foo (opset 13, 3 nodes), Bar (opset 13, 1 node), "
			 "com.example.Baz (opset 2, 1 node), com.other.Relu (domain not imported, "
			 "1 node)");
	ob_free(&b);
}

static void test_attribute_type_errors(void **state)
{
	onnx_builder b;
	ob_init(&b, 13);
	ob_input(&b, "x", F32, "1,1,4,4");
	ob_input(&b, "w", F32, "1,1,3,3");
	Onnx__NodeProto *n = ob_node(&b, "Conv", "c0", "x,w", "y");
	ob_attr_float(&b, n, "pads", 1.0f);
	ob_output(&b, "y", F32, NULL);
	relay_module *m;
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has(
	    "node 'c0' (Conv, opset 13): attribute 'pads' has type FLOAT, expected INTS");
	ob_free(&b);

	/* INT where FLOAT is expected, in an unnamed node: "#index". */
	ob_init(&b, 13);
	ob_input(&b, "x", F32, "4");
	ob_node(&b, "Relu", NULL, "x", "r");
	ob_attr_int(&b, ob_node(&b, "LeakyRelu", NULL, "r", "y"), "alpha", 1);
	ob_output(&b, "y", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has(
	    "node #1 (LeakyRelu, opset 13): attribute 'alpha' has type INT, expected FLOAT");
	ob_free(&b);

	/* STRING where INT is expected. */
	ob_init(&b, 13);
	ob_input(&b, "x", F32, "4");
	ob_attr_string(&b, ob_node(&b, "Flatten", "fl", "x", "y"), "axis", "1");
	ob_output(&b, "y", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("attribute 'axis' has type STRING, expected INT");
	ob_free(&b);

	/* Unknown attribute; internal field given by the model. */
	ob_init(&b, 13);
	ob_input(&b, "x", F32, "4");
	ob_attr_int(&b, ob_node(&b, "Relu", "r", "x", "y"), "speed", 3);
	ob_output(&b, "y", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_UNSUPPORTED);
	assert_error_has("node 'r' (Relu, opset 13): attribute 'speed' is not supported");
	ob_free(&b);

	ob_init(&b, 13);
	ob_input(&b, "x", F32, "4");
	ob_attr_int(&b, ob_node(&b, "Softmax", "s", "x", "y"), "coerce_2d", 1);
	ob_output(&b, "y", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_UNSUPPORTED);
	assert_error_has("attribute 'coerce_2d' is not supported");
	ob_free(&b);

	/* The same attribute twice. */
	ob_init(&b, 13);
	ob_input(&b, "x", F32, "4");
	n = ob_node(&b, "Flatten", "fl", "x", "y");
	ob_attr_int(&b, n, "axis", 1);
	ob_attr_int(&b, n, "axis", 0);
	ob_output(&b, "y", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("attribute 'axis' is given twice");
	ob_free(&b);
}

static void test_attribute_values(void **state)
{
	onnx_builder b;
	ob_init(&b, 13);
	ob_input(&b, "x", F32, "1,4,8,8");
	Onnx__NodeProto *n = ob_node(&b, "Resize", NULL, "x,,s", "y");
	ob_attr_string(&b, n, "mode", "linear");
	ob_attr_float(&b, n, "cubic_coeff_a", -0.5f);
	ob_attr_int(&b, n, "exclude_outside", 1);
	ob_initializer(&b, ob_tensor_f32(&b, "s", "4", 4, (float[]){1, 1, 2, 2}));
	n = ob_node(&b, "MeanVarianceNormalization", NULL, "y", "z");
	ob_attr_ints(&b, n, "axes", 2, (int64_t[]){2, 3});
	ob_output(&b, "z", F32, NULL);
	relay_module *m;
	assert_int_equal(ob_import(&b, &m), SB_OK);
	relay_expr *z = ob_result(m, 0);
	const relay_attrs_mvn *am = z->u.call.attrs;
	assert_true(am->axes.set);
	assert_int_equal(am->axes.n, 2);
	assert_int_equal(am->axes.v[1], 3);
	relay_expr *y = z->u.call.args[0];
	const relay_attrs_resize *ar = y->u.call.attrs;
	assert_ptr_equal(ar->mode, relay_intern(m, "linear"));
	assert_true(ar->cubic_coeff_a == -0.5f);
	assert_int_equal(ar->exclude_outside, 1);
	assert_ptr_equal(ar->coordinate_transformation_mode, relay_intern(m, "half_pixel"));
	assert_null(y->u.call.args[1]);
	relay_module_free(m);
	ob_free(&b);
}

static void test_graph_errors(void **state)
{
	onnx_builder b;
	relay_module *m;

	/* Undefined input (also: not yet defined, i.e. not topologically sorted). */
	ob_init(&b, 13);
	ob_input(&b, "x", F32, "4");
	ob_node(&b, "Add", "add0", "x,later", "y");
	ob_node(&b, "Relu", "r", "x", "later");
	ob_output(&b, "y", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("node 'add0' (Add, opset 13): input 1 'later' is not defined");
	ob_free(&b);

	/* Duplicate output names. */
	ob_init(&b, 13);
	ob_input(&b, "x", F32, "4");
	ob_node(&b, "Relu", "r1", "x", "y");
	ob_node(&b, "Relu", "r2", "x", "y");
	ob_output(&b, "y", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("node 'r2' (Relu, opset 13): output 0 'y' is already defined");
	ob_free(&b);

	/* A node writing over a graph input. */
	ob_init(&b, 13);
	ob_input(&b, "x", F32, "4");
	ob_node(&b, "Relu", "r1", "x", "x");
	ob_output(&b, "x", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	ob_free(&b);

	/* No outputs; an output nobody produces. */
	ob_init(&b, 13);
	ob_input(&b, "x", F32, "4");
	ob_node(&b, "Relu", "r1", "x", "y");
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("graph has no outputs");
	ob_output(&b, "q", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("graph output 'q' is not produced");
	ob_free(&b);

	/* Wrong input/output counts, missing required input. */
	ob_init(&b, 13);
	ob_input(&b, "x", F32, "4");
	ob_node(&b, "Add", "a", "x", "y");
	ob_output(&b, "y", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("node 'a' (Add, opset 13): has 1 inputs, Add takes 2 to 2");
	ob_free(&b);

	ob_init(&b, 13);
	ob_input(&b, "x", F32, "4");
	ob_node(&b, "Relu", "r", "x", "y,z");
	ob_output(&b, "y", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("has 2 outputs, Relu gives 1 to 1");
	ob_free(&b);

	ob_init(&b, 13);
	ob_input(&b, "x", F32, "4");
	ob_node(&b, "Where", "w", ",x,x", "y");
	ob_output(&b, "y", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("required input 0 is missing");
	ob_free(&b);

	ob_init(&b, 13);
	ob_input(&b, "x", F32, "4");
	ob_node(&b, "Relu", "r", "x", ",");
	ob_output(&b, "x", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("node has no outputs");
	ob_free(&b);

	/* Node without op_type. */
	ob_init(&b, 13);
	ob_input(&b, "x", F32, "4");
	ob_node(&b, NULL, NULL, "x", "y");
	ob_output(&b, "y", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("node #0 (?, opset 13): node has no op_type");
	ob_free(&b);

	/* Negative dim in an input type; string input; no type at all. */
	ob_init(&b, 13);
	ob_input(&b, "x", F32, "2,-3");
	ob_node(&b, "Relu", NULL, "x", "y");
	ob_output(&b, "y", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("graph input 'x' has negative dim -3 at index 1");
	b.graph.input[0] = ob_value(&b, "x", STR, "2");
	assert_int_equal(ob_import(&b, &m), SB_ERR_UNSUPPORTED);
	assert_error_has("graph input 'x' has element type 8 (STRING)");
	b.graph.input[0]->type = NULL;
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("graph input 'x' has no type");
	ob_free(&b);

	/* Initializer problems: duplicate names, data of the wrong size. */
	ob_init(&b, 13);
	ob_input(&b, "x", F32, "2");
	ob_initializer(&b, ob_tensor_f32(&b, "w", "2", 2, (float[]){1, 2}));
	ob_initializer(&b, ob_tensor_f32(&b, "w", "2", 2, (float[]){1, 2}));
	ob_node(&b, "Add", NULL, "x,w", "y");
	ob_output(&b, "y", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("initializer 'w' is given twice");
	b.graph.initializer[1] = ob_tensor_raw(&b, "v", F32, "3", 8, (float[]){1, 2});
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("raw_data holds 8 bytes, dims need 3 x 4");
	ob_free(&b);

	/* No ai.onnx opset; no graph; garbage bytes. */
	ob_init(&b, 0);
	ob_input(&b, "x", F32, "2");
	ob_node(&b, "Relu", NULL, "x", "y");
	ob_output(&b, "y", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("no ai.onnx opset");
	b.model.ir_version = 2; /* before opset_import existed: opset 1 */
	assert_int_equal(ob_import(&b, &m), SB_OK);
	assert_int_equal(m->opset, 1);
	relay_module_free(m);
	ob_opset(&b, "ai.onnx", 7);
	ob_opset(&b, "", 9);
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("imports the ai.onnx opset twice");
	b.model.graph = NULL;
	b.model.n_opset_import = 1;
	assert_int_equal(ob_import(&b, &m), SB_ERR_INVALID);
	assert_error_has("model has no graph");
	ob_free(&b);

	const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x34};
	assert_int_equal(sb_onnx_import_bytes(junk, sizeof junk, "junk.onnx", &m), SB_ERR_INVALID);
	assert_error_has("junk.onnx: not a valid ONNX model");
	assert_null(m);
	assert_int_equal(sb_onnx_import_file("/nonexistent/model.onnx", &m), SB_ERR_IO);
}

static void test_external_and_sparse(void **state)
{
	onnx_builder b;
	relay_module *m;
	ob_init(&b, 13);
	ob_input(&b, "x", F32, "2");
	Onnx__TensorProto *t = ob_tensor(&b, "w", F32, "2");
	t->has_data_location = 1;
	t->data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	ob_initializer(&b, t);
	ob_node(&b, "Add", NULL, "x,w", "y");
	ob_output(&b, "y", F32, NULL);
	assert_int_equal(ob_import(&b, &m), SB_ERR_UNSUPPORTED);
	assert_error_has("tensor 'w' keeps its data in an external file");
	ob_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_conv_relu_dim_params),
	    cmocka_unit_test(test_initializer_listed_as_input),
	    cmocka_unit_test(test_optional_inputs),
	    cmocka_unit_test(test_multi_output),
	    cmocka_unit_test(test_unsupported_ops_aggregated),
	    cmocka_unit_test(test_attribute_type_errors),
	    cmocka_unit_test(test_attribute_values),
	    cmocka_unit_test(test_graph_errors),
	    cmocka_unit_test(test_external_and_sparse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
