/* The block builder: builds functions binding by binding and normalizes
 * every value it is given -- nested calls become bindings of their own
 * (A-normal form), struct info is inferred through the op table,
 * arguments whose dims the prover could not show equal are match_cast to
 * the dims the op needs, and a data-dependent result is bound with its
 * fresh shape variables erased and then match_cast to bind them.
 *
 *   relax.add(relax.multiply(%x, %y), %z)
 * emits
 *   %lv0 = relax.multiply(%x, %y) : Tensor((n, 4), float32)
 *   %lv1 = relax.add(%lv0, %z) : Tensor((n, 4), float32)
 * and relax.nonzero(%x) emits
 *   %lv0 = relax.nonzero(%x) : Tensor(ndim=2, int64)
 *   %lv1 = match_cast(%lv0, Tensor((2, nnz), int64))
 */
#include <stdio.h>

#include "relax.h"

typedef struct bb_scope {
	bool is_function;
	SB_VEC(relax_block *) blocks; /* finished */
	bool open, open_dataflow, open_explicit;
	SB_VEC(relax_binding) cur; /* the open block's bindings */
	size_t bound_mark;	   /* undo mark of the shape-variable log */
	bool impure;		   /* an impure binding was emitted */
	/* function scopes: names in use, auto-name counters, param vars */
	sb_map names;
	int next_lv, next_gv;
	sb_map param_vars;
	int nparams;
	relax_expr **params;
} bb_scope;

struct relax_builder {
	relax_module *m;
	SB_VEC(bb_scope *) scopes;
	sb_map bound;		      /* shape var -> (void *)1 */
	SB_VEC(tir_expr *) bound_log; /* for undo at scope end */
};

relax_builder *relax_builder_new(relax_module *m)
{
	relax_builder *b = sb_xcalloc(1, sizeof *b);
	b->m = m;
	sb_map_init(&b->bound);
	return b;
}

static void scope_free(bb_scope *s)
{
	sb_vec_free(&s->blocks);
	sb_vec_free(&s->cur);
	if (s->is_function) {
		sb_map_free(&s->names);
		sb_map_free(&s->param_vars);
	}
	free(s);
}

void relax_builder_free(relax_builder *b)
{
	if (!b)
		return;
	for (size_t i = 0; i < b->scopes.len; i++)
		scope_free(b->scopes.data[i]);
	sb_vec_free(&b->scopes);
	sb_map_free(&b->bound);
	sb_vec_free(&b->bound_log);
	free(b);
}

relax_module *relax_builder_module(relax_builder *b)
{
	return b->m;
}

static bb_scope *top(const relax_builder *b)
{
	SB_ASSERT(b->scopes.len > 0);
	return b->scopes.data[b->scopes.len - 1];
}

static bb_scope *func_scope(const relax_builder *b)
{
	for (size_t i = b->scopes.len; i-- > 0;)
		if (b->scopes.data[i]->is_function)
			return b->scopes.data[i];
	SB_UNREACHABLE();
}

/* ---- Shape variables in scope ---- */

static void bind_var(tir_expr *v, void *env)
{
	relax_builder *b = env;
	if (!sb_map_get(&b->bound, (uintptr_t)v, NULL)) {
		sb_map_put(&b->bound, (uintptr_t)v, (void *)1);
		sb_vec_push(&b->bound_log, v);
	}
}

static void bound_restore(relax_builder *b, size_t mark)
{
	while (b->bound_log.len > mark)
		sb_map_remove(&b->bound, (uintptr_t)b->bound_log.data[--b->bound_log.len]);
}

bool relax_builder_is_bound(const relax_builder *b, const tir_expr *var)
{
	return sb_map_get(&b->bound, (uintptr_t)var, NULL);
}

static void param_var(tir_expr *v, void *env)
{
	sb_map_put(env, (uintptr_t)v, (void *)1);
}

static bool keep_param_var(const tir_expr *v, void *env)
{
	return sb_map_get(env, (uintptr_t)v, NULL);
}

