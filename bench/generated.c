/* The generated kernels bench/kernels times (see generated.h), through the path a compiled
 * model takes: topi builds the PrimFunc, tir_schedule_default_cpu schedules it for the host's
 * tir_target, backends/llvm lowers and JIT-compiles it, and `run` calls its packed entry.
 *
 * Shapes are the benchmark's static ones, as the compiler would have them after binding. The
 * weights are not repacked here: whatever packing the schedule chose happens inside the kernel
 * (timed). Tensor headers for the arguments are made once in prepare and pointed at the
 * caller's buffers in run, so run allocates nothing itself. The packed functions parallelize
 * through sb_parallel_for, whose thread count run sets from omp_get_max_threads().
 *
 * For experiments only: SB_BENCH_LOCAL_MAX and SB_BENCH_ACC_REGS override the target's
 * local_max_bytes and acc_regs; SB_BENCH_DUMP (below) shows what was compiled. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/llvm/llvm_codegen.h"
#include "bench/generated.h"
#include "tir/schedule/schedule.h"
#include "tir/topi/topi.h"

#define GEN_MAX_ARGS 6

typedef struct gen_kernel {
	sb_llvm_jit *jit;
	sb_packed_fn fn;
	int nargs; /* inputs, then outputs */
	sb_tensor *args[GEN_MAX_ARGS];
} gen_kernel;

static float gen_dummy[16] __attribute__((aligned(64)));

/* The data belongs to the benchmark. */
static void gen_keep(void *ctx)
{
	(void)ctx;
}

/* A tensor header of that shape whose data pointer run sets. */
static sb_tensor *gen_header(int rank, const int64_t *shape)
{
	return sb_tensor_wrap(SB_F32, rank, shape, gen_dummy, gen_keep, NULL);
}

static void gen_release(void *kernel)
{
	gen_kernel *k = kernel;
	if (!k)
		return;
	for (int i = 0; i < k->nargs; i++) {
		if (k->args[i])
			sb_tensor_release(k->args[i]);
	}
	if (k->jit)
		sb_llvm_jit_free(k->jit);
	free(k);
}

/* SB_BENCH_DUMP=tir prints each scheduled PrimFunc (and its schedule trace) to stderr,
 * SB_BENCH_DUMP=lowered the lowered tir, SB_BENCH_DUMP=llvm the optimized LLVM IR: to see what
 * a figure comes from. */
static void gen_dump(tir_ctx *ctx, const tir_func *g, const char *trace)
{
	const char *what = getenv("SB_BENCH_DUMP");
	char *s = NULL;
	if (!what)
		return;
	if (!strcmp(what, "tir")) {
		s = tir_func_to_string(g);
		fprintf(stderr, "---- %s: trace\n%s\n---- scheduled\n%s\n", g->name, trace, s);
	} else if (!strcmp(what, "lowered") && !sb_llvm_dump_tir(ctx, g, NULL, &s)) {
		fprintf(stderr, "---- %s: lowered\n%s\n", g->name, s);
	} else if (!strcmp(what, "llvm") && !sb_llvm_dump_llvm(ctx, g, NULL, &s)) {
		fprintf(stderr, "---- %s: llvm\n%s\n", g->name, s);
	}
	free(s);
	sb_clear_error();
}

/* Schedules f (in ctx), compiles it and makes the argument headers from f's param shapes,
 * which are all constants here. */
static void *gen_compile(tir_ctx *ctx, tir_func *f)
{
	gen_kernel *k = calloc(1, sizeof *k);
	tir_target t = tir_target_avx2();
	const char *knob;
	if ((knob = getenv("SB_BENCH_LOCAL_MAX")))
		t.local_max_bytes = atoll(knob);
	if ((knob = getenv("SB_BENCH_ACC_REGS")))
		t.acc_regs = atoi(knob);
	tir_func *g;
	sb_llvm_module *m;
	char *trace = NULL;
	if (!k || tir_schedule_default_cpu(ctx, f, &t, &g, &trace) ||
	    sb_llvm_module_new(f->name, NULL, &m)) {
		free(trace);
		goto fail;
	}
	gen_dump(ctx, g, trace);
	free(trace);
	if (sb_llvm_module_add(m, ctx, g)) {
		sb_llvm_module_free(m);
		goto fail;
	}
	if (sb_llvm_jit_new(m, &k->jit))
		goto fail;
	if (!(k->fn = sb_llvm_jit_lookup(k->jit, f->name)))
		goto fail;
	if (f->nparams > GEN_MAX_ARGS) {
		sb_set_error(SB_ERR_INTERNAL, "bench: %s has %d params", f->name, f->nparams);
		goto fail;
	}
	k->nargs = f->nparams;
	for (int p = 0; p < f->nparams; p++) {
		const tir_buffer *b = f->params[p].buffer;
		if (b->ndim > 8) {
			sb_set_error(SB_ERR_INTERNAL, "bench: %s param %d rank %d", f->name, p,
				     b->ndim);
			goto fail;
		}
		int64_t shape[8];
		for (int d = 0; d < b->ndim; d++) {
			if (!tir_expr_is_int_imm(b->shape[d], &shape[d])) {
				sb_set_error(SB_ERR_INTERNAL, "bench: %s param %d dim %d not static",
					     f->name, p, d);
				goto fail;
			}
		}
		if (!(k->args[p] = gen_header(b->ndim, shape)))
			goto fail;
	}
	tir_ctx_free(ctx);
	return k;
fail:
	tir_ctx_free(ctx);
	gen_release(k);
	return NULL;
}

