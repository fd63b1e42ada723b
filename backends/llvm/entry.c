/* The packed entry of a PrimFunc: int f(const sb_value *args, int nargs,
 * sb_value *ret).  Checks, then binds, then runs:
 *
 *   1. nargs; each argument's kind (a tensor for a buffer parameter, an int
 *      or float for a scalar one); for tensors: not NULL, on the CPU, the
 *      rank, the dtype, no negative dim;
 *   2. every dim in parameter order: a constant is compared, a shape
 *      variable seen for the first time is bound, a variable seen before is
 *      compared with its value, anything else is left for step 3;
 *   3. every computed dim ((w - 3) // 2 + 1) is evaluated and compared;
 *   4. compactness of the tensors that carry strides, data present when
 *      there are elements;
 *   5. the data pointers are bound and the lowered body runs.
 *
 * Every failure returns non-zero after sb_set_error with a message naming
 * the function, the buffer (its parameter name), the dim, the value given
 * and the value expected: "add: buffer 'B' dim 0 is 5, expected 3 (= n)".
 * The sb_value / DLTensor layouts come from the C headers (offsetof), so
 * the generated code and the runtime agree by construction. */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

#include "llvm_internal.h"

static_assert(sizeof(DLDataType) == 4, "DLDataType is compared as one 32-bit word");

/* ---- Loads at byte offsets ---- */

static LLVMValueRef at(sb_llvm_cg *g, LLVMValueRef base, size_t offset)
{
	LLVMValueRef off = sb_llvm_const_i64(g, (int64_t)offset);
	return LLVMBuildInBoundsGEP2(g->b, LLVMInt8TypeInContext(g->c), base, &off, 1, "");
}

static LLVMValueRef load_at(sb_llvm_cg *g, LLVMValueRef base, size_t offset, LLVMTypeRef ty,
			    const char *name)
{
	LLVMValueRef p = LLVMBuildBitCast(g->b, at(g, base, offset), LLVMPointerType(ty, 0), "");
	return LLVMBuildLoad2(g->b, ty, p, name);
}

/* A copy of s with '%' doubled, for use inside a format string. */
static char *esc(const char *s)
{
	sb_strbuf b = {0};
	for (; *s; s++) {
		if (*s == '%')
			sb_strbuf_putc(&b, '%');
		sb_strbuf_putc(&b, *s);
	}
	sb_strbuf_putc(&b, '\0');
	return sb_strbuf_take(&b);
}

static uint32_t dl_word(sb_dtype dt)
{
	DLDataType d = sb_dtype_to_dl(dt);
	uint32_t w;
	memcpy(&w, &d, 4);
	return w;
}

/* ---- Names for messages: i8* @sb.kind_name(i32), i8* @sb.dtype_name(i32) ---- */

typedef const char *(*name_of_fn)(int v);

static const char *kind_name(int k)
{
	return sb_value_kind_name(k);
}

static const char *dtype_name(int dt)
{
	return sb_dtype_name((sb_dtype)dt);
}

static LLVMValueRef name_table_fn(sb_llvm_module *m, const char *fname, int n, const uint32_t *keys,
				  name_of_fn name_of, const char *fallback)
{
	LLVMTypeRef i32 = LLVMInt32TypeInContext(m->c);
	LLVMTypeRef i8p = LLVMPointerType(LLVMInt8TypeInContext(m->c), 0);
	LLVMValueRef fn = LLVMAddFunction(m->mod, fname, LLVMFunctionType(i8p, &i32, 1, false));
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	LLVMBuilderRef b = LLVMCreateBuilderInContext(m->c);
	LLVMBasicBlockRef entry = LLVMAppendBasicBlockInContext(m->c, fn, "entry");
	LLVMBasicBlockRef other = LLVMAppendBasicBlockInContext(m->c, fn, "other");
	LLVMPositionBuilderAtEnd(b, other);
	LLVMBuildRet(b, LLVMBuildGlobalStringPtr(b, fallback, "name"));
	LLVMPositionBuilderAtEnd(b, entry);
	LLVMValueRef sw = LLVMBuildSwitch(b, LLVMGetParam(fn, 0), other, (unsigned)n);
	for (int i = 0; i < n; i++) {
		LLVMBasicBlockRef bb = LLVMAppendBasicBlockInContext(m->c, fn, "case");
		LLVMAddCase(sw, LLVMConstInt(i32, keys[i], false), bb);
		LLVMPositionBuilderAtEnd(b, bb);
		LLVMBuildRet(b, LLVMBuildGlobalStringPtr(b, name_of(i), "name"));
	}
	LLVMDisposeBuilder(b);
	return fn;
}

