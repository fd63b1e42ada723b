/* The building blocks every topi op is written with: a builder that
 * collects params, shape assertions, blocks and intermediate buffers and
 * turns them into a verified PrimFunc; loop nests that make the loops, the
 * block and its iter vars and infer the block's regions from its
 * statements; broadcasting of symbolic dims (rules in topi.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "topi.h"

void topi_builder_init(topi_builder *b, tir_ctx *ctx, const char *op, const char *name)
{
	memset(b, 0, sizeof *b);
	b->ctx = ctx;
	b->op = op;
	b->name = name;
	if (!name || !*name) {
		/* not the bare op name: "exp" would be libm's symbol */
		char buf[128];
		snprintf(buf, sizeof buf, "topi_%s", op);
		b->name = tir_intern(ctx, buf);
	}
	b->an = tir_analyzer_new(ctx);
}

static void builder_free(topi_builder *b)
{
	sb_vec_free(&b->params);
	sb_vec_free(&b->asserts);
	sb_vec_free(&b->stmts);
	sb_vec_free(&b->temps);
	sb_vec_free(&b->block_names);
	tir_analyzer_free(b->an);
	b->an = NULL;
}

sb_status topi_fail(topi_builder *b, sb_status code, const char *fmt, ...)
{
	if (b->status)
		return b->status;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	b->status = sb_set_error(code, "topi %s '%s': %s", b->op, b->name, msg);
	return code;
}

bool topi_axis(topi_builder *b, int64_t axis, int rank, int *out)
{
	int64_t a = axis < 0 ? axis + rank : axis;
	if (a < 0 || a >= rank) {
		topi_fail(b, SB_ERR_INVALID, "axis %lld is out of range for rank %d",
			  (long long)axis, rank);
		*out = 0;
		return false;
	}
	*out = (int)a;
	return true;
}

tir_expr *topi_simplify(topi_builder *b, tir_expr *e)
{
	return tir_simplify(b->ctx, b->an, e);
}

bool topi_prove(topi_builder *b, tir_expr *cond)
{
	return tir_can_prove(b->ctx, b->an, cond);
}

/* ---- Params ---- */

static bool shape_ok(topi_builder *b, const char *name, int ndim, tir_expr *const *shape)
{
	if (ndim < 0 || ndim > SB_MAX_RANK) {
		topi_fail(b, SB_ERR_UNSUPPORTED, "%s has rank %d; ranks 0 to %d are supported",
			  name, ndim, SB_MAX_RANK);
		return false;
	}
	for (int d = 0; d < ndim; d++) {
		if (!shape || !shape[d] || !tir_type_is_int(shape[d]->type) ||
		    shape[d]->type.lanes != 1) {
			topi_fail(b, SB_ERR_INVALID, "%s dim %d is not an integer expression", name,
				  d);
			return false;
		}
		int64_t v;
		if (tir_expr_is_int_imm(shape[d], &v) && v < 0) {
			topi_fail(b, SB_ERR_INVALID, "%s dim %d is %lld", name, d, (long long)v);
			return false;
		}
	}
	return true;
}

/* Shape expressions are int64 (the index type) whatever int type the
 * caller used. */
static void shape_index(topi_builder *b, int ndim, tir_expr *const *in, tir_expr **out)
{
	for (int d = 0; d < ndim; d++)
		out[d] =
		    in[d]->type.dtype == SB_I64 ? in[d] : tir_cast(b->ctx, TIR_INDEX_TYPE, in[d]);
}

static tir_buffer *param_buffer(topi_builder *b, const char *name, sb_dtype dt, int ndim,
				tir_expr *const *shape, bool simplify)
{
	if (b->status || !shape_ok(b, name, ndim, shape))
		return NULL;
	if (dt <= SB_DT_INVALID || dt >= SB_DT_COUNT) {
		topi_fail(b, SB_ERR_INVALID, "%s has no valid dtype", name);
		return NULL;
	}
	tir_expr *dims[SB_MAX_RANK + 1];
	shape_index(b, ndim, shape, dims);
	for (int d = 0; simplify && d < ndim; d++)
		dims[d] = topi_simplify(b, dims[d]);
	return tir_buffer_new(b->ctx, name, dt, ndim, dims);
}

