/*
 * Planner scenario tests: each builds a spec and an observed world in
 * code (fixture.h, scenarios.h), plans, and compares the canonical text
 * of the plan exactly. Besides the text, every plan that says it is
 * ready must predict exactly the desired state, and a converged world
 * must plan nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "tests/unit/core/scenarios.h"

static void check_plan(const char *world, const char *spec, const char *expected)
{
	struct fx f;
	struct plan plan;
	struct planner_opts o;
	const char *text;

	fx_init(&f, spec);
	sc_build(&f, world, &o);
	text = fx_plan_text(&f, &f.world, &o, &plan);
	assert_string_equal(text, expected);
	if (plan.status == PLAN_READY || plan.status == PLAN_CONVERGED)
		assert_int_equal(model_diff(&f.desired, &plan.predicted, NULL), 0);
	plan_release(&plan);
	fx_release(&f);
}

/*
 * After a round trip (switchover to dc2, switch back to dc1) sqla.dc2 is
 * RESTORING on dc2's fork F2 at its own tail, LSN 600, where dc1
 * recovered and started fork F3 (parent F2, fork point 600). dc1's log
 * backups since begin at that fork point; only dc1's msdb lists them.
 * The second switchover restores them on sqla.dc2 (RESTORE takes the log
 * that spans the fork point): no seed in the move phase. Had sqla.dc2
 * gone past the fork point on F2, it would be off the chain: a seed.
 */
static void round_trip_world(struct fx *f, unsigned dc2_lsn)
{
	struct model_db *t;
	const char *P = fx_principal("dc1"), *M = fx_mirror("dc1"), *S = fx_principal("dc2");

	fx_instances(f);
	fx_mirrored(f, P, M, "mgc", "F3", fx_lsn(700));
	fx_db(f, P, "mgc")->fork_parent = "F2";
	fx_db(f, P, "mgc")->fork_lsn = fx_lsn(600);
	fx_db(f, M, "mgc")->fork_parent = "F2";
	fx_db(f, M, "mgc")->fork_lsn = fx_lsn(600);
	fx_ls_primary(f, P, S);
	fx_ls_primary(f, M, S);
	t = fx_db(f, S, "mgc");
	t->state = MODEL_DB_RESTORING;
	t->fork = "F2";
	t->lsn = fx_lsn(dc2_lsn);
	t->ls_secondary.configured = true;
	t->ls_secondary.primary = P;
	t->ls_secondary.last_restored_lsn = fx_lsn(dc2_lsn);
	/* dc2's tail (its own msdb and dc1's, which restored it), then dc1's logs */
	for (size_t i = 0; i < 3; i++)
		model_add_backup(&f->world, &f->world.instances[i], "mgc", "mgc_tail.trn", 'L',
		                 fx_lsn(500), fx_lsn(600), "F2", "2026-11-28T12:00:00Z");
	for (unsigned k = 600; k < 700; k += 50)
		for (size_t i = 0; i < 2; i++)
			model_add_backup(&f->world, &f->world.instances[i], "mgc",
			                 arena_sprintf(&f->arena, "mgc_F3_%u.trn", k), 'L',
			                 fx_lsn(k), fx_lsn(k + 50), "F3", "2026-11-28T12:10:00Z");
	fx_mirrored(f, P, M, "mgccomp", "C1", fx_lsn(900));
	fx_mirrored(f, S, fx_mirror("dc2"), "mgccomp", "C2", fx_lsn(800));
	f->world.pool.state = MODEL_POOL_NORMAL;
	model_set_active_servers(&f->world, fx_servers1, 2);
}

static const char *round_trip_plan(struct fx *f, struct plan *plan, unsigned dc2_lsn)
{
	struct planner_opts o;

	memset(&o, 0, sizeof(o));
	round_trip_world(f, dc2_lsn);
	return fx_plan_text(f, &f->world, &o, plan);
}

static void test_planner__second_switchover_crosses_the_fork_point(void **state)
{
	struct fx f;
	struct plan plan;
	const char *text;

	(void)state;
	fx_init(&f, "dc2");
	text = round_trip_plan(&f, &plan, 600);
	assert_int_equal(plan.status, PLAN_READY);
	assert_null(strstr(text, "move     sql.seed"));
	assert_non_null(strstr(text, "move     sql.catch_up mgc on sqla.dc2.litwareinc.com up to "
	                             "LSN 4100000000000000000700 from sqla.dc1.litwareinc.com\n"));
	assert_int_equal(model_diff(&f.desired, &plan.predicted, NULL), 0);
	plan_release(&plan);
	fx_release(&f);

	fx_init(&f, "dc2");
	text = round_trip_plan(&f, &plan, 620); /* past the fork point on F2: diverged */
	assert_non_null(strstr(text, "move     sql.seed mgc sqla.dc1.litwareinc.com -> "
	                             "sqla.dc2.litwareinc.com\n"));
	plan_release(&plan);
	fx_release(&f);
}

/*
 * The same round trip, then dc1 lost: sqla.dc2 recovers at its tail (the
 * fork point of dc1's fork F3) and dc2's old mirror, sqlb.dc2, left
 * RESTORING on F2 at 590 when the switch back removed mirroring, is
 * caught up to that LSN from sqla.dc2's msdb (the tail) and mirrored
 * again: no reseed, and nothing from dc1's branch.
 */
static void test_planner__disaster_after_round_trip_catches_the_old_mirror_up(void **state)
{
	struct fx f;
	struct plan plan;
	struct planner_opts o;
	struct model_db *m;
	const char *text, *SM = fx_mirror("dc2");

	(void)state;
	memset(&o, 0, sizeof(o));
	o.allow_data_loss = true;
	fx_init(&f, "dc2");
	round_trip_world(&f, 600);
	m = fx_db(&f, SM, "mgc");
	m->state = MODEL_DB_RESTORING;
	m->fork = "F2";
	m->lsn = fx_lsn(590);
	fx_unreachable(&f, fx_principal("dc1"), "connection refused");
	fx_unreachable(&f, fx_mirror("dc1"), "connection refused");
	text = fx_plan_text(&f, &f.world, &o, &plan);
	assert_non_null(strstr(text, "move     sql.recover mgc on sqla.dc2.litwareinc.com\n"));
	assert_non_null(strstr(text, "protect  sql.catch_up mgc on sqlb.dc2.litwareinc.com up to "
	                             "LSN 4100000000000000000600 from sqla.dc2.litwareinc.com\n"));
	assert_non_null(strstr(text, "protect  sql.establish_mirroring mgc principal "
	                             "sqla.dc2.litwareinc.com, mirror sqlb.dc2.litwareinc.com\n"));
	assert_null(strstr(text, "sql.seed mgc sqla.dc2.litwareinc.com -> sqlb.dc2"));
	plan_release(&plan);
	fx_release(&f);
}

/* Goldens: one source line per line of plan text, so a diff reads like the plan. */
/* clang-format off */
/* an unchanged spec over a converged world plans zero steps */
static void test_planner__converged(void **state)
{
	(void)state;
	check_plan("converged", "dc1",
		"plan for pool 'atl-pchat': converged, 0 steps, 0 blocked\n");
}

/* bare instances: seed, then mirroring and log shipping */
static void test_planner__bootstrap_from_bare(void **state)
{
	(void)state;
	check_plan("bare", "dc1",
		"plan for pool 'atl-pchat': ready, 7 steps, 0 blocked\n"
		" 1. unfence  pool.set_active_servers [pc1.dc1.litwareinc.com, pc2.dc1.litwareinc.com]\n"
		"    why: the spec lists other active servers\n"
		"    facts: pool.state=Normal pool.active_servers=(none)\n"
		" 2. protect  sql.seed mgc sqla.dc1.litwareinc.com -> sqlb.dc1.litwareinc.com\n"
		"    why: 'sqlb.dc1.litwareinc.com' has no copy on the chain of 'sqla.dc1.litwareinc.com': full and log backup of the authority, restored WITH NORECOVERY\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000450 sqlb.dc1.litwareinc.com/mgc.state=ABSENT\n"
		" 3. protect  sql.establish_mirroring mgc principal sqla.dc1.litwareinc.com, mirror sqlb.dc1.litwareinc.com\n"
		"    why: mirror 'mgc' inside site 'dc1' with safety FULL\n"
		"    after: 2\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000450 sqlb.dc1.litwareinc.com/mgc.state=ABSENT\n"
		" 4. protect  sql.seed mgc sqla.dc1.litwareinc.com -> sqla.dc2.litwareinc.com\n"
		"    why: 'sqla.dc2.litwareinc.com' is not on the log chain of 'sqla.dc1.litwareinc.com': full and log backup of the authority, restored WITH NORECOVERY\n"
		"    after: 3\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000450 sqla.dc2.litwareinc.com/mgc.state=ABSENT\n"
		" 5. protect  sql.configure_log_shipping mgc sqla.dc1.litwareinc.com + sqlb.dc1.litwareinc.com -> sqla.dc2.litwareinc.com\n"
		"    why: ship 'mgc' from site 'dc1' to site 'dc2' through '\\\\fs1.dc1.litwareinc.com\\pchat-ls'\n"
		"    after: 3 4\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000450 sqla.dc2.litwareinc.com/mgc.state=ABSENT sqlb.dc1.litwareinc.com/mgc.state=ABSENT\n"
		" 6. protect  sql.seed mgccomp sqla.dc1.litwareinc.com -> sqlb.dc1.litwareinc.com\n"
		"    why: 'sqlb.dc1.litwareinc.com' has no copy on the chain of 'sqla.dc1.litwareinc.com': full and log backup of the authority, restored WITH NORECOVERY\n"
		"    facts: sqla.dc1.litwareinc.com/mgccomp.state=ONLINE sqla.dc1.litwareinc.com/mgccomp.lsn=4100000000000000000900 sqlb.dc1.litwareinc.com/mgccomp.state=ABSENT\n"
		" 7. protect  sql.establish_mirroring mgccomp principal sqla.dc1.litwareinc.com, mirror sqlb.dc1.litwareinc.com\n"
		"    why: mirror 'mgccomp' inside site 'dc1' with safety FULL\n"
		"    after: 6\n"
		"    facts: sqla.dc1.litwareinc.com/mgccomp.state=ONLINE sqla.dc1.litwareinc.com/mgccomp.lsn=4100000000000000000900 sqlb.dc1.litwareinc.com/mgccomp.state=ABSENT\n");
}

