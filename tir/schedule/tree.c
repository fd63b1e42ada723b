/* The statement-tree plumbing every primitive shares: paths from the root
 * to a node and rebuilding along them (statements have no parent
 * pointers, and rewrites are functional), the statement mapper, region
 * relaxation, region inference for blocks, and binding simplification. */
#include <stdlib.h>

#include "tir/schedule/schedule.h"

/* ---- Children ---- */

int sch_stmt_nchildren(const tir_stmt *s)
{
	switch (s->kind) {
	case TIR_STMT_FOR:
	case TIR_STMT_ALLOCATE:
	case TIR_STMT_LET:
		return 1;
	case TIR_STMT_IF:
	case TIR_STMT_BLOCK_REALIZE:
		return 2;
	case TIR_STMT_SEQ:
		return s->u.seq.n;
	default:
		return 0;
	}
}

tir_stmt *sch_stmt_child(const tir_stmt *s, int i)
{
	switch (s->kind) {
	case TIR_STMT_FOR:
		return s->u.loop.body;
	case TIR_STMT_ALLOCATE:
		return s->u.alloc.body;
	case TIR_STMT_LET:
		return s->u.let.body;
	case TIR_STMT_IF:
		return i == 0 ? s->u.if_.then_case : s->u.if_.else_case;
	case TIR_STMT_BLOCK_REALIZE:
		return i == 0 ? s->u.realize.block->init : s->u.realize.block->body;
	case TIR_STMT_SEQ:
		return s->u.seq.stmts[i];
	default:
		SB_UNREACHABLE();
	}
}

tir_block *sch_block_copy(tir_ctx *ctx, const tir_block *b)
{
	tir_block *n = SB_ARENA_NEW(&ctx->arena, tir_block);
	*n = *b;
	if (b->niters) {
		n->iters = SB_ARENA_ARRAY(&ctx->arena, tir_iter_var, b->niters);
		memcpy(n->iters, b->iters, sizeof(tir_iter_var) * (size_t)b->niters);
	}
	return n;
}

static tir_stmt *empty_seq(tir_ctx *ctx)
{
	return tir_seq(ctx, 0, NULL);
}

tir_stmt *sch_stmt_with_child(tir_ctx *ctx, tir_stmt *s, int i, tir_stmt *c)
{
	switch (s->kind) {
	case TIR_STMT_FOR:
		return tir_for(ctx, s->u.loop.var, s->u.loop.min, s->u.loop.extent, s->u.loop.kind,
			       c ? c : empty_seq(ctx));
	case TIR_STMT_ALLOCATE:
		return tir_allocate(ctx, s->u.alloc.buffer, c ? c : empty_seq(ctx));
	case TIR_STMT_LET:
		return tir_let(ctx, s->u.let.var, s->u.let.value, c ? c : empty_seq(ctx));
	case TIR_STMT_IF:
		if (i == 0)
			return tir_if(ctx, s->u.if_.cond, c ? c : empty_seq(ctx), s->u.if_.else_case);
		return tir_if(ctx, s->u.if_.cond, s->u.if_.then_case, c);
	case TIR_STMT_BLOCK_REALIZE: {
		tir_block *b = sch_block_copy(ctx, s->u.realize.block);
		if (i == 0)
			b->init = c;
		else
			b->body = c ? c : empty_seq(ctx);
		return tir_block_realize(ctx, b, s->u.realize.values, s->u.realize.predicate);
	}
	case TIR_STMT_SEQ: {
		int n = s->u.seq.n;
		tir_stmt **v = sb_xmalloc(sizeof *v * (size_t)n);
		memcpy(v, s->u.seq.stmts, sizeof *v * (size_t)n);
		v[i] = c;
		tir_stmt *r = tir_seq(ctx, n, v);
		free(v);
		if (r->u.seq.n == 1)
			return r->u.seq.stmts[0];
		return r;
	}
	default:
		SB_UNREACHABLE();
	}
}

/* ---- Paths ---- */

static bool find_rec(tir_stmt *s, bool (*match)(const tir_stmt *, const void *), const void *env,
		     sch_path *p)
{
	if (p->n >= SCH_MAX_DEPTH)
		return false;
	p->node[p->n++] = s;
	if (match(s, env))
		return true;
	int nc = sch_stmt_nchildren(s);
	for (int i = 0; i < nc; i++) {
		tir_stmt *c = sch_stmt_child(s, i);
		if (!c)
			continue;
		p->child[p->n - 1] = i;
		if (find_rec(c, match, env, p))
			return true;
	}
	p->n--;
	return false;
}

bool sch_find(tir_stmt *root, bool (*match)(const tir_stmt *s, const void *env), const void *env,
	      sch_path *p)
{
	p->n = 0;
	return find_rec(root, match, env, p);
}

static bool match_loop(const tir_stmt *s, const void *env)
{
	return s->kind == TIR_STMT_FOR && s->u.loop.var == env;
}
static bool match_block_name(const tir_stmt *s, const void *env)
{
	return s->kind == TIR_STMT_BLOCK_REALIZE && s->u.realize.block->name == env;
}
static bool match_block_ptr(const tir_stmt *s, const void *env)
{
	return s->kind == TIR_STMT_BLOCK_REALIZE && s->u.realize.block == env;
}

bool sch_find_loop(tir_stmt *root, const tir_expr *var, sch_path *p)
{
	return sch_find(root, match_loop, var, p);
}
bool sch_find_block(tir_stmt *root, const char *name, sch_path *p)
{
	return sch_find(root, match_block_name, name, p);
}
bool sch_find_block_ptr(tir_stmt *root, const tir_block *blk, sch_path *p)
{
	return sch_find(root, match_block_ptr, blk, p);
}

