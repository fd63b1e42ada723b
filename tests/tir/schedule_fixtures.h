/* Shared by tests/tir/test_schedule*.c: hand-built block-level PrimFuncs
 * (elementwise, row reduction, matmul, conv2d NCHW, exp -> add, ...) and
 * a small reference evaluator of the constructs schedules produce
 * (scalar loops of any kind run serially, blocks with predicates and
 * init, allocations, ifs, lets), with bounds-checked loads and stores.
 * Values are computed in double and stored with the buffer's dtype. */
#ifndef SB_TESTS_SCHEDULE_FIXTURES_H
#define SB_TESTS_SCHEDULE_FIXTURES_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tir/schedule/schedule.h"

/* Not every test file uses every fixture. */
#define FX_FN static __attribute__((unused))

/* ---- Evaluator ---- */

typedef struct ev_buf {
	const tir_buffer *buf;
	double *data;
	int64_t *shape;
	int64_t size;
} ev_buf;

typedef struct ev {
	tir_ctx *ctx;
	sb_map vars; /* var -> index+1 into vals */
	SB_VEC(double) vals;
	sb_map bufs; /* buffer -> ev_buf* */
	char err[512];
	bool failed;
	long steps;
} ev;

FX_FN void ev_fail(ev *e, const char *msg, const char *what)
{
	if (!e->failed)
		snprintf(e->err, sizeof e->err, "%s %s", msg, what ? what : "");
	e->failed = true;
}

FX_FN void ev_set(ev *e, const tir_expr *v, double x)
{
	void *k;
	if (sb_map_get(&e->vars, (uintptr_t)v, &k)) {
		e->vals.data[(uintptr_t)k - 1] = x;
		return;
	}
	sb_vec_push(&e->vals, x);
	sb_map_put(&e->vars, (uintptr_t)v, (void *)(uintptr_t)e->vals.len);
}

FX_FN double ev_get(ev *e, const tir_expr *v)
{
	void *k;
	if (!sb_map_get(&e->vars, (uintptr_t)v, &k)) {
		ev_fail(e, "unbound variable", v->u.var.name);
		return 0;
	}
	return e->vals.data[(uintptr_t)k - 1];
}

FX_FN double ev_round(tir_type t, double x)
{
	if (t.dtype == SB_F32)
		return (double)(float)x;
	if (t.dtype == SB_BOOL)
		return x != 0;
	return x;
}

FX_FN double ev_expr(ev *e, const tir_expr *x);

FX_FN int64_t ev_offset(ev *e, ev_buf *b, int n, tir_expr *const *ix)
{
	int64_t off = 0;
	for (int d = 0; d < n; d++) {
		int64_t i = (int64_t)ev_expr(e, ix[d]);
		if (i < 0 || i >= b->shape[d]) {
			char what[128];
			snprintf(what, sizeof what, "%s dim %d index %lld (size %lld)", b->buf->name,
				 d, (long long)i, (long long)b->shape[d]);
			ev_fail(e, "out of bounds:", what);
			return 0;
		}
		off = off * b->shape[d] + i;
	}
	return off;
}

FX_FN ev_buf *ev_buffer(ev *e, const tir_buffer *b)
{
	ev_buf *eb = sb_map_lookup(&e->bufs, (uintptr_t)b);
	if (!eb)
		ev_fail(e, "undeclared buffer", b->name);
	return eb;
}

