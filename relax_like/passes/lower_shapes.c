/* LowerShapes: every shape check and shape computation becomes VM
 * shape-heap code -- calls of the vm.builtin.* packed functions
 * (runtime/vm_builtins.c, docs/vm.md) and of small generated PrimFuncs.
 *
 * Each function gets a shape heap: int64 slots in its VM frame.  A shape
 * variable lives in the slot where it is first bound; an expression more
 * complex than a variable or a constant is computed into a slot of its own
 * by a generated PrimFunc "<fn>_shape<k>(H: Buffer(int64, [heap_len]))",
 * called with the frame's heap (vm.builtin.shape_heap).  Then:
 *   - each parameter is matched at entry: check_tensor_info (dtype, rank),
 *     then match_shape storing each variable at its first occurrence and
 *     checking every later one, every constant and every computed dim
 *     (messages name the input, the dim index and name, the value given and
 *     the one expected: "input 'y' dim 0 (n): expected 3, got 2");
 *   - computations whose variables the parameters bind are hoisted into one
 *     shape function called at entry; later ones (variables bound by a
 *     match_cast of data-dependent values) are computed where needed;
 *   - a MatchCast is matched the same way before its binding, which stays
 *     as a declaration (it binds the variables for the struct info of what
 *     follows; the VM code generator makes it a move);
 *   - a symbolic ShapeExpr becomes vm.builtin.make_shape from heap slots,
 *     a symbolic PrimValue vm.builtin.heap_load of its slot;
 *   - a binding's run-time checks (relax_binding.checks) become asserts in
 *     the shape function run before it (the message is the check's).
 * The function gets the attribute shape_heap_size (slots of its frame).
 *
 * Requires: ToNonDataflow (the calls are impure); CallTIRRewrite and
 * PlanMemory before it for allocation sizes to be lowered too.
 * Guarantees: no symbolic ShapeExpr or PrimValue left in code (only in
 * struct info and MatchCast targets); no binding checks; the attribute
 * shape_heap_size on every function.  Idempotent (a function with the
 * attribute is skipped).
 *
 *   @main(%x: Tensor((n, 4), float32)) -> Tensor((n, 4), float32) {
 *     %storage = relax.memory.alloc_storage(prim(n * 16))
 *     ...
 * becomes
 *   @main(%x: Tensor((n, 4), float32)) -> Tensor((n, 4), float32) attrs {shape_heap_size: 2} {
 *     %_ = relax.call_packed(extern("vm.builtin.check_tensor_info"), %x, prim(2), "float32", "input
 * 'x'")
 *     %_1 = relax.call_packed(extern("vm.builtin.match_shape"), %x, "input 'x'", prim(2), prim(1),
 * prim(0), "n", prim(2), prim(4), "") %heap = relax.call_packed(extern("vm.builtin.shape_heap"),
 * sinfo_args=[Tensor(ndim=1, int64)])
 *     %_2 = @main_shape0(%heap, sinfo_args=[Tuple()])        # H[1] = H[0] * 16
 *     %lv0 = relax.call_packed(extern("vm.builtin.heap_load"), prim(1), sinfo_args=[Prim(int64, n *
 * 16)]) %storage = relax.memory.alloc_storage(%lv0)
 *     ...
 */
#include <stdio.h>

#include "passes.h"

typedef struct ls_item {
	int slot;	/* store: H[slot] = expr; assert: -1 */
	tir_expr *expr; /* or the asserted condition */
	const char *message;
} ls_item;

/* A leaf already lowered in scope: its values (a shape's dims, a prim's
 * value; none for the heap tensor) and the var holding it. */
typedef enum { LS_SHAPE, LS_PRIM, LS_HEAP } ls_cache_kind;
typedef struct ls_cached {
	ls_cache_kind kind;
	int n;
	tir_expr **values;
	relax_expr *var;
} ls_cached;

typedef struct ls {
	relax_module *m;
	relax_builder *b;
	const char *fname;
	bool public_;
	sb_map slots;		 /* shape var or computed expr -> slot + 1 */
	sb_map asserted;	 /* condition -> 1 */
	SB_VEC(tir_expr *) log;	 /* keys added to slots, for scopes */
	SB_VEC(tir_expr *) alog; /* keys added to asserted */
	int heap_size;
	SB_VEC(ls_item) pending; /* the next shape function's contents */
	SB_VEC(ls_cached) cache; /* lowered leaves in scope */
} ls;

