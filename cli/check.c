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

static const char check_help[] =
	"usage: shapebridge check DIR... [--engine reference] [--optimize] [--atol A] [--rtol R]\n"
	"\n"
	"Each DIR holds model.onnx and test_data_set_K/ folders of input_I.pb and\n"
	"output_I.pb (serialized TensorProto), as in ONNX's backend tests.  Every set\n"
	"is run and each output compared: |got - want| <= atol + rtol * |want|.\n"
	"\n"
	"  --engine reference   the relay_like reference interpreter (default)\n"
	"  --optimize           run the relay_like optimizations first\n"
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

/* Runs one test set; returns true if every output matched.  why gets the reason otherwise. */
static bool run_set(relay_module *m, const char *setdir, double atol, double rtol, char *why,
		    size_t whysize)
{
	const relay_function *f = m->main;
	tensor_vec ins = {0}, outs = {0};
	name_vec in_names = {0}, out_names = {0};
	bool ok = false;
	sb_tensor **inputs = sb_xcalloc((size_t)f->nparams + 1, sizeof *inputs);
	sb_tensor **results = sb_xcalloc((size_t)f->nresults + 1, sizeof *results);
	sb_status st = read_pb_series(setdir, "input", &ins, &in_names);
	if (!st)
		st = read_pb_series(setdir, "output", &outs, &out_names);
	if (st) {
		snprintf(why, whysize, "%s", sb_last_error());
		goto out;
	}
	if ((int)ins.len != f->nparams) {
		snprintf(why, whysize, "set has %zu inputs, model takes %d", ins.len, f->nparams);
		goto out;
	}
	if ((int)outs.len != f->nresults) {
		snprintf(why, whysize, "set has %zu outputs, model gives %d", outs.len, f->nresults);
		goto out;
	}
	/* Match inputs by name where the files carry names, else by position. */
	for (int i = 0; i < f->nparams; i++) {
		int k = i;
		for (size_t j = 0; j < ins.len; j++)
			if (in_names.data[j] && f->params[i]->name && !strcmp(in_names.data[j], f->params[i]->name))
				k = (int)j;
		inputs[i] = ins.data[k];
		const relay_type *ty = f->params[i]->u.var.annotation;
		if (ty && ty->kind == RELAY_TYPE_TENSOR)
			adopt_bf16(inputs[i], ty->dtype);
	}
	st = relay_interp_run(m, f, inputs, results);
	if (st) {
		snprintf(why, whysize, "%s", sb_last_error());
		goto out;
	}
	ok = true;
	for (int r = 0; r < f->nresults && ok; r++) {
		int k = r;
		for (size_t j = 0; j < outs.len; j++)
			if (out_names.data[j] && f->result_names[r] && !strcmp(out_names.data[j], f->result_names[r]))
				k = (int)j;
		char reason[1024];
		adopt_bf16(outs.data[k], results[r]->dtype);
		if (!cli_compare(results[r], outs.data[k], atol, rtol, reason, sizeof reason)) {
			snprintf(why, whysize, "output '%s': %s", f->result_names[r] ? f->result_names[r] : "?", reason);
			ok = false;
		}
	}
out:
	for (int r = 0; r < f->nresults; r++)
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
	bool optimize = false;
	SB_VEC(const char *) dirs = {0};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(check_help, stdout);
			sb_vec_free(&dirs);
			return CLI_OK;
		} else if (!strcmp(a, "--atol") || !strcmp(a, "--rtol") || !strcmp(a, "--engine")) {
			if (i + 1 >= argc) {
				sb_vec_free(&dirs);
				return cli_usage_error("check", "%s needs a value", a);
			}
			const char *v = argv[++i];
			if (!strcmp(a, "--engine")) {
				if (strcmp(v, "reference")) {
					sb_vec_free(&dirs);
					return cli_usage_error("check", "unknown engine '%s' (this build has: reference)", v);
				}
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

	int passed = 0, failed = 0, skipped = 0;
	for (size_t d = 0; d < dirs.len; d++) {
		const char *dir = dirs.data[d];
		char name[512], model_path[4096], why[2048] = "";
		case_name(dir, name, sizeof name);
		snprintf(model_path, sizeof model_path, "%s/model.onnx", dir);
		char **sets = NULL;
		int nsets = list_sets(dir, &sets);
		relay_module *m = NULL;
		double t0 = cli_now();
		bool ok = false;
		if (nsets < 0) {
			snprintf(why, sizeof why, "cannot open folder '%s'", dir);
		} else if (!file_exists(model_path)) {
			snprintf(why, sizeof why, "no model.onnx in '%s'", dir);
		} else if (nsets == 0) {
			snprintf(why, sizeof why, "no test_data_set_* folders");
		} else if (cli_load_model(model_path, optimize, &m)) {
			snprintf(why, sizeof why, "%s", sb_last_error());
		} else {
			ok = true;
			for (int s = 0; s < nsets && ok; s++) {
				char setdir[4096], reason[1800];
				snprintf(setdir, sizeof setdir, "%s/%s", dir, sets[s]);
				if (!run_set(m, setdir, atol, rtol, reason, sizeof reason)) {
					snprintf(why, sizeof why, "%s: %s", sets[s], reason);
					ok = false;
				}
			}
		}
		double ms = (cli_now() - t0) * 1e3;
		if (ok) {
			printf("ok   %s (%d set%s, %.0f ms)\n", name, nsets, nsets == 1 ? "" : "s", ms);
			passed++;
		} else {
			printf("FAIL %s: %s\n", name, why);
			failed++;
		}
		fflush(stdout);
		relay_module_free(m);
		for (int s = 0; s < nsets; s++)
			free(sets[s]);
		free(sets);
	}
	sb_vec_free(&dirs);
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? CLI_FAIL : CLI_OK;
}
