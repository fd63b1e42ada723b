/* relax_wellformed: each rule broken once in hand-built IR, caught with a
 * message naming the rule; well-formed IR passes; relax_pass_run reports a
 * pass that breaks the IR. */
#include "relax_test.h"
#include "relax_like/passes/passes.h"

typedef struct ir {
	relax_module *m;
	relax_expr *x; /* param x: Tensor((n, 4), float32) */
	const relax_sinfo *t;
} ir;

static void ir_init(ir *r)
{
	r->m = relax_module_new();
	r->t = TENSOR(r->m, SB_F32, "n", "4");
	r->x = relax_var(r->m, "x", r->t);
}

/* A call of op on args with its struct info set by hand. */
static relax_expr *call(ir *r, relax_op op, relax_expr *a, relax_expr *b)
{
	relax_expr *args[2] = {a, b};
	relax_expr *c = relax_call_op(r->m, op, b ? 2 : 1, args, NULL);
	c->sinfo = r->t;
	return c;
}

static relax_binding bind(relax_expr *var, relax_expr *value)
{
	return (relax_binding){.kind = RELAX_VAR_BINDING, .var = var, .value = value};
}

/* @f(%x) { blocks...; return body } added to the module; the status of
 * relax_wellformed. */
static sb_status check(ir *r, int nblocks, relax_block *const *blocks, relax_expr *body)
{
	relax_expr *fn =
	    relax_function(r->m, 1, &r->x, relax_seq(r->m, nblocks, blocks, body), r->t, true);
	relax_module_set_function(r->m, "f", fn);
	return relax_wellformed(r->m);
}

static void expect_rule(sb_status st, const char *rule)
{
	if (!st || !strstr(sb_last_error(), rule))
		fprintf(stderr, "status %d, error: %s\nwant: %s\n", st, sb_last_error(), rule);
	assert_int_equal(st, SB_ERR_INTERNAL);
	assert_non_null(strstr(sb_last_error(), rule));
}

static void test_good(void **state)
{
	(void)state;
	ir r;
	ir_init(&r);
	relax_expr *lv = relax_dataflow_var(r.m, "lv", r.t), *gv = relax_var(r.m, "gv", r.t);
	relax_binding bs[2] = {bind(lv, call(&r, RELAX_OP_RELU, r.x, NULL)),
			       bind(gv, call(&r, RELAX_OP_ADD, lv, r.x))};
	relax_block *blk = relax_block_new(r.m, true, 2, bs);
	assert_int_equal(check(&r, 1, &blk, gv), SB_OK);
	relax_module_free(r.m);
}

static void test_use_before_def(void **state)
{
	(void)state;
	ir r;
	ir_init(&r);
	relax_expr *a = relax_var(r.m, "a", r.t), *b = relax_var(r.m, "b", r.t);
	relax_binding bs[2] = {bind(a, call(&r, RELAX_OP_RELU, b, NULL)),
			       bind(b, call(&r, RELAX_OP_RELU, r.x, NULL))};
	relax_block *blk = relax_block_new(r.m, false, 2, bs);
	expect_rule(check(&r, 1, &blk, b), "%b is used before its definition (binding %a)");
	relax_module_free(r.m);
}

static void test_defined_twice(void **state)
{
	(void)state;
	ir r;
	ir_init(&r);
	relax_expr *a = relax_var(r.m, "a", r.t);
	relax_binding bs[2] = {bind(a, call(&r, RELAX_OP_RELU, r.x, NULL)),
			       bind(a, call(&r, RELAX_OP_RELU, r.x, NULL))};
	relax_block *blk = relax_block_new(r.m, false, 2, bs);
	expect_rule(check(&r, 1, &blk, a), "%a is defined twice");
	relax_module_free(r.m);
}

static void test_dataflow_var_escapes(void **state)
{
	(void)state;
	ir r;
	ir_init(&r);
	relax_expr *lv = relax_dataflow_var(r.m, "lv", r.t);
	relax_binding b1 = bind(lv, call(&r, RELAX_OP_RELU, r.x, NULL));
	relax_block *blk = relax_block_new(r.m, true, 1, &b1);
	/* used as the function's result */
	expect_rule(check(&r, 1, &blk, lv), "dataflow var %lv is used outside its dataflow block");
	/* used in a later block */
	relax_expr *a = relax_var(r.m, "a", r.t);
	relax_binding b2 = bind(a, call(&r, RELAX_OP_RELU, lv, NULL));
	relax_block *blks[2] = {blk, relax_block_new(r.m, false, 1, &b2)};
	expect_rule(check(&r, 2, blks, a),
		    "dataflow var %lv is used outside its dataflow block (binding %a)");
	relax_module_free(r.m);
}