tir_stmt *sch_path_replace(tir_ctx *ctx, const sch_path *p, int depth, tir_stmt *repl)
{
	SB_ASSERT(depth >= 0 && depth < p->n);
	tir_stmt *cur = repl;
	for (int d = depth - 1; d >= 0; d--) {
		tir_stmt *parent = p->node[d];
		int ci = p->child[d];
		if (!cur) {
			switch (parent->kind) {
			case TIR_STMT_FOR:
			case TIR_STMT_LET:
			case TIR_STMT_ALLOCATE:
				continue; /* left empty: goes too */
			case TIR_STMT_IF:
				if (ci == 1 || !parent->u.if_.else_case)
					cur = ci == 1 ? sch_stmt_with_child(ctx, parent, 1, NULL)
						      : NULL;
				else
					cur = sch_stmt_with_child(ctx, parent, 0, NULL);
				continue;
			case TIR_STMT_SEQ:
				if (parent->u.seq.n <= 1)
					continue;
				cur = sch_stmt_with_child(ctx, parent, ci, NULL);
				continue;
			default:
				cur = sch_stmt_with_child(ctx, parent, ci, NULL);
				continue;
			}
		}
		cur = sch_stmt_with_child(ctx, parent, ci, cur);
	}
	return cur ? cur : empty_seq(ctx);
}

int sch_path_loop_above(const sch_path *p, int depth)
{
	for (int d = depth - 1; d >= 0; d--) {
		if (p->node[d]->kind == TIR_STMT_FOR)
			return d;
	}
	return -1;
}

/* ---- The mapper ---- */

static tir_expr *load_buffer_fn(tir_ctx *ctx, tir_expr *e, void *env)
{
	sch_mapper *m = env;
	if (e->kind != TIR_BUFFER_LOAD)
		return NULL;
	tir_buffer *nb = m->buffer(m, e->u.buffer);
	if (nb == e->u.buffer)
		return NULL;
	return tir_load(ctx, nb, (int)e->nops, e->ops);
}

static tir_expr *map_e(sch_mapper *m, tir_expr *e)
{
	if (!e)
		return e;
	if (m->expr)
		e = m->expr(m, e);
	if (m->buffer)
		e = tir_expr_rewrite(m->ctx, e, load_buffer_fn, m);
	return e;
}

static tir_buffer *map_b(sch_mapper *m, tir_buffer *b)
{
	return m->buffer ? m->buffer(m, b) : b;
}

/* Maps n expressions into out; true if any changed. */
static bool map_exprs(sch_mapper *m, int n, tir_expr *const *in, tir_expr **out)
{
	bool changed = false;
	for (int i = 0; i < n; i++) {
		out[i] = map_e(m, in[i]);
		changed |= out[i] != in[i];
	}
	return changed;
}

static tir_region *map_regions(sch_mapper *m, int n, tir_region *rs, bool *changed)
{
	tir_ctx *ctx = m->ctx;
	tir_region *out = NULL;
	for (int i = 0; i < n; i++) {
		tir_buffer *nb = map_b(m, rs[i].buffer);
		int nd = rs[i].buffer->ndim;
		tir_range *nr = SB_ARENA_ARRAY(&ctx->arena, tir_range, nd ? nd : 1);
		bool ch = nb != rs[i].buffer;
		for (int d = 0; d < nd; d++) {
			nr[d].min = map_e(m, rs[i].ranges[d].min);
			nr[d].extent = map_e(m, rs[i].ranges[d].extent);
			ch |= nr[d].min != rs[i].ranges[d].min ||
			      nr[d].extent != rs[i].ranges[d].extent;
		}
		if (ch && !out) {
			out = SB_ARENA_ARRAY(&ctx->arena, tir_region, n);
			memcpy(out, rs, sizeof(tir_region) * (size_t)n);
		}
		if (out) {
			out[i].buffer = nb;
			out[i].ranges = nr;
		}
	}
	*changed |= out != NULL;
	return out ? out : rs;
}

tir_stmt *sch_stmt_map(sch_mapper *m, tir_stmt *s)
{
	tir_ctx *ctx = m->ctx;
	if (!s)
		return NULL;
	switch (s->kind) {
	case TIR_STMT_FOR: {
		tir_expr *mn = map_e(m, s->u.loop.min), *ext = map_e(m, s->u.loop.extent);
		tir_stmt *body = sch_stmt_map(m, s->u.loop.body);
		if (mn == s->u.loop.min && ext == s->u.loop.extent && body == s->u.loop.body)
			return s;
		return tir_for(ctx, s->u.loop.var, mn, ext, s->u.loop.kind, body);
	}
	case TIR_STMT_BLOCK_REALIZE: {
		tir_block *b = s->u.realize.block;
		tir_expr *small[8];
		tir_expr **vals = b->niters <= 8 ? small : sb_xmalloc(sizeof *vals * (size_t)b->niters);
		bool changed = map_exprs(m, b->niters, s->u.realize.values, vals);
		tir_expr *pred = map_e(m, s->u.realize.predicate);
		changed |= pred != s->u.realize.predicate;
		bool bch = false;
		tir_iter_var *iters = NULL;
		for (int i = 0; i < b->niters; i++) {
			tir_expr *mn = map_e(m, b->iters[i].dom.min);
			tir_expr *ext = map_e(m, b->iters[i].dom.extent);
			if (mn == b->iters[i].dom.min && ext == b->iters[i].dom.extent)
				continue;
			if (!iters) {
				iters = SB_ARENA_ARRAY(&ctx->arena, tir_iter_var, b->niters);
				memcpy(iters, b->iters, sizeof *iters * (size_t)b->niters);
			}
			iters[i].dom.min = mn;
			iters[i].dom.extent = ext;
			bch = true;
		}
		tir_region *reads = map_regions(m, b->nreads, b->reads, &bch);
		tir_region *writes = map_regions(m, b->nwrites, b->writes, &bch);
		tir_stmt *init = sch_stmt_map(m, b->init), *body = sch_stmt_map(m, b->body);
		bch |= init != b->init || body != b->body;
		tir_stmt *out = s;
		if (changed || bch) {
			tir_block *nb = b;
			if (bch) {
				nb = sch_block_copy(ctx, b);
				if (iters)
					nb->iters = iters;
				nb->reads = reads;
				nb->writes = writes;
				nb->init = init;
				nb->body = body;
			}
			out = tir_block_realize(ctx, nb, vals, pred);
		}
		if (vals != small)
			free(vals);
		return m->realize ? m->realize(m, out) : out;
	}
	case TIR_STMT_BUFFER_STORE: {
		tir_buffer *nb = map_b(m, s->u.store.buffer);
		tir_expr *v = map_e(m, s->u.store.value);
		int n = s->u.store.nindices;
		tir_expr *small[8], **ix = n <= 8 ? small : sb_xmalloc(sizeof *ix * (size_t)n);
		bool changed = map_exprs(m, n, s->u.store.indices, ix);
		tir_stmt *out = s;
		if (changed || nb != s->u.store.buffer || v != s->u.store.value)
			out = tir_store(ctx, nb, v, n, ix);
		if (ix != small)
			free(ix);
		return m->store ? m->store(m, out) : out;
	}
	case TIR_STMT_ALLOCATE: {
		tir_buffer *nb = map_b(m, s->u.alloc.buffer);
		tir_stmt *body = sch_stmt_map(m, s->u.alloc.body);
		if (nb == s->u.alloc.buffer && body == s->u.alloc.body)
			return s;
		return tir_allocate(ctx, nb, body);
	}
	case TIR_STMT_IF: {
		tir_expr *c = map_e(m, s->u.if_.cond);
		tir_stmt *t = sch_stmt_map(m, s->u.if_.then_case);
		tir_stmt *e = sch_stmt_map(m, s->u.if_.else_case);
		if (c == s->u.if_.cond && t == s->u.if_.then_case && e == s->u.if_.else_case)
			return s;
		return tir_if(ctx, c, t, e);
	}
	case TIR_STMT_LET: {
		tir_expr *v = map_e(m, s->u.let.value);
		tir_stmt *body = sch_stmt_map(m, s->u.let.body);
		if (v == s->u.let.value && body == s->u.let.body)
			return s;
		return tir_let(ctx, s->u.let.var, v, body);
	}
	case TIR_STMT_ASSERT: {
		tir_expr *c = map_e(m, s->u.assert_.cond);
		return c == s->u.assert_.cond ? s : tir_assert(ctx, c, s->u.assert_.message);
	}
	case TIR_STMT_SEQ: {
		int n = s->u.seq.n;
		if (!n)
			return s;
		tir_stmt **v = sb_xmalloc(sizeof *v * (size_t)n);
		bool changed = false;
		for (int i = 0; i < n; i++) {
			v[i] = sch_stmt_map(m, s->u.seq.stmts[i]);
			changed |= v[i] != s->u.seq.stmts[i];
		}
		tir_stmt *out = changed ? tir_seq(ctx, n, v) : s;
		free(v);
		return out;
	}
	case TIR_STMT_EVALUATE: {
		tir_expr *v = map_e(m, s->u.eval.value);
		return v == s->u.eval.value ? s : tir_evaluate(ctx, v);
	}
	}
	SB_UNREACHABLE();
}

