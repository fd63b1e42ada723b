/* topi: the compute definition of every relax op as a tir PrimFunc over
 * symbolic shapes.  One function per op (or per family of ops sharing a
 * shape rule: the unary table, the binary table, the reductions) builds the
 * PrimFunc once; the same PrimFunc then runs at every shape its inputs
 * allow.  topi knows nothing of relay_like or relax_like: each function
 * takes its own small parameter struct and the input tensors' dtypes and
 * shapes as tir expressions.
 *
 * Conventions of every function here (tir_common.md):
 * - Input shapes are int64 tir expressions: integers, or shape variables
 *   made with tir_shape_var (one name, one variable).  A variable should
 *   appear as a plain dim of some input, so the entry can bind it; one that
 *   appears only inside an expression ([n*2]) cannot be bound and is
 *   rejected.  The exceptions are output extents that no input determines
 *   (topi_range's length, a topi_reshape target or topi_full shape with a
 *   variable of its own, topi_one_hot's depth): their variables are bound
 *   from the output buffer, which the caller allocated at the size it
 *   computed.
 * - The PrimFunc's params are buffers in destination-passing order: the
 *   inputs in the order of the arguments, then the outputs.  Output shapes
 *   are the symbolic result, simplified with tir_simplify (conv's
 *   (h + p*2 - k) // s + 1, concat's a + b).  An input that the compute does
 *   not read but whose shape matters (EyeLike's input) is still a param.
 * - Compute is loop nests over blocks: one block per output element, a
 *   spatial iter var per output dim and reduce iter vars (with an init) for
 *   reductions.  Ops that need several steps (softmax: max, sum, divide)
 *   are several blocks, with intermediate buffers from tir_allocate around
 *   the whole body.  Reads and writes regions are filled in: a dimension
 *   accessed at one index that depends only on iter vars is that point, any
 *   other access covers the whole dimension.
 * - Loads never leave their buffer, whatever a select picks (select
 *   evaluates both sides): an index that can fall outside (padding, window
 *   edges, concat's other inputs, data-dependent indices) is clamped into
 *   range and the select discards the value.  Out-of-range gather/scatter
 *   indices are thereby clamped, not reported (the reference interpreter
 *   reports them).
 * - Integer Div and Mod by 0 give 0 and INT_MIN / -1 wraps, as in the
 *   relay_like kernels: the divisor is guarded, so generated code never
 *   traps.
 * - Broadcasting (numpy rules) of dims a and b: a if b is 1 or a == b is
 *   provable, b if a is 1; two constants that differ and are not 1 are an
 *   error.  Otherwise (n against m, or n against 4) the output dim is the
 *   general form select(a == 1, b, a), each input is indexed with
 *   select(dim == 1, 0, i), and the function asserts at run time that
 *   a == b || a == 1 || b == 1.  Other conditions that shapes must meet
 *   (channels == weight channels * groups, squeeze of a dim that must be 1)
 *   are proven at build time when possible, rejected when provably false,
 *   and asserted at run time otherwise.
 * - `name` is the function's name and global symbol (NULL: "topi_<op>").
 *   Avoid C library names ("exp", "acos"): the backend's module would then
 *   define libm's symbol.
 * - Errors (bad attributes, rank or dtype mismatch, a shape condition that
 *   is provably false) return SB_ERR_INVALID or SB_ERR_UNSUPPORTED with a
 *   message "topi OP 'NAME': what".
 * - Parameter structs: zero means the default (stride 1, dilation 1, group
 *   1, ...) wherever 0 is not a meaningful value; the comment of each field
 *   says so.
 *
 * Not loop nests, hence not here: TopK and NonZero (the output order or
 * size depends on the data: a sort, a data-dependent count).  They are
 * packed runtime functions, "runtime.topk" and "runtime.nonzero", which
 * relax_like calls with call_dps_packed / call_packed.
 *
 * The building blocks at the end (topi_builder, topi_nest) are how every
 * op here is written, and serve anyone who builds PrimFuncs by hand. */
#ifndef SB_TIR_TOPI_H
#define SB_TIR_TOPI_H

#include "tir/tir.h"

/* An input tensor: dtype, rank and shape (ndim int64 expressions). */
typedef struct topi_tensor {
	sb_dtype dtype;
	int ndim;
	tir_expr *const *shape;
} topi_tensor;

static inline topi_tensor topi_tensor_make(sb_dtype dt, int ndim, tir_expr *const *shape)
{
	topi_tensor t = {dt, ndim, shape};
	return t;
}

