/* TensorProto <-> sb_tensor: initializers, Constant values and the
 * test_data_set_K/input_I.pb files.  A TensorProto comes from an untrusted file, so
 * every size is checked against the dims before anything is copied. */
#include <inttypes.h>
#include <stdlib.h>

#include "onnx_internal.h"

static const char *tensor_label(const Onnx__TensorProto *tp)
{
	return tp->name && *tp->name ? tp->name : "(unnamed)";
}

/* Which typed field carries each dtype (onnx.proto's TensorProto comments):
 * int32_data also holds the narrow integers, bool and the 16-bit floats as
 * bit patterns; uint64_data holds uint32 and uint64. */
typedef enum tensor_field {
	FIELD_FLOAT,
	FIELD_INT32,
	FIELD_INT64,
	FIELD_DOUBLE,
	FIELD_UINT64,
} tensor_field;

static tensor_field tensor_field_of(sb_dtype dt)
{
	switch (dt) {
	case SB_F32:
		return FIELD_FLOAT;
	case SB_F64:
		return FIELD_DOUBLE;
	case SB_I64:
		return FIELD_INT64;
	case SB_U32:
	case SB_U64:
		return FIELD_UINT64;
	default:
		return FIELD_INT32;
	}
}

static const char *const tensor_field_names[] = {"float_data", "int32_data", "int64_data",
						 "double_data", "uint64_data"};

static sb_status tensor_dtype(const Onnx__TensorProto *tp, sb_dtype *dt)
{
	if (!tp->has_data_type || tp->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__UNDEFINED)
		return sb_set_error(SB_ERR_INVALID, "tensor '%s' has no data_type",
				    tensor_label(tp));
	if (tp->data_type == ONNX__TENSOR_PROTO__DATA_TYPE__STRING)
		return sb_set_error(SB_ERR_UNSUPPORTED,
				    "tensor '%s': string tensors are not supported",
				    tensor_label(tp));
	*dt = sb_onnx_dtype(tp->data_type);
	if (*dt == SB_DT_INVALID)
		return sb_set_error(
		    SB_ERR_UNSUPPORTED, "tensor '%s': data type %d (%s) is not supported",
		    tensor_label(tp), (int)tp->data_type, onnx_dtype_code_name(tp->data_type));
	return SB_OK;
}

sb_status onnx_tensor_from_proto(const Onnx__TensorProto *tp, sb_tensor **out)
{
	*out = NULL;
	if (!tp)
		return sb_set_error(SB_ERR_INVALID, "missing tensor");
	sb_dtype dt;
	sb_status s = tensor_dtype(tp, &dt);
	if (s)
		return s;
	if ((tp->has_data_location &&
	     tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) ||
	    tp->n_external_data)
		return sb_set_error(
		    SB_ERR_UNSUPPORTED,
		    "tensor '%s' keeps its data in an external file; external data is "
		    "not supported (save the model with the weights inside)",
		    tensor_label(tp));
	if (tp->segment)
		return sb_set_error(SB_ERR_UNSUPPORTED,
				    "tensor '%s' is a segment of a larger tensor; "
				    "segmented tensors are not supported",
				    tensor_label(tp));
	if (tp->n_dims > SB_MAX_RANK)
		return sb_set_error(SB_ERR_UNSUPPORTED, "tensor '%s' has rank %zu, more than %d",
				    tensor_label(tp), tp->n_dims, SB_MAX_RANK);
	int rank = (int)tp->n_dims;
	const int64_t *dims = tp->dims;
	int64_t numel = 1;
	for (int i = 0; i < rank; i++) {
		if (dims[i] < 0)
			return sb_set_error(SB_ERR_INVALID,
					    "tensor '%s' has negative dim %" PRId64 " at index %d",
					    tensor_label(tp), dims[i], i);
		/* Same bound as sb_tensor_new: numel * 16 stays in int64. */
		if (dims[i] && numel > INT64_MAX / 16 / dims[i])
			return sb_set_error(SB_ERR_INVALID,
					    "tensor '%s': dims overflow the element count",
					    tensor_label(tp));
		numel *= dims[i];
	}
	size_t esize = sb_dtype_size(dt);
	size_t counts[] = {tp->n_float_data, tp->n_int32_data, tp->n_int64_data, tp->n_double_data,
			   tp->n_uint64_data};
	tensor_field want = tensor_field_of(dt);
	for (size_t f = 0; f < SB_ARRAY_LEN(counts); f++) {
		if (!counts[f] || f == want)
			continue;
		return sb_set_error(SB_ERR_INVALID, "%s tensor '%s' has values in %s",
				    sb_dtype_name(dt), tensor_label(tp), tensor_field_names[f]);
	}
	if (tp->n_string_data)
		return sb_set_error(SB_ERR_INVALID, "%s tensor '%s' has values in string_data",
				    sb_dtype_name(dt), tensor_label(tp));
	bool raw = tp->has_raw_data;
	if (raw && counts[want])
		return sb_set_error(SB_ERR_INVALID, "tensor '%s' has both raw_data and %s",
				    tensor_label(tp), tensor_field_names[want]);
	if (raw) {
		if (tp->raw_data.len != (uint64_t)numel * esize)
			return sb_set_error(SB_ERR_INVALID,
					    "tensor '%s': raw_data holds %zu bytes, dims "
					    "need %" PRId64 " x %zu",
					    tensor_label(tp), tp->raw_data.len, numel, esize);
	} else if (counts[want] != (uint64_t)numel) {
		if (!counts[want])
			return sb_set_error(SB_ERR_INVALID,
					    "tensor '%s' has no data (%" PRId64
					    " elements expected)",
					    tensor_label(tp), numel);
		return sb_set_error(
		    SB_ERR_INVALID, "tensor '%s': %s holds %zu values, dims need %" PRId64,
		    tensor_label(tp), tensor_field_names[want], counts[want], numel);
	}

	sb_tensor *t = sb_tensor_new(dt, rank, dims);
	if (!t)
		return sb_error_prefix(SB_ERR_NOMEM, "tensor '%s'", tensor_label(tp));
	void *d = sb_tensor_data(t);
	if (!numel) {
		*out = t; /* the data pointers may be NULL */
		return SB_OK;
	}
	if (raw) {
		memcpy(d, tp->raw_data.data, (size_t)numel * esize);
		if (dt == SB_BOOL)
			for (int64_t i = 0; i < numel; i++)
				((uint8_t *)d)[i] = ((uint8_t *)d)[i] != 0;
		*out = t;
		return SB_OK;
	}
	switch (want) {
	case FIELD_FLOAT:
		memcpy(d, tp->float_data, (size_t)numel * 4);
		break;
	case FIELD_DOUBLE:
		memcpy(d, tp->double_data, (size_t)numel * 8);
		break;
	case FIELD_INT64:
		memcpy(d, tp->int64_data, (size_t)numel * 8);
		break;
	case FIELD_UINT64:
		if (dt == SB_U64)
			memcpy(d, tp->uint64_data, (size_t)numel * 8);
		else
			for (int64_t i = 0; i < numel; i++)
				((uint32_t *)d)[i] = (uint32_t)tp->uint64_data[i];
		break;
	case FIELD_INT32:
		/* Narrow types wrap like numpy's astype; 16-bit floats are bit
		 * patterns in the low half. */
		for (int64_t i = 0; i < numel; i++) {
			int32_t v = tp->int32_data[i];
			switch (dt) {
			case SB_I8:
				((int8_t *)d)[i] = (int8_t)v;
				break;
			case SB_U8:
				((uint8_t *)d)[i] = (uint8_t)v;
				break;
			case SB_BOOL:
				((uint8_t *)d)[i] = v != 0;
				break;
			case SB_I16:
				((int16_t *)d)[i] = (int16_t)v;
				break;
			case SB_U16:
			case SB_F16:
			case SB_BF16:
				((uint16_t *)d)[i] = (uint16_t)v;
				break;
			case SB_I32:
				((int32_t *)d)[i] = v;
				break;
			default:
				SB_UNREACHABLE();
			}
		}
		break;
	}
	*out = t;
	return SB_OK;
}

