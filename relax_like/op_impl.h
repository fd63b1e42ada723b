/* For op implementations: the shape-inference context and its helpers, and
 * the declaration of every infer_* function named in ops.def.
 *
 * An infer function reads its arguments' struct info through the helpers
 * below and sets ctx->out.  Shapes are tir expressions; the helpers
 * simplify them, prove dimensions equal (relax_infer_match), and record
 * what could not be decided: a dimension equality becomes a refinement
 * (the argument is match_cast before the call, so later stages see equal
 * dims), any other condition a run-time check on the binding.  Arguments
 * whose struct info gives only a rank are seen with placeholder dims;
 * output dims that depend on a placeholder are forgotten (rank only). */
#ifndef SB_RELAX_OP_IMPL_H
#define SB_RELAX_OP_IMPL_H

#include "relax.h"

struct relax_infer_ctx {
	relax_module *mod;
	tir_ctx *tir;
	relax_op op;
	const void *attrs;
	const char *where; /* the binding's name, for messages; may be NULL */
	int nargs;
	relax_expr *const *args;
	const relax_sinfo *const *in; /* the arguments' struct info */
	int nsinfo_args;
	const relax_sinfo *const *sinfo_args;
	const relax_sinfo *out; /* the result, set by the infer function */

	/* helpers' state */
	tir_expr ***dims; /* per argument: its dims as seen so far (refined) */
	bool *refined;
	SB_VEC(tir_expr *) fresh;
	SB_VEC(tir_expr *) placeholders;
	SB_VEC(relax_check) checks;
};

#define RELAX_CTX_ATTRS(ctx, family) ((const relax_attrs_##family *)(ctx)->attrs)

/* "relax.conv2d 'lv3': <message>", returns code. */
sb_status relax_infer_error(relax_infer_ctx *ctx, sb_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A tensor argument as dims (arena array, owned by ctx; refined dims show
 * up here) and dtype.  An error when argument i is not a tensor or its
 * rank is unknown. */
typedef struct relax_tensor_view {
	int ndim;
	tir_expr *const *dims;
	sb_dtype dtype;
} relax_tensor_view;
sb_status relax_infer_tensor(relax_infer_ctx *ctx, int i, relax_tensor_view *t);
/* Same, also requiring a floating-point (or unknown) dtype / an integer one. */
sb_status relax_infer_float_tensor(relax_infer_ctx *ctx, int i, relax_tensor_view *t);
sb_status relax_infer_int_tensor(relax_infer_ctx *ctx, int i, relax_tensor_view *t);
/* Both dtypes equal (or one unknown); returns the known one in *dt. */
sb_status relax_infer_same_dtype(relax_infer_ctx *ctx, int i, sb_dtype a, int j, sb_dtype b,
				 sb_dtype *dt);

tir_expr *relax_infer_simplify(relax_infer_ctx *ctx, tir_expr *e);
bool relax_infer_prove(relax_infer_ctx *ctx, tir_expr *cond);
/* Dim `axis` of tensor argument `arg` must equal `expected`: proven, it
 * returns the simpler of the two in *out; disproven, an error; undecided,
 * the argument is refined to `expected` (or, when the dim is a constant,
 * a check is recorded) and *out is the assumed value. */
sb_status relax_infer_match(relax_infer_ctx *ctx, int arg, int axis, tir_expr *expected,
			    tir_expr **out);
/* numpy broadcasting of tensor arguments args[0..n-1]: the output rank and
 * dims (dims has room for SB_MAX_RANK).  Two dims neither of which is
 * known to be 1 are assumed equal (match). */
sb_status relax_infer_broadcast(relax_infer_ctx *ctx, int n, const int *args, int *ndim,
				tir_expr **dims);
/* One output dim of a broadcast, accumulated over the (arg, axis) pairs
 * that meet there: start with {NULL}, call once per pair; acc->dim is the
 * result.  (matmul's batch dims, einsum's ellipsis.) */
typedef struct relax_bcast_dim {
	tir_expr *dim;
	int arg, axis; /* where dim came from */
} relax_bcast_dim;
sb_status relax_infer_broadcast_dim(relax_infer_ctx *ctx, relax_bcast_dim *acc, int arg, int axis);
/* cond must hold: proven, nothing; disproven, an error with the message;
 * undecided, a run-time check with the message. */
sb_status relax_infer_require(relax_infer_ctx *ctx, tir_expr *cond, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A fresh shape variable for a data-dependent size; the builder binds it
 * with a MatchCast of the call's result. */
tir_expr *relax_infer_fresh(relax_infer_ctx *ctx, const char *hint);
/* An integer scalar argument's value: a PrimValue (or Prim struct info
 * with a value) or a constant scalar/1-element tensor.  False if unknown
 * (or not an integer scalar). */
bool relax_infer_int_arg(relax_infer_ctx *ctx, int i, tir_expr **v);
/* A Shape argument's values.  A shape known only by rank gives fresh
 * variables; an unknown rank or a non-shape is an error. */
sb_status relax_infer_shape_arg(relax_infer_ctx *ctx, int i, int *n, tir_expr ***values);
/* A scalar argument (a 0-d tensor or a Prim): its dtype. */
sb_status relax_infer_scalar_arg(relax_infer_ctx *ctx, int i, sb_dtype *dt);
/* Normalises a possibly negative axis; an error if out of [-ndim, ndim). */
sb_status relax_infer_axis(relax_infer_ctx *ctx, int64_t axis, int ndim, int *out);
/* The product of dims (1 for none), simplified. */
tir_expr *relax_infer_numel(relax_infer_ctx *ctx, int n, tir_expr *const *dims);
/* Tensor struct info with simplified dims. */
const relax_sinfo *relax_infer_tensor_sinfo(relax_infer_ctx *ctx, sb_dtype dt, int ndim,
					    tir_expr *const *dims);
static inline void relax_infer_set_tensor(relax_infer_ctx *ctx, sb_dtype dt, int ndim,
					  tir_expr *const *dims)
{
	ctx->out = relax_infer_tensor_sinfo(ctx, dt, ndim, dims);
}
static inline tir_expr *relax_int(relax_infer_ctx *ctx, int64_t v)
{
	return tir_int(ctx->tir, v);
}

/* ---- The infer functions of ops.def ---- */
#define OP(id, name, mi, ma, attrs, infer, flags) sb_status infer(relax_infer_ctx *ctx);
#include "ops.def"
#undef OP

#endif
