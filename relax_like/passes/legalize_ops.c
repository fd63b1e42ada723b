/* LegalizeOps: every high-level op call becomes a relax.call_tir of a tir
 * PrimFunc built by tir/topi, added to the same module.  Shapes stay
 * symbolic: a PrimFunc is built over its arguments' shapes generalised
 * (each non-constant dim a shape variable of the PrimFunc, bound by the
 * generated entry from that buffer; static dims stay integers so
 * schedules can specialise), and one PrimFunc serves every call with the
 * same op, attributes, dtypes and shape pattern -- the four identical
 * layers of a BERT share theirs.  legalize.h says how a rule sees shapes.
 *
 * Requires: normal form (struct info on every binding).  Guarantees: no
 * call of a high-level op is left but relax.tensor_to_shape (pure; the VM
 * reads the values with vm.builtin.tensor_to_shape); shape_of becomes the
 * ShapeExpr of its argument's shape; topk and nonzero, which have no
 * loop-nest form, become call_dps_packed of "runtime.topk" /
 * "runtime.nonzero" (runtime/ops_packed.c); an output whose size is read
 * from data (arange's length, one_hot's depth, topk's k, nonzero's count)
 * is computed first and bound to a fresh shape variable ("Sizes read from
 * data" below), so every output is allocated before its call.  The vars
 * keep their identity (their struct info may become more precise); each
 * new PrimFunc is verified.
 *
 *   %lv0 = relax.add(%x, %y) : Tensor((n, s, 256), float32)
 *   %lv1 = relax.add(%lv0, %y) : Tensor((n, s, 256), float32)
 * becomes
 *   %lv0 = relax.call_tir(@add, (%x, %y), sinfo_args=[Tensor((n, s, 256), float32)])
 *   %lv1 = relax.call_tir(@add, (%lv0, %y), sinfo_args=[Tensor((n, s, 256), float32)])
 *   @func add(A: Buffer(float32, [n, s, 256]), B: ..., Y: ...) { ... }
 *
 * Values a PrimFunc needs that are neither a dim of one of its buffer
 * arguments nor a dim of its output (a symbolic slice start) are scalar
 * parameters: call_tir passes them as PrimValues among its arguments
 * (LowerShapes loads them from the shape heap; the entry binds them). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "legalize.h"

typedef struct lg_entry {
	const char *key; /* interned */
	relax_attrs_id aid;
	const void *attrs;
	relax_expr *gvar;
	struct lg_entry *next;
} lg_entry;

struct lg_ctx {
	relax_module *m;
	sb_map cache; /* interned key -> lg_entry chain */
	sb_map names; /* interned base name -> next suffix */
	int built, reused;
};

/* ---- Errors ---- */

sb_status lg_error(lg_call *c, sb_status code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	c->failed = true;
	c->status = sb_set_error(code, "LegalizeOps '%s' (%s): %s", c->where,
				 relax_op_get(c->op)->name, msg);
	return c->status;
}

sb_status lg_topi(lg_call *c, sb_status st, tir_func *f)
{
	if (st) {
		c->failed = true;
		c->status = sb_error_prefix(st, "LegalizeOps '%s' (%s)", c->where,
					    relax_op_get(c->op)->name);
		return c->status;
	}
	c->built = f;
	return SB_OK;
}

/* ---- Keys ---- */

void lg_key(lg_call *c, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	sb_strbuf_puts(&c->keybuf, buf);
}

/* e (in PrimFunc variables) written with the positional key variables. */
static void key_expr(lg_call *c, tir_expr *e)
{
	tir_expr *k = c->nvars ? tir_substitute(c->tir, e, c->nvars, c->var, c->key) : e;
	tir_expr_print(&c->keybuf, k);
}

/* ---- Variables ---- */

static tir_expr *simp(lg_call *c, tir_expr *e)
{
	return tir_simplify(c->tir, c->m->an, e);
}

static bool name_taken(lg_call *c, const char *name)
{
	for (int i = 0; i < c->nvars; i++)
		if (!strcmp(c->var[i]->u.var.name, name))
			return true;
	return false;
}

/* A PrimFunc variable for relax expression rel: named after rel when it
 * is a variable (readable PrimFuncs), unique among this call's. */
static int add_var(lg_call *c, tir_expr *rel, char kind)
{
	if (c->nvars == LG_MAX_VARS) {
		lg_error(c, SB_ERR_UNSUPPORTED, "more than %d symbolic values", LG_MAX_VARS);
		return -1;
	}
	const char *base = rel->kind == TIR_VAR ? rel->u.var.name : kind == 's' ? "v" : "d";
	char name[96];
	snprintf(name, sizeof name, "%s", base);
	for (int k = 1; name_taken(c, name); k++)
		snprintf(name, sizeof name, "%s_%d", base, k);
	int i = c->nvars++;
	c->rel[i] = rel;
	c->kind[i] = kind;
	/* Dims are non-negative (shape variables); a scalar may be anything. */
	c->var[i] =
	    kind == 's' ? tir_var(c->tir, name, TIR_INDEX_TYPE) : tir_shape_var(c->tir, name);
	char key[32];
	snprintf(key, sizeof key, "$%c%d", kind, i);
	c->key[i] = tir_shape_var(c->tir, key);
	return i;
}

static int find_rel(lg_call *c, const tir_expr *e)
{
	for (int i = 0; i < c->nvars; i++)
		if (c->rel[i] == e)
			return i;
	return -1;
}

typedef struct var_list {
	int n;
	bool overflow;
	tir_expr *v[LG_MAX_VARS];
} var_list;

