/* topi Resize: every mode, coordinate transformation and nearest rounding,
 * from scales and from sizes, cubic's coefficient and exclude_outside,
 * tf_crop_and_resize with its extrapolation value, against the relay_like
 * kernel at several input shapes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "topi_harness.h"

static const char *const modes[] = {"nearest", "linear", "cubic"};
static const char *const coords[] = {"half_pixel", "pytorch_half_pixel",   "align_corners",
				     "asymmetric", "tf_half_pixel_for_nn", "tf_crop_and_resize"};
static const char *const nearests[] = {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"};

static const int64_t HW[3][2] = {{1, 1}, {7, 5}, {4, 10}};

static void *resize_attrs(const topi_resize_params *p)
{
	relay_attrs_resize *a = attrs_of(RELAY_ATTRS_resize);
	a->mode = relay_intern(M, modes[p->mode]);
	a->coordinate_transformation_mode = relay_intern(M, coords[p->coord]);
	a->nearest_mode = relay_intern(M, nearests[p->nearest]);
	a->cubic_coeff_a = (float)p->cubic_coeff_a;
	a->exclude_outside = p->exclude_outside;
	a->extrapolation_value = (float)p->extrapolation_value;
	return a;
}

/* x [n, 2, h, w] resized by scales (h, w) or to sizes. */
static void run_case(topi_resize_params p, const double *scales2, bool use_sizes, sb_dtype dt)
{
	double scales[4] = {1, 1, scales2[0], scales2[1]};
	double roi[8] = {0, 0, 0.1, 0.25, 1, 1, 0.8, 1.2};
	tir_expr *sizes[4] = {D("n"), tir_int(C, 2), tir_int(C, 9), tir_int(C, 4)};
	p.scales = use_sizes ? NULL : scales;
	p.sizes = use_sizes ? sizes : NULL;
	p.roi = roi;
	tir_func *f;
	BUILD(topi_resize(C, "resize", T(dt, "n,2,h,w"), &p, &f));
	void *a = resize_attrs(&p);
	for (int s = 0; s < 3; s++) {
		int64_t shape[4] = {s + 1, 2, HW[s][0], HW[s][1]};
		sb_tensor *x = rand_tensor(dt, 4, shape, -5, 5);
		sb_tensor *roi_t = tensor_of(SB_F32, 1, (int64_t[]){8}, roi);
		sb_tensor *sc = use_sizes ? NULL : tensor_of(SB_F32, 1, (int64_t[]){4}, scales);
		int64_t sz[4] = {s + 1, 2, 9, 4};
		sb_tensor *si = use_sizes ? ints_tensor(4, sz) : NULL;
		bool crop = p.coord == TOPI_COORD_TF_CROP_AND_RESIZE;
		sb_tensor *rin[4] = {x, crop ? roi_t : NULL, sc, si};
		check_op(f, RELAY_OP_RESIZE, a, 4, rin, 1, &x, 1);
		if (!crop) /* else rin holds it: released once, below */
			release_all(1, &roi_t);
		release_all(4, rin);
	}
}

static void test_resize_modes(void **state)
{
	/* float32 scales: the relay side reads them from a float tensor */
	static const double scale_sets[3][2] = {
	    {2.0, 3.0}, {(double)0.6f, (double)1.7f}, {1.0, (double)2.5f}};
	for (int mode = 0; mode < 3; mode++)
		for (int coord = 0; coord < 6; coord++)
			for (int ss = 0; ss < 4; ss++) {
				jit_this = ss == 0 || ss == 3;
				topi_resize_params p = {
				    .mode = (topi_resize_mode)mode,
				    .coord = (topi_resize_coord)coord,
				    .nearest = TOPI_NEAREST_ROUND_PREFER_FLOOR,
				    .cubic_coeff_a = (double)-0.75f,
				    .extrapolation_value = (double)-3.5f,
				};
				run_case(p, scale_sets[ss % 3], ss == 3, SB_F32);
			}
	jit_this = true;
}

static void test_resize_nearest_modes(void **state)
{
	static const double scale_sets[3][2] = {
	    {2.0, 3.0}, {(double)0.6f, (double)1.5f}, {(double)2.5f, 1.0}};
	for (int nearest = 0; nearest < 4; nearest++)
		for (int coord = 0; coord < 5; coord++)
			for (int ss = 0; ss < 4; ss++) {
				jit_this = ss == 0;
				topi_resize_params p = {
				    .mode = TOPI_RESIZE_NEAREST,
				    .coord = (topi_resize_coord)coord,
				    .nearest = (topi_resize_nearest)nearest,
				};
				run_case(p, scale_sets[ss % 3], ss == 3, SB_F32);
			}
	jit_this = true;
}

static void test_resize_cubic_options(void **state)
{
	static const double scales[2] = {(double)1.7f, (double)0.8f};
	for (int excl = 0; excl < 2; excl++) {
		topi_resize_params p = {
		    .mode = TOPI_RESIZE_CUBIC,
		    .coord = TOPI_COORD_HALF_PIXEL,
		    .cubic_coeff_a = (double)-0.5f,
		    .exclude_outside = excl,
		};
		run_case(p, scales, false, SB_F32);
		run_case(p, scales, true, SB_F32);
		p.mode = TOPI_RESIZE_LINEAR;
		run_case(p, scales, false, SB_F32);
	}
}

static void test_resize_dtypes(void **state)
{
	static const double scales[2] = {(double)1.7f, 2.0};
	static const sb_dtype dts[] = {SB_F64, SB_U8, SB_I32, SB_F16};
	for (size_t k = 0; k < SB_ARRAY_LEN(dts); k++)
		for (int mode = 0; mode < 3; mode++) {
			topi_resize_params p = {.mode = (topi_resize_mode)mode,
						.coord = TOPI_COORD_ASYMMETRIC,
						.cubic_coeff_a = (double)-0.75f};
			run_case(p, scales, false, dts[k]);
		}
}

/* Output shapes: an integer scale multiplies the symbolic dim. */
static void test_resize_shapes(void **state)
{
	double scales[4] = {1, 1, 2, 3};
	topi_resize_params p = {.mode = TOPI_RESIZE_NEAREST, .scales = scales};
	tir_func *f;
	BUILD(topi_resize(C, "resize", T(SB_F32, "n,c,h,w"), &p, &f));
	char *s = tir_func_to_string(f);
	assert_non_null(strstr(s, "Y: Buffer(float32, [n, c, h * 2, w * 3])"));
	free(s);
	tir_expr *sizes[2] = {D("n"), D("q")};
	p.scales = NULL;
	p.sizes = sizes;
	BUILD(topi_resize(C, "resize", T(SB_F32, "n,w"), &p, &f));
	/* q is bound from the output */
	sb_tensor *x = rand_tensor(SB_F32, 2, (int64_t[]){2, 3}, 0, 1);
	sb_tensor *y = sb_tensor_new(SB_F32, 2, (int64_t[]){2, 7});
	expect_ok(tir_eval_tensors(f, (sb_tensor *[]){x, y}, 2));
	sb_tensor_release(x);
	sb_tensor_release(y);
	p.sizes = NULL;
	expect_error(topi_resize(C, "resize", T(SB_F32, "n,w"), &p, &f), "scales and sizes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_resize_modes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resize_nearest_modes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resize_cubic_options, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resize_dtypes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resize_shapes, setup, teardown),
	    TOPI_SO_TEST,
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
