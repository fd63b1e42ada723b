/* Opset normalisation: relay_like ops mean what the newest ONNX opset says
 * (ops.def, attrs.def).  A node from an older opset is rewritten here into
 * that meaning -- attributes that later became inputs turn into constant
 * inputs, defaults that changed are set, attributes that were dropped are
 * consumed where dropping them keeps the meaning and rejected where not.
 *
 * One table, one row per (op, opset range): `pre` runs before the generic
 * attribute parse (on a struct holding relay_like defaults, so an explicit
 * attribute still overrides what a rule sets), `post` after it.  What each
 * opset changed was read off onnx.defs.get_schema(op, version). */
#include <inttypes.h>

#include "onnx_internal.h"

typedef sb_status (*onnx_rule_fn)(onnx_node *n);

typedef struct onnx_rule {
	const char *op;	      /* NULL: every op */
	int64_t since, below; /* the opsets [since, below) it applies to */
	onnx_rule_fn pre, post;
} onnx_rule;

#define ALL_OPSETS 1, INT64_MAX

/* ---- Helpers ---- */

static sb_status need_attr(onnx_node *n, const char *name)
{
	return onnx_node_error(n, SB_ERR_INVALID, "attribute '%s' is required", name);
}

/* INTS attribute -> int64 constant input `input`. */
static sb_status ints_to_input(onnx_node *n, const char *attr, int input, bool required)
{
	const Onnx__AttributeProto *a = onnx_node_take(n, attr);
	if (!a)
		return required ? need_attr(n, attr) : SB_OK;
	const int64_t *v;
	int count;
	relay_expr *c;
	sb_status s;
	if ((s = onnx_attr_ints(n, a, &v, &count)) || (s = onnx_const_ints(n->imp, count, v, &c)))
		return s;
	return onnx_node_set_input(n, input, c, attr);
}

/* A scalar constant of input `like`'s dtype.  When the importer cannot know
 * that dtype yet, a float32 scalar goes through CastLike, which type
 * inference resolves and FoldConstant folds away. */
static sb_status scalar_like(onnx_node *n, double v, int like, relay_expr **out)
{
	relay_module *m = n->imp->mod;
	relay_expr *x = like < n->nargs ? n->args[like] : NULL;
	if (!x)
		return onnx_node_error(n, SB_ERR_INVALID, "required input %d is missing", like);
	const relay_type *t = onnx_known_type(n->imp, x, onnx_node_input_name(n, like));
	bool known = t && t->kind == RELAY_TYPE_TENSOR && t->dtype != SB_DT_INVALID;
	sb_tensor *c = sb_tensor_new(known ? t->dtype : SB_F32, 0, NULL);
	if (!c)
		return SB_ERR_NOMEM;
	sb_tensor_set_f64(c, 0, v);
	*out = relay_constant(m, c);
	if (!known) {
		relay_expr *args[2] = {*out, x};
		*out = relay_call(m, RELAY_OP_CAST_LIKE, 2, args, NULL, 1, NULL);
	}
	return SB_OK;
}

/* `e` (rank `rank`) with `extra` trailing 1-dims: a reshaped constant when
 * its value is known, else an Unsqueeze. */
static sb_status append_unit_dims(onnx_node *n, relay_expr *e, int rank, int extra,
				  relay_expr **out)
{
	relay_module *m = n->imp->mod;
	if (rank + extra > SB_MAX_RANK)
		return onnx_node_error(n, SB_ERR_UNSUPPORTED, "rank %d is more than %d",
				       rank + extra, SB_MAX_RANK);
	sb_tensor *v = onnx_known_value(e);
	if (v) {
		int64_t shape[SB_MAX_RANK];
		for (int i = 0; i < rank + extra; i++)
			shape[i] = i < rank ? v->shape[i] : 1;
		sb_tensor *r = sb_tensor_reshape_view(v, rank + extra, shape);
		if (!r)
			return SB_ERR_NOMEM;
		*out = relay_constant(m, r);
		return SB_OK;
	}
	int64_t axes[SB_MAX_RANK];
	for (int i = 0; i < extra; i++)
		axes[i] = rank + i;
	relay_expr *args[2] = {e, NULL};
	sb_status s = onnx_const_ints(n->imp, extra, axes, &args[1]);
	if (s)
		return s;
	*out = relay_call(m, RELAY_OP_UNSQUEEZE, 2, args, NULL, 1, NULL);
	return SB_OK;
}

