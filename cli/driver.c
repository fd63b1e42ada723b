/* The compiler driver (driver.h): the stages of one compile, the pipeline
 * that runs them in order, the model's stats text, and the public compile
 * API (shapebridge/compile.h).
 *
 * Requires: nothing but an ONNX file.  Guarantees: on success a model .so
 * that sb_model_load accepts; on failure an error naming the model, the
 * stage and what the stage said, and nothing left in the temporary
 * folders it made. */
#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bridge/bridge.h"
#include "cli/driver.h"
#include "import/onnx/onnx_import.h"
#include "relay_like/passes/passes.h"
#include "runtime/runtime.h"
#include "shapebridge/compile.h"
#include "tir/schedule/schedule.h"

static const char *const stage_names[DRIVER_STAGE_COUNT] = {
    [DRIVER_IMPORT] = "import",	      [DRIVER_RELAY_OPT] = "relay-opt",
    [DRIVER_BRIDGE] = "bridge",	      [DRIVER_NORMALIZE] = "normalize",
    [DRIVER_LEGALIZE] = "legalize",   [DRIVER_FOLD] = "fold",
    [DRIVER_DCE] = "dce",	      [DRIVER_SCHEDULE] = "schedule",
    [DRIVER_LOWER] = "lower",	      [DRIVER_VMGEN] = "vmgen",
    [DRIVER_KERNELS] = "kernels",     [DRIVER_EMIT] = "emit",
};

const char *driver_stage_name(driver_stage s)
{
	return s >= 0 && s < DRIVER_STAGE_COUNT ? stage_names[s] : "?";
}

void driver_state_init(driver_state *d, const char *path, const driver_opts *opts)
{
	memset(d, 0, sizeof *d);
	sb_map_init(&d->kernel_names);
	d->path = path;
	if (opts)
		d->opts = *opts;
}

