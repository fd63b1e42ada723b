/* The relay_like text form (docs/relay_like.md):
 *
 *   fn main(%input: float32[batch,3,224,224]) -> (logits: float32[batch,1000]) {
 *     %0 = Conv(%input, const0, const1, pads=[1,1,1,1]) : float32[batch,64,224,224]  # conv1
 *     %1 = Relu(%0) : float32[batch,64,224,224]
 *     return %1
 *   }
 *   const0 = float32[64,3,3,3]
 */
#include <inttypes.h>
#include <stdlib.h>

#include "relay.h"

typedef struct printer {
	sb_strbuf *b;
	int *local;   /* id -> %N, -1 if not yet numbered */
	int *cnum;    /* id -> constN */
	int nlocal, nconst;
} printer;

static void print_operand(printer *p, const relay_expr *e)
{
	if (!e) {
		sb_strbuf_puts(p->b, "_");
		return;
	}
	switch (e->kind) {
	case RELAY_VAR: sb_strbuf_printf(p->b, "%%%s", e->name ? e->name : "?"); break;
	case RELAY_CONSTANT: {
		const sb_tensor *t = e->u.constant.value;
		if (sb_tensor_numel(t) == 1 && t->dl.ndim <= 1) {
			sb_strbuf_printf(p->b, "%.9g%s", sb_tensor_get_f64(t, 0),
					 t->dtype == SB_F32 ? "f" : t->dtype == SB_I64 ? "i64" : "");
			if (t->dtype != SB_F32 && t->dtype != SB_I64)
				sb_strbuf_printf(p->b, ":%s", sb_dtype_name(t->dtype));
			if (t->dl.ndim == 1)
				sb_strbuf_puts(p->b, "[1]");
		} else {
			sb_strbuf_printf(p->b, "const%d", p->cnum[e->id]);
		}
		break;
	}
	default: sb_strbuf_printf(p->b, "%%%d", p->local[e->id]); break;
	}
}

char *relay_print_module(relay_module *m)
{
	sb_strbuf b = {0};
	relay_function *f = m->main;
	if (!f) {
		sb_strbuf_puts(&b, "(empty module)\n");
		return sb_strbuf_take(&b);
	}
	relay_expr_vec order = {0};
	relay_post_order(m, f, &order);
	printer p = {&b, sb_xcalloc(m->next_id + 1, sizeof(int)), sb_xcalloc(m->next_id + 1, sizeof(int)), 0, 0};

	sb_strbuf_printf(&b, "fn %s(", f->name ? f->name : "main");
	for (int i = 0; i < f->nparams; i++) {
		sb_strbuf_printf(&b, "%s%%%s: ", i ? ", " : "", f->params[i]->name);
		relay_type_print(&b, f->params[i]->u.var.annotation);
	}
	sb_strbuf_puts(&b, ") -> (");
	for (int i = 0; i < f->nresults; i++) {
		sb_strbuf_printf(&b, "%s%s: ", i ? ", " : "", f->result_names[i] ? f->result_names[i] : "?");
		relay_type_print(&b, f->results[i]->type);
	}
	sb_strbuf_puts(&b, ") {\n");
	for (size_t i = 0; i < order.len; i++) {
		relay_expr *e = order.data[i];
		if (e->kind == RELAY_CONSTANT)
			p.cnum[e->id] = p.nconst++;
		if (e->kind == RELAY_VAR || e->kind == RELAY_CONSTANT)
			continue;
		p.local[e->id] = p.nlocal++;
		sb_strbuf_printf(&b, "  %%%d = ", p.local[e->id]);
		switch (e->kind) {
		case RELAY_CALL: {
			sb_strbuf_printf(&b, "%s(", relay_op_get(e->u.call.op)->name);
			for (int k = 0; k < e->u.call.nargs; k++) {
				if (k)
					sb_strbuf_puts(&b, ", ");
				print_operand(&p, e->u.call.args[k]);
			}
			sb_strbuf t = {0};
			relay_attrs_print(&t, relay_op_get(e->u.call.op)->attrs, e->u.call.attrs);
			if (t.len)
				sb_strbuf_printf(&b, "%s%s", e->u.call.nargs ? ", " : "", t.data);
			sb_strbuf_free(&t);
			sb_strbuf_putc(&b, ')');
			break;
		}
		case RELAY_TUPLE:
			sb_strbuf_putc(&b, '(');
			for (int k = 0; k < e->u.tuple.nfields; k++) {
				if (k)
					sb_strbuf_puts(&b, ", ");
				print_operand(&p, e->u.tuple.fields[k]);
			}
			sb_strbuf_putc(&b, ')');
			break;
		case RELAY_TUPLE_GET:
			print_operand(&p, e->u.get.tuple);
			sb_strbuf_printf(&b, ".%d", e->u.get.index);
			break;
		default: break;
		}
		if (e->type) {
			sb_strbuf_puts(&b, " : ");
			relay_type_print(&b, e->type);
		}
		if (e->name && e->kind == RELAY_CALL)
			sb_strbuf_printf(&b, "  # %s", e->name);
		sb_strbuf_putc(&b, '\n');
	}
	sb_strbuf_puts(&b, "  return ");
	for (int i = 0; i < f->nresults; i++) {
		if (i)
			sb_strbuf_puts(&b, ", ");
		print_operand(&p, f->results[i]);
	}
	sb_strbuf_puts(&b, "\n}\n");
	for (size_t i = 0; i < order.len; i++) {
		relay_expr *e = order.data[i];
		const sb_tensor *t = e->kind == RELAY_CONSTANT ? e->u.constant.value : NULL;
		if (!t || (sb_tensor_numel(t) == 1 && t->dl.ndim <= 1))
			continue;
		char desc[160];
		sb_tensor_describe(t, desc, sizeof desc);
		sb_strbuf_printf(&b, "const%d = %s", p.cnum[e->id], desc);
		if (sb_tensor_numel(t) <= 8) {
			sb_strbuf_puts(&b, " {");
			for (int64_t k = 0; k < sb_tensor_numel(t); k++)
				sb_strbuf_printf(&b, "%s%.9g", k ? ", " : "", sb_tensor_get_f64(t, k));
			sb_strbuf_putc(&b, '}');
		}
		sb_strbuf_putc(&b, '\n');
	}
	free(p.local);
	free(p.cnum);
	sb_vec_free(&order);
	return sb_strbuf_take(&b);
}
