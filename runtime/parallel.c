/* The one thread pool: OpenMP's, which the system's oneDNN uses too, so
 * library calls and generated kernels share the same threads. */
#include <omp.h>
#include <pthread.h>
#include <stdlib.h>

#include "runtime.h"

/* 0 until set: then the default (SB_NUM_THREADS, else OpenMP's). */
static int num_threads;
static int default_threads;
static pthread_once_t threads_once = PTHREAD_ONCE_INIT;

static void threads_init(void)
{
	const char *env = getenv("SB_NUM_THREADS");
	int n = env ? atoi(env) : 0;
	default_threads = n > 0 ? n : omp_get_max_threads();
	if (default_threads < 1)
		default_threads = 1;
}

int sb_get_num_threads(void)
{
	pthread_once(&threads_once, threads_init);
	int n = __atomic_load_n(&num_threads, __ATOMIC_RELAXED);
	return n > 0 ? n : default_threads;
}

void sb_set_num_threads(int n)
{
	pthread_once(&threads_once, threads_init);
	__atomic_store_n(&num_threads, n > 0 ? n : 0, __ATOMIC_RELAXED);
	/* oneDNN sizes its parallel regions from this thread's OpenMP setting. */
	omp_set_num_threads(sb_get_num_threads());
}

/* Shared by the threads of one sb_parallel_for: the next index not yet
 * handed out. */
typedef struct par_work {
	int64_t next;
	int64_t n, min_chunk;
	int nt;
} par_work;

/* Guided self-scheduling: each claim takes a share of what is left
 * (remaining / (2 * threads), at least min_chunk), so the first chunks are
 * big and contiguous and the last ones small.  A thread that is held up --
 * preempted, or its vCPU descheduled by the host -- costs the call only
 * its current chunk; the others take the rest.  Static halves would make
 * the whole call wait for the slow thread. */
static bool par_claim(par_work *w, int64_t *begin, int64_t *end)
{
	int64_t b = __atomic_load_n(&w->next, __ATOMIC_RELAXED);
	for (;;) {
		if (b >= w->n)
			return false;
		int64_t c = (w->n - b) / (2 * (int64_t)w->nt);
		if (c < w->min_chunk)
			c = w->min_chunk;
		int64_t e = b + c < w->n ? b + c : w->n;
		if (__atomic_compare_exchange_n(&w->next, &b, e, true, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED)) {
			*begin = b;
			*end = e;
			return true;
		}
	}
}

void sb_parallel_for(int64_t n, void (*body)(int64_t begin, int64_t end, void *env), void *env)
{
	if (n <= 0)
		return;
	int nt = sb_get_num_threads();
	if (nt > n)
		nt = (int)n;
	/* Inside a parallel region (a kernel called from a parallel body, or
	 * oneDNN's own region) we are already one of the pool's threads. */
	if (nt <= 1 || omp_in_parallel()) {
		body(0, n, env);
		return;
	}
	/* The smallest chunk: an eighth of an even share, so a big loop is
	 * claimed in a few dozen pieces at most. */
	par_work w = {.next = 0, .n = n, .nt = nt, .min_chunk = n / ((int64_t)nt * 8)};
	if (w.min_chunk < 1)
		w.min_chunk = 1;
#pragma omp parallel num_threads(nt)
	{
		int64_t begin, end;
		while (par_claim(&w, &begin, &end))
			body(begin, end, env);
	}
}
