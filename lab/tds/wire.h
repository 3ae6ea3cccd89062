/*
 * wire: the TDS 7.1-7.4 codec of the lab, as pure functions (bytes in,
 * bytes out) so that every packet can be unit-tested byte for byte and
 * fuzzed. It splits and reassembles packets, decodes PRELOGIN, LOGIN7,
 * SQL_BATCH, RPC and TRANSACTION MANAGER requests, and writes the
 * response tokens (LOGINACK, ENVCHANGE, INFO/ERROR, COLMETADATA, ROW,
 * NBCROW, DONE*, RETURNSTATUS). It does no I/O, keeps no state between
 * calls and never interprets SQL; lab/tds/labconn.c drives it over a
 * socket. Layouts follow MS-TDS and /work/shared/reference/tds-server-facts.md.
 *
 * Every decoder bounds-checks untrusted bytes through struct wire_reader
 * (a sticky "bad" flag instead of a check per field) and caps sizes.
 * Every writer appends to a struct strbuf used as a byte buffer.
 */
#ifndef PCDR_LAB_TDS_WIRE_H
#define PCDR_LAB_TDS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab/engine.h"
#include "util/arena.h"
#include "util/strbuf.h"

/* --- packets (MS-TDS 2.2.3) --------------------------------------------- */

#define WIRE_HEADER_SIZE    8
#define WIRE_PACKET_MAX     32767
#define WIRE_PACKET_MIN     512
#define WIRE_PACKET_DEFAULT 4096
#define WIRE_MESSAGE_MAX    (64u << 20) /* largest request we reassemble */

enum wire_ptype {
	WIRE_PT_BATCH = 0x01,
	WIRE_PT_LOGIN5 = 0x02,
	WIRE_PT_RPC = 0x03,
	WIRE_PT_REPLY = 0x04,
	WIRE_PT_ATTENTION = 0x06,
	WIRE_PT_BULK = 0x07,
	WIRE_PT_FEDAUTH = 0x08,
	WIRE_PT_TM = 0x0E,
	WIRE_PT_LOGIN7 = 0x10,
	WIRE_PT_SSPI = 0x11,
	WIRE_PT_PRELOGIN = 0x12,
};

#define WIRE_ST_EOM            0x01
#define WIRE_ST_IGNORE         0x02
#define WIRE_ST_RESET          0x08
#define WIRE_ST_RESET_SKIPTRAN 0x10

/* TDS versions as the LOGIN7 DWORD reads (little-endian). */
#define WIRE_V70  0x70000000u
#define WIRE_V71  0x71000001u
#define WIRE_V72  0x72090002u
#define WIRE_V73A 0x730A0003u
#define WIRE_V73B 0x730B0003u
#define WIRE_V74  0x74000004u

/* One reassembled request message. */
struct wire_msg {
	uint8_t type;
	uint8_t first_status; /* status of the first packet (reset bits) */
	uint8_t last_status;  /* status of the EOM packet (ignore bit) */
	struct strbuf payload;
};

/*
 * Take one complete message from the start of `buf` (raw bytes as read
 * from the socket). Returns 1 with *msg filled (release it) and *used set
 * to the bytes consumed; 0 when more bytes are needed; ERR_INVALID for a
 * malformed header, a packet type change inside a message or an unknown
 * type; ERR_LIMIT when the message would exceed `max_message` bytes.
 */
int wire_msg_take(struct wire_msg *msg, const uint8_t *buf, size_t len, size_t *used,
                  size_t max_message);
void wire_msg_release(struct wire_msg *msg);

/*
 * Append `payload` to `out` as packets of at most `packet_size` bytes
 * (header included), type `type`, the last one with EOM when `eom`.
 * An empty payload with `eom` is a header-only packet; an empty payload
 * without `eom` writes nothing. *packet_id counts up (mod 256).
 */
void wire_put_packets(struct strbuf *out, uint8_t type, uint16_t spid, uint8_t *packet_id,
                      const uint8_t *payload, size_t len, size_t packet_size, bool eom);

/* --- bounded reader and little writers ------------------------------------ */

struct wire_reader {
	const uint8_t *p;
	size_t len;
	size_t pos;
	bool bad; /* set by any read past the end; reads then return 0 */
};

void wire_reader_init(struct wire_reader *r, const void *p, size_t len);
size_t wire_remaining(const struct wire_reader *r);
uint8_t wire_get_u8(struct wire_reader *r);
uint16_t wire_get_u16le(struct wire_reader *r);
uint16_t wire_get_u16be(struct wire_reader *r);
uint32_t wire_get_u32le(struct wire_reader *r);
uint64_t wire_get_u64le(struct wire_reader *r);
/* Borrowed pointer to the next n bytes, or NULL (and bad) if short. */
const uint8_t *wire_get_bytes(struct wire_reader *r, size_t n);

