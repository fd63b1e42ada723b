/* relax_like passes and the helper that runs them.
 *
 * Every pass has the same signature: it takes the module and replaces its
 * functions with rewritten ones (functional: unchanged nodes are shared),
 * leaving them in normal form.  Each pass file's opening comment says what
 * it requires, what it guarantees, and shows a before/after sketch.
 * relax_pass_run checks well-formedness after the pass in Debug and
 * Sanitize builds (SB_DEBUG_BUILD) and prints the IR and the broken rule
 * when it fails. */
#ifndef SB_RELAX_PASSES_H
#define SB_RELAX_PASSES_H

#include <stdio.h>

#include "relax_like/relax.h"

typedef sb_status (*relax_pass_fn)(relax_module *m);

/* Normal form for every relax function: struct info on every binding
 * (through the op table's shape inference), nested calls flattened into
 * bindings (A-normal form), undecidable dim equalities as match_casts. */
sb_status relax_normalize(relax_module *m);

/* The pass named `name` ("Normalize", ...), or NULL. */
relax_pass_fn relax_pass_lookup(const char *name);
/* Appends the names relax_pass_lookup knows, comma separated. */
void relax_pass_names(sb_strbuf *b);

typedef struct relax_pass_opts {
	const char *dump_after; /* print the IR after this pass (NULL: none) */
	FILE *dump_file;	/* where dumps go; NULL: stderr */
} relax_pass_opts;

/* Runs one pass: on success, relax_wellformed in Debug builds (the IR and
 * the broken rule go to stderr on failure), and the IR is printed when
 * SB_DEBUG=pass or opts->dump_after names the pass.  opts may be NULL. */
sb_status relax_pass_run(relax_module *m, const char *name, relax_pass_fn fn,
			 const relax_pass_opts *opts);

/* The same for a pass that takes options (env). */
typedef sb_status (*relax_pass_env_fn)(relax_module *m, const void *env);
sb_status relax_pass_run_env(relax_module *m, const char *name, relax_pass_env_fn fn,
			     const void *env, const relax_pass_opts *opts);

/* For passes: rewrites every relax function of the module with
 * relax_function_rewrite and fn. */
sb_status relax_module_rewrite(relax_module *m, relax_binding_rewrite_fn fn, void *env);

/* ---- Legalization ---- */

typedef struct relax_legalize_opts {
	int unused_; /* reserved; opts may be NULL */
} relax_legalize_opts;
/* LegalizeOps (legalize_ops.c): every high-level op call becomes call_tir of a topi PrimFunc. */
sb_status relax_legalize_ops(relax_module *m, const relax_legalize_opts *opts);

/* ---- Cleanup ---- */

/* Runs a PrimFunc on concrete tensors at compile time (args in param
 * order, outputs allocated by the caller and written in place).  The
 * compiler driver passes the LLVM JIT; NULL means tir_eval, the reference
 * interpreter (exact, slow). */
typedef sb_status (*relax_prim_eval_fn)(void *env, relax_module *m, const tir_func *f,
					const sb_value *args, int nargs);
typedef struct relax_fold_constant_opts {
	relax_prim_eval_fn eval;
	void *env;
	/* Outputs larger than this many elements are not folded (0: no limit):
	 * folding trades compile time and artifact size for run time. */
	int64_t max_elements;
} relax_fold_constant_opts;

/* FoldConstant (fold_constant.c): call_tir whose tensor arguments are all
 * constants becomes the constant it computes.  opts may be NULL. */
sb_status relax_fold_constant(relax_module *m, const relax_fold_constant_opts *opts);

/* DeadCodeElim (dead_code_elim.c): removes pure bindings nobody uses and
 * globals that no public function (one with a "global_symbol" attribute,
 * or "main") reaches. */
sb_status relax_dead_code_elim(relax_module *m);

/* ---- Lowering for the VM (in pipeline order) ---- */

/* ToNonDataflow (to_non_dataflow.c): dataflow blocks become binding
 * blocks, DataflowVars become Vars. */
sb_status relax_to_non_dataflow(relax_module *m);

/* CallTIRRewrite (call_tir_rewrite.c): call_tir / call_dps_packed become an
 * explicit relax.builtin.alloc_tensor per output and a call of the kernel
 * with the outputs appended to its arguments. */
sb_status relax_call_tir_rewrite(relax_module *m);

/* PlanMemory (plan_memory.c). */
typedef struct relax_shape_bound {
	const char *name; /* a shape variable's name ("batch") */
	int64_t max;	  /* --bound batch=64 */
} relax_shape_bound;

/* What PlanMemory did to one function.  Byte counts are tir expressions
 * over the function's shape variables (constants when shapes are static). */
typedef struct relax_memory_plan {
	const char *func;
	int ntensors;	     /* intermediate tensors (planned) */
	int nstorages;	     /* storages they share */
	int noutputs;	     /* tensors the function returns: a storage each */
	tir_expr *planned;   /* bytes of the shared storages */
	tir_expr *unplanned; /* bytes of the intermediates, one storage each */
	tir_expr *outputs;   /* bytes of the returned tensors */
} relax_memory_plan;
typedef struct relax_memory_report {
	SB_VEC(relax_memory_plan) funcs;
} relax_memory_report;
void relax_memory_report_free(relax_memory_report *r);
/* The plan's byte counts for concrete values of its shape variables
 * (names[i] = values[i]).  SB_ERR_INVALID naming a variable left unbound. */
sb_status relax_memory_plan_eval(relax_module *m, const relax_memory_plan *p, int n,
				 const char *const *names, const int64_t *values,
				 int64_t *planned, int64_t *unplanned, int64_t *outputs);

typedef struct relax_plan_memory_opts {
	int nbounds;
	const relax_shape_bound *bounds;
	relax_memory_report *report; /* appended to when not NULL */
} relax_plan_memory_opts;

/* Every relax.builtin.alloc_tensor becomes a relax.memory.alloc_tensor at
 * offset 0 of a relax.memory.alloc_storage, intermediates whose lifetimes
 * do not overlap sharing storages.  opts may be NULL. */
sb_status relax_plan_memory(relax_module *m, const relax_plan_memory_opts *opts);

/* LowerShapes (lower_shapes.c): every shape check and computation as VM
 * shape-heap code. */
sb_status relax_lower_shapes(relax_module *m);

/* The four lowering passes above, in order, each through relax_pass_run
 * (well-formedness checked after each in Debug builds).  After it
 * backends/vm can generate bytecode.  opts may be NULL. */
typedef struct relax_vm_lower_opts {
	relax_pass_opts pass;
	relax_plan_memory_opts plan;
} relax_vm_lower_opts;
sb_status relax_lower_for_vm(relax_module *m, const relax_vm_lower_opts *opts);

#endif
