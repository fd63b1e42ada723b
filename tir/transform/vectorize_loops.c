/* VectorizeLoops: loops marked vectorized become vector statements.
 *
 * Purpose: turn the schedule's "vectorize this loop" into explicit vector
 * expressions the code generator maps to SIMD registers.  The loop variable
 * j of `for (j, MIN, E) vectorized` becomes ramp(MIN, 1, L) and every
 * expression that depends on it is widened to L lanes: scalars combined
 * with a vector are broadcast, integer ramp arithmetic stays a ramp
 * (ramp(b, s, L) + x == ramp(b + x, s, L), ramp(b, s, L) * c ==
 * ramp(b * c, s * c, L)), so a contiguous access keeps a ramp index with
 * stride 1 that the code generator turns into one vector load or store.
 *
 * Lanes: E must be a constant.  L is the largest power of two that divides
 * E and is at most vector_bits / (widest element accessed in the body, in
 * bits); when L < E the loop becomes a serial loop over E / L vector steps.
 * The schedule layer splits a symbolic loop into a constant vector part and
 * a tail, so an extent that is not constant, or with no power-of-two
 * divisor above 1 (E = 13), just becomes a serial loop.
 *
 * An if whose condition does not depend on j stays an if around vector
 * statements (a reduction's init under r == 0).  An if on a per-lane
 * condition (a split tail's guard, i * 8 + j < n) over stores only, with no
 * else, becomes `if (inv) { if (mask) { vector stores } }`: the conjuncts
 * that do not depend on j stay scalar, the rest is a vector of bools that
 * predicates the stores -- and the loads in them -- lane by lane (masked
 * loads and stores in the code generator).  Left serial (correct, just not
 * vectorized): bodies with loops, allocations, asserts, blocks, a per-lane
 * if over anything but stores or inside another, stores whose index does not depend
 * on j (a reduction into one element), scatters (a vector index that is
 * not a ramp, so lanes may collide) into a buffer the body also reads (a
 * scatter with reduction), vectors of vectors.
 *
 * Requires: blocks lowered; best after FlattenBuffers (one index per access).
 * Guarantees: no loop is left marked vectorized.
 *
 *   for (j, 0, 8) vectorized {           C[ramp(i * 8, 1, 8)] =
 *     C[i * 8 + j] = A[i * 8 + j] * 2.0f  =>   A[ramp(i * 8, 1, 8)] * broadcast(2.0f, 8)
 *   }
 */
#include <stdio.h>

#include "transform.h"

typedef struct vec {
	tir_ctx *ctx;
	int lanes;
	tir_expr *var;	/* the loop variable ... */
	tir_expr *ramp; /* ... and what it becomes */
	sb_map lets;	/* let var -> its vector twin */
	sb_map loaded;	/* buffers the body loads from */
	bool in_lane_if; /* under a per-lane condition (no nesting) */
	bool failed;
} vec;

static tir_expr *as_vec(vec *v, tir_expr *e)
{
	return e->type.lanes == 1 ? tir_broadcast(v->ctx, e, v->lanes) : e;
}

/* (base, stride) of an integer index that is a ramp or scalar-valued. */
static bool ramp_parts(vec *v, tir_expr *e, tir_expr **base, tir_expr **stride)
{
	if (e->kind == TIR_RAMP) {
		*base = e->ops[0];
		*stride = e->ops[1];
		return true;
	}
	if (e->kind == TIR_BROADCAST)
		e = e->ops[0];
	if (e->type.lanes != 1)
		return false;
	*base = e;
	*stride = tir_imm_int(v->ctx, e->type, 0);
	return true;
}

