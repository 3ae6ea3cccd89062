/*
 * logship_del: the procedures that remove log shipping: on the primary
 * sp_delete_log_shipping_primary_secondary and _primary_database (32010
 * when the database is not a primary, 32011 while it still has
 * secondaries), on the secondary _secondary_database (32014) and
 * _secondary_primary (32023, 32025). Deleting the last secondary
 * database of a primary calls _secondary_primary, which deletes the copy
 * and restore jobs with it. The databases themselves are not touched.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/logship.h"
#include "lab/sql/procbind.h"
#include "lab/sql/value.h"

void logship_drop_secondary(struct sqlctx *c, struct lab_value *row)
{
	struct sqltable *s = msdb_table(c->inst, "log_shipping_secondary");
	static const char *const jobs[] = {"copy_job_id", "restore_job_id"};
	uint8_t sid[16];

	memcpy(sid, msdb_guid(s, row, "secondary_id"), 16);
	for (int i = 0; i < 2; i++) {
		const uint8_t *job = msdb_guid(s, row, jobs[i]);

		if (job)
			agentjob_delete(c->inst, job);
	}
	msdb_delete_guid(msdb_table(c->inst, "log_shipping_monitor_history_detail"), "agent_id",
	                 sid);
	msdb_delete_guid(msdb_table(c->inst, "log_shipping_monitor_error_detail"), "agent_id", sid);
	msdb_delete_row(s, row);
}

int logship_del_primary_secondary(struct sqlctx *c, struct procarg *a, size_t n, int line,
                                  int32_t *status)
{
	static const char *const names[] = {"@primary_database", "@secondary_server",
	                                    "@secondary_database"};
	struct procbind b;
	struct sqltable *p, *s;
	struct lab_value *prow, *row = NULL;
	const char *db, *server, *sdb;

	LS_BIND(c, b, "sp_delete_log_shipping_primary_secondary", names, a, n, line);
	for (size_t i = 0; i < 3; i++)
		if (procbind_require(c, &b, names[i]))
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
	} else {
		while ((row = msdb_next_guid(s, "primary_id", msdb_guid(p, prow, "primary_id"),
		                             row)))
			if (!strcasecmp(msdb_text(s, row, "secondary_server"), server) &&
			    !strcasecmp(msdb_text(s, row, "secondary_database"), sdb))
				break;
		if (row)
			msdb_delete_row(s, row);
	}
	pthread_mutex_unlock(&c->inst->lock);
	return 0;
}

int logship_del_primary_database(struct sqlctx *c, struct procarg *a, size_t n, int line,
                                 int32_t *status)
{
	static const char *const names[] = {"@database", "@ignoreremotemonitor"};
	struct procbind b;
	struct sqltable *p;
	struct lab_value *prow;
	const char *db;

	LS_BIND(c, b, "sp_delete_log_shipping_primary_database", names, a, n, line);
	if (procbind_require(c, &b, "@database"))
		return -1;
	db = procbind_text(c, &b, "@database");
	pthread_mutex_lock(&c->inst->lock);
	p = msdb_table(c->inst, "log_shipping_primary_databases");
	if (!(prow = msdb_find_text(p, "primary_database", db)))
		*status = procbind_raise(c, &b, 32010,
		                         "Database %s does not exist as log shipping primary.", db);
	else if (msdb_find_guid(msdb_table(c->inst, "log_shipping_primary_secondaries"),
	                        "primary_id", msdb_guid(p, prow, "primary_id")))
		*status = procbind_raise(c, &b, 32011,
		                         "Primary Database %s has active log shipping secondary "
		                         "database(s). Drop the secondary database(s) first.",
		                         db);
	else
		logship_drop_primary(c, prow);
	pthread_mutex_unlock(&c->inst->lock);
	return 0;
}

int logship_del_secondary_database(struct sqlctx *c, struct procarg *a, size_t n, int line,
                                   int32_t *status)
{
	static const char *const names[] = {"@secondary_database", "@ignoreremotemonitor"};
	struct procbind b;
	struct sqltable *d, *m, *s;
	struct lab_value *row;
	uint8_t sid[16];
	const char *sdb;

	LS_BIND(c, b, "sp_delete_log_shipping_secondary_database", names, a, n, line);
	if (procbind_require(c, &b, "@secondary_database"))
		return -1;
	sdb = procbind_text(c, &b, "@secondary_database");
	pthread_mutex_lock(&c->inst->lock);
	d = msdb_table(c->inst, "log_shipping_secondary_databases");
	m = msdb_table(c->inst, "log_shipping_monitor_secondary");
	s = msdb_table(c->inst, "log_shipping_secondary");
	if (!(row = msdb_find_text(d, "secondary_database", sdb))) {
		*status = procbind_raise(
		        c, &b, 32014, "Database %s does not exist as log shipping secondary.", sdb);
		goto done;
	}
	memcpy(sid, msdb_guid(d, row, "secondary_id"), 16);
	msdb_delete_row(d, row);
	if ((row = msdb_find_text(m, "secondary_database", sdb)))
		msdb_delete_row(m, row);
	if (!msdb_find_guid(d, "secondary_id", sid) &&
	    (row = msdb_find_guid(s, "secondary_id", sid)))
		logship_drop_secondary(c, row); /* the last one: sp_delete_..._secondary_primary */
done:
	pthread_mutex_unlock(&c->inst->lock);
	return 0;
}

int logship_del_secondary_primary(struct sqlctx *c, struct procarg *a, size_t n, int line,
                                  int32_t *status)
{
	static const char *const names[] = {"@primary_server", "@primary_database"};
	struct procbind b;
	struct sqltable *s;
	struct lab_value *row;
	const char *server, *db;

	LS_BIND(c, b, "sp_delete_log_shipping_secondary_primary", names, a, n, line);
	if (procbind_require(c, &b, "@primary_server") ||
	    procbind_require(c, &b, "@primary_database"))
		return -1;
	server = procbind_text(c, &b, "@primary_server");
	db = procbind_text(c, &b, "@primary_database");
	pthread_mutex_lock(&c->inst->lock);
	s = msdb_table(c->inst, "log_shipping_secondary");
	if (!(row = logship_secondary_row(c, server, db)))
		*status = procbind_raise(
		        c, &b, 32023,
		        "An entry for primary server %s, primary database %s does not "
		        "exist on this secondary. Register the primary first.",
		        server, db);
	else if (msdb_find_guid(msdb_table(c->inst, "log_shipping_secondary_databases"),
	                        "secondary_id", msdb_guid(s, row, "secondary_id")))
		*status =
		        procbind_raise(c, &b, 32025,
		                       "Primary Server %s, Database %s has active log shipping "
		                       "secondary database(s) on the secondary. Drop the secondary "
		                       "database(s) first.",
		                       server, db);
	else
		logship_drop_secondary(c, row);
	pthread_mutex_unlock(&c->inst->lock);
	return 0;
}
