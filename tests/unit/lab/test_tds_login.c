/*
 * Unit tests for lab/tds/wire_login.c and the login tokens of
 * wire_token.c: LOGIN7 decoding with password unscrambling, bounds
 * checks, version and packet size negotiation, and the byte-exact
 * LOGINACK / ENVCHANGE / INFO / DONE of the login response.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lab/tds/wire.h"
#include "util/err.h"

/* Build a LOGIN7 the way a client does (MS-TDS 2.2.6.4). */
struct login_fields {
	uint32_t version;
	const char *host, *user, *password, *app, *server, *library, *language, *database;
};

static void put_ascii_utf16(struct strbuf *sb, const char *s, bool scramble)
{
	for (; *s; s++) {
		uint8_t b[2] = {(uint8_t)*s, 0};
		for (int i = 0; i < 2 && scramble; i++)
			b[i] = (uint8_t)(((b[i] << 4 & 0xF0) | b[i] >> 4) ^ 0xA5);
		wire_put_bytes(sb, b, 2);
	}
}

static void build_login7(struct strbuf *out, const struct login_fields *f)
{
	const char *strs[] = {f->host, f->user,    f->password, f->app,     f->server,
	                      "",      f->library, f->language, f->database};
	const size_t at[] = {36, 40, 44, 48, 52, 56, 60, 64, 68};
	struct strbuf var = STRBUF_INIT;
	size_t i;

	strbuf_init(out, 0);
	for (i = 0; i < 94; i++)
		wire_put_u8(out, 0);
	for (i = 0; i < 9; i++) {
		size_t off = 94 + var.len, n = strlen(strs[i]);
		put_ascii_utf16(&var, strs[i], i == 2);
		out->ptr[at[i]] = (char)off;
		out->ptr[at[i] + 1] = (char)(off >> 8);
		out->ptr[at[i] + 2] = (char)n;
		out->ptr[at[i] + 3] = 0;
	}
	wire_put_bytes(out, var.ptr, var.len);
	for (i = 0; i < 4; i++) {
		out->ptr[i] = (char)(out->len >> (8 * i));
		out->ptr[4 + i] = (char)(f->version >> (8 * i));
		out->ptr[8 + i] = (char)(4096 >> (8 * i));
	}
	out->ptr[24] = (char)0xE0;
	out->ptr[25] = 0x03;
	strbuf_release(&var);
}

static const struct login_fields tsql_login = {
        WIRE_V74,      "vm",         "pcdr", "Lab-Pcdr-2026!", "TSQL", "sqla.dc1.lab",
        "TDS-Library", "us_english", "mgc",
};

static void test_tds_login__decodes_login7_and_unscrambles_password(void **state)
{
	struct strbuf raw;
	struct wire_login7 l;

	(void)state;
	build_login7(&raw, &tsql_login);
	assert_int_equal(wire_login7_parse(&l, (const uint8_t *)raw.ptr, raw.len), 0);
	assert_int_equal(l.tds_version, WIRE_V74);
	assert_int_equal(l.packet_size, 4096);
	assert_int_equal(l.flags1, 0xE0);
	assert_false(l.integrated_security);
	assert_string_equal(l.host, "vm");
	assert_string_equal(l.user, "pcdr");
	assert_string_equal(l.password, "Lab-Pcdr-2026!");
	assert_string_equal(l.app, "TSQL");
	assert_string_equal(l.server, "sqla.dc1.lab");
	assert_string_equal(l.library, "TDS-Library");
	assert_string_equal(l.language, "us_english");
	assert_string_equal(l.database, "mgc");
	wire_login7_release(&l);
	assert_null(l.password);
	strbuf_release(&raw);
}

static void test_tds_login__password_bytes_from_the_spec(void **state)
{
	/* "a" = 61 00 -> swap nibbles 16 00 -> xor a5: b3 a5 */
	struct strbuf raw;
	struct wire_login7 l;
	struct login_fields f = tsql_login;

	(void)state;
	f.password = "a";
	build_login7(&raw, &f);
	assert_int_equal((uint8_t)raw.ptr[94 + 4 + 8], 0xb3);
	assert_int_equal((uint8_t)raw.ptr[94 + 4 + 8 + 1], 0xa5);
	assert_int_equal(wire_login7_parse(&l, (const uint8_t *)raw.ptr, raw.len), 0);
	assert_string_equal(l.password, "a");
	wire_login7_release(&l);
	strbuf_release(&raw);
}

static void test_tds_login__rejects_out_of_bounds_strings(void **state)
{
	struct strbuf raw;
	struct wire_login7 l;

	(void)state;
	build_login7(&raw, &tsql_login);
	raw.ptr[42] = 100; /* user name: 100 chars, past the end */
	assert_int_equal(wire_login7_parse(&l, (const uint8_t *)raw.ptr, raw.len), ERR_INVALID);
	assert_int_equal(wire_login7_parse(&l, (const uint8_t *)raw.ptr, 50), ERR_INVALID);
	raw.ptr[42] = 4;
	raw.ptr[0] = (char)0xff; /* Length beyond the message */
	assert_int_equal(wire_login7_parse(&l, (const uint8_t *)raw.ptr, raw.len), ERR_INVALID);
	strbuf_release(&raw);
}