static bool keep_bound(const tir_expr *v, void *env)
{
	return relax_builder_is_bound(env, v);
}

/* ---- Scopes and blocks ---- */

static bb_scope *scope_push(relax_builder *b, bool is_function)
{
	bb_scope *s = sb_xcalloc(1, sizeof *s);
	s->is_function = is_function;
	s->bound_mark = b->bound_log.len;
	if (is_function) {
		sb_map_init(&s->names);
		sb_map_init(&s->param_vars);
	}
	sb_vec_push(&b->scopes, s);
	return s;
}

static void scope_pop(relax_builder *b)
{
	bb_scope *s = top(b);
	bound_restore(b, s->bound_mark);
	b->scopes.len--;
	scope_free(s);
}

static void block_close(relax_builder *b, bb_scope *s)
{
	if (!s->open)
		return;
	if (s->cur.len)
		sb_vec_push(&s->blocks,
			    relax_block_new(b->m, s->open_dataflow, (int)s->cur.len, s->cur.data));
	s->cur.len = 0;
	s->open = false;
}

static void block_open(relax_builder *b, bool dataflow, bool explicit_)
{
	bb_scope *s = top(b);
	block_close(b, s);
	s->open = true;
	s->open_dataflow = dataflow;
	s->open_explicit = explicit_;
}

void relax_builder_begin_dataflow(relax_builder *b)
{
	block_open(b, true, true);
}
void relax_builder_begin_block(relax_builder *b)
{
	block_open(b, false, true);
}
void relax_builder_end_block(relax_builder *b)
{
	block_close(b, top(b));
}

bool relax_builder_in_dataflow(const relax_builder *b)
{
	bb_scope *s = top(b);
	return s->open && s->open_dataflow;
}

static bb_scope *ensure_block(relax_builder *b)
{
	bb_scope *s = top(b);
	if (!s->open)
		block_open(b, false, false);
	return s;
}

static const char *unique_name(relax_builder *b, const char *hint, bool output)
{
	bb_scope *f = func_scope(b);
	char buf[256];
	const char *name;
	if (!hint) {
		do {
			snprintf(buf, sizeof buf, "%s%d", output ? "gv" : "lv",
				 output ? f->next_gv++ : f->next_lv++);
			name = relax_intern(b->m, buf);
		} while (sb_map_get(&f->names, (uintptr_t)name, NULL));
	} else {
		name = relax_intern(b->m, hint);
		for (int k = 1; sb_map_get(&f->names, (uintptr_t)name, NULL); k++) {
			snprintf(buf, sizeof buf, "%s_%d", hint, k);
			name = relax_intern(b->m, buf);
		}
	}
	sb_map_put(&f->names, (uintptr_t)name, (void *)1);
	return name;
}

static void push_binding(relax_builder *b, relax_binding bnd)
{
	bb_scope *s = ensure_block(b);
	sb_vec_push(&s->cur, bnd);
}

/* ---- Normalization ---- */

/* A normalized value, not yet bound. */
typedef struct bb_value {
	relax_expr *expr;
	int nchecks;
	relax_check *checks;
	const relax_sinfo *full; /* data-dependent: the match_cast target */
} bb_value;

static sb_status normalize_value(relax_builder *b, relax_expr *e, const char *where, bb_value *out);
static sb_status emit_value(relax_builder *b, bb_value *v, const char *name, bool dataflow_var,
			    const relax_check *extra, int nextra, relax_expr **var);

static bool is_impure_call(const relax_expr *e)
{
	if (e->kind != RELAX_CALL)
		return false;
	if (!e->u.call.callee)
		return relax_op_get(e->u.call.op)->flags & RELAX_OPF_IMPURE;
	const relax_sinfo *s = e->u.call.callee->sinfo;
	return !s || s->kind != RELAX_SINFO_FUNC || !s->u.func.pure;
}

static sb_status require_sinfo(relax_expr *e)
{
	if (e->sinfo)
		return SB_OK;
	if (relax_expr_is_var(e))
		return sb_set_error(SB_ERR_INVALID, "var %%%s has no struct info", e->u.var.name);
	return sb_set_error(SB_ERR_INVALID, "%s without struct info",
			    relax_expr_kind_name(e->kind));
}

