/*
 * catalog: the system catalog views and DMVs of the lab, generated from
 * live engine state each time they are read: sys.databases,
 * sys.database_mirroring, sys.endpoints, sys.tcp_endpoints,
 * sys.database_mirroring_endpoints, sys.dm_exec_sessions and
 * sys.sysprocesses (also as dbo.sysprocesses), with the column names and
 * types of the SQL Server documentation (a documented subset of the
 * columns; see lab/CONFORMANCE.md). They are server-scoped: every
 * database shows the same rows. Permissions are modelled only where the
 * reference says they change what is seen (mirror rows need sysadmin).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/exec.h"
#include "lab/sql/value.h"

#include "lab/sql/catalog.h"

void catalog_start(struct builder *b, struct sqlctx *c, struct rowset *rs,
                   const struct colspec *spec, size_t n_cols, size_t max_rows)
{
	struct lab_column *cols = arena_calloc(c->a, n_cols, sizeof(*cols));

	for (size_t i = 0; i < n_cols; i++) {
		cols[i].name = spec[i].name;
		cols[i].type = spec[i].type;
		cols[i].length = spec[i].length;
		cols[i].precision = spec[i].precision;
		cols[i].scale = spec[i].scale;
		cols[i].nullable = spec[i].nullable;
	}
	b->c = c;
	b->rs = rs;
	rs->cols = cols;
	rs->n_cols = n_cols;
	rs->n_rows = 0;
	rs->rows = arena_calloc(c->a, max_rows ? max_rows : 1, sizeof(*rs->rows));
}

void catalog_row(struct builder *b)
{
	b->row = arena_calloc(b->c->a, b->rs->n_cols, sizeof(*b->row));
	for (size_t i = 0; i < b->rs->n_cols; i++)
		b->row[i] = sqlval_null(b->rs->cols[i].type);
	b->rs->rows[b->rs->n_rows++] = b->row;
	b->k = 0;
}

void catalog_put_int(struct builder *b, int64_t i)
{
	b->row[b->k] = sqlval_int(b->rs->cols[b->k].type, i);
	b->k++;
}

void catalog_put_text(struct builder *b, const char *s)
{
	if (s)
		b->row[b->k] = sqlval_str(b->c->a, LAB_T_NVARCHAR, s, strlen(s));
	b->k++;
}

void catalog_put_time(struct builder *b, int64_t us)
{
	struct sqltype t = {LAB_T_DATETIME, 8, 23, 3};
	struct lab_value raw = sqlval_time(LAB_T_DATETIME2, us);

	sqlval_convert(&b->row[b->k], &raw, &t, -1, b->c->a, &b->c->err);
	b->k++;
}

void catalog_put_null(struct builder *b)
{
	b->k++;
}

void catalog_put_lsn(struct builder *b, const char *lsn)
{
	if (lsn && *lsn)
		b->row[b->k] = sqlval_str(b->c->a, LAB_T_NUMERIC, lsn, strlen(lsn));
	b->k++;
}

/* --- sys.databases ---------------------------------------------------- */

static const char *const state_desc[] = {"ONLINE",  "RESTORING", "RECOVERING", "RECOVERY_PENDING",
                                         "SUSPECT", "EMERGENCY", "OFFLINE"};

static void view_databases(struct sqlctx *c, struct rowset *rs)
{
	static const struct colspec spec[] = {
	        C_SYSNAME("name", false),
	        C_INT("database_id", false),
	        C_INT("source_database_id", true),
	        C_DT("create_date", false),
	        C_TINY("compatibility_level", false),
	        C_SYSNAME("collation_name", true),
	        C_TINY("user_access", true),
	        C_DESC("user_access_desc"),
	        C_BIT("is_read_only", true),
	        C_TINY("state", true),
	        C_DESC("state_desc"),
	        C_BIT("is_in_standby", true),
	        C_TINY("recovery_model", true),
	        C_DESC("recovery_model_desc"),
	        C_TINY("log_reuse_wait", true),
	        C_DESC("log_reuse_wait_desc"),
	};
	static const char *const access[] = {"MULTI_USER", "SINGLE_USER", "RESTRICTED_USER"};
	static const char *const model[] = {NULL, "FULL", "BULK_LOGGED", "SIMPLE"};
	struct builder b;

	catalog_start(&b, c, rs, spec, sizeof(spec) / sizeof(spec[0]), c->inst->dbs.len);
	for (size_t i = 0; i < c->inst->dbs.len; i++) {
		const struct sqldb *db = c->inst->dbs.items[i];
		bool online = db->state == DB_ONLINE;
		bool mirrored = db->mirror.on && db->mirror.role == 1;

		/* an OFFLINE database is hidden from logins without ALTER ANY
		 * DATABASE / CREATE DATABASE (modelled: non-sysadmin) */
		if (db->state == DB_OFFLINE && !c->s->sysadmin)
			continue;

		catalog_row(&b);
		catalog_put_text(&b, db->name);
		catalog_put_int(&b, db->id);
		catalog_put_null(&b);
		catalog_put_time(&b, db->create_us);
		catalog_put_int(&b, 130);
		catalog_put_text(&b, online ? "SQL_Latin1_General_CP1_CI_AS" : NULL);
		catalog_put_int(&b, db->user_access % 3);
		catalog_put_text(&b, access[db->user_access % 3]);
		catalog_put_int(&b, db->is_read_only || db->is_in_standby);
		catalog_put_int(&b, db->state);
		catalog_put_text(&b, state_desc[db->state < 7 ? db->state : 6]);
		catalog_put_int(&b, db->is_in_standby);
		catalog_put_int(&b, db->recovery_model);
		catalog_put_text(&b, model[db->recovery_model & 3]);
		catalog_put_int(&b, mirrored ? 5 : 0);
		catalog_put_text(&b, mirrored ? "DATABASE_MIRRORING" : "NOTHING");
	}
}

