/* Packed functions: values, refcounted objects, name -> function registries,
 * and the runtime table a model .so calls through. */
#include <pthread.h>
#include <stdlib.h>

#include "runtime.h"

const char *sb_value_kind_name(int kind)
{
	switch (kind) {
	case SB_VAL_NONE: return "none";
	case SB_VAL_INT: return "int";
	case SB_VAL_FLOAT: return "float";
	case SB_VAL_TENSOR: return "tensor";
	case SB_VAL_SHAPE: return "shape";
	case SB_VAL_STRING: return "string";
	case SB_VAL_OBJECT: return "object";
	}
	return "invalid value";
}

sb_object *sb_object_retain(sb_object *o)
{
	if (o)
		__atomic_add_fetch(&o->refcount, 1, __ATOMIC_RELAXED);
	return o;
}

void sb_object_release(sb_object *o)
{
	if (o && __atomic_sub_fetch(&o->refcount, 1, __ATOMIC_ACQ_REL) == 0)
		o->destroy(o);
}

sb_value sb_value_retain(sb_value v)
{
	switch (v.kind) {
	case SB_VAL_TENSOR: sb_tensor_retain(v.u.tensor); break;
	case SB_VAL_SHAPE: sb_object_retain(&v.u.shape->obj); break;
	case SB_VAL_OBJECT: sb_object_retain(v.u.obj); break;
	default: break;
	}
	return v;
}

void sb_value_release(sb_value *v)
{
	switch (v->kind) {
	case SB_VAL_TENSOR: sb_tensor_release(v->u.tensor); break;
	case SB_VAL_SHAPE: sb_object_release(&v->u.shape->obj); break;
	case SB_VAL_OBJECT: sb_object_release(v->u.obj); break;
	default: break;
	}
	v->kind = SB_VAL_NONE;
	v->u.i = 0;
}

static void shape_destroy(sb_object *o) { free(o); }

sb_shape *sb_shape_new(int rank, const int64_t *dims)
{
	if (rank < 0 || rank > SB_MAX_RANK) {
		sb_set_error(SB_ERR_UNSUPPORTED, "shape rank %d is outside 0..%d", rank, SB_MAX_RANK);
		return NULL;
	}
	sb_shape *s = malloc(sizeof *s + sizeof(int64_t) * (size_t)rank);
	if (!s) {
		sb_set_error(SB_ERR_NOMEM, "out of memory");
		return NULL;
	}
	s->obj = (sb_object){.refcount = 1, .type = SB_OBJ_SHAPE, .destroy = shape_destroy};
	s->rank = rank;
	if (rank)
		memcpy(s->dims, dims, sizeof(int64_t) * (size_t)rank);
	return s;
}

static void tuple_destroy(sb_object *o)
{
	sb_tuple *t = (sb_tuple *)o;
	for (int i = 0; i < t->size; i++)
		sb_value_release(&t->fields[i]);
	free(t);
}

sb_tuple *sb_tuple_new(const sb_value *fields, int size)
{
	if (size < 0 || size > SB_VM_MAX_ARGS) {
		sb_set_error(SB_ERR_INVALID, "tuple size %d is outside 0..%d", size, SB_VM_MAX_ARGS);
		return NULL;
	}
	sb_tuple *t = malloc(sizeof *t + sizeof(sb_value) * (size_t)size);
	if (!t) {
		sb_set_error(SB_ERR_NOMEM, "out of memory");
		return NULL;
	}
	t->obj = (sb_object){.refcount = 1, .type = SB_OBJ_TUPLE, .destroy = tuple_destroy};
	t->size = size;
	for (int i = 0; i < size; i++)
		t->fields[i] = sb_value_retain(fields[i]);
	return t;
}

/* ---- Registries ---- */

/* Open addressing over entry indices; names are owned copies. */
typedef struct func_entry {
	char *name;
	sb_packed_fn fn;
	uint64_t hash;
} func_entry;

struct sb_func_registry {
	pthread_rwlock_t lock;
	func_entry *entries;
	size_t len, cap;
	int32_t *slots; /* -1 empty, else index into entries */
	size_t nslots;  /* power of two, > 2 * len */
};

sb_func_registry *sb_func_registry_new(void)
{
	sb_func_registry *r = sb_xcalloc(1, sizeof *r);
	pthread_rwlock_init(&r->lock, NULL);
	return r;
}

void sb_func_registry_free(sb_func_registry *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->len; i++)
		free(r->entries[i].name);
	free(r->entries);
	free(r->slots);
	pthread_rwlock_destroy(&r->lock);
	free(r);
}