static void collect_var(tir_expr *v, void *env)
{
	var_list *l = env;
	for (int i = 0; i < l->n; i++)
		if (l->v[i] == v)
			return;
	if (l->n == LG_MAX_VARS)
		l->overflow = true;
	else
		l->v[l->n++] = v;
}

/* e over the PrimFunc's variables, or NULL when it cannot be written so
 * (nothing recorded). */
static tir_expr *try_translate(lg_call *c, tir_expr *e)
{
	e = simp(c, e);
	if (e->kind == TIR_INT_IMM)
		return e;
	int i = find_rel(c, e);
	if (i >= 0)
		return c->var[i];
	for (i = 0; i < c->nvars; i++)
		if (c->kind[i] != 's' && tir_can_prove_equal(c->tir, c->m->an, c->rel[i], e))
			return c->var[i];
	var_list l = {0};
	relax_tir_visit_vars(e, collect_var, &l);
	if (l.overflow || !l.n)
		return NULL;
	tir_expr *to[LG_MAX_VARS];
	for (int k = 0; k < l.n; k++) {
		int j = find_rel(c, l.v[k]);
		if (j < 0)
			return NULL;
		to[k] = c->var[j];
	}
	return simp(c, tir_substitute(c->tir, e, l.n, l.v, to));
}

static bool uses_scalar(lg_call *c, const tir_expr *e)
{
	for (int i = 0; i < c->nvars; i++)
		if (c->kind[i] == 's' && tir_expr_uses_var(e, c->var[i]))
			return true;
	return false;
}

tir_expr *lg_dim(lg_call *c, tir_expr *e, lg_mode mode, const char *what)
{
	if (c->failed)
		return NULL;
	tir_expr *t = try_translate(c, e);
	if (t && mode == LG_OUT && uses_scalar(c, t))
		t = NULL; /* an output dim binds its own variable; topi wants that */
	if (!t) {
		e = simp(c, e);
		if (mode == LG_EXACT) {
			char *s = tir_expr_to_string(e);
			lg_error(c, SB_ERR_UNSUPPORTED,
				 "%s (%s) is neither a dim of a tensor argument nor computable "
				 "from them",
				 what, s);
			free(s);
			return NULL;
		}
		int i = add_var(c, e, mode == LG_OUT ? 'o' : 's');
		if (i < 0)
			return NULL;
		if (mode == LG_SCALAR) {
			lg_arg_prim(c, e);
			c->scalars[c->nscalars++] = c->var[i];
		}
		t = c->var[i];
	}
	key_expr(c, t);
	sb_strbuf_putc(&c->keybuf, ';');
	return t;
}

void lg_arg_prim(lg_call *c, tir_expr *relax_value)
{
	if (c->ncargs == LG_MAX_ARGS) {
		lg_error(c, SB_ERR_UNSUPPORTED, "more than %d arguments", LG_MAX_ARGS);
		return;
	}
	c->cargs[c->ncargs++] = relax_prim_value(c->m, relax_value);
}

/* ---- Arguments ---- */

/* A tensor of known dims (rank 0 needs none) and dtype. */
static bool has_shape(const relax_sinfo *s)
{
	return relax_sinfo_is_tensor(s) && s->u.tensor.dtype != SB_DT_INVALID &&
	       (s->u.tensor.shape || s->u.tensor.ndim == 0);
}

const relax_sinfo *lg_arg_tensor(lg_call *c, int i)
{
	if (i < 0 || i >= c->nargs)
		return NULL;
	const relax_sinfo *s = c->args[i]->sinfo;
	if (!has_shape(s))
		return NULL;
	return s;
}

sb_status lg_buffer(lg_call *c, int i, topi_tensor *t)
{
	if (c->failed)
		return c->status;
	const relax_sinfo *s = lg_arg_tensor(c, i);
	if (!s) {
		const relax_sinfo *a = i < c->nargs ? c->args[i]->sinfo : NULL;
		char *txt = a ? relax_sinfo_to_string(a) : NULL;
		lg_error(c, SB_ERR_UNSUPPORTED,
			 "argument %d must be a tensor of known shape and dtype, not %s", i,
			 txt ? txt : "absent");
		free(txt);
		return c->status;
	}
	if (c->ncargs == LG_MAX_ARGS)
		return lg_error(c, SB_ERR_UNSUPPORTED, "more than %d arguments", LG_MAX_ARGS);
	int n = s->u.tensor.ndim;
	tir_expr **dims = SB_ARENA_ARRAY(relax_arena(c->m), tir_expr *, n ? n : 1);
	lg_key(c, "T%s(", sb_dtype_name(s->u.tensor.dtype));
	for (int d = 0; d < n; d++) {
		tir_expr *e = simp(c, s->u.tensor.shape[d]);
		if (e->kind == TIR_INT_IMM) {
			dims[d] = e;
		} else {
			int k = find_rel(c, e);
			if (k < 0 || c->kind[k] != 'd')
				k = add_var(c, e, 'd');
			if (k < 0)
				return c->status;
			dims[d] = c->var[k];
		}
		key_expr(c, dims[d]);
		sb_strbuf_putc(&c->keybuf, ',');
	}
	lg_key(c, ");");
	c->cargs[c->ncargs++] = c->args[i];
	*t = topi_tensor_make(s->u.tensor.dtype, n, dims);
	return SB_OK;
}