static void test_dataflow_var_outside_block(void **state)
{
	(void)state;
	ir r;
	ir_init(&r);
	relax_expr *lv = relax_dataflow_var(r.m, "lv", r.t);
	relax_binding b1 = bind(lv, call(&r, RELAX_OP_RELU, r.x, NULL));
	relax_block *blk = relax_block_new(r.m, false, 1, &b1);
	expect_rule(check(&r, 1, &blk, r.x), "dataflow var %lv is bound outside a dataflow block");
	relax_module_free(r.m);
}

static void test_impure_in_dataflow(void **state)
{
	(void)state;
	ir r;
	ir_init(&r);
	relax_expr *args[2] = {relax_extern_func(r.m, "vm.builtin.print"), r.x};
	relax_expr *c = relax_call_op(r.m, RELAX_OP_CALL_PACKED, 2, args, NULL);
	c->sinfo = relax_sinfo_object(r.m);
	relax_expr *a = relax_var(r.m, "a", c->sinfo);
	relax_binding b1 = bind(a, c);
	relax_block *blk = relax_block_new(r.m, true, 1, &b1);
	expect_rule(check(&r, 1, &blk, r.x), "a dataflow block holds an impure binding");
	relax_module_free(r.m);
}

static void test_missing_sinfo(void **state)
{
	(void)state;
	ir r;
	ir_init(&r);
	relax_expr *a = relax_var(r.m, "a", NULL);
	relax_binding b1 = bind(a, call(&r, RELAX_OP_RELU, r.x, NULL));
	relax_block *blk = relax_block_new(r.m, false, 1, &b1);
	expect_rule(check(&r, 1, &blk, r.x), "%a has no struct info");
	/* a call without struct info (not normalized) */
	relax_expr *b = relax_var(r.m, "b", r.t);
	relax_expr *c = call(&r, RELAX_OP_RELU, r.x, NULL);
	c->sinfo = NULL;
	relax_binding b2 = bind(b, c);
	blk = relax_block_new(r.m, false, 1, &b2);
	expect_rule(check(&r, 1, &blk, r.x), "a Call has no struct info (binding %b)");
	relax_module_free(r.m);
}

static void test_unbound_shape_var(void **state)
{
	(void)state;
	ir r;
	ir_init(&r);
	/* Tensor((m, 4)): m is bound by no param and no match_cast */
	const relax_sinfo *tm = TENSOR(r.m, SB_F32, "m", "4");
	relax_expr *a = relax_var(r.m, "a", tm);
	relax_expr *c = call(&r, RELAX_OP_RELU, r.x, NULL);
	c->sinfo = tm;
	relax_binding b1 = bind(a, c);
	relax_block *blk = relax_block_new(r.m, false, 1, &b1);
	expect_rule(check(&r, 1, &blk, r.x), "shape variable m is used but not bound");

	/* bound by a match_cast first: fine */
	relax_expr *mc = relax_var(r.m, "mc", tm);
	relax_binding bs[2] = {{.kind = RELAX_MATCH_CAST, .var = mc, .value = r.x, .sinfo = tm},
			       bind(relax_var(r.m, "a2", tm), c)};
	blk = relax_block_new(r.m, false, 2, bs);
	assert_int_equal(check(&r, 1, &blk, r.x), SB_OK);

	/* a ShapeExpr naming an unbound variable */
	tir_expr *k = sv(r.m, "k");
	relax_expr *s = relax_var(r.m, "s", relax_sinfo_shape(r.m, 1, NULL));
	relax_binding b3 = bind(s, relax_shape_expr(r.m, 1, &k));
	blk = relax_block_new(r.m, false, 1, &b3);
	expect_rule(check(&r, 1, &blk, r.x), "shape variable k is used but not bound");
	relax_module_free(r.m);
}

static void test_not_normal_form(void **state)
{
	(void)state;
	ir r;
	ir_init(&r);
	relax_expr *a = relax_var(r.m, "a", r.t);
	relax_binding b1 =
	    bind(a, call(&r, RELAX_OP_RELU, call(&r, RELAX_OP_EXP, r.x, NULL), NULL));
	relax_block *blk = relax_block_new(r.m, false, 1, &b1);
	expect_rule(check(&r, 1, &blk, a), "a call argument is a Call, not a leaf");
	relax_module_free(r.m);
}

