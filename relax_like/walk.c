/* The walker (relax_expr_visit: program order, with scope and block
 * events) and the rewriter (relax_function_rewrite: binding by binding
 * through a block builder, vars substituted as they are replaced; an
 * expression is rebuilt only when one of its operands changed). */
#include "relax.h"

/* ---- Walker ---- */

static void visit_seq(relax_expr *seq, const relax_visitor *v);

void relax_expr_visit(relax_expr *e, const relax_visitor *v)
{
	switch (e->kind) {
	case RELAX_TUPLE:
		for (int i = 0; i < e->u.tuple.nfields; i++)
			relax_expr_visit(e->u.tuple.fields[i], v);
		break;
	case RELAX_TUPLE_GET:
		relax_expr_visit(e->u.get.tuple, v);
		break;
	case RELAX_CALL:
		if (e->u.call.callee)
			relax_expr_visit(e->u.call.callee, v);
		for (int i = 0; i < e->u.call.nargs; i++)
			relax_expr_visit(e->u.call.args[i], v);
		break;
	case RELAX_IF:
		relax_expr_visit(e->u.if_.cond, v);
		relax_expr_visit(e->u.if_.then_branch, v);
		relax_expr_visit(e->u.if_.else_branch, v);
		break;
	case RELAX_SEQ:
		if (v->scope_begin)
			v->scope_begin(e, v->env);
		visit_seq(e, v);
		if (v->scope_end)
			v->scope_end(e, v->env);
		break;
	case RELAX_FUNCTION:
		if (v->scope_begin)
			v->scope_begin(e, v->env);
		relax_expr_visit(e->u.func.body, v);
		if (v->scope_end)
			v->scope_end(e, v->env);
		break;
	default:
		break;
	}
	if (v->expr)
		v->expr(e, v->env);
}

static void visit_seq(relax_expr *seq, const relax_visitor *v)
{
	for (int i = 0; i < seq->u.seq.nblocks; i++) {
		relax_block *blk = seq->u.seq.blocks[i];
		if (v->block_begin)
			v->block_begin(blk, v->env);
		for (int k = 0; k < blk->nbindings; k++) {
			relax_expr_visit(blk->bindings[k].value, v);
			if (v->binding)
				v->binding(&blk->bindings[k], blk, v->env);
		}
		if (v->block_end)
			v->block_end(blk, v->env);
	}
	relax_expr_visit(seq->u.seq.body, v);
}

/* ---- Substitution ---- */

/* e with the vars in `map` replaced; rebuilt only where something
 * changed (new nodes have no struct info: the builder infers it). */
static relax_expr *substitute(relax_module *m, relax_expr *e, sb_map *map)
{
	switch (e->kind) {
	case RELAX_VAR:
	case RELAX_DATAFLOW_VAR: {
		relax_expr *r = sb_map_lookup(map, (uintptr_t)e);
		return r ? r : e;
	}
	case RELAX_TUPLE: {
		int n = e->u.tuple.nfields;
		relax_expr **f = SB_ARENA_ARRAY(relax_arena(m), relax_expr *, n ? n : 1);
		bool changed = false;
		for (int i = 0; i < n; i++) {
			f[i] = substitute(m, e->u.tuple.fields[i], map);
			changed |= f[i] != e->u.tuple.fields[i];
		}
		return changed ? relax_tuple(m, n, f) : e;
	}
	case RELAX_TUPLE_GET: {
		relax_expr *t = substitute(m, e->u.get.tuple, map);
		return t != e->u.get.tuple ? relax_tuple_get(m, t, e->u.get.index) : e;
	}
	case RELAX_CALL: {
		int n = e->u.call.nargs;
		relax_expr **a = SB_ARENA_ARRAY(relax_arena(m), relax_expr *, n ? n : 1);
		bool changed = false;
		for (int i = 0; i < n; i++) {
			a[i] = substitute(m, e->u.call.args[i], map);
			changed |= a[i] != e->u.call.args[i];
		}
		relax_expr *callee = e->u.call.callee ? substitute(m, e->u.call.callee, map) : NULL;
		changed |= callee != e->u.call.callee;
		if (!changed)
			return e;
		if (callee)
			return relax_call_func(m, callee, n, a, e->u.call.nsinfo_args,
					       e->u.call.sinfo_args);
		return relax_call_op_sinfo(m, e->u.call.op, n, a, e->u.call.attrs,
					   e->u.call.nsinfo_args, e->u.call.sinfo_args);
	}
	default:
		return e; /* leaves; If is rewritten by the caller */
	}
}

