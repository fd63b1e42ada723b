/* Reductions along axes: ReduceL1 .. ReduceSumSquare, ArgMax/ArgMin,
 * CumSum and TopK -- type relations and reference kernels.
 *
 * Every Reduce* kernel runs one engine: the input shape is collapsed into
 * groups of adjacent reduced / kept dims (size-1 dims dropped), so the
 * innermost group is one contiguous run that is either folded into one
 * accumulator ("reduce the last axis") or added element-wise into a row of
 * accumulators ("reduce all but channel" ends with a kept run or a reduced
 * run; both are contiguous).  Floats accumulate in double, integers in
 * int64 with wrap-around (two's complement, as numpy does). */
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

static bool dtype_is_numeric(sb_dtype dt)
{
	return sb_dtype_is_float(dt) || sb_dtype_is_int(dt);
}

/* Splits a shape around `axis` into outer * n * inner. */
static void shape_split(int rank, const int64_t *shape, int axis, int64_t *outer, int64_t *n,
			int64_t *inner)
{
	*outer = sb_shape_numel(axis, shape);
	*n = shape[axis];
	*inner = sb_shape_numel(rank - axis - 1, shape + axis + 1);
}

/* Reads a scalar-like integer input (a 0-D or one-element 1-D tensor). */
static sb_status scalar_int(relay_op op, const char *node, const sb_tensor *t, const char *what,
			    int64_t *v)
{
	if (!sb_dtype_is_int(t->dtype))
		return relay_op_error(op, node, SB_ERR_INVALID, "%s must be an integer tensor, got %s",
				      what, sb_dtype_name(t->dtype));
	if (t->dl.ndim > 1 || sb_tensor_numel(t) != 1)
		return relay_op_error(op, node, SB_ERR_INVALID,
				      "%s must hold exactly one value (a scalar or a 1-element 1-D tensor)",
				      what);
	*v = sb_tensor_get_i64(t, 0);
	return SB_OK;
}

/* Checks the static type of a scalar-like integer input. */
static sb_status check_scalar_int_type(relay_op_ctx *ctx, const relay_type *t, const char *what)
{
	if (!sb_dtype_is_int(t->dtype))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "%s must be an integer tensor, got %s",
				       what, sb_dtype_name(t->dtype));
	if (t->rank > 1 || (t->rank == 1 && relay_dim_is_known(t->dims[0]) && t->dims[0].value != 1))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "%s must hold exactly one value (a scalar or a 1-element 1-D tensor)",
				       what);
	return SB_OK;
}

/* dtypes with a native C type; f16/bf16 go through float32. */
#define NATIVE_DTYPES(X)        \
	X(SB_F32, float)        \
	X(SB_F64, double)       \
	X(SB_I8, int8_t)        \
	X(SB_I16, int16_t)      \
	X(SB_I32, int32_t)      \
	X(SB_I64, int64_t)      \
	X(SB_U8, uint8_t)       \
	X(SB_U16, uint16_t)     \
	X(SB_U32, uint32_t)     \
	X(SB_U64, uint64_t)     \
	X(SB_BOOL, uint8_t)

static inline int double_isnan(double x) { return isnan(x); }
#define VALUE_ISNAN(x) _Generic((x), float: double_isnan(x), double: double_isnan(x), default: 0)

/* f16/bf16 data widened to float32 for a kernel; `*tmp` is NULL when the
 * data could be used as is. */
static sb_status widen_half(relay_kernel_ctx *ctx, const sb_tensor *t, sb_dtype *dt,
			    const void **data, float **tmp)
{
	*tmp = NULL;
	*dt = t->dtype;
	*data = t->dl.data;
	if (t->dtype != SB_F16 && t->dtype != SB_BF16)
		return SB_OK;
	int64_t n = sb_tensor_numel(t);
	*tmp = malloc(sizeof(float) * (size_t)(n ? n : 1));
	if (!*tmp)
		return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory widening %s input",
				       sb_dtype_name(t->dtype));
	sb_convert(SB_F32, *tmp, t->dtype, t->dl.data, n);
	*dt = SB_F32;
	*data = *tmp;
	return SB_OK;
}

/* ---- Reduce*: type relation ---- */

/* The axes of a Reduce* node as a mask over `rank`; *empty is set when the
 * axes list is empty (absent input or zero-length tensor). */
static sb_status reduce_axes_mask(relay_op op, const char *node, const sb_tensor *axes, int rank,
				  bool *mask, bool *empty)
{
	for (int i = 0; i < rank; i++)
		mask[i] = false;
	*empty = !axes || sb_tensor_numel(axes) == 0;
	if (*empty)
		return SB_OK;
	if (!sb_dtype_is_int(axes->dtype))
		return relay_op_error(op, node, SB_ERR_INVALID, "axes must be an integer tensor, got %s",
				      sb_dtype_name(axes->dtype));
	if (axes->dl.ndim > 1)
		return relay_op_error(op, node, SB_ERR_INVALID, "axes must be 1-D, got rank %d",
				      axes->dl.ndim);
	int64_t n = sb_tensor_numel(axes);
	for (int64_t i = 0; i < n; i++) {
		int64_t a = sb_tensor_get_i64(axes, i);
		if (a < -rank || a >= rank)
			return relay_op_error(op, node, SB_ERR_INVALID,
					      "axis %" PRId64 " is out of range for rank %d", a, rank);
		int k = (int)(a < 0 ? a + rank : a);
		if (mask[k])
			return relay_op_error(op, node, SB_ERR_INVALID,
					      "axis %" PRId64 " is repeated in axes", a);
		mask[k] = true;
	}
	return SB_OK;
}

