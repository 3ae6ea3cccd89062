/*
 * Unit tests for reconciler/plan/observed.c, fed from hand-built
 * providers/mssql facts (what observe.c parses from one batch) and pool
 * command status: the lab world converged on dc1, with one instance that
 * did not answer, SQL Server's own spellings of partner and log shipping
 * server names (a short name that two sites share stays ambiguous: the
 * TCP:// partner name decides), and the pool command failing. The converted model is
 * checked field by field and planned: a converged world plans no step
 * (sqlb.dc2, which does not answer, is not managed: no note either).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "reconciler/core/desired.h"
#include "reconciler/core/planner.h"
#include "reconciler/core/render.h"
#include "reconciler/plan/observed.h"
#include "tests/unit/core/fixture.h"

#define LSN(k) "41000000000000000" k

struct world {
	struct fx fx;
	struct mssql_facts facts[4];
	char *servers[2];
	struct poolcmd_status pool;
};

#define ALLOC(f, field, n)                                                                         \
	do {                                                                                       \
		(f)->field = arena_calloc(&(f)->arena, (n), sizeof(*(f)->field));                  \
		(f)->n_##field = (n);                                                              \
	} while (0)

static void db(struct mssql_facts *f, size_t i, const char *name, const char *state)
{
	f->databases[i] = (struct mssql_obs_database){.name = name,
	                                              .database_id = 5 + (int)i,
	                                              .state = !strcmp(state, "ONLINE") ? 0 : 1,
	                                              .state_desc = state,
	                                              .recovery_model_desc = "FULL"};
}

static void mirror(struct mssql_facts *f, size_t i, const char *dbname, const char *role,
                   const char *partner_instance, const char *partner_name, const char *eol)
{
	f->mirroring[i] = (struct mssql_obs_mirroring){.database = dbname,
	                                               .role_desc = role,
	                                               .state_desc = "SYNCHRONIZED",
	                                               .safety_level_desc = "FULL",
	                                               .partner_instance = partner_instance,
	                                               .partner_name = partner_name,
	                                               .role_sequence = 1,
	                                               .end_of_log_lsn = eol};
}

static void recovery(struct mssql_facts *f, size_t i, const char *dbname, const char *fork,
                     const char *redo, const char *last_log)
{
	f->recovery[i] = (struct mssql_obs_recovery){.database = dbname,
	                                             .recovery_fork_guid = fork,
	                                             .first_recovery_fork_guid = fork,
	                                             .last_log_backup_lsn = last_log,
	                                             .redo_start_lsn = redo,
	                                             .redo_start_fork_guid = redo ? fork : NULL};
}

static void ls_primary(struct mssql_facts *f, const char *secondary)
{
	ALLOC(f, ls_primary, 1);
	f->ls_primary[0] = (struct mssql_obs_ls_primary){.primary_database = "mgc",
	                                                 .backup_share = FX_SHARE,
	                                                 .backup_job_enabled = 1,
	                                                 .secondary_server = secondary,
	                                                 .secondary_database = "mgc"};
}

/* sqla.dc1: mgc and mgccomp principals, reported with short server names. */
static void a1(struct mssql_facts *f)
{
	mssql_facts_init(f, "sqla.dc1.litwareinc.com");
	f->sections = ~0u;
	ALLOC(f, databases, 2);
	db(f, 0, "mgc", "ONLINE");
	db(f, 1, "mgccomp", "ONLINE");
	ALLOC(f, mirroring, 2);
	mirror(f, 0, "mgc", "PRINCIPAL", "SQLB", "TCP://sqlb.dc1.litwareinc.com:5022", LSN("0450"));
	mirror(f, 1, "mgccomp", "PRINCIPAL", NULL, "TCP://sqlb.dc1.litwareinc.com:5022",
	       LSN("0900"));
	ls_primary(f, "SQLA.dc2.litwareinc.com");
	ALLOC(f, recovery, 2);
	recovery(f, 0, "mgc", "F1", NULL, LSN("0400"));
	recovery(f, 1, "mgccomp", "C1", NULL, NULL);
	ALLOC(f, sessions, 1);
	f->sessions[0] = (struct mssql_obs_sessions){"mgc", 12};
	ALLOC(f, server_identity, 2);
	f->server_identity[0] = (struct mssql_obs_server_identity){
	        1, "net.tcp://pc1.dc1.litwareinc.com:8011", "2026-11-28T13:59:00.000", "mgc"};
	f->server_identity[1] = (struct mssql_obs_server_identity){
	        2, "pc2.dc1.litwareinc.com", "2026-11-28T12:00:00.000", "mgc"};
}

