/* The shapebridge command: shared pieces of its subcommands. */
#ifndef SB_CLI_H
#define SB_CLI_H

#include "import/onnx/onnx_import.h"
#include "relay_like/passes/passes.h"
#include "relay_like/relay.h"

/* Exit codes: 0 success, 1 failure (bad model/input, failed check),
 * 2 bad usage. */
enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

int cli_check(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_dump(int argc, char **argv);
int cli_compile(int argc, char **argv);

/* Prints "shapebridge: <msg>" to stderr, one line. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

double cli_now(void); /* seconds, monotonic */

/* A .so path as dlopen reads it: "m.so" would be searched for on the
 * library path, "./m.so" is the file here. */
const char *cli_so_path(const char *path, char *buf, size_t size);

/* --bound NAME=MAX (name malloc'd); false with a message when malformed. */
struct relax_shape_bound;
bool cli_parse_bound(const char *spec, struct relax_shape_bound *out);

/* --bind NAME=FILE (both malloc'd); false with a message when malformed. */
struct driver_bind;
bool cli_parse_bind(const char *spec, struct driver_bind *out);
void cli_binds_free(int n, struct driver_bind *b);

/* Parses a double/integer option value; false with a message when bad. */
bool cli_parse_double(const char *opt, const char *s, double *out);
bool cli_parse_int(const char *opt, const char *s, long *out);

/* Loads MODEL.onnx into a relay_like module with types inferred, optionally
 * optimized.  Errors are in the error slot. */
sb_status cli_load_model(const char *path, bool optimize, relay_module **out);

/* Element-wise comparison |got - want| <= atol + rtol * |want| (NaN equals
 * NaN).  On mismatch writes a one-line reason into why. */
bool cli_compare(const sb_tensor *got, const sb_tensor *want, double atol, double rtol, char *why,
		 size_t whysize);

/* A short checksum line for an output: sum, mean |x|, first values. */
void cli_print_tensor_summary(const char *name, const sb_tensor *t);

#endif
