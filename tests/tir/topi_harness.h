/* Shared by the tests/tir/test_topi_*.c files: symbolic shapes from text,
 * deterministic random tensors, running one relay_like op through its
 * reference kernel (the oracle), running a topi PrimFunc through the tir
 * reference evaluator, the LLVM JIT and a shared library, and comparing.
 *
 * A test builds a PrimFunc ONCE over symbolic shapes, then for each of
 * several concrete shapes: makes inputs, runs the relay op (which also
 * gives the expected output shapes), runs the PrimFunc on outputs of those
 * shapes -- so the PrimFunc's own shape checks confirm its symbolic output
 * shape -- and compares element by element.  Each PrimFunc runs through
 * the tir reference evaluator as topi built it and after the default CPU
 * schedule, JIT-compiled by backends/llvm as built, and (scheduled) from a
 * shared library: every scheduled PrimFunc of the test executable goes into
 * ONE LLVM module (runtime_table), which the last test (TOPI_SO_TEST)
 * emits with sb_llvm_emit_shared -- one link -- loads with
 * sb_llvm_library_open and runs on every recorded case again.  The
 * scheduled form is also JIT-compiled for the first PrimFunc of each test
 * (for every one with SB_TOPI_JIT=all: it doubles the compile time, which
 * is nearly all of these tests' time, for the same IR through the same
 * pipeline).  Compiling happens once per PrimFunc; every shape runs on it.
 * The first call of each compiled entry (JIT and .so) is preceded by three
 * wrong calls -- a wrong rank, a wrong dtype, a symbolic dim inconsistent
 * with an earlier one -- whose messages must name the buffer (and dim).
 *
 * Environment: SB_TOPI_JIT (see jit_level); with "plain" the .so holds the
 * functions as built;
 * SB_TOPI_SO=0 skips the .so path; SB_TOPI_STATS=1 prints compile counts
 * and times at the end; SB_TOPI_AUDIT=1 prints one line per checked shape
 * (the topi function, its PrimFunc, the ways it ran, the input and output
 * shapes); SB_TOPI_LIGHT=1 (set for the Sanitize build) compiles only the
 * first PrimFunc of each test (see light_mode). */
#ifndef SB_TESTS_TOPI_HARNESS_H
#define SB_TESTS_TOPI_HARNESS_H

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "backends/llvm/llvm_codegen.h"
#include "relay_like/relay.h"
#include "tir/eval.h"
#include "tir/schedule/schedule.h"
#include "tir/topi/topi.h"

static tir_ctx *C;
static relay_module *M;

/* ---- Schedule and JIT (once per PrimFunc) ---- */

typedef struct jit_entry {
	const tir_func *f;
	tir_func *scheduled; /* f after the default CPU schedule */
	sb_llvm_jit *jit[2]; /* f as built, scheduled */
	sb_packed_fn fn[2];
	bool probed[2];	    /* the entry's error checks ran */
	const char *so_sym; /* its symbol in the .so module (owned by so_syms) */
	int serial;	    /* for SB_TOPI_AUDIT */
	char topi[48];	    /* the topi function that built it, for SB_TOPI_AUDIT */
	int first;	    /* 0 undecided, 1 the first compiled PrimFunc of its test, 2 not */
	bool lowered[2];    /* SB_TOPI_LIGHT, lowered only: done */
} jit_entry;

static jit_entry *jits;
static int njits, jits_cap, jit_serial;

/* Compile statistics for SB_TOPI_STATS (whole executable). */
static int stat_jit_compiles, stat_so_funcs;
static double stat_jit_seconds, stat_so_add_seconds, stat_so_emit_seconds;

static __attribute__((unused)) double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The topi function named by the last BUILD (for SB_TOPI_AUDIT). */
static char last_built[48];

/* SB_TOPI_JIT: unset or 1 -- every way, with the scheduled form JIT-compiled
 * for the first PrimFunc of each test only (the .so path compiles and runs
 * every scheduled form: the same IR through the same O3 pipeline, which is
 * what costs); "all" -- the scheduled form of every PrimFunc JIT-compiled
 * too; "plain" -- no default schedule; 0 -- the evaluator only; "survey" --
 * every way, but a scheduled run that fails is printed ("SURVEY ...")
 * instead of failing the test.  Levels: 0, 1 (plain), 2, 3 (all). */
static __attribute__((unused)) int jit_level(void)
{
	const char *e = getenv("SB_TOPI_JIT");
	return !e ? 2
	       : !strcmp(e, "0")     ? 0
	       : !strcmp(e, "plain") ? 1
	       : !strcmp(e, "all")   ? 3
				     : 2;
}

/* Tests clear this for variants whose compiled code adds little over a
 * sibling's (another dtype of the same loop nest): they run the evaluator
 * only, which keeps the suite's compile time down. */
static bool jit_this = true;