/* Normalizes e to a leaf, binding it (to an auto-named var) if it is not
 * one. */
static sb_status normalize_arg(relax_builder *b, relax_expr *e, relax_expr **out)
{
	bb_value v;
	sb_status st = normalize_value(b, e, NULL, &v);
	if (st)
		return st;
	if (relax_expr_is_leaf(v.expr) && !v.full && !v.nchecks) {
		*out = v.expr;
		return SB_OK;
	}
	return emit_value(b, &v, NULL, relax_builder_in_dataflow(b), NULL, 0, out);
}

static sb_status normalize_args(relax_builder *b, int n, relax_expr **args, relax_expr ***out,
				bool *changed)
{
	relax_expr **r = SB_ARENA_ARRAY(relax_arena(b->m), relax_expr *, n ? n : 1);
	for (int i = 0; i < n; i++) {
		sb_status st = normalize_arg(b, args[i], &r[i]);
		if (st)
			return st;
		*changed |= r[i] != args[i];
	}
	*out = r;
	return SB_OK;
}

static relax_expr *call_rebuild(relax_module *m, const relax_expr *c, relax_expr **args)
{
	if (c->u.call.callee)
		return relax_call_func(m, c->u.call.callee, c->u.call.nargs, args,
				       c->u.call.nsinfo_args, c->u.call.sinfo_args);
	return relax_call_op_sinfo(m, c->u.call.op, c->u.call.nargs, args, c->u.call.attrs,
				   c->u.call.nsinfo_args, c->u.call.sinfo_args);
}

static bool keep_not_fresh(const tir_expr *v, void *env)
{
	const relax_infer_result *r = env;
	for (int i = 0; i < r->nfresh; i++)
		if (r->fresh[i] == v)
			return false;
	return true;
}

static sb_status normalize_call(relax_builder *b, relax_expr *e, const char *where, bb_value *out)
{
	relax_module *m = b->m;
	bool changed = false;
	relax_expr **args;
	sb_status st = normalize_args(b, e->u.call.nargs, e->u.call.args, &args, &changed);
	if (st)
		return st;
	if (e->u.call.callee) {
		relax_expr *callee = e->u.call.callee;
		if (callee->kind == RELAX_GLOBAL_VAR && !relax_module_lookup(m, callee->u.var.name))
			return sb_set_error(SB_ERR_INVALID,
					    "call of @%s, which the module does not define",
					    callee->u.var.name);
		if (!relax_expr_is_leaf(callee) || (st = require_sinfo(callee)))
			return st ? st
				  : sb_set_error(SB_ERR_UNSUPPORTED, "the callee must be a var");
	}
	relax_expr *c = changed ? call_rebuild(m, e, args) : e;
	if (c->sinfo) {
		out->expr = c;
		return SB_OK;
	}
	relax_infer_result r;
	if ((st = relax_infer_call(m, c, where, &r)))
		return st;
	if (r.refine) {
		/* Undecided dim equalities: match_cast the arguments first. */
		relax_expr **a2 = SB_ARENA_ARRAY(relax_arena(m), relax_expr *, c->u.call.nargs);
		for (int i = 0; i < c->u.call.nargs; i++) {
			a2[i] = c->u.call.args[i];
			if (r.refine[i] && (st = relax_builder_emit_match_cast(
						b, a2[i], r.refine[i], NULL, &a2[i])))
				return st;
		}
		c = call_rebuild(m, c, a2);
	}
	out->nchecks = r.nchecks;
	out->checks = r.checks;
	if (r.nfresh) {
		out->full = r.out;
		c->sinfo = relax_sinfo_erase(m, r.out, keep_not_fresh, &r);
	} else {
		c->sinfo = r.out;
	}
	out->expr = c;
	return SB_OK;
}

static void emit_seq_contents(relax_builder *b, relax_expr *seq, sb_status *st);

