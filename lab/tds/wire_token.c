/*
 * wire_token: the response token writers (MS-TDS 2.2.7): DONE family,
 * INFO/ERROR, ENVCHANGE, LOGINACK, RETURNSTATUS, COLMETADATA with the
 * TYPE_INFO SQL Server sends (fixed types for NOT NULL columns, the N
 * forms for nullable ones), ROW and NBCROW. Encodings depend on the
 * negotiated version: 7.1 gets 4-byte row counts, 2-byte user types and
 * line numbers and no MAX types; DATETIME2 needs 7.3, NBCROW 7.3B.
 * Row rule: NBCROW exactly when a value is NULL (and 7.3B+), ROW
 * otherwise; a NULL bitmap never costs more than the NULL markers it
 * replaces for the types the lab sends, and ROW is what clients see most.
 */
#include "lab/tds/wire.h"

#include <string.h>

const uint8_t wire_collation[5] = {0x09, 0x04, 0xD0, 0x00, 0x34};

#define NVARCHAR_MAX_CHARS 4000
#define VARCHAR_MAX_BYTES  8000
#define MESSAGE_MAX_UNITS  4000
#define PLP_NULL           0xFFFFFFFFFFFFFFFFull

/* Column type as sent: version downgrades applied. */
struct coltype {
	enum lab_type type;
	uint32_t max; /* bytes for character/binary types */
	bool plp;     /* (MAX) type */
	uint8_t precision, scale;
	bool nullable;
};

static void patch_u16(struct strbuf *sb, size_t at, size_t value)
{
	sb->ptr[at] = (char)(value & 0xFF);
	sb->ptr[at + 1] = (char)(value >> 8 & 0xFF);
}

void wire_tok_done(struct strbuf *sb, uint32_t version, uint8_t token, uint16_t status,
                   uint16_t curcmd, uint64_t rowcount)
{
	wire_put_u8(sb, token);
	wire_put_u16le(sb, status);
	wire_put_u16le(sb, curcmd);
	if (version >= WIRE_V72)
		wire_put_u64le(sb, rowcount);
	else
		wire_put_u32le(sb, (uint32_t)rowcount);
}

void wire_tok_message(struct strbuf *sb, uint32_t version, const struct lab_message *msg)
{
	const char *text = msg->text ? msg->text : "";
	size_t at, count_at, units;

	wire_put_u8(sb, msg->is_error ? WIRE_TOK_ERROR : WIRE_TOK_INFO);
	at = sb->len;
	wire_put_u16le(sb, 0);
	wire_put_u32le(sb, (uint32_t)msg->number);
	wire_put_u8(sb, msg->state);
	wire_put_u8(sb, msg->severity);
	count_at = sb->len;
	wire_put_u16le(sb, 0);
	units = wire_put_utf16(sb, text, strlen(text), MESSAGE_MAX_UNITS);
	patch_u16(sb, count_at, units);
	wire_put_bvarchar(sb, msg->server);
	wire_put_bvarchar(sb, msg->proc);
	if (version >= WIRE_V72)
		wire_put_u32le(sb, (uint32_t)msg->line);
	else
		wire_put_u16le(sb, (uint16_t)msg->line);
	patch_u16(sb, at, sb->len - at - 2);
}

void wire_tok_env_text(struct strbuf *sb, uint8_t type, const char *new_value,
                       const char *old_value)
{
	size_t at;

	wire_put_u8(sb, WIRE_TOK_ENVCHANGE);
	at = sb->len;
	wire_put_u16le(sb, 0);
	wire_put_u8(sb, type);
	wire_put_bvarchar(sb, new_value);
	wire_put_bvarchar(sb, old_value);
	patch_u16(sb, at, sb->len - at - 2);
}

void wire_tok_env_bytes(struct strbuf *sb, uint8_t type, const uint8_t *new_value, uint8_t new_len,
                        const uint8_t *old_value, uint8_t old_len)
{
	wire_put_u8(sb, WIRE_TOK_ENVCHANGE);
	wire_put_u16le(sb, (uint16_t)(3 + new_len + old_len));
	wire_put_u8(sb, type);
	wire_put_u8(sb, new_len);
	wire_put_bytes(sb, new_value, new_len);
	wire_put_u8(sb, old_len);
	wire_put_bytes(sb, old_value, old_len);
}