/* ---- Heap slots ---- */

static int slot_of(ls *s, const tir_expr *e)
{
	return (int)(uintptr_t)sb_map_lookup(&s->slots, (uintptr_t)e) - 1;
}

static int slot_new(ls *s, tir_expr *e)
{
	int slot = s->heap_size++;
	sb_map_put(&s->slots, (uintptr_t)e, (void *)(uintptr_t)(slot + 1));
	sb_vec_push(&s->log, e);
	return slot;
}

typedef struct scope_mark {
	size_t log, alog, cache;
} scope_mark;

static scope_mark scope_enter(ls *s)
{
	return (scope_mark){s->log.len, s->alog.len, s->cache.len};
}

static void scope_leave(ls *s, scope_mark mk)
{
	while (s->log.len > mk.log)
		sb_map_remove(&s->slots, (uintptr_t)s->log.data[--s->log.len]);
	while (s->alog.len > mk.alog)
		sb_map_remove(&s->asserted, (uintptr_t)s->alog.data[--s->alog.len]);
	s->cache.len = mk.cache;
}

static relax_expr *cache_find(ls *s, ls_cache_kind kind, int n, tir_expr *const *values)
{
	for (size_t i = s->cache.len; i-- > 0;) {
		ls_cached *c = &s->cache.data[i];
		if (c->kind != kind || c->n != n)
			continue;
		int k = 0;
		while (k < n && c->values[k] == values[k])
			k++;
		if (k == n)
			return c->var;
	}
	return NULL;
}

static void cache_add(ls *s, ls_cache_kind kind, int n, tir_expr *const *values, relax_expr *var)
{
	tir_expr **v = SB_ARENA_ARRAY(relax_arena(s->m), tir_expr *, n ? n : 1);
	for (int i = 0; i < n; i++)
		v[i] = values[i];
	sb_vec_push(&s->cache, ((ls_cached){kind, n, v, var}));
}

static tir_expr *simplify(ls *s, tir_expr *e)
{
	return tir_simplify(s->m->tir, s->m->an, e);
}

typedef struct bound_env {
	ls *s;
	bool all;
	const char *missing;
} bound_env;

static void var_bound(tir_expr *v, void *envp)
{
	bound_env *env = envp;
	if (slot_of(env->s, v) < 0 && env->all) {
		env->all = false;
		env->missing = v->u.var.name;
	}
}

static bool all_bound(ls *s, tir_expr *e, const char **missing)
{
	bound_env env = {s, true, NULL};
	relax_tir_visit_vars(e, var_bound, &env);
	if (missing)
		*missing = env.missing;
	return env.all;
}

static bool is_complex(const tir_expr *e)
{
	return e->kind != TIR_INT_IMM && e->kind != TIR_VAR;
}

/* The slot holding e (simplified, not a constant), computing it in the
 * next shape function if it is new.  Every variable must be bound. */
static sb_status slot_ensure(ls *s, tir_expr *e, int *slot)
{
	*slot = slot_of(s, e);
	if (*slot >= 0)
		return SB_OK;
	const char *missing;
	if (!all_bound(s, e, &missing))
		return sb_set_error(SB_ERR_INTERNAL,
				    "LowerShapes @%s: shape variable %s is used before it is bound",
				    s->fname, missing);
	SB_ASSERT(is_complex(e));
	*slot = slot_new(s, e);
	sb_vec_push(&s->pending, ((ls_item){*slot, e, NULL}));
	return SB_OK;
}

/* ---- Emitting ---- */

static relax_expr *prim(ls *s, int64_t v)
{
	return relax_prim_int(s->m, v);
}

static relax_expr *str(ls *s, const char *v)
{
	return relax_string_imm(s->m, v);
}

/* var = call_packed(extern(name), args...) with result struct info ret
 * (NULL: nothing useful). */
static sb_status emit_builtin(ls *s, const char *name, int n, relax_expr *const *args,
			      const relax_sinfo *ret, const char *hint, relax_expr **var)
{
	relax_module *m = s->m;
	relax_expr **a = SB_ARENA_ARRAY(relax_arena(m), relax_expr *, n + 1);
	a[0] = relax_extern_func(m, name);
	for (int i = 0; i < n; i++)
		a[i + 1] = args[i];
	if (!ret)
		ret = relax_sinfo_tuple(m, 0, NULL);
	relax_expr *call = relax_call_op_sinfo(m, RELAX_OP_CALL_PACKED, n + 1, a, NULL, 1, &ret);
	relax_expr *ignore;
	return relax_builder_emit(s->b, call, hint ? hint : "_", var ? var : &ignore);
}

