/* Normalize: puts every relax function of the module in normal form.
 *
 * Requires: params with struct info; bindings in blocks (the builder
 * produces them).  Values may be nested expressions without struct info.
 * Guarantees: every call's arguments are leaves (nested calls become
 * bindings of their own, before the binding that uses them); every
 * expression and var has struct info, inferred through the op table; dims
 * an op needs equal but the prover could not decide are match_cast
 * before the call; data-dependent results are match_cast to fresh shape
 * variables; conditions the shape inference assumed are recorded as the
 * binding's run-time checks.  Vars keep their identity where their struct
 * info does not change.  Idempotent.
 *
 *   %y = relax.add(relax.multiply(%x, %x), %x)
 * becomes
 *   %lv0 = relax.multiply(%x, %x) : Tensor((n, 4), float32)
 *   %y = relax.add(%lv0, %x) : Tensor((n, 4), float32)
 */
#include "passes.h"

sb_status relax_normalize(relax_module *m)
{
	return relax_module_rewrite(m, NULL, NULL);
}
