/*
 * wire_buf: the byte-level helpers of the TDS codec: a bounded reader
 * with a sticky error flag, little/big-endian writers into a strbuf, and
 * the text conversions the protocol needs (UTF-8 <-> UTF-16LE, UTF-8 <->
 * Windows-1252). It knows nothing about packets or tokens.
 */
#include "lab/tds/wire.h"

#include <string.h>

#include "util/xalloc.h"

void wire_reader_init(struct wire_reader *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->pos = 0;
	r->bad = false;
}

size_t wire_remaining(const struct wire_reader *r)
{
	return r->bad ? 0 : r->len - r->pos;
}

const uint8_t *wire_get_bytes(struct wire_reader *r, size_t n)
{
	const uint8_t *p;

	if (r->bad || n > r->len - r->pos) {
		r->bad = true;
		return NULL;
	}
	p = r->p + r->pos;
	r->pos += n;
	return p;
}

uint8_t wire_get_u8(struct wire_reader *r)
{
	const uint8_t *p = wire_get_bytes(r, 1);
	return p ? p[0] : 0;
}

uint16_t wire_get_u16le(struct wire_reader *r)
{
	const uint8_t *p = wire_get_bytes(r, 2);
	return p ? (uint16_t)(p[0] | p[1] << 8) : 0;
}