/* SB_TOPI_LIGHT=1 (the Sanitize build's ctest sets it): LLVM is not
 * instrumented, so under ASan its optimizer and code generator cost time
 * and find nothing.  Every PrimFunc is still evaluated both ways, lowered
 * and translated to LLVM IR (verified, not optimized) -- all of our code
 * runs on every function -- but only the first PrimFunc of each test is
 * compiled, run through the JIT and put in the .so. */
static int compiled_in_test; /* PrimFuncs of this test that reached a JIT */

static __attribute__((unused)) bool light_mode(void)
{
	const char *e = getenv("SB_TOPI_LIGHT");
	return e && strcmp(e, "0") != 0;
}

static __attribute__((unused)) bool survey_mode(void)
{
	const char *e = getenv("SB_TOPI_JIT");
	return e && !strcmp(e, "survey");
}

static __attribute__((unused)) void jit_release_all(void)
{
	for (int i = 0; i < njits; i++)
		for (int k = 0; k < 2; k++)
			sb_llvm_jit_free(jits[i].jit[k]);
	free(jits);
	jits = NULL;
	njits = jits_cap = 0;
}

static __attribute__((unused)) jit_entry *jit_entry_of(const tir_func *f)
{
	for (int i = 0; i < njits; i++)
		if (jits[i].f == f)
			return &jits[i];
	if (njits == jits_cap) {
		jits_cap = jits_cap ? 2 * jits_cap : 16;
		jits = sb_xrealloc(jits, sizeof(jit_entry) * (size_t)jits_cap);
	}
	jit_entry *e = &jits[njits++];
	memset(e, 0, sizeof *e);
	e->f = f;
	e->serial = ++jit_serial;
	snprintf(e->topi, sizeof e->topi, "%s", last_built);
	return e;
}

/* f after the default CPU schedule (made on first use). */
static __attribute__((unused)) sb_status scheduled_of(const tir_func *f, tir_func **out)
{
	jit_entry *e = jit_entry_of(f);
	if (!e->scheduled) {
		tir_target t = tir_target_avx2();
		sb_status st = tir_schedule_default_cpu(C, (tir_func *)f, &t, &e->scheduled, NULL);
		if (st)
			return sb_error_prefix(st, "default schedule");
	}
	*out = e->scheduled;
	return SB_OK;
}

/* The compiled entry of f or of its scheduled form, compiled on first use. */
static __attribute__((unused)) sb_status jit_get(const tir_func *f, bool scheduled,
						 sb_packed_fn *fn)
{
	jit_entry *e = jit_entry_of(f);
	if (!e->fn[scheduled]) {
		tir_func *g = (tir_func *)f;
		sb_status st = scheduled ? scheduled_of(f, &g) : SB_OK;
		double t0 = now_seconds();
		sb_llvm_module *m;
		if (!st)
			st = sb_llvm_module_new(f->name, NULL, &m);
		if (!st && (st = sb_llvm_module_add(m, C, g)))
			sb_llvm_module_free(m);
		if (!st)
			st = sb_llvm_jit_new(m, &e->jit[scheduled]);
		if (st)
			return st;
		e = jit_entry_of(f); /* jits may have moved */
		/* The lookup runs the code generator. */
		e->fn[scheduled] = sb_llvm_jit_lookup(e->jit[scheduled], f->name);
		stat_jit_seconds += now_seconds() - t0;
		stat_jit_compiles++;
		if (!e->fn[scheduled])
			return SB_ERR_INTERNAL;
	}
	*fn = e->fn[scheduled];
	return SB_OK;
}

static __attribute__((unused)) int setup(void **state)
{
	(void)state;
	C = tir_ctx_new();
	M = relay_module_new();
	jit_this = true;
	compiled_in_test = 0;
	return 0;
}

static __attribute__((unused)) int teardown(void **state)
{
	(void)state;
	jit_release_all();
	tir_ctx_free(C);
	relay_module_free(M);
	C = NULL;
	M = NULL;
	return 0;
}

/* A function name that cannot collide with a C library symbol (a PrimFunc
 * named "acos" would shadow libm's acos in its own module). */
static __attribute__((unused)) const char *fname(const char *op)
{
	char buf[128];
	snprintf(buf, sizeof buf, "t_%s", op);
	return tir_intern(C, buf);
}

/* ---- Shapes ---- */

/* "n" is the shape variable n, "7" the constant 7. */
static __attribute__((unused)) tir_expr *D(const char *s)
{
	if (isdigit((unsigned char)s[0]))
		return tir_int(C, strtoll(s, NULL, 10));
	return tir_shape_var(C, s);
}

