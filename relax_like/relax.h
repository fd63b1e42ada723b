/* relax_like: the symbolic-shape graph IR.  Programs arrive here from
 * relay_like (through bridge/), are co-optimised with the tir PrimFuncs
 * they call, and are compiled to VM bytecode.
 *
 * Shapes ARE tir expressions: a dimension is a tir_expr over int64 shape
 * variables (tir_shape_var), made in the tir_ctx the module owns, so one
 * simplifier and one prover (tir/arith) serve both IRs.  A module maps
 * global names to relax functions and tir PrimFuncs; both live in the one
 * arena of that tir_ctx and are freed with the module.
 *
 * Normal form (what relax_normalize produces and relax_wellformed checks):
 * a function body is a SeqExpr of binding blocks; every call's arguments
 * are leaves (vars, constants, shape/prim/string literals, global vars,
 * extern funcs, or tuples of leaves); every expression and var has struct
 * info.  A DataflowBlock holds pure bindings only, and its DataflowVars are
 * not visible outside it.
 *
 * Text form and the rules of shape inference: docs/relax_like.md. */
#ifndef SB_RELAX_H
#define SB_RELAX_H

#include "tir/tir.h"

typedef struct relax_module relax_module;
typedef struct relax_expr relax_expr;
typedef struct relax_sinfo relax_sinfo;

/* ---- Struct info ---- */

typedef enum relax_sinfo_kind {
	RELAX_SINFO_OBJECT, /* anything */
	RELAX_SINFO_PRIM,   /* a scalar of a dtype, value optionally known */
	RELAX_SINFO_SHAPE,  /* a shape value */
	RELAX_SINFO_TENSOR,
	RELAX_SINFO_TUPLE,
	RELAX_SINFO_FUNC,
} relax_sinfo_kind;

#define RELAX_NDIM_UNKNOWN (-1)

/* Immutable once built.  Shape values are int64 tir expressions; the
 * tensor's dtype is SB_DT_INVALID when unknown. */
struct relax_sinfo {
	relax_sinfo_kind kind;
	union {
		struct {
			sb_dtype dtype;
			tir_expr *value; /* NULL: unknown */
		} prim;
		struct {
			int ndim;	   /* RELAX_NDIM_UNKNOWN: not even the rank */
			tir_expr **values; /* NULL: only the rank is known */
		} shape;
		struct {
			int ndim;	  /* RELAX_NDIM_UNKNOWN: not even the rank */
			tir_expr **shape; /* NULL: only the rank is known */
			sb_dtype dtype;
		} tensor;
		struct {
			int nfields;
			const relax_sinfo **fields;
		} tuple;
		struct {
			int nparams; /* -1: parameters not described (a PrimFunc, an extern) */
			const relax_sinfo **params;
			const relax_sinfo *ret;
			bool pure;
		} func;
	} u;
};

const relax_sinfo *relax_sinfo_object(relax_module *m);
const relax_sinfo *relax_sinfo_prim(relax_module *m, sb_dtype dt, tir_expr *value);
/* values are copied; NULL values with ndim >= 0: rank only. */
const relax_sinfo *relax_sinfo_shape(relax_module *m, int ndim, tir_expr *const *values);
const relax_sinfo *relax_sinfo_tensor(relax_module *m, sb_dtype dt, int ndim,
				      tir_expr *const *shape);
/* A tensor of a concrete shape (what a Constant has). */
const relax_sinfo *relax_sinfo_tensor_static(relax_module *m, sb_dtype dt, int ndim,
					     const int64_t *shape);
const relax_sinfo *relax_sinfo_tuple(relax_module *m, int n, const relax_sinfo *const *fields);
const relax_sinfo *relax_sinfo_func(relax_module *m, int nparams, const relax_sinfo *const *params,
				    const relax_sinfo *ret, bool pure);

static inline bool relax_sinfo_is_tensor(const relax_sinfo *s)
{
	return s && s->kind == RELAX_SINFO_TENSOR;
}
/* A tensor whose every dim is known (as an expression). */
static inline bool relax_sinfo_has_shape(const relax_sinfo *s)
{
	return s && s->kind == RELAX_SINFO_TENSOR && s->u.tensor.shape;
}

/* Same structure, dtypes and values, with shape values compared by the
 * prover (n*4 equals 4*n). */
bool relax_sinfo_equal(relax_module *m, const relax_sinfo *a, const relax_sinfo *b);
/* Is every value described by `derived` also described by `base`?  (base
 * is the same or less specific: Tensor(ndim=2) is a base of
 * Tensor((n, 4)); Object is a base of everything.) */