/* A branch of an If as a SeqExpr in its own scope. */
static sb_status normalize_branch(relax_builder *b, relax_expr *e, relax_expr **out)
{
	relax_builder_begin_scope(b);
	sb_status st = SB_OK;
	relax_expr *body = e;
	if (e->kind == RELAX_SEQ) {
		emit_seq_contents(b, e, &st);
		body = e->u.seq.body;
	}
	if (st) {
		scope_pop(b);
		return st;
	}
	return relax_builder_end_scope(b, body, out);
}

static sb_status normalize_value(relax_builder *b, relax_expr *e, const char *where, bb_value *out)
{
	relax_module *m = b->m;
	memset(out, 0, sizeof *out);
	sb_status st = SB_OK;
	switch (e->kind) {
	case RELAX_VAR:
	case RELAX_DATAFLOW_VAR:
	case RELAX_EXTERN_FUNC:
	case RELAX_CONSTANT:
	case RELAX_SHAPE_EXPR:
	case RELAX_PRIM_VALUE:
	case RELAX_STRING_IMM:
		out->expr = e;
		return require_sinfo(e);
	case RELAX_GLOBAL_VAR:
		if (!relax_module_lookup(m, e->u.var.name))
			return sb_set_error(SB_ERR_INVALID, "@%s is not defined in the module",
					    e->u.var.name);
		out->expr = e;
		return SB_OK;
	case RELAX_TUPLE: {
		bool changed = false;
		relax_expr **f;
		if ((st = normalize_args(b, e->u.tuple.nfields, e->u.tuple.fields, &f, &changed)))
			return st;
		out->expr = changed || !e->sinfo ? relax_tuple(m, e->u.tuple.nfields, f) : e;
		return SB_OK;
	}
	case RELAX_TUPLE_GET: {
		relax_expr *t;
		if ((st = normalize_arg(b, e->u.get.tuple, &t)))
			return st;
		const relax_sinfo *ts = t->sinfo;
		if (ts->kind != RELAX_SINFO_TUPLE || e->u.get.index < 0 ||
		    e->u.get.index >= ts->u.tuple.nfields) {
			char *s = relax_sinfo_to_string(ts);
			st = sb_set_error(SB_ERR_INVALID, "'%s': field %d of %s",
					  where ? where : "?", e->u.get.index, s);
			free(s);
			return st;
		}
		relax_expr *g = t != e->u.get.tuple ? relax_tuple_get(m, t, e->u.get.index) : e;
		g->sinfo = ts->u.tuple.fields[e->u.get.index];
		out->expr = g;
		return SB_OK;
	}
	case RELAX_CALL:
		return normalize_call(b, e, where, out);
	case RELAX_IF: {
		relax_expr *cond, *th, *el;
		if ((st = normalize_arg(b, e->u.if_.cond, &cond)))
			return st;
		const relax_sinfo *cs = cond->sinfo;
		bool is_bool =
		    (cs->kind == RELAX_SINFO_PRIM && cs->u.prim.dtype == SB_BOOL) ||
		    (cs->kind == RELAX_SINFO_TENSOR && cs->u.tensor.ndim == 0 &&
		     (cs->u.tensor.dtype == SB_BOOL || cs->u.tensor.dtype == SB_DT_INVALID));
		if (!is_bool)
			return sb_set_error(SB_ERR_INVALID,
					    "'%s': the condition of an if is not a bool scalar",
					    where ? where : "?");
		if ((st = normalize_branch(b, e->u.if_.then_branch, &th)) ||
		    (st = normalize_branch(b, e->u.if_.else_branch, &el)))
			return st;
		relax_expr *r = relax_if(m, cond, th, el);
		r->sinfo =
		    relax_sinfo_erase(m, relax_sinfo_lca(m, th->sinfo, el->sinfo), keep_bound, b);
		out->expr = r;
		return SB_OK;
	}
	case RELAX_FUNCTION: {
		relax_builder_begin_function(b, e->u.func.nparams, e->u.func.params);
		relax_expr *body = e->u.func.body;
		if (body->kind == RELAX_SEQ) {
			emit_seq_contents(b, body, &st);
			body = body->u.seq.body;
		}
		relax_expr *fn = NULL;
		if (!st)
			st = relax_builder_end_function(b, body, e->u.func.ret, &fn);
		else
			scope_pop(b);
		if (st)
			return st;
		fn->u.func.attrs = e->u.func.attrs;
		fn->u.func.nattrs = e->u.func.nattrs;
		out->expr = fn;
		return SB_OK;
	}
	case RELAX_SEQ:
		return sb_set_error(
		    SB_ERR_UNSUPPORTED,
		    "'%s': a SeqExpr is only allowed as a function body or an if branch",
		    where ? where : "?");
	case RELAX_EXPR_KIND_COUNT:
		break;
	}
	SB_UNREACHABLE();
}

