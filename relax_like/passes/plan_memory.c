/* PlanMemory: storage reuse under symbolic sizes.  Every
 * relax.builtin.alloc_tensor becomes a relax.memory.alloc_tensor at offset
 * 0 of a relax.memory.alloc_storage; intermediates whose lifetimes do not
 * overlap share a storage when
 *   - their byte sizes (prod(dims) * dtype size) are provably equal, or
 *   - both have a constant upper bound (static shapes, or shape variables
 *     bounded with --bound NAME=MAX): the storage is then sized for the
 *     largest bound of the tensors it holds, and each tensor placed in it
 *     checks its bounded variables at run time.
 * Tensors that reach the function's result (through aliases, tuples or
 * calls that may return their arguments) and the function's parameters are
 * never reused: each output gets a storage of its own.
 *
 * Lifetimes are over the bindings of the function body's top level: a
 * tensor lives from its allocation to the last binding that uses it or
 * anything that may contain it (an if counts as one binding).  A storage is
 * free for a new tensor when every tensor in it was last used before the
 * new tensor's allocation -- so a kernel never writes its output over one
 * of its own inputs.  Allocations inside if branches get a storage each.
 *
 * Requires: CallTIRRewrite (kernel calls return nothing; an ExternFunc or
 * PrimFunc callee is a destination-passing kernel that keeps no
 * reference).  Guarantees: no relax.builtin.alloc_tensor; var identities
 * kept; opts->report gets each function's planned / unplanned / output
 * bytes as expressions.
 *
 *   %lv0 = relax.builtin.alloc_tensor(shape(n, 4), dtype=float32)
 *   %lv1 = @exp(%x, %lv0)
 *   %lv2 = relax.builtin.alloc_tensor(shape(n, 4), dtype=float32)
 *   %lv3 = @exp(%lv0, %lv2)
 *   %lv4 = relax.builtin.alloc_tensor(shape(n, 4), dtype=float32)
 *   %lv5 = @exp(%lv2, %lv4)
 *   ...
 * becomes
 *   %storage = relax.memory.alloc_storage(prim(n * 16))
 *   %lv0 = relax.memory.alloc_tensor(%storage, prim(0), shape(n, 4), dtype=float32)
 *   %lv1 = @exp(%x, %lv0)
 *   %storage_1 = relax.memory.alloc_storage(prim(n * 16))
 *   %lv2 = relax.memory.alloc_tensor(%storage_1, prim(0), shape(n, 4), dtype=float32)
 *   %lv3 = @exp(%lv0, %lv2)
 *   %lv4 = relax.memory.alloc_tensor(%storage, prim(0), shape(n, 4), dtype=float32)
 *   ...
 */
#include <inttypes.h>
#include <stdio.h>

#include "passes.h"

typedef struct pm_tensor {
	relax_expr *var;
	int def, last; /* top-level binding indices */
	bool output;
	tir_expr *bytes;
	int64_t upper; /* constant upper bound of bytes, or -1 */
	int storage;
	bool first; /* allocates its storage */
	int nchecks;
	relax_check *checks; /* the bounds it relies on */
} pm_tensor;

typedef struct pm_storage {
	tir_expr *exact; /* NULL: sized for a bound */
	int64_t fixed;	 /* its size when exact is NULL */
	int end;	 /* last use of any tensor in it */
	relax_expr *var;
} pm_storage;

typedef struct planner {
	relax_module *m;
	const relax_plan_memory_opts *opts;
	tir_analyzer *bounded; /* shape vars in [0, max] for the --bound ones */
	sb_arena tmp;
	SB_VEC(pm_tensor) tensors;
	SB_VEC(pm_storage) storages;
	sb_map index; /* alloc var -> tensor index + 1 */
	sb_map contains;
	size_t words;
	relax_memory_plan plan;
} planner;

static tir_expr *simplify(planner *p, tir_expr *e)
{
	return tir_simplify(p->m->tir, p->m->an, e);
}

static bool is_alloc(const relax_expr *v)
{
	return v->kind == RELAX_CALL && !v->u.call.callee &&
	       v->u.call.op == RELAX_OP_BUILTIN_ALLOC_TENSOR;
}

/* A call that writes into its arguments and returns nothing: a PrimFunc
 * or an ExternFunc called directly with a Tuple() result (CallTIRRewrite's
 * kernels). */
