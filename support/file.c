/* Whole-file reads and writes with errors in the error slot. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "support.h"

sb_status sb_read_file(const char *path, uint8_t **data, size_t *size)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return sb_set_error(SB_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
	size_t cap = 1 << 16, len = 0;
	uint8_t *buf = malloc(cap);
	if (!buf) {
		fclose(f);
		return sb_set_error(SB_ERR_NOMEM, "out of memory reading '%s'", path);
	}
	for (;;) {
		if (len == cap) {
			uint8_t *nb = realloc(buf, cap * 2);
			if (!nb) {
				free(buf);
				fclose(f);
				return sb_set_error(SB_ERR_NOMEM, "out of memory reading '%s'", path);
			}
			buf = nb;
			cap *= 2;
		}
		size_t n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	int err = ferror(f);
	fclose(f);
	if (err) {
		free(buf);
		return sb_set_error(SB_ERR_IO, "error reading '%s'", path);
	}
	*data = buf;
	*size = len;
	return SB_OK;
}

sb_status sb_write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return sb_set_error(SB_ERR_IO, "cannot create '%s': %s", path, strerror(errno));
	size_t n = fwrite(data, 1, size, f);
	int closed = fclose(f);
	if (n != size || closed != 0)
		return sb_set_error(SB_ERR_IO, "error writing '%s'", path);
	return SB_OK;
}
