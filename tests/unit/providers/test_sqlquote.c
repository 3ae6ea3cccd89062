/*
 * Unit tests for providers/mssql/sqlquote: hostile names and values are
 * quoted so that they stay one token, and text that cannot be quoted
 * safely (NUL, invalid UTF-8, over-long or control-character names) is
 * refused with the buffer left as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "providers/mssql/sqlquote.h"
#include "util/err.h"

static const char *ident(struct strbuf *sb, const char *name)
{
	strbuf_reset(sb);
	assert_int_equal(sqlquote_ident(sb, name), 0);
	return strbuf_cstr(sb);
}

static const char *literal(struct strbuf *sb, const char *text)
{
	strbuf_reset(sb);
	assert_int_equal(sqlquote_literal(sb, text), 0);
	return strbuf_cstr(sb);
}

static void test_sqlquote__identifiers(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_string_equal(ident(&sb, "mgc"), "[mgc]");
	assert_string_equal(ident(&sb, "a]b"), "[a]]b]");
	assert_string_equal(ident(&sb, "]"), "[]]]");
	assert_string_equal(ident(&sb, "]]; DROP DATABASE mgc;--"), "[]]]]; DROP DATABASE mgc;--]");
	assert_string_equal(ident(&sb, "it's [x]"), "[it's [x]]]");
	assert_string_equal(ident(&sb, "чат-база 数据"), "[чат-база 数据]");
	assert_string_equal(ident(&sb, "emoji \xF0\x9F\x92\xAC"), "[emoji \xF0\x9F\x92\xAC]");
	strbuf_release(&sb);
}

static void test_sqlquote__literals(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	assert_string_equal(literal(&sb, ""), "N''");
	assert_string_equal(literal(&sb, "mgc"), "N'mgc'");
	assert_string_equal(literal(&sb, "'"), "N''''");
	assert_string_equal(literal(&sb, "O'Brien'; DROP TABLE x;--"),
	                    "N'O''Brien''; DROP TABLE x;--'");
	assert_string_equal(literal(&sb, "\\\\fs1\\pchat-ls\\it's"), "N'\\\\fs1\\pchat-ls\\it''s'");
	assert_string_equal(literal(&sb, "line1\nline2]"), "N'line1\nline2]'");
	assert_string_equal(literal(&sb, "ü'é"), "N'ü''é'");
	strbuf_release(&sb);
}

static void expect_refused(int (*fn)(struct strbuf *, const char *), const char *text,
                           const char *message)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_puts(&sb, "SELECT ");
	err_clear();
	assert_int_equal(fn(&sb, text), ERR_INVALID);
	assert_string_equal(strbuf_cstr(&sb), "SELECT ");
	assert_string_equal(err_last(), message);
	strbuf_release(&sb);
}

static void test_sqlquote__refuses_unsafe_text(void **state)
{
	(void)state;
	expect_refused(sqlquote_ident, "", "an empty SQL identifier is refused");
	expect_refused(sqlquote_ident, "a\xC0\xAF", "SQL identifier is not valid UTF-8 at byte 1");
	expect_refused(sqlquote_ident, "tab\there", "SQL identifier contains a control character");
	expect_refused(sqlquote_ident, "nl\n", "SQL identifier contains a control character");
	expect_refused(sqlquote_literal, "\xFF'", "SQL string is not valid UTF-8 at byte 0");
	/* overlong apostrophe, surrogate, past U+10FFFF, truncated sequence */
	expect_refused(sqlquote_literal, "x\xC0\xA7", "SQL string is not valid UTF-8 at byte 1");
	expect_refused(sqlquote_literal, "\xED\xA0\x80", "SQL string is not valid UTF-8 at byte 0");
	expect_refused(sqlquote_literal, "\xF4\x90\x80\x80",
	               "SQL string is not valid UTF-8 at byte 0");
	expect_refused(sqlquote_literal, "ab\xE2\x82", "SQL string is not valid UTF-8 at byte 2");
	expect_refused(sqlquote_literal, NULL, "a NULL SQL string is refused");
}

static void test_sqlquote__nul_is_refused(void **state)
{
	(void)state;
	assert_int_equal(sqlquote_check_text("ab\0c", 4, "database name"), ERR_INVALID);
	assert_string_equal(err_last(), "database name contains a NUL character at byte 2");
	assert_int_equal(sqlquote_check_text("abc", 3, "database name"), 0);
}

