/* tir/schedule: schedule primitives on block-level PrimFuncs, and the
 * default CPU schedules chosen from what a PrimFunc's loops are.
 *
 * A schedule holds the current function.  Each primitive checks its
 * legality first and either returns an sb_status error whose message starts
 * with the primitive's name ("reorder: loop j is not under loop i") leaving
 * the schedule unchanged, or replaces the function by a new one -- built
 * functionally, sharing the untouched statements, so earlier functions stay
 * valid and can be compared with later ones.
 *
 * Blocks are found by name (unique in a function) and loops by their loop
 * variable (unique by the verifier's rules), so the handles below stay
 * valid across primitives until the primitive that removes their loop or
 * block (split and fuse replace loops; inlining removes a block).  Using a
 * removed handle is an error naming the primitive that removed it.
 *
 * Every applied primitive appends a line to the trace:
 *
 *   b0 = get_block("C")
 *   l1, l2, l3 = get_loops(b0)
 *   l4, l5 = split(l1, factors=[None, 8])
 *   parallel(l4)
 *
 * The primitives, by file: lookups and the trace (state.c); split, fuse,
 * reorder, parallel, vectorize, unroll (loops.c); partition (partition.c);
 * compute_inline, reverse_compute_inline (inline.c); compute_at,
 * reverse_compute_at (compute_at.c); cache_read, cache_read_layout,
 * cache_write (cache.c); pad_read (pad.c); decompose_reduction, rfactor
 * (reduction.c); compact_buffers (compact.c).  Block patterns
 * (classify.c) and the default CPU schedules (default_cpu.c) build on
 * them; tree.c holds what they share (paths, the statement mapper, region
 * relaxation).
 *
 * A block whose body names loop variables directly ("opaque": topi's
 * scatter) cannot be reasoned about through its bindings: block
 * primitives refuse it, and parallel/vectorize refuse a loop it names.
 *
 * What a primitive assumes of the function: statements above blocks are
 * loops, sequences, allocations, lets and ifs; every leaf of a loop nest is
 * a block realize; a block's body refers to its iter vars (not to the loop
 * vars, which its bindings use); blocks have distinct names.  Buffers made
 * by cache_read / cache_write are allocated by an Allocate around the loop
 * nests that use them; tir_schedule_compact_buffers, the last step of a
 * schedule, moves every allocation of an intermediate buffer down to the
 * innermost loop that covers its uses and shrinks it to the region touched
 * by one iteration (a 6x16 accumulator tile instead of an m x n matrix). */
#ifndef SB_TIR_SCHEDULE_H
#define SB_TIR_SCHEDULE_H

#include "tir/tir.h"

typedef struct tir_schedule tir_schedule;
typedef struct tir_sch_loop tir_sch_loop;
typedef struct tir_sch_block tir_sch_block;

/* f is not modified; the schedule's functions live in ctx. */
tir_schedule *tir_schedule_new(tir_ctx *ctx, tir_func *f);
void tir_schedule_free(tir_schedule *sch);
tir_func *tir_schedule_func(const tir_schedule *sch);
/* The applied primitives, one a line (owned by the schedule). */
const char *tir_schedule_trace(const tir_schedule *sch);

/* A handle's name in the trace ("l4", "b0") and what it stands for. */
const char *tir_sch_loop_name(const tir_sch_loop *l);
tir_expr *tir_sch_loop_var(const tir_sch_loop *l);
const char *tir_sch_block_name(const tir_sch_block *b);

/* ---- Lookups ---- */

sb_status tir_schedule_get_block(tir_schedule *sch, const char *name, tir_sch_block **out);
/* The loops above b, outermost first.  *loops is an array in the ctx's
 * arena. */
sb_status tir_schedule_get_loops(tir_schedule *sch, tir_sch_block *b, int *nloops,
				 tir_sch_loop ***loops);
/* Every block, in program order. */
sb_status tir_schedule_get_blocks(tir_schedule *sch, int *nblocks, tir_sch_block ***blocks);

/* ---- Loop transformations ---- */

#define TIR_SPLIT_INFER (-1)
/* Splits loop l into nfactors nested loops (outermost first) of the given
 * extents; one factor may be TIR_SPLIT_INFER (ceil-div of the extent by the
 * others).  When the factors' product is not provably the extent, every
 * block under l gets the predicate `index < extent` (the tail guard); a
 * symbolic extent needs an inferred factor.  out: nfactors handles. */
sb_status tir_schedule_split(tir_schedule *sch, tir_sch_loop *l, int nfactors,
			     const int64_t *factors, tir_sch_loop **out);
