/* Default CPU schedules: each block of a PrimFunc gets the schedule of its
 * pattern (tir_block_classify), read from its loops -- never from what op
 * it came from.
 *
 *   inline      producers that are pure functions of their iter vars
 *               (elementwise, broadcast, injective) are inlined into their
 *               consumers first.
 *   injective   fuse all loops, split by the vector lanes (8 float32 on
 *               AVX2), parallel outer part, vectorized inner part, the
 *               outer loop partitioned so the vector part needs no guard.
 *   reduction   over the last (contiguous) axis: spatial loops fused and
 *               parallel; the reduction split by the lanes and rfactored
 *               into a vector of partial results (one accumulator per
 *               lane), summed per row after.  Over another axis: the
 *               reduction loops move outside the innermost spatial loop,
 *               which is vectorized, with the init split off.
 *   matmul      a register tile of mr x nr outputs (nr = 1..3 vectors, mr =
 *               accumulator registers / vectors: 6 x 16 on AVX2) held in a
 *               local buffer: for each column panel (parallel) and row
 *               tile: init, k loop (unrolled by k_unroll) over mr unrolled
 *               rows x nr vector lanes, write back (or run the elementwise
 *               epilogue there).  B is packed per column panel into a
 *               contiguous [K][nr] buffer when it pays (M >= pack_min_rows
 *               or symbolic) and always when its layout is [N][K].  When
 *               that panel is too big for a parallel loop's stack and M
 *               is a constant of 4 tiles or more (no batch dims), the
 *               panels run in turn, each packed once, and the row tiles
 *               are the parallel loop.  Tails of M and N are partitioned
 *               off.
 *   conv        NCHW: the input padded once into a copy (pad_read), so the
 *               kernel reads it without bounds checks.  When the channels
 *               are a multiple of the lanes and there are no groups, the
 *               channels go in the vector lanes: a tile of 6 output columns
 *               x 16 channels (or 12 x 8), the weights packed per channel
 *               block into [IC][KH][KW][16] inside the parallel loop, each
 *               input element broadcast -- the matmul micro-kernel, for any
 *               width.  Otherwise (depthwise, grouped) a tile of channels x
 *               one vector of output columns.  Reductions over input
 *               channels and the window outside the tile, the window's
 *               inner loop unrolled; parallel over batch x channel blocks.
 *
 * A rule that meets something it cannot do leaves the rest of that block
 * as it is (every primitive is legal on its own, so what was applied is
 * correct).  SB_DEBUG=schedule prints why a rule stopped. */
#include <stdio.h>
#include <stdlib.h>

#include "tir/schedule/schedule.h"

tir_target tir_target_avx2(void)
{
	tir_target t = {
	    .vector_bytes = 32,
	    .vector_regs = 16,
	    .l1_bytes = 32 * 1024,
	    .l2_bytes = 1024 * 1024,
	};
	return t;
}

#define MAX_NEST 16

typedef struct dflt {
	tir_ctx *ctx;
	tir_schedule *sch;
	tir_target t;
	sb_map done; /* block names already scheduled as another's epilogue */
} dflt;

/* A block alone in a perfect loop nest. */
typedef struct nest {
	int n;
	tir_sch_loop **loops;
	int iter[MAX_NEST]; /* the iter var each loop binds (its binding is the loop var), or -1 */
	tir_expr *extent[MAX_NEST];
	const tir_stmt *rs;
} nest;

static bool get_nest(dflt *d, tir_sch_block *b, nest *ns)
{
	sch_path p;
	if (sch_block_path(d->sch, "default", b, &p))
		return false;
	int first = -1;
	for (int k = 0; k < p.n - 1; k++) {
		if (p.node[k]->kind == TIR_STMT_FOR && first < 0)
			first = k;
	}
	if (first < 0 || p.n - 1 - first > MAX_NEST)
		return false;
	for (int k = first; k < p.n - 1; k++) {
		if (p.node[k]->kind != TIR_STMT_FOR || p.node[k]->u.loop.body != p.node[k + 1])
			return false;
	}
	int n;
	if (tir_schedule_get_loops(d->sch, b, &n, &ns->loops))
		return false;
	SB_ASSERT(n == p.n - 1 - first);
	ns->n = n;
	ns->rs = p.node[p.n - 1];
	const tir_block *blk = ns->rs->u.realize.block;
	tir_analyzer *an = sch_analyzer_for_path(d->ctx, &p, first);
	for (int k = 0; k < n; k++) {
		const tir_stmt *s = p.node[first + k];
		ns->extent[k] = tir_simplify(d->ctx, an, s->u.loop.extent);
		ns->iter[k] = -1;
		for (int i = 0; i < blk->niters; i++) {
			if (ns->rs->u.realize.values[i] == s->u.loop.var)
				ns->iter[k] = i;
		}
	}
	tir_analyzer_free(an);
	return true;
}

static int lanes_of(dflt *d, const tir_block *b)
{
	size_t sz = b->nwrites ? sb_dtype_size(b->writes[0].buffer->dtype) : 4;
	int l = sz ? d->t.vector_bytes / (int)sz : 1;
	return l > 1 ? l : 1;
}

static bool is_const(const tir_expr *e, int64_t *v)
{
	return tir_expr_is_int_imm(e, v);
}

