/* tir/arith: constant bounds, modular sets, rewrite and canonical
 * simplification, and the prover, on the identities a shape compiler
 * meets -- and on the ones it must not claim.
 *
 * Expected forms are written by hand.  Where a test checks that a
 * simplification keeps the meaning, it evaluates both expressions at every
 * point of a small grid with an evaluator written here (floor division by
 * floor() on doubles, so it does not share code with the library). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tir/tir.h"

static tir_ctx *C;
static tir_analyzer *A;

static int setup(void **state)
{
	C = tir_ctx_new();
	A = tir_analyzer_new(C);
	return 0;
}

static int teardown(void **state)
{
	tir_analyzer_free(A);
	tir_ctx_free(C);
	return 0;
}

/* ---- Builders ---- */

static tir_expr *V(const char *name)
{
	return tir_var(C, name, TIR_INDEX_TYPE);
}
static tir_expr *S(const char *name)
{
	return tir_shape_var(C, name);
}
#define I(v) tir_int(C, (v))
#define ADD(a, b) tir_add(C, (a), (b))
#define SUB(a, b) tir_sub(C, (a), (b))
#define MUL(a, b) tir_mul(C, (a), (b))
#define FDIV(a, b) tir_floordiv(C, (a), (b))
#define FMOD(a, b) tir_floormod(C, (a), (b))
#define TDIV(a, b) tir_div(C, (a), (b))
#define TMOD(a, b) tir_mod(C, (a), (b))
#define EMIN(a, b) tir_min(C, (a), (b))
#define EMAX(a, b) tir_max(C, (a), (b))
#define LT(a, b) tir_lt(C, (a), (b))
#define LE(a, b) tir_le(C, (a), (b))
#define GT(a, b) tir_gt(C, (a), (b))
#define GE(a, b) tir_ge(C, (a), (b))
#define EQ(a, b) tir_eq(C, (a), (b))
#define NE(a, b) tir_ne(C, (a), (b))
#define AND(a, b) tir_and(C, (a), (b))
#define OR(a, b) tir_or(C, (a), (b))
#define NOT(a) tir_not(C, (a))
#define SEL(c, t, f) tir_select(C, (c), (t), (f))

static tir_expr *simp(tir_expr *e)
{
	return tir_simplify(C, A, e);
}
static bool prove(tir_expr *cond)
{
	return tir_can_prove(C, A, cond);
}

/* ---- Assertions ---- */

#define assert_expr_eq(got, want) assert_expr_eq_((got), (want), __FILE__, __LINE__)
static void assert_expr_eq_(const tir_expr *got, const tir_expr *want, const char *file, int line)
{
	if (got == want)
		return;
	char *g = tir_expr_to_string(got), *w = tir_expr_to_string(want);
	print_error("got '%s', want '%s'\n", g, w);
	free(g);
	free(w);
	_fail(file, line);
}

#define assert_prints(e, want) assert_prints_((e), (want), __FILE__, __LINE__)
static void assert_prints_(const tir_expr *e, const char *want, const char *file, int line)
{
	char *got = tir_expr_to_string(e);
	if (strcmp(got, want)) {
		print_error("printed '%s', want '%s'\n", got, want);
		free(got);
		_fail(file, line);
	}
	free(got);
}

#define assert_const(e, v) assert_const_((e), (v), __FILE__, __LINE__)
static void assert_const_(const tir_expr *e, int64_t v, const char *file, int line)
{
	if (e->kind == TIR_INT_IMM && e->u.int_value == v)
		return;
	char *g = tir_expr_to_string(e);
	print_error("got '%s', want the constant %lld\n", g, (long long)v);
	free(g);
	_fail(file, line);
}

/* ---- An independent evaluator ---- */

typedef struct dom {
	tir_expr *var;
	int64_t lo, hi; /* inclusive */
} dom;

static int64_t floor_div(int64_t a, int64_t b)
{
	return (int64_t)floor((double)a / (double)b);
}

/* false where e is undefined (division by zero) */
static bool eval(const tir_expr *e, int n, const dom *d, const int64_t *val, int64_t *out)
{
	int64_t x[3] = {0, 0, 0};
	if (e->kind == TIR_INT_IMM) {
		*out = e->u.int_value;
		return true;
	}
	if (e->kind == TIR_VAR) {
		for (int i = 0; i < n; i++) {
			if (d[i].var == e) {
				*out = val[i];
				return true;
			}
		}
		fail_msg("unbound variable %s", e->u.var.name);
	}
	for (uint32_t i = 0; i < e->nops; i++) {
		if (!eval(e->ops[i], n, d, val, &x[i]))
			return false;
	}
	int64_t a = x[0], b = x[1];
	switch (e->kind) {
	case TIR_ADD:
		*out = a + b;
		break;
	case TIR_SUB:
		*out = a - b;
		break;
	case TIR_MUL:
		*out = a * b;
		break;
	case TIR_DIV:
		if (!b)
			return false;
		*out = a / b;
		break;
	case TIR_MOD:
		if (!b)
			return false;
		*out = a % b;
		break;
	case TIR_FLOOR_DIV:
		if (!b)
			return false;
		*out = floor_div(a, b);
		break;
	case TIR_FLOOR_MOD:
		if (!b)
			return false;
		*out = a - b * floor_div(a, b);
		break;
	case TIR_MIN:
		*out = a < b ? a : b;
		break;
	case TIR_MAX:
		*out = a > b ? a : b;
		break;
	case TIR_EQ:
		*out = a == b;
		break;
	case TIR_NE:
		*out = a != b;
		break;
	case TIR_LT:
		*out = a < b;
		break;
	case TIR_LE:
		*out = a <= b;
		break;
	case TIR_GT:
		*out = a > b;
		break;
	case TIR_GE:
		*out = a >= b;
		break;
	case TIR_AND:
		*out = a && b;
		break;
	case TIR_OR:
		*out = a || b;
		break;
	case TIR_NOT:
		*out = !a;
		break;
	case TIR_SELECT:
		*out = a ? x[1] : x[2];
		break;
	case TIR_CAST:
		*out = a;
		break;
	default:
		fail_msg("eval: unexpected kind %s", tir_expr_table[e->kind].name);
	}
	return true;
}

/* Every grid point: where `orig` is defined, `other` is too and agrees. */
static void check_same_meaning(const tir_expr *orig, const tir_expr *other, int n, const dom *d)
{
	int64_t val[8];
	for (int i = 0; i < n; i++)
		val[i] = d[i].lo;
	for (;;) {
		int64_t x, y;
		if (eval(orig, n, d, val, &x)) {
			if (!eval(other, n, d, val, &y) || x != y) {
				char *s1 = tir_expr_to_string(orig),
				     *s2 = tir_expr_to_string(other);
				print_error("'%s' = %lld but '%s' differs at", s1, (long long)x,
					    s2);
				for (int i = 0; i < n; i++)
					print_error(" %s=%lld", d[i].var->u.var.name,
						    (long long)val[i]);
				print_error("\n");
				free(s1);
				free(s2);
				fail();
			}
		}
		int k = 0;
		while (k < n && val[k] == d[k].hi)
			val[k] = d[k].lo, k++;
		if (k == n)
			break;
		val[k]++;
	}
}

/* Checks that simplify kept e's meaning on the grid, returns the result. */
static tir_expr *simp_checked(tir_expr *e, int n, const dom *d)
{
	tir_expr *s = simp(e);
	check_same_meaning(e, s, n, d);
	return s;
}

/* ==== Constant folding: the semantics of the four divisions ==== */

static void test_fold_arith(void **state)
{
	assert_const(simp(SUB(MUL(ADD(I(3), I(4)), I(2)), I(5))), 9);
	assert_const(simp(EMIN(I(3), I(-2))), -2);
	assert_const(simp(EMAX(I(3), I(-2))), 3);
}

static void test_fold_floordiv_negative(void **state)
{
	assert_const(simp(FDIV(I(-7), I(2))), -4);
	assert_const(simp(FDIV(I(7), I(-2))), -4);
	assert_const(simp(FDIV(I(-7), I(-2))), 3);
}

static void test_fold_floormod_negative(void **state)
{
	assert_const(simp(FMOD(I(-7), I(2))), 1);
	assert_const(simp(FMOD(I(7), I(-2))), -1);
	assert_const(simp(FMOD(I(-7), I(-2))), -1);
}

static void test_fold_truncdiv_truncmod_negative(void **state)
{
	assert_const(simp(TDIV(I(-7), I(2))), -3);
	assert_const(simp(TMOD(I(-7), I(2))), -1);
	assert_const(simp(TDIV(I(7), I(-2))), -3);
	assert_const(simp(TMOD(I(7), I(-2))), 1);
}

static void test_fold_division_table(void **state)
{
	for (int64_t a = -9; a <= 9; a++) {
		for (int64_t b = -4; b <= 4; b++) {
			if (!b)
				continue;
			int64_t fd = (int64_t)floor((double)a / (double)b);
			assert_const(simp(FDIV(I(a), I(b))), fd);
			assert_const(simp(FMOD(I(a), I(b))), a - b * fd);
			assert_const(simp(TDIV(I(a), I(b))), (int64_t)trunc((double)a / (double)b));
			assert_const(simp(TMOD(I(a), I(b))),
				     a - b * (int64_t)trunc((double)a / (double)b));
		}
	}
}