FX_FN double ev_expr(ev *e, const tir_expr *x)
{
	if (e->failed)
		return 0;
	double a, b;
	switch (x->kind) {
	case TIR_INT_IMM:
		return (double)x->u.int_value;
	case TIR_FLOAT_IMM:
		return x->u.float_value;
	case TIR_VAR:
		return ev_get(e, x);
	case TIR_BUFFER_LOAD: {
		ev_buf *eb = ev_buffer(e, x->u.buffer);
		if (!eb)
			return 0;
		int64_t off = ev_offset(e, eb, (int)x->nops, x->ops);
		return e->failed ? 0 : eb->data[off];
	}
	case TIR_SELECT:
		a = ev_expr(e, x->ops[1]);
		b = ev_expr(e, x->ops[2]);
		return ev_expr(e, x->ops[0]) != 0 ? a : b;
	case TIR_CAST: {
		a = ev_expr(e, x->ops[0]);
		if (tir_type_is_int(x->type))
			return (double)(int64_t)a;
		return ev_round(x->type, a);
	}
	case TIR_NOT:
		return !ev_expr(e, x->ops[0]);
	case TIR_CALL: {
		a = ev_expr(e, x->ops[0]);
		double r;
		switch (x->u.intrin) {
		case TIR_INTRIN_EXP:
			r = exp(a);
			break;
		case TIR_INTRIN_SQRT:
			r = sqrt(a);
			break;
		case TIR_INTRIN_TANH:
			r = tanh(a);
			break;
		case TIR_INTRIN_SIGMOID:
			r = 1 / (1 + exp(-a));
			break;
		default:
			ev_fail(e, "intrinsic", tir_intrin_table[x->u.intrin].name);
			return 0;
		}
		return ev_round(x->type, r);
	}
	default:
		break;
	}
	if (x->nops != 2) {
		ev_fail(e, "unsupported expression", tir_expr_kind_info(x->kind)->name);
		return 0;
	}
	a = ev_expr(e, x->ops[0]);
	b = ev_expr(e, x->ops[1]);
	bool isint = tir_type_is_int(x->ops[0]->type);
	double r;
	switch (x->kind) {
	case TIR_ADD:
		r = a + b;
		break;
	case TIR_SUB:
		r = a - b;
		break;
	case TIR_MUL:
		r = a * b;
		break;
	case TIR_DIV:
		if (isint) {
			if (b == 0) {
				ev_fail(e, "division by zero", NULL);
				return 0;
			}
			r = (double)((int64_t)a / (int64_t)b);
		} else {
			r = a / b;
		}
		break;
	case TIR_MOD:
		if (b == 0) {
			ev_fail(e, "division by zero", NULL);
			return 0;
		}
		r = (double)((int64_t)a % (int64_t)b);
		break;
	case TIR_FLOOR_DIV:
		if (b == 0) {
			ev_fail(e, "division by zero", NULL);
			return 0;
		}
		r = isint ? floor(a / b) : floor(a / b);
		if (isint) {
			int64_t q = (int64_t)a / (int64_t)b;
			if (((int64_t)a % (int64_t)b != 0) && (((int64_t)a < 0) != ((int64_t)b < 0)))
				q--;
			r = (double)q;
		}
		break;
	case TIR_FLOOR_MOD: {
		if (b == 0) {
			ev_fail(e, "division by zero", NULL);
			return 0;
		}
		int64_t m = (int64_t)a % (int64_t)b;
		if (m != 0 && ((m < 0) != ((int64_t)b < 0)))
			m += (int64_t)b;
		r = (double)m;
		break;
	}
	case TIR_MIN:
		r = a < b ? a : b;
		break;
	case TIR_MAX:
		r = a > b ? a : b;
		break;
	case TIR_EQ:
		return a == b;
	case TIR_NE:
		return a != b;
	case TIR_LT:
		return a < b;
	case TIR_LE:
		return a <= b;
	case TIR_GT:
		return a > b;
	case TIR_GE:
		return a >= b;
	case TIR_AND:
		return a != 0 && b != 0;
	case TIR_OR:
		return a != 0 || b != 0;
	default:
		ev_fail(e, "unsupported expression", tir_expr_kind_info(x->kind)->name);
		return 0;
	}
	return ev_round(x->type, r);
}

FX_FN ev_buf *ev_alloc(ev *e, const tir_buffer *b)
{
	ev_buf *eb = sb_xcalloc(1, sizeof *eb);
	eb->buf = b;
	eb->shape = sb_xcalloc((size_t)(b->ndim ? b->ndim : 1), sizeof(int64_t));
	eb->size = 1;
	for (int d = 0; d < b->ndim; d++) {
		eb->shape[d] = (int64_t)ev_expr(e, b->shape[d]);
		if (eb->shape[d] < 0)
			ev_fail(e, "negative shape", b->name);
		eb->size *= eb->shape[d] > 0 ? eb->shape[d] : 0;
	}
	eb->data = sb_xcalloc((size_t)(eb->size ? eb->size : 1), sizeof(double));
	for (int64_t i = 0; i < eb->size; i++)
		eb->data[i] = NAN; /* reading before writing shows */
	return eb;
}

FX_FN void ev_free_buf(ev_buf *eb)
{
	free(eb->data);
	free(eb->shape);
	free(eb);
}

