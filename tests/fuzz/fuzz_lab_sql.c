/*
 * fuzz_lab_sql: libFuzzer target for the lab's T-SQL engine. Each input
 * is one batch run by a new sysadmin session on a world (two instances,
 * an mgc database) that is rebuilt every 64 inputs; the first byte also chooses whether the rest is
 * sent as a batch, as sp_executesql's statement by RPC, or as its
 * @params declaration. Hostile SQL must never crash, hang or leak: every
 * path ends in rows or a SQL Server error. Inputs with WAITFOR or WHILE
 * are skipped, as they really sleep or loop until cancelled.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lab/engine.h"
#include "lab/sql/value.h"
#include "util/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_columns(void *ctx, const struct lab_column *cols, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++)
		if (!cols[i].name)
			abort();
}

static void on_row(void *ctx, const struct lab_value *vals, size_t n)
{
	(void)ctx;
	for (size_t i = 0; i < n; i++)
		if (!vals[i].is_null && vals[i].slen && !vals[i].s)
			abort();
}

static void on_done(void *ctx, enum lab_done_kind kind, uint16_t status, uint16_t curcmd,
                    uint64_t rowcount)
{
	(void)ctx, (void)kind, (void)status, (void)curcmd, (void)rowcount;
}

static void on_message(void *ctx, const struct lab_message *m)
{
	(void)ctx;
	if (!m->text || !m->proc || !m->server)
		abort();
}

static void on_env(void *ctx, const char *a, const char *b)
{
	(void)ctx, (void)a, (void)b;
}

static void on_ret(void *ctx, int32_t s)
{
	(void)ctx, (void)s;
}

static bool on_cancelled(void *ctx)
{
	(void)ctx;
	return false;
}

static struct lab_world *make_world(void)
{
	static struct lab_topo_database dbs[] = {{"mgc", "FULL", 10}};
	static struct lab_topo_instance inst[] = {
	        {"sqla.dc1.lab", "dc1", dbs, 1},
	        {"sqlb.dc2.lab", "dc2", NULL, 0},
	};
	static struct lab_topo_login logins[] = {{"pcdr", "pw", true}};
	struct lab_topology topo;
	struct lab_world *w = NULL;

	memset(&topo, 0, sizeof(topo));
	topo.instances = inst;
	topo.n_instances = 2;
	topo.logins = logins;
	topo.n_logins = 1;
	if (lab_world_create(&w, &topo, NULL))
		abort();
	return w;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lab_sink sink = {NULL,   on_columns, on_row,       on_done, on_message,
	                        on_env, on_ret,     on_cancelled, NULL};
	struct lab_login login = {"pcdr", "pw", "", "fuzz", "fuzzhost", "", 0x74000004, 4096};
	struct lab_login_result res;
	static struct lab_world *w;
	static unsigned runs;
	struct lab_session *s;
	char *sql;
	uint8_t mode = size ? data[0] % 4 : 0;

	if (size > 65536)
		return 0;
	/* a fresh world every 64 inputs: fast, yet state cannot pile up */
	if (!w || ++runs % 64 == 0) {
		lab_world_free(w);
		w = make_world();
	}
	if (lab_session_open(w, 0, &login, &s, &res))
		abort();
	sql = malloc(size + 1);
	if (size)
		memcpy(sql, data + 1, size - 1);
	sql[size ? size - 1 : 0] = '\0';
	/* WAITFOR really waits and WHILE 1=1 really loops: a fuzz sink never
	 * cancels (the unit tests cover both with a cancelling sink) */
	if (strcasestr(sql, "WAITFOR") || strcasestr(sql, "WHILE")) {
		free(sql);
		lab_session_close(s);
		return 0;
	}
	if (mode < 2) {
		lab_session_batch(s, sql, &sink);
	} else {
		struct arena a = ARENA_INIT;
		struct lab_param p[3];
		char *cut = strchr(sql, '|');

		memset(p, 0, sizeof(p));
		if (cut)
			*cut = '\0';
		p[0].value = sqlval_cstr(&a, sql);
		p[1].value = sqlval_cstr(&a, cut ? cut + 1 : "@p int");
		p[2].name = "@p";
		p[2].value = sqlval_int(LAB_T_INT, 7);
		lab_session_rpc(s, mode == 2 ? "sp_executesql" : "master.sys.sp_executesql", p, 3,
		                &sink);
		arena_release(&a);
	}
	lab_session_batch(
	        s, "SELECT name FROM sys.databases; SELECT COUNT(*) FROM msdb.dbo.sysjobs", &sink);
	free(sql);
	lab_session_close(s);
	return 0;
}
