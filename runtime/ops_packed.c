/* Packed runtime functions for the ops that have no loop-nest form: their
 * output order (TopK: a sort) or size (NonZero: a count) depends on the
 * data.  LegalizeOps calls them with call_dps_packed, the outputs
 * allocated by the caller:
 *
 *   runtime.topk(x, axis: int, largest: int, sorted: int, values, indices)
 *     k is the outputs' size along axis (a shape variable the caller read
 *     from K), values has x's dtype, indices int64.  Descending for
 *     largest, ascending otherwise; NaN counts as the largest value; equal
 *     values keep the lower index first (ONNX TopK).  The result is always
 *     sorted, which `sorted` = 0 allows.
 *   runtime.nonzero_count(x, count): count = int64[1], the number of
 *     non-zero elements (the caller reads it into the shape variable nnz).
 *   runtime.nonzero(x, out): out = int64[max(rank, 1), nnz], the indices of
 *     the non-zero elements in row-major order, one row per dim (numpy's
 *     nonzero; a scalar counts as 1-D).  nnz must be the count.
 *
 * Every argument is checked (the caller's code is an untrusted blob): a
 * mismatch is an error with a message, never a write out of bounds. */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>

#include "runtime.h"

static sb_status need_args(const char *fn, const sb_value *args, int nargs, const char *kinds)
{
	int want = (int)strlen(kinds);
	if (nargs != want)
		return sb_set_error(SB_ERR_INVALID, "%s takes %d arguments, got %d", fn, want,
				    nargs);
	for (int i = 0; i < want; i++) {
		int k = kinds[i] == 't' ? SB_VAL_TENSOR : SB_VAL_INT;
		if (args[i].kind != k)
			return sb_set_error(SB_ERR_INVALID, "%s: argument %d is %s, expected %s",
					    fn, i, sb_value_kind_name(args[i].kind),
					    sb_value_kind_name(k));
	}
	return SB_OK;
}

static bool is_numeric(sb_dtype dt)
{
	return dt != SB_BOOL && sb_dtype_size(dt) > 0;
}

/* ---- TopK ---- */

/* A candidate: its key (double for floats and the narrower integers, exact
 * for the 64-bit ones) and its index along the axis. */
typedef struct topk_item {
	union {
		double f;
		int64_t i;
		uint64_t u;
	} key;
	int64_t idx;
} topk_item;

/* Orders "a before b" < 0.  Keys compare first (NaN above everything),
 * then indices ascending, so the order is total and qsort deterministic. */
#define TOPK_CMP(name, field, nan, sign)                                                           \
	static int name(const void *pa, const void *pb)                                            \
	{                                                                                          \
		const topk_item *a = pa, *b = pb;                                                  \
		bool na = nan(a->key.field), nb = nan(b->key.field);                               \
		if (na != nb)                                                                      \
			return (na ? 1 : -1) * (sign);                                             \
		if (!na && a->key.field != b->key.field)                                           \
			return (a->key.field < b->key.field ? 1 : -1) * -(sign);                   \
		return (a->idx > b->idx) - (a->idx < b->idx);                                      \
	}
#define NO_NAN(x) ((void)(x), false)
/* sign -1: largest first (descending); +1: smallest first. */
TOPK_CMP(cmp_f_desc, f, isnan, -1)
TOPK_CMP(cmp_f_asc, f, isnan, 1)
TOPK_CMP(cmp_i_desc, i, NO_NAN, -1)
TOPK_CMP(cmp_i_asc, i, NO_NAN, 1)
TOPK_CMP(cmp_u_desc, u, NO_NAN, -1)
TOPK_CMP(cmp_u_asc, u, NO_NAN, 1)

