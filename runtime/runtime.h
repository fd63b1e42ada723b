/* runtime: tensors, dtypes and file formats that a deployed model needs.
 * The public part is in shapebridge/shapebridge.h; this header adds what the
 * rest of the project shares internally. */
#ifndef SB_RUNTIME_H
#define SB_RUNTIME_H

#include "shapebridge/model.h"
#include "shapebridge/packed.h"
#include "support/support.h"

/* Largest rank any tensor may have (ONNX has no limit; we pick one that no
 * real model reaches and check it at every boundary). */
#define SB_MAX_RANK 16

static inline bool sb_dtype_is_float(sb_dtype dt)
{
	return dt == SB_F32 || dt == SB_F64 || dt == SB_F16 || dt == SB_BF16;
}
static inline bool sb_dtype_is_int(sb_dtype dt) { return dt >= SB_I8 && dt <= SB_U64; }
static inline bool sb_dtype_is_signed_int(sb_dtype dt) { return dt >= SB_I8 && dt <= SB_I64; }
static inline bool sb_dtype_is_unsigned_int(sb_dtype dt) { return dt >= SB_U8 && dt <= SB_U64; }

/* Row-major strides (in elements) of a compact shape. */
void sb_shape_strides(int rank, const int64_t *shape, int64_t *strides);
/* Writes "[1,3,224,224]" (or "[]" for a scalar). */
void sb_shape_format(int rank, const int64_t *shape, char *buf, size_t size);
bool sb_shape_equal(int ra, const int64_t *a, int rb, const int64_t *b);

/* Element conversion between any two dtypes, n elements (Cast semantics:
 * float → int truncates toward zero, anything → bool is != 0). */
void sb_convert(sb_dtype to, void *dst, sb_dtype from, const void *src, int64_t n);

/* Same bytes-for-bytes contents (dtype, shape and data). */
bool sb_tensor_equal(const sb_tensor *a, const sb_tensor *b);
uint64_t sb_tensor_hash(const sb_tensor *t);

/* ---- Packed-function registries (packed.c) ---- */

/* A name -> packed function table.  The process registry (builtins,
 * sb_func_register) is one; each loaded model .so gets its own, so two
 * models may both define "fused_add_0".  Lookups are thread-safe. */
typedef struct sb_func_registry sb_func_registry;
sb_func_registry *sb_func_registry_new(void);
void sb_func_registry_free(sb_func_registry *r);
sb_status sb_func_registry_add(sb_func_registry *r, const char *name, sb_packed_fn fn,
			       bool override);
sb_packed_fn sb_func_registry_lookup(const sb_func_registry *r, const char *name);
size_t sb_func_registry_size(const sb_func_registry *r);
sb_func_registry *sb_func_registry_global(void);

/* ---- Memory pool (pool.c) ---- */

/* Pooled allocator for VM storage: blocks are 64-byte aligned and rounded
 * up to a size class (64-byte steps to 4 KiB, then four classes per power
 * of two, so at most 25% slack); a freed block waits on its class's free
 * list, so repeated runs at the same shapes do no malloc.  Thread-safe.
 * Every live block keeps its pool alive: a tensor the user still holds
 * after the model is freed stays valid. */
typedef struct sb_pool sb_pool;
sb_pool *sb_pool_new(void);
sb_pool *sb_pool_retain(sb_pool *p);
void sb_pool_release(sb_pool *p);
/* NULL with the error slot set when the size is absurd or malloc fails. */
void *sb_pool_alloc(sb_pool *p, size_t size);
/* Returns a block to the pool it came from (found from the block). */
void sb_pool_free(void *ptr);
/* Gives the cached (free) blocks back to malloc. */
void sb_pool_trim(sb_pool *p);
void sb_pool_stats(sb_pool *p, sb_mem_stats *stats);
/* The process-wide pool behind sb_runtime_api.workspace_alloc. */
sb_pool *sb_pool_workspace(void);

/* ---- VM executable (vm_exec.c) ---- */