void wire_put_u8(struct strbuf *sb, uint8_t v);
void wire_put_u16le(struct strbuf *sb, uint16_t v);
void wire_put_u16be(struct strbuf *sb, uint16_t v);
void wire_put_u32le(struct strbuf *sb, uint32_t v);
void wire_put_u32be(struct strbuf *sb, uint32_t v);
void wire_put_u64le(struct strbuf *sb, uint64_t v);
void wire_put_bytes(struct strbuf *sb, const void *p, size_t n);

/* Append UTF-8 text as UTF-16LE, at most max_units code units (never a
 * half surrogate pair); invalid UTF-8 becomes U+FFFD. Returns the units. */
size_t wire_put_utf16(struct strbuf *sb, const char *utf8, size_t len, size_t max_units);
/* B_VARCHAR / US_VARCHAR: count of UTF-16 units, then the text. */
void wire_put_bvarchar(struct strbuf *sb, const char *utf8);
void wire_put_usvarchar(struct strbuf *sb, const char *utf8);
/* UTF-16LE to UTF-8 (malloc'd, NUL-terminated; lone surrogates become
 * U+FFFD, a trailing odd byte is ignored). *out_len may be NULL. */
char *wire_utf16_to_utf8(const uint8_t *p, size_t nbytes, size_t *out_len);
/* Windows-1252 <-> UTF-8 for VARCHAR with SQL_Latin1_General_CP1_CI_AS. */
char *wire_cp1252_to_utf8(const uint8_t *p, size_t n, size_t *out_len);
void wire_put_cp1252(struct strbuf *sb, const char *utf8, size_t len);

/* --- PRELOGIN (MS-TDS 2.2.6.5) -------------------------------------------- */

struct wire_prelogin {
	bool has_encryption;
	uint8_t encryption; /* 0 off, 1 on, 2 not supported, 3 required */
	bool has_version;
	uint8_t version[6];
	bool mars;
};

/* 0, or ERR_INVALID for a malformed option table. */
int wire_prelogin_parse(struct wire_prelogin *out, const uint8_t *p, size_t n);
/* The reply payload: version 16.0.1000, ENCRYPT_NOT_SUP, no instance, MARS off. */
void wire_prelogin_reply(struct strbuf *payload);

/* --- LOGIN7 (MS-TDS 2.2.6.4) ---------------------------------------------- */

struct wire_login7 {
	uint32_t tds_version;
	uint32_t packet_size;
	uint32_t client_pid;
	uint8_t flags1, flags2, type_flags, flags3;
	bool integrated_security; /* SSPI requested: the lab refuses it */
	char *host;
	char *user;
	char *password; /* unscrambled; zeroed by wire_login7_release */
	char *app;
	char *server;
	char *library;
	char *language;
	char *database;
};

/* 0, or ERR_INVALID. Strings are malloc'd UTF-8 ("" when absent). */
int wire_login7_parse(struct wire_login7 *out, const uint8_t *p, size_t n);
void wire_login7_release(struct wire_login7 *login);

/* The version the server speaks to a client asking for `client`: the
 * highest known version <= client (7.1 .. 7.4), or 0 if below 7.1. */
uint32_t wire_version_choose(uint32_t client);
/* clamp(requested, 512, 32767); 0 means the default 4096. */
uint32_t wire_packet_size_choose(uint32_t requested);

struct wire_login_ack {
	uint32_t tds_version; /* from wire_version_choose */
	const char *database;
	const char *server;  /* instance name for INFO tokens */
	const char *partner; /* ENVCHANGE 13 when non-empty */
	uint32_t packet_size;
	uint32_t requested_packet_size;
};

/* The whole login response token stream, DONE last (without MORE). */
void wire_login_response(struct strbuf *tokens, const struct wire_login_ack *ack);

/* --- requests (MS-TDS 2.2.6) ---------------------------------------------- */

/* SQL_BATCH payload to UTF-8 text (malloc'd). 0 or ERR_INVALID. */
int wire_batch_parse(char **sql, const uint8_t *p, size_t n, uint32_t version);

struct wire_rpc {
	const char *proc; /* name, or the ProcID's well-known name */
	uint16_t options;
	struct lab_param *params;
	size_t n_params;
};

#define WIRE_RPC_MAX_CALLS  64
#define WIRE_RPC_MAX_PARAMS 2100 /* SQL Server's own limit */

/*
 * Decode an RPC message (one or more calls). Names, values and arrays
 * live in `arena`. 0, or ERR_INVALID for malformed input or an
 * unsupported parameter type (message names it).
 */
int wire_rpc_parse(struct wire_rpc **calls, size_t *n_calls, struct arena *arena, const uint8_t *p,
                   size_t n, uint32_t version);
/* "sp_executesql" for 10 ...; NULL for an unknown ProcID. */
const char *wire_procid_name(uint16_t id);

