/* Normalisations: Softmax, LogSoftmax, Hardmax, BatchNormalization
 * (inference), InstanceNormalization, LayerNormalization, LRN and
 * MeanVarianceNormalization -- type relations and reference kernels.
 *
 * Statistics (means, variances, softmax denominators) accumulate in double;
 * element-wise passes run in the element type.  float16/bfloat16 inputs are
 * widened to float32, computed, and narrowed back. */
#include <inttypes.h>
#include <stdlib.h>

#include "relay_like/op_impl.h"

/* ---- shared helpers ---- */

static sb_status input_tensor(relay_op_ctx *ctx, int i, const relay_type **t)
{
	const relay_type *ty = i < ctx->nin ? ctx->in[i] : NULL;
	if (!ty)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input %d is missing", i);
	if (ty->kind != RELAY_TYPE_TENSOR)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input %d is a tuple, not a tensor", i);
	*t = ty;
	return SB_OK;
}

/* A float input as float or double data the kernel can read: f16/bf16 are
 * widened into `*tmp` (the caller frees it). */
typedef struct float_view {
	bool is_f64;
	const void *data;
	void *tmp;
} float_view;

static sb_status float_view_of(relay_kernel_ctx *ctx, const sb_tensor *t, float_view *v)
{
	v->tmp = NULL;
	v->data = t->dl.data;
	v->is_f64 = t->dtype == SB_F64;
	if (t->dtype == SB_F32 || t->dtype == SB_F64)
		return SB_OK;
	if (t->dtype != SB_F16 && t->dtype != SB_BF16)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "unsupported dtype %s",
				       sb_dtype_name(t->dtype));
	int64_t n = sb_tensor_numel(t);
	v->tmp = malloc(sizeof(float) * (size_t)(n ? n : 1));
	if (!v->tmp)
		return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
	sb_convert(SB_F32, v->tmp, t->dtype, t->dl.data, n);
	v->data = v->tmp;
	return SB_OK;
}

/* Where a kernel writes a float output: the output itself, or a float32
 * buffer narrowed into it by float_out_done. */
typedef struct float_out {
	bool is_f64;
	void *data;
	void *tmp;
	sb_tensor *t;
} float_out;

static sb_status float_out_of(relay_kernel_ctx *ctx, sb_tensor *t, float_out *o)
{
	o->t = t;
	o->tmp = NULL;
	o->data = t->dl.data;
	o->is_f64 = t->dtype == SB_F64;
	if (t->dtype == SB_F32 || t->dtype == SB_F64)
		return SB_OK;
	if (t->dtype != SB_F16 && t->dtype != SB_BF16)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "unsupported dtype %s",
				       sb_dtype_name(t->dtype));
	int64_t n = sb_tensor_numel(t);
	o->tmp = malloc(sizeof(float) * (size_t)(n ? n : 1));
	if (!o->tmp)
		return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
	o->data = o->tmp;
	return SB_OK;
}

static void float_out_done(float_out *o)
{
	if (o->tmp)
		sb_convert(o->t->dtype, o->t->dl.data, SB_F32, o->tmp, sb_tensor_numel(o->t));
	free(o->tmp);
	o->tmp = NULL;
}

static bool same_shape(const sb_tensor *a, const sb_tensor *b)
{
	return sb_shape_equal(a->dl.ndim, a->shape, b->dl.ndim, b->shape);
}

/* Element i of a float tensor of any float dtype. */
static inline double float_at(const float_view *v, int64_t i)
{
	return v->is_f64 ? ((const double *)v->data)[i] : ((const float *)v->data)[i];
}
static inline void float_put(float_out *o, int64_t i, double x)
{
	if (o->is_f64)
		((double *)o->data)[i] = x;
	else
		((float *)o->data)[i] = (float)x;
}

/* ---- Softmax, LogSoftmax, Hardmax ---- */

typedef enum softmax_mode { SOFTMAX, LOG_SOFTMAX, HARDMAX } softmax_mode;

/* Softmax over the middle dim of [outer, n, inner]; `buf` holds 2*inner
 * doubles.  The max is subtracted before exp, so large inputs are fine. */
