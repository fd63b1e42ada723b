/* tir expressions: the context, hash-consed construction, the total order,
 * and the one expression rewriter (substitution is built on it).
 *
 * Every expression except a Var goes through expr_intern: its hash covers
 * kind, type, attribute and operand identities, so a second request for the
 * same node returns the first one.  Operands are already unique, which
 * makes comparing them a pointer compare; structural equality of whole
 * trees is therefore `a == b`. */
#include <stdlib.h>

#include "tir.h"

const tir_expr_info tir_expr_table[TIR_EXPR_KIND_COUNT] = {
#define EXPR(id, name, arity, infix, prec, flags)                                                  \
	[TIR_##id] = {TIR_##id, name, arity, infix, TIR_PREC_##prec, flags},
#include "exprs.def"
#undef EXPR
};

const tir_intrin_info tir_intrin_table[TIR_INTRIN_COUNT] = {
#define INTRIN(id, name, nargs, kind, libm)                                                        \
	[TIR_INTRIN_##id] = {TIR_INTRIN_##id, name, nargs, TIR_INTRIN_KIND_##kind, libm},
#include "intrinsics.def"
#undef INTRIN
};

tir_intrin tir_intrin_lookup(const char *name)
{
	for (int i = 0; i < TIR_INTRIN_COUNT; i++) {
		if (!strcmp(tir_intrin_table[i].name, name))
			return (tir_intrin)i;
	}
	return TIR_INTRIN_COUNT;
}

void tir_type_print(sb_strbuf *b, tir_type t)
{
	if (t.handle) {
		sb_strbuf_printf(b, "handle(%s)", sb_dtype_name(t.dtype));
		return;
	}
	sb_strbuf_puts(b, sb_dtype_name(t.dtype));
	if (t.lanes != 1)
		sb_strbuf_printf(b, "x%u", (unsigned)t.lanes);
}

/* ---- Context ---- */

tir_ctx *tir_ctx_new(void)
{
	tir_ctx *ctx = sb_xcalloc(1, sizeof *ctx);
	sb_arena_init(&ctx->arena);
	sb_interner_init(&ctx->strings);
	sb_map_init(&ctx->shape_vars);
	ctx->next_id = 1;
	ctx->next_buffer_id = 1;
	return ctx;
}

void tir_ctx_free(tir_ctx *ctx)
{
	if (!ctx)
		return;
	sb_arena_free(&ctx->arena);
	sb_interner_free(&ctx->strings);
	sb_map_free(&ctx->shape_vars);
	free(ctx->exprs);
	free(ctx);
}

const char *tir_intern(tir_ctx *ctx, const char *s)
{
	return sb_intern(&ctx->strings, s);
}

/* ---- Hash-consing ---- */

static uint64_t type_hash(tir_type t)
{
	return ((uint64_t)t.dtype << 24) | ((uint64_t)t.lanes << 1) | t.handle;
}

static uint64_t attr_hash(const tir_expr *e)
{
	switch (e->kind) {
	case TIR_INT_IMM:
		return (uint64_t)e->u.int_value;
	case TIR_FLOAT_IMM: {
		uint64_t bits;
		memcpy(&bits, &e->u.float_value, sizeof bits);
		return bits;
	}
	case TIR_VAR:
		return e->id;
	case TIR_CALL:
		return (uint64_t)e->u.intrin;
	case TIR_BUFFER_LOAD:
		return e->u.buffer->id;
	default:
		return 0;
	}
}

static bool attr_equal(const tir_expr *a, const tir_expr *b)
{
	switch (a->kind) {
	case TIR_INT_IMM:
		return a->u.int_value == b->u.int_value;
	case TIR_FLOAT_IMM: /* bitwise: 0.0 and -0.0 differ, a NaN equals itself */
		return !memcmp(&a->u.float_value, &b->u.float_value, sizeof(double));
	case TIR_VAR:
		return a == b;
	case TIR_CALL:
		return a->u.intrin == b->u.intrin;
	case TIR_BUFFER_LOAD:
		return a->u.buffer == b->u.buffer;
	default:
		return true;
	}
}

static void table_grow(tir_ctx *ctx)
{
	size_t ncap = ctx->exprs_cap ? ctx->exprs_cap * 2 : 1024, mask = ncap - 1;
	tir_expr **nt = sb_xcalloc(ncap, sizeof *nt);
	for (size_t i = 0; i < ctx->exprs_cap; i++) {
		tir_expr *e = ctx->exprs[i];
		if (!e)
			continue;
		size_t j = e->hash & mask;
		while (nt[j])
			j = (j + 1) & mask;
		nt[j] = e;
	}
	free(ctx->exprs);
	ctx->exprs = nt;
	ctx->exprs_cap = ncap;
}

/* Returns the unique node equal to `proto` (kind, type, attribute) with
 * these operands, making it if it is new. */
static tir_expr *expr_intern(tir_ctx *ctx, const tir_expr *proto, int nops, tir_expr *const *ops)
{
	for (int i = 0; i < nops; i++)
		SB_ASSERT(ops[i] != NULL);
	uint64_t h = sb_hash_combine(proto->kind, type_hash(proto->type));
	h = sb_hash_combine(h, attr_hash(proto));
	h = sb_hash_combine(h, (uint64_t)nops);
	for (int i = 0; i < nops; i++)
		h = sb_hash_combine(h, ops[i]->id);

	if ((ctx->exprs_len + 1) * 4 > ctx->exprs_cap * 3)
		table_grow(ctx);
	size_t mask = ctx->exprs_cap - 1, j = h & mask;
	for (tir_expr *e; (e = ctx->exprs[j]); j = (j + 1) & mask) {
		if (e->hash != h || e->kind != proto->kind || e->nops != (uint32_t)nops ||
		    !tir_type_equal(e->type, proto->type) || !attr_equal(e, proto))
			continue;
		bool same = true;
		for (int i = 0; i < nops && same; i++)
			same = e->ops[i] == ops[i];
		if (same)
			return e;
	}
	tir_expr *e = sb_arena_alloc(&ctx->arena, sizeof *e + (size_t)nops * sizeof(tir_expr *));
	e->kind = proto->kind;
	e->type = proto->type;
	e->u = proto->u;
	e->id = ctx->next_id++;
	e->nops = (uint32_t)nops;
	e->hash = h;
	for (int i = 0; i < nops; i++)
		e->ops[i] = ops[i];
	ctx->exprs[j] = e;
	ctx->exprs_len++;
	return e;
}

/* ---- Constants and variables ---- */

tir_expr *tir_imm_int(tir_ctx *ctx, tir_type t, int64_t v)
{
	tir_expr proto = {.kind = TIR_INT_IMM, .type = t};
	proto.u.int_value = t.dtype == SB_BOOL ? (v != 0) : v;
	return expr_intern(ctx, &proto, 0, NULL);
}

tir_expr *tir_imm_float(tir_ctx *ctx, tir_type t, double v)
{
	tir_expr proto = {.kind = TIR_FLOAT_IMM, .type = t};
	proto.u.float_value = v;
	return expr_intern(ctx, &proto, 0, NULL);
}

tir_expr *tir_int(tir_ctx *ctx, int64_t v)
{
	return tir_imm_int(ctx, TIR_INDEX_TYPE, v);
}
tir_expr *tir_f32(tir_ctx *ctx, double v)
{
	return tir_imm_float(ctx, tir_type_scalar(SB_F32), v);
}
tir_expr *tir_bool(tir_ctx *ctx, bool v)
{
	return tir_imm_int(ctx, TIR_BOOL_TYPE, v);
}

static tir_expr *var_make(tir_ctx *ctx, const char *name, tir_type t, bool is_shape)
{
	tir_expr *e = sb_arena_alloc(&ctx->arena, sizeof *e);
	e->kind = TIR_VAR;
	e->type = t;
	e->id = ctx->next_id++;
	e->u.var.name = tir_intern(ctx, name && *name ? name : "v");
	e->u.var.is_shape = is_shape;
	e->hash = sb_hash_u64(e->id);
	return e;
}

tir_expr *tir_var(tir_ctx *ctx, const char *name, tir_type t)
{
	return var_make(ctx, name, t, false);
}

tir_expr *tir_shape_var(tir_ctx *ctx, const char *name)
{
	const char *iname = tir_intern(ctx, name);
	tir_expr *v = sb_map_lookup(&ctx->shape_vars, (uintptr_t)iname);
	if (!v) {
		v = var_make(ctx, iname, TIR_INDEX_TYPE, true);
		sb_map_put(&ctx->shape_vars, (uintptr_t)iname, v);
	}
	return v;
}

/* ---- Operators ---- */

static tir_expr *node(tir_ctx *ctx, tir_expr_kind kind, tir_type t, int nops, tir_expr *const *ops)
{
	tir_expr proto = {.kind = kind, .type = t};
	return expr_intern(ctx, &proto, nops, ops);
}

tir_expr *tir_binary(tir_ctx *ctx, tir_expr_kind kind, tir_expr *a, tir_expr *b)
{
	const tir_expr_info *info = tir_expr_kind_info(kind);
	SB_ASSERT(info->arity == 2 && a && b);
	tir_type t = a->type;
	if (info->flags & (TIR_EF_COMPARE | TIR_EF_LOGIC))
		t = tir_type_vector(SB_BOOL, a->type.lanes);
	tir_expr *ops[2] = {a, b};
	return node(ctx, kind, t, 2, ops);
}

#define BINARY(fn, KIND)                                                                           \
	tir_expr *fn(tir_ctx *ctx, tir_expr *a, tir_expr *b)                                       \
	{                                                                                          \
		return tir_binary(ctx, KIND, a, b);                                                \
	}
BINARY(tir_add, TIR_ADD)
BINARY(tir_sub, TIR_SUB)
BINARY(tir_mul, TIR_MUL)
BINARY(tir_div, TIR_DIV)
BINARY(tir_mod, TIR_MOD)
BINARY(tir_floordiv, TIR_FLOOR_DIV)
BINARY(tir_floormod, TIR_FLOOR_MOD)
BINARY(tir_min, TIR_MIN)
BINARY(tir_max, TIR_MAX)
BINARY(tir_eq, TIR_EQ)
BINARY(tir_ne, TIR_NE)
BINARY(tir_lt, TIR_LT)
BINARY(tir_le, TIR_LE)
BINARY(tir_gt, TIR_GT)
BINARY(tir_ge, TIR_GE)
BINARY(tir_and, TIR_AND)
BINARY(tir_or, TIR_OR)
#undef BINARY

tir_expr *tir_not(tir_ctx *ctx, tir_expr *a)
{
	SB_ASSERT(a);
	return node(ctx, TIR_NOT, tir_type_vector(SB_BOOL, a->type.lanes), 1, &a);
}

tir_expr *tir_select(tir_ctx *ctx, tir_expr *cond, tir_expr *t, tir_expr *f)
{
	SB_ASSERT(cond && t && f);
	tir_expr *ops[3] = {cond, t, f};
	return node(ctx, TIR_SELECT, t->type, 3, ops);
}

tir_expr *tir_cast(tir_ctx *ctx, tir_type t, tir_expr *a)
{
	SB_ASSERT(a);
	return node(ctx, TIR_CAST, t, 1, &a);
}

tir_expr *tir_call(tir_ctx *ctx, tir_intrin intrin, int nargs, tir_expr *const *args)
{
	SB_ASSERT(intrin < TIR_INTRIN_COUNT && nargs >= 0);
	tir_type t = nargs ? args[0]->type : tir_type_scalar(SB_F32);
	if (tir_intrin_table[intrin].kind == TIR_INTRIN_KIND_PRED)
		t = tir_type_vector(SB_BOOL, t.lanes);
	tir_expr proto = {.kind = TIR_CALL, .type = t};
	proto.u.intrin = intrin;
	return expr_intern(ctx, &proto, nargs, args);
}

tir_expr *tir_load(tir_ctx *ctx, tir_buffer *buf, int nindices, tir_expr *const *indices)
{
	SB_ASSERT(buf && nindices >= 0);
	int lanes = 1;
	for (int i = 0; i < nindices; i++)
		lanes = SB_MAX(lanes, (int)indices[i]->type.lanes);
	tir_expr proto = {.kind = TIR_BUFFER_LOAD, .type = tir_type_vector(buf->dtype, lanes)};
	proto.u.buffer = buf;
	return expr_intern(ctx, &proto, nindices, indices);
}

tir_expr *tir_ramp(tir_ctx *ctx, tir_expr *base, tir_expr *stride, int lanes)
{
	SB_ASSERT(base && stride && lanes >= 1 && lanes <= UINT16_MAX);
	tir_expr *ops[2] = {base, stride};
	return node(ctx, TIR_RAMP, tir_type_vector(base->type.dtype, lanes), 2, ops);
}

tir_expr *tir_broadcast(tir_ctx *ctx, tir_expr *value, int lanes)
{
	SB_ASSERT(value && lanes >= 1 && lanes <= UINT16_MAX);
	return node(ctx, TIR_BROADCAST, tir_type_vector(value->type.dtype, lanes), 1, &value);
}

tir_expr *tir_expr_rebuild(tir_ctx *ctx, tir_expr *e, tir_expr *const *ops)
{
	bool same = true;
	for (uint32_t i = 0; i < e->nops && same; i++)
		same = e->ops[i] == ops[i];
	if (same)
		return e;
	/* The type is recomputed where it follows the operands, so that a
	 * substitution of a vector into a scalar expression stays typed. */
	switch (e->kind) {
	case TIR_CALL:
		return tir_call(ctx, e->u.intrin, (int)e->nops, ops);
	case TIR_BUFFER_LOAD:
		return tir_load(ctx, e->u.buffer, (int)e->nops, ops);
	case TIR_RAMP:
		return tir_ramp(ctx, ops[0], ops[1], e->type.lanes);
	case TIR_BROADCAST:
		return tir_broadcast(ctx, ops[0], e->type.lanes);
	case TIR_SELECT:
		return tir_select(ctx, ops[0], ops[1], ops[2]);
	case TIR_CAST:
		return tir_cast(ctx, e->type, ops[0]);
	case TIR_NOT:
		return tir_not(ctx, ops[0]);
	default:
		SB_ASSERT(tir_expr_table[e->kind].arity == 2);
		return tir_binary(ctx, e->kind, ops[0], ops[1]);
	}
}

/* ---- Order ---- */

static int cmp_i64(int64_t a, int64_t b)
{
	return (a > b) - (a < b);
}

int tir_expr_compare(const tir_expr *a, const tir_expr *b)
{
	if (a == b)
		return 0;
	int c = cmp_i64(a->kind, b->kind);
	if (!c)
		c = cmp_i64(a->type.dtype, b->type.dtype);
	if (!c)
		c = cmp_i64(a->type.lanes, b->type.lanes);
	if (!c)
		c = cmp_i64(a->type.handle, b->type.handle);
	if (c)
		return c;
	switch (a->kind) {
	case TIR_INT_IMM:
		c = cmp_i64(a->u.int_value, b->u.int_value);
		break;
	case TIR_FLOAT_IMM:
		c = (a->u.float_value > b->u.float_value) - (a->u.float_value < b->u.float_value);
		break;
	case TIR_VAR:
		return cmp_i64(a->id, b->id);
	case TIR_CALL:
		c = cmp_i64(a->u.intrin, b->u.intrin);
		break;
	case TIR_BUFFER_LOAD:
		c = cmp_i64(a->u.buffer->id, b->u.buffer->id);
		break;
	default:
		break;
	}
	if (!c)
		c = cmp_i64(a->nops, b->nops);
	for (uint32_t i = 0; !c && i < a->nops; i++)
		c = tir_expr_compare(a->ops[i], b->ops[i]);
	/* Distinct nodes that compare equal (two NaN bit patterns) still get
	 * an order. */
	return c ? c : cmp_i64(a->id, b->id);
}

static bool uses_var(const tir_expr *e, const tir_expr *v, sb_map *seen)
{
	if (e == v)
		return true;
	if (!e->nops || sb_map_get(seen, (uintptr_t)e, NULL))
		return false;
	sb_map_put(seen, (uintptr_t)e, NULL);
	for (uint32_t i = 0; i < e->nops; i++) {
		if (uses_var(e->ops[i], v, seen))
			return true;
	}
	return false;
}

bool tir_expr_uses_var(const tir_expr *e, const tir_expr *v)
{
	sb_map seen;
	sb_map_init(&seen);
	bool r = uses_var(e, v, &seen);
	sb_map_free(&seen);
	return r;
}

/* ---- Rewriter ---- */

typedef struct rewrite_env {
	tir_ctx *ctx;
	tir_expr_rewrite_fn fn;
	void *env;
	sb_map memo;
} rewrite_env;

static tir_expr *rewrite_rec(rewrite_env *r, tir_expr *e)
{
	void *hit;
	if (sb_map_get(&r->memo, (uintptr_t)e, &hit))
		return hit;
	tir_expr *out = e;
	if (e->nops) {
		tir_expr *small[4],
		    **ops = e->nops <= 4 ? small : sb_xmalloc(e->nops * sizeof *ops);
		for (uint32_t i = 0; i < e->nops; i++)
			ops[i] = rewrite_rec(r, e->ops[i]);
		out = tir_expr_rebuild(r->ctx, e, ops);
		if (ops != small)
			free(ops);
	}
	tir_expr *repl = r->fn(r->ctx, out, r->env);
	if (repl)
		out = repl;
	sb_map_put(&r->memo, (uintptr_t)e, out);
	return out;
}

tir_expr *tir_expr_rewrite(tir_ctx *ctx, tir_expr *e, tir_expr_rewrite_fn fn, void *env)
{
	rewrite_env r = {ctx, fn, env, {0}};
	sb_map_init(&r.memo);
	tir_expr *out = rewrite_rec(&r, e);
	sb_map_free(&r.memo);
	return out;
}

typedef struct subst_env {
	int n;
	tir_expr *const *vars, *const *values;
} subst_env;

static tir_expr *subst_one(tir_ctx *ctx, tir_expr *e, void *env)
{
	subst_env *s = env;
	if (e->kind != TIR_VAR)
		return NULL;
	for (int i = 0; i < s->n; i++) {
		if (s->vars[i] == e)
			return s->values[i];
	}
	return NULL;
}

tir_expr *tir_substitute(tir_ctx *ctx, tir_expr *e, int n, tir_expr *const *vars,
			 tir_expr *const *values)
{
	subst_env s = {n, vars, values};
	return tir_expr_rewrite(ctx, e, subst_one, &s);
}
