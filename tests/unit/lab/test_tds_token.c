/*
 * Unit tests for lab/tds/wire_token.c and wire_value.c: byte-exact
 * COLMETADATA + ROW for every type the lab sends (NOT NULL and nullable
 * forms, PLP for MAX types, NUMERIC(25,0) LSNs), NBCROW versus ROW, the
 * version downgrades, DONE/DONEPROC encodings and the numeric and date
 * conversions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "lab/tds/wire.h"
#include "util/err.h"

#define COLL  0x09, 0x04, 0xd0, 0x00, 0x34
#define MAR15 1710510330500000LL /* 2024-03-15 13:45:30.5 UTC */

/* One column named "c": COLMETADATA then one row, compared exactly. */
static void check_column(uint32_t version, struct lab_column col, struct lab_value val,
                         const uint8_t *type_info, size_t ti_len, const uint8_t *row,
                         size_t row_len)
{
	struct strbuf sb = STRBUF_INIT;
	uint8_t head[9] = {0x81, 0x01, 0x00, 0, 0, 0, 0, col.nullable ? 0x01 : 0x00, 0x00};
	size_t ut = version >= WIRE_V72 ? 4 : 2, pos;

	col.name = "c";
	val.type = col.type;
	wire_tok_colmetadata(&sb, version, &col, 1);
	head[3 + ut] = col.nullable ? 0x01 : 0x00;
	assert_memory_equal(sb.ptr, head, 3 + ut + 2);
	pos = 3 + ut + 2;
	assert_int_equal(sb.len, pos + ti_len + 3);
	assert_memory_equal(sb.ptr + pos, type_info, ti_len);
	assert_memory_equal(sb.ptr + pos + ti_len, "\x01\x63\x00", 3);
	strbuf_reset(&sb);
	wire_tok_row(&sb, version, &col, &val, 1);
	assert_int_equal((uint8_t)sb.ptr[0], WIRE_TOK_ROW);
	assert_int_equal(sb.len, 1 + row_len);
	assert_memory_equal(sb.ptr + 1, row, row_len);
	strbuf_release(&sb);
}

#define CHECK(ver, col, val, ti, row) check_column(ver, col, val, ti, sizeof(ti), row, sizeof(row))

static struct lab_value int_value(int64_t i)
{
	struct lab_value v;
	memset(&v, 0, sizeof(v));
	v.i = i;
	return v;
}

static struct lab_value text_value(const char *s, size_t n)
{
	struct lab_value v;
	memset(&v, 0, sizeof(v));
	v.s = s;
	v.slen = n;
	return v;
}

static struct lab_value time_value(int64_t us)
{
	struct lab_value v;
	memset(&v, 0, sizeof(v));
	v.time_us = us;
	return v;
}

