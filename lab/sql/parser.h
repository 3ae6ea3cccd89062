/*
 * parser: state shared by the statement parser (parse.c) and the
 * expression/query parser (parse_expr.c). Internal to lab/sql; the
 * public entry points are in ast.h.
 */
#ifndef PCDR_LAB_SQL_PARSER_H
#define PCDR_LAB_SQL_PARSER_H

#include "lab/sql/ast.h"

struct parser {
	struct sqltok *t;
	size_t n, i;
	struct arena *a;
	struct sqlerr *err;
	int depth;
	bool after_if; /* the next statement is an IF/ELSE body */
	bool throw_ok; /* THROW may start here (previous ended with ;) */
	int loops;     /* WHILE bodies being parsed (BREAK/CONTINUE) */
};

static inline struct sqltok *pcur(struct parser *p)
{
	return &p->t[p->i];
}

static inline struct sqltok *ppeek(struct parser *p, size_t k)
{
	return &p->t[p->i + k < p->n ? p->i + k : p->n - 1];
}

/* Consume the keyword/operator when it is next. */
bool parse_accept(struct parser *p, const char *kw);
bool parse_accept_op(struct parser *p, const char *op);
/* Error 102/156 at the current token; always returns -1. */
int parse_syntax(struct parser *p);
int parse_fail(struct parser *p, int32_t number, uint8_t severity, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
int parse_expect(struct parser *p, const char *kw);
int parse_expect_op(struct parser *p, const char *op);
/* An identifier (plain non-reserved, or delimited). */
int parse_ident(struct parser *p, const char **out);
int parse_objname(struct parser *p, struct sqlname *out);
int parse_type(struct parser *p, struct sqltype *out, int32_t default_len);

int parse_expr(struct parser *p, struct sqlexpr **out);
/* A zeroed expression node at the current line; an arena copy of a list. */
struct sqlexpr *parse_new_expr(struct parser *p, enum sqlexpr_kind kind);
struct sqlexpr **parse_expr_list(struct parser *p, struct sqlexpr **items, size_t n);
/* A primary: literal, variable, name, call, CASE, CAST, (expr), (SELECT). */
int parse_term(struct parser *p, struct sqlexpr **out);
int parse_select(struct parser *p, struct sqlselect **out);
/* CREATE/DROP TABLE, INSERT, UPDATE, DELETE at the current token. */
int sqlparse_dml(struct parser *p, struct sqlstmt *s);
/* The rest of an EXEC[UTE] statement (the keyword consumed) into s. */
int sqlparse_exec(struct parser *p, struct sqlstmt *s);

#endif