static void test_fold_keeps_division_by_zero(void **state)
{
	tir_expr *e = FDIV(I(5), I(0));
	assert_expr_eq(simp(e), e);
	tir_expr *x = V("x"), *m = TMOD(x, I(0));
	assert_expr_eq(simp(m), m);
}

static void test_fold_keeps_overflow(void **state)
{
	tir_type i32 = tir_type_scalar(SB_I32);
	tir_expr *big = ADD(tir_imm_int(C, i32, INT32_MAX), tir_imm_int(C, i32, 1));
	assert_int_equal(simp(big)->kind, TIR_ADD);
	tir_expr *huge = ADD(I(INT64_MAX), I(1));
	assert_int_equal(simp(huge)->kind, TIR_ADD);
	assert_expr_eq(simp(ADD(tir_imm_int(C, i32, 2), tir_imm_int(C, i32, 3))),
		       tir_imm_int(C, i32, 5));
}

static void test_fold_float(void **state)
{
	tir_expr *e = simp(ADD(tir_f32(C, 1.5), tir_f32(C, 2.25)));
	assert_int_equal(e->kind, TIR_FLOAT_IMM);
	assert_true(e->u.float_value == 3.75);
	/* folded in float32, as the kernel would compute it */
	tir_expr *s = simp(ADD(tir_f32(C, 0.1), tir_f32(C, 0.2)));
	assert_true(s->u.float_value == (double)((float)0.1 + (float)0.2));
	assert_const(simp(LT(tir_f32(C, 1.0), tir_f32(C, 2.0))), 1);
}

static void test_fold_cast(void **state)
{
	tir_type i32 = tir_type_scalar(SB_I32), f32 = tir_type_scalar(SB_F32);
	assert_expr_eq(simp(tir_cast(C, i32, I(5))), tir_imm_int(C, i32, 5));
	tir_expr *too_big = tir_cast(C, i32, I(300000000000LL));
	assert_int_equal(simp(too_big)->kind, TIR_CAST);
	assert_expr_eq(simp(tir_cast(C, f32, I(3))), tir_f32(C, 3.0));
	assert_const(simp(tir_cast(C, TIR_INDEX_TYPE, tir_f32(C, 2.7))), 2);
	assert_const(simp(tir_cast(C, TIR_INDEX_TYPE, tir_f32(C, -2.7))), -2);
	assert_expr_eq(simp(tir_cast(C, TIR_BOOL_TYPE, I(7))), tir_bool(C, true));
	tir_expr *x = V("x");
	assert_expr_eq(simp(tir_cast(C, TIR_INDEX_TYPE, x)), x);
}

static void test_fold_logic_and_compare(void **state)
{
	assert_const(simp(LT(I(3), I(4))), 1);
	assert_const(simp(GE(I(3), I(4))), 0);
	assert_const(simp(AND(tir_bool(C, true), tir_bool(C, false))), 0);
	assert_const(simp(OR(tir_bool(C, true), tir_bool(C, false))), 1);
	assert_const(simp(NOT(tir_bool(C, false))), 1);
}

/* ==== Rewrite identities ==== */

static void test_add_zero(void **state)
{
	tir_expr *x = V("x");
	assert_expr_eq(simp(ADD(x, I(0))), x);
	assert_expr_eq(simp(ADD(I(0), x)), x);
	assert_expr_eq(simp(SUB(x, I(0))), x);
}

static void test_mul_one_zero(void **state)
{
	tir_expr *x = V("x");
	assert_expr_eq(simp(MUL(x, I(1))), x);
	assert_expr_eq(simp(MUL(I(1), x)), x);
	assert_const(simp(MUL(x, I(0))), 0);
	assert_const(simp(MUL(I(0), x)), 0);
}

static void test_sub_self(void **state)
{
	tir_expr *x = V("x"), *y = V("y");
	assert_const(simp(SUB(x, x)), 0);
	assert_const(simp(SUB(ADD(x, y), ADD(y, x))), 0);
	assert_expr_eq(simp(SUB(ADD(x, y), y)), x);
	assert_expr_eq(simp(SUB(ADD(x, y), x)), y);
}

static void test_constant_offsets_combine(void **state)
{
	tir_expr *x = V("x");
	assert_prints(simp(ADD(ADD(x, I(3)), I(4))), "x + 7");
	assert_prints(simp(ADD(SUB(x, I(3)), I(1))), "x - 2");
	assert_prints(simp(SUB(ADD(x, I(3)), I(5))), "x - 2");
	assert_expr_eq(simp(SUB(ADD(x, I(3)), I(3))), x);
	assert_prints(simp(ADD(I(3), x)), "x + 3");
}

static void test_constant_factors_combine(void **state)
{
	tir_expr *x = V("x");
	assert_expr_eq(simp(MUL(MUL(x, I(2)), I(3))), MUL(x, I(6)));
	assert_expr_eq(simp(MUL(I(4), x)), MUL(x, I(4)));
}

static void test_div_by_one(void **state)
{
	tir_expr *x = V("x");
	assert_expr_eq(simp(FDIV(x, I(1))), x);
	assert_const(simp(FMOD(x, I(1))), 0);
	assert_expr_eq(simp(TDIV(x, I(1))), x);
	assert_const(simp(TMOD(x, I(1))), 0);
}

static void test_div_by_minus_one(void **state)
{
	tir_expr *x = V("x");
	dom d[] = {{x, -5, 5}};
	assert_expr_eq(simp_checked(FDIV(x, I(-1)), 1, d), simp(SUB(I(0), x)));
	assert_const(simp(FMOD(x, I(-1))), 0);
}

/* ==== Division and modulo by constants ==== */

static void test_mul_floordiv_same_const(void **state)
{
	tir_expr *n = S("n");
	assert_expr_eq(simp(FDIV(MUL(n, I(4)), I(4))), n);
	assert_true(prove(EQ(FDIV(MUL(n, I(4)), I(4)), n)));
	tir_expr *x = V("x"); /* any sign: exact division */
	assert_expr_eq(simp(FDIV(MUL(x, I(4)), I(4))), x);
	assert_expr_eq(simp(TDIV(MUL(x, I(4)), I(4))), x);
}

static void test_mul_floordiv_multiple(void **state)
{
	tir_expr *n = V("n");
	assert_expr_eq(simp(FDIV(MUL(n, I(8)), I(4))), MUL(n, I(2)));
	assert_const(simp(FMOD(MUL(n, I(8)), I(4))), 0);
	/* 4n // 8 == n // 2: the gcd comes out */
	dom d[] = {{n, -9, 9}};
	assert_prints(simp_checked(FDIV(MUL(n, I(4)), I(8)), 1, d), "n // 2");
	assert_prints(simp_checked(FMOD(MUL(n, I(4)), I(8)), 1, d), "n % 2 * 4");
}

static void test_floormod_fixed_remainder(void **state)
{
	tir_expr *n = V("n");
	assert_const(simp(FMOD(ADD(MUL(n, I(8)), I(3)), I(4))), 3);
	assert_true(prove(EQ(FMOD(ADD(MUL(n, I(8)), I(3)), I(4)), I(3))));
	assert_const(simp(FMOD(SUB(MUL(n, I(8)), I(3)), I(4))), 1); /* -3 mod 4 */
	assert_const(simp(FMOD(ADD(MUL(n, I(6)), MUL(S("m"), I(9))), I(3))), 0);
}

static void test_floormod_not_fixed(void **state)
{
	tir_expr *n = V("n");
	dom d[] = {{n, -10, 10}};
	/* 8n + 3 mod 16 depends on n's parity: 8*(n % 2) + 3 */
	tir_expr *e = FMOD(ADD(MUL(n, I(8)), I(3)), I(16));
	tir_expr *s = simp_checked(e, 1, d);
	assert_prints(s, "n % 2 * 8 + 3");
	assert_false(prove(EQ(e, I(3))));
}

static void test_floordiv_splits_multiple(void **state)
{
	tir_expr *i = V("i"), *j = V("j");
	dom d[] = {{i, -4, 4}, {j, -9, 9}};
	/* (4i + j) // 4 == i + j // 4 for floor division, whatever the signs */
	assert_prints(simp_checked(FDIV(ADD(MUL(i, I(4)), j), I(4)), 2, d), "i + j // 4");
	assert_prints(simp_checked(FMOD(ADD(MUL(i, I(4)), j), I(4)), 2, d), "j % 4");
}

static void test_floordiv_index_in_range(void **state)
{
	tir_expr *i = V("i"), *j = V("j"), *n = S("n");
	tir_analyzer_bind_range(A, i, I(0), n);
	tir_analyzer_bind_range(A, j, I(0), I(4));
	tir_expr *flat = ADD(MUL(i, I(4)), j);
	assert_expr_eq(simp(FDIV(flat, I(4))), i);
	assert_expr_eq(simp(FMOD(flat, I(4))), j);
	assert_const(simp(FDIV(j, I(4))), 0);
	assert_expr_eq(simp(FMOD(j, I(4))), j);
}

