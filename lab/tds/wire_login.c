/*
 * wire_login: LOGIN7 decoding (MS-TDS 2.2.6.4), including the password
 * unscrambling of 2.2.6.4 (XOR 0xA5 then swap nibbles), version and
 * packet size negotiation, and the login response SQL Server sends
 * (ENVCHANGE database, INFO 5701, ENVCHANGE collation and language, INFO
 * 5703, LOGINACK, ENVCHANGE packet size, optional mirroring partner,
 * DONE). It does not check credentials: the engine does.
 */
#include "lab/tds/wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/xalloc.h"

#define LOGIN7_FIXED_71  86
#define LOGIN7_FIXED_72  94
#define LOGIN7_MAX_CHARS 256 /* any LOGIN7 string longer than this is refused */

/* Read the (offset, char count) pair at `at` and decode the string. */
static int login7_string(char **out, const uint8_t *p, size_t total, size_t at, bool scrambled)
{
	struct wire_reader r;
	size_t ib, cch;

	*out = NULL;
	wire_reader_init(&r, p, total);
	r.pos = at;
	ib = wire_get_u16le(&r);
	cch = wire_get_u16le(&r);
	if (r.bad)
		return err_set(ERR_INVALID, "login7: truncated offset table");
	if (cch > LOGIN7_MAX_CHARS)
		return err_set(ERR_INVALID, "login7: string at offset %zu too long", at);
	if (ib + 2 * cch > total)
		return err_set(ERR_INVALID, "login7: string at offset %zu out of bounds", at);
	if (!scrambled) {
		*out = wire_utf16_to_utf8(p + ib, 2 * cch, NULL);
		return 0;
	}
	{
		uint8_t clear[2 * LOGIN7_MAX_CHARS];
		size_t i;

		for (i = 0; i < 2 * cch; i++) {
			uint8_t x = p[ib + i] ^ 0xA5;
			clear[i] = (uint8_t)((x << 4 & 0xF0) | x >> 4);
		}
		*out = wire_utf16_to_utf8(clear, 2 * cch, NULL);
		memset(clear, 0, sizeof(clear));
	}
	return 0;
}

int wire_login7_parse(struct wire_login7 *out, const uint8_t *p, size_t n)
{
	struct wire_reader r;
	uint32_t length;
	size_t fixed;
	int error;

	memset(out, 0, sizeof(*out));
	wire_reader_init(&r, p, n);
	length = wire_get_u32le(&r);
	out->tds_version = wire_get_u32le(&r);
	out->packet_size = wire_get_u32le(&r);
	(void)wire_get_u32le(&r); /* client program version */
	out->client_pid = wire_get_u32le(&r);
	(void)wire_get_u32le(&r); /* connection id */
	out->flags1 = wire_get_u8(&r);
	out->flags2 = wire_get_u8(&r);
	out->type_flags = wire_get_u8(&r);
	out->flags3 = wire_get_u8(&r);
	fixed = out->tds_version >= WIRE_V72 ? LOGIN7_FIXED_72 : LOGIN7_FIXED_71;
	if (r.bad || length > n || length < fixed)
		return err_set(ERR_INVALID, "login7: bad length %u (message %zu)", length, n);
	out->integrated_security = (out->flags2 & 0x80) != 0;
	if ((error = login7_string(&out->host, p, length, 36, false)) < 0 ||
	    (error = login7_string(&out->user, p, length, 40, false)) < 0 ||
	    (error = login7_string(&out->password, p, length, 44, true)) < 0 ||
	    (error = login7_string(&out->app, p, length, 48, false)) < 0 ||
	    (error = login7_string(&out->server, p, length, 52, false)) < 0 ||
	    (error = login7_string(&out->library, p, length, 60, false)) < 0 ||
	    (error = login7_string(&out->language, p, length, 64, false)) < 0 ||
	    (error = login7_string(&out->database, p, length, 68, false)) < 0)
		goto done;
done:
	if (error < 0)
		wire_login7_release(out);
	return error;
}

void wire_login7_release(struct wire_login7 *login)
{
	if (!login)
		return;
	if (login->password)
		memset(login->password, 0, strlen(login->password));
	free(login->host);
	free(login->user);
	free(login->password);
	free(login->app);
	free(login->server);
	free(login->library);
	free(login->language);
	free(login->database);
	memset(login, 0, sizeof(*login));
}

uint32_t wire_version_choose(uint32_t client)
{
	static const uint32_t known[] = {WIRE_V74, WIRE_V73B, WIRE_V73A, WIRE_V72, WIRE_V71};
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (client >= known[i])
			return known[i];
	return 0;
}

uint32_t wire_packet_size_choose(uint32_t requested)
{
	if (requested == 0)
		return WIRE_PACKET_DEFAULT;
	if (requested < WIRE_PACKET_MIN)
		return WIRE_PACKET_MIN;
	if (requested > WIRE_PACKET_MAX)
		return WIRE_PACKET_MAX;
	return requested;
}

static void login_info(struct strbuf *sb, uint32_t version, int32_t number, uint8_t state,
                       const char *text, const char *server)
{
	struct lab_message m = {false, number, state, 0, text, server, "", 0};
	wire_tok_message(sb, version, &m);
}

void wire_login_response(struct strbuf *tokens, const struct wire_login_ack *ack)
{
	char text[256], size_new[16], size_old[16];
	const char *db = ack->database && *ack->database ? ack->database : "master";

	wire_tok_env_text(tokens, WIRE_ENV_DATABASE, db, "master");
	snprintf(text, sizeof(text), "Changed database context to '%s'.", db);
	login_info(tokens, ack->tds_version, 5701, 2, text, ack->server);
	wire_tok_env_bytes(tokens, WIRE_ENV_COLLATION, wire_collation, 5, NULL, 0);
	wire_tok_env_text(tokens, WIRE_ENV_LANGUAGE, "us_english", "");
	login_info(tokens, ack->tds_version, 5703, 1, "Changed language setting to us_english.",
	           ack->server);
	wire_tok_loginack(tokens, ack->tds_version, "Microsoft SQL Server");
	snprintf(size_new, sizeof(size_new), "%u", ack->packet_size);
	snprintf(size_old, sizeof(size_old), "%u", ack->requested_packet_size);
	wire_tok_env_text(tokens, WIRE_ENV_PACKETSIZE, size_new, size_old);
	if (ack->partner && *ack->partner)
		wire_tok_env_text(tokens, WIRE_ENV_MIRROR_PARTNER, ack->partner, "");
	wire_tok_done(tokens, ack->tds_version, WIRE_TOK_DONE, 0, 0, 0);
}