static void test_sqlquote__identifier_length_is_sysname(void **state)
{
	char name[600];
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	(void)state;
	memset(name, ']', 128);
	name[128] = '\0';
	assert_int_equal(sqlquote_ident(&sb, name), 0);
	assert_int_equal(sb.len, 2 + 256); /* every ] doubled */
	name[128] = 'x';
	name[129] = '\0';
	strbuf_reset(&sb);
	assert_int_equal(sqlquote_ident(&sb, name), ERR_INVALID);
	assert_string_equal(err_last(), "SQL identifier is longer than 128 characters");
	/* 128 two-byte characters fit; 64 astral characters are 128 UTF-16 units */
	for (i = 0; i < 128; i++)
		memcpy(name + 2 * i, "\xC3\xA9", 2);
	name[256] = '\0';
	assert_int_equal(sqlquote_ident(&sb, name), 0);
	for (i = 0; i < 65; i++)
		memcpy(name + 4 * i, "\xF0\x9F\x92\xAC", 4);
	name[4 * 65] = '\0';
	assert_int_equal(sqlquote_ident(&sb, name), ERR_INVALID);
	name[4 * 64] = '\0';
	assert_int_equal(sqlquote_ident(&sb, name), 0);
	strbuf_release(&sb);
}

static void test_sqlquote__builder(void **state)
{
	struct sqlquote q;
	char *text;

	(void)state;
	sqlquote_init(&q, 0);
	sqlquote_add(&q, "SELECT d.name FROM sys.databases AS d WHERE d.name = %L", "it's");
	sqlquote_add(&q, " AND d.state = %d; -- 100%%\n", 0);
	sqlquote_add(&q, "EXEC %I.dbo.sp_executesql N'x', %u;", "m]gc", 7u);
	assert_int_equal(sqlquote_error(&q), 0);
	assert_string_equal(sqlquote_cstr(&q),
	                    "SELECT d.name FROM sys.databases AS d WHERE d.name = N'it''s'"
	                    " AND d.state = 0; -- 100%\n"
	                    "EXEC [m]]gc].dbo.sp_executesql N'x', 7;");
	text = sqlquote_detach(&q);
	assert_string_equal(sqlquote_cstr(&q), "");
	free(text);
	sqlquote_release(&q);
}

static void test_sqlquote__builder_nested_dynamic_sql(void **state)
{
	struct sqlquote inner, outer;

	(void)state;
	sqlquote_init(&inner, 0);
	sqlquote_init(&outer, 0);
	sqlquote_add(&inner, "SELECT serverAddress FROM %I.dbo.tblServerIdentity WHERE x = %L;",
	             "o'k]", "v'");
	sqlquote_add(&outer, "EXEC sys.sp_executesql %L;", sqlquote_cstr(&inner));
	assert_string_equal(sqlquote_cstr(&outer),
	                    "EXEC sys.sp_executesql N'SELECT serverAddress FROM [o''k]]].dbo."
	                    "tblServerIdentity WHERE x = N''v'''''';';");
	sqlquote_release(&inner);
	sqlquote_release(&outer);
}

static void test_sqlquote__builder_first_error_sticks(void **state)
{
	struct sqlquote q;

	(void)state;
	sqlquote_init(&q, 0);
	sqlquote_add(&q, "SELECT 1;");
	sqlquote_add(&q, "SELECT %L;", "bad\xFF");
	assert_int_equal(sqlquote_error(&q), ERR_INVALID);
	assert_string_equal(err_last(), "SQL string is not valid UTF-8 at byte 3");
	sqlquote_add(&q, "SELECT 2;");
	assert_string_equal(sqlquote_cstr(&q), "SELECT 1;");
	sqlquote_release(&q);

	sqlquote_init(&q, 0);
	sqlquote_add(&q, "SELECT %s;", "raw");
	assert_int_equal(sqlquote_error(&q), ERR_INVALID);
	assert_string_equal(err_last(), "unknown directive '%s' in a T-SQL template");
	sqlquote_release(&q);
}

static void test_sqlquote__builder_limit(void **state)
{
	struct sqlquote q;
	char big[300];

	(void)state;
	memset(big, '\'', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	sqlquote_init(&q, 256);
	sqlquote_add(&q, "SELECT %L;", big);
	assert_int_equal(sqlquote_error(&q), ERR_LIMIT);
	assert_string_equal(sqlquote_cstr(&q), "");
	sqlquote_release(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sqlquote__identifiers),
	        cmocka_unit_test(test_sqlquote__literals),
	        cmocka_unit_test(test_sqlquote__refuses_unsafe_text),
	        cmocka_unit_test(test_sqlquote__nul_is_refused),
	        cmocka_unit_test(test_sqlquote__identifier_length_is_sysname),
	        cmocka_unit_test(test_sqlquote__builder),
	        cmocka_unit_test(test_sqlquote__builder_nested_dynamic_sql),
	        cmocka_unit_test(test_sqlquote__builder_first_error_sticks),
	        cmocka_unit_test(test_sqlquote__builder_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
