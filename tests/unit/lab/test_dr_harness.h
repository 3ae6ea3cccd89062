/*
 * test_dr_harness: the engine with a backup share, for the backup,
 * restore and mirroring tests: the topology of test_sql_harness.h plus a
 * share (\\fs1.lab\pchat-ls -> <tmp>/share) and a session on each
 * instance (f->s on sqla.dc1.lab, dr->s2 on sqlb.dc2.lab).
 */
#ifndef PCDR_TEST_DR_HARNESS_H
#define PCDR_TEST_DR_HARNESS_H

#include <sys/stat.h>
#include <unistd.h>

#include "test_sql_harness.h"

struct drfix {
	struct fixture f;
	struct lab_session *s2;
	char dir[256];
	char state[300];
	char share[300];
};

static int dr_login(struct drfix *d, size_t inst, struct lab_session **out)
{
	struct lab_login login;
	struct lab_login_result res;

	memset(&login, 0, sizeof(login));
	login.user = "pcdr";
	login.password = "Secret-1";
	login.database = "";
	login.app_name = "unit";
	login.host_name = "testhost";
	return lab_session_open(d->f.world, inst, &login, out, &res);
}

static int dr_open(struct drfix *d)
{
	snprintf(d->dir, sizeof(d->dir), "/tmp/pcdr-dr-XXXXXX");
	if (!mkdtemp(d->dir))
		return -1;
	snprintf(d->state, sizeof(d->state), "%s/state", d->dir);
	snprintf(d->share, sizeof(d->share), "%s/share", d->dir);
	mkdir(d->state, 0700);
	mkdir(d->share, 0700);
	fixture_topology(&d->f);
	d->f.topo.share_unc = "\\\\fs1.lab\\pchat-ls";
	d->f.topo.share_dir = "share";
	strbuf_init(&d->f.rec.sb, 0);
	if (lab_world_create(&d->f.world, &d->f.topo, d->state))
		return -1;
	lab_world_set_throughput(d->f.world, 0);
	if (dr_login(d, 0, &d->f.s) || dr_login(d, 1, &d->s2))
		return -1;
	return 0;
}

static void dr_close(struct drfix *d)
{
	(void)fixture_open; /* the harness's single-instance opener is not used here */
	lab_session_close(d->s2);
	fixture_close(&d->f);
}

/* Run on the second instance. */
static const char *run2(struct drfix *d, const char *sql)
{
	struct lab_sink sink = rec_sink(&d->f.rec);

	strbuf_reset(&d->f.rec.sb);
	d->f.rec.dones = 0;
	lab_session_batch(d->s2, sql, &sink);
	return strbuf_cstr(&d->f.rec.sb);
}

/* The transcript contains `needle`. */
#define assert_has(hay, needle)                                                                    \
	do {                                                                                       \
		const char *h_ = (hay);                                                            \
		if (!strstr(h_, (needle))) {                                                       \
			print_error("missing <%s> in:\n%s\n", (needle), h_);                       \
			fail();                                                                    \
		}                                                                                  \
	} while (0)
#define assert_hasnt(hay, needle)                                                                  \
	do {                                                                                       \
		const char *h_ = (hay);                                                            \
		if (strstr(h_, (needle))) {                                                        \
			print_error("unexpected <%s> in:\n%s\n", (needle), h_);                    \
			fail();                                                                    \
		}                                                                                  \
	} while (0)

#endif
