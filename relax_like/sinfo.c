/* Struct info: constructors, comparison through the prover, the lattice
 * (is_base_of, lca), erasure of variables, and the text form. */
#include <stdlib.h>

#include "relax.h"

static relax_sinfo *sinfo_new(relax_module *m, relax_sinfo_kind k)
{
	relax_sinfo *s = SB_ARENA_NEW(relax_arena(m), relax_sinfo);
	s->kind = k;
	return s;
}

static tir_expr **exprs_copy(relax_module *m, int n, tir_expr *const *v)
{
	if (!v || n < 0)
		return NULL;
	tir_expr **r = SB_ARENA_ARRAY(relax_arena(m), tir_expr *, n > 0 ? n : 1);
	for (int i = 0; i < n; i++) {
		SB_ASSERT(v[i] && tir_type_is_int(v[i]->type));
		r[i] = v[i];
	}
	return r;
}

const relax_sinfo *relax_sinfo_object(relax_module *m)
{
	return sinfo_new(m, RELAX_SINFO_OBJECT);
}

const relax_sinfo *relax_sinfo_prim(relax_module *m, sb_dtype dt, tir_expr *value)
{
	relax_sinfo *s = sinfo_new(m, RELAX_SINFO_PRIM);
	s->u.prim.dtype = dt;
	s->u.prim.value = value;
	return s;
}

const relax_sinfo *relax_sinfo_shape(relax_module *m, int ndim, tir_expr *const *values)
{
	relax_sinfo *s = sinfo_new(m, RELAX_SINFO_SHAPE);
	s->u.shape.ndim = ndim < 0 ? RELAX_NDIM_UNKNOWN : ndim;
	s->u.shape.values = exprs_copy(m, ndim, values);
	return s;
}

const relax_sinfo *relax_sinfo_tensor(relax_module *m, sb_dtype dt, int ndim,
				      tir_expr *const *shape)
{
	relax_sinfo *s = sinfo_new(m, RELAX_SINFO_TENSOR);
	s->u.tensor.dtype = dt;
	s->u.tensor.ndim = ndim < 0 ? RELAX_NDIM_UNKNOWN : ndim;
	s->u.tensor.shape = exprs_copy(m, ndim, shape);
	return s;
}

const relax_sinfo *relax_sinfo_tensor_static(relax_module *m, sb_dtype dt, int ndim,
					     const int64_t *shape)
{
	tir_expr *dims[SB_MAX_RANK];
	SB_ASSERT(ndim >= 0 && ndim <= SB_MAX_RANK);
	for (int i = 0; i < ndim; i++)
		dims[i] = tir_int(m->tir, shape[i]);
	return relax_sinfo_tensor(m, dt, ndim, dims);
}

const relax_sinfo *relax_sinfo_tuple(relax_module *m, int n, const relax_sinfo *const *fields)
{
	relax_sinfo *s = sinfo_new(m, RELAX_SINFO_TUPLE);
	s->u.tuple.nfields = n;
	s->u.tuple.fields = SB_ARENA_ARRAY(relax_arena(m), const relax_sinfo *, n > 0 ? n : 1);
	for (int i = 0; i < n; i++) {
		SB_ASSERT(fields[i]);
		s->u.tuple.fields[i] = fields[i];
	}
	return s;
}

const relax_sinfo *relax_sinfo_func(relax_module *m, int nparams, const relax_sinfo *const *params,
				    const relax_sinfo *ret, bool pure)
{
	relax_sinfo *s = sinfo_new(m, RELAX_SINFO_FUNC);
	s->u.func.nparams = nparams < 0 ? -1 : nparams;
	if (nparams >= 0) {
		s->u.func.params =
		    SB_ARENA_ARRAY(relax_arena(m), const relax_sinfo *, nparams > 0 ? nparams : 1);
		for (int i = 0; i < nparams; i++)
			s->u.func.params[i] = params[i];
	}
	s->u.func.ret = ret ? ret : relax_sinfo_object(m);
	s->u.func.pure = pure;
	return s;
}

/* ---- Comparison ---- */

static bool expr_equal(relax_module *m, tir_expr *a, tir_expr *b)
{
	return a == b || tir_can_prove_equal(m->tir, m->an, a, b);
}

static bool values_equal(relax_module *m, int n, tir_expr *const *a, tir_expr *const *b)
{
	for (int i = 0; i < n; i++)
		if (!expr_equal(m, a[i], b[i]))
			return false;
	return true;
}

