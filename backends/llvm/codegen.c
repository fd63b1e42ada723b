/* tir -> LLVM IR: types, expressions, statements and parallel closures.
 *
 * Input is lowered tir (tir_lower): flat buffers, vector expressions with
 * Ramp/Broadcast, no blocks.  Values map as follows:
 *   integers    iN (signedness chosen per operation from the tir dtype)
 *   bool        i1 in registers, i8 (0/1) in memory
 *   float16     half (LLVM rounds after every operation)
 *   bfloat16    a float holding a bfloat16 value in registers (rounded to
 *               nearest even after every operation), i16 in memory
 *   vectors     <L x T>; a load or store whose index is ramp(b, 1, L) is one
 *               contiguous vector access, any other vector index is done
 *               lane by lane
 *   handles     T* (a buffer's data)
 * Loops are basic blocks with a phi; allocations of a small constant size
 * are allocas in the entry block, others come from the runtime workspace
 * and are freed at the end of their scope (and on every error exit). */
#include <stdio.h>
#include <stdlib.h>

#include "llvm_internal.h"

/* ---- Types and constants ---- */

static LLVMTypeRef scalar_type(LLVMContextRef c, sb_dtype dt)
{
	switch (dt) {
	case SB_F32:
	case SB_BF16:
		return LLVMFloatTypeInContext(c);
	case SB_F64:
		return LLVMDoubleTypeInContext(c);
	case SB_F16:
		return LLVMHalfTypeInContext(c);
	case SB_I8:
	case SB_U8:
		return LLVMInt8TypeInContext(c);
	case SB_I16:
	case SB_U16:
		return LLVMInt16TypeInContext(c);
	case SB_I32:
	case SB_U32:
		return LLVMInt32TypeInContext(c);
	case SB_I64:
	case SB_U64:
		return LLVMInt64TypeInContext(c);
	case SB_BOOL:
		return LLVMInt1TypeInContext(c);
	default:
		SB_UNREACHABLE(); /* the verifier rejects dtype-less nodes */
	}
}

LLVMTypeRef sb_llvm_mem_type(sb_llvm_cg *g, sb_dtype dt)
{
	if (dt == SB_BOOL)
		return LLVMInt8TypeInContext(g->c);
	if (dt == SB_BF16)
		return LLVMInt16TypeInContext(g->c);
	return scalar_type(g->c, dt);
}

LLVMTypeRef sb_llvm_type(sb_llvm_cg *g, tir_type t)
{
	if (t.handle)
		return LLVMPointerType(sb_llvm_mem_type(g, t.dtype), 0);
	LLVMTypeRef s = scalar_type(g->c, t.dtype);
	return t.lanes > 1 ? LLVMVectorType(s, t.lanes) : s;
}

LLVMTypeRef sb_llvm_i8p(sb_llvm_cg *g)
{
	return LLVMPointerType(LLVMInt8TypeInContext(g->c), 0);
}

LLVMValueRef sb_llvm_const_i64(sb_llvm_cg *g, int64_t v)
{
	return LLVMConstInt(LLVMInt64TypeInContext(g->c), (unsigned long long)v, true);
}

LLVMValueRef sb_llvm_const_i32(sb_llvm_cg *g, int32_t v)
{
	return LLVMConstInt(LLVMInt32TypeInContext(g->c), (unsigned long long)(int64_t)v, true);
}

static LLVMValueRef splat_const(LLVMTypeRef ty, LLVMValueRef scalar)
{
	if (LLVMGetTypeKind(ty) != LLVMVectorTypeKind)
		return scalar;
	unsigned n = LLVMGetVectorSize(ty);
	LLVMValueRef *v = sb_xmalloc(n * sizeof *v);
	for (unsigned i = 0; i < n; i++)
		v[i] = scalar;
	LLVMValueRef r = LLVMConstVector(v, n);
	free(v);
	return r;
}

static LLVMTypeRef elem_type(LLVMTypeRef ty)
{
	return LLVMGetTypeKind(ty) == LLVMVectorTypeKind ? LLVMGetElementType(ty) : ty;
}

LLVMValueRef sb_llvm_const_float(LLVMTypeRef ty, double v)
{
	return splat_const(ty, LLVMConstReal(elem_type(ty), v));
}

LLVMValueRef sb_llvm_const_int(LLVMTypeRef ty, int64_t v)
{
	return splat_const(ty, LLVMConstInt(elem_type(ty), (unsigned long long)v, true));
}

LLVMValueRef sb_llvm_cstring(sb_llvm_cg *g, const char *s)
{
	return LLVMBuildGlobalStringPtr(g->b, s, "str");
}

/* ---- State ---- */

void sb_llvm_set_fn_attrs(sb_llvm_module *m, LLVMValueRef fn)
{
	const sb_llvm_host *h = sb_llvm_host_get();
	LLVMAttributeRef cpu =
	    LLVMCreateStringAttribute(m->c, "target-cpu", 10, h->cpu, (unsigned)strlen(h->cpu));
	LLVMAttributeRef feat = LLVMCreateStringAttribute(m->c, "target-features", 15, h->features,
							  (unsigned)strlen(h->features));
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, cpu);
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex, feat);
	unsigned nounwind = LLVMGetEnumAttributeKindForName("nounwind", 8);
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
				LLVMCreateEnumAttribute(m->c, nounwind, 0));
}

void sb_llvm_cg_init(sb_llvm_cg *g, sb_llvm_module *m, const tir_lowered *low, LLVMValueRef fn)
{
	memset(g, 0, sizeof *g);
	g->m = m;
	g->c = m->c;
	g->b = LLVMCreateBuilderInContext(m->c);
	g->fn = fn;
	g->low = low;
	sb_map_init(&g->vars);
	sb_map_init(&g->memo);
	sb_map_init(&g->stack_elems);
	g->alloca_bb = sb_llvm_block(g, "allocas");
	LLVMPositionBuilderAtEnd(g->b, sb_llvm_block(g, "start"));
}

void sb_llvm_cg_free(sb_llvm_cg *g)
{
	/* The alloca block falls through to the code. */
	LLVMPositionBuilderAtEnd(g->b, g->alloca_bb);
	LLVMBuildBr(g->b, LLVMGetNextBasicBlock(g->alloca_bb));
	LLVMDisposeBuilder(g->b);
	sb_map_free(&g->vars);
	sb_map_free(&g->memo);
	sb_map_free(&g->stack_elems);
	sb_vec_free(&g->heap);
}

void sb_llvm_bind(sb_llvm_cg *g, tir_expr *var, LLVMValueRef v)
{
	sb_map_put(&g->vars, (uintptr_t)var, v);
}

static void memo_clear(sb_llvm_cg *g)
{
	if (g->memo.len) {
		sb_map_free(&g->memo);
		sb_map_init(&g->memo);
	}
}

