/* Matrix products: MatMul (numpy matmul), Gemm and Einsum -- type
 * relations and reference kernels.
 *
 * One blocked row-major kernel does the products, C[M,N] = A[M,K] B[K,N]:
 * i-k-j order, the innermost loop along a row of C and a row of B
 * (contiguous, vectorisable), with tiles of 4 rows x 64 bytes of C kept in
 * registers across a block of k.  Gemm with transB takes row-by-row dot
 * products instead, and transA a transposed copy of A.  Einsum packs each
 * pair of operands into [batch, M, K] x [batch, K, N] (which also takes
 * care of diagonals, broadcasting and summed-out labels),
 * so a general equation costs a few copies plus matrix products. */
#include <inttypes.h>
#include <stdio.h>
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

/* The element type a product is computed in: float16/bfloat16 widen to
 * float32; the narrow integers widen to int64 (they wrap the same way). */
static sb_dtype compute_dtype(sb_dtype dt)
{
	switch (dt) {
	case SB_F32:
	case SB_F64:
	case SB_I32:
	case SB_I64:
	case SB_U32:
	case SB_U64: return dt;
	case SB_F16:
	case SB_BF16: return SB_F32;
	case SB_I8:
	case SB_I16:
	case SB_U8:
	case SB_U16: return SB_I64;
	default: return SB_DT_INVALID;
	}
}

/* Combines two occurrences of one dim that broadcast against each other
 * (1 stretches); false if two known sizes disagree. */
static bool dim_merge(relay_dim a, relay_dim b, relay_dim *out)
{
	if (relay_dim_is_known(a) && relay_dim_is_known(b)) {
		if (a.value != b.value && a.value != 1 && b.value != 1)
			return false;
		*out = a.value == 1 ? b : a;
		return true;
	}
	if (relay_dim_is_known(a))
		*out = a.value == 1 ? b : a;
	else if (relay_dim_is_known(b))
		*out = b.value == 1 ? a : b;
	else
		*out = a.name && a.name == b.name ? a : RELAY_DIM_UNKNOWN;
	return true;
}

/* ---- the product kernel ---- */

enum { GEMM_KB = 128, GEMM_MR = 4, GEMM_NT_BYTES = 64 * 1024 };

/* Loops over fixed-size chunks: GCC's -O2 cost model vectorises a loop whose
 * trip count is a known constant, not one of unknown length. */
#define CHUNK 16

/* C[M,N] = A[M,K] * B[K,N], all row-major and contiguous.  For each block
 * of GEMM_KB k's and each strip of NR columns (64 bytes) of C, tiles of
 * GEMM_MR x NR accumulate in local arrays the compiler keeps in vector
 * registers, while the strip of B (GEMM_KB x 64 bytes) stays in L1.
 * Integer types use unsigned arithmetic so overflow wraps instead of being
 * undefined. */
#define DEFINE_GEMM(T, U)                                                                     \
	static void gemm_##T(int64_t m, int64_t n, int64_t k, const T *a, const T *b, T *c)     \
	{                                                                                       \
		enum { NR = 64 / sizeof(T) };                                                   \
		U *cu = (U *)c;                                                                 \
		const U *au = (const U *)a, *bu = (const U *)b;                                 \
		memset(c, 0, sizeof(T) * (size_t)(m * n));                                      \
		for (int64_t k0 = 0; k0 < k; k0 += GEMM_KB) {                                   \
			int64_t kb = SB_MIN(GEMM_KB, k - k0);                                   \
			int64_t j = 0;                                                          \
			for (; j + NR <= n; j += NR) {                                          \
				int64_t i = 0;                                                  \
				for (; i + GEMM_MR <= m; i += GEMM_MR) {                        \
					U acc[GEMM_MR][NR];                                     \
					for (int r = 0; r < GEMM_MR; r++)                       \
						for (int t = 0; t < NR; t++)                    \
							acc[r][t] = cu[(i + r) * n + j + t];    \
					const U *ap = au + i * k + k0;                          \
					for (int64_t p = 0; p < kb; p++) {                      \
						const U *br = bu + (k0 + p) * n + j;            \
						for (int r = 0; r < GEMM_MR; r++) {             \
							U av = ap[r * k + p];                   \
							for (int t = 0; t < NR; t++)            \
								acc[r][t] += av * br[t];        \
						}                                               \
					}                                                       \
					for (int r = 0; r < GEMM_MR; r++)                       \
						for (int t = 0; t < NR; t++)                    \
							cu[(i + r) * n + j + t] = acc[r][t];    \
				}                                                               \
				for (; i < m; i++) {                                            \
					U acc[NR];                                              \
					for (int t = 0; t < NR; t++)                            \
						acc[t] = cu[i * n + j + t];                     \
					const U *ap = au + i * k + k0;                          \
					for (int64_t p = 0; p < kb; p++) {                      \
						const U *br = bu + (k0 + p) * n + j;            \
						for (int t = 0; t < NR; t++)                    \
							acc[t] += ap[p] * br[t];                \
					}                                                       \
					for (int t = 0; t < NR; t++)                            \
						cu[i * n + j + t] = acc[t];                     \
				}                                                               \
			}                                                                       \
			for (; j < n; j++) /* the last columns, fewer than NR */                \
				for (int64_t i = 0; i < m; i++) {                               \
					U acc = cu[i * n + j];                                  \
					const U *ap = au + i * k + k0;                          \
					for (int64_t p = 0; p < kb; p++)                        \
						acc += ap[p] * bu[(k0 + p) * n + j];            \
					cu[i * n + j] = acc;                                    \
				}                                                               \
		}                                                                               \
	}
DEFINE_GEMM(float, float)
DEFINE_GEMM(double, double)
DEFINE_GEMM(int32_t, uint32_t)
DEFINE_GEMM(int64_t, uint64_t)
DEFINE_GEMM(uint32_t, uint32_t)
DEFINE_GEMM(uint64_t, uint64_t)

