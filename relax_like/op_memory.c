/* Shape inference of the explicit-memory ops that CallTIRRewrite and
 * PlanMemory emit (never a model's own ops):
 *
 *   relax.builtin.alloc_tensor(shape(n, 4), dtype=float32) : Tensor((n, 4), float32)
 *   relax.memory.alloc_storage(prim(n * 16))               : Object
 *   relax.memory.alloc_tensor(%s, prim(0), shape(n, 4), dtype=float32)
 *                                                          : Tensor((n, 4), float32)
 *
 * The VM code generator maps the memory.* ops onto the runtime builtins
 * vm.builtin.alloc_storage / vm.builtin.alloc_tensor. */
#include "op_impl.h"

static sb_status alloc_dtype(relax_infer_ctx *ctx, sb_dtype *dt)
{
	*dt = RELAX_CTX_ATTRS(ctx, alloc)->dtype;
	if (*dt <= SB_DT_INVALID || *dt >= SB_DT_COUNT)
		return relax_infer_error(ctx, SB_ERR_INVALID, "the dtype is not set");
	return SB_OK;
}

/* A tensor of the shape argument's values (rank only when they are not
 * known), without fresh variables: an allocation's shape is always a
 * value the program already has. */
static sb_status shape_tensor(relax_infer_ctx *ctx, int i, sb_dtype dt)
{
	const relax_sinfo *s = ctx->in[i];
	if (!s || s->kind != RELAX_SINFO_SHAPE) {
		char *t = relax_sinfo_to_string(s);
		sb_status st = relax_infer_error(ctx, SB_ERR_INVALID,
						 "argument %d must be a shape, not %s", i, t);
		free(t);
		return st;
	}
	if (s->u.shape.ndim > SB_MAX_RANK)
		return relax_infer_error(ctx, SB_ERR_UNSUPPORTED, "a shape of rank %d; at most %d",
					 s->u.shape.ndim, SB_MAX_RANK);
	if (s->u.shape.values)
		relax_infer_set_tensor(ctx, dt, s->u.shape.ndim, s->u.shape.values);
	else
		ctx->out = relax_sinfo_tensor(ctx->mod, dt, s->u.shape.ndim, NULL);
	return SB_OK;
}

static sb_status int_scalar(relax_infer_ctx *ctx, int i, const char *what)
{
	const relax_sinfo *s = ctx->in[i];
	if (s && s->kind == RELAX_SINFO_PRIM && sb_dtype_is_int(s->u.prim.dtype))
		return SB_OK;
	char *t = relax_sinfo_to_string(s);
	sb_status st = relax_infer_error(ctx, SB_ERR_INVALID,
					 "the %s (argument %d) must be an "
					 "integer PrimValue, not %s",
					 what, i, t);
	free(t);
	return st;
}

sb_status infer_builtin_alloc_tensor(relax_infer_ctx *ctx)
{
	sb_dtype dt;
	sb_status st = alloc_dtype(ctx, &dt);
	return st ? st : shape_tensor(ctx, 0, dt);
}

sb_status infer_memory_alloc_storage(relax_infer_ctx *ctx)
{
	sb_status st = int_scalar(ctx, 0, "size");
	if (!st)
		ctx->out = relax_sinfo_object(ctx->mod);
	return st;
}

sb_status infer_memory_alloc_tensor(relax_infer_ctx *ctx)
{
	sb_dtype dt;
	sb_status st = alloc_dtype(ctx, &dt);
	if (!st)
		st = int_scalar(ctx, 1, "offset");
	return st ? st : shape_tensor(ctx, 2, dt);
}