/* An alloca in the entry block (so loops do not grow the stack). */
static LLVMValueRef entry_alloca(sb_llvm_cg *g, LLVMTypeRef ty, unsigned align, const char *name)
{
	LLVMBasicBlockRef here = LLVMGetInsertBlock(g->b);
	LLVMPositionBuilderAtEnd(g->b, g->alloca_bb);
	LLVMValueRef a = LLVMBuildAlloca(g->b, ty, name);
	LLVMSetAlignment(a, align);
	LLVMPositionBuilderAtEnd(g->b, here);
	return a;
}

/* ---- Helpers on values ---- */

static LLVMValueRef splat(sb_llvm_cg *g, LLVMValueRef v, int lanes)
{
	LLVMTypeRef vt = LLVMVectorType(LLVMTypeOf(v), (unsigned)lanes);
	LLVMValueRef undef = LLVMGetUndef(vt);
	LLVMValueRef one = LLVMBuildInsertElement(g->b, undef, v, sb_llvm_const_i32(g, 0), "");
	LLVMValueRef mask = LLVMConstNull(LLVMVectorType(LLVMInt32TypeInContext(g->c), lanes));
	return LLVMBuildShuffleVector(g->b, one, undef, mask, "splat");
}

LLVMValueRef sb_llvm_call_intrinsic(sb_llvm_cg *g, const char *name, LLVMValueRef *args, int nargs)
{
	unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
	SB_ASSERT(id != 0);
	LLVMTypeRef ty = LLVMTypeOf(args[0]);
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->m->mod, id, &ty, 1);
	LLVMTypeRef fty = LLVMIntrinsicGetType(g->c, id, &ty, 1);
	return LLVMBuildCall2(g->b, fty, fn, args, (unsigned)nargs, "");
}

LLVMValueRef sb_llvm_round_bf16(sb_llvm_cg *g, LLVMValueRef v)
{
	LLVMTypeRef ft = LLVMTypeOf(v);
	LLVMTypeRef it = LLVMGetTypeKind(ft) == LLVMVectorTypeKind
			     ? LLVMVectorType(LLVMInt32TypeInContext(g->c), LLVMGetVectorSize(ft))
			     : LLVMInt32TypeInContext(g->c);
	LLVMBuilderRef b = g->b;
	/* As sb_f32_to_bf16: round to nearest even; NaN stays a quiet NaN. */
	LLVMValueRef x = LLVMBuildBitCast(b, v, it, "");
	LLVMValueRef lsb = LLVMBuildAnd(b, LLVMBuildLShr(b, x, sb_llvm_const_int(it, 16), ""),
					sb_llvm_const_int(it, 1), "");
	LLVMValueRef r =
	    LLVMBuildAdd(b, x, LLVMBuildAdd(b, lsb, sb_llvm_const_int(it, 0x7fff), ""), "");
	LLVMValueRef nan = LLVMBuildFCmp(b, LLVMRealUNO, v, v, "");
	r = LLVMBuildSelect(b, nan, LLVMBuildOr(b, x, sb_llvm_const_int(it, 0x400000), ""), r, "");
	r = LLVMBuildAnd(b, r, sb_llvm_const_int(it, (int64_t)0xffff0000u), "");
	return LLVMBuildBitCast(b, r, ft, "bf16");
}

static bool is_signed(sb_dtype dt)
{
	return sb_dtype_is_signed_int(dt);
}

/* ---- Casts ---- */

/* The two-type overloaded llvm.fpto[su]i.sat.<ret>.<arg>. */
static LLVMValueRef fp_to_int_sat(sb_llvm_cg *g, const char *name, LLVMValueRef v, LLVMTypeRef ret)
{
	unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
	LLVMTypeRef tys[2] = {ret, LLVMTypeOf(v)};
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->m->mod, id, tys, 2);
	return LLVMBuildCall2(g->b, LLVMIntrinsicGetType(g->c, id, tys, 2), fn, &v, 1, "");
}

/* Cast semantics of sb_convert and the reference interpreter, defined for
 * every input: toward zero, NaN gives 0, saturating at 64 bits, then
 * wrapping to the width; a negative value wraps into an unsigned type. */
static LLVMValueRef float_to_int(sb_llvm_cg *g, LLVMValueRef v, sb_dtype t, int lanes)
{
	LLVMBuilderRef b = g->b;
	LLVMTypeRef i64 = LLVMInt64TypeInContext(g->c);
	if (lanes > 1)
		i64 = LLVMVectorType(i64, lanes);
	LLVMValueRef r = fp_to_int_sat(g, "llvm.fptosi.sat", v, i64);
	if (sb_dtype_is_unsigned_int(t)) {
		LLVMValueRef u = fp_to_int_sat(g, "llvm.fptoui.sat", v, i64);
		LLVMValueRef neg =
		    LLVMBuildFCmp(b, LLVMRealOLT, v, LLVMConstNull(LLVMTypeOf(v)), "");
		r = LLVMBuildSelect(b, neg, r, u, "");
	}
	return LLVMBuildTruncOrBitCast(b, r, sb_llvm_type(g, tir_type_vector(t, lanes)), "");
}

LLVMValueRef sb_llvm_cast(sb_llvm_cg *g, LLVMValueRef v, tir_type from, tir_type to)
{
	LLVMBuilderRef b = g->b;
	if (from.dtype == to.dtype)
		return v;
	LLVMTypeRef ty = sb_llvm_type(g, to);
	sb_dtype f = from.dtype, t = to.dtype;
	if (t == SB_BOOL) {
		LLVMTypeRef vt = LLVMTypeOf(v);
		if (sb_dtype_is_float(f))
			return LLVMBuildFCmp(b, LLVMRealUNE, v, LLVMConstNull(vt), "");
		return LLVMBuildICmp(b, LLVMIntNE, v, LLVMConstNull(vt), "");
	}
	if (f == SB_BOOL) {
		if (sb_dtype_is_float(t)) {
			LLVMValueRef r = LLVMBuildUIToFP(b, v, ty, "");
			return r; /* 0 and 1 are exact in every float type */
		}
		return LLVMBuildZExt(b, v, ty, "");
	}
	if (sb_dtype_is_int(f) && sb_dtype_is_int(t))
		return LLVMBuildIntCast2(b, v, ty, is_signed(f), "");
	if (sb_dtype_is_int(f)) { /* to float */
		LLVMValueRef r =
		    is_signed(f) ? LLVMBuildSIToFP(b, v, ty, "") : LLVMBuildUIToFP(b, v, ty, "");
		return t == SB_BF16 ? sb_llvm_round_bf16(g, r) : r;
	}
	if (sb_dtype_is_int(t)) /* from float */
		return float_to_int(g, v, t, to.lanes);
	/* float to float: bfloat16 lives in a float register; float16 <->
	 * float64 goes through float32, as sb_convert does (and x86 converts
	 * half only from and to float: no libcall, whose ABI LLVM 14 and
	 * libgcc disagree on) */
	if ((f == SB_F16 && t == SB_F64) || (f == SB_F64 && t == SB_F16)) {
		LLVMTypeRef f32 = LLVMFloatTypeInContext(g->c);
		if (to.lanes > 1)
			f32 = LLVMVectorType(f32, to.lanes);
		v = LLVMBuildFPCast(b, v, f32, "");
	}
	LLVMValueRef r = LLVMBuildFPCast(b, v, ty, "");
	return t == SB_BF16 ? sb_llvm_round_bf16(g, r) : r;
}