/* ---- Emitting ---- */

static relax_check *checks_concat(relax_module *m, const relax_check *a, int na,
				  const relax_check *b2, int nb)
{
	relax_check *r = SB_ARENA_ARRAY(relax_arena(m), relax_check, na + nb ? na + nb : 1);
	if (na)
		memcpy(r, a, sizeof(relax_check) * (size_t)na);
	if (nb)
		memcpy(r + na, b2, sizeof(relax_check) * (size_t)nb);
	return r;
}

static sb_status check_purity(relax_builder *b, const relax_expr *value)
{
	bb_scope *s = ensure_block(b);
	bool impure = is_impure_call(value) || value->kind == RELAX_IF;
	if (s->open_dataflow && impure) {
		if (value->kind == RELAX_IF)
			return sb_set_error(SB_ERR_INVALID, "an if cannot be in a dataflow block");
		return sb_set_error(SB_ERR_INVALID,
				    "a call with side effects cannot be in a dataflow block");
	}
	if (is_impure_call(value))
		s->impure = true;
	return SB_OK;
}

static relax_expr *new_var(relax_builder *b, const char *name, bool output, bool dataflow,
			   const relax_sinfo *sinfo)
{
	const char *n = unique_name(b, name, output);
	return dataflow ? relax_dataflow_var(b->m, n, sinfo) : relax_var(b->m, n, sinfo);
}

/* Binds the fresh variables of a data-dependent result: var2 =
 * match_cast(var, full). */
static sb_status bind_fresh(relax_builder *b, relax_expr *var, const relax_sinfo *full,
			    const char *name, bool output, bool dataflow_var, relax_expr **out)
{
	relax_expr *v2 = new_var(b, name, output, dataflow_var, full);
	relax_binding mc = {.kind = RELAX_MATCH_CAST, .var = v2, .value = var, .sinfo = full};
	push_binding(b, mc);
	relax_sinfo_visit_vars(full, bind_var, b);
	*out = v2;
	return SB_OK;
}

static sb_status emit_value(relax_builder *b, bb_value *v, const char *name, bool dataflow_var,
			    const relax_check *extra, int nextra, relax_expr **var)
{
	sb_status st = check_purity(b, v->expr);
	if (st)
		return st;
	if (dataflow_var && !relax_builder_in_dataflow(b))
		dataflow_var = false;
	/* With fresh variables the user-visible name goes to the match_cast. */
	relax_expr *x = new_var(b, v->full ? NULL : name, false, dataflow_var, v->expr->sinfo);
	relax_binding bnd = {.kind = RELAX_VAR_BINDING, .var = x, .value = v->expr};
	if (v->nchecks + nextra) {
		bnd.checks = checks_concat(b->m, extra, nextra, v->checks, v->nchecks);
		bnd.nchecks = v->nchecks + nextra;
	}
	push_binding(b, bnd);
	if (v->full)
		return bind_fresh(b, x, v->full, name, false, dataflow_var, var);
	*var = x;
	return SB_OK;
}

sb_status relax_builder_emit(relax_builder *b, relax_expr *value, const char *name,
			     relax_expr **var)
{
	ensure_block(b);
	bb_value v;
	sb_status st = normalize_value(b, value, name, &v);
	if (st)
		return st;
	return emit_value(b, &v, name, relax_builder_in_dataflow(b), NULL, 0, var);
}