static void b1(struct mssql_facts *f)
{
	mssql_facts_init(f, "sqlb.dc1.litwareinc.com");
	ALLOC(f, databases, 2);
	db(f, 0, "mgc", "RESTORING");
	db(f, 1, "mgccomp", "RESTORING");
	ALLOC(f, mirroring, 2);
	mirror(f, 0, "mgc", "MIRROR", "SQLA", "TCP://sqla.dc1.litwareinc.com:5022", NULL);
	mirror(f, 1, "mgccomp", "MIRROR", "SQLA", "TCP://sqla.dc1.litwareinc.com:5022", NULL);
	ls_primary(f, "sqla.dc2.litwareinc.com");
	ALLOC(f, recovery, 2);
	recovery(f, 0, "mgc", "F1", LSN("0450"), NULL);
	recovery(f, 1, "mgccomp", "C1", LSN("0900"), NULL);
}

/* sqla.dc2: mgc as log shipping secondary, logs 100..400 restored. */
static void a2(struct mssql_facts *f)
{
	mssql_facts_init(f, "sqla.dc2.litwareinc.com");
	ALLOC(f, databases, 2);
	db(f, 0, "mgc", "RESTORING");
	db(f, 1, "mgccomp", "ONLINE");
	ALLOC(f, ls_secondary, 1);
	f->ls_secondary[0] =
	        (struct mssql_obs_ls_secondary){.secondary_database = "mgc",
	                                        .primary_server = "SQLA.DC1.LITWAREINC.COM",
	                                        .primary_database = "mgc",
	                                        .last_copied_file = "D:\\pchat-ls\\mgc_300.trn",
	                                        .last_restored_file = "D:\\pchat-ls\\mgc_300.trn",
	                                        .copy_job_enabled = 1,
	                                        .restore_job_enabled = 1};
	ALLOC(f, recovery, 2);
	recovery(f, 0, "mgc", "F1", LSN("0400"), NULL);
	recovery(f, 1, "mgccomp", "C2", NULL, LSN("0800"));
	ALLOC(f, backups, 4);
	for (int i = 0; i < 3; i++) {
		static const char *const lsns[] = {LSN("0100"), LSN("0200"), LSN("0300"),
		                                   LSN("0400")};
		f->backups[i] = (struct mssql_obs_backup){.database = "mgc",
		                                          .type = 'L',
		                                          .first_lsn = lsns[i],
		                                          .last_lsn = lsns[i + 1],
		                                          .finish_date = "2026-11-28T12:00:00.000",
		                                          .last_recovery_fork_guid = "F1",
		                                          .physical_device_name = "mgc.trn"};
	}
	f->backups[3] = (struct mssql_obs_backup){.database = "mgc", .type = 'I'};
}

static void world_init(struct world *w)
{
	fx_init(&w->fx, "dc1");
	a1(&w->facts[0]);
	b1(&w->facts[1]);
	a2(&w->facts[2]);
	mssql_facts_init(&w->facts[3], "sqlb.dc2.litwareinc.com");
	w->facts[3].failure = MSSQL_FAIL_UNREACHABLE;
	w->facts[3].reason = "cannot connect to 'sqlb.dc2.litwareinc.com': connection refused";
	w->servers[0] = "pc1.dc1.litwareinc.com";
	w->servers[1] = "pc2.dc1.litwareinc.com";
	w->pool = (struct poolcmd_status){POOLCMD_NORMAL, w->servers, 2};
}

static void world_release(struct world *w)
{
	for (size_t i = 0; i < 4; i++)
		mssql_facts_release(&w->facts[i]);
	fx_release(&w->fx);
}

static void convert(struct world *w, struct model *out, bool pool_ok)
{
	struct observed_input in = {.desired = &w->fx.desired,
	                            .facts = w->facts,
	                            .n_facts = 4,
	                            .pool = pool_ok ? &w->pool : NULL,
	                            .pool_error = "pool command 'get' for 'atl-pchat' timed out",
	                            .now = 1795874400, /* 2026-11-28T14:00:00Z */
	                            .ping_window_s = 300};

	observed_from_facts(out, &w->fx.arena, &in);
}

/* A job disabled by hand (sysjobs.enabled = 0) is observed; a job that is gone (-1) is not this. */
static void test_observed__disabled_jobs(void **state)
{
	struct world w;
	struct model m;

	(void)state;
	world_init(&w);
	w.facts[0].ls_primary[0].backup_job_enabled = 0;
	w.facts[1].ls_primary[0].backup_job_enabled = -1;
	w.facts[2].ls_secondary[0].restore_job_enabled = 0;
	convert(&w, &m, true);
	assert_true(model_copy_of(&m, "sqla.dc1.litwareinc.com", "mgc")->ls_primary.job_disabled);
	assert_false(model_copy_of(&m, "sqlb.dc1.litwareinc.com", "mgc")->ls_primary.job_disabled);
	assert_true(model_copy_of(&m, "sqla.dc2.litwareinc.com", "mgc")->ls_secondary.job_disabled);
	world_release(&w);
}