enum wire_tm_type {
	WIRE_TM_BEGIN = 5,
	WIRE_TM_PROMOTE = 6,
	WIRE_TM_COMMIT = 7,
	WIRE_TM_ROLLBACK = 8,
	WIRE_TM_SAVE = 9,
};

struct wire_tm {
	uint16_t type;
	uint8_t isolation;
	bool begin_new; /* commit/rollback with fBeginXact */
};

int wire_tm_parse(struct wire_tm *out, const uint8_t *p, size_t n, uint32_t version);

/* --- response tokens (MS-TDS 2.2.7) ---------------------------------------- */

#define WIRE_TOK_COLMETADATA  0x81
#define WIRE_TOK_RETURNSTATUS 0x79
#define WIRE_TOK_RETURNVALUE  0xAC
#define WIRE_TOK_ERROR        0xAA
#define WIRE_TOK_INFO         0xAB
#define WIRE_TOK_LOGINACK     0xAD
#define WIRE_TOK_ROW          0xD1
#define WIRE_TOK_NBCROW       0xD2
#define WIRE_TOK_ENVCHANGE    0xE3
#define WIRE_TOK_DONE         0xFD
#define WIRE_TOK_DONEPROC     0xFE
#define WIRE_TOK_DONEINPROC   0xFF

#define WIRE_DONE_MORE  0x0001
#define WIRE_DONE_ERROR 0x0002
#define WIRE_DONE_COUNT 0x0010
#define WIRE_DONE_ATTN  0x0020

enum wire_env {
	WIRE_ENV_DATABASE = 1,
	WIRE_ENV_LANGUAGE = 2,
	WIRE_ENV_PACKETSIZE = 4,
	WIRE_ENV_COLLATION = 7,
	WIRE_ENV_BEGIN_TRAN = 8,
	WIRE_ENV_COMMIT_TRAN = 9,
	WIRE_ENV_ROLLBACK_TRAN = 10,
	WIRE_ENV_MIRROR_PARTNER = 13,
};

/* SQL_Latin1_General_CP1_CI_AS */
extern const uint8_t wire_collation[5];

void wire_tok_done(struct strbuf *sb, uint32_t version, uint8_t token, uint16_t status,
                   uint16_t curcmd, uint64_t rowcount);
void wire_tok_message(struct strbuf *sb, uint32_t version, const struct lab_message *msg);
void wire_tok_env_text(struct strbuf *sb, uint8_t type, const char *new_value,
                       const char *old_value);
void wire_tok_env_bytes(struct strbuf *sb, uint8_t type, const uint8_t *new_value, uint8_t new_len,
                        const uint8_t *old_value, uint8_t old_len);
void wire_tok_loginack(struct strbuf *sb, uint32_t version, const char *prog_name);
void wire_tok_returnstatus(struct strbuf *sb, int32_t status);
/* RETURNVALUE (MS-TDS 2.2.7.18) of an RPC's output parameter: its
 * ordinal, name, status 0x01 and the value with its type. */
void wire_tok_returnvalue(struct strbuf *sb, uint32_t version, uint16_t ordinal, const char *name,
                          const struct lab_value *v);
void wire_tok_colmetadata(struct strbuf *sb, uint32_t version, const struct lab_column *cols,
                          size_t n);
/* ROW, or NBCROW when a value is NULL and the version has it (7.3B+). */
void wire_tok_row(struct strbuf *sb, uint32_t version, const struct lab_column *cols,
                  const struct lab_value *vals, size_t n);

/* --- values (MS-TDS 2.2.5) ----------------------------------------------- */

/* Decimal text ("-12.5", "12345678901234567890123") to sign + 128-bit
 * magnitude scaled by 10^scale. 0, or ERR_INVALID / ERR_LIMIT. */
int wire_numeric_from_text(uint8_t mag[16], bool *negative, const char *text, size_t len,
                           uint8_t scale);
/* The reverse, into an arena string. */
char *wire_numeric_to_text(struct arena *a, const uint8_t *mag, size_t n, bool negative,
                           uint8_t scale);
/* NUMERIC byte length (sign included) for a precision: 5, 9, 13, 17. */
uint8_t wire_numeric_len(uint8_t precision);

/* DATETIME: days since 1900-01-01 and 1/300 s ticks from Unix microseconds. */
void wire_datetime_encode(int64_t time_us, int32_t *days, uint32_t *ticks);
int64_t wire_datetime_decode(int32_t days, uint32_t ticks);
/* DATETIME2(scale): days since 0001-01-01 and 10^-scale units; `ns` is
 * lab_value.time_ns (the 100 ns digit of DATETIME2(7)). */
void wire_datetime2_encode(int64_t time_us, uint16_t ns, uint8_t scale, uint32_t *days,
                           uint64_t *units);
int64_t wire_datetime2_decode(uint32_t days, uint64_t units, uint8_t scale, uint16_t *ns);

#endif
