/* VM builtins: packed functions the code generator calls for allocation,
 * shape-heap traffic, shape checks and tuples.  They check every argument
 * (a blob is untrusted) and their messages are complete -- the VM does not
 * prefix them -- because the shape checks are what a user sees when an
 * input does not fit: "input 'x' dim 1: expected 4, got 5". */
#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "runtime.h"

/* ---- Argument access ---- */

static sb_status bad_arg(const char *fn, int i, const char *want, const sb_value *args, int nargs)
{
	return sb_set_error(SB_ERR_INVALID, "%s: argument %d is %s, expected %s", fn, i,
			    i < nargs ? sb_value_kind_name(args[i].kind) : "missing", want);
}

static sb_status need_nargs(const char *fn, int nargs, int want)
{
	if (nargs != want)
		return sb_set_error(SB_ERR_INVALID, "%s takes %d arguments, got %d", fn, want, nargs);
	return SB_OK;
}

#define ARG_INT(fn, k, out)                                                      \
	do {                                                                     \
		if ((k) >= nargs || args[k].kind != SB_VAL_INT)                  \
			return bad_arg(fn, k, "an int", args, nargs);            \
		(out) = args[k].u.i;                                             \
	} while (0)
#define ARG_STR(fn, k, out)                                                      \
	do {                                                                     \
		if ((k) >= nargs || args[k].kind != SB_VAL_STRING)               \
			return bad_arg(fn, k, "a string", args, nargs);          \
		(out) = args[k].u.str;                                           \
	} while (0)
#define ARG_TENSOR(fn, k, out)                                                   \
	do {                                                                     \
		if ((k) >= nargs || args[k].kind != SB_VAL_TENSOR)               \
			return bad_arg(fn, k, "a tensor", args, nargs);          \
		(out) = args[k].u.tensor;                                        \
	} while (0)
#define ARG_SHAPE(fn, k, out)                                                    \
	do {                                                                     \
		if ((k) >= nargs || args[k].kind != SB_VAL_SHAPE)                \
			return bad_arg(fn, k, "a shape", args, nargs);           \
		(out) = args[k].u.shape;                                         \
	} while (0)

/* A dtype given as its sb_dtype code or its name; "" / 0 = any when
 * `any_ok`. */
static sb_status arg_dtype(const char *fn, const sb_value *args, int nargs, int i, bool any_ok,
			   sb_dtype *out)
{
	if (i < nargs && args[i].kind == SB_VAL_INT) {
		int64_t v = args[i].u.i;
		if ((v == SB_DT_INVALID && any_ok) || (v > SB_DT_INVALID && v < SB_DT_COUNT)) {
			*out = (sb_dtype)v;
			return SB_OK;
		}
		return sb_set_error(SB_ERR_INVALID, "%s: %" PRId64 " is not a dtype code", fn, v);
	}
	if (i < nargs && args[i].kind == SB_VAL_STRING) {
		const char *s = args[i].u.str;
		*out = *s ? sb_dtype_from_name(s) : SB_DT_INVALID;
		if (*out != SB_DT_INVALID || (!*s && any_ok))
			return SB_OK;
		return sb_set_error(SB_ERR_INVALID, "%s: '%s' is not a dtype", fn, s);
	}
	return bad_arg(fn, i, "a dtype (int code or name)", args, nargs);
}

static sb_status need_frame(const char *fn, sb_vm_frame **frame)
{
	*frame = sb_vm_frame_current();
	if (!*frame)
		return sb_set_error(SB_ERR_INVALID, "%s called outside a VM function", fn);
	return SB_OK;
}

static sb_status heap_slot(const char *fn, const sb_vm_frame *frame, int64_t slot)
{
	if (slot < 0 || slot >= frame->func->heap_size)
		return sb_set_error(SB_ERR_INVALID, "%s: shape-heap slot %" PRId64
				    " is outside 0..%d of function '%s'",
				    fn, slot, frame->func->heap_size - 1, frame->func->name);
	return SB_OK;
}

