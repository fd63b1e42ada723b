/* Shape inference of calls into other functions: call_tir and
 * call_dps_packed take the output struct info from their sinfo_args (the
 * caller allocates the outputs); call_packed returns sinfo_args[0] or
 * Object. */
#include "op_impl.h"

sb_status infer_call_dps(relax_infer_ctx *ctx)
{
	relax_expr_kind want = ctx->op == RELAX_OP_CALL_TIR ? RELAX_GLOBAL_VAR : RELAX_EXTERN_FUNC;
	if (ctx->args[0]->kind != want)
		return relax_infer_error(ctx, SB_ERR_INVALID, "argument 0 must be a %s, not a %s",
					 relax_expr_kind_name(want),
					 relax_expr_kind_name(ctx->args[0]->kind));
	if (ctx->in[1]->kind != RELAX_SINFO_TUPLE)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "argument 1 must be a tuple of arguments");
	if (ctx->nsinfo_args != 1)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "the output struct info (one sinfo_arg) is missing");
	const relax_sinfo *o = ctx->sinfo_args[0];
	bool ok = relax_sinfo_is_tensor(o);
	if (o->kind == RELAX_SINFO_TUPLE) {
		ok = true;
		for (int i = 0; i < o->u.tuple.nfields; i++)
			ok &= relax_sinfo_is_tensor(o->u.tuple.fields[i]);
	}
	if (!ok)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "the output must be a tensor or a tuple of tensors");
	ctx->out = o;
	return SB_OK;
}

sb_status infer_call_packed(relax_infer_ctx *ctx)
{
	if (ctx->args[0]->kind != RELAX_EXTERN_FUNC)
		return relax_infer_error(ctx, SB_ERR_INVALID, "argument 0 must be an ExternFunc");
	ctx->out = ctx->nsinfo_args ? ctx->sinfo_args[0] : relax_sinfo_object(ctx->mod);
	return SB_OK;
}
