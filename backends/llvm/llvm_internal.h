/* What the files of backends/llvm share: the module, the per-function
 * code generation state, and the runtime functions generated code calls.
 * Kept apart from llvm_codegen.h so users of the backend do not see the
 * LLVM C API. */
#ifndef SB_BACKENDS_LLVM_INTERNAL_H
#define SB_BACKENDS_LLVM_INTERNAL_H

#include <llvm-c/Core.h>
#include <llvm-c/Orc.h>
#include <llvm-c/TargetMachine.h>

#include "llvm_codegen.h"

/* The runtime functions generated code calls: ID, the symbol (direct
 * mode; the JIT defines it) and the sb_runtime_api field (table mode). */
#define SB_LLVM_RUNTIME_FNS(X)                                                                     \
	X(SET_ERROR, "sb_set_error", set_error)                                                    \
	X(PARALLEL_FOR, "sb_parallel_for", parallel_for)                                           \
	X(WORKSPACE_ALLOC, "sb_llvm_workspace_alloc", workspace_alloc)                             \
	X(WORKSPACE_FREE, "sb_llvm_workspace_free", workspace_free)

typedef enum sb_llvm_rt {
#define X(id, sym, field) SB_LLVM_RT_##id,
	SB_LLVM_RUNTIME_FNS(X)
#undef X
	    SB_LLVM_RT_COUNT
} sb_llvm_rt;

struct sb_llvm_module {
	LLVMOrcThreadSafeContextRef tsctx; /* owns c (the JIT needs it thread-safe) */
	LLVMContextRef c;
	LLVMModuleRef mod;
	LLVMTargetMachineRef tm;
	sb_llvm_options opts;
	int vector_bits;
	bool optimized;
	LLVMValueRef runtime_slot;		/* @sb_module_runtime (table mode) */
	LLVMValueRef rt_decl[SB_LLVM_RT_COUNT]; /* declarations (direct mode) */
	LLVMValueRef kind_name_fn, dtype_name_fn;
	SB_VEC(LLVMValueRef) entries; /* packed entries, for sb_module_functions */
	SB_VEC(char *) entry_names;
};

/* Code generation state of one LLVM function (a packed entry or a closure). */
typedef struct sb_llvm_cg {
	sb_llvm_module *m;
	LLVMContextRef c;
	LLVMBuilderRef b;
	LLVMValueRef fn;
	LLVMBasicBlockRef alloca_bb; /* the entry block: every alloca goes there */
	const tir_lowered *low;
	const char *fname;	   /* in error messages */
	bool is_closure;	   /* cannot fail: a void function */
	int index_depth;	   /* > 0 while evaluating an index or loop bound */
	sb_map vars;		   /* tir Var -> LLVMValueRef */
	sb_map memo;		   /* tir_expr -> LLVMValueRef, within one statement */
	SB_VEC(LLVMValueRef) heap; /* live workspace blocks, freed on an error exit */
	LLVMValueRef mask;	   /* inside an if on a vector condition: its lanes */
	sb_map stack_elems;	   /* tir_buffer -> elements + 1, for stack buffers */
} sb_llvm_cg;

/* Types. */
LLVMTypeRef sb_llvm_type(sb_llvm_cg *g, tir_type t);	  /* registers */
LLVMTypeRef sb_llvm_mem_type(sb_llvm_cg *g, sb_dtype dt); /* an element in memory */
LLVMTypeRef sb_llvm_i8p(sb_llvm_cg *g);
LLVMValueRef sb_llvm_const_i64(sb_llvm_cg *g, int64_t v);
LLVMValueRef sb_llvm_const_i32(sb_llvm_cg *g, int32_t v);
/* A scalar constant of the element type of ty, splat when ty is a vector. */
LLVMValueRef sb_llvm_const_float(LLVMTypeRef ty, double v);
LLVMValueRef sb_llvm_const_int(LLVMTypeRef ty, int64_t v);
/* A private constant C string; returns an i8*. */
LLVMValueRef sb_llvm_cstring(sb_llvm_cg *g, const char *s);

