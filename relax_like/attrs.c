/* Attribute structs: descriptors expanded from attrs.def, and the generic
 * default/copy/equal/hash/print that the builder, printer and passes use
 * through them. */
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include "relax.h"

#define ATTR_BEGIN(s) static const relax_attr_field s##_fields[] = {
#define ATTR_INT(s, f, d) {#f, RELAX_ATTR_INT, offsetof(relax_attrs_##s, f), d, 0, NULL},
#define ATTR_FLOAT(s, f, d) {#f, RELAX_ATTR_FLOAT, offsetof(relax_attrs_##s, f), 0, d, NULL},
#define ATTR_INTS(s, f) {#f, RELAX_ATTR_INTS, offsetof(relax_attrs_##s, f), 0, 0, NULL},
#define ATTR_FLOATS(s, f) {#f, RELAX_ATTR_FLOATS, offsetof(relax_attrs_##s, f), 0, 0, NULL},
#define ATTR_STRING(s, f, d) {#f, RELAX_ATTR_STRING, offsetof(relax_attrs_##s, f), 0, 0, d},
#define ATTR_DTYPE(s, f, d) {#f, RELAX_ATTR_DTYPE, offsetof(relax_attrs_##s, f), d, 0, NULL},
#define ATTR_END(s)                                                                                \
	{                                                                                          \
		NULL, 0, 0, 0, 0, NULL                                                             \
	}                                                                                          \
	}                                                                                          \
	;
#include "attrs.def"
#undef ATTR_BEGIN
#undef ATTR_END
#undef ATTR_INT
#undef ATTR_FLOAT
#undef ATTR_INTS
#undef ATTR_FLOATS
#undef ATTR_STRING
#undef ATTR_DTYPE