FX_FN void ev_stmt(ev *e, const tir_stmt *s)
{
	if (e->failed || !s)
		return;
	if (++e->steps > 200000000L) {
		ev_fail(e, "too many steps", NULL);
		return;
	}
	switch (s->kind) {
	case TIR_STMT_FOR: {
		int64_t mn = (int64_t)ev_expr(e, s->u.loop.min);
		int64_t ext = (int64_t)ev_expr(e, s->u.loop.extent);
		for (int64_t i = mn; i < mn + ext && !e->failed; i++) {
			ev_set(e, s->u.loop.var, (double)i);
			ev_stmt(e, s->u.loop.body);
		}
		return;
	}
	case TIR_STMT_BLOCK_REALIZE: {
		const tir_block *b = s->u.realize.block;
		double vals[32];
		if (b->niters > 32) {
			ev_fail(e, "too many iter vars", b->name);
			return;
		}
		for (int i = 0; i < b->niters; i++)
			vals[i] = ev_expr(e, s->u.realize.values[i]);
		if (!ev_expr(e, s->u.realize.predicate))
			return;
		bool first = true;
		for (int i = 0; i < b->niters; i++) {
			double mn = ev_expr(e, b->iters[i].dom.min);
			double ext = ev_expr(e, b->iters[i].dom.extent);
			if (vals[i] < mn || vals[i] >= mn + ext) {
				char what[128];
				snprintf(what, sizeof what, "%s iter %d = %g outside [%g, %g)",
					 b->name, i, vals[i], mn, mn + ext);
				ev_fail(e, "binding", what);
				return;
			}
			ev_set(e, b->iters[i].var, vals[i]);
			if (b->iters[i].kind == TIR_ITER_REDUCE && vals[i] != mn)
				first = false;
		}
		for (int i = 0; i < b->nallocs; i++)
			sb_map_put(&e->bufs, (uintptr_t)b->allocs[i], ev_alloc(e, b->allocs[i]));
		if (b->init && first)
			ev_stmt(e, b->init);
		ev_stmt(e, b->body);
		for (int i = 0; i < b->nallocs; i++) {
			ev_free_buf(sb_map_lookup(&e->bufs, (uintptr_t)b->allocs[i]));
			sb_map_remove(&e->bufs, (uintptr_t)b->allocs[i]);
		}
		return;
	}
	case TIR_STMT_BUFFER_STORE: {
		ev_buf *eb = ev_buffer(e, s->u.store.buffer);
		if (!eb)
			return;
		double v = ev_expr(e, s->u.store.value);
		int64_t off = ev_offset(e, eb, s->u.store.nindices, s->u.store.indices);
		if (!e->failed)
			eb->data[off] = ev_round(tir_type_scalar(eb->buf->dtype), v);
		return;
	}
	case TIR_STMT_ALLOCATE: {
		const tir_buffer *b = s->u.alloc.buffer;
		sb_map_put(&e->bufs, (uintptr_t)b, ev_alloc(e, b));
		ev_stmt(e, s->u.alloc.body);
		ev_free_buf(sb_map_lookup(&e->bufs, (uintptr_t)b));
		sb_map_remove(&e->bufs, (uintptr_t)b);
		return;
	}
	case TIR_STMT_IF:
		if (ev_expr(e, s->u.if_.cond))
			ev_stmt(e, s->u.if_.then_case);
		else
			ev_stmt(e, s->u.if_.else_case);
		return;
	case TIR_STMT_LET:
		ev_set(e, s->u.let.var, ev_expr(e, s->u.let.value));
		ev_stmt(e, s->u.let.body);
		return;
	case TIR_STMT_ASSERT:
		if (!ev_expr(e, s->u.assert_.cond))
			ev_fail(e, "assert:", s->u.assert_.message);
		return;
	case TIR_STMT_SEQ:
		for (int i = 0; i < s->u.seq.n; i++)
			ev_stmt(e, s->u.seq.stmts[i]);
		return;
	case TIR_STMT_EVALUATE:
		ev_expr(e, s->u.eval.value);
		return;
	}
}

/* Runs f on arrays (one per buffer param, row-major, as double), shape
 * variables bound by the caller (vars[i] = vals[i]).  Returns NULL on
 * success or the error. */
