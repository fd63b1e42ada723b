/* The schedule object: the current function, handles for loops and blocks
 * that outlive the statements they were taken from, the trace, and the
 * lookups (get_block, get_loops). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "tir/schedule/schedule.h"

tir_schedule *tir_schedule_new(tir_ctx *ctx, tir_func *f)
{
	tir_schedule *sch = sb_xcalloc(1, sizeof *sch);
	sch->ctx = ctx;
	sch->func = f;
	sb_map_init(&sch->loops);
	sb_map_init(&sch->blocks);
	sb_map_init(&sch->guards);
	return sch;
}

void tir_schedule_free(tir_schedule *sch)
{
	if (!sch)
		return;
	sb_map_free(&sch->loops);
	sb_map_free(&sch->blocks);
	sb_map_free(&sch->guards);
	sb_strbuf_free(&sch->trace);
	free(sch);
}

tir_func *tir_schedule_func(const tir_schedule *sch)
{
	return sch->func;
}

const char *tir_schedule_trace(const tir_schedule *sch)
{
	return sch->trace.data ? sch->trace.data : "";
}

const char *tir_sch_loop_name(const tir_sch_loop *l)
{
	return l->name;
}
tir_expr *tir_sch_loop_var(const tir_sch_loop *l)
{
	return l->var;
}
const char *tir_sch_block_name(const tir_sch_block *b)
{
	return b->block;
}

tir_sch_loop *sch_loop_handle(tir_schedule *sch, tir_expr *var)
{
	tir_sch_loop *l = sb_map_lookup(&sch->loops, (uintptr_t)var);
	if (l && !l->gone)
		return l;
	l = SB_ARENA_NEW(&sch->ctx->arena, tir_sch_loop);
	snprintf(l->name, sizeof l->name, "l%d", sch->next_handle++);
	l->var = var;
	sb_map_put(&sch->loops, (uintptr_t)var, l);
	return l;
}

tir_sch_block *sch_block_handle(tir_schedule *sch, const char *name)
{
	name = tir_intern(sch->ctx, name);
	tir_sch_block *b = sb_map_lookup(&sch->blocks, (uintptr_t)name);
	if (b && !b->gone)
		return b;
	b = SB_ARENA_NEW(&sch->ctx->arena, tir_sch_block);
	snprintf(b->name, sizeof b->name, "b%d", sch->next_handle++);
	b->block = name;
	sb_map_put(&sch->blocks, (uintptr_t)name, b);
	return b;
}

void sch_trace(tir_schedule *sch, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	sb_strbuf_puts(&sch->trace, line);
	sb_strbuf_putc(&sch->trace, '\n');
}

sb_status sch_check_open(tir_schedule *sch, const char *prim)
{
	if (sch->compacted)
		return sb_set_error(SB_ERR_INVALID,
				    "%s: buffers were compacted; compact_buffers is a schedule's last "
				    "step",
				    prim);
	return SB_OK;
}

sb_status sch_loop_path(tir_schedule *sch, const char *prim, tir_sch_loop *l, sch_path *p)
{
	sb_status st = sch_check_open(sch, prim);
	if (st)
		return st;
	if (!l)
		return sb_set_error(SB_ERR_INVALID, "%s: no loop given", prim);
	if (l->gone)
		return sb_set_error(SB_ERR_INVALID, "%s: loop %s (%s) was removed by %s", prim,
				    l->name, sch_var_name(l->var), l->gone);
	if (!sch_find_loop(sch->func->body, l->var, p))
		return sb_set_error(SB_ERR_INVALID, "%s: loop %s (%s) is not in @%s", prim,
				    l->name, sch_var_name(l->var), sch->func->name);
	return SB_OK;
}

sb_status sch_block_path(tir_schedule *sch, const char *prim, tir_sch_block *b, sch_path *p)
{
	sb_status st = sch_check_open(sch, prim);
	if (st)
		return st;
	if (!b)
		return sb_set_error(SB_ERR_INVALID, "%s: no block given", prim);
	if (b->gone)
		return sb_set_error(SB_ERR_INVALID, "%s: block %s was removed by %s", prim,
				    b->block, b->gone);
	if (!sch_find_block(sch->func->body, b->block, p))
		return sb_set_error(SB_ERR_INVALID, "%s: block %s is not in @%s", prim, b->block,
				    sch->func->name);
	return SB_OK;
}

typedef struct present {
	sb_map loops, blocks;
} present;

static bool present_pre(tir_stmt *s, void *env)
{
	present *pr = env;
	if (s->kind == TIR_STMT_FOR)
		sb_map_put(&pr->loops, (uintptr_t)s->u.loop.var, NULL);
	else if (s->kind == TIR_STMT_BLOCK_REALIZE)
		sb_map_put(&pr->blocks, (uintptr_t)s->u.realize.block->name, NULL);
	return true;
}

static tir_func *func_with_body(tir_ctx *ctx, const tir_func *f, tir_stmt *body)
{
	tir_func *nf = tir_func_new(ctx, f->name, f->nparams, f->params, body);
	for (int i = 0; i < f->nattrs; i++) {
		if (f->attrs[i].str)
			tir_func_set_attr_str(ctx, nf, f->attrs[i].key, f->attrs[i].str);
		else
			tir_func_set_attr_int(ctx, nf, f->attrs[i].key, f->attrs[i].value);
	}
	return nf;
}

void sch_commit(tir_schedule *sch, tir_stmt *body, const char *prim)
{
	tir_func *old = sch->func;
	sch->func = func_with_body(sch->ctx, old, body);
#ifndef NDEBUG
	/* A primitive must keep a well-formed function well-formed. */
	if (tir_func_verify(old) == SB_OK && tir_func_verify(sch->func) != SB_OK) {
		char *text = tir_func_to_string(sch->func);
		sb_die(__FILE__, __LINE__, __func__, "%s broke the function: %s\n%s", prim,
		       sb_last_error(), text);
	}
	sb_clear_error();