/* changing only activeServers plans one step */
static void test_planner__only_active_servers_changed(void **state)
{
	(void)state;
	check_plan("active", "dc1",
		"plan for pool 'atl-pchat': ready, 1 step, 0 blocked\n"
		" 1. unfence  pool.set_active_servers [pc1.dc1.litwareinc.com]\n"
		"    why: the spec lists other active servers\n"
		"    facts: pool.state=Normal pool.active_servers=pc1.dc1.litwareinc.com,pc2.dc1.litwareinc.com\n");
}

/* swapping principal and mirror: one manual failover per mirrored database */
static void test_planner__principal_mirror_swap(void **state)
{
	(void)state;
	check_plan("swap", "dc1",
		"plan for pool 'atl-pchat': ready, 2 steps, 0 blocked\n"
		" 1. move     sql.mirror_failover mgc sqla.dc1.litwareinc.com -> sqlb.dc1.litwareinc.com\n"
		"    why: the spec makes 'sqlb.dc1.litwareinc.com' the principal of site 'dc1': manual failover, no data loss\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000450 sqla.dc1.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc1.litwareinc.com,seq=1 sqlb.dc1.litwareinc.com/mgc.state=RESTORING sqlb.dc1.litwareinc.com/mgc.lsn=4100000000000000000450 sqlb.dc1.litwareinc.com/mgc.mirroring=MIRROR,sqla.dc1.litwareinc.com,seq=1\n"
		" 2. move     sql.mirror_failover mgccomp sqla.dc1.litwareinc.com -> sqlb.dc1.litwareinc.com\n"
		"    why: the spec makes 'sqlb.dc1.litwareinc.com' the principal of site 'dc1': manual failover, no data loss\n"
		"    facts: sqla.dc1.litwareinc.com/mgccomp.state=ONLINE sqla.dc1.litwareinc.com/mgccomp.lsn=4100000000000000000900 sqla.dc1.litwareinc.com/mgccomp.mirroring=PRINCIPAL,sqlb.dc1.litwareinc.com,seq=1 sqlb.dc1.litwareinc.com/mgccomp.state=RESTORING sqlb.dc1.litwareinc.com/mgccomp.lsn=4100000000000000000900 sqlb.dc1.litwareinc.com/mgccomp.mirroring=MIRROR,sqla.dc1.litwareinc.com,seq=1\n");
}

/* a failover by hand with an unchanged spec */
static void test_planner__role_drift_is_reported_not_reverted(void **state)
{
	(void)state;
	check_plan("drift", "dc1",
		"plan for pool 'atl-pchat': refused, 0 steps, 0 blocked\n"
		"refused: role drift (see the notes)\n"
		"note: drift: 'mgc' is served by 'sqlb.dc1.litwareinc.com', the spec's mirror of site 'dc1' (someone failed over by hand); pcdr does not revert it. To adopt it, change the spec: sites.dc1.principal: sqlb.dc1.litwareinc.com, sites.dc1.mirror: sqla.dc1.litwareinc.com\n");
}

/* a log shipping backup job disabled by hand: configuration drift, corrected by one step */
static void test_planner__disabled_backup_job_is_reenabled(void **state)
{
	(void)state;
	check_plan("backup_job_off", "dc1",
		"plan for pool 'atl-pchat': ready, 1 step, 0 blocked\n"
		" 1. protect  sql.configure_log_shipping mgc sqla.dc1.litwareinc.com + sqlb.dc1.litwareinc.com -> sqla.dc2.litwareinc.com\n"
		"    why: a log shipping backup job of 'mgc' is disabled on 'sqla.dc1.litwareinc.com'\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000450 sqla.dc1.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc1.litwareinc.com,seq=1 sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com sqlb.dc1.litwareinc.com/mgc.state=RESTORING sqlb.dc1.litwareinc.com/mgc.lsn=4100000000000000000450 sqlb.dc1.litwareinc.com/mgc.mirroring=MIRROR,sqla.dc1.litwareinc.com,seq=1\n");
}

/* a log shipping restore job disabled by hand on the secondary: the same one step */
static void test_planner__disabled_restore_job_is_reenabled(void **state)
{
	(void)state;
	check_plan("restore_job_off", "dc1",
		"plan for pool 'atl-pchat': ready, 1 step, 0 blocked\n"
		" 1. protect  sql.configure_log_shipping mgc sqla.dc1.litwareinc.com + sqlb.dc1.litwareinc.com -> sqla.dc2.litwareinc.com\n"
		"    why: a log shipping copy or restore job of 'mgc' is disabled on 'sqla.dc2.litwareinc.com'\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000450 sqla.dc1.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc1.litwareinc.com,seq=1 sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com sqlb.dc1.litwareinc.com/mgc.state=RESTORING sqlb.dc1.litwareinc.com/mgc.lsn=4100000000000000000450 sqlb.dc1.litwareinc.com/mgc.mirroring=MIRROR,sqla.dc1.litwareinc.com,seq=1\n");
}

/* dc1 gone after the secondary restored every log on the share, its last
 * restored file unknown to msdb: the exposure names the log it ends with */
static void test_planner__exposure_names_the_last_log_on_the_share(void **state)
{
	struct fx f;
	struct plan plan;
	struct planner_opts o = {0};
	struct model_db *t;
	const char *text;

	(void)state;
	fx_init(&f, "dc2");
	sc_dc1_lost(&f);
	t = fx_db(&f, A2, "mgc");
	t->lsn = fx_lsn(440);
	t->ls_secondary.last_restored_file = NULL;
	t->ls_secondary.last_restored_lsn = fx_lsn(440);
	text = fx_plan_text(&f, &f.world, &o, &plan);
	assert_non_null(strstr(text, "note: exposure: 'mgc' on lost authority "
	                             "'sqla.dc1.litwareinc.com': changes after LSN "
	                             "4100000000000000000440 are lost unless it comes back (last "
	                             "shipped log 'mgc_F1_420.trn', finished 2026-11-28T12:21:00Z)\n"));
	plan_release(&plan);
	fx_release(&f);
}

/* dc1 lost after a switchover round trip: dc2 was left at dc1's fork
 * point by its tail-log backup, and dc1's first log backup after it spans
 * that fork point. The disaster restores it and the new fork's logs after
 * it: everything the share holds. */
static void test_planner__disaster_restores_across_the_fork_point(void **state)
{
	struct fx f;
	struct plan plan;
	struct planner_opts o = {0};
	const char *text;

	(void)state;
	fx_init(&f, "dc2");
	fx_converged(&f, "dc1");
	fx_span_log(&f, "F1", "F2", 400, 430);
	fx_logs(&f, "F2", 430, 470, 20);
	fx_unreachable(&f, A1, "connection timed out");
	fx_unreachable(&f, B1, "connection timed out");
	text = fx_plan_text(&f, &f.world, &o, &plan);
	assert_non_null(strstr(text, "restore every log backup on the share in LSN order, up to "
	                             "LSN 4100000000000000000470"));
	assert_non_null(strstr(text, "changes after LSN 4100000000000000000470 are lost unless it "
	                             "comes back (last shipped log 'mgc_F2_450.trn'"));
	plan_release(&plan);
	fx_release(&f);
}

/*
 * dc1's old mirror left at LSN 400 on fork F1 (where the fixture's log
 * chain ends) when mirroring was removed; since then the principal
 * recovered twice (F1 -> F2 at 400, F2 -> F3 at 500) and each first log
 * backup after a recovery spans its fork point. `listed`: the share was
 * read for sqlb.dc1; `keep_f2`: the F2 log backup between the fork points
 * is still on the share (msdb remembers it either way; log shipping
 * deletes old files).
 */
