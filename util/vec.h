/*
 * vec: a typed growable array as a macro family, heap-backed (xrealloc).
 *
 *   VEC(struct step) steps = VEC_INIT;
 *   vec_push(&steps, s);
 *   for (size_t i = 0; i < steps.len; i++) ... steps.items[i] ...
 *   vec_free(&steps);
 */
#ifndef PCDR_UTIL_VEC_H
#define PCDR_UTIL_VEC_H

#include <stdlib.h>

#include "util/xalloc.h"

/* the macros read better as written */
/* clang-format off */
#define VEC(T) struct { T *items; size_t len; size_t cap; }
#define VEC_INIT { NULL, 0, 0 }

#define vec_reserve(v, n) do { \
	if ((v)->cap < (n)) { \
		size_t vec_newcap_ = (v)->cap ? (v)->cap * 2 : 8; \
		while (vec_newcap_ < (n)) vec_newcap_ *= 2; \
		(v)->items = xrealloc((v)->items, vec_newcap_ * sizeof(*(v)->items)); \
		(v)->cap = vec_newcap_; \
	} \
} while (0)

#define vec_push(v, x) do { \
	vec_reserve((v), (v)->len + 1); \
	(v)->items[(v)->len++] = (x); \
} while (0)

#define vec_free(v) do { \
	free((v)->items); \
	(v)->items = NULL; \
	(v)->len = (v)->cap = 0; \
} while (0)
/* clang-format on */

#endif
