/* Well-formedness of tir: operand dtypes per expression node, and for a
 * PrimFunc the scoping rules (vars defined before use and at most once,
 * buffers declared before they are touched, index counts equal to ranks).
 * Errors are sb_status with a message naming the function, the rule and
 * the node, never an abort: a pass that breaks a rule is reported, the
 * program keeps running. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "tir.h"

/* ---- Per-node dtype rules ---- */

static bool is_index_like(tir_type t)
{
	return tir_type_is_int(t);
}
static bool is_numeric(tir_type t)
{
	return !t.handle && t.dtype != SB_BOOL && t.dtype != SB_DT_INVALID;
}

/* NULL if e's operands have the dtypes its kind needs, else what is wrong
 * (a static string). */
static const char *node_type_problem(const tir_expr *e)
{
	const tir_expr_info *info = &tir_expr_table[e->kind];
	tir_expr *const *o = e->ops;
	if (info->arity >= 0 && (int)e->nops != info->arity)
		return "wrong number of operands";
	switch (e->kind) {
	case TIR_INT_IMM:
		return tir_type_is_int(e->type) || tir_type_is_bool(e->type)
			   ? NULL
			   : "IntImm of a non-integer dtype";
	case TIR_FLOAT_IMM:
		return tir_type_is_float(e->type) ? NULL : "FloatImm of a non-float dtype";
	case TIR_VAR:
		return e->type.dtype == SB_DT_INVALID ? "variable without a dtype" : NULL;
	case TIR_SELECT:
		if (!tir_type_is_bool(o[0]->type))
			return "select condition is not bool";
		if (o[0]->type.lanes != 1 && o[0]->type.lanes != o[1]->type.lanes)
			return "select condition lanes differ from the values'";
		return tir_type_equal(o[1]->type, o[2]->type)
			   ? NULL
			   : "select branches have different dtypes";
	case TIR_CAST:
		if (o[0]->type.handle || e->type.handle)
			return "cast of a handle";
		return o[0]->type.lanes == e->type.lanes ? NULL
							 : "cast changes the number of lanes";
	case TIR_CALL: {
		const tir_intrin_info *in = &tir_intrin_table[e->u.intrin];
		if ((int)e->nops != in->nargs)
			return "intrinsic called with the wrong number of arguments";
		for (uint32_t i = 0; i < e->nops; i++) {
			if (!tir_type_equal(o[i]->type, o[0]->type))
				return "intrinsic arguments have different dtypes";
			if (in->kind == TIR_INTRIN_KIND_NUMERIC ? !is_numeric(o[i]->type)
								: !tir_type_is_float(o[i]->type))
				return in->kind == TIR_INTRIN_KIND_NUMERIC
					   ? "intrinsic needs numeric arguments"
					   : "intrinsic needs float arguments";
		}
		return NULL;
	}
	case TIR_BUFFER_LOAD:
		for (uint32_t i = 0; i < e->nops; i++) {
			if (!is_index_like(o[i]->type))
				return "buffer index is not an integer";
		}
		return NULL;
	case TIR_RAMP:
		if (!is_index_like(o[0]->type) || o[0]->type.lanes != 1)
			return "ramp base is not a scalar integer";
		return tir_type_equal(o[0]->type, o[1]->type)
			   ? NULL
			   : "ramp stride and base differ in dtype";
	case TIR_BROADCAST:
		return o[0]->type.lanes == 1 ? NULL : "broadcast of a vector";
	default:
		break;
	}
	if (info->flags & TIR_EF_LOGIC) {
		for (uint32_t i = 0; i < e->nops; i++) {
			if (!tir_type_is_bool(o[i]->type))
				return "logical operand is not bool";
			if (o[i]->type.lanes != o[0]->type.lanes)
				return "logical operands differ in lanes";
		}
		return NULL;
	}
	if (info->flags & (TIR_EF_ARITH | TIR_EF_COMPARE)) {
		if (!tir_type_equal(o[0]->type, o[1]->type))
			return "operands have different dtypes";
		if (!is_numeric(o[0]->type) && !(info->flags & TIR_EF_COMPARE))
			return "arithmetic on a non-numeric dtype";
		if (o[0]->type.handle)
			return "comparison of handles";
		return NULL;
	}
	return NULL;
}