static const char *old_mirror_plan(struct fx *f, struct plan *plan, bool listed, bool keep_f2)
{
	struct planner_opts o = {0};
	struct model_db *a, *m;
	struct model_instance *mi;
	struct {
		const char *file, *first_fork, *fork;
		unsigned first, last, fork_lsn;
		bool on_share;
	} sets[] = {{"span12.trn", "F1", "F2", 400, 450, 400, true},
	            {"f2.trn", NULL, "F2", 450, 500, 0, keep_f2},
	            {"span23.trn", "F2", "F3", 500, 540, 500, true}};

	fx_init(f, "dc1");
	fx_converged(f, "dc1");
	a = fx_db(f, A1, "mgc");
	memset(&a->mirroring, 0, sizeof(a->mirroring));
	a->fork = "F3";
	a->fork_parent = "F2";
	a->fork_lsn = fx_lsn(500);
	a->lsn = fx_lsn(550);
	m = fx_db(f, B1, "mgc");
	memset(&m->mirroring, 0, sizeof(m->mirroring));
	m->fork = "F1";
	m->lsn = fx_lsn(400);
	mi = model_instance(&f->world, B1);
	mi->share_listed = listed;
	for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		struct model_backup *b;

		/* msdb of the principal: it restored or took each of them */
		b = model_add_backup(&f->world, model_instance(&f->world, A1), "mgc", sets[i].file,
		                     'L', fx_lsn(sets[i].first), fx_lsn(sets[i].last), sets[i].fork,
		                     "2026-11-28T12:40:00Z");
		b->first_fork = sets[i].first_fork;
		b->fork_lsn = sets[i].fork_lsn ? fx_lsn(sets[i].fork_lsn) : model_lsn_u64(0);
		if (!listed || !sets[i].on_share)
			continue;
		b = model_add_backup(&f->world, mi, "mgc", sets[i].file, 'L', fx_lsn(sets[i].first),
		                     fx_lsn(sets[i].last), sets[i].fork, "2026-11-28T12:40:00Z");
		b->first_fork = sets[i].first_fork;
		b->fork_lsn = sets[i].fork_lsn ? fx_lsn(sets[i].fork_lsn) : model_lsn_u64(0);
		b->on_share = true;
	}
	return fx_plan_text(f, &f->world, &o, plan);
}

static void test_planner__old_mirror_caught_up_across_fork_points(void **state)
{
	struct fx f;
	struct plan plan;
	const char *text;

	(void)state;
	/* msdb alone: the plan asks for the share's listing and reseeds meanwhile */
	text = old_mirror_plan(&f, &plan, false, true);
	assert_non_null(strstr(text, "sql.seed mgc sqla.dc1.litwareinc.com -> sqlb.dc1.litwareinc.com"));
	assert_non_null(plan.share_for);
	assert_string_equal(plan.share_for, B1);
	plan_release(&plan);
	fx_release(&f);
	/* the share lists every log backup: catch up across both fork points */
	text = old_mirror_plan(&f, &plan, true, true);
	assert_non_null(strstr(text, "sql.catch_up mgc on sqlb.dc1.litwareinc.com up to LSN "
	                             "4100000000000000000540 from sqla.dc1.litwareinc.com"));
	assert_null(strstr(text, "sql.seed mgc sqla.dc1.litwareinc.com -> sqlb.dc1"));
	assert_non_null(strstr(text, "sql.establish_mirroring mgc principal sqla.dc1.litwareinc.com"));
	assert_true(!plan.share_for || strcmp(plan.share_for, B1) != 0);
	plan_release(&plan);
	fx_release(&f);
	/* the log backup between the fork points is gone from the share: reseed */
	text = old_mirror_plan(&f, &plan, true, false);
	assert_non_null(strstr(text, "sql.seed mgc sqla.dc1.litwareinc.com -> sqlb.dc1.litwareinc.com"));
	assert_null(strstr(text, "sql.catch_up mgc on sqlb.dc1"));
	plan_release(&plan);
	fx_release(&f);
}

/* the same, with msdb knowing the last restored file (the restore job's
 * history): the exposure still gives that log's finish time, the time
 * messages start to be exposed, not only its name */
static void test_planner__exposure_time_when_msdb_knows_the_last_restore(void **state)
{
	struct fx f;
	struct plan plan;
	struct planner_opts o = {0};
	struct model_db *t;
	const char *text;

	(void)state;
	fx_init(&f, "dc2");
	sc_dc1_lost(&f);
	t = fx_db(&f, A2, "mgc");
	t->lsn = fx_lsn(440);
	t->ls_secondary.last_restored_file = "D:\\pchat-ls\\mgc_F1_420.trn";
	t->ls_secondary.last_restored_lsn = fx_lsn(440);
	text = fx_plan_text(&f, &f.world, &o, &plan);
	assert_non_null(strstr(text, "note: exposure: 'mgc' on lost authority "
	                             "'sqla.dc1.litwareinc.com': changes after LSN "
	                             "4100000000000000000440 are lost unless it comes back (last "
	                             "shipped log 'mgc_F1_420.trn', finished 2026-11-28T12:21:00Z)\n"));
	plan_release(&plan);
	fx_release(&f);
}

/* dc1 gone: catch up from the share, recover, report the exposure */
static void test_planner__disaster_failover_dc1_unreachable(void **state)
{
	(void)state;
	check_plan("lost", "dc2",
		"plan for pool 'atl-pchat': blocked, 10 steps, 2 blocked\n"
		"note: exposure: 'mgc' on lost authority 'sqla.dc1.litwareinc.com': changes after LSN 4100000000000000000440 are lost unless it comes back (last shipped log 'mgc_F1_420.trn', finished 2026-11-28T12:21:00Z)\n"
		" 1. fence    pool.set_active_servers (none)\n"
		"    why: fence: the authority of 'mgc' moves from 'sqla.dc1.litwareinc.com' to 'sqla.dc2.litwareinc.com'; no server may write to either copy during the move\n"
		"    risk: outage\n"
		"    facts: pool.state=Normal pool.active_servers=pc1.dc1.litwareinc.com,pc2.dc1.litwareinc.com\n"
		" 2. detach   sql.drop_log_shipping_secondary mgc on sqla.dc2.litwareinc.com\n"
		"    why: log shipping secondary of 'sqla.dc1.litwareinc.com'; the spec wants no secondary here\n"
		"    after: 1\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com\n"
		" 3. move     sql.catch_up mgc on sqla.dc2.litwareinc.com up to LSN 4100000000000000000440\n"
		"    why: restore every log backup on the share in LSN order, up to LSN 4100000000000000000440\n"
		"    after: 1 2\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com\n"
		" 4. move     sql.recover mgc on sqla.dc2.litwareinc.com\n"
		"    why: the authority 'sqla.dc1.litwareinc.com' is lost: bring 'sqla.dc2.litwareinc.com' online at LSN 4100000000000000000440\n"
		"    risk: data-loss\n"
		"    after: 1 3\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com\n"
		" 5. switch   pool.set_state FailedOver\n"
		"    why: the pool must use the backup site 'dc2'\n"
		"    after: 1 4\n"
		"    facts: pool.state=Normal pool.active_servers=pc1.dc1.litwareinc.com,pc2.dc1.litwareinc.com\n"
		" 6. unfence  pool.set_active_servers [pc1.dc2.litwareinc.com, pc2.dc2.litwareinc.com]\n"
		"    why: unfence: the pool points at the authority; let the spec's active servers in\n"
		"    after: 4 5\n"
		"    facts: pool.state=Normal pool.active_servers=pc1.dc1.litwareinc.com,pc2.dc1.litwareinc.com\n"
		" 7. protect  sql.seed mgc sqla.dc2.litwareinc.com -> sqlb.dc2.litwareinc.com\n"
		"    why: 'sqlb.dc2.litwareinc.com' has no copy on the chain of 'sqla.dc2.litwareinc.com': full and log backup of the authority, restored WITH NORECOVERY\n"
		"    after: 4\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com sqlb.dc2.litwareinc.com/mgc.state=ABSENT\n"
		" 8. protect  sql.establish_mirroring mgc principal sqla.dc2.litwareinc.com, mirror sqlb.dc2.litwareinc.com\n"
		"    why: mirror 'mgc' inside site 'dc2' with safety FULL\n"
		"    after: 7\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com sqlb.dc2.litwareinc.com/mgc.state=ABSENT\n"
		" 9. protect  sql.seed mgc sqla.dc2.litwareinc.com -> sqla.dc1.litwareinc.com\n"
		"    why: 'sqla.dc1.litwareinc.com' is not on the log chain of 'sqla.dc2.litwareinc.com': full and log backup of the authority, restored WITH NORECOVERY\n"
		"    after: 8\n"
		"    BLOCKED: 'sqla.dc1.litwareinc.com' is unreachable (connection timed out)\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com sqla.dc1.litwareinc.com.reachable=false\n"
		"10. protect  sql.configure_log_shipping mgc sqla.dc2.litwareinc.com + sqlb.dc2.litwareinc.com -> sqla.dc1.litwareinc.com\n"
		"    why: ship 'mgc' from site 'dc2' to site 'dc1' through '\\\\fs1.dc1.litwareinc.com\\pchat-ls'\n"
		"    after: 8 9\n"
		"    BLOCKED: 'sqla.dc1.litwareinc.com' is unreachable (connection timed out)\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com sqla.dc1.litwareinc.com.reachable=false sqlb.dc2.litwareinc.com/mgc.state=ABSENT\n");
}

