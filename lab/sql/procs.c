/*
 * procs: the system stored procedures the lab implements, in a table
 * looked up by name (sys/dbo schema, any database prefix). For now:
 * sp_executesql, with its parameter rules (@statement and @params must
 * be Unicode: 214; declared parameters may be passed by name or position;
 * a missing one is 8178; an unknown name is 8145) and OUTPUT parameters
 * copied back to the caller's variables. SQL Server Agent and log
 * shipping procedures live in agentproc*.c and logship*.c and register
 * here; the mirroring ones come with their own files.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lab/sql/admin.h"
#include "lab/sql/catalog.h"
#include "lab/sql/exec.h"
#include "lab/sql/logship.h"
#include "lab/sql/value.h"

static int need_unicode(struct sqlctx *c, const struct procarg *a, const char *param, int line)
{
	if (a && !a->value.is_null && a->value.type != LAB_T_NVARCHAR)
		return sqlexec_fail(
		        c, AB_STMT, 214, 16, line,
		        "Procedure expects parameter '%s' of type 'ntext/nchar/nvarchar'.", param);
	return 0;
}

static struct procarg *named(struct procarg *args, size_t n, const char *a, const char *b)
{
	for (size_t i = 0; i < n; i++)
		if (args[i].name &&
		    (!strcasecmp(args[i].name, a) || (b && !strcasecmp(args[i].name, b))))
			return &args[i];
	return NULL;
}

static int bind_params(struct sqlctx *c, struct procarg *args, size_t n,
                       const struct procarg *skip1, const struct procarg *skip2,
                       struct sqldecl *decl, size_t n_decl, const char *stmt, const char *params,
                       int line, struct sqlvar **vars)
{
	struct sqlvar *list = NULL;
	bool *set = arena_calloc(c->a, n_decl + 1, sizeof(*set));
	struct sqlvar **byidx = arena_calloc(c->a, n_decl + 1, sizeof(*byidx));
	size_t pos = 0;

	for (size_t d = 0; d < n_decl; d++) {
		struct sqlvar *v = arena_alloc(c->a, sizeof(*v));

		v->name = decl[d].name;
		v->type = decl[d].type;
		v->v = sqlval_null(decl[d].type.type);
		v->next = list;
		list = byidx[d] = v;
	}
	for (size_t i = 0; i < n; i++) {
		size_t d = pos;

		if (&args[i] == skip1 || &args[i] == skip2)
			continue;
		if (args[i].name) {
			for (d = 0; d < n_decl && strcasecmp(decl[d].name, args[i].name); d++)
				;
			if (d == n_decl)
				return sqlexec_fail(c, AB_STMT, 8145, 16, line,
				                    "%s is not a parameter for procedure %s.",
				                    args[i].name, "sp_executesql");
		} else {
			pos++;
		}
		if (d >= n_decl)
			return sqlexec_fail(
			        c, AB_STMT, 8144, 16, line,
			        "Procedure or function %s has too many arguments specified.",
			        "sp_executesql");
		set[d] = true;
		if (!args[i].is_default && sqlval_convert(&byidx[d]->v, &args[i].value,
		                                          &byidx[d]->type, -1, c->a, &c->err))
			return sqlexec_fail_err(c, AB_BATCH, &c->err, line);
	}
	for (size_t d = 0; d < n_decl; d++)
		if (!set[d])
			return sqlexec_fail(c, AB_STMT, 8178, 16, line,
			                    "The parameterized query '(%.*s)%.*s' expects the "
			                    "parameter '%s', which was not supplied.",
			                    60, params, 60, stmt, decl[d].name);
	*vars = list;
	return 0;
}

/* The declared parameter a positional argument bound to: vars lists the
 * declarations last first, positional arguments take them in order. */
static struct sqlvar *positional(struct sqlvar *vars, size_t pos)
{
	size_t len = 0;

	for (struct sqlvar *v = vars; v; v = v->next)
		len++;
	if (pos >= len)
		return NULL;
	for (size_t k = len - 1 - pos; k > 0 && vars; k--)
		vars = vars->next;
	return vars;
}