sb_status lg_out_shape(lg_call *c, int i, int *ndim, tir_expr **dims, sb_dtype *dt)
{
	if (c->failed)
		return c->status;
	const relax_sinfo *s = c->out;
	if (s->kind == RELAX_SINFO_TUPLE)
		s = i < s->u.tuple.nfields ? s->u.tuple.fields[i] : NULL;
	if (!has_shape(s)) {
		char *txt = s ? relax_sinfo_to_string(s) : NULL;
		lg_error(c, SB_ERR_UNSUPPORTED,
			 "output %d is %s: its shape depends on the data (a match_cast after the "
			 "call names it), but call_tir needs its output allocated before the call",
			 i, txt ? txt : "absent");
		free(txt);
		return c->status;
	}
	*ndim = s->u.tensor.ndim;
	if (dt)
		*dt = s->u.tensor.dtype;
	lg_key(c, "O%s(", sb_dtype_name(s->u.tensor.dtype));
	for (int d = 0; d < s->u.tensor.ndim; d++)
		if (!(dims[d] = lg_dim(c, s->u.tensor.shape[d], LG_OUT, "an output dim")))
			return c->status;
	lg_key(c, ");");
	return SB_OK;
}

bool lg_const_int(lg_call *c, int i, int64_t *v)
{
	if (i < 0 || i >= c->nargs)
		return false;
	const relax_expr *a = c->args[i];
	const tir_expr *p = NULL;
	if (a->kind == RELAX_PRIM_VALUE)
		p = a->u.prim.value;
	else if (a->sinfo && a->sinfo->kind == RELAX_SINFO_PRIM)
		p = a->sinfo->u.prim.value;
	if (p) {
		tir_expr *s = simp(c, (tir_expr *)p);
		return tir_expr_is_int_imm(s, v);
	}
	if (a->kind == RELAX_CONSTANT) {
		const sb_tensor *t = a->u.constant.value;
		if (sb_tensor_numel(t) != 1 || sb_dtype_is_float(t->dtype))
			return false;
		*v = (int64_t)sb_tensor_get_f64(t, 0);
		if (t->dtype == SB_I64 || t->dtype == SB_U64)
			*v = sb_tensor_get_i64(t, 0);
		return true;
	}
	return false;
}

bool lg_const_scalar(lg_call *c, int i, double *v)
{
	if (i < 0 || i >= c->nargs)
		return false;
	const relax_expr *a = c->args[i];
	if (a->kind == RELAX_CONSTANT) {
		const sb_tensor *t = a->u.constant.value;
		if (sb_tensor_numel(t) != 1)
			return false;
		*v = sb_tensor_get_f64(t, 0);
		return true;
	}
	if (a->kind == RELAX_PRIM_VALUE) {
		const tir_expr *p = simp(c, a->u.prim.value);
		if (p->kind == TIR_INT_IMM) {
			*v = (double)p->u.int_value;
			return true;
		}
		if (p->kind == TIR_FLOAT_IMM) {
			*v = p->u.float_value;
			return true;
		}
	}
	return false;
}

bool lg_shape_values(lg_call *c, int i, int *n, tir_expr *const **values)
{
	if (i < 0 || i >= c->nargs)
		return false;
	const relax_expr *a = c->args[i];
	if (a->kind == RELAX_SHAPE_EXPR) {
		*n = a->u.shape.ndim;
		*values = a->u.shape.values;
		return true;
	}
	const relax_sinfo *s = a->sinfo;
	if (s && s->kind == RELAX_SINFO_SHAPE && s->u.shape.values && s->u.shape.ndim >= 0) {
		*n = s->u.shape.ndim;
		*values = s->u.shape.values;
		return true;
	}
	return false;
}

/* ---- Reuse and names ---- */

static const char *const libc_names[] = {
    "abs",  "acos", "acosh", "asin",  "asinh", "atan",	"atanh", "ceil",  "cos",
    "cosh", "erf",  "exp",   "floor", "log",   "round", "sqrt",	 "sin",	  "sinh",
    "tan",  "tanh", "isinf", "isnan", "div",   "fmod",	"pow",	 "trunc", "index",
};

const char *lg_name(lg_call *c)
{
	const char *base = c->name_hint ? c->name_hint : relax_op_get(c->op)->name;
	if (!strncmp(base, "relax.", 6))
		base += 6;
	char buf[96];
	snprintf(buf, sizeof buf, "%s", base);
	for (size_t i = 0; i < SB_ARRAY_LEN(libc_names); i++)
		if (!strcmp(base, libc_names[i]))
			snprintf(buf, sizeof buf, "topi_%s", base);
	for (char *p = buf; *p; p++)
		if (*p == '.')
			*p = '_';
	const char *ib = relax_intern(c->m, buf);
	uintptr_t next = (uintptr_t)sb_map_lookup(&c->lc->names, (uintptr_t)ib);
	char name[128];
	for (;; next++) {
		if (next)
			snprintf(name, sizeof name, "%s%u", ib, (unsigned)next);
		else
			snprintf(name, sizeof name, "%s", ib);
		if (!relax_module_lookup(c->m, name))
			break;
	}
	sb_map_put(&c->lc->names, (uintptr_t)ib, (void *)(next + 1));
	return relax_intern(c->m, name);
}

static const char *full_key(lg_call *c)
{
	sb_strbuf_putc(&c->keybuf, '\0');
	const char *k = relax_intern(c->m, c->keybuf.data);
	c->keybuf.len--;
	return k;
}

bool lg_cached(lg_call *c)
{
	if (c->failed)
		return false;
	relax_attrs_id aid = relax_op_get(c->op)->attrs;
	const char *k = full_key(c);
	for (lg_entry *e = sb_map_lookup(&c->lc->cache, (uintptr_t)k); e; e = e->next)
		if (e->aid == aid && relax_attrs_equal(aid, e->attrs, c->attrs)) {
			c->gvar = e->gvar;
			return true;
		}
	return false;
}

