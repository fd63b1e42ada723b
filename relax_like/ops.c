/* The operator table (expanded from ops.def), relax_infer_call, and the
 * helpers every infer function uses (op_impl.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "op_impl.h"

const relax_op_info relax_op_table[RELAX_OP_COUNT] = {
#define OP(id, name_, mi, ma, attrs_, infer_, flags_)                                              \
	[RELAX_OP_##id] = {.op = RELAX_OP_##id,                                                    \
			   .name = name_,                                                          \
			   .min_args = mi,                                                         \
			   .max_args = ma,                                                         \
			   .attrs = RELAX_ATTRS_##attrs_,                                          \
			   .infer = infer_,                                                        \
			   .flags = flags_},
#include "ops.def"
#undef OP
};

relax_op relax_op_lookup(const char *name)
{
	for (int i = 0; i < RELAX_OP_COUNT; i++)
		if (!strcmp(relax_op_table[i].name, name))
			return (relax_op)i;
	return RELAX_OP_COUNT;
}

/* ---- Messages ---- */

static sb_status vctx_error(relax_infer_ctx *ctx, sb_status code, const char *fmt, va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (ctx->where)
		return sb_set_error(code, "%s '%s': %s", relax_op_get(ctx->op)->name, ctx->where,
				    msg);
	return sb_set_error(code, "%s: %s", relax_op_get(ctx->op)->name, msg);
}

sb_status relax_infer_error(relax_infer_ctx *ctx, sb_status code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sb_status st = vctx_error(ctx, code, fmt, ap);
	va_end(ap);
	return st;
}

/* A tir expression as text, for messages: the caller's buffer. */
typedef struct expr_text_buf {
	char s[160];
} expr_text_buf;

static const char *expr_text(const tir_expr *e, expr_text_buf *buf)
{
	char *s = tir_expr_to_string(e);
	snprintf(buf->s, sizeof buf->s, "%s", s);
	free(s);
	return buf->s;
}

/* ---- Placeholders ---- */

static bool uses_placeholder(relax_infer_ctx *ctx, const tir_expr *e)
{
	for (size_t i = 0; i < ctx->placeholders.len; i++)
		if (tir_expr_uses_var(e, ctx->placeholders.data[i]))
			return true;
	return false;
}

static bool keep_non_placeholder(const tir_expr *var, void *env)
{
	relax_infer_ctx *ctx = env;
	for (size_t i = 0; i < ctx->placeholders.len; i++)
		if (ctx->placeholders.data[i] == var)
			return false;
	return true;
}

/* ---- Arguments ---- */

static sb_status arg_dims(relax_infer_ctx *ctx, int i, int *ndim)
{
	const relax_sinfo *s = ctx->in[i];
	if (!s || s->kind != RELAX_SINFO_TENSOR) {
		char *t = relax_sinfo_to_string(s);
		sb_status st = relax_infer_error(ctx, SB_ERR_INVALID,
						 "argument %d must be a tensor, not %s", i, t);
		free(t);
		return st;
	}
	if (s->u.tensor.ndim == RELAX_NDIM_UNKNOWN)
		return relax_infer_error(
		    ctx, SB_ERR_UNSUPPORTED,
		    "argument %d has an unknown rank (match_cast it to a rank first)", i);
	if (s->u.tensor.ndim > SB_MAX_RANK)
		return relax_infer_error(ctx, SB_ERR_UNSUPPORTED,
					 "argument %d has rank %d; at most %d", i, s->u.tensor.ndim,
					 SB_MAX_RANK);
	*ndim = s->u.tensor.ndim;
	if (!ctx->dims[i]) {
		int n = *ndim;
		tir_expr **d = SB_ARENA_ARRAY(relax_arena(ctx->mod), tir_expr *, n ? n : 1);
		for (int k = 0; k < n; k++) {
			if (s->u.tensor.shape) {
				d[k] = s->u.tensor.shape[k];
			} else {
				d[k] = tir_var(ctx->tir, "?", TIR_INDEX_TYPE);
				sb_vec_push(&ctx->placeholders, d[k]);
			}
		}
		ctx->dims[i] = d;
	}
	return SB_OK;
}

sb_status relax_infer_tensor(relax_infer_ctx *ctx, int i, relax_tensor_view *t)
{
	SB_ASSERT(i >= 0 && i < ctx->nargs);
	int ndim = 0;
	sb_status st = arg_dims(ctx, i, &ndim);
	if (st)
		return st;
	t->ndim = ndim;
	t->dims = ctx->dims[i];
	t->dtype = ctx->in[i]->u.tensor.dtype;
	return SB_OK;
}

