/* topi matrix products (MatMul with 1-D promotion and batch broadcasting,
 * Gemm with transposes/alpha/beta/C, Einsum) against the relay_like
 * kernels at several shapes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "topi_harness.h"

/* Concrete values for the shape variables of a spec. */
typedef struct binding {
	const char *name;
	int64_t v;
} binding;

static int64_t lookup(const binding *bs, const char *name)
{
	for (; bs->name; bs++)
		if (!strcmp(bs->name, name))
			return bs->v;
	return -1;
}

/* The concrete shape of spec under bindings (digits stay). */
static int concrete(const char *spec, const binding *bs, int64_t *shape)
{
	int r = 0;
	const char *p = spec;
	while (*p) {
		const char *q = p;
		while (*q && *q != ',')
			q++;
		char tok[32];
		snprintf(tok, sizeof tok, "%.*s", (int)(q - p), p);
		shape[r++] =
		    isdigit((unsigned char)tok[0]) ? strtoll(tok, NULL, 10) : lookup(bs, tok);
		p = *q ? q + 1 : q;
	}
	return r;
}

static const binding B3[3][6] = {
    {{"m", 1}, {"k", 1}, {"n", 1}, {"b", 1}, {"c", 1}, {NULL, 0}},
    {{"m", 7}, {"k", 5}, {"n", 3}, {"b", 2}, {"c", 1}, {NULL, 0}},
    {{"m", 13}, {"k", 11}, {"n", 10}, {"b", 1}, {"c", 3}, {NULL, 0}},
};

static void test_matmul(void **state)
{
	static const struct {
		const char *a, *b;
	} cases[] = {
	    {"m,k", "k,n"}, {"b,m,k", "k,n"}, {"b,1,m,k", "c,k,n"},
	    {"k", "k,n"},   {"m,k", "k"},     {"k", "k"},
	    {"b,m,k", "k"}, {"k", "b,k,n"},   {"b,m,k", "b,k,n"},
	};
	static const sb_dtype dts[] = {SB_F32, SB_I32, SB_F16, SB_I8, SB_F64};
	for (size_t k = 0; k < SB_ARRAY_LEN(cases); k++) {
		for (size_t di = 0; di < SB_ARRAY_LEN(dts); di++) {
			sb_dtype dt = dts[di];
			jit_this = dt == SB_F32 || dt == SB_I32 || (dt == SB_F16 && k < 2);
			tir_func *f;
			BUILD(topi_matmul(C, "matmul", T(dt, cases[k].a), T(dt, cases[k].b), &f));
			for (int s = 0; s < 3; s++) {
				int64_t as[4], bs[4];
				int ra = concrete(cases[k].a, B3[s], as),
				    rb = concrete(cases[k].b, B3[s], bs);
				sb_tensor *in[2] = {rand_tensor(dt, ra, as, -3, 3),
						    rand_tensor(dt, rb, bs, -3, 3)};
				check_op_tol(f, RELAY_OP_MAT_MUL, NULL, 2, in, 2, in, 1,
					     dt == SB_F16 ? 2e-3 : 1e-5);
				release_all(2, in);
			}
		}
	}
	jit_this = true;
	tir_func *f;
	expect_error(topi_matmul(C, "mm", T(SB_F32, "3,4"), T(SB_F32, "5,6"), &f), "inner dims");
	BUILD(topi_matmul(C, "mm", T(SB_F32, "m,k"), T(SB_F32, "j,n"), &f));
	sb_tensor *a = rand_tensor(SB_F32, 2, (int64_t[]){2, 3}, 0, 1);
	sb_tensor *b = rand_tensor(SB_F32, 2, (int64_t[]){4, 2}, 0, 1);
	sb_tensor *y = sb_tensor_new(SB_F32, 2, (int64_t[]){2, 2});
	expect_error(tir_eval_tensors(f, (sb_tensor *[]){a, b, y}, 3), "inner dims differ: k vs j");
	sb_tensor_release(a);
	sb_tensor_release(b);
	sb_tensor_release(y);
}

