/*
 * sqlquote: strict UTF-8 validation (no overlong forms, no surrogates,
 * nothing past U+10FFFF), bracket and N'' quoting, and the %I/%L format
 * builder. A quoted value is built in a scratch buffer first, so a
 * refused or oversized value never leaves half a token behind.
 */
#include "providers/mssql/sqlquote.h"

#include <stdarg.h>
#include <stdint.h>
#include <string.h>

#include "util/err.h"

/* Length of the UTF-8 sequence at s (n bytes left), 0 when invalid;
 * *cp receives the code point. */
static size_t sqlquote_utf8_seq(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c, min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		len = 2, c = s[0] & 0x1F, min = 0x80;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		len = 3, c = s[0] & 0x0F, min = 0x800;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		len = 4, c = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	*cp = c;
	return len;
}

int sqlquote_check_text(const char *s, size_t len, const char *what)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	uint32_t cp;

	while (i < len) {
		if (p[i] == '\0')
			return err_set(ERR_INVALID, "%s contains a NUL character at byte %zu", what,
			               i);
		n = sqlquote_utf8_seq(p + i, len - i, &cp);
		if (n == 0)
			return err_set(ERR_INVALID, "%s is not valid UTF-8 at byte %zu", what, i);
		i += n;
	}
	return 0;
}

/* UTF-16 units of valid UTF-8 text; -1 when it holds a control char. */
static long sqlquote_ident_units(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	long units = 0;
	uint32_t cp;

	while (i < len) {
		n = sqlquote_utf8_seq(p + i, len - i, &cp);
		if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
			return -1;
		units += cp >= 0x10000 ? 2 : 1;
		i += n;
	}
	return units;
}

/* Append `text` between `open` and `close`, doubling `close` inside. */
static int sqlquote_wrap(struct strbuf *sb, const char *open, const char *text, char close)
{
	struct strbuf tmp;
	const char *p;
	int error = 0;

	strbuf_init(&tmp, 0);
	strbuf_puts(&tmp, open);
	for (p = text; *p; p++) {
		strbuf_putc(&tmp, *p);
		if (*p == close)
			strbuf_putc(&tmp, close);
	}
	strbuf_putc(&tmp, close);
	error = strbuf_add(sb, tmp.ptr, tmp.len);
	strbuf_release(&tmp);
	return error;
}

int sqlquote_ident(struct strbuf *sb, const char *name)
{
	size_t len;
	long units;
	int error;

	if (!name || !*name)
		return err_set(ERR_INVALID, "an empty SQL identifier is refused");
	len = strlen(name);
	if ((error = sqlquote_check_text(name, len, "SQL identifier")) < 0)
		return error;
	units = sqlquote_ident_units(name, len);
	if (units < 0)
		return err_set(ERR_INVALID, "SQL identifier contains a control character");
	if (units > SQLQUOTE_IDENT_MAX)
		return err_set(ERR_INVALID, "SQL identifier is longer than %d characters",
		               SQLQUOTE_IDENT_MAX);
	return sqlquote_wrap(sb, "[", name, ']');
}

int sqlquote_literal(struct strbuf *sb, const char *text)
{
	int error;

	if (!text)
		return err_set(ERR_INVALID, "a NULL SQL string is refused");
	if ((error = sqlquote_check_text(text, strlen(text), "SQL string")) < 0)
		return error;
	return sqlquote_wrap(sb, "N'", text, '\'');
}

void sqlquote_init(struct sqlquote *q, size_t limit)
{
	strbuf_init(&q->sb, limit ? limit : SQLQUOTE_LIMIT_DEFAULT);
	q->error = 0;
}

static int sqlquote_directive(struct sqlquote *q, char d, va_list *ap)
{
	switch (d) {
	case 'I':
		return sqlquote_ident(&q->sb, va_arg(*ap, const char *));
	case 'L':
		return sqlquote_literal(&q->sb, va_arg(*ap, const char *));
	case 'd':
		return strbuf_printf(&q->sb, "%d", va_arg(*ap, int));
	case 'u':
		return strbuf_printf(&q->sb, "%u", va_arg(*ap, unsigned));
	case '%':
		return strbuf_putc(&q->sb, '%');
	default:
		return err_set(ERR_INVALID, "unknown directive '%%%c' in a T-SQL template",
		               d ? d : '0');
	}
}

void sqlquote_add(struct sqlquote *q, const char *fmt, ...)
{
	va_list ap;
	const char *p = fmt, *pct;
	size_t mark = q->sb.len;

	if (q->error)
		return;
	va_start(ap, fmt);
	while (!q->error && *p) {
		pct = strchr(p, '%');
		if (!pct) {
			q->error = strbuf_puts(&q->sb, p);
			break;
		}
		q->error = strbuf_add(&q->sb, p, (size_t)(pct - p));
		if (!q->error)
			q->error = sqlquote_directive(q, pct[1], &ap);
		p = pct[1] ? pct + 2 : pct + 1;
	}
	va_end(ap);
	if (q->error)
		strbuf_truncate(&q->sb, mark);
}

int sqlquote_error(const struct sqlquote *q)
{
	return q->error;
}

const char *sqlquote_cstr(const struct sqlquote *q)
{
	return strbuf_cstr(&q->sb);
}

char *sqlquote_detach(struct sqlquote *q)
{
	return strbuf_detach(&q->sb, NULL);
}

void sqlquote_release(struct sqlquote *q)
{
	if (q)
		strbuf_release(&q->sb);
}