static sb_status type_error(const tir_expr *e, const char *problem)
{
	char *s = tir_expr_to_string(e);
	sb_strbuf b = {0};
	for (uint32_t i = 0; i < e->nops && i < 3; i++) {
		sb_strbuf_puts(&b, i ? ", " : " (operands: ");
		tir_type_print(&b, e->ops[i]->type);
	}
	if (b.len)
		sb_strbuf_putc(&b, ')');
	char *ops = sb_strbuf_take(&b);
	sb_status st = sb_set_error(SB_ERR_INVALID, "%s in '%s'%s", problem, s, ops);
	free(s);
	free(ops);
	return st;
}

static sb_status check_types_rec(const tir_expr *e, sb_map *seen)
{
	if (sb_map_get(seen, (uintptr_t)e, NULL))
		return SB_OK;
	sb_map_put(seen, (uintptr_t)e, NULL);
	for (uint32_t i = 0; i < e->nops; i++) {
		sb_status st = check_types_rec(e->ops[i], seen);
		if (st)
			return st;
	}
	const char *problem = node_type_problem(e);
	return problem ? type_error(e, problem) : SB_OK;
}

sb_status tir_expr_check_types(const tir_expr *e)
{
	sb_map seen;
	sb_map_init(&seen);
	sb_status st = check_types_rec(e, &seen);
	sb_map_free(&seen);
	return st;
}

/* ---- PrimFunc ---- */

typedef struct verifier {
	const tir_func *f;
	sb_map in_scope;     /* Var -> (void*)1 while its definition is open */
	sb_map ever_defined; /* Var -> the first definition's description */
	sb_map buffers;	     /* tir_buffer -> (void*)1 while declared */
	sb_status status;
	char shown[4][256];
	int nshown;
} verifier;

