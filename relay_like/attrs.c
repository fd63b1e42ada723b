/* Attribute structs: descriptors expanded from attrs.def, and the generic
 * default/copy/equal/hash/print that every pass uses through them. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include "relay.h"

#define ATTR_BEGIN(s) static const relay_attr_field s##_fields[] = {
#define ATTR_INT(s, f, d) {#f, RELAY_ATTR_INT, offsetof(relay_attrs_##s, f), false, d, 0, NULL},
#define ATTR_INTERNAL_INT(s, f, d) {#f, RELAY_ATTR_INT, offsetof(relay_attrs_##s, f), true, d, 0, NULL},
#define ATTR_FLOAT(s, f, d) {#f, RELAY_ATTR_FLOAT, offsetof(relay_attrs_##s, f), false, 0, d, NULL},
#define ATTR_INTS(s, f) {#f, RELAY_ATTR_INTS, offsetof(relay_attrs_##s, f), false, 0, 0, NULL},
#define ATTR_FLOATS(s, f) {#f, RELAY_ATTR_FLOATS, offsetof(relay_attrs_##s, f), false, 0, 0, NULL},
#define ATTR_STRING(s, f, d) {#f, RELAY_ATTR_STRING, offsetof(relay_attrs_##s, f), false, 0, 0, d},
#define ATTR_TENSOR(s, f) {#f, RELAY_ATTR_TENSOR, offsetof(relay_attrs_##s, f), false, 0, 0, NULL},
#define ATTR_END(s) {NULL, 0, 0, false, 0, 0, NULL}};
#include "attrs.def"
#undef ATTR_BEGIN
#undef ATTR_END

#define ATTR_BEGIN(s) [RELAY_ATTRS_##s] = {#s, sizeof(relay_attrs_##s), SB_ARRAY_LEN(s##_fields) - 1, s##_fields},
#define ATTR_END(s)
#undef ATTR_INT
#undef ATTR_INTERNAL_INT
#undef ATTR_FLOAT
#undef ATTR_INTS
#undef ATTR_FLOATS
#undef ATTR_STRING
#undef ATTR_TENSOR
#define ATTR_INT(s, f, d)
#define ATTR_INTERNAL_INT(s, f, d)
#define ATTR_FLOAT(s, f, d)
#define ATTR_INTS(s, f)
#define ATTR_FLOATS(s, f)
#define ATTR_STRING(s, f, d)
#define ATTR_TENSOR(s, f)
const relay_attrs_info relay_attrs_table[RELAY_ATTRS_COUNT] = {
#include "attrs.def"
};

#define FIELD(attrs, fd, T) ((T *)((char *)(attrs) + (fd)->offset))
#define CFIELD(attrs, fd, T) ((const T *)((const char *)(attrs) + (fd)->offset))

void *relay_attrs_new(relay_module *m, relay_attrs_id id)
{
	const relay_attrs_info *info = &relay_attrs_table[id];
	void *a = sb_arena_alloc(&m->arena, info->size);
	for (int i = 0; i < info->nfields; i++) {
		const relay_attr_field *fd = &info->fields[i];
		switch (fd->kind) {
		case RELAY_ATTR_INT: *FIELD(a, fd, int64_t) = fd->def_int; break;
		case RELAY_ATTR_FLOAT: *FIELD(a, fd, float) = fd->def_float; break;
		case RELAY_ATTR_STRING:
			*FIELD(a, fd, const char *) = relay_intern(m, fd->def_string);
			break;
		default: break; /* zeroed: absent */
		}
	}
	return a;
}

void *relay_attrs_copy(relay_module *m, relay_attrs_id id, const void *attrs)
{
	const relay_attrs_info *info = &relay_attrs_table[id];
	void *a = sb_arena_memdup(&m->arena, attrs, info->size);
	/* Arrays are immutable once built, so sharing them is safe; tensors
	 * are shared too, the module keeps them alive. */
	return a;
}

const relay_attr_field *relay_attrs_field(relay_attrs_id id, const char *name)
{
	const relay_attrs_info *info = &relay_attrs_table[id];
	for (int i = 0; i < info->nfields; i++)
		if (!strcmp(info->fields[i].name, name))
			return &info->fields[i];
	return NULL;
}

bool relay_attrs_equal(relay_attrs_id id, const void *a, const void *b)
{
	const relay_attrs_info *info = &relay_attrs_table[id];
	for (int i = 0; i < info->nfields; i++) {
		const relay_attr_field *fd = &info->fields[i];
		switch (fd->kind) {
		case RELAY_ATTR_INT:
			if (*CFIELD(a, fd, int64_t) != *CFIELD(b, fd, int64_t))
				return false;
			break;
		case RELAY_ATTR_FLOAT:
			if (memcmp(CFIELD(a, fd, float), CFIELD(b, fd, float), sizeof(float)))
				return false;
			break;
		case RELAY_ATTR_STRING: /* interned */
			if (*CFIELD(a, fd, const char *) != *CFIELD(b, fd, const char *))
				return false;
			break;
		case RELAY_ATTR_INTS: {
			const relay_ints *x = CFIELD(a, fd, relay_ints), *y = CFIELD(b, fd, relay_ints);
			if (x->set != y->set || x->n != y->n ||
			    (x->n && memcmp(x->v, y->v, sizeof(int64_t) * (size_t)x->n)))
				return false;
			break;
		}
		case RELAY_ATTR_FLOATS: {
			const relay_floats *x = CFIELD(a, fd, relay_floats), *y = CFIELD(b, fd, relay_floats);
			if (x->set != y->set || x->n != y->n ||
			    (x->n && memcmp(x->v, y->v, sizeof(float) * (size_t)x->n)))
				return false;
			break;
		}
		case RELAY_ATTR_TENSOR: {
			const sb_tensor *x = *CFIELD(a, fd, sb_tensor *), *y = *CFIELD(b, fd, sb_tensor *);
			if (x != y && (!x || !y || !sb_tensor_equal(x, y)))
				return false;
			break;
		}
		}
	}
	return true;
}

