/*
 * mirror: database mirroring between the lab's instances, all in this
 * process: "sending log to the partner" is mirror_ship, guarded by
 * world_link_up (the fault verbs' partitions and stopped instances).
 * mirror_pump runs around every statement: it ships a principal's new
 * log records to its mirror (so a commit is acknowledged only once the
 * mirror has it while they are connected), marks sessions DISCONNECTED
 * when the link or partner is down, and catches up when it returns.
 * Instance locks are only ever taken in address order (mirror_lock2).
 */
#ifndef PCDR_LAB_SQL_MIRROR_H
#define PCDR_LAB_SQL_MIRROR_H

#include "lab/sql/world.h"

/* Lock two instances (the same one once) in a fixed order. */
void mirror_lock2(struct sqlinstance *a, struct sqlinstance *b);
void mirror_unlock2(struct sqlinstance *a, struct sqlinstance *b);
/* The instance named `name` (case-insensitive), or NULL. */
struct sqlinstance *mirror_instance(struct lab_world *w, const char *name);
/* The partner's copy of a mirrored database, or NULL (both locks held). */
struct sqldb *mirror_partner_db(struct sqlinstance *partner, const struct sqldb *db);
/* Bring the mirror up to the principal (both locks held): log records
 * since the mirror's redo point, or a whole image when those are gone. */
void mirror_ship(struct sqldb *principal, struct sqldb *mirror);
/* Ship and refresh session states for every mirrored database of `inst`
 * (takes the locks itself; caller holds none). */
void mirror_pump(struct sqlinstance *inst);

/* --- ALTER DATABASE ... SET PARTNER / WITNESS (mirror.c, mirror_ops.c) */

struct sqlctx;

struct mctx {
	struct sqlctx *c;
	int line;
	const char *name;
	struct sqlinstance *me, *peer; /* both locked (the same one once) */
	struct sqldb *db, *pdb;        /* pdb: the partner's copy, or NULL */
};

/* Queue error `number` (severity 16) and fail the statement: -1. */
int mirror_fail(struct mctx *m, int32_t number, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
int mirror_unreachable(struct mctx *m, const char *addr); /* 1418 */
int mirror_not_mirrored(struct mctx *m);                  /* 1416 */
/* The instance's mirroring endpoint is STARTED with role (1 partner,
 * 2 witness) or ALL. */
bool mirror_ep_ready(const struct sqlinstance *inst, int role);
/* 'TCP://host:port' to the instance whose mirroring endpoint listens
 * there; NULL (and *malformed) when none. Reads other instances'
 * endpoint lists without their locks (they change only by DDL). */
struct sqlinstance *mirror_resolve(struct lab_world *w, const char *addr, bool *malformed);
/* "TCP://<instance>:<port>" of the instance's endpoint. */
void mirror_address(const struct sqlinstance *inst, char *buf, size_t cap);
/* SET PARTNER = addr (mirror.c) and the other switches (mirror_ops.c). */
int mirror_set_partner(struct mctx *m, const char *addr);
int mirror_switch(struct mctx *m, const char *word, const char *word2, int64_t n);
int mirror_witness(struct mctx *m, const char *addr);
/* Sessions of `inst` in database `db_id` are rolled back and closed. */
void mirror_end_sessions(struct sqlinstance *inst, int32_t db_id);

#endif