static void test_floordiv_constant_part(void **state)
{
	tir_expr *x = V("x");
	dom d[] = {{x, -12, 12}};
	/* the quotient of the constant leaves: (x + 5) // 4 == (x + 1) // 4 + 1 */
	assert_prints(simp_checked(FDIV(ADD(x, I(5)), I(4)), 1, d), "(x + 1) // 4 + 1");
	assert_prints(simp_checked(FMOD(ADD(x, I(5)), I(4)), 1, d), "(x + 1) % 4");
	/* ceil-division stays readable */
	assert_prints(simp_checked(FDIV(ADD(x, I(3)), I(4)), 1, d), "(x + 3) // 4");
}

static void test_floordiv_gcd(void **state)
{
	tir_expr *x = V("x");
	dom d[] = {{x, -12, 12}};
	/* (2x + 1) // 4 == x // 2, floormod(2x + 1, 4) == 2*(x % 2) + 1 */
	assert_prints(simp_checked(FDIV(ADD(MUL(x, I(2)), I(1)), I(4)), 1, d), "x // 2");
	assert_prints(simp_checked(FMOD(ADD(MUL(x, I(2)), I(1)), I(4)), 1, d), "x % 2 * 2 + 1");
	assert_expr_eq(simp_checked(FDIV(ADD(MUL(x, I(2)), I(1)), I(2)), 1, d), x);
	assert_const(simp_checked(FMOD(ADD(MUL(x, I(2)), I(1)), I(2)), 1, d), 1);
}

static void test_floordiv_nested(void **state)
{
	tir_expr *x = V("x");
	dom d[] = {{x, -30, 30}};
	assert_expr_eq(simp_checked(FDIV(FDIV(x, I(2)), I(3)), 1, d), FDIV(x, I(6)));
	assert_expr_eq(simp_checked(FMOD(FMOD(x, I(8)), I(4)), 1, d), FMOD(x, I(4)));
	/* 4 does not divide 6: floormod(floormod(x, 6), 4) stays two steps */
	tir_expr *keep = FMOD(FMOD(x, I(6)), I(4));
	assert_expr_eq(simp_checked(keep, 1, d), keep);
}

static void test_split_fuse_roundtrip(void **state)
{
	tir_expr *x = V("x"), *y = V("y");
	assert_expr_eq(simp(ADD(MUL(FDIV(x, I(4)), I(4)), FMOD(x, I(4)))), x);
	assert_expr_eq(simp(ADD(FMOD(x, I(4)), MUL(FDIV(x, I(4)), I(4)))), x);
	assert_expr_eq(simp(ADD(MUL(TDIV(x, I(4)), I(4)), TMOD(x, I(4)))), x);
	/* inside a bigger sum, with a common factor */
	tir_expr *e = ADD(MUL(ADD(MUL(FDIV(x, I(8)), I(8)), FMOD(x, I(8))), I(3)), y);
	assert_expr_eq(simp(e), simp(ADD(MUL(x, I(3)), y)));
	/* x - (x // 4)*4 is the remainder */
	assert_expr_eq(simp(SUB(x, MUL(FDIV(x, I(4)), I(4)))), FMOD(x, I(4)));
}

static void test_truncdiv_needs_sign(void **state)
{
	tir_expr *i = V("i"), *j = V("j");
	dom d[] = {{i, -4, 4}, {j, -9, 9}};
	/* truncdiv(4i + j, 4) != i + truncdiv(j, 4) when signs differ (i=1, j=-1) */
	tir_expr *e = TDIV(ADD(MUL(i, I(4)), j), I(4));
	tir_expr *s = simp_checked(e, 2, d);
	assert_int_equal(s->kind, TIR_DIV);
	assert_false(prove(EQ(e, ADD(i, TDIV(j, I(4))))));
	tir_expr *m = TMOD(ADD(MUL(i, I(2)), I(1)), I(2));
	assert_int_not_equal(simp_checked(m, 2, d)->kind, TIR_INT_IMM);
}

static void test_truncdiv_nonnegative_is_floordiv(void **state)
{
	tir_expr *i = V("i"), *j = V("j");
	tir_analyzer_bind(A, i, 0, 100);
	tir_analyzer_bind_range(A, j, I(0), I(4));
	assert_expr_eq(simp(TDIV(ADD(MUL(i, I(4)), j), I(4))), i);
	assert_expr_eq(simp(TMOD(ADD(MUL(i, I(4)), j), I(4))), j);
	assert_const(simp(TMOD(ADD(MUL(i, I(2)), I(1)), I(2))), 1);
	assert_true(prove(EQ(TDIV(i, I(2)), FDIV(i, I(2)))));
}

static void test_truncdiv_vs_floordiv_differ(void **state)
{
	tir_expr *x = V("x");
	assert_false(prove(EQ(TDIV(x, I(2)), FDIV(x, I(2)))));
	assert_false(prove(EQ(TMOD(x, I(2)), FMOD(x, I(2)))));
	/* the C identity holds for truncation too */
	assert_true(prove(EQ(ADD(MUL(TDIV(x, I(2)), I(2)), TMOD(x, I(2))), x)));
	/* and at a negative constant they differ by one */
	assert_const(simp(SUB(TDIV(I(-7), I(2)), FDIV(I(-7), I(2)))), 1);
}

static void test_floormod_of_negative_offsets(void **state)
{
	tir_expr *x = V("x");
	dom d[] = {{x, -10, 10}};
	tir_expr *e = FMOD(SUB(x, I(1)), I(3));
	tir_expr *s = simp_checked(e, 1, d);
	assert_prints(s, "(x + 2) % 3");
	assert_true(prove(GE(e, I(0))));
	assert_true(prove(LT(e, I(3))));
}

/* ==== Shape formulas ==== */

static void test_conv_same_padding(void **state)
{
	tir_expr *h = S("h");
	/* (h + 2*pad - k) // stride + 1 with pad 1, k 3, stride 1 */
	tir_expr *out = ADD(FDIV(SUB(ADD(h, MUL(I(2), I(1))), I(3)), I(1)), I(1));
	assert_expr_eq(simp(out), h);
	assert_true(prove(EQ(out, h)));
}

static void test_conv_stride2(void **state)
{
	tir_expr *h = S("h");
	tir_expr *out = ADD(FDIV(SUB(ADD(h, MUL(I(2), I(1))), I(3)), I(2)), I(1));
	dom d[] = {{h, 0, 40}};
	assert_prints(simp_checked(out, 1, d), "(h + 1) // 2");
	/* ResNet's stem: 7x7, pad 3, stride 2 gives the same */
	tir_expr *stem = ADD(FDIV(SUB(ADD(h, I(6)), I(7)), I(2)), I(1));
	assert_expr_eq(simp(stem), simp(out));
}

static void test_pool_output(void **state)
{
	tir_expr *h = S("h");
	/* 2x2 pool, stride 2, no padding: (h - 2) // 2 + 1 == h // 2 */
	tir_expr *out = ADD(FDIV(SUB(h, I(2)), I(2)), I(1));
	dom d[] = {{h, 0, 30}};
	assert_expr_eq(simp_checked(out, 1, d), FDIV(h, I(2)));
}

static void test_conv_symbolic_params(void **state)
{
	tir_expr *h = S("h"), *p = S("p"), *k = S("k");
	tir_expr *out = ADD(FDIV(SUB(ADD(h, MUL(I(2), p)), k), I(1)), I(1));
	tir_expr *s = simp(out);
	assert_prints(s, "h + p * 2 - k + 1");
	/* any other spelling of the same polynomial gives the same node */
	assert_expr_eq(simp(SUB(ADD(ADD(p, I(1)), ADD(h, p)), k)), s);
}

static void test_flatten_unflatten(void **state)
{
	tir_expr *n = S("n"), *h = S("h"), *w = S("w");
	tir_analyzer_bind(A, h, 1, TIR_POS_INF);
	tir_analyzer_bind(A, w, 1, TIR_POS_INF);
	tir_expr *e = FDIV(MUL(MUL(n, h), w), MUL(h, w));
	assert_expr_eq(simp(e), n);
	assert_true(prove(EQ(e, n)));
	assert_const(simp(FMOD(MUL(MUL(n, h), w), MUL(h, w))), 0);
	/* the factors in another order */
	assert_expr_eq(simp(FDIV(MUL(w, MUL(h, n)), MUL(w, h))), n);
}

static void test_flatten_divisor_may_be_zero(void **state)
{
	tir_expr *n = S("n"), *h = S("h"), *w = S("w"); /* shape vars: >= 0, maybe 0 */
	tir_expr *e = FDIV(MUL(MUL(n, h), w), MUL(h, w));
	tir_expr *s = simp(e);
	assert_int_equal(s->kind, TIR_FLOOR_DIV);
	assert_false(prove(EQ(e, n)));
}

static void test_reshape_element_count(void **state)
{
	/* [n, 3, h, w] -> [n, 3*h*w]: the element counts agree */
	tir_expr *n = S("n"), *h = S("h"), *w = S("w");
	tir_expr *a = MUL(MUL(MUL(n, I(3)), h), w);
	tir_expr *b = MUL(n, MUL(MUL(I(3), h), w));
	assert_true(tir_can_prove_equal(C, A, a, b));
	assert_false(tir_can_prove_equal(C, A, a, MUL(n, MUL(h, w))));
}