bool relax_sinfo_equal(relax_module *m, const relax_sinfo *a, const relax_sinfo *b)
{
	if (a == b)
		return true;
	if (!a || !b || a->kind != b->kind)
		return false;
	switch (a->kind) {
	case RELAX_SINFO_OBJECT:
		return true;
	case RELAX_SINFO_PRIM:
		return a->u.prim.dtype == b->u.prim.dtype && !a->u.prim.value == !b->u.prim.value &&
		       (!a->u.prim.value || expr_equal(m, a->u.prim.value, b->u.prim.value));
	case RELAX_SINFO_SHAPE:
		return a->u.shape.ndim == b->u.shape.ndim &&
		       !a->u.shape.values == !b->u.shape.values &&
		       (!a->u.shape.values ||
			values_equal(m, a->u.shape.ndim, a->u.shape.values, b->u.shape.values));
	case RELAX_SINFO_TENSOR:
		return a->u.tensor.dtype == b->u.tensor.dtype &&
		       a->u.tensor.ndim == b->u.tensor.ndim &&
		       !a->u.tensor.shape == !b->u.tensor.shape &&
		       (!a->u.tensor.shape ||
			values_equal(m, a->u.tensor.ndim, a->u.tensor.shape, b->u.tensor.shape));
	case RELAX_SINFO_TUPLE:
		if (a->u.tuple.nfields != b->u.tuple.nfields)
			return false;
		for (int i = 0; i < a->u.tuple.nfields; i++)
			if (!relax_sinfo_equal(m, a->u.tuple.fields[i], b->u.tuple.fields[i]))
				return false;
		return true;
	case RELAX_SINFO_FUNC:
		if (a->u.func.nparams != b->u.func.nparams || a->u.func.pure != b->u.func.pure ||
		    !relax_sinfo_equal(m, a->u.func.ret, b->u.func.ret))
			return false;
		for (int i = 0; i < a->u.func.nparams; i++)
			if (!relax_sinfo_equal(m, a->u.func.params[i], b->u.func.params[i]))
				return false;
		return true;
	}
	return false;
}

static bool dims_base_of(relax_module *m, int bn, tir_expr *const *bv, int dn, tir_expr *const *dv)
{
	if (bn == RELAX_NDIM_UNKNOWN)
		return true;
	if (bn != dn)
		return false;
	if (!bv)
		return true;
	return dv && values_equal(m, bn, bv, dv);
}

bool relax_sinfo_is_base_of(relax_module *m, const relax_sinfo *base, const relax_sinfo *derived)
{
	if (base == derived || base->kind == RELAX_SINFO_OBJECT)
		return true;
	if (base->kind != derived->kind)
		return false;
	switch (base->kind) {
	case RELAX_SINFO_OBJECT:
		return true;
	case RELAX_SINFO_PRIM:
		if (base->u.prim.dtype != derived->u.prim.dtype)
			return false;
		return !base->u.prim.value ||
		       (derived->u.prim.value &&
			expr_equal(m, base->u.prim.value, derived->u.prim.value));
	case RELAX_SINFO_SHAPE:
		return dims_base_of(m, base->u.shape.ndim, base->u.shape.values,
				    derived->u.shape.ndim, derived->u.shape.values);
	case RELAX_SINFO_TENSOR:
		if (base->u.tensor.dtype != SB_DT_INVALID &&
		    base->u.tensor.dtype != derived->u.tensor.dtype)
			return false;
		return dims_base_of(m, base->u.tensor.ndim, base->u.tensor.shape,
				    derived->u.tensor.ndim, derived->u.tensor.shape);
	case RELAX_SINFO_TUPLE:
		if (base->u.tuple.nfields != derived->u.tuple.nfields)
			return false;
		for (int i = 0; i < base->u.tuple.nfields; i++)
			if (!relax_sinfo_is_base_of(m, base->u.tuple.fields[i],
						    derived->u.tuple.fields[i]))
				return false;
		return true;
	case RELAX_SINFO_FUNC:
		if (base->u.func.pure && !derived->u.func.pure)
			return false;
		if (!relax_sinfo_is_base_of(m, base->u.func.ret, derived->u.func.ret))
			return false;
		if (base->u.func.nparams < 0)
			return true;
		if (base->u.func.nparams != derived->u.func.nparams)
			return false;
		for (int i = 0; i < base->u.func.nparams; i++)
			if (!relax_sinfo_equal(m, base->u.func.params[i],
					       derived->u.func.params[i]))
				return false;
		return true;
	}
	return false;
}