#define DEFINE_SOFTMAX(T, EXP)                                                                \
	static void softmax_##T(const T *x, T *y, int64_t outer, int64_t n, int64_t inner,     \
				bool log_mode, double *buf)                                   \
	{                                                                                     \
		for (int64_t o = 0; o < outer; o++) {                                         \
			const T *xo = x + o * n * inner;                                      \
			T *yo = y + o * n * inner;                                            \
			if (inner == 1) {                                                     \
				T mx = xo[0];                                                 \
				for (int64_t k = 1; k < n; k++)                               \
					mx = xo[k] > mx ? xo[k] : mx;                         \
				double sum = 0;                                               \
				for (int64_t k = 0; k < n; k++) {                             \
					T e = EXP(xo[k] - mx);                                \
					sum += e;                                             \
					if (!log_mode)                                        \
						yo[k] = e;                                    \
				}                                                             \
				if (log_mode) {                                               \
					double ls = log(sum);                                 \
					for (int64_t k = 0; k < n; k++)                       \
						yo[k] = (T)((xo[k] - mx) - ls);               \
				} else {                                                      \
					T inv = (T)(1.0 / sum);                               \
					for (int64_t k = 0; k < n; k++)                       \
						yo[k] *= inv;                                 \
				}                                                             \
				continue;                                                     \
			}                                                                     \
			double *mx = buf, *sum = buf + inner;                                 \
			for (int64_t j = 0; j < inner; j++) {                                 \
				mx[j] = xo[j];                                                \
				sum[j] = 0;                                                   \
			}                                                                     \
			for (int64_t k = 1; k < n; k++)                                       \
				for (int64_t j = 0; j < inner; j++)                           \
					mx[j] = xo[k * inner + j] > mx[j] ? xo[k * inner + j] : mx[j]; \
			for (int64_t k = 0; k < n; k++)                                       \
				for (int64_t j = 0; j < inner; j++) {                         \
					T e = EXP(xo[k * inner + j] - (T)mx[j]);              \
					sum[j] += e;                                          \
					if (!log_mode)                                        \
						yo[k * inner + j] = e;                        \
				}                                                             \
			for (int64_t j = 0; j < inner; j++)                                   \
				sum[j] = log_mode ? log(sum[j]) : 1.0 / sum[j];               \
			for (int64_t k = 0; k < n; k++)                                       \
				for (int64_t j = 0; j < inner; j++) {                         \
					if (log_mode)                                         \
						yo[k * inner + j] =                           \
							(T)((xo[k * inner + j] - (T)mx[j]) - sum[j]); \
					else                                                  \
						yo[k * inner + j] *= (T)sum[j];               \
				}                                                             \
		}                                                                             \
	}
DEFINE_SOFTMAX(float, expf)
DEFINE_SOFTMAX(double, exp)

/* One-hot of the first maximum along the axis. */
#define DEFINE_HARDMAX(T)                                                                     \
	static void hardmax_##T(const T *x, T *y, int64_t outer, int64_t n, int64_t inner)     \
	{                                                                                     \
		memset(y, 0, sizeof(T) * (size_t)(outer * n * inner));                        \
		for (int64_t o = 0; o < outer; o++)                                           \
			for (int64_t j = 0; j < inner; j++) {                                 \
				const T *xo = x + o * n * inner + j;                          \
				int64_t best = 0;                                             \
				for (int64_t k = 1; k < n; k++)                               \
					if (xo[k * inner] > xo[best * inner])                 \
						best = k;                                     \
				y[o * n * inner + best * inner + j] = 1;                      \
			}                                                                     \
	}
DEFINE_HARDMAX(float)
DEFINE_HARDMAX(double)

