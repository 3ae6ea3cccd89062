/*
 * wire_request: decoding of client requests after login: ALL_HEADERS
 * (MS-TDS 2.2.5.3), SQL_BATCH (2.2.6.7), RPC with its parameters
 * (2.2.6.6: TYPE_INFO and value of every type our clients send, by name
 * or by well-known ProcID) and TRANSACTION MANAGER (2.2.6.9). Values are
 * turned into engine values (struct lab_value) in an arena. It does not
 * execute anything and rejects what it cannot decode exactly, so the
 * stream never silently desynchronises.
 */
#include "lab/tds/wire.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/vec.h"

#define RPC_NAME_MAX_CHARS 1024
#define PLP_NULL           0xFFFFFFFFFFFFFFFFull
#define DATETIME_MIN_DAYS  (-53690) /* 1753-01-01 */
#define DATETIME_MAX_DAYS  2958463  /* 9999-12-31 */

/* n bytes (which may hold NULs) copied into the arena, NUL-terminated. */
static char *arena_memdup(struct arena *a, const void *p, size_t n)
{
	char *out = arena_alloc(a, n + 1);

	if (n)
		memcpy(out, p, n);
	out[n] = '\0';
	return out;
}

/* Skip ALL_HEADERS (7.2+). */
static int skip_all_headers(struct wire_reader *r, uint32_t version)
{
	uint32_t total;

	if (version < WIRE_V72)
		return 0;
	total = wire_get_u32le(r);
	if (r->bad || total < 4 || total > r->len)
		return err_set(ERR_INVALID, "bad ALL_HEADERS length %u", total);
	r->pos = total;
	return 0;
}

int wire_batch_parse(char **sql, const uint8_t *p, size_t n, uint32_t version)
{
	struct wire_reader r;
	int error;

	*sql = NULL;
	wire_reader_init(&r, p, n);
	if ((error = skip_all_headers(&r, version)) < 0)
		return error;
	*sql = wire_utf16_to_utf8(p + r.pos, n - r.pos, NULL);
	return 0;
}

int wire_tm_parse(struct wire_tm *out, const uint8_t *p, size_t n, uint32_t version)
{
	struct wire_reader r;
	int error;

	memset(out, 0, sizeof(*out));
	wire_reader_init(&r, p, n);
	if ((error = skip_all_headers(&r, version)) < 0)
		return error;
	out->type = wire_get_u16le(&r);
	if (r.bad)
		return err_set(ERR_INVALID, "transaction manager request truncated");
	if (out->type == WIRE_TM_BEGIN) {
		out->isolation = wire_get_u8(&r);
	} else if (out->type == WIRE_TM_COMMIT || out->type == WIRE_TM_ROLLBACK) {
		size_t name = wire_get_u8(&r);
		(void)wire_get_bytes(&r, 2 * name);
		out->begin_new = (wire_get_u8(&r) & 0x01) != 0;
		if (out->begin_new)
			out->isolation = wire_get_u8(&r);
	}
	if (r.bad)
		return err_set(ERR_INVALID, "transaction manager request truncated");
	return 0;
}

const char *wire_procid_name(uint16_t id)
{
	static const char *const names[] = {
	        NULL,
	        "sp_cursor",
	        "sp_cursoropen",
	        "sp_cursorprepare",
	        "sp_cursorexecute",
	        "sp_cursorprepexec",
	        "sp_cursorunprepare",
	        "sp_cursorfetch",
	        "sp_cursoroption",
	        "sp_cursorclose",
	        "sp_executesql",
	        "sp_prepare",
	        "sp_execute",
	        "sp_prepexec",
	        "sp_prepexecrpc",
	        "sp_unprepare",
	};
	return id < sizeof(names) / sizeof(names[0]) ? names[id] : NULL;
}

/* TYPE_INFO of one parameter. */
struct ptype {
	uint8_t tds;
	uint32_t max;
	uint8_t precision, scale;
	bool plp;
};

