/* tir/transform: the lowering passes that take a scheduled PrimFunc (loop
 * nests over blocks, multi-dimensional buffers, loops marked vectorized or
 * parallel) to the flat form a code generator consumes:
 *
 *   LowerBlocks      blocks -> plain statements (iter vars substituted by
 *                    their bindings, init under "reduce vars at their min")
 *   FlattenBuffers   A[i, j] -> A[i * n + j]: one index per access
 *   VectorizeLoops   for (j, 0, 8) vectorized { ... j ... } -> ramp/broadcast
 *   OutlineParallel  outermost parallel loops -> closures run through
 *                    sb_parallel_for(extent, body(begin, end, env), env)
 *
 * tir_lower runs them in that order, verifying after each one (SB_DEBUG=pass
 * prints the IR after each).  Each pass's file opens with what it requires,
 * what it guarantees and a before/after sketch.  Passes are functional: they
 * build new nodes in the function's context and share unchanged ones. */
#ifndef SB_TIR_TRANSFORM_H
#define SB_TIR_TRANSFORM_H

#include "tir/tir.h"

/* ---- Statement rewriter (stmt_rewrite.c) ---- */

/* The statement counterpart of tir_expr_rewrite: rebuilds a statement
 * bottom-up, a node only when one of its children or expressions changed.
 * Every callback may be NULL.
 *   enter(s)        before the children; a non-NULL result replaces s and
 *                   its subtree is not visited (leave is not called).
 *   expr(e)         each expression a statement holds (loop bounds, store
 *                   value and indices, conditions, let values, block
 *                   bindings, iter domains and regions); NULL keeps e.
 *   leave(orig, s)  after the children: s is orig rebuilt (or orig itself);
 *                   returns the final statement, NULL to keep s.
 * enter/leave pairs are how a pass scopes what it knows (loop bounds in an
 * analyzer, variables in a map). */
typedef struct tir_stmt_rewriter tir_stmt_rewriter;
struct tir_stmt_rewriter {
	tir_ctx *ctx;
	tir_stmt *(*enter)(tir_stmt_rewriter *r, tir_stmt *s);
	tir_expr *(*expr)(tir_stmt_rewriter *r, tir_expr *e);
	tir_stmt *(*leave)(tir_stmt_rewriter *r, tir_stmt *orig, tir_stmt *s);
	void *env;
};
tir_stmt *tir_stmt_rewrite(tir_stmt_rewriter *r, tir_stmt *s);
/* s with vars[i] replaced by values[i] in every expression. */
tir_stmt *tir_stmt_substitute(tir_ctx *ctx, tir_stmt *s, int n, tir_expr *const *vars,
			      tir_expr *const *values);
/* A copy of f's header (name, attributes) with new parameters and body. */
tir_func *tir_func_with_body(tir_ctx *ctx, const tir_func *f, int nparams, const tir_param *params,
			     tir_stmt *body);

/* ---- Passes ---- */

tir_func *tir_lower_blocks(tir_ctx *ctx, const tir_func *f);
tir_func *tir_flatten_buffers(tir_ctx *ctx, const tir_func *f);
/* vector_bits: the target's vector register width (128, 256, 512); a loop
 * of element width w gets at most vector_bits / w lanes. */
tir_func *tir_vectorize_loops(tir_ctx *ctx, const tir_func *f, int vector_bits);

/* Allocations of at most this many bytes with a constant size live on the
 * stack (the code generator's alloca); bigger or symbolic ones come from
 * the runtime's workspace and can fail, which a closure cannot report. */
#define TIR_STACK_ALLOC_MAX_BYTES (128 * 1024)

/* One outlined parallel loop.  func is
 *   @NAME_parK(begin: int64, end: int64, <scalar captures>, <buffer captures>) {
 *     for (i, MIN + begin, end - begin) { BODY }
 *   }
 * where the captures are every variable and buffer BODY uses that is
 * defined outside it, in first-use order: the fields of the environment
 * struct the code generator passes to sb_parallel_for. */
typedef struct tir_closure {
	tir_func *func;
	const tir_stmt *loop; /* the parallel For of the main function it runs */
	int ncaptures;	      /* func->params[2 ..] */
} tir_closure;

/* Outlines every outermost parallel loop of f whose body cannot fail (no
 * assert, only stack allocations); other parallel loops become serial, as
 * do parallel loops nested in an outlined one (the pool is busy then).
 * The main function keeps the outlined loops (as the key a code generator
 * looks the closure up by). */
tir_func *tir_outline_parallel(tir_ctx *ctx, const tir_func *f, int *nclosures,
			       tir_closure **closures);

/* ---- The pipeline ---- */

typedef struct tir_lower_options {
	int vector_bits; /* 0: 256 */
} tir_lower_options;

/* The result of lowering one PrimFunc.  `source` is the function as given:
 * the packed entry checks arguments against its parameter buffers' shapes
 * (the flat ones have lost the dimensions).  Parameters of `func`
 * correspond one to one, with the same data variables. */
typedef struct tir_lowered {
	const tir_func *source;
	tir_func *func;
	int nclosures;
	tir_closure *closures;
} tir_lowered;

/* Runs the passes above in order, verifying the result of each.  Fails
 * (SB_ERR_INVALID, message from the verifier) only on ill-formed input or a
 * pass bug; *out lives in ctx's arena. */
sb_status tir_lower(tir_ctx *ctx, const tir_func *f, const tir_lower_options *opts,
		    tir_lowered **out);
/* The closure of a parallel loop of l->func, NULL if it was not outlined. */
const tir_closure *tir_lowered_find_closure(const tir_lowered *l, const tir_stmt *loop);
/* The lowered function and its closures in the text form (`dump --stage
 * tir`).  Malloc'd; the caller frees. */
char *tir_lowered_to_string(const tir_lowered *l);

#endif
