/* AveragePool, MaxPool (with optional Indices), GlobalAveragePool and
 * GlobalMaxPool: type relations and reference kernels.  Kernels compute in
 * double over a converted copy of the input (exact for every dtype the
 * ops take), walking each window over the taps that fall inside it. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "window.h"

static sb_status pool_shape_infer(relay_op op, const char *node, const relay_attrs_pool *a, int xr,
				  const int64_t *xs, nn_window *w)
{
	if (xr < 3 || xr > SB_MAX_RANK)
		return relay_op_error(op, node, SB_ERR_INVALID,
				      "input must have rank 3 to %d ([N, C, spatial...]), got %d",
				      SB_MAX_RANK, xr);
	if (a->ceil_mode != 0 && a->ceil_mode != 1)
		return relay_op_error(op, node, SB_ERR_INVALID,
				      "ceil_mode must be 0 or 1, got %" PRId64, a->ceil_mode);
	if (a->count_include_pad != 0 && a->count_include_pad != 1)
		return relay_op_error(op, node, SB_ERR_INVALID,
				      "count_include_pad must be 0 or 1, got %" PRId64,
				      a->count_include_pad);
	if (a->storage_order != 0 && a->storage_order != 1)
		return relay_op_error(op, node, SB_ERR_INVALID,
				      "storage_order must be 0 or 1, got %" PRId64,
				      a->storage_order);
	sb_status st = nn_window_init(w, op, node, xr - 2, a->auto_pad, &a->kernel_shape, NULL,
				      &a->strides, &a->dilations, &a->pads);
	return st ? st : nn_window_forward(w, xs + 2, a->ceil_mode != 0);
}

static bool pool_dtype_ok(relay_op op, sb_dtype dt)
{
	if (op == RELAY_OP_MAX_POOL && (dt == SB_I8 || dt == SB_U8))
		return true;
	return sb_dtype_is_float(dt);
}

static sb_status pool_input(relay_op_ctx *ctx, const relay_type **x)
{
	if (ctx->nin < 1 || !ctx->in[0] || ctx->in[0]->kind != RELAY_TYPE_TENSOR)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input X must be a tensor");
	*x = ctx->in[0];
	if (!pool_dtype_ok(ctx->op, (*x)->dtype))
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "dtype %s is not supported%s",
				       sb_dtype_name((*x)->dtype),
				       ctx->op == RELAY_OP_MAX_POOL ? " (float types, int8, uint8)"
								    : " (float types)");
	return SB_OK;
}

sb_status rel_pool(relay_op_ctx *ctx)
{
	const relay_type *x;
	sb_status st = pool_input(ctx, &x);
	if (st)
		return st;
	if (ctx->nout > 1 && ctx->op != RELAY_OP_MAX_POOL)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "has one output");
	int r = x->rank;
	relay_dim *d = NULL;
	if (r >= 0) {
		if (r > SB_MAX_RANK)
			return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED,
					       "rank %d is above the limit %d", r, SB_MAX_RANK);
		int64_t xs[SB_MAX_RANK];
		nn_type_sizes(x, xs);
		nn_window w;
		if ((st = pool_shape_infer(ctx->op, ctx->node, CTX_ATTRS(ctx, pool), r, xs, &w)))
			return st;
		d = SB_ARENA_ARRAY(&ctx->mod->arena, relay_dim, r);
		d[0] = x->dims[0];
		d[1] = x->dims[1];
		for (int i = 0; i < w.nsp; i++)
			d[2 + i] = w.out[i] >= 0		 ? relay_dim_known(w.out[i])
				   : nn_window_keeps_size(&w, i) ? x->dims[2 + i]
								 : RELAY_DIM_UNKNOWN;
	}
	ctx->out[0] = relay_type_tensor(ctx->mod, x->dtype, r, d);
	if (ctx->nout > 1)
		ctx->out[1] = relay_type_tensor(ctx->mod, SB_I64, r, d);
	return SB_OK;
}

sb_status rel_global_pool(relay_op_ctx *ctx)
{
	const relay_type *x;
	sb_status st = pool_input(ctx, &x);
	if (st)
		return st;
	int r = x->rank;
	relay_dim *d = NULL;
	if (r >= 0) {
		if (r < 3)
			return RELAY_CTX_ERROR(
			    ctx, SB_ERR_INVALID,
			    "input must have rank >= 3 ([N, C, spatial...]), got %d", r);
		d = SB_ARENA_ARRAY(&ctx->mod->arena, relay_dim, r);
		d[0] = x->dims[0];
		d[1] = x->dims[1];
		for (int i = 2; i < r; i++)
			d[i] = relay_dim_known(1);
	}
	ctx->out[0] = relay_type_tensor(ctx->mod, x->dtype, r, d);
	return SB_OK;
}

/* ---- Kernels ---- */

