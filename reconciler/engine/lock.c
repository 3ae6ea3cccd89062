/*
 * lock: the apply lease. DIR/NAME.lease holds one JSON object
 *   {"holder": "alice@host pid 4242", "token": "9f...", "epoch": 3,
 *    "expires_ms": 1795870931000}
 * and DIR/NAME.lease.guard is the file whose exclusive flock() every
 * reader-modifier holds while it decides: read the lease, write
 * NAME.lease.tmp, fsync, rename over NAME.lease. The guard is held for
 * a few system calls only, never while waiting for a held lease.
 *
 * Expiry is wall-clock time (CLOCK_REALTIME), the one clock processes on
 * different hosts share; hosts sharing a lock folder need synchronized
 * clocks (NTP), and a lease should be much longer than their skew.
 */
#include "reconciler/engine/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "reconciler/source/gitsrc.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define LOCK_POLL_MS   50
#define LOCK_MAX_BYTES 4096

struct lock {
	char *path;  /* DIR/NAME.lease */
	char *guard; /* DIR/NAME.lease.guard */
	char *name;
	int64_t ttl_ms;
	struct lock_lease lease; /* ours, as last written */
};

static int64_t lock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void lock_sleep_ms(int64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* "2026-11-28 14:02:11 UTC" */
static void lock_format_time(char *buf, size_t size, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

static void lock_default_holder(char *buf, size_t size)
{
	char host[256] = "localhost";
	const char *user = getenv("USER");

	if (gethostname(host, sizeof(host) - 1) < 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(buf, size, "%s@%s pid %ld", user && *user ? user : "unknown", host,
	         (long)getpid());
}

static void lock_new_token(char *out)
{
	unsigned char raw[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd >= 0) {
		ssize_t n = read(fd, raw, sizeof(raw));

		got = n > 0 ? (size_t)n : 0;
		close(fd);
	}
	for (size_t i = got; i < sizeof(raw); i++) /* no urandom: time and pid */
		raw[i] = (unsigned char)((lock_now_ms() >> (i % 8)) ^ getpid() ^ (int)i);
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
}

/* The lease file's contents; ERR_NOTFOUND when there is no file. */
static int lock_read_path(struct lock_lease *out, const char *path)
{
	json_error_t jerr;
	json_t *root = NULL;
	const char *holder = NULL, *token = NULL;
	json_int_t epoch = 0, expires = 0;
	int error = 0;

	memset(out, 0, sizeof(*out));
	if (access(path, F_OK) < 0 && errno == ENOENT)
		return err_set(ERR_NOTFOUND, "no lease '%s'", path);
	root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root || json_unpack(root, "{s:s, s:s, s:I, s:I}", "holder", &holder, "token", &token,
	                         "epoch", &epoch, "expires_ms", &expires) < 0) {
		error = err_set(ERR_GENERIC, "lease file '%s' is unreadable: %s", path,
		                root ? "missing fields" : jerr.text);
		goto done;
	}
	snprintf(out->holder, sizeof(out->holder), "%s", holder);
	snprintf(out->token, sizeof(out->token), "%s", token);
	out->epoch = epoch;
	out->expires_ms = expires;
done:
	json_decref(root);
	return error;
}

/* Write `lease` to path.tmp, fsync, rename over path. */
static int lock_write_path(const char *path, const struct lock_lease *lease)
{
	struct strbuf tmp = STRBUF_INIT;
	json_t *root = json_pack("{s:s, s:s, s:I, s:I}", "holder", lease->holder, "token",
	                         lease->token, "epoch", (json_int_t)lease->epoch, "expires_ms",
	                         (json_int_t)lease->expires_ms);
	char *text = json_dumps(root, JSON_SORT_KEYS);
	int fd = -1, error = 0;
	size_t len = strlen(text);

	strbuf_printf(&tmp, "%s.tmp", path);
	fd = open(strbuf_cstr(&tmp), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1 ||
	    fsync(fd) < 0) {
		error = err_set_errno(ERR_IO, "cannot write lease '%s'", strbuf_cstr(&tmp));
		goto done;
	}
	if (rename(strbuf_cstr(&tmp), path) < 0)
		error = err_set_errno(ERR_IO, "cannot replace lease '%s'", path);
done:
	if (fd >= 0)
		close(fd);
	strbuf_release(&tmp);
	free(text);
	json_decref(root);
	return error;
}

/* Open and flock the guard file; *fd is closed by the caller. */
static int lock_guard(int *fd, const char *guard)
{
	int rc;

	*fd = open(guard, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (*fd < 0)
		return err_set_errno(ERR_IO, "cannot open lock guard '%s'", guard);
	while ((rc = flock(*fd, LOCK_EX)) < 0 && errno == EINTR)
		;
	if (rc < 0)
		return err_set_errno(ERR_IO, "cannot lock '%s'", guard);
	return 0;
}

static int lock_held_error(const char *name, const struct lock_lease *held)
{
	char until[40];

	lock_format_time(until, sizeof(until), held->expires_ms);
	return err_set(ERR_LOCKED, "apply lock '%s' is held by %s until %s (epoch %lld)", name,
	               held->holder, until, (long long)held->epoch);
}

/* One attempt: take the lease if it is free; ERR_LOCKED if it is held. */
static int lock_try(struct lock *lock)
{
	struct lock_lease cur;
	int fd = -1, error;

	if ((error = lock_guard(&fd, lock->guard)) < 0)
		goto done;
	error = lock_read_path(&cur, lock->path);
	if (error == ERR_NOTFOUND)
		error = 0; /* never taken: epoch 0 */
	else if (error < 0)
		goto done;
	if (cur.expires_ms > lock_now_ms()) {
		error = lock_held_error(lock->name, &cur);
		goto done;
	}
	lock->lease.epoch = cur.epoch + 1;
	lock->lease.expires_ms = lock_now_ms() + lock->ttl_ms;
	error = lock_write_path(lock->path, &lock->lease);
done:
	if (fd >= 0)
		close(fd); /* releases the flock */
	return error;
}

/* mkdir -p, new folders private to the user. */
static int lock_mkdir(const char *dir)
{
	char *copy = xstrdup(dir);
	struct stat st;
	int error = 0;

	for (char *p = copy + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0700) < 0 && errno != EEXIST) {
			error = err_set_errno(ERR_IO, "cannot create lock folder '%s'", copy);
			goto done;
		}
		*p = '/';
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		error = err_set_errno(ERR_IO, "cannot create lock folder '%s'", dir);
	else if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		error = err_set(ERR_IO, "lock folder '%s' is not a folder", dir);
done:
	free(copy);
	return error;
}

int lock_default_dir(char **out, const char *cache_dir)
{
	struct strbuf sb = STRBUF_INIT;
	char *cache = NULL;
	int error;

	*out = NULL;
	if (!cache_dir || !*cache_dir) {
		if ((error = gitsrc_default_cache_dir(&cache)) < 0)
			return error;
		cache_dir = cache;
	}
	strbuf_printf(&sb, "%s/locks", cache_dir);
	*out = strbuf_detach(&sb, NULL);
	free(cache);
	return 0;
}

static int lock_check_options(const struct lock_options *opts)
{
	if (!opts || !opts->dir || !*opts->dir || !opts->name || !*opts->name)
		return err_set(ERR_INVALID, "a lock needs a folder and a name");
	if (strchr(opts->name, '/') || opts->name[0] == '.' || strlen(opts->name) > 200)
		return err_set(ERR_INVALID, "lock name '%s' is not a plain file name", opts->name);
	if (opts->ttl_ms < 0 || opts->wait_ms < 0)
		return err_set(ERR_INVALID, "lock '%s': negative ttl or wait", opts->name);
	return 0;
}

int lock_acquire(struct lock **out, const struct lock_options *opts)
{
	struct lock *lock = NULL;
	struct strbuf sb = STRBUF_INIT;
	int64_t deadline;
	int error;

	*out = NULL;
	if ((error = lock_check_options(opts)) < 0 || (error = lock_mkdir(opts->dir)) < 0)
		return error;
	lock = xcalloc(1, sizeof(*lock));
	lock->name = xstrdup(opts->name);
	lock->ttl_ms = opts->ttl_ms ? opts->ttl_ms : LOCK_DEFAULT_TTL_MS;
	strbuf_printf(&sb, "%s/%s.lease", opts->dir, opts->name);
	lock->path = xstrdup(strbuf_cstr(&sb));
	strbuf_puts(&sb, ".guard");
	lock->guard = strbuf_detach(&sb, NULL);
	if (opts->holder)
		snprintf(lock->lease.holder, sizeof(lock->lease.holder), "%s", opts->holder);
	else
		lock_default_holder(lock->lease.holder, sizeof(lock->lease.holder));
	lock_new_token(lock->lease.token);
	deadline = lock_now_ms() + opts->wait_ms;
	while ((error = lock_try(lock)) == ERR_LOCKED && lock_now_ms() < deadline)
		lock_sleep_ms(LOCK_POLL_MS);
	if (error < 0)
		goto done;
	*out = lock;
	lock = NULL;
done:
	if (lock) {
		lock->lease.expires_ms = 0; /* nothing to release: free only */
		free(lock->path);
		free(lock->guard);
		free(lock->name);
		free(lock);
	}
	return error;
}

static int lock_is_ours(const struct lock *lock, const struct lock_lease *cur)
{
	return cur->epoch == lock->lease.epoch && !strcmp(cur->token, lock->lease.token);
}

/* ERR_LOCKED with who holds the lease now, or that ours expired. */
static int lock_lost_error(const struct lock *lock, const struct lock_lease *cur)
{
	char until[40];

	if (lock_is_ours(lock, cur)) {
		lock_format_time(until, sizeof(until), cur->expires_ms);
		return err_set(ERR_LOCKED, "apply lock '%s': our lease (epoch %lld) expired at %s",
		               lock->name, (long long)cur->epoch, until);
	}
	return err_set(
	        ERR_LOCKED,
	        "apply lock '%s' was taken over: our epoch %lld, now held by %s (epoch %lld)",
	        lock->name, (long long)lock->lease.epoch, cur->holder, (long long)cur->epoch);
}

int lock_renew(struct lock *lock)
{
	struct lock_lease cur;
	int fd = -1, error;

	if ((error = lock_guard(&fd, lock->guard)) < 0 ||
	    (error = lock_read_path(&cur, lock->path)) < 0)
		goto done;
	if (!lock_is_ours(lock, &cur) || cur.expires_ms <= lock_now_ms()) {
		error = lock_lost_error(lock, &cur);
		goto done;
	}
	cur.expires_ms = lock_now_ms() + lock->ttl_ms;
	if ((error = lock_write_path(lock->path, &cur)) == 0)
		lock->lease.expires_ms = cur.expires_ms;
done:
	if (fd >= 0)
		close(fd);
	return error;
}

int lock_check_epoch(const struct lock *lock)
{
	struct lock_lease cur;
	int error;

	/* the file is only ever replaced by rename: no guard needed to read it */
	error = lock_read_path(&cur, lock->path);
	if (error == ERR_NOTFOUND)
		return err_set(ERR_LOCKED, "apply lock '%s': lease file '%s' is gone", lock->name,
		               lock->path);
	if (error < 0)
		return error;
	if (!lock_is_ours(lock, &cur) || cur.expires_ms <= lock_now_ms())
		return lock_lost_error(lock, &cur);
	return 0;
}

int64_t lock_renew_interval_ms(const struct lock *lock)
{
	int64_t every = lock->ttl_ms / 3;

	return every > 30 * 1000 ? 30 * 1000 : every;
}

int64_t lock_epoch(const struct lock *lock)
{
	return lock->lease.epoch;
}

const char *lock_holder(const struct lock *lock)
{
	return lock->lease.holder;
}

int lock_release(struct lock *lock)
{
	struct lock_lease cur;
	int fd = -1, error;

	if (!lock)
		return 0;
	if ((error = lock_guard(&fd, lock->guard)) < 0 ||
	    (error = lock_read_path(&cur, lock->path)) < 0)
		goto done;
	if (!lock_is_ours(lock, &cur))
		goto done; /* taken over: the lease is someone else's now */
	cur.expires_ms = 0;
	error = lock_write_path(lock->path, &cur);
done:
	if (fd >= 0)
		close(fd);
	free(lock->path);
	free(lock->guard);
	free(lock->name);
	free(lock);
	return error == ERR_NOTFOUND ? 0 : error;
}

int lock_read(struct lock_lease *out, const char *dir, const char *name)
{
	struct strbuf path = STRBUF_INIT;
	int error;

	strbuf_printf(&path, "%s/%s.lease", dir, name);
	error = lock_read_path(out, strbuf_cstr(&path));
	strbuf_release(&path);
	return error;
}
