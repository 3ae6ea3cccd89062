/*
 * steps_sql: the T-SQL text of every statement the SQL steps send
 * (steps.h), each one the form the reference gives (sections 1.6, 2.1-2.9,
 * 3): names as [identifiers] and values as N'literals' through sqlquote
 * only, WITH STATS = 10 on every backup and restore so that progress
 * reaches the message handler, CHECKSUM on every backup. Pure: it builds
 * text and runs nothing; which statement follows which is steps.c's.
 */
#include "providers/mssql/steps.h"

#include <string.h>
#include <strings.h>

/* The host part of an instance name: "SQL1" of "SQL1\PCHAT,1433". */
const char *steps_partner_address(struct arena *arena, const char *instance, unsigned port)
{
	size_t n = strcspn(instance, "\\,:");

	return arena_sprintf(arena, "TCP://%.*s:%u", (int)n, instance,
	                     port ? port : STEPS_ENDPOINT_PORT);
}

const char *steps_file_part(struct arena *arena, const char *name)
{
	char *out = arena_strdup(arena, name);

	for (char *p = out; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
		      (*p == '.' && p != out && p[-1] != '.')))
			*p = '_';
	return out;
}

const char *steps_backup_file(struct arena *arena, const char *share, const char *db,
                              const char *stamp, const char *what, const char *ext)
{
	size_t n = strlen(share);
	const char *sep = n && (share[n - 1] == '\\' || share[n - 1] == '/') ? "" : "\\";

	return arena_sprintf(arena, "%s%s%s_%s_%s.%s", share, sep, steps_file_part(arena, db),
	                     stamp, steps_file_part(arena, what), ext);
}

void steps_sql_list_sessions(struct sqlquote *q, const char *db)
{
	sqlquote_add(q,
	             "SELECT s.session_id FROM sys.dm_exec_sessions AS s "
	             "WHERE s.database_id = DB_ID(%L) AND s.is_user_process = 1 "
	             "AND s.session_id <> @@SPID;",
	             db);
}

void steps_sql_kill(struct sqlquote *q, int session_id)
{
	sqlquote_add(q, "KILL %d;", session_id);
}

void steps_sql_backup_log(struct sqlquote *q, const char *db, const char *file, bool norecovery)
{
	sqlquote_add(q, "BACKUP LOG %I TO DISK = %L WITH ", db, file);
	if (norecovery)
		sqlquote_add(q, "NORECOVERY, ");
	sqlquote_add(q, "INIT, CHECKSUM, STATS = %d;", STEPS_STATS_PERCENT);
}

/* A log backup outside the chain's sequence: it does not truncate the log, so
 * the next regular log backup (log shipping's) starts where this one does. */
void steps_sql_backup_log_copy_only(struct sqlquote *q, const char *db, const char *file)
{
	sqlquote_add(q, "BACKUP LOG %I TO DISK = %L WITH COPY_ONLY, INIT, CHECKSUM, STATS = %d;",
	             db, file, STEPS_STATS_PERCENT);
}

void steps_sql_backup_database(struct sqlquote *q, const char *db, const char *file, bool copy_only)
{
	sqlquote_add(q, "BACKUP DATABASE %I TO DISK = %L WITH ", db, file);
	if (copy_only)
		sqlquote_add(q, "COPY_ONLY, ");
	sqlquote_add(q, "INIT, CHECKSUM, STATS = %d;", STEPS_STATS_PERCENT);
}

void steps_sql_headeronly(struct sqlquote *q, const char *file)
{
	sqlquote_add(q, "RESTORE HEADERONLY FROM DISK = %L;", file);
}

void steps_sql_filelistonly(struct sqlquote *q, const char *file)
{
	sqlquote_add(q, "RESTORE FILELISTONLY FROM DISK = %L;", file);
}

void steps_sql_default_paths(struct sqlquote *q)
{
	sqlquote_add(q, "SELECT CAST(SERVERPROPERTY(N'InstanceDefaultDataPath') AS nvarchar(260)) "
	                "AS data_path, "
	                "CAST(SERVERPROPERTY(N'InstanceDefaultLogPath') AS nvarchar(260)) "
	                "AS log_path;");
}

void steps_sql_restore_log(struct sqlquote *q, const char *db, const char *file, unsigned position)
{
	sqlquote_add(q, "RESTORE LOG %I FROM DISK = %L WITH FILE = %u, NORECOVERY, STATS = %d;", db,
	             file, position ? position : 1, STEPS_STATS_PERCENT);
}

void steps_sql_restore_database(struct sqlquote *q, const char *db, const char *file, bool replace,
                                const struct steps_move *moves, size_t n_moves)
{
	sqlquote_add(q, "RESTORE DATABASE %I FROM DISK = %L WITH NORECOVERY, ", db, file);
	if (replace)
		sqlquote_add(q, "REPLACE, ");
	for (size_t i = 0; i < n_moves; i++)
		sqlquote_add(q, "MOVE %L TO %L, ", moves[i].logical, moves[i].physical);
	sqlquote_add(q, "STATS = %d;", STEPS_STATS_PERCENT);
}

void steps_sql_recover(struct sqlquote *q, const char *db)
{
	sqlquote_add(q, "RESTORE DATABASE %I WITH RECOVERY;", db);
}

