/* FoldConstant: call_tir of constants runs at compile time through the
 * evaluator hook (a stub here, and the default reference interpreter);
 * calls with a non-constant argument, outputs over the size limit and
 * evaluations that fail stay. */
#include "relax_test.h"
#include "lower_fixtures.h"

/* @main(x: (2, 4)) { c1 = scale(const); y = add(x, c1); return y } */
static sb_tensor *build(relax_module *m)
{
	tir_expr *two = ci(m, 2);
	relax_module_add_prim_func(m, lf_ewise(m->tir, "scale", two, true, TIR_ADD));
	relax_module_add_prim_func(m, lf_ewise(m->tir, "add", two, false, TIR_ADD));
	int64_t shape[2] = {2, 4};
	sb_tensor *k = sb_tensor_new(SB_F32, 2, shape);
	for (int i = 0; i < 8; i++)
		sb_tensor_set_f64(k, i, i - 3.5);
	relax_expr *x = relax_var(m, "x", lf_tensor(m, two)), *c1, *y, *fn;
	relax_expr *kc = relax_constant(m, sb_tensor_retain(k));
	relax_builder *b = relax_builder_new(m);
	relax_builder_begin_function(b, 1, &x);
	relax_builder_begin_dataflow(b);
	assert_int_equal(
	    relax_builder_emit(b, lf_call_tir(m, "scale", 1, &kc, lf_tensor(m, two)), "c1", &c1),
	    SB_OK);
	relax_expr *args[2] = {x, c1};
	assert_int_equal(relax_builder_emit_output(
			     b, lf_call_tir(m, "add", 2, args, lf_tensor(m, two)), "y", &y),
			 SB_OK);
	relax_builder_end_block(b);
	assert_int_equal(relax_builder_end_function(b, y, NULL, &fn), SB_OK);
	relax_module_set_function(m, "main", fn);
	relax_builder_free(b);
	return k;
}

static relax_binding *main_binding(relax_module *m, int i)
{
	return &relax_module_lookup(m, "main")->func->u.func.body->u.seq.blocks[0]->bindings[i];
}

typedef struct stub {
	int calls;
	const char *name;
	int nargs;
	bool fail;
} stub;

static sb_status stub_eval(void *env, relax_module *m, const tir_func *f, const sb_value *args,
			   int nargs)
{
	stub *s = env;
	s->calls++;
	s->name = f->name;
	s->nargs = nargs;
	if (s->fail)
		return sb_set_error(SB_ERR_INVALID, "stub refuses");
	sb_tensor *out = args[nargs - 1].u.tensor;
	for (int64_t i = 0; i < sb_tensor_numel(out); i++)
		sb_tensor_set_f64(out, i, 100 + i);
	return SB_OK;
}

static void test_stub_evaluator(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	sb_tensor *k = build(m);
	relax_expr *c1 = main_binding(m, 0)->var;
	stub s = {0};
	relax_fold_constant_opts o = {.eval = stub_eval, .env = &s};
	assert_int_equal(relax_fold_constant(m, &o), SB_OK);
	assert_int_equal(relax_wellformed(m), SB_OK);
	assert_int_equal(s.calls, 1);
	assert_string_equal(s.name, "scale");
	assert_int_equal(s.nargs, 2);
	relax_binding *b = main_binding(m, 0);
	assert_ptr_equal(b->var, c1);
	assert_int_equal(b->value->kind, RELAX_CONSTANT);
	sb_tensor *v = b->value->u.constant.value;
	for (int i = 0; i < 8; i++)
		assert_true(sb_tensor_get_f64(v, i) == 100 + i);
	/* y depends on x: stays a call_tir. */
	assert_int_equal(main_binding(m, 1)->value->kind, RELAX_CALL);
	assert_int_equal(main_binding(m, 1)->value->u.call.op, RELAX_OP_CALL_TIR);
	sb_tensor_release(k);
	relax_module_free(m);
}

static void test_reference_evaluator(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	sb_tensor *k = build(m);
	assert_int_equal(relax_pass_run(m, "FoldConstant", relax_pass_lookup("FoldConstant"), NULL),
			 SB_OK);
	relax_binding *b = main_binding(m, 0);
	assert_int_equal(b->value->kind, RELAX_CONSTANT);
	sb_tensor *v = b->value->u.constant.value;
	for (int i = 0; i < 8; i++)
		assert_true(sb_tensor_get_f64(v, i) == (i - 3.5) * 2 + 1);
	sb_tensor_release(k);
	relax_module_free(m);
}

static void test_what_stays(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	sb_tensor *k = build(m);
	stub s = {0};
	relax_fold_constant_opts o = {.eval = stub_eval, .env = &s, .max_elements = 7};
	assert_int_equal(relax_fold_constant(m, &o), SB_OK);
	assert_int_equal(s.calls, 0); /* 8 elements > 7 */
	assert_int_equal(main_binding(m, 0)->value->kind, RELAX_CALL);
	s.fail = true;
	o.max_elements = 0;
	assert_int_equal(relax_fold_constant(m, &o), SB_OK);
	assert_int_equal(s.calls, 1);
	assert_int_equal(main_binding(m, 0)->value->kind, RELAX_CALL);
	sb_tensor_release(k);
	relax_module_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_stub_evaluator),
	    cmocka_unit_test(test_reference_evaluator),
	    cmocka_unit_test(test_what_stays),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
