/* VM executables: building one, checking one, and the blob format a model
 * .so carries.  The loader treats the blob as untrusted: every read is
 * bounds-checked, every count is checked against the bytes left, and the
 * result goes through the same validation a freshly built executable does,
 * so bad bytes give an error, never a crash. */
#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>

#include "runtime.h"

const sb_vm_op_desc sb_vm_op_table[SB_VM_OP_COUNT] = {
#define SB_VM_OP(NAME, text, d, a_, b_) \
	[SB_VM_##NAME] = {text, SB_VM_OPND_##d, SB_VM_OPND_##a_, SB_VM_OPND_##b_},
#include "vm_ops.def"
#undef SB_VM_OP
};

/* ---- Building ---- */

#define GROW(arr, len, cap)                                                   \
	do {                                                                  \
		if ((len) == (cap)) {                                         \
			(cap) = (cap) ? (cap) * 2 : 8;                        \
			(arr) = sb_xrealloc((arr), (size_t)(cap) * sizeof *(arr)); \
		}                                                             \
	} while (0)

sb_vm_exec *sb_vm_exec_new(void)
{
	sb_vm_exec *e = sb_xcalloc(1, sizeof *e);
	sb_arena_init(&e->arena);
	e->entry = -1;
	return e;
}

void sb_vm_exec_free(sb_vm_exec *e)
{
	if (!e)
		return;
	for (int i = 0; i < e->nfuncs; i++) {
		free(e->funcs[i].code);
		free(e->funcs[i].call_args);
	}
	free(e->funcs);
	free(e->callees);
	for (int i = 0; i < e->nconsts; i++)
		sb_value_release(&e->consts[i]);
	free(e->consts);
	free(e->inputs);
	free(e->outputs);
	sb_arena_free(&e->arena);
	free(e);
}

int sb_vm_exec_add_callee(sb_vm_exec *e, const char *name)
{
	for (int i = 0; i < e->ncallees; i++)
		if (!strcmp(e->callees[i], name))
			return i;
	GROW(e->callees, e->ncallees, e->callees_cap);
	e->callees[e->ncallees] = sb_arena_strdup(&e->arena, name);
	return e->ncallees++;
}

int sb_vm_exec_add_const(sb_vm_exec *e, sb_value v)
{
	GROW(e->consts, e->nconsts, e->consts_cap);
	if (v.kind == SB_VAL_STRING)
		v.u.str = sb_arena_strdup(&e->arena, v.u.str);
	e->consts[e->nconsts] = sb_value_retain(v);
	return e->nconsts++;
}

int sb_vm_exec_add_func(sb_vm_exec *e, const char *name, int nparams,
			const char *const *param_names, int nregs, int heap_size)
{
	GROW(e->funcs, e->nfuncs, e->funcs_cap);
	sb_vm_func *f = &e->funcs[e->nfuncs];
	*f = (sb_vm_func){.name = sb_arena_strdup(&e->arena, name),
			  .nparams = nparams,
			  .nregs = nregs,
			  .heap_size = heap_size};
	f->param_names = SB_ARENA_ARRAY(&e->arena, const char *, nparams > 0 ? nparams : 1);
	for (int i = 0; i < nparams; i++)
		f->param_names[i] = sb_arena_strdup(&e->arena, param_names[i]);
	return e->nfuncs++;
}

int sb_vm_exec_find_func(const sb_vm_exec *e, const char *name)
{
	for (int i = 0; i < e->nfuncs; i++)
		if (!strcmp(e->funcs[i].name, name))
			return i;
	return -1;
}

int sb_vm_emit(sb_vm_exec *e, int f, sb_vm_instr in)
{
	sb_vm_func *fn = &e->funcs[f];
	GROW(fn->code, fn->ncode, fn->code_cap);
	fn->code[fn->ncode] = in;
	return fn->ncode++;
}

int sb_vm_emit_call(sb_vm_exec *e, int f, int dst, int callee, int nargs, const sb_vm_arg *args)
{
	sb_vm_func *fn = &e->funcs[f];
	int first = fn->ncall_args;
	for (int i = 0; i < nargs; i++) {
		GROW(fn->call_args, fn->ncall_args, fn->call_args_cap);
		fn->call_args[fn->ncall_args++] = args[i];
	}
	return sb_vm_emit(e, f,
			  (sb_vm_instr){.op = SB_VM_CALL, .dst = dst, .a = callee, .b = nargs, .args = first});
}

void sb_vm_exec_set_entry(sb_vm_exec *e, int f) { e->entry = f; }

static sb_io_info io_copy(sb_vm_exec *e, const sb_io_info *info)
{
	sb_io_info c = *info;
	c.name = sb_arena_strdup(&e->arena, info->name ? info->name : "");
	sb_dim_info *dims = SB_ARENA_ARRAY(&e->arena, sb_dim_info, info->rank > 0 ? info->rank : 1);
	for (int i = 0; i < info->rank; i++) {
		dims[i] = info->dims[i];
		if (dims[i].name)
			dims[i].name = sb_arena_strdup(&e->arena, dims[i].name);
	}
	c.dims = dims;
	return c;
}

void sb_vm_exec_add_input(sb_vm_exec *e, const sb_io_info *info)
{
	GROW(e->inputs, e->ninputs, e->inputs_cap);
	e->inputs[e->ninputs++] = io_copy(e, info);
}

void sb_vm_exec_add_output(sb_vm_exec *e, const sb_io_info *info)
{
	GROW(e->outputs, e->noutputs, e->outputs_cap);
	e->outputs[e->noutputs++] = io_copy(e, info);
}

/* ---- Validation ---- */

static sb_status check_operand(const sb_vm_exec *e, sb_vm_func *f, int pc, int kind, int64_t v,
			       const char *field)
{
	const char *what = NULL;
	int64_t limit = 0;
	switch (kind) {
	case SB_VM_OPND_NONE:
	case SB_VM_OPND_IMM: return SB_OK;
	case SB_VM_OPND_REG: what = "register", limit = f->nregs; break;
	case SB_VM_OPND_CONST: what = "constant", limit = e->nconsts; break;
	case SB_VM_OPND_FUNC: what = "function-table index", limit = e->ncallees; break;
	case SB_VM_OPND_JUMP:
		what = "jump target", limit = f->ncode;
		v += pc;
		break;
	case SB_VM_OPND_ARGS: SB_UNREACHABLE(); /* checked by the caller */
	}
	if (v < 0 || v >= limit)
		return sb_set_error(SB_ERR_INVALID, "function '%s' pc %d (%s): %s %s %" PRId64
				    " is outside 0..%" PRId64,
				    f->name, pc, sb_vm_op_table[f->code[pc].op].name, field, what, v,
				    limit - 1);
	return SB_OK;
}

static sb_status validate_io(const sb_io_info *io, const char *what, int i)
{
	if (!io->name)
		return sb_set_error(SB_ERR_INVALID, "%s %d has no name", what, i);
	if (io->dtype <= SB_DT_INVALID || io->dtype >= SB_DT_COUNT)
		return sb_set_error(SB_ERR_INVALID, "%s '%s' has invalid dtype %d", what, io->name,
				    (int)io->dtype);
	if (io->rank < -1 || io->rank > SB_MAX_RANK)
		return sb_set_error(SB_ERR_INVALID, "%s '%s' has invalid rank %d", what, io->name,
				    io->rank);
	for (int d = 0; d < io->rank; d++) {
		const sb_dim_info *dim = &io->dims[d];
		if (dim->name ? dim->value != -1 : dim->value < 0)
			return sb_set_error(SB_ERR_INVALID, "%s '%s' dim %d is neither a size nor a name",
					    what, io->name, d);
	}
	return SB_OK;
}

sb_status sb_vm_exec_validate(sb_vm_exec *e)
{
	for (int i = 0; i < e->ncallees; i++)
		if (!e->callees[i] || !*e->callees[i])
			return sb_set_error(SB_ERR_INVALID, "function-table entry %d has no name", i);
	for (int i = 0; i < e->nconsts; i++) {
		const sb_value *c = &e->consts[i];
		bool ok = c->kind == SB_VAL_INT || c->kind == SB_VAL_FLOAT ||
			  (c->kind == SB_VAL_STRING && c->u.str) ||
			  (c->kind == SB_VAL_SHAPE && c->u.shape) ||
			  (c->kind == SB_VAL_TENSOR && c->u.tensor);
		if (!ok)
			return sb_set_error(SB_ERR_INVALID, "constant %d is a %s, which cannot be a constant",
					    i, sb_value_kind_name(c->kind));
	}
	for (int fi = 0; fi < e->nfuncs; fi++) {
		sb_vm_func *f = &e->funcs[fi];
		if (!f->name || !*f->name)
			return sb_set_error(SB_ERR_INVALID, "function %d has no name", fi);
		if (sb_vm_exec_find_func(e, f->name) != fi)
			return sb_set_error(SB_ERR_INVALID, "function '%s' is defined twice", f->name);
		if (f->nregs < 0 || f->nregs > SB_VM_MAX_REGS || f->nparams < 0 ||
		    f->nparams > f->nregs || f->heap_size < 0 || f->heap_size > SB_VM_MAX_HEAP)
			return sb_set_error(SB_ERR_INVALID,
					    "function '%s': %d params, %d registers, %d heap slots are "
					    "out of range",
					    f->name, f->nparams, f->nregs, f->heap_size);
		if (f->ncode < 1)
			return sb_set_error(SB_ERR_INVALID, "function '%s' has no code", f->name);
		/* Only RET and GOTO leave pc anywhere but pc + 1. */
		uint32_t last = f->code[f->ncode - 1].op;
		if (last != SB_VM_RET && last != SB_VM_GOTO)
			return sb_set_error(SB_ERR_INVALID, "function '%s' can run past its last instruction",
					    f->name);
		f->max_call_args = 0;
		for (int pc = 0; pc < f->ncode; pc++) {
			const sb_vm_instr *in = &f->code[pc];
			if (in->op >= SB_VM_OP_COUNT)
				return sb_set_error(SB_ERR_INVALID, "function '%s' pc %d: unknown opcode %u",
						    f->name, pc, in->op);
			const sb_vm_op_desc *d = &sb_vm_op_table[in->op];
			sb_status st;
			if ((st = check_operand(e, f, pc, d->dst, in->dst, "dst")) ||
			    (st = check_operand(e, f, pc, d->a, in->a, "a")))
				return st;
			if (d->b != SB_VM_OPND_ARGS) {
				if ((st = check_operand(e, f, pc, d->b, in->b, "b")))
					return st;
				continue;
			}
			if (in->b < 0 || in->b > SB_VM_MAX_ARGS || in->args < 0 ||
			    (int64_t)in->args + in->b > f->ncall_args)
				return sb_set_error(SB_ERR_INVALID,
						    "function '%s' pc %d (%s): argument list of %d at %d is "
						    "out of range",
						    f->name, pc, d->name, in->b, in->args);
			for (int k = 0; k < in->b; k++) {
				const sb_vm_arg *arg = &f->call_args[in->args + k];
				int kind = arg->kind == SB_VM_ARG_REG	  ? SB_VM_OPND_REG
					   : arg->kind == SB_VM_ARG_CONST ? SB_VM_OPND_CONST
					   : arg->kind == SB_VM_ARG_IMM	  ? SB_VM_OPND_IMM
									  : -1;
				if (kind < 0)
					return sb_set_error(SB_ERR_INVALID,
							    "function '%s' pc %d: argument %d has unknown kind %d",
							    f->name, pc, k, arg->kind);
				if ((st = check_operand(e, f, pc, kind, arg->value, "argument")))
					return st;
			}
			if (in->b > f->max_call_args)
				f->max_call_args = in->b;
		}
	}
	if (e->entry < -1 || e->entry >= e->nfuncs)
		return sb_set_error(SB_ERR_INVALID, "entry function %d does not exist", e->entry);
	int nparams = e->entry >= 0 ? e->funcs[e->entry].nparams : 0;
	if (e->ninputs != nparams)
		return sb_set_error(SB_ERR_INVALID, "%d inputs are described for an entry taking %d",
				    e->ninputs, nparams);
	for (int i = 0; i < e->ninputs; i++) {
		sb_status st = validate_io(&e->inputs[i], "input", i);
		if (st)
			return st;
	}
	for (int i = 0; i < e->noutputs; i++) {
		sb_status st = validate_io(&e->outputs[i], "output", i);
		if (st)
			return st;
	}
	return SB_OK;
}

/* ---- Serialization ---- */

uint64_t sb_vm_checksum(const void *data, size_t size)
{
	/* FNV-1a: each step is a bijection of the state, so any one changed
	 * byte changes the result. */
	const uint8_t *p = data;
	uint64_t h = 0xcbf29ce484222325ULL;
	for (size_t i = 0; i < size; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static void put_u8(sb_strbuf *b, uint8_t v) { sb_strbuf_putc(b, (char)v); }
static void put_u32(sb_strbuf *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		put_u8(b, (uint8_t)(v >> (8 * i)));
}
static void put_u64(sb_strbuf *b, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		put_u8(b, (uint8_t)(v >> (8 * i)));
}
static void put_i32(sb_strbuf *b, int64_t v) { put_u32(b, (uint32_t)(int32_t)v); }
static void put_bytes(sb_strbuf *b, const void *p, size_t n)
{
	const char *c = p;
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->data = sb_xrealloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, c, n);
	b->len += n;
	b->data[b->len] = '\0';
}
static void put_str(sb_strbuf *b, const char *s)
{
	size_t n = strlen(s);
	put_u32(b, (uint32_t)n);
	put_bytes(b, s, n);
}

static void put_io(sb_strbuf *b, const sb_io_info *io)
{
	put_str(b, io->name);
	put_u32(b, (uint32_t)io->dtype);
	put_i32(b, io->rank);
	for (int d = 0; d < io->rank; d++) {
		put_u8(b, io->dims[d].name != NULL);
		if (io->dims[d].name)
			put_str(b, io->dims[d].name);
		else
			put_u64(b, (uint64_t)io->dims[d].value);
	}
}

static void put_operand(sb_strbuf *b, const sb_vm_func *f, const sb_vm_instr *in, int kind,
			int64_t v)
{
	switch (kind) {
	case SB_VM_OPND_NONE: break;
	case SB_VM_OPND_IMM: put_u64(b, (uint64_t)v); break;
	case SB_VM_OPND_ARGS:
		put_u32(b, (uint32_t)in->b);
		for (int k = 0; k < in->b; k++) {
			const sb_vm_arg *arg = &f->call_args[in->args + k];
			put_u8(b, (uint8_t)arg->kind);
			if (arg->kind == SB_VM_ARG_IMM)
				put_u64(b, (uint64_t)arg->value);
			else
				put_i32(b, arg->value);
		}
		break;
	default: put_i32(b, v); break;
	}
}

/* Writes tensor data little-endian (the machines we target are). */
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "blob tensor data is little-endian");

sb_status sb_vm_exec_serialize(const sb_vm_exec *e, uint8_t **blob, size_t *size)
{
	sb_status st = sb_vm_exec_validate((sb_vm_exec *)e);
	if (st)
		return sb_error_prefix(st, "cannot serialize an invalid executable");
	sb_strbuf b = {0};
	put_bytes(&b, "SBVM", 4);
	put_u32(&b, SB_VM_FORMAT_VERSION);
	put_u64(&b, 0); /* payload length and checksum, patched below */
	put_u64(&b, 0);

	put_u32(&b, (uint32_t)e->ncallees);
	for (int i = 0; i < e->ncallees; i++)
		put_str(&b, e->callees[i]);
	put_u32(&b, (uint32_t)e->nconsts);
	for (int i = 0; i < e->nconsts; i++) {
		const sb_value *c = &e->consts[i];
		put_u8(&b, (uint8_t)c->kind);
		switch (c->kind) {
		case SB_VAL_INT: put_u64(&b, (uint64_t)c->u.i); break;
		case SB_VAL_FLOAT: {
			uint64_t bits;
			memcpy(&bits, &c->u.f, 8);
			put_u64(&b, bits);
			break;
		}
		case SB_VAL_STRING: put_str(&b, c->u.str); break;
		case SB_VAL_SHAPE:
			put_u32(&b, (uint32_t)c->u.shape->rank);
			for (int d = 0; d < c->u.shape->rank; d++)
				put_u64(&b, (uint64_t)c->u.shape->dims[d]);
			break;
		case SB_VAL_TENSOR: {
			const sb_tensor *t = c->u.tensor;
			put_u32(&b, (uint32_t)t->dtype);
			put_u32(&b, (uint32_t)t->dl.ndim);
			for (int d = 0; d < t->dl.ndim; d++)
				put_u64(&b, (uint64_t)t->shape[d]);
			put_u64(&b, sb_tensor_nbytes(t));
			put_bytes(&b, t->dl.data, sb_tensor_nbytes(t));
			break;
		}
		default: SB_UNREACHABLE();
		}
	}
	put_u32(&b, (uint32_t)e->nfuncs);
	for (int fi = 0; fi < e->nfuncs; fi++) {
		const sb_vm_func *f = &e->funcs[fi];
		put_str(&b, f->name);
		put_u32(&b, (uint32_t)f->nparams);
		for (int i = 0; i < f->nparams; i++)
			put_str(&b, f->param_names[i]);
		put_u32(&b, (uint32_t)f->nregs);
		put_u32(&b, (uint32_t)f->heap_size);
		put_u32(&b, (uint32_t)f->ncode);
		for (int pc = 0; pc < f->ncode; pc++) {
			const sb_vm_instr *in = &f->code[pc];
			const sb_vm_op_desc *d = &sb_vm_op_table[in->op];
			put_u32(&b, in->op);
			put_operand(&b, f, in, d->dst, in->dst);
			put_operand(&b, f, in, d->a, in->a);
			put_operand(&b, f, in, d->b, in->b);
		}
	}
	put_i32(&b, e->entry);
	put_u32(&b, (uint32_t)e->ninputs);
	for (int i = 0; i < e->ninputs; i++)
		put_io(&b, &e->inputs[i]);
	put_u32(&b, (uint32_t)e->noutputs);
	for (int i = 0; i < e->noutputs; i++)
		put_io(&b, &e->outputs[i]);

	uint8_t *data = (uint8_t *)b.data;
	size_t payload = b.len - SB_VM_HEADER_SIZE;
	uint64_t sum = sb_vm_checksum(data + SB_VM_HEADER_SIZE, payload);
	for (int i = 0; i < 8; i++) {
		data[8 + i] = (uint8_t)((uint64_t)payload >> (8 * i));
		data[16 + i] = (uint8_t)(sum >> (8 * i));
	}
	*blob = data;
	*size = b.len;
	return SB_OK;
}

/* ---- Deserialization ---- */

/* A cursor over untrusted bytes; the first failure sticks and every later
 * read returns zeros, so the decoder checks `r->err` only where a value
 * decides how much to read next. */
typedef struct reader {
	const uint8_t *p, *end;
	sb_status err;
} reader;

static sb_status reader_fail(reader *r, const char *what)
{
	if (!r->err)
		r->err = sb_set_error(SB_ERR_INVALID, "executable blob is malformed: %s", what);
	return r->err;
}

static bool take(reader *r, size_t n, const uint8_t **out)
{
	if (r->err || (size_t)(r->end - r->p) < n) {
		reader_fail(r, "truncated");
		return false;
	}
	*out = r->p;
	r->p += n;
	return true;
}

static uint64_t get_uint(reader *r, int bytes)
{
	const uint8_t *q;
	if (!take(r, (size_t)bytes, &q))
		return 0;
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)q[i] << (8 * i);
	return v;
}
static uint8_t get_u8(reader *r) { return (uint8_t)get_uint(r, 1); }
static uint32_t get_u32(reader *r) { return (uint32_t)get_uint(r, 4); }
static int32_t get_i32(reader *r) { return (int32_t)get_uint(r, 4); }
static uint64_t get_u64(reader *r) { return get_uint(r, 8); }