static int ret_shape(int rank, const int64_t *dims, sb_value *ret)
{
	sb_shape *s = sb_shape_new(rank, dims);
	if (!s)
		return SB_ERR_NOMEM;
	ret->kind = SB_VAL_SHAPE;
	ret->u.shape = s;
	return SB_OK;
}

/* ---- Memory ---- */

static void storage_destroy(sb_object *o) { sb_pool_free(o); }

/* Header padded to 64 bytes so the data that follows stays aligned. */
#define STORAGE_HEADER 64
static_assert(sizeof(sb_storage) <= STORAGE_HEADER, "storage header fits its slot");

/* alloc_storage(size: int) -> storage */
static int builtin_alloc_storage(const sb_value *args, int nargs, sb_value *ret)
{
	static const char fn[] = SB_BUILTIN_ALLOC_STORAGE;
	int64_t size;
	sb_status st = need_nargs(fn, nargs, 1);
	if (st)
		return st;
	ARG_INT(fn, 0, size);
	if (size < 0 || (uint64_t)size > SIZE_MAX / 2)
		return sb_set_error(SB_ERR_INVALID, "%s: bad size %" PRId64, fn, size);
	sb_vm_frame *frame = sb_vm_frame_current();
	sb_pool *pool = frame ? sb_vm_storage_pool(frame->vm) : sb_pool_workspace();
	sb_storage *s = sb_pool_alloc(pool, STORAGE_HEADER + (size_t)size);
	if (!s)
		return sb_error_prefix(SB_ERR_NOMEM, "%s", fn);
	s->obj = (sb_object){.refcount = 1, .type = SB_OBJ_STORAGE, .destroy = storage_destroy};
	s->size = (size_t)size;
	s->data = (char *)s + STORAGE_HEADER;
	*ret = sb_value_object(&s->obj);
	return SB_OK;
}

static void storage_release(void *ctx) { sb_object_release(ctx); }

/* alloc_tensor(storage, offset: int, shape, dtype) -> tensor viewing the
 * storage at offset (a multiple of 64: kernels may rely on alignment). */
static int builtin_alloc_tensor(const sb_value *args, int nargs, sb_value *ret)
{
	static const char fn[] = SB_BUILTIN_ALLOC_TENSOR;
	int64_t offset;
	sb_shape *shape;
	sb_dtype dt;
	sb_status st = need_nargs(fn, nargs, 4);
	if (st)
		return st;
	if (args[0].kind != SB_VAL_OBJECT || args[0].u.obj->type != SB_OBJ_STORAGE)
		return bad_arg(fn, 0, "a storage", args, nargs);
	sb_storage *s = (sb_storage *)args[0].u.obj;
	ARG_INT(fn, 1, offset);
	ARG_SHAPE(fn, 2, shape);
	if ((st = arg_dtype(fn, args, nargs, 3, false, &dt)))
		return st;
	if (offset < 0 || offset % SB_TENSOR_ALIGN)
		return sb_set_error(SB_ERR_INVALID, "%s: offset %" PRId64 " is not a multiple of %d", fn,
				    offset, SB_TENSOR_ALIGN);
	uint64_t bytes = sb_dtype_size(dt);
	for (int d = 0; d < shape->rank; d++) {
		uint64_t n = (uint64_t)shape->dims[d];
		if (shape->dims[d] < 0)
			return sb_set_error(SB_ERR_INVALID, "%s: negative dimension %" PRId64, fn,
					    shape->dims[d]);
		bytes = n && bytes > s->size / n ? UINT64_MAX : bytes * n;
	}
	if (bytes > s->size || (uint64_t)offset > s->size - bytes) {
		char dims[256];
		sb_shape_format(shape->rank, shape->dims, dims, sizeof dims);
		return sb_set_error(SB_ERR_INVALID,
				    "%s: a %s%s tensor at offset %" PRId64
				    " does not fit in a storage of %zu bytes",
				    fn, sb_dtype_name(dt), dims, offset, s->size);
	}
	sb_tensor *t = sb_tensor_wrap(dt, shape->rank, shape->dims, (char *)s->data + offset,
				      storage_release, s);
	if (!t)
		return sb_error_prefix(SB_ERR_INVALID, "%s", fn);
	sb_object_retain(&s->obj);
	*ret = sb_value_tensor(t);
	return SB_OK;
}