/* "n,4,m" -> a tensor description; "" a scalar. */
static __attribute__((unused)) topi_tensor T(sb_dtype dt, const char *dims)
{
	tir_expr **shape = SB_ARENA_ARRAY(&C->arena, tir_expr *, SB_MAX_RANK);
	int r = 0;
	const char *p = dims;
	while (*p) {
		const char *q = p;
		while (*q && *q != ',')
			q++;
		char tok[64];
		snprintf(tok, sizeof tok, "%.*s", (int)(q - p), p);
		shape[r++] = D(tok);
		p = *q ? q + 1 : q;
	}
	return topi_tensor_make(dt, r, shape);
}

/* ---- Tensors ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static __attribute__((unused)) double rnd(void)
{
	rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)(rng >> 11) / 9007199254740992.0;
}

/* Uniform in [lo, hi] (integers: whole numbers in it; bool: 0/1). */
static __attribute__((unused)) sb_tensor *rand_tensor(sb_dtype dt, int rank, const int64_t *shape,
						      double lo, double hi)
{
	sb_tensor *t = sb_tensor_new(dt, rank, shape);
	assert_non_null(t);
	int64_t n = sb_tensor_numel(t);
	for (int64_t i = 0; i < n; i++) {
		double v = lo + (hi - lo) * rnd();
		if (dt == SB_BOOL)
			v = rnd() < 0.5;
		else if (!sb_dtype_is_float(dt))
			v = floor(lo + (hi - lo + 1) * rnd());
		sb_tensor_set_f64(t, i, v);
	}
	return t;
}

static __attribute__((unused)) sb_tensor *tensor_of(sb_dtype dt, int rank, const int64_t *shape,
						    const double *v)
{
	sb_tensor *t = sb_tensor_new(dt, rank, shape);
	assert_non_null(t);
	for (int64_t i = 0; i < sb_tensor_numel(t); i++)
		sb_tensor_set_f64(t, i, v[i]);
	return t;
}

static __attribute__((unused)) sb_tensor *ints_tensor(int n, const int64_t *v)
{
	int64_t shape[1] = {n};
	sb_tensor *t = sb_tensor_new(SB_I64, 1, shape);
	assert_non_null(t);
	for (int i = 0; i < n; i++)
		sb_tensor_set_i64(t, i, v[i]);
	return t;
}

static __attribute__((unused)) sb_tensor *scalar_tensor(sb_dtype dt, double v)
{
	sb_tensor *t = sb_tensor_new(dt, 0, NULL);
	assert_non_null(t);
	sb_tensor_set_f64(t, 0, v);
	return t;
}

static __attribute__((unused)) void release_all(int n, sb_tensor **ts)
{
	for (int i = 0; i < n; i++) {
		sb_tensor_release(ts[i]);
		ts[i] = NULL;
	}
}

/* ---- Running ---- */

static __attribute__((unused)) void *attrs_of(relay_attrs_id id)
{
	return relay_attrs_new(M, id);
}

/* Evaluates one relay op on concrete inputs (NULL: absent).  */
static __attribute__((unused)) sb_status relay_run(relay_op op, void *attrs, int nin,
						   sb_tensor *const *in, int nout, sb_tensor **out)
{
	relay_expr *args[32];
	for (int i = 0; i < nin; i++)
		args[i] = in[i] ? relay_var(M, "x", NULL) : NULL;
	relay_expr *call = relay_call(M, op, nin, args, attrs, nout, "ref");
	return relay_eval_call(call, in, out);
}

static __attribute__((unused)) void print_func_if_asked(const tir_func *f)
{
	if (!getenv("TOPI_PRINT"))
		return;
	char *s = tir_func_to_string(f);
	fprintf(stderr, "%s\n", s);
	free(s);
}

/* The ways a PrimFunc runs in check_op. */
typedef enum run_mode {
	RUN_EVAL,
	RUN_JIT,
	RUN_EVAL_SCHEDULED,
	RUN_JIT_SCHEDULED,
	RUN_SO, /* the last two: test_so_path only */
	RUN_SO_SCHEDULED,
} run_mode;
static const char *const run_mode_names[] = {
    "tir eval",	     "llvm jit",      "tir eval (default schedule)", "llvm jit (default schedule)",
    "llvm .so", "llvm .so (default schedule)"};

/* Runs f on inputs then fresh outputs shaped like `like`. */
static __attribute__((unused)) sb_status topi_run_mode(const tir_func *f, run_mode mode, int nin,
						       sb_tensor *const *in, int nout,
						       sb_tensor *const *like, sb_tensor **got)
{
	sb_tensor *args[32];
	for (int i = 0; i < nin; i++)
		args[i] = in[i];
	for (int j = 0; j < nout; j++) {
		got[j] = sb_tensor_new(like[j]->dtype, like[j]->dl.ndim, like[j]->shape);
		assert_non_null(got[j]);
		args[nin + j] = got[j];
	}
	if (mode == RUN_EVAL)
		return tir_eval_tensors(f, args, nin + nout);
	if (mode == RUN_EVAL_SCHEDULED) {
		tir_func *g;
		sb_status st = scheduled_of(f, &g);
		return st ? st : tir_eval_tensors(g, args, nin + nout);
	}
	sb_packed_fn fn;
	sb_status st = jit_get(f, mode == RUN_JIT_SCHEDULED, &fn);
	if (st)
		return st;
	sb_value vals[32], ret = {0};
	for (int i = 0; i < nin + nout; i++)
		vals[i] = sb_value_tensor(args[i]);
	int rc = fn(vals, nin + nout, &ret);
	sb_value_release(&ret);
	return rc ? (sb_status)rc : SB_OK;
}

