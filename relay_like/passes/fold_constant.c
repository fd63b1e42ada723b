/* FoldConstant: a call whose inputs are all constants (absent optional
 * inputs are fine) is evaluated at compile time with relay_eval_call -- the
 * interpreter's own path, so folding and running agree -- and replaced by
 * its value.  A tuple-typed call (ops with several or optional outputs)
 * becomes a Tuple of constants, and TupleGetItem of a Tuple is forwarded to
 * the field, so its TupleGetItems get the constants.
 *
 * Not folded:
 *   - a call whose output has more than RELAY_FOLD_MAX_ELEMENTS elements and
 *     more than RELAY_FOLD_MAX_GROWTH times as many as its inputs (attribute
 *     tensors counted): ConstantOfShape, Expand, Tile or Range of a big shape
 *     would trade a few bytes of graph for megabytes of constant;
 *   - a call whose type relation or kernel reports SB_ERR_UNSUPPORTED (an op
 *     or dtype not handled yet): left for run time, which reports it.
 * Any other evaluation error (a constant subgraph that can never run, say
 * an index out of range) is returned: the model is broken.
 *
 * requires: a well-formed graph; types are filled in as it goes.
 * guarantees: no call with all-constant inputs is left except the two
 *   cases above; no TupleGetItem of a Tuple; every node typed.
 *
 *   before:  %0 = Mul(const0, 2f) : float32[4]
 *            %1 = Add(%x, %0) : float32[4]
 *   after:   %0 = Add(%x, const1) : float32[4]
 *            (const1 = const0 * 2)
 */
#include "passes.h"

/* Elements of a static type (summed over tuple fields); -1 if not static.
 * Saturates at INT64_MAX. */
static int64_t type_numel(const relay_type *t)
{
	if (t->kind == RELAY_TYPE_TUPLE) {
		int64_t sum = 0;
		for (int i = 0; i < t->nfields; i++) {
			int64_t n = type_numel(t->fields[i]);
			if (n < 0)
				return -1;
			sum = n > INT64_MAX - sum ? INT64_MAX : sum + n;
		}
		return sum;
	}
	if (t->rank < 0)
		return -1;
	int64_t n = 1;
	for (int i = 0; i < t->rank; i++) {
		int64_t d = t->dims[i].value;
		if (d < 0)
			return -1;
		n = d && n > INT64_MAX / d ? INT64_MAX : n * d;
	}
	return n;
}

/* Elements of the tensors among a call's attributes (Constant's value,
 * ConstantOfShape's fill value). */
static int64_t attr_tensor_numel(const relay_expr *e)
{
	const relay_attrs_info *info = &relay_attrs_table[relay_op_get(e->u.call.op)->attrs];
	int64_t n = 0;
	for (int i = 0; i < info->nfields; i++) {
		if (info->fields[i].kind != RELAY_ATTR_TENSOR)
			continue;
		const sb_tensor *t =
		    *(sb_tensor *const *)((const char *)e->u.call.attrs + info->fields[i].offset);
		if (t)
			n += sb_tensor_numel(t);
	}
	return n;
}

relay_expr *relay_fold_constant_expr(relay_module *m, relay_expr *e, sb_status *status)
{
	if (e->kind == RELAY_TUPLE_GET && e->u.get.tuple->kind == RELAY_TUPLE &&
	    e->u.get.index >= 0 && e->u.get.index < e->u.get.tuple->u.tuple.nfields)
		return e->u.get.tuple->u.tuple.fields[e->u.get.index];
	if (e->kind != RELAY_CALL)
		return e;
	int nin = e->u.call.nargs, nout = e->u.call.nout;
	sb_tensor *args[nin + 1];
	int64_t in_numel = attr_tensor_numel(e);
	for (int k = 0; k < nin; k++) {
		relay_expr *a = e->u.call.args[k];
		if (a && a->kind != RELAY_CONSTANT)
			return e;
		args[k] = a ? a->u.constant.value : NULL;
		if (a)
			in_numel += sb_tensor_numel(args[k]);
	}
	int64_t out_numel = e->type ? type_numel(e->type) : -1;
	if (out_numel < 0)
		return e; /* cannot happen with every input known; do not guess */
	if (out_numel > RELAY_FOLD_MAX_ELEMENTS && out_numel / RELAY_FOLD_MAX_GROWTH > in_numel)
		return e;

	sb_tensor *outs[nout + 1];
	sb_status st = relay_eval_call(e, args, outs);
	if (st == SB_ERR_UNSUPPORTED) {
		sb_clear_error();
		return e;
	}
	if (st) {
		*status = st;
		return NULL;
	}
	relay_expr *fields[nout + 1];
	for (int i = 0; i < nout; i++) {
		fields[i] = relay_constant(m, outs[i]);
		fields[i]->name = e->name;
	}
	if (relay_op_get(e->u.call.op)->max_out == 1)
		return fields[0];
	return relay_tuple(m, nout, fields);
}

static relay_expr *fold_constant_visit(relay_module *m, const relay_expr *old, relay_expr *e,
				       void *env, sb_status *status)
{
	return relay_fold_constant_expr(m, e, status);
}

sb_status relay_fold_constant(relay_module *m)
{
	return relay_pass_rewrite(m, fold_constant_visit, NULL);
}