static LLVMValueRef call_name(sb_llvm_cg *g, LLVMValueRef fn, LLVMValueRef v)
{
	LLVMTypeRef i32 = LLVMInt32TypeInContext(g->c);
	LLVMTypeRef fty = LLVMFunctionType(sb_llvm_i8p(g), &i32, 1, false);
	return LLVMBuildCall2(g->b, fty, fn, &v, 1, "");
}

static LLVMValueRef kind_name_of(sb_llvm_cg *g, LLVMValueRef kind)
{
	sb_llvm_module *m = g->m;
	if (!m->kind_name_fn) {
		uint32_t keys[SB_VAL_OBJECT + 1];
		for (int k = 0; k <= SB_VAL_OBJECT; k++)
			keys[k] = (uint32_t)k;
		m->kind_name_fn = name_table_fn(m, "sb.kind_name", SB_VAL_OBJECT + 1, keys,
						kind_name, "an invalid value");
	}
	return call_name(g, m->kind_name_fn, kind);
}

static LLVMValueRef dtype_name_of(sb_llvm_cg *g, LLVMValueRef word)
{
	sb_llvm_module *m = g->m;
	if (!m->dtype_name_fn) {
		uint32_t keys[SB_DT_COUNT];
		keys[0] = 0xffffffffu; /* SB_DT_INVALID: matches nothing real */
		for (int d = 1; d < SB_DT_COUNT; d++)
			keys[d] = dl_word((sb_dtype)d);
		m->dtype_name_fn = name_table_fn(m, "sb.dtype_name", SB_DT_COUNT, keys, dtype_name,
						 "an unsupported dtype");
	}
	return call_name(g, m->dtype_name_fn, word);
}

/* A check whose message names a value (its kind or dtype): the name is
 * looked up on the failing side only. */
static void check_named(sb_llvm_cg *g, LLVMValueRef ok, const char *fmt,
			LLVMValueRef (*name_of)(sb_llvm_cg *g, LLVMValueRef v), LLVMValueRef v)
{
	LLVMBasicBlockRef good = sb_llvm_fail_unless(g, ok);
	LLVMValueRef name = name_of(g, v);
	sb_llvm_fail(g, SB_ERR_INVALID, fmt, &name, 1);
	LLVMPositionBuilderAtEnd(g->b, good);
}

/* ---- The entry ---- */

typedef struct param_info {
	LLVMValueRef value;  /* i8*: args + k * sizeof(sb_value) */
	LLVMValueRef tensor; /* i8*: the DLTensor */
	LLVMValueRef *dims;  /* i64 each */
} param_info;

typedef struct entry {
	sb_llvm_cg g;
	const tir_func *src;
	const char *fname;
	param_info *params;
	sb_map bound; /* shape var -> (void*)1 once bound (compile time) */
} entry;

