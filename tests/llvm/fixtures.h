/* Hand-built PrimFuncs for the llvm tests, written the way topi and the
 * schedules will produce them: one block per output element under a loop
 * nest, loops split into a vector part and a tail by hand, outer loops
 * marked parallel where the test wants threads. */
#ifndef SB_TESTS_LLVM_FIXTURES_H
#define SB_TESTS_LLVM_FIXTURES_H

#include <math.h>

#include "backends/llvm/llvm_codegen.h"

#define FX_I(ctx, v) tir_int((ctx), (v))

static inline tir_iter_var fx_spatial(tir_ctx *ctx, const char *name, tir_expr *extent)
{
	return (tir_iter_var){
	    tir_var(ctx, name, TIR_INDEX_TYPE), {FX_I(ctx, 0), extent}, TIR_ITER_SPATIAL};
}
static inline tir_iter_var fx_reduce(tir_ctx *ctx, const char *name, tir_expr *extent)
{
	return (tir_iter_var){
	    tir_var(ctx, name, TIR_INDEX_TYPE), {FX_I(ctx, 0), extent}, TIR_ITER_REDUCE};
}
static inline tir_expr *fx_loopvar(tir_ctx *ctx, const char *name)
{
	return tir_var(ctx, name, TIR_INDEX_TYPE);
}

/* A loop over [0, extent) split into `for (o, 0, extent // lanes) { for
 * (i, 0, lanes) vectorized }` and a tail `for (t, 0, extent % lanes)`;
 * make(ctx, index, env) builds the body for one element at `index`. */
typedef tir_stmt *(*fx_body_fn)(tir_ctx *ctx, tir_expr *index, void *env);
static inline tir_stmt *fx_split_loop(tir_ctx *ctx, tir_expr *extent, int lanes, fx_body_fn make,
				      void *env)
{
	tir_expr *o = fx_loopvar(ctx, "o"), *i = fx_loopvar(ctx, "i"), *t = fx_loopvar(ctx, "t");
	tir_expr *L = FX_I(ctx, lanes);
	tir_stmt *vec = tir_for(ctx, i, FX_I(ctx, 0), L, TIR_FOR_VECTORIZED,
				make(ctx, tir_add(ctx, tir_mul(ctx, o, L), i), env));
	tir_stmt *body =
	    tir_for(ctx, o, FX_I(ctx, 0), tir_floordiv(ctx, extent, L), TIR_FOR_SERIAL, vec);
	tir_expr *tail_base = tir_mul(ctx, tir_floordiv(ctx, extent, L), L);
	tir_stmt *tail = tir_for(ctx, t, FX_I(ctx, 0), tir_floormod(ctx, extent, L), TIR_FOR_SERIAL,
				 make(ctx, tir_add(ctx, tail_base, t), env));
	tir_stmt *both[2] = {body, tail};
	return tir_seq(ctx, 2, both);
}

/* ---- add: C[i] = A[i] + B[i], n symbolic, vector body of 8 + tail ---- */

typedef struct fx_binary_env {
	tir_buffer *a, *b, *c;
	tir_expr *n;
	tir_expr_kind op;
} fx_binary_env;

static inline tir_stmt *fx_binary_body(tir_ctx *ctx, tir_expr *index, void *envp)
{
	fx_binary_env *env = envp;
	tir_iter_var iv = fx_spatial(ctx, "vi", env->n);
	tir_expr *vi = iv.var;
	tir_stmt *st = tir_store(
	    ctx, env->c,
	    tir_binary(ctx, env->op, tir_load(ctx, env->a, 1, &vi), tir_load(ctx, env->b, 1, &vi)),
	    1, &vi);
	tir_block *blk = tir_block_new(ctx, "C", 1, &iv, st);
	tir_range r = {vi, FX_I(ctx, 1)};
	tir_block_add_read(ctx, blk, env->a, &r);
	tir_block_add_read(ctx, blk, env->b, &r);
	tir_block_add_write(ctx, blk, env->c, &r);
	return tir_block_realize(ctx, blk, &index, NULL);
}

/* An elementwise binary op on dtype dt (in and out). */
static inline tir_func *fx_binary(tir_ctx *ctx, const char *name, sb_dtype dt, tir_expr_kind op,
				  int lanes)
{
	tir_expr *n = tir_shape_var(ctx, "n");
	fx_binary_env env = {tir_buffer_new(ctx, "A", dt, 1, &n),
			     tir_buffer_new(ctx, "B", dt, 1, &n),
			     tir_buffer_new(ctx, "C", dt, 1, &n), n, op};
	tir_stmt *body = fx_split_loop(ctx, n, lanes, fx_binary_body, &env);
	tir_param ps[3] = {tir_param_buffer(env.a), tir_param_buffer(env.b),
			   tir_param_buffer(env.c)};
	return tir_func_new(ctx, name, 3, ps, body);
}

