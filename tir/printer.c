/* The tir text form (tir/README.md has the grammar by example):
 *
 *   @func add(A: Buffer(float32, [n, 4]), B: Buffer(float32, [n, 4])) {
 *     for (i, 0, n) parallel {
 *       for (j, 0, 4) vectorized {
 *         B[i, j] = A[i, j] + 1.0f
 *       }
 *     }
 *   }
 *
 * Expressions are infix with C/Python precedence and only the parentheses
 * the tree needs; floordiv and floormod are // and %, truncating division
 * and modulo of integers print as truncdiv(a, b) and truncmod(a, b).
 * Distinct variables that share a name print as n, n_1, n_2 (in order of
 * first appearance), so the text never merges two variables. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tir.h"

typedef struct printer {
	sb_strbuf *b;
	sb_interner names;		  /* display names */
	sb_map var_names;		  /* Var -> display name */
	sb_map buffer_names;		  /* tir_buffer -> display name */
	sb_map taken_vars, taken_buffers; /* display name -> owner */
} printer;

static void printer_init(printer *p, sb_strbuf *b)
{
	p->b = b;
	sb_interner_init(&p->names);
	sb_map_init(&p->var_names);
	sb_map_init(&p->buffer_names);
	sb_map_init(&p->taken_vars);
	sb_map_init(&p->taken_buffers);
}

static void printer_free(printer *p)
{
	sb_interner_free(&p->names);
	sb_map_free(&p->var_names);
	sb_map_free(&p->buffer_names);
	sb_map_free(&p->taken_vars);
	sb_map_free(&p->taken_buffers);
}

static const char *unique_name(printer *p, sb_map *owners, sb_map *taken, const void *owner,
			       const char *base)
{
	const char *name = sb_map_lookup(owners, (uintptr_t)owner);
	if (name)
		return name;
	name = sb_intern(&p->names, base);
	char buf[256];
	for (int k = 1; sb_map_get(taken, (uintptr_t)name, NULL); k++) {
		snprintf(buf, sizeof buf, "%s_%d", base, k);
		name = sb_intern(&p->names, buf);
	}
	sb_map_put(taken, (uintptr_t)name, (void *)owner);
	sb_map_put(owners, (uintptr_t)owner, (void *)name);
	return name;
}

static const char *var_name(printer *p, const tir_expr *v)
{
	return unique_name(p, &p->var_names, &p->taken_vars, v, v->u.var.name);
}

static const char *buffer_name(printer *p, const tir_buffer *buf)
{
	return unique_name(p, &p->buffer_names, &p->taken_buffers, buf, buf->name);
}

/* ---- Expressions ---- */

static void print_expr(printer *p, const tir_expr *e, int min_prec);

