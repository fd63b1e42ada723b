/* compact_buffers: every Allocate of an intermediate buffer moves down to
 * the innermost statement that holds all its uses, and the buffer shrinks
 * to the region one execution of that statement touches; accesses are
 * rebased by the region's start (an expression of the loops above).
 *
 *   alloc C_local: Buffer(float32, [m, n]) {
 *     for (i_0) { for (j_0) {
 *       for (i_1, 0, 6) { for (j_1, 0, 16) { block C_init ... C_local[vi, vj] = 0 } }
 *       for (k) { ... C_local[vi, vj] = C_local[vi, vj] + ... }
 *       for (ax0, 0, 6) { for (ax1, 0, 16) { block C_local ... C[v0, v1] = C_local[v0, v1] } }
 *     } }
 *   }
 *   ->
 *   for (i_0) { for (j_0) {
 *     alloc C_local: Buffer(float32, [6, 16]) { ... C_local[vi - i_0 * 6, vj - j_0 * 16] ... }
 *   } }
 *
 * Moving an allocation into a loop gives each iteration its own buffer,
 * which is right only when every element an iteration reads was written in
 * that iteration first: by a block that only writes the buffer (an init, a
 * copy) or by a reduction whose whole reduction runs inside.  The deepest
 * statement where that holds is chosen.  Blocks then name loop variables,
 * so this is a schedule's last step. */
#include <stdlib.h>

#include "tir/schedule/schedule.h"

typedef struct use_env {
	tir_ctx *ctx;
	tir_analyzer *an;
	const tir_buffer *buf;
	const tir_stmt *scope; /* the candidate statement */
	sch_interval *reads, *covered, *all;
	bool ok;
	bool any_read, any_cover; /* a 0-d buffer has no intervals to tell */
} use_env;

static bool loads_buf(const tir_block *b, const tir_buffer *buf)
{
	return sch_stmt_reads(b->body, buf) || sch_stmt_reads(b->init, buf);
}

static bool writes_buf(const tir_block *b, const tir_buffer *buf)
{
	return sch_stmt_writes(b->body, buf) || sch_stmt_writes(b->init, buf);
}

/* Does every loop binding a reduce iter var of the block lie in dom (the
 * loops inside the candidate)? */
static bool reduction_inside(const tir_stmt *rs, const sch_dom *dom, const sch_path *above)
{
	const tir_block *b = rs->u.realize.block;
	for (int i = 0; i < b->niters; i++) {
		if (b->iters[i].kind != TIR_ITER_REDUCE)
			continue;
		for (int d = 0; d < above->n; d++) {
			const tir_stmt *s = above->node[d];
			if (s->kind == TIR_STMT_FOR &&
			    tir_expr_uses_var(rs->u.realize.values[i], s->u.loop.var) &&
			    !sb_map_get(&dom->index, (uintptr_t)s->u.loop.var, NULL))
				return false;
		}
	}
	return true;
}

typedef struct visit_env {
	use_env *u;
	const sch_path *above;
} visit_env;

static void use_visit(const tir_stmt *rs, const sch_dom *dom, void *env)
{
	visit_env *ve = env;
	use_env *u = ve->u;
	const tir_block *b = rs->u.realize.block;
	bool w = writes_buf(b, u->buf), r = loads_buf(b, u->buf);
	if (!w && !r)
		return;
	int nd = u->buf->ndim;
	sch_interval *wr = sb_xcalloc((size_t)(nd ? nd : 1), sizeof *wr);
	sch_interval *rd = sb_xcalloc((size_t)(nd ? nd : 1), sizeof *rd);
	bool ok = true;
	if (w)
		sch_realize_region(u->ctx, u->an, rs, u->buf, false, dom, wr, &ok);
	if (r && !w)
		sch_realize_region(u->ctx, u->an, rs, u->buf, true, dom, rd, &ok);
	for (int d = 0; d < nd && ok; d++)
		ok = (!w || wr[d].lo) && (w || !r || rd[d].lo);
	if (!ok) {
		u->ok = false;
		free(wr);
		free(rd);
		return;
	}
	/* An update reads what it writes. */
	sch_interval *read_part = w ? wr : rd;
	bool covering = w && (!r || (b->init && reduction_inside(rs, dom, ve->above)));
	u->any_read |= r;
	u->any_cover |= covering;
	for (int d = 0; d < nd; d++) {
		sch_interval *acc[3] = {&u->all[d], r ? &u->reads[d] : NULL,
					covering ? &u->covered[d] : NULL};
		sch_interval *src[3] = {w ? &wr[d] : &rd[d], &read_part[d], &wr[d]};
		for (int k = 0; k < 3; k++) {
			if (!acc[k])
				continue;
			if (!acc[k]->lo) {
				*acc[k] = *src[k];
			} else {
				acc[k]->lo = tir_simplify(u->ctx, u->an,
							  tir_min(u->ctx, acc[k]->lo, src[k]->lo));
				acc[k]->hi = tir_simplify(u->ctx, u->an,
							  tir_max(u->ctx, acc[k]->hi, src[k]->hi));
			}
		}
	}
	free(wr);
	free(rd);
}