/* ---- Integer division (by zero gives 0, as numpy; INT_MIN / -1 wraps) ---- */

static bool const_divisor_ok(LLVMValueRef d, bool sign)
{
	if (!LLVMIsAConstantInt(d))
		return false;
	long long v = LLVMConstIntGetSExtValue(d);
	return v != 0 && !(sign && v == -1);
}

/* The ConstantInt d is, or every lane of d is; NULL if none. */
static LLVMValueRef const_splat(LLVMValueRef d)
{
	if (LLVMIsAConstantInt(d))
		return d;
	if (!LLVMIsConstant(d) || LLVMGetTypeKind(LLVMTypeOf(d)) != LLVMVectorTypeKind ||
	    !(LLVMIsAConstantDataVector(d) || LLVMIsAConstantVector(d)))
		return NULL;
	LLVMValueRef k = LLVMGetElementAsConstant(d, 0);
	for (unsigned i = 1; i < LLVMGetVectorSize(LLVMTypeOf(d)); i++) {
		if (LLVMGetElementAsConstant(d, i) != k)
			return NULL;
	}
	return LLVMIsAConstantInt(k) ? k : NULL;
}

typedef enum { DIV_TRUNC, MOD_TRUNC, DIV_FLOOR, MOD_FLOOR } div_kind;

static LLVMValueRef int_div(sb_llvm_cg *g, div_kind k, LLVMValueRef a, LLVMValueRef d, bool sign)
{
	LLVMBuilderRef b = g->b;
	LLVMTypeRef ty = LLVMTypeOf(a);
	LLVMValueRef zero = LLVMConstNull(ty), one = sb_llvm_const_int(ty, 1);
	LLVMValueRef safe = d, is_zero = NULL, is_m1 = NULL;
	LLVMValueRef kd = const_splat(d);
	if (!kd || !const_divisor_ok(kd, sign)) {
		is_zero = LLVMBuildICmp(b, LLVMIntEQ, d, zero, "");
		LLVMValueRef bad = is_zero;
		if (sign) {
			is_m1 = LLVMBuildICmp(b, LLVMIntEQ, d, sb_llvm_const_int(ty, -1), "");
			bad = LLVMBuildOr(b, bad, is_m1, "");
		}
		safe = LLVMBuildSelect(b, bad, one, d, "");
	}
	LLVMValueRef q = sign ? LLVMBuildSDiv(b, a, safe, "") : LLVMBuildUDiv(b, a, safe, "");
	LLVMValueRef r = sign ? LLVMBuildSRem(b, a, safe, "") : LLVMBuildURem(b, a, safe, "");
	if (is_m1) { /* a / -1 == -a (wrapping), a % -1 == 0 */
		q = LLVMBuildSelect(b, is_m1, LLVMBuildSub(b, zero, a, ""), q, "");
		r = LLVMBuildSelect(b, is_m1, zero, r, "");
	}
	if (sign && (k == DIV_FLOOR || k == MOD_FLOOR)) {
		/* Round toward -inf: when r != 0 and r, d have opposite signs. */
		LLVMValueRef nz = LLVMBuildICmp(b, LLVMIntNE, r, zero, "");
		LLVMValueRef opp =
		    LLVMBuildICmp(b, LLVMIntSLT, LLVMBuildXor(b, r, safe, ""), zero, "");
		LLVMValueRef adj = LLVMBuildAnd(b, nz, opp, "");
		if (k == DIV_FLOOR)
			q = LLVMBuildSelect(b, adj, LLVMBuildSub(b, q, one, ""), q, "");
		else
			r = LLVMBuildSelect(b, adj, LLVMBuildAdd(b, r, safe, ""), r, "");
	}
	LLVMValueRef out = k == DIV_TRUNC || k == DIV_FLOOR ? q : r;
	if (is_zero)
		out = LLVMBuildSelect(b, is_zero, zero, out, "");
	return out;
}

static LLVMValueRef float_div(sb_llvm_cg *g, div_kind k, LLVMValueRef a, LLVMValueRef d)
{
	LLVMBuilderRef b = g->b;
	switch (k) {
	case DIV_TRUNC:
		return LLVMBuildFDiv(b, a, d, "");
	case MOD_TRUNC:
		return LLVMBuildFRem(b, a, d, "");
	case DIV_FLOOR: {
		LLVMValueRef q = LLVMBuildFDiv(b, a, d, "");
		return sb_llvm_call_intrinsic(g, "llvm.floor", &q, 1);
	}
	case MOD_FLOOR: {
		LLVMValueRef q = LLVMBuildFDiv(b, a, d, "");
		q = sb_llvm_call_intrinsic(g, "llvm.floor", &q, 1);
		return LLVMBuildFSub(b, a, LLVMBuildFMul(b, q, d, ""), "");
	}
	}
	SB_UNREACHABLE();
}

/* ---- Expressions ---- */

static LLVMValueRef expr(sb_llvm_cg *g, tir_expr *e);

static LLVMValueRef var_value(sb_llvm_cg *g, tir_expr *v)
{
	void *x;
	if (!sb_map_get(&g->vars, (uintptr_t)v, &x))
		sb_die(__FILE__, __LINE__, __func__, "llvm: variable '%s' of @%s is not bound",
		       v->u.var.name, g->fname);
	return x;
}

/* x + y * z on float32/64 as llvm.fmuladd: the backend fuses it where the
 * target has FMA (as C's default fp-contract does), which halves the
 * instructions of a multiply-accumulate loop.  Only for the value stored
 * to a "local" buffer -- the accumulator tiles of the matmul and conv
 * schedules -- so every other expression keeps the reference's two
 * roundings (a fused sum of squares shifts E[x^2] - E[x]^2, which cancels,
 * by more than a test of it allows). */