static void test_bad_calls(void **state)
{
	(void)state;
	ir r;
	ir_init(&r);
	/* wrong arity */
	relax_expr *a = relax_var(r.m, "a", r.t);
	relax_binding b1 = bind(a, call(&r, RELAX_OP_ADD, r.x, NULL));
	relax_block *blk = relax_block_new(r.m, false, 1, &b1);
	expect_rule(check(&r, 1, &blk, a), "relax.add has 1 arguments");
	/* a GlobalVar the module does not define */
	relax_expr *b = relax_var(r.m, "b", r.t);
	relax_expr *c = relax_call_func(r.m, relax_module_gvar(r.m, "nowhere"), 1, &r.x, 0, NULL);
	c->sinfo = r.t;
	relax_binding b2 = bind(b, c);
	blk = relax_block_new(r.m, false, 1, &b2);
	expect_rule(check(&r, 1, &blk, b), "@nowhere is not defined in the module");
	/* call_tir of a relax function */
	relax_expr *targs[2] = {relax_module_gvar(r.m, "f"), relax_tuple(r.m, 1, &r.x)};
	relax_expr *ct = relax_call_op_sinfo(r.m, RELAX_OP_CALL_TIR, 2, targs, NULL, 1, &r.t);
	ct->sinfo = r.t;
	relax_binding b3 = bind(relax_var(r.m, "d", r.t), ct);
	blk = relax_block_new(r.m, false, 1, &b3);
	expect_rule(check(&r, 1, &blk, r.x),
		    "relax.call_tir calls something that is not a PrimFunc");
	relax_module_free(r.m);
}

static void test_match_cast_var_sinfo(void **state)
{
	(void)state;
	ir r;
	ir_init(&r);
	relax_expr *mc = relax_var(r.m, "mc", r.t);
	relax_binding b1 = {.kind = RELAX_MATCH_CAST,
			    .var = mc,
			    .value = r.x,
			    .sinfo = TENSOR(r.m, SB_F32, "n", "5")};
	relax_block *blk = relax_block_new(r.m, false, 1, &b1);
	expect_rule(check(&r, 1, &blk, r.x),
		    "the match_cast var's struct info is not the target's");
	relax_module_free(r.m);
}

/* A pass that leaves a dataflow var as the result. */
static sb_status break_module(relax_module *m)
{
	relax_global *g = relax_module_lookup(m, "f");
	relax_expr *body = g->func->u.func.body;
	body->u.seq.body = body->u.seq.blocks[0]->bindings[0].var;
	return SB_OK;
}

static void test_pass_run_checks(void **state)
{
	(void)state;
	ir r;
	ir_init(&r);
	relax_expr *lv = relax_dataflow_var(r.m, "lv", r.t), *gv = relax_var(r.m, "gv", r.t);
	relax_binding bs[2] = {bind(lv, call(&r, RELAX_OP_RELU, r.x, NULL)),
			       bind(gv, call(&r, RELAX_OP_ADD, lv, r.x))};
	relax_block *blk = relax_block_new(r.m, true, 2, bs);
	assert_int_equal(check(&r, 1, &blk, gv), SB_OK);
	assert_int_equal(relax_pass_run(r.m, "Normalize", relax_normalize, NULL), SB_OK);
	sb_status st = relax_pass_run(r.m, "BreakIt", break_module, NULL);
#ifdef SB_DEBUG_BUILD
	assert_int_equal(st, SB_ERR_INTERNAL);
	assert_non_null(strstr(sb_last_error(), "after BreakIt"));
	assert_non_null(strstr(sb_last_error(), "outside its dataflow block"));
#else
	assert_int_equal(st, SB_OK);
#endif
	relax_module_free(r.m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_use_before_def),
	    cmocka_unit_test(test_defined_twice),
	    cmocka_unit_test(test_dataflow_var_escapes),
	    cmocka_unit_test(test_dataflow_var_outside_block),
	    cmocka_unit_test(test_impure_in_dataflow),
	    cmocka_unit_test(test_missing_sinfo),
	    cmocka_unit_test(test_unbound_shape_var),
	    cmocka_unit_test(test_not_normal_form),
	    cmocka_unit_test(test_bad_calls),
	    cmocka_unit_test(test_match_cast_var_sinfo),
	    cmocka_unit_test(test_pass_run_checks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