/* Most windows, pads and axes lists are bounded by the rank. */
#define TOPI_MAX_SPATIAL 3

/* ---- Elementwise unary ----
 *
 *   X(ID, "name", DTYPES)
 * DTYPES: FLOAT (float types), SIGNED (float and signed integers), NUMERIC
 * (every number), BOOL (bool only), ANY (everything), FLOAT_TO_BOOL (float
 * in, bool out). */
#define TOPI_UNARY_OPS(X)                                                                          \
	X(ABS, "abs", NUMERIC)                                                                     \
	X(ACOS, "acos", FLOAT)                                                                     \
	X(ACOSH, "acosh", FLOAT)                                                                   \
	X(ASIN, "asin", FLOAT)                                                                     \
	X(ASINH, "asinh", FLOAT)                                                                   \
	X(ATAN, "atan", FLOAT)                                                                     \
	X(ATANH, "atanh", FLOAT)                                                                   \
	X(CEIL, "ceil", FLOAT)                                                                     \
	X(COS, "cos", FLOAT)                                                                       \
	X(COSH, "cosh", FLOAT)                                                                     \
	X(ERF, "erf", FLOAT)                                                                       \
	X(EXP, "exp", FLOAT)                                                                       \
	X(FLOOR, "floor", FLOAT)                                                                   \
	X(LOG, "log", FLOAT)                                                                       \
	X(NEG, "negative", SIGNED)                                                                 \
	X(NOT, "logical_not", BOOL)                                                                \
	X(RECIPROCAL, "reciprocal", FLOAT)                                                         \
	X(RELU, "relu", SIGNED)                                                                    \
	X(ROUND, "round", FLOAT)                                                                   \
	X(SIGMOID, "sigmoid", FLOAT)                                                               \
	X(SIGN, "sign", NUMERIC)                                                                   \
	X(SIN, "sin", FLOAT)                                                                       \
	X(SINH, "sinh", FLOAT)                                                                     \
	X(SOFTPLUS, "softplus", FLOAT)                                                             \
	X(SOFTSIGN, "softsign", FLOAT)                                                             \
	X(SQRT, "sqrt", FLOAT)                                                                     \
	X(TAN, "tan", FLOAT)                                                                       \
	X(TANH, "tanh", FLOAT)                                                                     \
	X(CELU, "celu", FLOAT)                                                                     \
	X(ELU, "elu", FLOAT)                                                                       \
	X(HARD_SIGMOID, "hard_sigmoid", FLOAT)                                                     \
	X(HARD_SWISH, "hard_swish", FLOAT)                                                         \
	X(LEAKY_RELU, "leaky_relu", FLOAT)                                                         \
	X(SELU, "selu", FLOAT)                                                                     \
	X(SHRINK, "shrink", NUMERIC)                                                               \
	X(THRESHOLDED_RELU, "thresholded_relu", FLOAT)                                             \
	X(IS_INF, "isinf", FLOAT_TO_BOOL)                                                          \
	X(IS_NAN, "isnan", FLOAT_TO_BOOL)                                                          \
	X(IDENTITY, "identity", ANY)

/* clang-format off */
typedef enum topi_unary_op {
#define X(id, name, dtypes) TOPI_UNARY_##id,
	TOPI_UNARY_OPS(X)
#undef X
	TOPI_UNARY_COUNT
} topi_unary_op;
/* clang-format on */

const char *topi_unary_name(topi_unary_op op);

/* The attributes of the parameterised activations, by their ONNX names.
 * topi_unary_params_default gives the ONNX defaults of op. */
typedef struct topi_unary_params {
	double alpha, beta, gamma, bias, lambd;
	bool detect_negative, detect_positive; /* IsInf */
} topi_unary_params;

topi_unary_params topi_unary_params_default(topi_unary_op op);

/* p NULL: the defaults.  Attributes compute in x's precision (float32
 * attributes for float32 data, as the ONNX attributes are floats). */
sb_status topi_unary(tir_ctx *ctx, const char *name, topi_unary_op op, const topi_unary_params *p,
		     topi_tensor x, tir_func **out);

/* ---- Elementwise binary, with numpy broadcasting ----
 *
 *   X(ID, "name", KIND)
 * KIND: ARITH (numbers, one dtype, result of that dtype), COMPARE (numbers
 * or bool, bool result), LOGIC (bool), POW (the exponent may have another
 * numeric dtype; result of the base's), PRELU (the slope broadcasts to x:
 * the result has x's shape).  DIV on integers truncates; MOD takes the
 * divisor's sign (ONNX fmod=0, integers only) and FMOD the dividend's
 * (fmod=1). */
