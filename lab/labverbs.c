/*
 * labverbs: argument handling shared by the pool, chat, verify and fault verbs
 * (--dir before or after the verb, -h), their dispatch, and `up` with
 * the host configuration for pcdr (DIR/pcdr.yaml). Each verb's work is in
 * its own file: lab/pool.c, lab/chat.c, lab/verify.c.
 */
#include "lab/labverbs.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab/chat.h"
#include "lab/labctl.h"
#include "lab/labfile.h"
#include "lab/pool.h"
#include "lab/verify.h"
#include "util/err.h"
#include "util/xalloc.h"

struct labverb {
	const char *name;
	int (*run)(const char *dir, int argc, char **argv);
	const char *help;
};

static const struct labverb labverbs[] = {
        {"pool", labpool_main,
         "usage: pcdr-lab --dir DIR pool get | set-state Normal|FailedOver |\n"
         "                          set-active-servers [FQDN...]\n"
         "  the Persistent Chat pool, as pcdr's pool command (docs/pool-command.md):\n"
         "  get prints {\"state\":...,\"activeServers\":[...]}; set-state and\n"
         "  set-active-servers change DIR/pool.json (no FQDN: clear the list, the\n"
         "  fence) and log to DIR/lab.log and DIR/pool.history; a state other than\n"
         "  Normal/FailedOver or a server that is not one of the topology's\n"
         "  chatServers is refused (exit 1). Initial state: Normal, no server active.\n"},
        {"chat", chat_main,
         "usage: pcdr-lab --dir DIR chat start [--rate N] | stop | status\n"
         "  simulated Persistent Chat servers: each ACTIVE server (DIR/pool.json,\n"
         "  re-read before every message) inserts N messages a second (default 5)\n"
         "  into mgc.dbo.tblChat on the pool's principal (Normal: the home site's\n"
         "  first instance; FailedOver: the backup site's), fails over to the\n"
         "  site's other instance as a client with a failover partner does, pings\n"
         "  mgc.dbo.tblServerIdentity every 2 s, and appends every acknowledged\n"
         "  message to DIR/ledger. Runs in the background (DIR/chat.pid,\n"
         "  DIR/chat.log); status prints each server's counters.\n"},
        {"verify", verify_main,
         "usage: pcdr-lab --dir DIR verify [--allow-loss-after LSN|TIME]\n"
         "  check DIR/ledger against mgc.dbo.tblChat on the instance the pool uses\n"
         "  now: prints 'acknowledged N, present N, lost N, duplicates N,\n"
         "  split-brain N' and exits 0 only when nothing acknowledged is lost\n"
         "  (except messages acknowledged at or after TIME, UTC\n"
         "  YYYY-MM-DDTHH:MM:SS[.ffffff][Z]), nothing is present twice and no\n"
         "  message was acknowledged by a copy that was not the authority.\n"},
        /* faults: lab/labctl_client.c sends them to the running lab */
        {"stop", labctl_main_stop,
         "usage: pcdr-lab --dir DIR stop INSTANCE|SITE\n"
         "  stop an instance, or every instance of a site: its listener closes (connecting\n"
         "  is refused), its connections drop, its Agent stops; its state survives.\n"},
        {"start", labctl_main_start,
         "usage: pcdr-lab --dir DIR start INSTANCE|SITE\n"
         "  start a stopped instance (or site) again on the same port.\n"},
        {"partition", labctl_main_partition,
         "usage: pcdr-lab --dir DIR partition SITE SITE\n"
         "  cut the link between two sites: database mirroring and share access across\n"
         "  the cut fail; clients inside a site still connect (the share is in the home site).\n"},
        {"heal", labctl_main_heal,
         "usage: pcdr-lab --dir DIR heal\n"
         "  restore every link cut by partition.\n"},
        {"rebuild", labctl_main_rebuild,
         "usage: pcdr-lab --dir DIR rebuild SITE\n"
         "  reinstall every instance of SITE empty: system databases and the topology's\n"
         "  databases (fresh GUIDs, new recovery fork, ONLINE), as after a total loss.\n"},
        {"lose-file", labctl_main_lose_file,
         "usage: pcdr-lab --dir DIR lose-file PATH\n"
         "  delete PATH (relative to the share, or under its UNC name) from the share.\n"},
        {"corrupt-file", labctl_main_corrupt_file,
         "usage: pcdr-lab --dir DIR corrupt-file PATH\n"
         "  damage PATH in the share (16 bytes in its middle are flipped).\n"},
        {"lose-db-file", labctl_main_lose_db_file,
         "usage: pcdr-lab --dir DIR lose-db-file INSTANCE DATABASE\n"
         "  a data or log file of DATABASE on INSTANCE is lost (the instance stopped or the\n"
         "  database OFFLINE): at its next startup it is RECOVERY_PENDING (945).\n"},
        {"corrupt-db-file", labctl_main_corrupt_db_file,
         "usage: pcdr-lab --dir DIR corrupt-db-file INSTANCE DATABASE\n"
         "  a file of DATABASE on INSTANCE is damaged (the instance stopped or the database\n"
         "  OFFLINE): its next recovery fails and it is SUSPECT (926).\n"},
        {"latency", labctl_main_latency,
         "usage: pcdr-lab --dir DIR latency INSTANCE MS\n"
         "  delay every round trip to INSTANCE (login included) by MS milliseconds\n"
         "  (0 removes it).\n"},
        {"throughput", labctl_main_throughput,
         "usage: pcdr-lab --dir DIR throughput MBPS\n"
         "  the MB/s that BACKUP and RESTORE move (their duration follows the size), and\n"
         "  the speed of crash recovery and of a mirror catching up after a reconnection.\n"},
};