/* Calls into the runtime (either mode). */
LLVMValueRef sb_llvm_call_rt(sb_llvm_cg *g, sb_llvm_rt fn, LLVMValueRef *args, int nargs);
/* Emits: sb_set_error(code, fmt, args...), free the live workspace
 * blocks, return code.  Terminates the current block. */
void sb_llvm_fail(sb_llvm_cg *g, sb_status code, const char *fmt, LLVMValueRef *args, int nargs);
/* Branches on ok and leaves the builder in the failing side (build the
 * message's arguments there, then sb_llvm_fail); returns the ok block to
 * continue in. */
LLVMBasicBlockRef sb_llvm_fail_unless(sb_llvm_cg *g, LLVMValueRef ok);
/* if (!ok) fail(...); continues in the ok block. */
void sb_llvm_check(sb_llvm_cg *g, LLVMValueRef ok, sb_status code, const char *fmt,
		   LLVMValueRef *args, int nargs);
LLVMBasicBlockRef sb_llvm_block(sb_llvm_cg *g, const char *name);

/* Expressions and statements (codegen.c). */
LLVMValueRef sb_llvm_expr(sb_llvm_cg *g, tir_expr *e);
void sb_llvm_stmt(sb_llvm_cg *g, tir_stmt *s);
void sb_llvm_bind(sb_llvm_cg *g, tir_expr *var, LLVMValueRef v);
/* Converts v of tir type `from` to `to` (Cast semantics). */
LLVMValueRef sb_llvm_cast(sb_llvm_cg *g, LLVMValueRef v, tir_type from, tir_type to);
/* A float register value rounded to bfloat16 (kept in a float). */
LLVMValueRef sb_llvm_round_bf16(sb_llvm_cg *g, LLVMValueRef v);

/* The packed entry of a lowered function (entry.c). */
sb_status sb_llvm_emit_entry(sb_llvm_module *m, const tir_lowered *low);
/* Closures and function attributes (codegen.c). */
void sb_llvm_set_fn_attrs(sb_llvm_module *m, LLVMValueRef fn);
sb_status sb_llvm_emit_closures(sb_llvm_module *m, const tir_lowered *low);
void sb_llvm_cg_init(sb_llvm_cg *g, sb_llvm_module *m, const tir_lowered *low, LLVMValueRef fn);
void sb_llvm_cg_free(sb_llvm_cg *g);

/* Intrinsics (math.c): a Call of a float intrinsic on evaluated args. */
LLVMValueRef sb_llvm_intrinsic(sb_llvm_cg *g, tir_expr *call, LLVMValueRef *args);
/* The inline polynomials, on float or <N x float> values (exposed for
 * tests through the generated code only). */
LLVMValueRef sb_llvm_fast_exp(sb_llvm_cg *g, LLVMValueRef x);
LLVMValueRef sb_llvm_fast_tanh(sb_llvm_cg *g, LLVMValueRef x);
LLVMValueRef sb_llvm_fast_erf(sb_llvm_cg *g, LLVMValueRef x);
LLVMValueRef sb_llvm_fast_sigmoid(sb_llvm_cg *g, LLVMValueRef x);

/* Calls the LLVM intrinsic `name` (overloaded on the type of args[0]). */
LLVMValueRef sb_llvm_call_intrinsic(sb_llvm_cg *g, const char *name, LLVMValueRef *args, int nargs);

/* The LLVM/ELF symbol of the packed entry of `name` (malloc'd): the name
 * itself, or sb_kernel_NAME when the name is one generated code calls
 * (exp, sqrt, memset, sb_set_error, ...) -- an entry of that name would
 * capture those calls.  Lookups by name go through this. */
char *sb_llvm_entry_symbol(const char *name);

/* The machine (module.c). */
LLVMTargetMachineRef sb_llvm_target_machine(bool pic);
void sb_llvm_init(void);

#endif
