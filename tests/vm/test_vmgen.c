/* backends/vm end to end: hand-built relax modules (call_tir of hand-built
 * PrimFuncs) lowered by relax_lower_for_vm, turned into bytecode, their
 * PrimFuncs (kernels and generated shape functions) compiled by the LLVM
 * JIT, run by the VM at several shapes and compared with a formula; the
 * shape errors a user sees; memory use of a planned chain; the model .so
 * written, loaded through the model API and run. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "backends/llvm/llvm_codegen.h"
#include "backends/vm/vm_codegen.h"
#include "tests/relax_like/lower_fixtures.h"
#include "tests/vm/vm_jit.h"

#define assert_contains(s, sub) assert_contains_((s), (sub), __FILE__, __LINE__)
static void assert_contains_(const char *s, const char *sub, const char *file, int line)
{
	if (!s || !strstr(s, sub)) {
		print_error("'%s' does not contain '%s'\n", s ? s : "(null)", sub);
		_fail(file, line);
	}
}

#define CHECK(call)                                                                                \
	do {                                                                                       \
		if ((call) != SB_OK)                                                               \
			fail_msg("%s: %s", #call, sb_last_error());                                \
	} while (0)

/* A compiled module: the executable, its kernels in the JIT, the VM. */
static void compile(compiled *c, void (*build)(relax_module *), const relax_vm_lower_opts *lo)
{
	memset(c, 0, sizeof *c);
	c->m = relax_module_new();
	build(c->m);
	CHECK(relax_lower_for_vm(c->m, lo));
	compiled_finish(c);
}

static sb_tensor *input(sb_dtype dt, int rank, const int64_t *shape, double base)
{
	sb_tensor *t = sb_tensor_new(dt, rank, shape);
	for (int64_t i = 0; i < sb_tensor_numel(t); i++)
		sb_tensor_set_f64(t, i, base + 0.25 * (double)i);
	return t;
}

static sb_status run(compiled *c, int n, sb_tensor *const *in, sb_value *out)
{
	sb_value args[4];
	for (int i = 0; i < n; i++)
		args[i] = sb_value_tensor(in[i]);
	return sb_vm_invoke(c->vm, c->exec->entry, args, n, out);
}

/* ---- Running ---- */

static void test_add_at_many_shapes(void **state)
{
	(void)state;
	compiled c;
	compile(&c, lf_build_add, NULL);
	const int64_t ns[] = {1, 7, 64};
	for (size_t k = 0; k < SB_ARRAY_LEN(ns); k++) {
		int64_t shape[2] = {ns[k], 4};
		sb_tensor *x = input(SB_F32, 2, shape, -3.0);
		sb_value y;
		CHECK(run(&c, 1, &x, &y));
		assert_int_equal(y.kind, SB_VAL_TENSOR);
		assert_int_equal(y.u.tensor->dl.ndim, 2);
		assert_int_equal(y.u.tensor->shape[0], ns[k]);
		assert_int_equal(y.u.tensor->shape[1], 4);
		for (int64_t i = 0; i < ns[k] * 4; i++)
			assert_true(sb_tensor_get_f64(y.u.tensor, i) ==
				    2 * (-3.0 + 0.25 * (double)i));
		sb_value_release(&y);
		sb_tensor_release(x);
	}
	compiled_release(&c);
}

static void build_chain5(relax_module *m)
{
	lf_build_chain(m, 5);
}

static void test_chain_runs_in_planned_storage(void **state)
{
	(void)state;
	compiled c;
	compile(&c, build_chain5, NULL);
	for (int64_t n = 1; n <= 33; n += 16) {
		int64_t shape[2] = {n, 4};
		sb_tensor *x = input(SB_F32, 2, shape, 1.0);
		sb_mem_stats before, after;
		sb_pool_stats(sb_vm_storage_pool(c.vm), &before);
		sb_value y;
		CHECK(run(&c, 1, &x, &y));
		sb_pool_stats(sb_vm_storage_pool(c.vm), &after);
		/* Two shared storages for the four intermediates, one for the
		 * output. */
		assert_int_equal(after.allocs - before.allocs, 3);
		for (int64_t i = 0; i < n * 4; i++) {
			double v = 1.0 + 0.25 * (double)i;
			for (int k = 0; k < 5; k++)
				v = v * 2 + 1;
			assert_true(sb_tensor_get_f64(y.u.tensor, i) == (float)v);
		}
		sb_value_release(&y);
		sb_tensor_release(x);
	}
	compiled_release(&c);
}

/* ---- Shape errors ---- */

