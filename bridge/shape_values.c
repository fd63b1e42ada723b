/* Symbolic values: ONNX shape arithmetic evaluated at conversion time.
 *
 * A node computing a small integer tensor (rank 0 or 1) from shapes and
 * constants gets the tensor's elements as tir expressions instead of
 * bindings:
 *
 *   %1 = Shape(%x)              (x: Tensor((n, s, 256)))   [n, s, 256]
 *   %2 = Gather(%1, 1i64)                                  s
 *   %3 = Unsqueeze(%2, [0])                                [s]
 *   %4 = Concat(%0u, %3, [4], [64])                        [n, s, 4, 64]
 *   %5 = Div(%2, 2i64)                                     s // 2
 *
 * Each rule below applies when the inputs it reads have symbolic values
 * (constants included: bridge_sym_of) and the result is small; otherwise it
 * leaves *out NULL and the op is emitted as usual (materializing symbolic
 * inputs it reads as data).  Every value is data-independent, so
 * evaluating it here is exact.  Integer division is floordiv where both
 * sides are provably non-negative (shapes), truncdiv otherwise, as ONNX. */
#include <inttypes.h>

#include "bridge_internal.h"

const bridge_sym *bridge_sym_new(bridge_ctx *c, sb_dtype dt, int rank, int n)
{
	bridge_sym *s = SB_ARENA_NEW(relax_arena(c->m), bridge_sym);
	s->dtype = dt;
	s->rank = rank;
	s->n = n;
	s->v = SB_ARENA_ARRAY(relax_arena(c->m), tir_expr *, n ? n : 1);
	return s;
}

static bridge_sym *sym_alloc(bridge_ctx *c, sb_dtype dt, int rank, int n)
{
	return (bridge_sym *)bridge_sym_new(c, dt, rank, n);
}

static bool is_int_dtype(sb_dtype dt)
{
	return sb_dtype_is_int(dt) && dt != SB_BOOL;
}

const bridge_sym *bridge_sym_from_tensor(bridge_ctx *c, const sb_tensor *t)
{
	int rank = sb_tensor_rank(t);
	int64_t n = sb_tensor_numel(t);
	if (rank > 1 || n > BRIDGE_SYM_MAX || !(is_int_dtype(t->dtype) || t->dtype == SB_BOOL))
		return NULL;
	bridge_sym *s = sym_alloc(c, t->dtype, rank, (int)n);
	for (int i = 0; i < n; i++) {
		int64_t v = sb_tensor_get_i64(t, i);
		s->v[i] = t->dtype == SB_BOOL ? tir_bool(c->tir, v != 0) : tir_int(c->tir, v);
	}
	return s;
}

bool bridge_sym_is_const(const bridge_sym *s, int64_t *v)
{
	for (int i = 0; i < s->n; i++) {
		const tir_expr *e = s->v[i];
		if (e->kind != TIR_INT_IMM)
			return false;
		v[i] = e->u.int_value;
	}
	return true;
}

sb_status bridge_sym_materialize(bridge_ctx *c, const bridge_sym *s, relax_expr **out)
{
	relax_module *m = c->m;
	int64_t cv[BRIDGE_SYM_MAX], shape[1] = {s->n};
	if (bridge_sym_is_const(s, cv)) {
		sb_tensor *t = sb_tensor_new(s->dtype, s->rank, shape);
		for (int i = 0; i < s->n; i++)
			sb_tensor_set_i64(t, i, cv[i]);
		*out = relax_constant(m, t);
		return SB_OK;
	}
	/* shape_to_tensor gives int64[n]; then the rank and dtype. */
	tir_expr *v[BRIDGE_SYM_MAX];
	for (int i = 0; i < s->n; i++)
		v[i] = s->dtype == SB_BOOL
			   ? tir_select(c->tir, s->v[i], tir_int(c->tir, 1), tir_int(c->tir, 0))
			   : s->v[i];
	relax_expr *shape_e = relax_shape_expr(m, s->n, v), *t;
	sb_status st =
	    bridge_emit(c, relax_call_op(m, RELAX_OP_SHAPE_TO_TENSOR, 1, &shape_e, NULL), &t);
	if (!st && s->rank == 0) {
		relax_expr *args[2] = {t, relax_shape_expr(m, 0, NULL)};
		st = bridge_emit(c, relax_call_op(m, RELAX_OP_RESHAPE, 2, args, NULL), &t);
	}
	if (!st && s->dtype != SB_I64) {
		relax_attrs_cast *a = relax_attrs_new(m, RELAX_ATTRS_cast);
		a->dtype = s->dtype;
		st = bridge_emit(c, relax_call_op(m, RELAX_OP_CAST, 1, &t, a), &t);
	}
	*out = t;
	return st;
}