typedef struct load_env {
	ls *s;
	tir_buffer *heap;
} load_env;

static tir_expr *heap_load(tir_ctx *ctx, tir_expr *e, void *envp)
{
	load_env *env = envp;
	if (e->kind != TIR_VAR)
		return NULL;
	int slot = slot_of(env->s, e);
	SB_ASSERT(slot >= 0); /* slot_ensure checked */
	tir_expr *i = tir_int(ctx, slot);
	return tir_load(ctx, env->heap, 1, &i);
}

/* Emits the pending computations and asserts as one shape function and
 * its call. */
static sb_status flush(ls *s)
{
	if (!s->pending.len)
		return SB_OK;
	relax_module *m = s->m;
	tir_ctx *ctx = m->tir;
	char name[256];
	for (int k = 0;; k++) {
		snprintf(name, sizeof name, "%s_shape%d", s->fname, k);
		if (!relax_module_lookup(m, name))
			break;
	}
	tir_expr *len = tir_shape_var(ctx, "heap_len");
	load_env env = {s, tir_buffer_new(ctx, "H", SB_I64, 1, &len)};
	tir_stmt **body = SB_ARENA_ARRAY(relax_arena(m), tir_stmt *, s->pending.len);
	for (size_t i = 0; i < s->pending.len; i++) {
		ls_item *it = &s->pending.data[i];
		tir_expr *e = tir_expr_rewrite(ctx, it->expr, heap_load, &env);
		if (it->slot < 0) {
			body[i] = tir_assert(ctx, e, it->message);
			continue;
		}
		if (!tir_type_equal(e->type, TIR_INDEX_TYPE))
			e = tir_cast(ctx, TIR_INDEX_TYPE, e);
		tir_expr *idx = tir_int(ctx, it->slot);
		body[i] = tir_store(ctx, env.heap, e, 1, &idx);
	}
	tir_param p = tir_param_buffer(env.heap);
	tir_func *f = tir_func_new(ctx, name, 1, &p, tir_seq(ctx, (int)s->pending.len, body));
	/* Its asserts speak for the model (a --bound exceeded, inputs that
	 * disagree), not for this generated function: no name in front. */
	tir_func_set_attr_int(ctx, f, "sb.shape_func", 1);
	s->pending.len = 0;
	sb_status st = tir_func_verify(f);
	if (st)
		return sb_error_prefix(SB_ERR_INTERNAL, "LowerShapes");
	relax_expr *gv = relax_module_add_prim_func(m, f);
	relax_expr *heap = cache_find(s, LS_HEAP, 0, NULL);
	if (!heap) {
		const relax_sinfo *hs = relax_sinfo_tensor(m, SB_I64, 1, NULL);
		if ((st = emit_builtin(s, SB_BUILTIN_SHAPE_HEAP, 0, NULL, hs, "heap", &heap)))
			return st;
		cache_add(s, LS_HEAP, 0, NULL, heap);
	}
	const relax_sinfo *none = relax_sinfo_tuple(m, 0, NULL);
	relax_expr *ignore;
	return relax_builder_emit(s->b, relax_call_func(m, gv, 1, &heap, 1, &none), "_", &ignore);
}

static void add_assert(ls *s, tir_expr *cond, const char *message)
{
	cond = simplify(s, cond);
	if (tir_expr_is_const(cond, 1) || sb_map_get(&s->asserted, (uintptr_t)cond, NULL))
		return;
	sb_map_put(&s->asserted, (uintptr_t)cond, (void *)1);
	sb_vec_push(&s->alog, cond);
	sb_vec_push(&s->pending, ((ls_item){-1, cond, message}));
}

/* ---- Matching values against struct info ---- */

static const char *dim_name(ls *s, tir_expr *e)
{
	if (e->kind == TIR_INT_IMM)
		return "";
	if (e->kind == TIR_VAR)
		return e->u.var.name;
	char *t = tir_expr_to_string(e);
	const char *r = relax_intern(s->m, t);
	free(t);
	return r;
}

/* match_shape(value, ctx, n, [code, v, name]*n) over a tensor's or a
 * shape's dims: a variable is stored where it first occurs and checked
 * after; a computed dim whose variables this very match binds is checked
 * by a second match_shape once computed. */