FX_FN const char *ev_run(tir_ctx *ctx, const tir_func *f, double **arrays, int nvars,
			  tir_expr *const *vars, const int64_t *vals)
{
	static char err[512];
	ev e = {.ctx = ctx};
	sb_map_init(&e.vars);
	sb_map_init(&e.bufs);
	for (int i = 0; i < nvars; i++)
		ev_set(&e, vars[i], (double)vals[i]);
	ev_buf **params = sb_xcalloc((size_t)f->nparams + 1, sizeof *params);
	for (int i = 0; i < f->nparams; i++) {
		const tir_buffer *b = f->params[i].buffer;
		ev_buf *eb = ev_alloc(&e, b);
		for (int64_t k = 0; k < eb->size; k++)
			eb->data[k] = arrays[i][k];
		params[i] = eb;
		sb_map_put(&e.bufs, (uintptr_t)b, eb);
	}
	ev_stmt(&e, f->body);
	for (int i = 0; i < f->nparams; i++) {
		if (!e.failed)
			memcpy(arrays[i], params[i]->data, sizeof(double) * (size_t)params[i]->size);
		ev_free_buf(params[i]);
	}
	free(params);
	sb_map_free(&e.vars);
	sb_map_free(&e.bufs);
	sb_vec_free(&e.vals);
	if (!e.failed)
		return NULL;
	snprintf(err, sizeof err, "%s", e.err);
	return err;
}

/* ---- Builders ---- */

static tir_ctx *FX_C;
#define I(v) tir_int(FX_C, (v))

FX_FN tir_expr *fx_ivar(const char *name)
{
	return tir_var(FX_C, name, TIR_INDEX_TYPE);
}

FX_FN tir_buffer *fx_buf(const char *name, int ndim, tir_expr *const *shape)
{
	return tir_buffer_new(FX_C, name, SB_F32, ndim, shape);
}

FX_FN tir_expr *fx_load(tir_buffer *b, int n, tir_expr *const *ix)
{
	return tir_load(FX_C, b, n, ix);
}

/* A loop nest over `ext` (one loop per iter var, named by loops[]) around
 * one block; the iter vars are bound to the loops in order. */
FX_FN tir_stmt *fx_nest(int n, const char *const *loop_names, tir_iter_var *iters, tir_stmt *body,
			 tir_block **blk_out, const char *block_name, tir_stmt *init)
{
	tir_block *blk = tir_block_new(FX_C, block_name, n, iters, body);
	blk->init = init;
	tir_expr *lv[16];
	for (int i = 0; i < n; i++)
		lv[i] = fx_ivar(loop_names[i]);
	tir_stmt *s = tir_block_realize(FX_C, blk, lv, NULL);
	for (int i = n - 1; i >= 0; i--)
		s = tir_for(FX_C, lv[i], I(0), iters[i].dom.extent, TIR_FOR_SERIAL, s);
	if (blk_out)
		*blk_out = blk;
	return s;
}

FX_FN tir_iter_var fx_iter(const char *name, tir_expr *extent, tir_iter_kind kind)
{
	tir_iter_var iv = {fx_ivar(name), {I(0), extent}, kind};
	return iv;
}

FX_FN tir_func *fx_finish(const char *name, int nparams, tir_buffer **params, tir_stmt *body,
			   tir_block **blocks, int nblocks)
{
	for (int i = 0; i < nblocks; i++)
		sch_block_infer_regions(FX_C, blocks[i]);
	tir_param ps[8];
	for (int i = 0; i < nparams; i++)
		ps[i] = tir_param_buffer(params[i]);
	return tir_func_new(FX_C, name, nparams, ps, body);
}

/* B[i, j] = A[i, j] * 2 + 1 over (n, 4) */
FX_FN tir_func *fx_elementwise(tir_expr *n)
{
	tir_expr *sh[] = {n, I(4)};
	tir_buffer *A = fx_buf("A", 2, sh), *B = fx_buf("B", 2, sh);
	tir_iter_var it[] = {fx_iter("vi", n, TIR_ITER_SPATIAL), fx_iter("vj", I(4), TIR_ITER_SPATIAL)};
	tir_expr *ix[] = {it[0].var, it[1].var};
	tir_stmt *st = tir_store(FX_C, B,
				 tir_add(FX_C, tir_mul(FX_C, fx_load(A, 2, ix), tir_f32(FX_C, 2.0)),
					 tir_f32(FX_C, 1.0)),
				 2, ix);
	tir_block *blk;
	const char *ln[] = {"i", "j"};
	tir_stmt *body = fx_nest(2, ln, it, st, &blk, "B", NULL);
	tir_buffer *ps[] = {A, B};
	return fx_finish("elementwise", 2, ps, body, &blk, 1);
}