/* C[M,N] = A[M,K] * B[N,K]^T: each element is a dot product of two
 * contiguous rows (Gemm with transB, e.g. a fully connected layer), summed
 * in CHUNK independent lanes.  B is walked in blocks of rows that stay in
 * cache while every row of A passes. */
#define DEFINE_GEMM_NT(T, U)                                                                  \
	static void gemm_nt_##T(int64_t m, int64_t n, int64_t k, const T *a, const T *b, T *c)  \
	{                                                                                       \
		int64_t jb = SB_MAX(1, GEMM_NT_BYTES / (int64_t)sizeof(T) / (k ? k : 1));        \
		for (int64_t j0 = 0; j0 < n; j0 += jb) {                                        \
			int64_t j1 = SB_MIN(n, j0 + jb);                                        \
			for (int64_t i = 0; i < m; i++) {                                       \
				const U *ar = (const U *)(a + i * k);                           \
				for (int64_t j = j0; j < j1; j++) {                             \
					const U *br = (const U *)(b + j * k);                   \
					U lane[CHUNK] = {0};                                    \
					int64_t p = 0;                                          \
					for (; p + CHUNK <= k; p += CHUNK)                      \
						for (int t = 0; t < CHUNK; t++)                 \
							lane[t] += ar[p + t] * br[p + t];       \
					U s = 0;                                                \
					for (int t = 0; t < CHUNK; t++)                         \
						s += lane[t];                                   \
					for (; p < k; p++)                                      \
						s += ar[p] * br[p];                             \
					c[i * n + j] = (T)s;                                    \
				}                                                               \
			}                                                                       \
		}                                                                               \
	}
DEFINE_GEMM_NT(float, float)
DEFINE_GEMM_NT(double, double)
DEFINE_GEMM_NT(int32_t, uint32_t)
DEFINE_GEMM_NT(int64_t, uint64_t)
DEFINE_GEMM_NT(uint32_t, uint32_t)
DEFINE_GEMM_NT(uint64_t, uint64_t)

static void gemm_nt_any(sb_dtype dt, int64_t m, int64_t n, int64_t k, const void *a,
			const void *b, void *c)
{
	switch (dt) {
	case SB_F32: gemm_nt_float(m, n, k, a, b, c); break;
	case SB_F64: gemm_nt_double(m, n, k, a, b, c); break;
	case SB_I32: gemm_nt_int32_t(m, n, k, a, b, c); break;
	case SB_I64: gemm_nt_int64_t(m, n, k, a, b, c); break;
	case SB_U32: gemm_nt_uint32_t(m, n, k, a, b, c); break;
	case SB_U64: gemm_nt_uint64_t(m, n, k, a, b, c); break;
	default: SB_UNREACHABLE();
	}
}

/* `dt` is a compute dtype (see compute_dtype). */
static void gemm_any(sb_dtype dt, int64_t m, int64_t n, int64_t k, const void *a, const void *b,
		     void *c)
{
	switch (dt) {
	case SB_F32: gemm_float(m, n, k, a, b, c); break;
	case SB_F64: gemm_double(m, n, k, a, b, c); break;
	case SB_I32: gemm_int32_t(m, n, k, a, b, c); break;
	case SB_I64: gemm_int64_t(m, n, k, a, b, c); break;
	case SB_U32: gemm_uint32_t(m, n, k, a, b, c); break;
	case SB_U64: gemm_uint64_t(m, n, k, a, b, c); break;
	default: SB_UNREACHABLE();
	}
}

/* The data of `t` in compute dtype `cdt`: the tensor's own data, or a
 * converted copy in *tmp (caller frees). */
static sb_status data_as(relay_kernel_ctx *ctx, const sb_tensor *t, sb_dtype cdt,
			 const void **data, void **tmp)
{
	*tmp = NULL;
	*data = t->dl.data;
	if (t->dtype == cdt)
		return SB_OK;
	int64_t n = sb_tensor_numel(t);
	*tmp = malloc(sb_dtype_size(cdt) * (size_t)(n ? n : 1));
	if (!*tmp)
		return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
	sb_convert(cdt, *tmp, t->dtype, t->dl.data, n);
	*data = *tmp;
	return SB_OK;
}

/* ---- MatMul ---- */

sb_status rel_matmul(relay_op_ctx *ctx)
{
	const relay_type *a = NULL, *b = NULL;
	sb_status st = input_tensor(ctx, 0, &a);
	if (!st)
		st = input_tensor(ctx, 1, &b);
	if (st)
		return st;
	if (a->dtype != b->dtype)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "A is %s but B is %s",
				       sb_dtype_name(a->dtype), sb_dtype_name(b->dtype));
	if (compute_dtype(a->dtype) == SB_DT_INVALID)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "unsupported dtype %s",
				       sb_dtype_name(a->dtype));
	if (a->rank == 0 || b->rank == 0)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "A and B must have rank >= 1 (got %d, %d)",
				       a->rank, b->rank);
	if (a->rank < 0 || b->rank < 0) {
		ctx->out[0] = relay_type_tensor(ctx->mod, a->dtype, -1, NULL);
		return SB_OK;
	}
	int ra = a->rank, rb = b->rank;
	relay_dim ka = a->dims[ra - 1], kb = rb == 1 ? b->dims[0] : b->dims[rb - 2];
	if (relay_dim_is_known(ka) && relay_dim_is_known(kb) && ka.value != kb.value)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "inner dims differ: A has %" PRId64 ", B has %" PRId64, ka.value,
				       kb.value);
	/* Batch dims broadcast as numpy does. */
	int ba = ra > 2 ? ra - 2 : 0, bb = rb > 2 ? rb - 2 : 0;
	relay_type ta = {.kind = RELAY_TYPE_TENSOR, .dtype = a->dtype, .rank = ba, .dims = a->dims};
	relay_type tb = {.kind = RELAY_TYPE_TENSOR, .dtype = b->dtype, .rank = bb, .dims = b->dims};
	int brank;
	relay_dim *bdims;
	st = relay_broadcast_types(ctx, &ta, &tb, &brank, &bdims);
	if (st)
		return st;
	int rank = brank + (ra >= 2) + (rb >= 2);
	relay_type *o = relay_type_tensor(ctx->mod, a->dtype, rank, NULL);
	for (int i = 0; i < brank; i++)
		o->dims[i] = bdims[i];
	int r = brank;
	if (ra >= 2)
		o->dims[r++] = a->dims[ra - 2];
	if (rb >= 2)
		o->dims[r++] = b->dims[rb - 1];
	ctx->out[0] = o;
	return SB_OK;
}

