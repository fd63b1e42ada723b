/* Declarations of every type relation and reference kernel named in
 * ops.def, for the files that implement them (the interp/ group files). */
#ifndef SB_RELAY_OP_IMPL_H
#define SB_RELAY_OP_IMPL_H

#include <math.h>

#include "relay.h"

#define OP(id, name, mi, ma, mo, mxo, attrs, rel, kernel) \
	sb_status rel(relay_op_ctx *ctx);                  \
	sb_status kernel(relay_kernel_ctx *ctx);
#include "ops.def"
#undef OP

/* Shorthands for implementations. */
#define CTX_ATTRS(ctx, s) ((const relay_attrs_##s *)(ctx)->attrs)

#endif