static __attribute__((unused)) sb_status topi_run(const tir_func *f, int nin, sb_tensor *const *in,
						  int nout, sb_tensor *const *like, sb_tensor **got)
{
	return topi_run_mode(f, RUN_EVAL, nin, in, nout, like, got);
}

static __attribute__((unused)) bool close_enough(double g, double w, double tol)
{
	if (g != g || w != w)
		return g != g && w != w;
	if (isinf(g) || isinf(w))
		return g == w;
	return fabs(g - w) <= tol * fmax(1.0, fabs(w));
}

/* Which way of running produced the tensor expect_close is checking. */
static const char *mode_label;

static __attribute__((unused)) void expect_close_(const sb_tensor *got, const sb_tensor *want,
						  double tol, const char *file, int line)
{
	char gs[128], ws[128];
	sb_tensor_describe(got, gs, sizeof gs);
	sb_tensor_describe(want, ws, sizeof ws);
	if (got->dtype != want->dtype ||
	    !sb_shape_equal(got->dl.ndim, got->shape, want->dl.ndim, want->shape)) {
		print_error("%s got %s, want %s\n", mode_label ? mode_label : "", gs, ws);
		_fail(file, line);
	}
	int64_t n = sb_tensor_numel(got);
	for (int64_t i = 0; i < n; i++) {
		bool ok;
		double g, w;
		if (sb_dtype_is_float(got->dtype)) {
			g = sb_tensor_get_f64(got, i);
			w = sb_tensor_get_f64(want, i);
			ok = close_enough(g, w, tol);
		} else {
			int64_t gi = sb_tensor_get_i64(got, i), wi = sb_tensor_get_i64(want, i);
			g = (double)gi;
			w = (double)wi;
			ok = gi == wi;
		}
		if (!ok) {
			print_error("%s%s%s: element %lld is %.9g, want %.9g\n",
				    mode_label ? mode_label : "", mode_label ? ": " : "", ws,
				    (long long)i, g, w);
			_fail(file, line);
		}
	}
}
#define expect_close(got, want, tol) expect_close_((got), (want), (tol), __FILE__, __LINE__)

static __attribute__((unused)) void expect_ok_(sb_status st, const char *file, int line)
{
	if (st) {
		print_error("%s: %s\n", sb_status_name(st), sb_last_error());
		_fail(file, line);
	}
}
#define expect_ok(st) expect_ok_((st), __FILE__, __LINE__)

/* The status is an error whose message contains `sub`. */
static __attribute__((unused)) void expect_error_(sb_status st, const char *sub, const char *file,
						  int line)
{
	if (!st) {
		print_error("expected an error containing '%s', got success\n", sub);
		_fail(file, line);
	}
	if (!strstr(sb_last_error(), sub)) {
		print_error("error '%s' does not contain '%s'\n", sb_last_error(), sub);
		_fail(file, line);
	}
}
#define expect_error(st, sub) expect_error_((st), (sub), __FILE__, __LINE__)

/* ---- The entry's error checks ----
 *
 * What three wrong calls of a compiled entry must say, read from the
 * PrimFunc it was compiled from (so it can be checked after the tir_ctx is
 * gone): param 0 with one dim more (or less) and with another dtype, and
 * the first dim whose shape variable an earlier dim already bound, one
 * larger than the bound value. */
typedef struct entry_probe {
	char fname[160];
	int nparams;
	char buf0[64]; /* param 0's buffer name; "" when param 0 is a scalar */
	int rank0;
	sb_dtype dt0;
	int dup_param, dup_dim; /* -1: no variable occurs twice */
	char dup_buf[64], dup_var[64];
} entry_probe;