/* S[i] = sum_k A[i, k] over (n, m) */
FX_FN tir_func *fx_rowsum(tir_expr *n, tir_expr *m)
{
	tir_expr *sh[] = {n, m};
	tir_buffer *A = fx_buf("A", 2, sh), *S = fx_buf("S", 1, &n);
	tir_iter_var it[] = {fx_iter("vi", n, TIR_ITER_SPATIAL), fx_iter("vk", m, TIR_ITER_REDUCE)};
	tir_expr *ia[] = {it[0].var, it[1].var}, *is[] = {it[0].var};
	tir_stmt *upd = tir_store(FX_C, S, tir_add(FX_C, fx_load(S, 1, is), fx_load(A, 2, ia)), 1, is);
	tir_stmt *init = tir_store(FX_C, S, tir_f32(FX_C, 0.0), 1, is);
	tir_block *blk;
	const char *ln[] = {"i", "k"};
	tir_stmt *body = fx_nest(2, ln, it, upd, &blk, "S", init);
	tir_buffer *ps[] = {A, S};
	return fx_finish("rowsum", 2, ps, body, &blk, 1);
}

/* C[i, j] = sum_k A[i, k] * B[k, j] (B[j, k] when transposed) */
FX_FN tir_func *fx_matmul(tir_expr *m, tir_expr *n, tir_expr *k, bool b_transposed)
{
	tir_expr *sa[] = {m, k}, *sb[] = {k, n}, *sbt[] = {n, k}, *sc[] = {m, n};
	tir_buffer *A = fx_buf("A", 2, sa), *B = fx_buf("B", 2, b_transposed ? sbt : sb),
		   *Cb = fx_buf("C", 2, sc);
	tir_iter_var it[] = {fx_iter("vi", m, TIR_ITER_SPATIAL), fx_iter("vj", n, TIR_ITER_SPATIAL),
			     fx_iter("vk", k, TIR_ITER_REDUCE)};
	tir_expr *vi = it[0].var, *vj = it[1].var, *vk = it[2].var;
	tir_expr *ia[] = {vi, vk}, *ib[] = {vk, vj}, *ibt[] = {vj, vk}, *ic[] = {vi, vj};
	tir_expr *prod = tir_mul(FX_C, fx_load(A, 2, ia), fx_load(B, 2, b_transposed ? ibt : ib));
	tir_stmt *upd = tir_store(FX_C, Cb, tir_add(FX_C, fx_load(Cb, 2, ic), prod), 2, ic);
	tir_stmt *init = tir_store(FX_C, Cb, tir_f32(FX_C, 0.0), 2, ic);
	tir_block *blk;
	const char *ln[] = {"i", "j", "k"};
	tir_stmt *body = fx_nest(3, ln, it, upd, &blk, "C", init);
	tir_buffer *ps[] = {A, B, Cb};
	return fx_finish(b_transposed ? "dense" : "matmul", 3, ps, body, &blk, 1);
}

/* Conv2d NCHW, 3x3 kernel, stride 1, padding 1 (select with clamped
 * index, as topi writes it):
 * Y[n, oc, y, x] = sum_{ic, ky, kx} X[n, ic, y + ky - 1, x + kx - 1] * W[oc, ic, ky, kx] */
FX_FN tir_func *fx_conv2d(tir_expr *N, int64_t IC, int64_t OC, tir_expr *H, tir_expr *Wd)
{
	tir_expr *sx[] = {N, I(IC), H, Wd}, *sw[] = {I(OC), I(IC), I(3), I(3)},
		 *sy[] = {N, I(OC), H, Wd};
	tir_buffer *X = fx_buf("X", 4, sx), *W = fx_buf("W", 4, sw), *Y = fx_buf("Y", 4, sy);
	tir_iter_var it[] = {fx_iter("vn", N, TIR_ITER_SPATIAL),   fx_iter("voc", I(OC), TIR_ITER_SPATIAL),
			     fx_iter("vy", H, TIR_ITER_SPATIAL),   fx_iter("vx", Wd, TIR_ITER_SPATIAL),
			     fx_iter("vic", I(IC), TIR_ITER_REDUCE), fx_iter("vky", I(3), TIR_ITER_REDUCE),
			     fx_iter("vkx", I(3), TIR_ITER_REDUCE)};
	tir_expr *vn = it[0].var, *voc = it[1].var, *vy = it[2].var, *vx = it[3].var,
		 *vic = it[4].var, *vky = it[5].var, *vkx = it[6].var;
	tir_expr *hy = tir_sub(FX_C, tir_add(FX_C, vy, vky), I(1));
	tir_expr *wx = tir_sub(FX_C, tir_add(FX_C, vx, vkx), I(1));
	tir_expr *inb = tir_and(FX_C,
				tir_and(FX_C, tir_ge(FX_C, hy, I(0)), tir_lt(FX_C, hy, H)),
				tir_and(FX_C, tir_ge(FX_C, wx, I(0)), tir_lt(FX_C, wx, Wd)));
	tir_expr *hc = tir_min(FX_C, tir_max(FX_C, hy, I(0)), tir_sub(FX_C, H, I(1)));
	tir_expr *wc = tir_min(FX_C, tir_max(FX_C, wx, I(0)), tir_sub(FX_C, Wd, I(1)));
	tir_expr *ix[] = {vn, vic, hc, wc}, *iw[] = {voc, vic, vky, vkx}, *iy[] = {vn, voc, vy, vx};
	tir_expr *xv = tir_select(FX_C, inb, fx_load(X, 4, ix), tir_f32(FX_C, 0.0));
	tir_stmt *upd = tir_store(
	    FX_C, Y, tir_add(FX_C, fx_load(Y, 4, iy), tir_mul(FX_C, xv, fx_load(W, 4, iw))), 4, iy);
	tir_stmt *init = tir_store(FX_C, Y, tir_f32(FX_C, 0.0), 4, iy);
	tir_block *blk;
	const char *ln[] = {"n", "oc", "y", "x", "ic", "ky", "kx"};
	tir_stmt *body = fx_nest(7, ln, it, upd, &blk, "Y", init);
	tir_buffer *ps[] = {X, W, Y};
	return fx_finish("conv2d", 3, ps, body, &blk, 1);
}

