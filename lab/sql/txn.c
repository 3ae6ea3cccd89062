/*
 * txn: BEGIN TRANSACTION, COMMIT and ROLLBACK as SQL Server counts them
 * (@@TRANCOUNT; a COMMIT decrements, the outermost one makes the work
 * durable; ROLLBACK undoes everything back to the outermost BEGIN), with
 * an undo log per session: each INSERT, UPDATE, DELETE, CREATE TABLE and
 * DROP TABLE inside a transaction records how to reverse itself, and
 * ROLLBACK (or closing the session with a transaction open) replays the
 * log backwards under the instance lock. Rows are found again by their
 * address, tables by database id and name, so undo never touches memory
 * another session freed. There is no isolation or locking between
 * sessions, no savepoints (SAVE TRANSACTION) and no XACT_ABORT.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/dblog.h"
#include "lab/sql/exec.h"
#include "lab/sql/value.h"
#include "util/xalloc.h"

enum undo_kind { UNDO_INSERT, UNDO_DELETE, UNDO_UPDATE, UNDO_CREATE, UNDO_DROP };

struct sqlundo {
	enum undo_kind kind;
	int32_t db_id;
	char *schema;
	char *name;
	struct lab_value *row;  /* INSERT/UPDATE: the row's address; DELETE: the row */
	size_t col;             /* UPDATE */
	struct lab_value old;   /* UPDATE: the value it had (heap) */
	struct sqltable *table; /* DROP: the detached table */
	size_t n_cols;          /* the table's columns when recorded */
};

static struct sqlundo *push(struct lab_session *s, enum undo_kind kind, const struct sqldb *db,
                            const struct sqltable *t)
{
	struct sqlundo u;

	memset(&u, 0, sizeof(u));
	u.kind = kind;
	u.db_id = db->id;
	u.schema = xstrdup(t->schema);
	u.name = xstrdup(t->name);
	u.n_cols = t->n_cols;
	vec_push(&s->undo, u);
	return &s->undo.items[s->undo.len - 1];
}

bool txn_active(const struct lab_session *s)
{
	return s->trancount > 0;
}

void txn_log_insert(struct lab_session *s, const struct sqldb *db, const struct sqltable *t,
                    struct lab_value *row)
{
	dblog_touch(s, (struct sqldb *)db, t, row, false);
	if (txn_active(s))
		push(s, UNDO_INSERT, db, t)->row = row;
}

/* Returns true when the undo log took ownership of the row. */
bool txn_log_delete(struct lab_session *s, const struct sqldb *db, const struct sqltable *t,
                    struct lab_value *row)
{
	dblog_touch(s, (struct sqldb *)db, t, NULL, false);
	if (!txn_active(s))
		return false;
	push(s, UNDO_DELETE, db, t)->row = row;
	return true;
}

/* Returns true when the undo log took ownership of the old value. */
bool txn_log_update(struct lab_session *s, const struct sqldb *db, const struct sqltable *t,
                    struct lab_value *row, size_t col, struct lab_value old)
{
	struct sqlundo *u;

	dblog_touch(s, (struct sqldb *)db, t, NULL, false);
	if (!txn_active(s))
		return false;
	u = push(s, UNDO_UPDATE, db, t);
	u->row = row;
	u->col = col;
	u->old = old;
	return true;
}

void txn_log_create(struct lab_session *s, const struct sqldb *db, const struct sqltable *t)
{
	dblog_touch(s, (struct sqldb *)db, t, NULL, true);
	if (txn_active(s))
		push(s, UNDO_CREATE, db, t);
}

bool txn_log_drop(struct lab_session *s, const struct sqldb *db, struct sqltable *t)
{
	dblog_touch(s, (struct sqldb *)db, t, NULL, false);
	if (!txn_active(s))
		return false;
	push(s, UNDO_DROP, db, t)->table = t;
	return true;
}

static struct sqltable *find(struct sqlinstance *inst, const struct sqlundo *u, struct sqldb **db)
{
	*db = world_db_by_id(inst, u->db_id);
	return *db ? world_table_find(*db, u->schema, u->name) : NULL;
}

static ssize_t row_index(const struct sqltable *t, const struct lab_value *row)
{
	for (size_t r = 0; t && r < t->rows.len; r++)
		if (t->rows.items[r] == row)
			return (ssize_t)r;
	return -1;
}

static void free_row(struct lab_value *row, size_t n)
{
	for (size_t k = 0; row && k < n; k++)
		sqlval_free_heap(&row[k]);
	free(row);
}

/* Reverse one record; frees what it owns either way. */
static void undo_one(struct sqlinstance *inst, struct sqlundo *u)
{
	struct sqldb *db;
	struct sqltable *t = find(inst, u, &db);
	ssize_t r;

	switch (u->kind) {
	case UNDO_INSERT:
		r = row_index(t, u->row);
		if (r >= 0) {
			free_row(u->row, t->n_cols);
			memmove(&t->rows.items[r], &t->rows.items[r + 1],
			        (t->rows.len - (size_t)r - 1) * sizeof(*t->rows.items));
			t->rows.len--;
		}
		break;
	case UNDO_DELETE:
		if (t && t->n_cols == u->n_cols)
			vec_push(&t->rows, u->row);
		else
			free_row(u->row, u->n_cols);
		break;
	case UNDO_UPDATE:
		r = row_index(t, u->row);
		if (r >= 0 && u->col < t->n_cols) {
			sqlval_free_heap(&u->row[u->col]);
			u->row[u->col] = u->old;
		} else {
			sqlval_free_heap(&u->old);
		}
		break;
	case UNDO_CREATE:
		if (t)
			world_table_drop(db, t);
		break;
	case UNDO_DROP:
		if (db && !world_table_find(db, u->table->schema, u->table->name))
			vec_push(&db->tables, u->table);
		else
			world_table_free(u->table);
		break;
	}
}

/* Forget one record after COMMIT; frees what only the log holds. */
static void forget_one(struct sqlundo *u)
{
	if (u->kind == UNDO_DELETE)
		free_row(u->row, u->n_cols);
	else if (u->kind == UNDO_UPDATE)
		sqlval_free_heap(&u->old);
	else if (u->kind == UNDO_DROP)
		world_table_free(u->table);
}

static void clear(struct lab_session *s)
{
	for (size_t i = 0; i < s->undo.len; i++) {
		free(s->undo.items[i].schema);
		free(s->undo.items[i].name);
	}
	s->undo.len = 0;
	s->trancount = 0;
}

void txn_rollback(struct lab_session *s)
{
	for (size_t i = s->undo.len; i-- > 0;)
		undo_one(s->inst, &s->undo.items[i]);
	clear(s);
}

void txn_commit_all(struct lab_session *s)
{
	for (size_t i = 0; i < s->undo.len; i++)
		forget_one(&s->undo.items[i]);
	clear(s);
}

void txn_release(struct lab_session *s)
{
	vec_free(&s->undo);
}
