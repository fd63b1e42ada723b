/* shapebridge dump: prints a model at a compiler stage, or its op counts. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "bridge/bridge.h"
#include "cli.h"
#include "cli/driver.h"
#include "onnx/onnx.pb-c.h"

static const char dump_help[] =
	"usage: shapebridge dump MODEL.onnx --stage STAGE [--stats] [--dump-after PASS]\n"
	"\n"
	"  --stage onnx        the ONNX graph as decoded (nodes, inputs, outputs)\n"
	"  --stage relay       relay_like after import and type inference\n"
	"  --stage relay-opt   relay_like after its optimizations\n"
	"  --stage relax       relax_like as the bridge makes it from relay-opt: symbolic\n"
	"                      shapes (named dims are shape variables)\n"
	"  --stage relax-legal relax_like after Normalize and LegalizeOps: every op a\n"
	"                      call_tir of a PrimFunc (printed too), shapes still symbolic\n"
	"  --stage tir         the PrimFuncs the model runs (after constant folding, dead\n"
	"                      code elimination, the default CPU schedules and the VM\n"
	"                      lowering's shape functions), each lowered to flat loops\n"
	"  --stage llvm        the optimized LLVM IR of the model's kernel module\n"
	"  --stats             op counts (and node/constant totals) instead of the program\n"
	"                      (onnx, relay and relay-opt stages)\n"
	"  --dump-after PASS   also print the IR right after PASS runs: a relay_like pass\n"
	"                      (FoldConstant, SimplifyInference, ...) with relay-opt and\n"
	"                      later stages, a relax_like pass (LegalizeOps, PlanMemory,\n"
	"                      ...) with the relax-legal, tir and llvm stages (SB_DEBUG=pass\n"
	"                      prints the IR after every pass)\n";

/* The stages after relax: through the driver. */
static int dump_compiled(const char *model, const char *stage, const char *dump_after)
{
	driver_opts o = {.pass = {.dump_after = dump_after, .dump_file = stdout}};
	driver_state d;
	driver_state_init(&d, model, &o);
	driver_stage last = !strcmp(stage, "relax-legal") ? DRIVER_LEGALIZE
			    : !strcmp(stage, "tir")	  ? DRIVER_LOWER
							  : DRIVER_KERNELS;
	sb_status st = driver_run(&d, last);
	if (!st && last == DRIVER_LEGALIZE) {
		char *text = relax_print_module(d.relax);
		fputs(text, stdout);
		free(text);
	} else if (!st && last == DRIVER_LOWER) {
		relax_module *m = d.relax;
		for (size_t i = 0; !st && i < m->globals.len; i++) {
			if (!m->globals.data[i]->prim)
				continue;
			char *text;
			if (!(st = sb_llvm_dump_tir(m->tir, m->globals.data[i]->prim, NULL, &text))) {
				fputs(text, stdout);
				fputc('\n', stdout);
				free(text);
			}
		}
	} else if (!st) {
		if (!(st = sb_llvm_module_optimize(d.kernels))) {
			char *text = sb_llvm_module_to_string(d.kernels);
			fputs(text, stdout);
			free(text);
		}
	}
	if (st)
		cli_error("%s", sb_last_error());
	driver_state_free(&d);
	return st ? CLI_FAIL : CLI_OK;
}

typedef struct op_count {
	const char *name;
	int count;
} op_count;

static int cmp_count(const void *a, const void *b)
{
	const op_count *x = a, *y = b;
	return x->count != y->count ? y->count - x->count : strcmp(x->name, y->name);
}

static void print_counts(op_count *c, int n, int64_t consts, int64_t const_elems)
{
	qsort(c, (size_t)n, sizeof *c, cmp_count);
	int total = 0;
	for (int i = 0; i < n; i++)
		total += c[i].count;
	printf("%d nodes, %d op types", total, n);
	if (consts >= 0)
		printf(", %" PRId64 " constants (%" PRId64 " elements)", consts, const_elems);
	putchar('\n');
	for (int i = 0; i < n; i++)
		printf("  %-28s %d\n", c[i].name, c[i].count);
}

static int dump_onnx(const char *path, bool stats)
{
	uint8_t *data;
	size_t size;
	if (sb_read_file(path, &data, &size)) {
		cli_error("%s", sb_last_error());
		return CLI_FAIL;
	}
	Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, size, data);
	free(data);
	if (!mp || !mp->graph) {
		cli_error("%s: not a valid ONNX model (protobuf decoding failed)", path);
		if (mp)
			onnx__model_proto__free_unpacked(mp, NULL);
		return CLI_FAIL;
	}
	Onnx__GraphProto *g = mp->graph;
	if (stats) {
		op_count *c = sb_xcalloc(g->n_node + 1, sizeof *c);
		int n = 0;
		for (size_t i = 0; i < g->n_node; i++) {
			const char *op = g->node[i]->op_type ? g->node[i]->op_type : "?";
			int k = 0;
			while (k < n && strcmp(c[k].name, op))
				k++;
			if (k == n)
				c[n++].name = op;
			c[k].count++;
		}
		int64_t elems = 0;
		for (size_t i = 0; i < g->n_initializer; i++) {
			int64_t e = 1;
			for (size_t d = 0; d < g->initializer[i]->n_dims; d++)
				e *= g->initializer[i]->dims[d];
			elems += e;
		}
		print_counts(c, n, (int64_t)g->n_initializer, elems);
		free(c);
	} else {
		printf("ir_version %" PRId64 ", producer '%s'", mp->ir_version,
		       mp->producer_name ? mp->producer_name : "");
		for (size_t i = 0; i < mp->n_opset_import; i++)
			printf(", opset %s%s%" PRId64, mp->opset_import[i]->domain && *mp->opset_import[i]->domain
							      ? mp->opset_import[i]->domain : "ai.onnx",
			       " ", mp->opset_import[i]->version);
		printf("\ngraph '%s': %zu inputs, %zu outputs, %zu initializers, %zu nodes\n",
		       g->name ? g->name : "", g->n_input, g->n_output, g->n_initializer, g->n_node);
		for (size_t i = 0; i < g->n_node; i++) {
			Onnx__NodeProto *n = g->node[i];
			printf("  %s(", n->op_type ? n->op_type : "?");
			for (size_t k = 0; k < n->n_input; k++)
				printf("%s%s", k ? ", " : "", n->input[k]);
			printf(") -> ");
			for (size_t k = 0; k < n->n_output; k++)
				printf("%s%s", k ? ", " : "", n->output[k]);
			if (n->name && *n->name)
				printf("  # %s", n->name);
			putchar('\n');
		}
	}
	onnx__model_proto__free_unpacked(mp, NULL);
	return CLI_OK;
}

