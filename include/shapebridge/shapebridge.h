/* shapebridge public C API: status codes, the per-thread error slot, and
 * runtime tensors on DLPack.  This is what an embedding program includes. */
#ifndef SHAPEBRIDGE_H
#define SHAPEBRIDGE_H

#include <stddef.h>
#include <stdint.h>
#include <dlpack/dlpack.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define SB_API __attribute__((visibility("default")))
#else
#define SB_API
#endif

/* Every library function that can fail returns sb_status; the message, with
 * where the failure happened, is in the calling thread's error slot. */
typedef enum sb_status {
	SB_OK = 0,
	SB_ERR_INVALID,     /* malformed input: bad file, bad argument, wrong shape */
	SB_ERR_UNSUPPORTED, /* well-formed but not handled: an op, an attribute, a dtype */
	SB_ERR_IO,          /* a file could not be read or written */
	SB_ERR_NOMEM,       /* allocation failed */
	SB_ERR_INTERNAL,    /* a bug in shapebridge */
} sb_status;

SB_API const char *sb_status_name(sb_status s);

/* The per-thread error slot.  sb_set_error formats the message and returns
 * `code`, so callers write `return sb_set_error(SB_ERR_INVALID, ...)`. */
SB_API sb_status sb_set_error(sb_status code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prepends "prefix: " to the current message (adds context on the way up). */
SB_API sb_status sb_error_prefix(sb_status code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
SB_API const char *sb_last_error(void);
SB_API void sb_clear_error(void);

/* Element types.  The order is ABI; it is also the order of sb_dtype_info. */
typedef enum sb_dtype {
	SB_DT_INVALID = 0,
	SB_F32,
	SB_F64,
	SB_F16,
	SB_BF16,
	SB_I8,
	SB_I16,
	SB_I32,
	SB_I64,
	SB_U8,
	SB_U16,
	SB_U32,
	SB_U64,
	SB_BOOL,
	SB_DT_COUNT
} sb_dtype;

SB_API const char *sb_dtype_name(sb_dtype dt); /* "float32", "int64", ... */
SB_API size_t sb_dtype_size(sb_dtype dt);
SB_API DLDataType sb_dtype_to_dl(sb_dtype dt);
SB_API sb_dtype sb_dtype_from_dl(DLDataType dl); /* SB_DT_INVALID if unknown */
SB_API sb_dtype sb_dtype_from_name(const char *name);

/* A runtime tensor: a DLTensor (compact row-major, CPU, data 64-byte
 * aligned) with a reference count.  `dl` is first so a sb_tensor* can be
 * passed where a DLTensor* is expected. */
typedef struct sb_tensor {
	DLTensor dl;
	sb_dtype dtype;
	int refcount;
	/* Owner of dl.data when it is not ours (a borrowed DLTensor); NULL when
	 * the tensor allocated its data itself. */
	void (*release_data)(void *ctx);
	void *release_ctx;
	int64_t shape[]; /* dl.shape points here */
} sb_tensor;

#define SB_TENSOR_ALIGN 64

/* New tensor with uninitialised (but allocated) data.  Rank 0 is a scalar.
 * Returns NULL with the error slot set on bad shape or allocation failure. */
SB_API sb_tensor *sb_tensor_new(sb_dtype dt, int rank, const int64_t *shape);
/* Same, data zero-filled. */
SB_API sb_tensor *sb_tensor_zeros(sb_dtype dt, int rank, const int64_t *shape);
/* Wraps memory owned by someone else; `release(ctx)` runs when the last
 * reference goes.  Data need not be 64-byte aligned. */
SB_API sb_tensor *sb_tensor_wrap(sb_dtype dt, int rank, const int64_t *shape, void *data,
				 void (*release)(void *ctx), void *ctx);
SB_API sb_tensor *sb_tensor_retain(sb_tensor *t);
SB_API void sb_tensor_release(sb_tensor *t);
/* Deep copy (new data, same dtype/shape). */
SB_API sb_tensor *sb_tensor_copy(const sb_tensor *t);
/* Same data reinterpreted with another shape of equal element count; shares
 * the data (the result holds a reference on `t`). */
SB_API sb_tensor *sb_tensor_reshape_view(sb_tensor *t, int rank, const int64_t *shape);

static inline int sb_tensor_rank(const sb_tensor *t) { return t->dl.ndim; }
SB_API int64_t sb_tensor_numel(const sb_tensor *t);
SB_API size_t sb_tensor_nbytes(const sb_tensor *t);
static inline void *sb_tensor_data(const sb_tensor *t) { return t->dl.data; }
SB_API int64_t sb_shape_numel(int rank, const int64_t *shape);

/* Element access through double / int64, any dtype (slow paths and tests). */
SB_API double sb_tensor_get_f64(const sb_tensor *t, int64_t flat_index);
SB_API void sb_tensor_set_f64(sb_tensor *t, int64_t flat_index, double v);
SB_API int64_t sb_tensor_get_i64(const sb_tensor *t, int64_t flat_index);
SB_API void sb_tensor_set_i64(sb_tensor *t, int64_t flat_index, int64_t v);

/* Writes "float32[1,3,224,224]" into buf. */
SB_API void sb_tensor_describe(const sb_tensor *t, char *buf, size_t size);

/* Half-precision conversions (round to nearest even). */
SB_API float sb_f16_to_f32(uint16_t h);
SB_API uint16_t sb_f32_to_f16(float f);
SB_API float sb_bf16_to_f32(uint16_t h);
SB_API uint16_t sb_f32_to_bf16(float f);

/* .npy files (read: format 1.0, 2.0 and 3.0; write: 1.0; little-endian, C order). */
SB_API sb_status sb_npy_read(const char *path, sb_tensor **out);
SB_API sb_status sb_npy_write(const char *path, const sb_tensor *t);

#ifdef __cplusplus
}
#endif
#endif
