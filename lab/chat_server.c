/*
 * chat_server: one simulated Persistent Chat server's loop. Before every
 * message it re-reads the pool state when DIR/pool.json changed (stat:
 * inode, size, mtime); while it is not in the active list it writes
 * nothing and holds no connection. Otherwise it writes to mgc on the
 * pool's principal instance (lab/pool.c: labpool_principal) and, like a
 * client with a failover partner, moves to the site's other instance
 * when the connection is lost or the database answers 954 (mirror) or
 * 927 (restoring); a pool state change drops the connection. Each
 * message is one batch: the INSERT into mgc.dbo.tblChat and, in the
 * same batch, the database's mirroring role and role sequence (what the
 * ledger records as CLAIMED). Only an INSERT that reported one row and
 * no error is acknowledged (appended to the ledger); anything else is
 * refused and logged.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "lab/chat.h"
#include "lab/chat_int.h"
#include "lab/chatdb.h"
#include "lab/labfile.h"
#include "util/err.h"
#include "util/strbuf.h"

#define CHAT_LOGIN_TIMEOUT_S 3
#define CHAT_QUERY_TIMEOUT_S 5
#define CHAT_RETRY_US        200000

void chat_sleep_us(int64_t us)
{
	while (us > 0 && !chat_stopping) {
		int64_t step = us < 50000 ? us : 50000;
		struct timespec ts = {0, (long)step * 1000};
		nanosleep(&ts, NULL);
		us -= step;
	}
}

/* Log a problem once, until a different one (or success) replaces it. */
__attribute__((format(printf, 2, 3))) static void note(struct chat_server *s, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strcmp(msg, s->last_problem[s->candidate])) {
		chat_log("%s: %s", s->name, msg);
		snprintf(s->last_problem[s->candidate], sizeof(s->last_problem[0]), "%s", msg);
	}
}

static void pool_refresh(struct chat_server *s)
{
	char path[PATH_MAX];
	struct stat st;
	struct labpool fresh;

	if (stat(labfile_path(path, sizeof(path), s->sh->dir, LABPOOL_FILE), &st) < 0)
		memset(&st, 0, sizeof(st)); /* no file yet: the initial state */
	if (st.st_ino == s->pool_st.st_ino && st.st_size == s->pool_st.st_size &&
	    st.st_mtim.tv_sec == s->pool_st.st_mtim.tv_sec &&
	    st.st_mtim.tv_nsec == s->pool_st.st_mtim.tv_nsec && s->pool_st.st_ino)
		return;
	if (labpool_read(&fresh, s->sh->dir) < 0) {
		note(s, "cannot read the pool state: %s", err_last());
		err_clear();
		return;
	}
	labpool_release(&s->pool);
	s->pool = fresh;
	s->pool_st = st;
}

static bool is_active(const struct chat_server *s)
{
	for (size_t i = 0; i < s->pool.n_active; i++)
		if (!strcasecmp(s->pool.active[i], s->name))
			return true;
	return false;
}

static void set_instance(struct chat_server *s, const char *instance, bool active)
{
	pthread_mutex_lock(&s->sh->stats_lock);
	snprintf(s->instance, sizeof(s->instance), "%s", instance ? instance : "");
	s->active = active;
	pthread_mutex_unlock(&s->sh->stats_lock);
}

static void set_active(struct chat_server *s, bool active)
{
	pthread_mutex_lock(&s->sh->stats_lock);
	s->active = active;
	pthread_mutex_unlock(&s->sh->stats_lock);
}

static void drop_conn(struct chat_server *s)
{
	chatdb_close(s->conn);
	s->conn = NULL;
	set_instance(s, NULL, s->active);
}

/* The instance to try now: the principal, or its partner after a failure. */
static const char *target(const struct chat_server *s)
{
	const char *partner = NULL;
	const char *principal = labpool_principal(s->sh->topo, s->pool.failed_over, &partner);

	return s->candidate && partner ? partner : principal;
}

static void switch_partner(struct chat_server *s)
{
	s->candidate ^= 1;
}

