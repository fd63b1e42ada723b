/* The reference interpreter of PrimFuncs (tir/eval.h).
 *
 * Values are one 64-bit slot per scalar: integers normalised to their
 * dtype (sign- or zero-extended from its width, so wrap-around is that of
 * the dtype), bool as 0/1, floats as double rounded to their dtype after
 * every operation (float32 through float, the half types through their
 * 16-bit forms).  A vector expression is evaluated one lane at a time:
 * only Ramp and Broadcast look at the lane, everything else passes it to
 * its operands.  Variables and buffers live in arrays indexed by their ids
 * (found by one scan of the function), so a lookup is an index. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "eval.h"

typedef union ev_val {
	int64_t i;
	uint64_t u;
	double f;
} ev_val;

typedef struct ev_buf {
	char *data;
	sb_dtype dt;
	int ndim;
	int64_t shape[SB_MAX_RANK];
	int64_t strides[SB_MAX_RANK];
	int64_t offset;
	int64_t size; /* elements of storage */
	bool compact; /* no explicit strides: each index is checked against its dim */
	bool owned;
	bool live;
} ev_buf;

typedef struct ev {
	const tir_func *f;
	ev_val *vals;
	uint8_t *bound;
	uint32_t nvars;
	/* Values of inner nodes for the current (statement, lane): a DAG of
	 * shared subexpressions is evaluated once, not once per path. */
	ev_val *memo;
	uint64_t *memo_epoch;
	uint64_t epoch;
	uint32_t nexprs;
	ev_buf *bufs;
	uint32_t nbufs;
	/* Inside an if with a vector condition: a store runs in the lanes
	 * where this is true only (and only their loads are evaluated). */
	const tir_expr *lane_mask;
	sb_status st;
} ev;

static void ev_fail(ev *E, sb_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void ev_fail(ev *E, sb_status code, const char *fmt, ...)
{
	if (E->st)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	E->st = sb_set_error(code, "tir eval @%s: %s", E->f->name, msg);
}

/* ---- Scan: largest var and buffer ids ---- */

typedef struct scan {
	uint32_t max_var, max_buf, max_expr;
	sb_map seen;
} scan;

static void scan_buffer(scan *sc, const tir_buffer *b);

static void scan_expr(scan *sc, const tir_expr *e)
{
	if (!e || sb_map_get(&sc->seen, (uintptr_t)e, NULL))
		return;
	sb_map_put(&sc->seen, (uintptr_t)e, NULL);
	sc->max_expr = SB_MAX(sc->max_expr, e->id);
	if (e->kind == TIR_VAR)
		sc->max_var = SB_MAX(sc->max_var, e->id);
	if (e->kind == TIR_BUFFER_LOAD)
		scan_buffer(sc, e->u.buffer);
	for (uint32_t i = 0; i < e->nops; i++)
		scan_expr(sc, e->ops[i]);
}

static void scan_buffer(scan *sc, const tir_buffer *b)
{
	if (sb_map_get(&sc->seen, (uintptr_t)b, NULL))
		return;
	sb_map_put(&sc->seen, (uintptr_t)b, NULL);
	sc->max_buf = SB_MAX(sc->max_buf, b->id);
	for (int d = 0; d < b->ndim; d++) {
		scan_expr(sc, b->shape[d]);
		if (b->strides)
			scan_expr(sc, b->strides[d]);
	}
	scan_expr(sc, b->elem_offset);
	scan_expr(sc, b->data);
}

static bool scan_pre(tir_stmt *s, void *env)
{
	scan *sc = env;
	switch (s->kind) {
	case TIR_STMT_FOR:
		scan_expr(sc, s->u.loop.var);
		scan_expr(sc, s->u.loop.min);
		scan_expr(sc, s->u.loop.extent);
		break;
	case TIR_STMT_BLOCK_REALIZE: {
		const tir_block *b = s->u.realize.block;
		for (int i = 0; i < b->niters; i++) {
			scan_expr(sc, b->iters[i].var);
			scan_expr(sc, b->iters[i].dom.min);
			scan_expr(sc, b->iters[i].dom.extent);
			scan_expr(sc, s->u.realize.values[i]);
		}
		scan_expr(sc, s->u.realize.predicate);
		for (int i = 0; i < b->nallocs; i++)
			scan_buffer(sc, b->allocs[i]);
		break;
	}
	case TIR_STMT_BUFFER_STORE:
		scan_buffer(sc, s->u.store.buffer);
		scan_expr(sc, s->u.store.value);
		for (int i = 0; i < s->u.store.nindices; i++)
			scan_expr(sc, s->u.store.indices[i]);
		break;
	case TIR_STMT_ALLOCATE:
		scan_buffer(sc, s->u.alloc.buffer);
		break;
	case TIR_STMT_IF:
		scan_expr(sc, s->u.if_.cond);
		break;
	case TIR_STMT_LET:
		scan_expr(sc, s->u.let.var);
		scan_expr(sc, s->u.let.value);
		break;
	case TIR_STMT_ASSERT:
		scan_expr(sc, s->u.assert_.cond);
		break;
	case TIR_STMT_EVALUATE:
		scan_expr(sc, s->u.eval.value);
		break;
	case TIR_STMT_SEQ:
		break;
	}
	return true;
}

/* ---- Scalars ---- */

static int64_t norm_int(sb_dtype dt, uint64_t v)
{
	switch (dt) {
	case SB_I8:
		return (int8_t)v;
	case SB_I16:
		return (int16_t)v;
	case SB_I32:
		return (int32_t)v;
	case SB_U8:
		return (uint8_t)v;
	case SB_U16:
		return (uint16_t)v;
	case SB_U32:
		return (uint32_t)v;
	case SB_BOOL:
		return v != 0;
	default:
		return (int64_t)v;
	}
}

static double round_float(sb_dtype dt, double v)
{
	switch (dt) {
	case SB_F32:
		return (double)(float)v;
	case SB_F16:
		return sb_f16_to_f32(sb_f32_to_f16((float)v));
	case SB_BF16:
		return sb_bf16_to_f32(sb_f32_to_bf16((float)v));
	default:
		return v;
	}
}

static bool is_unsigned(sb_dtype dt)
{
	return sb_dtype_is_unsigned_int(dt) || dt == SB_BOOL;
}

/* Float to integer (Cast semantics, as sb_convert and the relay_like
 * kernels): toward zero, NaN 0, saturating at 64 bits, then wrapping to
 * the width; negative values wrap into unsigned types. */
static int64_t float_to_int(sb_dtype to, double v)
{
	if (to == SB_BOOL)
		return v != 0;
	if (v != v)
		return 0;
	if (sb_dtype_is_unsigned_int(to) && v >= 0) {
		uint64_t u = v >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)v;
		return norm_int(to, u);
	}
	int64_t i = v >= 9223372036854775807.0	  ? INT64_MAX
		    : v <= -9223372036854775808.0 ? INT64_MIN
						  : (int64_t)v;
	return norm_int(to, (uint64_t)i);
}

