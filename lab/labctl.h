/*
 * labctl: the lab's fault verbs (stop, start, partition, heal, rebuild,
 * lose-file, corrupt-file, latency, throughput) over the daemon's
 * control socket DIR/control.sock, and the lab clock's file DIR/clock.
 * The daemon side (labctl.c) applies them; the client side
 * (labctl_client.c) is what `pcdr-lab --dir DIR <verb>` runs.
 */
#ifndef PCDR_LAB_LABCTL_H
#define PCDR_LAB_LABCTL_H

#include "lab/engine.h"
#include "lab/server.h"
#include "lab/topology.h"

struct labctl;

/* Daemon: listen on DIR/control.sock in a thread; world, server and
 * topology are borrowed and must outlive labctl_stop. 0 or ERR_IO. */
int labctl_start(struct labctl **out, const char *dir, struct lab_world *world,
                 struct lab_server *server, const struct lab_topology *topo);
void labctl_stop(struct labctl *ctl);

/* Set the lab clock from DIR/clock (scale_opt > 0 overrides the saved
 * scale) and write the file back; save the lab time at stop. */
void labctl_clock_load(const char *dir, double scale_opt);
void labctl_clock_save(const char *dir);

/* Client: the verbs' entry points for lab/labverbs.c (exit codes: 0 ok,
 * 1 refused by the lab, 2 no lab running, 129 usage). */
int labctl_main_stop(const char *dir, int argc, char **argv);
int labctl_main_start(const char *dir, int argc, char **argv);
int labctl_main_partition(const char *dir, int argc, char **argv);
int labctl_main_heal(const char *dir, int argc, char **argv);
int labctl_main_rebuild(const char *dir, int argc, char **argv);
int labctl_main_lose_file(const char *dir, int argc, char **argv);
int labctl_main_corrupt_file(const char *dir, int argc, char **argv);
int labctl_main_lose_db_file(const char *dir, int argc, char **argv);
int labctl_main_corrupt_db_file(const char *dir, int argc, char **argv);
int labctl_main_latency(const char *dir, int argc, char **argv);
int labctl_main_throughput(const char *dir, int argc, char **argv);

#endif
