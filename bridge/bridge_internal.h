/* bridge internals: the conversion state, symbolic values, and what the
 * op converters (convert_*.c) and shape rules (shape_values.c) share.
 *
 * Every relay node gets a bridge_value (indexed by node id).  A tensor
 * node's value is a relax leaf (var or constant) once emitted; a node
 * computing a small integer tensor from shapes has a symbolic value
 * instead, and gets a relax leaf only when something uses it as data
 * (bridge_tensor materializes it then, once). */
#ifndef SB_BRIDGE_INTERNAL_H
#define SB_BRIDGE_INTERNAL_H

#include "bridge/bridge.h"

/* Longest integer tensor tracked symbolically: shapes, pads, slice bounds. */
#define BRIDGE_SYM_MAX 64

/* The value of an integer (or bool) tensor of rank 0 or 1 as tir
 * expressions: int64 expressions over shape variables (bool expressions
 * for a bool tensor), simplified.  `dtype` is the tensor's dtype; the
 * expressions are int64 whatever it is (no wrap-around is modelled). */
typedef struct bridge_sym {
	sb_dtype dtype;
	int rank; /* 0 or 1 */
	int n;	  /* elements: 1 for rank 0 */
	tir_expr **v;
} bridge_sym;

typedef struct bridge_value bridge_value;
struct bridge_value {
	bool done;	  /* converted */
	relax_expr *expr; /* relax leaf (a tuple-typed var for tuple values); NULL until needed */
	sb_tensor *constant; /* a constant's tensor (borrowed from the relay module) */
	const sb_tensor *bound; /* a parameter bound at compile time: its value (borrowed) */
	const bridge_sym *sym;
	bool sym_done; /* sym computed (NULL: none) */
	int nfields;   /* > 0: a tuple value; field i is fields[i] */
	bridge_value *fields;
};

typedef struct bridge_ctx {
	relay_module *src;
	relax_module *m;
	tir_ctx *tir;
	relax_builder *b;
	bridge_value *values; /* by relay node id */
	uint32_t nvalues;
	const relay_function *fn;
	const bridge_options *opts; /* bound inputs; NULL: none */
} bridge_ctx;

/* What one relay op becomes (bridge/ops.def). */
typedef sb_status (*bridge_convert_fn)(bridge_ctx *c, const relay_expr *e, relax_op op,
				       bridge_value *out);
typedef sb_status (*bridge_sym_fn)(bridge_ctx *c, const relay_expr *e, const bridge_sym **out);

typedef struct bridge_rule {
	bridge_convert_fn convert; /* NULL: no relax_like counterpart */
	relax_op op;		   /* the relax op it emits (RELAX_OP_COUNT: chosen by convert) */
	bridge_sym_fn sym;	   /* NULL: never a symbolic value */
} bridge_rule;

/* ---- convert.c: values, emission, arguments ---- */

/* An error of the node being converted; the driver prefixes "bridge: Op
 * 'node': ". */
