/* .npy reader and writer (numpy format versions 1.0, 2.0 and 3.0; C order;
 * little-endian or byte-order-free dtypes). */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "runtime.h"

static const struct {
	const char *descr;
	sb_dtype dt;
} npy_types[] = {
	{"<f4", SB_F32}, {"<f8", SB_F64}, {"<f2", SB_F16}, {"|i1", SB_I8},  {"<i2", SB_I16},
	{"<i4", SB_I32}, {"<i8", SB_I64}, {"|u1", SB_U8},  {"<u2", SB_U16}, {"<u4", SB_U32},
	{"<u8", SB_U64}, {"|b1", SB_BOOL},
};

/* Finds 'key': in the header dict and returns a pointer just past the colon. */
static const char *dict_value(const char *hdr, const char *key)
{
	char pat[32];
	snprintf(pat, sizeof pat, "'%s'", key);
	const char *p = strstr(hdr, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	while (isspace((unsigned char)*p))
		p++;
	if (*p != ':')
		return NULL;
	p++;
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

sb_status sb_npy_read(const char *path, sb_tensor **out)
{
	uint8_t *buf;
	size_t size;
	sb_status st = sb_read_file(path, &buf, &size);
	if (st)
		return st;
	st = SB_ERR_INVALID;
	if (size < 10 || memcmp(buf, "\x93NUMPY", 6)) {
		sb_set_error(st, "%s: not a .npy file (bad magic)", path);
		goto out;
	}
	int major = buf[6];
	size_t hlen, hstart;
	if (major == 1) {
		hlen = buf[8] | (size_t)buf[9] << 8;
		hstart = 10;
	} else if ((major == 2 || major == 3) && size >= 12) {
		hlen = buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
		hstart = 12;
	} else {
		sb_set_error(st, "%s: unsupported .npy version %d", path, major);
		goto out;
	}
	if (hlen > size - hstart) {
		sb_set_error(st, "%s: truncated .npy header", path);
		goto out;
	}
	char *hdr = sb_xmalloc(hlen + 1);
	memcpy(hdr, buf + hstart, hlen);
	hdr[hlen] = '\0';

	const char *d = dict_value(hdr, "descr"), *f = dict_value(hdr, "fortran_order"),
		   *s = dict_value(hdr, "shape");
	sb_dtype dt = SB_DT_INVALID;
	if (d && *d == '\'') {
		for (size_t i = 0; i < SB_ARRAY_LEN(npy_types); i++) {
			size_t n = strlen(npy_types[i].descr);
			/* '=' and '|' mean native/no byte order; treat like '<'. */
			if (!strncmp(d + 2, npy_types[i].descr + 1, n - 1) && d[2 + n - 1] == '\'' &&
			    (d[1] == '<' || d[1] == '|' || d[1] == '='))
				dt = npy_types[i].dt;
		}
	}
	if (!d || !f || !s || *s != '(') {
		sb_set_error(st, "%s: malformed .npy header: %s", path, hdr);
	} else if (dt == SB_DT_INVALID) {
		sb_set_error(SB_ERR_UNSUPPORTED, "%s: unsupported .npy dtype %.12s", path, d);
		st = SB_ERR_UNSUPPORTED;
	} else if (!strncmp(f, "True", 4)) {
		sb_set_error(SB_ERR_UNSUPPORTED, "%s: Fortran-order .npy files are not supported", path);
		st = SB_ERR_UNSUPPORTED;
	} else {
		int64_t shape[SB_MAX_RANK];
		int rank = 0;
		const char *p = s + 1;
		bool ok = true;
		for (;;) {
			while (isspace((unsigned char)*p) || *p == ',')
				p++;
			if (*p == ')')
				break;
			char *end;
			long long v = strtoll(p, &end, 10);
			if (end == p || v < 0 || rank == SB_MAX_RANK) {
				ok = false;
				break;
			}
			shape[rank++] = v;
			p = end;
		}
		sb_tensor *t = ok ? sb_tensor_new(dt, rank, shape) : NULL;
		if (!ok) {
			sb_set_error(st, "%s: malformed shape in .npy header: %s", path, hdr);
		} else if (!t) {
			sb_error_prefix(st, "%s", path);
		} else if (sb_tensor_nbytes(t) != size - hstart - hlen) {
			sb_set_error(st, "%s: .npy data is %zu bytes, shape needs %zu", path,
				     size - hstart - hlen, sb_tensor_nbytes(t));
			sb_tensor_release(t);
		} else {
			memcpy(t->dl.data, buf + hstart + hlen, sb_tensor_nbytes(t));
			*out = t;
			st = SB_OK;
		}
	}
	free(hdr);
out:
	free(buf);
	return st;
}

sb_status sb_npy_write(const char *path, const sb_tensor *t)
{
	const char *descr = NULL;
	for (size_t i = 0; i < SB_ARRAY_LEN(npy_types); i++)
		if (npy_types[i].dt == t->dtype)
			descr = npy_types[i].descr;
	if (!descr)
		return sb_set_error(SB_ERR_UNSUPPORTED, "%s: cannot write %s to .npy", path,
				    sb_dtype_name(t->dtype));
	char dict[512];
	int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
	for (int i = 0; i < t->dl.ndim; i++)
		n += snprintf(dict + n, sizeof dict - (size_t)n, "%" PRId64 "%s", t->shape[i],
			      t->dl.ndim == 1 || i + 1 < t->dl.ndim ? ", " : "");
	n += snprintf(dict + n, sizeof dict - (size_t)n, "), }");
	/* Header padded with spaces to a multiple of 64, ending in '\n'. */
	size_t total = 10 + (size_t)n + 1;
	size_t padded = (total + 63) / 64 * 64;
	size_t hlen = padded - 10;
	size_t bytes = sb_tensor_nbytes(t);
	uint8_t *buf = sb_xmalloc(padded + bytes);
	memcpy(buf, "\x93NUMPY\x01\x00", 8);
	buf[8] = (uint8_t)(hlen & 0xff);
	buf[9] = (uint8_t)(hlen >> 8);
	memset(buf + 10, ' ', hlen);
	memcpy(buf + 10, dict, (size_t)n);
	buf[padded - 1] = '\n';
	memcpy(buf + padded, t->dl.data, bytes);
	sb_status st = sb_write_file(path, buf, padded + bytes);
	free(buf);
	return st;
}
