/*
 * lex: T-SQL tokens. Handles -- and nested block comments, [bracketed]
 * identifiers with ]] escaping, "quoted" identifiers with "" escaping
 * (QUOTED_IDENTIFIER ON, the default of ODBC, SqlClient and tedious),
 * 'strings' and N'strings' with '' escaping, numbers, 0x binary,
 * @variables and @@functions. It knows the reserved keyword list only to
 * let the parser choose between errors 102 and 156; it does not know the
 * grammar. Input is bounded by SQL_MAX_TOKENS and SQL_MAX_IDENT.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/ast.h"
#include "util/vec.h"

struct lexer {
	const char *p, *end, *start;
	int line;
	struct arena *a;
	struct sqlerr *err;
	VEC(struct sqltok) toks;
};

static int lex_fail(struct lexer *lx, int32_t number, uint8_t severity, const char *text,
                    const char *arg, size_t arg_len)
{
	struct sqlerr *e = lx->err;

	e->number = number;
	e->severity = severity;
	e->state = 1;
	e->line = lx->line;
	snprintf(e->text, sizeof(e->text), text, (int)(arg_len > 400 ? 400 : arg_len), arg);
	return -1;
}

static bool ident_start(unsigned char c)
{
	return isalpha(c) || c == '_' || c == '#' || c >= 0x80;
}

static bool ident_char(unsigned char c)
{
	return isalnum(c) || c == '_' || c == '#' || c == '@' || c == '$' || c >= 0x80;
}

static int push(struct lexer *lx, enum sqltok_kind kind, const char *raw, size_t raw_len,
                const char *text, size_t len, int line)
{
	struct sqltok t;

	if (lx->toks.len >= SQL_MAX_TOKENS)
		return lex_fail(lx, 123, 15,
		                "Batch/procedure exceeds maximum length of %.*s characters.",
		                "4194304", 7);
	memset(&t, 0, sizeof(t));
	t.kind = kind;
	t.raw = raw;
	t.raw_len = raw_len;
	t.text = arena_strndup(lx->a, text, len);
	t.len = len;
	t.line = line;
	vec_push(&lx->toks, t);
	return 0;
}

/* Delimited text: 'str', [ident] or "ident", with the closing character
 * doubled as its escape. */
static int lex_delimited(struct lexer *lx, char close, enum sqltok_kind kind, const char *raw)
{
	char *buf = arena_alloc(lx->a, (size_t)(lx->end - lx->p) + 1);
	size_t n = 0;
	int line = lx->line;
	const char *body = ++lx->p;

	for (;;) {
		if (lx->p >= lx->end)
			return lex_fail(
			        lx, 105, 15,
			        "Unclosed quotation mark after the character string '%.*s'.", body,
			        (size_t)(lx->end - body));
		if (*lx->p == close) {
			if (lx->p + 1 < lx->end && lx->p[1] == close) {
				buf[n++] = close;
				lx->p += 2;
				continue;
			}
			lx->p++;
			break;
		}
		if (*lx->p == '\n')
			lx->line++;
		buf[n++] = *lx->p++;
	}
	if (kind == TK_IDENT && n > SQL_MAX_IDENT)
		return lex_fail(lx, 103, 15,
		                "The identifier that starts with '%.*s' is too long. Maximum "
		                "length is 128.",
		                buf, 128);
	if (push(lx, kind, raw, (size_t)(lx->p - raw), buf, n, line))
		return -1;
	lx->toks.items[lx->toks.len - 1].quoted = kind == TK_IDENT;
	return 0;
}

static int lex_number(struct lexer *lx)
{
	const char *s = lx->p;
	enum sqltok_kind kind = TK_INT;

	if (s + 1 < lx->end && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		lx->p += 2;
		while (lx->p < lx->end && isxdigit((unsigned char)*lx->p))
			lx->p++;
		return push(lx, TK_HEX, s, (size_t)(lx->p - s), s + 2, (size_t)(lx->p - s - 2),
		            lx->line);
	}
	while (lx->p < lx->end && isdigit((unsigned char)*lx->p))
		lx->p++;
	if (lx->p < lx->end && *lx->p == '.') {
		kind = TK_DEC;
		lx->p++;
		while (lx->p < lx->end && isdigit((unsigned char)*lx->p))
			lx->p++;
	}
	if (lx->p < lx->end && (*lx->p == 'e' || *lx->p == 'E')) {
		const char *q = lx->p + 1;

		if (q < lx->end && (*q == '+' || *q == '-'))
			q++;
		if (q < lx->end && isdigit((unsigned char)*q)) {
			kind = TK_FLOAT;
			lx->p = q;
			while (lx->p < lx->end && isdigit((unsigned char)*lx->p))
				lx->p++;
		}
	}
	return push(lx, kind, s, (size_t)(lx->p - s), s, (size_t)(lx->p - s), lx->line);
}

