/* decompose_reduction and rfactor: the primitives that change how a
 * reduction block is initialized and combined.
 *
 * decompose_reduction(C, k) -- the init becomes a block of its own, before
 * loop k, over copies of the loops below k that bind spatial iter vars:
 *
 *   for (i) { for (k) { block C(vi = i, vk = k) { init { C[vi] = 0 } C[vi] += A[vi, vk] } } }
 *   ->
 *   for (i) {
 *     block C_init(vi = i) { C[vi] = 0 }
 *     for (k) { block C(vi = i, vk = k) { C[vi] += A[vi, vk] } }
 *   }
 *
 * rfactor(k_1) on for (i) { for (k_0) { for (k_1, 0, 8) { C[vi] += A[vi, k_0 * 8 + k_1] } } }
 * -- partial results per k_1 go to C_rf[vi, vr] (vr = k_1 is now a
 * spatial iter var, so the k_1 loop can be vectorized), initialized by a
 * block of their own; C then reduces C_rf over vr:
 *
 *   alloc C_rf: Buffer(float32, [n, 8]) {
 *     for (i) { for (k_1) { block C_rf_init(vi = i, vr = k_1) { C_rf[vi, vr] = 0 } }
 *               for (k_0) { for (k_1) { block C_rf(vi = i, vr = k_1, vk0 = k_0) {
 *                 C_rf[vi, vr] += A[vi, vk0 * 8 + vr] } } } }
 *     for (ax0) { for (ax1, 0, 8) { block C(vi = ax0, vr = ax1) {
 *       init { C[vi] = 0 } C[vi] += C_rf[vi, vr] } } }
 *   } */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tir/schedule/schedule.h"

/* Does any reduce iter var binding of the block use v? */
static bool binds_reduce(const tir_stmt *rs, const tir_expr *v)
{
	const tir_block *b = rs->u.realize.block;
	for (int i = 0; i < b->niters; i++) {
		if (b->iters[i].kind == TIR_ITER_REDUCE &&
		    tir_expr_uses_var(rs->u.realize.values[i], v))
			return true;
	}
	return false;
}

static bool binds_spatial(const tir_stmt *rs, const tir_expr *v)
{
	const tir_block *b = rs->u.realize.block;
	for (int i = 0; i < b->niters; i++) {
		if (b->iters[i].kind == TIR_ITER_SPATIAL &&
		    tir_expr_uses_var(rs->u.realize.values[i], v))
			return true;
	}
	return false;
}

static bool uses_any(const tir_expr *e, int n, tir_expr *const *vars)
{
	for (int i = 0; i < n; i++) {
		if (tir_expr_uses_var(e, vars[i]))
			return true;
	}
	return false;
}

/* The conjuncts of pred that use none of vars, substituted. */
static tir_expr *keep_conjuncts(tir_ctx *ctx, tir_expr *pred, int nr, tir_expr *const *rvars,
				int ns, tir_expr *const *from, tir_expr *const *to)
{
	if (pred->kind == TIR_AND) {
		tir_expr *a = keep_conjuncts(ctx, pred->ops[0], nr, rvars, ns, from, to);
		tir_expr *b = keep_conjuncts(ctx, pred->ops[1], nr, rvars, ns, from, to);
		if (tir_expr_is_const(a, 1))
			return b;
		if (tir_expr_is_const(b, 1))
			return a;
		return tir_and(ctx, a, b);
	}
	if (uses_any(pred, nr, rvars))
		return tir_bool(ctx, true);
	return tir_substitute(ctx, pred, ns, from, to);
}

static bool loads_anything(const tir_expr *e)
{
	if (e->kind == TIR_BUFFER_LOAD)
		return true;
	for (uint32_t i = 0; i < e->nops; i++) {
		if (loads_anything(e->ops[i]))
			return true;
	}
	return false;
}

