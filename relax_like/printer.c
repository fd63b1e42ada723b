/* The relax_like text form (docs/relax_like.md):
 *
 *   @main(%x: Tensor((n, 4), float32), %w: Tensor((4, 8), float32)) -> Tensor((n, 8), float32) {
 *     with dataflow {
 *       %lv0 = relax.matmul(%x, %w) : Tensor((n, 8), float32)
 *       %gv0 = relax.relu(%lv0) : Tensor((n, 8), float32)
 *     }
 *     return %gv0
 *   }
 *
 * Relax vars print as %name, globals as @name, shape variables bare (they
 * are tir expressions, printed by tir's printer).  Distinct vars that share
 * a name print as name, name_1, ... within a function.  PrimFuncs of the
 * module print in tir's text form. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "relax.h"

typedef struct printer {
	sb_strbuf *b;
	relax_module *m; /* for constant indices; may be NULL */
	sb_interner names;
	sb_map var_names; /* var -> display name */
	sb_map taken;	  /* display name -> var */
} printer;

static void printer_init(printer *p, sb_strbuf *b, relax_module *m)
{
	p->b = b;
	p->m = m;
	sb_interner_init(&p->names);
	sb_map_init(&p->var_names);
	sb_map_init(&p->taken);
}

static void printer_free(printer *p)
{
	sb_interner_free(&p->names);
	sb_map_free(&p->var_names);
	sb_map_free(&p->taken);
}

static const char *var_name(printer *p, const relax_expr *v)
{
	const char *name = sb_map_lookup(&p->var_names, (uintptr_t)v);
	if (name)
		return name;
	name = sb_intern(&p->names, v->u.var.name);
	char buf[256];
	for (int k = 1; sb_map_get(&p->taken, (uintptr_t)name, NULL); k++) {
		snprintf(buf, sizeof buf, "%s_%d", v->u.var.name, k);
		name = sb_intern(&p->names, buf);
	}
	sb_map_put(&p->taken, (uintptr_t)name, (void *)v);
	sb_map_put(&p->var_names, (uintptr_t)v, (void *)name);
	return name;
}

static void indent(printer *p, int n)
{
	for (int i = 0; i < n; i++)
		sb_strbuf_putc(p->b, ' ');
}

