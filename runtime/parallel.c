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
#pragma omp parallel num_threads(nt)
	{
		int64_t t = omp_get_thread_num(), T = omp_get_num_threads();
		/* Static chunks: the first n % T threads take one extra index. */
		int64_t q = n / T, r = n % T;
		int64_t begin = t * q + (t < r ? t : r);
		int64_t end = begin + q + (t < r ? 1 : 0);
		if (begin < end)
			body(begin, end, env);
	}
}
