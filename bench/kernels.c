/* bench/kernels: shapebridge's generated kernels vs oneDNN vs what the machine can do.
 *
 * For each benchmark (matmul, conv2d, depthwise conv2d, softmax, layer_norm, add) and each
 * thread count it prints, side by side: the generated kernel (bench/generated.h; "n/a" until
 * the tir -> LLVM side fills it in), oneDNN, and a peak measured by this program in the same
 * run -- fp32 FMA throughput for compute-bound kernels (GFLOP/s), STREAM-like add bandwidth for
 * memory-bound ones (GB/s). Each timing is the median of several samples (the machine is shared;
 * samples during which a thread was preempted are set aside), and each kernel's output is checked
 * once against a naive reference before it is timed, so a fast-but-wrong setup reports an error
 * instead of a number.
 *
 *   kernels [--threads 1,2] [--quick] [--best] [--json FILE] [--only SUBSTR] [--peak-isa NAME]
 *
 * A benchmark, not a test: ctest never runs it. */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define BENCH_X86 1
#else
#define BENCH_X86 0
#endif

#include <oneapi/dnnl/dnnl.h>
#include <oneapi/dnnl/dnnl_debug.h>

#include "bench/generated.h"
#include "support/support.h"

#define BENCH_MAX_THREADS 8 /* entries in --threads */
#define BENCH_MAX_SAMPLES 101
#define BENCH_SAMPLE_S 2e-3 /* one sample's length, when a call is shorter */
#define BENCH_MAX_ARGS 6
#define BENCH_ALIGN 64

typedef struct bench_options {
	int threads[BENCH_MAX_THREADS];
	int nthreads;
	int quick;
	int best; /* --best: the fastest sample instead of the median */
	const char *json_path;
	const char *only;     /* run only cases whose name contains this */
	const char *peak_isa; /* NULL: the best measured */
} bench_options;

/* ---- Timing ---- */

static double bench_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int bench_compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* One call of the thing being timed; non-zero means it failed (error slot set). */
typedef int (*bench_fn)(void *env);

/* Involuntary context switches of the whole process so far: a sample during which this moves
 * had one of our threads preempted. */
static long bench_preemptions(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_nivcsw;
}

/* Median seconds per call: two untimed calls (page faults, JIT, thread start-up), then samples
 * of `reps` calls lasting about BENCH_SAMPLE_S each (or one call), as many as fit in the budget
 * and at least min_samples. The machine is shared, so samples during which a thread of ours was
 * preempted are set aside, and sampling goes on (up to `patience` budgets) until enough clean
 * ones are in; short samples keep that fraction small. When too few are clean the median is over
 * all samples and *noisy is set. Returns NAN if a call fails. */
static double bench_measure(bench_fn fn, void *env, const bench_options *opt, double patience,
			    int *noisy)
{
	int min_samples = opt->quick ? 5 : 7;
	double budget = opt->quick ? 0.1 : 0.5;
	double all[BENCH_MAX_SAMPLES], clean[BENCH_MAX_SAMPLES];
	int nall = 0, nclean = 0;

	if (fn(env))
		return NAN;
	double t0 = bench_now();
	if (fn(env))
		return NAN;
	double single = SB_MAX(bench_now() - t0, 1e-9);
	long reps = SB_MAX(1, SB_MIN((long)(BENCH_SAMPLE_S / single), 100000));
	int want = (int)(budget / ((double)reps * single));
	want = SB_MAX(min_samples, SB_MIN(want, BENCH_MAX_SAMPLES / 2));
	double deadline = bench_now() + patience * budget;

	while (nall < BENCH_MAX_SAMPLES && nclean < want &&
	       (nall < want || bench_now() < deadline)) {
		long p0 = bench_preemptions();
		double start = bench_now();
		for (long r = 0; r < reps; r++)
			if (fn(env))
				return NAN;
		double t = (bench_now() - start) / (double)reps;
		all[nall++] = t;
		if (bench_preemptions() == p0)
			clean[nclean++] = t;
	}
	double *use = nclean >= min_samples ? clean : all;
	int n = nclean >= min_samples ? nclean : nall;
	*noisy = nclean < min_samples;
	qsort(use, (size_t)n, sizeof use[0], bench_compare_double);
	return opt->best ? use[0] : use[n / 2];
}

/* ---- Buffers ---- */

static float *bench_alloc(int64_t count)
{
	size_t bytes =
	    ((size_t)count * sizeof(float) + BENCH_ALIGN - 1) / BENCH_ALIGN * BENCH_ALIGN;
	float *p = aligned_alloc(BENCH_ALIGN, bytes ? bytes : BENCH_ALIGN);
	if (!p) {
		fprintf(stderr, "kernels: out of memory allocating %zu bytes\n", bytes);
		exit(1);
	}
	return p;
}

/* Deterministic values in [-1, 1) from the index alone, so the data do not depend on the thread
 * count; filled in parallel so pages land where the static-schedule loops touch them. */
static void bench_fill(float *p, int64_t count, uint32_t seed)
{
#pragma omp parallel for schedule(static)
	for (int64_t i = 0; i < count; i++) {
		uint32_t h = (uint32_t)i * 2654435761u ^ seed * 0x9e3779b9u;
		h ^= h >> 15;
		h *= 0x2c1b3c6du;
		h ^= h >> 12;
		p[i] = (float)(h >> 8) * (2.0f / 16777216.0f) - 1.0f;
	}
}

/* ---- Peak fp32 FMA throughput ---- */

/* 12 independent accumulator chains: enough to cover FMA latency (4-5 cycles) times the FMA
 * ports (2) on current x86 cores. acc = acc * mul + add stays bounded and never denormal. */
#define PEAK_CHAINS 12
#define PEAK_REPEAT(S) S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7) S(8) S(9) S(10) S(11)

#if BENCH_X86
__attribute__((target("avx512f"))) static float peak_loop_avx512(int64_t iters)
{
	__m512 mul = _mm512_set1_ps(0.9999999f), add = _mm512_set1_ps(1e-7f);
#define PEAK_DECL(i) __m512 r##i = _mm512_set1_ps((float)(i));
#define PEAK_STEP(i) r##i = _mm512_fmadd_ps(r##i, mul, add);
#define PEAK_SUM(i) sum = _mm512_add_ps(sum, r##i);
	PEAK_REPEAT(PEAK_DECL)
	for (int64_t it = 0; it < iters; it++) {
		PEAK_REPEAT(PEAK_STEP)
	}
	__m512 sum = _mm512_setzero_ps();
	PEAK_REPEAT(PEAK_SUM)
	return _mm512_reduce_add_ps(sum);
#undef PEAK_DECL
#undef PEAK_STEP
#undef PEAK_SUM
}

__attribute__((target("avx2,fma"))) static float peak_loop_avx2(int64_t iters)
{
	__m256 mul = _mm256_set1_ps(0.9999999f), add = _mm256_set1_ps(1e-7f);
#define PEAK_DECL(i) __m256 r##i = _mm256_set1_ps((float)(i));
#define PEAK_STEP(i) r##i = _mm256_fmadd_ps(r##i, mul, add);
#define PEAK_SUM(i) sum = _mm256_add_ps(sum, r##i);
	PEAK_REPEAT(PEAK_DECL)
	for (int64_t it = 0; it < iters; it++) {
		PEAK_REPEAT(PEAK_STEP)
	}
	__m256 sum = _mm256_setzero_ps();
	PEAK_REPEAT(PEAK_SUM)
	float lanes[8];
	_mm256_storeu_ps(lanes, sum);
	return lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] +
	       lanes[7];
#undef PEAK_DECL
#undef PEAK_STEP
#undef PEAK_SUM
}

