/*
 * exec_dml: CREATE TABLE, DROP TABLE, INSERT, UPDATE and DELETE on the
 * stored tables of a database, with SQL Server's errors (2714, 2705,
 * 2760, 3701, 208, 207, 109, 110, 213, 515, 8152, 259). Each statement is
 * atomic: every new row or value is computed before the first one is
 * stored. #temp tables live in tempdb and are visible to every session
 * (the lab does not scope them). No IDENTITY, defaults, constraints,
 * triggers, OUTPUT clauses or transactions.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/exec.h"
#include "lab/sql/value.h"

static struct sqldb *target_db(struct sqlctx *c, const struct sqlname *n, int line)
{
	struct sqldb *db;

	if (n->name[0] == '#')
		return world_db_by_name(c->inst, "tempdb");
	if (!n->db)
		return sqlexec_current_db(c);
	db = world_db_by_name(c->inst, n->db);
	if (db && world_db_openable(db, &c->err)) {
		sqlexec_fail_err(c, AB_STMT, &c->err, line);
		return NULL;
	}
	if (!db)
		sqlexec_fail(c, AB_STMT, 2702, 16, line, "Database '%s' does not exist.", n->db);
	return db;
}

int sqlexec_table(struct sqlctx *c, const struct sqlname *n, int line, struct sqldb **db_out,
                  struct sqltable **out)
{
	struct sqldb *db;
	struct rowset rs;

	if (n->db && !world_db_by_name(c->inst, n->db))
		return sqlexec_fail(c, AB_SCOPE, 208, 16, line, "Invalid object name '%s'.",
		                    n->text);
	db = target_db(c, n, line);
	if (!db)
		return -1;
	*out = world_table_find(db, n->schema, n->name);
	*db_out = db;
	if (*out)
		return 0;
	if (catalog_open(c, db, n->schema, n->name, &rs) == 1)
		return sqlexec_fail(c, AB_STMT, 259, 16, line,
		                    "Ad hoc updates to system catalogs are not allowed.");
	return sqlexec_fail(c, AB_SCOPE, 208, 16, line, "Invalid object name '%s'.", n->text);
}

static int exec_create(struct sqlctx *c, const struct sqlstmt *st)
{
	struct sqldb *db = target_db(c, &st->obj, st->line);

	if (!db)
		return -1;
	if (st->obj.schema && strcasecmp(st->obj.schema, "dbo") != 0)
		return sqlexec_fail(c, AB_STMT, 2760, 16, st->line,
		                    "The specified schema name \"%s\" either does not exist or you "
		                    "do not have permission to use it.",
		                    st->obj.schema);
	if (world_table_find(db, st->obj.schema, st->obj.name))
		return sqlexec_fail(c, AB_STMT, 2714, 16, st->line,
		                    "There is already an object named '%s' in the database.",
		                    st->obj.name);
	for (size_t i = 0; i < st->n_cols; i++)
		for (size_t k = 0; k < i; k++)
			if (strcasecmp(st->cols[i].name, st->cols[k].name) == 0)
				return sqlexec_fail(
				        c, AB_STMT, 2705, 16, st->line,
				        "Column names in each table must be unique. Column name "
				        "'%s' in table '%s' is specified more than once.",
				        st->cols[i].name, st->obj.name);
	txn_log_create(c->s, db,
	               world_table_create(db, st->obj.schema, st->obj.name, st->cols, st->n_cols));
	sqlout_done(c, 0, 0, 0);
	return 0;
}

static int exec_drop(struct sqlctx *c, const struct sqlstmt *st)
{
	struct sqldb *db = target_db(c, &st->obj, st->line);
	struct sqltable *t = db ? world_table_find(db, st->obj.schema, st->obj.name) : NULL;

	if (!db && !st->if_exists)
		return -1;
	if (!t) {
		if (st->if_exists) {
			c->abort = AB_NONE;
			sqlout_done(c, 0, 0, 0);
			return 0;
		}
		return sqlexec_fail(c, AB_STMT, 3701, 11, st->line,
		                    "Cannot drop the table '%s', because it does not exist or you "
		                    "do not have permission.",
		                    st->obj.text);
	}
	if (txn_log_drop(c->s, db, t))
		world_table_detach(db, t);
	else
		world_table_drop(db, t);
	sqlout_done(c, 0, 0, 0);
	return 0;
}

static int col_index(const struct sqltable *t, const char *name)
{
	for (size_t k = 0; k < t->n_cols; k++)
		if (strcasecmp(t->cols[k].name, name) == 0)
			return (int)k;
	return -1;
}

/* Convert and check one value for column k of t. */
static int fit_value(struct sqlctx *c, const struct sqldb *db, const struct sqltable *t, size_t k,
                     struct lab_value *v, int line, const char *verb)
{
	const struct lab_column *col = &t->cols[k];
	struct sqltype to = {col->type, -1, col->precision, col->scale};

