/*
 * admin: dispatch of the administrative statements (admin.h) and the
 * helpers they share: constant arguments, the sessions using a database
 * and ending them (WITH ROLLBACK IMMEDIATE). Statements that SQL Server
 * refuses inside a user transaction fail here first: 3021 for BACKUP and
 * RESTORE, 226 for CREATE/DROP/ALTER DATABASE.
 */
#include <string.h>

#include "lab/sql/admin.h"
#include "lab/sql/value.h"

const struct sqladmopt *admin_opt(const struct sqladmin *a, const char *key)
{
	for (size_t i = 0; i < a->n_opts; i++)
		if (!strcmp(a->opts[i].key, key))
			return &a->opts[i];
	return NULL;
}

int admin_text(struct sqlctx *c, const struct sqlexpr *e, const char **out)
{
	struct evalenv env;
	struct lab_value v;
	size_t n;

	memset(&env, 0, sizeof(env));
	if (sqleval(c, &env, e, &v))
		return -1;
	*out = v.is_null ? NULL : sqlval_text(&v, c->a, &n);
	return 0;
}

int admin_int(struct sqlctx *c, const struct sqlexpr *e, int64_t *out)
{
	struct evalenv env;
	struct lab_value v, iv;
	struct sqltype t = {LAB_T_BIGINT, 8, 19, 0};

	memset(&env, 0, sizeof(env));
	if (sqleval(c, &env, e, &v))
		return -1;
	if (sqlval_convert(&iv, &v, &t, -1, c->a, &c->err))
		return sqlexec_fail_err(c, AB_STMT, &c->err, e->line);
	*out = iv.is_null ? 0 : iv.i;
	return 0;
}

size_t admin_users(struct sqlinstance *inst, int32_t db_id, const struct lab_session *self)
{
	size_t n = 0;

	for (size_t i = 0; i < inst->sessions.len; i++)
		if (inst->sessions.items[i] != self && inst->sessions.items[i]->db_id == db_id)
			n++;
	return n;
}

static const char *in_txn_what(enum admin_verb v)
{
	switch (v) {
	case AD_CREATE_DB:
		return "CREATE DATABASE";
	case AD_DROP_DB:
		return "DROP DATABASE";
	case AD_ALTER_DB:
		return "ALTER DATABASE";
	case AD_CREATE_EP:
	case AD_ALTER_EP:
	case AD_DROP_EP:
		return NULL;
	default:
		return "";
	}
}

int sqladmin_exec(struct sqlctx *c, const struct sqlstmt *st)
{
	const char *what = in_txn_what(st->adm->verb);
	int rc;

	if (what && c->s->trancount > 0) {
		pthread_mutex_lock(&c->inst->lock);
		if (*what)
			rc = sqlexec_fail(c, AB_STMT, 226, 16, st->line,
			                  "%s statement not allowed within multi-statement "
			                  "transaction.",
			                  what);
		else
			rc = sqlexec_fail(c, AB_STMT, 3021, 16, st->line,
			                  "Cannot perform a backup or restore operation within a "
			                  "transaction.");
		sqlout_done(c, LAB_DONE_ERROR, 0, 0);
		pthread_mutex_unlock(&c->inst->lock);
		return rc;
	}
	switch (st->adm->verb) {
	case AD_BACKUP_DB:
	case AD_BACKUP_LOG:
		return backup_exec(c, st);
	case AD_RESTORE_DB:
	case AD_RESTORE_LOG:
		return restore_exec(c, st);
	case AD_RESTORE_HEADERONLY:
	case AD_RESTORE_FILELISTONLY:
	case AD_RESTORE_VERIFYONLY:
		return restore_info_exec(c, st);
	case AD_CREATE_EP:
	case AD_ALTER_EP:
	case AD_DROP_EP:
		return mirror_endpoint_exec(c, st);
	default:
		return alterdb_exec(c, st);
	}
}