static bool is_fixed(uint8_t t, size_t *size)
{
	switch (t) {
	case 0x1F:
		*size = 0;
		return true; /* NULLTYPE */
	case 0x30:
	case 0x32:
		*size = 1;
		return true;
	case 0x34:
		*size = 2;
		return true;
	case 0x38:
	case 0x3B:
	case 0x3A:
	case 0x7A:
		*size = 4;
		return true;
	case 0x7F:
	case 0x3E:
	case 0x3D:
	case 0x3C:
		*size = 8;
		return true;
	default:
		return false;
	}
}

static int read_type_info(struct ptype *t, struct wire_reader *r)
{
	size_t size;

	memset(t, 0, sizeof(*t));
	t->tds = wire_get_u8(r);
	if (is_fixed(t->tds, &size)) {
		t->max = (uint32_t)size;
		return 0;
	}
	switch (t->tds) {
	case 0x26:
	case 0x68:
	case 0x6D:
	case 0x6F:
	case 0x24:
	case 0x6E:
		t->max = wire_get_u8(r);
		break;
	case 0x6A:
	case 0x6C:
		t->max = wire_get_u8(r);
		t->precision = wire_get_u8(r);
		t->scale = wire_get_u8(r);
		if (t->max > 17 || t->scale > 38)
			return err_set(ERR_INVALID, "rpc: bad decimal type");
		break;
	case 0x28:
		break;
	case 0x29:
	case 0x2A:
	case 0x2B:
		t->scale = wire_get_u8(r);
		if (t->scale > 7)
			return err_set(ERR_INVALID, "rpc: bad time scale %u", t->scale);
		break;
	case 0xA7:
	case 0xAF:
	case 0xE7:
	case 0xEF:
	case 0xA5:
	case 0xAD:
		t->max = wire_get_u16le(r);
		t->plp = t->max == 0xFFFF;
		if (t->tds != 0xA5 && t->tds != 0xAD)
			(void)wire_get_bytes(r, 5);
		break;
	case 0x23:
	case 0x63:
	case 0x22:
		t->max = wire_get_u32le(r);
		if (t->tds != 0x22)
			(void)wire_get_bytes(r, 5);
		break;
	default:
		return err_set(ERR_INVALID, "rpc: unsupported parameter type 0x%02x", t->tds);
	}
	return r->bad ? err_set(ERR_INVALID, "rpc: truncated type info") : 0;
}

/* Read a PLP value into *out (arena), or NULL. */
static int read_plp(struct arena *a, struct wire_reader *r, const uint8_t **out, size_t *len,
                    bool *is_null)
{
	uint64_t total = wire_get_u64le(r);
	struct strbuf sb = STRBUF_INIT;

	*is_null = total == PLP_NULL;
	*out = NULL;
	*len = 0;
	if (r->bad || *is_null)
		return r->bad ? err_set(ERR_INVALID, "rpc: truncated value") : 0;
	wire_put_bytes(&sb, "", 0);
	for (;;) {
		uint32_t chunk = wire_get_u32le(r);
		const uint8_t *p;

		if (chunk == 0 || r->bad)
			break;
		if (!(p = wire_get_bytes(r, chunk)))
			break;
		wire_put_bytes(&sb, p, chunk);
	}
	if (!r->bad) {
		*out = (const uint8_t *)arena_memdup(a, sb.ptr, sb.len);
		*len = sb.len;
	}
	strbuf_release(&sb);
	return r->bad ? err_set(ERR_INVALID, "rpc: truncated value") : 0;
}