static void note_stop(const char *rule, const tir_block *b)
{
	if (sb_debug_enabled("schedule"))
		fprintf(stderr, "schedule: %s rule stopped at block %s: %s\n", rule, b->name,
			sb_last_error());
	sb_clear_error();
}

static bool has_guard(dflt *d, tir_sch_loop *l)
{
	return sb_map_get(&d->sch->guards, (uintptr_t)l->var, NULL);
}

/* Splits l by f with the outer part inferred. */
static sb_status split2(dflt *d, tir_sch_loop *l, int64_t f, tir_sch_loop **o, tir_sch_loop **i)
{
	int64_t fs[2] = {TIR_SPLIT_INFER, f};
	tir_sch_loop *out[2];
	sb_status st = tir_schedule_split(d->sch, l, 2, fs, out);
	if (!st) {
		*o = out[0];
		*i = out[1];
	}
	return st;
}

/* Vectorizes loop l: all of it when its extent is a constant, else split
 * by the L lanes (and the tail partitioned off). */
static void vectorize_loop(dflt *d, tir_sch_loop *l, int L)
{
	sch_path p;
	if (sch_loop_path(d->sch, "default", l, &p)) {
		sb_clear_error();
		return;
	}
	const tir_stmt *s = p.node[p.n - 1];
	int64_t e;
	tir_sch_loop *o, *i;
	if (s->u.loop.kind != TIR_FOR_SERIAL)
		return;
	if (is_const(s->u.loop.extent, &e)) {
		/* lowering takes a constant extent in steps of the lanes */
		if (e > 1 && tir_schedule_vectorize(d->sch, l))
			sb_clear_error();
		return;
	}
	if (split2(d, l, L, &o, &i) || tir_schedule_vectorize(d->sch, i) ||
	    (has_guard(d, o) && tir_schedule_partition(d->sch, o, NULL)))
		sb_clear_error();
}

static void count_one(const tir_stmt *rs, const sch_dom *dom, void *env)
{
	(void)rs;
	(void)dom;
	(*(int *)env)++;
}

/* Vectorizes the innermost loop of block b (its init, copy or epilogue
 * nest) if that loop is b's own (no other block under it). */
static void vectorize_inner(dflt *d, tir_sch_block *b)
{
	int n;
	tir_sch_loop **ls;
	if (tir_schedule_get_loops(d->sch, b, &n, &ls) || n == 0) {
		sb_clear_error();
		return;
	}
	sch_path p, q;
	if (sch_block_path(d->sch, "default", b, &p) ||
	    sch_loop_path(d->sch, "default", ls[n - 1], &q)) {
		sb_clear_error();
		return;
	}
	int blocks = 0;
	sch_visit_realizes(q.node[q.n - 1], false, count_one, &blocks);
	if (blocks == 1)
		vectorize_loop(d, ls[n - 1], lanes_of(d, p.node[p.n - 1]->u.realize.block));
}

/* ---- injective ---- */

static sb_status rule_injective(dflt *d, tir_sch_block *b)
{
	nest ns;
	if (!get_nest(d, b, &ns) || ns.n == 0)
		return SB_OK;
	int L = lanes_of(d, ns.rs->u.realize.block);
	tir_expr *total = ns.extent[0];
	for (int k = 1; k < ns.n; k++)
		total = tir_mul(d->ctx, total, ns.extent[k]);
	total = tir_simplify(d->ctx, NULL, total);
	sb_status st;
	tir_sch_loop *f = ns.loops[0], *o, *i;
	int64_t e, last;
	if (ns.n > 1 && (!is_const(ns.extent[ns.n - 1], &last) || last >= L)) {
		/* The last dim alone is long enough: vectorize along it (one
		 * index, a ramp) and run the other dims in parallel. */
		tir_sch_loop *outer = NULL;
		if (ns.n > 2 && (st = tir_schedule_fuse(d->sch, ns.n - 1, ns.loops, &outer)))
			return st;
		if (ns.n == 2)
			outer = ns.loops[0];
		if ((st = split2(d, ns.loops[ns.n - 1], L, &o, &i)) ||
		    (st = tir_schedule_vectorize(d->sch, i)))
			return st;
		if ((!is_const(total, &e) || e >= d->t.parallel_min) &&
		    (st = tir_schedule_parallel(d->sch, outer)))
			return st;
		if (has_guard(d, o) && (st = tir_schedule_partition(d->sch, o, NULL)))
			return st;
		return SB_OK;
	}
	if (ns.n > 1 && (st = tir_schedule_fuse(d->sch, ns.n, ns.loops, &f)))
		return st;
	if (is_const(total, &e) && e <= L) {
		if (e > 1 && (st = tir_schedule_vectorize(d->sch, f)))
			return st;
		return SB_OK;
	}
	if ((st = split2(d, f, L, &o, &i)) || (st = tir_schedule_vectorize(d->sch, i)))
		return st;
	if ((!is_const(total, &e) || e >= d->t.parallel_min) &&
	    (st = tir_schedule_parallel(d->sch, o)))
		return st;
	if (has_guard(d, o) && (st = tir_schedule_partition(d->sch, o, NULL)))
		return st;
	return SB_OK;
}

/* ---- epilogues ---- */

typedef struct readers {
	const tir_buffer *buf;
	SB_VEC(const tir_block *) v;
} readers;

