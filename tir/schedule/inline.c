/* compute_inline and reverse_compute_inline: removing a block by moving
 * its computation into the blocks on the other side of the buffer between
 * them.
 *
 *   block T(vi, vj) { T[vi, vj] = exp(A[vi, vj]) }
 *   block D(ui, uj) { D[ui, uj] = T[ui, uj] + Bias[uj] }
 *   compute_inline(T) ->
 *   block D(ui, uj) { D[ui, uj] = exp(A[ui, uj]) + Bias[uj] }
 *
 * reverse_compute_inline(D) on the same pair leaves T computing
 * D[vi, vj] = exp(A[vi, vj]) + Bias[vj].  Either way the buffer between
 * must be an intermediate (not a parameter), written by one block, whole,
 * one element per iteration. */
#include <stdlib.h>

#include "tir/schedule/schedule.h"

/* perm[d] = the iter var index the store's index d is, if every index is a
 * distinct iter var and every iter var is one of them. */
static bool indices_are_iters(const tir_block *b, int n, tir_expr *const *ix, int *perm)
{
	if (n != b->niters)
		return false;
	for (int d = 0; d < n; d++) {
		perm[d] = -1;
		for (int k = 0; k < b->niters; k++) {
			if (ix[d] == b->iters[k].var)
				perm[d] = k;
		}
		if (perm[d] < 0)
			return false;
		for (int e = 0; e < d; e++) {
			if (perm[e] == perm[d])
				return false;
		}
	}
	return true;
}

/* Do the iter domains (through perm) cover the whole buffer? */
static bool covers_buffer(tir_ctx *ctx, const tir_block *b, const int *perm, const tir_buffer *buf)
{
	for (int d = 0; d < buf->ndim; d++) {
		const tir_iter_var *iv = &b->iters[perm[d]];
		if (!tir_can_prove_equal(ctx, NULL, iv->dom.min, tir_int(ctx, 0)) ||
		    !tir_can_prove_equal(ctx, NULL, iv->dom.extent, buf->shape[d]))
			return false;
	}
	return true;
}

static bool has_reduction(const tir_block *b)
{
	if (b->init)
		return true;
	for (int i = 0; i < b->niters; i++) {
		if (b->iters[i].kind == TIR_ITER_REDUCE)
			return true;
	}
	return false;
}

static bool block_stores(const tir_block *b, const tir_buffer *buf)
{
	return sch_stmt_writes(b->init, buf) || sch_stmt_writes(b->body, buf);
}
static bool block_loads(const tir_block *b, const tir_buffer *buf)
{
	return sch_stmt_reads(b->init, buf) || sch_stmt_reads(b->body, buf);
}

/* ---- compute_inline ---- */

typedef struct inline_env {
	const tir_block *producer;
	const tir_buffer *buf;
	const int *perm;
	tir_expr *value;
} inline_env;

static tir_expr *inline_load(tir_ctx *ctx, tir_expr *e, void *env)
{
	inline_env *ie = env;
	if (e->kind != TIR_BUFFER_LOAD || e->u.buffer != ie->buf)
		return NULL;
	int n = ie->producer->niters;
	tir_expr *vars[16], *vals[16];
	for (int d = 0; d < n; d++) {
		vars[d] = ie->producer->iters[ie->perm[d]].var;
		vals[d] = e->ops[d];
	}
	return tir_substitute(ctx, ie->value, n, vars, vals);
}

static tir_expr *inline_expr(sch_mapper *m, tir_expr *e)
{
	return tir_expr_rewrite(m->ctx, e, inline_load, m->env);
}

static tir_stmt *inline_realize(sch_mapper *m, tir_stmt *s)
{
	inline_env *ie = m->env;
	const tir_block *b = s->u.realize.block;
	bool listed = false;
	for (int i = 0; i < b->nreads; i++)
		listed |= b->reads[i].buffer == ie->buf;
	if (!listed || b == ie->producer)
		return s;
	tir_block *nb = sch_block_copy(m->ctx, b);
	sch_block_infer_regions(m->ctx, nb);
	return tir_block_realize(m->ctx, nb, s->u.realize.values, s->u.realize.predicate);
}