static void test_gemm(void **state)
{
	static const char *cshapes[] = {NULL, "n", "1,n", "m,n", "m,1", ""};
	static const double ab[3][2] = {{1, 1}, {0.5, 2}, {1, 0}};
	for (int tr = 0; tr < 4; tr++) {
		for (size_t ci = 0; ci < SB_ARRAY_LEN(cshapes); ci++) {
			for (int abi = 0; abi < 3; abi++) {
				topi_gemm_params p = {ab[abi][0], ab[abi][1], tr & 1, tr >> 1};
				jit_this = abi != 2;
				const char *as = p.trans_a ? "k,m" : "m,k",
					   *bsp = p.trans_b ? "n,k" : "k,n";
				topi_tensor ct =
				    cshapes[ci] ? T(SB_F32, cshapes[ci]) : T(SB_F32, "");
				tir_func *f;
				BUILD(topi_gemm(C, "gemm", T(SB_F32, as), T(SB_F32, bsp),
						cshapes[ci] ? &ct : NULL, &p, &f));
				relay_attrs_gemm *a = attrs_of(RELAY_ATTRS_gemm);
				a->alpha = (float)p.alpha;
				a->beta = (float)p.beta;
				a->transA = p.trans_a;
				a->transB = p.trans_b;
				for (int s = 0; s < 3; s++) {
					int64_t sa[2], sbb[2], sc[2];
					concrete(as, B3[s], sa);
					concrete(bsp, B3[s], sbb);
					int rc = cshapes[ci] ? concrete(cshapes[ci], B3[s], sc) : 0;
					sb_tensor *in[3] = {rand_tensor(SB_F32, 2, sa, -2, 2),
							    rand_tensor(SB_F32, 2, sbb, -2, 2),
							    cshapes[ci]
								? rand_tensor(SB_F32, rc, sc, -2, 2)
								: NULL};
					check_op(f, RELAY_OP_GEMM, a, cshapes[ci] ? 3 : 2, in,
						 cshapes[ci] ? 3 : 2, in, 1);
					release_all(3, in);
				}
			}
		}
	}
	jit_this = true;
	/* integers: exact with alpha = beta = 1, through float64 otherwise */
	for (int abi = 0; abi < 2; abi++) {
		topi_gemm_params p = {ab[abi][0], ab[abi][1], false, true};
		topi_tensor ct = T(SB_I32, "n");
		tir_func *f;
		BUILD(topi_gemm(C, "gemm", T(SB_I32, "m,k"), T(SB_I32, "n,k"), &ct, &p, &f));
		relay_attrs_gemm *a = attrs_of(RELAY_ATTRS_gemm);
		a->alpha = (float)p.alpha;
		a->beta = (float)p.beta;
		a->transB = 1;
		int64_t sa[2] = {7, 5}, sbb[2] = {3, 5}, sc[1] = {3};
		sb_tensor *in[3] = {rand_tensor(SB_I32, 2, sa, -9, 9),
				    rand_tensor(SB_I32, 2, sbb, -9, 9),
				    rand_tensor(SB_I32, 1, sc, -9, 9)};
		check_op(f, RELAY_OP_GEMM, a, 3, in, 3, in, 1);
		release_all(3, in);
	}
}

static void test_einsum(void **state)
{
	static const struct {
		const char *eq;
		int n;
		const char *shapes[3];
	} cases[] = {
	    {"ij,jk->ik", 2, {"m,k", "k,n"}},
	    {"bij,bjk->bik", 2, {"b,m,k", "b,k,n"}},
	    {"ii->i", 1, {"m,m"}},
	    {"ij->", 1, {"m,n"}},
	    {"ij,ij->ij", 2, {"m,n", "m,n"}},
	    {"i,j->ij", 2, {"m", "n"}},
	    {"ij,jk", 2, {"m,k", "k,n"}},
	    {"ii", 1, {"k,k"}},
	    {"ij->ji", 1, {"m,n"}},
	    {"ijk,ikl,l->ij", 3, {"b,m,k", "b,k,n", "n"}},
	};
	for (size_t k = 0; k < SB_ARRAY_LEN(cases); k++) {
		topi_tensor ts[3];
		for (int i = 0; i < cases[k].n; i++)
			ts[i] = T(SB_F32, cases[k].shapes[i]);
		tir_func *f;
		BUILD(topi_einsum(C, "einsum", cases[k].eq, cases[k].n, ts, &f));
		relay_attrs_einsum *a = attrs_of(RELAY_ATTRS_einsum);
		a->equation = relay_intern(M, cases[k].eq);
		for (int s = 0; s < 3; s++) {
			sb_tensor *in[3] = {0};
			for (int i = 0; i < cases[k].n; i++) {
				int64_t sh[4];
				int r = concrete(cases[k].shapes[i], B3[s], sh);
				in[i] = rand_tensor(SB_F32, r, sh, -2, 2);
			}
			check_op(f, RELAY_OP_EINSUM, a, cases[k].n, in, cases[k].n, in, 1);
			release_all(cases[k].n, in);
		}
	}
	tir_func *f;
	topi_tensor ts[2] = {T(SB_F32, "m,k"), T(SB_F32, "k,n")};
	expect_error(topi_einsum(C, "e", "ij,jk,kl->il", 2, ts, &f), "more terms");
	expect_error(topi_einsum(C, "e", "ij,jk->iz", 2, ts, &f), "in no input");
	expect_error(topi_einsum(C, "e", "...ij,jk", 2, ts, &f), "not supported");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_matmul, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_gemm, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_einsum, setup, teardown),
	    TOPI_SO_TEST,
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