sb_status rel_reduce(relay_op_ctx *ctx)
{
	const relay_attrs_reduce *at = CTX_ATTRS(ctx, reduce);
	const relay_type *x = NULL;
	sb_status st = input_tensor(ctx, 0, &x);
	if (st)
		return st;
	if (!dtype_is_numeric(x->dtype) && x->dtype != SB_BOOL)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "unsupported dtype %s",
				       sb_dtype_name(x->dtype));
	if (x->rank > SB_MAX_RANK)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "rank %d exceeds %d", x->rank,
				       SB_MAX_RANK);
	const relay_type *axes_t = ctx->nin > 1 ? ctx->in[1] : NULL;
	const sb_tensor *axes = ctx->nin > 1 ? ctx->value[1] : NULL;
	if (axes_t) {
		if (axes_t->kind != RELAY_TYPE_TENSOR || !sb_dtype_is_int(axes_t->dtype))
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "axes must be an integer tensor");
		if (axes_t->rank > 1)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "axes must be 1-D, got rank %d",
					       axes_t->rank);
	}

	if (axes_t && !axes) {
		/* Axes known only at run time. */
		int64_t naxes = -1;
		if (axes_t->rank == 1 && relay_dim_is_known(axes_t->dims[0]))
			naxes = axes_t->dims[0].value;
		else if (axes_t->rank == 0)
			naxes = 1;
		if (naxes == 0) {
			axes_t = NULL; /* statically empty: same as absent */
		} else if (x->rank < 0) {
			ctx->out[0] = relay_type_tensor(ctx->mod, x->dtype, -1, NULL);
			return SB_OK;
		} else if (at->keepdims) {
			/* A dim of size 1 stays 1 whether reduced or not. */
			relay_type *o = relay_type_tensor(ctx->mod, x->dtype, x->rank, NULL);
			for (int i = 0; i < x->rank; i++)
				if (x->dims[i].value == 1)
					o->dims[i] = x->dims[i];
			ctx->out[0] = o;
			return SB_OK;
		} else {
			int r = naxes > 0 && naxes <= x->rank ? x->rank - (int)naxes : -1;
			if (naxes > x->rank)
				return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
						       "%" PRId64 " axes for an input of rank %d", naxes,
						       x->rank);
			ctx->out[0] = relay_type_tensor(ctx->mod, x->dtype, r, NULL);
			return SB_OK;
		}
	}

	bool empty = !axes_t || (axes && sb_tensor_numel(axes) == 0);
	if (empty && at->noop_with_empty_axes) {
		ctx->out[0] = x;
		return SB_OK;
	}
	if (x->rank < 0) {
		/* Reducing everything without keepdims gives a scalar. */
		ctx->out[0] = relay_type_tensor(ctx->mod, x->dtype, empty && !at->keepdims ? 0 : -1,
						NULL);
		return SB_OK;
	}
	bool mask[SB_MAX_RANK];
	st = reduce_axes_mask(ctx->op, ctx->node, empty ? NULL : axes, x->rank, mask, &empty);
	if (st)
		return st;
	relay_type *o = relay_type_tensor(ctx->mod, x->dtype, 0, NULL);
	o->dims = SB_ARENA_ARRAY(&ctx->mod->arena, relay_dim, x->rank ? x->rank : 1);
	int r = 0;
	for (int i = 0; i < x->rank; i++) {
		bool red = empty || mask[i];
		if (!red)
			o->dims[r++] = x->dims[i];
		else if (at->keepdims)
			o->dims[r++] = relay_dim_known(1);
	}
	o->rank = r;
	ctx->out[0] = o;
	return SB_OK;
}

/* ---- Reduce*: kernels ---- */

/* The input shape collapsed into alternating reduced / kept groups. */
typedef struct reduce_plan {
	int ngroups;
	int64_t size[SB_MAX_RANK];
	bool reduced[SB_MAX_RANK];
	int64_t out_stride[SB_MAX_RANK]; /* 0 on reduced groups */
	int64_t in_numel, out_numel;
	int64_t count; /* input elements folded into each output */
} reduce_plan;

static void reduce_plan_make(reduce_plan *p, int rank, const int64_t *shape, const bool *mask)
{
	p->in_numel = p->out_numel = p->count = 1;
	p->ngroups = 0;
	for (int i = 0; i < rank; i++) {
		p->in_numel *= shape[i];
		if (mask[i])
			p->count *= shape[i];
		else
			p->out_numel *= shape[i];
		if (shape[i] == 1)
			continue;
		if (p->ngroups > 0 && p->reduced[p->ngroups - 1] == mask[i]) {
			p->size[p->ngroups - 1] *= shape[i];
		} else {
			p->size[p->ngroups] = shape[i];
			p->reduced[p->ngroups] = mask[i];
			p->ngroups++;
		}
	}
	if (p->ngroups == 0) {
		p->size[0] = 1;
		p->reduced[0] = false;
		p->ngroups = 1;
	}
	int64_t s = 1;
	for (int g = p->ngroups - 1; g >= 0; g--) {
		p->out_stride[g] = p->reduced[g] ? 0 : s;
		if (!p->reduced[g])
			s *= p->size[g];
	}
}

