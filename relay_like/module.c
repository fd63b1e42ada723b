/* Modules, node builders and types. */
#include <inttypes.h>
#include <stdlib.h>

#include "relay.h"

relay_module *relay_module_new(void)
{
	relay_module *m = sb_xcalloc(1, sizeof *m);
	sb_arena_init(&m->arena);
	sb_interner_init(&m->strings);
	return m;
}

void relay_module_free(relay_module *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->constants.len; i++)
		sb_tensor_release(m->constants.data[i]);
	sb_vec_free(&m->constants);
	sb_interner_free(&m->strings);
	sb_arena_free(&m->arena);
	free(m);
}

const char *relay_intern(relay_module *m, const char *s) { return s ? sb_intern(&m->strings, s) : NULL; }

/* An arena copy of n pointers; a slot is allocated even for n == 0 so the
 * array is never NULL, and nothing is read from `src` then. */
static void *copy_ptrs(relay_module *m, const void *src, int n)
{
	void *p = sb_arena_alloc(&m->arena, sizeof(void *) * (size_t)(n > 0 ? n : 1));
	if (n > 0)
		memcpy(p, src, sizeof(void *) * (size_t)n);
	return p;
}

static relay_expr *expr_new(relay_module *m, relay_expr_kind kind, const char *name)
{
	relay_expr *e = SB_ARENA_NEW(&m->arena, relay_expr);
	e->kind = kind;
	e->id = m->next_id++;
	e->name = relay_intern(m, name);
	return e;
}

relay_expr *relay_var(relay_module *m, const char *name, const relay_type *annotation)
{
	relay_expr *e = expr_new(m, RELAY_VAR, name);
	e->u.var.annotation = annotation;
	e->type = annotation;
	return e;
}

relay_expr *relay_constant(relay_module *m, sb_tensor *value)
{
	relay_expr *e = expr_new(m, RELAY_CONSTANT, NULL);
	e->u.constant.value = value;
	sb_vec_push(&m->constants, value);
	e->type = relay_type_from_shape(m, value->dtype, value->dl.ndim, value->shape);
	return e;
}

relay_expr *relay_call(relay_module *m, relay_op op, int nargs, relay_expr *const *args,
		       void *attrs, int nout, const char *name)
{
	relay_expr *e = expr_new(m, RELAY_CALL, name);
	e->u.call.op = op;
	e->u.call.nargs = nargs;
	e->u.call.args = copy_ptrs(m, args, nargs);
	e->u.call.nout = nout;
	e->u.call.attrs = attrs ? attrs : relay_attrs_new(m, relay_op_table[op].attrs);
	return e;
}

relay_expr *relay_tuple(relay_module *m, int n, relay_expr *const *fields)
{
	relay_expr *e = expr_new(m, RELAY_TUPLE, NULL);
	e->u.tuple.nfields = n;
	e->u.tuple.fields = copy_ptrs(m, fields, n);
	return e;
}

relay_expr *relay_tuple_get(relay_module *m, relay_expr *tuple, int index)
{
	relay_expr *e = expr_new(m, RELAY_TUPLE_GET, NULL);
	e->u.get.tuple = tuple;
	e->u.get.index = index;
	return e;
}

relay_function *relay_function_new(relay_module *m, const char *name, int nparams,
				   relay_expr *const *params, int nresults,
				   relay_expr *const *results, const char *const *result_names)
{
	relay_function *f = SB_ARENA_NEW(&m->arena, relay_function);
	f->name = relay_intern(m, name);
	f->nparams = nparams;
	f->params = copy_ptrs(m, params, nparams);
	f->nresults = nresults;
	f->results = copy_ptrs(m, results, nresults);
	f->result_names = SB_ARENA_ARRAY(&m->arena, const char *, nresults ? nresults : 1);
	for (int i = 0; i < nresults; i++)
		f->result_names[i] = relay_intern(m, result_names ? result_names[i] : NULL);
	return f;
}

relay_type *relay_type_tensor(relay_module *m, sb_dtype dt, int rank, const relay_dim *dims)
{
	relay_type *t = SB_ARENA_NEW(&m->arena, relay_type);
	t->kind = RELAY_TYPE_TENSOR;
	t->dtype = dt;
	t->rank = rank;
	if (rank >= 0) {
		t->dims = SB_ARENA_ARRAY(&m->arena, relay_dim, rank ? rank : 1);
		for (int i = 0; i < rank; i++)
			t->dims[i] = dims ? dims[i] : RELAY_DIM_UNKNOWN;
	}
	return t;
}

relay_type *relay_type_tuple(relay_module *m, int n, const relay_type *const *fields)
{
	relay_type *t = SB_ARENA_NEW(&m->arena, relay_type);
	t->kind = RELAY_TYPE_TUPLE;
	t->nfields = n;
	t->fields = copy_ptrs(m, fields, n);
	return t;
}

relay_type *relay_type_from_shape(relay_module *m, sb_dtype dt, int rank, const int64_t *shape)
{
	relay_type *t = relay_type_tensor(m, dt, rank, NULL);
	for (int i = 0; i < rank; i++)
		t->dims[i] = relay_dim_known(shape[i]);
	return t;
}

bool relay_type_equal(const relay_type *a, const relay_type *b)
{
	if (a == b)
		return true;
	if (!a || !b || a->kind != b->kind)
		return false;
	if (a->kind == RELAY_TYPE_TUPLE) {
		if (a->nfields != b->nfields)
			return false;
		for (int i = 0; i < a->nfields; i++)
			if (!relay_type_equal(a->fields[i], b->fields[i]))
				return false;
		return true;
	}
	if (a->dtype != b->dtype || a->rank != b->rank)
		return false;
	for (int i = 0; i < a->rank; i++)
		if (a->dims[i].value != b->dims[i].value || a->dims[i].name != b->dims[i].name)
			return false;
	return true;
}

bool relay_type_is_static(const relay_type *t)
{
	if (t->kind == RELAY_TYPE_TUPLE) {
		for (int i = 0; i < t->nfields; i++)
			if (!relay_type_is_static(t->fields[i]))
				return false;
		return true;
	}
	if (t->rank < 0)
		return false;
	for (int i = 0; i < t->rank; i++)
		if (!relay_dim_is_known(t->dims[i]))
			return false;
	return true;
}

void relay_type_print(sb_strbuf *b, const relay_type *t)
{
	if (!t) {
		sb_strbuf_puts(b, "?");
		return;
	}
	if (t->kind == RELAY_TYPE_TUPLE) {
		sb_strbuf_putc(b, '(');
		for (int i = 0; i < t->nfields; i++) {
			if (i)
				sb_strbuf_puts(b, ", ");
			relay_type_print(b, t->fields[i]);
		}
		sb_strbuf_putc(b, ')');
		return;
	}
	sb_strbuf_puts(b, sb_dtype_name(t->dtype));
	if (t->rank < 0) {
		sb_strbuf_puts(b, "[...]");
		return;
	}
	sb_strbuf_putc(b, '[');
	for (int i = 0; i < t->rank; i++) {
		if (i)
			sb_strbuf_putc(b, ',');
		if (relay_dim_is_known(t->dims[i]))
			sb_strbuf_printf(b, "%" PRId64, t->dims[i].value);
		else if (t->dims[i].name)
			sb_strbuf_puts(b, t->dims[i].name);
		else
			sb_strbuf_putc(b, '?');
	}
	sb_strbuf_putc(b, ']');
}