/* No FMA: a multiply and an add per lane, counted as 2 flops. */
static float peak_loop_sse(int64_t iters)
{
	__m128 mul = _mm_set1_ps(0.9999999f), add = _mm_set1_ps(1e-7f);
#define PEAK_DECL(i) __m128 r##i = _mm_set1_ps((float)(i));
#define PEAK_STEP(i) r##i = _mm_add_ps(_mm_mul_ps(r##i, mul), add);
#define PEAK_SUM(i) sum = _mm_add_ps(sum, r##i);
	PEAK_REPEAT(PEAK_DECL)
	for (int64_t it = 0; it < iters; it++) {
		PEAK_REPEAT(PEAK_STEP)
	}
	__m128 sum = _mm_setzero_ps();
	PEAK_REPEAT(PEAK_SUM)
	float lanes[4];
	_mm_storeu_ps(lanes, sum);
	return lanes[0] + lanes[1] + lanes[2] + lanes[3];
#undef PEAK_DECL
#undef PEAK_STEP
#undef PEAK_SUM
}

static int peak_has_avx512(void)
{
	return __builtin_cpu_supports("avx512f");
}

static int peak_has_avx2(void)
{
	return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

static int peak_has_sse(void)
{
	return __builtin_cpu_supports("sse2");
}
#endif

static float peak_loop_scalar(int64_t iters)
{
	volatile float mul_v = 0.9999999f, add_v = 1e-7f; /* keeps the loop scalar and honest */
	float mul = mul_v, add = add_v;
#define PEAK_DECL(i) float r##i = (float)(i);
#define PEAK_STEP(i) r##i = r##i * mul + add;
#define PEAK_SUM(i) sum += r##i;
	PEAK_REPEAT(PEAK_DECL)
	for (int64_t it = 0; it < iters; it++) {
		PEAK_REPEAT(PEAK_STEP)
	}
	float sum = 0;
	PEAK_REPEAT(PEAK_SUM)
	return sum;
#undef PEAK_DECL
#undef PEAK_STEP
#undef PEAK_SUM
}

static int peak_has_scalar(void)
{
	return 1;
}

/* X(name, lanes, fused): the loops above, best first; the peak column uses the first one the
 * CPU supports unless --peak-isa picks another. */
#if BENCH_X86
#define PEAK_ISAS(X)                                                                               \
	X(avx512, 16, 1)                                                                           \
	X(avx2, 8, 1)                                                                              \
	X(sse, 4, 0)                                                                               \
	X(scalar, 1, 0)
#else
#define PEAK_ISAS(X) X(scalar, 1, 0)
#endif

typedef struct peak_isa {
	const char *name;
	int lanes;
	int fused; /* 1: FMA instructions; 0: separate multiply and add */
	int (*supported)(void);
	float (*loop)(int64_t iters);
} peak_isa;

/* clang-format off */
static const peak_isa peak_isas[] = {
#define PEAK_ISA_ROW(isa, lanes, fused) {#isa, lanes, fused, peak_has_##isa, peak_loop_##isa},
	PEAK_ISAS(PEAK_ISA_ROW)
#undef PEAK_ISA_ROW
};
/* clang-format on */
#define PEAK_NISAS ((int)SB_ARRAY_LEN(peak_isas))

typedef struct peak_env {
	const peak_isa *isa;
	int64_t iters;
	int team; /* threads that actually ran */
	volatile float sink;
} peak_env;

static int peak_run(void *env)
{
	peak_env *e = env;
	float sink = 0;
	int team = 0;
#pragma omp parallel reduction(+ : sink, team)
	{
		sink += e->isa->loop(e->iters);
		team += 1;
	}
	e->sink += sink;
	e->team = team;
	return 0;
}

/* GFLOP/s of `isa` on the current OpenMP thread count. */
static double peak_measure(const peak_isa *isa, const bench_options *opt, int *noisy)
{
	peak_env env = {.isa = isa, .iters = 1 << 20};
	/* Every ratio is against this figure: worth waiting longer for clean samples. */
	double t = bench_measure(peak_run, &env, opt, 10, noisy);
	double flops = 2.0 * PEAK_CHAINS * isa->lanes * (double)env.iters * env.team;
	return flops / t * 1e-9;
}

/* ---- Memory bandwidth: c = a + b, STREAM's "add" ---- */

typedef struct stream_env {
	const float *a, *b;
	float *c;
	int64_t count;
} stream_env;

static int stream_add_run(void *env)
{
	stream_env *e = env;
	const float *restrict a = e->a, *restrict b = e->b;
	float *restrict c = e->c;
	int64_t n = e->count;
#pragma omp parallel for schedule(static)
	for (int64_t i = 0; i < n; i++)
		c[i] = a[i] + b[i];
	return 0;
}

/* ---- Kernel kinds: buffers, work, reference check, oneDNN set-up ---- */

/* The oneDNN side of one (benchmark, thread count). Plain user buffers are bound directly where
 * the primitive takes the plain layout; otherwise a library-owned memory in the primitive's
 * layout is bound, filled by a reorder once (inputs) or reordered back after the checked run
 * (outputs), never inside the timed loop. */
typedef struct dnnl_bench {
	dnnl_engine_t engine;
	dnnl_stream_t stream;
	dnnl_primitive_t prim;
	dnnl_exec_arg_t args[BENCH_MAX_ARGS];
	int nargs;
	dnnl_memory_t owned[2 * BENCH_MAX_ARGS];
	int nowned;
	/* outputs whose layout differs from plain: library memory -> user buffer */
	dnnl_memory_t back_from[BENCH_MAX_ARGS], back_to[BENCH_MAX_ARGS];
	int nback;
	char impl[64];
	char layouts[256];
} dnnl_bench;

/* One execute argument: which, its plain layout, and the user's buffer. */
typedef struct dnnl_binding {
	int arg;
	dnnl_memory_desc_t plain;
	float *data;
	int is_output;
	const char *label; /* for the layout note; NULL: not worth a note */
} dnnl_binding;

typedef struct bench_kind_ops {
	int nin, nout;
	unsigned weights; /* bit i: input i is a weight */
	void (*sizes)(const bench_shape *s, int64_t *in, int64_t *out);
	double (*work)(const bench_shape *s); /* flops, or bytes read + written */
	sb_status (*check)(const bench_shape *s, const float *const *in, const float *out);
	/* Builds the op descriptor into `desc` and fills `b` (inputs then outputs). With
	 * `any_act`, activations too take oneDNN's preferred layout (kinds that have one). */
	sb_status (*dnnl_desc)(const bench_shape *s, int any_act, void *desc, dnnl_binding *b,
			       float *const *in, float *const *out);
} bench_kind_ops;

static sb_status dnnl_check(dnnl_status_t st, const char *what)
{
	if (st == dnnl_success)
		return SB_OK;
	return sb_set_error(SB_ERR_UNSUPPORTED, "oneDNN %s: %s", what, dnnl_status2str(st));
}
#define DNNL_TRY(call)                                                                             \
	do {                                                                                       \
		sb_status st_ = dnnl_check((call), #call);                                         \
		if (st_ != SB_OK)                                                                  \
			return st_;                                                                \
	} while (0)

static dnnl_memory_desc_t dnnl_plain(int ndims, const dnnl_dims_t dims)
{
	static const dnnl_format_tag_t tags[] = {
	    dnnl_format_tag_undef, dnnl_a, dnnl_ab, dnnl_abc, dnnl_abcd, dnnl_abcde};
	dnnl_memory_desc_t md;
	SB_ASSERT(ndims >= 1 && ndims < (int)SB_ARRAY_LEN(tags));
	dnnl_status_t st = dnnl_memory_desc_init_by_tag(&md, ndims, dims, dnnl_f32, tags[ndims]);
	SB_ASSERT(st == dnnl_success);
	return md;
}

static dnnl_memory_desc_t dnnl_any(int ndims, const dnnl_dims_t dims)
{
	dnnl_memory_desc_t md;
	dnnl_status_t st =
	    dnnl_memory_desc_init_by_tag(&md, ndims, dims, dnnl_f32, dnnl_format_tag_any);
	SB_ASSERT(st == dnnl_success);
	return md;
}

/* oneDNN's own spelling of a blocked layout: dims ordered by stride, upper case where blocked,
 * then the inner blocks ("abcd" plain NCHW, "aBcd16b" nChw16c, "BA16a64b4a"...). */
static void dnnl_layout_name(const dnnl_memory_desc_t *md, char *buf, size_t size)
{
	if (md->format_kind != dnnl_blocked) {
		snprintf(buf, size, "%s", dnnl_fmt_kind2str(md->format_kind));
		return;
	}
	const dnnl_blocking_desc_t *bd = &md->format_desc.blocking;
	int order[DNNL_MAX_NDIMS];
	for (int i = 0; i < md->ndims; i++)
		order[i] = i;
	for (int i = 1; i < md->ndims; i++) /* stable insertion sort, outermost first */
		for (int j = i; j > 0 && bd->strides[order[j]] > bd->strides[order[j - 1]]; j--) {
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	size_t n = 0;
	for (int i = 0; i < md->ndims && n + 1 < size; i++) {
		int blocked = 0;
		for (int k = 0; k < bd->inner_nblks; k++)
			blocked |= bd->inner_idxs[k] == order[i];
		buf[n++] = (char)((blocked ? 'A' : 'a') + order[i]);
	}
	buf[n] = '\0';
	for (int k = 0; k < bd->inner_nblks && n + 1 < size; k++)
		n += (size_t)snprintf(buf + n, size - n, "%lld%c", (long long)bd->inner_blks[k],
				      (char)('a' + bd->inner_idxs[k]));
}

static sb_status dnnl_reorder_once(dnnl_bench *d, const dnnl_memory_desc_t *from_md,
				   dnnl_memory_t from, const dnnl_memory_desc_t *to_md,
				   dnnl_memory_t to)
{
	dnnl_primitive_desc_t pd;
	dnnl_primitive_t r;
	DNNL_TRY(
	    dnnl_reorder_primitive_desc_create(&pd, from_md, d->engine, to_md, d->engine, NULL));
	dnnl_status_t st = dnnl_primitive_create(&r, pd);
	dnnl_primitive_desc_destroy(pd);
	DNNL_TRY(st);
	dnnl_exec_arg_t args[2] = {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}};
	st = dnnl_primitive_execute(r, d->stream, 2, args);
	if (st == dnnl_success)
		st = dnnl_stream_wait(d->stream);
	dnnl_primitive_destroy(r);
	DNNL_TRY(st);
	return SB_OK;
}

static dnnl_memory_t dnnl_bench_own(dnnl_bench *d, dnnl_memory_t m)
{
	SB_ASSERT(d->nowned < (int)SB_ARRAY_LEN(d->owned));
	d->owned[d->nowned++] = m;
	return m;
}

static void dnnl_bench_release(dnnl_bench *d)
{
	if (d->prim)
		dnnl_primitive_destroy(d->prim);
	for (int i = 0; i < d->nowned; i++)
		dnnl_memory_destroy(d->owned[i]);
	d->prim = NULL;
	d->nowned = d->nargs = d->nback = 0;
}

/* Creates the primitive for `desc` at the current thread count (oneDNN sizes its blocking by
 * omp_get_max_threads at creation) and binds the buffers. */
static sb_status dnnl_bench_create(dnnl_bench *d, const void *desc, const dnnl_binding *b, int nb)
{
	dnnl_primitive_desc_t pd;
	DNNL_TRY(dnnl_primitive_desc_create(&pd, desc, NULL, d->engine, NULL));
	const char *impl = "?";
	dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl);
	snprintf(d->impl, sizeof d->impl, "%s", impl);
	d->layouts[0] = '\0';

	sb_status st = SB_OK;
	for (int i = 0; i < nb && st == SB_OK; i++) {
		const dnnl_memory_desc_t *want =
		    dnnl_primitive_desc_query_md(pd, dnnl_query_exec_arg_md, b[i].arg);
		dnnl_memory_t user, bound;
		if (!want || want->ndims == 0) {
			st = sb_set_error(SB_ERR_INTERNAL,
					  "oneDNN primitive %s takes no argument %d", impl,
					  b[i].arg);
			break;
		}
		st = dnnl_check(dnnl_memory_create(&user, &b[i].plain, d->engine, b[i].data),
				"dnnl_memory_create");
		if (st != SB_OK)
			break;
		dnnl_bench_own(d, user);
		bound = user;
		if (!dnnl_memory_desc_equal(want, &b[i].plain)) {
			st = dnnl_check(
			    dnnl_memory_create(&bound, want, d->engine, DNNL_MEMORY_ALLOCATE),
			    "dnnl_memory_create");
			if (st != SB_OK)
				break;
			dnnl_bench_own(d, bound);
			if (b[i].is_output) {
				d->back_from[d->nback] = bound;
				d->back_to[d->nback++] = user;
			} else {
				st = dnnl_reorder_once(d, &b[i].plain, user, want, bound);
			}
		}
		if (b[i].label) {
			char name[64];
			size_t n = strlen(d->layouts);
			dnnl_layout_name(want, name, sizeof name);
			snprintf(d->layouts + n, sizeof d->layouts - n, "%s%s %s", n ? ", " : "",
				 b[i].label, name);
		}
		d->args[d->nargs++] = (dnnl_exec_arg_t){b[i].arg, bound};
	}
	if (st == SB_OK)
		st = dnnl_check(dnnl_primitive_create(&d->prim, pd), "dnnl_primitive_create");
	dnnl_primitive_desc_destroy(pd);
	return st;
}

static int dnnl_bench_run(void *env)
{
	dnnl_bench *d = env;
	dnnl_status_t st = dnnl_primitive_execute(d->prim, d->stream, d->nargs, d->args);
	if (st == dnnl_success)
		st = dnnl_stream_wait(d->stream);
	return dnnl_check(st, "dnnl_primitive_execute") != SB_OK;
}

/* Brings outputs held in a oneDNN layout back into the plain user buffers, for the check. */
static sb_status dnnl_bench_outputs_back(dnnl_bench *d)
{
	for (int i = 0; i < d->nback; i++) {
		const dnnl_memory_desc_t *from_md, *to_md;
		DNNL_TRY(dnnl_memory_get_memory_desc(d->back_from[i], &from_md));
		DNNL_TRY(dnnl_memory_get_memory_desc(d->back_to[i], &to_md));
		sb_status st = dnnl_reorder_once(d, from_md, d->back_from[i], to_md, d->back_to[i]);
		if (st != SB_OK)
			return st;
	}
	return SB_OK;
}

/* Tolerance for a dot product of fp32 values accumulated in any order: relative to the sum of
 * the magnitudes of the terms, far below the error of a wrong layout or a missing term. */
#define CHECK_DOT_RTOL 1e-4
#define CHECK_DOT_ATOL 1e-5

static sb_status check_value(const char *what, int64_t at, double got, double ref, double tol)
{
	if (fabs(got - ref) <= tol) /* false for NaN */
		return SB_OK;
	return sb_set_error(SB_ERR_INVALID,
			    "wrong result: %s[%lld] = %.7g, reference %.7g (tolerance %.3g)", what,
			    (long long)at, got, ref, tol);
}

/* matmul: C[m,n] = A[m,k] B[k,n] */

static void matmul_sizes(const bench_shape *s, int64_t *in, int64_t *out)
{
	in[0] = s->m * s->k;
	in[1] = s->k * s->n;
	out[0] = s->m * s->n;
}

static double matmul_work(const bench_shape *s)
{
	return 2.0 * (double)s->m * (double)s->k * (double)s->n;
}

/* Eight rows spread over M (first and last included), every column. */
static sb_status matmul_check(const bench_shape *s, const float *const *in, const float *out)
{
	const float *a = in[0], *b = in[1];
	double *ref = calloc((size_t)s->n, sizeof *ref), *mag = calloc((size_t)s->n, sizeof *mag);
	sb_status st = SB_OK;
	SB_ASSERT(ref && mag);
	int rows = (int)SB_MIN(s->m, 8);
	for (int ri = 0; ri < rows && st == SB_OK; ri++) {
		int64_t i = rows > 1 ? ri * (s->m - 1) / (rows - 1) : 0;
		memset(ref, 0, (size_t)s->n * sizeof *ref);
		memset(mag, 0, (size_t)s->n * sizeof *mag);
		for (int64_t p = 0; p < s->k; p++) {
			double av = a[i * s->k + p];
			const float *brow = b + p * s->n;
			for (int64_t j = 0; j < s->n; j++) {
				ref[j] += av * brow[j];
				mag[j] += fabs(av * brow[j]);
			}
		}
		for (int64_t j = 0; j < s->n && st == SB_OK; j++)
			st = check_value("C", i * s->n + j, out[i * s->n + j], ref[j],
					 CHECK_DOT_RTOL * mag[j] + CHECK_DOT_ATOL);
	}
	free(ref);
	free(mag);
	return st;
}

static sb_status matmul_dnnl_desc(const bench_shape *s, int any_act, void *desc, dnnl_binding *b,
				  float *const *in, float *const *out)
{
	dnnl_dims_t ad = {s->m, s->k}, bd = {s->k, s->n}, cd = {s->m, s->n};
	dnnl_memory_desc_t a = dnnl_plain(2, ad), w = dnnl_any(2, bd), c = dnnl_plain(2, cd);
	DNNL_TRY(dnnl_matmul_desc_init(desc, &a, &w, NULL, &c));
	b[0] = (dnnl_binding){DNNL_ARG_SRC, a, in[0], 0, NULL};
	b[1] = (dnnl_binding){DNNL_ARG_WEIGHTS, dnnl_plain(2, bd), in[1], 0, "B"};
	b[2] = (dnnl_binding){DNNL_ARG_DST, c, out[0], 1, NULL};
	return SB_OK;
}

/* conv2d: NCHW activations, OIHW weights (GOIHW to oneDNN when grouped) */

static int64_t conv_out_h(const bench_shape *s)
{
	return (s->height + 2 * s->pad - s->kernel_h) / s->stride + 1;
}

static int64_t conv_out_w(const bench_shape *s)
{
	return (s->width + 2 * s->pad - s->kernel_w) / s->stride + 1;
}

static void conv2d_sizes(const bench_shape *s, int64_t *in, int64_t *out)
{
	in[0] = s->batch * s->in_channels * s->height * s->width;
	in[1] = s->out_channels * (s->in_channels / s->groups) * s->kernel_h * s->kernel_w;
	out[0] = s->batch * s->out_channels * conv_out_h(s) * conv_out_w(s);
}

static double conv2d_work(const bench_shape *s)
{
	return 2.0 * (double)(s->batch * s->out_channels * conv_out_h(s) * conv_out_w(s)) *
	       (double)(s->in_channels / s->groups * s->kernel_h * s->kernel_w);
}

/* One output point y[n,k,oy,ox] in double, with the sum of the terms' magnitudes. */
static void conv2d_ref_point(const bench_shape *s, const float *x, const float *w, int64_t n,
			     int64_t k, int64_t oy, int64_t ox, double *ref, double *mag)
{
	int64_t cg = s->in_channels / s->groups, g = k / (s->out_channels / s->groups);
	*ref = *mag = 0;
	for (int64_t c = 0; c < cg; c++) {
		const float *xc = x + (n * s->in_channels + g * cg + c) * s->height * s->width;
		const float *wc = w + (k * cg + c) * s->kernel_h * s->kernel_w;
		for (int64_t ky = 0; ky < s->kernel_h; ky++) {
			int64_t iy = oy * s->stride - s->pad + ky;
			for (int64_t kx = 0; kx < s->kernel_w; kx++) {
				int64_t ix = ox * s->stride - s->pad + kx;
				if (iy < 0 || iy >= s->height || ix < 0 || ix >= s->width)
					continue;
				double t =
				    (double)xc[iy * s->width + ix] * wc[ky * s->kernel_w + kx];
				*ref += t;
				*mag += fabs(t);
			}
		}
	}
}

/* Output rows 0, 1, middle and last (top/bottom padding), every batch, channel and column. */
static sb_status conv2d_check(const bench_shape *s, const float *const *in, const float *out)
{
	int64_t oh = conv_out_h(s), ow = conv_out_w(s);
	int64_t rows[4] = {0, SB_MIN(1, oh - 1), oh / 2, oh - 1};
	sb_status st = SB_OK;
	for (int64_t n = 0; n < s->batch; n++)
		for (int64_t k = 0; k < s->out_channels; k++)
			for (int ri = 0; ri < 4; ri++)
				for (int64_t ox = 0; ox < ow && st == SB_OK; ox++) {
					double ref, mag;
					int64_t at =
					    ((n * s->out_channels + k) * oh + rows[ri]) * ow + ox;
					conv2d_ref_point(s, in[0], in[1], n, k, rows[ri], ox, &ref,
							 &mag);
					st = check_value("y", at, out[at], ref,
							 CHECK_DOT_RTOL * mag + CHECK_DOT_ATOL);
				}
	return st;
}

static sb_status conv2d_dnnl_desc(const bench_shape *s, int any_act, void *desc, dnnl_binding *b,
				  float *const *in, float *const *out)
{
	dnnl_dims_t xd = {s->batch, s->in_channels, s->height, s->width};
	dnnl_dims_t yd = {s->batch, s->out_channels, conv_out_h(s), conv_out_w(s)};
	int64_t cg = s->in_channels / s->groups, kg = s->out_channels / s->groups;
	dnnl_dims_t wdims = {s->out_channels, cg, s->kernel_h, s->kernel_w};
	dnnl_dims_t strides = {s->stride, s->stride}, pad = {s->pad, s->pad};
	/* OIHW and GOIHW (with O = out/groups) are the same bytes. */
	int wn = 4;
	if (s->groups > 1) {
		wn = 5;
		memcpy(wdims, (dnnl_dims_t){s->groups, kg, cg, s->kernel_h, s->kernel_w},
		       sizeof wdims);
	}
	dnnl_memory_desc_t x = any_act ? dnnl_any(4, xd) : dnnl_plain(4, xd);
	dnnl_memory_desc_t y = any_act ? dnnl_any(4, yd) : dnnl_plain(4, yd);
	dnnl_memory_desc_t w = dnnl_any(wn, wdims);
	DNNL_TRY(dnnl_convolution_forward_desc_init(desc, dnnl_forward_inference,
						    dnnl_convolution_direct, &x, &w, NULL, &y,
						    strides, pad, pad));
	b[0] = (dnnl_binding){DNNL_ARG_SRC, dnnl_plain(4, xd), in[0], 0, "x"};
	b[1] = (dnnl_binding){DNNL_ARG_WEIGHTS, dnnl_plain(wn, wdims), in[1], 0, "w"};
	b[2] = (dnnl_binding){DNNL_ARG_DST, dnnl_plain(4, yd), out[0], 1, "y"};
	return SB_OK;
}

/* softmax over the last axis of [rows, cols] */

static void softmax_sizes(const bench_shape *s, int64_t *in, int64_t *out)
{
	in[0] = out[0] = s->rows * s->cols;
}

static double softmax_work(const bench_shape *s)
{
	return 2.0 * (double)(s->rows * s->cols) * sizeof(float);
}

static sb_status softmax_check(const bench_shape *s, const float *const *in, const float *out)
{
	sb_status st = SB_OK;
	for (int64_t r = 0; r < s->rows && st == SB_OK; r++) {
		const float *x = in[0] + r * s->cols;
		double mx = x[0], sum = 0;
		for (int64_t j = 1; j < s->cols; j++)
			mx = fmax(mx, x[j]);
		for (int64_t j = 0; j < s->cols; j++)
			sum += exp(x[j] - mx);
		for (int64_t j = 0; j < s->cols && st == SB_OK; j++) {
			double ref = exp(x[j] - mx) / sum;
			st = check_value("y", r * s->cols + j, out[r * s->cols + j], ref,
					 1e-4 * ref + 1e-7);
		}
	}
	return st;
}

static sb_status softmax_dnnl_desc(const bench_shape *s, int any_act, void *desc, dnnl_binding *b,
				   float *const *in, float *const *out)
{
	dnnl_dims_t dims = {s->rows, s->cols};
	dnnl_memory_desc_t md = dnnl_plain(2, dims);
	DNNL_TRY(dnnl_softmax_forward_desc_init(desc, dnnl_forward_inference, &md, 1));
	b[0] = (dnnl_binding){DNNL_ARG_SRC, md, in[0], 0, NULL};
	b[1] = (dnnl_binding){DNNL_ARG_DST, md, out[0], 1, NULL};
	return SB_OK;
}

/* layer_norm over the last axis of [rows, cols], with gamma and beta */

static void layer_norm_sizes(const bench_shape *s, int64_t *in, int64_t *out)
{
	in[0] = out[0] = s->rows * s->cols;
	in[1] = in[2] = s->cols;
}

static double layer_norm_work(const bench_shape *s)
{
	return (2.0 * (double)(s->rows * s->cols) + 2.0 * (double)s->cols) * sizeof(float);
}

static sb_status layer_norm_check(const bench_shape *s, const float *const *in, const float *out)
{
	const float *gamma = in[1], *beta = in[2];
	sb_status st = SB_OK;
	for (int64_t r = 0; r < s->rows && st == SB_OK; r++) {
		const float *x = in[0] + r * s->cols;
		double mean = 0, var = 0;
		for (int64_t j = 0; j < s->cols; j++)
			mean += x[j];
		mean /= (double)s->cols;
		for (int64_t j = 0; j < s->cols; j++)
			var += (x[j] - mean) * (x[j] - mean);
		var /= (double)s->cols;
		double inv = 1.0 / sqrt(var + s->epsilon);
		for (int64_t j = 0; j < s->cols && st == SB_OK; j++) {
			double ref = (x[j] - mean) * inv * gamma[j] + beta[j];
			st = check_value("y", r * s->cols + j, out[r * s->cols + j], ref,
					 1e-4 * fabs(ref) + 1e-4);
		}
	}
	return st;
}

static sb_status layer_norm_dnnl_desc(const bench_shape *s, int any_act, void *desc,
				      dnnl_binding *b, float *const *in, float *const *out)
{
	dnnl_dims_t dims = {s->rows, s->cols}, cdims = {s->cols};
	dnnl_memory_desc_t md = dnnl_plain(2, dims), cmd = dnnl_plain(1, cdims);
	DNNL_TRY(dnnl_layer_normalization_forward_desc_init(
	    desc, dnnl_forward_inference, &md, NULL, s->epsilon, dnnl_use_scale | dnnl_use_shift));
	b[0] = (dnnl_binding){DNNL_ARG_SRC, md, in[0], 0, NULL};
	b[1] = (dnnl_binding){DNNL_ARG_SCALE, cmd, in[1], 0, NULL};
	b[2] = (dnnl_binding){DNNL_ARG_SHIFT, cmd, in[2], 0, NULL};
	b[3] = (dnnl_binding){DNNL_ARG_DST, md, out[0], 1, NULL};
	return SB_OK;
}

/* add: c = a + b */

static void add_sizes(const bench_shape *s, int64_t *in, int64_t *out)
{
	in[0] = in[1] = out[0] = s->count;
}

static double add_work(const bench_shape *s)
{
	return 3.0 * (double)s->count * sizeof(float);
}

static sb_status add_check(const bench_shape *s, const float *const *in, const float *out)
{
	sb_status st = SB_OK;
	for (int64_t i = 0; i < s->count && st == SB_OK; i++)
		if (out[i] != in[0][i] + in[1][i]) /* one fp32 rounding: exact */
			st = check_value("c", i, out[i], (double)(in[0][i] + in[1][i]), 0);
	return st;
}

static sb_status add_dnnl_desc(const bench_shape *s, int any_act, void *desc, dnnl_binding *b,
			       float *const *in, float *const *out)
{
	dnnl_dims_t dims = {s->count};
	dnnl_memory_desc_t md = dnnl_plain(1, dims);
	DNNL_TRY(dnnl_binary_desc_init(desc, dnnl_binary_add, &md, &md, &md));
	b[0] = (dnnl_binding){DNNL_ARG_SRC_0, md, in[0], 0, NULL};
	b[1] = (dnnl_binding){DNNL_ARG_SRC_1, md, in[1], 0, NULL};
	b[2] = (dnnl_binding){DNNL_ARG_DST, md, out[0], 1, NULL};
	return SB_OK;
}

/* clang-format off */
static const bench_kind_ops bench_kinds[] = {
#define BENCH_KIND_OPS(kind, nin_, nout_, weights_)                                                \
	[BENCH_KIND_##kind] = {.nin = nin_,                                                        \
			       .nout = nout_,                                                      \
			       .weights = weights_,                                                \
			       .sizes = kind##_sizes,                                              \
			       .work = kind##_work,                                                \
			       .check = kind##_check,                                              \
			       .dnnl_desc = kind##_dnnl_desc},
	BENCH_KERNEL_KINDS(BENCH_KIND_OPS)
#undef BENCH_KIND_OPS
};
/* clang-format on */
_Static_assert(SB_ARRAY_LEN(bench_kinds) == BENCH_KIND_COUNT, "one ops row per kernel kind");

/* GFLOP/s against the FMA peak; the others are GB/s against the add bandwidth. */
static int bench_kind_compute_bound(bench_kind k)
{
	return k == BENCH_KIND_matmul || k == BENCH_KIND_conv2d;
}

static const bench_generated_kernel *bench_generated_entry(bench_kind k)
{
	switch (k) {
#define BENCH_KIND_ENTRY(kind, nin, nout, weights)                                                 \
	case BENCH_KIND_##kind:                                                                    \
		return &bench_generated_kernels.kind;
		BENCH_KERNEL_KINDS(BENCH_KIND_ENTRY)
#undef BENCH_KIND_ENTRY
	case BENCH_KIND_COUNT:
		break;
	}
	SB_UNREACHABLE();
}

/* ---- The benchmarks ---- */

typedef struct bench_case {
	const char *name;
	const char *what; /* problem and layouts, for the header */
	bench_shape shape;
	/* oneDNN only, activations in its preferred layout too (reordered outside the timed
	 * loop, as inside a network of oneDNN calls): what oneDNN can do, beside what it does on
	 * the plain layouts the generated kernels use. */
	int dnnl_any_act;
} bench_case;

/* clang-format off */
static const bench_case bench_cases[] = {
	{"matmul_1024x1024x1024",
	 "C[M,N] = A[M,K] B[K,N], M=K=N=1024; A, C row-major; B treated as weights",
	 {.kind = BENCH_KIND_matmul, .m = 1024, .k = 1024, .n = 1024}},
	{"matmul_128x768x3072",
	 "M=128 K=768 N=3072 (BERT-base FFN up-projection, 128 tokens); A, C row-major; B weights",
	 {.kind = BENCH_KIND_matmul, .m = 128, .k = 768, .n = 3072}},
	{"conv2d_3x3_c64k64_56x56",
	 "N=1 C=K=64 56x56, 3x3, stride 1, pad 1 (ResNet stage 1); x, y NCHW; w weights",
	 {.kind = BENCH_KIND_conv2d, .batch = 1, .in_channels = 64, .out_channels = 64,
	  .height = 56, .width = 56, .kernel_h = 3, .kernel_w = 3, .stride = 1, .pad = 1,
	  .groups = 1}},
	{"dwconv2d_3x3_c144_56x56",
	 "depthwise, N=1 C=K=groups=144 56x56, 3x3, stride 1, pad 1 (MobileNetV2 block 3); x, y NCHW",
	 {.kind = BENCH_KIND_conv2d, .batch = 1, .in_channels = 144, .out_channels = 144,
	  .height = 56, .width = 56, .kernel_h = 3, .kernel_w = 3, .stride = 1, .pad = 1,
	  .groups = 144}},
	{"conv2d_3x3_c64k64_56x56_dnnl_layout",
	 "the same conv2d, oneDNN only: x, y in oneDNN's preferred layout too",
	 {.kind = BENCH_KIND_conv2d, .batch = 1, .in_channels = 64, .out_channels = 64,
	  .height = 56, .width = 56, .kernel_h = 3, .kernel_w = 3, .stride = 1, .pad = 1,
	  .groups = 1},
	 .dnnl_any_act = 1},
	{"dwconv2d_3x3_c144_56x56_dnnl_layout",
	 "the same depthwise conv2d, oneDNN only: x, y in oneDNN's preferred layout too",
	 {.kind = BENCH_KIND_conv2d, .batch = 1, .in_channels = 144, .out_channels = 144,
	  .height = 56, .width = 56, .kernel_h = 3, .kernel_w = 3, .stride = 1, .pad = 1,
	  .groups = 144},
	 .dnnl_any_act = 1},
	{"softmax_128x768", "softmax over the last axis of [128, 768], row-major (1.5 MB in + out)",
	 {.kind = BENCH_KIND_softmax, .rows = 128, .cols = 768}},
	{"layer_norm_128x768",
	 "layer_norm over the last axis of [128, 768] with gamma, beta, eps 1e-5, row-major",
	 {.kind = BENCH_KIND_layer_norm, .rows = 128, .cols = 768, .epsilon = 1e-5f}},
	{"add_64MB", "c = a + b, 16M floats (64 MB) each", {.kind = BENCH_KIND_add,
							     .count = 16 << 20}},
};
/* clang-format on */

enum { BENCH_NOISY_GENERATED = 1, BENCH_NOISY_ONEDNN = 2, BENCH_NOISY_PEAK = 4 };

typedef struct bench_record {
	const char *name;
	int threads;
	int ti; /* index into --threads */
	const char *unit;
	double generated, onednn, peak; /* NAN: not available */
	unsigned noisy;			/* BENCH_NOISY_*: median over preempted samples too */
	char impl[64];			/* oneDNN implementation */
	char layouts[256];		/* oneDNN layouts that differ from plain */
} bench_record;

/* A machine figure, measured before and after the kernels: a passing slowdown of one pass does
 * not lower the reference every ratio is taken against. */
typedef struct machine_figure {
	double value;
	int noisy;
	int measured;
} machine_figure;

typedef struct bench_run {
	bench_options opt;
	dnnl_engine_t engine;
	dnnl_stream_t stream;
	const peak_isa *chosen;				    /* behind the peak column */
	machine_figure peak[PEAK_NISAS][BENCH_MAX_THREADS]; /* GFLOP/s */
	machine_figure bandwidth[BENCH_MAX_THREADS];	    /* GB/s */
	SB_VEC(bench_record) records; /* kernels; peak filled in by bench_collect */
	int failures;
} bench_run;

typedef union dnnl_op_desc {
	dnnl_matmul_desc_t matmul;
	dnnl_convolution_desc_t conv;
	dnnl_softmax_desc_t softmax;
	dnnl_layer_normalization_desc_t layer_norm;
	dnnl_binary_desc_t binary;
} dnnl_op_desc;

typedef struct generated_env {
	const bench_generated_kernel *gk;
	void *kernel;
	const float *const *in;
	float *const *out;
} generated_env;

static int generated_run(void *env)
{
	generated_env *e = env;
	return e->gk->run(e->kernel, e->in, e->out) != SB_OK;
}

static void bench_fail(bench_run *run, const char *name, int threads, const char *side)
{
	if (threads > 0)
		fprintf(stderr, "kernels: %s, %d thread(s), %s: %s\n", name, threads, side,
			sb_last_error());
	else
		fprintf(stderr, "kernels: %s, %s: %s\n", name, side, sb_last_error());
	run->failures++;
}

/* Checks the output of one call against the reference, then times. Returns GFLOP/s or GB/s,
 * NAN on failure. `d` is the oneDNN side (outputs may need reordering back), else NULL. */
static double bench_side(bench_run *run, const bench_case *c, int threads, const char *side,
			 bench_fn fn, void *env, dnnl_bench *d, float *const *in, float *const *out,
			 int *noisy)
{
	const bench_kind_ops *k = &bench_kinds[c->shape.kind];
	int64_t in_sizes[BENCH_MAX_ARGS], out_sizes[BENCH_MAX_ARGS];
	k->sizes(&c->shape, in_sizes, out_sizes);
	for (int o = 0; o < k->nout; o++)
		memset(out[o], 0xff, (size_t)out_sizes[o] * sizeof(float)); /* NaN: unwritten */
	sb_clear_error();
	if (fn(env) || (d && dnnl_bench_outputs_back(d) != SB_OK) ||
	    k->check(&c->shape, (const float *const *)in, out[0]) != SB_OK) {
		bench_fail(run, c->name, threads, side);
		return NAN;
	}
	double t = bench_measure(fn, env, &run->opt, 3, noisy);
	if (isnan(t)) {
		bench_fail(run, c->name, threads, side);
		return NAN;
	}
	return k->work(&c->shape) / t * 1e-9;
}

static void bench_case_run(bench_run *run, const bench_case *c)
{
	const bench_kind_ops *k = &bench_kinds[c->shape.kind];
	const bench_generated_kernel *gk = bench_generated_entry(c->shape.kind);
	int compute = bench_kind_compute_bound(c->shape.kind);
	int64_t in_sizes[BENCH_MAX_ARGS], out_sizes[BENCH_MAX_ARGS];
	float *in[BENCH_MAX_ARGS] = {0}, *out_dnnl[BENCH_MAX_ARGS] = {0},
	      *out_gen[BENCH_MAX_ARGS] = {0};
	const float *constants[BENCH_MAX_ARGS] = {0};

	k->sizes(&c->shape, in_sizes, out_sizes);
	for (int i = 0; i < k->nin; i++) {
		in[i] = bench_alloc(in_sizes[i]);
		bench_fill(in[i], in_sizes[i], (uint32_t)(i + 1));
		if (k->weights >> i & 1)
			constants[i] = in[i];
	}
	for (int o = 0; o < k->nout; o++) {
		out_dnnl[o] = bench_alloc(out_sizes[o]);
		out_gen[o] = gk->run && !c->dnnl_any_act ? bench_alloc(out_sizes[o]) : NULL;
	}

	void *kernel = NULL;
	int have_gen = gk->run != NULL && !c->dnnl_any_act;
	if (have_gen && gk->prepare) {
		sb_clear_error();
		kernel = gk->prepare(&c->shape, constants);
		if (!kernel) {
			bench_fail(run, c->name, 0, "generated prepare");
			have_gen = 0;
		}
	}

	for (int ti = 0; ti < run->opt.nthreads; ti++) {
		int threads = run->opt.threads[ti];
		bench_record rec = {.name = c->name,
				    .threads = threads,
				    .ti = ti,
				    .unit = compute ? "GFLOP/s" : "GB/s",
				    .generated = NAN,
				    .onednn = NAN,
				    .peak = NAN};
		int noisy;
		omp_set_num_threads(threads);

		if (have_gen) {
			noisy = 0;
			generated_env env = {gk, kernel, (const float *const *)in, out_gen};
			rec.generated = bench_side(run, c, threads, "generated", generated_run,
						   &env, NULL, in, out_gen, &noisy);
			rec.noisy |= noisy ? BENCH_NOISY_GENERATED : 0;
		}

		dnnl_bench d = {.engine = run->engine, .stream = run->stream};
		dnnl_op_desc desc;
		dnnl_binding b[BENCH_MAX_ARGS];
		sb_clear_error();
		if (k->dnnl_desc(&c->shape, c->dnnl_any_act, &desc, b, in, out_dnnl) != SB_OK ||
		    dnnl_bench_create(&d, &desc, b, k->nin + k->nout) != SB_OK) {
			bench_fail(run, c->name, threads, "oneDNN set-up");
		} else {
			noisy = 0;
			rec.onednn = bench_side(run, c, threads, "oneDNN", dnnl_bench_run, &d, &d,
						in, out_dnnl, &noisy);
			rec.noisy |= noisy ? BENCH_NOISY_ONEDNN : 0;
		}
		snprintf(rec.impl, sizeof rec.impl, "%s", d.impl);
		snprintf(rec.layouts, sizeof rec.layouts, "%s", d.layouts);
		dnnl_bench_release(&d);
		sb_vec_push(&run->records, rec);
	}

	if (kernel && gk->release)
		gk->release(kernel);
	for (int i = 0; i < BENCH_MAX_ARGS; i++) {
		free(in[i]);
		free(out_dnnl[i]);
		free(out_gen[i]);
	}
}

/* ---- Machine figures ---- */

static const peak_isa *peak_isa_select(const char *name)
{
	for (int i = 0; i < PEAK_NISAS; i++)
		if (peak_isas[i].supported() && (!name || !strcmp(name, peak_isas[i].name)))
			return &peak_isas[i];
	return NULL;
}

/* Keeps the better of two measurements: a clean one over a noisy one, else the higher. */
static void machine_figure_merge(machine_figure *f, double value, int noisy)
{
	if (!f->measured || (f->noisy && !noisy) || (f->noisy == noisy && value > f->value)) {
		f->value = value;
		f->noisy = noisy;
	}
	f->measured = 1;
}

/* Measures every supported FMA loop (the plain SSE and scalar ones only when no FMA loop runs,
 * or when --peak-isa asks), and the add bandwidth, at each thread count. */
static void bench_machine(bench_run *run)
{
	int any_fused = 0;
	for (int i = 0; i < PEAK_NISAS; i++)
		any_fused |= peak_isas[i].fused && peak_isas[i].supported();

	int64_t count = 16 << 20;
	float *a = bench_alloc(count), *b = bench_alloc(count), *c = bench_alloc(count);
	bench_fill(a, count, 101);
	bench_fill(b, count, 102);
	bench_fill(c, count, 103);

	for (int ti = 0; ti < run->opt.nthreads; ti++) {
		omp_set_num_threads(run->opt.threads[ti]);
		for (int i = 0; i < PEAK_NISAS; i++) {
			const peak_isa *isa = &peak_isas[i];
			if (!isa->supported() || (any_fused && !isa->fused && isa != run->chosen))
				continue;
			int noisy = 0;
			double g = peak_measure(isa, &run->opt, &noisy);
			machine_figure_merge(&run->peak[i][ti], g, noisy);
		}
		int noisy = 0;
		stream_env env = {a, b, c, count};
		double t = bench_measure(stream_add_run, &env, &run->opt, 3, &noisy);
		machine_figure_merge(&run->bandwidth[ti],
				     3.0 * (double)count * sizeof(float) / t * 1e-9, noisy);
	}
	for (int64_t i = 0; i < count; i++) /* the loop did run and did add */
		if (c[i] != a[i] + b[i]) {
			fprintf(stderr, "kernels: bandwidth loop computed c[%lld] wrong\n",
				(long long)i);
			run->failures++;
			break;
		}
	free(a);
	free(b);
	free(c);
}

/* All records, machine figures first, with each kernel's peak filled in. */
static void bench_collect(const bench_run *run, bench_record **out, size_t *n)
{
	static char names[PEAK_NISAS][32];
	SB_VEC(bench_record) all = {0};
	int chosen = (int)(run->chosen - peak_isas);
	for (int ti = 0; ti < run->opt.nthreads; ti++) {
		for (int i = 0; i < PEAK_NISAS; i++) {
			const machine_figure *f = &run->peak[i][ti];
			if (!f->measured)
				continue;
			snprintf(names[i], sizeof names[i], "peak_fp32_%s_%s",
				 peak_isas[i].fused ? "fma" : "muladd", peak_isas[i].name);
			bench_record rec = {.name = names[i],
					    .threads = run->opt.threads[ti],
					    .ti = ti,
					    .unit = "GFLOP/s",
					    .generated = NAN,
					    .onednn = NAN,
					    .peak = f->value,
					    .noisy = f->noisy ? BENCH_NOISY_PEAK : 0};
			sb_vec_push(&all, rec);
		}
		const machine_figure *f = &run->bandwidth[ti];
		bench_record rec = {.name = "bandwidth_add_64MB",
				    .threads = run->opt.threads[ti],
				    .ti = ti,
				    .unit = "GB/s",
				    .generated = NAN,
				    .onednn = NAN,
				    .peak = f->value,
				    .noisy = f->noisy ? BENCH_NOISY_PEAK : 0};
		sb_vec_push(&all, rec);
	}
	for (size_t i = 0; i < run->records.len; i++) {
		bench_record rec = run->records.data[i];
		const machine_figure *f = !strcmp(rec.unit, "GFLOP/s") ? &run->peak[chosen][rec.ti]
								       : &run->bandwidth[rec.ti];
		rec.peak = f->value;
		rec.noisy |= f->noisy ? BENCH_NOISY_PEAK : 0;
		sb_vec_push(&all, rec);
	}
	*out = all.data;
	*n = all.len;
}

/* ---- Output ---- */

static void bench_print_cpu(FILE *f)
{
	char line[512], model[256] = "unknown";
	FILE *ci = fopen("/proc/cpuinfo", "r");
	while (ci && fgets(line, sizeof line, ci)) {
		char *colon = strchr(line, ':');
		if (!strncmp(line, "model name", 10) && colon) {
			snprintf(model, sizeof model, "%s", colon + 2);
			model[strcspn(model, "\n")] = '\0';
			break;
		}
	}
	if (ci)
		fclose(ci);
	double load[3] = {0};
	FILE *la = fopen("/proc/loadavg", "r");
	if (!la || fscanf(la, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
		load[0] = load[1] = load[2] = NAN;
	if (la)
		fclose(la);
	fprintf(f,
		"load average at start: %.2f %.2f %.2f (shared machine: others' work skews "
		"the multi-thread figures most)\n",
		load[0], load[1], load[2]);
	fprintf(f, "cpu: %s, %d logical CPUs;", model, omp_get_num_procs());
#if BENCH_X86
#define BENCH_FEATURE(name)                                                                        \
	if (__builtin_cpu_supports(name))                                                          \
		fprintf(f, " %s", name);
	BENCH_FEATURE("sse2")
	BENCH_FEATURE("avx")
	BENCH_FEATURE("avx2")
	BENCH_FEATURE("fma")
	BENCH_FEATURE("avx512f")
	BENCH_FEATURE("avx512bw")
	BENCH_FEATURE("avx512vl")
#undef BENCH_FEATURE
#endif
	fprintf(f, "\n");
}

/* "~" marks a median that had to include preempted samples. */
static void bench_fmt(char *buf, size_t n, double v, int noisy)
{
	if (isnan(v))
		snprintf(buf, n, "n/a");
	else
		snprintf(buf, n, "%s%.1f", noisy ? "~" : "", v);
}

static void bench_fmt_ratio(char *buf, size_t n, double v, double peak)
{
	if (isnan(v) || isnan(peak) || peak <= 0)
		snprintf(buf, n, "n/a");
	else
		snprintf(buf, n, "%.0f%%", 100.0 * v / peak);
}

static int bench_record_is_machine(const bench_record *r)
{
	return !strncmp(r->name, "peak_", 5) || !strncmp(r->name, "bandwidth_", 10);
}

static void bench_print_table(const bench_record *recs, size_t nrecs)
{
	char g[32], o[32], p[32], gr[32], orr[32];
	printf("\nmachine (measured by this run):\n");
	printf("  %-36s %7s  %-8s %10s\n", "name", "threads", "unit", "value");
	for (size_t i = 0; i < nrecs; i++) {
		const bench_record *r = &recs[i];
		if (!bench_record_is_machine(r))
			continue;
		bench_fmt(p, sizeof p, r->peak, r->noisy & BENCH_NOISY_PEAK);
		printf("  %-36s %7d  %-8s %10s\n", r->name, r->threads, r->unit, p);
	}
	printf("\nkernels (peak: FMA peak for GFLOP/s rows, add bandwidth for GB/s rows):\n");
	printf("  %-36s %7s  %-8s %10s %10s %10s %9s %9s\n", "name", "threads", "unit", "generated",
	       "onednn", "peak", "gen/peak", "dnnl/peak");
	for (size_t i = 0; i < nrecs; i++) {
		const bench_record *r = &recs[i];
		if (bench_record_is_machine(r))
			continue;
		bench_fmt(g, sizeof g, r->generated, r->noisy & BENCH_NOISY_GENERATED);
		bench_fmt(o, sizeof o, r->onednn, r->noisy & BENCH_NOISY_ONEDNN);
		bench_fmt(p, sizeof p, r->peak, r->noisy & BENCH_NOISY_PEAK);
		bench_fmt_ratio(gr, sizeof gr, r->generated, r->peak);
		bench_fmt_ratio(orr, sizeof orr, r->onednn, r->peak);
		printf("  %-36s %7d  %-8s %10s %10s %10s %9s %9s\n", r->name, r->threads, r->unit,
		       g, o, p, gr, orr);
	}
	printf("  ~: too few samples free of preemption; the median includes preempted ones\n");
	printf("\noneDNN implementation and the layouts it chose:\n");
	for (size_t i = 0; i < nrecs; i++) {
		const bench_record *r = &recs[i];
		if (bench_record_is_machine(r))
			continue;
		printf("  %-36s %dT  %s%s%s\n", r->name, r->threads, r->impl[0] ? r->impl : "-",
		       r->layouts[0] ? "; " : "", r->layouts);
	}
}

static void json_number(FILE *f, double v)
{
	if (isnan(v))
		fprintf(f, "null");
	else
		fprintf(f, "%.4g", v);
}

static sb_status bench_write_json(const bench_record *recs, size_t nrecs, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return sb_set_error(SB_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
	fprintf(f, "[\n");
	for (size_t i = 0; i < nrecs; i++) {
		const bench_record *r = &recs[i];
		fprintf(f,
			"  {\"name\": \"%s\", \"threads\": %d, \"unit\": \"%s\", \"generated\": ",
			r->name, r->threads, r->unit);
		json_number(f, r->generated);
		fprintf(f, ", \"onednn\": ");
		json_number(f, r->onednn);
		fprintf(f, ", \"peak\": ");
		json_number(f, r->peak);
		fprintf(f, "}%s\n", i + 1 < nrecs ? "," : "");
	}
	fprintf(f, "]\n");
	if (fclose(f) != 0)
		return sb_set_error(SB_ERR_IO, "error writing '%s'", path);
	return SB_OK;
}

/* ---- Command line ---- */

static void bench_usage(FILE *f)
{
	fprintf(f,
		"usage: kernels [--threads 1,2] [--quick] [--best] [--json FILE] [--only SUBSTR] "
		"[--peak-isa ISA]\n"
		"  --threads LIST   thread counts to run, comma-separated (default 1,2)\n"
		"  --quick          ~0.1 s per figure (at least 5 samples) instead of ~0.5 s (7)\n"
		"  --best           the fastest sample instead of the median (to compare\n"
		"                   schedules on a loaded machine; not for the record)\n"
		"  --json FILE      also write the figures as a JSON array of records\n"
		"  --only SUBSTR    only the kernel benchmarks whose name contains SUBSTR\n"
		"  --peak-isa ISA   FMA loop behind the peak column: avx512, avx2, sse, scalar\n"
		"                   (default: the widest the CPU supports)\n");
}

static int bench_parse_threads(bench_options *opt, const char *s)
{
	opt->nthreads = 0;
	while (*s) {
		char *end;
		long n = strtol(s, &end, 10);
		if (end == s || n < 1 || n > 1024 || opt->nthreads == BENCH_MAX_THREADS)
			return -1;
		opt->threads[opt->nthreads++] = (int)n;
		s = end;
		if (*s == ',')
			s++;
		else if (*s)
			return -1;
	}
	return opt->nthreads ? 0 : -1;
}

static int bench_parse(bench_options *opt, int argc, char **argv)
{
	*opt = (bench_options){.threads = {1, 2}, .nthreads = 2};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--quick")) {
			opt->quick = 1;
		} else if (!strcmp(a, "--best")) {
			opt->best = 1;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			bench_usage(stdout);
			exit(0);
		} else if (!strcmp(a, "--threads") && val) {
			if (bench_parse_threads(opt, val)) {
				fprintf(stderr,
					"kernels: --threads wants a list like 1,2 (at most %d "
					"entries), got '%s'\n",
					BENCH_MAX_THREADS, val);
				return -1;
			}
			i++;
		} else if (!strcmp(a, "--json") && val) {
			opt->json_path = val;
			i++;
		} else if (!strcmp(a, "--only") && val) {
			opt->only = val;
			i++;
		} else if (!strcmp(a, "--peak-isa") && val) {
			opt->peak_isa = val;
			i++;
		} else {
			fprintf(stderr, "kernels: unknown or incomplete option '%s'\n", a);
			bench_usage(stderr);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	bench_run run = {0};
	if (bench_parse(&run.opt, argc, argv))
		return 2;
	for (int i = 0; i < BENCH_KIND_COUNT; i++)
		SB_ASSERT(bench_kinds[i].sizes && bench_kinds[i].check && bench_kinds[i].dnnl_desc);

	const peak_isa *chosen = peak_isa_select(run.opt.peak_isa);
	run.chosen = chosen;
	if (!chosen) {
		fprintf(stderr, "kernels: --peak-isa %s is not one this CPU supports\n",
			run.opt.peak_isa);
		return 2;
	}

	char date[64];
	time_t now = time(NULL);
	strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
	const dnnl_version_t *v = dnnl_version();
	printf("shapebridge bench/kernels, %s, %s run (each figure: %s of %d-%d samples of "
	       "~%.0f ms or one call, ~%.1f s in all)\n",
	       date, run.opt.quick ? "quick" : "full", run.opt.best ? "the fastest" : "median",
	       run.opt.quick ? 5 : 7, BENCH_MAX_SAMPLES,
	       BENCH_SAMPLE_S * 1e3, run.opt.quick ? 0.1 : 0.5);
	bench_print_cpu(stdout);
	printf("oneDNN %d.%d.%d (%s), CPU ISA %s; OpenMP, %d max threads\n", v->major, v->minor,
	       v->patch, v->hash, dnnl_cpu_isa2str(dnnl_get_effective_cpu_isa()),
	       omp_get_max_threads());
	for (int ti = 0; ti < run.opt.nthreads; ti++)
		if (run.opt.threads[ti] > omp_get_num_procs())
			printf("note: %d threads is more than the %d CPUs: oversubscribed\n",
			       run.opt.threads[ti], omp_get_num_procs());
	printf("peak column: fp32 %s loop (%d chains) with %s%s, and the add bandwidth (bytes read "
	       "+ written, no write-allocate); each measured before and after the kernels, the "
	       "better kept\n",
	       chosen->fused ? "FMA" : "multiply+add", PEAK_CHAINS, chosen->name,
	       chosen->fused ? "" : " (no FMA on this CPU)");
	printf("generated column: bench_generated_kernels (bench/generated.h); n/a where no "
	       "kernel is plugged in\n");
	printf(
	    "oneDNN: activations plain (row-major, NCHW; *_dnnl_layout rows: oneDNN's preferred), "
	    "weights in oneDNN's preferred layout (format any), reordered once outside the "
	    "timed loop\n\n");
	for (size_t i = 0; i < SB_ARRAY_LEN(bench_cases); i++)
		if (!run.opt.only || strstr(bench_cases[i].name, run.opt.only))
			printf("  %-36s %s\n", bench_cases[i].name, bench_cases[i].what);
	fflush(stdout);

	if (dnnl_engine_create(&run.engine, dnnl_cpu, 0) != dnnl_success ||
	    dnnl_stream_create(&run.stream, run.engine, dnnl_stream_default_flags) !=
		dnnl_success) {
		fprintf(stderr, "kernels: cannot create a oneDNN CPU engine and stream\n");
		return 1;
	}

	bench_machine(&run);
	for (size_t i = 0; i < SB_ARRAY_LEN(bench_cases); i++)
		if (!run.opt.only || strstr(bench_cases[i].name, run.opt.only))
			bench_case_run(&run, &bench_cases[i]);
	bench_machine(&run);

	bench_record *recs;
	size_t nrecs;
	bench_collect(&run, &recs, &nrecs);
	bench_print_table(recs, nrecs);
	if (run.opt.json_path) {
		if (bench_write_json(recs, nrecs, run.opt.json_path) != SB_OK) {
			fprintf(stderr, "kernels: %s\n", sb_last_error());
			run.failures++;
		} else {
			printf("\nwrote %s\n", run.opt.json_path);
		}
	}
	if (run.failures)
		fprintf(stderr, "kernels: %d failure(s), see above\n", run.failures);

	dnnl_stream_destroy(run.stream);
	dnnl_engine_destroy(run.engine);
	sb_vec_free(&run.records);
	free(recs);
	return run.failures ? 1 : 0;
}
