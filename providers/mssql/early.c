/*
 * early: logins started before the caller knows what it will ask
 * (early.h). One thread per login, at most `max` logins; each ends when
 * its login does. A taker waits for its login to end and gets the
 * connection, or the failure exactly as mssql_connect reported it, so an
 * unreachable instance is tried once, not twice.
 *
 * Nobody waits for a login nobody wants: mssql_early_keep and
 * mssql_early_free abandon a login still under way (its thread closes
 * the connection when the login ends), so a spec error or an instance
 * no spec names never holds `pcdr plan` for a login timeout. The handle
 * is freed by whoever drops the last reference: the owner or the last
 * thread.
 */
#include "providers/mssql/early.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/err.h"
#include "util/xalloc.h"

struct early_login {
	struct mssql_early *owner;
	struct mssql_target target; /* its strings are copies: a login may outlive the caller */
	pthread_t thread;
	bool done;
	bool taken;
	bool abandoned; /* the thread closes its connection when the login ends */
	struct mssql_conn *conn;
	enum mssql_failure failure;
	int error;
	char *reason; /* err_last() of a failed login */
};

struct mssql_early {
	pthread_mutex_t lock;
	pthread_cond_t ended;
	struct early_login *logins;
	size_t n;
	size_t refs; /* the owner's, and one per running thread */
};

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void early_target_copy(struct mssql_target *dst, const struct mssql_target *src)
{
	*dst = *src;
	dst->name = dup_or_null(src->name);
	dst->address = dup_or_null(src->address);
	dst->server = dup_or_null(src->server);
	dst->user = dup_or_null(src->user);
	dst->password = dup_or_null(src->password);
}

static void early_target_free(struct mssql_target *t)
{
	if (t->password)
		memset((char *)t->password, 0, strlen(t->password));
	free((char *)t->name);
	free((char *)t->address);
	free((char *)t->server);
	free((char *)t->user);
	free((char *)t->password);
}

static void early_destroy(struct mssql_early *e)
{
	for (size_t i = 0; i < e->n; i++) {
		mssql_close(e->logins[i].conn);
		free(e->logins[i].reason);
		early_target_free(&e->logins[i].target);
	}
	pthread_cond_destroy(&e->ended);
	pthread_mutex_destroy(&e->lock);
	free(e->logins);
	free(e);
}

static void *early_run(void *arg)
{
	struct early_login *l = arg;
	struct mssql_early *e = l->owner;
	struct mssql_conn *conn = NULL;
	enum mssql_failure failure = MSSQL_FAIL_NONE;
	int error;
	bool last;

	err_clear();
	error = mssql_connect(&conn, &failure, &l->target);
	pthread_mutex_lock(&e->lock);
	if (l->abandoned) {
		mssql_close(conn);
		conn = NULL;
	}
	l->conn = conn;
	l->failure = failure;
	l->error = error;
	l->reason = error < 0 ? xstrdup(err_last()) : NULL;
	l->done = true;
	pthread_cond_broadcast(&e->ended);
	last = --e->refs == 0;
	pthread_mutex_unlock(&e->lock);
	if (last)
		early_destroy(e);
	return NULL;
}

struct mssql_early *mssql_early_start(const struct mssql_target *targets, size_t n,
                                      unsigned max_connections)
{
	struct mssql_early *e = xcalloc(1, sizeof(*e));
	size_t max = max_connections ? max_connections : 8;

	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->ended, NULL);
	e->n = n < max ? n : max;
	e->logins = xcalloc(e->n ? e->n : 1, sizeof(*e->logins));
	e->refs = 1;
	pthread_mutex_lock(&e->lock); /* a thread that ends at once finds refs right */
	for (size_t i = 0; i < e->n; i++) {
		struct early_login *l = &e->logins[i];

		l->owner = e;
		early_target_copy(&l->target, &targets[i]);
		e->refs++;
		if (pthread_create(&l->thread, NULL, early_run, l) == 0)
			pthread_detach(l->thread);
		else {
			e->refs--;
			l->done = l->taken = true; /* never begun: the taker connects itself */
		}
	}
	pthread_mutex_unlock(&e->lock);
	return e;
}

static struct early_login *early_find(struct mssql_early *e, const char *name)
{
	for (size_t i = 0; e && name && i < e->n; i++)
		if (!e->logins[i].taken && !strcasecmp(e->logins[i].target.name, name))
			return &e->logins[i];
	return NULL;
}

int mssql_early_take(struct mssql_early *e, const char *name, struct mssql_conn **conn,
                     enum mssql_failure *failure)
{
	struct early_login *l;
	int error = 1;

	*conn = NULL;
	if (!e)
		return 0;
	pthread_mutex_lock(&e->lock);
	if (!(l = early_find(e, name))) {
		pthread_mutex_unlock(&e->lock);
		return 0;
	}
	l->taken = true;
	while (!l->done)
		pthread_cond_wait(&e->ended, &e->lock);
	*conn = l->conn;
	l->conn = NULL;
	*failure = l->failure;
	if (l->error < 0)
		error = err_set(l->error, "%s", l->reason ? l->reason : "cannot connect");
	pthread_mutex_unlock(&e->lock);
	return error;
}

size_t mssql_early_count(const struct mssql_early *e)
{
	return e ? e->n : 0;
}

const char *mssql_early_name(const struct mssql_early *e, size_t i)
{
	return e->logins[i].target.name; /* set before the threads start, never changed */
}

/* With the lock held: nobody will take `l`; close its connection, now or
 * when its login ends. */
static void early_abandon(struct early_login *l)
{
	l->taken = true;
	if (!l->done) {
		l->abandoned = true;
		return;
	}
	mssql_close(l->conn);
	l->conn = NULL;
}

void mssql_early_keep(struct mssql_early *e, const char *const *names, size_t n)
{
	if (!e)
		return;
	pthread_mutex_lock(&e->lock);
	for (size_t i = 0; i < e->n; i++) {
		struct early_login *l = &e->logins[i];
		bool wanted = false;

		for (size_t k = 0; k < n && !wanted; k++)
			wanted = !strcasecmp(l->target.name, names[k]);
		if (!wanted && !l->taken)
			early_abandon(l);
	}
	pthread_mutex_unlock(&e->lock);
}

void mssql_early_free(struct mssql_early *e)
{
	bool last;

	if (!e)
		return;
	pthread_mutex_lock(&e->lock);
	for (size_t i = 0; i < e->n; i++)
		if (!e->logins[i].abandoned)
			early_abandon(&e->logins[i]);
	last = --e->refs == 0;
	pthread_mutex_unlock(&e->lock);
	if (last)
		early_destroy(e);
}