#define TOPI_BINARY_OPS(X)                                                                         \
	X(ADD, "add", ARITH)                                                                       \
	X(SUB, "subtract", ARITH)                                                                  \
	X(MUL, "multiply", ARITH)                                                                  \
	X(DIV, "divide", ARITH)                                                                    \
	X(MOD, "mod", ARITH)                                                                       \
	X(FMOD, "fmod", ARITH)                                                                     \
	X(POW, "power", POW)                                                                       \
	X(MAX, "maximum", ARITH)                                                                   \
	X(MIN, "minimum", ARITH)                                                                   \
	X(PRELU, "prelu", PRELU)                                                                   \
	X(AND, "logical_and", LOGIC)                                                               \
	X(OR, "logical_or", LOGIC)                                                                 \
	X(XOR, "logical_xor", LOGIC)                                                               \
	X(EQUAL, "equal", COMPARE)                                                                 \
	X(GREATER, "greater", COMPARE)                                                             \
	X(GREATER_EQUAL, "greater_equal", COMPARE)                                                 \
	X(LESS, "less", COMPARE)                                                                   \
	X(LESS_EQUAL, "less_equal", COMPARE)

/* clang-format off */
typedef enum topi_binary_op {
#define X(id, name, kind) TOPI_BINARY_##id,
	TOPI_BINARY_OPS(X)
#undef X
	TOPI_BINARY_COUNT
} topi_binary_op;
/* clang-format on */

const char *topi_binary_name(topi_binary_op op);

sb_status topi_binary(tir_ctx *ctx, const char *name, topi_binary_op op, topi_tensor a,
		      topi_tensor b, tir_func **out);

/* Max, Min, Sum, Mean of n >= 1 inputs of one dtype, all broadcast
 * together.  Max and Min propagate NaN like the pairwise ONNX ops (the
 * first NaN operand wins). */
typedef enum topi_variadic_op {
	TOPI_VARIADIC_MAX,
	TOPI_VARIADIC_MIN,
	TOPI_VARIADIC_SUM,
	TOPI_VARIADIC_MEAN,
} topi_variadic_op;

sb_status topi_variadic(tir_ctx *ctx, const char *name, topi_variadic_op op, int n,
			const topi_tensor *xs, tir_func **out);

/* Where(cond, x, y): cond bool; x and y of one dtype; all three broadcast. */
sb_status topi_where(tir_ctx *ctx, const char *name, topi_tensor cond, topi_tensor x, topi_tensor y,
		     tir_func **out);

/* Cast (ONNX semantics: float to integer truncates toward zero, anything
 * to bool is != 0). */
sb_status topi_cast(tir_ctx *ctx, const char *name, topi_tensor x, sb_dtype to, tir_func **out);

/* Clip: each bound is absent, a constant (min/max), or a 0-d input buffer
 * of x's dtype (min_input/max_input; the params are then x, [min], [max],
 * y).  A NaN element stays NaN. */
typedef struct topi_clip_params {
	bool has_min, has_max;
	bool min_input, max_input; /* the bound is a runtime input, not the constant */
	double min, max;
} topi_clip_params;

sb_status topi_clip(tir_ctx *ctx, const char *name, topi_tensor x, const topi_clip_params *p,
		    tir_func **out);

/* ---- Reductions ---- */

#define TOPI_REDUCE_OPS(X)                                                                         \
	X(SUM, "sum")                                                                              \
	X(MEAN, "mean")                                                                            \
	X(MAX, "max")                                                                              \
	X(MIN, "min")                                                                              \
	X(PROD, "prod")                                                                            \
	X(L1, "l1")                                                                                \
	X(L2, "l2")                                                                                \
	X(LOG_SUM, "log_sum")                                                                      \
	X(LOG_SUM_EXP, "log_sum_exp")                                                              \
	X(SUM_SQUARE, "sum_square")

/* clang-format off */
typedef enum topi_reduce_op {
#define X(id, name) TOPI_REDUCE_##id,
	TOPI_REDUCE_OPS(X)
#undef X
	TOPI_REDUCE_COUNT
} topi_reduce_op;
/* clang-format on */

/* naxes == 0: every axis, or (noop_with_empty_axes) the identity.  Axes
 * may be negative; a repeated axis is an error.  Floats accumulate in
 * their compute dtype (float32 for float32 and the half types), integers
 * in int64 (wrapping), as do L2/LogSum/LogSumExp of integers in float64.
 * As in every reduction block here, init runs with the first reduce step:
 * reducing an extent of 0 leaves the output unwritten. */
