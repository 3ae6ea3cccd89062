/*
 * observe: result sets -> facts, and the runs (one instance, or many in
 * parallel with a bounded number of connections). Parsing is driven by
 * one table per section: the tag (first column name), the struct, and
 * for each field its column name, kind and offset. A missing column, a
 * value that is not a number, an unknown or repeated set: each becomes a
 * line in facts->errors, never a crash and never a guess.
 */
#include "providers/mssql/observe.h"
#include "providers/mssql/early.h"

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/err.h"
#include "util/xalloc.h"

enum obs_kind { OBS_STR, OBS_INT, OBS_BOOL, OBS_CHAR };

struct obs_col {
	const char *name;
	enum obs_kind kind;
	size_t offset;
};

struct obs_section {
	const char *tag;
	unsigned bit;
	size_t size;        /* of one element */
	size_t list_offset; /* of the list pointer in mssql_facts */
	size_t count_offset;
	const struct obs_col *cols;
};

struct obs_server {
	const char *server_name;
	const char *product_version;
	const char *server_time;
};

#define S(T, f)                                                                                    \
	{                                                                                          \
#f, OBS_STR, offsetof(struct T, f)                                                 \
	}
#define I(T, f)                                                                                    \
	{                                                                                          \
#f, OBS_INT, offsetof(struct T, f)                                                 \
	}
#define B(T, f)                                                                                    \
	{                                                                                          \
#f, OBS_BOOL, offsetof(struct T, f)                                                \
	}
#define C(name, kind, T, f)                                                                        \
	{                                                                                          \
		name, kind, offsetof(struct T, f)                                                  \
	}
#define END                                                                                        \
	{                                                                                          \
		NULL, OBS_STR, 0                                                                   \
	}

static const struct obs_col cols_server[] = {S(obs_server, server_name),
                                             S(obs_server, product_version),
                                             S(obs_server, server_time), END};
static const struct obs_col cols_databases[] = {I(mssql_obs_database, database_id),
                                                S(mssql_obs_database, name),
                                                I(mssql_obs_database, state),
                                                S(mssql_obs_database, state_desc),
                                                B(mssql_obs_database, is_in_standby),
                                                B(mssql_obs_database, is_read_only),
                                                S(mssql_obs_database, user_access_desc),
                                                S(mssql_obs_database, recovery_model_desc),
                                                END};
static const struct obs_col cols_mirroring[] = {
        C("name", OBS_STR, mssql_obs_mirroring, database),
        C("mirroring_role_desc", OBS_STR, mssql_obs_mirroring, role_desc),
        C("mirroring_state_desc", OBS_STR, mssql_obs_mirroring, state_desc),
        C("mirroring_safety_level_desc", OBS_STR, mssql_obs_mirroring, safety_level_desc),
        C("mirroring_partner_name", OBS_STR, mssql_obs_mirroring, partner_name),
        C("mirroring_partner_instance", OBS_STR, mssql_obs_mirroring, partner_instance),
        C("mirroring_witness_name", OBS_STR, mssql_obs_mirroring, witness_name),
        C("mirroring_witness_state_desc", OBS_STR, mssql_obs_mirroring, witness_state_desc),
        C("mirroring_role_sequence", OBS_INT, mssql_obs_mirroring, role_sequence),
        C("mirroring_failover_lsn", OBS_STR, mssql_obs_mirroring, failover_lsn),
        C("mirroring_end_of_log_lsn", OBS_STR, mssql_obs_mirroring, end_of_log_lsn),
        END};
static const struct obs_col cols_endpoints[] = {S(mssql_obs_endpoint, name),
                                                S(mssql_obs_endpoint, role_desc),
                                                S(mssql_obs_endpoint, state_desc),
                                                B(mssql_obs_endpoint, is_encryption_enabled),
                                                S(mssql_obs_endpoint, connection_auth_desc),
                                                S(mssql_obs_endpoint, encryption_algorithm_desc),
                                                I(mssql_obs_endpoint, port),
                                                END};
