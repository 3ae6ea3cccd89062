/*
 * Unit tests for lab/tds/wire_request.c: SQL_BATCH text behind
 * ALL_HEADERS, RPC decoding (sp_executesql by ProcID as pytds sends it,
 * calls by name, every parameter type the parser knows, PLP values,
 * output and NULL parameters, several calls in one message) and
 * TRANSACTION MANAGER requests, plus the malformed inputs each rejects.
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

#define COLL 0x09, 0x04, 0xd0, 0x00, 0x34

/* The 22-byte ALL_HEADERS every client sends (transaction descriptor 0). */
static void all_headers(struct strbuf *sb)
{
	static const uint8_t h[] = {0x16, 0, 0, 0, 0x12, 0, 0, 0, 0x02, 0, 0, 0,
	                            0,    0, 0, 0, 0,    0, 0, 0, 0x01, 0, 0, 0};
	strbuf_init(sb, 0);
	wire_put_bytes(sb, h, 22);
}

static void put_nvarchar_param(struct strbuf *sb, const char *name, const char *value)
{
	wire_put_bvarchar(sb, name);
	wire_put_u8(sb, 0);
	wire_put_bytes(sb, (uint8_t[]){0xe7, 0x40, 0x1f, COLL}, 8);
	wire_put_u16le(sb, (uint16_t)(2 * strlen(value)));
	wire_put_utf16(sb, value, strlen(value), 4000);
}

static void test_tds_request__batch_after_all_headers(void **state)
{
	struct strbuf sb;
	char *sql;

	(void)state;
	all_headers(&sb);
	wire_put_utf16(&sb, "select 1", 8, 100);
	assert_int_equal(wire_batch_parse(&sql, (const uint8_t *)sb.ptr, sb.len, WIRE_V74), 0);
	assert_string_equal(sql, "select 1");
	free(sql);
	/* 7.1 has no ALL_HEADERS */
	assert_int_equal(
	        wire_batch_parse(&sql, (const uint8_t *)sb.ptr + 22, sb.len - 22, WIRE_V71), 0);
	assert_string_equal(sql, "select 1");
	free(sql);
	sb.ptr[0] = 0x7f; /* TotalLength beyond the payload */
	assert_int_equal(wire_batch_parse(&sql, (const uint8_t *)sb.ptr, sb.len, WIRE_V74),
	                 ERR_INVALID);
	strbuf_release(&sb);
}

static void test_tds_request__sp_executesql_from_pytds(void **state)
{
	struct arena a = ARENA_INIT;
	struct wire_rpc *calls;
	struct strbuf sb;
	size_t n;

	(void)state;
	all_headers(&sb);
	wire_put_bytes(&sb, "\xff\xff\x0a\x00\x00\x00", 6); /* ProcID 10, no options */
	put_nvarchar_param(&sb, "", "select @P1");
	put_nvarchar_param(&sb, "", "@P1 INT");
	wire_put_bvarchar(&sb, "@P1");
	wire_put_bytes(&sb, "\x00\x26\x04\x04\x2a\x00\x00\x00", 8);
	assert_int_equal(wire_rpc_parse(&calls, &n, &a, (const uint8_t *)sb.ptr, sb.len, WIRE_V74),
	                 0);
	assert_int_equal(n, 1);
	assert_string_equal(calls[0].proc, "sp_executesql");
	assert_int_equal(calls[0].n_params, 3);
	assert_null(calls[0].params[0].name);
	assert_int_equal(calls[0].params[0].value.type, LAB_T_NVARCHAR);
	assert_string_equal(calls[0].params[0].value.s, "select @P1");
	assert_string_equal(calls[0].params[1].value.s, "@P1 INT");
	assert_string_equal(calls[0].params[2].name, "@P1");
	assert_int_equal(calls[0].params[2].value.type, LAB_T_INT);
	assert_int_equal(calls[0].params[2].value.i, 42);
	assert_false(calls[0].params[2].value.is_null);
	arena_release(&a);
	strbuf_release(&sb);
}

