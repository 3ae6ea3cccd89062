/*
 * ledger: the lab's record of every chat message a database acknowledged
 * (DIR/ledger, appended by lab/chat.c), the pool's history of state
 * changes (DIR/pool.history, appended by lab/pool.c), and the pure check
 * behind `pcdr-lab verify`: which acknowledged messages are missing from
 * the authority, present twice, or were acknowledged by a copy that was
 * not the authority at the time. Text formats, one record per line, `#`
 * lines ignored, fields separated by one tab:
 *
 *   ledger:        ID  SERVER  ACKED-AT  INSTANCE  CLAIMED  LSN  LAB-AT
 *   pool.history:  AT  STATE  SERVER,SERVER...
 *
 * Times are UTC, ISO 8601 with microseconds ("2026-11-28T14:02:11.123456Z").
 * ACKED-AT and pool.history's AT are wall-clock times of this machine;
 * LAB-AT is the lab clock (the instance's SYSUTCDATETIME(), the clock of
 * msdb's backup and restore dates) read in the same batch as the INSERT.
 * CLAIMED is what the instance said about mgc in that batch:
 * "PRINCIPAL/3" (mirroring role and mirroring_role_sequence), "ONLINE"
 * (not mirrored) or "-" (unknown). LSN is the end of mgc's log
 * (sys.dm_db_log_stats log_end_lsn) read right after the INSERT, as a
 * decimal numeric(25,0) LSN: the message's commit LSN or, when another
 * session committed in between, a later one. LSN and LAB-AT are "-" when
 * unknown; a line of the older five-field format has neither. Nothing
 * here does I/O or reads the clock: lab/verify.c feeds it.
 */
#ifndef PCDR_LAB_LEDGER_H
#define PCDR_LAB_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/strbuf.h"
#include "util/vec.h"

#define LEDGER_TIME_SIZE 32 /* "YYYY-MM-DDTHH:MM:SS.ffffffZ" and the NUL */

struct ledger_entry {
	int64_t id;           /* mgc.dbo.tblChat.chatId */
	const char *server;   /* the chat server that wrote it */
	int64_t acked_us;     /* when the INSERT returned success */
	const char *instance; /* the instance that acknowledged it */
	const char *claimed;  /* "PRINCIPAL/3", "ONLINE" or "-" */
	uint64_t lsn;         /* end of mgc's log after the commit; 0: unknown */
	int64_t lab_us;       /* the lab clock at the INSERT; 0: unknown */
};

/* What --allow-loss-after allows: messages acknowledged at or after a lab
 * clock time, or whose LSN is at or after an LSN, may be lost. */
enum ledger_allow_kind { LEDGER_ALLOW_NONE = 0, LEDGER_ALLOW_TIME, LEDGER_ALLOW_LSN };

struct ledger_allowance {
	enum ledger_allow_kind kind;
	int64_t lab_us; /* LEDGER_ALLOW_TIME */
	uint64_t lsn;   /* LEDGER_ALLOW_LSN */
};

struct ledger {
	struct arena arena; /* the strings of the entries */
	VEC(struct ledger_entry) entries;
};

struct ledger_pool_event {
	int64_t at_us;
	bool failed_over; /* the state from then on */
};

struct ledger_history {
	VEC(struct ledger_pool_event) events; /* in file order */
};

/* Format microseconds since the epoch as UTC ISO 8601; buf has
 * LEDGER_TIME_SIZE bytes. */
void ledger_time_format(char *buf, int64_t us);

/* Parse "YYYY-MM-DD[T ]HH:MM:SS[.f...][Z]" (UTC). 0, or ERR_INVALID. */
int ledger_time_parse(const char *s, int64_t *out_us);

/* An LSN as SQL Server shows it: decimal numeric(25,0) digits
 * ("34000000012300001") or the hexadecimal VLF:block:slot form of
 * sys.dm_db_log_stats and fn_dblog ("00000022:0000007b:0001"), into the
 * decimal value (VLF * 10^15 + block * 10^5 + slot). 0, or ERR_INVALID. */
int ledger_lsn_parse(const char *s, uint64_t *out);

/* Parse an --allow-loss-after argument: all digits or the hex form is an
 * LSN, anything else a lab clock time. 0, or ERR_INVALID. */
int ledger_allowance_parse(const char *s, struct ledger_allowance *out);

/* One ledger line (with its newline) appended to sb. */
void ledger_format_line(struct strbuf *sb, const struct ledger_entry *e);

/*
 * Parse a whole ledger (`what` names it in messages: "DIR/ledger:12:
 * ..."). A last line without its newline is a record cut by a crash
 * and is ignored. 0, or ERR_INVALID; release with ledger_release.
 */
int ledger_parse(struct ledger *out, const char *text, size_t len, const char *what);
void ledger_release(struct ledger *l);

/* Parse pool.history; same rules. Release with ledger_history_release. */
int ledger_history_parse(struct ledger_history *out, const char *text, size_t len,
                         const char *what);
void ledger_history_release(struct ledger_history *h);

/* What the check needs to know about the world. */
struct ledger_world {
	const char *const *instances; /* every instance of the topology */
	const char *const *sites;     /* the site of each instance */
	size_t n_instances;
	const char *home_site;   /* authority site while the pool is Normal */
	const char *backup_site; /* ... and while it is FailedOver */
};

struct ledger_ids {
	int64_t *items; /* a util/vec.h vector */
	size_t len;
	size_t cap;
};

struct ledger_report {
	size_t acknowledged;        /* distinct ids in the ledger */
	size_t present;             /* of those, present at the authority */
	size_t lost;                /* acknowledged and absent */
	size_t lost_allowed;        /* of the lost, acknowledged at or after the allowance */
	size_t kept_after;          /* acknowledged at or after the allowance and present */
	size_t duplicates;          /* acknowledged ids present (or recorded) more than once */
	size_t split_brain;         /* acknowledged by a copy that was not the authority */
	size_t unacknowledged;      /* distinct ids present that the ledger does not hold */
	struct ledger_ids lost_ids; /* ascending, allowed ones included */
	struct ledger_ids duplicate_ids;
	struct ledger_ids split_brain_ids;
};

/*
 * Check `ledger` against the ids present at the authority now (`present`,
 * any order, duplicates kept). Messages acknowledged at or after
 * the allowance (`allow`, NULL or LEDGER_ALLOW_NONE: none) may be lost:
 * LAB-AT at or after its time, or LSN at or after its LSN; an entry
 * whose position is unknown is never allowed. A
 * message is split-brain when its instance is not in the site the pool
 * pointed at when it was acknowledged (per `history`, Normal before the
 * first event), or when, within one pool state, another instance of the
 * site had already acknowledged as PRINCIPAL with a higher
 * mirroring_role_sequence than it claimed. Pure; release the report with
 * ledger_report_release.
 */
void ledger_check(struct ledger_report *out, const struct ledger *ledger,
                  const struct ledger_history *history, const struct ledger_world *world,
                  const int64_t *present, size_t n_present, const struct ledger_allowance *allow);
void ledger_report_release(struct ledger_report *r);

/* True when the report passes: nothing lost beyond the allowance, no
 * duplicate, no split brain. */
bool ledger_report_ok(const struct ledger_report *r);

#endif