/* Step 1 for a buffer parameter. */
static void check_tensor(entry *en, int k)
{
	sb_llvm_cg *g = &en->g;
	LLVMBuilderRef b = g->b;
	const tir_buffer *buf = en->src->params[k].buffer;
	LLVMTypeRef i32 = LLVMInt32TypeInContext(g->c), i64 = LLVMInt64TypeInContext(g->c);
	LLVMTypeRef i8p = sb_llvm_i8p(g);
	param_info *p = &en->params[k];
	char *name = esc(buf->name), *fmt;

	LLVMValueRef kind = load_at(g, p->value, offsetof(sb_value, kind), i32, "kind");
	LLVMValueRef is_tensor =
	    LLVMBuildICmp(b, LLVMIntEQ, kind, sb_llvm_const_i32(g, SB_VAL_TENSOR), "");
	fmt = sb_xasprintf("%s: argument %d ('%s') is a value of kind %%s, expected a tensor",
			   en->fname, k, name);
	check_named(g, is_tensor, fmt, kind_name_of, kind);
	free(fmt);

	p->tensor = load_at(g, p->value, offsetof(sb_value, u), i8p, buf->name);
	fmt = sb_xasprintf("%s: argument %d ('%s') is a null tensor", en->fname, k, name);
	sb_llvm_check(g, LLVMBuildIsNotNull(b, p->tensor, ""), SB_ERR_INVALID, fmt, NULL, 0);
	free(fmt);

	LLVMValueRef dev =
	    load_at(g, p->tensor, offsetof(DLTensor, device) + offsetof(DLDevice, device_type), i32,
		    "device");
	fmt = sb_xasprintf("%s: buffer '%s' is on device type %%d, expected the CPU (%d)",
			   en->fname, name, (int)kDLCPU);
	sb_llvm_check(g, LLVMBuildICmp(b, LLVMIntEQ, dev, sb_llvm_const_i32(g, kDLCPU), ""),
		      SB_ERR_INVALID, fmt, &dev, 1);
	free(fmt);

	LLVMValueRef ndim = load_at(g, p->tensor, offsetof(DLTensor, ndim), i32, "ndim");
	fmt = sb_xasprintf("%s: buffer '%s' has rank %%d, expected %d", en->fname, name, buf->ndim);
	sb_llvm_check(g, LLVMBuildICmp(b, LLVMIntEQ, ndim, sb_llvm_const_i32(g, buf->ndim), ""),
		      SB_ERR_INVALID, fmt, &ndim, 1);
	free(fmt);

	LLVMValueRef dt = load_at(g, p->tensor, offsetof(DLTensor, dtype), i32, "dtype");
	LLVMValueRef want = LLVMConstInt(i32, dl_word(buf->dtype), false);
	fmt = sb_xasprintf("%s: buffer '%s' has dtype %%s, expected %s", en->fname, name,
			   sb_dtype_name(buf->dtype));
	check_named(g, LLVMBuildICmp(b, LLVMIntEQ, dt, want, ""), fmt, dtype_name_of, dt);
	free(fmt);

	LLVMValueRef shape =
	    load_at(g, p->tensor, offsetof(DLTensor, shape), LLVMPointerType(i64, 0), "shape");
	p->dims = sb_xcalloc((size_t)(buf->ndim ? buf->ndim : 1), sizeof *p->dims);
	for (int d = 0; d < buf->ndim; d++) {
		LLVMValueRef ix = sb_llvm_const_i64(g, d);
		LLVMValueRef dim =
		    LLVMBuildLoad2(b, i64, LLVMBuildInBoundsGEP2(b, i64, shape, &ix, 1, ""), "dim");
		fmt =
		    sb_xasprintf("%s: buffer '%s' dim %d is negative (%%lld)", en->fname, name, d);
		sb_llvm_check(g, LLVMBuildICmp(b, LLVMIntSGE, dim, sb_llvm_const_i64(g, 0), ""),
			      SB_ERR_INVALID, fmt, &dim, 1);
		free(fmt);
		p->dims[d] = dim;
	}
	free(name);
}

/* Step 1 for a scalar parameter: binds it. */
static void bind_scalar(entry *en, int k)
{
	sb_llvm_cg *g = &en->g;
	LLVMBuilderRef b = g->b;
	tir_expr *var = en->src->params[k].var;
	LLVMTypeRef i32 = LLVMInt32TypeInContext(g->c);
	param_info *p = &en->params[k];
	char *name = esc(var->u.var.name), *fmt;
	LLVMValueRef kind = load_at(g, p->value, offsetof(sb_value, kind), i32, "kind");
	LLVMValueRef is_int =
	    LLVMBuildICmp(b, LLVMIntEQ, kind, sb_llvm_const_i32(g, SB_VAL_INT), "");
	LLVMValueRef i =
	    load_at(g, p->value, offsetof(sb_value, u), LLVMInt64TypeInContext(g->c), "");
	tir_type i64t = TIR_INDEX_TYPE;
	LLVMValueRef v;
	if (tir_type_is_float(var->type)) {
		LLVMValueRef is_float =
		    LLVMBuildICmp(b, LLVMIntEQ, kind, sb_llvm_const_i32(g, SB_VAL_FLOAT), "");
		fmt =
		    sb_xasprintf("%s: argument %d ('%s') is a value of kind %%s, expected a number",
				 en->fname, k, name);
		check_named(g, LLVMBuildOr(b, is_int, is_float, ""), fmt, kind_name_of, kind);
		free(fmt);
		LLVMValueRef f =
		    load_at(g, p->value, offsetof(sb_value, u), LLVMDoubleTypeInContext(g->c), "");
		tir_type f64t = tir_type_scalar(SB_F64);
		v = LLVMBuildSelect(b, is_int, sb_llvm_cast(g, i, i64t, var->type),
				    sb_llvm_cast(g, f, f64t, var->type), var->u.var.name);
	} else {
		fmt = sb_xasprintf("%s: argument %d ('%s') is a value of kind %%s, expected an int",
				   en->fname, k, name);
		check_named(g, is_int, fmt, kind_name_of, kind);
		free(fmt);
		v = sb_llvm_cast(g, i, i64t, var->type);
	}
	sb_llvm_bind(g, var, v);
	sb_map_put(&en->bound, (uintptr_t)var, (void *)1);
	free(name);
}

