/* relay_like: the static-shape graph IR.  ONNX models are imported here,
 * classic graph optimisations run here, and its reference interpreter is
 * the correctness oracle for every later stage.
 *
 * A module owns one arena and one string interner; every node, type and
 * attribute struct lives in the arena and is freed with the module.
 * Constant tensors are reference counted and released with the module. */
#ifndef SB_RELAY_H
#define SB_RELAY_H

#include "runtime/runtime.h"

/* ---- Types ---- */

/* A dimension: a known size, or unknown (value < 0), optionally named after
 * the ONNX dim_param it came from (interned, so names compare by pointer). */
typedef struct relay_dim {
	int64_t value;
	const char *name;
} relay_dim;

#define RELAY_DIM_UNKNOWN ((relay_dim){-1, NULL})
static inline relay_dim relay_dim_known(int64_t v) { return (relay_dim){v, NULL}; }
static inline bool relay_dim_is_known(relay_dim d) { return d.value >= 0; }

typedef enum relay_type_kind { RELAY_TYPE_TENSOR, RELAY_TYPE_TUPLE } relay_type_kind;

typedef struct relay_type relay_type;
struct relay_type {
	relay_type_kind kind;
	/* tensor */
	sb_dtype dtype;
	int rank; /* -1: rank unknown (dims is NULL) */
	relay_dim *dims;
	/* tuple */
	int nfields;
	const relay_type **fields;
};

/* ---- Attributes (generated from attrs.def) ---- */

typedef struct relay_ints {
	int64_t *v;
	int n;
	bool set;
} relay_ints;
typedef struct relay_floats {
	float *v;
	int n;
	bool set;
} relay_floats;

#define ATTR_BEGIN(s) typedef struct relay_attrs_##s {
#define ATTR_INT(s, f, d) int64_t f;
#define ATTR_INTERNAL_INT(s, f, d) int64_t f;
#define ATTR_FLOAT(s, f, d) float f;
#define ATTR_INTS(s, f) relay_ints f;
#define ATTR_FLOATS(s, f) relay_floats f;
#define ATTR_STRING(s, f, d) const char *f;
#define ATTR_TENSOR(s, f) sb_tensor *f;
#define ATTR_END(s) char _end; } relay_attrs_##s;
#include "attrs.def"
#undef ATTR_BEGIN
#undef ATTR_INT
#undef ATTR_INTERNAL_INT
#undef ATTR_FLOAT
#undef ATTR_INTS
#undef ATTR_FLOATS
#undef ATTR_STRING
#undef ATTR_TENSOR
#undef ATTR_END

typedef enum relay_attr_kind {
	RELAY_ATTR_INT,
	RELAY_ATTR_FLOAT,
	RELAY_ATTR_INTS,
	RELAY_ATTR_FLOATS,
	RELAY_ATTR_STRING,
	RELAY_ATTR_TENSOR,
} relay_attr_kind;

typedef struct relay_attr_field {
	const char *name;
	relay_attr_kind kind;
	size_t offset;
	bool internal; /* set by the importer only, never read from a model */
	int64_t def_int;
	float def_float;
	const char *def_string;
} relay_attr_field;

typedef enum relay_attrs_id {
#define ATTR_BEGIN(s) RELAY_ATTRS_##s,
#define ATTR_INT(s, f, d)
#define ATTR_INTERNAL_INT(s, f, d)
#define ATTR_FLOAT(s, f, d)
#define ATTR_INTS(s, f)
#define ATTR_FLOATS(s, f)
#define ATTR_STRING(s, f, d)
#define ATTR_TENSOR(s, f)
#define ATTR_END(s)
#include "attrs.def"
#undef ATTR_BEGIN
#undef ATTR_INT
#undef ATTR_INTERNAL_INT
#undef ATTR_FLOAT
#undef ATTR_INTS
#undef ATTR_FLOATS
#undef ATTR_STRING
#undef ATTR_TENSOR
#undef ATTR_END
	RELAY_ATTRS_COUNT
} relay_attrs_id;

typedef struct relay_attrs_info {
	const char *name;
	size_t size;
	int nfields;
	const relay_attr_field *fields;
} relay_attrs_info;

extern const relay_attrs_info relay_attrs_table[RELAY_ATTRS_COUNT];

/* ---- Operators (generated from ops.def) ---- */

typedef enum relay_op {
#define OP(id, name, mi, ma, mo, mxo, attrs, rel, kernel) RELAY_OP_##id,
#include "ops.def"
#undef OP
	RELAY_OP_COUNT
} relay_op;

typedef struct relay_module relay_module;
typedef struct relay_expr relay_expr;

/* What a type relation sees.  `in[i]` is NULL for an absent optional input;
 * `value[i]` is the input's value when it is known (a constant, or every
 * input at run time in the interpreter), else NULL.  The relation sets
 * out[0..nout-1]; a relation whose output shape depends on values it does
 * not have leaves those dims unknown (or the rank unknown). */
