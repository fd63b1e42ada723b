/* The text form: a small BERT-like attention module built through the
 * block builder (nested calls flattened as they are emitted), printed and
 * compared with golden text written by hand; a function with a
 * data-dependent shape, a run-time check and an if; a PrimFunc in the same
 * module in tir's text form. */
#include "relax_test.h"

static sb_tensor *weight(int rank, const int64_t *shape)
{
	return sb_tensor_zeros(SB_F32, rank, shape);
}

static relax_expr *shape(relax_module *m, int n, tir_expr *const *v)
{
	return relax_shape_expr(m, n, v);
}

static relax_expr *perm(relax_module *m, relax_expr *x, int64_t a, int64_t b, int64_t c, int64_t d)
{
	relax_attrs_permute_dims *p = relax_attrs_new(m, RELAX_ATTRS_permute_dims);
	p->axes = relax_ints_make(m, 4, (int64_t[]){a, b, c, d});
	return relax_call_op(m, RELAX_OP_PERMUTE_DIMS, 1, &x, p);
}

static relax_expr *call2(relax_module *m, relax_op op, relax_expr *a, relax_expr *b, void *attrs)
{
	relax_expr *args[2] = {a, b};
	return relax_call_op(m, op, 2, args, attrs);
}

static void build_attention(relax_module *m)
{
	tir_expr *n = sv(m, "n"), *s = sv(m, "s");
	relax_expr *ids = relax_var(m, "input_ids", TENSOR(m, SB_I64, "n", "s"));
	relax_expr *mask = relax_var(m, "mask", TENSOR(m, SB_I64, "n", "s"));
	relax_expr *wq = relax_var(m, "wq", TENSOR(m, SB_F32, "256", "256"));
	relax_expr *params[3] = {ids, mask, wq};
	relax_expr *emb = relax_constant(m, weight(2, (int64_t[]){1000, 256}));
	relax_expr *gamma = relax_constant(m, weight(1, (int64_t[]){256}));
	relax_expr *beta = relax_constant(m, weight(1, (int64_t[]){256}));

	relax_builder *b = relax_builder_new(m);
	relax_builder_begin_function(b, 3, params);
	relax_builder_begin_dataflow(b);
	relax_expr *x, *q, *kt, *scores, *probs, *out, *gv;
	assert_int_equal(relax_builder_emit(b, call2(m, RELAX_OP_TAKE, emb, ids, NULL), NULL, &x),
			 SB_OK);
	relax_expr *ln[3] = {x, gamma, beta};
	assert_int_equal(
	    relax_builder_emit(b, relax_call_op(m, RELAX_OP_LAYER_NORM, 3, ln, NULL), NULL, &x),
	    SB_OK);
	tir_expr *heads[4] = {n, s, tir_int(m->tir, 4), tir_int(m->tir, 64)};
	/* nested: reshape(matmul(x, wq), (n, s, 4, 64)) */
	relax_expr *qh;
	assert_int_equal(
	    relax_builder_emit(b,
			       call2(m, RELAX_OP_RESHAPE, call2(m, RELAX_OP_MATMUL, x, wq, NULL),
				     shape(m, 4, heads), NULL),
			       NULL, &qh),
	    SB_OK);
	assert_int_equal(relax_builder_emit(b, perm(m, qh, 0, 2, 1, 3), NULL, &q), SB_OK);
	assert_int_equal(relax_builder_emit(b, perm(m, qh, 0, 2, 3, 1), NULL, &kt), SB_OK);
	assert_int_equal(
	    relax_builder_emit(b, call2(m, RELAX_OP_MATMUL, q, kt, NULL), NULL, &scores), SB_OK);
	relax_attrs_cast *c = relax_attrs_new(m, RELAX_ATTRS_cast);
	c->dtype = SB_F32;
	tir_expr *mshape[4] = {n, tir_int(m->tir, 1), tir_int(m->tir, 1), s};
	/* nested: add(scores, reshape(cast(mask), (n, 1, 1, s))) */
	relax_expr *masked =
	    call2(m, RELAX_OP_ADD, scores,
		  call2(m, RELAX_OP_RESHAPE, relax_call_op(m, RELAX_OP_CAST, 1, &mask, c),
			shape(m, 4, mshape), NULL),
		  NULL);
	assert_int_equal(relax_builder_emit(b, relax_call_op(m, RELAX_OP_SOFTMAX, 1, &masked, NULL),
					    NULL, &probs),
			 SB_OK);
	assert_int_equal(
	    relax_builder_emit(b, perm(m, call2(m, RELAX_OP_MATMUL, probs, q, NULL), 0, 2, 1, 3),
			       NULL, &out),
	    SB_OK);
	tir_expr *flat[3] = {n, s, tir_int(m->tir, 256)};
	assert_int_equal(
	    relax_builder_emit_output(b, call2(m, RELAX_OP_RESHAPE, out, shape(m, 3, flat), NULL),
				      NULL, &gv),
	    SB_OK);
	relax_builder_end_block(b);
	relax_expr *fn;
	assert_int_equal(relax_builder_end_function(b, gv, NULL, &fn), SB_OK);
	relax_function_set_attr_int(m, fn, "num_input", 2);
	relax_module_set_function(m, "main", fn);
	relax_builder_free(b);
}