static tir_expr *ramp_arith(vec *v, tir_expr *e)
{
	tir_ctx *ctx = v->ctx;
	tir_expr *a = e->ops[0], *b = e->ops[1], *ab, *as, *bb, *bs;
	if (!tir_type_is_int(a->type) || (a->kind != TIR_RAMP && b->kind != TIR_RAMP))
		return NULL;
	if (!ramp_parts(v, a, &ab, &as) || !ramp_parts(v, b, &bb, &bs))
		return NULL;
	tir_expr *base, *stride;
	switch (e->kind) {
	case TIR_ADD:
		base = tir_add(ctx, ab, bb);
		stride = tir_add(ctx, as, bs);
		break;
	case TIR_SUB:
		base = tir_sub(ctx, ab, bb);
		stride = tir_sub(ctx, as, bs);
		break;
	case TIR_MUL:
		/* Only a ramp times a lane-invariant value stays a ramp. */
		if (a->kind == TIR_RAMP && b->kind == TIR_RAMP)
			return NULL;
		if (a->kind == TIR_RAMP) {
			base = tir_mul(ctx, ab, bb);
			stride = tir_mul(ctx, as, bb);
		} else {
			base = tir_mul(ctx, ab, bb);
			stride = tir_mul(ctx, ab, bs);
		}
		break;
	default:
		return NULL;
	}
	return tir_ramp(ctx, tir_simplify(ctx, NULL, base), tir_simplify(ctx, NULL, stride),
			v->lanes);
}

/* Called on every node after its operands were widened: makes the node
 * itself a well-typed vector node when any operand is a vector. */
static tir_expr *vec_node(tir_ctx *ctx, tir_expr *e, void *env)
{
	vec *v = env;
	if (e->kind == TIR_VAR)
		return e == v->var ? v->ramp : sb_map_lookup(&v->lets, (uintptr_t)e);
	int lanes = 1;
	for (uint32_t i = 0; i < e->nops; i++) {
		int l = e->ops[i]->type.lanes;
		if (l > 1 && ((lanes > 1 && l != lanes) || l != v->lanes))
			v->failed = true; /* a vector of another width: already vectorized */
		lanes = SB_MAX(lanes, l);
	}
	if (lanes == 1 || v->failed)
		return NULL;
	tir_expr *ops[3];
	switch (e->kind) {
	case TIR_RAMP:
	case TIR_BROADCAST:
		v->failed = true; /* a vector of vectors */
		return NULL;
	case TIR_SELECT:
		return tir_select(ctx, e->ops[0], as_vec(v, e->ops[1]), as_vec(v, e->ops[2]));
	case TIR_CAST:
		return tir_cast(ctx, tir_type_vector(e->type.dtype, lanes), e->ops[0]);
	case TIR_NOT:
		return tir_not(ctx, e->ops[0]);
	case TIR_CALL:
	case TIR_BUFFER_LOAD: {
		tir_expr **args = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, e->nops);
		for (uint32_t i = 0; i < e->nops; i++)
			args[i] = as_vec(v, e->ops[i]);
		return e->kind == TIR_CALL ? tir_call(ctx, e->u.intrin, (int)e->nops, args)
					   : tir_load(ctx, e->u.buffer, (int)e->nops, args);
	}
	default: {
		SB_ASSERT(tir_expr_table[e->kind].arity == 2);
		tir_expr *r = ramp_arith(v, e);
		if (r)
			return r;
		ops[0] = as_vec(v, e->ops[0]);
		ops[1] = as_vec(v, e->ops[1]);
		return tir_binary(ctx, e->kind, ops[0], ops[1]);
	}
	}
}

static tir_expr *vec_expr(vec *v, tir_expr *e)
{
	return tir_expr_rewrite(v->ctx, e, vec_node, v);
}

static tir_stmt *vec_stmt(vec *v, tir_stmt *s);

static bool stores_only(const tir_stmt *s)
{
	if (s->kind == TIR_STMT_SEQ) {
		for (int i = 0; i < s->u.seq.n; i++) {
			if (!stores_only(s->u.seq.stmts[i]))
				return false;
		}
		return true;
	}
	return s->kind == TIR_STMT_BUFFER_STORE;
}

static void split_conjuncts(vec *v, tir_expr *c, tir_expr **inv, tir_expr **var)
{
	if (c->kind == TIR_AND) {
		split_conjuncts(v, c->ops[0], inv, var);
		split_conjuncts(v, c->ops[1], inv, var);
		return;
	}
	tir_expr *w = vec_expr(v, c);
	tir_expr **into = w->type.lanes > 1 ? var : inv;
	*into = *into ? tir_and(v->ctx, *into, w) : w;
}