static int packed_topk(const sb_value *args, int nargs, sb_value *ret)
{
	(void)ret;
	static const char fn[] = SB_PACKED_TOPK;
	sb_status st = need_args(fn, args, nargs, "tiiitt");
	if (st)
		return st;
	const sb_tensor *x = args[0].u.tensor;
	sb_tensor *vals = args[4].u.tensor, *idxs = args[5].u.tensor;
	int rank = x->dl.ndim;
	int64_t axis = args[1].u.i;
	if (axis < 0)
		axis += rank;
	if (rank == 0 || axis < 0 || axis >= rank)
		return sb_set_error(SB_ERR_INVALID, "%s: axis %" PRId64 " of a rank-%d input", fn,
				    args[1].u.i, rank);
	if (!is_numeric(x->dtype))
		return sb_set_error(SB_ERR_UNSUPPORTED, "%s: input dtype %s", fn,
				    sb_dtype_name(x->dtype));
	if (vals->dtype != x->dtype || idxs->dtype != SB_I64 || vals->dl.ndim != rank ||
	    idxs->dl.ndim != rank)
		return sb_set_error(SB_ERR_INVALID,
				    "%s: outputs must be %s and int64 of rank %d, not %s and %s of "
				    "rank %d and %d",
				    fn, sb_dtype_name(x->dtype), rank, sb_dtype_name(vals->dtype),
				    sb_dtype_name(idxs->dtype), vals->dl.ndim, idxs->dl.ndim);
	int64_t k = vals->shape[axis], n = x->shape[axis], outer = 1, inner = 1;
	for (int d = 0; d < rank; d++) {
		if (d != axis && (vals->shape[d] != x->shape[d] || idxs->shape[d] != x->shape[d]))
			return sb_set_error(SB_ERR_INVALID,
					    "%s: output dim %d is %" PRId64
					    ", the input's %" PRId64,
					    fn, d, vals->shape[d], x->shape[d]);
		if (d < axis)
			outer *= x->shape[d];
		else if (d > axis)
			inner *= x->shape[d];
	}
	if (idxs->shape[axis] != k)
		return sb_set_error(SB_ERR_INVALID,
				    "%s: %" PRId64 " values but %" PRId64 " indices", fn, k,
				    idxs->shape[axis]);
	if (k > n)
		return sb_set_error(SB_ERR_INVALID,
				    "TopK: K = %" PRId64 " exceeds the size %" PRId64
				    " of axis %" PRId64,
				    k, n, axis);
	char field = x->dtype == SB_I64 ? 'i' : x->dtype == SB_U64 ? 'u' : 'f';
	bool largest = args[2].u.i != 0;
	int (*cmp)(const void *, const void *) = field == 'i' ? (largest ? cmp_i_desc : cmp_i_asc)
						 : field == 'u'
						     ? (largest ? cmp_u_desc : cmp_u_asc)
						     : (largest ? cmp_f_desc : cmp_f_asc);
	if (k == 0 || outer * inner == 0)
		return SB_OK;
	topk_item *items = malloc(sizeof *items * (size_t)n);
	if (!items)
		return sb_set_error(SB_ERR_NOMEM, "%s: out of memory", fn);
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

/* ---- NonZero ---- */

static bool is_nonzero(const sb_tensor *t, int64_t i)
{
	const void *p = t->dl.data;
	switch (t->dtype) {
	case SB_F32:
		return ((const float *)p)[i] != 0;
	case SB_F64:
		return ((const double *)p)[i] != 0;
	case SB_F16:
	case SB_BF16:
		return (((const uint16_t *)p)[i] & 0x7fff) != 0; /* -0 is zero */
	default: {
		size_t es = sb_dtype_size(t->dtype);
		const uint8_t *b = (const uint8_t *)p + (size_t)i * es;
		for (size_t j = 0; j < es; j++)
			if (b[j])
				return true;
		return false;
	}
	}
}

static int64_t count_nonzero(const sb_tensor *x)
{
	int64_t n = sb_tensor_numel(x), nnz = 0;
	for (int64_t i = 0; i < n; i++)
		nnz += is_nonzero(x, i);
	return nnz;
}

static int packed_nonzero_count(const sb_value *args, int nargs, sb_value *ret)
{
	(void)ret;
	static const char fn[] = SB_PACKED_NONZERO_COUNT;
	sb_status st = need_args(fn, args, nargs, "tt");
	if (st)
		return st;
	sb_tensor *out = args[1].u.tensor;
	if (out->dtype != SB_I64 || sb_tensor_numel(out) != 1)
		return sb_set_error(SB_ERR_INVALID,
				    "%s: the count is one int64, not %s of %" PRId64, fn,
				    sb_dtype_name(out->dtype), sb_tensor_numel(out));
	if (sb_dtype_size(args[0].u.tensor->dtype) == 0)
		return sb_set_error(SB_ERR_UNSUPPORTED, "%s: input dtype %s", fn,
				    sb_dtype_name(args[0].u.tensor->dtype));
	((int64_t *)out->dl.data)[0] = count_nonzero(args[0].u.tensor);
	return SB_OK;
}

static int packed_nonzero(const sb_value *args, int nargs, sb_value *ret)
{
	(void)ret;
	static const char fn[] = SB_PACKED_NONZERO;
	sb_status st = need_args(fn, args, nargs, "tt");
	if (st)
		return st;
	const sb_tensor *x = args[0].u.tensor;
	sb_tensor *out = args[1].u.tensor;
	int r = x->dl.ndim, rows = r ? r : 1;
	if (sb_dtype_size(x->dtype) == 0)
		return sb_set_error(SB_ERR_UNSUPPORTED, "%s: input dtype %s", fn,
				    sb_dtype_name(x->dtype));
	if (out->dtype != SB_I64 || out->dl.ndim != 2 || out->shape[0] != rows)
		return sb_set_error(SB_ERR_INVALID,
				    "%s: the output must be int64[%d, nnz], not %s of rank %d", fn,
				    rows, sb_dtype_name(out->dtype), out->dl.ndim);
	int64_t nnz = out->shape[1], count = count_nonzero(x);
	if (count != nnz)
		return sb_set_error(SB_ERR_INVALID,
				    "%s: %" PRId64 " non-zeros, the output has room for %" PRId64,
				    fn, count, nnz);
	int64_t n = sb_tensor_numel(x), c[SB_MAX_RANK] = {0}, j = 0;
	int64_t *o = out->dl.data;
	for (int64_t i = 0; i < n; i++) {
		if (is_nonzero(x, i)) {
			for (int d = 0; d < rows; d++)
				o[d * nnz + j] = r ? c[d] : 0;
			j++;
		}
		/* Row-major odometer over x's dims. */
		for (int d = r - 1; d >= 0; d--) {
			if (++c[d] < x->shape[d])
				break;
			c[d] = 0;
		}
	}
	return SB_OK;
}

static const sb_packed_entry packed_ops[] = {
    {SB_PACKED_TOPK, packed_topk},
    {SB_PACKED_NONZERO_COUNT, packed_nonzero_count},
    {SB_PACKED_NONZERO, packed_nonzero},
};

void sb_packed_ops_register(sb_func_registry *r)
{
	for (size_t i = 0; i < SB_ARRAY_LEN(packed_ops); i++)
		SB_ASSERT(sb_func_registry_add(r, packed_ops[i].name, packed_ops[i].fn, false) ==
			  SB_OK);
}
