/* support: arena, growable arrays, hash map, interning, string builder,
 * error slot. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "support/support.h"

static void test_arena_alignment_and_zeroing(void **state)
{
	sb_arena a;
	sb_arena_init(&a);
	for (int i = 1; i < 2000; i++) {
		unsigned char *p = sb_arena_alloc(&a, (size_t)i);
		assert_int_equal((uintptr_t)p % 16, 0);
		for (int k = 0; k < i; k++)
			assert_int_equal(p[k], 0);
		memset(p, 0xab, (size_t)i);
	}
	/* A block larger than the default block size. */
	char *big = sb_arena_alloc(&a, 1 << 20);
	big[(1 << 20) - 1] = 1;
	char *small = sb_arena_alloc(&a, 8);
	assert_non_null(small);
	assert_string_equal(sb_arena_strdup(&a, "hello"), "hello");
	assert_string_equal(sb_arena_strndup(&a, "hello", 3), "hel");
	sb_arena_free(&a);
	assert_null(a.head);
}

static void test_vec(void **state)
{
	SB_VEC(int) v = {0};
	for (int i = 0; i < 1000; i++)
		sb_vec_push(&v, i * 3);
	assert_int_equal(v.len, 1000);
	assert_true(v.cap >= 1000);
	assert_int_equal(v.data[999], 2997);
	assert_int_equal(sb_vec_last(&v), 2997);
	sb_vec_free(&v);
	assert_null(v.data);
	assert_int_equal(v.len, 0);
}

static void test_map_put_get_remove(void **state)
{
	sb_map m;
	sb_map_init(&m);
	assert_null(sb_map_lookup(&m, 5));
	for (uintptr_t k = 0; k < 5000; k++)
		sb_map_put(&m, k * 7, (void *)(k + 1));
	assert_int_equal(m.len, 5000);
	for (uintptr_t k = 0; k < 5000; k++)
		assert_ptr_equal(sb_map_lookup(&m, k * 7), (void *)(k + 1));
	assert_null(sb_map_lookup(&m, 8));
	/* Overwrite keeps the count. */
	sb_map_put(&m, 14, (void *)99);
	assert_int_equal(m.len, 5000);
	assert_ptr_equal(sb_map_lookup(&m, 14), (void *)99);
	/* Remove every other key; the rest must stay reachable (probe chains). */
	for (uintptr_t k = 0; k < 5000; k += 2)
		assert_true(sb_map_remove(&m, k * 7));
	assert_false(sb_map_remove(&m, 0));
	assert_int_equal(m.len, 2500);
	for (uintptr_t k = 0; k < 5000; k++) {
		void *v;
		bool found = sb_map_get(&m, k * 7, &v);
		assert_int_equal(found, k % 2 == 1);
	}
	size_t it = 0, n = 0;
	uintptr_t key;
	while (sb_map_next(&m, &it, &key, NULL))
		n++;
	assert_int_equal(n, 2500);
	sb_map_free(&m);
}

static void test_intern(void **state)
{
	sb_interner in;
	sb_interner_init(&in);
	const char *a = sb_intern(&in, "batch");
	char buf[16];
	strcpy(buf, "batch");
	assert_ptr_equal(sb_intern(&in, buf), a);
	assert_ptr_not_equal(sb_intern(&in, "batch2"), a);
	assert_ptr_equal(sb_intern_n(&in, "batchXYZ", 5), a);
	for (int i = 0; i < 3000; i++) {
		snprintf(buf, sizeof buf, "s%d", i);
		sb_intern(&in, buf);
	}
	assert_ptr_equal(sb_intern(&in, "batch"), a);
	assert_string_equal(sb_intern(&in, "s2999"), "s2999");
	assert_ptr_equal(sb_intern(&in, ""), sb_intern(&in, ""));
	sb_interner_free(&in);
}

static void test_strbuf(void **state)
{
	sb_strbuf b = {0};
	sb_strbuf_puts(&b, "a");
	sb_strbuf_printf(&b, "%d-%s", 42, "x");
	sb_strbuf_putc(&b, '!');
	for (int i = 0; i < 500; i++)
		sb_strbuf_putc(&b, 'z');
	char *s = sb_strbuf_take(&b);
	assert_int_equal(strlen(s), 6 + 500);
	assert_memory_equal(s, "a42-x!", 6);
	free(s);
	assert_null(b.data);
}

static void test_error_slot(void **state)
{
	sb_clear_error();
	assert_string_equal(sb_last_error(), "");
	assert_int_equal(sb_set_error(SB_ERR_INVALID, "bad dim %d", 3), SB_ERR_INVALID);
	assert_string_equal(sb_last_error(), "bad dim 3");
	assert_int_equal(sb_error_prefix(SB_ERR_INVALID, "input '%s'", "x"), SB_ERR_INVALID);
	assert_string_equal(sb_last_error(), "input 'x': bad dim 3");
	/* A very long prefix is cut, not overflowed. */
	char longp[5000];
	memset(longp, 'p', sizeof longp - 1);
	longp[sizeof longp - 1] = '\0';
	sb_error_prefix(SB_ERR_INVALID, "%s", longp);
	assert_true(strlen(sb_last_error()) < 4096);
	assert_string_equal(sb_status_name(SB_ERR_UNSUPPORTED), "unsupported");
}

static void test_read_missing_file(void **state)
{
	uint8_t *data;
	size_t size;
	assert_int_equal(sb_read_file("/nonexistent/file", &data, &size), SB_ERR_IO);
	assert_non_null(strstr(sb_last_error(), "/nonexistent/file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_alignment_and_zeroing),
		cmocka_unit_test(test_vec),
		cmocka_unit_test(test_map_put_get_remove),
		cmocka_unit_test(test_intern),
		cmocka_unit_test(test_strbuf),
		cmocka_unit_test(test_error_slot),
		cmocka_unit_test(test_read_missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
