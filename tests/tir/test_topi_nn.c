/* topi convolution, transposed convolution and pooling (1 to 3 spatial
 * axes; strides, pads, dilations, groups, auto_pad, ceil_mode,
 * count_include_pad) against the relay_like kernels at several shapes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "topi_harness.h"

static const char *pad_name(topi_auto_pad p)
{
	static const char *const names[] = {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"};
	return names[p];
}

static relay_ints ints(int n, const int64_t *v)
{
	return relay_ints_make(M, n, v);
}

/* Window attributes for relay from topi's; 0 entries become 1 for
 * strides/dilations. */
static void window_attrs(const topi_window *w, int nsp, relay_ints *strides, relay_ints *dil,
			 relay_ints *pads, const char **auto_pad)
{
	int64_t s[3], d[3];
	for (int i = 0; i < nsp; i++) {
		s[i] = w->strides[i] ? w->strides[i] : 1;
		d[i] = w->dilations[i] ? w->dilations[i] : 1;
	}
	*strides = ints(nsp, s);
	*dil = ints(nsp, d);
	*pads = ints(2 * nsp, w->pads);
	*auto_pad = relay_intern(M, pad_name(w->auto_pad));
}

typedef struct conv_case {
	int nsp;
	int64_t c, m, k[3], groups;
	topi_window win;
	bool bias;
} conv_case;

static const conv_case conv_cases[] = {
    {2, 3, 4, {3, 3}, 1, {{1, 1}, {1, 1}, {1, 1, 1, 1}}, true},
    {2, 4, 6, {3, 2}, 2, {{2, 1}, {1, 2}, {0, 1, 2, 0}}, false},
    {2, 4, 4, {3, 3}, 4, {{1, 2}, {1, 1}, {1, 1, 1, 1}}, true}, /* depthwise */
    {2, 3, 5, {1, 1}, 1, {{1, 1}, {1, 1}, {0}}, true},
    {2, 2, 3, {3, 3}, 1, {{2, 2}, {1, 1}, {0}, TOPI_PAD_SAME_UPPER}, false},
    {2, 2, 3, {2, 3}, 1, {{3, 2}, {2, 1}, {0}, TOPI_PAD_SAME_LOWER}, true},
    {2, 2, 3, {3, 3}, 1, {{1, 1}, {1, 1}, {0}, TOPI_PAD_VALID}, false},
    {1, 3, 4, {5}, 1, {{2}, {1}, {2, 2}}, true},
    {1, 6, 6, {3}, 3, {{1}, {2}, {2, 1}}, false},
    {3, 2, 3, {2, 3, 1}, 1, {{1, 2, 1}, {1, 1, 2}, {1, 0, 1, 0, 1, 0}}, true},
};

/* Spatial sizes per run: big enough for every case (the VALID 3x3 one
 * needs 3); batch 1, 2, 3. */
static const int64_t SP[3][4] = {{1, 3, 5, 3}, {2, 7, 10, 4}, {3, 13, 6, 5}};