uint16_t wire_get_u16be(struct wire_reader *r)
{
	const uint8_t *p = wire_get_bytes(r, 2);
	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

uint32_t wire_get_u32le(struct wire_reader *r)
{
	const uint8_t *p = wire_get_bytes(r, 4);
	return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	                       (uint32_t)p[3] << 24
	         : 0;
}

uint64_t wire_get_u64le(struct wire_reader *r)
{
	uint64_t lo = wire_get_u32le(r);
	uint64_t hi = wire_get_u32le(r);
	return lo | hi << 32;
}

void wire_put_bytes(struct strbuf *sb, const void *p, size_t n)
{
	/* output buffers are unbounded: strbuf_add cannot fail */
	(void)strbuf_add(sb, p, n);
}

void wire_put_u8(struct strbuf *sb, uint8_t v)
{
	wire_put_bytes(sb, &v, 1);
}

void wire_put_u16le(struct strbuf *sb, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	wire_put_bytes(sb, b, 2);
}

void wire_put_u16be(struct strbuf *sb, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	wire_put_bytes(sb, b, 2);
}

void wire_put_u32le(struct strbuf *sb, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	wire_put_bytes(sb, b, 4);
}

void wire_put_u32be(struct strbuf *sb, uint32_t v)
{
	uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
	wire_put_bytes(sb, b, 4);
}

void wire_put_u64le(struct strbuf *sb, uint64_t v)
{
	wire_put_u32le(sb, (uint32_t)v);
	wire_put_u32le(sb, (uint32_t)(v >> 32));
}

/* Decode one UTF-8 code point at s[*i]; invalid sequences give U+FFFD. */
static uint32_t utf8_next(const unsigned char *s, size_t len, size_t *i)
{
	unsigned char c = s[*i];
	uint32_t cp;
	size_t need, k;

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		cp = c & 0x07;
	} else {
		(*i)++;
		return 0xFFFD;
	}
	if (len - *i <= need) {
		*i = len;
		return 0xFFFD;
	}
	for (k = 1; k <= need; k++) {
		if ((s[*i + k] & 0xC0) != 0x80) {
			*i += k;
			return 0xFFFD;
		}
		cp = cp << 6 | (s[*i + k] & 0x3F);
	}
	*i += need + 1;
	if ((need == 2 && cp < 0x800) || (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0xFFFD;
	return cp;
}

size_t wire_put_utf16(struct strbuf *sb, const char *utf8, size_t len, size_t max_units)
{
	const unsigned char *s = (const unsigned char *)utf8;
	size_t i = 0, units = 0;

	while (i < len) {
		uint32_t cp = utf8_next(s, len, &i);

		if (cp >= 0x10000) {
			if (units + 2 > max_units)
				break;
			cp -= 0x10000;
			wire_put_u16le(sb, (uint16_t)(0xD800 | cp >> 10));
			wire_put_u16le(sb, (uint16_t)(0xDC00 | (cp & 0x3FF)));
			units += 2;
		} else {
			if (units + 1 > max_units)
				break;
			wire_put_u16le(sb, (uint16_t)cp);
			units++;
		}
	}
	return units;
}

static void put_counted(struct strbuf *sb, const char *utf8, size_t width, size_t max)
{
	size_t at = sb->len;
	size_t units;

	if (width == 1)
		wire_put_u8(sb, 0);
	else
		wire_put_u16le(sb, 0);
	units = wire_put_utf16(sb, utf8 ? utf8 : "", utf8 ? strlen(utf8) : 0, max);
	sb->ptr[at] = (char)(units & 0xFF);
	if (width == 2)
		sb->ptr[at + 1] = (char)(units >> 8);
}

void wire_put_bvarchar(struct strbuf *sb, const char *utf8)
{
	put_counted(sb, utf8, 1, 255);
}

void wire_put_usvarchar(struct strbuf *sb, const char *utf8)
{
	put_counted(sb, utf8, 2, 65535);
}

static void put_utf8(struct strbuf *sb, uint32_t cp)
{
	uint8_t b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (uint8_t)(0xC0 | cp >> 6);
		b[1] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (uint8_t)(0xE0 | cp >> 12);
		b[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
		b[2] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		b[0] = (uint8_t)(0xF0 | cp >> 18);
		b[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
		b[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
		b[3] = (uint8_t)(0x80 | (cp & 0x3F));
		n = 4;
	}
	wire_put_bytes(sb, b, n);
}

char *wire_utf16_to_utf8(const uint8_t *p, size_t nbytes, size_t *out_len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	wire_put_bytes(&sb, "", 0);
	for (i = 0; i + 1 < nbytes; i += 2) {
		uint32_t u = (uint32_t)(p[i] | p[i + 1] << 8);

		if (u >= 0xD800 && u <= 0xDBFF && i + 3 < nbytes) {
			uint32_t lo = (uint32_t)(p[i + 2] | p[i + 3] << 8);
			if (lo >= 0xDC00 && lo <= 0xDFFF) {
				u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
				i += 2;
			}
		}
		if (u >= 0xD800 && u <= 0xDFFF)
			u = 0xFFFD;
		put_utf8(&sb, u);
	}
	return strbuf_detach(&sb, out_len);
}

/* Windows-1252 0x80..0x9F; 0 marks the five undefined bytes. */
static const uint16_t cp1252_high[32] = {
        0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
};

char *wire_cp1252_to_utf8(const uint8_t *p, size_t n, size_t *out_len)
{
	struct strbuf sb = STRBUF_INIT;
	size_t i;

	wire_put_bytes(&sb, "", 0);
	for (i = 0; i < n; i++) {
		uint32_t cp = p[i];

		if (cp >= 0x80 && cp <= 0x9F)
			cp = cp1252_high[cp - 0x80] ? cp1252_high[cp - 0x80] : cp;
		put_utf8(&sb, cp);
	}
	return strbuf_detach(&sb, out_len);
}

static uint8_t cp1252_from(uint32_t cp)
{
	size_t k;

	if (cp < 0x80 || (cp >= 0xA0 && cp <= 0xFF))
		return (uint8_t)cp;
	for (k = 0; k < 32; k++)
		if (cp1252_high[k] == cp)
			return (uint8_t)(0x80 + k);
	return '?';
}

void wire_put_cp1252(struct strbuf *sb, const char *utf8, size_t len)
{
	const unsigned char *s = (const unsigned char *)utf8;
	size_t i = 0;

	while (i < len)
		wire_put_u8(sb, cp1252_from(utf8_next(s, len, &i)));
}
