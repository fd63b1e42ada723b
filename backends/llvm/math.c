/* Intrinsic calls (tir/intrinsics.def) in LLVM IR.
 *
 * Instructions where the machine has them (sqrt, fabs, floor, ceil,
 * nearbyint, trunc as LLVM intrinsics), libm otherwise (the LLVM intrinsic
 * where one exists, so a vector call is split into per-lane libm calls by
 * the backend; else a call of the libm function named in intrinsics.def,
 * lane by lane).  float16 is computed in float32 and rounded back;
 * bfloat16 lives in float registers and is rounded after.
 *
 * Vector float32 exp, tanh, erf and sigmoid are inline polynomials, so a
 * vectorized loop over them stays vector code:
 *   exp      Cephes expf: n = round(x / ln 2), r = x - n ln 2 (ln 2 in two
 *            parts), e^r = 1 + r + r^2 P(r) (degree 5), times 2^n built in
 *            the exponent bits -- in two halves, so 2^n never overflows
 *            before the result does and subnormal results stay right;
 *            x >= ln(FLT_MAX) gives +inf, NaN gives NaN
 *   tanh     |x| < 0.625: x + x^3 P(x^2) (Cephes tanhf); else
 *            sign(x) (1 - 2 / (e^{2|x|} + 1)), |x| clamped to 10 (tanh is 1
 *            in float32 from 9.02)
 *   sigmoid  1 / (1 + e^{-|x|}), times e^{-|x|} for x < 0 (no overflow, and
 *            tiny results keep their value)
 *   erf      |x| < 1: x P(x^2) (degree 5 in x^2); 1 <= |x| < 4:
 *            1 - e^{-x^2} Q(1/|x|) (degree 7); else +-1 -- P and Q fitted
 *            by weighted least squares on Chebyshev nodes against the
 *            double-precision erf/erfc (backends/llvm/erf_fit.py)
 * All four stay within 1e-6 relative of libm over their useful ranges
 * (tests/llvm/test_math.c sweeps them). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "llvm_internal.h"

/* ---- Small builders ---- */

static LLVMValueRef fc(LLVMValueRef like, double v)
{
	return sb_llvm_const_float(LLVMTypeOf(like), v);
}

static LLVMValueRef fmuladd(sb_llvm_cg *g, LLVMValueRef a, LLVMValueRef b, LLVMValueRef c)
{
	LLVMValueRef args[3] = {a, b, c};
	return sb_llvm_call_intrinsic(g, "llvm.fmuladd", args, 3);
}

static LLVMValueRef unary(sb_llvm_cg *g, const char *intrinsic, LLVMValueRef x)
{
	return sb_llvm_call_intrinsic(g, intrinsic, &x, 1);
}

/* c[0] + c[1] x + ... + c[n-1] x^(n-1), Horner with fused steps. */
static LLVMValueRef horner(sb_llvm_cg *g, LLVMValueRef x, const double *c, int n)
{
	LLVMValueRef y = fc(x, c[n - 1]);
	for (int i = n - 2; i >= 0; i--)
		y = fmuladd(g, y, x, fc(x, c[i]));
	return y;
}

static LLVMValueRef lt(sb_llvm_cg *g, LLVMValueRef a, double v)
{
	return LLVMBuildFCmp(g->b, LLVMRealOLT, a, fc(a, v), "");
}

static LLVMValueRef gt(sb_llvm_cg *g, LLVMValueRef a, double v)
{
	return LLVMBuildFCmp(g->b, LLVMRealOGT, a, fc(a, v), "");
}

/* i32, or <N x i32> for a vector x of N lanes. */
static LLVMTypeRef i32_type_like(sb_llvm_cg *g, LLVMValueRef x)
{
	LLVMTypeRef t = LLVMTypeOf(x), i32 = LLVMInt32TypeInContext(g->c);
	return LLVMGetTypeKind(t) == LLVMVectorTypeKind ? LLVMVectorType(i32, LLVMGetVectorSize(t))
							: i32;
}

static LLVMValueRef copysign_(sb_llvm_cg *g, LLVMValueRef mag, LLVMValueRef sign)
{
	LLVMValueRef args[2] = {mag, sign};
	return sb_llvm_call_intrinsic(g, "llvm.copysign", args, 2);
}

/* ---- The polynomials (float32, scalar or vector) ---- */