/* Rejects attributes other than `allowed` (and those a rule consumed), for
 * ops whose relay_like struct is shared with a richer op. */
static sb_status only_attrs(onnx_node *n, const char *const *allowed)
{
	for (size_t i = 0; i < n->proto->n_attribute; i++) {
		if (n->used[i])
			continue;
		const char *name = n->proto->attribute[i]->name;
		bool ok = false;
		for (const char *const *p = allowed; *p && !ok; p++)
			ok = !strcmp(*p, name);
		if (!ok)
			return onnx_node_error(n, SB_ERR_UNSUPPORTED,
					       "attribute '%s' is not supported (not part of this "
					       "opset's %s)",
					       name, n->info->name);
	}
	return SB_OK;
}

static sb_status check_dtype_code(onnx_node *n, const char *attr, int64_t code)
{
	if (code == ONNX__TENSOR_PROTO__DATA_TYPE__STRING)
		return onnx_node_error(n, SB_ERR_UNSUPPORTED,
				       "%s=8 (STRING): string tensors are not "
				       "supported",
				       attr);
	if (code <= 0 || code > 64)
		return onnx_node_error(n, SB_ERR_INVALID, "%s=%" PRId64 " is not an ONNX data type",
				       attr, code);
	if (sb_onnx_dtype((int)code) == SB_DT_INVALID)
		return onnx_node_error(n, SB_ERR_UNSUPPORTED,
				       "%s=%" PRId64 " (%s): data type is not "
				       "supported",
				       attr, code, onnx_dtype_code_name(code));
	return SB_OK;
}

/* ---- Rules ---- */

/* Opsets 1-5: an in-place hint for the runtime, no effect on values. */
static sb_status rule_consumed_inputs(onnx_node *n)
{
	onnx_node_take(n, "consumed_inputs");
	return SB_OK;
}

/* Before opset 7, binary ops broadcast only when broadcast=1, and then B's
 * dims line up with A's starting at `axis` (default: A's trailing dims).
 * Both default cases are numpy broadcasting; an explicit axis that leaves
 * A dims after B's needs B reshaped with trailing 1s. */
static sb_status rule_legacy_broadcast(onnx_node *n)
{
	const Onnx__AttributeProto *ab = onnx_node_take(n, "broadcast");
	const Onnx__AttributeProto *aa = onnx_node_take(n, "axis");
	int64_t bc = 0, axis = 0;
	sb_status s;
	if ((ab && (s = onnx_attr_int(n, ab, &bc))) || (aa && (s = onnx_attr_int(n, aa, &axis))))
		return s;
	if (!bc || !aa || n->nargs < 2 || !n->args[0] || !n->args[1])
		return SB_OK;
	const relay_type *ta = onnx_known_type(n->imp, n->args[0], onnx_node_input_name(n, 0));
	const relay_type *tb = onnx_known_type(n->imp, n->args[1], onnx_node_input_name(n, 1));
	if (!ta || !tb || ta->kind != RELAY_TYPE_TENSOR || tb->kind != RELAY_TYPE_TENSOR ||
	    ta->rank < 0 || tb->rank < 0)
		return onnx_node_error(n, SB_ERR_UNSUPPORTED,
				       "broadcast with axis=%" PRId64 " needs the ranks of both "
				       "inputs, which are not known before type inference",
				       axis);
	int ra = ta->rank, rb = tb->rank;
	int64_t ax = axis < 0 ? axis + ra : axis;
	if (ax < 0 || ax + rb > ra)
		return onnx_node_error(n, SB_ERR_INVALID,
				       "broadcast axis=%" PRId64 " cannot place B "
				       "(rank %d) inside A (rank %d)",
				       axis, rb, ra);
	int extra = ra - (int)ax - rb;
	return extra ? append_unit_dims(n, n->args[1], rb, extra, &n->args[1]) : SB_OK;
}