/* if (c) { stores } with c depending on the lane. */
static tir_stmt *lane_if(vec *v, tir_stmt *s)
{
	if (s->u.if_.else_case || !stores_only(s->u.if_.then_case) || v->in_lane_if) {
		v->failed = true;
		return s;
	}
	tir_expr *inv = NULL, *var = NULL;
	split_conjuncts(v, s->u.if_.cond, &inv, &var);
	v->in_lane_if = true;
	tir_stmt *t = vec_stmt(v, s->u.if_.then_case);
	v->in_lane_if = false;
	if (v->failed || !var)
		return s;
	/* The stores are as wide as the mask: one with a scalar index failed
	 * above (and the verifier checks it). */
	tir_stmt *r = tir_if(v->ctx, var, t, NULL);
	return inv ? tir_if(v->ctx, inv, r, NULL) : r;
}

static tir_stmt *vec_stmt(vec *v, tir_stmt *s)
{
	tir_ctx *ctx = v->ctx;
	if (v->failed)
		return s;
	switch (s->kind) {
	case TIR_STMT_BUFFER_STORE: {
		int n = s->u.store.nindices, vector_ix = 0;
		tir_expr **ix = SB_ARENA_ARRAY(&ctx->arena, tir_expr *, n ? n : 1);
		for (int i = 0; i < n; i++) {
			ix[i] = vec_expr(v, s->u.store.indices[i]);
			vector_ix += ix[i]->type.lanes > 1;
		}
		tir_expr *value = vec_expr(v, s->u.store.value);
		if (!vector_ix) {
			v->failed = true; /* every lane would store to one element */
			return s;
		}
		/* A scatter (an index that is no ramp: lanes may collide) into a
		 * buffer the body also reads is a read-modify-write through memory
		 * (scatter with reduction): lanes would read before earlier lanes
		 * wrote.  A ramp with a non-zero stride hits distinct elements. */
		for (int i = 0; i < n; i++) {
			bool distinct =
			    ix[i]->kind == TIR_RAMP && !tir_expr_is_const(ix[i]->ops[1], 0);
			if (ix[i]->type.lanes > 1 && !distinct &&
			    sb_map_get(&v->loaded, (uintptr_t)s->u.store.buffer, NULL)) {
				v->failed = true;
				return s;
			}
		}
		for (int i = 0; i < n; i++)
			ix[i] = as_vec(v, ix[i]);
		return tir_store(ctx, s->u.store.buffer, as_vec(v, value), n, ix);
	}
	case TIR_STMT_SEQ: {
		int n = s->u.seq.n;
		tir_stmt **kids = SB_ARENA_ARRAY(&ctx->arena, tir_stmt *, n ? n : 1);
		for (int i = 0; i < n; i++)
			kids[i] = vec_stmt(v, s->u.seq.stmts[i]);
		return tir_seq(ctx, n, kids);
	}
	case TIR_STMT_LET: {
		tir_expr *value = vec_expr(v, s->u.let.value), *var = s->u.let.var;
		if (value->type.lanes > 1) {
			var = tir_var(ctx, var->u.var.name, value->type);
			sb_map_put(&v->lets, (uintptr_t)s->u.let.var, var);
		}
		return tir_let(ctx, var, value, vec_stmt(v, s->u.let.body));
	}
	case TIR_STMT_EVALUATE:
		return tir_evaluate(ctx, vec_expr(v, s->u.eval.value));
	case TIR_STMT_IF: {
		/* Kept when every lane takes the same branch (a reduction's
		 * init under "r == 0").  A per-lane condition over stores (the
		 * guard of a split's tail, i * 8 + j < n) predicates them: the
		 * conjuncts that do not depend on j stay a scalar if around
		 * `if (lane mask) { stores }`. */
		tir_expr *cond = vec_expr(v, s->u.if_.cond);
		if (cond->type.lanes > 1)
			return lane_if(v, s);
		tir_stmt *t = vec_stmt(v, s->u.if_.then_case);
		tir_stmt *e = s->u.if_.else_case ? vec_stmt(v, s->u.if_.else_case) : NULL;
		return tir_if(ctx, cond, t, e);
	}
	default:
		v->failed = true;
		return s;
	}
}

/* What the body accesses: the buffers it loads from and the widest element
 * (in bits) it loads or stores.  Expressions are DAGs: each node once. */
typedef struct access_scan {
	sb_map seen;
	sb_map loaded;
	int bits;
} access_scan;