static ev_val cast_val(sb_dtype from, sb_dtype to, ev_val a)
{
	ev_val r;
	if (sb_dtype_is_float(to)) {
		double d = sb_dtype_is_float(from) ? a.f
			   : from == SB_U64	   ? (double)a.u
						   : (double)a.i;
		r.f = round_float(to, d);
	} else if (sb_dtype_is_float(from)) {
		r.i = float_to_int(to, a.f);
	} else {
		r.i = norm_int(to, a.u);
	}
	return r;
}

static double sigmoid(double v)
{
	return v >= 0 ? 1 / (1 + exp(-v)) : exp(v) / (1 + exp(v));
}
static float sigmoidf(float v)
{
	return v >= 0 ? 1 / (1 + expf(-v)) : expf(v) / (1 + expf(v));
}

/* Float intrinsics: float32 calls the float libm function (what generated
 * code calls), the others compute in double and round. */
static double intrin_float(tir_intrin in, sb_dtype dt, double a, double b)
{
	bool f = dt == SB_F32;
	float af = (float)a, bf = (float)b;
#define F1(fn) (f ? (double)fn##f(af) : fn(a))
	switch (in) {
	case TIR_INTRIN_EXP:
		return F1(exp);
	case TIR_INTRIN_EXP2:
		return F1(exp2);
	case TIR_INTRIN_EXPM1:
		return F1(expm1);
	case TIR_INTRIN_LOG:
		return F1(log);
	case TIR_INTRIN_LOG2:
		return F1(log2);
	case TIR_INTRIN_LOG10:
		return F1(log10);
	case TIR_INTRIN_LOG1P:
		return F1(log1p);
	case TIR_INTRIN_SQRT:
		return F1(sqrt);
	case TIR_INTRIN_RSQRT:
		return f ? 1.0f / sqrtf(af) : 1.0 / sqrt(a);
	case TIR_INTRIN_TANH:
		return F1(tanh);
	case TIR_INTRIN_SIGMOID:
		return f ? (double)sigmoidf(af) : sigmoid(a);
	case TIR_INTRIN_ERF:
		return F1(erf);
	case TIR_INTRIN_POW:
		return f ? (double)powf(af, bf) : pow(a, b);
	case TIR_INTRIN_FABS:
		return F1(fabs);
	case TIR_INTRIN_FLOOR:
		return F1(floor);
	case TIR_INTRIN_CEIL:
		return F1(ceil);
	case TIR_INTRIN_ROUND:
		return F1(nearbyint);
	case TIR_INTRIN_TRUNC:
		return F1(trunc);
	case TIR_INTRIN_SIN:
		return F1(sin);
	case TIR_INTRIN_COS:
		return F1(cos);
	case TIR_INTRIN_TAN:
		return F1(tan);
	case TIR_INTRIN_ASIN:
		return F1(asin);
	case TIR_INTRIN_ACOS:
		return F1(acos);
	case TIR_INTRIN_ATAN:
		return F1(atan);
	case TIR_INTRIN_SINH:
		return F1(sinh);
	case TIR_INTRIN_COSH:
		return F1(cosh);
	case TIR_INTRIN_ASINH:
		return F1(asinh);
	case TIR_INTRIN_ACOSH:
		return F1(acosh);
	case TIR_INTRIN_ATANH:
		return F1(atanh);
	case TIR_INTRIN_ATAN2:
		return f ? (double)atan2f(af, bf) : atan2(a, b);
	case TIR_INTRIN_FMOD:
		return f ? (double)fmodf(af, bf) : fmod(a, b);
	case TIR_INTRIN_ABS:
		return F1(fabs);
	default:
		SB_UNREACHABLE();
	}
#undef F1
}