/* Before opset 13 Softmax, LogSoftmax and Hardmax flatten the input to 2-D
 * at `axis`, which defaulted to 1. */
static sb_status rule_softmax_2d(onnx_node *n)
{
	relay_attrs_softmax *a = n->attrs;
	a->axis = 1;
	a->coerce_2d = 1;
	return SB_OK;
}

/* Reduce* `axes`, Squeeze `axes`, Split `split`: attribute -> input 1. */
static sb_status rule_axes_input(onnx_node *n)
{
	return ints_to_input(n, "axes", 1, n->op == RELAY_OP_UNSQUEEZE);
}

static sb_status rule_split_input(onnx_node *n)
{
	return ints_to_input(n, "split", 1, false);
}

/* Clip before opset 11: min and max attributes -> scalar inputs 1, 2. */
static sb_status rule_clip_attrs(onnx_node *n)
{
	static const char *const names[] = {"min", "max"};
	for (int k = 0; k < 2; k++) {
		const Onnx__AttributeProto *a = onnx_node_take(n, names[k]);
		if (!a)
			continue;
		float v;
		relay_expr *c;
		sb_status s;
		if ((s = onnx_attr_float(n, a, &v)) || (s = scalar_like(n, v, 0, &c)) ||
		    (s = onnx_node_set_input(n, 1 + k, c, names[k])))
			return s;
	}
	return SB_OK;
}

/* Slice before opset 10: starts, ends, axes attributes -> inputs 1-3. */
static sb_status rule_slice_attrs(onnx_node *n)
{
	sb_status s;
	if ((s = ints_to_input(n, "starts", 1, true)) || (s = ints_to_input(n, "ends", 2, true)))
		return s;
	return ints_to_input(n, "axes", 3, false);
}

/* Pad before opset 11: pads (opset 1: paddings) and value -> inputs 1, 2. */
static sb_status rule_pad_attrs(onnx_node *n)
{
	sb_status s = ints_to_input(n, n->opset < 2 ? "paddings" : "pads", 1, true);
	if (s)
		return s;
	const Onnx__AttributeProto *a = onnx_node_take(n, "value");
	if (!a)
		return SB_OK;
	float v;
	relay_expr *c;
	if ((s = onnx_attr_float(n, a, &v)) || (s = scalar_like(n, v, 0, &c)))
		return s;
	return onnx_node_set_input(n, 2, c, "value");
}

/* Upsample 1 (4-D only): height_scale, width_scale; mode "bilinear". */
static sb_status rule_upsample_1(onnx_node *n)
{
	const Onnx__AttributeProto *ah = onnx_node_take(n, "height_scale");
	const Onnx__AttributeProto *aw = onnx_node_take(n, "width_scale");
	if (!ah || !aw)
		return need_attr(n, ah ? "width_scale" : "height_scale");
	float scales[4] = {1, 1, 1, 1};
	relay_expr *c;
	sb_status s;
	if ((s = onnx_attr_float(n, ah, &scales[2])) || (s = onnx_attr_float(n, aw, &scales[3])) ||
	    (s = onnx_const_floats(n->imp, 4, scales, &c)) ||
	    (s = onnx_node_set_input(n, 1, c, "scales")))
		return s;
	const Onnx__AttributeProto *am = onnx_node_take(n, "mode");
	if (!am)
		return SB_OK;
	const char *mode;
	if ((s = onnx_attr_string(n, am, &mode)))
		return s;
	((relay_attrs_resize *)n->attrs)->mode =
	    !strcmp(mode, "bilinear") ? relay_intern(n->imp->mod, "linear") : mode;
	return SB_OK;
}

/* Upsample 7-8: scales attribute -> input 1. */
static sb_status rule_upsample_7(onnx_node *n)
{
	const Onnx__AttributeProto *a = onnx_node_take(n, "scales");
	if (!a)
		return need_attr(n, "scales");
	const float *v;
	int count;
	relay_expr *c;
	sb_status s;
	if ((s = onnx_attr_floats(n, a, &v, &count)) ||
	    (s = onnx_const_floats(n->imp, count, v, &c)))
		return s;
	return onnx_node_set_input(n, 1, c, "scales");
}