/* ---- Shapes and the shape heap ---- */

/* shape_of(tensor) -> shape */
static int builtin_shape_of(const sb_value *args, int nargs, sb_value *ret)
{
	static const char fn[] = SB_BUILTIN_SHAPE_OF;
	sb_tensor *t;
	sb_status st = need_nargs(fn, nargs, 1);
	if (st)
		return st;
	ARG_TENSOR(fn, 0, t);
	return ret_shape(t->dl.ndim, t->shape, ret);
}

/* match_shape(value, ctx: string, ndim: int, [code, v, name] * ndim): the
 * value (tensor or shape) must have rank ndim; each dim is stored into the
 * heap or checked against an immediate or a heap slot.  `ctx` says what is
 * matched ("input 'x'"), `name` names the dim ("batch", or ""). */
static int builtin_match_shape(const sb_value *args, int nargs, sb_value *ret)
{
	static const char fn[] = SB_BUILTIN_MATCH_SHAPE;
	const char *ctx;
	int64_t ndim;
	ARG_STR(fn, 1, ctx);
	ARG_INT(fn, 2, ndim);
	if (ndim < 0 || ndim > SB_MAX_RANK || nargs != 3 + 3 * ndim)
		return sb_set_error(SB_ERR_INVALID, "%s: %d arguments do not describe %" PRId64 " dims",
				    fn, nargs, ndim);
	int rank;
	const int64_t *dims;
	if (args[0].kind == SB_VAL_TENSOR) {
		rank = args[0].u.tensor->dl.ndim;
		dims = args[0].u.tensor->shape;
	} else if (args[0].kind == SB_VAL_SHAPE) {
		rank = args[0].u.shape->rank;
		dims = args[0].u.shape->dims;
	} else {
		return sb_set_error(SB_ERR_INVALID, "%s: expected a tensor, got %s", ctx,
				    sb_value_kind_name(args[0].kind));
	}
	if (rank != ndim)
		return sb_set_error(SB_ERR_INVALID, "%s: expected rank %" PRId64 ", got rank %d", ctx,
				    ndim, rank);
	sb_vm_frame *frame = NULL;
	sb_status st;
	for (int d = 0; d < rank; d++) {
		int64_t code, v;
		const char *name;
		ARG_INT(fn, 3 + 3 * d, code);
		ARG_INT(fn, 4 + 3 * d, v);
		ARG_STR(fn, 5 + 3 * d, name);
		int64_t expect;
		switch (code) {
		case SB_MATCH_NOOP: continue;
		case SB_MATCH_STORE:
		case SB_MATCH_CHECK_HEAP:
			if ((st = need_frame(fn, &frame)) || (st = heap_slot(fn, frame, v)))
				return st;
			if (code == SB_MATCH_STORE) {
				frame->heap[v] = dims[d];
				continue;
			}
			expect = frame->heap[v];
			break;
		case SB_MATCH_CHECK_IMM: expect = v; break;
		default:
			return sb_set_error(SB_ERR_INVALID, "%s: unknown dim code %" PRId64, fn, code);
		}
		if (dims[d] != expect)
			return sb_set_error(SB_ERR_INVALID,
					    "%s dim %d%s%s%s: expected %" PRId64 ", got %" PRId64, ctx, d,
					    *name ? " (" : "", name, *name ? ")" : "", expect, dims[d]);
	}
	return SB_OK;
}