sb_status relax_builder_emit_output(relax_builder *b, relax_expr *value, const char *name,
				    relax_expr **var)
{
	ensure_block(b);
	bb_value v;
	sb_status st = normalize_value(b, value, name, &v);
	if (!st)
		st = check_purity(b, v.expr);
	if (st)
		return st;
	/* A data-dependent call stays in the block under an auto name; its
	 * match_cast is the output. */
	relax_expr *x = new_var(b, v.full ? NULL : name, !v.full,
				v.full && relax_builder_in_dataflow(b), v.expr->sinfo);
	relax_binding bnd = {.kind = RELAX_VAR_BINDING,
			     .var = x,
			     .value = v.expr,
			     .nchecks = v.nchecks,
			     .checks = v.checks};
	push_binding(b, bnd);
	if (v.full)
		return bind_fresh(b, x, v.full, name, true, false, var);
	*var = x;
	return SB_OK;
}

/* Can a value of struct info `have` pass match_cast to `want`?  False only
 * when it provably cannot. */
static bool may_match(relax_module *m, const relax_sinfo *have, const relax_sinfo *want)
{
	if (have->kind == RELAX_SINFO_OBJECT || want->kind == RELAX_SINFO_OBJECT)
		return true;
	if (have->kind != want->kind)
		return false;
	int hn = 0, wn = 0;
	tir_expr *const *hv = NULL, *const *wv = NULL;
	switch (want->kind) {
	case RELAX_SINFO_TENSOR:
		if (have->u.tensor.dtype != SB_DT_INVALID &&
		    want->u.tensor.dtype != SB_DT_INVALID &&
		    have->u.tensor.dtype != want->u.tensor.dtype)
			return false;
		hn = have->u.tensor.ndim, wn = want->u.tensor.ndim;
		hv = have->u.tensor.shape, wv = want->u.tensor.shape;
		break;
	case RELAX_SINFO_SHAPE:
		hn = have->u.shape.ndim, wn = want->u.shape.ndim;
		hv = have->u.shape.values, wv = want->u.shape.values;
		break;
	case RELAX_SINFO_PRIM:
		return have->u.prim.dtype == want->u.prim.dtype;
	case RELAX_SINFO_TUPLE:
		if (have->u.tuple.nfields != want->u.tuple.nfields)
			return false;
		for (int i = 0; i < want->u.tuple.nfields; i++)
			if (!may_match(m, have->u.tuple.fields[i], want->u.tuple.fields[i]))
				return false;
		return true;
	default:
		return true;
	}
	if (hn != RELAX_NDIM_UNKNOWN && wn != RELAX_NDIM_UNKNOWN && hn != wn)
		return false;
	if (hv && wv)
		for (int i = 0; i < hn; i++)
			if (tir_can_prove(m->tir, m->an, tir_ne(m->tir, hv[i], wv[i])))
				return false;
	return true;
}

static sb_status match_cast_check(relax_builder *b, relax_expr *value, const relax_sinfo *sinfo)
{
	if (may_match(b->m, value->sinfo, sinfo))
		return SB_OK;
	char *h = relax_sinfo_to_string(value->sinfo), *w = relax_sinfo_to_string(sinfo);
	sb_status st =
	    sb_set_error(SB_ERR_INVALID, "match_cast of %s to %s can never succeed", h, w);
	free(h);
	free(w);
	return st;
}

sb_status relax_builder_emit_match_cast(relax_builder *b, relax_expr *value,
					const relax_sinfo *sinfo, const char *name,
					relax_expr **var)
{
	ensure_block(b);
	relax_expr *v;
	sb_status st = normalize_arg(b, value, &v);
	if (!st)
		st = match_cast_check(b, v, sinfo);
	if (st)
		return st;
	relax_expr *x = new_var(b, name, false, relax_builder_in_dataflow(b), sinfo);
	relax_binding mc = {.kind = RELAX_MATCH_CAST, .var = x, .value = v, .sinfo = sinfo};
	push_binding(b, mc);
	relax_sinfo_visit_vars(sinfo, bind_var, b);
	*var = x;
	return SB_OK;
}

