/*
 * strbuf: bounded growable strings. Growth is geometric; the cap is
 * checked before any byte is written so a refused append changes nothing.
 */
#include "util/strbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/xalloc.h"

void strbuf_init(struct strbuf *sb, size_t limit)
{
	sb->ptr = NULL;
	sb->len = 0;
	sb->cap = 0;
	sb->limit = limit;
}

static int strbuf_grow(struct strbuf *sb, size_t extra)
{
	size_t want;

	if (sb->limit && (extra > sb->limit || sb->len > sb->limit - extra))
		return err_set(ERR_LIMIT, "output exceeds the limit of %zu bytes", sb->limit);
	want = sb->len + extra + 1;
	if (want <= sb->cap)
		return 0;
	if (want < 2 * sb->cap)
		want = 2 * sb->cap;
	if (want < 64)
		want = 64;
	sb->ptr = xrealloc(sb->ptr, want);
	sb->cap = want;
	return 0;
}

int strbuf_add(struct strbuf *sb, const void *data, size_t len)
{
	int error = strbuf_grow(sb, len);

	if (error < 0)
		return error;
	if (len)
		memcpy(sb->ptr + sb->len, data, len);
	sb->len += len;
	sb->ptr[sb->len] = '\0';
	return 0;
}

int strbuf_puts(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

int strbuf_putc(struct strbuf *sb, char c)
{
	return strbuf_add(sb, &c, 1);
}

int strbuf_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list copy;
	int n;
	int error;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return err_set(ERR_INVALID, "bad format string");
	error = strbuf_grow(sb, (size_t)n);
	if (error < 0)
		return error;
	vsnprintf(sb->ptr + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
	return 0;
}

int strbuf_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int error;

	va_start(ap, fmt);
	error = strbuf_vprintf(sb, fmt, ap);
	va_end(ap);
	return error;
}

const char *strbuf_cstr(const struct strbuf *sb)
{
	return sb->ptr ? sb->ptr : "";
}

void strbuf_reset(struct strbuf *sb)
{
	strbuf_truncate(sb, 0);
}

void strbuf_truncate(struct strbuf *sb, size_t len)
{
	if (!sb->ptr || len >= sb->len)
		return;
	sb->len = len;
	sb->ptr[len] = '\0';
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	char *p = sb->ptr ? sb->ptr : xstrdup("");

	if (len)
		*len = sb->len;
	sb->ptr = NULL;
	sb->len = 0;
	sb->cap = 0;
	return p;
}

void strbuf_release(struct strbuf *sb)
{
	free(sb->ptr);
	sb->ptr = NULL;
	sb->len = 0;
	sb->cap = 0;
}
