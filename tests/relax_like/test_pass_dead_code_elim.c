/* DeadCodeElim: unused pure bindings (chains of them at once) go, effects
 * and used match_casts stay, and globals no public function reaches leave
 * the module. */
#include "relax_test.h"
#include "lower_fixtures.h"

static int nbindings(relax_module *m, const char *fn)
{
	relax_expr *body = relax_module_lookup(m, fn)->func->u.func.body;
	int n = 0;
	for (int i = 0; i < body->u.seq.nblocks; i++)
		n += body->u.seq.blocks[i]->nbindings;
	return n;
}

/* @main(x) { a = scale(x); b = scale(a); p = call_packed(log, x); y = add(x, x); return y }
 * @helper(x) = scale(x) (private, unused) */
static void build(relax_module *m)
{
	tir_expr *n = sv(m, "n");
	relax_module_add_prim_func(m, lf_ewise(m->tir, "scale", n, true, TIR_ADD));
	relax_module_add_prim_func(m, lf_ewise(m->tir, "add", n, false, TIR_ADD));
	relax_module_add_prim_func(m, lf_ewise(m->tir, "unused", n, true, TIR_ADD));
	relax_expr *x = relax_var(m, "x", lf_tensor(m, n)), *a, *bb, *p, *y, *fn;
	relax_builder *b = relax_builder_new(m);
	relax_builder_begin_function(b, 1, &x);
	relax_builder_begin_dataflow(b);
	assert_int_equal(
	    relax_builder_emit(b, lf_call_tir(m, "scale", 1, &x, lf_tensor(m, n)), "a", &a), SB_OK);
	assert_int_equal(
	    relax_builder_emit(b, lf_call_tir(m, "scale", 1, &a, lf_tensor(m, n)), "b", &bb),
	    SB_OK);
	relax_expr *xx[2] = {x, x};
	assert_int_equal(
	    relax_builder_emit_output(b, lf_call_tir(m, "add", 2, xx, lf_tensor(m, n)), "y", &y),
	    SB_OK);
	relax_builder_end_block(b);
	relax_builder_begin_block(b);
	relax_expr *pa[2] = {relax_extern_func(m, "test.log"), x};
	assert_int_equal(
	    relax_builder_emit(b, relax_call_op(m, RELAX_OP_CALL_PACKED, 2, pa, NULL), "p", &p),
	    SB_OK);
	relax_builder_end_block(b);
	assert_int_equal(relax_builder_end_function(b, y, NULL, &fn), SB_OK);
	relax_module_set_function(m, "main", fn);
	relax_builder_free(b);

	x = relax_var(m, "x", lf_tensor(m, n));
	b = relax_builder_new(m);
	relax_builder_begin_function(b, 1, &x);
	assert_int_equal(
	    relax_builder_emit(b, lf_call_tir(m, "scale", 1, &x, lf_tensor(m, n)), "h", &a), SB_OK);
	assert_int_equal(relax_builder_end_function(b, a, NULL, &fn), SB_OK);
	relax_module_set_function(m, "helper", fn);
	relax_builder_free(b);
}

static void test_bindings_and_globals(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	build(m);
	assert_int_equal(nbindings(m, "main"), 4);
	assert_int_equal(relax_pass_run(m, "DeadCodeElim", relax_dead_code_elim, NULL), SB_OK);
	/* a and b (a chain) go; the call_packed (an effect) and y stay. */
	assert_int_equal(nbindings(m, "main"), 2);
	relax_expr *body = relax_module_lookup(m, "main")->func->u.func.body;
	assert_string_equal(body->u.seq.blocks[0]->bindings[0].var->u.var.name, "y");
	assert_string_equal(body->u.seq.blocks[1]->bindings[0].var->u.var.name, "p");
	/* helper is private and unused; scale only helper used; unused never. */
	assert_null(relax_module_lookup(m, "helper"));
	assert_null(relax_module_lookup(m, "scale"));
	assert_null(relax_module_lookup(m, "unused"));
	assert_non_null(relax_module_lookup(m, "add"));
	assert_int_equal(m->globals.len, 2);
	relax_module_free(m);
}

static void test_public_helper_and_callee_stay(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	build(m);
	relax_function_set_attr_str(m, relax_module_lookup(m, "helper")->func, "global_symbol",
				    "helper");
	assert_int_equal(relax_dead_code_elim(m), SB_OK);
	assert_non_null(relax_module_lookup(m, "helper"));
	assert_non_null(relax_module_lookup(m, "scale")); /* helper calls it */
	assert_null(relax_module_lookup(m, "unused"));
	relax_module_free(m);
}

/* A match_cast whose variable a kept binding uses stays even though its
 * own var is unused; one whose variable nothing uses goes. */
static void test_match_casts(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	tir_expr *n = sv(m, "n"), *k = sv(m, "k"), *j = sv(m, "j");
	relax_expr *x = relax_var(m, "x", lf_tensor(m, n)), *t, *u, *w, *y, *fn;
	relax_builder *b = relax_builder_new(m);
	relax_builder_begin_function(b, 1, &x);
	const relax_sinfo *any2 = relax_sinfo_tensor(m, SB_F32, 2, NULL);
	relax_expr *pa[2] = {relax_extern_func(m, "test.f"), x};
	assert_int_equal(
	    relax_builder_emit(
		b, relax_call_op_sinfo(m, RELAX_OP_CALL_PACKED, 2, pa, NULL, 1, &any2), "t", &t),
	    SB_OK);
	assert_int_equal(relax_builder_emit_match_cast(b, t, lf_tensor(m, k), "u", &u), SB_OK);
	assert_int_equal(relax_builder_emit_match_cast(b, t, lf_tensor(m, j), "w", &w), SB_OK);
	tir_expr *kk[1] = {k};
	assert_int_equal(relax_builder_emit(b, relax_shape_expr(m, 1, kk), "y", &y), SB_OK);
	assert_int_equal(relax_builder_end_function(b, y, NULL, &fn), SB_OK);
	relax_module_set_function(m, "main", fn);
	relax_builder_free(b);
	assert_int_equal(relax_dead_code_elim(m), SB_OK);
	assert_int_equal(relax_wellformed(m), SB_OK);
	relax_expr *body = relax_module_lookup(m, "main")->func->u.func.body;
	relax_block *blk = body->u.seq.blocks[0];
	assert_int_equal(blk->nbindings, 3);
	assert_ptr_equal(blk->bindings[0].var, t);
	assert_ptr_equal(blk->bindings[1].var, u);
	assert_ptr_equal(blk->bindings[2].var, y);
	(void)w;
	relax_module_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bindings_and_globals),
	    cmocka_unit_test(test_public_helper_and_callee_stay),
	    cmocka_unit_test(test_match_casts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
