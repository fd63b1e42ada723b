/* The model .so: the serialized executable as sb_module_blob (an assembly
 * file that .incbin's it: no C compiler has to parse a weights-sized array)
 * linked with the kernels' objects by the system compiler. */
#include <errno.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vm_codegen.h"

extern char **environ;

/* Runs argv (no shell); SB_ERR_IO unless it exits with 0. */
static sb_status run_command(char *const argv[])
{
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);
	if (rc)
		return sb_set_error(SB_ERR_IO, "cannot run '%s': %s", argv[0], strerror(rc));
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return sb_set_error(SB_ERR_IO, "waiting for '%s': %s", argv[0],
					    strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return sb_set_error(SB_ERR_IO, "'%s' failed (status %d)", argv[0], status);
	return SB_OK;
}

static sb_status write_asm(const char *path, const char *bin, size_t size)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return sb_set_error(SB_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
	fprintf(f,
		"\t.section .rodata.sb_module_blob,\"a\",@progbits\n"
		"\t.globl sb_module_blob\n"
		"\t.type sb_module_blob, @object\n"
		"\t.balign 64\n"
		"sb_module_blob:\n"
		"\t.incbin \"%s\"\n"
		"\t.size sb_module_blob, . - sb_module_blob\n"
		"\t.globl sb_module_blob_size\n"
		"\t.type sb_module_blob_size, @object\n"
		"\t.balign 8\n"
		"sb_module_blob_size:\n"
		"\t.quad %zu\n"
		"\t.size sb_module_blob_size, 8\n"
		"\t.section .note.GNU-stack,\"\",@progbits\n",
		bin, size);
	if (fclose(f))
		return sb_set_error(SB_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
	return SB_OK;
}

sb_status sb_vmgen_write_module(const char *path, const void *blob, size_t size, int nobjects,
				const char *const *objects)
{
	char dir[] = "/tmp/sbvm-XXXXXX";
	if (!mkdtemp(dir))
		return sb_set_error(SB_ERR_IO, "cannot make a temporary directory: %s",
				    strerror(errno));
	char *bin = sb_xasprintf("%s/blob.bin", dir), *s = sb_xasprintf("%s/blob.s", dir);
	sb_status st = sb_write_file(bin, blob, size);
	if (!st)
		st = write_asm(s, bin, size);
	if (!st) {
		char **argv = sb_xcalloc((size_t)nobjects + 10, sizeof *argv);
		int k = 0;
		argv[k++] = "cc";
		argv[k++] = "-shared";
		argv[k++] = "-o";
		argv[k++] = (char *)path;
		argv[k++] = s;
		for (int i = 0; i < nobjects; i++)
			argv[k++] = (char *)objects[i];
		argv[k++] = "-lm";
		argv[k++] = "-Wl,--no-undefined";
		argv[k] = NULL;
		st = run_command(argv);
		free(argv);
		if (st)
			sb_error_prefix(st, "vm: linking the model '%s'", path);
	}
	unlink(bin);
	unlink(s);
	rmdir(dir);
	free(bin);
	free(s);
	return st;
}

sb_status sb_vmgen_write_artifact(const char *path, const sb_vm_exec *exec, int nobjects,
				  const char *const *objects)
{
	uint8_t *blob;
	size_t size;
	sb_status st = sb_vm_exec_serialize(exec, &blob, &size);
	if (st)
		return st;
	st = sb_vmgen_write_module(path, blob, size, nobjects, objects);
	free(blob);
	return st;
}
