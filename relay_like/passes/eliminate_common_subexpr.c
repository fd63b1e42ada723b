/* EliminateCommonSubexpr: hash-conses the graph.  Two calls are one when
 * they have the same op, the same operands (by identity -- operands were
 * merged first, in post order), equal attributes (relay_attrs_equal) and
 * the same number of outputs; two constants are one when they have the
 * same dtype, shape and bytes; Tuples and TupleGetItems likewise by their
 * operands.  The first node met in post order is kept (with its name).
 * Every op of relay_like is a pure function of its inputs and attributes,
 * so merging is always sound.
 *
 * requires: a well-formed graph.
 * guarantees: no two reachable nodes compute the same value by the rules
 *   above; every node typed.  Merged-away constants stay in m->constants
 *   until DeadCodeElim releases them.
 *
 *   before:  %0 = Add(%x, %y) : float32[4]
 *            %1 = Add(%x, %y) : float32[4]
 *            %2 = Mul(%0, %1) : float32[4]
 *   after:   %0 = Add(%x, %y) : float32[4]
 *            %1 = Mul(%0, %0) : float32[4]
 */
#include <stdlib.h>

#include "passes.h"

typedef struct cse_entry cse_entry;
struct cse_entry {
	relay_expr *e;
	cse_entry *next; /* same hash */
};

typedef struct cse {
	sb_map table; /* hash -> cse_entry chain */
	sb_arena arena;
} cse;

static uint64_t expr_hash(const relay_expr *e)
{
	uint64_t h = sb_hash_u64((uint64_t)e->kind + 1);
	switch (e->kind) {
	case RELAY_CONSTANT:
		return sb_hash_combine(h, sb_tensor_hash(e->u.constant.value));
	case RELAY_CALL:
		h = sb_hash_combine(h, (uint64_t)e->u.call.op);
		h = sb_hash_combine(h, (uint64_t)e->u.call.nout);
		for (int k = 0; k < e->u.call.nargs; k++)
			h = sb_hash_combine(h, (uint64_t)(uintptr_t)e->u.call.args[k]);
		return sb_hash_combine(
		    h, relay_attrs_hash(relay_op_get(e->u.call.op)->attrs, e->u.call.attrs));
	case RELAY_TUPLE:
		for (int k = 0; k < e->u.tuple.nfields; k++)
			h = sb_hash_combine(h, (uint64_t)(uintptr_t)e->u.tuple.fields[k]);
		return h;
	case RELAY_TUPLE_GET:
		h = sb_hash_combine(h, (uint64_t)(uintptr_t)e->u.get.tuple);
		return sb_hash_combine(h, (uint64_t)e->u.get.index);
	case RELAY_VAR:
		break;
	}
	SB_UNREACHABLE();
}

static bool expr_same(const relay_expr *a, const relay_expr *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case RELAY_CONSTANT:
		return sb_tensor_equal(a->u.constant.value, b->u.constant.value);
	case RELAY_CALL:
		if (a->u.call.op != b->u.call.op || a->u.call.nout != b->u.call.nout ||
		    a->u.call.nargs != b->u.call.nargs)
			return false;
		for (int k = 0; k < a->u.call.nargs; k++)
			if (a->u.call.args[k] != b->u.call.args[k])
				return false;
		return relay_attrs_equal(relay_op_get(a->u.call.op)->attrs, a->u.call.attrs,
					 b->u.call.attrs);
	case RELAY_TUPLE:
		if (a->u.tuple.nfields != b->u.tuple.nfields)
			return false;
		for (int k = 0; k < a->u.tuple.nfields; k++)
			if (a->u.tuple.fields[k] != b->u.tuple.fields[k])
				return false;
		return true;
	case RELAY_TUPLE_GET:
		return a->u.get.tuple == b->u.get.tuple && a->u.get.index == b->u.get.index;
	case RELAY_VAR:
		return a == b;
	}
	SB_UNREACHABLE();
}

static relay_expr *cse_visit(relay_module *m, const relay_expr *old, relay_expr *e, void *env,
			     sb_status *status)
{
	cse *c = env;
	if (e->kind == RELAY_VAR)
		return e;
	uint64_t h = expr_hash(e);
	cse_entry *head = sb_map_lookup(&c->table, (uintptr_t)h);
	for (cse_entry *it = head; it; it = it->next)
		if (expr_same(it->e, e))
			return it->e;
	cse_entry *n = SB_ARENA_NEW(&c->arena, cse_entry);
	n->e = e;
	n->next = head;
	sb_map_put(&c->table, (uintptr_t)h, n);
	return e;
}

sb_status relay_eliminate_common_subexpr(relay_module *m)
{
	cse c;
	sb_map_init(&c.table);
	sb_arena_init(&c.arena);
	sb_status st = relay_pass_rewrite(m, cse_visit, &c);
	sb_map_free(&c.table);
	sb_arena_free(&c.arena);
	return st;
}
