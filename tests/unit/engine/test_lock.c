/*
 * Unit tests for reconciler/engine/lock: the apply lease in a temporary
 * folder. Two forked processes race for one lease and exactly one wins;
 * the loser's error names the holder; an expired lease is taken over
 * with epoch + 1 and the old holder then fails lock_check_epoch and
 * lock_renew; release keeps the epoch growing.
 */
#define _XOPEN_SOURCE 700
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "reconciler/engine/lock.h"
#include "util/err.h"

static char tmp_root[64];

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static struct lock_options opts_for(const char *holder, int64_t ttl_ms, int64_t wait_ms)
{
	struct lock_options o = LOCK_OPTIONS_INIT;

	o.dir = tmp_root;
	o.name = "atl-pchat";
	o.holder = holder;
	o.ttl_ms = ttl_ms;
	o.wait_ms = wait_ms;
	return o;
}

static void test_lock__acquire_release_epoch_grows(void **state)
{
	struct lock_options o = opts_for("alice@host1 pid 1", 10000, 0);
	struct lock *a = NULL, *b = NULL;
	struct lock_lease lease;

	(void)state;
	assert_int_equal(lock_acquire(&a, &o), 0);
	int64_t first = lock_epoch(a);
	assert_int_equal(lock_check_epoch(a), 0);
	assert_int_equal(lock_renew(a), 0);
	assert_string_equal(lock_holder(a), "alice@host1 pid 1");
	assert_int_equal(lock_read(&lease, tmp_root, "atl-pchat"), 0);
	assert_string_equal(lease.holder, "alice@host1 pid 1");
	assert_int_equal(lock_release(a), 0);
	o.holder = "bob@host2 pid 2";
	assert_int_equal(lock_acquire(&b, &o), 0);
	assert_int_equal(lock_epoch(b), first + 1);
	assert_int_equal(lock_release(b), 0);
}

static void test_lock__held_names_holder(void **state)
{
	struct lock_options o = opts_for("alice@host1 pid 1", 10000, 0);
	struct lock *a = NULL, *b = NULL;

	(void)state;
	assert_int_equal(lock_acquire(&a, &o), 0);
	o.holder = "bob@host2 pid 2";
	o.wait_ms = 120; /* waits, then gives up */
	err_clear();
	assert_int_equal(lock_acquire(&b, &o), ERR_LOCKED);
	assert_null(b);
	assert_non_null(strstr(err_last(), "held by alice@host1 pid 1"));
	assert_non_null(strstr(err_last(), "'atl-pchat'"));
	assert_int_equal(lock_release(a), 0);
}

static void test_lock__wait_succeeds_when_released(void **state)
{
	struct lock_options o = opts_for("alice@host1 pid 1", 250, 0);
	struct lock *a = NULL, *b = NULL;

	(void)state;
	assert_int_equal(lock_acquire(&a, &o), 0);
	o.holder = "bob@host2 pid 2";
	o.wait_ms = 3000; /* alice's lease expires after 250 ms */
	assert_int_equal(lock_acquire(&b, &o), 0);
	assert_int_equal(lock_epoch(b), lock_epoch(a) + 1);
	assert_int_equal(lock_release(b), 0);
	assert_int_equal(lock_release(a), 0);
}

static void test_lock__expired_lease_taken_over(void **state)
{
	struct lock_options o = opts_for("alice@host1 pid 1", 100, 0);
	struct lock *a = NULL, *b = NULL;
	struct lock_lease lease;

	(void)state;
	assert_int_equal(lock_acquire(&a, &o), 0);
	sleep_ms(150);
	err_clear();
	assert_int_equal(lock_check_epoch(a), ERR_LOCKED);
	assert_non_null(strstr(err_last(), "expired"));
	o.holder = "bob@host2 pid 2";
	o.ttl_ms = 10000;
	assert_int_equal(lock_acquire(&b, &o), 0);
	assert_int_equal(lock_epoch(b), lock_epoch(a) + 1);
	/* the old holder learns it lost the lease, and to whom */
	err_clear();
	assert_int_equal(lock_check_epoch(a), ERR_LOCKED);
	assert_non_null(strstr(err_last(), "taken over"));
	assert_non_null(strstr(err_last(), "bob@host2 pid 2"));
	assert_int_equal(lock_renew(a), ERR_LOCKED);
	/* releasing a lost lease leaves the new holder's alone */
	assert_int_equal(lock_release(a), 0);
	assert_int_equal(lock_read(&lease, tmp_root, "atl-pchat"), 0);
	assert_string_equal(lease.holder, "bob@host2 pid 2");
	assert_true(lease.expires_ms > 0);
	assert_int_equal(lock_check_epoch(b), 0);
	assert_int_equal(lock_release(b), 0);
}

/* A short lease is renewed more often than every 30 s, a long one every 30 s. */
static void test_lock__renew_interval_follows_ttl(void **state)
{
	struct lock_options o = opts_for("alice@host1 pid 1", 3000, 0);
	struct lock *lk = NULL;

	(void)state;
	assert_int_equal(lock_acquire(&lk, &o), 0);
	assert_int_equal(lock_renew_interval_ms(lk), 1000);
	assert_int_equal(lock_release(lk), 0);
	o.ttl_ms = 0; /* the default, 10 min */
	assert_int_equal(lock_acquire(&lk, &o), 0);
	assert_int_equal(lock_renew_interval_ms(lk), 30 * 1000);
	assert_int_equal(lock_release(lk), 0);
}

