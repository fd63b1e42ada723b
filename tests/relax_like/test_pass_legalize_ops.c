/* LegalizeOps on small hand-built modules: the op calls become call_tir
 * with the same output struct info, PrimFuncs are added over the
 * arguments' generalised shapes and shared between calls with the same
 * pattern; then numerics: the legalized module is lowered for the VM
 * (relax_lower_for_vm), turned into bytecode, its PrimFuncs JIT-compiled,
 * and run at two shapes from one compiled module, against loops written
 * here.  Sizes read from data (tensor_to_shape, arange / one_hot / topk
 * sizes from tensors, nonzero) run at two values each.  On
 * the model zoo (when present): bert_mini's four layers share PrimFuncs. */
#include <math.h>
#include <sys/stat.h>

#include "relax_test.h"

#include "backends/llvm/llvm_codegen.h"
#include "backends/vm/vm_codegen.h"
#include "bridge/bridge.h"
#include "import/onnx/onnx_import.h"
#include "relax_like/passes/passes.h"
#include "relay_like/passes/passes.h"
#include "tests/vm/vm_jit.h"

#define CHECK(call)                                                                                \
	do {                                                                                       \
		if ((call) != SB_OK)                                                               \
			fail_msg("%s: %s", #call, sb_last_error());                                \
	} while (0)

#define assert_contains(s, sub)                                                                    \
	do {                                                                                       \
		const char *s_ = (s);                                                              \
		if (!s_ || !strstr(s_, (sub)))                                                     \
			fail_msg("'%s' does not contain '%s'", s_ ? s_ : "(null)", (sub));         \
	} while (0)

/* ---- Building ---- */

static relax_expr *tvar(relax_module *m, const char *name, const relax_sinfo *s)
{
	return relax_var(m, name, s);
}

static relax_expr *emit(relax_builder *b, relax_op op, int n, relax_expr *const *args,
			void *attrs)
{
	relax_expr *v;
	CHECK(relax_builder_emit(b, relax_call_op(relax_builder_module(b), op, n, args, attrs),
				 NULL, &v));
	return v;
}

/* @main(params) { dataflow { body } return result }; body gets the
 * builder and the params and returns the result (emitted as an output). */
typedef relax_expr *(*body_fn)(relax_builder *b, relax_expr *const *p);

static void build_main(relax_module *m, int np, relax_expr *const *params, body_fn body)
{
	relax_builder *b = relax_builder_new(m);
	relax_builder_begin_function(b, np, params);
	relax_builder_begin_dataflow(b);
	relax_expr *r = body(b, params), *gv, *fn;
	CHECK(relax_builder_emit_output(b, r, "out", &gv));
	relax_builder_end_block(b);
	CHECK(relax_builder_end_function(b, gv, NULL, &fn));
	relax_module_set_function(m, "main", fn);
	relax_builder_free(b);
	CHECK(relax_wellformed(m));
}

static relax_expr *f32_const(relax_module *m, int n, const int64_t *shape, double base,
			     double step)
{
	sb_tensor *t = sb_tensor_new(SB_F32, n, shape);
	for (int64_t i = 0; i < sb_tensor_numel(t); i++)
		sb_tensor_set_f64(t, i, base + step * (double)(i % 7) - 0.1 * (double)(i % 3));
	return relax_constant(m, t);
}

/* ---- Looking ---- */

static int count_prim_funcs(relax_module *m, const char *prefix)
{
	int n = 0;
	for (size_t i = 0; i < m->globals.len; i++) {
		relax_global *g = m->globals.data[i];
		if (g->prim && (!prefix || !strncmp(g->name, prefix, strlen(prefix))))
			n++;
	}
	return n;
}

static bool is_any_op(const relax_binding *b, void *env)
{
	(void)env;
	const relax_expr *v = b->value;
	return v->kind == RELAX_CALL && !v->u.call.callee && v->u.call.op != RELAX_OP_CALL_TIR;
}

static bool is_op(const relax_binding *b, void *env)
{
	const relax_expr *v = b->value;
	return v->kind == RELAX_CALL && !v->u.call.callee && v->u.call.op == *(relax_op *)env;
}

static bool is_call_tir(const relax_binding *b, void *env)
{
	const relax_expr *v = b->value;
	if (v->kind != RELAX_CALL || v->u.call.callee || v->u.call.op != RELAX_OP_CALL_TIR)
		return false;
	return !env || !strcmp(v->u.call.args[0]->u.var.name, env);
}

static int count_in_main(relax_module *m, bool (*pred)(const relax_binding *, void *), void *env)
{
	relax_expr *seq = relax_module_lookup(m, "main")->func->u.func.body;
	int n = 0;
	for (int i = 0; i < seq->u.seq.nblocks; i++)
		for (int k = 0; k < seq->u.seq.blocks[i]->nbindings; k++)
			n += pred(&seq->u.seq.blocks[i]->bindings[k], env);
	return n;
}

/* The k-th binding of main's body whose value is a call_tir. */
static relax_binding *nth_call_tir(relax_module *m, int k)
{
	relax_expr *seq = relax_module_lookup(m, "main")->func->u.func.body;
	for (int i = 0; i < seq->u.seq.nblocks; i++)
		for (int j = 0; j < seq->u.seq.blocks[i]->nbindings; j++) {
			relax_binding *b = &seq->u.seq.blocks[i]->bindings[j];
			if (is_call_tir(b, NULL) && k-- == 0)
				return b;
		}
	fail_msg("no call_tir number %d", k);
	return NULL;
}

static tir_func *prim(relax_module *m, const char *name)
{
	relax_global *g = relax_module_lookup(m, name);
	assert_non_null(g);
	assert_non_null(g->prim);
	return g->prim;
}

/* ---- Structure ---- */

static relax_expr *body_ewise(relax_builder *b, relax_expr *const *p)
{
	relax_expr *a[2] = {p[0], p[1]};
	relax_expr *s = emit(b, RELAX_OP_ADD, 2, a, NULL);
	relax_expr *r = emit(b, RELAX_OP_RELU, 1, &s, NULL);
	relax_expr *e = emit(b, RELAX_OP_EXP, 1, &r, NULL);
	relax_expr *a2[2] = {e, p[1]};
	return relax_call_op(relax_builder_module(b), RELAX_OP_ADD, 2, a2, NULL);
}

static void test_elementwise_structure(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	relax_expr *p[2] = {tvar(m, "x", TENSOR(m, SB_F32, "n", "s", "256")),
			    tvar(m, "y", TENSOR(m, SB_F32, "n", "s", "256"))};
	build_main(m, 2, p, body_ewise);
	const relax_sinfo *before = relax_module_lookup(m, "main")->func->u.func.ret;
	CHECK(relax_legalize_ops(m, NULL));
	CHECK(relax_wellformed(m));
	/* Every op is gone; four call_tir, three PrimFuncs (add reused). */
	assert_int_equal(count_in_main(m, is_any_op, NULL), 0);
	assert_int_equal(count_in_main(m, is_call_tir, NULL), 4);
	assert_int_equal(count_in_main(m, is_call_tir, "add"), 2);
	assert_int_equal(count_prim_funcs(m, NULL), 3);
	/* exp is a libm name: the PrimFunc is not called "exp". */
	assert_null(relax_module_lookup(m, "exp"));
	assert_int_equal(count_prim_funcs(m, "topi_exp"), 1);
	relax_binding *b0 = nth_call_tir(m, 0);
	assert_sinfo(b0->value->u.call.sinfo_args[0], "Tensor((n, s, 256), float32)");
	assert_sinfo(b0->var->sinfo, "Tensor((n, s, 256), float32)");
	assert_true(relax_sinfo_equal(m, relax_module_lookup(m, "main")->func->u.func.ret, before));
	/* The PrimFunc: n and s are one variable each, shared by A, B and C;
	 * 256 stays a constant. */
	tir_func *add = prim(m, "add");
	assert_int_equal(add->nparams, 3);
	const tir_buffer *A = add->params[0].buffer, *B = add->params[1].buffer,
			 *C = add->params[2].buffer;
	assert_int_equal(A->shape[0]->kind, TIR_VAR);
	assert_int_equal(A->shape[1]->kind, TIR_VAR);
	assert_ptr_not_equal(A->shape[0], A->shape[1]);
	assert_ptr_equal(A->shape[0], B->shape[0]);
	assert_ptr_equal(A->shape[1], B->shape[1]);
	assert_ptr_equal(A->shape[0], C->shape[0]);
	assert_true(tir_expr_is_const(A->shape[2], 256));
	CHECK(tir_func_verify(add));
	relax_module_free(m);
}

/* power(x, 2) -> x * x, one input; power(x, 3) keeps pow and its exponent */
static relax_expr *body_power(relax_builder *b, relax_expr *const *p)
{
	relax_module *m = relax_builder_module(b);
	relax_expr *a[2] = {p[0], f32_const(m, 0, NULL, 2.0, 0)};
	relax_expr *sq = emit(b, RELAX_OP_POWER, 2, a, NULL);
	relax_expr *c[2] = {sq, f32_const(m, 0, NULL, 3.0, 0)};
	return relax_call_op(m, RELAX_OP_POWER, 2, c, NULL);
}

static void test_power_of_two_is_a_square(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	relax_expr *p[1] = {tvar(m, "x", TENSOR(m, SB_F32, "n", "256"))};
	build_main(m, 1, p, body_power);
	CHECK(relax_legalize_ops(m, NULL));
	CHECK(relax_wellformed(m));
	relax_binding *sq = nth_call_tir(m, 0);
	/* call_tir(@power, (x,)): the constant exponent is gone */
	relax_expr *args = sq->value->u.call.args[1];
	assert_int_equal(args->u.tuple.nfields, 1);
	tir_func *f = prim(m, sq->value->u.call.args[0]->u.var.name);
	assert_int_equal(f->nparams, 2);
	char *text = tir_func_to_string(f);
	assert_non_null(strstr(text, "A[v0, v1] * A[v0, v1]"));
	assert_null(strstr(text, "pow("));
	free(text);
	CHECK(tir_func_verify(f));
	relax_module_free(m);
}

static relax_expr *body_reuse(relax_builder *b, relax_expr *const *p)
{
	relax_module *m = relax_builder_module(b);
	relax_expr *a[2] = {p[0], p[0]};
	relax_expr *x2 = emit(b, RELAX_OP_MULTIPLY, 2, a, NULL); /* (n, 4) */
	relax_expr *c[2] = {p[1], p[1]};
	relax_expr *z2 = emit(b, RELAX_OP_MULTIPLY, 2, c, NULL); /* (m, 4): same pattern */
	relax_expr *d[2] = {p[2], p[2]};
	relax_expr *w2 = emit(b, RELAX_OP_MULTIPLY, 2, d, NULL); /* (m, 5): another */
	relax_expr *e[2] = {p[0], p[3]};
	relax_expr *v2 = emit(b, RELAX_OP_MULTIPLY, 2, e, NULL); /* (n, 4) * (4,) */
	/* x[:, 0:2] and x[:, 2:4]: one shape, different constant starts */
	relax_attrs_strided_slice *sa = relax_attrs_new(m, RELAX_ATTRS_strided_slice);
	sa->axes = relax_ints_make(m, 1, (int64_t[]){1});
	relax_expr *sl[2];
	for (int i = 0; i < 2; i++) {
		relax_expr *a3[3] = {p[0], relax_shape_expr(m, 1, (tir_expr *[]){ci(m, 2 * i)}),
				     relax_shape_expr(m, 1, (tir_expr *[]){ci(m, 2 * i + 2)})};
		sl[i] = emit(b, RELAX_OP_STRIDED_SLICE, 3, a3, sa);
	}
	relax_expr *s[2] = {x2, v2};
	(void)z2, (void)w2, (void)sl;
	return relax_call_op(m, RELAX_OP_ADD, 2, s, NULL);
}

static void test_reuse_by_shape_pattern(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	relax_expr *p[4] = {tvar(m, "x", TENSOR(m, SB_F32, "n", "4")),
			    tvar(m, "z", TENSOR(m, SB_F32, "m", "4")),
			    tvar(m, "w", TENSOR(m, SB_F32, "m", "5")),
			    tvar(m, "v", TENSOR(m, SB_F32, "4"))};
	build_main(m, 4, p, body_reuse);
	CHECK(relax_legalize_ops(m, NULL));
	CHECK(relax_wellformed(m));
	/* (n, 4) and (m, 4) share "multiply"; (m, 5) and (n, 4)*(4,) do not. */
	assert_int_equal(count_in_main(m, is_call_tir, "multiply"), 2);
	assert_int_equal(count_in_main(m, is_call_tir, "multiply1"), 1);
	assert_int_equal(count_in_main(m, is_call_tir, "multiply2"), 1);
	assert_int_equal(count_prim_funcs(m, "multiply"), 3);
	assert_true(tir_expr_is_const(prim(m, "multiply1")->params[0].buffer->shape[1], 5));
	assert_int_equal(prim(m, "multiply2")->params[1].buffer->ndim, 1);
	/* A start folded into the kernel is part of its key. */
	assert_int_equal(count_prim_funcs(m, "strided_slice"), 2);
	relax_module_free(m);
}

/* ---- Running ---- */

/* Legalize, lower for the VM, generate bytecode, JIT every PrimFunc. */
static void compile(compiled *c, relax_module *m)
{
	memset(c, 0, sizeof *c);
	c->m = m;
	CHECK(relax_legalize_ops(m, NULL));
	CHECK(relax_wellformed(m));
	CHECK(relax_lower_for_vm(m, NULL));
	compiled_finish(c);
}

static sb_tensor *run1(compiled *c, int n, sb_tensor *const *in)
{
	sb_value args[4], y;
	for (int i = 0; i < n; i++)
		args[i] = sb_value_tensor(in[i]);
	CHECK(sb_vm_invoke(c->vm, c->exec->entry, args, n, &y));
	assert_int_equal(y.kind, SB_VAL_TENSOR);
	return y.u.tensor;
}

static sb_tensor *filled(sb_dtype dt, int rank, const int64_t *shape, double base, double step)
{
	sb_tensor *t = sb_tensor_new(dt, rank, shape);
	for (int64_t i = 0; i < sb_tensor_numel(t); i++)
		sb_tensor_set_f64(t, i, base + step * (double)((i * 7) % 11) - 0.05 * (double)i);
	return t;
}

static void assert_close(double got, double want, const char *what, int64_t i)
{
	if (!(fabs(got - want) <= 1e-4 + 1e-4 * fabs(want)))
		fail_msg("%s[%lld]: got %.8g, want %.8g", what, (long long)i, got, want);
}

static void assert_shape(const sb_tensor *t, int rank, const int64_t *shape)
{
	assert_int_equal(t->dl.ndim, rank);
	for (int i = 0; i < rank; i++)
		assert_int_equal(t->shape[i], shape[i]);
}

/* y = softmax(relu(x @ W + b), axis -1) then permuted and reshaped:
 * reshape(permute_dims(reshape(y, (n, 2, 3)), [1, 0, 2]), (2, n * 3)). */
static relax_expr *body_mlp(relax_builder *b, relax_expr *const *p)
{
	relax_module *m = relax_builder_module(b);
	int64_t ws[2] = {4, 6}, bs[1] = {6};
	relax_expr *mm[2] = {p[0], f32_const(m, 2, ws, -0.5, 0.2)};
	relax_expr *h = emit(b, RELAX_OP_MATMUL, 2, mm, NULL);
	relax_expr *ad[2] = {h, f32_const(m, 1, bs, 0.1, 0.05)};
	h = emit(b, RELAX_OP_ADD, 2, ad, NULL);
	h = emit(b, RELAX_OP_RELU, 1, &h, NULL);
	h = emit(b, RELAX_OP_SOFTMAX, 1, &h, NULL);
	tir_expr *n = sv(m, "n");
	tir_expr *d3[3] = {n, ci(m, 2), ci(m, 3)};
	relax_expr *r1[2] = {h, relax_shape_expr(m, 3, d3)};
	h = emit(b, RELAX_OP_RESHAPE, 2, r1, NULL);
	relax_attrs_permute_dims *pa = relax_attrs_new(m, RELAX_ATTRS_permute_dims);
	pa->axes = relax_ints_make(m, 3, (int64_t[]){1, 0, 2});
	h = emit(b, RELAX_OP_PERMUTE_DIMS, 1, &h, pa);
	tir_expr *d2[2] = {ci(m, 2), tir_mul(m->tir, n, ci(m, 3))};
	relax_expr *r2[2] = {h, relax_shape_expr(m, 2, d2)};
	return relax_call_op(m, RELAX_OP_RESHAPE, 2, r2, NULL);
}

static void test_run_mlp_two_shapes(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	relax_expr *x = tvar(m, "x", TENSOR(m, SB_F32, "n", "4"));
	build_main(m, 1, &x, body_mlp);
	/* The weights as the kernels see them, before the module is lowered. */
	relax_binding *mm = NULL;
	relax_expr *seq = relax_module_lookup(m, "main")->func->u.func.body;
	mm = &seq->u.seq.blocks[0]->bindings[0];
	sb_tensor *W = sb_tensor_retain(mm->value->u.call.args[1]->u.constant.value);
	sb_tensor *B = sb_tensor_retain(seq->u.seq.blocks[0]->bindings[1].value->u.call.args[1]->u.constant.value);
	compiled c;
	compile(&c, m);
	for (int64_t n = 1; n <= 5; n += 4) {
		int64_t xs[2] = {n, 4};
		sb_tensor *X = filled(SB_F32, 2, xs, -1.0, 0.3);
		sb_tensor *Y = run1(&c, 1, &X);
		assert_shape(Y, 2, (int64_t[]){2, n * 3});
		for (int64_t i = 0; i < n; i++) {
			double h[6], mx = 0, sum = 0;
			for (int j = 0; j < 6; j++) {
				double acc = sb_tensor_get_f64(B, j);
				for (int k = 0; k < 4; k++)
					acc += sb_tensor_get_f64(X, i * 4 + k) *
					       sb_tensor_get_f64(W, k * 6 + j);
				h[j] = acc > 0 ? acc : 0;
				mx = j == 0 || h[j] > mx ? h[j] : mx;
			}
			for (int j = 0; j < 6; j++)
				sum += exp(h[j] - mx);
			for (int j = 0; j < 6; j++) {
				/* y[i, g, k] (g = j / 3) lands at out[g, i*3 + k]. */
				int64_t g = j / 3, k = j % 3;
				assert_close(sb_tensor_get_f64(Y, g * n * 3 + i * 3 + k),
					     exp(h[j] - mx) / sum, "mlp", i * 6 + j);
			}
		}
		sb_tensor_release(Y);
		sb_tensor_release(X);
	}
	sb_tensor_release(W);
	sb_tensor_release(B);
	compiled_release(&c);
}

/* conv2d 3x3 stride 2 SAME_UPPER (pads from the run-time size) + bias,
 * relu, max_pool 2x2 stride 1, global_avg_pool; h and w symbolic. */
static relax_expr *body_conv(relax_builder *b, relax_expr *const *p)
{
	relax_module *m = relax_builder_module(b);
	int64_t ws[4] = {3, 2, 3, 3}, bs[1] = {3};
	relax_attrs_conv *ca = relax_attrs_new(m, RELAX_ATTRS_conv);
	ca->strides = relax_ints_make(m, 2, (int64_t[]){2, 2});
	ca->auto_pad = relax_intern(m, "SAME_UPPER");
	relax_expr *cv[3] = {p[0], f32_const(m, 4, ws, -0.4, 0.15), f32_const(m, 1, bs, 0.05, 0.1)};
	relax_expr *h = emit(b, RELAX_OP_CONV2D, 3, cv, ca);
	h = emit(b, RELAX_OP_RELU, 1, &h, NULL);
	relax_attrs_pool *pa = relax_attrs_new(m, RELAX_ATTRS_pool);
	pa->kernel = relax_ints_make(m, 2, (int64_t[]){2, 2});
	h = emit(b, RELAX_OP_MAX_POOL2D, 1, &h, pa);
	return relax_call_op(m, RELAX_OP_GLOBAL_AVG_POOL, 1, &h, NULL);
}

static void test_run_conv_same_pads_two_shapes(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	relax_expr *x = tvar(m, "x", TENSOR(m, SB_F32, "1", "2", "h", "w"));
	build_main(m, 1, &x, body_conv);
	relax_expr *seq = relax_module_lookup(m, "main")->func->u.func.body;
	relax_expr *conv = seq->u.seq.blocks[0]->bindings[0].value;
	assert_sinfo(seq->u.seq.blocks[0]->bindings[0].var->sinfo,
		     "Tensor((1, 3, (h + 1) // 2, (w + 1) // 2), float32)");
	sb_tensor *W = sb_tensor_retain(conv->u.call.args[1]->u.constant.value);
	sb_tensor *B = sb_tensor_retain(conv->u.call.args[2]->u.constant.value);
	compiled c;
	compile(&c, m);
	const int64_t hw[2][2] = {{5, 6}, {8, 3}};
	for (int t = 0; t < 2; t++) {
		int64_t H = hw[t][0], Wd = hw[t][1];
		int64_t xs[4] = {1, 2, H, Wd};
		sb_tensor *X = filled(SB_F32, 4, xs, -0.7, 0.2);
		sb_tensor *Y = run1(&c, 1, &X);
		assert_shape(Y, 4, (int64_t[]){1, 3, 1, 1});
		int64_t OH = (H + 1) / 2, OW = (Wd + 1) / 2;
		/* SAME_UPPER: total pad = max((o-1)*s + k - in, 0), the smaller
		 * half first. */
		int64_t ph = SB_MAX((OH - 1) * 2 + 3 - H, 0) / 2;
		int64_t pw = SB_MAX((OW - 1) * 2 + 3 - Wd, 0) / 2;
		for (int co = 0; co < 3; co++) {
			double conv_out[8][8], total = 0;
			for (int64_t oy = 0; oy < OH; oy++)
				for (int64_t ox = 0; ox < OW; ox++) {
					double acc = sb_tensor_get_f64(B, co);
					for (int ci_ = 0; ci_ < 2; ci_++)
						for (int ky = 0; ky < 3; ky++)
							for (int kx = 0; kx < 3; kx++) {
								int64_t iy = oy * 2 + ky - ph;
								int64_t ix = ox * 2 + kx - pw;
								if (iy < 0 || iy >= H || ix < 0 || ix >= Wd)
									continue;
								acc += sb_tensor_get_f64(X, (ci_ * H + iy) * Wd + ix) *
								       sb_tensor_get_f64(W, ((co * 2 + ci_) * 3 + ky) * 3 + kx);
							}
					conv_out[oy][ox] = acc > 0 ? acc : 0;
				}
			int64_t PH = OH - 1, PW = OW - 1;
			for (int64_t py = 0; py < PH; py++)
				for (int64_t px = 0; px < PW; px++) {
					double mx = conv_out[py][px];
					mx = SB_MAX(mx, conv_out[py][px + 1]);
					mx = SB_MAX(mx, conv_out[py + 1][px]);
					mx = SB_MAX(mx, conv_out[py + 1][px + 1]);
					total += mx;
				}
			assert_close(sb_tensor_get_f64(Y, co), total / (double)(PH * PW), "conv", co);
		}
		sb_tensor_release(Y);
		sb_tensor_release(X);
	}
	sb_tensor_release(W);
	sb_tensor_release(B);
	compiled_release(&c);
}

/* x[:, k:8] where k is y's length: the slice start is neither a dim of x
 * nor of the output, so it reaches the kernel as a scalar parameter. */
static relax_expr *body_slice(relax_builder *b, relax_expr *const *p)
{
	relax_module *m = relax_builder_module(b);
	tir_expr *k = sv(m, "k");
	relax_expr *args[3] = {p[0], relax_shape_expr(m, 1, &k),
			       relax_shape_expr(m, 1, (tir_expr *[]){ci(m, 8)})};
	relax_attrs_strided_slice *a = relax_attrs_new(m, RELAX_ATTRS_strided_slice);
	a->axes = relax_ints_make(m, 1, (int64_t[]){1});
	relax_expr *s = emit(b, RELAX_OP_STRIDED_SLICE, 3, args, a);
	/* and the shape of the slice as data, added to its first row */
	relax_expr *sh = emit(b, RELAX_OP_SHAPE_OF, 1, &s, NULL);
	relax_expr *st = emit(b, RELAX_OP_SHAPE_TO_TENSOR, 1, &sh, NULL);
	relax_attrs_cast *ca = relax_attrs_new(m, RELAX_ATTRS_cast);
	ca->dtype = SB_F32;
	relax_expr *sf = emit(b, RELAX_OP_CAST, 1, &st, ca);
	relax_expr *mx[1] = {sf};
	relax_attrs_reduce *ra = relax_attrs_new(m, RELAX_ATTRS_reduce);
	relax_expr *total = emit(b, RELAX_OP_SUM, 1, mx, ra); /* rows + cols, 0-d */
	relax_expr *add[2] = {s, total};
	return relax_call_op(m, RELAX_OP_ADD, 2, add, NULL);
}

static void test_run_symbolic_slice_start(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	relax_expr *p[2] = {tvar(m, "x", TENSOR(m, SB_F32, "n", "8")),
			    tvar(m, "y", TENSOR(m, SB_F32, "k"))};
	build_main(m, 2, p, body_slice);
	compiled c;
	compile(&c, m);
	/* The slice's PrimFunc takes k as a scalar parameter. */
	tir_func *sl = prim(m, "strided_slice");
	assert_int_equal(sl->nparams, 3);
	assert_null(sl->params[1].buffer);
	for (int64_t t = 0; t < 2; t++) {
		int64_t n = t ? 3 : 2, k = t ? 5 : 2;
		int64_t xs[2] = {n, 8}, ys[1] = {k};
		sb_tensor *in[2] = {filled(SB_F32, 2, xs, 0.5, 1.0), filled(SB_F32, 1, ys, 0, 0)};
		sb_tensor *Y = run1(&c, 2, in);
		assert_shape(Y, 2, (int64_t[]){n, 8 - k});
		for (int64_t i = 0; i < n; i++)
			for (int64_t j = 0; j < 8 - k; j++)
				assert_close(sb_tensor_get_f64(Y, i * (8 - k) + j),
					     sb_tensor_get_f64(in[0], i * 8 + k + j) + (double)(n + 8 - k),
					     "slice", i * (8 - k) + j);
		sb_tensor_release(Y);
		sb_tensor_release(in[0]);
		sb_tensor_release(in[1]);
	}
	compiled_release(&c);
}

/* The kernels written in LegalizeOps itself: arange over PrimValues
 * (its length a variable bound from the output), trilu with k read from a
 * tensor, rsqrt, not_equal, and tile with symbolic repeats:
 *   t = tril(x, k); y = t + rsqrt(exp(x)) + (t != x) + tile(arange(0, n)[:, None], (1, m)) */
static relax_expr *body_custom(relax_builder *b, relax_expr *const *p)
{
	relax_module *m = relax_builder_module(b);
	tir_expr *n = sv(m, "n"), *mm = sv(m, "m");
	relax_attrs_range *ra = relax_attrs_new(m, RELAX_ATTRS_range);
	ra->dtype = SB_F32;
	relax_expr *ar[3] = {relax_prim_int(m, 0), relax_prim_value(m, n), relax_prim_int(m, 1)};
	relax_expr *r = emit(b, RELAX_OP_ARANGE, 3, ar, ra);
	relax_expr *rs[2] = {r, relax_shape_expr(m, 2, (tir_expr *[]){n, ci(m, 1)})};
	r = emit(b, RELAX_OP_RESHAPE, 2, rs, NULL);
	relax_expr *tl[2] = {r, relax_shape_expr(m, 2, (tir_expr *[]){ci(m, 1), mm})};
	relax_expr *tiled = emit(b, RELAX_OP_TILE, 2, tl, NULL);
	relax_attrs_trilu *ta = relax_attrs_new(m, RELAX_ATTRS_trilu);
	ta->upper = 0;
	relax_expr *tr[2] = {p[0], p[1]};
	relax_expr *t = emit(b, RELAX_OP_TRILU, 2, tr, ta);
	relax_expr *e = emit(b, RELAX_OP_EXP, 1, &p[0], NULL);
	relax_expr *q = emit(b, RELAX_OP_RSQRT, 1, &e, NULL);
	relax_expr *ne[2] = {t, p[0]};
	relax_expr *d = emit(b, RELAX_OP_NOT_EQUAL, 2, ne, NULL);
	relax_attrs_cast *ca = relax_attrs_new(m, RELAX_ATTRS_cast);
	ca->dtype = SB_F32;
	d = emit(b, RELAX_OP_CAST, 1, &d, ca);
	relax_expr *s1[2] = {t, q}, *s2[2] = {NULL, d}, *s3[2] = {NULL, tiled};
	s2[0] = emit(b, RELAX_OP_ADD, 2, s1, NULL);
	s3[0] = emit(b, RELAX_OP_ADD, 2, s2, NULL);
	return relax_call_op(m, RELAX_OP_ADD, 2, s3, NULL);
}

static void test_run_custom_kernels(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	relax_expr *p[2] = {tvar(m, "x", TENSOR(m, SB_F32, "n", "m")),
			    tvar(m, "k", relax_sinfo_tensor(m, SB_I64, 0, NULL))};
	build_main(m, 2, p, body_custom);
	compiled c;
	compile(&c, m);
	for (int t = 0; t < 2; t++) {
		int64_t n = t ? 4 : 3, mm = t ? 2 : 5, k = t ? -1 : 1;
		int64_t xs[2] = {n, mm};
		sb_tensor *in[2] = {filled(SB_F32, 2, xs, -0.6, 0.25), sb_tensor_new(SB_I64, 0, NULL)};
		sb_tensor_set_i64(in[1], 0, k);
		sb_tensor *Y = run1(&c, 2, in);
		assert_shape(Y, 2, xs);
		for (int64_t i = 0; i < n; i++)
			for (int64_t j = 0; j < mm; j++) {
				double x = sb_tensor_get_f64(in[0], i * mm + j);
				double tv = j - i <= k ? x : 0.0;
				double want = tv + exp(-x / 2) + (tv != x ? 1.0 : 0.0) + (double)i;
				assert_close(sb_tensor_get_f64(Y, i * mm + j), want, "custom", i * mm + j);
			}
		sb_tensor_release(Y);
		sb_tensor_release(in[0]);
		sb_tensor_release(in[1]);
	}
	compiled_release(&c);
}

/* ---- Sizes known only at run time ---- */

static sb_value run_value(compiled *c, int n, sb_tensor *const *in, sb_status want)
{
	sb_value args[4], y = {SB_VAL_NONE};
	for (int i = 0; i < n; i++)
		args[i] = sb_value_tensor(in[i]);
	sb_status st = sb_vm_invoke(c->vm, c->exec->entry, args, n, &y);
	if (st != want)
		fail_msg("invoke returned %d, want %d: %s", st, want, st ? sb_last_error() : "");
	return y;
}

static sb_tensor *scalar(sb_dtype dt, double v)
{
	sb_tensor *t = sb_tensor_new(dt, 0, NULL);
	sb_tensor_set_f64(t, 0, v);
	return t;
}

static sb_tensor *vec_i64(int64_t n, const int64_t *v)
{
	sb_tensor *t = sb_tensor_new(SB_I64, 1, &n);
	for (int64_t i = 0; i < n; i++)
		sb_tensor_set_i64(t, i, v[i]);
	return t;
}

static void release_all(int n, sb_tensor *const *ts)
{
	for (int i = 0; i < n; i++)
		sb_tensor_release(ts[i]);
}

/* Is the op bound inside a dataflow block of main (it is pure)? */
static bool op_in_dataflow(relax_module *m, relax_op op)
{
	relax_expr *seq = relax_module_lookup(m, "main")->func->u.func.body;
	for (int i = 0; i < seq->u.seq.nblocks; i++)
		for (int k = 0; k < seq->u.seq.blocks[i]->nbindings; k++)
			if (is_op(&seq->u.seq.blocks[i]->bindings[k], &op))
				return seq->u.seq.blocks[i]->dataflow;
	return false;
}

/* y = reshape(x, tensor_to_shape(s)); exp(y) + y: the target shape is
 * read from data into (d, d_1), and exp's output is allocated from them. */
static relax_expr *body_reshape_from_data(relax_builder *b, relax_expr *const *p)
{
	relax_module *m = relax_builder_module(b);
	relax_expr *s = emit(b, RELAX_OP_TENSOR_TO_SHAPE, 1, &p[1], NULL);
	relax_expr *r[2] = {p[0], s};
	relax_expr *y = emit(b, RELAX_OP_RESHAPE, 2, r, NULL);
	relax_expr *e = emit(b, RELAX_OP_EXP, 1, &y, NULL);
	relax_expr *a[2] = {e, y};
	return relax_call_op(m, RELAX_OP_ADD, 2, a, NULL);
}

static void test_run_tensor_to_shape(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	int64_t two = 2;
	relax_expr *p[2] = {tvar(m, "x", TENSOR(m, SB_F32, "n", "6")),
			    tvar(m, "s", relax_sinfo_tensor(m, SB_I64, 1, (tir_expr *[]){ci(m, two)}))};
	build_main(m, 2, p, body_reshape_from_data);
	CHECK(relax_legalize_ops(m, NULL));
	/* tensor_to_shape stays, in the dataflow block (it is pure). */
	relax_op t2s = RELAX_OP_TENSOR_TO_SHAPE;
	assert_int_equal(count_in_main(m, is_op, &t2s), 1);
	assert_true(op_in_dataflow(m, t2s));
	relax_module_free(m);

	m = relax_module_new();
	p[0] = tvar(m, "x", TENSOR(m, SB_F32, "n", "6"));
	p[1] = tvar(m, "s", relax_sinfo_tensor(m, SB_I64, 1, (tir_expr *[]){ci(m, two)}));
	build_main(m, 2, p, body_reshape_from_data);
	compiled c;
	compile(&c, m);
	const int64_t cases[2][3] = {{2, 3, 4}, {3, 1, 18}}; /* n, s0, s1 */
	for (int t = 0; t < 2; t++) {
		int64_t xs[2] = {cases[t][0], 6};
		sb_tensor *in[2] = {filled(SB_F32, 2, xs, -0.5, 0.2), vec_i64(2, &cases[t][1])};
		sb_tensor *Y = run1(&c, 2, in);
		assert_shape(Y, 2, &cases[t][1]);
		for (int64_t i = 0; i < xs[0] * 6; i++) {
			double x = sb_tensor_get_f64(in[0], i);
			assert_close(sb_tensor_get_f64(Y, i), exp(x) + x, "reshape", i);
		}
		sb_tensor_release(Y);
		release_all(2, in);
	}
	/* A shape that does not hold the elements, a negative value: errors. */
	int64_t xs[2] = {2, 6};
	sb_tensor *in[2] = {filled(SB_F32, 2, xs, 0, 1), vec_i64(2, (int64_t[]){5, 5})};
	run_value(&c, 2, in, SB_ERR_INVALID);
	sb_tensor_release(in[1]);
	in[1] = vec_i64(2, (int64_t[]){-3, -4});
	run_value(&c, 2, in, SB_ERR_INVALID);
	assert_contains(sb_last_error(), "not a dimension");
	release_all(2, in);
	compiled_release(&c);
}

/* y = arange(start, limit, delta) * 2 with all three read from 0-d
 * tensors: the length is computed by a kernel, read into a shape
 * variable, and both outputs are allocated from it. */
static relax_expr *body_arange_data(relax_builder *b, relax_expr *const *p)
{
	relax_module *m = relax_builder_module(b);
	relax_expr *r = emit(b, RELAX_OP_ARANGE, 3, p, NULL);
	sb_tensor *two = sb_tensor_new(p[0]->sinfo->u.tensor.dtype, 0, NULL);
	sb_tensor_set_f64(two, 0, 2);
	relax_expr *a[2] = {r, relax_constant(m, two)};
	return relax_call_op(m, RELAX_OP_MULTIPLY, 2, a, NULL);
}

static void test_run_arange_from_data(void **state)
{
	(void)state;
	/* start, limit, delta; the third case is empty. */
	const double cf[3][3] = {{0, 5, 1.5}, {10, 2, -3}, {1, 1, 1}};
	const double ci_[3][3] = {{-3, 4, 2}, {5, -6, -4}, {7, 0, 1}};
	sb_dtype dts[2] = {SB_F32, SB_I32};
	for (int k = 0; k < 2; k++) {
		relax_module *m = relax_module_new();
		relax_expr *p[3];
		const char *names[3] = {"start", "limit", "delta"};
		for (int i = 0; i < 3; i++)
			p[i] = tvar(m, names[i], relax_sinfo_tensor(m, dts[k], 0, NULL));
		build_main(m, 3, p, body_arange_data);
		compiled c;
		compile(&c, m);
		for (int t = 0; t < 3; t++) {
			const double *v = k ? ci_[t] : cf[t];
			sb_tensor *in[3];
			for (int i = 0; i < 3; i++)
				in[i] = scalar(dts[k], v[i]);
			double q = ceil((v[1] - v[0]) / v[2]);
			int64_t len = q > 0 ? (int64_t)q : 0;
			sb_tensor *Y = run1(&c, 3, in);
			assert_shape(Y, 1, &len);
			for (int64_t i = 0; i < len; i++)
				assert_close(sb_tensor_get_f64(Y, i), 2 * (v[0] + (double)i * v[2]),
					     "arange", i);
			sb_tensor_release(Y);
			release_all(3, in);
		}
		sb_tensor *in[3] = {scalar(dts[k], 1), scalar(dts[k], 4), scalar(dts[k], 0)};
		run_value(&c, 3, in, SB_ERR_INVALID);
		assert_contains(sb_last_error(), "delta is 0");
		release_all(3, in);
		compiled_release(&c);
	}
}

/* one_hot(indices, depth, values) at axis 0, depth a float 0-d tensor
 * (ONNX truncates it to int64). */
static relax_expr *body_one_hot_data(relax_builder *b, relax_expr *const *p)
{
	relax_module *m = relax_builder_module(b);
	relax_attrs_one_hot *a = relax_attrs_new(m, RELAX_ATTRS_one_hot);
	a->axis = 0;
	return relax_call_op(m, RELAX_OP_ONE_HOT, 3, p, a);
}

static void test_run_one_hot_from_data(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	relax_expr *p[3] = {tvar(m, "idx", TENSOR(m, SB_I64, "n")),
			    tvar(m, "depth", relax_sinfo_tensor(m, SB_F32, 0, NULL)),
			    tvar(m, "values", TENSOR(m, SB_F32, "2"))};
	build_main(m, 3, p, body_one_hot_data);
	compiled c;
	compile(&c, m);
	const int64_t idx[2][3] = {{0, -1, 3}, {1, 5, -3}};
	const double depth[2] = {4.7, 2.0};
	for (int t = 0; t < 2; t++) {
		int64_t n = t ? 3 : 3, d = (int64_t)depth[t];
		sb_tensor *vals = sb_tensor_new(SB_F32, 1, (int64_t[]){2});
		sb_tensor_set_f64(vals, 0, -1.5);
		sb_tensor_set_f64(vals, 1, 4.0);
		sb_tensor *in[3] = {vec_i64(n, idx[t]), scalar(SB_F32, depth[t]), vals};
		sb_tensor *Y = run1(&c, 3, in);
		assert_shape(Y, 2, (int64_t[]){d, n});
		for (int64_t k = 0; k < d; k++)
			for (int64_t i = 0; i < n; i++) {
				int64_t j = idx[t][i] < 0 ? idx[t][i] + d : idx[t][i];
				assert_close(sb_tensor_get_f64(Y, k * n + i), j == k ? 4.0 : -1.5,
					     "one_hot", k * n + i);
			}
		sb_tensor_release(Y);
		release_all(3, in);
	}
	compiled_release(&c);
}

/* topk(x, k): k read from an int64[1] tensor (directly) or a 0-d int32
 * one (through a kernel); the result is the (values, indices) tuple. */
static int topk_axis, topk_largest;
static relax_expr *body_topk_data(relax_builder *b, relax_expr *const *p)
{
	relax_module *m = relax_builder_module(b);
	relax_attrs_topk *a = relax_attrs_new(m, RELAX_ATTRS_topk);
	a->axis = topk_axis;
	a->largest = topk_largest;
	return relax_call_op(m, RELAX_OP_TOPK, 2, p, a);
}

/* The reference: the k best of x along axis (of a 2-D x), lower index
 * first among equals. */
static void check_topk_result(const sb_tensor *x, sb_value y, int axis, bool largest, int64_t k)
{
	assert_int_equal(y.kind, SB_VAL_OBJECT);
	const sb_tuple *tp = (const sb_tuple *)y.u.obj;
	assert_int_equal(tp->size, 2);
	const sb_tensor *v = tp->fields[0].u.tensor, *ix = tp->fields[1].u.tensor;
	int64_t os[2] = {x->shape[0], x->shape[1]};
	os[axis] = k;
	assert_shape(v, 2, os);
	assert_shape(ix, 2, os);
	assert_int_equal(ix->dtype, SB_I64);
	int64_t n = x->shape[axis], other = x->shape[1 - axis];
	for (int64_t o = 0; o < other; o++) {
		bool used[16] = {0};
		for (int64_t t = 0; t < k; t++) {
			int64_t best = -1;
			double bv = 0;
			for (int64_t c = 0; c < n; c++) {
				double xv = sb_tensor_get_f64(x, axis ? o * n + c : c * other + o);
				if (!used[c] && (best < 0 || (largest ? xv > bv : xv < bv)))
					best = c, bv = xv;
			}
			used[best] = true;
			int64_t at = axis ? o * k + t : t * other + o;
			assert_int_equal(sb_tensor_get_i64(ix, at), best);
			assert_close(sb_tensor_get_f64(v, at), bv, "topk", at);
		}
	}
}

static void test_run_topk_from_data(void **state)
{
	(void)state;
	for (int variant = 0; variant < 2; variant++) {
		topk_axis = variant ? 0 : -1;
		topk_largest = !variant;
		relax_module *m = relax_module_new();
		relax_expr *p[2];
		if (!variant) {
			p[0] = tvar(m, "x", TENSOR(m, SB_F32, "n", "5"));
			p[1] = tvar(m, "k", TENSOR(m, SB_I64, "1"));
		} else {
			p[0] = tvar(m, "x", TENSOR(m, SB_F32, "4", "n"));
			p[1] = tvar(m, "k", relax_sinfo_tensor(m, SB_I32, 0, NULL));
		}
		build_main(m, 2, p, body_topk_data);
		compiled c;
		compile(&c, m);
		/* topk became a call of runtime.topk, not a kernel. */
		assert_null(relax_module_lookup(m, "topk"));
		for (int t = 0; t < 2; t++) {
			int64_t n = t ? 3 : 2, k = t ? (variant ? 4 : 5) : 2;
			int64_t xs[2] = {variant ? 4 : n, variant ? n : 5};
			/* Repeated values: ties are resolved by index. */
			sb_tensor *x = sb_tensor_new(SB_F32, 2, xs);
			for (int64_t i = 0; i < xs[0] * xs[1]; i++)
				sb_tensor_set_f64(x, i, (double)((i * 5) % 7 % 4) - 1.5);
			sb_tensor *kt = variant ? sb_tensor_new(SB_I32, 0, NULL) : vec_i64(1, &k);
			sb_tensor_set_i64(kt, 0, k);
			sb_tensor *in[2] = {x, kt};
			sb_value y = run_value(&c, 2, in, SB_OK);
			check_topk_result(x, y, variant ? 0 : 1, !variant, k);
			sb_value_release(&y);
			/* k larger than the axis: an error, not a crash. */
			sb_tensor_set_i64(kt, 0, xs[variant ? 0 : 1] + 1);
			run_value(&c, 2, in, SB_ERR_INVALID);
			release_all(2, in);
		}
		compiled_release(&c);
	}
}

/* k a compile-time constant: the outputs' shape is known, the call is
 * the same packed function. */
static relax_expr *body_topk_const(relax_builder *b, relax_expr *const *p)
{
	relax_module *m = relax_builder_module(b);
	relax_expr *a[2] = {p[0], relax_prim_int(m, 2)};
	return relax_call_op(m, RELAX_OP_TOPK, 2, a, NULL);
}

static void test_run_topk_const_k(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	relax_expr *x = tvar(m, "x", TENSOR(m, SB_F32, "n", "5"));
	build_main(m, 1, &x, body_topk_const);
	compiled c;
	compile(&c, m);
	for (int64_t n = 1; n <= 4; n += 3) {
		int64_t xs[2] = {n, 5};
		sb_tensor *X = filled(SB_F32, 2, xs, -0.3, 0.4);
		sb_value y = run_value(&c, 1, &X, SB_OK);
		check_topk_result(X, y, 1, true, 2);
		sb_value_release(&y);
		sb_tensor_release(X);
	}
	compiled_release(&c);
}

static relax_expr *body_nonzero_data(relax_builder *b, relax_expr *const *p)
{
	relax_module *m = relax_builder_module(b);
	relax_expr *nz = emit(b, RELAX_OP_NONZERO, 1, p, NULL);
	/* Something allocated from nnz after it. */
	sb_tensor *one = sb_tensor_new(SB_I64, 0, NULL);
	sb_tensor_set_i64(one, 0, 10);
	relax_expr *a[2] = {nz, relax_constant(m, one)};
	return relax_call_op(m, RELAX_OP_ADD, 2, a, NULL);
}

static void test_run_nonzero(void **state)
{
	(void)state;
	relax_module *m = relax_module_new();
	relax_expr *x = tvar(m, "x", TENSOR(m, SB_F32, "n", "3"));
	build_main(m, 1, &x, body_nonzero_data);
	compiled c;
	compile(&c, m);
	for (int t = 0; t < 2; t++) {
		int64_t xs[2] = {t ? 4 : 2, 3}, nnz = 0;
		sb_tensor *X = sb_tensor_new(SB_F32, 2, xs);
		for (int64_t i = 0; i < xs[0] * 3; i++) {
			double v = (i * (t + 2)) % 3 == 0 ? 0.0 : 0.5 * (double)i;
			sb_tensor_set_f64(X, i, v);
			nnz += v != 0;
		}
		sb_tensor *Y = run1(&c, 1, &X);
		assert_shape(Y, 2, (int64_t[]){2, nnz});
		for (int64_t i = 0, j = 0; i < xs[0] * 3; i++) {
			if (sb_tensor_get_f64(X, i) == 0)
				continue;
			assert_int_equal(sb_tensor_get_i64(Y, j), i / 3 + 10);
			assert_int_equal(sb_tensor_get_i64(Y, nnz + j), i % 3 + 10);
			j++;
		}
		sb_tensor_release(Y);
		sb_tensor_release(X);
	}
	compiled_release(&c);
}

/* ---- Errors ---- */

static relax_expr *body_relu(relax_builder *b, relax_expr *const *p)
{
	return relax_call_op(relax_builder_module(b), RELAX_OP_RELU, 1, p, NULL);
}

static void test_unknown_shape_is_error(void **state)
{
	(void)state;
	/* A tensor argument known only by its rank. */
	relax_module *m = relax_module_new();
	relax_expr *x = tvar(m, "x", relax_sinfo_tensor(m, SB_F32, 2, NULL));
	build_main(m, 1, &x, body_relu);
	assert_int_equal(relax_legalize_ops(m, NULL), SB_ERR_UNSUPPORTED);
	assert_contains(sb_last_error(), "LegalizeOps '");
	assert_contains(sb_last_error(), "known shape");
	relax_module_free(m);
}

/* ---- The model zoo ---- */

static void test_bert_mini_layers_share_prim_funcs(void **state)
{
	(void)state;
	char path[1024];
	struct stat sbuf;
	snprintf(path, sizeof path, "%s/bert_mini/model.onnx", SB_MODELS_DIR);
	if (stat(path, &sbuf) != 0) {
		const char *ci_ = getenv("CI");
		if (ci_ && !strcmp(ci_, "true"))
			fail_msg("model zoo file %s is missing", path);
		skip();
	}
	relay_module *rm;
	relax_module *m;
	CHECK(sb_onnx_import_file(path, &rm));
	CHECK(relay_optimize(rm));
	CHECK(bridge_convert(rm, &m));
	CHECK(relax_normalize(m));
	relax_op sm = RELAX_OP_SOFTMAX, mm = RELAX_OP_MATMUL;
	int softmax_calls = count_in_main(m, is_op, &sm);
	int matmul_calls = count_in_main(m, is_op, &mm);
	int ops = count_in_main(m, is_any_op, NULL);
	CHECK(relax_legalize_ops(m, NULL));
	CHECK(relax_wellformed(m));
	assert_int_equal(count_in_main(m, is_any_op, NULL), 0);
	int calls = count_in_main(m, is_call_tir, NULL), funcs = count_prim_funcs(m, NULL);
	print_message("bert_mini: %d ops -> %d call_tir of %d PrimFuncs (%d softmax, %d matmul "
		      "calls)\n",
		      ops, calls, funcs, softmax_calls, matmul_calls);
	assert_int_equal(softmax_calls, 4);
	/* One softmax PrimFunc for the four layers; the matmuls of all layers
	 * share the few shapes one layer has. */
	assert_int_equal(count_prim_funcs(m, "softmax"), 1);
	assert_true(count_prim_funcs(m, "matmul") * 4 <= matmul_calls);
	assert_true(funcs * 4 < calls);
	relax_module_free(m);
	relay_module_free(rm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_elementwise_structure),
	    cmocka_unit_test(test_power_of_two_is_a_square),
	    cmocka_unit_test(test_reuse_by_shape_pattern),
	    cmocka_unit_test(test_run_mlp_two_shapes),
	    cmocka_unit_test(test_run_conv_same_pads_two_shapes),
	    cmocka_unit_test(test_run_symbolic_slice_start),
	    cmocka_unit_test(test_run_custom_kernels),
	    cmocka_unit_test(test_run_tensor_to_shape),
	    cmocka_unit_test(test_run_arange_from_data),
	    cmocka_unit_test(test_run_one_hot_from_data),
	    cmocka_unit_test(test_run_topk_from_data),
	    cmocka_unit_test(test_run_topk_const_k),
	    cmocka_unit_test(test_run_nonzero),
	    cmocka_unit_test(test_unknown_shape_is_error),
	    cmocka_unit_test(test_bert_mini_layers_share_prim_funcs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