typedef struct relay_op_ctx {
	relay_op op;
	const void *attrs;
	const char *node; /* the call's name (ONNX node name) for messages */
	int nin;
	const relay_type *const *in;
	sb_tensor *const *value;
	int nout;
	const relay_type **out;
	relay_module *mod; /* allocate types in mod->arena */
} relay_op_ctx;

/* What a reference kernel sees: inputs (NULL when absent) and outputs that
 * the interpreter allocated with the shapes the type relation computed. */
typedef struct relay_kernel_ctx {
	relay_op op;
	const void *attrs;
	const char *node;
	int nin;
	sb_tensor *const *in;
	int nout;
	sb_tensor *const *out;
} relay_kernel_ctx;

typedef sb_status (*relay_type_rel_fn)(relay_op_ctx *ctx);
typedef sb_status (*relay_kernel_fn)(relay_kernel_ctx *ctx);

typedef struct relay_op_info {
	relay_op op;
	const char *name;
	int min_in, max_in; /* max_in < 0: variadic */
	int min_out, max_out; /* max_out < 0: variadic */
	relay_attrs_id attrs;
	relay_type_rel_fn type_rel;
	relay_kernel_fn kernel;
} relay_op_info;

extern const relay_op_info relay_op_table[RELAY_OP_COUNT];
/* Looks an op up by ONNX name; returns RELAY_OP_COUNT if there is none. */
relay_op relay_op_lookup(const char *name);
static inline const relay_op_info *relay_op_get(relay_op op) { return &relay_op_table[op]; }

/* ---- Expressions ---- */

typedef enum relay_expr_kind {
	RELAY_VAR,
	RELAY_CONSTANT,
	RELAY_CALL,
	RELAY_TUPLE,
	RELAY_TUPLE_GET,
} relay_expr_kind;

struct relay_expr {
	relay_expr_kind kind;
	uint32_t id;            /* unique in the module: index for side tables */
	const relay_type *type; /* NULL until InferType */
	const char *name;       /* interned; var name, ONNX node name, or NULL */
	union {
		struct {
			const relay_type *annotation; /* declared type of a parameter */
		} var;
		struct {
			sb_tensor *value; /* the module holds one reference */
		} constant;
		struct {
			relay_op op;
			int nargs;
			relay_expr **args; /* NULL entry: absent optional input */
			int nout;          /* > 1 or op->max_out != 1: type is a tuple */
			void *attrs;       /* relay_attrs_<op's attrs> */
		} call;
		struct {
			int nfields;
			relay_expr **fields;
		} tuple;
		struct {
			relay_expr *tuple;
			int index;
		} get;
	} u;
};

typedef struct relay_function {
	const char *name;
	int nparams;
	relay_expr **params; /* RELAY_VAR */
	int nresults;
	relay_expr **results;        /* each a tensor-typed expression */
	const char **result_names;   /* ONNX output names */
} relay_function;

struct relay_module {
	sb_arena arena;
	sb_interner strings;
	uint32_t next_id;
	relay_function *main;
	SB_VEC(sb_tensor *) constants; /* released with the module */
	int64_t opset;                 /* the model's ai.onnx opset, for messages */
};

relay_module *relay_module_new(void);
void relay_module_free(relay_module *m);
const char *relay_intern(relay_module *m, const char *s);

/* Builders.  Every node gets a fresh id; nothing is type-checked here. */
relay_expr *relay_var(relay_module *m, const char *name, const relay_type *annotation);
/* Takes over the caller's reference to `value`. */
relay_expr *relay_constant(relay_module *m, sb_tensor *value);
/* `attrs` must be a relay_attrs_<op's attrs> allocated with
 * relay_attrs_new (or NULL for defaults); `args` is copied. */
relay_expr *relay_call(relay_module *m, relay_op op, int nargs, relay_expr *const *args,
		       void *attrs, int nout, const char *name);
relay_expr *relay_tuple(relay_module *m, int n, relay_expr *const *fields);
relay_expr *relay_tuple_get(relay_module *m, relay_expr *tuple, int index);
relay_function *relay_function_new(relay_module *m, const char *name, int nparams,
				   relay_expr *const *params, int nresults,
				   relay_expr *const *results, const char *const *result_names);

/* Attribute structs: a new one with every field at its default. */
void *relay_attrs_new(relay_module *m, relay_attrs_id id);
void *relay_attrs_copy(relay_module *m, relay_attrs_id id, const void *attrs);
bool relay_attrs_equal(relay_attrs_id id, const void *a, const void *b);
uint64_t relay_attrs_hash(relay_attrs_id id, const void *attrs);
void relay_attrs_print(sb_strbuf *b, relay_attrs_id id, const void *attrs);
const relay_attr_field *relay_attrs_field(relay_attrs_id id, const char *name);
relay_ints relay_ints_make(relay_module *m, int n, const int64_t *v);