static void remember(lg_call *c)
{
	relax_attrs_id aid = relax_op_get(c->op)->attrs;
	const char *k = full_key(c);
	lg_entry *e = SB_ARENA_NEW(relax_arena(c->m), lg_entry);
	e->key = k;
	e->aid = aid;
	e->attrs = c->attrs;
	e->gvar = c->gvar;
	e->next = sb_map_lookup(&c->lc->cache, (uintptr_t)k);
	sb_map_put(&c->lc->cache, (uintptr_t)k, e);
}

/* The built PrimFunc's output buffers must have the call's output shape
 * wherever both can be compared: a provable difference is a bug in a
 * rule (or topi), caught here rather than by the entry at run time. */
static sb_status check_outputs(lg_call *c, const tir_func *f)
{
	const relax_sinfo *o = c->out;
	int nout = o->kind == RELAX_SINFO_TUPLE ? o->u.tuple.nfields : 1;
	if (nout > f->nparams)
		return lg_error(c, SB_ERR_INTERNAL, "@%s has %d params for %d outputs", f->name,
				f->nparams, nout);
	for (int j = 0; j < nout; j++) {
		const relax_sinfo *s = o->kind == RELAX_SINFO_TUPLE ? o->u.tuple.fields[j] : o;
		const tir_buffer *b = f->params[f->nparams - nout + j].buffer;
		if (!b || b->ndim != s->u.tensor.ndim || b->dtype != s->u.tensor.dtype)
			return lg_error(c, SB_ERR_INTERNAL,
					"@%s output %d does not have the call's rank and dtype",
					f->name, j);
		for (int d = 0; d < b->ndim; d++) {
			tir_expr *want = try_translate(c, s->u.tensor.shape[d]);
			if (want &&
			    tir_can_prove(c->tir, c->m->an, tir_ne(c->tir, want, b->shape[d]))) {
				char *w = tir_expr_to_string(want),
				     *g = tir_expr_to_string(b->shape[d]);
				lg_error(c, SB_ERR_INTERNAL,
					 "@%s output %d dim %d is %s, the call's is %s", f->name, j,
					 d, g, w);
				free(w);
				free(g);
				return c->status;
			}
		}
	}
	return SB_OK;
}

/* ---- The rule table ---- */