static __attribute__((unused)) void entry_probe_of(const tir_func *g, entry_probe *p)
{
	memset(p, 0, sizeof *p);
	snprintf(p->fname, sizeof p->fname, "%s", g->name);
	p->nparams = g->nparams;
	p->dup_param = p->dup_dim = -1;
	const tir_buffer *b0 = g->nparams ? g->params[0].buffer : NULL;
	if (b0) {
		snprintf(p->buf0, sizeof p->buf0, "%s", b0->name);
		p->rank0 = b0->ndim;
		p->dt0 = b0->dtype;
	}
	for (int i = 0; i < g->nparams && p->dup_param < 0; i++) {
		const tir_buffer *b = g->params[i].buffer;
		for (int d = 0; b && d < b->ndim && p->dup_param < 0; d++) {
			if (b->shape[d]->kind != TIR_VAR)
				continue;
			bool seen = false;
			for (int j = 0; j <= i && !seen; j++) {
				const tir_buffer *c = g->params[j].buffer;
				for (int e = 0; c && e < (j == i ? d : c->ndim) && !seen; e++)
					seen = c->shape[e] == b->shape[d];
			}
			if (seen) {
				p->dup_param = i;
				p->dup_dim = d;
				snprintf(p->dup_buf, sizeof p->dup_buf, "%s", b->name);
				snprintf(p->dup_var, sizeof p->dup_var, "%s", b->shape[d]->u.var.name);
			}
		}
	}
}

/* Calls fn with args[k] replaced by bad; it must fail with `want` in the
 * message. */
static __attribute__((unused)) void expect_call_error(sb_packed_fn fn, int n, sb_tensor *const *args,
						      int k, sb_tensor *bad, const char *want,
						      const char *way, const char *file, int line)
{
	sb_value vals[32], ret = {0};
	for (int i = 0; i < n; i++)
		vals[i] = sb_value_tensor(i == k ? bad : args[i]);
	int rc = fn(vals, n, &ret);
	sb_value_release(&ret);
	sb_tensor_release(bad);
	if (!rc) {
		print_error("%s: a wrong call succeeded; expected '%s'\n", way, want);
		_fail(file, line);
	}
	if (rc != SB_ERR_INVALID || !strstr(sb_last_error(), want)) {
		print_error("%s: error %d '%s' does not contain '%s'\n", way, rc, sb_last_error(),
			    want);
		_fail(file, line);
	}
}

/* The three wrong calls of the entry fn (args: a good call's tensors). */
static __attribute__((unused)) void check_entry_errors(sb_packed_fn fn, const entry_probe *p,
						       int n, sb_tensor *const *args,
						       const char *way, const char *file, int line)
{
	char want[512];
	if (p->buf0[0]) {
		const sb_tensor *a = args[0];
		int64_t shape[SB_MAX_RANK + 1];
		int r = p->rank0 < SB_MAX_RANK ? p->rank0 + 1 : p->rank0 - 1;
		for (int d = 0; d < r; d++)
			shape[d] = d < a->dl.ndim ? a->shape[d] : 1;
		snprintf(want, sizeof want, "%s: buffer '%s' has rank %d, expected %d", p->fname,
			 p->buf0, r, p->rank0);
		expect_call_error(fn, n, args, 0, sb_tensor_new(p->dt0, r, shape), want, way, file,
				  line);
		sb_dtype other = p->dt0 == SB_F32 ? SB_F64 : SB_F32;
		snprintf(want, sizeof want, "%s: buffer '%s' has dtype %s, expected %s", p->fname,
			 p->buf0, sb_dtype_name(other), sb_dtype_name(p->dt0));
		expect_call_error(fn, n, args, 0, sb_tensor_new(other, a->dl.ndim, a->shape), want,
				  way, file, line);
	}
	if (p->dup_param >= 0) {
		const sb_tensor *a = args[p->dup_param];
		int64_t shape[SB_MAX_RANK];
		memcpy(shape, a->shape, sizeof(int64_t) * (size_t)a->dl.ndim);
		int64_t v = shape[p->dup_dim]++;
		snprintf(want, sizeof want, "%s: buffer '%s' dim %d is %lld, expected %lld (= %s)",
			 p->fname, p->dup_buf, p->dup_dim, (long long)(v + 1), (long long)v,
			 p->dup_var);
		expect_call_error(fn, n, args, p->dup_param,
				  sb_tensor_new(a->dtype, a->dl.ndim, shape), want, way, file, line);
	}
}

/* Counts for the report at the end: entries probed, with a repeated dim. */
static int stat_probed, stat_probed_dup;

/* ---- The shared-library path ----
 *
 * Cases are recorded while the tests run (inputs copied, expected outputs
 * kept) and the PrimFuncs added to one module under unique symbols
 * ("so<k>_<name>": tests reuse names); TOPI_SO_TEST, last in each
 * executable, links and runs them. */
typedef struct so_case {
	const char *sym;
	bool first; /* first case of its function: probe the entry */
	entry_probe probe;
	int nin, nout;
	sb_tensor *in[32], *want[4];
	double tol;
	const char *file;
	int line;
} so_case;

static sb_llvm_module *so_module;
static SB_VEC(char *) so_syms;
static SB_VEC(so_case *) so_cases;
static char so_dir[64], so_path[128];
static sb_llvm_library *so_lib;

static __attribute__((unused)) bool so_enabled(void)
{
	const char *e = getenv("SB_TOPI_SO");
	return jit_level() > 0 && !(e && !strcmp(e, "0"));
}