/* The input as doubles: the tensor's own data for float64, else a copy
 * (*owned is set, the caller frees it). */
static sb_status pool_load(relay_kernel_ctx *ctx, const sb_tensor *t, double **out, double **owned)
{
	*owned = NULL;
	if (t->dtype == SB_F64) {
		*out = sb_tensor_data(t);
		return SB_OK;
	}
	int64_t n = sb_tensor_numel(t);
	*owned = malloc(sizeof(double) * (size_t)SB_MAX(1, n));
	if (!*owned)
		return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
	sb_convert(SB_F64, *owned, t->dtype, sb_tensor_data(t), n);
	*out = *owned;
	return SB_OK;
}

/* Taps of the window of output position o along axis d: [klo, khi) read
 * inside the input; [plo, phi) inside input plus pads (count_include_pad). */
typedef struct pool_axis {
	int64_t start, klo, khi, plo, phi;
} pool_axis;

static pool_axis pool_axis_at(const nn_window *w, int d, int64_t o)
{
	pool_axis p;
	int64_t k = w->kernel[d], dil = w->dilation[d];
	p.start = o * w->stride[d] - w->pad_begin[d];
	/* Taps t with lo_bound <= start + t * dil < hi_bound. */
	int64_t lo = 0, hi = w->in[d];
	p.klo = SB_MIN(k, SB_MAX(0, nn_ceil_div(lo - p.start, dil)));
	p.khi = SB_MAX(p.klo, SB_MIN(k, nn_floor_div(hi - 1 - p.start, dil) + 1));
	lo = -w->pad_begin[d];
	hi = w->in[d] + w->pad_end[d];
	p.plo = SB_MIN(k, SB_MAX(0, nn_ceil_div(lo - p.start, dil)));
	p.phi = SB_MAX(p.plo, SB_MIN(k, nn_floor_div(hi - 1 - p.start, dil) + 1));
	return p;
}

