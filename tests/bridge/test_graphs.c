/* bridge on hand-built relay graphs: parameters and their shape variables,
 * shape arithmetic as symbolic values, the shape consumers, materialized
 * shapes, data-dependent shapes, tuples, outputs and errors. */
#include <math.h>

#include "bridge_test.h"

#include "relax_like/passes/passes.h"

typedef struct fixture {
	relay_module *rm;
	relax_module *xm;
	relax_expr *fn;
} fixture;

static fixture fx(void)
{
	return (fixture){relay_module_new(), NULL, NULL};
}
static void fx_free(fixture *f)
{
	relax_module_free(f->xm);
	relay_module_free(f->rm);
}

static const relax_sinfo *param_sinfo(fixture *f, int i)
{
	return f->fn->u.func.params[i]->sinfo;
}
static tir_expr *param_dim(fixture *f, int i, int k)
{
	return param_sinfo(f, i)->u.tensor.shape[k];
}

/* ---- golden ---- */

/* Shape(x) arithmetic into a Reshape, and Shape(x) used as data. */
static void test_golden_small_graph(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *x = rvar(m, "x", SB_F32, "n,4");
	relay_expr *half = RCALL(m, DIV, "half", rdim(m, x, 1), ri64(m, -1, 2LL));
	relay_expr *target = RCALL(m, CONCAT, "target", rdim(m, x, 0), half, ri64(m, 1, 2LL));
	relay_expr *r = RCALL(m, RESHAPE, "reshape", x, target);
	relay_expr *y = RCALL(m, RELU, "relu", r);
	relay_attrs_cast *ca = RATTRS(m, CAST);
	ca->to = 1; /* FLOAT */
	relay_expr *dims = RCALL_ATTRS(m, CAST, ca, "cast", RCALL(m, SHAPE, "shape_data", x));
	const char *names[] = {"y", "dims"};
	assert_int_equal(bridge_graph(m, 1, &x, 2, (relay_expr *[]){y, dims}, names, &f.xm, &f.fn),
			 SB_OK);
	char *text = fn_text(f.xm, f.fn);
	const char *want =
	    "@main(%x: Tensor((n, 4), float32)) -> Tuple(Tensor((n, 2, 2), float32), Tensor((2,), "
	    "float32))"
	    " attrs {global_symbol: \"main\", num_outputs: 2, output_name.0: \"y\", output_name.1: "
	    "\"dims\"} {\n"
	    "  with dataflow {\n"
	    "    %lv0 = relax.reshape(%x, shape(n, 2, 2)) : Tensor((n, 2, 2), float32)\n"
	    "    %lv1 = relax.relu(%lv0) : Tensor((n, 2, 2), float32)\n"
	    "    %lv2 = relax.shape_to_tensor(shape(n, 4)) : Tensor((2,), int64)\n"
	    "    %lv3 = relax.cast(%lv2, dtype=float32) : Tensor((2,), float32)\n"
	    "    %y = %lv1 : Tensor((n, 2, 2), float32)\n"
	    "    %dims = %lv3 : Tensor((2,), float32)\n"
	    "  }\n"
	    "  return (%y, %dims)\n"
	    "}\n";
	if (strcmp(text, want))
		fprintf(stderr, "got:\n%s\nwant:\n%s", text, want);
	assert_string_equal(text, want);
	free(text);
	assert_int_equal(bridge_output_count(f.fn), 2);
	assert_string_equal(bridge_output_name(f.fn, 0), "y");
	assert_string_equal(bridge_output_name(f.fn, 1), "dims");
	assert_null(bridge_output_name(f.fn, 2));
	fx_free(&f);
}

/* ---- parameters ---- */

static void test_params_named_dims_share_variables(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *ids = rvar(m, "ids", SB_I64, "batch,seq");
	relay_expr *mask = rvar(m, "mask", SB_I64, "batch,seq");
	relay_expr *z = rvar(m, "z", SB_F32, "?,seq,?");
	relay_expr *w = rvar(m, "w", SB_F32, "?");
	relay_expr *params[] = {ids, mask, z, w};
	relay_expr *sum = RCALL(m, ADD, "add", ids, mask);
	assert_int_equal(bridge_graph(m, 4, params, 1, &sum, NULL, &f.xm, &f.fn), SB_OK);
	tir_expr *batch = tir_shape_var(f.xm->tir, "batch"), *seq = tir_shape_var(f.xm->tir, "seq");
	assert_ptr_equal(param_dim(&f, 0, 0), batch);
	assert_ptr_equal(param_dim(&f, 0, 1), seq);
	assert_ptr_equal(param_dim(&f, 1, 0), batch);
	assert_ptr_equal(param_dim(&f, 1, 1), seq);
	assert_ptr_equal(param_dim(&f, 2, 1), seq);
	/* Unnamed unknown dims: a fresh variable each. */
	tir_expr *z0 = param_dim(&f, 2, 0), *z2 = param_dim(&f, 2, 2), *w0 = param_dim(&f, 3, 0);
	assert_int_equal(z0->kind, TIR_VAR);
	assert_true(z0->u.var.is_shape);
	assert_true(z0 != z2 && z0 != w0 && z2 != w0);
	assert_true(z0 != batch && z0 != seq && z2 != batch && z2 != seq);
	assert_string_equal(z0->u.var.name, "z_d0");
	assert_string_equal(z2->u.var.name, "z_d2");
	assert_string_equal(w0->u.var.name, "w_d0");
	assert_sinfo(param_sinfo(&f, 2), "Tensor((z_d0, seq, z_d2), float32)");
	/* Adding the two inputs needs no check: the dims are the same vars. */
	relax_binding *add = find_call(f.fn, RELAX_OP_ADD, 0);
	assert_non_null(add);
	assert_int_equal(add->nchecks, 0);
	assert_sinfo(add->var->sinfo, "Tensor((batch, seq), int64)");
	fx_free(&f);
}

