/* Canonical simplification: signed integer arithmetic as a sum of
 * monomials with integer coefficients, sum(coef_i * mono_i) + konst.
 *
 * requires: nothing (any expression; non-integer parts are only folded)
 * guarantees: two +, -, * expressions equal as polynomials give the same
 *   node; divisions by a constant or by a monomial are split into the part
 *   that divides exactly and a remainder that is resolved from bounds,
 *   modular sets or a gcd, else kept as an atom.
 *
 *   (a + b)*2 - b*2              ->  a*2
 *   (h + 2*1 - 3) // 1 + 1       ->  h
 *   (h - 1) // 2 + 1             ->  (h + 1) // 2
 *   floormod(n*8 + 3, 4)         ->  3
 *   (n*h*w) // (h*w)             ->  n            (h, w >= 1)
 *   floordiv(x, 4)*4 + x % 4     ->  x
 *   x - floordiv(x, 4)*4         ->  x % 4
 *
 * Output form: terms of higher degree first, then in tir_expr_compare
 * order (variables by creation); the constant coefficient on the right
 * (n*4); positive terms, then negative ones subtracted, then the constant:
 * h + p*2 - k - 1.  Atoms (min, max, select, loads, calls, casts, divisions
 * that stay) have canonical operands; those of min, max, && and || are in
 * tir_expr_compare order with a constant last, so min(y, x) == min(x, y).
 *
 * Sums are temporaries in the analyzer's scratch arena. */
#include <stdlib.h>

#include "arith.h"

/* Past this many terms a product is not expanded (kept as an atom). */
#define SUM_MAX_TERMS 64

bool arith_is_sum_type(tir_type t)
{
	return !t.handle && t.lanes == 1 && sb_dtype_is_signed_int(t.dtype);
}

/* ---- Monomials: left-deep Mul chains of atoms in compare order ---- */

static int mono_degree(const tir_expr *m)
{
	return m->kind == TIR_MUL ? mono_degree(m->ops[0]) + mono_degree(m->ops[1]) : 1;
}

static int mono_atoms(tir_expr *m, tir_expr **out, int cap)
{
	if (m->kind != TIR_MUL) {
		if (cap < 1)
			return -1;
		out[0] = m;
		return 1;
	}
	int a = mono_atoms(m->ops[0], out, cap);
	if (a < 0)
		return -1;
	int b = mono_atoms(m->ops[1], out + a, cap - a);
	return b < 0 ? -1 : a + b;
}

#define MONO_MAX_ATOMS 32
/* Nesting of the divmod folds (each may fold a sum it made). */
#define FOLD_MAX_DEPTH 16

static tir_expr *mono_build(tir_ctx *ctx, tir_expr **atoms, int n)
{
	tir_expr *m = atoms[0];
	for (int i = 1; i < n; i++)
		m = tir_mul(ctx, m, atoms[i]);
	return m;
}

/* The product of two monomials, or NULL if it would be too long. */
static tir_expr *mono_mul(tir_ctx *ctx, tir_expr *a, tir_expr *b)
{
	tir_expr *xa[MONO_MAX_ATOMS], *xb[MONO_MAX_ATOMS], *out[MONO_MAX_ATOMS] = {0};
	int na = mono_atoms(a, xa, MONO_MAX_ATOMS), nb = mono_atoms(b, xb, MONO_MAX_ATOMS);
	if (na < 0 || nb < 0 || na + nb > MONO_MAX_ATOMS)
		return NULL;
	int i = 0, j = 0, n = 0;
	while (i < na || j < nb) {
		if (j == nb || (i < na && tir_expr_compare(xa[i], xb[j]) <= 0))
			out[n++] = xa[i++];
		else
			out[n++] = xb[j++];
	}
	return mono_build(ctx, out, n);
}

/* m / d as a monomial when d's atoms are a sub-multiset of m's: sets *q
 * (NULL when the quotient is 1) and returns true. */
static bool mono_div(tir_ctx *ctx, tir_expr *m, tir_expr *d, tir_expr **q)
{
	tir_expr *xm[MONO_MAX_ATOMS], *xd[MONO_MAX_ATOMS], *out[MONO_MAX_ATOMS];
	int nm = mono_atoms(m, xm, MONO_MAX_ATOMS), nd = mono_atoms(d, xd, MONO_MAX_ATOMS);
	if (nm < 0 || nd < 0)
		return false;
	int i = 0, j = 0, n = 0;
	while (i < nm) {
		if (j < nd && xm[i] == xd[j]) {
			i++;
			j++;
		} else {
			out[n++] = xm[i++];
		}
	}
	if (j != nd)
		return false;
	*q = n ? mono_build(ctx, out, n) : NULL;
	return true;
}

