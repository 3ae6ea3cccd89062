/*
 * Unit tests for lab/tds/labconn.c over a socketpair, against the real
 * engine and the example topology: the response rules a client depends
 * on, checked on the bytes. PRELOGIN reply, login response ending in a
 * DONE without MORE, DONE_MORE on every DONE but the last, packets never
 * longer than the negotiated size with EOM only on the last, 18456 and
 * close on a bad password, ATTENTION and IGNORE answered with one DONE,
 * and an unexpected packet type closing the connection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lab/engine.h"
#include "lab/tds/labconn.h"
#include "lab/tds/wire.h"
#include "lab/topology.h"
#include "util/log.h"

static struct lab_topology *topo;
static struct lab_world *world;
static char state_dir[64];

struct conn {
	int fd;
	pthread_t thread;
	int server_fd;
};

static void *serve(void *arg)
{
	struct conn *c = arg;

	labconn_serve(c->server_fd, world, 0, "sqla.dc1.lab", 51);
	close(c->server_fd);
	return NULL;
}

static void conn_open(struct conn *c)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	c->fd = sv[0];
	c->server_fd = sv[1];
	assert_int_equal(pthread_create(&c->thread, NULL, serve, c), 0);
}

static void conn_close(struct conn *c)
{
	shutdown(c->fd, SHUT_RDWR);
	pthread_join(c->thread, NULL);
	close(c->fd);
}

static void send_msg(struct conn *c, uint8_t type, uint8_t extra_status, const void *payload,
                     size_t len, size_t packet_size)
{
	struct strbuf out = STRBUF_INIT;
	uint8_t id = 0;

	size_t pos = 0, last = 0;

	wire_put_packets(&out, type, 0, &id, payload, len, packet_size, true);
	while (pos < out.len) {
		last = pos;
		pos += (size_t)(uint8_t)out.ptr[pos + 2] << 8 | (uint8_t)out.ptr[pos + 3];
	}
	/* reset bits go on the first packet, IGNORE with EOM on the last */
	out.ptr[1] = (char)(out.ptr[1] | (extra_status & ~WIRE_ST_IGNORE));
	out.ptr[last + 1] = (char)(out.ptr[last + 1] | (extra_status & WIRE_ST_IGNORE));
	assert_int_equal(write(c->fd, out.ptr, out.len), (ssize_t)out.len);
	strbuf_release(&out);
}