typedef struct subst_env {
	int n;
	tir_expr *const *vars, *const *values;
} subst_env;

static tir_expr *subst_expr(sch_mapper *m, tir_expr *e)
{
	subst_env *s = m->env;
	return tir_substitute(m->ctx, e, s->n, s->vars, s->values);
}

tir_stmt *sch_stmt_substitute(tir_ctx *ctx, tir_stmt *s, int n, tir_expr *const *vars,
			      tir_expr *const *values)
{
	subst_env env = {n, vars, values};
	sch_mapper m = {.ctx = ctx, .expr = subst_expr, .env = &env};
	return sch_stmt_map(&m, s);
}

typedef struct buffer_pair {
	tir_buffer *from, *to;
} buffer_pair;

static tir_expr *replace_load_fn(tir_ctx *ctx, tir_expr *e, void *env)
{
	buffer_pair *bp = env;
	if (e->kind != TIR_BUFFER_LOAD || e->u.buffer != bp->from)
		return NULL;
	return tir_load(ctx, bp->to, (int)e->nops, e->ops);
}

tir_expr *sch_expr_replace_buffer(tir_ctx *ctx, tir_expr *e, tir_buffer *from, tir_buffer *to)
{
	buffer_pair bp = {from, to};
	return tir_expr_rewrite(ctx, e, replace_load_fn, &bp);
}

/* ---- Relaxation ---- */

void sch_dom_init(sch_dom *d)
{
	memset(d, 0, sizeof *d);
	sb_map_init(&d->index);
}

void sch_dom_free(sch_dom *d)
{
	sb_map_free(&d->index);
	sb_vec_free(&d->vars);
	sb_vec_free(&d->mins);
	sb_vec_free(&d->extents);
}

void sch_dom_add(sch_dom *d, tir_expr *var, tir_expr *min, tir_expr *extent)
{
	sb_vec_push(&d->vars, var);
	sb_vec_push(&d->mins, min);
	sb_vec_push(&d->extents, extent);
	sb_map_put(&d->index, (uintptr_t)var, (void *)(uintptr_t)d->vars.len);
}

void sch_dom_pop(sch_dom *d)
{
	SB_ASSERT(d->vars.len > 0);
	d->vars.len--;
	d->mins.len--;
	d->extents.len--;
	sb_map_remove(&d->index, (uintptr_t)d->vars.data[d->vars.len]);
}

static void visit_rec(const tir_stmt *s, sch_dom *dom, sch_realize_fn fn, void *env)
{
	if (!s)
		return;
	switch (s->kind) {
	case TIR_STMT_FOR:
		sch_dom_add(dom, s->u.loop.var, s->u.loop.min, s->u.loop.extent);
		visit_rec(s->u.loop.body, dom, fn, env);
		sch_dom_pop(dom);
		return;
	case TIR_STMT_BLOCK_REALIZE:
		fn(s, dom, env);
		return;
	default: {
		int n = sch_stmt_nchildren(s);
		for (int i = 0; i < n; i++)
			visit_rec(sch_stmt_child(s, i), dom, fn, env);
	}
	}
}

void sch_visit_realizes(const tir_stmt *s, bool with_self, sch_realize_fn fn, void *env)
{
	sch_dom dom;
	sch_dom_init(&dom);
	if (s->kind == TIR_STMT_FOR && !with_self)
		visit_rec(s->u.loop.body, &dom, fn, env);
	else
		visit_rec(s, &dom, fn, env);
	sch_dom_free(&dom);
}

static tir_stmt *add_pred_realize(sch_mapper *m, tir_stmt *s)
{
	tir_expr *cond = m->env, *old = s->u.realize.predicate;
	tir_expr *pred = tir_expr_is_const(old, 1) ? cond : tir_and(m->ctx, old, cond);
	return tir_block_realize(m->ctx, s->u.realize.block, s->u.realize.values, pred);
}