static bool readers_pre(tir_stmt *s, void *env)
{
	readers *r = env;
	if (s->kind != TIR_STMT_BLOCK_REALIZE)
		return true;
	const tir_block *b = s->u.realize.block;
	if (sch_stmt_reads(b->body, r->buf) || sch_stmt_reads(b->init, r->buf)) {
		bool self = false;
		for (int w = 0; w < b->nwrites; w++)
			self |= b->writes[w].buffer == r->buf;
		if (!self)
			sb_vec_push(&r->v, b);
	}
	return false;
}

/* The elementwise consumer that reads the reduction's output (an
 * intermediate) and nothing else does: it runs where the accumulator tile
 * is, instead of a write-back copy. */
static tir_sch_block *epilogue_of(dflt *d, const tir_block *red)
{
	if (red->nwrites != 1)
		return NULL;
	tir_buffer *t = red->writes[0].buffer;
	if (sch_buffer_is_param(d->sch->func, t))
		return NULL;
	readers r = {t, {0}};
	tir_stmt_walk(d->sch->func->body, readers_pre, NULL, &r);
	const tir_block *e = r.v.len == 1 ? r.v.data[0] : NULL;
	sb_vec_free(&r.v);
	if (!e)
		return NULL;
	tir_block_pattern p = tir_block_classify(e);
	if (p != TIR_PATTERN_ELEMWISE && p != TIR_PATTERN_BROADCAST)
		return NULL;
	/* it reads t at the indices it writes */
	for (int i = 0; i < e->nreads; i++) {
		if (e->reads[i].buffer != t)
			continue;
		for (int k = 0; k < t->ndim; k++) {
			const tir_range *rg = &e->reads[i].ranges[k];
			if (!tir_expr_is_const(rg->extent, 1) || rg->min->kind != TIR_VAR)
				return NULL;
		}
	}
	tir_sch_block *h = sch_block_handle(d->sch, e->name);
	return h;
}

/* ---- reduction ---- */

static bool load_last_index_is(const tir_expr *e, const tir_expr *v)
{
	if (e->kind == TIR_BUFFER_LOAD && e->nops > 0 && e->ops[e->nops - 1] == v)
		return true;
	for (uint32_t i = 0; i < e->nops; i++) {
		if (load_last_index_is(e->ops[i], v))
			return true;
	}
	return false;
}

static sb_status rule_reduction(dflt *d, tir_sch_block *b)
{
	nest ns;
	if (!get_nest(d, b, &ns))
		return SB_OK;
	const tir_block *blk = ns.rs->u.realize.block;
	int L = lanes_of(d, blk);
	tir_sch_loop *sl[MAX_NEST], *rl[MAX_NEST];
	tir_expr *rext[MAX_NEST];
	int nsl = 0, nrl = 0;
	for (int k = 0; k < ns.n; k++) {
		int it = ns.iter[k];
		if (it < 0)
			return SB_OK; /* bindings already transformed */
		if (blk->iters[it].kind == TIR_ITER_REDUCE) {
			rext[nrl] = ns.extent[k];
			rl[nrl++] = ns.loops[k];
		} else {
			sl[nsl++] = ns.loops[k];
		}
	}
	if (!nrl)
		return SB_OK;
	sb_status st;
	tir_sch_loop *order[MAX_NEST];
	for (int k = 0; k < nsl; k++)
		order[k] = sl[k];
	for (int k = 0; k < nrl; k++)
		order[nsl + k] = rl[k];
	tir_sch_block *epi = epilogue_of(d, blk);
	const tir_expr *kvar = blk->iters[ns.iter[ns.n - 1]].var;
	bool row = blk->iters[ns.iter[ns.n - 1]].kind == TIR_ITER_REDUCE &&
		   load_last_index_is(blk->body->kind == TIR_STMT_BUFFER_STORE
					  ? blk->body->u.store.value
					  : tir_int(d->ctx, 0),
				      kvar);
	/* the spatial loops outside */
	if ((st = tir_schedule_reorder(d->sch, ns.n, order)))
		return st;
	tir_expr *rtotal = rext[0];
	for (int k = 1; k < nrl; k++)
		rtotal = tir_mul(d->ctx, rtotal, rext[k]);
	rtotal = tir_simplify(d->ctx, NULL, rtotal);
	int64_t rv;
	if (row) {
		tir_sch_loop *s = NULL, *kr = rl[0], *ko, *ki, *rf;
		if (nsl > 1 && (st = tir_schedule_fuse(d->sch, nsl, sl, &s)))
			return st;
		if (nsl == 1)
			s = sl[0];
		if (nrl > 1 && (st = tir_schedule_fuse(d->sch, nrl, rl, &kr)))
			return st;
		tir_sch_block *rfb;
		tir_expr_kind rop;
		tir_expr *rrhs;
		if ((!is_const(rtotal, &rv) || rv >= 2 * L) &&
		    sch_block_reducer(d->ctx, blk, &rop, &rrhs)) {
			if ((st = split2(d, kr, L, &ko, &ki)) ||
			    (st = tir_schedule_rfactor(d->sch, ki, &rfb)) ||
			    (st = tir_schedule_vectorize(d->sch, ki)))
				return st;
			rf = ko;
			char name[256];
			snprintf(name, sizeof name, "%.200s_rf_init", blk->name);
			tir_sch_block *ini;
			if (!tir_schedule_get_block(d->sch, name, &ini))
				vectorize_inner(d, ini);
			sb_clear_error();
			if (s && (st = tir_schedule_reverse_compute_at(d->sch, b, s)))
				return st;
			if (has_guard(d, rf) && (st = tir_schedule_partition(d->sch, rf, NULL)))
				return st;
		}
		if (s && epi && !tir_schedule_reverse_compute_at(d->sch, epi, s)) {
			vectorize_inner(d, epi);
			sb_map_put(&d->done, (uintptr_t)epi->block, NULL);
		}
		sb_clear_error();
		if (s && (st = tir_schedule_parallel(d->sch, s)))
			return st;
		return SB_OK;
	}
	/* Reducing over an outer axis: vectorize the innermost spatial loop,
	 * inside the reduction loops. */
	if (!nsl)
		return SB_OK;
	tir_sch_loop *jo, *ji, *outer[MAX_NEST + 1];
	if ((st = split2(d, sl[nsl - 1], L, &jo, &ji)))
		return st;
	int no = 0;
	for (int k = 0; k < nsl - 1; k++)
		outer[no++] = sl[k];
	outer[no++] = jo;
	tir_sch_loop *ord2[2 * MAX_NEST + 2];
	int n2 = 0;
	for (int k = 0; k < no; k++)
		ord2[n2++] = outer[k];
	for (int k = 0; k < nrl; k++)
		ord2[n2++] = rl[k];
	ord2[n2++] = ji;
	tir_sch_block *ini;
	if ((st = tir_schedule_reorder(d->sch, n2, ord2)) ||
	    (st = tir_schedule_decompose_reduction(d->sch, b, rl[0], &ini)) ||
	    (st = tir_schedule_vectorize(d->sch, ji)))
		return st;
	vectorize_inner(d, ini);
	/* Parallel over the outer spatial loops when there is more than one
	 * iteration of them, else over the column blocks. */
	tir_expr *otot = tir_int(d->ctx, 1);
	for (int k = 0; k < nsl - 1; k++) {
		for (int e = 0; e < ns.n; e++) {
			if (ns.loops[e] == sl[k])
				otot = tir_mul(d->ctx, otot, ns.extent[e]);
		}
	}
	otot = tir_simplify(d->ctx, NULL, otot);
	int64_t ov;
	tir_sch_loop *p = jo;
	if (no > 1 && !(is_const(otot, &ov) && ov < 2) &&
	    (st = tir_schedule_fuse(d->sch, no - 1, outer, &p)))
		return st;
	tir_sch_loop *anchor = no > 1 && p != jo ? p : jo;
	if (epi && !tir_schedule_reverse_compute_at(d->sch, epi, anchor)) {
		vectorize_inner(d, epi);
		sb_map_put(&d->done, (uintptr_t)epi->block, NULL);
	}
	sb_clear_error();
	if ((st = tir_schedule_parallel(d->sch, p)))
		return st;
	if (has_guard(d, jo) && (st = tir_schedule_partition(d->sch, jo, NULL)))
		return st;
	return SB_OK;
}

