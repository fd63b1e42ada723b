/* DeadCodeElim: removes bindings whose value nobody uses and that have no
 * effect, then globals that no public function reaches.
 *
 * A binding goes when its var is used nowhere else (uses through the
 * bindings kept, the results, nested if branches) and its value is pure: a
 * call of an op without RELAX_OPF_IMPURE or of a pure function, a tuple, a
 * projection, a leaf.  Ifs and impure calls stay.  A MatchCast also stays
 * while a shape variable of its target is used by anything kept (it may be
 * what binds it).  Removing a binding removes its run-time checks: they
 * guarded a computation that no longer happens.  Repeated to a fixed
 * point, so chains of dead bindings go at once.
 *
 * Public functions are those with a "global_symbol" attribute, and "main"
 * (every function when there is neither).  Globals -- relax functions and
 * PrimFuncs -- that none of them references, directly or through others,
 * are removed from the module.
 *
 * Requires: normal form.  Guarantees: the same results and effects;
 * var identities kept.
 *
 *   %lv0 = relax.call_tir(@exp, (%x,), sinfo_args=[Tensor((n, 4), float32)])
 *   %lv1 = relax.call_tir(@relu, (%x,), sinfo_args=[Tensor((n, 4), float32)])
 *   return %lv1
 * becomes (and @exp leaves the module)
 *   %lv1 = relax.call_tir(@relu, (%x,), sinfo_args=[Tensor((n, 4), float32)])
 *   return %lv1
 */
#include "passes.h"

typedef struct dce {
	relax_module *m;
	sb_map dead;  /* binding (its var) -> 1: removed */
	sb_map used;  /* relax vars used by what is kept */
	sb_map svars; /* shape vars used by what is kept */
} dce;

static bool is_impure(const relax_expr *e)
{
	if (e->kind == RELAX_IF || e->kind == RELAX_FUNCTION)
		return true;
	if (e->kind != RELAX_CALL)
		return false;
	if (!e->u.call.callee)
		return relax_op_get(e->u.call.op)->flags & RELAX_OPF_IMPURE;
	const relax_sinfo *s = e->u.call.callee->sinfo;
	return !s || s->kind != RELAX_SINFO_FUNC || !s->u.func.pure;
}

static void use_svar(tir_expr *v, void *env)
{
	sb_map_put(&((dce *)env)->svars, (uintptr_t)v, (void *)1);
}

static void use_sinfo(dce *d, const relax_sinfo *s)
{
	if (s)
		relax_sinfo_visit_vars(s, use_svar, d);
}

static void collect_seq(dce *d, relax_expr *seq);

/* Uses in an expression (leaves, calls, nested ifs). */
static void collect_expr(dce *d, relax_expr *e)
{
	switch (e->kind) {
	case RELAX_VAR:
	case RELAX_DATAFLOW_VAR:
		sb_map_put(&d->used, (uintptr_t)e, (void *)1);
		break;
	case RELAX_SHAPE_EXPR:
		for (int i = 0; i < e->u.shape.ndim; i++)
			relax_tir_visit_vars(e->u.shape.values[i], use_svar, d);
		break;
	case RELAX_PRIM_VALUE:
		relax_tir_visit_vars(e->u.prim.value, use_svar, d);
		break;
	case RELAX_TUPLE:
		for (int i = 0; i < e->u.tuple.nfields; i++)
			collect_expr(d, e->u.tuple.fields[i]);
		break;
	case RELAX_TUPLE_GET:
		collect_expr(d, e->u.get.tuple);
		break;
	case RELAX_CALL:
		if (e->u.call.callee)
			collect_expr(d, e->u.call.callee);
		for (int i = 0; i < e->u.call.nargs; i++)
			collect_expr(d, e->u.call.args[i]);
		for (int i = 0; i < e->u.call.nsinfo_args; i++)
			use_sinfo(d, e->u.call.sinfo_args[i]);
		break;
	case RELAX_IF:
		collect_expr(d, e->u.if_.cond);
		collect_seq(d, e->u.if_.then_branch);
		collect_seq(d, e->u.if_.else_branch);
		break;
	case RELAX_SEQ:
		collect_seq(d, e);
		return;
	default:
		break;
	}
	use_sinfo(d, e->sinfo);
}