static void test_concat_extent(void **state)
{
	tir_expr *n = S("n"), *m = S("m");
	/* slicing [0, n) and [n, n + m) of a concat of n and m rows */
	tir_expr *total = ADD(n, m);
	assert_true(prove(EQ(SUB(total, n), m)));
	assert_true(prove(LE(n, total)));
	assert_false(prove(LT(n, total))); /* m may be 0 */
}

/* ==== Canonical form ==== */

static void test_terms_reordered(void **state)
{
	tir_expr *a = V("a"), *b = V("b"), *c = V("c");
	tir_expr *l = ADD(MUL(a, b), c), *r = ADD(c, MUL(b, a));
	assert_expr_eq(simp(l), simp(r));
	assert_true(prove(EQ(l, r)));
	assert_expr_eq(tir_canonical_simplify(C, A, l), tir_canonical_simplify(C, A, r));
}

static void test_distribute_and_cancel(void **state)
{
	tir_expr *a = V("a"), *b = V("b");
	tir_expr *e = SUB(MUL(ADD(a, b), I(2)), MUL(I(2), b));
	assert_expr_eq(simp(e), MUL(a, I(2)));
	assert_true(prove(EQ(e, MUL(I(2), a))));
}

static void test_difference_of_squares(void **state)
{
	tir_expr *a = V("a"), *b = V("b");
	tir_expr *l = MUL(ADD(a, b), SUB(a, b)), *r = SUB(MUL(a, a), MUL(b, b));
	assert_expr_eq(simp(l), simp(r));
	assert_prints(simp(l), "a * a - b * b");
}

static void test_square_expansion(void **state)
{
	tir_expr *x = V("x");
	tir_expr *e = MUL(ADD(x, I(1)), ADD(x, I(1)));
	dom d[] = {{x, -5, 5}};
	assert_prints(simp_checked(e, 1, d), "x * x + x * 2 + 1");
}

static void test_like_terms(void **state)
{
	tir_expr *a = V("a"), *y = V("y");
	assert_expr_eq(simp(ADD(MUL(a, I(3)), MUL(a, I(4)))), MUL(a, I(7)));
	assert_expr_eq(simp(ADD(SUB(MUL(y, I(2)), MUL(y, I(2))), a)), a);
	assert_expr_eq(simp(ADD(ADD(a, a), a)), MUL(a, I(3)));
}

static void test_nested_subtraction(void **state)
{
	tir_expr *a = V("a"), *b = V("b"), *c = V("c");
	assert_expr_eq(simp(SUB(a, SUB(b, c))), simp(SUB(ADD(a, c), b)));
	assert_prints(simp(SUB(a, SUB(b, c))), "a + c - b");
}

static void test_negative_forms(void **state)
{
	tir_expr *n = V("n");
	assert_prints(simp(SUB(I(5), n)), "5 - n");
	assert_prints(simp(SUB(SUB(I(0), n), I(3))), "n * -1 - 3");
	assert_prints(simp(SUB(I(2), MUL(n, I(3)))), "2 - n * 3");
}

static void test_canonical_idempotent(void **state)
{
	tir_expr *x = V("x"), *y = V("y"), *n = S("n");
	tir_expr *es[] = {
	    SUB(MUL(ADD(x, y), I(3)), ADD(y, I(7))), FDIV(ADD(MUL(x, I(6)), I(5)), I(4)),
	    FMOD(ADD(MUL(x, I(2)), I(1)), I(4)),     SUB(I(5), MUL(n, ADD(x, I(2)))),
	    ADD(EMIN(x, y), MUL(EMAX(y, x), I(2))),  MUL(ADD(x, I(1)), SUB(y, I(1))),
	};
	for (size_t i = 0; i < SB_ARRAY_LEN(es); i++) {
		tir_expr *once = tir_canonical_simplify(C, A, es[i]);
		assert_expr_eq(tir_canonical_simplify(C, A, once), once);
		tir_expr *s = simp(es[i]);
		assert_expr_eq(simp(s), s);
	}
}

static void test_canonical_alone_leaves_min(void **state)
{
	tir_expr *n = V("n");
	/* canonical_simplify normalizes sums (and orders the operands of a
	 * commutative atom: a variable before a sum) but is no min/max rule
	 * engine */
	tir_expr *e = EMIN(ADD(I(1), n), n);
	assert_expr_eq(tir_canonical_simplify(C, A, e), EMIN(n, ADD(n, I(1))));
	assert_expr_eq(tir_simplify(C, A, e), n);
}

static void test_rewrite_alone(void **state)
{
	tir_expr *x = V("x"), *y = V("y");
	/* local rules only: no reordering of a sum */
	tir_expr *e = ADD(ADD(x, y), SUB(I(0), y));
	tir_expr *r = tir_rewrite_simplify(C, A, e);
	assert_int_equal(r->kind, TIR_ADD);
	assert_expr_eq(tir_simplify(C, A, e), x);
	assert_expr_eq(tir_rewrite_simplify(C, A, ADD(MUL(x, I(1)), I(0))), x);
}

/* ==== min / max ==== */

static void test_min_offset(void **state)
{
	tir_expr *n = V("n");
	assert_expr_eq(simp(EMIN(n, ADD(n, I(1)))), n);
	assert_true(prove(EQ(EMIN(n, ADD(n, I(1))), n)));
	assert_expr_eq(simp(EMAX(n, ADD(n, I(1)))), ADD(n, I(1)));
	assert_expr_eq(simp(EMAX(ADD(n, I(3)), SUB(n, I(2)))), ADD(n, I(3)));
	assert_expr_eq(simp(EMIN(MUL(n, I(4)), ADD(MUL(n, I(4)), I(2)))), MUL(n, I(4)));
}

static void test_min_same(void **state)
{
	tir_expr *x = V("x"), *f = tir_var(C, "f", tir_type_scalar(SB_F32));
	assert_expr_eq(simp(EMIN(x, x)), x);
	assert_expr_eq(simp(EMAX(f, f)), f);
}

static void test_min_unknown_order(void **state)
{
	tir_expr *a = V("a"), *b = V("b");
	tir_expr *m = EMIN(a, b);
	assert_expr_eq(simp(m), m);
	assert_false(prove(EQ(m, a)));
	assert_false(prove(EQ(m, b)));
	assert_true(prove(LE(m, a)));
	assert_true(prove(GE(EMAX(a, b), b)));
}

static void test_min_with_bounds(void **state)
{
	tir_expr *a = V("a"), *b = V("b");
	tir_analyzer_bind(A, a, 0, 3);
	tir_analyzer_bind(A, b, 5, 9);
	assert_expr_eq(simp(EMIN(a, b)), a);
	assert_expr_eq(simp(EMAX(a, b)), b);
	assert_true(prove(EQ(EMIN(a, b), a)));
}

static void test_min_constant_right(void **state)
{
	tir_expr *x = V("x");
	assert_expr_eq(simp(EMIN(I(5), x)), EMIN(x, I(5)));
	assert_expr_eq(simp(EMIN(EMIN(x, I(5)), I(3))), EMIN(x, I(3)));
	assert_expr_eq(simp(EMAX(EMAX(x, I(2)), I(7))), EMAX(x, I(7)));
	assert_expr_eq(simp(EMIN(EMIN(x, I(2)), I(7))), EMIN(x, I(2)));
}

static void test_min_max_absorb(void **state)
{
	tir_expr *x = V("x"), *y = V("y");
	assert_expr_eq(simp(EMIN(EMAX(x, y), x)), x);
	assert_expr_eq(simp(EMAX(EMIN(x, y), x)), x);
	assert_expr_eq(simp(EMIN(x, EMAX(y, x))), x);
	assert_expr_eq(simp(EMIN(EMIN(x, y), x)), EMIN(x, y));
}

static void test_min_loop_var(void **state)
{
	tir_expr *i = V("i"), *n = S("n");
	tir_analyzer_bind_range(A, i, I(0), n);
	assert_expr_eq(simp(EMIN(i, n)), i);
	assert_expr_eq(simp(EMAX(i, n)), n);
	assert_expr_eq(simp(EMIN(ADD(i, I(1)), n)), ADD(i, I(1)));
	tir_expr *keep = EMIN(n, ADD(i, I(2))); /* i + 2 may pass n */
	assert_expr_eq(simp(keep), keep);
	assert_expr_eq(simp(EMIN(ADD(i, I(2)), n)), keep);
}

static void test_min_shape_var_zero(void **state)
{
	tir_expr *n = S("n");
	assert_const(simp(EMIN(n, I(0))), 0);
	assert_expr_eq(simp(EMAX(n, I(0))), n);
	tir_expr *x = V("x");
	assert_expr_eq(simp(EMAX(x, I(0))), EMAX(x, I(0)));
}

static void test_minmax_meaning(void **state)
{
	tir_expr *x = V("x"), *y = V("y");
	dom d[] = {{x, -6, 6}, {y, -6, 6}};
	simp_checked(EMIN(ADD(x, I(2)), ADD(x, y)), 2, d);
	simp_checked(EMAX(EMIN(x, y), EMIN(y, I(3))), 2, d);
	simp_checked(SUB(EMIN(x, y), EMIN(y, x)), 2, d);
	assert_const(simp(SUB(EMIN(x, y), EMIN(y, x))), 0);
}

