/* LowerShapes: parameter matching (store, check, computed dims), hoisted
 * shape functions (run here with tir_eval on a heap tensor, results
 * compared with the expressions), make_shape / heap_load for symbolic
 * leaves, match_cast of data-dependent values, binding checks as asserts,
 * variables that cannot be bound, idempotence. */
#include "relax_test.h"
#include "lower_fixtures.h"
#include "tir/eval.h"

static void lower_all(relax_module *m)
{
	if (relax_lower_for_vm(m, NULL))
		fail_msg("%s", sb_last_error());
}

static relax_binding *bindings(relax_module *m, const char *fn, int *n)
{
	relax_expr *body = relax_module_lookup(m, fn)->func->u.func.body;
	assert_int_equal(body->u.seq.nblocks, 1);
	*n = body->u.seq.blocks[0]->nbindings;
	return body->u.seq.blocks[0]->bindings;
}

/* The k-th call of packed function `name` in @main. */
static relax_expr *packed_call(relax_module *m, const char *name, int k)
{
	int n;
	relax_binding *b = bindings(m, "main", &n);
	for (int i = 0; i < n; i++)
		if (lf_is_packed(&b[i], (void *)name) && k-- == 0)
			return b[i].value;
	fail_msg("no call %d of %s", k, name);
	return NULL;
}

static int64_t int_arg(const relax_expr *call, int i)
{
	int64_t v = 0;
	relax_expr *a = call->u.call.args[i];
	assert_int_equal(a->kind, RELAX_PRIM_VALUE);
	assert_true(tir_expr_is_int_imm(a->u.prim.value, &v));
	return v;
}

static const char *str_arg(const relax_expr *call, int i)
{
	assert_int_equal(call->u.call.args[i]->kind, RELAX_STRING_IMM);
	return call->u.call.args[i]->u.str.value;
}

static int64_t heap_size(relax_module *m, const char *fn)
{
	const tir_attr *a =
	    relax_function_get_attr(relax_module_lookup(m, fn)->func, "shape_heap_size");
	assert_non_null(a);
	return a->value;
}

/* Runs shape function `name` on a heap holding `in` (then zeros); the heap
 * comes back in `out`. */
static sb_status run_shape_func(relax_module *m, const char *name, int64_t size, int nin,
				const int64_t *in, int64_t *out)
{
	relax_global *g = relax_module_lookup(m, name);
	assert_non_null(g);
	assert_non_null(g->prim);
	sb_tensor *h = sb_tensor_zeros(SB_I64, 1, &size);
	for (int i = 0; i < nin; i++)
		sb_tensor_set_i64(h, i, in[i]);
	sb_status st = tir_eval_tensors(g->prim, &h, 1);
	for (int64_t i = 0; i < size; i++)
		out[i] = sb_tensor_get_i64(h, i);
	sb_tensor_release(h);
	return st;
}

typedef struct symbolic_scan {
	int shapes, prims;
} symbolic_scan;

static void count_symbolic(relax_expr *e, void *env)
{
	symbolic_scan *s = env;
	if (e->kind == RELAX_SHAPE_EXPR)
		for (int i = 0; i < e->u.shape.ndim; i++)
			s->shapes += e->u.shape.values[i]->kind != TIR_INT_IMM;
	if (e->kind == RELAX_PRIM_VALUE)
		s->prims +=
		    e->u.prim.value->kind != TIR_INT_IMM && e->u.prim.value->kind != TIR_FLOAT_IMM;
}