typedef struct topi_reduce_params {
	int naxes;
	int64_t axes[SB_MAX_RANK];
	bool keepdims;
	bool noop_with_empty_axes;
} topi_reduce_params;

sb_status topi_reduce(tir_ctx *ctx, const char *name, topi_reduce_op op, topi_tensor x,
		      const topi_reduce_params *p, tir_func **out);

/* ArgMax / ArgMin along one axis, int64 result; ties go to the first index,
 * or the last with select_last_index. */
typedef struct topi_arg_reduce_params {
	int64_t axis;
	bool keepdims;
	bool select_last_index;
} topi_arg_reduce_params;

sb_status topi_arg_reduce(tir_ctx *ctx, const char *name, bool is_max, topi_tensor x,
			  const topi_arg_reduce_params *p, tir_func **out);

typedef enum topi_softmax_op {
	TOPI_SOFTMAX,
	TOPI_LOG_SOFTMAX,
	TOPI_HARDMAX,
} topi_softmax_op;

/* coerce_2d: the opset < 13 form, which normalises over every axis from
 * `axis` on (the input seen as 2-D). */
typedef struct topi_softmax_params {
	int64_t axis;
	bool coerce_2d;
} topi_softmax_params;

sb_status topi_softmax(tir_ctx *ctx, const char *name, topi_softmax_op op, topi_tensor x,
		       const topi_softmax_params *p, tir_func **out);

/* CumSum along a constant axis.  A reduction over the whole axis with a
 * select, so O(n^2) along it: a loop nest cannot carry a running sum. */
typedef struct topi_cumsum_params {
	int64_t axis;
	bool exclusive, reverse;
} topi_cumsum_params;

sb_status topi_cumsum(tir_ctx *ctx, const char *name, topi_tensor x, const topi_cumsum_params *p,
		      tir_func **out);

/* ---- Normalisation (inference) ---- */

/* x [N, C, ...]; scale, bias, mean, var [C]. */
sb_status topi_batch_norm(tir_ctx *ctx, const char *name, topi_tensor x, topi_tensor scale,
			  topi_tensor bias, topi_tensor mean, topi_tensor var, double epsilon,
			  tir_func **out);
/* x [N, C, spatial...]; scale, bias [C]. */
sb_status topi_instance_norm(tir_ctx *ctx, const char *name, topi_tensor x, topi_tensor scale,
			     topi_tensor bias, double epsilon, tir_func **out);

/* LayerNormalization: normalises over the axes from `axis` on; scale (and
 * bias, may be NULL) broadcast to x.shape[axis:].  nout 1..3: Y, then Mean
 * and InvStdDev (float32 of shape x.shape[:axis] + [1]*(rank-axis)) as
 * further outputs. */
typedef struct topi_layer_norm_params {
	int64_t axis;
	double epsilon;
	int nout; /* 0 means 1 */
} topi_layer_norm_params;

sb_status topi_layer_norm(tir_ctx *ctx, const char *name, topi_tensor x, topi_tensor scale,
			  const topi_tensor *bias, const topi_layer_norm_params *p, tir_func **out);

typedef struct topi_lrn_params {
	double alpha, beta, bias;
	int64_t size;
} topi_lrn_params;

sb_status topi_lrn(tir_ctx *ctx, const char *name, topi_tensor x, const topi_lrn_params *p,
		   tir_func **out);

/* MeanVarianceNormalization over `axes` (naxes 0: the ONNX default
 * [0, 2, 3]). */
typedef struct topi_mvn_params {
	int naxes;
	int64_t axes[SB_MAX_RANK];
} topi_mvn_params;

sb_status topi_mvn(tir_ctx *ctx, const char *name, topi_tensor x, const topi_mvn_params *p,
		   tir_func **out);

/* ---- Matrix products ---- */

/* numpy matmul: 1-D operands are promoted (and the added dim removed from
 * the result), batch dims broadcast. */
sb_status topi_matmul(tir_ctx *ctx, const char *name, topi_tensor a, topi_tensor b, tir_func **out);

/* Gemm: Y = alpha * op(A) @ op(B) + beta * C; A, B 2-D; C (may be NULL)
 * broadcasts to [M, N].  Dense (x @ w^T + bias) is trans_b = 1. */
typedef struct topi_gemm_params {
	double alpha, beta; /* ONNX defaults are 1, 1: set them */
	bool trans_a, trans_b;
} topi_gemm_params;

sb_status topi_gemm(tir_ctx *ctx, const char *name, topi_tensor a, topi_tensor b,
		    const topi_tensor *c, const topi_gemm_params *p, tir_func **out);

