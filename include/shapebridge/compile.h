/* shapebridge compile API: an ONNX model -> a model .so that the runtime
 * alone loads (shapebridge/model.h), or straight to a loaded model.
 *
 * Named input dims (ONNX dim_param) stay symbolic: the .so runs every
 * shape and checks each input (rank, dtype, every dim, dims shared between
 * inputs) before it computes anything.  Errors come back as sb_status with
 * the message in the error slot (sb_last_error): the model path, the
 * compiler stage that failed ("m.onnx: stage legalize: ...") and what it
 * said.  Needs the compiler (libLLVM) and a system C compiler (`cc`) to
 * link the .so. */
#ifndef SHAPEBRIDGE_COMPILE_H
#define SHAPEBRIDGE_COMPILE_H

#include "shapebridge/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --bound NAME=MAX: the largest value a named dim will take.  Memory
 * planning then shares storage between tensors whose sizes depend on it
 * (sized for the bound); a run with a larger value fails with a message
 * naming the dim and the bound. */
typedef struct sb_compile_bound {
	const char *name;
	int64_t max;
} sb_compile_bound;

typedef struct sb_compile_options {
	int nbounds;
	const sb_compile_bound *bounds;
	/* > 0: the runtime thread pool's size while compiling (kernels that
	 * fold constants run on it); the .so itself follows the pool of the
	 * process that runs it (sb_set_num_threads, SB_NUM_THREADS). */
	int threads;
} sb_compile_options;

/* Compiles the ONNX file at onnx_path into the model .so at so_path.
 * opts may be NULL. */
SB_API sb_status sb_compile_file(const char *onnx_path, const char *so_path,
				 const sb_compile_options *opts);

/* Compiles and loads in one step: the .so is written to a private
 * temporary folder, loaded, and its file removed.  *model is NULL on
 * error; release it with sb_model_free. */
SB_API sb_status sb_compile_load(const char *onnx_path, const sb_compile_options *opts,
				 sb_model **model);

#ifdef __cplusplus
}
#endif
#endif