/* A fresh name never takes a dim_param's name, whatever the order. */
static void test_params_fresh_name_avoids_dim_param(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *a = rvar(m, "a", SB_F32, "?");
	relay_expr *b = rvar(m, "b", SB_F32, "a_d0");
	relay_expr *params[] = {a, b};
	relay_expr *r = RCALL(m, RELU, "relu", a);
	assert_int_equal(bridge_graph(m, 2, params, 1, &r, NULL, &f.xm, &f.fn), SB_OK);
	assert_ptr_equal(param_dim(&f, 1, 0), tir_shape_var(f.xm->tir, "a_d0"));
	assert_true(param_dim(&f, 0, 0) != param_dim(&f, 1, 0));
	fx_free(&f);
}

static void test_params_unknown_rank(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *x = relay_var(m, "x", relay_type_tensor(m, SB_F32, -1, NULL));
	relay_expr *r = RCALL(m, RELU, "relu", x);
	sb_status st = bridge_graph(m, 1, &x, 1, &r, NULL, &f.xm, &f.fn);
	/* relu needs a rank: relax_like says so, the bridge names the node. */
	assert_int_equal(st, SB_ERR_UNSUPPORTED);
	assert_non_null(strstr(sb_last_error(), "bridge: Relu 'relu'"));
	fx_free(&f);
}

/* ---- reshape ---- */

/* BERT's split into heads: (n, s, 256) -> (n, s, 4, 64) from Shape(x)
 * pieces; the element counts n*s*256 and n*s*4*64 are proven equal (no
 * run-time check on the binding). */
static void test_reshape_heads_from_shape(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *x = rvar(m, "x", SB_F32, "n,s,256");
	relay_expr *t =
	    RCALL(m, CONCAT, "target", rdim(m, x, 0), rdim(m, x, 1), ri64(m, 2, 4LL, 64LL));
	relay_expr *r = RCALL(m, RESHAPE, "reshape", x, t);
	/* ... and back with a 0 (copy) and a -1 (inferred). */
	relay_expr *back = RCALL(m, RESHAPE, "back", r, ri64(m, 3, 0LL, 0LL, -1LL));
	relay_expr *flat = RCALL(m, RESHAPE, "flat", r, ri64(m, 2, -1LL, 256LL));
	relay_expr *outs[] = {back, flat};
	assert_int_equal(bridge_graph(m, 1, &x, 2, outs, NULL, &f.xm, &f.fn), SB_OK);
	relax_binding *b0 = find_call(f.fn, RELAX_OP_RESHAPE, 0);
	relax_binding *b1 = find_call(f.fn, RELAX_OP_RESHAPE, 1);
	relax_binding *b2 = find_call(f.fn, RELAX_OP_RESHAPE, 2);
	assert_non_null(b2);
	assert_sinfo(b0->var->sinfo, "Tensor((n, s, 4, 64), float32)");
	assert_int_equal(b0->nchecks, 0);
	/* The dims are the input's variables themselves. */
	tir_expr *const *d = b0->var->sinfo->u.tensor.shape;
	assert_ptr_equal(d[0], param_dim(&f, 0, 0));
	assert_ptr_equal(d[1], param_dim(&f, 0, 1));
	/* 0 copies n and s, -1 is 256: the target is resolved. */
	assert_sinfo(b1->var->sinfo, "Tensor((n, s, 256), float32)");
	relax_expr *shape1 = b1->value->u.call.args[1];
	assert_int_equal(shape1->kind, RELAX_SHAPE_EXPR);
	assert_ptr_equal(shape1->u.shape.values[2], tir_int(f.xm->tir, 256));
	assert_int_equal(b1->nchecks, 0);
	/* -1 next to 256: n*s. */
	tir_expr *ns = tir_mul(f.xm->tir, param_dim(&f, 0, 0), param_dim(&f, 0, 1));
	const relax_sinfo *s2 = b2->var->sinfo;
	assert_int_equal(s2->u.tensor.ndim, 2);
	assert_true(tir_can_prove_equal(f.xm->tir, f.xm->an, s2->u.tensor.shape[0], ns));
	assert_int_equal(b2->nchecks, 0);
	fx_free(&f);
}