static const lg_rule_fn rules[RELAX_OP_COUNT] = {
    [RELAX_OP_ABS] = lg_rule_unary,
    [RELAX_OP_ACOS] = lg_rule_unary,
    [RELAX_OP_ACOSH] = lg_rule_unary,
    [RELAX_OP_ASIN] = lg_rule_unary,
    [RELAX_OP_ASINH] = lg_rule_unary,
    [RELAX_OP_ATAN] = lg_rule_unary,
    [RELAX_OP_ATANH] = lg_rule_unary,
    [RELAX_OP_CEIL] = lg_rule_unary,
    [RELAX_OP_COS] = lg_rule_unary,
    [RELAX_OP_COSH] = lg_rule_unary,
    [RELAX_OP_ERF] = lg_rule_unary,
    [RELAX_OP_EXP] = lg_rule_unary,
    [RELAX_OP_FLOOR] = lg_rule_unary,
    [RELAX_OP_LOG] = lg_rule_unary,
    [RELAX_OP_NEGATIVE] = lg_rule_unary,
    [RELAX_OP_LOGICAL_NOT] = lg_rule_unary,
    [RELAX_OP_RECIPROCAL] = lg_rule_unary,
    [RELAX_OP_RELU] = lg_rule_unary,
    [RELAX_OP_ROUND] = lg_rule_unary,
    [RELAX_OP_RSQRT] = lg_rule_unary,
    [RELAX_OP_SIGMOID] = lg_rule_unary,
    [RELAX_OP_SIGN] = lg_rule_unary,
    [RELAX_OP_SIN] = lg_rule_unary,
    [RELAX_OP_SINH] = lg_rule_unary,
    [RELAX_OP_SOFTPLUS] = lg_rule_unary,
    [RELAX_OP_SOFTSIGN] = lg_rule_unary,
    [RELAX_OP_SQRT] = lg_rule_unary,
    [RELAX_OP_TAN] = lg_rule_unary,
    [RELAX_OP_TANH] = lg_rule_unary,
    [RELAX_OP_CELU] = lg_rule_unary,
    [RELAX_OP_ELU] = lg_rule_unary,
    [RELAX_OP_HARD_SIGMOID] = lg_rule_unary,
    [RELAX_OP_HARD_SWISH] = lg_rule_unary,
    [RELAX_OP_LEAKY_RELU] = lg_rule_unary,
    [RELAX_OP_SELU] = lg_rule_unary,
    [RELAX_OP_SHRINK] = lg_rule_unary,
    [RELAX_OP_THRESHOLDED_RELU] = lg_rule_unary,
    [RELAX_OP_ISINF] = lg_rule_unary,
    [RELAX_OP_ISNAN] = lg_rule_unary,
    [RELAX_OP_CAST] = lg_rule_cast,
    [RELAX_OP_CLIP] = lg_rule_clip,
    [RELAX_OP_ADD] = lg_rule_binary,
    [RELAX_OP_SUBTRACT] = lg_rule_binary,
    [RELAX_OP_MULTIPLY] = lg_rule_binary,
    [RELAX_OP_DIVIDE] = lg_rule_binary,
    [RELAX_OP_POWER] = lg_rule_binary,
    [RELAX_OP_FLOOR_MOD] = lg_rule_binary,
    [RELAX_OP_MOD] = lg_rule_binary,
    [RELAX_OP_MAXIMUM] = lg_rule_binary,
    [RELAX_OP_MINIMUM] = lg_rule_binary,
    [RELAX_OP_PRELU] = lg_rule_binary,
    [RELAX_OP_LOGICAL_AND] = lg_rule_binary,
    [RELAX_OP_LOGICAL_OR] = lg_rule_binary,
    [RELAX_OP_LOGICAL_XOR] = lg_rule_binary,
    [RELAX_OP_EQUAL] = lg_rule_binary,
    [RELAX_OP_NOT_EQUAL] = lg_rule_binary,
    [RELAX_OP_GREATER] = lg_rule_binary,
    [RELAX_OP_GREATER_EQUAL] = lg_rule_binary,
    [RELAX_OP_LESS] = lg_rule_binary,
    [RELAX_OP_LESS_EQUAL] = lg_rule_binary,
    [RELAX_OP_WHERE] = lg_rule_where,
    [RELAX_OP_SUM] = lg_rule_reduce,
    [RELAX_OP_MEAN] = lg_rule_reduce,
    [RELAX_OP_MAX] = lg_rule_reduce,
    [RELAX_OP_MIN] = lg_rule_reduce,
    [RELAX_OP_PROD] = lg_rule_reduce,
    [RELAX_OP_REDUCE_L1] = lg_rule_reduce,
    [RELAX_OP_REDUCE_L2] = lg_rule_reduce,
    [RELAX_OP_LOG_SUM] = lg_rule_reduce,
    [RELAX_OP_LOG_SUM_EXP] = lg_rule_reduce,
    [RELAX_OP_SUM_SQUARE] = lg_rule_reduce,
    [RELAX_OP_ARGMAX] = lg_rule_arg_reduce,
    [RELAX_OP_ARGMIN] = lg_rule_arg_reduce,
    [RELAX_OP_SOFTMAX] = lg_rule_softmax,
    [RELAX_OP_LOG_SOFTMAX] = lg_rule_softmax,
    [RELAX_OP_HARDMAX] = lg_rule_softmax,
    [RELAX_OP_CUMSUM] = lg_rule_cumsum,
    [RELAX_OP_BATCH_NORM] = lg_rule_batch_norm,
    [RELAX_OP_LAYER_NORM] = lg_rule_layer_norm,
    [RELAX_OP_INSTANCE_NORM] = lg_rule_instance_norm,
    [RELAX_OP_LRN] = lg_rule_lrn,
    [RELAX_OP_MEAN_VARIANCE_NORM] = lg_rule_mvn,
    [RELAX_OP_MATMUL] = lg_rule_matmul,
    [RELAX_OP_GEMM] = lg_rule_gemm,
    [RELAX_OP_EINSUM] = lg_rule_einsum,
    [RELAX_OP_CONV1D] = lg_rule_conv,
    [RELAX_OP_CONV2D] = lg_rule_conv,
    [RELAX_OP_CONV3D] = lg_rule_conv,
    [RELAX_OP_CONV1D_TRANSPOSE] = lg_rule_conv_transpose,
    [RELAX_OP_CONV2D_TRANSPOSE] = lg_rule_conv_transpose,
    [RELAX_OP_CONV3D_TRANSPOSE] = lg_rule_conv_transpose,
    [RELAX_OP_MAX_POOL1D] = lg_rule_pool,
    [RELAX_OP_MAX_POOL2D] = lg_rule_pool,
    [RELAX_OP_MAX_POOL3D] = lg_rule_pool,
    [RELAX_OP_AVG_POOL1D] = lg_rule_pool,
    [RELAX_OP_AVG_POOL2D] = lg_rule_pool,
    [RELAX_OP_AVG_POOL3D] = lg_rule_pool,
    [RELAX_OP_GLOBAL_AVG_POOL] = lg_rule_global_pool,
    [RELAX_OP_GLOBAL_MAX_POOL] = lg_rule_global_pool,
    [RELAX_OP_RESIZE] = lg_rule_resize,
    [RELAX_OP_PAD] = lg_rule_pad,
    [RELAX_OP_DEPTH_TO_SPACE] = lg_rule_depth_to_space,
    [RELAX_OP_SPACE_TO_DEPTH] = lg_rule_depth_to_space,
    [RELAX_OP_RESHAPE] = lg_rule_reshape,
    [RELAX_OP_PERMUTE_DIMS] = lg_rule_permute_dims,
    [RELAX_OP_CONCAT] = lg_rule_concat,
    [RELAX_OP_SPLIT] = lg_rule_split,
    [RELAX_OP_STRIDED_SLICE] = lg_rule_strided_slice,
    [RELAX_OP_TAKE] = lg_rule_gather,
    [RELAX_OP_GATHER_ELEMENTS] = lg_rule_gather,
    [RELAX_OP_GATHER_ND] = lg_rule_gather,
    [RELAX_OP_SCATTER_ELEMENTS] = lg_rule_scatter,
    [RELAX_OP_SCATTER_ND] = lg_rule_scatter,
    [RELAX_OP_SQUEEZE] = lg_rule_squeeze,
    [RELAX_OP_UNSQUEEZE] = lg_rule_squeeze,
    [RELAX_OP_FLATTEN] = lg_rule_flatten,
    [RELAX_OP_EXPAND] = lg_rule_expand,
    [RELAX_OP_TILE] = lg_rule_tile,
    [RELAX_OP_SHAPE_TO_TENSOR] = lg_rule_shape_to_tensor,
    [RELAX_OP_SIZE] = lg_rule_size,
    [RELAX_OP_ARANGE] = lg_rule_arange,
    [RELAX_OP_FULL] = lg_rule_full,
    [RELAX_OP_EYE_LIKE] = lg_rule_eye_like,
    [RELAX_OP_ONE_HOT] = lg_rule_one_hot,
    [RELAX_OP_TRILU] = lg_rule_trilu,
};

