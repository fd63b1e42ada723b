/* shapebridge run: runs a model once (or --repeat times) on inputs from
 * .npy files or random inputs of a given shape, and prints each output's
 * shape, a checksum and the time.  A .so runs through the model API; a
 * .onnx is compiled in memory first (the default engine) or interpreted by
 * the relay_like reference interpreter (--engine reference). */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli/driver.h"

static const char run_help[] =
	"usage: shapebridge run MODEL.(onnx|so) [--input NAME=FILE.(npy|pb) | NAME=DxDx... ...]\n"
	"                      [--output DIR] [--repeat N] [--seed S] [--stats] [--threads N]\n"
	"                      [--engine compiled|reference] [--bound NAME=MAX ...]\n"
	"                      [--bind NAME=FILE ...] [--optimize]\n"
	"\n"
	"  --input NAME=FILE.npy   feed a .npy file to input NAME (or an ONNX TensorProto\n"
	"                          .pb, as in test_data_set_K/input_I.pb)\n"
	"  --input NAME=1x3x224x224\n"
	"                          feed random data of that shape (floats: standard normal;\n"
	"                          integers: uniform in [0, 100); bool: 0/1), seeded by --seed\n"
	"  --output DIR            write each output to DIR/<name>.npy\n"
	"  --repeat N              run N times and report median and minimum latency\n"
	"  --seed S                seed for random inputs (default 0)\n"
	"  --stats                 (compiled) activation memory at these input shapes: planned\n"
	"                          (storages shared by tensors whose lifetimes do not\n"
	"                          overlap) and unplanned (one storage per tensor), the\n"
	"                          pool's measured peak, and the kernel calls per run\n"
	"  --threads N             threads of the runtime pool (default: SB_NUM_THREADS, or\n"
	"                          every core)\n"
	"  --engine compiled       (default) a .onnx is compiled in memory, once, then run;\n"
	"                          a .so always runs compiled\n"
	"  --engine reference      the relay_like reference interpreter (a .onnx only)\n"
	"  --bound NAME=MAX        (compiled .onnx) as 'shapebridge compile --bound'\n"
	"  --bind NAME=FILE        (compiled .onnx) as 'shapebridge compile --bind'; FILE\n"
	"                          (.npy or .pb) is also input NAME unless --input gives it\n"
	"  --optimize              (reference) run the relay_like optimizations first\n"
	"\n"
	"An input that is not given is an error, unless all its dims are static (then\n"
	"random data of that shape is used).  Exit code 0 on success, 1 on a bad model\n"
	"or input (the message names the input, the dim and what was expected), 2 on\n"
	"bad usage.\n";

/* splitmix64 + Box-Muller: deterministic inputs for a given seed. */
static uint64_t rng_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double rng_uniform(uint64_t *s) { return (double)(rng_next(s) >> 11) * 0x1.0p-53; }

static void fill_random(sb_tensor *t, uint64_t *seed)
{
	int64_t n = sb_tensor_numel(t);
	for (int64_t i = 0; i < n; i++) {
		if (sb_dtype_is_float(t->dtype)) {
			double u1 = rng_uniform(seed), u2 = rng_uniform(seed);
			sb_tensor_set_f64(t, i, sqrt(-2.0 * log(u1 + 1e-300)) * cos(6.283185307179586 * u2));
		} else if (t->dtype == SB_BOOL) {
			sb_tensor_set_i64(t, i, (int64_t)(rng_next(seed) & 1));
		} else {
			sb_tensor_set_i64(t, i, (int64_t)(rng_next(seed) % 100));
		}
	}
}

/* "1x3x224x224" → shape; false if it is not such a spec. */
static bool parse_shape_spec(const char *s, int *rank, int64_t *shape)
{
	*rank = 0;
	if (!*s)
		return false;
	while (*s) {
		char *end;
		if (*s < '0' || *s > '9' || *rank == SB_MAX_RANK)
			return false;
		long long v = strtoll(s, &end, 10);
		shape[(*rank)++] = v;
		s = end;
		if (*s == 'x' || *s == 'X' || *s == ',')
			s++;
		else if (*s)
			return false;
	}
	return true;
}

