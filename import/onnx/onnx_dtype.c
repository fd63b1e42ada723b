/* ONNX TensorProto.DataType codes. */
#include "onnx_import.h"

static const struct {
	int code;
	sb_dtype dt;
} onnx_dtypes[] = {
	{1, SB_F32}, {2, SB_U8}, {3, SB_I8}, {4, SB_U16}, {5, SB_I16}, {6, SB_I32}, {7, SB_I64},
	{9, SB_BOOL}, {10, SB_F16}, {11, SB_F64}, {12, SB_U32}, {13, SB_U64}, {16, SB_BF16},
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