/* Upsample shares Resize's struct but has `mode` only. */
static sb_status rule_upsample_attrs(onnx_node *n)
{
	return only_attrs(n, (const char *const[]){"mode", NULL});
}

/* Resize 10: (X, scales) and `mode`, with Upsample's sampling: asymmetric
 * coordinates, nearest rounds down (the ONNX version converter's 10->11
 * mapping).  Becomes Resize(X, roi=absent, scales). */
static sb_status rule_resize_10(onnx_node *n)
{
	sb_status s = only_attrs(n, (const char *const[]){"mode", NULL});
	if (s)
		return s;
	if (n->nargs > 2)
		return onnx_node_error(n, SB_ERR_INVALID,
				       "has %d inputs, Resize-10 takes X and scales", n->nargs);
	if (n->nargs == 2) {
		n->args[2] = n->args[1];
		n->args[1] = NULL;
		n->nargs = 3;
	}
	relay_attrs_resize *a = n->attrs;
	a->coordinate_transformation_mode = relay_intern(n->imp->mod, "asymmetric");
	a->nearest_mode = relay_intern(n->imp->mod, "floor");
	return SB_OK;
}

/* Resize 11-12: roi and scales were required inputs, given as empty
 * tensors when unused; opset 13 made them optional.  Empty constants
 * become absent inputs. */
static sb_status rule_resize_11(onnx_node *n)
{
	for (int i = 1; i <= 2 && i < n->nargs; i++) {
		sb_tensor *v = onnx_known_value(n->args[i]);
		if (v && sb_tensor_numel(v) == 0)
			n->args[i] = NULL;
	}
	return SB_OK;
}

/* Dropout before 12: `ratio` (and before 7 `is_test`) only matter for
 * training; relay_like runs inference, where Dropout is the identity (the
 * version converter drops is_test the same way). */
static sb_status rule_dropout_attrs(onnx_node *n)
{
	const Onnx__AttributeProto *a = onnx_node_take(n, "ratio");
	float ratio;
	int64_t is_test;
	sb_status s;
	if (a && (s = onnx_attr_float(n, a, &ratio)))
		return s;
	if (n->opset < 7 && (a = onnx_node_take(n, "is_test")) &&
	    (s = onnx_attr_int(n, a, &is_test)))
		return s;
	return SB_OK;
}

/* BatchNormalization before 14: is_test (< 7) gave the mode that opset 7
 * reads from the output count; spatial (< 9) is kept in the internal field
 * (spatial=0: per-element statistics). */
static sb_status rule_batch_norm_legacy(onnx_node *n)
{
	const Onnx__AttributeProto *a;
	int64_t v;
	sb_status s;
	if (n->opset < 7 && (a = onnx_node_take(n, "is_test")) && (s = onnx_attr_int(n, a, &v)))
		return s;
	if (n->opset < 9 && (a = onnx_node_take(n, "spatial"))) {
		if ((s = onnx_attr_int(n, a, &v)))
			return s;
		((relay_attrs_batch_norm *)n->attrs)->spatial = v != 0;
	}
	return SB_OK;
}

static sb_status rule_batch_norm_outputs(onnx_node *n)
{
	if (n->nout > 1)
		return onnx_node_error(n, SB_ERR_UNSUPPORTED,
				       "%d outputs: training-mode statistics outputs are not "
				       "supported (export the model for inference)",
				       n->nout);
	return SB_OK;
}

