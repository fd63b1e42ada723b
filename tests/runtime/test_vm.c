/* runtime: the VM interpreter and its builtins, on hand-assembled code. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "runtime/runtime.h"

#define KERNEL_SET_ERROR sb_set_error
#define KERNEL_PARALLEL_FOR sb_parallel_for
#include "vm_test_kernels.h"
#include "vm_test_program.h"

static int register_kernels(void **state)
{
#define REGISTER(name, fn) assert_int_equal(sb_func_register(name, fn, 0), SB_OK);
	VM_TEST_KERNELS(REGISTER)
	return 0;
}

typedef struct fixture {
	sb_vm_exec *exec;
	sb_vm *vm;
} fixture;

static fixture setup_program(void)
{
	fixture fx = {vm_test_program(), NULL};
	if (sb_vm_new(fx.exec, NULL, &fx.vm)) {
		sb_strbuf b = {0};
		sb_vm_exec_print(fx.exec, &b);
		fail_msg("link failed: %s\n%s", sb_last_error(), b.data);
	}
	return fx;
}

static void teardown(fixture *fx)
{
	sb_vm_free(fx->vm);
	sb_vm_exec_free(fx->exec);
}

static sb_tensor *ramp(sb_dtype dt, int rank, const int64_t *shape)
{
	sb_tensor *t = sb_tensor_new(dt, rank, shape);
	for (int64_t i = 0; i < sb_tensor_numel(t); i++)
		sb_tensor_set_f64(t, i, (double)i * 0.5 - 3);
	return t;
}

static sb_status run_main(fixture *fx, sb_tensor *x, sb_value *ret)
{
	sb_value arg = sb_value_tensor(x);
	return sb_vm_invoke(fx->vm, sb_vm_exec_find_func(fx->exec, "main"), &arg, 1, ret);
}

static void test_add_any_n(void **state)
{
	fixture fx = setup_program();
	/* One executable, every n. */
	for (int64_t n = 0; n <= 9; n += 3) {
		int64_t shape[2] = {n, 4};
		sb_tensor *x = ramp(SB_F32, 2, shape);
		sb_value ret;
		sb_status st = run_main(&fx, x, &ret);
		assert_int_equal(st, SB_OK);
		assert_int_equal(ret.kind, SB_VAL_TENSOR);
		sb_tensor *y = ret.u.tensor;
		assert_int_equal(y->dtype, SB_F32);
		assert_true(sb_shape_equal(2, shape, y->dl.ndim, y->shape));
		assert_int_equal((uintptr_t)y->dl.data % 64, 0);
		for (int64_t i = 0; i < 4 * n; i++)
			assert_float_equal(((float *)y->dl.data)[i], 2 * ((double)i * 0.5 - 3), 0);
		sb_value_release(&ret);
		sb_tensor_release(x);
	}
	teardown(&fx);
}

static void test_shape_errors_name_input_and_dim(void **state)
{
	fixture fx = setup_program();
	sb_value ret;
	int64_t bad_dim[2] = {3, 5};
	sb_tensor *x = ramp(SB_F32, 2, bad_dim);
	assert_int_equal(run_main(&fx, x, &ret), SB_ERR_INVALID);
	assert_int_equal(ret.kind, SB_VAL_NONE);
	assert_string_equal(sb_last_error(), "input 'x' dim 1: expected 4, got 5");
	sb_tensor_release(x);

	int64_t rank3[3] = {3, 4, 1};
	x = ramp(SB_F32, 3, rank3);
	assert_int_equal(run_main(&fx, x, &ret), SB_ERR_INVALID);
	assert_string_equal(sb_last_error(), "input 'x': expected rank 2, got rank 3");
	sb_tensor_release(x);

	int64_t good[2] = {3, 4};
	x = ramp(SB_I32, 2, good);
	assert_int_equal(run_main(&fx, x, &ret), SB_ERR_INVALID);
	assert_string_equal(sb_last_error(), "input 'x': expected dtype float32, got int32");
	sb_tensor_release(x);

	sb_value not_tensor = sb_value_int(3);
	assert_int_equal(sb_vm_invoke(fx.vm, 0, &not_tensor, 1, &ret), SB_ERR_INVALID);
	assert_string_equal(sb_last_error(), "input 'x': expected a tensor, got int");
	assert_int_equal(sb_vm_invoke(fx.vm, 0, NULL, 0, &ret), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "takes 1 arguments, got 0"));
	teardown(&fx);
}