static const struct obs_col cols_ls_primary[] = {S(mssql_obs_ls_primary, primary_database),
                                                 S(mssql_obs_ls_primary, backup_directory),
                                                 S(mssql_obs_ls_primary, backup_share),
                                                 I(mssql_obs_ls_primary, backup_retention_period),
                                                 S(mssql_obs_ls_primary, monitor_server),
                                                 S(mssql_obs_ls_primary, last_backup_file),
                                                 S(mssql_obs_ls_primary, last_backup_date),
                                                 I(mssql_obs_ls_primary, backup_job_enabled),
                                                 S(mssql_obs_ls_primary, secondary_server),
                                                 S(mssql_obs_ls_primary, secondary_database),
                                                 END};
static const struct obs_col cols_ls_secondary[] = {
        S(mssql_obs_ls_secondary, secondary_database),
        S(mssql_obs_ls_secondary, primary_server),
        S(mssql_obs_ls_secondary, primary_database),
        S(mssql_obs_ls_secondary, backup_source_directory),
        S(mssql_obs_ls_secondary, backup_destination_directory),
        S(mssql_obs_ls_secondary, last_copied_file),
        S(mssql_obs_ls_secondary, last_copied_date),
        I(mssql_obs_ls_secondary, restore_delay),
        B(mssql_obs_ls_secondary, restore_all),
        I(mssql_obs_ls_secondary, restore_mode),
        B(mssql_obs_ls_secondary, disconnect_users),
        S(mssql_obs_ls_secondary, last_restored_file),
        S(mssql_obs_ls_secondary, last_restored_date),
        I(mssql_obs_ls_secondary, copy_job_enabled),
        I(mssql_obs_ls_secondary, restore_job_enabled),
        END};
static const struct obs_col cols_ls_monitor_primary[] = {
        S(mssql_obs_ls_monitor_primary, primary_server),
        S(mssql_obs_ls_monitor_primary, primary_database),
        I(mssql_obs_ls_monitor_primary, backup_threshold),
        S(mssql_obs_ls_monitor_primary, last_backup_file),
        S(mssql_obs_ls_monitor_primary, last_backup_date),
        END};
static const struct obs_col cols_ls_monitor_secondary[] = {
        S(mssql_obs_ls_monitor_secondary, secondary_server),
        S(mssql_obs_ls_monitor_secondary, secondary_database),
        S(mssql_obs_ls_monitor_secondary, primary_server),
        S(mssql_obs_ls_monitor_secondary, primary_database),
        I(mssql_obs_ls_monitor_secondary, restore_threshold),
        S(mssql_obs_ls_monitor_secondary, last_copied_file),
        S(mssql_obs_ls_monitor_secondary, last_copied_date),
        S(mssql_obs_ls_monitor_secondary, last_restored_file),
        S(mssql_obs_ls_monitor_secondary, last_restored_date),
        I(mssql_obs_ls_monitor_secondary, last_restored_latency),
        END};
static const struct obs_col cols_backups[] = {
        C("database_name", OBS_STR, mssql_obs_backup, database),
        C("type", OBS_CHAR, mssql_obs_backup, type),
        S(mssql_obs_backup, first_lsn),
        S(mssql_obs_backup, last_lsn),
        S(mssql_obs_backup, database_backup_lsn),
        S(mssql_obs_backup, checkpoint_lsn),
        C("backup_finish_date", OBS_STR, mssql_obs_backup, finish_date),
        B(mssql_obs_backup, is_copy_only),
        S(mssql_obs_backup, server_name),
        S(mssql_obs_backup, first_recovery_fork_guid),
        S(mssql_obs_backup, last_recovery_fork_guid),
        S(mssql_obs_backup, fork_point_lsn),
        S(mssql_obs_backup, physical_device_name),
        END};
static const struct obs_col cols_restores[] = {
        C("destination_database_name", OBS_STR, mssql_obs_restore, database),
        S(mssql_obs_restore, restore_date),
        C("restore_type", OBS_CHAR, mssql_obs_restore, restore_type),
        B(mssql_obs_restore, recovery),
        C("type", OBS_CHAR, mssql_obs_restore, backup_type),
        S(mssql_obs_restore, first_lsn),
        S(mssql_obs_restore, last_lsn),
        S(mssql_obs_restore, first_recovery_fork_guid),
        S(mssql_obs_restore, last_recovery_fork_guid),
        S(mssql_obs_restore, fork_point_lsn),
        S(mssql_obs_restore, server_name),
        S(mssql_obs_restore, physical_device_name),
        END};
