/* topi reductions (Reduce*, ArgMax/ArgMin, Softmax family, CumSum): built
 * once over symbolic shapes, evaluated at several shapes against the
 * relay_like kernels. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "topi_harness.h"

static const int64_t NM[3][2] = {{1, 1}, {7, 5}, {13, 10}};

static const struct {
	topi_reduce_op op;
	relay_op rop;
} reduce_ops[] = {
    {TOPI_REDUCE_SUM, RELAY_OP_REDUCE_SUM},
    {TOPI_REDUCE_MEAN, RELAY_OP_REDUCE_MEAN},
    {TOPI_REDUCE_MAX, RELAY_OP_REDUCE_MAX},
    {TOPI_REDUCE_MIN, RELAY_OP_REDUCE_MIN},
    {TOPI_REDUCE_PROD, RELAY_OP_REDUCE_PROD},
    {TOPI_REDUCE_L1, RELAY_OP_REDUCE_L1},
    {TOPI_REDUCE_L2, RELAY_OP_REDUCE_L2},
    {TOPI_REDUCE_LOG_SUM, RELAY_OP_REDUCE_LOG_SUM},
    {TOPI_REDUCE_LOG_SUM_EXP, RELAY_OP_REDUCE_LOG_SUM_EXP},
    {TOPI_REDUCE_SUM_SQUARE, RELAY_OP_REDUCE_SUM_SQUARE},
};

typedef struct axes_case {
	int n;
	int64_t v[3];
} axes_case;

static const axes_case axes_cases[] = {{1, {1}}, {2, {0, 2}}, {1, {-1}}, {0, {0}}, {3, {2, 0, 1}}};

static void run_reduce(topi_reduce_op op, relay_op rop, sb_dtype dt, double lo, double hi,
		       double tol)
{
	for (size_t ai = 0; ai < SB_ARRAY_LEN(axes_cases); ai++) {
		for (int keep = 0; keep < 2; keep++) {
			topi_reduce_params p = {.naxes = axes_cases[ai].n, .keepdims = keep};
			jit_this =
			    dt == SB_F32 ? (ai + keep) % 2 == 0 : dt == SB_I32 && ai == 0 && keep;
			memcpy(p.axes, axes_cases[ai].v, sizeof axes_cases[ai].v);
			tir_func *f;
			BUILD(topi_reduce(C, "r", op, T(dt, "n,3,m"), &p, &f));
			relay_attrs_reduce *a = attrs_of(RELAY_ATTRS_reduce);
			a->keepdims = keep;
			for (int s = 0; s < 3; s++) {
				int64_t shape[3] = {NM[s][0], 3, NM[s][1]};
				sb_tensor *x = rand_tensor(dt, 3, shape, lo, hi);
				sb_tensor *axes = p.naxes ? ints_tensor(p.naxes, p.axes) : NULL;
				sb_tensor *rin[2] = {x, axes};
				check_op_tol(f, rop, a, 2, rin, 1, &x, 1, tol);
				release_all(2, rin);
			}
		}
	}
	jit_this = true;
}

static void test_reduce_float32(void **state)
{
	for (size_t i = 0; i < SB_ARRAY_LEN(reduce_ops); i++) {
		bool positive = reduce_ops[i].op == TOPI_REDUCE_LOG_SUM;
		bool prod = reduce_ops[i].op == TOPI_REDUCE_PROD;
		run_reduce(reduce_ops[i].op, reduce_ops[i].rop, SB_F32,
			   positive ? 0.1
			   : prod   ? 0.5
				    : -2,
			   prod ? 1.5 : 2, 1e-5);
	}
}

static void test_reduce_other_dtypes(void **state)
{
	for (size_t i = 0; i < SB_ARRAY_LEN(reduce_ops); i++) {
		topi_reduce_op op = reduce_ops[i].op;
		bool positive = op == TOPI_REDUCE_LOG_SUM;
		run_reduce(op, reduce_ops[i].rop, SB_F64, positive ? 0.1 : -2, 2, 1e-12);
		run_reduce(op, reduce_ops[i].rop, SB_F16, positive ? 0.1 : -1, 1, 2e-3);
		run_reduce(op, reduce_ops[i].rop, SB_I32, positive ? 1 : -9, 9, 0);
	}
	run_reduce(TOPI_REDUCE_SUM, RELAY_OP_REDUCE_SUM, SB_U8, 0, 255, 0);
	run_reduce(TOPI_REDUCE_MAX, RELAY_OP_REDUCE_MAX, SB_I8, -128, 127, 0);
}

static void test_reduce_noop_and_nan(void **state)
{
	topi_reduce_params p = {.naxes = 0, .keepdims = true, .noop_with_empty_axes = true};
	tir_func *f;
	BUILD(topi_reduce(C, "r", TOPI_REDUCE_SUM, T(SB_F32, "n,m"), &p, &f));
	relay_attrs_reduce *a = attrs_of(RELAY_ATTRS_reduce);
	a->noop_with_empty_axes = 1;
	int64_t shape[2] = {5, 3};
	sb_tensor *x = rand_tensor(SB_F32, 2, shape, -1, 1);
	check_op(f, RELAY_OP_REDUCE_SUM, a, 1, &x, 1, &x, 1);
	sb_tensor_release(x);

	/* NaN propagates through max and min; infinities through LogSumExp */
	static const double v[6] = {1, NAN, 3, -INFINITY, -INFINITY, 2};
	x = tensor_of(SB_F32, 2, (int64_t[]){2, 3}, v);
	p = (topi_reduce_params){.naxes = 1, .axes = {1}};
	a = attrs_of(RELAY_ATTRS_reduce);
	a->keepdims = 0;
	sb_tensor *axes = ints_tensor(1, p.axes);
	for (int k = 0; k < 3; k++) {
		topi_reduce_op op = k == 0   ? TOPI_REDUCE_MAX
				    : k == 1 ? TOPI_REDUCE_MIN
					     : TOPI_REDUCE_LOG_SUM_EXP;
		relay_op rop = k == 0	? RELAY_OP_REDUCE_MAX
			       : k == 1 ? RELAY_OP_REDUCE_MIN
					: RELAY_OP_REDUCE_LOG_SUM_EXP;
		BUILD(topi_reduce(C, "r", op, T(SB_F32, "n,m"), &p, &f));
		sb_tensor *rin[2] = {x, axes};
		check_op(f, rop, a, 2, rin, 1, &x, 1);
	}
	sb_tensor_release(axes);
	sb_tensor_release(x);

	expect_error(topi_reduce(C, "r", TOPI_REDUCE_SUM, T(SB_F32, "n,m"),
				 &(topi_reduce_params){.naxes = 2, .axes = {1, -1}}, &f),
		     "repeated");
	expect_error(topi_reduce(C, "r", TOPI_REDUCE_SUM, T(SB_F32, "n,m"),
				 &(topi_reduce_params){.naxes = 1, .axes = {2}}, &f),
		     "out of range");
}

