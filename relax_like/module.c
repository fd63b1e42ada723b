/* The module (globals: relax functions and tir PrimFuncs in one arena) and
 * the expression builders. */
#include <stdio.h>

#include "relax.h"

static const char *const expr_kind_names[] = {
    [RELAX_VAR] = "Var",
    [RELAX_DATAFLOW_VAR] = "DataflowVar",
    [RELAX_GLOBAL_VAR] = "GlobalVar",
    [RELAX_EXTERN_FUNC] = "ExternFunc",
    [RELAX_CONSTANT] = "Constant",
    [RELAX_SHAPE_EXPR] = "ShapeExpr",
    [RELAX_PRIM_VALUE] = "PrimValue",
    [RELAX_STRING_IMM] = "StringImm",
    [RELAX_TUPLE] = "Tuple",
    [RELAX_TUPLE_GET] = "TupleGetItem",
    [RELAX_CALL] = "Call",
    [RELAX_IF] = "If",
    [RELAX_SEQ] = "SeqExpr",
    [RELAX_FUNCTION] = "Function",
};
_Static_assert(SB_ARRAY_LEN(expr_kind_names) == RELAX_EXPR_KIND_COUNT, "one name per kind");

const char *relax_expr_kind_name(relax_expr_kind k)
{
	return k < RELAX_EXPR_KIND_COUNT ? expr_kind_names[k] : "?";
}

bool relax_expr_is_leaf(const relax_expr *e)
{
	switch (e->kind) {
	case RELAX_VAR:
	case RELAX_DATAFLOW_VAR:
	case RELAX_GLOBAL_VAR:
	case RELAX_EXTERN_FUNC:
	case RELAX_CONSTANT:
	case RELAX_SHAPE_EXPR:
	case RELAX_PRIM_VALUE:
	case RELAX_STRING_IMM:
		return true;
	case RELAX_TUPLE:
		for (int i = 0; i < e->u.tuple.nfields; i++)
			if (!relax_expr_is_leaf(e->u.tuple.fields[i]))
				return false;
		return true;
	default:
		return false;
	}
}

/* ---- Module ---- */

relax_module *relax_module_new(void)
{
	relax_module *m = sb_xcalloc(1, sizeof *m);
	m->tir = tir_ctx_new();
	m->an = tir_analyzer_new(m->tir);
	m->next_id = 1;
	sb_map_init(&m->global_index);
	return m;
}

void relax_module_free(relax_module *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->constants.len; i++)
		sb_tensor_release(m->constants.data[i]);
	sb_vec_free(&m->constants);
	sb_vec_free(&m->globals);
	sb_map_free(&m->global_index);
	tir_analyzer_free(m->an);
	tir_ctx_free(m->tir);
	free(m);
}

const char *relax_intern(relax_module *m, const char *s)
{
	return s ? tir_intern(m->tir, s) : NULL;
}

static relax_expr *expr_new(relax_module *m, relax_expr_kind k)
{
	relax_expr *e = SB_ARENA_NEW(relax_arena(m), relax_expr);
	e->kind = k;
	e->id = m->next_id++;
	return e;
}

static relax_global *global_get(relax_module *m, const char *name)
{
	const char *iname = relax_intern(m, name);
	relax_global *g = sb_map_lookup(&m->global_index, (uintptr_t)iname);
	if (!g) {
		g = SB_ARENA_NEW(relax_arena(m), relax_global);
		g->name = iname;
		g->gvar = expr_new(m, RELAX_GLOBAL_VAR);
		g->gvar->u.var.name = iname;
		g->gvar->sinfo = relax_sinfo_func(m, -1, NULL, NULL, false);
		sb_map_put(&m->global_index, (uintptr_t)iname, g);
	}
	return g;
}

static void global_list(relax_module *m, relax_global *g)
{
	for (size_t i = 0; i < m->globals.len; i++)
		if (m->globals.data[i] == g)
			return;
	sb_vec_push(&m->globals, g);
}