/* 2^n as a float, for n in [-126, 127]. */
static LLVMValueRef pow2i(sb_llvm_cg *g, LLVMValueRef n, LLVMTypeRef ft)
{
	LLVMBuilderRef b = g->b;
	LLVMTypeRef it = LLVMTypeOf(n);
	LLVMValueRef e = LLVMBuildAdd(b, n, sb_llvm_const_int(it, 127), "");
	return LLVMBuildBitCast(b, LLVMBuildShl(b, e, sb_llvm_const_int(it, 23), ""), ft, "");
}

LLVMValueRef sb_llvm_fast_exp(sb_llvm_cg *g, LLVMValueRef x)
{
	static const double p[] = {5.0000001201E-1, 1.6666665459E-1, 4.1665795894E-2,
				   8.3334519073E-3, 1.3981999507E-3, 1.9875691500E-4};
	LLVMBuilderRef b = g->b;
	LLVMTypeRef ft = LLVMTypeOf(x), it = i32_type_like(g, x);
	LLVMValueRef nan = LLVMBuildFCmp(b, LLVMRealUNO, x, x, "");
	/* Beyond [-104, 88.8] the result is 0 or inf anyway; the clamp keeps
	 * the exponent arithmetic in range. */
	LLVMValueRef xc = LLVMBuildSelect(b, lt(g, x, -104.0), fc(x, -104.0), x, "");
	xc = LLVMBuildSelect(b, gt(g, xc, 88.8), fc(x, 88.8), xc, "");
	xc = LLVMBuildSelect(b, nan, fc(x, 0.0), xc, "");
	LLVMValueRef fx =
	    unary(g, "llvm.floor", fmuladd(g, xc, fc(x, 1.44269504088896341), fc(x, 0.5)));
	LLVMValueRef r = fmuladd(g, fx, fc(x, -0.693359375), xc);
	r = fmuladd(g, fx, fc(x, 2.12194440e-4), r);
	LLVMValueRef z = LLVMBuildFMul(b, r, r, "");
	LLVMValueRef y = fmuladd(g, horner(g, r, p, 6), z, r);
	y = LLVMBuildFAdd(b, y, fc(x, 1.0), "");
	LLVMValueRef n = LLVMBuildFPToSI(b, fx, it, "");
	LLVMValueRef n1 = LLVMBuildAShr(b, n, sb_llvm_const_int(it, 1), "");
	LLVMValueRef n2 = LLVMBuildSub(b, n, n1, "");
	y = LLVMBuildFMul(b, LLVMBuildFMul(b, y, pow2i(g, n1, ft), ""), pow2i(g, n2, ft), "");
	/* expf(x) overflows from the float above ln(FLT_MAX). */
	LLVMValueRef over = LLVMBuildFCmp(b, LLVMRealOGE, x, fc(x, 88.72283935546875), "");
	y = LLVMBuildSelect(b, over, fc(x, INFINITY), y, "");
	return LLVMBuildSelect(b, nan, x, y, "exp");
}

LLVMValueRef sb_llvm_fast_tanh(sb_llvm_cg *g, LLVMValueRef x)
{
	static const double p[] = {-3.33332819422E-1, 1.33314422036E-1, -5.37397155531E-2,
				   2.06390887954E-2, -5.70498872745E-3};
	LLVMBuilderRef b = g->b;
	LLVMValueRef ax = unary(g, "llvm.fabs", x);
	LLVMValueRef z = LLVMBuildFMul(b, x, x, "");
	LLVMValueRef small = fmuladd(g, horner(g, z, p, 5), LLVMBuildFMul(b, z, x, ""), x);
	LLVMValueRef axc = LLVMBuildSelect(b, gt(g, ax, 10.0), fc(x, 10.0), ax, "");
	LLVMValueRef e = sb_llvm_fast_exp(g, LLVMBuildFAdd(b, axc, axc, ""));
	LLVMValueRef large = LLVMBuildFSub(
	    b, fc(x, 1.0), LLVMBuildFDiv(b, fc(x, 2.0), LLVMBuildFAdd(b, e, fc(x, 1.0), ""), ""),
	    "");
	return LLVMBuildSelect(b, lt(g, ax, 0.625), small, copysign_(g, large, x), "tanh");
}

/* 1 / (1 + e) for x >= 0, e / (1 + e) below, with e = exp(-|x|): never
 * overflows, and tiny results (x < -87) keep their value. */
static LLVMValueRef sigmoid_with(sb_llvm_cg *g, LLVMValueRef x,
				 LLVMValueRef (*exp_fn)(sb_llvm_cg *g, LLVMValueRef x))
{
	LLVMBuilderRef b = g->b;
	LLVMValueRef e = exp_fn(g, LLVMBuildFNeg(b, unary(g, "llvm.fabs", x), ""));
	LLVMValueRef s = LLVMBuildFDiv(b, fc(x, 1.0), LLVMBuildFAdd(b, e, fc(x, 1.0), ""), "");
	LLVMValueRef neg = LLVMBuildFCmp(b, LLVMRealOLT, x, fc(x, 0.0), "");
	return LLVMBuildSelect(b, neg, LLVMBuildFMul(b, e, s, ""), s, "sigmoid");
}

