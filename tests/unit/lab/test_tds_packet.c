/*
 * Unit tests for lab/tds/wire_packet.c: packet headers, reassembly of a
 * message split over packets and over arbitrary reads, splitting of a
 * response at the negotiated size, and PRELOGIN (request parsing and
 * the byte-exact reply from tds-server-facts.md 2.2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "lab/tds/wire.h"
#include "util/err.h"

static void test_tds_packet__prelogin_reply_is_byte_exact(void **state)
{
	static const uint8_t want[] = {
	        0x04, 0x01, 0x00, 0x2f, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x1a, 0x00,
	        0x06, 0x01, 0x00, 0x20, 0x00, 0x01, 0x02, 0x00, 0x21, 0x00, 0x01, 0x03,
	        0x00, 0x22, 0x00, 0x04, 0x04, 0x00, 0x26, 0x00, 0x01, 0xff, 0x10, 0x00,
	        0x03, 0xe8, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	struct strbuf payload = STRBUF_INIT, out = STRBUF_INIT;
	uint8_t id = 0;

	(void)state;
	wire_prelogin_reply(&payload);
	wire_put_packets(&out, WIRE_PT_REPLY, 0, &id, (const uint8_t *)payload.ptr, payload.len,
	                 4096, true);
	assert_int_equal(out.len, sizeof(want));
	assert_memory_equal(out.ptr, want, sizeof(want));
	strbuf_release(&payload);
	strbuf_release(&out);
}

static void test_tds_packet__prelogin_request_from_freetds(void **state)
{
	/* VERSION, ENCRYPTION 0x02, INSTOPT "MSSQLServer", THREADID, MARS 0 */
	static const uint8_t req[] = {
	        0x00, 0x00, 0x1a, 0x00, 0x06, 0x01, 0x00, 0x20, 0x00, 0x01, 0x02, 0x00, 0x21,
	        0x00, 0x0c, 0x03, 0x00, 0x2d, 0x00, 0x04, 0x04, 0x00, 0x31, 0x00, 0x01, 0xff,
	        0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 'M',  'S',  'S',  'Q',  'L',  'S',
	        'e',  'r',  'v',  'e',  'r',  0x00, 0x12, 0x34, 0x00, 0x00, 0x00,
	};
	struct wire_prelogin pre;

	(void)state;
	assert_int_equal(wire_prelogin_parse(&pre, req, sizeof(req)), 0);
	assert_true(pre.has_encryption);
	assert_int_equal(pre.encryption, 2);
	assert_true(pre.has_version);
	assert_int_equal(pre.version[0], 9);
	assert_false(pre.mars);
}

static void test_tds_packet__prelogin_rejects_out_of_bounds(void **state)
{
	static const uint8_t bad[] = {0x01, 0x00, 0x40, 0x00, 0x01, 0xff};
	static const uint8_t unterminated[] = {0x01, 0x00, 0x05};
	struct wire_prelogin pre;

	(void)state;
	assert_int_equal(wire_prelogin_parse(&pre, bad, sizeof(bad)), ERR_INVALID);
	assert_int_equal(wire_prelogin_parse(&pre, unterminated, sizeof(unterminated)),
	                 ERR_INVALID);
}

static void test_tds_packet__split_never_exceeds_packet_size(void **state)
{
	struct strbuf out = STRBUF_INIT;
	uint8_t payload[2000], id = 0;
	size_t pos = 0, packets = 0, i;

	(void)state;
	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)i;
	wire_put_packets(&out, WIRE_PT_REPLY, 51, &id, payload, sizeof(payload), 512, true);
	while (pos < out.len) {
		const uint8_t *h = (const uint8_t *)out.ptr + pos;
		size_t len = (size_t)h[2] << 8 | h[3];

		assert_true(len <= 512);
		assert_int_equal(h[0], 0x04);
		assert_int_equal(h[4] << 8 | h[5], 51);
		assert_int_equal(h[6], (uint8_t)(packets + 1));
		pos += len;
		packets++;
		assert_int_equal(h[1], pos == out.len ? 0x01 : 0x00);
	}
	assert_int_equal(packets, 4); /* 504 * 3 + 488 */
	assert_int_equal(out.len, sizeof(payload) + 4 * 8);
	strbuf_release(&out);
}