sb_status tir_schedule_compute_inline(tir_schedule *sch, tir_sch_block *bh)
{
	tir_ctx *ctx = sch->ctx;
	const char *P = "compute_inline";
	sch_path p;
	sb_status st = sch_block_path(sch, P, bh, &p);
	if (st)
		return st;
	tir_stmt *rs = p.node[p.n - 1];
	const tir_block *b = rs->u.realize.block;
	if ((st = sch_check_not_opaque(sch->func, P, b)))
		return st;
	if (has_reduction(b))
		return sb_set_error(SB_ERR_INVALID, "%s: block %s has a reduction", P, b->name);
	if (b->body->kind != TIR_STMT_BUFFER_STORE)
		return sb_set_error(SB_ERR_INVALID, "%s: the body of block %s is not a single store",
				    P, b->name);
	const tir_stmt *store = b->body;
	tir_buffer *buf = store->u.store.buffer;
	int perm[16];
	if (b->niters > 16 ||
	    !indices_are_iters(b, store->u.store.nindices, store->u.store.indices, perm))
		return sb_set_error(SB_ERR_INVALID,
				    "%s: block %s does not store %s at its iter vars (one each)", P,
				    b->name, buf->name);
	if (sch_buffer_is_param(sch->func, buf))
		return sb_set_error(SB_ERR_INVALID, "%s: block %s writes %s, a parameter of @%s",
				    P, b->name, buf->name, sch->func->name);
	if (block_loads(b, buf))
		return sb_set_error(SB_ERR_INVALID, "%s: block %s reads the buffer %s it writes",
				    P, b->name, buf->name);
	if (!tir_expr_is_const(rs->u.realize.predicate, 1))
		return sb_set_error(SB_ERR_INVALID,
				    "%s: block %s has a predicate; inline it before splitting its "
				    "loops",
				    P, b->name);
	if (!covers_buffer(ctx, b, perm, buf))
		return sb_set_error(SB_ERR_INVALID, "%s: block %s does not write all of %s", P,
				    b->name, buf->name);
	tir_stmt **all;
	int nall = sch_collect_realizes(sch->func->body, &all);
	for (int i = 0; i < nall; i++) {
		const tir_block *o = all[i]->u.realize.block;
		if (o != b && block_stores(o, buf)) {
			free(all);
			return sb_set_error(SB_ERR_INVALID, "%s: %s is also written by block %s", P,
					    buf->name, o->name);
		}
	}
	free(all);
	inline_env ie = {b, buf, perm, store->u.store.value};
	sch_mapper m = {.ctx = ctx, .expr = inline_expr, .realize = inline_realize, .env = &ie};
	tir_stmt *body = sch_stmt_map(&m, sch->func->body);
	sch_path q;
	SB_ASSERT(sch_find_block(body, b->name, &q));
	body = sch_path_replace(ctx, &q, q.n - 1, NULL);
	body = sch_drop_unused_allocs(ctx, body);
	sch_commit(sch, body, P);
	sch_trace(sch, "compute_inline(%s)", bh->name);
	return SB_OK;
}

/* ---- reverse_compute_inline ---- */

typedef struct load_scan {
	SB_VEC(const tir_expr *) loads;
} load_scan;

static void scan_loads(const tir_expr *e, load_scan *ls)
{
	if (e->kind == TIR_BUFFER_LOAD)
		sb_vec_push(&ls->loads, e);
	for (uint32_t i = 0; i < e->nops; i++)
		scan_loads(e->ops[i], ls);
}

typedef struct rinline_env {
	const tir_buffer *buf;
	tir_expr *value;
} rinline_env;

static tir_expr *rinline_load(tir_ctx *ctx, tir_expr *e, void *env)
{
	(void)ctx;
	rinline_env *re = env;
	if (e->kind != TIR_BUFFER_LOAD || e->u.buffer != re->buf)
		return NULL;
	return re->value;
}