/* ---- Buffers ---- */

static ev_buf *buf_of(ev *E, const tir_buffer *b)
{
	if (b->id >= E->nbufs || !E->bufs[b->id].live) {
		ev_fail(E, SB_ERR_INVALID, "buffer '%s' is used but not allocated", b->name);
		return NULL;
	}
	return &E->bufs[b->id];
}

static ev_val read_elem(const ev_buf *B, int64_t k)
{
	ev_val r;
	const char *p = B->data;
	switch (B->dt) {
	case SB_F32:
		r.f = ((const float *)p)[k];
		break;
	case SB_F64:
		r.f = ((const double *)p)[k];
		break;
	case SB_F16:
		r.f = sb_f16_to_f32(((const uint16_t *)p)[k]);
		break;
	case SB_BF16:
		r.f = sb_bf16_to_f32(((const uint16_t *)p)[k]);
		break;
	case SB_I8:
		r.i = ((const int8_t *)p)[k];
		break;
	case SB_I16:
		r.i = ((const int16_t *)p)[k];
		break;
	case SB_I32:
		r.i = ((const int32_t *)p)[k];
		break;
	case SB_I64:
		r.i = ((const int64_t *)p)[k];
		break;
	case SB_U8:
		r.i = ((const uint8_t *)p)[k];
		break;
	case SB_U16:
		r.i = ((const uint16_t *)p)[k];
		break;
	case SB_U32:
		r.i = ((const uint32_t *)p)[k];
		break;
	case SB_U64:
		r.u = ((const uint64_t *)p)[k];
		break;
	case SB_BOOL:
		r.i = ((const uint8_t *)p)[k] != 0;
		break;
	default:
		SB_UNREACHABLE();
	}
	return r;
}

static void write_elem(ev_buf *B, int64_t k, ev_val v)
{
	char *p = B->data;
	switch (B->dt) {
	case SB_F32:
		((float *)p)[k] = (float)v.f;
		break;
	case SB_F64:
		((double *)p)[k] = v.f;
		break;
	case SB_F16:
		((uint16_t *)p)[k] = sb_f32_to_f16((float)v.f);
		break;
	case SB_BF16:
		((uint16_t *)p)[k] = sb_f32_to_bf16((float)v.f);
		break;
	case SB_I8:
		((int8_t *)p)[k] = (int8_t)v.i;
		break;
	case SB_I16:
		((int16_t *)p)[k] = (int16_t)v.i;
		break;
	case SB_I32:
		((int32_t *)p)[k] = (int32_t)v.i;
		break;
	case SB_I64:
		((int64_t *)p)[k] = v.i;
		break;
	case SB_U8:
		((uint8_t *)p)[k] = (uint8_t)v.u;
		break;
	case SB_U16:
		((uint16_t *)p)[k] = (uint16_t)v.u;
		break;
	case SB_U32:
		((uint32_t *)p)[k] = (uint32_t)v.u;
		break;
	case SB_U64:
		((uint64_t *)p)[k] = v.u;
		break;
	case SB_BOOL:
		((uint8_t *)p)[k] = v.i != 0;
		break;
	default:
		SB_UNREACHABLE();
	}
}

static ev_val eval(ev *E, const tir_expr *e, int lane);

/* The flat element index of buffer access (indices at `lane`), or -1 with
 * an error when it is outside the buffer. */
static int64_t elem_index(ev *E, const ev_buf *B, const tir_buffer *tb, int nidx,
			  tir_expr *const *idx, int lane, bool store)
{
	int64_t ix[SB_MAX_RANK], flat = B->offset;
	if (nidx != B->ndim || nidx > SB_MAX_RANK) {
		ev_fail(E, SB_ERR_INVALID, "%s %s with %d indices (rank %d)",
			store ? "store to" : "load", tb->name, nidx, B->ndim);
		return -1;
	}
	for (int d = 0; d < nidx; d++) {
		ix[d] = eval(E, idx[d], lane).i;
		flat += ix[d] * B->strides[d];
	}
	if (E->st)
		return -1;
	for (int d = 0; d < nidx; d++) {
		if (B->compact && (ix[d] < 0 || ix[d] >= B->shape[d])) {
			char where[256];
			size_t len = 0;
			for (int j = 0; j < nidx && len < sizeof where; j++)
				len += (size_t)snprintf(where + len, sizeof where - len,
							"%s%" PRId64, j ? ", " : "", ix[j]);
			ev_fail(E, SB_ERR_INVALID,
				"%s %s[%s] is outside the buffer (dim %d has extent %" PRId64 ")",
				store ? "store to" : "load", tb->name, where, d, B->shape[d]);
			return -1;
		}
	}
	if (flat < 0 || flat >= B->size) {
		ev_fail(E, SB_ERR_INVALID,
			"%s %s: element %" PRId64 " is outside its %" PRId64 " elements",
			store ? "store to" : "load", tb->name, flat, B->size);
		return -1;
	}
	return flat;
}