const relax_sinfo *relax_sinfo_lca(relax_module *m, const relax_sinfo *a, const relax_sinfo *b)
{
	if (relax_sinfo_is_base_of(m, a, b))
		return a;
	if (relax_sinfo_is_base_of(m, b, a))
		return b;
	if (a->kind != b->kind)
		return relax_sinfo_object(m);
	switch (a->kind) {
	case RELAX_SINFO_PRIM:
		if (a->u.prim.dtype == b->u.prim.dtype)
			return relax_sinfo_prim(m, a->u.prim.dtype, NULL);
		return relax_sinfo_object(m);
	case RELAX_SINFO_SHAPE:
		return relax_sinfo_shape(
		    m, a->u.shape.ndim == b->u.shape.ndim ? a->u.shape.ndim : RELAX_NDIM_UNKNOWN,
		    NULL);
	case RELAX_SINFO_TENSOR:
		return relax_sinfo_tensor(
		    m, a->u.tensor.dtype == b->u.tensor.dtype ? a->u.tensor.dtype : SB_DT_INVALID,
		    a->u.tensor.ndim == b->u.tensor.ndim ? a->u.tensor.ndim : RELAX_NDIM_UNKNOWN,
		    NULL);
	case RELAX_SINFO_TUPLE: {
		if (a->u.tuple.nfields != b->u.tuple.nfields)
			return relax_sinfo_object(m);
		int n = a->u.tuple.nfields;
		const relax_sinfo **f =
		    SB_ARENA_ARRAY(relax_arena(m), const relax_sinfo *, n ? n : 1);
		for (int i = 0; i < n; i++)
			f[i] = relax_sinfo_lca(m, a->u.tuple.fields[i], b->u.tuple.fields[i]);
		return relax_sinfo_tuple(m, n, f);
	}
	default:
		return relax_sinfo_object(m);
	}
}

/* ---- Variables ---- */

void relax_tir_visit_vars(tir_expr *e, void (*fn)(tir_expr *var, void *env), void *env)
{
	if (e->kind == TIR_VAR) {
		fn(e, env);
		return;
	}
	for (uint32_t i = 0; i < e->nops; i++)
		relax_tir_visit_vars(e->ops[i], fn, env);
}

void relax_sinfo_visit_vars(const relax_sinfo *s, void (*fn)(tir_expr *var, void *env), void *env)
{
	switch (s->kind) {
	case RELAX_SINFO_OBJECT:
		break;
	case RELAX_SINFO_PRIM:
		if (s->u.prim.value)
			relax_tir_visit_vars(s->u.prim.value, fn, env);
		break;
	case RELAX_SINFO_SHAPE:
		if (s->u.shape.values)
			for (int i = 0; i < s->u.shape.ndim; i++)
				relax_tir_visit_vars(s->u.shape.values[i], fn, env);
		break;
	case RELAX_SINFO_TENSOR:
		if (s->u.tensor.shape)
			for (int i = 0; i < s->u.tensor.ndim; i++)
				relax_tir_visit_vars(s->u.tensor.shape[i], fn, env);
		break;
	case RELAX_SINFO_TUPLE:
		for (int i = 0; i < s->u.tuple.nfields; i++)
			relax_sinfo_visit_vars(s->u.tuple.fields[i], fn, env);
		break;
	case RELAX_SINFO_FUNC:
		for (int i = 0; i < s->u.func.nparams; i++)
			relax_sinfo_visit_vars(s->u.func.params[i], fn, env);
		relax_sinfo_visit_vars(s->u.func.ret, fn, env);
		break;
	}
}

typedef struct erase_env {
	bool (*keep)(const tir_expr *var, void *env);
	void *env;
	bool ok;
} erase_env;

static void erase_check_var(tir_expr *v, void *env)
{
	erase_env *e = env;
	if (e->ok && !e->keep(v, e->env))
		e->ok = false;
}

static bool exprs_kept(erase_env *e, int n, tir_expr *const *v)
{
	e->ok = true;
	for (int i = 0; i < n && e->ok; i++)
		relax_tir_visit_vars(v[i], erase_check_var, e);
	return e->ok;
}