static LLVMValueRef mul_add(sb_llvm_cg *g, tir_expr *e)
{
	if (e->kind != TIR_ADD || e->nops != 2)
		return NULL;
	tir_type t = e->ops[0]->type;
	if (t.dtype != SB_F32 && t.dtype != SB_F64)
		return NULL;
	for (int m = 1; m >= 0; m--) {
		tir_expr *p = e->ops[m], *q = e->ops[1 - m];
		if (p->kind != TIR_MUL || p->ops[0]->type.dtype != t.dtype)
			continue;
		LLVMValueRef args[3] = {expr(g, p->ops[0]), expr(g, p->ops[1]), NULL};
		args[2] = expr(g, q);
		return sb_llvm_call_intrinsic(g, "llvm.fmuladd", args, 3);
	}
	return NULL;
}

static LLVMValueRef binary(sb_llvm_cg *g, tir_expr *e)
{
	LLVMBuilderRef b = g->b;
	tir_type t = e->ops[0]->type;
	LLVMValueRef a = expr(g, e->ops[0]), c = expr(g, e->ops[1]);
	bool fl = tir_type_is_float(t), sign = is_signed(t.dtype);
	/* Index arithmetic does not overflow (tir's rule), which nsw tells
	 * LLVM; data arithmetic wraps, as numpy's does. */
	bool wide = t.dtype == SB_I64 && g->index_depth > 0;
	LLVMValueRef r;
	switch (e->kind) {
	case TIR_ADD:
		r = fl	   ? LLVMBuildFAdd(b, a, c, "")
		    : wide ? LLVMBuildNSWAdd(b, a, c, "")
			   : LLVMBuildAdd(b, a, c, "");
		break;
	case TIR_SUB:
		r = fl	   ? LLVMBuildFSub(b, a, c, "")
		    : wide ? LLVMBuildNSWSub(b, a, c, "")
			   : LLVMBuildSub(b, a, c, "");
		break;
	case TIR_MUL:
		r = fl	   ? LLVMBuildFMul(b, a, c, "")
		    : wide ? LLVMBuildNSWMul(b, a, c, "")
			   : LLVMBuildMul(b, a, c, "");
		break;
	case TIR_DIV:
		r = fl ? float_div(g, DIV_TRUNC, a, c) : int_div(g, DIV_TRUNC, a, c, sign);
		break;
	case TIR_MOD:
		r = fl ? float_div(g, MOD_TRUNC, a, c) : int_div(g, MOD_TRUNC, a, c, sign);
		break;
	case TIR_FLOOR_DIV:
		r = fl ? float_div(g, DIV_FLOOR, a, c) : int_div(g, DIV_FLOOR, a, c, sign);
		break;
	case TIR_FLOOR_MOD:
		r = fl ? float_div(g, MOD_FLOOR, a, c) : int_div(g, MOD_FLOOR, a, c, sign);
		break;
	case TIR_MIN:
	case TIR_MAX: {
		bool mn = e->kind == TIR_MIN;
		LLVMValueRef lt = fl ? LLVMBuildFCmp(b, LLVMRealOLT, a, c, "")
				     : LLVMBuildICmp(b, sign ? LLVMIntSLT : LLVMIntULT, a, c, "");
		return LLVMBuildSelect(b, lt, mn ? a : c, mn ? c : a, "");
	}
	case TIR_EQ:
	case TIR_NE:
	case TIR_LT:
	case TIR_LE:
	case TIR_GT:
	case TIR_GE: {
		static const LLVMRealPredicate fp[] = {LLVMRealOEQ, LLVMRealUNE, LLVMRealOLT,
						       LLVMRealOLE, LLVMRealOGT, LLVMRealOGE};
		static const LLVMIntPredicate sp[] = {LLVMIntEQ,  LLVMIntNE,  LLVMIntSLT,
						      LLVMIntSLE, LLVMIntSGT, LLVMIntSGE};
		static const LLVMIntPredicate up[] = {LLVMIntEQ,  LLVMIntNE,  LLVMIntULT,
						      LLVMIntULE, LLVMIntUGT, LLVMIntUGE};
		int k = e->kind - TIR_EQ;
		return fl ? LLVMBuildFCmp(b, fp[k], a, c, "")
			  : LLVMBuildICmp(b, sign ? sp[k] : up[k], a, c, "");
	}
	case TIR_AND:
		return LLVMBuildAnd(b, a, c, "");
	case TIR_OR:
		return LLVMBuildOr(b, a, c, "");
	default:
		SB_UNREACHABLE();
	}
	return t.dtype == SB_BF16 ? sb_llvm_round_bf16(g, r) : r;
}

/* A memory value of dtype dt to its register form, and back. */
static LLVMValueRef from_mem(sb_llvm_cg *g, LLVMValueRef v, sb_dtype dt, int lanes)
{
	LLVMBuilderRef b = g->b;
	if (dt == SB_BOOL)
		return LLVMBuildICmp(b, LLVMIntNE, v, LLVMConstNull(LLVMTypeOf(v)), "");
	if (dt == SB_BF16) {
		LLVMTypeRef i32 = LLVMInt32TypeInContext(g->c), f32 = LLVMFloatTypeInContext(g->c);
		if (lanes > 1) {
			i32 = LLVMVectorType(i32, lanes);
			f32 = LLVMVectorType(f32, lanes);
		}
		v = LLVMBuildShl(b, LLVMBuildZExt(b, v, i32, ""), sb_llvm_const_int(i32, 16), "");
		return LLVMBuildBitCast(b, v, f32, "");
	}
	return v;
}

static LLVMValueRef to_mem(sb_llvm_cg *g, LLVMValueRef v, sb_dtype dt, int lanes)
{
	LLVMBuilderRef b = g->b;
	LLVMTypeRef mt = sb_llvm_mem_type(g, dt);
	if (lanes > 1)
		mt = LLVMVectorType(mt, lanes);
	if (dt == SB_BOOL)
		return LLVMBuildZExt(b, v, mt, "");
	if (dt == SB_BF16) {
		LLVMTypeRef i32 = LLVMInt32TypeInContext(g->c);
		if (lanes > 1)
			i32 = LLVMVectorType(i32, lanes);
		v = LLVMBuildLShr(b, LLVMBuildBitCast(b, v, i32, ""), sb_llvm_const_int(i32, 16),
				  "");
		return LLVMBuildTrunc(b, v, mt, "");
	}
	return v;
}

static bool is_contiguous_ramp(const tir_expr *ix)
{
	return ix->kind == TIR_RAMP && tir_expr_is_const(ix->ops[1], 1);
}

/* An index, loop bound or other address arithmetic: evaluated with nsw. */
static LLVMValueRef index_expr(sb_llvm_cg *g, tir_expr *e)
{
	g->index_depth++;
	LLVMValueRef v = expr(g, e);
	g->index_depth--;
	return v;
}

static LLVMValueRef elem_ptr(sb_llvm_cg *g, tir_buffer *buf, LLVMValueRef index)
{
	LLVMValueRef base = var_value(g, buf->data);
	return LLVMBuildInBoundsGEP2(g->b, sb_llvm_mem_type(g, buf->dtype), base, &index, 1, "");
}

