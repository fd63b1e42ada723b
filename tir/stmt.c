/* tir statements, buffers, blocks and PrimFuncs: plain arena nodes (not
 * hash-consed: statements are not values), plus the statement walker. */
#include "tir.h"

#define NEW(ctx, T) SB_ARENA_NEW(&(ctx)->arena, T)

static tir_expr **exprs_copy(tir_ctx *ctx, int n, tir_expr *const *src)
{
	if (n <= 0)
		return NULL;
	tir_expr **d = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, n);
	for (int i = 0; i < n; i++) {
		SB_ASSERT(src[i] != NULL);
		d[i] = src[i];
	}
	return d;
}

const char *tir_for_kind_name(tir_for_kind k)
{
	switch (k) {
	case TIR_FOR_SERIAL:
		return "serial";
	case TIR_FOR_PARALLEL:
		return "parallel";
	case TIR_FOR_VECTORIZED:
		return "vectorized";
	case TIR_FOR_UNROLLED:
		return "unrolled";
	}
	return "?";
}

/* ---- Buffers ---- */

tir_buffer *tir_buffer_new(tir_ctx *ctx, const char *name, sb_dtype dt, int ndim,
			   tir_expr *const *shape)
{
	SB_ASSERT(ndim >= 0);
	tir_buffer *b = NEW(ctx, tir_buffer);
	b->name = tir_intern(ctx, name);
	b->id = ctx->next_buffer_id++;
	b->data = tir_var(ctx, name, tir_type_handle(dt));
	b->dtype = dt;
	b->ndim = ndim;
	b->shape = exprs_copy(ctx, ndim, shape);
	b->elem_offset = tir_int(ctx, 0);
	b->scope = tir_intern(ctx, "global");
	return b;
}

void tir_buffer_set_strides(tir_ctx *ctx, tir_buffer *b, tir_expr *const *strides)
{
	b->strides = strides ? exprs_copy(ctx, b->ndim, strides) : NULL;
}

/* ---- Statements ---- */

static tir_stmt *stmt_new(tir_ctx *ctx, tir_stmt_kind kind)
{
	tir_stmt *s = NEW(ctx, tir_stmt);
	s->kind = kind;
	return s;
}

tir_stmt *tir_for(tir_ctx *ctx, tir_expr *var, tir_expr *min, tir_expr *extent, tir_for_kind kind,
		  tir_stmt *body)
{
	SB_ASSERT(var && var->kind == TIR_VAR && min && extent && body);
	tir_stmt *s = stmt_new(ctx, TIR_STMT_FOR);
	s->u.loop.var = var;
	s->u.loop.min = min;
	s->u.loop.extent = extent;
	s->u.loop.kind = kind;
	s->u.loop.body = body;
	return s;
}

tir_stmt *tir_store(tir_ctx *ctx, tir_buffer *buf, tir_expr *value, int nindices,
		    tir_expr *const *indices)
{
	SB_ASSERT(buf && value && nindices >= 0);
	tir_stmt *s = stmt_new(ctx, TIR_STMT_BUFFER_STORE);
	s->u.store.buffer = buf;
	s->u.store.value = value;
	s->u.store.indices = exprs_copy(ctx, nindices, indices);
	s->u.store.nindices = nindices;
	return s;
}

tir_stmt *tir_allocate(tir_ctx *ctx, tir_buffer *buf, tir_stmt *body)
{
	SB_ASSERT(buf && body);
	tir_stmt *s = stmt_new(ctx, TIR_STMT_ALLOCATE);
	s->u.alloc.buffer = buf;
	s->u.alloc.body = body;
	return s;
}

tir_stmt *tir_if(tir_ctx *ctx, tir_expr *cond, tir_stmt *then_case, tir_stmt *else_case)
{
	SB_ASSERT(cond && then_case);
	tir_stmt *s = stmt_new(ctx, TIR_STMT_IF);
	s->u.if_.cond = cond;
	s->u.if_.then_case = then_case;
	s->u.if_.else_case = else_case;
	return s;
}

tir_stmt *tir_let(tir_ctx *ctx, tir_expr *var, tir_expr *value, tir_stmt *body)
{
	SB_ASSERT(var && var->kind == TIR_VAR && value && body);
	tir_stmt *s = stmt_new(ctx, TIR_STMT_LET);
	s->u.let.var = var;
	s->u.let.value = value;
	s->u.let.body = body;
	return s;
}