static sb_status softmax_kernel(relay_kernel_ctx *ctx, softmax_mode mode)
{
	const relay_attrs_softmax *at = CTX_ATTRS(ctx, softmax);
	const sb_tensor *x = ctx->in[0];
	sb_tensor *y = ctx->out[0];
	int rank = x->dl.ndim, axis;
	sb_status st = relay_normalize_axis(ctx->op, ctx->node, at->axis, rank, &axis);
	if (st)
		return st;
	if (y->dtype != x->dtype || !same_shape(x, y))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output does not match the input");
	int64_t outer = sb_shape_numel(axis, x->shape);
	int64_t n = rank ? x->shape[axis] : 1;
	int64_t inner = rank ? sb_shape_numel(rank - axis - 1, x->shape + axis + 1) : 1;
	if (at->coerce_2d) {
		n = rank ? sb_shape_numel(rank - axis, x->shape + axis) : 1;
		inner = 1;
	}
	if (outer * n * inner == 0)
		return SB_OK;
	float_view xv;
	float_out yo;
	st = float_view_of(ctx, x, &xv);
	if (st)
		return st;
	st = float_out_of(ctx, y, &yo);
	if (st) {
		free(xv.tmp);
		return st;
	}
	double *buf = NULL;
	if (mode != HARDMAX && inner > 1) {
		buf = malloc(sizeof(double) * (size_t)(2 * inner));
		if (!buf) {
			free(xv.tmp);
			free(yo.tmp);
			return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
		}
	}
	if (mode == HARDMAX) {
		if (xv.is_f64)
			hardmax_double(xv.data, yo.data, outer, n, inner);
		else
			hardmax_float(xv.data, yo.data, outer, n, inner);
	} else if (xv.is_f64) {
		softmax_double(xv.data, yo.data, outer, n, inner, mode == LOG_SOFTMAX, buf);
	} else {
		softmax_float(xv.data, yo.data, outer, n, inner, mode == LOG_SOFTMAX, buf);
	}
	free(buf);
	free(xv.tmp);
	float_out_done(&yo);
	return SB_OK;
}

sb_status k_softmax(relay_kernel_ctx *ctx) { return softmax_kernel(ctx, SOFTMAX); }
sb_status k_log_softmax(relay_kernel_ctx *ctx) { return softmax_kernel(ctx, LOG_SOFTMAX); }
sb_status k_hardmax(relay_kernel_ctx *ctx) { return softmax_kernel(ctx, HARDMAX); }

/* ---- BatchNormalization (inference) ---- */

/* A per-channel parameter: 1-D of size C; with spatial=0 (opset < 9) it
 * may instead cover every non-batch element, C x D1 x ... */
static sb_status check_param(relay_op_ctx *ctx, const relay_type *x, int i, const char *what,
			     bool spatial)
{
	const relay_type *p = NULL;
	sb_status st = input_tensor(ctx, i, &p);
	if (st)
		return st;
	if (!sb_dtype_is_float(p->dtype))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "%s must be a float tensor, got %s", what,
				       sb_dtype_name(p->dtype));
	if (p->rank < 0 || x->rank < 0)
		return SB_OK;
	relay_dim c = x->dims[1];
	if (spatial || p->rank == 1) {
		if (p->rank != 1)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "%s must be 1-D, got rank %d", what,
					       p->rank);
		if (relay_dim_is_known(c) && relay_dim_is_known(p->dims[0]) &&
		    p->dims[0].value != c.value)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "%s has %" PRId64 " elements for %" PRId64 " channels",
					       what, p->dims[0].value, c.value);
		return SB_OK;
	}
	if (p->rank != x->rank - 1)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "%s must be 1-D or match the input's non-batch dims", what);
	for (int d = 0; d < p->rank; d++)
		if (relay_dim_is_known(p->dims[d]) && relay_dim_is_known(x->dims[d + 1]) &&
		    p->dims[d].value != x->dims[d + 1].value)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "%s dim %d is %" PRId64 ", the input's dim %d is %" PRId64,
					       what, d, p->dims[d].value, d + 1, x->dims[d + 1].value);
	return SB_OK;
}