sb_status k_matmul(relay_kernel_ctx *ctx)
{
	const sb_tensor *a = ctx->in[0], *b = ctx->in[1];
	sb_tensor *y = ctx->out[0];
	int ra = a->dl.ndim, rb = b->dl.ndim;
	sb_dtype cdt = compute_dtype(a->dtype);
	if (a->dtype != b->dtype || y->dtype != a->dtype || cdt == SB_DT_INVALID)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "unsupported dtypes %s x %s",
				       sb_dtype_name(a->dtype), sb_dtype_name(b->dtype));
	if (ra == 0 || rb == 0)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "A and B must have rank >= 1");
	int64_t m = ra >= 2 ? a->shape[ra - 2] : 1, k = a->shape[ra - 1];
	int64_t kb = rb >= 2 ? b->shape[rb - 2] : b->shape[0], n = rb >= 2 ? b->shape[rb - 1] : 1;
	if (k != kb)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "inner dims differ: A has %" PRId64 ", B has %" PRId64, k, kb);
	int ba = ra > 2 ? ra - 2 : 0, bb = rb > 2 ? rb - 2 : 0;
	int brank = SB_MAX(ba, bb);
	int64_t bshape[SB_MAX_RANK];
	for (int i = 0; i < brank; i++) {
		int ia = i - (brank - ba), ib = i - (brank - bb);
		int64_t da = ia >= 0 ? a->shape[ia] : 1, db = ib >= 0 ? b->shape[ib] : 1;
		if (da != db && da != 1 && db != 1)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "batch dims do not broadcast: %" PRId64 " vs %" PRId64,
					       da, db);
		bshape[i] = da == 1 ? db : da;
	}
	int64_t nbatch = sb_shape_numel(brank, bshape);
	if (sb_tensor_numel(y) != nbatch * m * n)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output has the wrong size");
	if (nbatch * m * n == 0)
		return SB_OK;
	int64_t sa[SB_MAX_RANK], sb_[SB_MAX_RANK], idx[SB_MAX_RANK] = {0};
	relay_broadcast_strides(brank, bshape, ba, a->shape, sa);
	relay_broadcast_strides(brank, bshape, bb, b->shape, sb_);
	const void *ad, *bd;
	void *ta, *tb, *yd = y->dl.data, *ty = NULL;
	sb_status st = data_as(ctx, a, cdt, &ad, &ta);
	if (!st && (st = data_as(ctx, b, cdt, &bd, &tb)))
		free(ta);
	if (st)
		return st;
	if (cdt != y->dtype) {
		ty = malloc(sb_dtype_size(cdt) * (size_t)(nbatch * m * n));
		if (!ty) {
			free(ta);
			free(tb);
			return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
		}
		yd = ty;
	}
	size_t es = sb_dtype_size(cdt);
	int64_t oa = 0, ob = 0;
	for (int64_t i = 0; i < nbatch; i++) {
		gemm_any(cdt, m, n, k, (const char *)ad + (size_t)(oa * m * k) * es,
			 (const char *)bd + (size_t)(ob * k * n) * es, (char *)yd + (size_t)(i * m * n) * es);
		for (int d = brank - 1; d >= 0; d--) {
			oa += sa[d];
			ob += sb_[d];
			if (++idx[d] < bshape[d])
				break;
			oa -= sa[d] * bshape[d];
			ob -= sb_[d] * bshape[d];
			idx[d] = 0;
		}
	}
	if (ty)
		sb_convert(y->dtype, y->dl.data, cdt, ty, nbatch * m * n);
	free(ty);
	free(ta);
	free(tb);
	return SB_OK;
}

/* ---- Gemm ---- */

sb_status rel_gemm(relay_op_ctx *ctx)
{
	const relay_attrs_gemm *at = CTX_ATTRS(ctx, gemm);
	const relay_type *a = NULL, *b = NULL, *c = NULL;
	sb_status st = input_tensor(ctx, 0, &a);
	if (!st)
		st = input_tensor(ctx, 1, &b);
	if (!st && ctx->nin > 2 && ctx->in[2])
		st = input_tensor(ctx, 2, &c);
	if (st)
		return st;
	if (a->dtype != b->dtype || (c && c->dtype != a->dtype))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "A, B and C must share a dtype (%s, %s%s%s)",
				       sb_dtype_name(a->dtype), sb_dtype_name(b->dtype), c ? ", " : "",
				       c ? sb_dtype_name(c->dtype) : "");
	if (compute_dtype(a->dtype) == SB_DT_INVALID)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "unsupported dtype %s",
				       sb_dtype_name(a->dtype));
	if ((a->rank >= 0 && a->rank != 2) || (b->rank >= 0 && b->rank != 2))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "A and B must be 2-D (got rank %d, %d)",
				       a->rank, b->rank);
	relay_dim m = RELAY_DIM_UNKNOWN, ka = RELAY_DIM_UNKNOWN;
	relay_dim kb = RELAY_DIM_UNKNOWN, n = RELAY_DIM_UNKNOWN;
	if (a->rank == 2) {
		m = a->dims[at->transA ? 1 : 0];
		ka = a->dims[at->transA ? 0 : 1];
	}
	if (b->rank == 2) {
		kb = b->dims[at->transB ? 1 : 0];
		n = b->dims[at->transB ? 0 : 1];
	}
	if (relay_dim_is_known(ka) && relay_dim_is_known(kb) && ka.value != kb.value)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "inner dims differ: A gives %" PRId64 ", B gives %" PRId64,
				       ka.value, kb.value);
	relay_dim od[2] = {m, n};
	if (c && c->rank > 2)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "C must have rank <= 2, got %d", c->rank);
	if (c && c->rank >= 0) {
		/* C broadcasts one way, to [M, N]. */
		for (int i = 0; i < c->rank; i++) {
			relay_dim cd = c->dims[i], t = od[2 - c->rank + i];
			if (relay_dim_is_known(cd) && cd.value != 1 && relay_dim_is_known(t) &&
			    cd.value != t.value)
				return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
						       "C dim %d is %" PRId64 ", cannot broadcast to %" PRId64,
						       i, cd.value, t.value);
		}
	}
	ctx->out[0] = relay_type_tensor(ctx->mod, a->dtype, 2, od);
	return SB_OK;
}