static int ensure_conn(struct chat_server *s)
{
	struct chatdb_login login = {NULL,  s->sh->user,          s->sh->password,
	                             "mgc", CHAT_LOGIN_TIMEOUT_S, CHAT_QUERY_TIMEOUT_S};
	int number = 0;

	if (s->conn && s->conn_failed_over != s->pool.failed_over) {
		chat_log("%s: the pool is now %s: reconnecting", s->name,
		         s->pool.failed_over ? "FailedOver" : "Normal");
		drop_conn(s);
		s->candidate = 0;
	}
	if (s->conn && !chatdb_dead(s->conn))
		return 0;
	drop_conn(s);
	if (!(login.server = target(s)))
		return err_set(ERR_NOTFOUND, "the topology has no site for the pool state");
	if (chatdb_connect(&s->conn, &login, &number) < 0) {
		note(s, "%s", err_last());
		switch_partner(s);
		return ERR_UNREACHABLE;
	}
	s->conn_failed_over = s->pool.failed_over;
	s->last_problem[0][0] = s->last_problem[1][0] = '\0';
	chat_log("%s: connected to mgc on '%s'", s->name, login.server);
	set_instance(s, login.server, true);
	return 0;
}

/* The connection failed in a way a failover partner answers. */
static void after_failure(struct chat_server *s, int error, int number)
{
	if (error == ERR_UNREACHABLE || error == ERR_TIMEOUT || chatdb_dead(s->conn)) {
		drop_conn(s); /* try the same instance again first: it may be back */
	} else if (number == 954 || number == 927 || number == 942 || number == 4060) {
		drop_conn(s);
		switch_partner(s);
	}
}

static void ping(struct chat_server *s)
{
	struct strbuf sql = STRBUF_INIT;
	int64_t affected;
	int number, error;

	strbuf_printf(&sql,
	              "UPDATE mgc.dbo.tblServerIdentity SET serverAddress = "
	              "N'net.tcp://%s:8011', serverLastPingTime = GETUTCDATE() WHERE serverID = %d;"
	              " IF @@ROWCOUNT = 0 INSERT INTO mgc.dbo.tblServerIdentity (serverID, "
	              "serverAddress, serverLastPingTime) VALUES (%d, N'net.tcp://%s:8011', "
	              "GETUTCDATE());",
	              s->sql_name, s->server_id, s->server_id, s->sql_name);
	if ((error = chatdb_exec(s->conn, sql.ptr, NULL, NULL, &number, &affected)) < 0) {
		note(s, "ping refused: %s", err_last());
		after_failure(s, error, number);
	}
	s->last_ping_us = labfile_now_us();
	strbuf_release(&sql);
}

/* What the batch said besides the INSERT's count. */
struct ack_info {
	char claimed[32];
	uint64_t lsn;   /* 0: unknown */
	int64_t lab_us; /* 0: unknown */
};

static void claimed_row(void *ctx, int n, const char *const *cells)
{
	struct ack_info *a = ctx;

	if (n >= 2 && cells[0] && cells[1])
		snprintf(a->claimed, sizeof(a->claimed), "%s/%s", cells[0], cells[1]);
	else if (n >= 1)
		snprintf(a->claimed, sizeof(a->claimed), "ONLINE");
	if (n >= 3 && cells[2] && ledger_time_parse(cells[2], &a->lab_us) < 0)
		a->lab_us = 0;
	if (n >= 4 && cells[3] && ledger_lsn_parse(cells[3], &a->lsn) < 0)
		a->lsn = 0;
	err_clear();
}

static int64_t take_id(struct chat_shared *sh)
{
	int64_t id;

	pthread_mutex_lock(&sh->ledger_lock);
	id = sh->next_id++;
	pthread_mutex_unlock(&sh->ledger_lock);
	return id;
}