static void collect_seq(dce *d, relax_expr *seq)
{
	if (seq->kind != RELAX_SEQ) {
		collect_expr(d, seq);
		return;
	}
	for (int i = 0; i < seq->u.seq.nblocks; i++) {
		relax_block *blk = seq->u.seq.blocks[i];
		for (int k = 0; k < blk->nbindings; k++) {
			relax_binding *b = &blk->bindings[k];
			if (sb_map_get(&d->dead, (uintptr_t)b->var, NULL))
				continue;
			collect_expr(d, b->value);
			/* A match_cast's target is what it binds, not a use. */
			if (b->kind != RELAX_MATCH_CAST)
				use_sinfo(d, b->var->sinfo);
			for (int c = 0; c < b->nchecks; c++)
				relax_tir_visit_vars(b->checks[c].cond, use_svar, d);
		}
	}
	collect_expr(d, seq->u.seq.body);
}

typedef struct any_env {
	dce *d;
	bool any;
} any_env;

static void svar_used(tir_expr *v, void *envp)
{
	any_env *env = envp;
	env->any |= sb_map_get(&env->d->svars, (uintptr_t)v, NULL);
}

/* Marks the dead bindings of seq; true if any became dead. */
static bool sweep_seq(dce *d, relax_expr *seq)
{
	if (seq->kind != RELAX_SEQ)
		return false;
	bool changed = false;
	for (int i = 0; i < seq->u.seq.nblocks; i++) {
		relax_block *blk = seq->u.seq.blocks[i];
		for (int k = 0; k < blk->nbindings; k++) {
			relax_binding *b = &blk->bindings[k];
			if (sb_map_get(&d->dead, (uintptr_t)b->var, NULL))
				continue;
			if (b->value->kind == RELAX_IF) {
				changed |= sweep_seq(d, b->value->u.if_.then_branch);
				changed |= sweep_seq(d, b->value->u.if_.else_branch);
			}
			if (is_impure(b->value) || sb_map_get(&d->used, (uintptr_t)b->var, NULL))
				continue;
			if (b->kind == RELAX_MATCH_CAST) {
				any_env env = {d, false};
				relax_sinfo_visit_vars(b->sinfo, svar_used, &env);
				if (env.any)
					continue;
			}
			sb_map_put(&d->dead, (uintptr_t)b->var, (void *)1);
			changed = true;
		}
	}
	return changed;
}

/* The SeqExpr without its dead bindings (empty blocks dropped). */
static relax_expr *rebuild_seq(dce *d, relax_expr *seq)
{
	relax_module *m = d->m;
	if (seq->kind != RELAX_SEQ)
		return seq;
	relax_block **blocks = SB_ARENA_ARRAY(relax_arena(m), relax_block *,
					      seq->u.seq.nblocks ? seq->u.seq.nblocks : 1);
	int nblocks = 0;
	bool changed = false;
	for (int i = 0; i < seq->u.seq.nblocks; i++) {
		relax_block *blk = seq->u.seq.blocks[i];
		relax_binding *bs = SB_ARENA_ARRAY(relax_arena(m), relax_binding,
						   blk->nbindings ? blk->nbindings : 1);
		int n = 0;
		bool bchanged = false;
		for (int k = 0; k < blk->nbindings; k++) {
			relax_binding b = blk->bindings[k];
			if (sb_map_get(&d->dead, (uintptr_t)b.var, NULL)) {
				bchanged = true;
				continue;
			}
			if (b.value->kind == RELAX_IF) {
				relax_expr *th = rebuild_seq(d, b.value->u.if_.then_branch);
				relax_expr *el = rebuild_seq(d, b.value->u.if_.else_branch);
				if (th != b.value->u.if_.then_branch ||
				    el != b.value->u.if_.else_branch) {
					relax_expr *r = relax_if(m, b.value->u.if_.cond, th, el);
					r->sinfo = b.value->sinfo;
					b.value = r;
					bchanged = true;
				}
			}
			bs[n++] = b;
		}
		changed |= bchanged;
		if (!bchanged)
			blocks[nblocks++] = blk;
		else if (n)
			blocks[nblocks++] = relax_block_new(m, blk->dataflow, n, bs);
	}
	if (!changed)
		return seq;
	return relax_seq(m, nblocks, blocks, seq->u.seq.body);
}

