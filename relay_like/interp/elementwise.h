/* Shared by the elementwise group of ops.def (elementwise_unary.c,
 * elementwise_binary.c): how each dtype is stored and computed in, as
 * X-macro rows from which the per-dtype loops are generated, and the input
 * checks of their type relations. */
#ifndef SB_RELAY_INTERP_ELEMENTWISE_H
#define SB_RELAY_INTERP_ELEMENTWISE_H

#include <assert.h>

#include "relay_like/op_impl.h"

/* One row per dtype: X(DT, sfx, S, C, LOAD, STORE, ...) -- dtype SB_<DT>,
 * `sfx` for generated names, storage type S, compute type C (float for the
 * half types: they compute in float and store rounded), LOAD(s) gives a C,
 * STORE(c) gives an S.  Trailing arguments are passed on to X. */
#define EW_ID(v) (v)
#define EW_TYPES_FLOAT(X, ...)                                                                     \
	X(F32, f32, float, float, EW_ID, EW_ID, __VA_ARGS__)                                       \
	X(F64, f64, double, double, EW_ID, EW_ID, __VA_ARGS__)                                     \
	X(F16, f16, uint16_t, float, sb_f16_to_f32, sb_f32_to_f16, __VA_ARGS__)                    \
	X(BF16, bf16, uint16_t, float, sb_bf16_to_f32, sb_f32_to_bf16, __VA_ARGS__)
#define EW_TYPES_SINT(X, ...)                                                                      \
	X(I8, i8, int8_t, int8_t, EW_ID, EW_ID, __VA_ARGS__)                                       \
	X(I16, i16, int16_t, int16_t, EW_ID, EW_ID, __VA_ARGS__)                                   \
	X(I32, i32, int32_t, int32_t, EW_ID, EW_ID, __VA_ARGS__)                                   \
	X(I64, i64, int64_t, int64_t, EW_ID, EW_ID, __VA_ARGS__)
#define EW_TYPES_UINT(X, ...)                                                                      \
	X(U8, u8, uint8_t, uint8_t, EW_ID, EW_ID, __VA_ARGS__)                                     \
	X(U16, u16, uint16_t, uint16_t, EW_ID, EW_ID, __VA_ARGS__)                                 \
	X(U32, u32, uint32_t, uint32_t, EW_ID, EW_ID, __VA_ARGS__)                                 \
	X(U64, u64, uint64_t, uint64_t, EW_ID, EW_ID, __VA_ARGS__)
#define EW_TYPES_BOOL(X, ...) X(BOOL, bool, uint8_t, uint8_t, EW_ID, EW_ID, __VA_ARGS__)

/* Integer results that wrap like two's complement hardware instead of
 * being undefined on overflow: the low bits of the 64-bit unsigned result. */
#define EW_WRAP(T, op, x, y) ((T)((uint64_t)(x)op(uint64_t)(y)))

/* Sets of dtypes, as bit masks over sb_dtype. */
#define EW_BIT(dt) (1u << (dt))
#define EW_FLOAT (EW_BIT(SB_F32) | EW_BIT(SB_F64) | EW_BIT(SB_F16) | EW_BIT(SB_BF16))
#define EW_SINT (EW_BIT(SB_I8) | EW_BIT(SB_I16) | EW_BIT(SB_I32) | EW_BIT(SB_I64))
#define EW_UINT (EW_BIT(SB_U8) | EW_BIT(SB_U16) | EW_BIT(SB_U32) | EW_BIT(SB_U64))
#define EW_NUMERIC (EW_FLOAT | EW_SINT | EW_UINT)
#define EW_BOOL EW_BIT(SB_BOOL)
static_assert(SB_DT_COUNT <= 32, "dtype masks are 32 bits");

/* The tensor type of input i: an error if it is absent, not a tensor, or
 * its dtype is not in `dtypes` (the message lists the accepted ones). */
sb_status ew_input(relay_op_ctx *ctx, int i, unsigned dtypes, const relay_type **t);
/* An error saying input i's dtype differs from input 0's. */
sb_status ew_dtype_mismatch(relay_op_ctx *ctx, int i, const relay_type *t0, const relay_type *ti);
/* The SB_ERR_UNSUPPORTED error of a kernel given a dtype it has no loop for. */
sb_status ew_kernel_dtype_error(relay_kernel_ctx *ctx, sb_dtype dt);

/* Float to integer, defined for every input: NaN gives 0, out-of-range
 * values saturate; the fraction is truncated (as C and numpy astype do). */
static inline int64_t ew_f64_to_i64(double v)
{
	if (v != v)
		return 0;
	if (v >= 9223372036854775807.0)
		return INT64_MAX;
	if (v <= -9223372036854775808.0)
		return INT64_MIN;
	return (int64_t)v;
}
/* The same to uint64; negative values wrap through int64 (numpy astype on
 * x86 gives -1.0 -> 255 for uint8). */
static inline uint64_t ew_f64_to_u64(double v)
{
	if (v < 0)
		return (uint64_t)ew_f64_to_i64(v);
	if (v != v)
		return 0;
	return v >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)v;
}

#endif
