/* Inputs bound at compile time (bridge.h: bridge_options): checking the
 * bindings against the parameters, the run-time guard of each, the hint an
 * error gives ("; bind it with --bind axes=FILE"), and the query of which
 * inputs the bridge needs values for.
 *
 * A bound parameter keeps its relax var (it is still an input of the
 * compiled function); its bridge_value gets `bound`, which bridge_sym_of
 * and bridge_const_tensor read like a constant's tensor, so every rule that
 * needs a compile-time value -- and the shape arithmetic -- sees it.  The
 * guard makes that sound: the function's first binding compares the value
 * given with the bound one.
 *
 * Which arguments must be known at compile time is what the converters ask
 * of bridge_static_ints and const_floats (convert_nn.c,
 * convert_transform.c), plus a Pad's value, which LegalizeOps needs as a
 * constant (convert_pad passes a bound one as such); static_args below
 * lists the same arguments for the query, which runs before any conversion
 * (a driver binds what it names, then converts).  If the two drift apart
 * the query names too many inputs (harmless: a bound input is only
 * checked) or too few (the conversion's error still names the input). */
#include <inttypes.h>
#include <stdio.h>

#include "bridge_internal.h"

const sb_tensor *bridge_bound_value(const bridge_options *opts, const relay_expr *p)
{
	if (!opts || !p->name)
		return NULL;
	for (int i = 0; i < opts->nbound; i++)
		if (opts->bound[i].name && !strcmp(opts->bound[i].name, p->name))
			return opts->bound[i].value;
	return NULL;
}

static const relay_type *param_type(const relay_expr *p)
{
	return p->u.var.annotation ? p->u.var.annotation : p->type;
}

static void input_names(const relay_function *f, sb_strbuf *b)
{
	for (int i = 0; i < f->nparams; i++)
		sb_strbuf_printf(b, "%s%s", i ? ", " : "",
				 f->params[i]->name ? f->params[i]->name : "?");
	if (!f->nparams)
		sb_strbuf_puts(b, "none");
}

/* Does value t fit parameter type pt (dtype, rank, every known dim)? */
static bool value_fits(const relay_type *pt, const sb_tensor *t)
{
	if (!pt || pt->kind != RELAY_TYPE_TENSOR || pt->dtype != t->dtype)
		return false;
	if (pt->rank < 0)
		return true;
	if (pt->rank != sb_tensor_rank(t))
		return false;
	for (int i = 0; i < pt->rank; i++)
		if (relay_dim_is_known(pt->dims[i]) && pt->dims[i].value != t->shape[i])
			return false;
	return true;
}

sb_status bridge_bind_params(bridge_ctx *c)
{
	const relay_function *f = c->fn;
	const bridge_options *o = c->opts;
	for (int i = 0; o && i < o->nbound; i++) {
		const bridge_binding *bd = &o->bound[i];
		if (!bd->name || !bd->value)
			return sb_set_error(SB_ERR_INVALID, "bridge: binding %d has no %s", i,
					    bd->name ? "value" : "name");
		const relay_expr *p = NULL;
		for (int k = 0; k < f->nparams && !p; k++)
			if (f->params[k]->name && !strcmp(f->params[k]->name, bd->name))
				p = f->params[k];
		if (!p) {
			sb_strbuf b = {0};
			input_names(f, &b);
			sb_status st = sb_set_error(
			    SB_ERR_INVALID, "bridge: bound input '%s' is not an input of the model (its inputs: %s)",
			    bd->name, b.data);
			sb_strbuf_free(&b);
			return st;
		}
		for (int k = 0; k < i; k++)
			if (!strcmp(o->bound[k].name, bd->name))
				return sb_set_error(SB_ERR_INVALID, "bridge: input '%s' is bound twice",
						    bd->name);
		const relay_type *pt = param_type(p);
		if (!value_fits(pt, bd->value)) {
			sb_strbuf b = {0};
			char got[160];
			sb_tensor_describe(bd->value, got, sizeof got);
			relay_type_print(&b, pt);
			sb_status st = sb_set_error(SB_ERR_INVALID,
						    "bridge: bound input '%s': the value is %s, the "
						    "model's input is %s",
						    bd->name, got, b.data ? b.data : "not a tensor");
			sb_strbuf_free(&b);
			return st;
		}
		bridge_value_of(c, p)->bound = bd->value;
	}
	return SB_OK;
}