sb_status relax_infer_float_tensor(relax_infer_ctx *ctx, int i, relax_tensor_view *t)
{
	sb_status st = relax_infer_tensor(ctx, i, t);
	if (!st && t->dtype != SB_DT_INVALID && !sb_dtype_is_float(t->dtype))
		return relax_infer_error(
		    ctx, SB_ERR_UNSUPPORTED,
		    "argument %d has dtype %s; a floating-point dtype is needed", i,
		    sb_dtype_name(t->dtype));
	return st;
}

sb_status relax_infer_int_tensor(relax_infer_ctx *ctx, int i, relax_tensor_view *t)
{
	sb_status st = relax_infer_tensor(ctx, i, t);
	if (!st && t->dtype != SB_DT_INVALID && !sb_dtype_is_int(t->dtype))
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "argument %d has dtype %s; an integer dtype is needed", i,
					 sb_dtype_name(t->dtype));
	return st;
}

sb_status relax_infer_same_dtype(relax_infer_ctx *ctx, int i, sb_dtype a, int j, sb_dtype b,
				 sb_dtype *dt)
{
	if (a != SB_DT_INVALID && b != SB_DT_INVALID && a != b)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "arguments %d and %d have different dtypes (%s, %s)", i, j,
					 sb_dtype_name(a), sb_dtype_name(b));
	*dt = a != SB_DT_INVALID ? a : b;
	return SB_OK;
}

bool relax_infer_int_arg(relax_infer_ctx *ctx, int i, tir_expr **v)
{
	const relax_expr *a = ctx->args[i];
	const relax_sinfo *s = ctx->in[i];
	if (s && s->kind == RELAX_SINFO_PRIM) {
		if (!sb_dtype_is_int(s->u.prim.dtype) || !s->u.prim.value)
			return false;
		*v = s->u.prim.value;
		if (s->u.prim.value->type.dtype != SB_I64)
			*v = tir_cast(ctx->tir, TIR_INDEX_TYPE, *v);
		return true;
	}
	if (a->kind == RELAX_CONSTANT) {
		const sb_tensor *t = a->u.constant.value;
		if (!sb_dtype_is_int(t->dtype) || sb_tensor_numel(t) != 1 || sb_tensor_rank(t) > 1)
			return false;
		*v = tir_int(ctx->tir, sb_tensor_get_i64(t, 0));
		return true;
	}
	return false;
}

sb_status relax_infer_scalar_arg(relax_infer_ctx *ctx, int i, sb_dtype *dt)
{
	const relax_sinfo *s = ctx->in[i];
	if (s && s->kind == RELAX_SINFO_PRIM) {
		*dt = s->u.prim.dtype;
		return SB_OK;
	}
	if (s && s->kind == RELAX_SINFO_TENSOR && s->u.tensor.ndim == 0) {
		*dt = s->u.tensor.dtype;
		return SB_OK;
	}
	/* A 1-element 1-D tensor is accepted too (ONNX often stores scalars so). */
	if (s && s->kind == RELAX_SINFO_TENSOR && s->u.tensor.ndim == 1 && s->u.tensor.shape &&
	    tir_expr_is_const(s->u.tensor.shape[0], 1)) {
		*dt = s->u.tensor.dtype;
		return SB_OK;
	}
	char *t = relax_sinfo_to_string(s);
	sb_status st =
	    relax_infer_error(ctx, SB_ERR_INVALID, "argument %d must be a scalar, not %s", i, t);
	free(t);
	return st;
}

sb_status relax_infer_shape_arg(relax_infer_ctx *ctx, int i, int *n, tir_expr ***values)
{
	const relax_sinfo *s = ctx->in[i];
	if (!s || s->kind != RELAX_SINFO_SHAPE) {
		char *t = relax_sinfo_to_string(s);
		sb_status st = relax_infer_error(ctx, SB_ERR_INVALID,
						 "argument %d must be a shape, not %s", i, t);
		free(t);
		return st;
	}
	if (s->u.shape.ndim == RELAX_NDIM_UNKNOWN)
		return relax_infer_error(ctx, SB_ERR_UNSUPPORTED,
					 "argument %d is a shape of unknown rank", i);
	if (s->u.shape.ndim > SB_MAX_RANK)
		return relax_infer_error(ctx, SB_ERR_UNSUPPORTED,
					 "argument %d has %d values; at most %d", i,
					 s->u.shape.ndim, SB_MAX_RANK);
	*n = s->u.shape.ndim;
	if (s->u.shape.values) {
		*values = s->u.shape.values;
		return SB_OK;
	}
	tir_expr **v = SB_ARENA_ARRAY(relax_arena(ctx->mod), tir_expr *, *n ? *n : 1);
	for (int k = 0; k < *n; k++)
		v[k] = relax_infer_fresh(ctx, "d");
	*values = v;
	return SB_OK;
}