sb_status rel_batch_norm(relay_op_ctx *ctx)
{
	const relay_attrs_batch_norm *at = CTX_ATTRS(ctx, batch_norm);
	if (at->training_mode)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED,
				       "training_mode=1 is not supported (inference only)");
	const relay_type *x = NULL;
	sb_status st = input_tensor(ctx, 0, &x);
	if (st)
		return st;
	if (!sb_dtype_is_float(x->dtype))
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "unsupported dtype %s",
				       sb_dtype_name(x->dtype));
	if (x->rank >= 0 && x->rank < 2)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "input must be N x C x ..., got rank %d", x->rank);
	static const char *const names[] = {"X", "scale", "B", "input_mean", "input_var"};
	for (int i = 1; i < 5; i++) {
		st = check_param(ctx, x, i, names[i], at->spatial != 0);
		if (st)
			return st;
	}
	ctx->out[0] = x;
	return SB_OK;
}

sb_status k_batch_norm(relay_kernel_ctx *ctx)
{
	const relay_attrs_batch_norm *at = CTX_ATTRS(ctx, batch_norm);
	if (at->training_mode)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED,
				       "training_mode=1 is not supported (inference only)");
	const sb_tensor *x = ctx->in[0];
	sb_tensor *y = ctx->out[0];
	if (x->dl.ndim < 2)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input must be N x C x ..., got rank %d",
				       x->dl.ndim);
	if (y->dtype != x->dtype || !same_shape(x, y))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output does not match the input");
	int64_t nb = x->shape[0], c = x->shape[1];
	int64_t inner = sb_shape_numel(x->dl.ndim - 2, x->shape + 2);
	/* Per-channel params, or (spatial=0) one per non-batch element. */
	int64_t np = sb_tensor_numel(ctx->in[1]);
	if (np != c && np != c * inner)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "scale has %" PRId64 " elements for %" PRId64 " channels", np, c);
	for (int i = 2; i < 5; i++)
		if (sb_tensor_numel(ctx->in[i]) != np)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "input %d has %" PRId64 " elements, scale has %" PRId64,
					       i, sb_tensor_numel(ctx->in[i]), np);
	double *ab = malloc(sizeof(double) * (size_t)(2 * np + 1));
	if (!ab)
		return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
	for (int64_t i = 0; i < np; i++) {
		double s = sb_tensor_get_f64(ctx->in[1], i), b = sb_tensor_get_f64(ctx->in[2], i);
		double m = sb_tensor_get_f64(ctx->in[3], i), v = sb_tensor_get_f64(ctx->in[4], i);
		ab[i] = s / sqrt(v + (double)at->epsilon);
		ab[np + i] = b - m * ab[i];
	}
	float_view xv;
	float_out yo;
	sb_status st = float_view_of(ctx, x, &xv);
	if (!st && (st = float_out_of(ctx, y, &yo)))
		free(xv.tmp);
	if (st) {
		free(ab);
		return st;
	}
	/* Per channel: a run of `inner` elements shares one (a, b). */
	int64_t run = np == c ? inner : 1;
	int64_t per_sample = c * inner;
	for (int64_t n = 0; n < nb; n++) {
		for (int64_t p = 0; p < np; p++) {
			int64_t base = n * per_sample + p * run;
			double a = ab[p], b = ab[np + p];
			if (xv.is_f64) {
				const double *xs = (const double *)xv.data + base;
				double *ys = (double *)yo.data + base;
				for (int64_t i = 0; i < run; i++)
					ys[i] = xs[i] * a + b;
			} else {
				const float *xs = (const float *)xv.data + base;
				float *ys = (float *)yo.data + base;
				float af = (float)a, bf = (float)b;
				for (int64_t i = 0; i < run; i++)
					ys[i] = xs[i] * af + bf;
			}
		}
	}
	free(ab);
	free(xv.tmp);
	float_out_done(&yo);
	return SB_OK;
}

/* ---- InstanceNormalization ---- */

sb_status rel_instance_norm(relay_op_ctx *ctx)
{
	const relay_type *x = NULL;
	sb_status st = input_tensor(ctx, 0, &x);
	if (st)
		return st;
	if (!sb_dtype_is_float(x->dtype))
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "unsupported dtype %s",
				       sb_dtype_name(x->dtype));
	if (x->rank >= 0 && x->rank < 3)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "input must be N x C x D1 x ..., got rank %d", x->rank);
	st = check_param(ctx, x, 1, "scale", true);
	if (!st)
		st = check_param(ctx, x, 2, "B", true);
	if (st)
		return st;
	ctx->out[0] = x;
	return SB_OK;
}