int cli_dump(int argc, char **argv)
{
	const char *model = NULL, *stage = NULL, *dump_after = NULL;
	bool stats = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			fputs(dump_help, stdout);
			return CLI_OK;
		} else if (!strcmp(a, "--stage")) {
			if (i + 1 >= argc)
				return cli_usage_error("dump", "--stage needs a value");
			stage = argv[++i];
		} else if (!strncmp(a, "--stage=", 8)) {
			stage = a + 8;
		} else if (!strcmp(a, "--dump-after")) {
			if (i + 1 >= argc)
				return cli_usage_error("dump", "--dump-after needs a pass name");
			dump_after = argv[++i];
		} else if (!strncmp(a, "--dump-after=", 13)) {
			dump_after = a + 13;
		} else if (!strcmp(a, "--stats")) {
			stats = true;
		} else if (a[0] == '-' && a[1]) {
			return cli_usage_error("dump", "unknown option '%s'", a);
		} else if (!model) {
			model = a;
		} else {
			return cli_usage_error("dump", "more than one model given");
		}
	}
	if (!model)
		return cli_usage_error("dump", "no model given");
	if (!stage)
		return cli_usage_error("dump", "no --stage given (onnx, relay, relay-opt, relax, relax-legal, tir, llvm)");
	if (!strcmp(stage, "onnx")) {
		if (dump_after)
			return cli_usage_error("dump", "--dump-after goes with --stage relay-opt and later");
		return dump_onnx(model, stats);
	}
	bool later = !strcmp(stage, "relax-legal") || !strcmp(stage, "tir") || !strcmp(stage, "llvm");
	if (later) {
		if (stats)
			return cli_usage_error("dump", "--stats goes with the onnx and relay stages");
		if (dump_after && !driver_pass_known(dump_after)) {
			sb_strbuf names = {0};
			driver_pass_names(&names);
			int rc = cli_usage_error("dump", "unknown pass '%s' (passes: %s)", dump_after, names.data);
			sb_strbuf_free(&names);
			return rc;
		}
		return dump_compiled(model, stage, dump_after);
	}
	bool relax = !strcmp(stage, "relax");
	bool opt = relax || !strcmp(stage, "relay-opt");
	if (!opt && strcmp(stage, "relay"))
		return cli_usage_error("dump", "unknown stage '%s' (stages: onnx, relay, relay-opt, relax, relax-legal, tir, llvm)",
				       stage);
	if (relax && (stats || dump_after))
		return cli_usage_error("dump", "--stats and --dump-after go with the relay stages");
	if (dump_after && !opt)
		return cli_usage_error("dump", "--dump-after goes with --stage relay-opt and later");
	if (dump_after && !relay_pass_lookup(dump_after)) {
		sb_strbuf names = {0};
		relay_pass_names(&names);
		int rc = cli_usage_error("dump", "unknown pass '%s' (passes: %s)", dump_after, names.data);
		sb_strbuf_free(&names);
		return rc;
	}
	relay_module *m;
	sb_status st = cli_load_model(model, false, &m);
	if (!st && opt) {
		relay_optimize_opts o = {.dump_after = dump_after, .dump_file = stdout};
		st = relay_optimize_with(m, &o);
		if (st) {
			sb_error_prefix(st, "%s", model);
			relay_module_free(m);
		}
	}
	if (st) {
		cli_error("%s", sb_last_error());
		return CLI_FAIL;
	}
	if (relax) {
		relax_module *rm = NULL;
		st = bridge_convert(m, &rm);
		relay_module_free(m);
		if (st) {
			cli_error("%s: %s", model, sb_last_error());
			return CLI_FAIL;
		}
		char *text = relax_print_module(rm);
		fputs(text, stdout);
		free(text);
		relax_module_free(rm);
		return CLI_OK;
	}
	if (stats) {
		int counts[RELAY_OP_COUNT];
		relay_count_ops(m, counts);
		op_count c[RELAY_OP_COUNT];
		int n = 0;
		for (int i = 0; i < RELAY_OP_COUNT; i++)
			if (counts[i])
				c[n++] = (op_count){relay_op_get((relay_op)i)->name, counts[i]};
		/* Constants reachable from main. */
		relay_expr_vec order = {0};
		relay_post_order(m, m->main, &order);
		int64_t consts = 0, elems = 0;
		for (size_t i = 0; i < order.len; i++)
			if (order.data[i]->kind == RELAY_CONSTANT) {
				consts++;
				elems += sb_tensor_numel(order.data[i]->u.constant.value);
			}
		sb_vec_free(&order);
		print_counts(c, n, consts, elems);
	} else {
		char *text = relay_print_module(m);
		fputs(text, stdout);
		free(text);
	}
	relay_module_free(m);
	return CLI_OK;
}