static bool stmt_loads_anything(const tir_stmt *s)
{
	if (!s)
		return false;
	switch (s->kind) {
	case TIR_STMT_BUFFER_STORE:
		for (int i = 0; i < s->u.store.nindices; i++) {
			if (loads_anything(s->u.store.indices[i]))
				return true;
		}
		return loads_anything(s->u.store.value);
	case TIR_STMT_SEQ:
		for (int i = 0; i < s->u.seq.n; i++) {
			if (stmt_loads_anything(s->u.seq.stmts[i]))
				return true;
		}
		return false;
	default:
		return true; /* anything else: assume it does */
	}
}

/* An init split off its reduction runs even when the reduction is empty,
 * where it never ran before: harmless for a constant (the output of an
 * empty reduction was unwritten), not for an init that reads (max's
 * X[i, 0] is out of bounds then).  Such an init gets `extent >= 1` for
 * each reduce iter var not provably non-empty. */
static tir_expr *nonempty_guard(tir_ctx *ctx, const tir_block *b, tir_expr *pred)
{
	if (!stmt_loads_anything(b->init))
		return pred;
	for (int i = 0; i < b->niters; i++) {
		const tir_iter_var *it = &b->iters[i];
		if (it->kind != TIR_ITER_REDUCE)
			continue;
		tir_expr *c = tir_ge(ctx, it->dom.extent, tir_imm_int(ctx, it->dom.extent->type, 1));
		if (tir_can_prove(ctx, NULL, c))
			continue;
		pred = tir_expr_is_const(pred, 1) ? c : tir_and(ctx, pred, c);
	}
	return pred;
}

/* decompose_reduction on a tree: the init of the block realized at the end
 * of path p goes into a new block `init_name`, in a nest placed before the
 * loop at p->node[ld]. */
static sb_status decompose_at(tir_ctx *ctx, const char *P, const sch_path *p, int ld,
			      const char *init_name, tir_stmt **out)
{
	const tir_stmt *rs = p->node[p->n - 1];
	const tir_block *b = rs->u.realize.block;
	const tir_expr *lvar = p->node[ld]->u.loop.var;
	for (int d = 0; d < ld; d++) {
		const tir_stmt *s = p->node[d];
		if (s->kind == TIR_STMT_FOR && binds_reduce(rs, s->u.loop.var))
			return sb_set_error(SB_ERR_INVALID,
					    "%s: loop %s above loop %s binds a reduce iter var of "
					    "block %s",
					    P, sch_var_name(s->u.loop.var), sch_var_name(lvar), b->name);
	}
	/* Loops from ld down: spatial ones are copied for the init. */
	tir_expr *rvars[64], *svars[64], *copies[64];
	const tir_stmt *sloops[64];
	int nr = 0, ns = 0;
	for (int d = ld; d < p->n - 1; d++) {
		const tir_stmt *s = p->node[d];
		if (s->kind == TIR_STMT_SEQ)
			continue;
		if (s->kind != TIR_STMT_FOR)
			return sb_set_error(SB_ERR_UNSUPPORTED,
					    "%s: a statement other than a loop is between loop %s and "
					    "block %s",
					    P, sch_var_name(lvar), b->name);
		if (nr >= 64 || ns >= 64)
			return sb_set_error(SB_ERR_UNSUPPORTED, "%s: too many loops", P);
		tir_expr *v = s->u.loop.var;
		bool r = binds_reduce(rs, v);
		if (r && binds_spatial(rs, v))
			return sb_set_error(SB_ERR_INVALID,
					    "%s: loop %s binds both spatial and reduce iter vars of "
					    "block %s",
					    P, sch_var_name(v), b->name);
		if (r) {
			rvars[nr++] = v;
			continue;
		}
		if (uses_any(s->u.loop.extent, nr, rvars) || uses_any(s->u.loop.min, nr, rvars))
			return sb_set_error(SB_ERR_INVALID,
					    "%s: the range of loop %s depends on a reduction loop", P,
					    sch_var_name(v));
		sloops[ns] = s;
		svars[ns] = v;
		copies[ns] = tir_var(ctx, sch_var_name(v), v->type);
		ns++;
	}
	/* The init block: spatial iter vars only (fresh), bound like b's. */
	int nsp = 0;
	for (int i = 0; i < b->niters; i++)
		nsp += b->iters[i].kind == TIR_ITER_SPATIAL;
	tir_iter_var *iters = SB_ARENA_ARRAY(&ctx->arena, tir_iter_var, nsp ? nsp : 1);
	tir_expr **vals = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, nsp ? nsp : 1);
	tir_expr **old = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, nsp ? nsp : 1);
	int k = 0;
	for (int i = 0; i < b->niters; i++) {
		if (b->iters[i].kind != TIR_ITER_SPATIAL)
			continue;
		iters[k] = b->iters[i];
		iters[k].var = tir_var(ctx, sch_var_name(b->iters[i].var), b->iters[i].var->type);
		old[k] = b->iters[i].var;
		vals[k] = tir_substitute(ctx, rs->u.realize.values[i], ns, svars, copies);
		k++;
	}
	tir_expr **nv = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, nsp ? nsp : 1);
	for (int i = 0; i < nsp; i++)
		nv[i] = iters[i].var;
	tir_stmt *ibody = sch_stmt_substitute(ctx, b->init, nsp, old, nv);
	tir_block *ib = tir_block_new(ctx, init_name, nsp, iters, ibody);
	sch_block_infer_regions(ctx, ib);
	tir_expr *pred = keep_conjuncts(ctx, rs->u.realize.predicate, nr, rvars, ns, svars, copies);
	pred = nonempty_guard(ctx, b, pred);
	tir_stmt *nest = tir_block_realize(ctx, ib, vals, pred);
	for (int i = ns - 1; i >= 0; i--) {
		const tir_stmt *s = sloops[i];
		tir_expr *mn = tir_substitute(ctx, s->u.loop.min, ns, svars, copies);
		tir_expr *ext = tir_substitute(ctx, s->u.loop.extent, ns, svars, copies);
		nest = tir_for(ctx, copies[i], mn, ext, s->u.loop.kind, nest);
	}
	/* b without its init, then the init nest before the loop. */
	tir_block *nb = sch_block_copy(ctx, b);
	nb->init = NULL;
	tir_stmt *body = sch_path_replace(
	    ctx, p, p->n - 1, tir_block_realize(ctx, nb, rs->u.realize.values, rs->u.realize.predicate));
	sch_path q;
	SB_ASSERT(sch_find_loop(body, lvar, &q));
	tir_analyzer *an = sch_analyzer_for_path(ctx, &q, q.n - 1);
	nest = sch_simplify_bindings(ctx, an, nest);
	tir_analyzer_free(an);
	tir_stmt *parts[2] = {nest, q.node[q.n - 1]};
	*out = sch_path_replace(ctx, &q, q.n - 1, tir_seq(ctx, 2, parts));
	return SB_OK;
}