static int term_order(const tir_expr *a, const tir_expr *b)
{
	int da = mono_degree(a), db = mono_degree(b);
	if (da != db)
		return db - da;
	return tir_expr_compare(a, b);
}

/* ---- Sums ---- */

static arith_sum *sum_new(tir_analyzer *an, tir_type t, int cap)
{
	arith_sum *s = SB_ARENA_NEW(&an->scratch, arith_sum);
	s->type = t;
	s->terms = SB_ARENA_ARRAY(&an->scratch, arith_term, cap > 0 ? cap : 1);
	return s;
}

static arith_sum *sum_const(tir_analyzer *an, tir_type t, int64_t k)
{
	arith_sum *s = sum_new(an, t, 0);
	s->konst = k;
	return s;
}

static arith_sum *sum_atom(tir_analyzer *an, tir_expr *atom, int64_t coef)
{
	if (atom->kind == TIR_INT_IMM) {
		int64_t v;
		return __builtin_mul_overflow(atom->u.int_value, coef, &v)
			   ? NULL
			   : sum_const(an, atom->type, v);
	}
	arith_sum *s = sum_new(an, atom->type, 1);
	if (coef) {
		s->terms[0] = (arith_term){atom, coef};
		s->n = 1;
	}
	return s;
}

static arith_sum *sum_fold_divmod(tir_analyzer *an, arith_sum *s);

/* s, or NULL if a coefficient does not fit s's dtype (int32 sums must not
 * make an int32 constant 2^31). */
static arith_sum *sum_checked(arith_sum *s)
{
	if (s->type.dtype == SB_I64)
		return s;
	if (!arith_fits(s->type, s->konst))
		return NULL;
	for (int i = 0; i < s->n; i++) {
		if (!arith_fits(s->type, s->terms[i].coef))
			return NULL;
	}
	return s;
}

/* a + sign*b (sign is 1 or -1); NULL on overflow. */
static arith_sum *sum_add(tir_analyzer *an, const arith_sum *a, const arith_sum *b, int sign)
{
	arith_sum *s = sum_new(an, a->type, a->n + b->n);
	int i = 0, j = 0;
	while (i < a->n || j < b->n) {
		int c = i == a->n   ? 1
			: j == b->n ? -1
				    : term_order(a->terms[i].mono, b->terms[j].mono);
		int64_t coef;
		tir_expr *mono;
		if (c < 0) {
			mono = a->terms[i].mono;
			coef = a->terms[i++].coef;
		} else {
			int64_t bc;
			if (__builtin_mul_overflow(b->terms[j].coef, (int64_t)sign, &bc))
				return NULL;
			mono = b->terms[j++].mono;
			coef = bc;
			if (c == 0 && __builtin_add_overflow(a->terms[i++].coef, bc, &coef))
				return NULL;
		}
		if (coef)
			s->terms[s->n++] = (arith_term){mono, coef};
	}
	int64_t bk;
	if (__builtin_mul_overflow(b->konst, (int64_t)sign, &bk) ||
	    __builtin_add_overflow(a->konst, bk, &s->konst) || !sum_checked(s))
		return NULL;
	return sum_fold_divmod(an, s);
}

static arith_sum *sum_scale(tir_analyzer *an, const arith_sum *a, int64_t c)
{
	if (c == 0)
		return sum_const(an, a->type, 0);
	arith_sum *s = sum_new(an, a->type, a->n);
	for (int i = 0; i < a->n; i++) {
		s->terms[i].mono = a->terms[i].mono;
		if (__builtin_mul_overflow(a->terms[i].coef, c, &s->terms[i].coef))
			return NULL;
	}
	s->n = a->n;
	if (__builtin_mul_overflow(a->konst, c, &s->konst))
		return NULL;
	return sum_checked(s);
}

static arith_sum *sum_add_const(tir_analyzer *an, const arith_sum *a, int64_t k)
{
	return sum_add(an, a, sum_const(an, a->type, k), 1);
}

