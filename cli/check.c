/* shapebridge check: runs folders in the ONNX backend-test layout
 * (model.onnx + test_data_set_K/input_I.pb, output_I.pb) and compares each
 * output with the stored one. */
#include <dirent.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "cli.h"
#include "cli/driver.h"

static const char check_help[] =
	"usage: shapebridge check DIR... [--engine reference|compiled] [--module FILE.so]\n"
	"                        [--optimize] [--atol A] [--rtol R]\n"
	"\n"
	"Each DIR holds model.onnx and test_data_set_K/ folders of input_I.pb and\n"
	"output_I.pb (serialized TensorProto), as in ONNX's backend tests.  Every set\n"
	"is run and each output compared: |got - want| <= atol + rtol * |want|.\n"
	"\n"
	"  --engine reference   the relay_like reference interpreter (default)\n"
	"  --engine compiled    compile each DIR's model.onnx once (in memory), then run\n"
	"                       every test set against that one compiled module;\n"
	"                       inputs whose values the compiler needs (reduce axes,\n"
	"                       Resize scales, ...) are bound to test_data_set_0's\n"
	"                       (compile --bind), so a set with other values fails\n"
	"  --module FILE.so     run every test set of every DIR against this compiled\n"
	"                       model (model.onnx is not read)\n"
	"  --optimize           (reference) run the relay_like optimizations first\n"
	"  --atol A             absolute tolerance (default 1e-4)\n"
	"  --rtol R             relative tolerance (default 1e-3)\n"
	"\n"
	"Prints one line per folder ('ok', or 'FAIL' with why) and closes with\n"
	"'N passed, N failed, N skipped'.  Exit code 0 if all passed, 1 if any\n"
	"failed, 2 on bad usage.\n";

bool cli_compare(const sb_tensor *got, const sb_tensor *want, double atol, double rtol, char *why,
		 size_t whysize)
{
	char g[160], w[160];
	sb_tensor_describe(got, g, sizeof g);
	sb_tensor_describe(want, w, sizeof w);
	if (!sb_shape_equal(got->dl.ndim, got->shape, want->dl.ndim, want->shape)) {
		snprintf(why, whysize, "shape mismatch: got %s, expected %s", g, w);
		return false;
	}
	if (got->dtype != want->dtype) {
		snprintf(why, whysize, "dtype mismatch: got %s, expected %s", g, w);
		return false;
	}
	int64_t n = sb_tensor_numel(got), worst = -1, bad = 0;
	double worst_excess = 0;
	for (int64_t i = 0; i < n; i++) {
		double a = sb_tensor_get_f64(got, i), b = sb_tensor_get_f64(want, i);
		if (isnan(a) && isnan(b))
			continue;
		if (isinf(a) && isinf(b) && (a > 0) == (b > 0))
			continue;
		double err = fabs(a - b), tol = atol + rtol * fabs(b);
		if (!(err <= tol)) { /* NaN compares false */
			bad++;
			double excess = isnan(err) ? INFINITY : err - tol;
			if (worst < 0 || excess > worst_excess) {
				worst = i;
				worst_excess = excess;
			}
		}
	}
	if (worst < 0)
		return true;
	/* Report the worst element with its multi-index. */
	int64_t idx[SB_MAX_RANK], rem = worst;
	for (int d = got->dl.ndim - 1; d >= 0; d--) {
		idx[d] = got->shape[d] ? rem % got->shape[d] : 0;
		rem = got->shape[d] ? rem / got->shape[d] : 0;
	}
	char where[160];
	sb_shape_format(got->dl.ndim, idx, where, sizeof where);
	double a = sb_tensor_get_f64(got, worst), b = sb_tensor_get_f64(want, worst);
	snprintf(why, whysize, "%" PRId64 " of %" PRId64 " elements differ; max error %.3g at %s (got %.7g, expected %.7g)",
		 bad, n, fabs(a - b), where, a, b);
	return false;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The test_data_set_* folders of dir, sorted. */
static int list_sets(const char *dir, char ***out)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	SB_VEC(char *) sets = {0};
	struct dirent *ent;
	while ((ent = readdir(d)))
		if (!strncmp(ent->d_name, "test_data_set_", 14))
			sb_vec_push(&sets, sb_xstrdup(ent->d_name));
	closedir(d);
	qsort(sets.data, sets.len, sizeof(char *), cmp_str);
	*out = sets.data;
	return (int)sets.len;
}

