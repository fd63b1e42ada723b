/* InferType: gives every node of main its type by running each op's type
 * relation over its operands' types (and the values of constant operands).
 *
 * requires: a well-formed graph (relay_verify), parameters annotated.
 * keeps:    the graph unchanged; sets expr->type on every reachable node. */
#include <stdlib.h>

#include "relay.h"

static sb_status infer_call(relay_module *m, relay_expr *e)
{
	const relay_op_info *info = relay_op_get(e->u.call.op);
	int nin = e->u.call.nargs, nout = e->u.call.nout;
	const relay_type *in[nin + 1];
	sb_tensor *value[nin + 1];
	const relay_type *out[nout + 1];
	for (int i = 0; i < nin; i++) {
		relay_expr *a = e->u.call.args[i];
		in[i] = a ? a->type : NULL;
		value[i] = a && a->kind == RELAY_CONSTANT ? a->u.constant.value : NULL;
		if (a && (!a->type || a->type->kind != RELAY_TYPE_TENSOR))
			return relay_op_error(e->u.call.op, e->name, SB_ERR_INVALID,
					      "input %d is not a tensor", i);
	}
	for (int i = 0; i < nout; i++)
		out[i] = NULL;
	relay_op_ctx ctx = {
		.op = e->u.call.op,
		.attrs = e->u.call.attrs,
		.node = e->name,
		.nin = nin,
		.in = in,
		.value = value,
		.nout = nout,
		.out = out,
		.mod = m,
	};
	sb_status st = info->type_rel(&ctx);
	if (st)
		return st;
	for (int i = 0; i < nout; i++)
		if (!out[i])
			return relay_op_error(e->u.call.op, e->name, SB_ERR_INTERNAL,
					      "type relation set no type for output %d", i);
	e->type = info->max_out == 1 ? out[0] : relay_type_tuple(m, nout, out);
	return SB_OK;
}

sb_status relay_infer_expr(relay_module *m, relay_expr *e)
{
	switch (e->kind) {
	case RELAY_VAR:
		e->type = e->u.var.annotation;
		if (!e->type)
			return sb_set_error(SB_ERR_INVALID, "parameter '%s' has no type", e->name);
		return SB_OK;
	case RELAY_CONSTANT: return SB_OK; /* set when built */
	case RELAY_CALL: return infer_call(m, e);
	case RELAY_TUPLE: {
		const relay_type *fields[e->u.tuple.nfields + 1];
		for (int k = 0; k < e->u.tuple.nfields; k++)
			fields[k] = e->u.tuple.fields[k]->type;
		e->type = relay_type_tuple(m, e->u.tuple.nfields, fields);
		return SB_OK;
	}
	case RELAY_TUPLE_GET: {
		const relay_type *t = e->u.get.tuple->type;
		if (!t || t->kind != RELAY_TYPE_TUPLE || e->u.get.index >= t->nfields)
			return sb_set_error(SB_ERR_INVALID, "tuple index %d out of range", e->u.get.index);
		e->type = t->fields[e->u.get.index];
		return SB_OK;
	}
	}
	SB_UNREACHABLE();
}

sb_status relay_infer_types(relay_module *m)
{
	relay_function *f = m->main;
	relay_expr_vec order = {0};
	relay_post_order(m, f, &order);
	sb_status st = SB_OK;
	for (size_t i = 0; i < order.len && !st; i++)
		st = relay_infer_expr(m, order.data[i]);
	sb_vec_free(&order);
	return st;
}

sb_status relay_verify(relay_module *m)
{
	relay_function *f = m->main;
	if (!f)
		return sb_set_error(SB_ERR_INTERNAL, "verify: module has no main function");
	relay_expr_vec order = {0};
	relay_post_order(m, f, &order);
	sb_status st = SB_OK;
	for (size_t i = 0; i < order.len && !st; i++) {
		relay_expr *e = order.data[i];
		if (e->id >= m->next_id) {
			st = sb_set_error(SB_ERR_INTERNAL, "verify: node id %u out of range", e->id);
			break;
		}
		if (!e->type) {
			st = sb_set_error(SB_ERR_INTERNAL, "verify: %s node %u%s%s has no type",
					  e->kind == RELAY_CALL ? relay_op_get(e->u.call.op)->name : "a",
					  e->id, e->name ? " " : "", e->name ? e->name : "");
			break;
		}
		if (e->kind == RELAY_CALL) {
			const relay_op_info *info = relay_op_get(e->u.call.op);
			int n = e->u.call.nargs;
			if (n < info->min_in || (info->max_in >= 0 && n > info->max_in))
				st = relay_op_error(e->u.call.op, e->name, SB_ERR_INTERNAL,
						    "verify: %d inputs, op takes %d..%d", n, info->min_in,
						    info->max_in);
			else if (e->u.call.nout < info->min_out ||
				 (info->max_out >= 0 && e->u.call.nout > info->max_out))
				st = relay_op_error(e->u.call.op, e->name, SB_ERR_INTERNAL,
						    "verify: %d outputs, op gives %d..%d", e->u.call.nout,
						    info->min_out, info->max_out);
			for (int k = 0; k < info->min_in && k < n && !st; k++)
				if (!e->u.call.args[k])
					st = relay_op_error(e->u.call.op, e->name, SB_ERR_INTERNAL,
							    "verify: required input %d is absent", k);
		} else if (e->kind == RELAY_VAR) {
			bool is_param = false;
			for (int k = 0; k < f->nparams; k++)
				is_param |= f->params[k] == e;
			if (!is_param)
				st = sb_set_error(SB_ERR_INTERNAL, "verify: free variable '%s'", e->name);
		}
	}
	sb_vec_free(&order);
	return st;
}

void relay_count_ops(relay_module *m, int counts[RELAY_OP_COUNT])
{
	memset(counts, 0, sizeof(int) * RELAY_OP_COUNT);
	relay_expr_vec order = {0};
	relay_post_order(m, m->main, &order);
	for (size_t i = 0; i < order.len; i++)
		if (order.data[i]->kind == RELAY_CALL)
			counts[order.data[i]->u.call.op]++;
	sb_vec_free(&order);
}
