/*
 * logship: the procedures that configure log shipping, in master:
 * sp_add_log_shipping_primary_database (log_shipping_primary_databases,
 * log_shipping_monitor_primary, the backup job, created disabled, with
 * @backup_job_id and @primary_id OUTPUT), _primary_secondary,
 * _secondary_primary (log_shipping_secondary, the copy and restore jobs,
 * disabled; @copy_job_id, @restore_job_id, @secondary_id OUTPUT) and
 * _secondary_database (log_shipping_secondary_databases,
 * log_shipping_monitor_secondary). Failures raise the 320xx error of the
 * reference and return 1, as the real procedures do; the undocumented
 * @overwrite = 1 replaces an existing entry. The monitor is always the
 * local instance (a remote monitor server is recorded, not contacted).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/logship.h"
#include "lab/sql/procbind.h"
#include "lab/sql/value.h"

#define SQLLOGSHIP "\"C:\\Program Files\\Microsoft SQL Server\\130\\Tools\\Binn\\sqllogship.exe\""

/* Create a log shipping job (disabled, targeted at this server, one
 * CmdExec step running sqllogship.exe); 1 after 32022. */
static int ls_job(struct sqlctx *c, const struct procbind *b, const char *name,
                  const char *category, const char *verb, const uint8_t agent_id[16],
                  uint8_t id_out[16])
{
	struct lab_value *old = agentjob_find(c->inst, name, NULL);
	struct sqltable *jobs = msdb_table(c->inst, "sysjobs");
	int32_t cat = agentjob_category(c->inst, category);
	char guid[40], command[600], step[80];

	if (old && msdb_int(jobs, old, "category_id", -1) != cat)
		return procbind_raise(c, b, 32022,
		                      "Cannot add a log shipping job with name %s. A job with same "
		                      "name already exists in the system and this job does not "
		                      "belong to log shipping category.",
		                      name);
	if (old)
		agentjob_delete(c->inst, msdb_guid(jobs, old, "job_id"));
	agentjob_create(c->inst, name, false, NULL, cat, id_out);
	agentjob_add_server(c->inst, id_out);
	sqlval_format_guid(guid, sizeof(guid), agent_id);
	snprintf(command, sizeof(command), "%s -%s %s -server %s", SQLLOGSHIP, verb, guid,
	         c->inst->name);
	snprintf(step, sizeof(step), "Log shipping %s log job step.",
	         !strcmp(verb, "Backup") ? "backup"
	         : !strcmp(verb, "Copy") ? "copy"
	                                 : "restore");
	agentjob_add_step(c->inst, id_out, 1, step, "CmdExec", command, NULL);
	return 0;
}

static const char *const add_primary_names[] = {"@database",
                                                "@backup_directory",
                                                "@backup_share",
                                                "@backup_job_name",
                                                "@backup_retention_period",
                                                "@monitor_server",
                                                "@monitor_server_security_mode",
                                                "@monitor_server_login",
                                                "@monitor_server_password",
                                                "@backup_threshold",
                                                "@threshold_alert",
                                                "@threshold_alert_enabled",
                                                "@history_retention_period",
                                                "@backup_job_id",
                                                "@primary_id",
                                                "@backup_compression",
                                                "@overwrite",
                                                "@ignoreremotemonitor"};

static int check_primary_db(struct sqlctx *c, const struct procbind *b, const char *name)
{
	struct sqldb *db = world_db_by_name(c->inst, name);

	if (!db)
		return procbind_raise(
		        c, b, 15010,
		        "The database '%s' does not exist. Supply a valid database name. "
		        "To see available databases, use sys.databases.",
		        name);
	if (db->recovery_model == 3)
		return procbind_raise(c, b, 32015,
		                      "The primary database %s cannot have SIMPLE recovery for log "
		                      "shipping to work properly.",
		                      name);
	return 0;
}

