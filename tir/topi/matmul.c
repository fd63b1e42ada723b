/* Matrix products: MatMul (numpy semantics), Gemm and Einsum.  Each is
 * one reduction block over the output (the reduce iter var runs along K),
 * accumulating in the compute dtype -- float32 for the half types, int64
 * for the narrow integers, as the relay_like kernels do -- plus a
 * converting or epilogue block when the accumulator is not the output:
 *
 *   block matmul(v0: spatial(0, m), v1: spatial(0, n), r0: reduce(0, k)) {
 *     init { Y[v0, v1] = 0.0f }
 *     Y[v0, v1] = Y[v0, v1] + A[v0, r0] * B[r0, v1]
 *   } */
#include <stdio.h>

#include "topi.h"

static sb_dtype product_dtype(sb_dtype dt)
{
	switch (dt) {
	case SB_F32:
	case SB_F64:
	case SB_I32:
	case SB_I64:
	case SB_U32:
	case SB_U64:
		return dt;
	case SB_F16:
	case SB_BF16:
		return SB_F32;
	case SB_I8:
	case SB_I16:
	case SB_U8:
	case SB_U16:
		return SB_I64;
	default:
		return SB_DT_INVALID;
	}
}

static bool product_input(topi_builder *b, const char *what, topi_tensor t, sb_dtype dt)
{
	if (b->status)
		return false;
	if (product_dtype(t.dtype) == SB_DT_INVALID) {
		topi_fail(b, SB_ERR_UNSUPPORTED, "%s has unsupported dtype %s", what,
			  t.dtype > SB_DT_INVALID && t.dtype < SB_DT_COUNT ? sb_dtype_name(t.dtype)
									   : "invalid");
		return false;
	}
	if (t.dtype != dt) {
		topi_fail(b, SB_ERR_INVALID, "%s is %s but A is %s", what, sb_dtype_name(t.dtype),
			  sb_dtype_name(dt));
		return false;
	}
	return true;
}

static bool require_equal(topi_builder *b, tir_expr *x, tir_expr *y, const char *what)
{
	char *xs = tir_expr_to_string(x), *ys = tir_expr_to_string(y);
	bool ok = topi_require(b, tir_eq(b->ctx, x, y), "%s differ: %s vs %s", what, xs, ys);
	free(xs);
	free(ys);
	return ok;
}

/* Y = acc converted, when the accumulator is an intermediate. */
static void convert_block(topi_builder *b, tir_buffer *acc, tir_buffer *y)
{
	topi_nest n;
	topi_nest_begin(b, &n, "convert", y->ndim, y->shape);
	topi_nest_store(b, &n, y,
			topi_convert(b, tir_load(b->ctx, acc, acc->ndim, n.iv), y->dtype));
}