static const char *const attention_text =
    "@main(%input_ids: Tensor((n, s), int64), %mask: Tensor((n, s), int64), %wq: Tensor((256, "
    "256), float32)) "
    "-> Tensor((n, s, 256), float32) attrs {num_input: 2} {\n"
    "  with dataflow {\n"
    "    %lv0 = relax.take(const[0], %input_ids) : Tensor((n, s, 256), float32)\n"
    "    %lv1 = relax.layer_norm(%lv0, const[1], const[2]) : Tensor((n, s, 256), float32)\n"
    "    %lv2 = relax.matmul(%lv1, %wq) : Tensor((n, s, 256), float32)\n"
    "    %lv3 = relax.reshape(%lv2, shape(n, s, 4, 64)) : Tensor((n, s, 4, 64), float32)\n"
    "    %lv4 = relax.permute_dims(%lv3, axes=[0, 2, 1, 3]) : Tensor((n, 4, s, 64), float32)\n"
    "    %lv5 = relax.permute_dims(%lv3, axes=[0, 2, 3, 1]) : Tensor((n, 4, 64, s), float32)\n"
    "    %lv6 = relax.matmul(%lv4, %lv5) : Tensor((n, 4, s, s), float32)\n"
    "    %lv7 = relax.cast(%mask, dtype=float32) : Tensor((n, s), float32)\n"
    "    %lv8 = relax.reshape(%lv7, shape(n, 1, 1, s)) : Tensor((n, 1, 1, s), float32)\n"
    "    %lv9 = relax.add(%lv6, %lv8) : Tensor((n, 4, s, s), float32)\n"
    "    %lv10 = relax.softmax(%lv9) : Tensor((n, 4, s, s), float32)\n"
    "    %lv11 = relax.matmul(%lv10, %lv4) : Tensor((n, 4, s, 64), float32)\n"
    "    %lv12 = relax.permute_dims(%lv11, axes=[0, 2, 1, 3]) : Tensor((n, s, 4, 64), float32)\n"
    "    %gv0 = relax.reshape(%lv12, shape(n, s, 256)) : Tensor((n, s, 256), float32)\n"
    "  }\n"
    "  return %gv0\n"
    "}\n";

static void expect_ok(sb_status st)
{
	if (st)
		fprintf(stderr, "error: %s\n", sb_last_error());
	assert_int_equal(st, SB_OK);
}

static void expect_text(const char *got, const char *want)
{
	if (strcmp(got, want))
		fprintf(stderr, "---- got\n%s---- want\n%s", got, want);
	assert_string_equal(got, want);
}

static void test_attention(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	build_attention(m);
	expect_ok(relax_wellformed(m));
	char *text = relax_print_module(m);
	expect_text(text, attention_text);
	free(text);
	relax_module_free(m);
}

/* Non-dataflow bindings, a data-dependent reshape with its check, an if,
 * and a PrimFunc next to the relax function. */
