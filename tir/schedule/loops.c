/* Loop primitives: split, fuse, reorder, and the loop kinds (parallel,
 * vectorize, unroll).  They change loops and the bindings of the blocks
 * under them, never a block's body.
 *
 *   for (i, 0, n) { block B(vi = i) ... }
 *   split(i, [None, 8]) ->
 *   for (i_0, 0, (n + 7) // 8) { for (i_1, 0, 8) {
 *     block B(vi = i_0 * 8 + i_1) where (i_0 * 8 + i_1 < n) ... } } */
#include <stdio.h>
#include <stdlib.h>

#include "tir/schedule/schedule.h"

static tir_expr *int_like(tir_ctx *ctx, const tir_expr *like, int64_t v)
{
	return tir_imm_int(ctx, like->type, v);
}

static char *expr_str(const tir_expr *e)
{
	return tir_expr_to_string(e);
}

/* ---- split ---- */

sb_status tir_schedule_split(tir_schedule *sch, tir_sch_loop *l, int nfactors,
			     const int64_t *factors, tir_sch_loop **out)
{
	tir_ctx *ctx = sch->ctx;
	sch_path p;
	sb_status st = sch_loop_path(sch, "split", l, &p);
	if (st)
		return st;
	if (nfactors < 2 || nfactors > 16)
		return sb_set_error(SB_ERR_INVALID, "split: needs 2 to 16 factors, got %d",
				    nfactors);
	int infer = -1;
	int64_t known = 1;
	for (int i = 0; i < nfactors; i++) {
		if (factors[i] == TIR_SPLIT_INFER) {
			if (infer >= 0)
				return sb_set_error(SB_ERR_INVALID,
						    "split: only one factor may be inferred");
			infer = i;
			continue;
		}
		if (factors[i] <= 0)
			return sb_set_error(SB_ERR_INVALID,
					    "split: factor %lld of loop %s is not positive",
					    (long long)factors[i], sch_var_name(l->var));
		if (known > INT64_MAX / factors[i])
			return sb_set_error(SB_ERR_INVALID, "split: factors overflow int64");
		known *= factors[i];
	}
	tir_stmt *loop = p.node[p.n - 1];
	tir_expr *var = loop->u.loop.var;
	if (loop->u.loop.kind != TIR_FOR_SERIAL)
		return sb_set_error(SB_ERR_INVALID, "split: loop %s is %s; split it before that",
				    sch_var_name(var), tir_for_kind_name(loop->u.loop.kind));
	tir_analyzer *an = sch_analyzer_for_path(ctx, &p, p.n - 1);
	tir_expr *ext = tir_simplify(ctx, an, loop->u.loop.extent), *mn = loop->u.loop.min;
	tir_expr *fx[16];
	bool exact;
	if (infer >= 0) {
		tir_expr *k = int_like(ctx, ext, known);
		for (int i = 0; i < nfactors; i++)
			fx[i] = i == infer ? tir_simplify(ctx, an,
							  tir_floordiv(ctx,
								       tir_add(ctx, ext,
									       int_like(ctx, ext,
											known - 1)),
								       k))
					   : int_like(ctx, ext, factors[i]);
		exact = tir_can_prove(ctx, an,
				      tir_eq(ctx, tir_floormod(ctx, ext, k), int_like(ctx, ext, 0)));
	} else {
		tir_expr *k = int_like(ctx, ext, known);
		if (!tir_can_prove(ctx, an, tir_le(ctx, ext, k))) {
			char *es = expr_str(ext);
			tir_analyzer_free(an);
			st = ext->kind == TIR_INT_IMM
				 ? sb_set_error(SB_ERR_INVALID,
						"split: factors of loop %s multiply to %lld, less "
						"than its extent %s",
						sch_var_name(var), (long long)known, es)
				 : sb_set_error(SB_ERR_INVALID,
						"split: the extent %s of loop %s is not known to be "
						"at most %lld; infer one factor",
						es, sch_var_name(var), (long long)known);
			free(es);
			return st;
		}
		for (int i = 0; i < nfactors; i++)
			fx[i] = int_like(ctx, ext, factors[i]);
		exact = tir_can_prove(ctx, an, tir_eq(ctx, ext, k));
	}
	tir_expr *vars[16];
	tir_expr *value = NULL;
	for (int i = 0; i < nfactors; i++) {
		char name[256];
		snprintf(name, sizeof name, "%.200s_%d", sch_var_name(var), i);
		vars[i] = tir_var(ctx, name, var->type);
		value = value ? tir_add(ctx, tir_mul(ctx, value, fx[i]), vars[i]) : vars[i];
	}
	if (!tir_expr_is_const(mn, 0))
		value = tir_add(ctx, mn, value);
	tir_stmt *body = sch_stmt_substitute(ctx, loop->u.loop.body, 1, &var, &value);
	if (!exact)
		body = sch_stmt_add_predicate(ctx, body, tir_lt(ctx, value, tir_add(ctx, mn, ext)));
	for (int i = nfactors - 1; i >= 0; i--)
		body = tir_for(ctx, vars[i], int_like(ctx, ext, 0), fx[i], TIR_FOR_SERIAL, body);
	body = sch_simplify_bindings(ctx, an, body);
	tir_analyzer_free(an);
	sch_commit(sch, sch_path_replace(ctx, &p, p.n - 1, body), "split");
	if (!exact && infer == 0 && tir_expr_is_const(mn, 0)) {
		sch_guard *g = SB_ARENA_NEW(&ctx->arena, sch_guard);
		g->extent = ext;
		g->inner = known;
		sb_map_put(&sch->guards, (uintptr_t)vars[0], g);
	}
	sb_strbuf line = {0}, fs = {0};
	for (int i = 0; i < nfactors; i++) {
		out[i] = sch_loop_handle(sch, vars[i]);
		sb_strbuf_printf(&line, "%s%s", i ? ", " : "", out[i]->name);
		if (factors[i] == TIR_SPLIT_INFER)
			sb_strbuf_printf(&fs, "%sNone", i ? ", " : "");
		else
			sb_strbuf_printf(&fs, "%s%lld", i ? ", " : "", (long long)factors[i]);
	}
	sch_trace(sch, "%s = split(%s, factors=[%s])", line.data, l->name, fs.data);
	sb_strbuf_free(&line);
	sb_strbuf_free(&fs);
	return SB_OK;
}

