/* The object -> .so -> dlopen path: the same hand-built PrimFuncs in one
 * module, emitted as a shared library that links nothing of shapebridge
 * (it reaches the runtime through sb_module_runtime), loaded and run at
 * several shapes; errors travel through the runtime table too. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fixtures.h"

static tir_ctx *C;
static char dir[64], so_path[128];
static sb_llvm_library *lib;

#define assert_contains(s, sub) assert_contains_((s), (sub), __FILE__, __LINE__)
static void assert_contains_(const char *s, const char *sub, const char *file, int line)
{
	if (!s || !strstr(s, sub)) {
		print_error("'%s' does not contain '%s'\n", s ? s : "(null)", sub);
		_fail(file, line);
	}
}

/* One module with every fixture, built once for the whole group. */
static int setup_group(void **state)
{
	C = tir_ctx_new();
	snprintf(dir, sizeof dir, "/tmp/sb_llvm_test_XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(so_path, sizeof so_path, "%s/kernels.so", dir);
	sb_llvm_options o = {.runtime_table = true, .function_table = true};
	sb_llvm_module *m;
	if (sb_llvm_module_new("kernels", &o, &m))
		return -1;
	tir_func *fs[] = {fx_add(C), fx_rowsum(C, TIR_FOR_PARALLEL), fx_conv1d(C), fx_matmul(C)};
	for (size_t i = 0; i < SB_ARRAY_LEN(fs); i++) {
		if (sb_llvm_module_add(m, C, fs[i])) {
			fprintf(stderr, "%s\n", sb_last_error());
			return -1;
		}
	}
	sb_status st = sb_llvm_emit_shared(m, so_path);
	sb_llvm_module_free(m);
	if (st || sb_llvm_library_open(so_path, &lib)) {
		fprintf(stderr, "%s\n", sb_last_error());
		return -1;
	}
	sb_set_num_threads(2);
	return 0;
}

static int teardown_group(void **state)
{
	sb_set_num_threads(0);
	sb_llvm_library_close(lib);
	unlink(so_path);
	rmdir(dir);
	tir_ctx_free(C);
	return 0;
}

static sb_packed_fn get(const char *name)
{
	sb_packed_fn fn = sb_llvm_library_lookup(lib, name);
	if (!fn)
		fail_msg("%s", sb_last_error());
	return fn;
}

static void test_add_from_so(void **state)
{
	sb_packed_fn fn = get("add");
	const int64_t sizes[] = {1, 13, 97};
	for (size_t s = 0; s < SB_ARRAY_LEN(sizes); s++) {
		int64_t n = sizes[s];
		sb_tensor *t[3] = {fx_tensor(SB_F32, 1, &n, 1), fx_tensor(SB_F32, 1, &n, 2),
				   fx_tensor(SB_F32, 1, &n, 3)};
		assert_int_equal(fx_call(fn, t, 3), 0);
		const float *a = sb_tensor_data(t[0]), *b = sb_tensor_data(t[1]),
			    *c = sb_tensor_data(t[2]);
		for (int64_t i = 0; i < n; i++)
			assert_true(c[i] == a[i] + b[i]);
		for (int q = 0; q < 3; q++)
			sb_tensor_release(t[q]);
	}
	/* Errors go through sb_module_runtime->set_error: an inconsistent
	 * symbolic dim (of an input, of the output), a wrong rank, a wrong
	 * dtype -- each names the buffer (and the dim). */
	int64_t n3 = 3, n4 = 4, m23[2] = {2, 3};
	sb_tensor *a = fx_tensor(SB_F32, 1, &n3, 1), *b = fx_tensor(SB_F32, 1, &n3, 2),
		  *c = fx_tensor(SB_F32, 1, &n3, 3), *b4 = fx_tensor(SB_F32, 1, &n4, 2),
		  *c4 = fx_tensor(SB_F32, 1, &n4, 3), *a2 = fx_tensor(SB_F32, 2, m23, 4),
		  *b64 = fx_tensor(SB_F64, 1, &n3, 5);
	const struct {
		sb_tensor *t[3];
		const char *msg;
	} bad[] = {
	    {{a, b4, c}, "add: buffer 'B' dim 0 is 4, expected 3 (= n)"},
	    {{a, b, c4}, "add: buffer 'C' dim 0 is 4, expected 3 (= n)"},
	    {{a2, b, c}, "add: buffer 'A' has rank 2, expected 1"},
	    {{a, b64, c}, "add: buffer 'B' has dtype float64, expected float32"},
	};
	for (size_t k = 0; k < SB_ARRAY_LEN(bad); k++) {
		sb_clear_error();
		assert_int_equal(fx_call(fn, bad[k].t, 3), SB_ERR_INVALID);
		assert_contains(sb_last_error(), bad[k].msg);
	}
	sb_tensor *all[] = {a, b, c, b4, c4, a2, b64};
	for (size_t q = 0; q < SB_ARRAY_LEN(all); q++)
		sb_tensor_release(all[q]);
}

static void test_rowsum_parallel_from_so(void **state)
{
	sb_packed_fn fn = get("rowsum");
	const int64_t shapes[][2] = {{1, 1}, {13, 97}, {97, 13}};
	for (size_t s = 0; s < SB_ARRAY_LEN(shapes); s++) {
		int64_t m = shapes[s][0], n = shapes[s][1];
		sb_tensor *t[2] = {fx_tensor(SB_F32, 2, shapes[s], 7), fx_tensor(SB_F32, 1, &m, 8)};
		assert_int_equal(fx_call(fn, t, 2), 0);
		const float *a = sb_tensor_data(t[0]), *got = sb_tensor_data(t[1]);
		for (int64_t i = 0; i < m; i++) {
			float acc = 0.0f;
			for (int64_t k = 0; k < n; k++)
				acc += a[i * n + k];
			assert_true(got[i] == acc);
		}
		sb_tensor_release(t[0]);
		sb_tensor_release(t[1]);
	}
}

static void test_conv1d_and_matmul_from_so(void **state)
{
	sb_packed_fn conv = get("conv1d"), mm = get("matmul");
	const int64_t cs[][4] = {{1, 1, 1, 1}, {3, 2, 13, 3}, {2, 5, 97, 4}}; /* ci, co, w, kw */
	for (size_t s = 0; s < SB_ARRAY_LEN(cs); s++) {
		int64_t ci = cs[s][0], co = cs[s][1], w = cs[s][2], kw = cs[s][3],
			ow = (w - kw) / 2 + 1;
		int64_t xs[2] = {ci, w}, ws[3] = {co, ci, kw}, ys[2] = {co, ow};
		sb_tensor *t[3] = {fx_tensor(SB_F32, 2, xs, 1), fx_tensor(SB_F32, 3, ws, 2),
				   fx_tensor(SB_F32, 2, ys, 3)};
		assert_int_equal(fx_call(conv, t, 3), 0);
		const float *x = sb_tensor_data(t[0]), *wt = sb_tensor_data(t[1]),
			    *y = sb_tensor_data(t[2]);
		for (int64_t o = 0; o < co; o++)
			for (int64_t p = 0; p < ow; p++) {
				float acc = 0.0f;
				for (int64_t c = 0; c < ci; c++)
					for (int64_t r = 0; r < kw; r++)
						acc += x[c * w + p * 2 + r] *
						       wt[(o * ci + c) * kw + r];
				assert_true(fabsf(y[o * ow + p] - acc) <= 1e-5f * (1 + fabsf(acc)));
			}
		for (int q = 0; q < 3; q++)
			sb_tensor_release(t[q]);
	}
	/* A symbolic dim that disagrees with its binding, and a computed one. */
	int64_t xs[2] = {2, 13}, bad_ws[3] = {3, 4, 3}, ws[3] = {3, 2, 3}, bad_ys[2] = {3, 7};
	sb_tensor *x = fx_tensor(SB_F32, 2, xs, 1), *bw = fx_tensor(SB_F32, 3, bad_ws, 2),
		  *w = fx_tensor(SB_F32, 3, ws, 2), *y = fx_tensor(SB_F32, 2, bad_ys, 3);
	sb_tensor *t1[3] = {x, bw, y}, *t2[3] = {x, w, y};
	assert_int_equal(fx_call(conv, t1, 3), SB_ERR_INVALID);
	assert_contains(sb_last_error(), "conv1d: buffer 'W' dim 1 is 4, expected 2 (= ci)");
	assert_int_equal(fx_call(conv, t2, 3), SB_ERR_INVALID);
	assert_contains(sb_last_error(),
			"conv1d: buffer 'Y' dim 1 is 7, expected 6 (= (w - kw) // 2 + 1)");
	sb_tensor *tmp[] = {x, bw, w, y};
	for (size_t q = 0; q < SB_ARRAY_LEN(tmp); q++)
		sb_tensor_release(tmp[q]);

	const int64_t ms[][3] = {{1, 1, 1}, {13, 17, 7}, {5, 97, 13}};
	for (size_t s = 0; s < SB_ARRAY_LEN(ms); s++) {
		int64_t m = ms[s][0], n = ms[s][1], k = ms[s][2];
		int64_t mk[2] = {m, k}, kn[2] = {k, n}, mn[2] = {m, n};
		sb_tensor *t[3] = {fx_tensor(SB_F32, 2, mk, 4), fx_tensor(SB_F32, 2, kn, 5),
				   fx_tensor(SB_F32, 2, mn, 6)};
		assert_int_equal(fx_call(mm, t, 3), 0);
		const float *a = sb_tensor_data(t[0]), *b = sb_tensor_data(t[1]),
			    *c = sb_tensor_data(t[2]);
		for (int64_t i = 0; i < m; i++)
			for (int64_t q = 0; q < n; q++) {
				float acc = 0.0f;
				for (int64_t r = 0; r < k; r++)
					acc += a[i * k + r] * b[r * n + q];
				assert_true(fabsf(c[i * n + q] - acc) <= 1e-5f * (1 + fabsf(acc)));
			}
		for (int q = 0; q < 3; q++)
			sb_tensor_release(t[q]);
	}
}

/* sb_module_functions lists every entry, as runtime/module.c expects. */
static void test_function_table(void **state)
{
	void *h = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
	assert_non_null(h);
	const sb_packed_entry *fns = dlsym(h, "sb_module_functions");
	assert_non_null(fns);
	const char *want[] = {"add", "rowsum", "conv1d", "matmul"};
	size_t n = 0;
	for (; fns[n].name; n++) {
		assert_string_equal(fns[n].name, want[n]);
		assert_ptr_equal((void *)(uintptr_t)fns[n].fn,
				 (void *)(uintptr_t)sb_llvm_library_lookup(lib, want[n]));
	}
	assert_int_equal(n, 4);
	/* Closures are internal: not exported. */
	assert_null(dlsym(h, "rowsum_par0"));
	dlclose(h);
}

static void test_object_file(void **state)
{
	sb_llvm_module *m;
	char path[128];
	snprintf(path, sizeof path, "%s/add.o", dir);
	assert_int_equal(sb_llvm_module_new("obj", NULL, &m), SB_OK);
	assert_int_equal(sb_llvm_module_add(m, C, fx_add(C)), SB_OK);
	assert_int_equal(sb_llvm_emit_object(m, path), SB_OK);
	sb_llvm_module_free(m);
	uint8_t *bytes;
	size_t size;
	assert_int_equal(sb_read_file(path, &bytes, &size), SB_OK);
	assert_true(size > 64 && !memcmp(bytes, "\177ELF", 4));
	free(bytes);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_add_from_so),
	    cmocka_unit_test(test_rowsum_parallel_from_so),
	    cmocka_unit_test(test_conv1d_and_matmul_from_so),
	    cmocka_unit_test(test_function_table),
	    cmocka_unit_test(test_object_file),
	};
	return cmocka_run_group_tests(tests, setup_group, teardown_group);
}