/* ==== Comparisons ==== */

static void test_cmp_offset_false(void **state)
{
	tir_expr *n = V("n");
	tir_expr *e = LE(ADD(n, I(1)), n);
	assert_const(simp(e), 0);
	assert_false(prove(e));
	assert_true(prove(NOT(e)));
	assert_true(prove(LT(n, ADD(n, I(1)))));
}

static void test_cmp_offsets_decided(void **state)
{
	tir_expr *x = V("x");
	assert_const(simp(LT(ADD(x, I(1)), ADD(x, I(3)))), 1);
	assert_const(simp(GE(ADD(x, I(1)), ADD(x, I(3)))), 0);
	assert_const(simp(EQ(ADD(x, I(2)), ADD(I(2), x))), 1);
	assert_const(simp(NE(SUB(x, I(1)), x)), 1);
}

static void test_cmp_normal_form(void **state)
{
	tir_expr *x = V("x"), *y = V("y");
	dom d[] = {{x, -6, 6}, {y, -6, 6}};
	assert_prints(simp_checked(LT(ADD(x, I(2)), ADD(y, I(5))), 2, d), "x < y + 3");
	assert_prints(simp_checked(GE(SUB(x, y), I(1)), 2, d), "x >= y + 1");
	assert_prints(simp_checked(LT(I(4), SUB(I(1), x)), 2, d), "x < -3");
}

static void test_cmp_gcd(void **state)
{
	tir_expr *x = V("x"), *y = V("y");
	dom d[] = {{x, -6, 6}, {y, -6, 6}};
	assert_prints(simp_checked(EQ(MUL(x, I(2)), I(4)), 2, d), "x == 2");
	assert_const(simp(EQ(MUL(x, I(2)), I(3))), 0);
	assert_const(simp(NE(MUL(x, I(2)), I(3))), 1);
	assert_prints(simp_checked(LT(MUL(x, I(2)), I(5)), 2, d), "x < 3");
	assert_prints(simp_checked(LE(MUL(x, I(2)), I(5)), 2, d), "x <= 2");
	assert_prints(simp_checked(GT(MUL(x, I(2)), I(5)), 2, d), "x > 2");
	assert_prints(simp_checked(GE(MUL(x, I(2)), I(5)), 2, d), "x >= 3");
	simp_checked(LT(MUL(x, I(3)), ADD(MUL(y, I(6)), I(4))), 2, d);
	simp_checked(GE(MUL(x, I(-2)), SUB(MUL(y, I(4)), I(3))), 2, d);
}

static void test_cmp_modular(void **state)
{
	tir_expr *n = V("n"), *m = V("m");
	assert_true(prove(NE(MUL(n, I(4)), ADD(MUL(n, I(4)), I(2)))));
	assert_true(prove(NE(MUL(n, I(4)), ADD(MUL(m, I(4)), I(2)))));
	assert_false(prove(NE(MUL(n, I(4)), ADD(MUL(m, I(2)), I(2)))));
}

static void test_flat_index_in_bounds(void **state)
{
	tir_expr *i = V("i"), *j = V("j"), *n = S("n");
	tir_analyzer_bind_range(A, i, I(0), n);
	tir_analyzer_bind_range(A, j, I(0), I(4));
	tir_expr *idx = ADD(MUL(i, I(4)), j);
	assert_true(prove(LT(idx, MUL(n, I(4)))));
	assert_true(prove(GE(idx, I(0))));
	assert_true(prove(LE(idx, SUB(MUL(n, I(4)), I(1)))));
	assert_false(prove(LT(idx, SUB(MUL(n, I(4)), I(1)))));
	assert_const(simp(LT(idx, MUL(n, I(4)))), 1);
}

static void test_flat_index_unbounded(void **state)
{
	tir_expr *i = V("i"), *j = V("j"), *n = S("n");
	assert_false(prove(LT(ADD(MUL(i, I(4)), j), MUL(n, I(4)))));
	tir_analyzer_bind_range(A, i, I(0), n); /* j still unknown */
	assert_false(prove(LT(ADD(MUL(i, I(4)), j), MUL(n, I(4)))));
}

static void test_loop_var_against_extent(void **state)
{
	tir_expr *i = V("i"), *n = S("n");
	tir_analyzer_bind_range(A, i, I(0), n);
	assert_true(prove(LT(i, n)));
	assert_true(prove(LE(ADD(i, I(1)), n)));
	assert_false(prove(LT(i, SUB(n, I(1)))));
	assert_false(prove(GT(i, I(0))));
	assert_true(prove(GE(i, I(0))));
}

static void test_nested_symbolic_ranges(void **state)
{
	/* j in [0, i), i in [0, n): j < n - 1 needs two relaxations */
	tir_expr *i = V("i"), *j = V("j"), *n = S("n");
	tir_analyzer_bind_range(A, i, I(0), n);
	tir_analyzer_bind_range(A, j, I(0), i);
	assert_true(prove(LT(j, i)));
	assert_true(prove(LT(j, SUB(n, I(1)))));
	assert_false(prove(LT(j, SUB(n, I(2)))));
}

static void test_tiled_index(void **state)
{
	/* io in [0, (n + 31) // 32), ii in [0, 32): io*32 + ii < n is not
	 * provable (the last tile overhangs) but io*32 + ii < n + 31 is. */
	tir_expr *io = V("io"), *ii = V("ii"), *n = S("n");
	tir_analyzer_bind_range(A, io, I(0), FDIV(ADD(n, I(31)), I(32)));
	tir_analyzer_bind_range(A, ii, I(0), I(32));
	tir_expr *idx = ADD(MUL(io, I(32)), ii);
	assert_false(prove(LT(idx, n)));
	assert_true(prove(LT(idx, ADD(n, I(32)))));
	assert_true(prove(GE(idx, I(0))));
}

static void test_shape_var_nonnegative(void **state)
{
	tir_expr *n = S("n"), *x = V("x");
	assert_true(prove(GE(n, I(0))));
	assert_false(prove(GE(n, I(1))));
	assert_false(prove(GE(x, I(0))));
	tir_analyzer_bind(A, n, 1, TIR_POS_INF);
	assert_true(prove(GE(n, I(1))));
	assert_true(prove(GT(MUL(n, I(3)), I(2))));
	assert_true(prove(NE(n, I(0))));
}

static void test_mod_ranges(void **state)
{
	tir_expr *x = V("x");
	assert_true(prove(LT(FMOD(x, I(4)), I(4))));
	assert_true(prove(GE(FMOD(x, I(4)), I(0))));
	assert_false(prove(GE(TMOD(x, I(4)), I(0))));
	assert_true(prove(GT(TMOD(x, I(4)), I(-4))));
	assert_true(prove(LE(MUL(FDIV(x, I(4)), I(4)), x)));
	assert_false(prove(EQ(MUL(FDIV(x, I(4)), I(4)), x)));
}

static void test_logic_proofs(void **state)
{
	tir_expr *i = V("i"), *n = S("n"), *x = V("x");
	tir_analyzer_bind_range(A, i, I(0), n);
	assert_true(prove(AND(GE(i, I(0)), LT(i, n))));
	assert_true(prove(OR(LT(i, I(0)), LT(i, n))));
	assert_false(prove(AND(LT(i, n), LT(x, I(0)))));
	/* x < 0 || x >= 0 */
	assert_true(prove(OR(LT(x, I(0)), GE(x, I(0)))));
	assert_false(prove(AND(LT(x, I(0)), GE(x, I(0)))));
	assert_const(simp(AND(LT(x, I(0)), GE(x, I(0)))), 0);
}

static void test_not_rules(void **state)
{
	tir_expr *x = V("x"), *y = V("y");
	tir_expr *c = LT(x, y);
	assert_expr_eq(simp(NOT(NOT(c))), c);
	assert_prints(simp(NOT(LT(x, y))), "x >= y");
	assert_prints(simp(NOT(EQ(x, y))), "x != y");
	tir_expr *f = tir_var(C, "f", tir_type_scalar(SB_F32));
	tir_expr *fc = NOT(LT(f, tir_f32(C, 1.0)));
	assert_expr_eq(simp(fc), fc); /* NaN: !(f < 1) is not f >= 1 */
}

static void test_logic_identities(void **state)
{
	tir_expr *x = V("x"), *y = V("y");
	tir_expr *c = LT(x, y), *t = tir_bool(C, true), *f = tir_bool(C, false);
	assert_expr_eq(simp(AND(c, t)), c);
	assert_const(simp(AND(c, f)), 0);
	assert_expr_eq(simp(OR(c, f)), c);
	assert_const(simp(OR(t, c)), 1);
	assert_expr_eq(simp(AND(c, c)), c);
	assert_const(simp(AND(c, NOT(c))), 0);
	assert_const(simp(OR(NOT(c), c)), 1);
}

static void test_prove_floats_never(void **state)
{
	tir_expr *f = tir_var(C, "f", tir_type_scalar(SB_F32));
	assert_false(prove(LT(f, ADD(f, tir_f32(C, 1.0)))));
	assert_false(prove(EQ(f, f))); /* NaN != NaN */
}

