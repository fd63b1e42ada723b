/* Conv and ConvTranspose: type relations and reference kernels.
 *
 * float32 runs as im2col + a packed GEMM whose register-blocked
 * micro-kernel has fixed-size inner loops the compiler vectorizes;
 * depthwise convolution (one input channel per group) has its own direct
 * loop.  ConvTranspose is the adjoint: a GEMM with the transposed weight,
 * then col2im.  float16/bfloat16 run through float32 copies, float64
 * through a direct loop nest in double. */
#include <inttypes.h>
#include <stdlib.h>

#include "window.h"

#define NN_ERROR(op, node, ...) relay_op_error((op), (node), SB_ERR_INVALID, __VA_ARGS__)

/* ---- Shapes (shared by relations and kernels) ---- */

typedef struct conv_shape {
	nn_window w;		/* in = X spatial, out = Y spatial */
	int64_t n, c, m, group; /* -1 where unknown */
} conv_shape;

static sb_status conv_check_ranks(relay_op op, const char *node, int xr, int wr, int br,
				  const int64_t *bs, int64_t m, int *rank)
{
	int r = xr >= 0 ? xr : wr;
	if (xr >= 0 && wr >= 0 && xr != wr)
		return NN_ERROR(op, node, "X has rank %d but W has rank %d; they must match", xr,
				wr);
	if (r < 3 || r > SB_MAX_RANK)
		return NN_ERROR(op, node,
				"X and W must have rank 3 to %d ([N, C, spatial...]), got %d",
				SB_MAX_RANK, r);
	if (br >= 0 && br != 1)
		return NN_ERROR(op, node, "B must be 1-D [M], got rank %d", br);
	if (br >= 0 && bs[0] >= 0 && m >= 0 && bs[0] != m)
		return NN_ERROR(
		    op, node, "B has %" PRId64 " values but there are %" PRId64 " output channels",
		    bs[0], m);
	*rank = r;
	return SB_OK;
}

/* X [N, C, D...], W [M, C/group, k...], B [M]; rank -1 when unknown. */
static sb_status conv_shape_infer(relay_op op, const char *node, const relay_attrs_conv *a, int xr,
				  const int64_t *xs, int wr, const int64_t *ws, int br,
				  const int64_t *bs, conv_shape *cs)
{
	if (a->group < 1 || a->group > NN_MAX_WINDOW)
		return NN_ERROR(op, node, "group is %" PRId64 "; it must be in [1, 2^24]",
				a->group);
	cs->group = a->group;
	cs->n = xr >= 0 ? xs[0] : -1;
	cs->c = xr >= 1 ? xs[1] : -1;
	cs->m = wr >= 1 ? ws[0] : -1;
	int r;
	sb_status st = conv_check_ranks(op, node, xr, wr, br, bs, cs->m, &r);
	if (st)
		return st;
	int64_t cg = wr >= 0 ? ws[1] : -1;
	if (cs->c >= 0 && cg >= 0 && (cs->c % a->group || cs->c / a->group != cg))
		return NN_ERROR(op, node,
				"X has %" PRId64 " channels but W expects %" PRId64
				" per group (W dim 1) times group %" PRId64,
				cs->c, cg, a->group);
	if (cs->m >= 0 && cs->m % a->group)
		return NN_ERROR(op, node,
				"W has %" PRId64
				" output channels (dim 0), not a multiple of group %" PRId64,
				cs->m, a->group);
	int64_t unknown[SB_MAX_RANK], in[SB_MAX_RANK];
	for (int i = 0; i < r - 2; i++) {
		unknown[i] = -1;
		in[i] = xr >= 0 ? xs[2 + i] : -1;
	}
	if ((st = nn_window_init(&cs->w, op, node, r - 2, a->auto_pad, &a->kernel_shape,
				 wr >= 0 ? ws + 2 : unknown, &a->strides, &a->dilations, &a->pads)))
		return st;
	return nn_window_forward(&cs->w, in, false);
}