/* Records one checked case for the .so run; adds f (scheduled, unless
 * SB_TOPI_JIT=plain) to the module the first time. */
static __attribute__((unused)) void so_record(const tir_func *f, int nin, sb_tensor *const *in,
					      int nout, sb_tensor *const *want, double tol,
					      const char *file, int line)
{
	jit_entry *e = jit_entry_of(f);
	bool first = !e->so_sym;
	entry_probe probe;
	if (first) {
		double t0 = now_seconds();
		tir_func *g = (tir_func *)f;
		sb_status st = jit_level() >= 2 ? scheduled_of(f, &g) : SB_OK;
		if (!st && !so_module) {
			sb_llvm_options o = {.runtime_table = true};
			st = sb_llvm_module_new("topi_so", &o, &so_module);
		}
		char sym[160];
		snprintf(sym, sizeof sym, "so%zu_%s", so_syms.len, f->name);
		/* A copy under the new name: the original keeps its symbol. */
		tir_func *copy = SB_ARENA_NEW(&C->arena, tir_func);
		*copy = *g;
		copy->name = tir_intern(C, sym);
		copy->attrs = SB_ARENA_ARRAY(&C->arena, tir_attr, g->nattrs + 1);
		memcpy(copy->attrs, g->attrs, sizeof(tir_attr) * (size_t)g->nattrs);
		tir_func_set_attr_str(C, copy, "global_symbol", copy->name);
		if (!st)
			st = sb_llvm_module_add(so_module, C, copy);
		if (st) {
			print_error("topi %s (.so module): %s\n", f->name, sb_last_error());
			_fail(file, line);
		}
		stat_so_add_seconds += now_seconds() - t0;
		stat_so_funcs++;
		sb_vec_push(&so_syms, sb_xstrdup(sym));
		e = jit_entry_of(f);
		e->so_sym = so_syms.data[so_syms.len - 1];
		entry_probe_of(copy, &probe);
	}
	so_case *c = sb_xcalloc(1, sizeof *c);
	c->sym = e->so_sym;
	c->first = first;
	if (first)
		c->probe = probe;
	c->nin = nin;
	c->nout = nout;
	for (int i = 0; i < nin; i++)
		c->in[i] = sb_tensor_copy(in[i]);
	for (int j = 0; j < nout; j++)
		c->want[j] = sb_tensor_retain(want[j]);
	c->tol = tol;
	c->file = file;
	c->line = line;
	sb_vec_push(&so_cases, c);
}

static __attribute__((unused)) void print_stats_if_asked(void)
{
	if (!getenv("SB_TOPI_STATS"))
		return;
	fprintf(stderr,
		"topi stats: %d JIT compiles in %.2f s; .so: %d functions lowered in %.2f s, "
		"optimized, emitted and linked in %.2f s; %zu cases; entry errors probed on %d "
		"entries (%d with a repeated dim)\n",
		stat_jit_compiles, stat_jit_seconds, stat_so_funcs, stat_so_add_seconds,
		stat_so_emit_seconds, so_cases.len, stat_probed, stat_probed_dup);
}

static __attribute__((unused)) int so_teardown(void **state)
{
	(void)state;
	print_stats_if_asked();
	sb_llvm_library_close(so_lib);
	so_lib = NULL;
	if (so_path[0])
		unlink(so_path);
	if (so_dir[0])
		rmdir(so_dir);
	so_path[0] = so_dir[0] = '\0';
	sb_llvm_module_free(so_module);
	so_module = NULL;
	for (size_t i = 0; i < so_cases.len; i++) {
		so_case *c = so_cases.data[i];
		release_all(c->nin, c->in);
		release_all(c->nout, c->want);
		free(c);
	}
	sb_vec_free(&so_cases);
	for (size_t i = 0; i < so_syms.len; i++)
		free(so_syms.data[i]);
	sb_vec_free(&so_syms);
	return 0;
}

/* Links every recorded PrimFunc into one .so, loads it, and runs every
 * case through it. */