sb_status topi_matmul(tir_ctx *ctx, const char *name, topi_tensor at, topi_tensor bt,
		      tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "matmul", name);
	product_input(&b, "A", at, at.dtype);
	product_input(&b, "B", bt, at.dtype);
	if (!b.status && (at.ndim < 1 || bt.ndim < 1))
		topi_fail(&b, SB_ERR_INVALID, "A and B must have rank >= 1 (got %d, %d)", at.ndim,
			  bt.ndim);
	tir_buffer *a = topi_input(&b, "A", at), *bb = topi_input(&b, "B", bt);
	if (b.status)
		return topi_builder_finish(&b, out);
	int ra = a->ndim, rb = bb->ndim;
	tir_expr *ka = a->shape[ra - 1], *kb = rb == 1 ? bb->shape[0] : bb->shape[rb - 2];
	require_equal(&b, ka, kb, "inner dims");
	/* batch dims broadcast as numpy does */
	int ba = ra > 2 ? ra - 2 : 0, nb = rb > 2 ? rb - 2 : 0, brank = SB_MAX(ba, nb);
	tir_expr *shape[SB_MAX_RANK];
	for (int i = 0; i < brank; i++) {
		int ia = i - (brank - ba), ib = i - (brank - nb);
		tir_expr *da = ia >= 0 ? a->shape[ia] : NULL, *db = ib >= 0 ? bb->shape[ib] : NULL;
		char what[32];
		snprintf(what, sizeof what, "batch dim %d", i);
		shape[i] = !da ? db : !db ? da : topi_broadcast_dim(&b, da, db, what);
	}
	int rank = brank;
	if (ra >= 2)
		shape[rank++] = a->shape[ra - 2];
	if (rb >= 2)
		shape[rank++] = bb->shape[rb - 1];
	tir_buffer *y = topi_output(&b, "Y", at.dtype, rank, shape);
	sb_dtype cdt = product_dtype(at.dtype);
	tir_buffer *acc = cdt == at.dtype ? y : topi_temp(&b, "acc", cdt, rank, shape);
	if (b.status)
		return topi_builder_finish(&b, out);

	topi_nest n;
	topi_nest_begin(&b, &n, "matmul", y->ndim, y->shape);
	tir_expr *r = topi_nest_reduce_axis(&b, &n, ka);
	tir_expr *ai[SB_MAX_RANK], *bi[SB_MAX_RANK];
	for (int j = 0; j < ba; j++)
		ai[j] = topi_broadcast_index(&b, a->shape[j], y->shape[brank - ba + j],
					     n.iv[brank - ba + j]);
	for (int j = 0; j < nb; j++)
		bi[j] = topi_broadcast_index(&b, bb->shape[j], y->shape[brank - nb + j],
					     n.iv[brank - nb + j]);
	if (ra >= 2) {
		ai[ba] = n.iv[brank];
		ai[ba + 1] = r;
	} else {
		ai[0] = r;
	}
	if (rb >= 2) {
		bi[nb] = r;
		bi[nb + 1] = n.iv[rank - 1];
	} else {
		bi[0] = r;
	}
	tir_expr *prod = tir_mul(ctx, topi_convert(&b, topi_load(&b, a, ai), cdt),
				 topi_convert(&b, topi_load(&b, bb, bi), cdt));
	topi_nest_reduce(&b, &n, acc, topi_const(&b, cdt, 0),
			 tir_add(ctx, topi_nest_acc(&b, &n, acc), prod));
	if (acc != y)
		convert_block(&b, acc, y);
	return topi_builder_finish(&b, out);
}

sb_status topi_gemm(tir_ctx *ctx, const char *name, topi_tensor at, topi_tensor bt,
		    const topi_tensor *ct, const topi_gemm_params *p, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "gemm", name);
	topi_gemm_params def = {1.0, 1.0, false, false};
	if (!p)
		p = &def;
	product_input(&b, "A", at, at.dtype);
	product_input(&b, "B", bt, at.dtype);
	if (ct)
		product_input(&b, "C", *ct, at.dtype);
	if (!b.status && (at.ndim != 2 || bt.ndim != 2))
		topi_fail(&b, SB_ERR_INVALID, "A and B must be 2-D (got rank %d, %d)", at.ndim,
			  bt.ndim);
	if (!b.status && ct && ct->ndim > 2)
		topi_fail(&b, SB_ERR_INVALID, "C must have rank <= 2, got %d", ct->ndim);
	tir_buffer *a = topi_input(&b, "A", at), *bb = topi_input(&b, "B", bt);
	tir_buffer *c = ct ? topi_input(&b, "C", *ct) : NULL;
	if (b.status)
		return topi_builder_finish(&b, out);
	tir_expr *m = a->shape[p->trans_a ? 1 : 0], *ka = a->shape[p->trans_a ? 0 : 1];
	tir_expr *kb = bb->shape[p->trans_b ? 1 : 0], *nn = bb->shape[p->trans_b ? 0 : 1];
	require_equal(&b, ka, kb, "inner dims");
	tir_expr *shape[2] = {m, nn};
	for (int i = 0; c && i < c->ndim; i++) {
		tir_expr *cd = c->shape[i], *t = shape[2 - c->ndim + i];
		topi_require(&b, tir_or(ctx, tir_eq(ctx, cd, tir_int(ctx, 1)), tir_eq(ctx, cd, t)),
			     "C dim %d does not broadcast to the output", i);
	}
	tir_buffer *y = topi_output(&b, "Y", at.dtype, 2, shape);
	sb_dtype cdt = product_dtype(at.dtype);
	bool plain = p->alpha == 1.0 && (!c || p->beta == 0.0) && cdt == at.dtype;
	tir_buffer *acc = plain ? y : topi_temp(&b, "acc", cdt, 2, shape);
	if (b.status)
		return topi_builder_finish(&b, out);

	topi_nest n;
	topi_nest_begin(&b, &n, "gemm", 2, y->shape);
	tir_expr *r = topi_nest_reduce_axis(&b, &n, ka);
	tir_expr *ai[2] = {p->trans_a ? r : n.iv[0], p->trans_a ? n.iv[0] : r};
	tir_expr *bi[2] = {p->trans_b ? n.iv[1] : r, p->trans_b ? r : n.iv[1]};
	tir_expr *prod = tir_mul(ctx, topi_convert(&b, topi_load(&b, a, ai), cdt),
				 topi_convert(&b, topi_load(&b, bb, bi), cdt));
	topi_nest_reduce(&b, &n, acc, topi_const(&b, cdt, 0),
			 tir_add(ctx, topi_nest_acc(&b, &n, acc), prod));
	if (acc == y)
		return topi_builder_finish(&b, out);

	/* Y = alpha * acc + beta * C: integers stay exact when alpha and beta
	 * are 1, everything else goes through float64 (as the oracle). */
	topi_nest_begin(&b, &n, "epilogue", 2, y->shape);
	tir_expr *v = tir_load(ctx, acc, 2, n.iv), *cv = NULL;
	if (c)
		cv = topi_broadcast_load(&b, c, 2, y->shape, n.iv);
	bool exact = !sb_dtype_is_float(cdt) && p->alpha == 1.0 && p->beta == 1.0;
	if (exact) {
		if (cv)
			v = tir_add(ctx, v, topi_convert(&b, cv, cdt));
	} else {
		sb_dtype edt = sb_dtype_is_float(cdt) ? cdt : SB_F64;
		v = tir_mul(ctx, topi_const(&b, edt, p->alpha), topi_convert(&b, v, edt));
		if (cv)
			v = tir_add(
			    ctx, v,
			    tir_mul(ctx, topi_const(&b, edt, p->beta), topi_convert(&b, cv, edt)));
	}
	topi_nest_store(&b, &n, y, topi_convert(&b, v, at.dtype));
	return topi_builder_finish(&b, out);
}

