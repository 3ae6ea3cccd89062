/*
 * convert: CAST and CONVERT between the lab's types, with SQL Server's
 * error numbers and texts when a conversion fails (245, 241, 8114, 8115,
 * 8169, 220, 529). DATETIME is rounded to its 1/300 s ticks as SQL Server
 * stores it. CONVERT styles: 0/100, 23, 108, 112, 120, 121, 126 for
 * date/time to text; other styles are treated as the default.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/value.h"

static int conv_err(struct sqlerr *err, int32_t number, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

static int conv_err(struct sqlerr *err, int32_t number, const char *fmt, ...)
{
	va_list ap;

	err->number = number;
	err->severity = 16;
	err->state = 1;
	va_start(ap, fmt);
	vsnprintf(err->text, sizeof(err->text), fmt, ap);
	va_end(ap);
	return -1;
}

static const char *type_label(const struct lab_value *v)
{
	return sqlval_type_name(v->type);
}

static int64_t round_datetime(int64_t us)
{
	int64_t day = us / 86400000000LL, rem = us % 86400000000LL;
	int64_t ticks;

	if (rem < 0) {
		rem += 86400000000LL;
		day--;
	}
	ticks = (rem * 300 + 500000) / 1000000;
	return day * 86400000000LL + ticks * 1000000 / 300;
}

/* Normalise a decimal string to scale `s` (rounding half away from zero)
 * and check it fits precision `p`. p == 0: only validate. 0, -1 bad
 * syntax, -2 overflow. */
static int decimal_fit(const char *in, size_t n, int p, int s, struct arena *a, const char **out)
{
	char digits[96];
	size_t nd = 0, ip = 0, fp = 0, k;
	bool neg = false, point = false, carry;
	const char *q = in, *end = in + n;

	while (q < end && isspace((unsigned char)*q))
		q++;
	while (end > q && isspace((unsigned char)end[-1]))
		end--;
	if (q < end && (*q == '-' || *q == '+'))
		neg = *q++ == '-';
	for (; q < end; q++) {
		if (*q == '.' && !point) {
			point = true;
		} else if (isdigit((unsigned char)*q) && nd < sizeof(digits) - 2) {
			digits[nd++] = *q;
			point ? fp++ : ip++;
		} else {
			return -1;
		}
	}
	if (nd == 0)
		return -1;
	if (p == 0) {
		*out = arena_strndup(a, in, n);
		return 0;
	}
	carry = (int)fp > s && digits[ip + (size_t)s] >= '5';
	nd = ip + ((int)fp < s ? fp : (size_t)s);
	for (k = nd; carry && k-- > 0;) {
		carry = digits[k] == '9';
		digits[k] = carry ? '0' : (char)(digits[k] + 1);
	}
	{
		char buf[128];
		size_t o = 0, lead = 0;

		while (lead + 1 < ip && digits[lead] == '0' && !carry)
			lead++;
		if (neg)
			buf[o++] = '-';
		if (carry)
			buf[o++] = '1';
		memcpy(buf + o, digits + lead, ip - lead);
		o += ip - lead;
		if ((int)(ip - lead + carry) > p - s && !(ip - lead == 1 && digits[lead] == '0'))
			return -2;
		if (s > 0) {
			buf[o++] = '.';
			for (int i = 0; i < s; i++)
				buf[o++] = ip + (size_t)i < nd ? digits[ip + (size_t)i] : '0';
		}
		*out = arena_strndup(a, buf, o);
	}
	return 0;
}

static void time_style(char *buf, size_t cap, const struct lab_value *v, int style)
{
	char full[48];

	sqlval_format_time(full, sizeof(full), v->time_us, v->time_ns,
	                   v->type == LAB_T_DATETIME ? 3 : 7);
	switch (style) {
	case 23:
		snprintf(buf, cap, "%.10s", full);
		break;
	case 108:
		snprintf(buf, cap, "%.8s", full + 11);
		break;
	case 112:
		snprintf(buf, cap, "%.4s%.2s%.2s", full, full + 5, full + 8);
		break;
	case 120:
		snprintf(buf, cap, "%.19s", full);
		break;
	case 121:
		snprintf(buf, cap, "%s", full);
		break;
	case 126:
		full[10] = 'T';
		snprintf(buf, cap, "%s", full);
		break;
	default: {
		size_t n;
		struct arena tmp = ARENA_INIT;
		const char *t = sqlval_text(v, &tmp, &n);

		snprintf(buf, cap, "%s", t);
		arena_release(&tmp);
	}
	}
}

