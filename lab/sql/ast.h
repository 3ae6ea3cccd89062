/*
 * ast: the T-SQL subset of the lab as tokens and trees. sqllex_ turns a
 * batch into tokens, sqlparse_ turns tokens into statement trees; both
 * allocate in the caller's arena and never execute anything. A syntax
 * error is data (number, severity, state, text, line), reported exactly
 * as SQL Server words it, so the executor can send it before running any
 * statement of the batch (SQL Server compiles a batch before it runs it).
 * Sizes are bounded: nesting depth, tokens per batch, identifier length.
 */
#ifndef PCDR_LAB_SQL_AST_H
#define PCDR_LAB_SQL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab/engine.h"
#include "util/arena.h"

#define SQL_MAX_DEPTH  64     /* expression and block nesting */
#define SQL_MAX_TOKENS 200000 /* tokens in one batch */
#define SQL_MAX_IDENT  128    /* sysname */
#define SQL_MAX_LIST   4096   /* items in one list (columns, values) */

enum sqltok_kind {
	TK_EOF = 0,
	TK_IDENT, /* plain, [bracketed] or "quoted"; text unescaped */
	TK_VAR,   /* @name (text includes the @) */
	TK_GVAR,  /* @@name */
	TK_INT,   /* digits only */
	TK_DEC,   /* digits with a point */
	TK_FLOAT, /* with an exponent */
	TK_STR,   /* 'text' (text unescaped) */
	TK_NSTR,  /* N'text' */
	TK_HEX,   /* 0x... (text: the hex digits) */
	TK_OP,    /* punctuation and operators: text holds it */
};

struct sqltok {
	enum sqltok_kind kind;
	bool quoted;      /* identifier was delimited: never a keyword */
	const char *text; /* NUL-terminated, arena */
	size_t len;
	const char *raw; /* where it starts in the batch (for messages) */
	size_t raw_len;
	int line;
};

/* A message SQL Server would send: used for syntax errors and by the
 * executor. */
struct sqlerr {
	int32_t number;
	uint8_t severity;
	uint8_t state;
	int line;
	char text[512];
};

/* Tokenise `sql`. 0, or -1 with *err filled (105, 113, 102). */
int sqllex_run(struct sqltok **out, size_t *n_out, const char *sql, size_t len, struct arena *a,
               struct sqlerr *err);
/* True when the token is the (unquoted) keyword `kw` (upper case). */
bool sqllex_is(const struct sqltok *t, const char *kw);
bool sqllex_is_op(const struct sqltok *t, const char *op);
/* True when `word` is a reserved keyword of T-SQL (error 156 vs 102). */
bool sqllex_reserved(const char *word);

/* --- type names ----------------------------------------------------- */

struct sqltype {
	enum lab_type type;
	int32_t length;
	uint8_t precision;
	uint8_t scale;
};

/* --- expressions ---------------------------------------------------- */

enum sqlexpr_kind {
	EX_LIT = 0,
	EX_VAR,  /* @x */
	EX_GVAR, /* @@SPID ... (name upper case, without @@) */
	EX_COL,  /* [qual.]name */
	EX_NEG,
	EX_NOT,
	EX_BIN,     /* op: + - * / % = <> < > <= >= AND OR */
	EX_ISNULL,  /* negate: IS NOT NULL */
	EX_IN,      /* args[0] IN (args[1..]); negate */
	EX_LIKE,    /* args[0] LIKE args[1]; negate */
	EX_BETWEEN, /* args[0] BETWEEN args[1] AND args[2]; negate */
	EX_FUNC,    /* name(args): scalar function */
	EX_AGG,     /* COUNT/MAX/MIN/SUM/AVG; star for COUNT(*) */
	EX_CASE,    /* args: [operand] when,then ... [else] */
	EX_CAST,    /* CAST(args[0] AS to) / CONVERT(to, args[0][, style]) */
	EX_SUBQ,    /* (SELECT ...) scalar subquery */
	EX_EXISTS,  /* EXISTS (SELECT ...) */
};

struct sqlselect;

struct sqlexpr {
	enum sqlexpr_kind kind;
	char op[4];
	bool negate;
	bool star;        /* COUNT(*) */
	bool has_operand; /* simple CASE */
	bool has_else;
	struct lab_value lit; /* EX_LIT */
	const char *name;     /* variable, column, function (upper), aggregate */
	const char *qual;     /* column qualifier (alias or table), or NULL */
	struct sqlexpr **args;
	size_t n_args;
	struct sqltype to;     /* EX_CAST */
	struct sqlselect *sub; /* EX_SUBQ, EX_EXISTS */
	int line;
};

/* --- queries -------------------------------------------------------- */

struct sqlname {            /* [db.][schema.]name, as written */
	const char *db;     /* NULL when absent */
	const char *schema; /* NULL when absent ("db..t" too) */
	const char *name;
	const char *text; /* as written, for messages */
	/* a table-valued function in FROM: name(arg) ; arg NULL for
	 * DEFAULT / NULL / nothing */
	bool call;
	struct sqlexpr *arg;
};

