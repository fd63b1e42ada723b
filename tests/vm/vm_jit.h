/* Tests that run a relax_like module on the VM with JIT-compiled kernels:
 * the module (lowered for the VM) → bytecode, every PrimFunc into one JIT
 * module, a registry of their entries, a VM over both.  Include after
 * cmocka.h; a failing step fails the test with the error slot's message. */
#ifndef SB_TESTS_VM_JIT_H
#define SB_TESTS_VM_JIT_H

#include "backends/llvm/llvm_codegen.h"
#include "backends/vm/vm_codegen.h"
#include "relax_like/relax.h"
#include "runtime/runtime.h"

#define VJ_CHECK(call)                                                                             \
	do {                                                                                       \
		if ((call) != SB_OK)                                                               \
			fail_msg("%s: %s", #call, sb_last_error());                                \
	} while (0)

typedef struct compiled {
	relax_module *m;
	sb_vm_exec *exec;
	sb_llvm_jit *jit;
	sb_func_registry *kernels;
	sb_vm *vm;
} compiled;

/* Every PrimFunc of m in one LLVM module. */
static inline sb_llvm_module *kernels_module(relax_module *m, const sb_llvm_options *o)
{
	sb_llvm_module *lm;
	VJ_CHECK(sb_llvm_module_new("kernels", o, &lm));
	for (size_t i = 0; i < m->globals.len; i++)
		if (m->globals.data[i]->prim)
			VJ_CHECK(sb_llvm_module_add(lm, m->tir, m->globals.data[i]->prim));
	return lm;
}

/* c->m, lowered for the VM: its bytecode, its kernels JIT-compiled, a VM. */
static inline void compiled_finish(compiled *c)
{
	VJ_CHECK(sb_vmgen_build(c->m, NULL, &c->exec));
	VJ_CHECK(sb_llvm_jit_new(kernels_module(c->m, NULL), &c->jit));
	c->kernels = sb_func_registry_new();
	for (size_t i = 0; i < c->m->globals.len; i++) {
		tir_func *f = c->m->globals.data[i]->prim;
		if (!f)
			continue;
		sb_packed_fn fn = sb_llvm_jit_lookup(c->jit, f->name);
		assert_non_null(fn);
		VJ_CHECK(sb_func_registry_add(c->kernels, f->name, fn, false));
	}
	VJ_CHECK(sb_vm_new(c->exec, c->kernels, &c->vm));
}

static inline void compiled_release(compiled *c)
{
	sb_vm_free(c->vm);
	sb_func_registry_free(c->kernels);
	sb_llvm_jit_free(c->jit);
	sb_vm_exec_free(c->exec);
	relax_module_free(c->m);
}

#endif
