/* Test helper: builds ONNX ModelProtos by hand with the protobuf-c structs
 * (everything in one arena, freed with ob_free), serializes them and runs
 * the importer on the bytes.
 *
 *   onnx_builder b;
 *   ob_init(&b, 13);
 *   ob_input(&b, "X", 1, "N,3,H,W");        // dims: number, dim_param, or ?
 *   Onnx__NodeProto *n = ob_node(&b, "Relu", "relu1", "X", "Y");
 *   ob_output(&b, "Y", 1, NULL);            // NULL: no shape
 *   relay_module *m; sb_status s = ob_import(&b, &m);
 */
#ifndef TESTS_ONNX_BUILD_H
#define TESTS_ONNX_BUILD_H

#include <stdlib.h>
#include <string.h>

#include "import/onnx/onnx_import.h"
#include "onnx/onnx.pb-c.h"

typedef struct onnx_builder {
	sb_arena arena;
	Onnx__ModelProto model;
	Onnx__GraphProto graph;
} onnx_builder;

/* Appends `x` to a protobuf-c repeated field (a fresh arena copy each time:
 * test models are small). */
#define OB_PUSH(b, arr, n, x)                                                                      \
	do {                                                                                       \
		void **na_ = sb_arena_alloc(&(b)->arena, sizeof(void *) * ((n) + 1));              \
		if (n)                                                                             \
			memcpy(na_, (arr), sizeof(void *) * (n));                                  \
		na_[(n)] = (void *)(x);                                                            \
		memcpy(&(arr), &na_, sizeof(void *));                                              \
		(n)++;                                                                             \
	} while (0)

static inline char *ob_str(onnx_builder *b, const char *s)
{
	return s ? sb_arena_strdup(&b->arena, s) : NULL;
}

static inline void *ob_dup(onnx_builder *b, const void *p, size_t size)
{
	return size ? sb_arena_memdup(&b->arena, p, size) : NULL;
}

static inline Onnx__OperatorSetIdProto *ob_opset(onnx_builder *b, const char *domain, int64_t v)
{
	Onnx__OperatorSetIdProto *o = SB_ARENA_NEW(&b->arena, Onnx__OperatorSetIdProto);
	onnx__operator_set_id_proto__init(o);
	o->domain = ob_str(b, domain);
	o->has_version = 1;
	o->version = v;
	OB_PUSH(b, b->model.opset_import, b->model.n_opset_import, o);
	return o;
}

/* opset <= 0: no ai.onnx opset_import at all. */
static inline void ob_init(onnx_builder *b, int64_t opset)
{
	memset(b, 0, sizeof *b);
	sb_arena_init(&b->arena);
	onnx__model_proto__init(&b->model);
	onnx__graph_proto__init(&b->graph);
	b->model.has_ir_version = 1;
	b->model.ir_version = 8;
	b->model.producer_name = "shapebridge-tests";
	b->model.graph = &b->graph;
	b->graph.name = "g";
	if (opset > 0)
		ob_opset(b, "", opset);
}

static inline void ob_free(onnx_builder *b)
{
	sb_arena_free(&b->arena);
}

/* Splits "a,b,,c" into strings ("" entries kept); returns the count. */
static inline size_t ob_split(onnx_builder *b, const char *list, char ***out)
{
	*out = NULL;
	if (!list)
		return 0;
	size_t n = 1;
	for (const char *p = list; *p; p++)
		n += *p == ',';
	char **v = SB_ARENA_ARRAY(&b->arena, char *, n);
	const char *p = list;
	for (size_t i = 0; i < n; i++) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		v[i] = sb_arena_strndup(&b->arena, p, len);
		p += len + 1;
	}
	*out = v;
	return n;
}

/* shape: "1,N,?" -> dim_value 1, dim_param N, neither; "" -> rank 0; NULL
 * -> no shape. */