/* The uses of buf under node[depth] of p: all touched (all), and whether
 * every element read is first written there.  False if a region cannot
 * be bounded. */
static bool scope_uses(tir_ctx *ctx, const sch_path *p, int depth, const tir_buffer *buf,
		       sch_interval *all, bool *self_contained)
{
	int nd = buf->ndim;
	use_env u = {ctx,  sch_analyzer_for_path(ctx, p, depth), buf, p->node[depth], NULL, NULL,
		     all,  true, false, false};
	u.reads = sb_xcalloc((size_t)(nd ? nd : 1), sizeof *u.reads);
	u.covered = sb_xcalloc((size_t)(nd ? nd : 1), sizeof *u.covered);
	for (int d = 0; d < nd; d++)
		all[d].lo = all[d].hi = NULL;
	sch_path above = *p;
	above.n = depth;
	visit_env ve = {&u, &above};
	sch_visit_realizes(p->node[depth], true, use_visit, &ve);
	bool contained = u.ok && (!u.any_read || u.any_cover);
	for (int d = 0; d < nd && contained && u.any_read; d++) {
		if (!u.reads[d].lo)
			break; /* nothing read */
		contained = u.covered[d].lo &&
			    tir_can_prove(ctx, u.an,
					  tir_and(ctx, tir_ge(ctx, u.reads[d].lo, u.covered[d].lo),
						  tir_le(ctx, u.reads[d].hi, u.covered[d].hi)));
	}
	for (int d = 0; d < nd && u.ok; d++)
		u.ok = all[d].lo != NULL;

	*self_contained = contained;
	free(u.reads);
	free(u.covered);
	tir_analyzer_free(u.an);
	return u.ok;
}

typedef struct rebase_env {
	tir_buffer *from, *to;
	tir_expr **lo;
} rebase_env;

static tir_expr **rebased(tir_ctx *ctx, rebase_env *re, int n, tir_expr *const *ix)
{
	tir_expr **out = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, n ? n : 1);
	for (int d = 0; d < n; d++)
		out[d] = tir_expr_is_const(re->lo[d], 0) ? ix[d] : tir_sub(ctx, ix[d], re->lo[d]);
	return out;
}

static tir_expr *rebase_load(tir_ctx *ctx, tir_expr *e, void *env)
{
	rebase_env *re = env;
	if (e->kind != TIR_BUFFER_LOAD || e->u.buffer != re->from)
		return NULL;
	return tir_load(ctx, re->to, (int)e->nops, rebased(ctx, re, (int)e->nops, e->ops));
}

static tir_expr *rebase_expr(sch_mapper *m, tir_expr *e)
{
	return tir_expr_rewrite(m->ctx, e, rebase_load, m->env);
}

static tir_stmt *rebase_store(sch_mapper *m, tir_stmt *s)
{
	rebase_env *re = m->env;
	if (s->u.store.buffer != re->from)
		return s;
	return tir_store(m->ctx, re->to, s->u.store.value, s->u.store.nindices,
			 rebased(m->ctx, re, s->u.store.nindices, s->u.store.indices));
}