/* Fuses perfectly nested loops (outermost first) into one. */
sb_status tir_schedule_fuse(tir_schedule *sch, int n, tir_sch_loop *const *loops,
			    tir_sch_loop **out);
/* Loops on one chain of nesting, with nothing but loops between them, are
 * put in the given order (the positions of unlisted loops are kept). */
sb_status tir_schedule_reorder(tir_schedule *sch, int n, tir_sch_loop *const *loops);
/* Loop kinds.  parallel and vectorize refuse a loop that binds a reduce
 * iter var or carries a dependence between blocks; vectorize needs a
 * constant extent. */
sb_status tir_schedule_parallel(tir_schedule *sch, tir_sch_loop *l);
sb_status tir_schedule_vectorize(tir_schedule *sch, tir_sch_loop *l);
sb_status tir_schedule_unroll(tir_schedule *sch, tir_sch_loop *l);

/* Partitions the outer loop of a guarded split (split with an inferred
 * outer factor whose extent was not provably divisible) into the
 * iterations where every guard holds -- the guards are dropped there --
 * and a tail loop (at most one iteration) running a copy of the body,
 * whose blocks are renamed NAME_tail and keep their guards.  Vector code
 * then needs no predicate in the main part.  out (may be NULL): the tail
 * loop. */
sb_status tir_schedule_partition(tir_schedule *sch, tir_sch_loop *l, tir_sch_loop **tail);

/* ---- Block transformations ---- */

/* Inlines a producer whose body is one store at its iter vars of a pure
 * expression into every block that reads the buffer, and removes it. */
sb_status tir_schedule_compute_inline(tir_schedule *sch, tir_sch_block *b);
/* Inlines an elementwise consumer into its producer: the producer then
 * stores the consumer's result directly. */
sb_status tir_schedule_reverse_compute_inline(tir_schedule *sch, tir_sch_block *b);
/* A copy of the buffer read (written) by b into (out of) a new buffer of
 * `scope`: cache_read inserts the copy block before b's loop nest,
 * cache_write after it; b then uses the new buffer.  out: the copy block. */
sb_status tir_schedule_cache_read(tir_schedule *sch, tir_sch_block *b, int read_index,
				  const char *scope, tir_sch_block **out);
sb_status tir_schedule_cache_write(tir_schedule *sch, tir_sch_block *b, int write_index,
				   const char *scope, tir_sch_block **out);
/* cache_read into a permuted layout: dim d of the cache is dim perm[d] of
 * the buffer (B[n, k] read as B_local[k, n] makes the n panel of a dense
 * contiguous). */
sb_status tir_schedule_cache_read_layout(tir_schedule *sch, tir_sch_block *b, int read_index,
					 const char *scope, const int *perm, tir_sch_block **out);
/* cache_write into a permuted layout (an accumulator tile with the
 * vectorized dim last); the copy back follows the cache's dims. */
sb_status tir_schedule_cache_write_layout(tir_schedule *sch, tir_sch_block *b, int write_index,
					  const char *scope, const int *perm, tir_sch_block **out);
/* Replaces b's padded reads of its read_index-th buffer X --
 * select(in bounds, X[clamped indices], c), as topi writes padding -- by
 * plain reads of X_pad, a copy of X with the pads the block reaches filled
 * with c, made by a block (out) before b's loop nest. */
sb_status tir_schedule_pad_read(tir_schedule *sch, tir_sch_block *b, int read_index,
				tir_sch_block **out);
/* Moves producer b to the start of loop l's body (l is a loop of b's
 * consumers), computing there the region of its output those consumers
 * read in one iteration of l. */
sb_status tir_schedule_compute_at(tir_schedule *sch, tir_sch_block *b, tir_sch_loop *l);
/* Moves consumer b to the end of loop l's body (l is a loop of b's
 * producer), consuming there the region produced in one iteration of l. */
sb_status tir_schedule_reverse_compute_at(tir_schedule *sch, tir_sch_block *b, tir_sch_loop *l);
/* Splits the init of reduction block b off into a block of its own, in a
 * loop nest placed just before loop l (which must be above every loop
 * that binds a reduce iter var of b).  out (may be NULL): the init block. */
sb_status tir_schedule_decompose_reduction(tir_schedule *sch, tir_sch_block *b, tir_sch_loop *l,
					   tir_sch_block **out);
