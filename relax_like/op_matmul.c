/* Shape inference of matrix products: matmul (numpy: 1-D operands promoted
 * and the promoted axis dropped, batch dims broadcast), gemm (2-D, with
 * transposes and a bias broadcast to the output), einsum (letters bound to
 * dims, repeated letters matched, the ellipsis broadcast). */
#include <ctype.h>

#include "op_impl.h"

sb_status infer_matmul(relax_infer_ctx *ctx)
{
	relax_tensor_view a, b;
	sb_status st = relax_infer_tensor(ctx, 0, &a);
	if (!st)
		st = relax_infer_tensor(ctx, 1, &b);
	sb_dtype dt;
	if (!st)
		st = relax_infer_same_dtype(ctx, 0, a.dtype, 1, b.dtype, &dt);
	if (st)
		return st;
	if (a.ndim == 0 || b.ndim == 0)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "operands must have rank >= 1 (ranks %d, %d)", a.ndim,
					 b.ndim);
	int ka = a.ndim - 1, kb = b.ndim == 1 ? 0 : b.ndim - 2;
	tir_expr *k;
	if ((st = relax_infer_match(ctx, 1, kb, a.dims[ka], &k)))
		return st;
	int ba = SB_MAX(a.ndim - 2, 0), bb = SB_MAX(b.ndim - 2, 0), r = SB_MAX(ba, bb);
	tir_expr *dims[SB_MAX_RANK];
	int n = 0;
	for (int i = 0; i < r; i++) {
		relax_bcast_dim acc = {NULL, -1, -1};
		int axa = i - (r - ba), axb = i - (r - bb);
		if (axa >= 0 && (st = relax_infer_broadcast_dim(ctx, &acc, 0, axa)))
			return st;
		if (axb >= 0 && (st = relax_infer_broadcast_dim(ctx, &acc, 1, axb)))
			return st;
		dims[n++] = acc.dim;
	}
	if (a.ndim > 1)
		dims[n++] = a.dims[a.ndim - 2];
	if (b.ndim > 1)
		dims[n++] = b.dims[b.ndim - 1];
	relax_infer_set_tensor(ctx, dt, n, dims);
	return SB_OK;
}

sb_status infer_gemm(relax_infer_ctx *ctx)
{
	const relax_attrs_gemm *attrs = RELAX_CTX_ATTRS(ctx, gemm);
	relax_tensor_view a, b;
	sb_status st = relax_infer_tensor(ctx, 0, &a);
	if (!st)
		st = relax_infer_tensor(ctx, 1, &b);
	sb_dtype dt;
	if (!st)
		st = relax_infer_same_dtype(ctx, 0, a.dtype, 1, b.dtype, &dt);
	if (st)
		return st;
	if (a.ndim != 2 || b.ndim != 2)
		return relax_infer_error(ctx, SB_ERR_INVALID, "operands must be 2-D (ranks %d, %d)",
					 a.ndim, b.ndim);
	int am = attrs->trans_a ? 1 : 0, bn = attrs->trans_b ? 0 : 1;
	tir_expr *k, *mn[2] = {a.dims[am], b.dims[bn]};
	if ((st = relax_infer_match(ctx, 1, 1 - bn, a.dims[1 - am], &k)))
		return st;
	if (ctx->nargs == 3) {
		relax_tensor_view c;
		if ((st = relax_infer_tensor(ctx, 2, &c)) ||
		    (st = relax_infer_same_dtype(ctx, 0, dt, 2, c.dtype, &dt)))
			return st;
		if (c.ndim > 2)
			return relax_infer_error(ctx, SB_ERR_INVALID,
						 "the bias has rank %d; at most 2", c.ndim);
		for (int i = 0; i < c.ndim; i++) {
			tir_expr *ignore;
			if (tir_expr_is_const(c.dims[i], 1))
				continue;
			if ((st = relax_infer_match(ctx, 2, i, mn[2 - c.ndim + i], &ignore)))
				return st;
		}
	}
	relax_infer_set_tensor(ctx, dt, 2, mn);
	return SB_OK;
}

/* ---- einsum ---- */

typedef struct einsum_term {
	char letters[SB_MAX_RANK + 1];
	int nletters;
	int ellipsis; /* index in letters where "..." stands, -1 if none */
} einsum_term;