/* T[i, j] = exp(A[i, j]); D[i, j] = T[i, j] + Bias[j], T intermediate. */
FX_FN tir_func *fx_exp_add(tir_expr *n, tir_expr *m)
{
	tir_expr *sh[] = {n, m};
	tir_buffer *A = fx_buf("A", 2, sh), *Bias = fx_buf("Bias", 1, &m), *T = fx_buf("T", 2, sh),
		   *D = fx_buf("D", 2, sh);
	tir_iter_var it1[] = {fx_iter("vi", n, TIR_ITER_SPATIAL), fx_iter("vj", m, TIR_ITER_SPATIAL)};
	tir_expr *ix1[] = {it1[0].var, it1[1].var};
	tir_expr *ea = fx_load(A, 2, ix1);
	tir_stmt *s1 = tir_store(FX_C, T, tir_call(FX_C, TIR_INTRIN_EXP, 1, &ea), 2, ix1);
	tir_block *b1, *b2;
	const char *ln1[] = {"i", "j"}, *ln2[] = {"i2", "j2"};
	tir_stmt *n1 = fx_nest(2, ln1, it1, s1, &b1, "T", NULL);
	tir_iter_var it2[] = {fx_iter("ui", n, TIR_ITER_SPATIAL), fx_iter("uj", m, TIR_ITER_SPATIAL)};
	tir_expr *ix2[] = {it2[0].var, it2[1].var}, *ib[] = {it2[1].var};
	tir_stmt *s2 =
	    tir_store(FX_C, D, tir_add(FX_C, fx_load(T, 2, ix2), fx_load(Bias, 1, ib)), 2, ix2);
	tir_stmt *n2 = fx_nest(2, ln2, it2, s2, &b2, "D", NULL);
	tir_stmt *parts[] = {n1, n2};
	tir_stmt *body = tir_allocate(FX_C, T, tir_seq(FX_C, 2, parts));
	tir_buffer *ps[] = {A, Bias, D};
	tir_block *bs[] = {b1, b2};
	return fx_finish("exp_add", 3, ps, body, bs, 2);
}

/* T = A @ B (intermediate); D[i, j] = max(T[i, j] + Bias[j], 0): a fused
 * matmul with its epilogue, as FuseTIR makes it. */