tir_stmt *sch_stmt_add_predicate(tir_ctx *ctx, tir_stmt *s, tir_expr *cond)
{
	sch_mapper m = {.ctx = ctx, .realize = add_pred_realize, .env = cond};
	return sch_stmt_map(&m, s);
}

tir_expr *sch_domain_guard(tir_ctx *ctx, tir_analyzer *an, tir_expr *pred, tir_expr *v,
			   tir_expr *min, tir_expr *extent)
{
	tir_expr *conds[2] = {tir_ge(ctx, v, min), tir_lt(ctx, v, tir_add(ctx, min, extent))};
	for (int i = 0; i < 2; i++) {
		if (tir_can_prove(ctx, an, conds[i]))
			continue;
		pred = tir_expr_is_const(pred, 1) ? conds[i] : tir_and(ctx, pred, conds[i]);
	}
	return pred;
}

static bool uses_dom(const tir_expr *e, const sch_dom *d)
{
	if (e->kind == TIR_VAR)
		return sb_map_get(&d->index, (uintptr_t)e, NULL);
	for (uint32_t i = 0; i < e->nops; i++) {
		if (uses_dom(e->ops[i], d))
			return true;
	}
	return false;
}

/* Sign of a dom-free expression: 1 (>= 0), -1 (<= 0), 0 unknown. */
static int sign_of(tir_ctx *ctx, tir_analyzer *an, tir_expr *c)
{
	tir_expr *zero = tir_imm_int(ctx, c->type, 0);
	if (tir_can_prove(ctx, an, tir_ge(ctx, c, zero)))
		return 1;
	if (tir_can_prove(ctx, an, tir_le(ctx, c, zero)))
		return -1;
	return 0;
}

static bool relax_rec(tir_ctx *ctx, tir_analyzer *an, const sch_dom *d, tir_expr *e, tir_expr **lo,
		      tir_expr **hi)
{
	if (!uses_dom(e, d)) {
		*lo = *hi = e;
		return true;
	}
	if (!tir_type_is_int(e->type) || e->type.lanes != 1)
		return false;
	tir_expr *l0, *h0, *l1, *h1;
	switch (e->kind) {
	case TIR_VAR: {
		size_t k = (size_t)(uintptr_t)sb_map_lookup(&d->index, (uintptr_t)e) - 1;
		*lo = d->mins.data[k];
		*hi = tir_sub(ctx, tir_add(ctx, d->mins.data[k], d->extents.data[k]),
			      tir_imm_int(ctx, e->type, 1));
		return true;
	}
	case TIR_ADD:
	case TIR_SUB:
	case TIR_MIN:
	case TIR_MAX:
		if (!relax_rec(ctx, an, d, e->ops[0], &l0, &h0) ||
		    !relax_rec(ctx, an, d, e->ops[1], &l1, &h1))
			return false;
		if (e->kind == TIR_ADD) {
			*lo = tir_add(ctx, l0, l1);
			*hi = tir_add(ctx, h0, h1);
		} else if (e->kind == TIR_SUB) {
			*lo = tir_sub(ctx, l0, h1);
			*hi = tir_sub(ctx, h0, l1);
		} else if (e->kind == TIR_MIN) {
			*lo = tir_min(ctx, l0, l1);
			*hi = tir_min(ctx, h0, h1);
		} else {
			*lo = tir_max(ctx, l0, l1);
			*hi = tir_max(ctx, h0, h1);
		}
		return true;
	case TIR_MUL: {
		int vi = uses_dom(e->ops[0], d) ? 0 : 1;
		tir_expr *c = e->ops[1 - vi];
		if (uses_dom(c, d)) {
			/* Both relaxed: fine when both are non-negative. */
			if (!relax_rec(ctx, an, d, e->ops[0], &l0, &h0) ||
			    !relax_rec(ctx, an, d, e->ops[1], &l1, &h1))
				return false;
			if (sign_of(ctx, an, l0) != 1 || sign_of(ctx, an, l1) != 1)
				return false;
			*lo = tir_mul(ctx, l0, l1);
			*hi = tir_mul(ctx, h0, h1);
			return true;
		}
		if (!relax_rec(ctx, an, d, e->ops[vi], &l0, &h0))
			return false;
		int sg = sign_of(ctx, an, c);
		if (sg == 0)
			return false;
		*lo = tir_mul(ctx, sg > 0 ? l0 : h0, c);
		*hi = tir_mul(ctx, sg > 0 ? h0 : l0, c);
		return true;
	}
	case TIR_FLOOR_DIV:
	case TIR_DIV:
	case TIR_FLOOR_MOD:
	case TIR_MOD: {
		tir_expr *c = e->ops[1];
		if (uses_dom(c, d))
			return false;
		tir_expr *one = tir_imm_int(ctx, c->type, 1);
		if (!tir_can_prove(ctx, an, tir_ge(ctx, c, one)))
			return false;
		if (!relax_rec(ctx, an, d, e->ops[0], &l0, &h0))
			return false;
		if (e->kind == TIR_FLOOR_DIV || e->kind == TIR_DIV) {
			/* Both roundings are monotone for a positive divisor. */
			*lo = tir_binary(ctx, e->kind, l0, c);
			*hi = tir_binary(ctx, e->kind, h0, c);
			return true;
		}
		if (e->kind == TIR_MOD &&
		    !tir_can_prove(ctx, an, tir_ge(ctx, l0, tir_imm_int(ctx, c->type, 0))))
			return false;
		/* One period: the modulo is monotone there too. */
		if (tir_can_prove(ctx, an,
				  tir_eq(ctx, tir_floordiv(ctx, l0, c), tir_floordiv(ctx, h0, c)))) {
			*lo = tir_floormod(ctx, l0, c);
			*hi = tir_floormod(ctx, h0, c);
		} else {
			*lo = tir_imm_int(ctx, c->type, 0);
			*hi = tir_sub(ctx, c, one);
		}
		return true;
	}
	case TIR_SELECT:
		if (!relax_rec(ctx, an, d, e->ops[1], &l0, &h0) ||
		    !relax_rec(ctx, an, d, e->ops[2], &l1, &h1))
			return false;
		*lo = tir_min(ctx, l0, l1);
		*hi = tir_max(ctx, h0, h1);
		return true;
	case TIR_CAST:
		if (!tir_type_is_int(e->ops[0]->type) ||
		    sb_dtype_size(e->ops[0]->type.dtype) > sb_dtype_size(e->type.dtype))
			return false;
		if (!relax_rec(ctx, an, d, e->ops[0], &l0, &h0))
			return false;
		*lo = tir_cast(ctx, e->type, l0);
		*hi = tir_cast(ctx, e->type, h0);
		return true;
	default:
		return false;
	}
}