/* ---- Expressions ---- */

static ev_val zero(void)
{
	ev_val r;
	r.u = 0;
	return r;
}

static ev_val eval_arith(ev *E, const tir_expr *e, ev_val a, ev_val b)
{
	sb_dtype dt = e->type.dtype;
	ev_val r = zero();
	if (sb_dtype_is_float(dt)) {
		double x = a.f, y = b.f, v;
		switch (e->kind) {
		case TIR_ADD:
			v = x + y;
			break;
		case TIR_SUB:
			v = x - y;
			break;
		case TIR_MUL:
			v = x * y;
			break;
		case TIR_DIV:
			v = x / y;
			break;
		case TIR_MOD:
			v = fmod(x, y);
			break;
		case TIR_FLOOR_DIV:
			v = floor(x / y);
			break;
		case TIR_FLOOR_MOD: {
			v = fmod(x, y);
			if (v != 0 && ((v < 0) != (y < 0)))
				v += y;
			break;
		}
		case TIR_MIN:
			v = x < y ? x : y;
			break;
		case TIR_MAX:
			v = x > y ? x : y;
			break;
		default:
			SB_UNREACHABLE();
		}
		r.f = round_float(dt, v);
		return r;
	}
	bool u = is_unsigned(dt);
	uint64_t x = a.u, y = b.u, v;
	switch (e->kind) {
	case TIR_ADD:
		v = x + y;
		break;
	case TIR_SUB:
		v = x - y;
		break;
	case TIR_MUL:
		v = x * y;
		break;
	case TIR_MIN:
		v = (u ? x < y : a.i < b.i) ? x : y;
		break;
	case TIR_MAX:
		v = (u ? x > y : a.i > b.i) ? x : y;
		break;
	case TIR_DIV:
	case TIR_MOD:
	case TIR_FLOOR_DIV:
	case TIR_FLOOR_MOD:
		if (y == 0) {
			char *s = tir_expr_to_string(e);
			ev_fail(E, SB_ERR_INVALID, "integer division by zero in %s", s);
			free(s);
			return r;
		}
		if (u) {
			v = e->kind == TIR_DIV || e->kind == TIR_FLOOR_DIV ? x / y : x % y;
		} else if (b.i == -1) {
			/* x / -1 wraps for the most negative x; the remainder is 0 */
			v = e->kind == TIR_DIV || e->kind == TIR_FLOOR_DIV ? 0 - x : 0;
		} else {
			int64_t q = a.i / b.i, m = a.i % b.i;
			if ((e->kind == TIR_FLOOR_DIV || e->kind == TIR_FLOOR_MOD) && m != 0 &&
			    ((m < 0) != (b.i < 0))) {
				q--;
				m += b.i;
			}
			v = (uint64_t)(e->kind == TIR_DIV || e->kind == TIR_FLOOR_DIV ? q : m);
		}
		break;
	default:
		SB_UNREACHABLE();
	}
	r.i = norm_int(dt, v);
	return r;
}

static bool eval_compare(const tir_expr *e, ev_val a, ev_val b)
{
	sb_dtype dt = e->ops[0]->type.dtype;
	int c; /* -1, 0, 1; 2 unordered */
	if (sb_dtype_is_float(dt))
		c = a.f < b.f ? -1 : a.f > b.f ? 1 : a.f == b.f ? 0 : 2;
	else if (is_unsigned(dt))
		c = a.u < b.u ? -1 : a.u > b.u;
	else
		c = a.i < b.i ? -1 : a.i > b.i;
	switch (e->kind) {
	case TIR_EQ:
		return c == 0;
	case TIR_NE:
		return c != 0;
	case TIR_LT:
		return c == -1;
	case TIR_LE:
		return c == -1 || c == 0;
	case TIR_GT:
		return c == 1;
	case TIR_GE:
		return c == 1 || c == 0;
	default:
		SB_UNREACHABLE();
	}
}

