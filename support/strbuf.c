/* A growable string, for printers and error messages. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "support.h"

static void strbuf_grow(sb_strbuf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t ncap = b->cap ? b->cap : 256;
	while (ncap < b->len + extra + 1)
		ncap *= 2;
	b->data = sb_xrealloc(b->data, ncap);
	b->cap = ncap;
}

void sb_strbuf_printf(sb_strbuf *b, const char *fmt, ...)
{
	va_list ap, ap2;
	va_start(ap, fmt);
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	strbuf_grow(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	b->len += (size_t)n;
}

void sb_strbuf_puts(sb_strbuf *b, const char *s)
{
	size_t n = strlen(s);
	strbuf_grow(b, n);
	memcpy(b->data + b->len, s, n + 1);
	b->len += n;
}

void sb_strbuf_putc(sb_strbuf *b, char c)
{
	strbuf_grow(b, 1);
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
}

void sb_strbuf_free(sb_strbuf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

char *sb_strbuf_take(sb_strbuf *b)
{
	char *s = b->data ? b->data : sb_xstrdup("");
	b->data = NULL;
	b->len = b->cap = 0;
	return s;
}