/* ---- helpers ---- */

static tir_expr *simp(bridge_ctx *c, tir_expr *e)
{
	return bridge_simplify(c, e);
}
static tir_expr *imm(bridge_ctx *c, int64_t v)
{
	return tir_int(c->tir, v);
}

static const bridge_sym *int_sym(bridge_ctx *c, const relay_expr *arg)
{
	const bridge_sym *s = bridge_sym_of(c, arg);
	return s && is_int_dtype(s->dtype) ? s : NULL;
}

static const bridge_sym *bool_sym(bridge_ctx *c, const relay_expr *arg)
{
	const bridge_sym *s = bridge_sym_of(c, arg);
	return s && s->dtype == SB_BOOL ? s : NULL;
}

/* numpy broadcasting of values of rank <= 1. */
static bool sym_broadcast(const bridge_sym *a, const bridge_sym *b, int *rank, int *n)
{
	*rank = SB_MAX(a->rank, b->rank);
	if (a->n == b->n || b->n == 1)
		*n = a->n;
	else if (a->n == 1)
		*n = b->n;
	else
		return false;
	return true;
}

static tir_expr *at(const bridge_sym *s, int i)
{
	return s->v[s->n == 1 ? 0 : i];
}

static bool provably_nonneg(bridge_ctx *c, tir_expr *e)
{
	return tir_can_prove(c->tir, c->m->an, tir_ge(c->tir, e, imm(c, 0)));
}

static bool one_axis(const relay_expr *axes_arg, bridge_ctx *c, int rank, int *ax)
{
	int64_t v[BRIDGE_SYM_MAX];
	const bridge_sym *s = int_sym(c, axes_arg);
	if (!s || s->n != 1 || !bridge_sym_is_const(s, v) || v[0] < -rank || v[0] >= rank)
		return false;
	*ax = (int)(v[0] < 0 ? v[0] + rank : v[0]);
	return true;
}

/* ---- shapes ---- */

sb_status sym_shape(bridge_ctx *c, const relay_expr *e, const bridge_sym **out)
{
	const relay_expr *x = bridge_arg(e, 0);
	bridge_value *xv = bridge_value_of(c, x);
	int ndim;
	tir_expr *const *dims;
	tir_expr *small[1];
	if (!xv->expr && xv->sym) {
		/* The shape of a symbolic value: its length. */
		ndim = xv->sym->rank;
		small[0] = imm(c, xv->sym->n);
		dims = small;
	} else {
		relax_expr *t;
		sb_status st = bridge_dims(c, x, &t, &ndim, &dims);
		if (st)
			return st;
	}
	const relay_attrs_shape *a = e->u.call.attrs;
	int64_t start = a->start, end = a->end;
	if (start < 0)
		start += ndim;
	if (end < 0)
		end += ndim;
	start = SB_MIN(SB_MAX(start, 0), ndim);
	end = SB_MIN(SB_MAX(end, 0), ndim);
	int n = (int)SB_MAX(end - start, 0);
	bridge_sym *s = sym_alloc(c, SB_I64, 1, n);
	for (int i = 0; i < n; i++)
		s->v[i] = dims[start + i];
	*out = s;
	return SB_OK;
}