/* Factors a reduction along loop l (bound to a reduce iter var of b,
 * typically the inner part of a split): an "rf" block reduces into a new
 * buffer with one more dimension of l's extent, where l is a spatial loop
 * (so it can be vectorized), and b then reduces that buffer.  b's update
 * must be W = W op E with op one of + * min max.  out: the rf block. */
sb_status tir_schedule_rfactor(tir_schedule *sch, tir_sch_loop *l, tir_sch_block **out);
/* Moves the allocation of every intermediate buffer (allocated inside the
 * function) to the innermost statement covering its uses and shrinks it to
 * the region one iteration of the loops above touches; indices are
 * rebased.  Blocks then refer to outer loop vars, so this is a schedule's
 * last step: primitives refuse to run after it. */
sb_status tir_schedule_compact_buffers(tir_schedule *sch);

/* ---- Default CPU schedules ---- */

/* What a block computes, read from its iter vars, accesses and body. */
typedef enum tir_block_pattern {
	TIR_PATTERN_ELEMWISE,  /* spatial only; reads at the same indices it writes */
	TIR_PATTERN_BROADCAST, /* spatial only; reads at a subset of its indices */
	TIR_PATTERN_INJECTIVE, /* spatial only; any other index mapping */
	TIR_PATTERN_REDUCTION, /* has reduce iter vars */
	TIR_PATTERN_MATMUL,    /* reduction W[.., i, j] += X[.., i, k] * Y[.., k, j] (any layout of X, Y) */
	TIR_PATTERN_CONV,      /* reduction W[n, oc, oh, ow] += X[n, ic, oh*s+kh, ow*s+kw] * K[oc, ic, kh, kw] */
	TIR_PATTERN_OPAQUE,    /* anything else */
} tir_block_pattern;

const char *tir_block_pattern_name(tir_block_pattern p);
tir_block_pattern tir_block_classify(const tir_block *b);

/* The machine a default schedule is sized for, and the knobs of the
 * default schedules (0: the default noted). */
typedef struct tir_target {
	int vector_bytes; /* 32: AVX2 */
	int vector_regs;  /* 16 ymm registers */
	int64_t l1_bytes, l2_bytes;
	int threads; /* 0: the runtime's pool decides */
	/* knobs */
	int acc_regs;	       /* registers for a matmul/conv accumulator tile (vector_regs - 4) */
	int k_unroll;	       /* unroll of the reduction loop in the micro-kernel (4) */
	int64_t pack_min_rows; /* pack B when M is at least this, or symbolic (24) */
	int64_t parallel_min;  /* no parallel loop over fewer elements than this (4096) */
	int64_t local_max_bytes; /* largest buffer made inside a parallel loop (128 KiB: what
				    lowering keeps on the stack) */
} tir_target;

/* AVX2 with 32 KiB L1d, 1 MiB L2. */
tir_target tir_target_avx2(void);

/* Applies the default CPU schedule to every block of f (inlining
 * producers that are pure functions of their iter vars; injective,
 * reduction, matmul and conv rules in tir/schedule/default_cpu.c).
 * Blocks no rule fits are left as they are.  *out is a new function; f is
 * unchanged.  With trace != NULL, *trace is the applied trace (malloc'd). */
sb_status tir_schedule_default_cpu(tir_ctx *ctx, tir_func *f, const tir_target *t,
				   tir_func **out, char **trace);

/* ===================================================================
 * Internal to the files of tir/schedule
 * =================================================================== */

struct tir_sch_loop {
	char name[16];	  /* "l4" */
	tir_expr *var;	  /* the loop's variable: its identity */
	const char *gone; /* NULL while the loop exists, else what removed it */
};

struct tir_sch_block {
	char name[16];	  /* "b0" */
	const char *block; /* the block's name (interned) */
	const char *gone;
};

struct tir_schedule {
	tir_ctx *ctx;
	tir_func *func;
	sb_map loops;  /* loop var -> tir_sch_loop* */
	sb_map blocks; /* interned block name -> tir_sch_block* */
	int next_handle;
	bool compacted; /* compact_buffers ran: no more primitives */
	sb_map guards;	/* outer loop var of a guarded split -> sch_guard* */
	sb_strbuf trace;
};

/* What split recorded about a guard it added: the loop's extent and the
 * product of the inner factors (partition's main part is extent // inner). */
typedef struct sch_guard {
	tir_expr *extent;
	int64_t inner;
} sch_guard;

/* A path from the function body (node[0]) down to one statement
 * (node[n-1]); child[i] is the position of node[i+1] in node[i] (For, Let,
 * Allocate: 0; If: 0 then, 1 else; Realize: 0 init, 1 body; Seq: index). */