static bool file_exists(const char *path)
{
	struct stat s;
	return stat(path, &s) == 0;
}

typedef SB_VEC(sb_tensor *) tensor_vec;
typedef SB_VEC(char *) name_vec;

/* Reads prefix_0.pb, prefix_1.pb, ... until one is missing. */
static sb_status read_pb_series(const char *setdir, const char *prefix, tensor_vec *ts,
				name_vec *names)
{
	for (int i = 0;; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s_%d.pb", setdir, prefix, i);
		if (!file_exists(path))
			return SB_OK;
		sb_tensor *t;
		char *name = NULL;
		sb_status st = sb_tensorproto_read(path, &t, &name);
		if (st)
			return st;
		sb_vec_push(ts, t);
		sb_vec_push(names, name);
	}
}

static void free_series(tensor_vec *ts, name_vec *names)
{
	for (size_t i = 0; i < ts->len; i++)
		sb_tensor_release(ts->data[i]);
	for (size_t i = 0; i < names->len; i++)
		free(names->data[i]);
	sb_vec_free(ts);
	sb_vec_free(names);
}

/* ONNX 1.12's backend test data stores bfloat16 tensors as UINT16
 * TensorProtos; where the model says bfloat16, take the bits as such. */
static void adopt_bf16(sb_tensor *t, sb_dtype want)
{
	if (want == SB_BF16 && t->dtype == SB_U16) {
		t->dtype = SB_BF16;
		t->dl.dtype = sb_dtype_to_dl(SB_BF16);
	}
}

/* A model to check, by either engine: its inputs and outputs, and how to
 * run it. */
typedef struct check_model {
	int nin, nout;
	const char **in_names, **out_names;
	sb_dtype *in_dtypes;
	relay_module *relay; /* reference */
	sb_model *compiled;  /* compiled */
	bool borrowed;	     /* --module: freed by the caller */
} check_model;

static void check_model_free(check_model *cm)
{
	free(cm->in_names);
	free(cm->out_names);
	free(cm->in_dtypes);
	relay_module_free(cm->relay);
	if (!cm->borrowed)
		sb_model_free(cm->compiled);
	memset(cm, 0, sizeof *cm);
}

static void check_model_alloc(check_model *cm, int nin, int nout)
{
	cm->nin = nin;
	cm->nout = nout;
	cm->in_names = sb_xcalloc((size_t)nin + 1, sizeof *cm->in_names);
	cm->in_dtypes = sb_xcalloc((size_t)nin + 1, sizeof *cm->in_dtypes);
	cm->out_names = sb_xcalloc((size_t)nout + 1, sizeof *cm->out_names);
}

static void check_model_of_relay(check_model *cm, relay_module *m)
{
	const relay_function *f = m->main;
	cm->relay = m;
	check_model_alloc(cm, f->nparams, f->nresults);
	for (int i = 0; i < f->nparams; i++) {
		const relay_type *ty = f->params[i]->u.var.annotation;
		cm->in_names[i] = f->params[i]->name;
		cm->in_dtypes[i] = ty && ty->kind == RELAY_TYPE_TENSOR ? ty->dtype : SB_DT_INVALID;
	}
	for (int r = 0; r < f->nresults; r++)
		cm->out_names[r] = f->result_names[r];
}

static void check_model_of_compiled(check_model *cm, sb_model *m, bool borrowed)
{
	cm->compiled = m;
	cm->borrowed = borrowed;
	check_model_alloc(cm, sb_model_num_inputs(m), sb_model_num_outputs(m));
	for (int i = 0; i < cm->nin; i++) {
		sb_io_info io;
		sb_model_input_info(m, i, &io);
		cm->in_names[i] = io.name;
		cm->in_dtypes[i] = io.dtype;
	}
	for (int r = 0; r < cm->nout; r++) {
		sb_io_info io;
		sb_model_output_info(m, r, &io);
		cm->out_names[r] = io.name;
	}
}