sb_status relax_infer_axis(relax_infer_ctx *ctx, int64_t axis, int ndim, int *out)
{
	if (ndim <= 0 || axis < -ndim || axis >= ndim)
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "axis %" PRId64 " is out of range for rank %d", axis,
					 ndim);
	*out = (int)(axis < 0 ? axis + ndim : axis);
	return SB_OK;
}

/* ---- Arithmetic ---- */

tir_expr *relax_infer_simplify(relax_infer_ctx *ctx, tir_expr *e)
{
	return tir_simplify(ctx->tir, ctx->mod->an, e);
}

bool relax_infer_prove(relax_infer_ctx *ctx, tir_expr *cond)
{
	return tir_can_prove(ctx->tir, ctx->mod->an, cond);
}

tir_expr *relax_infer_numel(relax_infer_ctx *ctx, int n, tir_expr *const *dims)
{
	tir_expr *p = relax_int(ctx, 1);
	for (int i = 0; i < n; i++)
		p = i ? tir_mul(ctx->tir, p, dims[i]) : dims[i];
	return relax_infer_simplify(ctx, p);
}

const relax_sinfo *relax_infer_tensor_sinfo(relax_infer_ctx *ctx, sb_dtype dt, int ndim,
					    tir_expr *const *dims)
{
	tir_expr *d[SB_MAX_RANK];
	SB_ASSERT(ndim >= 0 && ndim <= SB_MAX_RANK);
	for (int i = 0; i < ndim; i++)
		d[i] = relax_infer_simplify(ctx, dims[i]);
	return relax_sinfo_tensor(ctx->mod, dt, ndim, d);
}

static void push_check(relax_infer_ctx *ctx, tir_expr *cond, const char *msg)
{
	const char *op = relax_op_get(ctx->op)->name;
	char *full = ctx->where ? sb_xasprintf("%s '%s': %s", op, ctx->where, msg)
				: sb_xasprintf("%s: %s", op, msg);
	relax_check c = {cond, sb_arena_strdup(relax_arena(ctx->mod), full)};
	free(full);
	sb_vec_push(&ctx->checks, c);
}

sb_status relax_infer_require(relax_infer_ctx *ctx, tir_expr *cond, const char *fmt, ...)
{
	tir_expr *c = relax_infer_simplify(ctx, cond);
	if (tir_expr_is_const(c, 1) || relax_infer_prove(ctx, c))
		return SB_OK;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (tir_expr_is_const(c, 0) || relax_infer_prove(ctx, tir_not(ctx->tir, c)))
		return relax_infer_error(ctx, SB_ERR_INVALID, "%s", msg);
	/* Conditions on dims we do not know (rank-only arguments) go unchecked
	 * here; the kernels check the shapes they get. */
	if (!uses_placeholder(ctx, c))
		push_check(ctx, c, msg);
	return SB_OK;
}

tir_expr *relax_infer_fresh(relax_infer_ctx *ctx, const char *hint)
{
	tir_expr *v = relax_fresh_shape_var(ctx->mod, hint);
	sb_vec_push(&ctx->fresh, v);
	return v;
}

static bool is_refinable(relax_infer_ctx *ctx, int arg)
{
	return relax_expr_is_var(ctx->args[arg]) && relax_sinfo_has_shape(ctx->in[arg]);
}