	if (v->is_null) {
		if (!col->nullable)
			return sqlexec_fail(c, AB_STMT, 515, 16, line,
			                    "Cannot insert the value NULL into column '%s', table "
			                    "'%s.%s.%s'; column does not allow nulls. %s fails.",
			                    col->name, db->name, t->schema, t->name, verb);
		*v = sqlval_null(col->type);
		return 0;
	}
	if (col->type == LAB_T_NUMERIC && col->precision == 0)
		to.precision = 18;
	if (sqlval_convert(v, v, &to, -1, c->a, &c->err))
		return sqlexec_fail_err(c, AB_BATCH, &c->err, line);
	if (sqlval_is_text(col->type) && col->length >= 0) {
		size_t chars = 0;

		for (size_t i = 0; i < v->slen; i++)
			chars += ((unsigned char)v->s[i] & 0xC0) != 0x80;
		if (chars > (size_t)col->length)
			return sqlexec_fail(c, AB_STMT, 8152, 16, line,
			                    "String or binary data would be truncated.");
	}
	return 0;
}

static int insert_map(struct sqlctx *c, const struct sqlstmt *st, const struct sqltable *t,
                      size_t width, int *map)
{
	if (st->n_ins_cols == 0) {
		if (width != t->n_cols)
			return sqlexec_fail(c, AB_SCOPE, 213, 16, st->line,
			                    "Column name or number of supplied values does not "
			                    "match table definition.");
		for (size_t k = 0; k < width; k++)
			map[k] = (int)k;
		return 0;
	}
	for (size_t k = 0; k < st->n_ins_cols; k++) {
		map[k] = col_index(t, st->ins_cols[k]);
		if (map[k] < 0)
			return sqlexec_fail(c, AB_SCOPE, 207, 16, st->line,
			                    "Invalid column name '%s'.", st->ins_cols[k]);
	}
	if (st->n_ins_cols > width)
		return sqlexec_fail(
		        c, AB_SCOPE, 109, 15, st->line,
		        "There are more columns in the INSERT statement than values specified in "
		        "the VALUES clause. The number of values in the VALUES clause must match "
		        "the number of columns specified in the INSERT statement.");
	if (st->n_ins_cols < width)
		return sqlexec_fail(
		        c, AB_SCOPE, 110, 15, st->line,
		        "There are fewer columns in the INSERT statement than values specified in "
		        "the VALUES clause. The number of values in the VALUES clause must match "
		        "the number of columns specified in the INSERT statement.");
	return 0;
}

static int insert_source(struct sqlctx *c, const struct sqlstmt *st, struct rowset *src)
{
	struct evalenv env;

	if (st->select)
		return sqlquery_run(c, NULL, st->select, false, src);
	if (st->ins_exec) { /* captured by sqlexec_stmt_leaf */
		*src = *c->ins_src;
		return 0;
	}
	memset(&env, 0, sizeof(env));
	src->n_rows = st->n_rows;
	src->n_cols = st->row_width;
	src->rows = arena_calloc(c->a, st->n_rows, sizeof(*src->rows));
	for (size_t r = 0; r < st->n_rows; r++) {
		src->rows[r] = arena_calloc(c->a, st->row_width, sizeof(**src->rows));
		for (size_t k = 0; k < st->row_width; k++)
			if (sqleval(c, &env, st->rows[r][k], &src->rows[r][k]))
				return -1;
	}
	return 0;
}

static int exec_insert(struct sqlctx *c, const struct sqlstmt *st)
{
	struct sqldb *db;
	struct sqltable *t;
	struct rowset src;
	struct lab_value **rows;
	int *map;

	if (sqlexec_table(c, &st->obj, st->line, &db, &t))
		return -1;
	memset(&src, 0, sizeof(src));
	if (insert_source(c, st, &src))
		return -1;
	map = arena_calloc(c->a, (src.n_cols > t->n_cols ? src.n_cols : t->n_cols) + 1,
	                   sizeof(*map));
	if (insert_map(c, st, t, src.n_cols, map))
		return -1;
	rows = arena_calloc(c->a, src.n_rows + 1, sizeof(*rows));
	for (size_t r = 0; r < src.n_rows; r++) {
		rows[r] = arena_calloc(c->a, t->n_cols + 1, sizeof(**rows));
		for (size_t k = 0; k < t->n_cols; k++)
			rows[r][k] = sqlval_null(t->cols[k].type);
		for (size_t k = 0; k < src.n_cols; k++)
			rows[r][map[k]] = src.rows[r][k];
		for (size_t k = 0; k < t->n_cols; k++)
			if (fit_value(c, db, t, k, &rows[r][k], st->line, "INSERT"))
				return -1;
	}
	for (size_t r = 0; r < src.n_rows; r++) {
		world_table_insert(t, rows[r]);
		txn_log_insert(c->s, db, t, t->rows.items[t->rows.len - 1]);
	}
	c->rowcount = src.n_rows;
	sqlout_done(c, LAB_DONE_COUNT, 0xC3, src.n_rows);
	return 0;
}