/* Runs one test set; returns true if every output matched.  why gets the reason otherwise. */
static bool run_set(check_model *cm, const char *setdir, double atol, double rtol, char *why,
		    size_t whysize)
{
	tensor_vec ins = {0}, outs = {0};
	name_vec in_names = {0}, out_names = {0};
	bool ok = false;
	sb_tensor **inputs = sb_xcalloc((size_t)cm->nin + 1, sizeof *inputs);
	sb_tensor **results = sb_xcalloc((size_t)cm->nout + 1, sizeof *results);
	sb_status st = read_pb_series(setdir, "input", &ins, &in_names);
	if (!st)
		st = read_pb_series(setdir, "output", &outs, &out_names);
	if (st) {
		snprintf(why, whysize, "%s", sb_last_error());
		goto out;
	}
	if ((int)ins.len != cm->nin) {
		snprintf(why, whysize, "set has %zu inputs, model takes %d", ins.len, cm->nin);
		goto out;
	}
	if ((int)outs.len != cm->nout) {
		snprintf(why, whysize, "set has %zu outputs, model gives %d", outs.len, cm->nout);
		goto out;
	}
	/* Match inputs by name where the files carry names, else by position. */
	for (int i = 0; i < cm->nin; i++) {
		int k = i;
		for (size_t j = 0; j < ins.len; j++)
			if (in_names.data[j] && cm->in_names[i] && !strcmp(in_names.data[j], cm->in_names[i]))
				k = (int)j;
		inputs[i] = ins.data[k];
		adopt_bf16(inputs[i], cm->in_dtypes[i]);
	}
	if (cm->relay)
		st = relay_interp_run(cm->relay, cm->relay->main, inputs, results);
	else
		st = sb_model_run(cm->compiled, inputs, cm->nin, results, cm->nout);
	if (st) {
		snprintf(why, whysize, "%s", sb_last_error());
		goto out;
	}
	ok = true;
	for (int r = 0; r < cm->nout && ok; r++) {
		int k = r;
		for (size_t j = 0; j < outs.len; j++)
			if (out_names.data[j] && cm->out_names[r] && !strcmp(out_names.data[j], cm->out_names[r]))
				k = (int)j;
		char reason[1024];
		adopt_bf16(outs.data[k], results[r]->dtype);
		if (!cli_compare(results[r], outs.data[k], atol, rtol, reason, sizeof reason)) {
			snprintf(why, whysize, "output '%s': %s", cm->out_names[r] ? cm->out_names[r] : "?", reason);
			ok = false;
		}
	}
out:
	for (int r = 0; r < cm->nout; r++)
		sb_tensor_release(results[r]);
	free(results);
	free(inputs);
	free_series(&ins, &in_names);
	free_series(&outs, &out_names);
	return ok;
}

/* "node/test_abs" from ".../data/node/test_abs/". */
static const char *case_name(const char *dir, char *buf, size_t size)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	size_t start = n, slashes = 0;
	while (start > 0) {
		if (dir[start - 1] == '/' && ++slashes == 2)
			break;
		start--;
	}
	snprintf(buf, size, "%.*s", (int)(n - start), dir + start);
	return buf;
}