static bool is_kernel_call(planner *p, const relax_expr *v)
{
	if (v->kind != RELAX_CALL || !v->u.call.callee || !v->sinfo ||
	    v->sinfo->kind != RELAX_SINFO_TUPLE || v->sinfo->u.tuple.nfields)
		return false;
	const relax_expr *c = v->u.call.callee;
	if (c->kind == RELAX_EXTERN_FUNC)
		return true;
	const relax_global *g =
	    c->kind == RELAX_GLOBAL_VAR ? relax_module_lookup(p->m, c->u.var.name) : NULL;
	return g && g->prim;
}

static sb_status tensor_bytes(planner *p, const relax_sinfo *s, const char *where, tir_expr **out)
{
	if (!relax_sinfo_has_shape(s) || s->u.tensor.dtype == SB_DT_INVALID)
		return sb_set_error(
		    SB_ERR_UNSUPPORTED,
		    "PlanMemory '%s': the allocated tensor's shape or dtype is unknown", where);
	tir_expr *e = tir_int(p->m->tir, (int64_t)sb_dtype_size(s->u.tensor.dtype));
	for (int i = 0; i < s->u.tensor.ndim; i++)
		e = tir_mul(p->m->tir, e, s->u.tensor.shape[i]);
	*out = simplify(p, e);
	return SB_OK;
}

/* ---- Which tensors a var may contain ---- */

static uint64_t *bits_of(planner *p, const relax_expr *v)
{
	return sb_map_lookup(&p->contains, (uintptr_t)v);
}

static uint64_t *bits_new(planner *p)
{
	return SB_ARENA_ARRAY(&p->tmp, uint64_t, p->words ? p->words : 1);
}

typedef struct var_env {
	planner *p;
	uint64_t *acc; /* union of the contents of vars seen */
} var_env;

static void union_var(relax_expr *e, void *envp)
{
	var_env *env = envp;
	if (!relax_expr_is_var(e))
		return;
	uint64_t *b = bits_of(env->p, e);
	if (b)
		for (size_t w = 0; w < env->p->words; w++)
			env->acc[w] |= b[w];
}

/* Union of what the vars referenced anywhere in e may contain. */
static void union_refs(planner *p, relax_expr *e, uint64_t *acc)
{
	var_env env = {p, acc};
	relax_visitor v = {.expr = union_var, .env = &env};
	relax_expr_visit(e, &v);
}

static void mark_uses(planner *p, relax_expr *e, int index)
{
	uint64_t *acc = bits_new(p);
	union_refs(p, e, acc);
	for (size_t k = 0; k < p->tensors.len; k++)
		if (acc[k / 64] >> (k % 64) & 1)
			p->tensors.data[k].last = SB_MAX(p->tensors.data[k].last, index);
}

/* What the binding's var may contain. */
static uint64_t *binding_contents(planner *p, const relax_binding *b)
{
	uint64_t *acc = bits_new(p);
	relax_expr *v = b->value;
	size_t k = (size_t)(uintptr_t)sb_map_lookup(&p->index, (uintptr_t)b->var);
	if (k) {
		acc[(k - 1) / 64] |= 1ull << ((k - 1) % 64);
		return acc;
	}
	if (is_kernel_call(p, v))
		return acc;
	/* Aliases, tuples, projections, match_casts, ifs, and calls that may
	 * return (a view of) an argument: everything referenced. */
	union_refs(p, v, acc);
	return acc;
}

/* ---- Planning ---- */

static int storage_new(planner *p, pm_tensor *t)
{
	pm_storage s = {.exact = t->upper < 0 ? t->bytes : NULL, .fixed = t->upper, .end = t->last};
	sb_vec_push(&p->storages, s);
	t->first = true;
	return (int)p->storages.len - 1;
}

static int storage_pick(planner *p, pm_tensor *t)
{
	int best = -1;
	for (size_t i = 0; i < p->storages.len; i++) {
		pm_storage *s = &p->storages.data[i];
		if (s->end >= t->def)
			continue;
		if (t->upper < 0) {
			if (s->exact &&
			    tir_can_prove_equal(p->m->tir, p->m->an, s->exact, t->bytes))
				return (int)i;
			continue;
		}
		if (s->exact)
			continue;
		/* Best fit: the smallest that holds it, else the largest (grown). */
		pm_storage *b = best >= 0 ? &p->storages.data[best] : NULL;
		if (!b || (s->fixed >= t->upper && (b->fixed < t->upper || s->fixed < b->fixed)) ||
		    (s->fixed < t->upper && b->fixed < t->upper && s->fixed > b->fixed))
			best = (int)i;
	}
	return best;
}

