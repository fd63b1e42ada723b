/* LLVM modules: the host machine, module creation, adding PrimFuncs, the
 * runtime calls generated code makes, the O3 pipeline, object and shared
 * library emission, and the stage dumps. */
#include <errno.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "llvm_internal.h"

extern char **environ;

/* ---- The host ---- */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static sb_llvm_host host;

static bool has_feature(const char *features, const char *name)
{
	size_t n = strlen(name);
	for (const char *p = features; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);
		if (len == n + 1 && p[0] == '+' && !strncmp(p + 1, name, n))
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

static void init_llvm(void)
{
	LLVMInitializeNativeTarget();
	LLVMInitializeNativeAsmPrinter();
	LLVMInitializeNativeAsmParser();
	char *cpu = LLVMGetHostCPUName(), *features = LLVMGetHostCPUFeatures();
	host.cpu = sb_xstrdup(cpu);
	host.features = sb_xstrdup(features);
	LLVMDisposeMessage(cpu);
	LLVMDisposeMessage(features);
	host.vector_bits = has_feature(host.features, "avx512f") ? 512
			   : has_feature(host.features, "avx")	 ? 256
								 : 128;
}

void sb_llvm_init(void)
{
	pthread_once(&init_once, init_llvm);
}

const sb_llvm_host *sb_llvm_host_get(void)
{
	sb_llvm_init();
	return &host;
}

LLVMTargetMachineRef sb_llvm_target_machine(bool pic)
{
	sb_llvm_init();
	char *triple = LLVMGetDefaultTargetTriple(), *err = NULL;
	LLVMTargetRef target;
	if (LLVMGetTargetFromTriple(triple, &target, &err))
		sb_die(__FILE__, __LINE__, __func__, "no LLVM target for %s: %s", triple, err);
	LLVMTargetMachineRef tm = LLVMCreateTargetMachine(
	    target, triple, host.cpu, host.features, LLVMCodeGenLevelAggressive,
	    pic ? LLVMRelocPIC : LLVMRelocDefault, LLVMCodeModelDefault);
	LLVMDisposeMessage(triple);
	return tm;
}

/* ---- Modules ---- */

sb_status sb_llvm_module_new(const char *name, const sb_llvm_options *opts, sb_llvm_module **out)
{
	sb_llvm_init();
	sb_llvm_module *m = sb_xcalloc(1, sizeof *m);
	if (opts)
		m->opts = *opts;
	m->vector_bits = m->opts.vector_bits > 0 ? m->opts.vector_bits : host.vector_bits;
	m->tsctx = LLVMOrcCreateNewThreadSafeContext();
	m->c = LLVMOrcThreadSafeContextGetContext(m->tsctx);
	m->mod = LLVMModuleCreateWithNameInContext(name, m->c);
	/* PIC: the same module may go to the JIT or into a .so. */
	m->tm = sb_llvm_target_machine(true);
	char *triple = LLVMGetTargetMachineTriple(m->tm);
	LLVMSetTarget(m->mod, triple);
	LLVMDisposeMessage(triple);
	LLVMTargetDataRef dl = LLVMCreateTargetDataLayout(m->tm);
	LLVMSetModuleDataLayout(m->mod, dl);
	LLVMDisposeTargetData(dl);
	if (m->opts.runtime_table) {
		LLVMTypeRef i8p = LLVMPointerType(LLVMInt8TypeInContext(m->c), 0);
		m->runtime_slot = LLVMAddGlobal(m->mod, i8p, "sb_module_runtime");
		LLVMSetInitializer(m->runtime_slot, LLVMConstNull(i8p));
		/* Weak: a model .so may also define it (runtime/module.c fills it). */
		LLVMSetLinkage(m->runtime_slot, LLVMWeakAnyLinkage);
	}
	*out = m;
	return SB_OK;
}

void sb_llvm_module_free(sb_llvm_module *m)
{
	if (!m)
		return;
	if (m->mod)
		LLVMDisposeModule(m->mod);
	if (m->tm)
		LLVMDisposeTargetMachine(m->tm);
	if (m->tsctx)
		LLVMOrcDisposeThreadSafeContext(m->tsctx);
	for (size_t i = 0; i < m->entry_names.len; i++)
		free(m->entry_names.data[i]);
	sb_vec_free(&m->entry_names);
	sb_vec_free(&m->entries);
	free(m);
}

/* Does any expression or buffer of s use float16? */
typedef struct f16_scan {
	sb_map seen;
	bool found;
} f16_scan;

static void f16_expr(f16_scan *sc, const tir_expr *e)
{
	if (sc->found || sb_map_get(&sc->seen, (uintptr_t)e, NULL))
		return;
	sb_map_put(&sc->seen, (uintptr_t)e, NULL);
	sc->found = e->type.dtype == SB_F16;
	for (uint32_t i = 0; i < e->nops; i++)
		f16_expr(sc, e->ops[i]);
}

static bool f16_pre(tir_stmt *s, void *env)
{
	f16_scan *sc = env;
	switch (s->kind) {
	case TIR_STMT_BUFFER_STORE:
		sc->found |= s->u.store.buffer->dtype == SB_F16;
		f16_expr(sc, s->u.store.value);
		break;
	case TIR_STMT_ALLOCATE:
		sc->found |= s->u.alloc.buffer->dtype == SB_F16;
		break;
	case TIR_STMT_LET:
		f16_expr(sc, s->u.let.value);
		break;
	case TIR_STMT_IF:
		f16_expr(sc, s->u.if_.cond);
		break;
	default:
		break;
	}
	return !sc->found;
}

static bool uses_f16(const tir_func *f)
{
	f16_scan sc = {.found = false};
	sb_map_init(&sc.seen);
	for (int i = 0; i < f->nparams; i++)
		sc.found |= f->params[i].buffer ? f->params[i].buffer->dtype == SB_F16
						: f->params[i].var->type.dtype == SB_F16;
	tir_stmt_walk(f->body, f16_pre, NULL, &sc);
	sb_map_free(&sc.seen);
	return sc.found;
}

sb_status sb_llvm_module_add(sb_llvm_module *m, tir_ctx *ctx, const tir_func *f)
{
	/* float16 is LLVM's half, which x86 converts with F16C (every AVX2
	 * CPU); without it LLVM 14 would call conversion helpers whose ABI it
	 * and libgcc disagree on. */
	sb_llvm_init();
	if (!has_feature(host.features, "f16c") && uses_f16(f))
		return sb_set_error(SB_ERR_UNSUPPORTED,
				    "llvm: @%s uses float16, which needs a CPU with F16C", f->name);
	if (m->optimized)
		return sb_set_error(SB_ERR_INVALID,
				    "llvm: module already optimized; cannot add @%s", f->name);
	tir_lower_options lo = {.vector_bits = m->vector_bits};
	tir_lowered *low;
	sb_status st = tir_lower(ctx, f, &lo, &low);
	if (st)
		return st;
	if ((st = sb_llvm_emit_closures(m, low)))
		return st;
	return sb_llvm_emit_entry(m, low);
}

/* sb_module_functions: {name, entry} pairs ending with {NULL, NULL}. */
static void emit_function_table(sb_llvm_module *m)
{
	LLVMTypeRef i8p = LLVMPointerType(LLVMInt8TypeInContext(m->c), 0);
	LLVMTypeRef fields[2] = {i8p, i8p};
	LLVMTypeRef pair = LLVMStructTypeInContext(m->c, fields, 2, false);
	size_t n = m->entries.len;
	LLVMValueRef *rows = sb_xcalloc(n + 1, sizeof *rows);
	for (size_t i = 0; i < n; i++) {
		const char *name = m->entry_names.data[i];
		LLVMValueRef str =
		    LLVMConstStringInContext(m->c, name, (unsigned)strlen(name), false);
		LLVMValueRef g = LLVMAddGlobal(m->mod, LLVMTypeOf(str), "sb.fn_name");
		LLVMSetInitializer(g, str);
		LLVMSetGlobalConstant(g, true);
		LLVMSetLinkage(g, LLVMPrivateLinkage);
		LLVMValueRef v[2] = {LLVMConstBitCast(g, i8p),
				     LLVMConstBitCast(m->entries.data[i], i8p)};
		rows[i] = LLVMConstNamedStruct(pair, v, 2);
	}
	LLVMValueRef end[2] = {LLVMConstNull(i8p), LLVMConstNull(i8p)};
	rows[n] = LLVMConstNamedStruct(pair, end, 2);
	LLVMValueRef arr = LLVMConstArray(pair, rows, (unsigned)n + 1);
	LLVMValueRef g = LLVMAddGlobal(m->mod, LLVMTypeOf(arr), "sb_module_functions");
	LLVMSetInitializer(g, arr);
	LLVMSetGlobalConstant(g, true);
	free(rows);
}

static sb_status llvm_error(sb_status code, const char *what, LLVMErrorRef err)
{
	char *msg = LLVMGetErrorMessage(err);
	sb_status st = sb_set_error(code, "llvm: %s: %s", what, msg);
	LLVMDisposeErrorMessage(msg);
	return st;
}

sb_status sb_llvm_module_optimize(sb_llvm_module *m)
{
	if (m->optimized)
		return SB_OK;
	m->optimized = true;
	if (m->opts.function_table)
		emit_function_table(m);
	char *msg = NULL;
	if (LLVMVerifyModule(m->mod, LLVMReturnStatusAction, &msg)) {
		sb_status st =
		    sb_set_error(SB_ERR_INTERNAL, "llvm: generated IR is invalid: %s", msg);
		if (sb_debug_enabled("llvm")) {
			char *ir = LLVMPrintModuleToString(m->mod);
			fprintf(stderr, "%s\n", ir);
			LLVMDisposeMessage(ir);
		}
		LLVMDisposeMessage(msg);
		return st;
	}
	LLVMDisposeMessage(msg);
	if (m->opts.no_opt)
		return SB_OK;
	LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
	LLVMPassBuilderOptionsSetLoopVectorization(po, true);
	LLVMPassBuilderOptionsSetSLPVectorization(po, true);
	LLVMPassBuilderOptionsSetLoopUnrolling(po, true);
	LLVMPassBuilderOptionsSetLoopInterleaving(po, true);
	LLVMErrorRef err = LLVMRunPasses(m->mod, "default<O3>", m->tm, po);
	LLVMDisposePassBuilderOptions(po);
	if (err)
		return llvm_error(SB_ERR_INTERNAL, "O3 pipeline", err);
	if (sb_debug_enabled("llvm")) {
		char *ir = LLVMPrintModuleToString(m->mod);
		fprintf(stderr, "--- llvm after O3 ---\n%s\n", ir);
		LLVMDisposeMessage(ir);
	}
	return SB_OK;
}

char *sb_llvm_module_to_string(sb_llvm_module *m)
{
	if (!m->mod)
		return sb_xstrdup("; (module handed to the JIT)\n");
	char *s = LLVMPrintModuleToString(m->mod);
	char *out = sb_xstrdup(s);
	LLVMDisposeMessage(s);
	return out;
}

/* ---- Objects and shared libraries ---- */

sb_status sb_llvm_emit_object(sb_llvm_module *m, const char *path)
{
	sb_status st = sb_llvm_module_optimize(m);
	if (st)
		return st;
	char *err = NULL;
	if (LLVMTargetMachineEmitToFile(m->tm, m->mod, (char *)path, LLVMObjectFile, &err)) {
		st = sb_set_error(SB_ERR_IO, "llvm: cannot write object '%s': %s", path, err);
		LLVMDisposeMessage(err);
		return st;
	}
	return SB_OK;
}

/* Runs argv (no shell); SB_ERR_IO unless it exits with 0. */
static sb_status run_command(char *const argv[])
{
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
	if (rc)
		return sb_set_error(SB_ERR_IO, "cannot run '%s': %s", argv[0], strerror(rc));
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return sb_set_error(SB_ERR_IO, "waiting for '%s': %s", argv[0],
					    strerror(errno));
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return sb_set_error(SB_ERR_IO, "'%s' failed (status %d)", argv[0], status);
	return SB_OK;
}

sb_status sb_llvm_emit_shared(sb_llvm_module *m, const char *path)
{
	char *obj = sb_xasprintf("%s.o", path);
	sb_status st = sb_llvm_emit_object(m, obj);
	if (!st) {
		/* Table mode needs nothing from shapebridge, and the link proves it
		 * (--no-undefined); by-symbol mode leaves sb_set_error & co. to the
		 * loading process (which must export them: -rdynamic). */
		char *argv[] = {"cc",
				"-shared",
				"-o",
				(char *)path,
				obj,
				"-lm",
				m->opts.runtime_table ? "-Wl,--no-undefined" : NULL,
				NULL};
		st = run_command(argv);
		if (st)
			sb_error_prefix(st, "llvm: linking '%s'", path);
	}
	unlink(obj);
	free(obj);
	return st;
}

/* ---- Symbols ---- */

static const char *const rt_symbol[SB_LLVM_RT_COUNT] = {
#define X(id, sym, field) [SB_LLVM_RT_##id] = sym,
    SB_LLVM_RUNTIME_FNS(X)
#undef X
};
static const size_t rt_offset[SB_LLVM_RT_COUNT] = {
#define X(id, sym, field) [SB_LLVM_RT_##id] = offsetof(sb_runtime_api, field),
    SB_LLVM_RUNTIME_FNS(X)
#undef X
};

/* Would an entry of this name capture calls the generated code makes? */
static bool is_reserved_symbol(const char *name)
{
	/* What LLVM itself may call, and the symbols of a model .so. */
	static const char *const extra[] = {
	    "memcpy",
	    "memset",
	    "memmove",
	    "sincos",
	    "sincosf",
	    "ldexp",
	    "ldexpf",
	    "exp10",
	    "exp10f",
	    "fmod",
	    "fmodf",
	    "sb_module_runtime",
	    "sb_module_functions",
	    "sb_module_blob",
	    "sb_module_blob_size",
	};
	for (size_t i = 0; i < SB_ARRAY_LEN(extra); i++) {
		if (!strcmp(name, extra[i]))
			return true;
	}
	for (int i = 0; i < SB_LLVM_RT_COUNT; i++) {
		if (!strcmp(name, rt_symbol[i]))
			return true;
	}
	for (int i = 0; i < TIR_INTRIN_COUNT; i++) {
		const char *libm = tir_intrin_table[i].libm;
		size_t n = libm ? strlen(libm) : 0;
		if (libm && !strncmp(name, libm, n) &&
		    (!name[n] || (name[n] == 'f' && !name[n + 1])))
			return true;
	}
	return false;
}

char *sb_llvm_entry_symbol(const char *name)
{
	return is_reserved_symbol(name) ? sb_xasprintf("sb_kernel_%s", name) : sb_xstrdup(name);
}

/* ---- Runtime calls ---- */

static LLVMTypeRef rt_type(sb_llvm_cg *g, sb_llvm_rt fn)
{
	LLVMContextRef c = g->c;
	LLVMTypeRef i8p = sb_llvm_i8p(g), i32 = LLVMInt32TypeInContext(c),
		    i64 = LLVMInt64TypeInContext(c), v = LLVMVoidTypeInContext(c);
	switch (fn) {
	case SB_LLVM_RT_SET_ERROR: {
		LLVMTypeRef p[2] = {i32, i8p};
		return LLVMFunctionType(i32, p, 2, true);
	}
	case SB_LLVM_RT_PARALLEL_FOR: {
		LLVMTypeRef bp[3] = {i64, i64, i8p};
		LLVMTypeRef body = LLVMPointerType(LLVMFunctionType(v, bp, 3, false), 0);
		LLVMTypeRef p[3] = {i64, body, i8p};
		return LLVMFunctionType(v, p, 3, false);
	}
	case SB_LLVM_RT_WORKSPACE_ALLOC:
		return LLVMFunctionType(i8p, &i64, 1, false);
	case SB_LLVM_RT_WORKSPACE_FREE:
		return LLVMFunctionType(v, &i8p, 1, false);
	case SB_LLVM_RT_COUNT:
		break;
	}
	SB_UNREACHABLE();
}

LLVMValueRef sb_llvm_call_rt(sb_llvm_cg *g, sb_llvm_rt fn, LLVMValueRef *args, int nargs)
{
	sb_llvm_module *m = g->m;
	LLVMTypeRef fty = rt_type(g, fn);
	LLVMValueRef callee;
	if (m->opts.runtime_table) {
		LLVMTypeRef i8p = sb_llvm_i8p(g);
		LLVMValueRef api = LLVMBuildLoad2(g->b, i8p, m->runtime_slot, "rt");
		LLVMValueRef off = sb_llvm_const_i64(g, (int64_t)rt_offset[fn]);
		LLVMValueRef slot =
		    LLVMBuildGEP2(g->b, LLVMInt8TypeInContext(g->c), api, &off, 1, "");
		LLVMTypeRef fpty = LLVMPointerType(fty, 0);
		slot = LLVMBuildBitCast(g->b, slot, LLVMPointerType(fpty, 0), "");
		callee = LLVMBuildLoad2(g->b, fpty, slot, rt_symbol[fn]);
	} else {
		if (!m->rt_decl[fn]) {
			m->rt_decl[fn] = LLVMGetNamedFunction(m->mod, rt_symbol[fn]);
			if (!m->rt_decl[fn])
				m->rt_decl[fn] = LLVMAddFunction(m->mod, rt_symbol[fn], fty);
		}
		callee = m->rt_decl[fn];
	}
	return LLVMBuildCall2(g->b, fty, callee, args, (unsigned)nargs, "");
}

/* ---- Error exits ---- */

LLVMBasicBlockRef sb_llvm_block(sb_llvm_cg *g, const char *name)
{
	return LLVMAppendBasicBlockInContext(g->c, g->fn, name);
}

void sb_llvm_fail(sb_llvm_cg *g, sb_status code, const char *fmt, LLVMValueRef *args, int nargs)
{
	SB_ASSERT(!g->is_closure && nargs <= 14);
	LLVMValueRef a[16];
	a[0] = sb_llvm_const_i32(g, (int32_t)code);
	a[1] = sb_llvm_cstring(g, fmt);
	for (int i = 0; i < nargs; i++)
		a[i + 2] = args[i];
	sb_llvm_call_rt(g, SB_LLVM_RT_SET_ERROR, a, nargs + 2);
	for (size_t i = g->heap.len; i-- > 0;) {
		LLVMValueRef p = g->heap.data[i];
		sb_llvm_call_rt(g, SB_LLVM_RT_WORKSPACE_FREE, &p, 1);
	}
	LLVMBuildRet(g->b, sb_llvm_const_i32(g, (int32_t)code));
}

LLVMBasicBlockRef sb_llvm_fail_unless(sb_llvm_cg *g, LLVMValueRef ok)
{
	LLVMBasicBlockRef bad = sb_llvm_block(g, "fail"), good = sb_llvm_block(g, "ok");
	LLVMBuildCondBr(g->b, ok, good, bad);
	LLVMPositionBuilderAtEnd(g->b, bad);
	return good;
}

void sb_llvm_check(sb_llvm_cg *g, LLVMValueRef ok, sb_status code, const char *fmt,
		   LLVMValueRef *args, int nargs)
{
	LLVMBasicBlockRef good = sb_llvm_fail_unless(g, ok);
	sb_llvm_fail(g, code, fmt, args, nargs);
	LLVMPositionBuilderAtEnd(g->b, good);
}

/* ---- Stage dumps ---- */

sb_status sb_llvm_dump_tir(tir_ctx *ctx, const tir_func *f, const sb_llvm_options *opts, char **out)
{
	*out = NULL;
	tir_lower_options lo = {.vector_bits = opts && opts->vector_bits > 0
						   ? opts->vector_bits
						   : sb_llvm_host_get()->vector_bits};
	tir_lowered *low;
	sb_status st = tir_lower(ctx, f, &lo, &low);
	if (!st)
		*out = tir_lowered_to_string(low);
	return st;
}

sb_status sb_llvm_dump_llvm(tir_ctx *ctx, const tir_func *f, const sb_llvm_options *opts,
			    char **out)
{
	*out = NULL;
	sb_llvm_module *m;
	sb_status st = sb_llvm_module_new(f->name, opts, &m);
	if (!st)
		st = sb_llvm_module_add(m, ctx, f);
	if (!st)
		st = sb_llvm_module_optimize(m);
	if (!st)
		*out = sb_llvm_module_to_string(m);
	sb_llvm_module_free(m);
	return st;
}