static void check_dim(entry *en, const tir_buffer *buf, int d, LLVMValueRef given, tir_expr *want)
{
	sb_llvm_cg *g = &en->g;
	LLVMValueRef v = sb_llvm_expr(g, want);
	v = LLVMBuildIntCast2(g->b, v, LLVMInt64TypeInContext(g->c),
			      !sb_dtype_is_unsigned_int(want->type.dtype), "");
	char *name = esc(buf->name), *fmt;
	if (want->kind == TIR_INT_IMM) {
		fmt = sb_xasprintf("%s: buffer '%s' dim %d is %%lld, expected %%lld", en->fname,
				   name, d);
	} else {
		char *text = tir_expr_to_string(want), *etext = esc(text);
		fmt = sb_xasprintf("%s: buffer '%s' dim %d is %%lld, expected %%lld (= %s)",
				   en->fname, name, d, etext);
		free(text);
		free(etext);
	}
	LLVMValueRef args[2] = {given, v};
	sb_llvm_check(g, LLVMBuildICmp(g->b, LLVMIntEQ, given, v, ""), SB_ERR_INVALID, fmt, args,
		      2);
	free(fmt);
	free(name);
}

/* Is every variable of e bound (compile time)? Names the first that is not. */
static const tir_expr *unbound_var(entry *en, const tir_expr *e)
{
	if (e->kind == TIR_VAR)
		return sb_map_get(&en->bound, (uintptr_t)e, NULL) ? NULL : e;
	for (uint32_t i = 0; i < e->nops; i++) {
		const tir_expr *v = unbound_var(en, e->ops[i]);
		if (v)
			return v;
	}
	return NULL;
}