static void test_conv(void **state)
{
	static const sb_dtype dts[] = {SB_F32, SB_F64, SB_F16};
	for (size_t k = 0; k < SB_ARRAY_LEN(conv_cases); k++) {
		const conv_case *cc = &conv_cases[k];
		for (size_t di = 0; di < SB_ARRAY_LEN(dts); di++) {
			sb_dtype dt = dts[di];
			topi_conv_params p = {cc->win, cc->groups};
			tir_expr *xs[5] = {D("n"), tir_int(C, cc->c), D("h"), D("w"), D("d")};
			tir_expr *ws[5] = {tir_int(C, cc->m), tir_int(C, cc->c / cc->groups)};
			for (int i = 0; i < cc->nsp; i++)
				ws[2 + i] = tir_int(C, cc->k[i]);
			topi_tensor bt = T(dt, "m0");
			bt.shape = (tir_expr *[]){tir_int(C, cc->m)};
			tir_func *f;
			BUILD(topi_conv(C, "conv", topi_tensor_make(dt, 2 + cc->nsp, xs),
					topi_tensor_make(dt, 2 + cc->nsp, ws),
					cc->bias ? &bt : NULL, &p, &f));
			relay_attrs_conv *a = attrs_of(RELAY_ATTRS_conv);
			window_attrs(&cc->win, cc->nsp, &a->strides, &a->dilations, &a->pads,
				     &a->auto_pad);
			a->group = cc->groups;
			for (int s = 0; s < 3; s++) {
				int64_t xsh[5] = {SP[s][0], cc->c, SP[s][1], SP[s][2], SP[s][3]};
				int64_t wsh[5] = {cc->m, cc->c / cc->groups, cc->k[0], cc->k[1],
						  cc->k[2]};
				int64_t bsh[1] = {cc->m};
				sb_tensor *in[3] = {rand_tensor(dt, 2 + cc->nsp, xsh, -2, 2),
						    rand_tensor(dt, 2 + cc->nsp, wsh, -1, 1),
						    cc->bias ? rand_tensor(dt, 1, bsh, -1, 1)
							     : NULL};
				int nin = cc->bias ? 3 : 2;
				check_op_tol(f, RELAY_OP_CONV, a, nin, in, nin, in, 1,
					     dt == SB_F16 ? 3e-3 : 1e-5);
				release_all(3, in);
			}
		}
	}
}

/* Channels symbolic too; a wrong channel count fails when it runs. */
static void test_conv_symbolic_channels(void **state)
{
	topi_conv_params p = {{{1, 1}, {1, 1}, {1, 1, 1, 1}}, 1};
	tir_func *f;
	BUILD(topi_conv(C, "conv", T(SB_F32, "n,c,h,w"), T(SB_F32, "m,c,3,3"), NULL, &p, &f));
	char *s = tir_func_to_string(f);
	assert_non_null(strstr(s, "Y: Buffer(float32, [n, m, h, w])"));
	free(s);
	relay_attrs_conv *a = attrs_of(RELAY_ATTRS_conv);
	window_attrs(&p.win, 2, &a->strides, &a->dilations, &a->pads, &a->auto_pad);
	for (int r = 0; r < 3; r++) {
		int64_t xsh[4] = {SP[r][0], r + 1, SP[r][1], SP[r][2]},
			wsh[4] = {r + 2, r + 1, 3, 3};
		sb_tensor *in[2] = {rand_tensor(SB_F32, 4, xsh, -1, 1),
				    rand_tensor(SB_F32, 4, wsh, -1, 1)};
		check_op(f, RELAY_OP_CONV, a, 2, in, 2, in, 1);
		release_all(2, in);
	}
	/* stride 2 without pads: (h - 3) // 2 + 1, which needs h >= 3 */
	p = (topi_conv_params){{{2, 2}}, 1};
	BUILD(topi_conv(C, "conv", T(SB_F32, "n,c,h,w"), T(SB_F32, "m,c,3,3"), NULL, &p, &f));
	tir_expr *oh = f->params[2].buffer->shape[2], *h = D("h");
	for (int64_t hv = 3; hv < 12; hv++) {
		tir_expr *v = tir_simplify(
		    C, NULL, tir_substitute(C, oh, 1, &h, (tir_expr *[]){tir_int(C, hv)}));
		assert_true(tir_expr_is_const(v, (hv - 3) / 2 + 1));
	}
	sb_tensor *x = rand_tensor(SB_F32, 4, (int64_t[]){1, 2, 2, 5}, 0, 1);
	sb_tensor *w = rand_tensor(SB_F32, 4, (int64_t[]){1, 2, 3, 3}, 0, 1);
	sb_tensor *y = sb_tensor_new(SB_F32, 4, (int64_t[]){1, 1, 0, 2});
	expect_error(tir_eval_tensors(f, (sb_tensor *[]){x, w, y}, 3), "smaller than the kernel");
	release_all(1, &y);
	/* groups that do not divide the channels */
	p = (topi_conv_params){.groups = 2};
	expect_error(topi_conv(C, "conv", T(SB_F32, "n,3,h,w"), T(SB_F32, "4,1,3,3"), NULL, &p, &f),
		     "X has 3 channels but W expects 1 per group times 2 groups");
	sb_tensor_release(x);
	sb_tensor_release(w);
}

