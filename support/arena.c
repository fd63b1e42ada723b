/* Bump allocator: an IR module's nodes live in one arena, freed in one call. */
#include <stdlib.h>

#include "support.h"

struct sb_arena_block {
	sb_arena_block *next;
	size_t used, size;
	_Alignas(16) unsigned char data[];
};

#define ARENA_BLOCK_MIN (64 * 1024)

void sb_arena_init(sb_arena *a)
{
	a->head = NULL;
	a->total = 0;
}

void sb_arena_free(sb_arena *a)
{
	sb_arena_block *b = a->head;
	while (b) {
		sb_arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
	a->total = 0;
}

void *sb_arena_alloc(sb_arena *a, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	sb_arena_block *b = a->head;
	if (!b || b->size - b->used < size) {
		size_t bsize = size > ARENA_BLOCK_MIN ? size : ARENA_BLOCK_MIN;
		b = sb_xmalloc(sizeof *b + bsize);
		b->size = bsize;
		b->used = 0;
		/* Keep a partly used head for small requests after one huge one. */
		if (a->head && size > ARENA_BLOCK_MIN) {
			b->next = a->head->next;
			a->head->next = b;
		} else {
			b->next = a->head;
			a->head = b;
		}
	}
	void *p = b->data + b->used;
	b->used += size;
	a->total += size;
	memset(p, 0, size);
	return p;
}

char *sb_arena_strndup(sb_arena *a, const char *s, size_t n)
{
	char *p = sb_arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *sb_arena_strdup(sb_arena *a, const char *s) { return sb_arena_strndup(a, s, strlen(s)); }

void *sb_arena_memdup(sb_arena *a, const void *p, size_t size)
{
	void *q = sb_arena_alloc(a, size);
	if (size)
		memcpy(q, p, size);
	return q;
}