static relax_expr *dce_function(relax_module *m, relax_expr *fn)
{
	dce d = {.m = m};
	sb_map_init(&d.dead);
	sb_map_init(&d.used);
	sb_map_init(&d.svars);
	bool changed;
	do {
		sb_map_free(&d.used);
		sb_map_free(&d.svars);
		sb_map_init(&d.used);
		sb_map_init(&d.svars);
		collect_seq(&d, fn->u.func.body);
		use_sinfo(&d, fn->u.func.ret);
		changed = sweep_seq(&d, fn->u.func.body);
	} while (changed);
	relax_expr *body = rebuild_seq(&d, fn->u.func.body);
	relax_expr *nf = fn;
	if (body != fn->u.func.body) {
		nf = relax_function(m, fn->u.func.nparams, fn->u.func.params, body, fn->u.func.ret,
				    fn->u.func.pure);
		nf->u.func.nattrs = fn->u.func.nattrs;
		nf->u.func.attrs = fn->u.func.attrs;
	}
	sb_map_free(&d.dead);
	sb_map_free(&d.used);
	sb_map_free(&d.svars);
	return nf;
}

/* ---- Globals ---- */

typedef struct reach {
	relax_module *m;
	sb_map seen; /* relax_global -> 1 */
	SB_VEC(relax_global *) work;
} reach;

static void reach_global(reach *r, relax_global *g)
{
	if (!g || sb_map_get(&r->seen, (uintptr_t)g, NULL))
		return;
	sb_map_put(&r->seen, (uintptr_t)g, (void *)1);
	sb_vec_push(&r->work, g);
}

static void reach_expr(relax_expr *e, void *env)
{
	reach *r = env;
	if (e->kind == RELAX_GLOBAL_VAR)
		reach_global(r, relax_module_lookup(r->m, e->u.var.name));
}

static bool is_public(const relax_global *g)
{
	return g->func &&
	       (relax_function_get_attr(g->func, "global_symbol") || !strcmp(g->name, "main"));
}

sb_status relax_dead_code_elim(relax_module *m)
{
	for (size_t i = 0; i < m->globals.len; i++) {
		relax_global *g = m->globals.data[i];
		if (g->func) {
			relax_expr *nf = dce_function(m, g->func);
			if (nf != g->func)
				relax_module_set_function(m, g->name, nf);
		}
	}
	reach r = {.m = m};
	sb_map_init(&r.seen);
	bool any_public = false;
	for (size_t i = 0; i < m->globals.len; i++)
		any_public |= is_public(m->globals.data[i]);
	for (size_t i = 0; i < m->globals.len; i++) {
		relax_global *g = m->globals.data[i];
		if (any_public ? is_public(g) : g->func != NULL)
			reach_global(&r, g);
	}
	relax_visitor v = {.expr = reach_expr, .env = &r};
	while (r.work.len) {
		relax_global *g = r.work.data[--r.work.len];
		if (g->func)
			relax_expr_visit(g->func, &v);
	}
	for (size_t i = m->globals.len; i-- > 0;) {
		relax_global *g = m->globals.data[i];
		if (!sb_map_get(&r.seen, (uintptr_t)g, NULL))
			relax_module_remove(m, g->name);
	}
	sb_map_free(&r.seen);
	sb_vec_free(&r.work);
	return SB_OK;
}
