/* Runtime tensors: DLTensor plus a reference count, data 64-byte aligned. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "runtime.h"

int64_t sb_shape_numel(int rank, const int64_t *shape)
{
	int64_t n = 1;
	for (int i = 0; i < rank; i++)
		n *= shape[i];
	return n;
}

void sb_shape_strides(int rank, const int64_t *shape, int64_t *strides)
{
	int64_t s = 1;
	for (int i = rank - 1; i >= 0; i--) {
		strides[i] = s;
		s *= shape[i];
	}
}

void sb_shape_format(int rank, const int64_t *shape, char *buf, size_t size)
{
	size_t n = 0;
	n += (size_t)snprintf(buf, size, "[");
	for (int i = 0; i < rank && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%" PRId64, i ? "," : "", shape[i]);
	if (n < size)
		snprintf(buf + n, size - n, "]");
}

bool sb_shape_equal(int ra, const int64_t *a, int rb, const int64_t *b)
{
	if (ra != rb)
		return false;
	for (int i = 0; i < ra; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static sb_tensor *tensor_header(sb_dtype dt, int rank, const int64_t *shape)
{
	if ((unsigned)dt >= SB_DT_COUNT || dt == SB_DT_INVALID) {
		sb_set_error(SB_ERR_INVALID, "invalid dtype %d", (int)dt);
		return NULL;
	}
	if (rank < 0 || rank > SB_MAX_RANK) {
		sb_set_error(SB_ERR_UNSUPPORTED, "tensor rank %d is outside 0..%d", rank, SB_MAX_RANK);
		return NULL;
	}
	/* Guard the element count against overflow before anything allocates. */
	int64_t numel = 1;
	for (int i = 0; i < rank; i++) {
		if (shape[i] < 0) {
			sb_set_error(SB_ERR_INVALID, "negative dimension %" PRId64 " at index %d", shape[i], i);
			return NULL;
		}
		if (shape[i] && numel > INT64_MAX / 16 / shape[i]) {
			sb_set_error(SB_ERR_INVALID, "tensor of %d dims is too large", rank);
			return NULL;
		}
		numel *= shape[i];
	}
	sb_tensor *t = calloc(1, sizeof *t + sizeof(int64_t) * (size_t)(rank ? rank : 1));
	if (!t) {
		sb_set_error(SB_ERR_NOMEM, "out of memory");
		return NULL;
	}
	t->dtype = dt;
	t->refcount = 1;
	t->dl.device.device_type = kDLCPU;
	t->dl.ndim = rank;
	t->dl.dtype = sb_dtype_to_dl(dt);
	t->dl.shape = t->shape;
	for (int i = 0; i < rank; i++)
		t->shape[i] = shape[i];
	return t;
}

sb_tensor *sb_tensor_new(sb_dtype dt, int rank, const int64_t *shape)
{
	sb_tensor *t = tensor_header(dt, rank, shape);
	if (!t)
		return NULL;
	size_t bytes = sb_tensor_nbytes(t);
	size_t alloc = (bytes + SB_TENSOR_ALIGN - 1) / SB_TENSOR_ALIGN * SB_TENSOR_ALIGN;
	t->dl.data = aligned_alloc(SB_TENSOR_ALIGN, alloc ? alloc : SB_TENSOR_ALIGN);
	if (!t->dl.data) {
		free(t);
		sb_set_error(SB_ERR_NOMEM, "out of memory allocating %zu bytes", bytes);
		return NULL;
	}
	return t;
}

sb_tensor *sb_tensor_zeros(sb_dtype dt, int rank, const int64_t *shape)
{
	sb_tensor *t = sb_tensor_new(dt, rank, shape);
	if (t)
		memset(t->dl.data, 0, sb_tensor_nbytes(t));
	return t;
}

sb_tensor *sb_tensor_wrap(sb_dtype dt, int rank, const int64_t *shape, void *data,
			  void (*release)(void *ctx), void *ctx)
{
	sb_tensor *t = tensor_header(dt, rank, shape);
	if (!t)
		return NULL;
	t->dl.data = data;
	t->release_data = release;
	t->release_ctx = ctx;
	return t;
}

sb_tensor *sb_tensor_retain(sb_tensor *t)
{
	if (t)
		__atomic_add_fetch(&t->refcount, 1, __ATOMIC_RELAXED);
	return t;
}