FX_FN tir_func *fx_matmul_bias_relu(tir_expr *m, tir_expr *n, tir_expr *k)
{
	tir_expr *sa[] = {m, k}, *sb[] = {k, n}, *sc[] = {m, n};
	tir_buffer *A = fx_buf("A", 2, sa), *B = fx_buf("B", 2, sb), *Bias = fx_buf("Bias", 1, &n),
		   *T = fx_buf("T", 2, sc), *D = fx_buf("D", 2, sc);
	tir_iter_var it[] = {fx_iter("vi", m, TIR_ITER_SPATIAL), fx_iter("vj", n, TIR_ITER_SPATIAL),
			     fx_iter("vk", k, TIR_ITER_REDUCE)};
	tir_expr *vi = it[0].var, *vj = it[1].var, *vk = it[2].var;
	tir_expr *ia[] = {vi, vk}, *ib[] = {vk, vj}, *ic[] = {vi, vj};
	tir_stmt *upd = tir_store(FX_C, T,
				  tir_add(FX_C, fx_load(T, 2, ic),
					  tir_mul(FX_C, fx_load(A, 2, ia), fx_load(B, 2, ib))),
				  2, ic);
	tir_block *b1, *b2;
	const char *ln[] = {"i", "j", "k"}, *ln2[] = {"i2", "j2"};
	tir_stmt *n1 = fx_nest(3, ln, it, upd, &b1, "T", tir_store(FX_C, T, tir_f32(FX_C, 0), 2, ic));
	tir_iter_var it2[] = {fx_iter("ui", m, TIR_ITER_SPATIAL), fx_iter("uj", n, TIR_ITER_SPATIAL)};
	tir_expr *ix[] = {it2[0].var, it2[1].var}, *ibias[] = {it2[1].var};
	tir_stmt *s2 = tir_store(
	    FX_C, D,
	    tir_max(FX_C, tir_add(FX_C, fx_load(T, 2, ix), fx_load(Bias, 1, ibias)), tir_f32(FX_C, 0)),
	    2, ix);
	tir_stmt *n2 = fx_nest(2, ln2, it2, s2, &b2, "D", NULL);
	tir_stmt *parts[] = {n1, n2};
	tir_stmt *body = tir_allocate(FX_C, T, tir_seq(FX_C, 2, parts));
	tir_buffer *ps[] = {A, B, Bias, D};
	tir_block *bs[] = {b1, b2};
	return fx_finish("matmul_bias_relu", 4, ps, body, bs, 2);
}

/* S[j] = sum_i A[i, j]: a reduction over the outer axis. */
FX_FN tir_func *fx_colsum(tir_expr *n, tir_expr *m)
{
	tir_expr *sh[] = {n, m};
	tir_buffer *A = fx_buf("A", 2, sh), *S = fx_buf("S", 1, &m);
	tir_iter_var it[] = {fx_iter("vj", m, TIR_ITER_SPATIAL), fx_iter("vi", n, TIR_ITER_REDUCE)};
	tir_expr *ia[] = {it[1].var, it[0].var}, *is[] = {it[0].var};
	tir_stmt *upd = tir_store(FX_C, S, tir_add(FX_C, fx_load(S, 1, is), fx_load(A, 2, ia)), 1, is);
	tir_block *blk;
	const char *ln[] = {"j", "i"};
	tir_stmt *body =
	    fx_nest(2, ln, it, upd, &blk, "S", tir_store(FX_C, S, tir_f32(FX_C, 0.0), 1, is));
	tir_buffer *ps[] = {A, S};
	return fx_finish("colsum", 2, ps, body, &blk, 1);
}

/* Softmax over the last axis, as four blocks: row max (from A[i, 0], as
 * topi writes it), exp, row sum, divide (E, M and S intermediates). */
FX_FN tir_func *fx_softmax(tir_expr *n, tir_expr *m)
{
	tir_expr *sh[] = {n, m};
	tir_buffer *A = fx_buf("A", 2, sh), *Y = fx_buf("Y", 2, sh), *M = fx_buf("M", 1, &n),
		   *E = fx_buf("E", 2, sh), *S = fx_buf("S", 1, &n);
	tir_block *bs[4];
	/* M[i] = max_k A[i, k] */
	tir_iter_var i1[] = {fx_iter("vi", n, TIR_ITER_SPATIAL), fx_iter("vk", m, TIR_ITER_REDUCE)};
	tir_expr *a1[] = {i1[0].var, i1[1].var}, *m1[] = {i1[0].var};
	const char *l1[] = {"i", "k"};
	tir_stmt *n1 = fx_nest(2, l1, i1,
			       tir_store(FX_C, M, tir_max(FX_C, fx_load(M, 1, m1), fx_load(A, 2, a1)), 1, m1),
			       &bs[0], "M", tir_store(FX_C, M, fx_load(A, 2, (tir_expr *[]){i1[0].var, I(0)}), 1, m1));
	/* E[i, j] = exp(A[i, j] - M[i]) */
	tir_iter_var i2[] = {fx_iter("vi", n, TIR_ITER_SPATIAL), fx_iter("vj", m, TIR_ITER_SPATIAL)};
	tir_expr *a2[] = {i2[0].var, i2[1].var}, *m2[] = {i2[0].var};
	tir_expr *d2 = tir_sub(FX_C, fx_load(A, 2, a2), fx_load(M, 1, m2));
	const char *l2[] = {"i", "j"};
	tir_stmt *n2 = fx_nest(2, l2, i2, tir_store(FX_C, E, tir_call(FX_C, TIR_INTRIN_EXP, 1, &d2), 2, a2),
			       &bs[1], "E", NULL);
	/* S[i] = sum_k E[i, k] */
	tir_iter_var i3[] = {fx_iter("vi", n, TIR_ITER_SPATIAL), fx_iter("vk", m, TIR_ITER_REDUCE)};
	tir_expr *a3[] = {i3[0].var, i3[1].var}, *s3[] = {i3[0].var};
	tir_stmt *n3 = fx_nest(2, l1, i3,
			       tir_store(FX_C, S, tir_add(FX_C, fx_load(S, 1, s3), fx_load(E, 2, a3)), 1, s3),
			       &bs[2], "S", tir_store(FX_C, S, tir_f32(FX_C, 0.0), 1, s3));
	/* Y[i, j] = E[i, j] / S[i] */
	tir_iter_var i4[] = {fx_iter("vi", n, TIR_ITER_SPATIAL), fx_iter("vj", m, TIR_ITER_SPATIAL)};
	tir_expr *a4[] = {i4[0].var, i4[1].var}, *s4[] = {i4[0].var};
	tir_stmt *n4 = fx_nest(2, l2, i4,
			       tir_store(FX_C, Y, tir_div(FX_C, fx_load(E, 2, a4), fx_load(S, 1, s4)), 2, a4),
			       &bs[3], "Y", NULL);
	tir_stmt *parts[] = {n1, n2, n3, n4};
	tir_stmt *body = tir_allocate(FX_C, M, tir_allocate(FX_C, E, tir_allocate(FX_C, S, tir_seq(FX_C, 4, parts))));
	tir_buffer *ps[] = {A, Y};
	return fx_finish("softmax", 2, ps, body, bs, 4);
}