const relax_sinfo *relax_sinfo_erase(relax_module *m, const relax_sinfo *s,
				     bool (*keep)(const tir_expr *var, void *env), void *env)
{
	erase_env e = {keep, env, true};
	switch (s->kind) {
	case RELAX_SINFO_OBJECT:
		return s;
	case RELAX_SINFO_PRIM:
		if (!s->u.prim.value || exprs_kept(&e, 1, &s->u.prim.value))
			return s;
		return relax_sinfo_prim(m, s->u.prim.dtype, NULL);
	case RELAX_SINFO_SHAPE:
		if (!s->u.shape.values || exprs_kept(&e, s->u.shape.ndim, s->u.shape.values))
			return s;
		return relax_sinfo_shape(m, s->u.shape.ndim, NULL);
	case RELAX_SINFO_TENSOR:
		if (!s->u.tensor.shape || exprs_kept(&e, s->u.tensor.ndim, s->u.tensor.shape))
			return s;
		return relax_sinfo_tensor(m, s->u.tensor.dtype, s->u.tensor.ndim, NULL);
	case RELAX_SINFO_TUPLE: {
		int n = s->u.tuple.nfields;
		const relax_sinfo **f =
		    SB_ARENA_ARRAY(relax_arena(m), const relax_sinfo *, n ? n : 1);
		bool changed = false;
		for (int i = 0; i < n; i++) {
			f[i] = relax_sinfo_erase(m, s->u.tuple.fields[i], keep, env);
			changed |= f[i] != s->u.tuple.fields[i];
		}
		return changed ? relax_sinfo_tuple(m, n, f) : s;
	}
	case RELAX_SINFO_FUNC: {
		/* A function type's own variables are its business; erase only
		 * what its return mentions from outside. */
		const relax_sinfo *ret = relax_sinfo_erase(m, s->u.func.ret, keep, env);
		if (ret == s->u.func.ret)
			return s;
		return relax_sinfo_func(m, s->u.func.nparams, s->u.func.params, ret,
					s->u.func.pure);
	}
	}
	return s;
}

/* ---- Printing ---- */

static void print_dims(sb_strbuf *b, int n, tir_expr *const *v)
{
	sb_strbuf_putc(b, '(');
	for (int i = 0; i < n; i++) {
		if (i)
			sb_strbuf_puts(b, ", ");
		tir_expr_print(b, v[i]);
	}
	if (n == 1)
		sb_strbuf_putc(b, ',');
	sb_strbuf_putc(b, ')');
}

static void print_rank(sb_strbuf *b, int ndim)
{
	if (ndim == RELAX_NDIM_UNKNOWN)
		sb_strbuf_puts(b, "ndim=?");
	else
		sb_strbuf_printf(b, "ndim=%d", ndim);
}

static const char *dtype_text(sb_dtype dt)
{
	return dt == SB_DT_INVALID ? "?" : sb_dtype_name(dt);
}

void relax_sinfo_print(sb_strbuf *b, const relax_sinfo *s)
{
	if (!s) {
		sb_strbuf_puts(b, "<no struct info>");
		return;
	}
	switch (s->kind) {
	case RELAX_SINFO_OBJECT:
		sb_strbuf_puts(b, "Object");
		break;
	case RELAX_SINFO_PRIM:
		sb_strbuf_printf(b, "Prim(%s", dtype_text(s->u.prim.dtype));
		if (s->u.prim.value) {
			sb_strbuf_puts(b, ", ");
			tir_expr_print(b, s->u.prim.value);
		}
		sb_strbuf_putc(b, ')');
		break;
	case RELAX_SINFO_SHAPE:
		sb_strbuf_puts(b, "Shape(");
		if (s->u.shape.values)
			print_dims(b, s->u.shape.ndim, s->u.shape.values);
		else
			print_rank(b, s->u.shape.ndim);
		sb_strbuf_putc(b, ')');
		break;
	case RELAX_SINFO_TENSOR:
		sb_strbuf_puts(b, "Tensor(");
		if (s->u.tensor.shape)
			print_dims(b, s->u.tensor.ndim, s->u.tensor.shape);
		else
			print_rank(b, s->u.tensor.ndim);
		sb_strbuf_printf(b, ", %s)", dtype_text(s->u.tensor.dtype));
		break;
	case RELAX_SINFO_TUPLE:
		sb_strbuf_puts(b, "Tuple(");
		for (int i = 0; i < s->u.tuple.nfields; i++) {
			if (i)
				sb_strbuf_puts(b, ", ");
			relax_sinfo_print(b, s->u.tuple.fields[i]);
		}
		sb_strbuf_putc(b, ')');
		break;
	case RELAX_SINFO_FUNC:
		sb_strbuf_puts(b, "Func(");
		if (s->u.func.nparams < 0) {
			sb_strbuf_puts(b, "...");
		} else {
			sb_strbuf_putc(b, '(');
			for (int i = 0; i < s->u.func.nparams; i++) {
				if (i)
					sb_strbuf_puts(b, ", ");
				relax_sinfo_print(b, s->u.func.params[i]);
			}
			sb_strbuf_putc(b, ')');
		}
		sb_strbuf_puts(b, " -> ");
		relax_sinfo_print(b, s->u.func.ret);
		if (!s->u.func.pure)
			sb_strbuf_puts(b, ", impure");
		sb_strbuf_putc(b, ')');
		break;
	}
}

char *relax_sinfo_to_string(const relax_sinfo *s)
{
	sb_strbuf b = {0};
	relax_sinfo_print(&b, s);
	return sb_strbuf_take(&b);
}
