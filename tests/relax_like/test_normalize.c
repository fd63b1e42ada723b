/* Normalize: nested calls flattened into bindings (A-normal form), struct
 * info filled through the op table, match_casts for undecided dims and for
 * data-dependent results, idempotence, errors naming the binding; and the
 * binding rewriter a pass builds on. */
#include "relax_test.h"
#include "relax_like/passes/passes.h"

static relax_binding bind(relax_expr *var, relax_expr *value)
{
	return (relax_binding){.kind = RELAX_VAR_BINDING, .var = var, .value = value};
}

static relax_expr *call(relax_module *m, relax_op op, relax_expr *a, relax_expr *b)
{
	relax_expr *args[2] = {a, b};
	return relax_call_op(m, op, b ? 2 : 1, args, NULL);
}

/* @f(params) { dataflow { bindings } return body }, no struct info on
 * anything but the params; ret left to normalization. */
static relax_expr *add_fn(relax_module *m, int np, relax_expr *const *params, bool dataflow, int nb,
			  const relax_binding *bs, relax_expr *body)
{
	relax_block *blk = relax_block_new(m, dataflow, nb, bs);
	relax_expr *fn = relax_function(m, np, params, relax_seq(m, 1, &blk, body), NULL, true);
	relax_module_set_function(m, "f", fn);
	return fn;
}

static void expect_ok(sb_status st)
{
	if (st)
		fprintf(stderr, "error: %s\n", sb_last_error());
	assert_int_equal(st, SB_OK);
}

static void expect_text(relax_module *m, const char *want)
{
	char *got = relax_print_module(m);
	if (strcmp(got, want))
		fprintf(stderr, "---- got\n%s---- want\n%s", got, want);
	assert_string_equal(got, want);
	free(got);
}

static void test_flattens_nested_calls(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	relax_expr *x = relax_var(m, "x", TENSOR(m, SB_F32, "n", "4"));
	relax_expr *w = relax_var(m, "w", TENSOR(m, SB_F32, "4", "8"));
	relax_expr *params[2] = {x, w};
	relax_expr *y = relax_dataflow_var(m, "y", NULL), *gv = relax_var(m, "gv", NULL);
	/* %y = relax.add(relax.multiply(%x, %x), %x)
	 * %gv = relax.relu(relax.matmul(%y, %w)) */
	relax_binding bs[2] = {
	    bind(y, call(m, RELAX_OP_ADD, call(m, RELAX_OP_MULTIPLY, x, x), x)),
	    bind(gv, call(m, RELAX_OP_RELU, call(m, RELAX_OP_MATMUL, y, w), NULL))};
	add_fn(m, 2, params, true, 2, bs, gv);
	assert_int_not_equal(relax_wellformed(m), SB_OK); /* not normalized yet */
	expect_ok(relax_pass_run(m, "Normalize", relax_normalize, NULL));
	expect_ok(relax_wellformed(m));
	const char *want = "@f(%x: Tensor((n, 4), float32), %w: Tensor((4, 8), float32)) -> "
			   "Tensor((n, 8), float32) {\n"
			   "  with dataflow {\n"
			   "    %lv0 = relax.multiply(%x, %x) : Tensor((n, 4), float32)\n"
			   "    %y = relax.add(%lv0, %x) : Tensor((n, 4), float32)\n"
			   "    %lv1 = relax.matmul(%y, %w) : Tensor((n, 8), float32)\n"
			   "    %gv = relax.relu(%lv1) : Tensor((n, 8), float32)\n"
			   "  }\n"
			   "  return %gv\n"
			   "}\n";
	expect_text(m, want);
	/* vars keep their identity */
	relax_expr *body = relax_module_lookup(m, "f")->func->u.func.body;
	assert_ptr_equal(body->u.seq.blocks[0]->bindings[1].var, y);
	assert_ptr_equal(body->u.seq.body, gv);
	assert_int_equal(body->u.seq.blocks[0]->bindings[0].var->kind, RELAX_DATAFLOW_VAR);
	/* idempotent */
	expect_ok(relax_pass_run(m, "Normalize", relax_normalize, NULL));
	expect_text(m, want);
	relax_module_free(m);
}

/* A nested result, outside any dataflow block: bound in the function's
 * block before the return. */