static size_t utf8_prefix(const char *s, size_t n, int32_t chars)
{
	size_t i = 0;

	for (int32_t c = 0; i < n && c < chars; c++) {
		i++;
		while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
			i++;
	}
	return i;
}

static int to_text(struct lab_value *out, const struct lab_value *in, const struct sqltype *to,
                   int style, struct arena *a)
{
	size_t n;
	const char *t;
	char buf[64];

	if (sqlval_is_time(in->type) && style >= 0) {
		time_style(buf, sizeof(buf), in, style);
		t = buf;
		n = strlen(buf);
	} else {
		t = sqlval_text(in, a, &n);
	}
	if (to->length >= 0)
		n = utf8_prefix(t, n, to->length); /* VARCHAR: CP1252, a byte a character */
	*out = sqlval_str(a, to->type, t, n);
	return 0;
}

static int int_range(int64_t i, enum lab_type t, struct sqlerr *err)
{
	int64_t lo = INT64_MIN, hi = INT64_MAX;

	if (t == LAB_T_INT) {
		lo = INT32_MIN;
		hi = INT32_MAX;
	} else if (t == LAB_T_SMALLINT) {
		lo = INT16_MIN;
		hi = INT16_MAX;
	} else if (t == LAB_T_TINYINT) {
		lo = 0;
		hi = 255;
	}
	if (i < lo || i > hi)
		return conv_err(err, 220,
		                "Arithmetic overflow error for data type %s, value = %" PRId64 ".",
		                sqlval_type_name(t), i);
	return 0;
}

static int text_to_int(int64_t *i, const struct lab_value *in, enum lab_type t, struct sqlerr *err)
{
	char buf[40];
	size_t n = in->slen;
	const char *s = in->s;
	char *end;

	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (t == LAB_T_BIT && (n == 4 || n == 5) &&
	    (strncasecmp(s, "true", n) == 0 || strncasecmp(s, "false", n) == 0)) {
		*i = n == 4;
		return 0;
	}
	if (n == 0 || n >= sizeof(buf))
		goto bad;
	memcpy(buf, s, n);
	buf[n] = '\0';
	*i = strtoll(buf, &end, 10);
	if (*end || !(isdigit((unsigned char)buf[0]) || buf[0] == '-' || buf[0] == '+'))
		goto bad;
	return 0;
bad:
	return conv_err(
	        err, 245, "Conversion failed when converting the %s value '%.*s' to data type %s.",
	        type_label(in), (int)(in->slen > 400 ? 400 : in->slen), in->s, sqlval_type_name(t));
}

static int to_int(struct lab_value *out, const struct lab_value *in, enum lab_type t,
                  struct sqlerr *err)
{
	int64_t i = 0;

	if (sqlval_is_int(in->type)) {
		i = in->i;
	} else if (in->type == LAB_T_FLOAT) {
		if (!(in->f <= 9.2e18 && in->f >= -9.2e18)) /* also NaN */
			return conv_err(err, 8115,
			                "Arithmetic overflow error converting %s to data type %s.",
			                "expression", sqlval_type_name(t));
		i = (int64_t)in->f;
	} else if (in->type == LAB_T_NUMERIC) {
		i = strtoll(in->s, NULL, 10);
	} else if (sqlval_is_text(in->type)) {
		if (text_to_int(&i, in, t, err))
			return -1;
	} else {
		return conv_err(err, 529,
		                "Explicit conversion from data type %s to %s is not allowed.",
		                type_label(in), sqlval_type_name(t));
	}
	if (t == LAB_T_BIT)
		i = i != 0;
	else if (int_range(i, t, err))
		return -1;
	*out = sqlval_int(t, i);
	return 0;
}

static int to_numeric(struct lab_value *out, const struct lab_value *in, const struct sqltype *to,
                      struct arena *a, struct sqlerr *err)
{
	char buf[64];
	const char *src = buf, *res;
	size_t n;
	int rc;

	if (sqlval_is_int(in->type))
		snprintf(buf, sizeof(buf), "%" PRId64, in->i);
	else if (in->type == LAB_T_FLOAT)
		snprintf(buf, sizeof(buf), "%.*f", to->precision ? to->scale : 6, in->f);
	else if (in->type == LAB_T_NUMERIC || sqlval_is_text(in->type))
		src = in->s;
	else
		return conv_err(err, 529,
		                "Explicit conversion from data type %s to %s is not allowed.",
		                type_label(in), "numeric");
	n = src == buf ? strlen(buf) : in->slen;
	rc = decimal_fit(src, n, to->precision, to->scale, a, &res);
	if (rc == -1)
		return conv_err(err, 8114, "Error converting data type %s to numeric.",
		                type_label(in));
	if (rc == -2)
		return conv_err(err, 8115,
		                "Arithmetic overflow error converting %s to data type numeric.",
		                type_label(in));
	*out = sqlval_null(LAB_T_NUMERIC);
	out->is_null = false;
	out->s = res;
	out->slen = strlen(res);
	return 0;
}

