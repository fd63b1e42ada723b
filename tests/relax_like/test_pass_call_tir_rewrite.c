/* CallTIRRewrite: explicit output allocation and a direct kernel call
 * with the outputs appended, for call_tir (one and several outputs) and
 * call_dps_packed; the binding's checks move to the allocation. */
#include "relax_test.h"
#include "lower_fixtures.h"

static relax_binding *main_bindings(relax_module *m, int *n)
{
	relax_expr *body = relax_module_lookup(m, "main")->func->u.func.body;
	assert_int_equal(body->u.seq.nblocks, 1);
	*n = body->u.seq.blocks[0]->nbindings;
	return body->u.seq.blocks[0]->bindings;
}

static void lower(relax_module *m)
{
	assert_int_equal(relax_pass_run(m, "ToNonDataflow", relax_to_non_dataflow, NULL), SB_OK);
	if (relax_pass_run(m, "CallTIRRewrite", relax_call_tir_rewrite, NULL))
		fail_msg("%s", sb_last_error());
	assert_int_equal(relax_wellformed(m), SB_OK);
}

static void test_one_output(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	lf_build_add(m);
	relax_expr *y = relax_module_lookup(m, "main")->func->u.func.body->u.seq.body;
	lower(m);
	int n;
	relax_binding *b = main_bindings(m, &n);
	assert_int_equal(n, 2);
	/* %y = relax.builtin.alloc_tensor(shape(n, 4), dtype=float32) */
	assert_ptr_equal(b[0].var, y);
	assert_int_equal(b[0].value->u.call.op, RELAX_OP_BUILTIN_ALLOC_TENSOR);
	assert_int_equal(((relax_attrs_alloc *)b[0].value->u.call.attrs)->dtype, SB_F32);
	relax_expr *shape = b[0].value->u.call.args[0];
	assert_int_equal(shape->kind, RELAX_SHAPE_EXPR);
	assert_ptr_equal(shape->u.shape.values[0], sv(m, "n"));
	assert_true(tir_expr_is_const(shape->u.shape.values[1], 4));
	/* %_ = @add(%x, %x, %y) : Tuple() */
	relax_expr *call = b[1].value;
	assert_non_null(call->u.call.callee);
	assert_string_equal(call->u.call.callee->u.var.name, "add");
	assert_int_equal(call->u.call.nargs, 3);
	relax_expr *x = relax_module_lookup(m, "main")->func->u.func.params[0];
	assert_ptr_equal(call->u.call.args[0], x);
	assert_ptr_equal(call->u.call.args[1], x);
	assert_ptr_equal(call->u.call.args[2], y);
	assert_sinfo(call->sinfo, "Tuple()");
	assert_int_equal(lf_count_op(m, "main", RELAX_OP_CALL_TIR), 0);
	relax_module_free(m);
}

/* A function of outputs only (its body does not matter here). */
static void add_stub_prim(relax_module *m, const char *name, int nparams)
{
	tir_expr *n = sv(m, "n");
	tir_param p[4];
	for (int i = 0; i < nparams; i++) {
		tir_expr *shape[2] = {n, ci(m, 4)};
		char b[16];
		snprintf(b, sizeof b, "B%d", i);
		p[i] = tir_param_buffer(tir_buffer_new(m->tir, b, SB_F32, 2, shape));
	}
	relax_module_add_prim_func(
	    m, tir_func_new(m->tir, name, nparams, p, tir_evaluate(m->tir, ci(m, 0))));
}

