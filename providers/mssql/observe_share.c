/*
 * observe_share: the log backups on the backup share, read only when a
 * plan needs catch-up from the share (a disaster failover, docs/plan.md).
 * One connection to one reachable instance of the backup site: the
 * listing (master.sys.xp_dirtree share, 1, 1), then one RESTORE
 * HEADERONLY per .trn file of the databases asked for ("<db>_....trn",
 * as log shipping names them). Each statement is built with sqlquote.
 * The file names are only known after the listing, and a file that
 * cannot be read (a copy in progress) fails alone, so each header is its
 * own batch on the same connection. Log sets (BackupType 2) become
 * facts->backups rows of type 'L' whose physical_device_name is the file.
 */
#include <string.h>
#include <strings.h>

#include "providers/mssql/observe.h"
#include "providers/mssql/sqlquote.h"
#include "providers/mssql/steps.h"
#include "util/err.h"

#define SHARE_MAX_FILES 1000

static bool share_candidate(const char *name, const char *const *dbs, size_t n_dbs)
{
	size_t n = strlen(name);

	if (n < 5 || strcasecmp(name + n - 4, ".trn"))
		return false;
	for (size_t i = 0; i < n_dbs; i++) {
		size_t d = strlen(dbs[i]);

		if (n > d + 5 && !strncasecmp(name, dbs[i], d) && name[d] == '_')
			return true;
	}
	return false;
}

static const char *share_join(struct arena *a, const char *dir, const char *name)
{
	size_t n = strlen(dir);
	bool sep = n && (dir[n - 1] == '\\' || dir[n - 1] == '/');

	return arena_sprintf(a, "%s%s%s", dir, sep ? "" : "\\", name);
}

static void share_add(struct mssql_facts *f, const struct mssql_obs_backup *b)
{
	struct mssql_obs_backup *list = arena_alloc(&f->arena, (f->n_backups + 1) * sizeof(*list));

	if (f->n_backups)
		memcpy(list, f->backups, f->n_backups * sizeof(*list));
	list[f->n_backups++] = *b;
	f->backups = list;
}

static const char *cell(struct mssql_facts *f, const struct mssql_result *res, const char *col,
                        size_t row)
{
	return arena_strdup(&f->arena, steps_cell(res, col, row));
}

/* The log sets of one file's header. */
static void share_headers(struct mssql_facts *f, const struct mssql_result *res, const char *file)
{
	for (size_t i = 0; i < steps_rows(res, "FirstLSN"); i++) {
		const char *type = steps_cell(res, "BackupType", i);
		struct mssql_obs_backup b;

		if (!type || strcmp(type, "2"))
			continue;
		memset(&b, 0, sizeof(b));
		b.type = 'L';
		b.database = cell(f, res, "DatabaseName", i);
		b.first_lsn = cell(f, res, "FirstLSN", i);
		b.last_lsn = cell(f, res, "LastLSN", i);
		b.finish_date = cell(f, res, "BackupFinishDate", i);
		b.server_name = cell(f, res, "ServerName", i);
		b.last_recovery_fork_guid = cell(f, res, "RecoveryForkID", i);
		b.first_recovery_fork_guid = cell(f, res, "FirstRecoveryForkID", i);
		b.fork_point_lsn = cell(f, res, "ForkPointLSN", i);
		b.physical_device_name = arena_strdup(&f->arena, file);
		share_add(f, &b);
	}
}

static int share_exec(struct mssql_conn *conn, struct sqlquote *q, struct mssql_result *res,
                      enum mssql_failure *failure)
{
	int error;

	if ((error = sqlquote_error(q)) < 0)
		return error;
	error = mssql_exec(conn, sqlquote_cstr(q), res, failure);
	sqlquote_release(q);
	sqlquote_init(q, 0);
	return error;
}

/* Read the header of every candidate file of the listing `list`. */
static int share_read(struct mssql_facts *f, struct mssql_conn *conn,
                      const struct mssql_result *list, const char *share, const char *const *dbs,
                      size_t n_dbs, enum mssql_failure *failure)
{
	struct sqlquote q;
	int error = 0;

	sqlquote_init(&q, 0);
	for (size_t i = 0, n = 0; i < steps_rows(list, "subdirectory") && n < SHARE_MAX_FILES;
	     i++) {
		const char *name = steps_cell(list, "subdirectory", i);
		const char *isfile = steps_cell(list, "file", i);
		const char *file;
		struct mssql_result res;

		if (!name || (isfile && strcmp(isfile, "1")) || !share_candidate(name, dbs, n_dbs))
			continue;
		n++;
		file = share_join(&f->arena, share, name);
		sqlquote_add(&q, "RESTORE HEADERONLY FROM DISK = %L;", file);
		mssql_result_init(&res);
		error = share_exec(conn, &q, &res, failure);
		if (error == 0)
			share_headers(f, &res, file);
		mssql_result_release(&res);
		if (error < 0)
			break;
	}
	sqlquote_release(&q);
	return error;
}

int mssql_observe_share(struct mssql_facts *facts, const struct mssql_target *target,
                        const char *share, const char *const *dbs, size_t n_dbs)
{
	struct mssql_conn *conn = NULL;
	struct mssql_result list;
	enum mssql_failure failure = MSSQL_FAIL_NONE;
	struct sqlquote q;
	int error;

	mssql_facts_init(facts, target->name);
	mssql_result_init(&list);
	sqlquote_init(&q, 0);
	sqlquote_add(&q, "EXEC master.sys.xp_dirtree %L, 1, 1;", share);
	if ((error = mssql_connect(&conn, &failure, target)) < 0 ||
	    (error = share_exec(conn, &q, &list, &failure)) < 0)
		goto done;
	error = share_read(facts, conn, &list, share, dbs, n_dbs, &failure);
done:
	facts->failure = failure;
	if (error < 0)
		facts->reason = arena_strdup(&facts->arena, err_last());
	sqlquote_release(&q);
	mssql_close(conn);
	mssql_result_release(&list);
	return error;
}
