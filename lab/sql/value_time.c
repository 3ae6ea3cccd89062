/*
 * value_time: the calendar (proleptic Gregorian, UTC, microseconds since
 * 1970 plus DATETIME2's 100 ns digit) and GUID text of lab values:
 * parsing 'YYYY-MM-DD[ T]hh:mm[:ss[.fffffff]]' and 'YYYYMMDD', printing
 * ODBC canonical and CAST style 0 forms, and GUIDs between their display
 * form and SQL Server's wire byte order. No time zones, no languages
 * other than us_english month names, no DATEFORMAT.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lab/sql/value.h"

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
	return lab_clock_now_us(); /* the lab clock (clock.c): the wall clock unless scaled */
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
void sqlval_format_style0(char *buf, size_t cap, int64_t us)
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