static sb_status match_dims(ls *s, relax_expr *value, int n, tir_expr *const *dims, const char *ctx)
{
	relax_module *m = s->m;
	relax_expr **args = SB_ARENA_ARRAY(relax_arena(m), relax_expr *, 3 + 3 * n);
	bool *deferred = SB_ARENA_ARRAY(relax_arena(m), bool, n ? n : 1);
	tir_expr **d = SB_ARENA_ARRAY(relax_arena(m), tir_expr *, n ? n : 1);
	args[0] = value;
	args[1] = str(s, ctx);
	args[2] = prim(s, n);
	int ndeferred = 0;
	sb_status st;
	/* Slots computed before this match are ready: compute first. */
	for (int i = 0; i < n; i++) {
		d[i] = simplify(s, dims[i]);
		int slot;
		if (is_complex(d[i]) && all_bound(s, d[i], NULL) &&
		    (st = slot_ensure(s, d[i], &slot)))
			return st;
	}
	if ((st = flush(s)))
		return st;
	for (int i = 0; i < n; i++) {
		int64_t code, v = 0;
		int slot = is_complex(d[i]) || d[i]->kind == TIR_VAR ? slot_of(s, d[i]) : -1;
		if (tir_expr_is_int_imm(d[i], &v)) {
			code = SB_MATCH_CHECK_IMM;
		} else if (slot >= 0) {
			code = SB_MATCH_CHECK_HEAP, v = slot;
		} else if (d[i]->kind == TIR_VAR) {
			code = SB_MATCH_STORE, v = slot_new(s, d[i]);
		} else {
			code = SB_MATCH_NOOP;
			deferred[i] = true;
			ndeferred++;
		}
		args[3 + 3 * i] = prim(s, code);
		args[4 + 3 * i] = prim(s, v);
		args[5 + 3 * i] = str(s, dim_name(s, d[i]));
	}
	if ((st = emit_builtin(s, SB_BUILTIN_MATCH_SHAPE, 3 + 3 * n, args, NULL, NULL, NULL)))
		return st;
	if (!ndeferred)
		return SB_OK;
	relax_expr **again = SB_ARENA_ARRAY(relax_arena(m), relax_expr *, 3 + 3 * n);
	memcpy(again, args, sizeof(relax_expr *) * 3);
	for (int i = 0; i < n; i++) {
		int slot = -1;
		if (deferred[i]) {
			const char *missing;
			if (!all_bound(s, d[i], &missing))
				return sb_set_error(
				    SB_ERR_UNSUPPORTED,
				    "LowerShapes @%s: %s dim %d is %s, from which shape "
				    "variable %s cannot be bound (match it to a variable "
				    "first)",
				    s->fname, ctx, i, dim_name(s, d[i]), missing);
			if ((st = slot_ensure(s, d[i], &slot)))
				return st;
		}
		again[3 + 3 * i] = prim(s, deferred[i] ? SB_MATCH_CHECK_HEAP : SB_MATCH_NOOP);
		again[4 + 3 * i] = prim(s, deferred[i] ? slot : 0);
		again[5 + 3 * i] = args[5 + 3 * i];
	}
	if ((st = flush(s)))
		return st;
	return emit_builtin(s, SB_BUILTIN_MATCH_SHAPE, 3 + 3 * n, again, NULL, NULL, NULL);
}