static void expect_error(compiled *c, int n, sb_tensor *const *in, const char *msg)
{
	sb_value y;
	sb_status st = run(c, n, in, &y);
	assert_int_not_equal(st, SB_OK);
	assert_int_equal(y.kind, SB_VAL_NONE);
	assert_contains(sb_last_error(), msg);
}

static void test_shape_errors(void **state)
{
	(void)state;
	compiled c;
	compile(&c, lf_build_add, NULL);
	int64_t bad_dim[2] = {3, 5}, bad_rank[3] = {3, 4, 1}, good[2] = {3, 4};
	sb_tensor *t = input(SB_F32, 2, bad_dim, 0);
	expect_error(&c, 1, &t, "input 'x' dim 1: expected 4, got 5");
	sb_tensor_release(t);
	t = input(SB_F32, 3, bad_rank, 0);
	expect_error(&c, 1, &t, "input 'x': expected rank 2, got rank 3");
	sb_tensor_release(t);
	t = input(SB_I32, 2, good, 0);
	expect_error(&c, 1, &t, "input 'x': expected dtype float32, got int32");
	sb_tensor_release(t);
	compiled_release(&c);

	compile(&c, lf_build_add2, NULL);
	int64_t s3[2] = {3, 4}, s2[2] = {2, 4};
	sb_tensor *in[2] = {input(SB_F32, 2, s3, 0), input(SB_F32, 2, s2, 0)};
	expect_error(&c, 2, in, "input 'y' dim 0 (n): expected 3, got 2");
	/* And the same inputs that agree run. */
	sb_tensor_release(in[1]);
	in[1] = input(SB_F32, 2, s3, 1);
	sb_value z;
	CHECK(run(&c, 2, in, &z));
	for (int64_t i = 0; i < 12; i++)
		assert_true(sb_tensor_get_f64(z.u.tensor, i) == 1 + 0.5 * (double)i);
	sb_value_release(&z);
	sb_tensor_release(in[0]);
	sb_tensor_release(in[1]);
	compiled_release(&c);
}

/* ---- The artifact ---- */

static void test_model_so_equals_direct_run(void **state)
{
	(void)state;
	compiled c;
	compile(&c, build_chain5, NULL);
	char dir[] = "/tmp/sbvmtest-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char *obj = sb_xasprintf("%s/kernels.o", dir), *so = sb_xasprintf("%s/model.so", dir);
	sb_llvm_options o = {.runtime_table = true, .function_table = true};
	sb_llvm_module *lm = kernels_module(c.m, &o);
	CHECK(sb_llvm_emit_object(lm, obj));
	sb_llvm_module_free(lm);
	const char *objs[1] = {obj};
	CHECK(sb_vmgen_write_artifact(so, c.exec, 1, objs));

	sb_model *model;
	CHECK(sb_model_load(so, &model));
	assert_int_equal(sb_model_num_inputs(model), 1);
	assert_int_equal(sb_model_num_outputs(model), 1);
	sb_io_info io;
	CHECK(sb_model_input_info(model, 0, &io));
	assert_string_equal(io.name, "x");
	assert_int_equal(io.dtype, SB_F32);
	assert_int_equal(io.rank, 2);
	assert_string_equal(io.dims[0].name, "n");
	assert_int_equal(io.dims[0].value, -1);
	assert_null(io.dims[1].name);
	assert_int_equal(io.dims[1].value, 4);
	CHECK(sb_model_output_info(model, 0, &io));
	assert_string_equal(io.name, "output");
	assert_string_equal(io.dims[0].name, "n");

	const int64_t ns[] = {1, 7, 64};
	for (size_t k = 0; k < SB_ARRAY_LEN(ns); k++) {
		int64_t shape[2] = {ns[k], 4};
		sb_tensor *x = input(SB_F32, 2, shape, -1.5);
		sb_value direct;
		CHECK(run(&c, 1, &x, &direct));
		sb_tensor *loaded = NULL;
		CHECK(sb_model_run(model, &x, 1, &loaded, 1));
		assert_true(sb_tensor_equal(direct.u.tensor, loaded));
		sb_tensor_release(loaded);
		sb_value_release(&direct);
		sb_tensor_release(x);
	}
	int64_t bad[2] = {2, 3};
	sb_tensor *x = input(SB_F32, 2, bad, 0), *y = NULL;
	assert_int_not_equal(sb_model_run(model, &x, 1, &y, 1), SB_OK);
	assert_contains(sb_last_error(), "input 'x' dim 1: expected 4, got 3");
	sb_tensor_release(x);
	sb_model_free(model);
	unlink(obj);
	unlink(so);
	rmdir(dir);
	free(obj);
	free(so);
	compiled_release(&c);
}