typedef enum sb_vm_opcode {
#define SB_VM_OP(NAME, text, dst, a, b) SB_VM_##NAME,
#include "vm_ops.def"
#undef SB_VM_OP
	SB_VM_OP_COUNT
} sb_vm_opcode;

typedef enum sb_vm_opnd {
	SB_VM_OPND_NONE,
	SB_VM_OPND_REG,
	SB_VM_OPND_CONST,
	SB_VM_OPND_FUNC,
	SB_VM_OPND_JUMP,
	SB_VM_OPND_IMM,
	SB_VM_OPND_ARGS,
} sb_vm_opnd;

typedef struct sb_vm_op_desc {
	const char *name;
	uint8_t dst, a, b; /* sb_vm_opnd */
} sb_vm_op_desc;
extern const sb_vm_op_desc sb_vm_op_table[SB_VM_OP_COUNT];

/* A CALL argument: a register, an int immediate, or a constant. */
enum { SB_VM_ARG_REG = 0, SB_VM_ARG_IMM = 1, SB_VM_ARG_CONST = 2 };
typedef struct sb_vm_arg {
	int32_t kind;
	int64_t value;
} sb_vm_arg;
#define SB_VM_REG(r) ((sb_vm_arg){SB_VM_ARG_REG, (r)})
#define SB_VM_IMM(v) ((sb_vm_arg){SB_VM_ARG_IMM, (v)})
#define SB_VM_CONST(c) ((sb_vm_arg){SB_VM_ARG_CONST, (c)})

typedef struct sb_vm_instr {
	uint32_t op;  /* sb_vm_opcode */
	int32_t dst;  /* REG or unused */
	int64_t a;    /* REG, CONST, FUNC, JUMP or IMM */
	int32_t b;    /* JUMP, or the ARGS count */
	int32_t args; /* ARGS: index of the first register in call_args */
} sb_vm_instr;

/* Limits the loader enforces (a blob beyond them is rejected). */
#define SB_VM_MAX_REGS (1 << 20)
#define SB_VM_MAX_HEAP (1 << 20)
#define SB_VM_MAX_ARGS 1024
#define SB_VM_MAX_DEPTH 256

typedef struct sb_vm_func {
	const char *name;
	int32_t nparams;
	const char **param_names; /* nparams entries */
	int32_t nregs;            /* registers 0..nparams-1 receive the arguments */
	int32_t heap_size;        /* int64 shape-heap slots of a frame */
	sb_vm_instr *code;
	int32_t ncode, code_cap;
	sb_vm_arg *call_args; /* arguments of every CALL, concatenated */
	int32_t ncall_args, call_args_cap;
	int32_t max_call_args; /* largest CALL argument count (set by validation) */
} sb_vm_func;

/* An executable: functions, the function table (names a CALL refers to:
 * a function of this executable or a packed function), the constant pool,
 * and the entry function's input/output description.  Built by the VM code
 * generator (or a test) with the sb_vm_exec_* calls below, or loaded from
 * a blob; everything it holds is freed with it. */
typedef struct sb_vm_exec {
	sb_arena arena; /* strings and io descriptions */
	sb_vm_func *funcs;
	int32_t nfuncs, funcs_cap;
	const char **callees;
	int32_t ncallees, callees_cap;
	sb_value *consts; /* owned references; strings point into the arena */
	int32_t nconsts, consts_cap;
	int32_t entry; /* -1: none */
	sb_io_info *inputs, *outputs;
	int32_t ninputs, noutputs, inputs_cap, outputs_cap;
} sb_vm_exec;

sb_vm_exec *sb_vm_exec_new(void);
void sb_vm_exec_free(sb_vm_exec *e);
/* Index of `name` in the function table (added if absent). */
int sb_vm_exec_add_callee(sb_vm_exec *e, const char *name);
/* Appends a constant (retained; a string is copied); returns its index. */
int sb_vm_exec_add_const(sb_vm_exec *e, sb_value v);
int sb_vm_exec_add_func(sb_vm_exec *e, const char *name, int nparams,
			const char *const *param_names, int nregs, int heap_size);