static ev_val eval_call(ev *E, const tir_expr *e, int lane)
{
	ev_val a = eval(E, e->ops[0], lane), b = zero(), r = zero();
	if (e->nops > 1)
		b = eval(E, e->ops[1], lane);
	sb_dtype dt = e->ops[0]->type.dtype;
	tir_intrin in = e->u.intrin;
	if (in == TIR_INTRIN_ISNAN) {
		r.i = a.f != a.f;
	} else if (in == TIR_INTRIN_ISINF) {
		r.i = isinf(a.f) != 0;
	} else if (in == TIR_INTRIN_ABS && !sb_dtype_is_float(dt)) {
		r.i = is_unsigned(dt) || a.i >= 0 ? a.i : norm_int(dt, 0 - a.u);
	} else {
		r.f = round_float(e->type.dtype, intrin_float(in, dt, a.f, b.f));
	}
	return r;
}

static ev_val eval_node(ev *E, const tir_expr *e, int lane);

/* Inner nodes are memoized per epoch.  Sound because within one epoch the
 * bindings and the buffers do not change, and a scalar node never depends
 * on the lane (only Ramp and Broadcast make vectors, and their operands
 * are scalars). */
static ev_val eval(ev *E, const tir_expr *e, int lane)
{
	if (e->nops == 0 || e->id >= E->nexprs)
		return eval_node(E, e, lane);
	if (E->memo_epoch[e->id] == E->epoch)
		return E->memo[e->id];
	ev_val v = eval_node(E, e, lane);
	E->memo[e->id] = v;
	E->memo_epoch[e->id] = E->epoch;
	return v;
}

/* A fresh epoch: what the memo holds no longer applies. */
static ev_val eval_top(ev *E, const tir_expr *e, int lane)
{
	E->epoch++;
	return eval(E, e, lane);
}

static ev_val eval_node(ev *E, const tir_expr *e, int lane)
{
	ev_val r = zero();
	if (E->st)
		return r;
	sb_dtype dt = e->type.dtype;
	switch (e->kind) {
	case TIR_INT_IMM:
		r.i = norm_int(dt, (uint64_t)e->u.int_value);
		return r;
	case TIR_FLOAT_IMM:
		r.f = round_float(dt, e->u.float_value);
		return r;
	case TIR_VAR:
		if (e->id >= E->nvars || !E->bound[e->id]) {
			ev_fail(E, SB_ERR_INVALID, "variable '%s' is used but not bound",
				e->u.var.name);
			return r;
		}
		return E->vals[e->id];
	case TIR_ADD:
	case TIR_SUB:
	case TIR_MUL:
	case TIR_DIV:
	case TIR_MOD:
	case TIR_FLOOR_DIV:
	case TIR_FLOOR_MOD:
	case TIR_MIN:
	case TIR_MAX: {
		ev_val a = eval(E, e->ops[0], lane), b = eval(E, e->ops[1], lane);
		return E->st ? r : eval_arith(E, e, a, b);
	}
	case TIR_EQ:
	case TIR_NE:
	case TIR_LT:
	case TIR_LE:
	case TIR_GT:
	case TIR_GE: {
		ev_val a = eval(E, e->ops[0], lane), b = eval(E, e->ops[1], lane);
		r.i = eval_compare(e, a, b);
		return r;
	}
	case TIR_AND:
	case TIR_OR: {
		ev_val a = eval(E, e->ops[0], lane), b = eval(E, e->ops[1], lane);
		r.i = e->kind == TIR_AND ? (a.i && b.i) : (a.i || b.i);
		return r;
	}
	case TIR_NOT:
		r.i = !eval(E, e->ops[0], lane).i;
		return r;
	case TIR_SELECT: {
		/* Both arms, as generated code may evaluate both: a load out of
		 * bounds in the unselected arm is still an error. */
		ev_val c = eval(E, e->ops[0], lane);
		ev_val t = eval(E, e->ops[1], lane), f = eval(E, e->ops[2], lane);
		return c.i ? t : f;
	}
	case TIR_CAST:
		return cast_val(e->ops[0]->type.dtype, dt, eval(E, e->ops[0], lane));
	case TIR_CALL:
		return eval_call(E, e, lane);
	case TIR_BUFFER_LOAD: {
		ev_buf *B = buf_of(E, e->u.buffer);
		if (!B)
			return r;
		int64_t k = elem_index(E, B, e->u.buffer, (int)e->nops, e->ops, lane, false);
		return k < 0 ? r : read_elem(B, k);
	}
	case TIR_RAMP: {
		ev_val base = eval(E, e->ops[0], 0), stride = eval(E, e->ops[1], 0);
		r.i = norm_int(dt, base.u + (uint64_t)lane * stride.u);
		return r;
	}
	case TIR_BROADCAST:
		return eval(E, e->ops[0], 0);
	case TIR_EXPR_KIND_COUNT:
		break;
	}
	SB_UNREACHABLE();
}

/* ---- Statements ---- */

static void bind(ev *E, const tir_expr *var, ev_val v)
{
	SB_ASSERT(var->id < E->nvars);
	E->vals[var->id] = v;
	E->bound[var->id] = 1;
}

static void unbind(ev *E, const tir_expr *var)
{
	E->bound[var->id] = 0;
}

static int64_t eval_int(ev *E, const tir_expr *e)
{
	return eval_top(E, e, 0).i;
}

