/* Shared by the tests/tir/test_topi_*.c files: symbolic shapes from text,
 * deterministic random tensors, running one relay_like op through its
 * reference kernel (the oracle), running a topi PrimFunc through the tir
 * reference evaluator (and the LLVM JIT once it exists), and comparing.
 *
 * A test builds a PrimFunc ONCE over symbolic shapes, then for each of
 * several concrete shapes: makes inputs, runs the relay op (which also
 * gives the expected output shapes), runs the PrimFunc on outputs of those
 * shapes -- so the PrimFunc's own shape checks confirm its symbolic output
 * shape -- and compares element by element.  Each PrimFunc runs four ways:
 * through the tir reference evaluator and JIT-compiled by backends/llvm,
 * each as topi built it and after the default CPU schedule (scheduled and
 * compiled once per PrimFunc, run at every shape).  SB_TOPI_JIT=0 runs the
 * evaluator only, SB_TOPI_JIT=plain skips the schedule. */
#ifndef SB_TESTS_TOPI_HARNESS_H
#define SB_TESTS_TOPI_HARNESS_H

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

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
} jit_entry;

static jit_entry *jits;
static int njits, jits_cap;

/* SB_TOPI_JIT: unset or 1 -- every way; "plain" -- no default schedule;
 * 0 -- the evaluator only; "survey" -- every way, but a scheduled run that
 * fails is printed ("SURVEY ...") instead of failing the test. */
static __attribute__((unused)) int jit_level(void)
{
	const char *e = getenv("SB_TOPI_JIT");
	return !e ? 2 : !strcmp(e, "0") ? 0 : !strcmp(e, "plain") ? 1 : 2;
}

/* Tests clear this for variants whose compiled code adds little over a
 * sibling's (another dtype of the same loop nest): they run the evaluator
 * only, which keeps the suite's compile time down. */
static bool jit_this = true;

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
		e->fn[scheduled] = sb_llvm_jit_lookup(e->jit[scheduled], f->name);
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
typedef enum run_mode { RUN_EVAL, RUN_JIT, RUN_EVAL_SCHEDULED, RUN_JIT_SCHEDULED } run_mode;
static const char *const run_mode_names[] = {"tir eval", "llvm jit", "tir eval (default schedule)",
					     "llvm jit (default schedule)"};

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
	for (int mode = 0; mode < nmodes; mode++) {
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
		sb_status st_ = (expr);                                                            \
		expect_ok(st_);                                                                    \
	} while (0)

#endif