/* dst[c, r] = src[r, c] for a rows x cols matrix of `es`-byte elements,
 * in 32 x 32 tiles. */
#define DEFINE_TRANSPOSE(T)                                                                   \
	static void transpose_##T(T *d, const T *s, int64_t rows, int64_t cols)                 \
	{                                                                                       \
		for (int64_t r0 = 0; r0 < rows; r0 += 32)                                       \
			for (int64_t c0 = 0; c0 < cols; c0 += 32)                               \
				for (int64_t r = r0; r < SB_MIN(rows, r0 + 32); r++)            \
					for (int64_t c = c0; c < SB_MIN(cols, c0 + 32); c++)    \
						d[c * rows + r] = s[r * cols + c];              \
	}
DEFINE_TRANSPOSE(uint32_t)
DEFINE_TRANSPOSE(uint64_t)

static void transpose_2d(void *dst, const void *src, int64_t rows, int64_t cols, size_t es)
{
	SB_ASSERT(es == 4 || es == 8); /* compute dtypes are 32- or 64-bit */
	if (es == 4)
		transpose_uint32_t(dst, src, rows, cols);
	else
		transpose_uint64_t(dst, src, rows, cols);
}

sb_status k_gemm(relay_kernel_ctx *ctx)
{
	const relay_attrs_gemm *at = CTX_ATTRS(ctx, gemm);
	const sb_tensor *a = ctx->in[0], *b = ctx->in[1];
	const sb_tensor *c = ctx->nin > 2 ? ctx->in[2] : NULL;
	sb_tensor *y = ctx->out[0];
	sb_dtype cdt = compute_dtype(a->dtype);
	if (a->dtype != b->dtype || y->dtype != a->dtype || cdt == SB_DT_INVALID)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "unsupported dtypes %s x %s",
				       sb_dtype_name(a->dtype), sb_dtype_name(b->dtype));
	if (a->dl.ndim != 2 || b->dl.ndim != 2)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "A and B must be 2-D");
	int64_t m = a->shape[at->transA ? 1 : 0], k = a->shape[at->transA ? 0 : 1];
	int64_t kb = b->shape[at->transB ? 1 : 0], n = b->shape[at->transB ? 0 : 1];
	if (k != kb)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "inner dims differ: A gives %" PRId64 ", B gives %" PRId64, k, kb);
	int64_t yshape[2] = {m, n};
	if (y->dl.ndim != 2 || !sb_shape_equal(2, y->shape, 2, yshape))
		return RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output has the wrong shape");
	int64_t cstr[2] = {0, 0};
	if (c) {
		bool ok = c->dl.ndim <= 2;
		for (int i = 0; ok && i < c->dl.ndim; i++) {
			int64_t cd = c->shape[i], t = yshape[2 - c->dl.ndim + i];
			ok = cd == 1 || cd == t;
		}
		if (!ok)
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "C does not broadcast to [%" PRId64
					       ", %" PRId64 "]", m, n);
		relay_broadcast_strides(2, yshape, c->dl.ndim, c->shape, cstr);
	}
	if (m * n == 0)
		return SB_OK;
	size_t es = sb_dtype_size(cdt);
	const void *ad, *bd;
	void *ta, *tb, *ty = NULL, *at_ = NULL;
	sb_status st = data_as(ctx, a, cdt, &ad, &ta);
	if (!st && (st = data_as(ctx, b, cdt, &bd, &tb)))
		free(ta);
	if (st)
		return st;
	st = SB_OK;
	if (at->transA && m * k > 0) {
		if (!(at_ = malloc(es * (size_t)(m * k))))
			st = SB_ERR_NOMEM;
		else
			transpose_2d(at_, ad, k, m, es), ad = at_;
	}
	void *yd = y->dl.data;
	if (!st && cdt != y->dtype) {
		if (!(ty = malloc(es * (size_t)(m * n))))
			st = SB_ERR_NOMEM;
		yd = ty;
	}
	if (st) {
		free(ta), free(tb), free(at_), free(ty);
		return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
	}
	if (at->transB)
		gemm_nt_any(cdt, m, n, k, ad, bd, yd); /* B is [N, K]: rows dot rows */
	else
		gemm_any(cdt, m, n, k, ad, bd, yd);
	double alpha = at->alpha, beta = at->beta;
	bool exact = alpha == 1.0 && beta == 1.0; /* integers stay exact */
	switch (c || alpha != 1.0 ? cdt : SB_DT_INVALID) {
#define GEMM_EPILOGUE(DT, T, U, IS_INT)                                                      \
	case DT: {                                                                           \
		T *yv = yd;                                                                  \
		for (int64_t i = 0; i < m; i++)                                              \
			for (int64_t j = 0; j < n; j++) {                                    \
				int64_t ci = i * cstr[0] + j * cstr[1];                      \
				T *p = &yv[i * n + j];                                       \
				if (IS_INT && exact)                                         \
					*p = (T)((U)*p + (c ? (U)sb_tensor_get_i64(c, ci) : 0)); \
				else                                                         \
					*p = (T)(alpha * (double)*p +                        \
						 (c ? beta * sb_tensor_get_f64(c, ci) : 0.0)); \
			}                                                                    \
		break;                                                                       \
	}
		GEMM_EPILOGUE(SB_F32, float, float, false)
		GEMM_EPILOGUE(SB_F64, double, double, false)
		GEMM_EPILOGUE(SB_I32, int32_t, uint32_t, true)
		GEMM_EPILOGUE(SB_I64, int64_t, uint64_t, true)
		GEMM_EPILOGUE(SB_U32, uint32_t, uint32_t, true)
		GEMM_EPILOGUE(SB_U64, uint64_t, uint64_t, true)
#undef GEMM_EPILOGUE
	default: break; /* Y = A B as it stands */
	}
	if (ty)
		sb_convert(y->dtype, y->dl.data, cdt, ty, m * n);
	free(ta), free(tb), free(at_), free(ty);
	return SB_OK;
}

