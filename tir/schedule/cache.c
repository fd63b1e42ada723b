/* cache_read and cache_write: a copy of a buffer into (out of) a new
 * buffer of another scope, with a copy block next to the user's loop nest.
 *
 *   for (i, ..) { for (j, ..) { for (k, ..) { block C ... C[vi, vj] = C[vi, vj] + .. } } }
 *   cache_write(C, 0, "local") ->
 *   alloc C_local: Buffer(float32, [m, n], scope="local") {
 *     for (i, ..) { ... block C ... C_local[vi, vj] = C_local[vi, vj] + .. }
 *     for (ax0, 0, m) { for (ax1, 0, n) {
 *       block C_local(v0 = ax0, v1 = ax1) { C[v0, v1] = C_local[v0, v1] } } }
 *   }
 *
 * The copy covers the region the block touches over its whole loop nest;
 * compute_at / reverse_compute_at then move the copy under a tile loop, and
 * compact_buffers shrinks the new buffer to the tile. */
#include <stdio.h>
#include <stdlib.h>

#include "tir/schedule/schedule.h"

typedef struct name_env {
	const char *name;
	bool found;
} name_env;

static bool name_pre(tir_stmt *s, void *env)
{
	name_env *ne = env;
	if (s->kind == TIR_STMT_BLOCK_REALIZE && !strcmp(s->u.realize.block->name, ne->name))
		ne->found = true;
	return !ne->found;
}

/* base, or base_1, base_2 ... : a block name not used in the function. */
static const char *unique_block_name(tir_schedule *sch, const char *base)
{
	char name[256];
	snprintf(name, sizeof name, "%.200s", base);
	for (int i = 1;; i++) {
		name_env ne = {name, false};
		tir_stmt_walk(sch->func->body, name_pre, NULL, &ne);
		if (!ne.found)
			return tir_intern(sch->ctx, name);
		snprintf(name, sizeof name, "%.200s_%d", base, i);
	}
}

/* A block copying region [lo, hi] of the global buffer g (its original
 * layout) to or from the cache c, whose dim e is g's dim perm[e]; its
 * loops follow c's dims, so the cache side is written or read in order. */
static tir_stmt *copy_nest(tir_ctx *ctx, tir_analyzer *an, const char *name, tir_buffer *g,
			   tir_buffer *c, const int *perm, bool to_cache, const sch_interval *iv)
{
	int nd = g->ndim;
	tir_iter_var *iters = SB_ARENA_ARRAY(&ctx->arena, tir_iter_var, nd ? nd : 1);
	tir_expr **lv = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, nd ? nd : 1);
	tir_expr **vals = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, nd ? nd : 1);
	tir_expr **ext = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, nd ? nd : 1);
	for (int d = 0; d < nd; d++) {
		char nm[32];
		snprintf(nm, sizeof nm, "v%d", d);
		tir_type t = g->shape[d]->type;
		iters[d].var = tir_var(ctx, nm, t);
		iters[d].dom.min = tir_imm_int(ctx, t, 0);
		iters[d].dom.extent = g->shape[d];
		iters[d].kind = TIR_ITER_SPATIAL;
		snprintf(nm, sizeof nm, "ax%d", d);
		lv[d] = tir_var(ctx, nm, t);
		ext[d] = tir_simplify(ctx, an,
				      tir_add(ctx, tir_sub(ctx, iv[d].hi, iv[d].lo),
					      tir_imm_int(ctx, t, 1)));
		if (tir_expr_is_const(ext[d], 1)) {
			lv[d] = NULL; /* no loop of one iteration */
			vals[d] = tir_simplify(ctx, an, iv[d].lo);
		} else {
			vals[d] = tir_simplify(ctx, an, tir_add(ctx, iv[d].lo, lv[d]));
		}
	}
	/* The region may overhang the buffer where the user's loops have a
	 * guarded tail: the copy keeps to the buffer. */
	size_t mark = tir_analyzer_mark(an);
	for (int d = 0; d < nd; d++) {
		if (lv[d])
			tir_analyzer_bind_range(an, lv[d], tir_imm_int(ctx, lv[d]->type, 0), ext[d]);
	}
	tir_expr *pred = tir_bool(ctx, true);
	for (int d = 0; d < nd; d++) {
		tir_type t = g->shape[d]->type;
		pred = sch_domain_guard(ctx, an, pred, vals[d], tir_imm_int(ctx, t, 0),
					g->shape[d]);
	}
	pred = tir_simplify(ctx, an, pred);
	tir_analyzer_restore(an, mark);
	tir_expr **gx = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, nd ? nd : 1);
	tir_expr **cx = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, nd ? nd : 1);
	for (int d = 0; d < nd; d++) {
		gx[d] = iters[d].var;
		cx[d] = iters[perm[d]].var;
	}
	tir_stmt *body = to_cache ? tir_store(ctx, c, tir_load(ctx, g, nd, gx), nd, cx)
				  : tir_store(ctx, g, tir_load(ctx, c, nd, cx), nd, gx);
	tir_block *blk = tir_block_new(ctx, name, nd, iters, body);
	sch_block_infer_regions(ctx, blk);
	tir_stmt *s = tir_block_realize(ctx, blk, vals, pred);
	for (int e = nd - 1; e >= 0; e--) {
		int d = perm[e];
		if (lv[d])
			s = tir_for(ctx, lv[d], tir_imm_int(ctx, lv[d]->type, 0), ext[d],
				    TIR_FOR_SERIAL, s);
	}
	return s;
}