sb_status k_instance_norm(relay_kernel_ctx *ctx)
{
	const relay_attrs_epsilon *at = CTX_ATTRS(ctx, epsilon);
	const sb_tensor *x = ctx->in[0];
	sb_tensor *y = ctx->out[0];
	if (x->dl.ndim < 3)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "input must be N x C x D1 x ..., got rank %d", x->dl.ndim);
	if (y->dtype != x->dtype || !same_shape(x, y))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output does not match the input");
	int64_t nb = x->shape[0], c = x->shape[1];
	int64_t inner = sb_shape_numel(x->dl.ndim - 2, x->shape + 2);
	if (sb_tensor_numel(ctx->in[1]) != c || sb_tensor_numel(ctx->in[2]) != c)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "scale and B must have %" PRId64 " elements (the channels)", c);
	float_view xv;
	float_out yo;
	sb_status st = float_view_of(ctx, x, &xv);
	if (!st && (st = float_out_of(ctx, y, &yo)))
		free(xv.tmp);
	if (st)
		return st;
	for (int64_t n = 0; n < nb; n++) {
		for (int64_t ch = 0; ch < c; ch++) {
			int64_t base = (n * c + ch) * inner;
			double mean = 0, var = 0;
			for (int64_t i = 0; i < inner; i++)
				mean += float_at(&xv, base + i);
			mean /= (double)(inner ? inner : 1);
			for (int64_t i = 0; i < inner; i++) {
				double d = float_at(&xv, base + i) - mean;
				var += d * d;
			}
			var /= (double)(inner ? inner : 1);
			double a = sb_tensor_get_f64(ctx->in[1], ch) / sqrt(var + (double)at->epsilon);
			double b = sb_tensor_get_f64(ctx->in[2], ch);
			for (int64_t i = 0; i < inner; i++)
				float_put(&yo, base + i, (float_at(&xv, base + i) - mean) * a + b);
		}
	}
	free(xv.tmp);
	float_out_done(&yo);
	return SB_OK;
}

/* ---- LayerNormalization ---- */

/* Scale and B broadcast (one way) to the normalised dims X[axis:]. */
static sb_status check_norm_param(relay_op_ctx *ctx, const relay_type *x, int axis, int i,
				  const char *what)
{
	const relay_type *p = NULL;
	sb_status st = input_tensor(ctx, i, &p);
	if (st)
		return st;
	if (p->dtype != x->dtype)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "%s is %s, X is %s", what,
				       sb_dtype_name(p->dtype), sb_dtype_name(x->dtype));
	if (p->rank < 0 || x->rank < 0)
		return SB_OK;
	int nr = x->rank - axis;
	if (p->rank > nr)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "%s has rank %d, more than the %d normalised dims", what, p->rank,
				       nr);
	for (int d = 0; d < p->rank; d++) {
		relay_dim pd = p->dims[d], xd = x->dims[x->rank - p->rank + d];
		if (relay_dim_is_known(pd) && pd.value != 1 && relay_dim_is_known(xd) &&
		    pd.value != xd.value)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "%s dim %d is %" PRId64 ", cannot broadcast to %" PRId64,
					       what, d, pd.value, xd.value);
	}
	return SB_OK;
}

sb_status rel_layer_norm(relay_op_ctx *ctx)
{
	const relay_attrs_layer_norm *at = CTX_ATTRS(ctx, layer_norm);
	const relay_type *x = NULL;
	sb_status st = input_tensor(ctx, 0, &x);
	if (st)
		return st;
	if (!sb_dtype_is_float(x->dtype))
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "unsupported dtype %s",
				       sb_dtype_name(x->dtype));
	sb_dtype sdt = relay_onnx_dtype(at->stash_type); /* Mean/InvStdDev's dtype */
	if (!sb_dtype_is_float(sdt))
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED,
				       "stash_type %" PRId64 " is not a float type", at->stash_type);
	int axis = 0;
	if (x->rank >= 0) {
		if (x->rank == 0)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input must have rank >= 1");
		st = relay_normalize_axis(ctx->op, ctx->node, at->axis, x->rank, &axis);
		if (st)
			return st;
	}
	st = check_norm_param(ctx, x, axis, 1, "Scale");
	if (!st && ctx->nin > 2 && ctx->in[2])
		st = check_norm_param(ctx, x, axis, 2, "B");
	if (st)
		return st;
	ctx->out[0] = x;
	if (ctx->nout > 1) {
		relay_type *m = relay_type_tensor(ctx->mod, sdt, x->rank, x->dims);
		for (int d = axis; d < x->rank; d++)
			m->dims[d] = relay_dim_known(1);
		for (int j = 1; j < ctx->nout; j++)
			ctx->out[j] = m;
	}
	return SB_OK;
}