/* A count of items each taking at least `min_bytes`: more than the bytes
 * left is corruption (and would otherwise size an allocation). */
static uint32_t get_count(reader *r, size_t min_bytes, const char *what)
{
	uint32_t n = get_u32(r);
	if (!r->err && (uint64_t)n * min_bytes > (uint64_t)(r->end - r->p)) {
		reader_fail(r, what);
		return 0;
	}
	return n;
}

/* Strings are copied into the executable's arena, NUL-terminated. */
static const char *get_str(reader *r, sb_arena *a)
{
	uint32_t n = get_u32(r);
	const uint8_t *q;
	if (!take(r, n, &q))
		return "";
	if (memchr(q, 0, n)) {
		reader_fail(r, "string with a NUL byte");
		return "";
	}
	return sb_arena_strndup(a, (const char *)q, n);
}

static void get_dims(reader *r, int rank, int64_t *dims)
{
	for (int d = 0; d < rank; d++) {
		dims[d] = (int64_t)get_u64(r);
		if (dims[d] < 0)
			reader_fail(r, "negative dimension");
	}
}

static int get_rank(reader *r)
{
	uint32_t rank = get_u32(r);
	if (rank > SB_MAX_RANK) {
		reader_fail(r, "rank out of range");
		return 0;
	}
	return (int)rank;
}