tir_stmt *tir_assert(tir_ctx *ctx, tir_expr *cond, const char *message)
{
	SB_ASSERT(cond);
	tir_stmt *s = stmt_new(ctx, TIR_STMT_ASSERT);
	s->u.assert_.cond = cond;
	s->u.assert_.message = sb_arena_strdup(&ctx->arena, message ? message : "");
	return s;
}

static int seq_count(int n, tir_stmt *const *stmts)
{
	int c = 0;
	for (int i = 0; i < n; i++) {
		if (!stmts[i])
			continue;
		c += stmts[i]->kind == TIR_STMT_SEQ ? stmts[i]->u.seq.n : 1;
	}
	return c;
}

tir_stmt *tir_seq(tir_ctx *ctx, int n, tir_stmt *const *stmts)
{
	int total = seq_count(n, stmts);
	tir_stmt *s = stmt_new(ctx, TIR_STMT_SEQ);
	s->u.seq.stmts = SB_ARENA_ARRAY(&ctx->arena, tir_stmt *, total ? total : 1);
	for (int i = 0; i < n; i++) {
		tir_stmt *c = stmts[i];
		if (!c)
			continue;
		if (c->kind == TIR_STMT_SEQ) {
			for (int j = 0; j < c->u.seq.n; j++)
				s->u.seq.stmts[s->u.seq.n++] = c->u.seq.stmts[j];
		} else {
			s->u.seq.stmts[s->u.seq.n++] = c;
		}
	}
	return s;
}

tir_stmt *tir_evaluate(tir_ctx *ctx, tir_expr *value)
{
	SB_ASSERT(value);
	tir_stmt *s = stmt_new(ctx, TIR_STMT_EVALUATE);
	s->u.eval.value = value;
	return s;
}

/* ---- Blocks ---- */

tir_block *tir_block_new(tir_ctx *ctx, const char *name, int niters, const tir_iter_var *iters,
			 tir_stmt *body)
{
	SB_ASSERT(niters >= 0 && body);
	tir_block *b = NEW(ctx, tir_block);
	b->name = tir_intern(ctx, name);
	b->niters = niters;
	if (niters) {
		b->iters = SB_ARENA_ARRAY(&ctx->arena, tir_iter_var, niters);
		for (int i = 0; i < niters; i++) {
			SB_ASSERT(iters[i].var && iters[i].var->kind == TIR_VAR);
			SB_ASSERT(iters[i].dom.min && iters[i].dom.extent);
			b->iters[i] = iters[i];
		}
	}
	b->body = body;
	return b;
}

static void regions_append(tir_ctx *ctx, tir_region **arr, int *n, tir_buffer *buf,
			   const tir_range *ranges)
{
	tir_region *na = SB_ARENA_ARRAY(&ctx->arena, tir_region, *n + 1);
	if (*n)
		memcpy(na, *arr, sizeof(tir_region) * (size_t)*n);
	na[*n].buffer = buf;
	na[*n].ranges = SB_ARENA_ARRAY(&ctx->arena, tir_range, buf->ndim ? buf->ndim : 1);
	for (int i = 0; i < buf->ndim; i++) {
		SB_ASSERT(ranges[i].min && ranges[i].extent);
		na[*n].ranges[i] = ranges[i];
	}
	*arr = na;
	(*n)++;
}

void tir_block_add_read(tir_ctx *ctx, tir_block *b, tir_buffer *buf, const tir_range *ranges)
{
	regions_append(ctx, &b->reads, &b->nreads, buf, ranges);
}

void tir_block_add_write(tir_ctx *ctx, tir_block *b, tir_buffer *buf, const tir_range *ranges)
{
	regions_append(ctx, &b->writes, &b->nwrites, buf, ranges);
}

void tir_block_add_alloc(tir_ctx *ctx, tir_block *b, tir_buffer *buf)
{
	tir_buffer **na = SB_ARENA_ARRAY(&ctx->arena, tir_buffer *, b->nallocs + 1);
	if (b->nallocs)
		memcpy(na, b->allocs, sizeof(tir_buffer *) * (size_t)b->nallocs);
	na[b->nallocs++] = buf;
	b->allocs = na;
}