static __attribute__((unused)) void test_so_path(void **state)
{
	(void)state;
	if (!so_enabled()) {
		print_message("the .so path is off (SB_TOPI_SO=0 or SB_TOPI_JIT=0)\n");
		return;
	}
	if (!so_module)
		fail_msg("no case reached the .so path");
	const char *tmp = getenv("TMPDIR");
	snprintf(so_dir, sizeof so_dir, "%s/sb_topi_so_XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(so_dir)) {
		so_dir[0] = '\0';
		fail_msg("mkdtemp: %s", strerror(errno));
	}
	snprintf(so_path, sizeof so_path, "%s/topi.so", so_dir);
	double t0 = now_seconds();
	sb_status st = sb_llvm_emit_shared(so_module, so_path);
	sb_llvm_module_free(so_module);
	so_module = NULL;
	stat_so_emit_seconds = now_seconds() - t0;
	expect_ok(st);
	expect_ok(sb_llvm_library_open(so_path, &so_lib));
	const char *way = run_mode_names[jit_level() >= 2 ? RUN_SO_SCHEDULED : RUN_SO];
	for (size_t i = 0; i < so_cases.len; i++) {
		so_case *c = so_cases.data[i];
		sb_packed_fn fn = sb_llvm_library_lookup(so_lib, c->sym);
		if (!fn) {
			print_error("%s\n", sb_last_error());
			_fail(c->file, c->line);
		}
		sb_tensor *args[32], *got[4] = {0};
		int n = c->nin + c->nout;
		for (int k = 0; k < c->nin; k++)
			args[k] = c->in[k];
		for (int j = 0; j < c->nout; j++) {
			got[j] = sb_tensor_new(c->want[j]->dtype, c->want[j]->dl.ndim,
					       c->want[j]->shape);
			args[c->nin + j] = got[j];
		}
		if (c->first)
			check_entry_errors(fn, &c->probe, n, args, way, c->file, c->line);
		sb_value vals[32], ret = {0};
		for (int k = 0; k < n; k++)
			vals[k] = sb_value_tensor(args[k]);
		int rc = fn(vals, n, &ret);
		sb_value_release(&ret);
		if (rc) {
			print_error("topi %s (%s): %s\n", c->sym, way, sb_last_error());
			release_all(c->nout, got);
			_fail(c->file, c->line);
		}
		mode_label = way;
		for (int j = 0; j < c->nout; j++)
			expect_close_(got[j], c->want[j], c->tol, c->file, c->line);
		mode_label = NULL;
		release_all(c->nout, got);
	}
}

/* The last entry of every topi test executable's list. */
#define TOPI_SO_TEST cmocka_unit_test_teardown(test_so_path, so_teardown)

static __attribute__((unused)) void audit_if_asked(const tir_func *f, int mode_count, bool so,
						   int nin, sb_tensor *const *in, int nout,
						   sb_tensor *const *out)
{
	if (!getenv("SB_TOPI_AUDIT"))
		return;
	jit_entry *e = jit_entry_of(f);
	fprintf(stderr, "AUDIT %s %d %s jit=%d ways=%d so=%d", e->topi, e->serial, f->name,
		jit_this, mode_count, so);
	for (int i = 0; i < nin + nout; i++) {
		const sb_tensor *t = i < nin ? in[i] : out[i - nin];
		fprintf(stderr, "%s[", i == nin ? " ->" : " ");
		for (int d = 0; d < t->dl.ndim; d++)
			fprintf(stderr, "%s%lld", d ? "," : "", (long long)t->shape[d]);
		fputc(']', stderr);
	}
	fputc('\n', stderr);
}

/* Is f the first compiled PrimFunc of its test? */
static __attribute__((unused)) bool first_in_test(const tir_func *f)
{
	jit_entry *e = jit_entry_of(f);
	if (!e->first)
		e->first = compiled_in_test++ == 0 ? 1 : 2;
	return e->first == 1;
}

/* f (or its scheduled form) lowered and translated to LLVM IR, which LLVM
 * verifies; no optimization, no machine code.  Once per form. */
static __attribute__((unused)) sb_status lower_once(const tir_func *f, bool scheduled)
{
	jit_entry *e = jit_entry_of(f);
	if (e->lowered[scheduled])
		return SB_OK;
	tir_func *g = (tir_func *)f;
	sb_status st = scheduled ? scheduled_of(f, &g) : SB_OK;
	sb_llvm_options o = {.no_opt = true};
	sb_llvm_module *m = NULL;
	if (!st)
		st = sb_llvm_module_new(f->name, &o, &m);
	if (!st)
		st = sb_llvm_module_add(m, C, g);
	if (!st)
		st = sb_llvm_module_optimize(m);
	sb_llvm_module_free(m);
	jit_entry_of(f)->lowered[scheduled] = true;
	return st;
}

/* Before the first run of f's compiled entry (mode: a JIT mode): the three
 * wrong calls, with a good call's tensors as the base. */
static __attribute__((unused)) void probe_jit_once(const tir_func *f, run_mode mode, int nin,
						   sb_tensor *const *in, int nout,
						   sb_tensor *const *like, const char *file, int line)
{
	bool sched = mode == RUN_JIT_SCHEDULED;
	sb_packed_fn fn;
	if (jit_entry_of(f)->probed[sched] || jit_get(f, sched, &fn))
		return; /* a compile error is reported by the run itself */
	jit_entry *e = jit_entry_of(f);
	e->probed[sched] = true;
	entry_probe p;
	entry_probe_of(sched ? e->scheduled : f, &p);
	stat_probed++;
	stat_probed_dup += p.dup_param >= 0;
	sb_tensor *args[32], *got[4];
	for (int i = 0; i < nin; i++)
		args[i] = in[i];
	for (int j = 0; j < nout; j++) {
		got[j] = sb_tensor_new(like[j]->dtype, like[j]->dl.ndim, like[j]->shape);
		args[nin + j] = got[j];
	}
	check_entry_errors(fn, &p, nin + nout, args, run_mode_names[mode], file, line);
	release_all(nout, got);
}