static int lex_word(struct lexer *lx, enum sqltok_kind kind)
{
	const char *s = lx->p;

	lx->p += kind == TK_GVAR ? 2 : kind == TK_VAR ? 1 : 0;
	while (lx->p < lx->end && ident_char((unsigned char)*lx->p))
		lx->p++;
	if (lx->p - s > SQL_MAX_IDENT)
		return lex_fail(lx, 103, 15,
		                "The identifier that starts with '%.*s' is too long. Maximum "
		                "length is 128.",
		                s, 128);
	return push(lx, kind, s, (size_t)(lx->p - s), s, (size_t)(lx->p - s), lx->line);
}

static int skip_block_comment(struct lexer *lx)
{
	int depth = 0;

	do {
		if (lx->p + 1 < lx->end && lx->p[0] == '/' && lx->p[1] == '*') {
			depth++;
			lx->p += 2;
		} else if (lx->p + 1 < lx->end && lx->p[0] == '*' && lx->p[1] == '/') {
			depth--;
			lx->p += 2;
		} else if (lx->p >= lx->end) {
			return lex_fail(lx, 113, 15, "Missing end comment mark '*/'.%.*s", "", 0);
		} else {
			lx->line += *lx->p == '\n';
			lx->p++;
		}
	} while (depth > 0);
	return 0;
}

static int lex_op(struct lexer *lx)
{
	static const char *const two[] = {"<>", "!=", ">=", "<=", "!<", "!>"};
	const char *s = lx->p;

	for (size_t i = 0; i < sizeof(two) / sizeof(two[0]); i++)
		if (lx->p + 1 < lx->end && s[0] == two[i][0] && s[1] == two[i][1]) {
			lx->p += 2;
			return push(lx, TK_OP, s, 2, s, 2, lx->line);
		}
	if (!strchr("(),.;=<>+-*/%&|^~", *s) || *s == '\0') {
		size_t n = 1;

		while (s + n < lx->end && ((unsigned char)s[n] & 0xC0) == 0x80)
			n++;
		return lex_fail(lx, 102, 15, "Incorrect syntax near '%.*s'.", s, n);
	}
	lx->p++;
	return push(lx, TK_OP, s, 1, s, 1, lx->line);
}

static int lex_one(struct lexer *lx)
{
	unsigned char c = (unsigned char)*lx->p;

	if (c == '\n') {
		lx->line++;
		lx->p++;
	} else if (isspace(c)) {
		lx->p++;
	} else if (c == '-' && lx->p + 1 < lx->end && lx->p[1] == '-') {
		while (lx->p < lx->end && *lx->p != '\n')
			lx->p++;
	} else if (c == '/' && lx->p + 1 < lx->end && lx->p[1] == '*') {
		return skip_block_comment(lx);
	} else if (c == '\'') {
		return lex_delimited(lx, '\'', TK_STR, lx->p);
	} else if ((c == 'N' || c == 'n') && lx->p + 1 < lx->end && lx->p[1] == '\'') {
		const char *raw = lx->p++;

		return lex_delimited(lx, '\'', TK_NSTR, raw);
	} else if (c == '[') {
		return lex_delimited(lx, ']', TK_IDENT, lx->p);
	} else if (c == '"') {
		return lex_delimited(lx, '"', TK_IDENT, lx->p);
	} else if (isdigit(c) ||
	           (c == '.' && lx->p + 1 < lx->end && isdigit((unsigned char)lx->p[1]))) {
		return lex_number(lx);
	} else if (c == '@') {
		return lex_word(lx, lx->p + 1 < lx->end && lx->p[1] == '@' ? TK_GVAR : TK_VAR);
	} else if (ident_start(c)) {
		return lex_word(lx, TK_IDENT);
	} else {
		return lex_op(lx);
	}
	return 0;
}

int sqllex_run(struct sqltok **out, size_t *n_out, const char *sql, size_t len, struct arena *a,
               struct sqlerr *err)
{
	struct lexer lx = {sql, sql + len, sql, 1, a, err, VEC_INIT};
	int rc = -1;
	struct sqltok *toks;

	while (lx.p < lx.end)
		if (lex_one(&lx))
			goto done;
	if (push(&lx, TK_EOF, lx.end, 0, "", 0, lx.line))
		goto done;
	toks = arena_calloc(a, lx.toks.len, sizeof(*toks));
	if (lx.toks.len)
		memcpy(toks, lx.toks.items, lx.toks.len * sizeof(*toks));
	*out = toks;
	*n_out = lx.toks.len;
	rc = 0;
done:
	vec_free(&lx.toks);
	return rc;
}

bool sqllex_is(const struct sqltok *t, const char *kw)
{
	return t->kind == TK_IDENT && !t->quoted && strcasecmp(t->text, kw) == 0;
}

