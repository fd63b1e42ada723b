/* bridge: a relay_like function -> a relax_like function.
 *
 * The static-shape graph becomes a symbolic-shape program:
 *   - parameters: a known dim is an integer, a named unknown dim (ONNX
 *     dim_param) THE shape variable of that name in the module's tir_ctx
 *     (tir_shape_var: two inputs sharing "batch" share the variable), an
 *     unnamed unknown dim a fresh variable ("<param>_d<axis>");
 *   - every relay_like op becomes the high-level relax_like op of ops.def
 *     ("relax.add", "relax.conv2d", ...), its attributes translated,
 *     emitted through the block builder in one dataflow block, so every
 *     binding gets its struct info from relax_like's shape inference;
 *   - ONNX shape arithmetic (Shape, Gather/Slice of it, Unsqueeze, Concat,
 *     integer Add/Sub/Mul/Div/Mod, Cast, Equal/Where...) is not emitted: it
 *     is evaluated at conversion time as a "symbolic value" (the elements of
 *     a small integer tensor as tir expressions, bridge/shape_values.c), and
 *     the ops that consume a shape (Reshape, Expand, ConstantOfShape,
 *     Range, Slice, Tile, Resize, TopK, Pad...) get it as a ShapeExpr /
 *     PrimValue / static attribute.  A Reshape to Concat(Shape(x)[0],
 *     Shape(x)[1], 4, 64) is relax.reshape(%x, shape(batch, seq, 4, 64)) :
 *     Tensor((batch, seq, 4, 64), float32); its 0 and -1 entries are
 *     resolved symbolically.  A symbolic value that is also used as tensor
 *     data is materialized (a constant, or relax.shape_to_tensor).  A shape
 *     that truly depends on data goes through relax.tensor_to_shape, whose
 *     fresh variables the builder binds with a match_cast;
 *   - results: one output var per relay result, in order, returned as the
 *     function's body (a tuple when there are several); the ONNX output
 *     names are function attributes (bridge_output_name).
 *
 * Requires: the relay function typed (relay_infer_types, or relay_optimize,
 * which the zoo flow runs first).  Guarantees: a well-formed relax_like
 * function (relax_wellformed) in normal form.
 *
 *   fn main(%x: float32[n,4]) -> (y: float32[?,2,2]) {
 *     %0 = Shape(%x) : int64[2]
 *     %1 = Gather(%0, 0i64) : int64[]
 *     %2 = Unsqueeze(%1, 0i64[1]) : int64[1]
 *     %3 = Concat(%2, 2i64[1], 2i64[1]) : int64[3]
 *     %4 = Reshape(%x, %3) : float32[?,2,2]
 *   }
 * becomes
 *   @main(%x: Tensor((n, 4), float32)) -> Tensor((n, 2, 2), float32) attrs {...} {
 *     with dataflow {
 *       %lv0 = relax.reshape(%x, shape(n, 2, 2)) : Tensor((n, 2, 2), float32)
 *       %y = %lv0 : Tensor((n, 2, 2), float32)
 *     }
 *     return %y
 *   }
 *
 * Errors: a relay op with no relax_like counterpart is SB_ERR_UNSUPPORTED
 * ("bridge: NonMaxSuppression 'nms0': no relax_like counterpart"); an
 * error from relax_like's shape inference is prefixed with the relay op and
 * node the same way.  A value needed at compile time that comes from graph
 * inputs names them: "bridge: ReduceSum '%2': axes must be known at compile
 * time; bind it with --bind axes=FILE" (bridge_options below). */
#ifndef SB_BRIDGE_H
#define SB_BRIDGE_H

#include "relax_like/relax.h"
#include "relay_like/relay.h"

/* Inputs bound at compile time ("specialized"): where the bridge needs a
 * value at compile time -- reduce axes, Slice axes/steps, a Split, Squeeze/
 * Unsqueeze axes, Pad pads/axes, a CumSum axis, Resize scales/roi (and a
 * Pad value, which LegalizeOps folds into its kernel) -- and the model
 * reads it from a graph input, no code exists that serves every value (it
 * decides the output's rank or shape).  Binding the input to a value makes
 * the bridge treat it as that constant everywhere it needs a compile-time
 * value (the shape arithmetic of shape_values.c included), but it stays a
 * parameter of the function: the compiled model's inputs do not change.  The function's first binding, outside any dataflow block, checks
 * that the value given equals the bound one (SB_BUILTIN_CHECK_BOUND_INPUT,
 * runtime/vm_builtins.c):
 *
 *   @main(%x: Tensor((3, 4), float32), %axes: Tensor((1,), int64)) ... {
 *     %_ = relax.call_packed(extern("vm.builtin.check_bound_input"), %axes,
 *                            const[0], "axes", sinfo_args=[Tuple()])
 *     with dataflow { %lv0 = relax.sum(%x, axes=[1], keepdims=1) ... }
 *   }
 *
 * and at run time a different value fails with "input 'axes' was bound at
 * compile time to [1]; got [0]".  A binding must name a parameter and have
 * its dtype, rank and known dims. */
typedef struct bridge_binding {
	const char *name;
	const sb_tensor *value; /* borrowed; the relax module keeps its own reference */
} bridge_binding;

typedef struct bridge_options {
	int nbound;
	const bridge_binding *bound;
} bridge_options;

/* Converts relay function `f` of `src` into a relax function added to `dst`
 * under `name` (its GlobalVar's name and "global_symbol" attribute).  *fn
 * (may be NULL) receives the function.  On error dst is left without
 * `name` (shape variables and constants made on the way stay in dst, which
 * is freed as usual). */
sb_status bridge_convert_function(relay_module *src, const relay_function *f, relax_module *dst,
				  const char *name, relax_expr **fn);

/* The same with inputs bound (opts NULL: none). */
sb_status bridge_convert_function_with(relay_module *src, const relay_function *f,
				       relax_module *dst, const char *name,
				       const bridge_options *opts, relax_expr **fn);

/* The whole module: a new relax_like module holding "main" converted from
 * src->main.  *out is NULL on error. */
sb_status bridge_convert(relay_module *src, relax_module **out);
sb_status bridge_convert_with(relay_module *src, const bridge_options *opts, relax_module **out);

/* The graph inputs whose values the bridge needs at compile time: those
 * that feed (through any op but Shape/Size, which read only a shape) an
 * argument that must be known at compile time (the list above) -- so a
 * driver can bind exactly these.  *names (malloc'd array; free() it; the
 * strings are the relay module's) gets them in parameter order, *n their
 * count.  Inputs that are bound or not, alike.  `f` must be typed.  When an
 * input feeds such an argument through an op the bridge cannot evaluate
 * (NonZero, a float computation), binding it does not help; the bridge's
 * error then stays. */
sb_status bridge_inputs_needing_values(relay_module *src, const relay_function *f, int *n,
				       const char ***names);

/* Does relay op `op` have a relax_like counterpart (a row of bridge/ops.def)?
 * Some conversions can still fail for particular attributes or inputs
 * (a 4-D convolution, pads computed from data). */
bool bridge_supports(relay_op op);

/* The converted function's outputs: their count and ONNX names, kept as
 * function attributes "num_outputs" (int) and "output_name.<i>" (string).
 * -1 / NULL when the function has none (it did not come from the bridge). */
int bridge_output_count(const relax_expr *fn);
const char *bridge_output_name(const relax_expr *fn, int i);

#endif