static void test_observed__fields(void **state)
{
	struct world w;
	struct model m;
	struct model_db *c;
	char lsn[MODEL_LSN_STRLEN];

	(void)state;
	world_init(&w);
	convert(&w, &m, true);
	assert_int_equal(m.n_instances, 4);
	c = model_copy_of(&m, "sqla.dc1.litwareinc.com", "mgc");
	assert_int_equal(c->state, MODEL_DB_ONLINE);
	assert_int_equal(c->mirroring.role, MODEL_ROLE_PRINCIPAL);
	assert_int_equal(c->mirroring.state, MODEL_MSTATE_SYNCHRONIZED);
	assert_int_equal(c->mirroring.safety, MODEL_SAFETY_FULL);
	assert_string_equal(c->mirroring.partner, "sqlb.dc1.litwareinc.com");
	assert_true(c->ls_primary.configured);
	assert_int_equal(c->ls_primary.n_secondaries, 1);
	assert_string_equal(c->ls_primary.secondaries[0], "sqla.dc2.litwareinc.com");
	assert_false(c->ls_primary.job_disabled);
	assert_string_equal(c->fork, "F1");
	assert_null(c->fork_parent);
	model_lsn_format(c->lsn, lsn);
	assert_string_equal(lsn, LSN("0450")); /* the mirroring end of log */
	assert_int_equal(c->user_sessions, 12);
	c = model_copy_of(&m, "sqla.dc1.litwareinc.com", "mgccomp");
	assert_string_equal(c->mirroring.partner, "sqlb.dc1.litwareinc.com"); /* from TCP:// */
	c = model_copy_of(&m, "sqla.dc2.litwareinc.com", "mgc");
	assert_int_equal(c->state, MODEL_DB_RESTORING);
	assert_true(c->ls_secondary.configured);
	assert_string_equal(c->ls_secondary.primary, "sqla.dc1.litwareinc.com");
	assert_string_equal(c->ls_secondary.last_restored_file, "D:\\pchat-ls\\mgc_300.trn");
	assert_false(c->ls_secondary.job_disabled);
	model_lsn_format(c->ls_secondary.last_restored_lsn, lsn);
	assert_string_equal(lsn, LSN("0400"));
	assert_int_equal(model_instance(&m, "sqla.dc2.litwareinc.com")->n_backups, 3);
	c = model_copy_of(&m, "sqla.dc2.litwareinc.com", "mgccomp");
	model_lsn_format(c->lsn, lsn);
	assert_string_equal(lsn, LSN("0800")); /* last_log_backup_lsn without mirroring */
	assert_false(model_instance(&m, "sqlb.dc2.litwareinc.com")->reachable);
	assert_string_equal(model_instance(&m, "sqlb.dc2.litwareinc.com")->unreachable_reason,
	                    "cannot connect to 'sqlb.dc2.litwareinc.com': connection refused");
	assert_true(m.pool.reachable);
	assert_int_equal(m.pool.state, MODEL_POOL_NORMAL);
	assert_int_equal(m.pool.n_active_servers, 2);
	assert_int_equal(m.pool.n_pings, 1); /* pc2's ping is two hours old */
	assert_string_equal(m.pool.pings[0],
	                    "pc1.dc1.litwareinc.com"); /* from net.tcp://...:8011 */
	world_release(&w);
}

/*
 * A demoted authority (RESTORING after its tail-log backup): the recovery
 * view gives no first fork then; a set in its msdb that crosses into its
 * fork (its first log backup after it recovered at the fork point) names
 * the parent fork and the fork point.
 */
static void test_observed__fork_point_of_a_restoring_copy_from_msdb(void **state)
{
	struct world w;
	struct model m;
	struct model_db *c;
	char lsn[MODEL_LSN_STRLEN];

	(void)state;
	world_init(&w);
	w.facts[2].recovery[0].recovery_fork_guid = NULL; /* NULL while RESTORING */
	w.facts[2].recovery[0].first_recovery_fork_guid = NULL;
	w.facts[2].recovery[0].redo_start_fork_guid = "F2";
	w.facts[2].backups[1].first_recovery_fork_guid = "F1";
	w.facts[2].backups[1].last_recovery_fork_guid = "F2";
	w.facts[2].backups[1].fork_point_lsn = LSN("0200");
	w.facts[2].backups[2].first_recovery_fork_guid = "F2";
	w.facts[2].backups[2].last_recovery_fork_guid = "F2";
	convert(&w, &m, true);
	c = model_copy_of(&m, "sqla.dc2.litwareinc.com", "mgc");
	assert_string_equal(c->fork, "F2");
	assert_non_null(c->fork_parent);
	assert_string_equal(c->fork_parent, "F1");
	model_lsn_format(c->fork_lsn, lsn);
	assert_string_equal(lsn, LSN("0200"));
	c = model_copy_of(&m, "sqla.dc1.litwareinc.com", "mgc"); /* no such set: unchanged */
	assert_null(c->fork_parent);
	world_release(&w);
}