static void primary_rows(struct sqlctx *c, const struct procbind *b, const int64_t *v,
                         const uint8_t pid[16], const uint8_t job[16])
{
	struct sqltable *p = msdb_table(c->inst, "log_shipping_primary_databases");
	struct sqltable *m = msdb_table(c->inst, "log_shipping_monitor_primary");
	const char *monitor = procbind_text(c, b, "@monitor_server");
	const char *db = procbind_text(c, b, "@database");
	struct lab_value *row = msdb_add(p);

	msdb_set_guid(p, row, "primary_id", pid);
	msdb_set_text(p, row, "primary_database", db);
	msdb_set_text(p, row, "backup_directory", procbind_text(c, b, "@backup_directory"));
	msdb_set_text(p, row, "backup_share", procbind_text(c, b, "@backup_share"));
	msdb_set_int(p, row, "backup_retention_period", v[0]);
	msdb_set_guid(p, row, "backup_job_id", job);
	msdb_set_text(p, row, "monitor_server", monitor ? monitor : c->inst->name);
	msdb_set_int(p, row, "monitor_server_security_mode", v[1]);
	msdb_set_int(p, row, "user_specified_monitor", monitor != NULL);
	msdb_set_int(p, row, "backup_compression", v[5]);
	row = msdb_add(m);
	msdb_set_guid(m, row, "primary_id", pid);
	msdb_set_text(m, row, "primary_server", c->inst->name);
	msdb_set_text(m, row, "primary_database", db);
	msdb_set_int(m, row, "backup_threshold", v[2]);
	msdb_set_int(m, row, "threshold_alert", v[3]);
	msdb_set_int(m, row, "threshold_alert_enabled", v[4]);
	msdb_set_int(m, row, "history_retention_period", v[6]);
}

static void drop_primary(struct sqlctx *c, struct lab_value *row)
{
	struct sqltable *p = msdb_table(c->inst, "log_shipping_primary_databases");
	uint8_t pid[16];
	const uint8_t *job = msdb_guid(p, row, "backup_job_id");

	memcpy(pid, msdb_guid(p, row, "primary_id"), 16);
	if (job)
		agentjob_delete(c->inst, job);
	msdb_delete_guid(msdb_table(c->inst, "log_shipping_monitor_primary"), "primary_id", pid);
	msdb_delete_guid(msdb_table(c->inst, "log_shipping_primary_secondaries"), "primary_id",
	                 pid);
	msdb_delete_guid(msdb_table(c->inst, "log_shipping_monitor_history_detail"), "agent_id",
	                 pid);
	msdb_delete_guid(msdb_table(c->inst, "log_shipping_monitor_error_detail"), "agent_id", pid);
	msdb_delete_row(p, row);
}

void logship_drop_primary(struct sqlctx *c, struct lab_value *row)
{
	drop_primary(c, row);
}

static int add_primary_locked(struct sqlctx *c, const struct procbind *b, const int64_t *v,
                              int64_t overwrite, uint8_t pid[16], uint8_t job[16])
{
	const char *db = procbind_text(c, b, "@database");
	struct sqltable *p = msdb_table(c->inst, "log_shipping_primary_databases");
	struct lab_value *old;

	if (check_primary_db(c, b, db))
		return 1;
	if ((old = msdb_find_text(p, "primary_database", db))) {
		if (!overwrite)
			return procbind_raise(
			        c, b, 32009,
			        "A log shipping primary entry already exists for database "
			        "%s.",
			        db);
		drop_primary(c, old);
	}
	world_new_guid(pid);
	if (ls_job(c, b, procbind_text(c, b, "@backup_job_name"), "Log Shipping Backup", "Backup",
	           pid, job))
		return 1;
	primary_rows(c, b, v, pid, job);
	return 0;
}