/* X [N, C, D...], W [C, M/group, k...], B [M]. */
static sb_status conv_transpose_shape_infer(relay_op op, const char *node,
					    const relay_attrs_conv_transpose *a, int xr,
					    const int64_t *xs, int wr, const int64_t *ws, int br,
					    const int64_t *bs, conv_shape *cs)
{
	if (a->group < 1 || a->group > NN_MAX_WINDOW)
		return NN_ERROR(op, node, "group is %" PRId64 "; it must be in [1, 2^24]",
				a->group);
	cs->group = a->group;
	cs->n = xr >= 0 ? xs[0] : -1;
	cs->c = xr >= 1 ? xs[1] : -1;
	int64_t wc = wr >= 1 ? ws[0] : -1, mg = wr >= 2 ? ws[1] : -1;
	if (mg > NN_MAX_DIM)
		return NN_ERROR(op, node, "W dim 1 (%" PRId64 ") is too large", mg);
	cs->m = mg >= 0 ? mg * a->group : -1;
	int r;
	sb_status st = conv_check_ranks(op, node, xr, wr, br, bs, cs->m, &r);
	if (st)
		return st;
	if (cs->c >= 0 && wc >= 0 && cs->c != wc)
		return NN_ERROR(op, node, "X has %" PRId64 " channels but W (dim 0) has %" PRId64,
				cs->c, wc);
	int64_t c = cs->c >= 0 ? cs->c : wc;
	if (c >= 0 && c % a->group)
		return NN_ERROR(op, node,
				"%" PRId64 " input channels are not a multiple of group %" PRId64,
				c, a->group);
	int nsp = r - 2;
	int64_t unknown[SB_MAX_RANK];
	for (int i = 0; i < nsp; i++)
		unknown[i] = -1;
	nn_window *w = &cs->w;
	if ((st = nn_window_init(w, op, node, nsp, a->auto_pad, &a->kernel_shape,
				 wr >= 0 ? ws + 2 : unknown, &a->strides, &a->dilations, &a->pads)))
		return st;
	int64_t opad[SB_MAX_RANK] = {0}, oshape[SB_MAX_RANK];
	const relay_ints *op_ = &a->output_padding, *os = &a->output_shape;
	if (op_->set && op_->n != nsp)
		return NN_ERROR(op, node, "output_padding has %d values for %d spatial axes",
				op_->n, nsp);
	for (int i = 0; op_->set && i < nsp; i++) {
		if (op_->v[i] < 0 || op_->v[i] > NN_MAX_WINDOW)
			return NN_ERROR(
			    op, node, "output_padding[%d] is %" PRId64 "; it must be in [0, 2^24]",
			    i, op_->v[i]);
		opad[i] = op_->v[i];
	}
	/* output_shape is the spatial shape; [N, C, spatial...] is accepted too. */
	if (os->set && os->n != nsp && os->n != nsp + 2)
		return NN_ERROR(op, node, "output_shape has %d values for %d spatial axes", os->n,
				nsp);
	for (int i = 0; os->set && i < nsp; i++) {
		oshape[i] = os->v[os->n - nsp + i];
		if (oshape[i] < 1 || oshape[i] > NN_MAX_DIM)
			return NN_ERROR(op, node,
					"output_shape[%d] is %" PRId64 "; it must be >= 1", i,
					oshape[i]);
	}

	for (int i = 0; i < nsp; i++) {
		int64_t in = xr >= 0 ? xs[2 + i] : -1, k = w->kernel[i], s = w->stride[i];
		if (in > NN_MAX_DIM)
			return NN_ERROR(op, node,
					"spatial axis %d of size %" PRId64 " is too large", i, in);
		w->in[i] = in;
		w->out[i] = os->set ? oshape[i] : -1;
		if (in < 0 || k < 0)
			continue;
		int64_t full =
		    s * (in - 1) + opad[i] + (k - 1) * w->dilation[i] + 1; /* output with no pads */
		if (w->auto_pad == NN_VALID) {
			w->pad_begin[i] = w->pad_end[i] = 0;
		} else if (os->set || w->auto_pad != NN_NOTSET) {
			int64_t out = os->set ? oshape[i] : in * s;
			int64_t total = full - out;
			/* A negative total (output larger than the full result) leaves
			 * zeros at the end. */
			if (total < 0) {
				w->pad_begin[i] = 0;
				w->pad_end[i] = total;
			} else if (w->auto_pad == NN_SAME_UPPER) {
				w->pad_begin[i] = total / 2;
				w->pad_end[i] = total - total / 2;
			} else {
				w->pad_begin[i] = total - total / 2;
				w->pad_end[i] = total / 2;
			}
		}
		w->out[i] = full - w->pad_begin[i] - w->pad_end[i];
		if (w->out[i] < 1)
			return NN_ERROR(op, node,
					"spatial axis %d: pads %" PRId64 "+%" PRId64
					" leave an empty output",
					i, w->pad_begin[i], w->pad_end[i]);
	}
	return SB_OK;
}