bool sch_relax(tir_ctx *ctx, tir_analyzer *an, const sch_dom *dom, tir_expr *e, tir_expr **lo,
	       tir_expr **hi)
{
	tir_expr *l, *h;
	if (!relax_rec(ctx, an, dom, e, &l, &h))
		return false;
	*lo = tir_simplify(ctx, an, l);
	*hi = tir_simplify(ctx, an, h);
	return true;
}

static void interval_union(tir_ctx *ctx, tir_analyzer *an, sch_interval *acc, tir_expr *lo,
			   tir_expr *hi)
{
	if (!acc->lo) {
		acc->lo = lo;
		acc->hi = hi;
		return;
	}
	acc->lo = tir_simplify(ctx, an, tir_min(ctx, acc->lo, lo));
	acc->hi = tir_simplify(ctx, an, tir_max(ctx, acc->hi, hi));
}

bool sch_realize_region(tir_ctx *ctx, tir_analyzer *an, const tir_stmt *rs, const tir_buffer *buf,
			bool reads, const sch_dom *dom, sch_interval *out, bool *ok)
{
	const tir_block *b = rs->u.realize.block;
	int n = reads ? b->nreads : b->nwrites;
	const tir_region *regs = reads ? b->reads : b->writes;
	tir_expr *small_v[8], *small_x[8];
	tir_expr **vars = b->niters <= 8 ? small_v : sb_xmalloc(sizeof(tir_expr *) * (size_t)b->niters);
	tir_expr **vals = b->niters <= 8 ? small_x : sb_xmalloc(sizeof(tir_expr *) * (size_t)b->niters);
	for (int i = 0; i < b->niters; i++) {
		vars[i] = b->iters[i].var;
		vals[i] = rs->u.realize.values[i];
	}
	bool found = false;
	for (int r = 0; r < n; r++) {
		if (regs[r].buffer != buf)
			continue;
		/* The block's own output is not among what it consumes. */
		if (reads) {
			bool self = false;
			for (int w = 0; w < b->nwrites; w++)
				self |= b->writes[w].buffer == buf;
			if (self)
				continue;
		}
		found = true;
		for (int dd = 0; dd < buf->ndim; dd++) {
			tir_expr *mn = regs[r].ranges[dd].min;
			tir_expr *last = tir_sub(ctx, tir_add(ctx, mn, regs[r].ranges[dd].extent),
						 tir_imm_int(ctx, mn->type, 1));
			mn = tir_substitute(ctx, mn, b->niters, vars, vals);
			last = tir_substitute(ctx, last, b->niters, vars, vals);
			tir_expr *l0, *h0, *l1, *h1;
			if (!sch_relax(ctx, an, dom, mn, &l0, &h0) ||
			    !sch_relax(ctx, an, dom, last, &l1, &h1)) {
				*ok = false;
				continue;
			}
			interval_union(ctx, an, &out[dd], l0, h1);
			(void)h0;
			(void)l1;
		}
	}
	if (vars != small_v)
		free(vars);
	if (vals != small_x)
		free(vals);
	return found;
}

/* ---- Region inference ---- */

typedef struct access {
	tir_buffer *buf;
	sch_interval *dims;
	bool whole; /* some index could not be bounded */
} access;

typedef struct infer_env {
	tir_ctx *ctx;
	tir_analyzer *an;
	sch_dom dom; /* loops inside the body */
	SB_VEC(access) reads, writes;
} infer_env;

static access *access_slot(infer_env *ie, bool write, tir_buffer *buf)
{
	__typeof__(ie->reads) *v = write ? &ie->writes : &ie->reads;
	for (size_t i = 0; i < v->len; i++) {
		if (v->data[i].buf == buf)
			return &v->data[i];
	}
	access a = {buf, SB_ARENA_ARRAY(&ie->ctx->arena, sch_interval, buf->ndim ? buf->ndim : 1),
		    false};
	sb_vec_push(v, a);
	return &sb_vec_last(v);
}

static void note_access(infer_env *ie, bool write, tir_buffer *buf, int n, tir_expr *const *ix)
{
	access *a = access_slot(ie, write, buf);
	for (int d = 0; d < n && d < buf->ndim; d++) {
		tir_expr *lo, *hi;
		if (!sch_relax(ie->ctx, ie->an, &ie->dom, ix[d], &lo, &hi)) {
			a->whole = true;
			continue;
		}
		interval_union(ie->ctx, ie->an, &a->dims[d], lo, hi);
	}
}

static void note_loads(infer_env *ie, const tir_expr *e, sb_map *seen)
{
	if (sb_map_get(seen, (uintptr_t)e, NULL))
		return;
	sb_map_put(seen, (uintptr_t)e, NULL);
	for (uint32_t i = 0; i < e->nops; i++)
		note_loads(ie, e->ops[i], seen);
	if (e->kind == TIR_BUFFER_LOAD)
		note_access(ie, false, e->u.buffer, (int)e->nops, e->ops);
}

static void note_expr(infer_env *ie, const tir_expr *e)
{
	if (!e)
		return;
	sb_map seen;
	sb_map_init(&seen);
	note_loads(ie, e, &seen);
	sb_map_free(&seen);
}

