/* tir: the loop-level IR.  A PrimFunc is loops, blocks and buffer
 * loads/stores over buffers with symbolic shapes.  Its expressions
 * (tir_expr) are also the symbolic-shape language of relax_like, so the
 * arithmetic analyzer at the end of this header (constant bounds, modular
 * sets, rewrite and canonical simplification, the prover) serves both IRs.
 *
 * Memory: a tir_ctx owns one arena and one string interner; every
 * expression, statement, buffer and function made with it lives there and
 * is freed by tir_ctx_free.  Nothing is freed node by node.
 *
 * Expressions are immutable and hash-consed: building the same expression
 * twice in one context returns the same pointer, so structural equality is
 * a pointer compare (`a == b`).  Variables are the exception that makes
 * this work: a Var is an identity, and two tir_var calls make two distinct
 * variables even when the names match.  Builders never simplify: tir_add
 * of two constants is an Add node; folding is the analyzer's job.
 *
 * Text form and analyzer design: tir/README.md. */
#ifndef SB_TIR_H
#define SB_TIR_H

#include "runtime/runtime.h"

typedef struct tir_ctx tir_ctx;
typedef struct tir_expr tir_expr;
typedef struct tir_stmt tir_stmt;
typedef struct tir_buffer tir_buffer;
typedef struct tir_block tir_block;
typedef struct tir_func tir_func;
typedef struct tir_analyzer tir_analyzer;

/* ---- Types ---- */

/* An element dtype with a lane count.  lanes > 1 is a vector (Ramp,
 * Broadcast and everything computed from them); `handle` marks a pointer to
 * elements of `dtype` (a buffer's data variable). */
typedef struct tir_type {
	sb_dtype dtype;
	uint16_t lanes;
	bool handle;
} tir_type;

static inline tir_type tir_type_scalar(sb_dtype dt)
{
	return (tir_type){dt, 1, false};
}
static inline tir_type tir_type_vector(sb_dtype dt, int lanes)
{
	return (tir_type){dt, (uint16_t)lanes, false};
}
static inline tir_type tir_type_handle(sb_dtype elem)
{
	return (tir_type){elem, 1, true};
}
static inline bool tir_type_equal(tir_type a, tir_type b)
{
	return a.dtype == b.dtype && a.lanes == b.lanes && a.handle == b.handle;
}
/* int64 is the index type: shape variables, loop variables and the
 * constants made by tir_int are int64. */
#define TIR_INDEX_TYPE ((tir_type){SB_I64, 1, false})
#define TIR_BOOL_TYPE ((tir_type){SB_BOOL, 1, false})
static inline bool tir_type_is_int(tir_type t)
{
	return !t.handle && sb_dtype_is_int(t.dtype);
}
static inline bool tir_type_is_float(tir_type t)
{
	return !t.handle && sb_dtype_is_float(t.dtype);
}
static inline bool tir_type_is_bool(tir_type t)
{
	return !t.handle && t.dtype == SB_BOOL;
}
/* "int64", "float32x4", "handle(float32)". */
void tir_type_print(sb_strbuf *b, tir_type t);

/* ---- Expression kinds (exprs.def) ---- */

enum {
	TIR_EF_ARITH = 1,
	TIR_EF_COMPARE = 2,
	TIR_EF_LOGIC = 4,
	TIR_EF_COMMUTATIVE = 8,
};

/* Printer binding strength: a child binding more loosely than its parent
 * gets parentheses. */
typedef enum tir_prec {
	TIR_PREC_OR = 1,
	TIR_PREC_AND,
	TIR_PREC_CMP,
	TIR_PREC_ADD,
	TIR_PREC_MUL,
	TIR_PREC_UNARY,
	TIR_PREC_CALL,
	TIR_PREC_ATOM,
} tir_prec;

typedef enum tir_expr_kind {
#define EXPR(id, name, arity, infix, prec, flags) TIR_##id,
#include "exprs.def"
#undef EXPR
	TIR_EXPR_KIND_COUNT
} tir_expr_kind;