/* A child: wait for the start byte, try once, report on `report`:
 * "W" when it won, "L<message>" when it lost. Exits without releasing. */
static void race_child(int start, int report, const char *holder)
{
	struct lock_options o = opts_for(holder, 10000, 0);
	struct lock *lk = NULL;
	char buf[512], go;
	int n;

	if (read(start, &go, 1) != 1)
		_exit(2);
	if (lock_acquire(&lk, &o) == 0)
		n = snprintf(buf, sizeof(buf), "W");
	else
		n = snprintf(buf, sizeof(buf), "L%s", err_last());
	if (write(report, buf, (size_t)n) != n)
		_exit(3);
	sleep_ms(200); /* hold it while the other one tries */
	_exit(0);
}

static void test_lock__two_processes_race_one_wins(void **state)
{
	const char *holders[2] = {"racer-a@host pid 1", "racer-b@host pid 2"};
	char got[2][512];
	int start[2], rep[2][2], wins = 0;
	pid_t pid[2];

	(void)state;
	for (int round = 0; round < 5; round++) {
		char name[128];

		assert_int_equal(pipe(start), 0);
		for (int i = 0; i < 2; i++) {
			assert_int_equal(pipe(rep[i]), 0);
			pid[i] = fork();
			assert_true(pid[i] >= 0);
			if (pid[i] == 0) {
				close(start[1]);
				race_child(start[0], rep[i][1], holders[i]);
			}
			close(rep[i][1]);
		}
		close(start[0]);
		assert_int_equal(write(start[1], "gg", 2), 2); /* both go at once */
		close(start[1]);
		wins = 0;
		for (int i = 0; i < 2; i++) {
			ssize_t n = read(rep[i][0], got[i], sizeof(got[i]) - 1);

			assert_true(n > 0);
			got[i][n] = '\0';
			close(rep[i][0]);
			waitpid(pid[i], NULL, 0);
			wins += got[i][0] == 'W';
		}
		assert_int_equal(wins, 1);
		int loser = got[0][0] == 'W' ? 1 : 0;
		assert_non_null(strstr(got[loser], holders[1 - loser]));
		/* next round starts from an expired lease */
		snprintf(name, sizeof(name), "%s/atl-pchat.lease", tmp_root);
		assert_int_equal(unlink(name), 0);
	}
}

static void test_lock__bad_options(void **state)
{
	struct lock_options o = opts_for(NULL, 0, 0);
	struct lock *lk = NULL;

	(void)state;
	o.name = "../etc";
	assert_int_equal(lock_acquire(&lk, &o), ERR_INVALID);
	o.name = NULL;
	assert_int_equal(lock_acquire(&lk, &o), ERR_INVALID);
	assert_int_equal(lock_release(NULL), 0);
}

static void test_lock__default_holder_names_user_host_pid(void **state)
{
	struct lock_options o = opts_for(NULL, 10000, 0);
	struct lock *lk = NULL;
	char pid[32];

	(void)state;
	setenv("USER", "carol", 1);
	assert_int_equal(lock_acquire(&lk, &o), 0);
	snprintf(pid, sizeof(pid), " pid %ld", (long)getpid());
	assert_true(!strncmp(lock_holder(lk), "carol@", 6));
	assert_non_null(strstr(lock_holder(lk), pid));
	assert_int_equal(lock_release(lk), 0);
}

static void test_lock__default_dir_is_next_to_the_cache(void **state)
{
	struct lock_options o = opts_for("alice@host1 pid 1", 10000, 0);
	char *dir = NULL, nested[128];
	struct lock *lk = NULL;

	(void)state;
	assert_int_equal(lock_default_dir(&dir, "/srv/pcdr-cache"), 0);
	assert_string_equal(dir, "/srv/pcdr-cache/locks");
	free(dir);
	setenv("XDG_CACHE_HOME", "/var/cache/ops", 1);
	assert_int_equal(lock_default_dir(&dir, NULL), 0);
	assert_string_equal(dir, "/var/cache/ops/pcdr/locks");
	free(dir);
	unsetenv("XDG_CACHE_HOME");
	/* missing parents are created */
	snprintf(nested, sizeof(nested), "%s/cache/pcdr/locks", tmp_root);
	o.dir = nested;
	assert_int_equal(lock_acquire(&lk, &o), 0);
	assert_int_equal(lock_release(lk), 0);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int each_setup(void **state)
{
	char path[128];

	(void)state;
	snprintf(path, sizeof(path), "%s/atl-pchat.lease", tmp_root);
	unlink(path);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmp_root, sizeof(tmp_root), "/tmp/pcdr-lock-XXXXXX");
	return mkdtemp(tmp_root) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return nftw(tmp_root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup(test_lock__acquire_release_epoch_grows, each_setup),
	        cmocka_unit_test_setup(test_lock__held_names_holder, each_setup),
	        cmocka_unit_test_setup(test_lock__wait_succeeds_when_released, each_setup),
	        cmocka_unit_test_setup(test_lock__expired_lease_taken_over, each_setup),
	        cmocka_unit_test_setup(test_lock__renew_interval_follows_ttl, each_setup),
	        cmocka_unit_test_setup(test_lock__two_processes_race_one_wins, each_setup),
	        cmocka_unit_test_setup(test_lock__bad_options, each_setup),
	        cmocka_unit_test_setup(test_lock__default_holder_names_user_host_pid, each_setup),
	        cmocka_unit_test_setup(test_lock__default_dir_is_next_to_the_cache, each_setup),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