/* ---- matmul and conv: a register tile ---- */

/* Vectors per tile row: 2 (a 6 x 16 tile on AVX2), else 3 or 1 if that
 * divides a constant extent and 2 does not, else 2 with a tail. */
static int tile_vectors(int64_t ext, bool known, int L)
{
	if (known) {
		if (ext < 2 * L)
			return 1;
		static const int pref[] = {2, 3, 1};
		for (int i = 0; i < 3; i++) {
			if (ext % (pref[i] * L) == 0)
				return pref[i];
		}
	}
	return 2;
}

/* Rows of the tile: accumulators / vectors, at most a constant extent,
 * preferring one that divides it.  tail_ok: a tail of rows is partitioned
 * off (else its guard stays in the micro-kernel, and a divisor down to
 * half the tile is taken first). */
static int64_t tile_rows(dflt *d, int nvec, int64_t ext, bool known, bool tail_ok)
{
	int64_t mr = d->t.acc_regs / nvec;
	if (mr < 1)
		mr = 1;
	if (!known)
		return mr;
	if (ext <= mr)
		return ext;
	/* Many rows: the full tile with a tail beats a smaller tile (fewer
	 * accumulators than FMA latency x ports leaves the FMA units idle). */
	int64_t low = tail_ok && ext >= 16 * mr ? mr - 1 : mr / 2;
	for (int64_t r = mr; r >= low && r > 1; r--) {
		if (ext % r == 0)
			return r;
	}
	return mr;
}

static int loop_of_iter(const nest *ns, int iter)
{
	for (int k = 0; k < ns->n; k++) {
		if (ns->iter[k] == iter)
			return k;
	}
	return -1;
}

static int index_of_buffer_read(const tir_block *b, const tir_buffer *buf)
{
	for (int i = 0; i < b->nreads; i++) {
		if (b->reads[i].buffer == buf)
			return i;
	}
	return -1;
}

/* The write-back of the accumulator: an epilogue, or a cache_write copy. */
static sb_status accumulator(dflt *d, tir_sch_block *b, const tir_block *blk, tir_sch_block **wb)
{
	tir_sch_block *epi = epilogue_of(d, blk);
	if (epi) {
		*wb = epi;
		sb_map_put(&d->done, (uintptr_t)epi->block, NULL);
		return SB_OK;
	}
	return tir_schedule_cache_write(d->sch, b, 0, "local", wb);
}

