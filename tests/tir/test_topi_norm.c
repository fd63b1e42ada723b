/* topi normalisations (BatchNormalization inference, InstanceNormalization,
 * LayerNormalization with its optional outputs, LRN, MVN) against the
 * relay_like kernels at several shapes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "topi_harness.h"

static const int64_t NM[3][2] = {{1, 1}, {7, 5}, {13, 10}};

static void test_batch_norm(void **state)
{
	static const sb_dtype dts[] = {SB_F32, SB_F64};
	for (size_t k = 0; k < SB_ARRAY_LEN(dts); k++) {
		sb_dtype dt = dts[k];
		tir_func *f;
		BUILD(topi_batch_norm(C, "bn", T(dt, "n,c,h,w"), T(dt, "c"), T(dt, "c"), T(dt, "c"),
				      T(dt, "c"), (double)1e-3f, &f));
		relay_attrs_batch_norm *a = attrs_of(RELAY_ATTRS_batch_norm);
		a->epsilon = 1e-3f;
		static const int64_t shapes[3][4] = {{1, 1, 1, 1}, {2, 3, 7, 5}, {3, 4, 1, 10}};
		for (int s = 0; s < 3; s++) {
			int64_t cs[1] = {shapes[s][1]};
			sb_tensor *in[5] = {
			    rand_tensor(dt, 4, shapes[s], -2, 2), rand_tensor(dt, 1, cs, 0.5, 2),
			    rand_tensor(dt, 1, cs, -1, 1),	  rand_tensor(dt, 1, cs, -1, 1),
			    rand_tensor(dt, 1, cs, 0.1, 2),
			};
			check_op(f, RELAY_OP_BATCH_NORMALIZATION, a, 5, in, 5, in, 1);
			release_all(5, in);
		}
	}
	/* the channel count of a parameter is checked when it runs */
	tir_func *f;
	BUILD(topi_batch_norm(C, "bn", T(SB_F32, "n,c,h"), T(SB_F32, "d"), T(SB_F32, "c"),
			      T(SB_F32, "c"), T(SB_F32, "c"), 1e-5, &f));
	int64_t xs[3] = {1, 3, 2}, c3[1] = {3}, c2[1] = {2};
	sb_tensor *in[6] = {rand_tensor(SB_F32, 3, xs, 0, 1), rand_tensor(SB_F32, 1, c2, 0, 1),
			    rand_tensor(SB_F32, 1, c3, 0, 1), rand_tensor(SB_F32, 1, c3, 0, 1),
			    rand_tensor(SB_F32, 1, c3, 0, 1), sb_tensor_new(SB_F32, 3, xs)};
	expect_error(tir_eval_tensors(f, in, 6), "scale has d elements for c channels");
	release_all(6, in);
	expect_error(topi_batch_norm(C, "bn", T(SB_F32, "n,3,h"), T(SB_F32, "4"), T(SB_F32, "3"),
				     T(SB_F32, "3"), T(SB_F32, "3"), 1e-5, &f),
		     "scale has 4 elements for 3 channels");
}

static void test_instance_norm(void **state)
{
	tir_func *f;
	BUILD(topi_instance_norm(C, "in", T(SB_F32, "n,c,h,w"), T(SB_F32, "c"), T(SB_F32, "c"),
				 (double)1e-4f, &f));
	relay_attrs_epsilon *a = attrs_of(RELAY_ATTRS_epsilon);
	a->epsilon = 1e-4f;
	static const int64_t shapes[3][4] = {{1, 1, 1, 1}, {2, 3, 7, 5}, {1, 2, 13, 10}};
	for (int s = 0; s < 3; s++) {
		int64_t cs[1] = {shapes[s][1]};
		sb_tensor *in[3] = {rand_tensor(SB_F32, 4, shapes[s], -2, 2),
				    rand_tensor(SB_F32, 1, cs, 0.5, 2),
				    rand_tensor(SB_F32, 1, cs, -1, 1)};
		check_op(f, RELAY_OP_INSTANCE_NORMALIZATION, a, 3, in, 3, in, 1);
		release_all(3, in);
	}
}

