/*
 * scenarios: the observed worlds of the planner tests, built on the
 * fixture: a bare topology, a disaster with dc1 gone, dc1 rebuilt empty,
 * the old primary back ONLINE with divergent data, a log chain gap.
 * Header-only, shared by test_planner.c and test_planner_property.c.
 */
#ifndef PCDR_TESTS_UNIT_CORE_SCENARIOS_H
#define PCDR_TESTS_UNIT_CORE_SCENARIOS_H

#include "tests/unit/core/fixture.h"

#define A1 "sqla.dc1.litwareinc.com"
#define B1 "sqlb.dc1.litwareinc.com"
#define A2 "sqla.dc2.litwareinc.com"
#define B2 "sqlb.dc2.litwareinc.com"

/* Instances that answer, mgc created by Topology Builder on A1, mgccomp on both principals. */
static inline void sc_bare(struct fx *f)
{
	struct model_db *c;

	fx_instances(f);
	c = fx_db(f, A1, "mgc");
	c->state = MODEL_DB_ONLINE;
	c->fork = "F1";
	c->lsn = fx_lsn(450);
	c = fx_db(f, A1, "mgccomp");
	c->state = MODEL_DB_ONLINE;
	c->fork = "C1";
	c->lsn = fx_lsn(900);
	c = fx_db(f, A2, "mgccomp");
	c->state = MODEL_DB_ONLINE;
	c->fork = "C2";
	c->lsn = fx_lsn(800);
	f->world.pool.state = MODEL_POOL_NORMAL;
}

/* Converged on dc1, two more logs shipped (400..440) that A2 has not restored yet. */
static inline void sc_shipped_ahead(struct fx *f)
{
	fx_converged(f, "dc1");
	fx_logs(f, "F1", 400, 440, 20);
}

/* dc1 lost entirely after shipping up to LSN 440. */
static inline void sc_dc1_lost(struct fx *f)
{
	sc_shipped_ahead(f);
	fx_unreachable(f, A1, "connection timed out");
	fx_unreachable(f, B1, "connection timed out");
}

/* As sc_dc1_lost, but the log backup covering 420..440 never reached the share. */
static inline void sc_gap(struct fx *f)
{
	fx_converged(f, "dc1");
	fx_logs(f, "F1", 400, 420, 20);
	fx_logs(f, "F1", 440, 460, 20);
	fx_unreachable(f, A1, "connection timed out");
	fx_unreachable(f, B1, "connection timed out");
}

/*
 * After a disaster failover to dc2 (A2 recovered at 440 on fork F2,
 * mirrored with B2, 460..600 written since, log shipping to dc1 never
 * configured because dc1 was down).
 */
static inline void sc_failed_over(struct fx *f)
{
	struct model_db *a;

	fx_instances(f);
	fx_mirrored(f, A2, B2, "mgc", "F2", fx_lsn(600));
	a = fx_db(f, A2, "mgc");
	a->fork_parent = "F1";
	a->fork_lsn = fx_lsn(440);
	fx_mirrored(f, A2, B2, "mgccomp", "C2", fx_lsn(800));
	fx_logs(f, "F1", 100, 440, 20);
	f->world.pool.state = MODEL_POOL_FAILED_OVER;
	model_set_active_servers(&f->world, fx_servers2, 2);
}

/* dc1 rebuilt: empty instances, mgccomp reinstalled by Topology Builder on A1. */
static inline void sc_dc1_rebuilt(struct fx *f)
{
	struct model_db *c;

	sc_failed_over(f);
	c = fx_db(f, A1, "mgccomp");
	c->state = MODEL_DB_ONLINE;
	c->fork = "C3";
	c->lsn = fx_lsn(10);
}

/* dc1 back with its old data: A1 ONLINE principal at 470 on F1 (30 LSNs never shipped). */
static inline void sc_dc1_divergent(struct fx *f)
{
	sc_failed_over(f);
	fx_mirrored(f, A1, B1, "mgc", "F1", fx_lsn(470));
	fx_ls_primary(f, A1, A2);
	fx_ls_primary(f, B1, A2);
	fx_mirrored(f, A1, B1, "mgccomp", "C1", fx_lsn(900));
}

static const char *sc_one_server[] = {"pc1.dc1.litwareinc.com"};

/*
 * Build the named world against the spec whose primary is `spec`
 * (f must be fx_init'ed with that primary); sets policy options in `o`.
 */
static inline void sc_build(struct fx *f, const char *world, struct planner_opts *o)
{
	memset(o, 0, sizeof(*o));
	if (!strcmp(world, "converged"))
		fx_converged(f, "dc1");
	else if (!strcmp(world, "bare"))
		sc_bare(f);
	else if (!strcmp(world, "lost"))
		sc_dc1_lost(f);
	else if (!strcmp(world, "gap"))
		sc_gap(f);
	else if (!strcmp(world, "gapok")) {
		sc_gap(f);
		o->allow_data_loss = true;
	} else if (!strcmp(world, "rebuilt"))
		sc_dc1_rebuilt(f);
	else if (!strcmp(world, "divergent"))
		sc_dc1_divergent(f);
	else if (!strcmp(world, "active") || !strcmp(world, "unreach2")) {
		fx_converged(f, "dc1");
		if (!strcmp(world, "unreach2"))
			fx_unreachable(f, A2, "connection refused");
		f->spec.active_servers = sc_one_server;
		f->spec.n_active_servers = 1;
		fx_desired(f);
	} else if (!strcmp(world, "swap")) {
		fx_converged(f, "dc1");
		model_copy(&f->previous, &f->arena, &f->desired);
		o->previous = &f->previous;
		f->sites[0].principal = B1;
		f->sites[0].mirror = A1;
		fx_desired(f);
	} else if (!strcmp(world, "drift")) {
		fx_converged(f, "dc1");
		fx_mirrored(f, B1, A1, "mgc", "F1", fx_lsn(450));
		model_copy(&f->previous, &f->arena, &f->desired);
		o->previous = &f->previous;
	} else if (!strcmp(world, "lost_principal") || !strcmp(world, "lost_principal_ok")) {
		fx_converged(f, "dc1");
		fx_unreachable(f, A1, "connection timed out");
		model_copy(&f->previous, &f->arena, &f->desired);
		o->previous = &f->previous;
		o->allow_data_loss = !strcmp(world, "lost_principal_ok");
		f->sites[0].principal = B1;
		f->sites[0].mirror = A1;
		fx_desired(f);
	} else if (!strcmp(world, "backup_job_off") || !strcmp(world, "restore_job_off")) {
		/* a log shipping job disabled by hand under the last applied spec */
		fx_converged(f, "dc1");
		model_copy(&f->previous, &f->arena, &f->desired);
		o->previous = &f->previous;
		if (!strcmp(world, "backup_job_off"))
			fx_db(f, A1, "mgc")->ls_primary.job_disabled = true;
		else
			fx_db(f, A2, "mgc")->ls_secondary.job_disabled = true;
	} else if (!strcmp(world, "unreach")) {
		fx_converged(f, "dc1");
		fx_unreachable(f, B2, "connection refused");
	}
}

#endif