sb_status bridge_error(sb_status code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline const relay_expr *bridge_arg(const relay_expr *e, int i)
{
	return i < e->u.call.nargs ? e->u.call.args[i] : NULL;
}
static inline bridge_value *bridge_value_of(bridge_ctx *c, const relay_expr *e)
{
	SB_ASSERT(e->id < c->nvalues);
	return &c->values[e->id];
}
tir_expr *bridge_simplify(bridge_ctx *c, tir_expr *e);

/* Binds `value` (normalized by the builder) to a new dataflow var. */
sb_status bridge_emit(bridge_ctx *c, relax_expr *value, relax_expr **var);
/* Emits op(args) with attrs and records the result in out. */
sb_status bridge_emit_call(bridge_ctx *c, relax_op op, int nargs, relax_expr *const *args,
			   void *attrs, bridge_value *out);
/* The relax leaf of a tensor argument, materialized when it is a
 * constant or a symbolic value.  An absent argument is an error. */
sb_status bridge_tensor(bridge_ctx *c, const relay_expr *arg, relax_expr **out);
/* A tensor argument with its dims: when its struct info knows only the
 * rank it is match_cast to fresh variables first (and the node's value
 * becomes the cast var).  An unknown rank is SB_ERR_UNSUPPORTED. */
sb_status bridge_dims(bridge_ctx *c, const relay_expr *arg, relax_expr **x, int *ndim,
		      tir_expr *const **dims);
/* The argument's symbolic value (constants and bound inputs included), or
 * NULL. */
const bridge_sym *bridge_sym_of(bridge_ctx *c, const relay_expr *arg);
/* The tensor an argument is at compile time: a constant's, or a bound
 * input's value; NULL otherwise. */
const sb_tensor *bridge_const_tensor(bridge_ctx *c, const relay_expr *arg);
/* "`what` must be known at compile time" (SB_ERR_UNSUPPORTED), naming the
 * unbound graph inputs that arg comes from: "; bind it with --bind
 * axes=FILE". */
sb_status bridge_error_needs_value(bridge_ctx *c, const relay_expr *arg, const char *what,
				   const char *must);
/* The values of an argument that must be known at compile time (axes, a
 * split, pads); SB_ERR_UNSUPPORTED naming `what` otherwise.  Arena array. */
sb_status bridge_static_ints(bridge_ctx *c, const relay_expr *arg, const char *what, int *n,
			     int64_t **v);
/* A 1-D integer argument as a Shape value: a ShapeExpr of its symbolic
 * value, or (data-dependent) relax.tensor_to_shape of the tensor, whose
 * fresh variables the builder binds.  *vals (may be NULL) gets the values. */
sb_status bridge_shape_arg(bridge_ctx *c, const relay_expr *arg, relax_expr **shape, int *n,
			   tir_expr *const **vals);
/* A scalar argument: a PrimValue of an integer symbolic value, else the
 * tensor (0-d or one element). */
sb_status bridge_scalar_arg(bridge_ctx *c, const relay_expr *arg, relax_expr **out);
/* A new 0-d constant of dtype dt holding v. */
relax_expr *bridge_scalar_const(bridge_ctx *c, sb_dtype dt, double v);
/* A relax attribute struct for op, filled from the relay call's attribute
 * fields of the same names and kinds (alpha, epsilon, axis, mode...). */
void *bridge_attrs_by_name(bridge_ctx *c, const relay_expr *e, relax_op op);

/* ---- bound_inputs.c ---- */

/* The bound value of parameter p (opts), or NULL. */
const sb_tensor *bridge_bound_value(const bridge_options *opts, const relay_expr *p);
/* Checks that every binding names a parameter of c->fn with its dtype,
 * rank and known dims; sets the parameters' bridge values. */
sb_status bridge_bind_params(bridge_ctx *c);
/* Emits the guard of every bound parameter (the builder is in the
 * function, outside any dataflow block). */
sb_status bridge_emit_guards(bridge_ctx *c, relax_expr *const *params);
/* Appends to b the graph inputs `arg` comes from (not through Shape/Size)
 * that are not bound: "; bind it with --bind a=FILE" or "; bind them with
 * --bind a=FILE --bind b=FILE".  Nothing when there are none. */
void bridge_bind_hint(bridge_ctx *c, const relay_expr *arg, sb_strbuf *b);

/* ---- shape_values.c ---- */

const bridge_sym *bridge_sym_new(bridge_ctx *c, sb_dtype dt, int rank, int n);
/* A constant tensor's symbolic value (integer or bool, rank <= 1, at most
 * BRIDGE_SYM_MAX elements), else NULL. */
const bridge_sym *bridge_sym_from_tensor(bridge_ctx *c, const sb_tensor *t);
/* All elements integer constants: copies them into v (room for s->n). */
bool bridge_sym_is_const(const bridge_sym *s, int64_t *v);
/* The relax leaf holding a symbolic value as a tensor of its dtype. */
sb_status bridge_sym_materialize(bridge_ctx *c, const bridge_sym *s, relax_expr **out);

/* ---- The converters and symbolic rules named in ops.def ----
 * (convert_*.c, shape_values.c; a rule named sym_none is never defined:
 * the table reads it as NULL.) */
#define OP(relay_id, conv, relax_id, rule)                                                         \
	sb_status conv(bridge_ctx *c, const relay_expr *e, relax_op op, bridge_value *out);        \
	sb_status rule(bridge_ctx *c, const relay_expr *e, const bridge_sym **out);
#include "ops.def"
#undef OP

#endif