static arith_sum *sum_mul(tir_analyzer *an, const arith_sum *a, const arith_sum *b)
{
	if (!a->n)
		return sum_scale(an, b, a->konst);
	if (!b->n)
		return sum_scale(an, a, b->konst);
	if ((a->n + 1) * (b->n + 1) > SUM_MAX_TERMS)
		return NULL;
	arith_sum *acc = sum_scale(an, b, a->konst);
	for (int i = 0; acc && i < a->n; i++) {
		const arith_term *ta = &a->terms[i];
		/* ta * b: each term's mono times ta's, and b's constant */
		arith_sum *part = sum_new(an, a->type, b->n + 1);
		for (int j = 0; j < b->n; j++) {
			tir_expr *m = mono_mul(an->ctx, ta->mono, b->terms[j].mono);
			int64_t c;
			if (!m || __builtin_mul_overflow(ta->coef, b->terms[j].coef, &c))
				return NULL;
			arith_sum *one = sum_atom(an, m, c);
			part = one ? sum_add(an, part, one, 1) : NULL;
			if (!part)
				return NULL;
		}
		arith_sum *kpart = sum_atom(an, ta->mono, 1);
		kpart = kpart ? sum_scale(an, kpart, ta->coef) : NULL;
		kpart = kpart ? sum_scale(an, kpart, b->konst) : NULL;
		if (!kpart)
			return NULL;
		part = sum_add(an, part, kpart, 1);
		acc = part ? sum_add(an, acc, part, 1) : NULL;
	}
	return acc;
}

/* ---- Back to an expression ---- */

static tir_expr *term_expr(tir_ctx *ctx, tir_expr *mono, int64_t coef)
{
	return coef == 1 ? mono : tir_mul(ctx, mono, tir_imm_int(ctx, mono->type, coef));
}

tir_expr *arith_sum_to_expr(tir_analyzer *an, const arith_sum *s)
{
	tir_ctx *ctx = an->ctx;
	tir_type t = s->type;
	tir_expr *acc = NULL;
	int64_t k = s->konst;
	for (int i = 0; i < s->n; i++) {
		if (s->terms[i].coef > 0) {
			tir_expr *te = term_expr(ctx, s->terms[i].mono, s->terms[i].coef);
			acc = acc ? tir_add(ctx, acc, te) : te;
		}
	}
	for (int i = 0; i < s->n; i++) {
		int64_t c = s->terms[i].coef;
		if (c > 0)
			continue;
		if (!acc && k > 0) { /* 5 - n rather than n*-1 + 5 */
			acc = tir_imm_int(ctx, t, k);
			k = 0;
		}
		if (!acc || c == INT64_MIN) {
			tir_expr *te = term_expr(ctx, s->terms[i].mono, c);
			acc = acc ? tir_add(ctx, acc, te) : te;
		} else {
			acc = tir_sub(ctx, acc, term_expr(ctx, s->terms[i].mono, -c));
		}
	}
	if (!acc)
		return tir_imm_int(ctx, t, k);
	if (k > 0 || k == INT64_MIN)
		acc = tir_add(ctx, acc, tir_imm_int(ctx, t, k));
	else if (k < 0)
		acc = tir_sub(ctx, acc, tir_imm_int(ctx, t, -k));
	return acc;
}

tir_expr *arith_sum_part_expr(tir_analyzer *an, const arith_sum *s, bool pos)
{
	arith_sum *p = sum_new(an, s->type, s->n);
	for (int i = 0; i < s->n; i++) {
		int64_t c = s->terms[i].coef;
		if ((c > 0) == pos && c != INT64_MIN)
			p->terms[p->n++] = (arith_term){s->terms[i].mono, pos ? c : -c};
	}
	return arith_sum_to_expr(an, p);
}

/* ---- Division ---- */

static arith_sum *div_atom(tir_analyzer *an, tir_expr_kind kind, const arith_sum *a, tir_expr *b)
{
	tir_expr *num = arith_sum_to_expr(an, a);
	return sum_atom(an, tir_binary(an->ctx, kind, num, b), 1);
}

static bool is_floor(tir_expr_kind k)
{
	return k == TIR_FLOOR_DIV || k == TIR_FLOOR_MOD;
}
static bool is_div(tir_expr_kind k)
{
	return k == TIR_FLOOR_DIV || k == TIR_DIV;
}

static arith_sum *divmod_const(tir_analyzer *an, tir_expr_kind kind, const arith_sum *a, int64_t c);

