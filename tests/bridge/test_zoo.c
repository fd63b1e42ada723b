/* bridge on the model zoo (SB_MODELS_DIR; skipped when absent unless
 * CI=true): after relay_optimize, bert_mini's attention reshapes are
 * Tensor((batch, seq, 4, 64)) in the inputs' own variables, resnet18's and
 * mobilenet_v2's window ops are symbolic in height/width with every output
 * size matching ONNX's formula at the zoo's test shapes. */
#include <sys/stat.h>

#include "bridge_test.h"

#include "import/onnx/onnx_import.h"
#include "relay_like/passes/passes.h"

static relay_module *import_zoo(const char *name)
{
	char dir[1024], path[1100];
	struct stat sbuf;
	snprintf(dir, sizeof dir, "%s/%s", SB_MODELS_DIR, name);
	if (stat(dir, &sbuf) != 0 || !S_ISDIR(sbuf.st_mode)) {
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

/* Imports, optimizes (or only types) and bridges a zoo model. */
static relax_expr *bridge_zoo(const char *name, bool optimize, relay_module **rm, relax_module **xm)
{
	*rm = import_zoo(name);
	if (!*rm)
		return NULL;
	if ((optimize ? relay_optimize(*rm) : relay_infer_types(*rm)))
		fail_msg("%s", sb_last_error());
	if (bridge_convert(*rm, xm))
		fail_msg("%s", sb_last_error());
	if (relax_wellformed(*xm))
		fail_msg("%s", sb_last_error());
	relax_global *g = relax_module_lookup(*xm, "main");
	assert_non_null(g);
	return g->func;
}

/* Prints (as test output) the lines of fn's text containing `needle`, at
 * most max of them. */
static void print_lines(relax_module *m, relax_expr *fn, const char *needle, int max)
{
	char *text = fn_text(m, fn);
	int n = 0;
	for (char *line = strtok(text, "\n"); line && n < max; line = strtok(NULL, "\n"))
		if (strstr(line, needle)) {
			print_message("  %s\n", line);
			n++;
		}
	free(text);
}

typedef struct var_set {
	int n;
	tir_expr *v[16];
	bool other; /* a variable outside the set */
} var_set;

static void only_vars(tir_expr *var, void *env)
{
	var_set *s = env;
	for (int i = 0; i < s->n; i++)
		if (s->v[i] == var)
			return;
	s->other = true;
}

/* ---- bert_mini ---- */

static void check_bert(relax_module *xm, relax_expr *fn)
{
	tir_expr *batch = tir_shape_var(xm->tir, "batch"), *seq = tir_shape_var(xm->tir, "seq");
	assert_int_equal(fn->u.func.nparams, 2);
	for (int i = 0; i < 2; i++) {
		const relax_sinfo *p = fn->u.func.params[i]->sinfo;
		assert_ptr_equal(p->u.tensor.shape[0], batch);
		assert_ptr_equal(p->u.tensor.shape[1], seq);
	}
	assert_sinfo(fn->u.func.ret, "Tensor((batch, seq, 256), float32)");
	assert_string_equal(bridge_output_name(fn, 0), "last_hidden_state");
	int heads = 0, merged = 0;
	relax_binding *b;
	for (int k = 0; (b = find_call(fn, RELAX_OP_RESHAPE, k)); k++) {
		const relax_sinfo *s = b->var->sinfo;
		assert_true(relax_sinfo_has_shape(s));
		/* The same variables as the inputs', not equal-looking copies. */
		assert_ptr_equal(s->u.tensor.shape[0], batch);
		assert_ptr_equal(s->u.tensor.shape[1], seq);
		assert_int_equal(b->nchecks, 0); /* element counts proven equal */
		if (s->u.tensor.ndim == 4) {
			assert_sinfo(s, "Tensor((batch, seq, 4, 64), float32)");
			heads++;
		} else {
			assert_sinfo(s, "Tensor((batch, seq, 256), float32)");
			merged++;
		}
	}
	assert_int_equal(heads, 12); /* q, k, v in 4 layers */
	assert_int_equal(merged, 4);
	/* Every binding is fully symbolic, in batch and seq only. */
	binding_vec v = {0};
	fn_bindings(fn, &v);
	var_set vs = {2, {batch, seq}, false};
	for (size_t i = 0; i < v.len; i++) {
		const relax_sinfo *s = v.data[i]->var->sinfo;
		assert_true(s->kind == RELAX_SINFO_TENSOR);
		assert_true(relax_sinfo_has_shape(s));
		relax_sinfo_visit_vars(s, only_vars, &vs);
	}
	assert_false(vs.other);
	sb_vec_free(&v);
	assert_int_equal(count_calls(fn, RELAX_OP_MATMUL), 32);
	assert_int_equal(count_calls(fn, RELAX_OP_SOFTMAX), 4);
}

static void test_bert_mini(void **state)
{
	relay_module *rm;
	relax_module *xm;
	relax_expr *fn = bridge_zoo("bert_mini", true, &rm, &xm);
	if (!fn)
		skip();
	check_bert(xm, fn);
	print_message("bert_mini (relay_optimize, bridge):\n");
	print_lines(xm, fn, "@main", 1);
	print_lines(xm, fn, "relax.reshape", 4);
	print_lines(xm, fn, "match_cast", 4);
	print_lines(xm, fn, "%last_hidden_state =", 1);
	relax_module_free(xm);
	relay_module_free(rm);
}

/* Without relay's FoldShapeComputation the Shape arithmetic reads the
 * hidden states' shapes; the bridge recovers the same program. */
static void test_bert_mini_unoptimized(void **state)
{
	relay_module *rm;
	relax_module *xm;
	relax_expr *fn = bridge_zoo("bert_mini", false, &rm, &xm);
	if (!fn)
		skip();
	check_bert(xm, fn);
	relax_module_free(xm);
	relay_module_free(rm);
}

/* ---- CNNs ---- */

static int64_t attr_at(relax_ints v, int i, int64_t def)
{
	return v.set ? v.v[i] : def;
}

/* ONNX's output size of a window op (no auto_pad, no ceil_mode). */
static int64_t window_out(int64_t in, int64_t k, int64_t s, int64_t d, int64_t p0, int64_t p1)
{
	return (in + p0 + p1 - (d * (k - 1) + 1)) / s + 1;
}

/* Every conv2d / max_pool2d binding: output dims 2 and 3 use only height
 * and width respectively, are in simplified (canonical) form, and evaluate
 * to ONNX's sizes at (h, w).  Returns the spatial size after the last one. */
static void check_windows(relax_module *xm, relax_expr *fn, int64_t h, int64_t w, int64_t *last_h,
			  int64_t *last_w)
{
	tir_expr *hv = tir_shape_var(xm->tir, "height"), *wv = tir_shape_var(xm->tir, "width");
	tir_expr *vars[2] = {hv, wv};
	int64_t vals[2] = {h, w};
	binding_vec v = {0};
	fn_bindings(fn, &v);
	int n = 0;
	for (size_t i = 0; i < v.len; i++) {
		relax_expr *c = v.data[i]->value;
		if (v.data[i]->kind != RELAX_VAR_BINDING || c->kind != RELAX_CALL ||
		    c->u.call.callee ||
		    (c->u.call.op != RELAX_OP_CONV2D && c->u.call.op != RELAX_OP_MAX_POOL2D))
			continue;
		bool is_conv = c->u.call.op == RELAX_OP_CONV2D;
		const relax_sinfo *in = c->u.call.args[0]->sinfo, *out = v.data[i]->var->sinfo;
		for (int ax = 0; ax < 2; ax++) {
			tir_expr *d_in = in->u.tensor.shape[2 + ax],
				 *d_out = out->u.tensor.shape[2 + ax];
			var_set vs = {1, {vars[ax]}, false};
			relax_tir_visit_vars(d_out, only_vars, &vs);
			assert_false(vs.other);
			assert_ptr_equal(tir_simplify(xm->tir, xm->an, d_out), d_out);
			int64_t k, s, d, p0, p1, in_v = -1, out_v = -1;
			if (is_conv) {
				const relax_attrs_conv *a = c->u.call.attrs;
				k = c->u.call.args[1]->u.constant.value->shape[2 + ax];
				s = attr_at(a->strides, ax, 1), d = attr_at(a->dilations, ax, 1);
				p0 = attr_at(a->pads, ax, 0), p1 = attr_at(a->pads, 2 + ax, 0);
			} else {
				const relax_attrs_pool *a = c->u.call.attrs;
				k = a->kernel.v[ax];
				s = attr_at(a->strides, ax, 1), d = attr_at(a->dilations, ax, 1);
				p0 = attr_at(a->pads, ax, 0), p1 = attr_at(a->pads, 2 + ax, 0);
			}
			assert_true(eval_dim(xm, d_in, 2, vars, vals, &in_v));
			assert_true(eval_dim(xm, d_out, 2, vars, vals, &out_v));
			assert_int_equal(out_v, window_out(in_v, k, s, d, p0, p1));
			if (ax == 0)
				*last_h = out_v;
			else
				*last_w = out_v;
		}
		n++;
	}
	sb_vec_free(&v);
	assert_true(n > 0);
}

static void check_classifier(relax_module *xm, relax_expr *fn)
{
	tir_expr *batch = tir_shape_var(xm->tir, "batch");
	assert_sinfo(fn->u.func.params[0]->sinfo, "Tensor((batch, 3, height, width), float32)");
	assert_sinfo(fn->u.func.ret, "Tensor((batch, 1000), float32)");
	assert_string_equal(bridge_output_name(fn, 0), "logits");
	relax_binding *gemm = find_call(fn, RELAX_OP_GEMM, 0);
	assert_non_null(gemm);
	assert_ptr_equal(gemm->var->sinfo->u.tensor.shape[0], batch);
}

static void test_resnet18(void **state)
{
	relay_module *rm;
	relax_module *xm;
	relax_expr *fn = bridge_zoo("resnet18", true, &rm, &xm);
	if (!fn)
		skip();
	check_classifier(xm, fn);
	assert_int_equal(count_calls(fn, RELAX_OP_CONV2D), 20);
	/* The zoo's test shapes: 224x224 ends at 7x7, 160x288 at 5x9. */
	int64_t lh, lw;
	check_windows(xm, fn, 224, 224, &lh, &lw);
	assert_int_equal(lh, 7);
	assert_int_equal(lw, 7);
	check_windows(xm, fn, 160, 288, &lh, &lw);
	assert_int_equal(lh, 5);
	assert_int_equal(lw, 9);
	check_windows(xm, fn, 1, 33, &lh, &lw);
	print_message("resnet18 (relay_optimize, bridge):\n");
	print_lines(xm, fn, "@main", 1);
	print_lines(xm, fn, "relax.conv2d", 2);
	print_lines(xm, fn, "relax.max_pool2d", 1);
	print_lines(xm, fn, "relax.global_avg_pool", 1);
	print_lines(xm, fn, "relax.gemm", 1);
	relax_module_free(xm);
	relay_module_free(rm);
}

static void test_mobilenet_v2(void **state)
{
	relay_module *rm;
	relax_module *xm;
	relax_expr *fn = bridge_zoo("mobilenet_v2", true, &rm, &xm);
	if (!fn)
		skip();
	check_classifier(xm, fn);
	assert_int_equal(count_calls(fn, RELAX_OP_CONV2D), 52);
	assert_int_equal(count_calls(fn, RELAX_OP_CLIP), 35);
	int64_t lh, lw;
	check_windows(xm, fn, 224, 224, &lh, &lw);
	assert_int_equal(lh, 7);
	check_windows(xm, fn, 192, 256, &lh, &lw);
	assert_int_equal(lh, 6);
	assert_int_equal(lw, 8);
	relax_module_free(xm);
	relay_module_free(rm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bert_mini),
	    cmocka_unit_test(test_bert_mini_unoptimized),
	    cmocka_unit_test(test_resnet18),
	    cmocka_unit_test(test_mobilenet_v2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