/* Shape arithmetic: Mul, Div, Sub, Mod, Cast, Slice and Squeeze of a shape. */
static void test_shape_arithmetic(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *x = rvar(m, "x", SB_F32, "n,h,6");
	relay_expr *shape = RCALL(m, SHAPE, "shape", x);
	/* [n*h, 6 // 4 + 6 % 4 == 3, ...] built the ONNX way. */
	relay_attrs_shape *tail = RATTRS(m, SHAPE);
	tail->start = 1;
	relay_expr *hw = RCALL_ATTRS(m, SHAPE, tail, "shape_tail", x);
	relay_expr *sl = RCALL(m, SLICE, "slice", shape, ri64(m, 1, 0LL), ri64(m, 1, 1LL));
	relay_expr *n_vec = sl; /* [n] */
	relay_expr *h = RCALL(m, GATHER, "g1", hw, ri64(m, -1, 0LL));
	relay_expr *nh = RCALL(m, MUL, "nh", RCALL(m, SQUEEZE, "sq", n_vec, ri64(m, 1, 0LL)), h);
	relay_expr *six = RCALL(m, GATHER, "g2", shape, ri64(m, -1, -1LL));
	relay_expr *q = RCALL(m, DIV, "q", six, ri64(m, -1, 4LL));
	relay_expr *rm = RCALL(m, MOD, "rem", six, ri64(m, -1, 4LL));
	relay_expr *three = RCALL(m, ADD, "three", q, rm);
	relay_attrs_cast *ca = RATTRS(m, CAST);
	ca->to = 6; /* INT32 */
	relay_expr *three32 = RCALL_ATTRS(m, CAST, ca, "c32", three);
	ca = RATTRS(m, CAST);
	ca->to = 7; /* INT64 */
	relay_expr *three64 = RCALL_ATTRS(m, CAST, ca, "c64", three32);
	relay_expr *two = RCALL(m, SUB, "two", three64, ri64(m, -1, 1LL));
	relay_expr *u = RCALL(m, UNSQUEEZE, "u0", nh, ri64(m, 1, 0LL));
	relay_expr *t =
	    RCALL(m, CONCAT, "target", u, RCALL(m, UNSQUEEZE, "u1", three64, ri64(m, 1, 0LL)),
		  RCALL(m, UNSQUEEZE, "u2", two, ri64(m, 1, 0LL)));
	relay_expr *r = RCALL(m, RESHAPE, "reshape", x, t);
	assert_int_equal(bridge_graph(m, 1, &x, 1, &r, NULL, &f.xm, &f.fn), SB_OK);
	/* Nothing but the reshape is emitted. */
	binding_vec v = {0};
	fn_bindings(f.fn, &v);
	assert_int_equal(v.len, 2); /* the reshape and the output */
	sb_vec_free(&v);
	relax_binding *b = find_call(f.fn, RELAX_OP_RESHAPE, 0);
	const relax_sinfo *s = b->var->sinfo;
	assert_int_equal(s->u.tensor.ndim, 3);
	tir_expr *n = param_dim(&f, 0, 0), *hv = param_dim(&f, 0, 1);
	assert_true(tir_can_prove_equal(f.xm->tir, f.xm->an, s->u.tensor.shape[0],
					tir_mul(f.xm->tir, n, hv)));
	assert_ptr_equal(s->u.tensor.shape[1], tir_int(f.xm->tir, 3));
	assert_ptr_equal(s->u.tensor.shape[2], tir_int(f.xm->tir, 2));
	assert_int_equal(b->nchecks, 0);
	fx_free(&f);
}

/* Integer Div of shapes is floordiv (they are non-negative); a shape
 * divided by a constant stays symbolic. */
static void test_shape_division_is_symbolic(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *x = rvar(m, "x", SB_F32, "n,c");
	relay_expr *c2 = RCALL(m, DIV, "div", rdim(m, x, 1), ri64(m, 1, 2LL));
	relay_expr *t = RCALL(m, CONCAT, "target", rdim(m, x, 0), c2, ri64(m, 1, 2LL));
	relay_expr *r = RCALL(m, RESHAPE, "reshape", x, t);
	assert_int_equal(bridge_graph(m, 1, &x, 1, &r, NULL, &f.xm, &f.fn), SB_OK);
	relax_binding *b = find_call(f.fn, RELAX_OP_RESHAPE, 0);
	tir_ctx *tc = f.xm->tir;
	tir_expr *want = tir_floordiv(tc, param_dim(&f, 0, 1), tir_int(tc, 2));
	assert_true(tir_can_prove_equal(tc, f.xm->an, b->var->sinfo->u.tensor.shape[1], want));
	/* c // 2 * 2 == c is not provable (c may be odd): a run-time check. */
	assert_int_equal(b->nchecks, 1);
	fx_free(&f);
}

/* ---- other shape consumers ---- */

