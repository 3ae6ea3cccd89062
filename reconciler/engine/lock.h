/*
 * lock: the apply lock, a lease in a file. One apply per pool at a time,
 * across processes and (on a shared folder) across hosts. The lease names
 * its holder ("alice@host pid 4242"), when it expires and an epoch that
 * grows by one each time the lease changes hands, so a crashed apply
 * never holds the lock forever and a step can check, before it acts,
 * that its lease was not taken over (lock_check_epoch).
 *
 * The lease file is never edited in place: every change is written to a
 * temporary file and renamed over it, under an exclusive flock() of a
 * guard file next to it, so two processes can never both win and a
 * reader never sees half a lease. It does not renew itself: the apply
 * executor calls lock_renew between steps.
 */
#ifndef PCDR_ENGINE_LOCK_H
#define PCDR_ENGINE_LOCK_H

#include <stdint.h>

#define LOCK_DEFAULT_TTL_MS (600 * 1000)

struct lock;

struct lock_options {
	const char *dir;    /* folder of lease files, created (0700, with its
	                       parents) when missing; see lock_default_dir */
	const char *name;   /* what is locked, a pool name: the file is DIR/NAME.lease */
	int64_t ttl_ms;     /* lease length; 0: LOCK_DEFAULT_TTL_MS */
	int64_t wait_ms;    /* how long acquire waits for a held lease; 0: no wait */
	const char *holder; /* NULL: "user@host pid N" */
};

/* clang-format off */
#define LOCK_OPTIONS_INIT { NULL, NULL, 0, 0, NULL }
/* clang-format on */

/* What a lease file says. */
struct lock_lease {
	char holder[256];   /* "alice@sql-admin01 pid 4242" */
	char token[33];     /* random, tells two holders with the same name apart */
	int64_t epoch;      /* 1 for the first holder, +1 for each new one */
	int64_t expires_ms; /* wall clock, milliseconds since the epoch; 0: released */
};

/*
 * Take the lease DIR/NAME.lease. A free, released or expired lease is
 * taken at once with epoch + 1; a lease someone else holds is waited for
 * up to opts->wait_ms. Free the result with lock_release.
 * Errors: ERR_LOCKED (held by someone else; the message names the holder,
 * its expiry and epoch), ERR_INVALID (no dir or name, or a name that is
 * not a plain file name), ERR_IO (the folder or file failed), ERR_GENERIC
 * (an unreadable lease file: the message says which).
 */
int lock_acquire(struct lock **out, const struct lock_options *opts);

/*
 * Push the expiry to now + ttl. ERR_LOCKED when the lease is no longer
 * ours (it expired and someone took it over): the message names the new
 * holder. ERR_IO when the file failed.
 */
int lock_renew(struct lock *lock);

/*
 * 0 while the lease is still ours and unexpired at this epoch; each
 * apply step calls it before it acts. ERR_LOCKED otherwise, naming the
 * holder now (or saying that it expired).
 */
int lock_check_epoch(const struct lock *lock);

/*
 * How often a holder must renew so that its lease never runs out while
 * it works: a third of the lease length, at most every 30 s (a short
 * configured ttl, say 20 s, must be renewed more often than a long one).
 */
int64_t lock_renew_interval_ms(const struct lock *lock);

/* The epoch of our lease. */
int64_t lock_epoch(const struct lock *lock);

/* The holder string written in our lease (borrowed). */
const char *lock_holder(const struct lock *lock);

/*
 * Give the lease up (it stays in the file, marked released, so the next
 * holder's epoch still grows) and free `lock`. Releasing a lease that
 * was taken over leaves the new holder's lease alone. NULL is fine.
 * Returns 0, or ERR_IO when the file could not be written (freed anyway).
 */
int lock_release(struct lock *lock);

/*
 * The default lock folder, next to the clone cache: CACHE/locks, where
 * CACHE is `cache_dir`, or gitsrc's default ($XDG_CACHE_HOME/pcdr or
 * ~/.cache/pcdr) when NULL. Caller frees. ERR_NOTFOUND when there is no
 * cache folder to be next to (no XDG_CACHE_HOME and no HOME).
 */
int lock_default_dir(char **out, const char *cache_dir);

/* Read DIR/NAME.lease without taking it. ERR_NOTFOUND when there is none. */
int lock_read(struct lock_lease *out, const char *dir, const char *name);

#endif