/* How each input element is folded into its accumulator. */
typedef enum reduce_fold {
	FOLD_SUM,
	FOLD_ABS_SUM,
	FOLD_SQ_SUM,
	FOLD_PROD,
	FOLD_MAX,
	FOLD_MIN,
	FOLD_EXP_SUM, /* sum of exp(x - off[out]) (LogSumExp's second pass) */
} reduce_fold;

/* What is done to each accumulator at the end. */
typedef enum reduce_finish {
	FINISH_NONE,
	FINISH_MEAN,
	FINISH_SQRT,
	FINISH_LOG,
	FINISH_LOG_OFFSET, /* log(acc) + off */
} reduce_finish;

/*       op name      fold          finish */
#define REDUCE_KINDS(X)                                 \
	X(l1, FOLD_ABS_SUM, FINISH_NONE)                \
	X(l2, FOLD_SQ_SUM, FINISH_SQRT)                 \
	X(log_sum, FOLD_SUM, FINISH_LOG)                \
	X(log_sum_exp, FOLD_EXP_SUM, FINISH_LOG_OFFSET) \
	X(max, FOLD_MAX, FINISH_NONE)                   \
	X(mean, FOLD_SUM, FINISH_MEAN)                  \
	X(min, FOLD_MIN, FINISH_NONE)                   \
	X(prod, FOLD_PROD, FINISH_NONE)                 \
	X(sum, FOLD_SUM, FINISH_NONE)                   \
	X(sum_square, FOLD_SQ_SUM, FINISH_NONE)

/* Inner loops run in fixed chunks of LANES: independent partial sums hide
 * the add latency, and GCC's -O2 vectorises loops of constant trip count. */
#define LANES 8

/* The walk over the input: `it` counts contiguous innermost runs, `oo` is
 * the output offset of the run's first element.  MAP(v, o) turns element v
 * bound for output o into a contribution, COMB(a, c) folds it in. */
#define REDUCE_WALK(T, A, x, acc, p, MAP, COMB)                                         \
	do {                                                                            \
		int G_ = (p)->ngroups;                                                  \
		int64_t n_ = (p)->size[G_ - 1];                                         \
		int64_t runs_ = (p)->in_numel / n_;                                     \
		int64_t idx_[SB_MAX_RANK] = {0};                                        \
		int64_t oo = 0;                                                         \
		for (int64_t it = 0; it < runs_; it++) {                                \
			const T *xp_ = (x) + it * n_;                                   \
			int64_t j = 0;                                                  \
			if ((p)->reduced[G_ - 1]) {                                     \
				/* LANES independent partial results, then one */       \
				A a_ = (acc)[oo];                                       \
				if (n_ >= LANES) {                                      \
					A l_[LANES];                                    \
					for (int t = 0; t < LANES; t++)                 \
						l_[t] = MAP(xp_[t], oo);                \
					for (j = LANES; j + LANES <= n_; j += LANES)    \
						for (int t = 0; t < LANES; t++)         \
							l_[t] = COMB(l_[t], MAP(xp_[j + t], oo)); \
					for (int t = 0; t < LANES; t++)                 \
						a_ = COMB(a_, l_[t]);                   \
				}                                                       \
				for (; j < n_; j++)                                     \
					a_ = COMB(a_, MAP(xp_[j], oo));                 \
				(acc)[oo] = a_;                                         \
			} else {                                                        \
				A *ap_ = (acc) + oo;                                    \
				for (; j + LANES <= n_; j += LANES)                     \
					for (int t = 0; t < LANES; t++)                 \
						ap_[j + t] = COMB(ap_[j + t], MAP(xp_[j + t], oo + j + t)); \
				for (; j < n_; j++)                                     \
					ap_[j] = COMB(ap_[j], MAP(xp_[j], oo + j));     \
			}                                                               \
			for (int d = G_ - 2; d >= 0; d--) {                             \
				oo += (p)->out_stride[d];                               \
				if (++idx_[d] < (p)->size[d])                           \
					break;                                          \
				oo -= (p)->out_stride[d] * (p)->size[d];                \
				idx_[d] = 0;                                            \
			}                                                               \
		}                                                                       \
	} while (0)

#define MAP_ID(v, o) ((double)(v))
#define MAP_ABS(v, o) fabs((double)(v))
#define MAP_SQ(v, o) ((double)(v) * (double)(v))
#define MAP_EXP(v, o) exp((double)(v) - off[o])
#define COMB_ADD(a, c) ((a) + (c))
#define COMB_MUL(a, c) ((a) * (c))
/* NaN propagates, as numpy's max/min. */
#define COMB_MAX(a, c) ((c) > (a) || isnan(c) ? (c) : (a))
#define COMB_MIN(a, c) ((c) < (a) || isnan(c) ? (c) : (a))

#define DEFINE_REDUCE_F64(T)                                                               \
	static void reduce_f64_##T(const T *x, double *acc, const double *off,             \
				   const reduce_plan *p, reduce_fold f)                    \
	{                                                                                  \
		switch (f) {                                                               \
		case FOLD_SUM: REDUCE_WALK(T, double, x, acc, p, MAP_ID, COMB_ADD); break;  \
		case FOLD_ABS_SUM: REDUCE_WALK(T, double, x, acc, p, MAP_ABS, COMB_ADD); break; \
		case FOLD_SQ_SUM: REDUCE_WALK(T, double, x, acc, p, MAP_SQ, COMB_ADD); break; \
		case FOLD_PROD: REDUCE_WALK(T, double, x, acc, p, MAP_ID, COMB_MUL); break; \
		case FOLD_MAX: REDUCE_WALK(T, double, x, acc, p, MAP_ID, COMB_MAX); break;  \
		case FOLD_MIN: REDUCE_WALK(T, double, x, acc, p, MAP_ID, COMB_MIN); break;  \
		case FOLD_EXP_SUM: REDUCE_WALK(T, double, x, acc, p, MAP_EXP, COMB_ADD); break; \
		}                                                                          \
	}