static tir_expr *add(planner *p, tir_expr *a, tir_expr *b)
{
	return simplify(p, tir_add(p->m->tir, a, b));
}

typedef struct bound_env {
	planner *p;
	pm_tensor *t;
} bound_env;

/* A check that bounded variable v is within its bound, once per tensor. */
static void bound_check(tir_expr *v, void *envp)
{
	bound_env *env = envp;
	planner *p = env->p;
	for (int i = 0; i < p->opts->nbounds; i++) {
		const relax_shape_bound *bd = &p->opts->bounds[i];
		if (tir_shape_var(p->m->tir, bd->name) != v)
			continue;
		tir_expr *cond = tir_le(p->m->tir, v, tir_int(p->m->tir, bd->max));
		pm_tensor *t = env->t;
		for (int k = 0; k < t->nchecks; k++)
			if (t->checks[k].cond == cond)
				return;
		relax_check *c = SB_ARENA_ARRAY(relax_arena(p->m), relax_check, t->nchecks + 1);
		if (t->nchecks)
			memcpy(c, t->checks, sizeof *c * (size_t)t->nchecks);
		char *msg =
		    sb_xasprintf("shape variable %s is larger than %" PRId64
				 ", the bound the model was compiled for (--bound %s=%" PRId64 ")",
				 bd->name, bd->max, bd->name, bd->max);
		c[t->nchecks++] = (relax_check){cond, sb_arena_strdup(relax_arena(p->m), msg)};
		free(msg);
		t->checks = c;
		return;
	}
}

static sb_status plan_function(planner *p, const relax_expr *fn)
{
	relax_module *m = p->m;
	relax_expr *body = fn->u.func.body;
	SB_ASSERT(body->kind == RELAX_SEQ);
	/* The allocations of the top level, by binding index. */
	int index = 0;
	for (int i = 0; i < body->u.seq.nblocks; i++) {
		relax_block *blk = body->u.seq.blocks[i];
		for (int j = 0; j < blk->nbindings; j++, index++) {
			relax_binding *b = &blk->bindings[j];
			if (b->kind != RELAX_VAR_BINDING || !is_alloc(b->value))
				continue;
			pm_tensor t = {.var = b->var, .def = index, .last = index, .upper = -1};
			sb_status st =
			    tensor_bytes(p, b->value->sinfo, b->var->u.var.name, &t.bytes);
			if (st)
				return st;
			tir_bound bd = tir_const_int_bound(m->tir, p->bounded, t.bytes);
			if (bd.max != TIR_POS_INF)
				t.upper = SB_MAX(bd.max, 0);
			sb_vec_push(&p->tensors, t);
			sb_map_put(&p->index, (uintptr_t)b->var, (void *)(uintptr_t)p->tensors.len);
		}
	}
	p->words = (p->tensors.len + 63) / 64;
	/* Lifetimes and what may contain what, in program order. */
	index = 0;
	for (int i = 0; i < body->u.seq.nblocks; i++) {
		relax_block *blk = body->u.seq.blocks[i];
		for (int j = 0; j < blk->nbindings; j++, index++) {
			relax_binding *b = &blk->bindings[j];
			mark_uses(p, b->value, index);
			sb_map_put(&p->contains, (uintptr_t)b->var, binding_contents(p, b));
		}
	}
	uint64_t *out = bits_new(p);
	union_refs(p, body->u.seq.body, out);
	/* Greedy assignment in allocation order. */
	tir_expr *zero = tir_int(m->tir, 0);
	p->plan.planned = p->plan.unplanned = p->plan.outputs = zero;
	for (size_t k = 0; k < p->tensors.len; k++) {
		pm_tensor *t = &p->tensors.data[k];
		t->output = out[k / 64] >> (k % 64) & 1;
		if (t->output) {
			t->upper = -1; /* exactly its own size */
			t->storage = storage_new(p, t);
			p->storages.data[t->storage].end = INT32_MAX;
			p->plan.noutputs++;
			p->plan.outputs = add(p, p->plan.outputs, t->bytes);
			continue;
		}
		p->plan.ntensors++;
		p->plan.unplanned = add(p, p->plan.unplanned, t->bytes);
		int s = storage_pick(p, t);
		if (s < 0) {
			t->storage = storage_new(p, t);
			continue;
		}
		pm_storage *st = &p->storages.data[s];
		st->end = SB_MAX(st->end, t->last);
		if (!st->exact)
			st->fixed = SB_MAX(st->fixed, t->upper);
		t->storage = s;
	}
	for (size_t k = 0; k < p->tensors.len; k++) {
		pm_tensor *t = &p->tensors.data[k];
		if (t->output)
			continue;
		if (!p->storages.data[t->storage].exact && p->opts->nbounds) {
			bound_env env = {p, t};
			relax_tir_visit_vars(t->bytes, bound_check, &env);
		}
	}
	for (size_t i = 0; i < p->storages.len; i++) {
		pm_storage *s = &p->storages.data[i];
		if (s->end == INT32_MAX)
			continue; /* an output's */
		p->plan.nstorages++;
		p->plan.planned =
		    add(p, p->plan.planned, s->exact ? s->exact : tir_int(m->tir, s->fixed));
	}
	return SB_OK;
}

