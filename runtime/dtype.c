/* Element types: names, sizes, DLPack codes, half-precision conversion. */
#include <math.h>

#include "runtime.h"

static const struct {
	const char *name;
	size_t size;
	uint8_t code, bits;
} dtype_info[SB_DT_COUNT] = {
	[SB_DT_INVALID] = {"invalid", 0, 0, 0},
	[SB_F32] = {"float32", 4, kDLFloat, 32},
	[SB_F64] = {"float64", 8, kDLFloat, 64},
	[SB_F16] = {"float16", 2, kDLFloat, 16},
	[SB_BF16] = {"bfloat16", 2, kDLBfloat, 16},
	[SB_I8] = {"int8", 1, kDLInt, 8},
	[SB_I16] = {"int16", 2, kDLInt, 16},
	[SB_I32] = {"int32", 4, kDLInt, 32},
	[SB_I64] = {"int64", 8, kDLInt, 64},
	[SB_U8] = {"uint8", 1, kDLUInt, 8},
	[SB_U16] = {"uint16", 2, kDLUInt, 16},
	[SB_U32] = {"uint32", 4, kDLUInt, 32},
	[SB_U64] = {"uint64", 8, kDLUInt, 64},
	/* DLPack 0.6 has no bool code; bool is {kDLUInt, 1 bit}, stored in a byte. */
	[SB_BOOL] = {"bool", 1, kDLUInt, 1},
};

const char *sb_dtype_name(sb_dtype dt)
{
	return (unsigned)dt < SB_DT_COUNT ? dtype_info[dt].name : "invalid";
}

size_t sb_dtype_size(sb_dtype dt) { return (unsigned)dt < SB_DT_COUNT ? dtype_info[dt].size : 0; }

DLDataType sb_dtype_to_dl(sb_dtype dt)
{
	DLDataType d = {0, 0, 1};
	if ((unsigned)dt < SB_DT_COUNT) {
		d.code = dtype_info[dt].code;
		d.bits = dtype_info[dt].bits;
	}
	return d;
}

sb_dtype sb_dtype_from_dl(DLDataType dl)
{
	if (dl.lanes != 1)
		return SB_DT_INVALID;
	for (int i = 1; i < SB_DT_COUNT; i++) {
		if (dtype_info[i].code == dl.code && dtype_info[i].bits == dl.bits)
			return (sb_dtype)i;
	}
	return SB_DT_INVALID;
}

sb_dtype sb_dtype_from_name(const char *name)
{
	for (int i = 1; i < SB_DT_COUNT; i++) {
		if (!strcmp(dtype_info[i].name, name))
			return (sb_dtype)i;
	}
	return SB_DT_INVALID;
}

float sb_f16_to_f32(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
	if (exp == 0) {
		if (man == 0) {
			bits = sign;
		} else { /* subnormal: normalise */
			int e = -1;
			do {
				e++;
				man <<= 1;
			} while (!(man & 0x400));
			bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ff) << 13);
		}
	} else if (exp == 31) {
		bits = sign | 0x7f800000u | (man << 13);
	} else {
		bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
	}
	float f;
	memcpy(&f, &bits, 4);
	return f;
}

uint16_t sb_f32_to_f16(float f)
{
	uint32_t x;
	memcpy(&x, &f, 4);
	uint32_t sign = (x >> 16) & 0x8000;
	int32_t exp = (int32_t)((x >> 23) & 0xff);
	uint32_t man = x & 0x7fffff;
	if (exp == 255) /* inf or nan */
		return (uint16_t)(sign | 0x7c00 | (man ? 0x200 | (man >> 13) : 0));
	int32_t e = exp - 127 + 15;
	if (e >= 31)
		return (uint16_t)(sign | 0x7c00);
	if (e <= 0) { /* subnormal or zero */
		if (e < -10)
			return (uint16_t)sign;
		man |= 0x800000;
		uint32_t shift = (uint32_t)(14 - e);
		uint32_t half = man >> shift, rem = man & ((1u << shift) - 1), mid = 1u << (shift - 1);
		if (rem > mid || (rem == mid && (half & 1)))
			half++;
		return (uint16_t)(sign | half);
	}
	uint32_t half = sign | ((uint32_t)e << 10) | (man >> 13), rem = man & 0x1fff;
	if (rem > 0x1000 || (rem == 0x1000 && (half & 1)))
		half++; /* may carry into the exponent, which is correct */
	return (uint16_t)half;
}

float sb_bf16_to_f32(uint16_t h)
{
	uint32_t bits = (uint32_t)h << 16;
	float f;
	memcpy(&f, &bits, 4);
	return f;
}

uint16_t sb_f32_to_bf16(float f)
{
	uint32_t x;
	memcpy(&x, &f, 4);
	if ((x & 0x7fffffff) > 0x7f800000)
		return (uint16_t)((x >> 16) | 0x40);
	x += 0x7fff + ((x >> 16) & 1);
	return (uint16_t)(x >> 16);
}