tir_buffer *topi_input(topi_builder *b, const char *name, topi_tensor t)
{
	tir_buffer *buf = param_buffer(b, name, t.dtype, t.ndim, t.shape, false);
	if (buf)
		sb_vec_push(&b->params, tir_param_buffer(buf));
	return buf;
}

tir_buffer *topi_output(topi_builder *b, const char *name, sb_dtype dt, int ndim,
			tir_expr *const *shape)
{
	tir_buffer *buf = param_buffer(b, name, dt, ndim, shape, true);
	if (buf) {
		sb_vec_push(&b->params, tir_param_buffer(buf));
		b->nout++;
	}
	return buf;
}

tir_buffer *topi_temp(topi_builder *b, const char *name, sb_dtype dt, int ndim,
		      tir_expr *const *shape)
{
	tir_buffer *buf = param_buffer(b, name, dt, ndim, shape, true);
	if (buf)
		sb_vec_push(&b->temps, buf);
	return buf;
}

bool topi_require(topi_builder *b, tir_expr *cond, const char *fmt, ...)
{
	if (b->status)
		return false;
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	tir_expr *c = topi_simplify(b, cond);
	if (topi_prove(b, c))
		return true;
	if (topi_prove(b, tir_not(b->ctx, c))) {
		topi_fail(b, SB_ERR_INVALID, "%s", msg);
		return false;
	}
	char full[1024];
	snprintf(full, sizeof full, "%s: %s", b->op, msg);
	sb_vec_push(&b->asserts, tir_assert(b->ctx, c, full));
	return true;
}

/* ---- Expressions ---- */

tir_expr *topi_const(topi_builder *b, sb_dtype dt, double v)
{
	tir_type t = tir_type_scalar(dt);
	if (sb_dtype_is_float(dt))
		return tir_imm_float(b->ctx, t, v);
	if (dt == SB_BOOL)
		return tir_imm_int(b->ctx, t, v != 0);
	if (v != v)
		v = 0;
	if (v >= 9223372036854775807.0)
		return tir_imm_int(b->ctx, t, INT64_MAX);
	if (v <= -9223372036854775808.0)
		return tir_imm_int(b->ctx, t, INT64_MIN);
	return tir_imm_int(b->ctx, t, (int64_t)v);
}

tir_expr *topi_convert(topi_builder *b, tir_expr *v, sb_dtype to)
{
	tir_ctx *c = b->ctx;
	sb_dtype from = v->type.dtype;
	if (from == to)
		return v;
	if (to == SB_BOOL)
		return tir_ne(c, v, topi_const(b, from, 0));
	if (sb_dtype_is_float(from) && sb_dtype_is_int(to)) {
		/* float -> int is defined everywhere (an out-of-range conversion
		 * is undefined in LLVM): NaN gives 0, values saturate at int64,
		 * then wrap to a narrower type (numpy's astype, the oracle) */
		tir_type f64 = tir_type_scalar(SB_F64);
		tir_expr *d = from == SB_F64 ? v : tir_cast(c, f64, v);
		tir_expr *two63 = tir_imm_float(c, f64, 9223372036854775808.0);
		tir_expr *big = tir_ge(c, d, two63);
		tir_expr *small = tir_lt(c, d, tir_imm_float(c, f64, -9223372036854775808.0));
		tir_expr *bad =
		    tir_or(c, tir_or(c, big, small), tir_call(c, TIR_INTRIN_ISNAN, 1, &d));
		tir_expr *i =
		    tir_cast(c, TIR_INDEX_TYPE, tir_select(c, bad, tir_imm_float(c, f64, 0), d));
		i = tir_select(c, big, tir_int(c, INT64_MAX),
			       tir_select(c, small, tir_int(c, INT64_MIN), i));
		return to == SB_I64 ? i : tir_cast(c, tir_type_scalar(to), i);
	}
	return tir_cast(c, tir_type_scalar(to), v);
}

