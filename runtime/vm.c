/* The VM: a register machine over a validated executable.  A frame is the
 * function's registers plus scratch for call arguments (one pool block)
 * and its shape heap (another); a VM-function call recurses on the C stack
 * up to SB_VM_MAX_DEPTH.  Builtins find the current frame through a
 * thread-local, which is how they reach the shape heap and the pool. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

typedef struct vm_callee {
	const char *name;
	sb_packed_fn fn; /* NULL for a function of the executable */
	int32_t func;    /* its index, else -1 */
	bool builtin;    /* vm.builtin.*: messages are complete, no prefix */
} vm_callee;

struct sb_vm {
	sb_vm_exec *exec;
	vm_callee *callees;
	sb_pool *storage; /* tensors the program allocates */
	sb_pool *frames;  /* registers and shape heaps */
};

static _Thread_local sb_vm_frame *current_frame;

sb_vm_frame *sb_vm_frame_current(void) { return current_frame; }

sb_pool *sb_vm_storage_pool(sb_vm *vm) { return vm->storage; }

sb_status sb_vm_new(sb_vm_exec *exec, const sb_func_registry *local, sb_vm **out)
{
	*out = NULL;
	sb_status st = sb_vm_exec_validate(exec);
	if (st)
		return st;
	vm_callee *callees = sb_xcalloc((size_t)(exec->ncallees ? exec->ncallees : 1), sizeof *callees);
	for (int i = 0; i < exec->ncallees; i++) {
		const char *name = exec->callees[i];
		vm_callee *c = &callees[i];
		c->name = name;
		c->func = sb_vm_exec_find_func(exec, name);
		if (c->func >= 0)
			continue;
		c->fn = local ? sb_func_registry_lookup(local, name) : NULL;
		if (!c->fn)
			c->fn = sb_func_lookup(name);
		if (!c->fn) {
			free(callees);
			return sb_set_error(SB_ERR_INVALID,
					    "the executable calls '%s', which is neither one of its "
					    "functions nor a registered packed function",
					    name);
		}
		c->builtin = !strncmp(name, "vm.builtin.", 11);
	}
	sb_vm *vm = sb_xcalloc(1, sizeof *vm);
	vm->exec = exec;
	vm->callees = callees;
	vm->storage = sb_pool_new();
	vm->frames = sb_pool_new();
	*out = vm;
	return SB_OK;
}

void sb_vm_free(sb_vm *vm)
{
	if (!vm)
		return;
	sb_pool_release(vm->storage);
	sb_pool_release(vm->frames);
	free(vm->callees);
	free(vm);
}

static inline void reg_set(sb_value *reg, sb_value v)
{
	sb_value old = *reg;
	*reg = v;
	sb_value_release(&old);
}

/* A model's shape function: LowerShapes names them FUNCTION_shapeK. */
static bool is_shape_func(const char *name)
{
	const char *p = strstr(name, "_shape"), *last = NULL;
	for (; p; p = strstr(p + 1, "_shape"))
		last = p;
	if (!last || !last[6])
		return false;
	for (const char *d = last + 6; *d; d++) {
		if (*d < '0' || *d > '9')
			return false;
	}
	return true;
}

static sb_status call_packed(const vm_callee *c, const sb_value *args, int nargs, sb_value *out)
{
	sb_clear_error();
	int rc = c->fn(args, nargs, out);
	if (rc) {
		sb_value_release(out);
		sb_status st = rc > 0 && rc <= SB_ERR_INTERNAL ? (sb_status)rc : SB_ERR_INVALID;
		if (!*sb_last_error())
			sb_set_error(st, "failed (code %d) without a message", rc);
		/* Generated kernels name themselves ("add: buffer 'B' ..."); a
		 * model's shape function speaks for the model ("shape variable n
		 * is larger than 64 ..."), so its generated name stays out. */
		const char *msg = sb_last_error();
		size_t n = strlen(c->name);
		if (c->builtin || is_shape_func(c->name) ||
		    (!strncmp(msg, c->name, n) && msg[n] == ':'))
			return st;
		return sb_error_prefix(st, "%s", c->name);
	}
	if (out->kind < SB_VAL_NONE || out->kind > SB_VAL_OBJECT) {
		int kind = out->kind;
		*out = (sb_value){SB_VAL_NONE};
		return sb_set_error(SB_ERR_INTERNAL, "%s returned a value of unknown kind %d", c->name,
				    kind);
	}
	return SB_OK;
}