static sb_status match_value(ls *s, relax_expr *value, const relax_sinfo *si, const char *ctx)
{
	relax_module *m = s->m;
	sb_status st;
	switch (si->kind) {
	case RELAX_SINFO_TENSOR: {
		sb_dtype dt = si->u.tensor.dtype;
		relax_expr *args[4] = {value, prim(s, si->u.tensor.ndim),
				       str(s, dt ? sb_dtype_name(dt) : ""), str(s, ctx)};
		if ((st = emit_builtin(s, SB_BUILTIN_CHECK_TENSOR_INFO, 4, args, NULL, NULL, NULL)))
			return st;
		if (!si->u.tensor.shape)
			return SB_OK;
		return match_dims(s, value, si->u.tensor.ndim, si->u.tensor.shape, ctx);
	}
	case RELAX_SINFO_SHAPE: {
		int n = si->u.shape.ndim;
		if (n == RELAX_NDIM_UNKNOWN)
			return SB_OK;
		if (si->u.shape.values)
			return match_dims(s, value, n, si->u.shape.values, ctx);
		/* Only the rank: every dim NOOP. */
		relax_expr **args = SB_ARENA_ARRAY(relax_arena(m), relax_expr *, 3 + 3 * n);
		args[0] = value, args[1] = str(s, ctx), args[2] = prim(s, n);
		for (int i = 0; i < n; i++) {
			args[3 + 3 * i] = prim(s, SB_MATCH_NOOP);
			args[4 + 3 * i] = prim(s, 0);
			args[5 + 3 * i] = str(s, "");
		}
		return emit_builtin(s, SB_BUILTIN_MATCH_SHAPE, 3 + 3 * n, args, NULL, NULL, NULL);
	}
	case RELAX_SINFO_TUPLE: {
		int n = si->u.tuple.nfields;
		relax_expr *args[3] = {value, prim(s, n), str(s, ctx)};
		if ((st = emit_builtin(s, SB_BUILTIN_CHECK_TUPLE_INFO, 3, args, NULL, NULL, NULL)))
			return st;
		for (int i = 0; i < n; i++) {
			const relax_sinfo *f = si->u.tuple.fields[i];
			if (f->kind == RELAX_SINFO_OBJECT)
				continue;
			relax_expr *fv;
			relax_expr *ga[2] = {value, prim(s, i)};
			if ((st = emit_builtin(s, SB_BUILTIN_TUPLE_GET, 2, ga,
					       relax_sinfo_object(m), "field", &fv)))
				return st;
			char sub[512];
			snprintf(sub, sizeof sub, "%s[%d]", ctx, i);
			if ((st = match_value(s, fv, f, relax_intern(m, sub))))
				return st;
		}
		return SB_OK;
	}
	case RELAX_SINFO_PRIM: {
		tir_expr *e = si->u.prim.value;
		if (!e)
			return SB_OK;
		e = simplify(s, e);
		/* The value goes to a heap slot; a new variable lives there, an
		 * expression of bound ones is asserted equal to it. */
		int slot;
		if (e->kind == TIR_VAR && slot_of(s, e) < 0)
			slot = slot_new(s, e);
		else
			slot = s->heap_size++;
		relax_expr *args[2] = {prim(s, slot), value};
		if ((st = emit_builtin(s, SB_BUILTIN_HEAP_STORE, 2, args, NULL, NULL, NULL)))
			return st;
		if (slot_of(s, e) == slot)
			return SB_OK;
		const char *missing;
		if (!all_bound(s, e, &missing))
			return sb_set_error(
			    SB_ERR_UNSUPPORTED,
			    "LowerShapes @%s: %s is %s, from which shape variable %s "
			    "cannot be bound",
			    s->fname, ctx, dim_name(s, e), missing);
		/* H[slot] == e, with the stored value as a temporary variable. */
		tir_expr *tmp = tir_var(m->tir, "value", TIR_INDEX_TYPE);
		sb_map_put(&s->slots, (uintptr_t)tmp, (void *)(uintptr_t)(slot + 1));
		sb_vec_push(&s->log, tmp);
		char *msg = sb_xasprintf("%s: the value does not equal %s", ctx, dim_name(s, e));
		sb_vec_push(&s->pending, ((ls_item){-1, tir_eq(m->tir, tmp, e),
						    sb_arena_strdup(relax_arena(m), msg)}));
		free(msg);
		return flush(s);
	}
	default:
		return SB_OK;
	}
}

/* ---- Lowering values ---- */

/* Computes the slots a leaf needs (before the flush that precedes it). */
static sb_status prepare_leaf(ls *s, relax_expr *e)
{
	int slot;
	sb_status st;
	switch (e->kind) {
	case RELAX_SHAPE_EXPR:
		for (int i = 0; i < e->u.shape.ndim; i++) {
			tir_expr *d = simplify(s, e->u.shape.values[i]);
			if (d->kind != TIR_INT_IMM && (st = slot_ensure(s, d, &slot)))
				return st;
		}
		return SB_OK;
	case RELAX_PRIM_VALUE: {
		tir_expr *v = simplify(s, e->u.prim.value);
		if (v->kind == TIR_INT_IMM || v->kind == TIR_FLOAT_IMM)
			return SB_OK;
		return slot_ensure(s, v, &slot);
	}
	case RELAX_TUPLE:
		for (int i = 0; i < e->u.tuple.nfields; i++)
			if ((st = prepare_leaf(s, e->u.tuple.fields[i])))
				return st;
		return SB_OK;
	default:
		return SB_OK;
	}
}