static unsigned elem_align(sb_dtype dt)
{
	return (unsigned)sb_dtype_size(dt);
}

/* ---- Masked vector accesses (inside an if on a vector condition) ---- */

static LLVMValueRef call_overloaded(sb_llvm_cg *g, const char *name, LLVMTypeRef *tys,
				    LLVMValueRef *args, int nargs)
{
	unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
	SB_ASSERT(id != 0);
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->m->mod, id, tys, 2);
	LLVMTypeRef fty = LLVMIntrinsicGetType(g->c, id, tys, 2);
	return LLVMBuildCall2(g->b, fty, fn, args, (unsigned)nargs, "");
}

/* For a buffer on the stack (constant size n): base >= 0 && base + lanes
 * <= n, i.e. a whole vector at base lies inside it.  NULL for other
 * buffers.  In an unrolled register tile base is a constant, the test
 * folds, and the access becomes a plain load or a blend that SROA keeps
 * in registers; a masked store would pin the tile to memory. */
static LLVMValueRef whole_vector_inside(sb_llvm_cg *g, tir_buffer *buf, LLVMValueRef base,
					int lanes)
{
	void *v;
	if (!sb_map_get(&g->stack_elems, (uintptr_t)buf, &v))
		return NULL;
	int64_t n = (int64_t)(uintptr_t)v - 1;
	LLVMTypeRef it = LLVMTypeOf(base);
	LLVMValueRef lo = LLVMBuildICmp(g->b, LLVMIntSGE, base, LLVMConstInt(it, 0, false), "");
	LLVMValueRef hi = LLVMBuildICmp(g->b, LLVMIntSLE, base,
					LLVMConstInt(it, (unsigned long long)(n - lanes), true), "");
	return LLVMBuildAnd(g->b, lo, hi, "");
}

static LLVMValueRef align_const(sb_llvm_cg *g, sb_dtype dt)
{
	return sb_llvm_const_i32(g, (int32_t)elem_align(dt));
}

/* Lanes of buf at index ix (a vector) where g->mask is set; the others
 * are undefined and never read from memory. */
static LLVMValueRef masked_load(sb_llvm_cg *g, tir_buffer *buf, tir_expr *ix, int lanes)
{
	LLVMTypeRef mt = sb_llvm_mem_type(g, buf->dtype), vt = LLVMVectorType(mt, lanes);
	LLVMValueRef undef = LLVMGetUndef(vt);
	if (!is_contiguous_ramp(ix)) {
		LLVMValueRef ptrs = elem_ptr(g, buf, index_expr(g, ix));
		LLVMTypeRef tys[2] = {vt, LLVMTypeOf(ptrs)};
		LLVMValueRef args[4] = {ptrs, align_const(g, buf->dtype), g->mask, undef};
		return call_overloaded(g, "llvm.masked.gather", tys, args, 4);
	}
	LLVMValueRef base = index_expr(g, ix->ops[0]);
	LLVMValueRef p = LLVMBuildBitCast(g->b, elem_ptr(g, buf, base), LLVMPointerType(vt, 0), "");
	LLVMValueRef inside = whole_vector_inside(g, buf, base, lanes);
	LLVMBasicBlockRef plain_bb = NULL, masked_bb = NULL, done = NULL;
	LLVMValueRef plain = NULL;
	if (inside) {
		plain_bb = sb_llvm_block(g, "mload.plain");
		masked_bb = sb_llvm_block(g, "mload.masked");
		done = sb_llvm_block(g, "mload.end");
		LLVMBuildCondBr(g->b, inside, plain_bb, masked_bb);
		LLVMPositionBuilderAtEnd(g->b, plain_bb);
		plain = LLVMBuildLoad2(g->b, vt, p, "");
		LLVMSetAlignment(plain, elem_align(buf->dtype));
		LLVMBuildBr(g->b, done);
		LLVMPositionBuilderAtEnd(g->b, masked_bb);
	}
	LLVMTypeRef tys[2] = {vt, LLVMTypeOf(p)};
	LLVMValueRef args[4] = {p, align_const(g, buf->dtype), g->mask, undef};
	LLVMValueRef m = call_overloaded(g, "llvm.masked.load", tys, args, 4);
	if (!inside)
		return m;
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
	LLVMValueRef phi = LLVMBuildPhi(g->b, vt, "");
	LLVMValueRef vals[2] = {plain, m};
	LLVMBasicBlockRef from[2] = {plain_bb, masked_bb};
	LLVMAddIncoming(phi, vals, from, 2);
	return phi;
}

/* v (in memory form) to the lanes of buf at ix where g->mask is set. */
static void masked_store(sb_llvm_cg *g, tir_buffer *buf, tir_expr *ix, LLVMValueRef v, int lanes)
{
	LLVMTypeRef vt = LLVMTypeOf(v);
	if (!is_contiguous_ramp(ix)) {
		LLVMValueRef ptrs = elem_ptr(g, buf, index_expr(g, ix));
		LLVMTypeRef tys[2] = {vt, LLVMTypeOf(ptrs)};
		LLVMValueRef args[4] = {v, ptrs, align_const(g, buf->dtype), g->mask};
		call_overloaded(g, "llvm.masked.scatter", tys, args, 4);
		return;
	}
	LLVMValueRef base = index_expr(g, ix->ops[0]);
	LLVMValueRef p = LLVMBuildBitCast(g->b, elem_ptr(g, buf, base), LLVMPointerType(vt, 0), "");
	LLVMValueRef inside = whole_vector_inside(g, buf, base, lanes);
	LLVMBasicBlockRef done = NULL;
	if (inside) {
		/* a blend: the lanes outside the mask keep their value */
		LLVMBasicBlockRef blend_bb = sb_llvm_block(g, "mstore.blend"),
				  masked_bb = sb_llvm_block(g, "mstore.masked");
		done = sb_llvm_block(g, "mstore.end");
		LLVMBuildCondBr(g->b, inside, blend_bb, masked_bb);
		LLVMPositionBuilderAtEnd(g->b, blend_bb);
		LLVMValueRef old = LLVMBuildLoad2(g->b, vt, p, "");
		LLVMSetAlignment(old, elem_align(buf->dtype));
		LLVMValueRef nv = LLVMBuildSelect(g->b, g->mask, v, old, "");
		LLVMSetAlignment(LLVMBuildStore(g->b, nv, p), elem_align(buf->dtype));
		LLVMBuildBr(g->b, done);
		LLVMPositionBuilderAtEnd(g->b, masked_bb);
	}
	LLVMTypeRef tys[2] = {vt, LLVMTypeOf(p)};
	LLVMValueRef args[4] = {v, p, align_const(g, buf->dtype), g->mask};
	call_overloaded(g, "llvm.masked.store", tys, args, 4);
	if (inside) {
		LLVMBuildBr(g->b, done);
		LLVMPositionBuilderAtEnd(g->b, done);
	}
}

