/* compute_at and reverse_compute_at: moving a block under a loop of the
 * block on the other side of a buffer, so that one iteration of the loop
 * produces (consumes) just the region the other side needs (makes).
 *
 *   for (i, 0, n) { for (j, 0, 4) { block T(vi = i, vj = j) ... } }
 *   for (i2, 0, n) { for (j2, 0, 4) { block D(ui = i2, uj = j2) ... T[ui, uj] ... } }
 *   compute_at(T, i2) ->
 *   for (i2, 0, n) {
 *     for (ax1, 0, 4) { block T(vi = i2, vj = ax1) ... }
 *     for (j2, 0, 4) { block D(ui = i2, uj = j2) ... }
 *   }
 *
 * The moved block is not changed; only its loops and bindings are new.
 * The region is computed from the read (write) regions of the blocks under
 * the loop, relaxing the loops inside it; where the region may leave the
 * moved block's iteration domain (tails), its binding gets a predicate. */
#include <stdio.h>
#include <stdlib.h>

#include "tir/schedule/schedule.h"

/* Index in both paths of the deepest node they share. */
static int common_depth(const sch_path *a, const sch_path *b)
{
	int d = 0;
	while (d < a->n && d < b->n && a->node[d] == b->node[d])
		d++;
	return d - 1;
}

static bool path_has(const sch_path *p, const tir_stmt *s)
{
	for (int d = 0; d < p->n; d++) {
		if (p->node[d] == s)
			return true;
	}
	return false;
}

/* Which iter var each dimension of the region is (a single point at a
 * distinct iter var), or -1. */
static void region_iters(const tir_block *b, const tir_region *r, int *dim_iter)
{
	for (int d = 0; d < r->buffer->ndim; d++) {
		dim_iter[d] = -1;
		if (!tir_expr_is_const(r->ranges[d].extent, 1))
			continue;
		for (int k = 0; k < b->niters; k++) {
			if (r->ranges[d].min == b->iters[k].var)
				dim_iter[d] = k;
		}
		for (int e = 0; e < d; e++) {
			if (dim_iter[e] == dim_iter[d])
				dim_iter[d] = -1;
		}
	}
}

typedef struct region_env {
	tir_ctx *ctx;
	tir_analyzer *an;
	const tir_buffer *buf;
	const tir_block *skip;
	bool reads;
	sch_interval *iv;
	bool ok;
	int count;
} region_env;

static void region_visit(const tir_stmt *rs, const sch_dom *dom, void *env)
{
	region_env *re = env;
	if (rs->u.realize.block == re->skip)
		return;
	if (sch_realize_region(re->ctx, re->an, rs, re->buf, re->reads, dom, re->iv, &re->ok))
		re->count++;
}

/* The conjuncts of pred that use none of the loops on p: what a moved
 * block keeps of its predicate (a guard on shapes, not on its old loops). */
static tir_expr *loop_free_conjuncts(tir_ctx *ctx, tir_expr *pred, const sch_path *p)
{
	if (pred->kind == TIR_AND) {
		tir_expr *a = loop_free_conjuncts(ctx, pred->ops[0], p);
		tir_expr *b = loop_free_conjuncts(ctx, pred->ops[1], p);
		if (tir_expr_is_const(a, 1))
			return b;
		if (tir_expr_is_const(b, 1))
			return a;
		return tir_and(ctx, a, b);
	}
	for (int d = 0; d < p->n; d++) {
		const tir_stmt *s = p->node[d];
		if (s->kind == TIR_STMT_FOR && tir_expr_uses_var(pred, s->u.loop.var))
			return tir_bool(ctx, true);
	}
	return pred;
}

/* The new loop nest for block b (its realize rs is replaced): iter k with
 * dim_of[k] >= 0 ranges over iv[dim_of[k]], others over their domain.
 * Spatial iters' loops outside the reduce iters'; loops named ax<k>. */