static void infer_stmt(infer_env *ie, const tir_stmt *s)
{
	if (!s)
		return;
	switch (s->kind) {
	case TIR_STMT_FOR:
		note_expr(ie, s->u.loop.min);
		note_expr(ie, s->u.loop.extent);
		sch_dom_add(&ie->dom, s->u.loop.var, s->u.loop.min, s->u.loop.extent);
		infer_stmt(ie, s->u.loop.body);
		break;
	case TIR_STMT_BUFFER_STORE:
		note_expr(ie, s->u.store.value);
		for (int i = 0; i < s->u.store.nindices; i++)
			note_expr(ie, s->u.store.indices[i]);
		note_access(ie, true, s->u.store.buffer, s->u.store.nindices, s->u.store.indices);
		break;
	case TIR_STMT_BLOCK_REALIZE: {
		/* A nested block: its regions, through its bindings. */
		const tir_block *b = s->u.realize.block;
		for (int k = 0; k < 2; k++) {
			int n = k ? b->nwrites : b->nreads;
			const tir_region *r = k ? b->writes : b->reads;
			for (int i = 0; i < n; i++) {
				access *a = access_slot(ie, k, r[i].buffer);
				a->whole = true;
			}
		}
		break;
	}
	case TIR_STMT_ALLOCATE:
		infer_stmt(ie, s->u.alloc.body);
		break;
	case TIR_STMT_IF:
		note_expr(ie, s->u.if_.cond);
		infer_stmt(ie, s->u.if_.then_case);
		infer_stmt(ie, s->u.if_.else_case);
		break;
	case TIR_STMT_LET:
		note_expr(ie, s->u.let.value);
		infer_stmt(ie, s->u.let.body);
		break;
	case TIR_STMT_ASSERT:
		note_expr(ie, s->u.assert_.cond);
		break;
	case TIR_STMT_SEQ:
		for (int i = 0; i < s->u.seq.n; i++)
			infer_stmt(ie, s->u.seq.stmts[i]);
		break;
	case TIR_STMT_EVALUATE:
		note_expr(ie, s->u.eval.value);
		break;
	}
}

static tir_region *regions_of(infer_env *ie, access *as, size_t n, const tir_block *b,
			      bool skip_written, int *count)
{
	tir_ctx *ctx = ie->ctx;
	tir_region *out = SB_ARENA_ARRAY(&ctx->arena, tir_region, n ? n : 1);
	int k = 0;
	for (size_t i = 0; i < n; i++) {
		access *a = &as[i];
		bool local = false;
		for (int j = 0; j < b->nallocs; j++)
			local |= b->allocs[j] == a->buf;
		if (local)
			continue;
		if (skip_written) {
			bool w = false;
			for (size_t j = 0; j < ie->writes.len; j++)
				w |= ie->writes.data[j].buf == a->buf;
			if (w)
				continue;
		}
		int nd = a->buf->ndim;
		tir_range *r = SB_ARENA_ARRAY(&ctx->arena, tir_range, nd ? nd : 1);
		for (int d = 0; d < nd; d++) {
			if (a->whole || !a->dims[d].lo) {
				r[d].min = tir_imm_int(ctx, a->buf->shape[d]->type, 0);
				r[d].extent = a->buf->shape[d];
				continue;
			}
			r[d].min = a->dims[d].lo;
			r[d].extent = tir_simplify(
			    ctx, ie->an,
			    tir_add(ctx, tir_sub(ctx, a->dims[d].hi, a->dims[d].lo),
				    tir_imm_int(ctx, a->dims[d].lo->type, 1)));
		}
		out[k].buffer = a->buf;
		out[k].ranges = r;
		k++;
	}
	*count = k;
	return out;
}

void sch_block_infer_regions(tir_ctx *ctx, tir_block *b)
{
	infer_env ie = {.ctx = ctx, .an = tir_analyzer_new(ctx)};
	sch_dom_init(&ie.dom);
	infer_stmt(&ie, b->init);
	infer_stmt(&ie, b->body);
	b->reads = regions_of(&ie, ie.reads.data, ie.reads.len, b, true, &b->nreads);
	b->writes = regions_of(&ie, ie.writes.data, ie.writes.len, b, false, &b->nwrites);
	sch_dom_free(&ie.dom);
	sb_vec_free(&ie.reads);
	sb_vec_free(&ie.writes);
	tir_analyzer_free(ie.an);
}

/* ---- Analyzers and bindings ---- */

tir_analyzer *sch_analyzer_for_path(tir_ctx *ctx, const sch_path *p, int depth)
{
	tir_analyzer *an = tir_analyzer_new(ctx);
	for (int d = 0; d < depth && d < p->n; d++) {
		const tir_stmt *s = p->node[d];
		if (s->kind == TIR_STMT_FOR) {
			tir_analyzer_bind_range(an, s->u.loop.var, s->u.loop.min, s->u.loop.extent);
		} else if (s->kind == TIR_STMT_BLOCK_REALIZE) {
			const tir_block *b = s->u.realize.block;
			for (int i = 0; i < b->niters; i++)
				tir_analyzer_bind_range(an, b->iters[i].var, b->iters[i].dom.min,
							b->iters[i].dom.extent);
		}
	}
	return an;
}

/* s with fn applied to each child (children taken from s before any is
 * replaced: a Seq flattens a child that became a Seq). */
static tir_stmt *map_children(tir_ctx *ctx, tir_stmt *s,
			      tir_stmt *(*fn)(tir_ctx *ctx, tir_stmt *c, void *env), void *env)
{
	int n = sch_stmt_nchildren(s);
	if (!n)
		return s;
	tir_stmt **kids = sb_xmalloc(sizeof *kids * (size_t)n);
	bool changed = false;
	for (int i = 0; i < n; i++) {
		tir_stmt *c = sch_stmt_child(s, i);
		kids[i] = c ? fn(ctx, c, env) : c;
		changed |= kids[i] != c;
	}
	tir_stmt *out = s;
	if (changed) {
		if (s->kind == TIR_STMT_SEQ) {
			out = tir_seq(ctx, n, kids);
		} else {
			for (int i = 0; i < n; i++) {
				if (kids[i] != sch_stmt_child(s, i))
					out = sch_stmt_with_child(ctx, out, i, kids[i]);
			}
		}
	}
	free(kids);
	return out;
}

static tir_stmt *simplify_rec(tir_ctx *ctx, tir_analyzer *an, tir_stmt *s);
static tir_stmt *simplify_child(tir_ctx *ctx, tir_stmt *c, void *env)
{
	return simplify_rec(ctx, env, c);
}