relax_expr *relax_module_gvar(relax_module *m, const char *name)
{
	return global_get(m, name)->gvar;
}

relax_expr *relax_module_set_function(relax_module *m, const char *name, relax_expr *fn)
{
	SB_ASSERT(fn && fn->kind == RELAX_FUNCTION);
	relax_global *g = global_get(m, name);
	g->func = fn;
	g->prim = NULL;
	g->gvar->sinfo = relax_function_sinfo(m, fn);
	global_list(m, g);
	return g->gvar;
}

relax_expr *relax_module_add_prim_func(relax_module *m, tir_func *f)
{
	relax_global *g = global_get(m, f->name);
	g->prim = f;
	g->func = NULL;
	/* Destination-passing: the caller (call_tir) states the outputs. */
	g->gvar->sinfo = relax_sinfo_func(m, -1, NULL, NULL, false);
	global_list(m, g);
	return g->gvar;
}

relax_global *relax_module_lookup(relax_module *m, const char *name)
{
	relax_global *g = sb_map_lookup(&m->global_index, (uintptr_t)relax_intern(m, name));
	return g && (g->func || g->prim) ? g : NULL;
}

void relax_module_remove(relax_module *m, const char *name)
{
	relax_global *g = sb_map_lookup(&m->global_index, (uintptr_t)relax_intern(m, name));
	if (!g)
		return;
	g->func = NULL;
	g->prim = NULL;
	for (size_t i = 0; i < m->globals.len; i++)
		if (m->globals.data[i] == g) {
			memmove(&m->globals.data[i], &m->globals.data[i + 1],
				(m->globals.len - i - 1) * sizeof(relax_global *));
			m->globals.len--;
			break;
		}
}

tir_expr *relax_fresh_shape_var(relax_module *m, const char *hint)
{
	char buf[128];
	snprintf(buf, sizeof buf, "%s", hint);
	for (int k = 1; sb_map_lookup(&m->tir->shape_vars, (uintptr_t)tir_intern(m->tir, buf)); k++)
		snprintf(buf, sizeof buf, "%s_%d", hint, k);
	return tir_shape_var(m->tir, buf);
}

/* ---- Builders ---- */

static relax_expr **exprs_copy(relax_module *m, int n, relax_expr *const *v)
{
	relax_expr **r = SB_ARENA_ARRAY(relax_arena(m), relax_expr *, n > 0 ? n : 1);
	for (int i = 0; i < n; i++) {
		SB_ASSERT(v[i]);
		r[i] = v[i];
	}
	return r;
}

relax_expr *relax_var(relax_module *m, const char *name, const relax_sinfo *sinfo)
{
	relax_expr *e = expr_new(m, RELAX_VAR);
	e->u.var.name = relax_intern(m, name ? name : "v");
	e->sinfo = sinfo;
	return e;
}

relax_expr *relax_dataflow_var(relax_module *m, const char *name, const relax_sinfo *sinfo)
{
	relax_expr *e = relax_var(m, name, sinfo);
	e->kind = RELAX_DATAFLOW_VAR;
	return e;
}

relax_expr *relax_extern_func(relax_module *m, const char *name)
{
	relax_expr *e = expr_new(m, RELAX_EXTERN_FUNC);
	e->u.var.name = relax_intern(m, name);
	e->sinfo = relax_sinfo_func(m, -1, NULL, NULL, false);
	return e;
}

relax_expr *relax_constant(relax_module *m, sb_tensor *value)
{
	relax_expr *e = expr_new(m, RELAX_CONSTANT);
	e->u.constant.value = value;
	sb_vec_push(&m->constants, value);
	e->sinfo = relax_sinfo_tensor_static(m, value->dtype, sb_tensor_rank(value), value->shape);
	return e;
}

relax_expr *relax_shape_expr(relax_module *m, int ndim, tir_expr *const *values)
{
	relax_expr *e = expr_new(m, RELAX_SHAPE_EXPR);
	e->sinfo = relax_sinfo_shape(m, ndim, values);
	e->u.shape.ndim = ndim;
	e->u.shape.values = e->sinfo->u.shape.values;
	return e;
}

