/* Helpers shared by the bridge tests: relay graphs from short
 * descriptions, bridging them, and looking at the relax bindings. */
#ifndef SB_TESTS_BRIDGE_TEST_H
#define SB_TESTS_BRIDGE_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bridge/bridge.h"

/* A relay tensor type from "n,4,?": a number is a known dim, "?" an
 * unnamed unknown dim, anything else a named one; "" is rank 0. */
static inline relay_type *rtype(relay_module *m, sb_dtype dt, const char *dims)
{
	relay_dim d[SB_MAX_RANK];
	int n = 0;
	char buf[256];
	snprintf(buf, sizeof buf, "%s", dims);
	for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ",")) {
		char *end;
		long long v = strtoll(tok, &end, 10);
		if (*end == 0)
			d[n++] = relay_dim_known(v);
		else if (!strcmp(tok, "?"))
			d[n++] = RELAY_DIM_UNKNOWN;
		else
			d[n++] = (relay_dim){-1, relay_intern(m, tok)};
	}
	return relay_type_tensor(m, dt, n, d);
}

static inline relay_expr *rvar(relay_module *m, const char *name, sb_dtype dt, const char *dims)
{
	return relay_var(m, name, rtype(m, dt, dims));
}

/* An int64 constant: 1-D of n values, or a scalar when n < 0 (one value). */
static inline relay_expr *ri64(relay_module *m, int n, ...)
{
	int64_t shape[1] = {n < 0 ? 1 : n};
	sb_tensor *t = sb_tensor_new(SB_I64, n < 0 ? 0 : 1, shape);
	va_list ap;
	va_start(ap, n);
	for (int i = 0; i < (n < 0 ? 1 : n); i++)
		sb_tensor_set_i64(t, i, va_arg(ap, long long));
	va_end(ap);
	return relay_constant(m, t);
}

static inline relay_expr *rf32(relay_module *m, double v)
{
	sb_tensor *t = sb_tensor_new(SB_F32, 0, NULL);
	sb_tensor_set_f64(t, 0, v);
	return relay_constant(m, t);
}

/* A call of op with the given arguments (NULL: absent), default attrs. */
#define RCALL(m, op, name, ...)                                                                    \
	relay_call((m), RELAY_OP_##op,                                                             \
		   (int)(sizeof((relay_expr *[]){__VA_ARGS__}) / sizeof(relay_expr *)),            \
		   (relay_expr *[]){__VA_ARGS__}, NULL, 1, (name))
#define RCALL_ATTRS(m, op, attrs, name, ...)                                                       \
	relay_call((m), RELAY_OP_##op,                                                             \
		   (int)(sizeof((relay_expr *[]){__VA_ARGS__}) / sizeof(relay_expr *)),            \
		   (relay_expr *[]){__VA_ARGS__}, (attrs), 1, (name))
#define RATTRS(m, op) relay_attrs_new((m), relay_op_get(RELAY_OP_##op)->attrs)

/* Shape(x)[i] as a 1-element vector (Gather then Unsqueeze). */
static inline relay_expr *rdim(relay_module *m, relay_expr *x, int i)
{
	relay_expr *s = RCALL(m, SHAPE, "shape", x);
	relay_expr *g = RCALL(m, GATHER, "gather", s, ri64(m, -1, (long long)i));
	return RCALL(m, UNSQUEEZE, "unsqueeze", g, ri64(m, 1, 0LL));
}

/* Builds main from params and results, types it and bridges it.  Returns
 * the status; on success *rm, *xm and *fn are set (free both modules). */
static inline sb_status bridge_graph(relay_module *m, int np, relay_expr *const *params, int nr,
				     relay_expr *const *results, const char *const *names,
				     relax_module **xm, relax_expr **fn)
{
	m->main = relay_function_new(m, "main", np, params, nr, results, names);
	sb_status st = relay_infer_types(m);
	if (st) {
		fprintf(stderr, "infer: %s\n", sb_last_error());
		return st;
	}
	*xm = relax_module_new();
	st = bridge_convert_function(m, m->main, *xm, "main", fn);
	if (!st && getenv("BRIDGE_TEST_PRINT")) {
		char *t = relax_print_module(*xm);
		fprintf(stderr, "%s\n", t);
		free(t);
	}
	if (!st && relax_wellformed(*xm)) {
		fprintf(stderr, "not well-formed: %s\n", sb_last_error());
		return SB_ERR_INTERNAL;
	}
	return st;
}

static inline char *fn_text(relax_module *m, relax_expr *fn)
{
	sb_strbuf b = {0};
	relax_function_print(&b, m, "main", fn);
	return sb_strbuf_take(&b);
}

/* The bindings of fn in order. */
typedef SB_VEC(relax_binding *) binding_vec;
static inline void fn_bindings(relax_expr *fn, binding_vec *out)
{
	relax_expr *body = fn->u.func.body;
	assert_int_equal(body->kind, RELAX_SEQ);
	for (int i = 0; i < body->u.seq.nblocks; i++)
		for (int k = 0; k < body->u.seq.blocks[i]->nbindings; k++)
			sb_vec_push(out, &body->u.seq.blocks[i]->bindings[k]);
}

/* The first binding whose value calls `op` (after `skip` others), or NULL. */
static inline relax_binding *find_call(relax_expr *fn, relax_op op, int skip)
{
	binding_vec v = {0};
	fn_bindings(fn, &v);
	relax_binding *r = NULL;
	for (size_t i = 0; i < v.len && !r; i++) {
		relax_expr *x = v.data[i]->value;
		if (v.data[i]->kind == RELAX_VAR_BINDING && x->kind == RELAX_CALL &&
		    !x->u.call.callee && x->u.call.op == op && skip-- == 0)
			r = v.data[i];
	}
	sb_vec_free(&v);
	return r;
}

static inline int count_calls(relax_expr *fn, relax_op op)
{
	int n = 0;
	while (find_call(fn, op, n))
		n++;
	return n;
}

/* The struct info of a binding's var as text. */
#define assert_sinfo(s, want)                                                                      \
	do {                                                                                       \
		char *_t = relax_sinfo_to_string(s);                                               \
		if (strcmp(_t, (want)))                                                            \
			fprintf(stderr, "got  %s\nwant %s\n", _t, (want));                         \
		assert_string_equal(_t, (want));                                                   \
		free(_t);                                                                          \
	} while (0)

/* e with var := value for each pair, simplified; its constant value. */
static inline bool eval_dim(relax_module *m, tir_expr *e, int n, tir_expr *const *vars,
			    const int64_t *vals, int64_t *out)
{
	tir_expr *v[8];
	for (int i = 0; i < n; i++)
		v[i] = tir_int(m->tir, vals[i]);
	tir_expr *r = tir_simplify(m->tir, NULL, tir_substitute(m->tir, e, n, vars, v));
	return tir_expr_is_int_imm(r, out);
}

#endif