DEFINE_REDUCE_F64(float)
DEFINE_REDUCE_F64(double)

/* Integers: int64 accumulators; sums and products wrap (unsigned maths, so
 * no undefined behaviour on overflow). */
#define IMAP_ID(v, o) ((int64_t)(v))
#define IMAP_ABS(v, o) ((v) < 0 ? (int64_t)(0 - (uint64_t)(int64_t)(v)) : (int64_t)(v))
#define IMAP_SQ(v, o) ((int64_t)((uint64_t)(int64_t)(v) * (uint64_t)(int64_t)(v)))
#define ICOMB_ADD(a, c) ((int64_t)((uint64_t)(a) + (uint64_t)(c)))
#define ICOMB_MUL(a, c) ((int64_t)((uint64_t)(a) * (uint64_t)(c)))
#define ICOMB_MAX(a, c) ((c) > (a) ? (c) : (a))
#define ICOMB_MIN(a, c) ((c) < (a) ? (c) : (a))

#define DEFINE_REDUCE_I64(T)                                                                 \
	static void reduce_i64_##T(const T *x, int64_t *acc, const reduce_plan *p,           \
				   reduce_fold f)                                            \
	{                                                                                    \
		switch (f) {                                                                 \
		case FOLD_SUM: REDUCE_WALK(T, int64_t, x, acc, p, IMAP_ID, ICOMB_ADD); break; \
		case FOLD_ABS_SUM: REDUCE_WALK(T, int64_t, x, acc, p, IMAP_ABS, ICOMB_ADD); break; \
		case FOLD_SQ_SUM: REDUCE_WALK(T, int64_t, x, acc, p, IMAP_SQ, ICOMB_ADD); break; \
		case FOLD_PROD: REDUCE_WALK(T, int64_t, x, acc, p, IMAP_ID, ICOMB_MUL); break; \
		case FOLD_MAX: REDUCE_WALK(T, int64_t, x, acc, p, IMAP_ID, ICOMB_MAX); break; \
		case FOLD_MIN: REDUCE_WALK(T, int64_t, x, acc, p, IMAP_ID, ICOMB_MIN); break; \
		case FOLD_EXP_SUM: SB_UNREACHABLE();                                         \
		}                                                                            \
	}
DEFINE_REDUCE_I64(int32_t)
DEFINE_REDUCE_I64(int64_t)

static double fold_init_f64(reduce_fold f)
{
	switch (f) {
	case FOLD_PROD: return 1.0;
	case FOLD_MAX: return -INFINITY;
	case FOLD_MIN: return INFINITY;
	default: return 0.0;
	}
}

static int64_t fold_init_i64(reduce_fold f)
{
	switch (f) {
	case FOLD_PROD: return 1;
	case FOLD_MAX: return INT64_MIN;
	case FOLD_MIN: return INT64_MAX;
	default: return 0;
	}
}

static sb_status reduce_in_double(relay_kernel_ctx *ctx, const sb_tensor *x, const reduce_plan *p,
				  reduce_fold fold, reduce_finish finish, double *acc)
{
	const void *data = x->dl.data;
	double *tmp = NULL;
	double *off = NULL;
	if (x->dtype != SB_F32 && x->dtype != SB_F64) {
		tmp = malloc(sizeof(double) * (size_t)p->in_numel);
		if (!tmp)
			return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
		sb_convert(SB_F64, tmp, x->dtype, data, p->in_numel);
		data = tmp;
	}
	bool is_f32 = x->dtype == SB_F32;
	if (fold == FOLD_EXP_SUM) {
		/* Subtract each output's max before exp so nothing overflows. */
		off = acc;
		for (int64_t i = 0; i < p->out_numel; i++)
			off[i] = -INFINITY;
		if (p->in_numel) {
			if (is_f32)
				reduce_f64_float(data, off, NULL, p, FOLD_MAX);
			else
				reduce_f64_double(data, off, NULL, p, FOLD_MAX);
		}
		off = malloc(sizeof(double) * (size_t)(p->out_numel ? p->out_numel : 1));
		if (!off) {
			free(tmp);
			return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
		}
		for (int64_t i = 0; i < p->out_numel; i++)
			off[i] = isfinite(acc[i]) ? acc[i] : 0.0;
	}
	for (int64_t i = 0; i < p->out_numel; i++)
		acc[i] = fold_init_f64(fold);
	if (p->in_numel) {
		if (is_f32)
			reduce_f64_float(data, acc, off, p, fold);
		else
			reduce_f64_double(data, acc, off, p, fold);
	}
	for (int64_t i = 0; i < p->out_numel; i++) {
		switch (finish) {
		case FINISH_NONE: break;
		case FINISH_MEAN: acc[i] /= (double)p->count; break;
		case FINISH_SQRT: acc[i] = sqrt(acc[i]); break;
		case FINISH_LOG: acc[i] = log(acc[i]); break;
		case FINISH_LOG_OFFSET: acc[i] = log(acc[i]) + off[i]; break;
		}
	}
	free(off);
	free(tmp);
	return SB_OK;
}

