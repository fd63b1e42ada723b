/* ONNX TensorProto.DataType codes. */
#include <strings.h>

#include "onnx_internal.h"

static const struct {
	int code;
	sb_dtype dt;
} onnx_dtypes[] = {
    {1, SB_F32},  {2, SB_U8},	{3, SB_I8},    {4, SB_U16},  {5, SB_I16},
    {6, SB_I32},  {7, SB_I64},	{9, SB_BOOL},  {10, SB_F16}, {11, SB_F64},
    {12, SB_U32}, {13, SB_U64}, {16, SB_BF16},
};

sb_dtype sb_onnx_dtype(int onnx_type)
{
	for (size_t i = 0; i < SB_ARRAY_LEN(onnx_dtypes); i++)
		if (onnx_dtypes[i].code == onnx_type)
			return onnx_dtypes[i].dt;
	return SB_DT_INVALID;
}

int sb_onnx_dtype_code(sb_dtype dt)
{
	for (size_t i = 0; i < SB_ARRAY_LEN(onnx_dtypes); i++)
		if (onnx_dtypes[i].dt == dt)
			return onnx_dtypes[i].code;
	return 0;
}

/* TensorProto.DataType names as onnx.proto spells them. */
static const char *const onnx_dtype_names[] = {
    [1] = "FLOAT",   [2] = "UINT8",	 [3] = "INT8",	      [4] = "UINT16",
    [5] = "INT16",   [6] = "INT32",	 [7] = "INT64",	      [8] = "STRING",
    [9] = "BOOL",    [10] = "FLOAT16",	 [11] = "DOUBLE",     [12] = "UINT32",
    [13] = "UINT64", [14] = "COMPLEX64", [15] = "COMPLEX128", [16] = "BFLOAT16",
};

const char *onnx_dtype_code_name(int64_t code)
{
	if (code <= 0 || code >= (int64_t)SB_ARRAY_LEN(onnx_dtype_names))
		return "unknown";
	return onnx_dtype_names[code];
}

int onnx_dtype_code_from_name(const char *name)
{
	for (int i = 1; i < (int)SB_ARRAY_LEN(onnx_dtype_names); i++)
		if (!strcasecmp(name, onnx_dtype_names[i]))
			return i;
	return 0;
}