static tir_stmt *rebase_realize(sch_mapper *m, tir_stmt *s)
{
	rebase_env *re = m->env;
	const tir_block *b = s->u.realize.block;
	bool touches = false;
	for (int i = 0; i < b->nreads; i++)
		touches |= b->reads[i].buffer == re->from;
	for (int i = 0; i < b->nwrites; i++)
		touches |= b->writes[i].buffer == re->from;
	if (!touches)
		return s;
	tir_block *nb = sch_block_copy(m->ctx, b);
	sch_block_infer_regions(m->ctx, nb);
	return tir_block_realize(m->ctx, nb, s->u.realize.values, s->u.realize.predicate);
}

static bool match_alloc(const tir_stmt *s, const void *env)
{
	return s->kind == TIR_STMT_ALLOCATE && s->u.alloc.buffer == env;
}

typedef SB_VEC(tir_buffer *) buffer_list;

static tir_buffer *swap_fn(sch_mapper *m, tir_buffer *b)
{
	tir_buffer **pair = m->env;
	return b == pair[0] ? pair[1] : b;
}

/* The sequence at the end of p (under the allocation at p->node[ds - 1])
 * gets one allocation per statement using buf, each of a buffer of its
 * own (added to work). */
static tir_stmt *split_alloc(tir_ctx *ctx, sch_path *p, int ds, tir_buffer *buf, buffer_list *work)
{
	tir_stmt *seq = p->node[p->n - 1];
	int n = seq->u.seq.n;
	tir_stmt **v = SB_ARENA_ARRAY(&ctx->arena, tir_stmt *, n);
	for (int i = 0; i < n; i++) {
		tir_stmt *c = seq->u.seq.stmts[i];
		v[i] = c;
		if (!sch_stmt_uses(c, buf))
			continue;
		tir_buffer *nb = tir_buffer_new(ctx, buf->name, buf->dtype, buf->ndim, buf->shape);
		nb->scope = buf->scope;
		tir_buffer *pair[2] = {buf, nb};
		sch_mapper m = {.ctx = ctx, .buffer = swap_fn, .env = pair};
		v[i] = tir_allocate(ctx, nb, sch_stmt_map(&m, c));
		sb_vec_push(work, nb);
	}
	sch_path sub;
	sub.n = p->n - ds;
	for (int d = ds; d < p->n; d++) {
		sub.node[d - ds] = p->node[d];
		sub.child[d - ds] = p->child[d];
	}
	tir_stmt *nbody = sch_path_replace(ctx, &sub, sub.n - 1, tir_seq(ctx, n, v));
	return sch_path_replace(ctx, p, ds - 1, nbody);
}