static void buf_alloc(ev *E, const tir_buffer *tb)
{
	if (E->st)
		return;
	ev_buf *B = &E->bufs[tb->id];
	if (B->live) {
		ev_fail(E, SB_ERR_INVALID, "buffer '%s' is allocated twice", tb->name);
		return;
	}
	memset(B, 0, sizeof *B);
	B->dt = tb->dtype;
	B->ndim = tb->ndim;
	B->compact = tb->strides == NULL;
	if (tb->ndim > SB_MAX_RANK) {
		ev_fail(E, SB_ERR_UNSUPPORTED, "buffer '%s' has rank %d, above %d", tb->name,
			tb->ndim, SB_MAX_RANK);
		return;
	}
	int64_t n = 1;
	for (int d = 0; d < tb->ndim; d++) {
		B->shape[d] = eval_int(E, tb->shape[d]);
		if (B->shape[d] < 0 || (B->shape[d] && n > INT64_MAX / 8 / B->shape[d])) {
			ev_fail(E, SB_ERR_INVALID, "buffer '%s' dim %d is %" PRId64, tb->name, d,
				B->shape[d]);
			return;
		}
		n *= B->shape[d];
	}
	int64_t st = 1;
	for (int d = tb->ndim - 1; d >= 0; d--) {
		B->strides[d] = tb->strides ? eval_int(E, tb->strides[d]) : st;
		st *= B->shape[d];
	}
	B->offset = eval_int(E, tb->elem_offset);
	if (tb->strides) {
		/* storage: the largest element reached, plus one */
		int64_t hi = B->offset;
		for (int d = 0; d < tb->ndim; d++)
			hi += (B->shape[d] ? B->shape[d] - 1 : 0) * B->strides[d];
		n = n ? hi + 1 : 0;
	} else {
		n += B->offset;
	}
	if (E->st)
		return;
	size_t bytes = (size_t)SB_MAX(n, 1) * sb_dtype_size(tb->dtype);
	B->data = malloc(bytes);
	if (!B->data) {
		ev_fail(E, SB_ERR_NOMEM, "cannot allocate %zu bytes for buffer '%s'", bytes,
			tb->name);
		return;
	}
	memset(B->data, 0xff, bytes);
	B->size = n;
	B->owned = true;
	B->live = true;
}

static void buf_free(ev *E, const tir_buffer *tb)
{
	ev_buf *B = &E->bufs[tb->id];
	if (B->owned)
		free(B->data);
	B->data = NULL;
	B->live = false;
}

static void exec(ev *E, const tir_stmt *s);

static void exec_store(ev *E, const tir_stmt *s)
{
	const tir_buffer *tb = s->u.store.buffer;
	ev_buf *B = buf_of(E, tb);
	if (!B)
		return;
	int lanes = s->u.store.value->type.lanes;
	for (int i = 0; i < s->u.store.nindices; i++)
		lanes = SB_MAX(lanes, (int)s->u.store.indices[i]->type.lanes);
	for (int l = 0; l < lanes && !E->st; l++) {
		E->epoch++;
		if (E->lane_mask && !eval(E, E->lane_mask, l).i)
			continue;
		ev_val v = eval(E, s->u.store.value, l);
		int64_t k = elem_index(E, B, tb, s->u.store.nindices, s->u.store.indices, l, true);
		if (k >= 0 && !E->st)
			write_elem(B, k, v);
	}
}

static void exec_block(ev *E, const tir_stmt *s)
{
	const tir_block *blk = s->u.realize.block;
	if (!eval_top(E, s->u.realize.predicate, 0).i || E->st)
		return;
	ev_val vals[SB_MAX_RANK * 4];
	ev_val *v = blk->niters <= (int)SB_ARRAY_LEN(vals)
			? vals
			: malloc(sizeof(ev_val) * (size_t)blk->niters);
	for (int i = 0; i < blk->niters; i++)
		v[i] = eval_top(E, s->u.realize.values[i], 0);
	bool at_min = true;
	for (int i = 0; i < blk->niters; i++) {
		const tir_iter_var *iv = &blk->iters[i];
		int64_t lo = eval_int(E, iv->dom.min), ext = eval_int(E, iv->dom.extent);
		if (!E->st && (v[i].i < lo || v[i].i >= lo + ext)) {
			ev_fail(E, SB_ERR_INVALID,
				"block '%s' iter var '%s' is bound to %" PRId64
				", outside its domain [%" PRId64 ", %" PRId64 ")",
				blk->name, iv->var->u.var.name, v[i].i, lo, lo + ext);
		}
		if (iv->kind == TIR_ITER_REDUCE && v[i].i != lo)
			at_min = false;
		bind(E, iv->var, v[i]);
	}
	if (v != vals)
		free(v);
	for (int i = 0; i < blk->nallocs; i++)
		buf_alloc(E, blk->allocs[i]);
	if (blk->init && at_min)
		exec(E, blk->init);
	exec(E, blk->body);
	for (int i = 0; i < blk->nallocs; i++)
		buf_free(E, blk->allocs[i]);
	for (int i = 0; i < blk->niters; i++)
		unbind(E, blk->iters[i].var);
}