static void get_const(reader *r, sb_vm_exec *e)
{
	uint8_t kind = get_u8(r);
	sb_value v = {SB_VAL_NONE};
	int64_t dims[SB_MAX_RANK];
	switch (kind) {
	case SB_VAL_INT: v = sb_value_int((int64_t)get_u64(r)); break;
	case SB_VAL_FLOAT: {
		uint64_t bits = get_u64(r);
		v.kind = SB_VAL_FLOAT;
		memcpy(&v.u.f, &bits, 8);
		break;
	}
	case SB_VAL_STRING: v = sb_value_string(get_str(r, &e->arena)); break;
	case SB_VAL_SHAPE: {
		int rank = get_rank(r);
		get_dims(r, rank, dims);
		if (r->err)
			return;
		v.kind = SB_VAL_SHAPE;
		v.u.shape = sb_shape_new(rank, dims);
		SB_ASSERT(v.u.shape);
		break;
	}
	case SB_VAL_TENSOR: {
		uint32_t dt = get_u32(r);
		int rank = get_rank(r);
		get_dims(r, rank, dims);
		uint64_t nbytes = get_u64(r);
		if (r->err)
			return;
		if (dt == SB_DT_INVALID || dt >= SB_DT_COUNT) {
			reader_fail(r, "constant tensor with an invalid dtype");
			return;
		}
		/* Checked before anything is allocated: the element count must
		 * match the bytes that follow, and those must be there. */
		uint64_t expect = sb_dtype_size((sb_dtype)dt), left = (uint64_t)(r->end - r->p);
		for (int d = 0; d < rank; d++)
			if (dims[d] == 0)
				expect = 0;
		for (int d = 0; d < rank && expect; d++)
			expect = expect > left / (uint64_t)dims[d] ? UINT64_MAX : expect * (uint64_t)dims[d];
		const uint8_t *data;
		if (expect != nbytes || !take(r, nbytes, &data)) {
			reader_fail(r, "constant tensor size does not match its shape");
			return;
		}
		sb_tensor *t = sb_tensor_new((sb_dtype)dt, rank, dims);
		if (!t) {
			r->err = sb_error_prefix(SB_ERR_NOMEM, "constant tensor");
			return;
		}
		memcpy(t->dl.data, data, nbytes);
		v = sb_value_tensor(t);
		sb_vm_exec_add_const(e, v);
		sb_tensor_release(t);
		return;
	}
	default: reader_fail(r, "unknown constant kind"); return;
	}
	if (r->err) {
		sb_value_release(&v);
		return;
	}
	sb_vm_exec_add_const(e, v);
	sb_value_release(&v);
}