static void test_symbolic_dim_shared_by_two_inputs(void **state)
{
	/* g(x: [n], y: [n]): the second match checks y's dim against the
	 * heap slot x bound, and the message names the dim. */
	sb_vm_exec *e = sb_vm_exec_new();
	const char *params[] = {"x", "y"};
	int f = sb_vm_exec_add_func(e, "g", 2, params, 3, 1);
	int cx = sb_vm_exec_add_const(e, sb_value_string("input 'x'"));
	int cy = sb_vm_exec_add_const(e, sb_value_string("input 'y'"));
	int cn = sb_vm_exec_add_const(e, sb_value_string("n"));
	CALL(e, f, 2, SB_BUILTIN_MATCH_SHAPE, SB_VM_REG(0), SB_VM_CONST(cx), SB_VM_IMM(1),
	     SB_VM_IMM(SB_MATCH_STORE), SB_VM_IMM(0), SB_VM_CONST(cn));
	CALL(e, f, 2, SB_BUILTIN_MATCH_SHAPE, SB_VM_REG(1), SB_VM_CONST(cy), SB_VM_IMM(1),
	     SB_VM_IMM(SB_MATCH_CHECK_HEAP), SB_VM_IMM(0), SB_VM_CONST(cn));
	CALL(e, f, 2, SB_BUILTIN_HEAP_LOAD, SB_VM_IMM(0));
	sb_vm_emit_ret(e, f, 2);
	sb_vm *vm;
	assert_int_equal(sb_vm_new(e, NULL, &vm), SB_OK);
	int64_t three = 3, two = 2;
	sb_tensor *x = sb_tensor_zeros(SB_F32, 1, &three), *y = sb_tensor_zeros(SB_F32, 1, &two);
	sb_value args[2] = {sb_value_tensor(x), sb_value_tensor(x)}, ret;
	assert_int_equal(sb_vm_invoke(vm, f, args, 2, &ret), SB_OK);
	assert_int_equal(ret.kind, SB_VAL_INT);
	assert_int_equal(ret.u.i, 3); /* n as bound from x */
	args[1] = sb_value_tensor(y);
	assert_int_equal(sb_vm_invoke(vm, f, args, 2, &ret), SB_ERR_INVALID);
	assert_string_equal(sb_last_error(), "input 'y' dim 0 (n): expected 3, got 2");
	sb_tensor_release(x);
	sb_tensor_release(y);
	sb_vm_free(vm);
	sb_vm_exec_free(e);
}

static void test_control_flow_and_vm_calls(void **state)
{
	fixture fx = setup_program();
	for (int64_t limit = -2; limit <= 6; limit += 4) {
		sb_value arg = sb_value_int(limit), ret;
		assert_int_equal(sb_vm_invoke(fx.vm, sb_vm_exec_find_func(fx.exec, "count_to"), &arg, 1, &ret),
				 SB_OK);
		assert_int_equal(ret.kind, SB_VAL_INT);
		assert_int_equal(ret.u.i, limit > 0 ? limit : 0);
		assert_int_equal(sb_vm_invoke(fx.vm, sb_vm_exec_find_func(fx.exec, "count_via"), &arg, 1, &ret),
				 SB_OK);
		assert_int_equal(ret.u.i, limit > 0 ? limit : 0);
	}
	teardown(&fx);
}

static void test_constants_and_tuples(void **state)
{
	fixture fx = setup_program();
	sb_value ret;
	assert_int_equal(sb_vm_invoke(fx.vm, sb_vm_exec_find_func(fx.exec, "consts"), NULL, 0, &ret),
			 SB_OK);
	assert_int_equal(ret.kind, SB_VAL_OBJECT);
	assert_int_equal(ret.u.obj->type, SB_OBJ_TUPLE);
	sb_tuple *t = (sb_tuple *)ret.u.obj;
	assert_int_equal(t->size, 4);
	assert_int_equal(t->fields[0].kind, SB_VAL_TENSOR);
	assert_float_equal(((float *)t->fields[0].u.tensor->dl.data)[1], -2.0, 0);
	assert_int_equal(t->fields[1].u.i, 42);
	assert_float_equal(t->fields[2].u.f, 0.25, 0);
	assert_int_equal(t->fields[3].kind, SB_VAL_SHAPE);
	assert_int_equal(t->fields[3].u.shape->dims[1], 3);

	/* tuple_get through the registry, and its bounds check. */
	sb_packed_fn get = sb_func_lookup(SB_BUILTIN_TUPLE_GET);
	sb_value args[2] = {ret, sb_value_int(1)}, out = {SB_VAL_NONE};
	assert_int_equal(get(args, 2, &out), SB_OK);
	assert_int_equal(out.u.i, 42);
	args[1] = sb_value_int(4);
	assert_int_equal(get(args, 2, &out), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "index 4 of a tuple of 4"));
	sb_value_release(&ret);
	teardown(&fx);
}