/* Einsum on explicit or implicit ("ij,jk") equations without ellipsis:
 * every letter is an output dim or a reduce axis. */
sb_status topi_einsum(tir_ctx *ctx, const char *name, const char *equation, int n,
		      const topi_tensor *xs, tir_func **out);

/* ---- Convolution and pooling (NCHW-style layouts, 1 to 3 spatial axes) ---- */

typedef enum topi_auto_pad {
	TOPI_PAD_NOTSET, /* the explicit pads */
	TOPI_PAD_SAME_UPPER,
	TOPI_PAD_SAME_LOWER,
	TOPI_PAD_VALID,
} topi_auto_pad;

/* Window geometry of conv, conv_transpose and the pools, per spatial axis.
 * Zero strides / dilations mean 1; pads are [begin..., end...]. */
typedef struct topi_window {
	int64_t strides[TOPI_MAX_SPATIAL];
	int64_t dilations[TOPI_MAX_SPATIAL];
	int64_t pads[2 * TOPI_MAX_SPATIAL];
	topi_auto_pad auto_pad;
} topi_window;

/* x [N, C, spatial...], w [M, C/groups, kernel...], bias [M] or NULL.
 * groups 0 means 1; groups == C == M is the depthwise case. */
typedef struct topi_conv_params {
	topi_window win;
	int64_t groups;
} topi_conv_params;

sb_status topi_conv(tir_ctx *ctx, const char *name, topi_tensor x, topi_tensor w,
		    const topi_tensor *bias, const topi_conv_params *p, tir_func **out);

/* x [N, C, spatial...], w [C, M/groups, kernel...], bias [M] or NULL.
 * Output size s*(in-1) + output_padding + (k-1)*d + 1 - pads; with
 * output_shape set (nonzero entries), the pads are derived from it
 * (SAME_UPPER/SAME_LOWER style split, as ONNX says). */
typedef struct topi_conv_transpose_params {
	topi_window win;
	int64_t groups;
	int64_t output_padding[TOPI_MAX_SPATIAL];
	int64_t output_shape[TOPI_MAX_SPATIAL]; /* all 0: not given */
} topi_conv_transpose_params;

sb_status topi_conv_transpose(tir_ctx *ctx, const char *name, topi_tensor x, topi_tensor w,
			      const topi_tensor *bias, const topi_conv_transpose_params *p,
			      tir_func **out);

typedef enum topi_pool_op { TOPI_POOL_MAX, TOPI_POOL_AVG } topi_pool_op;

/* indices (max pool only): a second output Indices (int64, Y's shape):
 * the flat index into X of each max -- (n*C + c) * prod(spatial) plus the
 * spatial position, row-major or (storage_order) column-major; the first
 * of equal maxima; -1 for a window with no tap inside X. */
typedef struct topi_pool_params {
	topi_window win;
	int64_t kernel[TOPI_MAX_SPATIAL];
	bool ceil_mode;
	bool count_include_pad;
	bool indices, storage_order;
} topi_pool_params;

sb_status topi_pool(tir_ctx *ctx, const char *name, topi_pool_op op, topi_tensor x,
		    const topi_pool_params *p, tir_func **out);
/* Over every spatial axis: [N, C, 1, ...]. */
sb_status topi_global_pool(tir_ctx *ctx, const char *name, topi_pool_op op, topi_tensor x,
			   tir_func **out);

/* ---- Resize ---- */

typedef enum topi_resize_mode {
	TOPI_RESIZE_NEAREST,
	TOPI_RESIZE_LINEAR,
	TOPI_RESIZE_CUBIC,
} topi_resize_mode;

typedef enum topi_resize_coord {
	TOPI_COORD_HALF_PIXEL,
	TOPI_COORD_PYTORCH_HALF_PIXEL,
	TOPI_COORD_ALIGN_CORNERS,
	TOPI_COORD_ASYMMETRIC,
	TOPI_COORD_TF_HALF_PIXEL_FOR_NEAREST,
	TOPI_COORD_TF_CROP_AND_RESIZE,
} topi_resize_coord;

typedef enum topi_resize_nearest {
	TOPI_NEAREST_ROUND_PREFER_FLOOR,
	TOPI_NEAREST_ROUND_PREFER_CEIL,
	TOPI_NEAREST_FLOOR,
	TOPI_NEAREST_CEIL,
} topi_resize_nearest;

