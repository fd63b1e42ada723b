/* Bytecode generation: one VM function per lowered relax function
 * (vm_codegen.h says what maps to what).  Registers: params take
 * 0..nparams-1, every other var gets the next free one unless it aliases
 * its value's; temporaries (materialized tuple arguments, an if's tensor
 * condition) get registers of their own too.  Registers are never reused:
 * a var's register holds its value (and its reference) until the frame
 * ends, which is what keeps a planned storage alive while tensors in it
 * are. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "vm_codegen.h"

typedef struct cg {
	relax_module *m;
	sb_vm_exec *e;
	sb_map consts; /* sb_tensor* or interned string -> constant index + 1 */
	/* the function being generated */
	const char *fname;
	int f;
	int nregs;
	sb_map regs;	   /* relax var -> register + 1 */
	const char *where; /* the binding, for messages */
} cg;

static sb_status cg_error(cg *g, sb_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static sb_status cg_error(cg *g, sb_status code, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (g->where)
		return sb_set_error(code, "vm codegen @%s '%s': %s", g->fname, g->where, msg);
	return sb_set_error(code, "vm codegen @%s: %s", g->fname, msg);
}

static int reg_new(cg *g)
{
	return g->nregs++;
}

static void reg_bind(cg *g, const relax_expr *var, int reg)
{
	sb_map_put(&g->regs, (uintptr_t)var, (void *)(uintptr_t)(reg + 1));
}

static int reg_of(cg *g, const relax_expr *var)
{
	return (int)(uintptr_t)sb_map_lookup(&g->regs, (uintptr_t)var) - 1;
}

/* ---- Constants ---- */

static int const_tensor(cg *g, sb_tensor *t)
{
	int c = (int)(uintptr_t)sb_map_lookup(&g->consts, (uintptr_t)t) - 1;
	if (c < 0) {
		c = sb_vm_exec_add_const(g->e, sb_value_tensor(t));
		sb_map_put(&g->consts, (uintptr_t)t, (void *)(uintptr_t)(c + 1));
	}
	return c;
}

static int const_string(cg *g, const char *s)
{
	s = relax_intern(g->m, s);
	int c = (int)(uintptr_t)sb_map_lookup(&g->consts, (uintptr_t)s) - 1;
	if (c < 0) {
		c = sb_vm_exec_add_const(g->e, sb_value_string(s));
		sb_map_put(&g->consts, (uintptr_t)s, (void *)(uintptr_t)(c + 1));
	}
	return c;
}

static int const_shape(cg *g, int n, const int64_t *dims)
{
	sb_shape *s = sb_shape_new(n, dims);
	SB_ASSERT(s); /* rank checked by the caller */
	int c = sb_vm_exec_add_const(g->e, (sb_value){SB_VAL_SHAPE, {.shape = s}});
	sb_object_release(&s->obj);
	return c;
}

static int const_float(cg *g, double v)
{
	return sb_vm_exec_add_const(g->e, sb_value_float(v));
}

/* ---- Leaves as call arguments ---- */

static sb_status emit_call(cg *g, int dst, const char *callee, int nargs, const sb_vm_arg *args);

static sb_status leaf_arg(cg *g, relax_expr *e, sb_vm_arg *out)
{
	sb_status st;
	switch (e->kind) {
	case RELAX_VAR:
	case RELAX_DATAFLOW_VAR: {
		int r = reg_of(g, e);
		if (r < 0)
			return cg_error(g, SB_ERR_INTERNAL,
					"%%%s has no register (used before its "
					"definition?)",
					e->u.var.name);
		*out = SB_VM_REG(r);
		return SB_OK;
	}
	case RELAX_CONSTANT:
		*out = SB_VM_CONST(const_tensor(g, e->u.constant.value));
		return SB_OK;
	case RELAX_STRING_IMM:
		*out = SB_VM_CONST(const_string(g, e->u.str.value));
		return SB_OK;
	case RELAX_PRIM_VALUE: {
		const tir_expr *v = e->u.prim.value;
		if (v->kind == TIR_INT_IMM) {
			*out = SB_VM_IMM(v->u.int_value);
			return SB_OK;
		}
		if (v->kind == TIR_FLOAT_IMM) {
			*out = SB_VM_CONST(const_float(g, v->u.float_value));
			return SB_OK;
		}
		char *t = tir_expr_to_string(v);
		st = cg_error(g, SB_ERR_INVALID, "prim(%s) is symbolic (LowerShapes did not run)",
			      t);
		free(t);
		return st;
	}
	case RELAX_SHAPE_EXPR: {
		int64_t dims[SB_MAX_RANK];
		int n = e->u.shape.ndim;
		if (n > SB_MAX_RANK)
			return cg_error(g, SB_ERR_UNSUPPORTED, "a shape of rank %d", n);
		for (int i = 0; i < n; i++) {
			tir_expr *d = tir_simplify(g->m->tir, g->m->an, e->u.shape.values[i]);
			if (!tir_expr_is_int_imm(d, &dims[i])) {
				char *t = tir_expr_to_string(d);
				st = cg_error(
				    g, SB_ERR_INVALID,
				    "shape value %s is symbolic (LowerShapes did not run)", t);
				free(t);
				return st;
			}
		}
		*out = SB_VM_CONST(const_shape(g, n, dims));
		return SB_OK;
	}
	case RELAX_TUPLE: {
		int n = e->u.tuple.nfields;
		sb_vm_arg *fields = sb_xcalloc((size_t)(n ? n : 1), sizeof *fields);
		st = SB_OK;
		for (int i = 0; i < n && !st; i++)
			st = leaf_arg(g, e->u.tuple.fields[i], &fields[i]);
		int r = reg_new(g);
		if (!st)
			st = emit_call(g, r, SB_BUILTIN_TUPLE_MAKE, n, fields);
		free(fields);
		*out = SB_VM_REG(r);
		return st;
	}
	default:
		return cg_error(g, SB_ERR_UNSUPPORTED, "a %s cannot be a value in the VM",
				relax_expr_kind_name(e->kind));
	}
}

/* The leaf in a register: its own for a var, else a new one loaded. */
static sb_status leaf_reg(cg *g, relax_expr *e, int *reg)
{
	sb_vm_arg a;
	sb_status st = leaf_arg(g, e, &a);
	if (st)
		return st;
	if (a.kind == SB_VM_ARG_REG) {
		*reg = (int)a.value;
		return SB_OK;
	}
	*reg = reg_new(g);
	if (a.kind == SB_VM_ARG_IMM)
		sb_vm_emit_load_imm(g->e, g->f, *reg, a.value);
	else
		sb_vm_emit_load_const(g->e, g->f, *reg, (int)a.value);
	return SB_OK;
}

/* ---- Calls ---- */

static sb_status emit_call(cg *g, int dst, const char *callee, int nargs, const sb_vm_arg *args)
{
	if (nargs > SB_VM_MAX_ARGS)
		return cg_error(g, SB_ERR_UNSUPPORTED,
				"a call of %s with %d arguments (at most %d)", callee, nargs,
				SB_VM_MAX_ARGS);
	sb_vm_emit_call(g->e, g->f, dst, sb_vm_exec_add_callee(g->e, callee), nargs, args);
	return SB_OK;
}

/* Calls `callee` with the leaves args[first..n-1] (and `extra` after). */
static sb_status emit_call_leaves(cg *g, int dst, const char *callee, int n,
				  relax_expr *const *args, int first, int nextra,
				  const sb_vm_arg *extra)
{
	sb_vm_arg *a = sb_xcalloc((size_t)(n - first + nextra + 1), sizeof *a);
	sb_status st = SB_OK;
	for (int i = first; i < n && !st; i++)
		st = leaf_arg(g, args[i], &a[i - first]);
	for (int i = 0; i < nextra; i++)
		a[n - first + i] = extra[i];
	if (!st)
		st = emit_call(g, dst, callee, n - first + nextra, a);
	free(a);
	return st;
}

static sb_status emit_op_call(cg *g, int dst, relax_expr *c)
{
	relax_expr **args = c->u.call.args;
	int n = c->u.call.nargs;
	switch (c->u.call.op) {
	case RELAX_OP_CALL_PACKED:
		if (args[0]->kind != RELAX_EXTERN_FUNC)
			return cg_error(g, SB_ERR_UNSUPPORTED, "relax.call_packed of a %s",
					relax_expr_kind_name(args[0]->kind));
		return emit_call_leaves(g, dst, args[0]->u.var.name, n, args, 1, 0, NULL);
	case RELAX_OP_MEMORY_ALLOC_STORAGE:
		return emit_call_leaves(g, dst, SB_BUILTIN_ALLOC_STORAGE, n, args, 0, 0, NULL);
	case RELAX_OP_MEMORY_ALLOC_TENSOR: {
		sb_vm_arg dt = SB_VM_IMM(((const relax_attrs_alloc *)c->u.call.attrs)->dtype);
		return emit_call_leaves(g, dst, SB_BUILTIN_ALLOC_TENSOR, n, args, 0, 1, &dt);
	}
	case RELAX_OP_TENSOR_TO_SHAPE: {
		/* The binding names the shape in the builtin's messages. */
		char ctx[256];
		snprintf(ctx, sizeof ctx, "'%s' (a shape read from tensor data)",
			 g->where ? g->where : "?");
		sb_vm_arg where = SB_VM_CONST(const_string(g, ctx));
		return emit_call_leaves(g, dst, SB_BUILTIN_TENSOR_TO_SHAPE, n, args, 0, 1, &where);
	}
	case RELAX_OP_BUILTIN_ALLOC_TENSOR:
		return cg_error(
		    g, SB_ERR_INVALID,
		    "relax.builtin.alloc_tensor has no storage (PlanMemory did not run)");
	case RELAX_OP_CALL_TIR:
	case RELAX_OP_CALL_DPS_PACKED:
		return cg_error(g, SB_ERR_INVALID, "%s is left (CallTIRRewrite did not run)",
				relax_op_get(c->u.call.op)->name);
	default:
		return cg_error(g, SB_ERR_UNSUPPORTED,
				"%s has no VM code (LegalizeOps must make it a call_tir)",
				relax_op_get(c->u.call.op)->name);
	}
}

static sb_status emit_func_call(cg *g, int dst, relax_expr *c)
{
	relax_expr *callee = c->u.call.callee;
	const char *name;
	switch (callee->kind) {
	case RELAX_GLOBAL_VAR: {
		const relax_global *gl = relax_module_lookup(g->m, callee->u.var.name);
		if (!gl)
			return cg_error(g, SB_ERR_INVALID, "@%s is not in the module",
					callee->u.var.name);
		if (gl->prim) {
			const tir_attr *sym = tir_func_get_attr(gl->prim, "global_symbol");
			name = sym && sym->str ? sym->str : gl->prim->name;
		} else {
			name = gl->name;
		}
		break;
	}
	case RELAX_EXTERN_FUNC:
		name = callee->u.var.name;
		break;
	default:
		return cg_error(g, SB_ERR_UNSUPPORTED,
				"a call of a %s (closures are not supported)",
				relax_expr_kind_name(callee->kind));
	}
	return emit_call_leaves(g, dst, name, c->u.call.nargs, c->u.call.args, 0, 0, NULL);
}

/* ---- Bindings ---- */

static sb_status emit_seq(cg *g, relax_expr *seq, int *result);

static sb_status emit_if(cg *g, int dst, relax_expr *e)
{
	relax_expr *c = e->u.if_.cond;
	int cond;
	sb_status st = leaf_reg(g, c, &cond);
	if (st)
		return st;
	if (c->sinfo && c->sinfo->kind == RELAX_SINFO_TENSOR) {
		int r = reg_new(g);
		sb_vm_arg a = SB_VM_REG(cond);
		if ((st = emit_call(g, r, SB_BUILTIN_READ_IF_COND, 1, &a)))
			return st;
		cond = r;
	}
	int pc_if = sb_vm_emit_if(g->e, g->f, cond, 0);
	int r;
	if ((st = emit_seq(g, e->u.if_.then_branch, &r)))
		return st;
	sb_vm_emit_move(g->e, g->f, dst, r);
	int pc_goto = sb_vm_emit_goto(g->e, g->f, 0);
	g->e->funcs[g->f].code[pc_if].b = g->e->funcs[g->f].ncode - pc_if;
	if ((st = emit_seq(g, e->u.if_.else_branch, &r)))
		return st;
	sb_vm_emit_move(g->e, g->f, dst, r);
	/* Lands on what follows the if; a function always ends with ret. */
	g->e->funcs[g->f].code[pc_goto].a = g->e->funcs[g->f].ncode - pc_goto;
	return SB_OK;
}

static sb_status emit_binding(cg *g, const relax_binding *b)
{
	relax_expr *v = b->value;
	g->where = b->var->u.var.name;
	sb_status st;
	int r;
	/* Aliases and (lowered) match_casts share their value's register. */
	if (b->kind == RELAX_MATCH_CAST || relax_expr_is_var(v) || v->kind == RELAX_CONSTANT ||
	    v->kind == RELAX_PRIM_VALUE || v->kind == RELAX_STRING_IMM ||
	    v->kind == RELAX_SHAPE_EXPR || v->kind == RELAX_TUPLE) {
		if ((st = leaf_reg(g, v, &r)))
			return st;
		reg_bind(g, b->var, r);
		return SB_OK;
	}
	r = reg_new(g);
	reg_bind(g, b->var, r);
	switch (v->kind) {
	case RELAX_TUPLE_GET: {
		sb_vm_arg a[2] = {{0}, SB_VM_IMM(v->u.get.index)};
		if ((st = leaf_arg(g, v->u.get.tuple, &a[0])))
			return st;
		return emit_call(g, r, SB_BUILTIN_TUPLE_GET, 2, a);
	}
	case RELAX_CALL:
		return v->u.call.callee ? emit_func_call(g, r, v) : emit_op_call(g, r, v);
	case RELAX_IF:
		return emit_if(g, r, v);
	default:
		return cg_error(g, SB_ERR_UNSUPPORTED, "a %s binding",
				relax_expr_kind_name(v->kind));
	}
}

static sb_status emit_seq(cg *g, relax_expr *seq, int *result)
{
	relax_expr *body = seq;
	if (seq->kind == RELAX_SEQ) {
		for (int i = 0; i < seq->u.seq.nblocks; i++) {
			relax_block *blk = seq->u.seq.blocks[i];
			for (int k = 0; k < blk->nbindings; k++) {
				sb_status st = emit_binding(g, &blk->bindings[k]);
				if (st)
					return st;
			}
		}
		body = seq->u.seq.body;
	}
	g->where = NULL;
	return leaf_reg(g, body, result);
}

/* ---- Input/output descriptions ---- */

static sb_status describe(cg *g, const char *name, const relax_sinfo *s, bool input, sb_io_info *io,
			  sb_dim_info *dims)
{
	if (!s || s->kind != RELAX_SINFO_TENSOR || s->u.tensor.dtype == SB_DT_INVALID) {
		char *t = relax_sinfo_to_string(s);
		sb_status st =
		    cg_error(g, SB_ERR_UNSUPPORTED,
			     "%s '%s' is %s; a model's %ss are tensors of known dtype",
			     input ? "input" : "output", name, t, input ? "input" : "output");
		free(t);
		return st;
	}
	*io = (sb_io_info){
	    .name = name, .dtype = s->u.tensor.dtype, .rank = s->u.tensor.ndim, .dims = dims};
	if (io->rank > SB_MAX_RANK)
		return cg_error(g, SB_ERR_UNSUPPORTED, "%s '%s' has rank %d",
				input ? "input" : "output", name, io->rank);
	for (int i = 0; i < io->rank; i++) {
		tir_expr *d = s->u.tensor.shape
				  ? tir_simplify(g->m->tir, g->m->an, s->u.tensor.shape[i])
				  : NULL;
		int64_t v;
		if (d && tir_expr_is_int_imm(d, &v) && v >= 0) {
			dims[i] = (sb_dim_info){v, NULL};
		} else if (d) {
			char *t = tir_expr_to_string(d);
			dims[i] = (sb_dim_info){-1, relax_intern(g->m, t)};
			free(t);
		} else {
			dims[i] = (sb_dim_info){-1, "?"};
		}
	}
	return SB_OK;
}

static sb_status describe_entry(cg *g, const relax_expr *fn)
{
	sb_dim_info dims[SB_MAX_RANK];
	sb_io_info io;
	sb_status st;
	for (int i = 0; i < fn->u.func.nparams; i++) {
		const relax_expr *p = fn->u.func.params[i];
		if ((st = describe(g, p->u.var.name, p->sinfo, true, &io, dims)))
			return st;
		sb_vm_exec_add_input(g->e, &io);
	}
	const relax_sinfo *ret = fn->u.func.ret;
	bool tuple = ret && ret->kind == RELAX_SINFO_TUPLE;
	int n = tuple ? ret->u.tuple.nfields : 1;
	for (int i = 0; i < n; i++) {
		char key[48], buf[48];
		snprintf(key, sizeof key, "output_name.%d", i);
		const tir_attr *a = relax_function_get_attr(fn, key);
		const char *name = a && a->str && *a->str ? a->str : NULL;
		if (!name) {
			if (tuple)
				snprintf(buf, sizeof buf, "output_%d", i);
			else
				snprintf(buf, sizeof buf, "output");
			name = buf;
		}
		if ((st =
			 describe(g, name, tuple ? ret->u.tuple.fields[i] : ret, false, &io, dims)))
			return st;
		sb_vm_exec_add_output(g->e, &io);
	}
	return SB_OK;
}

/* ---- Functions ---- */

static sb_status emit_function(cg *g, const relax_global *gl)
{
	const relax_expr *fn = gl->func;
	g->fname = gl->name;
	g->where = NULL;
	const tir_attr *heap = relax_function_get_attr(fn, "shape_heap_size");
	if (!heap || heap->str || heap->value < 0 || heap->value > SB_VM_MAX_HEAP)
		return cg_error(g, SB_ERR_INVALID,
				"the function is not lowered for the VM (run relax_lower_for_vm)");
	int np = fn->u.func.nparams;
	const char **names = sb_xcalloc((size_t)(np ? np : 1), sizeof *names);
	for (int i = 0; i < np; i++)
		names[i] = fn->u.func.params[i]->u.var.name;
	g->f = sb_vm_exec_add_func(g->e, gl->name, np, names, np, (int)heap->value);
	free(names);
	sb_map_init(&g->regs);
	g->nregs = np;
	for (int i = 0; i < np; i++)
		reg_bind(g, fn->u.func.params[i], i);
	int result;
	sb_status st = emit_seq(g, fn->u.func.body, &result);
	if (!st) {
		sb_vm_emit_ret(g->e, g->f, result);
		if (g->nregs > SB_VM_MAX_REGS)
			st = cg_error(g, SB_ERR_UNSUPPORTED, "%d registers (at most %d)", g->nregs,
				      SB_VM_MAX_REGS);
		g->e->funcs[g->f].nregs = g->nregs;
	}
	sb_map_free(&g->regs);
	return st;
}

sb_status sb_vmgen_build(relax_module *m, const sb_vmgen_options *opts, sb_vm_exec **out)
{
	*out = NULL;
	const char *entry = opts && opts->entry ? opts->entry : "main";
	const relax_global *eg = relax_module_lookup(m, entry);
	if (!eg || !eg->func)
		return sb_set_error(SB_ERR_INVALID, "vm codegen: the module has no function @%s",
				    entry);
	cg g = {.m = m, .e = sb_vm_exec_new()};
	sb_map_init(&g.consts);
	sb_status st = SB_OK;
	for (size_t i = 0; i < m->globals.len && !st; i++) {
		const relax_global *gl = m->globals.data[i];
		if (!gl->func)
			continue;
		if ((st = emit_function(&g, gl)))
			break;
		if (gl == eg) {
			sb_vm_exec_set_entry(g.e, g.f);
			g.where = NULL;
			st = describe_entry(&g, gl->func);
		}
	}
	if (!st && (st = sb_vm_exec_validate(g.e)))
		st = sb_error_prefix(SB_ERR_INTERNAL, "vm codegen: the executable is invalid");
	sb_map_free(&g.consts);
	if (st) {
		sb_vm_exec_free(g.e);
		return st;
	}
	if (sb_debug_enabled("vmgen")) {
		sb_strbuf b = {0};
		sb_vm_exec_print(g.e, &b);
		fprintf(stderr, "// vm executable\n%s", b.data ? b.data : "");
		sb_strbuf_free(&b);
	}
	*out = g.e;
	return SB_OK;
}
