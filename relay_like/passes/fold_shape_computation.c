/* FoldShapeComputation: turns what the types already know about shapes into
 * constants, so ONNX's shape arithmetic (Shape -> Gather -> Unsqueeze ->
 * Concat -> Reshape) folds away wherever it is static.
 *   - Shape(x) (with its start/end) -> an int64 constant when every dim it
 *     selects is known; Size(x) -> an int64 scalar when every dim is.
 *   - With named unknown dims, Shape(x) of [batch,seq,256] is not static,
 *     but a part of it is: Gather(Shape(x), constant indices) and
 *     Slice(Shape(x), constant starts/ends/axes/steps) become constants when
 *     every dim they select is known (Shape(x)[2] -> 256), even though the
 *     whole shape is not.
 *   - Every other node goes through FoldConstant's rule as the sweep passes
 *     it, so the arithmetic on those constants (Unsqueeze, Concat, Div,
 *     Cast, Equal, Where, ConstantOfShape, Reshape...) folds in the same
 *     sweep, and a Reshape whose target became constant gets a static type
 *     that a later Shape of it can fold in turn.
 *   - Gather(Shape(x), k) of a single named unknown dim is re-pointed at
 *     the first parameter that declares that name (Gather(Shape(%input), 0)
 *     for "batch"), so EliminateCommonSubexpr merges the many copies a
 *     transformer recomputes layer after layer, and the dim no longer waits
 *     for x to be computed.  Sound because type relations only keep a
 *     name where the dim is the same, and the interpreter checks that
 *     inputs agree on their names.
 * What stays is exactly the part that depends on unknown dims.
 *
 * requires: types inferred (or inferable).
 * guarantees: no Shape/Size/Gather-of-Shape/Slice-of-Shape that selects only
 *   known dims; a Gather of one named dim reads a parameter's Shape;
 *   FoldConstant's guarantees; every node typed.
 *
 *   before (x: float32[batch,seq,256]; the golden test in test_passes.c):
 *     %0 = Shape(%x) : int64[3]
 *     %1 = Gather(%0, 0i64) : int64[]
 *     %2 = Unsqueeze(%1, 0i64[1]) : int64[1]
 *     %3 = Gather(%0, 2i64) : int64[]
 *     %4 = Div(%3, 4i64) : int64[]
 *     %5 = Unsqueeze(%4, 0i64[1]) : int64[1]
 *     %6 = Concat(%2, 4i64[1], %5) : int64[3]
 *   after:
 *     %0 = Shape(%x) : int64[3]
 *     %1 = Gather(%0, 0i64) : int64[]
 *     %2 = Unsqueeze(%1, 0i64[1]) : int64[1]
 *     %3 = Concat(%2, 4i64[1], 64i64[1]) : int64[3]
 */
#include "passes.h"

/* The dims Shape(x) yields (its start/end applied), or false if x's rank
 * is unknown. */
static bool shape_dims(const relay_expr *shape, const relay_dim **dims, int64_t *n)
{
	const relay_type *t = shape->u.call.args[0]->type;
	if (!t || t->kind != RELAY_TYPE_TENSOR || t->rank < 0)
		return false;
	const relay_attrs_shape *a = shape->u.call.attrs;
	int64_t rank = t->rank, start = a->start, end = a->end;
	start = start < 0 ? SB_MAX(start + rank, 0) : SB_MIN(start, rank);
	end = end < 0 ? SB_MAX(end + rank, 0) : SB_MIN(end, rank);
	*dims = t->dims + start;
	*n = SB_MAX(end - start, 0);
	return true;
}

static relay_expr *int64_constant(relay_module *m, int rank, const int64_t *shape, const int64_t *v)
{
	sb_tensor *t = sb_tensor_new(SB_I64, rank, shape);
	if (!t)
		return NULL;
	memcpy(sb_tensor_data(t), v, sb_tensor_nbytes(t));
	return relay_constant(m, t);
}

static bool is_shape_call(const relay_expr *e)
{
	return e && e->kind == RELAY_CALL && e->u.call.op == RELAY_OP_SHAPE;
}

static const sb_tensor *int_constant(const relay_expr *e)
{
	if (!e || e->kind != RELAY_CONSTANT || !sb_dtype_is_int(e->u.constant.value->dtype))
		return NULL;
	return e->u.constant.value;
}

static relay_expr *fold_shape(relay_module *m, relay_expr *e)
{
	const relay_dim *dims;
	int64_t n;
	if (!shape_dims(e, &dims, &n) || n > SB_MAX_RANK)
		return e;
	int64_t v[SB_MAX_RANK + 1];
	for (int64_t i = 0; i < n; i++) {
		if (!relay_dim_is_known(dims[i]))
			return e;
		v[i] = dims[i].value;
	}
	relay_expr *c = int64_constant(m, 1, &n, v);
	return c ? c : e;
}

static relay_expr *fold_size(relay_module *m, relay_expr *e)
{
	const relay_type *t = e->u.call.args[0]->type;
	if (!t || t->kind != RELAY_TYPE_TENSOR || !relay_type_is_static(t))
		return e;
	int64_t size = 1;
	for (int i = 0; i < t->rank; i++) {
		if (t->dims[i].value && size > INT64_MAX / t->dims[i].value)
			return e;
		size *= t->dims[i].value;
	}
	relay_expr *c = int64_constant(m, 0, NULL, &size);
	return c ? c : e;
}