void wire_tok_loginack(struct strbuf *sb, uint32_t version, const char *prog_name)
{
	size_t at;

	wire_put_u8(sb, WIRE_TOK_LOGINACK);
	at = sb->len;
	wire_put_u16le(sb, 0);
	wire_put_u8(sb, 1); /* SQL_TSQL */
	wire_put_u32be(sb, version);
	wire_put_bvarchar(sb, prog_name);
	wire_put_bytes(sb, "\x10\x00\x03\xe8", 4); /* 16.0.1000 */
	patch_u16(sb, at, sb->len - at - 2);
}

void wire_tok_returnstatus(struct strbuf *sb, int32_t status)
{
	wire_put_u8(sb, WIRE_TOK_RETURNSTATUS);
	wire_put_u32le(sb, (uint32_t)status);
}

static void col_effective(struct coltype *t, const struct lab_column *c, uint32_t version)
{
	memset(t, 0, sizeof(*t));
	t->type = c->type;
	t->nullable = c->nullable;
	t->precision = c->precision ? c->precision : 18;
	t->scale = c->scale <= t->precision ? c->scale : t->precision;
	if (t->precision > 38)
		t->precision = 38;
	if (t->type == LAB_T_DATETIME2 && version < WIRE_V73A)
		t->type = LAB_T_DATETIME;
	if (t->type == LAB_T_DATETIME2)
		t->scale = c->scale > 7 ? 7 : c->scale;
	if (t->type == LAB_T_NVARCHAR || t->type == LAB_T_VARCHAR || t->type == LAB_T_VARBINARY) {
		uint32_t limit = t->type == LAB_T_NVARCHAR ? NVARCHAR_MAX_CHARS : VARCHAR_MAX_BYTES;
		uint32_t unit = t->type == LAB_T_NVARCHAR ? 2 : 1;

		if (c->length < 0 || (uint32_t)c->length > limit) {
			t->plp = version >= WIRE_V72;
			t->max = limit * unit;
		} else {
			t->max = (c->length ? (uint32_t)c->length : 1) * unit;
		}
	}
}

static void put_intlike(struct strbuf *sb, const struct coltype *t, uint8_t fixed, uint8_t size)
{
	wire_put_u8(sb, t->nullable ? (size == 1 && fixed == 0x32 ? 0x68 : 0x26) : fixed);
	if (t->nullable)
		wire_put_u8(sb, size);
}

static void put_type_info(struct strbuf *sb, const struct coltype *t)
{
	switch (t->type) {
	case LAB_T_INT:
		put_intlike(sb, t, 0x38, 4);
		break;
	case LAB_T_BIGINT:
		put_intlike(sb, t, 0x7F, 8);
		break;
	case LAB_T_SMALLINT:
		put_intlike(sb, t, 0x34, 2);
		break;
	case LAB_T_TINYINT:
		put_intlike(sb, t, 0x30, 1);
		break;
	case LAB_T_BIT:
		put_intlike(sb, t, 0x32, 1);
		break;
	case LAB_T_FLOAT:
		wire_put_bytes(sb, t->nullable ? "\x6d\x08" : "\x3e", t->nullable ? 2 : 1);
		break;
	case LAB_T_DATETIME:
		wire_put_bytes(sb, t->nullable ? "\x6f\x08" : "\x3d", t->nullable ? 2 : 1);
		break;
	case LAB_T_DATETIME2:
		wire_put_u8(sb, 0x2A);
		wire_put_u8(sb, t->scale);
		break;
	case LAB_T_UNIQUEIDENTIFIER:
		wire_put_bytes(sb, "\x24\x10", 2);
		break;
	case LAB_T_NUMERIC:
		wire_put_u8(sb, 0x6C);
		wire_put_u8(sb, wire_numeric_len(t->precision));
		wire_put_u8(sb, t->precision);
		wire_put_u8(sb, t->scale);
		break;
	case LAB_T_NVARCHAR:
	case LAB_T_VARCHAR:
	case LAB_T_VARBINARY:
		wire_put_u8(sb, t->type == LAB_T_NVARCHAR  ? 0xE7
		                : t->type == LAB_T_VARCHAR ? 0xA7
		                                           : 0xA5);
		wire_put_u16le(sb, t->plp ? 0xFFFF : (uint16_t)t->max);
		if (t->type != LAB_T_VARBINARY)
			wire_put_bytes(sb, wire_collation, 5);
		break;
	}
}