static void test_generators_from_shapes(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *x = rvar(m, "x", SB_F32, "n,s");
	/* ConstantOfShape([s, 3]) */
	relay_expr *shp = RCALL(m, CONCAT, "cshape", rdim(m, x, 1), ri64(m, 1, 3LL));
	relay_expr *full = RCALL(m, CONSTANT_OF_SHAPE, "cos", shp);
	/* Range(0, s, 1) as positions */
	relay_expr *s = RCALL(m, GATHER, "s", RCALL(m, SHAPE, "shape2", x), ri64(m, -1, 1LL));
	relay_expr *pos = RCALL(m, RANGE, "range", ri64(m, -1, 0LL), s, ri64(m, -1, 1LL));
	/* Expand a (1, 3) bias to (n, 3) */
	relay_expr *bias = rvar(m, "bias", SB_F32, "1,3");
	relay_expr *eshape = RCALL(m, CONCAT, "eshape", rdim(m, x, 0), ri64(m, 1, 3LL));
	relay_expr *ex = RCALL(m, EXPAND, "expand", bias, eshape);
	/* Tile x by [1, 2] */
	relay_expr *tile = RCALL(m, TILE, "tile", x, ri64(m, 2, 1LL, 2LL));
	relay_expr *params[] = {x, bias};
	relay_expr *outs[] = {full, pos, ex, tile};
	assert_int_equal(bridge_graph(m, 2, params, 4, outs, NULL, &f.xm, &f.fn), SB_OK);
	assert_sinfo(find_call(f.fn, RELAX_OP_FULL, 0)->var->sinfo, "Tensor((s, 3), float32)");
	assert_sinfo(find_call(f.fn, RELAX_OP_ARANGE, 0)->var->sinfo, "Tensor((s,), int64)");
	assert_sinfo(find_call(f.fn, RELAX_OP_EXPAND, 0)->var->sinfo, "Tensor((n, 3), float32)");
	assert_sinfo(find_call(f.fn, RELAX_OP_TILE, 0)->var->sinfo, "Tensor((n, s * 2), float32)");
	fx_free(&f);
}

static void test_slice_with_symbolic_end(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *x = rvar(m, "x", SB_F32, "n,8");
	/* x[:, 2:n-1] is not it; x[1:n-1, 2:-2] */
	relay_expr *end0 = RCALL(m, SUB, "end0", rdim(m, x, 0), ri64(m, 1, 1LL));
	relay_expr *ends = RCALL(m, CONCAT, "ends", end0, ri64(m, 1, -2LL));
	relay_expr *sl =
	    RCALL(m, SLICE, "slice", x, ri64(m, 2, 1LL, 2LL), ends, ri64(m, 2, 0LL, 1LL));
	assert_int_equal(bridge_graph(m, 1, &x, 1, &sl, NULL, &f.xm, &f.fn), SB_OK);
	relax_binding *b = find_call(f.fn, RELAX_OP_STRIDED_SLICE, 0);
	assert_non_null(b);
	const relax_sinfo *s = b->var->sinfo;
	assert_int_equal(s->u.tensor.ndim, 2);
	assert_ptr_equal(s->u.tensor.shape[1], tir_int(f.xm->tir, 4));
	tir_expr *n = param_dim(&f, 0, 0);
	int64_t vals[] = {10}, got;
	assert_true(eval_dim(f.xm, s->u.tensor.shape[0], 1, &n, vals, &got));
	assert_int_equal(got, 8); /* rows 1..8 of 10 */
	fx_free(&f);
}

static void test_resize_scales_on_symbolic_dims(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *x = rvar(m, "x", SB_F32, "n,3,h,w");
	int64_t four[1] = {4};
	sb_tensor *sc = sb_tensor_new(SB_F32, 1, four);
	float v[] = {1, 1, 2, 0.5f};
	for (int i = 0; i < 4; i++)
		sb_tensor_set_f64(sc, i, v[i]);
	relay_expr *r = RCALL(m, RESIZE, "resize", x, NULL, relay_constant(m, sc));
	assert_int_equal(bridge_graph(m, 1, &x, 1, &r, NULL, &f.xm, &f.fn), SB_OK);
	relax_binding *b = find_call(f.fn, RELAX_OP_RESIZE, 0);
	assert_non_null(b);
	const relax_sinfo *s = b->var->sinfo;
	tir_ctx *tc = f.xm->tir;
	assert_true(tir_can_prove_equal(tc, f.xm->an, s->u.tensor.shape[2],
					tir_mul(tc, param_dim(&f, 0, 2), tir_int(tc, 2))));
	assert_true(tir_can_prove_equal(tc, f.xm->an, s->u.tensor.shape[3],
					tir_floordiv(tc, param_dim(&f, 0, 3), tir_int(tc, 2))));
	fx_free(&f);
}

static void test_topk_with_k_from_shape(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *x = rvar(m, "x", SB_F32, "n,s");
	/* k = s // 2 */
	relay_expr *k = RCALL(m, DIV, "k", rdim(m, x, 1), ri64(m, 1, 2LL));
	relay_expr *tk = relay_call(m, RELAY_OP_TOP_K, 2, (relay_expr *[]){x, k}, NULL, 2, "topk");
	relay_expr *vals = relay_tuple_get(m, tk, 0), *idx = relay_tuple_get(m, tk, 1);
	relay_expr *outs[] = {vals, idx};
	assert_int_equal(bridge_graph(m, 1, &x, 2, outs, NULL, &f.xm, &f.fn), SB_OK);
	relax_binding *b = find_call(f.fn, RELAX_OP_TOPK, 0);
	assert_non_null(b);
	assert_int_equal(b->value->u.call.args[1]->kind, RELAX_PRIM_VALUE);
	assert_sinfo(b->var->sinfo,
		     "Tuple(Tensor((n, s // 2), float32), Tensor((n, s // 2), int64))");
	fx_free(&f);
}