static void name_taken(relax_builder *b, const char *name)
{
	sb_map_put(&func_scope(b)->names, (uintptr_t)name, (void *)1);
}

sb_status relax_builder_emit_binding(relax_builder *b, const relax_binding *bnd, bool retype,
				     relax_expr **var)
{
	bb_scope *s = ensure_block(b);
	relax_module *m = b->m;
	relax_expr *x = bnd->var;
	if (x->kind == RELAX_DATAFLOW_VAR && !s->open_dataflow)
		return sb_set_error(SB_ERR_INVALID,
				    "dataflow var %%%s bound outside a dataflow block",
				    x->u.var.name);
	name_taken(b, x->u.var.name);
	sb_status st;
	if (bnd->kind == RELAX_MATCH_CAST) {
		relax_expr *v;
		if ((st = normalize_arg(b, bnd->value, &v)) ||
		    (st = match_cast_check(b, v, bnd->sinfo)))
			return st;
		if (x->sinfo && !relax_sinfo_equal(m, x->sinfo, bnd->sinfo)) {
			if (!retype)
				return sb_set_error(
				    SB_ERR_INVALID,
				    "%%%s: its struct info is not the match_cast target's",
				    x->u.var.name);
			x = x->kind == RELAX_DATAFLOW_VAR
				? relax_dataflow_var(m, x->u.var.name, bnd->sinfo)
				: relax_var(m, x->u.var.name, bnd->sinfo);
		} else {
			x->sinfo = bnd->sinfo;
		}
		relax_binding mc = {.kind = RELAX_MATCH_CAST,
				    .var = x,
				    .value = v,
				    .sinfo = bnd->sinfo,
				    .nchecks = bnd->nchecks,
				    .checks = bnd->checks};
		push_binding(b, mc);
		relax_sinfo_visit_vars(bnd->sinfo, bind_var, b);
		*var = x;
		return SB_OK;
	}
	bb_value v;
	if ((st = normalize_value(b, bnd->value, x->u.var.name, &v)) ||
	    (st = check_purity(b, v.expr)))
		return st;
	const relax_sinfo *vs = v.expr->sinfo;
	if (!x->sinfo) {
		x->sinfo = vs;
	} else if (!relax_sinfo_is_base_of(m, x->sinfo, vs)) {
		if (!retype) {
			char *a = relax_sinfo_to_string(x->sinfo), *h = relax_sinfo_to_string(vs);
			st = sb_set_error(SB_ERR_INVALID, "%%%s is declared %s but its value is %s",
					  x->u.var.name, a, h);
			free(a);
			free(h);
			return st;
		}
		x = x->kind == RELAX_DATAFLOW_VAR ? relax_dataflow_var(m, x->u.var.name, vs)
						  : relax_var(m, x->u.var.name, vs);
	}
	relax_binding nb = {.kind = RELAX_VAR_BINDING, .var = x, .value = v.expr};
	if (bnd->nchecks + v.nchecks) {
		nb.checks = checks_concat(m, bnd->checks, bnd->nchecks, v.checks, v.nchecks);
		nb.nchecks = bnd->nchecks + v.nchecks;
	}
	push_binding(b, nb);
	if (v.full)
		return bind_fresh(b, x, v.full, NULL, false, x->kind == RELAX_DATAFLOW_VAR, var);
	*var = x;
	return SB_OK;
}

sb_status relax_builder_normalize(relax_builder *b, relax_expr *e, relax_expr **out)
{
	ensure_block(b);
	bb_value v;
	sb_status st = normalize_value(b, e, NULL, &v);
	if (st)
		return st;
	if (v.full || v.nchecks)
		return emit_value(b, &v, NULL, relax_builder_in_dataflow(b), NULL, 0, out);
	*out = v.expr;
	return SB_OK;
}