static void test_repeat_runs_do_not_malloc(void **state)
{
	fixture fx = setup_program();
	int64_t shape[2] = {5, 4};
	sb_tensor *x = ramp(SB_F32, 2, shape);
	sb_mem_stats first, later;
	for (int run = 0; run < 4; run++) {
		sb_value ret;
		assert_int_equal(run_main(&fx, x, &ret), SB_OK);
		sb_value_release(&ret);
		sb_pool_stats(sb_vm_storage_pool(fx.vm), run == 0 ? &first : &later);
	}
	assert_int_equal(first.mallocs, 1);
	assert_int_equal(later.mallocs, 1);
	assert_int_equal(later.allocs, 4);
	assert_int_equal(later.bytes_live, 0);
	/* The 5x4 float32 tensor plus the 64-byte storage header. */
	assert_int_equal(later.bytes_peak, 5 * 4 * 4 + 64);
	sb_tensor_release(x);
	teardown(&fx);
}

static void test_output_outlives_vm(void **state)
{
	fixture fx = setup_program();
	int64_t shape[2] = {2, 4};
	sb_tensor *x = ramp(SB_F32, 2, shape);
	sb_value ret;
	assert_int_equal(run_main(&fx, x, &ret), SB_OK);
	teardown(&fx); /* pool owner gone; the output's storage keeps it */
	assert_float_equal(((float *)ret.u.tensor->dl.data)[7], 2 * (7 * 0.5 - 3), 0);
	sb_value_release(&ret);
	sb_tensor_release(x);
}

static void test_link_and_depth_errors(void **state)
{
	sb_vm_exec *e = sb_vm_exec_new();
	const char *params[] = {"x"};
	int f = sb_vm_exec_add_func(e, "forever", 1, params, 2, 0);
	CALL(e, f, 1, "forever", SB_VM_REG(0));
	sb_vm_emit_ret(e, f, 1);
	sb_vm *vm;
	assert_int_equal(sb_vm_new(e, NULL, &vm), SB_OK);
	sb_value arg = sb_value_int(0), ret;
	assert_int_equal(sb_vm_invoke(vm, f, &arg, 1, &ret), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "nested deeper than"));
	sb_vm_free(vm);

	int g = sb_vm_exec_add_func(e, "g", 0, NULL, 1, 0);
	CALL0(e, g, 0, "no.such.kernel");
	sb_vm_emit_ret(e, g, 0);
	assert_int_equal(sb_vm_new(e, NULL, &vm), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "'no.such.kernel'"));
	sb_vm_exec_free(e);
}

static int fn_fail(const sb_value *args, int nargs, sb_value *ret)
{
	return sb_set_error(SB_ERR_INVALID, "bad shape in kernel");
}

static void test_kernel_error_is_prefixed(void **state)
{
	/* A generated kernel's message gets its name; an if on a non-int is
	 * an error, not undefined behaviour. */
	sb_func_registry *local = sb_func_registry_new();
	sb_func_registry_add(local, "fused_fail", fn_fail, false);
	sb_vm_exec *e = sb_vm_exec_new();
	int f = sb_vm_exec_add_func(e, "f", 0, NULL, 1, 0);
	CALL0(e, f, 0, "fused_fail");
	sb_vm_emit_ret(e, f, 0);
	int g = sb_vm_exec_add_func(e, "g", 0, NULL, 1, 0);
	sb_vm_emit_load_const(e, g, 0, sb_vm_exec_add_const(e, sb_value_float(1.0)));
	sb_vm_emit_if(e, g, 0, 1);
	sb_vm_emit_ret(e, g, 0);
	sb_vm *vm;
	assert_int_equal(sb_vm_new(e, local, &vm), SB_OK);
	sb_value ret;
	assert_int_equal(sb_vm_invoke(vm, f, NULL, 0, &ret), SB_ERR_INVALID);
	assert_string_equal(sb_last_error(), "fused_fail: bad shape in kernel");
	assert_int_equal(sb_vm_invoke(vm, g, NULL, 0, &ret), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "holds a float, not an int"));
	sb_vm_free(vm);
	sb_vm_exec_free(e);
	sb_func_registry_free(local);
}