int cli_check(int argc, char **argv)
{
	double atol = 1e-4, rtol = 1e-3;
	bool optimize = false, compiled = false;
	const char *module_path = NULL;
	SB_VEC(const char *) dirs = {0};
	int rc = CLI_USAGE;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(check_help, stdout);
			sb_vec_free(&dirs);
			return CLI_OK;
		} else if (!strcmp(a, "--atol") || !strcmp(a, "--rtol") || !strcmp(a, "--engine") ||
			   !strcmp(a, "--module")) {
			if (i + 1 >= argc) {
				sb_vec_free(&dirs);
				return cli_usage_error("check", "%s needs a value", a);
			}
			const char *v = argv[++i];
			if (!strcmp(a, "--engine")) {
				if (strcmp(v, "reference") && strcmp(v, "compiled")) {
					sb_vec_free(&dirs);
					return cli_usage_error("check", "unknown engine '%s' (engines: reference, compiled)", v);
				}
				compiled = !strcmp(v, "compiled");
			} else if (!strcmp(a, "--module")) {
				module_path = v;
			} else if (!cli_parse_double(a, v, !strcmp(a, "--atol") ? &atol : &rtol)) {
				sb_vec_free(&dirs);
				return CLI_USAGE;
			}
		} else if (!strcmp(a, "--optimize")) {
			optimize = true;
		} else if (a[0] == '-' && a[1]) {
			sb_vec_free(&dirs);
			return cli_usage_error("check", "unknown option '%s'", a);
		} else {
			sb_vec_push(&dirs, a);
		}
	}
	if (!dirs.len)
		return cli_usage_error("check", "no test folder given");
	if (optimize && (compiled || module_path)) {
		sb_vec_free(&dirs);
		return cli_usage_error("check", "--optimize goes with --engine reference (the compiler always optimizes)");
	}

	sb_model *module = NULL;
	if (module_path) {
		char buf[4096];
		if (sb_model_load(cli_so_path(module_path, buf, sizeof buf), &module)) {
			cli_error("%s", sb_last_error());
			sb_vec_free(&dirs);
			return CLI_FAIL;
		}
	}
	int passed = 0, failed = 0, skipped = 0;
	for (size_t d = 0; d < dirs.len; d++) {
		const char *dir = dirs.data[d];
		char name[512], model_path[4096], why[2048] = "";
		case_name(dir, name, sizeof name);
		snprintf(model_path, sizeof model_path, "%s/model.onnx", dir);
		char **sets = NULL;
		int nsets = list_sets(dir, &sets);
		check_model cm = {0};
		double t0 = cli_now(), t_compile = 0;
		bool ok = false, loaded = false;
		if (nsets < 0) {
			snprintf(why, sizeof why, "cannot open folder '%s'", dir);
		} else if (!module && !file_exists(model_path)) {
			snprintf(why, sizeof why, "no model.onnx in '%s'", dir);
		} else if (nsets == 0) {
			snprintf(why, sizeof why, "no test_data_set_* folders");
		} else if (module) {
			check_model_of_compiled(&cm, module, true);
			loaded = true;
		} else if (compiled) {
			/* Inputs the bridge needs at compile time are bound to
			 * the first set's values; every set then runs against
			 * that one module (a set with other values fails with
			 * the guard's message). */
			sb_model *m;
			char set0[4096];
			snprintf(set0, sizeof set0, "%s/%s", dir, sets[0]);
			driver_opts o = {.bind_set = set0};
			if (driver_compile_model(model_path, &o, &m, NULL)) {
				snprintf(why, sizeof why, "%s", sb_last_error());
			} else {
				check_model_of_compiled(&cm, m, false);
				loaded = true;
			}
			t_compile = cli_now() - t0;
		} else {
			relay_module *m;
			if (cli_load_model(model_path, optimize, &m)) {
				snprintf(why, sizeof why, "%s", sb_last_error());
			} else {
				check_model_of_relay(&cm, m);
				loaded = true;
			}
		}
		if (loaded) {
			ok = true;
			for (int s = 0; s < nsets && ok; s++) {
				char setdir[4096], reason[1800];
				snprintf(setdir, sizeof setdir, "%s/%s", dir, sets[s]);
				if (!run_set(&cm, setdir, atol, rtol, reason, sizeof reason)) {
					snprintf(why, sizeof why, "%s: %s", sets[s], reason);
					ok = false;
				}
			}
		}
		double ms = (cli_now() - t0) * 1e3;
		if (ok) {
			if (compiled)
				printf("ok   %s (%d set%s, %.0f ms, compile %.0f ms)\n", name, nsets,
				       nsets == 1 ? "" : "s", ms, t_compile * 1e3);
			else
				printf("ok   %s (%d set%s, %.0f ms)\n", name, nsets, nsets == 1 ? "" : "s", ms);
			passed++;
		} else {
			printf("FAIL %s: %s\n", name, why);
			failed++;
		}
		fflush(stdout);
		check_model_free(&cm);
		for (int s = 0; s < nsets; s++)
			free(sets[s]);
		free(sets);
	}
	sb_model_free(module);
	sb_vec_free(&dirs);
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	rc = failed ? CLI_FAIL : CLI_OK;
	return rc;
}