/* --- sys.database_mirroring ------------------------------------------- */

static void mirroring_row(struct builder *b, const struct sqldb *db, bool visible)
{
	static const char *const st[] = {"SUSPENDED", "DISCONNECTED", "SYNCHRONIZING",
	                                 "PENDING_FAILOVER", "SYNCHRONIZED"};
	static const char *const safety[] = {"UNKNOWN", "OFF", "FULL"};
	static const char *const wst[] = {"UNKNOWN", "CONNECTED", "DISCONNECTED"};
	const struct sqlmirror *m = &db->mirror;

	catalog_row(b);
	catalog_put_int(b, db->id);
	if (!visible) {
		b->k = b->rs->n_cols;
		return;
	}
	b->row[b->k] = sqlval_null(LAB_T_UNIQUEIDENTIFIER);
	b->row[b->k].is_null = false;
	memcpy(b->row[b->k++].guid, m->guid, 16);
	catalog_put_int(b, m->state);
	catalog_put_text(b, st[m->state < 5 ? m->state : 1]);
	catalog_put_int(b, m->role);
	catalog_put_text(b, m->role == 1 ? "PRINCIPAL" : "MIRROR");
	catalog_put_int(b, m->role_sequence);
	catalog_put_int(b, m->safety);
	catalog_put_text(b, safety[m->safety % 3]);
	catalog_put_int(b, m->safety_sequence);
	catalog_put_text(b, m->partner_name);
	catalog_put_text(b, m->partner_instance);
	catalog_put_text(b, *m->witness_name ? m->witness_name : NULL);
	catalog_put_int(b, m->witness_state % 3);
	catalog_put_text(b, wst[m->witness_state % 3]);
	catalog_put_lsn(b, m->failover_lsn);
	catalog_put_int(b, m->connection_timeout);
	catalog_put_null(b);
	catalog_put_text(b, "UNLIMITED");
	catalog_put_lsn(b, m->end_of_log_lsn);
	catalog_put_lsn(b, m->replication_lsn);
}

static void view_mirroring(struct sqlctx *c, struct rowset *rs)
{
	static const struct colspec spec[] = {
	        C_INT("database_id", false),
	        {"mirroring_guid", LAB_T_UNIQUEIDENTIFIER, 16, 0, 0, true},
	        C_TINY("mirroring_state", true),
	        C_DESC("mirroring_state_desc"),
	        C_TINY("mirroring_role", true),
	        C_DESC("mirroring_role_desc"),
	        C_INT("mirroring_role_sequence", true),
	        C_TINY("mirroring_safety_level", true),
	        C_DESC("mirroring_safety_level_desc"),
	        C_INT("mirroring_safety_sequence", true),
	        C_SYSNAME("mirroring_partner_name", true),
	        C_SYSNAME("mirroring_partner_instance", true),
	        C_SYSNAME("mirroring_witness_name", true),
	        C_TINY("mirroring_witness_state", true),
	        C_DESC("mirroring_witness_state_desc"),
	        C_LSN("mirroring_failover_lsn"),
	        C_INT("mirroring_connection_timeout", true),
	        C_INT("mirroring_redo_queue", true),
	        C_DESC("mirroring_redo_queue_type"),
	        C_LSN("mirroring_end_of_log_lsn"),
	        C_LSN("mirroring_replication_lsn"),
	};
	struct builder b;

	catalog_start(&b, c, rs, spec, sizeof(spec) / sizeof(spec[0]), c->inst->dbs.len);
	for (size_t i = 0; i < c->inst->dbs.len; i++) {
		const struct sqldb *db = c->inst->dbs.items[i];
		bool visible = db->mirror.on && (db->mirror.role != 2 || c->s->sysadmin);

		mirroring_row(&b, db, visible);
	}
}

