/* The per-thread error slot and the internal-invariant failure path. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "support.h"

#define SB_ERROR_MAX 4096

static _Thread_local char error_msg[SB_ERROR_MAX];

const char *sb_status_name(sb_status s)
{
	switch (s) {
	case SB_OK: return "ok";
	case SB_ERR_INVALID: return "invalid";
	case SB_ERR_UNSUPPORTED: return "unsupported";
	case SB_ERR_IO: return "io";
	case SB_ERR_NOMEM: return "out of memory";
	case SB_ERR_INTERNAL: return "internal";
	}
	return "unknown";
}

sb_status sb_set_error(sb_status code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(error_msg, sizeof error_msg, fmt, ap);
	va_end(ap);
	return code;
}

sb_status sb_error_prefix(sb_status code, const char *fmt, ...)
{
	char prefix[1024], old[SB_ERROR_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, error_msg, sizeof old);
	size_t n = strlen(prefix);
	if (n > sizeof error_msg - 3)
		n = sizeof error_msg - 3;
	memcpy(error_msg, prefix, n);
	memcpy(error_msg + n, ": ", 2);
	size_t rest = sizeof error_msg - n - 3;
	size_t m = strnlen(old, rest);
	memcpy(error_msg + n + 2, old, m);
	error_msg[n + 2 + m] = '\0';
	return code;
}

const char *sb_last_error(void) { return error_msg; }

void sb_clear_error(void) { error_msg[0] = '\0'; }

void sb_die(const char *file, int line, const char *func, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "shapebridge: internal error at %s:%d (%s): ", file, line, func);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void *sb_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		sb_die(__FILE__, __LINE__, __func__, "out of memory (%zu bytes)", n);
	return p;
}

void *sb_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		sb_die(__FILE__, __LINE__, __func__, "out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *sb_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		sb_die(__FILE__, __LINE__, __func__, "out of memory (%zu bytes)", n);
	return p;
}

char *sb_xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	return memcpy(sb_xmalloc(n), s, n);
}

char *sb_xasprintf(const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	char *s = sb_xmalloc((size_t)n + 1);
	vsnprintf(s, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	return s;
}

bool sb_debug_enabled(const char *what)
{
	const char *env = getenv("SB_DEBUG");
	if (!env)
		return false;
	size_t n = strlen(what);
	for (const char *p = env; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if ((len == n && !strncmp(p, what, n)) || (len == 3 && !strncmp(p, "all", 3)))
			return true;
		if (!end)
			break;
		p = end + 1;
	}
	return false;
}