/* The raw value bytes of a parameter: NULL marks a NULL value. */
static int read_raw(struct arena *a, const struct ptype *t, struct wire_reader *r,
                    const uint8_t **raw, size_t *len)
{
	size_t size;
	bool is_null = false;

	*raw = NULL;
	if (is_fixed(t->tds, &size)) {
		*len = size;
		*raw = size ? wire_get_bytes(r, size) : NULL;
	} else if (t->plp) {
		int error = read_plp(a, r, raw, len, &is_null);
		if (error < 0 || is_null)
			return error;
		if (!*raw)
			*raw = (const uint8_t *)"";
	} else if (t->tds == 0x23 || t->tds == 0x63 || t->tds == 0x22) {
		uint32_t n = wire_get_u32le(r);
		if (n == 0xFFFFFFFFu)
			return r->bad ? err_set(ERR_INVALID, "rpc: truncated value") : 0;
		*len = n;
		*raw = wire_get_bytes(r, n);
	} else if (t->tds >= 0xA0) {
		uint16_t n = wire_get_u16le(r);
		if (n == 0xFFFF)
			return r->bad ? err_set(ERR_INVALID, "rpc: truncated value") : 0;
		*len = n;
		*raw = wire_get_bytes(r, n);
	} else {
		*len = wire_get_u8(r);
		*raw = *len ? wire_get_bytes(r, *len) : NULL;
	}
	return r->bad ? err_set(ERR_INVALID, "rpc: truncated value") : 0;
}

static uint64_t le(const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	while (n--)
		v = v << 8 | p[n];
	return v;
}

static int64_t sign_extend(uint64_t v, size_t n)
{
	if (n < 8 && (v >> (8 * n - 1) & 1))
		v |= ~0ull << (8 * n);
	return (int64_t)v;
}

static int decode_int(struct lab_value *v, const uint8_t *raw, size_t len, bool bit)
{
	static const enum lab_type by_size[9] = {LAB_T_INT, LAB_T_TINYINT, LAB_T_SMALLINT,
	                                         LAB_T_INT, LAB_T_INT,     LAB_T_INT,
	                                         LAB_T_INT, LAB_T_INT,     LAB_T_BIGINT};
	if (len != 1 && len != 2 && len != 4 && len != 8)
		return err_set(ERR_INVALID, "rpc: bad integer length %zu", len);
	v->type = bit ? LAB_T_BIT : by_size[len];
	v->i = len == 1 ? (int64_t)raw[0] : sign_extend(le(raw, len), len);
	if (bit)
		v->i = raw[0] != 0;
	return 0;
}

static int decode_float(struct lab_value *v, const uint8_t *raw, size_t len)
{
	uint64_t bits = le(raw, len);

	v->type = LAB_T_FLOAT;
	if (len == 8) {
		memcpy(&v->f, &bits, 8);
	} else if (len == 4) {
		uint32_t b32 = (uint32_t)bits;
		float f;
		memcpy(&f, &b32, 4);
		v->f = f;
	} else {
		return err_set(ERR_INVALID, "rpc: bad float length %zu", len);
	}
	return 0;
}

static int decode_money(struct arena *a, struct lab_value *v, const uint8_t *raw, size_t len)
{
	int64_t m;
	uint8_t mag[8];
	size_t i;

	if (len == 8)
		m = (int64_t)(le(raw, 4) << 32 | le(raw + 4, 4));
	else if (len == 4)
		m = sign_extend(le(raw, 4), 4);
	else
		return err_set(ERR_INVALID, "rpc: bad money length %zu", len);
	for (i = 0; i < 8; i++)
		mag[i] = (uint8_t)((uint64_t)(m < 0 ? -(uint64_t)m : (uint64_t)m) >> (8 * i));
	v->type = LAB_T_NUMERIC;
	v->s = wire_numeric_to_text(a, mag, 8, m < 0, 4);
	v->slen = strlen(v->s);
	return 0;
}

static int decode_datetime(struct lab_value *v, const uint8_t *raw, size_t len)
{
	v->type = LAB_T_DATETIME;
	if (len == 8 &&
	    ((int32_t)le(raw, 4) < DATETIME_MIN_DAYS || (int32_t)le(raw, 4) > DATETIME_MAX_DAYS))
		return err_set(ERR_INVALID, "rpc: datetime out of range");
	if (len == 8)
		v->time_us = wire_datetime_decode((int32_t)le(raw, 4), (uint32_t)le(raw + 4, 4));
	else if (len == 4) /* SMALLDATETIME: days, minutes */
		v->time_us = wire_datetime_decode((int32_t)le(raw, 2),
		                                  (uint32_t)le(raw + 2, 2) * 60 * 300);
	else
		return err_set(ERR_INVALID, "rpc: bad datetime length %zu", len);
	return 0;
}

