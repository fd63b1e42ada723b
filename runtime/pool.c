/* Pooled allocator for VM storage.  Each block has a 64-byte header (so the
 * data stays 64-byte aligned) naming its pool and size class; a freed block
 * goes on its class's free list and the next request of that class takes
 * it, so a model run at shapes it has seen before does no malloc. */
#include <assert.h>
#include <pthread.h>
#include <stdlib.h>

#include "runtime.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
/* Cached blocks are poisoned, so a use after sb_pool_free is still caught. */
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define POOL_ALIGN 64
#define SMALL_MAX 4096                  /* 64-byte steps up to here */
#define NSMALL (SMALL_MAX / POOL_ALIGN) /* 64 classes */
#define MAX_LOG 46                      /* largest block: 64 TiB */
#define NCLASSES (NSMALL + 4 * (MAX_LOG - 12))
#define BLOCK_MAGIC 0x53425042u /* "SBPB" */

typedef struct block_header {
	sb_pool *pool;
	struct block_header *next; /* free list */
	size_t size;               /* requested */
	size_t class_size;
	uint32_t cls;
	uint32_t magic;
} block_header;
#define HEADER_SIZE POOL_ALIGN
static_assert(sizeof(block_header) <= HEADER_SIZE, "pool block header fits its slot");

struct sb_pool {
	pthread_mutex_t lock;
	int refs;     /* owners (a VM, a model) */
	int64_t live; /* blocks handed out and not yet freed: each keeps us alive */
	block_header *free_list[NCLASSES];
	sb_mem_stats stats;
};

/* Size class of a request: its index and its rounded size.  False if the
 * request is beyond the largest class. */
static bool size_class(size_t size, uint32_t *cls, size_t *class_size)
{
	if (size > ((size_t)1 << MAX_LOG))
		return false;
	size_t r = size ? (size + POOL_ALIGN - 1) / POOL_ALIGN * POOL_ALIGN : POOL_ALIGN;
	if (r <= SMALL_MAX) {
		*cls = (uint32_t)(r / POOL_ALIGN - 1);
		*class_size = r;
		return true;
	}
	/* 2^p < r <= 2^(p+1): four classes 5/4, 6/4, 7/4, 8/4 of 2^p. */
	int p = 63 - __builtin_clzll((unsigned long long)(r - 1));
	size_t step = (size_t)1 << (p - 2);
	size_t k = (r + step - 1) / step; /* 5..8 */
	*cls = (uint32_t)(NSMALL + (p - 12) * 4 + (int)(k - 5));
	*class_size = k * step;
	SB_ASSERT(*cls < NCLASSES);
	return true;
}

sb_pool *sb_pool_new(void)
{
	sb_pool *p = sb_xcalloc(1, sizeof *p);
	pthread_mutex_init(&p->lock, NULL);
	p->refs = 1;
	return p;
}

sb_pool *sb_pool_retain(sb_pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->refs++;
	pthread_mutex_unlock(&p->lock);
	return p;
}

static void pool_destroy(sb_pool *p)
{
	sb_pool_trim(p);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

void sb_pool_release(sb_pool *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	SB_ASSERT(p->refs > 0);
	bool dead = --p->refs == 0 && p->live == 0;
	pthread_mutex_unlock(&p->lock);
	if (dead)
		pool_destroy(p);
}

void *sb_pool_alloc(sb_pool *p, size_t size)
{
	uint32_t cls;
	size_t class_size;
	if (!size_class(size, &cls, &class_size)) {
		sb_set_error(SB_ERR_NOMEM, "cannot allocate %zu bytes: larger than any pool block",
			     size);
		return NULL;
	}
	pthread_mutex_lock(&p->lock);
	block_header *b = p->free_list[cls];
	if (b) {
		p->free_list[cls] = b->next;
		UNPOISON((char *)b + HEADER_SIZE, b->class_size);
	} else {
		b = aligned_alloc(POOL_ALIGN, HEADER_SIZE + class_size);
		if (!b) {
			pthread_mutex_unlock(&p->lock);
			sb_set_error(SB_ERR_NOMEM, "out of memory allocating %zu bytes", size);
			return NULL;
		}
		b->pool = p;
		b->class_size = class_size;
		b->cls = cls;
		b->magic = BLOCK_MAGIC;
		p->stats.mallocs++;
		p->stats.bytes_held += class_size;
	}
	b->next = NULL;
	b->size = size;
	p->live++;
	p->stats.allocs++;
	p->stats.bytes_live += size;
	if (p->stats.bytes_live > p->stats.bytes_peak)
		p->stats.bytes_peak = p->stats.bytes_live;
	pthread_mutex_unlock(&p->lock);
	return (char *)b + HEADER_SIZE;
}

void sb_pool_free(void *ptr)
{
	if (!ptr)
		return;
	block_header *b = (block_header *)((char *)ptr - HEADER_SIZE);
	SB_ASSERT(b->magic == BLOCK_MAGIC && b->cls < NCLASSES);
	sb_pool *p = b->pool;
	pthread_mutex_lock(&p->lock);
	p->stats.bytes_live -= b->size;
	b->next = p->free_list[b->cls];
	p->free_list[b->cls] = b;
	POISON(ptr, b->class_size);
	bool dead = --p->live == 0 && p->refs == 0;
	pthread_mutex_unlock(&p->lock);
	if (dead)
		pool_destroy(p);
}

void sb_pool_trim(sb_pool *p)
{
	pthread_mutex_lock(&p->lock);
	for (int c = 0; c < NCLASSES; c++) {
		for (block_header *b = p->free_list[c], *next; b; b = next) {
			UNPOISON((char *)b + HEADER_SIZE, b->class_size);
			next = b->next;
			p->stats.bytes_held -= b->class_size;
			free(b);
		}
		p->free_list[c] = NULL;
	}
	pthread_mutex_unlock(&p->lock);
}

void sb_pool_stats(sb_pool *p, sb_mem_stats *stats)
{
	pthread_mutex_lock(&p->lock);
	*stats = p->stats;
	pthread_mutex_unlock(&p->lock);
}

static sb_pool *workspace_pool;
static pthread_once_t workspace_once = PTHREAD_ONCE_INIT;
static void workspace_init(void) { workspace_pool = sb_pool_new(); }

sb_pool *sb_pool_workspace(void)
{
	pthread_once(&workspace_once, workspace_init);
	return workspace_pool;
}
