/* shapebridge run: runs a model once (or --repeat times) on inputs from
 * .npy files or random inputs of a given shape, and prints each output's
 * shape, a checksum and the time. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <sys/stat.h>

#include "cli.h"

static const char run_help[] =
	"usage: shapebridge run MODEL.onnx [--input NAME=FILE.npy | NAME=DxDx... ...]\n"
	"                      [--output DIR] [--optimize] [--repeat N] [--seed S]\n"
	"\n"
	"  --input NAME=FILE.npy   feed a .npy file to input NAME\n"
	"  --input NAME=1x3x224x224\n"
	"                          feed random data of that shape (floats: standard normal;\n"
	"                          integers: uniform in [0, 100); bool: 0/1), seeded by --seed\n"
	"  --output DIR            write each output to DIR/<name>.npy\n"
	"  --optimize              run the relay_like optimizations first\n"
	"  --repeat N              run N times and report median and minimum latency\n"
	"  --seed S                seed for random inputs (default 0)\n"
	"\n"
	"An input that is not given is an error, unless all its dims are static (then\n"
	"random data of that shape is used).  Exit code 0 on success, 1 on a bad model\n"
	"or input, 2 on bad usage.\n";

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

int cli_run(int argc, char **argv)
{
	const char *model_path = NULL, *out_dir = NULL;
	bool optimize = false;
	long repeat = 1, seed = 0;
	SB_VEC(const char *) specs = {0};
	int rc = CLI_USAGE;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(run_help, stdout);
			sb_vec_free(&specs);
			return CLI_OK;
		}
		bool takes = !strcmp(a, "--input") || !strcmp(a, "--output") || !strcmp(a, "--repeat") ||
			     !strcmp(a, "--seed");
		if (takes && i + 1 >= argc) {
			sb_vec_free(&specs);
			return cli_usage_error("run", "%s needs a value", a);
		}
		if (!strcmp(a, "--input")) {
			sb_vec_push(&specs, argv[++i]);
		} else if (!strcmp(a, "--output")) {
			out_dir = argv[++i];
		} else if (!strcmp(a, "--repeat")) {
			if (!cli_parse_int(a, argv[++i], &repeat) || repeat < 1) {
				sb_vec_free(&specs);
				return cli_usage_error("run", "--repeat needs a positive integer");
			}
		} else if (!strcmp(a, "--seed")) {
			if (!cli_parse_int(a, argv[++i], &seed)) {
				sb_vec_free(&specs);
				return CLI_USAGE;
			}
		} else if (!strcmp(a, "--optimize")) {
			optimize = true;
		} else if (a[0] == '-' && a[1]) {
			sb_vec_free(&specs);
			return cli_usage_error("run", "unknown option '%s'", a);
		} else if (!model_path) {
			model_path = a;
		} else {
			sb_vec_free(&specs);
			return cli_usage_error("run", "more than one model given ('%s' and '%s')", model_path, a);
		}
	}
	if (!model_path) {
		sb_vec_free(&specs);
		return cli_usage_error("run", "no model given");
	}

	relay_module *m = NULL;
	double t_load = cli_now();
	if (cli_load_model(model_path, optimize, &m)) {
		cli_error("%s", sb_last_error());
		sb_vec_free(&specs);
		return CLI_FAIL;
	}
	t_load = cli_now() - t_load;
	const relay_function *f = m->main;
	sb_tensor **inputs = sb_xcalloc((size_t)f->nparams + 1, sizeof *inputs);
	sb_tensor **outputs = sb_xcalloc((size_t)f->nresults + 1, sizeof *outputs);
	double *times = sb_xcalloc((size_t)repeat, sizeof *times);
	uint64_t rng = (uint64_t)seed;
	rc = CLI_FAIL;

	for (size_t s = 0; s < specs.len; s++) {
		const char *spec = specs.data[s], *eq = strchr(spec, '=');
		if (!eq || eq == spec) {
			rc = cli_usage_error("run", "--input '%s' is not NAME=FILE.npy or NAME=SHAPE", spec);
			goto out;
		}
		int p = -1;
		for (int i = 0; i < f->nparams; i++)
			if (strlen(f->params[i]->name) == (size_t)(eq - spec) &&
			    !strncmp(f->params[i]->name, spec, (size_t)(eq - spec)))
				p = i;
		if (p < 0) {
			sb_strbuf names = {0};
			for (int i = 0; i < f->nparams; i++)
				sb_strbuf_printf(&names, "%s'%s'", i ? ", " : "", f->params[i]->name);
			cli_error("--input %.*s: the model has no such input (its inputs: %s)", (int)(eq - spec),
				  spec, names.data ? names.data : "none");
			sb_strbuf_free(&names);
			goto out;
		}
		if (inputs[p]) {
			rc = cli_usage_error("run", "input '%s' given twice", f->params[p]->name);
			goto out;
		}
		int rank;
		int64_t shape[SB_MAX_RANK];
		const relay_type *ty = f->params[p]->u.var.annotation;
		if (parse_shape_spec(eq + 1, &rank, shape)) {
			inputs[p] = sb_tensor_new(ty->dtype, rank, shape);
			if (!inputs[p]) {
				cli_error("input '%s': %s", f->params[p]->name, sb_last_error());
				goto out;
			}
			fill_random(inputs[p], &rng);
		} else if (sb_npy_read(eq + 1, &inputs[p])) {
			cli_error("input '%s': %s", f->params[p]->name, sb_last_error());
			goto out;
		}
	}
	for (int i = 0; i < f->nparams; i++) {
		if (inputs[i])
			continue;
		const relay_type *ty = f->params[i]->u.var.annotation;
		if (!ty || !relay_type_is_static(ty)) {
			sb_strbuf b = {0};
			relay_type_print(&b, ty);
			cli_error("input '%s' (%s) has dynamic dims: give it with --input %s=FILE.npy or --input %s=SHAPE",
				  f->params[i]->name, b.data, f->params[i]->name, f->params[i]->name);
			sb_strbuf_free(&b);
			goto out;
		}
		int64_t shape[SB_MAX_RANK];
		for (int d = 0; d < ty->rank; d++)
			shape[d] = ty->dims[d].value;
		inputs[i] = sb_tensor_new(ty->dtype, ty->rank, shape);
		if (!inputs[i]) {
			cli_error("input '%s': %s", f->params[i]->name, sb_last_error());
			goto out;
		}
		fill_random(inputs[i], &rng);
	}
	for (long r = 0; r < repeat; r++) {
		for (int k = 0; k < f->nresults; k++) {
			sb_tensor_release(outputs[k]);
			outputs[k] = NULL;
		}
		double t0 = cli_now();
		if (relay_interp_run(m, f, inputs, outputs)) {
			cli_error("%s", sb_last_error());
			goto out;
		}
		times[r] = cli_now() - t0;
	}
	for (int i = 0; i < f->nparams; i++) {
		char desc[160];
		sb_tensor_describe(inputs[i], desc, sizeof desc);
		printf("input %s: %s\n", f->params[i]->name, desc);
	}
	if (out_dir && make_dirs(out_dir)) {
		cli_error("--output: %s", sb_last_error());
		goto out;
	}
	for (int k = 0; k < f->nresults; k++) {
		const char *name = f->result_names[k] ? f->result_names[k] : "output";
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
	printf("engine reference: load %.1f ms, run median %.2f ms, min %.2f ms over %ld run%s\n",
	       t_load * 1e3, times[repeat / 2] * 1e3, times[0] * 1e3, repeat, repeat == 1 ? "" : "s");
	rc = CLI_OK;
out:
	for (int i = 0; i < f->nparams; i++)
		sb_tensor_release(inputs[i]);
	for (int k = 0; k < f->nresults; k++)
		sb_tensor_release(outputs[k]);
	free(inputs);
	free(outputs);
	free(times);
	sb_vec_free(&specs);
	relay_module_free(m);
	return rc;
}