static tir_stmt *nest_for(tir_ctx *ctx, tir_analyzer *an, const tir_stmt *rs, const int *dim_of,
			  const sch_interval *iv, tir_expr *kept)
{
	const tir_block *b = rs->u.realize.block;
	int n = b->niters;
	tir_expr **vals = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, n ? n : 1);
	tir_expr **lv = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, n ? n : 1);
	tir_expr **ext = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, n ? n : 1);
	size_t mark = tir_analyzer_mark(an);
	tir_expr *pred = kept;
	for (int k = 0; k < n; k++) {
		const tir_iter_var *it = &b->iters[k];
		char name[32];
		snprintf(name, sizeof name, "ax%d", k);
		lv[k] = tir_var(ctx, name, it->var->type);
		tir_expr *lo;
		if (dim_of[k] >= 0) {
			const sch_interval *r = &iv[dim_of[k]];
			lo = r->lo;
			ext[k] = tir_simplify(ctx, an,
					      tir_add(ctx, tir_sub(ctx, r->hi, r->lo),
						      tir_imm_int(ctx, r->lo->type, 1)));
		} else {
			lo = it->dom.min;
			ext[k] = it->dom.extent;
		}
		if (tir_expr_is_const(ext[k], 1)) {
			lv[k] = NULL; /* no loop of one iteration */
			vals[k] = tir_simplify(ctx, an, lo);
		} else {
			tir_analyzer_bind_range(an, lv[k], tir_imm_int(ctx, it->var->type, 0),
						ext[k]);
			vals[k] = tir_simplify(ctx, an, tir_add(ctx, lo, lv[k]));
		}
		if (dim_of[k] >= 0) {
			pred = sch_domain_guard(ctx, an, pred, vals[k], it->dom.min,
						it->dom.extent);
		}
	}
	tir_analyzer_restore(an, mark);
	pred = tir_simplify(ctx, an, pred);
	tir_stmt *s = tir_block_realize(ctx, (tir_block *)b, vals, pred);
	for (int pass = 1; pass >= 0; pass--) {
		/* reduce loops innermost: wrap them first */
		for (int k = n - 1; k >= 0; k--) {
			bool red = b->iters[k].kind == TIR_ITER_REDUCE;
			if (red != (pass == 1) || !lv[k])
				continue;
			s = tir_for(ctx, lv[k], tir_imm_int(ctx, lv[k]->type, 0), ext[k],
				    TIR_FOR_SERIAL, s);
		}
	}
	return s;
}

typedef struct users_env {
	const tir_buffer *buf;
	const tir_block *self;
	bool want_writers;
	SB_VEC(const tir_block *) found;
} users_env;

static bool users_pre(tir_stmt *s, void *env)
{
	users_env *u = env;
	if (s->kind != TIR_STMT_BLOCK_REALIZE || s->u.realize.block == u->self)
		return true;
	const tir_block *b = s->u.realize.block;
	bool hit = u->want_writers
		       ? sch_stmt_writes(b->body, u->buf) || sch_stmt_writes(b->init, u->buf)
		       : sch_stmt_reads(b->body, u->buf) || sch_stmt_reads(b->init, u->buf);
	if (u->want_writers) {
		/* a reduction reads what it writes; that is not a use here */
	} else if (hit) {
		for (int w = 0; w < b->nwrites; w++)
			hit &= b->writes[w].buffer != u->buf;
	}
	if (hit)
		sb_vec_push(&u->found, b);
	return false; /* blocks nested in blocks are not scheduled */
}

/* Shared by both directions.  reverse: b is a consumer placed at the end of
 * l's body; else a producer placed at its start. */