void steps_sql_redo_start(struct sqlquote *q, const char *db)
{
	sqlquote_add(q,
	             "SELECT d.state_desc, f.redo_start_lsn, f.redo_start_fork_guid "
	             "FROM sys.databases AS d "
	             "LEFT JOIN sys.master_files AS f ON f.database_id = d.database_id "
	             "AND f.file_id = 1 WHERE d.name = %L;",
	             db);
}

void steps_sql_last_lsns(struct sqlquote *q, const char *db)
{
	sqlquote_add(
	        q,
	        "SELECT TOP (1) bs.last_lsn, CONVERT(nvarchar(30), rh.restore_date, 126) AS at "
	        "FROM msdb.dbo.restorehistory AS rh JOIN msdb.dbo.backupset AS bs "
	        "ON bs.backup_set_id = rh.backup_set_id "
	        "WHERE rh.destination_database_name = %L ORDER BY rh.restore_date DESC;\n"
	        "SELECT TOP (1) bs.last_lsn, "
	        "CONVERT(nvarchar(30), bs.backup_finish_date, 126) AS at "
	        "FROM msdb.dbo.backupset AS bs WHERE bs.database_name = %L AND bs.type = 'L' "
	        "AND bs.is_force_offline = 1 ORDER BY bs.backup_finish_date DESC;",
	        db, db);
}

void steps_sql_dirtree(struct sqlquote *q, const char *folder)
{
	sqlquote_add(q, "EXEC master.sys.xp_dirtree %L, 1, 1;", folder);
}

/* SET PARTNER OFF / FAILOVER / FORCE_SERVICE_ALLOW_DATA_LOSS / SAFETY FULL */
void steps_sql_partner(struct sqlquote *q, const char *db, const char *what)
{
	if (!strcmp(what, "OFF"))
		sqlquote_add(q, "ALTER DATABASE %I SET PARTNER OFF;", db);
	else if (!strcmp(what, "FAILOVER"))
		sqlquote_add(q, "ALTER DATABASE %I SET PARTNER FAILOVER;", db);
	else if (!strcmp(what, "FORCE_SERVICE_ALLOW_DATA_LOSS"))
		sqlquote_add(q, "ALTER DATABASE %I SET PARTNER FORCE_SERVICE_ALLOW_DATA_LOSS;", db);
	else
		sqlquote_add(q, "ALTER DATABASE %I SET PARTNER SAFETY FULL;", db);
}

void steps_sql_set_partner(struct sqlquote *q, const char *db, const char *address)
{
	sqlquote_add(q, "ALTER DATABASE %I SET PARTNER = %L;", db, address);
}

void steps_sql_mirroring_of(struct sqlquote *q, const char *db)
{
	sqlquote_add(q,
	             "SELECT m.mirroring_role_desc, m.mirroring_partner_name, "
	             "m.mirroring_safety_level_desc, m.mirroring_state_desc "
	             "FROM sys.database_mirroring AS m WHERE m.database_id = DB_ID(%L) "
	             "AND m.mirroring_guid IS NOT NULL;",
	             db);
}

void steps_sql_endpoints(struct sqlquote *q)
{
	sqlquote_add(q, "SELECT e.name, e.state_desc, e.role_desc, t.port "
	                "FROM sys.database_mirroring_endpoints AS e "
	                "JOIN sys.tcp_endpoints AS t ON t.endpoint_id = e.endpoint_id;");
}

void steps_sql_create_endpoint(struct sqlquote *q, unsigned port)
{
	sqlquote_add(q,
	             "CREATE ENDPOINT %I STATE = STARTED AS TCP (LISTENER_PORT = %u) "
	             "FOR DATABASE_MIRRORING (ROLE = PARTNER);",
	             STEPS_ENDPOINT_NAME, port ? port : STEPS_ENDPOINT_PORT);
}

void steps_sql_start_endpoint(struct sqlquote *q, const char *name)
{
	sqlquote_add(q, "ALTER ENDPOINT %I STATE = STARTED;", name);
}

/* The folder part of a Windows or POSIX path, without the separator. */
static size_t dir_len(const char *path)
{
	const char *a = strrchr(path, '\\'), *b = strrchr(path, '/');
	const char *s = a > b ? a : b;

	return s ? (size_t)(s - path) : 0;
}

static bool same_dir(const char *path, const char *dir)
{
	size_t n = dir_len(path), m = strlen(dir);

	while (m && (dir[m - 1] == '\\' || dir[m - 1] == '/'))
		m--;
	return n == m && !strncasecmp(path, dir, n);
}

size_t steps_moves(struct steps_move *out, size_t max, struct arena *arena,
                   const struct steps_file *files, size_t n, const char *data_dir,
                   const char *log_dir)
{
	size_t k = 0;

	if (!data_dir || !log_dir || !*data_dir || !*log_dir)
		return 0;
	for (size_t i = 0; i < n && k < max; i++) {
		const char *dir = files[i].type == 'L' ? log_dir : data_dir;
		const char *p = files[i].physical;
		size_t d = dir_len(p), m = strlen(dir);
		const char *sep = m && (dir[m - 1] == '\\' || dir[m - 1] == '/') ? "" : "\\";

		if (!files[i].logical || !p || same_dir(p, dir))
			continue;
		out[k].logical = files[i].logical;
		out[k].physical = arena_sprintf(arena, "%s%s%s", dir, sep, d ? p + d + 1 : p);
		k++;
	}
	return k;
}
