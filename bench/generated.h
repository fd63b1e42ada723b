/* The seam between bench/kernels and shapebridge's generated kernels (tir -> LLVM).
 *
 * bench/kernels times every benchmark three ways: the generated kernel, oneDNN, and the
 * machine's measured peak. The generated side plugs in here and nowhere else: for each
 * kernel kind it provides `prepare` (compile a kernel for the given shapes) and `run`
 * (execute it once on caller-owned buffers). bench_generated_kernels (generated.c) holds one
 * entry per kind; an entry whose `run` is NULL prints "n/a" (JSON null). The benchmark owns
 * timing, threads, buffers and the numerics check, so a kernel only computes. */
#ifndef SB_BENCH_GENERATED_H
#define SB_BENCH_GENERATED_H

#include <stddef.h>
#include <stdint.h>

#include "shapebridge/shapebridge.h"

/* X(kind, inputs, outputs, weights): one row per kernel kind. Every buffer is float32, dense,
 * 64-byte aligned, in the plain layout below (row-major; NCHW activations, OIHW weights).
 * `weights` has bit i set when input i is a weight: the same pointer, with the same contents,
 * reaches `prepare` and every `run`.
 *   matmul      in: A[m,k], B[k,n] (weight)   out: C[m,n] = A B
 *   conv2d      in: x[batch,in_channels,height,width], w[out_channels,in_channels/groups,
 *               kernel_h,kernel_w] (weight)   out: y[batch,out_channels,oh,ow]; no bias,
 *               oh = (height + 2 pad - kernel_h) / stride + 1, likewise ow
 *   softmax     in: x[rows,cols]              out: y[rows,cols], over the last axis
 *   layer_norm  in: x[rows,cols], gamma[cols], beta[cols] (weights)
 *               out: y = (x - mean) / sqrt(var + epsilon) * gamma + beta, over the last axis
 *   add         in: a[count], b[count]        out: c[count] = a + b */
/* clang-format off */
#define BENCH_KERNEL_KINDS(X) \
	X(matmul,     2, 1, 0x2) \
	X(conv2d,     2, 1, 0x2) \
	X(softmax,    1, 1, 0x0) \
	X(layer_norm, 3, 1, 0x6) \
	X(add,        2, 1, 0x0)
/* clang-format on */

typedef enum bench_kind {
#define BENCH_KIND_ENUM(kind, nin, nout, weights) BENCH_KIND_##kind,
	BENCH_KERNEL_KINDS(BENCH_KIND_ENUM)
#undef BENCH_KIND_ENUM
	BENCH_KIND_COUNT,
} bench_kind;

/* The shapes of one benchmark; a kind reads only its own fields. All static: a kernel may be
 * specialized to them. */
typedef struct bench_shape {
	bench_kind kind;
	/* matmul */
	int64_t m, k, n;
	/* conv2d; pad is the same on all four sides */
	int64_t batch, in_channels, out_channels, height, width;
	int64_t kernel_h, kernel_w, stride, pad, groups;
	/* softmax, layer_norm */
	int64_t rows, cols;
	float epsilon;
	/* add */
	int64_t count;
} bench_shape;

typedef struct bench_generated_kernel {
	/* Builds a kernel for `shape` (lower, schedule, JIT). `constants` has one slot per input
	 * of the kind, in row order; the weights are filled and the others are NULL. It
	 * may repack the weights once here, as oneDNN's weights are reordered once outside the
	 * timed loop. Returns an opaque handle, or NULL with the error slot set (sb_set_error). */
	void *(*prepare)(const bench_shape *shape, const float *const *constants);
	/* Runs once: in[] and out[] as in the kind's row. Parallelizes with OpenMP at the
	 * current omp_get_max_threads() (the benchmark sets it before each measurement). Returns
	 * SB_OK, or an error with the error slot set. Timed: no allocation or compilation here. */
	sb_status (*run)(void *kernel, const float *const *in, float *const *out);
	/* Frees what prepare built; may be NULL. */
	void (*release)(void *kernel);
} bench_generated_kernel;

/* One entry per kind, named after its row. */
typedef struct bench_generated_table {
#define BENCH_KIND_FIELD(kind, nin, nout, weights) bench_generated_kernel kind;
	BENCH_KERNEL_KINDS(BENCH_KIND_FIELD)
#undef BENCH_KIND_FIELD
} bench_generated_table;

/* Defined in generated.c; the tir/LLVM side fills its entries there. */
extern const bench_generated_table bench_generated_kernels;

#endif