static void test_arg_reduce(void **state)
{
	static const sb_dtype dts[] = {SB_F32, SB_I32, SB_F16, SB_U8};
	for (size_t k = 0; k < SB_ARRAY_LEN(dts); k++) {
		for (int axis = -1; axis < 3; axis++) {
			for (int flags = 0; flags < 8; flags++) {
				topi_arg_reduce_params p = {axis, flags & 1, (flags >> 1) & 1};
				jit_this = k == 0 || (k == 1 && axis == 1);
				bool is_max = flags & 4;
				tir_func *f;
				BUILD(
				    topi_arg_reduce(C, "arg", is_max, T(dts[k], "n,3,m"), &p, &f));
				relay_attrs_arg_reduce *a = attrs_of(RELAY_ATTRS_arg_reduce);
				a->axis = axis;
				a->keepdims = p.keepdims;
				a->select_last_index = p.select_last_index;
				for (int s = 0; s < 3; s++) {
					int64_t shape[3] = {NM[s][0], 3, NM[s][1]};
					/* a small range, so ties happen */
					sb_tensor *x = rand_tensor(dts[k], 3, shape, 0, 3);
					if (sb_dtype_is_float(dts[k]))
						for (int64_t i = 0; i < sb_tensor_numel(x); i++)
							sb_tensor_set_f64(
							    x, i, floor(sb_tensor_get_f64(x, i)));
					check_op(f, is_max ? RELAY_OP_ARG_MAX : RELAY_OP_ARG_MIN, a,
						 1, &x, 1, &x, 1);
					sb_tensor_release(x);
				}
			}
		}
	}
	jit_this = true;
	/* NaN is the best value, the first one (or last with select_last_index) */
	static const double v[8] = {1, NAN, 3, NAN, 5, 2, 0, -1};
	sb_tensor *x = tensor_of(SB_F32, 2, (int64_t[]){2, 4}, v);
	for (int flags = 0; flags < 4; flags++) {
		topi_arg_reduce_params p = {1, true, flags & 1};
		tir_func *f;
		BUILD(topi_arg_reduce(C, "arg", flags & 2, T(SB_F32, "n,m"), &p, &f));
		relay_attrs_arg_reduce *a = attrs_of(RELAY_ATTRS_arg_reduce);
		a->axis = 1;
		a->select_last_index = p.select_last_index;
		check_op(f, flags & 2 ? RELAY_OP_ARG_MAX : RELAY_OP_ARG_MIN, a, 1, &x, 1, &x, 1);
	}
	/* an empty axis is an error when the function runs */
	tir_func *f;
	BUILD(topi_arg_reduce(C, "arg", true, T(SB_F32, "n,m"), NULL, &f));
	sb_tensor *e = sb_tensor_new(SB_F32, 2, (int64_t[]){0, 3});
	sb_tensor *y = sb_tensor_new(SB_I64, 2, (int64_t[]){1, 3});
	expect_error(tir_eval_tensors(f, (sb_tensor *[]){e, y}, 2), "axis 0 has size 0");
	release_all(1, &e);
	release_all(1, &y);
	sb_tensor_release(x);
}