static tir_stmt *simplify_rec(tir_ctx *ctx, tir_analyzer *an, tir_stmt *s)
{
	if (!s)
		return s;
	switch (s->kind) {
	case TIR_STMT_FOR: {
		size_t mark = tir_analyzer_mark(an);
		tir_analyzer_bind_range(an, s->u.loop.var, s->u.loop.min, s->u.loop.extent);
		tir_stmt *body = simplify_rec(ctx, an, s->u.loop.body);
		tir_analyzer_restore(an, mark);
		return body == s->u.loop.body ? s : sch_stmt_with_child(ctx, s, 0, body);
	}
	case TIR_STMT_BLOCK_REALIZE: {
		tir_block *b = s->u.realize.block;
		tir_expr *small[8];
		tir_expr **vals = b->niters <= 8 ? small : sb_xmalloc(sizeof *vals * (size_t)b->niters);
		bool changed = false;
		for (int i = 0; i < b->niters; i++) {
			vals[i] = tir_simplify(ctx, an, s->u.realize.values[i]);
			changed |= vals[i] != s->u.realize.values[i];
		}
		tir_expr *pred = tir_simplify(ctx, an, s->u.realize.predicate);
		changed |= pred != s->u.realize.predicate;
		tir_stmt *out = changed ? tir_block_realize(ctx, b, vals, pred) : s;
		if (vals != small)
			free(vals);
		return out;
	}
	case TIR_STMT_IF:
	case TIR_STMT_SEQ:
	case TIR_STMT_ALLOCATE:
	case TIR_STMT_LET:
		return map_children(ctx, s, simplify_child, an);
	default:
		return s;
	}
}

tir_stmt *sch_simplify_bindings(tir_ctx *ctx, tir_analyzer *an, tir_stmt *s)
{
	return simplify_rec(ctx, an, s);
}

/* ---- Queries ---- */

static bool collect_pre(tir_stmt *s, void *env)
{
	if (s->kind == TIR_STMT_BLOCK_REALIZE) {
		SB_VEC(tir_stmt *) *v = env;
		sb_vec_push(v, s);
	}
	return true;
}

int sch_collect_realizes(tir_stmt *root, tir_stmt ***out)
{
	SB_VEC(tir_stmt *) v = {0};
	tir_stmt_walk(root, collect_pre, NULL, &v);
	*out = v.data;
	return (int)v.len;
}

bool sch_buffer_is_param(const tir_func *f, const tir_buffer *buf)
{
	for (int i = 0; i < f->nparams; i++) {
		if (f->params[i].buffer == buf)
			return true;
	}
	return false;
}

typedef struct use_env {
	const tir_buffer *buf;
	bool loads, stores, regions;
	bool found;
} use_env;

static bool expr_loads(const tir_expr *e, const tir_buffer *buf)
{
	if (e->kind == TIR_BUFFER_LOAD && e->u.buffer == buf)
		return true;
	for (uint32_t i = 0; i < e->nops; i++) {
		if (expr_loads(e->ops[i], buf))
			return true;
	}
	return false;
}

static bool use_pre(tir_stmt *s, void *env)
{
	use_env *u = env;
	if (u->found)
		return false;
	tir_expr *es[3] = {0};
	switch (s->kind) {
	case TIR_STMT_FOR:
		es[0] = s->u.loop.min;
		es[1] = s->u.loop.extent;
		break;
	case TIR_STMT_BUFFER_STORE:
		if (u->stores && s->u.store.buffer == u->buf) {
			u->found = true;
			return false;
		}
		es[0] = s->u.store.value;
		if (u->loads) {
			for (int i = 0; i < s->u.store.nindices; i++)
				u->found |= expr_loads(s->u.store.indices[i], u->buf);
		}
		break;
	case TIR_STMT_BLOCK_REALIZE: {
		const tir_block *b = s->u.realize.block;
		if (u->regions) {
			for (int i = 0; i < b->nreads; i++)
				u->found |= b->reads[i].buffer == u->buf;
			for (int i = 0; i < b->nwrites; i++)
				u->found |= b->writes[i].buffer == u->buf;
		}
		es[0] = s->u.realize.predicate;
		break;
	}
	case TIR_STMT_IF:
		es[0] = s->u.if_.cond;
		break;
	case TIR_STMT_LET:
		es[0] = s->u.let.value;
		break;
	case TIR_STMT_ASSERT:
		es[0] = s->u.assert_.cond;
		break;
	case TIR_STMT_EVALUATE:
		es[0] = s->u.eval.value;
		break;
	default:
		break;
	}
	for (int i = 0; i < 3 && u->loads; i++) {
		if (es[i] && expr_loads(es[i], u->buf))
			u->found = true;
	}
	return !u->found;
}

static bool stmt_uses(tir_stmt *s, const tir_buffer *buf, bool loads, bool stores, bool regions)
{
	use_env u = {buf, loads, stores, regions, false};
	tir_stmt_walk(s, use_pre, NULL, &u);
	return u.found;
}

bool sch_stmt_reads(tir_stmt *s, const tir_buffer *buf)
{
	return stmt_uses(s, buf, true, false, false);
}

bool sch_stmt_writes(tir_stmt *s, const tir_buffer *buf)
{
	return stmt_uses(s, buf, false, true, false);
}

bool sch_stmt_uses(tir_stmt *s, const tir_buffer *buf)
{
	return stmt_uses(s, buf, true, true, true);
}

static tir_stmt *drop_rec(tir_ctx *ctx, tir_stmt *s);
static tir_stmt *drop_child(tir_ctx *ctx, tir_stmt *c, void *env)
{
	(void)env;
	return drop_rec(ctx, c);
}

