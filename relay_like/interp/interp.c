/* The reference interpreter: executes a relay_like function op by op on
 * concrete tensors.  It is the oracle every compiled result is checked
 * against, so it favours plain correctness: each node runs its op's type
 * relation on the actual shapes (so unknown dims get their values as it
 * goes), allocates the outputs, and runs the op's reference kernel.
 * Intermediate tensors are released as soon as their last user has run. */
#include <inttypes.h>
#include <stdlib.h>

#include "relay_like/relay.h"

sb_status relay_eval_call(const relay_expr *call, sb_tensor *const *args, sb_tensor **outs)
{
	SB_ASSERT(call->kind == RELAY_CALL);
	const relay_op_info *info = relay_op_get(call->u.call.op);
	int nin = call->u.call.nargs, nout = call->u.call.nout;
	relay_module *scratch = relay_module_new();
	const relay_type *in[nin + 1], *out[nout + 1];
	for (int i = 0; i < nin; i++)
		in[i] = args[i] ? relay_type_from_shape(scratch, args[i]->dtype, args[i]->dl.ndim,
							 args[i]->shape)
				: NULL;
	for (int i = 0; i < nout; i++) {
		out[i] = NULL;
		outs[i] = NULL;
	}
	relay_op_ctx tctx = {
		.op = call->u.call.op,
		.attrs = call->u.call.attrs,
		.node = call->name,
		.nin = nin,
		.in = in,
		.value = args,
		.nout = nout,
		.out = out,
		.mod = scratch,
	};
	sb_status st = info->type_rel(&tctx);
	for (int i = 0; i < nout && !st; i++) {
		const relay_type *t = out[i];
		if (!t || t->kind != RELAY_TYPE_TENSOR || !relay_type_is_static(t)) {
			st = relay_op_error(call->u.call.op, call->name, SB_ERR_INTERNAL,
					    "output %d has no concrete shape although every input is known", i);
			break;
		}
		int64_t shape[SB_MAX_RANK];
		if (t->rank > SB_MAX_RANK) {
			st = relay_op_error(call->u.call.op, call->name, SB_ERR_UNSUPPORTED,
					    "output rank %d exceeds %d", t->rank, SB_MAX_RANK);
			break;
		}
		for (int d = 0; d < t->rank; d++)
			shape[d] = t->dims[d].value;
		outs[i] = sb_tensor_new(t->dtype, t->rank, shape);
		if (!outs[i])
			st = sb_error_prefix(SB_ERR_NOMEM,
					     "%s '%s': output %d", info->name, call->name ? call->name : "", i);
	}
	if (!st) {
		relay_kernel_ctx kctx = {
			.op = call->u.call.op,
			.attrs = call->u.call.attrs,
			.node = call->name,
			.nin = nin,
			.in = args,
			.nout = nout,
			.out = outs,
		};
		st = info->kernel(&kctx);
	}
	if (st) {
		for (int i = 0; i < nout; i++) {
			sb_tensor_release(outs[i]);
			outs[i] = NULL;
		}
	}
	relay_module_free(scratch);
	return st;
}

sb_status relay_check_input(const relay_expr *param, const sb_tensor *t)
{
	const relay_type *ty = param->u.var.annotation;
	char got[160];
	sb_tensor_describe(t, got, sizeof got);
	if (!ty || ty->kind != RELAY_TYPE_TENSOR)
		return SB_OK;
	if (t->dtype != ty->dtype)
		return sb_set_error(SB_ERR_INVALID, "input '%s': dtype %s, expected %s", param->name,
				    sb_dtype_name(t->dtype), sb_dtype_name(ty->dtype));
	if (ty->rank >= 0 && t->dl.ndim != ty->rank)
		return sb_set_error(SB_ERR_INVALID, "input '%s': rank %d (%s), expected rank %d",
				    param->name, t->dl.ndim, got, ty->rank);
	for (int d = 0; ty->rank >= 0 && d < ty->rank; d++) {
		relay_dim want = ty->dims[d];
		if (relay_dim_is_known(want) && want.value != t->shape[d])
			return sb_set_error(SB_ERR_INVALID,
					    "input '%s': dim %d is %" PRId64 ", expected %" PRId64 " (%s)",
					    param->name, d, t->shape[d], want.value, got);
	}
	return SB_OK;
}

/* Named dims shared between inputs must agree: two inputs declared
 * [batch, seq] must be given the same batch and seq. */
