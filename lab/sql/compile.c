/*
 * compile: the name binding SQL Server does when it compiles a batch,
 * before the first statement runs. A USE of a database that does not
 * exist (911) and a column reference that cannot be bound against tables
 * and views that exist at compile time (207 invalid column, 209
 * ambiguous, 4104 unbound prefix) fail the whole batch. A statement
 * naming an object that does not exist is deferred to run time, as SQL
 * Server's deferred name resolution does; so is everything after a USE
 * (it is compiled against the database at the start of the batch).
 * Binding reuses the executor's type inference with variables treated as
 * declared; other errors it meets are left for run time.
 */
#include <string.h>
#include <strings.h>

#include "lab/sql/exec.h"
#include "lab/sql/value.h"

static bool binding_error(int32_t number)
{
	return number == 207 || number == 209 || number == 4104;
}

/* Does every FROM source of q exist right now? */
static bool sources_exist(struct sqlctx *c, const struct sqlselect *q)
{
	for (size_t i = 0; i < q->n_from; i++) {
		const struct sqlname *n = &q->from[i].obj;
		struct sqldb *db = n->name[0] == '#' ? world_db_by_name(c->inst, "tempdb")
		                   : n->db           ? world_db_by_name(c->inst, n->db)
		                                     : sqlexec_current_db(c);
		struct rowset rs;

		if (n->call) {
			if (!catalog_is_function(n))
				return false;
			continue;
		}
		if (!db || (n->db && world_db_openable(db, &c->err)))
			return false;
		if (!(n->schema && !strcasecmp(n->schema, "sys")) &&
		    world_table_find(db, n->schema, n->name))
			continue;
		if (catalog_open(c, db, n->schema, n->name, &rs) != 1)
			return false;
	}
	return true;
}

static bool orders_by_alias(const struct sqlselect *q, const struct sqlexpr *e)
{
	if (e->kind == EX_LIT)
		return true;
	if (e->kind != EX_COL || e->qual)
		return false;
	for (size_t i = 0; i < q->n_items; i++)
		if (q->items[i].alias && !strcasecmp(q->items[i].alias, e->name))
			return true;
	return false;
}

static int bind_expr(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e)
{
	struct lab_column col;

	if (!e)
		return 0;
	if (e->kind == EX_SUBQ || e->kind == EX_EXISTS) {
		/* binding a subquery runs it through type inference below */
		return 0;
	}
	return sqleval_type(c, env, e, &col);
}

static int bind_select(struct sqlctx *c, const struct sqlselect *q)
{
	struct evalenv env;

	if (!sources_exist(c, q))
		return 0;
	memset(&env, 0, sizeof(env));
	env.src = arena_calloc(c->a, q->n_from + 1, sizeof(*env.src));
	env.n_src = q->n_from;
	for (size_t i = 0; i < q->n_from; i++) {
		env.src[i].alias = q->from[i].alias ? q->from[i].alias : q->from[i].obj.name;
		if (sqlquery_open(c, &q->from[i].obj, 1, &env.src[i].rs))
			return -1;
	}
	for (size_t i = 0; i < q->n_from; i++)
		if (bind_expr(c, &env, q->from[i].on))
			return -1;
	for (size_t i = 0; i < q->n_items; i++)
		if (!q->items[i].star && bind_expr(c, &env, q->items[i].expr))
			return -1;
	if (bind_expr(c, &env, q->where))
		return -1;
	for (size_t i = 0; i < q->n_group; i++)
		if (bind_expr(c, &env, q->group[i]))
			return -1;
	for (size_t i = 0; i < q->n_order; i++)
		if (!orders_by_alias(q, q->order[i].expr) && bind_expr(c, &env, q->order[i].expr))
			return -1;
	return 0;
}