tir_stmt *tir_block_realize(tir_ctx *ctx, tir_block *b, tir_expr *const *values,
			    tir_expr *predicate)
{
	SB_ASSERT(b);
	tir_stmt *s = stmt_new(ctx, TIR_STMT_BLOCK_REALIZE);
	s->u.realize.block = b;
	s->u.realize.values = exprs_copy(ctx, b->niters, values);
	s->u.realize.predicate = predicate ? predicate : tir_bool(ctx, true);
	return s;
}

/* ---- Walker ---- */

void tir_stmt_walk(tir_stmt *s, tir_stmt_pre_fn pre, tir_stmt_post_fn post, void *env)
{
	if (!s)
		return;
	if (pre && !pre(s, env))
		return;
	switch (s->kind) {
	case TIR_STMT_FOR:
		tir_stmt_walk(s->u.loop.body, pre, post, env);
		break;
	case TIR_STMT_BLOCK_REALIZE:
		tir_stmt_walk(s->u.realize.block->init, pre, post, env);
		tir_stmt_walk(s->u.realize.block->body, pre, post, env);
		break;
	case TIR_STMT_ALLOCATE:
		tir_stmt_walk(s->u.alloc.body, pre, post, env);
		break;
	case TIR_STMT_IF:
		tir_stmt_walk(s->u.if_.then_case, pre, post, env);
		tir_stmt_walk(s->u.if_.else_case, pre, post, env);
		break;
	case TIR_STMT_LET:
		tir_stmt_walk(s->u.let.body, pre, post, env);
		break;
	case TIR_STMT_SEQ:
		for (int i = 0; i < s->u.seq.n; i++)
			tir_stmt_walk(s->u.seq.stmts[i], pre, post, env);
		break;
	case TIR_STMT_BUFFER_STORE:
	case TIR_STMT_ASSERT:
	case TIR_STMT_EVALUATE:
		break;
	}
	if (post)
		post(s, env);
}

/* ---- PrimFunc ---- */

tir_func *tir_func_new(tir_ctx *ctx, const char *name, int nparams, const tir_param *params,
		       tir_stmt *body)
{
	SB_ASSERT(nparams >= 0 && body);
	tir_func *f = NEW(ctx, tir_func);
	f->name = tir_intern(ctx, name);
	f->nparams = nparams;
	if (nparams) {
		f->params = SB_ARENA_ARRAY(&ctx->arena, tir_param, nparams);
		for (int i = 0; i < nparams; i++) {
			SB_ASSERT(params[i].var && params[i].var->kind == TIR_VAR);
			f->params[i] = params[i];
		}
	}
	f->body = body;
	tir_func_set_attr_str(ctx, f, "global_symbol", name);
	return f;
}

static tir_attr *attr_slot(tir_ctx *ctx, tir_func *f, const char *key)
{
	for (int i = 0; i < f->nattrs; i++) {
		if (!strcmp(f->attrs[i].key, key))
			return &f->attrs[i];
	}
	tir_attr *na = SB_ARENA_ARRAY(&ctx->arena, tir_attr, f->nattrs + 1);
	if (f->nattrs)
		memcpy(na, f->attrs, sizeof(tir_attr) * (size_t)f->nattrs);
	f->attrs = na;
	na[f->nattrs].key = tir_intern(ctx, key);
	return &na[f->nattrs++];
}

void tir_func_set_attr_str(tir_ctx *ctx, tir_func *f, const char *key, const char *value)
{
	tir_attr *a = attr_slot(ctx, f, key);
	a->str = tir_intern(ctx, value);
	a->value = 0;
}

void tir_func_set_attr_int(tir_ctx *ctx, tir_func *f, const char *key, int64_t value)
{
	tir_attr *a = attr_slot(ctx, f, key);
	a->str = NULL;
	a->value = value;
}

const tir_attr *tir_func_get_attr(const tir_func *f, const char *key)
{
	for (int i = 0; i < f->nattrs; i++) {
		if (!strcmp(f->attrs[i].key, key))
			return &f->attrs[i];
	}
	return NULL;
}
