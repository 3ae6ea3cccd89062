/*
 * early: SQL Server logins started before the caller knows what it will
 * ask. `pcdr plan` knows the instances from the host configuration long
 * before it has read the specs from git (libgit2's start, the commit's
 * tree, every spec parsed), and a login costs two round trips; starting
 * them first overlaps that wait with the work (bench/RESULTS.md, issue 5).
 *
 * At most `max_connections` logins, to the first targets; the observation
 * then takes each instance's connection instead of logging in again, and
 * a login that failed is reported once, as mssql_connect reported it.
 * Together with the observation's own connections the bound holds when
 * the early targets are observed first and mssql_early_keep closes the
 * ones nobody will take before the observation starts.
 */
#ifndef PCDR_PROVIDERS_MSSQL_EARLY_H
#define PCDR_PROVIDERS_MSSQL_EARLY_H

#include <stdbool.h>
#include <stddef.h>

#include "providers/mssql/mssql.h"

struct mssql_early;

/* Start logging in to targets[0 .. min(n, max_connections)) (0: 8), each
 * in its own thread. The targets are copied (a login abandoned by
 * mssql_early_free may end after the caller freed its configuration). */
struct mssql_early *mssql_early_start(const struct mssql_target *targets, size_t n,
                                      unsigned max_connections);

/*
 * The early login to the instance `name`, waiting for it to end: 1 with
 * *conn (the caller's to close), a negative code with *failure and
 * err_last() as mssql_connect left them, or 0 when there is no early
 * login for `name` (or it was taken): connect yourself. `e` may be NULL.
 */
int mssql_early_take(struct mssql_early *e, const char *name, struct mssql_conn **conn,
                     enum mssql_failure *failure);

/* The instance names of the early logins, in the order they began:
 * mssql_early_name(e, i) for i < mssql_early_count(e). */
size_t mssql_early_count(const struct mssql_early *e);
const char *mssql_early_name(const struct mssql_early *e, size_t i);

/* Give up the early logins to instances not in names[0..n): each closes
 * its connection, now or when its login ends (nobody waits for it). */
void mssql_early_keep(struct mssql_early *e, const char *const *names, size_t n);

/* Close the connections nobody took; a login still under way closes its
 * own when it ends, and the last one frees the handle. NULL is fine. */
void mssql_early_free(struct mssql_early *e);

#endif
