/* The compiler driver: ONNX model -> model .so, one function per stage and
 * one straight pipeline (driver_run).
 *
 *   import          ONNX -> relay_like, types inferred (import/onnx)
 *   relay-opt       relay_optimize
 *   bridge          relay_like -> relax_like (bridge/), with the inputs
 *                   bound at compile time (--bind, bind_set) checked at
 *                   run time
 *   normalize       Normalize
 *   legalize        LegalizeOps: high-level ops -> call_tir of PrimFuncs
 *   fold            FoldConstant, PrimFuncs evaluated by the LLVM JIT
 *   dce             DeadCodeElim
 *   schedule        the default CPU schedule of every PrimFunc; one that
 *                   fails keeps its unscheduled body (counted, not fatal)
 *   lower           ToNonDataflow, CallTIRRewrite, PlanMemory (--bound),
 *                   LowerShapes
 *   vmgen           VM bytecode (backends/vm)
 *   kernels         every PrimFunc into ONE LLVM module (runtime_table,
 *                   function_table)
 *   emit            the object file and the model .so
 *
 * An error keeps the stage's message and gets the model path and the stage
 * in front: "m.onnx: stage legalize: LegalizeOps: ...".
 *
 * Besides the executable and the kernels, a compile produces the model's
 * "stats" text (driver_state.stats_text): the memory plan of the entry
 * function as byte-count expressions over the shape variables, and the
 * number of kernel calls a run makes.  It travels in the .so as the
 * NUL-terminated string `sb_model_stats` (outside the checksummed
 * executable blob: it is informational, read only by `run --stats`), so a
 * .so can report the plan at the input shapes without the ONNX file. */
#ifndef SB_CLI_DRIVER_H
#define SB_CLI_DRIVER_H

#include <stdio.h>

#include "backends/llvm/llvm_codegen.h"
#include "backends/vm/vm_codegen.h"
#include "relax_like/passes/passes.h"
#include "relay_like/relay.h"
#include "shapebridge/model.h"

typedef enum driver_stage {
	DRIVER_IMPORT,
	DRIVER_RELAY_OPT,
	DRIVER_BRIDGE,
	DRIVER_NORMALIZE,
	DRIVER_LEGALIZE,
	DRIVER_FOLD,
	DRIVER_DCE,
	DRIVER_SCHEDULE,
	DRIVER_LOWER,
	DRIVER_VMGEN,
	DRIVER_KERNELS,
	DRIVER_EMIT,
	DRIVER_STAGE_COUNT
} driver_stage;

/* "import", "relay-opt", ... */
const char *driver_stage_name(driver_stage s);

/* --bind NAME=FILE: input NAME bound at compile time to the tensor in FILE
 * (.npy, else an ONNX TensorProto .pb); bridge.h: bridge_options. */
typedef struct driver_bind {
	const char *name;
	const char *path;
} driver_bind;

typedef struct driver_opts {
	int nbounds;
	const relax_shape_bound *bounds; /* --bound NAME=MAX */
	int threads;			 /* > 0: the runtime pool's size while compiling */
	const char *out_path;		 /* the .so DRIVER_EMIT writes */
	relax_pass_opts pass;		 /* --dump-after for relax passes */
	bool no_schedule;		 /* keep PrimFuncs unscheduled (debugging) */
	int nbinds;
	const driver_bind *binds; /* --bind NAME=FILE */
	/* A test_data_set folder: the inputs the bridge needs values for
	 * (bridge_inputs_needing_values) that --bind does not give are bound
	 * to its input_K.pb (matched by the name the file carries, else by
	 * position) -- `check --engine compiled`. */
	const char *bind_set;
} driver_opts;

/* Everything that flows through the pipeline; driver_state_free releases
 * what is set. */
typedef struct driver_state {
	const char *path; /* the .onnx */
	driver_opts opts;
	relay_module *relay;
	relax_module *relax;
	relax_memory_report report;
	sb_vm_exec *exec;
	sb_llvm_module *kernels;
	char *stats_text;
	/* figures */
	double seconds[DRIVER_STAGE_COUNT];
	double seconds_object, seconds_link; /* of emit: LLVM to an object, the .so link */
	int nprims;	  /* PrimFuncs after DeadCodeElim */
	int nunscheduled; /* of them, left unscheduled because scheduling failed */
	int nfold_evals;  /* PrimFuncs FoldConstant ran at compile time */
	char *first_schedule_error; /* the first scheduling failure's message */
	sb_map kernel_names;	    /* interned names of the model's PrimFuncs */
} driver_state;

void driver_state_init(driver_state *d, const char *path, const driver_opts *opts);
void driver_state_free(driver_state *d);

/* The stages: each takes the state left by the one before. */
sb_status driver_import(driver_state *d);
sb_status driver_relay_opt(driver_state *d);
sb_status driver_bridge(driver_state *d);
sb_status driver_normalize(driver_state *d);
sb_status driver_legalize(driver_state *d);
sb_status driver_fold(driver_state *d);
sb_status driver_dce(driver_state *d);
sb_status driver_schedule(driver_state *d);
sb_status driver_lower(driver_state *d);
sb_status driver_vmgen(driver_state *d);
sb_status driver_kernels(driver_state *d);
sb_status driver_emit(driver_state *d);

/* Is `name` a relay_like or relax_like pass (for --dump-after)?  The
 * names, for a message. */
bool driver_pass_known(const char *name);
void driver_pass_names(sb_strbuf *b);

/* The pipeline, from import through `last` (DRIVER_EMIT: the whole
 * compile; opts.out_path must then be set). */
sb_status driver_run(driver_state *d, driver_stage last);

/* A tensor file: .npy, else an ONNX TensorProto (.pb). */
sb_status driver_read_tensor_file(const char *path, sb_tensor **t);

/* Compiles `onnx` to the .so `out`. */
sb_status driver_compile_file(const char *onnx, const char *out, const driver_opts *opts);

/* Compiles `onnx` into a private temporary folder, loads the .so and
 * removes the folder.  *stats_text (may be NULL) gets the model's stats
 * text (malloc'd).  *model is NULL on error. */
sb_status driver_compile_model(const char *onnx, const driver_opts *opts, sb_model **model,
			       char **stats_text);

/* The stats text a model .so carries (malloc'd into *out; NULL when the
 * .so has none). */
sb_status driver_read_stats(const char *so, char **out);

/* The figures of a stats text at given shape-variable values.  A figure
 * that cannot be evaluated (the text has none, a variable is unbound) is
 * -1. */
typedef struct driver_mem_figures {
	int64_t planned, unplanned, outputs; /* bytes */
	int ntensors, nstorages;
	int64_t kernel_calls; /* per run: the model's kernels */
	int64_t shape_calls;  /* and shape computations LowerShapes generated */
} driver_mem_figures;
sb_status driver_stats_eval(const char *text, int n, const char *const *names,
			    const int64_t *values, driver_mem_figures *out);

#endif