#define N_LABVERBS (sizeof(labverbs) / sizeof(labverbs[0]))

int labverbs_run(const char *verb, const char *dir, int argc, char **argv)
{
	const struct labverb *v = NULL;
	char **rest = xcalloc((size_t)argc + 1, sizeof(char *));
	int n = 0, rc;

	for (size_t i = 0; i < N_LABVERBS; i++)
		if (!strcmp(labverbs[i].name, verb))
			v = &labverbs[i];
	for (int i = 0; v && i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(v->help, stdout);
			free(rest);
			return 0;
		}
		if (!strcmp(argv[i], "--dir") && i + 1 < argc)
			dir = argv[++i];
		else
			rest[n++] = argv[i];
	}
	if (!v || !dir) {
		fprintf(stderr, "pcdr-lab: %s\n%s", v ? "--dir DIR is required" : "unknown verb",
		        v ? v->help : "");
		free(rest);
		return 129;
	}
	rc = v->run(dir, n, rest);
	free(rest);
	return rc;
}

/* DIR/pcdr.yaml for the lab in `dir` (absolute), from `topology` (NULL:
 * DIR's copy). */
static int write_config(const char *dir, const char *topology)
{
	struct lab_topology *topo = NULL;
	char exe[PATH_MAX], path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int error;

	if (n <= 0)
		return err_set_errno(ERR_IO, "cannot find the pcdr-lab executable");
	exe[n] = '\0';
	error = topology ? lab_topology_load(&topo, topology)
	                 : lab_topology_load(
	                           &topo, labfile_path(path, sizeof(path), dir, "topology.yaml"));
	if (!error)
		error = labpool_write_config(dir, topo, exe);
	lab_topology_free(topo);
	return error;
}

int labverbs_up(const struct labd_opts *o)
{
	char dir[PATH_MAX];
	int rc;

	if (o->foreground) {
		/* up does not return until the lab stops: write the file first */
		if ((mkdir(o->dir, 0755) == 0 || errno == EEXIST) && realpath(o->dir, dir) &&
		    write_config(dir, o->topology) < 0)
			fprintf(stderr, "pcdr-lab: cannot write pcdr.yaml: %s\n", err_last());
		return labd_up(o);
	}
	if ((rc = labd_up(o)) != LABD_EXIT_OK)
		return rc;
	if (!realpath(o->dir, dir) || write_config(dir, NULL) < 0) {
		fprintf(stderr, "pcdr-lab: the lab is up but pcdr.yaml could not be written: %s\n",
		        err_last());
		return LABD_EXIT_ERROR;
	}
	return rc;
}