static inline Onnx__ValueInfoProto *ob_value(onnx_builder *b, const char *name, int elem,
					     const char *shape)
{
	Onnx__ValueInfoProto *vi = SB_ARENA_NEW(&b->arena, Onnx__ValueInfoProto);
	onnx__value_info_proto__init(vi);
	vi->name = ob_str(b, name);
	Onnx__TypeProto *tp = SB_ARENA_NEW(&b->arena, Onnx__TypeProto);
	onnx__type_proto__init(tp);
	Onnx__TypeProto__Tensor *tt = SB_ARENA_NEW(&b->arena, Onnx__TypeProto__Tensor);
	onnx__type_proto__tensor__init(tt);
	tt->has_elem_type = 1;
	tt->elem_type = elem;
	tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	tp->tensor_type = tt;
	vi->type = tp;
	if (shape) {
		Onnx__TensorShapeProto *sp = SB_ARENA_NEW(&b->arena, Onnx__TensorShapeProto);
		onnx__tensor_shape_proto__init(sp);
		char **dims;
		size_t n = *shape ? ob_split(b, shape, &dims) : 0;
		for (size_t i = 0; i < n; i++) {
			Onnx__TensorShapeProto__Dimension *d =
			    SB_ARENA_NEW(&b->arena, Onnx__TensorShapeProto__Dimension);
			onnx__tensor_shape_proto__dimension__init(d);
			if ((dims[i][0] >= '0' && dims[i][0] <= '9') || dims[i][0] == '-') {
				d->value_case =
				    ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
				d->dim_value = strtoll(dims[i], NULL, 10);
			} else if (strcmp(dims[i], "?")) {
				d->value_case =
				    ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
				d->dim_param = dims[i];
			}
			OB_PUSH(b, sp->dim, sp->n_dim, d);
		}
		tt->shape = sp;
	}
	return vi;
}

static inline Onnx__ValueInfoProto *ob_input(onnx_builder *b, const char *name, int elem,
					     const char *shape)
{
	Onnx__ValueInfoProto *vi = ob_value(b, name, elem, shape);
	OB_PUSH(b, b->graph.input, b->graph.n_input, vi);
	return vi;
}

static inline Onnx__ValueInfoProto *ob_output(onnx_builder *b, const char *name, int elem,
					      const char *shape)
{
	Onnx__ValueInfoProto *vi = ob_value(b, name, elem, shape);
	OB_PUSH(b, b->graph.output, b->graph.n_output, vi);
	return vi;
}

static inline Onnx__ValueInfoProto *ob_value_info(onnx_builder *b, const char *name, int elem,
						  const char *shape)
{
	Onnx__ValueInfoProto *vi = ob_value(b, name, elem, shape);
	OB_PUSH(b, b->graph.value_info, b->graph.n_value_info, vi);
	return vi;
}

/* inputs/outputs: comma-separated names ("" entries are absent ones). */
static inline Onnx__NodeProto *ob_node(onnx_builder *b, const char *op, const char *name,
				       const char *inputs, const char *outputs)
{
	Onnx__NodeProto *n = SB_ARENA_NEW(&b->arena, Onnx__NodeProto);
	onnx__node_proto__init(n);
	n->op_type = ob_str(b, op);
	n->name = ob_str(b, name);
	n->n_input = ob_split(b, inputs, &n->input);
	n->n_output = ob_split(b, outputs, &n->output);
	OB_PUSH(b, b->graph.node, b->graph.n_node, n);
	return n;
}

static inline Onnx__AttributeProto *ob_attr(onnx_builder *b, Onnx__NodeProto *n, const char *name,
					    Onnx__AttributeProto__AttributeType type)
{
	Onnx__AttributeProto *a = SB_ARENA_NEW(&b->arena, Onnx__AttributeProto);
	onnx__attribute_proto__init(a);
	a->name = ob_str(b, name);
	a->has_type = 1;
	a->type = type;
	OB_PUSH(b, n->attribute, n->n_attribute, a);
	return a;
}

static inline void ob_attr_int(onnx_builder *b, Onnx__NodeProto *n, const char *name, int64_t v)
{
	Onnx__AttributeProto *a = ob_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
	a->has_i = 1;
	a->i = v;
}

static inline void ob_attr_float(onnx_builder *b, Onnx__NodeProto *n, const char *name, float v)
{
	Onnx__AttributeProto *a = ob_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
	a->has_f = 1;
	a->f = v;
}

static inline void ob_attr_ints(onnx_builder *b, Onnx__NodeProto *n, const char *name, int count,
				const int64_t *v)
{
	Onnx__AttributeProto *a = ob_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
	a->n_ints = (size_t)count;
	a->ints = ob_dup(b, v, sizeof(int64_t) * (size_t)count);
}