/* a // c (floor) for c > 0 where a's constant is in [0, c). */
static arith_sum *floordiv_rest(tir_analyzer *an, const arith_sum *r, int64_t c)
{
	tir_ctx *ctx = an->ctx;
	if (!r->n)
		return sum_const(an, r->type, 0);
	tir_bound b = arith_sum_bound(an, r);
	if (b.min != TIR_NEG_INF && b.max != TIR_POS_INF &&
	    arith_floordiv(b.min, c) == arith_floordiv(b.max, c))
		return sum_const(an, r->type, arith_floordiv(b.min, c));
	/* floordiv(g*z + r0, g*d) == floordiv(z, d) for 0 <= r0 < g */
	int64_t g = c;
	for (int i = 0; i < r->n; i++)
		g = arith_gcd(g, r->terms[i].coef);
	if (g > 1) {
		arith_sum *z = sum_new(an, r->type, r->n);
		for (int i = 0; i < r->n; i++)
			z->terms[z->n++] = (arith_term){r->terms[i].mono, r->terms[i].coef / g};
		z->konst = arith_floordiv(r->konst, g);
		return divmod_const(an, TIR_FLOOR_DIV, z, c / g);
	}
	/* floordiv(floordiv(x, c1), c) == floordiv(x, c1*c) for c1, c > 0 */
	int64_t c1, cc;
	if (r->n == 1 && r->konst == 0 && r->terms[0].coef == 1 &&
	    r->terms[0].mono->kind == TIR_FLOOR_DIV &&
	    tir_expr_is_int_imm(r->terms[0].mono->ops[1], &c1) && c1 > 0 &&
	    !__builtin_mul_overflow(c1, c, &cc)) {
		arith_sum *x = arith_sum_of(an, r->terms[0].mono->ops[0]);
		return divmod_const(an, TIR_FLOOR_DIV, x, cc);
	}
	return div_atom(an, TIR_FLOOR_DIV, r, tir_imm_int(ctx, r->type, c));
}

/* a % c (floor) for c > 0 where a's constant is in [0, c). */
static arith_sum *floormod_rest(tir_analyzer *an, const arith_sum *r, int64_t c)
{
	tir_ctx *ctx = an->ctx;
	if (!r->n)
		return sum_const(an, r->type, r->konst);
	tir_bound b = arith_sum_bound(an, r);
	if (b.min != TIR_NEG_INF && b.max != TIR_POS_INF &&
	    arith_floordiv(b.min, c) == arith_floordiv(b.max, c)) {
		int64_t shift;
		if (!__builtin_mul_overflow(arith_floordiv(b.min, c), c, &shift))
			return sum_add_const(an, r, -shift);
	}
	tir_modset ms = arith_modular_set(an, arith_sum_to_expr(an, r));
	if (ms.coeff % c == 0)
		return sum_const(an, r->type, arith_floormod(ms.base, c));
	/* floormod(g*z + r0, g*d) == g*floormod(z, d) + r0 for 0 <= r0 < g */
	int64_t g = c;
	for (int i = 0; i < r->n; i++)
		g = arith_gcd(g, r->terms[i].coef);
	if (g > 1) {
		arith_sum *z = sum_new(an, r->type, r->n);
		for (int i = 0; i < r->n; i++)
			z->terms[z->n++] = (arith_term){r->terms[i].mono, r->terms[i].coef / g};
		z->konst = arith_floordiv(r->konst, g);
		arith_sum *m = divmod_const(an, TIR_FLOOR_MOD, z, c / g);
		m = m ? sum_scale(an, m, g) : NULL;
		return m ? sum_add_const(an, m, arith_floormod(r->konst, g)) : NULL;
	}
	/* floormod(floormod(x, c1), c) == floormod(x, c) when c divides c1 */
	int64_t c1;
	if (r->n == 1 && r->konst == 0 && r->terms[0].coef == 1 &&
	    r->terms[0].mono->kind == TIR_FLOOR_MOD &&
	    tir_expr_is_int_imm(r->terms[0].mono->ops[1], &c1) && c1 > 0 && c1 % c == 0) {
		arith_sum *x = arith_sum_of(an, r->terms[0].mono->ops[0]);
		return divmod_const(an, TIR_FLOOR_MOD, x, c);
	}
	return div_atom(an, TIR_FLOOR_MOD, r, tir_imm_int(ctx, r->type, c));
}