static void test_observed__converged_world_plans_nothing(void **state)
{
	struct world w;
	struct model m;
	struct plan plan;
	struct strbuf text = STRBUF_INIT;

	(void)state;
	world_init(&w);
	convert(&w, &m, true);
	plan_init(&plan);
	planner_run(&plan, &w.fx.desired, &m, &(struct planner_opts){0});
	render_text(&plan, &text);
	assert_string_equal(strbuf_cstr(&text),
	                    "plan for pool 'atl-pchat': converged, 0 steps, 0 blocked\n");
	strbuf_release(&text);
	plan_release(&plan);
	world_release(&w);
}

static void test_observed__pool_command_failed(void **state)
{
	struct world w;
	struct model m;

	(void)state;
	world_init(&w);
	convert(&w, &m, false);
	assert_false(m.pool.reachable);
	assert_int_equal(m.pool.state, MODEL_POOL_UNKNOWN);
	assert_string_equal(m.pool.unreachable_reason,
	                    "pool command 'get' for 'atl-pchat' timed out");
	world_release(&w);
}

static void test_observed__missing_facts_are_unreachable(void **state)
{
	struct world w;
	struct model m;
	struct observed_input in = {0};

	(void)state;
	world_init(&w);
	in.desired = &w.fx.desired;
	in.facts = w.facts;
	in.n_facts = 1;
	in.pool = &w.pool;
	observed_from_facts(&m, &w.fx.arena, &in);
	assert_true(model_instance(&m, "sqla.dc1.litwareinc.com")->reachable);
	assert_false(model_instance(&m, "sqlb.dc1.litwareinc.com")->reachable);
	assert_string_equal(model_instance(&m, "sqlb.dc1.litwareinc.com")->unreachable_reason,
	                    "not observed");
	assert_int_equal(m.pool.n_pings, 2); /* no clock given: every ping counts */
	/* several pools on one instance: a pool counts its own chat database's pings */
	in.chat_database = "MGC";
	observed_from_facts(&m, &w.fx.arena, &in);
	assert_int_equal(m.pool.n_pings, 2);
	in.chat_database = "mgc2";
	observed_from_facts(&m, &w.fx.arena, &in);
	assert_int_equal(m.pool.n_pings, 0);
	world_release(&w);
}

static void test_observed__instance_names(void **state)
{
	struct fx f;
	struct arena arena;
	struct model m;

	(void)state;
	fx_init(&f, "dc1");
	/* both sites have a "sqlb": a short name alone is ambiguous and left as it is */
	assert_string_equal(observed_instance_name(&f.desired, "SQLB"), "SQLB");
	assert_string_equal(
	        observed_instance_name(&f.desired, "TCP://sqla.dc2.litwareinc.com:5022"),
	        "sqla.dc2.litwareinc.com");
	assert_string_equal(observed_instance_name(&f.desired, "SQLA.DC1.LITWAREINC.COM"),
	                    "sqla.dc1.litwareinc.com");
	assert_string_equal(observed_instance_name(&f.desired, "other.example"), "other.example");
	assert_null(observed_instance_name(&f.desired, NULL));
	fx_release(&f);

	arena_init(&arena);
	model_init(&m, &arena, "p");
	model_add_instance(&m, "sql1.dc1.example", "dc1");
	model_add_instance(&m, "SQL2\\PCHAT,1433", "dc2");
	assert_string_equal(observed_instance_name(&m, "SQL1"), "sql1.dc1.example");
	assert_string_equal(observed_instance_name(&m, "sql2\\pchat"), "SQL2\\PCHAT,1433");
	assert_string_equal(observed_instance_name(&m, "SQL2\\OTHER"), "SQL2\\OTHER");
	arena_release(&arena);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_observed__fields),
	        cmocka_unit_test(test_observed__fork_point_of_a_restoring_copy_from_msdb),
	        cmocka_unit_test(test_observed__disabled_jobs),
	        cmocka_unit_test(test_observed__converged_world_plans_nothing),
	        cmocka_unit_test(test_observed__pool_command_failed),
	        cmocka_unit_test(test_observed__missing_facts_are_unreachable),
	        cmocka_unit_test(test_observed__instance_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
