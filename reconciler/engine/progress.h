/*
 * progress: what an apply shows while it runs. On a terminal, one line
 * per step with its number, kind, targets and elapsed time, redrawn
 * with a progress bar while a backup or restore reports "n percent
 * processed" (3211, WITH STATS); without a terminal, one log line per
 * event (`--log-format text`: key=value pairs; `json`: one object per
 * line), for journald or CI. Thread-safe: parallel steps report
 * through one mutex. Never given a secret.
 */
#ifndef PCDR_ENGINE_PROGRESS_H
#define PCDR_ENGINE_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

enum progress_mode {
	PROGRESS_TTY = 0,
	PROGRESS_TEXT,
	PROGRESS_JSON,
};

struct progress;

/* Write to `out` (borrowed) in `mode`. */
struct progress *progress_new(FILE *out, enum progress_mode mode);
void progress_free(struct progress *p);

/* An event of the whole apply: "apply_start", "apply_end", ... with a message. */
void progress_event(struct progress *p, const char *event, const char *message);

/* Step `n` (1-based) of `total` started: its kind and a description of its targets. */
void progress_step_start(struct progress *p, size_t n, size_t total, const char *kind,
                         const char *targets);
/* SQL Server says `percent` processed on `instance`. */
void progress_step_percent(struct progress *p, size_t n, const char *instance, int percent);
/* Step `n` ended: result ("succeeded", "failed", "skipped", ...), after `ms`, why. */
void progress_step_end(struct progress *p, size_t n, const char *result, int64_t ms,
                       const char *message);

#endif