static void acknowledge(struct chat_server *s, int64_t id, const char *instance,
                        const struct ack_info *a)
{
	struct ledger_entry e = {id,         s->name, labfile_now_us(), instance,
	                         a->claimed, a->lsn,  a->lab_us};
	struct strbuf line = STRBUF_INIT;

	ledger_format_line(&line, &e);
	pthread_mutex_lock(&s->sh->ledger_lock);
	if (write(s->sh->ledger_fd, line.ptr, line.len) != (ssize_t)line.len)
		chat_log("%s: cannot append message %lld to the ledger: %s", s->name, (long long)id,
		         strerror(errno));
	pthread_mutex_unlock(&s->sh->ledger_lock);
	pthread_mutex_lock(&s->sh->stats_lock);
	s->acked++;
	pthread_mutex_unlock(&s->sh->stats_lock);
	strbuf_release(&line);
}

static void send_one(struct chat_server *s)
{
	struct strbuf sql = STRBUF_INIT;
	struct ack_info ack = {"-", 0, 0};
	char instance[256];
	int64_t id = take_id(s->sh), affected;
	int number, error;

	snprintf(instance, sizeof(instance), "%s", s->instance);
	strbuf_printf(&sql,
	              "INSERT INTO mgc.dbo.tblChat (channelId, chatId, chatDate, userId, isAlert, "
	              "content) VALUES (%d, %lld, %lld, %d, 0, N'message %lld from %s');"
	              " SELECT m.mirroring_role_desc, m.mirroring_role_sequence,"
	              " CONVERT(varchar(30), SYSUTCDATETIME(), 126), l.log_end_lsn"
	              " FROM sys.database_mirroring AS m"
	              " CROSS JOIN sys.dm_db_log_stats(DB_ID(N'mgc')) AS l"
	              " WHERE m.database_id = DB_ID(N'mgc');",
	              s->server_id, (long long)id, (long long)labfile_now_us(), s->server_id,
	              (long long)id, s->sql_name);
	error = chatdb_exec(s->conn, sql.ptr, claimed_row, &ack, &number, &affected);
	if (!error && affected == 1) {
		acknowledge(s, id, instance, &ack);
		s->last_problem[0][0] = s->last_problem[1][0] = '\0';
	} else {
		pthread_mutex_lock(&s->sh->stats_lock);
		s->refused++;
		pthread_mutex_unlock(&s->sh->stats_lock);
		chat_log("%s: message %lld refused by '%s': %s", s->name, (long long)id, instance,
		         error ? err_last() : "the INSERT reported no row");
		after_failure(s, error, number);
	}
	err_clear();
	strbuf_release(&sql);
}

/* Wait for this server's next message slot. */
static void pace(struct chat_server *s)
{
	int64_t now = labfile_now_us(), period = 1000000 / s->sh->rate;

	s->next_slot_us += period;
	if (s->next_slot_us < now - 1000000 || s->next_slot_us > now + period)
		s->next_slot_us = now + period; /* fell behind, or the clock moved */
	chat_sleep_us(s->next_slot_us - now);
}

/* The server's name inside N'...': quotes doubled (the topology is trusted,
 * but a name is never pasted into SQL unquoted). */
static void quote_name(struct chat_server *s)
{
	size_t k = 0;

	for (const char *p = s->name; *p && k + 3 < sizeof(s->sql_name); p++) {
		if (*p == '\'')
			s->sql_name[k++] = '\'';
		s->sql_name[k++] = *p;
	}
	s->sql_name[k] = '\0';
}

void *chat_server_run(void *arg)
{
	struct chat_server *s = arg;

	quote_name(s);
	while (!chat_stopping) {
		err_clear();
		pool_refresh(s);
		if (!is_active(s)) {
			if (s->conn || s->active)
				chat_log("%s: not an active server: idle", s->name);
			drop_conn(s);
			set_active(s, false);
			chat_sleep_us(50000);
			continue;
		}
		if (!s->active) {
			chat_log("%s: active", s->name);
			set_active(s, true);
		}
		if (ensure_conn(s) < 0) {
			chat_sleep_us(CHAT_RETRY_US);
			continue;
		}
		if (labfile_now_us() - s->last_ping_us >= CHAT_PING_SECONDS * 1000000LL)
			ping(s);
		if (s->conn)
			send_one(s);
		pace(s);
	}
	drop_conn(s);
	labpool_release(&s->pool);
	return NULL;
}
