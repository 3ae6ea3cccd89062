/*
 * wire_packet: the TDS packet layer (MS-TDS 2.2.3) and PRELOGIN (2.2.6.5).
 * Reassembles a request message from packets of any size, however the
 * bytes were split by the socket, and splits a response into packets no
 * longer than the negotiated size. PRELOGIN is answered ENCRYPT_NOT_SUP:
 * the lab has no TLS (see lab/CONFORMANCE.md for what TLS would need).
 */
#include "lab/tds/wire.h"

#include <string.h>

#include "util/err.h"

static bool known_request_type(uint8_t type)
{
	switch (type) {
	case WIRE_PT_BATCH:
	case WIRE_PT_LOGIN5:
	case WIRE_PT_RPC:
	case WIRE_PT_ATTENTION:
	case WIRE_PT_BULK:
	case WIRE_PT_FEDAUTH:
	case WIRE_PT_TM:
	case WIRE_PT_LOGIN7:
	case WIRE_PT_SSPI:
	case WIRE_PT_PRELOGIN:
		return true;
	default:
		return false;
	}
}

/* Walk the packet headers; 1 when a whole message is present. */
static int msg_scan(const uint8_t *buf, size_t len, size_t max_message, size_t *bytes,
                    size_t *payload)
{
	size_t pos = 0, total = 0;

	for (;;) {
		size_t plen;

		if (len - pos < WIRE_HEADER_SIZE)
			return 0;
		if (!known_request_type(buf[pos]))
			return err_set(ERR_INVALID, "unknown packet type 0x%02x", buf[pos]);
		if (buf[pos] != buf[0])
			return err_set(ERR_INVALID, "packet type changed inside a message");
		plen = (size_t)buf[pos + 2] << 8 | buf[pos + 3];
		if (plen < WIRE_HEADER_SIZE || plen > WIRE_PACKET_MAX)
			return err_set(ERR_INVALID, "bad packet length %zu", plen);
		total += plen - WIRE_HEADER_SIZE;
		if (total > max_message)
			return err_set(ERR_LIMIT, "request larger than %zu bytes", max_message);
		if (len - pos < plen)
			return 0;
		pos += plen;
		if (buf[pos - plen + 1] & WIRE_ST_EOM) {
			*bytes = pos;
			*payload = total;
			return 1;
		}
	}
}

int wire_msg_take(struct wire_msg *msg, const uint8_t *buf, size_t len, size_t *used,
                  size_t max_message)
{
	size_t bytes = 0, payload = 0, pos = 0;
	int found = msg_scan(buf, len, max_message, &bytes, &payload);

	if (found <= 0)
		return found;
	msg->type = buf[0];
	msg->first_status = buf[1];
	strbuf_init(&msg->payload, 0);
	wire_put_bytes(&msg->payload, "", 0);
	while (pos < bytes) {
		size_t plen = (size_t)buf[pos + 2] << 8 | buf[pos + 3];

		msg->last_status = buf[pos + 1];
		wire_put_bytes(&msg->payload, buf + pos + WIRE_HEADER_SIZE,
		               plen - WIRE_HEADER_SIZE);
		pos += plen;
	}
	*used = bytes;
	return 1;
}

void wire_msg_release(struct wire_msg *msg)
{
	if (msg)
		strbuf_release(&msg->payload);
}

static void put_header(struct strbuf *out, uint8_t type, uint8_t status, size_t len, uint16_t spid,
                       uint8_t id)
{
	wire_put_u8(out, type);
	wire_put_u8(out, status);
	wire_put_u16be(out, (uint16_t)len);
	wire_put_u16be(out, spid);
	wire_put_u8(out, id);
	wire_put_u8(out, 0);
}

void wire_put_packets(struct strbuf *out, uint8_t type, uint16_t spid, uint8_t *packet_id,
                      const uint8_t *payload, size_t len, size_t packet_size, bool eom)
{
	size_t room, pos = 0;

	if (packet_size > WIRE_PACKET_MAX)
		packet_size = WIRE_PACKET_MAX;
	if (packet_size < WIRE_PACKET_MIN)
		packet_size = WIRE_PACKET_MIN;
	room = packet_size - WIRE_HEADER_SIZE;
	if (len == 0 && !eom)
		return;
	do {
		size_t n = len - pos < room ? len - pos : room;
		bool last = pos + n == len;

		*packet_id = (uint8_t)(*packet_id + 1);
		put_header(out, type, last && eom ? WIRE_ST_EOM : 0, n + WIRE_HEADER_SIZE, spid,
		           *packet_id);
		wire_put_bytes(out, payload + pos, n);
		pos += n;
	} while (pos < len);
}

#define PRELOGIN_MAX_OPTIONS 64

int wire_prelogin_parse(struct wire_prelogin *out, const uint8_t *p, size_t n)
{
	struct wire_reader r;
	size_t count = 0;

	memset(out, 0, sizeof(*out));
	wire_reader_init(&r, p, n);
	for (;;) {
		uint8_t token = wire_get_u8(&r);
		uint16_t off, len;

		if (r.bad)
			return err_set(ERR_INVALID, "prelogin: option table not terminated");
		if (token == 0xFF)
			return 0;
		if (++count > PRELOGIN_MAX_OPTIONS)
			return err_set(ERR_INVALID, "prelogin: too many options");
		off = wire_get_u16be(&r);
		len = wire_get_u16be(&r);
		if (r.bad || (size_t)off + len > n)
			return err_set(ERR_INVALID, "prelogin: option 0x%02x out of bounds", token);
		if (token == 0x00 && len >= 6) {
			out->has_version = true;
			memcpy(out->version, p + off, 6);
		} else if (token == 0x01 && len >= 1) {
			out->has_encryption = true;
			out->encryption = p[off];
		} else if (token == 0x04 && len >= 1) {
			out->mars = p[off] != 0;
		}
	}
}

void wire_prelogin_reply(struct strbuf *payload)
{
	static const uint8_t reply[] = {
	        /* VERSION at 26, len 6; ENCRYPTION at 32, len 1; INSTOPT at 33,
	         * len 1; THREADID at 34, len 4; MARS at 38, len 1; terminator */
	        0x00, 0x00, 0x1a, 0x00, 0x06, 0x01, 0x00, 0x20, 0x00, 0x01, 0x02,
	        0x00, 0x21, 0x00, 0x01, 0x03, 0x00, 0x22, 0x00, 0x04, 0x04, 0x00,
	        0x26, 0x00, 0x01, 0xff, 0x10, 0x00, 0x03, 0xe8, 0x00, 0x00, /* 16.0.1000.0 */
	        0x02,                                                       /* ENCRYPT_NOT_SUP */
	        0x00,                                                       /* no instance name */
	        0x00, 0x00, 0x00, 0x00,                                     /* thread id */
	        0x00,                                                       /* MARS off */
	};
	wire_put_bytes(payload, reply, sizeof(reply));
}