/* Step 4: strides (when the tensor has them) and data. */
static void check_layout(entry *en, int k)
{
	sb_llvm_cg *g = &en->g;
	LLVMBuilderRef b = g->b;
	const tir_buffer *buf = en->src->params[k].buffer;
	param_info *p = &en->params[k];
	LLVMTypeRef i64 = LLVMInt64TypeInContext(g->c), i8p = sb_llvm_i8p(g);
	char *name = esc(buf->name), *fmt;

	LLVMValueRef numel = sb_llvm_const_i64(g, 1);
	for (int d = 0; d < buf->ndim; d++)
		numel = LLVMBuildMul(b, numel, p->dims[d], "");

	if (buf->ndim > 0) {
		LLVMValueRef strides = load_at(g, p->tensor, offsetof(DLTensor, strides),
					       LLVMPointerType(i64, 0), "strides");
		LLVMBasicBlockRef has = sb_llvm_block(g, "strides"),
				  done = sb_llvm_block(g, "compact");
		LLVMBuildCondBr(b, LLVMBuildIsNull(b, strides, ""), done, has);
		LLVMPositionBuilderAtEnd(b, has);
		LLVMValueRef want = sb_llvm_const_i64(g, 1);
		for (int d = buf->ndim - 1; d >= 0; d--) {
			LLVMValueRef ix = sb_llvm_const_i64(g, d);
			LLVMValueRef s = LLVMBuildLoad2(
			    b, i64, LLVMBuildInBoundsGEP2(b, i64, strides, &ix, 1, ""), "stride");
			/* Dims of size 1 may have any stride (numpy, DLPack). */
			LLVMValueRef ok = LLVMBuildOr(
			    b, LLVMBuildICmp(b, LLVMIntEQ, s, want, ""),
			    LLVMBuildICmp(b, LLVMIntEQ, p->dims[d], sb_llvm_const_i64(g, 1), ""),
			    "");
			fmt =
			    sb_xasprintf("%s: buffer '%s' is not compact: dim %d has stride %%lld, "
					 "expected %%lld",
					 en->fname, name, d);
			LLVMValueRef args[2] = {s, want};
			sb_llvm_check(g, ok, SB_ERR_INVALID, fmt, args, 2);
			free(fmt);
			want = LLVMBuildMul(b, want, p->dims[d], "");
		}
		LLVMBuildBr(b, done);
		LLVMPositionBuilderAtEnd(b, done);
	}

	LLVMValueRef data = load_at(g, p->tensor, offsetof(DLTensor, data), i8p, "data");
	LLVMValueRef off = load_at(g, p->tensor, offsetof(DLTensor, byte_offset), i64, "");
	LLVMValueRef ok =
	    LLVMBuildOr(b, LLVMBuildIsNotNull(b, data, ""),
			LLVMBuildICmp(b, LLVMIntEQ, numel, sb_llvm_const_i64(g, 0), ""), "");
	fmt = sb_xasprintf("%s: buffer '%s' has no data", en->fname, name);
	sb_llvm_check(g, ok, SB_ERR_INVALID, fmt, NULL, 0);
	free(fmt);
	data = LLVMBuildGEP2(b, LLVMInt8TypeInContext(g->c), data, &off, 1, "");
	LLVMTypeRef pt = LLVMPointerType(sb_llvm_mem_type(g, buf->dtype), 0);
	sb_llvm_bind(g, buf->data, LLVMBuildBitCast(b, data, pt, buf->name));
	free(name);
}

static const char *entry_symbol(const tir_func *f)
{
	const tir_attr *a = tir_func_get_attr(f, "global_symbol");
	return a && a->str ? a->str : f->name;
}

