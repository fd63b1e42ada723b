/* Sliding-window geometry shared by the convolution and pooling ops
 * (conv.c, pool.c): attribute validation, output sizes with auto_pad
 * resolved, and the row tables that let a kernel walk a window with a
 * contiguous inner loop over the last spatial axis.
 *
 * Sizes are -1 where unknown: type relations run this on partly known
 * shapes, kernels on concrete ones, so shape logic exists once. */
#ifndef SB_RELAY_INTERP_WINDOW_H
#define SB_RELAY_INTERP_WINDOW_H

#include "relay_like/op_impl.h"

/* Bounds that keep every size computation far from int64 overflow:
 * window attributes (kernel, stride, dilation, pads) and input sizes. */
#define NN_MAX_WINDOW ((int64_t)1 << 24)
#define NN_MAX_DIM ((int64_t)1 << 36)

typedef enum nn_auto_pad { NN_NOTSET, NN_SAME_UPPER, NN_SAME_LOWER, NN_VALID } nn_auto_pad;

typedef struct nn_window {
	relay_op op;
	const char *node;
	int nsp; /* spatial axes */
	nn_auto_pad auto_pad;
	int64_t in[SB_MAX_RANK];
	int64_t out[SB_MAX_RANK];
	int64_t kernel[SB_MAX_RANK];
	int64_t stride[SB_MAX_RANK];
	int64_t dilation[SB_MAX_RANK];
	int64_t pad_begin[SB_MAX_RANK]; /* resolved once `in` is known */
	int64_t pad_end[SB_MAX_RANK];
} nn_window;

/* Reads the window attributes.  The kernel comes from kernel_shape, else
 * from `weight_kernel` (a weight's spatial dims, -1 entries unknown; NULL
 * when there is no weight); both given must agree. */
sb_status nn_window_init(nn_window *w, relay_op op, const char *node, int nsp, const char *auto_pad,
			 const relay_ints *kernel_shape, const int64_t *weight_kernel,
			 const relay_ints *strides, const relay_ints *dilations,
			 const relay_ints *pads);

/* Conv and pools: sets in[], resolves SAME pads and computes out[] for
 * each axis whose input size and kernel are known (-1 otherwise).  An
 * axis with no room for one window is an error. */
sb_status nn_window_forward(nn_window *w, const int64_t *in, bool ceil_mode);

/* True if out[i] equals in[i] whatever in[i] is (a named unknown input
 * dim then carries over to the output). */
bool nn_window_keeps_size(const nn_window *w, int i);

/* Where a window reads, for kernels.  For kernel offset k (row-major over
 * the kernel dims) and output row q (row-major over all output spatial
 * axes but the last), output position o of the row reads input element
 * row[k * outer + q] + off[k] + o * stride_last, for o in [lo[k], hi[k]);
 * row < 0 means the whole row lies in the padding. */
typedef struct nn_rows {
	int64_t ksize, outer, ow, sw;
	int64_t *row, *off, *lo, *hi;
} nn_rows;

/* Builds the table for a window whose in/out/pads are all known.  in and
 * out need not be related by the forward formula: ConvTranspose uses the
 * table with its output as `in`. */
sb_status nn_rows_build(nn_rows *r, const nn_window *w);
void nn_rows_free(nn_rows *r);

static inline int64_t nn_prod(int n, const int64_t *v)
{
	int64_t p = 1;
	for (int i = 0; i < n; i++)
		p *= v[i];
	return p;
}

/* Odometer over a row-major index space: advances idx, false after the
 * last index. */
static inline bool nn_index_next(int n, const int64_t *shape, int64_t *idx)
{
	for (int i = n - 1; i >= 0; i--) {
		if (++idx[i] < shape[i])
			return true;
		idx[i] = 0;
	}
	return false;
}

static inline int64_t nn_floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static inline int64_t nn_ceil_div(int64_t a, int64_t b)
{
	return -nn_floor_div(-a, b);
}

/* Reads a relay type's dims as sizes, -1 for unknown. */
static inline void nn_type_sizes(const relay_type *t, int64_t *s)
{
	for (int i = 0; i < t->rank; i++)
		s[i] = t->dims[i].value >= 0 ? t->dims[i].value : -1;
}

#endif