typedef struct tir_expr_info {
	tir_expr_kind kind;
	const char *name;
	int arity;	   /* -1: variadic */
	const char *infix; /* NULL: printed as name(args) or specially */
	tir_prec prec;
	unsigned flags;
} tir_expr_info;

extern const tir_expr_info tir_expr_table[TIR_EXPR_KIND_COUNT];
static inline const tir_expr_info *tir_expr_kind_info(tir_expr_kind k)
{
	return &tir_expr_table[k];
}

/* ---- Intrinsics (intrinsics.def) ---- */

typedef enum tir_intrin_kind {
	TIR_INTRIN_KIND_FLOAT,
	TIR_INTRIN_KIND_NUMERIC,
	TIR_INTRIN_KIND_PRED,
} tir_intrin_kind;

typedef enum tir_intrin {
#define INTRIN(id, name, nargs, kind, libm) TIR_INTRIN_##id,
#include "intrinsics.def"
#undef INTRIN
	TIR_INTRIN_COUNT
} tir_intrin;

typedef struct tir_intrin_info {
	tir_intrin intrin;
	const char *name;
	int nargs;
	tir_intrin_kind kind;
	const char *libm;
} tir_intrin_info;

extern const tir_intrin_info tir_intrin_table[TIR_INTRIN_COUNT];
/* TIR_INTRIN_COUNT if there is no intrinsic of that name. */
tir_intrin tir_intrin_lookup(const char *name);

/* ---- Expressions ---- */

/* A fixed header, the kind's attribute, then the operands (arity of the
 * kind, or nops for Call and BufferLoad).  Immutable once built. */
struct tir_expr {
	tir_expr_kind kind;
	tir_type type;
	uint32_t id; /* creation order in the context: a stable tie-break */
	uint32_t nops;
	uint64_t hash; /* structural; equal expressions are one node anyway */
	union {
		int64_t int_value;  /* IntImm (bool: 0 or 1) */
		double float_value; /* FloatImm */
		struct {
			const char *name; /* interned */
			bool is_shape;	  /* a shape variable: a non-negative integer */
		} var;
		tir_intrin intrin;  /* Call */
		tir_buffer *buffer; /* BufferLoad */
	} u;
	tir_expr *ops[];
};

static inline bool tir_expr_is_int_imm(const tir_expr *e, int64_t *v)
{
	if (e->kind != TIR_INT_IMM)
		return false;
	if (v)
		*v = e->u.int_value;
	return true;
}
static inline bool tir_expr_is_const(const tir_expr *e, int64_t v)
{
	return e->kind == TIR_INT_IMM && e->u.int_value == v;
}

/* Owner of all tir IR.  Callers may allocate their own data from `arena`
 * (it lives as long as the IR); the other fields belong to tir/expr.c. */
struct tir_ctx {
	sb_arena arena;
	sb_interner strings;
	tir_expr **exprs; /* hash-cons table (open addressing) */
	size_t exprs_cap, exprs_len;
	uint32_t next_id, next_buffer_id;
	sb_map shape_vars; /* interned name -> Var */
};

tir_ctx *tir_ctx_new(void);
void tir_ctx_free(tir_ctx *ctx);
const char *tir_intern(tir_ctx *ctx, const char *s);

/* Constants.  tir_int is an int64 constant (the index type). */
tir_expr *tir_imm_int(tir_ctx *ctx, tir_type t, int64_t v);
tir_expr *tir_imm_float(tir_ctx *ctx, tir_type t, double v);
tir_expr *tir_int(tir_ctx *ctx, int64_t v);
tir_expr *tir_f32(tir_ctx *ctx, double v);
tir_expr *tir_bool(tir_ctx *ctx, bool v);

/* A fresh variable: distinct from every other, whatever its name. */
tir_expr *tir_var(tir_ctx *ctx, const char *name, tir_type t);
/* The context's int64 shape variable of this name (made on first use): one
 * name, one variable, so "n" in two buffer shapes is the same n.  Shape
 * variables are non-negative; the analyzer assumes n >= 0 unless told
 * more (tir_analyzer_bind). */
tir_expr *tir_shape_var(tir_ctx *ctx, const char *name);

