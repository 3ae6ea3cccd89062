/*
 * history: the applies recorded on the audit branch, newest first, for
 * `pcdr history`. Each final record becomes one entry (an intent record
 * with no final record after it becomes an "incomplete" entry: the apply
 * is still running, or died without writing its end). Failovers,
 * failbacks and switchovers are marked from the record's kind, and a
 * move of the authority says whether it was planned with zero data loss
 * (a tail-log backup demoted the old primary) or what it exposed.
 *
 * It reads records only (audit_walk, audit_read_record) and renders them
 * as text for people or as JSON with a format_version for machines.
 */
#ifndef PCDR_AUDIT_HISTORY_H
#define PCDR_AUDIT_HISTORY_H

#include <jansson.h>
#include <stddef.h>

#include "reconciler/audit/audit.h"
#include "util/strbuf.h"

#define HISTORY_FORMAT_VERSION 1

struct history_entry {
	char audit_commit[41];
	char apply_id[32];
	char pool[128];
	char result[16]; /* succeeded, failed, interrupted, incomplete */
	char kind[16];   /* failover, failback, switchover, converge, none */
	char from_primary[64];
	char to_primary[64];
	char spec_commit[41];
	char started_at[32];
	char finished_at[32];  /* "" when unknown */
	char by[300];          /* "alice@sql-admin01" */
	char version[64];      /* pcdr's version */
	int steps;             /* steps in the record */
	int steps_run;         /* steps that started */
	int steps_blocked;     /* steps the plan could not run (an instance down ...) */
	int zero_loss;         /* the authority moved by a tail-log backup */
	json_t *demotion;      /* the record's demotion token, or NULL (owned) */
	json_t *exposure;      /* the record's exposure, or NULL (owned) */
	char failed_step[300]; /* "sql.recover mgc: <error>" for a failed apply */
};

struct history {
	char branch[256];
	struct history_entry *items;
	size_t len;
};

/*
 * Load the applies of `pool` (NULL: every pool), newest first, at most
 * `limit` (0: all). Release with history_release.
 * Errors: those of audit_walk and audit_read_record.
 */
int history_load(struct history *out, struct audit *audit, const char *pool, size_t limit);

void history_release(struct history *history);

/* The readable story, one paragraph per apply. */
void history_render_text(struct strbuf *out, const struct history *history);

/* {"format_version": 1, "branch": ..., "applies": [...]} (caller decrefs). */
json_t *history_render_json(const struct history *history);

#endif