#define SCH_MAX_DEPTH 200
typedef struct sch_path {
	int n;
	tir_stmt *node[SCH_MAX_DEPTH];
	int child[SCH_MAX_DEPTH];
} sch_path;

int sch_stmt_nchildren(const tir_stmt *s);
tir_stmt *sch_stmt_child(const tir_stmt *s, int i);
/* A shallow copy of s with child i replaced (NULL drops a Seq element or
 * an else branch). */
tir_stmt *sch_stmt_with_child(tir_ctx *ctx, tir_stmt *s, int i, tir_stmt *c);
/* A copy of the block (regions and allocs arrays shared until replaced). */
tir_block *sch_block_copy(tir_ctx *ctx, const tir_block *b);

/* Finds the statement for which match(s, env) holds (first in program
 * order); false if none. */
bool sch_find(tir_stmt *root, bool (*match)(const tir_stmt *s, const void *env),
	      const void *env, sch_path *p);
bool sch_find_loop(tir_stmt *root, const tir_expr *var, sch_path *p);
bool sch_find_block(tir_stmt *root, const char *name, sch_path *p);
bool sch_find_block_ptr(tir_stmt *root, const tir_block *blk, sch_path *p);
/* The new root after node[depth] of p is replaced by repl.  repl NULL
 * removes the node, and the loops, lets and ifs left empty above it. */
tir_stmt *sch_path_replace(tir_ctx *ctx, const sch_path *p, int depth, tir_stmt *repl);
/* Index in p of the innermost For above node[depth] (exclusive), or -1. */
int sch_path_loop_above(const sch_path *p, int depth);

/* Rebuilds a statement tree, mapping every expression (loop bounds,
 * bindings, predicates, regions, indices, values, conditions), every
 * buffer of a store, region or load, and each realize afterwards.  A node
 * is rebuilt only when something under it changed. */
typedef struct sch_mapper sch_mapper;
struct sch_mapper {
	tir_ctx *ctx;
	tir_expr *(*expr)(sch_mapper *m, tir_expr *e);	     /* NULL: identity */
	tir_buffer *(*buffer)(sch_mapper *m, tir_buffer *b); /* NULL: identity */
	tir_stmt *(*realize)(sch_mapper *m, tir_stmt *s);    /* NULL: identity */
	tir_stmt *(*store)(sch_mapper *m, tir_stmt *s);	     /* after a store; NULL: identity */
	void *env;
};
tir_stmt *sch_stmt_map(sch_mapper *m, tir_stmt *s);
/* s with vars[i] replaced by values[i] everywhere. */
tir_stmt *sch_stmt_substitute(tir_ctx *ctx, tir_stmt *s, int n, tir_expr *const *vars,
			      tir_expr *const *values);
/* e with every load of `from` turned into a load of `to` (same indices). */
tir_expr *sch_expr_replace_buffer(tir_ctx *ctx, tir_expr *e, tir_buffer *from, tir_buffer *to);

/* Variable domains for relaxation: var in [min, min + extent). */
typedef struct sch_dom {
	sb_map index; /* var -> position + 1 */
	SB_VEC(tir_expr *) vars;
	SB_VEC(tir_expr *) mins;
	SB_VEC(tir_expr *) extents;
} sch_dom;
void sch_dom_init(sch_dom *d);
void sch_dom_free(sch_dom *d);
void sch_dom_add(sch_dom *d, tir_expr *var, tir_expr *min, tir_expr *extent);
void sch_dom_pop(sch_dom *d); /* forgets the last added var */
/* Inclusive bounds [lo, hi] of e as the vars of dom range over their
 * domains (other vars are kept symbolic), simplified with an.  False when
 * e is not monotone enough in them to bound. */
bool sch_relax(tir_ctx *ctx, tir_analyzer *an, const sch_dom *dom, tir_expr *e, tir_expr **lo,
	       tir_expr **hi);

/* One dimension of a relaxed region: [lo, hi] inclusive. */
typedef struct sch_interval {
	tir_expr *lo, *hi;
} sch_interval;

/* The region of buffer `buf` the block realized at `rs` reads (reads) or
 * writes (!reads), with its iter vars replaced by their bindings and the
 * vars of dom relaxed; united into out[buf->ndim] (out[0].lo == NULL:
 * empty so far).  False if the block does not touch buf that way; *ok is
 * cleared when a bound cannot be computed. */
bool sch_realize_region(tir_ctx *ctx, tir_analyzer *an, const tir_stmt *rs, const tir_buffer *buf,
			bool reads, const sch_dom *dom, sch_interval *out, bool *ok);