static inline tir_func *fx_add(tir_ctx *ctx)
{
	return fx_binary(ctx, "add", SB_F32, TIR_ADD, 8);
}

/* ---- bias_add: C[i, j] = A[i, j] + B[j]; rows parallel, columns vector + tail ---- */

typedef struct fx_bias_env {
	tir_buffer *a, *b, *c;
	tir_expr *m, *n, *row;
} fx_bias_env;

static inline tir_stmt *fx_bias_body(tir_ctx *ctx, tir_expr *col, void *envp)
{
	fx_bias_env *env = envp;
	tir_iter_var iv[2] = {fx_spatial(ctx, "vi", env->m), fx_spatial(ctx, "vj", env->n)};
	tir_expr *ij[2] = {iv[0].var, iv[1].var};
	tir_stmt *st = tir_store(
	    ctx, env->c,
	    tir_add(ctx, tir_load(ctx, env->a, 2, ij), tir_load(ctx, env->b, 1, &ij[1])), 2, ij);
	tir_block *blk = tir_block_new(ctx, "C", 2, iv, st);
	tir_range r[2] = {{ij[0], FX_I(ctx, 1)}, {ij[1], FX_I(ctx, 1)}};
	tir_block_add_read(ctx, blk, env->a, r);
	tir_block_add_read(ctx, blk, env->b, &r[1]);
	tir_block_add_write(ctx, blk, env->c, r);
	tir_expr *vals[2] = {env->row, col};
	return tir_block_realize(ctx, blk, vals, NULL);
}

static inline tir_func *fx_bias_add(tir_ctx *ctx, tir_for_kind rows)
{
	tir_expr *m = tir_shape_var(ctx, "m"), *n = tir_shape_var(ctx, "n");
	tir_expr *mn[2] = {m, n};
	fx_bias_env env = {tir_buffer_new(ctx, "A", SB_F32, 2, mn),
			   tir_buffer_new(ctx, "B", SB_F32, 1, &n),
			   tir_buffer_new(ctx, "C", SB_F32, 2, mn),
			   m,
			   n,
			   fx_loopvar(ctx, "r")};
	tir_stmt *inner = fx_split_loop(ctx, n, 8, fx_bias_body, &env);
	tir_stmt *body = tir_for(ctx, env.row, FX_I(ctx, 0), m, rows, inner);
	tir_param ps[3] = {tir_param_buffer(env.a), tir_param_buffer(env.b),
			   tir_param_buffer(env.c)};
	return tir_func_new(ctx, "bias_add", 3, ps, body);
}

/* ---- rowsum: S[i] = sum_j A[i, j] (reduce block with init) ---- */

static inline tir_func *fx_rowsum(tir_ctx *ctx, tir_for_kind rows)
{
	tir_expr *m = tir_shape_var(ctx, "m"), *n = tir_shape_var(ctx, "n");
	tir_expr *mn[2] = {m, n};
	tir_buffer *a = tir_buffer_new(ctx, "A", SB_F32, 2, mn),
		   *s = tir_buffer_new(ctx, "S", SB_F32, 1, &m);
	tir_expr *i = fx_loopvar(ctx, "i"), *j = fx_loopvar(ctx, "j");
	tir_iter_var iv[2] = {fx_spatial(ctx, "vi", m), fx_reduce(ctx, "vj", n)};
	tir_expr *vi = iv[0].var, *vij[2] = {iv[0].var, iv[1].var};
	tir_stmt *upd = tir_store(
	    ctx, s, tir_add(ctx, tir_load(ctx, s, 1, &vi), tir_load(ctx, a, 2, vij)), 1, &vi);
	tir_block *blk = tir_block_new(ctx, "S", 2, iv, upd);
	blk->init = tir_store(ctx, s, tir_f32(ctx, 0.0), 1, &vi);
	tir_range r[2] = {{vi, FX_I(ctx, 1)}, {FX_I(ctx, 0), n}};
	tir_block_add_read(ctx, blk, a, r);
	tir_block_add_write(ctx, blk, s, r);
	tir_expr *vals[2] = {i, j};
	tir_stmt *body = tir_for(ctx, i, FX_I(ctx, 0), m, rows,
				 tir_for(ctx, j, FX_I(ctx, 0), n, TIR_FOR_SERIAL,
					 tir_block_realize(ctx, blk, vals, NULL)));
	tir_param ps[2] = {tir_param_buffer(a), tir_param_buffer(s)};
	return tir_func_new(ctx, "rowsum", 2, ps, body);
}

