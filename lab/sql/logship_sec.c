/*
 * logship_sec: the secondary side of log shipping's configuration
 * procedures and every delete procedure: sp_add_log_shipping_
 * secondary_primary and _secondary_database, sp_delete_log_shipping_
 * primary_secondary, _primary_database (32010, 32011 while secondaries
 * remain), _secondary_database (32014; removing the last secondary
 * database of a primary also runs _secondary_primary, which deletes the
 * log_shipping_secondary row and the copy and restore jobs, as the
 * reference documents) and _secondary_primary (32023, 32025).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/logship.h"
#include "lab/sql/procbind.h"
#include "lab/sql/value.h"

static int make_jobs(struct sqlctx *c, const struct procbind *b, const uint8_t sid[16],
                     uint8_t copy[16], uint8_t restore[16])
{
	const char *copy_name = procbind_text(c, b, "@copy_job_name");
	const char *restore_name = procbind_text(c, b, "@restore_job_name");
	struct lab_value *old;
	struct sqltable *jobs = msdb_table(c->inst, "sysjobs");
	static const char *const cats[] = {"Log Shipping Copy", "Log Shipping Restore"};
	const char *names[] = {copy_name, restore_name};
	uint8_t *ids[] = {copy, restore};

	for (int i = 0; i < 2; i++) {
		old = agentjob_find(c->inst, names[i], NULL);
		if (old &&
		    msdb_int(jobs, old, "category_id", -1) != agentjob_category(c->inst, cats[i]))
			return procbind_raise(
			        c, b, 32022,
			        "Cannot add a log shipping job with name %s. A job with "
			        "same name already exists in the system and this job does "
			        "not belong to log shipping category.",
			        names[i]);
	}
	for (int i = 0; i < 2; i++) {
		char guid[40], command[600];

		if ((old = agentjob_find(c->inst, names[i], NULL)))
			agentjob_delete(c->inst, msdb_guid(jobs, old, "job_id"));
		agentjob_create(c->inst, names[i], false, NULL, agentjob_category(c->inst, cats[i]),
		                ids[i]);
		agentjob_add_server(c->inst, ids[i]);
		sqlval_format_guid(guid, sizeof(guid), sid);
		snprintf(command, sizeof(command),
		         "\"C:\\Program Files\\Microsoft SQL "
		         "Server\\130\\Tools\\Binn\\sqllogship.exe\" "
		         "-%s %s -server %s",
		         i ? "Restore" : "Copy", guid, c->inst->name);
		agentjob_add_step(c->inst, ids[i], 1,
		                  i ? "Log shipping restore log job step."
		                    : "Log shipping copy log job step.",
		                  "CmdExec", command, NULL);
	}
	return 0;
}

static void secondary_row(struct sqlctx *c, const struct procbind *b, const uint8_t sid[16],
                          const uint8_t copy[16], const uint8_t restore[16], int64_t retention,
                          int64_t mode)
{
	struct sqltable *t = msdb_table(c->inst, "log_shipping_secondary");
	const char *monitor = procbind_text(c, b, "@monitor_server");
	struct lab_value *row = msdb_add(t);

	msdb_set_guid(t, row, "secondary_id", sid);
	msdb_set_text(t, row, "primary_server", procbind_text(c, b, "@primary_server"));
	msdb_set_text(t, row, "primary_database", procbind_text(c, b, "@primary_database"));
	msdb_set_text(t, row, "backup_source_directory",
	              procbind_text(c, b, "@backup_source_directory"));
	msdb_set_text(t, row, "backup_destination_directory",
	              procbind_text(c, b, "@backup_destination_directory"));
	msdb_set_int(t, row, "file_retention_period", retention);
	msdb_set_guid(t, row, "copy_job_id", copy);
	msdb_set_guid(t, row, "restore_job_id", restore);
	msdb_set_text(t, row, "monitor_server", monitor ? monitor : c->inst->name);
	msdb_set_int(t, row, "monitor_server_security_mode", mode);
	msdb_set_int(t, row, "user_specified_monitor", monitor != NULL);
}

int logship_add_secondary_primary(struct sqlctx *c, struct procarg *a, size_t n, int line,
                                  int32_t *status)
{
	static const char *const names[] = {"@primary_server",
	                                    "@primary_database",
	                                    "@backup_source_directory",
	                                    "@backup_destination_directory",
	                                    "@copy_job_name",
	                                    "@restore_job_name",
	                                    "@file_retention_period",
	                                    "@monitor_server",
	                                    "@monitor_server_security_mode",
	                                    "@monitor_server_login",
	                                    "@monitor_server_password",
	                                    "@copy_job_id",
	                                    "@restore_job_id",
	                                    "@secondary_id",
	                                    "@overwrite",
	                                    "@ignoreremotemonitor"};
	struct procbind b;
	struct lab_value *old;
	int64_t retention, mode, overwrite;
	uint8_t sid[16], copy[16], restore[16];
	const char *server, *db;

	LS_BIND(c, b, "sp_add_log_shipping_secondary_primary", names, a, n, line);
	for (size_t i = 0; i < 6; i++)
		if (procbind_require(c, &b, names[i]))
			return -1;
	if (procbind_int(c, &b, "@file_retention_period", 14420, &retention) ||
	    procbind_int(c, &b, "@monitor_server_security_mode", 1, &mode) ||
	    procbind_int(c, &b, "@overwrite", 0, &overwrite))
		return -1;
	server = procbind_text(c, &b, "@primary_server");
	db = procbind_text(c, &b, "@primary_database");
	pthread_mutex_lock(&c->inst->lock);
	if ((old = logship_secondary_row(c, server, db)) && !overwrite) {
		*status = procbind_raise(
		        c, &b, 32024,
		        "An entry for primary server %s, primary database %s already "
		        "exists on this secondary.",
		        server, db);
	} else {
		if (old)
			logship_drop_secondary(c, old);
		world_new_guid(sid);
		*status = make_jobs(c, &b, sid, copy, restore);
		if (*status == 0)
			secondary_row(c, &b, sid, copy, restore, retention, mode);
	}
	pthread_mutex_unlock(&c->inst->lock);
	if (*status == 0) {
		procbind_output_guid(c, &b, "@copy_job_id", copy);
		procbind_output_guid(c, &b, "@restore_job_id", restore);
		procbind_output_guid(c, &b, "@secondary_id", sid);
	}
	return 0;
}

static const char *const secdb_names[] = {"@secondary_database",
                                          "@primary_server",
                                          "@primary_database",
                                          "@restore_delay",
                                          "@restore_all",
                                          "@restore_mode",
                                          "@disconnect_users",
                                          "@block_size",
                                          "@buffer_count",
                                          "@max_transfer_size",
                                          "@restore_threshold",
                                          "@threshold_alert",
                                          "@threshold_alert_enabled",
                                          "@history_retention_period",
                                          "@overwrite",
                                          "@ignoreremotemonitor"};

static void secdb_rows(struct sqlctx *c, const struct procbind *b, const struct lab_value *srow,
                       const int64_t *v)
{
	struct sqltable *s = msdb_table(c->inst, "log_shipping_secondary");
	struct sqltable *d = msdb_table(c->inst, "log_shipping_secondary_databases");
	struct sqltable *m = msdb_table(c->inst, "log_shipping_monitor_secondary");
	const char *sdb = procbind_text(c, b, "@secondary_database");
	const uint8_t *sid = msdb_guid(s, srow, "secondary_id");
	static const char *const cols[] = {"restore_delay",    "restore_all", "restore_mode",
	                                   "disconnect_users", "block_size",  "buffer_count",
	                                   "max_transfer_size"};
	struct lab_value *row = msdb_add(d);

	msdb_set_text(d, row, "secondary_database", sdb);
	msdb_set_guid(d, row, "secondary_id", sid);
	for (size_t i = 0; i < 7; i++)
		if (i != 6 || v[i] >= 0)
			msdb_set_int(d, row, cols[i], v[i]);
	row = msdb_add(m);
	msdb_set_text(m, row, "secondary_server", c->inst->name);
	msdb_set_text(m, row, "secondary_database", sdb);
	msdb_set_guid(m, row, "secondary_id", sid);
	msdb_set_text(m, row, "primary_server", msdb_text(s, srow, "primary_server"));
	msdb_set_text(m, row, "primary_database", msdb_text(s, srow, "primary_database"));
	msdb_set_int(m, row, "restore_threshold", v[7]);
	msdb_set_int(m, row, "threshold_alert", v[8]);
	msdb_set_int(m, row, "threshold_alert_enabled", v[9]);
	msdb_set_int(m, row, "history_retention_period", v[10]);
}

static int add_secdb_locked(struct sqlctx *c, const struct procbind *b, const int64_t *v,
                            int64_t overwrite)
{
	const char *sdb = procbind_text(c, b, "@secondary_database");
	const char *server = procbind_text(c, b, "@primary_server");
	const char *pdb = procbind_text(c, b, "@primary_database");
	struct sqltable *d = msdb_table(c->inst, "log_shipping_secondary_databases");
	struct sqltable *m = msdb_table(c->inst, "log_shipping_monitor_secondary");
	struct lab_value *srow = logship_secondary_row(c, server, pdb), *old;

	if (!srow)
		return procbind_raise(
		        c, b, 32023,
		        "An entry for primary server %s, primary database %s does not "
		        "exist on this secondary. Register the primary first.",
		        server, pdb);
	if (!world_db_by_name(c->inst, sdb))
		return procbind_raise(
		        c, b, 15010,
		        "The database '%s' does not exist. Supply a valid database name. "
		        "To see available databases, use sys.databases.",
		        sdb);
	if ((old = msdb_find_text(d, "secondary_database", sdb))) {
		if (!overwrite)
			return procbind_raise(c, b, 32013,
			                      "A log shipping entry already exists for secondary "
			                      "database %s.",
			                      sdb);
		msdb_delete_row(d, old);
		if ((old = msdb_find_text(m, "secondary_database", sdb)))
			msdb_delete_row(m, old);
	}
	secdb_rows(c, b, srow, v);
	return 0;
}

int logship_add_secondary_database(struct sqlctx *c, struct procarg *a, size_t n, int line,
                                   int32_t *status)
{
	/* the integer parameters: secdb_names from @restore_delay to @overwrite */
	const char *const *ints = secdb_names + 3;
	static const int64_t dflt[] = {0, 1, 0, 0, -1, -1, -1, 45, 14421, 1, 14420, 0};
	struct procbind b;
	int64_t v[12];

	LS_BIND(c, b, "sp_add_log_shipping_secondary_database", secdb_names, a, n, line);
	if (procbind_require(c, &b, "@secondary_database") ||
	    procbind_require(c, &b, "@primary_server") ||
	    procbind_require(c, &b, "@primary_database"))
		return -1;
	for (size_t i = 0; i < 12; i++)
		if (procbind_int(c, &b, ints[i], dflt[i], &v[i]))
			return -1;
	pthread_mutex_lock(&c->inst->lock);
	*status = add_secdb_locked(c, &b, v, v[11]);
	pthread_mutex_unlock(&c->inst->lock);
	return 0;
}