static sb_status fail(verifier *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static sb_status fail(verifier *v, const char *fmt, ...)
{
	if (v->status)
		return v->status;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	v->status = sb_set_error(SB_ERR_INVALID, "tir verify @%s: %s", v->f->name, msg);
	return v->status;
}

/* Prints e for a message into one of a few slots of the verifier, so one
 * message can show several expressions. */
static const char *show(verifier *v, const tir_expr *e)
{
	char *s = tir_expr_to_string(e), *out = v->shown[v->nshown++ & 3];
	snprintf(out, sizeof v->shown[0], "%s", s);
	free(s);
	return out;
}

static sb_status check_expr(verifier *v, const tir_expr *e, sb_map *seen)
{
	if (v->status || sb_map_get(seen, (uintptr_t)e, NULL))
		return v->status;
	sb_map_put(seen, (uintptr_t)e, NULL);
	if (e->kind == TIR_VAR) {
		if (!sb_map_get(&v->in_scope, (uintptr_t)e, NULL))
			return fail(v, "variable '%s' is used outside the scope of its definition",
				    e->u.var.name);
		return SB_OK;
	}
	if (e->kind == TIR_BUFFER_LOAD) {
		const tir_buffer *b = e->u.buffer;
		if (!sb_map_get(&v->buffers, (uintptr_t)b, NULL))
			return fail(v, "buffer '%s' is loaded from outside its declaration: %s",
				    b->name, show(v, e));
		if ((int)e->nops != b->ndim)
			return fail(v, "load %s has %u indices but buffer '%s' has rank %d",
				    show(v, e), (unsigned)e->nops, b->name, b->ndim);
	}
	for (uint32_t i = 0; i < e->nops; i++) {
		if (check_expr(v, e->ops[i], seen))
			return v->status;
	}
	const char *problem = node_type_problem(e);
	if (problem) {
		type_error(e, problem);
		char msg[1024];
		snprintf(msg, sizeof msg, "%s", sb_last_error());
		return fail(v, "%s", msg);
	}
	return SB_OK;
}

static sb_status expr_ok(verifier *v, const tir_expr *e)
{
	sb_map seen;
	sb_map_init(&seen);
	check_expr(v, e, &seen);
	sb_map_free(&seen);
	return v->status;
}

/* s is stores of `lanes` lanes (a vector index), alone or in a sequence. */
static bool lane_stores_only(const tir_stmt *s, int lanes)
{
	if (s->kind == TIR_STMT_SEQ) {
		for (int i = 0; i < s->u.seq.n; i++) {
			if (!lane_stores_only(s->u.seq.stmts[i], lanes))
				return false;
		}
		return true;
	}
	if (s->kind != TIR_STMT_BUFFER_STORE)
		return false;
	int l = 1;
	for (int i = 0; i < s->u.store.nindices; i++)
		l = SB_MAX(l, (int)s->u.store.indices[i]->type.lanes);
	return l == lanes;
}

static sb_status expect_type(verifier *v, const tir_expr *e, tir_type want, const char *what)
{
	if (expr_ok(v, e))
		return v->status;
	if (!tir_type_equal(e->type, want)) {
		sb_strbuf b = {0};
		tir_type_print(&b, e->type);
		sb_strbuf_puts(&b, " instead of ");
		tir_type_print(&b, want);
		char *t = sb_strbuf_take(&b);
		fail(v, "%s '%s' is %s", what, show(v, e), t);
		free(t);
	}
	return v->status;
}

static sb_status define(verifier *v, const tir_expr *var, const char *where)
{
	if (v->status)
		return v->status;
	if (sb_map_get(&v->ever_defined, (uintptr_t)var, NULL))
		return fail(v, "variable '%s' is defined twice (again by %s)", var->u.var.name,
			    where);
	sb_map_put(&v->ever_defined, (uintptr_t)var, (void *)where);
	sb_map_put(&v->in_scope, (uintptr_t)var, (void *)1);
	return SB_OK;
}

static void undefine(verifier *v, const tir_expr *var)
{
	sb_map_remove(&v->in_scope, (uintptr_t)var);
}

/* The vars of a buffer's shape/strides/offset must be in scope (allocated
 * buffers) -- parameter buffers define theirs instead (declare_param). */
static sb_status check_buffer_exprs(verifier *v, const tir_buffer *b)
{
	for (int i = 0; i < b->ndim && !v->status; i++) {
		expr_ok(v, b->shape[i]);
		if (!v->status && !is_index_like(b->shape[i]->type))
			fail(v, "buffer '%s' dimension %d (%s) is not an integer", b->name, i,
			     show(v, b->shape[i]));
		if (b->strides)
			expr_ok(v, b->strides[i]);
	}
	if (!v->status)
		expr_ok(v, b->elem_offset);
	return v->status;
}

static sb_status declare_buffer(verifier *v, const tir_buffer *b)
{
	if (v->status)
		return v->status;
	if (sb_map_get(&v->buffers, (uintptr_t)b, NULL))
		return fail(v, "buffer '%s' is declared twice", b->name);
	sb_map_put(&v->buffers, (uintptr_t)b, (void *)1);
	return define(v, b->data, "a buffer declaration");
}

static void undeclare_buffer(verifier *v, const tir_buffer *b)
{
	sb_map_remove(&v->buffers, (uintptr_t)b);
	undefine(v, b->data);
}

static sb_status check_region(verifier *v, const tir_region *r, const char *what)
{
	if (!sb_map_get(&v->buffers, (uintptr_t)r->buffer, NULL))
		return fail(v, "block %s region of undeclared buffer '%s'", what, r->buffer->name);
	for (int i = 0; i < r->buffer->ndim && !v->status; i++) {
		expr_ok(v, r->ranges[i].min);
		expr_ok(v, r->ranges[i].extent);
	}
	return v->status;
}

static sb_status check_stmt(verifier *v, const tir_stmt *s);

static sb_status check_block(verifier *v, const tir_stmt *s)
{
	const tir_block *blk = s->u.realize.block;
	for (int i = 0; i < blk->niters && !v->status; i++) {
		const tir_iter_var *iv = &blk->iters[i];
		expect_type(v, iv->dom.min, iv->var->type, "block iter domain min");
		expect_type(v, iv->dom.extent, iv->var->type, "block iter domain extent");
		expect_type(v, s->u.realize.values[i], iv->var->type, "block iter binding");
		if (!v->status && !is_index_like(iv->var->type))
			fail(v, "block '%s' iter var '%s' is not an integer", blk->name,
			     iv->var->u.var.name);
	}
	if (!v->status)
		expect_type(v, s->u.realize.predicate, TIR_BOOL_TYPE, "block predicate");
	for (int i = 0; i < blk->niters; i++)
		define(v, blk->iters[i].var, "a block iter var");
	for (int i = 0; i < blk->nallocs; i++) {
		check_buffer_exprs(v, blk->allocs[i]);
		declare_buffer(v, blk->allocs[i]);
	}
	for (int i = 0; i < blk->nreads; i++)
		check_region(v, &blk->reads[i], "read");
	for (int i = 0; i < blk->nwrites; i++)
		check_region(v, &blk->writes[i], "write");
	if (blk->init)
		check_stmt(v, blk->init);
	check_stmt(v, blk->body);
	for (int i = 0; i < blk->nallocs; i++)
		undeclare_buffer(v, blk->allocs[i]);
	for (int i = 0; i < blk->niters; i++)
		undefine(v, blk->iters[i].var);
	return v->status;
}

static sb_status check_stmt(verifier *v, const tir_stmt *s)
{
	if (v->status)
		return v->status;
	switch (s->kind) {
	case TIR_STMT_FOR: {
		const tir_expr *var = s->u.loop.var;
		if (!is_index_like(var->type) || var->type.lanes != 1)
			return fail(v, "loop variable '%s' is not a scalar integer",
				    var->u.var.name);
		expect_type(v, s->u.loop.min, var->type, "loop min");
		expect_type(v, s->u.loop.extent, var->type, "loop extent");
		define(v, var, "a loop");
		check_stmt(v, s->u.loop.body);
		undefine(v, var);
		break;
	}
	case TIR_STMT_BLOCK_REALIZE:
		check_block(v, s);
		break;
	case TIR_STMT_BUFFER_STORE: {
		const tir_buffer *b = s->u.store.buffer;
		if (!sb_map_get(&v->buffers, (uintptr_t)b, NULL))
			return fail(v, "buffer '%s' is stored to outside its declaration", b->name);
		if (s->u.store.nindices != b->ndim)
			return fail(v, "store to '%s' has %d indices but the buffer has rank %d",
				    b->name, s->u.store.nindices, b->ndim);
		int lanes = 1;
		for (int i = 0; i < s->u.store.nindices && !v->status; i++) {
			const tir_expr *ix = s->u.store.indices[i];
			expr_ok(v, ix);
			if (!v->status && !is_index_like(ix->type))
				fail(v, "index %d of the store to '%s' (%s) is not an integer", i,
				     b->name, show(v, ix));
			lanes = SB_MAX(lanes, (int)ix->type.lanes);
		}
		if (!v->status)
			expect_type(v, s->u.store.value, tir_type_vector(b->dtype, lanes),
				    "value stored");
		break;
	}
	case TIR_STMT_ALLOCATE:
		check_buffer_exprs(v, s->u.alloc.buffer);
		declare_buffer(v, s->u.alloc.buffer);
		check_stmt(v, s->u.alloc.body);
		undeclare_buffer(v, s->u.alloc.buffer);
		break;
	case TIR_STMT_IF:
		if (s->u.if_.cond->type.lanes > 1) {
			/* Per-lane predication: stores of as many lanes, nothing
			 * else, no else branch. */
			int lanes = s->u.if_.cond->type.lanes;
			expect_type(v, s->u.if_.cond, tir_type_vector(SB_BOOL, lanes),
				    "if condition");
			if (!v->status && (s->u.if_.else_case ||
					   !lane_stores_only(s->u.if_.then_case, lanes)))
				return fail(v, "an if on a %d-lane condition may only hold stores "
					       "of %d lanes (and no else)",
					    lanes, lanes);
			check_stmt(v, s->u.if_.then_case);
			break;
		}
		expect_type(v, s->u.if_.cond, TIR_BOOL_TYPE, "if condition");
		check_stmt(v, s->u.if_.then_case);
		if (s->u.if_.else_case)
			check_stmt(v, s->u.if_.else_case);
		break;
	case TIR_STMT_LET:
		expect_type(v, s->u.let.value, s->u.let.var->type, "let value");
		define(v, s->u.let.var, "a let");
		check_stmt(v, s->u.let.body);
		undefine(v, s->u.let.var);
		break;
	case TIR_STMT_ASSERT:
		expect_type(v, s->u.assert_.cond, TIR_BOOL_TYPE, "assert condition");
		break;
	case TIR_STMT_SEQ:
		for (int i = 0; i < s->u.seq.n; i++)
			check_stmt(v, s->u.seq.stmts[i]);
		break;
	case TIR_STMT_EVALUATE:
		expr_ok(v, s->u.eval.value);
		break;
	}
	return v->status;
}

/* A parameter buffer's shape, strides and offset bind their variables
 * (from the DLTensor at the call), so each Var in them is defined here;
 * a var in two shapes is defined once (both must agree at run time). */
static void define_buffer_vars(verifier *v, const tir_expr *e)
{
	if (e->kind == TIR_VAR) {
		if (!sb_map_get(&v->in_scope, (uintptr_t)e, NULL))
			define(v, e, "a parameter buffer's shape");
		return;
	}
	for (uint32_t i = 0; i < e->nops; i++)
		define_buffer_vars(v, e->ops[i]);
}

sb_status tir_func_verify(const tir_func *f)
{
	verifier v = {.f = f};
	sb_map_init(&v.in_scope);
	sb_map_init(&v.ever_defined);
	sb_map_init(&v.buffers);
	for (int i = 0; i < f->nparams && !v.status; i++) {
		const tir_param *p = &f->params[i];
		if (!p->buffer) {
			if (p->var->type.handle)
				fail(&v, "parameter '%s' is a handle without a buffer",
				     p->var->u.var.name);
			define(&v, p->var, "a parameter");
			continue;
		}
		if (p->var != p->buffer->data)
			fail(&v, "parameter '%s' is not the data variable of its buffer '%s'",
			     p->var->u.var.name, p->buffer->name);
		for (int d = 0; d < p->buffer->ndim; d++) {
			define_buffer_vars(&v, p->buffer->shape[d]);
			if (p->buffer->strides)
				define_buffer_vars(&v, p->buffer->strides[d]);
		}
		define_buffer_vars(&v, p->buffer->elem_offset);
		declare_buffer(&v, p->buffer);
	}
	for (int i = 0; i < f->nparams && !v.status; i++) {
		if (f->params[i].buffer)
			check_buffer_exprs(&v, f->params[i].buffer);
	}
	if (!v.status)
		check_stmt(&v, f->body);
	sb_map_free(&v.in_scope);
	sb_map_free(&v.ever_defined);
	sb_map_free(&v.buffers);
	return v.status;
}