/* ---- Rewriter ---- */

typedef struct rewriter {
	relax_module *m;
	relax_builder *b;
	relax_binding_rewrite_fn fn;
	void *env;
	sb_map map; /* old var -> new var */
} rewriter;

static sb_status rewrite_seq_contents(rewriter *r, relax_expr *seq);

static sb_status rewrite_branch(rewriter *r, relax_expr *e, relax_expr **out)
{
	relax_builder_begin_scope(r->b);
	sb_status st = SB_OK;
	relax_expr *body = e;
	if (e->kind == RELAX_SEQ) {
		st = rewrite_seq_contents(r, e);
		body = e->u.seq.body;
	}
	relax_expr *nb = substitute(r->m, body, &r->map);
	sb_status st2 = relax_builder_end_scope(r->b, st ? relax_tuple(r->m, 0, NULL) : nb, out);
	return st ? st : st2;
}

static sb_status rewrite_binding(rewriter *r, const relax_binding *old)
{
	relax_expr *value = old->value;
	sb_status st;
	if (value->kind == RELAX_IF) {
		relax_expr *th, *el;
		if ((st = rewrite_branch(r, value->u.if_.then_branch, &th)) ||
		    (st = rewrite_branch(r, value->u.if_.else_branch, &el)))
			return st;
		value = relax_if(r->m, substitute(r->m, value->u.if_.cond, &r->map), th, el);
	} else {
		value = substitute(r->m, value, &r->map);
	}
	relax_expr *repl = NULL;
	if (r->fn && (st = r->fn(r->b, old, value, r->env, &repl)))
		return st;
	if (repl == old->var)
		return SB_OK; /* the callback bound the var itself */
	relax_binding nb = *old;
	nb.value = repl ? repl : value;
	relax_expr *var;
	/* A value the pass changed may change type; an unchanged one may not. */
	if ((st = relax_builder_emit_binding(r->b, &nb, nb.value != old->value, &var)))
		return st;
	if (var != old->var)
		sb_map_put(&r->map, (uintptr_t)old->var, var);
	return SB_OK;
}

static sb_status rewrite_seq_contents(rewriter *r, relax_expr *seq)
{
	for (int i = 0; i < seq->u.seq.nblocks; i++) {
		relax_block *blk = seq->u.seq.blocks[i];
		if (blk->dataflow)
			relax_builder_begin_dataflow(r->b);
		else
			relax_builder_begin_block(r->b);
		for (int k = 0; k < blk->nbindings; k++) {
			sb_status st = rewrite_binding(r, &blk->bindings[k]);
			if (st)
				return st;
		}
		relax_builder_end_block(r->b);
	}
	return SB_OK;
}

sb_status relax_function_rewrite(relax_module *m, relax_expr *fn, relax_binding_rewrite_fn fn_cb,
				 void *env, relax_expr **out)
{
	SB_ASSERT(fn->kind == RELAX_FUNCTION);
	for (int i = 0; i < fn->u.func.nparams; i++)
		if (!fn->u.func.params[i]->sinfo)
			return sb_set_error(SB_ERR_INVALID, "parameter %%%s has no struct info",
					    fn->u.func.params[i]->u.var.name);
	rewriter r = {m, relax_builder_new(m), fn_cb, env, {0}};
	sb_map_init(&r.map);
	relax_builder_begin_function(r.b, fn->u.func.nparams, fn->u.func.params);
	relax_expr *body = fn->u.func.body;
	sb_status st = SB_OK;
	if (body->kind == RELAX_SEQ) {
		st = rewrite_seq_contents(&r, body);
		body = body->u.seq.body;
	}
	/* Keep the declared return if it still describes the body. */
	relax_expr *nf = NULL;
	if (!st) {
		relax_expr *nbody = substitute(m, body, &r.map);
		const relax_sinfo *ret = fn->u.func.ret;
		relax_expr *leaf = NULL;
		st = relax_builder_normalize(r.b, nbody, &leaf);
		if (!st && ret && leaf->sinfo && !relax_sinfo_is_base_of(m, ret, leaf->sinfo))
			ret = NULL;
		if (!st)
			st = relax_builder_end_function(r.b, leaf, ret, &nf);
	}
	if (!st) {
		nf->u.func.nattrs = fn->u.func.nattrs;
		nf->u.func.attrs = fn->u.func.attrs;
		*out = nf;
	}
	sb_map_free(&r.map);
	relax_builder_free(r.b);
	return st;
}