sb_status tir_schedule_reverse_compute_inline(tir_schedule *sch, tir_sch_block *bh)
{
	tir_ctx *ctx = sch->ctx;
	const char *P = "reverse_compute_inline";
	sch_path p;
	sb_status st = sch_block_path(sch, P, bh, &p);
	if (st)
		return st;
	tir_stmt *rs = p.node[p.n - 1];
	const tir_block *c = rs->u.realize.block;
	if ((st = sch_check_not_opaque(sch->func, P, c)))
		return st;
	if (has_reduction(c))
		return sb_set_error(SB_ERR_INVALID, "%s: block %s has a reduction", P, c->name);
	if (c->body->kind != TIR_STMT_BUFFER_STORE)
		return sb_set_error(SB_ERR_INVALID, "%s: the body of block %s is not a single store",
				    P, c->name);
	if (!tir_expr_is_const(rs->u.realize.predicate, 1))
		return sb_set_error(SB_ERR_INVALID,
				    "%s: block %s has a predicate; inline it before splitting its "
				    "loops",
				    P, c->name);
	const tir_stmt *store = c->body;
	tir_stmt **all;
	int nall = sch_collect_realizes(sch->func->body, &all);
	load_scan ls = {0};
	scan_loads(store->u.store.value, &ls);
	for (int i = 0; i < store->u.store.nindices; i++)
		scan_loads(store->u.store.indices[i], &ls);
	/* The buffer read from a producer in this function. */
	tir_buffer *buf = NULL;
	int pi = -1;
	st = SB_OK;
	for (size_t k = 0; k < ls.loads.len && !st; k++) {
		tir_buffer *lb = ls.loads.data[k]->u.buffer;
		if (lb == buf)
			continue;
		for (int i = 0; i < nall; i++) {
			const tir_block *o = all[i]->u.realize.block;
			if (o == c || !block_stores(o, lb))
				continue;
			if (buf && buf != lb) {
				st = sb_set_error(SB_ERR_UNSUPPORTED,
						  "%s: block %s reads %s and %s, both produced in @%s", P,
						  c->name, buf->name, lb->name, sch->func->name);
				break;
			}
			if (buf && pi != i) {
				st = sb_set_error(SB_ERR_INVALID,
						  "%s: %s is written by blocks %s and %s", P, lb->name,
						  all[pi]->u.realize.block->name, o->name);
				break;
			}
			buf = lb;
			pi = i;
		}
	}
	if (!st && !buf)
		st = sb_set_error(SB_ERR_INVALID, "%s: block %s reads no buffer produced in @%s", P,
				  c->name, sch->func->name);
	int perm[16];
	for (size_t k = 0; k < ls.loads.len && !st; k++) {
		const tir_expr *ld = ls.loads.data[k];
		if (ld->u.buffer != buf)
			continue;
		if (c->niters > 16 || !indices_are_iters(c, (int)ld->nops, ld->ops, perm))
			st = sb_set_error(SB_ERR_INVALID,
					  "%s: block %s does not read %s at its iter vars (one each)",
					  P, c->name, buf->name);
	}
	const tir_block *pb = buf && !st ? all[pi]->u.realize.block : NULL;
	if (!st && !covers_buffer(ctx, c, perm, buf))
		st = sb_set_error(SB_ERR_INVALID, "%s: block %s does not read all of %s", P,
				  c->name, buf->name);
	if (!st && sch_buffer_is_param(sch->func, buf))
		st = sb_set_error(SB_ERR_INVALID, "%s: %s is a parameter of @%s", P, buf->name,
				  sch->func->name);
	for (int i = 0; i < nall && !st; i++) {
		const tir_block *o = all[i]->u.realize.block;
		if (o != c && o != pb && block_loads(o, buf))
			st = sb_set_error(SB_ERR_INVALID, "%s: %s is also read by block %s", P,
					  buf->name, o->name);
	}
	if (!st)
		st = sch_check_not_opaque(sch->func, P, pb);
	if (!st && has_reduction(pb))
		st = sb_set_error(SB_ERR_INVALID, "%s: the producer %s of %s is a reduction", P,
				  pb->name, buf->name);
	if (!st && (pb->body->kind != TIR_STMT_BUFFER_STORE || pb->body->u.store.buffer != buf))
		st = sb_set_error(SB_ERR_INVALID, "%s: the body of the producer %s is not a single "
				  "store to %s",
				  P, pb->name, buf->name);
	if (!st && block_loads(pb, buf))
		st = sb_set_error(SB_ERR_INVALID, "%s: the producer %s reads %s", P, pb->name,
				  buf->name);
	/* What the consumer reads besides buf must be ready where the producer
	 * runs: not written by a block between them. */
	for (size_t k = 0; k < ls.loads.len && !st; k++) {
		tir_buffer *lb = ls.loads.data[k]->u.buffer;
		if (lb == buf)
			continue;
		for (int i = pi + 1; i < nall && !st; i++) {
			const tir_block *o = all[i]->u.realize.block;
			if (o != c && block_stores(o, lb))
				st = sb_set_error(SB_ERR_INVALID,
						  "%s: block %s reads %s, written by block %s after "
						  "the producer %s",
						  P, c->name, lb->name, o->name, pb->name);
		}
	}
	sb_vec_free(&ls.loads);
	if (st) {
		free(all);
		return st;
	}
	/* The consumer's iter vars, in terms of the producer's: the indices
	 * the producer stores buf at. */
	const tir_stmt *pstore = pb->body;
	tir_expr *vars[16], *vals[16];
	for (int d = 0; d < buf->ndim; d++) {
		vars[d] = c->iters[perm[d]].var;
		vals[d] = pstore->u.store.indices[d];
	}
	rinline_env re = {buf, pstore->u.store.value};
	tir_expr *value = tir_expr_rewrite(ctx, store->u.store.value, rinline_load, &re);
	value = tir_substitute(ctx, value, buf->ndim, vars, vals);
	int ni = store->u.store.nindices;
	tir_expr **ix = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, ni ? ni : 1);
	for (int d = 0; d < ni; d++)
		ix[d] = tir_substitute(ctx, store->u.store.indices[d], buf->ndim, vars, vals);
	tir_block *nb = sch_block_copy(ctx, pb);
	nb->body = tir_store(ctx, store->u.store.buffer, value, ni, ix);
	sch_block_infer_regions(ctx, nb);
	sch_path q;
	SB_ASSERT(sch_find_block_ptr(sch->func->body, pb, &q));
	tir_stmt *prs = q.node[q.n - 1];
	tir_stmt *body = sch_path_replace(
	    ctx, &q, q.n - 1,
	    tir_block_realize(ctx, nb, prs->u.realize.values, prs->u.realize.predicate));
	SB_ASSERT(sch_find_block(body, c->name, &q));
	body = sch_path_replace(ctx, &q, q.n - 1, NULL);
	body = sch_drop_unused_allocs(ctx, body);
	free(all);
	sch_commit(sch, body, P);
	sch_trace(sch, "reverse_compute_inline(%s)", bh->name);
	return SB_OK;
}
