/* ToNonDataflow: dataflow blocks become one binding block, DataflowVars
 * become Vars of the same name and struct info; uses follow. */
#include "relax_test.h"
#include "lower_fixtures.h"

typedef struct scan {
	int dataflow_blocks, dataflow_vars, blocks, bindings;
} scan;

static void scan_block(relax_block *blk, void *env)
{
	scan *s = env;
	s->blocks++;
	s->dataflow_blocks += blk->dataflow;
	s->bindings += blk->nbindings;
}

static void scan_expr(relax_expr *e, void *env)
{
	((scan *)env)->dataflow_vars += e->kind == RELAX_DATAFLOW_VAR;
}

static void scan_binding(relax_binding *b, relax_block *blk, void *env)
{
	((scan *)env)->dataflow_vars += b->var->kind == RELAX_DATAFLOW_VAR;
}

static scan scan_main(relax_module *m)
{
	scan s = {0};
	relax_visitor v = {
	    .expr = scan_expr, .binding = scan_binding, .block_begin = scan_block, .env = &s};
	relax_expr_visit(relax_module_lookup(m, "main")->func, &v);
	return s;
}

static void test_chain(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	lf_build_chain(m, 3);
	scan before = scan_main(m);
	assert_int_equal(before.dataflow_blocks, 1);
	/* lv0, lv1 bound, lv0 and lv1 each used once */
	assert_int_equal(before.dataflow_vars, 4);
	relax_expr *old = relax_module_lookup(m, "main")->func;
	relax_expr *old_y = old->u.func.body->u.seq.body;

	assert_int_equal(relax_pass_run(m, "ToNonDataflow", relax_to_non_dataflow, NULL), SB_OK);
	assert_int_equal(relax_wellformed(m), SB_OK);
	scan after = scan_main(m);
	assert_int_equal(after.dataflow_blocks, 0);
	assert_int_equal(after.dataflow_vars, 0);
	assert_int_equal(after.bindings, before.bindings);

	relax_expr *fn = relax_module_lookup(m, "main")->func;
	relax_block *blk = fn->u.func.body->u.seq.blocks[0];
	/* Names and struct info kept; each binding uses the previous var. */
	const char *names[3] = {"lv0", "lv1", "y"};
	for (int i = 0; i < 3; i++) {
		relax_binding *b = &blk->bindings[i];
		assert_int_equal(b->var->kind, RELAX_VAR);
		assert_string_equal(b->var->u.var.name, names[i]);
		assert_sinfo(b->var->sinfo, "Tensor((n, 4), float32)");
		relax_expr *arg = b->value->u.call.args[1]->u.tuple.fields[0];
		assert_ptr_equal(arg, i ? blk->bindings[i - 1].var : fn->u.func.params[0]);
	}
	/* The output var was a Var already: same identity. */
	assert_ptr_equal(fn->u.func.body->u.seq.body, old_y);
	assert_ptr_equal(blk->bindings[2].var, old_y);
	relax_module_free(m);
}

static void test_blocks_merge(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	tir_expr *n = sv(m, "n");
	relax_module_add_prim_func(m, lf_ewise(m->tir, "scale", n, true, TIR_ADD));
	relax_expr *x = relax_var(m, "x", lf_tensor(m, n)), *a, *bb, *fn;
	relax_builder *b = relax_builder_new(m);
	relax_builder_begin_function(b, 1, &x);
	relax_builder_begin_dataflow(b);
	assert_int_equal(
	    relax_builder_emit_output(b, lf_call_tir(m, "scale", 1, &x, lf_tensor(m, n)), "a", &a),
	    SB_OK);
	relax_builder_end_block(b);
	relax_builder_begin_dataflow(b);
	assert_int_equal(
	    relax_builder_emit_output(b, lf_call_tir(m, "scale", 1, &a, lf_tensor(m, n)), "b", &bb),
	    SB_OK);
	relax_builder_end_block(b);
	assert_int_equal(relax_builder_end_function(b, bb, NULL, &fn), SB_OK);
	relax_module_set_function(m, "main", fn);
	relax_builder_free(b);
	assert_int_equal(scan_main(m).blocks, 2);
	assert_int_equal(relax_to_non_dataflow(m), SB_OK);
	assert_int_equal(relax_wellformed(m), SB_OK);
	scan s = scan_main(m);
	assert_int_equal(s.blocks, 1);
	assert_int_equal(s.bindings, 2);
	assert_int_equal(s.dataflow_blocks, 0);
	relax_module_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_chain),
	    cmocka_unit_test(test_blocks_merge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
