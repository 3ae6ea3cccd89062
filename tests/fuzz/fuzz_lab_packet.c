/*
 * libFuzzer target for the lab's TDS decoders (lab/tds/wire_*.c): the
 * input is raw bytes as a client could send them. They are reassembled
 * into a message (wire_msg_take), and the payload is handed to every
 * decoder at every protocol version: PRELOGIN, LOGIN7, SQL_BATCH, RPC
 * (with all its parameter types) and TRANSACTION MANAGER. The packet
 * splitter is checked too: re-splitting the payload at any size must
 * reassemble to the same bytes. Sanitizers catch what bounds checks miss.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lab/tds/wire.h"

static const uint32_t versions[] = {WIRE_V71, WIRE_V72, WIRE_V73B, WIRE_V74};

static void decode_all(const uint8_t *p, size_t n)
{
	struct wire_prelogin pre;
	struct wire_login7 login;
	struct wire_tm tm;
	size_t v;

	(void)wire_prelogin_parse(&pre, p, n);
	if (wire_login7_parse(&login, p, n) == 0)
		wire_login7_release(&login);
	for (v = 0; v < sizeof(versions) / sizeof(versions[0]); v++) {
		struct arena arena = ARENA_INIT;
		struct wire_rpc *calls;
		size_t n_calls;
		char *sql = NULL;

		if (wire_batch_parse(&sql, p, n, versions[v]) == 0)
			free(sql);
		(void)wire_rpc_parse(&calls, &n_calls, &arena, p, n, versions[v]);
		(void)wire_tm_parse(&tm, p, n, versions[v]);
		arena_release(&arena);
	}
}

static void resplit(const uint8_t *p, size_t n, size_t packet_size)
{
	struct strbuf wire = STRBUF_INIT;
	struct wire_msg msg;
	uint8_t id = 0;
	size_t used = 0;

	wire_put_packets(&wire, WIRE_PT_BATCH, 0, &id, p, n, packet_size, true);
	if (wire_msg_take(&msg, (const uint8_t *)wire.ptr, wire.len, &used, WIRE_MESSAGE_MAX) !=
	            1 ||
	    used != wire.len || msg.payload.len != n || (n && memcmp(msg.payload.ptr, p, n)))
		abort();
	wire_msg_release(&msg);
	strbuf_release(&wire);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wire_msg msg;
	size_t used = 0;

	/* as raw packets off the socket */
	if (wire_msg_take(&msg, data, size, &used, 1u << 20) == 1) {
		decode_all((const uint8_t *)msg.payload.ptr, msg.payload.len);
		wire_msg_release(&msg);
	}
	/* as a message payload */
	decode_all(data, size);
	if (size > 0)
		resplit(data, size, WIRE_PACKET_MIN + data[0] * 16u);
	return 0;
}