static sb_status pool_run(relay_kernel_ctx *ctx, bool is_max)
{
	const relay_attrs_pool *a = CTX_ATTRS(ctx, pool);
	if (ctx->nin < 1 || !ctx->in[0] || ctx->nout < 1 || !ctx->out[0])
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input X and output Y are required");
	sb_tensor *x = ctx->in[0], *y = ctx->out[0];
	sb_tensor *ind = is_max && ctx->nout > 1 ? ctx->out[1] : NULL;
	if (!pool_dtype_ok(ctx->op, x->dtype))
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "dtype %s is not supported",
				       sb_dtype_name(x->dtype));
	nn_window w;
	sb_status st = pool_shape_infer(ctx->op, ctx->node, a, x->dl.ndim, x->shape, &w);
	if (st)
		return st;
	int nsp = w.nsp;
	int64_t expect[SB_MAX_RANK] = {x->shape[0], x->shape[1]};
	for (int i = 0; i < nsp; i++)
		expect[2 + i] = w.out[i];
	if (!sb_shape_equal(y->dl.ndim, y->shape, nsp + 2, expect) || y->dtype != x->dtype ||
	    (ind &&
	     (!sb_shape_equal(ind->dl.ndim, ind->shape, nsp + 2, expect) || ind->dtype != SB_I64)))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL,
				       "output buffers do not match the inferred types");

	double *xd, *owned, *yd = y->dtype == SB_F64 ? sb_tensor_data(y) : NULL, *yowned = NULL;
	if ((st = pool_load(ctx, x, &xd, &owned)))
		return st;
	int64_t planes = x->shape[0] * x->shape[1];
	int64_t IS = nn_prod(nsp, w.in), OS = nn_prod(nsp, w.out);
	if (!yd && !(yd = yowned = malloc(sizeof(double) * (size_t)SB_MAX(1, planes * OS)))) {
		free(owned);
		return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
	}
	int64_t *id = ind ? sb_tensor_data(ind) : NULL;
	/* Flat-index weights of each spatial axis in the Indices output:
	 * row-major, or column-major for storage_order 1. */
	int64_t istride[SB_MAX_RANK], rstride[SB_MAX_RANK];
	sb_shape_strides(nsp, w.in, rstride);
	int64_t cm = 1;
	for (int d = 0; d < nsp; d++) {
		istride[d] = a->storage_order ? cm : rstride[d];
		cm *= w.in[d];
	}

	for (int64_t pl = 0; pl < planes; pl++) {
		const double *xp = xd + pl * IS;
		int64_t o[SB_MAX_RANK] = {0};
		for (int64_t p = 0; p < OS; p++, nn_index_next(nsp, w.out, o)) {
			pool_axis ax[SB_MAX_RANK];
			int64_t t[SB_MAX_RANK], valid = 1, padded = 1;
			for (int d = 0; d < nsp; d++) {
				ax[d] = pool_axis_at(&w, d, o[d]);
				t[d] = ax[d].klo;
				valid *= ax[d].khi - ax[d].klo;
				padded *= ax[d].phi - ax[d].plo;
			}
			double acc = is_max ? -INFINITY : 0.0;
			int64_t best = -1;
			while (valid > 0) {
				int64_t flat = 0, iflat = 0;
				for (int d = 0; d < nsp; d++) {
					int64_t i = ax[d].start + t[d] * w.dilation[d];
					flat += i * rstride[d];
					iflat += i * istride[d];
				}
				double v = xp[flat];
				if (!is_max)
					acc += v;
				else if (v > acc || best < 0) {
					acc = v;
					best = iflat;
				}
				int d = nsp - 1;
				while (d >= 0 && ++t[d] == ax[d].khi) {
					t[d] = ax[d].klo;
					d--;
				}
				if (d < 0)
					break;
			}
			if (is_max)
				acc = valid > 0 ? acc : 0.0;
			else
				acc = valid > 0
					  ? acc / (double)(a->count_include_pad ? padded : valid)
					  : 0.0;
			yd[pl * OS + p] = acc;
			if (id)
				id[pl * OS + p] = best < 0 ? -1 : pl * IS + best;
		}
	}
	if (yowned)
		sb_convert(y->dtype, sb_tensor_data(y), SB_F64, yowned, planes * OS);
	free(yowned);
	free(owned);
	return SB_OK;
}

sb_status k_max_pool(relay_kernel_ctx *ctx)
{
	return pool_run(ctx, true);
}
sb_status k_average_pool(relay_kernel_ctx *ctx)
{
	return pool_run(ctx, false);
}

static sb_status global_pool_run(relay_kernel_ctx *ctx, bool is_max)
{
	if (ctx->nin < 1 || !ctx->in[0] || ctx->nout < 1 || !ctx->out[0])
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input X and output Y are required");
	sb_tensor *x = ctx->in[0], *y = ctx->out[0];
	int r = x->dl.ndim;
	if (!sb_dtype_is_float(x->dtype))
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "dtype %s is not supported",
				       sb_dtype_name(x->dtype));
	if (r < 3)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "input must have rank >= 3, got %d", r);
	int64_t planes = x->shape[0] * x->shape[1], IS = nn_prod(r - 2, x->shape + 2);
	if (y->dtype != x->dtype || sb_tensor_numel(y) != planes || y->dl.ndim != r)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL,
				       "output buffer does not match the inferred type");
	if (IS == 0)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "cannot pool over an empty spatial extent");
	double *xd, *owned, *yd = malloc(sizeof(double) * (size_t)SB_MAX(1, planes));
	sb_status st = yd ? pool_load(ctx, x, &xd, &owned)
			  : RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
	if (st) {
		free(yd);
		return st;
	}
	for (int64_t pl = 0; pl < planes; pl++) {
		const double *xp = xd + pl * IS;
		double acc = xp[0];
		for (int64_t i = 1; i < IS; i++)
			acc = is_max ? (xp[i] > acc ? xp[i] : acc) : acc + xp[i];
		yd[pl] = is_max ? acc : acc / (double)IS;
	}
	sb_convert(y->dtype, sb_tensor_data(y), SB_F64, yd, planes);
	free(yd);
	free(owned);
	return SB_OK;
}

sb_status k_global_average_pool(relay_kernel_ctx *ctx)
{
	return global_pool_run(ctx, false);
}
sb_status k_global_max_pool(relay_kernel_ctx *ctx)
{
	return global_pool_run(ctx, true);
}