static int64_t get_operand(reader *r, sb_vm_exec *e, int f, int kind, int32_t *count,
			   int32_t *first)
{
	switch (kind) {
	case SB_VM_OPND_NONE: return 0;
	case SB_VM_OPND_IMM: return (int64_t)get_u64(r);
	case SB_VM_OPND_ARGS: {
		uint32_t n = get_count(r, 5, "argument count exceeds the blob");
		if (n > SB_VM_MAX_ARGS) {
			reader_fail(r, "too many call arguments");
			return 0;
		}
		sb_vm_func *fn = &e->funcs[f];
		*first = fn->ncall_args;
		*count = (int32_t)n;
		for (uint32_t k = 0; k < n && !r->err; k++) {
			sb_vm_arg arg = {.kind = get_u8(r)};
			if (arg.kind == SB_VM_ARG_IMM)
				arg.value = (int64_t)get_u64(r);
			else if (arg.kind == SB_VM_ARG_REG || arg.kind == SB_VM_ARG_CONST)
				arg.value = get_i32(r);
			else
				reader_fail(r, "unknown call argument kind");
			GROW(fn->call_args, fn->ncall_args, fn->call_args_cap);
			fn->call_args[fn->ncall_args++] = arg;
		}
		return n;
	}
	default: return get_i32(r);
	}
}

