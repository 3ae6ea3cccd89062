/*
 * plan_fixture: a small hand-made plan for the rendering tests: a fence,
 * a blocked recover with data-loss risk, a pool state switch and an
 * unfence, with notes, facts and dependencies, so every part of the
 * markdown and JSON renderings appears once. Header-only.
 */
#ifndef PCDR_TESTS_UNIT_PLAN_FIXTURE_H
#define PCDR_TESTS_UNIT_PLAN_FIXTURE_H

#include "reconciler/core/plan.h"

static inline void pf_plan(struct plan *plan)
{
	static const char *servers[] = {"pc1.dc2", "pc2.dc2"};
	struct plan_step *s;

	plan_init(plan);
	plan->pool_name = "atl";
	plan->status = PLAN_BLOCKED;
	plan_add_note(plan,
	              "exposure: 'mgc' on lost authority 'a1': changes after LSN 440 are lost");
	plan_add_note(plan, "'b1' is unreachable | pipes are escaped");
	s = plan_add_step(plan, PLAN_POOL_SET_ACTIVE_SERVERS, PLAN_PHASE_FENCE);
	s->reason = "fence: mgc moves";
	s->risk = PLAN_RISK_OUTAGE;
	plan_step_add_fact(plan, s, "pool.state", "Normal");
	s = plan_add_step(plan, PLAN_SQL_RECOVER, PLAN_PHASE_MOVE);
	s->database = "mgc";
	s->instance = "SQL2\\PCHAT";
	s->reason = "bring it online";
	s->risk = PLAN_RISK_DATA_LOSS;
	s->blocked = true;
	s->blocked_reason = "'SQL2\\PCHAT' is unreachable";
	plan_step_add_dep(plan, s, 0);
	plan_step_add_fact(plan, s, "SQL2\\PCHAT.reachable", "false");
	plan_step_add_fact(plan, s, "pool.state", "Normal");
	s = plan_add_step(plan, PLAN_POOL_SET_STATE, PLAN_PHASE_SWITCH);
	s->pool_state = MODEL_POOL_FAILED_OVER;
	s->reason = "use dc2";
	plan_step_add_dep(plan, s, 0);
	plan_step_add_dep(plan, s, 1);
	s = plan_add_step(plan, PLAN_POOL_SET_ACTIVE_SERVERS, PLAN_PHASE_UNFENCE);
	s->servers = servers;
	s->n_servers = 2;
	s->reason = "unfence";
	plan_step_add_dep(plan, s, 2);
}

#endif