/* ---- Type relations ---- */

static sb_status conv_input_types(relay_op_ctx *ctx, const relay_type **x, const relay_type **w,
				  const relay_type **b)
{
	for (int i = 0; i < ctx->nin; i++)
		if (ctx->in[i] && ctx->in[i]->kind != RELAY_TYPE_TENSOR)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "input %d is a tuple, not a tensor", i);
	if (ctx->nin < 2 || !ctx->in[0] || !ctx->in[1])
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "inputs X and W are required");
	*x = ctx->in[0];
	*w = ctx->in[1];
	*b = ctx->nin > 2 ? ctx->in[2] : NULL;
	if (!sb_dtype_is_float((*x)->dtype))
		return RELAY_CTX_ERROR(
		    ctx, SB_ERR_UNSUPPORTED,
		    "X has dtype %s; only float16, bfloat16, float32 and float64 are supported",
		    sb_dtype_name((*x)->dtype));
	if ((*w)->dtype != (*x)->dtype || (*b && (*b)->dtype != (*x)->dtype))
		return RELAY_CTX_ERROR(
		    ctx, SB_ERR_INVALID, "X is %s but %s is %s; all must match",
		    sb_dtype_name((*x)->dtype), (*w)->dtype != (*x)->dtype ? "W" : "B",
		    sb_dtype_name((*w)->dtype != (*x)->dtype ? (*w)->dtype : (*b)->dtype));
	int xr = (*x)->rank, wr = (*w)->rank;
	if (xr > SB_MAX_RANK || wr > SB_MAX_RANK)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "rank %d is above the limit %d",
				       SB_MAX(xr, wr), SB_MAX_RANK);
	return SB_OK;
}

static void conv_set_output(relay_op_ctx *ctx, const relay_type *x, const conv_shape *cs)
{
	int r = cs->w.nsp + 2;
	relay_dim *d = SB_ARENA_ARRAY(&ctx->mod->arena, relay_dim, r);
	d[0] = x->rank >= 0 ? x->dims[0] : RELAY_DIM_UNKNOWN;
	d[1] = cs->m >= 0 ? relay_dim_known(cs->m) : RELAY_DIM_UNKNOWN;
	for (int i = 0; i < cs->w.nsp; i++) {
		if (cs->w.out[i] >= 0)
			d[2 + i] = relay_dim_known(cs->w.out[i]);
		else if (ctx->op == RELAY_OP_CONV && x->rank >= 0 &&
			 nn_window_keeps_size(&cs->w, i))
			d[2 + i] = x->dims[2 + i];
		else
			d[2 + i] = RELAY_DIM_UNKNOWN;
	}
	ctx->out[0] = relay_type_tensor(ctx->mod, x->dtype, r, d);
}

sb_status rel_conv(relay_op_ctx *ctx)
{
	const relay_type *x, *w, *b;
	sb_status st = conv_input_types(ctx, &x, &w, &b);
	if (st)
		return st;
	if (x->rank < 0 && w->rank < 0) {
		ctx->out[0] = relay_type_tensor(ctx->mod, x->dtype, -1, NULL);
		return SB_OK;
	}
	int64_t xs[SB_MAX_RANK], ws[SB_MAX_RANK], bs[1] = {-1};
	nn_type_sizes(x, xs);
	nn_type_sizes(w, ws);
	if (b && b->rank == 1)
		nn_type_sizes(b, bs);
	conv_shape cs;
	if ((st = conv_shape_infer(ctx->op, ctx->node, CTX_ATTRS(ctx, conv), x->rank, xs, w->rank,
				   ws, b ? b->rank : -1, bs, &cs)))
		return st;
	conv_set_output(ctx, x, &cs);
	return SB_OK;
}

