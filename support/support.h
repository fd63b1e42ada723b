/* support: the compiler's plumbing -- arenas, growable arrays, hash maps,
 * string interning and assertions.  Nothing in here knows about ML. */
#ifndef SB_SUPPORT_H
#define SB_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "shapebridge/shapebridge.h"

/* Internal invariants only: prints file, line, function and aborts.  Bad
 * user input never reaches these; it returns an sb_status. */
#define SB_ASSERT(cond)                                                              \
	do {                                                                         \
		if (!(cond))                                                         \
			sb_die(__FILE__, __LINE__, __func__, "assertion failed: %s", \
			       #cond);                                               \
	} while (0)
#define SB_UNREACHABLE() sb_die(__FILE__, __LINE__, __func__, "unreachable")
_Noreturn void sb_die(const char *file, int line, const char *func, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#define SB_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define SB_MIN(a, b) ((a) < (b) ? (a) : (b))
#define SB_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Allocation that dies on failure: for compiler data structures, where
 * running out of memory is not a recoverable user error. */
void *sb_xmalloc(size_t n);
void *sb_xcalloc(size_t n, size_t size);
void *sb_xrealloc(void *p, size_t n);
char *sb_xstrdup(const char *s);
char *sb_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- Arena: bump allocator, freed in one call ---- */
typedef struct sb_arena_block sb_arena_block;
typedef struct sb_arena {
	sb_arena_block *head;
	size_t total; /* bytes handed out, for --stats */
} sb_arena;

void sb_arena_init(sb_arena *a);
void sb_arena_free(sb_arena *a);
void *sb_arena_alloc(sb_arena *a, size_t size);  /* 16-byte aligned, zeroed */
char *sb_arena_strdup(sb_arena *a, const char *s);
char *sb_arena_strndup(sb_arena *a, const char *s, size_t n);
void *sb_arena_memdup(sb_arena *a, const void *p, size_t size);
#define SB_ARENA_NEW(a, T) ((T *)sb_arena_alloc((a), sizeof(T)))
#define SB_ARENA_ARRAY(a, T, n) ((T *)sb_arena_alloc((a), sizeof(T) * (size_t)(n)))

/* ---- Growable arrays: struct { T *data; size_t len, cap; } ---- */
#define SB_VEC(T)            \
	struct {             \
		T *data;     \
		size_t len;  \
		size_t cap;  \
	}
#define sb_vec_push(v, x)                                                              \
	do {                                                                           \
		if ((v)->len == (v)->cap) {                                            \
			(v)->cap = (v)->cap ? (v)->cap * 2 : 8;                        \
			(v)->data = sb_xrealloc((v)->data, (v)->cap * sizeof(*(v)->data)); \
		}                                                                      \
		(v)->data[(v)->len++] = (x);                                           \
	} while (0)
#define sb_vec_reserve(v, n)                                                           \
	do {                                                                           \
		if ((v)->cap < (n)) {                                                  \
			(v)->cap = (n);                                                \
			(v)->data = sb_xrealloc((v)->data, (v)->cap * sizeof(*(v)->data)); \
		}                                                                      \
	} while (0)
#define sb_vec_free(v)                          \
	do {                                    \
		free((v)->data);                \
		(v)->data = NULL;               \
		(v)->len = (v)->cap = 0;        \
	} while (0)
#define sb_vec_last(v) ((v)->data[(v)->len - 1])

/* ---- Hash map: open addressing, keys are pointers or integers ---- */
/* Keys are uintptr_t (an interned string or node pointer, or an integer);
 * 0 is a valid key.  Values are void*. */
typedef struct sb_map_slot {
	uintptr_t key;
	void *value;
	uint8_t used;
} sb_map_slot;
typedef struct sb_map {
	sb_map_slot *slots;
	size_t cap; /* power of two */
	size_t len;
} sb_map;

void sb_map_init(sb_map *m);
void sb_map_free(sb_map *m);
void sb_map_put(sb_map *m, uintptr_t key, void *value);
bool sb_map_get(const sb_map *m, uintptr_t key, void **value);
void *sb_map_lookup(const sb_map *m, uintptr_t key); /* NULL if absent */
bool sb_map_remove(sb_map *m, uintptr_t key);
/* for (size_t i = 0; sb_map_next(m, &i, &k, &v);) ... */
bool sb_map_next(const sb_map *m, size_t *iter, uintptr_t *key, void **value);

uint64_t sb_hash_bytes(const void *p, size_t n, uint64_t seed);
static inline uint64_t sb_hash_u64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}
static inline uint64_t sb_hash_combine(uint64_t h, uint64_t v)
{
	return sb_hash_u64(h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)));
}

/* ---- String interning: equal strings get one pointer ---- */
typedef struct sb_interner {
	sb_arena arena;
	sb_map_slot *slots; /* key = hash, value = const char * */
	size_t cap, len;
} sb_interner;

void sb_interner_init(sb_interner *in);
void sb_interner_free(sb_interner *in);
const char *sb_intern(sb_interner *in, const char *s);
const char *sb_intern_n(sb_interner *in, const char *s, size_t n);

/* ---- String builder ---- */
typedef struct sb_strbuf {
	char *data;
	size_t len, cap;
} sb_strbuf;
void sb_strbuf_printf(sb_strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_strbuf_puts(sb_strbuf *b, const char *s);
void sb_strbuf_putc(sb_strbuf *b, char c);
void sb_strbuf_free(sb_strbuf *b);
/* Returns the built string (caller frees) and resets the builder. */
char *sb_strbuf_take(sb_strbuf *b);

/* ---- Files ---- */
/* Reads a whole file; on failure sets the error slot (SB_ERR_IO). */
sb_status sb_read_file(const char *path, uint8_t **data, size_t *size);
sb_status sb_write_file(const char *path, const void *data, size_t size);

/* ---- Logging / debug switches ---- */
/* True if SB_DEBUG (comma-separated) contains `what`, e.g. SB_DEBUG=pass. */
bool sb_debug_enabled(const char *what);

#endif