/* ---- matmul: C[m, n] = A[m, k] B[k, n], reduce over k; j vectorized by 8 + tail ---- */

typedef struct fx_mm_env {
	tir_buffer *a, *b, *c;
	tir_expr *m, *n, *k, *i, *r;
} fx_mm_env;

static inline tir_stmt *fx_mm_body(tir_ctx *ctx, tir_expr *col, void *envp)
{
	fx_mm_env *e = envp;
	tir_iter_var iv[3] = {fx_spatial(ctx, "vi", e->m), fx_spatial(ctx, "vj", e->n),
			      fx_reduce(ctx, "vk", e->k)};
	tir_expr *vi = iv[0].var, *vj = iv[1].var, *vk = iv[2].var;
	tir_expr *cij[2] = {vi, vj}, *aik[2] = {vi, vk}, *bkj[2] = {vk, vj};
	tir_stmt *upd = tir_store(
	    ctx, e->c,
	    tir_add(ctx, tir_load(ctx, e->c, 2, cij),
		    tir_mul(ctx, tir_load(ctx, e->a, 2, aik), tir_load(ctx, e->b, 2, bkj))),
	    2, cij);
	tir_block *blk = tir_block_new(ctx, "C", 3, iv, upd);
	blk->init = tir_store(ctx, e->c, tir_f32(ctx, 0.0), 2, cij);
	tir_range rc[2] = {{vi, FX_I(ctx, 1)}, {vj, FX_I(ctx, 1)}};
	tir_range ra[2] = {{vi, FX_I(ctx, 1)}, {FX_I(ctx, 0), e->k}};
	tir_range rb[2] = {{FX_I(ctx, 0), e->k}, {vj, FX_I(ctx, 1)}};
	tir_block_add_read(ctx, blk, e->a, ra);
	tir_block_add_read(ctx, blk, e->b, rb);
	tir_block_add_write(ctx, blk, e->c, rc);
	tir_expr *vals[3] = {e->i, col, e->r};
	return tir_block_realize(ctx, blk, vals, NULL);
}

/* for i { for r (reduction) { j: vector 8 + tail } }: the init runs at r == 0. */
static inline tir_func *fx_matmul(tir_ctx *ctx)
{
	tir_expr *m = tir_shape_var(ctx, "m"), *n = tir_shape_var(ctx, "n"),
		 *k = tir_shape_var(ctx, "k");
	tir_expr *mk[2] = {m, k}, *kn[2] = {k, n}, *mn[2] = {m, n};
	fx_mm_env e = {tir_buffer_new(ctx, "A", SB_F32, 2, mk),
		       tir_buffer_new(ctx, "B", SB_F32, 2, kn),
		       tir_buffer_new(ctx, "C", SB_F32, 2, mn),
		       m,
		       n,
		       k,
		       fx_loopvar(ctx, "i"),
		       fx_loopvar(ctx, "r")};
	tir_stmt *cols = fx_split_loop(ctx, n, 8, fx_mm_body, &e);
	tir_stmt *body = tir_for(ctx, e.i, FX_I(ctx, 0), m, TIR_FOR_PARALLEL,
				 tir_for(ctx, e.r, FX_I(ctx, 0), k, TIR_FOR_SERIAL, cols));
	tir_param ps[3] = {tir_param_buffer(e.a), tir_param_buffer(e.b), tir_param_buffer(e.c)};
	return tir_func_new(ctx, "matmul", 3, ps, body);
}

/* ---- conv1d: Y[co, o] = sum_{ci, r} X[ci, o*2 + r] W[co, ci, r]; the output
 * width (w - kw) // 2 + 1 is a computed dim ---- */

static inline tir_expr *fx_conv_out(tir_ctx *ctx)
{
	tir_expr *w = tir_shape_var(ctx, "w"), *kw = tir_shape_var(ctx, "kw");
	return tir_add(ctx, tir_floordiv(ctx, tir_sub(ctx, w, kw), FX_I(ctx, 2)), FX_I(ctx, 1));
}