relax_expr *relax_prim_value(relax_module *m, tir_expr *value)
{
	relax_expr *e = expr_new(m, RELAX_PRIM_VALUE);
	e->u.prim.value = value;
	e->sinfo = relax_sinfo_prim(m, value->type.dtype, value);
	return e;
}

relax_expr *relax_prim_int(relax_module *m, int64_t v)
{
	return relax_prim_value(m, tir_int(m->tir, v));
}

relax_expr *relax_string_imm(relax_module *m, const char *s)
{
	relax_expr *e = expr_new(m, RELAX_STRING_IMM);
	e->u.str.value = relax_intern(m, s);
	e->sinfo = relax_sinfo_object(m);
	return e;
}

relax_expr *relax_tuple(relax_module *m, int n, relax_expr *const *fields)
{
	relax_expr *e = expr_new(m, RELAX_TUPLE);
	e->u.tuple.nfields = n;
	e->u.tuple.fields = exprs_copy(m, n, fields);
	/* Struct info now if every field has it: tuples of leaves are leaves. */
	int i = 0;
	while (i < n && fields[i]->sinfo)
		i++;
	if (i == n) {
		const relax_sinfo **fs =
		    SB_ARENA_ARRAY(relax_arena(m), const relax_sinfo *, n ? n : 1);
		for (i = 0; i < n; i++)
			fs[i] = fields[i]->sinfo;
		e->sinfo = relax_sinfo_tuple(m, n, fs);
	}
	return e;
}

relax_expr *relax_tuple_get(relax_module *m, relax_expr *tuple, int index)
{
	relax_expr *e = expr_new(m, RELAX_TUPLE_GET);
	e->u.get.tuple = tuple;
	e->u.get.index = index;
	return e;
}

relax_expr *relax_call_op_sinfo(relax_module *m, relax_op op, int nargs, relax_expr *const *args,
				void *attrs, int nsinfo_args, const relax_sinfo *const *sinfo_args)
{
	SB_ASSERT(op < RELAX_OP_COUNT);
	relax_expr *e = expr_new(m, RELAX_CALL);
	e->u.call.op = op;
	e->u.call.nargs = nargs;
	e->u.call.args = exprs_copy(m, nargs, args);
	e->u.call.attrs = attrs ? attrs : relax_attrs_new(m, relax_op_get(op)->attrs);
	e->u.call.nsinfo_args = nsinfo_args;
	if (nsinfo_args > 0) {
		e->u.call.sinfo_args =
		    SB_ARENA_ARRAY(relax_arena(m), const relax_sinfo *, nsinfo_args);
		for (int i = 0; i < nsinfo_args; i++)
			e->u.call.sinfo_args[i] = sinfo_args[i];
	}
	return e;
}

relax_expr *relax_call_op(relax_module *m, relax_op op, int nargs, relax_expr *const *args,
			  void *attrs)
{
	return relax_call_op_sinfo(m, op, nargs, args, attrs, 0, NULL);
}

relax_expr *relax_call_func(relax_module *m, relax_expr *callee, int nargs, relax_expr *const *args,
			    int nsinfo_args, const relax_sinfo *const *sinfo_args)
{
	relax_expr *e = expr_new(m, RELAX_CALL);
	e->u.call.op = RELAX_OP_COUNT;
	e->u.call.callee = callee;
	e->u.call.nargs = nargs;
	e->u.call.args = exprs_copy(m, nargs, args);
	e->u.call.nsinfo_args = nsinfo_args;
	if (nsinfo_args > 0) {
		e->u.call.sinfo_args =
		    SB_ARENA_ARRAY(relax_arena(m), const relax_sinfo *, nsinfo_args);
		for (int i = 0; i < nsinfo_args; i++)
			e->u.call.sinfo_args[i] = sinfo_args[i];
	}
	return e;
}