/* Types. */
relay_type *relay_type_tensor(relay_module *m, sb_dtype dt, int rank, const relay_dim *dims);
relay_type *relay_type_tuple(relay_module *m, int n, const relay_type *const *fields);
/* A tensor type with every dim known, from a concrete shape. */
relay_type *relay_type_from_shape(relay_module *m, sb_dtype dt, int rank, const int64_t *shape);
bool relay_type_equal(const relay_type *a, const relay_type *b);
/* True if every dim is known (and the rank too). */
bool relay_type_is_static(const relay_type *t);
/* "float32[batch,3,224,224]", "(float32[2], int64[?])". */
void relay_type_print(sb_strbuf *b, const relay_type *t);

/* ---- Helpers for type relations and kernels (relay_like/type_util.c) ---- */

/* Reports an error from a type relation or kernel, prefixed with the op
 * and node: "Conv 'conv1': ...". Returns `code`. */
sb_status relay_op_error(relay_op op, const char *node, sb_status code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
#define RELAY_CTX_ERROR(ctx, code, ...) relay_op_error((ctx)->op, (ctx)->node, (code), __VA_ARGS__)

/* numpy broadcasting of two dims / two tensor types (sets out). */
sb_status relay_broadcast_types(relay_op_ctx *ctx, const relay_type *a, const relay_type *b,
				int *rank, relay_dim **dims);
/* Normalises a possibly negative axis against rank; error if out of range. */
sb_status relay_normalize_axis(relay_op op, const char *node, int64_t axis, int rank, int *out);
/* Reads a 1-D (or scalar) integer tensor as int64 values into an arena
 * array.  Error if the tensor is not an integer tensor. */
sb_status relay_tensor_to_ints(relay_module *m, const sb_tensor *t, int64_t **v, int *n);
/* The dtype of an ONNX TensorProto.DataType code (Cast's `to`); SB_DT_INVALID
 * for codes we have no dtype for (string, complex, unknown). */
sb_dtype relay_onnx_dtype(int64_t code);

/* Broadcast iteration for kernels: for an output shape and up to 4 inputs
 * with their own (broadcastable) shapes, the strides each input advances by
 * along every output axis (0 where the input is broadcast). */
void relay_broadcast_strides(int out_rank, const int64_t *out_shape, int in_rank,
			     const int64_t *in_shape, int64_t *strides);

/* ---- Walking ---- */

/* The nodes reachable from a function's results, each once, operands
 * before users (a topological order).  Parameters that no result uses are
 * included too, first, so every parameter appears.  Caller frees
 * order->data with sb_vec_free. */
typedef SB_VEC(relay_expr *) relay_expr_vec;
void relay_post_order(relay_module *m, const relay_function *f, relay_expr_vec *order);

/* Number of users of every node (indexed by id, length m->next_id), counting
 * each function result as a use.  Caller frees. */
int *relay_use_counts(relay_module *m, const relay_function *f);

/* The rewriter: visits f's nodes in post order and rebuilds a node only
 * when one of its operands changed; `fn` then sees the (possibly rebuilt)
 * node and returns its replacement (or the node itself).  Returns a new
 * function sharing everything that did not change, or NULL on error (the
 * callback's status is returned through *status). */
typedef relay_expr *(*relay_rewrite_fn)(relay_module *m, relay_expr *e, void *env,
					sb_status *status);
relay_function *relay_rewrite(relay_module *m, relay_function *f, relay_rewrite_fn fn, void *env,
			      sb_status *status);

/* ---- Reference interpreter (relay_like/interp/interp.c) ---- */

/* Runs a function on concrete inputs, one per parameter (checked against the
 * parameter types: dtype, rank, known dims, and named dims consistent
 * across inputs).  On success outputs[i] holds a new reference per result. */
sb_status relay_interp_run(relay_module *m, const relay_function *f, sb_tensor *const *inputs,
			   sb_tensor **outputs);
/* Evaluates one call on concrete argument values (NULL for absent inputs):
 * runs the type relation for the concrete shapes, allocates the outputs and
 * runs the kernel.  outs receives call->u.call.nout new references. */
sb_status relay_eval_call(const relay_expr *call, sb_tensor *const *args, sb_tensor **outs);
/* Checks one input tensor against a parameter's declared type. */
sb_status relay_check_input(const relay_expr *param, const sb_tensor *t);

/* ---- Passes and tools ---- */

sb_status relay_infer_types(relay_module *m);
/* Types one node from its operands' types (which must be set): what
 * relay_infer_types does per node, for passes that build nodes mid-rewrite. */
sb_status relay_infer_expr(relay_module *m, relay_expr *e);
/* Verifier, for a typed module: every node reachable from main has a type,
 * ids are in range, calls have their op's arity and output count with every
 * required input present, and the only variables are main's parameters. */
sb_status relay_verify(relay_module *m);
char *relay_print_module(relay_module *m); /* caller frees */

/* Op counts of main, for `dump --stats`. */
void relay_count_ops(relay_module *m, int counts[RELAY_OP_COUNT]);

#endif