/* DATEN, TIMEN, DATETIME2N, DATETIMEOFFSETN */
static int decode_time(struct lab_value *v, const struct ptype *t, const uint8_t *raw, size_t len)
{
	size_t tlen = t->tds == 0x28 ? 0 : t->scale <= 2 ? 3 : t->scale <= 4 ? 4 : 5;
	size_t want = tlen + (t->tds == 0x29 ? 0 : 3) + (t->tds == 0x2B ? 2 : 0);
	uint64_t units;
	uint32_t days;

	if (len != want) /* checked before any byte is read */
		return err_set(ERR_INVALID, "rpc: bad date/time length %zu", len);
	units = tlen ? le(raw, tlen) : 0;
	days = t->tds == 0x29 ? 719162 : (uint32_t)le(raw + tlen, 3);
	v->type = LAB_T_DATETIME2;
	v->time_us = wire_datetime2_decode(days, units, t->scale, &v->time_ns);
	return 0;
}

static int decode_text(struct arena *a, struct lab_value *v, const struct ptype *t,
                       const uint8_t *raw, size_t len)
{
	char *s = NULL;
	size_t n = 0;

	if (t->tds == 0xE7 || t->tds == 0xEF || t->tds == 0x63) {
		v->type = LAB_T_NVARCHAR;
		s = wire_utf16_to_utf8(raw, len, &n);
	} else if (t->tds == 0xA7 || t->tds == 0xAF || t->tds == 0x23) {
		v->type = LAB_T_VARCHAR;
		s = wire_cp1252_to_utf8(raw, len, &n);
	} else {
		v->type = LAB_T_VARBINARY;
		v->s = arena_memdup(a, raw, len);
		v->slen = len;
		return 0;
	}
	v->s = arena_memdup(a, s, n);
	v->slen = n;
	free(s);
	return 0;
}

static int decode_value(struct arena *a, struct lab_value *v, const struct ptype *t,
                        const uint8_t *raw, size_t len)
{
	switch (t->tds) {
	case 0x30:
	case 0x34:
	case 0x38:
	case 0x7F:
	case 0x26:
		return decode_int(v, raw, len, false);
	case 0x32:
	case 0x68:
		return decode_int(v, raw, len, true);
	case 0x3B:
	case 0x3E:
	case 0x6D:
		return decode_float(v, raw, len);
	case 0x3C:
	case 0x7A:
	case 0x6E:
		return decode_money(a, v, raw, len);
	case 0x3A:
	case 0x3D:
	case 0x6F:
		return decode_datetime(v, raw, len);
	case 0x28:
	case 0x29:
	case 0x2A:
	case 0x2B:
		return decode_time(v, t, raw, len);
	case 0x24:
		if (len != 16)
			return err_set(ERR_INVALID, "rpc: bad uniqueidentifier length %zu", len);
		v->type = LAB_T_UNIQUEIDENTIFIER;
		memcpy(v->guid, raw, 16);
		return 0;
	case 0x6A:
	case 0x6C:
		if (len < 2)
			return err_set(ERR_INVALID, "rpc: bad decimal length %zu", len);
		v->type = LAB_T_NUMERIC;
		v->s = wire_numeric_to_text(a, raw + 1, len - 1, raw[0] == 0, t->scale);
		v->slen = strlen(v->s);
		return 0;
	default:
		return decode_text(a, v, t, raw, len);
	}
}