/* PyTorch's expand_as: Where(Equal(shape, -1), ones, shape) with a
 * condition the prover decides (a shape is never -1). */
static void test_where_with_known_condition(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *x = rvar(m, "x", SB_F32, "n,4");
	relay_expr *bias = rvar(m, "bias", SB_F32, "4");
	relay_expr *shape = RCALL(m, SHAPE, "shape", x);
	relay_attrs_constant_of_shape *ca = RATTRS(m, CONSTANT_OF_SHAPE);
	int64_t one[1] = {1};
	ca->value = sb_tensor_new(SB_I64, 1, one);
	sb_tensor_set_i64(ca->value, 0, -1);
	sb_vec_push(&m->constants, ca->value); /* released with the module */
	relay_expr *minus1 = RCALL_ATTRS(m, CONSTANT_OF_SHAPE, ca, "cos", ri64(m, 1, 2LL));
	relay_expr *cond = RCALL(m, EQUAL, "eq", shape, minus1);
	relay_expr *ones = ri64(m, 2, 1LL, 1LL);
	relay_expr *target = RCALL(m, WHERE, "where", cond, ones, shape);
	relay_expr *ex = RCALL(m, EXPAND, "expand", bias, target);
	relay_expr *params[] = {x, bias};
	assert_int_equal(bridge_graph(m, 2, params, 1, &ex, NULL, &f.xm, &f.fn), SB_OK);
	relax_binding *b = find_call(f.fn, RELAX_OP_EXPAND, 0);
	assert_sinfo(b->var->sinfo, "Tensor((n, 4), float32)");
	assert_int_equal(b->value->u.call.args[1]->kind, RELAX_SHAPE_EXPR);
	assert_int_equal(count_calls(f.fn, RELAX_OP_WHERE), 0);
	fx_free(&f);
}

/* Softmax of opset < 13 works on the 2-D view [prod(dims[:axis]), prod(dims[axis:])]. */
static void test_softmax_coerced_to_2d(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *x = rvar(m, "x", SB_F32, "n,3,s");
	relay_attrs_softmax *a = RATTRS(m, SOFTMAX);
	a->axis = 1;
	a->coerce_2d = 1;
	relay_expr *y = RCALL_ATTRS(m, SOFTMAX, a, "softmax", x);
	assert_int_equal(bridge_graph(m, 1, &x, 1, &y, NULL, &f.xm, &f.fn), SB_OK);
	assert_sinfo(find_call(f.fn, RELAX_OP_RESHAPE, 0)->var->sinfo,
		     "Tensor((n, s * 3), float32)");
	relax_binding *sm = find_call(f.fn, RELAX_OP_SOFTMAX, 0);
	assert_int_equal(((const relax_attrs_axis *)sm->value->u.call.attrs)->axis, 1);
	assert_sinfo(f.fn->u.func.ret, "Tensor((n, 3, s), float32)");
	fx_free(&f);
}

/* Variadic ops, Clip without bounds, inference Dropout with its mask. */
static void test_variadic_clip_dropout(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *x = rvar(m, "x", SB_F32, "n,4");
	relay_expr *y = rvar(m, "y", SB_F32, "4");
	relay_expr *mean = RCALL(m, MEAN, "mean", x, y, x);
	relay_expr *mx = RCALL(m, MAX, "max", x, y);
	relay_expr *clip = RCALL(m, CLIP, "clip", x, NULL, rf32(m, 6.0));
	relay_expr *dr = relay_call(m, RELAY_OP_DROPOUT, 1, &x, NULL, 2, "dropout");
	relay_expr *params[] = {x, y};
	relay_expr *outs[] = {mean, mx, clip, relay_tuple_get(m, dr, 0), relay_tuple_get(m, dr, 1)};
	assert_int_equal(bridge_graph(m, 2, params, 5, outs, NULL, &f.xm, &f.fn), SB_OK);
	assert_int_equal(count_calls(f.fn, RELAX_OP_ADD), 2);
	assert_int_equal(count_calls(f.fn, RELAX_OP_DIVIDE), 1);
	assert_int_equal(count_calls(f.fn, RELAX_OP_MAXIMUM), 1);
	relax_binding *c = find_call(f.fn, RELAX_OP_CLIP, 0);
	const sb_tensor *lo = c->value->u.call.args[1]->u.constant.value;
	assert_true(isinf(sb_tensor_get_f64(lo, 0)) && sb_tensor_get_f64(lo, 0) < 0);
	assert_sinfo(f.fn->u.func.ret,
		     "Tuple(Tensor((n, 4), float32), Tensor((n, 4), float32), "
		     "Tensor((n, 4), float32), Tensor((n, 4), float32), Tensor((n, 4), bool))");
	/* Dropout's output is its input, unchanged. */
	relax_expr *body = f.fn->u.func.body;
	binding_vec v = {0};
	fn_bindings(f.fn, &v);
	relax_expr *out3 = body->u.seq.body->u.tuple.fields[3];
	bool found = false;
	for (size_t i = 0; i < v.len; i++)
		if (v.data[i]->var == out3)
			found = v.data[i]->value == f.fn->u.func.params[0];
	sb_vec_free(&v);
	assert_true(found);
	fx_free(&f);
}

