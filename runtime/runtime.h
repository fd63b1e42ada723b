/* runtime: tensors, dtypes and file formats that a deployed model needs.
 * The public part is in shapebridge/shapebridge.h; this header adds what the
 * rest of the project shares internally. */
#ifndef SB_RUNTIME_H
#define SB_RUNTIME_H

#include "support/support.h"

/* Largest rank any tensor may have (ONNX has no limit; we pick one that no
 * real model reaches and check it at every boundary). */
#define SB_MAX_RANK 16

static inline bool sb_dtype_is_float(sb_dtype dt)
{
	return dt == SB_F32 || dt == SB_F64 || dt == SB_F16 || dt == SB_BF16;
}
static inline bool sb_dtype_is_int(sb_dtype dt) { return dt >= SB_I8 && dt <= SB_U64; }
static inline bool sb_dtype_is_signed_int(sb_dtype dt) { return dt >= SB_I8 && dt <= SB_I64; }
static inline bool sb_dtype_is_unsigned_int(sb_dtype dt) { return dt >= SB_U8 && dt <= SB_U64; }

/* Row-major strides (in elements) of a compact shape. */
void sb_shape_strides(int rank, const int64_t *shape, int64_t *strides);
/* Writes "[1,3,224,224]" (or "[]" for a scalar). */
void sb_shape_format(int rank, const int64_t *shape, char *buf, size_t size);
bool sb_shape_equal(int ra, const int64_t *a, int rb, const int64_t *b);

/* Element conversion between any two dtypes, n elements (Cast semantics:
 * float → int truncates toward zero, anything → bool is != 0). */
void sb_convert(sb_dtype to, void *dst, sb_dtype from, const void *src, int64_t n);

/* Same bytes-for-bytes contents (dtype, shape and data). */
bool sb_tensor_equal(const sb_tensor *a, const sb_tensor *b);
uint64_t sb_tensor_hash(const sb_tensor *t);

#endif
