/* The importer on damaged bytes: a serialized model truncated at every
 * offset and corrupted byte by byte must give an error or a well-formed
 * module, never a crash or an out-of-bounds read (run this under the
 * Sanitize build). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "onnx_build.h"

enum { F32 = 1, I64 = 7 };

/* A model that exercises most of the decoder: dim_params, initializers in
 * raw and typed form, value_info, attributes of every kind, legacy-free
 * opset 13 ops with optional and multiple outputs. */
static uint8_t *build_model(size_t *size)
{
	onnx_builder b;
	ob_init(&b, 13);
	ob_input(&b, "X", F32, "N,3,8,8");
	ob_input(&b, "ids", I64, "N,?");
	float w[4 * 3 * 3 * 3];
	for (int i = 0; i < (int)SB_ARRAY_LEN(w); i++)
		w[i] = (float)(i % 7) - 3.0f;
	ob_initializer(&b, ob_tensor_raw(&b, "W", F32, "4,3,3,3", sizeof w, w));
	ob_initializer(&b, ob_tensor_f32(&b, "B", "4", 4, (float[]){0.1f, 0.2f, 0.3f, 0.4f}));
	ob_initializer(&b, ob_tensor_i64(&b, "shape", "2", 2, (int64_t[]){0, -1}));
	ob_initializer(&b, ob_tensor_i64(&b, "axes", "1", 1, (int64_t[]){1}));
	Onnx__NodeProto *n = ob_node(&b, "Conv", "conv", "X,W,B", "c");
	ob_attr_ints(&b, n, "pads", 4, (int64_t[]){1, 1, 1, 1});
	ob_attr_ints(&b, n, "kernel_shape", 2, (int64_t[]){3, 3});
	ob_attr_string(&b, n, "auto_pad", "NOTSET");
	ob_node(&b, "Relu", "relu", "c", "r");
	n = ob_node(&b, "MaxPool", "pool", "r", "p,");
	ob_attr_ints(&b, n, "kernel_shape", 2, (int64_t[]){2, 2});
	ob_attr_ints(&b, n, "strides", 2, (int64_t[]){2, 2});
	ob_value_info(&b, "p", F32, "N,4,4,4");
	ob_node(&b, "Reshape", "flat", "p,shape", "f");
	n = ob_node(&b, "Gemm", "fc", "f,f", "g");
	ob_attr_float(&b, n, "alpha", 0.5f);
	ob_attr_int(&b, n, "transB", 1);
	n = ob_node(&b, "ReduceSum", "sum", "g,axes", "s");
	ob_attr_int(&b, n, "keepdims", 0);
	n = ob_node(&b, "Constant", "k", NULL, "k");
	ob_attr_tensor(&b, n, "value", ob_tensor_f32(&b, "kv", "", 1, (float[]){2.0f}));
	ob_node(&b, "Mul", "mul", "s,k", "y");
	n = ob_node(&b, "Split", "split", "g", "g0,g1");
	ob_attr_int(&b, n, "axis", 1);
	n = ob_node(&b, "Resize", "rs", "X,,sc", "z");
	ob_initializer(&b, ob_tensor_f32(&b, "sc", "4", 4, (float[]){1, 1, 2, 2}));
	ob_attr_string(&b, n, "mode", "nearest");
	ob_node(&b, "Shape", "shp", "ids", "ish");
	ob_output(&b, "y", F32, "N");
	ob_output(&b, "g1", F32, NULL);
	ob_output(&b, "z", F32, NULL);
	ob_output(&b, "ish", I64, "2");
	uint8_t *buf = ob_pack(&b, size);
	ob_free(&b);
	return buf;
}

static int imports_ok, imports_failed;

static void import_one(const uint8_t *data, size_t size)
{
	relay_module *m = NULL;
	sb_clear_error();
	sb_status s = sb_onnx_import_bytes(data, size, "corrupt.onnx", &m);
	if (s == SB_OK) {
		assert_non_null(m);
		assert_non_null(m->main);
		assert_true(m->main->nresults > 0);
		for (int i = 0; i < m->main->nresults; i++)
			assert_non_null(m->main->results[i]);
		relay_module_free(m);
		imports_ok++;
	} else {
		assert_null(m);
		assert_true(s == SB_ERR_INVALID || s == SB_ERR_UNSUPPORTED || s == SB_ERR_NOMEM);
		assert_true(strlen(sb_last_error()) > 0);
		imports_failed++;
	}
}

static void test_intact(void **state)
{
	size_t size;
	uint8_t *buf = build_model(&size);
	relay_module *m;
	if (sb_onnx_import_bytes(buf, size, "intact.onnx", &m))
		fail_msg("%s", sb_last_error());
	assert_int_equal(m->main->nparams, 2);
	assert_int_equal(m->main->nresults, 4);
	relay_module_free(m);
	free(buf);
}

static void test_truncated(void **state)
{
	size_t size;
	uint8_t *buf = build_model(&size);
	imports_ok = imports_failed = 0;
	for (size_t cut = 0; cut < size; cut++) {
		/* A copy of exactly `cut` bytes, so ASan sees any read past it. */
		uint8_t *part = malloc(cut ? cut : 1);
		memcpy(part, buf, cut);
		import_one(part, cut);
		free(part);
	}
	print_message("truncated: %d imported, %d rejected (of %zu)\n", imports_ok, imports_failed,
		      size);
	assert_true(imports_failed > 0);
	free(buf);
}

static void test_byte_flips(void **state)
{
	size_t size;
	uint8_t *buf = build_model(&size);
	uint8_t *copy = malloc(size);
	static const uint8_t patterns[] = {0xff, 0x80, 0x01, 0x7f, 0x08};
	imports_ok = imports_failed = 0;
	for (size_t off = 0; off < size; off++) {
		for (size_t p = 0; p < SB_ARRAY_LEN(patterns); p++) {
			memcpy(copy, buf, size);
			copy[off] ^= patterns[p];
			import_one(copy, size);
		}
		memcpy(copy, buf, size);
		copy[off] = 0;
		import_one(copy, size);
	}
	/* Several random bytes at once (fixed seed: reproducible). */
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	for (int it = 0; it < 2000; it++) {
		memcpy(copy, buf, size);
		int k = 1 + it % 4;
		for (int j = 0; j < k; j++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			copy[(x >> 33) % size] = (uint8_t)(x >> 13);
		}
		import_one(copy, size);
	}
	print_message("corrupted: %d imported, %d rejected\n", imports_ok, imports_failed);
	assert_true(imports_failed > 0);
	assert_true(imports_ok > 0); /* some flips only change values */
	free(copy);
	free(buf);
}

static void test_wrong_wire_types(void **state)
{
	/* ModelProto.graph (field 7) as a varint; ir_version (1) as bytes;
	 * a length running past the end. */
	static const uint8_t graph_varint[] = {0x38, 0x05};
	static const uint8_t ir_bytes[] = {0x0a, 0x01, 0x00};
	static const uint8_t long_len[] = {0x3a, 0xff, 0xff, 0x03, 0x0a};
	import_one(graph_varint, sizeof graph_varint);
	import_one(ir_bytes, sizeof ir_bytes);
	import_one(long_len, sizeof long_len);
	import_one(NULL, 0);
	relay_module *m;
	assert_int_equal(sb_onnx_import_bytes(long_len, sizeof long_len, "x", &m), SB_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_intact),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_byte_flips),
	    cmocka_unit_test(test_wrong_wire_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