int sb_vm_exec_find_func(const sb_vm_exec *e, const char *name); /* -1 if absent */
/* Appends an instruction to function f; returns its index (for patching
 * jumps through e->funcs[f].code[pc]). */
int sb_vm_emit(sb_vm_exec *e, int f, sb_vm_instr in);
int sb_vm_emit_call(sb_vm_exec *e, int f, int dst, int callee, int nargs, const sb_vm_arg *args);
static inline int sb_vm_emit_move(sb_vm_exec *e, int f, int dst, int src)
{
	return sb_vm_emit(e, f, (sb_vm_instr){.op = SB_VM_MOVE, .dst = dst, .a = src});
}
static inline int sb_vm_emit_ret(sb_vm_exec *e, int f, int src)
{
	return sb_vm_emit(e, f, (sb_vm_instr){.op = SB_VM_RET, .a = src});
}
static inline int sb_vm_emit_goto(sb_vm_exec *e, int f, int offset)
{
	return sb_vm_emit(e, f, (sb_vm_instr){.op = SB_VM_GOTO, .a = offset});
}
static inline int sb_vm_emit_if(sb_vm_exec *e, int f, int cond, int else_offset)
{
	return sb_vm_emit(e, f, (sb_vm_instr){.op = SB_VM_IF, .a = cond, .b = else_offset});
}
static inline int sb_vm_emit_load_const(sb_vm_exec *e, int f, int dst, int index)
{
	return sb_vm_emit(e, f, (sb_vm_instr){.op = SB_VM_LOAD_CONST, .dst = dst, .a = index});
}
static inline int sb_vm_emit_load_imm(sb_vm_exec *e, int f, int dst, int64_t value)
{
	return sb_vm_emit(e, f, (sb_vm_instr){.op = SB_VM_LOAD_IMM, .dst = dst, .a = value});
}
/* The entry function and the description of its inputs/outputs (copied). */
void sb_vm_exec_set_entry(sb_vm_exec *e, int f);
void sb_vm_exec_add_input(sb_vm_exec *e, const sb_io_info *info);
void sb_vm_exec_add_output(sb_vm_exec *e, const sb_io_info *info);

/* Checks every index of every instruction, every count and every io
 * description; also computes max_call_args.  SB_ERR_INVALID on the first
 * problem, naming function and pc. */
sb_status sb_vm_exec_validate(sb_vm_exec *e);

/* Blob: "SBVM", u32 version, u64 payload length, u64 FNV-1a of the payload,
 * then the payload (docs/vm.md has the byte layout).  *blob is malloc'd. */
#define SB_VM_FORMAT_VERSION 1
#define SB_VM_HEADER_SIZE 24
sb_status sb_vm_exec_serialize(const sb_vm_exec *e, uint8_t **blob, size_t *size);
/* Never crashes on bad bytes: every read is bounds-checked and the result
 * is validated. */
sb_status sb_vm_exec_deserialize(const void *blob, size_t size, sb_vm_exec **out);
uint64_t sb_vm_checksum(const void *data, size_t size);
/* Human-readable listing, for dumps and failing tests. */
void sb_vm_exec_print(const sb_vm_exec *e, sb_strbuf *out);

/* ---- VM builtins (vm_builtins.c) ---- */