static uint64_t name_hash(const char *name) { return sb_hash_bytes(name, strlen(name), 0); }

/* Slot holding `name`, or the empty slot where it would go. */
static size_t registry_probe(const sb_func_registry *r, const char *name, uint64_t h)
{
	size_t mask = r->nslots - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		int32_t e = r->slots[i];
		if (e < 0 || (r->entries[e].hash == h && !strcmp(r->entries[e].name, name)))
			return i;
	}
}

static void registry_grow(sb_func_registry *r)
{
	size_t n = r->nslots ? r->nslots * 2 : 64;
	free(r->slots);
	r->slots = sb_xmalloc(n * sizeof *r->slots);
	r->nslots = n;
	for (size_t i = 0; i < n; i++)
		r->slots[i] = -1;
	for (size_t e = 0; e < r->len; e++)
		r->slots[registry_probe(r, r->entries[e].name, r->entries[e].hash)] = (int32_t)e;
}

sb_status sb_func_registry_add(sb_func_registry *r, const char *name, sb_packed_fn fn,
			       bool override)
{
	if (!name || !*name || !fn)
		return sb_set_error(SB_ERR_INVALID, "packed function needs a name and a function");
	uint64_t h = name_hash(name);
	sb_status st = SB_OK;
	pthread_rwlock_wrlock(&r->lock);
	if (2 * (r->len + 1) >= r->nslots)
		registry_grow(r);
	size_t slot = registry_probe(r, name, h);
	if (r->slots[slot] >= 0) {
		if (override)
			r->entries[r->slots[slot]].fn = fn;
		else
			st = sb_set_error(SB_ERR_INVALID, "packed function '%s' is already registered",
					  name);
	} else {
		if (r->len == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 32;
			r->entries = sb_xrealloc(r->entries, r->cap * sizeof *r->entries);
		}
		r->entries[r->len] = (func_entry){sb_xstrdup(name), fn, h};
		r->slots[slot] = (int32_t)r->len++;
	}
	pthread_rwlock_unlock(&r->lock);
	return st;
}

sb_packed_fn sb_func_registry_lookup(const sb_func_registry *r, const char *name)
{
	sb_func_registry *m = (sb_func_registry *)r; /* the lock is not part of the value */
	sb_packed_fn fn = NULL;
	pthread_rwlock_rdlock(&m->lock);
	if (m->nslots) {
		int32_t e = m->slots[registry_probe(m, name, name_hash(name))];
		if (e >= 0)
			fn = m->entries[e].fn;
	}
	pthread_rwlock_unlock(&m->lock);
	return fn;
}

size_t sb_func_registry_size(const sb_func_registry *r)
{
	sb_func_registry *m = (sb_func_registry *)r;
	pthread_rwlock_rdlock(&m->lock);
	size_t n = m->len;
	pthread_rwlock_unlock(&m->lock);
	return n;
}

static sb_func_registry *global_registry;
static pthread_once_t global_once = PTHREAD_ONCE_INIT;

static void global_registry_init(void)
{
	global_registry = sb_func_registry_new();
	sb_vm_builtins_register(global_registry);
}

sb_func_registry *sb_func_registry_global(void)
{
	pthread_once(&global_once, global_registry_init);
	return global_registry;
}

sb_status sb_func_register(const char *name, sb_packed_fn fn, int override)
{
	return sb_func_registry_add(sb_func_registry_global(), name, fn, override != 0);
}

sb_packed_fn sb_func_lookup(const char *name)
{
	return name ? sb_func_registry_lookup(sb_func_registry_global(), name) : NULL;
}

/* ---- The table modules call the runtime through ---- */

static void *workspace_alloc(size_t size) { return sb_pool_alloc(sb_pool_workspace(), size); }

static const sb_runtime_api runtime_api = {
	.version = SB_RUNTIME_API_VERSION,
	.size = sizeof(sb_runtime_api),
	.set_error = sb_set_error,
	.parallel_for = sb_parallel_for,
	.get_num_threads = sb_get_num_threads,
	.tensor_new = sb_tensor_new,
	.tensor_retain = sb_tensor_retain,
	.tensor_release = sb_tensor_release,
	.func_lookup = sb_func_lookup,
	.workspace_alloc = workspace_alloc,
	.workspace_free = sb_pool_free,
};

const sb_runtime_api *sb_runtime_api_get(void) { return &runtime_api; }
