/*
 * steps_conn: the real steps_io (steps.h) over db-lib. One connection per
 * instance, made on first use (mssql_connect: master, TDS 7.4 pinned) and
 * kept for the rest of the step; a connection that failed in a batch is
 * dropped so the next batch reconnects. Every server message of a batch
 * is watched as it arrives: 3211 "n percent processed." (WITH STATS)
 * goes to the progress callback with the instance's name. Not shared
 * between threads: apply makes one per step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "providers/mssql/steps.h"
#include "util/err.h"
#include "util/xalloc.h"

struct steps_link {
	struct steps_conn *owner;
	const struct mssql_target *target;
	struct mssql_conn *conn;
};

struct steps_conn {
	struct steps_link *links;
	size_t n;
	steps_progress_fn progress;
	void *progress_ctx;
};

struct steps_conn *steps_conn_new(const struct mssql_target *targets, size_t n,
                                  steps_progress_fn progress, void *progress_ctx)
{
	struct steps_conn *c = xcalloc(1, sizeof(*c));

	c->links = xcalloc(n ? n : 1, sizeof(*c->links));
	c->n = n;
	for (size_t i = 0; i < n; i++) {
		c->links[i].owner = c;
		c->links[i].target = &targets[i];
	}
	c->progress = progress;
	c->progress_ctx = progress_ctx;
	return c;
}

static void on_message(void *ctx, const struct mssql_message *msg)
{
	struct steps_link *l = ctx;
	int percent;

	if (msg->number != 3211 || !l->owner->progress || !msg->text)
		return;
	if (sscanf(msg->text, "%d percent", &percent) == 1)
		l->owner->progress(l->owner->progress_ctx, l->target->name, percent);
}

static struct steps_link *link_of(struct steps_conn *c, const char *instance)
{
	for (size_t i = 0; i < c->n; i++)
		if (!strcasecmp(c->links[i].target->name, instance))
			return &c->links[i];
	return NULL;
}

static int conn_exec(void *ctx, const char *instance, const char *sql, struct mssql_result *res)
{
	struct steps_conn *c = ctx;
	struct steps_link *l = link_of(c, instance);
	enum mssql_failure failure = MSSQL_FAIL_NONE;
	int rc;

	if (!l)
		return err_set(ERR_NOTFOUND, "no connection settings for '%s'", instance);
	if (!l->conn) {
		if ((rc = mssql_connect(&l->conn, &failure, l->target)) < 0)
			return rc;
		mssql_on_message(l->conn, on_message, l);
	}
	rc = mssql_exec(l->conn, sql, res, &failure);
	if (rc < 0) {
		mssql_close(l->conn);
		l->conn = NULL;
	}
	return rc;
}

void steps_conn_io(struct steps_io *io, struct steps_conn *conn)
{
	io->ctx = conn;
	io->exec = conn_exec;
}

void steps_conn_free(struct steps_conn *conn)
{
	if (!conn)
		return;
	for (size_t i = 0; i < conn->n; i++)
		if (conn->links[i].conn)
			mssql_close(conn->links[i].conn);
	free(conn->links);
	free(conn);
}
