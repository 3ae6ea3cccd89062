/*
 * observed: the providers' facts -> the core's observed model. The SQL
 * provider (providers/mssql/observe.h) keeps what each instance said as
 * text, as SQL Server said it; the pool command's `get` gives the pool
 * state and active servers. This module turns them into struct model:
 * states and roles into enums, LSNs into numbers, partner and log
 * shipping server names into the instance names the spec uses, the
 * recovery fork and LSN of each copy, the backup sets each instance can
 * see, user sessions, and the servers that recently pinged
 * tblServerIdentity. It is a function of its input (the caller passes
 * the time): it connects to nothing and decides nothing.
 */
#ifndef PCDR_PLAN_OBSERVED_H
#define PCDR_PLAN_OBSERVED_H

#include <stdint.h>

#include "providers/mssql/observe.h"
#include "providers/pool/poolcmd.h"
#include "reconciler/core/model.h"

struct observed_input {
	const struct model *desired;     /* names the instances and their sites */
	const struct mssql_facts *facts; /* what each instance said (matched by name) */
	size_t n_facts;
	const struct poolcmd_status *pool; /* NULL: the pool command failed */
	const char *pool_error;            /* why, when pool is NULL */
	int64_t now;                       /* seconds since the epoch, UTC; 0: every ping counts */
	unsigned ping_window_s;            /* a ping this recent counts; 0: every ping */
	const char *chat_database;         /* count only its pings (facts may hold other
	                                      pools' chat databases); NULL: all */
};

/*
 * Fill `out` (in `arena`) with the observed model: one instance per
 * instance of `in->desired`, in its order, with its site; an instance
 * without facts, or whose facts say it could not be observed, is
 * unreachable with the reason. Never fails: a value that cannot be read
 * (an LSN that is not a number) is left at its default.
 */
void observed_from_facts(struct model *out, struct arena *arena, const struct observed_input *in);

/*
 * The instance name the spec uses for `server` as SQL Server names it
 * (partner_instance "SQLB\PCHAT", a partner TCP://sqlb.dc1.lab:5022, a
 * log shipping server name), among the instances of `desired`; `server`
 * itself when none matches. Borrowed.
 */
const char *observed_instance_name(const struct model *desired, const char *server);

/* Add the backup sets of `f` (mssql_observe_share's log backups on the
 * share) to instance `instance` of `m`, as the backups it can see, marked
 * on_share; the instance is then share_listed. */
void observed_add_backups(struct model *m, const char *instance, const struct mssql_facts *f);

#endif