static inline tir_func *fx_conv1d(tir_ctx *ctx)
{
	tir_expr *ci = tir_shape_var(ctx, "ci"), *co = tir_shape_var(ctx, "co");
	tir_expr *w = tir_shape_var(ctx, "w"), *kw = tir_shape_var(ctx, "kw");
	tir_expr *ow = fx_conv_out(ctx);
	tir_expr *xs[2] = {ci, w}, *ws[3] = {co, ci, kw}, *ys[2] = {co, ow};
	tir_buffer *x = tir_buffer_new(ctx, "X", SB_F32, 2, xs),
		   *wt = tir_buffer_new(ctx, "W", SB_F32, 3, ws),
		   *y = tir_buffer_new(ctx, "Y", SB_F32, 2, ys);
	tir_expr *lo = fx_loopvar(ctx, "co_"), *lx = fx_loopvar(ctx, "ox"),
		 *lc = fx_loopvar(ctx, "c"), *lr = fx_loopvar(ctx, "rx");
	tir_iter_var iv[4] = {fx_spatial(ctx, "vo", co), fx_spatial(ctx, "vx", ow),
			      fx_reduce(ctx, "vc", ci), fx_reduce(ctx, "vr", kw)};
	tir_expr *vo = iv[0].var, *vx = iv[1].var, *vc = iv[2].var, *vr = iv[3].var;
	tir_expr *yi[2] = {vo, vx};
	tir_expr *xi[2] = {vc, tir_add(ctx, tir_mul(ctx, vx, FX_I(ctx, 2)), vr)};
	tir_expr *wi[3] = {vo, vc, vr};
	tir_stmt *upd =
	    tir_store(ctx, y,
		      tir_add(ctx, tir_load(ctx, y, 2, yi),
			      tir_mul(ctx, tir_load(ctx, x, 2, xi), tir_load(ctx, wt, 3, wi))),
		      2, yi);
	tir_block *blk = tir_block_new(ctx, "Y", 4, iv, upd);
	blk->init = tir_store(ctx, y, tir_f32(ctx, 0.0), 2, yi);
	tir_range ry[2] = {{vo, FX_I(ctx, 1)}, {vx, FX_I(ctx, 1)}};
	tir_block_add_write(ctx, blk, y, ry);
	tir_expr *vals[4] = {lo, lx, lc, lr};
	tir_stmt *s = tir_block_realize(ctx, blk, vals, NULL);
	s = tir_for(ctx, lr, FX_I(ctx, 0), kw, TIR_FOR_SERIAL, s);
	s = tir_for(ctx, lc, FX_I(ctx, 0), ci, TIR_FOR_SERIAL, s);
	s = tir_for(ctx, lx, FX_I(ctx, 0), ow, TIR_FOR_SERIAL, s);
	s = tir_for(ctx, lo, FX_I(ctx, 0), co, TIR_FOR_SERIAL, s);
	tir_param ps[3] = {tir_param_buffer(x), tir_param_buffer(wt), tir_param_buffer(y)};
	return tir_func_new(ctx, "conv1d", 3, ps, s);
}

/* ---- unary: Y[i] = f(X[i]) for an intrinsic, vector body + tail ---- */

typedef struct fx_unary_env {
	tir_buffer *x, *y;
	tir_expr *n;
	tir_intrin f;
} fx_unary_env;

static inline tir_stmt *fx_unary_body(tir_ctx *ctx, tir_expr *index, void *envp)
{
	fx_unary_env *e = envp;
	tir_iter_var iv = fx_spatial(ctx, "vi", e->n);
	tir_expr *vi = iv.var, *arg = tir_load(ctx, e->x, 1, &vi);
	tir_stmt *st = tir_store(ctx, e->y, tir_call(ctx, e->f, 1, &arg), 1, &vi);
	tir_block *blk = tir_block_new(ctx, "Y", 1, &iv, st);
	return tir_block_realize(ctx, blk, &index, NULL);
}

static inline tir_func *fx_unary(tir_ctx *ctx, const char *name, tir_intrin f, sb_dtype dt,
				 int lanes)
{
	tir_expr *n = tir_shape_var(ctx, "n");
	fx_unary_env e = {tir_buffer_new(ctx, "X", dt, 1, &n), tir_buffer_new(ctx, "Y", dt, 1, &n),
			  n, f};
	tir_stmt *body = fx_split_loop(ctx, n, lanes, fx_unary_body, &e);
	tir_param ps[2] = {tir_param_buffer(e.x), tir_param_buffer(e.y)};
	return tir_func_new(ctx, name, 2, ps, body);
}

/* ---- Running packed functions on tensors ---- */

static inline int fx_call(sb_packed_fn fn, sb_tensor *const *ts, int n)
{
	sb_value args[8], ret = {0};
	for (int i = 0; i < n; i++)
		args[i] = sb_value_tensor(ts[i]);
	sb_clear_error();
	return fn(args, n, &ret);
}

static inline sb_tensor *fx_tensor(sb_dtype dt, int rank, const int64_t *shape, unsigned seed)
{
	sb_tensor *t = sb_tensor_new(dt, rank, shape);
	int64_t n = sb_tensor_numel(t);
	for (int64_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		double v = ((double)((seed >> 8) & 0xffff) / 65535.0) * 4.0 - 2.0;
		sb_tensor_set_f64(t, i, v);
	}
	return t;
}

#endif