void wire_tok_colmetadata(struct strbuf *sb, uint32_t version, const struct lab_column *cols,
                          size_t n)
{
	size_t i;

	wire_put_u8(sb, WIRE_TOK_COLMETADATA);
	wire_put_u16le(sb, (uint16_t)n);
	for (i = 0; i < n; i++) {
		struct coltype t;

		col_effective(&t, &cols[i], version);
		if (version >= WIRE_V72)
			wire_put_u32le(sb, 0);
		else
			wire_put_u16le(sb, 0);
		wire_put_u16le(sb, t.nullable ? 0x0001 : 0x0000);
		put_type_info(sb, &t);
		wire_put_bvarchar(sb, cols[i].name);
	}
}

/* The NULL marker of a column type in a ROW token. */
static void put_null(struct strbuf *sb, const struct coltype *t)
{
	static const uint8_t zeros[8] = {0};

	if (t->plp) {
		wire_put_u64le(sb, PLP_NULL);
	} else if (t->type == LAB_T_NVARCHAR || t->type == LAB_T_VARCHAR ||
	           t->type == LAB_T_VARBINARY) {
		wire_put_u16le(sb, 0xFFFF);
	} else if (!t->nullable && t->type != LAB_T_DATETIME2 && t->type != LAB_T_NUMERIC &&
	           t->type != LAB_T_UNIQUEIDENTIFIER) {
		/* a NOT NULL fixed type cannot carry NULL in a ROW: send zero */
		size_t size = t->type == LAB_T_BIGINT || t->type == LAB_T_FLOAT ||
		                              t->type == LAB_T_DATETIME
		                      ? 8
		              : t->type == LAB_T_INT      ? 4
		              : t->type == LAB_T_SMALLINT ? 2
		                                          : 1;
		wire_put_bytes(sb, zeros, size);
	} else {
		wire_put_u8(sb, 0);
	}
}

/* Character and binary values: the bytes as sent, capped to the column. */
static void value_bytes(struct strbuf *out, const struct coltype *t, const struct lab_value *v)
{
	const char *s = v->s ? v->s : "";
	size_t len = v->s ? v->slen : 0;

	if (t->type == LAB_T_NVARCHAR)
		wire_put_utf16(out, s, len, t->plp ? (size_t)-1 : t->max / 2);
	else if (t->type == LAB_T_VARCHAR)
		wire_put_cp1252(out, s, len);
	else
		wire_put_bytes(out, s, len);
	if (!t->plp && out->len > t->max)
		strbuf_truncate(out, t->max);
}

static void put_varlen(struct strbuf *sb, const struct coltype *t, const struct lab_value *v)
{
	struct strbuf tmp = STRBUF_INIT;

	value_bytes(&tmp, t, v);
	if (t->plp) {
		wire_put_u64le(sb, tmp.len);
		if (tmp.len) {
			wire_put_u32le(sb, (uint32_t)tmp.len);
			wire_put_bytes(sb, tmp.ptr, tmp.len);
		}
		wire_put_u32le(sb, 0);
	} else {
		wire_put_u16le(sb, (uint16_t)tmp.len);
		wire_put_bytes(sb, tmp.ptr, tmp.len);
	}
	strbuf_release(&tmp);
}

static void put_numeric(struct strbuf *sb, const struct coltype *t, const struct lab_value *v)
{
	uint8_t mag[16];
	bool negative;
	uint8_t len = wire_numeric_len(t->precision);
	size_t i;

	if (wire_numeric_from_text(mag, &negative, v->s ? v->s : "", v->s ? v->slen : 0, t->scale) <
	    0) {
		wire_put_u8(sb, 0); /* unrepresentable: NULL rather than a broken stream */
		return;
	}
	for (i = (size_t)len - 1; i < 16; i++)
		if (mag[i]) {
			wire_put_u8(sb, 0);
			return;
		}
	wire_put_u8(sb, len);
	wire_put_u8(sb, negative ? 0 : 1);
	wire_put_bytes(sb, mag, (size_t)len - 1);
}

static void put_le(struct strbuf *sb, uint64_t v, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		wire_put_u8(sb, (uint8_t)(v >> (8 * i)));
}

static void put_datetime2(struct strbuf *sb, const struct coltype *t, int64_t us, uint16_t ns)
{
	uint32_t days;
	uint64_t units;
	size_t tlen = t->scale <= 2 ? 3 : t->scale <= 4 ? 4 : 5;

	wire_datetime2_encode(us, ns, t->scale, &days, &units);
	wire_put_u8(sb, (uint8_t)(tlen + 3));
	put_le(sb, units, tlen);
	put_le(sb, days, 3);
}