/* Constant: every value_* form becomes the `value` tensor. */
static sb_status rule_constant_value(onnx_node *n)
{
	static const char *const forms[] = {"value",	     "value_float", "value_floats",
					    "value_int",     "value_ints",  "value_string",
					    "value_strings", "sparse_value"};
	const Onnx__AttributeProto *a = NULL;
	int form = -1, count = 0;
	for (int i = 0; i < (int)SB_ARRAY_LEN(forms); i++) {
		const Onnx__AttributeProto *x = onnx_node_take(n, forms[i]);
		if (x) {
			a = x;
			form = i;
			count++;
		}
	}
	if (count != 1)
		return onnx_node_error(n, SB_ERR_INVALID,
				       "needs exactly one of value, value_float, "
				       "value_floats, value_int, value_ints (has %d)",
				       count);
	if (form == 5 || form == 6)
		return onnx_node_error(n, SB_ERR_UNSUPPORTED,
				       "string constants (%s) are not supported", forms[form]);
	if (form == 7)
		return onnx_node_error(n, SB_ERR_UNSUPPORTED,
				       "sparse constants (sparse_value) are "
				       "not supported");
	relay_attrs_constant *attrs = n->attrs;
	if (form == 0)
		return onnx_attr_tensor(n, a, &attrs->value);
	sb_status s;
	sb_tensor *t = NULL;
	if (form == 1 || form == 3) {
		float f;
		int64_t i;
		if ((s = form == 1 ? onnx_attr_float(n, a, &f) : onnx_attr_int(n, a, &i)))
			return s;
		if (!(t = sb_tensor_new(form == 1 ? SB_F32 : SB_I64, 0, NULL)))
			return SB_ERR_NOMEM;
		if (form == 1)
			*(float *)sb_tensor_data(t) = f;
		else
			*(int64_t *)sb_tensor_data(t) = i;
	} else {
		const float *fv = NULL;
		const int64_t *iv = NULL;
		int count;
		if ((s = form == 2 ? onnx_attr_floats(n, a, &fv, &count)
				   : onnx_attr_ints(n, a, &iv, &count)))
			return s;
		int64_t shape = count;
		if (!(t = sb_tensor_new(form == 2 ? SB_F32 : SB_I64, 1, &shape)))
			return SB_ERR_NOMEM;
		if (count)
			memcpy(sb_tensor_data(t), form == 2 ? (const void *)fv : (const void *)iv,
			       sb_tensor_nbytes(t));
	}
	sb_vec_push(&n->imp->mod->constants, t);
	attrs->value = t;
	return SB_OK;
}

static sb_status rule_constant_of_shape_value(onnx_node *n)
{
	const sb_tensor *v = ((relay_attrs_constant_of_shape *)n->attrs)->value;
	if (v && sb_tensor_numel(v) != 1)
		return onnx_node_error(n, SB_ERR_INVALID,
				       "attribute 'value' must hold one element, it "
				       "holds %" PRId64,
				       sb_tensor_numel(v));
	return SB_OK;
}

/* Cast 1-5: `to` was the type's name, a STRING ("FLOAT"). */
static sb_status rule_cast_to_name(onnx_node *n)
{
	const Onnx__AttributeProto *a = onnx_node_take(n, "to");
	if (!a)
		return SB_OK; /* reported by the required-attribute check */
	relay_attrs_cast *attrs = n->attrs;
	if (onnx_attr_type(a) != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING)
		return onnx_attr_int(n, a, &attrs->to);
	const char *name;
	sb_status s = onnx_attr_string(n, a, &name);
	if (s)
		return s;
	if (!(attrs->to = onnx_dtype_code_from_name(name)))
		return onnx_node_error(n, SB_ERR_INVALID, "to='%s' is not an ONNX data type", name);
	return SB_OK;
}

static sb_status rule_cast_to(onnx_node *n)
{
	return check_dtype_code(n, "to", ((relay_attrs_cast *)n->attrs)->to);
}

static sb_status rule_eye_like_dtype(onnx_node *n)
{
	int64_t dt = ((relay_attrs_eye_like *)n->attrs)->dtype;
	return dt ? check_dtype_code(n, "dtype", dt) : SB_OK;
}

/* Gemm before 7: broadcast=0 meant C is already [M, N], which
 * unidirectional broadcasting accepts as well. */
static sb_status rule_gemm_broadcast(onnx_node *n)
{
	const Onnx__AttributeProto *a = onnx_node_take(n, "broadcast");
	int64_t v;
	return a ? onnx_attr_int(n, a, &v) : SB_OK;
}