static void get_func(reader *r, sb_vm_exec *e)
{
	const char *name = get_str(r, &e->arena);
	uint32_t nparams = get_count(r, 4, "parameter count exceeds the blob");
	if (r->err)
		return;
	const char **params = sb_xcalloc(nparams ? nparams : 1, sizeof *params);
	for (uint32_t i = 0; i < nparams; i++)
		params[i] = get_str(r, &e->arena);
	uint32_t nregs = get_u32(r), heap = get_u32(r);
	if (nregs > SB_VM_MAX_REGS || heap > SB_VM_MAX_HEAP || nparams > nregs)
		reader_fail(r, "register or heap count out of range");
	if (r->err) {
		free(params);
		return;
	}
	int f = sb_vm_exec_add_func(e, name, (int)nparams, params, (int)nregs, (int)heap);
	free(params);
	uint32_t ncode = get_count(r, 4, "instruction count exceeds the blob");
	for (uint32_t pc = 0; pc < ncode && !r->err; pc++) {
		sb_vm_instr in = {.op = get_u32(r)};
		if (in.op >= SB_VM_OP_COUNT) {
			reader_fail(r, "unknown opcode");
			return;
		}
		const sb_vm_op_desc *d = &sb_vm_op_table[in.op];
		int32_t count = 0, first = 0;
		in.dst = (int32_t)get_operand(r, e, f, d->dst, &count, &first);
		in.a = get_operand(r, e, f, d->a, &count, &first);
		in.b = (int32_t)get_operand(r, e, f, d->b, &count, &first);
		in.args = first;
		sb_vm_emit(e, f, in);
	}
}

