/* The test model .so: the test kernels as its packed functions, the
 * serialized test program (generated module_blob.c) as its blob, and no
 * link to the runtime -- it calls back through sb_module_runtime. */
#include "shapebridge/packed.h"

SB_API const sb_runtime_api *sb_module_runtime;

#define KERNEL_SET_ERROR sb_module_runtime->set_error
#define KERNEL_PARALLEL_FOR sb_module_runtime->parallel_for
#include "vm_test_kernels.h"

#define ENTRY(name, fn) {name, fn},
SB_API const sb_packed_entry sb_module_functions[] = {VM_TEST_KERNELS(ENTRY){NULL, NULL}};
