/* import/onnx: ONNX models (protobuf-c decoding of the system's onnx.proto)
 * into relay_like modules, and the TensorProto files of the ONNX backend
 * test layout. */
#ifndef SB_ONNX_IMPORT_H
#define SB_ONNX_IMPORT_H

#include "relay_like/relay.h"

/* Decodes a model and builds a relay_like module whose main function has
 * one parameter per graph input that is not an initializer, and one result
 * per graph output.  Initializers become constants; dim_param names become
 * named unknown dims.  Older opsets are normalised to relay_like's op
 * semantics.  Unsupported ops are reported together: one error lists every
 * unsupported op type with its opset and node count. */
sb_status sb_onnx_import_file(const char *path, relay_module **out);
sb_status sb_onnx_import_bytes(const uint8_t *data, size_t size, const char *what,
			       relay_module **out);

/* TensorProto files (test_data_set_K/input_I.pb).  `name` (may be NULL)
 * receives a malloc'ed copy of the tensor's name, or NULL if it has none. */
sb_status sb_tensorproto_read(const char *path, sb_tensor **out, char **name);
sb_status sb_tensorproto_write(const char *path, const sb_tensor *t, const char *name);

/* ONNX TensorProto.DataType <-> sb_dtype (SB_DT_INVALID when unsupported). */
sb_dtype sb_onnx_dtype(int onnx_type);
int sb_onnx_dtype_code(sb_dtype dt);

#endif