static sb_status rule_matmul(dflt *d, tir_sch_block *b)
{
	nest ns;
	if (!get_nest(d, b, &ns))
		return SB_OK;
	const tir_block *blk = ns.rs->u.realize.block;
	const tir_expr *x, *y;
	if (!sch_block_mac(blk, &x, &y))
		return SB_OK;
	const tir_stmt *store = blk->body;
	int ns_ix = store->u.store.nindices;
	int it_i = -1, it_j = -1, it_k = -1;
	for (int i = 0; i < blk->niters; i++) {
		if (blk->iters[i].var == store->u.store.indices[ns_ix - 1])
			it_j = i;
		if (ns_ix >= 2 && blk->iters[i].var == store->u.store.indices[ns_ix - 2])
			it_i = i;
		if (blk->iters[i].kind == TIR_ITER_REDUCE)
			it_k = i;
	}
	if (it_i < 0 || it_j < 0 || it_k < 0)
		return SB_OK;
	/* Y: the operand indexed by j; A: by i */
	const tir_expr *jv = blk->iters[it_j].var;
	bool x_has_j = false;
	for (uint32_t k = 0; k < x->nops; k++)
		x_has_j |= x->ops[k] == jv;
	const tir_expr *bop = x_has_j ? x : y;
	int li = loop_of_iter(&ns, it_i), lj = loop_of_iter(&ns, it_j), lk = loop_of_iter(&ns, it_k);
	if (li < 0 || lj < 0 || lk < 0)
		return SB_OK;
	int L = lanes_of(d, blk);
	int64_t M = 0, N = 0, K = 0;
	bool mk = is_const(ns.extent[li], &M), nk = is_const(ns.extent[lj], &N),
	     kk = is_const(ns.extent[lk], &K);
	int nvec = tile_vectors(N, nk, L);
	int64_t nr = nk && N < nvec * L ? N : (int64_t)nvec * L;
	int64_t mr = tile_rows(d, nvec, M, mk, true);
	/* B's layout: j last means vector loads along j */
	int bdims = (int)bop->nops, jdim = -1;
	for (int k = 0; k < bdims; k++) {
		if (bop->ops[k] == jv)
			jdim = k;
	}
	bool transposed = jdim != bdims - 1;
	/* A [K][nr] panel per column block, made inside the parallel loop,
	 * must stay small; a transposed B that does not fit is packed whole
	 * (to [K][N]) before the loops instead. */
	int64_t esize = (int64_t)sb_dtype_size(bop->u.buffer->dtype);
	bool panel_fits = kk && K * nr * esize <= d->t.local_max_bytes;
	bool pack, per_panel = panel_fits;
	if (transposed)
		pack = true;
	else
		pack = panel_fits && (!mk || M >= d->t.pack_min_rows) && !(nk && N <= nr);
	/* A panel too big for a parallel loop's stack, when there are rows
	 * enough: the column panels run one after another, each packed once
	 * (from the workspace) and its row tiles shared out between the
	 * threads.  Unpacked, a panel of B is K lines a row stride apart -- at
	 * 4 KiB and its multiples they all fall in one cache set. */
	bool row_par = false;
	int nbatch = ns.n - 3;
	if (!transposed && !pack && kk && mk && nbatch == 0 && M >= d->t.pack_min_rows &&
	    !(nk && N <= nr) && M >= 4 * mr) {
		pack = per_panel = row_par = true;
	}
	sb_status st;
	tir_sch_block *packed = NULL, *wb;
	if (pack) {
		int bi = index_of_buffer_read(blk, bop->u.buffer);
		int perm[32];
		if (bi < 0 || bdims > 32 || jdim < 0)
			return SB_OK;
		int k = 0;
		for (int e = 0; e < bdims; e++) {
			if (e != jdim)
				perm[k++] = e;
		}
		perm[k] = jdim;
		if ((st = tir_schedule_cache_read_layout(d->sch, b, bi, "local", perm, &packed)))
			return st;
	}
	if ((st = accumulator(d, b, blk, &wb)))
		return st;
	tir_sch_loop *io, *ii, *jo, *ji, *ko = ns.loops[lk], *ku = NULL;
	if ((st = split2(d, ns.loops[li], mr, &io, &ii)) || (st = split2(d, ns.loops[lj], nr, &jo, &ji)))
		return st;
	int64_t u = d->t.k_unroll;
	if (kk && u > 1 && K % u == 0 && K >= 2 * u &&
	    (st = split2(d, ns.loops[lk], u, &ko, &ku)))
		return st;
	/* batch loops, jo, io, ko, ku, ii, ji */
	tir_sch_loop *order[MAX_NEST + 4], *batch[MAX_NEST];
	int no = 0, nb = 0;
	for (int k = 0; k < ns.n; k++) {
		if (k != li && k != lj && k != lk)
			batch[nb++] = order[no++] = ns.loops[k];
	}
	order[no++] = jo;
	order[no++] = io;
	order[no++] = ko;
	if (ku)
		order[no++] = ku;
	order[no++] = ii;
	order[no++] = ji;
	tir_sch_block *ini;
	if ((st = tir_schedule_reorder(d->sch, no, order)) ||
	    (st = tir_schedule_reverse_compute_at(d->sch, wb, io)) ||
	    (st = tir_schedule_decompose_reduction(d->sch, b, ko, &ini)) ||
	    (st = tir_schedule_vectorize(d->sch, ji)) || (st = tir_schedule_unroll(d->sch, ii)) ||
	    (ku && (st = tir_schedule_unroll(d->sch, ku))))
		return st;
	vectorize_inner(d, ini);
	vectorize_inner(d, wb);
	if (packed && per_panel) {
		if ((st = tir_schedule_compute_at(d->sch, packed, jo)))
			return st;
		if (!transposed)
			vectorize_inner(d, packed);
	} else if (packed) {
		int npl;
		tir_sch_loop **pl;
		if (!tir_schedule_get_loops(d->sch, packed, &npl, &pl) && npl > 0 &&
		    tir_schedule_parallel(d->sch, pl[0]))
			note_stop("matmul packing", blk);
		sb_clear_error();
	}
	tir_sch_loop *par = row_par ? io : jo;
	if (nb && (st = tir_schedule_fuse(d->sch, nb, batch, &par)))
		return st;
	if ((st = tir_schedule_parallel(d->sch, par)))
		return st;
	if (has_guard(d, io) && (st = tir_schedule_partition(d->sch, io, NULL)))
		return st;
	if (has_guard(d, jo) && (st = tir_schedule_partition(d->sch, jo, NULL)))
		return st;
	return SB_OK;
}