/* Re-emits the bindings of a SeqExpr's blocks (keeping var identities). */
static void emit_seq_contents(relax_builder *b, relax_expr *seq, sb_status *st)
{
	for (int i = 0; i < seq->u.seq.nblocks && !*st; i++) {
		relax_block *blk = seq->u.seq.blocks[i];
		block_open(b, blk->dataflow, true);
		for (int k = 0; k < blk->nbindings && !*st; k++) {
			relax_expr *ignore;
			*st = relax_builder_emit_binding(b, &blk->bindings[k], false, &ignore);
		}
		block_close(b, top(b));
	}
}

/* ---- Functions and scopes ---- */

void relax_builder_begin_function(relax_builder *b, int nparams, relax_expr *const *params)
{
	bb_scope *s = scope_push(b, true);
	for (int i = 0; i < nparams; i++) {
		SB_ASSERT(params[i]->kind == RELAX_VAR && params[i]->sinfo);
		relax_sinfo_visit_vars(params[i]->sinfo, bind_var, b);
		relax_sinfo_visit_vars(params[i]->sinfo, param_var, &s->param_vars);
		sb_map_put(&s->names, (uintptr_t)params[i]->u.var.name, (void *)1);
	}
	s->nparams = nparams;
	s->params = SB_ARENA_ARRAY(relax_arena(b->m), relax_expr *, nparams ? nparams : 1);
	for (int i = 0; i < nparams; i++)
		s->params[i] = params[i];
}

/* Closes the scope's blocks; the body (normalized, bound if not a leaf)
 * closes the SeqExpr. */
static sb_status close_seq(relax_builder *b, relax_expr *body, relax_expr **seq)
{
	bb_scope *s = top(b);
	if (s->open && s->open_dataflow)
		block_close(b, s);
	relax_expr *leaf;
	sb_status st = relax_builder_normalize(b, body, &leaf);
	if (st)
		return st;
	if (!relax_expr_is_leaf(leaf)) {
		bb_value v = {.expr = leaf};
		if ((st = emit_value(b, &v, NULL, false, NULL, 0, &leaf)))
			return st;
	}
	if (leaf->kind == RELAX_DATAFLOW_VAR)
		return sb_set_error(SB_ERR_INVALID,
				    "the result %%%s is a dataflow var (bind it with emit_output)",
				    leaf->u.var.name);
	block_close(b, s);
	*seq = relax_seq(b->m, (int)s->blocks.len, s->blocks.data, leaf);
	return SB_OK;
}

sb_status relax_builder_end_function(relax_builder *b, relax_expr *body, const relax_sinfo *ret,
				     relax_expr **fn)
{
	bb_scope *s = top(b);
	SB_ASSERT(s->is_function);
	relax_expr *seq;
	sb_status st = close_seq(b, body, &seq);
	if (st) {
		scope_pop(b);
		return st;
	}
	const relax_sinfo *bs = seq->u.seq.body->sinfo;
	if (!ret) {
		ret = relax_sinfo_erase(b->m, bs, keep_param_var, &s->param_vars);
	} else if (!relax_sinfo_is_base_of(b->m, ret, bs)) {
		char *r = relax_sinfo_to_string(ret), *h = relax_sinfo_to_string(bs);
		st = sb_set_error(SB_ERR_INVALID, "the function returns %s, declared %s", h, r);
		free(r);
		free(h);
		scope_pop(b);
		return st;
	}
	*fn = relax_function(b->m, s->nparams, s->params, seq, ret, !s->impure);
	scope_pop(b);
	return SB_OK;
}

void relax_builder_begin_scope(relax_builder *b)
{
	scope_push(b, false);
}

sb_status relax_builder_end_scope(relax_builder *b, relax_expr *body, relax_expr **seq)
{
	bb_scope *s = top(b);
	SB_ASSERT(!s->is_function);
	sb_status st = close_seq(b, body, seq);
	bool impure = s->impure;
	scope_pop(b);
	if (impure)
		func_scope(b)->impure = true;
	return st;
}