/* dc1 answers: tail-log backup, zero loss, the old primary stays on the chain */
static void test_planner__planned_switchover_dc1_reachable(void **state)
{
	(void)state;
	check_plan("converged", "dc2",
		"plan for pool 'atl-pchat': ready, 12 steps, 0 blocked\n"
		" 1. fence    pool.set_active_servers (none)\n"
		"    why: fence: the authority of 'mgc' moves from 'sqla.dc1.litwareinc.com' to 'sqla.dc2.litwareinc.com'; no server may write to either copy during the move\n"
		"    risk: outage\n"
		"    facts: pool.state=Normal pool.active_servers=pc1.dc1.litwareinc.com,pc2.dc1.litwareinc.com\n"
		" 2. detach   sql.remove_mirroring mgc on sqla.dc1.litwareinc.com (partner sqlb.dc1.litwareinc.com)\n"
		"    why: mirrored with 'sqlb.dc1.litwareinc.com'; the authority leaves mirroring before the tail-log backup\n"
		"    after: 1\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000450 sqla.dc1.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc1.litwareinc.com,seq=1 sqlb.dc1.litwareinc.com/mgc.state=RESTORING sqlb.dc1.litwareinc.com/mgc.lsn=4100000000000000000450 sqlb.dc1.litwareinc.com/mgc.mirroring=MIRROR,sqla.dc1.litwareinc.com,seq=1\n"
		" 3. detach   sql.drop_log_shipping_primary mgc on sqla.dc1.litwareinc.com\n"
		"    why: log shipping primary; the spec wants no log shipping from here\n"
		"    after: 1 2\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000450 sqla.dc1.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc1.litwareinc.com,seq=1\n"
		" 4. detach   sql.drop_log_shipping_secondary mgc on sqla.dc2.litwareinc.com\n"
		"    why: log shipping secondary of 'sqla.dc1.litwareinc.com'; the spec wants no secondary here\n"
		"    after: 1\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com\n"
		" 5. move     sql.tail_log_backup mgc on sqla.dc1.litwareinc.com at LSN 4100000000000000000450\n"
		"    why: demote the authority at an exact LSN (BACKUP LOG WITH NORECOVERY): zero data loss\n"
		"    after: 1 3\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000450 sqla.dc1.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc1.litwareinc.com,seq=1\n"
		" 6. move     sql.catch_up mgc on sqla.dc2.litwareinc.com up to LSN 4100000000000000000450 from sqla.dc1.litwareinc.com\n"
		"    why: restore every log backup up to the tail, LSN 4100000000000000000450, the tail included\n"
		"    after: 1 4 5\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000450 sqla.dc1.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc1.litwareinc.com,seq=1\n"
		" 7. move     sql.recover mgc on sqla.dc2.litwareinc.com\n"
		"    why: bring 'sqla.dc2.litwareinc.com' online at LSN 4100000000000000000450: it becomes the authority, zero data loss\n"
		"    after: 1 5 6\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com\n"
		" 8. switch   pool.set_state FailedOver\n"
		"    why: the pool must use the backup site 'dc2'\n"
		"    after: 1 7\n"
		"    facts: pool.state=Normal pool.active_servers=pc1.dc1.litwareinc.com,pc2.dc1.litwareinc.com\n"
		" 9. unfence  pool.set_active_servers [pc1.dc2.litwareinc.com, pc2.dc2.litwareinc.com]\n"
		"    why: unfence: the pool points at the authority; let the spec's active servers in\n"
		"    after: 7 8\n"
		"    facts: pool.state=Normal pool.active_servers=pc1.dc1.litwareinc.com,pc2.dc1.litwareinc.com\n"
		"10. protect  sql.seed mgc sqla.dc2.litwareinc.com -> sqlb.dc2.litwareinc.com\n"
		"    why: 'sqlb.dc2.litwareinc.com' has no copy on the chain of 'sqla.dc2.litwareinc.com': full and log backup of the authority, restored WITH NORECOVERY\n"
		"    after: 7\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com sqlb.dc2.litwareinc.com/mgc.state=ABSENT\n"
		"11. protect  sql.establish_mirroring mgc principal sqla.dc2.litwareinc.com, mirror sqlb.dc2.litwareinc.com\n"
		"    why: mirror 'mgc' inside site 'dc2' with safety FULL\n"
		"    after: 10\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com sqlb.dc2.litwareinc.com/mgc.state=ABSENT\n"
		"12. protect  sql.configure_log_shipping mgc sqla.dc2.litwareinc.com + sqlb.dc2.litwareinc.com -> sqla.dc1.litwareinc.com\n"
		"    why: ship 'mgc' from site 'dc2' to site 'dc1' through '\\\\fs1.dc1.litwareinc.com\\pchat-ls'\n"
		"    after: 6 11\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000450 sqla.dc1.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc1.litwareinc.com,seq=1 sqlb.dc2.litwareinc.com/mgc.state=ABSENT\n");
}

/* dc1 rebuilt empty: one full reseed across sites, dc2 stays on the chain */
static void test_planner__failback_after_rebuild_one_reseed(void **state)
{
	(void)state;
	check_plan("rebuilt", "dc1",
		"plan for pool 'atl-pchat': ready, 13 steps, 0 blocked\n"
		" 1. fence    pool.set_active_servers (none)\n"
		"    why: fence: the authority of 'mgc' moves from 'sqla.dc2.litwareinc.com' to 'sqla.dc1.litwareinc.com'; no server may write to either copy during the move\n"
		"    risk: outage\n"
		"    facts: pool.state=FailedOver pool.active_servers=pc1.dc2.litwareinc.com,pc2.dc2.litwareinc.com\n"
		" 2. detach   sql.remove_mirroring mgc on sqla.dc2.litwareinc.com (partner sqlb.dc2.litwareinc.com)\n"
		"    why: mirrored with 'sqlb.dc2.litwareinc.com'; the authority leaves mirroring before the tail-log backup\n"
		"    after: 1\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=ONLINE sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000600 sqla.dc2.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc2.litwareinc.com,seq=1 sqlb.dc2.litwareinc.com/mgc.state=RESTORING sqlb.dc2.litwareinc.com/mgc.lsn=4100000000000000000600 sqlb.dc2.litwareinc.com/mgc.mirroring=MIRROR,sqla.dc2.litwareinc.com,seq=1\n"
		" 3. move     sql.seed mgc sqla.dc2.litwareinc.com -> sqla.dc1.litwareinc.com\n"
		"    why: 'sqla.dc1.litwareinc.com' is not on the log chain of 'sqla.dc2.litwareinc.com': seed it from the authority before the move\n"
		"    after: 1 2\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=ONLINE sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000600 sqla.dc2.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc2.litwareinc.com,seq=1 sqla.dc1.litwareinc.com/mgc.state=ABSENT\n"
		" 4. move     sql.tail_log_backup mgc on sqla.dc2.litwareinc.com at LSN 4100000000000000000600\n"
		"    why: demote the authority at an exact LSN (BACKUP LOG WITH NORECOVERY): zero data loss\n"
		"    after: 1 3\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=ONLINE sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000600 sqla.dc2.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc2.litwareinc.com,seq=1\n"
		" 5. move     sql.catch_up mgc on sqla.dc1.litwareinc.com up to LSN 4100000000000000000600 from sqla.dc2.litwareinc.com\n"
		"    why: restore every log backup up to the tail, LSN 4100000000000000000600, the tail included\n"
		"    after: 1 3 4\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ABSENT sqla.dc2.litwareinc.com/mgc.state=ONLINE sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000600 sqla.dc2.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc2.litwareinc.com,seq=1\n"
		" 6. move     sql.recover mgc on sqla.dc1.litwareinc.com\n"
		"    why: bring 'sqla.dc1.litwareinc.com' online at LSN 4100000000000000000600: it becomes the authority, zero data loss\n"
		"    after: 1 4 5\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ABSENT\n"
		" 7. switch   pool.set_state Normal\n"
		"    why: the pool must use its home site 'dc1'\n"
		"    after: 1 6\n"
		"    facts: pool.state=FailedOver pool.active_servers=pc1.dc2.litwareinc.com,pc2.dc2.litwareinc.com\n"
		" 8. unfence  pool.set_active_servers [pc1.dc1.litwareinc.com, pc2.dc1.litwareinc.com]\n"
		"    why: unfence: the pool points at the authority; let the spec's active servers in\n"
		"    after: 6 7\n"
		"    facts: pool.state=FailedOver pool.active_servers=pc1.dc2.litwareinc.com,pc2.dc2.litwareinc.com\n"
		" 9. protect  sql.seed mgc sqla.dc1.litwareinc.com -> sqlb.dc1.litwareinc.com\n"
		"    why: 'sqlb.dc1.litwareinc.com' has no copy on the chain of 'sqla.dc1.litwareinc.com': full and log backup of the authority, restored WITH NORECOVERY\n"
		"    after: 6\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ABSENT sqlb.dc1.litwareinc.com/mgc.state=ABSENT\n"
		"10. protect  sql.establish_mirroring mgc principal sqla.dc1.litwareinc.com, mirror sqlb.dc1.litwareinc.com\n"
		"    why: mirror 'mgc' inside site 'dc1' with safety FULL\n"
		"    after: 9\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ABSENT sqlb.dc1.litwareinc.com/mgc.state=ABSENT\n"
		"11. protect  sql.configure_log_shipping mgc sqla.dc1.litwareinc.com + sqlb.dc1.litwareinc.com -> sqla.dc2.litwareinc.com\n"
		"    why: ship 'mgc' from site 'dc1' to site 'dc2' through '\\\\fs1.dc1.litwareinc.com\\pchat-ls'\n"
		"    after: 5 10\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ABSENT sqla.dc2.litwareinc.com/mgc.state=ONLINE sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000600 sqla.dc2.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc2.litwareinc.com,seq=1 sqlb.dc1.litwareinc.com/mgc.state=ABSENT\n"
		"12. protect  sql.seed mgccomp sqla.dc1.litwareinc.com -> sqlb.dc1.litwareinc.com\n"
		"    why: 'sqlb.dc1.litwareinc.com' has no copy on the chain of 'sqla.dc1.litwareinc.com': full and log backup of the authority, restored WITH NORECOVERY\n"
		"    facts: sqla.dc1.litwareinc.com/mgccomp.state=ONLINE sqla.dc1.litwareinc.com/mgccomp.lsn=4100000000000000000010 sqlb.dc1.litwareinc.com/mgccomp.state=ABSENT\n"
		"13. protect  sql.establish_mirroring mgccomp principal sqla.dc1.litwareinc.com, mirror sqlb.dc1.litwareinc.com\n"
		"    why: mirror 'mgccomp' inside site 'dc1' with safety FULL\n"
		"    after: 12\n"
		"    facts: sqla.dc1.litwareinc.com/mgccomp.state=ONLINE sqla.dc1.litwareinc.com/mgccomp.lsn=4100000000000000000010 sqlb.dc1.litwareinc.com/mgccomp.state=ABSENT\n");
}