/* Concat 1-3: axis was optional, default 1. */
static sb_status rule_concat_axis(onnx_node *n)
{
	((relay_attrs_axis0 *)n->attrs)->axis = 1;
	return SB_OK;
}

/* PRelu before 7: a 1-D slope of size C is per channel (axis 1); since
 * opset 7 the slope broadcasts numpy-style, so it becomes [C, 1, ..., 1]. */
static sb_status rule_prelu_slope(onnx_node *n)
{
	if (n->nargs < 2 || !n->args[0] || !n->args[1])
		return SB_OK;
	const relay_type *ts = onnx_known_type(n->imp, n->args[1], onnx_node_input_name(n, 1));
	if (!ts || ts->kind != RELAY_TYPE_TENSOR || ts->rank != 1 ||
	    (relay_dim_is_known(ts->dims[0]) && ts->dims[0].value == 1))
		return SB_OK;
	const relay_type *tx = onnx_known_type(n->imp, n->args[0], onnx_node_input_name(n, 0));
	if (!tx || tx->kind != RELAY_TYPE_TENSOR || tx->rank < 0)
		return onnx_node_error(n, SB_ERR_UNSUPPORTED,
				       "a per-channel slope needs the rank of X, "
				       "which is not known before type inference");
	if (tx->rank < 3)
		return SB_OK;
	if (relay_dim_is_known(tx->dims[1]) && relay_dim_is_known(ts->dims[0]) &&
	    tx->dims[1].value != ts->dims[0].value)
		return SB_OK; /* not per channel: leave it to broadcasting */
	return append_unit_dims(n, n->args[1], 1, tx->rank - 2, &n->args[1]);
}

/* Reshape 1-4: `shape` attribute -> input 1. */
static sb_status rule_reshape_shape(onnx_node *n)
{
	return ints_to_input(n, "shape", 1, false);
}

/* TopK 1-9: `k` attribute -> input 1 (int64 [1]). */
static sb_status rule_topk_k(onnx_node *n)
{
	const Onnx__AttributeProto *a = onnx_node_take(n, "k");
	if (!a)
		return need_attr(n, "k");
	int64_t k;
	relay_expr *c;
	sb_status s;
	if ((s = onnx_attr_int(n, a, &k)) || (s = onnx_const_ints(n->imp, 1, &k, &c)))
		return s;
	return onnx_node_set_input(n, 1, c, "k");
}

static sb_status rule_tile_1(onnx_node *n)
{
	return onnx_node_error(n, SB_ERR_UNSUPPORTED,
			       "Tile before opset 6 (tiles and axis inputs) "
			       "is not supported");
}