static sb_status lower_leaf(ls *s, relax_expr *e, relax_expr **out)
{
	relax_module *m = s->m;
	*out = e;
	sb_status st;
	switch (e->kind) {
	case RELAX_SHAPE_EXPR: {
		int n = e->u.shape.ndim;
		bool constant = true;
		tir_expr **dims = SB_ARENA_ARRAY(relax_arena(m), tir_expr *, n ? n : 1);
		for (int i = 0; i < n; i++) {
			dims[i] = simplify(s, e->u.shape.values[i]);
			constant &= dims[i]->kind == TIR_INT_IMM;
		}
		if (constant)
			return SB_OK;
		if ((*out = cache_find(s, LS_SHAPE, n, dims)))
			return SB_OK;
		relax_expr **args = SB_ARENA_ARRAY(relax_arena(m), relax_expr *, 1 + 2 * n);
		args[0] = prim(s, n);
		for (int i = 0; i < n; i++) {
			tir_expr *d = dims[i];
			int64_t v;
			bool imm = tir_expr_is_int_imm(d, &v);
			args[1 + 2 * i] = prim(s, imm ? SB_MAKE_SHAPE_IMM : SB_MAKE_SHAPE_HEAP);
			args[2 + 2 * i] = prim(s, imm ? v : slot_of(s, d));
			SB_ASSERT(imm || slot_of(s, d) >= 0);
		}
		if ((st = emit_builtin(s, SB_BUILTIN_MAKE_SHAPE, 1 + 2 * n, args, e->sinfo, "shape",
				       out)))
			return st;
		cache_add(s, LS_SHAPE, n, dims, *out);
		return SB_OK;
	}
	case RELAX_PRIM_VALUE: {
		tir_expr *v = simplify(s, e->u.prim.value);
		if (v->kind == TIR_INT_IMM || v->kind == TIR_FLOAT_IMM)
			return SB_OK;
		SB_ASSERT(slot_of(s, v) >= 0);
		if ((*out = cache_find(s, LS_PRIM, 1, &v)))
			return SB_OK;
		relax_expr *slot = prim(s, slot_of(s, v));
		if ((st = emit_builtin(s, SB_BUILTIN_HEAP_LOAD, 1, &slot, e->sinfo, "value", out)))
			return st;
		cache_add(s, LS_PRIM, 1, &v, *out);
		return SB_OK;
	}
	case RELAX_TUPLE: {
		int n = e->u.tuple.nfields;
		relax_expr **f = SB_ARENA_ARRAY(relax_arena(m), relax_expr *, n ? n : 1);
		bool changed = false;
		for (int i = 0; i < n; i++) {
			if ((st = lower_leaf(s, e->u.tuple.fields[i], &f[i])))
				return st;
			changed |= f[i] != e->u.tuple.fields[i];
		}
		if (changed)
			*out = relax_tuple(m, n, f);
		return SB_OK;
	}
	default:
		return SB_OK;
	}
}

/* A value whose leaves are lowered (a call's arguments, a tuple's fields,
 * a projection's tuple, or the leaf itself). */
static sb_status prepare_value(ls *s, relax_expr *v)
{
	sb_status st;
	if (v->kind == RELAX_CALL) {
		for (int i = 0; i < v->u.call.nargs; i++)
			if ((st = prepare_leaf(s, v->u.call.args[i])))
				return st;
		return SB_OK;
	}
	if (v->kind == RELAX_TUPLE_GET)
		return prepare_leaf(s, v->u.get.tuple);
	return prepare_leaf(s, v);
}

static sb_status lower_value(ls *s, relax_expr *v, relax_expr **out)
{
	relax_module *m = s->m;
	*out = v;
	if (v->kind != RELAX_CALL)
		return v->kind == RELAX_TUPLE_GET ? SB_OK : lower_leaf(s, v, out);
	int n = v->u.call.nargs;
	relax_expr **a = SB_ARENA_ARRAY(relax_arena(m), relax_expr *, n ? n : 1);
	bool changed = false;
	for (int i = 0; i < n; i++) {
		sb_status st = lower_leaf(s, v->u.call.args[i], &a[i]);
		if (st)
			return st;
		changed |= a[i] != v->u.call.args[i];
	}
	if (!changed)
		return SB_OK;
	relax_expr *c = v->u.call.callee
			    ? relax_call_func(m, v->u.call.callee, n, a, v->u.call.nsinfo_args,
					      v->u.call.sinfo_args)
			    : relax_call_op_sinfo(m, v->u.call.op, n, a, v->u.call.attrs,
						  v->u.call.nsinfo_args, v->u.call.sinfo_args);
	c->sinfo = v->sinfo; /* the arguments' struct info did not change */
	*out = c;
	return SB_OK;
}