/* dc1 back ONLINE with unshipped changes: safety backup before it is overwritten */
static void test_planner__failback_divergent_old_primary_safety_backup_first(void **state)
{
	(void)state;
	check_plan("divergent", "dc1",
		"plan for pool 'atl-pchat': ready, 13 steps, 0 blocked\n"
		" 1. fence    pool.set_active_servers (none)\n"
		"    why: fence: the authority of 'mgc' moves from 'sqla.dc2.litwareinc.com' to 'sqla.dc1.litwareinc.com'; no server may write to either copy during the move\n"
		"    risk: outage\n"
		"    facts: pool.state=FailedOver pool.active_servers=pc1.dc2.litwareinc.com,pc2.dc2.litwareinc.com\n"
		" 2. detach   sql.safety_backup mgc on sqla.dc1.litwareinc.com\n"
		"    why: 'sqla.dc1.litwareinc.com' holds an ONLINE copy that is not the authority and will be overwritten: back it up first\n"
		"    after: 1\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000470 sqla.dc1.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc1.litwareinc.com,seq=1\n"
		" 3. detach   sql.remove_mirroring mgc on sqla.dc1.litwareinc.com (partner sqlb.dc1.litwareinc.com)\n"
		"    why: mirrored with 'sqlb.dc1.litwareinc.com'; the copy is reseeded from the authority\n"
		"    after: 1 2\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000470 sqla.dc1.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc1.litwareinc.com,seq=1 sqlb.dc1.litwareinc.com/mgc.state=RESTORING sqlb.dc1.litwareinc.com/mgc.lsn=4100000000000000000470 sqlb.dc1.litwareinc.com/mgc.mirroring=MIRROR,sqla.dc1.litwareinc.com,seq=1\n"
		" 4. detach   sql.remove_mirroring mgc on sqla.dc2.litwareinc.com (partner sqlb.dc2.litwareinc.com)\n"
		"    why: mirrored with 'sqlb.dc2.litwareinc.com'; the authority leaves mirroring before the tail-log backup\n"
		"    after: 1\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=ONLINE sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000600 sqla.dc2.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc2.litwareinc.com,seq=1 sqlb.dc2.litwareinc.com/mgc.state=RESTORING sqlb.dc2.litwareinc.com/mgc.lsn=4100000000000000000600 sqlb.dc2.litwareinc.com/mgc.mirroring=MIRROR,sqla.dc2.litwareinc.com,seq=1\n"
		" 5. move     sql.seed mgc sqla.dc2.litwareinc.com -> sqla.dc1.litwareinc.com\n"
		"    why: 'sqla.dc1.litwareinc.com' is not on the log chain of 'sqla.dc2.litwareinc.com': seed it from the authority before the move\n"
		"    after: 1 3 4\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=ONLINE sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000600 sqla.dc2.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc2.litwareinc.com,seq=1 sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000470 sqla.dc1.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc1.litwareinc.com,seq=1\n"
		" 6. move     sql.tail_log_backup mgc on sqla.dc2.litwareinc.com at LSN 4100000000000000000600\n"
		"    why: demote the authority at an exact LSN (BACKUP LOG WITH NORECOVERY): zero data loss\n"
		"    after: 1 5\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=ONLINE sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000600 sqla.dc2.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc2.litwareinc.com,seq=1\n"
		" 7. move     sql.catch_up mgc on sqla.dc1.litwareinc.com up to LSN 4100000000000000000600 from sqla.dc2.litwareinc.com\n"
		"    why: restore every log backup up to the tail, LSN 4100000000000000000600, the tail included\n"
		"    after: 1 5 6\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000470 sqla.dc1.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc1.litwareinc.com,seq=1 sqla.dc2.litwareinc.com/mgc.state=ONLINE sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000600 sqla.dc2.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc2.litwareinc.com,seq=1\n"
		" 8. move     sql.recover mgc on sqla.dc1.litwareinc.com\n"
		"    why: bring 'sqla.dc1.litwareinc.com' online at LSN 4100000000000000000600: it becomes the authority, zero data loss\n"
		"    after: 1 6 7\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000470 sqla.dc1.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc1.litwareinc.com,seq=1\n"
		" 9. switch   pool.set_state Normal\n"
		"    why: the pool must use its home site 'dc1'\n"
		"    after: 1 8\n"
		"    facts: pool.state=FailedOver pool.active_servers=pc1.dc2.litwareinc.com,pc2.dc2.litwareinc.com\n"
		"10. unfence  pool.set_active_servers [pc1.dc1.litwareinc.com, pc2.dc1.litwareinc.com]\n"
		"    why: unfence: the pool points at the authority; let the spec's active servers in\n"
		"    after: 8 9\n"
		"    facts: pool.state=FailedOver pool.active_servers=pc1.dc2.litwareinc.com,pc2.dc2.litwareinc.com\n"
		"11. protect  sql.seed mgc sqla.dc1.litwareinc.com -> sqlb.dc1.litwareinc.com\n"
		"    why: 'sqlb.dc1.litwareinc.com' has no copy on the chain of 'sqla.dc1.litwareinc.com': full and log backup of the authority, restored WITH NORECOVERY\n"
		"    after: 3 8\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000470 sqla.dc1.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc1.litwareinc.com,seq=1 sqlb.dc1.litwareinc.com/mgc.state=RESTORING sqlb.dc1.litwareinc.com/mgc.lsn=4100000000000000000470 sqlb.dc1.litwareinc.com/mgc.mirroring=MIRROR,sqla.dc1.litwareinc.com,seq=1\n"
		"12. protect  sql.establish_mirroring mgc principal sqla.dc1.litwareinc.com, mirror sqlb.dc1.litwareinc.com\n"
		"    why: mirror 'mgc' inside site 'dc1' with safety FULL\n"
		"    after: 11\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000470 sqla.dc1.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc1.litwareinc.com,seq=1 sqlb.dc1.litwareinc.com/mgc.state=RESTORING sqlb.dc1.litwareinc.com/mgc.lsn=4100000000000000000470 sqlb.dc1.litwareinc.com/mgc.mirroring=MIRROR,sqla.dc1.litwareinc.com,seq=1\n"
		"13. protect  sql.configure_log_shipping mgc sqla.dc1.litwareinc.com + sqlb.dc1.litwareinc.com -> sqla.dc2.litwareinc.com\n"
		"    why: ship 'mgc' from site 'dc1' to site 'dc2' through '\\\\fs1.dc1.litwareinc.com\\pchat-ls'\n"
		"    after: 7 12\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000470 sqla.dc1.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc1.litwareinc.com,seq=1 sqla.dc2.litwareinc.com/mgc.state=ONLINE sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000600 sqla.dc2.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc2.litwareinc.com,seq=1 sqlb.dc1.litwareinc.com/mgc.state=RESTORING sqlb.dc1.litwareinc.com/mgc.lsn=4100000000000000000470 sqlb.dc1.litwareinc.com/mgc.mirroring=MIRROR,sqla.dc1.litwareinc.com,seq=1\n");
}