static void test_layer_norm(void **state)
{
	for (int axis = -2; axis < 3; axis++) {
		for (int nout = 1; nout <= 3; nout++) {
			for (int with_bias = 0; with_bias < 2; with_bias++) {
				int ax = axis < 0 ? axis + 3 : axis;
				/* scale over the normalised dims, or broadcast from fewer */
				const char *sdims = ax == 0 ? "3,m" : ax == 1 ? "3,m" : "m";
				if (ax == 0 && nout == 2)
					sdims = "1,m"; /* a broadcast scale */
				topi_layer_norm_params p = {axis, (double)1e-5f, nout};
				topi_tensor bt = T(SB_F32, "m");
				tir_func *f;
				BUILD(topi_layer_norm(C, "ln", T(SB_F32, "n,3,m"), T(SB_F32, sdims),
						      with_bias ? &bt : NULL, &p, &f));
				relay_attrs_layer_norm *a = attrs_of(RELAY_ATTRS_layer_norm);
				a->axis = axis;
				for (int s = 0; s < 3; s++) {
					int64_t shape[3] = {NM[s][0], 3, NM[s][1]};
					topi_tensor st = T(SB_F32, sdims);
					int64_t ss[2];
					for (int d = 0; d < st.ndim; d++)
						ss[d] = st.shape[d] == D("1")
							    ? 1
							    : shape[3 - st.ndim + d];
					int64_t bs[1] = {NM[s][1]};
					sb_tensor *in[3] = {
					    rand_tensor(SB_F32, 3, shape, -2, 2),
					    rand_tensor(SB_F32, st.ndim, ss, 0.5, 2),
					    with_bias ? rand_tensor(SB_F32, 1, bs, -1, 1) : NULL};
					check_op(f, RELAY_OP_LAYER_NORMALIZATION, a, 3, in,
						 2 + with_bias, in, nout);
					release_all(3, in);
				}
			}
		}
	}
}

static void test_lrn(void **state)
{
	static const int64_t sizes[] = {1, 2, 3, 5};
	for (size_t k = 0; k < SB_ARRAY_LEN(sizes); k++) {
		topi_lrn_params p = {(double)2e-2f, (double)0.75f, (double)1.5f, sizes[k]};
		tir_func *f;
		BUILD(topi_lrn(C, "lrn", T(SB_F32, "n,c,h,w"), &p, &f));
		relay_attrs_lrn *a = attrs_of(RELAY_ATTRS_lrn);
		a->alpha = 2e-2f;
		a->beta = 0.75f;
		a->bias = 1.5f;
		a->size = sizes[k];
		static const int64_t shapes[3][4] = {{1, 1, 1, 1}, {2, 7, 3, 5}, {1, 4, 13, 2}};
		for (int s = 0; s < 3; s++) {
			sb_tensor *x = rand_tensor(SB_F32, 4, shapes[s], -3, 3);
			check_op(f, RELAY_OP_LRN, a, 1, &x, 1, &x, 1);
			sb_tensor_release(x);
		}
	}
	tir_func *f;
	expect_error(topi_lrn(C, "lrn", T(SB_F32, "n,c,h"), &(topi_lrn_params){1, 1, 1, 0}, &f),
		     "size");
}

static void test_mvn(void **state)
{
	static const struct {
		int n;
		int64_t axes[3];
	} cases[] = {{0, {0}}, {2, {2, 3}}, {1, {1}}, {3, {0, 1, -1}}};
	for (size_t k = 0; k < SB_ARRAY_LEN(cases); k++) {
		topi_mvn_params p = {.naxes = cases[k].n};
		memcpy(p.axes, cases[k].axes, sizeof cases[k].axes);
		tir_func *f;
		BUILD(topi_mvn(C, "mvn", T(SB_F32, "n,c,h,w"), &p, &f));
		relay_attrs_mvn *a = attrs_of(RELAY_ATTRS_mvn);
		if (cases[k].n)
			a->axes = relay_ints_make(M, cases[k].n, cases[k].axes);
		static const int64_t shapes[3][4] = {{1, 1, 1, 1}, {2, 3, 7, 5}, {1, 2, 13, 10}};
		for (int s = 0; s < 3; s++) {
			sb_tensor *x = rand_tensor(SB_F32, 4, shapes[s], -2, 2);
			check_op_tol(f, RELAY_OP_MEAN_VARIANCE_NORMALIZATION, a, 1, &x, 1, &x, 1,
				     1e-4);
			sb_tensor_release(x);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_batch_norm, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_instance_norm, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_layer_norm, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lrn, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_mvn, setup, teardown),
	    TOPI_SO_TEST,
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