static int bind_target(struct sqlctx *c, const struct sqlstmt *st)
{
	struct sqldb *db = st->obj.name[0] == '#' ? world_db_by_name(c->inst, "tempdb")
	                   : st->obj.db           ? world_db_by_name(c->inst, st->obj.db)
	                                          : sqlexec_current_db(c);
	struct sqltable *t = db ? world_table_find(db, st->obj.schema, st->obj.name) : NULL;
	struct evalenv env;

	if (!t)
		return 0;
	memset(&env, 0, sizeof(env));
	env.src = arena_calloc(c->a, 1, sizeof(*env.src));
	env.n_src = 1;
	env.src[0].alias = st->alias ? st->alias : t->name;
	env.src[0].rs.cols = t->cols;
	env.src[0].rs.n_cols = t->n_cols;
	for (size_t i = 0; i < st->n_sets; i++) {
		struct sqlexpr col;

		memset(&col, 0, sizeof(col));
		col.kind = EX_COL;
		col.name = st->sets[i].col;
		col.line = st->line;
		if (bind_expr(c, &env, &col) || bind_expr(c, &env, st->sets[i].value))
			return -1;
	}
	for (size_t i = 0; i < st->n_ins_cols; i++) {
		struct sqlexpr col;

		memset(&col, 0, sizeof(col));
		col.kind = EX_COL;
		col.name = st->ins_cols[i];
		col.line = st->line;
		if (bind_expr(c, &env, &col))
			return -1;
	}
	return bind_expr(c, &env, st->where);
}

static int bind_list(struct sqlctx *c, struct sqlstmt *const *stmts, size_t n, bool *stop);

static int bind_stmt(struct sqlctx *c, const struct sqlstmt *st, bool *stop)
{
	if (!st || *stop)
		return 0;
	switch (st->kind) {
	case ST_USE:
		*stop = true;
		if (!world_db_by_name(c->inst, st->name))
			return sqlexec_fail(c, AB_BATCH, 911, 16, st->line,
			                    "Database '%s' does not exist. Make sure that the name "
			                    "is entered correctly.",
			                    st->name);
		return 0;
	case ST_SELECT:
		return bind_select(c, st->select);
	case ST_INSERT:
		if (st->select && bind_select(c, st->select))
			return -1;
		return bind_target(c, st);
	case ST_UPDATE:
	case ST_DELETE:
		return bind_target(c, st);
	case ST_BLOCK:
		return bind_list(c, st->body, st->n_body, stop);
	case ST_IF:
		if (bind_expr(c, NULL, st->expr) || bind_stmt(c, st->body[0], stop))
			return -1;
		return bind_stmt(c, st->body[1], stop);
	case ST_TRY:
		if (bind_stmt(c, st->body[0], stop))
			return -1;
		return bind_stmt(c, st->body[1], stop);
	case ST_WHILE:
		if (bind_expr(c, NULL, st->expr))
			return -1;
		return bind_stmt(c, st->body[0], stop);
	default:
		return 0;
	}
}

static int bind_list(struct sqlctx *c, struct sqlstmt *const *stmts, size_t n, bool *stop)
{
	for (size_t i = 0; i < n; i++)
		if (bind_stmt(c, stmts[i], stop))
			return -1;
	return 0;
}

int sqlcompile_batch(struct sqlctx *c, const struct sqlbatch *b)
{
	size_t mark = c->out.len;
	bool stop = false;
	int32_t saved_error = c->error;
	struct outev keep;
	bool found = false;

	c->compiling = true;
	pthread_mutex_lock(&c->inst->lock);
	world_recovery_tick(c->inst); /* a recovery whose time is up is over */
	bind_list(c, b->stmts, b->n, &stop);
	pthread_mutex_unlock(&c->inst->lock);
	c->compiling = false;
	for (size_t i = mark; i < c->out.len && !found; i++) {
		const struct outev *ev = &c->out.items[i];

		if (ev->kind == OUT_MSG &&
		    (binding_error(ev->msg.number) || ev->msg.number == 911)) {
			keep = *ev;
			found = true;
		}
	}
	c->out.len = mark;
	c->abort = AB_NONE;
	c->error = saved_error;
	if (!found)
		return 0;
	vec_push(&c->out, keep);
	c->error = keep.msg.number;
	c->abort = AB_BATCH;
	sqlout_done(c, LAB_DONE_ERROR, 0, 0);
	return -1;
}
