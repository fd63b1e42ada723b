/* Module loader: dlopen a model .so, hand it the runtime table, register
 * its packed functions in a registry of its own (two models may both
 * define "fused_add_0"), and load the executable blob it embeds. */
#include <dlfcn.h>
#include <stdlib.h>

#include "runtime.h"

/* More entries than this in sb_module_functions means the table has no
 * terminator: a broken .so, not a big model. */
#define MAX_MODULE_FUNCTIONS (1 << 20)

void sb_module_close(sb_module *m)
{
	if (!m)
		return;
	sb_vm_exec_free(m->exec);
	sb_func_registry_free(m->funcs);
	if (m->handle)
		dlclose(m->handle);
	free(m);
}

sb_status sb_module_open(const char *path, sb_module **out)
{
	*out = NULL;
	/* RTLD_LOCAL: two models' symbols never meet; RTLD_NOW: a missing
	 * symbol fails here, not mid-run. */
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return sb_set_error(SB_ERR_IO, "cannot load model: %s", dlerror());
	sb_module *m = sb_xcalloc(1, sizeof *m);
	m->handle = h;
	m->funcs = sb_func_registry_new();
	sb_status st = SB_OK;

	const uint8_t *blob = dlsym(h, "sb_module_blob");
	const uint64_t *blob_size = dlsym(h, "sb_module_blob_size");
	if (!blob || !blob_size) {
		st = sb_set_error(SB_ERR_INVALID,
				  "not a shapebridge model (no sb_module_blob / sb_module_blob_size)");
		goto fail;
	}
	/* Must happen before any function of the module runs. */
	const sb_runtime_api **api = dlsym(h, "sb_module_runtime");
	if (api)
		*api = sb_runtime_api_get();

	const sb_packed_entry *fns = dlsym(h, "sb_module_functions");
	for (size_t i = 0; fns && fns[i].name; i++) {
		if (i == MAX_MODULE_FUNCTIONS || !fns[i].fn) {
			st = sb_set_error(SB_ERR_INVALID, "sb_module_functions entry %zu is broken", i);
			goto fail;
		}
		if ((st = sb_func_registry_add(m->funcs, fns[i].name, fns[i].fn, false)))
			goto fail;
	}
	if ((st = sb_vm_exec_deserialize(blob, (size_t)*blob_size, &m->exec)))
		goto fail;
	*out = m;
	return SB_OK;
fail:
	sb_module_close(m);
	return sb_error_prefix(st, "model '%s'", path);
}