sb_status relax_infer_match(relax_infer_ctx *ctx, int arg, int axis, tir_expr *expected,
			    tir_expr **out)
{
	SB_ASSERT(ctx->dims[arg] && axis >= 0 && axis < ctx->in[arg]->u.tensor.ndim);
	tir_expr *d = ctx->dims[arg][axis];
	tir_expr *e = relax_infer_simplify(ctx, expected);
	if (d == e || tir_can_prove_equal(ctx->tir, ctx->mod->an, d, e)) {
		*out = d->kind == TIR_INT_IMM || e->kind != TIR_INT_IMM ? d : e;
		return SB_OK;
	}
	if (uses_placeholder(ctx, d)) {
		*out = e; /* the argument's dim is unknown: assume it fits */
		return SB_OK;
	}
	if (uses_placeholder(ctx, e)) {
		*out = d;
		return SB_OK;
	}
	expr_text_buf tb[2];
	if (relax_infer_prove(ctx, tir_ne(ctx->tir, d, e)))
		return relax_infer_error(ctx, SB_ERR_INVALID,
					 "dim %d of argument %d is %s, expected %s", axis, arg,
					 expr_text(d, &tb[0]), expr_text(e, &tb[1]));
	char msg[512];
	snprintf(msg, sizeof msg, "dim %d of argument %d is %s, expected %s", axis, arg,
		 expr_text(d, &tb[0]), expr_text(e, &tb[1]));
	if (d->kind != TIR_INT_IMM && is_refinable(ctx, arg)) {
		ctx->dims[arg][axis] = e;
		ctx->refined[arg] = true;
		*out = e;
	} else {
		push_check(ctx, relax_infer_simplify(ctx, tir_eq(ctx->tir, d, e)), msg);
		*out = d->kind == TIR_INT_IMM ? d : e;
	}
	return SB_OK;
}

static bool provably_one(relax_infer_ctx *ctx, tir_expr *d)
{
	return tir_expr_is_const(d, 1) ||
	       tir_can_prove_equal(ctx->tir, ctx->mod->an, d, relax_int(ctx, 1));
}

sb_status relax_infer_broadcast_dim(relax_infer_ctx *ctx, relax_bcast_dim *acc, int arg, int axis)
{
	tir_expr *d = ctx->dims[arg][axis];
	if (!acc->dim || (provably_one(ctx, acc->dim) && !provably_one(ctx, d))) {
		*acc = (relax_bcast_dim){d, arg, axis};
		return SB_OK;
	}
	tir_expr *cur = acc->dim;
	if (provably_one(ctx, d))
		return SB_OK;
	if (d == cur || tir_can_prove_equal(ctx->tir, ctx->mod->an, d, cur)) {
		if (d->kind == TIR_INT_IMM)
			acc->dim = d;
		return SB_OK;
	}
	bool ph = uses_placeholder(ctx, d) || uses_placeholder(ctx, cur);
	bool differ = !ph && relax_infer_prove(ctx, tir_ne(ctx->tir, d, cur)) &&
		      relax_infer_prove(ctx, tir_ne(ctx->tir, d, relax_int(ctx, 1))) &&
		      relax_infer_prove(ctx, tir_ne(ctx->tir, cur, relax_int(ctx, 1)));
	expr_text_buf tb[2];
	if (differ || (d->kind == TIR_INT_IMM && cur->kind == TIR_INT_IMM))
		return relax_infer_error(
		    ctx, SB_ERR_INVALID,
		    "cannot broadcast dim %d of argument %d (%s) with dim %d of argument %d (%s)",
		    acc->axis, acc->arg, expr_text(cur, &tb[0]), axis, arg, expr_text(d, &tb[1]));
	/* Neither is known to be 1: assume they are equal.  Refine the
	 * symbolic side to the constant one if there is one. */
	if (d->kind == TIR_INT_IMM && !uses_placeholder(ctx, cur)) {
		sb_status st = relax_infer_match(ctx, acc->arg, acc->axis, d, &acc->dim);
		acc->arg = arg, acc->axis = axis;
		return st;
	}
	return relax_infer_match(ctx, arg, axis, cur, &acc->dim);
}

sb_status relax_infer_broadcast(relax_infer_ctx *ctx, int n, const int *args, int *ndim,
				tir_expr **dims)
{
	relax_tensor_view v[8];
	SB_ASSERT(n > 0 && n <= 8);
	int r = 0;
	for (int i = 0; i < n; i++) {
		sb_status st = relax_infer_tensor(ctx, args[i], &v[i]);
		if (st)
			return st;
		r = SB_MAX(r, v[i].ndim);
	}
	for (int k = 0; k < r; k++) {
		relax_bcast_dim acc = {NULL, -1, -1};
		for (int i = 0; i < n; i++) {
			int ax = v[i].ndim - r + k;
			if (ax < 0)
				continue;
			sb_status st = relax_infer_broadcast_dim(ctx, &acc, args[i], ax);
			if (st)
				return st;
		}
		dims[k] = acc.dim;
	}
	*ndim = r;
	return SB_OK;
}