static void test_prove_non_bool(void **state)
{
	tir_expr *x = V("x");
	assert_false(prove(ADD(x, I(1))));
	assert_true(prove(tir_bool(C, true)));
	assert_false(prove(tir_bool(C, false)));
}

/* ==== select ==== */

static void test_select_constant(void **state)
{
	tir_expr *a = V("a"), *b = V("b");
	assert_expr_eq(simp(SEL(tir_bool(C, true), a, b)), a);
	assert_expr_eq(simp(SEL(tir_bool(C, false), a, b)), b);
	assert_expr_eq(simp(SEL(LT(I(1), I(2)), a, b)), a);
}

static void test_select_same_branches(void **state)
{
	tir_expr *a = V("a"), *x = V("x");
	assert_expr_eq(simp(SEL(LT(x, I(0)), a, a)), a);
	/* branches equal after simplification */
	assert_expr_eq(simp(SEL(LT(x, I(0)), ADD(a, I(0)), MUL(a, I(1)))), a);
}

static void test_select_proven_condition(void **state)
{
	tir_expr *i = V("i"), *n = S("n"), *a = V("a"), *b = V("b");
	tir_analyzer_bind_range(A, i, I(0), n);
	assert_expr_eq(simp(SEL(LT(i, n), a, b)), a);
	assert_expr_eq(simp(SEL(GE(i, n), a, b)), b);
	tir_expr *keep = SEL(LT(i, SUB(n, I(1))), a, b);
	assert_expr_eq(simp(keep), keep);
}

static void test_select_not_condition(void **state)
{
	tir_expr *f = tir_var(C, "f", tir_type_scalar(SB_F32)), *a = V("a"), *b = V("b");
	tir_expr *c = LT(f, tir_f32(C, 0.0));
	assert_expr_eq(simp(SEL(NOT(c), a, b)), SEL(c, b, a));
}

static void test_select_meaning(void **state)
{
	tir_expr *x = V("x"), *y = V("y");
	dom d[] = {{x, -5, 5}, {y, -5, 5}};
	simp_checked(SEL(LT(ADD(x, I(1)), y), SUB(x, y), ADD(y, I(2))), 2, d);
	simp_checked(SEL(EQ(FMOD(x, I(2)), I(0)), FDIV(x, I(2)), ADD(MUL(x, I(3)), I(1))), 2, d);
}

/* ==== Constant bounds ==== */

static void assert_bound(tir_expr *e, int64_t lo, int64_t hi)
{
	tir_bound b = tir_const_int_bound(C, A, e);
	if (b.min != lo || b.max != hi) {
		char *s = tir_expr_to_string(e);
		print_error("bound of '%s' is [%lld, %lld], want [%lld, %lld]\n", s,
			    (long long)b.min, (long long)b.max, (long long)lo, (long long)hi);
		free(s);
		fail();
	}
}

static void test_bound_flat_index(void **state)
{
	tir_expr *i = V("i"), *j = V("j"), *n = S("n");
	tir_analyzer_bind(A, n, 1, 16);
	tir_analyzer_bind_range(A, i, I(0), n);
	tir_analyzer_bind_range(A, j, I(0), I(4));
	assert_bound(i, 0, 15);
	assert_bound(ADD(MUL(i, I(4)), j), 0, 63);
	assert_bound(SUB(MUL(n, I(4)), ADD(MUL(i, I(4)), j)), 4 - 63, 64);
}

static void test_bound_flat_index_open(void **state)
{
	tir_expr *i = V("i"), *j = V("j"), *n = S("n");
	tir_analyzer_bind_range(A, i, I(0), n);
	tir_analyzer_bind_range(A, j, I(0), I(4));
	assert_bound(ADD(MUL(i, I(4)), j), 0, TIR_POS_INF);
	assert_bound(SUB(I(0), j), -3, 0);
}

static void test_bound_divisions(void **state)
{
	tir_expr *x = V("x");
	tir_analyzer_bind(A, x, -7, 9);
	assert_bound(FDIV(x, I(4)), -2, 2);
	assert_bound(TDIV(x, I(4)), -1, 2);
	assert_bound(FDIV(x, I(-4)), -3, 1);
	assert_bound(FMOD(x, I(4)), 0, 3);
	assert_bound(TMOD(x, I(4)), -3, 3);
}

static void test_bound_mod_ranges(void **state)
{
	tir_expr *x = V("x"), *y = V("y");
	assert_bound(FMOD(x, I(4)), 0, 3);
	assert_bound(FMOD(x, I(-4)), -3, 0);
	tir_analyzer_bind(A, y, 1, 2);
	assert_bound(FMOD(y, I(4)), 1, 2); /* already below 4 */
	tir_analyzer_bind(A, x, -9, 2);
	assert_bound(TMOD(x, I(4)), -3, 2);
}

static void test_bound_mul_corners(void **state)
{
	tir_expr *x = V("x"), *y = V("y");
	tir_analyzer_bind(A, x, -2, 3);
	tir_analyzer_bind(A, y, -5, 4);
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	for (int64_t a = -2; a <= 3; a++)
		for (int64_t b = -5; b <= 4; b++)
			lo = SB_MIN(lo, a * b), hi = SB_MAX(hi, a * b);
	assert_bound(MUL(x, y), lo, hi);
}

static void test_bound_div_divisor_spans_zero(void **state)
{
	tir_expr *x = V("x"), *y = V("y");
	tir_analyzer_bind(A, x, 10, 20);
	tir_analyzer_bind(A, y, -2, 5);
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	for (int64_t a = 10; a <= 20; a++) {
		for (int64_t b = -2; b <= 5; b++) {
			if (!b)
				continue; /* undefined: not part of the bound */
			int64_t q = (int64_t)floor((double)a / (double)b);
			lo = SB_MIN(lo, q), hi = SB_MAX(hi, q);
		}
	}
	assert_bound(FDIV(x, y), lo, hi);
}

static void test_bound_minmax_select(void **state)
{
	tir_expr *x = V("x"), *y = V("y");
	tir_analyzer_bind(A, x, 0, 10);
	tir_analyzer_bind(A, y, 5, 20);
	assert_bound(EMIN(x, y), 0, 10);
	assert_bound(EMAX(x, y), 5, 20);
	assert_bound(SEL(LT(x, y), x, ADD(y, I(100))), 0, 120);
	assert_bound(LT(x, y), 0, 1);
}

static void test_bound_vars_default(void **state)
{
	assert_bound(S("n"), 0, TIR_POS_INF);
	assert_bound(V("x"), TIR_NEG_INF, TIR_POS_INF);
	tir_expr *v32 = tir_var(C, "v", tir_type_scalar(SB_I32));
	assert_bound(v32, INT32_MIN, INT32_MAX);
	tir_expr *u8 = tir_var(C, "u", tir_type_scalar(SB_U8));
	assert_bound(u8, 0, 255);
}

static void test_bound_cast(void **state)
{
	tir_expr *x = V("x");
	tir_type i32 = tir_type_scalar(SB_I32);
	assert_bound(tir_cast(C, i32, x), INT32_MIN, INT32_MAX);
	tir_analyzer_bind(A, x, 0, 10);
	assert_bound(tir_cast(C, i32, x), 0, 10);
	tir_expr *f = tir_var(C, "f", tir_type_scalar(SB_F32));
	assert_bound(tir_cast(C, tir_type_scalar(SB_I8), f), INT8_MIN, INT8_MAX);
}

static void test_bound_vectors(void **state)
{
	tir_expr *i = V("i");
	tir_analyzer_bind(A, i, 0, 3);
	assert_bound(tir_ramp(C, MUL(i, I(8)), I(1), 8), 0, 31);
	assert_bound(tir_broadcast(C, i, 4), 0, 3);
}

/* The bound of e contains e's value at every point of the grid. */
static void check_bound_sound(tir_expr *e, int n, const dom *d)
{
	tir_bound b = tir_const_int_bound(C, A, e);
	int64_t val[8];
	for (int i = 0; i < n; i++)
		val[i] = d[i].lo;
	for (;;) {
		int64_t x;
		if (eval(e, n, d, val, &x) && (x < b.min || x > b.max)) {
			char *s = tir_expr_to_string(e);
			print_error("'%s' = %lld outside [%lld, %lld]\n", s, (long long)x,
				    (long long)b.min, (long long)b.max);
			free(s);
			fail();
		}
		int k = 0;
		while (k < n && val[k] == d[k].hi)
			val[k] = d[k].lo, k++;
		if (k == n)
			break;
		val[k]++;
	}
}

static void test_bound_soundness_grid(void **state)
{
	tir_expr *x = V("x"), *y = V("y");
	tir_analyzer_bind(A, x, -7, 6);
	tir_analyzer_bind(A, y, -3, 5);
	dom d[] = {{x, -7, 6}, {y, -3, 5}};
	tir_expr *es[] = {
	    ADD(MUL(x, y), I(3)),
	    SUB(x, MUL(y, I(-3))),
	    FDIV(x, y),
	    FMOD(x, y),
	    TDIV(x, y),
	    TMOD(x, y),
	    FDIV(ADD(x, I(7)), I(-3)),
	    FMOD(MUL(x, y), I(5)),
	    EMIN(MUL(x, I(2)), SUB(y, x)),
	    EMAX(FDIV(x, I(2)), y),
	    SEL(LT(x, y), x, MUL(y, y)),
	    TMOD(SUB(x, I(20)), I(6)),
	};
	for (size_t i = 0; i < SB_ARRAY_LEN(es); i++)
		check_bound_sound(es[i], 2, d);
}

