/* shapebridge packed functions: the one calling convention for everything
 * the VM calls -- generated kernels, oneDNN wrappers, VM builtins -- plus
 * the values they exchange and the table through which a compiled model .so
 * reaches the runtime.  Generated code and embedding programs include this. */
#ifndef SHAPEBRIDGE_PACKED_H
#define SHAPEBRIDGE_PACKED_H

#include "shapebridge/shapebridge.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Objects: refcounted heap values (storage, tuples, shapes, opaque) ---- */

typedef enum sb_object_type {
	SB_OBJ_SHAPE = 1, /* sb_shape */
	SB_OBJ_TUPLE,     /* sb_tuple */
	SB_OBJ_STORAGE,   /* a block of VM memory tensors are carved from */
	SB_OBJ_OPAQUE,    /* anything else; `destroy` knows how to free it */
} sb_object_type;

typedef struct sb_object {
	int32_t refcount;
	uint32_t type; /* sb_object_type */
	/* Frees the object when the last reference goes (never NULL). */
	void (*destroy)(struct sb_object *obj);
} sb_object;

/* A shape value: a rank and its dims, immutable once made. */
typedef struct sb_shape {
	sb_object obj;
	int32_t rank;
	int64_t dims[];
} sb_shape;

/* ---- Values ---- */

typedef enum sb_value_kind {
	SB_VAL_NONE = 0,
	SB_VAL_INT,    /* i */
	SB_VAL_FLOAT,  /* f */
	SB_VAL_TENSOR, /* tensor (refcounted) */
	SB_VAL_SHAPE,  /* shape (refcounted) */
	SB_VAL_STRING, /* str: borrowed, lives as long as whoever made the value
			  (the executable's constant pool, static storage) */
	SB_VAL_OBJECT, /* obj (refcounted): tuples, storage, opaque */
} sb_value_kind;

typedef struct sb_value {
	int32_t kind; /* sb_value_kind */
	union {
		int64_t i;
		double f;
		sb_tensor *tensor;
		sb_shape *shape;
		const char *str;
		sb_object *obj;
	} u;
} sb_value;

/* The packed calling convention.  `args` are borrowed (retain what you keep);
 * `*ret` starts as SB_VAL_NONE and, on success, holds a new reference the
 * caller owns.  Non-zero return = error, message set with sb_set_error (the
 * return value should be the sb_status). */
typedef int (*sb_packed_fn)(const sb_value *args, int nargs, sb_value *ret);

SB_API const char *sb_value_kind_name(int kind);

static inline sb_value sb_value_int(int64_t i)
{
	sb_value v = {SB_VAL_INT, {.i = i}};
	return v;
}
static inline sb_value sb_value_float(double f)
{
	sb_value v = {SB_VAL_FLOAT, {.f = f}};
	return v;
}
static inline sb_value sb_value_string(const char *s)
{
	sb_value v = {SB_VAL_STRING, {.str = s}};
	return v;
}
/* These borrow: wrap with sb_value_retain to own a reference. */
static inline sb_value sb_value_tensor(sb_tensor *t)
{
	sb_value v = {SB_VAL_TENSOR, {.tensor = t}};
	return v;
}
static inline sb_value sb_value_object(sb_object *o)
{
	sb_value v = {SB_VAL_OBJECT, {.obj = o}};
	return v;
}

/* Adds a reference to whatever `v` holds; returns v. */
SB_API sb_value sb_value_retain(sb_value v);
/* Drops the reference `*v` holds and sets it to SB_VAL_NONE. */
SB_API void sb_value_release(sb_value *v);

SB_API sb_object *sb_object_retain(sb_object *o);
SB_API void sb_object_release(sb_object *o);

/* New shape with refcount 1; NULL with the error slot set on a bad rank. */
SB_API sb_shape *sb_shape_new(int rank, const int64_t *dims);

/* A tuple: a fixed number of owned values. */
typedef struct sb_tuple {
	sb_object obj;
	int32_t size;
	sb_value fields[];
} sb_tuple;
/* Retains every field. */
SB_API sb_tuple *sb_tuple_new(const sb_value *fields, int size);

/* ---- Registry: name -> packed function ---- */

/* Registers `fn` under `name` in the process-wide registry (the builtins
 * are there from the start).  Registering a name twice is an error unless
 * `override` is set.  Meant for start-up; lookups may run concurrently. */
SB_API sb_status sb_func_register(const char *name, sb_packed_fn fn, int override);
/* NULL if absent (no error set). */
SB_API sb_packed_fn sb_func_lookup(const char *name);

/* ---- Threads ---- */

/* Runs body(begin, end, env) over [0, n) on the threads of the shared
 * OpenMP pool, each call on one contiguous chunk; the chunks are claimed
 * as the threads come free (big ones first, then smaller), so one slow
 * thread does not hold up the rest.  Every index is run exactly once, in
 * no fixed order and with no fixed thread.  Inside a parallel
 * region it runs serially (no nested oversubscription).  The body cannot
 * fail: kernels check everything before they loop. */
SB_API void sb_parallel_for(int64_t n, void (*body)(int64_t begin, int64_t end, void *env),
			    void *env);
/* n <= 0 restores the default: SB_NUM_THREADS, else OpenMP's default. */
SB_API void sb_set_num_threads(int n);
SB_API int sb_get_num_threads(void);

/* ---- What a model .so exports ---- */

/* A model .so exports:
 *   const uint8_t  sb_module_blob[];        the serialized VM executable
 *   const uint64_t sb_module_blob_size;
 *   const sb_packed_entry sb_module_functions[];   optional, ends at {NULL, NULL}
 *   const sb_runtime_api *sb_module_runtime;       optional, filled in by the loader
 * It does not link the runtime: it calls it through sb_module_runtime, so
 * one process can load it whether the runtime is static or shared. */
typedef struct sb_packed_entry {
	const char *name;
	sb_packed_fn fn;
} sb_packed_entry;

#define SB_RUNTIME_API_VERSION 1
typedef struct sb_runtime_api {
	uint32_t version; /* SB_RUNTIME_API_VERSION */
	uint32_t size;    /* sizeof(sb_runtime_api); fields are only ever appended */
	sb_status (*set_error)(sb_status code, const char *fmt, ...);
	void (*parallel_for)(int64_t n, void (*body)(int64_t, int64_t, void *), void *env);
	int (*get_num_threads)(void);
	sb_tensor *(*tensor_new)(sb_dtype dt, int rank, const int64_t *shape);
	sb_tensor *(*tensor_retain)(sb_tensor *t);
	void (*tensor_release)(sb_tensor *t);
	sb_packed_fn (*func_lookup)(const char *name);
	/* 64-byte aligned scratch memory for kernels (from the runtime's pool). */
	void *(*workspace_alloc)(size_t size);
	void (*workspace_free)(void *p);
} sb_runtime_api;

/* The table the loader hands to modules (also usable in-process, e.g. by a JIT). */
SB_API const sb_runtime_api *sb_runtime_api_get(void);

#ifdef __cplusplus
}
#endif
#endif