bool relax_sinfo_is_base_of(relax_module *m, const relax_sinfo *base, const relax_sinfo *derived);
/* The most specific struct info that is a base of both (for the two
 * branches of an If). */
const relax_sinfo *relax_sinfo_lca(relax_module *m, const relax_sinfo *a, const relax_sinfo *b);
/* `s` with every shape or prim value that uses a variable for which
 * keep(var, env) is false forgotten (a tensor keeps its rank and dtype). */
const relax_sinfo *relax_sinfo_erase(relax_module *m, const relax_sinfo *s,
				     bool (*keep)(const tir_expr *var, void *env), void *env);
/* Calls fn on every tir variable occurring in s (repeats included). */
void relax_sinfo_visit_vars(const relax_sinfo *s, void (*fn)(tir_expr *var, void *env), void *env);
/* Calls fn on every variable in e, each occurrence. */
void relax_tir_visit_vars(tir_expr *e, void (*fn)(tir_expr *var, void *env), void *env);

/* "Tensor((n, 4), float32)", "Tensor(ndim=2, int64)", "Shape((n, s))",
 * "Prim(int64, n)", "Tuple(...)", "Func((...) -> ...)", "Object". */
void relax_sinfo_print(sb_strbuf *b, const relax_sinfo *s);
char *relax_sinfo_to_string(const relax_sinfo *s); /* caller frees */

/* ---- Attributes (generated from attrs.def) ---- */

typedef struct relax_ints {
	int64_t *v;
	int n;
	bool set;
} relax_ints;
typedef struct relax_floats {
	float *v;
	int n;
	bool set;
} relax_floats;

#define ATTR_BEGIN(s) typedef struct relax_attrs_##s {
#define ATTR_INT(s, f, d) int64_t f;
#define ATTR_FLOAT(s, f, d) float f;
#define ATTR_INTS(s, f) relax_ints f;
#define ATTR_FLOATS(s, f) relax_floats f;
#define ATTR_STRING(s, f, d) const char *f;
#define ATTR_DTYPE(s, f, d) sb_dtype f;
#define ATTR_END(s)                                                                                \
	char _end;                                                                                 \
	}                                                                                          \
	relax_attrs_##s;
#include "attrs.def"
#undef ATTR_BEGIN
#undef ATTR_INT
#undef ATTR_FLOAT
#undef ATTR_INTS
#undef ATTR_FLOATS
#undef ATTR_STRING
#undef ATTR_DTYPE
#undef ATTR_END

typedef enum relax_attrs_id {
#define ATTR_BEGIN(s) RELAX_ATTRS_##s,
#define ATTR_INT(s, f, d)
#define ATTR_FLOAT(s, f, d)
#define ATTR_INTS(s, f)
#define ATTR_FLOATS(s, f)
#define ATTR_STRING(s, f, d)
#define ATTR_DTYPE(s, f, d)
#define ATTR_END(s)
#include "attrs.def"
#undef ATTR_BEGIN
#undef ATTR_INT
#undef ATTR_FLOAT
#undef ATTR_INTS
#undef ATTR_FLOATS
#undef ATTR_STRING
#undef ATTR_DTYPE
#undef ATTR_END
	RELAX_ATTRS_COUNT
} relax_attrs_id;

typedef enum relax_attr_kind {
	RELAX_ATTR_INT,
	RELAX_ATTR_FLOAT,
	RELAX_ATTR_INTS,
	RELAX_ATTR_FLOATS,
	RELAX_ATTR_STRING,
	RELAX_ATTR_DTYPE,
} relax_attr_kind;

typedef struct relax_attr_field {
	const char *name;
	relax_attr_kind kind;
	size_t offset;
	int64_t def_int; /* INT and DTYPE */
	float def_float;
	const char *def_string;
} relax_attr_field;

typedef struct relax_attrs_info {
	const char *name;
	size_t size;
	int nfields;
	const relax_attr_field *fields;
} relax_attrs_info;

extern const relax_attrs_info relax_attrs_table[RELAX_ATTRS_COUNT];

/* A new attribute struct with every field at its default. */
void *relax_attrs_new(relax_module *m, relax_attrs_id id);
void *relax_attrs_copy(relax_module *m, relax_attrs_id id, const void *attrs);
bool relax_attrs_equal(relax_attrs_id id, const void *a, const void *b);
uint64_t relax_attrs_hash(relax_attrs_id id, const void *attrs);
/* "axis=1, keepdims=1": the fields that differ from their defaults. */
void relax_attrs_print(sb_strbuf *b, relax_attrs_id id, const void *attrs);
relax_ints relax_ints_make(relax_module *m, int n, const int64_t *v);
relax_floats relax_floats_make(relax_module *m, int n, const float *v);