/* spec unchanged at dc2, dc1 back ONLINE: safety backup, then reseed as secondary */
static void test_planner__reprotect_divergent_old_primary(void **state)
{
	(void)state;
	check_plan("divergent", "dc2",
		"plan for pool 'atl-pchat': ready, 5 steps, 0 blocked\n"
		" 1. detach   sql.safety_backup mgc on sqla.dc1.litwareinc.com\n"
		"    why: 'sqla.dc1.litwareinc.com' holds an ONLINE copy that is not the authority and will be overwritten: back it up first\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000470 sqla.dc1.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc1.litwareinc.com,seq=1\n"
		" 2. detach   sql.remove_mirroring mgc on sqla.dc1.litwareinc.com (partner sqlb.dc1.litwareinc.com)\n"
		"    why: mirrored with 'sqlb.dc1.litwareinc.com'; the spec wants no such partnership\n"
		"    after: 1\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000470 sqla.dc1.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc1.litwareinc.com,seq=1 sqlb.dc1.litwareinc.com/mgc.state=RESTORING sqlb.dc1.litwareinc.com/mgc.lsn=4100000000000000000470 sqlb.dc1.litwareinc.com/mgc.mirroring=MIRROR,sqla.dc1.litwareinc.com,seq=1\n"
		" 3. detach   sql.drop_log_shipping_primary mgc on sqla.dc1.litwareinc.com\n"
		"    why: log shipping primary; the spec wants no log shipping from here\n"
		"    after: 2\n"
		"    facts: sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000470 sqla.dc1.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc1.litwareinc.com,seq=1\n"
		" 4. protect  sql.seed mgc sqla.dc2.litwareinc.com -> sqla.dc1.litwareinc.com\n"
		"    why: 'sqla.dc1.litwareinc.com' is not on the log chain of 'sqla.dc2.litwareinc.com': full and log backup of the authority, restored WITH NORECOVERY\n"
		"    after: 3\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=ONLINE sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000600 sqla.dc2.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc2.litwareinc.com,seq=1 sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000470 sqla.dc1.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc1.litwareinc.com,seq=1\n"
		" 5. protect  sql.configure_log_shipping mgc sqla.dc2.litwareinc.com + sqlb.dc2.litwareinc.com -> sqla.dc1.litwareinc.com\n"
		"    why: ship 'mgc' from site 'dc2' to site 'dc1' through '\\\\fs1.dc1.litwareinc.com\\pchat-ls'\n"
		"    after: 4\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=ONLINE sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000600 sqla.dc2.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc2.litwareinc.com,seq=1 sqla.dc1.litwareinc.com/mgc.state=ONLINE sqla.dc1.litwareinc.com/mgc.lsn=4100000000000000000470 sqla.dc1.litwareinc.com/mgc.mirroring=PRINCIPAL,sqlb.dc1.litwareinc.com,seq=1 sqlb.dc2.litwareinc.com/mgc.state=RESTORING sqlb.dc2.litwareinc.com/mgc.lsn=4100000000000000000600 sqlb.dc2.litwareinc.com/mgc.mirroring=MIRROR,sqla.dc2.litwareinc.com,seq=1\n");
}

/* a hole in the log chain blocks the whole move, fence included */
static void test_planner__log_chain_gap_blocks(void **state)
{
	(void)state;
	check_plan("gap", "dc2",
		"plan for pool 'atl-pchat': blocked, 10 steps, 10 blocked\n"
		" 1. fence    pool.set_active_servers (none)\n"
		"    why: fence: the authority of 'mgc' moves from 'sqla.dc1.litwareinc.com' to 'sqla.dc2.litwareinc.com'; no server may write to either copy during the move\n"
		"    risk: outage\n"
		"    BLOCKED: the move of 'mgc' to 'sqla.dc2.litwareinc.com' cannot finish: step 3 is blocked\n"
		"    facts: pool.state=Normal pool.active_servers=pc1.dc1.litwareinc.com,pc2.dc1.litwareinc.com\n"
		" 2. detach   sql.drop_log_shipping_secondary mgc on sqla.dc2.litwareinc.com\n"
		"    why: log shipping secondary of 'sqla.dc1.litwareinc.com'; the spec wants no secondary here\n"
		"    after: 1\n"
		"    BLOCKED: the move of 'mgc' to 'sqla.dc2.litwareinc.com' cannot finish: step 3 is blocked\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com\n"
		" 3. move     sql.catch_up mgc on sqla.dc2.litwareinc.com up to LSN 4100000000000000000420\n"
		"    why: restore every log backup on the share in LSN order, up to LSN 4100000000000000000420\n"
		"    risk: data-loss\n"
		"    after: 1 2\n"
		"    BLOCKED: log chain gap: no log backup covers LSN 4100000000000000000420 up to 4100000000000000000440; recovering before the gap loses what follows it: set policy.allowDataLoss or pass --allow-data-loss to accept\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com\n"
		" 4. move     sql.recover mgc on sqla.dc2.litwareinc.com\n"
		"    why: the authority 'sqla.dc1.litwareinc.com' is lost: bring 'sqla.dc2.litwareinc.com' online at LSN 4100000000000000000420\n"
		"    risk: data-loss\n"
		"    after: 1 3\n"
		"    BLOCKED: depends on blocked step 3\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com\n"
		" 5. switch   pool.set_state FailedOver\n"
		"    why: the pool must use the backup site 'dc2'\n"
		"    after: 1 4\n"
		"    BLOCKED: depends on blocked step 4\n"
		"    facts: pool.state=Normal pool.active_servers=pc1.dc1.litwareinc.com,pc2.dc1.litwareinc.com\n"
		" 6. unfence  pool.set_active_servers [pc1.dc2.litwareinc.com, pc2.dc2.litwareinc.com]\n"
		"    why: unfence: the pool points at the authority; let the spec's active servers in\n"
		"    after: 4 5\n"
		"    BLOCKED: depends on blocked step 4\n"
		"    facts: pool.state=Normal pool.active_servers=pc1.dc1.litwareinc.com,pc2.dc1.litwareinc.com\n"
		" 7. protect  sql.seed mgc sqla.dc2.litwareinc.com -> sqlb.dc2.litwareinc.com\n"
		"    why: 'sqlb.dc2.litwareinc.com' has no copy on the chain of 'sqla.dc2.litwareinc.com': full and log backup of the authority, restored WITH NORECOVERY\n"
		"    after: 4\n"
		"    BLOCKED: depends on blocked step 4\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com sqlb.dc2.litwareinc.com/mgc.state=ABSENT\n"
		" 8. protect  sql.establish_mirroring mgc principal sqla.dc2.litwareinc.com, mirror sqlb.dc2.litwareinc.com\n"
		"    why: mirror 'mgc' inside site 'dc2' with safety FULL\n"
		"    after: 7\n"
		"    BLOCKED: depends on blocked step 7\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com sqlb.dc2.litwareinc.com/mgc.state=ABSENT\n"
		" 9. protect  sql.seed mgc sqla.dc2.litwareinc.com -> sqla.dc1.litwareinc.com\n"
		"    why: 'sqla.dc1.litwareinc.com' is not on the log chain of 'sqla.dc2.litwareinc.com': full and log backup of the authority, restored WITH NORECOVERY\n"
		"    after: 8\n"
		"    BLOCKED: 'sqla.dc1.litwareinc.com' is unreachable (connection timed out)\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com sqla.dc1.litwareinc.com.reachable=false\n"
		"10. protect  sql.configure_log_shipping mgc sqla.dc2.litwareinc.com + sqlb.dc2.litwareinc.com -> sqla.dc1.litwareinc.com\n"
		"    why: ship 'mgc' from site 'dc2' to site 'dc1' through '\\\\fs1.dc1.litwareinc.com\\pchat-ls'\n"
		"    after: 8 9\n"
		"    BLOCKED: 'sqla.dc1.litwareinc.com' is unreachable (connection timed out)\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com sqla.dc1.litwareinc.com.reachable=false sqlb.dc2.litwareinc.com/mgc.state=ABSENT\n");
}