static sb_status lower_seq(ls *s, relax_expr *seq, bool function, relax_expr **out);

static sb_status lower_binding(ls *s, const relax_binding *bnd)
{
	relax_module *m = s->m;
	sb_status st;
	relax_expr *value = bnd->value;
	if (value->kind != RELAX_IF && (st = prepare_value(s, value)))
		return st;
	for (int i = 0; i < bnd->nchecks; i++)
		add_assert(s, bnd->checks[i].cond, bnd->checks[i].message);
	if ((st = flush(s)))
		return st;
	relax_binding nb = {.kind = bnd->kind, .var = bnd->var, .sinfo = bnd->sinfo};
	if (value->kind == RELAX_IF) {
		relax_expr *cond, *th, *el;
		if ((st = prepare_leaf(s, value->u.if_.cond)) || (st = flush(s)) ||
		    (st = lower_leaf(s, value->u.if_.cond, &cond)) ||
		    (st = lower_seq(s, value->u.if_.then_branch, false, &th)) ||
		    (st = lower_seq(s, value->u.if_.else_branch, false, &el)))
			return st;
		nb.value = relax_if(m, cond, th, el);
		nb.value->sinfo = value->sinfo;
	} else if ((st = lower_value(s, value, &nb.value))) {
		return st;
	}
	if (bnd->kind == RELAX_MATCH_CAST) {
		char ctx[512];
		const relax_expr *v = bnd->value;
		snprintf(ctx, sizeof ctx, "'%s' (match_cast of %s%s%s)", bnd->var->u.var.name,
			 relax_expr_is_var(v) ? "'" : "",
			 relax_expr_is_var(v) ? v->u.var.name : relax_expr_kind_name(v->kind),
			 relax_expr_is_var(v) ? "'" : "");
		if ((st = match_value(s, nb.value, bnd->sinfo, relax_intern(m, ctx))))
			return st;
	}
	relax_expr *var;
	if ((st = relax_builder_emit_binding(s->b, &nb, false, &var)))
		return st;
	SB_ASSERT(var == bnd->var);
	return SB_OK;
}

/* The SeqExpr's bindings lowered in the open scope (a function) or in a
 * scope of its own (an if branch, whose slots are forgotten after it). */
static sb_status lower_seq(ls *s, relax_expr *seq, bool function, relax_expr **out)
{
	scope_mark mk = scope_enter(s);
	if (!function)
		relax_builder_begin_scope(s->b);
	sb_status st = SB_OK;
	relax_expr *result = seq;
	if (seq->kind == RELAX_SEQ) {
		for (int i = 0; i < seq->u.seq.nblocks && !st; i++) {
			relax_block *blk = seq->u.seq.blocks[i];
			if (blk->dataflow) {
				st = sb_set_error(SB_ERR_INVALID,
						  "LowerShapes @%s: a dataflow block "
						  "(run ToNonDataflow first)",
						  s->fname);
				break;
			}
			for (int k = 0; k < blk->nbindings && !st; k++)
				st = lower_binding(s, &blk->bindings[k]);
		}
		result = seq->u.seq.body;
	}
	if (!st && !(st = prepare_leaf(s, result)) && !(st = flush(s)))
		st = lower_leaf(s, result, &result);
	if (function) {
		*out = result;
		return st;
	}
	scope_leave(s, mk);
	if (st) {
		relax_expr *ignore;
		relax_builder_end_scope(s->b, relax_tuple(s->m, 0, NULL), &ignore);
		return st;
	}
	return relax_builder_end_scope(s->b, result, out);
}

/* ---- Hoisting: computations of what the parameters bind ---- */

static void hoist_expr(ls *s, tir_expr *e)
{
	e = simplify(s, e);
	int slot;
	if (is_complex(e) && slot_of(s, e) < 0 && all_bound(s, e, NULL))
		(void)slot_ensure(s, e, &slot);
}

