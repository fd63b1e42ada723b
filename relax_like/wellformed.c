/* The relax_like verifier (relax.h lists the rules).  Built on the walker:
 * scope events define and forget vars, the binding hook defines a var
 * after its value was visited, the expression hook checks every use.  The
 * first broken rule is reported as
 *   relax wellformed @main: <rule>: <where>
 * with SB_ERR_INTERNAL (only a pass can produce bad IR). */
#include <stdarg.h>
#include <stdio.h>

#include "relax.h"

enum { VAR_VISIBLE = 1, VAR_OUT_OF_BLOCK = 2 };

typedef struct wf {
	relax_module *m;
	const char *fname;
	bool failed;
	sb_map vars; /* relax var -> VAR_VISIBLE / VAR_OUT_OF_BLOCK */
	SB_VEC(relax_expr *) var_log;
	sb_map ever;  /* every var ever defined (a var is defined once) */
	sb_map svars; /* bound shape variables */
	SB_VEC(tir_expr *) svar_log;
	SB_VEC(size_t) marks; /* pairs (var_log.len, svar_log.len) per scope */
	relax_block *block;
	int index;			    /* of the binding being visited in block */
	SB_VEC(relax_block *) outer_blocks; /* saved (block, index) of enclosing scopes */
	SB_VEC(int) outer_index;
} wf;