/* ---- Control flow, tuples, constants, VM-to-VM calls ---- */

/* @twice(a: (n, 4)) = add(a, a)   (private)
 * @main(x: (n, 4), c: bool[]) -> (r, k):
 *   r = if (c) { scale(x) } else { @twice(x) };  k = const [1, 2, 3]
 *   return (r, k) */
static void build_branches(relax_module *m)
{
	tir_expr *n = tir_shape_var(m->tir, "n");
	relax_module_add_prim_func(m, lf_ewise(m->tir, "add", n, false, TIR_ADD));
	relax_module_add_prim_func(m, lf_ewise(m->tir, "scale", n, true, TIR_ADD));
	relax_expr *a = relax_var(m, "a", lf_tensor(m, n)), *t, *fn;
	relax_builder *b = relax_builder_new(m);
	relax_builder_begin_function(b, 1, &a);
	relax_expr *aa[2] = {a, a};
	CHECK(relax_builder_emit(b, lf_call_tir(m, "add", 2, aa, lf_tensor(m, n)), "t", &t));
	CHECK(relax_builder_end_function(b, t, NULL, &fn));
	relax_module_set_function(m, "twice", fn);
	relax_builder_free(b);

	relax_expr *p[2] = {relax_var(m, "x", lf_tensor(m, n)),
			    relax_var(m, "c", relax_sinfo_tensor(m, SB_BOOL, 0, NULL))};
	b = relax_builder_new(m);
	relax_builder_begin_function(b, 2, p);
	relax_expr *th, *el, *v, *r, *out;
	relax_builder_begin_scope(b);
	CHECK(relax_builder_emit(b, lf_call_tir(m, "scale", 1, &p[0], lf_tensor(m, n)), NULL, &v));
	CHECK(relax_builder_end_scope(b, v, &th));
	relax_builder_begin_scope(b);
	CHECK(relax_builder_emit(
	    b, relax_call_func(m, relax_module_gvar(m, "twice"), 1, &p[0], 0, NULL), NULL, &v));
	CHECK(relax_builder_end_scope(b, v, &el));
	CHECK(relax_builder_emit(b, relax_if(m, p[1], th, el), "r", &r));
	int64_t three = 3;
	sb_tensor *k = sb_tensor_new(SB_F32, 1, &three);
	for (int i = 0; i < 3; i++)
		sb_tensor_set_f64(k, i, i + 1);
	relax_expr *fields[2] = {r, relax_constant(m, k)};
	CHECK(relax_builder_emit(b, relax_tuple(m, 2, fields), "out", &out));
	CHECK(relax_builder_end_function(b, out, NULL, &fn));
	relax_function_set_attr_str(m, fn, "output_name.0", "r");
	relax_function_set_attr_str(m, fn, "output_name.1", "k");
	relax_module_set_function(m, "main", fn);
	relax_builder_free(b);
}

static void test_branches_tuples_calls(void **state)
{
	(void)state;
	compiled c;
	compile(&c, build_branches, NULL);
	assert_int_equal(c.exec->ninputs, 2);
	assert_int_equal(c.exec->noutputs, 2);
	assert_string_equal(c.exec->outputs[0].name, "r");
	assert_string_equal(c.exec->outputs[1].name, "k");
	assert_int_equal(c.exec->outputs[1].rank, 1);
	assert_int_equal(c.exec->outputs[1].dims[0].value, 3);
	assert_int_equal(c.exec->inputs[1].dtype, SB_BOOL);
	assert_int_equal(c.exec->inputs[1].rank, 0);
	assert_true(sb_vm_exec_find_func(c.exec, "twice") >= 0);
	for (int cond = 0; cond < 2; cond++) {
		int64_t shape[2] = {5, 4};
		sb_tensor *in[2] = {input(SB_F32, 2, shape, -2.0), sb_tensor_new(SB_BOOL, 0, NULL)};
		sb_tensor_set_f64(in[1], 0, cond);
		sb_value out;
		CHECK(run(&c, 2, in, &out));
		assert_int_equal(out.kind, SB_VAL_OBJECT);
		const sb_tuple *t = (const sb_tuple *)out.u.obj;
		assert_int_equal(t->size, 2);
		sb_tensor *r = t->fields[0].u.tensor, *k = t->fields[1].u.tensor;
		for (int64_t i = 0; i < 20; i++) {
			double xv = -2.0 + 0.25 * (double)i;
			assert_true(sb_tensor_get_f64(r, i) == (cond ? xv * 2 + 1 : xv + xv));
		}
		for (int i = 0; i < 3; i++)
			assert_true(sb_tensor_get_f64(k, i) == i + 1);
		sb_value_release(&out);
		sb_tensor_release(in[0]);
		sb_tensor_release(in[1]);
	}
	/* The helper checks its own argument, named as such. */
	int64_t shape[2] = {2, 3};
	sb_tensor *bad = input(SB_F32, 2, shape, 0);
	sb_value args[1] = {sb_value_tensor(bad)}, out;
	assert_int_not_equal(
	    sb_vm_invoke(c.vm, sb_vm_exec_find_func(c.exec, "twice"), args, 1, &out), SB_OK);
	assert_contains(sb_last_error(), "@twice argument 'a' dim 1: expected 4, got 3");
	sb_tensor_release(bad);
	compiled_release(&c);
}