static sb_status reduce_in_int64(relay_kernel_ctx *ctx, const sb_tensor *x, const reduce_plan *p,
				 reduce_fold fold, reduce_finish finish, int64_t *acc)
{
	const void *data = x->dl.data;
	int64_t *tmp = NULL;
	sb_dtype dt = x->dtype;
	if (dt != SB_I32 && dt != SB_I64) {
		tmp = malloc(sizeof(int64_t) * (size_t)p->in_numel);
		if (!tmp)
			return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
		sb_convert(SB_I64, tmp, x->dtype, data, p->in_numel);
		data = tmp;
		dt = SB_I64;
	}
	for (int64_t i = 0; i < p->out_numel; i++)
		acc[i] = fold_init_i64(fold);
	if (p->in_numel) {
		if (dt == SB_I32)
			reduce_i64_int32_t(data, acc, p, fold);
		else
			reduce_i64_int64_t(data, acc, p, fold);
	}
	if (finish == FINISH_MEAN)
		for (int64_t i = 0; i < p->out_numel; i++)
			acc[i] = p->count ? acc[i] / p->count : 0;
	free(tmp);
	return SB_OK;
}

static sb_status reduce_kernel(relay_kernel_ctx *ctx, reduce_fold fold, reduce_finish finish)
{
	const relay_attrs_reduce *at = CTX_ATTRS(ctx, reduce);
	const sb_tensor *x = ctx->in[0];
	sb_tensor *y = ctx->out[0];
	int rank = x->dl.ndim;
	bool mask[SB_MAX_RANK], empty;
	sb_status st = reduce_axes_mask(ctx->op, ctx->node, ctx->nin > 1 ? ctx->in[1] : NULL, rank,
					mask, &empty);
	if (st)
		return st;
	if (empty && at->noop_with_empty_axes) {
		if (sb_tensor_nbytes(y) != sb_tensor_nbytes(x) || y->dtype != x->dtype)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output does not match the input");
		memcpy(y->dl.data, x->dl.data, sb_tensor_nbytes(x));
		return SB_OK;
	}
	for (int i = 0; i < rank; i++)
		mask[i] = mask[i] || empty;
	reduce_plan p;
	reduce_plan_make(&p, rank, x->shape, mask);
	if (sb_tensor_numel(y) != p.out_numel || y->dtype != x->dtype)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output has the wrong size or dtype");
	if (!dtype_is_numeric(x->dtype) && x->dtype != SB_BOOL)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "unsupported dtype %s",
				       sb_dtype_name(x->dtype));

	bool int_path = !sb_dtype_is_float(x->dtype) &&
			(finish == FINISH_NONE || finish == FINISH_MEAN);
	size_t nacc = (size_t)(p.out_numel ? p.out_numel : 1);
	if (int_path) {
		int64_t *acc = malloc(sizeof(int64_t) * nacc);
		if (!acc)
			return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
		st = reduce_in_int64(ctx, x, &p, fold, finish, acc);
		if (!st)
			sb_convert(y->dtype, y->dl.data, SB_I64, acc, p.out_numel);
		free(acc);
		return st;
	}
	double *acc = malloc(sizeof(double) * nacc);
	if (!acc)
		return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
	st = reduce_in_double(ctx, x, &p, fold, finish, acc);
	if (!st) {
		if (y->dtype == SB_F32) {
			float *yd = y->dl.data;
			for (int64_t i = 0; i < p.out_numel; i++)
				yd[i] = (float)acc[i];
		} else {
			sb_convert(y->dtype, y->dl.data, SB_F64, acc, p.out_numel);
		}
	}
	free(acc);
	return st;
}

#define DEFINE_REDUCE_KERNEL(name, fold, finish)                \
	sb_status k_reduce_##name(relay_kernel_ctx *ctx)        \
	{                                                       \
		return reduce_kernel(ctx, fold, finish);        \
	}
REDUCE_KINDS(DEFINE_REDUCE_KERNEL)
#undef DEFINE_REDUCE_KERNEL

/* ---- ArgMax / ArgMin ---- */

sb_status rel_arg_reduce(relay_op_ctx *ctx)
{
	const relay_attrs_arg_reduce *at = CTX_ATTRS(ctx, arg_reduce);
	const relay_type *x = NULL;
	sb_status st = input_tensor(ctx, 0, &x);
	if (st)
		return st;
	if (!dtype_is_numeric(x->dtype) && x->dtype != SB_BOOL)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "unsupported dtype %s",
				       sb_dtype_name(x->dtype));
	if (x->rank < 0) {
		ctx->out[0] = relay_type_tensor(ctx->mod, SB_I64, -1, NULL);
		return SB_OK;
	}
	if (x->rank == 0)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input must have rank >= 1");
	int axis;
	st = relay_normalize_axis(ctx->op, ctx->node, at->axis, x->rank, &axis);
	if (st)
		return st;
	if (x->dims[axis].value == 0)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "axis %d has size 0: nothing to select",
				       axis);
	relay_type *o = relay_type_tensor(ctx->mod, SB_I64, x->rank - (at->keepdims ? 0 : 1), NULL);
	int r = 0;
	for (int i = 0; i < x->rank; i++) {
		if (i != axis)
			o->dims[r++] = x->dims[i];
		else if (at->keepdims)
			o->dims[r++] = relay_dim_known(1);
	}
	ctx->out[0] = o;
	return SB_OK;
}