static sb_status move_at(tir_schedule *sch, tir_sch_block *bh, tir_sch_loop *lh, bool reverse)
{
	tir_ctx *ctx = sch->ctx;
	const char *P = reverse ? "reverse_compute_at" : "compute_at";
	sch_path pb, pl;
	sb_status st = sch_block_path(sch, P, bh, &pb);
	if (!st)
		st = sch_loop_path(sch, P, lh, &pl);
	if (st)
		return st;
	tir_stmt *loop = pl.node[pl.n - 1];
	const tir_stmt *rs = pb.node[pb.n - 1];
	const tir_block *b = rs->u.realize.block;
	if ((st = sch_check_not_opaque(sch->func, P, b)))
		return st;
	if (path_has(&pb, loop))
		return sb_set_error(SB_ERR_INVALID, "%s: block %s is already under loop %s", P,
				    b->name, sch_var_name(lh->var));
	int lca = common_depth(&pb, &pl);
	if (lca < 0 || pb.node[lca]->kind != TIR_STMT_SEQ)
		return sb_set_error(SB_ERR_INVALID,
				    "%s: block %s and loop %s are not in one sequence of statements",
				    P, b->name, sch_var_name(lh->var));
	if (!reverse && pb.child[lca] > pl.child[lca])
		return sb_set_error(SB_ERR_INVALID, "%s: block %s comes after loop %s", P, b->name,
				    sch_var_name(lh->var));
	if (reverse && pb.child[lca] < pl.child[lca])
		return sb_set_error(SB_ERR_INVALID, "%s: block %s comes before loop %s", P,
				    b->name, sch_var_name(lh->var));
	/* The buffer between b and the blocks under the loop, and how b's
	 * iter vars index it. */
	const tir_region *link = NULL;
	if (!reverse) {
		if (b->nwrites != 1)
			return sb_set_error(SB_ERR_UNSUPPORTED, "%s: block %s writes %d buffers", P,
					    b->name, b->nwrites);
		link = &b->writes[0];
	} else {
		for (int r = 0; r < b->nreads; r++) {
			users_env u = {b->reads[r].buffer, b, true, {0}};
			tir_stmt_walk(loop, users_pre, NULL, &u);
			bool under = u.found.len > 0;
			sb_vec_free(&u.found);
			if (!under)
				continue;
			if (link)
				return sb_set_error(SB_ERR_UNSUPPORTED,
						    "%s: block %s reads %s and %s, both produced "
						    "under loop %s",
						    P, b->name, link->buffer->name,
						    b->reads[r].buffer->name, sch_var_name(lh->var));
			link = &b->reads[r];
		}
		if (!link)
			return sb_set_error(SB_ERR_INVALID,
					    "%s: block %s reads nothing produced under loop %s", P,
					    b->name, sch_var_name(lh->var));
	}
	const tir_buffer *buf = link->buffer;
	int nd = buf->ndim;
	int dim_iter[16], dim_of[32];
	if (nd > 16 || b->niters > 32)
		return sb_set_error(SB_ERR_UNSUPPORTED, "%s: block %s has too many dimensions", P,
				    b->name);
	region_iters(b, link, dim_iter);
	for (int k = 0; k < b->niters; k++)
		dim_of[k] = -1;
	for (int d = 0; d < nd; d++) {
		if (dim_iter[d] >= 0)
			dim_of[dim_iter[d]] = d;
	}
	if (!reverse) {
		for (int k = 0; k < b->niters; k++) {
			if (b->iters[k].kind == TIR_ITER_SPATIAL && dim_of[k] < 0)
				return sb_set_error(SB_ERR_UNSUPPORTED,
						    "%s: block %s does not write %s at each of its "
						    "spatial iter vars",
						    P, b->name, buf->name);
		}
	}
	/* Everyone on the other side of buf must be under the loop. */
	users_env all = {buf, b, reverse, {0}}, under = {buf, b, reverse, {0}};
	tir_stmt_walk(sch->func->body, users_pre, NULL, &all);
	tir_stmt_walk(loop, users_pre, NULL, &under);
	st = SB_OK;
	for (size_t i = 0; i < all.found.len && !st; i++) {
		bool in = false;
		for (size_t j = 0; j < under.found.len; j++)
			in |= under.found.data[j] == all.found.data[i];
		if (!in)
			st = sb_set_error(SB_ERR_INVALID, "%s: block %s %s %s but is not under loop %s",
					  P, all.found.data[i]->name, reverse ? "writes" : "reads",
					  buf->name, sch_var_name(lh->var));
	}
	if (!st && !under.found.len)
		st = sb_set_error(SB_ERR_INVALID, "%s: no block under loop %s %s %s", P,
				  sch_var_name(lh->var), reverse ? "writes" : "reads", buf->name);
	sb_vec_free(&all.found);
	sb_vec_free(&under.found);
	if (st)
		return st;

	/* What b reads must not be written by the statements it moves past. */
	const tir_stmt *seq = pb.node[lca];
	int from = SB_MIN(pb.child[lca], pl.child[lca]), to = SB_MAX(pb.child[lca], pl.child[lca]);
	for (int r = 0; r < b->nreads && !st; r++) {
		if (reverse && b->reads[r].buffer == buf)
			continue;
		for (int i = from + 1; i < to && !st; i++) {
			users_env u = {b->reads[r].buffer, b, true, {0}};
			tir_stmt_walk(seq->u.seq.stmts[i], users_pre, NULL, &u);
			if (u.found.len)
				st = sb_set_error(SB_ERR_INVALID,
						  "%s: block %s reads %s, which block %s writes in "
						  "between",
						  P, b->name, b->reads[r].buffer->name,
						  u.found.data[0]->name);
			sb_vec_free(&u.found);
		}
	}
	if (st)
		return st;

	/* The region one iteration of the loop needs (makes). */
	tir_analyzer *an = sch_analyzer_for_path(ctx, &pl, pl.n);
	sch_interval *iv = SB_ARENA_ARRAY(&ctx->arena, sch_interval, nd ? nd : 1);
	region_env re = {ctx, an, buf, b, !reverse, iv, true, 0};
	sch_visit_realizes(loop, false, region_visit, &re);
	if (!re.ok) {
		tir_analyzer_free(an);
		return sb_set_error(SB_ERR_UNSUPPORTED,
				    "%s: cannot bound the region of %s %s under loop %s", P,
				    buf->name, reverse ? "written" : "read", sch_var_name(lh->var));
	}
	for (int d = 0; d < nd; d++)
		SB_ASSERT(iv[d].lo != NULL);

	/* Remove b, then insert its new nest in the loop. */
	tir_stmt *body = sch_path_replace(ctx, &pb, pb.n - 1, NULL);
	sch_path q;
	SB_ASSERT(sch_find_loop(body, lh->var, &q));
	loop = q.node[q.n - 1];
	tir_stmt *nest =
	    nest_for(ctx, an, rs, dim_of, iv, loop_free_conjuncts(ctx, rs->u.realize.predicate, &pb));
	tir_stmt *parts[2] = {reverse ? loop->u.loop.body : nest, reverse ? nest : loop->u.loop.body};
	tir_stmt *nl = tir_for(ctx, loop->u.loop.var, loop->u.loop.min, loop->u.loop.extent,
			       loop->u.loop.kind, tir_seq(ctx, 2, parts));
	tir_analyzer_free(an);
	body = sch_path_replace(ctx, &q, q.n - 1, nl);
	sch_commit(sch, body, P);
	sch_trace(sch, "%s(%s, %s)", P, bh->name, lh->name);
	return SB_OK;
}

sb_status tir_schedule_compute_at(tir_schedule *sch, tir_sch_block *b, tir_sch_loop *l)
{
	return move_at(sch, b, l, false);
}

sb_status tir_schedule_reverse_compute_at(tir_schedule *sch, tir_sch_block *b, tir_sch_loop *l)
{
	return move_at(sch, b, l, true);
}