/* ==== Modular sets ==== */

static void assert_modset(tir_expr *e, int64_t coeff, int64_t base)
{
	tir_modset m = tir_modular_set(C, A, e);
	if (m.coeff != coeff || m.base != base) {
		char *s = tir_expr_to_string(e);
		print_error("modular set of '%s' is %lld*k + %lld, want %lld*k + %lld\n", s,
			    (long long)m.coeff, (long long)m.base, (long long)coeff,
			    (long long)base);
		free(s);
		fail();
	}
}

static void test_modset_linear(void **state)
{
	tir_expr *n = V("n"), *m = V("m");
	assert_modset(ADD(MUL(n, I(8)), I(3)), 8, 3);
	assert_modset(SUB(MUL(n, I(8)), I(3)), 8, 5);
	assert_modset(ADD(MUL(n, I(4)), MUL(m, I(6))), 2, 0);
	assert_modset(I(7), 0, 7);
	assert_modset(n, 1, 0);
}

static void test_modset_mul_and_div(void **state)
{
	tir_expr *n = V("n"), *m = V("m");
	assert_modset(MUL(MUL(n, I(4)), MUL(m, I(6))), 24, 0);
	assert_modset(MUL(ADD(MUL(n, I(4)), I(1)), I(3)), 12, 3);
	assert_modset(FDIV(ADD(MUL(n, I(8)), I(4)), I(4)), 2, 1);
	assert_modset(FMOD(ADD(MUL(n, I(6)), I(1)), I(4)), 2, 1);
	assert_modset(FMOD(ADD(MUL(n, I(8)), I(5)), I(4)), 0, 1);
}

static void test_modset_union(void **state)
{
	tir_expr *n = V("n"), *m = V("m");
	assert_modset(EMIN(ADD(MUL(n, I(4)), I(1)), ADD(MUL(m, I(6)), I(3))), 2, 1);
	assert_modset(SEL(LT(n, m), MUL(n, I(8)), ADD(MUL(m, I(4)), I(4))), 4, 0);
}

static void test_modset_soundness(void **state)
{
	tir_expr *x = V("x"), *y = V("y");
	dom d[] = {{x, -8, 8}, {y, -8, 8}};
	tir_expr *es[] = {
	    ADD(MUL(x, I(6)), MUL(y, I(9))),
	    FDIV(ADD(MUL(x, I(12)), I(6)), I(3)),
	    MUL(ADD(MUL(x, I(2)), I(1)), ADD(MUL(y, I(4)), I(2))),
	    FMOD(ADD(MUL(x, I(10)), I(3)), I(4)),
	};
	for (size_t i = 0; i < SB_ARRAY_LEN(es); i++) {
		tir_modset m = tir_modular_set(C, A, es[i]);
		int64_t val[2];
		for (val[0] = -8; val[0] <= 8; val[0]++) {
			for (val[1] = -8; val[1] <= 8; val[1]++) {
				int64_t v;
				assert_true(eval(es[i], 2, d, val, &v));
				if (m.coeff == 0)
					assert_int_equal(v, m.base);
				else
					assert_int_equal(v - m.coeff * floor_div(v, m.coeff),
							 m.base);
			}
		}
	}
}

/* ==== The analyzer's scopes and facts ==== */

static void test_bind_constant_var(void **state)
{
	tir_expr *n = S("n");
	size_t mark = tir_analyzer_mark(A);
	tir_analyzer_bind(A, n, 5, 5);
	assert_const(simp(ADD(n, I(1))), 6);
	tir_analyzer_restore(A, mark);
	assert_expr_eq(simp(ADD(n, I(1))), ADD(n, I(1)));
}

static void test_scopes_shadow_and_restore(void **state)
{
	tir_expr *x = V("x");
	tir_analyzer_bind(A, x, 0, 100);
	size_t mark = tir_analyzer_mark(A);
	tir_analyzer_bind(A, x, 0, 3);
	assert_const(simp(FDIV(x, I(4))), 0);
	tir_analyzer_restore(A, mark);
	assert_int_equal(simp(FDIV(x, I(4)))->kind, TIR_FLOOR_DIV);
	assert_true(prove(GE(x, I(0))));
}

static void test_assume_condition(void **state)
{
	tir_expr *x = V("x"), *i = V("i"), *n = S("n");
	size_t mark = tir_analyzer_mark(A);
	tir_analyzer_assume(A, AND(GE(x, I(3)), LT(i, n)));
	assert_true(prove(GT(x, I(2))));
	assert_true(prove(LT(i, n)));
	assert_true(prove(LE(i, SUB(n, I(1)))));
	tir_analyzer_restore(A, mark);
	assert_false(prove(GT(x, I(2))));
	assert_false(prove(LT(i, n)));
}

static void test_assume_fact(void **state)
{
	tir_expr *x = V("x"), *y = V("y");
	tir_expr *c = EQ(FMOD(ADD(x, y), I(3)), I(1));
	tir_analyzer_assume(A, c);
	assert_true(prove(c));
}

static void test_null_analyzer(void **state)
{
	tir_expr *n = S("n"), *x = V("x");
	assert_true(tir_can_prove(C, NULL, GE(n, I(0))));
	assert_false(tir_can_prove(C, NULL, GE(x, I(0))));
	assert_expr_eq(tir_simplify(C, NULL, ADD(MUL(x, I(2)), MUL(x, I(3)))), MUL(x, I(5)));
	tir_bound b = tir_const_int_bound(C, NULL, FMOD(x, I(3)));
	assert_int_equal(b.min, 0);
	assert_int_equal(b.max, 2);
}

/* ==== What must NOT be proven ==== */

static void test_not_proven_half_times_two(void **state)
{
	tir_expr *n = S("n");
	tir_expr *e = MUL(FDIV(n, I(2)), I(2));
	assert_false(prove(EQ(e, n)));
	dom d[] = {{n, 0, 20}};
	tir_expr *s = simp_checked(e, 1, d);
	assert_false(prove(EQ(s, n)));
	/* but it is at most n, and n - 1 <= it */
	assert_true(prove(LE(e, n)));
	assert_true(prove(GE(e, SUB(n, I(1)))));
}

static void test_not_proven_product_over_maybe_zero(void **state)
{
	/* Decision: (a*b) // b is not a when b may be 0 -- division by zero is
	 * undefined and the simplifier keeps the division (and its error).
	 * With b >= 1 it is a. */
	tir_expr *a = V("a"), *b = V("b");
	tir_expr *e = FDIV(MUL(a, b), b);
	assert_expr_eq(simp(e), e);
	assert_false(prove(EQ(e, a)));
	tir_analyzer_bind(A, b, 1, TIR_POS_INF);
	assert_expr_eq(simp(e), a);
	assert_true(prove(EQ(e, a)));
	assert_const(simp(FMOD(MUL(a, b), b)), 0);
}

static void test_not_proven_negative_divisor_shape(void **state)
{
	tir_expr *a = V("a"), *b = V("b");
	tir_analyzer_bind(A, b, TIR_NEG_INF, -1); /* non-zero, negative */
	assert_expr_eq(simp(FDIV(MUL(a, b), b)), a);
	assert_expr_eq(simp(TDIV(MUL(b, a), b)), a);
}

static void test_not_proven_unknown_signs(void **state)
{
	tir_expr *x = V("x"), *y = V("y");
	assert_false(prove(LT(x, y)));
	assert_false(prove(GE(x, y)));
	assert_false(prove(EQ(x, y)));
	assert_false(prove(NE(x, y)));
	assert_false(prove(EQ(FMOD(x, I(2)), I(0))));
	assert_false(prove(EQ(MUL(FDIV(x, I(2)), I(2)), x)));
}

static void test_simplify_keeps_meaning_grid(void **state)
{
	tir_expr *x = V("x"), *y = V("y"), *n = S("n");
	dom d[] = {{x, -7, 7}, {y, -5, 5}, {n, 0, 9}};
	tir_expr *es[] = {
	    FDIV(ADD(MUL(x, I(6)), ADD(y, I(5))), I(4)),
	    FMOD(SUB(MUL(x, I(6)), y), I(4)),
	    TDIV(ADD(MUL(n, I(6)), I(5)), I(4)),
	    TMOD(ADD(x, MUL(n, I(4))), I(4)),
	    FDIV(FMOD(ADD(x, I(9)), I(12)), I(4)),
	    SUB(ADD(FDIV(x, I(3)), FDIV(y, I(3))), FDIV(ADD(x, y), I(3))),
	    MUL(SUB(x, y), ADD(x, MUL(y, I(2)))),
	    EMIN(ADD(FDIV(n, I(2)), I(1)), SUB(n, FDIV(n, I(2)))),
	    FDIV(ADD(MUL(x, n), y), n),
	    FMOD(ADD(MUL(x, n), y), n),
	    SUB(ADD(FDIV(SUB(ADD(n, I(2)), I(3)), I(2)), I(1)), FDIV(ADD(n, I(1)), I(2))),
	    SEL(GE(x, I(0)), TDIV(x, I(3)), FDIV(x, I(3))),
	    ADD(MUL(FDIV(ADD(x, y), I(5)), I(5)), FMOD(ADD(y, x), I(5))),
	    AND(LT(x, ADD(y, I(2))), GE(MUL(x, I(2)), SUB(n, I(3)))),
	    OR(EQ(FMOD(x, I(3)), I(1)), NE(MUL(y, I(3)), ADD(x, I(1)))),
	    FDIV(MUL(x, I(-6)), I(-4)),
	    FMOD(MUL(ADD(x, I(1)), I(6)), I(-4)),
	};
	for (size_t i = 0; i < SB_ARRAY_LEN(es); i++)
		simp_checked(es[i], 3, d);
}