static void test_tds_token__integers_and_bit(void **state)
{
	struct lab_column c = {NULL, LAB_T_INT, 0, 0, 0, false};

	(void)state;
	CHECK(WIRE_V74, c, int_value(42), ((uint8_t[]){0x38}), ((uint8_t[]){42, 0, 0, 0}));
	c.nullable = true;
	CHECK(WIRE_V74, c, int_value(42), ((uint8_t[]){0x26, 4}), ((uint8_t[]){4, 42, 0, 0, 0}));
	c.type = LAB_T_BIGINT;
	CHECK(WIRE_V74, c, int_value(9000000000LL), ((uint8_t[]){0x26, 8}),
	      ((uint8_t[]){8, 0x00, 0x1a, 0x71, 0x18, 0x02, 0, 0, 0}));
	c.type = LAB_T_TINYINT;
	CHECK(WIRE_V74, c, int_value(255), ((uint8_t[]){0x26, 1}), ((uint8_t[]){1, 0xff}));
	c.type = LAB_T_SMALLINT;
	c.nullable = false;
	CHECK(WIRE_V74, c, int_value(-2), ((uint8_t[]){0x34}), ((uint8_t[]){0xfe, 0xff}));
	c.type = LAB_T_BIGINT;
	CHECK(WIRE_V74, c, int_value(-1), ((uint8_t[]){0x7f}),
	      ((uint8_t[]){0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
	c.type = LAB_T_BIT;
	CHECK(WIRE_V74, c, int_value(1), ((uint8_t[]){0x32}), ((uint8_t[]){1}));
	c.nullable = true;
	CHECK(WIRE_V74, c, int_value(7), ((uint8_t[]){0x68, 1}), ((uint8_t[]){1, 1}));
}

static void test_tds_token__strings_and_binary(void **state)
{
	struct lab_column c = {NULL, LAB_T_NVARCHAR, 10, 0, 0, true};

	(void)state;
	CHECK(WIRE_V74, c, text_value("h\xc3\xa9", 3), ((uint8_t[]){0xe7, 20, 0, COLL}),
	      ((uint8_t[]){4, 0, 'h', 0, 0xe9, 0}));
	c.length = -1;
	CHECK(WIRE_V74, c, text_value("ab", 2), ((uint8_t[]){0xe7, 0xff, 0xff, COLL}),
	      ((uint8_t[]){4, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 'a', 0, 'b', 0, 0, 0, 0, 0}));
	CHECK(WIRE_V74, c, text_value("", 0), ((uint8_t[]){0xe7, 0xff, 0xff, COLL}),
	      ((uint8_t[]){0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
	/* 7.1 has no PLP: NVARCHAR(MAX) goes out as NVARCHAR(4000) */
	CHECK(WIRE_V71, c, text_value("ab", 2), ((uint8_t[]){0xe7, 0x40, 0x1f, COLL}),
	      ((uint8_t[]){4, 0, 'a', 0, 'b', 0}));
	c.type = LAB_T_VARCHAR;
	c.length = 20;
	CHECK(WIRE_V74, c, text_value("caf\xc3\xa9", 5), ((uint8_t[]){0xa7, 20, 0, COLL}),
	      ((uint8_t[]){4, 0, 'c', 'a', 'f', 0xe9}));
	c.type = LAB_T_VARBINARY;
	c.length = 10;
	CHECK(WIRE_V74, c, text_value("\x01\x02", 2), ((uint8_t[]){0xa5, 10, 0}),
	      ((uint8_t[]){2, 0, 1, 2}));
	/* a value longer than its column is cut to the column */
	c.type = LAB_T_NVARCHAR;
	c.length = 2;
	CHECK(WIRE_V74, c, text_value("abc", 3), ((uint8_t[]){0xe7, 4, 0, COLL}),
	      ((uint8_t[]){4, 0, 'a', 0, 'b', 0}));
}

static void test_tds_token__dates_guid_float(void **state)
{
	struct lab_column c = {NULL, LAB_T_DATETIME, 0, 0, 0, true};
	struct lab_value g;

	(void)state;
	CHECK(WIRE_V74, c, time_value(MAR15), ((uint8_t[]){0x6f, 8}),
	      ((uint8_t[]){8, 0x34, 0xb1, 0, 0, 0x8e, 0xbb, 0xe2, 0x00}));
	c.nullable = false;
	CHECK(WIRE_V74, c, time_value(MAR15), ((uint8_t[]){0x3d}),
	      ((uint8_t[]){0x34, 0xb1, 0, 0, 0x8e, 0xbb, 0xe2, 0x00}));
	c.type = LAB_T_DATETIME2;
	c.scale = 7;
	CHECK(WIRE_V74, c, time_value(MAR15), ((uint8_t[]){0x2a, 7}),
	      ((uint8_t[]){8, 0x40, 0x84, 0x7a, 0x52, 0x73, 0x8f, 0x46, 0x0b}));
	/* 7.2 has no DATETIME2: it goes out as DATETIME */
	CHECK(WIRE_V72, c, time_value(MAR15), ((uint8_t[]){0x3d}),
	      ((uint8_t[]){0x34, 0xb1, 0, 0, 0x8e, 0xbb, 0xe2, 0x00}));
	c.type = LAB_T_UNIQUEIDENTIFIER;
	memset(&g, 0, sizeof(g));
	memcpy(g.guid, "\xff\x19\x96\x6f\x86\x8b\x11\xd0\xb4\x2d\x00\xc0\x4f\xc9\x64\xff", 16);
	CHECK(WIRE_V74, c, g, ((uint8_t[]){0x24, 0x10}),
	      ((uint8_t[]){16, 0xff, 0x19, 0x96, 0x6f, 0x86, 0x8b, 0x11, 0xd0, 0xb4, 0x2d, 0x00,
	                   0xc0, 0x4f, 0xc9, 0x64, 0xff}));
	c.type = LAB_T_FLOAT;
	c.nullable = true;
	g.f = 3.5;
	CHECK(WIRE_V74, c, g, ((uint8_t[]){0x6d, 8}),
	      ((uint8_t[]){8, 0, 0, 0, 0, 0, 0, 0x0c, 0x40}));
}

static void test_tds_token__numeric_lsn(void **state)
{
	struct lab_column c = {NULL, LAB_T_NUMERIC, 0, 25, 0, true};

	(void)state;
	CHECK(WIRE_V74, c, text_value("12345678901234567890123", 23),
	      ((uint8_t[]){0x6c, 0x0d, 0x19, 0x00}),
	      ((uint8_t[]){0x0d, 0x01, 0xcb, 0x44, 0x42, 0x71, 0x76, 0x4e, 0xb6, 0x42, 0x9d, 0x02,
	                   0x00, 0x00}));
	c.precision = 5;
	c.scale = 2;
	CHECK(WIRE_V74, c, text_value("-1.5", 4), ((uint8_t[]){0x6c, 0x05, 0x05, 0x02}),
	      ((uint8_t[]){0x05, 0x00, 0x96, 0x00, 0x00, 0x00}));
}

static void test_tds_token__numeric_text_conversions(void **state)
{
	struct arena a = ARENA_INIT;
	uint8_t mag[16];
	bool neg;

	(void)state;
	assert_int_equal(wire_numeric_from_text(mag, &neg, "1.005", 5, 2), 0);
	assert_int_equal(mag[0], 101); /* rounded half up */
	assert_false(neg);
	assert_int_equal(wire_numeric_from_text(mag, &neg, "12a", 3, 0), ERR_INVALID);
	assert_int_equal(wire_numeric_from_text(mag, &neg, "-", 1, 0), ERR_INVALID);
	assert_int_equal(
	        wire_numeric_from_text(mag, &neg, "999999999999999999999999999999999999999", 39, 0),
	        ERR_LIMIT);
	assert_int_equal(wire_numeric_from_text(mag, &neg, "-0.5", 4, 1), 0);
	assert_true(neg);
	assert_string_equal(wire_numeric_to_text(&a, mag, 16, true, 1), "-0.5");
	assert_string_equal(wire_numeric_to_text(&a, (const uint8_t *)"\x96\0\0\0", 4, false, 2),
	                    "1.50");
	assert_string_equal(wire_numeric_to_text(&a, (const uint8_t *)"\0\0", 2, false, 0), "0");
	assert_int_equal(wire_numeric_len(25), 13);
	assert_int_equal(wire_numeric_len(38), 17);
	arena_release(&a);
}

static void test_tds_token__date_conversions_round_trip(void **state)
{
	int32_t days;
	uint32_t ticks, d2;
	uint64_t units;
	uint16_t ns;

	(void)state;
	wire_datetime_encode(0, &days, &ticks);
	assert_int_equal(days, 25567);
	assert_int_equal(ticks, 0);
	wire_datetime_encode(-1, &days, &ticks); /* 1969-12-31 23:59:59.999999 rounds up */
	assert_int_equal(days, 25567);
	assert_int_equal(ticks, 0);
	assert_int_equal(wire_datetime_decode(45364, 14859150), MAR15);
	wire_datetime2_encode(MAR15, 0, 3, &d2, &units);
	assert_int_equal(d2, 738959);
	assert_int_equal(units, 49530500);
	assert_int_equal(wire_datetime2_decode(d2, units, 3, &ns), MAR15);
	assert_int_equal(ns, 0);
	/* DATETIME2(7) keeps the 100 ns digit: 13:45:30.1234567 */
	wire_datetime2_encode(MAR15 - 500000 + 123456, 700, 7, &d2, &units);
	assert_int_equal(units, 495301234567LL);
	assert_int_equal(wire_datetime2_decode(d2, units, 7, &ns), MAR15 - 500000 + 123456);
	assert_int_equal(ns, 700);
	/* rounding to the scale, carrying into the next day */
	wire_datetime2_encode(MAR15 - 500000 + 125000, 0, 2, &d2, &units);
	assert_int_equal(units, 4953013);
	wire_datetime2_encode(86400000000LL - 1, 0, 0, &d2, &units);
	assert_int_equal(d2, 719163);
	assert_int_equal(units, 0);
}

static void test_tds_token__nbcrow_when_a_value_is_null(void **state)
{
	struct lab_column cols[9];
	struct lab_value vals[9];
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	(void)state;
	memset(cols, 0, sizeof(cols));
	memset(vals, 0, sizeof(vals));
	for (i = 0; i < 9; i++) {
		cols[i].type = LAB_T_INT;
		cols[i].nullable = true;
		vals[i].is_null = i != 8;
		vals[i].i = 5;
	}
	wire_tok_row(&sb, WIRE_V74, cols, vals, 9);
	assert_int_equal(sb.len, 1 + 2 + 5);
	assert_memory_equal(sb.ptr, "\xd2\xff\x00\x04\x05\x00\x00\x00", 8);
	strbuf_reset(&sb);
	/* 7.3A has no NBCROW: NULL markers in a ROW */
	cols[1].type = LAB_T_NVARCHAR;
	cols[1].length = 5;
	cols[2].type = LAB_T_NVARCHAR;
	cols[2].length = -1;
	wire_tok_row(&sb, WIRE_V73A, cols, vals, 3);
	assert_int_equal(sb.len, 1 + 1 + 2 + 8);
	assert_memory_equal(sb.ptr, "\xd1\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 12);
	strbuf_reset(&sb);
	/* no NULL: always ROW */
	vals[0].is_null = false;
	wire_tok_row(&sb, WIRE_V74, cols, vals, 1);
	assert_memory_equal(sb.ptr, "\xd1\x04\x05\x00\x00\x00", 6);
	strbuf_release(&sb);
}

static void test_tds_token__done_family(void **state)
{
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	wire_tok_done(&sb, WIRE_V74, WIRE_TOK_DONE, WIRE_DONE_COUNT | WIRE_DONE_MORE, 0xC1, 6);
	assert_int_equal(sb.len, 13);
	assert_memory_equal(sb.ptr, "\xfd\x11\x00\xc1\x00\x06\0\0\0\0\0\0\0", 13);
	strbuf_reset(&sb);
	wire_tok_done(&sb, WIRE_V71, WIRE_TOK_DONEPROC, WIRE_DONE_ERROR, 0, 1);
	assert_int_equal(sb.len, 9);
	assert_memory_equal(sb.ptr, "\xfe\x02\x00\x00\x00\x01\0\0\0", 9);
	strbuf_reset(&sb);
	wire_tok_done(&sb, WIRE_V74, WIRE_TOK_DONE, WIRE_DONE_ATTN, 0, 0);
	assert_memory_equal(sb.ptr, "\xfd\x20\x00\x00\x00", 5);
	strbuf_reset(&sb);
	wire_tok_returnstatus(&sb, -6);
	assert_memory_equal(sb.ptr, "\x79\xfa\xff\xff\xff", 5);
	strbuf_release(&sb);
}

static void test_tds_token__utf16_conversions(void **state)
{
	struct strbuf sb = STRBUF_INIT;
	char *back;
	size_t n;

	(void)state;
	/* U+1F600 is a surrogate pair; a cap of 2 units cannot split it */
	assert_int_equal(wire_put_utf16(&sb, "a\xf0\x9f\x98\x80", 5, 2), 1);
	assert_int_equal(wire_put_utf16(&sb, "\xf0\x9f\x98\x80", 4, 2), 2);
	assert_memory_equal(sb.ptr, "a\0\x3d\xd8\x00\xde", 6);
	back = wire_utf16_to_utf8((const uint8_t *)sb.ptr, sb.len, &n);
	assert_string_equal(back, "a\xf0\x9f\x98\x80");
	free(back);
	back = wire_utf16_to_utf8((const uint8_t *)"\x00\xd8x\0", 4, &n); /* lone surrogate */
	assert_string_equal(back, "\xef\xbf\xbdx");
	free(back);
	strbuf_reset(&sb);
	wire_put_utf16(&sb, "\xff", 1, 10); /* invalid UTF-8 */
	assert_memory_equal(sb.ptr, "\xfd\xff", 2);
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_tds_token__integers_and_bit),
	        cmocka_unit_test(test_tds_token__strings_and_binary),
	        cmocka_unit_test(test_tds_token__dates_guid_float),
	        cmocka_unit_test(test_tds_token__numeric_lsn),
	        cmocka_unit_test(test_tds_token__numeric_text_conversions),
	        cmocka_unit_test(test_tds_token__date_conversions_round_trip),
	        cmocka_unit_test(test_tds_token__nbcrow_when_a_value_is_null),
	        cmocka_unit_test(test_tds_token__done_family),
	        cmocka_unit_test(test_tds_token__utf16_conversions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