static void test_add(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	lf_build_add(m);
	lower_all(m);
	assert_int_equal(relax_wellformed(m), SB_OK);
	/* n in slot 0, n * 16 (the storage's bytes) in slot 1 */
	assert_int_equal(heap_size(m, "main"), 2);
	relax_expr *c = packed_call(m, SB_BUILTIN_CHECK_TENSOR_INFO, 0);
	assert_int_equal(int_arg(c, 2), 2);
	assert_string_equal(str_arg(c, 3), "float32");
	assert_string_equal(str_arg(c, 4), "input 'x'");
	relax_expr *ms = packed_call(m, SB_BUILTIN_MATCH_SHAPE, 0);
	assert_string_equal(str_arg(ms, 2), "input 'x'");
	assert_int_equal(int_arg(ms, 3), 2);
	assert_int_equal(int_arg(ms, 4), SB_MATCH_STORE);
	assert_int_equal(int_arg(ms, 5), 0);
	assert_string_equal(str_arg(ms, 6), "n");
	assert_int_equal(int_arg(ms, 7), SB_MATCH_CHECK_IMM);
	assert_int_equal(int_arg(ms, 8), 4);
	assert_int_equal(lf_count_packed(m, "main", SB_BUILTIN_MATCH_SHAPE), 1);
	/* make_shape(2, HEAP 0, IMM 4) */
	relax_expr *mk = packed_call(m, SB_BUILTIN_MAKE_SHAPE, 0);
	assert_int_equal(int_arg(mk, 1), 2);
	assert_int_equal(int_arg(mk, 2), SB_MAKE_SHAPE_HEAP);
	assert_int_equal(int_arg(mk, 3), 0);
	assert_int_equal(int_arg(mk, 4), SB_MAKE_SHAPE_IMM);
	assert_int_equal(int_arg(mk, 5), 4);
	/* The shape function computes the bytes from n. */
	for (int64_t n = 0; n < 100; n += 33) {
		int64_t heap[2];
		assert_int_equal(run_shape_func(m, "main_shape0", 2, 1, &n, heap), SB_OK);
		assert_int_equal(heap[0], n);
		assert_int_equal(heap[1], n * 4 * 4);
	}
	symbolic_scan s = {0};
	relax_visitor v = {.expr = count_symbolic, .env = &s};
	relax_expr_visit(relax_module_lookup(m, "main")->func, &v);
	assert_int_equal(s.shapes, 0);
	assert_int_equal(s.prims, 0);
	/* Idempotent. */
	relax_expr *before = relax_module_lookup(m, "main")->func;
	assert_int_equal(relax_lower_shapes(m), SB_OK);
	assert_ptr_equal(relax_module_lookup(m, "main")->func, before);
	relax_module_free(m);
}

/* @main(x: Tensor((rows, cols), float32)) = call_packed(extern("test.id"), x) */
static void build_identity(relax_module *m, tir_expr *rows, tir_expr *cols)
{
	tir_expr *d[2] = {rows, cols};
	relax_expr *x = relax_var(m, "x", relax_sinfo_tensor(m, SB_F32, 2, d)), *y, *fn;
	relax_builder *b = relax_builder_new(m);
	relax_builder_begin_function(b, 1, &x);
	relax_expr *a[2] = {relax_extern_func(m, "test.id"), x};
	assert_int_equal(
	    relax_builder_emit(
		b, relax_call_op_sinfo(m, RELAX_OP_CALL_PACKED, 2, a, NULL, 1, &x->sinfo), "y", &y),
	    SB_OK);
	assert_int_equal(relax_builder_end_function(b, y, NULL, &fn), SB_OK);
	relax_module_set_function(m, "main", fn);
	relax_builder_free(b);
}

static void test_repeated_and_computed_dims(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	tir_expr *n = sv(m, "n");
	build_identity(m, n, n);
	lower_all(m);
	relax_expr *ms = packed_call(m, SB_BUILTIN_MATCH_SHAPE, 0);
	assert_int_equal(int_arg(ms, 4), SB_MATCH_STORE);
	assert_int_equal(int_arg(ms, 7), SB_MATCH_CHECK_HEAP);
	assert_int_equal(int_arg(ms, 8), int_arg(ms, 5));
	assert_string_equal(str_arg(ms, 9), "n");
	relax_module_free(m);

	/* (n, n * 2 + 1): the computed dim is checked by a second match once
	 * the shape function has computed it. */
	m = relax_module_new();
	n = sv(m, "n");
	build_identity(m, n, tir_add(m->tir, tir_mul(m->tir, n, ci(m, 2)), ci(m, 1)));
	lower_all(m);
	assert_int_equal(lf_count_packed(m, "main", SB_BUILTIN_MATCH_SHAPE), 2);
	ms = packed_call(m, SB_BUILTIN_MATCH_SHAPE, 0);
	assert_int_equal(int_arg(ms, 4), SB_MATCH_STORE);
	assert_int_equal(int_arg(ms, 7), SB_MATCH_NOOP);
	relax_expr *ms2 = packed_call(m, SB_BUILTIN_MATCH_SHAPE, 1);
	assert_int_equal(int_arg(ms2, 4), SB_MATCH_NOOP);
	assert_int_equal(int_arg(ms2, 7), SB_MATCH_CHECK_HEAP);
	assert_string_equal(str_arg(ms2, 9), "n * 2 + 1");
	int64_t slot = int_arg(ms2, 8), heap[2], seven = 7;
	assert_int_equal(heap_size(m, "main"), 2);
	assert_int_equal(run_shape_func(m, "main_shape0", 2, 1, &seven, heap), SB_OK);
	assert_int_equal(heap[slot], 15);
	relax_module_free(m);

	/* (n + 1, 4): n cannot be bound from n + 1. */
	m = relax_module_new();
	n = sv(m, "n");
	build_identity(m, tir_add(m->tir, n, ci(m, 1)), ci(m, 4));
	assert_int_equal(relax_lower_for_vm(m, NULL), SB_ERR_UNSUPPORTED);
	assert_non_null(strstr(sb_last_error(), "input 'x' dim 0 is n + 1"));
	assert_non_null(strstr(sb_last_error(), "shape variable n cannot be bound"));
	relax_module_free(m);
}

