/* SimplifyInference: rewrites what only matters for training into its
 * inference form.
 *   - Identity(x) -> x.
 *   - Dropout in inference mode (training_mode absent or a constant false):
 *     its output -> its input; its mask, where used, -> a constant all-true
 *     bool tensor when the input's shape is static (and the mask no larger
 *     than RELAY_FOLD_MAX_ELEMENTS); otherwise that Dropout stays to make
 *     the mask at run time.
 *   - BatchNormalization (training_mode=0) whose scale, B, mean and var are
 *     constants and whose input is floating point of known rank ->
 *     x * scale' + shift', with scale' = scale / sqrt(var + epsilon) and
 *     shift' = B - mean * scale' computed here in double, shaped [C,1,...,1]
 *     (rank of x minus one) so they broadcast per channel; with the old
 *     spatial=0 form the parameters already have x's shape without N and
 *     are used as they are.  BatchNormalization with statistics computed in
 *     the graph is left to its kernel.
 *
 * requires: types inferred (or inferable) -- the rank of BatchNormalization's
 *   input and the shape of Dropout's.
 * guarantees: no Identity; the rewrites above done; every node typed.
 *   Follow with FoldScaleIntoConv to absorb the Mul/Add into a Conv.
 *
 *   before:  %0 = Conv(%x, const0, const1) : float32[1,8,16,16]
 *            %1 = BatchNormalization(%0, const2, const3, const4, const5) : float32[1,8,16,16]
 *            %2 = Identity(%1) : float32[1,8,16,16]
 *   after:   %0 = Conv(%x, const0, const1) : float32[1,8,16,16]
 *            %1 = Mul(%0, const2) : float32[1,8,16,16]       (const2: float32[8,1,1])
 *            %2 = Add(%1, const3) : float32[1,8,16,16]       (const3: float32[8,1,1])
 */
#include <math.h>
#include <stdlib.h>

#include "passes.h"

static bool is_constant(const relay_expr *e)
{
	return e && e->kind == RELAY_CONSTANT;
}

static bool dropout_is_inference(const relay_expr *e)
{
	relay_expr *training = e->u.call.nargs > 2 ? e->u.call.args[2] : NULL;
	if (!training)
		return true;
	const sb_tensor *t = is_constant(training) ? training->u.constant.value : NULL;
	return t && sb_tensor_numel(t) == 1 && sb_tensor_get_f64(t, 0) == 0;
}

/* TupleGetItem(Dropout(x, ...), i) in inference mode. */
static relay_expr *simplify_dropout_get(relay_module *m, relay_expr *e)
{
	relay_expr *d = e->u.get.tuple;
	relay_expr *x = d->u.call.args[0];
	if (!dropout_is_inference(d))
		return e;
	if (e->u.get.index == 0)
		return x;
	const relay_type *t = x->type;
	if (e->u.get.index != 1 || !t || t->kind != RELAY_TYPE_TENSOR || !relay_type_is_static(t) ||
	    t->rank > SB_MAX_RANK)
		return e;
	int64_t shape[SB_MAX_RANK + 1];
	for (int i = 0; i < t->rank; i++)
		shape[i] = t->dims[i].value;
	if (sb_shape_numel(t->rank, shape) > RELAY_FOLD_MAX_ELEMENTS)
		return e;
	sb_tensor *mask = sb_tensor_new(SB_BOOL, t->rank, shape);
	if (!mask)
		return e;
	memset(sb_tensor_data(mask), 1, sb_tensor_nbytes(mask));
	return relay_constant(m, mask);
}

/* A new tensor of `dt` and the given shape holding v[0..n). */
static sb_tensor *tensor_from_doubles(sb_dtype dt, int rank, const int64_t *shape, const double *v,
				      int64_t n, sb_status *status)
{
	sb_tensor *t = sb_tensor_new(dt, rank, shape);
	if (!t) {
		*status = sb_error_prefix(SB_ERR_NOMEM, "SimplifyInference");
		return NULL;
	}
	for (int64_t i = 0; i < n; i++)
		sb_tensor_set_f64(t, i, v[i]);
	return t;
}

static relay_expr *simplify_batch_norm(relay_module *m, relay_expr *e, sb_status *status)
{
	const relay_attrs_batch_norm *a = e->u.call.attrs;
	relay_expr *x = e->u.call.args[0];
	const relay_type *xt = x->type;
	if (a->training_mode || !xt || xt->kind != RELAY_TYPE_TENSOR ||
	    !sb_dtype_is_float(xt->dtype) || xt->rank < 2 || xt->rank > SB_MAX_RANK)
		return e;
	const sb_tensor *p[4];
	for (int i = 0; i < 4; i++) {
		if (!is_constant(e->u.call.args[i + 1]))
			return e;
		p[i] = e->u.call.args[i + 1]->u.constant.value;
		if (!sb_dtype_is_float(p[i]->dtype) ||
		    !sb_shape_equal(p[i]->dl.ndim, p[i]->shape, p[0]->dl.ndim, p[0]->shape))
			return e;
	}
	/* Shape of scale'/shift': [C,1,...,1], or x's shape without N (spatial=0). */
	int rank = xt->rank - 1;
	int64_t shape[SB_MAX_RANK];
	if (a->spatial) {
		if (p[0]->dl.ndim != 1)
			return e;
		shape[0] = p[0]->shape[0];
		for (int i = 1; i < rank; i++)
			shape[i] = 1;
	} else {
		if (p[0]->dl.ndim != rank)
			return e;
		memcpy(shape, p[0]->shape, sizeof(int64_t) * (size_t)rank);
	}
	int64_t n = sb_tensor_numel(p[0]);
	double *s = sb_xmalloc(sizeof(double) * (size_t)(2 * n + 1)), *t = s + n;
	for (int64_t i = 0; i < n; i++) {
		double scale = sb_tensor_get_f64(p[0], i), bias = sb_tensor_get_f64(p[1], i);
		double mean = sb_tensor_get_f64(p[2], i), var = sb_tensor_get_f64(p[3], i);
		s[i] = scale / sqrt(var + (double)a->epsilon);
		t[i] = bias - mean * s[i];
	}
	sb_tensor *st = tensor_from_doubles(xt->dtype, rank, shape, s, n, status);
	sb_tensor *tt = st ? tensor_from_doubles(xt->dtype, rank, shape, t, n, status) : NULL;
	free(s);
	if (!tt) {
		sb_tensor_release(st);
		return NULL;
	}
	relay_expr *mul_args[2] = {x, relay_constant(m, st)};
	relay_expr *mul = relay_call(m, RELAY_OP_MUL, 2, mul_args, NULL, 1, NULL);
	relay_expr *add_args[2] = {mul, relay_constant(m, tt)};
	return relay_call(m, RELAY_OP_ADD, 2, add_args, NULL, 1, e->name);
}

static relay_expr *simplify_inference_visit(relay_module *m, const relay_expr *old, relay_expr *e,
					    void *env, sb_status *status)
{
	if (e->kind == RELAY_TUPLE_GET && e->u.get.tuple->kind == RELAY_CALL &&
	    e->u.get.tuple->u.call.op == RELAY_OP_DROPOUT)
		return simplify_dropout_get(m, e);
	if (e->kind != RELAY_CALL)
		return e;
	switch (e->u.call.op) {
	case RELAY_OP_IDENTITY:
		return e->u.call.args[0];
	case RELAY_OP_BATCH_NORMALIZATION:
		return simplify_batch_norm(m, e, status);
	default:
		return e;
	}
}

sb_status relay_simplify_inference(relay_module *m)
{
	return relay_pass_rewrite(m, simplify_inference_visit, NULL);
}
