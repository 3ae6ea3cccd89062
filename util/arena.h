/*
 * arena: a region allocator. Models and plans live in an arena and die
 * together (STYLE.md), so the planner never frees piecemeal. Memory is
 * zeroed; allocation failure aborts.
 */
#ifndef PCDR_UTIL_ARENA_H
#define PCDR_UTIL_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
	size_t total; /* bytes handed out, for benchmarks */
};

#define ARENA_INIT                                                                                 \
	{                                                                                          \
		NULL, 0                                                                            \
	}

void arena_init(struct arena *a);
/* Zeroed, aligned for any type; lives until arena_release. */
void *arena_alloc(struct arena *a, size_t size);
void *arena_calloc(struct arena *a, size_t count, size_t size);
char *arena_strdup(struct arena *a, const char *s); /* NULL stays NULL */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_sprintf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vsprintf(struct arena *a, const char *fmt, va_list ap);
void arena_release(struct arena *a);

#endif