static sb_status check_named_dims(const relay_function *f, sb_tensor *const *inputs)
{
	for (int i = 0; i < f->nparams; i++) {
		const relay_type *ti = f->params[i]->u.var.annotation;
		if (!ti || ti->kind != RELAY_TYPE_TENSOR || ti->rank < 0)
			continue;
		for (int d = 0; d < ti->rank; d++) {
			const char *name = ti->dims[d].name;
			if (!name || relay_dim_is_known(ti->dims[d]))
				continue;
			for (int j = 0; j <= i; j++) {
				const relay_type *tj = f->params[j]->u.var.annotation;
				if (!tj || tj->kind != RELAY_TYPE_TENSOR || tj->rank < 0)
					continue;
				for (int e = 0; e < tj->rank; e++) {
					if (tj->dims[e].name != name || (j == i && e >= d))
						continue;
					if (inputs[i]->shape[d] != inputs[j]->shape[e])
						return sb_set_error(
							SB_ERR_INVALID,
							"input '%s': dim %d ('%s') is %" PRId64
							", but input '%s' dim %d ('%s') is %" PRId64,
							f->params[i]->name, d, name, inputs[i]->shape[d],
							f->params[j]->name, e, name, inputs[j]->shape[e]);
				}
			}
		}
	}
	return SB_OK;
}

typedef struct value {
	int n;
	sb_tensor **t; /* n tensors: 1 for a tensor node, nout for a call's tuple */
} value;

static void value_release(value *v)
{
	for (int i = 0; i < v->n; i++)
		sb_tensor_release(v->t[i]);
	free(v->t);
	v->t = NULL;
	v->n = 0;
}

static value value_one(sb_tensor *t)
{
	value v = {1, sb_xmalloc(sizeof(sb_tensor *))};
	v.t[0] = t;
	return v;
}

sb_status relay_interp_run(relay_module *m, const relay_function *f, sb_tensor *const *inputs,
			   sb_tensor **outputs)
{
	for (int i = 0; i < f->nparams; i++) {
		if (!inputs[i])
			return sb_set_error(SB_ERR_INVALID, "input '%s' is missing", f->params[i]->name);
		sb_status st = relay_check_input(f->params[i], inputs[i]);
		if (st)
			return st;
	}
	sb_status st = check_named_dims(f, inputs);
	if (st)
		return st;

	relay_expr_vec order = {0};
	relay_post_order(m, f, &order);
	int *uses = relay_use_counts(m, f);
	value *vals = sb_xcalloc(m->next_id ? m->next_id : 1, sizeof(value));
	for (int i = 0; i < f->nparams; i++)
		vals[f->params[i]->id] = value_one(sb_tensor_retain(inputs[i]));

	for (size_t i = 0; i < order.len && !st; i++) {
		relay_expr *e = order.data[i];
		switch (e->kind) {
		case RELAY_VAR: break;
		case RELAY_CONSTANT: vals[e->id] = value_one(sb_tensor_retain(e->u.constant.value)); break;
		case RELAY_CALL: {
			int nin = e->u.call.nargs, nout = e->u.call.nout;
			sb_tensor *args[nin + 1];
			for (int k = 0; k < nin; k++) {
				relay_expr *a = e->u.call.args[k];
				args[k] = a ? vals[a->id].t[0] : NULL;
			}
			value v = {nout, sb_xcalloc((size_t)nout, sizeof(sb_tensor *))};
			st = relay_eval_call(e, args, v.t);
			if (st) {
				free(v.t);
				break;
			}
			vals[e->id] = v;
			/* Free operands whose last user this was. */
			for (int k = 0; k < nin; k++) {
				relay_expr *a = e->u.call.args[k];
				if (a && --uses[a->id] == 0)
					value_release(&vals[a->id]);
			}
			break;
		}
		case RELAY_TUPLE: {
			int n = e->u.tuple.nfields;
			value v = {n, sb_xcalloc((size_t)n, sizeof(sb_tensor *))};
			for (int k = 0; k < n; k++)
				v.t[k] = sb_tensor_retain(vals[e->u.tuple.fields[k]->id].t[0]);
			vals[e->id] = v;
			break;
		}
		case RELAY_TUPLE_GET: {
			value *src = &vals[e->u.get.tuple->id];
			SB_ASSERT(e->u.get.index < src->n);
			vals[e->id] = value_one(sb_tensor_retain(src->t[e->u.get.index]));
			if (--uses[e->u.get.tuple->id] == 0)
				value_release(src);
			break;
		}
		}
	}
	if (!st) {
		for (int r = 0; r < f->nresults; r++)
			outputs[r] = sb_tensor_retain(vals[f->results[r]->id].t[0]);
	}
	for (uint32_t i = 0; i < m->next_id; i++)
		value_release(&vals[i]);
	free(vals);
	free(uses);
	sb_vec_free(&order);
	return st;
}