static void print_float(printer *p, tir_type t, double v)
{
	char num[64];
	if (isnan(v) || isinf(v)) {
		snprintf(num, sizeof num, "%s", isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
	} else {
		snprintf(num, sizeof num, t.dtype == SB_F64 ? "%.17g" : "%.9g", v);
		if (!strpbrk(num, ".e"))
			strcat(num, ".0");
	}
	if (t.dtype == SB_F32 && t.lanes == 1 && isfinite(v)) {
		sb_strbuf_printf(p->b, "%sf", num);
	} else if (t.dtype == SB_F64 && t.lanes == 1 && isfinite(v)) {
		sb_strbuf_puts(p->b, num);
	} else {
		tir_type_print(p->b, t);
		sb_strbuf_printf(p->b, "(%s)", num);
	}
}

static void print_int(printer *p, tir_type t, int64_t v)
{
	if (t.dtype == SB_BOOL && t.lanes == 1)
		sb_strbuf_puts(p->b, v ? "true" : "false");
	else if (t.dtype == SB_I64 && t.lanes == 1)
		sb_strbuf_printf(p->b, "%lld", (long long)v);
	else {
		tir_type_print(p->b, t);
		sb_strbuf_printf(p->b, "(%lld)", (long long)v);
	}
}

static void print_args(printer *p, const char *name, int n, tir_expr *const *args)
{
	sb_strbuf_printf(p->b, "%s(", name);
	for (int i = 0; i < n; i++) {
		if (i)
			sb_strbuf_puts(p->b, ", ");
		print_expr(p, args[i], 0);
	}
	sb_strbuf_putc(p->b, ')');
}

/* How tightly e's printed form binds. */
static int expr_prec(const tir_expr *e)
{
	if (e->kind == TIR_DIV && !tir_type_is_float(e->type))
		return TIR_PREC_CALL; /* truncdiv(a, b) */
	return tir_expr_table[e->kind].prec;
}

static void print_expr(printer *p, const tir_expr *e, int min_prec)
{
	const tir_expr_info *info = &tir_expr_table[e->kind];
	int prec = expr_prec(e);
	bool paren = prec < min_prec;
	if (paren)
		sb_strbuf_putc(p->b, '(');
	switch (e->kind) {
	case TIR_INT_IMM:
		print_int(p, e->type, e->u.int_value);
		break;
	case TIR_FLOAT_IMM:
		print_float(p, e->type, e->u.float_value);
		break;
	case TIR_VAR:
		sb_strbuf_puts(p->b, var_name(p, e));
		break;
	case TIR_CAST: {
		sb_strbuf b2 = {0};
		tir_type_print(&b2, e->type);
		char *tname = sb_strbuf_take(&b2);
		print_args(p, tname, 1, e->ops);
		free(tname);
		break;
	}
	case TIR_CALL:
		print_args(p, tir_intrin_table[e->u.intrin].name, (int)e->nops, e->ops);
		break;
	case TIR_BUFFER_LOAD:
		sb_strbuf_printf(p->b, "%s[", buffer_name(p, e->u.buffer));
		for (uint32_t i = 0; i < e->nops; i++) {
			if (i)
				sb_strbuf_puts(p->b, ", ");
			print_expr(p, e->ops[i], 0);
		}
		sb_strbuf_putc(p->b, ']');
		break;
	case TIR_RAMP:
	case TIR_BROADCAST:
		sb_strbuf_printf(p->b, "%s(", info->name);
		for (uint32_t i = 0; i < e->nops; i++) {
			print_expr(p, e->ops[i], 0);
			sb_strbuf_puts(p->b, ", ");
		}
		sb_strbuf_printf(p->b, "%u)", (unsigned)e->type.lanes);
		break;
	case TIR_NOT:
		sb_strbuf_putc(p->b, '!');
		print_expr(p, e->ops[0], TIR_PREC_UNARY);
		break;
	default:
		if (prec == TIR_PREC_CALL) {
			print_args(p, info->name, (int)e->nops, e->ops);
			break;
		}
		SB_ASSERT(info->infix && e->nops == 2);
		/* Left-associative: an equal-precedence left child needs no
		 * parentheses, a right one does; comparisons do not chain. */
		print_expr(p, e->ops[0], prec == TIR_PREC_CMP ? prec + 1 : prec);
		sb_strbuf_printf(p->b, " %s ", info->infix);
		print_expr(p, e->ops[1], prec + 1);
		break;
	}
	if (paren)
		sb_strbuf_putc(p->b, ')');
}

/* ---- Buffers and regions ---- */

static void print_buffer_type(printer *p, const tir_buffer *buf)
{
	sb_strbuf_printf(p->b, "Buffer(%s, [", sb_dtype_name(buf->dtype));
	for (int i = 0; i < buf->ndim; i++) {
		if (i)
			sb_strbuf_puts(p->b, ", ");
		print_expr(p, buf->shape[i], 0);
	}
	sb_strbuf_putc(p->b, ']');
	if (buf->strides) {
		sb_strbuf_puts(p->b, ", strides=[");
		for (int i = 0; i < buf->ndim; i++) {
			if (i)
				sb_strbuf_puts(p->b, ", ");
			print_expr(p, buf->strides[i], 0);
		}
		sb_strbuf_putc(p->b, ']');
	}
	if (!tir_expr_is_const(buf->elem_offset, 0)) {
		sb_strbuf_puts(p->b, ", offset=");
		print_expr(p, buf->elem_offset, 0);
	}
	if (buf->scope && strcmp(buf->scope, "global"))
		sb_strbuf_printf(p->b, ", scope=\"%s\"", buf->scope);
	sb_strbuf_putc(p->b, ')');
}

static void print_range_end(printer *p, const tir_range *r)
{
	int64_t a, b;
	if (tir_expr_is_int_imm(r->min, &a) && tir_expr_is_int_imm(r->extent, &b)) {
		sb_strbuf_printf(p->b, "%lld", (long long)(a + b));
	} else if (tir_expr_is_const(r->min, 0)) {
		print_expr(p, r->extent, 0);
	} else {
		print_expr(p, r->min, TIR_PREC_ADD);
		sb_strbuf_puts(p->b, " + ");
		print_expr(p, r->extent, TIR_PREC_ADD + 1);
	}
}

static void print_region(printer *p, const tir_region *r)
{
	sb_strbuf_printf(p->b, "%s[", buffer_name(p, r->buffer));
	for (int i = 0; i < r->buffer->ndim; i++) {
		if (i)
			sb_strbuf_puts(p->b, ", ");
		print_expr(p, r->ranges[i].min, 0);
		if (!tir_expr_is_const(r->ranges[i].extent, 1)) {
			sb_strbuf_putc(p->b, ':');
			print_range_end(p, &r->ranges[i]);
		}
	}
	sb_strbuf_putc(p->b, ']');
}

static void print_regions(printer *p, const char *what, int n, const tir_region *rs)
{
	sb_strbuf_printf(p->b, "%s(", what);
	for (int i = 0; i < n; i++) {
		if (i)
			sb_strbuf_puts(p->b, ", ");
		print_region(p, &rs[i]);
	}
	sb_strbuf_puts(p->b, ")\n");
}

/* ---- Statements ---- */

static void indent(printer *p, int n)
{
	for (int i = 0; i < n; i++)
		sb_strbuf_puts(p->b, "  ");
}

static void print_stmt(printer *p, const tir_stmt *s, int ind);

/* Prints the statements of a braced body (a sequence is not re-braced). */
static void print_body(printer *p, const tir_stmt *s, int ind)
{
	if (s->kind == TIR_STMT_SEQ) {
		for (int i = 0; i < s->u.seq.n; i++)
			print_stmt(p, s->u.seq.stmts[i], ind);
	} else {
		print_stmt(p, s, ind);
	}
}

static void print_braced(printer *p, const tir_stmt *s, int ind)
{
	sb_strbuf_puts(p->b, "{\n");
	print_body(p, s, ind + 1);
	indent(p, ind);
	sb_strbuf_putc(p->b, '}');
}

static void print_block(printer *p, const tir_stmt *s, int ind)
{
	const tir_block *blk = s->u.realize.block;
	sb_strbuf_printf(p->b, "block %s(", blk->name);
	for (int i = 0; i < blk->niters; i++) {
		const tir_iter_var *iv = &blk->iters[i];
		if (i)
			sb_strbuf_puts(p->b, ", ");
		sb_strbuf_printf(p->b, "%s: %s(", var_name(p, iv->var),
				 iv->kind == TIR_ITER_REDUCE ? "reduce" : "spatial");
		print_expr(p, iv->dom.min, 0);
		sb_strbuf_puts(p->b, ", ");
		print_expr(p, iv->dom.extent, 0);
		sb_strbuf_puts(p->b, ") = ");
		print_expr(p, s->u.realize.values[i], 0);
	}
	sb_strbuf_putc(p->b, ')');
	if (!tir_expr_is_const(s->u.realize.predicate, 1)) {
		sb_strbuf_puts(p->b, " where (");
		print_expr(p, s->u.realize.predicate, 0);
		sb_strbuf_putc(p->b, ')');
	}
	sb_strbuf_puts(p->b, " {\n");
	indent(p, ind + 1);
	print_regions(p, "reads", blk->nreads, blk->reads);
	indent(p, ind + 1);
	print_regions(p, "writes", blk->nwrites, blk->writes);
	for (int i = 0; i < blk->nallocs; i++) {
		indent(p, ind + 1);
		sb_strbuf_printf(p->b, "alloc %s: ", buffer_name(p, blk->allocs[i]));
		print_buffer_type(p, blk->allocs[i]);
		sb_strbuf_putc(p->b, '\n');
	}
	if (blk->init) {
		indent(p, ind + 1);
		sb_strbuf_puts(p->b, "init ");
		print_braced(p, blk->init, ind + 1);
		sb_strbuf_putc(p->b, '\n');
	}
	print_body(p, blk->body, ind + 1);
	indent(p, ind);
	sb_strbuf_puts(p->b, "}\n");
}

static void print_stmt(printer *p, const tir_stmt *s, int ind)
{
	if (s->kind == TIR_STMT_SEQ) { /* nested (built by hand): its statements */
		print_body(p, s, ind);
		return;
	}
	indent(p, ind);
	switch (s->kind) {
	case TIR_STMT_FOR:
		sb_strbuf_printf(p->b, "for (%s, ", var_name(p, s->u.loop.var));
		print_expr(p, s->u.loop.min, 0);
		sb_strbuf_puts(p->b, ", ");
		print_expr(p, s->u.loop.extent, 0);
		sb_strbuf_puts(p->b, ") ");
		if (s->u.loop.kind != TIR_FOR_SERIAL)
			sb_strbuf_printf(p->b, "%s ", tir_for_kind_name(s->u.loop.kind));
		print_braced(p, s->u.loop.body, ind);
		sb_strbuf_putc(p->b, '\n');
		break;
	case TIR_STMT_BLOCK_REALIZE:
		print_block(p, s, ind);
		break;
	case TIR_STMT_BUFFER_STORE:
		sb_strbuf_printf(p->b, "%s[", buffer_name(p, s->u.store.buffer));
		for (int i = 0; i < s->u.store.nindices; i++) {
			if (i)
				sb_strbuf_puts(p->b, ", ");
			print_expr(p, s->u.store.indices[i], 0);
		}
		sb_strbuf_puts(p->b, "] = ");
		print_expr(p, s->u.store.value, 0);
		sb_strbuf_putc(p->b, '\n');
		break;
	case TIR_STMT_ALLOCATE:
		sb_strbuf_printf(p->b, "alloc %s: ", buffer_name(p, s->u.alloc.buffer));
		print_buffer_type(p, s->u.alloc.buffer);
		sb_strbuf_putc(p->b, ' ');
		print_braced(p, s->u.alloc.body, ind);
		sb_strbuf_putc(p->b, '\n');
		break;
	case TIR_STMT_IF:
		sb_strbuf_puts(p->b, "if (");
		print_expr(p, s->u.if_.cond, 0);
		sb_strbuf_puts(p->b, ") ");
		print_braced(p, s->u.if_.then_case, ind);
		if (s->u.if_.else_case) {
			sb_strbuf_puts(p->b, " else ");
			print_braced(p, s->u.if_.else_case, ind);
		}
		sb_strbuf_putc(p->b, '\n');
		break;
	case TIR_STMT_LET:
		/* The let scopes over the statements printed after it. */
		sb_strbuf_printf(p->b, "let %s: ", var_name(p, s->u.let.var));
		tir_type_print(p->b, s->u.let.var->type);
		sb_strbuf_puts(p->b, " = ");
		print_expr(p, s->u.let.value, 0);
		sb_strbuf_putc(p->b, '\n');
		print_body(p, s->u.let.body, ind);
		break;
	case TIR_STMT_ASSERT:
		sb_strbuf_puts(p->b, "assert(");
		print_expr(p, s->u.assert_.cond, 0);
		sb_strbuf_puts(p->b, ", \"");
		for (const char *c = s->u.assert_.message; *c; c++) {
			if (*c == '"' || *c == '\\')
				sb_strbuf_putc(p->b, '\\');
			if (*c == '\n')
				sb_strbuf_puts(p->b, "\\n");
			else
				sb_strbuf_putc(p->b, *c);
		}
		sb_strbuf_puts(p->b, "\")\n");
		break;
	case TIR_STMT_SEQ:
		SB_UNREACHABLE();
	case TIR_STMT_EVALUATE:
		sb_strbuf_puts(p->b, "evaluate(");
		print_expr(p, s->u.eval.value, 0);
		sb_strbuf_puts(p->b, ")\n");
		break;
	}
}

/* ---- Functions ---- */

static void print_func(printer *p, const tir_func *f)
{
	sb_strbuf_printf(p->b, "@func %s(", f->name);
	for (int i = 0; i < f->nparams; i++) {
		const tir_param *prm = &f->params[i];
		if (i)
			sb_strbuf_puts(p->b, ", ");
		if (prm->buffer) {
			sb_strbuf_printf(p->b, "%s: ", buffer_name(p, prm->buffer));
			print_buffer_type(p, prm->buffer);
		} else {
			sb_strbuf_printf(p->b, "%s: ", var_name(p, prm->var));
			tir_type_print(p->b, prm->var->type);
		}
	}
	sb_strbuf_putc(p->b, ')');
	bool any = false;
	for (int i = 0; i < f->nattrs; i++) {
		const tir_attr *a = &f->attrs[i];
		if (!strcmp(a->key, "global_symbol") && a->str && !strcmp(a->str, f->name))
			continue;
		sb_strbuf_puts(p->b, any ? ", " : " attrs {");
		any = true;
		if (a->str)
			sb_strbuf_printf(p->b, "%s: \"%s\"", a->key, a->str);
		else
			sb_strbuf_printf(p->b, "%s: %lld", a->key, (long long)a->value);
	}
	if (any)
		sb_strbuf_putc(p->b, '}');
	sb_strbuf_puts(p->b, " {\n");
	print_body(p, f->body, 1);
	sb_strbuf_puts(p->b, "}\n");
}

/* ---- Entry points ---- */

void tir_expr_print(sb_strbuf *b, const tir_expr *e)
{
	printer p;
	printer_init(&p, b);
	print_expr(&p, e, 0);
	printer_free(&p);
}

void tir_stmt_print(sb_strbuf *b, const tir_stmt *s, int ind)
{
	printer p;
	printer_init(&p, b);
	print_stmt(&p, s, ind);
	printer_free(&p);
}

void tir_func_print(sb_strbuf *b, const tir_func *f)
{
	printer p;
	printer_init(&p, b);
	print_func(&p, f);
	printer_free(&p);
}

char *tir_expr_to_string(const tir_expr *e)
{
	sb_strbuf b = {0};
	tir_expr_print(&b, e);
	return sb_strbuf_take(&b);
}

char *tir_stmt_to_string(const tir_stmt *s)
{
	sb_strbuf b = {0};
	tir_stmt_print(&b, s, 0);
	return sb_strbuf_take(&b);
}

char *tir_func_to_string(const tir_func *f)
{
	sb_strbuf b = {0};
	tir_func_print(&b, f);
	return sb_strbuf_take(&b);
}