/* A data-dependent result match_cast to (m, 4); an allocation of (m, 4)
 * after it uses m's slot; a check on m becomes an assert. */
static void test_match_cast_and_checks(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	tir_expr *n = sv(m, "n"), *mm = sv(m, "m");
	relax_module_add_prim_func(m, lf_ewise(m->tir, "scale", mm, true, TIR_ADD));
	relax_expr *x = relax_var(m, "x", lf_tensor(m, n)), *t, *u, *y, *fn;
	relax_builder *b = relax_builder_new(m);
	relax_builder_begin_function(b, 1, &x);
	relax_expr *a[2] = {relax_extern_func(m, "test.filter"), x};
	const relax_sinfo *any2 = relax_sinfo_tensor(m, SB_F32, 2, NULL);
	assert_int_equal(
	    relax_builder_emit(
		b, relax_call_op_sinfo(m, RELAX_OP_CALL_PACKED, 2, a, NULL, 1, &any2), "t", &t),
	    SB_OK);
	assert_int_equal(relax_builder_emit_match_cast(b, t, lf_tensor(m, mm), "u", &u), SB_OK);
	relax_check c = {tir_le(m->tir, mm, n), "m <= n"};
	relax_binding bd = {.kind = RELAX_VAR_BINDING,
			    .var = relax_var(m, "y", NULL),
			    .value = lf_call_tir(m, "scale", 1, &u, lf_tensor(m, mm)),
			    .nchecks = 1,
			    .checks = &c};
	assert_int_equal(relax_builder_emit_binding(b, &bd, false, &y), SB_OK);
	assert_int_equal(relax_builder_end_function(b, y, NULL, &fn), SB_OK);
	relax_module_set_function(m, "main", fn);
	relax_builder_free(b);
	lower_all(m);
	assert_int_equal(relax_wellformed(m), SB_OK);

	/* input x: store n; then t matched: check_tensor_info, store m */
	assert_int_equal(lf_count_packed(m, "main", SB_BUILTIN_MATCH_SHAPE), 2);
	relax_expr *ms = packed_call(m, SB_BUILTIN_MATCH_SHAPE, 1);
	assert_string_equal(str_arg(ms, 2), "'u' (match_cast of 't')");
	assert_int_equal(int_arg(ms, 4), SB_MATCH_STORE);
	int64_t mslot = int_arg(ms, 5);
	assert_string_equal(str_arg(ms, 6), "m");
	assert_int_equal(int_arg(ms, 7), SB_MATCH_CHECK_IMM);
	assert_int_equal(mslot, 1);
	/* The allocation of (m, 4) needs m * 16 and the check m <= n: one
	 * shape function after the match_cast (nothing to hoist at entry). */
	assert_null(relax_module_lookup(m, "main_shape1"));
	assert_int_equal(heap_size(m, "main"), 3);
	int64_t in[2] = {5, 3}, heap[3];
	assert_int_equal(run_shape_func(m, "main_shape0", 3, 2, in, heap), SB_OK);
	assert_int_equal(heap[2], 3 * 16);
	in[1] = 6;
	assert_int_not_equal(run_shape_func(m, "main_shape0", 3, 2, in, heap), SB_OK);
	assert_non_null(strstr(sb_last_error(), "m <= n"));
	/* The match_cast stays, as the declaration that binds m. */
	int nb;
	relax_binding *bs = bindings(m, "main", &nb);
	int casts = 0;
	for (int i = 0; i < nb; i++) {
		casts += bs[i].kind == RELAX_MATCH_CAST;
		assert_int_equal(bs[i].nchecks, 0);
	}
	assert_int_equal(casts, 1);
	relax_module_free(m);
}