/* Gather(Shape(x), k) of one named unknown dim, as the same Gather of the
 * first parameter that declares that name, so CSE later merges every
 * "batch" of the graph into one. */
static relay_expr *gather_named_dim(relay_module *m, relay_expr *e, const relay_expr *x,
				    relay_dim dim, const sb_tensor *idx)
{
	const relay_function *f = m->main;
	for (int i = 0; i < f->nparams; i++) {
		relay_expr *p = f->params[i];
		const relay_type *t = p->u.var.annotation;
		if (!t || t->kind != RELAY_TYPE_TENSOR || t->rank < 0)
			continue;
		for (int64_t k = 0; k < t->rank; k++) {
			if (relay_dim_is_known(t->dims[k]) || t->dims[k].name != dim.name)
				continue;
			if (p == x)
				return e;
			relay_expr *shape = relay_call(m, RELAY_OP_SHAPE, 1, &p, NULL, 1, NULL);
			relay_expr *index = int64_constant(m, idx->dl.ndim, idx->shape, &k);
			if (!index)
				return e;
			relay_expr *args[2] = {shape, index};
			return relay_call(m, RELAY_OP_GATHER, 2, args, e->u.call.attrs, 1, e->name);
		}
	}
	return e;
}

/* Gather(Shape(x), indices) along axis 0 with constant indices. */
static relay_expr *fold_gather_of_shape(relay_module *m, relay_expr *e)
{
	const relay_attrs_axis0 *a = e->u.call.attrs;
	const sb_tensor *idx = int_constant(e->u.call.args[1]);
	const relay_dim *dims;
	int64_t n;
	if ((a->axis != 0 && a->axis != -1) || !idx || !shape_dims(e->u.call.args[0], &dims, &n))
		return e;
	int64_t count = sb_tensor_numel(idx);
	if (count > SB_MAX_RANK)
		return e;
	int64_t v[SB_MAX_RANK + 1];
	for (int64_t i = 0; i < count; i++) {
		int64_t k = sb_tensor_get_i64(idx, i);
		k = k < 0 ? k + n : k;
		if (k < 0 || k >= n)
			return e; /* the op reports it */
		if (!relay_dim_is_known(dims[k]))
			return count == 1 && dims[k].name
				   ? gather_named_dim(m, e, e->u.call.args[0]->u.call.args[0],
						      dims[k], idx)
				   : e;
		v[i] = dims[k].value;
	}
	relay_expr *c = int64_constant(m, idx->dl.ndim, idx->shape, v);
	return c ? c : e;
}

/* The single value of an optional 1-element integer input, or `def`. */
static bool one_int(const relay_expr *e, int64_t def, int64_t *out)
{
	if (!e) {
		*out = def;
		return true;
	}
	const sb_tensor *t = int_constant(e);
	if (!t || sb_tensor_numel(t) != 1)
		return false;
	*out = sb_tensor_get_i64(t, 0);
	return true;
}

/* Slice(Shape(x), starts, ends[, axes[, steps]]) with constant parameters. */
static relay_expr *fold_slice_of_shape(relay_module *m, relay_expr *e)
{
	relay_expr **args = e->u.call.args;
	int nargs = e->u.call.nargs;
	const relay_dim *dims;
	int64_t n, start, end, axis, step;
	if (!shape_dims(args[0], &dims, &n) || !one_int(args[1], 0, &start) ||
	    !one_int(args[2], 0, &end) || !one_int(nargs > 3 ? args[3] : NULL, 0, &axis) ||
	    !one_int(nargs > 4 ? args[4] : NULL, 1, &step) || (axis != 0 && axis != -1) ||
	    step == 0)
		return e;
	/* ONNX Slice clamping, for one axis of length n. */
	if (start < 0)
		start += n;
	if (end < 0)
		end += n;
	if (step > 0) {
		start = SB_MAX(0, SB_MIN(start, n));
		end = SB_MAX(0, SB_MIN(end, n));
	} else {
		start = SB_MAX(0, SB_MIN(start, n - 1));
		end = SB_MAX(-1, SB_MIN(end, n - 1));
	}
	int64_t v[SB_MAX_RANK + 1], count = 0;
	for (int64_t i = start; step > 0 ? i < end : i > end; i += step) {
		if (i < 0 || i >= n)
			break; /* n == 0 */
		if (!relay_dim_is_known(dims[i]) || count >= SB_MAX_RANK)
			return e;
		v[count++] = dims[i].value;
	}
	relay_expr *c = int64_constant(m, 1, &count, v);
	return c ? c : e;
}

static relay_expr *fold_shape_visit(relay_module *m, const relay_expr *old, relay_expr *e,
				    void *env, sb_status *status)
{
	relay_expr *r = e;
	if (e->kind == RELAY_CALL) {
		switch (e->u.call.op) {
		case RELAY_OP_SHAPE:
			r = fold_shape(m, e);
			break;
		case RELAY_OP_SIZE:
			r = fold_size(m, e);
			break;
		case RELAY_OP_GATHER:
			if (is_shape_call(e->u.call.args[0]))
				r = fold_gather_of_shape(m, e);
			break;
		case RELAY_OP_SLICE:
			if (is_shape_call(e->u.call.args[0]))
				r = fold_slice_of_shape(m, e);
			break;
		default:
			break;
		}
	}
	return r != e ? r : relay_fold_constant_expr(m, e, status);
}

sb_status relay_fold_shape_computation(relay_module *m)
{
	return relay_pass_rewrite(m, fold_shape_visit, NULL);
}