static inline void ob_attr_floats(onnx_builder *b, Onnx__NodeProto *n, const char *name, int count,
				  const float *v)
{
	Onnx__AttributeProto *a =
	    ob_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS);
	a->n_floats = (size_t)count;
	a->floats = ob_dup(b, v, sizeof(float) * (size_t)count);
}

static inline void ob_attr_string(onnx_builder *b, Onnx__NodeProto *n, const char *name,
				  const char *v)
{
	Onnx__AttributeProto *a =
	    ob_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
	a->has_s = 1;
	a->s.len = strlen(v);
	a->s.data = (uint8_t *)ob_str(b, v);
}

static inline void ob_attr_tensor(onnx_builder *b, Onnx__NodeProto *n, const char *name,
				  Onnx__TensorProto *t)
{
	Onnx__AttributeProto *a =
	    ob_attr(b, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
	a->t = t;
}

/* A TensorProto with dims from "2,3" ("" = scalar) and no data yet. */
static inline Onnx__TensorProto *ob_tensor(onnx_builder *b, const char *name, int elem,
					   const char *dims)
{
	Onnx__TensorProto *t = SB_ARENA_NEW(&b->arena, Onnx__TensorProto);
	onnx__tensor_proto__init(t);
	t->name = ob_str(b, name);
	t->has_data_type = 1;
	t->data_type = elem;
	char **d;
	size_t n = *dims ? ob_split(b, dims, &d) : 0;
	t->n_dims = n;
	t->dims = SB_ARENA_ARRAY(&b->arena, int64_t, n ? n : 1);
	for (size_t i = 0; i < n; i++)
		t->dims[i] = strtoll(d[i], NULL, 10);
	return t;
}

static inline Onnx__TensorProto *ob_tensor_f32(onnx_builder *b, const char *name, const char *dims,
					       int count, const float *v)
{
	Onnx__TensorProto *t = ob_tensor(b, name, ONNX__TENSOR_PROTO__DATA_TYPE__FLOAT, dims);
	t->n_float_data = (size_t)count;
	t->float_data = ob_dup(b, v, sizeof(float) * (size_t)count);
	return t;
}

static inline Onnx__TensorProto *ob_tensor_i64(onnx_builder *b, const char *name, const char *dims,
					       int count, const int64_t *v)
{
	Onnx__TensorProto *t = ob_tensor(b, name, ONNX__TENSOR_PROTO__DATA_TYPE__INT64, dims);
	t->n_int64_data = (size_t)count;
	t->int64_data = ob_dup(b, v, sizeof(int64_t) * (size_t)count);
	return t;
}

static inline Onnx__TensorProto *ob_tensor_raw(onnx_builder *b, const char *name, int elem,
					       const char *dims, size_t len, const void *data)
{
	Onnx__TensorProto *t = ob_tensor(b, name, elem, dims);
	t->has_raw_data = 1;
	t->raw_data.len = len;
	t->raw_data.data = ob_dup(b, data, len);
	return t;
}

static inline void ob_initializer(onnx_builder *b, Onnx__TensorProto *t)
{
	OB_PUSH(b, b->graph.initializer, b->graph.n_initializer, t);
}

/* Serialized model (malloc'ed). */
static inline uint8_t *ob_pack(onnx_builder *b, size_t *size)
{
	*size = onnx__model_proto__get_packed_size(&b->model);
	uint8_t *buf = malloc(*size ? *size : 1);
	onnx__model_proto__pack(&b->model, buf);
	return buf;
}

static inline sb_status ob_import(onnx_builder *b, relay_module **out)
{
	size_t size;
	uint8_t *buf = ob_pack(b, &size);
	sb_status s = sb_onnx_import_bytes(buf, size, "test.onnx", out);
	free(buf);
	return s;
}

/* ---- Inspecting the result ---- */

static inline relay_expr *ob_result(relay_module *m, int i)
{
	return m->main->results[i];
}

/* The call behind a result (looking through tuple_get). */
static inline relay_expr *ob_call(relay_expr *e)
{
	return e && e->kind == RELAY_TUPLE_GET ? e->u.get.tuple : e;
}

static inline int64_t ob_const_i64(relay_expr *e, int64_t i)
{
	return sb_tensor_get_i64(e->u.constant.value, i);
}

static inline double ob_const_f64(relay_expr *e, int64_t i)
{
	return sb_tensor_get_f64(e->u.constant.value, i);
}

#endif