/* Every axis of x may be resized.  The output size of axis i is sizes[i]
 * when sizes is given (then the scale is out/in, computed at run time),
 * else floor(in * scales[i]).  roi [starts..., ends...] is read only for
 * tf_crop_and_resize.  cubic_coeff_a: the ONNX default is -0.75. */
typedef struct topi_resize_params {
	topi_resize_mode mode;
	topi_resize_coord coord;
	topi_resize_nearest nearest;
	double cubic_coeff_a;
	bool exclude_outside;
	double extrapolation_value;
	const double *scales;	/* rank values, or NULL when sizes are given */
	tir_expr *const *sizes; /* rank int64 exprs, or NULL */
	const double *roi;	/* 2*rank values, or NULL */
} topi_resize_params;

sb_status topi_resize(tir_ctx *ctx, const char *name, topi_tensor x, const topi_resize_params *p,
		      tir_func **out);

/* ---- Layout and data movement ---- */

/* perm NULL: reverse the axes. */
sb_status topi_transpose(tir_ctx *ctx, const char *name, topi_tensor x, const int64_t *perm,
			 tir_func **out);
/* The target shape as expressions (no -1 or 0 placeholders: the caller
 * resolves those); the element counts must agree (asserted when not
 * provable). */
sb_status topi_reshape(tir_ctx *ctx, const char *name, topi_tensor x, int ndim,
		       tir_expr *const *shape, tir_func **out);
/* naxes 0: every dim that is the constant 1 (a symbolic dim stays, even
 * when it is 1 at run time: the output rank cannot depend on it).  A
 * symbolic dim named in axes is asserted to be 1. */
sb_status topi_squeeze(tir_ctx *ctx, const char *name, topi_tensor x, int naxes,
		       const int64_t *axes, tir_func **out);
/* axes index the output (ONNX Unsqueeze). */
sb_status topi_unsqueeze(tir_ctx *ctx, const char *name, topi_tensor x, int naxes,
			 const int64_t *axes, tir_func **out);
sb_status topi_flatten(tir_ctx *ctx, const char *name, topi_tensor x, int64_t axis, tir_func **out);
sb_status topi_concat(tir_ctx *ctx, const char *name, int n, const topi_tensor *xs, int64_t axis,
		      tir_func **out);
/* nout outputs along axis; sizes (nout exprs) or NULL for the ONNX
 * num_outputs split (ceil(d / nout) each, the last one smaller). */
sb_status topi_split(tir_ctx *ctx, const char *name, topi_tensor x, int64_t axis, int nout,
		     tir_expr *const *sizes, tir_func **out);

/* Slice with constant starts/ends/steps (ONNX clamping; INT64_MAX and
 * INT64_MIN ends mean "to the end" either way).  axes NULL: 0..n-1;
 * steps NULL: 1. */
typedef struct topi_slice_params {
	int n;
	const int64_t *starts, *ends, *axes, *steps;
} topi_slice_params;

sb_status topi_slice(tir_ctx *ctx, const char *name, topi_tensor x, const topi_slice_params *p,
		     tir_func **out);

/* Gather family: indices int32 or int64, negative ones count from the end. */
sb_status topi_gather(tir_ctx *ctx, const char *name, topi_tensor data, topi_tensor indices,
		      int64_t axis, tir_func **out);
sb_status topi_gather_elements(tir_ctx *ctx, const char *name, topi_tensor data,
			       topi_tensor indices, int64_t axis, tir_func **out);
/* indices' last dim must be a constant (it decides the output rank). */
sb_status topi_gather_nd(tir_ctx *ctx, const char *name, topi_tensor data, topi_tensor indices,
			 int64_t batch_dims, tir_func **out);

typedef enum topi_scatter_reduction {
	TOPI_SCATTER_NONE,
	TOPI_SCATTER_ADD,
	TOPI_SCATTER_MUL,
	TOPI_SCATTER_MAX,
	TOPI_SCATTER_MIN,
} topi_scatter_reduction;

/* out = data, then each update written (or combined) at its index, in
 * order: two blocks, the second an opaque one (no iter vars: its writes
 * land at data-dependent places, so its loop must stay serial). */
sb_status topi_scatter_elements(tir_ctx *ctx, const char *name, topi_tensor data,
				topi_tensor indices, topi_tensor updates, int64_t axis,
				topi_scatter_reduction reduction, tir_func **out);
sb_status topi_scatter_nd(tir_ctx *ctx, const char *name, topi_tensor data, topi_tensor indices,
			  topi_tensor updates, topi_scatter_reduction reduction, tir_func **out);

typedef enum topi_pad_mode { TOPI_PAD_CONSTANT, TOPI_PAD_REFLECT, TOPI_PAD_EDGE } topi_pad_mode;

