/*
 * value: construction, text rendering, calendar and GUID helpers, and
 * comparison of lab values. Conversions (CAST/CONVERT) are in convert.c.
 * Text compares like SQL_Latin1_General_CP1_CI_AS for ASCII: case
 * insensitive, trailing spaces ignored; other bytes compare as bytes.
 * NUMERIC values are decimal strings and compare exactly (LSNs are 25
 * digits, beyond int64); arithmetic on them is done elsewhere.
 */
#include "lab/sql/value.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/xalloc.h"

struct lab_value sqlval_null(enum lab_type t)
{
	struct lab_value v;

	memset(&v, 0, sizeof(v));
	v.is_null = true;
	v.type = t;
	return v;
}

struct lab_value sqlval_int(enum lab_type t, int64_t i)
{
	struct lab_value v = sqlval_null(t);

	v.is_null = false;
	v.i = i;
	return v;
}

struct lab_value sqlval_str(struct arena *a, enum lab_type t, const char *s, size_t n)
{
	struct lab_value v = sqlval_null(t);

	v.is_null = false;
	v.s = arena_strndup(a, s, n);
	v.slen = n;
	return v;
}

struct lab_value sqlval_cstr(struct arena *a, const char *s)
{
	return sqlval_str(a, LAB_T_NVARCHAR, s, strlen(s));
}

struct lab_value sqlval_time(enum lab_type t, int64_t us)
{
	struct lab_value v = sqlval_null(t);

	v.is_null = false;
	v.time_us = us;
	return v;
}

struct lab_value sqlval_float(double f)
{
	struct lab_value v = sqlval_null(LAB_T_FLOAT);

	v.is_null = false;
	v.f = f;
	return v;
}

bool sqlval_is_int(enum lab_type t)
{
	return t == LAB_T_INT || t == LAB_T_BIGINT || t == LAB_T_SMALLINT || t == LAB_T_TINYINT ||
	       t == LAB_T_BIT;
}

bool sqlval_is_text(enum lab_type t)
{
	return t == LAB_T_NVARCHAR || t == LAB_T_VARCHAR;
}

bool sqlval_is_num(enum lab_type t)
{
	return sqlval_is_int(t) || t == LAB_T_NUMERIC || t == LAB_T_FLOAT;
}

bool sqlval_is_time(enum lab_type t)
{
	return t == LAB_T_DATETIME || t == LAB_T_DATETIME2;
}

int sqlval_precedence(enum lab_type t)
{
	switch (t) {
	case LAB_T_DATETIME2:
		return 20;
	case LAB_T_DATETIME:
		return 19;
	case LAB_T_FLOAT:
		return 18;
	case LAB_T_NUMERIC:
		return 17;
	case LAB_T_BIGINT:
		return 16;
	case LAB_T_INT:
		return 15;
	case LAB_T_SMALLINT:
		return 14;
	case LAB_T_TINYINT:
		return 13;
	case LAB_T_BIT:
		return 12;
	case LAB_T_UNIQUEIDENTIFIER:
		return 11;
	case LAB_T_NVARCHAR:
		return 10;
	case LAB_T_VARCHAR:
		return 9;
	case LAB_T_VARBINARY:
		return 8;
	}
	return 0;
}

const char *sqlval_type_name(enum lab_type t)
{
	static const char *const names[] = {
	        "int",      "bigint",  "smallint",  "tinyint",   "bit",
	        "nvarchar", "varchar", "datetime",  "datetime2", "uniqueidentifier",
	        "numeric",  "float",   "varbinary",
	};

	if ((size_t)t < sizeof(names) / sizeof(names[0]))
		return names[t];
	return "sql_variant";
}

/* --- calendar ------------------------------------------------------- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, yy, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

int64_t sqlval_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int read_digits(const char **p, const char *end, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (*p >= end || !isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (**p - '0');
		(*p)++;
	}
	*out = v;
	return 0;
}

static int parse_clock(const char *p, const char *end, int64_t *us, uint16_t *ns)
{
	int hh, mi, ss = 0;
	int64_t frac = 0, scale = 10000000; /* 100 ns units */

	if (read_digits(&p, end, 2, &hh) || p >= end || *p++ != ':' || read_digits(&p, end, 2, &mi))
		return -1;
	if (p < end && *p == ':') {
		p++;
		if (read_digits(&p, end, 2, &ss))
			return -1;
		if (p < end && *p == '.') {
			p++;
			while (p < end && isdigit((unsigned char)*p)) {
				if (scale > 1) {
					scale /= 10;
					frac += (*p - '0') * scale;
				}
				p++;
			}
		}
	}
	if (p != end || hh > 23 || mi > 59 || ss > 59)
		return -1;
	*us = ((int64_t)hh * 3600 + mi * 60 + ss) * 1000000 + frac / 10;
	*ns = (uint16_t)(frac % 10 * 100);
	return 0;
}