static void copy_outputs(struct sqlctx *c, struct procarg *args, size_t n, struct sqlvar *vars,
                         const struct procarg *stmt, const struct procarg *params)
{
	size_t pos = 0;

	for (size_t i = 0; i < n; i++) {
		struct sqlvar *inner = NULL, *outer;

		if (&args[i] == stmt || &args[i] == params)
			continue;
		if (!args[i].name)
			inner = positional(vars, pos++);
		if (!args[i].output)
			continue;
		for (inner = args[i].name ? vars : inner;
		     inner && args[i].name && strcasecmp(inner->name, args[i].name);
		     inner = inner->next)
			;
		if (inner)
			args[i].value = sqlval_dup(c->a, &inner->v); /* RPC: the RETURNVALUE */
		if (!inner || !args[i].var || !(outer = sqlexec_var(c, args[i].var)))
			continue;
		sqlval_convert(&outer->v, &inner->v, &outer->type, -1, c->a, &c->err);
	}
}

static int sp_executesql(struct sqlctx *c, struct procarg *args, size_t n, int line,
                         int32_t *status)
{
	struct procarg *stmt = named(args, n, "@stmt", "@statement");
	struct procarg *params = named(args, n, "@params", NULL);
	struct sqldecl *decl = NULL;
	size_t n_decl = 0;
	struct sqlvar *vars = NULL;
	const char *sql, *ptext = "";
	int rc;

	if (!stmt && n > 0 && !args[0].name) {
		stmt = &args[0];
		if (!params && n > 1 && !args[1].name)
			params = &args[1];
	}
	if (!stmt)
		return sqlexec_fail(c, AB_STMT, 201, 16, line,
		                    "Procedure or function '%s' expects parameter '%s', which was "
		                    "not supplied.",
		                    "sp_executesql", "@statement");
	if (need_unicode(c, stmt, "@statement", line) || need_unicode(c, params, "@params", line))
		return -1;
	sql = stmt->value.is_null ? "" : stmt->value.s;
	if (params && !params->value.is_null) {
		ptext = params->value.s;
		if (sqlparse_params(&decl, &n_decl, ptext, c->a, &c->err))
			return sqlexec_fail_err(c, AB_STMT, &c->err, line);
	}
	if (bind_params(c, args, n, stmt, params, decl, n_decl, sql, ptext, line, &vars))
		return -1;
	rc = sqlexec_nested(c, sql, vars);
	copy_outputs(c, args, n, vars, stmt, params);
	*status = rc ? (c->error ? c->error : -6) : 0;
	return rc;
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

static bool who_matches(const struct lab_session *s, const char *filter, bool *active)
{
	char *end;
	long spid;

	if (!filter)
		return true;
	if (!strcasecmp(filter, "ACTIVE")) {
		*active = true;
		return s->running;
	}
	spid = strtol(filter, &end, 10);
	if (*filter && !*end)
		return s->spid == spid;
	return !strcasecmp(s->login, filter);
}

/* sp_who [[@loginame =] 'login' | session_id | 'ACTIVE'] */
static int sp_who(struct sqlctx *c, struct procarg *args, size_t n, int line, int32_t *status)
{
	static const struct colspec spec[] = {
	        C_SMALL("spid", false),
	        C_SMALL("ecid", false),
	        {"status", LAB_T_NVARCHAR, 30, 0, 0, false},
	        {"loginame", LAB_T_NVARCHAR, 128, 0, 0, true},
	        {"hostname", LAB_T_NVARCHAR, 128, 0, 0, false},
	        {"blk", LAB_T_VARCHAR, 5, 0, 0, true},
	        {"dbname", LAB_T_NVARCHAR, 128, 0, 0, true},
	        {"cmd", LAB_T_NVARCHAR, 16, 0, 0, false},
	        C_INT("request_id", false),
	};
	const char *filter = NULL;
	struct rowset rs;
	struct builder b;
	bool active = false;
	size_t len;

	(void)line;
	if (n > 0 && !args[0].is_default && !args[0].value.is_null)
		filter = sqlval_text(&args[0].value, c->a, &len);
	pthread_mutex_lock(&c->inst->lock);
	catalog_start(&b, c, &rs, spec, sizeof(spec) / sizeof(spec[0]), c->inst->sessions.len);
	for (size_t i = 0; i < c->inst->sessions.len; i++) {
		const struct lab_session *s = c->inst->sessions.items[i];
		const struct sqldb *db = world_db_by_id(c->inst, s->db_id);

		if ((!c->s->sysadmin && s != c->s) || !who_matches(s, filter, &active))
			continue;
		catalog_row(&b);
		catalog_put_int(&b, s->spid);
		catalog_put_int(&b, 0);
		catalog_put_text(&b, padded(c, s->running ? "runnable" : "sleeping", 30));
		catalog_put_text(&b, padded(c, s->login, 128));
		catalog_put_text(&b, padded(c, s->host, 128));
		b.row[b.k++] = sqlval_str(c->a, LAB_T_VARCHAR, "0    ", 5);
		catalog_put_text(&b, db ? padded(c, db->name, 128) : NULL);
		catalog_put_text(&b, padded(c, s->running ? "SELECT" : "AWAITING COMMAND", 16));
		catalog_put_int(&b, 0);
	}
	sqlout_columns(c, rs.cols, rs.n_cols);
	for (size_t r = 0; r < rs.n_rows; r++)
		sqlout_row(c, rs.rows[r], rs.n_cols);
	sqlout_done(c, LAB_DONE_COUNT, 0xC1, rs.n_rows);
	c->rowcount = rs.n_rows;
	pthread_mutex_unlock(&c->inst->lock);
	*status = 0;
	return 0;
}

/*
 * sp_who2 [[@loginame =] 'login' | session_id | 'ACTIVE'] (undocumented;
 * the Skype for Business runbook uses it to find the sessions in mgc):
 * the columns and values of its source in master (sp_helptext
 * 'sp_who2'): SPID as char(5), Status lower case when sleeping and upper
 * case otherwise, '  .' for an empty HostName and for BlkBy (nothing
 * blocks in the lab), CPUTime and DiskIO as text, LastBatch as
 * 'MM/DD hh:mm:ss', SPID again and REQUESTID.
 */
static int sp_who2(struct sqlctx *c, struct procarg *args, size_t n, int line, int32_t *status)
{
	static const struct colspec spec[] = {
	        {"SPID", LAB_T_VARCHAR, 5, 0, 0, false},
	        {"Status", LAB_T_NVARCHAR, 30, 0, 0, true},
	        {"Login", LAB_T_NVARCHAR, 128, 0, 0, true},
	        {"HostName", LAB_T_NVARCHAR, 128, 0, 0, true},
	        {"BlkBy", LAB_T_VARCHAR, 5, 0, 0, true},
	        {"DBName", LAB_T_NVARCHAR, 128, 0, 0, true},
	        {"Command", LAB_T_NVARCHAR, 16, 0, 0, true},
	        {"CPUTime", LAB_T_VARCHAR, 10, 0, 0, true},
	        {"DiskIO", LAB_T_VARCHAR, 10, 0, 0, true},
	        {"LastBatch", LAB_T_VARCHAR, 14, 0, 0, true},
	        {"ProgramName", LAB_T_NVARCHAR, 128, 0, 0, true},
	        {"SPID", LAB_T_VARCHAR, 5, 0, 0, false},
	        {"REQUESTID", LAB_T_VARCHAR, 5, 0, 0, false},
	};
	const char *filter = NULL;
	struct rowset rs;
	struct builder b;
	bool active = false;
	size_t len;

	(void)line;
	if (n > 0 && !args[0].is_default && !args[0].value.is_null)
		filter = sqlval_text(&args[0].value, c->a, &len);
	pthread_mutex_lock(&c->inst->lock);
	catalog_start(&b, c, &rs, spec, sizeof(spec) / sizeof(spec[0]), c->inst->sessions.len);
	for (size_t i = 0; i < c->inst->sessions.len; i++) {
		const struct lab_session *s = c->inst->sessions.items[i];
		const struct sqldb *db = world_db_by_id(c->inst, s->db_id);
		time_t secs = (time_t)(s->last_batch_us / 1000000);
		char spid[8], when[32];
		struct tm tm;

		if ((!c->s->sysadmin && s != c->s) || !who_matches(s, filter, &active))
			continue;
		snprintf(spid, sizeof(spid), "%-5d", s->spid);
		gmtime_r(&secs, &tm);
		snprintf(when, sizeof(when), "%02d/%02d %02d:%02d:%02d", tm.tm_mon + 1, tm.tm_mday,
		         tm.tm_hour, tm.tm_min, tm.tm_sec);
		catalog_row(&b);
		b.row[b.k++] = sqlval_str(c->a, LAB_T_VARCHAR, spid, 5);
		catalog_put_text(&b, s->running ? "RUNNABLE" : "sleeping");
		catalog_put_text(&b, s->login);
		catalog_put_text(&b, *s->host ? s->host : "  .");
		b.row[b.k++] = sqlval_str(c->a, LAB_T_VARCHAR, "  .", 3);
		catalog_put_text(&b, db ? db->name : NULL);
		catalog_put_text(&b, s->running ? "SELECT" : "AWAITING COMMAND");
		b.row[b.k++] = sqlval_str(c->a, LAB_T_VARCHAR, "0", 1);
		b.row[b.k++] = sqlval_str(c->a, LAB_T_VARCHAR, "0", 1);
		b.row[b.k++] = sqlval_str(c->a, LAB_T_VARCHAR, when, strlen(when));
		catalog_put_text(&b, s->app);
		b.row[b.k++] = sqlval_str(c->a, LAB_T_VARCHAR, spid, 5);
		b.row[b.k++] = sqlval_str(c->a, LAB_T_VARCHAR, "0    ", 5);
	}
	sqlout_columns(c, rs.cols, rs.n_cols);
	for (size_t r = 0; r < rs.n_rows; r++)
		sqlout_row(c, rs.rows[r], rs.n_cols);
	sqlout_done(c, LAB_DONE_COUNT, 0xC1, rs.n_rows);
	c->rowcount = rs.n_rows;
	pthread_mutex_unlock(&c->inst->lock);
	*status = 0;
	return 0;
}

struct procdef {
	const char *name;
	int (*fn)(struct sqlctx *c, struct procarg *args, size_t n, int line, int32_t *status);
};

static const struct procdef procs[] = {
        {"sp_executesql", sp_executesql},
        {"sp_who", sp_who},
        {"sp_who2", sp_who2},
        {"xp_dirtree", dirtree_xp}, /* dirtree.c */
        /* SQL Server Agent (agentproc*.c, agenthelp.c) */
        {"sp_add_job", agentproc_add_job},
        {"sp_add_jobstep", agentproc_add_jobstep},
        {"sp_add_jobserver", agentproc_add_jobserver},
        {"sp_add_schedule", agentproc_add_schedule},
        {"sp_attach_schedule", agentproc_attach_schedule},
        {"sp_add_jobschedule", agentproc_add_jobschedule},
        {"sp_update_job", agentproc_update_job},
        {"sp_delete_job", agentproc_delete_job},
        {"sp_start_job", agentproc_start_job},
        {"sp_stop_job", agentproc_stop_job},
        {"sp_help_job", agentproc_help_job},
        /* log shipping (logship*.c) */
        {"sp_add_log_shipping_primary_database", logship_add_primary_database},
        {"sp_add_log_shipping_primary_secondary", logship_add_primary_secondary},
        {"sp_add_log_shipping_secondary_primary", logship_add_secondary_primary},
        {"sp_add_log_shipping_secondary_database", logship_add_secondary_database},
        {"sp_delete_log_shipping_primary_database", logship_del_primary_database},
        {"sp_delete_log_shipping_primary_secondary", logship_del_primary_secondary},
        {"sp_delete_log_shipping_secondary_database", logship_del_secondary_database},
        {"sp_delete_log_shipping_secondary_primary", logship_del_secondary_primary},
        {"sp_help_log_shipping_monitor", logship_help_monitor},
        {"sp_help_log_shipping_primary_database", logship_help_primary_database},
};

int sqlproc_call(struct sqlctx *c, const struct sqlname *name, struct procarg *args, size_t n_args,
                 int line, int32_t *status)
{
	*status = 0;
	if (name->schema && strcasecmp(name->schema, "sys") && strcasecmp(name->schema, "dbo"))
		return 1;
	if (name->db && !world_db_by_name(c->inst, name->db))
		return 1;
	for (size_t i = 0; i < sizeof(procs) / sizeof(procs[0]); i++)
		if (!strcasecmp(procs[i].name, name->name))
			return procs[i].fn(c, args, n_args, line, status) ? -1 : 0;
	return 1;
}
