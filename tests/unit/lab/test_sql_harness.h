/*
 * test_sql_harness: shared by the engine's unit tests. Builds a small
 * topology in code (two instances, a login, an mgc database), opens a
 * session, and records everything the engine sends to its sink as one
 * line of text per event, so a test compares a whole response at once:
 *
 *   cols name:nvarchar(128) id:int?       ("?" = nullable)
 *   row 'master' 1 NULL
 *   done 0x10 C1 4                          (status, CurCmd, row count)
 *   doneinproc / doneproc ...
 *   msg 208 16 1 L1 Invalid object name 'x'.   (INFO: "info ...")
 *   env mgc<master
 *   ret 0
 */
#ifndef PCDR_TEST_SQL_HARNESS_H
#define PCDR_TEST_SQL_HARNESS_H

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/engine.h"
#include "lab/sql/value.h"
#include "util/strbuf.h"

struct rec {
	struct strbuf sb;
	int cancel_after; /* >0: report cancelled after this many done events */
	int dones;
};

static void rec_value(struct strbuf *sb, const struct lab_value *v)
{
	struct arena a = ARENA_INIT;
	size_t n;
	const char *t;

	if (v->is_null) {
		strbuf_puts(sb, "NULL");
		return;
	}
	t = sqlval_text(v, &a, &n);
	if (v->type == LAB_T_NVARCHAR || v->type == LAB_T_VARCHAR ||
	    v->type == LAB_T_UNIQUEIDENTIFIER)
		strbuf_printf(sb, "'%.*s'", (int)n, t);
	else if (v->type == LAB_T_DATETIME || v->type == LAB_T_DATETIME2)
		strbuf_puts(sb, "<time>");
	else
		strbuf_printf(sb, "%.*s", (int)n, t);
	arena_release(&a);
}

static void rec_columns(void *ctx, const struct lab_column *cols, size_t n)
{
	struct rec *r = ctx;

	strbuf_puts(&r->sb, "cols");
	for (size_t i = 0; i < n; i++) {
		strbuf_printf(&r->sb, " %s:%s", cols[i].name, sqlval_type_name(cols[i].type));
		if (cols[i].type == LAB_T_NVARCHAR || cols[i].type == LAB_T_VARCHAR ||
		    cols[i].type == LAB_T_VARBINARY)
			strbuf_printf(&r->sb, "(%d)", (int)cols[i].length);
		if (cols[i].type == LAB_T_NUMERIC)
			strbuf_printf(&r->sb, "(%d,%d)", cols[i].precision, cols[i].scale);
		if (cols[i].nullable)
			strbuf_putc(&r->sb, '?');
	}
	strbuf_putc(&r->sb, '\n');
}

static void rec_row(void *ctx, const struct lab_value *vals, size_t n)
{
	struct rec *r = ctx;

	strbuf_puts(&r->sb, "row");
	for (size_t i = 0; i < n; i++) {
		strbuf_putc(&r->sb, ' ');
		rec_value(&r->sb, &vals[i]);
	}
	strbuf_putc(&r->sb, '\n');
}

static void rec_done(void *ctx, enum lab_done_kind kind, uint16_t status, uint16_t curcmd,
                     uint64_t rowcount)
{
	struct rec *r = ctx;
	static const char *const names[] = {"done", "doneproc", "doneinproc"};

	r->dones++;
	strbuf_printf(&r->sb, "%s 0x%X %X %" PRIu64 "\n", names[kind], status, curcmd, rowcount);
}

static void rec_message(void *ctx, const struct lab_message *m)
{
	struct rec *r = ctx;

	strbuf_printf(&r->sb, "%s %d %d %d L%d %s%s%s\n", m->is_error ? "msg" : "info", m->number,
	              m->severity, m->state, m->line, *m->proc ? "[" : "", m->proc,
	              *m->proc ? "] " : "");
	strbuf_truncate(&r->sb, r->sb.len - 1);
	strbuf_printf(&r->sb, "%s%s\n", *m->proc ? "" : "", m->text);
}

static void rec_env(void *ctx, const char *new_db, const char *old_db)
{
	struct rec *r = ctx;

	strbuf_printf(&r->sb, "env %s<%s\n", new_db, old_db);
}

static void rec_ret(void *ctx, int32_t status)
{
	struct rec *r = ctx;

	strbuf_printf(&r->sb, "ret %d\n", status);
}

static bool rec_cancelled(void *ctx)
{
	struct rec *r = ctx;

	return r->cancel_after > 0 && r->dones >= r->cancel_after;
}

static struct lab_sink rec_sink(struct rec *r)
{
	struct lab_sink s = {r,       rec_columns, rec_row,       rec_done, rec_message,
	                     rec_env, rec_ret,     rec_cancelled, NULL};

	return s;
}

/* --- a world --------------------------------------------------------- */

struct fixture {
	struct lab_topology topo;
	struct lab_topo_instance inst[2];
	struct lab_topo_database dbs[2];
	struct lab_topo_login logins[2];
	struct lab_world *world;
	struct lab_session *s;
	struct rec rec;
};

static void fixture_topology(struct fixture *f)
{
	memset(&f->topo, 0, sizeof(f->topo));
	f->dbs[0].name = "mgc";
	f->dbs[0].recovery = "FULL";
	f->dbs[0].size_mb = 100;
	f->dbs[1].name = "mgccomp";
	f->dbs[1].recovery = "SIMPLE";
	f->inst[0].name = "sqla.dc1.lab";
	f->inst[0].site = "dc1";
	f->inst[0].databases = f->dbs;
	f->inst[0].n_databases = 2;
	f->inst[1].name = "sqlb.dc2.lab";
	f->inst[1].site = "dc2";
	f->inst[1].databases = NULL;
	f->inst[1].n_databases = 0;
	f->logins[0].name = "pcdr";
	f->logins[0].password = "Secret-1";
	f->logins[0].sysadmin = true;
	f->logins[1].name = "reader";
	f->logins[1].password = "r";
	f->logins[1].sysadmin = false;
	f->topo.pool = "service:atl-pchat.lab";
	f->topo.instances = f->inst;
	f->topo.n_instances = 2;
	f->topo.logins = f->logins;
	f->topo.n_logins = 2;
}

static int fixture_open(struct fixture *f, const char *state_dir)
{
	struct lab_login login;
	struct lab_login_result res;

	fixture_topology(f);
	strbuf_init(&f->rec.sb, 0);
	if (lab_world_create(&f->world, &f->topo, state_dir))
		return -1;
	memset(&login, 0, sizeof(login));
	login.user = "pcdr";
	login.password = "Secret-1";
	login.database = "";
	login.app_name = "unit";
	login.host_name = "testhost";
	return lab_session_open(f->world, 0, &login, &f->s, &res);
}

static void fixture_close(struct fixture *f)
{
	lab_session_close(f->s);
	lab_world_free(f->world);
	strbuf_release(&f->rec.sb);
}

/* Run a batch and return the transcript (valid until the next call). */
static const char *run(struct fixture *f, const char *sql)
{
	struct lab_sink sink = rec_sink(&f->rec);

	strbuf_reset(&f->rec.sb);
	f->rec.dones = 0;
	lab_session_batch(f->s, sql, &sink);
	return strbuf_cstr(&f->rec.sb);
}

#endif
