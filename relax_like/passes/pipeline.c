/* The table of relax_like passes by name (for --dump-after), the helper
 * that runs one with the well-formedness check, and the module rewriter
 * every pass uses. */
#include <stdlib.h>

#include "passes.h"

/* The passes that take options, with their defaults. */
static sb_status fold_constant_default(relax_module *m)
{
	return relax_fold_constant(m, NULL);
}
static sb_status legalize_ops_default(relax_module *m)
{
	return relax_legalize_ops(m, NULL);
}
static sb_status plan_memory_default(relax_module *m)
{
	return relax_plan_memory(m, NULL);
}

static const struct {
	const char *name;
	relax_pass_fn fn;
} pass_table[] = {
    {"Normalize", relax_normalize},
    {"LegalizeOps", legalize_ops_default},
    {"FoldConstant", fold_constant_default},
    {"DeadCodeElim", relax_dead_code_elim},
    {"ToNonDataflow", relax_to_non_dataflow},
    {"CallTIRRewrite", relax_call_tir_rewrite},
    {"PlanMemory", plan_memory_default},
    {"LowerShapes", relax_lower_shapes},
};

relax_pass_fn relax_pass_lookup(const char *name)
{
	for (size_t i = 0; i < SB_ARRAY_LEN(pass_table); i++)
		if (!strcmp(pass_table[i].name, name))
			return pass_table[i].fn;
	return NULL;
}

void relax_pass_names(sb_strbuf *b)
{
	for (size_t i = 0; i < SB_ARRAY_LEN(pass_table); i++)
		sb_strbuf_printf(b, "%s%s", i ? ", " : "", pass_table[i].name);
}

sb_status relax_module_rewrite(relax_module *m, relax_binding_rewrite_fn fn, void *env)
{
	for (size_t i = 0; i < m->globals.len; i++) {
		relax_global *g = m->globals.data[i];
		if (!g->func)
			continue;
		relax_expr *nf;
		sb_status st = relax_function_rewrite(m, g->func, fn, env, &nf);
		if (st)
			return sb_error_prefix(st, "@%s", g->name);
		relax_module_set_function(m, g->name, nf);
	}
	return SB_OK;
}

typedef struct plain_pass {
	relax_pass_fn fn;
} plain_pass;

static sb_status run_plain(relax_module *m, const void *env)
{
	return ((const plain_pass *)env)->fn(m);
}

sb_status relax_pass_run(relax_module *m, const char *name, relax_pass_fn fn,
			 const relax_pass_opts *opts)
{
	plain_pass p = {fn};
	return relax_pass_run_env(m, name, run_plain, &p, opts);
}

sb_status relax_pass_run_env(relax_module *m, const char *name, relax_pass_env_fn fn,
			     const void *env, const relax_pass_opts *opts)
{
	sb_status st = fn(m, env);
	if (st)
		return sb_error_prefix(st, "%s", name);
#ifdef SB_DEBUG_BUILD
	st = relax_wellformed(m);
	if (st) {
		char *ir = relax_print_module(m);
		fprintf(stderr, "relax_wellformed failed after %s: %s\n%s", name, sb_last_error(),
			ir);
		free(ir);
		return sb_error_prefix(st, "after %s", name);
	}
#endif
	const char *dump = opts ? opts->dump_after : NULL;
	if (sb_debug_enabled("pass") || (dump && !strcmp(dump, name))) {
		FILE *out = opts && opts->dump_file ? opts->dump_file : stderr;
		char *ir = relax_print_module(m);
		fprintf(out, "// after %s\n%s", name, ir);
		fflush(out);
		free(ir);
	}
	return SB_OK;
}

static sb_status plan_memory_env(relax_module *m, const void *env)
{
	return relax_plan_memory(m, env);
}

sb_status relax_lower_for_vm(relax_module *m, const relax_vm_lower_opts *opts)
{
	const relax_pass_opts *po = opts ? &opts->pass : NULL;
	sb_status st;
	if ((st = relax_pass_run(m, "ToNonDataflow", relax_to_non_dataflow, po)) ||
	    (st = relax_pass_run(m, "CallTIRRewrite", relax_call_tir_rewrite, po)) ||
	    (st = relax_pass_run_env(m, "PlanMemory", plan_memory_env, opts ? &opts->plan : NULL,
				     po)) ||
	    (st = relax_pass_run(m, "LowerShapes", relax_lower_shapes, po)))
		return st;
	return SB_OK;
}
