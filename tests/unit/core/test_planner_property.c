/*
 * Property test of the planner: thousands of generated observed worlds
 * (a deterministic xorshift PRNG with a fixed seed, so every run checks
 * the same cases) for generated specs. For every plan:
 *  - it ends in a known status; ready/converged plans predict exactly the
 *    desired state and re-planning from that prediction plans nothing;
 *    blocked plans name the reason of every blocked step; the only refusal
 *    is role drift (a failover by hand under an unchanged spec): every
 *    other generated world plans on paper;
 *  - the runnable steps never break a safety invariant (checked here
 *    independently of the planner, by simulating the steps with their
 *    effects): no unfence before the pool state switch, a fence before
 *    the authority moves, nothing restored, seeded or partnered onto the
 *    authority, a safety backup before an ONLINE copy is overwritten, and
 *    nothing that loses data without allowDataLoss.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>

#include "reconciler/core/authority.h"
#include "tests/unit/core/scenarios.h"
#include "util/err.h"

#define CASES 5000

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	r->s ^= r->s >> 12;
	r->s ^= r->s << 25;
	r->s ^= r->s >> 27;
	return r->s * 2685821657736338717ULL;
}

static bool chance(struct rng *r, unsigned percent)
{
	return rng_next(r) % 100 < percent;
}

static unsigned pick(struct rng *r, unsigned n)
{
	return (unsigned)(rng_next(r) % n);
}

static const char *all_servers[] = {"pc1.dc1.litwareinc.com", "pc2.dc1.litwareinc.com",
                                    "pc1.dc2.litwareinc.com", "pc2.dc2.litwareinc.com"};

static void gen_spec(struct fx *f, struct rng *r)
{
	fx_init(f, chance(r, 50) ? "dc1" : "dc2");
	if (chance(r, 20)) {
		f->sites[0].principal = B1;
		f->sites[0].mirror = A1;
	}
	if (chance(r, 20))
		f->sites[1].mirror = NULL;
	if (chance(r, 25))
		f->spec.n_databases = 1;
	if (chance(r, 10))
		f->spec.log_shipping.enabled = false;
	if (chance(r, 20))
		f->spec.n_active_servers = 1;
	f->spec.policy.allow_data_loss = chance(r, 25);
	f->spec.policy.service_first = chance(r, 70);
	fx_desired(f);
}

static void gen_base(struct fx *f, struct rng *r)
{
	switch (pick(r, 8)) {
	case 0:
		fx_converged(f, "dc1");
		break;
	case 1:
		fx_converged(f, "dc2");
		break;
	case 2:
		sc_bare(f);
		break;
	case 3:
		sc_failed_over(f);
		break;
	case 4:
		sc_dc1_rebuilt(f);
		break;
	case 5:
		sc_dc1_divergent(f);
		break;
	case 6:
		sc_shipped_ahead(f);
		break;
	default: /* a hole in the shipped chain; the primary itself is past it */
		fx_converged(f, "dc1");
		fx_mirrored(f, A1, B1, "mgc", "F1", fx_lsn(470));
		fx_logs(f, "F1", 400, 420, 20);
		fx_logs(f, "F1", 440, 460, 20);
		break;
	}
}

static void drop_db(struct model_instance *i, size_t j)
{
	i->dbs[j] = i->dbs[i->n_dbs - 1];
	i->n_dbs--;
}

static void mutate_db(struct rng *r, struct model_db *c)
{
	if (chance(r, 8) && c->mirroring.role == MODEL_ROLE_NONE) {
		/* recovered by hand (a new fork), or restored over by hand */
		c->state = c->state == MODEL_DB_ONLINE ? MODEL_DB_RESTORING : MODEL_DB_ONLINE;
		if (c->state == MODEL_DB_ONLINE)
			c->fork = "R1";
	}
	if (chance(r, 8))
		memset(&c->mirroring, 0, sizeof(c->mirroring));
	if (chance(r, 5))
		c->mirroring.state = MODEL_MSTATE_SUSPENDED;
	if (chance(r, 5))
		c->mirroring.safety = MODEL_SAFETY_OFF;
	if (chance(r, 8))
		memset(&c->ls_primary, 0, sizeof(c->ls_primary));
	if (chance(r, 8))
		memset(&c->ls_secondary, 0, sizeof(c->ls_secondary));
	if (chance(r, 5) && c->state == MODEL_DB_RESTORING &&
	    c->mirroring.role == MODEL_ROLE_NONE) {
		c->state = MODEL_DB_ONLINE;
		c->is_in_standby = true;
		c->user_sessions = 1 + pick(r, 3);
	}
	if (chance(r, 8) && c->state == MODEL_DB_RESTORING && c->mirroring.role == MODEL_ROLE_NONE)
		c->lsn = fx_lsn(100 + 20 * pick(r, 20)); /* a secondary that fell behind */
	if (chance(r, 4) && c->mirroring.role == MODEL_ROLE_NONE)
		c->fork = chance(r, 50) ? "F9" : "F1";
}