static void test_control_and_prim(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	tir_expr *n = sv(m, "n");
	tir_buffer *A = tir_buffer_new(m->tir, "A", SB_F32, 1, &n);
	tir_param p = tir_param_buffer(A);
	relax_module_add_prim_func(
	    m, tir_func_new(m->tir, "noop", 1, &p, tir_evaluate(m->tir, ci(m, 0))));

	relax_expr *x = relax_var(m, "x", TENSOR(m, SB_F32, "a", "b"));
	relax_expr *t = relax_var(m, "t", TENSOR(m, SB_I64, "2"));
	relax_expr *c = relax_var(m, "c", relax_sinfo_prim(m, SB_BOOL, NULL));
	relax_expr *params[3] = {x, t, c};
	relax_builder *b = relax_builder_new(m);
	relax_builder_begin_function(b, 3, params);
	relax_expr *sh, *y, *r;
	assert_int_equal(relax_builder_emit(
			     b, relax_call_op(m, RELAX_OP_TENSOR_TO_SHAPE, 1, &t, NULL), "sh", &sh),
			 SB_OK);
	relax_expr *ra[2] = {x, sh};
	assert_int_equal(
	    relax_builder_emit(b, relax_call_op(m, RELAX_OP_RESHAPE, 2, ra, NULL), "y", &y), SB_OK);
	relax_expr *relu = relax_call_op(m, RELAX_OP_RELU, 1, &y, NULL);
	assert_int_equal(relax_builder_emit(b, relax_if(m, c, relu, y), "r", &r), SB_OK);
	relax_expr *fn;
	assert_int_equal(relax_builder_end_function(b, r, NULL, &fn), SB_OK);
	relax_module_set_function(m, "f", fn);
	relax_builder_free(b);
	expect_ok(relax_wellformed(m));

	char *text = relax_print_module(m);
	expect_text(text, "@func noop(A: Buffer(float32, [n])) {\n"
			  "  evaluate(0)\n"
			  "}\n"
			  "\n"
			  "@f(%x: Tensor((a, b), float32), %t: Tensor((2,), int64), %c: "
			  "Prim(bool)) -> Tensor(ndim=2, float32) {\n"
			  "  %lv0 = relax.tensor_to_shape(%t) : Shape(ndim=2)\n"
			  "  %sh = match_cast(%lv0, Shape((d, d_1)))\n"
			  "  %y = relax.reshape(%x, %sh) : Tensor((d, d_1), float32) requires (a * "
			  "b == d * d_1)\n"
			  "  %r = if (%c) {\n"
			  "    %lv1 = relax.relu(%y) : Tensor((d, d_1), float32)\n"
			  "    %lv1\n"
			  "  } else {\n"
			  "    %y\n"
			  "  } : Tensor((d, d_1), float32)\n"
			  "  return %r\n"
			  "}\n");
	free(text);
	relax_module_free(m);
}

/* Leaves, tuples, globals, externs, scalars: one line each. */
static void test_exprs(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	sb_strbuf b = {0};
	relax_expr *x = relax_var(m, "x", TENSOR(m, SB_F32, "n"));
	relax_expr *x2 = relax_var(m, "x", TENSOR(m, SB_F32, "n"));
	relax_expr *fields[4] = {x, x2, relax_prim_value(m, tir_add(m->tir, sv(m, "n"), ci(m, 1))),
				 relax_string_imm(m, "a \"q\"")};
	relax_expr *tup = relax_tuple(m, 4, fields);
	relax_expr_print(&b, tup);
	relax_expr *one = relax_tuple(m, 1, &x);
	sb_strbuf_puts(&b, " ");
	relax_expr_print(&b, relax_tuple_get(m, one, 0));
	sb_strbuf_puts(&b, " ");
	relax_expr *args[2] = {relax_extern_func(m, "dnnl.conv2d"), one};
	const relax_sinfo *o = TENSOR(m, SB_F32, "n");
	relax_expr_print(&b,
			 relax_call_op_sinfo(m, RELAX_OP_CALL_DPS_PACKED, 2, args, NULL, 1, &o));
	sb_strbuf_puts(&b, " ");
	relax_expr_print(&b, relax_call_func(m, relax_module_gvar(m, "g"), 1, &x, 0, NULL));
	char *s = sb_strbuf_take(&b);
	expect_text(s, "(%x, %x_1, prim(n + 1), \"a \\\"q\\\"\") (%x,)[0] "
		       "relax.call_dps_packed(extern(\"dnnl.conv2d\"), (%x,), "
		       "sinfo_args=[Tensor((n,), float32)]) @g(%x)");
	free(s);

	/* struct info forms */
	assert_sinfo(relax_sinfo_object(m), "Object");
	assert_sinfo(relax_sinfo_prim(m, SB_I64, sv(m, "n")), "Prim(int64, n)");
	assert_sinfo(relax_sinfo_shape(m, -1, NULL), "Shape(ndim=?)");
	assert_sinfo(relax_sinfo_tensor(m, SB_DT_INVALID, -1, NULL), "Tensor(ndim=?, ?)");
	const relax_sinfo *ps[2] = {TENSOR(m, SB_F32, "n"), relax_sinfo_object(m)};
	assert_sinfo(relax_sinfo_func(m, 2, ps, TENSOR(m, SB_F32), false),
		     "Func((Tensor((n,), float32), Object) -> Tensor((), float32), impure)");
	relax_module_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_attention),
	    cmocka_unit_test(test_control_and_prim),
	    cmocka_unit_test(test_exprs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