/* Unary / binary / ternary nodes, by kind.  The result type follows the
 * kind's flags (ARITH: a's type; COMPARE/LOGIC: bool with a's lanes).
 * Operand types are not checked here; tir_expr_check_types and the
 * verifier report mismatches. */
tir_expr *tir_binary(tir_ctx *ctx, tir_expr_kind kind, tir_expr *a, tir_expr *b);
tir_expr *tir_add(tir_ctx *ctx, tir_expr *a, tir_expr *b);
tir_expr *tir_sub(tir_ctx *ctx, tir_expr *a, tir_expr *b);
tir_expr *tir_mul(tir_ctx *ctx, tir_expr *a, tir_expr *b);
tir_expr *tir_div(tir_ctx *ctx, tir_expr *a, tir_expr *b); /* truncdiv */
tir_expr *tir_mod(tir_ctx *ctx, tir_expr *a, tir_expr *b); /* truncmod */
tir_expr *tir_floordiv(tir_ctx *ctx, tir_expr *a, tir_expr *b);
tir_expr *tir_floormod(tir_ctx *ctx, tir_expr *a, tir_expr *b);
tir_expr *tir_min(tir_ctx *ctx, tir_expr *a, tir_expr *b);
tir_expr *tir_max(tir_ctx *ctx, tir_expr *a, tir_expr *b);
tir_expr *tir_eq(tir_ctx *ctx, tir_expr *a, tir_expr *b);
tir_expr *tir_ne(tir_ctx *ctx, tir_expr *a, tir_expr *b);
tir_expr *tir_lt(tir_ctx *ctx, tir_expr *a, tir_expr *b);
tir_expr *tir_le(tir_ctx *ctx, tir_expr *a, tir_expr *b);
tir_expr *tir_gt(tir_ctx *ctx, tir_expr *a, tir_expr *b);
tir_expr *tir_ge(tir_ctx *ctx, tir_expr *a, tir_expr *b);
tir_expr *tir_and(tir_ctx *ctx, tir_expr *a, tir_expr *b);
tir_expr *tir_or(tir_ctx *ctx, tir_expr *a, tir_expr *b);
tir_expr *tir_not(tir_ctx *ctx, tir_expr *a);
tir_expr *tir_select(tir_ctx *ctx, tir_expr *cond, tir_expr *t, tir_expr *f);
tir_expr *tir_cast(tir_ctx *ctx, tir_type t, tir_expr *a);
/* Result type: the first argument's (bool with its lanes for PRED). */
tir_expr *tir_call(tir_ctx *ctx, tir_intrin intrin, int nargs, tir_expr *const *args);
tir_expr *tir_load(tir_ctx *ctx, tir_buffer *buf, int nindices, tir_expr *const *indices);
/* base + k*stride for k in [0, lanes). */
tir_expr *tir_ramp(tir_ctx *ctx, tir_expr *base, tir_expr *stride, int lanes);
tir_expr *tir_broadcast(tir_ctx *ctx, tir_expr *value, int lanes);

/* Same kind and attribute as e, new operands (nops must match).  Returns e
 * itself when every operand is unchanged. */
tir_expr *tir_expr_rebuild(tir_ctx *ctx, tir_expr *e, tir_expr *const *ops);
/* A total order on expressions that does not depend on addresses: kind,
 * attribute, then operands; variables by creation order.  0 iff a == b. */
int tir_expr_compare(const tir_expr *a, const tir_expr *b);
/* Does v occur in e? */
bool tir_expr_uses_var(const tir_expr *e, const tir_expr *v);

/* The one expression rewriter: post-order, children first, each node
 * rebuilt only if a child changed; then fn sees the (possibly rebuilt)
 * node and returns its replacement, or NULL to keep it.  Shared subtrees
 * are visited once. */
typedef tir_expr *(*tir_expr_rewrite_fn)(tir_ctx *ctx, tir_expr *e, void *env);
tir_expr *tir_expr_rewrite(tir_ctx *ctx, tir_expr *e, tir_expr_rewrite_fn fn, void *env);
/* Replaces the variables vars[i] by values[i]. */
tir_expr *tir_substitute(tir_ctx *ctx, tir_expr *e, int n, tir_expr *const *vars,
			 tir_expr *const *values);