/* ---- Operators (generated from ops.def) ---- */

typedef enum relax_op {
#define OP(id, name, mi, ma, attrs, infer, flags) RELAX_OP_##id,
#include "ops.def"
#undef OP
	RELAX_OP_COUNT
} relax_op;

enum {
	RELAX_OPF_IMPURE = 1, /* side effects: not allowed in a dataflow block */
};

typedef struct relax_infer_ctx relax_infer_ctx; /* relax_like/op_impl.h */
typedef sb_status (*relax_infer_fn)(relax_infer_ctx *ctx);

typedef struct relax_op_info {
	relax_op op;
	const char *name;	/* "relax.add" */
	int min_args, max_args; /* max_args < 0: variadic */
	relax_attrs_id attrs;
	relax_infer_fn infer;
	unsigned flags;
} relax_op_info;

extern const relax_op_info relax_op_table[RELAX_OP_COUNT];
static inline const relax_op_info *relax_op_get(relax_op op)
{
	return &relax_op_table[op];
}
/* By name ("relax.add"); RELAX_OP_COUNT if there is none. */
relax_op relax_op_lookup(const char *name);

/* ---- Expressions ---- */

typedef enum relax_expr_kind {
	RELAX_VAR,
	RELAX_DATAFLOW_VAR,
	RELAX_GLOBAL_VAR,
	RELAX_EXTERN_FUNC,
	RELAX_CONSTANT,
	RELAX_SHAPE_EXPR,
	RELAX_PRIM_VALUE,
	RELAX_STRING_IMM,
	RELAX_TUPLE,
	RELAX_TUPLE_GET,
	RELAX_CALL,
	RELAX_IF,
	RELAX_SEQ,
	RELAX_FUNCTION,
	RELAX_EXPR_KIND_COUNT
} relax_expr_kind;

const char *relax_expr_kind_name(relax_expr_kind k);

typedef enum relax_binding_kind { RELAX_VAR_BINDING, RELAX_MATCH_CAST } relax_binding_kind;

/* A condition an op's shape inference assumed but could neither prove nor
 * disprove (a * b == c for a reshape, c % 4 == 0 for depth_to_space); the
 * VM checks it before running the op.  Dimension equalities are not
 * recorded here: they become MatchCasts of the arguments (docs). */
typedef struct relax_check {
	tir_expr *cond;
	const char *message;
} relax_check;

/* var = value, or var = match_cast(value, sinfo): the value checked
 * against sinfo at run time, binding the shape variables sinfo uses that
 * are not bound yet.  The var's struct info is sinfo. */
typedef struct relax_binding {
	relax_binding_kind kind;
	relax_expr *var; /* Var or DataflowVar */
	relax_expr *value;
	const relax_sinfo *sinfo; /* MatchCast only */
	int nchecks;
	const relax_check *checks;
} relax_binding;

typedef struct relax_block {
	bool dataflow;
	int nbindings;
	relax_binding *bindings;
} relax_block;

/* A fixed header, then the kind's fields.  Vars are identities (two vars
 * with one name are two vars); other nodes are immutable once built,
 * except that a node's NULL sinfo may be filled in by normalization. */
struct relax_expr {
	relax_expr_kind kind;
	uint32_t id;		  /* unique in the module: index for side tables */
	const relax_sinfo *sinfo; /* NULL until normalized */
	union {
		struct {
			const char *name; /* interned; Var, DataflowVar, GlobalVar, ExternFunc */
		} var;
		struct {
			sb_tensor *value; /* the module holds one reference */
		} constant;
		struct {
			int ndim;
			tir_expr **values;
		} shape;
		struct {
			tir_expr *value;
		} prim;
		struct {
			const char *value; /* interned */
		} str;
		struct {
			int nfields;
			relax_expr **fields;
		} tuple;
		struct {
			relax_expr *tuple;
			int index;
		} get;
		struct {
			relax_op op;	    /* RELAX_OP_COUNT when callee is set */
			relax_expr *callee; /* GlobalVar, ExternFunc or Var; NULL: op */
			int nargs;
			relax_expr **args;
			void *attrs; /* relax_attrs_<op's attrs>; NULL for a callee */
			int nsinfo_args;
			const relax_sinfo **sinfo_args;
		} call;
		struct {
			relax_expr *cond;
			relax_expr *then_branch, *else_branch; /* SeqExprs */
		} if_;
		struct {
			int nblocks;
			relax_block **blocks;
			relax_expr *body;
		} seq;
		struct {
			int nparams;
			relax_expr **params; /* Vars with struct info */
			relax_expr *body;    /* a SeqExpr once normalized */
			const relax_sinfo *ret;
			bool pure;
			int nattrs;
			tir_attr *attrs;
		} func;
	} u;
};