static const onnx_rule onnx_rules[] = {
    {NULL, 1, 6, rule_consumed_inputs, NULL},
    {"Add", 1, 7, rule_legacy_broadcast, NULL},
    {"Sub", 1, 7, rule_legacy_broadcast, NULL},
    {"Mul", 1, 7, rule_legacy_broadcast, NULL},
    {"Div", 1, 7, rule_legacy_broadcast, NULL},
    {"Pow", 1, 7, rule_legacy_broadcast, NULL},
    {"And", 1, 7, rule_legacy_broadcast, NULL},
    {"Or", 1, 7, rule_legacy_broadcast, NULL},
    {"Xor", 1, 7, rule_legacy_broadcast, NULL},
    {"Equal", 1, 7, rule_legacy_broadcast, NULL},
    {"Greater", 1, 7, rule_legacy_broadcast, NULL},
    {"Less", 1, 7, rule_legacy_broadcast, NULL},
    {"Softmax", 1, 13, rule_softmax_2d, NULL},
    {"LogSoftmax", 1, 13, rule_softmax_2d, NULL},
    {"Hardmax", 1, 13, rule_softmax_2d, NULL},
    {"ReduceL1", 1, 18, rule_axes_input, NULL},
    {"ReduceL2", 1, 18, rule_axes_input, NULL},
    {"ReduceLogSum", 1, 18, rule_axes_input, NULL},
    {"ReduceLogSumExp", 1, 18, rule_axes_input, NULL},
    {"ReduceMax", 1, 18, rule_axes_input, NULL},
    {"ReduceMean", 1, 18, rule_axes_input, NULL},
    {"ReduceMin", 1, 18, rule_axes_input, NULL},
    {"ReduceProd", 1, 18, rule_axes_input, NULL},
    {"ReduceSum", 1, 13, rule_axes_input, NULL},
    {"ReduceSumSquare", 1, 18, rule_axes_input, NULL},
    {"Squeeze", 1, 13, rule_axes_input, NULL},
    {"Unsqueeze", 1, 13, rule_axes_input, NULL},
    {"Split", 1, 13, rule_split_input, NULL},
    {"Clip", 1, 11, rule_clip_attrs, NULL},
    {"Slice", 1, 10, rule_slice_attrs, NULL},
    {"Pad", 1, 11, rule_pad_attrs, NULL},
    {"Upsample", 1, 7, rule_upsample_1, NULL},
    {"Upsample", 7, 9, rule_upsample_7, NULL},
    {"Upsample", ALL_OPSETS, rule_upsample_attrs, NULL},
    {"Resize", 10, 11, rule_resize_10, NULL},
    {"Resize", 11, 13, rule_resize_11, NULL},
    {"Dropout", 1, 12, rule_dropout_attrs, NULL},
    {"BatchNormalization", 1, 14, rule_batch_norm_legacy, NULL},
    {"BatchNormalization", ALL_OPSETS, NULL, rule_batch_norm_outputs},
    {"Constant", ALL_OPSETS, rule_constant_value, NULL},
    {"ConstantOfShape", ALL_OPSETS, NULL, rule_constant_of_shape_value},
    {"Cast", 1, 6, rule_cast_to_name, NULL},
    {"Cast", ALL_OPSETS, NULL, rule_cast_to},
    {"EyeLike", ALL_OPSETS, NULL, rule_eye_like_dtype},
    {"Gemm", 1, 7, rule_gemm_broadcast, NULL},
    {"Concat", 1, 4, rule_concat_axis, NULL},
    {"PRelu", 1, 7, rule_prelu_slope, NULL},
    {"Reshape", 1, 5, rule_reshape_shape, NULL},
    {"TopK", 1, 10, rule_topk_k, NULL},
    {"Tile", 1, 6, rule_tile_1, NULL},
};

/* Attributes without a usable default (ONNX marks them required). */
static const struct {
	const char *op;
	int64_t since;
	const char *attr;
} onnx_required[] = {
    {"AveragePool", 1, "kernel_shape"},
    {"MaxPool", 1, "kernel_shape"},
    {"Cast", 1, "to"},
    {"Concat", 4, "axis"},
    {"DepthToSpace", 1, "blocksize"},
    {"SpaceToDepth", 1, "blocksize"},
    {"Einsum", 1, "equation"},
    {"LRN", 1, "size"},
};

static bool rule_applies(const onnx_rule *r, const onnx_node *n)
{
	return (!r->op || !strcmp(r->op, n->info->name)) && n->opset >= r->since &&
	       n->opset < r->below;
}

sb_status onnx_opset_normalize(onnx_node *n)
{
	for (size_t i = 0; i < SB_ARRAY_LEN(onnx_rules); i++) {
		const onnx_rule *r = &onnx_rules[i];
		sb_status s;
		if (r->pre && rule_applies(r, n) && (s = r->pre(n)))
			return s;
	}
	return SB_OK;
}

sb_status onnx_opset_validate(onnx_node *n)
{
	for (size_t i = 0; i < SB_ARRAY_LEN(onnx_required); i++)
		if (!strcmp(onnx_required[i].op, n->info->name) &&
		    n->opset >= onnx_required[i].since && !onnx_node_has(n, onnx_required[i].attr))
			return need_attr(n, onnx_required[i].attr);
	for (size_t i = 0; i < SB_ARRAY_LEN(onnx_rules); i++) {
		const onnx_rule *r = &onnx_rules[i];
		sb_status s;
		if (r->post && rule_applies(r, n) && (s = r->post(n)))
			return s;
	}
	return SB_OK;
}