sb_dtype topi_compute_dtype(sb_dtype dt)
{
	return dt == SB_F16 || dt == SB_BF16 ? SB_F32 : dt;
}

/* The lowest / highest value of a dtype: -inf / inf for floats. */
tir_expr *topi_dtype_limit(topi_builder *b, sb_dtype dt, bool highest)
{
	if (sb_dtype_is_float(dt))
		return topi_const(b, dt, highest ? INFINITY : -INFINITY);
	tir_type t = tir_type_scalar(dt);
	switch (dt) {
	case SB_I8:
		return tir_imm_int(b->ctx, t, highest ? INT8_MAX : INT8_MIN);
	case SB_I16:
		return tir_imm_int(b->ctx, t, highest ? INT16_MAX : INT16_MIN);
	case SB_I32:
		return tir_imm_int(b->ctx, t, highest ? INT32_MAX : INT32_MIN);
	case SB_I64:
		return tir_imm_int(b->ctx, t, highest ? INT64_MAX : INT64_MIN);
	case SB_U8:
		return tir_imm_int(b->ctx, t, highest ? UINT8_MAX : 0);
	case SB_U16:
		return tir_imm_int(b->ctx, t, highest ? UINT16_MAX : 0);
	case SB_U32:
		return tir_imm_int(b->ctx, t, highest ? (int64_t)UINT32_MAX : 0);
	case SB_U64:
		return tir_imm_int(b->ctx, t, highest ? -1 : 0);
	default:
		return tir_imm_int(b->ctx, t, highest ? 1 : 0);
	}
}

tir_expr *topi_clamp_index(topi_builder *b, tir_expr *x, tir_expr *extent)
{
	tir_ctx *c = b->ctx;
	tir_expr *hi = tir_sub(c, extent, tir_int(c, 1));
	return topi_simplify(b, tir_max(c, tir_min(c, x, hi), tir_int(c, 0)));
}

tir_expr *topi_load(topi_builder *b, tir_buffer *buf, tir_expr *const *idx)
{
	tir_expr *ix[SB_MAX_RANK + 1];
	for (int d = 0; d < buf->ndim; d++)
		ix[d] = topi_simplify(b, idx[d]);
	return tir_load(b->ctx, buf, buf->ndim, ix);
}

/* ---- Broadcasting ---- */

static bool is_one(const tir_expr *e)
{
	return tir_expr_is_const(e, 1);
}

tir_expr *topi_broadcast_dim(topi_builder *b, tir_expr *x, tir_expr *y, const char *what)
{
	tir_ctx *c = b->ctx;
	if (b->status)
		return x;
	if (is_one(x))
		return y;
	if (is_one(y))
		return x;
	if (x == y || topi_prove(b, tir_eq(c, x, y)))
		return x;
	int64_t xv, yv;
	bool xc = tir_expr_is_int_imm(x, &xv), yc = tir_expr_is_int_imm(y, &yv);
	char *xs = tir_expr_to_string(x), *ys = tir_expr_to_string(y);
	tir_expr *out = NULL;
	if (xc && yc) {
		topi_fail(b, SB_ERR_INVALID, "%s: dims %lld and %lld cannot be broadcast", what,
			  (long long)xv, (long long)yv);
		out = x;
	} else {
		tir_expr *one = tir_int(c, 1);
		topi_require(
		    b, tir_or(c, tir_eq(c, x, y), tir_or(c, tir_eq(c, x, one), tir_eq(c, y, one))),
		    "%s: dims %s and %s cannot be broadcast (they differ and neither is 1)", what,
		    xs, ys);
		/* Against a constant the output is that constant (the other side
		 * must be 1 or equal); two variables need the general form. */
		out = xc ? x : yc ? y : topi_simplify(b, tir_select(c, tir_eq(c, x, one), y, x));
	}
	free(xs);
	free(ys);
	return out;
}

