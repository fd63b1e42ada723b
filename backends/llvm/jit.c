/* Running generated code: in-process with ORC LLJIT, or from a shared
 * library made by sb_llvm_emit_shared.
 *
 * The JIT's main JITDylib gets the runtime functions generated code calls
 * by symbol (sb_set_error, sb_parallel_for, the workspace allocator) as
 * absolute symbols -- their addresses in this process, which works whether
 * or not the executable exports them (a static runtime linked without
 * -rdynamic does not) -- and a generator that resolves everything else
 * (libm) from the process's loaded libraries. */
#include <assert.h>
#include <dlfcn.h>
#include <stdlib.h>

#include <llvm-c/LLJIT.h>

#include "llvm_internal.h"

struct sb_llvm_jit {
	LLVMOrcLLJITRef jit;
};

/* What generated code calls for workspace memory (by-symbol mode). */
static void *jit_workspace_alloc(int64_t size)
{
	return sb_runtime_api_get()->workspace_alloc((size_t)size);
}

static void jit_workspace_free(void *p)
{
	sb_runtime_api_get()->workspace_free(p);
}

static sb_status orc_error(const char *what, LLVMErrorRef err)
{
	char *msg = LLVMGetErrorMessage(err);
	sb_status st = sb_set_error(SB_ERR_INTERNAL, "llvm jit: %s: %s", what, msg);
	LLVMDisposeErrorMessage(msg);
	return st;
}

static sb_status define_runtime(LLVMOrcLLJITRef jit)
{
	const struct {
		const char *name;
		void *addr;
	} syms[] = {
	    {"sb_set_error", (void *)(uintptr_t)&sb_set_error},
	    {"sb_parallel_for", (void *)(uintptr_t)&sb_parallel_for},
	    {"sb_llvm_workspace_alloc", (void *)(uintptr_t)&jit_workspace_alloc},
	    {"sb_llvm_workspace_free", (void *)(uintptr_t)&jit_workspace_free},
	};
	static_assert(SB_ARRAY_LEN(syms) == SB_LLVM_RT_COUNT, "one address per runtime function");
	LLVMJITCSymbolMapPair pairs[SB_ARRAY_LEN(syms)];
	for (size_t i = 0; i < SB_ARRAY_LEN(syms); i++) {
		pairs[i].Name = LLVMOrcLLJITMangleAndIntern(jit, syms[i].name);
		pairs[i].Sym.Address = (LLVMOrcExecutorAddress)(uintptr_t)syms[i].addr;
		pairs[i].Sym.Flags.GenericFlags =
		    LLVMJITSymbolGenericFlagsExported | LLVMJITSymbolGenericFlagsCallable;
		pairs[i].Sym.Flags.TargetFlags = 0;
	}
	LLVMOrcMaterializationUnitRef mu = LLVMOrcAbsoluteSymbols(pairs, SB_ARRAY_LEN(syms));
	LLVMOrcJITDylibRef jd = LLVMOrcLLJITGetMainJITDylib(jit);
	LLVMErrorRef err = LLVMOrcJITDylibDefine(jd, mu);
	if (err) {
		LLVMOrcDisposeMaterializationUnit(mu);
		return orc_error("defining the runtime symbols", err);
	}
	LLVMOrcDefinitionGeneratorRef gen;
	err = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
	    &gen, LLVMOrcLLJITGetGlobalPrefix(jit), NULL, NULL);
	if (err)
		return orc_error("searching the process", err);
	LLVMOrcJITDylibAddGenerator(jd, gen);
	return SB_OK;
}

sb_status sb_llvm_jit_new(sb_llvm_module *m, sb_llvm_jit **out)
{
	*out = NULL;
	sb_status st = sb_llvm_module_optimize(m);
	if (st) {
		sb_llvm_module_free(m);
		return st;
	}
	LLVMOrcLLJITBuilderRef builder = LLVMOrcCreateLLJITBuilder();
	/* The same CPU, features and O3 code generation as object files; PIC,
	 * since the code lands anywhere in the address space. */
	LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(
	    builder,
	    LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(sb_llvm_target_machine(true)));
	LLVMOrcLLJITRef jit;
	LLVMErrorRef err = LLVMOrcCreateLLJIT(&jit, builder);
	if (err) {
		sb_llvm_module_free(m);
		return orc_error("creating the JIT", err);
	}
	if ((st = define_runtime(jit))) {
		LLVMOrcDisposeLLJIT(jit);
		sb_llvm_module_free(m);
		return st;
	}
	LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(m->mod, m->tsctx);
	m->mod = NULL; /* the thread-safe module owns it now */
	sb_llvm_module_free(m);
	err = LLVMOrcLLJITAddLLVMIRModule(jit, LLVMOrcLLJITGetMainJITDylib(jit), tsm);
	if (err) {
		LLVMOrcDisposeLLJIT(jit);
		return orc_error("adding the module", err);
	}
	sb_llvm_jit *j = sb_xcalloc(1, sizeof *j);
	j->jit = jit;
	*out = j;
	return SB_OK;
}

sb_packed_fn sb_llvm_jit_lookup(sb_llvm_jit *j, const char *name)
{
	LLVMOrcExecutorAddress addr = 0;
	char *sym = sb_llvm_entry_symbol(name);
	LLVMErrorRef err = LLVMOrcLLJITLookup(j->jit, &addr, sym);
	free(sym);
	if (err) {
		orc_error(name, err);
		return NULL;
	}
	return (sb_packed_fn)(uintptr_t)addr;
}

void sb_llvm_jit_free(sb_llvm_jit *j)
{
	if (!j)
		return;
	LLVMErrorRef err = LLVMOrcDisposeLLJIT(j->jit);
	if (err)
		LLVMConsumeError(err);
	free(j);
}

/* ---- Shared libraries ---- */

struct sb_llvm_library {
	void *handle;
	char *path;
};

sb_status sb_llvm_library_open(const char *path, sb_llvm_library **out)
{
	*out = NULL;
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return sb_set_error(SB_ERR_IO, "cannot load '%s': %s", path, dlerror());
	const sb_runtime_api **slot = dlsym(h, "sb_module_runtime");
	if (slot)
		*slot = sb_runtime_api_get();
	sb_llvm_library *lib = sb_xcalloc(1, sizeof *lib);
	lib->handle = h;
	lib->path = sb_xstrdup(path);
	*out = lib;
	return SB_OK;
}

sb_packed_fn sb_llvm_library_lookup(sb_llvm_library *lib, const char *name)
{
	char *sym = sb_llvm_entry_symbol(name);
	void *p = dlsym(lib->handle, sym);
	free(sym);
	if (!p)
		sb_set_error(SB_ERR_INVALID, "no function '%s' in '%s'", name, lib->path);
	return (sb_packed_fn)(uintptr_t)p;
}

void sb_llvm_library_close(sb_llvm_library *lib)
{
	if (!lib)
		return;
	dlclose(lib->handle);
	free(lib->path);
	free(lib);
}