enum sqljoin { JN_FIRST = 0, JN_INNER, JN_LEFT, JN_CROSS };

struct sqlfrom {
	struct sqlname obj;
	const char *alias;
	enum sqljoin join;
	struct sqlexpr *on;
};

struct sqlitem {
	struct sqlexpr *expr;  /* NULL for * or qual.* */
	const char *star_qual; /* qual.* */
	bool star;
	const char *alias;
	const char *assign; /* SELECT @v = expr */
};

struct sqlorder {
	struct sqlexpr *expr;
	bool desc;
};

struct sqlselect {
	struct sqlexpr *top;
	bool distinct;
	struct sqlitem *items;
	size_t n_items;
	struct sqlfrom *from;
	size_t n_from;
	struct sqlexpr *where;
	struct sqlexpr **group;
	size_t n_group;
	struct sqlorder *order;
	size_t n_order;
};

/* --- statements ----------------------------------------------------- */

enum sqlstmt_kind {
	ST_SELECT = 0,
	ST_USE,
	ST_SET_OPTION, /* SET NOCOUNT ON ... */
	ST_DECLARE,
	ST_SET_VAR,
	ST_EXEC,
	ST_IF,
	ST_BLOCK, /* BEGIN ... END */
	ST_THROW,
	ST_RAISERROR,
	ST_PRINT,
	ST_CREATE_TABLE,
	ST_DROP_TABLE,
	ST_INSERT,
	ST_UPDATE,
	ST_DELETE,
	ST_RETURN,
	ST_EMPTY,   /* a lone ';' */
	ST_WAITFOR, /* WAITFOR DELAY 'hh:mm:ss' */
	ST_TRAN,    /* BEGIN TRAN / COMMIT / ROLLBACK: name says which */
	ST_WHILE,   /* WHILE expr body[0] */
	ST_TRY,     /* BEGIN TRY body[0] END TRY BEGIN CATCH body[1] END CATCH */
	ST_KILL,    /* KILL session_id (expr) */
	ST_ADMIN,   /* BACKUP, RESTORE, CREATE/ALTER/DROP DATABASE and ENDPOINT: adm */
	ST_BREAK,
	ST_CONTINUE,
};

struct sqlcoldef {
	const char *name;
	struct sqltype type;
	bool nullable;
};

struct sqldecl {
	const char *name; /* @x */
	struct sqltype type;
	struct sqlexpr *init;
};

struct sqlarg {                /* EXEC argument */
	const char *name;      /* @p, or NULL when positional */
	struct sqlexpr *value; /* NULL for DEFAULT */
	bool output;
};

struct sqlassign { /* UPDATE SET col = expr */
	const char *col;
	struct sqlexpr *value;
};

struct sqladmin; /* admin.h */

struct sqlstmt {
	enum sqlstmt_kind kind;
	int line;
	struct sqlselect *select; /* SELECT; INSERT ... SELECT */
	const char *name;         /* USE db, SET option, SET @var, EXEC @rc */
	bool on;                  /* SET option ON/OFF */
	struct sqlexpr *expr;     /* SET @var, IF condition, PRINT, RETURN */
	struct sqlexpr **args;    /* THROW/RAISERROR arguments */
	size_t n_args;
	struct sqldecl *decls;
	size_t n_decls;
	struct sqlname obj;   /* EXEC proc, table of DDL/DML */
	const char *alias;    /* UPDATE/DELETE target alias */
	struct sqlarg *xargs; /* EXEC */
	size_t n_xargs;
	struct sqlcoldef *cols; /* CREATE TABLE */
	size_t n_cols;
	const char **ins_cols; /* INSERT column list */
	size_t n_ins_cols;
	struct sqlstmt *ins_exec; /* INSERT ... EXEC: the EXEC statement */
	struct sqlexpr ***rows;   /* INSERT VALUES rows */
	size_t n_rows;
	size_t row_width;
	struct sqlassign *sets; /* UPDATE */
	size_t n_sets;
	struct sqlexpr *where; /* UPDATE/DELETE */
	bool if_exists;        /* DROP TABLE IF EXISTS */
	bool with_log;         /* RAISERROR ... WITH LOG */
	struct sqlstmt **body; /* BLOCK, IF then (body[0]) / else (body[1]) */
	size_t n_body;
	struct sqladmin *adm; /* ST_ADMIN */
};

struct sqlbatch {
	struct sqlstmt **stmts;
	size_t n;
};

/* Parse a batch. 0, or -1 with *err set to SQL Server's message. */
int sqlparse_batch(struct sqlbatch *out, const char *sql, size_t len, struct arena *a,
                   struct sqlerr *err);
/* Parse a parameter declaration list ("@a int, @b nvarchar(10)") as
 * sp_executesql's @params. */
int sqlparse_params(struct sqldecl **out, size_t *n_out, const char *text, struct arena *a,
                    struct sqlerr *err);
/* Parse a type name from tokens (shared with sp_executesql). */
int sqlparse_type_name(struct sqltype *out, const char *name, const char *arg1, const char *arg2);

#endif