/* ---- Calls of functions ---- */

typedef struct bind_env {
	int n;
	tir_expr *vars[64];
	tir_expr *values[64];
} bind_env;

/* Binds the plain-variable dims of a callee's param struct info to the
 * argument's dims: f(x: Tensor((n, 4))) called with Tensor((s*2, 4)) binds
 * n := s*2. */
static void bind_params(bind_env *b, const relax_sinfo *param, const relax_sinfo *arg)
{
	if (!param || !arg || param->kind != arg->kind)
		return;
	int n = 0;
	tir_expr *const *pv = NULL, *const *av = NULL;
	switch (param->kind) {
	case RELAX_SINFO_TENSOR:
		if (param->u.tensor.shape && arg->u.tensor.shape &&
		    param->u.tensor.ndim == arg->u.tensor.ndim)
			n = param->u.tensor.ndim, pv = param->u.tensor.shape,
			av = arg->u.tensor.shape;
		break;
	case RELAX_SINFO_SHAPE:
		if (param->u.shape.values && arg->u.shape.values &&
		    param->u.shape.ndim == arg->u.shape.ndim)
			n = param->u.shape.ndim, pv = param->u.shape.values,
			av = arg->u.shape.values;
		break;
	case RELAX_SINFO_PRIM:
		if (param->u.prim.value && arg->u.prim.value)
			n = 1, pv = &param->u.prim.value, av = &arg->u.prim.value;
		break;
	case RELAX_SINFO_TUPLE:
		if (param->u.tuple.nfields == arg->u.tuple.nfields)
			for (int i = 0; i < param->u.tuple.nfields; i++)
				bind_params(b, param->u.tuple.fields[i], arg->u.tuple.fields[i]);
		return;
	default:
		return;
	}
	for (int i = 0; i < n; i++) {
		if (pv[i]->kind != TIR_VAR || b->n == (int)SB_ARRAY_LEN(b->vars))
			continue;
		int k = 0;
		while (k < b->n && b->vars[k] != pv[i])
			k++;
		if (k == b->n) {
			b->vars[b->n] = pv[i];
			b->values[b->n++] = av[i];
		}
	}
}

static bool keep_bound(const tir_expr *var, void *env)
{
	bind_env *b = env;
	for (int k = 0; k < b->n; k++)
		if (b->vars[k] == var)
			return true;
	return false;
}

static const relax_sinfo *sinfo_substitute(relax_module *m, const relax_sinfo *s, bind_env *b)
{
	tir_expr *v[SB_MAX_RANK];
	switch (s->kind) {
	case RELAX_SINFO_TENSOR:
		if (!s->u.tensor.shape)
			return s;
		for (int i = 0; i < s->u.tensor.ndim; i++)
			v[i] = tir_simplify(
			    m->tir, m->an,
			    tir_substitute(m->tir, s->u.tensor.shape[i], b->n, b->vars, b->values));
		return relax_sinfo_tensor(m, s->u.tensor.dtype, s->u.tensor.ndim, v);
	case RELAX_SINFO_SHAPE:
		if (!s->u.shape.values)
			return s;
		for (int i = 0; i < s->u.shape.ndim; i++)
			v[i] = tir_simplify(
			    m->tir, m->an,
			    tir_substitute(m->tir, s->u.shape.values[i], b->n, b->vars, b->values));
		return relax_sinfo_shape(m, s->u.shape.ndim, v);
	case RELAX_SINFO_PRIM:
		if (!s->u.prim.value)
			return s;
		return relax_sinfo_prim(m, s->u.prim.dtype,
					tir_simplify(m->tir, m->an,
						     tir_substitute(m->tir, s->u.prim.value, b->n,
								    b->vars, b->values)));
	case RELAX_SINFO_TUPLE: {
		int n = s->u.tuple.nfields;
		const relax_sinfo **f =
		    SB_ARENA_ARRAY(relax_arena(m), const relax_sinfo *, n ? n : 1);
		for (int i = 0; i < n; i++)
			f[i] = sinfo_substitute(m, s->u.tuple.fields[i], b);
		return relax_sinfo_tuple(m, n, f);
	}
	default:
		return s;
	}
}

