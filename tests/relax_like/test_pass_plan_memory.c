/* PlanMemory: storage sharing by lifetime under symbolic sizes, with and
 * without --bound, outputs never shared, and the report's byte counts
 * (expected values computed here from the shapes). */
#include "relax_test.h"
#include "lower_fixtures.h"

static sb_status plan(relax_module *m, const relax_plan_memory_opts *o)
{
	sb_status st;
	if ((st = relax_to_non_dataflow(m)) || (st = relax_call_tir_rewrite(m)) ||
	    (st = relax_plan_memory(m, o)))
		return st;
	st = relax_wellformed(m);
	if (st)
		fail_msg("%s", sb_last_error());
	return SB_OK;
}

/* The storage var of each relax.memory.alloc_tensor, in order. */
static int storages_of(relax_module *m, relax_expr **out, relax_binding **allocs)
{
	relax_expr *body = relax_module_lookup(m, "main")->func->u.func.body;
	int n = 0;
	for (int i = 0; i < body->u.seq.nblocks; i++) {
		relax_block *blk = body->u.seq.blocks[i];
		for (int k = 0; k < blk->nbindings; k++) {
			relax_expr *v = blk->bindings[k].value;
			if (v->kind == RELAX_CALL && !v->u.call.callee &&
			    v->u.call.op == RELAX_OP_MEMORY_ALLOC_TENSOR) {
				if (allocs)
					allocs[n] = &blk->bindings[k];
				out[n++] = v->u.call.args[0];
			}
		}
	}
	return n;
}

static void test_chain_of_five(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	lf_build_chain(m, 5);
	relax_memory_report rep = {0};
	relax_plan_memory_opts o = {.report = &rep};
	assert_int_equal(plan(m, &o), SB_OK);
	assert_int_equal(lf_count_op(m, "main", RELAX_OP_BUILTIN_ALLOC_TENSOR), 0);
	/* Two storages for the intermediates and the output's own. */
	assert_int_equal(lf_count_op(m, "main", RELAX_OP_MEMORY_ALLOC_STORAGE), 3);
	relax_expr *s[8];
	assert_int_equal(storages_of(m, s, NULL), 5);
	assert_ptr_equal(s[0], s[2]);
	assert_ptr_equal(s[1], s[3]);
	assert_ptr_not_equal(s[0], s[1]); /* a kernel never writes over its input */
	for (int i = 0; i < 4; i++)
		assert_ptr_not_equal(s[4], s[i]);

	assert_int_equal(rep.funcs.len, 1);
	relax_memory_plan *p = &rep.funcs.data[0];
	assert_string_equal(p->func, "main");
	assert_int_equal(p->ntensors, 4);
	assert_int_equal(p->nstorages, 2);
	assert_int_equal(p->noutputs, 1);
	const char *names[1] = {"n"};
	for (int64_t n = 1; n <= 1000; n *= 10) {
		int64_t planned, unplanned, outputs;
		assert_int_equal(
		    relax_memory_plan_eval(m, p, 1, names, &n, &planned, &unplanned, &outputs),
		    SB_OK);
		int64_t one = n * 4 * 4; /* (n, 4) float32 */
		assert_int_equal(unplanned, 4 * one);
		assert_int_equal(planned, 2 * one);
		assert_int_equal(outputs, one);
		assert_true(2 * planned <= unplanned);
	}
	int64_t ignore;
	assert_int_equal(relax_memory_plan_eval(m, p, 0, NULL, NULL, &ignore, NULL, NULL),
			 SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "shape variable n has no value"));
	relax_memory_report_free(&rep);
	relax_module_free(m);
}

/* A PrimFunc stub: only the calls' struct info matters to the plan. */
static void add_stub(relax_module *m, const char *name)
{
	tir_expr *shape[1] = {sv(m, "n")};
	tir_param p[2] = {tir_param_buffer(tir_buffer_new(m->tir, "A", SB_F32, 1, shape)),
			  tir_param_buffer(tir_buffer_new(m->tir, "B", SB_F32, 1, shape))};
	relax_module_add_prim_func(
	    m, tir_func_new(m->tir, name, 2, p, tir_evaluate(m->tir, ci(m, 0))));
}

/* x: (n, 4) -> a: (n, 4) -> b: (2n, 4) -> c: (3n, 4) -> y: (n, 4) */
static void build_growing(relax_module *m)
{
	add_stub(m, "k");
	tir_expr *n = sv(m, "n");
	tir_expr *rows[4] = {n, tir_mul(m->tir, n, ci(m, 2)), tir_mul(m->tir, n, ci(m, 3)), n};
	relax_expr *x = relax_var(m, "x", lf_tensor(m, n)), *cur = x, *fn;
	relax_builder *b = relax_builder_new(m);
	relax_builder_begin_function(b, 1, &x);
	for (int i = 0; i < 4; i++)
		assert_int_equal(
		    relax_builder_emit(b, lf_call_tir(m, "k", 1, &cur, lf_tensor(m, rows[i])), NULL,
				       &cur),
		    SB_OK);
	assert_int_equal(relax_builder_end_function(b, cur, NULL, &fn), SB_OK);
	relax_module_set_function(m, "main", fn);
	relax_builder_free(b);
}

