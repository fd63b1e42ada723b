/* The hand-assembled executable the VM, executable and module tests share
 * (module_blob_gen.c serializes it into the test model .so):
 *
 *   entry main(x: float32[n, 4]) -> float32[n, 4]:  test.add(x, x)
 *     check_tensor_info, match_shape binding n to heap[0] and checking 4,
 *     a generated-style shape function computing the byte size into
 *     heap[1], alloc_storage / make_shape / alloc_tensor, the kernel call
 *     in destination-passing style, ret.
 *   count_to(limit) -> int:   i = 0; while (test.lt(i, limit)) i = test.inc(i)
 *   count_via(limit) -> int:  a VM-to-VM call of count_to
 *   consts() -> (tensor [1.5, -2], 42, 0.25, shape [2, 3]) */
#ifndef VM_TEST_PROGRAM_H
#define VM_TEST_PROGRAM_H

#include "runtime/runtime.h"

#define CALL(e, f, dst, callee, ...)                                                         \
	sb_vm_emit_call((e), (f), (dst), sb_vm_exec_add_callee((e), (callee)),              \
			(int)(sizeof((sb_vm_arg[]){__VA_ARGS__}) / sizeof(sb_vm_arg)),      \
			(sb_vm_arg[]){__VA_ARGS__})
#define CALL0(e, f, dst, callee) sb_vm_emit_call((e), (f), (dst), sb_vm_exec_add_callee((e), (callee)), 0, NULL)

static inline void vm_test_add_main(sb_vm_exec *e)
{
	const char *params[] = {"x"};
	int f = sb_vm_exec_add_func(e, "main", 1, params, 7, 2);
	int c_ctx = sb_vm_exec_add_const(e, sb_value_string("input 'x'"));
	int c_n = sb_vm_exec_add_const(e, sb_value_string("n"));
	int c_none = sb_vm_exec_add_const(e, sb_value_string(""));
	int c_f32 = sb_vm_exec_add_const(e, sb_value_string("float32"));
	CALL(e, f, 1, SB_BUILTIN_CHECK_TENSOR_INFO, SB_VM_REG(0), SB_VM_IMM(2), SB_VM_IMM(SB_F32),
	     SB_VM_CONST(c_ctx));
	CALL(e, f, 1, SB_BUILTIN_MATCH_SHAPE, SB_VM_REG(0), SB_VM_CONST(c_ctx), SB_VM_IMM(2),
	     SB_VM_IMM(SB_MATCH_STORE), SB_VM_IMM(0), SB_VM_CONST(c_n),
	     SB_VM_IMM(SB_MATCH_CHECK_IMM), SB_VM_IMM(4), SB_VM_CONST(c_none));
	CALL0(e, f, 2, SB_BUILTIN_SHAPE_HEAP);
	CALL(e, f, 1, "test.shape_func", SB_VM_REG(2));
	CALL(e, f, 3, SB_BUILTIN_HEAP_LOAD, SB_VM_IMM(1));
	CALL(e, f, 4, SB_BUILTIN_ALLOC_STORAGE, SB_VM_REG(3));
	CALL(e, f, 5, SB_BUILTIN_MAKE_SHAPE, SB_VM_IMM(2), SB_VM_IMM(SB_MAKE_SHAPE_HEAP), SB_VM_IMM(0),
	     SB_VM_IMM(SB_MAKE_SHAPE_IMM), SB_VM_IMM(4));
	CALL(e, f, 6, SB_BUILTIN_ALLOC_TENSOR, SB_VM_REG(4), SB_VM_IMM(0), SB_VM_REG(5),
	     SB_VM_CONST(c_f32));
	CALL(e, f, 1, "test.add", SB_VM_REG(0), SB_VM_REG(0), SB_VM_REG(6));
	sb_vm_emit_ret(e, f, 6);

	sb_vm_exec_set_entry(e, f);
	sb_dim_info dims[2] = {{-1, "n"}, {4, NULL}};
	sb_vm_exec_add_input(e, &(sb_io_info){"x", SB_F32, 2, dims});
	sb_vm_exec_add_output(e, &(sb_io_info){"y", SB_F32, 2, dims});
}

static inline void vm_test_add_loops(sb_vm_exec *e)
{
	const char *params[] = {"limit"};
	int f = sb_vm_exec_add_func(e, "count_to", 1, params, 4, 0);
	sb_vm_emit_load_imm(e, f, 1, 0);                                /* 0 */
	CALL(e, f, 2, "test.lt", SB_VM_REG(1), SB_VM_REG(0));          /* 1 */
	sb_vm_emit_if(e, f, 2, 3);                                      /* 2: else -> 5 */
	CALL(e, f, 1, "test.inc", SB_VM_REG(1));                        /* 3 */
	sb_vm_emit_goto(e, f, -3);                                      /* 4: -> 1 */
	sb_vm_emit_move(e, f, 3, 1);                                    /* 5 */
	sb_vm_emit_ret(e, f, 3);                                        /* 6 */

	int g = sb_vm_exec_add_func(e, "count_via", 1, params, 2, 0);
	CALL(e, g, 1, "count_to", SB_VM_REG(0));
	sb_vm_emit_ret(e, g, 1);
}

static inline void vm_test_add_consts(sb_vm_exec *e)
{
	int64_t two = 2, dims[2] = {2, 3};
	sb_tensor *t = sb_tensor_new(SB_F32, 1, &two);
	((float *)t->dl.data)[0] = 1.5f;
	((float *)t->dl.data)[1] = -2.0f;
	int ct = sb_vm_exec_add_const(e, sb_value_tensor(t));
	sb_tensor_release(t);
	int ci = sb_vm_exec_add_const(e, sb_value_int(42));
	int cf = sb_vm_exec_add_const(e, sb_value_float(0.25));
	sb_shape *s = sb_shape_new(2, dims);
	int cs = sb_vm_exec_add_const(e, (sb_value){SB_VAL_SHAPE, {.shape = s}});
	sb_object_release(&s->obj);

	int f = sb_vm_exec_add_func(e, "consts", 0, NULL, 2, 0);
	sb_vm_emit_load_const(e, f, 0, ct);
	CALL(e, f, 1, SB_BUILTIN_TUPLE_MAKE, SB_VM_REG(0), SB_VM_CONST(ci), SB_VM_CONST(cf),
	     SB_VM_CONST(cs));
	sb_vm_emit_ret(e, f, 1);
}

static inline sb_vm_exec *vm_test_program(void)
{
	sb_vm_exec *e = sb_vm_exec_new();
	vm_test_add_main(e);
	vm_test_add_loops(e);
	vm_test_add_consts(e);
	return e;
}

#endif