/* ---- Einsum ---- */

enum { EIN_LABELS = 52 };

static int ein_label(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return 26 + (ch - 'a');
	return -1;
}

/* Parses one term into labels; false (with an error) on anything but
 * letters and spaces. */
static bool ein_term(topi_builder *b, const char *s, const char *end, int *labels, int *n,
		     const char *what)
{
	*n = 0;
	for (const char *q = s; q < end; q++) {
		if (*q == ' ')
			continue;
		if (*q == '.') {
			topi_fail(b, SB_ERR_UNSUPPORTED, "%s: '...' is not supported", what);
			return false;
		}
		int l = ein_label(*q);
		if (l < 0 || *n == SB_MAX_RANK) {
			topi_fail(b, SB_ERR_INVALID, "%s: '%c' is not a label", what, *q);
			return false;
		}
		labels[(*n)++] = l;
	}
	return true;
}

sb_status topi_einsum(tir_ctx *ctx, const char *name, const char *equation, int nin,
		      const topi_tensor *xs, tir_func **out)
{
	topi_builder b;
	topi_builder_init(&b, ctx, "einsum", name);
	if (!equation)
		equation = "";
	if (nin < 1 || nin > 8)
		topi_fail(&b, SB_ERR_UNSUPPORTED, "takes 1 to 8 operands, got %d", nin);
	int labels[8][SB_MAX_RANK], nl[8] = {0}, olabels[SB_MAX_RANK], no = 0;
	const char *arrow = strstr(equation, "->");
	const char *lhs_end = arrow ? arrow : equation + strlen(equation);
	const char *s = equation;
	int t = 0;
	while (!b.status) {
		const char *comma = memchr(s, ',', (size_t)(lhs_end - s));
		const char *e = comma ? comma : lhs_end;
		if (t >= nin) {
			topi_fail(&b, SB_ERR_INVALID,
				  "equation '%s' has more terms than %d operands", equation, nin);
			break;
		}
		char what[32];
		snprintf(what, sizeof what, "term %d", t);
		ein_term(&b, s, e, labels[t], &nl[t], what);
		t++;
		if (!comma)
			break;
		s = comma + 1;
	}
	if (!b.status && t != nin)
		topi_fail(&b, SB_ERR_INVALID, "equation '%s' has %d terms for %d operands",
			  equation, t, nin);
	int count[EIN_LABELS] = {0};
	for (int i = 0; i < t; i++)
		for (int j = 0; j < nl[i]; j++)
			count[labels[i][j]]++;
	if (!b.status && arrow) {
		ein_term(&b, arrow + 2, arrow + strlen(arrow), olabels, &no, "the output");
		for (int j = 0; j < no && !b.status; j++) {
			if (!count[olabels[j]])
				topi_fail(&b, SB_ERR_INVALID, "output label %d is in no input", j);
			for (int q = 0; q < j; q++)
				if (olabels[q] == olabels[j])
					topi_fail(&b, SB_ERR_INVALID, "output label %d is repeated",
						  j);
		}
	} else if (!b.status) {
		/* implicit: the labels used once, in alphabetical (ASCII) order */
		for (int l = 0; l < EIN_LABELS; l++)
			if (count[l] == 1)
				olabels[no++] = l;
	}
	tir_buffer *in[8];
	for (int i = 0; i < nin && !b.status; i++) {
		char what[32];
		snprintf(what, sizeof what, "operand %d", i);
		product_input(&b, what, xs[i], xs[0].dtype);
		if (!b.status && xs[i].ndim != nl[i])
			topi_fail(&b, SB_ERR_INVALID,
				  "operand %d has rank %d but its term has %d labels", i,
				  xs[i].ndim, nl[i]);
		snprintf(what, sizeof what, "X%d", i);
		in[i] = topi_input(&b, what, xs[i]);
	}
	if (b.status)
		return topi_builder_finish(&b, out);
	/* each label's extent: its occurrences broadcast together */
	tir_expr *extent[EIN_LABELS] = {0};
	for (int i = 0; i < nin; i++)
		for (int j = 0; j < nl[i]; j++) {
			int l = labels[i][j];
			extent[l] =
			    extent[l] ? topi_broadcast_dim(&b, extent[l], in[i]->shape[j], "label")
				      : in[i]->shape[j];
		}
	tir_expr *shape[SB_MAX_RANK];
	for (int j = 0; j < no; j++)
		shape[j] = extent[olabels[j]];
	tir_buffer *y = topi_output(&b, "Y", xs[0].dtype, no, shape);
	sb_dtype cdt = product_dtype(xs[0].dtype);
	tir_buffer *acc = cdt == xs[0].dtype ? y : topi_temp(&b, "acc", cdt, no, shape);
	if (b.status)
		return topi_builder_finish(&b, out);
	topi_nest n;
	topi_nest_begin(&b, &n, "einsum", no, y->shape);
	tir_expr *var[EIN_LABELS] = {0};
	for (int j = 0; j < no; j++)
		var[olabels[j]] = n.iv[j];
	for (int l = 0; l < EIN_LABELS; l++)
		if (count[l] && !var[l]) {
			if (n.nreduce == TOPI_MAX_REDUCE) {
				topi_fail(&b, SB_ERR_UNSUPPORTED, "too many summed labels");
				break;
			}
			var[l] = topi_nest_reduce_axis(&b, &n, extent[l]);
		}
	tir_expr *prod = NULL;
	for (int i = 0; i < nin && !b.status; i++) {
		tir_expr *idx[SB_MAX_RANK];
		for (int j = 0; j < nl[i]; j++)
			idx[j] = topi_broadcast_index(&b, in[i]->shape[j], extent[labels[i][j]],
						      var[labels[i][j]]);
		tir_expr *v = topi_convert(&b, topi_load(&b, in[i], idx), cdt);
		prod = prod ? tir_mul(ctx, prod, v) : v;
	}
	if (n.nreduce == 0 && !b.status) {
		topi_nest_store(&b, &n, acc, prod);
	} else {
		topi_nest_reduce(&b, &n, acc, topi_const(&b, cdt, 0),
				 tir_add(ctx, topi_nest_acc(&b, &n, acc), prod));
	}
	if (acc != y)
		convert_block(&b, acc, y);
	return topi_builder_finish(&b, out);
}
