/*
 * parse_dml: CREATE TABLE (plain column definitions: name, type, NULL /
 * NOT NULL, an inline PRIMARY KEY that only implies NOT NULL), DROP
 * TABLE [IF EXISTS], INSERT [INTO] ... VALUES / SELECT, UPDATE ... SET
 * ... WHERE, DELETE [FROM] ... WHERE; type names; and sp_executesql's
 * @params declaration list. No constraints other than that, no
 * defaults, identities, computed columns, UPDATE/DELETE ... FROM joins.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/parser.h"
#include "util/vec.h"

int sqlparse_type_name(struct sqltype *out, const char *name, const char *arg1, const char *arg2)
{
	static const struct {
		const char *name;
		enum lab_type type;
		int32_t length;
		uint8_t precision, scale;
	} types[] = {
	        {"int", LAB_T_INT, 4, 10, 0},
	        {"integer", LAB_T_INT, 4, 10, 0},
	        {"bigint", LAB_T_BIGINT, 8, 19, 0},
	        {"smallint", LAB_T_SMALLINT, 2, 5, 0},
	        {"tinyint", LAB_T_TINYINT, 1, 3, 0},
	        {"bit", LAB_T_BIT, 1, 1, 0},
	        {"nvarchar", LAB_T_NVARCHAR, 0, 0, 0},
	        {"nchar", LAB_T_NVARCHAR, 0, 0, 0},
	        {"varchar", LAB_T_VARCHAR, 0, 0, 0},
	        {"char", LAB_T_VARCHAR, 0, 0, 0},
	        {"sysname", LAB_T_NVARCHAR, 128, 0, 0},
	        {"datetime", LAB_T_DATETIME, 8, 23, 3},
	        {"smalldatetime", LAB_T_DATETIME, 8, 23, 3},
	        {"datetime2", LAB_T_DATETIME2, 8, 27, 7},
	        {"uniqueidentifier", LAB_T_UNIQUEIDENTIFIER, 16, 0, 0},
	        {"numeric", LAB_T_NUMERIC, 0, 18, 0},
	        {"decimal", LAB_T_NUMERIC, 0, 18, 0},
	        {"float", LAB_T_FLOAT, 8, 53, 0},
	        {"real", LAB_T_FLOAT, 8, 53, 0},
	        {"varbinary", LAB_T_VARBINARY, 0, 0, 0},
	        {"binary", LAB_T_VARBINARY, 0, 0, 0},
	};
	long a1 = -1, a2 = -1;

	if (arg1)
		a1 = strcasecmp(arg1, "MAX") == 0 ? -2 : strtol(arg1, NULL, 10);
	if (arg2)
		a2 = strtol(arg2, NULL, 10);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		if (strcasecmp(types[i].name, name) != 0)
			continue;
		out->type = types[i].type;
		out->length = types[i].length;
		out->precision = types[i].precision;
		out->scale = types[i].scale;
		if (out->type == LAB_T_NVARCHAR || out->type == LAB_T_VARCHAR ||
		    out->type == LAB_T_VARBINARY) {
			if (types[i].length == 128 || a1 == -1)
				return arg1 && types[i].length == 128 ? -1 : 0;
			if (a1 == -2) {
				out->length = -1;
				return 0;
			}
			if (a1 < 1 || a1 > (out->type == LAB_T_NVARCHAR ? 4000 : 8000))
				return -2;
			out->length = (int32_t)a1;
		} else if (out->type == LAB_T_NUMERIC && a1 != -1) {
			if (a1 < 1 || a1 > 38 || a2 > a1)
				return -2;
			out->precision = (uint8_t)a1;
			out->scale = (uint8_t)(a2 > 0 ? a2 : 0);
		} else if (out->type == LAB_T_DATETIME2 && a1 != -1) {
			if (a1 < 0 || a1 > 7)
				return -2;
			out->scale = (uint8_t)a1;
		} else if (arg1 && out->type != LAB_T_FLOAT) {
			return -1;
		}
		return 0;
	}
	return -1;
}

static int parse_coldef(struct parser *p, struct sqlcoldef *c)
{
	memset(c, 0, sizeof(*c));
	c->nullable = true;
	if (parse_ident(p, &c->name) || parse_type(p, &c->type, 1))
		return -1;
	for (;;) {
		if (sqllex_is(pcur(p), "NOT") && sqllex_is(ppeek(p, 1), "NULL")) {
			p->i += 2;
			c->nullable = false;
		} else if (parse_accept(p, "NULL")) {
			c->nullable = true;
		} else if (sqllex_is(pcur(p), "PRIMARY") && sqllex_is(ppeek(p, 1), "KEY")) {
			p->i += 2;
			c->nullable = false;
			if (!parse_accept(p, "CLUSTERED"))
				parse_accept(p, "NONCLUSTERED");
		} else {
			return 0;
		}
	}
}

static int parse_create(struct parser *p, struct sqlstmt *s)
{
	VEC(struct sqlcoldef) cols = VEC_INIT;
	int rc = -1;

	s->kind = ST_CREATE_TABLE;
	if (parse_expect(p, "TABLE") || parse_objname(p, &s->obj) || parse_expect_op(p, "("))
		goto done;
	do {
		struct sqlcoldef c;

		if (cols.len >= 1024) {
			parse_fail(p, 1702, 16,
			           "CREATE TABLE failed because column '%s' in table '%s' exceeds "
			           "the maximum of 1024 columns.",
			           pcur(p)->text, s->obj.name);
			goto done;
		}
		if (parse_coldef(p, &c))
			goto done;
		vec_push(&cols, c);
	} while (parse_accept_op(p, ","));
	if (parse_expect_op(p, ")"))
		goto done;
	s->cols = arena_calloc(p->a, cols.len, sizeof(*s->cols));
	if (cols.len)
		memcpy(s->cols, cols.items, cols.len * sizeof(*s->cols));
	s->n_cols = cols.len;
	rc = 0;
done:
	vec_free(&cols);
	return rc;
}

static int parse_row(struct parser *p, struct sqlexpr ***out, size_t *width)
{
	VEC(struct sqlexpr *) v = VEC_INIT;
	int rc = -1;

	if (parse_expect_op(p, "("))
		goto done;
	do {
		struct sqlexpr *e;

		if (v.len >= 1024) {
			parse_syntax(p);
			goto done;
		}
		if (parse_expr(p, &e))
			goto done;
		vec_push(&v, e);
	} while (parse_accept_op(p, ","));
	if (parse_expect_op(p, ")"))
		goto done;
	*out = arena_calloc(p->a, v.len, sizeof(**out));
	if (v.len)
		memcpy(*out, v.items, v.len * sizeof(**out));
	*width = v.len;
	rc = 0;
done:
	vec_free(&v);
	return rc;
}

static int parse_values(struct parser *p, struct sqlstmt *s)
{
	VEC(struct sqlexpr **) rows = VEC_INIT;
	int rc = -1;

	do {
		struct sqlexpr **r;
		size_t w;

		if (rows.len >= 1000) {
			parse_fail(p, 10738, 15,
			           "The number of row value expressions in the INSERT statement "
			           "exceeds the maximum allowed number of 1000 row values.");
			goto done;
		}
		if (parse_row(p, &r, &w))
			goto done;
		if (rows.len > 0 && w != s->row_width) {
			parse_fail(p, 10709, 16,
			           "The number of columns for each row in a table value "
			           "constructor must be the same.");
			goto done;
		}
		s->row_width = w;
		vec_push(&rows, r);
	} while (parse_accept_op(p, ","));
	s->rows = arena_calloc(p->a, rows.len, sizeof(*s->rows));
	if (rows.len)
		memcpy(s->rows, rows.items, rows.len * sizeof(*s->rows));
	s->n_rows = rows.len;
	rc = 0;
done:
	vec_free(&rows);
	return rc;
}

static int parse_insert(struct parser *p, struct sqlstmt *s)
{
	VEC(const char *) cols = VEC_INIT;
	int rc = -1;

	s->kind = ST_INSERT;
	parse_accept(p, "INTO");
	if (parse_objname(p, &s->obj))
		goto done;
	if (parse_accept_op(p, "(")) {
		do {
			const char *c;

			if (cols.len >= 1024 || parse_ident(p, &c)) {
				if (cols.len >= 1024)
					parse_syntax(p);
				goto done;
			}
			vec_push(&cols, c);
		} while (parse_accept_op(p, ","));
		if (parse_expect_op(p, ")"))
			goto done;
		s->ins_cols = arena_calloc(p->a, cols.len, sizeof(*s->ins_cols));
		if (cols.len)
			memcpy(s->ins_cols, cols.items, cols.len * sizeof(*s->ins_cols));
		s->n_ins_cols = cols.len;
	}
	if (sqllex_is(pcur(p), "SELECT")) {
		rc = parse_select(p, &s->select);
	} else if (sqllex_is(pcur(p), "EXEC") || sqllex_is(pcur(p), "EXECUTE")) {
		s->ins_exec = arena_calloc(p->a, 1, sizeof(*s->ins_exec));
		s->ins_exec->line = pcur(p)->line;
		p->i++;
		rc = sqlparse_exec(p, s->ins_exec);
	} else
		rc = parse_expect(p, "VALUES") ? -1 : parse_values(p, s);
done:
	vec_free(&cols);
	return rc;
}

static int parse_update(struct parser *p, struct sqlstmt *s)
{
	VEC(struct sqlassign) sets = VEC_INIT;
	int rc = -1;

	s->kind = ST_UPDATE;
	if (parse_objname(p, &s->obj) || parse_expect(p, "SET"))
		goto done;
	do {
		struct sqlassign a;
		struct sqlname col;

		if (sets.len >= 1024 || parse_objname(p, &col) || parse_expect_op(p, "=")) {
			if (sets.len >= 1024)
				parse_syntax(p);
			goto done;
		}
		a.col = col.name;
		if (parse_expr(p, &a.value))
			goto done;
		vec_push(&sets, a);
	} while (parse_accept_op(p, ","));
	s->sets = arena_calloc(p->a, sets.len, sizeof(*s->sets));
	if (sets.len)
		memcpy(s->sets, sets.items, sets.len * sizeof(*s->sets));
	s->n_sets = sets.len;
	rc = parse_accept(p, "WHERE") ? parse_expr(p, &s->where) : 0;
done:
	vec_free(&sets);
	return rc;
}

int sqlparse_dml(struct parser *p, struct sqlstmt *s)
{
	if (parse_accept(p, "CREATE"))
		return parse_create(p, s);
	if (parse_accept(p, "DROP")) {
		s->kind = ST_DROP_TABLE;
		if (parse_expect(p, "TABLE"))
			return -1;
		if (sqllex_is(pcur(p), "IF") && sqllex_is(ppeek(p, 1), "EXISTS")) {
			p->i += 2;
			s->if_exists = true;
		}
		return parse_objname(p, &s->obj);
	}
	if (parse_accept(p, "INSERT"))
		return parse_insert(p, s);
	if (parse_accept(p, "UPDATE"))
		return parse_update(p, s);
	if (parse_accept(p, "DELETE")) {
		s->kind = ST_DELETE;
		parse_accept(p, "FROM");
		if (parse_objname(p, &s->obj))
			return -1;
		return parse_accept(p, "WHERE") ? parse_expr(p, &s->where) : 0;
	}
	return parse_syntax(p);
}

int sqlparse_params(struct sqldecl **out, size_t *n_out, const char *text, struct arena *a,
                    struct sqlerr *err)
{
	struct parser p = {NULL, 0, 0, a, err, 0, false, false, 0};
	VEC(struct sqldecl) d = VEC_INIT;
	int rc = -1;

	if (sqllex_run(&p.t, &p.n, text, strlen(text), a, err))
		return -1;
	while (pcur(&p)->kind != TK_EOF) {
		struct sqldecl x = {NULL, {LAB_T_INT, 0, 0, 0}, NULL};

		if (pcur(&p)->kind != TK_VAR || d.len >= 2100) {
			parse_syntax(&p);
			goto done;
		}
		x.name = pcur(&p)->text;
		p.i++;
		parse_accept(&p, "AS");
		if (parse_type(&p, &x.type, 1))
			goto done;
		if (!parse_accept(&p, "OUTPUT"))
			parse_accept(&p, "OUT");
		vec_push(&d, x);
		if (!parse_accept_op(&p, ",") && pcur(&p)->kind != TK_EOF) {
			parse_syntax(&p);
			goto done;
		}
	}
	*out = arena_calloc(a, d.len ? d.len : 1, sizeof(**out));
	if (d.len)
		memcpy(*out, d.items, d.len * sizeof(**out));
	*n_out = d.len;
	rc = 0;
done:
	vec_free(&d);
	return rc;
}