sb_status sb_tensorproto_read(const char *path, sb_tensor **out, char **name)
{
	*out = NULL;
	if (name)
		*name = NULL;
	uint8_t *data;
	size_t size;
	sb_status s = sb_read_file(path, &data, &size);
	if (s)
		return s;
	Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, size, data);
	free(data);
	if (!tp)
		return sb_set_error(SB_ERR_INVALID, "%s: not a valid TensorProto file", path);
	s = onnx_tensor_from_proto(tp, out);
	if (s) {
		onnx__tensor_proto__free_unpacked(tp, NULL);
		return sb_error_prefix(s, "%s", path);
	}
	if (name && tp->name && *tp->name)
		*name = sb_xstrdup(tp->name);
	onnx__tensor_proto__free_unpacked(tp, NULL);
	return SB_OK;
}

sb_status sb_tensorproto_write(const char *path, const sb_tensor *t, const char *name)
{
	int code = sb_onnx_dtype_code(t->dtype);
	if (!code)
		return sb_set_error(SB_ERR_UNSUPPORTED, "%s: dtype %s has no ONNX code", path,
				    sb_dtype_name(t->dtype));
	Onnx__TensorProto tp = ONNX__TENSOR_PROTO__INIT;
	tp.n_dims = (size_t)t->dl.ndim;
	tp.dims = (int64_t *)t->shape;
	tp.has_data_type = 1;
	tp.data_type = code;
	tp.name = (char *)name;
	tp.has_raw_data = 1;
	tp.raw_data.len = sb_tensor_nbytes(t);
	tp.raw_data.data = sb_tensor_data(t);
	size_t size = onnx__tensor_proto__get_packed_size(&tp);
	uint8_t *buf = sb_xmalloc(size ? size : 1);
	onnx__tensor_proto__pack(&tp, buf);
	sb_status s = sb_write_file(path, buf, size);
	free(buf);
	return s;
}

const char *onnx_attr_type_name(int type)
{
	switch (type) {
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
		return "FLOAT";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
		return "INT";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
		return "STRING";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR:
		return "TENSOR";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH:
		return "GRAPH";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSOR:
		return "SPARSE_TENSOR";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTO:
		return "TYPE_PROTO";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
		return "FLOATS";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
		return "INTS";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS:
		return "STRINGS";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS:
		return "TENSORS";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS:
		return "GRAPHS";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSORS:
		return "SPARSE_TENSORS";
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTOS:
		return "TYPE_PROTOS";
	default:
		return "UNDEFINED";
	}
}
