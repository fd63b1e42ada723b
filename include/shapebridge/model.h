/* shapebridge model API: load a compiled model (.so), describe its inputs
 * and outputs, run it.  Only the runtime library is needed.  Errors come
 * back as sb_status with the message in the error slot (sb_last_error). */
#ifndef SHAPEBRIDGE_MODEL_H
#define SHAPEBRIDGE_MODEL_H

#include "shapebridge/packed.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sb_model sb_model;

/* One dimension of an input or output: a number, or a symbolic name that
 * is bound when the model runs ("batch", "seq_len"; an expression such as
 * "n*4" for outputs).  `name` is NULL for a static dim. */
typedef struct sb_dim_info {
	int64_t value; /* -1 when symbolic */
	const char *name;
} sb_dim_info;

typedef struct sb_io_info {
	const char *name;
	sb_dtype dtype;
	int rank; /* -1: unknown rank */
	const sb_dim_info *dims; /* rank entries */
} sb_io_info;

/* dlopens the model .so, checks and links its executable.  On failure
 * *model is NULL and the error slot says why. */
SB_API sb_status sb_model_load(const char *path, sb_model **model);
/* Same from an executable blob in memory (no generated kernels of its own:
 * every packed function it calls must be in the process registry). */
SB_API sb_status sb_model_load_blob(const void *blob, size_t size, sb_model **model);
SB_API void sb_model_free(sb_model *model);

SB_API int sb_model_num_inputs(const sb_model *model);
SB_API int sb_model_num_outputs(const sb_model *model);
/* The returned pointers live as long as the model.  SB_ERR_INVALID for an
 * index out of range. */
SB_API sb_status sb_model_input_info(const sb_model *model, int index, sb_io_info *info);
SB_API sb_status sb_model_output_info(const sb_model *model, int index, sb_io_info *info);

/* Runs the entry function.  `inputs` are borrowed; on success outputs[i]
 * hold new references the caller releases.  Several threads may run one
 * model at once. */
SB_API sb_status sb_model_run(sb_model *model, sb_tensor *const *inputs, int ninputs,
			      sb_tensor **outputs, int noutputs);

/* Memory statistics of the model's storage pool (for `run --stats`). */
typedef struct sb_mem_stats {
	uint64_t bytes_live; /* requested bytes currently allocated */
	uint64_t bytes_peak; /* high-water mark of bytes_live */
	uint64_t bytes_held; /* obtained from malloc, live or cached for reuse */
	uint64_t allocs;     /* allocation requests */
	uint64_t mallocs;    /* of which went to malloc (the rest reused a block) */
} sb_mem_stats;
SB_API void sb_model_mem_stats(const sb_model *model, sb_mem_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