static inline bool relax_expr_is_var(const relax_expr *e)
{
	return e->kind == RELAX_VAR || e->kind == RELAX_DATAFLOW_VAR;
}
/* A leaf may be a call argument in normal form. */
bool relax_expr_is_leaf(const relax_expr *e);

/* ---- Module ---- */

/* One global: a relax function or a tir PrimFunc, and the GlobalVar that
 * calls it. */
typedef struct relax_global {
	const char *name; /* interned */
	relax_expr *gvar;
	relax_expr *func; /* RELAX_FUNCTION, or NULL */
	tir_func *prim;	  /* or a PrimFunc */
} relax_global;

struct relax_module {
	tir_ctx *tir;	  /* owns the arena, the interner, shape vars, PrimFuncs */
	tir_analyzer *an; /* for shape proofs: nothing bound, shape vars >= 0 */
	uint32_t next_id;
	SB_VEC(relax_global *) globals; /* in insertion order (printing order) */
	sb_map global_index;		/* interned name -> relax_global */
	SB_VEC(sb_tensor *) constants;	/* released with the module */
};

relax_module *relax_module_new(void);
void relax_module_free(relax_module *m);
const char *relax_intern(relax_module *m, const char *s);
static inline sb_arena *relax_arena(relax_module *m)
{
	return &m->tir->arena;
}

/* The GlobalVar of a name, made on first use (so a function can be called
 * before it is added). */
relax_expr *relax_module_gvar(relax_module *m, const char *name);
/* Adds or replaces a global; returns its GlobalVar.  fn must be a
 * RELAX_FUNCTION; a PrimFunc is added under its name. */
relax_expr *relax_module_set_function(relax_module *m, const char *name, relax_expr *fn);
relax_expr *relax_module_add_prim_func(relax_module *m, tir_func *f);
/* NULL when the name has no function or PrimFunc. */
relax_global *relax_module_lookup(relax_module *m, const char *name);
void relax_module_remove(relax_module *m, const char *name);

/* ---- Builders ----
 * Leaves get their struct info here (a Constant's from its tensor, a
 * ShapeExpr's from its values); calls, tuples and control flow get it from
 * normalization (the block builder below does it as it emits).  Arrays
 * are copied into the arena. */

relax_expr *relax_var(relax_module *m, const char *name, const relax_sinfo *sinfo);
relax_expr *relax_dataflow_var(relax_module *m, const char *name, const relax_sinfo *sinfo);
relax_expr *relax_extern_func(relax_module *m, const char *name);
/* Takes over the caller's reference to `value`. */
relax_expr *relax_constant(relax_module *m, sb_tensor *value);
relax_expr *relax_shape_expr(relax_module *m, int ndim, tir_expr *const *values);
relax_expr *relax_prim_value(relax_module *m, tir_expr *value);
relax_expr *relax_prim_int(relax_module *m, int64_t v); /* an int64 PrimValue */
relax_expr *relax_string_imm(relax_module *m, const char *s);
relax_expr *relax_tuple(relax_module *m, int n, relax_expr *const *fields);
relax_expr *relax_tuple_get(relax_module *m, relax_expr *tuple, int index);
/* attrs: a relax_attrs_<op's family> (relax_attrs_new) or NULL for the
 * defaults. */
relax_expr *relax_call_op(relax_module *m, relax_op op, int nargs, relax_expr *const *args,
			  void *attrs);
/* An op call with struct info arguments (relax.call_tir's output). */
relax_expr *relax_call_op_sinfo(relax_module *m, relax_op op, int nargs, relax_expr *const *args,
				void *attrs, int nsinfo_args, const relax_sinfo *const *sinfo_args);
/* A call of a GlobalVar, an ExternFunc or a function-valued Var. */
relax_expr *relax_call_func(relax_module *m, relax_expr *callee, int nargs, relax_expr *const *args,
			    int nsinfo_args, const relax_sinfo *const *sinfo_args);