static void exec(ev *E, const tir_stmt *s)
{
	if (E->st || !s)
		return;
	switch (s->kind) {
	case TIR_STMT_FOR: {
		int64_t lo = eval_int(E, s->u.loop.min), ext = eval_int(E, s->u.loop.extent);
		const tir_expr *var = s->u.loop.var;
		for (int64_t i = lo; i < lo + ext && !E->st; i++) {
			ev_val v;
			v.i = norm_int(var->type.dtype, (uint64_t)i);
			bind(E, var, v);
			exec(E, s->u.loop.body);
		}
		unbind(E, var);
		break;
	}
	case TIR_STMT_BLOCK_REALIZE:
		exec_block(E, s);
		break;
	case TIR_STMT_BUFFER_STORE:
		exec_store(E, s);
		break;
	case TIR_STMT_ALLOCATE:
		buf_alloc(E, s->u.alloc.buffer);
		exec(E, s->u.alloc.body);
		buf_free(E, s->u.alloc.buffer);
		break;
	case TIR_STMT_IF:
		if (s->u.if_.cond->type.lanes > 1) {
			/* Per-lane predication (VectorizeLoops): the verifier
			 * allows only stores under it, no else. */
			const tir_expr *outer = E->lane_mask;
			E->lane_mask = s->u.if_.cond;
			exec(E, s->u.if_.then_case);
			E->lane_mask = outer;
			break;
		}
		if (eval_top(E, s->u.if_.cond, 0).i)
			exec(E, s->u.if_.then_case);
		else
			exec(E, s->u.if_.else_case);
		break;
	case TIR_STMT_LET: {
		ev_val v = eval_top(E, s->u.let.value, 0);
		bind(E, s->u.let.var, v);
		exec(E, s->u.let.body);
		unbind(E, s->u.let.var);
		break;
	}
	case TIR_STMT_ASSERT:
		if (!eval_top(E, s->u.assert_.cond, 0).i && !E->st)
			ev_fail(E, SB_ERR_INVALID, "assertion failed: %s", s->u.assert_.message);
		break;
	case TIR_STMT_SEQ:
		for (int i = 0; i < s->u.seq.n && !E->st; i++)
			exec(E, s->u.seq.stmts[i]);
		break;
	case TIR_STMT_EVALUATE:
		eval_top(E, s->u.eval.value, 0);
		break;
	}
}

/* ---- Entry ---- */

/* The first variable of e that is not bound, or NULL. */
static const tir_expr *unbound_var(const ev *E, const tir_expr *e)
{
	if (e->kind == TIR_VAR)
		return e->id < E->nvars && E->bound[e->id] ? NULL : e;
	for (uint32_t i = 0; i < e->nops; i++) {
		const tir_expr *u = unbound_var(E, e->ops[i]);
		if (u)
			return u;
	}
	return NULL;
}