/* ---- fuse ---- */

sb_status tir_schedule_fuse(tir_schedule *sch, int n, tir_sch_loop *const *loops,
			    tir_sch_loop **out)
{
	tir_ctx *ctx = sch->ctx;
	if (n < 1 || n > 16)
		return sb_set_error(SB_ERR_INVALID, "fuse: needs 1 to 16 loops, got %d", n);
	sch_path p;
	sb_status st = sch_loop_path(sch, "fuse", loops[0], &p);
	if (st)
		return st;
	for (int i = 1; i < n; i++) {
		sch_path q;
		if ((st = sch_loop_path(sch, "fuse", loops[i], &q)))
			return st;
	}
	tir_stmt *chain[16];
	chain[0] = p.node[p.n - 1];
	for (int i = 1; i < n; i++) {
		tir_stmt *b = chain[i - 1]->u.loop.body;
		if (b->kind != TIR_STMT_FOR || b->u.loop.var != loops[i]->var)
			return sb_set_error(SB_ERR_INVALID,
					    "fuse: loop %s is not directly inside loop %s (with "
					    "nothing else in its body)",
					    sch_var_name(loops[i]->var),
					    sch_var_name(loops[i - 1]->var));
		chain[i] = b;
	}
	for (int i = 0; i < n; i++) {
		if (chain[i]->u.loop.kind != TIR_FOR_SERIAL)
			return sb_set_error(SB_ERR_INVALID, "fuse: loop %s is %s",
					    sch_var_name(chain[i]->u.loop.var),
					    tir_for_kind_name(chain[i]->u.loop.kind));
		for (int j = 0; j < i; j++) {
			tir_expr *v = chain[j]->u.loop.var;
			if (tir_expr_uses_var(chain[i]->u.loop.extent, v) ||
			    tir_expr_uses_var(chain[i]->u.loop.min, v))
				return sb_set_error(SB_ERR_INVALID,
						    "fuse: the range of loop %s depends on loop %s",
						    sch_var_name(chain[i]->u.loop.var),
						    sch_var_name(v));
		}
	}
	if (n == 1) {
		*out = loops[0];
		sch_trace(sch, "%s = fuse(%s)", loops[0]->name, loops[0]->name);
		return SB_OK;
	}
	tir_analyzer *an = sch_analyzer_for_path(ctx, &p, p.n - 1);
	tir_expr *ext[16], *vars[16], *vals[16];
	sb_strbuf name = {0};
	tir_expr *total = NULL;
	for (int i = 0; i < n; i++) {
		ext[i] = tir_simplify(ctx, an, chain[i]->u.loop.extent);
		vars[i] = chain[i]->u.loop.var;
		total = total ? tir_mul(ctx, total, ext[i]) : ext[i];
		sb_strbuf_printf(&name, "%s_", sch_var_name(vars[i]));
	}
	sb_strbuf_puts(&name, "fused");
	tir_expr *f = tir_var(ctx, name.data, vars[0]->type);
	sb_strbuf_free(&name);
	total = tir_simplify(ctx, an, total);
	tir_expr *stride = NULL;
	for (int i = n - 1; i >= 0; i--) {
		tir_expr *v = stride ? tir_floordiv(ctx, f, stride) : f;
		if (i > 0)
			v = tir_floormod(ctx, v, ext[i]);
		if (!tir_expr_is_const(chain[i]->u.loop.min, 0))
			v = tir_add(ctx, chain[i]->u.loop.min, v);
		vals[i] = v;
		stride = stride ? tir_mul(ctx, stride, ext[i]) : ext[i];
	}
	tir_stmt *body = sch_stmt_substitute(ctx, chain[n - 1]->u.loop.body, n, vars, vals);
	body = tir_for(ctx, f, int_like(ctx, total, 0), total, TIR_FOR_SERIAL, body);
	body = sch_simplify_bindings(ctx, an, body);
	tir_analyzer_free(an);
	sch_commit(sch, sch_path_replace(ctx, &p, p.n - 1, body), "fuse");
	*out = sch_loop_handle(sch, f);
	sb_strbuf line = {0};
	for (int i = 0; i < n; i++)
		sb_strbuf_printf(&line, "%s%s", i ? ", " : "", loops[i]->name);
	sch_trace(sch, "%s = fuse(%s)", (*out)->name, line.data);
	sb_strbuf_free(&line);
	return SB_OK;
}