/* Checks operand dtypes of every node in e (see tir_func_verify). */
sb_status tir_expr_check_types(const tir_expr *e);

/* ---- Buffers ---- */

/* A multi-dimensional view of memory.  Element (i0, .., ik) is at
 * data[elem_offset + sum(i_j * stride_j)], with row-major strides of shape
 * when `strides` is NULL. */
struct tir_buffer {
	const char *name; /* interned */
	uint32_t id;	  /* creation order: a stable tie-break */
	tir_expr *data;	  /* Var of type handle(dtype) */
	sb_dtype dtype;
	int ndim;
	tir_expr **shape;   /* ndim int expressions */
	tir_expr **strides; /* NULL: compact row-major */
	tir_expr *elem_offset;
	const char *scope; /* "global" (default), "local", ... */
};

/* Shape and strides are copied; the data var is made here (named `name`). */
tir_buffer *tir_buffer_new(tir_ctx *ctx, const char *name, sb_dtype dt, int ndim,
			   tir_expr *const *shape);
void tir_buffer_set_strides(tir_ctx *ctx, tir_buffer *b, tir_expr *const *strides);

/* ---- Statements ---- */

typedef enum tir_for_kind {
	TIR_FOR_SERIAL,
	TIR_FOR_PARALLEL,
	TIR_FOR_VECTORIZED,
	TIR_FOR_UNROLLED,
} tir_for_kind;
const char *tir_for_kind_name(tir_for_kind k);

typedef enum tir_stmt_kind {
	TIR_STMT_FOR,
	TIR_STMT_BLOCK_REALIZE,
	TIR_STMT_BUFFER_STORE,
	TIR_STMT_ALLOCATE,
	TIR_STMT_IF,
	TIR_STMT_LET,
	TIR_STMT_ASSERT,
	TIR_STMT_SEQ,
	TIR_STMT_EVALUATE,
} tir_stmt_kind;

typedef struct tir_range {
	tir_expr *min, *extent;
} tir_range;

typedef enum tir_iter_kind { TIR_ITER_SPATIAL, TIR_ITER_REDUCE } tir_iter_kind;

/* A block's iteration variable: var ranges over [dom.min, dom.min+extent). */
typedef struct tir_iter_var {
	tir_expr *var;
	tir_range dom;
	tir_iter_kind kind;
} tir_iter_var;

/* The part of a buffer a block touches: one range per dimension. */
typedef struct tir_region {
	tir_buffer *buffer;
	tir_range *ranges; /* buffer->ndim of them */
} tir_region;

/* A block: the unit a schedule works on.  Its iteration variables are bound
 * by the enclosing BlockRealize; body computes the written regions from the
 * read ones; init (or NULL) runs before the first reduction step, i.e.
 * when every reduce iter var is at its domain's min. */
struct tir_block {
	const char *name;
	int niters;
	tir_iter_var *iters;
	int nreads, nwrites, nallocs;
	tir_region *reads, *writes;
	tir_buffer **allocs; /* buffers local to the block */
	tir_stmt *init;
	tir_stmt *body;
};

struct tir_stmt {
	tir_stmt_kind kind;
	union {
		struct {
			tir_expr *var;
			tir_expr *min, *extent;
			tir_for_kind kind;
			tir_stmt *body;
		} loop;
		struct {
			tir_expr **values;   /* one per block iter var */
			tir_expr *predicate; /* bool; true: always run */
			tir_block *block;
		} realize;
		struct {
			tir_buffer *buffer;
			tir_expr *value;
			int nindices; /* buffer->ndim in a well-formed store */
			tir_expr **indices;
		} store;
		struct {
			tir_buffer *buffer; /* storage for buffer->data */
			tir_stmt *body;
		} alloc;
		struct {
			tir_expr *cond;
			tir_stmt *then_case, *else_case; /* else may be NULL */
		} if_;
		struct {
			tir_expr *var, *value;
			tir_stmt *body;
		} let;
		struct {
			tir_expr *cond;
			const char *message; /* the error raised when cond is false */
		} assert_;
		struct {
			int n;
			tir_stmt **stmts;
		} seq;
		struct {
			tir_expr *value;
		} eval;
	} u;
};