static int read_full(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t k = read(fd, p, n);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* One response message: payload into *sb; every packet <= max_packet. */
static int read_msg(struct conn *c, struct strbuf *sb, size_t max_packet)
{
	uint8_t h[8], body[WIRE_PACKET_MAX];

	strbuf_init(sb, 0);
	wire_put_bytes(sb, "", 0);
	for (;;) {
		size_t len;

		if (read_full(c->fd, h, 8) < 0)
			return -1;
		len = (size_t)h[2] << 8 | h[3];
		assert_int_equal(h[0], WIRE_PT_REPLY);
		assert_true(len >= 8 && len <= max_packet);
		assert_true(h[1] == 0 || h[1] == WIRE_ST_EOM);
		if (read_full(c->fd, body, len - 8) < 0)
			return -1;
		wire_put_bytes(sb, body, len - 8);
		if (h[1] & WIRE_ST_EOM)
			return 0;
	}
}

/* The final DONE (13 bytes at the end) has no MORE bit. */
static void assert_final_done(const struct strbuf *sb, uint8_t token, uint16_t status)
{
	const uint8_t *d = (const uint8_t *)sb->ptr + sb->len - 13;

	assert_true(sb->len >= 13);
	assert_int_equal(d[0], token);
	assert_int_equal(d[1] | d[2] << 8, status);
}

static void put_utf16(struct strbuf *sb, const char *s, bool scramble)
{
	for (; *s; s++) {
		uint8_t b[2] = {(uint8_t)*s, 0};
		for (int i = 0; i < 2 && scramble; i++)
			b[i] = (uint8_t)(((b[i] << 4 & 0xF0) | b[i] >> 4) ^ 0xA5);
		wire_put_bytes(sb, b, 2);
	}
}

static void login7(struct strbuf *out, const char *user, const char *password, uint32_t packet_size)
{
	const char *strs[] = {"t", user, password, "unit", "sqla.dc1.lab", "", "", "", ""};
	struct strbuf var = STRBUF_INIT;

	strbuf_init(out, 0);
	for (int i = 0; i < 94; i++)
		wire_put_u8(out, 0);
	for (int i = 0; i < 9; i++) {
		size_t off = 94 + var.len, at = 36 + 4 * (size_t)i;
		put_utf16(&var, strs[i], i == 2);
		out->ptr[at] = (char)off;
		out->ptr[at + 1] = (char)(off >> 8);
		out->ptr[at + 2] = (char)strlen(strs[i]);
	}
	wire_put_bytes(out, var.ptr, var.len);
	for (int i = 0; i < 4; i++) {
		out->ptr[i] = (char)(out->len >> (8 * i));
		out->ptr[4 + i] = (char)(WIRE_V74 >> (8 * i));
		out->ptr[8 + i] = (char)(packet_size >> (8 * i));
	}
	strbuf_release(&var);
}

static const char *admin_password(void)
{
	return topo->logins[0].password;
}

/* PRELOGIN + LOGIN7; the login response is checked and released. */
static void login(struct conn *c, uint32_t packet_size)
{
	static const uint8_t pre[] = {0x01, 0x00, 0x06, 0x00, 0x01, 0xff, 0x02};
	struct strbuf sb, resp, want = STRBUF_INIT;
	char size[8];

	conn_open(c);
	send_msg(c, WIRE_PT_PRELOGIN, 0, pre, sizeof(pre), 4096);
	assert_int_equal(read_msg(c, &resp, 4096), 0);
	wire_prelogin_reply(&want);
	assert_int_equal(resp.len, want.len);
	assert_memory_equal(resp.ptr, want.ptr, want.len);
	strbuf_release(&resp);
	login7(&sb, topo->logins[0].name, admin_password(), packet_size);
	send_msg(c, WIRE_PT_LOGIN7, 0, sb.ptr, sb.len, 4096);
	assert_int_equal(read_msg(c, &resp, 4096), 0);
	assert_final_done(&resp, WIRE_TOK_DONE, 0);
	assert_int_equal((uint8_t)resp.ptr[0], WIRE_TOK_ENVCHANGE);
	snprintf(size, sizeof(size), "%u", packet_size);
	strbuf_reset(&want);
	wire_tok_env_text(&want, WIRE_ENV_PACKETSIZE, size, size);
	assert_non_null(memmem(resp.ptr, resp.len, want.ptr, want.len));
	strbuf_release(&want);
	strbuf_release(&resp);
	strbuf_release(&sb);
}

static void batch(struct conn *c, const char *sql, uint8_t status, size_t packet_size)
{
	struct strbuf sb = STRBUF_INIT;
	static const uint8_t headers[22] = {0x16, 0, 0, 0, 0x12, 0, 0, 0,    0x02, 0, 0,
	                                    0,    0, 0, 0, 0,    0, 0, 0x01, 0,    0, 0};

	wire_put_bytes(&sb, headers, 22);
	wire_put_utf16(&sb, sql, strlen(sql), (size_t)-1);
	send_msg(c, WIRE_PT_BATCH, status, sb.ptr, sb.len, packet_size);
	strbuf_release(&sb);
}

static void test_tds_conn__done_more_on_all_but_the_last(void **state)
{
	struct conn c;
	struct strbuf resp;
	const uint8_t more[] = {0xfd, 0x11, 0x00, 0xc1, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0};

	(void)state;
	login(&c, 4096);
	batch(&c, "SELECT 1 AS a; SELECT 2 AS b;", 0, 4096);
	assert_int_equal(read_msg(&c, &resp, 4096), 0);
	assert_int_equal((uint8_t)resp.ptr[0], WIRE_TOK_COLMETADATA);
	assert_non_null(memmem(resp.ptr, resp.len, more, sizeof(more)));
	assert_final_done(&resp, WIRE_TOK_DONE, WIRE_DONE_COUNT);
	strbuf_release(&resp);
	conn_close(&c);
}

static void test_tds_conn__packets_follow_the_negotiated_size(void **state)
{
	struct conn c;
	struct strbuf resp, sql = STRBUF_INIT;

	(void)state;
	login(&c, 512);
	strbuf_puts(&sql, "SELECT N'");
	for (int i = 0; i < 3000; i++)
		strbuf_putc(&sql, 'x');
	strbuf_puts(&sql, "' AS s");
	batch(&c, sql.ptr, 0, 512);                    /* the request itself in 512-byte packets */
	assert_int_equal(read_msg(&c, &resp, 512), 0); /* asserts every packet <= 512 */
	assert_true(resp.len > 6000);
	assert_final_done(&resp, WIRE_TOK_DONE, WIRE_DONE_COUNT);
	strbuf_release(&resp);
	strbuf_release(&sql);
	conn_close(&c);
}

static void test_tds_conn__attention_and_ignore_get_one_done(void **state)
{
	struct conn c;
	struct strbuf resp;

	(void)state;
	login(&c, 4096);
	send_msg(&c, WIRE_PT_ATTENTION, 0, NULL, 0, 4096);
	assert_int_equal(read_msg(&c, &resp, 4096), 0);
	assert_int_equal(resp.len, 13);
	assert_final_done(&resp, WIRE_TOK_DONE, WIRE_DONE_ATTN);
	strbuf_release(&resp);
	batch(&c, "SELECT 1", WIRE_ST_IGNORE, 4096);
	assert_int_equal(read_msg(&c, &resp, 4096), 0);
	assert_int_equal(resp.len, 13);
	assert_final_done(&resp, WIRE_TOK_DONE, 0);
	strbuf_release(&resp);
	batch(&c, "SELECT 1", 0, 4096); /* still in step */
	assert_int_equal(read_msg(&c, &resp, 4096), 0);
	assert_final_done(&resp, WIRE_TOK_DONE, WIRE_DONE_COUNT);
	strbuf_release(&resp);
	conn_close(&c);
}

static void test_tds_conn__bad_password_gets_18456_and_close(void **state)
{
	struct conn c;
	struct strbuf sb, resp, want = STRBUF_INIT;
	uint8_t b;

	(void)state;
	conn_open(&c);
	login7(&sb, topo->logins[0].name, "wrong", 4096);
	send_msg(&c, WIRE_PT_LOGIN7, 0, sb.ptr, sb.len, 4096);
	assert_int_equal(read_msg(&c, &resp, 4096), 0);
	assert_int_equal((uint8_t)resp.ptr[0], WIRE_TOK_ERROR);
	/* number 18456, state 1, class 14 */
	assert_memory_equal(resp.ptr + 3, "\x18\x48\x00\x00\x01\x0e", 6);
	wire_put_utf16(&want, "Login failed for user 'pcdr'.", 29, 100);
	assert_non_null(memmem(resp.ptr, resp.len, want.ptr, want.len));
	assert_final_done(&resp, WIRE_TOK_DONE, WIRE_DONE_ERROR);
	assert_true(read(c.fd, &b, 1) <= 0); /* the server closed */
	strbuf_release(&want);
	strbuf_release(&resp);
	strbuf_release(&sb);
	conn_close(&c);
}

static void test_tds_conn__unexpected_packet_type_closes(void **state)
{
	struct conn c;
	uint8_t b;

	(void)state;
	login(&c, 4096);
	send_msg(&c, WIRE_PT_BULK, 0, "x", 1, 4096);
	assert_true(read(c.fd, &b, 1) <= 0);
	conn_close(&c);
}

static void test_tds_conn__reset_connection_restores_the_login_database(void **state)
{
	struct conn c;
	struct strbuf resp, want = STRBUF_INIT;

	(void)state;
	login(&c, 4096);
	batch(&c, "USE mgc", 0, 4096);
	assert_int_equal(read_msg(&c, &resp, 4096), 0);
	strbuf_release(&resp);
	batch(&c, "SELECT DB_NAME() AS d", WIRE_ST_RESET, 4096);
	assert_int_equal(read_msg(&c, &resp, 4096), 0);
	wire_put_utf16(&want, "master", 6, 6);
	assert_non_null(memmem(resp.ptr, resp.len, want.ptr, want.len));
	strbuf_release(&resp);
	strbuf_release(&want);
	conn_close(&c);
}

static void test_tds_conn__transaction_manager_descriptors(void **state)
{
	static const uint8_t headers[22] = {0x16, 0, 0, 0, 0x12, 0, 0, 0,    0x02, 0, 0,
	                                    0,    0, 0, 0, 0,    0, 0, 0x01, 0,    0, 0};
	struct strbuf req = STRBUF_INIT, resp;
	struct conn c;

	(void)state;
	login(&c, 4096);
	wire_put_bytes(&req, headers, 22);
	wire_put_bytes(&req, "\x05\x00\x00\x00", 4); /* TM_BEGIN_XACT */
	send_msg(&c, WIRE_PT_TM, 0, req.ptr, req.len, 4096);
	assert_int_equal(read_msg(&c, &resp, 4096), 0);
	assert_int_equal(resp.len, 14 + 13);
	assert_memory_equal(resp.ptr, "\xe3\x0b\x00\x08\x08\x01\0\0\0\0\0\0\0\x00", 14);
	assert_final_done(&resp, WIRE_TOK_DONE, 0);
	strbuf_release(&resp);
	strbuf_truncate(&req, 22);
	wire_put_bytes(&req, "\x07\x00\x00\x01\x00\x00", 6); /* commit, begin a new one */
	send_msg(&c, WIRE_PT_TM, 0, req.ptr, req.len, 4096);
	assert_int_equal(read_msg(&c, &resp, 4096), 0);
	assert_int_equal(resp.len, 14 + 14 + 13);
	assert_memory_equal(resp.ptr, "\xe3\x0b\x00\x09\x00\x08\x01\0\0\0\0\0\0\0", 14);
	assert_memory_equal(resp.ptr + 14, "\xe3\x0b\x00\x08\x08\x02", 6);
	strbuf_release(&resp);
	strbuf_release(&req);
	conn_close(&c);
}

static void test_tds_conn__rpc_sp_executesql(void **state)
{
	static const uint8_t headers[22] = {0x16, 0, 0, 0, 0x12, 0, 0, 0,    0x02, 0, 0,
	                                    0,    0, 0, 0, 0,    0, 0, 0x01, 0,    0, 0};
	static const uint8_t nvarchar[8] = {0xe7, 0x40, 0x1f, 0x09, 0x04, 0xd0, 0x00, 0x34};
	const char *params[2] = {"SELECT @P1 + 1 AS v", "@P1 INT"};
	struct strbuf req = STRBUF_INIT, resp;
	struct conn c;
	const uint8_t *p;

	(void)state;
	login(&c, 4096);
	wire_put_bytes(&req, headers, 22);
	wire_put_bytes(&req, "\xff\xff\x0a\x00\x00\x00", 6);
	for (int i = 0; i < 2; i++) {
		wire_put_bytes(&req, "\x00\x00", 2);
		wire_put_bytes(&req, nvarchar, 8);
		wire_put_u16le(&req, (uint16_t)(2 * strlen(params[i])));
		wire_put_utf16(&req, params[i], strlen(params[i]), 100);
	}
	wire_put_bvarchar(&req, "@P1");
	wire_put_bytes(&req, "\x00\x26\x04\x04\x29\x00\x00\x00", 8); /* INTN 41 */
	send_msg(&c, WIRE_PT_RPC, 0, req.ptr, req.len, 4096);
	assert_int_equal(read_msg(&c, &resp, 4096), 0);
	assert_int_equal((uint8_t)resp.ptr[0], WIRE_TOK_COLMETADATA);
	p = memmem(resp.ptr, resp.len, "\xd1", 1);
	assert_non_null(p);
	assert_true(p[1] == 42 || (p[1] == 4 && p[2] == 42));           /* INT or INTN */
	assert_non_null(memmem(resp.ptr, resp.len, "\x79\0\0\0\0", 5)); /* RETURNSTATUS 0 */
	assert_final_done(&resp, WIRE_TOK_DONEPROC, 0);
	strbuf_release(&resp);
	strbuf_release(&req);
	conn_close(&c);
}

static int setup(void **state)
{
	(void)state;
	log_set_level(LOG_ERROR); /* the refused packet type is logged as a warning */
	snprintf(state_dir, sizeof(state_dir), "/tmp/pcdr-conn-XXXXXX");
	if (!mkdtemp(state_dir) || lab_topology_load(&topo, "examples/lab/topology.yaml") < 0 ||
	    lab_world_create(&world, topo, state_dir) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	lab_world_free(world);
	lab_topology_free(topo);
	rmdir(state_dir); /* the world was never saved: normally empty */
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_tds_conn__done_more_on_all_but_the_last),
	        cmocka_unit_test(test_tds_conn__packets_follow_the_negotiated_size),
	        cmocka_unit_test(test_tds_conn__attention_and_ignore_get_one_done),
	        cmocka_unit_test(test_tds_conn__bad_password_gets_18456_and_close),
	        cmocka_unit_test(test_tds_conn__unexpected_packet_type_closes),
	        cmocka_unit_test(test_tds_conn__reset_connection_restores_the_login_database),
	        cmocka_unit_test(test_tds_conn__transaction_manager_descriptors),
	        cmocka_unit_test(test_tds_conn__rpc_sp_executesql),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