static LLVMValueRef libm_exp(sb_llvm_cg *g, LLVMValueRef x)
{
	return unary(g, "llvm.exp", x);
}

LLVMValueRef sb_llvm_fast_sigmoid(sb_llvm_cg *g, LLVMValueRef x)
{
	return sigmoid_with(g, x, sb_llvm_fast_exp);
}

LLVMValueRef sb_llvm_fast_erf(sb_llvm_cg *g, LLVMValueRef x)
{
	/* erf(x) / x in powers of x^2 on [0, 1). */
	static const double p[] = {1.128379107e+00,  -3.761239052e-01, 1.128057912e-01,
				   -2.672089078e-02, 4.927417729e-03,  -5.667987280e-04};
	/* erfc(x) e^(x^2) in powers of 1/x on [1, 4]. */
	static const double q[] = {3.356043017e-04,  5.579383373e-01, 4.987014830e-02,
				   -5.024152994e-01, 5.694930553e-01, -3.475888968e-01,
				   1.168974862e-01,  -1.694679633e-02};
	LLVMBuilderRef b = g->b;
	LLVMValueRef ax = unary(g, "llvm.fabs", x);
	LLVMValueRef z = LLVMBuildFMul(b, x, x, "");
	LLVMValueRef small = LLVMBuildFMul(b, x, horner(g, z, p, 6), "");
	LLVMValueRef axc = LLVMBuildSelect(b, lt(g, ax, 1.0), fc(x, 1.0), ax, "");
	axc = LLVMBuildSelect(b, gt(g, axc, 4.0), fc(x, 4.0), axc, "");
	LLVMValueRef t = LLVMBuildFDiv(b, fc(x, 1.0), axc, "");
	LLVMValueRef e = sb_llvm_fast_exp(g, LLVMBuildFNeg(b, LLVMBuildFMul(b, axc, axc, ""), ""));
	LLVMValueRef large =
	    LLVMBuildFSub(b, fc(x, 1.0), LLVMBuildFMul(b, e, horner(g, t, q, 8), ""), "");
	return LLVMBuildSelect(b, lt(g, ax, 1.0), small, copysign_(g, large, x), "erf");
}

/* ---- libm ---- */

static LLVMValueRef libm_call(sb_llvm_cg *g, const char *name, LLVMValueRef *args, int nargs)
{
	LLVMTypeRef t = LLVMTypeOf(args[0]);
	LLVMTypeRef ps[2] = {t, t};
	LLVMTypeRef fty = LLVMFunctionType(t, ps, (unsigned)nargs, false);
	LLVMValueRef fn = LLVMGetNamedFunction(g->m->mod, name);
	if (!fn) {
		fn = LLVMAddFunction(g->m->mod, name, fty);
		unsigned nounwind = LLVMGetEnumAttributeKindForName("nounwind", 8);
		LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
					LLVMCreateEnumAttribute(g->c, nounwind, 0));
	}
	return LLVMBuildCall2(g->b, fty, fn, args, (unsigned)nargs, "");
}

/* A libm function on scalars or, lane by lane, on vectors. */
static LLVMValueRef libm(sb_llvm_cg *g, const char *name, LLVMValueRef *args, int nargs)
{
	LLVMTypeRef t = LLVMTypeOf(args[0]);
	if (LLVMGetTypeKind(t) != LLVMVectorTypeKind)
		return libm_call(g, name, args, nargs);
	LLVMValueRef out = LLVMGetUndef(t);
	for (unsigned i = 0; i < LLVMGetVectorSize(t); i++) {
		LLVMValueRef lane = sb_llvm_const_i32(g, (int32_t)i), a[2];
		for (int k = 0; k < nargs; k++)
			a[k] = LLVMBuildExtractElement(g->b, args[k], lane, "");
		out = LLVMBuildInsertElement(g->b, out, libm_call(g, name, a, nargs), lane, "");
	}
	return out;
}