sb_status sym_size(bridge_ctx *c, const relay_expr *e, const bridge_sym **out)
{
	const relay_expr *x = bridge_arg(e, 0);
	bridge_value *xv = bridge_value_of(c, x);
	bridge_sym *s = sym_alloc(c, SB_I64, 0, 1);
	if (!xv->expr && xv->sym) {
		s->v[0] = imm(c, xv->sym->n);
	} else {
		relax_expr *t;
		int ndim;
		tir_expr *const *dims;
		sb_status st = bridge_dims(c, x, &t, &ndim, &dims);
		if (st)
			return st;
		tir_expr *p = imm(c, 1);
		for (int i = 0; i < ndim; i++)
			p = tir_mul(c->tir, p, dims[i]);
		s->v[0] = simp(c, p);
	}
	*out = s;
	return SB_OK;
}

/* ---- indexing ---- */

sb_status sym_gather(bridge_ctx *c, const relay_expr *e, const bridge_sym **out)
{
	const bridge_sym *d = bridge_sym_of(c, bridge_arg(e, 0)),
			 *idx = int_sym(c, bridge_arg(e, 1));
	int64_t iv[BRIDGE_SYM_MAX];
	if (!d || d->rank != 1 || !idx || !bridge_sym_is_const(idx, iv))
		return SB_OK;
	int64_t axis = ((const relay_attrs_axis0 *)e->u.call.attrs)->axis;
	if (axis != 0 && axis != -1)
		return SB_OK;
	bridge_sym *s = sym_alloc(c, d->dtype, idx->rank, idx->n);
	for (int i = 0; i < idx->n; i++) {
		int64_t k = iv[i] < 0 ? iv[i] + d->n : iv[i];
		if (k < 0 || k >= d->n)
			return SB_OK; /* out of range: the op reports it */
		s->v[i] = d->v[k];
	}
	*out = s;
	return SB_OK;
}

sb_status sym_slice(bridge_ctx *c, const relay_expr *e, const bridge_sym **out)
{
	const bridge_sym *d = bridge_sym_of(c, bridge_arg(e, 0));
	if (!d || d->rank != 1)
		return SB_OK;
	int64_t starts[BRIDGE_SYM_MAX], ends[BRIDGE_SYM_MAX], steps[BRIDGE_SYM_MAX] = {1};
	const bridge_sym *ss = int_sym(c, bridge_arg(e, 1)), *es = int_sym(c, bridge_arg(e, 2));
	if (!ss || !es || ss->n != 1 || es->n != 1 || !bridge_sym_is_const(ss, starts) ||
	    !bridge_sym_is_const(es, ends))
		return SB_OK;
	const relay_expr *axes = bridge_arg(e, 3), *stp = bridge_arg(e, 4);
	int ax;
	if (axes && !one_axis(axes, c, 1, &ax))
		return SB_OK;
	if (stp) {
		const bridge_sym *sp = int_sym(c, stp);
		if (!sp || sp->n != 1 || !bridge_sym_is_const(sp, steps) || steps[0] == 0)
			return SB_OK;
	}
	int64_t n = d->n, b = starts[0], en = ends[0], step = steps[0];
	if (b < 0)
		b += n;
	if (en < 0)
		en += n;
	if (step > 0) {
		b = SB_MIN(SB_MAX(b, 0), n);
		en = SB_MIN(SB_MAX(en, 0), n);
	} else {
		b = SB_MIN(SB_MAX(b, 0), n - 1);
		en = SB_MIN(SB_MAX(en, -1), n - 1);
	}
	tir_expr *v[BRIDGE_SYM_MAX];
	int k = 0;
	for (int64_t i = b; step > 0 ? i < en : i > en; i += step)
		v[k++] = d->v[i];
	bridge_sym *s = sym_alloc(c, d->dtype, 1, k);
	for (int i = 0; i < k; i++)
		s->v[i] = v[i];
	*out = s;
	return SB_OK;
}