static void get_io(reader *r, sb_vm_exec *e, bool output)
{
	sb_io_info io = {.name = get_str(r, &e->arena)};
	io.dtype = (sb_dtype)get_u32(r);
	io.rank = get_i32(r);
	if (io.rank < -1 || io.rank > SB_MAX_RANK) {
		reader_fail(r, "input/output rank out of range");
		return;
	}
	sb_dim_info dims[SB_MAX_RANK];
	for (int d = 0; d < io.rank; d++) {
		if (get_u8(r)) {
			dims[d].name = get_str(r, &e->arena);
			dims[d].value = -1;
		} else {
			dims[d].name = NULL;
			dims[d].value = (int64_t)get_u64(r);
		}
	}
	if (r->err)
		return;
	io.dims = dims;
	if (output)
		sb_vm_exec_add_output(e, &io);
	else
		sb_vm_exec_add_input(e, &io);
}

sb_status sb_vm_exec_deserialize(const void *blob, size_t size, sb_vm_exec **out)
{
	*out = NULL;
	const uint8_t *p = blob;
	if (size < SB_VM_HEADER_SIZE || memcmp(p, "SBVM", 4))
		return sb_set_error(SB_ERR_INVALID, "not a shapebridge VM executable (bad magic)");
	reader r = {p + 4, p + SB_VM_HEADER_SIZE, SB_OK};
	uint32_t version = get_u32(&r);
	uint64_t len = get_u64(&r), sum = get_u64(&r);
	if (version != SB_VM_FORMAT_VERSION)
		return sb_set_error(SB_ERR_UNSUPPORTED,
				    "VM executable format version %u; this runtime reads version %d",
				    version, SB_VM_FORMAT_VERSION);
	if (len != size - SB_VM_HEADER_SIZE)
		return sb_set_error(SB_ERR_INVALID,
				    "VM executable payload is %zu bytes, the header says %" PRIu64,
				    size - SB_VM_HEADER_SIZE, len);
	if (sb_vm_checksum(p + SB_VM_HEADER_SIZE, len) != sum)
		return sb_set_error(SB_ERR_INVALID, "VM executable checksum mismatch (corrupted)");

	sb_vm_exec *e = sb_vm_exec_new();
	r = (reader){p + SB_VM_HEADER_SIZE, p + size, SB_OK};
	uint32_t n = get_count(&r, 4, "function-table size exceeds the blob");
	for (uint32_t i = 0; i < n && !r.err; i++) {
		const char *name = get_str(&r, &e->arena);
		GROW(e->callees, e->ncallees, e->callees_cap);
		e->callees[e->ncallees++] = name; /* no dedup: indices are what the code uses */
	}
	n = get_count(&r, 1, "constant count exceeds the blob");
	for (uint32_t i = 0; i < n && !r.err; i++)
		get_const(&r, e);
	n = get_count(&r, 20, "function count exceeds the blob");
	for (uint32_t i = 0; i < n && !r.err; i++)
		get_func(&r, e);
	e->entry = get_i32(&r);
	n = get_count(&r, 12, "input count exceeds the blob");
	for (uint32_t i = 0; i < n && !r.err; i++)
		get_io(&r, e, false);
	n = get_count(&r, 12, "output count exceeds the blob");
	for (uint32_t i = 0; i < n && !r.err; i++)
		get_io(&r, e, true);
	if (!r.err && r.p != r.end)
		reader_fail(&r, "trailing bytes");
	sb_status st = r.err ? r.err : sb_vm_exec_validate(e);
	if (st) {
		sb_vm_exec_free(e);
		return st;
	}
	*out = e;
	return SB_OK;
}

