/* pad_read: a padded copy of an input, so a window read needs no bounds
 * check.  topi writes a padded read as a select around a clamped load
 * (loads never leave their buffer):
 *
 *   select(y + ky - 1 >= 0 && y + ky - 1 < h && ..., X[n, c, max(min(h - 1, y + ky - 1), 0), ...], 0)
 *
 * which costs a compare and a gather per lane in vector code.  pad_read
 * makes X_pad, X with the pads the block's iteration domain reaches filled
 * with the select's constant, in a block of its own before the user's loop
 * nest, and the user then reads X_pad[n, c, y + ky, ...]: contiguous. */
#include <stdio.h>
#include <stdlib.h>

#include "tir/schedule/schedule.h"

/* e if ix is clamp(e, 0, extent - 1) in either nesting, else NULL. */
static tir_expr *unclamped(tir_ctx *ctx, tir_expr *ix, tir_expr *extent)
{
	tir_expr *one = tir_imm_int(ctx, extent->type, 1), *zero = tir_imm_int(ctx, extent->type, 0);
	tir_expr *hi = tir_sub(ctx, extent, one);
	for (int outer_max = 0; outer_max < 2; outer_max++) {
		tir_expr_kind ok = outer_max ? TIR_MAX : TIR_MIN, ik = outer_max ? TIR_MIN : TIR_MAX;
		tir_expr *obound = outer_max ? zero : hi, *ibound = outer_max ? hi : zero;
		if (ix->kind != ok)
			continue;
		for (int a = 0; a < 2; a++) {
			tir_expr *in = ix->ops[a], *ob = ix->ops[1 - a];
			if (in->kind != ik || !tir_can_prove_equal(ctx, NULL, ob, obound))
				continue;
			for (int b = 0; b < 2; b++) {
				if (tir_can_prove_equal(ctx, NULL, in->ops[1 - b], ibound))
					return in->ops[b];
			}
		}
	}
	return NULL;
}

typedef SB_VEC(tir_expr *) expr_list;

static void conjuncts(tir_ctx *ctx, tir_expr *c, expr_list *out)
{
	if (c->kind == TIR_AND) {
		conjuncts(ctx, c->ops[0], out);
		conjuncts(ctx, c->ops[1], out);
		return;
	}
	sb_vec_push(out, tir_simplify(ctx, NULL, c));
}

static bool same_set(const expr_list *a, const expr_list *b)
{
	for (int k = 0; k < 2; k++) {
		const expr_list *x = k ? b : a, *y = k ? a : b;
		for (size_t i = 0; i < x->len; i++) {
			bool found = false;
			for (size_t j = 0; j < y->len && !found; j++)
				found = x->data[i] == y->data[j];
			if (!found)
				return false;
		}
	}
	return true;
}

typedef struct pad_env {
	tir_ctx *ctx;
	tir_buffer *x, *xp;
	tir_expr **pad_lo;	/* per dim; NULL: not padded */
	tir_expr *fill;		/* the select's constant, one for all */
	bool bad;		/* a load of x not in the padded form */
	const char *why;
	bool collecting;	/* first pass: find the pads' unclamped indices */
	expr_list lo_idx[16];	/* unclamped indices seen per dim */
} pad_env;

/* The unclamped indices of a padded load select(c, x[clamp...], k), or
 * NULL. */
static tir_expr **padded_load(pad_env *pe, const tir_expr *e, const tir_expr **ld_out)
{
	tir_ctx *ctx = pe->ctx;
	if (e->kind != TIR_SELECT || e->ops[1]->kind != TIR_BUFFER_LOAD ||
	    e->ops[1]->u.buffer != pe->x || e->ops[2]->kind != TIR_FLOAT_IMM)
		return NULL;
	const tir_expr *ld = e->ops[1];
	int nd = pe->x->ndim;
	tir_expr **un = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, nd ? nd : 1);
	expr_list want = {0}, have = {0};
	bool any = false;
	for (int d = 0; d < nd; d++) {
		tir_expr *u = unclamped(ctx, ld->ops[d], pe->x->shape[d]);
		un[d] = u;
		if (!u)
			continue;
		any = true;
		tir_expr *zero = tir_imm_int(ctx, u->type, 0);
		sb_vec_push(&want, tir_simplify(ctx, NULL, tir_ge(ctx, u, zero)));
		sb_vec_push(&want, tir_simplify(ctx, NULL, tir_lt(ctx, u, pe->x->shape[d])));
	}
	conjuncts(ctx, e->ops[0], &have);
	bool ok = any && same_set(&want, &have);
	sb_vec_free(&want);
	sb_vec_free(&have);
	if (!ok)
		return NULL;
	*ld_out = ld;
	return un;
}

static tir_expr *pad_fn(tir_ctx *ctx, tir_expr *e, void *env);

static tir_expr *pad_rewrite(pad_env *pe, tir_expr *e)
{
	return tir_expr_rewrite(pe->ctx, e, pad_fn, pe);
}

