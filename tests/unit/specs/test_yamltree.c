/*
 * Unit tests for specs/yamltree.c: node kinds, positions (1-based, in
 * characters, after a byte order mark, across CRLF line ends), scalar
 * styles, and the problems it reports by itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "specs/yamltree.h"
#include "util/err.h"
#include "util/strbuf.h"

static void collect(void *ctx, int line, int col, const char *message, const char *hint)
{
	struct strbuf *sb = ctx;

	strbuf_printf(sb, "%d:%d: %s [%s]\n", line, col, message, hint ? hint : "no hint");
}

static const struct yamltree_node *parse_ok(struct arena *a, const char *text)
{
	struct strbuf problems = STRBUF_INIT;
	struct yamltree_node *root = NULL;
	int rc = yamltree_parse(&root, a, text, strlen(text), collect, &problems);

	assert_string_equal(strbuf_cstr(&problems), "");
	assert_int_equal(rc, 0);
	assert_non_null(root);
	strbuf_release(&problems);
	return root;
}

static void test_yamltree__kinds_and_positions(void **state)
{
	struct arena a = ARENA_INIT;
	const struct yamltree_node *root =
	        parse_ok(&a, "a: x\nb:\n  - 'q'\n  - { c: \"d\" }\nempty:\n");
	const struct yamltree_node *seq, *map;

	(void)state;
	assert_int_equal(root->kind, YAMLTREE_MAPPING);
	assert_int_equal(root->n_pairs, 3);
	assert_string_equal(root->pairs[0].key->text, "a");
	assert_int_equal(root->pairs[0].value->line, 1);
	assert_int_equal(root->pairs[0].value->col, 4);
	assert_true(root->pairs[0].value->plain);
	seq = root->pairs[1].value;
	assert_int_equal(seq->kind, YAMLTREE_SEQUENCE);
	assert_int_equal(seq->n_items, 2);
	assert_int_equal(seq->line, 3);
	assert_int_equal(seq->col, 3);
	assert_false(seq->items[0]->plain);
	assert_string_equal(seq->items[0]->text, "q");
	map = seq->items[1];
	assert_int_equal(map->kind, YAMLTREE_MAPPING);
	assert_int_equal(map->line, 4);
	assert_int_equal(map->col, 5);
	assert_int_equal(map->pairs[0].value->col, 10);
	assert_true(yamltree_is_null(root->pairs[2].value));
	assert_string_equal(yamltree_kind_name(root->pairs[2].value), "null");
	assert_string_equal(yamltree_kind_name(seq), "a sequence");
	assert_string_equal(yamltree_kind_name(map), "a mapping");
	assert_string_equal(yamltree_kind_name(seq->items[0]), "a string");
	arena_release(&a);
}

static void test_yamltree__columns_count_characters(void **state)
{
	struct arena a = ARENA_INIT;
	/* a byte order mark, CRLF line ends, a two-byte character before the value */
	const struct yamltree_node *root = parse_ok(&a, "\xef\xbb\xbf"
	                                                "k: v\r\n\xc3\xa9: w\r\nz: [1, 2]\r\n");

	(void)state;
	assert_int_equal(root->pairs[0].key->line, 1);
	assert_int_equal(root->pairs[0].key->col, 1);
	assert_int_equal(root->pairs[1].value->line, 2);
	assert_int_equal(root->pairs[1].value->col, 4);
	assert_int_equal(root->pairs[2].value->items[1]->line, 3);
	assert_int_equal(root->pairs[2].value->items[1]->col, 8);
	arena_release(&a);
}

static void test_yamltree__null_forms(void **state)
{
	struct arena a = ARENA_INIT;
	const struct yamltree_node *root = parse_ok(&a, "a: ~\nb: null\nc: ''\nd: \"null\"\ne:\n");

	(void)state;
	assert_true(yamltree_is_null(root->pairs[0].value));
	assert_true(yamltree_is_null(root->pairs[1].value));
	assert_false(yamltree_is_null(root->pairs[2].value)); /* quoted: an empty string */
	assert_false(yamltree_is_null(root->pairs[3].value));
	assert_true(yamltree_is_null(root->pairs[4].value));
	arena_release(&a);
}

static void test_yamltree__nul_escape_keeps_length(void **state)
{
	struct arena a = ARENA_INIT;
	const struct yamltree_node *root = parse_ok(&a, "a: \"x\\0y\"\n");

	(void)state;
	assert_int_equal(root->pairs[0].value->len, 3);
	assert_int_equal(strlen(root->pairs[0].value->text), 1);
	arena_release(&a);
}

static void expect_problems(const char *text, size_t len, const char *want)
{
	struct arena a = ARENA_INIT;
	struct strbuf problems = STRBUF_INIT;
	struct yamltree_node *root = (struct yamltree_node *)1;

	assert_int_equal(yamltree_parse(&root, &a, text, len, collect, &problems), ERR_INVALID);
	assert_null(root);
	assert_string_equal(strbuf_cstr(&problems), want);
	strbuf_release(&problems);
	arena_release(&a);
}

static void test_yamltree__problems(void **state)
{
	(void)state;
	expect_problems(
	        "a:\n  b: 1\n\tc: 2\n", 15,
	        "3:1: tab character in indentation [indent with spaces; YAML does not allow "
	        "tabs for indentation]\n");
	expect_problems("a: 1\n...\n---\nb: 2\n", 18,
	                "3:1: a spec file holds one YAML document; this is a second one [put each "
	                "pool in its own file under pools/]\n");
	expect_problems(
	        "a: \"x\0y\"\n", 9,
	        "1:6: control character U+0000 is not allowed [remove the character; a spec "
	        "is plain text]\n");
	expect_problems("a: \xed\xa0\x80\n", 7, /* an encoded surrogate */
	                "1:4: invalid UTF-8: byte 0xED [save the file as UTF-8]\n");
	expect_problems(
	        "a: \xc2\x85\n", 6, /* NEL, a C1 control */
	        "1:4: control character U+0085 is not allowed [remove the character; a spec "
	        "is plain text]\n");
	expect_problems("---\n", 4,
	                "2:1: the document is empty [a spec starts with 'apiVersion: pcdr/v1' (see "
	                "docs/spec.md)]\n");
	expect_problems(
	        "a: !custom x\n", 13,
	        "1:4: tag '!custom' is not allowed [remove the tag; the schema decides each "
	        "value's type]\n");
	expect_problems(
	        "a: 'x\n", 6,
	        "2:1: invalid YAML: found unexpected end of stream (while scanning a quoted "
	        "scalar started at line 1, column 4) [check the indentation and quoting "
	        "around this position]\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_yamltree__kinds_and_positions),
	        cmocka_unit_test(test_yamltree__columns_count_characters),
	        cmocka_unit_test(test_yamltree__null_forms),
	        cmocka_unit_test(test_yamltree__nul_escape_keeps_length),
	        cmocka_unit_test(test_yamltree__problems),
	};

	return cmocka_run_group_tests_name("yamltree", tests, NULL, NULL);
}
