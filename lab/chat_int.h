/*
 * chat_int: what lab/chat.c (the process) and lab/chat_server.c (one
 * server's loop) share. Not for other modules.
 */
#ifndef PCDR_LAB_CHAT_INT_H
#define PCDR_LAB_CHAT_INT_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "lab/ledger.h"
#include "lab/pool.h"
#include "lab/topology.h"

#define CHAT_LEDGER_HEADER                                                                         \
	"# pcdr-lab ledger: ID SERVER ACKED-AT INSTANCE CLAIMED LSN LAB-AT (tab-separated; see "   \
	"lab/ledger.h)\n"

struct chat_shared;

struct chat_server {
	struct chat_shared *sh;
	const char *name;   /* FQDN, from the topology */
	int server_id;      /* tblServerIdentity.serverID: 1-based topology order */
	char sql_name[512]; /* name with ' doubled, for N'...' literals */
	pthread_t thread;
	/* under sh->stats_lock */
	bool active;
	uint64_t acked, refused;
	char instance[256]; /* the instance it writes to now, "" when none */
	/* the thread's own */
	struct chatdb *conn;
	bool conn_failed_over; /* the pool state the connection was made for */
	int candidate;         /* 0: the site's principal, 1: its partner */
	int64_t last_ping_us, next_slot_us;
	char last_problem[2][256]; /* per candidate: logged once until it changes */
	struct labpool pool;
	struct stat pool_st;
};

struct chat_shared {
	const char *dir;
	struct lab_topology *topo;
	const char *user, *password; /* the topology's sysadmin login */
	int rate;
	int64_t next_id; /* under ledger_lock */
	int ledger_fd;
	pthread_mutex_t ledger_lock, stats_lock;
	struct chat_server *servers;
	size_t n_servers;
};

extern volatile sig_atomic_t chat_stopping;

/* Thread body: arg is a struct chat_server. */
void *chat_server_run(void *arg);

/* "<time> message" to the daemon's stderr (DIR/chat.log). */
void chat_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sleep, waking early when the daemon is stopping. */
void chat_sleep_us(int64_t us);

#endif