typedef struct permute_env {
	tir_buffer *from, *to;
	const int *perm;
} permute_env;

static tir_expr *permute_load(tir_ctx *ctx, tir_expr *e, void *env)
{
	permute_env *pe = env;
	if (e->kind != TIR_BUFFER_LOAD || e->u.buffer != pe->from)
		return NULL;
	tir_expr *ix[32];
	for (uint32_t d = 0; d < e->nops; d++)
		ix[d] = e->ops[pe->perm[d]];
	return tir_load(ctx, pe->to, (int)e->nops, ix);
}

static tir_expr *permute_expr(sch_mapper *m, tir_expr *e)
{
	return tir_expr_rewrite(m->ctx, e, permute_load, m->env);
}

static tir_stmt *permute_store(sch_mapper *m, tir_stmt *s)
{
	permute_env *pe = m->env;
	if (s->u.store.buffer != pe->from)
		return s;
	tir_expr *ix[32];
	for (int d = 0; d < s->u.store.nindices; d++)
		ix[d] = s->u.store.indices[pe->perm[d]];
	return tir_store(m->ctx, pe->to, s->u.store.value, s->u.store.nindices, ix);
}

typedef struct touch_env {
	const tir_buffer *buf;
	const tir_block *self;
	const tir_block *found;
} touch_env;

static bool touch_pre(tir_stmt *s, void *env)
{
	touch_env *te = env;
	if (te->found)
		return false;
	if (s->kind != TIR_STMT_BLOCK_REALIZE)
		return true;
	const tir_block *b = s->u.realize.block;
	if (b != te->self &&
	    (sch_stmt_reads(b->body, te->buf) || sch_stmt_writes(b->body, te->buf) ||
	     sch_stmt_reads(b->init, te->buf) || sch_stmt_writes(b->init, te->buf)))
		te->found = b;
	return false;
}