/* ---- Einsum ---- */

/* Labels: 'A'..'Z' are 0..25 and 'a'..'z' 26..51 (so id order is the ASCII
 * order numpy sorts implicit outputs by); the dims an ellipsis stands for
 * are 52.., right-aligned across operands as numpy broadcasts them. */
enum { EIN_LETTERS = 52, EIN_LABELS = EIN_LETTERS + SB_MAX_RANK, EIN_MAX_INPUTS = 64 };

typedef struct ein_term {
	int nletters;
	int8_t letter[SB_MAX_RANK]; /* letter labels in order, without the ellipsis */
	int ell;                    /* index in letter[] where "..." sits, -1 if none */
} ein_term;

typedef struct ein_eq {
	int nin;
	ein_term in[EIN_MAX_INPUTS];
	ein_term out;
	bool explicit_out;
} ein_eq;

static int ein_letter(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return 26 + (c - 'a');
	return -1;
}

static sb_status ein_parse_term(relay_op op, const char *node, const char *s, const char *end,
				ein_term *t, const char *what)
{
	t->nletters = 0;
	t->ell = -1;
	for (const char *p = s; p < end; p++) {
		if (*p == ' ' || *p == '\t')
			continue;
		if (*p == '.') {
			if (end - p < 3 || p[1] != '.' || p[2] != '.')
				return relay_op_error(op, node, SB_ERR_INVALID,
						      "%s: a '.' that is not part of '...'", what);
			if (t->ell >= 0)
				return relay_op_error(op, node, SB_ERR_INVALID,
						      "%s has more than one '...'", what);
			t->ell = t->nletters;
			p += 2;
			continue;
		}
		int l = ein_letter(*p);
		if (l < 0)
			return relay_op_error(op, node, SB_ERR_INVALID,
					      "%s: '%c' is not a letter, ',', '->' or '...'", what, *p);
		if (t->nletters == SB_MAX_RANK)
			return relay_op_error(op, node, SB_ERR_UNSUPPORTED,
					      "%s has more than %d labels", what, SB_MAX_RANK);
		t->letter[t->nletters++] = (int8_t)l;
	}
	return SB_OK;
}

/* Parses the equation and checks it against `nin` operands. */
static sb_status ein_parse(relay_op op, const char *node, const char *eq, int nin, ein_eq *e)
{
	if (!eq)
		eq = "";
	if (nin > EIN_MAX_INPUTS)
		return relay_op_error(op, node, SB_ERR_UNSUPPORTED, "more than %d operands",
				      EIN_MAX_INPUTS);
	const char *arrow = strstr(eq, "->");
	const char *lhs_end = arrow ? arrow : eq + strlen(eq);
	int t = 0;
	const char *s = eq;
	char what[32];
	for (;;) {
		const char *comma = memchr(s, ',', (size_t)(lhs_end - s));
		const char *term_end = comma ? comma : lhs_end;
		if (t >= nin)
			return relay_op_error(op, node, SB_ERR_INVALID,
					      "equation '%s' has more terms than the %d operands", eq,
					      nin);
		snprintf(what, sizeof what, "term %d", t);
		sb_status st = ein_parse_term(op, node, s, term_end, &e->in[t], what);
		if (st)
			return st;
		t++;
		if (!comma)
			break;
		s = comma + 1;
	}
	if (t != nin)
		return relay_op_error(op, node, SB_ERR_INVALID,
				      "equation '%s' has %d terms for %d operands", eq, t, nin);
	e->nin = nin;
	e->explicit_out = arrow != NULL;
	int count[EIN_LETTERS] = {0};
	bool any_ell = false;
	for (int i = 0; i < nin; i++) {
		for (int j = 0; j < e->in[i].nletters; j++)
			count[e->in[i].letter[j]]++;
		any_ell = any_ell || e->in[i].ell >= 0;
	}
	if (arrow) {
		if (strstr(arrow + 2, "->"))
			return relay_op_error(op, node, SB_ERR_INVALID, "equation has two '->'");
		sb_status st = ein_parse_term(op, node, arrow + 2, arrow + strlen(arrow), &e->out,
					      "the output");
		if (st)
			return st;
		bool seen[EIN_LETTERS] = {false};
		for (int j = 0; j < e->out.nletters; j++) {
			int l = e->out.letter[j];
			char c = (char)(l < 26 ? 'A' + l : 'a' + (l - 26));
			if (seen[l])
				return relay_op_error(op, node, SB_ERR_INVALID,
						      "output label '%c' is repeated", c);
			if (!count[l])
				return relay_op_error(op, node, SB_ERR_INVALID,
						      "output label '%c' is in no input", c);
			seen[l] = true;
		}
	} else {
		/* Implicit: the ellipsis dims, then the letters used once, sorted. */
		e->out.nletters = 0;
		e->out.ell = any_ell ? 0 : -1;
		for (int l = 0; l < EIN_LETTERS; l++) {
			if (count[l] != 1)
				continue;
			if (e->out.nletters == SB_MAX_RANK)
				return relay_op_error(op, node, SB_ERR_UNSUPPORTED,
						      "the output would have more than %d dims",
						      SB_MAX_RANK);
			e->out.letter[e->out.nletters++] = (int8_t)l;
		}
	}
	return SB_OK;
}

