/* The operator table, expanded from ops.def. */
#include "op_impl.h"

const relay_op_info relay_op_table[RELAY_OP_COUNT] = {
#define OP(id, name_, mi, ma, mo, mxo, attrs_, rel, kernel_)                              \
	[RELAY_OP_##id] = {.op = RELAY_OP_##id, .name = name_, .min_in = mi, .max_in = ma, \
			   .min_out = mo, .max_out = mxo, .attrs = RELAY_ATTRS_##attrs_,   \
			   .type_rel = rel, .kernel = kernel_},
#include "ops.def"
#undef OP
};

relay_op relay_op_lookup(const char *name)
{
	for (int i = 0; i < RELAY_OP_COUNT; i++)
		if (!strcmp(relay_op_table[i].name, name))
			return (relay_op)i;
	return RELAY_OP_COUNT;
}
