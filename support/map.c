/* Open-addressing hash map from uintptr_t keys to pointers, and string
 * interning on the same probing scheme. */
#include <stdlib.h>

#include "support.h"

uint64_t sb_hash_bytes(const void *p, size_t n, uint64_t seed)
{
	/* FNV-1a, finished with a 64-bit mixer. */
	const unsigned char *s = p;
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= 0x100000001b3ULL;
	}
	return sb_hash_u64(h);
}

void sb_map_init(sb_map *m)
{
	m->slots = NULL;
	m->cap = m->len = 0;
}

void sb_map_free(sb_map *m)
{
	free(m->slots);
	sb_map_init(m);
}

static size_t map_find(const sb_map_slot *slots, size_t cap, uintptr_t key)
{
	size_t mask = cap - 1, i = sb_hash_u64(key) & mask;
	while (slots[i].used && slots[i].key != key)
		i = (i + 1) & mask;
	return i;
}

static void map_grow(sb_map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 16;
	sb_map_slot *ns = sb_xcalloc(ncap, sizeof *ns);
	for (size_t i = 0; i < m->cap; i++) {
		if (m->slots[i].used)
			ns[map_find(ns, ncap, m->slots[i].key)] = m->slots[i];
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
}

void sb_map_put(sb_map *m, uintptr_t key, void *value)
{
	if ((m->len + 1) * 4 > m->cap * 3)
		map_grow(m);
	size_t i = map_find(m->slots, m->cap, key);
	if (!m->slots[i].used) {
		m->slots[i].used = 1;
		m->slots[i].key = key;
		m->len++;
	}
	m->slots[i].value = value;
}

bool sb_map_get(const sb_map *m, uintptr_t key, void **value)
{
	if (!m->cap)
		return false;
	size_t i = map_find(m->slots, m->cap, key);
	if (!m->slots[i].used)
		return false;
	if (value)
		*value = m->slots[i].value;
	return true;
}

void *sb_map_lookup(const sb_map *m, uintptr_t key)
{
	void *v = NULL;
	return sb_map_get(m, key, &v) ? v : NULL;
}

bool sb_map_remove(sb_map *m, uintptr_t key)
{
	if (!m->cap)
		return false;
	size_t mask = m->cap - 1, i = map_find(m->slots, m->cap, key);
	if (!m->slots[i].used)
		return false;
	m->slots[i].used = 0;
	m->len--;
	/* Backward-shift deletion keeps probe chains intact. */
	size_t j = i;
	for (;;) {
		j = (j + 1) & mask;
		if (!m->slots[j].used)
			break;
		size_t home = sb_hash_u64(m->slots[j].key) & mask;
		bool between = i <= j ? (i < home && home <= j) : (i < home || home <= j);
		if (!between) {
			m->slots[i] = m->slots[j];
			m->slots[j].used = 0;
			i = j;
		}
	}
	return true;
}

bool sb_map_next(const sb_map *m, size_t *iter, uintptr_t *key, void **value)
{
	for (size_t i = *iter; i < m->cap; i++) {
		if (m->slots[i].used) {
			if (key)
				*key = m->slots[i].key;
			if (value)
				*value = m->slots[i].value;
			*iter = i + 1;
			return true;
		}
	}
	*iter = m->cap;
	return false;
}

void sb_interner_init(sb_interner *in)
{
	sb_arena_init(&in->arena);
	in->slots = NULL;
	in->cap = in->len = 0;
}

void sb_interner_free(sb_interner *in)
{
	sb_arena_free(&in->arena);
	free(in->slots);
	in->slots = NULL;
	in->cap = in->len = 0;
}

static void interner_grow(sb_interner *in)
{
	size_t ncap = in->cap ? in->cap * 2 : 64, mask = ncap - 1;
	sb_map_slot *ns = sb_xcalloc(ncap, sizeof *ns);
	for (size_t i = 0; i < in->cap; i++) {
		if (!in->slots[i].used)
			continue;
		size_t j = in->slots[i].key & mask;
		while (ns[j].used)
			j = (j + 1) & mask;
		ns[j] = in->slots[i];
	}
	free(in->slots);
	in->slots = ns;
	in->cap = ncap;
}

const char *sb_intern_n(sb_interner *in, const char *s, size_t n)
{
	if ((in->len + 1) * 4 > in->cap * 3)
		interner_grow(in);
	uintptr_t h = (uintptr_t)sb_hash_bytes(s, n, 0);
	size_t mask = in->cap - 1, i = h & mask;
	while (in->slots[i].used) {
		const char *t = in->slots[i].value;
		if (in->slots[i].key == h && !strncmp(t, s, n) && t[n] == '\0')
			return t;
		i = (i + 1) & mask;
	}
	char *copy = sb_arena_strndup(&in->arena, s, n);
	in->slots[i].used = 1;
	in->slots[i].key = h;
	in->slots[i].value = copy;
	in->len++;
	return copy;
}

const char *sb_intern(sb_interner *in, const char *s) { return sb_intern_n(in, s, strlen(s)); }
