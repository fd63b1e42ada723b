/* Helpers shared by the relax_like unit tests: struct info and params
 * from short descriptions, and building a one-call function through the
 * block builder. */
#ifndef SB_TESTS_RELAX_TEST_H
#define SB_TESTS_RELAX_TEST_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "relax_like/relax.h"

/* The shape variable of a name. */
static inline tir_expr *sv(relax_module *m, const char *name)
{
	return tir_shape_var(m->tir, name);
}
static inline tir_expr *ci(relax_module *m, int64_t v)
{
	return tir_int(m->tir, v);
}

/* Tensor struct info from dims given as strings: a number is a constant,
 * anything else the shape variable of that name.  "n", "3". */
static inline const relax_sinfo *tensor_of(relax_module *m, sb_dtype dt, int ndim,
					   const char *const *dims)
{
	tir_expr *d[SB_MAX_RANK];
	for (int i = 0; i < ndim; i++) {
		char *end;
		long long v = strtoll(dims[i], &end, 10);
		d[i] = *end == 0 ? ci(m, v) : sv(m, dims[i]);
	}
	return relax_sinfo_tensor(m, dt, ndim, d);
}
#define TENSOR(m, dt, ...)                                                                         \
	tensor_of((m), (dt), (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)),  \
		  (const char *[]){__VA_ARGS__})

static inline char *sinfo_str(const relax_sinfo *s)
{
	return relax_sinfo_to_string(s);
}

/* Asserts that the struct info prints as `want`. */
#define assert_sinfo(s, want)                                                                      \
	do {                                                                                       \
		char *_t = sinfo_str(s);                                                           \
		if (strcmp(_t, (want)))                                                            \
			fprintf(stderr, "got  %s\nwant %s\n", _t, (want));                         \
		assert_string_equal(_t, (want));                                                   \
		free(_t);                                                                          \
	} while (0)

/* A builder inside function "f" with the given params, in a dataflow
 * block: call emit, then look at the result. */
typedef struct one_call {
	relax_module *m;
	relax_builder *b;
	relax_expr *params[8];
	int nparams;
} one_call;

static inline void one_call_begin(one_call *c, relax_module *m, int n, const char *const *names,
				  const relax_sinfo *const *sinfo)
{
	c->m = m;
	c->b = relax_builder_new(m);
	c->nparams = n;
	for (int i = 0; i < n; i++)
		c->params[i] = relax_var(m, names[i], sinfo[i]);
	relax_builder_begin_function(c->b, n, c->params);
	relax_builder_begin_dataflow(c->b);
}

/* Emits op(params..., extra args) and returns the status; *out the var. */
static inline sb_status one_call_emit(one_call *c, relax_op op, int nargs, relax_expr *const *args,
				      void *attrs, relax_expr **out)
{
	return relax_builder_emit(c->b, relax_call_op(c->m, op, nargs, args, attrs), NULL, out);
}

static inline void one_call_end(one_call *c)
{
	relax_builder_free(c->b);
}

#endif
