/* Real models: the zoo (shared/models) and every model.onnx of the ONNX
 * conformance list.  Skipped when the data is not on this machine. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <sys/stat.h>

#include "onnx_build.h"

#ifndef SB_MODELS_DIR
#define SB_MODELS_DIR "/work/shared/models"
#endif
#ifndef SB_ONNX_TESTDATA_DIR
#define SB_ONNX_TESTDATA_DIR "/usr/share/libonnx-testdata/data"
#endif
#ifndef SB_TESTS_DIR
#define SB_TESTS_DIR "/work/main/tests"
#endif

static bool is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static relay_module *import_zoo(const char *name)
{
	char dir[1024], path[1100];
	snprintf(dir, sizeof dir, "%s/%s", SB_MODELS_DIR, name);
	if (!is_dir(dir)) {
		/* Under CI the zoo must be there: a missing folder is a failure. */
		const char *ci = getenv("CI");
		if (ci && !strcmp(ci, "true"))
			fail_msg("model zoo folder %s is missing (set -DSB_MODELS_DIR)", dir);
		return NULL;
	}
	snprintf(path, sizeof path, "%s/model.onnx", dir);
	relay_module *m;
	if (sb_onnx_import_file(path, &m))
		fail_msg("%s", sb_last_error());
	return m;
}

static void assert_dims(const relay_type *t, relay_module *m, const char *const *dims, int rank)
{
	assert_int_equal(t->rank, rank);
	for (int i = 0; i < rank; i++) {
		if (dims[i][0] >= '0' && dims[i][0] <= '9')
			assert_int_equal(t->dims[i].value, atoi(dims[i]));
		else
			assert_ptr_equal(t->dims[i].name, relay_intern(m, dims[i]));
	}
}

/* Op counts from shared/models/README.md. */
static void test_resnet18(void **state)
{
	relay_module *m = import_zoo("resnet18");
	if (!m)
		skip();
	assert_int_equal(m->opset, 13);
	assert_int_equal(m->main->nparams, 1);
	assert_string_equal(m->main->params[0]->name, "input");
	assert_dims(m->main->params[0]->u.var.annotation, m,
		    (const char *const[]){"batch", "3", "height", "width"}, 4);
	assert_int_equal(m->main->nresults, 1);
	assert_string_equal(m->main->result_names[0], "logits");
	int counts[RELAY_OP_COUNT];
	relay_count_ops(m, counts);
	assert_int_equal(counts[RELAY_OP_CONV], 20);
	assert_int_equal(counts[RELAY_OP_RELU], 17);
	assert_int_equal(counts[RELAY_OP_ADD], 8);
	assert_int_equal(counts[RELAY_OP_GEMM], 1);
	assert_int_equal(counts[RELAY_OP_MAX_POOL], 1);
	assert_int_equal(m->constants.len, 42); /* the initializers */
	relay_module_free(m);
}

static void test_mobilenet_v2(void **state)
{
	relay_module *m = import_zoo("mobilenet_v2");
	if (!m)
		skip();
	assert_int_equal(m->main->nparams, 1);
	int counts[RELAY_OP_COUNT];
	relay_count_ops(m, counts);
	assert_int_equal(counts[RELAY_OP_CONV], 52);
	assert_int_equal(counts[RELAY_OP_CLIP], 35);
	/* The 70 Constant nodes are imported as constants, not calls. */
	assert_int_equal(counts[RELAY_OP_CONSTANT], 0);
	assert_int_equal(counts[RELAY_OP_ADD], 10);
	relay_module_free(m);
}

static void test_bert_mini(void **state)
{
	relay_module *m = import_zoo("bert_mini");
	if (!m)
		skip();
	assert_int_equal(m->main->nparams, 2);
	for (int i = 0; i < 2; i++) {
		const relay_type *t = m->main->params[i]->u.var.annotation;
		assert_int_equal(t->dtype, SB_I64);
		assert_dims(t, m, (const char *const[]){"batch", "seq"}, 2);
	}
	assert_string_equal(m->main->result_names[0], "last_hidden_state");
	int counts[RELAY_OP_COUNT];
	relay_count_ops(m, counts);
	assert_int_equal(counts[RELAY_OP_MAT_MUL], 32);
	assert_int_equal(counts[RELAY_OP_SOFTMAX], 4);
	assert_int_equal(counts[RELAY_OP_ERF], 4);
	assert_int_equal(counts[RELAY_OP_REDUCE_MEAN], 18);
	relay_module_free(m);
}

/* Every conformance model imports, or fails only as unsupported (string
 * and sequence tensors, training outputs), never as "invalid". */
static void test_conformance_models(void **state)
{
	char list[1024];
	snprintf(list, sizeof list, "%s/conformance/core_tests.txt", SB_TESTS_DIR);
	FILE *f = fopen(list, "r");
	if (!f || !is_dir(SB_ONNX_TESTDATA_DIR)) {
		if (f)
			fclose(f);
		skip();
	}
	char line[512], path[2048];
	int ok = 0, unsupported = 0, invalid = 0;
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = 0;
		if (!*line || *line == '#')
			continue;
		snprintf(path, sizeof path, "%s/%s/model.onnx", SB_ONNX_TESTDATA_DIR, line);
		relay_module *m;
		sb_status s = sb_onnx_import_file(path, &m);
		if (!s) {
			ok++;
			relay_module_free(m);
			continue;
		}
		print_message("%s: %s: %s\n", line, sb_status_name(s), sb_last_error());
		if (s == SB_ERR_UNSUPPORTED)
			unsupported++;
		else
			invalid++;
	}
	fclose(f);
	print_message("conformance models: %d imported, %d unsupported, %d other errors\n", ok,
		      unsupported, invalid);
	assert_int_equal(invalid, 0);
	assert_true(ok > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_resnet18),
	    cmocka_unit_test(test_mobilenet_v2),
	    cmocka_unit_test(test_bert_mini),
	    cmocka_unit_test(test_conformance_models),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