int topi_broadcast_shapes(topi_builder *b, int n, const topi_tensor *ts, tir_expr **shape)
{
	int rank = 0;
	for (int i = 0; i < n; i++)
		rank = SB_MAX(rank, ts[i].ndim);
	if (rank > SB_MAX_RANK) {
		topi_fail(b, SB_ERR_UNSUPPORTED, "rank %d is above %d", rank, SB_MAX_RANK);
		return 0;
	}
	for (int d = 0; d < rank; d++)
		shape[d] = NULL;
	for (int i = 0; i < n; i++) {
		int off = rank - ts[i].ndim;
		for (int d = 0; d < ts[i].ndim; d++) {
			tir_expr *x = ts[i].shape[d];
			if (x->type.dtype != SB_I64)
				x = tir_cast(b->ctx, TIR_INDEX_TYPE, x);
			char what[64];
			snprintf(what, sizeof what, "input %d dim %d", i, d);
			shape[off + d] =
			    shape[off + d] ? topi_broadcast_dim(b, shape[off + d], x, what) : x;
		}
	}
	for (int d = 0; d < rank; d++)
		if (!shape[d])
			shape[d] = tir_int(b->ctx, 1);
	return rank;
}

tir_expr *topi_broadcast_index(topi_builder *b, tir_expr *x, tir_expr *o, tir_expr *iv)
{
	tir_ctx *c = b->ctx;
	if (is_one(x))
		return tir_int(c, 0);
	if (x == o || topi_prove(b, tir_eq(c, x, o)))
		return iv;
	return tir_select(c, tir_eq(c, x, tir_int(c, 1)), tir_int(c, 0), iv);
}

tir_expr *topi_broadcast_load(topi_builder *b, tir_buffer *in, int out_rank,
			      tir_expr *const *out_shape, tir_expr *const *iv)
{
	tir_expr *idx[SB_MAX_RANK + 1];
	int off = out_rank - in->ndim;
	SB_ASSERT(off >= 0);
	for (int d = 0; d < in->ndim; d++)
		idx[d] = topi_broadcast_index(b, in->shape[d], out_shape[off + d], iv[off + d]);
	return topi_load(b, in, idx);
}

/* ---- Loop nests ---- */

static const char *unique_block_name(topi_builder *b, const char *name)
{
	const char *base = tir_intern(b->ctx, name);
	const char *cand = base;
	for (int k = 1;; k++) {
		bool taken = false;
		for (size_t i = 0; i < b->block_names.len; i++)
			taken |= b->block_names.data[i] == cand;
		if (!taken)
			break;
		char buf[256];
		snprintf(buf, sizeof buf, "%s_%d", base, k);
		cand = tir_intern(b->ctx, buf);
	}
	sb_vec_push(&b->block_names, cand);
	return cand;
}

static void nest_begin(topi_builder *b, topi_nest *n, const char *block, int ndim,
		       tir_expr *const *extents, bool opaque)
{
	memset(n, 0, sizeof *n);
	n->opaque = opaque;
	n->mark = tir_analyzer_mark(b->an);
	if (b->status)
		return;
	n->block = unique_block_name(b, block);
	SB_ASSERT(ndim >= 0 && ndim <= SB_MAX_RANK);
	n->nspatial = ndim;
	for (int d = 0; d < ndim; d++) {
		char nm[16];
		snprintf(nm, sizeof nm, opaque ? "i%d" : "v%d", d);
		n->iv[d] = tir_var(b->ctx, nm, TIR_INDEX_TYPE);
		n->iv_extent[d] = extents[d];
		tir_analyzer_bind_range(b->an, n->iv[d], tir_int(b->ctx, 0), extents[d]);
	}
}

void topi_nest_begin(topi_builder *b, topi_nest *n, const char *block, int ndim,
		     tir_expr *const *extents)
{
	nest_begin(b, n, block, ndim, extents, false);
}

void topi_nest_begin_opaque(topi_builder *b, topi_nest *n, const char *block, int ndim,
			    tir_expr *const *extents)
{
	nest_begin(b, n, block, ndim, extents, true);
}