int sqlval_parse_time(int64_t *us, uint16_t *ns, const char *s, size_t n)
{
	const char *p = s, *end = s + n;
	int y, m, d;
	int64_t clock = 0;
	uint16_t cns = 0;
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	while (p < end && *p == ' ')
		p++;
	while (end > p && end[-1] == ' ')
		end--;
	if (read_digits(&p, end, 4, &y))
		return -1;
	if (p < end && *p == '-') {
		p++;
		if (read_digits(&p, end, 2, &m) || p >= end || *p++ != '-' ||
		    read_digits(&p, end, 2, &d))
			return -1;
	} else if (read_digits(&p, end, 2, &m) || read_digits(&p, end, 2, &d)) {
		return -1;
	}
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	if (p < end) {
		if (*p != ' ' && *p != 'T')
			return -1;
		p++;
		if (parse_clock(p, end, &clock, &cns))
			return -1;
	}
	*us = days_from_civil(y, m, d) * 86400000000LL + clock;
	*ns = cns;
	return 0;
}

/* "YYYY-MM-DD HH:MM:SS" plus `digits` fraction digits (0..7; 7 gives
 * microseconds and a trailing 0, as datetime2(7) prints). */
void sqlval_format_time(char *buf, size_t cap, int64_t us, uint16_t ns, int digits)
{
	int64_t days = us / 86400000000LL, rem = us % 86400000000LL;
	int y, m, d;
	char frac[16] = "";

	if (rem < 0) {
		rem += 86400000000LL;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (digits > 0) {
		snprintf(frac, sizeof(frac), ".%06" PRId64 "%d", rem % 1000000, ns / 100 % 10);
		frac[digits + 1] = '\0';
	}
	snprintf(buf, cap, "%04d-%02d-%02d %02d:%02d:%02d%s", y, m, d, (int)(rem / 3600000000LL),
	         (int)(rem / 60000000 % 60), (int)(rem / 1000000 % 60), frac);
}

/* CAST(datetime AS varchar): style 0, "Nov 28 2026  1:19PM". */
static void format_style0(char *buf, size_t cap, int64_t us)
{
	static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	int64_t days = us / 86400000000LL, rem = us % 86400000000LL;
	int y, m, d, hh, mi;

	if (rem < 0) {
		rem += 86400000000LL;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	hh = (int)(rem / 3600000000LL);
	mi = (int)(rem / 60000000 % 60);
	snprintf(buf, cap, "%s %2d %d %2d:%02d%s", mon[m - 1], d, y, hh % 12 == 0 ? 12 : hh % 12,
	         mi, hh < 12 ? "AM" : "PM");
}

/* --- GUIDs ---------------------------------------------------------- */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int sqlval_parse_guid(uint8_t out[16], const char *s, size_t n)
{
	/* display order: data1(4) data2(2) data3(2) data4(8); wire order has
	 * data1..3 little endian */
	static const int wire[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
	uint8_t disp[16];
	size_t k = 0;

	if (n >= 2 && s[0] == '{' && s[n - 1] == '}') {
		s++;
		n -= 2;
	}
	if (n != 36)
		return -1;
	for (size_t i = 0; i < n;) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -1;
			i++;
			continue;
		}
		if (hexval(s[i]) < 0 || hexval(s[i + 1]) < 0)
			return -1;
		disp[k++] = (uint8_t)(hexval(s[i]) * 16 + hexval(s[i + 1]));
		i += 2;
	}
	for (int i = 0; i < 16; i++)
		out[wire[i]] = disp[i];
	return 0;
}

void sqlval_format_guid(char *buf, size_t cap, const uint8_t g[16])
{
	snprintf(buf, cap, "%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X",
	         g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12],
	         g[13], g[14], g[15]);
}

/* --- text ----------------------------------------------------------- */

static void format_float(char *buf, size_t cap, double f)
{
	snprintf(buf, cap, "%.15g", f);
}

