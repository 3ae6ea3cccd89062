/*
 * topology: the lab's world description (examples/lab/topology.yaml):
 * sites, SQL Server instances, SQL logins, the databases each instance
 * starts with, Persistent Chat servers, the pool, and the backup share.
 * Parsed with libyaml directly: the lab shares no code with specs/.
 *
 * Contract between lab/ modules: written by the lab server side
 * (topology.c), consumed by the engine (lab_world_create).
 */
#ifndef PCDR_LAB_TOPOLOGY_H
#define PCDR_LAB_TOPOLOGY_H

#include <stdbool.h>
#include <stddef.h>

struct lab_topo_database {
	char *name;
	char *recovery;   /* "FULL", "SIMPLE", "BULK_LOGGED" */
	unsigned size_mb; /* simulated size, for backup/restore cost */
};

struct lab_topo_instance {
	char *name;                          /* "sqla.dc1.lab": also the freetds.conf entry */
	char *site;                          /* "dc1" */
	struct lab_topo_database *databases; /* present at first start */
	size_t n_databases;
};

struct lab_topo_login {
	char *name;
	char *password; /* lab-only secret; written only to DIR/env */
	bool sysadmin;
};

struct lab_topo_site {
	char *name;
	bool home;
	char **chat_servers; /* Persistent Chat server FQDNs in this site */
	size_t n_chat_servers;
};

struct lab_topology {
	char *pool; /* pool identity, "service:atl-pchat.lab" */
	struct lab_topo_site *sites;
	size_t n_sites;
	struct lab_topo_instance *instances;
	size_t n_instances;
	struct lab_topo_login *logins;
	size_t n_logins;
	char *share_unc; /* "\\\\fs1.lab\\pchat-ls" */
	char *share_dir; /* folder relative to the lab dir: "share" */
};

/* Parse a topology file. 0, or ERR_INVALID/ERR_IO with err_last() naming
 * file:line:col. Free with lab_topology_free. */
int lab_topology_load(struct lab_topology **out, const char *path);
void lab_topology_free(struct lab_topology *topo);

#endif