/* make_shape(ndim: int, [code, v] * ndim) -> shape; code 0: v, 1: heap[v] */
static int builtin_make_shape(const sb_value *args, int nargs, sb_value *ret)
{
	static const char fn[] = SB_BUILTIN_MAKE_SHAPE;
	int64_t ndim;
	ARG_INT(fn, 0, ndim);
	if (ndim < 0 || ndim > SB_MAX_RANK || nargs != 1 + 2 * ndim)
		return sb_set_error(SB_ERR_INVALID, "%s: %d arguments do not describe %" PRId64 " dims",
				    fn, nargs, ndim);
	int64_t dims[SB_MAX_RANK];
	sb_vm_frame *frame = NULL;
	sb_status st;
	for (int d = 0; d < ndim; d++) {
		int64_t code, v;
		ARG_INT(fn, 1 + 2 * d, code);
		ARG_INT(fn, 2 + 2 * d, v);
		if (code == SB_MAKE_SHAPE_HEAP) {
			if ((st = need_frame(fn, &frame)) || (st = heap_slot(fn, frame, v)))
				return st;
			v = frame->heap[v];
		} else if (code != SB_MAKE_SHAPE_IMM) {
			return sb_set_error(SB_ERR_INVALID, "%s: unknown dim code %" PRId64, fn, code);
		}
		if (v < 0)
			return sb_set_error(SB_ERR_INVALID, "%s: dim %d is negative (%" PRId64 ")", fn, d, v);
		dims[d] = v;
	}
	return ret_shape((int)ndim, dims, ret);
}

/* heap_load(slot: int) -> int */
static int builtin_heap_load(const sb_value *args, int nargs, sb_value *ret)
{
	static const char fn[] = SB_BUILTIN_HEAP_LOAD;
	int64_t slot;
	sb_vm_frame *frame;
	sb_status st = need_nargs(fn, nargs, 1);
	if (st)
		return st;
	ARG_INT(fn, 0, slot);
	if ((st = need_frame(fn, &frame)) || (st = heap_slot(fn, frame, slot)))
		return st;
	*ret = sb_value_int(frame->heap[slot]);
	return SB_OK;
}

/* heap_store(slot: int, value: int) */
static int builtin_heap_store(const sb_value *args, int nargs, sb_value *ret)
{
	static const char fn[] = SB_BUILTIN_HEAP_STORE;
	int64_t slot, v;
	sb_vm_frame *frame;
	sb_status st = need_nargs(fn, nargs, 2);
	if (st)
		return st;
	ARG_INT(fn, 0, slot);
	ARG_INT(fn, 1, v);
	if ((st = need_frame(fn, &frame)) || (st = heap_slot(fn, frame, slot)))
		return st;
	frame->heap[slot] = v;
	return SB_OK;
}

static void heap_release(void *ctx) { sb_pool_free(ctx); }

/* shape_heap() -> int64 tensor [heap_size] sharing the frame's heap, for a
 * generated shape function that computes slots from slots. */
static int builtin_shape_heap(const sb_value *args, int nargs, sb_value *ret)
{
	static const char fn[] = SB_BUILTIN_SHAPE_HEAP;
	sb_vm_frame *frame;
	sb_status st = need_nargs(fn, nargs, 0);
	if (st || (st = need_frame(fn, &frame)))
		return st;
	if (!frame->heap)
		return sb_set_error(SB_ERR_INVALID, "%s: function '%s' has no shape heap", fn,
				    frame->func->name);
	if (!frame->heap_tensor) {
		/* From here on the tensor owns the heap: it lives as long as
		 * the last reference, even past the frame. */
		int64_t n = frame->func->heap_size;
		frame->heap_tensor = sb_tensor_wrap(SB_I64, 1, &n, frame->heap, heap_release, frame->heap);
		if (!frame->heap_tensor)
			return sb_error_prefix(SB_ERR_NOMEM, "%s", fn);
	}
	*ret = sb_value_tensor(sb_tensor_retain(frame->heap_tensor));
	return SB_OK;
}

/* ---- Tuples ---- */

/* tuple_make(fields...) -> tuple */
static int builtin_tuple_make(const sb_value *args, int nargs, sb_value *ret)
{
	sb_tuple *t = sb_tuple_new(args, nargs);
	if (!t)
		return sb_error_prefix(SB_ERR_INVALID, "%s", SB_BUILTIN_TUPLE_MAKE);
	*ret = sb_value_object(&t->obj);
	return SB_OK;
}