/* A parameter broadcast over the normalised block of `len` elements with
 * dims `shape[0..nr)`, expanded into a dense double array. */
static void expand_norm_param(const sb_tensor *p, int nr, const int64_t *shape, int64_t len,
			      double *out)
{
	int64_t strides[SB_MAX_RANK], idx[SB_MAX_RANK] = {0};
	relay_broadcast_strides(nr, shape, p->dl.ndim, p->shape, strides);
	int64_t off = 0;
	for (int64_t i = 0; i < len; i++) {
		out[i] = sb_tensor_get_f64(p, off);
		for (int d = nr - 1; d >= 0; d--) {
			off += strides[d];
			if (++idx[d] < shape[d])
				break;
			off -= strides[d] * shape[d];
			idx[d] = 0;
		}
	}
}

static bool broadcasts_to(const sb_tensor *p, int nr, const int64_t *shape)
{
	if (p->dl.ndim > nr)
		return false;
	for (int d = 0; d < p->dl.ndim; d++) {
		int64_t pd = p->shape[d], xd = shape[nr - p->dl.ndim + d];
		if (pd != 1 && pd != xd)
			return false;
	}
	return true;
}

sb_status k_layer_norm(relay_kernel_ctx *ctx)
{
	const relay_attrs_layer_norm *at = CTX_ATTRS(ctx, layer_norm);
	const sb_tensor *x = ctx->in[0], *scale = ctx->in[1];
	const sb_tensor *bias = ctx->nin > 2 ? ctx->in[2] : NULL;
	sb_tensor *y = ctx->out[0];
	sb_tensor *mean_out = ctx->nout > 1 ? ctx->out[1] : NULL;
	sb_tensor *inv_out = ctx->nout > 2 ? ctx->out[2] : NULL;
	int rank = x->dl.ndim, axis;
	if (rank == 0)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input must have rank >= 1");
	sb_status st = relay_normalize_axis(ctx->op, ctx->node, at->axis, rank, &axis);
	if (st)
		return st;
	if (y->dtype != x->dtype || !same_shape(x, y))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output does not match the input");
	int nr = rank - axis;
	int64_t rows = sb_shape_numel(axis, x->shape);
	int64_t len = sb_shape_numel(nr, x->shape + axis);
	if (!broadcasts_to(scale, nr, x->shape + axis) ||
	    (bias && !broadcasts_to(bias, nr, x->shape + axis)))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "Scale and B must broadcast to the normalised dims");
	if ((mean_out && sb_tensor_numel(mean_out) != rows) ||
	    (inv_out && sb_tensor_numel(inv_out) != rows))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "Mean/InvStdDev have the wrong size");
	double *sb = malloc(sizeof(double) * (size_t)(2 * len + 1));
	if (!sb)
		return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
	expand_norm_param(scale, nr, x->shape + axis, len, sb);
	if (bias)
		expand_norm_param(bias, nr, x->shape + axis, len, sb + len);
	else
		memset(sb + len, 0, sizeof(double) * (size_t)len);
	float_view xv;
	float_out yo;
	st = float_view_of(ctx, x, &xv);
	if (!st && (st = float_out_of(ctx, y, &yo)))
		free(xv.tmp);
	if (st) {
		free(sb);
		return st;
	}
	for (int64_t r = 0; r < rows; r++) {
		int64_t base = r * len;
		double mean = 0, var = 0;
		for (int64_t i = 0; i < len; i++)
			mean += float_at(&xv, base + i);
		mean /= (double)(len ? len : 1);
		for (int64_t i = 0; i < len; i++) {
			double d = float_at(&xv, base + i) - mean;
			var += d * d;
		}
		var /= (double)(len ? len : 1);
		double inv = 1.0 / sqrt(var + (double)at->epsilon);
		for (int64_t i = 0; i < len; i++)
			float_put(&yo, base + i,
				  (float_at(&xv, base + i) - mean) * inv * sb[i] + sb[len + i]);
		if (mean_out)
			sb_tensor_set_f64(mean_out, r, mean);
		if (inv_out)
			sb_tensor_set_f64(inv_out, r, inv);
	}
	free(sb);
	free(xv.tmp);
	float_out_done(&yo);
	return SB_OK;
}