/* allowDataLoss: recover before the hole and say so */
static void test_planner__log_chain_gap_allow_data_loss(void **state)
{
	(void)state;
	check_plan("gapok", "dc2",
		"plan for pool 'atl-pchat': blocked, 10 steps, 2 blocked\n"
		"note: log chain gap: 'mgc' has no log backup from LSN 4100000000000000000420 up to 4100000000000000000440; allowDataLoss: recovering at LSN 4100000000000000000420 and losing what follows\n"
		"note: exposure: 'mgc' on lost authority 'sqla.dc1.litwareinc.com': changes after LSN 4100000000000000000420 are lost unless it comes back (last shipped log 'mgc_F1_400.trn', finished 2026-11-28T12:20:00Z)\n"
		" 1. fence    pool.set_active_servers (none)\n"
		"    why: fence: the authority of 'mgc' moves from 'sqla.dc1.litwareinc.com' to 'sqla.dc2.litwareinc.com'; no server may write to either copy during the move\n"
		"    risk: outage\n"
		"    facts: pool.state=Normal pool.active_servers=pc1.dc1.litwareinc.com,pc2.dc1.litwareinc.com\n"
		" 2. detach   sql.drop_log_shipping_secondary mgc on sqla.dc2.litwareinc.com\n"
		"    why: log shipping secondary of 'sqla.dc1.litwareinc.com'; the spec wants no secondary here\n"
		"    after: 1\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com\n"
		" 3. move     sql.catch_up mgc on sqla.dc2.litwareinc.com up to LSN 4100000000000000000420\n"
		"    why: restore every log backup on the share in LSN order, up to LSN 4100000000000000000420\n"
		"    risk: data-loss\n"
		"    after: 1 2\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com\n"
		" 4. move     sql.recover mgc on sqla.dc2.litwareinc.com\n"
		"    why: the authority 'sqla.dc1.litwareinc.com' is lost: bring 'sqla.dc2.litwareinc.com' online at LSN 4100000000000000000420\n"
		"    risk: data-loss\n"
		"    after: 1 3\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com\n"
		" 5. switch   pool.set_state FailedOver\n"
		"    why: the pool must use the backup site 'dc2'\n"
		"    after: 1 4\n"
		"    facts: pool.state=Normal pool.active_servers=pc1.dc1.litwareinc.com,pc2.dc1.litwareinc.com\n"
		" 6. unfence  pool.set_active_servers [pc1.dc2.litwareinc.com, pc2.dc2.litwareinc.com]\n"
		"    why: unfence: the pool points at the authority; let the spec's active servers in\n"
		"    after: 4 5\n"
		"    facts: pool.state=Normal pool.active_servers=pc1.dc1.litwareinc.com,pc2.dc1.litwareinc.com\n"
		" 7. protect  sql.seed mgc sqla.dc2.litwareinc.com -> sqlb.dc2.litwareinc.com\n"
		"    why: 'sqlb.dc2.litwareinc.com' has no copy on the chain of 'sqla.dc2.litwareinc.com': full and log backup of the authority, restored WITH NORECOVERY\n"
		"    after: 4\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com sqlb.dc2.litwareinc.com/mgc.state=ABSENT\n"
		" 8. protect  sql.establish_mirroring mgc principal sqla.dc2.litwareinc.com, mirror sqlb.dc2.litwareinc.com\n"
		"    why: mirror 'mgc' inside site 'dc2' with safety FULL\n"
		"    after: 7\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com sqlb.dc2.litwareinc.com/mgc.state=ABSENT\n"
		" 9. protect  sql.seed mgc sqla.dc2.litwareinc.com -> sqla.dc1.litwareinc.com\n"
		"    why: 'sqla.dc1.litwareinc.com' is not on the log chain of 'sqla.dc2.litwareinc.com': full and log backup of the authority, restored WITH NORECOVERY\n"
		"    after: 8\n"
		"    BLOCKED: 'sqla.dc1.litwareinc.com' is unreachable (connection timed out)\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com sqla.dc1.litwareinc.com.reachable=false\n"
		"10. protect  sql.configure_log_shipping mgc sqla.dc2.litwareinc.com + sqlb.dc2.litwareinc.com -> sqla.dc1.litwareinc.com\n"
		"    why: ship 'mgc' from site 'dc2' to site 'dc1' through '\\\\fs1.dc1.litwareinc.com\\pchat-ls'\n"
		"    after: 8 9\n"
		"    BLOCKED: 'sqla.dc1.litwareinc.com' is unreachable (connection timed out)\n"
		"    facts: sqla.dc2.litwareinc.com/mgc.state=RESTORING sqla.dc2.litwareinc.com/mgc.lsn=4100000000000000000400 sqla.dc2.litwareinc.com/mgc.ls_secondary_of=sqla.dc1.litwareinc.com sqla.dc1.litwareinc.com.reachable=false sqlb.dc2.litwareinc.com/mgc.state=ABSENT\n");
}

/* the principal is gone: forced service on its mirror is gated by allowDataLoss */
static void test_planner__forced_service_needs_allow_data_loss(void **state)
{
	(void)state;
	check_plan("lost_principal", "dc1",
		"plan for pool 'atl-pchat': blocked, 2 steps, 2 blocked\n"
		"note: 'sqla.dc1.litwareinc.com' is unreachable (connection timed out): its copies are not verified; no step of this plan needs it\n"
		" 1. move     sql.force_service mgc on sqlb.dc1.litwareinc.com\n"
		"    why: the principal 'sqla.dc1.litwareinc.com' is unreachable: force service on its mirror 'sqlb.dc1.litwareinc.com'\n"
		"    risk: data-loss\n"
		"    BLOCKED: forced service may lose data: set policy.allowDataLoss or pass --allow-data-loss\n"
		"    facts: sqlb.dc1.litwareinc.com/mgc.state=RESTORING sqlb.dc1.litwareinc.com/mgc.lsn=4100000000000000000450 sqlb.dc1.litwareinc.com/mgc.mirroring=MIRROR,sqla.dc1.litwareinc.com,seq=1\n"
		" 2. move     sql.force_service mgccomp on sqlb.dc1.litwareinc.com\n"
		"    why: the principal 'sqla.dc1.litwareinc.com' is unreachable: force service on its mirror 'sqlb.dc1.litwareinc.com'\n"
		"    risk: data-loss\n"
		"    BLOCKED: forced service may lose data: set policy.allowDataLoss or pass --allow-data-loss\n"
		"    facts: sqlb.dc1.litwareinc.com/mgccomp.state=RESTORING sqlb.dc1.litwareinc.com/mgccomp.lsn=4100000000000000000900 sqlb.dc1.litwareinc.com/mgccomp.mirroring=MIRROR,sqla.dc1.litwareinc.com,seq=1\n");
}

/* allowDataLoss: forced service, the mirror becomes principal */
static void test_planner__forced_service_allowed(void **state)
{
	(void)state;
	check_plan("lost_principal_ok", "dc1",
		"plan for pool 'atl-pchat': ready, 2 steps, 0 blocked\n"
		"note: 'sqla.dc1.litwareinc.com' is unreachable (connection timed out): its copies are not verified; no step of this plan needs it\n"
		" 1. move     sql.force_service mgc on sqlb.dc1.litwareinc.com\n"
		"    why: the principal 'sqla.dc1.litwareinc.com' is unreachable: force service on its mirror 'sqlb.dc1.litwareinc.com'\n"
		"    risk: data-loss\n"
		"    facts: sqlb.dc1.litwareinc.com/mgc.state=RESTORING sqlb.dc1.litwareinc.com/mgc.lsn=4100000000000000000450 sqlb.dc1.litwareinc.com/mgc.mirroring=MIRROR,sqla.dc1.litwareinc.com,seq=1\n"
		" 2. move     sql.force_service mgccomp on sqlb.dc1.litwareinc.com\n"
		"    why: the principal 'sqla.dc1.litwareinc.com' is unreachable: force service on its mirror 'sqlb.dc1.litwareinc.com'\n"
		"    risk: data-loss\n"
		"    facts: sqlb.dc1.litwareinc.com/mgccomp.state=RESTORING sqlb.dc1.litwareinc.com/mgccomp.lsn=4100000000000000000900 sqlb.dc1.litwareinc.com/mgccomp.mirroring=MIRROR,sqla.dc1.litwareinc.com,seq=1\n");
}

/* the other site's mirror does not answer; nothing needs it */
static void test_planner__unreachable_unneeded_mirror_blocks_nothing(void **state)
{
	(void)state;
	check_plan("unreach", "dc1",
		"plan for pool 'atl-pchat': converged, 0 steps, 0 blocked\n");
}

/* the secondary does not answer; an active server change does not need it */
static void test_planner__unreachable_secondary_not_needed(void **state)
{
	(void)state;
	check_plan("unreach2", "dc1",
		"plan for pool 'atl-pchat': ready, 1 step, 0 blocked\n"
		"note: 'sqla.dc2.litwareinc.com' is unreachable (connection refused): its copies are not verified; no step of this plan needs it\n"
		" 1. unfence  pool.set_active_servers [pc1.dc1.litwareinc.com]\n"
		"    why: the spec lists other active servers\n"
		"    facts: pool.state=Normal pool.active_servers=pc1.dc1.litwareinc.com,pc2.dc1.litwareinc.com\n");
}
/* clang-format on */

