/*
 * labd: the lab process and its directory. `up` validates the topology,
 * copies it into the lab dir, starts one background process (double
 * fork) hosting every instance and returns once all of them accept
 * connections; `down` stops it (the engine saves its state first);
 * `status` reports it. The lab dir holds: topology.yaml, state/ (the
 * engine's), the share folder, lab.log, lab.pid, lab.lock (held by the
 * running process: a second `up` is refused), ports, freetds.conf and
 * env (mode 0600). Verbs return process exit codes.
 */
#ifndef PCDR_LAB_LABD_H
#define PCDR_LAB_LABD_H

#include <stdbool.h>

#define LABD_EXIT_OK    0
#define LABD_EXIT_ERROR 1
#define LABD_EXIT_USAGE 129

struct labd_opts {
	const char *dir;      /* required */
	const char *topology; /* up: NULL = DIR/topology.yaml */
	int base_port;        /* up: 0 = free ports */
	bool foreground;      /* up: stay attached, log to stderr */
	double clock_scale;   /* up: lab clock speed, 0 = as saved in DIR/clock (1) */
};

int labd_up(const struct labd_opts *opts);
int labd_down(const struct labd_opts *opts);
int labd_status(const struct labd_opts *opts);

#endif
