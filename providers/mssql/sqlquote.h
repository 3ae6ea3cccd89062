/*
 * sqlquote: the one module that builds T-SQL text. Every name and value
 * that reaches SQL Server goes through here: identifiers as [name] with
 * `]` doubled, values as N'text' with `'` doubled. Text that is not valid
 * UTF-8 or holds a NUL is refused, never passed on (a NUL would end the
 * string early in db-lib; an invalid sequence could be re-decoded into a
 * quote by a lenient converter). Identifiers are also refused when empty,
 * longer than sysname (128 UTF-16 units) or holding a control character.
 *
 * The builder appends to a bounded strbuf with a small format language
 * that has no way to insert raw text (there is no %s):
 *
 *   struct sqlquote q;
 *   sqlquote_init(&q, 0);
 *   sqlquote_add(&q, "SELECT name FROM sys.databases WHERE name = %L;", db);
 *   sqlquote_add(&q, "ALTER DATABASE %I SET PARTNER OFF;", db);
 *   if ((error = sqlquote_error(&q)) < 0) ...; sql = sqlquote_cstr(&q);
 *
 * The first error sticks; later appends do nothing. It does not execute
 * anything (providers/mssql/mssql.c does) and knows no catalog.
 */
#ifndef PCDR_PROVIDERS_MSSQL_SQLQUOTE_H
#define PCDR_PROVIDERS_MSSQL_SQLQUOTE_H

#include <stddef.h>

#include "util/strbuf.h"

#define SQLQUOTE_IDENT_MAX     128           /* sysname, in UTF-16 units */
#define SQLQUOTE_LIMIT_DEFAULT (1024 * 1024) /* one batch */

/* 0 when `len` bytes at `s` are valid UTF-8 without NUL; else ERR_INVALID
 * with a message naming `what` (never quoting the text itself). */
int sqlquote_check_text(const char *s, size_t len, const char *what);

/* Append [name]. ERR_INVALID (refused) or ERR_LIMIT; `sb` unchanged then. */
int sqlquote_ident(struct strbuf *sb, const char *name);

/* Append N'text'. ERR_INVALID (refused) or ERR_LIMIT; `sb` unchanged then. */
int sqlquote_literal(struct strbuf *sb, const char *text);

struct sqlquote {
	struct strbuf sb;
	int error; /* first error, sticky */
};

/* limit: largest text in bytes; 0 means SQLQUOTE_LIMIT_DEFAULT. */
void sqlquote_init(struct sqlquote *q, size_t limit);

/*
 * Append `fmt` with its directives replaced:
 *   %I  const char *: identifier, [..]     %L  const char *: literal, N'..'
 *   %d  int           %u  unsigned         %%  a percent sign
 * Any other directive is a programming error: ERR_INVALID.
 */
void sqlquote_add(struct sqlquote *q, const char *fmt, ...);

/* The first error (0 when none). */
int sqlquote_error(const struct sqlquote *q);
/* The text so far (borrowed; "" when empty). */
const char *sqlquote_cstr(const struct sqlquote *q);
/* Hand the text to the caller (who frees it); the builder is reset. */
char *sqlquote_detach(struct sqlquote *q);
void sqlquote_release(struct sqlquote *q);

#endif
