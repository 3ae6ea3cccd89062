/*
 * test_backup_file: the lab's backup file format (lab/BACKUP-FORMAT.md):
 * a set round-trips with its header; a file cut at any length is refused
 * (truncated) and any flipped byte is refused (damaged), never read as a
 * set; NOINIT appends a second set with position 2; INIT starts over.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "lab/sql/backupfile.h"

static void sample(struct bkset *s)
{
	memset(s, 0, sizeof(*s));
	s->type = BK_TYPE_LOG;
	snprintf(s->database_name, sizeof(s->database_name), "mgc");
	snprintf(s->server_name, sizeof(s->server_name), "sqla.dc1.lab");
	s->first_lsn = 34000000012300001ull;
	s->last_lsn = 34000000012900001ull;
	s->checkpoint_lsn = 34000000010000001ull;
	s->database_backup_lsn = 34000000010000001ull;
	s->database_guid[0] = 0xAB;
	s->recovery_fork[15] = 0x42;
	s->begins_log_chain = true;
	s->recovery_model = 1;
	s->size_mb = 100;
}

static void test_roundtrip(void **state)
{
	static const uint8_t data[] = "some log records";
	struct bkset s;
	struct bkfile f;
	uint8_t *enc;
	size_t n;

	(void)state;
	sample(&s);
	bkset_encode(&s, data, sizeof(data), &enc, &n);
	assert_int_equal(bkfile_parse(&f, enc, n), BK_OK);
	assert_int_equal(f.n_sets, 1);
	assert_string_equal(f.sets[0].database_name, "mgc");
	assert_true(f.sets[0].first_lsn == s.first_lsn);
	assert_true(f.sets[0].last_lsn == s.last_lsn);
	assert_true(f.sets[0].checkpoint_lsn == s.checkpoint_lsn);
	assert_int_equal(f.sets[0].type, BK_TYPE_LOG);
	assert_true(f.sets[0].begins_log_chain);
	assert_int_equal(f.sets[0].database_guid[0], 0xAB);
	assert_int_equal(f.sets[0].recovery_fork[15], 0x42);
	assert_int_equal(f.sets[0].len, sizeof(data));
	assert_memory_equal(f.sets[0].data, data, sizeof(data));
	bkfile_free(&f);
}

static void test_truncated_and_damaged(void **state)
{
	static const uint8_t data[] = "0123456789";
	struct bkset s;
	uint8_t *enc;
	size_t n;

	(void)state;
	sample(&s);
	bkset_encode(&s, data, sizeof(data), &enc, &n);
	for (size_t cut = 0; cut < n; cut++) {
		struct bkfile f;
		uint8_t *copy = malloc(cut + 1);
		int rc;

		memcpy(copy, enc, cut);
		rc = bkfile_parse(&f, copy, cut);
		assert_int_not_equal(rc, BK_OK);
		bkfile_free(&f);
	}
	for (size_t i = 0; i < n; i++) {
		struct bkfile f;
		uint8_t *copy = malloc(n);

		memcpy(copy, enc, n);
		copy[i] ^= 0x5A;
		assert_int_not_equal(bkfile_parse(&f, copy, n), BK_OK);
		bkfile_free(&f);
	}
	{
		struct bkfile f;
		uint8_t *copy = malloc(n);

		memcpy(copy, enc, n);
		assert_int_equal(bkfile_parse(&f, copy, n - 2), BK_TRUNCATED);
		bkfile_free(&f);
	}
	free(enc);
}

static void test_append_and_init(void **state)
{
	char dir[] = "/tmp/pcdr-bkf-XXXXXX", path[64];
	struct bkset s;
	struct bkfile f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/x.trn", dir);
	sample(&s);
	assert_int_equal(bkfile_write(path, &s, (const uint8_t *)"a", 1, false), 0);
	assert_int_equal(s.position, 1);
	assert_int_equal(bkfile_write(path, &s, (const uint8_t *)"bb", 2, false), 0);
	assert_int_equal(s.position, 2);
	assert_int_equal(bkfile_read(&f, path), BK_OK);
	assert_int_equal(f.n_sets, 2);
	assert_int_equal(f.sets[1].len, 2);
	assert_int_equal(f.sets[1].position, 2);
	bkfile_free(&f);
	assert_int_equal(bkfile_write(path, &s, (const uint8_t *)"c", 1, true), 0);
	assert_int_equal(bkfile_read(&f, path), BK_OK);
	assert_int_equal(f.n_sets, 1);
	bkfile_free(&f);
	assert_int_equal(bkfile_read(&f, "/nonexistent/x.trn"), BK_NOFILE);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_roundtrip),
	        cmocka_unit_test(test_truncated_and_damaged),
	        cmocka_unit_test(test_append_and_init),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
