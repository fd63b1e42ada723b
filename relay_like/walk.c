/* The one walker and the one rewriter of relay_like; passes are written on
 * top of these rather than each with its own recursion. */
#include <stdlib.h>

#include "relay.h"

static int expr_noperands(const relay_expr *e)
{
	switch (e->kind) {
	case RELAY_CALL: return e->u.call.nargs;
	case RELAY_TUPLE: return e->u.tuple.nfields;
	case RELAY_TUPLE_GET: return 1;
	default: return 0;
	}
}

static relay_expr *expr_operand(const relay_expr *e, int i)
{
	switch (e->kind) {
	case RELAY_CALL: return e->u.call.args[i];
	case RELAY_TUPLE: return e->u.tuple.fields[i];
	case RELAY_TUPLE_GET: return e->u.get.tuple;
	default: SB_UNREACHABLE();
	}
}

void relay_post_order(relay_module *m, const relay_function *f, relay_expr_vec *order)
{
	uint8_t *seen = sb_xcalloc(m->next_id, 1);
	/* Explicit stack: graphs of thousands of nodes must not recurse deeply. */
	typedef struct {
		relay_expr *e;
		int next;
	} frame;
	SB_VEC(frame) stack = {0};
	order->len = 0;
	for (int i = 0; i < f->nparams; i++) {
		seen[f->params[i]->id] = 1;
		sb_vec_push(order, f->params[i]);
	}
	for (int r = 0; r < f->nresults; r++) {
		relay_expr *root = f->results[r];
		if (seen[root->id])
			continue;
		seen[root->id] = 1;
		sb_vec_push(&stack, ((frame){root, 0}));
		while (stack.len) {
			frame *top = &sb_vec_last(&stack);
			if (top->next < expr_noperands(top->e)) {
				relay_expr *c = expr_operand(top->e, top->next++);
				if (c && !seen[c->id]) {
					seen[c->id] = 1;
					sb_vec_push(&stack, ((frame){c, 0}));
				}
				continue;
			}
			sb_vec_push(order, top->e);
			stack.len--;
		}
	}
	sb_vec_free(&stack);
	free(seen);
}

int *relay_use_counts(relay_module *m, const relay_function *f)
{
	int *uses = sb_xcalloc(m->next_id ? m->next_id : 1, sizeof(int));
	relay_expr_vec order = {0};
	relay_post_order(m, f, &order);
	for (size_t i = 0; i < order.len; i++) {
		relay_expr *e = order.data[i];
		for (int k = 0; k < expr_noperands(e); k++) {
			relay_expr *c = expr_operand(e, k);
			if (c)
				uses[c->id]++;
		}
	}
	for (int r = 0; r < f->nresults; r++)
		uses[f->results[r]->id]++;
	sb_vec_free(&order);
	return uses;
}

relay_function *relay_rewrite(relay_module *m, relay_function *f, relay_rewrite_fn fn, void *env,
			      sb_status *status)
{
	relay_expr_vec order = {0};
	relay_post_order(m, f, &order);
	uint32_t nold = m->next_id;
	relay_expr **map = sb_xcalloc(nold ? nold : 1, sizeof *map);
	relay_function *out = NULL;
	*status = SB_OK;
#define MAPPED(x) ((x) ? map[(x)->id] : NULL)
	for (size_t i = 0; i < order.len; i++) {
		relay_expr *e = order.data[i], *n = e;
		switch (e->kind) {
		case RELAY_CALL: {
			bool changed = false;
			for (int k = 0; k < e->u.call.nargs; k++)
				changed |= MAPPED(e->u.call.args[k]) != e->u.call.args[k];
			if (changed) {
				relay_expr **args = SB_ARENA_ARRAY(&m->arena, relay_expr *, e->u.call.nargs + 1);
				for (int k = 0; k < e->u.call.nargs; k++)
					args[k] = MAPPED(e->u.call.args[k]);
				n = relay_call(m, e->u.call.op, e->u.call.nargs, args, e->u.call.attrs,
					       e->u.call.nout, e->name);
			}
			break;
		}
		case RELAY_TUPLE: {
			bool changed = false;
			for (int k = 0; k < e->u.tuple.nfields; k++)
				changed |= MAPPED(e->u.tuple.fields[k]) != e->u.tuple.fields[k];
			if (changed) {
				relay_expr **fields = SB_ARENA_ARRAY(&m->arena, relay_expr *, e->u.tuple.nfields + 1);
				for (int k = 0; k < e->u.tuple.nfields; k++)
					fields[k] = MAPPED(e->u.tuple.fields[k]);
				n = relay_tuple(m, e->u.tuple.nfields, fields);
			}
			break;
		}
		case RELAY_TUPLE_GET:
			if (MAPPED(e->u.get.tuple) != e->u.get.tuple)
				n = relay_tuple_get(m, MAPPED(e->u.get.tuple), e->u.get.index);
			break;
		default: break;
		}
		if (n != e && !n->name)
			n->name = e->name;
		relay_expr *r = fn ? fn(m, n, env, status) : n;
		if (!r) {
			if (*status == SB_OK)
				*status = sb_set_error(SB_ERR_INTERNAL, "rewrite callback returned no node");
			goto done;
		}
		map[e->id] = r;
	}
	relay_expr **results = SB_ARENA_ARRAY(&m->arena, relay_expr *, f->nresults + 1);
	for (int r = 0; r < f->nresults; r++)
		results[r] = map[f->results[r]->id];
	out = relay_function_new(m, f->name, f->nparams, f->params, f->nresults, results, f->result_names);
#undef MAPPED
done:
	free(map);
	sb_vec_free(&order);
	return out;
}
