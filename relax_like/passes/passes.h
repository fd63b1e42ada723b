/* relax_like passes and the helper that runs them.
 *
 * Every pass has the same signature: it takes the module and replaces its
 * functions with rewritten ones (functional: unchanged nodes are shared),
 * leaving them in normal form.  Each pass file's opening comment says what
 * it requires, what it guarantees, and shows a before/after sketch.
 * relax_pass_run checks well-formedness after the pass in Debug and
 * Sanitize builds (SB_DEBUG_BUILD) and prints the IR and the broken rule
 * when it fails. */
#ifndef SB_RELAX_PASSES_H
#define SB_RELAX_PASSES_H

#include <stdio.h>

#include "relax_like/relax.h"

typedef sb_status (*relax_pass_fn)(relax_module *m);

/* Normal form for every relax function: struct info on every binding
 * (through the op table's shape inference), nested calls flattened into
 * bindings (A-normal form), undecidable dim equalities as match_casts. */
sb_status relax_normalize(relax_module *m);

/* The pass named `name` ("Normalize", ...), or NULL. */
relax_pass_fn relax_pass_lookup(const char *name);
/* Appends the names relax_pass_lookup knows, comma separated. */
void relax_pass_names(sb_strbuf *b);

typedef struct relax_pass_opts {
	const char *dump_after; /* print the IR after this pass (NULL: none) */
	FILE *dump_file;	/* where dumps go; NULL: stderr */
} relax_pass_opts;

/* Runs one pass: on success, relax_wellformed in Debug builds (the IR and
 * the broken rule go to stderr on failure), and the IR is printed when
 * SB_DEBUG=pass or opts->dump_after names the pass.  opts may be NULL. */
sb_status relax_pass_run(relax_module *m, const char *name, relax_pass_fn fn,
			 const relax_pass_opts *opts);

/* For passes: rewrites every relax function of the module with
 * relax_function_rewrite and fn. */
sb_status relax_module_rewrite(relax_module *m, relax_binding_rewrite_fn fn, void *env);

#endif
