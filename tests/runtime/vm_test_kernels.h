/* Packed functions the VM tests call, written the way generated kernels
 * are: only shapebridge/packed.h, every argument checked, errors through
 * KERNEL_SET_ERROR and loops through KERNEL_PARALLEL_FOR.  A test program
 * maps those to the runtime directly; module_lib.c (a model .so) maps them
 * to the sb_module_runtime table. */
#ifndef VM_TEST_KERNELS_H
#define VM_TEST_KERNELS_H

#include "shapebridge/packed.h"

static int64_t kernel_numel(const sb_tensor *t)
{
	int64_t n = 1;
	for (int d = 0; d < t->dl.ndim; d++)
		n *= t->shape[d];
	return n;
}

static int kernel_check_f32(const char *fn, const sb_value *v, int i)
{
	if (v->kind != SB_VAL_TENSOR || v->u.tensor->dtype != SB_F32)
		return KERNEL_SET_ERROR(SB_ERR_INVALID, "%s: argument %d is not a float32 tensor", fn, i);
	return 0;
}

typedef struct add_env {
	const float *a, *b;
	float *out;
} add_env;

static void add_body(int64_t begin, int64_t end, void *p)
{
	add_env *env = p;
	for (int64_t i = begin; i < end; i++)
		env->out[i] = env->a[i] + env->b[i];
}

/* test.add(a, b, out): out = a + b, all float32 of one shape. */
static int kernel_add(const sb_value *args, int nargs, sb_value *ret)
{
	if (nargs != 3)
		return KERNEL_SET_ERROR(SB_ERR_INVALID, "test.add: takes 3 arguments, got %d", nargs);
	for (int i = 0; i < 3; i++)
		if (kernel_check_f32("test.add", &args[i], i))
			return SB_ERR_INVALID;
	const sb_tensor *a = args[0].u.tensor, *b = args[1].u.tensor, *out = args[2].u.tensor;
	if (a->dl.ndim != b->dl.ndim || a->dl.ndim != out->dl.ndim)
		return KERNEL_SET_ERROR(SB_ERR_INVALID, "test.add: ranks differ");
	for (int d = 0; d < a->dl.ndim; d++)
		if (a->shape[d] != b->shape[d] || a->shape[d] != out->shape[d])
			return KERNEL_SET_ERROR(SB_ERR_INVALID, "test.add: dim %d differs", d);
	add_env env = {a->dl.data, b->dl.data, out->dl.data};
	KERNEL_PARALLEL_FOR(kernel_numel(a), add_body, &env);
	return 0;
}

/* test.shape_func(heap): heap[1] = heap[0] * 4 * sizeof(float), the byte
 * size of a float32[n, 4] -- what a generated shape function computes. */
static int kernel_shape_func(const sb_value *args, int nargs, sb_value *ret)
{
	if (nargs != 1 || args[0].kind != SB_VAL_TENSOR || args[0].u.tensor->dtype != SB_I64 ||
	    kernel_numel(args[0].u.tensor) < 2)
		return KERNEL_SET_ERROR(SB_ERR_INVALID, "test.shape_func: needs the shape heap");
	int64_t *heap = args[0].u.tensor->dl.data;
	heap[1] = heap[0] * 4 * (int64_t)sizeof(float);
	return 0;
}

/* test.inc(i) -> i + 1;  test.lt(a, b) -> a < b */
static int kernel_inc(const sb_value *args, int nargs, sb_value *ret)
{
	if (nargs != 1 || args[0].kind != SB_VAL_INT)
		return KERNEL_SET_ERROR(SB_ERR_INVALID, "test.inc: needs one int");
	*ret = sb_value_int(args[0].u.i + 1);
	return 0;
}

static int kernel_lt(const sb_value *args, int nargs, sb_value *ret)
{
	if (nargs != 2 || args[0].kind != SB_VAL_INT || args[1].kind != SB_VAL_INT)
		return KERNEL_SET_ERROR(SB_ERR_INVALID, "test.lt: needs two ints");
	*ret = sb_value_int(args[0].u.i < args[1].u.i);
	return 0;
}

#define VM_TEST_KERNELS(X)                      \
	X("test.add", kernel_add)               \
	X("test.shape_func", kernel_shape_func) \
	X("test.inc", kernel_inc)               \
	X("test.lt", kernel_lt)

#endif