/* a op c for a constant c; NULL on overflow (the caller keeps an atom). */
static arith_sum *divmod_const(tir_analyzer *an, tir_expr_kind kind, const arith_sum *a, int64_t c)
{
	tir_ctx *ctx = an->ctx;
	if (!a)
		return NULL;
	if (c == 0) /* undefined: keep the division and its run-time error */
		return div_atom(an, kind, a, tir_imm_int(ctx, a->type, 0));
	if (c == -1) /* every rounding: x / -1 == -x, remainder 0 */
		return is_div(kind) ? sum_scale(an, a, -1) : sum_const(an, a->type, 0);
	bool exact = a->konst % c == 0;
	for (int i = 0; i < a->n && exact; i++)
		exact = a->terms[i].coef % c == 0;
	if (exact) {
		/* Exact: both roundings agree. */
		if (!is_div(kind))
			return sum_const(an, a->type, 0);
		arith_sum *q = sum_new(an, a->type, a->n);
		for (int i = 0; i < a->n; i++)
			q->terms[q->n++] = (arith_term){a->terms[i].mono, a->terms[i].coef / c};
		q->konst = a->konst / c;
		return q;
	}
	if (!is_floor(kind)) {
		/* Truncation is flooring for a non-negative dividend and c > 0. */
		if (c < 0 || arith_sum_bound(an, a).min < 0)
			return div_atom(an, kind, a, tir_imm_int(ctx, a->type, c));
		kind = kind == TIR_DIV ? TIR_FLOOR_DIV : TIR_FLOOR_MOD;
	}
	if (c < 0) {
		if (c == INT64_MIN)
			return NULL;
		/* floordiv(a, c) == floordiv(-a, -c); floormod(a, c) == -floormod(-a, -c) */
		arith_sum *na = sum_scale(an, a, -1);
		arith_sum *r = na ? divmod_const(an, kind, na, -c) : NULL;
		return (r && kind == TIR_FLOOR_MOD) ? sum_scale(an, r, -1) : r;
	}
	/* Split a = c*q + r: the terms (and the part of the constant) that c
	 * divides leave the division. */
	arith_sum *q = sum_new(an, a->type, a->n), *r = sum_new(an, a->type, a->n);
	for (int i = 0; i < a->n; i++) {
		const arith_term *t = &a->terms[i];
		if (t->coef % c == 0)
			q->terms[q->n++] = (arith_term){t->mono, t->coef / c};
		else
			r->terms[r->n++] = *t;
	}
	q->konst = arith_floordiv(a->konst, c);
	r->konst = arith_floormod(a->konst, c);
	if (kind == TIR_FLOOR_MOD)
		return floormod_rest(an, r, c);
	arith_sum *d = floordiv_rest(an, r, c);
	return d ? sum_add(an, q, d, 1) : NULL;
}

static bool bound_excludes_zero(tir_bound b)
{
	return b.min > 0 || b.max < 0;
}

/* a op b where b is one term (m*M, no constant) that is provably non-zero. */
static arith_sum *divmod_mono(tir_analyzer *an, tir_expr_kind kind, const arith_sum *a,
			      const arith_sum *b)
{
	tir_ctx *ctx = an->ctx;
	tir_expr *bexpr = arith_sum_to_expr(an, b);
	tir_bound bb = arith_sum_bound(an, b);
	if (!bound_excludes_zero(bb))
		return div_atom(an, kind, a, bexpr);
	int64_t m = b->terms[0].coef;
	tir_expr *bm = b->terms[0].mono;
	arith_sum *q = sum_new(an, a->type, a->n), *r = sum_new(an, a->type, a->n);
	r->konst = a->konst;
	for (int i = 0; i < a->n; i++) {
		const arith_term *t = &a->terms[i];
		tir_expr *qm;
		if (t->coef % m == 0 && mono_div(ctx, t->mono, bm, &qm)) {
			int64_t qc = t->coef / m;
			arith_sum *one = qm ? sum_atom(an, qm, qc) : sum_const(an, a->type, qc);
			q = sum_add(an, q, one, 1);
			if (!q)
				return NULL;
		} else {
			r->terms[r->n++] = *t;
		}
	}
	if (!r->n && !r->konst) /* exact: every rounding agrees */
		return is_div(kind) ? q : sum_const(an, a->type, 0);
	if (!is_floor(kind)) {
		if (bb.min <= 0 || arith_sum_bound(an, a).min < 0)
			return div_atom(an, kind, a, bexpr);
		kind = kind == TIR_DIV ? TIR_FLOOR_DIV : TIR_FLOOR_MOD;
	}
	/* 0 <= r < b (b > 0): the remainder is r, the quotient q. */
	if (bb.min > 0 && arith_sum_bound(an, r).min >= 0) {
		arith_sum *rb = sum_add(an, r, b, -1);
		if (rb && arith_sum_bound(an, rb).max < 0)
			return is_div(kind) ? q : r;
	}
	if (kind == TIR_FLOOR_MOD)
		return div_atom(an, kind, r, bexpr);
	arith_sum *d = div_atom(an, kind, r, bexpr);
	return d ? sum_add(an, q, d, 1) : NULL;
}