/* --- endpoints --------------------------------------------------------- */

#define ENDPOINT_COLS                                                                              \
	C_SYSNAME("name", false), C_INT("endpoint_id", false), C_INT("principal_id", true),        \
	        C_TINY("protocol", false), C_DESC("protocol_desc"), C_TINY("type", false),         \
	        C_DESC("type_desc"), C_TINY("state", true), C_DESC("state_desc"),                  \
	        C_BIT("is_admin_endpoint", false)

static void endpoint_cols(struct builder *b, const struct sqlendpoint *e)
{
	static const char *const proto[] = {"",   "HTTP", "TCP", "NAMED_PIPES", "SHARED_MEMORY",
	                                    "VIA"};
	static const char *const type[] = {"", "SOAP", "TSQL", "SERVICE_BROKER",
	                                   "DATABASE_MIRRORING"};
	static const char *const state[] = {"STARTED", "STOPPED", "DISABLED"};

	catalog_row(b);
	catalog_put_text(b, e->name);
	catalog_put_int(b, e->id);
	catalog_put_int(b, 1);
	catalog_put_int(b, e->protocol);
	catalog_put_text(b, proto[e->protocol <= 5 ? e->protocol : 0]);
	catalog_put_int(b, e->type);
	catalog_put_text(b, type[e->type <= 4 ? e->type : 0]);
	catalog_put_int(b, e->state % 3);
	catalog_put_text(b, state[e->state % 3]);
	catalog_put_int(b, e->id == 1);
}

static void view_endpoints(struct sqlctx *c, struct rowset *rs, int which)
{
	static const struct colspec plain[] = {ENDPOINT_COLS};
	static const struct colspec tcp[] = {
	        ENDPOINT_COLS,
	        C_INT("port", false),
	        C_BIT("is_dynamic_port", false),
	        {"ip_address", LAB_T_NVARCHAR, 45, 0, 0, true},
	};
	static const struct colspec dbm[] = {
	        ENDPOINT_COLS,
	        C_TINY("role", true),
	        C_DESC("role_desc"),
	        C_BIT("is_encryption_enabled", false),
	        C_TINY("connection_auth", false),
	        C_DESC("connection_auth_desc"),
	        C_INT("certificate_id", false),
	        C_TINY("encryption_algorithm", false),
	        C_DESC("encryption_algorithm_desc"),
	};
	static const char *const role[] = {"NONE", "PARTNER", "WITNESS", "ALL"};
	static const char *const auth[] = {"", "NTLM", "KERBEROS", "NEGOTIATE", "CERTIFICATE"};
	static const char *const alg[] = {"NONE",          "RC4",      "AES",      "NONE, RC4",
	                                  "NONE, AES",     "RC4, AES", "AES, RC4", "NONE, RC4, AES",
	                                  "NONE, AES, RC4"};
	struct builder b;

	if (which == 0)
		catalog_start(&b, c, rs, plain, sizeof(plain) / sizeof(plain[0]),
		              c->inst->endpoints.len);
	else if (which == 1)
		catalog_start(&b, c, rs, tcp, sizeof(tcp) / sizeof(tcp[0]), c->inst->endpoints.len);
	else
		catalog_start(&b, c, rs, dbm, sizeof(dbm) / sizeof(dbm[0]), c->inst->endpoints.len);
	for (size_t i = 0; i < c->inst->endpoints.len; i++) {
		const struct sqlendpoint *e = &c->inst->endpoints.items[i];

		if ((which == 1 && e->protocol != 2) || (which == 2 && e->type != 4))
			continue;
		endpoint_cols(&b, e);
		if (which == 1) {
			catalog_put_int(&b, e->port);
			catalog_put_int(&b, 0);
			catalog_put_text(&b, *e->ip ? e->ip : NULL);
		} else if (which == 2) {
			catalog_put_int(&b, e->role & 3);
			catalog_put_text(&b, role[e->role & 3]);
			catalog_put_int(&b, e->encryption);
			catalog_put_int(&b, e->connection_auth ? e->connection_auth : 3);
			catalog_put_text(&b, auth[e->connection_auth <= 4 && e->connection_auth
			                                  ? e->connection_auth
			                                  : 3]);
			catalog_put_int(&b, 0);
			catalog_put_int(&b, e->encryption_algorithm);
			catalog_put_text(
			        &b,
			        alg[e->encryption_algorithm <= 8 ? e->encryption_algorithm : 0]);
		}
	}
}

/* --- sessions ---------------------------------------------------------- */