static void put_value(struct strbuf *sb, const struct coltype *t, const struct lab_value *v)
{
	size_t size = 0;
	uint64_t bits;
	int32_t days;
	uint32_t ticks;

	switch (t->type) {
	case LAB_T_INT:
		size = 4;
		break;
	case LAB_T_BIGINT:
		size = 8;
		break;
	case LAB_T_SMALLINT:
		size = 2;
		break;
	case LAB_T_TINYINT:
		size = 1;
		break;
	case LAB_T_BIT:
		if (t->nullable)
			wire_put_u8(sb, 1);
		wire_put_u8(sb, v->i != 0);
		return;
	case LAB_T_FLOAT:
		memcpy(&bits, &v->f, 8);
		if (t->nullable)
			wire_put_u8(sb, 8);
		wire_put_u64le(sb, bits);
		return;
	case LAB_T_DATETIME:
		wire_datetime_encode(v->time_us, &days, &ticks);
		if (t->nullable)
			wire_put_u8(sb, 8);
		wire_put_u32le(sb, (uint32_t)days);
		wire_put_u32le(sb, ticks);
		return;
	case LAB_T_DATETIME2:
		put_datetime2(sb, t, v->time_us, v->time_ns);
		return;
	case LAB_T_UNIQUEIDENTIFIER:
		wire_put_u8(sb, 16);
		wire_put_bytes(sb, v->guid, 16);
		return;
	case LAB_T_NUMERIC:
		put_numeric(sb, t, v);
		return;
	case LAB_T_NVARCHAR:
	case LAB_T_VARCHAR:
	case LAB_T_VARBINARY:
		put_varlen(sb, t, v);
		return;
	}
	if (t->nullable)
		wire_put_u8(sb, (uint8_t)size);
	put_le(sb, (uint64_t)v->i, size);
}

void wire_tok_row(struct strbuf *sb, uint32_t version, const struct lab_column *cols,
                  const struct lab_value *vals, size_t n)
{
	bool nbc = false;
	size_t i;

	for (i = 0; i < n && version >= WIRE_V73B; i++)
		nbc = nbc || vals[i].is_null;
	wire_put_u8(sb, nbc ? WIRE_TOK_NBCROW : WIRE_TOK_ROW);
	if (nbc) {
		size_t at = sb->len;
		for (i = 0; i < (n + 7) / 8; i++)
			wire_put_u8(sb, 0);
		for (i = 0; i < n; i++)
			if (vals[i].is_null)
				sb->ptr[at + i / 8] = (char)(sb->ptr[at + i / 8] | 1 << (i % 8));
	}
	for (i = 0; i < n; i++) {
		struct coltype t;

		col_effective(&t, &cols[i], version);
		if (vals[i].is_null) {
			if (!nbc)
				put_null(sb, &t);
		} else {
			put_value(sb, &t, &vals[i]);
		}
	}
}

/* The declared type a RETURNVALUE carries for a value: the value's own
 * type at its widest non-MAX size (the lab keeps no parameter type). */
static void retval_column(struct lab_column *col, const struct lab_value *v)
{
	memset(col, 0, sizeof(*col));
	col->name = "";
	col->type = v->type;
	col->nullable = true;
	switch (v->type) {
	case LAB_T_NVARCHAR:
		col->length = v->slen > 8000 ? -1 : 4000;
		break;
	case LAB_T_VARCHAR:
	case LAB_T_VARBINARY:
		col->length = v->slen > 8000 ? -1 : 8000;
		break;
	case LAB_T_NUMERIC: {
		const char *dot = v->s ? memchr(v->s, '.', v->slen) : NULL;

		col->precision = 38;
		col->scale = dot ? (uint8_t)(v->s + v->slen - dot - 1) : 0;
		break;
	}
	case LAB_T_DATETIME2:
		col->scale = 7;
		break;
	default:
		break;
	}
}

void wire_tok_returnvalue(struct strbuf *sb, uint32_t version, uint16_t ordinal, const char *name,
                          const struct lab_value *v)
{
	struct lab_column col;
	struct coltype t;

	retval_column(&col, v);
	col_effective(&t, &col, version);
	wire_put_u8(sb, WIRE_TOK_RETURNVALUE);
	wire_put_u16le(sb, ordinal);
	wire_put_bvarchar(sb, name);
	wire_put_u8(sb, 0x01); /* an output parameter */
	if (version >= WIRE_V72)
		wire_put_u32le(sb, 0);
	else
		wire_put_u16le(sb, 0);
	wire_put_u16le(sb, 0x0001); /* nullable */
	put_type_info(sb, &t);
	if (v->is_null)
		put_null(sb, &t);
	else
		put_value(sb, &t, v);
}