static void print_string(printer *p, const char *s)
{
	sb_strbuf_putc(p->b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sb_strbuf_printf(p->b, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			sb_strbuf_printf(p->b, "\\x%02x", (unsigned char)*s);
		else
			sb_strbuf_putc(p->b, *s);
	}
	sb_strbuf_putc(p->b, '"');
}

static void print_expr(printer *p, const relax_expr *e, int ind);
static void print_seq_contents(printer *p, const relax_expr *seq, int ind);

static void print_exprs(printer *p, int n, relax_expr *const *v, int ind)
{
	for (int i = 0; i < n; i++) {
		if (i)
			sb_strbuf_puts(p->b, ", ");
		print_expr(p, v[i], ind);
	}
}

static void print_constant(printer *p, const relax_expr *e)
{
	const sb_tensor *t = e->u.constant.value;
	if (sb_tensor_rank(t) == 0 && p->m) {
		/* A scalar prints its value, in tir's constant syntax. */
		tir_ctx *tc = p->m->tir;
		tir_expr *v;
		if (sb_dtype_is_float(t->dtype))
			v = tir_imm_float(tc, tir_type_scalar(t->dtype), sb_tensor_get_f64(t, 0));
		else if (t->dtype == SB_BOOL)
			v = tir_bool(tc, sb_tensor_get_i64(t, 0) != 0);
		else
			v = tir_imm_int(tc, tir_type_scalar(t->dtype), sb_tensor_get_i64(t, 0));
		sb_strbuf_puts(p->b, "const(");
		tir_expr_print(p->b, v);
		sb_strbuf_putc(p->b, ')');
		return;
	}
	if (p->m)
		for (size_t i = 0; i < p->m->constants.len; i++)
			if (p->m->constants.data[i] == t) {
				sb_strbuf_printf(p->b, "const[%zu]", i);
				return;
			}
	char desc[128];
	sb_tensor_describe(t, desc, sizeof desc);
	sb_strbuf_printf(p->b, "const(%s)", desc);
}

static void print_sinfo_args(printer *p, const relax_expr *e)
{
	if (!e->u.call.nsinfo_args)
		return;
	sb_strbuf_puts(p->b, e->u.call.nargs ? ", sinfo_args=[" : "sinfo_args=[");
	for (int i = 0; i < e->u.call.nsinfo_args; i++) {
		if (i)
			sb_strbuf_puts(p->b, ", ");
		relax_sinfo_print(p->b, e->u.call.sinfo_args[i]);
	}
	sb_strbuf_putc(p->b, ']');
}

static void print_params(printer *p, const relax_expr *fn)
{
	sb_strbuf_putc(p->b, '(');
	for (int i = 0; i < fn->u.func.nparams; i++) {
		const relax_expr *v = fn->u.func.params[i];
		sb_strbuf_printf(p->b, "%s%%%s: ", i ? ", " : "", var_name(p, v));
		relax_sinfo_print(p->b, v->sinfo);
	}
	sb_strbuf_puts(p->b, ") -> ");
	relax_sinfo_print(p->b, fn->u.func.ret);
	if (!fn->u.func.pure)
		sb_strbuf_puts(p->b, " impure");
	if (fn->u.func.nattrs) {
		sb_strbuf_puts(p->b, " attrs {");
		for (int i = 0; i < fn->u.func.nattrs; i++) {
			const tir_attr *a = &fn->u.func.attrs[i];
			sb_strbuf_printf(p->b, "%s%s: ", i ? ", " : "", a->key);
			if (a->str)
				print_string(p, a->str);
			else
				sb_strbuf_printf(p->b, "%" PRId64, a->value);
		}
		sb_strbuf_putc(p->b, '}');
	}
}

/* "{ bindings; return body }" at indentation ind (the braces' line). */
static void print_function_body(printer *p, const relax_expr *fn, int ind)
{
	sb_strbuf_puts(p->b, " {\n");
	const relax_expr *body = fn->u.func.body;
	if (body->kind == RELAX_SEQ) {
		print_seq_contents(p, body, ind + 2);
		body = body->u.seq.body;
	}
	indent(p, ind + 2);
	sb_strbuf_puts(p->b, "return ");
	print_expr(p, body, ind + 2);
	sb_strbuf_putc(p->b, '\n');
	indent(p, ind);
	sb_strbuf_putc(p->b, '}');
}

static void print_branch(printer *p, const relax_expr *seq, int ind)
{
	sb_strbuf_puts(p->b, "{\n");
	const relax_expr *body = seq;
	if (seq->kind == RELAX_SEQ) {
		print_seq_contents(p, seq, ind + 2);
		body = seq->u.seq.body;
	}
	indent(p, ind + 2);
	print_expr(p, body, ind + 2);
	sb_strbuf_putc(p->b, '\n');
	indent(p, ind);
	sb_strbuf_putc(p->b, '}');
}

static void print_expr(printer *p, const relax_expr *e, int ind)
{
	sb_strbuf *b = p->b;
	switch (e->kind) {
	case RELAX_VAR:
	case RELAX_DATAFLOW_VAR:
		sb_strbuf_printf(b, "%%%s", var_name(p, e));
		break;
	case RELAX_GLOBAL_VAR:
		sb_strbuf_printf(b, "@%s", e->u.var.name);
		break;
	case RELAX_EXTERN_FUNC:
		sb_strbuf_puts(b, "extern(");
		print_string(p, e->u.var.name);
		sb_strbuf_putc(b, ')');
		break;
	case RELAX_CONSTANT:
		print_constant(p, e);
		break;
	case RELAX_SHAPE_EXPR:
		sb_strbuf_puts(b, "shape(");
		for (int i = 0; i < e->u.shape.ndim; i++) {
			if (i)
				sb_strbuf_puts(b, ", ");
			tir_expr_print(b, e->u.shape.values[i]);
		}
		sb_strbuf_putc(b, ')');
		break;
	case RELAX_PRIM_VALUE:
		sb_strbuf_puts(b, "prim(");
		tir_expr_print(b, e->u.prim.value);
		sb_strbuf_putc(b, ')');
		break;
	case RELAX_STRING_IMM:
		print_string(p, e->u.str.value);
		break;
	case RELAX_TUPLE:
		sb_strbuf_putc(b, '(');
		print_exprs(p, e->u.tuple.nfields, e->u.tuple.fields, ind);
		if (e->u.tuple.nfields == 1)
			sb_strbuf_putc(b, ',');
		sb_strbuf_putc(b, ')');
		break;
	case RELAX_TUPLE_GET:
		print_expr(p, e->u.get.tuple, ind);
		sb_strbuf_printf(b, "[%d]", e->u.get.index);
		break;
	case RELAX_CALL:
		if (e->u.call.callee)
			print_expr(p, e->u.call.callee, ind);
		else
			sb_strbuf_puts(b, relax_op_get(e->u.call.op)->name);
		sb_strbuf_putc(b, '(');
		print_exprs(p, e->u.call.nargs, e->u.call.args, ind);
		if (!e->u.call.callee && e->u.call.attrs) {
			sb_strbuf buf = {0};
			relax_attrs_print(&buf, relax_op_get(e->u.call.op)->attrs, e->u.call.attrs);
			if (buf.len)
				sb_strbuf_printf(b, "%s%s", e->u.call.nargs ? ", " : "", buf.data);
			sb_strbuf_free(&buf);
		}
		print_sinfo_args(p, e);
		sb_strbuf_putc(b, ')');
		break;
	case RELAX_IF:
		sb_strbuf_puts(b, "if (");
		print_expr(p, e->u.if_.cond, ind);
		sb_strbuf_puts(b, ") ");
		print_branch(p, e->u.if_.then_branch, ind);
		sb_strbuf_puts(b, " else ");
		print_branch(p, e->u.if_.else_branch, ind);
		break;
	case RELAX_SEQ:
		print_branch(p, e, ind);
		break;
	case RELAX_FUNCTION:
		sb_strbuf_puts(b, "fn");
		print_params(p, e);
		print_function_body(p, e, ind);
		break;
	case RELAX_EXPR_KIND_COUNT:
		SB_UNREACHABLE();
	}
}

static void print_binding(printer *p, const relax_binding *bnd, int ind)
{
	sb_strbuf *b = p->b;
	indent(p, ind);
	sb_strbuf_printf(b, "%%%s = ", var_name(p, bnd->var));
	if (bnd->kind == RELAX_MATCH_CAST) {
		sb_strbuf_puts(b, "match_cast(");
		print_expr(p, bnd->value, ind);
		sb_strbuf_puts(b, ", ");
		relax_sinfo_print(b, bnd->sinfo);
		sb_strbuf_putc(b, ')');
	} else {
		print_expr(p, bnd->value, ind);
		sb_strbuf_puts(b, " : ");
		relax_sinfo_print(b, bnd->var->sinfo);
	}
	if (bnd->nchecks) {
		sb_strbuf_puts(b, " requires (");
		for (int i = 0; i < bnd->nchecks; i++) {
			if (i)
				sb_strbuf_puts(b, ", ");
			tir_expr_print(b, bnd->checks[i].cond);
		}
		sb_strbuf_putc(b, ')');
	}
	sb_strbuf_putc(b, '\n');
}

static void print_seq_contents(printer *p, const relax_expr *seq, int ind)
{
	for (int i = 0; i < seq->u.seq.nblocks; i++) {
		const relax_block *blk = seq->u.seq.blocks[i];
		int bi = ind;
		if (blk->dataflow) {
			indent(p, ind);
			sb_strbuf_puts(p->b, "with dataflow {\n");
			bi += 2;
		}
		for (int k = 0; k < blk->nbindings; k++)
			print_binding(p, &blk->bindings[k], bi);
		if (blk->dataflow) {
			indent(p, ind);
			sb_strbuf_puts(p->b, "}\n");
		}
	}
}

void relax_expr_print(sb_strbuf *b, const relax_expr *e)
{
	printer p;
	printer_init(&p, b, NULL);
	print_expr(&p, e, 0);
	printer_free(&p);
}

static void print_global(printer *p, const char *name, const relax_expr *fn)
{
	sb_strbuf_printf(p->b, "@%s", name);
	print_params(p, fn);
	print_function_body(p, fn, 0);
	sb_strbuf_putc(p->b, '\n');
}

void relax_function_print(sb_strbuf *b, relax_module *m, const char *name, const relax_expr *fn)
{
	printer p;
	printer_init(&p, b, m);
	print_global(&p, name, fn);
	printer_free(&p);
}

char *relax_print_module(relax_module *m)
{
	sb_strbuf b = {0};
	for (size_t i = 0; i < m->globals.len; i++) {
		const relax_global *g = m->globals.data[i];
		if (i)
			sb_strbuf_putc(&b, '\n');
		if (g->func)
			relax_function_print(&b, m, g->name, g->func);
		else if (g->prim)
			tir_func_print(&b, g->prim);
	}
	return sb_strbuf_take(&b);
}