const char *sqlval_text(const struct lab_value *v, struct arena *a, size_t *len)
{
	char buf[64];

	if (v->is_null) {
		*len = 0;
		return NULL;
	}
	switch (v->type) {
	case LAB_T_NVARCHAR:
	case LAB_T_VARCHAR:
	case LAB_T_NUMERIC:
	case LAB_T_VARBINARY:
		*len = v->slen;
		return v->s ? v->s : "";
	case LAB_T_FLOAT:
		format_float(buf, sizeof(buf), v->f);
		break;
	case LAB_T_DATETIME:
		format_style0(buf, sizeof(buf), v->time_us);
		break;
	case LAB_T_DATETIME2:
		sqlval_format_time(buf, sizeof(buf), v->time_us, v->time_ns, 7);
		break;
	case LAB_T_UNIQUEIDENTIFIER:
		sqlval_format_guid(buf, sizeof(buf), v->guid);
		break;
	default:
		snprintf(buf, sizeof(buf), "%" PRId64, v->i);
		break;
	}
	*len = strlen(buf);
	return arena_strdup(a, buf);
}

double sqlval_double(const struct lab_value *v)
{
	if (v->is_null)
		return 0;
	if (v->type == LAB_T_FLOAT)
		return v->f;
	if (v->type == LAB_T_NUMERIC)
		return v->s ? strtod(v->s, NULL) : 0;
	if (sqlval_is_int(v->type))
		return (double)v->i;
	return 0;
}

/* --- comparison ----------------------------------------------------- */

static int text_cmp(const char *x, size_t xn, const char *y, size_t yn)
{
	size_t i;

	while (xn > 0 && x[xn - 1] == ' ')
		xn--;
	while (yn > 0 && y[yn - 1] == ' ')
		yn--;
	for (i = 0; i < xn && i < yn; i++) {
		int cx = tolower((unsigned char)x[i]), cy = tolower((unsigned char)y[i]);

		if (cx != cy)
			return cx < cy ? -1 : 1;
	}
	return xn == yn ? 0 : (xn < yn ? -1 : 1);
}

/* Exact comparison of two decimal strings ("-12.50", "7"). */
static int magnitude_cmp(const char *x, const char *y)
{
	const char *dx = strchr(x, '.'), *dy = strchr(y, '.');
	size_t ix = dx ? (size_t)(dx - x) : strlen(x);
	size_t iy = dy ? (size_t)(dy - y) : strlen(y);
	int c;

	while (ix > 1 && *x == '0') {
		x++;
		ix--;
	}
	while (iy > 1 && *y == '0') {
		y++;
		iy--;
	}
	if (ix != iy)
		return ix < iy ? -1 : 1;
	c = strncmp(x, y, ix);
	if (c)
		return c < 0 ? -1 : 1;
	dx = dx ? dx + 1 : "";
	dy = dy ? dy + 1 : "";
	while (*dx || *dy) {
		char a = *dx ? *dx++ : '0', b = *dy ? *dy++ : '0';

		if (a != b)
			return a < b ? -1 : 1;
	}
	return 0;
}

static int decimal_cmp(const char *x, const char *y)
{
	bool nx = *x == '-', ny = *y == '-';
	int c;

	x += nx;
	y += ny;
	c = magnitude_cmp(x, y);
	if (nx == ny)
		return nx ? -c : c;
	if (strspn(x, "0.") == strlen(x) && strspn(y, "0.") == strlen(y))
		return 0;
	return nx ? -1 : 1;
}

int sqlval_compare(int *cmp, const struct lab_value *x, const struct lab_value *y, struct arena *a,
                   struct sqlerr *err)
{
	enum lab_type t =
	        sqlval_precedence(x->type) >= sqlval_precedence(y->type) ? x->type : y->type;
	struct sqltype to = {t, -1, 0, 0};
	struct lab_value cx, cy;