static bool is_tuple(const sb_value *v)
{
	return v->kind == SB_VAL_OBJECT && v->u.obj->type == SB_OBJ_TUPLE;
}

/* tuple_get(tuple, index: int) -> field */
static int builtin_tuple_get(const sb_value *args, int nargs, sb_value *ret)
{
	static const char fn[] = SB_BUILTIN_TUPLE_GET;
	int64_t i;
	sb_status st = need_nargs(fn, nargs, 2);
	if (st)
		return st;
	if (!is_tuple(&args[0]))
		return bad_arg(fn, 0, "a tuple", args, nargs);
	ARG_INT(fn, 1, i);
	const sb_tuple *t = (const sb_tuple *)args[0].u.obj;
	if (i < 0 || i >= t->size)
		return sb_set_error(SB_ERR_INVALID, "%s: index %" PRId64 " of a tuple of %d", fn, i,
				    t->size);
	*ret = sb_value_retain(t->fields[i]);
	return SB_OK;
}

/* ---- Checks ---- */

/* check_tensor_info(value, ndim: int (-1 any), dtype (0 / "" any), ctx: string) */
static int builtin_check_tensor_info(const sb_value *args, int nargs, sb_value *ret)
{
	static const char fn[] = SB_BUILTIN_CHECK_TENSOR_INFO;
	int64_t ndim;
	sb_dtype dt;
	const char *ctx;
	sb_status st = need_nargs(fn, nargs, 4);
	if (st)
		return st;
	ARG_INT(fn, 1, ndim);
	if ((st = arg_dtype(fn, args, nargs, 2, true, &dt)))
		return st;
	ARG_STR(fn, 3, ctx);
	if (args[0].kind != SB_VAL_TENSOR)
		return sb_set_error(SB_ERR_INVALID, "%s: expected a tensor, got %s", ctx,
				    sb_value_kind_name(args[0].kind));
	const sb_tensor *t = args[0].u.tensor;
	if (dt != SB_DT_INVALID && t->dtype != dt)
		return sb_set_error(SB_ERR_INVALID, "%s: expected dtype %s, got %s", ctx,
				    sb_dtype_name(dt), sb_dtype_name(t->dtype));
	if (ndim >= 0 && t->dl.ndim != ndim)
		return sb_set_error(SB_ERR_INVALID, "%s: expected rank %" PRId64 ", got rank %d", ctx,
				    ndim, t->dl.ndim);
	return SB_OK;
}

/* check_tuple_info(value, size: int, ctx: string) */
static int builtin_check_tuple_info(const sb_value *args, int nargs, sb_value *ret)
{
	static const char fn[] = SB_BUILTIN_CHECK_TUPLE_INFO;
	int64_t size;
	const char *ctx;
	sb_status st = need_nargs(fn, nargs, 3);
	if (st)
		return st;
	ARG_INT(fn, 1, size);
	ARG_STR(fn, 2, ctx);
	if (!is_tuple(&args[0]))
		return sb_set_error(SB_ERR_INVALID, "%s: expected a tuple, got %s", ctx,
				    sb_value_kind_name(args[0].kind));
	int n = ((const sb_tuple *)args[0].u.obj)->size;
	if (n != size)
		return sb_set_error(SB_ERR_INVALID, "%s: expected a tuple of %" PRId64 ", got %d", ctx,
				    size, n);
	return SB_OK;
}

/* A tensor's values for a message: "3", "[0, 2]", "[[1, 2], [3, 4]]"
 * (the first 16 elements), with its dtype in front when `with_dtype`;
 * `digits` significant digits for floats. */
