/* Inputs bound at compile time (bridge.h: bridge_options): a bound input is
 * a constant wherever the bridge needs a compile-time value (reduce axes,
 * Resize scales, the shape arithmetic) yet stays a parameter; the guard is
 * the function's first binding, survives DeadCodeElim and, compiled and run
 * on the VM, accepts the bound value and rejects another with a message
 * naming the input and both values.  Unbound, the error names the input and
 * how to bind it; bridge_inputs_needing_values names exactly those inputs.
 * And the other way to a value: Slice starts/ends read at run time, with
 * negative values counted from the end. */
#include <math.h>

#include "bridge_test.h"

#include "backends/llvm/llvm_codegen.h"
#include "backends/vm/vm_codegen.h"
#include "relax_like/passes/passes.h"
#include "tests/vm/vm_jit.h"

#define CHECK(call)                                                                                \
	do {                                                                                       \
		if ((call) != SB_OK)                                                               \
			fail_msg("%s: %s", #call, sb_last_error());                                \
	} while (0)

#define assert_contains(s, sub)                                                                    \
	do {                                                                                       \
		const char *s_ = (s);                                                              \
		if (!s_ || !strstr(s_, (sub)))                                                     \
			fail_msg("'%s' does not contain '%s'", s_ ? s_ : "(null)", (sub));         \
	} while (0)

static sb_tensor *i64_vec(int n, const int64_t *v)
{
	int64_t shape[1] = {n};
	sb_tensor *t = sb_tensor_new(SB_I64, 1, shape);
	for (int i = 0; i < n; i++)
		sb_tensor_set_i64(t, i, v[i]);
	return t;
}

static sb_tensor *f32_vec(int n, const double *v)
{
	int64_t shape[1] = {n};
	sb_tensor *t = sb_tensor_new(SB_F32, 1, shape);
	for (int i = 0; i < n; i++)
		sb_tensor_set_f64(t, i, v[i]);
	return t;
}

/* Types main and bridges it with the bindings. */
static sb_status bridge_bound(relay_module *m, int np, relay_expr *const *params, int nr,
			      relay_expr *const *results, int nb, const bridge_binding *bound,
			      relax_module **xm, relax_expr **fn)
{
	m->main = relay_function_new(m, "main", np, params, nr, results, NULL);
	sb_status st = relay_infer_types(m);
	if (st)
		return st;
	*xm = relax_module_new();
	bridge_options o = {.nbound = nb, .bound = bound};
	st = bridge_convert_function_with(m, m->main, *xm, "main", &o, fn);
	if (!st && getenv("BRIDGE_TEST_PRINT")) {
		char *t = relax_print_module(*xm);
		fprintf(stderr, "%s\n", t);
		free(t);
	}
	if (!st && relax_wellformed(*xm)) {
		fprintf(stderr, "not well-formed: %s\n", sb_last_error());
		return SB_ERR_INTERNAL;
	}
	return st;
}

/* x: float32[3, 4, 5], axes: int64[2]; ReduceSum(x, axes, keepdims=0). */
static relay_expr *reduce_graph(relay_module *m, relay_expr **x, relay_expr **axes)
{
	*x = rvar(m, "x", SB_F32, "3,4,5");
	*axes = rvar(m, "axes", SB_I64, "2");
	relay_attrs_reduce *a = RATTRS(m, REDUCE_SUM);
	a->keepdims = 0;
	return RCALL_ATTRS(m, REDUCE_SUM, a, "sum", *x, *axes);
}

/* The first binding of fn's body: the guard of `name`. */
static void assert_guard_first(relax_expr *fn, const char *name)
{
	binding_vec v = {0};
	fn_bindings(fn, &v);
	assert_true(v.len > 0);
	relax_expr *call = v.data[0]->value;
	assert_int_equal(call->kind, RELAX_CALL);
	assert_int_equal(call->u.call.op, RELAX_OP_CALL_PACKED);
	assert_int_equal(call->u.call.args[0]->kind, RELAX_EXTERN_FUNC);
	assert_string_equal(call->u.call.args[0]->u.var.name, SB_BUILTIN_CHECK_BOUND_INPUT);
	assert_int_equal(call->u.call.args[2]->kind, RELAX_CONSTANT);
	assert_int_equal(call->u.call.args[3]->kind, RELAX_STRING_IMM);
	assert_string_equal(call->u.call.args[3]->u.str.value, name);
	/* Outside any dataflow block: it has an effect. */
	assert_false(fn->u.func.body->u.seq.blocks[0]->dataflow);
	sb_vec_free(&v);
}

static void test_reduce_axes_bound_struct_info(void **state)
{
	relay_module *m = relay_module_new();
	relay_expr *x, *axes, *y = reduce_graph(m, &x, &axes);
	sb_tensor *val = i64_vec(2, (int64_t[]){0, -1});
	bridge_binding b = {"axes", val};
	relax_module *xm;
	relax_expr *fn;
	CHECK(bridge_bound(m, 2, (relay_expr *[]){x, axes}, 1, &y, 1, &b, &xm, &fn));
	/* Still two parameters: the compiled model's inputs do not change. */
	assert_int_equal(fn->u.func.nparams, 2);
	assert_string_equal(fn->u.func.params[1]->u.var.name, "axes");
	assert_guard_first(fn, "axes");
	relax_binding *sum = find_call(fn, RELAX_OP_SUM, 0);
	assert_non_null(sum);
	assert_sinfo(sum->var->sinfo, "Tensor((4,), float32)");
	sb_tensor_release(val);
	relax_module_free(xm);
	relay_module_free(m);
}

/* A bound integer input feeds the shape arithmetic: Reshape(x,
 * Concat(Shape(x)[0], shp)) with shp bound is a static reshape. */
static void test_bound_value_in_shape_arithmetic(void **state)
{
	relay_module *m = relay_module_new();
	relay_expr *x = rvar(m, "x", SB_F32, "n,12");
	relay_expr *shp = rvar(m, "shp", SB_I64, "2");
	relay_expr *target = RCALL(m, CONCAT, "target", rdim(m, x, 0), shp);
	relay_expr *y = RCALL(m, RESHAPE, "reshape", x, target);
	sb_tensor *val = i64_vec(2, (int64_t[]){3, 4});
	bridge_binding b = {"shp", val};
	relax_module *xm;
	relax_expr *fn;
	CHECK(bridge_bound(m, 2, (relay_expr *[]){x, shp}, 1, &y, 1, &b, &xm, &fn));
	relax_binding *r = find_call(fn, RELAX_OP_RESHAPE, 0);
	assert_non_null(r);
	assert_sinfo(r->var->sinfo, "Tensor((n, 3, 4), float32)");
	assert_int_equal(count_calls(fn, RELAX_OP_TENSOR_TO_SHAPE), 0);
	sb_tensor_release(val);
	relax_module_free(xm);
	relay_module_free(m);
}

/* Resize's float scales from a bound input. */
static void test_resize_scales_bound(void **state)
{
	relay_module *m = relay_module_new();
	relay_expr *x = rvar(m, "X", SB_F32, "1,1,2,3");
	relay_expr *scales = rvar(m, "scales", SB_F32, "4");
	relay_expr *y = RCALL(m, RESIZE, "resize", x, NULL, scales);
	sb_tensor *val = f32_vec(4, (double[]){1, 1, 2, 1.5});
	bridge_binding b = {"scales", val};
	relax_module *xm;
	relax_expr *fn;
	CHECK(bridge_bound(m, 2, (relay_expr *[]){x, scales}, 1, &y, 1, &b, &xm, &fn));
	relax_binding *r = find_call(fn, RELAX_OP_RESIZE, 0);
	assert_non_null(r);
	assert_sinfo(r->var->sinfo, "Tensor((1, 1, 4, 4), float32)");
	assert_guard_first(fn, "scales");
	sb_tensor_release(val);
	relax_module_free(xm);
	relay_module_free(m);
}

/* ---- Errors ---- */

static void test_unbound_error_names_input(void **state)
{
	relay_module *m = relay_module_new();
	relay_expr *x, *axes, *y = reduce_graph(m, &x, &axes);
	relax_module *xm;
	relax_expr *fn;
	assert_int_equal(bridge_bound(m, 2, (relay_expr *[]){x, axes}, 1, &y, 0, NULL, &xm, &fn),
			 SB_ERR_UNSUPPORTED);
	assert_contains(sb_last_error(), "ReduceSum 'sum': axes must be known at compile time");
	assert_contains(sb_last_error(), "; bind it with --bind axes=FILE");
	relax_module_free(xm);
	relay_module_free(m);

	/* Through arithmetic: both inputs it comes from are named. */
	m = relay_module_new();
	x = rvar(m, "x", SB_F32, "3,4");
	relay_expr *a = rvar(m, "a", SB_I64, "1"), *k = rvar(m, "k", SB_I64, "1");
	y = RCALL(m, UNSQUEEZE, "unsq", x, RCALL(m, ADD, "add", a, k));
	assert_int_equal(bridge_bound(m, 3, (relay_expr *[]){x, a, k}, 1, &y, 0, NULL, &xm, &fn),
			 SB_ERR_UNSUPPORTED);
	assert_contains(sb_last_error(), "Unsqueeze 'unsq': axes must be known at compile time; "
					 "bind them with --bind a=FILE --bind k=FILE");
	relax_module_free(xm);
	relay_module_free(m);
}

static void test_bad_bindings(void **state)
{
	relay_module *m = relay_module_new();
	relay_expr *x, *axes, *y = reduce_graph(m, &x, &axes);
	relax_module *xm;
	relax_expr *fn;
	sb_tensor *val = i64_vec(2, (int64_t[]){0, 1});
	bridge_binding b = {"axis", val};
	assert_int_equal(bridge_bound(m, 2, (relay_expr *[]){x, axes}, 1, &y, 1, &b, &xm, &fn),
			 SB_ERR_INVALID);
	assert_contains(sb_last_error(), "'axis' is not an input of the model (its inputs: x, axes)");
	relax_module_free(xm);
	sb_tensor_release(val);

	/* Wrong length for the input's static dim. */
	val = i64_vec(3, (int64_t[]){0, 1, 2});
	b = (bridge_binding){"axes", val};
	xm = relax_module_new();
	bridge_options o = {1, &b};
	assert_int_equal(bridge_convert_function_with(m, m->main, xm, "main", &o, &fn),
			 SB_ERR_INVALID);
	assert_contains(sb_last_error(), "bound input 'axes'");
	relax_module_free(xm);
	sb_tensor_release(val);
	relay_module_free(m);
}

/* ---- The query ---- */

static void test_inputs_needing_values(void **state)
{
	relay_module *m = relay_module_new();
	relay_expr *x = rvar(m, "x", SB_F32, "n,4,6,8");
	relay_expr *shp = rvar(m, "shp", SB_I64, "4");
	relay_expr *a = rvar(m, "a", SB_I64, "1"), *k = rvar(m, "k", SB_I64, "1");
	relay_expr *scales = rvar(m, "scales", SB_F32, "4");
	relay_expr *axes = rvar(m, "axes", SB_I64, "1");
	/* x reaches a reshape's shape only through Shape: its value is not
	 * needed; shp is read at run time (a data-dependent reshape). */
	relay_expr *r = RCALL(m, RESHAPE, "r", x, RCALL(m, SHAPE, "s", x));
	relay_expr *r2 = RCALL(m, RESHAPE, "r2", r, shp);
	relay_expr *u = RCALL(m, UNSQUEEZE, "u", r2, RCALL(m, ADD, "add", a, k));
	relay_expr *rs = RCALL(m, RESIZE, "rs", x, NULL, scales);
	relay_expr *sum = RCALL(m, REDUCE_SUM, "sum", rs, axes);
	relay_expr *params[] = {x, shp, a, k, scales, axes};
	m->main = relay_function_new(m, "main", 6, params, 2, (relay_expr *[]){u, sum}, NULL);
	CHECK(relay_infer_types(m));
	int n;
	const char **names;
	CHECK(bridge_inputs_needing_values(m, m->main, &n, &names));
	assert_int_equal(n, 4);
	assert_string_equal(names[0], "a");
	assert_string_equal(names[1], "k");
	assert_string_equal(names[2], "scales");
	assert_string_equal(names[3], "axes");
	free(names);
	relay_module_free(m);

	/* An empty axes input (by its type) needs nothing: the bridge knows it. */
	m = relay_module_new();
	relay_expr *d = rvar(m, "data", SB_F32, "3,2");
	relay_expr *e = rvar(m, "axes", SB_I64, "0");
	relay_attrs_reduce *ra = RATTRS(m, REDUCE_SUM);
	ra->noop_with_empty_axes = 1;
	relay_expr *y = RCALL_ATTRS(m, REDUCE_SUM, ra, "sum", d, e);
	relax_module *xm;
	relax_expr *fn;
	CHECK(bridge_bound(m, 2, (relay_expr *[]){d, e}, 1, &y, 0, NULL, &xm, &fn));
	CHECK(bridge_inputs_needing_values(m, m->main, &n, &names));
	assert_int_equal(n, 0);
	free(names);
	relax_module_free(xm);
	relay_module_free(m);
}

/* ---- Compiled and run ---- */

static int count_guards(relax_module *m)
{
	relax_global *g = relax_module_lookup(m, "main");
	relax_expr *body = g->func->u.func.body;
	int n = 0;
	for (int i = 0; i < body->u.seq.nblocks; i++)
		for (int k = 0; k < body->u.seq.blocks[i]->nbindings; k++) {
			relax_expr *v = body->u.seq.blocks[i]->bindings[k].value;
			if (v->kind == RELAX_CALL && v->u.call.op == RELAX_OP_CALL_PACKED &&
			    !strcmp(v->u.call.args[0]->u.var.name, SB_BUILTIN_CHECK_BOUND_INPUT))
				n++;
		}
	return n;
}

static void compile(compiled *c, relax_module *m)
{
	memset(c, 0, sizeof *c);
	c->m = m;
	CHECK(relax_normalize(m));
	CHECK(relax_legalize_ops(m, NULL));
	CHECK(relax_dead_code_elim(m));
	/* The guard's result is used by nobody; it stays for its effect. */
	assert_int_equal(count_guards(m), 1);
	CHECK(relax_lower_for_vm(m, NULL));
	assert_int_equal(count_guards(m), 1);
	compiled_finish(c);
}

static void test_compiled_guard(void **state)
{
	relay_module *m = relay_module_new();
	relay_expr *x, *axes, *y = reduce_graph(m, &x, &axes);
	sb_tensor *bound = i64_vec(2, (int64_t[]){0, 2});
	bridge_binding b = {"axes", bound};
	relax_module *xm;
	relax_expr *fn;
	CHECK(bridge_bound(m, 2, (relay_expr *[]){x, axes}, 1, &y, 1, &b, &xm, &fn));
	relay_module_free(m);
	compiled c;
	compile(&c, xm);

	int64_t xs[3] = {3, 4, 5};
	sb_tensor *xt = sb_tensor_new(SB_F32, 3, xs);
	for (int i = 0; i < 60; i++)
		sb_tensor_set_f64(xt, i, sin(0.37 * i) * 3.0);
	/* The same value in a tensor of its own. */
	sb_tensor *given = i64_vec(2, (int64_t[]){0, 2});
	sb_value args[2] = {sb_value_tensor(xt), sb_value_tensor(given)}, out;
	CHECK(sb_vm_invoke(c.vm, c.exec->entry, args, 2, &out));
	assert_int_equal(out.kind, SB_VAL_TENSOR);
	sb_tensor *r = out.u.tensor;
	assert_int_equal(sb_tensor_rank(r), 1);
	assert_int_equal(r->shape[0], 4);
	for (int j = 0; j < 4; j++) {
		double want = 0;
		for (int i = 0; i < 3; i++)
			for (int k = 0; k < 5; k++)
				want += sb_tensor_get_f64(xt, (i * 4 + j) * 5 + k);
		assert_true(fabs(sb_tensor_get_f64(r, j) - want) < 1e-4);
	}
	sb_value_release(&out);

	/* Another value: rejected before anything runs. */
	sb_tensor *other = i64_vec(2, (int64_t[]){1, 2});
	args[1] = sb_value_tensor(other);
	out = (sb_value){SB_VAL_NONE};
	assert_int_not_equal(sb_vm_invoke(c.vm, c.exec->entry, args, 2, &out), SB_OK);
	assert_contains(sb_last_error(),
			"input 'axes' was bound at compile time to [0, 2]; got [1, 2]");
	sb_value_release(&out);

	sb_tensor_release(other);
	sb_tensor_release(given);
	sb_tensor_release(xt);
	sb_tensor_release(bound);
	compiled_release(&c);
}

/* Slice starts/ends read at run time (not bound): a negative value counts
 * from the end of its axis, on the tensor, before it becomes a shape. */
static void test_slice_starts_ends_from_data(void **state)
{
	relay_module *m = relay_module_new();
	relay_expr *x = rvar(m, "x", SB_F32, "4,6");
	relay_expr *st = rvar(m, "starts", SB_I64, "1"), *en = rvar(m, "ends", SB_I64, "1");
	relay_expr *y = RCALL(m, SLICE, "slice", x, st, en, ri64(m, 1, 1LL));
	relax_module *xm;
	relax_expr *fn;
	CHECK(bridge_bound(m, 3, (relay_expr *[]){x, st, en}, 1, &y, 0, NULL, &xm, &fn));
	relay_module_free(m);
	assert_int_equal(count_calls(fn, RELAX_OP_TENSOR_TO_SHAPE), 2);
	assert_int_equal(count_calls(fn, RELAX_OP_WHERE), 2);
	compiled c;
	memset(&c, 0, sizeof c);
	c.m = xm;
	CHECK(relax_normalize(xm));
	CHECK(relax_legalize_ops(xm, NULL));
	CHECK(relax_lower_for_vm(xm, NULL));
	compiled_finish(&c);

	int64_t xs[2] = {4, 6};
	sb_tensor *xt = sb_tensor_new(SB_F32, 2, xs);
	for (int i = 0; i < 24; i++)
		sb_tensor_set_f64(xt, i, i);
	/* [start, end) on axis 1 and the columns they mean. */
	int64_t cases[3][4] = {{1, -1, 1, 5}, {-3, 100, 3, 6}, {-100, 2, 0, 2}};
	for (int k = 0; k < 3; k++) {
		sb_tensor *s = i64_vec(1, &cases[k][0]), *e = i64_vec(1, &cases[k][1]);
		sb_value args[3] = {sb_value_tensor(xt), sb_value_tensor(s), sb_value_tensor(e)}, out;
		CHECK(sb_vm_invoke(c.vm, c.exec->entry, args, 3, &out));
		sb_tensor *r = out.u.tensor;
		int64_t lo = cases[k][2], hi = cases[k][3];
		assert_int_equal(r->shape[0], 4);
		assert_int_equal(r->shape[1], hi - lo);
		for (int i = 0; i < 4; i++)
			for (int64_t j = lo; j < hi; j++)
				assert_true(sb_tensor_get_f64(r, i * (hi - lo) + (j - lo)) == i * 6 + j);
		sb_value_release(&out);
		sb_tensor_release(s);
		sb_tensor_release(e);
	}
	sb_tensor_release(xt);
	compiled_release(&c);
}

/* The builtin's message for other values: a scalar, floats, a matrix. */
static void test_guard_messages(void **state)
{
	sb_packed_fn f =
	    sb_func_registry_lookup(sb_func_registry_global(), SB_BUILTIN_CHECK_BOUND_INPUT);
	assert_non_null(f);
	sb_tensor *s1 = sb_tensor_new(SB_I64, 0, NULL), *s2 = sb_tensor_new(SB_I64, 0, NULL);
	sb_tensor_set_i64(s1, 0, 1);
	sb_tensor_set_i64(s2, 0, -1);
	sb_value ret = {SB_VAL_NONE};
	sb_value a[3] = {sb_value_tensor(s1), sb_value_tensor(s1), sb_value_string("axis")};
	assert_int_equal(f(a, 3, &ret), SB_OK);
	a[0] = sb_value_tensor(s2);
	assert_int_not_equal(f(a, 3, &ret), SB_OK);
	assert_string_equal(sb_last_error(), "input 'axis' was bound at compile time to 1; got -1");

	sb_tensor *f1 = f32_vec(2, (double[]){1.0, 0.5}), *f2 = f32_vec(2, (double[]){1.0, 0.25});
	a[0] = sb_value_tensor(f2);
	a[1] = sb_value_tensor(f1);
	a[2] = sb_value_string("scales");
	assert_int_not_equal(f(a, 3, &ret), SB_OK);
	assert_string_equal(sb_last_error(),
			    "input 'scales' was bound at compile time to [1, 0.5]; got [1, 0.25]");

	int64_t shape[2] = {2, 2};
	sb_tensor *m1 = sb_tensor_new(SB_I32, 2, shape), *m2 = sb_tensor_new(SB_I64, 2, shape);
	for (int i = 0; i < 4; i++) {
		sb_tensor_set_i64(m1, i, i);
		sb_tensor_set_i64(m2, i, i);
	}
	a[0] = sb_value_tensor(m1);
	a[1] = sb_value_tensor(m2);
	a[2] = sb_value_string("pads");
	assert_int_not_equal(f(a, 3, &ret), SB_OK);
	assert_string_equal(sb_last_error(), "input 'pads' was bound at compile time to int64 "
					     "[[0, 1], [2, 3]]; got int32 [[0, 1], [2, 3]]");
	sb_tensor_release(m1);
	sb_tensor_release(m2);
	sb_tensor_release(f1);
	sb_tensor_release(f2);
	sb_tensor_release(s1);
	sb_tensor_release(s2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reduce_axes_bound_struct_info),
	    cmocka_unit_test(test_bound_value_in_shape_arithmetic),
	    cmocka_unit_test(test_resize_scales_bound),
	    cmocka_unit_test(test_unbound_error_names_input),
	    cmocka_unit_test(test_bad_bindings),
	    cmocka_unit_test(test_inputs_needing_values),
	    cmocka_unit_test(test_compiled_guard),
	    cmocka_unit_test(test_slice_starts_ends_from_data),
	    cmocka_unit_test(test_guard_messages),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
