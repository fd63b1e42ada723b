/* tir/eval: a reference interpreter of PrimFuncs.  It runs the block-level
 * IR as written -- loops, blocks (iter vars bound from their bindings, init
 * run when every reduce iter var is at its domain's min), stores, lets,
 * ifs, asserts, allocations, vector lanes one at a time -- on concrete
 * tensors, with intrinsics from libm.  Slow but exact: it is the oracle
 * for topi (before any backend exists) and for every tir transformation
 * (a schedule or lowering pass must not change what it computes).
 *
 * Entry semantics are those of the generated packed entry (tir_common.md):
 * args in param order; each buffer param takes a tensor whose dtype and
 * rank must match; shape variables are bound from the first plain dim
 * where each occurs; then every dim of every buffer param is checked
 * against its expression.  A mismatch is SB_ERR_INVALID naming the
 * function, the buffer, the dim, the value given and the value expected.
 *
 * It is also strict where generated code would be undefined: a load or
 * store outside its buffer (in either arm of a select, too), an integer
 * division by zero, a failed assert, a use of an unbound variable are all
 * errors with a message, never a crash.  Intermediate buffers start as
 * all-ones bits (NaN for floats) so reading before writing shows. */
#ifndef SB_TIR_EVAL_H
#define SB_TIR_EVAL_H

#include "tir/tir.h"

/* args: SB_VAL_TENSOR for buffer params, SB_VAL_INT / SB_VAL_FLOAT for
 * scalar params.  Outputs are written in place. */
sb_status tir_eval(const tir_func *f, const sb_value *args, int nargs);
/* The same when every param is a buffer. */
sb_status tir_eval_tensors(const tir_func *f, sb_tensor *const *tensors, int n);

#endif