static LLVMValueRef load(sb_llvm_cg *g, tir_expr *e)
{
	tir_buffer *buf = e->u.buffer;
	SB_ASSERT(e->nops == 1); /* FlattenBuffers ran */
	tir_expr *ix = e->ops[0];
	int lanes = e->type.lanes;
	LLVMTypeRef mt = sb_llvm_mem_type(g, buf->dtype);
	LLVMValueRef v;
	if (g->mask && lanes > 1)
		return from_mem(g, masked_load(g, buf, ix, lanes), buf->dtype, lanes);
	if (lanes == 1 || is_contiguous_ramp(ix)) {
		LLVMValueRef p = elem_ptr(g, buf, index_expr(g, lanes == 1 ? ix : ix->ops[0]));
		LLVMTypeRef ty = mt;
		if (lanes > 1) {
			ty = LLVMVectorType(mt, lanes);
			p = LLVMBuildBitCast(g->b, p, LLVMPointerType(ty, 0), "");
		}
		v = LLVMBuildLoad2(g->b, ty, p, "");
		LLVMSetAlignment(v, elem_align(buf->dtype));
	} else {
		LLVMValueRef idx = index_expr(g, ix);
		v = LLVMGetUndef(LLVMVectorType(mt, lanes));
		for (int i = 0; i < lanes; i++) {
			LLVMValueRef lane = sb_llvm_const_i32(g, i);
			LLVMValueRef k = LLVMBuildExtractElement(g->b, idx, lane, "");
			LLVMValueRef x = LLVMBuildLoad2(g->b, mt, elem_ptr(g, buf, k), "");
			LLVMSetAlignment(x, elem_align(buf->dtype));
			v = LLVMBuildInsertElement(g->b, v, x, lane, "");
		}
	}
	return from_mem(g, v, buf->dtype, lanes);
}

static LLVMValueRef ramp(sb_llvm_cg *g, tir_expr *e)
{
	int lanes = e->type.lanes;
	LLVMValueRef base = splat(g, expr(g, e->ops[0]), lanes);
	LLVMValueRef stride = splat(g, expr(g, e->ops[1]), lanes);
	LLVMTypeRef et = LLVMTypeOf(expr(g, e->ops[0]));
	LLVMValueRef *k = sb_xmalloc((size_t)lanes * sizeof *k);
	for (int i = 0; i < lanes; i++)
		k[i] = LLVMConstInt(et, (unsigned long long)i, false);
	LLVMValueRef iota = LLVMConstVector(k, (unsigned)lanes);
	free(k);
	return LLVMBuildAdd(g->b, base, LLVMBuildMul(g->b, stride, iota, ""), "ramp");
}

static LLVMValueRef expr_uncached(sb_llvm_cg *g, tir_expr *e)
{
	LLVMBuilderRef b = g->b;
	switch (e->kind) {
	case TIR_INT_IMM:
		return sb_llvm_const_int(sb_llvm_type(g, e->type), e->u.int_value);
	case TIR_FLOAT_IMM: {
		double v = e->u.float_value;
		if (e->type.dtype == SB_BF16)
			v = sb_bf16_to_f32(sb_f32_to_bf16((float)v));
		return sb_llvm_const_float(sb_llvm_type(g, e->type), v);
	}
	case TIR_VAR:
		return var_value(g, e);
	case TIR_NOT:
		return LLVMBuildNot(b, expr(g, e->ops[0]), "");
	case TIR_SELECT:
		return LLVMBuildSelect(b, expr(g, e->ops[0]), expr(g, e->ops[1]),
				       expr(g, e->ops[2]), "");
	case TIR_CAST:
		return sb_llvm_cast(g, expr(g, e->ops[0]), e->ops[0]->type, e->type);
	case TIR_CALL: {
		LLVMValueRef args[4];
		SB_ASSERT(e->nops <= 4);
		for (uint32_t i = 0; i < e->nops; i++)
			args[i] = expr(g, e->ops[i]);
		return sb_llvm_intrinsic(g, e, args);
	}
	case TIR_BUFFER_LOAD:
		return load(g, e);
	case TIR_RAMP:
		return ramp(g, e);
	case TIR_BROADCAST:
		return splat(g, expr(g, e->ops[0]), e->type.lanes);
	default:
		SB_ASSERT(tir_expr_table[e->kind].arity == 2);
		return binary(g, e);
	}
}

static LLVMValueRef expr(sb_llvm_cg *g, tir_expr *e)
{
	void *hit;
	if (sb_map_get(&g->memo, (uintptr_t)e, &hit))
		return hit;
	LLVMValueRef v = expr_uncached(g, e);
	sb_map_put(&g->memo, (uintptr_t)e, v);
	return v;
}

LLVMValueRef sb_llvm_expr(sb_llvm_cg *g, tir_expr *e)
{
	return expr(g, e);
}

/* ---- Statements ---- */

static void stmt(sb_llvm_cg *g, tir_stmt *s);

static void store(sb_llvm_cg *g, tir_stmt *s)
{
	tir_buffer *buf = s->u.store.buffer;
	SB_ASSERT(s->u.store.nindices == 1);
	tir_expr *ix = s->u.store.indices[0];
	int lanes = ix->type.lanes;
	LLVMValueRef v = buf->scope && !strcmp(buf->scope, "local") ? mul_add(g, s->u.store.value)
								     : NULL;
	v = to_mem(g, v ? v : expr(g, s->u.store.value), buf->dtype, lanes);
	if (g->mask && lanes > 1) {
		masked_store(g, buf, ix, v, lanes);
		return;
	}
	if (lanes == 1 || is_contiguous_ramp(ix)) {
		LLVMValueRef p = elem_ptr(g, buf, index_expr(g, lanes == 1 ? ix : ix->ops[0]));
		if (lanes > 1)
			p = LLVMBuildBitCast(g->b, p, LLVMPointerType(LLVMTypeOf(v), 0), "");
		LLVMSetAlignment(LLVMBuildStore(g->b, v, p), elem_align(buf->dtype));
		return;
	}
	LLVMValueRef idx = index_expr(g, ix);
	for (int i = 0; i < lanes; i++) {
		LLVMValueRef lane = sb_llvm_const_i32(g, i);
		LLVMValueRef k = LLVMBuildExtractElement(g->b, idx, lane, "");
		LLVMValueRef x = LLVMBuildExtractElement(g->b, v, lane, "");
		LLVMSetAlignment(LLVMBuildStore(g->b, x, elem_ptr(g, buf, k)),
				 elem_align(buf->dtype));
	}
}