/* The labels of each dim of a term for an operand of `rank`, with the
 * ellipsis standing for rank - nletters dims right-aligned in `nell`. */
static void ein_term_labels(const ein_term *t, int rank, int nell, int *labels)
{
	int e = rank - t->nletters, r = 0;
	for (int j = 0; j <= t->nletters; j++) {
		if (j == t->ell)
			for (int q = 0; q < e; q++)
				labels[r++] = EIN_LETTERS + (nell - e) + q;
		if (j < t->nletters)
			labels[r++] = t->letter[j];
	}
}

sb_status rel_einsum(relay_op_ctx *ctx)
{
	const relay_attrs_einsum *at = CTX_ATTRS(ctx, einsum);
	ein_eq *e = malloc(sizeof *e);
	if (!e)
		return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
	sb_status st = ein_parse(ctx->op, ctx->node, at->equation, ctx->nin, e);
	const relay_type *t0 = NULL;
	int nell = 0;
	bool ell_unknown = false;
	for (int i = 0; !st && i < ctx->nin; i++) {
		const relay_type *t = NULL;
		st = input_tensor(ctx, i, &t);
		if (st)
			break;
		if (!t0)
			t0 = t;
		if (t->dtype != t0->dtype) {
			st = RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "operand %d is %s, operand 0 is %s", i,
					     sb_dtype_name(t->dtype), sb_dtype_name(t0->dtype));
			break;
		}
		const ein_term *term = &e->in[i];
		if (t->rank < 0) {
			ell_unknown = ell_unknown || term->ell >= 0;
			continue;
		}
		if (term->ell < 0 ? t->rank != term->nletters : t->rank < term->nletters) {
			st = RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					     "operand %d has rank %d, its term has %d labels%s", i,
					     t->rank, term->nletters, term->ell >= 0 ? " and '...'" : "");
			break;
		}
		nell = SB_MAX(nell, t->rank - term->nletters);
	}
	if (!st && compute_dtype(t0->dtype) == SB_DT_INVALID)
		st = RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "unsupported dtype %s",
				     sb_dtype_name(t0->dtype));
	if (st) {
		free(e);
		return st;
	}
	if (e->explicit_out && e->out.ell < 0 && nell > 0) {
		free(e);
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				       "operands have dims under '...' but the output has no '...'");
	}
	if (ell_unknown && e->out.ell >= 0) {
		free(e);
		ctx->out[0] = relay_type_tensor(ctx->mod, t0->dtype, -1, NULL);
		return SB_OK;
	}
	/* Every label's dim, merged over its occurrences. */
	relay_dim dim[EIN_LABELS];
	bool seen[EIN_LABELS] = {false};
	for (int i = 0; i < ctx->nin; i++) {
		const relay_type *t = ctx->in[i];
		const ein_term *term = &e->in[i];
		int labels[SB_MAX_RANK];
		int rank = t->rank;
		if (rank < 0) {
			if (term->ell >= 0)
				continue; /* its labels are checked at run time */
			rank = term->nletters;
		}
		ein_term_labels(term, rank, nell, labels);
		for (int d = 0; d < rank; d++) {
			relay_dim dd = t->rank < 0 ? RELAY_DIM_UNKNOWN : t->dims[d];
			int l = labels[d];
			if (!seen[l]) {
				dim[l] = dd;
				seen[l] = true;
			} else if (!dim_merge(dim[l], dd, &dim[l])) {
				st = RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
						     "operand %d dim %d is %" PRId64
						     ", another use of its label has %" PRId64,
						     i, d, dd.value, dim[l].value);
				free(e);
				return st;
			}
		}
	}
	int orank = e->out.nletters + (e->out.ell >= 0 ? nell : 0);
	int olabels[SB_MAX_RANK + SB_MAX_RANK];
	if (orank > SB_MAX_RANK) {
		free(e);
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "output rank %d exceeds %d", orank,
				       SB_MAX_RANK);
	}
	ein_term_labels(&e->out, orank, nell, olabels);
	relay_type *o = relay_type_tensor(ctx->mod, t0->dtype, orank, NULL);
	for (int d = 0; d < orank; d++)
		o->dims[d] = seen[olabels[d]] ? dim[olabels[d]] : RELAY_DIM_UNKNOWN;
	free(e);
	ctx->out[0] = o;
	return SB_OK;
}

/* An operand during evaluation: data in the compute dtype, described by
 * the stride of each distinct label (repeated labels of a diagonal add
 * their strides; a dim of size 1 broadcast against a larger one has 0). */
typedef struct ein_operand {
	const void *data;
	void *owned; /* freed with the operand, or NULL */
	int nl;
	int label[EIN_LABELS];
	int64_t stride[EIN_LABELS];
} ein_operand;

/* Copies the strided view (sizes[], strides[] in elements) into dense
 * row-major dst. */
