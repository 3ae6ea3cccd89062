/*
 * plan: the program the planner compiles and apply runs. An ordered list
 * of steps, each with its kind (the fixed vocabulary of DESIGN.md), phase,
 * targets, reason, risk, dependencies (indices of earlier steps), blocked
 * flag and reason, and the observed facts it was planned against; plus
 * notes (drift, exposure, what is not verified), a status and the model
 * the planner predicts once every step that is not blocked has run.
 * Plain data in the plan's own arena; rendering is in render_text.c.
 */
#ifndef PCDR_CORE_PLAN_H
#define PCDR_CORE_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "reconciler/core/model.h"
#include "util/arena.h"

enum plan_step_kind {
	PLAN_POOL_SET_ACTIVE_SERVERS = 0,
	PLAN_POOL_SET_STATE,
	PLAN_SQL_END_SESSIONS,
	PLAN_SQL_DROP_LOG_SHIPPING_SECONDARY,
	PLAN_SQL_DROP_LOG_SHIPPING_PRIMARY,
	PLAN_SQL_CATCH_UP,
	PLAN_SQL_TAIL_LOG_BACKUP,
	PLAN_SQL_RECOVER,
	PLAN_SQL_REMOVE_MIRRORING,
	PLAN_SQL_MIRROR_FAILOVER,
	PLAN_SQL_FORCE_SERVICE,
	PLAN_SQL_SAFETY_BACKUP,
	PLAN_SQL_SEED,
	PLAN_SQL_ESTABLISH_MIRRORING,
	PLAN_SQL_CONFIGURE_LOG_SHIPPING,
	PLAN_STEP_KIND_COUNT
};

enum plan_phase {
	PLAN_PHASE_FENCE = 0,
	PLAN_PHASE_DETACH,
	PLAN_PHASE_MOVE,
	PLAN_PHASE_SWITCH,
	PLAN_PHASE_UNFENCE,
	PLAN_PHASE_PROTECT,
};

enum plan_risk {
	PLAN_RISK_NONE = 0,
	PLAN_RISK_OUTAGE,    /* the pool takes no new connections until unfenced */
	PLAN_RISK_DATA_LOSS, /* changes not shipped are lost (the plan says which) */
};

enum plan_status {
	PLAN_CONVERGED = 0, /* nothing to do */
	PLAN_READY,         /* steps to run; predicted end state == desired */
	PLAN_BLOCKED,       /* some steps blocked; the rest may run */
	PLAN_REFUSED,       /* does not converge on paper; nothing may run */
};

struct plan_fact {
	const char *key;   /* "sqla.dc2/mgc.state" */
	const char *value; /* "RESTORING" */
};

/*
 * Targets by kind: `instance` is where the step runs (the source for
 * sql.seed, the principal for sql.establish_mirroring and
 * sql.mirror_failover, the primary for sql.configure_log_shipping);
 * `peer` is the other side (seed target, new principal, mirror, log
 * shipping secondary, the source a catch-up restores the tail of); `peer2`
 * is the second log shipping primary (the primary site's mirror).
 */
struct plan_step {
	enum plan_step_kind kind;
	enum plan_phase phase;
	const char *database; /* NULL for pool steps */
	const char *instance;
	const char *peer;
	const char *peer2;
	const char **servers; /* pool.set_active_servers */
	size_t n_servers;
	enum model_pool_state pool_state; /* pool.set_state */
	const char *share;                /* sql.configure_log_shipping: backup share */
	bool has_lsn;
	struct model_lsn lsn; /* catch_up: up to; tail_log_backup: ends at */
	const char *reason;
	enum plan_risk risk;
	size_t *deps; /* indices of earlier steps */
	size_t n_deps;
	bool blocked;
	const char *blocked_reason;
	struct plan_fact *facts;
	size_t n_facts;
	int group; /* steps of one authority move share a group (> 0) */
};

struct plan {
	struct arena arena;
	const char *pool_name;
	struct plan_step *steps;
	size_t n_steps, cap_steps;
	const char **notes;
	size_t n_notes, cap_notes;
	enum plan_status status;
	const char *refusal;    /* PLAN_REFUSED: why */
	struct model predicted; /* observed + effects of the steps that are not blocked */
	/* an instance whose catch-up the planner could plan with the backup
	 * share's listing (docs/PLANNER.md "Lineage"): read it there and plan
	 * again; NULL when none */
	const char *share_for;
};

void plan_init(struct plan *plan);
void plan_release(struct plan *plan);

/* Append a zeroed step / a note (copied); the step pointer is valid until the next add. */
struct plan_step *plan_add_step(struct plan *plan, enum plan_step_kind kind, enum plan_phase phase);
void plan_add_note(struct plan *plan, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void plan_step_add_dep(struct plan *plan, struct plan_step *step, size_t dep);
void plan_step_add_fact(struct plan *plan, struct plan_step *step, const char *key,
                        const char *value);

size_t plan_blocked_count(const struct plan *plan);

const char *plan_step_kind_name(enum plan_step_kind kind); /* "sql.catch_up" */
const char *plan_phase_name(enum plan_phase phase);        /* "fence" */
const char *plan_risk_name(enum plan_risk risk);           /* "data-loss" */
const char *plan_status_name(enum plan_status status);

#endif
