/*
 * value: construction, text rendering and comparison of lab values, and
 * LIKE. Conversions (CAST/CONVERT) are in convert.c, calendar and GUID
 * text in value_time.c.
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
		sqlval_format_style0(buf, sizeof(buf), v->time_us);
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

int64_t sqlval_i64(const struct lab_value *v)
{
	double d;

	if (v->is_null)
		return 0;
	if (sqlval_is_int(v->type))
		return v->i;
	d = sqlval_double(v);
	if (!(d == d))
		return 0;
	if (d >= 9.2e18)
		return INT64_MAX;
	if (d <= -9.2e18)
		return INT64_MIN;
	return (int64_t)d;
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