static void fail(wf *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(wf *w, const char *fmt, ...)
{
	if (w->failed)
		return;
	w->failed = true;
	char msg[768], where[160] = "";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (w->block && w->index < w->block->nbindings)
		snprintf(where, sizeof where, " (binding %%%s)",
			 w->block->bindings[w->index].var->u.var.name);
	sb_set_error(SB_ERR_INTERNAL, "relax wellformed @%s: %s%s", w->fname, msg, where);
}

/* ---- Shape variables ---- */

static void define_svar(tir_expr *v, void *env)
{
	wf *w = env;
	if (!sb_map_get(&w->svars, (uintptr_t)v, NULL)) {
		sb_map_put(&w->svars, (uintptr_t)v, (void *)1);
		sb_vec_push(&w->svar_log, v);
	}
}

static void use_svar(tir_expr *v, void *env)
{
	wf *w = env;
	if (!sb_map_get(&w->svars, (uintptr_t)v, NULL))
		fail(w,
		     "shape variable %s is used but not bound (by a param's struct info or a "
		     "match_cast)",
		     v->u.var.name);
}

static void use_sinfo(wf *w, const relax_sinfo *s)
{
	if (s)
		relax_sinfo_visit_vars(s, use_svar, w);
}

/* ---- Vars ---- */

static void define_var(wf *w, relax_expr *v)
{
	if (sb_map_get(&w->ever, (uintptr_t)v, NULL)) {
		fail(w, "%%%s is defined twice", v->u.var.name);
		return;
	}
	sb_map_put(&w->ever, (uintptr_t)v, (void *)1);
	sb_map_put(&w->vars, (uintptr_t)v, (void *)VAR_VISIBLE);
	sb_vec_push(&w->var_log, v);
}

static void scope_begin(relax_expr *e, void *env)
{
	wf *w = env;
	sb_vec_push(&w->marks, w->var_log.len);
	sb_vec_push(&w->marks, w->svar_log.len);
	sb_vec_push(&w->outer_blocks, w->block);
	sb_vec_push(&w->outer_index, w->index);
	if (e->kind != RELAX_FUNCTION)
		return;
	for (int i = 0; i < e->u.func.nparams; i++) {
		relax_expr *p = e->u.func.params[i];
		if (p->kind != RELAX_VAR)
			fail(w, "parameter %%%s is a %s, not a Var", p->u.var.name,
			     relax_expr_kind_name(p->kind));
		if (!p->sinfo)
			fail(w, "parameter %%%s has no struct info", p->u.var.name);
		else
			relax_sinfo_visit_vars(p->sinfo, define_svar, w);
		define_var(w, p);
	}
	if (!e->u.func.ret)
		fail(w, "the function has no return struct info");
	use_sinfo(w, e->u.func.ret);
	if (e->u.func.body->kind != RELAX_SEQ)
		fail(w, "the function body is a %s, not a SeqExpr",
		     relax_expr_kind_name(e->u.func.body->kind));
}

static void scope_end(relax_expr *e, void *env)
{
	wf *w = env;
	SB_ASSERT(w->marks.len >= 2);
	size_t smark = w->marks.data[--w->marks.len], vmark = w->marks.data[--w->marks.len];
	while (w->var_log.len > vmark)
		sb_map_remove(&w->vars, (uintptr_t)w->var_log.data[--w->var_log.len]);
	while (w->svar_log.len > smark)
		sb_map_remove(&w->svars, (uintptr_t)w->svar_log.data[--w->svar_log.len]);
	w->block = w->outer_blocks.data[--w->outer_blocks.len];
	w->index = w->outer_index.data[--w->outer_index.len];
	(void)e;
}

static void block_begin(relax_block *blk, void *env)
{
	wf *w = env;
	w->block = blk;
	w->index = 0;
}

static void block_end(relax_block *blk, void *env)
{
	wf *w = env;
	/* Only the block's non-dataflow vars are seen after it. */
	for (int i = 0; i < blk->nbindings; i++) {
		relax_expr *v = blk->bindings[i].var;
		if (v->kind == RELAX_DATAFLOW_VAR && sb_map_get(&w->vars, (uintptr_t)v, NULL))
			sb_map_put(&w->vars, (uintptr_t)v, (void *)VAR_OUT_OF_BLOCK);
	}
	w->block = NULL;
}

static bool is_impure(const relax_expr *e)
{
	if (e->kind == RELAX_IF)
		return true;
	if (e->kind != RELAX_CALL)
		return false;
	if (!e->u.call.callee)
		return relax_op_get(e->u.call.op)->flags & RELAX_OPF_IMPURE;
	const relax_sinfo *s = e->u.call.callee->sinfo;
	return !s || s->kind != RELAX_SINFO_FUNC || !s->u.func.pure;
}

static void binding(relax_binding *bnd, relax_block *blk, void *env)
{
	wf *w = env;
	relax_expr *v = bnd->var, *val = bnd->value;
	if (!relax_expr_is_var(v)) {
		fail(w, "a binding binds a %s", relax_expr_kind_name(v->kind));
		return;
	}
	if (v->kind == RELAX_DATAFLOW_VAR && !blk->dataflow)
		fail(w, "dataflow var %%%s is bound outside a dataflow block", v->u.var.name);
	if (blk->dataflow && is_impure(val))
		fail(w, "a dataflow block holds an impure binding (%s)",
		     val->kind == RELAX_IF ? "an if" : "a call with side effects");
	if (!v->sinfo)
		fail(w, "%%%s has no struct info", v->u.var.name);
	if (val->kind == RELAX_SEQ || val->kind == RELAX_GLOBAL_VAR)
		fail(w, "a %s is bound (not normal form)", relax_expr_kind_name(val->kind));
	if (bnd->kind == RELAX_MATCH_CAST) {
		if (!relax_expr_is_leaf(val))
			fail(w, "the match_cast value is a %s, not a leaf",
			     relax_expr_kind_name(val->kind));
		if (!bnd->sinfo)
			fail(w, "a match_cast has no target struct info");
		else {
			relax_sinfo_visit_vars(bnd->sinfo, define_svar, w);
			if (v->sinfo && !relax_sinfo_equal(w->m, v->sinfo, bnd->sinfo))
				fail(w, "the match_cast var's struct info is not the target's");
		}
	} else if (v->sinfo && val->sinfo && !relax_sinfo_is_base_of(w->m, v->sinfo, val->sinfo)) {
		char *a = relax_sinfo_to_string(v->sinfo), *b = relax_sinfo_to_string(val->sinfo);
		fail(w, "the var's struct info %s does not describe the value's %s", a, b);
		free(a);
		free(b);
	}
	for (int i = 0; i < bnd->nchecks; i++)
		relax_tir_visit_vars(bnd->checks[i].cond, use_svar, w);
	use_sinfo(w, v->sinfo);
	define_var(w, v);
	w->index++;
}

static void check_leaf(wf *w, const relax_expr *e, const char *what)
{
	if (!relax_expr_is_leaf(e))
		fail(w, "%s is a %s, not a leaf (not normal form)", what,
		     relax_expr_kind_name(e->kind));
}

static void expr(relax_expr *e, void *env)
{
	wf *w = env;
	if (!e->sinfo)
		fail(w, "a %s has no struct info", relax_expr_kind_name(e->kind));
	switch (e->kind) {
	case RELAX_VAR:
	case RELAX_DATAFLOW_VAR: {
		void *state = NULL;
		if (!sb_map_get(&w->vars, (uintptr_t)e, &state))
			fail(w, "%%%s is used %s", e->u.var.name,
			     sb_map_get(&w->ever, (uintptr_t)e, NULL) ? "outside its scope"
								      : "before its definition");
		else if ((uintptr_t)state == VAR_OUT_OF_BLOCK)
			fail(w, "dataflow var %%%s is used outside its dataflow block",
			     e->u.var.name);
		return;
	}
	case RELAX_GLOBAL_VAR:
		if (!relax_module_lookup(w->m, e->u.var.name))
			fail(w, "@%s is not defined in the module", e->u.var.name);
		return;
	case RELAX_SHAPE_EXPR:
		for (int i = 0; i < e->u.shape.ndim; i++)
			relax_tir_visit_vars(e->u.shape.values[i], use_svar, w);
		return;
	case RELAX_PRIM_VALUE:
		relax_tir_visit_vars(e->u.prim.value, use_svar, w);
		return;
	case RELAX_TUPLE:
		for (int i = 0; i < e->u.tuple.nfields; i++)
			check_leaf(w, e->u.tuple.fields[i], "a tuple field");
		break;
	case RELAX_TUPLE_GET:
		check_leaf(w, e->u.get.tuple, "the tuple of a TupleGetItem");
		break;
	case RELAX_CALL: {
		int n = e->u.call.nargs;
		for (int i = 0; i < n; i++)
			check_leaf(w, e->u.call.args[i], "a call argument");
		for (int i = 0; i < e->u.call.nsinfo_args; i++)
			use_sinfo(w, e->u.call.sinfo_args[i]);
		if (e->u.call.callee) {
			check_leaf(w, e->u.call.callee, "the callee");
			break;
		}
		const relax_op_info *op = relax_op_get(e->u.call.op);
		if (n < op->min_args || (op->max_args >= 0 && n > op->max_args))
			fail(w, "%s has %d arguments", op->name, n);
		if (!e->u.call.attrs)
			fail(w, "%s has no attribute struct", op->name);
		if (e->u.call.op == RELAX_OP_CALL_TIR && n >= 1) {
			const relax_expr *g = e->u.call.args[0];
			const relax_global *gl = g->kind == RELAX_GLOBAL_VAR
						     ? relax_module_lookup(w->m, g->u.var.name)
						     : NULL;
			if (!gl || !gl->prim)
				fail(w, "relax.call_tir calls something that is not a PrimFunc");
		}
		break;
	}
	case RELAX_IF:
		check_leaf(w, e->u.if_.cond, "the if condition");
		if (e->u.if_.then_branch->kind != RELAX_SEQ ||
		    e->u.if_.else_branch->kind != RELAX_SEQ)
			fail(w, "an if branch is not a SeqExpr");
		break;
	case RELAX_SEQ:
		/* Its struct info is its result's, which may name shape variables
		 * bound inside it (and checked there). */
		check_leaf(w, e->u.seq.body, "the result of a SeqExpr");
		return;
	case RELAX_FUNCTION:
		return; /* its struct info names its own params' vars */
	default:
		break;
	}
	use_sinfo(w, e->sinfo);
}

sb_status relax_function_wellformed(relax_module *m, const char *name, const relax_expr *fn)
{
	wf w = {.m = m, .fname = name};
	sb_map_init(&w.vars);
	sb_map_init(&w.ever);
	sb_map_init(&w.svars);
	if (fn->kind != RELAX_FUNCTION) {
		fail(&w, "the global is a %s, not a Function", relax_expr_kind_name(fn->kind));
	} else {
		relax_visitor v = {.expr = expr,
				   .binding = binding,
				   .block_begin = block_begin,
				   .block_end = block_end,
				   .scope_begin = scope_begin,
				   .scope_end = scope_end,
				   .env = &w};
		relax_expr_visit((relax_expr *)fn, &v);
	}
	sb_map_free(&w.vars);
	sb_map_free(&w.ever);
	sb_map_free(&w.svars);
	sb_vec_free(&w.var_log);
	sb_vec_free(&w.svar_log);
	sb_vec_free(&w.marks);
	sb_vec_free(&w.outer_blocks);
	sb_vec_free(&w.outer_index);
	return w.failed ? SB_ERR_INTERNAL : SB_OK;
}

sb_status relax_wellformed(relax_module *m)
{
	for (size_t i = 0; i < m->globals.len; i++) {
		const relax_global *g = m->globals.data[i];
		sb_status st = SB_OK;
		if (g->func)
			st = relax_function_wellformed(m, g->name, g->func);
		else if (g->prim && (st = tir_func_verify(g->prim)))
			st = sb_error_prefix(SB_ERR_INTERNAL, "relax wellformed @%s", g->name);
		if (st)
			return st;
	}
	return SB_OK;
}
