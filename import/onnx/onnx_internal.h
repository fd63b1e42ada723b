/* import/onnx internals shared by the importer's files: the per-model and
 * per-node state, the TensorProto conversion, attribute accessors and the
 * opset-normalisation table.  Kept out of onnx_import.h so that users of the
 * importer do not see protobuf-c types. */
#ifndef SB_ONNX_INTERNAL_H
#define SB_ONNX_INTERNAL_H

#include "onnx/onnx.pb-c.h"
#include "onnx_import.h"

/* One model being imported. */
typedef struct onnx_importer {
	relay_module *mod;
	const Onnx__GraphProto *graph;
	int64_t opset;	   /* ai.onnx */
	sb_map values;	   /* interned tensor name -> relay_expr * */
	sb_map value_info; /* interned tensor name -> const Onnx__ValueInfoProto * */
} onnx_importer;

/* One node being imported.  Normalisation rules and the generic attribute
 * parser fill `args` and `attrs`; the node becomes one relay_like call. */
typedef struct onnx_node {
	onnx_importer *imp;
	const Onnx__NodeProto *proto;
	int index;
	int64_t opset;
	relay_op op;
	const relay_op_info *info;
	void *attrs;
	relay_expr **args; /* NULL entry: absent optional input */
	int nargs, cap;
	bool *used; /* per AttributeProto: consumed by a rule or the parser */
	int nout;
} onnx_node;

/* "node 'conv1' (Conv, opset 13): ..." (or "node #4" when unnamed). */
sb_status onnx_node_error(const onnx_node *n, sb_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* TensorProto -> new tensor (the caller owns the reference).  Every size is
 * checked against the dims; errors name the tensor. */
sb_status onnx_tensor_from_proto(const Onnx__TensorProto *tp, sb_tensor **out);
const char *onnx_attr_type_name(int type);
/* "FLOAT", "STRING", ... for a TensorProto.DataType code ("unknown" if none);
 * the reverse gives 0 for an unknown name. */
const char *onnx_dtype_code_name(int64_t code);
int onnx_dtype_code_from_name(const char *name);

/* ---- Attributes (onnx_attrs.c) ---- */

/* The attribute `name` of the node, or NULL; marks it consumed. */
const Onnx__AttributeProto *onnx_node_take(onnx_node *n, const char *name);
/* True if the node carries attribute `name` (consumed or not). */
bool onnx_node_has(const onnx_node *n, const char *name);
/* Typed reads; a wrong attribute type is an error naming the attribute. */
sb_status onnx_attr_int(const onnx_node *n, const Onnx__AttributeProto *a, int64_t *v);
sb_status onnx_attr_float(const onnx_node *n, const Onnx__AttributeProto *a, float *v);
sb_status onnx_attr_ints(const onnx_node *n, const Onnx__AttributeProto *a, const int64_t **v,
			 int *count);
sb_status onnx_attr_floats(const onnx_node *n, const Onnx__AttributeProto *a, const float **v,
			   int *count);
/* A TENSOR attribute as a tensor that the module holds (released with it). */
sb_status onnx_attr_tensor(const onnx_node *n, const Onnx__AttributeProto *a, sb_tensor **v);
/* The declared AttributeType (inferred from the value when unset). */
int onnx_attr_type(const Onnx__AttributeProto *a);
/* Interned in the module. */
sb_status onnx_attr_string(const onnx_node *n, const Onnx__AttributeProto *a, const char **v);
/* Fills every not yet consumed attribute that names a (non-internal) field
 * of the op's attribute struct; then any attribute left over is an error. */
sb_status onnx_node_parse_attrs(onnx_node *n);
sb_status onnx_node_check_leftover(onnx_node *n);

/* ---- Opset normalisation (onnx_opset.c) ---- */

/* Before the generic attribute parse: legacy attributes become inputs,
 * defaults that changed between opsets are set. */
sb_status onnx_opset_normalize(onnx_node *n);
/* After it: attribute values the op cannot take (required ones missing,
 * dtype codes, modes only some opsets had). */
sb_status onnx_opset_validate(onnx_node *n);

/* Helpers the rules share with the importer. */
/* 1-D int64 / float32 constants (error only when memory runs out). */
sb_status onnx_const_ints(onnx_importer *imp, int count, const int64_t *v, relay_expr **out);
sb_status onnx_const_floats(onnx_importer *imp, int count, const float *v, relay_expr **out);
/* Type of an expression if the importer knows it without type inference
 * (parameters, constants, Constant calls, graph value_info), else NULL. */
const relay_type *onnx_known_type(onnx_importer *imp, const relay_expr *e, const char *name);
/* Value of a constant expression (a constant or a Constant call), else NULL. */
sb_tensor *onnx_known_value(const relay_expr *e);
/* Sets input `i`, which must be absent (a legacy attribute and the input
 * that replaced it cannot both be given). */
sb_status onnx_node_set_input(onnx_node *n, int i, relay_expr *e, const char *attr);
/* Name of input i of the node ("" when absent or out of range). */
const char *onnx_node_input_name(const onnx_node *n, int i);

#endif