/* ---- reorder ---- */

sb_status tir_schedule_reorder(tir_schedule *sch, int n, tir_sch_loop *const *loops)
{
	tir_ctx *ctx = sch->ctx;
	if (n < 1 || n > 32)
		return sb_set_error(SB_ERR_INVALID, "reorder: needs 1 to 32 loops, got %d", n);
	int depth[32];
	sch_path p, inner;
	int innermost = 0, outermost = 0;
	for (int i = 0; i < n; i++) {
		sb_status st = sch_loop_path(sch, "reorder", loops[i], &p);
		if (st)
			return st;
		for (int j = 0; j < i; j++) {
			if (loops[j]->var == loops[i]->var)
				return sb_set_error(SB_ERR_INVALID,
						    "reorder: loop %s appears twice",
						    sch_var_name(loops[i]->var));
		}
		depth[i] = p.n - 1;
		if (depth[i] > depth[innermost])
			innermost = i;
		if (depth[i] < depth[outermost])
			outermost = i;
	}
	sch_loop_path(sch, "reorder", loops[innermost], &inner);
	/* Every listed loop must be on the innermost one's path. */
	for (int i = 0; i < n; i++) {
		const tir_stmt *s = inner.node[depth[i]];
		if (s->kind != TIR_STMT_FOR || s->u.loop.var != loops[i]->var)
			return sb_set_error(SB_ERR_INVALID, "reorder: loop %s is not under loop %s",
					    sch_var_name(loops[innermost]->var),
					    sch_var_name(loops[i]->var));
	}
	int top = depth[outermost], bottom = depth[innermost];
	for (int d = top; d < bottom; d++) {
		if (inner.node[d + 1]->kind != TIR_STMT_FOR)
			return sb_set_error(SB_ERR_INVALID,
					    "reorder: the body of loop %s is not a single loop",
					    sch_var_name(inner.node[d]->u.loop.var));
	}
	for (int d = top; d <= bottom; d++) {
		const tir_stmt *s = inner.node[d];
		for (int e = top; e <= bottom; e++) {
			tir_expr *v = inner.node[e]->u.loop.var;
			if (tir_expr_uses_var(s->u.loop.extent, v) ||
			    tir_expr_uses_var(s->u.loop.min, v))
				return sb_set_error(SB_ERR_INVALID,
						    "reorder: the range of loop %s depends on loop %s",
						    sch_var_name(s->u.loop.var), sch_var_name(v));
		}
	}
	/* The listed loops take the listed positions, in the given order. */
	int nchain = bottom - top + 1;
	tir_stmt **order = sb_xmalloc(sizeof *order * (size_t)nchain);
	int next = 0;
	for (int d = top; d <= bottom; d++) {
		order[d - top] = inner.node[d];
		for (int i = 0; i < n; i++) {
			if (depth[i] == d) {
				sch_path q;
				sch_loop_path(sch, "reorder", loops[next], &q);
				order[d - top] = q.node[q.n - 1];
				next++;
				break;
			}
		}
	}
	tir_stmt *body = inner.node[bottom]->u.loop.body;
	for (int k = nchain - 1; k >= 0; k--) {
		const tir_stmt *s = order[k];
		body = tir_for(ctx, s->u.loop.var, s->u.loop.min, s->u.loop.extent, s->u.loop.kind,
			       body);
	}
	free(order);
	sch_commit(sch, sch_path_replace(ctx, &inner, top, body), "reorder");
	sb_strbuf line = {0};
	for (int i = 0; i < n; i++)
		sb_strbuf_printf(&line, "%s%s", i ? ", " : "", loops[i]->name);
	sch_trace(sch, "reorder(%s)", line.data);
	sb_strbuf_free(&line);
	return SB_OK;
}