tir_expr *topi_nest_reduce_axis(topi_builder *b, topi_nest *n, tir_expr *extent)
{
	SB_ASSERT(n->nreduce < TOPI_MAX_REDUCE);
	char nm[16];
	snprintf(nm, sizeof nm, n->opaque ? "k%d" : "r%d", n->nreduce);
	tir_expr *v = tir_var(b->ctx, nm, TIR_INDEX_TYPE);
	n->rv[n->nreduce] = v;
	n->rv_extent[n->nreduce++] = extent;
	tir_analyzer_bind_range(b->an, v, tir_int(b->ctx, 0), extent);
	return v;
}

/* Region inference: every access (buffer, indices) of the block's
 * statements.  A dim read or written at one index made of iter vars, shape
 * vars and constants is that point; anything else is the whole dim. */
typedef struct access {
	tir_buffer *buf;
	tir_expr *const *idx;
	bool write;
} access;

typedef struct region_env {
	const topi_nest *n;
	SB_VEC(access) acc;
	sb_map seen;
} region_env;

static void collect_loads(region_env *env, tir_expr *e)
{
	if (sb_map_get(&env->seen, (uintptr_t)e, NULL))
		return;
	sb_map_put(&env->seen, (uintptr_t)e, NULL);
	for (uint32_t i = 0; i < e->nops; i++)
		collect_loads(env, e->ops[i]);
	if (e->kind == TIR_BUFFER_LOAD)
		sb_vec_push(&env->acc, ((access){e->u.buffer, e->ops, false}));
}

static bool collect_pre(tir_stmt *s, void *envp)
{
	region_env *env = envp;
	switch (s->kind) {
	case TIR_STMT_BUFFER_STORE:
		collect_loads(env, s->u.store.value);
		for (int i = 0; i < s->u.store.nindices; i++)
			collect_loads(env, s->u.store.indices[i]);
		sb_vec_push(&env->acc, ((access){s->u.store.buffer, s->u.store.indices, true}));
		break;
	case TIR_STMT_IF:
		collect_loads(env, s->u.if_.cond);
		break;
	case TIR_STMT_LET:
		collect_loads(env, s->u.let.value);
		break;
	case TIR_STMT_EVALUATE:
		collect_loads(env, s->u.eval.value);
		break;
	case TIR_STMT_FOR:
		collect_loads(env, s->u.loop.min);
		collect_loads(env, s->u.loop.extent);
		break;
	default:
		break;
	}
	return true;
}

static bool nest_var(const topi_nest *n, const tir_expr *v)
{
	for (int i = 0; i < n->nspatial; i++)
		if (n->iv[i] == v)
			return true;
	for (int i = 0; i < n->nreduce; i++)
		if (n->rv[i] == v)
			return true;
	return false;
}

static bool point_index(const topi_nest *n, const tir_expr *e)
{
	if (e->kind == TIR_BUFFER_LOAD)
		return false;
	if (e->kind == TIR_VAR)
		return e->u.var.is_shape || nest_var(n, e);
	for (uint32_t i = 0; i < e->nops; i++)
		if (!point_index(n, e->ops[i]))
			return false;
	return true;
}

/* In a reduction block, a load equal to a store of the block is the
 * accumulator (C = C + ...): it is not listed as a read, as in the
 * reduction blocks of tir/README.  Elsewhere it is a real read. */
static bool is_accumulator(const region_env *env, const access *a)
{
	if (env->n->nreduce == 0)
		return false;
	for (size_t i = 0; i < env->acc.len; i++) {
		const access *w = &env->acc.data[i];
		if (!w->write || w->buf != a->buf)
			continue;
		bool same = true;
		for (int d = 0; d < a->buf->ndim; d++)
			same &= w->idx[d] == a->idx[d];
		if (same)
			return true;
	}
	return false;
}

