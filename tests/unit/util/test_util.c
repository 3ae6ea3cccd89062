/*
 * Unit tests for util/: the per-thread last error, bounded strbuf, arena
 * and vec.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>

#include "util/arena.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "util/vec.h"

static void test_err__set_returns_code_and_keeps_message(void **state)
{
	(void)state;
	err_clear();
	assert_int_equal(err_set(ERR_NOTFOUND, "ref '%s' not found", "main"), ERR_NOTFOUND);
	assert_string_equal(err_last(), "ref 'main' not found");
	assert_int_equal(err_last_code(), ERR_NOTFOUND);
	err_clear();
	assert_string_equal(err_last(), "");
	assert_int_equal(err_last_code(), ERR_OK);
}

static void *err_thread(void *arg)
{
	(void)arg;
	err_set(ERR_IO, "other thread");
	return NULL;
}

static void test_err__is_per_thread(void **state)
{
	pthread_t t;

	(void)state;
	err_set(ERR_INVALID, "main thread");
	pthread_create(&t, NULL, err_thread, NULL);
	pthread_join(t, NULL);
	assert_string_equal(err_last(), "main thread");
	assert_int_equal(err_last_code(), ERR_INVALID);
}

static void test_strbuf__limit_refuses_and_leaves_buffer(void **state)
{
	struct strbuf sb;

	(void)state;
	strbuf_init(&sb, 8);
	assert_int_equal(strbuf_puts(&sb, "abcdef"), 0);
	assert_int_equal(strbuf_puts(&sb, "ghi"), ERR_LIMIT);
	assert_string_equal(strbuf_cstr(&sb), "abcdef");
	assert_int_equal(strbuf_printf(&sb, "%d", 42), 0);
	assert_string_equal(strbuf_cstr(&sb), "abcdef42");
	assert_int_equal(strbuf_putc(&sb, 'x'), ERR_LIMIT);
	assert_int_equal(sb.len, 8);
	strbuf_release(&sb);
}

static void test_strbuf__grows_without_limit(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	int i;

	(void)state;
	assert_string_equal(strbuf_cstr(&sb), "");
	for (i = 0; i < 10000; i++)
		assert_int_equal(strbuf_putc(&sb, (char)('a' + i % 26)), 0);
	assert_int_equal(sb.len, 10000);
	assert_int_equal(sb.ptr[26], 'a');
	strbuf_truncate(&sb, 3);
	assert_string_equal(strbuf_cstr(&sb), "abc");
	strbuf_release(&sb);
}

static void test_arena__allocations_are_zeroed_aligned_and_distinct(void **state)
{
	struct arena a = ARENA_INIT;
	char *big;
	char *s;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		uint64_t *p = arena_alloc(&a, 24);
		assert_int_equal((uintptr_t)p % _Alignof(max_align_t), 0);
		assert_int_equal(p[0] | p[1] | p[2], 0);
		p[0] = p[1] = p[2] = UINT64_MAX;
	}
	big = arena_alloc(&a, 100000);
	assert_int_equal(big[99999], 0);
	s = arena_sprintf(&a, "%s-%d", "dc", 2);
	assert_string_equal(s, "dc-2");
	assert_null(arena_strdup(&a, NULL));
	assert_string_equal(arena_strndup(&a, "abcdef", 3), "abc");
	arena_release(&a);
	assert_null(a.head);
}

static void test_vec__push_keeps_order(void **state)
{
	VEC(int) v = VEC_INIT;
	int i;

	(void)state;
	for (i = 0; i < 100; i++)
		vec_push(&v, i * 3);
	assert_int_equal(v.len, 100);
	assert_int_equal(v.items[0], 0);
	assert_int_equal(v.items[99], 297);
	vec_free(&v);
	assert_null(v.items);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_err__set_returns_code_and_keeps_message),
	        cmocka_unit_test(test_err__is_per_thread),
	        cmocka_unit_test(test_strbuf__limit_refuses_and_leaves_buffer),
	        cmocka_unit_test(test_strbuf__grows_without_limit),
	        cmocka_unit_test(test_arena__allocations_are_zeroed_aligned_and_distinct),
	        cmocka_unit_test(test_vec__push_keeps_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