static void format_values(const sb_tensor *t, bool with_dtype, int digits, char *buf, size_t size)
{
	size_t k = 0;
	int64_t numel = sb_tensor_numel(t), shown = numel < 16 ? numel : 16;
	int rank = t->dl.ndim;
#define PUT(...)                                                                                   	do {                                                                                       		if (k < size)                                                                      			k += (size_t)snprintf(buf + k, size - k, __VA_ARGS__);                     	} while (0)
	buf[0] = 0;
	if (with_dtype)
		PUT("%s ", sb_dtype_name(t->dtype));
	for (int64_t i = 0; i < shown; i++) {
		/* Open a bracket for every dim whose index starts here. */
		int64_t stride = 1;
		for (int d = rank - 1; d >= 0; d--) {
			if (i % (stride * t->shape[d]) == 0)
				PUT("[");
			stride *= t->shape[d];
		}
		if (sb_dtype_is_float(t->dtype))
			PUT("%.*g", digits, sb_tensor_get_f64(t, i));
		else
			PUT("%" PRId64, sb_tensor_get_i64(t, i));
		stride = 1;
		for (int d = rank - 1; d >= 0; d--) {
			stride *= t->shape[d];
			if ((i + 1) % stride != 0)
				break;
			PUT("]");
		}
		if (i + 1 < numel)
			PUT(", ");
	}
	if (shown < numel)
		PUT("... (%" PRId64 " elements)", numel);
	else if (numel == 0)
		PUT("[]");
#undef PUT
}

/* check_bound_input(value, expected: tensor, name: string): an input
 * the model was compiled for one value of (bound at compile time) must be
 * given exactly that value. */
static int builtin_check_bound_input(const sb_value *args, int nargs, sb_value *ret)
{
	static const char fn[] = SB_BUILTIN_CHECK_BOUND_INPUT;
	sb_tensor *want;
	const char *name;
	sb_status st = need_nargs(fn, nargs, 3);
	if (st)
		return st;
	ARG_TENSOR(fn, 1, want);
	ARG_STR(fn, 2, name);
	if (args[0].kind != SB_VAL_TENSOR)
		return sb_set_error(SB_ERR_INVALID, "input '%s': expected a tensor, got %s", name,
				    sb_value_kind_name(args[0].kind));
	const sb_tensor *got = args[0].u.tensor;
	if (sb_tensor_equal(got, want))
		return SB_OK;
	char w[512], g[512];
	bool dt = got->dtype != want->dtype;
	for (int digits = 6; digits <= 17; digits += 11) {
		format_values(want, dt, digits, w, sizeof w);
		format_values(got, dt, digits, g, sizeof g);
		if (strcmp(w, g))
			break;
	}
	return sb_set_error(SB_ERR_INVALID, "input '%s' was bound at compile time to %s; got %s",
			    name, w, g);
}

/* ---- Views and control ---- */

/* reshape(tensor, shape) -> tensor sharing the data */
static int builtin_reshape(const sb_value *args, int nargs, sb_value *ret)
{
	static const char fn[] = SB_BUILTIN_RESHAPE;
	sb_tensor *t;
	sb_shape *s;
	sb_status st = need_nargs(fn, nargs, 2);
	if (st)
		return st;
	ARG_TENSOR(fn, 0, t);
	ARG_SHAPE(fn, 1, s);
	for (int d = 0; d < s->rank; d++)
		if (s->dims[d] < 0)
			return sb_set_error(SB_ERR_INVALID, "%s: negative dimension", fn);
	sb_tensor *v = sb_tensor_reshape_view(t, s->rank, s->dims);
	if (!v)
		return sb_error_prefix(SB_ERR_INVALID, "%s", fn);
	*ret = sb_value_tensor(v);
	return SB_OK;
}

/* read_if_cond(int | one-element tensor) -> int (0 or 1) */
static int builtin_read_if_cond(const sb_value *args, int nargs, sb_value *ret)
{
	static const char fn[] = SB_BUILTIN_READ_IF_COND;
	sb_status st = need_nargs(fn, nargs, 1);
	if (st)
		return st;
	if (args[0].kind == SB_VAL_INT) {
		*ret = sb_value_int(args[0].u.i != 0);
		return SB_OK;
	}
	sb_tensor *t;
	ARG_TENSOR(fn, 0, t);
	if (sb_tensor_numel(t) != 1)
		return sb_set_error(SB_ERR_INVALID, "%s: condition has %" PRId64 " elements, not one", fn,
				    sb_tensor_numel(t));
	*ret = sb_value_int(sb_tensor_get_f64(t, 0) != 0);
	return SB_OK;
}