static void test_softmax(void **state)
{
	static const struct {
		topi_softmax_op op;
		relay_op rop;
	} ops[] = {
	    {TOPI_SOFTMAX, RELAY_OP_SOFTMAX},
	    {TOPI_LOG_SOFTMAX, RELAY_OP_LOG_SOFTMAX},
	    {TOPI_HARDMAX, RELAY_OP_HARDMAX},
	};
	static const sb_dtype dts[] = {SB_F32, SB_F64, SB_F16};
	for (size_t k = 0; k < SB_ARRAY_LEN(ops); k++) {
		for (size_t di = 0; di < SB_ARRAY_LEN(dts); di++) {
			for (int axis = -3; axis < 3; axis++) {
				for (int coerce = 0; coerce < 2; coerce++) {
					topi_softmax_params p = {axis, coerce};
					jit_this = di == 0 && (axis == -1 || axis == 0);
					tir_func *f;
					BUILD(topi_softmax(C, "sm", ops[k].op, T(dts[di], "n,3,m"),
							   &p, &f));
					relay_attrs_softmax *a = attrs_of(RELAY_ATTRS_softmax);
					a->axis = axis;
					a->coerce_2d = coerce;
					for (int s = 0; s < 3; s++) {
						int64_t shape[3] = {NM[s][0], 3, NM[s][1]};
						sb_tensor *x =
						    rand_tensor(dts[di], 3, shape, -5, 5);
						if (ops[k].op == TOPI_HARDMAX) /* ties */
							for (int64_t i = 0; i < sb_tensor_numel(x);
							     i++)
								sb_tensor_set_f64(
								    x, i,
								    floor(sb_tensor_get_f64(x, i)));
						check_op_tol(f, ops[k].rop, a, 1, &x, 1, &x, 1,
							     dts[di] == SB_F16 ? 2e-3 : 1e-5);
						sb_tensor_release(x);
					}
				}
			}
		}
	}
}

static void test_cumsum(void **state)
{
	static const sb_dtype dts[] = {SB_F32, SB_I32, SB_F64, SB_I64};
	for (size_t k = 0; k < SB_ARRAY_LEN(dts); k++) {
		for (int axis = -1; axis < 3; axis++) {
			for (int flags = 0; flags < 4; flags++) {
				topi_cumsum_params p = {axis, flags & 1, (flags >> 1) & 1};
				jit_this = k == 0 || (k == 1 && axis == 1);
				tir_func *f;
				BUILD(topi_cumsum(C, "cumsum", T(dts[k], "n,3,m"), &p, &f));
				relay_attrs_cumsum *a = attrs_of(RELAY_ATTRS_cumsum);
				a->exclusive = p.exclusive;
				a->reverse = p.reverse;
				for (int s = 0; s < 3; s++) {
					int64_t shape[3] = {NM[s][0], 3, NM[s][1]};
					sb_tensor *x = rand_tensor(dts[k], 3, shape, -9, 9);
					sb_tensor *ax = scalar_tensor(SB_I64, axis);
					sb_tensor *rin[2] = {x, ax};
					check_op(f, RELAY_OP_CUM_SUM, a, 2, rin, 1, &x, 1);
					release_all(2, rin);
				}
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_reduce_float32, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reduce_other_dtypes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reduce_noop_and_nan, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_arg_reduce, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_softmax, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cumsum, setup, teardown),
	    TOPI_SO_TEST,
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