static void view_sessions(struct sqlctx *c, struct rowset *rs)
{
	static const struct colspec spec[] = {
	        C_SMALL("session_id", false),           C_DT("login_time", false),
	        C_SYSNAME("host_name", true),           C_SYSNAME("program_name", true),
	        C_SYSNAME("login_name", false),         {"status", LAB_T_NVARCHAR, 30, 0, 0, false},
	        C_BIT("is_user_process", false),        C_SMALL("database_id", false),
	        C_INT("open_transaction_count", false), C_DT("last_request_start_time", false),
	};
	struct builder b;

	catalog_start(&b, c, rs, spec, sizeof(spec) / sizeof(spec[0]), c->inst->sessions.len);
	for (size_t i = 0; i < c->inst->sessions.len; i++) {
		const struct lab_session *s = c->inst->sessions.items[i];

		if (!c->s->sysadmin && s != c->s)
			continue; /* VIEW SERVER STATE shows the others */
		catalog_row(&b);
		catalog_put_int(&b, s->spid);
		catalog_put_time(&b, s->login_us);
		catalog_put_text(&b, s->host);
		catalog_put_text(&b, s->app);
		catalog_put_text(&b, s->login);
		catalog_put_text(&b, s->running ? "running" : "sleeping");
		catalog_put_int(&b, 1);
		catalog_put_int(&b, s->db_id);
		catalog_put_int(&b, s->trancount);
		catalog_put_time(&b, s->last_batch_us);
	}
}

static const char *padded(struct sqlctx *c, const char *s, size_t width)
{
	size_t n = strlen(s);
	char *p;

	if (n >= width)
		return s;
	p = arena_alloc(c->a, width + 1);
	memcpy(p, s, n);
	memset(p + n, ' ', width - n);
	return p;
}

static void view_sysprocesses(struct sqlctx *c, struct rowset *rs)
{
	static const struct colspec spec[] = {
	        C_SMALL("spid", false),
	        C_SMALL("dbid", false),
	        C_DT("login_time", false),
	        C_DT("last_batch", false),
	        {"status", LAB_T_NVARCHAR, 30, 0, 0, false},
	        {"hostname", LAB_T_NVARCHAR, 128, 0, 0, false},
	        {"program_name", LAB_T_NVARCHAR, 128, 0, 0, false},
	        {"loginame", LAB_T_NVARCHAR, 128, 0, 0, false},
	        {"cmd", LAB_T_NVARCHAR, 32, 0, 0, false},
	};
	struct builder b;

	catalog_start(&b, c, rs, spec, sizeof(spec) / sizeof(spec[0]), c->inst->sessions.len);
	for (size_t i = 0; i < c->inst->sessions.len; i++) {
		const struct lab_session *s = c->inst->sessions.items[i];

		if (!c->s->sysadmin && s != c->s)
			continue;
		catalog_row(&b);
		catalog_put_int(&b, s->spid);
		catalog_put_int(&b, s->db_id);
		catalog_put_time(&b, s->login_us);
		catalog_put_time(&b, s->last_batch_us);
		catalog_put_text(&b, padded(c, s->running ? "runnable" : "sleeping", 30));
		catalog_put_text(&b, padded(c, s->host, 128));
		catalog_put_text(&b, padded(c, s->app, 128));
		catalog_put_text(&b, padded(c, s->login, 128));
		catalog_put_text(&b, padded(c, s->running ? "SELECT" : "AWAITING COMMAND", 32));
	}
}

int catalog_open(struct sqlctx *c, struct sqldb *db, const char *schema, const char *name,
                 struct rowset *out)
{
	bool sys = schema && !strcasecmp(schema, "sys");

	(void)db;
	if (!strcasecmp(name, "sysprocesses") && (!schema || sys || !strcasecmp(schema, "dbo")))
		view_sysprocesses(c, out);
	else if (!sys)
		return 0;
	else if (!strcasecmp(name, "databases"))
		view_databases(c, out);
	else if (!strcasecmp(name, "database_mirroring"))
		view_mirroring(c, out);
	else if (!strcasecmp(name, "endpoints"))
		view_endpoints(c, out, 0);
	else if (!strcasecmp(name, "tcp_endpoints"))
		view_endpoints(c, out, 1);
	else if (!strcasecmp(name, "database_mirroring_endpoints"))
		view_endpoints(c, out, 2);
	else if (!strcasecmp(name, "dm_exec_sessions"))
		view_sessions(c, out);
	else if (!strcasecmp(name, "dm_exec_connections"))
		catalog_connections(c, out);
	else if (!strcasecmp(name, "database_recovery_status"))
		catalog_recovery_status(c, out);
	else if (!strcasecmp(name, "master_files"))
		catalog_master_files(c, out);
	else
		return 0;
	return 1;
}