static void test_tds_login__negotiates_version_and_packet_size(void **state)
{
	(void)state;
	assert_int_equal(wire_version_choose(WIRE_V74), WIRE_V74);
	assert_int_equal(wire_version_choose(0x75000000u), WIRE_V74);
	assert_int_equal(wire_version_choose(WIRE_V73B), WIRE_V73B);
	assert_int_equal(wire_version_choose(WIRE_V72), WIRE_V72);
	assert_int_equal(wire_version_choose(WIRE_V71), WIRE_V71);
	assert_int_equal(wire_version_choose(WIRE_V70), 0);
	assert_int_equal(wire_packet_size_choose(0), 4096);
	assert_int_equal(wire_packet_size_choose(100), 512);
	assert_int_equal(wire_packet_size_choose(8192), 8192);
	assert_int_equal(wire_packet_size_choose(65535), 32767);
}

static void test_tds_login__loginack_is_byte_exact(void **state)
{
	static const uint8_t want[] = {0xad, 0x16, 0x00, 0x01, 0x74, 0x00, 0x00, 0x04, 0x06,
	                               0x53, 0x00, 0x51, 0x00, 0x4c, 0x00, 0x53, 0x00, 0x49,
	                               0x00, 0x4d, 0x00, 0x10, 0x00, 0x03, 0xe8};
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	wire_tok_loginack(&sb, WIRE_V74, "SQLSIM");
	assert_int_equal(sb.len, sizeof(want));
	assert_memory_equal(sb.ptr, want, sizeof(want));
	strbuf_reset(&sb);
	wire_tok_loginack(&sb, WIRE_V71, "SQLSIM");
	assert_memory_equal(sb.ptr + 4, "\x71\x00\x00\x01", 4);
	strbuf_release(&sb);
}

static void test_tds_login__envchange_database_is_byte_exact(void **state)
{
	static const uint8_t want[] = {0xe3, 0x1b, 0x00, 0x01, 0x06, 'm', 0,   'a',  0,   's',
	                               0,    't',  0,    'e',  0,    'r', 0,   0x06, 'm', 0,
	                               'a',  0,    's',  0,    't',  0,   'e', 0,    'r', 0};
	static const uint8_t collation[] = {0xe3, 0x08, 0x00, 0x07, 0x05, 0x09,
	                                    0x04, 0xd0, 0x00, 0x34, 0x00};
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	wire_tok_env_text(&sb, WIRE_ENV_DATABASE, "master", "master");
	assert_int_equal(sb.len, sizeof(want));
	assert_memory_equal(sb.ptr, want, sizeof(want));
	strbuf_reset(&sb);
	wire_tok_env_bytes(&sb, WIRE_ENV_COLLATION, wire_collation, 5, NULL, 0);
	assert_int_equal(sb.len, sizeof(collation));
	assert_memory_equal(sb.ptr, collation, sizeof(collation));
	strbuf_release(&sb);
}

static void test_tds_login__info_and_error_tokens(void **state)
{
	static const uint8_t want[] = {
	        0xaa, 0x18, 0x00, 0x48, 0x48, 0x00, 0x00, 0x01, 0x0e, 0x02, 0x00, 'N',  0,    'o',
	        0,    0x03, 'S',  0,    'R',  0,    'V',  0,    0x00, 0x01, 0x00, 0x00, 0x00,
	};
	struct lab_message m = {true, 18504, 1, 14, "No", "SRV", "", 1};
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	wire_tok_message(&sb, WIRE_V74, &m);
	assert_int_equal(sb.len, sizeof(want));
	assert_memory_equal(sb.ptr, want, sizeof(want));
	strbuf_reset(&sb);
	m.is_error = false;
	wire_tok_message(&sb, WIRE_V71, &m); /* 7.1: INFO, 2-byte line number */
	assert_int_equal(sb.len, sizeof(want) - 2);
	assert_int_equal((uint8_t)sb.ptr[0], 0xab);
	assert_int_equal((uint8_t)sb.ptr[1], 0x16);
	strbuf_release(&sb);
}

static void test_tds_login__response_order_and_final_done(void **state)
{
	struct wire_login_ack ack = {WIRE_V74, "mgc", "sqla.dc1.lab", "sqlb.dc1.lab", 8192, 8000};
	struct strbuf sb = STRBUF_INIT;
	const uint8_t *p;
	uint8_t tokens[16];
	size_t n = 0, pos = 0;

	(void)state;
	wire_login_response(&sb, &ack);
	p = (const uint8_t *)sb.ptr;
	while (pos < sb.len && n < sizeof(tokens)) {
		tokens[n++] = p[pos];
		if (p[pos] == WIRE_TOK_DONE)
			break;
		pos += 3 + (size_t)(p[pos + 1] | p[pos + 2] << 8);
	}
	assert_int_equal(n, 9);
	assert_memory_equal(tokens, "\xe3\xab\xe3\xe3\xab\xad\xe3\xe3\xfd", 9);
	assert_int_equal(pos + 13, sb.len); /* DONE: status 0, no MORE */
	assert_memory_equal(p + pos, "\xfd\x00\x00\x00\x00\0\0\0\0\0\0\0\0", 13);
	assert_int_equal(p[3], WIRE_ENV_DATABASE);
	strbuf_release(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_tds_login__decodes_login7_and_unscrambles_password),
	        cmocka_unit_test(test_tds_login__password_bytes_from_the_spec),
	        cmocka_unit_test(test_tds_login__rejects_out_of_bounds_strings),
	        cmocka_unit_test(test_tds_login__negotiates_version_and_packet_size),
	        cmocka_unit_test(test_tds_login__loginack_is_byte_exact),
	        cmocka_unit_test(test_tds_login__envchange_database_is_byte_exact),
	        cmocka_unit_test(test_tds_login__info_and_error_tokens),
	        cmocka_unit_test(test_tds_login__response_order_and_final_done),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