static void test_tds_packet__empty_final_packet_is_header_only(void **state)
{
	static const uint8_t want[] = {0x04, 0x01, 0x00, 0x08, 0x00, 0x33, 0x01, 0x00};
	struct strbuf out = STRBUF_INIT;
	uint8_t id = 0;

	(void)state;
	wire_put_packets(&out, WIRE_PT_REPLY, 0x33, &id, NULL, 0, 4096, false);
	assert_int_equal(out.len, 0);
	wire_put_packets(&out, WIRE_PT_REPLY, 0x33, &id, NULL, 0, 4096, true);
	assert_int_equal(out.len, 8);
	assert_memory_equal(out.ptr, want, 8);
	strbuf_release(&out);
}

/* A request split into 512-byte packets, fed in chunks of every size. */
static void test_tds_packet__reassembles_split_message(void **state)
{
	struct strbuf wire = STRBUF_INIT;
	uint8_t payload[3000], id = 0;
	size_t chunk, i;

	(void)state;
	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	wire_put_packets(&wire, WIRE_PT_BATCH, 0, &id, payload, sizeof(payload), 512, true);
	/* a second message right behind it must stay in the buffer */
	wire_put_packets(&wire, WIRE_PT_ATTENTION, 0, &id, NULL, 0, 512, true);
	wire.ptr[1] |= WIRE_ST_RESET;
	for (chunk = 1; chunk <= wire.len; chunk += 97) {
		struct wire_msg msg;
		size_t have = 0, used = 0;
		int rc = 0;

		while (rc == 0) {
			have = have + chunk < wire.len ? have + chunk : wire.len;
			rc = wire_msg_take(&msg, (const uint8_t *)wire.ptr, have, &used,
			                   WIRE_MESSAGE_MAX);
			assert_true(rc >= 0);
		}
		assert_int_equal(msg.type, WIRE_PT_BATCH);
		assert_int_equal(msg.first_status & WIRE_ST_RESET, WIRE_ST_RESET);
		assert_int_equal(msg.last_status, WIRE_ST_EOM);
		assert_int_equal(msg.payload.len, sizeof(payload));
		assert_memory_equal(msg.payload.ptr, payload, sizeof(payload));
		assert_int_equal(used, wire.len - 8);
		wire_msg_release(&msg);
	}
	strbuf_release(&wire);
}

static void test_tds_packet__rejects_bad_headers(void **state)
{
	static const uint8_t short_len[] = {0x01, 0x01, 0x00, 0x04, 0, 0, 1, 0};
	static const uint8_t unknown[] = {0x09, 0x01, 0x00, 0x08, 0, 0, 1, 0};
	static const uint8_t changed[] = {0x01, 0x00, 0x00, 0x09, 0, 0, 1, 0, 'a',
	                                  0x03, 0x01, 0x00, 0x08, 0, 0, 2, 0};
	struct wire_msg msg;
	size_t used;

	(void)state;
	assert_int_equal(wire_msg_take(&msg, short_len, sizeof(short_len), &used, 100),
	                 ERR_INVALID);
	assert_int_equal(wire_msg_take(&msg, unknown, sizeof(unknown), &used, 100), ERR_INVALID);
	assert_int_equal(wire_msg_take(&msg, changed, sizeof(changed), &used, 100), ERR_INVALID);
}

static void test_tds_packet__caps_message_size(void **state)
{
	struct strbuf wire = STRBUF_INIT;
	uint8_t payload[1000] = {0}, id = 0;
	struct wire_msg msg;
	size_t used;

	(void)state;
	wire_put_packets(&wire, WIRE_PT_BATCH, 0, &id, payload, sizeof(payload), 512, true);
	assert_int_equal(wire_msg_take(&msg, (const uint8_t *)wire.ptr, wire.len, &used, 999),
	                 ERR_LIMIT);
	assert_int_equal(wire_msg_take(&msg, (const uint8_t *)wire.ptr, wire.len, &used, 1000), 1);
	wire_msg_release(&msg);
	strbuf_release(&wire);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_tds_packet__prelogin_reply_is_byte_exact),
	        cmocka_unit_test(test_tds_packet__prelogin_request_from_freetds),
	        cmocka_unit_test(test_tds_packet__prelogin_rejects_out_of_bounds),
	        cmocka_unit_test(test_tds_packet__split_never_exceeds_packet_size),
	        cmocka_unit_test(test_tds_packet__empty_final_packet_is_header_only),
	        cmocka_unit_test(test_tds_packet__reassembles_split_message),
	        cmocka_unit_test(test_tds_packet__rejects_bad_headers),
	        cmocka_unit_test(test_tds_packet__caps_message_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
