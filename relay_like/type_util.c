/* Helpers shared by the type relations and reference kernels. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "relay.h"

sb_status relay_op_error(relay_op op, const char *node, sb_status code, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (node && *node)
		return sb_set_error(code, "%s '%s': %s", relay_op_table[op].name, node, msg);
	return sb_set_error(code, "%s: %s", relay_op_table[op].name, msg);
}

static bool broadcast_dim(relay_dim a, relay_dim b, relay_dim *out)
{
	if (relay_dim_is_known(a) && relay_dim_is_known(b)) {
		if (a.value == b.value || b.value == 1) {
			*out = a.value == 1 && b.value == 1 && b.name ? b : a;
			return true;
		}
		if (a.value == 1) {
			*out = b;
			return true;
		}
		return false;
	}
	if (relay_dim_is_known(a)) {
		/* 1 broadcasts to the unknown one; any other size is what the
		 * unknown one must be at run time. */
		*out = a.value == 1 ? b : a;
		return true;
	}
	if (relay_dim_is_known(b)) {
		*out = b.value == 1 ? a : b;
		return true;
	}
	*out = a.name && a.name == b.name ? a : RELAY_DIM_UNKNOWN;
	return true;
}

sb_status relay_broadcast_types(relay_op_ctx *ctx, const relay_type *a, const relay_type *b,
				int *rank, relay_dim **dims)
{
	if (a->rank < 0 || b->rank < 0) {
		*rank = -1;
		*dims = NULL;
		return SB_OK;
	}
	int r = SB_MAX(a->rank, b->rank);
	relay_dim *d = SB_ARENA_ARRAY(&ctx->mod->arena, relay_dim, r ? r : 1);
	for (int i = 0; i < r; i++) {
		int ia = i - (r - a->rank), ib = i - (r - b->rank);
		relay_dim da = ia >= 0 ? a->dims[ia] : relay_dim_known(1);
		relay_dim db = ib >= 0 ? b->dims[ib] : relay_dim_known(1);
		if (!broadcast_dim(da, db, &d[i]))
			return RELAY_CTX_ERROR(ctx, SB_ERR_INVALID,
					       "cannot broadcast dim %d: %" PRId64 " vs %" PRId64, i,
					       da.value, db.value);
	}
	*rank = r;
	*dims = d;
	return SB_OK;
}

sb_status relay_normalize_axis(relay_op op, const char *node, int64_t axis, int rank, int *out)
{
	if (axis < -rank || axis >= rank || (rank == 0 && axis != 0 && axis != -1))
		return relay_op_error(op, node, SB_ERR_INVALID,
				      "axis %" PRId64 " is out of range for rank %d", axis, rank);
	*out = (int)(axis < 0 ? axis + rank : axis);
	return SB_OK;
}

sb_status relay_tensor_to_ints(relay_module *m, const sb_tensor *t, int64_t **v, int *n)
{
	if (!sb_dtype_is_int(t->dtype))
		return sb_set_error(SB_ERR_INVALID, "expected an integer tensor, got %s",
				    sb_dtype_name(t->dtype));
	if (t->dl.ndim > 1)
		return sb_set_error(SB_ERR_INVALID, "expected a 1-D tensor, got rank %d", t->dl.ndim);
	int64_t count = sb_tensor_numel(t);
	if (count > INT32_MAX)
		return sb_set_error(SB_ERR_INVALID, "integer list of %" PRId64 " elements is too long", count);
	int64_t *out = SB_ARENA_ARRAY(&m->arena, int64_t, count ? count : 1);
	for (int64_t i = 0; i < count; i++)
		out[i] = sb_tensor_get_i64(t, i);
	*v = out;
	*n = (int)count;
	return SB_OK;
}

void relay_broadcast_strides(int out_rank, const int64_t *out_shape, int in_rank,
			     const int64_t *in_shape, int64_t *strides)
{
	int64_t s = 1;
	for (int i = out_rank - 1; i >= 0; i--) {
		int k = i - (out_rank - in_rank);
		if (k < 0) {
			strides[i] = 0;
			continue;
		}
		strides[i] = in_shape[k] == 1 && out_shape[i] != 1 ? 0 : s;
		s *= in_shape[k];
	}
}