static int path_index_of(const sch_path *p, const tir_stmt *s)
{
	for (int d = 0; d < p->n; d++) {
		if (p->node[d] == s)
			return d;
	}
	return -1;
}

sb_status tir_schedule_decompose_reduction(tir_schedule *sch, tir_sch_block *bh, tir_sch_loop *lh,
					   tir_sch_block **out)
{
	tir_ctx *ctx = sch->ctx;
	const char *P = "decompose_reduction";
	sch_path pb, pl;
	sb_status st = sch_block_path(sch, P, bh, &pb);
	if (!st)
		st = sch_loop_path(sch, P, lh, &pl);
	if (st)
		return st;
	const tir_block *b = pb.node[pb.n - 1]->u.realize.block;
	if ((st = sch_check_not_opaque(sch->func, P, b)))
		return st;
	if (!b->init)
		return sb_set_error(SB_ERR_INVALID, "%s: block %s has no init", P, b->name);
	int ld = path_index_of(&pb, pl.node[pl.n - 1]);
	if (ld < 0)
		return sb_set_error(SB_ERR_INVALID, "%s: loop %s is not above block %s", P,
				    sch_var_name(lh->var), b->name);
	char name[256];
	snprintf(name, sizeof name, "%.200s_init", b->name);
	tir_stmt *body;
	if ((st = decompose_at(ctx, P, &pb, ld, name, &body)))
		return st;
	sch_commit(sch, body, P);
	tir_sch_block *ih = sch_block_handle(sch, name);
	if (out)
		*out = ih;
	sch_trace(sch, "%s = %s(%s, %s)", ih->name, P, bh->name, lh->name);
	return SB_OK;
}