sb_status bridge_emit_guards(bridge_ctx *c, relax_expr *const *params)
{
	relax_module *m = c->m;
	for (int i = 0; i < c->fn->nparams; i++) {
		const relay_expr *p = c->fn->params[i];
		const sb_tensor *v = bridge_value_of(c, p)->bound;
		if (!v)
			continue;
		relax_expr *args[4] = {
		    relax_extern_func(m, SB_BUILTIN_CHECK_BOUND_INPUT),
		    params[i],
		    relax_constant(m, sb_tensor_copy(v)),
		    relax_string_imm(m, p->name),
		};
		const relax_sinfo *none = relax_sinfo_tuple(m, 0, NULL);
		relax_expr *call = relax_call_op_sinfo(m, RELAX_OP_CALL_PACKED, 4, args, NULL, 1, &none);
		relax_expr *var;
		sb_status st = relax_builder_emit(c->b, call, "_", &var);
		if (st)
			return sb_error_prefix(st, "bridge: the guard of bound input '%s'", p->name);
	}
	return SB_OK;
}

/* ---- Which inputs an argument comes from ---- */

/* Marks in `hit` (by parameter index) the parameters `arg` depends on
 * through its data: a walk up the graph that stops at constants and at
 * Shape/Size, which read only their input's shape. */
static void inputs_of(relay_module *src, const relay_function *f, const relay_expr *arg,
		      bool *seen, bool *hit)
{
	relay_expr_vec stack = {0};
	sb_vec_push(&stack, (relay_expr *)arg);
	while (stack.len) {
		relay_expr *e = stack.data[--stack.len];
		if (!e || e->id >= src->next_id || seen[e->id])
			continue;
		seen[e->id] = true;
		switch (e->kind) {
		case RELAY_VAR:
			for (int i = 0; i < f->nparams; i++)
				if (f->params[i] == e)
					hit[i] = true;
			break;
		case RELAY_CONSTANT:
			break;
		case RELAY_CALL:
			if (e->u.call.op == RELAY_OP_SHAPE || e->u.call.op == RELAY_OP_SIZE)
				break;
			for (int i = 0; i < e->u.call.nargs; i++)
				sb_vec_push(&stack, e->u.call.args[i]);
			break;
		case RELAY_TUPLE:
			for (int i = 0; i < e->u.tuple.nfields; i++)
				sb_vec_push(&stack, e->u.tuple.fields[i]);
			break;
		case RELAY_TUPLE_GET:
			sb_vec_push(&stack, e->u.get.tuple);
			break;
		}
	}
	sb_vec_free(&stack);
}

void bridge_bind_hint(bridge_ctx *c, const relay_expr *arg, sb_strbuf *b)
{
	const relay_function *f = c->fn;
	if (!arg || !f || !f->nparams)
		return;
	bool *seen = sb_xcalloc(c->nvalues ? c->nvalues : 1, sizeof(bool));
	bool *hit = sb_xcalloc((size_t)f->nparams, sizeof(bool));
	inputs_of(c->src, f, arg, seen, hit);
	int n = 0;
	for (int i = 0; i < f->nparams; i++)
		if (hit[i] && f->params[i]->name && !bridge_value_of(c, f->params[i])->bound)
			n++;
	if (n) {
		sb_strbuf_puts(b, n == 1 ? "; bind it with" : "; bind them with");
		for (int i = 0; i < f->nparams; i++)
			if (hit[i] && f->params[i]->name &&
			    !bridge_value_of(c, f->params[i])->bound)
				sb_strbuf_printf(b, " --bind %s=FILE", f->params[i]->name);
	}
	free(hit);
	free(seen);
}

