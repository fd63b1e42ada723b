/* The relay_like pass pipeline, the table of passes by name (for
 * --dump-after), and relay_pass_rewrite, the rewriter every pass uses. */
#include <stdlib.h>

#include "passes.h"

static const struct {
	const char *name;
	relay_pass_fn fn;
} pass_table[] = {
    {"InferType", relay_infer_types},
    {"SimplifyInference", relay_simplify_inference},
    {"FoldShapeComputation", relay_fold_shape_computation},
    {"FoldConstant", relay_fold_constant},
    {"FoldScaleIntoConv", relay_fold_scale_into_conv},
    {"EliminateCommonSubexpr", relay_eliminate_common_subexpr},
    {"DeadCodeElim", relay_dead_code_elim},
};

relay_pass_fn relay_pass_lookup(const char *name)
{
	for (size_t i = 0; i < SB_ARRAY_LEN(pass_table); i++)
		if (!strcmp(pass_table[i].name, name))
			return pass_table[i].fn;
	return NULL;
}

void relay_pass_names(sb_strbuf *b)
{
	for (size_t i = 0; i < SB_ARRAY_LEN(pass_table); i++)
		sb_strbuf_printf(b, "%s%s", i ? ", " : "", pass_table[i].name);
}

/* ---- relay_pass_rewrite ---- */

typedef struct trampoline {
	relay_pass_rewrite_fn fn;
	void *env;
	relay_expr_vec order; /* the original post order, which relay_rewrite also walks */
	size_t next;
} trampoline;

/* Types `e` and, first, any untyped node it was built from: the nodes a
 * callback builds on the way to its replacement. */
static sb_status type_new_nodes(relay_module *m, relay_expr *e)
{
	if (!e || e->type)
		return SB_OK;
	sb_status st = SB_OK;
	switch (e->kind) {
	case RELAY_CALL:
		for (int k = 0; k < e->u.call.nargs && !st; k++)
			st = type_new_nodes(m, e->u.call.args[k]);
		break;
	case RELAY_TUPLE:
		for (int k = 0; k < e->u.tuple.nfields && !st; k++)
			st = type_new_nodes(m, e->u.tuple.fields[k]);
		break;
	case RELAY_TUPLE_GET:
		st = type_new_nodes(m, e->u.get.tuple);
		break;
	default:
		break;
	}
	return st ? st : relay_infer_expr(m, e);
}

static relay_expr *trampoline_visit(relay_module *m, relay_expr *e, void *env, sb_status *status)
{
	trampoline *t = env;
	SB_ASSERT(t->next < t->order.len);
	const relay_expr *old = t->order.data[t->next++];
	/* relay_rewrite calls back once per node of the post order, in order. */
	SB_ASSERT(e == old || (e->kind == old->kind &&
			       (e->kind != RELAY_CALL || e->u.call.op == old->u.call.op)));
	if ((*status = type_new_nodes(m, e)))
		return NULL;
	relay_expr *r = t->fn(m, old, e, t->env, status);
	if (!r || (*status = type_new_nodes(m, r)))
		return NULL;
	return r;
}

sb_status relay_pass_rewrite(relay_module *m, relay_pass_rewrite_fn fn, void *env)
{
	trampoline t = {fn, env, {0}, 0};
	relay_post_order(m, m->main, &t.order);
	sb_status st = SB_OK;
	relay_function *f = relay_rewrite(m, m->main, trampoline_visit, &t, &st);
	if (f) {
		SB_ASSERT(t.next == t.order.len);
		m->main = f;
	}
	sb_vec_free(&t.order);
	return f ? SB_OK : st;
}

/* ---- The pipeline ---- */

static void pipeline_dump(relay_module *m, const relay_optimize_opts *o, const char *name)
{
	FILE *out = o->dump_file ? o->dump_file : stderr;
	char *ir = relay_print_module(m);
	fprintf(out, "// after %s\n%s", name, ir);
	fflush(out);
	free(ir);
}

static sb_status pipeline_step(relay_module *m, const relay_optimize_opts *o, const char *name,
			       relay_pass_fn fn)
{
	SB_ASSERT(relay_pass_lookup(name) == fn);
	sb_status st = fn(m);
	if (st)
		return sb_error_prefix(st, "%s", name);
	st = relay_verify(m);
	if (st) {
		char *ir = relay_print_module(m);
		fprintf(stderr, "relay_verify failed after %s: %s\n%s", name, sb_last_error(), ir);
		free(ir);
		return sb_error_prefix(st, "after %s", name);
	}
	if (sb_debug_enabled("pass") || (o->dump_after && !strcmp(o->dump_after, name)))
		pipeline_dump(m, o, name);
	return SB_OK;
}

sb_status relay_optimize_with(relay_module *m, const relay_optimize_opts *opts)
{
	relay_optimize_opts o = opts ? *opts : (relay_optimize_opts){0};
	if (o.dump_after && !relay_pass_lookup(o.dump_after)) {
		sb_strbuf names = {0};
		relay_pass_names(&names);
		sb_status st =
		    sb_set_error(SB_ERR_INVALID, "no pass named '%s' to dump after (passes: %s)",
				 o.dump_after, names.data);
		sb_strbuf_free(&names);
		return st;
	}
	sb_status st = SB_OK;
	if (!st)
		st = pipeline_step(m, &o, "InferType", relay_infer_types);
	if (!st)
		st = pipeline_step(m, &o, "SimplifyInference", relay_simplify_inference);
	if (!st)
		st = pipeline_step(m, &o, "FoldShapeComputation", relay_fold_shape_computation);
	if (!st)
		st = pipeline_step(m, &o, "FoldConstant", relay_fold_constant);
	if (!st)
		st = pipeline_step(m, &o, "FoldScaleIntoConv", relay_fold_scale_into_conv);
	if (!st)
		st = pipeline_step(m, &o, "FoldConstant", relay_fold_constant);
	if (!st)
		st = pipeline_step(m, &o, "EliminateCommonSubexpr", relay_eliminate_common_subexpr);
	if (!st)
		st = pipeline_step(m, &o, "DeadCodeElim", relay_dead_code_elim);
	if (!st)
		st = pipeline_step(m, &o, "InferType", relay_infer_types);
	return st;
}

sb_status relay_optimize(relay_module *m)
{
	return relay_optimize_with(m, NULL);
}
