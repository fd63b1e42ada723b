/* runtime: sb_parallel_for coverage, thread settings, no nesting. */
#include <omp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "runtime/runtime.h"

typedef struct cover_env {
	int *hits;
	int chunks;
	int max_thread;
} cover_env;

static void cover_body(int64_t begin, int64_t end, void *p)
{
	cover_env *env = p;
	for (int64_t i = begin; i < end; i++)
		__atomic_add_fetch(&env->hits[i], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&env->chunks, 1, __ATOMIC_RELAXED);
	int t = omp_get_thread_num();
	int m = __atomic_load_n(&env->max_thread, __ATOMIC_RELAXED);
	while (t > m && !__atomic_compare_exchange_n(&env->max_thread, &m, t, false, __ATOMIC_RELAXED,
						     __ATOMIC_RELAXED))
		;
}

static void check_cover(int threads)
{
	sb_set_num_threads(threads);
	assert_int_equal(sb_get_num_threads(), threads);
	static const int64_t sizes[] = {0, 1, 2, 3, 7, 64, 1001};
	for (size_t s = 0; s < SB_ARRAY_LEN(sizes); s++) {
		int64_t n = sizes[s];
		cover_env env = {calloc((size_t)n + 1, sizeof(int)), 0, 0};
		sb_parallel_for(n, cover_body, &env);
		for (int64_t i = 0; i < n; i++)
			assert_int_equal(env.hits[i], 1);
		/* None for n = 0; one with one thread; otherwise at least one
		 * and, as every claim but the last takes at least an eighth of
		 * an even share, fewer than 16 per thread. */
		if (n == 0 || threads == 1)
			assert_int_equal(env.chunks, n == 0 ? 0 : 1);
		else
			assert_true(env.chunks >= 1 && env.chunks <= 16 * threads);
		assert_true(env.max_thread < threads);
		free(env.hits);
	}
}

static void test_cover_1_thread(void **state) { check_cover(1); }
static void test_cover_2_threads(void **state) { check_cover(2); }

typedef struct nest_env {
	int inner_calls;
	int inner_indices;
} nest_env;

static void inner_body(int64_t begin, int64_t end, void *p)
{
	nest_env *env = p;
	__atomic_add_fetch(&env->inner_calls, 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&env->inner_indices, (int)(end - begin), __ATOMIC_RELAXED);
}

static void outer_body(int64_t begin, int64_t end, void *p)
{
	for (int64_t i = begin; i < end; i++)
		sb_parallel_for(10, inner_body, p);
}

static void test_nested_runs_serially(void **state)
{
	/* Inside the outer region each inner loop is one call over all ten
	 * indices: no second team is started. */
	sb_set_num_threads(2);
	nest_env env = {0, 0};
	sb_parallel_for(4, outer_body, &env);
	assert_int_equal(env.inner_calls, 4);
	assert_int_equal(env.inner_indices, 40);
}

typedef struct stall_env {
	int64_t n;
	int done;	   /* indices finished by chunks not holding index 0 */
	int first_len;	   /* length of the chunk holding index 0 */
	int timed_out;
} stall_env;

static void stall_body(int64_t begin, int64_t end, void *p)
{
	stall_env *env = p;
	if (begin != 0) {
		__atomic_add_fetch(&env->done, (int)(end - begin), __ATOMIC_RELAXED);
		return;
	}
	/* The thread holding index 0 is "held up" until everything outside its
	 * own chunk has been run by the other thread (or 20 s pass). */
	int64_t rest = env->n - end;
	env->first_len = (int)(end - begin);
	for (int ms = 0; __atomic_load_n(&env->done, __ATOMIC_ACQUIRE) < rest; ms++) {
		if (ms == 20000) {
			env->timed_out = 1;
			return;
		}
		struct timespec ts = {0, 1000000};
		nanosleep(&ts, NULL);
	}
}

static void test_slow_thread_does_not_hold_up_the_rest(void **state)
{
	/* The stalled thread holds less than an even share: the other runs
	 * the rest (with fixed halves each would hold exactly 32). */
	sb_set_num_threads(2);
	stall_env env = {.n = 64};
	sb_parallel_for(env.n, stall_body, &env);
	assert_false(env.timed_out);
	assert_true(env.first_len > 0 && env.first_len < 32);
	assert_int_equal(env.done, 64 - env.first_len);
}

static void test_default_from_env(void **state)
{
	/* main() set SB_NUM_THREADS=3 before the runtime first looked. */
	sb_set_num_threads(0);
	assert_int_equal(sb_get_num_threads(), 3);
	sb_set_num_threads(2);
	assert_int_equal(sb_get_num_threads(), 2);
	assert_int_equal(omp_get_max_threads(), 2); /* what oneDNN will see */
	sb_set_num_threads(-1);
	assert_int_equal(sb_get_num_threads(), 3);
}

int main(void)
{
	setenv("SB_NUM_THREADS", "3", 1);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_from_env),
		cmocka_unit_test(test_cover_1_thread),
		cmocka_unit_test(test_cover_2_threads),
		cmocka_unit_test(test_nested_runs_serially),
		cmocka_unit_test(test_slow_thread_does_not_hold_up_the_rest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