/* ConvTranspose with output_shape: pads (or output padding) that give it. */
static void test_conv_transpose_output_shape(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *x = rvar(m, "x", SB_F32, "1,1,3,3");
	relay_expr *w = rvar(m, "w", SB_F32, "1,2,3,3");
	relay_attrs_conv_transpose *a = RATTRS(m, CONV_TRANSPOSE);
	int64_t strides[] = {3, 2}, os[] = {10, 6};
	a->strides = relay_ints_make(m, 2, strides);
	a->output_shape = relay_ints_make(m, 2, os);
	relay_expr *y = RCALL_ATTRS(m, CONV_TRANSPOSE, a, "convt", x, w);
	relay_expr *params[] = {x, w};
	assert_int_equal(bridge_graph(m, 2, params, 1, &y, NULL, &f.xm, &f.fn), SB_OK);
	/* full sizes 3*2+3 = 9 and 2*2+3 = 7: axis 0 gets one output padding,
	 * axis 1 one pad (at the start: NOTSET puts the odd one first). */
	relax_binding *b = find_call(f.fn, RELAX_OP_CONV2D_TRANSPOSE, 0);
	const relax_attrs_conv_transpose *ra = b->value->u.call.attrs;
	assert_int_equal(ra->pads.v[0], 0);
	assert_int_equal(ra->pads.v[2], 0);
	assert_int_equal(ra->output_padding.v[0], 1);
	assert_int_equal(ra->pads.v[1] + ra->pads.v[3], 1);
	assert_sinfo(b->var->sinfo, "Tensor((1, 2, 10, 6), float32)");
	fx_free(&f);
}

/* ---- data-dependent shapes ---- */

static void test_reshape_to_data(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *x = rvar(m, "x", SB_F32, "n,4");
	relay_expr *shape = rvar(m, "shape", SB_I64, "2");
	relay_expr *r = RCALL(m, RESHAPE, "reshape", x, shape);
	relay_expr *y = RCALL(m, RELU, "relu", r);
	relay_expr *params[] = {x, shape};
	assert_int_equal(bridge_graph(m, 2, params, 1, &y, NULL, &f.xm, &f.fn), SB_OK);
	/* tensor_to_shape, its match_cast binding two fresh variables, the
	 * reshape to them. */
	relax_binding *t2s = find_call(f.fn, RELAX_OP_TENSOR_TO_SHAPE, 0);
	assert_non_null(t2s);
	binding_vec v = {0};
	fn_bindings(f.fn, &v);
	relax_binding *mc = NULL;
	for (size_t i = 0; i < v.len; i++)
		if (v.data[i]->kind == RELAX_MATCH_CAST && v.data[i]->value == t2s->var)
			mc = v.data[i];
	sb_vec_free(&v);
	assert_non_null(mc);
	const relax_sinfo *ms = mc->sinfo;
	assert_int_equal(ms->kind, RELAX_SINFO_SHAPE);
	assert_int_equal(ms->u.shape.ndim, 2);
	relax_binding *rb = find_call(f.fn, RELAX_OP_RESHAPE, 0);
	assert_ptr_equal(rb->value->u.call.args[0], f.fn->u.func.params[0]);
	const relax_sinfo *rs = rb->var->sinfo;
	assert_int_equal(rs->u.tensor.ndim, 2);
	assert_ptr_equal(rs->u.tensor.shape[0], ms->u.shape.values[0]);
	assert_ptr_equal(rs->u.tensor.shape[1], ms->u.shape.values[1]);
	/* 0 and -1 entries are resolved on the tensor before tensor_to_shape:
	 * where(shape == 0, shape_of(x), shape), then -1 from the element count. */
	assert_int_equal(count_calls(f.fn, RELAX_OP_WHERE), 3);
	assert_non_null(find_call(f.fn, RELAX_OP_SIZE, 0));
	assert_non_null(find_call(f.fn, RELAX_OP_PROD, 0));
	/* The element count n*4 == d0*d1 is checked at run time. */
	assert_int_equal(rb->nchecks, 1);
	relax_binding *relu = find_call(f.fn, RELAX_OP_RELU, 0);
	assert_true(relax_sinfo_equal(f.xm, relu->var->sinfo, rs));
	fx_free(&f);
}

/* Expand to a shape read from data: a 1 keeps the input's dim. */
static void test_expand_to_data(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *x = rvar(m, "x", SB_F32, "3,1");
	relay_expr *shape = rvar(m, "shape", SB_I64, "3");
	relay_expr *ex = RCALL(m, EXPAND, "expand", x, shape);
	relay_expr *params[] = {x, shape};
	assert_int_equal(bridge_graph(m, 2, params, 1, &ex, NULL, &f.xm, &f.fn), SB_OK);
	relax_binding *w = find_call(f.fn, RELAX_OP_WHERE, 0);
	assert_non_null(w);
	/* where(shape == 1, [1, 3, 1], shape): x right-aligned under the shape. */
	const sb_tensor *aligned = w->value->u.call.args[1]->u.constant.value;
	assert_int_equal(sb_tensor_get_i64(aligned, 0), 1);
	assert_int_equal(sb_tensor_get_i64(aligned, 1), 3);
	assert_int_equal(sb_tensor_get_i64(aligned, 2), 1);
	const relax_sinfo *s = find_call(f.fn, RELAX_OP_EXPAND, 0)->var->sinfo;
	assert_int_equal(s->u.tensor.ndim, 3);
	assert_ptr_equal(s->u.tensor.shape[1], tir_int(f.xm->tir, 3));
	fx_free(&f);
}