static void test_tuple_output_and_dps_packed(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	add_stub_prim(m, "split2", 3);
	tir_expr *n = sv(m, "n");
	relax_expr *x = relax_var(m, "x", lf_tensor(m, n)), *t, *u, *fn;
	relax_builder *b = relax_builder_new(m);
	relax_builder_begin_function(b, 1, &x);
	relax_builder_begin_dataflow(b);
	const relax_sinfo *two[2] = {lf_tensor(m, n), lf_tensor(m, n)};
	const relax_sinfo *tup = relax_sinfo_tuple(m, 2, two);
	assert_int_equal(relax_builder_emit(b, lf_call_tir(m, "split2", 1, &x, tup), "t", &t),
			 SB_OK);
	relax_expr *first;
	assert_int_equal(relax_builder_emit(b, relax_tuple_get(m, t, 0), NULL, &first), SB_OK);
	const relax_sinfo *os = lf_tensor(m, n);
	relax_expr *dargs[2] = {relax_extern_func(m, "test.neg"), relax_tuple(m, 1, &first)};
	assert_int_equal(relax_builder_emit_output(b,
						   relax_call_op_sinfo(m, RELAX_OP_CALL_DPS_PACKED,
								       2, dargs, NULL, 1, &os),
						   "u", &u),
			 SB_OK);
	relax_builder_end_block(b);
	assert_int_equal(relax_builder_end_function(b, u, NULL, &fn), SB_OK);
	relax_module_set_function(m, "main", fn);
	relax_builder_free(b);

	lower(m);
	int nb;
	relax_binding *bs = main_bindings(m, &nb);
	/* t_0 = alloc, t_1 = alloc, _ = @split2(x, t_0, t_1), t = (t_0, t_1),
	 * lv = t[0], u = alloc, _ = extern("test.neg")(lv, u) */
	assert_int_equal(nb, 7);
	assert_int_equal(bs[0].value->u.call.op, RELAX_OP_BUILTIN_ALLOC_TENSOR);
	assert_int_equal(bs[1].value->u.call.op, RELAX_OP_BUILTIN_ALLOC_TENSOR);
	relax_expr *k = bs[2].value;
	assert_string_equal(k->u.call.callee->u.var.name, "split2");
	assert_int_equal(k->u.call.nargs, 3);
	assert_ptr_equal(k->u.call.args[1], bs[0].var);
	assert_ptr_equal(k->u.call.args[2], bs[1].var);
	assert_string_equal(bs[3].var->u.var.name, "t");
	assert_int_equal(bs[3].value->kind, RELAX_TUPLE);
	assert_ptr_equal(bs[3].value->u.tuple.fields[0], bs[0].var);
	assert_ptr_equal(bs[3].value->u.tuple.fields[1], bs[1].var);
	assert_int_equal(bs[5].value->u.call.op, RELAX_OP_BUILTIN_ALLOC_TENSOR);
	assert_string_equal(bs[5].var->u.var.name, "u");
	relax_expr *p = bs[6].value;
	assert_int_equal(p->u.call.callee->kind, RELAX_EXTERN_FUNC);
	assert_string_equal(p->u.call.callee->u.var.name, "test.neg");
	assert_ptr_equal(p->u.call.args[0], bs[4].var);
	assert_ptr_equal(p->u.call.args[1], bs[5].var);
	assert_int_equal(lf_count_op(m, "main", RELAX_OP_CALL_DPS_PACKED), 0);
	relax_module_free(m);
}

static void test_checks_move_to_allocation(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	tir_expr *n = sv(m, "n");
	relax_module_add_prim_func(m, lf_ewise(m->tir, "scale", n, true, TIR_ADD));
	relax_expr *x = relax_var(m, "x", lf_tensor(m, n)), *y, *fn;
	relax_builder *b = relax_builder_new(m);
	relax_builder_begin_function(b, 1, &x);
	relax_check c = {tir_eq(m->tir, tir_floormod(m->tir, n, ci(m, 2)), ci(m, 0)), "n is even"};
	relax_binding bd = {.kind = RELAX_VAR_BINDING,
			    .var = relax_var(m, "y", NULL),
			    .value = lf_call_tir(m, "scale", 1, &x, lf_tensor(m, n)),
			    .nchecks = 1,
			    .checks = &c};
	assert_int_equal(relax_builder_emit_binding(b, &bd, false, &y), SB_OK);
	assert_int_equal(relax_builder_end_function(b, y, NULL, &fn), SB_OK);
	relax_module_set_function(m, "main", fn);
	relax_builder_free(b);
	lower(m);
	int nb;
	relax_binding *bs = main_bindings(m, &nb);
	assert_int_equal(nb, 2);
	assert_int_equal(bs[0].nchecks, 1);
	assert_string_equal(bs[0].checks[0].message, "n is even");
	assert_int_equal(bs[1].nchecks, 0);
	relax_module_free(m);
}

static void test_unknown_output_shape(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	tir_expr *n = sv(m, "n");
	relax_module_add_prim_func(m, lf_ewise(m->tir, "scale", n, true, TIR_ADD));
	relax_expr *x = relax_var(m, "x", lf_tensor(m, n)), *y, *fn;
	relax_builder *b = relax_builder_new(m);
	relax_builder_begin_function(b, 1, &x);
	const relax_sinfo *rank_only = relax_sinfo_tensor(m, SB_F32, 2, NULL);
	assert_int_equal(relax_builder_emit(b, lf_call_tir(m, "scale", 1, &x, rank_only), "y", &y),
			 SB_OK);
	assert_int_equal(relax_builder_end_function(b, y, NULL, &fn), SB_OK);
	relax_module_set_function(m, "main", fn);
	relax_builder_free(b);
	assert_int_equal(relax_call_tir_rewrite(m), SB_ERR_UNSUPPORTED);
	assert_non_null(
	    strstr(sb_last_error(), "cannot allocate an output of Tensor(ndim=2, float32)"));
	assert_non_null(strstr(sb_last_error(), "'y'"));
	relax_module_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_one_output),
	    cmocka_unit_test(test_tuple_output_and_dps_packed),
	    cmocka_unit_test(test_checks_move_to_allocation),
	    cmocka_unit_test(test_unknown_output_shape),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