static void add_regions(topi_builder *b, tir_block *blk, region_env *env, bool write)
{
	tir_ctx *c = b->ctx;
	for (size_t i = 0; i < env->acc.len; i++) {
		const access *a = &env->acc.data[i];
		if (a->write != write || (!write && is_accumulator(env, a)))
			continue;
		bool first = true;
		for (size_t j = 0; j < i; j++) {
			const access *p = &env->acc.data[j];
			if (p->buf == a->buf && p->write == write &&
			    (write || !is_accumulator(env, p)))
				first = false;
		}
		if (!first)
			continue;
		tir_range r[SB_MAX_RANK + 1];
		for (int d = 0; d < a->buf->ndim; d++) {
			tir_expr *ix = a->idx[d];
			bool point = point_index(env->n, ix);
			for (size_t j = i + 1; j < env->acc.len && point; j++) {
				const access *q = &env->acc.data[j];
				if (q->buf == a->buf && q->write == write &&
				    (write || !is_accumulator(env, q)))
					point = q->idx[d] == ix;
			}
			r[d] = point ? (tir_range){ix, tir_int(c, 1)}
				     : (tir_range){tir_int(c, 0), a->buf->shape[d]};
		}
		if (write)
			tir_block_add_write(c, blk, a->buf, r);
		else
			tir_block_add_read(c, blk, a->buf, r);
	}
}

void topi_nest_end(topi_builder *b, topi_nest *n, tir_stmt *init, tir_stmt *body)
{
	tir_ctx *c = b->ctx;
	if (b->status) {
		tir_analyzer_restore(b->an, n->mark);
		return;
	}
	tir_expr *loops[SB_MAX_RANK + TOPI_MAX_REDUCE];
	tir_iter_var iters[SB_MAX_RANK + TOPI_MAX_REDUCE];
	int nl = 0;
	for (int i = 0; i < n->nspatial; i++) {
		char nm[16];
		snprintf(nm, sizeof nm, "i%d", i);
		loops[nl] = n->opaque ? n->iv[i] : tir_var(c, nm, TIR_INDEX_TYPE);
		iters[nl++] =
		    (tir_iter_var){n->iv[i], {tir_int(c, 0), n->iv_extent[i]}, TIR_ITER_SPATIAL};
	}
	for (int i = 0; i < n->nreduce; i++) {
		char nm[16];
		snprintf(nm, sizeof nm, "k%d", i);
		loops[nl] = n->opaque ? n->rv[i] : tir_var(c, nm, TIR_INDEX_TYPE);
		iters[nl++] =
		    (tir_iter_var){n->rv[i], {tir_int(c, 0), n->rv_extent[i]}, TIR_ITER_REDUCE};
	}
	tir_block *blk = tir_block_new(c, n->block, n->opaque ? 0 : nl, iters, body);
	blk->init = init;
	region_env env = {.n = n};
	sb_map_init(&env.seen);
	if (init)
		tir_stmt_walk(init, collect_pre, NULL, &env);
	tir_stmt_walk(body, collect_pre, NULL, &env);
	add_regions(b, blk, &env, false);
	add_regions(b, blk, &env, true);
	sb_vec_free(&env.acc);
	sb_map_free(&env.seen);

	tir_stmt *s = tir_block_realize(c, blk, loops, NULL);
	for (int i = nl - 1; i >= 0; i--)
		s = tir_for(c, loops[i], tir_int(c, 0), iters[i].dom.extent, TIR_FOR_SERIAL, s);
	sb_vec_push(&b->stmts, s);
	tir_analyzer_restore(b->an, n->mark);
}

static tir_expr *out_load(topi_builder *b, topi_nest *n, tir_buffer *out)
{
	SB_ASSERT(out->ndim == n->nspatial);
	return tir_load(b->ctx, out, out->ndim, n->iv);
}

void topi_nest_store(topi_builder *b, topi_nest *n, tir_buffer *out, tir_expr *value)
{
	if (b->status || !out) {
		topi_nest_end(b, n, NULL, NULL);
		return;
	}
	SB_ASSERT(out->ndim == n->nspatial);
	topi_nest_end(b, n, NULL, tir_store(b->ctx, out, value, out->ndim, n->iv));
}