/* ---- Loop kinds ---- */

typedef struct carry_env {
	const tir_func *f;
	tir_ctx *ctx;
	tir_analyzer *an;
	tir_expr *var;	 /* the loop being annotated */
	const tir_stmt *loop;
	const char *prim;
	sb_status status;
} carry_env;

static void check_reduce_binding(const tir_stmt *rs, const sch_dom *dom, void *env)
{
	carry_env *ce = env;
	(void)dom;
	if (ce->status)
		return;
	const tir_block *b = rs->u.realize.block;
	if ((sch_stmt_uses_var(b->body, ce->var) || sch_stmt_uses_var(b->init, ce->var)) &&
	    sch_block_is_opaque(ce->f, b)) {
		ce->status = sb_set_error(SB_ERR_INVALID,
					  "%s: block %s refers to loop %s directly; its writes may "
					  "collide",
					  ce->prim, b->name, sch_var_name(ce->var));
		return;
	}
	for (int i = 0; i < b->niters; i++) {
		if (b->iters[i].kind == TIR_ITER_REDUCE &&
		    tir_expr_uses_var(rs->u.realize.values[i], ce->var)) {
			ce->status = sb_set_error(SB_ERR_INVALID,
						  "%s: loop %s carries a reduction (block %s)",
						  ce->prim, sch_var_name(ce->var), b->name);
			return;
		}
	}
	/* Iterations write apart only if each iter var the loop drives is an
	 * index of everything the block writes (a scatter's data-dependent
	 * index is not). */
	for (int i = 0; i < b->niters; i++) {
		if (b->iters[i].kind != TIR_ITER_SPATIAL ||
		    !tir_expr_uses_var(rs->u.realize.values[i], ce->var))
			continue;
		for (int w = 0; w < b->nwrites; w++) {
			const tir_region *r = &b->writes[w];
			bool indexed = false;
			for (int d = 0; d < r->buffer->ndim; d++)
				indexed |= r->ranges[d].min == b->iters[i].var &&
					   tir_expr_is_const(r->ranges[d].extent, 1);
			if (!indexed) {
				ce->status = sb_set_error(
				    SB_ERR_INVALID,
				    "%s: iterations of loop %s may write the same element of %s "
				    "(block %s does not write it at %s)",
				    ce->prim, sch_var_name(ce->var), r->buffer->name, b->name,
				    sch_var_name(b->iters[i].var));
				return;
			}
		}
	}
}