relax_expr *relax_if(relax_module *m, relax_expr *cond, relax_expr *then_branch,
		     relax_expr *else_branch);
relax_block *relax_block_new(relax_module *m, bool dataflow, int n, const relax_binding *bindings);
relax_expr *relax_seq(relax_module *m, int nblocks, relax_block *const *blocks, relax_expr *body);
/* ret NULL: the body's struct info (when it has one). */
relax_expr *relax_function(relax_module *m, int nparams, relax_expr *const *params,
			   relax_expr *body, const relax_sinfo *ret, bool pure);
void relax_function_set_attr_str(relax_module *m, relax_expr *fn, const char *key,
				 const char *value);
void relax_function_set_attr_int(relax_module *m, relax_expr *fn, const char *key, int64_t v);
const tir_attr *relax_function_get_attr(const relax_expr *fn, const char *key);
/* The struct info of a function from its params and ret. */
const relax_sinfo *relax_function_sinfo(relax_module *m, const relax_expr *fn);

/* A fresh int64 shape variable "hint", "hint_1", ... whose name no shape
 * variable of the module's tir_ctx has yet. */
tir_expr *relax_fresh_shape_var(relax_module *m, const char *hint);

/* ---- Shape inference of one call (ops.c) ---- */

/* What inferring a call found.  Arrays live in the module arena. */
typedef struct relax_infer_result {
	const relax_sinfo *out;
	/* refine[i] (when refine and refine[i] are not NULL): argument i must
	 * be match_cast to this struct info before the call -- a dimension
	 * equality the prover could not decide, checked at run time. */
	const relax_sinfo **refine;
	/* Fresh shape variables in `out` (data-dependent sizes): the call is
	 * bound with them erased, then a MatchCast to `out` binds them. */
	int nfresh;
	tir_expr **fresh;
	int nchecks;
	relax_check *checks;
} relax_infer_result;

/* Infers an op call whose arguments have struct info.  `where` (the
 * binding's name, or NULL) goes into error messages:
 * "relax.matmul 'lv3': ...".  Calls of functions take the callee's
 * return struct info (or sinfo_args[0]). */
sb_status relax_infer_call(relax_module *m, const relax_expr *call, const char *where,
			   relax_infer_result *res);

/* ---- Block builder ----
 * Builds functions binding by binding: each emitted value is normalized
 * first (nested calls become bindings of their own, struct info is
 * inferred through the op table, arguments whose dims could not be proven
 * equal are match_cast, data-dependent results are match_cast to fresh
 * shape variables).  The bridge and every pass build through it.
 *
 *   relax_builder *bb = relax_builder_new(m);
 *   relax_builder_begin_function(bb, "main", 1, &x);
 *   relax_builder_begin_dataflow(bb);
 *   relax_builder_emit(bb, relax_call_op(m, RELAX_OP_RELU, 1, &x, NULL), NULL, &lv0);
 *   relax_builder_emit_output(bb, lv0, NULL, &gv);
 *   relax_builder_end_block(bb);
 *   relax_builder_end_function(bb, gv, NULL, &fn);
 *   relax_module_set_function(m, "main", fn);
 *   relax_builder_free(bb);
 *
 * Errors (a shape that does not fit an op) leave the builder usable; the
 * failed binding is not emitted. */
typedef struct relax_builder relax_builder;

relax_builder *relax_builder_new(relax_module *m);
void relax_builder_free(relax_builder *b);
relax_module *relax_builder_module(relax_builder *b);

/* params: Vars with struct info; their shape variables are bound. */
void relax_builder_begin_function(relax_builder *b, int nparams, relax_expr *const *params);
/* Closes any open block; body is normalized (a non-leaf body is bound
 * first); ret NULL: body's struct info with shape variables the params do
 * not bind forgotten. */
sb_status relax_builder_end_function(relax_builder *b, relax_expr *body, const relax_sinfo *ret,
				     relax_expr **fn);
/* A nested scope (an If branch): bindings emitted until end_scope form a
 * SeqExpr.  Shape variables bound inside are not visible after it. */
void relax_builder_begin_scope(relax_builder *b);
sb_status relax_builder_end_scope(relax_builder *b, relax_expr *body, relax_expr **seq);
/* Blocks: bindings emitted outside an explicit block go to an implicit
 * non-dataflow block. */
void relax_builder_begin_dataflow(relax_builder *b);
void relax_builder_begin_block(relax_builder *b);
void relax_builder_end_block(relax_builder *b);
bool relax_builder_in_dataflow(const relax_builder *b);

