/* ToNonDataflow: turns every dataflow block into a plain binding block and
 * every DataflowVar into a Var, so the passes after it may put effects
 * (allocations, kernel calls writing their outputs) among the bindings.
 * The blocks of one SeqExpr are merged into one.
 *
 * Requires: normal form.  Guarantees: no dataflow block, no DataflowVar;
 * everything else (names, struct info, checks, var identities of plain
 * Vars) unchanged.
 *
 *   with dataflow {
 *     %lv0 = relax.call_tir(@add, (%x, %x), sinfo_args=[Tensor((n, 4), float32)])
 *     %gv0 = relax.call_tir(@relu, (%lv0,), sinfo_args=[Tensor((n, 4), float32)])
 *   }
 *   return %gv0
 * becomes
 *   %lv0 = relax.call_tir(@add, (%x, %x), sinfo_args=[Tensor((n, 4), float32)])
 *   %gv0 = relax.call_tir(@relu, (%lv0,), sinfo_args=[Tensor((n, 4), float32)])
 *   return %gv0
 */
#include "passes.h"

typedef struct tnd {
	relax_module *m;
	sb_map vars; /* DataflowVar -> its Var */
} tnd;

static relax_expr *convert_seq(tnd *t, relax_expr *seq);

/* e with DataflowVars replaced; rebuilt only where something changed,
 * keeping the struct info (types do not change). */
static relax_expr *convert(tnd *t, relax_expr *e)
{
	relax_module *m = t->m;
	relax_expr *r = e;
	switch (e->kind) {
	case RELAX_DATAFLOW_VAR: {
		relax_expr *v = sb_map_lookup(&t->vars, (uintptr_t)e);
		SB_ASSERT(v); /* bound before use: normal form */
		return v;
	}
	case RELAX_TUPLE: {
		int n = e->u.tuple.nfields;
		relax_expr **f = SB_ARENA_ARRAY(relax_arena(m), relax_expr *, n ? n : 1);
		bool changed = false;
		for (int i = 0; i < n; i++) {
			f[i] = convert(t, e->u.tuple.fields[i]);
			changed |= f[i] != e->u.tuple.fields[i];
		}
		if (changed)
			r = relax_tuple(m, n, f);
		break;
	}
	case RELAX_TUPLE_GET: {
		relax_expr *tu = convert(t, e->u.get.tuple);
		if (tu != e->u.get.tuple)
			r = relax_tuple_get(m, tu, e->u.get.index);
		break;
	}
	case RELAX_CALL: {
		int n = e->u.call.nargs;
		relax_expr **a = SB_ARENA_ARRAY(relax_arena(m), relax_expr *, n ? n : 1);
		bool changed = false;
		for (int i = 0; i < n; i++) {
			a[i] = convert(t, e->u.call.args[i]);
			changed |= a[i] != e->u.call.args[i];
		}
		relax_expr *callee = e->u.call.callee ? convert(t, e->u.call.callee) : NULL;
		changed |= callee != e->u.call.callee;
		if (!changed)
			break;
		r = callee ? relax_call_func(m, callee, n, a, e->u.call.nsinfo_args,
					     e->u.call.sinfo_args)
			   : relax_call_op_sinfo(m, e->u.call.op, n, a, e->u.call.attrs,
						 e->u.call.nsinfo_args, e->u.call.sinfo_args);
		break;
	}
	case RELAX_IF:
		r = relax_if(m, convert(t, e->u.if_.cond), convert_seq(t, e->u.if_.then_branch),
			     convert_seq(t, e->u.if_.else_branch));
		break;
	case RELAX_SEQ:
		return convert_seq(t, e);
	default:
		return e; /* leaves (a nested Function is left alone) */
	}
	if (r != e)
		r->sinfo = e->sinfo;
	return r;
}

static relax_expr *convert_seq(tnd *t, relax_expr *seq)
{
	relax_module *m = t->m;
	if (seq->kind != RELAX_SEQ)
		return convert(t, seq);
	int total = 0;
	for (int i = 0; i < seq->u.seq.nblocks; i++)
		total += seq->u.seq.blocks[i]->nbindings;
	relax_binding *bs = SB_ARENA_ARRAY(relax_arena(m), relax_binding, total ? total : 1);
	int k = 0;
	for (int i = 0; i < seq->u.seq.nblocks; i++) {
		relax_block *blk = seq->u.seq.blocks[i];
		for (int j = 0; j < blk->nbindings; j++) {
			relax_binding b = blk->bindings[j];
			b.value = convert(t, b.value);
			if (b.var->kind == RELAX_DATAFLOW_VAR) {
				relax_expr *v = relax_var(m, b.var->u.var.name, b.var->sinfo);
				sb_map_put(&t->vars, (uintptr_t)b.var, v);
				b.var = v;
			}
			bs[k++] = b;
		}
	}
	relax_block *blk = relax_block_new(m, false, total, bs);
	return relax_seq(m, total ? 1 : 0, &blk, convert(t, seq->u.seq.body));
}

sb_status relax_to_non_dataflow(relax_module *m)
{
	tnd t = {.m = m};
	sb_map_init(&t.vars);
	for (size_t i = 0; i < m->globals.len; i++) {
		relax_global *g = m->globals.data[i];
		if (!g->func)
			continue;
		relax_expr *fn = g->func;
		relax_expr *nf = relax_function(m, fn->u.func.nparams, fn->u.func.params,
						convert_seq(&t, fn->u.func.body), fn->u.func.ret,
						fn->u.func.pure);
		nf->u.func.nattrs = fn->u.func.nattrs;
		nf->u.func.attrs = fn->u.func.attrs;
		relax_module_set_function(m, g->name, nf);
	}
	sb_map_free(&t.vars);
	return SB_OK;
}