/* pads [begin..., end...] (rank each, may be negative: cropping). */
typedef struct topi_pad_params {
	topi_pad_mode mode;
	const int64_t *pads;
	double value;
} topi_pad_params;

sb_status topi_pad(tir_ctx *ctx, const char *name, topi_tensor x, const topi_pad_params *p,
		   tir_func **out);
/* repeats: rank constants >= 0. */
sb_status topi_tile(tir_ctx *ctx, const char *name, topi_tensor x, const int64_t *repeats,
		    tir_func **out);
/* Bidirectional broadcast of x to shape. */
sb_status topi_expand(tir_ctx *ctx, const char *name, topi_tensor x, int ndim,
		      tir_expr *const *shape, tir_func **out);

/* crd: the CRD mode of DepthToSpace (else DCR). */
sb_status topi_depth_to_space(tir_ctx *ctx, const char *name, topi_tensor x, int64_t blocksize,
			      bool crd, tir_func **out);
sb_status topi_space_to_depth(tir_ctx *ctx, const char *name, topi_tensor x, int64_t blocksize,
			      tir_func **out);
/* Keeps the upper (or lower) triangle from diagonal k of the last two dims. */
sb_status topi_trilu(tir_ctx *ctx, const char *name, topi_tensor x, int64_t k, bool upper,
		     tir_func **out);
/* indices (any integer or float dtype), values [2] = {off, on}; depth is
 * an expression (a constant, or a variable bound from the output); the
 * output inserts a depth-long axis at `axis`. */
sb_status topi_one_hot(tir_ctx *ctx, const char *name, topi_tensor indices, topi_tensor values,
		       tir_expr *depth, int64_t axis, tir_func **out);
/* Range: params start, limit, delta (0-d buffers of dt; limit is not read,
 * the caller gives the length), then out [length]: out[i] = start + i*delta. */
sb_status topi_range(tir_ctx *ctx, const char *name, sb_dtype dt, tir_expr *length, tir_func **out);
/* EyeLike: x (2-D, only its shape is used) -> ones on diagonal k. */
sb_status topi_eye_like(tir_ctx *ctx, const char *name, topi_tensor x, sb_dtype dt, int64_t k,
			tir_func **out);
/* Shape (dims start..end of x, ONNX clamping of start/end; INT64_MAX end:
 * to the last) and Size (the element count, 0-d): int64 outputs computed
 * from x's shape alone. */
sb_status topi_shape_of(tir_ctx *ctx, const char *name, topi_tensor x, int64_t start, int64_t end,
			tir_func **out);
sb_status topi_size(tir_ctx *ctx, const char *name, topi_tensor x, tir_func **out);
/* ConstantOfShape: no inputs; out [shape] = value. */
sb_status topi_full(tir_ctx *ctx, const char *name, sb_dtype dt, int ndim, tir_expr *const *shape,
		    double value, tir_func **out);

/* ---- Building blocks ---- */

/* A PrimFunc under construction: params, statements in order, intermediate
 * buffers, and the first error.  Every call after an error is a no-op, so
 * op code checks once, at topi_builder_finish. */
typedef struct topi_builder {
	tir_ctx *ctx;
	const char *op;	  /* for messages */
	const char *name; /* the function */
	sb_status status;
	tir_analyzer *an; /* shape vars >= 0, plus the open nest's iter vars */
	SB_VEC(tir_param) params;
	SB_VEC(tir_stmt *) asserts; /* run before any loop */
	SB_VEC(tir_stmt *) stmts;
	SB_VEC(tir_buffer *) temps;
	SB_VEC(const char *) block_names; /* unique in a function */
	int nout;
} topi_builder;

void topi_builder_init(topi_builder *b, tir_ctx *ctx, const char *op, const char *name);
/* Builds the function (asserts first, then the blocks, under the
 * intermediate allocations), verifies it, frees the builder.  Returns the
 * first recorded error instead, if any. */