/* ---- Rewriting ---- */

static relax_expr *storage_call(planner *p, tir_expr *bytes)
{
	relax_expr *size = relax_prim_value(p->m, bytes);
	return relax_call_op(p->m, RELAX_OP_MEMORY_ALLOC_STORAGE, 1, &size, NULL);
}

static sb_status rewrite(relax_builder *b, const relax_binding *old, relax_expr *value, void *env,
			 relax_expr **out)
{
	planner *p = env;
	relax_module *m = p->m;
	if (old->kind != RELAX_VAR_BINDING || !is_alloc(value))
		return SB_OK;
	size_t k = (size_t)(uintptr_t)sb_map_lookup(&p->index, (uintptr_t)old->var);
	pm_tensor own = {.first = true, .storage = -1};
	pm_tensor *t = k ? &p->tensors.data[k - 1] : &own;
	/* The binding's checks and the bounds go before the allocations. */
	int nchecks = old->nchecks + t->nchecks;
	const relax_check *checks = old->checks;
	if (t->nchecks) {
		relax_check *c = SB_ARENA_ARRAY(relax_arena(m), relax_check, nchecks);
		if (old->nchecks)
			memcpy(c, old->checks, sizeof *c * (size_t)old->nchecks);
		memcpy(c + old->nchecks, t->checks, sizeof *c * (size_t)t->nchecks);
		checks = c;
	}
	sb_status st;
	tir_expr *bytes = NULL;
	if (!k) {
		/* Inside a branch: a storage of its own. */
		if ((st = tensor_bytes(p, value->sinfo, old->var->u.var.name, &own.bytes)))
			return st;
		bytes = own.bytes;
		p->plan.ntensors++;
		p->plan.nstorages++;
		p->plan.unplanned = add(p, p->plan.unplanned, own.bytes);
		p->plan.planned = add(p, p->plan.planned, own.bytes);
	} else if (t->first) {
		pm_storage *s = &p->storages.data[t->storage];
		bytes = s->exact ? s->exact : tir_int(m->tir, s->fixed);
	}
	relax_expr *svar = k ? p->storages.data[t->storage].var : NULL;
	if (bytes) {
		relax_binding sb = {.kind = RELAX_VAR_BINDING,
				    .var = relax_var(m, "storage", NULL),
				    .value = storage_call(p, bytes),
				    .nchecks = nchecks,
				    .checks = checks};
		if ((st = relax_builder_emit_binding(b, &sb, false, &svar)))
			return st;
		if (k)
			p->storages.data[t->storage].var = svar;
		nchecks = 0;
	}
	SB_ASSERT(svar); /* the first tensor of a storage comes first */
	relax_expr *args[3] = {svar, relax_prim_int(m, 0), value->u.call.args[0]};
	relax_binding nb = {
	    .kind = RELAX_VAR_BINDING,
	    .var = old->var,
	    .value = relax_call_op(m, RELAX_OP_MEMORY_ALLOC_TENSOR, 3, args, value->u.call.attrs),
	    .nchecks = nchecks,
	    .checks = checks};
	relax_expr *var;
	if ((st = relax_builder_emit_binding(b, &nb, false, &var)))
		return st;
	SB_ASSERT(var == old->var);
	*out = old->var;
	return SB_OK;
}

