/* Block patterns, read from a block alone: its iter vars, what it loads
 * and stores, and the shape of its update.  No op names, no annotations:
 * the default schedules and (through them) everything downstream decide
 * from what the loops are.
 *
 *   ELEMWISE   B[i, j] = f(A[i, j], C[i, j])           spatial, same indices
 *   BROADCAST  B[i, j] = A[i, j] + bias[j]             spatial, index subsets
 *   INJECTIVE  B[i, j] = A[j, i]                       spatial, anything else
 *   REDUCTION  S[i] = S[i] + A[i, k]                   reduce iter vars
 *   MATMUL     C[i, j] = C[i, j] + A[i, k] * B[k, j]   (any layout of A, B)
 *   CONV       Y[n, o, y, x] = Y[..] + X[n, c, y + r, x + s] * W[o, c, r, s]
 *              (also a 1x1 window, strided or not: X[n, c, y * 2, x * 2]) */
#include "tir/schedule/schedule.h"

const char *tir_block_pattern_name(tir_block_pattern p)
{
	switch (p) {
	case TIR_PATTERN_ELEMWISE:
		return "elemwise";
	case TIR_PATTERN_BROADCAST:
		return "broadcast";
	case TIR_PATTERN_INJECTIVE:
		return "injective";
	case TIR_PATTERN_REDUCTION:
		return "reduction";
	case TIR_PATTERN_MATMUL:
		return "matmul";
	case TIR_PATTERN_CONV:
		return "conv";
	case TIR_PATTERN_OPAQUE:
		return "opaque";
	}
	return "?";
}

static int iter_index(const tir_block *b, const tir_expr *e)
{
	for (int i = 0; i < b->niters; i++) {
		if (b->iters[i].var == e)
			return i;
	}
	return -1;
}

typedef struct loads {
	int n;
	const tir_expr *v[32];
	bool overflow;
} loads;

static void collect_loads(const tir_expr *e, loads *ls)
{
	if (e->kind == TIR_BUFFER_LOAD) {
		if (ls->n < 32)
			ls->v[ls->n++] = e;
		else
			ls->overflow = true;
		return; /* indices of indices: not followed */
	}
	for (uint32_t i = 0; i < e->nops; i++)
		collect_loads(e->ops[i], ls);
}

/* The loads of e other than of buf, seen through selects (padding) and
 * casts: the operands of a product. */
static const tir_expr *operand_load(const tir_expr *e)
{
	while (e->kind == TIR_CAST)
		e = e->ops[0];
	if (e->kind == TIR_SELECT) {
		/* select(in_bounds, X[...], 0) */
		const tir_expr *t = e->ops[1];
		while (t->kind == TIR_CAST)
			t = t->ops[0];
		return t->kind == TIR_BUFFER_LOAD ? t : NULL;
	}
	return e->kind == TIR_BUFFER_LOAD ? e : NULL;
}

static bool uses_iter_kind(const tir_block *b, const tir_expr *e, tir_iter_kind kind)
{
	for (int i = 0; i < b->niters; i++) {
		if (b->iters[i].kind == kind && tir_expr_uses_var(e, b->iters[i].var))
			return true;
	}
	return false;
}

bool sch_block_mac(const tir_block *b, const tir_expr **x, const tir_expr **y)
{
	const tir_stmt *s = b->body;
	if (s->kind != TIR_STMT_BUFFER_STORE)
		return false;
	const tir_expr *v = s->u.store.value;
	if (v->kind != TIR_ADD)
		return false;
	const tir_expr *self = NULL, *prod = NULL;
	for (int i = 0; i < 2; i++) {
		const tir_expr *o = v->ops[i];
		if (o->kind == TIR_BUFFER_LOAD && o->u.buffer == s->u.store.buffer)
			self = o;
		else
			prod = o;
	}
	if (!self || !prod || prod->kind != TIR_MUL)
		return false;
	for (int i = 0; i < s->u.store.nindices; i++) {
		if (self->ops[i] != s->u.store.indices[i])
			return false;
	}
	*x = operand_load(prod->ops[0]);
	*y = operand_load(prod->ops[1]);
	return *x && *y && (*x)->u.buffer != (*y)->u.buffer;
}

static bool plain_iters(const tir_block *b, const tir_expr *ld)
{
	for (uint32_t d = 0; d < ld->nops; d++) {
		if (iter_index(b, ld->ops[d]) < 0)
			return false;
	}
	return true;
}

static bool has_var(const tir_expr *ld, const tir_expr *v)
{
	for (uint32_t d = 0; d < ld->nops; d++) {
		if (ld->ops[d] == v)
			return true;
	}
	return false;
}

/* An index that mixes a spatial and a reduce iter var: a window (conv). */
static bool has_window_index(const tir_block *b, const tir_expr *ld)
{
	for (uint32_t d = 0; d < ld->nops; d++) {
		if (uses_iter_kind(b, ld->ops[d], TIR_ITER_SPATIAL) &&
		    uses_iter_kind(b, ld->ops[d], TIR_ITER_REDUCE))
			return true;
	}
	return false;
}

/* Does some index of ld use var v (alone or in an expression)? */
static bool index_uses(const tir_expr *ld, const tir_expr *v)
{
	for (uint32_t d = 0; d < ld->nops; d++) {
		if (tir_expr_uses_var(ld->ops[d], v))
			return true;
	}
	return false;
}