/* Compacts the allocation of buf in root. */
static tir_stmt *compact_one(tir_ctx *ctx, tir_stmt *root, tir_buffer *buf, buffer_list *work)
{
	sch_path p;
	if (!sch_find(root, match_alloc, buf, &p) || p.n >= SCH_MAX_DEPTH - 1)
		return root;
	int ds = p.n; /* the allocation's body */
	p.child[p.n - 1] = 0;
	p.node[p.n++] = p.node[ds - 1]->u.alloc.body;
	/* Candidates: down through single-use children. */
	for (;;) {
		tir_stmt *cur = p.node[p.n - 1];
		int next = -1;
		if (cur->kind == TIR_STMT_FOR || cur->kind == TIR_STMT_LET ||
		    cur->kind == TIR_STMT_ALLOCATE) {
			next = 0;
		} else if (cur->kind == TIR_STMT_SEQ) {
			for (int i = 0; i < cur->u.seq.n; i++) {
				if (!sch_stmt_uses(cur->u.seq.stmts[i], buf))
					continue;
				if (next >= 0) {
					next = -1;
					break;
				}
				next = i;
			}
		}
		if (next < 0 || p.n >= SCH_MAX_DEPTH)
			break;
		p.child[p.n - 1] = next;
		p.node[p.n] = sch_stmt_child(cur, next);
		p.n++;
	}
	int nd = buf->ndim;
	sch_interval *all = SB_ARENA_ARRAY(&ctx->arena, sch_interval, nd ? nd : 1);
	/* Several statements of a sequence use buf, each on its own (a main
	 * part and its partitioned tail): one allocation each. */
	tir_stmt *last = p.node[p.n - 1];
	if (last->kind == TIR_STMT_SEQ && p.n < SCH_MAX_DEPTH) {
		bool separate = true;
		int users = 0;
		for (int i = 0; i < last->u.seq.n && separate; i++) {
			if (!sch_stmt_uses(last->u.seq.stmts[i], buf))
				continue;
			users++;
			bool contained;
			p.child[p.n - 1] = i;
			p.node[p.n] = last->u.seq.stmts[i];
			p.n++;
			separate = scope_uses(ctx, &p, p.n - 1, buf, all, &contained) && contained;
			p.n--;
		}
		if (separate && users > 1)
			return split_alloc(ctx, &p, ds, buf, work);
	}
	int chosen = -1;
	for (int d = p.n - 1; d >= ds; d--) {
		bool contained;
		if (!scope_uses(ctx, &p, d, buf, all, &contained))
			continue;
		if (contained || d == ds) {
			chosen = d;
			break;
		}
	}
	if (chosen < 0)
		return root; /* a region could not be bounded: leave it */
	tir_analyzer *an = sch_analyzer_for_path(ctx, &p, chosen);
	tir_expr **shape = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, nd ? nd : 1);
	tir_expr **lo = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, nd ? nd : 1);
	for (int d = 0; d < nd; d++) {
		tir_type t = buf->shape[d]->type;
		tir_expr *ext = tir_simplify(
		    ctx, an, tir_add(ctx, tir_sub(ctx, all[d].hi, all[d].lo), tir_imm_int(ctx, t, 1)));
		lo[d] = all[d].lo;
		if (ext->kind != TIR_INT_IMM) {
			/* a tail tile: the largest tile, if bounded */
			tir_bound bd = tir_const_int_bound(ctx, an, ext);
			if (bd.max != TIR_POS_INF && bd.max >= 0)
				ext = tir_imm_int(ctx, t, bd.max);
		}
		if (ext->kind != TIR_INT_IMM ||
		    tir_can_prove(ctx, an, tir_ge(ctx, ext, buf->shape[d]))) {
			/* no smaller than the buffer: keep the dimension */
			ext = buf->shape[d];
			lo[d] = tir_imm_int(ctx, t, 0);
		}
		shape[d] = ext;
	}
	tir_analyzer_free(an);
	tir_buffer *nb = tir_buffer_new(ctx, buf->name, buf->dtype, nd, shape);
	nb->scope = buf->scope;
	rebase_env re = {buf, nb, lo};
	sch_mapper m = {.ctx = ctx,
			.expr = rebase_expr,
			.store = rebase_store,
			.realize = rebase_realize,
			.env = &re};
	tir_stmt *scope = sch_stmt_map(&m, p.node[chosen]);
	/* Replace within the allocation's body, then drop the allocation. */
	sch_path sub;
	sub.n = p.n - ds;
	for (int d = ds; d < p.n; d++) {
		sub.node[d - ds] = p.node[d];
		sub.child[d - ds] = p.child[d];
	}
	tir_stmt *nbody = sch_path_replace(ctx, &sub, chosen - ds, tir_allocate(ctx, nb, scope));
	return sch_path_replace(ctx, &p, ds - 1, nbody);
}

static bool collect_allocs(tir_stmt *s, void *env)
{
	if (s->kind == TIR_STMT_ALLOCATE) {
		SB_VEC(tir_buffer *) *v = env;
		sb_vec_push(v, s->u.alloc.buffer);
	}
	return true;
}

sb_status tir_schedule_compact_buffers(tir_schedule *sch)
{
	sb_status st = sch_check_open(sch, "compact_buffers");
	if (st)
		return st;
	buffer_list bufs = {0};
	tir_stmt_walk(sch->func->body, collect_allocs, NULL, &bufs);
	tir_stmt *body = sch->func->body;
	for (size_t i = 0; i < bufs.len; i++) {
		if (!sch_buffer_is_param(sch->func, bufs.data[i]))
			body = compact_one(sch->ctx, body, bufs.data[i], &bufs);
	}
	sb_vec_free(&bufs);
	sch_commit(sch, body, "compact_buffers");
	sch->compacted = true;
	sch_trace(sch, "compact_buffers()");
	return SB_OK;
}