/* ---- Printing ---- */

static void print_value(sb_strbuf *out, const sb_value *v)
{
	char buf[256];
	switch (v->kind) {
	case SB_VAL_INT: sb_strbuf_printf(out, "%" PRId64, v->u.i); break;
	case SB_VAL_FLOAT: sb_strbuf_printf(out, "%.17g", v->u.f); break;
	case SB_VAL_STRING: sb_strbuf_printf(out, "\"%s\"", v->u.str); break;
	case SB_VAL_SHAPE:
		sb_shape_format(v->u.shape->rank, v->u.shape->dims, buf, sizeof buf);
		sb_strbuf_printf(out, "shape%s", buf);
		break;
	case SB_VAL_TENSOR:
		sb_tensor_describe(v->u.tensor, buf, sizeof buf);
		sb_strbuf_printf(out, "tensor %s", buf);
		break;
	default: sb_strbuf_printf(out, "<%s>", sb_value_kind_name(v->kind)); break;
	}
}

static void print_io(sb_strbuf *out, const char *what, const sb_io_info *io)
{
	sb_strbuf_printf(out, "%s %s: %s", what, io->name, sb_dtype_name(io->dtype));
	if (io->rank < 0) {
		sb_strbuf_puts(out, "[...]\n");
		return;
	}
	sb_strbuf_putc(out, '[');
	for (int d = 0; d < io->rank; d++) {
		if (d)
			sb_strbuf_putc(out, ',');
		if (io->dims[d].name)
			sb_strbuf_puts(out, io->dims[d].name);
		else
			sb_strbuf_printf(out, "%" PRId64, io->dims[d].value);
	}
	sb_strbuf_puts(out, "]\n");
}