static sb_status vm_run(sb_vm *vm, int fi, const sb_value *args, int nargs, sb_value *ret,
			int depth)
{
	const sb_vm_exec *e = vm->exec;
	const sb_vm_func *f = &e->funcs[fi];
	if (nargs != f->nparams)
		return sb_set_error(SB_ERR_INVALID, "function '%s' takes %d arguments, got %d", f->name,
				    f->nparams, nargs);
	if (depth >= SB_VM_MAX_DEPTH)
		return sb_set_error(SB_ERR_INVALID, "function '%s': calls nested deeper than %d",
				    f->name, SB_VM_MAX_DEPTH);
	size_t nvals = (size_t)f->nregs + (size_t)f->max_call_args;
	sb_value *regs = sb_pool_alloc(vm->frames, nvals * sizeof *regs);
	if (!regs)
		return SB_ERR_NOMEM;
	memset(regs, 0, (size_t)f->nregs * sizeof *regs);
	sb_value *argbuf = regs + f->nregs;
	sb_vm_frame frame = {.vm = vm, .func = f, .caller = current_frame};
	if (f->heap_size) {
		frame.heap = sb_pool_alloc(vm->frames, (size_t)f->heap_size * sizeof(int64_t));
		if (!frame.heap) {
			sb_pool_free(regs);
			return SB_ERR_NOMEM;
		}
		memset(frame.heap, 0, (size_t)f->heap_size * sizeof(int64_t));
	}
	for (int i = 0; i < nargs; i++)
		regs[i] = sb_value_retain(args[i]);
	current_frame = &frame;

	sb_status st = SB_OK;
	int pc = 0;
	for (;;) {
		const sb_vm_instr *in = &f->code[pc];
		switch ((sb_vm_opcode)in->op) {
		case SB_VM_MOVE:
			reg_set(&regs[in->dst], sb_value_retain(regs[in->a]));
			pc++;
			break;
		case SB_VM_RET:
			*ret = regs[in->a];
			regs[in->a] = (sb_value){SB_VAL_NONE};
			goto done;
		case SB_VM_GOTO: pc += (int)in->a; break;
		case SB_VM_IF: {
			const sb_value *c = &regs[in->a];
			if (c->kind != SB_VAL_INT) {
				st = sb_set_error(SB_ERR_INVALID,
						  "function '%s' pc %d: if on r%d, which holds a %s, not an int",
						  f->name, pc, (int)in->a, sb_value_kind_name(c->kind));
				goto done;
			}
			pc += c->u.i ? 1 : in->b;
			break;
		}
		case SB_VM_LOAD_CONST:
			reg_set(&regs[in->dst], sb_value_retain(e->consts[in->a]));
			pc++;
			break;
		case SB_VM_LOAD_IMM:
			reg_set(&regs[in->dst], sb_value_int(in->a));
			pc++;
			break;
		case SB_VM_CALL: {
			const sb_vm_arg *a = &f->call_args[in->args];
			for (int k = 0; k < in->b; k++) /* borrowed: the registers keep them alive */
				argbuf[k] = a[k].kind == SB_VM_ARG_REG	   ? regs[a[k].value]
					    : a[k].kind == SB_VM_ARG_CONST ? e->consts[a[k].value]
									   : sb_value_int(a[k].value);
			const vm_callee *c = &vm->callees[in->a];
			sb_value out = {SB_VAL_NONE};
			st = c->func >= 0 ? vm_run(vm, c->func, argbuf, in->b, &out, depth + 1)
					  : call_packed(c, argbuf, in->b, &out);
			current_frame = &frame;
			if (st)
				goto done;
			reg_set(&regs[in->dst], out);
			pc++;
			break;
		}
		case SB_VM_OP_COUNT: SB_UNREACHABLE(); /* validation rejects it */
		}
	}
done:
	current_frame = frame.caller;
	for (int i = 0; i < f->nregs; i++)
		sb_value_release(&regs[i]);
	sb_pool_free(regs);
	if (frame.heap_tensor)
		sb_tensor_release(frame.heap_tensor); /* it owns the heap now */
	else
		sb_pool_free(frame.heap);
	return st;
}

sb_status sb_vm_invoke(sb_vm *vm, int f, const sb_value *args, int nargs, sb_value *ret)
{
	*ret = (sb_value){SB_VAL_NONE};
	if (f < 0 || f >= vm->exec->nfuncs)
		return sb_set_error(SB_ERR_INVALID, "no VM function %d", f);
	if (nargs < 0 || (nargs && !args))
		return sb_set_error(SB_ERR_INVALID, "bad argument list");
	return vm_run(vm, f, args, nargs, ret, 0);
}
