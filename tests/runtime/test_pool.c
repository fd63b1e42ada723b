/* runtime: the pooled allocator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "runtime/runtime.h"

static void test_pool_reuse(void **state)
{
	static const size_t sizes[] = {0, 1, 64, 100, 4096, 5000, 100000, 1 << 20};
	enum { N = SB_ARRAY_LEN(sizes) };
	sb_pool *p = sb_pool_new();
	sb_mem_stats st;
	for (int cycle = 0; cycle < 3; cycle++) {
		void *blocks[N];
		for (int i = 0; i < N; i++) {
			blocks[i] = sb_pool_alloc(p, sizes[i]);
			assert_non_null(blocks[i]);
			assert_int_equal((uintptr_t)blocks[i] % 64, 0);
			memset(blocks[i], 0xab, sizes[i]); /* the whole request is usable */
		}
		sb_pool_stats(p, &st);
		size_t total = 0;
		for (int i = 0; i < N; i++)
			total += sizes[i];
		assert_int_equal(st.bytes_live, total);
		for (int i = 0; i < N; i++)
			sb_pool_free(blocks[i]);
		sb_pool_stats(p, &st);
		/* Only the first cycle goes to malloc. */
		assert_int_equal(st.mallocs, N);
		assert_int_equal(st.allocs, (uint64_t)N * (cycle + 1));
		assert_int_equal(st.bytes_live, 0);
		assert_int_equal(st.bytes_peak, total);
	}
	sb_pool_release(p);
}

static void test_pool_classes(void **state)
{
	/* 4097 and 5000 both round to the 5120-byte class (between 4 KiB and
	 * 8 KiB the classes are 5, 6, 7, 8 KiB), so the second reuses the
	 * first; 6000 needs the 6 KiB class. */
	sb_pool *p = sb_pool_new();
	sb_mem_stats st;
	sb_pool_free(sb_pool_alloc(p, 4097));
	sb_pool_free(sb_pool_alloc(p, 5000));
	sb_pool_stats(p, &st);
	assert_int_equal(st.mallocs, 1);
	assert_int_equal(st.bytes_held, 5120);
	sb_pool_free(sb_pool_alloc(p, 6000));
	sb_pool_stats(p, &st);
	assert_int_equal(st.mallocs, 2);
	assert_int_equal(st.bytes_held, 5120 + 6144);
	/* Small sizes round to 64 bytes: 65..128 share a class. */
	sb_pool_free(sb_pool_alloc(p, 65));
	sb_pool_free(sb_pool_alloc(p, 128));
	sb_pool_stats(p, &st);
	assert_int_equal(st.mallocs, 3);
	/* After rounding to 64 bytes, slack stays within 25% everywhere. */
	for (size_t s = 1; s < (1u << 24); s = s * 3 / 2 + 17) {
		sb_pool *q = sb_pool_new();
		sb_pool_free(sb_pool_alloc(q, s));
		sb_pool_stats(q, &st);
		size_t r = (s + 63) / 64 * 64;
		assert_true(st.bytes_held >= r);
		assert_true(st.bytes_held <= r + r / 4);
		sb_pool_release(q);
	}
	sb_pool_trim(p);
	sb_pool_stats(p, &st);
	assert_int_equal(st.bytes_held, 0);
	sb_pool_release(p);
}

static void test_pool_peak_and_lifetime(void **state)
{
	sb_pool *p = sb_pool_new();
	void *a = sb_pool_alloc(p, 100), *b = sb_pool_alloc(p, 200);
	sb_pool_free(a);
	void *c = sb_pool_alloc(p, 50);
	sb_mem_stats st;
	sb_pool_stats(p, &st);
	assert_int_equal(st.bytes_live, 250);
	assert_int_equal(st.bytes_peak, 300);
	/* The owner lets go while blocks are live: they stay valid and the
	 * pool goes with the last one (ASan checks both). */
	sb_pool_release(p);
	memset(b, 1, 200);
	sb_pool_free(b);
	memset(c, 1, 50);
	sb_pool_free(c);
}

static void test_pool_too_big(void **state)
{
	sb_pool *p = sb_pool_new();
	assert_null(sb_pool_alloc(p, SIZE_MAX / 2));
	assert_non_null(strstr(sb_last_error(), "bytes"));
	sb_pool_release(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_reuse),
		cmocka_unit_test(test_pool_classes),
		cmocka_unit_test(test_pool_peak_and_lifetime),
		cmocka_unit_test(test_pool_too_big),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
