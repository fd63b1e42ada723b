/* FoldConstant: a call_tir whose tensor arguments are all constants (other
 * arguments constant PrimValues) and whose outputs have static shapes is
 * run at compile time, and its binding becomes the constant it computed
 * (a tuple of constants for several outputs).  The PrimFunc runs through
 * opts->eval -- the compiler driver passes the LLVM JIT -- or, without
 * one, tir_eval, the reference interpreter.  Outputs beyond
 * opts->max_elements elements are left alone.  A PrimFunc that fails at
 * compile time (an assert, a shape it rejects) is left to fail at run time
 * with its own message: the call stays.
 *
 * Requires: normal form.  Guarantees: the same values; var identities kept
 * (a constant's static struct info refines the call's).  PrimFuncs that
 * become unused stay until DeadCodeElim.
 *
 *   %lv0 = relax.call_tir(@transpose, (const[0],), sinfo_args=[Tensor((8, 4), float32)])
 *   %lv1 = relax.call_tir(@matmul, (%x, %lv0), sinfo_args=[Tensor((n, 4), float32)])
 * becomes
 *   %lv0 = const[1]
 *   %lv1 = relax.call_tir(@matmul, (%x, %lv0), sinfo_args=[Tensor((n, 4), float32)])
 */
#include "passes.h"
#include "tir/eval.h"

typedef struct folder {
	relax_module *m;
	relax_fold_constant_opts opts;
} folder;

static sb_status eval_reference(void *env, relax_module *m, const tir_func *f, const sb_value *args,
				int nargs)
{
	(void)env, (void)m;
	return tir_eval(f, args, nargs);
}

/* A static tensor struct info's shape, or false. */
static bool static_shape(const relax_sinfo *s, int64_t *dims)
{
	if (!relax_sinfo_has_shape(s) || s->u.tensor.dtype == SB_DT_INVALID)
		return false;
	for (int i = 0; i < s->u.tensor.ndim; i++)
		if (!tir_expr_is_int_imm(s->u.tensor.shape[i], &dims[i]) || dims[i] < 0)
			return false;
	return true;
}

static bool arg_value(const relax_expr *e, sb_value *v)
{
	if (e->kind == RELAX_CONSTANT) {
		*v = sb_value_tensor(e->u.constant.value);
		return true;
	}
	if (e->kind == RELAX_PRIM_VALUE) {
		const tir_expr *p = e->u.prim.value;
		if (p->kind == TIR_INT_IMM) {
			*v = sb_value_int(p->u.int_value);
			return true;
		}
		if (p->kind == TIR_FLOAT_IMM) {
			*v = sb_value_float(p->u.float_value);
			return true;
		}
	}
	return false;
}

static sb_status fold(relax_builder *b, const relax_binding *old, relax_expr *value, void *env,
		      relax_expr **out)
{
	folder *f = env;
	relax_module *m = f->m;
	(void)b, (void)old;
	if (value->kind != RELAX_CALL || value->u.call.callee ||
	    value->u.call.op != RELAX_OP_CALL_TIR)
		return SB_OK;
	const relax_global *g = relax_module_lookup(m, value->u.call.args[0]->u.var.name);
	relax_expr *tuple = value->u.call.args[1];
	if (!g || !g->prim || tuple->kind != RELAX_TUPLE)
		return SB_OK;
	const relax_sinfo *os = value->u.call.sinfo_args[0];
	int nout = os->kind == RELAX_SINFO_TUPLE ? os->u.tuple.nfields : 1;
	int nin = tuple->u.tuple.nfields;
	sb_value *args = sb_xcalloc((size_t)(nin + nout), sizeof *args);
	sb_tensor **outs = sb_xcalloc((size_t)nout, sizeof *outs);
	bool ok = true;
	for (int i = 0; i < nin && ok; i++)
		ok = arg_value(tuple->u.tuple.fields[i], &args[i]);
	for (int i = 0; i < nout && ok; i++) {
		const relax_sinfo *s = os->kind == RELAX_SINFO_TUPLE ? os->u.tuple.fields[i] : os;
		int64_t dims[SB_MAX_RANK];
		ok = static_shape(s, dims) &&
		     (!f->opts.max_elements ||
		      sb_shape_numel(s->u.tensor.ndim, dims) <= f->opts.max_elements);
		if (ok)
			ok = (outs[i] = sb_tensor_new(s->u.tensor.dtype, s->u.tensor.ndim, dims)) !=
			     NULL;
		if (ok)
			args[nin + i] = sb_value_tensor(outs[i]);
	}
	if (ok)
		ok = f->opts.eval(f->opts.env, m, g->prim, args, nin + nout) == SB_OK;
	sb_clear_error(); /* a failed fold is not an error: the call stays */
	if (ok) {
		relax_expr **c = SB_ARENA_ARRAY(relax_arena(m), relax_expr *, nout);
		for (int i = 0; i < nout; i++) {
			c[i] = relax_constant(m, outs[i]); /* takes the reference */
			outs[i] = NULL;
		}
		*out = os->kind == RELAX_SINFO_TUPLE ? relax_tuple(m, nout, c) : c[0];
	}
	for (int i = 0; i < nout; i++)
		if (outs[i])
			sb_tensor_release(outs[i]);
	free(outs);
	free(args);
	return SB_OK;
}

sb_status relax_fold_constant(relax_module *m, const relax_fold_constant_opts *opts)
{
	folder f = {.m = m};
	if (opts)
		f.opts = *opts;
	if (!f.opts.eval)
		f.opts.eval = eval_reference;
	return relax_module_rewrite(m, fold, &f);
}
