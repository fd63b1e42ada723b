/* Node attributes: typed reads of AttributeProto, and the generic parser
 * that fills a relay_like attribute struct from its field table (attrs.def),
 * so no op has attribute-parsing code of its own.  Opset rules (onnx_opset.c)
 * consume legacy attributes first; whatever neither they nor the table
 * know is reported as unsupported. */
#include <limits.h>

#include "onnx_internal.h"

/* The type an attribute declares.  Models written before IR version 2
 * could leave `type` unset; then the field that holds a value says it. */
int onnx_attr_type(const Onnx__AttributeProto *a)
{
	if (a->has_type && a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED)
		return a->type;
	if (a->has_f)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
	if (a->has_i)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
	if (a->has_s)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
	if (a->t)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
	if (a->g)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
	if (a->n_floats)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
	if (a->n_ints)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
	if (a->n_strings)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS;
	return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED;
}

static sb_status attr_expect(const onnx_node *n, const Onnx__AttributeProto *a, int want)
{
	int got = onnx_attr_type(a);
	if (got == want)
		return SB_OK;
	/* An untyped empty list fits any list kind. */
	if (got == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED &&
	    (want == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS ||
	     want == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS))
		return SB_OK;
	return onnx_node_error(n, SB_ERR_INVALID, "attribute '%s' has type %s, expected %s",
			       a->name, onnx_attr_type_name(got), onnx_attr_type_name(want));
}

const Onnx__AttributeProto *onnx_node_take(onnx_node *n, const char *name)
{
	for (size_t i = 0; i < n->proto->n_attribute; i++) {
		const Onnx__AttributeProto *a = n->proto->attribute[i];
		if (a && a->name && !strcmp(a->name, name)) {
			n->used[i] = true;
			return a;
		}
	}
	return NULL;
}

bool onnx_node_has(const onnx_node *n, const char *name)
{
	for (size_t i = 0; i < n->proto->n_attribute; i++) {
		const Onnx__AttributeProto *a = n->proto->attribute[i];
		if (a && a->name && !strcmp(a->name, name))
			return true;
	}
	return false;
}

sb_status onnx_attr_int(const onnx_node *n, const Onnx__AttributeProto *a, int64_t *v)
{
	sb_status s = attr_expect(n, a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
	if (!s)
		*v = a->i;
	return s;
}

sb_status onnx_attr_float(const onnx_node *n, const Onnx__AttributeProto *a, float *v)
{
	sb_status s = attr_expect(n, a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
	if (!s)
		*v = a->f;
	return s;
}

sb_status onnx_attr_ints(const onnx_node *n, const Onnx__AttributeProto *a, const int64_t **v,
			 int *count)
{
	sb_status s = attr_expect(n, a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
	if (s)
		return s;
	if (a->n_ints > INT_MAX)
		return onnx_node_error(n, SB_ERR_INVALID, "attribute '%s' has too many values",
				       a->name);
	*v = a->ints;
	*count = (int)a->n_ints;
	return SB_OK;
}

sb_status onnx_attr_floats(const onnx_node *n, const Onnx__AttributeProto *a, const float **v,
			   int *count)
{
	sb_status s = attr_expect(n, a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS);
	if (s)
		return s;
	if (a->n_floats > INT_MAX)
		return onnx_node_error(n, SB_ERR_INVALID, "attribute '%s' has too many values",
				       a->name);
	*v = a->floats;
	*count = (int)a->n_floats;
	return SB_OK;
}

sb_status onnx_attr_string(const onnx_node *n, const Onnx__AttributeProto *a, const char **v)
{
	sb_status s = attr_expect(n, a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
	if (s)
		return s;
	size_t len = a->has_s ? a->s.len : 0;
	if (len && memchr(a->s.data, 0, len))
		return onnx_node_error(n, SB_ERR_INVALID, "attribute '%s' holds a NUL byte",
				       a->name);
	*v = sb_intern_n(&n->imp->mod->strings, len ? (const char *)a->s.data : "", len);
	return SB_OK;
}

sb_status onnx_attr_tensor(const onnx_node *n, const Onnx__AttributeProto *a, sb_tensor **v)
{
	sb_status s = attr_expect(n, a, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
	if (s)
		return s;
	sb_tensor *t;
	if ((s = onnx_tensor_from_proto(a->t, &t)))
		/* the message is copied before the slot is rewritten */
		return onnx_node_error(n, s, "attribute '%s': %s", a->name, sb_last_error());
	sb_vec_push(&n->imp->mod->constants, t); /* released with the module */
	*v = t;
	return SB_OK;
}

static sb_status attr_parse_field(onnx_node *n, const Onnx__AttributeProto *a,
				  const relay_attr_field *fd)
{
	void *slot = (char *)n->attrs + fd->offset;
	relay_module *m = n->imp->mod;
	sb_status s = SB_OK;
	switch (fd->kind) {
	case RELAY_ATTR_INT:
		return onnx_attr_int(n, a, (int64_t *)slot);
	case RELAY_ATTR_FLOAT:
		return onnx_attr_float(n, a, (float *)slot);
	case RELAY_ATTR_STRING:
		return onnx_attr_string(n, a, (const char **)slot);
	case RELAY_ATTR_INTS: {
		const int64_t *v;
		int count;
		if (!(s = onnx_attr_ints(n, a, &v, &count)))
			*(relay_ints *)slot = relay_ints_make(m, count, v);
		return s;
	}
	case RELAY_ATTR_FLOATS: {
		const float *v;
		int count;
		if ((s = onnx_attr_floats(n, a, &v, &count)))
			return s;
		relay_floats *f = slot;
		f->v = sb_arena_memdup(&m->arena, count ? v : (const float[]){0},
				       sizeof(float) * (size_t)(count ? count : 1));
		f->n = count;
		f->set = true;
		return SB_OK;
	}
	case RELAY_ATTR_TENSOR:
		return onnx_attr_tensor(n, a, (sb_tensor **)slot);
	}
	SB_UNREACHABLE();
}

sb_status onnx_node_parse_attrs(onnx_node *n)
{
	for (size_t i = 0; i < n->proto->n_attribute; i++) {
		const Onnx__AttributeProto *a = n->proto->attribute[i];
		if (n->used[i])
			continue;
		/* Internal fields carry importer decisions, never model data. */
		const relay_attr_field *fd = relay_attrs_field(n->info->attrs, a->name);
		if (!fd || fd->internal)
			continue;
		n->used[i] = true;
		sb_status s = attr_parse_field(n, a, fd);
		if (s)
			return s;
	}
	return SB_OK;
}

sb_status onnx_node_check_leftover(onnx_node *n)
{
	for (size_t i = 0; i < n->proto->n_attribute; i++) {
		if (n->used[i])
			continue;
		const Onnx__AttributeProto *a = n->proto->attribute[i];
		if (a->ref_attr_name && *a->ref_attr_name)
			return onnx_node_error(n, SB_ERR_UNSUPPORTED,
					       "attribute '%s' refers to a function attribute; "
					       "functions are not supported",
					       a->name);
		return onnx_node_error(n, SB_ERR_UNSUPPORTED, "attribute '%s' is not supported",
				       a->name);
	}
	return SB_OK;
}