typedef struct convt_case {
	int nsp;
	int64_t c, mg, k[3], groups;
	topi_window win;
	int64_t opad[3], oshape[3];
	bool bias;
} convt_case;

static const convt_case convt_cases[] = {
    {2, 3, 2, {3, 3}, 1, {{1, 1}, {1, 1}, {0}}, {0}, {0}, true},
    {2, 2, 3, {3, 2}, 1, {{2, 3}, {1, 1}, {1, 0, 1, 1}}, {1, 0}, {0}, false},
    {2, 4, 1, {3, 3}, 2, {{2, 2}, {2, 1}, {1, 1, 0, 0}}, {0}, {0}, true},
    {2, 2, 2, {3, 3}, 1, {{2, 2}, {1, 1}, {0}, TOPI_PAD_SAME_UPPER}, {0}, {0}, false},
    {2, 2, 2, {4, 3}, 1, {{2, 1}, {1, 1}, {0}, TOPI_PAD_SAME_LOWER}, {0}, {0}, true},
    {2, 2, 2, {3, 3}, 1, {{3, 2}, {1, 1}, {0}}, {0}, {10, 9}, false},
    {1, 3, 2, {4}, 1, {{2}, {1}, {1, 2}}, {1}, {0}, true},
    {3, 2, 2, {2, 2, 2}, 1, {{2, 1, 1}, {1, 1, 1}, {0}}, {0}, {0}, false},
};

static void test_conv_transpose(void **state)
{
	for (size_t k = 0; k < SB_ARRAY_LEN(convt_cases); k++) {
		const convt_case *cc = &convt_cases[k];
		topi_conv_transpose_params p = {cc->win, cc->groups};
		memcpy(p.output_padding, cc->opad, sizeof p.output_padding);
		memcpy(p.output_shape, cc->oshape, sizeof p.output_shape);
		tir_expr *xs[5] = {D("n"), tir_int(C, cc->c), D("h"), D("w"), D("d")};
		tir_expr *ws[5] = {tir_int(C, cc->c), tir_int(C, cc->mg)};
		for (int i = 0; i < cc->nsp; i++)
			ws[2 + i] = tir_int(C, cc->k[i]);
		topi_tensor bt =
		    topi_tensor_make(SB_F32, 1, (tir_expr *[]){tir_int(C, cc->mg * cc->groups)});
		tir_func *f;
		BUILD(topi_conv_transpose(C, "convt", topi_tensor_make(SB_F32, 2 + cc->nsp, xs),
					  topi_tensor_make(SB_F32, 2 + cc->nsp, ws),
					  cc->bias ? &bt : NULL, &p, &f));
		relay_attrs_conv_transpose *a = attrs_of(RELAY_ATTRS_conv_transpose);
		window_attrs(&cc->win, cc->nsp, &a->strides, &a->dilations, &a->pads, &a->auto_pad);
		if (cc->win.auto_pad != TOPI_PAD_NOTSET || cc->oshape[0])
			a->pads = (relay_ints){0};
		a->group = cc->groups;
		if (cc->opad[0] || cc->opad[1])
			a->output_padding = ints(cc->nsp, cc->opad);
		if (cc->oshape[0])
			a->output_shape = ints(cc->nsp, cc->oshape);
		/* with output_shape the input must be small enough */
		static const int64_t sp[3][4] = {{1, 1, 2, 1}, {2, 4, 3, 2}, {1, 3, 4, 3}};
		for (int s = 0; s < 3; s++) {
			int64_t xsh[5] = {sp[s][0], cc->c, sp[s][1], sp[s][2], sp[s][3]};
			int64_t wsh[5] = {cc->c, cc->mg, cc->k[0], cc->k[1], cc->k[2]};
			int64_t bsh[1] = {cc->mg * cc->groups};
			sb_tensor *in[3] = {rand_tensor(SB_F32, 2 + cc->nsp, xsh, -2, 2),
					    rand_tensor(SB_F32, 2 + cc->nsp, wsh, -1, 1),
					    cc->bias ? rand_tensor(SB_F32, 1, bsh, -1, 1) : NULL};
			int nin = cc->bias ? 3 : 2;
			check_op(f, RELAY_OP_CONV_TRANSPOSE, a, nin, in, nin, in, 1);
			release_all(3, in);
		}
	}
}

