/* runtime: values, objects and packed-function registries. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "runtime/runtime.h"

static int fn_one(const sb_value *args, int nargs, sb_value *ret)
{
	*ret = sb_value_int(1);
	return 0;
}
static int fn_two(const sb_value *args, int nargs, sb_value *ret)
{
	*ret = sb_value_int(2);
	return 0;
}

static void test_registry_global(void **state)
{
	/* Builtins are there before anyone registers anything. */
	assert_non_null(sb_func_lookup(SB_BUILTIN_MATCH_SHAPE));
	assert_non_null(sb_func_lookup(SB_BUILTIN_ALLOC_STORAGE));
	assert_null(sb_func_lookup("test.nothing"));

	assert_int_equal(sb_func_register("test.one", fn_one, 0), SB_OK);
	assert_ptr_equal(sb_func_lookup("test.one"), fn_one);
	assert_int_equal(sb_func_register("test.one", fn_two, 0), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "test.one"));
	assert_ptr_equal(sb_func_lookup("test.one"), fn_one);
	assert_int_equal(sb_func_register("test.one", fn_two, 1), SB_OK);
	assert_ptr_equal(sb_func_lookup("test.one"), fn_two);
	assert_int_equal(sb_func_register("", fn_one, 0), SB_ERR_INVALID);
	assert_int_equal(sb_func_register("test.null", NULL, 0), SB_ERR_INVALID);
}

static void test_registry_local_many(void **state)
{
	/* Enough names to grow the table several times; every one found,
	 * names that were never added not found, nothing leaks into the
	 * process registry. */
	sb_func_registry *r = sb_func_registry_new();
	char name[32];
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "fused_%d", i);
		assert_int_equal(sb_func_registry_add(r, name, i % 2 ? fn_one : fn_two, false), SB_OK);
	}
	assert_int_equal(sb_func_registry_size(r), 1000);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "fused_%d", i);
		assert_ptr_equal(sb_func_registry_lookup(r, name), i % 2 ? fn_one : fn_two);
	}
	assert_null(sb_func_registry_lookup(r, "fused_1000"));
	assert_null(sb_func_registry_lookup(r, "fused_"));
	assert_null(sb_func_lookup("fused_1"));
	sb_func_registry_free(r);
}

typedef struct lookup_env {
	sb_func_registry *r;
	int found;
} lookup_env;

static void *lookup_thread(void *p)
{
	lookup_env *env = p;
	char name[32];
	for (int i = 0; i < 2000; i++) {
		snprintf(name, sizeof name, "k%d", i % 100);
		env->found += sb_func_registry_lookup(env->r, name) == fn_one;
	}
	return NULL;
}

static void test_registry_concurrent_lookup(void **state)
{
	sb_func_registry *r = sb_func_registry_new();
	char name[32];
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof name, "k%d", i);
		sb_func_registry_add(r, name, fn_one, false);
	}
	pthread_t th[4];
	lookup_env env[4];
	for (int i = 0; i < 4; i++) {
		env[i] = (lookup_env){r, 0};
		pthread_create(&th[i], NULL, lookup_thread, &env[i]);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(env[i].found, 2000);
	}
	sb_func_registry_free(r);
}

static void test_values_refcount(void **state)
{
	int64_t shape[1] = {3};
	sb_tensor *t = sb_tensor_new(SB_F32, 1, shape);
	sb_value v = sb_value_retain(sb_value_tensor(t));
	assert_int_equal(t->refcount, 2);

	/* A tuple holds its own reference to each field. */
	sb_value fields[3] = {v, sb_value_int(7), sb_value_string("s")};
	sb_tuple *tup = sb_tuple_new(fields, 3);
	assert_int_equal(t->refcount, 3);
	assert_int_equal(tup->fields[1].u.i, 7);
	sb_value tv = sb_value_object(&tup->obj);
	sb_value_release(&tv);
	assert_int_equal(tv.kind, SB_VAL_NONE);
	assert_int_equal(t->refcount, 2);
	sb_value_release(&v);
	assert_int_equal(t->refcount, 1);
	sb_tensor_release(t);

	int64_t dims[2] = {4, 5};
	sb_shape *s = sb_shape_new(2, dims);
	assert_int_equal(s->rank, 2);
	assert_int_equal(s->dims[1], 5);
	sb_value sv = {SB_VAL_SHAPE, {.shape = s}};
	sb_value_retain(sv);
	assert_int_equal(s->obj.refcount, 2);
	sb_value_release(&sv);
	sb_object_release(&s->obj);

	assert_null(sb_shape_new(SB_MAX_RANK + 1, NULL));
	assert_null(sb_tuple_new(NULL, -1));
	assert_string_equal(sb_value_kind_name(SB_VAL_SHAPE), "shape");
}

static void test_runtime_api_table(void **state)
{
	const sb_runtime_api *api = sb_runtime_api_get();
	assert_int_equal(api->version, SB_RUNTIME_API_VERSION);
	assert_int_equal(api->size, sizeof(sb_runtime_api));
	assert_int_equal(api->set_error(SB_ERR_INVALID, "from a module %d", 5), SB_ERR_INVALID);
	assert_string_equal(sb_last_error(), "from a module 5");
	void *w = api->workspace_alloc(1000);
	assert_non_null(w);
	assert_int_equal((uintptr_t)w % 64, 0);
	memset(w, 1, 1000);
	api->workspace_free(w);
	assert_ptr_equal(api->func_lookup(SB_BUILTIN_SHAPE_OF), sb_func_lookup(SB_BUILTIN_SHAPE_OF));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_global),
		cmocka_unit_test(test_registry_local_many),
		cmocka_unit_test(test_registry_concurrent_lookup),
		cmocka_unit_test(test_values_refcount),
		cmocka_unit_test(test_runtime_api_table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