/* The planned switchover never reseeds the old primary: it stays on the chain. */
static void test_planner__planned_switchover_reuses_old_primary(void **state)
{
	struct fx f;
	struct plan plan;
	struct planner_opts o;
	size_t seeds_to_old = 0;

	(void)state;
	fx_init(&f, "dc2");
	sc_build(&f, "converged", &o);
	fx_plan_text(&f, &f.world, &o, &plan);
	for (size_t i = 0; i < plan.n_steps; i++)
		if (plan.steps[i].kind == PLAN_SQL_SEED && model_same_name(plan.steps[i].peer, A1))
			seeds_to_old++;
	assert_int_equal(seeds_to_old, 0);
	assert_int_equal(plan.status, PLAN_READY);
	plan_release(&plan);
	fx_release(&f);
}

/*
 * A switchover that stopped after the tail-log backup (the target went
 * down during its catch-up): the demoted old primary's msdb lists the
 * tail, the target's lists only what it restored. The next plan catches
 * the target up to the tail and recovers it; no seed from a RESTORING
 * authority, nothing blocked.
 */
static void test_planner__resumes_switchover_after_the_tail(void **state)
{
	struct fx f;
	struct plan plan;
	struct planner_opts o;
	struct model_db *c;
	bool caught_up = false, recovered = false;

	(void)state;
	fx_init(&f, "dc2");
	sc_build(&f, "converged", &o);
	model_set_active_servers(&f.world, NULL, 0);
	c = fx_db(&f, A1, "mgc");
	c->state = MODEL_DB_RESTORING;
	c->mirroring = (struct model_mirroring){0};
	c->ls_primary = (struct model_ls_primary){0};
	c = fx_db(&f, B1, "mgc");
	c->mirroring = (struct model_mirroring){0};
	c->ls_primary = (struct model_ls_primary){0};
	c->lsn = fx_lsn(440);
	c = fx_db(&f, A2, "mgc");
	c->ls_secondary = (struct model_ls_secondary){0};
	model_add_backup(&f.world, model_instance(&f.world, A1), "mgc", "mgc_tail.trn", 'L',
	                 fx_lsn(400), fx_lsn(450), "F1", "2026-11-28T12:59:00Z");
	fx_plan_text(&f, &f.world, &o, &plan);
	for (size_t i = 0; i < plan.n_steps; i++) {
		const struct plan_step *s = &plan.steps[i];

		assert_false(s->kind == PLAN_SQL_SEED && model_same_name(s->peer, A2));
		assert_false(s->blocked);
		if (s->kind == PLAN_SQL_CATCH_UP && model_same_name(s->instance, A2)) {
			caught_up = true;
			assert_true(s->has_lsn);
			assert_int_equal(model_lsn_cmp(s->lsn, fx_lsn(450)), 0);
		}
		recovered |= s->kind == PLAN_SQL_RECOVER && model_same_name(s->instance, A2);
	}
	assert_true(caught_up);
	assert_true(recovered);
	assert_int_equal(plan.status, PLAN_READY);
	plan_release(&plan);
	fx_release(&f);
}

/* Rendering is byte-stable: two runs over the same inputs give the same bytes. */
static void test_planner__render_is_stable(void **state)
{
	struct fx f;
	struct plan a, b;
	struct planner_opts o;

	(void)state;
	fx_init(&f, "dc1");
	sc_build(&f, "divergent", &o);
	assert_string_equal(fx_plan_text(&f, &f.world, &o, &a), fx_plan_text(&f, &f.world, &o, &b));
	plan_release(&a);
	plan_release(&b);
	fx_release(&f);
}

/* The planner does not touch the observed model it is given. */
static void test_planner__observed_is_not_modified(void **state)
{
	struct fx f;
	struct plan plan;
	struct planner_opts o;
	struct model before;
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	fx_init(&f, "dc2");
	sc_build(&f, "converged", &o);
	model_copy(&before, &f.arena, &f.world);
	fx_plan_text(&f, &f.world, &o, &plan);
	assert_int_equal(model_diff(&f.desired, &f.world, &sb),
	                 model_diff(&f.desired, &before, NULL));
	assert_int_equal(model_copy_of(&f.world, A1, "mgc")->state, MODEL_DB_ONLINE);
	assert_int_equal(f.world.pool.n_active_servers, 2);
	strbuf_release(&sb);
	plan_release(&plan);
	fx_release(&f);
}

/* serviceFirst: false puts protect before unfence, and unfence after every protect step. */
static void test_planner__service_first_false_protects_before_unfence(void **state)
{
	struct fx f;
	struct plan plan;
	struct planner_opts o;
	size_t last_protect = 0, unfence = 0;

	(void)state;
	fx_init(&f, "dc2");
	f.spec.policy.service_first = false;
	fx_desired(&f);
	sc_build(&f, "converged", &o);
	fx_plan_text(&f, &f.world, &o, &plan);
	for (size_t i = 0; i < plan.n_steps; i++) {
		if (plan.steps[i].phase == PLAN_PHASE_PROTECT)
			last_protect = i;
		if (plan.steps[i].phase == PLAN_PHASE_UNFENCE)
			unfence = i;
	}
	assert_true(unfence > last_protect);
	assert_int_equal(plan.steps[unfence].deps[plan.steps[unfence].n_deps - 1], last_protect);
	assert_int_equal(plan.status, PLAN_READY);
	plan_release(&plan);
	fx_release(&f);
}

/* The fence is verified, not just asked for: servers still pinging the authority are reported. */
static void test_planner__fence_not_holding_is_reported(void **state)
{
	static const char *pinging[] = {"pc2.dc1.litwareinc.com"};
	struct fx f;
	struct plan plan;
	struct planner_opts o;
	const char *text;

	(void)state;
	fx_init(&f, "dc2");
	sc_build(&f, "converged", &o);
	model_set_active_servers(&f.world, NULL, 0);
	f.world.pool.pings = pinging;
	f.world.pool.n_pings = 1;
	text = fx_plan_text(&f, &f.world, &o, &plan);
	assert_non_null(strstr(text, "note: pool: no server is active, yet 1 server(s) recently "
	                             "pinged tblServerIdentity on the authority (first: "
	                             "'pc2.dc1.litwareinc.com')"));
	assert_non_null(strstr(text, "pool.pings=pc2.dc1.litwareinc.com"));
	assert_int_equal(plan.steps[0].kind, PLAN_SQL_REMOVE_MIRRORING); /* no second fence */
	plan_release(&plan);
	fx_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_planner__converged),
	        cmocka_unit_test(test_planner__bootstrap_from_bare),
	        cmocka_unit_test(test_planner__only_active_servers_changed),
	        cmocka_unit_test(test_planner__principal_mirror_swap),
	        cmocka_unit_test(test_planner__role_drift_is_reported_not_reverted),
	        cmocka_unit_test(test_planner__disabled_backup_job_is_reenabled),
	        cmocka_unit_test(test_planner__disabled_restore_job_is_reenabled),
	        cmocka_unit_test(test_planner__disaster_failover_dc1_unreachable),
	        cmocka_unit_test(test_planner__exposure_names_the_last_log_on_the_share),
	        cmocka_unit_test(test_planner__disaster_restores_across_the_fork_point),
	        cmocka_unit_test(test_planner__old_mirror_caught_up_across_fork_points),
	        cmocka_unit_test(test_planner__exposure_time_when_msdb_knows_the_last_restore),
	        cmocka_unit_test(test_planner__planned_switchover_dc1_reachable),
	        cmocka_unit_test(test_planner__failback_after_rebuild_one_reseed),
	        cmocka_unit_test(test_planner__failback_divergent_old_primary_safety_backup_first),
	        cmocka_unit_test(test_planner__reprotect_divergent_old_primary),
	        cmocka_unit_test(test_planner__log_chain_gap_blocks),
	        cmocka_unit_test(test_planner__log_chain_gap_allow_data_loss),
	        cmocka_unit_test(test_planner__forced_service_needs_allow_data_loss),
	        cmocka_unit_test(test_planner__forced_service_allowed),
	        cmocka_unit_test(test_planner__unreachable_unneeded_mirror_blocks_nothing),
	        cmocka_unit_test(test_planner__unreachable_secondary_not_needed),
	        cmocka_unit_test(test_planner__planned_switchover_reuses_old_primary),
	        cmocka_unit_test(test_planner__resumes_switchover_after_the_tail),
	        cmocka_unit_test(test_planner__render_is_stable),
	        cmocka_unit_test(test_planner__observed_is_not_modified),
	        cmocka_unit_test(test_planner__service_first_false_protects_before_unfence),
	        cmocka_unit_test(test_planner__fence_not_holding_is_reported),
	        cmocka_unit_test(test_planner__second_switchover_crosses_the_fork_point),
	        cmocka_unit_test(test_planner__disaster_after_round_trip_catches_the_old_mirror_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