/* One parameter: name, status, TYPE_INFO, value. */
static int read_param(struct arena *a, struct lab_param *prm, struct wire_reader *r)
{
	size_t name_chars = wire_get_u8(r);
	const uint8_t *name = wire_get_bytes(r, 2 * name_chars);
	uint8_t status = wire_get_u8(r);
	struct ptype t;
	const uint8_t *raw = NULL;
	size_t len = 0;
	int error;

	memset(prm, 0, sizeof(*prm));
	if (r->bad)
		return err_set(ERR_INVALID, "rpc: truncated parameter");
	if (name_chars) {
		char *s = wire_utf16_to_utf8(name, 2 * name_chars, NULL);
		prm->name = arena_strdup(a, s);
		free(s);
	}
	prm->output = (status & 0x01) != 0;
	if ((error = read_type_info(&t, r)) < 0 || (error = read_raw(a, &t, r, &raw, &len)) < 0)
		return error;
	prm->value.type = LAB_T_INT;
	prm->value.is_null = raw == NULL;
	if (raw == NULL)
		return 0;
	return decode_value(a, &prm->value, &t, raw, len);
}

static bool at_separator(const struct wire_reader *r, uint32_t version)
{
	uint8_t b;

	if (wire_remaining(r) == 0)
		return true;
	b = r->p[r->pos];
	return version >= WIRE_V72 ? (b == 0xFF || b == 0xFE) : b == 0x80;
}

static int read_call(struct arena *a, struct wire_rpc *call, struct wire_reader *r,
                     uint32_t version)
{
	VEC(struct lab_param) params = VEC_INIT;
	uint16_t name_len = wire_get_u16le(r);
	int error = 0;

	memset(call, 0, sizeof(*call));
	if (name_len == 0xFFFF) {
		uint16_t id = wire_get_u16le(r);
		if (!(call->proc = wire_procid_name(id)) && !r->bad)
			return err_set(ERR_INVALID, "rpc: unknown ProcID %u", id);
	} else if (name_len > RPC_NAME_MAX_CHARS) {
		return err_set(ERR_INVALID, "rpc: procedure name too long");
	} else {
		const uint8_t *p = wire_get_bytes(r, 2u * name_len);
		char *s = p ? wire_utf16_to_utf8(p, 2u * name_len, NULL) : NULL;
		call->proc = s ? arena_strdup(a, s) : NULL;
		free(s);
	}
	call->options = wire_get_u16le(r);
	if (r->bad)
		return err_set(ERR_INVALID, "rpc: truncated request");
	while (!at_separator(r, version)) {
		struct lab_param prm;

		if (params.len >= WIRE_RPC_MAX_PARAMS) {
			error = err_set(ERR_LIMIT, "rpc: more than %d parameters",
			                WIRE_RPC_MAX_PARAMS);
			goto done;
		}
		if ((error = read_param(a, &prm, r)) < 0)
			goto done;
		vec_push(&params, prm);
	}
	call->n_params = params.len;
	call->params = arena_calloc(a, params.len ? params.len : 1, sizeof(struct lab_param));
	if (params.len)
		memcpy(call->params, params.items, params.len * sizeof(struct lab_param));
done:
	vec_free(&params);
	return error;
}

int wire_rpc_parse(struct wire_rpc **calls, size_t *n_calls, struct arena *arena, const uint8_t *p,
                   size_t n, uint32_t version)
{
	struct wire_reader r;
	struct wire_rpc *out = arena_calloc(arena, WIRE_RPC_MAX_CALLS, sizeof(*out));
	size_t count = 0;
	int error;

	*calls = NULL;
	*n_calls = 0;
	wire_reader_init(&r, p, n);
	if ((error = skip_all_headers(&r, version)) < 0)
		return error;
	for (;;) {
		if (count == WIRE_RPC_MAX_CALLS)
			return err_set(ERR_LIMIT, "rpc: more than %d calls", WIRE_RPC_MAX_CALLS);
		if ((error = read_call(arena, &out[count], &r, version)) < 0)
			return error;
		count++;
		if (wire_remaining(&r) == 0)
			break;
		(void)wire_get_u8(&r); /* batch separator */
		if (wire_remaining(&r) == 0)
			break;
	}
	*calls = out;
	*n_calls = count;
	return 0;
}