bool sqllex_is_op(const struct sqltok *t, const char *op)
{
	return t->kind == TK_OP && strcmp(t->text, op) == 0;
}

static int kw_cmp(const void *k, const void *e)
{
	return strcasecmp(k, *(const char *const *)e);
}

/* Reserved keywords (T/language-elements/reserved-keywords-transact-sql),
 * sorted for bsearch with strcasecmp. */
static const char *const reserved_words[] = {
        "ADD",
        "ALL",
        "ALTER",
        "AND",
        "ANY",
        "AS",
        "ASC",
        "AUTHORIZATION",
        "BACKUP",
        "BEGIN",
        "BETWEEN",
        "BREAK",
        "BROWSE",
        "BULK",
        "BY",
        "CASCADE",
        "CASE",
        "CHECK",
        "CHECKPOINT",
        "CLOSE",
        "CLUSTERED",
        "COALESCE",
        "COLLATE",
        "COLUMN",
        "COMMIT",
        "COMPUTE",
        "CONSTRAINT",
        "CONTAINS",
        "CONTAINSTABLE",
        "CONTINUE",
        "CONVERT",
        "CREATE",
        "CROSS",
        "CURRENT",
        "CURRENT_DATE",
        "CURRENT_TIME",
        "CURRENT_TIMESTAMP",
        "CURRENT_USER",
        "CURSOR",
        "DATABASE",
        "DBCC",
        "DEALLOCATE",
        "DECLARE",
        "DEFAULT",
        "DELETE",
        "DENY",
        "DESC",
        "DISK",
        "DISTINCT",
        "DISTRIBUTED",
        "DOUBLE",
        "DROP",
        "DUMP",
        "ELSE",
        "END",
        "ERRLVL",
        "ESCAPE",
        "EXCEPT",
        "EXEC",
        "EXECUTE",
        "EXISTS",
        "EXIT",
        "EXTERNAL",
        "FETCH",
        "FILE",
        "FILLFACTOR",
        "FOR",
        "FOREIGN",
        "FREETEXT",
        "FREETEXTTABLE",
        "FROM",
        "FULL",
        "FUNCTION",
        "GOTO",
        "GRANT",
        "GROUP",
        "HAVING",
        "HOLDLOCK",
        "IDENTITY",
        "IDENTITY_INSERT",
        "IDENTITYCOL",
        "IF",
        "IN",
        "INDEX",
        "INNER",
        "INSERT",
        "INTERSECT",
        "INTO",
        "IS",
        "JOIN",
        "KEY",
        "KILL",
        "LEFT",
        "LIKE",
        "LINENO",
        "LOAD",
        "MERGE",
        "NATIONAL",
        "NOCHECK",
        "NONCLUSTERED",
        "NOT",
        "NULL",
        "NULLIF",
        "OF",
        "OFF",
        "OFFSETS",
        "ON",
        "OPEN",
        "OPENDATASOURCE",
        "OPENQUERY",
        "OPENROWSET",
        "OPENXML",
        "OPTION",
        "OR",
        "ORDER",
        "OUTER",
        "OVER",
        "PERCENT",
        "PIVOT",
        "PLAN",
        "PRECISION",
        "PRIMARY",
        "PRINT",
        "PROC",
        "PROCEDURE",
        "PUBLIC",
        "RAISERROR",
        "READ",
        "READTEXT",
        "RECONFIGURE",
        "REFERENCES",
        "REPLICATION",
        "RESTORE",
        "RESTRICT",
        "RETURN",
        "REVERT",
        "REVOKE",
        "RIGHT",
        "ROLLBACK",
        "ROWCOUNT",
        "ROWGUIDCOL",
        "RULE",
        "SAVE",
        "SCHEMA",
        "SECURITYAUDIT",
        "SELECT",
        "SESSION_USER",
        "SET",
        "SETUSER",
        "SHUTDOWN",
        "SOME",
        "STATISTICS",
        "SYSTEM_USER",
        "TABLE",
        "TABLESAMPLE",
        "TEXTSIZE",
        "THEN",
        "TO",
        "TOP",
        "TRAN",
        "TRANSACTION",
        "TRIGGER",
        "TRUNCATE",
        "TRY_CONVERT",
        "TSEQUAL",
        "UNION",
        "UNIQUE",
        "UNPIVOT",
        "UPDATE",
        "UPDATETEXT",
        "USE",
        "USER",
        "VALUES",
        "VARYING",
        "VIEW",
        "WAITFOR",
        "WHEN",
        "WHERE",
        "WHILE",
        "WITH",
        "WITHIN",
        "WRITETEXT",
};

bool sqllex_reserved(const char *word)
{
	return bsearch(word, reserved_words, sizeof(reserved_words) / sizeof(reserved_words[0]),
	               sizeof(reserved_words[0]), kw_cmp) != NULL;
}