/* Rows of t matching the WHERE of an UPDATE/DELETE: a bitmap. */
static int match_rows(struct sqlctx *c, const struct sqlstmt *st, struct sqltable *t,
                      struct evalenv *env, bool *hit)
{
	env->src = arena_calloc(c->a, 1, sizeof(*env->src));
	env->n_src = 1;
	env->src[0].alias = st->alias ? st->alias : t->name;
	env->src[0].rs.cols = t->cols;
	env->src[0].rs.n_cols = t->n_cols;
	for (size_t r = 0; r < t->rows.len; r++) {
		int ok = 1;

		env->src[0].cur = t->rows.items[r];
		if (st->where && (ok = sqleval_bool(c, env, st->where)) < 0)
			return -1;
		hit[r] = ok == 1;
	}
	return 0;
}

static int exec_update(struct sqlctx *c, const struct sqlstmt *st)
{
	struct sqldb *db;
	struct sqltable *t;
	struct evalenv env;
	bool *hit;
	struct lab_value **newv;
	int *map = arena_calloc(c->a, st->n_sets + 1, sizeof(*map));
	uint64_t n = 0;

	if (sqlexec_table(c, &st->obj, st->line, &db, &t))
		return -1;
	for (size_t i = 0; i < st->n_sets; i++)
		if ((map[i] = col_index(t, st->sets[i].col)) < 0)
			return sqlexec_fail(c, AB_SCOPE, 207, 16, st->line,
			                    "Invalid column name '%s'.", st->sets[i].col);
	memset(&env, 0, sizeof(env));
	hit = arena_calloc(c->a, t->rows.len + 1, sizeof(*hit));
	newv = arena_calloc(c->a, t->rows.len + 1, sizeof(*newv));
	if (match_rows(c, st, t, &env, hit))
		return -1;
	for (size_t r = 0; r < t->rows.len; r++) {
		if (!hit[r])
			continue;
		env.src[0].cur = t->rows.items[r];
		newv[r] = arena_calloc(c->a, st->n_sets, sizeof(**newv));
		for (size_t i = 0; i < st->n_sets; i++)
			if (sqleval(c, &env, st->sets[i].value, &newv[r][i]) ||
			    fit_value(c, db, t, (size_t)map[i], &newv[r][i], st->line, "UPDATE"))
				return -1;
	}
	for (size_t r = 0; r < t->rows.len; r++) {
		if (!hit[r])
			continue;
		n++;
		for (size_t i = 0; i < st->n_sets; i++) {
			struct lab_value *cell = &t->rows.items[r][map[i]];

			if (!txn_log_update(c->s, db, t, t->rows.items[r], (size_t)map[i], *cell))
				sqlval_free_heap(cell);
			*cell = sqlval_dup_heap(&newv[r][i]);
		}
	}
	c->rowcount = n;
	sqlout_done(c, LAB_DONE_COUNT, 0xC5, n);
	return 0;
}

static int exec_delete(struct sqlctx *c, const struct sqlstmt *st)
{
	struct sqldb *db;
	struct sqltable *t;
	struct evalenv env;
	bool *hit;
	size_t out = 0, n;

	if (sqlexec_table(c, &st->obj, st->line, &db, &t))
		return -1;
	memset(&env, 0, sizeof(env));
	hit = arena_calloc(c->a, t->rows.len + 1, sizeof(*hit));
	if (match_rows(c, st, t, &env, hit))
		return -1;
	n = t->rows.len;
	for (size_t r = 0; r < n; r++) {
		if (hit[r]) {
			if (txn_log_delete(c->s, db, t, t->rows.items[r]))
				continue;
			for (size_t k = 0; k < t->n_cols; k++)
				sqlval_free_heap(&t->rows.items[r][k]);
			free(t->rows.items[r]);
		} else {
			t->rows.items[out++] = t->rows.items[r];
		}
	}
	t->rows.len = out;
	c->rowcount = n - out;
	sqlout_done(c, LAB_DONE_COUNT, 0xC4, n - out);
	return 0;
}

int sqlexec_dml(struct sqlctx *c, const struct sqlstmt *st)
{
	int rc;
	uint16_t cmd;

	switch (st->kind) {
	case ST_CREATE_TABLE:
		rc = exec_create(c, st);
		cmd = 0;
		break;
	case ST_DROP_TABLE:
		rc = exec_drop(c, st);
		cmd = 0;
		break;
	case ST_INSERT:
		rc = exec_insert(c, st);
		cmd = 0xC3;
		break;
	case ST_UPDATE:
		rc = exec_update(c, st);
		cmd = 0xC5;
		break;
	case ST_DELETE:
		rc = exec_delete(c, st);
		cmd = 0xC4;
		break;
	default:
		return sqlexec_fail(c, AB_STMT, 102, 15, st->line, "Incorrect syntax near '%s'.",
		                    ";");
	}
	if (rc)
		sqlout_done(c, LAB_DONE_ERROR, cmd, 0);
	return rc;
}
