/* The bridge driver: parameters, the walk over the relay function, values
 * (emitted lazily: a constant or a symbolic value becomes a relax leaf only
 * when used as data), the argument helpers every converter uses, and the
 * results.  What each op becomes is in ops.def; the rules are in
 * convert_*.c and shape_values.c.  bridge.h has the contract and a
 * before/after sketch. */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "bridge_internal.h"

#define sym_none NULL
static const bridge_rule bridge_rules[RELAY_OP_COUNT] = {
#define OP(relay_id, conv, relax_id, rule)                                                         \
	[RELAY_OP_##relay_id] = {.convert = conv, .op = RELAX_OP_##relax_id, .sym = rule},
#include "ops.def"
#undef OP
};
#undef sym_none

sb_status bridge_error(sb_status code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return sb_set_error(code, "%s", msg);
}

tir_expr *bridge_simplify(bridge_ctx *c, tir_expr *e)
{
	return tir_simplify(c->tir, c->m->an, e);
}

/* ---- Emission ---- */

sb_status bridge_emit(bridge_ctx *c, relax_expr *value, relax_expr **var)
{
	return relax_builder_emit(c->b, value, NULL, var);
}

sb_status bridge_emit_call(bridge_ctx *c, relax_op op, int nargs, relax_expr *const *args,
			   void *attrs, bridge_value *out)
{
	relax_expr *v;
	sb_status st = bridge_emit(c, relax_call_op(c->m, op, nargs, args, attrs), &v);
	if (st)
		return st;
	out->expr = v;
	const relax_sinfo *s = v->sinfo;
	if (s && s->kind == RELAX_SINFO_TUPLE) {
		/* Fields are taken (TupleGetItem bindings) when a relay node asks. */
		out->nfields = s->u.tuple.nfields;
		out->fields = SB_ARENA_ARRAY(relax_arena(c->m), bridge_value,
					     out->nfields ? out->nfields : 1);
		for (int i = 0; i < out->nfields; i++)
			out->fields[i].done = true;
	}
	return SB_OK;
}

relax_expr *bridge_scalar_const(bridge_ctx *c, sb_dtype dt, double v)
{
	sb_tensor *t = sb_tensor_new(dt, 0, NULL);
	if (sb_dtype_is_float(dt))
		sb_tensor_set_f64(t, 0, v);
	else
		sb_tensor_set_i64(t, 0, (int64_t)v);
	return relax_constant(c->m, t);
}

/* ---- Values of arguments ---- */

static sb_status value_tensor(bridge_ctx *c, bridge_value *v, relax_expr **out)
{
	if (v->expr && v->nfields == 0) {
		*out = v->expr;
		return SB_OK;
	}
	if (v->nfields)
		return bridge_error(SB_ERR_INVALID, "a tuple is used as a tensor");
	if (v->constant) {
		v->expr = relax_constant(c->m, sb_tensor_retain(v->constant));
		*out = v->expr;
		return SB_OK;
	}
	if (v->sym) {
		sb_status st = bridge_sym_materialize(c, v->sym, &v->expr);
		*out = v->expr;
		return st;
	}
	return bridge_error(SB_ERR_INTERNAL, "an operand has no value");
}

sb_status bridge_tensor(bridge_ctx *c, const relay_expr *arg, relax_expr **out)
{
	if (!arg)
		return bridge_error(SB_ERR_INVALID, "a required input is absent");
	return value_tensor(c, bridge_value_of(c, arg), out);
}

const bridge_sym *bridge_sym_of(bridge_ctx *c, const relay_expr *arg)
{
	if (!arg)
		return NULL;
	bridge_value *v = bridge_value_of(c, arg);
	if (!v->sym_done) {
		v->sym_done = true;
		if (v->constant || v->bound)
			v->sym = bridge_sym_from_tensor(c, v->constant ? v->constant : v->bound);
		else if (arg->type && arg->type->kind == RELAY_TYPE_TENSOR &&
			 arg->type->rank == 1 && arg->type->dims[0].value == 0 &&
			 sb_dtype_is_int(arg->type->dtype))
			/* Empty by its type: the one value it can have. */
			v->sym = bridge_sym_new(c, arg->type->dtype, 1, 0);
	}
	return v->sym;
}

const sb_tensor *bridge_const_tensor(bridge_ctx *c, const relay_expr *arg)
{
	if (!arg)
		return NULL;
	const bridge_value *v = bridge_value_of(c, arg);
	return v->constant ? v->constant : v->bound;
}

sb_status bridge_error_needs_value(bridge_ctx *c, const relay_expr *arg, const char *what,
				   const char *must)
{
	sb_strbuf b = {0};
	sb_strbuf_printf(&b, "%s %s", what, must);
	bridge_bind_hint(c, arg, &b);
	sb_status st = bridge_error(SB_ERR_UNSUPPORTED, "%s", b.data);
	sb_strbuf_free(&b);
	return st;
}

sb_status bridge_dims(bridge_ctx *c, const relay_expr *arg, relax_expr **x, int *ndim,
		      tir_expr *const **dims)
{
	relax_expr *t;
	sb_status st = bridge_tensor(c, arg, &t);
	if (st)
		return st;
	const relax_sinfo *s = t->sinfo;
	if (!relax_sinfo_is_tensor(s) || s->u.tensor.ndim == RELAX_NDIM_UNKNOWN)
		return bridge_error(SB_ERR_UNSUPPORTED,
				    "an input of unknown rank needs its shape here");
	if (!s->u.tensor.shape && s->u.tensor.ndim > 0) {
		/* Rank only (after a data-dependent op): name the dims so
		 * everything after is symbolic in them. */
		int n = s->u.tensor.ndim;
		tir_expr *d[SB_MAX_RANK];
		for (int i = 0; i < n; i++)
			d[i] = relax_fresh_shape_var(c->m, "d");
		const relax_sinfo *full = relax_sinfo_tensor(c->m, s->u.tensor.dtype, n, d);
		if ((st = relax_builder_emit_match_cast(c->b, t, full, NULL, &t)))
			return st;
		bridge_value_of(c, arg)->expr = t;
		s = t->sinfo;
	}
	*x = t;
	*ndim = s->u.tensor.ndim;
	*dims = s->u.tensor.shape;
	return SB_OK;
}

sb_status bridge_static_ints(bridge_ctx *c, const relay_expr *arg, const char *what, int *n,
			     int64_t **v)
{
	const bridge_sym *s = bridge_sym_of(c, arg);
	int64_t tmp[BRIDGE_SYM_MAX];
	if (!s || s->dtype == SB_BOOL || !bridge_sym_is_const(s, tmp))
		return bridge_error_needs_value(c, arg, what, "must be known at compile time");
	*n = s->n;
	*v = SB_ARENA_ARRAY(relax_arena(c->m), int64_t, s->n ? s->n : 1);
	memcpy(*v, tmp, sizeof(int64_t) * (size_t)s->n);
	return SB_OK;
}

sb_status bridge_shape_arg(bridge_ctx *c, const relay_expr *arg, relax_expr **shape, int *n,
			   tir_expr *const **vals)
{
	const bridge_sym *s = bridge_sym_of(c, arg);
	if (s && s->dtype != SB_BOOL && s->rank == 1) {
		*shape = relax_shape_expr(c->m, s->n, s->v);
	} else {
		/* Data-dependent: read at run time. */
		relax_expr *t;
		sb_status st = bridge_tensor(c, arg, &t);
		if (st)
			return st;
		const relax_sinfo *ts = t->sinfo;
		if (!relax_sinfo_is_tensor(ts) || ts->u.tensor.ndim != 1 ||
		    !sb_dtype_is_int(ts->u.tensor.dtype))
			return bridge_error(SB_ERR_INVALID,
					    "a shape input must be a 1-D integer tensor");
		if (ts->u.tensor.dtype != SB_I64) {
			relax_attrs_cast *ca = relax_attrs_new(c->m, RELAX_ATTRS_cast);
			ca->dtype = SB_I64;
			if ((st =
				 bridge_emit(c, relax_call_op(c->m, RELAX_OP_CAST, 1, &t, ca), &t)))
				return st;
		}
		if ((st = bridge_emit(c, relax_call_op(c->m, RELAX_OP_TENSOR_TO_SHAPE, 1, &t, NULL),
				      shape)))
			return st;
	}
	const relax_sinfo *ss = (*shape)->sinfo;
	SB_ASSERT(ss && ss->kind == RELAX_SINFO_SHAPE);
	if (n)
		*n = ss->u.shape.ndim;
	if (vals)
		*vals = ss->u.shape.values;
	return SB_OK;
}

sb_status bridge_scalar_arg(bridge_ctx *c, const relay_expr *arg, relax_expr **out)
{
	const bridge_sym *s = bridge_sym_of(c, arg);
	if (s && s->n == 1 && s->dtype != SB_BOOL) {
		*out = relax_prim_value(c->m, s->v[0]);
		return SB_OK;
	}
	return bridge_tensor(c, arg, out);
}

/* ---- Attributes ---- */

void *bridge_attrs_by_name(bridge_ctx *c, const relay_expr *e, relax_op op)
{
	relax_attrs_id rid = relax_op_get(op)->attrs;
	relay_attrs_id sid = relay_op_get(e->u.call.op)->attrs;
	void *ra = relax_attrs_new(c->m, rid);
	const char *sa = e->u.call.attrs;
	const relax_attrs_info *info = &relax_attrs_table[rid];
	for (int i = 0; i < info->nfields; i++) {
		const relax_attr_field *f = &info->fields[i];
		const relay_attr_field *g = relay_attrs_field(sid, f->name);
		if (!g || !sa)
			continue;
		char *dst = (char *)ra + f->offset;
		const char *src = sa + g->offset;
		if (f->kind == RELAX_ATTR_INT && g->kind == RELAY_ATTR_INT) {
			memcpy(dst, src, sizeof(int64_t));
		} else if (f->kind == RELAX_ATTR_FLOAT && g->kind == RELAY_ATTR_FLOAT) {
			memcpy(dst, src, sizeof(float));
		} else if (f->kind == RELAX_ATTR_STRING && g->kind == RELAY_ATTR_STRING) {
			const char *s = *(const char *const *)src;
			if (s)
				*(const char **)dst = relax_intern(c->m, s);
		} else if (f->kind == RELAX_ATTR_INTS && g->kind == RELAY_ATTR_INTS) {
			const relay_ints *v = (const relay_ints *)src;
			if (v->set)
				*(relax_ints *)dst = relax_ints_make(c->m, v->n, v->v);
		} else if (f->kind == RELAX_ATTR_FLOATS && g->kind == RELAY_ATTR_FLOATS) {
			const relay_floats *v = (const relay_floats *)src;
			if (v->set)
				*(relax_floats *)dst = relax_floats_make(c->m, v->n, v->v);
		}
	}
	return ra;
}

/* ---- Parameters ---- */

/* A variable-name hint from a parameter name: identifier characters kept. */
static void name_hint(char *buf, size_t size, const char *param, int axis)
{
	char base[64];
	size_t k = 0;
	for (const char *p = param ? param : "p"; *p && k + 1 < sizeof base; p++)
		base[k++] = isalnum((unsigned char)*p) ? *p : '_';
	base[k] = 0;
	if (!k || isdigit((unsigned char)base[0]))
		snprintf(buf, size, "p%s_d%d", base, axis);
	else
		snprintf(buf, size, "%s_d%d", base, axis);
}

static const relay_type *param_type(const relay_expr *p)
{
	return p->u.var.annotation ? p->u.var.annotation : p->type;
}

static sb_status param_sinfo(bridge_ctx *c, const relay_expr *p, const relax_sinfo **out)
{
	const relay_type *t = param_type(p);
	if (!t || t->kind != RELAY_TYPE_TENSOR)
		return sb_set_error(SB_ERR_UNSUPPORTED, "bridge: parameter '%s' is not a tensor",
				    p->name ? p->name : "?");
	if (t->rank < 0) {
		*out = relax_sinfo_tensor(c->m, t->dtype, RELAX_NDIM_UNKNOWN, NULL);
		return SB_OK;
	}
	if (t->rank > SB_MAX_RANK)
		return sb_set_error(SB_ERR_UNSUPPORTED,
				    "bridge: parameter '%s' has rank %d (limit %d)",
				    p->name ? p->name : "?", t->rank, SB_MAX_RANK);
	tir_expr *d[SB_MAX_RANK];
	for (int i = 0; i < t->rank; i++) {
		relay_dim dim = t->dims[i];
		if (relay_dim_is_known(dim)) {
			d[i] = tir_int(c->tir, dim.value);
		} else if (dim.name) {
			d[i] = tir_shape_var(c->tir, dim.name);
		} else {
			char hint[96];
			name_hint(hint, sizeof hint, p->name, i);
			d[i] = relax_fresh_shape_var(c->m, hint);
		}
	}
	*out = relax_sinfo_tensor(c->m, t->dtype, t->rank, d);
	return SB_OK;
}

static sb_status convert_params(bridge_ctx *c, const relay_function *f, relax_expr **params)
{
	/* Named dims first, so a fresh name never takes a dim_param's name. */
	for (int i = 0; i < f->nparams; i++) {
		const relay_type *t = param_type(f->params[i]);
		if (t && t->kind == RELAY_TYPE_TENSOR && t->rank > 0)
			for (int k = 0; k < t->rank; k++)
				if (!relay_dim_is_known(t->dims[k]) && t->dims[k].name)
					tir_shape_var(c->tir, t->dims[k].name);
	}
	for (int i = 0; i < f->nparams; i++) {
		const relay_expr *p = f->params[i];
		const relax_sinfo *s = NULL;
		sb_status st = param_sinfo(c, p, &s);
		if (st)
			return st;
		char buf[32];
		if (!p->name)
			snprintf(buf, sizeof buf, "p%d", i);
		params[i] = relax_var(c->m, p->name ? p->name : buf, s);
		bridge_value *v = bridge_value_of(c, p);
		v->expr = params[i];
		v->done = true;
	}
	return bridge_bind_params(c);
}

/* ---- Nodes ---- */

static const char *node_name(const relay_expr *e, char *buf, size_t size)
{
	if (e->name)
		return e->name;
	snprintf(buf, size, "%%%" PRIu32, e->id);
	return buf;
}

static sb_status convert_call(bridge_ctx *c, const relay_expr *e, bridge_value *out)
{
	const bridge_rule *r = &bridge_rules[e->u.call.op];
	if (!r->convert)
		return bridge_error(SB_ERR_UNSUPPORTED, "no relax_like counterpart");
	/* Shape arithmetic is evaluated, not emitted. */
	if (r->sym && e->type && e->type->kind == RELAY_TYPE_TENSOR) {
		const bridge_sym *s = NULL;
		sb_status st = r->sym(c, e, &s);
		if (st)
			return st;
		if (s) {
			out->sym = s;
			out->sym_done = true;
			return SB_OK;
		}
	}
	return r->convert(c, e, r->op, out);
}

static sb_status convert_node(bridge_ctx *c, const relay_expr *e)
{
	bridge_value *out = bridge_value_of(c, e);
	if (out->done)
		return SB_OK;
	sb_status st = SB_OK;
	switch (e->kind) {
	case RELAY_VAR:
		return sb_set_error(SB_ERR_INVALID, "bridge: variable '%s' is not a parameter",
				    e->name ? e->name : "?");
	case RELAY_CONSTANT:
		out->constant = e->u.constant.value;
		break;
	case RELAY_CALL: {
		if ((st = convert_call(c, e, out))) {
			char buf[32];
			return sb_error_prefix(st, "bridge: %s '%s'",
					       relay_op_get(e->u.call.op)->name,
					       node_name(e, buf, sizeof buf));
		}
		if (e->type && e->type->kind == RELAY_TYPE_TUPLE && !out->nfields) {
			/* A relay op typed as a tuple even with one output
			 * (MaxPool, LayerNormalization, Dropout): one field. */
			bridge_value *f = SB_ARENA_NEW(relax_arena(c->m), bridge_value);
			*f = *out;
			f->done = true;
			out->nfields = 1;
			out->fields = f;
		}
		break;
	}
	case RELAY_TUPLE:
		out->nfields = e->u.tuple.nfields;
		out->fields = SB_ARENA_ARRAY(relax_arena(c->m), bridge_value,
					     out->nfields ? out->nfields : 1);
		for (int i = 0; i < out->nfields; i++)
			out->fields[i] = *bridge_value_of(c, e->u.tuple.fields[i]);
		break;
	case RELAY_TUPLE_GET: {
		bridge_value *t = bridge_value_of(c, e->u.get.tuple);
		int i = e->u.get.index;
		if (i < 0 || i >= t->nfields)
			return sb_set_error(SB_ERR_INVALID,
					    "bridge: field %d of a value with %d fields", i,
					    t->nfields);
		bridge_value *f = &t->fields[i];
		if (!f->expr && !f->constant && !f->sym && !f->nfields) {
			SB_ASSERT(t->expr);
			if ((st = bridge_emit(c, relax_tuple_get(c->m, t->expr, i), &f->expr)))
				return st;
		}
		*out = *f;
		break;
	}
	}
	out->done = true;
	return st;
}

/* ---- Results ---- */

static bool is_identifier(const char *s)
{
	if (!s || !*s || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static sb_status convert_results(bridge_ctx *c, const relay_function *f, relax_expr **body)
{
	int n = f->nresults;
	relax_expr **outs = SB_ARENA_ARRAY(relax_arena(c->m), relax_expr *, n ? n : 1);
	for (int i = 0; i < n; i++) {
		const char *name = f->result_names ? f->result_names[i] : NULL;
		relax_expr *leaf;
		sb_status st = bridge_tensor(c, f->results[i], &leaf);
		if (!st)
			st = relax_builder_emit_output(c->b, leaf,
						       is_identifier(name) ? name : NULL, &outs[i]);
		if (st)
			return sb_error_prefix(st, "bridge: result %d ('%s')", i,
					       name ? name : "?");
	}
	relax_builder_end_block(c->b);
	*body = n == 1 ? outs[0] : relax_tuple(c->m, n, outs);
	return SB_OK;
}

/* ---- Entry points ---- */

sb_status bridge_convert_function(relay_module *src, const relay_function *f, relax_module *dst,
				  const char *name, relax_expr **fn_out)
{
	return bridge_convert_function_with(src, f, dst, name, NULL, fn_out);
}

sb_status bridge_convert_function_with(relay_module *src, const relay_function *f,
				       relax_module *dst, const char *name,
				       const bridge_options *opts, relax_expr **fn_out)
{
	for (int i = 0; i < f->nresults; i++)
		if (!f->results[i]->type)
			return sb_set_error(SB_ERR_INVALID,
					    "bridge: the relay function is not typed "
					    "(run relay_infer_types first)");
	bridge_ctx c = {
	    .src = src,
	    .m = dst,
	    .tir = dst->tir,
	    .b = relax_builder_new(dst),
	    .nvalues = src->next_id,
	    .values = sb_xcalloc(src->next_id ? src->next_id : 1, sizeof(bridge_value)),
	    .fn = f,
	    .opts = opts,
	};
	relay_expr_vec order = {0};
	relax_expr **params =
	    SB_ARENA_ARRAY(relax_arena(dst), relax_expr *, f->nparams ? f->nparams : 1);
	relax_expr *fn = NULL, *body = NULL;
	sb_status st = convert_params(&c, f, params);
	if (!st) {
		relax_builder_begin_function(c.b, f->nparams, params);
		/* Guards first: nothing runs on a value the code was not
		 * specialized for. */
		st = bridge_emit_guards(&c, params);
		relax_builder_begin_dataflow(c.b);
		relay_post_order(src, f, &order);
		for (size_t i = 0; i < order.len && !st; i++)
			st = convert_node(&c, order.data[i]);
		if (!st)
			st = convert_results(&c, f, &body);
		if (!st)
			st = relax_builder_end_function(c.b, body, NULL, &fn);
	}
	if (!st) {
		relax_function_set_attr_str(dst, fn, "global_symbol", name);
		relax_function_set_attr_int(dst, fn, "num_outputs", f->nresults);
		for (int i = 0; i < f->nresults; i++) {
			char key[48];
			snprintf(key, sizeof key, "output_name.%d", i);
			const char *on =
			    f->result_names && f->result_names[i] ? f->result_names[i] : "";
			relax_function_set_attr_str(dst, fn, key, on);
		}
		relax_module_set_function(dst, name, fn);
		if (fn_out)
			*fn_out = fn;
	}
	sb_vec_free(&order);
	free(c.values);
	relax_builder_free(c.b);
	return st;
}

sb_status bridge_convert(relay_module *src, relax_module **out)
{
	return bridge_convert_with(src, NULL, out);
}

sb_status bridge_convert_with(relay_module *src, const bridge_options *opts, relax_module **out)
{
	*out = NULL;
	if (!src->main)
		return sb_set_error(SB_ERR_INVALID, "bridge: the module has no main function");
	relax_module *m = relax_module_new();
	sb_status st = bridge_convert_function_with(src, src->main, m, "main", opts, NULL);
	if (st) {
		relax_module_free(m);
		return st;
	}
	*out = m;
	return SB_OK;
}

bool bridge_supports(relay_op op)
{
	return op < RELAY_OP_COUNT && bridge_rules[op].convert;
}

int bridge_output_count(const relax_expr *fn)
{
	const tir_attr *a = relax_function_get_attr(fn, "num_outputs");
	return a && !a->str ? (int)a->value : -1;
}

const char *bridge_output_name(const relax_expr *fn, int i)
{
	char key[48];
	snprintf(key, sizeof key, "output_name.%d", i);
	const tir_attr *a = relax_function_get_attr(fn, key);
	return a ? a->str : NULL;
}