static void test_private_function_context(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	build_identity(m, sv(m, "n"), ci(m, 4));
	relax_expr *fn = relax_module_lookup(m, "main")->func;
	relax_module_remove(m, "main");
	relax_module_set_function(m, "helper", fn);
	assert_int_equal(relax_lower_shapes(m), SB_OK);
	relax_binding *b;
	int n;
	b = bindings(m, "helper", &n);
	assert_true(lf_is_packed(&b[0], (void *)SB_BUILTIN_CHECK_TENSOR_INFO));
	assert_string_equal(str_arg(b[0].value, 4), "@helper argument 'x'");
	relax_module_free(m);
}

/* @f(t: Tuple(Tensor((n, 4))), k: Prim(int64, n), j: Prim(int64, m)) -> Shape((m, n))
 * A tuple is checked and its field matched; a Prim of a bound variable
 * is stored and asserted equal; one of a new variable binds it. */
static void test_tuple_and_prim_params(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	tir_expr *n = sv(m, "n"), *mm = sv(m, "m");
	const relax_sinfo *field = lf_tensor(m, n);
	relax_expr *p[3] = {relax_var(m, "t", relax_sinfo_tuple(m, 1, &field)),
			    relax_var(m, "k", relax_sinfo_prim(m, SB_I64, n)),
			    relax_var(m, "j", relax_sinfo_prim(m, SB_I64, mm))};
	relax_builder *b = relax_builder_new(m);
	relax_builder_begin_function(b, 3, p);
	tir_expr *dims[2] = {mm, n};
	relax_expr *fn;
	assert_int_equal(relax_builder_end_function(b, relax_shape_expr(m, 2, dims), NULL, &fn),
			 SB_OK);
	relax_module_set_function(m, "f", fn);
	relax_builder_free(b);
	assert_int_equal(relax_lower_shapes(m), SB_OK);
	assert_int_equal(relax_wellformed(m), SB_OK);
	assert_int_equal(lf_count_packed(m, "f", SB_BUILTIN_CHECK_TUPLE_INFO), 1);
	assert_int_equal(lf_count_packed(m, "f", SB_BUILTIN_TUPLE_GET), 1);
	assert_int_equal(lf_count_packed(m, "f", SB_BUILTIN_HEAP_STORE), 2);
	assert_int_equal(lf_count_packed(m, "f", SB_BUILTIN_MAKE_SHAPE), 1);
	/* n in 0, k's value in 1 (checked against n), m in 2 */
	assert_int_equal(heap_size(m, "f"), 3);
	int64_t in[3] = {6, 6, 9}, heap[3];
	assert_int_equal(run_shape_func(m, "f_shape0", 3, 3, in, heap), SB_OK);
	in[1] = 5;
	assert_int_not_equal(run_shape_func(m, "f_shape0", 3, 3, in, heap), SB_OK);
	assert_non_null(strstr(sb_last_error(), "@f argument 'k': the value does not equal n"));
	/* The tuple's field is matched under its own name. */
	int nb;
	relax_binding *bs = bindings(m, "f", &nb);
	bool found = false;
	for (int i = 0; i < nb; i++)
		if (lf_is_packed(&bs[i], (void *)SB_BUILTIN_MATCH_SHAPE))
			found |= !strcmp(str_arg(bs[i].value, 2), "@f argument 't'[0]");
	assert_true(found);
	relax_module_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add),
	    cmocka_unit_test(test_repeated_and_computed_dims),
	    cmocka_unit_test(test_match_cast_and_checks),
	    cmocka_unit_test(test_private_function_context),
	    cmocka_unit_test(test_tuple_and_prim_params),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
