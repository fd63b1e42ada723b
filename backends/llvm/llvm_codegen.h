/* backends/llvm: PrimFunc -> machine code.  A PrimFunc is lowered
 * (tir_lower: blocks, flat buffers, vector loops, parallel closures), then
 * translated to LLVM IR with the LLVM C API, optimized with the O3
 * pipeline for the host CPU, and either compiled in-process (ORC LLJIT) or
 * emitted as an object file / shared library.
 *
 * Each PrimFunc becomes one packed function (shapebridge/packed.h) whose
 * symbol is the function's global_symbol:
 *
 *   int f(const sb_value *args, int nargs, sb_value *ret)
 *
 * It checks the call before touching memory -- the argument count, each
 * argument's kind, each tensor's device, rank, dtype and compactness, every
 * static dim; it binds shape variables from the first dim where each
 * occurs, then checks every other occurrence and every computed dim -- and
 * returns non-zero with sb_set_error naming the function, the buffer, the
 * dim, the value given and the value expected ("add: buffer 'B' dim 0 is 5,
 * expected 3 (= n)").  Asserts in the body and failed workspace
 * allocations return the same way.  Integer division or modulo by zero
 * gives 0 (as numpy does) instead of trapping.
 *
 * Generated code reaches the runtime (sb_set_error, sb_parallel_for, the
 * workspace allocator) in one of two ways:
 *   by symbol (default, for the JIT): the JIT defines those symbols to the
 *     runtime's functions linked into this process, and resolves libm and
 *     everything else from the process (a dynamic-library search generator);
 *   through a table (runtime_table, for .so files): the module defines a
 *     weak `const sb_runtime_api *sb_module_runtime` that the loader fills
 *     (runtime/module.c does; sb_llvm_library_open does too), so the .so
 *     links nothing from shapebridge and any process with a runtime -- static
 *     or shared -- can load it.  It links libm only.
 *
 * Vector float32 exp, tanh, erf and sigmoid are polynomials emitted inline
 * (backends/llvm/math.c: relative error below 1e-6 of libm), so vector
 * loops stay vectorized; scalars and other functions call libm. */
#ifndef SB_BACKENDS_LLVM_CODEGEN_H
#define SB_BACKENDS_LLVM_CODEGEN_H

#include "tir/transform/transform.h"

typedef struct sb_llvm_options {
	bool no_opt;	     /* skip the O3 pipeline (IR as generated) */
	int vector_bits;     /* lanes for VectorizeLoops; 0: the host's widest */
	bool runtime_table;  /* call the runtime through sb_module_runtime */
	bool function_table; /* export sb_module_functions: every packed entry */
} sb_llvm_options;

/* The host: LLVM's CPU name and feature string, and the vector register
 * width (512 with AVX-512F, 256 with AVX, else 128). */
typedef struct sb_llvm_host {
	const char *cpu, *features;
	int vector_bits;
} sb_llvm_host;
const sb_llvm_host *sb_llvm_host_get(void);

/* ---- Modules ---- */

/* One LLVM module: any number of PrimFuncs, compiled together. */
typedef struct sb_llvm_module sb_llvm_module;

sb_status sb_llvm_module_new(const char *name, const sb_llvm_options *opts, sb_llvm_module **out);
void sb_llvm_module_free(sb_llvm_module *m);
/* Lowers f and adds its packed entry and closures.  Nothing of ctx is
 * kept.  SB_ERR_UNSUPPORTED for what the backend cannot compile (a shape
 * variable that is not a plain dim of any buffer parameter, a dtype with no
 * mapping), with the function named; SB_ERR_INVALID for ill-formed tir. */
sb_status sb_llvm_module_add(sb_llvm_module *m, tir_ctx *ctx, const tir_func *f);
/* Verifies the module and runs the O3 pipeline (once; the emitters and
 * the JIT call it).  SB_ERR_INTERNAL if LLVM rejects the IR (a bug). */
sb_status sb_llvm_module_optimize(sb_llvm_module *m);
/* The module's LLVM IR as text (malloc'd): as generated, or optimized once
 * sb_llvm_module_optimize ran. */
char *sb_llvm_module_to_string(sb_llvm_module *m);

/* An object file for the host (position-independent). */
sb_status sb_llvm_emit_object(sb_llvm_module *m, const char *path);
/* A shared library: the object linked by the system compiler
 * (`cc -shared obj -lm`).  Use runtime_table for a .so another process
 * loads. */
sb_status sb_llvm_emit_shared(sb_llvm_module *m, const char *path);

/* ---- In-process JIT ---- */

typedef struct sb_llvm_jit sb_llvm_jit;
/* Optimizes and compiles the module; takes it over (m is freed, also on
 * failure). */
sb_status sb_llvm_jit_new(sb_llvm_module *m, sb_llvm_jit **out);
/* The packed entry of that name; NULL with the error slot set if absent. */
sb_packed_fn sb_llvm_jit_lookup(sb_llvm_jit *j, const char *name);
/* Frees the code: function pointers from it die too. */
void sb_llvm_jit_free(sb_llvm_jit *j);

/* ---- Shared libraries made by sb_llvm_emit_shared ---- */

typedef struct sb_llvm_library sb_llvm_library;
/* dlopens the library (RTLD_NOW | RTLD_LOCAL) and, if it has a
 * sb_module_runtime slot, fills it with this process's runtime. */
sb_status sb_llvm_library_open(const char *path, sb_llvm_library **out);
sb_packed_fn sb_llvm_library_lookup(sb_llvm_library *lib, const char *name);
void sb_llvm_library_close(sb_llvm_library *lib);

/* ---- Stages as text (`shapebridge dump --stage tir|llvm`) ---- */

/* f after tir_lower (with its closures).  *out is malloc'd. */
sb_status sb_llvm_dump_tir(tir_ctx *ctx, const tir_func *f, const sb_llvm_options *opts,
			   char **out);
/* The LLVM IR of f alone (optimized unless opts->no_opt).  *out is malloc'd. */
sb_status sb_llvm_dump_llvm(tir_ctx *ctx, const tir_func *f, const sb_llvm_options *opts,
			    char **out);

#endif
