/*
 * wire_value: the numeric and date conversions behind TDS value
 * encodings (MS-TDS 2.2.5.5.1): NUMERIC/DECIMAL as sign + 128-bit
 * little-endian magnitude from and to decimal text (LSNs are
 * NUMERIC(25,0)), DATETIME as days since 1900 + 1/300 s ticks, DATETIME2
 * as days since 0001-01-01 + 10^-scale units. Pure arithmetic, no I/O.
 */
#include "lab/tds/wire.h"

#include <string.h>

#include "util/err.h"

#define US_PER_DAY     86400000000LL
#define DAYS_1900_1970 25567
#define DAYS_0001_1970 719162

/* mag (4 x 32-bit words, least significant first) = mag * 10 + digit */
static int mag_mul10_add(uint32_t w[4], uint32_t digit)
{
	uint64_t carry = digit;
	size_t i;

	for (i = 0; i < 4; i++) {
		uint64_t v = (uint64_t)w[i] * 10 + carry;
		w[i] = (uint32_t)v;
		carry = v >> 32;
	}
	return carry ? -1 : 0;
}

/* mag /= 10, returning the remainder */
static uint32_t mag_div10(uint32_t w[4])
{
	uint64_t rem = 0;
	size_t i = 4;

	while (i-- > 0) {
		uint64_t v = rem << 32 | w[i];
		w[i] = (uint32_t)(v / 10);
		rem = v % 10;
	}
	return (uint32_t)rem;
}

int wire_numeric_from_text(uint8_t mag[16], bool *negative, const char *text, size_t len,
                           uint8_t scale)
{
	uint32_t w[4] = {0, 0, 0, 0};
	size_t i = 0, frac = 0, digits = 0;
	bool dot = false, round_up = false;

	*negative = false;
	if (i < len && (text[i] == '-' || text[i] == '+'))
		*negative = text[i++] == '-';
	for (; i < len; i++) {
		char c = text[i];
		if (c == '.' && !dot) {
			dot = true;
			continue;
		}
		if (c < '0' || c > '9')
			return err_set(ERR_INVALID, "numeric: bad character in '%.*s'", (int)len,
			               text);
		digits++;
		if (dot && frac >= scale) {
			if (frac == scale)
				round_up = c >= '5';
			frac++;
			continue;
		}
		frac += dot;
		if (mag_mul10_add(w, (uint32_t)(c - '0')) < 0)
			return err_set(ERR_LIMIT, "numeric: '%.*s' overflows", (int)len, text);
	}
	if (!digits)
		return err_set(ERR_INVALID, "numeric: no digits in '%.*s'", (int)len, text);
	for (; frac < scale; frac++)
		if (mag_mul10_add(w, 0) < 0)
			return err_set(ERR_LIMIT, "numeric: '%.*s' overflows", (int)len, text);
	if (round_up) {
		uint64_t c = 1;
		for (i = 0; i < 4 && c; i++) {
			uint64_t v = (uint64_t)w[i] + c;
			w[i] = (uint32_t)v;
			c = v >> 32;
		}
		if (c)
			return err_set(ERR_LIMIT, "numeric: '%.*s' overflows", (int)len, text);
	}
	for (i = 0; i < 16; i++)
		mag[i] = (uint8_t)(w[i / 4] >> (8 * (i % 4)));
	return 0;
}

char *wire_numeric_to_text(struct arena *a, const uint8_t *mag, size_t n, bool negative,
                           uint8_t scale)
{
	uint32_t w[4] = {0, 0, 0, 0};
	char rev[48];
	char out[50];
	size_t i, nd = 0, o = 0;

	for (i = 0; i < n && i < 16; i++)
		w[i / 4] |= (uint32_t)mag[i] << (8 * (i % 4));
	do {
		rev[nd++] = (char)('0' + mag_div10(w));
	} while ((w[0] | w[1] | w[2] | w[3]) != 0 && nd < sizeof(rev));
	while (nd <= scale && nd < sizeof(rev))
		rev[nd++] = '0';
	if (negative)
		out[o++] = '-';
	while (nd > 0) {
		out[o++] = rev[--nd];
		if (nd == scale && scale > 0)
			out[o++] = '.';
	}
	return arena_strndup(a, out, o);
}

uint8_t wire_numeric_len(uint8_t precision)
{
	if (precision <= 9)
		return 5;
	if (precision <= 19)
		return 9;
	if (precision <= 28)
		return 13;
	return 17;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void wire_datetime_encode(int64_t time_us, int32_t *days, uint32_t *ticks)
{
	int64_t d = floor_div(time_us, US_PER_DAY);
	int64_t rem = time_us - d * US_PER_DAY;
	int64_t t = (rem * 3 + 5000) / 10000; /* 1/300 s, rounded */

	if (t >= 300LL * 86400) {
		d++;
		t = 0;
	}
	*days = (int32_t)(d + DAYS_1900_1970);
	*ticks = (uint32_t)t;
}

int64_t wire_datetime_decode(int32_t days, uint32_t ticks)
{
	int64_t us = ((int64_t)ticks * 10000 + 1) / 3;
	return ((int64_t)days - DAYS_1900_1970) * US_PER_DAY + us;
}

static int64_t pow10_i(unsigned e)
{
	int64_t v = 1;
	while (e--)
		v *= 10;
	return v;
}

void wire_datetime2_encode(int64_t time_us, uint16_t ns, uint8_t scale, uint32_t *days,
                           uint64_t *units)
{
	int64_t d = floor_div(time_us, US_PER_DAY);
	int64_t ticks = (time_us - d * US_PER_DAY) * 10 + (ns % 1000) / 100; /* 100 ns */
	int64_t div, u;

	if (scale > 7)
		scale = 7;
	div = pow10_i(7u - scale);
	u = (ticks + div / 2) / div;
	if (u >= 86400LL * pow10_i(scale)) {
		d++;
		u = 0;
	}
	*days = (uint32_t)(d + DAYS_0001_1970);
	*units = (uint64_t)u;
}

int64_t wire_datetime2_decode(uint32_t days, uint64_t units, uint8_t scale, uint16_t *ns)
{
	int64_t base = ((int64_t)days - DAYS_0001_1970) * US_PER_DAY;
	int64_t ticks;

	if (scale > 7)
		scale = 7;
	ticks = (int64_t)units * pow10_i(7u - scale); /* units < 10^12: no overflow */
	*ns = (uint16_t)(ticks % 10 * 100);
	return base + ticks / 10;
}