/* What splitting a loop and fusing it back leaves behind, for either
 * rounding (c != 0):
 *   floordiv(x, c)*c*k + floormod(x, c)*k  ==  x*k
 *   x*k - floordiv(x, c)*c*k               ==  floormod(x, c)*k
 * The second is applied only when x*k's terms are there to cancel (the
 * sum gets shorter), so that it never grows a sum. */
static arith_sum *sum_fold_divmod(tir_analyzer *an, arith_sum *s)
{
	if (!s || s->n < 2 || an->rec_depth >= FOLD_MAX_DEPTH)
		return s;
	for (int i = 0; i < s->n; i++) {
		tir_expr *atom = s->terms[i].mono;
		int64_t c, k = s->terms[i].coef, kc;
		bool is_mod = atom->kind == TIR_FLOOR_MOD || atom->kind == TIR_MOD;
		bool is_quot = atom->kind == TIR_FLOOR_DIV || atom->kind == TIR_DIV;
		if ((!is_mod && !is_quot) || !tir_expr_is_int_imm(atom->ops[1], &c) || c == 0 ||
		    c == -1)
			continue;
		bool floor = atom->kind == TIR_FLOOR_MOD || atom->kind == TIR_FLOOR_DIV;
		arith_sum *x = arith_sum_of(an, atom->ops[0]);
		arith_sum *rest = sum_new(an, s->type, s->n);
		for (int t = 0; t < s->n; t++) {
			if (t != i)
				rest->terms[rest->n++] = s->terms[t];
		}
		rest->konst = s->konst;
		arith_sum *r = NULL;
		an->rec_depth++;
		if (is_mod && !__builtin_mul_overflow(k, c, &kc)) {
			tir_expr *div = tir_binary(an->ctx, floor ? TIR_FLOOR_DIV : TIR_DIV,
						   atom->ops[0], atom->ops[1]);
			for (int j = 0; j < rest->n; j++) {
				if (rest->terms[j].mono != div || rest->terms[j].coef != kc)
					continue;
				memmove(&rest->terms[j], &rest->terms[j + 1],
					sizeof(arith_term) * (size_t)(rest->n - j - 1));
				rest->n--;
				arith_sum *xk = sum_scale(an, x, k);
				r = xk ? sum_add(an, rest, xk, 1) : NULL;
				break;
			}
		} else if (is_quot && k % c == 0) {
			int64_t kk = -(k / c);
			arith_sum *xk = sum_scale(an, x, kk);
			arith_sum *t = xk ? sum_add(an, rest, xk, -1) : NULL;
			if (t && t->n + 1 < s->n) {
				arith_sum *m =
				    divmod_const(an, floor ? TIR_FLOOR_MOD : TIR_MOD, x, c);
				m = m ? sum_scale(an, m, kk) : NULL;
				r = m ? sum_add(an, t, m, 1) : NULL;
			}
		}
		an->rec_depth--;
		if (r)
			return r;
	}
	return s;
}

arith_sum *arith_sum_replace_term(tir_analyzer *an, const arith_sum *s, int i, tir_expr *with)
{
	arith_sum *rest = sum_new(an, s->type, s->n);
	for (int t = 0; t < s->n; t++) {
		if (t != i)
			rest->terms[rest->n++] = s->terms[t];
	}
	rest->konst = s->konst;
	arith_sum *w = arith_sum_of(an, with);
	w = w ? sum_scale(an, w, s->terms[i].coef) : NULL;
	return w ? sum_add(an, rest, w, 1) : NULL;
}