static void bind_params(ev *E, const sb_value *args, int nargs)
{
	const tir_func *f = E->f;
	if (nargs != f->nparams) {
		ev_fail(E, SB_ERR_INVALID, "takes %d arguments, got %d", f->nparams, nargs);
		return;
	}
	/* Scalars, and each buffer's dtype and rank; shape variables from the
	 * first plain dim where they occur. */
	for (int i = 0; i < nargs && !E->st; i++) {
		const tir_param *p = &f->params[i];
		const sb_value *a = &args[i];
		if (!p->buffer) {
			ev_val v;
			bool is_float = tir_type_is_float(p->var->type);
			if (a->kind == SB_VAL_INT && !is_float)
				v.i = norm_int(p->var->type.dtype, (uint64_t)a->u.i);
			else if (a->kind == SB_VAL_FLOAT && is_float)
				v.f = round_float(p->var->type.dtype, a->u.f);
			else if (a->kind == SB_VAL_INT && is_float)
				v.f = round_float(p->var->type.dtype, (double)a->u.i);
			else {
				ev_fail(E, SB_ERR_INVALID,
					"argument %d ('%s') is a %s, expected a scalar", i,
					p->var->u.var.name, sb_value_kind_name(a->kind));
				return;
			}
			bind(E, p->var, v);
			continue;
		}
		const tir_buffer *tb = p->buffer;
		if (a->kind != SB_VAL_TENSOR || !a->u.tensor) {
			ev_fail(E, SB_ERR_INVALID,
				"argument %d (buffer '%s') is a %s, expected a tensor", i, tb->name,
				sb_value_kind_name(a->kind));
			return;
		}
		const sb_tensor *t = a->u.tensor;
		if (tb->ndim > SB_MAX_RANK) {
			ev_fail(E, SB_ERR_UNSUPPORTED, "buffer '%s' has rank %d, above %d",
				tb->name, tb->ndim, SB_MAX_RANK);
			return;
		}
		if (t->dtype != tb->dtype || t->dl.ndim != tb->ndim) {
			char got[160];
			sb_tensor_describe(t, got, sizeof got);
			ev_fail(E, SB_ERR_INVALID,
				"buffer '%s' is given %s, expected %s of rank %d", tb->name, got,
				sb_dtype_name(tb->dtype), tb->ndim);
			return;
		}
		for (int d = 0; d < tb->ndim; d++) {
			const tir_expr *e = tb->shape[d];
			if (e->kind == TIR_VAR && !E->bound[e->id]) {
				ev_val v;
				v.i = t->shape[d];
				bind(E, e, v);
			}
		}
	}
	/* Every dim against its expression, then the buffers themselves. */
	for (int i = 0; i < nargs && !E->st; i++) {
		const tir_buffer *tb = f->params[i].buffer;
		if (!tb)
			continue;
		const sb_tensor *t = args[i].u.tensor;
		for (int d = 0; d < tb->ndim && !E->st; d++) {
			const tir_expr *u = unbound_var(E, tb->shape[d]);
			char *es = tir_expr_to_string(tb->shape[d]);
			if (u) {
				ev_fail(
				    E, SB_ERR_INVALID,
				    "buffer '%s' dim %d (%s): variable '%s' is not bound by any "
				    "buffer dim",
				    tb->name, d, es, u->u.var.name);
			} else {
				int64_t want = eval_int(E, tb->shape[d]);
				if (!E->st && want != t->shape[d]) {
					if (tb->shape[d]->kind == TIR_INT_IMM)
						ev_fail(E, SB_ERR_INVALID,
							"buffer '%s' dim %d is %" PRId64
							", expected %" PRId64,
							tb->name, d, t->shape[d], want);
					else
						ev_fail(E, SB_ERR_INVALID,
							"buffer '%s' dim %d is %" PRId64
							", expected %" PRId64 " (= %s)",
							tb->name, d, t->shape[d], want, es);
				}
			}
			free(es);
		}
		if (E->st)
			return;
		ev_buf *B = &E->bufs[tb->id];
		memset(B, 0, sizeof *B);
		B->data = t->dl.data;
		B->dt = tb->dtype;
		B->ndim = tb->ndim;
		B->compact = true;
		B->size = sb_tensor_numel(t);
		int64_t st = 1;
		for (int d = tb->ndim - 1; d >= 0; d--) {
			B->shape[d] = t->shape[d];
			B->strides[d] = st;
			st *= t->shape[d];
		}
		for (int d = 0; tb->strides && d < tb->ndim && !E->st; d++) {
			if (eval_int(E, tb->strides[d]) != B->strides[d])
				ev_fail(E, SB_ERR_INVALID,
					"buffer '%s' stride %d is %" PRId64
					" in the compact tensor",
					tb->name, d, B->strides[d]);
		}
		if (!E->st && eval_int(E, tb->elem_offset) != 0)
			ev_fail(E, SB_ERR_INVALID, "buffer '%s' has a non-zero element offset",
				tb->name);
		B->live = true;
	}
}

sb_status tir_eval(const tir_func *f, const sb_value *args, int nargs)
{
	ev E = {.f = f};
	scan sc = {0};
	sb_map_init(&sc.seen);
	for (int i = 0; i < f->nparams; i++) {
		scan_expr(&sc, f->params[i].var);
		if (f->params[i].buffer)
			scan_buffer(&sc, f->params[i].buffer);
	}
	tir_stmt_walk(f->body, scan_pre, NULL, &sc);
	sb_map_free(&sc.seen);
	E.nvars = sc.max_var + 1;
	E.nbufs = sc.max_buf + 1;
	E.vals = sb_xcalloc(E.nvars, sizeof(ev_val));
	E.bound = sb_xcalloc(E.nvars, 1);
	E.bufs = sb_xcalloc(E.nbufs, sizeof(ev_buf));
	E.nexprs = sc.max_expr + 1;
	E.memo = sb_xcalloc(E.nexprs, sizeof(ev_val));
	E.memo_epoch = sb_xcalloc(E.nexprs, sizeof(uint64_t));
	E.epoch = 1;

	bind_params(&E, args, nargs);
	exec(&E, f->body);

	for (uint32_t i = 0; i < E.nbufs; i++)
		if (E.bufs[i].owned)
			free(E.bufs[i].data);
	free(E.vals);
	free(E.bound);
	free(E.bufs);
	free(E.memo);
	free(E.memo_epoch);
	return E.st;
}

sb_status tir_eval_tensors(const tir_func *f, sb_tensor *const *tensors, int n)
{
	sb_value stack[16] = {{0}};
	sb_value *args = n <= 16 ? stack : sb_xmalloc(sizeof(sb_value) * (size_t)n);
	for (int i = 0; i < n; i++)
		args[i] = sb_value_tensor(tensors[i]);
	sb_status st = tir_eval(f, args, n);
	if (args != stack)
		free(args);
	return st;
}
