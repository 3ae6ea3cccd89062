/*
 * Unit tests for specs/spec_name.c: each grammar accepts what docs/spec.md
 * says it accepts and refuses the rest with a reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "specs/spec_name.h"

typedef bool (*check_fn)(const char *, char *);

static void expect_ok(check_fn check, const char *s)
{
	char why[SPEC_NAME_WHY_MAX] = "";

	if (!check(s, why))
		print_message("# '%s' refused: %s\n", s, why);
	assert_true(check(s, NULL));
}

static void expect_bad(check_fn check, const char *s, const char *reason)
{
	char why[SPEC_NAME_WHY_MAX] = "";

	assert_false(check(s, why));
	assert_string_equal(why, reason);
}

static void test_spec_name__site(void **state)
{
	char long_name[80];

	(void)state;
	expect_ok(spec_name_check_site, "dc1");
	expect_ok(spec_name_check_site, "0");
	expect_ok(spec_name_check_site, "atl-pchat-2");
	expect_bad(spec_name_check_site, "", "it is empty");
	expect_bad(spec_name_check_site, "Dc1", "'D' is not allowed");
	expect_bad(spec_name_check_site, "dc 1", "space is not allowed");
	expect_bad(spec_name_check_site, "-dc1", "it must start and end with a letter or digit");
	expect_bad(spec_name_check_site, "dc1-", "it must start and end with a letter or digit");
	memset(long_name, 'a', 63);
	long_name[63] = '\0';
	expect_ok(spec_name_check_site, long_name);
	long_name[63] = 'a';
	long_name[64] = '\0';
	expect_bad(spec_name_check_site, long_name, "it is longer than 63 characters");
	assert_true(spec_name_is_site("dc2"));
	assert_false(spec_name_is_site("dc_2"));
}

static void test_spec_name__host(void **state)
{
	(void)state;
	expect_ok(spec_name_check_host, "pc1.dc1.litwareinc.com");
	expect_ok(spec_name_check_host, "SQL1");
	expect_ok(spec_name_check_host, "10.0.0.4");
	expect_bad(spec_name_check_host, "pc1..lab",
	           "it has an empty label (two dots, or a dot at an end)");
	expect_bad(spec_name_check_host, "pc1.lab.",
	           "it has an empty label (two dots, or a dot at an end)");
	expect_bad(spec_name_check_host, "pc1_a.lab", "'_' is not allowed");
	expect_bad(spec_name_check_host, "pc1.-lab", "a label starts or ends with '-'");
	expect_bad(spec_name_check_host, "p\xc3\xa9.lab", "non-ASCII byte 0xC3 is not allowed");
	assert_true(spec_name_is_host("a.b"));
}

static void test_spec_name__instance(void **state)
{
	(void)state;
	expect_ok(spec_name_check_instance, "sqla.dc1.lab");
	expect_ok(spec_name_check_instance, "SQL1\\PCHAT");
	expect_ok(spec_name_check_instance, "sql1,1433");
	expect_ok(spec_name_check_instance, "sql1\\Pchat_2$,65535");
	expect_ok(spec_name_check_instance, "sql1\\ABCDEFGHIJKLMNOP");
	expect_bad(spec_name_check_instance, "sql1\\ABCDEFGHIJKLMNOPQ",
	           "the instance name is longer than 16 characters");
	expect_bad(spec_name_check_instance, "sql1\\", "the instance name after '\\' is empty");
	expect_bad(spec_name_check_instance, "sql1\\1abc",
	           "the instance name must start with a letter");
	expect_bad(spec_name_check_instance, "sql1\\default",
	           "'DEFAULT' is reserved; name the default instance by its host alone");
	expect_bad(spec_name_check_instance, "sql1,0", "the port must be a number from 1 to 65535");
	expect_bad(spec_name_check_instance, "sql1,01433",
	           "the port must be a number from 1 to 65535");
	expect_bad(spec_name_check_instance, "sql1,65536",
	           "the port must be a number from 1 to 65535");
	expect_bad(spec_name_check_instance, "sql1,", "the port after ',' is empty");
	expect_bad(spec_name_check_instance, "sql1,1433\\X",
	           "the port must be a number from 1 to 65535");
	expect_bad(spec_name_check_instance, "\\PCHAT", "the host name is empty");
	expect_bad(spec_name_check_instance, "sql1;DROP", "';' is not allowed");
	assert_true(spec_name_is_instance("a\\B,1"));
}

static void test_spec_name__database(void **state)
{
	char name[140];

	(void)state;
	expect_ok(spec_name_check_database, "mgc");
	expect_ok(spec_name_check_database, "_mgc-2");
	expect_bad(spec_name_check_database, "", "it is empty");
	expect_bad(spec_name_check_database, "1mgc", "it must start with a letter or '_'");
	expect_bad(spec_name_check_database, "mgc]; DROP DATABASE x;--", "']' is not allowed");
	expect_bad(spec_name_check_database, "mg'c", "''' is not allowed");
	expect_bad(spec_name_check_database,
	           "mg\x01"
	           "c",
	           "control character 0x01 is not allowed");
	expect_bad(spec_name_check_database, "mgc.dbo", "'.' is not allowed");
	expect_bad(spec_name_check_database, "TempDB", "'tempdb' is a system database");
	expect_bad(spec_name_check_database, "master", "'master' is a system database");
	memset(name, 'd', 128);
	name[128] = '\0';
	expect_ok(spec_name_check_database, name);
	name[128] = 'd';
	name[129] = '\0';
	expect_bad(spec_name_check_database, name, "it is longer than 128 characters");
	assert_true(spec_name_is_database("mgccomp"));
}

static void test_spec_name__identity(void **state)
{
	(void)state;
	expect_ok(spec_name_check_identity, "service:atl-cs-001.litwareinc.com");
	expect_bad(spec_name_check_identity, "atl-cs-001.litwareinc.com",
	           "it must start with 'service:'");
	expect_bad(spec_name_check_identity, "service:", "the host name is empty");
	expect_bad(spec_name_check_identity, "service:a b", "space is not allowed");
}

static void test_spec_name__paths(void **state)
{
	(void)state;
	expect_ok(spec_name_check_unc, "\\\\fs1.lab\\pchat-ls");
	expect_ok(spec_name_check_unc, "\\\\fs1\\D$\\Log Shipping\\pchat.v2");
	expect_bad(spec_name_check_unc, "/srv/x",
	           "it must start with '\\\\' (a UNC path, \\\\host\\share)");
	expect_bad(spec_name_check_unc, "\\\\fs1", "it names no share after the host");
	expect_bad(spec_name_check_unc, "\\\\fs1\\",
	           "it has an empty folder name (two '\\' in a row, or a final '\\')");
	expect_bad(spec_name_check_unc, "\\\\fs1\\a\\..", "a folder name ends with '.'");
	expect_bad(spec_name_check_unc, "\\\\fs1\\a'b", "''' is not allowed");
	expect_bad(spec_name_check_unc, "\\\\fs_1\\a", "'_' is not allowed");
	expect_ok(spec_name_check_local_path, "D:\\pchat-ls");
	expect_ok(spec_name_check_local_path, "e:\\a\\b c");
	expect_bad(spec_name_check_local_path, "D:\\",
	           "it has an empty folder name (two '\\' in a row, or a final '\\')");
	expect_bad(spec_name_check_local_path, "D:/x",
	           "it must start with a drive letter, ':' and '\\'");
	expect_bad(spec_name_check_local_path, "D:\\ x",
	           "a folder name starts or ends with a space");
	expect_bad(spec_name_check_local_path, "D:\\x:y", "':' is not allowed");
}

static void test_spec_name__interval(void **state)
{
	char why[SPEC_NAME_WHY_MAX];
	unsigned s = 0;

	(void)state;
	assert_true(spec_name_parse_interval("5m", &s, why));
	assert_int_equal(s, 300);
	assert_true(spec_name_parse_interval("60s", &s, why));
	assert_int_equal(s, 60);
	assert_true(spec_name_parse_interval("24h", &s, why));
	assert_int_equal(s, 86400);
	assert_false(spec_name_parse_interval("59s", &s, why));
	assert_string_equal(why, "it must be between 1m and 24h");
	assert_false(spec_name_parse_interval("1441m", &s, why));
	assert_false(spec_name_parse_interval("5", &s, why));
	assert_string_equal(why, "it has no unit (s, m or h)");
	assert_false(spec_name_parse_interval("05m", &s, why));
	assert_false(spec_name_parse_interval("5d", &s, why));
	assert_string_equal(why, "its unit must be s, m or h");
	assert_false(spec_name_parse_interval("5mm", &s, why));
	assert_false(spec_name_parse_interval("9999999999m", &s, why));
	assert_false(spec_name_parse_interval("", &s, why));
	assert_int_equal(s, 86400); /* unchanged by failures */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_spec_name__site),
	        cmocka_unit_test(test_spec_name__host),
	        cmocka_unit_test(test_spec_name__instance),
	        cmocka_unit_test(test_spec_name__database),
	        cmocka_unit_test(test_spec_name__identity),
	        cmocka_unit_test(test_spec_name__paths),
	        cmocka_unit_test(test_spec_name__interval),
	};

	return cmocka_run_group_tests_name("spec_name", tests, NULL, NULL);
}