static tir_stmt *drop_rec(tir_ctx *ctx, tir_stmt *s)
{
	if (!s)
		return s;
	if (s->kind == TIR_STMT_ALLOCATE) {
		tir_stmt *body = drop_rec(ctx, s->u.alloc.body);
		if (!stmt_uses(body, s->u.alloc.buffer, true, true, true))
			return body;
		return body == s->u.alloc.body ? s : tir_allocate(ctx, s->u.alloc.buffer, body);
	}
	if (s->kind == TIR_STMT_BLOCK_REALIZE) {
		tir_block *b = s->u.realize.block;
		tir_stmt *init = drop_rec(ctx, b->init), *body = drop_rec(ctx, b->body);
		int keep = 0;
		for (int i = 0; i < b->nallocs; i++) {
			if (stmt_uses(init, b->allocs[i], true, true, true) ||
			    stmt_uses(body, b->allocs[i], true, true, true))
				keep++;
		}
		if (init == b->init && body == b->body && keep == b->nallocs)
			return s;
		tir_block *nb = sch_block_copy(ctx, b);
		nb->init = init;
		nb->body = body;
		if (keep != b->nallocs) {
			nb->allocs = SB_ARENA_ARRAY(&ctx->arena, tir_buffer *, keep ? keep : 1);
			nb->nallocs = 0;
			for (int i = 0; i < b->nallocs; i++) {
				if (stmt_uses(init, b->allocs[i], true, true, true) ||
				    stmt_uses(body, b->allocs[i], true, true, true))
					nb->allocs[nb->nallocs++] = b->allocs[i];
			}
		}
		return tir_block_realize(ctx, nb, s->u.realize.values, s->u.realize.predicate);
	}
	return map_children(ctx, s, drop_child, NULL);
}

tir_stmt *sch_drop_unused_allocs(tir_ctx *ctx, tir_stmt *s)
{
	return drop_rec(ctx, s);
}

/* ---- Opaque blocks ---- */

typedef struct opaque_env {
	sb_map ok; /* vars that may appear */
	bool opaque;
} opaque_env;

static void allow_expr_vars(sb_map *m, const tir_expr *e)
{
	if (e->kind == TIR_VAR) {
		sb_map_put(m, (uintptr_t)e, NULL);
		return;
	}
	for (uint32_t i = 0; i < e->nops; i++)
		allow_expr_vars(m, e->ops[i]);
}

static void check_expr_vars(opaque_env *oe, const tir_expr *e)
{
	if (!e || oe->opaque)
		return;
	if (e->kind == TIR_VAR) {
		if (!e->u.var.is_shape && !e->type.handle && !sb_map_get(&oe->ok, (uintptr_t)e, NULL))
			oe->opaque = true;
		return;
	}
	for (uint32_t i = 0; i < e->nops; i++)
		check_expr_vars(oe, e->ops[i]);
}

static bool opaque_pre(tir_stmt *s, void *env)
{
	opaque_env *oe = env;
	switch (s->kind) {
	case TIR_STMT_FOR:
		check_expr_vars(oe, s->u.loop.min);
		check_expr_vars(oe, s->u.loop.extent);
		sb_map_put(&oe->ok, (uintptr_t)s->u.loop.var, NULL);
		break;
	case TIR_STMT_LET:
		check_expr_vars(oe, s->u.let.value);
		sb_map_put(&oe->ok, (uintptr_t)s->u.let.var, NULL);
		break;
	case TIR_STMT_BUFFER_STORE:
		check_expr_vars(oe, s->u.store.value);
		for (int i = 0; i < s->u.store.nindices; i++)
			check_expr_vars(oe, s->u.store.indices[i]);
		break;
	case TIR_STMT_IF:
		check_expr_vars(oe, s->u.if_.cond);
		break;
	case TIR_STMT_ASSERT:
		check_expr_vars(oe, s->u.assert_.cond);
		break;
	case TIR_STMT_EVALUATE:
		check_expr_vars(oe, s->u.eval.value);
		break;
	case TIR_STMT_BLOCK_REALIZE: {
		const tir_block *b = s->u.realize.block;
		for (int i = 0; i < b->niters; i++) {
			check_expr_vars(oe, s->u.realize.values[i]);
			sb_map_put(&oe->ok, (uintptr_t)b->iters[i].var, NULL);
		}
		check_expr_vars(oe, s->u.realize.predicate);
		break;
	}
	default:
		break;
	}
	return !oe->opaque;
}

bool sch_block_is_opaque(const tir_func *f, const tir_block *b)
{
	opaque_env oe = {.opaque = false};
	sb_map_init(&oe.ok);
	for (int i = 0; i < f->nparams; i++) {
		const tir_param *p = &f->params[i];
		sb_map_put(&oe.ok, (uintptr_t)p->var, NULL);
		if (!p->buffer)
			continue;
		for (int d = 0; d < p->buffer->ndim; d++)
			allow_expr_vars(&oe.ok, p->buffer->shape[d]);
	}
	for (int i = 0; i < b->niters; i++) {
		sb_map_put(&oe.ok, (uintptr_t)b->iters[i].var, NULL);
		check_expr_vars(&oe, b->iters[i].dom.min);
		check_expr_vars(&oe, b->iters[i].dom.extent);
	}
	for (int k = 0; k < 2; k++) {
		int n = k ? b->nwrites : b->nreads;
		const tir_region *r = k ? b->writes : b->reads;
		for (int i = 0; i < n; i++) {
			for (int d = 0; d < r[i].buffer->ndim; d++) {
				check_expr_vars(&oe, r[i].ranges[d].min);
				check_expr_vars(&oe, r[i].ranges[d].extent);
			}
		}
	}
	tir_stmt_walk(b->init, opaque_pre, NULL, &oe);
	tir_stmt_walk(b->body, opaque_pre, NULL, &oe);
	sb_map_free(&oe.ok);
	return oe.opaque;
}

sb_status sch_check_not_opaque(const tir_func *f, const char *prim, const tir_block *b)
{
	if (!sch_block_is_opaque(f, b))
		return SB_OK;
	return sb_set_error(SB_ERR_UNSUPPORTED,
			    "%s: block %s refers to loop variables directly (not through its iter "
			    "vars)",
			    prim, b->name);
}

typedef struct var_use {
	const tir_expr *v;
	bool found;
} var_use;

static tir_stmt *var_use_realize(sch_mapper *m, tir_stmt *s)
{
	(void)m;
	return s;
}

static tir_expr *var_use_expr(sch_mapper *m, tir_expr *e)
{
	var_use *vu = m->env;
	if (!vu->found && tir_expr_uses_var(e, vu->v))
		vu->found = true;
	return e;
}

bool sch_stmt_uses_var(const tir_stmt *s, const tir_expr *v)
{
	if (!s)
		return false;
	var_use vu = {v, false};
	sch_mapper m = {.ctx = NULL, .expr = var_use_expr, .realize = var_use_realize, .env = &vu};
	sch_stmt_map(&m, (tir_stmt *)s);
	return vu.found;
}