static void ein_gather(void *dst, const void *src, size_t es, int nd, const int64_t *sizes,
		       const int64_t *strides)
{
	int64_t total = sb_shape_numel(nd, sizes);
	if (total == 0)
		return;
	if (nd == 0) {
		memcpy(dst, src, es);
		return;
	}
	int64_t n = sizes[nd - 1], s = strides[nd - 1];
	int64_t idx[EIN_LABELS] = {0}, off = 0;
	char *d = dst;
	const char *sp = src;
	for (int64_t done = 0; done < total; done += n) {
		if (es == 4) {
			const uint32_t *p = (const uint32_t *)sp + off;
			uint32_t *q = (uint32_t *)d;
			for (int64_t j = 0; j < n; j++)
				q[j] = p[j * s];
		} else {
			const uint64_t *p = (const uint64_t *)sp + off;
			uint64_t *q = (uint64_t *)d;
			for (int64_t j = 0; j < n; j++)
				q[j] = p[j * s];
		}
		d += (size_t)n * es;
		for (int k = nd - 2; k >= 0; k--) {
			off += strides[k];
			if (++idx[k] < sizes[k])
				break;
			off -= strides[k] * sizes[k];
			idx[k] = 0;
		}
	}
}

static int64_t ein_stride_of(const ein_operand *op, int label)
{
	for (int i = 0; i < op->nl; i++)
		if (op->label[i] == label)
			return op->stride[i];
	return 0;
}

static bool ein_has(const ein_operand *op, int label)
{
	for (int i = 0; i < op->nl; i++)
		if (op->label[i] == label)
			return true;
	return false;
}

/* r = contraction of a and b keeping the labels in keep[]: packed as
 * [batch, M, K] x [batch, K, N] and multiplied; r's labels are
 * batch..., m..., n... (dense). */
static sb_status ein_pair(relay_kernel_ctx *ctx, sb_dtype cdt, const int64_t *size, const bool *keep,
			  const ein_operand *a, const ein_operand *b, ein_operand *r)
{
	int bl[EIN_LABELS], ml[EIN_LABELS], nl[EIN_LABELS], kl[EIN_LABELS];
	int nb = 0, nm = 0, nn = 0, nk = 0;
	for (int l = 0; l < EIN_LABELS; l++) {
		bool ia = ein_has(a, l), ib = ein_has(b, l);
		if (!ia && !ib)
			continue;
		if (!keep[l])
			kl[nk++] = l;
		else if (ia && ib)
			bl[nb++] = l;
		else if (ia)
			ml[nm++] = l;
		else
			nl[nn++] = l;
	}
	int64_t B = 1, M = 1, N = 1, K = 1;
	for (int i = 0; i < nb; i++)
		B *= size[bl[i]];
	for (int i = 0; i < nm; i++)
		M *= size[ml[i]];
	for (int i = 0; i < nn; i++)
		N *= size[nl[i]];
	for (int i = 0; i < nk; i++)
		K *= size[kl[i]];
	size_t es = sb_dtype_size(cdt);
	char *pa = malloc(es * (size_t)(B * M * K + 1));
	char *pb = malloc(es * (size_t)(B * K * N + 1));
	char *pr = malloc(es * (size_t)(B * M * N + 1));
	if (!pa || !pb || !pr) {
		free(pa), free(pb), free(pr);
		return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
	}
	int64_t sizes[EIN_LABELS], strides[EIN_LABELS];
	int nd = 0;
	/* A as [batch, m, k] */
	for (int i = 0; i < nb; i++, nd++)
		sizes[nd] = size[bl[i]], strides[nd] = ein_stride_of(a, bl[i]);
	for (int i = 0; i < nm; i++, nd++)
		sizes[nd] = size[ml[i]], strides[nd] = ein_stride_of(a, ml[i]);
	for (int i = 0; i < nk; i++, nd++)
		sizes[nd] = size[kl[i]], strides[nd] = ein_stride_of(a, kl[i]);
	ein_gather(pa, a->data, es, nd, sizes, strides);
	/* B as [batch, k, n] */
	nd = 0;
	for (int i = 0; i < nb; i++, nd++)
		sizes[nd] = size[bl[i]], strides[nd] = ein_stride_of(b, bl[i]);
	for (int i = 0; i < nk; i++, nd++)
		sizes[nd] = size[kl[i]], strides[nd] = ein_stride_of(b, kl[i]);
	for (int i = 0; i < nn; i++, nd++)
		sizes[nd] = size[nl[i]], strides[nd] = ein_stride_of(b, nl[i]);
	ein_gather(pb, b->data, es, nd, sizes, strides);
	for (int64_t i = 0; i < B; i++)
		gemm_any(cdt, M, N, K, pa + (size_t)(i * M * K) * es, pb + (size_t)(i * K * N) * es,
			 pr + (size_t)(i * M * N) * es);
	free(pa);
	free(pb);
	r->data = r->owned = pr;
	r->nl = 0;
	for (int i = 0; i < nb; i++)
		r->label[r->nl++] = bl[i];
	for (int i = 0; i < nm; i++)
		r->label[r->nl++] = ml[i];
	for (int i = 0; i < nn; i++)
		r->label[r->nl++] = nl[i];
	int64_t s = 1;
	for (int i = r->nl - 1; i >= 0; i--) {
		r->stride[i] = s;
		s *= size[r->label[i]];
	}
	return SB_OK;
}