sb_status rel_conv_transpose(relay_op_ctx *ctx)
{
	const relay_type *x, *w, *b;
	sb_status st = conv_input_types(ctx, &x, &w, &b);
	if (st)
		return st;
	if (x->rank < 0 && w->rank < 0) {
		ctx->out[0] = relay_type_tensor(ctx->mod, x->dtype, -1, NULL);
		return SB_OK;
	}
	int64_t xs[SB_MAX_RANK], ws[SB_MAX_RANK], bs[1] = {-1};
	nn_type_sizes(x, xs);
	nn_type_sizes(w, ws);
	if (b && b->rank == 1)
		nn_type_sizes(b, bs);
	conv_shape cs;
	if ((st = conv_transpose_shape_infer(ctx->op, ctx->node, CTX_ATTRS(ctx, conv_transpose),
					     x->rank, xs, w->rank, ws, b ? b->rank : -1, bs, &cs)))
		return st;
	conv_set_output(ctx, x, &cs);
	return SB_OK;
}

/* ---- float32 GEMM ---- */

/* Packed GEMM in the GotoBLAS shape: B is packed into KC x NR panels (one
 * stays in L1 across a column of micro-tiles), A into MC x KC blocks of MR
 * rows (L2).  Edges are zero-padded in the packs. */
enum { GEMM_MR = 4, GEMM_NR = 8, GEMM_KC = 256, GEMM_MC = 128, GEMM_NC = 2048 };

static void gemm_micro(int64_t kc, const float *restrict ap, const float *restrict bp,
		       float *restrict c, int64_t ldc, int64_t mr, int64_t nr)
{
	float acc[GEMM_MR * GEMM_NR] = {0};
	for (int64_t k = 0; k < kc; k++) {
		const float *a = ap + k * GEMM_MR, *b = bp + k * GEMM_NR;
		/* Fully unrolled, so acc lives in vector registers. */
#pragma GCC unroll 4
		for (int i = 0; i < GEMM_MR; i++)
#pragma GCC unroll 8
			for (int j = 0; j < GEMM_NR; j++)
				acc[i * GEMM_NR + j] += a[i] * b[j];
	}
	for (int64_t i = 0; i < mr; i++)
		for (int64_t j = 0; j < nr; j++)
			c[i * ldc + j] += acc[i * GEMM_NR + j];
}

static void gemm_pack_a(int64_t mc, int64_t kc, const float *a, int64_t rs, int64_t cs, float *ap)
{
	for (int64_t i0 = 0; i0 < mc; i0 += GEMM_MR)
		for (int64_t k = 0; k < kc; k++)
			for (int64_t i = 0; i < GEMM_MR; i++)
				*ap++ = i0 + i < mc ? a[(i0 + i) * rs + k * cs] : 0.0f;
}

static void gemm_pack_b(int64_t kc, int64_t nc, const float *b, int64_t rs, int64_t cs, float *bp)
{
	for (int64_t j0 = 0; j0 < nc; j0 += GEMM_NR)
		for (int64_t k = 0; k < kc; k++)
			for (int64_t j = 0; j < GEMM_NR; j++)
				*bp++ = j0 + j < nc ? b[k * rs + (j0 + j) * cs] : 0.0f;
}

/* C += A * B; A is M x K, B is K x N, each with row/column strides; C is
 * row-major with leading dimension ldc. */
