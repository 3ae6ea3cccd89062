/*
 * planner_internal: state shared by planner.c (run, step emission,
 * dependencies, blocking, prediction, status), planner_move.c (authority
 * moves and the pool) and planner_protect.c (detach and protect). Not
 * part of the core's interface.
 */
#ifndef PCDR_CORE_PLANNER_INTERNAL_H
#define PCDR_CORE_PLANNER_INTERNAL_H

#include "reconciler/core/authority.h"
#include "reconciler/core/planner.h"

enum planner_move {
	PLANNER_MOVE_NONE = 0,
	PLANNER_MOVE_MIRROR_FAILOVER, /* in-site, authority reachable */
	PLANNER_MOVE_FORCE_SERVICE,   /* in-site, authority lost */
	PLANNER_MOVE_PLANNED,         /* cross-site, authority reachable: tail-log, zero loss */
	PLANNER_MOVE_DISASTER,        /* cross-site, authority lost: catch up from the share */
};

struct planner_db {
	const struct model_dbspec *spec;
	struct authority auth;
	enum planner_move move;
	const char *target; /* the desired primary principal */
	bool frozen;        /* role drift: plan nothing for it */
	bool recovered;     /* the target gets a new recovery fork in this plan */
	bool target_seed;   /* planned move: the target left the chain, seed it first */
	int group;          /* move group of its steps (index + 1) */
};

struct planner {
	struct plan *plan;
	const struct model *desired;
	const struct model *observed;
	const struct model *previous;
	struct model work; /* observed + effects of every step emitted so far */
	bool allow_data_loss;
	bool service_first;
	const struct model_site *ps; /* desired primary site */
	const struct model_site *to; /* desired log shipping `to` site, or NULL */
	struct planner_db *dbs;
	size_t n_dbs;
	long fence;     /* index of the fence step, or -1 */
	long set_state; /* index of pool.set_state, or -1 */
	bool drift;
};

/*
 * Emit a step built in `tmpl` (strings borrowed, copied into the plan):
 * blocks it when a target does not answer, applies its effect to
 * p->work and returns its index.
 */
size_t planner_emit(struct planner *p, const struct plan_step *tmpl);
void planner_block(struct planner *p, size_t idx, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
void planner_dep(struct planner *p, size_t idx, size_t dep);
bool planner_reachable(const struct planner *p, const char *inst);
struct model_db *planner_copy(struct planner *p, const char *inst, const char *db);
const char *planner_lsn(struct planner *p, struct model_lsn lsn);

/* planner_move.c */
void planner_analyze(struct planner *p);
void planner_fence(struct planner *p);
void planner_move(struct planner *p);
void planner_switch(struct planner *p);
void planner_unfence(struct planner *p);

/* planner_protect.c */
void planner_detach(struct planner *p);
void planner_protect(struct planner *p);

#endif