/* Is v a better pick than the current best b?  NaN beats every number
 * (numpy's argmax/argmin return the first NaN). */
#define ARG_BETTER(v, b, CMP, last)                                               \
	(VALUE_ISNAN(b) ? ((last) && VALUE_ISNAN(v))                              \
			: (VALUE_ISNAN(v) || (v)CMP(b) || ((last) && (v) == (b))))

#define DEFINE_ARG(T, name, CMP)                                                             \
	static void arg_##name##_##T(const T *x, int64_t *y, int64_t outer, int64_t n,        \
				     int64_t inner, bool last)                               \
	{                                                                                    \
		for (int64_t o = 0; o < outer; o++) {                                        \
			const T *xo = x + o * n * inner;                                     \
			int64_t *yo = y + o * inner;                                         \
			for (int64_t j = 0; j < inner; j++)                                  \
				yo[j] = 0;                                                   \
			for (int64_t k = 1; k < n; k++) {                                    \
				const T *row = xo + k * inner;                               \
				for (int64_t j = 0; j < inner; j++) {                        \
					T b = xo[yo[j] * inner + j];                         \
					if (ARG_BETTER(row[j], b, CMP, last))                \
						yo[j] = k;                                   \
				}                                                            \
			}                                                                    \
		}                                                                            \
	}
#define DEFINE_ARG_PAIR(DT, T) DEFINE_ARG(T, max, >) DEFINE_ARG(T, min, <)
DEFINE_ARG_PAIR(SB_F32, float)
DEFINE_ARG_PAIR(SB_F64, double)
DEFINE_ARG_PAIR(SB_I8, int8_t)
DEFINE_ARG_PAIR(SB_I16, int16_t)
DEFINE_ARG_PAIR(SB_I32, int32_t)
DEFINE_ARG_PAIR(SB_I64, int64_t)
DEFINE_ARG_PAIR(SB_U8, uint8_t)
DEFINE_ARG_PAIR(SB_U16, uint16_t)
DEFINE_ARG_PAIR(SB_U32, uint32_t)
DEFINE_ARG_PAIR(SB_U64, uint64_t)

static sb_status arg_kernel(relay_kernel_ctx *ctx, bool is_max)
{
	const relay_attrs_arg_reduce *at = CTX_ATTRS(ctx, arg_reduce);
	const sb_tensor *x = ctx->in[0];
	sb_tensor *y = ctx->out[0];
	int rank = x->dl.ndim, axis;
	if (rank == 0)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input must have rank >= 1");
	sb_status st = relay_normalize_axis(ctx->op, ctx->node, at->axis, rank, &axis);
	if (st)
		return st;
	int64_t outer, n, inner;
	shape_split(rank, x->shape, axis, &outer, &n, &inner);
	if (n == 0)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "axis %d has size 0: nothing to select",
				       axis);
	if (y->dtype != SB_I64 || sb_tensor_numel(y) != outer * inner)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output has the wrong size or dtype");
	sb_dtype dt;
	const void *data;
	float *tmp;
	st = widen_half(ctx, x, &dt, &data, &tmp);
	if (st)
		return st;
	bool last = at->select_last_index != 0;
	int64_t *yd = y->dl.data;
	switch (dt == SB_BOOL ? SB_U8 : dt) {
#define ARG_CASE(DT, T)                                                           \
	case DT:                                                                  \
		if (is_max)                                                       \
			arg_max_##T(data, yd, outer, n, inner, last);             \
		else                                                              \
			arg_min_##T(data, yd, outer, n, inner, last);             \
		break;
		NATIVE_DTYPES(ARG_CASE)
#undef ARG_CASE
	default:
		free(tmp);
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "unsupported dtype %s",
				       sb_dtype_name(x->dtype));
	}
	free(tmp);
	return SB_OK;
}

sb_status k_arg_max(relay_kernel_ctx *ctx) { return arg_kernel(ctx, true); }
sb_status k_arg_min(relay_kernel_ctx *ctx) { return arg_kernel(ctx, false); }

/* ---- CumSum ---- */

sb_status rel_cumsum(relay_op_ctx *ctx)
{
	const relay_type *x = NULL, *axis_t = NULL;
	sb_status st = input_tensor(ctx, 0, &x);
	if (!st)
		st = input_tensor(ctx, 1, &axis_t);
	if (st)
		return st;
	if (!dtype_is_numeric(x->dtype))
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "unsupported dtype %s",
				       sb_dtype_name(x->dtype));
	st = check_scalar_int_type(ctx, axis_t, "axis");
	if (st)
		return st;
	if (x->rank == 0)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input must have rank >= 1");
	if (ctx->value[1] && x->rank > 0) {
		int64_t a;
		int axis;
		st = scalar_int(ctx->op, ctx->node, ctx->value[1], "axis", &a);
		if (!st)
			st = relay_normalize_axis(ctx->op, ctx->node, a, x->rank, &axis);
		if (st)
			return st;
	}
	ctx->out[0] = x;
	return SB_OK;
}

/* Running sums stay in the element type (numpy's cumsum does the same);
 * integers wrap through unsigned maths. */