/* Ops that stay: calls of PrimFuncs and packed functions, allocation, and
 * tensor_to_shape (the VM reads the values: vm.builtin.tensor_to_shape). */
static bool is_kept(relax_op op)
{
	return op == RELAX_OP_CALL_TIR || op == RELAX_OP_CALL_DPS_PACKED ||
	       op == RELAX_OP_TENSOR_TO_SHAPE || op == RELAX_OP_CALL_PACKED ||
	       op == RELAX_OP_BUILTIN_ALLOC_TENSOR || op == RELAX_OP_MEMORY_ALLOC_STORAGE ||
	       op == RELAX_OP_MEMORY_ALLOC_TENSOR;
}

/* ---- The pass ---- */

/* shape_of(x) is x's shape, which the struct info already holds. */
static sb_status legalize_shape_of(lg_call *c, relax_expr **out)
{
	const relax_sinfo *s = lg_arg_tensor(c, 0);
	if (!s && c->args[0]->sinfo && relax_sinfo_has_shape(c->args[0]->sinfo))
		s = c->args[0]->sinfo;
	if (!s)
		return lg_error(c, SB_ERR_UNSUPPORTED, "the argument's shape is not known");
	*out = relax_shape_expr(c->m, s->u.tensor.ndim, s->u.tensor.shape);
	return SB_OK;
}

/* Builds (or reuses) the PrimFunc of `rule` for a call of op with these
 * arguments and output, and returns call_tir of it in *out.  name_hint
 * (NULL: the op) names a helper kernel and keeps its key apart. */
static sb_status run_rule(lg_ctx *lc, const char *where, relax_op op, const void *attrs, int nargs,
			  relax_expr *const *args, const relax_sinfo *out_sinfo, lg_rule_fn rule,
			  const char *name_hint, int aux, relax_expr **out)
{
	relax_module *m = lc->m;
	lg_call c = {
	    .lc = lc,
	    .m = m,
	    .tir = m->tir,
	    .where = where,
	    .op = op,
	    .attrs = attrs,
	    .nargs = nargs,
	    .args = args,
	    .out = out_sinfo,
	    .name_hint = name_hint,
	    .aux = aux,
	};
	relax_attrs_id aid = relax_op_get(op)->attrs;
	if (!c.attrs)
		c.attrs = relax_attrs_new(m, aid);
	lg_key(&c, "%s%s{", name_hint ? name_hint : "", relax_op_get(op)->name);
	relax_attrs_print(&c.keybuf, aid, c.attrs);
	lg_key(&c, "#%llx}%d;", (unsigned long long)relax_attrs_hash(aid, c.attrs), aux);
	sb_status st = rule(&c);
	if (!st && c.failed)
		st = c.status;
	if (!st && !c.gvar && !c.built)
		st = lg_error(&c, SB_ERR_INTERNAL, "the rule built nothing");
	if (!st && c.built) {
		if ((st = tir_func_verify(c.built)))
			st = sb_error_prefix(st, "LegalizeOps '%s' (%s)", c.where,
					     relax_op_get(op)->name);
		else if (!(st = check_outputs(&c, c.built))) {
			c.gvar = relax_module_add_prim_func(m, c.built);
			remember(&c);
			lc->built++;
		}
	} else if (!st) {
		lc->reused++;
	}
	if (!st) {
		relax_expr *a[2] = {c.gvar, relax_tuple(m, c.ncargs, c.cargs)};
		*out = relax_call_op_sinfo(m, RELAX_OP_CALL_TIR, 2, a, NULL, 1, &c.out);
	}
	sb_strbuf_free(&c.keybuf);
	return st;
}

/* ---- Sizes read from data ----
 *
 * An output whose size is a run-time value (arange's length, one_hot's
 * depth, topk's k, nonzero's count) is computed into an int64[1] tensor
 * first, read into a fresh shape variable by tensor_to_shape (the builder
 * match_casts its result), and the op's output is then allocated with
 * that variable -- everything stays pure, in the dataflow block:
 *
 *   %lv0 = relax.arange(%start, %limit, %delta) : Tensor(ndim=1, float32)
 * becomes
 *   %lv0_len = relax.call_tir(@arange_len, (%start, %limit, %delta), [Tensor((1,), int64)])
 *   %lvK = relax.tensor_to_shape(%lv0_len) : Shape(ndim=1)
 *   %lv0_size = match_cast(%lvK, Shape((d,)))
 *   %lv0 = relax.call_tir(@arange, (%start, %delta), [Tensor((d,), float32)])
 * (the builder names the tensor_to_shape binding lvK itself). */

