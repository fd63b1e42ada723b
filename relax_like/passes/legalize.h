/* LegalizeOps internals: the per-call state every op rule works with
 * (legalize_ops.c) and the rules themselves (legalize_*.c).
 *
 * A rule turns one high-level op call into the PrimFunc that computes it.
 * It never sees the relax shape expressions directly: it asks for each
 * tensor argument it passes as a buffer (lg_buffer), for each symbolic
 * value it needs (lg_dim), for the output shape (lg_out_shape), and gets
 * them in the PrimFunc's own shape variables:
 *
 * - every non-constant dim of a buffer argument becomes a PrimFunc shape
 *   variable (one per distinct relax expression, so equal dims stay
 *   provably equal), bound by the generated entry from that buffer;
 * - any other expression is rewritten over those variables when it can
 *   be (the same expression, or one over plain-variable dims); else it
 *   becomes a variable bound from an output buffer (LG_OUT: the rule puts
 *   it as a plain output dim) or a scalar parameter passed as a PrimValue
 *   in call_tir's arguments (LG_SCALAR, tir_vars);
 * - each of these steps also appends to the reuse key, written with
 *   positional variables ($k0, ...), so two calls with the same op,
 *   attributes, dtypes and shape pattern share one PrimFunc.
 *
 * A rule then calls lg_cached (true: an equal PrimFunc exists, nothing to
 * build) and builds with tir/topi (or the topi building blocks) under the
 * name lg_name gives. */
#ifndef SB_RELAX_LEGALIZE_H
#define SB_RELAX_LEGALIZE_H

#include "passes.h"
#include "tir/topi/topi.h"

#define LG_MAX_VARS 64
#define LG_MAX_ARGS 64

typedef struct lg_ctx lg_ctx;

typedef enum lg_mode {
	LG_EXACT,  /* must be expressible in the buffer dims */
	LG_OUT,	   /* else a variable bound from an output dim */
	LG_SCALAR, /* else a scalar parameter (a PrimValue argument) */
} lg_mode;

typedef struct lg_call {
	lg_ctx *lc;
	relax_module *m;
	tir_ctx *tir;
	const char *where; /* the binding's var name */
	relax_op op;
	const void *attrs;
	int nargs;
	relax_expr *const *args;
	const relax_sinfo *out; /* the call's output struct info */
	/* A helper kernel of the op (a run-time length) rather than the op
	 * itself: its base name and key prefix, and which argument it reads. */
	const char *name_hint;
	int aux;

	/* PrimFunc variables: relax expression, PrimFunc var, key var, kind
	 * ('d' buffer dim, 'o' output dim, 's' scalar param). */
	int nvars;
	tir_expr *rel[LG_MAX_VARS], *var[LG_MAX_VARS], *key[LG_MAX_VARS];
	char kind[LG_MAX_VARS];

	/* call_tir's argument tuple, in PrimFunc param order (inputs). */
	int ncargs;
	relax_expr *cargs[LG_MAX_ARGS];
	/* Scalar params in order (PrimFunc vars), for rules that add them. */
	int nscalars;
	tir_expr *scalars[LG_MAX_VARS];

	sb_strbuf keybuf;
	relax_expr *gvar; /* the PrimFunc's GlobalVar once found or built */
	tir_func *built;  /* what the rule built */
	bool failed;	  /* an lg_* helper recorded an error */
	sb_status status;
} lg_call;

typedef sb_status (*lg_rule_fn)(lg_call *c);

