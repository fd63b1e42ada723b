/* shapebridge: compile and run ONNX models with dynamic shapes. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <errno.h>
#include <stdlib.h>

#include "cli.h"

static const char usage[] =
	"usage: shapebridge <command> [options]\n"
	"\n"
	"commands:\n"
	"  compile MODEL.onnx -o OUT.so [--bound NAME=MAX ...] [--threads N]\n"
	"        compile a model once for every shape into a .so the runtime alone loads\n"
	"  run MODEL.(onnx|so) [--input NAME=FILE.npy|NAME=1x3x224x224 ...] [--output DIR]\n"
	"        [--repeat N] [--seed S] [--stats] [--threads N] [--engine compiled|reference]\n"
	"        run a model on given or random inputs (a .onnx is compiled in memory unless\n"
	"        --engine reference); prints output shapes, checksums, time\n"
	"  check DIR... [--engine reference|compiled] [--module FILE.so] [--atol A] [--rtol R]\n"
	"        run ONNX backend-test folders (model.onnx + test_data_set_K/) and compare\n"
	"        outputs; prints a line per case and 'N passed, N failed, N skipped'\n"
	"  dump MODEL.onnx --stage onnx|relay|relay-opt|relax|relax-legal|tir|llvm\n"
	"        [--stats] [--dump-after PASS]\n"
	"        print the model at a compiler stage (--stats: op counts only)\n"
	"\n"
	"  --version\n"
	"        print the version\n"
	"\n"
	"'shapebridge <command> --help' describes a command.  Exit codes: 0 success,\n"
	"1 failure (bad model or input, failed check), 2 bad usage.\n";

void cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("shapebridge: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "shapebridge %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see 'shapebridge %s --help')\n", cmd);
	return CLI_USAGE;
}

double cli_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

bool cli_parse_double(const char *opt, const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (!*s || *end || errno || v != v) {
		cli_error("%s: '%s' is not a number", opt, s);
		return false;
	}
	*out = v;
	return true;
}

bool cli_parse_int(const char *opt, const char *s, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno) {
		cli_error("%s: '%s' is not an integer", opt, s);
		return false;
	}
	*out = v;
	return true;
}

const char *cli_so_path(const char *path, char *buf, size_t size)
{
	if (strchr(path, '/'))
		return path;
	snprintf(buf, size, "./%s", path);
	return buf;
}

sb_status cli_load_model(const char *path, bool optimize, relay_module **out)
{
	relay_module *m = NULL;
	/* Import errors already name the file; later ones get it here. */
	sb_status st = sb_onnx_import_file(path, &m);
	if (!st && (st = relay_infer_types(m)))
		sb_error_prefix(st, "%s", path);
	if (!st && optimize && (st = relay_optimize(m)))
		sb_error_prefix(st, "%s", path);
	if (st) {
		relay_module_free(m);
		return st;
	}
	*out = m;
	return SB_OK;
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_USAGE : CLI_OK;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "check"))
		return cli_check(argc - 1, argv + 1);
	if (!strcmp(cmd, "run"))
		return cli_run(argc - 1, argv + 1);
	if (!strcmp(cmd, "dump"))
		return cli_dump(argc - 1, argv + 1);
	if (!strcmp(cmd, "compile"))
		return cli_compile(argc - 1, argv + 1);
	if (!strcmp(cmd, "--version")) {
		puts("shapebridge 0.1.0");
		return CLI_OK;
	}
	fprintf(stderr, "shapebridge: unknown command '%s'\n\n%s", cmd, usage);
	return CLI_USAGE;
}
