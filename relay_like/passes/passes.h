/* relay_like's classic graph optimisations and the pipeline that runs them.
 *
 * Every pass has the same signature: it takes the module, replaces m->main
 * with a rewritten function (rewrites are functional: unchanged nodes are
 * shared, changed ones are new nodes) and leaves every node of the new main
 * typed.  Each pass file's opening comment says what it requires, what it
 * guarantees, and shows a before/after sketch. */
#ifndef SB_RELAY_PASSES_H
#define SB_RELAY_PASSES_H

#include <stdio.h>

#include "relay_like/relay.h"

typedef sb_status (*relay_pass_fn)(relay_module *m);

sb_status relay_simplify_inference(relay_module *m);
sb_status relay_fold_shape_computation(relay_module *m);
sb_status relay_fold_constant(relay_module *m);
sb_status relay_fold_scale_into_conv(relay_module *m);
sb_status relay_eliminate_common_subexpr(relay_module *m);
sb_status relay_dead_code_elim(relay_module *m);

/* The pass named `name` ("FoldConstant", "InferType", ...), or NULL. */
relay_pass_fn relay_pass_lookup(const char *name);
/* Appends the names relay_pass_lookup knows, comma separated. */
void relay_pass_names(sb_strbuf *b);

typedef struct relay_optimize_opts {
	const char *dump_after; /* print the IR after this pass (NULL: none) */
	FILE *dump_file;	/* where dumps go; NULL: stderr */
} relay_optimize_opts;

/* The relay_like pipeline: InferType, SimplifyInference,
 * FoldShapeComputation, FoldConstant, FoldScaleIntoConv, FoldConstant,
 * EliminateCommonSubexpr, DeadCodeElim, InferType.  relay_verify runs after
 * every pass; SB_DEBUG=pass prints the IR after each one.  Functions of the
 * module held from before the call are invalid afterwards (DeadCodeElim
 * releases the constants only they referenced). */
sb_status relay_optimize(relay_module *m);
/* Same, with options (NULL: defaults); an unknown dump_after is an error. */
sb_status relay_optimize_with(relay_module *m, const relay_optimize_opts *opts);

/* ---- For pass implementations ---- */

/* A rewrite callback that also sees the node of the original function that
 * `e` stands for (`old`; e == old when no operand changed), so side tables
 * computed on the original graph (use counts, used outputs) can be read
 * for rebuilt nodes too. */
typedef relay_expr *(*relay_pass_rewrite_fn)(relay_module *m, const relay_expr *old, relay_expr *e,
					     void *env, sb_status *status);
/* relay_rewrite of m->main with `fn`, setting m->main to the result.  Every
 * node the callback sees is typed (rebuilt nodes are typed from their
 * operands before the call), and so is every node it returns, along with
 * any untyped nodes the replacement was built from. */
sb_status relay_pass_rewrite(relay_module *m, relay_pass_rewrite_fn fn, void *env);

/* FoldConstant's rule for one typed node: a call whose inputs are all
 * constants becomes a constant (a tuple of constants for a tuple-typed
 * call), and TupleGetItem of a tuple is forwarded to the field.  Returns e
 * when it does not apply.  FoldShapeComputation applies it as it goes. */
relay_expr *relay_fold_constant_expr(relay_module *m, relay_expr *e, sb_status *status);

/* Folding skips a call whose output has more than this many elements and
 * is more than RELAY_FOLD_MAX_GROWTH times the size of its inputs: e.g.
 * ConstantOfShape([4096,4096,64]) would only trade a tiny graph for a huge
 * constant. */
#define RELAY_FOLD_MAX_ELEMENTS (INT64_C(1) << 20)
#define RELAY_FOLD_MAX_GROWTH 2

#endif