relax_expr *relax_if(relax_module *m, relax_expr *cond, relax_expr *then_branch,
		     relax_expr *else_branch)
{
	relax_expr *e = expr_new(m, RELAX_IF);
	e->u.if_.cond = cond;
	e->u.if_.then_branch = then_branch;
	e->u.if_.else_branch = else_branch;
	return e;
}

relax_block *relax_block_new(relax_module *m, bool dataflow, int n, const relax_binding *bindings)
{
	relax_block *b = SB_ARENA_NEW(relax_arena(m), relax_block);
	b->dataflow = dataflow;
	b->nbindings = n;
	b->bindings = SB_ARENA_ARRAY(relax_arena(m), relax_binding, n > 0 ? n : 1);
	if (n > 0)
		memcpy(b->bindings, bindings, sizeof(relax_binding) * (size_t)n);
	return b;
}

relax_expr *relax_seq(relax_module *m, int nblocks, relax_block *const *blocks, relax_expr *body)
{
	relax_expr *e = expr_new(m, RELAX_SEQ);
	e->u.seq.nblocks = nblocks;
	e->u.seq.blocks = SB_ARENA_ARRAY(relax_arena(m), relax_block *, nblocks > 0 ? nblocks : 1);
	for (int i = 0; i < nblocks; i++)
		e->u.seq.blocks[i] = blocks[i];
	e->u.seq.body = body;
	e->sinfo = body->sinfo;
	return e;
}

relax_expr *relax_function(relax_module *m, int nparams, relax_expr *const *params,
			   relax_expr *body, const relax_sinfo *ret, bool pure)
{
	relax_expr *e = expr_new(m, RELAX_FUNCTION);
	e->u.func.nparams = nparams;
	e->u.func.params = exprs_copy(m, nparams, params);
	e->u.func.body = body;
	e->u.func.ret = ret ? ret : body->sinfo;
	e->u.func.pure = pure;
	if (e->u.func.ret)
		e->sinfo = relax_function_sinfo(m, e);
	return e;
}

static tir_attr *func_attr_slot(relax_module *m, relax_expr *fn, const char *key)
{
	const char *ikey = relax_intern(m, key);
	for (int i = 0; i < fn->u.func.nattrs; i++)
		if (fn->u.func.attrs[i].key == ikey)
			return &fn->u.func.attrs[i];
	tir_attr *a = SB_ARENA_ARRAY(relax_arena(m), tir_attr, fn->u.func.nattrs + 1);
	if (fn->u.func.nattrs)
		memcpy(a, fn->u.func.attrs, sizeof(tir_attr) * (size_t)fn->u.func.nattrs);
	fn->u.func.attrs = a;
	a[fn->u.func.nattrs].key = ikey;
	return &a[fn->u.func.nattrs++];
}

void relax_function_set_attr_str(relax_module *m, relax_expr *fn, const char *key,
				 const char *value)
{
	tir_attr *a = func_attr_slot(m, fn, key);
	a->str = relax_intern(m, value);
}

void relax_function_set_attr_int(relax_module *m, relax_expr *fn, const char *key, int64_t v)
{
	tir_attr *a = func_attr_slot(m, fn, key);
	a->str = NULL;
	a->value = v;
}

const tir_attr *relax_function_get_attr(const relax_expr *fn, const char *key)
{
	for (int i = 0; i < fn->u.func.nattrs; i++)
		if (!strcmp(fn->u.func.attrs[i].key, key))
			return &fn->u.func.attrs[i];
	return NULL;
}

const relax_sinfo *relax_function_sinfo(relax_module *m, const relax_expr *fn)
{
	int n = fn->u.func.nparams;
	const relax_sinfo **ps = SB_ARENA_ARRAY(relax_arena(m), const relax_sinfo *, n > 0 ? n : 1);
	for (int i = 0; i < n; i++) {
		const relax_sinfo *s = fn->u.func.params[i]->sinfo;
		ps[i] = s ? s : relax_sinfo_object(m);
	}
	return relax_sinfo_func(m, n, ps, fn->u.func.ret, fn->u.func.pure);
}
