/*
 * admin_pending: BACKUP, RESTORE and endpoints/mirroring before their
 * executors land: each fails with a clear message instead of running.
 */
#include "lab/sql/admin.h"

static int pending(struct sqlctx *c, const struct sqlstmt *st)
{
	pthread_mutex_lock(&c->inst->lock);
	sqlexec_fail(c, AB_STMT, 40000, 16, st->line, "This statement is not supported by the lab yet.");
	sqlout_done(c, LAB_DONE_ERROR, 0, 0);
	pthread_mutex_unlock(&c->inst->lock);
	return -1;
}

int backup_exec(struct sqlctx *c, const struct sqlstmt *st)
{
	return pending(c, st);
}

int restore_exec(struct sqlctx *c, const struct sqlstmt *st)
{
	return pending(c, st);
}

int restore_info_exec(struct sqlctx *c, const struct sqlstmt *st)
{
	return pending(c, st);
}

int mirror_endpoint_exec(struct sqlctx *c, const struct sqlstmt *st)
{
	return pending(c, st);
}

int mirror_alter_exec(struct sqlctx *c, const struct sqlstmt *st, const struct sqladmopt *o)
{
	(void)o;
	return pending(c, st);
}