/* Collected per realize: its block and the loops between the annotated
 * loop and it. */
typedef struct realize_at {
	const tir_stmt *rs;
	sch_dom dom;
} realize_at;

typedef struct realize_list {
	SB_VEC(realize_at) v;
} realize_list;

static void collect_at(const tir_stmt *rs, const sch_dom *dom, void *env)
{
	realize_list *rl = env;
	realize_at ra = {.rs = rs};
	sch_dom_init(&ra.dom);
	for (size_t i = 0; i < dom->vars.len; i++)
		sch_dom_add(&ra.dom, dom->vars.data[i], dom->mins.data[i], dom->extents.data[i]);
	sb_vec_push(&rl->v, ra);
}

static void realize_list_free(realize_list *rl)
{
	for (size_t i = 0; i < rl->v.len; i++)
		sch_dom_free(&rl->v.data[i].dom);
	sb_vec_free(&rl->v);
}

/* Running the iterations of the loop at once (in parallel or in vector
 * lanes) is right only if what a block reads under it was written in the
 * same iteration (or not under it at all). */
static sb_status check_carried_dependence(carry_env *ce)
{
	realize_list rl = {0};
	sch_visit_realizes(ce->loop, false, collect_at, &rl);
	for (size_t r = 0; r < rl.v.len && !ce->status; r++) {
		const tir_block *rb = rl.v.data[r].rs->u.realize.block;
		for (int k = 0; k < rb->nreads && !ce->status; k++) {
			tir_buffer *buf = rb->reads[k].buffer;
			int nd = buf->ndim;
			sch_interval *rd = sb_xcalloc((size_t)(nd ? nd : 1), sizeof *rd);
			sch_interval *wr = sb_xcalloc((size_t)(nd ? nd : 1), sizeof *wr);
			bool ok = true, written = false;
			const char *writer = NULL;
			for (size_t w = 0; w < rl.v.len; w++) {
				if (sch_realize_region(ce->ctx, ce->an, rl.v.data[w].rs, buf, false,
						       &rl.v.data[w].dom, wr, &ok)) {
					written = true;
					writer = rl.v.data[w].rs->u.realize.block->name;
				}
			}
			if (written && sch_realize_region(ce->ctx, ce->an, rl.v.data[r].rs, buf,
							  true, &rl.v.data[r].dom, rd, &ok)) {
				for (int d = 0; d < nd && ok; d++) {
					ok = tir_can_prove(ce->ctx, ce->an,
							   tir_and(ce->ctx,
								   tir_ge(ce->ctx, rd[d].lo, wr[d].lo),
								   tir_le(ce->ctx, rd[d].hi,
									  wr[d].hi)));
				}
				if (!ok)
					ce->status = sb_set_error(
					    SB_ERR_INVALID,
					    "%s: loop %s carries a dependence: block %s reads %s "
					    "written by block %s in other iterations",
					    ce->prim, sch_var_name(ce->var), rb->name, buf->name,
					    writer);
			}
			free(rd);
			free(wr);
		}
	}
	realize_list_free(&rl);
	return ce->status;
}

typedef struct kind_find {
	tir_for_kind kind;
	const tir_stmt *self;
	const tir_stmt *found;
} kind_find;

