/* CallTIRRewrite: makes the allocation of destination-passing calls
 * explicit.  call_tir(@f, (args), sinfo_args=[out]) binds its var to a
 * relax.builtin.alloc_tensor of out's shape and dtype, then calls the
 * PrimFunc directly with the outputs appended to the arguments;
 * call_dps_packed does the same with its ExternFunc.  A tuple output
 * allocates one tensor per field and binds the var to their tuple.
 *
 * Requires: normal form, no dataflow blocks (ToNonDataflow): the kernel
 * call writes into its output, an effect.  Every output struct info with a
 * known shape and dtype.  Guarantees: no call_tir / call_dps_packed; a
 * kernel call returns nothing (struct info Tuple()); vars keep their
 * identity; the binding's run-time checks stay on the allocation.
 *
 *   %lv0 = relax.call_tir(@add, (%x, %x), sinfo_args=[Tensor((n, 4), float32)])
 * becomes
 *   %lv0 = relax.builtin.alloc_tensor(shape(n, 4), dtype=float32) : Tensor((n, 4), float32)
 *   %_ = @add(%x, %x, %lv0, sinfo_args=[Tuple()]) : Tuple()
 */
#include <stdio.h>

#include "passes.h"

static sb_status alloc_output(relax_builder *b, const relax_sinfo *s, const char *where,
			      relax_expr **call)
{
	relax_module *m = relax_builder_module(b);
	if (!relax_sinfo_has_shape(s) || s->u.tensor.dtype == SB_DT_INVALID) {
		char *t = relax_sinfo_to_string(s);
		sb_status st = sb_set_error(SB_ERR_UNSUPPORTED,
					    "CallTIRRewrite '%s': cannot allocate an output of %s "
					    "(its shape and dtype must be known)",
					    where, t);
		free(t);
		return st;
	}
	relax_attrs_alloc *a = relax_attrs_new(m, RELAX_ATTRS_alloc);
	a->dtype = s->u.tensor.dtype;
	relax_expr *shape = relax_shape_expr(m, s->u.tensor.ndim, s->u.tensor.shape);
	*call = relax_call_op(m, RELAX_OP_BUILTIN_ALLOC_TENSOR, 1, &shape, a);
	return SB_OK;
}

/* The argument tuple's fields: a Tuple literal's, else TupleGetItems of
 * the tuple-valued var, bound first. */
static sb_status arg_fields(relax_builder *b, relax_expr *tuple, int *n, relax_expr ***fields)
{
	relax_module *m = relax_builder_module(b);
	if (tuple->kind == RELAX_TUPLE) {
		*n = tuple->u.tuple.nfields;
		*fields = tuple->u.tuple.fields;
		return SB_OK;
	}
	const relax_sinfo *s = tuple->sinfo;
	SB_ASSERT(s && s->kind == RELAX_SINFO_TUPLE); /* infer_call_dps checked */
	*n = s->u.tuple.nfields;
	*fields = SB_ARENA_ARRAY(relax_arena(m), relax_expr *, *n ? *n : 1);
	for (int i = 0; i < *n; i++) {
		sb_status st =
		    relax_builder_emit(b, relax_tuple_get(m, tuple, i), NULL, &(*fields)[i]);
		if (st)
			return st;
	}
	return SB_OK;
}

static sb_status rewrite(relax_builder *b, const relax_binding *old, relax_expr *value, void *env,
			 relax_expr **out)
{
	(void)env;
	if (value->kind != RELAX_CALL || value->u.call.callee ||
	    (value->u.call.op != RELAX_OP_CALL_TIR && value->u.call.op != RELAX_OP_CALL_DPS_PACKED))
		return SB_OK;
	relax_module *m = relax_builder_module(b);
	const char *where = old->var->u.var.name;
	const relax_sinfo *os = value->u.call.sinfo_args[0];
	int nin;
	relax_expr **in;
	sb_status st = arg_fields(b, value->u.call.args[1], &nin, &in);
	if (st)
		return st;
	bool tuple = os->kind == RELAX_SINFO_TUPLE;
	int nout = tuple ? os->u.tuple.nfields : 1;
	relax_expr **args = SB_ARENA_ARRAY(relax_arena(m), relax_expr *, nin + nout);
	memcpy(args, in, sizeof(relax_expr *) * (size_t)nin);
	for (int i = 0; i < nout; i++) {
		relax_expr *alloc = NULL;
		if ((st = alloc_output(b, tuple ? os->u.tuple.fields[i] : os, where, &alloc)))
			return st;
		/* The binding's checks go before the first allocation. */
		relax_binding nb = {.kind = RELAX_VAR_BINDING, .var = old->var, .value = alloc};
		if (tuple) {
			char name[160];
			snprintf(name, sizeof name, "%s_%d", where, i);
			nb.var = relax_var(m, name, NULL);
		}
		if (i == 0) {
			nb.nchecks = old->nchecks;
			nb.checks = old->checks;
		}
		if ((st = relax_builder_emit_binding(b, &nb, false, &args[nin + i])))
			return st;
		SB_ASSERT(args[nin + i] == nb.var);
	}
	const relax_sinfo *none = relax_sinfo_tuple(m, 0, NULL);
	relax_expr *kernel = relax_call_func(m, value->u.call.args[0], nin + nout, args, 1, &none);
	relax_expr *ignore;
	if ((st = relax_builder_emit(b, kernel, "_", &ignore)))
		return st;
	if (tuple) {
		relax_binding nb = {.kind = RELAX_VAR_BINDING,
				    .var = old->var,
				    .value = relax_tuple(m, nout, args + nin)};
		relax_expr *bound;
		if ((st = relax_builder_emit_binding(b, &nb, false, &bound)))
			return st;
		SB_ASSERT(bound == old->var);
	}
	*out = old->var;
	return SB_OK;
}

sb_status relax_call_tir_rewrite(relax_module *m)
{
	return relax_module_rewrite(m, rewrite, NULL);
}