static void gen_world(struct fx *f, struct rng *r)
{
	gen_base(f, r);
	for (size_t i = 0; i < f->world.n_instances; i++) {
		struct model_instance *inst = &f->world.instances[i];

		for (size_t j = inst->n_dbs; j-- > 0;) {
			if (chance(r, 6))
				drop_db(inst, j);
			else if (chance(r, 40))
				mutate_db(r, &inst->dbs[j]);
		}
		if (chance(r, 10))
			fx_unreachable(f, inst->name, "generated");
	}
	if (chance(r, 20))
		f->world.pool.state = f->world.pool.state == MODEL_POOL_NORMAL
		                              ? MODEL_POOL_FAILED_OVER
		                              : MODEL_POOL_NORMAL;
	if (chance(r, 30))
		model_set_active_servers(&f->world, all_servers + 2 * pick(r, 2), pick(r, 3));
	if (chance(r, 4)) {
		f->world.pool.reachable = false;
		f->world.pool.unreachable_reason = "generated";
	}
}

struct checker {
	const struct fx *f;
	const struct plan *plan;
	struct model sim;
	const char *authority[2]; /* per database of the spec */
	bool fenced, switched, has_switch;
};

static bool is_move(enum plan_step_kind k)
{
	return k == PLAN_SQL_TAIL_LOG_BACKUP || k == PLAN_SQL_RECOVER;
}

static void check_targets(struct checker *c, const struct plan_step *s, size_t n)
{
	size_t k = strcmp(s->database, "mgc") == 0 ? 0 : 1;
	const char *auth = c->authority[k];
	const char *target = s->kind == PLAN_SQL_CATCH_UP ? s->instance
	                     : s->kind == PLAN_SQL_SEED || s->kind == PLAN_SQL_ESTABLISH_MIRRORING
	                             ? s->peer
	                             : NULL;
	const struct model_db *t = target ? model_copy_of(&c->sim, target, s->database) : NULL;

	if (target && auth && model_same_name(target, auth))
		fail_msg("step %zu (%s) targets the authority '%s'", n,
		         plan_step_kind_name(s->kind), auth);
	if (s->kind == PLAN_SQL_SEED && t && t->state == MODEL_DB_ONLINE && !t->is_in_standby &&
	    !t->safety_backup_taken)
		fail_msg("step %zu overwrites an ONLINE copy without a safety backup", n);
	if ((s->kind == PLAN_SQL_FORCE_SERVICE || s->risk == PLAN_RISK_DATA_LOSS) &&
	    s->kind != PLAN_SQL_RECOVER && !c->f->desired.topo.allow_data_loss)
		fail_msg("step %zu may lose data without allowDataLoss", n);
}

static void check_pool(struct checker *c, const struct plan_step *s, size_t n)
{
	if (s->kind == PLAN_POOL_SET_STATE)
		c->switched = true;
	if (s->kind != PLAN_POOL_SET_ACTIVE_SERVERS)
		return;
	if (s->n_servers == 0)
		c->fenced = true;
	else if (c->has_switch && !c->switched)
		fail_msg("step %zu unfences before the pool state switch", n);
}

static void follow_authority(struct checker *c, const struct plan_step *s)
{
	size_t k = strcmp(s->database, "mgc") == 0 ? 0 : 1;

	if (s->kind == PLAN_SQL_RECOVER || s->kind == PLAN_SQL_FORCE_SERVICE)
		c->authority[k] = s->instance;
	else if (s->kind == PLAN_SQL_MIRROR_FAILOVER)
		c->authority[k] = s->peer;
}