static int to_float(struct lab_value *out, const struct lab_value *in, struct sqlerr *err)
{
	char *end;
	double f;

	if (sqlval_is_num(in->type)) {
		*out = sqlval_float(sqlval_double(in));
		return 0;
	}
	if (!sqlval_is_text(in->type))
		return conv_err(err, 529,
		                "Explicit conversion from data type %s to %s is not allowed.",
		                type_label(in), "float");
	f = strtod(in->s, &end);
	while (*end == ' ')
		end++;
	if (end == in->s || *end)
		return conv_err(err, 8114, "Error converting data type %s to float.",
		                type_label(in));
	*out = sqlval_float(f);
	return 0;
}

static int to_time(struct lab_value *out, const struct lab_value *in, enum lab_type t,
                   struct sqlerr *err)
{
	int64_t us;
	uint16_t ns = 0;

	if (sqlval_is_time(in->type)) {
		us = in->time_us;
		ns = in->time_ns;
	} else if (sqlval_is_text(in->type)) {
		if (sqlval_parse_time(&us, &ns, in->s, in->slen))
			return conv_err(err, 241,
			                "Conversion failed when converting date and/or time from "
			                "character string.");
	} else if (sqlval_is_int(in->type) && t == LAB_T_DATETIME) {
		us = (in->i - 25567) * 86400000000LL; /* days since 1900-01-01 */
	} else {
		return conv_err(err, 529,
		                "Explicit conversion from data type %s to %s is not allowed.",
		                type_label(in), sqlval_type_name(t));
	}
	*out = sqlval_time(t, t == LAB_T_DATETIME ? round_datetime(us) : us);
	out->time_ns = t == LAB_T_DATETIME ? 0 : ns;
	return 0;
}

static int to_guid(struct lab_value *out, const struct lab_value *in, struct sqlerr *err)
{
	*out = sqlval_null(LAB_T_UNIQUEIDENTIFIER);
	out->is_null = false;
	if (in->type == LAB_T_UNIQUEIDENTIFIER) {
		memcpy(out->guid, in->guid, 16);
		return 0;
	}
	if (sqlval_is_text(in->type)) {
		if (sqlval_parse_guid(out->guid, in->s, in->slen))
			return conv_err(err, 8169,
			                "Conversion failed when converting from a character string "
			                "to uniqueidentifier.");
		return 0;
	}
	return conv_err(err, 529, "Explicit conversion from data type %s to %s is not allowed.",
	                type_label(in), "uniqueidentifier");
}

int sqlval_convert(struct lab_value *out, const struct lab_value *in, const struct sqltype *to,
                   int style, struct arena *a, struct sqlerr *err)
{
	struct lab_value src = *in; /* out may be in */

	in = &src;
	if (in->is_null) {
		*out = sqlval_null(to->type);
		return 0;
	}
	switch (to->type) {
	case LAB_T_NVARCHAR:
	case LAB_T_VARCHAR:
		return to_text(out, in, to, style, a);
	case LAB_T_VARBINARY:
		if (in->type == LAB_T_UNIQUEIDENTIFIER) {
			*out = sqlval_str(a, LAB_T_VARBINARY, (const char *)in->guid, 16);
			return 0;
		}
		if (sqlval_is_text(in->type) || in->type == LAB_T_VARBINARY) {
			*out = sqlval_str(a, LAB_T_VARBINARY, in->s, in->slen);
			return 0;
		}
		return conv_err(err, 529,
		                "Explicit conversion from data type %s to %s is not allowed.",
		                type_label(in), "varbinary");
	case LAB_T_NUMERIC:
		return to_numeric(out, in, to, a, err);
	case LAB_T_FLOAT:
		return to_float(out, in, err);
	case LAB_T_DATETIME:
	case LAB_T_DATETIME2:
		return to_time(out, in, to->type, err);
	case LAB_T_UNIQUEIDENTIFIER:
		return to_guid(out, in, err);
	default:
		return to_int(out, in, to->type, err);
	}
}