#define CUMSUM_ADD_F(T, a, b) ((T)((a) + (b)))
#define CUMSUM_ADD_I(T, a, b) ((T)((uint64_t)(a) + (uint64_t)(b)))
#define DEFINE_CUMSUM(T, ADD)                                                                \
	static void cumsum_##T(const T *x, T *y, int64_t outer, int64_t n, int64_t inner,     \
			       bool exclusive, bool reverse)                                  \
	{                                                                                    \
		for (int64_t o = 0; o < outer; o++) {                                        \
			const T *xo = x + o * n * inner;                                     \
			T *yo = y + o * n * inner;                                           \
			for (int64_t s = 0; s < n; s++) {                                    \
				int64_t k = reverse ? n - 1 - s : s;                         \
				int64_t prev = reverse ? k + 1 : k - 1;                      \
				T *yr = yo + k * inner;                                      \
				const T *xr = xo + k * inner;                                \
				if (s == 0) {                                                \
					for (int64_t j = 0; j < inner; j++)                  \
						yr[j] = exclusive ? (T)0 : xr[j];            \
					continue;                                            \
				}                                                            \
				const T *yp = yo + prev * inner;                             \
				const T *xa = exclusive ? xo + prev * inner : xr;            \
				for (int64_t j = 0; j < inner; j++)                          \
					yr[j] = ADD(T, yp[j], xa[j]);                        \
			}                                                                    \
		}                                                                            \
	}
DEFINE_CUMSUM(float, CUMSUM_ADD_F)
DEFINE_CUMSUM(double, CUMSUM_ADD_F)
DEFINE_CUMSUM(int8_t, CUMSUM_ADD_I)
DEFINE_CUMSUM(int16_t, CUMSUM_ADD_I)
DEFINE_CUMSUM(int32_t, CUMSUM_ADD_I)
DEFINE_CUMSUM(int64_t, CUMSUM_ADD_I)
DEFINE_CUMSUM(uint8_t, CUMSUM_ADD_I)
DEFINE_CUMSUM(uint16_t, CUMSUM_ADD_I)
DEFINE_CUMSUM(uint32_t, CUMSUM_ADD_I)
DEFINE_CUMSUM(uint64_t, CUMSUM_ADD_I)

sb_status k_cumsum(relay_kernel_ctx *ctx)
{
	const relay_attrs_cumsum *at = CTX_ATTRS(ctx, cumsum);
	const sb_tensor *x = ctx->in[0];
	sb_tensor *y = ctx->out[0];
	int rank = x->dl.ndim, axis;
	int64_t a;
	if (rank == 0)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input must have rank >= 1");
	sb_status st = scalar_int(ctx->op, ctx->node, ctx->in[1], "axis", &a);
	if (!st)
		st = relay_normalize_axis(ctx->op, ctx->node, a, rank, &axis);
	if (st)
		return st;
	if (y->dtype != x->dtype || sb_tensor_numel(y) != sb_tensor_numel(x))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output has the wrong size or dtype");
	int64_t outer, n, inner;
	shape_split(rank, x->shape, axis, &outer, &n, &inner);
	bool ex = at->exclusive != 0, rev = at->reverse != 0;
	if (x->dtype == SB_F16 || x->dtype == SB_BF16) {
		int64_t numel = sb_tensor_numel(x);
		float *buf = malloc(sizeof(float) * (size_t)(2 * numel + 1));
		if (!buf)
			return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
		sb_convert(SB_F32, buf, x->dtype, x->dl.data, numel);
		cumsum_float(buf, buf + numel, outer, n, inner, ex, rev);
		sb_convert(y->dtype, y->dl.data, SB_F32, buf + numel, numel);
		free(buf);
		return SB_OK;
	}
	switch (x->dtype) {
#define CUMSUM_CASE(DT, T)                                                              \
	case DT: cumsum_##T(x->dl.data, y->dl.data, outer, n, inner, ex, rev); break;
		NATIVE_DTYPES(CUMSUM_CASE)
#undef CUMSUM_CASE
	default:
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "unsupported dtype %s",
				       sb_dtype_name(x->dtype));
	}
	return SB_OK;
}

/* ---- TopK ---- */

sb_status rel_topk(relay_op_ctx *ctx)
{
	const relay_attrs_topk *at = CTX_ATTRS(ctx, topk);
	const relay_type *x = NULL, *k_t = NULL;
	sb_status st = input_tensor(ctx, 0, &x);
	if (!st)
		st = input_tensor(ctx, 1, &k_t);
	if (st)
		return st;
	if (!dtype_is_numeric(x->dtype))
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "unsupported dtype %s",
				       sb_dtype_name(x->dtype));
	st = check_scalar_int_type(ctx, k_t, "K");
	if (st)
		return st;
	if (ctx->nout != 2)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "expects 2 outputs, got %d", ctx->nout);
	if (x->rank < 0) {
		ctx->out[0] = relay_type_tensor(ctx->mod, x->dtype, -1, NULL);
		ctx->out[1] = relay_type_tensor(ctx->mod, SB_I64, -1, NULL);
		return SB_OK;
	}
	if (x->rank == 0)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input must have rank >= 1");
	int axis;
	st = relay_normalize_axis(ctx->op, ctx->node, at->axis, x->rank, &axis);
	if (st)
		return st;
	relay_dim kd = RELAY_DIM_UNKNOWN;
	if (ctx->value[1]) {
		int64_t k;
		st = scalar_int(ctx->op, ctx->node, ctx->value[1], "K", &k);
		if (st)
			return st;
		if (k < 0)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "K must be >= 0, got %" PRId64, k);
		if (relay_dim_is_known(x->dims[axis]) && k > x->dims[axis].value)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "K = %" PRId64 " exceeds the size %" PRId64 " of axis %d",
					       k, x->dims[axis].value, axis);
		kd = relay_dim_known(k);
	}
	relay_type *v = relay_type_tensor(ctx->mod, x->dtype, x->rank, x->dims);
	v->dims[axis] = kd;
	relay_type *ix = relay_type_tensor(ctx->mod, SB_I64, x->rank, v->dims);
	ctx->out[0] = v;
	ctx->out[1] = ix;
	return SB_OK;
}