static void test_builtins_reject_bad_arguments(void **state)
{
	/* Called directly, outside any frame, with wrong arguments: errors. */
	sb_value ret = {SB_VAL_NONE};
	sb_value a1[1] = {sb_value_int(0)};
	assert_int_equal(sb_func_lookup(SB_BUILTIN_HEAP_LOAD)(a1, 1, &ret), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "outside a VM function"));
	assert_int_equal(sb_func_lookup(SB_BUILTIN_SHAPE_OF)(a1, 1, &ret), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "argument 0 is int, expected a tensor"));
	assert_int_equal(sb_func_lookup(SB_BUILTIN_MAKE_SHAPE)(a1, 0, &ret), SB_ERR_INVALID);
	sb_value neg[3] = {sb_value_int(1), sb_value_int(SB_MAKE_SHAPE_IMM), sb_value_int(-4)};
	assert_int_equal(sb_func_lookup(SB_BUILTIN_MAKE_SHAPE)(neg, 3, &ret), SB_ERR_INVALID);

	/* A storage too small for the tensor asked of it. */
	sb_value sz = sb_value_int(100), storage = {SB_VAL_NONE};
	assert_int_equal(sb_func_lookup(SB_BUILTIN_ALLOC_STORAGE)(&sz, 1, &storage), SB_OK);
	int64_t dims[2] = {5, 6};
	sb_shape *s = sb_shape_new(2, dims);
	sb_value at[4] = {storage, sb_value_int(0), {SB_VAL_SHAPE, {.shape = s}}, sb_value_int(SB_F32)};
	assert_int_equal(sb_func_lookup(SB_BUILTIN_ALLOC_TENSOR)(at, 4, &ret), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "float32[5,6] tensor at offset 0 does not fit in a storage of 100 bytes"));
	at[1] = sb_value_int(32);
	assert_int_equal(sb_func_lookup(SB_BUILTIN_ALLOC_TENSOR)(at, 4, &ret), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "not a multiple of 64"));
	at[1] = sb_value_int(0);
	at[3] = sb_value_int(99);
	assert_int_equal(sb_func_lookup(SB_BUILTIN_ALLOC_TENSOR)(at, 4, &ret), SB_ERR_INVALID);
	/* 5x6 int8 fits in 100 bytes, and keeps the storage alive. */
	at[3] = sb_value_string("int8");
	assert_int_equal(sb_func_lookup(SB_BUILTIN_ALLOC_TENSOR)(at, 4, &ret), SB_OK);
	sb_value_release(&storage);
	memset(ret.u.tensor->dl.data, 7, 30);
	sb_value_release(&ret);
	sb_object_release(&s->obj);

	sb_value cond = sb_value_int(5);
	assert_int_equal(sb_func_lookup(SB_BUILTIN_READ_IF_COND)(&cond, 1, &ret), SB_OK);
	assert_int_equal(ret.u.i, 1);
}

static void test_shape_heap_outlives_frame(void **state)
{
	/* A function that returns its exported shape heap: the tensor owns
	 * the heap memory after the frame is gone. */
	sb_vm_exec *e = sb_vm_exec_new();
	int f = sb_vm_exec_add_func(e, "h", 0, NULL, 2, 3);
	CALL(e, f, 0, SB_BUILTIN_HEAP_STORE, SB_VM_IMM(2), SB_VM_IMM(77));
	CALL0(e, f, 1, SB_BUILTIN_SHAPE_HEAP);
	sb_vm_emit_ret(e, f, 1);
	sb_vm *vm;
	assert_int_equal(sb_vm_new(e, NULL, &vm), SB_OK);
	sb_value ret;
	assert_int_equal(sb_vm_invoke(vm, f, NULL, 0, &ret), SB_OK);
	assert_int_equal(ret.kind, SB_VAL_TENSOR);
	assert_int_equal(sb_tensor_numel(ret.u.tensor), 3);
	assert_int_equal(((int64_t *)ret.u.tensor->dl.data)[2], 77);
	sb_vm_free(vm);
	sb_vm_exec_free(e);
	sb_value_release(&ret);
}

static void test_printer(void **state)
{
	sb_vm_exec *e = vm_test_program();
	sb_strbuf b = {0};
	sb_vm_exec_print(e, &b);
	assert_non_null(strstr(b.data, "entry func main(r0 x) regs=7 heap=2\n"));
	assert_non_null(strstr(b.data, "call r1, @test.add, (r0, r0, r6)\n"));
	assert_non_null(strstr(b.data, "goto -3 (-> 1)\n"));
	assert_non_null(strstr(b.data, "input x: float32[n,4]\n"));
	sb_strbuf_free(&b);
	sb_vm_exec_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_any_n),
		cmocka_unit_test(test_shape_errors_name_input_and_dim),
		cmocka_unit_test(test_symbolic_dim_shared_by_two_inputs),
		cmocka_unit_test(test_control_flow_and_vm_calls),
		cmocka_unit_test(test_constants_and_tuples),
		cmocka_unit_test(test_repeat_runs_do_not_malloc),
		cmocka_unit_test(test_output_outlives_vm),
		cmocka_unit_test(test_link_and_depth_errors),
		cmocka_unit_test(test_kernel_error_is_prefixed),
		cmocka_unit_test(test_builtins_reject_bad_arguments),
		cmocka_unit_test(test_shape_heap_outlives_frame),
		cmocka_unit_test(test_printer),
	};
	return cmocka_run_group_tests(tests, register_kernels, NULL);
}