static sb_status gemm_f32(relay_kernel_ctx *ctx, int64_t M, int64_t N, int64_t K, const float *A,
			  int64_t ars, int64_t acs, const float *B, int64_t brs, int64_t bcs,
			  float *C, int64_t ldc)
{
	if (M <= 0 || N <= 0 || K <= 0)
		return SB_OK;
	float *ap = malloc(sizeof(float) * GEMM_MC * GEMM_KC);
	float *bp = malloc(sizeof(float) * GEMM_KC * GEMM_NC);
	if (!ap || !bp) {
		free(ap);
		free(bp);
		return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory for GEMM panels");
	}
	for (int64_t jc = 0; jc < N; jc += GEMM_NC) {
		int64_t nc = SB_MIN(GEMM_NC, N - jc);
		for (int64_t pc = 0; pc < K; pc += GEMM_KC) {
			int64_t kc = SB_MIN(GEMM_KC, K - pc);
			gemm_pack_b(kc, nc, B + pc * brs + jc * bcs, brs, bcs, bp);
			for (int64_t ic = 0; ic < M; ic += GEMM_MC) {
				int64_t mc = SB_MIN(GEMM_MC, M - ic);
				gemm_pack_a(mc, kc, A + ic * ars + pc * acs, ars, acs, ap);
				for (int64_t jr = 0; jr < nc; jr += GEMM_NR)
					for (int64_t ir = 0; ir < mc; ir += GEMM_MR)
						gemm_micro(kc, ap + ir * kc, bp + jr * kc,
							   C + (ic + ir) * ldc + jc + jr, ldc,
							   SB_MIN(GEMM_MR, mc - ir),
							   SB_MIN(GEMM_NR, nc - jr));
			}
		}
	}
	free(ap);
	free(bp);
	return SB_OK;
}

/* ---- float32 kernels ---- */

/* col[(c * K + k) * width + (q - q0) * ow + o] = the input element that
 * output (q, o) sees through kernel offset k in channel c (0 in padding);
 * width = (q1 - q0) * ow. */
static void im2col_f32(const nn_rows *r, const float *x, int64_t nc, int64_t plane, int64_t q0,
		       int64_t q1, float *col)
{
	int64_t width = (q1 - q0) * r->ow;
	for (int64_t c = 0; c < nc; c++) {
		const float *xc = x + c * plane;
		for (int64_t k = 0; k < r->ksize; k++) {
			float *dst = col + (c * r->ksize + k) * width;
			int64_t lo = r->lo[k], hi = r->hi[k];
			for (int64_t q = q0; q < q1; q++, dst += r->ow) {
				int64_t row = r->row[k * r->outer + q];
				if (row < 0 || lo >= hi) {
					memset(dst, 0, sizeof(float) * (size_t)r->ow);
					continue;
				}
				const float *src = xc + row + r->off[k] + lo * r->sw;
				for (int64_t o = 0; o < lo; o++)
					dst[o] = 0.0f;
				if (r->sw == 1)
					memcpy(dst + lo, src, sizeof(float) * (size_t)(hi - lo));
				else
					for (int64_t o = lo; o < hi; o++)
						dst[o] = src[(o - lo) * r->sw];
				for (int64_t o = hi; o < r->ow; o++)
					dst[o] = 0.0f;
			}
		}
	}
}

static void fill_bias_f32(float *y, int64_t n, int64_t m, int64_t plane, const float *b)
{
	for (int64_t i = 0; i < n * m; i++) {
		float v = b ? b[i % m] : 0.0f;
		for (int64_t p = 0; p < plane; p++)
			y[i * plane + p] = v;
	}
}

/* Bounds the im2col buffer (floats); big inputs are done in row chunks. */
#define CONV_COL_LIMIT ((int64_t)1 << 22)