/* Post-order: a select whose load is padded is replaced whole; a load of
 * x reached on its own is not in the padded form. */
static tir_expr *pad_fn(tir_ctx *ctx, tir_expr *e, void *env)
{
	pad_env *pe = env;
	if (e->kind == TIR_SELECT && e->ops[1]->kind == TIR_BUFFER_LOAD &&
	    e->ops[1]->u.buffer == pe->x) {
		const tir_expr *ld;
		tir_expr **un = padded_load(pe, e, &ld);
		if (!un) {
			pe->bad = true;
			pe->why = "a select around it is not its bounds check";
			return NULL;
		}
		if (pe->fill && pe->fill != e->ops[2]) {
			pe->bad = true;
			pe->why = "its padded reads fill with different constants";
			return NULL;
		}
		pe->fill = e->ops[2];
		int nd = pe->x->ndim;
		tir_expr *ix[16];
		for (int d = 0; d < nd; d++) {
			if (pe->collecting) {
				if (un[d])
					sb_vec_push(&pe->lo_idx[d], un[d]);
				ix[d] = ld->ops[d];
				continue;
			}
			ix[d] = un[d] ? (pe->pad_lo[d]
					     ? tir_simplify(ctx, NULL, tir_add(ctx, un[d], pe->pad_lo[d]))
					     : un[d])
				      : ld->ops[d];
		}
		if (pe->collecting)
			return NULL;
		return tir_load(ctx, pe->xp, nd, ix);
	}
	return NULL;
}

static tir_expr *pad_expr_map(sch_mapper *m, tir_expr *e)
{
	return pad_rewrite(m->env, e);
}

