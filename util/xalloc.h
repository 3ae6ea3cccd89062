/*
 * xalloc: allocation that never returns NULL. Out of memory is not a
 * condition pcdr recovers from (STYLE.md): these abort with a message.
 * Untrusted input is size-capped before it reaches an allocation.
 */
#ifndef PCDR_UTIL_XALLOC_H
#define PCDR_UTIL_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