static sb_status conv_f32(relay_kernel_ctx *ctx, const conv_shape *cs, const float *x,
			  const float *w, const float *b, float *y)
{
	const nn_window *win = &cs->w;
	int nsp = win->nsp;
	int64_t N = cs->n, C = cs->c, M = cs->m, G = cs->group, Cg = C / G, Mg = M / G;
	int64_t IS = nn_prod(nsp, win->in), OS = nn_prod(nsp, win->out),
		K = nn_prod(nsp, win->kernel);
	fill_bias_f32(y, N, M, OS, b);
	if (OS == 0 || M == 0 || Cg == 0)
		return SB_OK;

	nn_rows r;
	sb_status st = nn_rows_build(&r, win);
	if (st)
		return st;

	if (Cg == 1 && G > 1) {
		/* Depthwise: each output channel reads one input plane. */
		for (int64_t n = 0; n < N; n++)
			for (int64_t m = 0; m < M; m++) {
				const float *xp = x + (n * C + m / Mg) * IS;
				float *yp = y + (n * M + m) * OS;
				for (int64_t k = 0; k < K; k++) {
					float wv = w[m * K + k];
					int64_t lo = r.lo[k], hi = r.hi[k];
					for (int64_t q = 0; q < r.outer && lo < hi; q++) {
						int64_t row = r.row[k * r.outer + q];
						if (row < 0)
							continue;
						float *yr = yp + q * r.ow;
						const float *xr = xp + row + r.off[k] + lo * r.sw;
						if (r.sw == 1)
							for (int64_t o = lo; o < hi; o++)
								yr[o] += wv * xr[o - lo];
						else
							for (int64_t o = lo; o < hi; o++)
								yr[o] += wv * xr[(o - lo) * r.sw];
					}
				}
			}
		nn_rows_free(&r);
		return SB_OK;
	}

	bool pointwise = K == 1;
	for (int i = 0; i < nsp; i++)
		pointwise = pointwise && win->stride[i] == 1 && win->pad_begin[i] == 0 &&
			    win->pad_end[i] == 0;
	int64_t cols = Cg * K;
	int64_t qn = SB_MAX(1, SB_MIN(r.outer, CONV_COL_LIMIT / SB_MAX(1, cols * r.ow)));
	float *col = pointwise ? NULL : malloc(sizeof(float) * (size_t)(cols * qn * r.ow));
	if (!pointwise && !col) {
		nn_rows_free(&r);
		return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory for the im2col buffer");
	}
	for (int64_t n = 0; n < N && !st; n++)
		for (int64_t g = 0; g < G && !st; g++) {
			const float *xg = x + (n * C + g * Cg) * IS, *wg = w + g * Mg * cols;
			float *yg = y + (n * M + g * Mg) * OS;
			if (pointwise) {
				st = gemm_f32(ctx, Mg, OS, Cg, wg, Cg, 1, xg, IS, 1, yg, OS);
				continue;
			}
			for (int64_t q0 = 0; q0 < r.outer && !st; q0 += qn) {
				int64_t q1 = SB_MIN(r.outer, q0 + qn), width = (q1 - q0) * r.ow;
				im2col_f32(&r, xg, Cg, IS, q0, q1, col);
				st = gemm_f32(ctx, Mg, width, cols, wg, cols, 1, col, width, 1,
					      yg + q0 * r.ow, OS);
			}
		}
	free(col);
	nn_rows_free(&r);
	return st;
}

/* The conv window seen from the other side: ConvTranspose's output is the
 * conv's input, and its input the conv's output. */
static nn_window transpose_window(const nn_window *w)
{
	nn_window t = *w;
	for (int i = 0; i < w->nsp; i++) {
		t.in[i] = w->out[i];
		t.out[i] = w->in[i];
	}
	return t;
}

static sb_status conv_transpose_f32(relay_kernel_ctx *ctx, const conv_shape *cs, const float *x,
				    const float *w, const float *b, float *y)
{
	nn_window tw = transpose_window(&cs->w);
	int nsp = tw.nsp;
	int64_t N = cs->n, C = cs->c, M = cs->m, G = cs->group, Cg = C / G, Mg = M / G;
	int64_t IS = nn_prod(nsp, tw.out), OS = nn_prod(nsp, tw.in), K = nn_prod(nsp, tw.kernel);
	fill_bias_f32(y, N, M, OS, b);
	if (IS == 0 || M == 0 || Cg == 0)
		return SB_OK;
	nn_rows r;
	sb_status st = nn_rows_build(&r, &tw);
	if (st)
		return st;
	int64_t rows = Mg * K;
	float *col = malloc(sizeof(float) * (size_t)(rows * IS));
	if (!col) {
		nn_rows_free(&r);
		return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory for the col buffer");
	}
	for (int64_t n = 0; n < N && !st; n++)
		for (int64_t g = 0; g < G && !st; g++) {
			/* col = W_g^T X_g, W_g viewed as [Cg, Mg * K]. */
			const float *xg = x + (n * C + g * Cg) * IS, *wg = w + g * Cg * rows;
			memset(col, 0, sizeof(float) * (size_t)(rows * IS));
			if ((st = gemm_f32(ctx, rows, IS, Cg, wg, 1, rows, xg, IS, 1, col, IS)))
				break;
			for (int64_t mi = 0; mi < Mg; mi++) {
				float *yp = y + (n * M + g * Mg + mi) * OS;
				for (int64_t k = 0; k < K; k++) {
					const float *src = col + (mi * K + k) * IS;
					int64_t lo = r.lo[k], hi = r.hi[k];
					for (int64_t q = 0; q < r.outer && lo < hi; q++) {
						int64_t row = r.row[k * r.outer + q];
						if (row < 0)
							continue;
						float *yr = yp + row + r.off[k] + lo * r.sw;
						const float *sr = src + q * r.ow;
						for (int64_t o = lo; o < hi; o++)
							yr[(o - lo) * r.sw] += sr[o];
					}
				}
			}
		}
	free(col);
	nn_rows_free(&r);
	return st;
}