void sb_tensor_release(sb_tensor *t)
{
	if (!t || __atomic_sub_fetch(&t->refcount, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	if (t->release_data)
		t->release_data(t->release_ctx);
	else
		free(t->dl.data);
	free(t);
}

sb_tensor *sb_tensor_copy(const sb_tensor *t)
{
	sb_tensor *c = sb_tensor_new(t->dtype, t->dl.ndim, t->shape);
	if (c)
		memcpy(c->dl.data, t->dl.data, sb_tensor_nbytes(t));
	return c;
}

static void release_parent(void *ctx) { sb_tensor_release(ctx); }

sb_tensor *sb_tensor_reshape_view(sb_tensor *t, int rank, const int64_t *shape)
{
	if (sb_shape_numel(rank, shape) != sb_tensor_numel(t)) {
		sb_set_error(SB_ERR_INVALID, "cannot view %" PRId64 " elements as %" PRId64,
			     sb_tensor_numel(t), sb_shape_numel(rank, shape));
		return NULL;
	}
	sb_tensor *v = sb_tensor_wrap(t->dtype, rank, shape, t->dl.data, release_parent, t);
	if (v)
		sb_tensor_retain(t);
	return v;
}

int64_t sb_tensor_numel(const sb_tensor *t) { return sb_shape_numel(t->dl.ndim, t->shape); }

size_t sb_tensor_nbytes(const sb_tensor *t)
{
	return (size_t)sb_tensor_numel(t) * sb_dtype_size(t->dtype);
}

void sb_tensor_describe(const sb_tensor *t, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%s", sb_dtype_name(t->dtype));
	if (n >= 0 && (size_t)n < size)
		sb_shape_format(t->dl.ndim, t->shape, buf + n, size - (size_t)n);
}

double sb_tensor_get_f64(const sb_tensor *t, int64_t i)
{
	const void *p = t->dl.data;
	switch (t->dtype) {
	case SB_F32: return ((const float *)p)[i];
	case SB_F64: return ((const double *)p)[i];
	case SB_F16: return sb_f16_to_f32(((const uint16_t *)p)[i]);
	case SB_BF16: return sb_bf16_to_f32(((const uint16_t *)p)[i]);
	case SB_I8: return ((const int8_t *)p)[i];
	case SB_I16: return ((const int16_t *)p)[i];
	case SB_I32: return ((const int32_t *)p)[i];
	case SB_I64: return (double)((const int64_t *)p)[i];
	case SB_U8: return ((const uint8_t *)p)[i];
	case SB_U16: return ((const uint16_t *)p)[i];
	case SB_U32: return ((const uint32_t *)p)[i];
	case SB_U64: return (double)((const uint64_t *)p)[i];
	case SB_BOOL: return ((const uint8_t *)p)[i] != 0;
	default: SB_UNREACHABLE();
	}
}

/* Float → integer conversion that is defined for every input: NaN gives 0,
 * out-of-range values saturate (C leaves both undefined). */
static int64_t f64_to_i64(double v)
{
	if (v != v)
		return 0;
	if (v >= 9223372036854775807.0)
		return INT64_MAX;
	if (v <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)v;
}

static uint64_t f64_to_u64(double v)
{
	if (v != v || v <= 0)
		return v <= -1 ? (uint64_t)f64_to_i64(v) : 0;
	if (v >= 18446744073709551615.0)
		return UINT64_MAX;
	return (uint64_t)v;
}

void sb_tensor_set_f64(sb_tensor *t, int64_t i, double v)
{
	void *p = t->dl.data;
	switch (t->dtype) {
	case SB_F32: ((float *)p)[i] = (float)v; break;
	case SB_F64: ((double *)p)[i] = v; break;
	case SB_F16: ((uint16_t *)p)[i] = sb_f32_to_f16((float)v); break;
	case SB_BF16: ((uint16_t *)p)[i] = sb_f32_to_bf16((float)v); break;
	case SB_I8: ((int8_t *)p)[i] = (int8_t)f64_to_i64(v); break;
	case SB_I16: ((int16_t *)p)[i] = (int16_t)f64_to_i64(v); break;
	case SB_I32: ((int32_t *)p)[i] = (int32_t)f64_to_i64(v); break;
	case SB_I64: ((int64_t *)p)[i] = f64_to_i64(v); break;
	case SB_U8: ((uint8_t *)p)[i] = (uint8_t)f64_to_u64(v); break;
	case SB_U16: ((uint16_t *)p)[i] = (uint16_t)f64_to_u64(v); break;
	case SB_U32: ((uint32_t *)p)[i] = (uint32_t)f64_to_u64(v); break;
	case SB_U64: ((uint64_t *)p)[i] = f64_to_u64(v); break;
	case SB_BOOL: ((uint8_t *)p)[i] = v != 0; break;
	default: SB_UNREACHABLE();
	}
}

int64_t sb_tensor_get_i64(const sb_tensor *t, int64_t i)
{
	const void *p = t->dl.data;
	switch (t->dtype) {
	case SB_I8: return ((const int8_t *)p)[i];
	case SB_I16: return ((const int16_t *)p)[i];
	case SB_I32: return ((const int32_t *)p)[i];
	case SB_I64: return ((const int64_t *)p)[i];
	case SB_U8: return ((const uint8_t *)p)[i];
	case SB_U16: return ((const uint16_t *)p)[i];
	case SB_U32: return ((const uint32_t *)p)[i];
	case SB_U64: return (int64_t)((const uint64_t *)p)[i];
	case SB_BOOL: return ((const uint8_t *)p)[i] != 0;
	default: return f64_to_i64(sb_tensor_get_f64(t, i));
	}
}

void sb_tensor_set_i64(sb_tensor *t, int64_t i, int64_t v)
{
	void *p = t->dl.data;
	switch (t->dtype) {
	case SB_I8: ((int8_t *)p)[i] = (int8_t)v; break;
	case SB_I16: ((int16_t *)p)[i] = (int16_t)v; break;
	case SB_I32: ((int32_t *)p)[i] = (int32_t)v; break;
	case SB_I64: ((int64_t *)p)[i] = v; break;
	case SB_U8: ((uint8_t *)p)[i] = (uint8_t)v; break;
	case SB_U16: ((uint16_t *)p)[i] = (uint16_t)v; break;
	case SB_U32: ((uint32_t *)p)[i] = (uint32_t)v; break;
	case SB_U64: ((uint64_t *)p)[i] = (uint64_t)v; break;
	case SB_BOOL: ((uint8_t *)p)[i] = v != 0; break;
	default: sb_tensor_set_f64(t, i, (double)v); break;
	}
}

void sb_convert(sb_dtype to, void *dst, sb_dtype from, const void *src, int64_t n)
{
	if (to == from) {
		memcpy(dst, src, (size_t)n * sb_dtype_size(to));
		return;
	}
	/* Wrap both sides as borrowed tensors and go through the scalar paths;
	 * 64-bit integers stay exact by going through int64 when both sides
	 * are integers. */
	int64_t shape[1] = {n};
	sb_tensor *s = sb_tensor_wrap(from, 1, shape, (void *)src, NULL, NULL);
	sb_tensor *d = sb_tensor_wrap(to, 1, shape, dst, NULL, NULL);
	SB_ASSERT(s && d);
	bool ints = !sb_dtype_is_float(to) && !sb_dtype_is_float(from);
	if (ints) {
		for (int64_t i = 0; i < n; i++)
			sb_tensor_set_i64(d, i, sb_tensor_get_i64(s, i));
	} else if (to == SB_F32 && from == SB_F16) {
		for (int64_t i = 0; i < n; i++)
			((float *)dst)[i] = sb_f16_to_f32(((const uint16_t *)src)[i]);
	} else {
		for (int64_t i = 0; i < n; i++)
			sb_tensor_set_f64(d, i, sb_tensor_get_f64(s, i));
	}
	/* The data is borrowed: free only the headers. */
	free(s);
	free(d);
}

bool sb_tensor_equal(const sb_tensor *a, const sb_tensor *b)
{
	return a->dtype == b->dtype && sb_shape_equal(a->dl.ndim, a->shape, b->dl.ndim, b->shape) &&
	       !memcmp(a->dl.data, b->dl.data, sb_tensor_nbytes(a));
}

uint64_t sb_tensor_hash(const sb_tensor *t)
{
	uint64_t h = sb_hash_u64((uint64_t)t->dtype);
	for (int i = 0; i < t->dl.ndim; i++)
		h = sb_hash_combine(h, (uint64_t)t->shape[i]);
	return sb_hash_combine(h, sb_hash_bytes(t->dl.data, sb_tensor_nbytes(t), 0));
}