static void test_nonzero_gets_fresh_variable(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *x = rvar(m, "x", SB_F32, "n");
	relay_expr *nz = RCALL(m, NON_ZERO, "nz", x);
	/* ... whose shape then feeds shape arithmetic. */
	relay_expr *cnt = RCALL(m, GATHER, "count", RCALL(m, SHAPE, "shape", nz), ri64(m, -1, 1LL));
	relay_expr *z =
	    RCALL(m, CONSTANT_OF_SHAPE, "zeros", RCALL(m, UNSQUEEZE, "u", cnt, ri64(m, 1, 0LL)));
	relay_expr *outs[] = {nz, z};
	assert_int_equal(bridge_graph(m, 1, &x, 2, outs, NULL, &f.xm, &f.fn), SB_OK);
	relax_binding *full = find_call(f.fn, RELAX_OP_FULL, 0);
	assert_non_null(full);
	tir_expr *nnz = full->var->sinfo->u.tensor.shape[0];
	assert_int_equal(nnz->kind, TIR_VAR);
	assert_string_equal(nnz->u.var.name, "nnz");
	assert_sinfo(full->var->sinfo, "Tensor((nnz,), float32)");
	/* The function's return type cannot name nnz (no parameter binds it). */
	assert_sinfo(f.fn->u.func.ret, "Tuple(Tensor(ndim=2, int64), Tensor(ndim=1, float32))");
	fx_free(&f);
}

/* A shape used as data keeps working when it is also symbolic elsewhere. */
static void test_shape_used_as_data_and_as_shape(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *x = rvar(m, "x", SB_F32, "n,4");
	relay_expr *s = RCALL(m, SHAPE, "shape", x);
	relay_expr *r = RCALL(m, RESHAPE, "reshape", x, RCALL(m, CONCAT, "t", s, ri64(m, 1, 1LL)));
	relay_expr *sum = RCALL(m, REDUCE_SUM, "numel_ish", s); /* data use */
	relay_expr *outs[] = {r, sum};
	assert_int_equal(bridge_graph(m, 1, &x, 2, outs, NULL, &f.xm, &f.fn), SB_OK);
	assert_sinfo(find_call(f.fn, RELAX_OP_RESHAPE, 0)->var->sinfo,
		     "Tensor((n, 4, 1), float32)");
	relax_binding *t = find_call(f.fn, RELAX_OP_SHAPE_TO_TENSOR, 0);
	assert_non_null(t);
	assert_int_equal(count_calls(f.fn, RELAX_OP_SHAPE_TO_TENSOR), 1);
	/* ReduceSum keeps dims by default. */
	assert_sinfo(find_call(f.fn, RELAX_OP_SUM, 0)->var->sinfo, "Tensor((1,), int64)");
	fx_free(&f);
}

/* A scalar from a shape used as data: shape_to_tensor, then a reshape to (). */
static void test_scalar_shape_materialized(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *x = rvar(m, "x", SB_F32, "n,4");
	relay_expr *n = RCALL(m, GATHER, "n", RCALL(m, SHAPE, "shape", x), ri64(m, -1, 0LL));
	relay_attrs_cast *ca = RATTRS(m, CAST);
	ca->to = 1;
	relay_expr *nf = RCALL_ATTRS(m, CAST, ca, "nf", n);
	relay_expr *y = RCALL(m, DIV, "mean_ish", x, nf);
	assert_int_equal(bridge_graph(m, 1, &x, 1, &y, NULL, &f.xm, &f.fn), SB_OK);
	assert_sinfo(find_call(f.fn, RELAX_OP_SHAPE_TO_TENSOR, 0)->var->sinfo,
		     "Tensor((1,), int64)");
	assert_sinfo(find_call(f.fn, RELAX_OP_RESHAPE, 0)->var->sinfo, "Tensor((), int64)");
	assert_sinfo(find_call(f.fn, RELAX_OP_CAST, 0)->var->sinfo, "Tensor((), float32)");
	assert_sinfo(find_call(f.fn, RELAX_OP_DIVIDE, 0)->var->sinfo, "Tensor((n, 4), float32)");
	fx_free(&f);
}

/* ---- tuples ---- */