/* The register tile of a conv, either way round: the loops in `order`
 * (n, oco, oh, owo, reductions..., then the tile's two loops), the
 * write-back at owo, the init split off before the first reduction, `lanes`
 * vectorized and `rows` unrolled, a small innermost window loop unrolled. */
static sb_status conv_tile(dflt *d, tir_sch_block *b, tir_sch_block *wb, int no,
			   tir_sch_loop *const *order, tir_sch_loop *owo, int nred,
			   tir_sch_loop *const *red, tir_sch_loop *lanes, tir_sch_loop *rows)
{
	sb_status st;
	tir_sch_block *ini;
	if ((st = tir_schedule_reorder(d->sch, no, order)) ||
	    (st = tir_schedule_reverse_compute_at(d->sch, wb, owo)) ||
	    (st = tir_schedule_decompose_reduction(d->sch, b, red[0], &ini)) ||
	    (st = tir_schedule_vectorize(d->sch, lanes)) || (st = tir_schedule_unroll(d->sch, rows)))
		return st;
	sch_path p;
	if (!sch_loop_path(d->sch, "default", red[nred - 1], &p)) {
		int64_t e;
		if (is_const(p.node[p.n - 1]->u.loop.extent, &e) && e <= 7 &&
		    tir_schedule_unroll(d->sch, red[nred - 1]))
			sb_clear_error();
	}
	sb_clear_error();
	vectorize_inner(d, ini);
	vectorize_inner(d, wb);
	return SB_OK;
}

/* Batch x channel blocks in parallel; the tail of output columns
 * partitioned off. */
static sb_status conv_parallel(dflt *d, tir_sch_loop *n, tir_sch_loop *oco, tir_sch_loop *owo)
{
	sb_status st;
	tir_sch_loop *pair[2] = {n, oco}, *par;
	if ((st = tir_schedule_fuse(d->sch, 2, pair, &par)) ||
	    (st = tir_schedule_parallel(d->sch, par)))
		return st;
	if (has_guard(d, owo) && (st = tir_schedule_partition(d->sch, owo, NULL)))
		return st;
	return SB_OK;
}

/* Output channels in the vector lanes: a register tile of mr output
 * columns x nr channels (6 x 16 on AVX2), the weights packed per channel
 * panel into [IC][KH][KW][nr] inside the parallel loop, the window's input
 * elements broadcast -- the matmul micro-kernel.  Any width works (a tail
 * of columns is a guard that does not depend on the lane), so 7- and
 * 14-wide maps and symbolic widths run full vectors.  Taken when the
 * channels are a constant multiple of the lanes, the input does not
 * depend on the output channel (no groups) and the panel fits a parallel
 * loop's stack; *done says whether it was. */