tir_stmt *tir_for(tir_ctx *ctx, tir_expr *var, tir_expr *min, tir_expr *extent, tir_for_kind kind,
		  tir_stmt *body);
tir_stmt *tir_store(tir_ctx *ctx, tir_buffer *buf, tir_expr *value, int nindices,
		    tir_expr *const *indices);
tir_stmt *tir_allocate(tir_ctx *ctx, tir_buffer *buf, tir_stmt *body);
tir_stmt *tir_if(tir_ctx *ctx, tir_expr *cond, tir_stmt *then_case, tir_stmt *else_case);
tir_stmt *tir_let(tir_ctx *ctx, tir_expr *var, tir_expr *value, tir_stmt *body);
tir_stmt *tir_assert(tir_ctx *ctx, tir_expr *cond, const char *message);
/* Nested sequences are flattened and NULL entries dropped. */
tir_stmt *tir_seq(tir_ctx *ctx, int n, tir_stmt *const *stmts);
tir_stmt *tir_evaluate(tir_ctx *ctx, tir_expr *value);

/* A block with its iter vars (copied) and body; reads, writes, allocs and
 * init are added afterwards. */
tir_block *tir_block_new(tir_ctx *ctx, const char *name, int niters, const tir_iter_var *iters,
			 tir_stmt *body);
void tir_block_add_read(tir_ctx *ctx, tir_block *b, tir_buffer *buf, const tir_range *ranges);
void tir_block_add_write(tir_ctx *ctx, tir_block *b, tir_buffer *buf, const tir_range *ranges);
void tir_block_add_alloc(tir_ctx *ctx, tir_block *b, tir_buffer *buf);
/* values: one per iter var (copied); predicate NULL means true. */
tir_stmt *tir_block_realize(tir_ctx *ctx, tir_block *b, tir_expr *const *values,
			    tir_expr *predicate);

/* Statement walker: pre(s) before the children (return false to skip
 * them), post(s) after; either may be NULL.  Visits the init and body of a
 * realized block. */
typedef bool (*tir_stmt_pre_fn)(tir_stmt *s, void *env);
typedef void (*tir_stmt_post_fn)(tir_stmt *s, void *env);
void tir_stmt_walk(tir_stmt *s, tir_stmt_pre_fn pre, tir_stmt_post_fn post, void *env);

/* ---- PrimFunc ---- */

/* A parameter: a scalar variable, or a buffer (whose handle var is the
 * parameter; buffer_map in TVM terms). */
typedef struct tir_param {
	tir_expr *var;
	tir_buffer *buffer; /* NULL for a scalar parameter */
} tir_param;

typedef struct tir_attr {
	const char *key;
	const char *str; /* NULL: an integer attribute */
	int64_t value;
} tir_attr;

struct tir_func {
	const char *name; /* the global symbol unless attrs say otherwise */
	int nparams;
	tir_param *params;
	tir_stmt *body;
	int nattrs;
	tir_attr *attrs;
};

static inline tir_param tir_param_buffer(tir_buffer *b)
{
	return (tir_param){b->data, b};
}
static inline tir_param tir_param_scalar(tir_expr *var)
{
	return (tir_param){var, NULL};
}
tir_func *tir_func_new(tir_ctx *ctx, const char *name, int nparams, const tir_param *params,
		       tir_stmt *body);
void tir_func_set_attr_str(tir_ctx *ctx, tir_func *f, const char *key, const char *value);
void tir_func_set_attr_int(tir_ctx *ctx, tir_func *f, const char *key, int64_t value);
const tir_attr *tir_func_get_attr(const tir_func *f, const char *key);

/* Well-formedness: every var defined before use (parameters, the shape,
 * stride and offset vars of parameter buffers, loop, let and block iter
 * vars), no var defined twice, buffers declared (parameter, Allocate or
 * block alloc) before loads/stores, index counts equal to buffer ranks,
 * operand dtypes agreeing, conditions bool, intrinsic arities right.
 * Returns SB_ERR_INVALID with a message naming the function, the rule and
 * the offending node. */