/* ---- Expression -> sum ---- */

static bool operand_after(const tir_expr *a, const tir_expr *b)
{
	bool ca = a->kind == TIR_INT_IMM || a->kind == TIR_FLOAT_IMM;
	bool cb = b->kind == TIR_INT_IMM || b->kind == TIR_FLOAT_IMM;
	if (ca != cb)
		return ca;
	return tir_expr_compare(a, b) > 0;
}

static tir_expr *rebuild_canonical(tir_analyzer *an, tir_expr *e)
{
	if (!e->nops)
		return e;
	tir_expr *small[4], **ops = e->nops <= 4 ? small : sb_xmalloc(e->nops * sizeof *ops);
	for (uint32_t i = 0; i < e->nops; i++)
		ops[i] = arith_canonical(an, e->ops[i]);
	/* min(y, x) and min(x, y) are one atom: operands of commutative atoms
	 * in compare order, a constant last (where rewrite rules put it). */
	if ((e->kind == TIR_MIN || e->kind == TIR_MAX || e->kind == TIR_AND || e->kind == TIR_OR) &&
	    operand_after(ops[0], ops[1])) {
		tir_expr *t = ops[0];
		ops[0] = ops[1];
		ops[1] = t;
	}
	tir_expr *r = tir_expr_rebuild(an->ctx, e, ops);
	if (ops != small)
		free(ops);
	tir_expr *f = arith_fold(an->ctx, r);
	return f ? f : r;
}

static arith_sum *sum_compute(tir_analyzer *an, tir_expr *e)
{
	tir_expr *const *o = e->ops;
	arith_sum *a, *b;
	switch (e->kind) {
	case TIR_INT_IMM:
		return sum_const(an, e->type, e->u.int_value);
	case TIR_ADD:
	case TIR_SUB:
	case TIR_MUL:
		if (!tir_type_equal(o[0]->type, o[1]->type))
			return NULL;
		a = arith_sum_of(an, o[0]);
		b = arith_sum_of(an, o[1]);
		if (e->kind == TIR_MUL)
			return sum_mul(an, a, b);
		return sum_add(an, a, b, e->kind == TIR_ADD ? 1 : -1);
	case TIR_DIV:
	case TIR_MOD:
	case TIR_FLOOR_DIV:
	case TIR_FLOOR_MOD:
		if (!tir_type_equal(o[0]->type, o[1]->type))
			return NULL;
		a = arith_sum_of(an, o[0]);
		b = arith_sum_of(an, o[1]);
		if (!b->n)
			return divmod_const(an, e->kind, a, b->konst);
		if (b->n == 1 && !b->konst)
			return divmod_mono(an, e->kind, a, b);
		return div_atom(an, e->kind, a, arith_sum_to_expr(an, b));
	default:
		return NULL;
	}
}

arith_sum *arith_sum_of(tir_analyzer *an, tir_expr *e)
{
	if (!arith_is_sum_type(e->type))
		return NULL;
	void *hit;
	if (sb_map_get(&an->sum_memo, (uintptr_t)e, &hit))
		return hit;
	arith_sum *s = sum_compute(an, e);
	if (!s) {
		/* Not arithmetic, or it overflowed: an atom with canonical
		 * operands. */
		tir_expr *atom = rebuild_canonical(an, e);
		s = sum_atom(an, atom, 1);
		if (!s)
			s = sum_new(an, e->type, 0); /* unreachable: coef 1 never overflows */
	}
	sb_map_put(&an->sum_memo, (uintptr_t)e, s);
	return s;
}

arith_sum *arith_sum_diff(tir_analyzer *an, tir_expr *a, tir_expr *b)
{
	if (!arith_is_sum_type(a->type) || !tir_type_equal(a->type, b->type))
		return NULL;
	return sum_add(an, arith_sum_of(an, a), arith_sum_of(an, b), -1);
}

tir_expr *arith_canonical(tir_analyzer *an, tir_expr *e)
{
	void *hit;
	if (sb_map_get(&an->canon_memo, (uintptr_t)e, &hit))
		return hit;
	tir_expr *r = arith_is_sum_type(e->type) ? arith_sum_to_expr(an, arith_sum_of(an, e))
						 : rebuild_canonical(an, e);
	sb_map_put(&an->canon_memo, (uintptr_t)e, r);
	return r;
}
