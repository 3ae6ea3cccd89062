/*
 * Unit tests for reconciler/core/effects.c: each step kind's guard
 * refuses what SQL Server would refuse, and its predicted effect is the
 * documented one (reference sections 2 and 3).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/core/scenarios.h"
#include "util/err.h"

static struct plan_step step(enum plan_step_kind kind, const char *db, const char *inst,
                             const char *peer)
{
	struct plan_step s;

	memset(&s, 0, sizeof(s));
	s.kind = kind;
	s.database = db;
	s.instance = inst;
	s.peer = peer;
	return s;
}

static void test_effects__tail_log_backup_needs_unmirrored_online(void **state)
{
	struct fx f;
	struct plan_step s = step(PLAN_SQL_TAIL_LOG_BACKUP, "mgc", A1, NULL);
	struct plan_step off = step(PLAN_SQL_REMOVE_MIRRORING, "mgc", A1, B1);
	size_t before;

	(void)state;
	fx_init(&f, "dc1");
	fx_converged(&f, "dc1");
	assert_int_equal(effects_apply(&f.world, &s), ERR_CONFLICT); /* still mirrored */
	assert_int_equal(effects_apply(&f.world, &off), 0);
	assert_int_equal(model_copy_of(&f.world, B1, "mgc")->mirroring.role, MODEL_ROLE_NONE);
	assert_int_equal(model_copy_of(&f.world, B1, "mgc")->state, MODEL_DB_RESTORING);
	before = model_instance(&f.world, A2)->n_backups;
	assert_int_equal(effects_apply(&f.world, &s), 0);
	assert_int_equal(model_copy_of(&f.world, A1, "mgc")->state, MODEL_DB_RESTORING);
	assert_int_equal(model_instance(&f.world, A2)->n_backups, before + 1); /* on the share */
	err_clear();
	fx_release(&f);
}

static void test_effects__catch_up_refuses_a_gap(void **state)
{
	struct fx f;
	struct plan_step s = step(PLAN_SQL_CATCH_UP, "mgc", A2, NULL);

	(void)state;
	fx_init(&f, "dc2");
	sc_gap(&f);
	s.has_lsn = true;
	s.lsn = fx_lsn(460);
	assert_int_equal(effects_apply(&f.world, &s), ERR_CONFLICT);
	s.lsn = fx_lsn(420);
	assert_int_equal(effects_apply(&f.world, &s), 0);
	assert_int_equal(model_lsn_cmp(model_copy_of(&f.world, A2, "mgc")->lsn, fx_lsn(420)), 0);
	err_clear();
	fx_release(&f);
}

static void test_effects__recover_starts_a_fork_after_log_shipping_is_dropped(void **state)
{
	struct fx f;
	struct plan_step rec = step(PLAN_SQL_RECOVER, "mgc", A2, NULL);
	struct plan_step drop = step(PLAN_SQL_DROP_LOG_SHIPPING_SECONDARY, "mgc", A2, NULL);
	const struct model_db *c;

	(void)state;
	fx_init(&f, "dc2");
	fx_converged(&f, "dc1");
	assert_int_equal(effects_apply(&f.world, &rec), ERR_CONFLICT);
	assert_int_equal(effects_apply(&f.world, &drop), 0);
	assert_int_equal(effects_apply(&f.world, &rec), 0);
	c = model_copy_of(&f.world, A2, "mgc");
	assert_int_equal(c->state, MODEL_DB_ONLINE);
	assert_string_equal(c->fork_parent, "F1");
	assert_string_not_equal(c->fork, "F1");
	assert_int_equal(effects_apply(&f.world, &rec), ERR_CONFLICT); /* 3153: already recovered */
	err_clear();
	fx_release(&f);
}