/* One candidate: the sort key (double for floats and small integers, exact
 * int64/uint64 for the 64-bit integers) and its index along the axis. */
typedef struct topk_item {
	union {
		double f;
		int64_t i;
		uint64_t u;
	} key;
	int64_t idx;
} topk_item;

/* Descending for largest, ascending for smallest; NaN counts as the
 * largest value; equal keys keep the lower index first. */
#define DEFINE_TOPK_CMP(field, ISNAN_)                                                 \
	static int topk_cmp_##field##_desc(const void *pa, const void *pb)              \
	{                                                                              \
		const topk_item *a = pa, *b = pb;                                      \
		bool na = ISNAN_(a->key.field), nb = ISNAN_(b->key.field);             \
		if (na != nb)                                                          \
			return na ? -1 : 1;                                            \
		if (!na && a->key.field != b->key.field)                               \
			return a->key.field > b->key.field ? -1 : 1;                   \
		return (a->idx > b->idx) - (a->idx < b->idx);                          \
	}                                                                              \
	static int topk_cmp_##field##_asc(const void *pa, const void *pb)               \
	{                                                                              \
		const topk_item *a = pa, *b = pb;                                      \
		bool na = ISNAN_(a->key.field), nb = ISNAN_(b->key.field);             \
		if (na != nb)                                                          \
			return na ? 1 : -1;                                            \
		if (!na && a->key.field != b->key.field)                               \
			return a->key.field < b->key.field ? -1 : 1;                   \
		return (a->idx > b->idx) - (a->idx < b->idx);                          \
	}
#define NEVER_NAN(x) false
DEFINE_TOPK_CMP(f, isnan)
DEFINE_TOPK_CMP(i, NEVER_NAN)
DEFINE_TOPK_CMP(u, NEVER_NAN)

sb_status k_topk(relay_kernel_ctx *ctx)
{
	const relay_attrs_topk *at = CTX_ATTRS(ctx, topk);
	const sb_tensor *x = ctx->in[0];
	int rank = x->dl.ndim, axis;
	if (rank == 0)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input must have rank >= 1");
	if (ctx->nout != 2 || !ctx->out[0] || !ctx->out[1])
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "expects 2 outputs");
	sb_tensor *vals = ctx->out[0], *idxs = ctx->out[1];
	sb_status st = relay_normalize_axis(ctx->op, ctx->node, at->axis, rank, &axis);
	int64_t k;
	if (!st)
		st = scalar_int(ctx->op, ctx->node, ctx->in[1], "K", &k);
	if (st)
		return st;
	int64_t outer, n, inner;
	shape_split(rank, x->shape, axis, &outer, &n, &inner);
	if (k < 0 || k > n)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "K = %" PRId64 " is outside 0..%" PRId64 " (the size of axis %d)",
				       k, n, axis);
	if (vals->dtype != x->dtype || idxs->dtype != SB_I64 ||
	    sb_tensor_numel(vals) != outer * k * inner || sb_tensor_numel(idxs) != outer * k * inner)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "outputs have the wrong size or dtype");
	char field;
	switch (x->dtype) {
	case SB_I64: field = 'i'; break;
	case SB_U64: field = 'u'; break;
	default:
		if (!dtype_is_numeric(x->dtype))
			return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "unsupported dtype %s",
					       sb_dtype_name(x->dtype));
		field = 'f';
	}
	int (*cmp)(const void *, const void *);
	if (field == 'f')
		cmp = at->largest ? topk_cmp_f_desc : topk_cmp_f_asc;
	else if (field == 'i')
		cmp = at->largest ? topk_cmp_i_desc : topk_cmp_i_asc;
	else
		cmp = at->largest ? topk_cmp_u_desc : topk_cmp_u_asc;
	if (k == 0 || outer * inner == 0)
		return SB_OK;
	topk_item *items = malloc(sizeof(topk_item) * (size_t)n);
	if (!items)
		return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
	size_t es = sb_dtype_size(x->dtype);
	const char *xd = x->dl.data;
	char *vd = vals->dl.data;
	int64_t *id = idxs->dl.data;
	for (int64_t o = 0; o < outer; o++) {
		for (int64_t j = 0; j < inner; j++) {
			int64_t base = o * n * inner + j;
			for (int64_t t = 0; t < n; t++) {
				int64_t src = base + t * inner;
				items[t].idx = t;
				if (field == 'i')
					items[t].key.i = ((const int64_t *)xd)[src];
				else if (field == 'u')
					items[t].key.u = ((const uint64_t *)xd)[src];
				else if (x->dtype == SB_F32)
					items[t].key.f = ((const float *)xd)[src];
				else
					items[t].key.f = sb_tensor_get_f64(x, src);
			}
			qsort(items, (size_t)n, sizeof *items, cmp);
			for (int64_t t = 0; t < k; t++) {
				int64_t dst = o * k * inner + t * inner + j;
				int64_t src = base + items[t].idx * inner;
				memcpy(vd + (size_t)dst * es, xd + (size_t)src * es, es);
				id[dst] = items[t].idx;
			}
		}
	}
	free(items);
	return SB_OK;
}
