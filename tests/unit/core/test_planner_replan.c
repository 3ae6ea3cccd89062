/*
 * Re-planning from every intermediate state: apply a plan's predicted
 * effects one step at a time, as apply would run them, and plan again
 * after each step. A crash anywhere must leave a state from which the
 * next plan still converges (DESIGN.md safety invariant 4): the re-plan
 * is never refused, keeps the same outcome (ready plans stay ready or
 * converge, blocked ones stay blocked for the same reason) and, once
 * every runnable step ran, has nothing left to run. Also a whole round
 * trip: planned failover to dc2, then failback to dc1, counting full
 * seeds of the cross-site copy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "tests/unit/core/scenarios.h"
#include "util/err.h"

static size_t runnable(const struct plan *plan)
{
	return plan->n_steps - plan_blocked_count(plan);
}

/* Apply `plan` step by step to a copy of `world`, re-planning after each; returns the end state. */
static void walk(struct fx *f, struct model *world, const struct planner_opts *o, struct plan *plan,
                 struct model *end)
{
	enum plan_status first = plan->status;

	model_copy(end, &f->arena, world);
	for (size_t i = 0; i < plan->n_steps; i++) {
		struct plan again;
		struct strbuf why = STRBUF_INIT;

		if (plan->steps[i].blocked)
			continue;
		err_clear();
		if (effects_apply(end, &plan->steps[i]) != 0)
			fail_msg("step %zu: %s", i + 1, err_last());
		fx_plan_text(f, end, o, &again);
		if (again.status == PLAN_REFUSED)
			fail_msg("re-plan after step %zu refused: %s", i + 1, again.refusal);
		if (first == PLAN_READY) {
			assert_true(again.status == PLAN_READY || again.status == PLAN_CONVERGED);
			if (model_diff(&f->desired, &again.predicted, &why))
				fail_msg("after step %zu: %s", i + 1, strbuf_cstr(&why));
		} else {
			assert_int_equal(again.status, first);
		}
		strbuf_release(&why);
		plan_release(&again);
	}
}

static void replan_scenario(const char *world, const char *spec)
{
	struct fx f;
	struct plan plan, last;
	struct planner_opts o;
	struct model end;

	fx_init(&f, spec);
	sc_build(&f, world, &o);
	fx_plan_text(&f, &f.world, &o, &plan);
	assert_true(plan.status == PLAN_READY || plan.status == PLAN_BLOCKED);
	walk(&f, &f.world, &o, &plan, &end);
	fx_plan_text(&f, &end, &o, &last);
	assert_int_equal(runnable(&last), 0);
	if (plan.status == PLAN_READY)
		assert_int_equal(last.status, PLAN_CONVERGED);
	plan_release(&last);
	plan_release(&plan);
	fx_release(&f);
}

static void test_planner__replan_planned_failover(void **state)
{
	(void)state;
	replan_scenario("converged", "dc2");
}

static void test_planner__replan_disaster_failover(void **state)
{
	(void)state;
	replan_scenario("lost", "dc2");
}

static void test_planner__replan_failback_after_rebuild(void **state)
{
	(void)state;
	replan_scenario("rebuilt", "dc1");
}

static void test_planner__replan_failback_divergent(void **state)
{
	(void)state;
	replan_scenario("divergent", "dc1");
}

static void test_planner__replan_bootstrap(void **state)
{
	(void)state;
	replan_scenario("bare", "dc1");
}

static void test_planner__replan_mirror_swap(void **state)
{
	(void)state;
	replan_scenario("swap", "dc1");
}

static size_t count(const struct plan *plan, enum plan_step_kind kind, const char *peer)
{
	size_t n = 0;

	for (size_t i = 0; i < plan->n_steps; i++)
		n += plan->steps[i].kind == kind && model_same_name(plan->steps[i].peer, peer);
	return n;
}

/* Failover to dc2 and back, both planned: the cross-site copy is never reseeded. */
static void test_planner__round_trip_never_reseeds_across_sites(void **state)
{
	struct fx f;
	struct plan over, back, done;
	struct planner_opts o;
	struct model after_over, after_back;

	(void)state;
	fx_init(&f, "dc2");
	sc_build(&f, "converged", &o);
	fx_plan_text(&f, &f.world, &o, &over);
	assert_int_equal(over.status, PLAN_READY);
	walk(&f, &f.world, &o, &over, &after_over);
	assert_int_equal(count(&over, PLAN_SQL_SEED, A1), 0);

	fx_spec(&f, "dc1");
	fx_desired(&f);
	fx_plan_text(&f, &after_over, &o, &back);
	assert_int_equal(back.status, PLAN_READY);
	assert_int_equal(count(&back, PLAN_SQL_SEED, A1), 0);
	assert_int_equal(count(&back, PLAN_SQL_SEED, A2), 0);
	assert_int_equal(count(&back, PLAN_SQL_TAIL_LOG_BACKUP, NULL), 1);
	walk(&f, &after_over, &o, &back, &after_back);
	fx_plan_text(&f, &after_back, &o, &done);
	assert_int_equal(done.status, PLAN_CONVERGED);
	plan_release(&over);
	plan_release(&back);
	plan_release(&done);
	fx_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_planner__replan_planned_failover),
	        cmocka_unit_test(test_planner__replan_disaster_failover),
	        cmocka_unit_test(test_planner__replan_failback_after_rebuild),
	        cmocka_unit_test(test_planner__replan_failback_divergent),
	        cmocka_unit_test(test_planner__replan_bootstrap),
	        cmocka_unit_test(test_planner__replan_mirror_swap),
	        cmocka_unit_test(test_planner__round_trip_never_reseeds_across_sites),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