/* ---- LRN ---- */

sb_status k_lrn(relay_kernel_ctx *ctx)
{
	const relay_attrs_lrn *at = CTX_ATTRS(ctx, lrn);
	const sb_tensor *x = ctx->in[0];
	sb_tensor *y = ctx->out[0];
	if (x->dl.ndim < 3)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "input must be N x C x D1 x ..., got rank %d", x->dl.ndim);
	if (at->size <= 0)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "attribute size must be a positive integer, got %" PRId64,
				       at->size);
	if (y->dtype != x->dtype || !same_shape(x, y))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output does not match the input");
	int64_t nb = x->shape[0], c = x->shape[1];
	int64_t inner = sb_shape_numel(x->dl.ndim - 2, x->shape + 2);
	/* The window around channel ch is [ch - lo, ch + hi]. */
	int64_t lo = (at->size - 1) / 2, hi = at->size - 1 - lo;
	double scale = (double)at->alpha / (double)at->size;
	float_view xv;
	float_out yo;
	sb_status st = float_view_of(ctx, x, &xv);
	if (!st && (st = float_out_of(ctx, y, &yo)))
		free(xv.tmp);
	if (st)
		return st;
	double *sq = malloc(sizeof(double) * (size_t)(inner ? inner : 1));
	if (!sq) {
		free(xv.tmp);
		free(yo.tmp);
		return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
	}
	for (int64_t n = 0; n < nb; n++) {
		for (int64_t ch = 0; ch < c; ch++) {
			int64_t from = SB_MAX(0, ch - lo), to = SB_MIN(c - 1, ch + hi);
			for (int64_t i = 0; i < inner; i++)
				sq[i] = 0;
			for (int64_t k = from; k <= to; k++) {
				int64_t base = (n * c + k) * inner;
				for (int64_t i = 0; i < inner; i++) {
					double v = float_at(&xv, base + i);
					sq[i] += v * v;
				}
			}
			int64_t base = (n * c + ch) * inner;
			for (int64_t i = 0; i < inner; i++)
				float_put(&yo, base + i,
					  float_at(&xv, base + i) /
						  pow((double)at->bias + scale * sq[i], (double)at->beta));
		}
	}
	free(sq);
	free(xv.tmp);
	float_out_done(&yo);
	return SB_OK;
}

/* ---- MeanVarianceNormalization ---- */