sb_status tir_func_verify(const tir_func *f);

/* ---- Printer (text form: tir/README.md) ---- */

void tir_expr_print(sb_strbuf *b, const tir_expr *e);
void tir_stmt_print(sb_strbuf *b, const tir_stmt *s, int indent);
void tir_func_print(sb_strbuf *b, const tir_func *f);
/* Malloc'd strings; the caller frees. */
char *tir_expr_to_string(const tir_expr *e);
char *tir_stmt_to_string(const tir_stmt *s);
char *tir_func_to_string(const tir_func *f);

/* ---- Arithmetic analysis (tir/arith) ---- */

/* Constant integer bounds [min, max]; INT64_MIN / INT64_MAX stand for
 * -inf / +inf. */
#define TIR_NEG_INF INT64_MIN
#define TIR_POS_INF INT64_MAX
typedef struct tir_bound {
	int64_t min, max;
} tir_bound;

/* The set { coeff*k + base : k integer }.  coeff 0: exactly base;
 * coeff 1, base 0: every integer.  0 <= base < coeff when coeff > 0. */
typedef struct tir_modset {
	int64_t coeff, base;
} tir_modset;

/* An analyzer holds what is known about variables (constant bounds,
 * symbolic ranges, assumed conditions) in a stack of bindings, and memo
 * tables valid for the current bindings.  Every function below takes the
 * context the expressions live in; `an` may be NULL where noted, meaning
 * "nothing is known" (shape variables still count as non-negative). */
tir_analyzer *tir_analyzer_new(tir_ctx *ctx);
void tir_analyzer_free(tir_analyzer *an);

/* var ∈ [min, max] (inclusive; TIR_NEG_INF / TIR_POS_INF for open ends).
 * Replaces what was known about var until tir_analyzer_restore. */
void tir_analyzer_bind(tir_analyzer *an, tir_expr *var, int64_t min, int64_t max);
/* var ∈ [min, min + extent): a loop or block iter var.  Also records the
 * symbolic range, so i*4 + j < n*4 is provable for i in [0, n), j in [0, 4). */
void tir_analyzer_bind_range(tir_analyzer *an, tir_expr *var, tir_expr *min, tir_expr *extent);
/* Assumes a condition holds (inside `if (cond)`): comparisons between a var
 * and an expression tighten that var's bounds; && splits. */
void tir_analyzer_assume(tir_analyzer *an, tir_expr *cond);
/* Scopes: mark, bind/assume, then restore to forget what came after. */
size_t tir_analyzer_mark(tir_analyzer *an);
void tir_analyzer_restore(tir_analyzer *an, size_t mark);

tir_bound tir_const_int_bound(tir_ctx *ctx, tir_analyzer *an, tir_expr *e);
tir_modset tir_modular_set(tir_ctx *ctx, tir_analyzer *an, tir_expr *e);
/* Local rules: constant folding, identities, div/mod, min/max, comparisons,
 * logic, select (tir/arith/rewrite_simplify.c). */
tir_expr *tir_rewrite_simplify(tir_ctx *ctx, tir_analyzer *an, tir_expr *e);
/* Integer sums of products in one normal form: like terms collected,
 * terms ordered, so equal polynomials are the same node
 * (tir/arith/canonical_simplify.c). */
tir_expr *tir_canonical_simplify(tir_ctx *ctx, tir_analyzer *an, tir_expr *e);
/* Both, alternated to a fixed point: what passes should call. */
tir_expr *tir_simplify(tir_ctx *ctx, tir_analyzer *an, tir_expr *e);
/* True only when cond is proven for every value of its variables allowed
 * by the analyzer; false when it is false or unknown. */
bool tir_can_prove(tir_ctx *ctx, tir_analyzer *an, tir_expr *cond);
/* a == b for all allowed values (a shape compiler's "same dimension"). */
bool tir_can_prove_equal(tir_ctx *ctx, tir_analyzer *an, tir_expr *a, tir_expr *b);

#endif
