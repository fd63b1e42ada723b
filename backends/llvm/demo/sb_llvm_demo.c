/* sb_llvm_demo: prints the stages of the backend for the hand-built
 * PrimFuncs of tests/llvm/fixtures.h, until `shapebridge dump --stage
 * tir|llvm` takes a model's own PrimFuncs.
 *
 *   sb_llvm_demo STAGE FUNC
 *     STAGE  source (the PrimFunc as built), tir (after tir_lower), llvm-raw
 *            (LLVM IR as generated), llvm (after O3)
 *     FUNC   add, bias_add, rowsum, matmul, conv1d, exp, tanh, erf, sigmoid */
#include <stdio.h>
#include <stdlib.h>

#include "tests/llvm/fixtures.h"

static tir_func *make(tir_ctx *ctx, const char *name)
{
	if (!strcmp(name, "add"))
		return fx_add(ctx);
	if (!strcmp(name, "bias_add"))
		return fx_bias_add(ctx, TIR_FOR_PARALLEL);
	if (!strcmp(name, "rowsum"))
		return fx_rowsum(ctx, TIR_FOR_PARALLEL);
	if (!strcmp(name, "matmul"))
		return fx_matmul(ctx);
	if (!strcmp(name, "conv1d"))
		return fx_conv1d(ctx);
	tir_intrin f = tir_intrin_lookup(name);
	if (f != TIR_INTRIN_COUNT)
		return fx_unary(ctx, name, f, SB_F32, 16);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s source|tir|llvm-raw|llvm FUNC\n", argv[0]);
		return 2;
	}
	const char *stage = argv[1];
	tir_ctx *ctx = tir_ctx_new();
	tir_func *f = make(ctx, argv[2]);
	if (!f) {
		fprintf(stderr, "unknown function '%s'\n", argv[2]);
		tir_ctx_free(ctx);
		return 2;
	}
	sb_llvm_options o = {.no_opt = !strcmp(stage, "llvm-raw")};
	char *text = NULL;
	sb_status st = SB_OK;
	if (!strcmp(stage, "source"))
		text = tir_func_to_string(f);
	else if (!strcmp(stage, "tir"))
		st = sb_llvm_dump_tir(ctx, f, &o, &text);
	else if (!strcmp(stage, "llvm") || !strcmp(stage, "llvm-raw"))
		st = sb_llvm_dump_llvm(ctx, f, &o, &text);
	else {
		fprintf(stderr, "unknown stage '%s'\n", stage);
		st = SB_ERR_INVALID;
	}
	if (text)
		printf("%s\n", text);
	else if (st)
		fprintf(stderr, "error: %s\n", sb_last_error());
	free(text);
	tir_ctx_free(ctx);
	return st ? 1 : 0;
}