static void test_different_sizes_without_bound(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	build_growing(m);
	relax_memory_report rep = {0};
	relax_plan_memory_opts o = {.report = &rep};
	assert_int_equal(plan(m, &o), SB_OK);
	relax_expr *s[8];
	assert_int_equal(storages_of(m, s, NULL), 4);
	/* n*16, n*32, n*48 are never provably equal: no sharing. */
	assert_ptr_not_equal(s[0], s[2]);
	relax_memory_plan *p = &rep.funcs.data[0];
	assert_int_equal(p->nstorages, 3);
	const char *names[1] = {"n"};
	int64_t n = 5, planned, unplanned;
	assert_int_equal(relax_memory_plan_eval(m, p, 1, names, &n, &planned, &unplanned, NULL),
			 SB_OK);
	assert_int_equal(unplanned, (1 + 2 + 3) * n * 16);
	assert_int_equal(planned, unplanned);
	relax_memory_report_free(&rep);
	relax_module_free(m);
}

static void test_bound_lets_sizes_share(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	build_growing(m);
	relax_memory_report rep = {0};
	relax_shape_bound bound = {"n", 64};
	relax_plan_memory_opts o = {.nbounds = 1, .bounds = &bound, .report = &rep};
	assert_int_equal(plan(m, &o), SB_OK);
	relax_expr *s[8];
	relax_binding *allocs[8];
	assert_int_equal(storages_of(m, s, allocs), 4);
	/* a is dead once b is computed: c reuses its storage, grown. */
	assert_ptr_equal(s[0], s[2]);
	assert_ptr_not_equal(s[0], s[1]);
	relax_memory_plan *p = &rep.funcs.data[0];
	assert_int_equal(p->nstorages, 2);
	int64_t v;
	/* Sized for the bound: 3 * 64 * 16 and 2 * 64 * 16 bytes. */
	assert_true(tir_expr_is_int_imm(p->planned, &v));
	assert_int_equal(v, 3 * 64 * 16 + 2 * 64 * 16);
	const char *names[1] = {"n"};
	int64_t n = 64, planned, unplanned;
	assert_int_equal(relax_memory_plan_eval(m, p, 1, names, &n, &planned, &unplanned, NULL),
			 SB_OK);
	assert_int_equal(unplanned, 6 * 64 * 16);
	assert_true(planned < unplanned);
	/* The storage of a (the first allocated) is sized for c. */
	relax_expr *body = relax_module_lookup(m, "main")->func->u.func.body;
	relax_binding *first = &body->u.seq.blocks[0]->bindings[0];
	assert_int_equal(first->value->u.call.op, RELAX_OP_MEMORY_ALLOC_STORAGE);
	assert_true(tir_expr_is_int_imm(first->value->u.call.args[0]->u.prim.value, &v));
	assert_int_equal(v, 3 * 64 * 16);
	/* Each tensor in a bounded storage checks n against the bound, on
	 * its storage's allocation when it makes one, else on its own: a, b
	 * (each the first in its storage), c.  Not the output (exact size). */
	tir_expr *want = tir_le(m->tir, sv(m, "n"), ci(m, 64));
	relax_block *blk = body->u.seq.blocks[0];
	int checked = 0;
	for (int i = 0; i < blk->nbindings; i++) {
		relax_binding *bd = &blk->bindings[i];
		if (!bd->nchecks)
			continue;
		assert_int_equal(bd->nchecks, 1);
		assert_ptr_equal(bd->checks[0].cond, want);
		assert_non_null(strstr(bd->checks[0].message, "--bound n=64"));
		assert_int_equal(bd->value->u.call.op, checked < 2 ? RELAX_OP_MEMORY_ALLOC_STORAGE
								   : RELAX_OP_MEMORY_ALLOC_TENSOR);
		assert_ptr_not_equal(bd, allocs[3]);
		checked++;
	}
	assert_int_equal(checked, 3);
	relax_memory_report_free(&rep);
	relax_module_free(m);
}

/* y1 = k(x), y2 = k(y1), y3 = k(y2); return (y1, y3): y1 is an output, so
 * y3 may not reuse its storage although y1 is dead by then. */
static void test_outputs_are_not_reused(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	tir_expr *n = sv(m, "n");
	relax_module_add_prim_func(m, lf_ewise(m->tir, "scale", n, true, TIR_ADD));
	relax_expr *x = relax_var(m, "x", lf_tensor(m, n)), *y[3], *cur = x, *fn, *tup;
	relax_builder *b = relax_builder_new(m);
	relax_builder_begin_function(b, 1, &x);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(
		    relax_builder_emit(b, lf_call_tir(m, "scale", 1, &cur, lf_tensor(m, n)), NULL,
				       &y[i]),
		    SB_OK);
		cur = y[i];
	}
	relax_expr *pair[2] = {y[0], y[2]};
	assert_int_equal(relax_builder_emit(b, relax_tuple(m, 2, pair), "r", &tup), SB_OK);
	assert_int_equal(relax_builder_end_function(b, tup, NULL, &fn), SB_OK);
	relax_module_set_function(m, "main", fn);
	relax_builder_free(b);
	relax_memory_report rep = {0};
	relax_plan_memory_opts o = {.report = &rep};
	assert_int_equal(plan(m, &o), SB_OK);
	relax_expr *s[4];
	assert_int_equal(storages_of(m, s, NULL), 3);
	assert_ptr_not_equal(s[0], s[2]);
	assert_ptr_not_equal(s[1], s[2]);
	assert_ptr_not_equal(s[0], s[1]);
	assert_int_equal(rep.funcs.data[0].noutputs, 2);
	assert_int_equal(rep.funcs.data[0].ntensors, 1);
	relax_memory_report_free(&rep);
	relax_module_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_chain_of_five),
	    cmocka_unit_test(test_different_sizes_without_bound),
	    cmocka_unit_test(test_bound_lets_sizes_share),
	    cmocka_unit_test(test_outputs_are_not_reused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