static sb_status conv_channels(dflt *d, tir_sch_block *b, nest *ns, const int lp[4], bool *done)
{
	*done = false;
	const tir_block *blk = ns->rs->u.realize.block;
	int L = lanes_of(d, blk);
	int64_t OC, OW = 0;
	if (!is_const(ns->extent[lp[1]], &OC) || OC % L)
		return SB_OK;
	bool owk = is_const(ns->extent[lp[3]], &OW);
	const tir_expr *x, *y;
	if (!sch_block_mac(blk, &x, &y))
		return SB_OK;
	const tir_expr *ocv = blk->iters[ns->iter[lp[1]]].var;
	const tir_expr *w = NULL, *in = NULL;
	int wdim = -1;
	for (int o = 0; o < 2 && !w; o++) {
		const tir_expr *e = o ? y : x;
		for (uint32_t k = 0; k < e->nops; k++) {
			if (e->ops[k] == ocv) {
				w = e;
				in = o ? x : y;
				wdim = (int)k;
			}
		}
	}
	if (!w || tir_expr_uses_var(in, ocv) || w->nops > 8)
		return SB_OK;
	int64_t panel = (int64_t)sb_dtype_size(w->u.buffer->dtype);
	for (int k = 0; k < w->u.buffer->ndim; k++) {
		int64_t e;
		if (k == wdim)
			continue;
		if (!is_const(w->u.buffer->shape[k], &e))
			return SB_OK;
		panel *= e;
	}
	int nvec = OC % (2 * L) == 0 && panel * 2 * L <= d->t.local_max_bytes ? 2 : 1;
	int64_t nr = (int64_t)nvec * L;
	if (panel * nr > d->t.local_max_bytes)
		return SB_OK;
	int64_t mr = d->t.acc_regs / nvec;
	if (owk && OW < mr)
		mr = OW;
	int nred = 0;
	tir_sch_loop *red[MAX_NEST];
	for (int k = 0; k < ns->n; k++) {
		if (k != lp[0] && k != lp[1] && k != lp[2] && k != lp[3])
			red[nred++] = ns->loops[k];
	}
	int wi = index_of_buffer_read(blk, w->u.buffer);
	if (!nred || wi < 0)
		return SB_OK;
	int perm[8], np = 0;
	for (int k = 0; k < (int)w->nops; k++) {
		if (k != wdim)
			perm[np++] = k;
	}
	perm[np] = wdim;
	sb_status st;
	tir_sch_block *packed, *wb;
	tir_sch_loop *oco, *oci, *owo, *owi;
	/* the accumulator tile with the channels last: [n][oh][ow][oc] */
	int yperm[4] = {0, 2, 3, 1};
	if ((st = tir_schedule_cache_read_layout(d->sch, b, wi, "local", perm, &packed)) ||
	    (st = tir_schedule_cache_write_layout(d->sch, b, 0, "local", yperm, &wb)) ||
	    (st = split2(d, ns->loops[lp[1]], nr, &oco, &oci)) ||
	    (st = split2(d, ns->loops[lp[3]], mr, &owo, &owi)))
		return st;
	*done = true; /* from here on, a failure is an error, not a fallback */
	/* n, oco, oh, owo, reductions..., owi, oci */
	tir_sch_loop *order[MAX_NEST + 2];
	int no = 0;
	order[no++] = ns->loops[lp[0]];
	order[no++] = oco;
	order[no++] = ns->loops[lp[2]];
	order[no++] = owo;
	for (int k = 0; k < nred; k++)
		order[no++] = red[k];
	order[no++] = owi;
	order[no++] = oci;
	if ((st = conv_tile(d, b, wb, no, order, owo, nred, red, oci, owi)) ||
	    (st = tir_schedule_compute_at(d->sch, packed, oco)))
		return st;
	return conv_parallel(d, ns->loops[lp[0]], oco, owo);
}

/* Output columns in the vector lanes (depthwise and grouped convs, and
 * channel counts that are no multiple of the lanes): a tile of channels x
 * one vector of columns. */
static sb_status conv_columns(dflt *d, tir_sch_block *b, nest *ns, const int lp[4])
{
	const tir_block *blk = ns->rs->u.realize.block;
	int L = lanes_of(d, blk);
	int64_t OC = 0, OW = 0;
	bool ock = is_const(ns->extent[lp[1]], &OC), owk = is_const(ns->extent[lp[3]], &OW);
	/* One vector of output columns: feature maps are often 7, 14, 28 or
	 * 56 wide, where a wider tile leaves a long tail; the accumulators go
	 * to output channels instead.  The channel blocks are fused into the
	 * parallel loop, where a tail cannot be partitioned off. */
	int64_t owb = owk && OW < L ? OW : (int64_t)L;
	int64_t ocb = tile_rows(d, 1, OC, ock, false);
	sb_status st;
	tir_sch_block *wb;
	if ((st = accumulator(d, b, blk, &wb)))
		return st;
	tir_sch_loop *oco, *oci, *owo, *owi;
	if ((st = split2(d, ns->loops[lp[1]], ocb, &oco, &oci)) ||
	    (st = split2(d, ns->loops[lp[3]], owb, &owo, &owi)))
		return st;
	/* n, oco, oh, owo, reductions..., oci, owi */
	tir_sch_loop *order[MAX_NEST + 2], *red[MAX_NEST];
	int no = 0, nred = 0;
	order[no++] = ns->loops[lp[0]];
	order[no++] = oco;
	order[no++] = ns->loops[lp[2]];
	order[no++] = owo;
	for (int k = 0; k < ns->n; k++) {
		if (k != lp[0] && k != lp[1] && k != lp[2] && k != lp[3])
			red[nred++] = order[no++] = ns->loops[k];
	}
	order[no++] = oci;
	order[no++] = owi;
	if (!nred)
		return SB_OK;
	if ((st = conv_tile(d, b, wb, no, order, owo, nred, red, owi, oci)))
		return st;
	return conv_parallel(d, ns->loops[lp[0]], oco, owo);
}