typedef struct pool_case {
	int nsp;
	int64_t k[3];
	topi_window win;
	bool ceil_mode, count_include_pad;
} pool_case;

static const pool_case pool_cases[] = {
    {2, {3, 3}, {{2, 2}, {1, 1}, {1, 1, 1, 1}}, false, false},
    {2, {2, 2}, {{2, 2}, {1, 1}, {0}}, true, false},
    {2, {3, 2}, {{2, 1}, {1, 1}, {1, 0, 1, 1}}, true, true},
    {2, {2, 2}, {{1, 1}, {2, 2}, {2, 2, 2, 2}}, false, false}, /* windows of pad only */
    {2, {3, 3}, {{2, 2}, {2, 1}, {1, 2, 2, 1}}, true, true},
    {2, {3, 3}, {{2, 2}, {1, 1}, {0}, TOPI_PAD_SAME_UPPER}, false, false},
    {2, {2, 3}, {{3, 2}, {1, 1}, {0}, TOPI_PAD_SAME_LOWER}, false, true},
    {1, {3}, {{2}, {1}, {1, 1}}, false, true},
    {3, {2, 2, 2}, {{1, 2, 2}, {1, 1, 1}, {0, 1, 0, 1, 0, 1}}, true, false},
};

static void test_pool(void **state)
{
	for (size_t k = 0; k < SB_ARRAY_LEN(pool_cases); k++) {
		const pool_case *pc = &pool_cases[k];
		for (int op = 0; op < 2; op++) {
			topi_pool_params p = {pc->win, {0}, pc->ceil_mode, pc->count_include_pad};
			memcpy(p.kernel, pc->k, sizeof p.kernel);
			static const char *specs[] = {"", "", "n,c,h", "n,c,h,w", "n,c,h,w,d"};
			tir_func *f;
			BUILD(topi_pool(C, "pool", op ? TOPI_POOL_AVG : TOPI_POOL_MAX,
					T(SB_F32, specs[1 + pc->nsp]), &p, &f));
			relay_attrs_pool *a = attrs_of(RELAY_ATTRS_pool);
			window_attrs(&pc->win, pc->nsp, &a->strides, &a->dilations, &a->pads,
				     &a->auto_pad);
			a->kernel_shape = ints(pc->nsp, pc->k);
			a->ceil_mode = pc->ceil_mode;
			a->count_include_pad = pc->count_include_pad;
			for (int s = 0; s < 3; s++) {
				int64_t xsh[5] = {SP[s][0], 2, SP[s][1], SP[s][2], SP[s][3]};
				sb_tensor *x = rand_tensor(SB_F32, 2 + pc->nsp, xsh, -2, 2);
				check_op(f, op ? RELAY_OP_AVERAGE_POOL : RELAY_OP_MAX_POOL, a, 1,
					 &x, 1, &x, 1);
				sb_tensor_release(x);
			}
		}
	}
	/* max pool with Indices, both storage orders */
	for (size_t k = 0; k < SB_ARRAY_LEN(pool_cases); k++) {
		const pool_case *pc = &pool_cases[k];
		for (int so = 0; so < 2; so++) {
			topi_pool_params p = {pc->win, {0}, pc->ceil_mode, false, true, so};
			memcpy(p.kernel, pc->k, sizeof p.kernel);
			static const char *specs[] = {"", "n,c,h", "n,c,h,w", "n,c,h,w,d"};
			tir_func *f;
			BUILD(topi_pool(C, "pool_idx", TOPI_POOL_MAX, T(SB_F32, specs[pc->nsp]), &p,
					&f));
			relay_attrs_pool *a = attrs_of(RELAY_ATTRS_pool);
			window_attrs(&pc->win, pc->nsp, &a->strides, &a->dilations, &a->pads,
				     &a->auto_pad);
			a->kernel_shape = ints(pc->nsp, pc->k);
			a->ceil_mode = pc->ceil_mode;
			a->storage_order = so;
			jit_this = so == 0;
			for (int s = 0; s < 3; s++) {
				int64_t xsh[5] = {SP[s][0], 2, SP[s][1], SP[s][2], SP[s][3]};
				/* a small range: ties pick the first */
				sb_tensor *x = rand_tensor(SB_F32, 2 + pc->nsp, xsh, -2, 2);
				for (int64_t i = 0; i < sb_tensor_numel(x); i++)
					sb_tensor_set_f64(x, i, floor(sb_tensor_get_f64(x, i)));
				check_op(f, RELAY_OP_MAX_POOL, a, 1, &x, 1, &x, 2);
				sb_tensor_release(x);
			}
		}
	}
	jit_this = true;
	tir_func *f;
	expect_error(topi_pool(C, "p", TOPI_POOL_AVG, T(SB_F32, "n,c,h"),
			       &(topi_pool_params){.kernel = {2}, .indices = true}, &f),
		     "only max pooling");
	/* int8 max pool */
	topi_pool_params p = {{{2, 2}, {1, 1}, {1, 1, 1, 1}}, {3, 3}, false, false};
	BUILD(topi_pool(C, "pool", TOPI_POOL_MAX, T(SB_I8, "n,c,h,w"), &p, &f));
	relay_attrs_pool *a = attrs_of(RELAY_ATTRS_pool);
	window_attrs(&p.win, 2, &a->strides, &a->dilations, &a->pads, &a->auto_pad);
	a->kernel_shape = ints(2, p.kernel);
	sb_tensor *x = rand_tensor(SB_I8, 4, (int64_t[]){1, 3, 7, 5}, -128, 127);
	check_op(f, RELAY_OP_MAX_POOL, a, 1, &x, 1, &x, 1);
	sb_tensor_release(x);
}

static void test_global_pool(void **state)
{
	static const char *specs[] = {"n,c,h", "n,c,h,w", "n,c,h,w,d"};
	for (int r = 0; r < 3; r++) {
		for (int op = 0; op < 2; op++) {
			tir_func *f;
			BUILD(topi_global_pool(C, "gp", op ? TOPI_POOL_AVG : TOPI_POOL_MAX,
					       T(SB_F32, specs[r]), &f));
			for (int s = 0; s < 3; s++) {
				int64_t xsh[5] = {SP[s][0], 3, SP[s][1], SP[s][2], SP[s][3]};
				sb_tensor *x = rand_tensor(SB_F32, 3 + r, xsh, -2, 2);
				check_op(
				    f, op ? RELAY_OP_GLOBAL_AVERAGE_POOL : RELAY_OP_GLOBAL_MAX_POOL,
				    NULL, 1, &x, 1, &x, 1);
				sb_tensor_release(x);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_conv, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conv_symbolic_channels, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_conv_transpose, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pool, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_global_pool, setup, teardown),
	    TOPI_SO_TEST,
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