/* ---- rank changes ---- */

sb_status sym_unsqueeze(bridge_ctx *c, const relay_expr *e, const bridge_sym **out)
{
	const bridge_sym *d = bridge_sym_of(c, bridge_arg(e, 0));
	int ax;
	if (!d || d->rank != 0 || !one_axis(bridge_arg(e, 1), c, 1, &ax))
		return SB_OK;
	bridge_sym *s = sym_alloc(c, d->dtype, 1, 1);
	s->v[0] = d->v[0];
	*out = s;
	return SB_OK;
}

sb_status sym_squeeze(bridge_ctx *c, const relay_expr *e, const bridge_sym **out)
{
	const bridge_sym *d = bridge_sym_of(c, bridge_arg(e, 0));
	int ax;
	const relay_expr *axes = bridge_arg(e, 1);
	if (!d || d->rank != 1 || d->n != 1 || (axes && !one_axis(axes, c, 1, &ax)))
		return SB_OK;
	bridge_sym *s = sym_alloc(c, d->dtype, 0, 1);
	s->v[0] = d->v[0];
	*out = s;
	return SB_OK;
}

sb_status sym_concat(bridge_ctx *c, const relay_expr *e, const bridge_sym **out)
{
	int64_t axis = ((const relay_attrs_axis0 *)e->u.call.attrs)->axis;
	if (axis != 0 && axis != -1)
		return SB_OK;
	int n = 0;
	sb_dtype dt = SB_DT_INVALID;
	for (int i = 0; i < e->u.call.nargs; i++) {
		const bridge_sym *a = bridge_sym_of(c, bridge_arg(e, i));
		if (!a || a->rank != 1 || (dt != SB_DT_INVALID && a->dtype != dt))
			return SB_OK;
		dt = a->dtype;
		n += a->n;
	}
	if (n > BRIDGE_SYM_MAX || dt == SB_DT_INVALID)
		return SB_OK;
	bridge_sym *s = sym_alloc(c, dt, 1, n);
	n = 0;
	for (int i = 0; i < e->u.call.nargs; i++) {
		const bridge_sym *a = bridge_sym_of(c, bridge_arg(e, i));
		for (int k = 0; k < a->n; k++)
			s->v[n++] = a->v[k];
	}
	*out = s;
	return SB_OK;
}

sb_status sym_reshape(bridge_ctx *c, const relay_expr *e, const bridge_sym **out)
{
	const bridge_sym *d = bridge_sym_of(c, bridge_arg(e, 0));
	int64_t shape[BRIDGE_SYM_MAX];
	const bridge_sym *t = int_sym(c, bridge_arg(e, 1));
	if (!d || !t || t->n > 1 || !bridge_sym_is_const(t, shape))
		return SB_OK;
	if (t->n == 1) {
		bool allowzero = ((const relay_attrs_reshape *)e->u.call.attrs)->allowzero != 0;
		int64_t want = shape[0] == 0 && !allowzero && d->rank == 1 ? d->n : shape[0];
		if (want != -1 && want != d->n)
			return SB_OK;
	} else if (d->n != 1) {
		return SB_OK;
	}
	bridge_sym *s = sym_alloc(c, d->dtype, t->n, d->n);
	for (int i = 0; i < d->n; i++)
		s->v[i] = d->v[i];
	*out = s;
	return SB_OK;
}

