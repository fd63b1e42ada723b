/* shapebridge compile: an ONNX model -> a model .so (cli/driver.h). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cli/driver.h"

static const char compile_help[] =
	"usage: shapebridge compile MODEL.onnx -o OUT.so [--bound NAME=MAX ...] [--threads N]\n"
	"                          [--bind NAME=FILE ...] [--dump-after PASS] [--verbose]\n"
	"\n"
	"Compiles the model once for every shape: named input dims (ONNX dim_param)\n"
	"stay symbolic, and OUT.so runs any value of them.  OUT.so needs only the\n"
	"shapebridge runtime: 'shapebridge run OUT.so' or sb_model_load (C API).\n"
	"\n"
	"  -o OUT.so            the model library to write\n"
	"  --bound NAME=MAX     the largest value named dim NAME will take: memory\n"
	"                       planning then shares storage between tensors whose\n"
	"                       size depends on it (a run beyond MAX fails, naming it)\n"
	"  --bind NAME=FILE     compile for this one value of input NAME (FILE: .npy or\n"
	"                       a TensorProto .pb): where the compiler needs the value\n"
	"                       -- reduce/Squeeze/Unsqueeze/Slice axes, a Split, pads,\n"
	"                       a CumSum axis, Resize scales or roi -- it uses this\n"
	"                       one.  NAME stays an input of OUT.so, which checks that\n"
	"                       it is given exactly this value.  The compiler's error\n"
	"                       says which inputs need it\n"
	"  --threads N          threads for the kernels the compiler runs itself\n"
	"                       (constant folding); the .so uses the pool of the\n"
	"                       process that runs it (run --threads, SB_NUM_THREADS)\n"
	"  --dump-after PASS    print the IR after PASS: a relay_like pass (FoldConstant,\n"
	"                       SimplifyInference, ...) or a relax_like one (Normalize,\n"
	"                       LegalizeOps, FoldConstant, DeadCodeElim, ToNonDataflow,\n"
	"                       CallTIRRewrite, PlanMemory, LowerShapes)\n"
	"  --verbose            print the time of each stage and the kernel counts\n"
	"\n"
	"Exit code 0 on success, 1 when the model cannot be compiled (the message\n"
	"names the stage), 2 on bad usage.\n";

/* NAME=MAX -> a bound; false with a message when malformed. */
bool cli_parse_bound(const char *spec, relax_shape_bound *out)
{
	const char *eq = strchr(spec, '=');
	long max;
	if (!eq || eq == spec) {
		cli_error("--bound '%s' is not NAME=MAX", spec);
		return false;
	}
	if (!cli_parse_int("--bound", eq + 1, &max))
		return false;
	if (max < 0) {
		cli_error("--bound %s: the bound must be >= 0", spec);
		return false;
	}
	out->name = sb_xasprintf("%.*s", (int)(eq - spec), spec);
	out->max = max;
	return true;
}

bool cli_parse_bind(const char *spec, driver_bind *out)
{
	const char *eq = strchr(spec, '=');
	if (!eq || eq == spec || !eq[1]) {
		cli_error("--bind '%s' is not NAME=FILE", spec);
		return false;
	}
	out->name = sb_xasprintf("%.*s", (int)(eq - spec), spec);
	out->path = sb_xstrdup(eq + 1);
	return true;
}

void cli_binds_free(int n, driver_bind *b)
{
	for (int i = 0; i < n; i++) {
		free((char *)b[i].name);
		free((char *)b[i].path);
	}
}

static void print_stage_times(FILE *f, const driver_state *d)
{
	double total = 0;
	for (int s = 0; s < DRIVER_STAGE_COUNT; s++)
		total += d->seconds[s];
	fprintf(f, "%d kernels (%d left unscheduled), %d folded at compile time; %.0f ms:", d->nprims,
		d->nunscheduled, d->nfold_evals, total * 1e3);
	for (int s = 0; s < DRIVER_STAGE_COUNT; s++)
		fprintf(f, " %s %.0f", driver_stage_name((driver_stage)s), d->seconds[s] * 1e3);
	fprintf(f, " (emit: object %.0f, link %.0f)\n", d->seconds_object * 1e3, d->seconds_link * 1e3);
	if (d->first_schedule_error)
		fprintf(f, "first unscheduled kernel: %s\n", d->first_schedule_error);
}

int cli_compile(int argc, char **argv)
{
	const char *model = NULL, *out = NULL, *dump_after = NULL;
	long threads = 0;
	bool verbose = false;
	SB_VEC(relax_shape_bound) bounds = {0};
	SB_VEC(driver_bind) binds = {0};
	int rc = CLI_USAGE;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(compile_help, stdout);
			rc = CLI_OK;
			goto out;
		}
		bool takes = !strcmp(a, "-o") || !strcmp(a, "--bound") || !strcmp(a, "--threads") ||
			     !strcmp(a, "--dump-after") || !strcmp(a, "--bind");
		if (takes && i + 1 >= argc) {
			rc = cli_usage_error("compile", "%s needs a value", a);
			goto out;
		}
		if (!strcmp(a, "-o")) {
			out = argv[++i];
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
		} else if (!strcmp(a, "--threads")) {
			if (!cli_parse_int(a, argv[++i], &threads) || threads < 1) {
				rc = cli_usage_error("compile", "--threads needs a positive integer");
				goto out;
			}
		} else if (!strcmp(a, "--dump-after")) {
			dump_after = argv[++i];
		} else if (!strcmp(a, "--verbose")) {
			verbose = true;
		} else if (a[0] == '-' && a[1]) {
			rc = cli_usage_error("compile", "unknown option '%s'", a);
			goto out;
		} else if (!model) {
			model = a;
		} else {
			rc = cli_usage_error("compile", "more than one model given ('%s' and '%s')", model, a);
			goto out;
		}
	}
	if (!model) {
		rc = cli_usage_error("compile", "no model given");
		goto out;
	}
	if (!out) {
		rc = cli_usage_error("compile", "no output given (-o OUT.so)");
		goto out;
	}
	if (dump_after && !driver_pass_known(dump_after)) {
		sb_strbuf names = {0};
		driver_pass_names(&names);
		rc = cli_usage_error("compile", "unknown pass '%s' (passes: %s)", dump_after, names.data);
		sb_strbuf_free(&names);
		goto out;
	}
	driver_opts o = {
	    .nbounds = (int)bounds.len,
	    .bounds = bounds.data,
	    .threads = (int)threads,
	    .out_path = out,
	    .pass = {.dump_after = dump_after, .dump_file = stdout},
	    .nbinds = (int)binds.len,
	    .binds = binds.data,
	};
	driver_state d;
	driver_state_init(&d, model, &o);
	sb_status st = driver_run(&d, DRIVER_EMIT);
	if (st) {
		cli_error("%s", sb_last_error());
		rc = CLI_FAIL;
	} else {
		if (verbose)
			print_stage_times(stdout, &d);
		rc = CLI_OK;
	}
	driver_state_free(&d);
out:
	for (size_t i = 0; i < bounds.len; i++)
		free((char *)bounds.data[i].name);
	sb_vec_free(&bounds);
	cli_binds_free((int)binds.len, binds.data);
	sb_vec_free(&binds);
	return rc;
}