static void test_nested_body(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	relax_expr *x = relax_var(m, "x", TENSOR(m, SB_F32, "n"));
	relax_expr *a = relax_var(m, "a", NULL);
	relax_binding b1 = bind(a, call(m, RELAX_OP_EXP, x, NULL));
	add_fn(m, 1, &x, false, 1, &b1,
	       call(m, RELAX_OP_ADD, call(m, RELAX_OP_NEGATIVE, a, NULL), x));
	expect_ok(relax_normalize(m));
	expect_ok(relax_wellformed(m));
	expect_text(m, "@f(%x: Tensor((n,), float32)) -> Tensor((n,), float32) {\n"
		       "  %a = relax.exp(%x) : Tensor((n,), float32)\n"
		       "  %lv0 = relax.negative(%a) : Tensor((n,), float32)\n"
		       "  %lv1 = relax.add(%lv0, %x) : Tensor((n,), float32)\n"
		       "  return %lv1\n"
		       "}\n");
	relax_module_free(m);
}

/* Undecided dims become match_casts of the arguments; a data-dependent
 * result is match_cast to a fresh variable, and later bindings use the
 * match_cast var. */
static void test_match_casts(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	relax_expr *x = relax_var(m, "x", TENSOR(m, SB_F32, "n", "k"));
	relax_expr *z = relax_var(m, "z", TENSOR(m, SB_F32, "n", "j"));
	relax_expr *params[2] = {x, z};
	relax_expr *s = relax_dataflow_var(m, "s", NULL), *nz = relax_dataflow_var(m, "nz", NULL);
	relax_expr *gv = relax_var(m, "gv", NULL);
	relax_attrs_permute_dims *p = relax_attrs_new(m, RELAX_ATTRS_permute_dims);
	relax_binding bs[3] = {bind(s, call(m, RELAX_OP_ADD, x, z)),
			       bind(nz, call(m, RELAX_OP_NONZERO, s, NULL)),
			       bind(gv, relax_call_op(m, RELAX_OP_PERMUTE_DIMS, 1, &nz, p))};
	add_fn(m, 2, params, true, 3, bs, gv);
	expect_ok(relax_normalize(m));
	expect_ok(relax_wellformed(m));
	expect_text(m, "@f(%x: Tensor((n, k), float32), %z: Tensor((n, j), float32)) -> "
		       "Tensor(ndim=2, int64) {\n"
		       "  with dataflow {\n"
		       "    %lv0 = match_cast(%z, Tensor((n, k), float32))\n"
		       "    %s = relax.add(%x, %lv0) : Tensor((n, k), float32)\n"
		       "    %nz = relax.nonzero(%s) : Tensor(ndim=2, int64)\n"
		       "    %lv1 = match_cast(%nz, Tensor((2, nnz), int64))\n"
		       "    %gv = relax.permute_dims(%lv1) : Tensor((nnz, 2), int64)\n"
		       "  }\n"
		       "  return %gv\n"
		       "}\n");
	/* idempotent: no second match_cast, no new fresh variable */
	char *once = relax_print_module(m);
	expect_ok(relax_normalize(m));
	expect_ok(relax_wellformed(m));
	expect_text(m, once);
	free(once);
	relax_module_free(m);
}

static void test_errors_name_the_binding(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	relax_expr *x = relax_var(m, "x", TENSOR(m, SB_F32, "2", "3"));
	relax_expr *y = relax_var(m, "y", TENSOR(m, SB_F32, "4", "3"));
	relax_expr *params[2] = {x, y};
	relax_expr *bad = relax_var(m, "bad", NULL);
	relax_binding b1 = bind(bad, call(m, RELAX_OP_ADD, x, y));
	add_fn(m, 2, params, false, 1, &b1, bad);
	assert_int_equal(relax_normalize(m), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "@f"));
	assert_non_null(strstr(sb_last_error(), "relax.add 'bad'"));
	assert_non_null(strstr(sb_last_error(), "cannot broadcast"));

	/* an annotation that does not describe the value */
	relax_expr *c = relax_var(m, "c", TENSOR(m, SB_F32, "2", "4"));
	relax_binding b2 = bind(c, call(m, RELAX_OP_RELU, x, NULL));
	add_fn(m, 2, params, false, 1, &b2, c);
	assert_int_equal(relax_normalize(m), SB_ERR_INVALID);
	relax_module_free(m);
}

/* Annotations less specific than the value are kept. */
static void test_keeps_annotations(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	relax_expr *x = relax_var(m, "x", TENSOR(m, SB_F32, "n"));
	relax_expr *a = relax_var(m, "a", relax_sinfo_tensor(m, SB_F32, 1, NULL));
	relax_binding b1 = bind(a, call(m, RELAX_OP_EXP, x, NULL));
	add_fn(m, 1, &x, false, 1, &b1, a);
	expect_ok(relax_normalize(m));
	expect_ok(relax_wellformed(m));
	expect_text(m, "@f(%x: Tensor((n,), float32)) -> Tensor(ndim=1, float32) {\n"
		       "  %a = relax.exp(%x) : Tensor(ndim=1, float32)\n"
		       "  return %a\n"
		       "}\n");
	relax_module_free(m);
}