static void serial_loop(sb_llvm_cg *g, tir_stmt *s)
{
	LLVMBuilderRef b = g->b;
	tir_expr *var = s->u.loop.var;
	bool sign = !sb_dtype_is_unsigned_int(var->type.dtype);
	LLVMValueRef lo = index_expr(g, s->u.loop.min), ext = index_expr(g, s->u.loop.extent);
	LLVMValueRef hi = LLVMBuildAdd(b, lo, ext, "");
	LLVMBasicBlockRef pre = LLVMGetInsertBlock(b);
	LLVMBasicBlockRef head = sb_llvm_block(g, "for.head"), body = sb_llvm_block(g, "for.body"),
			  done = sb_llvm_block(g, "for.end");
	LLVMBuildBr(b, head);
	LLVMPositionBuilderAtEnd(b, head);
	LLVMValueRef i = LLVMBuildPhi(b, LLVMTypeOf(lo), var->u.var.name);
	LLVMAddIncoming(i, &lo, &pre, 1);
	LLVMBuildCondBr(b, LLVMBuildICmp(b, sign ? LLVMIntSLT : LLVMIntULT, i, hi, ""), body, done);
	LLVMPositionBuilderAtEnd(b, body);
	sb_llvm_bind(g, var, i);
	stmt(g, s->u.loop.body);
	LLVMValueRef next = sign ? LLVMBuildNSWAdd(b, i, LLVMConstInt(LLVMTypeOf(i), 1, false), "")
				 : LLVMBuildAdd(b, i, LLVMConstInt(LLVMTypeOf(i), 1, false), "");
	LLVMBasicBlockRef latch = LLVMGetInsertBlock(b);
	LLVMBuildBr(b, head);
	LLVMAddIncoming(i, &next, &latch, 1);
	LLVMPositionBuilderAtEnd(b, done);
	memo_clear(g);
}

/* The closure's environment struct: one field per capture (closure
 * parameters after begin and end). */
static LLVMTypeRef env_type(sb_llvm_cg *g, const tir_closure *c)
{
	int n = c->ncaptures;
	LLVMTypeRef *fields = sb_xmalloc((size_t)(n ? n : 1) * sizeof *fields);
	for (int i = 0; i < n; i++)
		fields[i] = sb_llvm_type(g, c->func->params[i + 2].var->type);
	LLVMTypeRef t = LLVMStructTypeInContext(g->c, fields, (unsigned)n, false);
	free(fields);
	return t;
}

static void parallel_launch(sb_llvm_cg *g, tir_stmt *s, const tir_closure *c)
{
	LLVMBuilderRef b = g->b;
	LLVMTypeRef et = env_type(g, c);
	LLVMValueRef env = entry_alloca(g, et, 16, "env");
	for (int i = 0; i < c->ncaptures; i++) {
		LLVMValueRef field = LLVMBuildStructGEP2(b, et, env, (unsigned)i, "");
		LLVMBuildStore(b, var_value(g, c->func->params[i + 2].var), field);
	}
	LLVMValueRef ext = index_expr(g, s->u.loop.extent);
	ext = LLVMBuildIntCast2(b, ext, LLVMInt64TypeInContext(g->c),
				!sb_dtype_is_unsigned_int(s->u.loop.extent->type.dtype), "");
	LLVMValueRef fn = LLVMGetNamedFunction(g->m->mod, c->func->name);
	SB_ASSERT(fn);
	LLVMValueRef args[3] = {ext, fn, LLVMBuildBitCast(b, env, sb_llvm_i8p(g), "")};
	sb_llvm_call_rt(g, SB_LLVM_RT_PARALLEL_FOR, args, 3);
}

static void loop(sb_llvm_cg *g, tir_stmt *s)
{
	if (s->u.loop.kind == TIR_FOR_PARALLEL && !g->is_closure) {
		const tir_closure *c = tir_lowered_find_closure(g->low, s);
		if (c) {
			parallel_launch(g, s, c);
			return;
		}
	}
	int64_t n;
	if (s->u.loop.kind == TIR_FOR_UNROLLED && tir_expr_is_int_imm(s->u.loop.extent, &n) &&
	    n >= 0 && n <= 16) {
		LLVMValueRef lo = index_expr(g, s->u.loop.min);
		for (int64_t k = 0; k < n; k++) {
			LLVMValueRef i = LLVMBuildAdd(
			    g->b, lo, LLVMConstInt(LLVMTypeOf(lo), (unsigned long long)k, false),
			    "");
			sb_llvm_bind(g, s->u.loop.var, i);
			memo_clear(g);
			stmt(g, s->u.loop.body);
		}
		memo_clear(g);
		return;
	}
	serial_loop(g, s);
}

static void allocate(sb_llvm_cg *g, tir_stmt *s)
{
	tir_buffer *buf = s->u.alloc.buffer;
	LLVMTypeRef mt = sb_llvm_mem_type(g, buf->dtype);
	int64_t esize = (int64_t)sb_dtype_size(buf->dtype), n = 1;
	bool constant = true;
	for (int d = 0; d < buf->ndim; d++) {
		int64_t dim;
		constant &= tir_expr_is_int_imm(buf->shape[d], &dim) && dim >= 0 &&
			    (dim == 0 || n <= TIR_STACK_ALLOC_MAX_BYTES / dim);
		if (constant)
			n *= dim;
	}
	if (constant && n * esize <= TIR_STACK_ALLOC_MAX_BYTES) {
		LLVMValueRef a =
		    entry_alloca(g, LLVMArrayType(mt, (unsigned)(n ? n : 1)), 64, buf->name);
		sb_map_put(&g->stack_elems, (uintptr_t)buf, (void *)(uintptr_t)(n + 1));
		sb_llvm_bind(g, buf->data, LLVMBuildBitCast(g->b, a, LLVMPointerType(mt, 0), ""));
		stmt(g, s->u.alloc.body);
		return;
	}
	/* From the workspace: numel * esize bytes (at least 1). */
	SB_ASSERT(!g->is_closure); /* OutlineParallel keeps these out of closures */
	LLVMBuilderRef b = g->b;
	LLVMValueRef bytes = sb_llvm_const_i64(g, esize);
	for (int d = 0; d < buf->ndim; d++) {
		LLVMValueRef dim = expr(g, buf->shape[d]);
		dim = LLVMBuildIntCast2(b, dim, LLVMInt64TypeInContext(g->c), true, "");
		bytes = LLVMBuildMul(b, bytes, dim, "");
	}
	LLVMValueRef zero = LLVMBuildICmp(b, LLVMIntSLE, bytes, sb_llvm_const_i64(g, 0), "");
	bytes = LLVMBuildSelect(b, zero, sb_llvm_const_i64(g, 1), bytes, "");
	LLVMValueRef p = sb_llvm_call_rt(g, SB_LLVM_RT_WORKSPACE_ALLOC, &bytes, 1);
	LLVMValueRef args[3] = {sb_llvm_cstring(g, g->fname), bytes, sb_llvm_cstring(g, buf->name)};
	sb_llvm_check(g, LLVMBuildIsNotNull(b, p, ""), SB_ERR_NOMEM,
		      "%s: cannot allocate %lld bytes for buffer '%s'", args, 3);
	sb_vec_push(&g->heap, p);
	sb_llvm_bind(g, buf->data, LLVMBuildBitCast(b, p, LLVMPointerType(mt, 0), buf->name));
	stmt(g, s->u.alloc.body);
	g->heap.len--;
	sb_llvm_call_rt(g, SB_LLVM_RT_WORKSPACE_FREE, &p, 1);
}