static sb_status cache(tir_schedule *sch, tir_sch_block *bh, int index, const char *scope,
		       const int *perm_in, tir_sch_block **out, bool write)
{
	tir_ctx *ctx = sch->ctx;
	const char *P = write ? "cache_write" : "cache_read";
	sch_path p;
	sb_status st = sch_block_path(sch, P, bh, &p);
	if (st)
		return st;
	const tir_stmt *rs = p.node[p.n - 1];
	const tir_block *b = rs->u.realize.block;
	if ((st = sch_check_not_opaque(sch->func, P, b)))
		return st;
	int n = write ? b->nwrites : b->nreads;
	if (index < 0 || index >= n)
		return sb_set_error(SB_ERR_INVALID,
				    "%s: block %s has %d %s buffer%s; index %d is out of range", P,
				    b->name, n, write ? "written" : "read", n == 1 ? "" : "s", index);
	tir_buffer *buf = write ? b->writes[index].buffer : b->reads[index].buffer;
	if (!scope || !*scope)
		return sb_set_error(SB_ERR_INVALID, "%s: no scope given", P);
	int perm[32];
	if (buf->ndim > 32)
		return sb_set_error(SB_ERR_UNSUPPORTED, "%s: %s has too many dimensions", P,
				    buf->name);
	for (int d = 0; d < buf->ndim; d++) {
		perm[d] = perm_in ? perm_in[d] : d;
		bool dup = false;
		for (int e = 0; e < d; e++)
			dup |= perm[e] == perm[d];
		if (perm[d] < 0 || perm[d] >= buf->ndim || dup)
			return sb_set_error(SB_ERR_INVALID,
					    "%s: the layout is not a permutation of the %d dims of %s",
					    P, buf->ndim, buf->name);
	}
	/* The loop nest the copy goes next to: the outermost loop above b. */
	int top = p.n - 1;
	for (int d = 0; d < p.n - 1; d++) {
		if (p.node[d]->kind == TIR_STMT_FOR) {
			top = d;
			break;
		}
	}
	touch_env te = {buf, b, NULL};
	tir_stmt_walk(p.node[top], touch_pre, NULL, &te);
	if (te.found)
		return sb_set_error(SB_ERR_UNSUPPORTED,
				    "%s: block %s in the loop nest of block %s also uses %s", P,
				    te.found->name, b->name, buf->name);
	/* The region b touches over its whole loop nest. */
	tir_analyzer *an = sch_analyzer_for_path(ctx, &p, top);
	sch_dom dom;
	sch_dom_init(&dom);
	for (int d = top; d < p.n - 1; d++) {
		const tir_stmt *s = p.node[d];
		if (s->kind == TIR_STMT_FOR)
			sch_dom_add(&dom, s->u.loop.var, s->u.loop.min, s->u.loop.extent);
	}
	int nd = buf->ndim;
	sch_interval *iv = SB_ARENA_ARRAY(&ctx->arena, sch_interval, nd ? nd : 1);
	bool ok = true;
	sch_realize_region(ctx, an, rs, buf, !write, &dom, iv, &ok);
	sch_dom_free(&dom);
	for (int d = 0; d < nd && ok; d++)
		ok = iv[d].lo != NULL;
	if (!ok) {
		tir_analyzer_free(an);
		return sb_set_error(SB_ERR_UNSUPPORTED, "%s: cannot bound the region of %s block %s %s",
				    P, buf->name, b->name, write ? "writes" : "reads");
	}
	char name[256];
	snprintf(name, sizeof name, "%.120s_%.120s", buf->name, scope);
	tir_expr **shape = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, nd ? nd : 1);
	for (int d = 0; d < nd; d++)
		shape[d] = buf->shape[perm[d]];
	tir_buffer *nb = tir_buffer_new(ctx, name, buf->dtype, nd, shape);
	nb->scope = tir_intern(ctx, scope);
	const char *bname = unique_block_name(sch, name);
	tir_stmt *copy = copy_nest(ctx, an, bname, buf, nb, perm, !write, iv);
	tir_analyzer_free(an);
	/* b uses the new buffer. */
	permute_env pe = {buf, nb, perm};
	sch_mapper m = {.ctx = ctx, .expr = permute_expr, .store = permute_store, .env = &pe};
	tir_block *nblk = sch_block_copy(ctx, b);
	nblk->init = sch_stmt_map(&m, b->init);
	nblk->body = sch_stmt_map(&m, b->body);
	sch_block_infer_regions(ctx, nblk);
	sch_path q = p;
	tir_stmt *body = sch_path_replace(
	    ctx, &q, p.n - 1, tir_block_realize(ctx, nblk, rs->u.realize.values, rs->u.realize.predicate));
	SB_ASSERT(sch_find_block_ptr(body, nblk, &q));
	tir_stmt *nest = q.node[top];
	tir_stmt *parts[2] = {write ? nest : copy, write ? copy : nest};
	body = sch_path_replace(ctx, &q, top, tir_allocate(ctx, nb, tir_seq(ctx, 2, parts)));
	sch_commit(sch, body, P);
	*out = sch_block_handle(sch, bname);
	if (perm_in) {
		sb_strbuf ps = {0};
		for (int d = 0; d < nd; d++)
			sb_strbuf_printf(&ps, "%s%d", d ? ", " : "", perm[d]);
		sch_trace(sch, "%s = %s(%s, %d, \"%s\", layout=[%s])", (*out)->name, P, bh->name,
			  index, scope, ps.data ? ps.data : "");
		sb_strbuf_free(&ps);
	} else {
		sch_trace(sch, "%s = %s(%s, %d, \"%s\")", (*out)->name, P, bh->name, index, scope);
	}
	return SB_OK;
}

sb_status tir_schedule_cache_read(tir_schedule *sch, tir_sch_block *b, int read_index,
				  const char *scope, tir_sch_block **out)
{
	return cache(sch, b, read_index, scope, NULL, out, false);
}

sb_status tir_schedule_cache_read_layout(tir_schedule *sch, tir_sch_block *b, int read_index,
					 const char *scope, const int *perm, tir_sch_block **out)
{
	if (!perm)
		return sb_set_error(SB_ERR_INVALID, "cache_read: no layout given");
	return cache(sch, b, read_index, scope, perm, out, false);
}

sb_status tir_schedule_cache_write(tir_schedule *sch, tir_sch_block *b, int write_index,
				   const char *scope, tir_sch_block **out)
{
	return cache(sch, b, write_index, scope, NULL, out, true);
}

sb_status tir_schedule_cache_write_layout(tir_schedule *sch, tir_sch_block *b, int write_index,
					  const char *scope, const int *perm, tir_sch_block **out)
{
	if (!perm)
		return sb_set_error(SB_ERR_INVALID, "cache_write: no layout given");
	return cache(sch, b, write_index, scope, perm, out, true);
}
