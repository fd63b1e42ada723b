/* Shared by the "shape, indexing and data movement" group of ops.def
 * (transform.c, index_ops.c, shape_ops.c): input checks for type relations
 * and the byte-moving loops of their kernels.  Every kernel of the group is
 * dtype-agnostic where it only moves elements: it copies sb_dtype_size()
 * bytes per element and never looks at them. */
#ifndef SB_RELAY_INTERP_TRANSFORM_H
#define SB_RELAY_INTERP_TRANSFORM_H

#include "relay_like/op_impl.h"

/* The tensor type of input i; an error naming `what` if it is absent (and
 * not optional) or not a tensor.  *t is NULL for an absent optional input. */
sb_status transform_input(relay_op_ctx *ctx, int i, const char *what, bool optional,
			  const relay_type **t);

/* Input i as a list of integers when its value is known (*v set, *n its
 * length), else *v = NULL.  Checks the input is an integer tensor of rank
 * 0 or 1 (a known rank 0 counts as one value when `scalar_ok`). */
sb_status transform_value_ints(relay_op_ctx *ctx, int i, const char *what, bool scalar_ok,
			       int64_t **v, int *n);

/* Length of a 1-D integer input whose value is unknown: -1 if that is not
 * known either. */
int transform_input_length(const relay_type *t);

/* Tensor type with the given dims (copied). */
static inline const relay_type *transform_type(relay_op_ctx *ctx, sb_dtype dt, int rank,
					       const relay_dim *dims)
{
	return relay_type_tensor(ctx->mod, dt, rank, dims);
}

/* dims[0..n) known with a product that fits in int64 (the product is
 * returned in *out); false if any dim is unknown. */
bool transform_dims_numel(const relay_dim *dims, int n, int64_t *out);

/* Copies a strided view of `src` into the compact `dst`: dst walks `shape`
 * in row-major order while src advances by strides[i] elements along axis i
 * (0 repeats an element, negative walks backwards).  rank <= 2*SB_MAX_RANK. */
void transform_copy_strided(void *dst, const void *src, size_t esize, int rank,
			    const int64_t *shape, const int64_t *strides);

/* Product of shape[lo..hi). */
static inline int64_t transform_span(const int64_t *shape, int lo, int hi)
{
	int64_t n = 1;
	for (int i = lo; i < hi; i++)
		n *= shape[i];
	return n;
}

/* An element of an index tensor (int32 or int64; checked by the relation). */
static inline int64_t transform_index_at(const sb_tensor *t, int64_t i)
{
	if (t->dtype == SB_I32)
		return ((const int32_t *)t->dl.data)[i];
	if (t->dtype == SB_I64)
		return ((const int64_t *)t->dl.data)[i];
	return sb_tensor_get_i64(t, i);
}

/* Two dims that must be equal, merged into *acc: a known size wins over an
 * unknown one, a name over no name; two different names give an anonymous
 * unknown dim.  False if both are known and differ. */
bool transform_dim_merge(relay_dim *acc, relay_dim x);

/* Checks an index tensor's dtype (int32 or int64) in a type relation. */
sb_status transform_check_index_dtype(relay_op_ctx *ctx, const relay_type *t, const char *what);

/* Normalised slice of one axis of size dim (ONNX Slice semantics: negative
 * start/end count from the end, then clamp).  Writes the first index and
 * the number of elements taken; step must not be 0. */
void transform_slice_axis(int64_t dim, int64_t start, int64_t end, int64_t step, int64_t *first,
			  int64_t *len);

#endif