static bool find_kind_pre(tir_stmt *s, void *env)
{
	kind_find *kf = env;
	if (kf->found)
		return false;
	if (s != kf->self && s->kind == TIR_STMT_FOR && s->u.loop.kind == kf->kind)
		kf->found = s;
	return true;
}

static sb_status set_kind(tir_schedule *sch, tir_sch_loop *l, tir_for_kind kind, const char *prim)
{
	tir_ctx *ctx = sch->ctx;
	sch_path p;
	sb_status st = sch_loop_path(sch, prim, l, &p);
	if (st)
		return st;
	tir_stmt *loop = p.node[p.n - 1];
	tir_expr *var = loop->u.loop.var;
	if (loop->u.loop.kind != TIR_FOR_SERIAL && loop->u.loop.kind != kind)
		return sb_set_error(SB_ERR_INVALID, "%s: loop %s is already %s", prim,
				    sch_var_name(var), tir_for_kind_name(loop->u.loop.kind));
	tir_analyzer *an = sch_analyzer_for_path(ctx, &p, p.n);
	if (kind == TIR_FOR_VECTORIZED) {
		tir_expr *ext = tir_simplify(ctx, an, loop->u.loop.extent);
		if (ext->kind != TIR_INT_IMM) {
			char *es = expr_str(loop->u.loop.extent);
			st = sb_set_error(SB_ERR_INVALID,
					  "vectorize: extent %s of loop %s is not a constant", es,
					  sch_var_name(var));
			free(es);
			tir_analyzer_free(an);
			return st;
		}
	}
	if (kind == TIR_FOR_PARALLEL || kind == TIR_FOR_VECTORIZED) {
		for (int d = 0; d < p.n - 1; d++) {
			const tir_stmt *s = p.node[d];
			if (s->kind == TIR_STMT_FOR && s->u.loop.kind == TIR_FOR_PARALLEL &&
			    kind == TIR_FOR_PARALLEL) {
				tir_analyzer_free(an);
				return sb_set_error(SB_ERR_INVALID,
						    "parallel: loop %s is inside parallel loop %s",
						    sch_var_name(var),
						    sch_var_name(s->u.loop.var));
			}
		}
		kind_find kf = {kind == TIR_FOR_PARALLEL ? TIR_FOR_PARALLEL : TIR_FOR_VECTORIZED,
				loop, NULL};
		tir_stmt_walk(loop, find_kind_pre, NULL, &kf);
		if (kf.found) {
			tir_analyzer_free(an);
			return sb_set_error(SB_ERR_INVALID, "%s: loop %s contains %s loop %s", prim,
					    sch_var_name(var), tir_for_kind_name(kf.kind),
					    sch_var_name(kf.found->u.loop.var));
		}
		carry_env ce = {sch->func, ctx, an, var, loop, prim, SB_OK};
		sch_visit_realizes(loop, false, check_reduce_binding, &ce);
		if (!ce.status)
			check_carried_dependence(&ce);
		if (ce.status) {
			tir_analyzer_free(an);
			return ce.status;
		}
	}
	tir_analyzer_free(an);
	tir_stmt *nl = tir_for(ctx, var, loop->u.loop.min, loop->u.loop.extent, kind,
			       loop->u.loop.body);
	sch_commit(sch, sch_path_replace(ctx, &p, p.n - 1, nl), prim);
	sch_trace(sch, "%s(%s)", prim, l->name);
	return SB_OK;
}

sb_status tir_schedule_parallel(tir_schedule *sch, tir_sch_loop *l)
{
	return set_kind(sch, l, TIR_FOR_PARALLEL, "parallel");
}

sb_status tir_schedule_vectorize(tir_schedule *sch, tir_sch_loop *l)
{
	return set_kind(sch, l, TIR_FOR_VECTORIZED, "vectorize");
}

sb_status tir_schedule_unroll(tir_schedule *sch, tir_sch_loop *l)
{
	return set_kind(sch, l, TIR_FOR_UNROLLED, "unroll");
}