/* tensor_to_shape(tensor[, ctx: string]) -> shape: the values of a 1-D
 * integer tensor (a Reshape target, a range length read from data) as a
 * shape, which a match_cast then stores into shape variables.  A negative
 * or absurd value is the user's data, so an error naming `ctx`. */
static int builtin_tensor_to_shape(const sb_value *args, int nargs, sb_value *ret)
{
	static const char fn[] = SB_BUILTIN_TENSOR_TO_SHAPE;
	sb_tensor *t;
	const char *ctx = fn;
	if (nargs != 1 && nargs != 2)
		return sb_set_error(SB_ERR_INVALID, "%s takes 1 or 2 arguments, got %d", fn, nargs);
	ARG_TENSOR(fn, 0, t);
	if (nargs == 2)
		ARG_STR(fn, 1, ctx);
	if (t->dl.ndim != 1 || !sb_dtype_is_int(t->dtype))
		return sb_set_error(SB_ERR_INVALID,
				    "%s: a shape is read from a 1-D integer tensor, not %s of rank %d",
				    ctx, sb_dtype_name(t->dtype), t->dl.ndim);
	if (t->shape[0] > SB_MAX_RANK)
		return sb_set_error(SB_ERR_INVALID, "%s: %" PRId64 " values make no shape (rank <= %d)",
				    ctx, t->shape[0], SB_MAX_RANK);
	int64_t dims[SB_MAX_RANK];
	for (int64_t i = 0; i < t->shape[0]; i++) {
		dims[i] = sb_tensor_get_i64(t, i);
		/* Bigger than any tensor: a size computation overflowed. */
		if (dims[i] < 0 || dims[i] > ((int64_t)1 << 48))
			return sb_set_error(SB_ERR_INVALID,
					    "%s: element %" PRId64 " is %" PRId64
					    ", which is not a dimension",
					    ctx, i, dims[i]);
	}
	return ret_shape((int)t->shape[0], dims, ret);
}

static const sb_packed_entry builtins[] = {
	{SB_BUILTIN_ALLOC_STORAGE, builtin_alloc_storage},
	{SB_BUILTIN_ALLOC_TENSOR, builtin_alloc_tensor},
	{SB_BUILTIN_SHAPE_OF, builtin_shape_of},
	{SB_BUILTIN_MATCH_SHAPE, builtin_match_shape},
	{SB_BUILTIN_MAKE_SHAPE, builtin_make_shape},
	{SB_BUILTIN_HEAP_LOAD, builtin_heap_load},
	{SB_BUILTIN_HEAP_STORE, builtin_heap_store},
	{SB_BUILTIN_SHAPE_HEAP, builtin_shape_heap},
	{SB_BUILTIN_TUPLE_MAKE, builtin_tuple_make},
	{SB_BUILTIN_TUPLE_GET, builtin_tuple_get},
	{SB_BUILTIN_CHECK_TENSOR_INFO, builtin_check_tensor_info},
	{SB_BUILTIN_CHECK_TUPLE_INFO, builtin_check_tuple_info},
	{SB_BUILTIN_RESHAPE, builtin_reshape},
	{SB_BUILTIN_READ_IF_COND, builtin_read_if_cond},
	{SB_BUILTIN_TENSOR_TO_SHAPE, builtin_tensor_to_shape},
	{SB_BUILTIN_CHECK_BOUND_INPUT, builtin_check_bound_input},
};

void sb_vm_builtins_register(sb_func_registry *r)
{
	for (size_t i = 0; i < SB_ARRAY_LEN(builtins); i++)
		SB_ASSERT(sb_func_registry_add(r, builtins[i].name, builtins[i].fn, false) == SB_OK);
	sb_packed_ops_register(r);
}