	if (sqlval_is_int(x->type) && sqlval_is_int(y->type)) {
		*cmp = (x->i > y->i) - (x->i < y->i);
		return 0;
	}
	if (t == LAB_T_NUMERIC && (x->type == LAB_T_FLOAT || y->type == LAB_T_FLOAT))
		to.type = t = LAB_T_FLOAT;
	if (sqlval_convert(&cx, x, &to, -1, a, err) || sqlval_convert(&cy, y, &to, -1, a, err))
		return -1;
	switch (t) {
	case LAB_T_NVARCHAR:
	case LAB_T_VARCHAR:
		*cmp = text_cmp(cx.s, cx.slen, cy.s, cy.slen);
		break;
	case LAB_T_VARBINARY: {
		size_t n = cx.slen < cy.slen ? cx.slen : cy.slen;
		int c = memcmp(cx.s, cy.s, n);

		*cmp = c ? (c < 0 ? -1 : 1) : (cx.slen > cy.slen) - (cx.slen < cy.slen);
		break;
	}
	case LAB_T_NUMERIC:
		*cmp = decimal_cmp(cx.s, cy.s);
		break;
	case LAB_T_FLOAT:
		*cmp = (cx.f > cy.f) - (cx.f < cy.f);
		break;
	case LAB_T_DATETIME:
	case LAB_T_DATETIME2:
		*cmp = (cx.time_us > cy.time_us) - (cx.time_us < cy.time_us);
		if (*cmp == 0)
			*cmp = (cx.time_ns > cy.time_ns) - (cx.time_ns < cy.time_ns);
		break;
	case LAB_T_UNIQUEIDENTIFIER: {
		int c = memcmp(cx.guid, cy.guid, 16);

		*cmp = (c > 0) - (c < 0);
		break;
	}
	default:
		*cmp = (cx.i > cy.i) - (cx.i < cy.i);
		break;
	}
	return 0;
}

/* --- LIKE ----------------------------------------------------------- */

static size_t utf8_len(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;

	return k <= n ? k : n;
}

/* Match one character of s against the pattern element at p; *pl gets
 * the element's length. -1: malformed set (treated as literal '['). */
static bool like_one(const char *s, size_t sn, const char *p, size_t pn, size_t *pl)
{
	int c = tolower((unsigned char)s[0]);

	if (p[0] == '_') {
		*pl = 1;
		return true;
	}
	if (p[0] == '[') {
		const char *close = memchr(p + 1, ']', pn - 1);

		if (close && close > p + 1) {
			const char *q = p + 1;
			bool neg = *q == '^', hit = false;

			q += neg;
			for (; q < close; q++) {
				if (q + 2 < close && q[1] == '-') {
					hit |= c >= tolower((unsigned char)q[0]) &&
					       c <= tolower((unsigned char)q[2]);
					q += 2;
				} else {
					hit |= c == tolower((unsigned char)*q);
				}
			}
			*pl = (size_t)(close - p) + 1;
			return neg ? !hit : hit;
		}
	}
	*pl = utf8_len(p, pn);
	(void)sn;
	return *pl <= sn && (*pl == 1 ? c == tolower((unsigned char)p[0]) : memcmp(s, p, *pl) == 0);
}

bool sqlval_like(const char *s, size_t sn, const char *p, size_t pn)
{
	size_t si = 0, pi = 0, star_p = (size_t)-1, star_s = 0;

	while (si < sn) {
		size_t pl = 0;

		if (pi < pn && p[pi] == '%') {
			star_p = ++pi;
			star_s = si;
			continue;
		}
		if (pi < pn && like_one(s + si, sn - si, p + pi, pn - pi, &pl)) {
			si += p[pi] == '_' || p[pi] == '[' ? utf8_len(s + si, sn - si) : pl;
			pi += pl;
			continue;
		}
		if (star_p == (size_t)-1)
			return false;
		pi = star_p;
		star_s += utf8_len(s + star_s, sn - star_s);
		si = star_s;
	}
	while (pi < pn && p[pi] == '%')
		pi++;
	return pi == pn;
}

/* --- copies --------------------------------------------------------- */

struct lab_value sqlval_dup(struct arena *a, const struct lab_value *v)
{
	struct lab_value c = *v;

	if (!v->is_null && v->s) {
		char *p = arena_alloc(a, v->slen + 1);

		memcpy(p, v->s, v->slen);
		c.s = p;
	}
	return c;
}

struct lab_value sqlval_dup_heap(const struct lab_value *v)
{
	struct lab_value c = *v;

	if (!v->is_null && v->s) {
		char *p = xmalloc(v->slen + 1);

		memcpy(p, v->s, v->slen);
		p[v->slen] = '\0';
		c.s = p;
	} else {
		c.s = NULL;
	}
	return c;
}

void sqlval_free_heap(struct lab_value *v)
{
	free((char *)v->s);
	v->s = NULL;
}