/* ---- Comparing an original and a scheduled function ---- */

FX_FN double fx_rand(uint64_t *s)
{
	*s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)((*s >> 33) % 2001) / 1000.0 - 1.0;
}

/* Evaluates both functions on the same random inputs (every param but
 * the last `nout` is an input) with shape vars bound, and compares the
 * outputs within tol.  Returns NULL or a message. */
FX_FN const char *fx_same(const tir_func *a, const tir_func *b, int nout, int nvars,
			   tir_expr *const *vars, const int64_t *vals, double tol)
{
	static char msg[1024];
	int np = a->nparams;
	double *xa[8], *xb[8];
	int64_t size[8];
	uint64_t seed = 12345;
	ev e = {.ctx = FX_C};
	sb_map_init(&e.vars);
	for (int i = 0; i < nvars; i++)
		ev_set(&e, vars[i], (double)vals[i]);
	for (int i = 0; i < np; i++) {
		const tir_buffer *buf = a->params[i].buffer;
		size[i] = 1;
		for (int d = 0; d < buf->ndim; d++)
			size[i] *= (int64_t)ev_expr(&e, buf->shape[d]);
		xa[i] = sb_xcalloc((size_t)(size[i] ? size[i] : 1), sizeof(double));
		xb[i] = sb_xcalloc((size_t)(size[i] ? size[i] : 1), sizeof(double));
		for (int64_t k = 0; k < size[i]; k++)
			xa[i][k] = xb[i][k] = i < np - nout ? (double)(float)fx_rand(&seed) : -777.0;
	}
	sb_map_free(&e.vars);
	sb_vec_free(&e.vals);
	const char *err = ev_run(FX_C, a, xa, nvars, vars, vals);
	const char *res = NULL;
	if (err) {
		snprintf(msg, sizeof msg, "original: %s", err);
		res = msg;
	}
	if (!res && (err = ev_run(FX_C, b, xb, nvars, vars, vals))) {
		snprintf(msg, sizeof msg, "scheduled: %s", err);
		res = msg;
	}
	for (int i = np - nout; i < np && !res; i++) {
		for (int64_t k = 0; k < size[i]; k++) {
			double d = fabs(xa[i][k] - xb[i][k]);
			if (!(d <= tol * (1 + fabs(xa[i][k])))) {
				snprintf(msg, sizeof msg, "output %d element %lld: %g vs %g", i,
					 (long long)k, xa[i][k], xb[i][k]);
				res = msg;
				break;
			}
			if (xa[i][k] == -777.0) {
				snprintf(msg, sizeof msg, "output %d element %lld never written", i,
					 (long long)k);
				res = msg;
				break;
			}
		}
	}
	for (int i = 0; i < np; i++) {
		free(xa[i]);
		free(xb[i]);
	}
	return res;
}

#endif
