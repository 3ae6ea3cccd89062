/*
 * pool: the lab's Persistent Chat pool, driven through the same
 * external-command contract as a real pool (docs/pool-command.md):
 * `pcdr-lab --dir DIR pool get | set-state STATE | set-active-servers
 * [FQDN...]`. The state lives in DIR/pool.json (written to a temporary
 * file and renamed, under an flock on DIR/pool.lock); every change is
 * appended to DIR/pool.history (read by `verify`) and logged to
 * DIR/lab.log. It also writes DIR/pcdr.yaml, a host configuration that
 * points pcdr at the lab's instances and at this command. It does not
 * need the lab process to be running, and it never talks TDS.
 */
#ifndef PCDR_LAB_POOL_H
#define PCDR_LAB_POOL_H

#include <stdbool.h>
#include <stddef.h>

#include "lab/topology.h"

#define LABPOOL_FILE    "pool.json"
#define LABPOOL_HISTORY "pool.history"

struct labpool {
	bool failed_over; /* state: Normal (false) or FailedOver */
	char **active;    /* active server FQDNs, topology spelling */
	size_t n_active;
};

/*
 * Read the pool state of DIR (the initial state, Normal with no active
 * server, when DIR has none yet). 0, or ERR_IO / ERR_INVALID (a damaged
 * pool.json). Release with labpool_release.
 */
int labpool_read(struct labpool *out, const char *dir);
void labpool_release(struct labpool *pool);

/* Parse pool.json's text (the `get` format). 0 or ERR_INVALID. */
int labpool_parse(struct labpool *out, const char *json, size_t len);

/* The instance that holds the authority in `pool`'s state: the first
 * instance of the home site (Normal) or of the first other site
 * (FailedOver); `partner` gets the second instance of that site, or
 * NULL. Borrowed from topo; NULL when the topology has no such site. */
const char *labpool_principal(const struct lab_topology *topo, bool failed_over,
                              const char **partner);
/* The home site and the backup site (the first site that is not home). */
const char *labpool_home_site(const struct lab_topology *topo);
const char *labpool_backup_site(const struct lab_topology *topo);

/* `pcdr-lab pool ...`: args after "pool". Returns a process exit code. */
int labpool_main(const char *dir, int argc, char **argv);

/*
 * Write DIR/pcdr.yaml: every instance of the topology reached by its
 * freetds.conf name, credentials from PCDR_SQL_USER/PCDR_SQL_PASSWORD
 * (DIR/env), tls off, and the pool command [self_exe, --dir, DIR, pool].
 * `dir` and `self_exe` are absolute. 0 or ERR_IO.
 */
int labpool_write_config(const char *dir, const struct lab_topology *topo, const char *self_exe);

#endif
