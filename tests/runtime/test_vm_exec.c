/* runtime: executable validation, the blob format, and rejection of
 * corrupted blobs (every flipped byte, every truncation, and re-checksummed
 * mutations that reach the decoder and the validator). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "runtime/runtime.h"

#define KERNEL_SET_ERROR sb_set_error
#define KERNEL_PARALLEL_FOR sb_parallel_for
#include "vm_test_kernels.h"
#include "vm_test_program.h"

static int register_kernels(void **state)
{
#define REGISTER(name, fn) assert_int_equal(sb_func_register(name, fn, 0), SB_OK);
	VM_TEST_KERNELS(REGISTER)
	return 0;
}

static char *print(const sb_vm_exec *e)
{
	sb_strbuf b = {0};
	sb_vm_exec_print(e, &b);
	return sb_strbuf_take(&b);
}

static uint64_t read_le(const uint8_t *p, int n)
{
	uint64_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void test_round_trip(void **state)
{
	sb_vm_exec *e = vm_test_program();
	uint8_t *blob, *blob2;
	size_t size, size2;
	assert_int_equal(sb_vm_exec_serialize(e, &blob, &size), SB_OK);

	/* The header as docs/vm.md lays it out. */
	assert_memory_equal(blob, "SBVM", 4);
	assert_int_equal(read_le(blob + 4, 4), SB_VM_FORMAT_VERSION);
	assert_int_equal(read_le(blob + 8, 8), size - 24);
	assert_int_equal(read_le(blob + 16, 8), sb_vm_checksum(blob + 24, size - 24));

	sb_vm_exec *d;
	assert_int_equal(sb_vm_exec_deserialize(blob, size, &d), SB_OK);
	char *t1 = print(e), *t2 = print(d);
	assert_string_equal(t1, t2);
	/* Serializing what was loaded gives the same bytes. */
	assert_int_equal(sb_vm_exec_serialize(d, &blob2, &size2), SB_OK);
	assert_int_equal(size, size2);
	assert_memory_equal(blob, blob2, size);
	assert_int_equal(d->inputs[0].dims[0].value, -1);
	assert_string_equal(d->inputs[0].dims[0].name, "n");
	assert_int_equal(d->inputs[0].dims[1].value, 4);
	assert_null(d->inputs[0].dims[1].name);

	/* And it runs. */
	sb_vm *vm;
	assert_int_equal(sb_vm_new(d, NULL, &vm), SB_OK);
	int64_t shape[2] = {2, 4};
	sb_tensor *x = sb_tensor_new(SB_F32, 2, shape);
	for (int i = 0; i < 8; i++)
		((float *)x->dl.data)[i] = (float)i;
	sb_value arg = sb_value_tensor(x), ret;
	assert_int_equal(sb_vm_invoke(vm, d->entry, &arg, 1, &ret), SB_OK);
	assert_float_equal(((float *)ret.u.tensor->dl.data)[7], 14.0, 0);
	sb_value_release(&ret);
	sb_tensor_release(x);
	sb_vm_free(vm);

	free(t1);
	free(t2);
	free(blob);
	free(blob2);
	sb_vm_exec_free(d);
	sb_vm_exec_free(e);
}

static void test_header_errors(void **state)
{
	sb_vm_exec *e = vm_test_program(), *d;
	uint8_t *blob;
	size_t size;
	assert_int_equal(sb_vm_exec_serialize(e, &blob, &size), SB_OK);
	blob[0] = 'X';
	assert_int_equal(sb_vm_exec_deserialize(blob, size, &d), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "bad magic"));
	blob[0] = 'S';
	blob[4] = 9;
	assert_int_equal(sb_vm_exec_deserialize(blob, size, &d), SB_ERR_UNSUPPORTED);
	assert_non_null(strstr(sb_last_error(), "version 9"));
	blob[4] = SB_VM_FORMAT_VERSION;
	assert_int_equal(sb_vm_exec_deserialize(blob, size - 1, &d), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "header says"));
	blob[size / 2] ^= 1;
	assert_int_equal(sb_vm_exec_deserialize(blob, size, &d), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "checksum"));
	assert_null(d);
	assert_int_equal(sb_vm_exec_deserialize(blob, 3, &d), SB_ERR_INVALID);
	free(blob);
	sb_vm_exec_free(e);
}