/* Binds the normalized value to a new var (a DataflowVar inside a dataflow
 * block) named `name` (NULL: lv0, lv1, ...; names are made unique in the
 * function). */
sb_status relax_builder_emit(relax_builder *b, relax_expr *value, const char *name,
			     relax_expr **var);
/* Binds to a non-dataflow Var: an output of the dataflow block (gv0...). */
sb_status relax_builder_emit_output(relax_builder *b, relax_expr *value, const char *name,
				    relax_expr **var);
/* var = match_cast(value, sinfo); binds sinfo's unbound shape variables.
 * An error when value's struct info provably cannot match. */
sb_status relax_builder_emit_match_cast(relax_builder *b, relax_expr *value,
					const relax_sinfo *sinfo, const char *name,
					relax_expr **var);
/* Binds an existing var (its struct info is filled in when NULL), for
 * passes that keep var identities; *var is the var later code must use
 * (another one when the value turned out data-dependent).  When the var's
 * struct info does not describe the value: with `retype` a new var of the
 * same name is bound (a pass changed the value's type), else an error. */
sb_status relax_builder_emit_binding(relax_builder *b, const relax_binding *binding, bool retype,
				     relax_expr **var);
/* Normalizes without binding: returns a leaf (or a tuple of leaves, or a
 * call whose args are leaves) with struct info, emitting the bindings its
 * nested calls need. */
sb_status relax_builder_normalize(relax_builder *b, relax_expr *e, relax_expr **out);
/* Is the shape variable bound at this point (by a param or MatchCast)? */
bool relax_builder_is_bound(const relax_builder *b, const tir_expr *var);

/* ---- Walking and rewriting ---- */

/* Visits e and everything under it in program order: for a SeqExpr each
 * block's bindings (value, then the binding), then the body; for an If the
 * condition, then each branch; for a Function its params and body.
 * Hooks may be NULL.  `expr` sees each expression after its operands. */
typedef struct relax_visitor {
	void (*expr)(relax_expr *e, void *env);
	void (*binding)(relax_binding *bnd, relax_block *blk, void *env);
	void (*block_begin)(relax_block *blk, void *env);
	void (*block_end)(relax_block *blk, void *env);
	void (*scope_begin)(relax_expr *seq_or_fn, void *env); /* SeqExpr, Function */
	void (*scope_end)(relax_expr *seq_or_fn, void *env);
	void *env;
} relax_visitor;
void relax_expr_visit(relax_expr *e, const relax_visitor *v);

/* Rebuilds a function binding by binding through a block builder: each
 * binding's value, with earlier vars replaced by their new versions, goes
 * to fn (NULL: kept), whose replacement (NULL: the value) is emitted in a
 * block of the same kind.  A var keeps its identity when its new value
 * has the same struct info.  Block kinds, names and checks are kept.
 * A callback that returns old->var itself has bound that var on its own
 * (relax_builder_emit_binding, keeping its identity), possibly among
 * other bindings before and after; nothing more is emitted for it.
 * Returns the new function in *out. */
typedef sb_status (*relax_binding_rewrite_fn)(relax_builder *b, const relax_binding *old,
					      relax_expr *value, void *env, relax_expr **out);
sb_status relax_function_rewrite(relax_module *m, relax_expr *fn, relax_binding_rewrite_fn fn_cb,
				 void *env, relax_expr **out);

/* ---- Printer (docs/relax_like.md) ---- */

void relax_expr_print(sb_strbuf *b, const relax_expr *e);
/* One global ("@main(...) -> ... { ... }" or the PrimFunc's tir text). */
void relax_function_print(sb_strbuf *b, relax_module *m, const char *name, const relax_expr *fn);
char *relax_print_module(relax_module *m); /* caller frees */

/* ---- Well-formedness (wellformed.c) ----
 * Every var defined once, before its use, in scope; DataflowVars used only
 * in their block and bound only in dataflow blocks; only pure bindings in
 * dataflow blocks; normal form (leaf call arguments, SeqExpr bodies); struct
 * info on every expression and var; every shape variable used bound by a
 * param's struct info or an earlier MatchCast; op arities; GlobalVars
 * that name a global.  SB_ERR_INTERNAL with "relax wellformed @f: rule:
 * where" (a pass produced bad IR). */
sb_status relax_wellformed(relax_module *m);
sb_status relax_function_wellformed(relax_module *m, const char *name, const relax_expr *fn);

#endif