sb_status topi_builder_finish(topi_builder *b, tir_func **out);
/* Records an error (the first one wins) and returns its code. */
sb_status topi_fail(topi_builder *b, sb_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Params, in call order: inputs first, then outputs.  Output shapes are
 * simplified. */
tir_buffer *topi_input(topi_builder *b, const char *name, topi_tensor t);
tir_buffer *topi_output(topi_builder *b, const char *name, sb_dtype dt, int ndim,
			tir_expr *const *shape);
/* An intermediate buffer, allocated around the whole body. */
tir_buffer *topi_temp(topi_builder *b, const char *name, sb_dtype dt, int ndim,
		      tir_expr *const *shape);
/* A shape condition: nothing if provable, an error if provably false, an
 * assert at the start of the function otherwise (message: "topi OP: ...").
 * Returns false only when it recorded an error. */
bool topi_require(topi_builder *b, tir_expr *cond, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
tir_expr *topi_simplify(topi_builder *b, tir_expr *e);
bool topi_prove(topi_builder *b, tir_expr *cond);

/* Constants of a dtype; x's value clamped into [0, extent - 1]. */
tir_expr *topi_const(topi_builder *b, sb_dtype dt, double v);
/* v converted to dtype `to` with Cast semantics: to bool is v != 0; float
 * to integer truncates, NaN gives 0, saturates at int64 and wraps to a
 * narrower type (defined for every value, unlike a bare tir cast). */
tir_expr *topi_convert(topi_builder *b, tir_expr *v, sb_dtype to);
/* The lowest (highest) value of dt: -inf (inf) for floats. */
tir_expr *topi_dtype_limit(topi_builder *b, sb_dtype dt, bool highest);
/* The dtype arithmetic on dt happens in: float32 for the half types. */
sb_dtype topi_compute_dtype(sb_dtype dt);
tir_expr *topi_clamp_index(topi_builder *b, tir_expr *x, tir_expr *extent);
/* A load whose indices are simplified under the open nest's bounds. */
tir_expr *topi_load(topi_builder *b, tir_buffer *buf, tir_expr *const *idx);

/* numpy broadcasting of two dims (the rules at the top of this header):
 * the output dim; may record an error or add an assert. */
tir_expr *topi_broadcast_dim(topi_builder *b, tir_expr *x, tir_expr *y, const char *what);
/* Output shape of broadcasting n shapes together: rank and dims. */
int topi_broadcast_shapes(topi_builder *b, int n, const topi_tensor *ts, tir_expr **shape);
/* The index into a dim of extent `dim` broadcast to an output dim `out`
 * at position iv: 0, iv, or select(dim == 1, 0, iv). */
tir_expr *topi_broadcast_index(topi_builder *b, tir_expr *dim, tir_expr *out, tir_expr *iv);
/* Load of `in` at the output position iv (out_rank of them), with
 * broadcast dims indexed at 0 (or select(dim == 1, 0, i)). */
tir_expr *topi_broadcast_load(topi_builder *b, tir_buffer *in, int out_rank,
			      tir_expr *const *out_shape, tir_expr *const *iv);

/* One block under its loops.  topi_nest_begin makes loops and spatial
 * iter vars over `extents` (an output's shape); topi_nest_reduce_axis
 * adds a reduce iter var; the caller builds the block's statements from
 * iv/rv and ends the nest, which adds loops, block and realize to the
 * builder with regions computed from the statements.  An opaque nest has
 * no iter vars: iv are the loop vars themselves (for writes at
 * data-dependent places). */
#define TOPI_MAX_REDUCE (2 * SB_MAX_RANK)
typedef struct topi_nest {
	const char *block;
	bool opaque;
	int nspatial, nreduce;
	tir_expr *iv[SB_MAX_RANK], *rv[TOPI_MAX_REDUCE];
	tir_expr *iv_extent[SB_MAX_RANK], *rv_extent[TOPI_MAX_REDUCE];
	size_t mark; /* analyzer scope */
} topi_nest;

void topi_nest_begin(topi_builder *b, topi_nest *n, const char *block, int ndim,
		     tir_expr *const *extents);
void topi_nest_begin_opaque(topi_builder *b, topi_nest *n, const char *block, int ndim,
			    tir_expr *const *extents);
tir_expr *topi_nest_reduce_axis(topi_builder *b, topi_nest *n, tir_expr *extent);
/* Ends the nest with init (or NULL) and body statements. */
void topi_nest_end(topi_builder *b, topi_nest *n, tir_stmt *init, tir_stmt *body);
/* out[iv] = value; or a reduction: out[iv] = init before, out[iv] =
 * update after (update reads the accumulator topi_nest_acc). */
void topi_nest_store(topi_builder *b, topi_nest *n, tir_buffer *out, tir_expr *value);
tir_expr *topi_nest_acc(topi_builder *b, topi_nest *n, tir_buffer *out);
void topi_nest_reduce(topi_builder *b, topi_nest *n, tir_buffer *out, tir_expr *init,
		      tir_expr *update);

/* Normalises a possibly negative axis; records an error if out of range. */
bool topi_axis(topi_builder *b, int64_t axis, int rank, int *out);

#endif