static void print_operand(sb_strbuf *out, const sb_vm_exec *e, const sb_vm_func *f,
			  const sb_vm_instr *in, int pc, int kind, int64_t v, bool *first)
{
	if (kind == SB_VM_OPND_NONE)
		return;
	sb_strbuf_puts(out, *first ? " " : ", ");
	*first = false;
	switch (kind) {
	case SB_VM_OPND_REG: sb_strbuf_printf(out, "r%" PRId64, v); break;
	case SB_VM_OPND_CONST: sb_strbuf_printf(out, "c%" PRId64, v); break;
	case SB_VM_OPND_FUNC:
		if (v >= 0 && v < e->ncallees)
			sb_strbuf_printf(out, "@%s", e->callees[v]);
		else
			sb_strbuf_printf(out, "@?%" PRId64, v);
		break;
	case SB_VM_OPND_JUMP: sb_strbuf_printf(out, "%+" PRId64 " (-> %" PRId64 ")", v, pc + v); break;
	case SB_VM_OPND_IMM: sb_strbuf_printf(out, "%" PRId64, v); break;
	case SB_VM_OPND_ARGS:
		sb_strbuf_putc(out, '(');
		for (int k = 0; k < in->b; k++) {
			const sb_vm_arg *arg = &f->call_args[in->args + k];
			const char *prefix = arg->kind == SB_VM_ARG_REG	  ? "r"
					     : arg->kind == SB_VM_ARG_CONST ? "c"
									    : "";
			sb_strbuf_printf(out, "%s%s%" PRId64, k ? ", " : "", prefix, arg->value);
		}
		sb_strbuf_putc(out, ')');
		break;
	}
}

void sb_vm_exec_print(const sb_vm_exec *e, sb_strbuf *out)
{
	for (int i = 0; i < e->nconsts; i++) {
		sb_strbuf_printf(out, "const c%d = ", i);
		print_value(out, &e->consts[i]);
		sb_strbuf_putc(out, '\n');
	}
	for (int fi = 0; fi < e->nfuncs; fi++) {
		const sb_vm_func *f = &e->funcs[fi];
		sb_strbuf_printf(out, "%sfunc %s(", fi == e->entry ? "entry " : "", f->name);
		for (int i = 0; i < f->nparams; i++)
			sb_strbuf_printf(out, "%sr%d %s", i ? ", " : "", i, f->param_names[i]);
		sb_strbuf_printf(out, ") regs=%d heap=%d\n", f->nregs, f->heap_size);
		for (int pc = 0; pc < f->ncode; pc++) {
			const sb_vm_instr *in = &f->code[pc];
			if (in->op >= SB_VM_OP_COUNT) {
				sb_strbuf_printf(out, "  %4d: <opcode %u>\n", pc, in->op);
				continue;
			}
			const sb_vm_op_desc *d = &sb_vm_op_table[in->op];
			sb_strbuf_printf(out, "  %4d: %s", pc, d->name);
			bool first = true;
			print_operand(out, e, f, in, pc, d->dst, in->dst, &first);
			print_operand(out, e, f, in, pc, d->a, in->a, &first);
			print_operand(out, e, f, in, pc, d->b, in->b, &first);
			sb_strbuf_putc(out, '\n');
		}
	}
	for (int i = 0; i < e->ninputs; i++)
		print_io(out, "input", &e->inputs[i]);
	for (int i = 0; i < e->noutputs; i++)
		print_io(out, "output", &e->outputs[i]);
}
