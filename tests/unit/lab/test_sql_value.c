/*
 * Unit tests for the engine's values: LIKE patterns, comparison with the
 * default collation (case-insensitive, trailing spaces ignored), exact
 * NUMERIC comparison beyond int64, CAST/CONVERT with their error
 * numbers, DATETIME rounding, DATETIME2's seventh digit, and GUID text
 * in SQL Server's byte order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lab/sql/value.h"

static void test_sql_value__like(void **state)
{
	static const struct {
		const char *s, *p;
		bool match;
	} cases[] = {
	        {"SQLAgent - Generic Refresher", "SQLAgent%", true},
	        {"sqlagent", "SQLAgent%", true},
	        {"Agent", "SQLAgent%", false},
	        {"mgc", "m_c", true},
	        {"mgc", "m_", false},
	        {"abc", "%b%", true},
	        {"abc", "[a-b]bc", true},
	        {"cbc", "[a-b]bc", false},
	        {"cbc", "[^a-b]bc", true},
	        {"", "%", true},
	        {"", "_", false},
	        {"aaa", "%%a%%", true},
	        {"héllo", "h_llo", true},
	        {"x[y", "x[y", true},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool got =
		        sqlval_like(cases[i].s, strlen(cases[i].s), cases[i].p, strlen(cases[i].p));

		if (got != cases[i].match)
			print_error("case %zu: '%s' LIKE '%s'\n", i, cases[i].s, cases[i].p);
		assert_true(got == cases[i].match);
	}
}

static int cmp(struct arena *a, struct lab_value x, struct lab_value y)
{
	struct sqlerr e;
	int c = 99;

	assert_int_equal(sqlval_compare(&c, &x, &y, a, &e), 0);
	return c;
}

static void test_sql_value__compare(void **state)
{
	struct arena a = ARENA_INIT;

	(void)state;
	assert_int_equal(cmp(&a, sqlval_cstr(&a, "ABC  "), sqlval_cstr(&a, "abc")), 0);
	assert_int_equal(cmp(&a, sqlval_cstr(&a, "abd"), sqlval_cstr(&a, "ABC")), 1);
	assert_int_equal(cmp(&a, sqlval_str(&a, LAB_T_NUMERIC, "12345678901234567890123", 23),
	                     sqlval_str(&a, LAB_T_NUMERIC, "12345678901234567890124", 23)),
	                 -1);
	assert_int_equal(
	        cmp(&a, sqlval_str(&a, LAB_T_NUMERIC, "-1.50", 5), sqlval_int(LAB_T_INT, -1)), -1);
	assert_int_equal(cmp(&a, sqlval_str(&a, LAB_T_NUMERIC, "2.0", 3), sqlval_int(LAB_T_INT, 2)),
	                 0);
	assert_int_equal(cmp(&a, sqlval_int(LAB_T_INT, 10), sqlval_cstr(&a, "9")), 1);
	assert_int_equal(cmp(&a, sqlval_float(1.5), sqlval_int(LAB_T_BIGINT, 2)), -1);
	arena_release(&a);
}

static const char *conv(struct arena *a, struct lab_value in, enum lab_type t, int32_t len,
                        int style, int32_t *err_number)
{
	struct sqltype to = {t, len, t == LAB_T_NUMERIC ? 10 : 0, t == LAB_T_NUMERIC ? 2 : 0};
	struct lab_value out, txt;
	struct sqltype text = {LAB_T_NVARCHAR, -1, 0, 0};
	struct sqlerr e;

	*err_number = 0;
	if (sqlval_convert(&out, &in, &to, style, a, &e)) {
		*err_number = e.number;
		return arena_strdup(a, e.text);
	}
	assert_int_equal(sqlval_convert(&txt, &out, &text, style, a, &e), 0);
	return txt.is_null ? "NULL" : txt.s;
}

static void test_sql_value__convert(void **state)
{
	struct arena a = ARENA_INIT;
	int32_t n;

	(void)state;
	assert_string_equal(conv(&a, sqlval_cstr(&a, " 42 "), LAB_T_INT, 4, -1, &n), "42");
	assert_string_equal(conv(&a, sqlval_cstr(&a, "4x"), LAB_T_INT, 4, -1, &n),
	                    "Conversion failed when converting the nvarchar value '4x' to data "
	                    "type int.");
	assert_int_equal(n, 245);
	assert_string_equal(conv(&a, sqlval_int(LAB_T_INT, 300), LAB_T_TINYINT, 1, -1, &n),
	                    "Arithmetic overflow error for data type tinyint, value = 300.");
	assert_int_equal(n, 220);
	assert_string_equal(conv(&a, sqlval_cstr(&a, "3.14159"), LAB_T_NUMERIC, 0, -1, &n), "3.14");
	assert_string_equal(conv(&a, sqlval_cstr(&a, "-0.005"), LAB_T_NUMERIC, 0, -1, &n), "-0.01");
	assert_string_equal(conv(&a, sqlval_cstr(&a, "123456789012"), LAB_T_NUMERIC, 0, -1, &n),
	                    "Arithmetic overflow error converting nvarchar to data type numeric.");
	assert_int_equal(n, 8115);
	assert_string_equal(conv(&a, sqlval_cstr(&a, "true"), LAB_T_BIT, 1, -1, &n), "1");
	assert_string_equal(conv(&a, sqlval_cstr(&a, "2024-02-30"), LAB_T_DATETIME, 8, -1, &n),
	                    "Conversion failed when converting date and/or time from character "
	                    "string.");
	assert_string_equal(conv(&a, sqlval_cstr(&a, "2024-03-15 13:45:30.1234567"), LAB_T_DATETIME,
	                         8, 121, &n),
	                    "2024-03-15 13:45:30.123");
	assert_string_equal(
	        conv(&a, sqlval_cstr(&a, "2024-03-15 13:45:30.999"), LAB_T_DATETIME, 8, 121, &n),
	        "2024-03-15 13:45:31.000");
	assert_string_equal(conv(&a, sqlval_cstr(&a, "20240315"), LAB_T_DATETIME, 8, -1, &n),
	                    "Mar 15 2024 12:00AM");
	assert_string_equal(conv(&a, sqlval_cstr(&a, "2024-03-15T13:45:30.1234567"),
	                         LAB_T_DATETIME2, 8, 126, &n),
	                    "2024-03-15T13:45:30.1234567");
	assert_string_equal(conv(&a, sqlval_cstr(&a, "{6f9619ff-8b86-d011-b42d-00c04fc964ff}"),
	                         LAB_T_UNIQUEIDENTIFIER, 16, -1, &n),
	                    "6F9619FF-8B86-D011-B42D-00C04FC964FF");
	assert_string_equal(
	        conv(&a, sqlval_cstr(&a, "not-a-guid"), LAB_T_UNIQUEIDENTIFIER, 16, -1, &n),
	        "Conversion failed when converting from a character string to "
	        "uniqueidentifier.");
	assert_string_equal(conv(&a, sqlval_cstr(&a, "héllo"), LAB_T_NVARCHAR, 2, -1, &n), "hé");
	assert_string_equal(conv(&a, sqlval_null(LAB_T_INT), LAB_T_NVARCHAR, 10, -1, &n), "NULL");
	arena_release(&a);
}

static void test_sql_value__guid_wire_order(void **state)
{
	uint8_t g[16];
	static const uint8_t wire[16] = {0xFF, 0x19, 0x96, 0x6F, 0x86, 0x8B, 0x11, 0xD0,
	                                 0xB4, 0x2D, 0x00, 0xC0, 0x4F, 0xC9, 0x64, 0xFF};

	(void)state;
	assert_int_equal(sqlval_parse_guid(g, "6F9619FF-8B86-D011-B42D-00C04FC964FF", 36), 0);
	assert_memory_equal(g, wire, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_sql_value__like),
	        cmocka_unit_test(test_sql_value__compare),
	        cmocka_unit_test(test_sql_value__convert),
	        cmocka_unit_test(test_sql_value__guid_wire_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