/* if (mask) { stores }, mask a vector: the stores and their loads run in
 * the lanes where it is set, skipped when it is set in none.  (A scalar
 * load under it is then one some lane of the source program makes.) */
static void lane_if(sb_llvm_cg *g, tir_stmt *s)
{
	LLVMBuilderRef b = g->b;
	SB_ASSERT(!g->mask && !s->u.if_.else_case); /* the verifier's rule */
	LLVMValueRef m = expr(g, s->u.if_.cond);
	LLVMValueRef any = sb_llvm_call_intrinsic(g, "llvm.vector.reduce.or", &m, 1);
	LLVMBasicBlockRef then_bb = sb_llvm_block(g, "lanes.then"), done = sb_llvm_block(g, "lanes.end");
	LLVMBuildCondBr(b, any, then_bb, done);
	LLVMPositionBuilderAtEnd(b, then_bb);
	g->mask = m;
	stmt(g, s->u.if_.then_case);
	g->mask = NULL;
	LLVMBuildBr(b, done);
	LLVMPositionBuilderAtEnd(b, done);
	memo_clear(g);
}

static void if_then_else(sb_llvm_cg *g, tir_stmt *s)
{
	LLVMBuilderRef b = g->b;
	if (s->u.if_.cond->type.lanes > 1) {
		lane_if(g, s);
		return;
	}
	LLVMValueRef cond = expr(g, s->u.if_.cond);
	LLVMBasicBlockRef then_bb = sb_llvm_block(g, "if.then"), done = sb_llvm_block(g, "if.end");
	LLVMBasicBlockRef else_bb = s->u.if_.else_case ? sb_llvm_block(g, "if.else") : done;
	LLVMBuildCondBr(b, cond, then_bb, else_bb);
	LLVMPositionBuilderAtEnd(b, then_bb);
	stmt(g, s->u.if_.then_case);
	LLVMBuildBr(b, done);
	if (s->u.if_.else_case) {
		LLVMPositionBuilderAtEnd(b, else_bb);
		memo_clear(g);
		stmt(g, s->u.if_.else_case);
		LLVMBuildBr(b, done);
	}
	LLVMPositionBuilderAtEnd(b, done);
	memo_clear(g);
}

static void stmt(sb_llvm_cg *g, tir_stmt *s)
{
	memo_clear(g);
	switch (s->kind) {
	case TIR_STMT_FOR:
		loop(g, s);
		break;
	case TIR_STMT_BUFFER_STORE:
		store(g, s);
		break;
	case TIR_STMT_ALLOCATE:
		allocate(g, s);
		break;
	case TIR_STMT_IF:
		if_then_else(g, s);
		break;
	case TIR_STMT_LET:
		sb_llvm_bind(g, s->u.let.var, expr(g, s->u.let.value));
		stmt(g, s->u.let.body);
		break;
	case TIR_STMT_ASSERT: {
		SB_ASSERT(!g->is_closure);
		/* Kernels name themselves; a model's shape function (LowerShapes)
		 * checks what the user gave, and its name would only confuse. */
		bool own = g->low && tir_func_get_attr(g->low->source, "sb.shape_func");
		char *msg = own ? sb_xstrdup(s->u.assert_.message)
				: sb_xasprintf("%s: %s", g->fname, s->u.assert_.message);
		LLVMValueRef arg = sb_llvm_cstring(g, msg);
		sb_llvm_check(g, expr(g, s->u.assert_.cond), SB_ERR_INVALID, "%s", &arg, 1);
		free(msg);
		break;
	}
	case TIR_STMT_SEQ:
		for (int i = 0; i < s->u.seq.n; i++)
			stmt(g, s->u.seq.stmts[i]);
		break;
	case TIR_STMT_EVALUATE:
		expr(g, s->u.eval.value); /* pure: nothing to keep */
		break;
	case TIR_STMT_BLOCK_REALIZE:
		SB_UNREACHABLE(); /* LowerBlocks ran */
	}
}

void sb_llvm_stmt(sb_llvm_cg *g, tir_stmt *s)
{
	stmt(g, s);
}

/* ---- Closures ---- */

sb_status sb_llvm_emit_closures(sb_llvm_module *m, const tir_lowered *low)
{
	LLVMContextRef c = m->c;
	LLVMTypeRef i64 = LLVMInt64TypeInContext(c);
	LLVMTypeRef params[3] = {i64, i64, LLVMPointerType(LLVMInt8TypeInContext(c), 0)};
	LLVMTypeRef fty = LLVMFunctionType(LLVMVoidTypeInContext(c), params, 3, false);
	for (int k = 0; k < low->nclosures; k++) {
		const tir_closure *cl = &low->closures[k];
		if (LLVMGetNamedFunction(m->mod, cl->func->name))
			return sb_set_error(SB_ERR_INVALID,
					    "llvm: function '%s' is already in the module",
					    cl->func->name);
		LLVMValueRef fn = LLVMAddFunction(m->mod, cl->func->name, fty);
		LLVMSetLinkage(fn, LLVMInternalLinkage);
		sb_llvm_set_fn_attrs(m, fn);
		sb_llvm_cg g;
		sb_llvm_cg_init(&g, m, low, fn);
		g.fname = low->func->name;
		g.is_closure = true;
		sb_llvm_bind(&g, cl->func->params[0].var, LLVMGetParam(fn, 0));
		sb_llvm_bind(&g, cl->func->params[1].var, LLVMGetParam(fn, 1));
		LLVMTypeRef et = env_type(&g, cl);
		LLVMValueRef env =
		    LLVMBuildBitCast(g.b, LLVMGetParam(fn, 2), LLVMPointerType(et, 0), "env");
		for (int i = 0; i < cl->ncaptures; i++) {
			tir_expr *v = cl->func->params[i + 2].var;
			LLVMValueRef field = LLVMBuildStructGEP2(g.b, et, env, (unsigned)i, "");
			sb_llvm_bind(
			    &g, v,
			    LLVMBuildLoad2(g.b, sb_llvm_type(&g, v->type), field, v->u.var.name));
		}
		stmt(&g, cl->func->body);
		LLVMBuildRetVoid(g.b);
		sb_llvm_cg_free(&g);
	}
	return SB_OK;
}
