/* tir/arith internals: the analyzer's state and what the analysis files
 * share.  The public API is at the end of tir/tir.h.
 *
 * Layering (each file may call the ones above it, and the simplifiers call
 * each other on strictly smaller expressions):
 *   const_fold.c        integer semantics (floordiv...), folding constant nodes
 *   analyzer.c          bindings, scopes, memo tables, the public entry points
 *   const_int_bound.c   [min, max] of an integer expression
 *   modular_set.c       coeff*k + base of an integer expression
 *   canonical_simplify.c  sums of products: the normal form of integer arithmetic
 *   symbolic_bound.c    relaxing loop variables to their symbolic ranges; the
 *                       sign of a difference; tir_can_prove
 *   rewrite_simplify.c  local rules for everything else
 *
 * Assumptions every rule may make: integer arithmetic on symbolic values
 * does not overflow (index math is int64); division and modulo by zero are
 * undefined, so no rule removes a division whose divisor is not provably
 * non-zero (the error stays where it was). */
#ifndef SB_TIR_ARITH_H
#define SB_TIR_ARITH_H

#include "tir/tir.h"

/* ---- Integer semantics (const_fold.c) ---- */

/* b != 0; INT64_MIN / -1 is not asked for (callers check fits first). */
int64_t arith_floordiv(int64_t a, int64_t b);
int64_t arith_floormod(int64_t a, int64_t b);
int64_t arith_truncdiv(int64_t a, int64_t b);
int64_t arith_truncmod(int64_t a, int64_t b);
int64_t arith_gcd(int64_t a, int64_t b); /* >= 0; gcd(0, 0) == 0 */
/* Can v be represented in t's dtype? */
bool arith_fits(tir_type t, int64_t v);
/* The range of t's dtype (signed 64-bit covers everything: +-inf). */
tir_bound arith_type_bound(tir_type t);
/* e with every operand a constant, folded to one constant; NULL when the
 * node cannot be folded (a non-constant operand, division by zero,
 * overflow of the dtype, a float intrinsic). */
tir_expr *arith_fold(tir_ctx *ctx, tir_expr *e);

/* Saturating arithmetic on bounds: TIR_NEG_INF/TIR_POS_INF absorb. */
int64_t arith_sat_add(int64_t a, int64_t b);
int64_t arith_sat_mul(int64_t a, int64_t b);
static inline int64_t arith_sat_neg(int64_t a)
{
	return a == TIR_NEG_INF ? TIR_POS_INF : a == TIR_POS_INF ? TIR_NEG_INF : -a;
}

/* ---- The analyzer ---- */

typedef enum arith_entry_kind { ARITH_BIND, ARITH_FACT } arith_entry_kind;

/* One entry of the undo log: a binding of a var (shadowing the previous
 * one, restored at tir_analyzer_restore) or an assumed fact. */
typedef struct arith_entry {
	arith_entry_kind kind;
	tir_expr *var;		     /* BIND */
	tir_bound bound;	     /* BIND: constant bounds */
	tir_expr *sym_min, *sym_max; /* BIND: inclusive symbolic bounds or NULL */
	size_t prev;		     /* BIND: index+1 of the shadowed entry, 0 if none */
	tir_expr *fact;		     /* FACT: a bool expression assumed true */
} arith_entry;

struct tir_analyzer {
	tir_ctx *ctx;
	SB_VEC(arith_entry) log;
	sb_map var_entry; /* Var -> index+1 of its current BIND entry */
	int nsym;	  /* active bindings with a symbolic bound */
	/* Memo tables, valid for the current log only (cleared on change). */
	sb_map bound_memo; /* expr -> index+1 into bound_vals */
	SB_VEC(tir_bound) bound_vals;
	sb_map canon_memo, rewrite_memo, simplify_memo; /* expr -> expr */
	/* Canonical sums are temporaries: allocated here, dropped when the
	 * outermost public call returns. */
	sb_arena scratch;
	sb_map sum_memo; /* expr -> arith_sum* in scratch */
	int depth;	 /* nesting of public calls */
	int rec_depth;	 /* nesting of proofs/rewrites, to cut runaway recursion */
};

/* Public entry points bracket their work with these: an == NULL gets a
 * temporary analyzer, freed at leave. */
typedef struct arith_scope {
	tir_analyzer *an;
	bool temporary;
} arith_scope;
tir_analyzer *arith_enter(tir_ctx *ctx, tir_analyzer *an, arith_scope *sc);
void arith_leave(arith_scope *sc);

/* The current binding of var, or NULL. */
const arith_entry *arith_lookup(const tir_analyzer *an, const tir_expr *var);
bool arith_is_fact(const tir_analyzer *an, const tir_expr *cond);

/* Internal versions of the public functions (no enter/leave). */
tir_bound arith_const_bound(tir_analyzer *an, tir_expr *e);
tir_modset arith_modular_set(tir_analyzer *an, tir_expr *e);
tir_expr *arith_canonical(tir_analyzer *an, tir_expr *e);
tir_expr *arith_rewrite(tir_analyzer *an, tir_expr *e);
tir_expr *arith_simplify(tir_analyzer *an, tir_expr *e);
bool arith_prove(tir_analyzer *an, tir_expr *cond);

/* ---- Canonical sums (canonical_simplify.c) ---- */

/* sum(coef_i * mono_i) + konst.  A monomial is a product of atoms (vars,
 * loads, and nodes the normal form cannot open: min, max, select, a
 * division it could not resolve...) built as a left-deep Mul chain in
 * tir_expr_compare order, so like terms have the same mono pointer.
 * Terms are kept in output order, no zero coefficients. */
typedef struct arith_term {
	tir_expr *mono;
	int64_t coef;
} arith_term;

typedef struct arith_sum {
	tir_type type;
	int n;
	arith_term *terms;
	int64_t konst;
} arith_sum;

/* Is e an expression the normal form handles (a signed scalar integer)? */
bool arith_is_sum_type(tir_type t);
/* e as a sum; NULL if e is not a signed scalar integer. */
arith_sum *arith_sum_of(tir_analyzer *an, tir_expr *e);
/* a - b as a sum (a and b of one signed integer type); NULL otherwise. */
arith_sum *arith_sum_diff(tir_analyzer *an, tir_expr *a, tir_expr *b);
tir_expr *arith_sum_to_expr(tir_analyzer *an, const arith_sum *s);
/* s with term i replaced by coef_i * with. */
arith_sum *arith_sum_replace_term(tir_analyzer *an, const arith_sum *s, int i, tir_expr *with);
/* The sum's terms with coefficients of one sign (positive when pos, else
 * the negative ones negated), no constant. */
tir_expr *arith_sum_part_expr(tir_analyzer *an, const arith_sum *s, bool pos);

/* ---- Signs of differences (symbolic_bound.c) ---- */

/* Bounds of a sum: its constant bound, tightened by relaxing variables
 * that have symbolic ranges (i in [0, n) makes i*4 + j - n*4 <= -1). */
tir_bound arith_sum_bound(tir_analyzer *an, const arith_sum *s);
/* Decides `a kind b` (a comparison kind) from the bounds of a - b:
 * 1 proven true, 0 proven false, -1 unknown.  Signed integers only. */
int arith_decide_cmp(tir_analyzer *an, tir_expr_kind kind, tir_expr *a, tir_expr *b);

#endif