static sb_status infer_func_call(relax_module *m, const relax_expr *call, const char *where,
				 relax_infer_result *res)
{
	const relax_expr *callee = call->u.call.callee;
	if (call->u.call.nsinfo_args > 0) {
		res->out = call->u.call.sinfo_args[0];
		return SB_OK;
	}
	const relax_sinfo *fs = callee->sinfo;
	if (!fs || fs->kind != RELAX_SINFO_FUNC) {
		char *t = relax_sinfo_to_string(fs);
		sb_status st =
		    sb_set_error(SB_ERR_INVALID, "call '%s': the callee is not a function (%s)",
				 where ? where : "?", t);
		free(t);
		return st;
	}
	if (fs->u.func.nparams >= 0) {
		if (fs->u.func.nparams != call->u.call.nargs)
			return sb_set_error(
			    SB_ERR_INVALID, "call '%s': %d arguments for %d parameters",
			    where ? where : "?", call->u.call.nargs, fs->u.func.nparams);
		bind_env b = {0};
		for (int i = 0; i < fs->u.func.nparams; i++)
			bind_params(&b, fs->u.func.params[i], call->u.call.args[i]->sinfo);
		const relax_sinfo *ret = relax_sinfo_erase(m, fs->u.func.ret, keep_bound, &b);
		res->out = sinfo_substitute(m, ret, &b);
		return SB_OK;
	}
	res->out = fs->u.func.ret;
	return SB_OK;
}

sb_status relax_infer_call(relax_module *m, const relax_expr *call, const char *where,
			   relax_infer_result *res)
{
	SB_ASSERT(call->kind == RELAX_CALL);
	memset(res, 0, sizeof *res);
	int n = call->u.call.nargs;
	for (int i = 0; i < n; i++)
		SB_ASSERT(call->u.call.args[i]->sinfo);
	if (call->u.call.callee)
		return infer_func_call(m, call, where, res);

	const relax_op_info *info = relax_op_get(call->u.call.op);
	if (n < info->min_args || (info->max_args >= 0 && n > info->max_args)) {
		if (info->max_args == info->min_args)
			return sb_set_error(SB_ERR_INVALID, "%s '%s': %d arguments, expected %d",
					    info->name, where ? where : "?", n, info->min_args);
		return sb_set_error(SB_ERR_INVALID, "%s '%s': %d arguments, expected %d to %d",
				    info->name, where ? where : "?", n, info->min_args,
				    info->max_args);
	}
	relax_infer_ctx ctx = {
	    .mod = m,
	    .tir = m->tir,
	    .op = call->u.call.op,
	    .attrs = call->u.call.attrs,
	    .where = where,
	    .nargs = n,
	    .args = call->u.call.args,
	    .nsinfo_args = call->u.call.nsinfo_args,
	    .sinfo_args = call->u.call.sinfo_args,
	};
	const relax_sinfo **in = SB_ARENA_ARRAY(relax_arena(m), const relax_sinfo *, n ? n : 1);
	for (int i = 0; i < n; i++)
		in[i] = call->u.call.args[i]->sinfo;
	ctx.in = in;
	ctx.dims = SB_ARENA_ARRAY(relax_arena(m), tir_expr **, n ? n : 1);
	ctx.refined = SB_ARENA_ARRAY(relax_arena(m), bool, n ? n : 1);

	sb_status st = info->infer(&ctx);
	if (!st) {
		SB_ASSERT(ctx.out);
		res->out = ctx.placeholders.len
			       ? relax_sinfo_erase(m, ctx.out, keep_non_placeholder, &ctx)
			       : ctx.out;
		for (int i = 0; i < n; i++) {
			if (!ctx.refined[i])
				continue;
			if (!res->refine)
				res->refine =
				    SB_ARENA_ARRAY(relax_arena(m), const relax_sinfo *, n);
			const relax_sinfo *s = in[i];
			res->refine[i] =
			    relax_sinfo_tensor(m, s->u.tensor.dtype, s->u.tensor.ndim, ctx.dims[i]);
		}
		if (ctx.fresh.len) {
			res->fresh = sb_arena_memdup(relax_arena(m), ctx.fresh.data,
						     sizeof(tir_expr *) * ctx.fresh.len);
			res->nfresh = (int)ctx.fresh.len;
		}
		if (ctx.checks.len) {
			res->checks = sb_arena_memdup(relax_arena(m), ctx.checks.data,
						      sizeof(relax_check) * ctx.checks.len);
			res->nchecks = (int)ctx.checks.len;
		}
	}
	sb_vec_free(&ctx.fresh);
	sb_vec_free(&ctx.placeholders);
	sb_vec_free(&ctx.checks);
	return st;
}