/* mkdir -p. */
static sb_status make_dirs(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s", dir);
	for (char *p = path + 1;; p++) {
		if (*p == '/' || !*p) {
			char c = *p;
			*p = '\0';
			struct stat st;
			if (mkdir(path, 0777) && errno != EEXIST)
				return sb_set_error(SB_ERR_IO, "cannot create folder '%s': %s", path, strerror(errno));
			if (stat(path, &st) || !S_ISDIR(st.st_mode))
				return sb_set_error(SB_ERR_IO, "'%s' is not a folder", path);
			*p = c;
			if (!c)
				break;
		}
	}
	return SB_OK;
}

/* An output name as a file name: characters that a path would read
 * differently ('/', leading '.') become '_'. */
static void output_file_name(const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s", name);
	for (char *p = buf; *p; p++)
		if (*p == '/' || *p == '\\' || (p == buf && *p == '.'))
			*p = '_';
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

void cli_print_tensor_summary(const char *name, const sb_tensor *t)
{
	char desc[160];
	sb_tensor_describe(t, desc, sizeof desc);
	double sum = 0, asum = 0;
	int64_t n = sb_tensor_numel(t);
	for (int64_t i = 0; i < n; i++) {
		double v = sb_tensor_get_f64(t, i);
		sum += v;
		asum += fabs(v);
	}
	printf("output %s: %s sum=%.6g mean|x|=%.6g", name, desc, sum, n ? asum / (double)n : 0.0);
	if (n) {
		printf(" first=[");
		for (int64_t i = 0; i < n && i < 4; i++)
			printf("%s%.6g", i ? ", " : "", sb_tensor_get_f64(t, i));
		printf("%s]", n > 4 ? ", ..." : "");
	}
	putchar('\n');
}

/* What run needs to know of an input, from either engine. */
typedef struct input_desc {
	const char *name;
	sb_dtype dtype;
	int rank;	       /* -1: unknown */
	int64_t dims[SB_MAX_RANK]; /* -1: unknown */
	const char *dim_names[SB_MAX_RANK];
} input_desc;

typedef struct run_model {
	int ninputs, noutputs;
	input_desc *inputs;
	const char **output_names;
	/* one engine or the other */
	relay_module *relay;
	sb_model *compiled;
	char *stats_text;
	const char *engine;
	double t_prepare; /* compile or load (or import) */
	const char *prepare_what;
} run_model;

static void run_model_free(run_model *rm)
{
	free(rm->inputs);
	free(rm->output_names);
	relay_module_free(rm->relay);
	sb_model_free(rm->compiled);
	free(rm->stats_text);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

static sb_status prepare_reference(run_model *rm, const char *path, bool optimize)
{
	sb_status st = cli_load_model(path, optimize, &rm->relay);
	if (st)
		return st;
	const relay_function *f = rm->relay->main;
	rm->ninputs = f->nparams;
	rm->noutputs = f->nresults;
	rm->inputs = sb_xcalloc((size_t)f->nparams + 1, sizeof *rm->inputs);
	rm->output_names = sb_xcalloc((size_t)f->nresults + 1, sizeof *rm->output_names);
	for (int i = 0; i < f->nparams; i++) {
		input_desc *d = &rm->inputs[i];
		const relay_type *ty = f->params[i]->u.var.annotation;
		d->name = f->params[i]->name;
		d->rank = -1;
		if (!ty || ty->kind != RELAY_TYPE_TENSOR)
			continue;
		d->dtype = ty->dtype;
		d->rank = ty->rank <= SB_MAX_RANK ? ty->rank : -1;
		for (int k = 0; k < d->rank; k++) {
			d->dims[k] = ty->dims[k].value; /* -1 when unknown */
			d->dim_names[k] = ty->dims[k].name;
		}
	}
	for (int k = 0; k < f->nresults; k++)
		rm->output_names[k] = f->result_names[k] ? f->result_names[k] : "output";
	return SB_OK;
}

static sb_status prepare_compiled(run_model *rm, const char *path, const driver_opts *o)
{
	sb_status st;
	if (ends_with(path, ".onnx")) {
		rm->prepare_what = "compile";
		st = driver_compile_model(path, o, &rm->compiled, &rm->stats_text);
	} else {
		char buf[4096];
		path = cli_so_path(path, buf, sizeof buf);
		rm->prepare_what = "load";
		if (!(st = sb_model_load(path, &rm->compiled)))
			st = driver_read_stats(path, &rm->stats_text);
	}
	if (st)
		return st;
	sb_model *m = rm->compiled;
	rm->ninputs = sb_model_num_inputs(m);
	rm->noutputs = sb_model_num_outputs(m);
	rm->inputs = sb_xcalloc((size_t)rm->ninputs + 1, sizeof *rm->inputs);
	rm->output_names = sb_xcalloc((size_t)rm->noutputs + 1, sizeof *rm->output_names);
	for (int i = 0; i < rm->ninputs; i++) {
		sb_io_info io;
		sb_model_input_info(m, i, &io);
		input_desc *d = &rm->inputs[i];
		d->name = io.name;
		d->dtype = io.dtype;
		d->rank = io.rank <= SB_MAX_RANK ? io.rank : -1;
		for (int k = 0; k < d->rank; k++) {
			d->dims[k] = io.dims[k].name ? -1 : io.dims[k].value;
			d->dim_names[k] = io.dims[k].name;
		}
	}
	for (int k = 0; k < rm->noutputs; k++) {
		sb_io_info io;
		sb_model_output_info(m, k, &io);
		rm->output_names[k] = io.name;
	}
	return SB_OK;
}

static bool desc_is_static(const input_desc *d)
{
	if (d->rank < 0)
		return false;
	for (int k = 0; k < d->rank; k++)
		if (d->dims[k] < 0)
			return false;
	return true;
}

static void desc_print(sb_strbuf *b, const input_desc *d)
{
	sb_strbuf_printf(b, "%s[", sb_dtype_name(d->dtype));
	if (d->rank < 0)
		sb_strbuf_puts(b, "...");
	for (int k = 0; k < d->rank; k++) {
		if (k)
			sb_strbuf_putc(b, ',');
		if (d->dims[k] >= 0)
			sb_strbuf_printf(b, "%" PRId64, d->dims[k]);
		else
			sb_strbuf_puts(b, d->dim_names[k] ? d->dim_names[k] : "?");
	}
	sb_strbuf_putc(b, ']');
}

static sb_status run_once(run_model *rm, sb_tensor **inputs, sb_tensor **outputs)
{
	if (rm->relay)
		return relay_interp_run(rm->relay, rm->relay->main, inputs, outputs);
	return sb_model_run(rm->compiled, inputs, rm->ninputs, outputs, rm->noutputs);
}

static void print_bytes(const char *what, int64_t v)
{
	if (v < 0)
		printf("  %-22s n/a\n", what);
	else
		printf("  %-22s %" PRId64 " bytes (%.2f MiB)\n", what, v, (double)v / (1024.0 * 1024.0));
}

/* --stats: the memory plan at the actual input shapes, and the kernel
 * calls. */
static void print_stats(run_model *rm, sb_tensor **inputs)
{
	SB_VEC(const char *) names = {0};
	SB_VEC(int64_t) values = {0};
	for (int i = 0; i < rm->ninputs; i++)
		for (int k = 0; k < rm->inputs[i].rank && k < inputs[i]->dl.ndim; k++)
			if (rm->inputs[i].dim_names[k]) {
				sb_vec_push(&names, rm->inputs[i].dim_names[k]);
				sb_vec_push(&values, inputs[i]->shape[k]);
			}
	driver_mem_figures fig;
	sb_status st = driver_stats_eval(rm->stats_text, (int)names.len, names.data, values.data, &fig);
	sb_mem_stats pool;
	sb_model_mem_stats(rm->compiled, &pool);
	printf("stats:\n");
	if (st) {
		printf("  %s\n", sb_last_error());
	} else {
		print_bytes("planned activations", fig.planned);
		print_bytes("unplanned activations", fig.unplanned);
		if (fig.planned >= 0 && fig.unplanned > 0)
			printf("  %-22s %.1f%% of unplanned (%d tensors in %d storages)\n", "planned/unplanned",
			       100.0 * (double)fig.planned / (double)fig.unplanned, fig.ntensors,
			       fig.nstorages);
		print_bytes("outputs", fig.outputs);
	}
	print_bytes("pool peak (measured)", (int64_t)pool.bytes_peak);
	printf("  %-22s %" PRIu64 " allocations, %" PRIu64 " from malloc\n", "pool", pool.allocs,
	       pool.mallocs);
	if (!st && fig.kernel_calls >= 0)
		printf("  %-22s %" PRId64 " (and %" PRId64 " shape computations)\n", "kernel calls per run",
		       fig.kernel_calls, fig.shape_calls);
	sb_vec_free(&names);
	sb_vec_free(&values);
}

int cli_run(int argc, char **argv)
{
	const char *model_path = NULL, *out_dir = NULL, *engine = NULL;
	bool optimize = false, stats = false;
	long repeat = 1, seed = 0, threads = 0;
	SB_VEC(const char *) specs = {0};
	SB_VEC(relax_shape_bound) bounds = {0};
	SB_VEC(driver_bind) binds = {0};
	run_model rm = {0};
	sb_tensor **inputs = NULL, **outputs = NULL;
	double *times = NULL;
	int rc = CLI_USAGE;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(run_help, stdout);
			rc = CLI_OK;
			goto out;
		}
		bool takes = !strcmp(a, "--input") || !strcmp(a, "--output") || !strcmp(a, "--repeat") ||
			     !strcmp(a, "--seed") || !strcmp(a, "--threads") || !strcmp(a, "--engine") ||
			     !strcmp(a, "--bound") || !strcmp(a, "--bind");
		if (takes && i + 1 >= argc) {
			rc = cli_usage_error("run", "%s needs a value", a);
			goto out;
		}
		if (!strcmp(a, "--input")) {
			sb_vec_push(&specs, argv[++i]);
		} else if (!strcmp(a, "--output")) {
			out_dir = argv[++i];
		} else if (!strcmp(a, "--repeat")) {
			if (!cli_parse_int(a, argv[++i], &repeat) || repeat < 1) {
				rc = cli_usage_error("run", "--repeat needs a positive integer");
				goto out;
			}
		} else if (!strcmp(a, "--seed")) {
			if (!cli_parse_int(a, argv[++i], &seed))
				goto out;
		} else if (!strcmp(a, "--threads")) {
			if (!cli_parse_int(a, argv[++i], &threads) || threads < 1) {
				rc = cli_usage_error("run", "--threads needs a positive integer");
				goto out;
			}
		} else if (!strcmp(a, "--engine")) {
			engine = argv[++i];
			if (strcmp(engine, "compiled") && strcmp(engine, "reference")) {
				rc = cli_usage_error("run", "unknown engine '%s' (engines: compiled, reference)",
						     engine);
				goto out;
			}
		} else if (!strcmp(a, "--bound")) {
			relax_shape_bound b;
			if (!cli_parse_bound(argv[++i], &b))
				goto out;
			sb_vec_push(&bounds, b);
		} else if (!strcmp(a, "--bind")) {
			driver_bind b;
			if (!cli_parse_bind(argv[++i], &b))
				goto out;
			sb_vec_push(&binds, b);
		} else if (!strcmp(a, "--optimize")) {
			optimize = true;
		} else if (!strcmp(a, "--stats")) {
			stats = true;
		} else if (a[0] == '-' && a[1]) {
			rc = cli_usage_error("run", "unknown option '%s'", a);
			goto out;
		} else if (!model_path) {
			model_path = a;
		} else {
			rc = cli_usage_error("run", "more than one model given ('%s' and '%s')", model_path, a);
			goto out;
		}
	}
	if (!model_path) {
		rc = cli_usage_error("run", "no model given");
		goto out;
	}
	bool is_onnx = ends_with(model_path, ".onnx");
	bool reference = engine && !strcmp(engine, "reference");
	if (reference && !is_onnx) {
		rc = cli_usage_error("run", "--engine reference runs a .onnx model, not '%s'", model_path);
		goto out;
	}
	if (reference && (stats || bounds.len || binds.len)) {
		rc = cli_usage_error("run", "--stats, --bound and --bind go with the compiled engine");
		goto out;
	}
	if (!reference && optimize) {
		rc = cli_usage_error("run", "--optimize goes with --engine reference (the compiler always optimizes)");
		goto out;
	}
	if (!is_onnx && (bounds.len || binds.len)) {
		rc = cli_usage_error("run", "--%s is a compile option: '%s' is already compiled",
				     bounds.len ? "bound" : "bind", model_path);
		goto out;
	}
	if (threads > 0)
		sb_set_num_threads((int)threads);

	rc = CLI_FAIL;
	double t0 = cli_now();
	driver_opts dopts = {.nbounds = (int)bounds.len,
			     .bounds = bounds.data,
			     .nbinds = (int)binds.len,
			     .binds = binds.data};
	sb_status st = reference ? prepare_reference(&rm, model_path, optimize)
				 : prepare_compiled(&rm, model_path, &dopts);
	rm.t_prepare = cli_now() - t0;
	rm.engine = reference ? "reference" : "compiled";
	if (!rm.prepare_what)
		rm.prepare_what = "load";
	if (st) {
		cli_error("%s", sb_last_error());
		goto out;
	}
	inputs = sb_xcalloc((size_t)rm.ninputs + 1, sizeof *inputs);
	outputs = sb_xcalloc((size_t)rm.noutputs + 1, sizeof *outputs);
	times = sb_xcalloc((size_t)repeat, sizeof *times);
	uint64_t rng = (uint64_t)seed;

	for (size_t s = 0; s < specs.len; s++) {
		const char *spec = specs.data[s], *eq = strchr(spec, '=');
		if (!eq || eq == spec) {
			rc = cli_usage_error("run", "--input '%s' is not NAME=FILE or NAME=SHAPE", spec);
			goto out;
		}
		int p = -1;
		for (int i = 0; i < rm.ninputs; i++)
			if (strlen(rm.inputs[i].name) == (size_t)(eq - spec) &&
			    !strncmp(rm.inputs[i].name, spec, (size_t)(eq - spec)))
				p = i;
		if (p < 0) {
			sb_strbuf names = {0};
			for (int i = 0; i < rm.ninputs; i++)
				sb_strbuf_printf(&names, "%s'%s'", i ? ", " : "", rm.inputs[i].name);
			cli_error("--input %.*s: the model has no such input (its inputs: %s)", (int)(eq - spec),
				  spec, names.data ? names.data : "none");
			sb_strbuf_free(&names);
			goto out;
		}
		if (inputs[p]) {
			rc = cli_usage_error("run", "input '%s' given twice", rm.inputs[p].name);
			goto out;
		}
		int rank;
		int64_t shape[SB_MAX_RANK];
		if (parse_shape_spec(eq + 1, &rank, shape)) {
			inputs[p] = sb_tensor_new(rm.inputs[p].dtype, rank, shape);
			if (!inputs[p]) {
				cli_error("input '%s': %s", rm.inputs[p].name, sb_last_error());
				goto out;
			}
			fill_random(inputs[p], &rng);
		} else if (driver_read_tensor_file(eq + 1, &inputs[p])) {
			cli_error("input '%s': %s", rm.inputs[p].name, sb_last_error());
			goto out;
		}
	}
	/* A bound input not given otherwise is the value it was bound to. */
	for (size_t b = 0; b < binds.len; b++)
		for (int i = 0; i < rm.ninputs; i++)
			if (!inputs[i] && !strcmp(rm.inputs[i].name, binds.data[b].name) &&
			    driver_read_tensor_file(binds.data[b].path, &inputs[i])) {
				cli_error("input '%s': %s", rm.inputs[i].name, sb_last_error());
				goto out;
			}
	for (int i = 0; i < rm.ninputs; i++) {
		if (inputs[i])
			continue;
		const input_desc *d = &rm.inputs[i];
		if (!desc_is_static(d)) {
			sb_strbuf b = {0};
			desc_print(&b, d);
			cli_error("input '%s' (%s) has dynamic dims: give it with --input %s=FILE.npy or --input %s=SHAPE",
				  d->name, b.data, d->name, d->name);
			sb_strbuf_free(&b);
			goto out;
		}
		inputs[i] = sb_tensor_new(d->dtype, d->rank, d->dims);
		if (!inputs[i]) {
			cli_error("input '%s': %s", d->name, sb_last_error());
			goto out;
		}
		fill_random(inputs[i], &rng);
	}
	for (long r = 0; r < repeat; r++) {
		for (int k = 0; k < rm.noutputs; k++) {
			sb_tensor_release(outputs[k]);
			outputs[k] = NULL;
		}
		double t1 = cli_now();
		if (run_once(&rm, inputs, outputs)) {
			cli_error("%s", sb_last_error());
			goto out;
		}
		times[r] = cli_now() - t1;
	}
	for (int i = 0; i < rm.ninputs; i++) {
		char desc[160];
		sb_tensor_describe(inputs[i], desc, sizeof desc);
		printf("input %s: %s\n", rm.inputs[i].name, desc);
	}
	if (out_dir && make_dirs(out_dir)) {
		cli_error("--output: %s", sb_last_error());
		goto out;
	}
	for (int k = 0; k < rm.noutputs; k++) {
		const char *name = rm.output_names[k];
		cli_print_tensor_summary(name, outputs[k]);
		if (out_dir) {
			char path[4096], file[256];
			output_file_name(name, file, sizeof file);
			snprintf(path, sizeof path, "%s/%s.npy", out_dir, file);
			if (sb_npy_write(path, outputs[k])) {
				cli_error("%s", sb_last_error());
				goto out;
			}
		}
	}
	qsort(times, (size_t)repeat, sizeof *times, cmp_double);
	printf("engine %s: %s %.1f ms, run median %.2f ms, min %.2f ms over %ld run%s (%d thread%s)\n",
	       rm.engine, rm.prepare_what, rm.t_prepare * 1e3, times[repeat / 2] * 1e3, times[0] * 1e3,
	       repeat, repeat == 1 ? "" : "s", sb_get_num_threads(), sb_get_num_threads() == 1 ? "" : "s");
	if (stats)
		print_stats(&rm, inputs);
	rc = CLI_OK;
out:
	for (int i = 0; inputs && i < rm.ninputs; i++)
		sb_tensor_release(inputs[i]);
	for (int k = 0; outputs && k < rm.noutputs; k++)
		sb_tensor_release(outputs[k]);
	free(inputs);
	free(outputs);
	free(times);
	sb_vec_free(&specs);
	for (size_t i = 0; i < bounds.len; i++)
		free((char *)bounds.data[i].name);
	sb_vec_free(&bounds);
	cli_binds_free((int)binds.len, binds.data);
	sb_vec_free(&binds);
	run_model_free(&rm);
	return rc;
}
