/* FoldScaleIntoConv: a Conv whose only user multiplies it by, or adds to
 * it, a per-output-channel constant becomes one Conv with the weights and
 * bias rewritten:
 *   Mul(Conv(x, W, b), s) -> Conv(x, W', b')   W'[m] = W[m] * s[m], b' = b * s
 *   Add(Conv(x, W, b), t) -> Conv(x, W, b')    b' = b + t (b absent: b' = t)
 * (either operand order).  A per-channel constant is a scalar, or has
 * rank <= the Conv's, every dim 1 except the channel axis (C or 1), right
 * aligned against [N,C,...]: [C,1,1], [1,C,1,1], [1] for a 2-D Conv.  Chains
 * (Conv -> Mul -> Add, what SimplifyInference makes of a BatchNormalization)
 * fold in one sweep.
 *
 * Only when the Conv (or the Mul/Add already folded into it) has exactly one
 * user: otherwise the other users would see the scaled values.  W and b
 * must be constants of the same floating dtype as the scale; results are
 * computed in double and rounded once.
 *
 * requires: types inferred (or inferable).
 * guarantees: no Mul/Add by a per-channel constant directly after a
 *   single-use Conv with constant weights; every node typed.
 *
 *   before:  %0 = Conv(%x, const0, const1) : float32[1,8,16,16]
 *            %1 = Mul(%0, const2) : float32[1,8,16,16]        (const2: float32[8,1,1])
 *            %2 = Add(%1, const3) : float32[1,8,16,16]        (const3: float32[8,1,1])
 *            %3 = Relu(%2) : float32[1,8,16,16]
 *   after:   %0 = Conv(%x, const4, const5) : float32[1,8,16,16]
 *            %1 = Relu(%0) : float32[1,8,16,16]
 */
#include <stdlib.h>

#include "passes.h"

typedef struct fold_scale {
	int *uses; /* users of each node of the original function */
} fold_scale;

/* True if c broadcasts against a rank-`rank` Conv output with `channels`
 * output channels as one value per channel (or one value for all). */
static bool is_per_channel(const sb_tensor *c, int rank, int64_t channels)
{
	int r = c->dl.ndim;
	if (r > rank)
		return false;
	int ch = r - rank + 1; /* index of the channel axis in c; < 0: c does not reach it */
	for (int d = 0; d < r; d++)
		if (c->shape[d] != 1 && !(d == ch && c->shape[d] == channels))
			return false;
	return true;
}

static sb_tensor *tensor_new_or_error(sb_dtype dt, int rank, const int64_t *shape,
				      sb_status *status)
{
	sb_tensor *t = sb_tensor_new(dt, rank, shape);
	if (!t)
		*status = sb_error_prefix(SB_ERR_NOMEM, "FoldScaleIntoConv");
	return t;
}

/* op(conv, c) with op Mul or Add folded into a new Conv; NULL if the
 * pattern does not apply (or on error, with *status set). */
static relay_expr *fold_into_conv(relay_module *m, relay_op op, relay_expr *conv,
				  const sb_tensor *c, sb_status *status)
{
	relay_expr *wx = conv->u.call.args[1];
	relay_expr *bx = conv->u.call.nargs > 2 ? conv->u.call.args[2] : NULL;
	if (wx->kind != RELAY_CONSTANT || (bx && bx->kind != RELAY_CONSTANT))
		return NULL;
	const sb_tensor *w = wx->u.constant.value, *b = bx ? bx->u.constant.value : NULL;
	int rank = w->dl.ndim;
	int64_t channels = rank ? w->shape[0] : 0;
	if (rank < 3 || !channels || !sb_dtype_is_float(w->dtype) || c->dtype != w->dtype ||
	    (b && (b->dtype != w->dtype || b->dl.ndim != 1 || b->shape[0] != channels)) ||
	    !is_per_channel(c, rank, channels))
		return NULL;
	bool per_channel = sb_tensor_numel(c) == channels && channels != 1;
#define CVAL(i) sb_tensor_get_f64(c, per_channel ? (i) : 0)

	sb_tensor *w2 = NULL, *b2 = NULL;
	if (op == RELAY_OP_MUL) {
		if (!(w2 = tensor_new_or_error(w->dtype, rank, w->shape, status)))
			return NULL;
		int64_t block = sb_tensor_numel(w) / channels;
		for (int64_t o = 0; o < channels; o++)
			for (int64_t i = o * block; i < (o + 1) * block; i++)
				sb_tensor_set_f64(w2, i, sb_tensor_get_f64(w, i) * CVAL(o));
	}
	if (b || op == RELAY_OP_ADD) {
		if (!(b2 = tensor_new_or_error(w->dtype, 1, &channels, status))) {
			sb_tensor_release(w2);
			return NULL;
		}
		for (int64_t o = 0; o < channels; o++) {
			double bias = b ? sb_tensor_get_f64(b, o) : 0;
			sb_tensor_set_f64(b2, o,
					  op == RELAY_OP_MUL ? bias * CVAL(o) : bias + CVAL(o));
		}
	}
#undef CVAL
	relay_expr *args[3] = {
	    conv->u.call.args[0],
	    w2 ? relay_constant(m, w2) : wx,
	    b2 ? relay_constant(m, b2) : bx,
	};
	return relay_call(m, RELAY_OP_CONV, b2 ? 3 : 2, args, conv->u.call.attrs, 1, conv->name);
}

static relay_expr *fold_scale_visit(relay_module *m, const relay_expr *old, relay_expr *e,
				    void *env, sb_status *status)
{
	fold_scale *fs = env;
	if (e->kind != RELAY_CALL || (e->u.call.op != RELAY_OP_MUL && e->u.call.op != RELAY_OP_ADD))
		return e;
	for (int k = 0; k < 2; k++) {
		relay_expr *conv = e->u.call.args[k], *c = e->u.call.args[1 - k];
		/* `old`'s operand is what `conv` replaced: its users are conv's. */
		if (conv->kind != RELAY_CALL || conv->u.call.op != RELAY_OP_CONV ||
		    c->kind != RELAY_CONSTANT || fs->uses[old->u.call.args[k]->id] != 1)
			continue;
		relay_expr *r = fold_into_conv(m, e->u.call.op, conv, c->u.constant.value, status);
		if (r || *status)
			return r;
	}
	return e;
}

sb_status relay_fold_scale_into_conv(relay_module *m)
{
	fold_scale fs = {relay_use_counts(m, m->main)};
	sb_status st = relay_pass_rewrite(m, fold_scale_visit, &fs);
	free(fs.uses);
	return st;
}