/* Y[n, o, y, x] += X[n, c, f(y), g(x)] * W[o, c, ...]: one operand reads
 * the batch and both spatial positions of the output but not its channel,
 * the other reads the channel as an index of its own and none of those,
 * and both read a reduce var.  A window of one element (a 1x1 conv) has
 * no index mixing a spatial and a reduce var. */
static bool is_pointwise_conv(const tir_block *b, const tir_expr *x, const tir_expr *y)
{
	const tir_stmt *s = b->body;
	if (s->u.store.nindices != 4)
		return false;
	tir_expr *const *o = s->u.store.indices;
	for (int k = 0; k < 2; k++) {
		const tir_expr *in = k ? y : x, *w = k ? x : y;
		if (!index_uses(in, o[0]) || !index_uses(in, o[2]) || !index_uses(in, o[3]) ||
		    index_uses(in, o[1]) || !has_var(w, o[1]) || index_uses(w, o[0]) ||
		    index_uses(w, o[2]) || index_uses(w, o[3]))
			continue;
		for (int i = 0; i < b->niters; i++) {
			const tir_expr *v = b->iters[i].var;
			if (b->iters[i].kind == TIR_ITER_REDUCE && index_uses(in, v) && has_var(w, v))
				return true;
		}
	}
	return false;
}

static tir_block_pattern classify_reduction(const tir_block *b)
{
	const tir_expr *x, *y;
	if (!b->init || !sch_block_mac(b, &x, &y))
		return TIR_PATTERN_REDUCTION;
	const tir_stmt *s = b->body;
	int nred = 0;
	for (int i = 0; i < b->niters; i++)
		nred += b->iters[i].kind == TIR_ITER_REDUCE;
	for (int i = 0; i < s->u.store.nindices; i++) {
		int k = iter_index(b, s->u.store.indices[i]);
		if (k < 0 || b->iters[k].kind != TIR_ITER_SPATIAL)
			return TIR_PATTERN_REDUCTION;
	}
	if (nred == 1 && plain_iters(b, x) && plain_iters(b, y)) {
		/* one reduce var in both; a spatial var of each that the other
		 * lacks (i in X, j in Y) */
		bool red_both = false, i_only = false, j_only = false;
		for (int k = 0; k < b->niters; k++) {
			const tir_expr *v = b->iters[k].var;
			bool inx = has_var(x, v), iny = has_var(y, v);
			if (b->iters[k].kind == TIR_ITER_REDUCE)
				red_both = inx && iny;
			else if (inx && !iny)
				i_only = true;
			else if (iny && !inx)
				j_only = true;
		}
		if (red_both && i_only && j_only)
			return TIR_PATTERN_MATMUL;
	}
	if (nred >= 2 && s->u.store.nindices >= 3 &&
	    (has_window_index(b, x) || has_window_index(b, y)))
		return TIR_PATTERN_CONV;
	if (is_pointwise_conv(b, x, y))
		return TIR_PATTERN_CONV;
	return TIR_PATTERN_REDUCTION;
}

tir_block_pattern tir_block_classify(const tir_block *b)
{
	for (int i = 0; i < b->niters; i++) {
		if (b->iters[i].kind == TIR_ITER_REDUCE)
			return classify_reduction(b);
	}
	if (b->init)
		return TIR_PATTERN_OPAQUE;
	const tir_stmt *s = b->body;
	if (s->kind != TIR_STMT_BUFFER_STORE)
		return TIR_PATTERN_OPAQUE;
	/* the store at distinct iter vars */
	int pos[32];
	int n = s->u.store.nindices;
	if (n > 32)
		return TIR_PATTERN_INJECTIVE;
	for (int i = 0; i < b->niters && i < 32; i++)
		pos[i] = -1;
	for (int d = 0; d < n; d++) {
		int k = iter_index(b, s->u.store.indices[d]);
		if (k < 0 || k >= 32 || pos[k] >= 0)
			return TIR_PATTERN_INJECTIVE;
		pos[k] = d;
	}
	loads ls = {0};
	collect_loads(s->u.store.value, &ls);
	if (ls.overflow)
		return TIR_PATTERN_INJECTIVE;
	tir_block_pattern p = TIR_PATTERN_ELEMWISE;
	for (int l = 0; l < ls.n; l++) {
		const tir_expr *ld = ls.v[l];
		bool same = (int)ld->nops == n;
		for (uint32_t d = 0; d < ld->nops && same; d++)
			same = ld->ops[d] == s->u.store.indices[d];
		if (same)
			continue;
		/* a broadcast: iter vars (or constants) in increasing store
		 * position, as numpy aligns dims from the right */
		int last = -1;
		bool bcast = true;
		for (uint32_t d = 0; d < ld->nops && bcast; d++) {
			const tir_expr *ix = ld->ops[d];
			if (ix->kind == TIR_INT_IMM)
				continue;
			int k = iter_index(b, ix);
			bcast = k >= 0 && pos[k] > last;
			if (bcast)
				last = pos[k];
		}
		if (!bcast)
			return TIR_PATTERN_INJECTIVE;
		p = TIR_PATTERN_BROADCAST;
	}
	return p;
}
