/* backends/vm: relax_like -> the runtime's VM executable, and the model
 * .so that carries it.
 *
 * The code generator takes a module lowered by relax_lower_for_vm
 * (relax_like/passes/passes.h: no dataflow blocks, explicit storage and
 * tensor allocation, shape checks and computations as vm.builtin.* calls
 * over the shape heap) and emits one VM function per relax function:
 *   - a register per var (params first; an alias binding or a MatchCast --
 *     a declaration once LowerShapes ran -- shares its value's register);
 *   - calls: a PrimFunc by its global symbol, an ExternFunc by its name
 *     (vm.builtin.*, dnnl.*, any packed function), a relax function of the
 *     module by its name (a VM-to-VM call); relax.call_packed(extern(f),
 *     args...) calls f; relax.memory.alloc_storage / alloc_tensor call
 *     vm.builtin.alloc_storage / alloc_tensor; relax.tensor_to_shape (a
 *     pure op LegalizeOps keeps) calls vm.builtin.tensor_to_shape with the
 *     binding's name for its messages;
 *   - tuples with vm.builtin.tuple_make / tuple_get; if with the VM's
 *     if/goto (a tensor condition through vm.builtin.read_if_cond);
 *   - constants: tensors, strings, static shapes and floats into the
 *     constant pool (a tensor or string once however often it is used),
 *     ints as immediates.
 * The entry function ("main" unless the options say otherwise) gets the
 * input/output descriptions the model API reports: a param or result's
 * name (outputs: the function's "output_name.<i>" attributes when it has
 * them, else "output" / "output_<i>"), dtype, and dims -- a constant, or a
 * symbolic name: the shape variable's, or the expression's text ("n * 4").
 *
 * What it rejects (SB_ERR_UNSUPPORTED / SB_ERR_INVALID, naming the
 * function and the binding): a function LowerShapes did not process (no
 * shape_heap_size attribute), a high-level op (LegalizeOps had to make it
 * a call_tir), a call_tir left (CallTIRRewrite), a
 * relax.builtin.alloc_tensor left (PlanMemory), a symbolic ShapeExpr or
 * PrimValue in code, closures (a function-valued var, nested functions),
 * an entry parameter that is not a tensor of known dtype.
 *
 * The artifact: sb_vmgen_write_module links the serialized executable and
 * the kernels' object files into ONE shared library in the runtime's module
 * format (runtime/module.c, docs/vm.md "What a model .so exports"):
 * sb_module_blob / sb_module_blob_size come from a small assembly file
 * that .incbin's the blob (so a blob of any size costs no C compile), the
 * kernels' objects bring sb_module_functions and sb_module_runtime
 * (backends/llvm with runtime_table and function_table); everything is
 * linked by the system compiler: `cc -shared -o OUT blob.s OBJ... -lm
 * -Wl,--no-undefined` (the model needs nothing from shapebridge: it calls
 * the runtime through sb_module_runtime).  At most one object may carry a
 * function table (compile every PrimFunc into one LLVM module). */
#ifndef SB_BACKENDS_VM_CODEGEN_H
#define SB_BACKENDS_VM_CODEGEN_H

#include "relax_like/relax.h"

typedef struct sb_vmgen_options {
	const char *entry; /* the entry function; NULL: "main" */
} sb_vmgen_options;

/* Builds the executable of every relax function of m.  opts may be NULL.
 * *out is NULL on error. */
sb_status sb_vmgen_build(relax_module *m, const sb_vmgen_options *opts, sb_vm_exec **out);

/* Writes the model .so at `path`: the serialized executable `blob` and the
 * given object files (none: every packed function the executable calls
 * must be in the loading process's registry).  SB_ERR_IO when a file
 * cannot be written or the link fails. */
sb_status sb_vmgen_write_module(const char *path, const void *blob, size_t size, int nobjects,
				const char *const *objects);

/* Serializes exec and writes the model .so as above. */
sb_status sb_vmgen_write_artifact(const char *path, const sb_vm_exec *exec, int nobjects,
				  const char *const *objects);

#endif
