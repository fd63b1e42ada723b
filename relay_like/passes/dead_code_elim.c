/* DeadCodeElim.  The IR is functional, so a node no result reaches is
 * already gone from m->main; what is left to remove is
 *   - work kept alive only through tuples: TupleGetItem(Tuple(a, b), 0)
 *     becomes a, so b dies if nothing else uses it;
 *   - unused trailing outputs of ops whose extra outputs are optional
 *     (Dropout's mask, MaxPool's indices, LayerNormalization's mean and
 *     inverse std-dev): the call is rebuilt with fewer outputs, so the
 *     kernel does not compute them;
 *   - and the part that matters for memory: m->constants holds a reference
 *     to every constant ever built in the module, including those that
 *     folding and merging left unreferenced.  After the rewrite, every
 *     tensor that no node of m->main refers to (as a Constant, or as an
 *     attribute tensor) is released and dropped from m->constants; one
 *     reference is kept per live tensor.
 *
 * requires: a well-formed graph.
 * guarantees: every tensor in m->constants is used by m->main, once; no
 *   TupleGetItem of a Tuple; every node typed.  Functions of the module
 *   other than the new m->main are invalid afterwards (their constants may
 *   have been released).
 *
 *   before:  %0 = MaxPool(%x, kernel_shape=[2,2]) : (float32[1,8,8,8], int64[1,8,8,8])
 *            %1 = %0.0 : float32[1,8,8,8]
 *            return %1                       m->constants: 14 tensors, 3 used
 *   after:   %0 = MaxPool(%x, kernel_shape=[2,2]) : (float32[1,8,8,8])
 *            %1 = %0.0 : float32[1,8,8,8]
 *            return %1                       m->constants: 3 tensors
 */
#include <stdlib.h>

#include "passes.h"

typedef struct dce {
	int *needed; /* per original call: how many leading outputs are used */
} dce;

/* Ops whose outputs after min_out may be left out (ONNX marks them optional). */
static bool op_has_optional_outputs(relay_op op)
{
	switch (op) {
	case RELAY_OP_DROPOUT:
	case RELAY_OP_MAX_POOL:
	case RELAY_OP_LAYER_NORMALIZATION:
		return true;
	default:
		return false;
	}
}

static void dce_count_needed(relay_module *m, int *needed)
{
	relay_expr_vec order = {0};
	relay_post_order(m, m->main, &order);
	for (size_t i = 0; i < order.len; i++) {
		relay_expr *e = order.data[i];
		if (e->kind == RELAY_TUPLE_GET) {
			int *n = &needed[e->u.get.tuple->id];
			*n = SB_MAX(*n, e->u.get.index + 1);
		} else if (e->kind == RELAY_TUPLE) {
			/* A call used whole (not through TupleGetItem) needs all. */
			for (int k = 0; k < e->u.tuple.nfields; k++) {
				relay_expr *f = e->u.tuple.fields[k];
				if (f->kind == RELAY_CALL)
					needed[f->id] = f->u.call.nout;
			}
		}
	}
	for (int r = 0; r < m->main->nresults; r++)
		if (m->main->results[r]->kind == RELAY_CALL)
			needed[m->main->results[r]->id] = m->main->results[r]->u.call.nout;
	sb_vec_free(&order);
}

static relay_expr *dce_visit(relay_module *m, const relay_expr *old, relay_expr *e, void *env,
			     sb_status *status)
{
	dce *d = env;
	if (e->kind == RELAY_TUPLE_GET && e->u.get.tuple->kind == RELAY_TUPLE &&
	    e->u.get.index >= 0 && e->u.get.index < e->u.get.tuple->u.tuple.nfields)
		return e->u.get.tuple->u.tuple.fields[e->u.get.index];
	if (e->kind != RELAY_CALL || !op_has_optional_outputs(e->u.call.op))
		return e;
	int keep = SB_MAX(d->needed[old->id], relay_op_get(e->u.call.op)->min_out);
	if (keep >= e->u.call.nout)
		return e;
	return relay_call(m, e->u.call.op, e->u.call.nargs, e->u.call.args, e->u.call.attrs, keep,
			  e->name);
}

/* Releases the tensors of m->constants that m->main does not use. */
static void dce_prune_constants(relay_module *m)
{
	sb_map live;
	sb_map_init(&live);
	relay_expr_vec order = {0};
	relay_post_order(m, m->main, &order);
	for (size_t i = 0; i < order.len; i++) {
		relay_expr *e = order.data[i];
		if (e->kind == RELAY_CONSTANT) {
			sb_map_put(&live, (uintptr_t)e->u.constant.value, NULL);
		} else if (e->kind == RELAY_CALL) {
			const relay_attrs_info *info =
			    &relay_attrs_table[relay_op_get(e->u.call.op)->attrs];
			for (int k = 0; k < info->nfields; k++) {
				if (info->fields[k].kind != RELAY_ATTR_TENSOR)
					continue;
				sb_tensor *t = *(sb_tensor **)((char *)e->u.call.attrs +
							       info->fields[k].offset);
				if (t)
					sb_map_put(&live, (uintptr_t)t, NULL);
			}
		}
	}
	size_t keep = 0, released = 0, bytes = 0;
	for (size_t i = 0; i < m->constants.len; i++) {
		sb_tensor *t = m->constants.data[i];
		/* Removing on first sight keeps one reference per live tensor. */
		if (sb_map_remove(&live, (uintptr_t)t)) {
			m->constants.data[keep++] = t;
			continue;
		}
		released++;
		bytes += sb_tensor_nbytes(t);
		sb_tensor_release(t);
	}
	m->constants.len = keep;
	if (sb_debug_enabled("pass"))
		fprintf(stderr,
			"// DeadCodeElim: released %zu constant references (%zu bytes), %zu kept\n",
			released, bytes, keep);
	sb_vec_free(&order);
	sb_map_free(&live);
}

sb_status relay_dead_code_elim(relay_module *m)
{
	dce d = {sb_xcalloc(m->next_id ? m->next_id : 1, sizeof(int))};
	dce_count_needed(m, d.needed);
	sb_status st = relay_pass_rewrite(m, dce_visit, &d);
	free(d.needed);
	if (!st)
		dce_prune_constants(m);
	return st;
}