sb_status sym_expand(bridge_ctx *c, const relay_expr *e, const bridge_sym **out)
{
	const bridge_sym *d = bridge_sym_of(c, bridge_arg(e, 0));
	int64_t shape[BRIDGE_SYM_MAX];
	const bridge_sym *t = int_sym(c, bridge_arg(e, 1));
	if (!d || !t || t->n > 1 || !bridge_sym_is_const(t, shape))
		return SB_OK;
	int rank = SB_MAX(d->rank, t->n), n = d->n;
	if (t->n == 1) {
		if (shape[0] != 1 && d->n != 1 && shape[0] != d->n)
			return SB_OK;
		n = shape[0] == 1 ? d->n : (int)shape[0];
	}
	if (n > BRIDGE_SYM_MAX)
		return SB_OK;
	bridge_sym *s = sym_alloc(c, d->dtype, rank, n);
	for (int i = 0; i < n; i++)
		s->v[i] = at(d, i);
	*out = s;
	return SB_OK;
}

/* ---- dtype ---- */

sb_status sym_cast(bridge_ctx *c, const relay_expr *e, const bridge_sym **out)
{
	const bridge_sym *d = bridge_sym_of(c, bridge_arg(e, 0));
	sb_dtype to = relay_onnx_dtype(((const relay_attrs_cast *)e->u.call.attrs)->to);
	if (!d || !(is_int_dtype(to) || to == SB_BOOL))
		return SB_OK;
	bridge_sym *s = sym_alloc(c, to, d->rank, d->n);
	for (int i = 0; i < d->n; i++) {
		tir_expr *v = d->v[i];
		if (d->dtype == SB_BOOL && to != SB_BOOL)
			v = tir_select(c->tir, v, imm(c, 1), imm(c, 0));
		else if (d->dtype != SB_BOOL && to == SB_BOOL)
			v = tir_ne(c->tir, v, imm(c, 0));
		s->v[i] = simp(c, v);
	}
	*out = s;
	return SB_OK;
}

/* ---- arithmetic ---- */

static tir_expr *int_div(bridge_ctx *c, tir_expr *a, tir_expr *b)
{
	if (provably_nonneg(c, a) && provably_nonneg(c, b))
		return tir_floordiv(c->tir, a, b);
	return tir_div(c->tir, a, b);
}

static tir_expr *apply_binary(bridge_ctx *c, relay_op op, const relay_expr *e, tir_expr *a,
			      tir_expr *b)
{
	tir_ctx *t = c->tir;
	switch (op) {
	case RELAY_OP_ADD:
	case RELAY_OP_SUM:
		return tir_add(t, a, b);
	case RELAY_OP_SUB:
		return tir_sub(t, a, b);
	case RELAY_OP_MUL:
		return tir_mul(t, a, b);
	case RELAY_OP_DIV:
		return int_div(c, a, b);
	case RELAY_OP_MOD:
		/* Integer Mod: the sign of the divisor (floormod), or C's fmod. */
		return ((const relay_attrs_mod *)e->u.call.attrs)->fmod ? tir_mod(t, a, b)
									: tir_floormod(t, a, b);
	case RELAY_OP_MAX:
		return tir_max(t, a, b);
	case RELAY_OP_MIN:
		return tir_min(t, a, b);
	case RELAY_OP_EQUAL:
		return tir_eq(t, a, b);
	case RELAY_OP_GREATER:
		return tir_gt(t, a, b);
	case RELAY_OP_GREATER_OR_EQUAL:
		return tir_ge(t, a, b);
	case RELAY_OP_LESS:
		return tir_lt(t, a, b);
	case RELAY_OP_LESS_OR_EQUAL:
		return tir_le(t, a, b);
	case RELAY_OP_AND:
		return tir_and(t, a, b);
	case RELAY_OP_OR:
		return tir_or(t, a, b);
	case RELAY_OP_XOR:
		return tir_or(t, tir_and(t, a, tir_not(t, b)), tir_and(t, tir_not(t, a), b));
	default:
		SB_UNREACHABLE();
	}
}