#define ATTR_BEGIN(s)                                                                              \
	[RELAX_ATTRS_##s] = {#s, sizeof(relax_attrs_##s), SB_ARRAY_LEN(s##_fields) - 1, s##_fields},
#define ATTR_END(s)
#define ATTR_INT(s, f, d)
#define ATTR_FLOAT(s, f, d)
#define ATTR_INTS(s, f)
#define ATTR_FLOATS(s, f)
#define ATTR_STRING(s, f, d)
#define ATTR_DTYPE(s, f, d)
const relax_attrs_info relax_attrs_table[RELAX_ATTRS_COUNT] = {
#include "attrs.def"
};
#undef ATTR_BEGIN
#undef ATTR_END
#undef ATTR_INT
#undef ATTR_FLOAT
#undef ATTR_INTS
#undef ATTR_FLOATS
#undef ATTR_STRING
#undef ATTR_DTYPE

#define FIELD(attrs, fd, T) ((T *)((char *)(attrs) + (fd)->offset))
#define CFIELD(attrs, fd, T) ((const T *)((const char *)(attrs) + (fd)->offset))

void *relax_attrs_new(relax_module *m, relax_attrs_id id)
{
	const relax_attrs_info *info = &relax_attrs_table[id];
	void *a = sb_arena_alloc(relax_arena(m), info->size);
	for (int i = 0; i < info->nfields; i++) {
		const relax_attr_field *fd = &info->fields[i];
		switch (fd->kind) {
		case RELAX_ATTR_INT:
			*FIELD(a, fd, int64_t) = fd->def_int;
			break;
		case RELAX_ATTR_FLOAT:
			*FIELD(a, fd, float) = fd->def_float;
			break;
		case RELAX_ATTR_STRING:
			*FIELD(a, fd, const char *) = relax_intern(m, fd->def_string);
			break;
		case RELAX_ATTR_DTYPE:
			*FIELD(a, fd, sb_dtype) = (sb_dtype)fd->def_int;
			break;
		default:
			break; /* zeroed: absent */
		}
	}
	return a;
}

void *relax_attrs_copy(relax_module *m, relax_attrs_id id, const void *attrs)
{
	/* Arrays are immutable once built: sharing them is safe. */
	return sb_arena_memdup(relax_arena(m), attrs, relax_attrs_table[id].size);
}

relax_ints relax_ints_make(relax_module *m, int n, const int64_t *v)
{
	relax_ints r = {SB_ARENA_ARRAY(relax_arena(m), int64_t, n > 0 ? n : 1), n, true};
	if (n > 0)
		memcpy(r.v, v, sizeof(int64_t) * (size_t)n);
	return r;
}

relax_floats relax_floats_make(relax_module *m, int n, const float *v)
{
	relax_floats r = {SB_ARENA_ARRAY(relax_arena(m), float, n > 0 ? n : 1), n, true};
	if (n > 0)
		memcpy(r.v, v, sizeof(float) * (size_t)n);
	return r;
}

static bool field_equal(const relax_attr_field *fd, const void *a, const void *b)
{
	switch (fd->kind) {
	case RELAX_ATTR_INT:
		return *CFIELD(a, fd, int64_t) == *CFIELD(b, fd, int64_t);
	case RELAX_ATTR_FLOAT:
		return !memcmp(CFIELD(a, fd, float), CFIELD(b, fd, float), 4);
	case RELAX_ATTR_STRING: /* interned */
		return *CFIELD(a, fd, const char *) == *CFIELD(b, fd, const char *);
	case RELAX_ATTR_DTYPE:
		return *CFIELD(a, fd, sb_dtype) == *CFIELD(b, fd, sb_dtype);
	case RELAX_ATTR_INTS: {
		const relax_ints *x = CFIELD(a, fd, relax_ints), *y = CFIELD(b, fd, relax_ints);
		return x->set == y->set && x->n == y->n &&
		       (!x->n || !memcmp(x->v, y->v, sizeof(int64_t) * (size_t)x->n));
	}
	case RELAX_ATTR_FLOATS: {
		const relax_floats *x = CFIELD(a, fd, relax_floats),
				   *y = CFIELD(b, fd, relax_floats);
		return x->set == y->set && x->n == y->n &&
		       (!x->n || !memcmp(x->v, y->v, sizeof(float) * (size_t)x->n));
	}
	}
	return false;
}

bool relax_attrs_equal(relax_attrs_id id, const void *a, const void *b)
{
	const relax_attrs_info *info = &relax_attrs_table[id];
	for (int i = 0; i < info->nfields; i++)
		if (!field_equal(&info->fields[i], a, b))
			return false;
	return true;
}

uint64_t relax_attrs_hash(relax_attrs_id id, const void *attrs)
{
	const relax_attrs_info *info = &relax_attrs_table[id];
	uint64_t h = sb_hash_u64((uint64_t)id + 1);
	for (int i = 0; i < info->nfields; i++) {
		const relax_attr_field *fd = &info->fields[i];
		switch (fd->kind) {
		case RELAX_ATTR_INT:
			h = sb_hash_combine(h, (uint64_t)*CFIELD(attrs, fd, int64_t));
			break;
		case RELAX_ATTR_DTYPE:
			h = sb_hash_combine(h, (uint64_t)*CFIELD(attrs, fd, sb_dtype));
			break;
		case RELAX_ATTR_FLOAT: {
			uint32_t bits;
			memcpy(&bits, CFIELD(attrs, fd, float), 4);
			h = sb_hash_combine(h, bits);
			break;
		}
		case RELAX_ATTR_STRING:
			h = sb_hash_combine(h,
					    (uint64_t)(uintptr_t)*CFIELD(attrs, fd, const char *));
			break;
		case RELAX_ATTR_INTS: {
			const relax_ints *x = CFIELD(attrs, fd, relax_ints);
			h = sb_hash_combine(
			    h, sb_hash_bytes(x->v, sizeof(int64_t) * (size_t)x->n, x->set));
			break;
		}
		case RELAX_ATTR_FLOATS: {
			const relax_floats *x = CFIELD(attrs, fd, relax_floats);
			h = sb_hash_combine(
			    h, sb_hash_bytes(x->v, sizeof(float) * (size_t)x->n, x->set));
			break;
		}
		}
	}
	return h;
}

static bool field_is_default(const relax_attr_field *fd, const void *a)
{
	switch (fd->kind) {
	case RELAX_ATTR_INT:
		return *CFIELD(a, fd, int64_t) == fd->def_int;
	case RELAX_ATTR_DTYPE:
		return *CFIELD(a, fd, sb_dtype) == (sb_dtype)fd->def_int;
	case RELAX_ATTR_FLOAT:
		return *CFIELD(a, fd, float) == fd->def_float;
	case RELAX_ATTR_STRING: {
		const char *s = *CFIELD(a, fd, const char *);
		return s == fd->def_string || (s && fd->def_string && !strcmp(s, fd->def_string));
	}
	case RELAX_ATTR_INTS:
		return !CFIELD(a, fd, relax_ints)->set;
	case RELAX_ATTR_FLOATS:
		return !CFIELD(a, fd, relax_floats)->set;
	}
	return true;
}

void relax_attrs_print(sb_strbuf *b, relax_attrs_id id, const void *attrs)
{
	const relax_attrs_info *info = &relax_attrs_table[id];
	bool first = true;
	for (int i = 0; i < info->nfields; i++) {
		const relax_attr_field *fd = &info->fields[i];
		if (field_is_default(fd, attrs))
			continue;
		sb_strbuf_printf(b, "%s%s=", first ? "" : ", ", fd->name);
		first = false;
		switch (fd->kind) {
		case RELAX_ATTR_INT:
			sb_strbuf_printf(b, "%" PRId64, *CFIELD(attrs, fd, int64_t));
			break;
		case RELAX_ATTR_DTYPE: {
			sb_dtype dt = *CFIELD(attrs, fd, sb_dtype);
			sb_strbuf_puts(b, dt == SB_DT_INVALID ? "?" : sb_dtype_name(dt));
			break;
		}
		case RELAX_ATTR_FLOAT:
			sb_strbuf_printf(b, "%.9g", *CFIELD(attrs, fd, float));
			break;
		case RELAX_ATTR_STRING:
			sb_strbuf_printf(b, "\"%s\"", *CFIELD(attrs, fd, const char *));
			break;
		case RELAX_ATTR_INTS: {
			const relax_ints *x = CFIELD(attrs, fd, relax_ints);
			sb_strbuf_putc(b, '[');
			for (int k = 0; k < x->n; k++)
				sb_strbuf_printf(b, "%s%" PRId64, k ? ", " : "", x->v[k]);
			sb_strbuf_putc(b, ']');
			break;
		}
		case RELAX_ATTR_FLOATS: {
			const relax_floats *x = CFIELD(attrs, fd, relax_floats);
			sb_strbuf_putc(b, '[');
			for (int k = 0; k < x->n; k++)
				sb_strbuf_printf(b, "%s%.9g", k ? ", " : "", x->v[k]);
			sb_strbuf_putc(b, ']');
			break;
		}
		}
	}
}