/* Every parameter type, in one call by name. */
static void test_tds_request__parameter_types(void **state)
{
	static const uint8_t params[] = {
	        0,    0,    0x26, 8,    8,    0xfe, 0xff, 0xff, 0xff, 0xff, 0xff,
	        0xff, 0xff,                      /* INTN(8) -2 */
	        0,    0,    0x68, 1,    1,    1, /* BITN 1 */
	        0,    0,    0x6d, 8,    8,    0,    0,    0,    0,    0,    0,
	        0x0c, 0x40, /* FLTN 3.5 */
	        0,    0,    0x6f, 8,    8,    0x34, 0xb1, 0,    0,    0x8e, 0xbb,
	        0xe2, 0, /* DATETIMN */
	        0,    0,    0x6c, 0x0d, 0x19, 0x00, 0x0d, 0x01, 0xcb, 0x44, 0x42,
	        0x71, 0x76, 0x4e, 0xb6, 0x42, 0x9d, 0x02, 0x00, 0x00, /* NUMERIC LSN */
	        0,    0,    0x2a, 7,    8,    0x40, 0x84, 0x7a, 0x52, 0x73, 0x8f,
	        0x46, 0x0b, /* DATETIME2 */
	        0,    0,    0x24, 16,   16,   1,    2,    3,    4,    5,    6,
	        7,    8,    9,    10,   11,   12,   13,   14,   15,   16,   0,
	        0,    0xa7, 10,   0,    COLL, 4,    0,    'c',  'a',  'f',  0xe9, /* VARCHAR */
	        0,    0,    0xa5, 10,   0,    2,    0,    0,    7,                /* VARBINARY */
	        0,    0,    0x1f,                                                 /* NULLTYPE */
	        0,    0,    0x38, 5,    0,    0,    0,                            /* INT4 */
	        0,    1,    0xe7, 0xff, 0xff, COLL, 0xff, 0xff, 0xff, 0xff, 0xff,
	        0xff, 0xff, 0xff, 0,    0,    0xe7, 0xff, 0xff, COLL, 4,    0,
	        0,    0,    0,    0,    0,    0, /* PLP "ab" */
	        2,    0,    0,    0,    'a',  0,    2,    0,    0,    0,    'b',
	        0,    0,    0,    0,    0,    0,    0,    0x6e, 8,    8,    0,
	        0,    0,    0,    0x10, 0x27, 0,    0, /* MONEY 1 */
	};
	struct arena a = ARENA_INIT;
	struct wire_rpc *calls;
	struct lab_param *p;
	struct strbuf sb;
	size_t n;

	(void)state;
	all_headers(&sb);
	wire_put_u16le(&sb, 8);
	wire_put_utf16(&sb, "dbo.proc", 8, 8);
	wire_put_u16le(&sb, 0);
	wire_put_bytes(&sb, params, sizeof(params));
	assert_int_equal(wire_rpc_parse(&calls, &n, &a, (const uint8_t *)sb.ptr, sb.len, WIRE_V74),
	                 0);
	assert_string_equal(calls[0].proc, "dbo.proc");
	assert_int_equal(calls[0].n_params, 14);
	p = calls[0].params;
	assert_int_equal(p[0].value.type, LAB_T_BIGINT);
	assert_int_equal(p[0].value.i, -2);
	assert_int_equal(p[1].value.type, LAB_T_BIT);
	assert_int_equal(p[1].value.i, 1);
	assert_true(p[2].value.f == 3.5);
	assert_int_equal(p[3].value.type, LAB_T_DATETIME);
	assert_int_equal(p[3].value.time_us, 1710510330500000LL);
	assert_int_equal(p[4].value.type, LAB_T_NUMERIC);
	assert_string_equal(p[4].value.s, "12345678901234567890123");
	assert_int_equal(p[5].value.type, LAB_T_DATETIME2);
	assert_int_equal(p[5].value.time_us, 1710510330500000LL);
	assert_int_equal(p[6].value.guid[15], 16);
	assert_int_equal(p[7].value.type, LAB_T_VARCHAR);
	assert_string_equal(p[7].value.s, "caf\xc3\xa9");
	assert_int_equal(p[8].value.type, LAB_T_VARBINARY);
	assert_int_equal(p[8].value.slen, 2);
	assert_memory_equal(p[8].value.s, "\0\x07", 2);
	assert_true(p[9].value.is_null);
	assert_int_equal(p[10].value.i, 5);
	assert_true(p[11].output);
	assert_true(p[11].value.is_null);
	assert_string_equal(p[12].value.s, "ab");
	assert_string_equal(p[13].value.s, "1.0000");
	arena_release(&a);
	strbuf_release(&sb);
}