/* ---- The query ---- */

/* An optional input that is absent or empty as the graph says ("" or a
 * constant []): nothing is read from it. */
static bool arg_absent(const relay_expr *a)
{
	if (!a)
		return true;
	if (a->kind == RELAY_CONSTANT && sb_tensor_numel(a->u.constant.value) == 0)
		return true;
	return a->type && a->type->kind == RELAY_TYPE_TENSOR && a->type->rank == 1 &&
	       a->type->dims[0].value == 0;
}

/* Bit i: argument i of call e must be known at compile time (what its
 * converter reads with bridge_static_ints or const_floats). */
static unsigned static_args(const relay_expr *e)
{
	switch (e->u.call.op) {
	case RELAY_OP_REDUCE_L1:
	case RELAY_OP_REDUCE_L2:
	case RELAY_OP_REDUCE_LOG_SUM:
	case RELAY_OP_REDUCE_LOG_SUM_EXP:
	case RELAY_OP_REDUCE_MAX:
	case RELAY_OP_REDUCE_MEAN:
	case RELAY_OP_REDUCE_MIN:
	case RELAY_OP_REDUCE_PROD:
	case RELAY_OP_REDUCE_SUM:
	case RELAY_OP_REDUCE_SUM_SQUARE:
	case RELAY_OP_CUM_SUM:
	case RELAY_OP_SPLIT:
	case RELAY_OP_SQUEEZE:
	case RELAY_OP_UNSQUEEZE:
	case RELAY_OP_UPSAMPLE: /* scales */
		return 1u << 1;
	case RELAY_OP_SLICE: /* axes, steps; starts and ends may be read at run time */
		return 1u << 3 | 1u << 4;
	case RELAY_OP_PAD: /* pads, axes; the value, which LegalizeOps folds into the kernel */
		return 1u << 1 | 1u << 2 | 1u << 3;
	case RELAY_OP_RESIZE: {
		const relay_attrs_resize *a = e->u.call.attrs;
		const char *ctm = a ? a->coordinate_transformation_mode : NULL;
		unsigned m = 0;
		if (ctm && !strcmp(ctm, "tf_crop_and_resize"))
			m |= 1u << 1; /* roi */
		if (e->u.call.nargs < 4 || arg_absent(e->u.call.args[3]))
			m |= 1u << 2; /* scales, when there are no sizes */
		return m;
	}
	default:
		return 0;
	}
}

sb_status bridge_inputs_needing_values(relay_module *src, const relay_function *f, int *n,
				       const char ***names)
{
	*n = 0;
	*names = NULL;
	relay_expr_vec order = {0};
	relay_post_order(src, f, &order);
	bool *seen = sb_xcalloc(src->next_id ? src->next_id : 1, sizeof(bool));
	bool *hit = sb_xcalloc(f->nparams ? (size_t)f->nparams : 1, sizeof(bool));
	for (size_t k = 0; k < order.len; k++) {
		const relay_expr *e = order.data[k];
		if (e->kind != RELAY_CALL)
			continue;
		unsigned m = static_args(e);
		for (int i = 0; i < e->u.call.nargs; i++)
			if ((m >> i & 1) && !arg_absent(e->u.call.args[i]))
				inputs_of(src, f, e->u.call.args[i], seen, hit);
	}
	int count = 0;
	for (int i = 0; i < f->nparams; i++)
		count += hit[i] && f->params[i]->name;
	const char **out = sb_xcalloc(count ? (size_t)count : 1, sizeof(char *));
	count = 0;
	for (int i = 0; i < f->nparams; i++)
		if (hit[i] && f->params[i]->name)
			out[count++] = f->params[i]->name;
	free(hit);
	free(seen);
	sb_vec_free(&order);
	*n = count;
	*names = out;
	return SB_OK;
}