/* ---- rfactor ---- */

/* Is e the load W[idx] of the store? */
static bool is_self(const tir_stmt *store, const tir_expr *e)
{
	if (e->kind != TIR_BUFFER_LOAD || e->u.buffer != store->u.store.buffer ||
	    (int)e->nops != store->u.store.nindices)
		return false;
	for (uint32_t d = 0; d < e->nops; d++) {
		if (e->ops[d] != store->u.store.indices[d])
			return false;
	}
	return true;
}

bool sch_block_reducer(tir_ctx *ctx, const tir_block *b, tir_expr_kind *op, tir_expr **rhs)
{
	const tir_stmt *store = b->body;
	if (store->kind != TIR_STMT_BUFFER_STORE)
		return false;
	tir_expr *v = store->u.store.value, *e = NULL;
	if (v->kind == TIR_ADD || v->kind == TIR_MUL || v->kind == TIR_MIN || v->kind == TIR_MAX) {
		if (is_self(store, v->ops[0]))
			e = v->ops[1];
		else if (is_self(store, v->ops[1]))
			e = v->ops[0];
		*op = v->kind;
	} else if (v->kind == TIR_SELECT && tir_type_is_float(v->type)) {
		/* select(E > W, E, W) is max(W, E); with < it is min */
		const tir_expr *c = v->ops[0];
		tir_expr *t = v->ops[1], *f = v->ops[2];
		if (is_self(store, f) && !is_self(store, t) &&
		    (c->kind == TIR_GT || c->kind == TIR_GE || c->kind == TIR_LT ||
		     c->kind == TIR_LE)) {
			bool gt = c->kind == TIR_GT || c->kind == TIR_GE;
			if (c->ops[0] == t && is_self(store, c->ops[1])) {
				e = t;
				*op = gt ? TIR_MAX : TIR_MIN;
			} else if (c->ops[1] == t && is_self(store, c->ops[0])) {
				e = t;
				*op = gt ? TIR_MIN : TIR_MAX;
			}
		}
	}
	if (!e || sch_stmt_reads(tir_evaluate(ctx, e), store->u.store.buffer))
		return false;
	*rhs = e;
	return true;
}

static tir_expr *identity_of(tir_ctx *ctx, tir_expr_kind op, tir_type t)
{
	bool fl = tir_type_is_float(t);
	switch (op) {
	case TIR_ADD:
		return fl ? tir_imm_float(ctx, t, 0.0) : tir_imm_int(ctx, t, 0);
	case TIR_MUL:
		return fl ? tir_imm_float(ctx, t, 1.0) : tir_imm_int(ctx, t, 1);
	case TIR_MAX:
	case TIR_MIN: {
		bool mx = op == TIR_MAX;
		if (fl)
			return tir_imm_float(ctx, t, mx ? -INFINITY : INFINITY);
		int bits = (int)sb_dtype_size(t.dtype) * 8;
		bool uns = t.dtype == SB_U8 || t.dtype == SB_U16 || t.dtype == SB_U32 ||
			   t.dtype == SB_U64;
		int64_t lo = uns ? 0 : bits >= 64 ? INT64_MIN : -((int64_t)1 << (bits - 1));
		int64_t hi = bits >= 64 ? INT64_MAX
				       : uns ? (int64_t)(((uint64_t)1 << bits) - 1)
					     : ((int64_t)1 << (bits - 1)) - 1;
		if (uns && bits >= 64)
			return NULL;
		return tir_imm_int(ctx, t, mx ? lo : hi);
	}
	default:
		return NULL;
	}
}

typedef struct one_realize {
	const tir_stmt *rs;
	int count;
} one_realize;

static void count_realize(const tir_stmt *rs, const sch_dom *dom, void *env)
{
	(void)dom;
	one_realize *o = env;
	o->rs = rs;
	o->count++;
}