/* The rewriter: a callback replacing relu by abs; the var keeps its
 * identity (same struct info), the rest is shared. */
static sb_status relu_to_abs(relax_builder *b, const relax_binding *old, relax_expr *value,
			     void *env, relax_expr **out)
{
	(void)old;
	int *count = env;
	if (value->kind == RELAX_CALL && !value->u.call.callee &&
	    value->u.call.op == RELAX_OP_RELU) {
		(*count)++;
		*out = relax_call_op(relax_builder_module(b), RELAX_OP_ABS, 1, value->u.call.args,
				     NULL);
	}
	return SB_OK;
}

static void test_rewrite_callback(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	relax_expr *x = relax_var(m, "x", TENSOR(m, SB_F32, "n"));
	relax_expr *a = relax_dataflow_var(m, "a", NULL), *b = relax_var(m, "b", NULL);
	relax_binding bs[2] = {bind(a, call(m, RELAX_OP_RELU, x, NULL)),
			       bind(b, call(m, RELAX_OP_EXP, a, NULL))};
	add_fn(m, 1, &x, true, 2, bs, b);
	expect_ok(relax_normalize(m));
	relax_expr *before = relax_module_lookup(m, "f")->func;
	relax_expr *exp_call = before->u.func.body->u.seq.blocks[0]->bindings[1].value;
	int count = 0;
	expect_ok(relax_module_rewrite(m, relu_to_abs, &count));
	assert_int_equal(count, 1);
	expect_ok(relax_wellformed(m));
	relax_expr *after = relax_module_lookup(m, "f")->func;
	assert_ptr_not_equal(after, before);
	assert_ptr_equal(after->u.func.body->u.seq.blocks[0]->bindings[0].var, a);
	assert_ptr_equal(after->u.func.body->u.seq.blocks[0]->bindings[1].value,
			 exp_call); /* shared */
	expect_text(m, "@f(%x: Tensor((n,), float32)) -> Tensor((n,), float32) {\n"
		       "  with dataflow {\n"
		       "    %a = relax.abs(%x) : Tensor((n,), float32)\n"
		       "    %b = relax.exp(%a) : Tensor((n,), float32)\n"
		       "  }\n"
		       "  return %b\n"
		       "}\n");
	relax_module_free(m);
}

/* Calls between functions: the callee's return struct info with its
 * params' shape variables replaced by the caller's dims. */
static void test_call_global(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	relax_expr *p = relax_var(m, "p", TENSOR(m, SB_F32, "k", "4"));
	relax_builder *b = relax_builder_new(m);
	relax_builder_begin_function(b, 1, &p);
	relax_expr *r, *g, *fn;
	relax_attrs_permute_dims *pa = relax_attrs_new(m, RELAX_ATTRS_permute_dims);
	expect_ok(
	    relax_builder_emit(b, relax_call_op(m, RELAX_OP_PERMUTE_DIMS, 1, &p, pa), NULL, &r));
	expect_ok(relax_builder_end_function(b, r, NULL, &fn));
	relax_module_set_function(m, "t", fn);

	relax_expr *x = relax_var(
	    m, "x",
	    relax_sinfo_tensor(m, SB_F32, 2,
			       (tir_expr *[]){tir_mul(m->tir, sv(m, "n"), ci(m, 2)), ci(m, 4)}));
	relax_builder_begin_function(b, 1, &x);
	expect_ok(relax_builder_emit(
	    b, relax_call_func(m, relax_module_gvar(m, "t"), 1, &x, 0, NULL), NULL, &g));
	assert_sinfo(g->sinfo, "Tensor((4, n * 2), float32)");
	expect_ok(relax_builder_end_function(b, g, NULL, &fn));
	relax_module_set_function(m, "main", fn);
	relax_builder_free(b);
	expect_ok(relax_wellformed(m));
	expect_ok(relax_normalize(m));
	expect_ok(relax_wellformed(m));
	relax_module_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_flattens_nested_calls),
	    cmocka_unit_test(test_nested_body),
	    cmocka_unit_test(test_match_casts),
	    cmocka_unit_test(test_errors_name_the_binding),
	    cmocka_unit_test(test_keeps_annotations),
	    cmocka_unit_test(test_rewrite_callback),
	    cmocka_unit_test(test_call_global),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