static void hoist_sinfo(ls *s, const relax_sinfo *si)
{
	switch (si->kind) {
	case RELAX_SINFO_TENSOR:
		for (int i = 0; si->u.tensor.shape && i < si->u.tensor.ndim; i++)
			hoist_expr(s, si->u.tensor.shape[i]);
		break;
	case RELAX_SINFO_SHAPE:
		for (int i = 0; si->u.shape.values && i < si->u.shape.ndim; i++)
			hoist_expr(s, si->u.shape.values[i]);
		break;
	case RELAX_SINFO_PRIM:
		if (si->u.prim.value)
			hoist_expr(s, si->u.prim.value);
		break;
	case RELAX_SINFO_TUPLE:
		for (int i = 0; i < si->u.tuple.nfields; i++)
			hoist_sinfo(s, si->u.tuple.fields[i]);
		break;
	default:
		break;
	}
}

static void hoist_visit_expr(relax_expr *e, void *env)
{
	ls *s = env;
	if (e->kind == RELAX_SHAPE_EXPR)
		for (int i = 0; i < e->u.shape.ndim; i++)
			hoist_expr(s, e->u.shape.values[i]);
	else if (e->kind == RELAX_PRIM_VALUE && tir_type_is_int(e->u.prim.value->type))
		hoist_expr(s, e->u.prim.value);
}

static void hoist_visit_binding(relax_binding *b, relax_block *blk, void *env)
{
	(void)blk;
	if (b->kind == RELAX_MATCH_CAST)
		hoist_sinfo(env, b->sinfo);
}

/* ---- Functions ---- */

static sb_status lower_function(ls *s, relax_global *g)
{
	relax_module *m = s->m;
	relax_expr *fn = g->func;
	s->fname = g->name;
	s->public_ = relax_function_get_attr(fn, "global_symbol") || !strcmp(g->name, "main");
	s->b = relax_builder_new(m);
	relax_builder_begin_function(s->b, fn->u.func.nparams, fn->u.func.params);
	relax_builder_begin_block(s->b);
	sb_status st = SB_OK;
	for (int i = 0; i < fn->u.func.nparams && !st; i++) {
		relax_expr *p = fn->u.func.params[i];
		char ctx[512];
		if (s->public_)
			snprintf(ctx, sizeof ctx, "input '%s'", p->u.var.name);
		else
			snprintf(ctx, sizeof ctx, "@%s argument '%s'", g->name, p->u.var.name);
		st = match_value(s, p, p->sinfo, relax_intern(m, ctx));
	}
	if (!st) {
		relax_visitor v = {
		    .expr = hoist_visit_expr, .binding = hoist_visit_binding, .env = s};
		relax_expr_visit(fn->u.func.body, &v);
		st = flush(s);
	}
	relax_expr *result = NULL, *nf = NULL;
	if (!st)
		st = lower_seq(s, fn->u.func.body, true, &result);
	if (!st)
		st = relax_builder_end_function(s->b, result, fn->u.func.ret, &nf);
	relax_builder_free(s->b);
	if (st)
		return sb_error_prefix(st, "@%s", g->name);
	nf->u.func.nattrs = fn->u.func.nattrs;
	nf->u.func.attrs = fn->u.func.attrs;
	relax_function_set_attr_int(m, nf, "shape_heap_size", s->heap_size);
	relax_module_set_function(m, g->name, nf);
	return SB_OK;
}

sb_status relax_lower_shapes(relax_module *m)
{
	sb_status st = SB_OK;
	/* Snapshot: lowering adds PrimFuncs to the module. */
	size_t n = m->globals.len;
	relax_global **gs = sb_xcalloc(n ? n : 1, sizeof *gs);
	memcpy(gs, m->globals.data, sizeof *gs * n);
	for (size_t i = 0; i < n && !st; i++) {
		relax_global *g = gs[i];
		if (!g->func || relax_function_get_attr(g->func, "shape_heap_size"))
			continue;
		ls s = {.m = m};
		sb_map_init(&s.slots);
		sb_map_init(&s.asserted);
		st = lower_function(&s, g);
		sb_map_free(&s.slots);
		sb_map_free(&s.asserted);
		sb_vec_free(&s.log);
		sb_vec_free(&s.alog);
		sb_vec_free(&s.pending);
		sb_vec_free(&s.cache);
	}
	free(gs);
	return st;
}