static void test_every_flip_and_truncation_fails(void **state)
{
	sb_vm_exec *e = vm_test_program(), *d;
	uint8_t *blob;
	size_t size;
	assert_int_equal(sb_vm_exec_serialize(e, &blob, &size), SB_OK);
	static const uint8_t flips[] = {0x01, 0x80, 0xff, 0x10};
	for (size_t i = 0; i < size; i++) {
		for (size_t k = 0; k < SB_ARRAY_LEN(flips); k++) {
			blob[i] ^= flips[k];
			sb_status st = sb_vm_exec_deserialize(blob, size, &d);
			blob[i] ^= flips[k];
			if (st == SB_OK)
				fail_msg("flipping byte %zu by 0x%02x was not detected", i, flips[k]);
			assert_null(d);
		}
	}
	for (size_t n = 0; n < size; n++) {
		assert_int_not_equal(sb_vm_exec_deserialize(blob, n, &d), SB_OK);
		assert_null(d);
	}
	uint8_t *longer = malloc(size + 1);
	memcpy(longer, blob, size);
	longer[size] = 0;
	assert_int_not_equal(sb_vm_exec_deserialize(longer, size + 1, &d), SB_OK);
	free(longer);
	free(blob);
	sb_vm_exec_free(e);
}

static void fix_checksum(uint8_t *blob, size_t size)
{
	uint64_t sum = sb_vm_checksum(blob + 24, size - 24);
	for (int i = 0; i < 8; i++)
		blob[16 + i] = (uint8_t)(sum >> (8 * i));
}

/* Mutated immediates can ask for terabytes; under ASan that must be a
 * NULL from malloc (an error), as it is without ASan. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }

/* True if every jump goes forward: then every run ends (calls are
 * depth-limited), so a mutated program can be run, not just loaded. */
static bool only_forward_jumps(const sb_vm_exec *e)
{
	for (int f = 0; f < e->nfuncs; f++)
		for (int pc = 0; pc < e->funcs[f].ncode; pc++) {
			const sb_vm_instr *in = &e->funcs[f].code[pc];
			if ((in->op == SB_VM_GOTO && in->a <= 0) || (in->op == SB_VM_IF && in->b <= 0))
				return false;
		}
	return true;
}

/* Loads a mutated blob: it must fail with a message or give an
 * executable that passes validation, prints, and -- if it links and
 * cannot loop -- runs every function to an answer or an error. */
static int try_load(const uint8_t *blob, size_t size, int *ran)
{
	sb_vm_exec *d;
	sb_clear_error();
	sb_status st = sb_vm_exec_deserialize(blob, size, &d);
	if (st) {
		assert_null(d);
		assert_true(sb_last_error()[0] != '\0');
		return 0;
	}
	assert_int_equal(sb_vm_exec_validate(d), SB_OK);
	char *text = print(d);
	free(text);
	sb_vm *vm;
	if (only_forward_jumps(d) && sb_vm_new(d, NULL, &vm) == SB_OK) {
		int64_t shape[2] = {2, 4};
		sb_tensor *x = sb_tensor_zeros(SB_F32, 2, shape);
		sb_value args[4] = {sb_value_tensor(x), sb_value_tensor(x), sb_value_int(3),
				    sb_value_int(1)};
		for (int f = 0; f < d->nfuncs; f++) {
			sb_value ret;
			if (d->funcs[f].nparams > 4)
				continue;
			if (sb_vm_invoke(vm, f, args, d->funcs[f].nparams, &ret) == SB_OK)
				sb_value_release(&ret);
			else
				assert_int_equal(ret.kind, SB_VAL_NONE);
			(*ran)++;
		}
		sb_tensor_release(x);
		sb_vm_free(vm);
	}
	sb_vm_exec_free(d);
	return 1;
}

static void test_rechecksummed_mutations(void **state)
{
	/* The checksum is fixed up after each mutation, so the decoder and
	 * the validator see the bad bytes: every length field, count, index
	 * and opcode gets bad values.  ASan/UBSan builds check that nothing
	 * reads out of bounds on the way. */
	/* Loop-free (no count_to), so loaded mutants can be run. */
	sb_vm_exec *e = sb_vm_exec_new();
	vm_test_add_main(e);
	vm_test_add_consts(e);
	uint8_t *blob, *m;
	size_t size;
	assert_int_equal(sb_vm_exec_serialize(e, &blob, &size), SB_OK);
	m = malloc(size);
	static const uint8_t flips[] = {0x01, 0x02, 0x80, 0xff};
	static const uint8_t sets[] = {0x00, 0x7f, 0xff};
	int loaded = 0, tried = 0, ran = 0;
	for (size_t i = 24; i < size; i++) {
		for (size_t k = 0; k < SB_ARRAY_LEN(flips) + SB_ARRAY_LEN(sets); k++) {
			memcpy(m, blob, size);
			if (k < SB_ARRAY_LEN(flips))
				m[i] ^= flips[k];
			else if (m[i] != sets[k - SB_ARRAY_LEN(flips)])
				m[i] = sets[k - SB_ARRAY_LEN(flips)];
			else
				continue;
			fix_checksum(m, size);
			loaded += try_load(m, size, &ran);
			tried++;
		}
	}
	/* Several random bytes at once (fixed seed: the same cases each run). */
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	for (int iter = 0; iter < 3000; iter++) {
		memcpy(m, blob, size);
		int nbytes = 1 + iter % 4;
		for (int j = 0; j < nbytes; j++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			size_t at = 24 + (size_t)((seed >> 33) % (size - 24));
			m[at] = (uint8_t)(seed >> 20);
		}
		fix_checksum(m, size);
		loaded += try_load(m, size, &ran);
		tried++;
	}
	print_message("%d of %d mutated blobs loaded and validated, %d runs\n", loaded, tried, ran);
	/* Some mutations are harmless (a float constant's bits, a string's
	 * letters): those must load; most must not. */
	assert_true(loaded > 0);
	assert_true(loaded < tried);
	assert_true(ran > 0);
	free(m);
	free(blob);
	sb_vm_exec_free(e);
}