static sb_status gen_run(void *kernel, const float *const *in, float *const *out)
{
	gen_kernel *k = kernel;
	int threads = omp_get_max_threads();
	if (sb_get_num_threads() != threads)
		sb_set_num_threads(threads);
	sb_value args[GEN_MAX_ARGS], ret = {0};
	int nout = 1, nin = k->nargs - nout;
	for (int i = 0; i < k->nargs; i++) {
		k->args[i]->dl.data = i < nin ? (void *)in[i] : out[i - nin];
		args[i] = sb_value_tensor(k->args[i]);
	}
	int rc = k->fn(args, k->nargs, &ret);
	return rc ? (sb_status)rc : SB_OK;
}

#define I(v) tir_int(ctx, (v))

static void *gen_matmul(const bench_shape *s, const float *const *constants)
{
	(void)constants;
	tir_ctx *ctx = tir_ctx_new();
	tir_expr *a[2] = {I(s->m), I(s->k)}, *b[2] = {I(s->k), I(s->n)};
	tir_func *f;
	if (topi_matmul(ctx, "bench_matmul", topi_tensor_make(SB_F32, 2, a),
			topi_tensor_make(SB_F32, 2, b), &f)) {
		tir_ctx_free(ctx);
		return NULL;
	}
	return gen_compile(ctx, f);
}

static void *gen_conv2d(const bench_shape *s, const float *const *constants)
{
	(void)constants;
	tir_ctx *ctx = tir_ctx_new();
	tir_expr *x[4] = {I(s->batch), I(s->in_channels), I(s->height), I(s->width)};
	tir_expr *w[4] = {I(s->out_channels), I(s->in_channels / s->groups), I(s->kernel_h),
			  I(s->kernel_w)};
	topi_conv_params p = {.win = {.strides = {s->stride, s->stride},
				      .pads = {s->pad, s->pad, s->pad, s->pad}},
			      .groups = s->groups};
	tir_func *f;
	if (topi_conv(ctx, "bench_conv2d", topi_tensor_make(SB_F32, 4, x),
		      topi_tensor_make(SB_F32, 4, w), NULL, &p, &f)) {
		tir_ctx_free(ctx);
		return NULL;
	}
	return gen_compile(ctx, f);
}

static void *gen_softmax(const bench_shape *s, const float *const *constants)
{
	(void)constants;
	tir_ctx *ctx = tir_ctx_new();
	tir_expr *x[2] = {I(s->rows), I(s->cols)};
	topi_softmax_params p = {.axis = -1};
	tir_func *f;
	if (topi_softmax(ctx, "bench_softmax", TOPI_SOFTMAX, topi_tensor_make(SB_F32, 2, x), &p,
			 &f)) {
		tir_ctx_free(ctx);
		return NULL;
	}
	return gen_compile(ctx, f);
}

static void *gen_layer_norm(const bench_shape *s, const float *const *constants)
{
	(void)constants;
	tir_ctx *ctx = tir_ctx_new();
	tir_expr *x[2] = {I(s->rows), I(s->cols)}, *g[1] = {I(s->cols)};
	topi_tensor bias = topi_tensor_make(SB_F32, 1, g);
	topi_layer_norm_params p = {.axis = -1, .epsilon = s->epsilon, .nout = 1};
	tir_func *f;
	if (topi_layer_norm(ctx, "bench_layer_norm", topi_tensor_make(SB_F32, 2, x),
			    topi_tensor_make(SB_F32, 1, g), &bias, &p, &f)) {
		tir_ctx_free(ctx);
		return NULL;
	}
	return gen_compile(ctx, f);
}

static void *gen_add(const bench_shape *s, const float *const *constants)
{
	(void)constants;
	tir_ctx *ctx = tir_ctx_new();
	tir_expr *n[1] = {I(s->count)};
	tir_func *f;
	if (topi_binary(ctx, "bench_add", TOPI_BINARY_ADD, topi_tensor_make(SB_F32, 1, n),
			topi_tensor_make(SB_F32, 1, n), &f)) {
		tir_ctx_free(ctx);
		return NULL;
	}
	return gen_compile(ctx, f);
}

#undef I

const bench_generated_table bench_generated_kernels = {
    .matmul = {gen_matmul, gen_run, gen_release},
    .conv2d = {gen_conv2d, gen_run, gen_release},
    .softmax = {gen_softmax, gen_run, gen_release},
    .layer_norm = {gen_layer_norm, gen_run, gen_release},
    .add = {gen_add, gen_run, gen_release},
};