/* ---- float64: direct loop nests ---- */

/* Flat input offset of output position `o` through kernel offset `k`, or
 * -1 in the padding. */
static int64_t window_at(const nn_window *w, const int64_t *o, const int64_t *k)
{
	int64_t idx = 0;
	for (int d = 0; d < w->nsp; d++) {
		int64_t i = o[d] * w->stride[d] + k[d] * w->dilation[d] - w->pad_begin[d];
		if (i < 0 || i >= w->in[d])
			return -1;
		idx = idx * w->in[d] + i;
	}
	return idx;
}

static sb_status conv_f64(relay_kernel_ctx *ctx, const conv_shape *cs, const double *x,
			  const double *w, const double *b, double *y)
{
	const nn_window *win = &cs->w;
	int nsp = win->nsp;
	int64_t N = cs->n, C = cs->c, M = cs->m, G = cs->group, Cg = C / G, Mg = M / G;
	int64_t IS = nn_prod(nsp, win->in), OS = nn_prod(nsp, win->out),
		K = nn_prod(nsp, win->kernel);
	for (int64_t n = 0; n < N; n++)
		for (int64_t m = 0; m < M; m++) {
			int64_t o[SB_MAX_RANK] = {0};
			for (int64_t p = 0; p < OS; p++, nn_index_next(nsp, win->out, o)) {
				double acc = b ? b[m] : 0.0;
				for (int64_t ci = 0; ci < Cg; ci++) {
					const double *xp = x + (n * C + m / Mg * Cg + ci) * IS;
					const double *wp = w + (m * Cg + ci) * K;
					int64_t kp[SB_MAX_RANK] = {0};
					for (int64_t k = 0; k < K;
					     k++, nn_index_next(nsp, win->kernel, kp)) {
						int64_t i = window_at(win, o, kp);
						if (i >= 0)
							acc += xp[i] * wp[k];
					}
				}
				y[(n * M + m) * OS + p] = acc;
			}
		}
	return SB_OK;
}

static sb_status conv_transpose_f64(relay_kernel_ctx *ctx, const conv_shape *cs, const double *x,
				    const double *w, const double *b, double *y)
{
	nn_window tw = transpose_window(&cs->w);
	int nsp = tw.nsp;
	int64_t N = cs->n, C = cs->c, M = cs->m, G = cs->group, Cg = C / G, Mg = M / G;
	int64_t IS = nn_prod(nsp, tw.out), OS = nn_prod(nsp, tw.in), K = nn_prod(nsp, tw.kernel);
	for (int64_t i = 0; i < N * M * OS; i++)
		y[i] = b ? b[i / OS % M] : 0.0;
	for (int64_t n = 0; n < N; n++)
		for (int64_t c = 0; c < C; c++) {
			int64_t pos[SB_MAX_RANK] = {0};
			for (int64_t p = 0; p < IS; p++, nn_index_next(nsp, tw.out, pos)) {
				double xv = x[(n * C + c) * IS + p];
				for (int64_t mi = 0; mi < Mg; mi++) {
					double *yp = y + (n * M + c / Cg * Mg + mi) * OS;
					const double *wp = w + (c * Mg + mi) * K;
					int64_t kp[SB_MAX_RANK] = {0};
					for (int64_t k = 0; k < K;
					     k++, nn_index_next(nsp, tw.kernel, kp)) {
						int64_t i = window_at(&tw, pos, kp);
						if (i >= 0)
							yp[i] += xv * wp[k];
					}
				}
			}
		}
	return SB_OK;
}

/* ---- Kernels ---- */

typedef sb_status (*conv_f32_fn)(relay_kernel_ctx *, const conv_shape *, const float *,
				 const float *, const float *, float *);