#endif
	present pr;
	sb_map_init(&pr.loops);
	sb_map_init(&pr.blocks);
	tir_stmt_walk(body, present_pre, NULL, &pr);
	uintptr_t k;
	void *v;
	for (size_t it = 0; sb_map_next(&sch->loops, &it, &k, &v);) {
		tir_sch_loop *l = v;
		if (!l->gone && !sb_map_get(&pr.loops, k, NULL))
			l->gone = prim;
	}
	for (size_t it = 0; sb_map_next(&sch->blocks, &it, &k, &v);) {
		tir_sch_block *b = v;
		if (!b->gone && !sb_map_get(&pr.blocks, k, NULL))
			b->gone = prim;
	}
	sb_map_free(&pr.loops);
	sb_map_free(&pr.blocks);
}

/* ---- Lookups ---- */

typedef struct name_count {
	const char *name;
	int n;
} name_count;

static bool count_pre(tir_stmt *s, void *env)
{
	name_count *nc = env;
	if (s->kind == TIR_STMT_BLOCK_REALIZE && s->u.realize.block->name == nc->name)
		nc->n++;
	return true;
}

sb_status tir_schedule_get_block(tir_schedule *sch, const char *name, tir_sch_block **out)
{
	sb_status st = sch_check_open(sch, "get_block");
	if (st)
		return st;
	name_count nc = {tir_intern(sch->ctx, name), 0};
	tir_stmt_walk(sch->func->body, count_pre, NULL, &nc);
	if (nc.n == 0)
		return sb_set_error(SB_ERR_INVALID, "get_block: no block named %s in @%s", name,
				    sch->func->name);
	if (nc.n > 1)
		return sb_set_error(SB_ERR_INVALID, "get_block: %d blocks are named %s in @%s",
				    nc.n, name, sch->func->name);
	*out = sch_block_handle(sch, nc.name);
	sch_trace(sch, "%s = get_block(\"%s\")", (*out)->name, name);
	return SB_OK;
}

sb_status tir_schedule_get_loops(tir_schedule *sch, tir_sch_block *b, int *nloops,
				 tir_sch_loop ***loops)
{
	sch_path p;
	sb_status st = sch_block_path(sch, "get_loops", b, &p);
	if (st)
		return st;
	int n = 0;
	for (int d = 0; d < p.n - 1; d++)
		n += p.node[d]->kind == TIR_STMT_FOR;
	tir_sch_loop **ls = SB_ARENA_ARRAY(&sch->ctx->arena, tir_sch_loop *, n ? n : 1);
	int k = 0;
	sb_strbuf line = {0};
	for (int d = 0; d < p.n - 1; d++) {
		if (p.node[d]->kind != TIR_STMT_FOR)
			continue;
		ls[k] = sch_loop_handle(sch, p.node[d]->u.loop.var);
		sb_strbuf_printf(&line, "%s%s", k ? ", " : "", ls[k]->name);
		k++;
	}
	*nloops = n;
	*loops = ls;
	sch_trace(sch, "%s = get_loops(%s)", n ? line.data : "()", b->name);
	sb_strbuf_free(&line);
	return SB_OK;
}

sb_status tir_schedule_get_blocks(tir_schedule *sch, int *nblocks, tir_sch_block ***blocks)
{
	sb_status st = sch_check_open(sch, "get_blocks");
	if (st)
		return st;
	tir_stmt **rs;
	int n = sch_collect_realizes(sch->func->body, &rs);
	tir_sch_block **bs = SB_ARENA_ARRAY(&sch->ctx->arena, tir_sch_block *, n ? n : 1);
	sb_strbuf line = {0};
	for (int i = 0; i < n; i++) {
		bs[i] = sch_block_handle(sch, rs[i]->u.realize.block->name);
		sb_strbuf_printf(&line, "%s%s", i ? ", " : "", bs[i]->name);
	}
	free(rs);
	sch_trace(sch, "%s = get_blocks()", n ? line.data : "()");
	sb_strbuf_free(&line);
	*nblocks = n;
	*blocks = bs;
	return SB_OK;
}