static sb_status plan_and_rewrite(planner *p, relax_global *g)
{
	relax_module *m = p->m;
	sb_arena_init(&p->tmp);
	sb_map_init(&p->index);
	sb_map_init(&p->contains);
	p->plan = (relax_memory_plan){.func = g->name};
	sb_status st = plan_function(p, g->func);
	relax_expr *nf = NULL;
	if (!st)
		st = relax_function_rewrite(m, g->func, rewrite, p, &nf);
	if (!st) {
		relax_module_set_function(m, g->name, nf);
		if (p->opts->report)
			sb_vec_push(&p->opts->report->funcs, p->plan);
	}
	sb_vec_free(&p->tensors);
	sb_vec_free(&p->storages);
	sb_map_free(&p->index);
	sb_map_free(&p->contains);
	sb_arena_free(&p->tmp);
	return st ? sb_error_prefix(st, "@%s", g->name) : SB_OK;
}

sb_status relax_plan_memory(relax_module *m, const relax_plan_memory_opts *opts)
{
	static const relax_plan_memory_opts none;
	planner p = {.m = m, .opts = opts ? opts : &none};
	p.bounded = tir_analyzer_new(m->tir);
	for (int i = 0; i < p.opts->nbounds; i++) {
		const relax_shape_bound *b = &p.opts->bounds[i];
		if (b->max < 0) {
			tir_analyzer_free(p.bounded);
			return sb_set_error(SB_ERR_INVALID,
					    "PlanMemory: bound %s=%" PRId64 " is negative", b->name,
					    b->max);
		}
		tir_analyzer_bind(p.bounded, tir_shape_var(m->tir, b->name), 0, b->max);
	}
	sb_status st = SB_OK;
	for (size_t i = 0; i < m->globals.len && !st; i++)
		if (m->globals.data[i]->func)
			st = plan_and_rewrite(&p, m->globals.data[i]);
	tir_analyzer_free(p.bounded);
	return st;
}

/* ---- Reports ---- */

void relax_memory_report_free(relax_memory_report *r)
{
	sb_vec_free(&r->funcs);
}

typedef struct unbound_env {
	const char *name;
} unbound_env;

static void first_var(tir_expr *v, void *envp)
{
	unbound_env *env = envp;
	if (!env->name)
		env->name = v->u.var.name;
}

static sb_status eval_bytes(relax_module *m, tir_expr *e, int n, tir_expr *const *vars,
			    tir_expr *const *values, int64_t *out)
{
	tir_expr *r = tir_simplify(m->tir, m->an, tir_substitute(m->tir, e, n, vars, values));
	if (tir_expr_is_int_imm(r, out))
		return SB_OK;
	unbound_env env = {NULL};
	relax_tir_visit_vars(r, first_var, &env);
	return sb_set_error(SB_ERR_INVALID, "memory plan: shape variable %s has no value",
			    env.name ? env.name : "?");
}

sb_status relax_memory_plan_eval(relax_module *m, const relax_memory_plan *p, int n,
				 const char *const *names, const int64_t *values, int64_t *planned,
				 int64_t *unplanned, int64_t *outputs)
{
	tir_expr **vars = sb_xcalloc((size_t)(n ? n : 1), sizeof *vars);
	tir_expr **vals = sb_xcalloc((size_t)(n ? n : 1), sizeof *vals);
	for (int i = 0; i < n; i++) {
		vars[i] = tir_shape_var(m->tir, names[i]);
		vals[i] = tir_int(m->tir, values[i]);
	}
	int64_t ignore;
	sb_status st = eval_bytes(m, p->planned, n, vars, vals, planned ? planned : &ignore);
	if (!st)
		st = eval_bytes(m, p->unplanned, n, vars, vals, unplanned ? unplanned : &ignore);
	if (!st)
		st = eval_bytes(m, p->outputs, n, vars, vals, outputs ? outputs : &ignore);
	free(vars);
	free(vals);
	return st;
}