static const struct obs_col cols_sessions[] = {C("name", OBS_STR, mssql_obs_sessions, database),
                                               I(mssql_obs_sessions, sessions), END};
static const struct obs_col cols_recovery[] = {
        C("name", OBS_STR, mssql_obs_recovery, database), S(mssql_obs_recovery, recovery_fork_guid),
        S(mssql_obs_recovery, first_recovery_fork_guid),  S(mssql_obs_recovery, fork_point_lsn),
        S(mssql_obs_recovery, last_log_backup_lsn),       S(mssql_obs_recovery, redo_start_lsn),
        S(mssql_obs_recovery, redo_start_fork_guid),      END};
static const struct obs_col cols_log_end[] = {
        C("name", OBS_STR, mssql_obs_log_end, database),
        C("log_end_lsn", OBS_STR, mssql_obs_log_end, log_end_lsn), END};
static const struct obs_col cols_server_identity[] = {
        C("serverID", OBS_INT, mssql_obs_server_identity, server_id),
        C("serverAddress", OBS_STR, mssql_obs_server_identity, server_address),
        C("serverLastPingTime", OBS_STR, mssql_obs_server_identity, last_ping_time),
        C("chat_database", OBS_STR, mssql_obs_server_identity, database), END};

#define SEC(tag, bit, T, list)                                                                     \
	{                                                                                          \
		tag, bit, sizeof(struct T), offsetof(struct mssql_facts, list),                    \
		        offsetof(struct mssql_facts, n_##list), cols_##list                        \
	}

static const struct obs_section obs_sections[] = {
        {"pcdr_server", MSSQL_SEC_SERVER, sizeof(struct obs_server), 0, 0, cols_server},
        SEC("pcdr_databases", MSSQL_SEC_DATABASES, mssql_obs_database, databases),
        SEC("pcdr_mirroring", MSSQL_SEC_MIRRORING, mssql_obs_mirroring, mirroring),
        SEC("pcdr_endpoints", MSSQL_SEC_ENDPOINTS, mssql_obs_endpoint, endpoints),
        SEC("pcdr_ls_primary", MSSQL_SEC_LS_PRIMARY, mssql_obs_ls_primary, ls_primary),
        SEC("pcdr_ls_secondary", MSSQL_SEC_LS_SECONDARY, mssql_obs_ls_secondary, ls_secondary),
        SEC("pcdr_ls_monitor_primary", MSSQL_SEC_LS_MONITOR_PRIMARY, mssql_obs_ls_monitor_primary,
            ls_monitor_primary),
        SEC("pcdr_ls_monitor_secondary", MSSQL_SEC_LS_MONITOR_SECONDARY,
            mssql_obs_ls_monitor_secondary, ls_monitor_secondary),
        SEC("pcdr_backups", MSSQL_SEC_BACKUPS, mssql_obs_backup, backups),
        SEC("pcdr_restores", MSSQL_SEC_RESTORES, mssql_obs_restore, restores),
        SEC("pcdr_sessions", MSSQL_SEC_SESSIONS, mssql_obs_sessions, sessions),
        SEC("pcdr_recovery", MSSQL_SEC_RECOVERY, mssql_obs_recovery, recovery),
        SEC("pcdr_log_end", MSSQL_SEC_LOG_END, mssql_obs_log_end, log_end),
        SEC("pcdr_server_identity", MSSQL_SEC_SERVER_IDENTITY, mssql_obs_server_identity,
            server_identity),
};

void mssql_facts_init(struct mssql_facts *facts, const char *instance)
{
	memset(facts, 0, sizeof(*facts));
	arena_init(&facts->arena);
	facts->instance = arena_strdup(&facts->arena, instance);
}

void mssql_facts_release(struct mssql_facts *facts)
{
	if (!facts)
		return;
	free(facts->errors);
	arena_release(&facts->arena);
	memset(facts, 0, sizeof(*facts));
}

static void obs_error(struct mssql_facts *facts, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

static void obs_error(struct mssql_facts *facts, const char *fmt, ...)
{
	va_list ap;

	if (facts->n_errors >= 1000)
		return;
	va_start(ap, fmt);
	char *msg = arena_vsprintf(&facts->arena, fmt, ap);
	va_end(ap);
	/* capacity: the next power of two */
	if ((facts->n_errors & (facts->n_errors + 1)) == 0)
		facts->errors = xrealloc(facts->errors, 2 * (facts->n_errors + 1) * sizeof(char *));
	facts->errors[facts->n_errors++] = msg;
}

/* A whole number, or -1 for NULL; false (value -1) when not a number. */
static bool obs_int(const char *text, int *out)
{
	char *end;
	long v;

	*out = -1;
	if (!text)
		return true;
	v = strtol(text, &end, 10);
	if (end == text || *end || v < -2147483647L || v > 2147483647L)
		return false;
	*out = (int)v;
	return true;
}

static void obs_set_field(struct mssql_facts *facts, const struct obs_section *sec,
                          const struct obs_col *col, const char *text, void *elem, size_t row)
{
	char *field = (char *)elem + col->offset;

	switch (col->kind) {
	case OBS_STR:
		*(const char **)field = text ? arena_strdup(&facts->arena, text) : NULL;
		break;
	case OBS_INT:
		if (!obs_int(text, (int *)field))
			obs_error(facts,
			          "result set '%s' row %zu: column '%s' is not a number: '%.40s'",
			          sec->tag, row + 1, col->name, text);
		break;
	case OBS_BOOL:
		*(bool *)field = text && (!strcmp(text, "1") || !strcasecmp(text, "true"));
		break;
	case OBS_CHAR:
		*field = text && text[0] ? text[0] : '?';
		break;
	}
}

/* Column index of each field (-1: missing, reported once). */
static void obs_map_columns(struct mssql_facts *facts, const struct obs_section *sec,
                            const struct mssql_rowset *set, int *idx)
{
	for (size_t k = 0; sec->cols[k].name; k++) {
		idx[k] = -1;
		for (size_t c = 1; c < set->n_columns; c++)
			if (!strcasecmp(set->columns[c], sec->cols[k].name))
				idx[k] = (int)c;
		if (idx[k] < 0)
			obs_error(facts, "result set '%s' has no column '%s'", sec->tag,
			          sec->cols[k].name);
	}
}

/* Add `n` parsed rows to the section's list; only tblServerIdentity
 * arrives more than once (one set per chat database). */
static void obs_append(struct mssql_facts *facts, const struct obs_section *sec, char *items,
                       size_t n)
{
	void **list = (void **)((char *)facts + sec->list_offset);
	size_t *count = (size_t *)((char *)facts + sec->count_offset);
	char *both;

	if (*count && n) {
		both = arena_calloc(&facts->arena, *count + n, sec->size);
		memcpy(both, *list, *count * sec->size);
		memcpy(both + *count * sec->size, items, n * sec->size);
		items = both;
	} else if (*count) {
		return;
	}
	*list = items;
	*count += n;
}

static void obs_parse_set(struct mssql_facts *facts, const struct obs_section *sec,
                          const struct mssql_rowset *set)
{
	int idx[32];
	char *items = arena_calloc(&facts->arena, set->n_rows ? set->n_rows : 1, sec->size);

	obs_map_columns(facts, sec, set, idx);
	for (size_t r = 0; r < set->n_rows; r++) {
		const char *const *cells = set->cells + r * set->n_columns;
		for (size_t k = 0; sec->cols[k].name; k++)
			if (idx[k] >= 0)
				obs_set_field(facts, sec, &sec->cols[k], cells[idx[k]],
				              items + r * sec->size, r);
	}
	facts->sections |= sec->bit;
	if (sec->bit == MSSQL_SEC_SERVER) {
		const struct obs_server *server = (const struct obs_server *)items;
		if (set->n_rows) {
			facts->server_name = server->server_name;
			facts->product_version = server->product_version;
			facts->server_time = server->server_time;
		}
		return;
	}
	obs_append(facts, sec, items, set->n_rows);
}

void mssql_observe_parse(struct mssql_facts *facts, const struct mssql_result *res)
{
	const size_t n_sections = sizeof(obs_sections) / sizeof(obs_sections[0]);

	for (size_t i = 0; i < res->n_messages; i++) {
		const struct mssql_message *m = &res->messages[i];
		if (m->severity > 10)
			obs_error(facts, "Msg %d, Level %d, State %d%s%s: %s", m->number,
			          m->severity, m->state, m->proc[0] ? ", Procedure " : "", m->proc,
			          m->text);
	}
	for (size_t i = 0; i < res->n_sets; i++) {
		const struct mssql_rowset *set = &res->sets[i];
		const char *tag = set->n_columns ? set->columns[0] : "";
		size_t k;

		for (k = 0; k < n_sections; k++)
			if (!strcmp(obs_sections[k].tag, tag))
				break;
		if (k == n_sections)
			obs_error(facts, "unexpected result set '%.64s'", tag);
		else if ((facts->sections & obs_sections[k].bit) &&
		         obs_sections[k].bit != MSSQL_SEC_SERVER_IDENTITY)
			obs_error(facts, "result set '%s' arrived twice", tag);
		else
			obs_parse_set(facts, &obs_sections[k], set);
	}
}

static int observe_one(struct mssql_facts *facts, const struct mssql_target *target,
                       const struct mssql_observe_request *req, struct mssql_early *early)
{
	struct mssql_conn *conn = NULL;
	struct mssql_result res;
	enum mssql_failure failure = MSSQL_FAIL_NONE;
	char *sql = NULL;
	int error;

	mssql_facts_init(facts, target->name);
	mssql_result_init(&res);
	if ((error = mssql_observe_batch(&sql, req)) < 0) {
		failure = MSSQL_FAIL_QUERY;
		goto done;
	}
	if ((error = mssql_early_take(early, target->name, &conn, &failure)) < 0 ||
	    (error == 0 && (error = mssql_connect(&conn, &failure, target)) < 0))
		goto done;
	error = mssql_exec(conn, sql, &res, &failure);
	mssql_observe_parse(facts, &res);
done:
	facts->failure = failure;
	if (error < 0)
		facts->reason = arena_strdup(&facts->arena, err_last());
	mssql_close(conn);
	mssql_result_release(&res);
	free(sql);
	return error;
}

int mssql_observe(struct mssql_facts *facts, const struct mssql_target *target,
                  const struct mssql_observe_request *req)
{
	return observe_one(facts, target, req, NULL);
}

struct obs_job {
	struct mssql_facts *facts;
	const struct mssql_target *targets;
	size_t n;
	const struct mssql_observe_request *reqs; /* reqs[i] for targets[i], or reqs[0] for all */
	bool each;
	struct mssql_early *early;
	size_t next;
	size_t observed;
	pthread_mutex_t lock;
};

static void *obs_worker(void *arg)
{
	struct obs_job *job = arg;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&job->lock);
		i = job->next++;
		pthread_mutex_unlock(&job->lock);
		if (i >= job->n)
			return NULL;
		err_clear();
		if (observe_one(&job->facts[i], &job->targets[i],
		                job->each ? &job->reqs[i] : job->reqs, job->early) == 0) {
			pthread_mutex_lock(&job->lock);
			job->observed++;
			pthread_mutex_unlock(&job->lock);
		}
	}
}