static void test_simplify_keeps_meaning_bounded(void **state)
{
	/* The same under bindings, checked only where the bindings hold. */
	tir_expr *i = V("i"), *j = V("j"), *n = S("n");
	tir_analyzer_bind(A, n, 1, 8);
	tir_analyzer_bind_range(A, i, I(0), n);
	tir_analyzer_bind_range(A, j, I(0), I(4));
	tir_expr *es[] = {
	    FDIV(ADD(MUL(i, I(4)), j), I(4)),
	    FMOD(ADD(MUL(i, I(4)), ADD(j, I(2))), I(4)),
	    TDIV(ADD(MUL(i, I(8)), MUL(j, I(2))), I(4)),
	    EMIN(ADD(MUL(i, I(4)), j), SUB(MUL(n, I(4)), I(1))),
	    SEL(LT(ADD(MUL(i, I(4)), j), MUL(n, I(4))), i, j),
	    FDIV(ADD(i, n), n),
	};
	int64_t val[3];
	dom d[] = {{n, 1, 8}, {i, 0, 7}, {j, 0, 3}};
	for (size_t k = 0; k < SB_ARRAY_LEN(es); k++) {
		tir_expr *s = simp(es[k]);
		for (val[0] = 1; val[0] <= 8; val[0]++) {
			for (val[1] = 0; val[1] < val[0]; val[1]++) {
				for (val[2] = 0; val[2] < 4; val[2]++) {
					int64_t a, b;
					assert_true(eval(es[k], 3, d, val, &a));
					assert_true(eval(s, 3, d, val, &b));
					assert_int_equal(a, b);
				}
			}
		}
	}
}

static void test_int32_arithmetic(void **state)
{
	tir_type i32 = tir_type_scalar(SB_I32);
	tir_expr *x = tir_var(C, "x", i32);
	tir_expr *c4 = tir_imm_int(C, i32, 4);
	tir_expr *e = FDIV(MUL(x, c4), c4);
	assert_expr_eq(simp(e), x);
	tir_expr *s = simp(ADD(MUL(x, c4), MUL(x, tir_imm_int(C, i32, 2))));
	assert_expr_eq(s, MUL(x, tir_imm_int(C, i32, 6)));
	assert_true(tir_type_equal(s->type, i32));
}

static void test_float_not_reassociated(void **state)
{
	tir_expr *f = tir_var(C, "f", tir_type_scalar(SB_F32)),
		 *g = tir_var(C, "g", tir_type_scalar(SB_F32));
	tir_expr *e = SUB(ADD(f, g), g); /* (f + g) - g is not f in floating point */
	assert_expr_eq(simp(e), e);
	tir_expr *z = ADD(f, tir_f32(C, 0.0)); /* -0.0 + 0.0 is 0.0 */
	assert_expr_eq(simp(z), z);
}

static void test_shared_subexpressions(void **state)
{
	/* a DAG with heavy sharing simplifies without blowing up */
	tir_expr *x = V("x"), *e = x;
	for (int k = 0; k < 30; k++)
		e = SUB(ADD(e, e), e); /* == e at every step */
	assert_expr_eq(simp(e), x);
}

static void test_unsigned_left_alone(void **state)
{
	tir_type u32 = tir_type_scalar(SB_U32);
	tir_expr *u = tir_var(C, "u", u32);
	tir_expr *e = SUB(tir_imm_int(C, u32, 1), tir_imm_int(C, u32, 2)); /* would wrap */
	assert_int_equal(simp(e)->kind, TIR_SUB);
	/* only folding for unsigned: wrap-around makes the signed rules wrong */
	assert_expr_eq(simp(ADD(tir_imm_int(C, u32, 2), tir_imm_int(C, u32, 3))),
		       tir_imm_int(C, u32, 5));
	tir_expr *keep = SUB(ADD(u, tir_imm_int(C, u32, 1)), tir_imm_int(C, u32, 2));
	assert_expr_eq(simp(keep), keep);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_fold_arith),
	    T(test_fold_floordiv_negative),
	    T(test_fold_floormod_negative),
	    T(test_fold_truncdiv_truncmod_negative),
	    T(test_fold_division_table),
	    T(test_fold_keeps_division_by_zero),
	    T(test_fold_keeps_overflow),
	    T(test_fold_float),
	    T(test_fold_cast),
	    T(test_fold_logic_and_compare),
	    T(test_add_zero),
	    T(test_mul_one_zero),
	    T(test_sub_self),
	    T(test_constant_offsets_combine),
	    T(test_constant_factors_combine),
	    T(test_div_by_one),
	    T(test_div_by_minus_one),
	    T(test_mul_floordiv_same_const),
	    T(test_mul_floordiv_multiple),
	    T(test_floormod_fixed_remainder),
	    T(test_floormod_not_fixed),
	    T(test_floordiv_splits_multiple),
	    T(test_floordiv_index_in_range),
	    T(test_floordiv_constant_part),
	    T(test_floordiv_gcd),
	    T(test_floordiv_nested),
	    T(test_split_fuse_roundtrip),
	    T(test_truncdiv_needs_sign),
	    T(test_truncdiv_nonnegative_is_floordiv),
	    T(test_truncdiv_vs_floordiv_differ),
	    T(test_floormod_of_negative_offsets),
	    T(test_conv_same_padding),
	    T(test_conv_stride2),
	    T(test_pool_output),
	    T(test_conv_symbolic_params),
	    T(test_flatten_unflatten),
	    T(test_flatten_divisor_may_be_zero),
	    T(test_reshape_element_count),
	    T(test_concat_extent),
	    T(test_terms_reordered),
	    T(test_distribute_and_cancel),
	    T(test_difference_of_squares),
	    T(test_square_expansion),
	    T(test_like_terms),
	    T(test_nested_subtraction),
	    T(test_negative_forms),
	    T(test_canonical_idempotent),
	    T(test_canonical_alone_leaves_min),
	    T(test_rewrite_alone),
	    T(test_min_offset),
	    T(test_min_same),
	    T(test_min_unknown_order),
	    T(test_min_with_bounds),
	    T(test_min_constant_right),
	    T(test_min_max_absorb),
	    T(test_min_loop_var),
	    T(test_min_shape_var_zero),
	    T(test_minmax_meaning),
	    T(test_cmp_offset_false),
	    T(test_cmp_offsets_decided),
	    T(test_cmp_normal_form),
	    T(test_cmp_gcd),
	    T(test_cmp_modular),
	    T(test_flat_index_in_bounds),
	    T(test_flat_index_unbounded),
	    T(test_loop_var_against_extent),
	    T(test_nested_symbolic_ranges),
	    T(test_tiled_index),
	    T(test_shape_var_nonnegative),
	    T(test_mod_ranges),
	    T(test_logic_proofs),
	    T(test_not_rules),
	    T(test_logic_identities),
	    T(test_prove_floats_never),
	    T(test_prove_non_bool),
	    T(test_select_constant),
	    T(test_select_same_branches),
	    T(test_select_proven_condition),
	    T(test_select_not_condition),
	    T(test_select_meaning),
	    T(test_bound_flat_index),
	    T(test_bound_flat_index_open),
	    T(test_bound_divisions),
	    T(test_bound_mod_ranges),
	    T(test_bound_mul_corners),
	    T(test_bound_div_divisor_spans_zero),
	    T(test_bound_minmax_select),
	    T(test_bound_vars_default),
	    T(test_bound_cast),
	    T(test_bound_vectors),
	    T(test_bound_soundness_grid),
	    T(test_modset_linear),
	    T(test_modset_mul_and_div),
	    T(test_modset_union),
	    T(test_modset_soundness),
	    T(test_bind_constant_var),
	    T(test_scopes_shadow_and_restore),
	    T(test_assume_condition),
	    T(test_assume_fact),
	    T(test_null_analyzer),
	    T(test_not_proven_half_times_two),
	    T(test_not_proven_product_over_maybe_zero),
	    T(test_not_proven_negative_divisor_shape),
	    T(test_not_proven_unknown_signs),
	    T(test_simplify_keeps_meaning_grid),
	    T(test_simplify_keeps_meaning_bounded),
	    T(test_int32_arithmetic),
	    T(test_float_not_reassociated),
	    T(test_shared_subexpressions),
	    T(test_unsigned_left_alone),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