sb_status tir_schedule_rfactor(tir_schedule *sch, tir_sch_loop *lh, tir_sch_block **out)
{
	tir_ctx *ctx = sch->ctx;
	const char *P = "rfactor";
	sch_path pl;
	sb_status st = sch_loop_path(sch, P, lh, &pl);
	if (st)
		return st;
	const tir_stmt *loop = pl.node[pl.n - 1];
	one_realize o = {NULL, 0};
	sch_visit_realizes(loop, false, count_realize, &o);
	if (o.count != 1)
		return sb_set_error(SB_ERR_UNSUPPORTED, "%s: loop %s has %d blocks under it; needs 1",
				    P, sch_var_name(lh->var), o.count);
	const tir_stmt *rs = o.rs;
	const tir_block *b = rs->u.realize.block;
	if ((st = sch_check_not_opaque(sch->func, P, b)))
		return st;
	if (!b->init || !binds_reduce(rs, lh->var))
		return sb_set_error(SB_ERR_INVALID,
				    "%s: loop %s does not bind a reduce iter var of block %s", P,
				    sch_var_name(lh->var), b->name);
	if (binds_spatial(rs, lh->var))
		return sb_set_error(SB_ERR_INVALID,
				    "%s: loop %s binds both spatial and reduce iter vars of block %s",
				    P, sch_var_name(lh->var), b->name);
	const tir_stmt *store = b->body;
	tir_expr_kind op = TIR_EXPR_KIND_COUNT;
	tir_expr *rhs = NULL;
	if (b->nwrites != 1 || b->niters > 32 || !sch_block_reducer(ctx, b, &op, &rhs))
		rhs = NULL;
	tir_buffer *W = rhs ? store->u.store.buffer : NULL;
	tir_expr *ident = W ? identity_of(ctx, op, tir_type_scalar(W->dtype)) : NULL;
	if (!ident)
		return sb_set_error(SB_ERR_UNSUPPORTED,
				    "%s: the update of block %s is not W = W op E with op one of + * "
				    "min max",
				    P, b->name);
	sch_path pb;
	SB_ASSERT(sch_find_block_ptr(sch->func->body, b, &pb));
	tir_analyzer *an = sch_analyzer_for_path(ctx, &pl, pl.n - 1);
	tir_expr *ext = tir_simplify(ctx, an, loop->u.loop.extent);
	tir_analyzer_free(an);
	/* Loops binding reduce iter vars other than the factored one. */
	tir_expr *rloop[32], *rvar[32];
	const tir_stmt *rstmt[32];
	int nrl = 0;
	int top = -1;
	for (int d = 0; d < pb.n - 1; d++) {
		const tir_stmt *s = pb.node[d];
		if (s->kind != TIR_STMT_FOR)
			continue;
		if (top < 0)
			top = d;
		if (s->u.loop.var == lh->var || !binds_reduce(rs, s->u.loop.var))
			continue;
		if (nrl >= 32)
			return sb_set_error(SB_ERR_UNSUPPORTED, "%s: too many loops", P);
		if (binds_spatial(rs, s->u.loop.var))
			return sb_set_error(SB_ERR_INVALID,
					    "%s: loop %s binds both spatial and reduce iter vars of "
					    "block %s",
					    P, sch_var_name(s->u.loop.var), b->name);
		rloop[nrl] = s->u.loop.var;
		rstmt[nrl] = s;
		nrl++;
	}
	for (int i = 0; i < nrl; i++) {
		if (!tir_expr_is_const(rstmt[i]->u.loop.min, 0) ||
		    uses_any(rstmt[i]->u.loop.extent, 1, &lh->var))
			return sb_set_error(SB_ERR_UNSUPPORTED,
					    "%s: reduction loop %s does not start at 0 with a fixed "
					    "extent",
					    P, sch_var_name(rloop[i]));
	}
	if (ext->kind != TIR_INT_IMM && uses_any(ext, nrl, rloop))
		return sb_set_error(SB_ERR_UNSUPPORTED, "%s: the extent of loop %s varies", P,
				    sch_var_name(lh->var));

	/* The rf buffer: W's shape plus the factored extent, last. */
	int nd = W->ndim;
	tir_expr **shape = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, nd + 1);
	for (int d = 0; d < nd; d++)
		shape[d] = W->shape[d];
	shape[nd] = ext;
	char name[256];
	snprintf(name, sizeof name, "%.200s_rf", W->name);
	tir_buffer *rf = tir_buffer_new(ctx, name, W->dtype, nd + 1, shape);

	/* The rf block: b's spatial iters, vr = the loop, one reduce iter per
	 * other reduction loop; b's reduce iters become expressions of them. */
	int nsp = 0;
	for (int i = 0; i < b->niters; i++)
		nsp += b->iters[i].kind == TIR_ITER_SPATIAL;
	int nit = nsp + 1 + nrl;
	tir_iter_var *iters = SB_ARENA_ARRAY(&ctx->arena, tir_iter_var, nit);
	tir_expr **vals = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, nit);
	int k = 0;
	for (int i = 0; i < b->niters; i++) {
		if (b->iters[i].kind != TIR_ITER_SPATIAL)
			continue;
		iters[k] = b->iters[i];
		vals[k++] = rs->u.realize.values[i];
	}
	tir_expr *vr = tir_var(ctx, "vr", lh->var->type);
	iters[k] = (tir_iter_var){vr, {tir_imm_int(ctx, vr->type, 0), ext}, TIR_ITER_SPATIAL};
	vals[k++] = lh->var;
	for (int i = 0; i < nrl; i++) {
		char nm[64];
		snprintf(nm, sizeof nm, "v%s", sch_var_name(rloop[i]));
		rvar[i] = tir_var(ctx, nm, rloop[i]->type);
		iters[k] = (tir_iter_var){rvar[i],
					  {tir_imm_int(ctx, rvar[i]->type, 0), rstmt[i]->u.loop.extent},
					  TIR_ITER_REDUCE};
		vals[k++] = rloop[i];
	}
	tir_expr *lfrom[33], *lto[33];
	for (int i = 0; i < nrl; i++) {
		lfrom[i] = rloop[i];
		lto[i] = rvar[i];
	}
	lfrom[nrl] = lh->var;
	lto[nrl] = vr;
	tir_expr *rfrom[32], *rto[32];
	int nred = 0;
	for (int i = 0; i < b->niters; i++) {
		if (b->iters[i].kind != TIR_ITER_REDUCE)
			continue;
		tir_expr *v = rs->u.realize.values[i];
		/* Another loop var left in the binding would be undefined in
		 * the block. */
		tir_expr *sv = tir_substitute(ctx, v, nrl + 1, lfrom, lto);
		for (int d = 0; d < pb.n - 1; d++) {
			const tir_stmt *s = pb.node[d];
			if (s->kind == TIR_STMT_FOR && tir_expr_uses_var(sv, s->u.loop.var))
				return sb_set_error(SB_ERR_UNSUPPORTED,
						    "%s: the binding of %s uses loop %s", P,
						    sch_var_name(b->iters[i].var),
						    sch_var_name(s->u.loop.var));
		}
		rfrom[nred] = b->iters[i].var;
		rto[nred++] = sv;
	}
	int ni = store->u.store.nindices;
	tir_expr **rix = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, ni + 1);
	for (int d = 0; d < ni; d++)
		rix[d] = store->u.store.indices[d];
	rix[ni] = vr;
	tir_expr *cur = tir_load(ctx, rf, ni + 1, rix);
	tir_expr *upd_rhs = tir_substitute(ctx, rhs, nred, rfrom, rto);
	tir_stmt *rf_body = tir_store(ctx, rf, tir_binary(ctx, op, cur, upd_rhs), ni + 1, rix);
	snprintf(name, sizeof name, "%.200s_rf", b->name);
	const char *rf_name = tir_intern(ctx, name);
	tir_block *rb = tir_block_new(ctx, rf_name, nit, iters, rf_body);
	rb->init = tir_store(ctx, rf, ident, ni + 1, rix);
	sch_block_infer_regions(ctx, rb);

	/* The final block: b's spatial iters (fresh) and vr as a reduction. */
	tir_iter_var *fit = SB_ARENA_ARRAY(&ctx->arena, tir_iter_var, nsp + 1);
	tir_expr **ffrom = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, nsp + 1);
	tir_expr **fto = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, nsp + 1);
	tir_expr **flv = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, nsp + 1);
	k = 0;
	for (int i = 0; i < b->niters; i++) {
		if (b->iters[i].kind != TIR_ITER_SPATIAL)
			continue;
		fit[k] = b->iters[i];
		fit[k].var = tir_var(ctx, sch_var_name(b->iters[i].var), b->iters[i].var->type);
		ffrom[k] = b->iters[i].var;
		fto[k] = fit[k].var;
		char nm[32];
		snprintf(nm, sizeof nm, "ax%d", k);
		flv[k] = tir_var(ctx, nm, fit[k].var->type);
		k++;
	}
	tir_expr *fvr = tir_var(ctx, "vr", vr->type);
	fit[nsp] = (tir_iter_var){fvr, {tir_imm_int(ctx, vr->type, 0), ext}, TIR_ITER_REDUCE};
	flv[nsp] = tir_var(ctx, "ax_rf", vr->type);
	tir_expr **fix = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, ni + 1);
	for (int d = 0; d < ni; d++)
		fix[d] = tir_substitute(ctx, store->u.store.indices[d], nsp, ffrom, fto);
	fix[ni] = fvr;
	tir_expr *wcur = tir_load(ctx, W, ni, fix);
	tir_stmt *f_body = tir_store(ctx, W, tir_binary(ctx, op, wcur, tir_load(ctx, rf, ni + 1, fix)),
				     ni, fix);
	tir_block *fb = tir_block_new(ctx, b->name, nsp + 1, fit, f_body);
	fb->init = sch_stmt_substitute(ctx, b->init, nsp, ffrom, fto);
	sch_block_infer_regions(ctx, fb);
	tir_expr **fvals = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, nsp + 1);
	for (int i = 0; i < nsp; i++)
		fvals[i] = tir_expr_is_const(fit[i].dom.min, 0)
			       ? flv[i]
			       : tir_add(ctx, fit[i].dom.min, flv[i]);
	fvals[nsp] = flv[nsp];
	tir_stmt *fnest = tir_block_realize(ctx, fb, fvals, nonempty_guard(ctx, b, tir_bool(ctx, true)));
	fnest = tir_for(ctx, flv[nsp], tir_imm_int(ctx, vr->type, 0), ext, TIR_FOR_SERIAL, fnest);
	for (int i = nsp - 1; i >= 0; i--)
		fnest = tir_for(ctx, flv[i], tir_imm_int(ctx, flv[i]->type, 0), fit[i].dom.extent,
				TIR_FOR_SERIAL, fnest);

	/* rf block in b's place; the final nest after b's loop nest, both in
	 * the rf buffer's allocation; then the rf init split off. */
	tir_stmt *body = sch_path_replace(ctx, &pb, pb.n - 1,
					  tir_block_realize(ctx, rb, vals, rs->u.realize.predicate));
	sch_path q;
	SB_ASSERT(sch_find_block_ptr(body, rb, &q));
	SB_ASSERT(top >= 0);
	tir_stmt *parts[2] = {q.node[top], fnest};
	body = sch_path_replace(ctx, &q, top, tir_allocate(ctx, rf, tir_seq(ctx, 2, parts)));
	if (nrl > 0) {
		SB_ASSERT(sch_find_block_ptr(body, rb, &q));
		int d0 = -1;
		for (int d = 0; d < q.n - 1 && d0 < 0; d++) {
			const tir_stmt *s = q.node[d];
			for (int i = 0; i < nrl; i++) {
				if (s->kind == TIR_STMT_FOR && s->u.loop.var == rloop[i])
					d0 = d;
			}
		}
		SB_ASSERT(d0 >= 0);
		snprintf(name, sizeof name, "%.200s_rf_init", b->name);
		if ((st = decompose_at(ctx, P, &q, d0, name, &body)))
			return st;
	}
	sch_commit(sch, body, P);
	*out = sch_block_handle(sch, rf_name);
	sch_trace(sch, "%s = rfactor(%s)", (*out)->name, lh->name);
	return SB_OK;
}