static size_t observe_many(struct mssql_facts *facts, const struct mssql_target *targets, size_t n,
                           const struct mssql_observe_request *reqs, bool each,
                           unsigned max_connections, struct mssql_early *early)
{
	struct obs_job job = {
	        facts, targets, n, reqs, each, early, 0, 0, PTHREAD_MUTEX_INITIALIZER};
	size_t n_threads = max_connections ? max_connections : 8, started = 0;
	pthread_t *threads;

	if (n_threads > n)
		n_threads = n;
	threads = xcalloc(n_threads ? n_threads : 1, sizeof(*threads));
	for (size_t t = 0; t < n_threads; t++)
		if (pthread_create(&threads[started], NULL, obs_worker, &job) == 0)
			started++;
	if (started == 0)
		obs_worker(&job); /* no thread could start: do it here */
	for (size_t t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	free(threads);
	pthread_mutex_destroy(&job.lock);
	return job.observed;
}

size_t mssql_observe_all(struct mssql_facts *facts, const struct mssql_target *targets, size_t n,
                         const struct mssql_observe_request *req, unsigned max_connections)
{
	return observe_many(facts, targets, n, req, false, max_connections, NULL);
}

size_t mssql_observe_each(struct mssql_facts *facts, const struct mssql_target *targets,
                          const struct mssql_observe_request *reqs, size_t n,
                          unsigned max_connections, struct mssql_early *early)
{
	return observe_many(facts, targets, n, reqs, true, max_connections, early);
}