/* a OP b elementwise; result dtype `dt` (INVALID: a's). */
static const bridge_sym *sym_apply(bridge_ctx *c, const relay_expr *e, const bridge_sym *a,
				   const bridge_sym *b, sb_dtype dt)
{
	int rank, n;
	if (!sym_broadcast(a, b, &rank, &n))
		return NULL;
	bridge_sym *s = sym_alloc(c, dt != SB_DT_INVALID ? dt : a->dtype, rank, n);
	for (int i = 0; i < n; i++) {
		tir_expr *divisor = at(b, i);
		if ((e->u.call.op == RELAY_OP_DIV || e->u.call.op == RELAY_OP_MOD) &&
		    tir_expr_is_const(simp(c, divisor), 0))
			return NULL; /* division by zero: left to the op */
		s->v[i] = simp(c, apply_binary(c, e->u.call.op, e, at(a, i), divisor));
	}
	return s;
}

sb_status sym_binary(bridge_ctx *c, const relay_expr *e, const bridge_sym **out)
{
	const bridge_sym *a = int_sym(c, bridge_arg(e, 0)), *b = int_sym(c, bridge_arg(e, 1));
	if (a && b && a->dtype == b->dtype)
		*out = sym_apply(c, e, a, b, SB_DT_INVALID);
	return SB_OK;
}

sb_status sym_variadic(bridge_ctx *c, const relay_expr *e, const bridge_sym **out)
{
	const bridge_sym *acc = int_sym(c, bridge_arg(e, 0));
	for (int i = 1; acc && i < e->u.call.nargs; i++) {
		const bridge_sym *b = int_sym(c, bridge_arg(e, i));
		acc = b && b->dtype == acc->dtype ? sym_apply(c, e, acc, b, SB_DT_INVALID) : NULL;
	}
	*out = acc;
	return SB_OK;
}

sb_status sym_compare(bridge_ctx *c, const relay_expr *e, const bridge_sym **out)
{
	const bridge_sym *a = int_sym(c, bridge_arg(e, 0)), *b = int_sym(c, bridge_arg(e, 1));
	if (a && b)
		*out = sym_apply(c, e, a, b, SB_BOOL);
	return SB_OK;
}

sb_status sym_logic(bridge_ctx *c, const relay_expr *e, const bridge_sym **out)
{
	const bridge_sym *a = bool_sym(c, bridge_arg(e, 0)), *b = bool_sym(c, bridge_arg(e, 1));
	if (a && b)
		*out = sym_apply(c, e, a, b, SB_BOOL);
	return SB_OK;
}

sb_status sym_not(bridge_ctx *c, const relay_expr *e, const bridge_sym **out)
{
	const bridge_sym *a = bool_sym(c, bridge_arg(e, 0));
	if (!a)
		return SB_OK;
	bridge_sym *s = sym_alloc(c, SB_BOOL, a->rank, a->n);
	for (int i = 0; i < a->n; i++)
		s->v[i] = simp(c, tir_not(c->tir, a->v[i]));
	*out = s;
	return SB_OK;
}

sb_status sym_unary(bridge_ctx *c, const relay_expr *e, const bridge_sym **out)
{
	const bridge_sym *a = int_sym(c, bridge_arg(e, 0));
	if (!a)
		return SB_OK;
	tir_ctx *t = c->tir;
	bridge_sym *s = sym_alloc(c, a->dtype, a->rank, a->n);
	for (int i = 0; i < a->n; i++) {
		tir_expr *x = a->v[i], *neg = tir_sub(t, imm(c, 0), x), *r;
		switch (e->u.call.op) {
		case RELAY_OP_ABS:
			r = tir_max(t, x, neg);
			break;
		case RELAY_OP_NEG:
			r = neg;
			break;
		case RELAY_OP_RELU:
			r = tir_max(t, x, imm(c, 0));
			break;
		case RELAY_OP_SIGN:
			r = tir_select(
			    t, tir_gt(t, x, imm(c, 0)), imm(c, 1),
			    tir_select(t, tir_lt(t, x, imm(c, 0)), imm(c, -1), imm(c, 0)));
			break;
		default:
			SB_UNREACHABLE();
		}
		s->v[i] = simp(c, r);
	}
	*out = s;
	return SB_OK;
}