/* Records "LegalizeOps 'where': relax.op: message" and returns code. */
sb_status lg_error(lg_call *c, sb_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Argument i as a buffer param: dims registered, appended to the call's
 * arguments and the key.  SB_ERR_UNSUPPORTED if its shape or dtype is not
 * known. */
sb_status lg_buffer(lg_call *c, int i, topi_tensor *t);
/* The tensor struct info of argument i (NULL if it is not one with a
 * known shape). */
const relax_sinfo *lg_arg_tensor(lg_call *c, int i);
/* A relax shape expression in PrimFunc variables (mode: what may become a
 * new variable); NULL after recording an error. */
tir_expr *lg_dim(lg_call *c, tir_expr *e, lg_mode mode, const char *what);
/* Output i's (or the only output's, i = 0) shape with LG_OUT; dims has
 * room for SB_MAX_RANK. */
sb_status lg_out_shape(lg_call *c, int i, int *ndim, tir_expr **dims, sb_dtype *dt);
/* Appends a PrimValue argument (a scalar parameter the rule adds itself). */
void lg_arg_prim(lg_call *c, tir_expr *relax_value);
/* Adds text to the key (values the rule reads: constant data, choices). */
void lg_key(lg_call *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An integer argument known at compile time: a PrimValue, a Prim with a
 * value, or a constant scalar / one-element tensor. */
bool lg_const_int(lg_call *c, int i, int64_t *v);
/* A scalar argument's value when it is a constant tensor or PrimValue. */
bool lg_const_scalar(lg_call *c, int i, double *v);
/* A Shape argument's values (ShapeExpr or a var with Shape struct info). */
bool lg_shape_values(lg_call *c, int i, int *n, tir_expr *const **values);

/* True when an equal PrimFunc exists (c->gvar set): the rule stops. */
bool lg_cached(lg_call *c);
/* The name the new PrimFunc gets: unique in the module, never a C
 * library name. */
const char *lg_name(lg_call *c);
/* A rule's topi status, prefixed with where it came from. */
sb_status lg_topi(lg_call *c, sb_status st, tir_func *f);

/* The rules, by op family. */
sb_status lg_rule_unary(lg_call *c);
sb_status lg_rule_cast(lg_call *c);
sb_status lg_rule_clip(lg_call *c);
sb_status lg_rule_binary(lg_call *c);
sb_status lg_rule_where(lg_call *c);
sb_status lg_rule_reduce(lg_call *c);
sb_status lg_rule_arg_reduce(lg_call *c);
sb_status lg_rule_softmax(lg_call *c);
sb_status lg_rule_cumsum(lg_call *c);
sb_status lg_rule_batch_norm(lg_call *c);
sb_status lg_rule_layer_norm(lg_call *c);
sb_status lg_rule_instance_norm(lg_call *c);
sb_status lg_rule_lrn(lg_call *c);
sb_status lg_rule_mvn(lg_call *c);
sb_status lg_rule_matmul(lg_call *c);
sb_status lg_rule_gemm(lg_call *c);
sb_status lg_rule_einsum(lg_call *c);
sb_status lg_rule_conv(lg_call *c);
sb_status lg_rule_conv_transpose(lg_call *c);
sb_status lg_rule_pool(lg_call *c);
sb_status lg_rule_global_pool(lg_call *c);
sb_status lg_rule_resize(lg_call *c);
sb_status lg_rule_pad(lg_call *c);
sb_status lg_rule_depth_to_space(lg_call *c);
sb_status lg_rule_reshape(lg_call *c);
sb_status lg_rule_permute_dims(lg_call *c);
sb_status lg_rule_concat(lg_call *c);
sb_status lg_rule_split(lg_call *c);
sb_status lg_rule_strided_slice(lg_call *c);
sb_status lg_rule_gather(lg_call *c);
sb_status lg_rule_scatter(lg_call *c);
sb_status lg_rule_squeeze(lg_call *c);
sb_status lg_rule_flatten(lg_call *c);
sb_status lg_rule_expand(lg_call *c);
sb_status lg_rule_tile(lg_call *c);
sb_status lg_rule_shape_to_tensor(lg_call *c);
sb_status lg_rule_size(lg_call *c);
sb_status lg_rule_arange(lg_call *c);
sb_status lg_rule_full(lg_call *c);
sb_status lg_rule_eye_like(lg_call *c);
sb_status lg_rule_one_hot(lg_call *c);
sb_status lg_rule_trilu(lg_call *c);

/* Helper kernels for sizes known only at run time (out: int64[1], read by
 * relax.tensor_to_shape into a shape variable): ONNX Range's length
 * max(ceil((limit - start) / delta), 0) of arange's arguments, and the
 * value of the one-element argument c->aux converted to int64 (one_hot's
 * depth, topk's k). */
sb_status lg_rule_arange_len(lg_call *c);
sb_status lg_rule_scalar_len(lg_call *c);

#endif