static void test_tds_request__several_calls_in_one_message(void **state)
{
	struct arena a = ARENA_INIT;
	struct wire_rpc *calls;
	struct strbuf sb;
	size_t n;

	(void)state;
	all_headers(&sb);
	wire_put_bytes(&sb, "\xff\xff\x0a\x00\x00\x00", 6);
	put_nvarchar_param(&sb, "", "select 1");
	wire_put_u8(&sb, 0xff); /* batch flag */
	wire_put_u16le(&sb, 2);
	wire_put_utf16(&sb, "sp", 2, 2);
	wire_put_u16le(&sb, 0);
	assert_int_equal(wire_rpc_parse(&calls, &n, &a, (const uint8_t *)sb.ptr, sb.len, WIRE_V74),
	                 0);
	assert_int_equal(n, 2);
	assert_int_equal(calls[0].n_params, 1);
	assert_string_equal(calls[1].proc, "sp");
	assert_int_equal(calls[1].n_params, 0);
	arena_release(&a);
	strbuf_release(&sb);
}

static void test_tds_request__rpc_rejects_malformed(void **state)
{
	struct arena a = ARENA_INIT;
	struct wire_rpc *calls;
	struct strbuf sb;
	size_t n, full;

	(void)state;
	all_headers(&sb);
	wire_put_bytes(&sb, "\xff\xff\x63\x00\x00\x00", 6); /* unknown ProcID 99 */
	assert_int_equal(wire_rpc_parse(&calls, &n, &a, (const uint8_t *)sb.ptr, sb.len, WIRE_V74),
	                 ERR_INVALID);
	sb.ptr[24] = 10;
	wire_put_bytes(&sb, "\x00\x00\xf1\x00", 4); /* XML: not supported */
	assert_int_equal(wire_rpc_parse(&calls, &n, &a, (const uint8_t *)sb.ptr, sb.len, WIRE_V74),
	                 ERR_INVALID);
	/* DATETIME days far outside 1753..9999 (a fuzzer finding: overflowed) */
	strbuf_truncate(&sb, 28);
	wire_put_bytes(&sb, "\x00\x00\x6f\x08\x08\x00\x00\x00\x7f\x00\x00\x00\x00", 13);
	assert_int_equal(wire_rpc_parse(&calls, &n, &a, (const uint8_t *)sb.ptr, sb.len, WIRE_V74),
	                 ERR_INVALID);
	/* a DATETIME2 value shorter than its scale needs (a fuzzer finding:
	 * read past the value) */
	strbuf_truncate(&sb, 28);
	wire_put_bytes(&sb, "\x00\x00\x2a\x07\x02\x01\xd7", 7);
	assert_int_equal(wire_rpc_parse(&calls, &n, &a, (const uint8_t *)sb.ptr, sb.len, WIRE_V74),
	                 ERR_INVALID);
	strbuf_truncate(&sb, 28);
	put_nvarchar_param(&sb, "", "select 1");
	full = sb.len;
	for (size_t cut = 22; cut < full; cut++) /* every truncation fails cleanly */
		assert_true(wire_rpc_parse(&calls, &n, &a, (const uint8_t *)sb.ptr, cut, WIRE_V74) <
		                    0 ||
		            cut == 28);
	arena_release(&a);
	strbuf_release(&sb);
}

static void test_tds_request__transaction_manager_from_pytds(void **state)
{
	struct strbuf sb;
	struct wire_tm tm;

	(void)state;
	all_headers(&sb);
	wire_put_bytes(&sb, "\x05\x00\x00\x00", 4);
	assert_int_equal(wire_tm_parse(&tm, (const uint8_t *)sb.ptr, sb.len, WIRE_V74), 0);
	assert_int_equal(tm.type, WIRE_TM_BEGIN);
	strbuf_truncate(&sb, 22);
	wire_put_bytes(&sb, "\x07\x00\x00\x01\x00\x00", 6);
	assert_int_equal(wire_tm_parse(&tm, (const uint8_t *)sb.ptr, sb.len, WIRE_V74), 0);
	assert_int_equal(tm.type, WIRE_TM_COMMIT);
	assert_true(tm.begin_new);
	assert_int_equal(wire_tm_parse(&tm, (const uint8_t *)sb.ptr, 23, WIRE_V74), ERR_INVALID);
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_tds_request__batch_after_all_headers),
	        cmocka_unit_test(test_tds_request__sp_executesql_from_pytds),
	        cmocka_unit_test(test_tds_request__parameter_types),
	        cmocka_unit_test(test_tds_request__several_calls_in_one_message),
	        cmocka_unit_test(test_tds_request__rpc_rejects_malformed),
	        cmocka_unit_test(test_tds_request__transaction_manager_from_pytds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