static void check_invariants(const struct fx *f, const struct model *world, const struct plan *plan)
{
	struct checker c = {.f = f, .plan = plan};
	struct arena a = ARENA_INIT;
	struct authority au;

	model_copy(&c.sim, &a, world);
	authority_find(&au, &f->desired, world, "mgc");
	c.authority[0] = au.kind == AUTHORITY_NONE ? NULL : au.instance;
	for (size_t i = 0; i < plan->n_steps; i++)
		c.has_switch |=
		        plan->steps[i].kind == PLAN_POOL_SET_STATE && !plan->steps[i].blocked;
	c.fenced = world->pool.reachable && world->pool.n_active_servers == 0;
	for (size_t i = 0; i < plan->n_steps; i++) {
		const struct plan_step *s = &plan->steps[i];

		if (s->blocked)
			continue;
		if (s->database) {
			if (is_move(s->kind) && plan->steps[i].group > 0 && !c.fenced)
				fail_msg("step %zu moves the authority before the fence", i + 1);
			check_targets(&c, s, i + 1);
			follow_authority(&c, s);
		} else {
			check_pool(&c, s, i + 1);
		}
		err_clear();
		if (effects_apply(&c.sim, s) != 0)
			fail_msg("step %zu does not apply: %s", i + 1, err_last());
	}
	arena_release(&a);
}

static void check_outcome(struct fx *f, const struct model *world, const struct plan *plan,
                          const struct planner_opts *o, size_t *counts)
{
	counts[plan->status]++;
	if (plan->status == PLAN_READY || plan->status == PLAN_CONVERGED) {
		struct plan again;
		struct strbuf why = STRBUF_INIT;

		if (model_diff(&f->desired, &plan->predicted, &why))
			fail_msg("ready plan misses the desired state: %s", strbuf_cstr(&why));
		fx_plan_text(f, &plan->predicted, o, &again);
		if (again.status != PLAN_CONVERGED)
			fail_msg("re-plan from the prediction is %s, not converged",
			         plan_status_name(again.status));
		plan_release(&again);
		strbuf_release(&why);
	} else if (plan->status == PLAN_BLOCKED) {
		for (size_t i = 0; i < plan->n_steps; i++)
			if (plan->steps[i].blocked)
				assert_non_null(plan->steps[i].blocked_reason);
	} else {
		/* every generated world plans on paper; only role drift is refused */
		assert_non_null(plan->refusal);
		if (strncmp(plan->refusal, "role drift", 10) != 0)
			fail_msg("refused: %s", plan->refusal);
	}
	(void)world;
}

static void test_planner_property__generated_worlds(void **state)
{
	struct rng r = {0x9e3779b97f4a7c15ULL};
	size_t counts[4] = {0};

	(void)state;
	for (unsigned n = 0; n < CASES; n++) {
		struct fx f;
		struct plan plan;
		struct planner_opts o = {0};

		gen_spec(&f, &r);
		gen_world(&f, &r);
		if (chance(&r, 20)) {
			model_copy(&f.previous, &f.arena, &f.desired);
			o.previous = &f.previous;
		}
		fx_plan_text(&f, &f.world, &o, &plan);
		check_outcome(&f, &f.world, &plan, &o, counts);
		if (getenv("PCDR_PROPERTY_SHOW_CASE") &&
		    strtoul(getenv("PCDR_PROPERTY_SHOW_CASE"), NULL, 10) == n) {
			printf("%s", fx_plan_text(&f, &f.world, &o, &plan));
			fx_dump_world(stdout, &f.world);
		}
		if (plan.status != PLAN_REFUSED)
			check_invariants(&f, &f.world, &plan);
		else if (getenv("PCDR_PROPERTY_SHOW_REFUSED")) {
			printf("# case %u refused (spec primary %s, dc1 principal %s, dc2 mirror "
			       "%s, "
			       "%zu dbs, ls %d):\n%s",
			       n, f.spec.primary, f.sites[0].principal,
			       f.sites[1].mirror ? f.sites[1].mirror : "none", f.spec.n_databases,
			       f.spec.log_shipping.enabled, fx_plan_text(&f, &f.world, &o, &plan));
			fx_dump_world(stdout, &f.world);
		}
		plan_release(&plan);
		fx_release(&f);
	}
	printf("# %u worlds: %zu converged, %zu ready, %zu blocked, %zu refused\n", CASES,
	       counts[PLAN_CONVERGED], counts[PLAN_READY], counts[PLAN_BLOCKED],
	       counts[PLAN_REFUSED]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_planner_property__generated_worlds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