/* Names the code generator emits; argument lists in docs/vm.md. */
#define SB_BUILTIN_ALLOC_STORAGE "vm.builtin.alloc_storage"
#define SB_BUILTIN_ALLOC_TENSOR "vm.builtin.alloc_tensor"
#define SB_BUILTIN_SHAPE_OF "vm.builtin.shape_of"
#define SB_BUILTIN_MATCH_SHAPE "vm.builtin.match_shape"
#define SB_BUILTIN_MAKE_SHAPE "vm.builtin.make_shape"
#define SB_BUILTIN_HEAP_LOAD "vm.builtin.heap_load"
#define SB_BUILTIN_HEAP_STORE "vm.builtin.heap_store"
#define SB_BUILTIN_SHAPE_HEAP "vm.builtin.shape_heap"
#define SB_BUILTIN_TUPLE_MAKE "vm.builtin.tuple_make"
#define SB_BUILTIN_TUPLE_GET "vm.builtin.tuple_get"
#define SB_BUILTIN_CHECK_TENSOR_INFO "vm.builtin.check_tensor_info"
#define SB_BUILTIN_CHECK_TUPLE_INFO "vm.builtin.check_tuple_info"
#define SB_BUILTIN_RESHAPE "vm.builtin.reshape"
#define SB_BUILTIN_READ_IF_COND "vm.builtin.read_if_cond"
#define SB_BUILTIN_TENSOR_TO_SHAPE "vm.builtin.tensor_to_shape"
#define SB_BUILTIN_CHECK_BOUND_INPUT "vm.builtin.check_bound_input"

/* Per-dim codes of match_shape and make_shape (bytecode ABI: never renumber). */
enum {
	SB_MATCH_NOOP = 0,       /* any value */
	SB_MATCH_STORE = 1,      /* heap[v] = dim */
	SB_MATCH_CHECK_IMM = 2,  /* dim == v */
	SB_MATCH_CHECK_HEAP = 3, /* dim == heap[v] */
};
enum {
	SB_MAKE_SHAPE_IMM = 0,  /* dim = v */
	SB_MAKE_SHAPE_HEAP = 1, /* dim = heap[v] */
};

/* A block of VM memory tensors are carved from (vm.builtin.alloc_storage).
 * The header sits in the same pool block as the data. */
typedef struct sb_storage {
	sb_object obj;
	size_t size;
	void *data; /* 64-byte aligned */
} sb_storage;

void sb_vm_builtins_register(sb_func_registry *r);

/* ---- Packed ops with no loop-nest form (ops_packed.c) ---- */

/* "runtime.topk", "runtime.nonzero_count", "runtime.nonzero": the calls
 * LegalizeOps emits for ops whose output order or size depends on the
 * data (argument lists in ops_packed.c).  Registered with the builtins. */
#define SB_PACKED_TOPK "runtime.topk"
#define SB_PACKED_NONZERO_COUNT "runtime.nonzero_count"
#define SB_PACKED_NONZERO "runtime.nonzero"
void sb_packed_ops_register(sb_func_registry *r);

/* ---- VM interpreter (vm.c) ---- */

/* An executable linked against its packed functions, ready to run; one VM
 * may run on several threads at once.  It borrows the executable. */
typedef struct sb_vm sb_vm;

/* Validates `exec` and resolves every function-table name: a function of
 * the executable, else `local` (may be NULL), else the process registry. */
sb_status sb_vm_new(sb_vm_exec *exec, const sb_func_registry *local, sb_vm **out);
void sb_vm_free(sb_vm *vm);
/* Runs function f.  `args` are borrowed; *ret receives an owned value. */
sb_status sb_vm_invoke(sb_vm *vm, int f, const sb_value *args, int nargs, sb_value *ret);
sb_pool *sb_vm_storage_pool(sb_vm *vm);

/* The frame a builtin was called from (NULL outside the VM): builtins reach
 * the shape heap and the storage pool through it. */
typedef struct sb_vm_frame {
	sb_vm *vm;
	const sb_vm_func *func;
	int64_t *heap; /* func->heap_size slots */
	sb_tensor *heap_tensor; /* set once vm.builtin.shape_heap exported it */
	struct sb_vm_frame *caller;
} sb_vm_frame;
sb_vm_frame *sb_vm_frame_current(void);

/* ---- Module loader (module.c) ---- */

/* A dlopened model .so: its packed functions and its executable. */
typedef struct sb_module {
	void *handle;
	sb_func_registry *funcs;
	sb_vm_exec *exec;
} sb_module;
sb_status sb_module_open(const char *path, sb_module **out);
void sb_module_close(sb_module *m);

#endif