static void test_split_and_maxpool_tuples(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *x = rvar(m, "x", SB_F32, "n,6,h,w");
	relay_attrs_split *sa = RATTRS(m, SPLIT);
	sa->axis = 1;
	relay_expr *sp = relay_call(m, RELAY_OP_SPLIT, 2, (relay_expr *[]){x, ri64(m, 2, 2LL, 4LL)},
				    sa, 2, "split");
	relay_attrs_pool *pa = RATTRS(m, MAX_POOL);
	int64_t k[] = {2, 2};
	pa->kernel_shape = relay_ints_make(m, 2, k);
	pa->strides = relay_ints_make(m, 2, k);
	relay_expr *mp = relay_call(m, RELAY_OP_MAX_POOL, 1, &x, pa, 1, "pool");
	relay_expr *outs[] = {relay_tuple_get(m, sp, 1), relay_tuple_get(m, sp, 0),
			      relay_tuple_get(m, mp, 0)};
	assert_int_equal(bridge_graph(m, 1, &x, 3, outs, NULL, &f.xm, &f.fn), SB_OK);
	assert_sinfo(f.fn->u.func.ret,
		     "Tuple(Tensor((n, 4, h, w), float32), Tensor((n, 2, h, w), float32), "
		     "Tensor((n, 6, h // 2, w // 2), float32))");
	fx_free(&f);
}

/* ---- errors ---- */

static void test_conv4d_is_unsupported(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *x = rvar(m, "x", SB_F32, "1,1,4,4,4,4");
	relay_expr *w = rvar(m, "w", SB_F32, "1,1,1,1,1,1");
	relay_expr *c = RCALL(m, CONV, "conv4d", x, w);
	relay_expr *params[] = {x, w};
	assert_int_equal(bridge_graph(m, 2, params, 1, &c, NULL, &f.xm, &f.fn), SB_ERR_UNSUPPORTED);
	const char *msg = sb_last_error();
	assert_non_null(strstr(msg, "bridge: Conv 'conv4d'"));
	assert_non_null(strstr(msg, "4 spatial axes"));
	assert_null(relax_module_lookup(f.xm, "main"));
	fx_free(&f);
}

static void test_pads_from_data_are_unsupported(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *x = rvar(m, "x", SB_F32, "n,4");
	relay_expr *pads = rvar(m, "pads", SB_I64, "4");
	relay_expr *p = RCALL(m, PAD, "pad0", x, pads);
	relay_expr *params[] = {x, pads};
	assert_int_equal(bridge_graph(m, 2, params, 1, &p, NULL, &f.xm, &f.fn), SB_ERR_UNSUPPORTED);
	assert_non_null(
	    strstr(sb_last_error(), "bridge: Pad 'pad0': pads must be known at compile time"));
	fx_free(&f);
}

/* relax_like's shape inference errors come back naming the relay node. */
static void test_shape_error_names_node(void **state)
{
	fixture f = fx();
	relay_module *m = f.rm;
	relay_expr *x = rvar(m, "x", SB_F32, "n,4");
	/* (n + 1, 4) holds 4 more elements than (n, 4): relay cannot tell,
	 * relax_like proves it. */
	relay_expr *n1 = RCALL(m, ADD, "n1", rdim(m, x, 0), ri64(m, 1, 1LL));
	relay_expr *t = RCALL(m, CONCAT, "t", n1, ri64(m, 1, 4LL));
	relay_expr *r = RCALL(m, RESHAPE, "bad_reshape", x, t);
	assert_int_equal(bridge_graph(m, 1, &x, 1, &r, NULL, &f.xm, &f.fn), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "bridge: Reshape 'bad_reshape': relax.reshape"));
	fx_free(&f);
}

static void test_every_relay_op_has_a_row(void **state)
{
	for (int op = 0; op < RELAY_OP_COUNT; op++)
		if (!bridge_supports((relay_op)op))
			fail_msg("relay op %s has no relax_like counterpart",
				 relay_op_get((relay_op)op)->name);
	assert_false(bridge_supports(RELAY_OP_COUNT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden_small_graph),
	    cmocka_unit_test(test_params_named_dims_share_variables),
	    cmocka_unit_test(test_params_fresh_name_avoids_dim_param),
	    cmocka_unit_test(test_params_unknown_rank),
	    cmocka_unit_test(test_reshape_heads_from_shape),
	    cmocka_unit_test(test_shape_arithmetic),
	    cmocka_unit_test(test_shape_division_is_symbolic),
	    cmocka_unit_test(test_generators_from_shapes),
	    cmocka_unit_test(test_slice_with_symbolic_end),
	    cmocka_unit_test(test_resize_scales_on_symbolic_dims),
	    cmocka_unit_test(test_topk_with_k_from_shape),
	    cmocka_unit_test(test_where_with_known_condition),
	    cmocka_unit_test(test_softmax_coerced_to_2d),
	    cmocka_unit_test(test_variadic_clip_dropout),
	    cmocka_unit_test(test_conv_transpose_output_shape),
	    cmocka_unit_test(test_reshape_to_data),
	    cmocka_unit_test(test_expand_to_data),
	    cmocka_unit_test(test_nonzero_gets_fresh_variable),
	    cmocka_unit_test(test_shape_used_as_data_and_as_shape),
	    cmocka_unit_test(test_scalar_shape_materialized),
	    cmocka_unit_test(test_split_and_maxpool_tuples),
	    cmocka_unit_test(test_conv4d_is_unsupported),
	    cmocka_unit_test(test_pads_from_data_are_unsupported),
	    cmocka_unit_test(test_shape_error_names_node),
	    cmocka_unit_test(test_every_relay_op_has_a_row),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