/* The whole comparison: relay op on rin (nrin, NULL entries absent) gives
 * nout expected outputs; f on tin (ntin) then outputs of those shapes must
 * match them within tol (relative, absolute below 1). */
static __attribute__((unused)) void check_op_(const tir_func *f, relay_op op, void *attrs, int nrin,
					      sb_tensor *const *rin, int ntin,
					      sb_tensor *const *tin, int nout, double tol,
					      const char *file, int line)
{
	static const tir_func *last_printed;
	if (f != last_printed)
		print_func_if_asked(f);
	last_printed = f;
	sb_tensor *want[4] = {0}, *got[4] = {0};
	sb_status st = relay_run(op, attrs, nrin, rin, nout, want);
	if (st) {
		print_error("relay %s: %s\n", relay_op_get(op)->name, sb_last_error());
		_fail(file, line);
	}
	int nmodes = jit_level() == 0 || !jit_this ? 1 : jit_level() == 1 ? 2 : 4;
	/* JIT-compiled: f as built always (light: the first of the test); its
	 * scheduled form with SB_TOPI_JIT=all or for the first of the test. */
	bool first = nmodes > 1 && first_in_test(f), light = light_mode();
	bool lower_only = light && !first;
	for (int mode = 0; mode < nmodes; mode++) {
		bool jit = mode == RUN_JIT || mode == RUN_JIT_SCHEDULED;
		if (mode == RUN_JIT_SCHEDULED && !first && jit_level() < 3 && !light)
			continue;
		if (jit && lower_only) {
			if ((st = lower_once(f, mode == RUN_JIT_SCHEDULED))) {
				print_error("topi %s (%s, lowered only): %s\n", f->name,
					    run_mode_names[mode], sb_last_error());
				release_all(nout, want);
				_fail(file, line);
			}
			continue;
		}
		if (jit)
			probe_jit_once(f, (run_mode)mode, ntin, tin, nout, want, file, line);
		st = topi_run_mode(f, (run_mode)mode, ntin, tin, nout, want, got);
		if (mode >= RUN_EVAL_SCHEDULED && survey_mode()) {
			bool bad = st != SB_OK;
			for (int j = 0; j < nout && !bad; j++)
				for (int64_t i = 0; i < sb_tensor_numel(want[j]) && !bad; i++)
					bad =
					    sb_dtype_is_float(want[j]->dtype)
						? !close_enough(sb_tensor_get_f64(got[j], i),
								sb_tensor_get_f64(want[j], i), tol)
						: sb_tensor_get_i64(got[j], i) !=
						      sb_tensor_get_i64(want[j], i);
			if (bad) {
				char ws[128];
				sb_tensor_describe(want[0], ws, sizeof ws);
				fprintf(stderr, "SURVEY %s:%d %s (%s) %s: %s\n", file, line,
					f->name, run_mode_names[mode], ws,
					st ? sb_last_error() : "wrong values");
			}
			release_all(nout, got);
			continue;
		}
		if (st) {
			print_error("topi %s (%s): %s\n", f->name, run_mode_names[mode],
				    sb_last_error());
			release_all(nout, want);
			release_all(nout, got);
			_fail(file, line);
		}
		mode_label = run_mode_names[mode];
		for (int j = 0; j < nout; j++)
			expect_close_(got[j], want[j], tol, file, line);
		mode_label = NULL;
		release_all(nout, got);
	}
	bool so = nmodes > 1 && !lower_only && so_enabled();
	if (so)
		so_record(f, ntin, tin, nout, want, tol, file, line);
	audit_if_asked(f, nmodes, so, ntin, tin, nout, want);
	release_all(nout, want);
}
#define check_op(f, op, attrs, nrin, rin, ntin, tin, nout)                                         \
	check_op_((f), (op), (attrs), (nrin), (rin), (ntin), (tin), (nout), 1e-5, __FILE__,        \
		  __LINE__)
#define check_op_tol(f, op, attrs, nrin, rin, ntin, tin, nout, tol)                                \
	check_op_((f), (op), (attrs), (nrin), (rin), (ntin), (tin), (nout), (tol), __FILE__,       \
		  __LINE__)

/* Builds with `expr` (an sb_status call storing into f) and checks. */
#define BUILD(expr)                                                                                \
	do {                                                                                       \
		snprintf(last_built, sizeof last_built, "%.*s", (int)strcspn(#expr, "("), #expr); \
		sb_status st_ = (expr);                                                            \
		expect_ok(st_);                                                                    \
	} while (0)

#endif