int logship_add_primary_database(struct sqlctx *c, struct procarg *a, size_t n, int line,
                                 int32_t *status)
{
	static const char *const ints[] = {
	        "@backup_retention_period",  "@monitor_server_security_mode",
	        "@backup_threshold",         "@threshold_alert",
	        "@threshold_alert_enabled",  "@backup_compression",
	        "@history_retention_period", "@overwrite"};
	static const int64_t dflt[] = {4320, 1, 60, 14420, 0, 2, 14420, 0};
	struct procbind b;
	int64_t v[8];
	uint8_t pid[16], job[16];

	LS_BIND(c, b, "sp_add_log_shipping_primary_database", add_primary_names, a, n, line);
	if (procbind_require(c, &b, "@database") || procbind_require(c, &b, "@backup_directory") ||
	    procbind_require(c, &b, "@backup_share") ||
	    procbind_require(c, &b, "@backup_job_name") ||
	    procbind_require(c, &b, "@backup_retention_period"))
		return -1;
	for (size_t i = 0; i < 8; i++)
		if (procbind_int(c, &b, ints[i], dflt[i], &v[i]))
			return -1;
	pthread_mutex_lock(&c->inst->lock);
	*status = add_primary_locked(c, &b, v, v[7], pid, job);
	pthread_mutex_unlock(&c->inst->lock);
	if (*status == 0) {
		procbind_output_guid(c, &b, "@backup_job_id", job);
		procbind_output_guid(c, &b, "@primary_id", pid);
	}
	return 0;
}

int logship_add_primary_secondary(struct sqlctx *c, struct procarg *a, size_t n, int line,
                                  int32_t *status)
{
	static const char *const names[] = {"@primary_database", "@secondary_server",
	                                    "@secondary_database", "@overwrite"};
	struct procbind b;
	struct sqltable *p, *s;
	struct lab_value *prow, *row = NULL;
	const char *db, *server, *sdb;
	int64_t overwrite;

	LS_BIND(c, b, "sp_add_log_shipping_primary_secondary", names, a, n, line);
	if (procbind_require(c, &b, "@primary_database") ||
	    procbind_require(c, &b, "@secondary_server") ||
	    procbind_require(c, &b, "@secondary_database") ||
	    procbind_int(c, &b, "@overwrite", 0, &overwrite))
		return -1;
	db = procbind_text(c, &b, "@primary_database");
	server = procbind_text(c, &b, "@secondary_server");
	sdb = procbind_text(c, &b, "@secondary_database");
	pthread_mutex_lock(&c->inst->lock);
	p = msdb_table(c->inst, "log_shipping_primary_databases");
	s = msdb_table(c->inst, "log_shipping_primary_secondaries");
	if (!(prow = msdb_find_text(p, "primary_database", db))) {
		*status = procbind_raise(c, &b, 32010,
		                         "Database %s does not exist as log shipping primary.", db);
		goto done;
	}
	while ((row = msdb_next_guid(s, "primary_id", msdb_guid(p, prow, "primary_id"), row)))
		if (!strcasecmp(msdb_text(s, row, "secondary_server"), server) &&
		    !strcasecmp(msdb_text(s, row, "secondary_database"), sdb))
			break;
	if (row && !overwrite) {
		*status = procbind_raise(c, &b, 32012,
		                         "Secondary %s.%s already exists for primary %s.", server,
		                         sdb, db);
		goto done;
	}
	if (!row) {
		row = msdb_add(s);
		msdb_set_guid(s, row, "primary_id", msdb_guid(p, prow, "primary_id"));
	}
	msdb_set_text(s, row, "secondary_server", server);
	msdb_set_text(s, row, "secondary_database", sdb);
done:
	pthread_mutex_unlock(&c->inst->lock);
	return 0;
}

struct lab_value *logship_secondary_row(struct sqlctx *c, const char *server, const char *db)
{
	struct sqltable *t = msdb_table(c->inst, "log_shipping_secondary");

	for (size_t r = 0; t && r < t->rows.len; r++) {
		struct lab_value *row = t->rows.items[r];

		if (!strcasecmp(msdb_text(t, row, "primary_server"), server) &&
		    !strcasecmp(msdb_text(t, row, "primary_database"), db))
			return row;
	}
	return NULL;
}