sb_status sym_where(bridge_ctx *c, const relay_expr *e, const bridge_sym **out)
{
	const bridge_sym *cond = bool_sym(c, bridge_arg(e, 0));
	const bridge_sym *x = bridge_sym_of(c, bridge_arg(e, 1)),
			 *y = bridge_sym_of(c, bridge_arg(e, 2));
	int r1, n1, r2, n2;
	if (!cond || !x || !y || x->dtype != y->dtype || !sym_broadcast(cond, x, &r1, &n1) ||
	    !sym_broadcast(x, y, &r2, &n2))
		return SB_OK;
	int n = SB_MAX(n1, n2), rank = SB_MAX(r1, r2);
	if ((cond->n != 1 && cond->n != n) || (x->n != 1 && x->n != n) || (y->n != 1 && y->n != n))
		return SB_OK;
	bridge_sym *s = sym_alloc(c, x->dtype, rank, n);
	for (int i = 0; i < n; i++)
		s->v[i] = simp(c, tir_select(c->tir, at(cond, i), at(x, i), at(y, i)));
	*out = s;
	return SB_OK;
}

sb_status sym_identity(bridge_ctx *c, const relay_expr *e, const bridge_sym **out)
{
	if (e->u.call.nout == 1)
		*out = bridge_sym_of(c, bridge_arg(e, 0));
	return SB_OK;
}

/* ---- generators ---- */

sb_status sym_constant_of_shape(bridge_ctx *c, const relay_expr *e, const bridge_sym **out)
{
	int64_t shape[BRIDGE_SYM_MAX] = {0};
	const bridge_sym *t = int_sym(c, bridge_arg(e, 0));
	const sb_tensor *value = ((const relay_attrs_constant_of_shape *)e->u.call.attrs)->value;
	if (!t || t->n > 1 || !bridge_sym_is_const(t, shape) || !value ||
	    sb_tensor_numel(value) != 1 || !(is_int_dtype(value->dtype) || value->dtype == SB_BOOL))
		return SB_OK;
	int64_t n = t->n ? shape[0] : 1;
	if (n < 0 || n > BRIDGE_SYM_MAX)
		return SB_OK;
	int64_t v = sb_tensor_get_i64(value, 0);
	bridge_sym *s = sym_alloc(c, value->dtype, t->n, (int)n);
	for (int i = 0; i < n; i++)
		s->v[i] = value->dtype == SB_BOOL ? tir_bool(c->tir, v != 0) : imm(c, v);
	*out = s;
	return SB_OK;
}

sb_status sym_range(bridge_ctx *c, const relay_expr *e, const bridge_sym **out)
{
	const bridge_sym *a = int_sym(c, bridge_arg(e, 0)), *l = int_sym(c, bridge_arg(e, 1)),
			 *d = int_sym(c, bridge_arg(e, 2));
	int64_t delta, count;
	if (!a || !l || !d || a->n != 1 || l->n != 1 || d->n != 1 ||
	    !tir_expr_is_int_imm(d->v[0], &delta) || delta == 0)
		return SB_OK;
	tir_ctx *t = c->tir;
	tir_expr *span = delta > 0 ? tir_sub(t, l->v[0], a->v[0]) : tir_sub(t, a->v[0], l->v[0]);
	int64_t ad = delta > 0 ? delta : -delta;
	tir_expr *len = simp(c, tir_floordiv(t, tir_add(t, span, imm(c, ad - 1)), imm(c, ad)));
	if (!tir_expr_is_int_imm(len, &count) || count > BRIDGE_SYM_MAX)
		return SB_OK;
	count = SB_MAX(count, 0);
	bridge_sym *s = sym_alloc(c, a->dtype, 1, (int)count);
	for (int i = 0; i < count; i++)
		s->v[i] = simp(c, tir_add(t, a->v[0], imm(c, delta * i)));
	*out = s;
	return SB_OK;
}