sb_status tir_schedule_pad_read(tir_schedule *sch, tir_sch_block *bh, int read_index,
				tir_sch_block **out)
{
	tir_ctx *ctx = sch->ctx;
	const char *P = "pad_read";
	sch_path p;
	sb_status st = sch_block_path(sch, P, bh, &p);
	if (st)
		return st;
	const tir_stmt *rs = p.node[p.n - 1];
	const tir_block *b = rs->u.realize.block;
	if ((st = sch_check_not_opaque(sch->func, P, b)))
		return st;
	if (read_index < 0 || read_index >= b->nreads)
		return sb_set_error(SB_ERR_INVALID, "%s: block %s has %d read buffers; index %d is out "
				    "of range",
				    P, b->name, b->nreads, read_index);
	tir_buffer *x = b->reads[read_index].buffer;
	int nd = x->ndim;
	if (nd > 16)
		return sb_set_error(SB_ERR_UNSUPPORTED, "%s: %s has too many dimensions", P, x->name);
	/* Pass 1: every load of x padded; collect the unclamped indices. */
	pad_env pe = {.ctx = ctx, .x = x, .collecting = true};
	sch_mapper m = {.ctx = ctx, .expr = pad_expr_map, .env = &pe};
	tir_stmt *nbody = sch_stmt_map(&m, b->body);
	tir_stmt *ninit = sch_stmt_map(&m, b->init);
	(void)nbody;
	(void)ninit;
	if (!pe.bad && !pe.fill) {
		pe.bad = true;
		pe.why = "it is not read through a padded select";
	}
	/* Pads: how far the unclamped indices reach outside, over the block's
	 * iteration domain. */
	tir_analyzer *an = tir_analyzer_new(ctx);
	sch_dom dom;
	sch_dom_init(&dom);
	for (int i = 0; i < b->niters; i++)
		sch_dom_add(&dom, b->iters[i].var, b->iters[i].dom.min, b->iters[i].dom.extent);
	tir_expr *lo[16] = {0}, *hi[16] = {0}, *shape[16];
	pe.pad_lo = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, nd ? nd : 1);
	for (int d = 0; d < nd && !pe.bad; d++) {
		tir_type t = x->shape[d]->type;
		tir_expr *zero = tir_imm_int(ctx, t, 0);
		lo[d] = hi[d] = NULL;
		for (size_t k = 0; k < pe.lo_idx[d].len && !pe.bad; k++) {
			tir_expr *l, *h;
			if (!sch_relax(ctx, an, &dom, pe.lo_idx[d].data[k], &l, &h)) {
				pe.bad = true;
				pe.why = "a padded index cannot be bounded";
				break;
			}
			lo[d] = lo[d] ? tir_simplify(ctx, an, tir_min(ctx, lo[d], l)) : l;
			hi[d] = hi[d] ? tir_simplify(ctx, an, tir_max(ctx, hi[d], h)) : h;
		}
		shape[d] = x->shape[d];
		if (!lo[d] || pe.bad)
			continue;
		tir_expr *pl = tir_simplify(ctx, an, tir_max(ctx, tir_sub(ctx, zero, lo[d]), zero));
		tir_expr *ph = tir_simplify(
		    ctx, an,
		    tir_max(ctx, tir_sub(ctx, hi[d], tir_sub(ctx, x->shape[d], tir_imm_int(ctx, t, 1))),
			    zero));
		if (pl->kind != TIR_INT_IMM) {
			pe.bad = true;
			pe.why = "its low pad is not a constant";
			break;
		}
		pe.pad_lo[d] = tir_expr_is_const(pl, 0) ? NULL : pl;
		shape[d] = tir_simplify(ctx, an, tir_add(ctx, tir_add(ctx, x->shape[d], pl), ph));
	}
	sch_dom_free(&dom);
	tir_analyzer_free(an);
	for (int d = 0; d < 16; d++)
		sb_vec_free(&pe.lo_idx[d]);
	if (pe.bad)
		return sb_set_error(SB_ERR_UNSUPPORTED, "%s: block %s reads %s but %s", P, b->name,
				    x->name, pe.why);
	char name[256];
	snprintf(name, sizeof name, "%.200s_pad", x->name);
	tir_buffer *xp = tir_buffer_new(ctx, name, x->dtype, nd, shape);
	pe.xp = xp;
	/* Pass 2: the block reads x_pad. */
	pe.collecting = false;
	tir_block *nb = sch_block_copy(ctx, b);
	nb->body = sch_stmt_map(&m, b->body);
	nb->init = sch_stmt_map(&m, b->init);
	if (sch_stmt_reads(nb->body, x) || sch_stmt_reads(nb->init, x))
		return sb_set_error(SB_ERR_UNSUPPORTED, "%s: block %s also reads %s unpadded", P,
				    b->name, x->name);
	sch_block_infer_regions(ctx, nb);
	/* The pad block: x_pad[v] = select(v - pad in x, x[clamp(v - pad)], fill). */
	tir_iter_var iters[16];
	tir_expr *lv[16], *src[16], *dst[16];
	tir_expr *cond = tir_bool(ctx, true);
	for (int d = 0; d < nd; d++) {
		tir_type t = shape[d]->type;
		char nm[32];
		snprintf(nm, sizeof nm, "v%d", d);
		iters[d] = (tir_iter_var){tir_var(ctx, nm, t), {tir_imm_int(ctx, t, 0), shape[d]},
					  TIR_ITER_SPATIAL};
		snprintf(nm, sizeof nm, "ax%d", d);
		lv[d] = tir_var(ctx, nm, t);
		dst[d] = iters[d].var;
		src[d] = iters[d].var;
		if (shape[d] == x->shape[d] && !pe.pad_lo[d])
			continue;
		tir_expr *u = pe.pad_lo[d] ? tir_sub(ctx, iters[d].var, pe.pad_lo[d]) : iters[d].var;
		tir_expr *zero = tir_imm_int(ctx, t, 0), *one = tir_imm_int(ctx, t, 1);
		tir_expr *in = tir_and(ctx, tir_ge(ctx, u, zero), tir_lt(ctx, u, x->shape[d]));
		cond = tir_expr_is_const(cond, 1) ? in : tir_and(ctx, cond, in);
		src[d] = tir_max(ctx, tir_min(ctx, u, tir_sub(ctx, x->shape[d], one)), zero);
	}
	tir_expr *val = tir_load(ctx, x, nd, src);
	if (!tir_expr_is_const(cond, 1))
		val = tir_select(ctx, cond, val, pe.fill);
	tir_block *pb = tir_block_new(ctx, name, nd, iters, tir_store(ctx, xp, val, nd, dst));
	sch_block_infer_regions(ctx, pb);
	tir_stmt *pnest = tir_block_realize(ctx, pb, lv, NULL);
	for (int d = nd - 1; d >= 0; d--)
		pnest = tir_for(ctx, lv[d], tir_imm_int(ctx, lv[d]->type, 0), shape[d], TIR_FOR_SERIAL,
				pnest);
	/* In b's place; the pad nest before b's outermost loop. */
	tir_stmt *body = sch_path_replace(ctx, &p, p.n - 1,
					  tir_block_realize(ctx, nb, rs->u.realize.values,
							    rs->u.realize.predicate));
	sch_path q;
	SB_ASSERT(sch_find_block_ptr(body, nb, &q));
	int top = q.n - 1;
	for (int d = 0; d < q.n - 1; d++) {
		if (q.node[d]->kind == TIR_STMT_FOR) {
			top = d;
			break;
		}
	}
	tir_stmt *parts[2] = {pnest, q.node[top]};
	body = sch_path_replace(ctx, &q, top, tir_allocate(ctx, xp, tir_seq(ctx, 2, parts)));
	sch_commit(sch, body, P);
	tir_sch_block *h = sch_block_handle(sch, pb->name);
	if (out)
		*out = h;
	sch_trace(sch, "%s = pad_read(%s, %d)", h->name, bh->name, read_index);
	return SB_OK;
}
