/* The public model API (shapebridge/model.h) over the module loader and
 * the VM.  Checking inputs against their shapes is the program's job (its
 * check_tensor_info / match_shape calls name the input and the dim); here
 * we only check what the program cannot see: counts and NULLs. */
#include <stdlib.h>

#include "runtime.h"

struct sb_model {
	sb_module *module; /* NULL when loaded from a bare blob */
	sb_vm_exec *exec;  /* the module's, or owned */
	sb_vm *vm;
};

void sb_model_free(sb_model *model)
{
	if (!model)
		return;
	sb_vm_free(model->vm);
	if (model->module)
		sb_module_close(model->module);
	else
		sb_vm_exec_free(model->exec);
	free(model);
}

static sb_status model_link(sb_model *model, const sb_func_registry *local)
{
	if (model->exec->entry < 0)
		return sb_set_error(SB_ERR_INVALID, "the executable has no entry function");
	return sb_vm_new(model->exec, local, &model->vm);
}

sb_status sb_model_load(const char *path, sb_model **out)
{
	*out = NULL;
	sb_model *model = sb_xcalloc(1, sizeof *model);
	sb_status st = sb_module_open(path, &model->module);
	if (!st) {
		model->exec = model->module->exec;
		if ((st = model_link(model, model->module->funcs)))
			sb_error_prefix(st, "model '%s'", path);
	}
	if (st) {
		sb_model_free(model);
		return st;
	}
	*out = model;
	return SB_OK;
}

sb_status sb_model_load_blob(const void *blob, size_t size, sb_model **out)
{
	*out = NULL;
	sb_model *model = sb_xcalloc(1, sizeof *model);
	sb_status st = sb_vm_exec_deserialize(blob, size, &model->exec);
	if (!st)
		st = model_link(model, NULL);
	if (st) {
		sb_model_free(model);
		return st;
	}
	*out = model;
	return SB_OK;
}

int sb_model_num_inputs(const sb_model *model) { return model->exec->ninputs; }
int sb_model_num_outputs(const sb_model *model) { return model->exec->noutputs; }

sb_status sb_model_input_info(const sb_model *model, int index, sb_io_info *info)
{
	if (index < 0 || index >= model->exec->ninputs)
		return sb_set_error(SB_ERR_INVALID, "input %d of a model with %d inputs", index,
				    model->exec->ninputs);
	*info = model->exec->inputs[index];
	return SB_OK;
}

sb_status sb_model_output_info(const sb_model *model, int index, sb_io_info *info)
{
	if (index < 0 || index >= model->exec->noutputs)
		return sb_set_error(SB_ERR_INVALID, "output %d of a model with %d outputs", index,
				    model->exec->noutputs);
	*info = model->exec->outputs[index];
	return SB_OK;
}

/* Outputs come back as one tensor or a tuple of tensors. */
static sb_status unpack_outputs(sb_value *result, sb_tensor **outputs, int noutputs)
{
	if (result->kind == SB_VAL_TENSOR) {
		if (noutputs != 1)
			return sb_set_error(SB_ERR_INVALID, "the model has 1 output, %d requested", noutputs);
		outputs[0] = sb_tensor_retain(result->u.tensor);
		return SB_OK;
	}
	if (result->kind != SB_VAL_OBJECT || result->u.obj->type != SB_OBJ_TUPLE)
		return sb_set_error(SB_ERR_INVALID, "the model returned a %s, not tensors",
				    sb_value_kind_name(result->kind));
	const sb_tuple *t = (const sb_tuple *)result->u.obj;
	if (t->size != noutputs)
		return sb_set_error(SB_ERR_INVALID, "the model has %d outputs, %d requested", t->size,
				    noutputs);
	for (int i = 0; i < t->size; i++)
		if (t->fields[i].kind != SB_VAL_TENSOR)
			return sb_set_error(SB_ERR_INVALID, "model output %d is a %s, not a tensor", i,
					    sb_value_kind_name(t->fields[i].kind));
	for (int i = 0; i < t->size; i++)
		outputs[i] = sb_tensor_retain(t->fields[i].u.tensor);
	return SB_OK;
}

sb_status sb_model_run(sb_model *model, sb_tensor *const *inputs, int ninputs,
		       sb_tensor **outputs, int noutputs)
{
	const sb_vm_exec *e = model->exec;
	if (ninputs != e->ninputs)
		return sb_set_error(SB_ERR_INVALID, "the model takes %d inputs, %d given", e->ninputs,
				    ninputs);
	if (noutputs < 0 || (noutputs && !outputs))
		return sb_set_error(SB_ERR_INVALID, "bad output array");
	for (int i = 0; i < noutputs; i++)
		outputs[i] = NULL;
	sb_value small[16] = {{0}};
	sb_value *args = ninputs <= 16 ? small : sb_xmalloc(sizeof *args * (size_t)ninputs);
	sb_status st = SB_OK;
	for (int i = 0; i < ninputs && !st; i++) {
		if (!inputs || !inputs[i])
			st = sb_set_error(SB_ERR_INVALID, "input '%s' is missing", e->inputs[i].name);
		else
			args[i] = sb_value_tensor(inputs[i]);
	}
	sb_value result = {SB_VAL_NONE};
	if (!st)
		st = sb_vm_invoke(model->vm, e->entry, args, ninputs, &result);
	if (!st)
		st = unpack_outputs(&result, outputs, noutputs);
	sb_value_release(&result);
	if (args != small)
		free(args);
	return st;
}

void sb_model_mem_stats(const sb_model *model, sb_mem_stats *stats)
{
	sb_pool_stats(sb_vm_storage_pool(model->vm), stats);
}