static void scan_expr(access_scan *a, const tir_expr *e)
{
	if (sb_map_get(&a->seen, (uintptr_t)e, NULL))
		return;
	sb_map_put(&a->seen, (uintptr_t)e, NULL);
	if (e->kind == TIR_BUFFER_LOAD) {
		sb_map_put(&a->loaded, (uintptr_t)e->u.buffer, NULL);
		a->bits = SB_MAX(a->bits, (int)sb_dtype_size(e->u.buffer->dtype) * 8);
	}
	for (uint32_t i = 0; i < e->nops; i++)
		scan_expr(a, e->ops[i]);
}

static bool scan_pre(tir_stmt *s, void *env)
{
	access_scan *a = env;
	switch (s->kind) {
	case TIR_STMT_BUFFER_STORE:
		a->bits = SB_MAX(a->bits, (int)sb_dtype_size(s->u.store.buffer->dtype) * 8);
		scan_expr(a, s->u.store.value);
		for (int i = 0; i < s->u.store.nindices; i++)
			scan_expr(a, s->u.store.indices[i]);
		break;
	case TIR_STMT_LET:
		scan_expr(a, s->u.let.value);
		break;
	case TIR_STMT_IF:
		scan_expr(a, s->u.if_.cond);
		break;
	case TIR_STMT_EVALUATE:
		scan_expr(a, s->u.eval.value);
		break;
	default:
		break;
	}
	return true;
}

static tir_stmt *vectorize_leave(tir_stmt_rewriter *r, tir_stmt *orig, tir_stmt *s)
{
	if (s->kind != TIR_STMT_FOR || s->u.loop.kind != TIR_FOR_VECTORIZED)
		return NULL;
	tir_ctx *ctx = r->ctx;
	int vector_bits = *(int *)r->env;
	tir_stmt *serial = tir_for(ctx, s->u.loop.var, s->u.loop.min, s->u.loop.extent,
				   TIR_FOR_SERIAL, s->u.loop.body);
	int64_t extent;
	if (!tir_expr_is_int_imm(s->u.loop.extent, &extent) || extent < 2)
		return serial;
	access_scan acc = {.bits = 0};
	sb_map_init(&acc.seen);
	sb_map_init(&acc.loaded);
	tir_stmt_walk(s->u.loop.body, scan_pre, NULL, &acc);
	sb_map_free(&acc.seen);
	int max_lanes = SB_MAX(vector_bits / SB_MAX(acc.bits, 8), 1);
	int lanes = 1;
	while (lanes * 2 <= max_lanes && extent % (lanes * 2) == 0)
		lanes *= 2;
	if (lanes < 2) {
		sb_map_free(&acc.loaded);
		return serial;
	}

	tir_expr *var = s->u.loop.var, *outer = NULL, *base = s->u.loop.min;
	if (lanes < extent) {
		char name[128];
		snprintf(name, sizeof name, "%s_o", var->u.var.name);
		outer = tir_var(ctx, name, var->type);
		base = tir_simplify(
		    ctx, NULL,
		    tir_add(ctx, base, tir_mul(ctx, outer, tir_imm_int(ctx, var->type, lanes))));
	}
	vec v = {.ctx = ctx, .lanes = lanes, .var = var, .loaded = acc.loaded};
	v.ramp = tir_ramp(ctx, base, tir_imm_int(ctx, var->type, 1), lanes);
	sb_map_init(&v.lets);
	tir_stmt *body = vec_stmt(&v, s->u.loop.body);
	sb_map_free(&v.lets);
	sb_map_free(&v.loaded);
	if (v.failed)
		return serial;
	if (outer)
		body = tir_for(ctx, outer, tir_imm_int(ctx, var->type, 0),
			       tir_imm_int(ctx, var->type, extent / lanes), TIR_FOR_SERIAL, body);
	return body;
}

tir_func *tir_vectorize_loops(tir_ctx *ctx, const tir_func *f, int vector_bits)
{
	tir_stmt_rewriter r = {.ctx = ctx, .leave = vectorize_leave, .env = &vector_bits};
	tir_stmt *body = tir_stmt_rewrite(&r, f->body);
	return tir_func_with_body(ctx, f, f->nparams, f->params, body);
}