/* Binds `lenv` (an int64[1] tensor) into a fresh shape variable. */
static sb_status read_len(relax_builder *b, relax_expr *lenv, const char *where, tir_expr **var)
{
	relax_module *m = relax_builder_module(b);
	relax_expr *shp;
	char name[160];
	snprintf(name, sizeof name, "%s_size", where);
	sb_status st =
	    relax_builder_emit(b, relax_call_op(m, RELAX_OP_TENSOR_TO_SHAPE, 1, &lenv, NULL),
			       relax_intern(m, name), &shp);
	if (st)
		return st;
	const relax_sinfo *s = shp->sinfo;
	SB_ASSERT(s && s->kind == RELAX_SINFO_SHAPE && s->u.shape.ndim == 1 && s->u.shape.values);
	*var = s->u.shape.values[0];
	return SB_OK;
}

/* Emits the helper kernel `rule` over the call's arguments and reads its
 * int64[1] result into a fresh shape variable. */
static sb_status run_len(lg_ctx *lc, relax_builder *b, const relax_binding *old, relax_expr *value,
			 lg_rule_fn rule, const char *hint, int aux, tir_expr **var)
{
	relax_module *m = lc->m;
	const char *where = old->var->u.var.name;
	tir_expr *one = tir_int(m->tir, 1);
	const relax_sinfo *ls = relax_sinfo_tensor(m, SB_I64, 1, &one);
	relax_expr *call, *lenv;
	char name[160];
	snprintf(name, sizeof name, "%s_len", where);
	sb_status st =
	    run_rule(lc, where, value->u.call.op, value->u.call.attrs, value->u.call.nargs,
		     value->u.call.args, ls, rule, hint, aux, &call);
	if (!st)
		st = relax_builder_emit(b, call, relax_intern(m, name), &lenv);
	if (!st)
		st = read_len(b, lenv, where, var);
	return st;
}

static bool sinfo_has_dims(const relax_sinfo *s)
{
	if (s->kind == RELAX_SINFO_TUPLE) {
		for (int i = 0; i < s->u.tuple.nfields; i++)
			if (!sinfo_has_dims(s->u.tuple.fields[i]))
				return false;
		return true;
	}
	return relax_sinfo_is_tensor(s) && (s->u.tensor.shape || s->u.tensor.ndim == 0);
}

/* The output of arange / one_hot with its run-time size as a shape
 * variable (unchanged when the size is already known). */
static sb_status size_generator(lg_ctx *lc, relax_builder *b, const relax_binding *old,
				relax_expr *value, const relax_sinfo **out)
{
	relax_module *m = lc->m;
	const relax_sinfo *o = *out;
	if (sinfo_has_dims(o) || !relax_sinfo_is_tensor(o))
		return SB_OK;
	tir_expr *n;
	sb_status st;
	if (value->u.call.op == RELAX_OP_ARANGE) {
		if ((st = run_len(lc, b, old, value, lg_rule_arange_len, "arange_len", 0, &n)))
			return st;
		*out = relax_sinfo_tensor(m, o->u.tensor.dtype, 1, &n);
		return SB_OK;
	}
	/* one_hot(indices, depth, values): depth inserted at axis. */
	const relax_sinfo *idx = value->u.call.args[0]->sinfo;
	int r = o->u.tensor.ndim;
	int64_t axis = ((const relax_attrs_one_hot *)value->u.call.attrs)->axis;
	if (!relax_sinfo_is_tensor(idx) || !idx->u.tensor.shape || idx->u.tensor.ndim + 1 != r)
		return SB_OK; /* the rule reports it */
	if (axis < 0)
		axis += r;
	if (axis < 0 || axis >= r)
		return SB_OK;
	if ((st = run_len(lc, b, old, value, lg_rule_scalar_len, "one_hot_depth", 1, &n)))
		return st;
	tir_expr *dims[SB_MAX_RANK];
	for (int i = 0, j = 0; i < r; i++)
		dims[i] = i == axis ? n : idx->u.tensor.shape[j++];
	*out = relax_sinfo_tensor(m, o->u.tensor.dtype, r, dims);
	return SB_OK;
}

/* topk(x, k) -> call_dps_packed("runtime.topk", (x, axis, largest,
 * sorted)) with k the outputs' dim at axis: a constant, or read from K. */
static sb_status legalize_topk(lg_ctx *lc, relax_builder *b, const relax_binding *old,
			       relax_expr *value, relax_expr **out)
{
	relax_module *m = lc->m;
	const relax_attrs_topk *a = value->u.call.attrs;
	relax_expr *x = value->u.call.args[0];
	const relax_sinfo *xs = x->sinfo;
	const char *where = old->var->u.var.name;
	if (!relax_sinfo_is_tensor(xs) || !xs->u.tensor.shape ||
	    xs->u.tensor.dtype == SB_DT_INVALID)
		return sb_set_error(SB_ERR_UNSUPPORTED,
				    "LegalizeOps '%s' (relax.topk): the input's shape and dtype "
				    "must be known",
				    where);
	int r = xs->u.tensor.ndim;
	int64_t axis = a ? a->axis : -1;
	if (axis < 0)
		axis += r;
	if (axis < 0 || axis >= r)
		return sb_set_error(SB_ERR_INVALID,
				    "LegalizeOps '%s' (relax.topk): axis %lld of rank %d", where,
				    (long long)(a ? a->axis : -1), r);
	const relax_sinfo *o = old->value->sinfo ? old->value->sinfo : old->var->sinfo;
	if (!sinfo_has_dims(o)) {
		tir_expr *k;
		sb_status st;
		relax_expr *karg = value->u.call.args[1];
		const relax_sinfo *ks = karg->sinfo;
		tir_expr *one = tir_int(m->tir, 1);
		bool direct = relax_sinfo_is_tensor(ks) && ks->u.tensor.dtype == SB_I64 &&
			      ks->u.tensor.ndim == 1 && ks->u.tensor.shape &&
			      tir_can_prove_equal(m->tir, m->an, ks->u.tensor.shape[0], one);
		if (direct)
			st = read_len(b, karg, where, &k);
		else
			st = run_len(lc, b, old, value, lg_rule_scalar_len, "topk_k", 1, &k);
		if (st)
			return st;
		tir_expr *dims[SB_MAX_RANK];
		for (int i = 0; i < r; i++)
			dims[i] = i == axis ? k : xs->u.tensor.shape[i];
		const relax_sinfo *f[2] = {relax_sinfo_tensor(m, xs->u.tensor.dtype, r, dims),
					   relax_sinfo_tensor(m, SB_I64, r, dims)};
		o = relax_sinfo_tuple(m, 2, f);
	}
	relax_expr *in[4] = {x, relax_prim_int(m, axis), relax_prim_int(m, a ? a->largest : 1),
			     relax_prim_int(m, a ? a->sorted : 1)};
	relax_expr *args[2] = {relax_extern_func(m, SB_PACKED_TOPK), relax_tuple(m, 4, in)};
	*out = relax_call_op_sinfo(m, RELAX_OP_CALL_DPS_PACKED, 2, args, NULL, 1, &o);
	return SB_OK;
}