/* ---- FoldConstant with the JIT as its evaluator ---- */

static sb_status jit_eval(void *env, relax_module *m, const tir_func *f, const sb_value *args,
			  int nargs)
{
	int *calls = env;
	sb_llvm_module *lm;
	sb_llvm_jit *j;
	sb_status st = sb_llvm_module_new("fold", NULL, &lm);
	if (st)
		return st;
	if ((st = sb_llvm_module_add(lm, m->tir, f))) {
		sb_llvm_module_free(lm);
		return st;
	}
	if ((st = sb_llvm_jit_new(lm, &j)))
		return st;
	sb_packed_fn fn = sb_llvm_jit_lookup(j, f->name);
	sb_value ret = {SB_VAL_NONE};
	st = fn ? (fn(args, nargs, &ret) ? SB_ERR_INVALID : SB_OK) : SB_ERR_INVALID;
	sb_llvm_jit_free(j);
	(*calls)++;
	return st;
}

/* @main(x: (n, 4)) = add(x, scale(const (1, 4)))... with n == 1 static:
 * y = add(x, scale(k)) where k is constant: scale(k) folds. */
static void build_foldable(relax_module *m)
{
	tir_expr *one = tir_int(m->tir, 1);
	relax_module_add_prim_func(m, lf_ewise(m->tir, "scale", one, true, TIR_ADD));
	relax_module_add_prim_func(m, lf_ewise(m->tir, "add", one, false, TIR_ADD));
	int64_t shape[2] = {1, 4};
	sb_tensor *k = sb_tensor_new(SB_F32, 2, shape);
	for (int i = 0; i < 4; i++)
		sb_tensor_set_f64(k, i, 10 * i);
	relax_expr *kc = relax_constant(m, k);
	relax_expr *x = relax_var(m, "x", lf_tensor(m, one)), *c, *y, *fn;
	relax_builder *b = relax_builder_new(m);
	relax_builder_begin_function(b, 1, &x);
	relax_builder_begin_dataflow(b);
	CHECK(relax_builder_emit(b, lf_call_tir(m, "scale", 1, &kc, lf_tensor(m, one)), "c", &c));
	relax_expr *args[2] = {x, c};
	CHECK(relax_builder_emit_output(b, lf_call_tir(m, "add", 2, args, lf_tensor(m, one)), "y",
					&y));
	relax_builder_end_block(b);
	CHECK(relax_builder_end_function(b, y, NULL, &fn));
	relax_module_set_function(m, "main", fn);
	relax_builder_free(b);
}

static int fold_calls;

static void build_and_fold(relax_module *m)
{
	build_foldable(m);
	relax_fold_constant_opts o = {.eval = jit_eval, .env = &fold_calls};
	CHECK(relax_fold_constant(m, &o));
	CHECK(relax_dead_code_elim(m));
}

static void test_fold_constant_with_jit(void **state)
{
	(void)state;
	compiled c;
	fold_calls = 0;
	compile(&c, build_and_fold, NULL);
	assert_int_equal(fold_calls, 1);
	assert_null(relax_module_lookup(c.m, "scale")); /* folded, then dead */
	int64_t shape[2] = {1, 4};
	sb_tensor *x = input(SB_F32, 2, shape, 0.5);
	sb_value y;
	CHECK(run(&c, 1, &x, &y));
	for (int i = 0; i < 4; i++)
		assert_true(sb_tensor_get_f64(y.u.tensor, i) ==
			    (0.5 + 0.25 * i) + (10.0 * i * 2 + 1));
	sb_value_release(&y);
	sb_tensor_release(x);
	compiled_release(&c);
}

/* ---- What the code generator rejects ---- */

/* @main(x: Tensor(ndim=2), s: int64[1]): d read from s's data
 * (tensor_to_shape, match_cast to Shape((d,))), x matched to (d, 4), y =
 * 2x + 1 allocated as (d, 4). */