static sb_status einsum_parse_term(relax_infer_ctx *ctx, const char **p, einsum_term *t)
{
	t->nletters = 0;
	t->ellipsis = -1;
	for (;;) {
		while (**p == ' ')
			(*p)++;
		if (isalpha((unsigned char)**p)) {
			if (t->nletters == SB_MAX_RANK)
				return relax_infer_error(ctx, SB_ERR_INVALID,
							 "a term has too many indices");
			t->letters[t->nletters++] = *(*p)++;
		} else if (!strncmp(*p, "...", 3)) {
			if (t->ellipsis >= 0)
				return relax_infer_error(ctx, SB_ERR_INVALID,
							 "a term has two ellipses");
			t->ellipsis = t->nletters;
			*p += 3;
		} else {
			return SB_OK;
		}
	}
}

sb_status infer_einsum(relax_infer_ctx *ctx)
{
	const char *eq = RELAX_CTX_ATTRS(ctx, einsum)->equation;
	einsum_term in[16], out;
	int nterms = 0;
	const char *p = eq ? eq : "";
	sb_status st;
	for (;;) {
		if (nterms == (int)SB_ARRAY_LEN(in))
			return relax_infer_error(ctx, SB_ERR_UNSUPPORTED, "too many operands");
		if ((st = einsum_parse_term(ctx, &p, &in[nterms++])))
			return st;
		while (*p == ' ')
			p++;
		if (*p != ',')
			break;
		p++;
	}
	bool explicit_out = false;
	if (!strncmp(p, "->", 2)) {
		p += 2;
		explicit_out = true;
		if ((st = einsum_parse_term(ctx, &p, &out)))
			return st;
		while (*p == ' ')
			p++;
	}
	if (*p)
		return relax_infer_error(ctx, SB_ERR_INVALID, "cannot parse equation \"%s\"", eq);
	if (nterms != ctx->nargs)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "the equation has %d operands, the call %d", nterms,
					 ctx->nargs);

	tir_expr *letter_dim[128] = {0};
	int letter_count[128] = {0};
	relax_bcast_dim ell[SB_MAX_RANK];
	int nell = 0;
	sb_dtype dt = SB_DT_INVALID;
	for (int i = 0; i < nterms; i++) {
		relax_tensor_view v;
		if ((st = relax_infer_tensor(ctx, i, &v)) ||
		    (st = relax_infer_same_dtype(ctx, 0, dt, i, v.dtype, &dt)))
			return st;
		einsum_term *t = &in[i];
		int ne = v.ndim - t->nletters;
		if (ne < 0 || (t->ellipsis < 0 && ne != 0))
			return relax_infer_error(ctx, SB_ERR_INVALID,
						 "operand %d has rank %d; its term has %d indices",
						 i, v.ndim, t->nletters);
		/* Ellipsis dims broadcast, right-aligned across operands. */
		if (ne > nell) {
			memmove(&ell[ne - nell], &ell[0], sizeof(ell[0]) * (size_t)nell);
			for (int k = 0; k < ne - nell; k++)
				ell[k] = (relax_bcast_dim){NULL, -1, -1};
			nell = ne;
		}
		for (int k = 0; k < ne; k++)
			if ((st = relax_infer_broadcast_dim(ctx, &ell[nell - ne + k], i,
							    t->ellipsis + k)))
				return st;
		for (int k = 0; k < t->nletters; k++) {
			int c = (unsigned char)t->letters[k];
			int axis = k < t->ellipsis || t->ellipsis < 0 ? k : k + ne;
			letter_count[c]++;
			if (!letter_dim[c]) {
				letter_dim[c] = v.dims[axis];
			} else if ((st = relax_infer_match(ctx, i, axis, letter_dim[c],
							   &letter_dim[c]))) {
				return st;
			}
		}
	}
	if (!explicit_out) {
		out.nletters = 0;
		out.ellipsis = nell ? 0 : -1;
		for (int c = 0; c < 128; c++)
			if (letter_count[c] == 1)
				out.letters[out.nletters++] = (char)c;
	}
	tir_expr *dims[SB_MAX_RANK];
	int n = 0;
	for (int k = 0; k <= out.nletters; k++) {
		if (k == out.ellipsis) {
			if (n + nell > SB_MAX_RANK)
				return relax_infer_error(ctx, SB_ERR_UNSUPPORTED,
							 "output rank too large");
			for (int e = 0; e < nell; e++)
				dims[n++] = ell[e].dim;
		}
		if (k == out.nletters)
			break;
		int c = (unsigned char)out.letters[k];
		if (!letter_dim[c])
			return relax_infer_error(ctx, SB_ERR_INVALID,
						 "output index '%c' appears in no operand", c);
		if (n == SB_MAX_RANK)
			return relax_infer_error(ctx, SB_ERR_UNSUPPORTED, "output rank too large");
		dims[n++] = letter_dim[c];
	}
	relax_infer_set_tensor(ctx, dt, n, dims);
	return SB_OK;
}