sb_status sb_llvm_emit_entry(sb_llvm_module *m, const tir_lowered *low)
{
	const tir_func *src = low->source;
	const char *sym = entry_symbol(src);
	char *llvm_name = sb_llvm_entry_symbol(sym);
	bool taken = LLVMGetNamedFunction(m->mod, llvm_name) != NULL;
	for (size_t i = 0; i < m->entry_names.len && !taken; i++)
		taken = !strcmp(m->entry_names.data[i], sym);
	if (taken) {
		free(llvm_name);
		return sb_set_error(SB_ERR_INVALID, "llvm: function '%s' is already in the module",
				    sym);
	}
	/* Compile time: every shape variable must be bindable. */
	entry en = {.src = src};
	sb_map_init(&en.bound);
	for (int k = 0; k < src->nparams; k++) {
		const tir_buffer *buf = src->params[k].buffer;
		if (!buf) {
			sb_map_put(&en.bound, (uintptr_t)src->params[k].var, (void *)1);
			continue;
		}
		if (buf->strides || !tir_expr_is_const(buf->elem_offset, 0)) {
			sb_map_free(&en.bound);
			free(llvm_name);
			return sb_set_error(
			    SB_ERR_UNSUPPORTED,
			    "llvm: @%s: parameter buffer '%s' has strides or an offset; "
			    "the entry takes compact tensors only",
			    src->name, buf->name);
		}
		if (!sb_dtype_is_float(buf->dtype) && !sb_dtype_is_int(buf->dtype) &&
		    buf->dtype != SB_BOOL) {
			sb_map_free(&en.bound);
			free(llvm_name);
			return sb_set_error(SB_ERR_UNSUPPORTED,
					    "llvm: @%s: buffer '%s' has dtype %s", src->name,
					    buf->name, sb_dtype_name(buf->dtype));
		}
		for (int d = 0; d < buf->ndim; d++) {
			if (buf->shape[d]->kind == TIR_VAR)
				sb_map_put(&en.bound, (uintptr_t)buf->shape[d], (void *)1);
		}
	}
	for (int k = 0; k < src->nparams; k++) {
		const tir_buffer *buf = src->params[k].buffer;
		for (int d = 0; buf && d < buf->ndim; d++) {
			const tir_expr *v = unbound_var(&en, buf->shape[d]);
			if (v) {
				sb_map_free(&en.bound);
				free(llvm_name);
				return sb_set_error(
				    SB_ERR_UNSUPPORTED,
				    "llvm: @%s: shape variable '%s' (in dim %d of buffer '%s') is "
				    "not a "
				    "plain dim of any buffer parameter, so no argument binds it",
				    src->name, v->u.var.name, d, buf->name);
			}
		}
	}
	sb_map_free(&en.bound);
	sb_map_init(&en.bound);

	LLVMTypeRef i8p = LLVMPointerType(LLVMInt8TypeInContext(m->c), 0);
	LLVMTypeRef i32 = LLVMInt32TypeInContext(m->c);
	LLVMTypeRef ps[3] = {i8p, i32, i8p};
	LLVMValueRef fn = LLVMAddFunction(m->mod, llvm_name, LLVMFunctionType(i32, ps, 3, false));
	free(llvm_name);
	sb_llvm_set_fn_attrs(m, fn);
	sb_llvm_cg *g = &en.g;
	sb_llvm_cg_init(g, m, low, fn);
	g->fname = sym;
	en.fname = esc(sym);
	LLVMBuilderRef b = g->b;
	LLVMValueRef args = LLVMGetParam(fn, 0), nargs = LLVMGetParam(fn, 1);
	LLVMSetValueName2(args, "args", 4);
	LLVMSetValueName2(nargs, "nargs", 5);

	/* 1. */
	char *fmt = sb_xasprintf("%s: expected %d arguments, got %%d", en.fname, src->nparams);
	sb_llvm_check(g, LLVMBuildICmp(b, LLVMIntEQ, nargs, sb_llvm_const_i32(g, src->nparams), ""),
		      SB_ERR_INVALID, fmt, &nargs, 1);
	free(fmt);
	en.params = sb_xcalloc((size_t)(src->nparams ? src->nparams : 1), sizeof *en.params);
	for (int k = 0; k < src->nparams; k++) {
		en.params[k].value = at(g, args, (size_t)k * sizeof(sb_value));
		if (src->params[k].buffer)
			check_tensor(&en, k);
		else
			bind_scalar(&en, k);
	}
	/* 2. */
	for (int k = 0; k < src->nparams; k++) {
		const tir_buffer *buf = src->params[k].buffer;
		for (int d = 0; buf && d < buf->ndim; d++) {
			tir_expr *want = buf->shape[d];
			LLVMValueRef given = en.params[k].dims[d];
			if (want->kind == TIR_VAR &&
			    !sb_map_get(&en.bound, (uintptr_t)want, NULL)) {
				sb_llvm_bind(g, want,
					     sb_llvm_cast(g, given, TIR_INDEX_TYPE, want->type));
				sb_map_put(&en.bound, (uintptr_t)want, (void *)1);
			} else if (want->kind == TIR_VAR || want->kind == TIR_INT_IMM) {
				check_dim(&en, buf, d, given, want);
			}
		}
	}
	/* 3. */
	for (int k = 0; k < src->nparams; k++) {
		const tir_buffer *buf = src->params[k].buffer;
		for (int d = 0; buf && d < buf->ndim; d++) {
			tir_expr *want = buf->shape[d];
			if (want->kind != TIR_VAR && want->kind != TIR_INT_IMM)
				check_dim(&en, buf, d, en.params[k].dims[d], want);
		}
	}
	/* 4. */
	for (int k = 0; k < src->nparams; k++) {
		if (src->params[k].buffer)
			check_layout(&en, k);
	}
	/* 5. */
	sb_llvm_stmt(g, low->func->body);
	LLVMBuildRet(b, sb_llvm_const_i32(g, 0));
	sb_llvm_cg_free(g);
	for (int k = 0; k < src->nparams; k++)
		free(en.params[k].dims);
	free(en.params);
	free((char *)en.fname);
	sb_map_free(&en.bound);

	sb_vec_push(&m->entries, fn);
	sb_vec_push(&m->entry_names, sb_xstrdup(sym));
	return SB_OK;
}