void driver_state_free(driver_state *d)
{
	relay_module_free(d->relay);
	relax_module_free(d->relax);
	relax_memory_report_free(&d->report);
	sb_vm_exec_free(d->exec);
	sb_llvm_module_free(d->kernels);
	free(d->stats_text);
	free(d->first_schedule_error);
	sb_map_free(&d->kernel_names);
	memset(d, 0, sizeof *d);
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- Stages ---- */

sb_status driver_import(driver_state *d)
{
	sb_status st = sb_onnx_import_file(d->path, &d->relay);
	if (!st)
		st = relay_infer_types(d->relay);
	return st;
}

sb_status driver_relay_opt(driver_state *d)
{
	const char *after = d->opts.pass.dump_after;
	relay_optimize_opts o = {.dump_after = after && relay_pass_lookup(after) ? after : NULL,
				 .dump_file = d->opts.pass.dump_file};
	return relay_optimize_with(d->relay, &o);
}

bool driver_pass_known(const char *name)
{
	return relay_pass_lookup(name) || relax_pass_lookup(name) || !strcmp(name, "LegalizeOps");
}

void driver_pass_names(sb_strbuf *b)
{
	relay_pass_names(b);
	sb_strbuf_puts(b, "; relax_like: ");
	relax_pass_names(b);
	if (!strstr(b->data, "LegalizeOps"))
		sb_strbuf_puts(b, ", LegalizeOps");
}

/* Is `name` a shape variable of the entry function's parameters? */
static bool has_shape_var(relax_module *m, const char *name)
{
	relax_global *g = relax_module_lookup(m, "main");
	if (!g || !g->func)
		return false;
	const char *in = relax_intern(m, name);
	for (int i = 0; i < g->func->u.func.nparams; i++) {
		const relax_sinfo *s = g->func->u.func.params[i]->sinfo;
		if (!s || s->kind != RELAX_SINFO_TENSOR || !s->u.tensor.shape)
			continue;
		for (int k = 0; k < s->u.tensor.ndim; k++) {
			const tir_expr *e = s->u.tensor.shape[k];
			if (e->kind == TIR_VAR && e->u.var.name == in)
				return true;
		}
	}
	return false;
}

static void shape_var_names(relax_module *m, sb_strbuf *b)
{
	relax_global *g = relax_module_lookup(m, "main");
	sb_map seen;
	sb_map_init(&seen);
	for (int i = 0; g && g->func && i < g->func->u.func.nparams; i++) {
		const relax_sinfo *s = g->func->u.func.params[i]->sinfo;
		if (!s || s->kind != RELAX_SINFO_TENSOR || !s->u.tensor.shape)
			continue;
		for (int k = 0; k < s->u.tensor.ndim; k++) {
			const tir_expr *e = s->u.tensor.shape[k];
			if (e->kind != TIR_VAR || sb_map_get(&seen, (uintptr_t)e->u.var.name, NULL))
				continue;
			sb_strbuf_printf(b, "%s%s", seen.len ? ", " : "", e->u.var.name);
			sb_map_put(&seen, (uintptr_t)e->u.var.name, (void *)1);
		}
	}
	if (!seen.len)
		sb_strbuf_puts(b, "none: every input dim is static");
	sb_map_free(&seen);
}

/* ---- Bound inputs ---- */

typedef SB_VEC(bridge_binding) binding_vec;

static void bindings_free(binding_vec *v)
{
	for (size_t i = 0; i < v->len; i++) {
		free((char *)v->data[i].name);
		sb_tensor_release((sb_tensor *)v->data[i].value);
	}
	sb_vec_free(v);
}

static bool has_suffix(const char *s, const char *suf)
{
	size_t n = strlen(s), k = strlen(suf);
	return n >= k && !strcmp(s + n - k, suf);
}

sb_status driver_read_tensor_file(const char *path, sb_tensor **t)
{
	if (has_suffix(path, ".npy"))
		return sb_npy_read(path, t);
	char *name = NULL;
	sb_status st = sb_tensorproto_read(path, t, &name);
	free(name);
	return st;
}

static bool is_bound(const binding_vec *v, const char *name)
{
	for (size_t i = 0; i < v->len; i++)
		if (!strcmp(v->data[i].name, name))
			return true;
	return false;
}

/* Binds `name` (the k-th input) to the set's input file carrying that
 * name, else to input_<k>.pb. */
static sb_status bind_from_set(const char *set, const char *name, int k, binding_vec *out)
{
	char path[4096];
	for (int i = 0;; i++) {
		snprintf(path, sizeof path, "%s/input_%d.pb", set, i);
		struct stat sbuf;
		if (stat(path, &sbuf) != 0)
			break;
		sb_tensor *t;
		char *fname = NULL;
		sb_status st = sb_tensorproto_read(path, &t, &fname);
		if (st)
			return st;
		bool match = fname && !strcmp(fname, name);
		free(fname);
		if (match) {
			sb_vec_push(out, ((bridge_binding){sb_xstrdup(name), t}));
			return SB_OK;
		}
		sb_tensor_release(t);
	}
	snprintf(path, sizeof path, "%s/input_%d.pb", set, k);
	sb_tensor *t;
	sb_status st = sb_tensorproto_read(path, &t, NULL);
	if (st)
		return sb_error_prefix(st, "binding input '%s'", name);
	sb_vec_push(out, ((bridge_binding){sb_xstrdup(name), t}));
	return SB_OK;
}

static sb_status load_bindings(driver_state *d, binding_vec *out)
{
	for (int i = 0; i < d->opts.nbinds; i++) {
		const driver_bind *b = &d->opts.binds[i];
		sb_tensor *t;
		if (driver_read_tensor_file(b->path, &t))
			return sb_error_prefix(SB_ERR_INVALID, "--bind %s=%s", b->name, b->path);
		sb_vec_push(out, ((bridge_binding){sb_xstrdup(b->name), t}));
	}
	if (!d->opts.bind_set)
		return SB_OK;
	const relay_function *f = d->relay->main;
	int n;
	const char **names;
	sb_status st = bridge_inputs_needing_values(d->relay, f, &n, &names);
	for (int i = 0; !st && i < n; i++) {
		if (is_bound(out, names[i]))
			continue;
		int k = 0;
		while (k < f->nparams && !(f->params[k]->name && !strcmp(f->params[k]->name, names[i])))
			k++;
		st = bind_from_set(d->opts.bind_set, names[i], k, out);
	}
	free(names);
	return st;
}

sb_status driver_bridge(driver_state *d)
{
	binding_vec bound = {0};
	sb_status st = load_bindings(d, &bound);
	if (!st) {
		bridge_options o = {.nbound = (int)bound.len, .bound = bound.data};
		st = bridge_convert_with(d->relay, &o, &d->relax);
	}
	bindings_free(&bound);
	/* relax_like holds its own references to the constants. */
	relay_module_free(d->relay);
	d->relay = NULL;
	if (st)
		return st;
	for (int i = 0; i < d->opts.nbounds; i++) {
		if (has_shape_var(d->relax, d->opts.bounds[i].name))
			continue;
		sb_strbuf names = {0};
		shape_var_names(d->relax, &names);
		st = sb_set_error(SB_ERR_INVALID,
				  "--bound %s: the model has no input dim named '%s' (its named dims: %s)",
				  d->opts.bounds[i].name, d->opts.bounds[i].name, names.data);
		sb_strbuf_free(&names);
		return st;
	}
	return SB_OK;
}

sb_status driver_normalize(driver_state *d)
{
	return relax_pass_run(d->relax, "Normalize", relax_normalize, &d->opts.pass);
}

static sb_status legalize_env(relax_module *m, const void *env)
{
	(void)env;
	return relax_legalize_ops(m, NULL);
}

sb_status driver_legalize(driver_state *d)
{
	return relax_pass_run_env(d->relax, "LegalizeOps", legalize_env, NULL, &d->opts.pass);
}

/* FoldConstant's evaluator: each PrimFunc compiled once by the JIT. */
typedef struct fold_jit {
	sb_map fns; /* tir_func* -> sb_packed_fn */
	SB_VEC(sb_llvm_jit *) jits;
	int evals;
} fold_jit;

static sb_status fold_eval(void *env, relax_module *m, const tir_func *f, const sb_value *args,
			   int nargs)
{
	fold_jit *fj = env;
	sb_packed_fn fn = (sb_packed_fn)sb_map_lookup(&fj->fns, (uintptr_t)f);
	if (!fn) {
		sb_llvm_module *lm;
		sb_llvm_jit *j;
		sb_status st = sb_llvm_module_new(f->name, NULL, &lm);
		if (st)
			return st;
		if ((st = sb_llvm_module_add(lm, m->tir, f))) {
			sb_llvm_module_free(lm);
			return st;
		}
		if ((st = sb_llvm_jit_new(lm, &j)))
			return st;
		sb_vec_push(&fj->jits, j);
		if (!(fn = sb_llvm_jit_lookup(j, f->name)))
			return SB_ERR_INTERNAL;
		sb_map_put(&fj->fns, (uintptr_t)f, (void *)fn);
		fj->evals++;
	}
	sb_value ret = {SB_VAL_NONE};
	sb_clear_error();
	if (fn(args, nargs, &ret)) {
		sb_value_release(&ret);
		return *sb_last_error() ? SB_ERR_INVALID
					: sb_set_error(SB_ERR_INVALID, "@%s failed", f->name);
	}
	sb_value_release(&ret);
	return SB_OK;
}

static sb_status fold_env(relax_module *m, const void *env)
{
	return relax_fold_constant(m, env);
}

/* Outputs above this many elements stay computed at run time: folding
 * them would grow the artifact more than it saves. */
#define FOLD_MAX_ELEMENTS (1 << 24)

sb_status driver_fold(driver_state *d)
{
	fold_jit fj = {0};
	sb_map_init(&fj.fns);
	relax_fold_constant_opts o = {.eval = fold_eval, .env = &fj,
				      .max_elements = FOLD_MAX_ELEMENTS};
	sb_status st = relax_pass_run_env(d->relax, "FoldConstant", fold_env, &o, &d->opts.pass);
	for (size_t i = 0; i < fj.jits.len; i++)
		sb_llvm_jit_free(fj.jits.data[i]);
	sb_vec_free(&fj.jits);
	sb_map_free(&fj.fns);
	d->nfold_evals = fj.evals;
	return st;
}

sb_status driver_dce(driver_state *d)
{
	return relax_pass_run(d->relax, "DeadCodeElim", relax_dead_code_elim, &d->opts.pass);
}

/* The host as the schedules see it: AVX2's cache sizes, the vector width
 * and register count of the machine we compile on (the code is compiled
 * for the host too). */
static tir_target host_target(void)
{
	tir_target t = tir_target_avx2();
	const sb_llvm_host *h = sb_llvm_host_get();
	if (h->vector_bits >= 512) {
		t.vector_bytes = 64;
		t.vector_regs = 32;
	}
	return t;
}

sb_status driver_schedule(driver_state *d)
{
	relax_module *m = d->relax;
	tir_target t = host_target();
	d->nprims = d->nunscheduled = 0;
	for (size_t i = 0; i < m->globals.len; i++) {
		relax_global *g = m->globals.data[i];
		if (!g->prim)
			continue;
		d->nprims++;
		if (d->opts.no_schedule)
			continue;
		tir_func *out = NULL;
		sb_status st = tir_schedule_default_cpu(m->tir, g->prim, &t, &out, NULL);
		/* A schedule that breaks the function's rules is a failed one. */
		if (!st && out)
			st = tir_func_verify(out);
		if (!st && out && out->name == g->prim->name) {
			g->prim = out;
			continue;
		}
		/* A schedule is an optimization: the unscheduled function is
		 * still correct. */
		d->nunscheduled++;
		if (!d->first_schedule_error)
			d->first_schedule_error = sb_xasprintf(
			    "@%s: %s", g->prim->name, st ? sb_last_error() : "schedule renamed the function");
		if (sb_debug_enabled("schedule"))
			fprintf(stderr, "schedule: @%s left unscheduled: %s\n", g->prim->name,
				st ? sb_last_error() : "renamed");
	}
	/* The model's kernels, as opposed to the shape functions LowerShapes
	 * adds (for the kernel-call count). */
	for (size_t i = 0; i < m->globals.len; i++)
		if (m->globals.data[i]->prim)
			sb_map_put(&d->kernel_names, (uintptr_t)m->globals.data[i]->name, (void *)1);
	sb_clear_error();
	return SB_OK;
}

sb_status driver_lower(driver_state *d)
{
	relax_vm_lower_opts o = {
	    .pass = d->opts.pass,
	    .plan = {.nbounds = d->opts.nbounds, .bounds = d->opts.bounds, .report = &d->report},
	};
	return relax_lower_for_vm(d->relax, &o);
}

static sb_status make_stats_text(driver_state *d);

sb_status driver_vmgen(driver_state *d)
{
	sb_status st = sb_vmgen_build(d->relax, NULL, &d->exec);
	if (!st)
		st = make_stats_text(d);
	return st;
}

sb_status driver_kernels(driver_state *d)
{
	sb_llvm_options o = {.runtime_table = true, .function_table = true};
	relax_module *m = d->relax;
	sb_status st = sb_llvm_module_new("kernels", &o, &d->kernels);
	for (size_t i = 0; !st && i < m->globals.len; i++)
		if (m->globals.data[i]->prim)
			st = sb_llvm_module_add(d->kernels, m->tir, m->globals.data[i]->prim);
	return st;
}

/* A private folder under $TMPDIR (else /tmp). */
static sb_status make_temp_dir(char *buf, size_t size, const char *prefix)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(buf, size, "%s/%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);
	if (!mkdtemp(buf))
		return sb_set_error(SB_ERR_IO, "cannot make a temporary folder '%s': %s", buf,
				    strerror(errno));
	return SB_OK;
}

/* An assembly file defining sb_model_stats as the NUL-terminated text. */
static sb_status write_stats_asm(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return sb_set_error(SB_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
	fputs("\t.section .rodata.sb_model_stats,\"a\",@progbits\n"
	      "\t.globl sb_model_stats\n"
	      "\t.type sb_model_stats, @object\n"
	      "sb_model_stats:\n",
	      f);
	size_t n = strlen(text) + 1;
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%u%s", i % 32 ? "," : "\t.byte ", (unsigned char)text[i],
			i % 32 == 31 || i == n - 1 ? "\n" : "");
	fputs("\t.size sb_model_stats, . - sb_model_stats\n"
	      "\t.section .note.GNU-stack,\"\",@progbits\n",
	      f);
	if (fclose(f))
		return sb_set_error(SB_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
	return SB_OK;
}

sb_status driver_emit(driver_state *d)
{
	if (!d->opts.out_path)
		return sb_set_error(SB_ERR_INVALID, "no output path");
	char dir[4096];
	sb_status st = make_temp_dir(dir, sizeof dir, "sbc");
	if (st)
		return st;
	char *obj = sb_xasprintf("%s/kernels.o", dir), *s = sb_xasprintf("%s/stats.s", dir);
	double t0 = now_seconds();
	st = sb_llvm_emit_object(d->kernels, obj);
	double t1 = now_seconds();
	if (!st)
		st = write_stats_asm(s, d->stats_text ? d->stats_text : "");
	if (!st) {
		const char *objs[2] = {obj, s};
		st = sb_vmgen_write_artifact(d->opts.out_path, d->exec, 2, objs);
	}
	d->seconds_object = t1 - t0;
	d->seconds_link = now_seconds() - t1;
	unlink(obj);
	unlink(s);
	rmdir(dir);
	free(obj);
	free(s);
	return st;
}

/* ---- The pipeline ---- */

typedef sb_status (*driver_stage_fn)(driver_state *d);

static sb_status run_stage(driver_state *d, driver_stage s, driver_stage_fn fn)
{
	double t0 = now_seconds();
	sb_status st = fn(d);
	d->seconds[s] = now_seconds() - t0;
	if (!st)
		return SB_OK;
	/* Import errors already name the file. */
	if (s == DRIVER_IMPORT)
		return sb_error_prefix(st, "stage %s", stage_names[s]);
	return sb_error_prefix(st, "%s: stage %s", d->path, stage_names[s]);
}

sb_status driver_run(driver_state *d, driver_stage last)
{
	int threads = sb_get_num_threads();
	if (d->opts.threads > 0)
		sb_set_num_threads(d->opts.threads);
	sb_status st = SB_OK;
#define STAGE(S, fn)                                                                               \
	if (!st && last >= (S))                                                                    \
	st = run_stage(d, (S), (fn))
	STAGE(DRIVER_IMPORT, driver_import);
	STAGE(DRIVER_RELAY_OPT, driver_relay_opt);
	STAGE(DRIVER_BRIDGE, driver_bridge);
	STAGE(DRIVER_NORMALIZE, driver_normalize);
	STAGE(DRIVER_LEGALIZE, driver_legalize);
	STAGE(DRIVER_FOLD, driver_fold);
	STAGE(DRIVER_DCE, driver_dce);
	STAGE(DRIVER_SCHEDULE, driver_schedule);
	STAGE(DRIVER_LOWER, driver_lower);
	STAGE(DRIVER_VMGEN, driver_vmgen);
	STAGE(DRIVER_KERNELS, driver_kernels);
	STAGE(DRIVER_EMIT, driver_emit);
#undef STAGE
	if (d->opts.threads > 0)
		sb_set_num_threads(threads);
	return st;
}

sb_status driver_compile_file(const char *onnx, const char *out, const driver_opts *opts)
{
	driver_state d;
	driver_state_init(&d, onnx, opts);
	d.opts.out_path = out;
	sb_status st = driver_run(&d, DRIVER_EMIT);
	driver_state_free(&d);
	return st;
}

sb_status driver_compile_model(const char *onnx, const driver_opts *opts, sb_model **model,
			       char **stats_text)
{
	*model = NULL;
	if (stats_text)
		*stats_text = NULL;
	char dir[4096];
	sb_status st = make_temp_dir(dir, sizeof dir, "sbm");
	if (st)
		return st;
	char *so = sb_xasprintf("%s/model.so", dir);
	driver_state d;
	driver_state_init(&d, onnx, opts);
	d.opts.out_path = so;
	st = driver_run(&d, DRIVER_EMIT);
	if (!st && (st = sb_model_load(so, model)))
		sb_error_prefix(st, "%s: loading the compiled model", onnx);
	if (!st && stats_text) {
		*stats_text = d.stats_text;
		d.stats_text = NULL;
	}
	driver_state_free(&d);
	/* The loaded .so stays mapped after its file is gone. */
	unlink(so);
	rmdir(dir);
	free(so);
	return st;
}

/* ---- The stats text ----
 *
 *   sbstats 1
 *   kernel_calls 53
 *   tensors 60 storages 3
 *   planned * 4 max $batch 1
 *   unplanned ...
 *   outputs ...
 *
 * Expressions are in prefix form: an integer, $name (a shape variable),
 * or an operator (+ - * fdiv fmod tdiv tmod min max) followed by its two
 * operands; "?" is something the text cannot express. */

static void expr_encode(sb_strbuf *b, const tir_expr *e)
{
	const char *op = NULL;
	switch (e->kind) {
	case TIR_INT_IMM:
		sb_strbuf_printf(b, " %" PRId64, e->u.int_value);
		return;
	case TIR_VAR:
		sb_strbuf_printf(b, " $%s", e->u.var.name);
		return;
	case TIR_CAST:
		if (!sb_dtype_is_float(e->type.dtype) && !sb_dtype_is_float(e->ops[0]->type.dtype)) {
			expr_encode(b, e->ops[0]);
			return;
		}
		break;
	case TIR_ADD: op = "+"; break;
	case TIR_SUB: op = "-"; break;
	case TIR_MUL: op = "*"; break;
	case TIR_FLOOR_DIV: op = "fdiv"; break;
	case TIR_FLOOR_MOD: op = "fmod"; break;
	case TIR_DIV: op = "tdiv"; break;
	case TIR_MOD: op = "tmod"; break;
	case TIR_MIN: op = "min"; break;
	case TIR_MAX: op = "max"; break;
	default:
		break;
	}
	if (!op) {
		sb_strbuf_puts(b, " ?");
		return;
	}
	sb_strbuf_printf(b, " %s", op);
	expr_encode(b, e->ops[0]);
	expr_encode(b, e->ops[1]);
}

/* Calls of VM function fi to the model's kernels (n[0]) and to the shape
 * functions LowerShapes made (n[1]), VM-to-VM calls followed (both
 * branches of an if counted: exact for programs without one). */
static void count_calls(driver_state *d, int fi, int depth, int64_t n[2])
{
	const sb_vm_exec *e = d->exec;
	if (depth > SB_VM_MAX_DEPTH)
		return;
	const sb_vm_func *f = &e->funcs[fi];
	for (int pc = 0; pc < f->ncode; pc++) {
		const sb_vm_instr *in = &f->code[pc];
		if (in->op != SB_VM_CALL)
			continue;
		const char *callee = e->callees[in->a];
		int sub = sb_vm_exec_find_func(e, callee);
		if (sub >= 0)
			count_calls(d, sub, depth + 1, n);
		else if (strncmp(callee, "vm.builtin.", 11))
			n[sb_map_get(&d->kernel_names, (uintptr_t)relax_intern(d->relax, callee), NULL) ? 0
														 : 1]++;
	}
}

static sb_status make_stats_text(driver_state *d)
{
	sb_strbuf b = {0};
	sb_strbuf_puts(&b, "sbstats 1\n");
	if (d->exec->entry >= 0) {
		int64_t n[2] = {0, 0};
		count_calls(d, d->exec->entry, 0, n);
		sb_strbuf_printf(&b, "kernel_calls %" PRId64 "\nshape_calls %" PRId64 "\n", n[0], n[1]);
	}
	const char *entry = d->exec->entry >= 0 ? d->exec->funcs[d->exec->entry].name : "main";
	for (size_t i = 0; i < d->report.funcs.len; i++) {
		const relax_memory_plan *p = &d->report.funcs.data[i];
		if (strcmp(p->func, entry))
			continue;
		sb_strbuf_printf(&b, "tensors %d storages %d\nplanned", p->ntensors, p->nstorages);
		expr_encode(&b, p->planned);
		sb_strbuf_puts(&b, "\nunplanned");
		expr_encode(&b, p->unplanned);
		sb_strbuf_puts(&b, "\noutputs");
		expr_encode(&b, p->outputs);
		sb_strbuf_putc(&b, '\n');
	}
	free(d->stats_text);
	d->stats_text = sb_strbuf_take(&b);
	return SB_OK;
}

sb_status driver_read_stats(const char *so, char **out)
{
	*out = NULL;
	void *h = dlopen(so, RTLD_LAZY | RTLD_LOCAL);
	if (!h)
		return sb_set_error(SB_ERR_IO, "cannot load model: %s", dlerror());
	const char *text = dlsym(h, "sb_model_stats");
	if (text)
		*out = sb_xstrdup(text);
	dlclose(h);
	return SB_OK;
}

typedef struct stats_parser {
	const char *p;
	int n;
	const char *const *names;
	const int64_t *values;
	bool ok;
} stats_parser;

static int64_t floordiv64(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

static int64_t expr_decode(stats_parser *sp)
{
	while (*sp->p == ' ')
		sp->p++;
	const char *tok = sp->p;
	while (*sp->p && *sp->p != ' ' && *sp->p != '\n')
		sp->p++;
	size_t len = (size_t)(sp->p - tok);
	if (!len || !sp->ok) {
		sp->ok = false;
		return 0;
	}
	if ((tok[0] >= '0' && tok[0] <= '9') || (tok[0] == '-' && len > 1))
		return strtoll(tok, NULL, 10);
	if (tok[0] == '$') {
		for (int i = 0; i < sp->n; i++)
			if (strlen(sp->names[i]) == len - 1 && !strncmp(sp->names[i], tok + 1, len - 1))
				return sp->values[i];
		sp->ok = false;
		return 0;
	}
	static const char *const ops[] = {"+", "-", "*", "fdiv", "fmod", "tdiv", "tmod", "min", "max"};
	int op = -1;
	for (int i = 0; i < (int)SB_ARRAY_LEN(ops); i++)
		if (strlen(ops[i]) == len && !strncmp(ops[i], tok, len))
			op = i;
	if (op < 0) {
		sp->ok = false;
		return 0;
	}
	int64_t a = expr_decode(sp), b = expr_decode(sp);
	if (!sp->ok)
		return 0;
	if (op >= 3 && op <= 6 && b == 0) {
		sp->ok = false;
		return 0;
	}
	switch (op) {
	case 0: return a + b;
	case 1: return a - b;
	case 2: return a * b;
	case 3: return floordiv64(a, b);
	case 4: return a - floordiv64(a, b) * b;
	case 5: return a / b;
	case 6: return a % b;
	case 7: return a < b ? a : b;
	default: return a > b ? a : b;
	}
}

/* The value after "key" on its own line of text; -1 when absent or not
 * evaluable. */
static int64_t stats_field(const char *text, const char *key, int n, const char *const *names,
			   const int64_t *values)
{
	size_t klen = strlen(key);
	for (const char *line = text; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		if (strncmp(line, key, klen) || line[klen] != ' ')
			continue;
		stats_parser sp = {.p = line + klen, .n = n, .names = names, .values = values, .ok = true};
		int64_t v = expr_decode(&sp);
		return sp.ok ? v : -1;
	}
	return -1;
}

sb_status driver_stats_eval(const char *text, int n, const char *const *names,
			    const int64_t *values, driver_mem_figures *out)
{
	out->planned = out->unplanned = out->outputs = out->kernel_calls = out->shape_calls = -1;
	out->ntensors = out->nstorages = -1;
	if (!text || strncmp(text, "sbstats 1\n", 10))
		return sb_set_error(SB_ERR_INVALID, "the model carries no statistics");
	out->kernel_calls = stats_field(text, "kernel_calls", 0, NULL, NULL);
	out->shape_calls = stats_field(text, "shape_calls", 0, NULL, NULL);
	out->planned = stats_field(text, "planned", n, names, values);
	out->unplanned = stats_field(text, "unplanned", n, names, values);
	out->outputs = stats_field(text, "outputs", n, names, values);
	const char *t = strstr(text, "\ntensors ");
	if (t)
		sscanf(t + 1, "tensors %d storages %d", &out->ntensors, &out->nstorages);
	return SB_OK;
}

/* ---- Public API (shapebridge/compile.h) ---- */

static sb_status api_opts(const sb_compile_options *o, driver_opts *d, relax_shape_bound **bounds)
{
	memset(d, 0, sizeof *d);
	*bounds = NULL;
	if (!o)
		return SB_OK;
	if (o->nbounds < 0 || (o->nbounds && !o->bounds))
		return sb_set_error(SB_ERR_INVALID, "compile options: bad bounds array");
	if (o->nbounds) {
		*bounds = sb_xcalloc((size_t)o->nbounds, sizeof **bounds);
		for (int i = 0; i < o->nbounds; i++) {
			if (!o->bounds[i].name || o->bounds[i].max < 0) {
				free(*bounds);
				*bounds = NULL;
				return sb_set_error(SB_ERR_INVALID,
						    "compile options: bound %d needs a name and a max >= 0", i);
			}
			(*bounds)[i] = (relax_shape_bound){o->bounds[i].name, o->bounds[i].max};
		}
	}
	d->nbounds = o->nbounds;
	d->bounds = *bounds;
	d->threads = o->threads;
	return SB_OK;
}

sb_status sb_compile_file(const char *onnx_path, const char *so_path, const sb_compile_options *opts)
{
	if (!onnx_path || !so_path)
		return sb_set_error(SB_ERR_INVALID, "sb_compile_file: NULL path");
	driver_opts d;
	relax_shape_bound *bounds;
	sb_status st = api_opts(opts, &d, &bounds);
	if (!st)
		st = driver_compile_file(onnx_path, so_path, &d);
	free(bounds);
	return st;
}

sb_status sb_compile_load(const char *onnx_path, const sb_compile_options *opts, sb_model **model)
{
	if (!model)
		return sb_set_error(SB_ERR_INVALID, "sb_compile_load: NULL model pointer");
	*model = NULL;
	if (!onnx_path)
		return sb_set_error(SB_ERR_INVALID, "sb_compile_load: NULL path");
	driver_opts d;
	relax_shape_bound *bounds;
	sb_status st = api_opts(opts, &d, &bounds);
	if (!st)
		st = driver_compile_model(onnx_path, &d, model, NULL);
	free(bounds);
	return st;
}