static void test_effects__seed_over_online_needs_safety_backup(void **state)
{
	struct fx f;
	struct plan_step seed = step(PLAN_SQL_SEED, "mgc", A2, A1);
	struct plan_step off = step(PLAN_SQL_REMOVE_MIRRORING, "mgc", A1, B1);
	struct plan_step safety = step(PLAN_SQL_SAFETY_BACKUP, "mgc", A1, NULL);

	(void)state;
	fx_init(&f, "dc2");
	sc_dc1_divergent(&f);
	assert_int_equal(effects_apply(&f.world, &seed), ERR_CONFLICT); /* mirrored */
	assert_int_equal(effects_apply(&f.world, &off), 0);
	assert_int_equal(effects_apply(&f.world, &seed), ERR_CONFLICT); /* no safety backup */
	assert_int_equal(effects_apply(&f.world, &safety), 0);
	assert_int_equal(effects_apply(&f.world, &seed), 0);
	assert_int_equal(model_copy_of(&f.world, A1, "mgc")->state, MODEL_DB_RESTORING);
	assert_string_equal(model_copy_of(&f.world, A1, "mgc")->fork, "F2");
	err_clear();
	fx_release(&f);
}

static void test_effects__mirror_failover_needs_synchronized_full(void **state)
{
	struct fx f;
	struct plan_step s = step(PLAN_SQL_MIRROR_FAILOVER, "mgc", A1, B1);
	const struct model_db *b;

	(void)state;
	fx_init(&f, "dc1");
	fx_converged(&f, "dc1");
	model_copy_of(&f.world, A1, "mgc")->mirroring.state = MODEL_MSTATE_SUSPENDED;
	assert_int_equal(effects_apply(&f.world, &s), ERR_CONFLICT);
	model_copy_of(&f.world, A1, "mgc")->mirroring.state = MODEL_MSTATE_SYNCHRONIZED;
	assert_int_equal(effects_apply(&f.world, &s), 0);
	b = model_copy_of(&f.world, B1, "mgc");
	assert_int_equal(b->mirroring.role, MODEL_ROLE_PRINCIPAL);
	assert_int_equal(b->state, MODEL_DB_ONLINE);
	assert_int_equal(b->mirroring.role_sequence, 2);
	err_clear();
	fx_release(&f);
}

static void test_effects__unreachable_target_is_reported(void **state)
{
	struct fx f;
	struct plan_step s = step(PLAN_SQL_SAFETY_BACKUP, "mgc", A1, NULL);
	struct plan_step pool = step(PLAN_POOL_SET_STATE, NULL, NULL, NULL);

	(void)state;
	fx_init(&f, "dc2");
	sc_dc1_lost(&f);
	assert_int_equal(effects_apply(&f.world, &s), ERR_UNREACHABLE);
	f.world.pool.reachable = false;
	assert_int_equal(effects_apply(&f.world, &pool), ERR_UNREACHABLE);
	err_clear();
	fx_release(&f);
}

/* re-running the log shipping configuration enables every job of it, on both sides */
static void test_effects__configure_log_shipping_enables_the_jobs(void **state)
{
	struct fx f;
	struct plan_step s = step(PLAN_SQL_CONFIGURE_LOG_SHIPPING, "mgc", A1, A2);

	(void)state;
	fx_init(&f, "dc1");
	fx_converged(&f, "dc1");
	s.peer2 = B1;
	s.share = f.desired.topo.backup_share;
	fx_db(&f, A1, "mgc")->ls_primary.job_disabled = true;
	fx_db(&f, B1, "mgc")->ls_primary.job_disabled = true;
	fx_db(&f, A2, "mgc")->ls_secondary.job_disabled = true;
	assert_int_not_equal(model_diff(&f.desired, &f.world, NULL), 0);
	assert_int_equal(effects_apply(&f.world, &s), 0);
	assert_false(model_copy_of(&f.world, A1, "mgc")->ls_primary.job_disabled);
	assert_false(model_copy_of(&f.world, B1, "mgc")->ls_primary.job_disabled);
	assert_false(model_copy_of(&f.world, A2, "mgc")->ls_secondary.job_disabled);
	assert_int_equal(model_diff(&f.desired, &f.world, NULL), 0);
	fx_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_effects__tail_log_backup_needs_unmirrored_online),
	        cmocka_unit_test(test_effects__catch_up_refuses_a_gap),
	        cmocka_unit_test(test_effects__recover_starts_a_fork_after_log_shipping_is_dropped),
	        cmocka_unit_test(test_effects__seed_over_online_needs_safety_backup),
	        cmocka_unit_test(test_effects__mirror_failover_needs_synchronized_full),
	        cmocka_unit_test(test_effects__unreachable_target_is_reported),
	        cmocka_unit_test(test_effects__configure_log_shipping_enables_the_jobs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