tir_expr *topi_nest_acc(topi_builder *b, topi_nest *n, tir_buffer *out)
{
	return out_load(b, n, out);
}

void topi_nest_reduce(topi_builder *b, topi_nest *n, tir_buffer *out, tir_expr *init,
		      tir_expr *update)
{
	if (b->status || !out) {
		topi_nest_end(b, n, NULL, NULL);
		return;
	}
	tir_stmt *is = tir_store(b->ctx, out, init, out->ndim, n->iv);
	tir_stmt *us = tir_store(b->ctx, out, update, out->ndim, n->iv);
	topi_nest_end(b, n, is, us);
}

/* ---- Finishing ---- */

typedef struct var_scan {
	sb_map plain; /* vars that are a whole dim of some param buffer */
	const tir_expr *unbound;
	const tir_expr *where;
} var_scan;

static void find_unbound(var_scan *vs, const tir_expr *e, const tir_expr *dim)
{
	if (vs->unbound)
		return;
	if (e->kind == TIR_VAR) {
		if (!sb_map_get(&vs->plain, (uintptr_t)e, NULL)) {
			vs->unbound = e;
			vs->where = dim;
		}
		return;
	}
	for (uint32_t i = 0; i < e->nops; i++)
		find_unbound(vs, e->ops[i], dim);
}

/* Every shape variable must be a whole dim of some param (the entry binds
 * it from there); one used only inside expressions could not be bound. */
static void check_bindable(topi_builder *b)
{
	var_scan vs = {0};
	sb_map_init(&vs.plain);
	for (size_t i = 0; i < b->params.len; i++) {
		tir_buffer *buf = b->params.data[i].buffer;
		for (int d = 0; buf && d < buf->ndim; d++)
			if (buf->shape[d]->kind == TIR_VAR)
				sb_map_put(&vs.plain, (uintptr_t)buf->shape[d], NULL);
	}
	for (size_t i = 0; i < b->params.len && !vs.unbound; i++) {
		tir_buffer *buf = b->params.data[i].buffer;
		for (int d = 0; buf && d < buf->ndim; d++)
			find_unbound(&vs, buf->shape[d], buf->shape[d]);
	}
	for (size_t i = 0; i < b->temps.len && !vs.unbound; i++) {
		tir_buffer *buf = b->temps.data[i];
		for (int d = 0; d < buf->ndim; d++)
			find_unbound(&vs, buf->shape[d], buf->shape[d]);
	}
	if (vs.unbound) {
		char *s = tir_expr_to_string(vs.where);
		topi_fail(b, SB_ERR_INVALID,
			  "shape variable '%s' occurs only inside the dim expression %s: no "
			  "buffer dim binds it",
			  vs.unbound->u.var.name, s);
		free(s);
	}
	sb_map_free(&vs.plain);
}

sb_status topi_builder_finish(topi_builder *b, tir_func **out)
{
	*out = NULL;
	if (!b->status)
		check_bindable(b);
	if (!b->status && b->stmts.len == 0)
		topi_fail(b, SB_ERR_INTERNAL, "no compute was built");
	if (b->status) {
		sb_status st = b->status;
		builder_free(b);
		return st;
	}
	tir_ctx *c = b->ctx;
	tir_stmt *parts[2] = {
	    b->asserts.len ? tir_seq(c, (int)b->asserts.len, b->asserts.data) : NULL,
	    tir_seq(c, (int)b->stmts.len, b->stmts.data),
	};
	tir_stmt *body = tir_seq(c, 2, parts);
	if (body->u.seq.n == 1)
		body = body->u.seq.stmts[0];
	for (size_t i = b->temps.len; i-- > 0;)
		body = tir_allocate(c, b->temps.data[i], body);
	tir_func *f = tir_func_new(c, b->name, (int)b->params.len, b->params.data, body);
	sb_status st = tir_func_verify(f);
	if (st)
		st = sb_error_prefix(SB_ERR_INTERNAL, "topi %s '%s' built an ill-formed function",
				     b->op, b->name);
	builder_free(b);
	if (!st)
		*out = f;
	return st;
}