typedef sb_status (*conv_f64_fn)(relay_kernel_ctx *, const conv_shape *, const double *,
				 const double *, const double *, double *);

static sb_status conv_dispatch(relay_kernel_ctx *ctx, const conv_shape *cs, conv_f32_fn f32,
			       conv_f64_fn f64)
{
	sb_tensor *x = ctx->in[0], *w = ctx->in[1], *b = ctx->nin > 2 ? ctx->in[2] : NULL;
	sb_tensor *y = ctx->nout > 0 ? ctx->out[0] : NULL;
	int64_t expect[SB_MAX_RANK] = {cs->n, cs->m};
	for (int i = 0; i < cs->w.nsp; i++)
		expect[2 + i] = cs->w.out[i];
	if (!y || !sb_shape_equal(y->dl.ndim, y->shape, cs->w.nsp + 2, expect) ||
	    y->dtype != x->dtype)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL,
				       "output buffer does not match the inferred type");
	if (w->dtype != x->dtype || (b && b->dtype != x->dtype))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "X, W and B must have one dtype");
	switch (x->dtype) {
	case SB_F32:
		return f32(ctx, cs, sb_tensor_data(x), sb_tensor_data(w),
			   b ? sb_tensor_data(b) : NULL, sb_tensor_data(y));
	case SB_F64:
		return f64(ctx, cs, sb_tensor_data(x), sb_tensor_data(w),
			   b ? sb_tensor_data(b) : NULL, sb_tensor_data(y));
	case SB_F16:
	case SB_BF16: {
		const sb_tensor *t[4] = {x, w, b, y};
		float *f[4] = {NULL, NULL, NULL, NULL};
		sb_status st = SB_OK;
		for (int i = 0; i < 4 && !st; i++) {
			if (!t[i])
				continue;
			f[i] = malloc(sizeof(float) * (size_t)SB_MAX(1, sb_tensor_numel(t[i])));
			if (!f[i])
				st = RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
			else if (i < 3)
				sb_convert(SB_F32, f[i], t[i]->dtype, sb_tensor_data(t[i]),
					   sb_tensor_numel(t[i]));
		}
		if (!st)
			st = f32(ctx, cs, f[0], f[1], f[2], f[3]);
		if (!st)
			sb_convert(y->dtype, sb_tensor_data(y), SB_F32, f[3], sb_tensor_numel(y));
		for (int i = 0; i < 4; i++)
			free(f[i]);
		return st;
	}
	default:
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "dtype %s is not supported",
				       sb_dtype_name(x->dtype));
	}
}

static bool kernel_inputs_ok(relay_kernel_ctx *ctx)
{
	return ctx->nin >= 2 && ctx->in[0] && ctx->in[1] && ctx->nout >= 1;
}

sb_status k_conv(relay_kernel_ctx *ctx)
{
	if (!kernel_inputs_ok(ctx))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "inputs X and W are required");
	sb_tensor *x = ctx->in[0], *w = ctx->in[1], *b = ctx->nin > 2 ? ctx->in[2] : NULL;
	conv_shape cs;
	sb_status st =
	    conv_shape_infer(ctx->op, ctx->node, CTX_ATTRS(ctx, conv), x->dl.ndim, x->shape,
			     w->dl.ndim, w->shape, b ? b->dl.ndim : -1, b ? b->shape : NULL, &cs);
	return st ? st : conv_dispatch(ctx, &cs, conv_f32, conv_f64);
}

sb_status k_conv_transpose(relay_kernel_ctx *ctx)
{
	if (!kernel_inputs_ok(ctx))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "inputs X and W are required");
	sb_tensor *x = ctx->in[0], *w = ctx->in[1], *b = ctx->nin > 2 ? ctx->in[2] : NULL;
	conv_shape cs;
	sb_status st = conv_transpose_shape_infer(
	    ctx->op, ctx->node, CTX_ATTRS(ctx, conv_transpose), x->dl.ndim, x->shape, w->dl.ndim,
	    w->shape, b ? b->dl.ndim : -1, b ? b->shape : NULL, &cs);
	return st ? st : conv_dispatch(ctx, &cs, conv_transpose_f32, conv_transpose_f64);
}