/* Y = (X - mean) / (sqrt(mean(X^2) - mean^2) + 1e-9), statistics over `axes`. */
sb_status k_mvn(relay_kernel_ctx *ctx)
{
	const relay_attrs_mvn *at = CTX_ATTRS(ctx, mvn);
	const sb_tensor *x = ctx->in[0];
	sb_tensor *y = ctx->out[0];
	int rank = x->dl.ndim;
	static const int64_t default_axes[] = {0, 2, 3};
	const int64_t *axes = at->axes.set ? at->axes.v : default_axes;
	int naxes = at->axes.set ? at->axes.n : 3;
	bool mask[SB_MAX_RANK] = {false};
	for (int i = 0; i < naxes; i++) {
		int a;
		sb_status st = relay_normalize_axis(ctx->op, ctx->node, axes[i], rank, &a);
		if (st)
			return st;
		if (mask[a])
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "axis %" PRId64 " is repeated",
					       axes[i]);
		mask[a] = true;
	}
	if (y->dtype != x->dtype || !same_shape(x, y))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output does not match the input");
	/* Statistic slot of each element: row-major over the kept dims. */
	int64_t sstride[SB_MAX_RANK], nstat = 1;
	for (int d = rank - 1; d >= 0; d--) {
		sstride[d] = mask[d] ? 0 : nstat;
		if (!mask[d])
			nstat *= x->shape[d];
	}
	int64_t numel = sb_tensor_numel(x);
	if (numel == 0)
		return SB_OK;
	int64_t count = numel / nstat;
	float_view xv;
	float_out yo;
	sb_status st = float_view_of(ctx, x, &xv);
	if (!st && (st = float_out_of(ctx, y, &yo)))
		free(xv.tmp);
	if (st)
		return st;
	double *stat = calloc((size_t)(2 * nstat), sizeof(double));
	if (!stat) {
		free(xv.tmp);
		free(yo.tmp);
		return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
	}
	for (int pass = 0; pass < 2; pass++) {
		int64_t idx[SB_MAX_RANK] = {0}, s = 0;
		for (int64_t i = 0; i < numel; i++) {
			double v = float_at(&xv, i);
			if (pass == 0) {
				stat[2 * s] += v;
				stat[2 * s + 1] += v * v;
			} else {
				float_put(&yo, i, (v - stat[2 * s]) / (stat[2 * s + 1] + 1e-9));
			}
			for (int d = rank - 1; d >= 0; d--) {
				s += sstride[d];
				if (++idx[d] < x->shape[d])
					break;
				s -= sstride[d] * x->shape[d];
				idx[d] = 0;
			}
		}
		if (pass == 0) {
			for (int64_t k = 0; k < nstat; k++) {
				double mean = stat[2 * k] / (double)count;
				double var = stat[2 * k + 1] / (double)count - mean * mean;
				stat[2 * k] = mean;
				stat[2 * k + 1] = sqrt(var > 0 ? var : 0);
			}
		}
	}
	free(stat);
	free(xv.tmp);
	float_out_done(&yo);
	return SB_OK;
}

/* ---- Type relations that check attributes at compile time ----
 * The output type is the input's (rel_unary_float); these add the checks
 * that would otherwise only fire when the kernel runs. */

sb_status rel_softmax(relay_op_ctx *ctx)
{
	sb_status st = rel_unary_float(ctx);
	if (st)
		return st;
	int rank = ctx->in[0]->rank, axis;
	if (rank >= 0)
		st = relay_normalize_axis(ctx->op, ctx->node, CTX_ATTRS(ctx, softmax)->axis, rank, &axis);
	return st;
}

sb_status rel_lrn(relay_op_ctx *ctx)
{
	sb_status st = rel_unary_float(ctx);
	if (st)
		return st;
	const relay_attrs_lrn *at = CTX_ATTRS(ctx, lrn);
	int rank = ctx->in[0]->rank;
	if (rank >= 0 && rank < 3)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input must be N x C x D1 x ..., got rank %d",
				       rank);
	if (at->size <= 0)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "attribute size must be a positive integer, got %" PRId64, at->size);
	return SB_OK;
}

sb_status rel_mvn(relay_op_ctx *ctx)
{
	sb_status st = rel_unary_float(ctx);
	if (st)
		return st;
	const relay_attrs_mvn *at = CTX_ATTRS(ctx, mvn);
	int rank = ctx->in[0]->rank;
	if (rank < 0)
		return SB_OK;
	static const int64_t default_axes[] = {0, 2, 3};
	const int64_t *axes = at->axes.set ? at->axes.v : default_axes;
	int naxes = at->axes.set ? at->axes.n : 3;
	bool seen[SB_MAX_RANK] = {false};
	for (int i = 0; i < naxes; i++) {
		int a;
		st = relay_normalize_axis(ctx->op, ctx->node, axes[i], rank, &a);
		if (st)
			return st;
		if (seen[a])
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "axis %" PRId64 " is repeated", axes[i]);
		seen[a] = true;
	}
	return SB_OK;
}