/* nonzero(x) -> count (runtime.nonzero_count), read into nnz, then
 * call_dps_packed("runtime.nonzero", (x,)) into int64[max(rank, 1), nnz]. */
static sb_status legalize_nonzero(lg_ctx *lc, relax_builder *b, const relax_binding *old,
				  relax_expr *value, relax_expr **out)
{
	relax_module *m = lc->m;
	relax_expr *x = value->u.call.args[0];
	const char *where = old->var->u.var.name;
	if (!relax_sinfo_is_tensor(x->sinfo) || x->sinfo->u.tensor.ndim < 0)
		return sb_set_error(
		    SB_ERR_UNSUPPORTED,
		    "LegalizeOps '%s' (relax.nonzero): the input's rank must be known", where);
	tir_expr *one = tir_int(m->tir, 1);
	const relax_sinfo *cs = relax_sinfo_tensor(m, SB_I64, 1, &one);
	relax_expr *cargs[2] = {relax_extern_func(m, SB_PACKED_NONZERO_COUNT),
				relax_tuple(m, 1, &x)};
	relax_expr *count;
	char name[160];
	snprintf(name, sizeof name, "%s_len", where);
	tir_expr *nnz;
	sb_status st = relax_builder_emit(
	    b, relax_call_op_sinfo(m, RELAX_OP_CALL_DPS_PACKED, 2, cargs, NULL, 1, &cs),
	    relax_intern(m, name), &count);
	if (!st)
		st = read_len(b, count, where, &nnz);
	if (st)
		return st;
	int r = x->sinfo->u.tensor.ndim;
	tir_expr *dims[2] = {tir_int(m->tir, r ? r : 1), nnz};
	const relax_sinfo *o = relax_sinfo_tensor(m, SB_I64, 2, dims);
	relax_expr *args[2] = {relax_extern_func(m, SB_PACKED_NONZERO), relax_tuple(m, 1, &x)};
	*out = relax_call_op_sinfo(m, RELAX_OP_CALL_DPS_PACKED, 2, args, NULL, 1, &o);
	return SB_OK;
}

static sb_status legalize_call(lg_ctx *lc, relax_builder *b, const relax_binding *old,
			       relax_expr *value, relax_expr **out)
{
	relax_module *m = lc->m;
	relax_op op = value->u.call.op;
	const char *where = old->var->u.var.name;
	const relax_sinfo *o = old->value->sinfo ? old->value->sinfo : old->var->sinfo;
	sb_status st;
	switch (op) {
	case RELAX_OP_SHAPE_OF: {
		lg_call c = {.lc = lc,
			     .m = m,
			     .tir = m->tir,
			     .where = where,
			     .op = op,
			     .nargs = value->u.call.nargs,
			     .args = value->u.call.args,
			     .out = o};
		st = legalize_shape_of(&c, out);
		sb_strbuf_free(&c.keybuf);
		return st;
	}
	case RELAX_OP_TOPK:
		return legalize_topk(lc, b, old, value, out);
	case RELAX_OP_NONZERO:
		return legalize_nonzero(lc, b, old, value, out);
	case RELAX_OP_ARANGE:
	case RELAX_OP_ONE_HOT:
		if ((st = size_generator(lc, b, old, value, &o)))
			return st;
		break;
	default:
		break;
	}
	if (!rules[op]) {
		lg_call c = {.lc = lc, .m = m, .where = where, .op = op};
		return lg_error(&c, SB_ERR_UNSUPPORTED, "no legalization rule");
	}
	return run_rule(lc, where, op, value->u.call.attrs, value->u.call.nargs, value->u.call.args,
			o, rules[op], NULL, 0, out);
}

static sb_status rewrite(relax_builder *b, const relax_binding *old, relax_expr *value, void *env,
			 relax_expr **out)
{
	if (value->kind != RELAX_CALL || value->u.call.callee || is_kept(value->u.call.op))
		return SB_OK;
	return legalize_call(env, b, old, value, out);
}

sb_status relax_legalize_ops(relax_module *m, const relax_legalize_opts *opts)
{
	(void)opts;
	lg_ctx lc = {.m = m};
	sb_map_init(&lc.cache);
	sb_map_init(&lc.names);
	sb_status st = relax_module_rewrite(m, rewrite, &lc);
	sb_map_free(&lc.cache);
	sb_map_free(&lc.names);
	return st;
}