sb_status k_einsum(relay_kernel_ctx *ctx)
{
	const relay_attrs_einsum *at = CTX_ATTRS(ctx, einsum);
	sb_tensor *y = ctx->out[0];
	int nin = ctx->nin;
	if (nin < 1)
		return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "needs at least one operand");
	sb_dtype dt = ctx->in[0]->dtype, cdt = compute_dtype(dt);
	if (cdt == SB_DT_INVALID || y->dtype != dt)
		return RELAY_CTX_ERROR(ctx, SB_ERR_UNSUPPORTED, "unsupported dtype %s",
				       sb_dtype_name(dt));
	ein_eq *e = malloc(sizeof *e);
	ein_operand *ops = calloc((size_t)nin + 2, sizeof *ops);
	if (!e || !ops) {
		free(e), free(ops);
		return RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
	}
	sb_status st = ein_parse(ctx->op, ctx->node, at->equation, nin, e);
	int nell = 0;
	for (int i = 0; !st && i < nin; i++) {
		const sb_tensor *t = ctx->in[i];
		const ein_term *term = &e->in[i];
		int rank = t->dl.ndim;
		if (t->dtype != dt)
			st = RELAY_CTX_ERROR(ctx, SB_ERR_INVALID, "operand %d is %s, operand 0 is %s", i,
					     sb_dtype_name(t->dtype), sb_dtype_name(dt));
		else if (term->ell < 0 ? rank != term->nletters : rank < term->nletters)
			st = RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					     "operand %d has rank %d, its term has %d labels", i, rank,
					     term->nletters);
		else
			nell = SB_MAX(nell, rank - term->nletters);
	}
	if (!st && e->explicit_out && e->out.ell < 0 && nell > 0)
		st = RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
				     "operands have dims under '...' but the output has no '...'");
	/* Label sizes (1 broadcasts), then each operand's strides per label. */
	int64_t size[EIN_LABELS];
	for (int l = 0; l < EIN_LABELS; l++)
		size[l] = -1;
	for (int i = 0; !st && i < nin; i++) {
		const sb_tensor *t = ctx->in[i];
		int labels[SB_MAX_RANK];
		ein_term_labels(&e->in[i], t->dl.ndim, nell, labels);
		for (int d = 0; d < t->dl.ndim; d++) {
			int64_t *s = &size[labels[d]], v = t->shape[d];
			if (*s < 0 || *s == 1)
				*s = v;
			else if (v != 1 && v != *s)
				st = RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
						     "operand %d dim %d is %" PRId64
						     ", another use of its label has %" PRId64,
						     i, d, v, *s);
		}
	}
	int orank = e->out.nletters + (e->out.ell >= 0 ? nell : 0);
	int olabels[2 * SB_MAX_RANK];
	int64_t oshape[2 * SB_MAX_RANK];
	if (!st) {
		ein_term_labels(&e->out, orank, nell, olabels);
		for (int d = 0; d < orank; d++)
			oshape[d] = size[olabels[d]] < 0 ? 1 : size[olabels[d]];
		if (!sb_shape_equal(orank, oshape, y->dl.ndim, y->shape))
			st = RELAY_CTX_ERROR(ctx, SB_ERR_INTERNAL, "output has the wrong shape");
	}
	for (int i = 0; !st && i < nin; i++) {
		const sb_tensor *t = ctx->in[i];
		ein_operand *op = &ops[i];
		void *tmp;
		st = data_as(ctx, t, cdt, &op->data, &tmp);
		if (st)
			break;
		op->owned = tmp;
		int labels[SB_MAX_RANK];
		int64_t tstr[SB_MAX_RANK];
		ein_term_labels(&e->in[i], t->dl.ndim, nell, labels);
		sb_shape_strides(t->dl.ndim, t->shape, tstr);
		for (int d = 0; d < t->dl.ndim; d++) {
			int64_t s = t->shape[d] == 1 ? 0 : tstr[d];
			int k = 0;
			while (k < op->nl && op->label[k] != labels[d])
				k++;
			if (k == op->nl) {
				op->label[op->nl] = labels[d];
				op->stride[op->nl++] = 0;
			}
			op->stride[k] += s;
		}
	}
	if (st)
		goto done;
	if (sb_tensor_numel(y) == 0)
		goto done;

	/* Fold left to right; a lone operand is contracted with the scalar 1. */
	bool keep[EIN_LABELS];
	static const union {
		float f;
		double d;
		int32_t i32;
		int64_t i64;
	} one_f32 = {.f = 1.0f}, one_f64 = {.d = 1.0}, one_i32 = {.i32 = 1}, one_i64 = {.i64 = 1};
	ein_operand one = {0};
	switch (cdt) {
	case SB_F32: one.data = &one_f32; break;
	case SB_F64: one.data = &one_f64; break;
	case SB_I32:
	case SB_U32: one.data = &one_i32; break;
	default: one.data = &one_i64; break;
	}
	ein_operand acc = ops[0];
	ops[0].owned = NULL; /* acc owns it now */
	for (int i = 1; i <= nin - (nin > 1); i++) {
		const ein_operand *rhs = nin == 1 ? &one : &ops[i];
		for (int l = 0; l < EIN_LABELS; l++)
			keep[l] = false;
		for (int d = 0; d < orank; d++)
			keep[olabels[d]] = true;
		for (int j = i + 1; j < nin; j++)
			for (int q = 0; q < ops[j].nl; q++)
				keep[ops[j].label[q]] = true;
		ein_operand r = {0};
		st = ein_pair(ctx, cdt, size, keep, &acc, rhs, &r);
		free(acc.owned);
		acc = r;
		if (st) {
			acc.owned = NULL;
			goto done;
		}
	}
	/* acc holds exactly the output labels: gather them into output order. */
	int64_t ostr[2 * SB_MAX_RANK];
	for (int d = 0; d < orank; d++)
		ostr[d] = ein_stride_of(&acc, olabels[d]);
	void *dst = y->dl.data, *tmp = NULL;
	if (cdt != dt) {
		tmp = malloc(sb_dtype_size(cdt) * (size_t)sb_tensor_numel(y));
		if (!tmp) {
			free(acc.owned);
			st = RELAY_CTX_ERROR(ctx, SB_ERR_NOMEM, "out of memory");
			goto done;
		}
		dst = tmp;
	}
	ein_gather(dst, acc.data, sb_dtype_size(cdt), orank, oshape, ostr);
	if (tmp)
		sb_convert(dt, y->dl.data, cdt, tmp, sb_tensor_numel(y));
	free(tmp);
	free(acc.owned);
done:
	for (int i = 0; i < nin; i++)
		free(ops[i].owned);
	free(ops);
	free(e);
	return st;
}