static void build_shape_from_data(relax_module *m)
{
	tir_expr *d = tir_shape_var(m->tir, "d");
	relax_module_add_prim_func(m, lf_ewise(m->tir, "scale", d, true, TIR_ADD));
	tir_expr *one = tir_int(m->tir, 1);
	relax_expr *p[2] = {relax_var(m, "x", relax_sinfo_tensor(m, SB_F32, 2, NULL)),
			    relax_var(m, "s", relax_sinfo_tensor(m, SB_I64, 1, &one))};
	relax_builder *b = relax_builder_new(m);
	relax_builder_begin_function(b, 2, p);
	relax_builder_begin_dataflow(b);
	relax_expr *sh, *shd, *xm, *gv, *fn;
	CHECK(relax_builder_emit(b, relax_call_op(m, RELAX_OP_TENSOR_TO_SHAPE, 1, &p[1], NULL),
				 "sh", &sh));
	CHECK(relax_builder_emit_match_cast(b, sh, relax_sinfo_shape(m, 1, &d), "shd", &shd));
	CHECK(relax_builder_emit_match_cast(b, p[0], lf_tensor(m, d), "xm", &xm));
	CHECK(relax_builder_emit_output(b, lf_call_tir(m, "scale", 1, &xm, lf_tensor(m, d)), "y",
					&gv));
	relax_builder_end_block(b);
	CHECK(relax_builder_end_function(b, gv, NULL, &fn));
	relax_module_set_function(m, "main", fn);
	relax_builder_free(b);
	CHECK(relax_wellformed(m));
}

static void test_shape_from_tensor_data(void **state)
{
	(void)state;
	compiled c;
	compile(&c, build_shape_from_data, NULL);
	/* The VM calls the builtin (with the binding's name for messages). */
	sb_strbuf txt = {0};
	sb_vm_exec_print(c.exec, &txt);
	assert_contains(txt.data, SB_BUILTIN_TENSOR_TO_SHAPE);
	sb_strbuf_free(&txt);
	int64_t one = 1;
	for (int64_t d = 3; d <= 6; d += 3) {
		int64_t shape[2] = {d, 4};
		sb_tensor *in[2] = {input(SB_F32, 2, shape, -1.0), sb_tensor_new(SB_I64, 1, &one)};
		sb_tensor_set_i64(in[1], 0, d);
		sb_value y;
		CHECK(run(&c, 2, in, &y));
		assert_int_equal(y.u.tensor->shape[0], d);
		for (int64_t i = 0; i < d * 4; i++)
			assert_true(sb_tensor_get_f64(y.u.tensor, i) == 2 * (-1.0 + 0.25 * (double)i) + 1);
		sb_value_release(&y);
		/* s says one row more than x has: the match_cast of x fails. */
		sb_tensor_set_i64(in[1], 0, d + 1);
		assert_int_equal(run(&c, 2, in, &y), SB_ERR_INVALID);
		assert_contains(sb_last_error(), "'xm'");
		/* A negative value names the tensor_to_shape binding. */
		sb_tensor_set_i64(in[1], 0, -2);
		assert_int_equal(run(&c, 2, in, &y), SB_ERR_INVALID);
		assert_contains(sb_last_error(), "not a dimension");
		sb_tensor_release(in[0]);
		sb_tensor_release(in[1]);
	}
	compiled_release(&c);
}

static void test_rejects_unlowered(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	lf_build_add(m);
	sb_vm_exec *e;
	assert_int_equal(sb_vmgen_build(m, NULL, &e), SB_ERR_INVALID);
	assert_null(e);
	assert_contains(sb_last_error(), "not lowered for the VM");
	CHECK(relax_to_non_dataflow(m));
	CHECK(relax_call_tir_rewrite(m));
	CHECK(relax_lower_shapes(m)); /* without PlanMemory */
	assert_int_equal(sb_vmgen_build(m, NULL, &e), SB_ERR_INVALID);
	assert_contains(sb_last_error(), "PlanMemory did not run");
	sb_vmgen_options o = {.entry = "nope"};
	assert_int_equal(sb_vmgen_build(m, &o, &e), SB_ERR_INVALID);
	assert_contains(sb_last_error(), "no function @nope");
	relax_module_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_at_many_shapes),
	    cmocka_unit_test(test_chain_runs_in_planned_storage),
	    cmocka_unit_test(test_shape_errors),
	    cmocka_unit_test(test_model_so_equals_direct_run),
	    cmocka_unit_test(test_branches_tuples_calls),
	    cmocka_unit_test(test_fold_constant_with_jit),
	    cmocka_unit_test(test_shape_from_tensor_data),
	    cmocka_unit_test(test_rejects_unlowered),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