uint64_t relay_attrs_hash(relay_attrs_id id, const void *attrs)
{
	const relay_attrs_info *info = &relay_attrs_table[id];
	uint64_t h = sb_hash_u64((uint64_t)id + 1);
	for (int i = 0; i < info->nfields; i++) {
		const relay_attr_field *fd = &info->fields[i];
		switch (fd->kind) {
		case RELAY_ATTR_INT: h = sb_hash_combine(h, (uint64_t)*CFIELD(attrs, fd, int64_t)); break;
		case RELAY_ATTR_FLOAT: {
			uint32_t bits;
			memcpy(&bits, CFIELD(attrs, fd, float), 4);
			h = sb_hash_combine(h, bits);
			break;
		}
		case RELAY_ATTR_STRING:
			h = sb_hash_combine(h, (uint64_t)(uintptr_t)*CFIELD(attrs, fd, const char *));
			break;
		case RELAY_ATTR_INTS: {
			const relay_ints *x = CFIELD(attrs, fd, relay_ints);
			h = sb_hash_combine(h, sb_hash_bytes(x->v, sizeof(int64_t) * (size_t)x->n, x->set));
			break;
		}
		case RELAY_ATTR_FLOATS: {
			const relay_floats *x = CFIELD(attrs, fd, relay_floats);
			h = sb_hash_combine(h, sb_hash_bytes(x->v, sizeof(float) * (size_t)x->n, x->set));
			break;
		}
		case RELAY_ATTR_TENSOR: {
			const sb_tensor *t = *CFIELD(attrs, fd, sb_tensor *);
			h = sb_hash_combine(h, t ? sb_tensor_hash(t) : 0);
			break;
		}
		}
	}
	return h;
}

/* Prints the fields that differ from their defaults: "axis=1, pads=[1,1,1,1]". */
void relay_attrs_print(sb_strbuf *b, relay_attrs_id id, const void *attrs)
{
	const relay_attrs_info *info = &relay_attrs_table[id];
	bool first = true;
	for (int i = 0; i < info->nfields; i++) {
		const relay_attr_field *fd = &info->fields[i];
		const char *sep = first ? "" : ", ";
		switch (fd->kind) {
		case RELAY_ATTR_INT: {
			int64_t v = *CFIELD(attrs, fd, int64_t);
			if (v == fd->def_int)
				continue;
			sb_strbuf_printf(b, "%s%s=%" PRId64, sep, fd->name, v);
			break;
		}
		case RELAY_ATTR_FLOAT: {
			float v = *CFIELD(attrs, fd, float);
			if (v == fd->def_float)
				continue;
			sb_strbuf_printf(b, "%s%s=%.9g", sep, fd->name, (double)v);
			break;
		}
		case RELAY_ATTR_STRING: {
			const char *v = *CFIELD(attrs, fd, const char *);
			if (!v || !strcmp(v, fd->def_string))
				continue;
			sb_strbuf_printf(b, "%s%s=\"%s\"", sep, fd->name, v);
			break;
		}
		case RELAY_ATTR_INTS: {
			const relay_ints *x = CFIELD(attrs, fd, relay_ints);
			if (!x->set)
				continue;
			sb_strbuf_printf(b, "%s%s=[", sep, fd->name);
			for (int k = 0; k < x->n; k++)
				sb_strbuf_printf(b, "%s%" PRId64, k ? "," : "", x->v[k]);
			sb_strbuf_putc(b, ']');
			break;
		}
		case RELAY_ATTR_FLOATS: {
			const relay_floats *x = CFIELD(attrs, fd, relay_floats);
			if (!x->set)
				continue;
			sb_strbuf_printf(b, "%s%s=[", sep, fd->name);
			for (int k = 0; k < x->n; k++)
				sb_strbuf_printf(b, "%s%.9g", k ? "," : "", (double)x->v[k]);
			sb_strbuf_putc(b, ']');
			break;
		}
		case RELAY_ATTR_TENSOR: {
			const sb_tensor *t = *CFIELD(attrs, fd, sb_tensor *);
			if (!t)
				continue;
			char desc[128];
			sb_tensor_describe(t, desc, sizeof desc);
			sb_strbuf_printf(b, "%s%s=%s", sep, fd->name, desc);
			if (sb_tensor_numel(t) == 1)
				sb_strbuf_printf(b, "{%.9g}", sb_tensor_get_f64(t, 0));
			break;
		}
		}
		first = false;
	}
}

relay_ints relay_ints_make(relay_module *m, int n, const int64_t *v)
{
	relay_ints r = {NULL, n, true};
	r.v = sb_arena_memdup(&m->arena, v, sizeof(int64_t) * (size_t)(n ? n : 1));
	return r;
}