/* float32 or float64 arguments (scalar or vector). */
static LLVMValueRef float_intrinsic(sb_llvm_cg *g, tir_intrin in, LLVMValueRef *a, sb_dtype dt,
				    int lanes)
{
	LLVMBuilderRef b = g->b;
	if (dt == SB_F32 && lanes > 1) {
		switch (in) {
		case TIR_INTRIN_EXP:
			return sb_llvm_fast_exp(g, a[0]);
		case TIR_INTRIN_TANH:
			return sb_llvm_fast_tanh(g, a[0]);
		case TIR_INTRIN_ERF:
			return sb_llvm_fast_erf(g, a[0]);
		case TIR_INTRIN_SIGMOID:
			return sb_llvm_fast_sigmoid(g, a[0]);
		default:
			break;
		}
	}
	switch (in) {
	case TIR_INTRIN_SQRT:
		return unary(g, "llvm.sqrt", a[0]);
	case TIR_INTRIN_RSQRT:
		return LLVMBuildFDiv(b, fc(a[0], 1.0), unary(g, "llvm.sqrt", a[0]), "");
	case TIR_INTRIN_FABS:
		return unary(g, "llvm.fabs", a[0]);
	case TIR_INTRIN_FLOOR:
		return unary(g, "llvm.floor", a[0]);
	case TIR_INTRIN_CEIL:
		return unary(g, "llvm.ceil", a[0]);
	case TIR_INTRIN_ROUND:
		return unary(g, "llvm.nearbyint", a[0]);
	case TIR_INTRIN_TRUNC:
		return unary(g, "llvm.trunc", a[0]);
	case TIR_INTRIN_EXP:
		return unary(g, "llvm.exp", a[0]);
	case TIR_INTRIN_EXP2:
		return unary(g, "llvm.exp2", a[0]);
	case TIR_INTRIN_LOG:
		return unary(g, "llvm.log", a[0]);
	case TIR_INTRIN_LOG2:
		return unary(g, "llvm.log2", a[0]);
	case TIR_INTRIN_LOG10:
		return unary(g, "llvm.log10", a[0]);
	case TIR_INTRIN_SIN:
		return unary(g, "llvm.sin", a[0]);
	case TIR_INTRIN_COS:
		return unary(g, "llvm.cos", a[0]);
	case TIR_INTRIN_POW:
		return sb_llvm_call_intrinsic(g, "llvm.pow", a, 2);
	case TIR_INTRIN_FMOD:
		return LLVMBuildFRem(b, a[0], a[1], "");
	case TIR_INTRIN_SIGMOID:
		return sigmoid_with(g, a[0], libm_exp);
	default: {
		const tir_intrin_info *info = &tir_intrin_table[in];
		SB_ASSERT(info->libm);
		char name[64];
		snprintf(name, sizeof name, "%s%s", info->libm, dt == SB_F32 ? "f" : "");
		return libm(g, name, a, info->nargs);
	}
	}
}

LLVMValueRef sb_llvm_intrinsic(sb_llvm_cg *g, tir_expr *e, LLVMValueRef *args)
{
	LLVMBuilderRef b = g->b;
	tir_intrin in = e->u.intrin;
	tir_type at = e->ops[0]->type;
	LLVMValueRef a = args[0];
	switch (in) {
	case TIR_INTRIN_ISNAN:
		return LLVMBuildFCmp(b, LLVMRealUNO, a, a, "");
	case TIR_INTRIN_ISINF:
		return LLVMBuildFCmp(b, LLVMRealOEQ, unary(g, "llvm.fabs", a), fc(a, INFINITY), "");
	case TIR_INTRIN_ABS:
		if (tir_type_is_float(at))
			return unary(g, "llvm.fabs", a);
		if (!sb_dtype_is_signed_int(at.dtype))
			return a;
		return LLVMBuildSelect(
		    b, LLVMBuildICmp(b, LLVMIntSLT, a, LLVMConstNull(LLVMTypeOf(a)), ""),
		    LLVMBuildNeg(b, a, ""), a, "");
	default:
		break;
	}
	int n = tir_intrin_table[in].nargs;
	if (at.dtype == SB_F16) {
		LLVMTypeRef f32 = LLVMFloatTypeInContext(g->c);
		if (at.lanes > 1)
			f32 = LLVMVectorType(f32, at.lanes);
		LLVMValueRef w[2];
		for (int i = 0; i < n; i++)
			w[i] = LLVMBuildFPExt(b, args[i], f32, "");
		LLVMValueRef r = float_intrinsic(g, in, w, SB_F32, at.lanes);
		return LLVMBuildFPTrunc(b, r, LLVMTypeOf(a), "");
	}
	if (at.dtype == SB_BF16)
		return sb_llvm_round_bf16(g, float_intrinsic(g, in, args, SB_F32, at.lanes));
	return float_intrinsic(g, in, args, at.dtype, at.lanes);
}