static sb_status rule_conv(dflt *d, tir_sch_block *b)
{
	nest ns;
	if (!get_nest(d, b, &ns))
		return SB_OK;
	const tir_block *blk = ns.rs->u.realize.block;
	const tir_stmt *store = blk->body;
	if (store->kind != TIR_STMT_BUFFER_STORE || store->u.store.nindices != 4)
		return SB_OK; /* NCHW only */
	int lp[4];
	for (int d4 = 0; d4 < 4; d4++) {
		lp[d4] = -1;
		for (int k = 0; k < ns.n; k++) {
			int it = ns.iter[k];
			if (it >= 0 && blk->iters[it].var == store->u.store.indices[d4])
				lp[d4] = k;
		}
		if (lp[d4] < 0)
			return SB_OK;
	}
	/* The windowed input padded once, so the kernel loads it without
	 * bounds checks (vector loads instead of gathers). */
	const tir_expr *x, *y;
	if (sch_block_mac(blk, &x, &y)) {
		const tir_buffer *in = x->u.buffer;
		bool xw = false;
		for (uint32_t k = 0; k < x->nops; k++) {
			for (int i = 0; i < blk->niters; i++)
				xw |= blk->iters[i].kind == TIR_ITER_REDUCE &&
				      tir_expr_uses_var(x->ops[k], blk->iters[i].var) &&
				      x->ops[k]->kind != TIR_VAR;
		}
		if (!xw)
			in = y->u.buffer;
		int ri = index_of_buffer_read(blk, in);
		tir_sch_block *pad;
		if (ri >= 0 && !tir_schedule_pad_read(d->sch, b, ri, &pad)) {
			if (rule_injective(d, pad))
				note_stop("conv padding", blk);
		}
		sb_clear_error();
		if (!get_nest(d, b, &ns))
			return SB_OK;
	}
	bool done = false;
	sb_status st = conv_channels(d, b, &ns, lp, &done);
	if (st || done)
		return st;
	return conv_columns(d, b, &ns, lp);
}

/* ---- The driver ---- */

static bool is_spatial_pattern(tir_block_pattern p)
{
	return p == TIR_PATTERN_ELEMWISE || p == TIR_PATTERN_BROADCAST ||
	       p == TIR_PATTERN_INJECTIVE;
}

static const tir_block *block_of(dflt *d, tir_sch_block *h)
{
	sch_path p;
	if (sch_block_path(d->sch, "default", h, &p)) {
		sb_clear_error();
		return NULL;
	}
	return p.node[p.n - 1]->u.realize.block;
}

static void inline_producers(dflt *d)
{
	for (bool changed = true; changed;) {
		changed = false;
		int n;
		tir_sch_block **bs;
		if (tir_schedule_get_blocks(d->sch, &n, &bs))
			return;
		for (int i = 0; i < n && !changed; i++) {
			const tir_block *b = block_of(d, bs[i]);
			if (!b || !is_spatial_pattern(tir_block_classify(b)) || b->nwrites != 1 ||
			    sch_buffer_is_param(d->sch->func, b->writes[0].buffer))
				continue;
			changed = tir_schedule_compute_inline(d->sch, bs[i]) == SB_OK;
			sb_clear_error();
		}
	}
}

sb_status tir_schedule_default_cpu(tir_ctx *ctx, tir_func *f, const tir_target *t,
				   tir_func **out, char **trace)
{
	dflt d = {.ctx = ctx, .sch = tir_schedule_new(ctx, f), .t = t ? *t : tir_target_avx2()};
	if (d.t.vector_bytes <= 0)
		d.t.vector_bytes = 32;
	if (d.t.vector_regs <= 0)
		d.t.vector_regs = 16;
	if (!d.t.acc_regs)
		d.t.acc_regs = d.t.vector_regs > 8 ? d.t.vector_regs - 4 : d.t.vector_regs / 2;
	if (!d.t.k_unroll)
		d.t.k_unroll = 4;
	if (!d.t.pack_min_rows)
		d.t.pack_min_rows = 24;
	if (!d.t.parallel_min)
		d.t.parallel_min = 4096;
	if (!d.t.local_max_bytes)
		d.t.local_max_bytes = 128 * 1024;
	sb_map_init(&d.done);
	inline_producers(&d);
	int n;
	tir_sch_block **bs;
	sb_status st = tir_schedule_get_blocks(d.sch, &n, &bs);
	for (int i = 0; i < n && !st; i++) {
		if (sb_map_get(&d.done, (uintptr_t)bs[i]->block, NULL))
			continue;
		const tir_block *b = block_of(&d, bs[i]);
		if (!b)
			continue;
		tir_block_pattern p = sch_block_is_opaque(d.sch->func, b) ? TIR_PATTERN_OPAQUE
									  : tir_block_classify(b);
		sb_status rs = SB_OK;
		switch (p) {
		case TIR_PATTERN_ELEMWISE:
		case TIR_PATTERN_BROADCAST:
		case TIR_PATTERN_INJECTIVE:
			rs = rule_injective(&d, bs[i]);
			break;
		case TIR_PATTERN_REDUCTION:
			rs = rule_reduction(&d, bs[i]);
			break;
		case TIR_PATTERN_MATMUL:
			rs = rule_matmul(&d, bs[i]);
			break;
		case TIR_PATTERN_CONV:
			rs = rule_conv(&d, bs[i]);
			break;
		case TIR_PATTERN_OPAQUE:
			break;
		}
		if (rs)
			note_stop(tir_block_pattern_name(p), b);
	}
	if (!st)
		st = tir_schedule_compact_buffers(d.sch);
	if (!st) {
		*out = tir_schedule_func(d.sch);
		if (trace)
			*trace = sb_xstrdup(tir_schedule_trace(d.sch));
	}
	sb_map_free(&d.done);
	tir_schedule_free(d.sch);
	return st;
}
