/*
 * strbuf: a growable, NUL-terminated byte buffer with an optional size
 * cap. Appends past the cap fail with ERR_LIMIT and leave the buffer as
 * it was, which is how untrusted input (command output, packets) is
 * bounded. Allocation failure aborts (xalloc).
 */
#ifndef PCDR_UTIL_STRBUF_H
#define PCDR_UTIL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *ptr;    /* always NUL-terminated once anything was added */
	size_t len;   /* bytes in use, not counting the NUL */
	size_t cap;   /* bytes allocated */
	size_t limit; /* 0: unbounded; otherwise the largest len allowed */
};

#define STRBUF_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0, 0                                                                      \
	}

void strbuf_init(struct strbuf *sb, size_t limit);
/* Append; 0 or ERR_LIMIT (buffer unchanged). */
int strbuf_add(struct strbuf *sb, const void *data, size_t len);
int strbuf_puts(struct strbuf *sb, const char *s);
int strbuf_putc(struct strbuf *sb, char c);
int strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int strbuf_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
/* The contents, "" when empty (borrowed). */
const char *strbuf_cstr(const struct strbuf *sb);
void strbuf_reset(struct strbuf *sb);
void strbuf_truncate(struct strbuf *sb, size_t len);
/* Hand the contents to the caller (who frees them); the buffer is reset. */
char *strbuf_detach(struct strbuf *sb, size_t *len);
/* Free the contents; the buffer can be reused. */
void strbuf_release(struct strbuf *sb);

#endif