static void test_validation_names_the_problem(void **state)
{
	struct {
		sb_vm_instr in;
		const char *msg;
	} cases[] = {
		{{.op = SB_VM_MOVE, .dst = 5, .a = 0}, "pc 0 (move): dst register 5 is outside 0..1"},
		{{.op = SB_VM_MOVE, .dst = 0, .a = -1}, "pc 0 (move): a register -1 is outside 0..1"},
		{{.op = SB_VM_LOAD_CONST, .dst = 0, .a = 3}, "a constant 3 is outside 0..0"},
		{{.op = SB_VM_GOTO, .a = 7}, "a jump target 7 is outside 0..1"},
		{{.op = SB_VM_IF, .a = 0, .b = -1}, "b jump target -1 is outside 0..1"},
		{{.op = SB_VM_CALL, .dst = 0, .a = 2}, "a function-table index 2 is outside 0..0"},
		{{.op = 99}, "unknown opcode 99"},
	};
	for (size_t i = 0; i < SB_ARRAY_LEN(cases); i++) {
		sb_vm_exec *e = sb_vm_exec_new();
		sb_vm_exec_add_callee(e, "test.inc");
		sb_vm_exec_add_const(e, sb_value_int(1));
		int f = sb_vm_exec_add_func(e, "f", 0, NULL, 2, 0);
		sb_vm_emit(e, f, cases[i].in);
		sb_vm_emit_ret(e, f, 0);
		assert_int_equal(sb_vm_exec_validate(e), SB_ERR_INVALID);
		if (!strstr(sb_last_error(), cases[i].msg))
			fail_msg("case %zu: got '%s', want '%s'", i, sb_last_error(), cases[i].msg);
		sb_vm_exec_free(e);
	}

	sb_vm_exec *e = sb_vm_exec_new();
	int f = sb_vm_exec_add_func(e, "f", 0, NULL, 2, 0);
	sb_vm_emit_load_imm(e, f, 0, 1);
	assert_int_equal(sb_vm_exec_validate(e), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "can run past its last instruction"));
	sb_vm_emit_ret(e, f, 0);
	assert_int_equal(sb_vm_exec_validate(e), SB_OK);
	sb_vm_emit_call(e, f, 0, sb_vm_exec_add_callee(e, "x"), 1, &SB_VM_CONST(5));
	sb_vm_emit_ret(e, f, 0);
	assert_int_equal(sb_vm_exec_validate(e), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "argument constant 5"));
	sb_vm_exec_free(e);

	/* Described inputs must match the entry's parameters. */
	e = sb_vm_exec_new();
	const char *params[] = {"a"};
	f = sb_vm_exec_add_func(e, "main", 1, params, 1, 0);
	sb_vm_emit_ret(e, f, 0);
	sb_vm_exec_set_entry(e, f);
	assert_int_equal(sb_vm_exec_validate(e), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "0 inputs are described for an entry taking 1"));
	sb_dim_info dims[1] = {{-5, NULL}};
	sb_vm_exec_add_input(e, &(sb_io_info){"a", SB_F32, 1, dims});
	assert_int_equal(sb_vm_exec_validate(e), SB_ERR_INVALID);
	assert_non_null(strstr(sb_last_error(), "input 'a' dim 0"));
	sb_vm_exec_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_header_errors),
		cmocka_unit_test(test_every_flip_and_truncation_fails),
		cmocka_unit_test(test_rechecksummed_mutations),
		cmocka_unit_test(test_validation_names_the_problem),
	};
	return cmocka_run_group_tests(tests, register_kernels, NULL);
}