/* Calls fn for every realize under s (not inside blocks), with dom
 * holding the loops between s (exclusive; s itself when it is a loop and
 * with_self) and the realize. */
typedef void (*sch_realize_fn)(const tir_stmt *rs, const sch_dom *dom, void *env);
void sch_visit_realizes(const tir_stmt *s, bool with_self, sch_realize_fn fn, void *env);

/* s with `cond &&` added to the predicate of every realize under it. */
tir_stmt *sch_stmt_add_predicate(tir_ctx *ctx, tir_stmt *s, tir_expr *cond);

/* pred && the parts of min <= v < min + extent not provable with an. */
tir_expr *sch_domain_guard(tir_ctx *ctx, tir_analyzer *an, tir_expr *pred, tir_expr *v,
			   tir_expr *min, tir_expr *extent);

/* Recomputes a block's read and write regions from its body and init:
 * one region per buffer, the bounds of its indices (loops inside the body
 * relaxed); the buffers it writes are not listed among its reads. */
void sch_block_infer_regions(tir_ctx *ctx, tir_block *b);

/* An analyzer that knows the ranges of the loops of p above node[depth]. */
tir_analyzer *sch_analyzer_for_path(tir_ctx *ctx, const sch_path *p, int depth);
/* Simplifies every binding and predicate of the realizes under s, with the
 * ranges of the loops above (in an) and inside s. */
tir_stmt *sch_simplify_bindings(tir_ctx *ctx, tir_analyzer *an, tir_stmt *s);

/* Every realize under root in program order (malloc'd array). */
int sch_collect_realizes(tir_stmt *root, tir_stmt ***out);
/* W = W + X * Y: the loads X and Y (seen through casts and a padding
 * select), or false. */
bool sch_block_mac(const tir_block *b, const tir_expr **x, const tir_expr **y);

/* The reduction update W = W op E (op one of + * min max; a select of
 * the larger or smaller of W and E counts as max or min): op and E. */
bool sch_block_reducer(tir_ctx *ctx, const tir_block *b, tir_expr_kind *op, tir_expr **rhs);

/* Does the block refer to variables other than its iter vars, shape
 * variables, f's parameters and what it defines itself (a loop var of the
 * nest around it, as topi's scatter blocks do)?  Such a block's accesses
 * cannot be reasoned about through its bindings; block primitives refuse
 * it and parallel/vectorize refuse a loop it names. */
bool sch_block_is_opaque(const tir_func *f, const tir_block *b);
/* The error for prim on an opaque block, or SB_OK. */
sb_status sch_check_not_opaque(const tir_func *f, const char *prim, const tir_block *b);

/* Does any expression under s use v? */
bool sch_stmt_uses_var(const tir_stmt *s, const tir_expr *v);

/* Is buf a parameter of f? */
bool sch_buffer_is_param(const tir_func *f, const tir_buffer *buf);
/* Does any block under s read (write) buf? */
bool sch_stmt_reads(tir_stmt *s, const tir_buffer *buf);
bool sch_stmt_writes(tir_stmt *s, const tir_buffer *buf);
/* ... or touch it at all (loads, stores, block regions)? */
bool sch_stmt_uses(tir_stmt *s, const tir_buffer *buf);
/* Removes Allocate statements and block allocs of buffers nothing uses. */
tir_stmt *sch_drop_unused_allocs(tir_ctx *ctx, tir_stmt *s);

/* For primitives: the handle's loop or block, or an error naming `prim`
 * and what removed it. */
sb_status sch_loop_path(tir_schedule *sch, const char *prim, tir_sch_loop *l, sch_path *p);
sb_status sch_block_path(tir_schedule *sch, const char *prim, tir_sch_block *b, sch_path *p);
/* Handles (made once per loop var / block name). */
tir_sch_loop *sch_loop_handle(tir_schedule *sch, tir_expr *var);
tir_sch_block *sch_block_handle(tir_schedule *sch, const char *name);
/* Installs a new body: the function is replaced, handles whose loop or
 * block is gone are marked as removed by `prim`. */
void sch_commit(tir_schedule *sch, tir_stmt *body, const char *prim);
void sch_trace(tir_schedule *sch, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Refuses primitives after compact_buffers. */
sb_status sch_check_open(tir_schedule *sch, const char *prim);
/* The loop var's name for messages. */
static inline const char *sch_var_name(const tir_expr *v)
{
	return v->u.var.name;
}

#endif
