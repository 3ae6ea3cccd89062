/*
 * fixture: the lab topology of DESIGN.md built in code for the planner
 * tests: a spec (two sites, mgc shipped, mgccomp mirrored only) and
 * observed worlds (converged for a given primary, bare, ...). Everything
 * lives in the fixture's arena. Header-only (static inline) so that each
 * test file stays one translation unit, as the Makefile builds them.
 */
#ifndef PCDR_TESTS_UNIT_CORE_FIXTURE_H
#define PCDR_TESTS_UNIT_CORE_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "reconciler/core/desired.h"
#include "reconciler/core/effects.h"
#include "reconciler/core/model.h"
#include "reconciler/core/planner.h"
#include "reconciler/core/render.h"
#include "specs/spec.h"
#include "util/arena.h"
#include "util/strbuf.h"

#define FX_SHARE "\\\\fs1.dc1.litwareinc.com\\pchat-ls"

struct fx {
	struct arena arena;
	struct spec_site sites[2];
	struct spec_database dbs[2];
	struct spec_pool spec;
	struct model desired;
	struct model world;
	struct model previous; /* desired model of the "last applied" spec */
};

static const char *fx_servers1[] = {"pc1.dc1.litwareinc.com", "pc2.dc1.litwareinc.com"};
static const char *fx_servers2[] = {"pc1.dc2.litwareinc.com", "pc2.dc2.litwareinc.com"};

/* LSNs above 2^64, as SQL Server's numeric(25,0) ones are: 41 000... + k. */
static inline struct model_lsn fx_lsn(unsigned k)
{
	struct model_lsn l;
	char buf[64];
	size_t n = 0;
	const char *base = "4100000000000000";

	memcpy(buf, base, strlen(base));
	n = strlen(base);
	for (int d = 5; d >= 0; d--) {
		unsigned div = 1;

		for (int i = 0; i < d; i++)
			div *= 10;
		buf[n++] = (char)('0' + (k / div) % 10);
	}
	buf[n] = '\0';
	model_lsn_parse(&l, buf);
	return l;
}

static inline const char *fx_other(const char *site)
{
	return strcmp(site, "dc1") == 0 ? "dc2" : "dc1";
}

static inline const char *fx_principal(const char *site)
{
	return strcmp(site, "dc1") == 0 ? "sqla.dc1.litwareinc.com" : "sqla.dc2.litwareinc.com";
}

static inline const char *fx_mirror(const char *site)
{
	return strcmp(site, "dc1") == 0 ? "sqlb.dc1.litwareinc.com" : "sqlb.dc2.litwareinc.com";
}

/* The spec with `primary` as primary site (home dc1), shipping to the other. */
static inline void fx_spec(struct fx *f, const char *primary)
{
	memset(f->sites, 0, sizeof(f->sites));
	f->sites[0] = (struct spec_site){.name = "dc1",
	                                 .principal = fx_principal("dc1"),
	                                 .mirror = fx_mirror("dc1"),
	                                 .servers = fx_servers1,
	                                 .n_servers = 2};
	f->sites[1] = (struct spec_site){.name = "dc2",
	                                 .principal = fx_principal("dc2"),
	                                 .mirror = fx_mirror("dc2"),
	                                 .servers = fx_servers2,
	                                 .n_servers = 2};
	f->dbs[0] = (struct spec_database){.name = "mgc", .log_shipping = true};
	f->dbs[1] = (struct spec_database){.name = "mgccomp", .log_shipping = false};
	memset(&f->spec, 0, sizeof(f->spec));
	f->spec.name = "atl-pchat";
	f->spec.identity = "service:atl-cs-001.litwareinc.com";
	f->spec.home = "dc1";
	f->spec.primary = primary;
	f->spec.sites = f->sites;
	f->spec.n_sites = 2;
	f->spec.databases = f->dbs;
	f->spec.n_databases = 2;
	f->spec.log_shipping = (struct spec_log_shipping){.enabled = true,
	                                                  .from = primary,
	                                                  .to = fx_other(primary),
	                                                  .backup_share = FX_SHARE,
	                                                  .copy_to = "D:\\pchat-ls",
	                                                  .interval_seconds = 300};
	f->spec.active_servers = strcmp(primary, "dc1") == 0 ? fx_servers1 : fx_servers2;
	f->spec.n_active_servers = 2;
	f->spec.policy = (struct spec_policy){.allow_data_loss = false, .service_first = true};
	f->spec.state = strcmp(primary, "dc1") == 0 ? SPEC_POOL_NORMAL : SPEC_POOL_FAILED_OVER;
}

static inline void fx_desired(struct fx *f)
{
	desired_from_spec(&f->desired, &f->arena, &f->spec);
}

static inline struct model_db *fx_db(struct fx *f, const char *inst, const char *db)
{
	struct model_instance *i = model_instance(&f->world, inst);
	struct model_db *c = model_db(i, db);

	return c ? c : model_add_db(&f->world, i, db);
}

static inline void fx_mirrored(struct fx *f, const char *p, const char *m, const char *db,
                               const char *fork, struct model_lsn lsn)
{
	struct model_db *pc = fx_db(f, p, db), *mc = fx_db(f, m, db);

	pc->state = MODEL_DB_ONLINE;
	pc->mirroring = (struct model_mirroring){MODEL_ROLE_PRINCIPAL, MODEL_MSTATE_SYNCHRONIZED, m,
	                                         MODEL_SAFETY_FULL, 1};
	pc->fork = fork;
	pc->lsn = lsn;
	mc = fx_db(f, m, db);
	mc->state = MODEL_DB_RESTORING;
	mc->mirroring = (struct model_mirroring){MODEL_ROLE_MIRROR, MODEL_MSTATE_SYNCHRONIZED, p,
	                                         MODEL_SAFETY_FULL, 1};
	mc->fork = fork;
	mc->lsn = lsn;
}

static inline void fx_ls_primary(struct fx *f, const char *inst, const char *secondary)
{
	struct model_db *c = fx_db(f, inst, "mgc");
	const char *names[1] = {secondary};

	c->ls_primary.configured = true;
	c->ls_primary.backup_share = FX_SHARE;
	model_set_ls_secondaries(&f->world, c, names, 1);
}

/* Log backups of mgc on fork `fork` from LSN k0 to k1 in steps, seen by every instance. */
static inline void fx_logs(struct fx *f, const char *fork, unsigned k0, unsigned k1, unsigned step)
{
	for (unsigned k = k0; k < k1; k += step) {
		char file[64], when[32];

		snprintf(file, sizeof(file), "mgc_%s_%u.trn", fork, k);
		snprintf(when, sizeof(when), "2026-11-28T12:%02u:00Z", (k / step) % 60);
		for (size_t i = 0; i < f->world.n_instances; i++)
			model_add_backup(&f->world, &f->world.instances[i], "mgc", file, 'L',
			                 fx_lsn(k), fx_lsn(k + step), fork, when);
	}
}

/* The first log backup of a new fork, as the new primary of a switchover
 * writes it, on every instance's list: it starts on `from` and spans the
 * fork point `at` into `to`. */
static inline void fx_span_log(struct fx *f, const char *from, const char *to, unsigned at,
                               unsigned end)
{
	for (size_t i = 0; i < f->world.n_instances; i++) {
		struct model_backup *b =
		        model_add_backup(&f->world, &f->world.instances[i], "mgc", "mgc_span.trn",
		                         'L', fx_lsn(at), fx_lsn(end), to, "2026-11-28T12:30:00Z");

		b->first_fork = from;
		b->fork_lsn = fx_lsn(at);
	}
}

static inline void fx_instances(struct fx *f)
{
	model_init(&f->world, &f->arena, "atl-pchat");
	model_add_instance(&f->world, fx_principal("dc1"), "dc1");
	model_add_instance(&f->world, fx_mirror("dc1"), "dc1");
	model_add_instance(&f->world, fx_principal("dc2"), "dc2");
	model_add_instance(&f->world, fx_mirror("dc2"), "dc2");
	f->world.pool.reachable = true;
}

/*
 * The world converged for primary `site`: mgc on fork F1 at LSN 450 on the
 * principal, logs shipped up to 400 and restored on the other site.
 */
static inline void fx_converged(struct fx *f, const char *site)
{
	const char *P = fx_principal(site), *M = fx_mirror(site);
	const char *S = fx_principal(fx_other(site)), *SM = fx_mirror(fx_other(site));
	struct model_db *s;

	fx_instances(f);
	fx_mirrored(f, P, M, "mgc", "F1", fx_lsn(450));
	fx_ls_primary(f, P, S);
	fx_ls_primary(f, M, S);
	s = fx_db(f, S, "mgc");
	s->state = MODEL_DB_RESTORING;
	s->fork = "F1";
	s->lsn = fx_lsn(400);
	s->ls_secondary.configured = true;
	s->ls_secondary.primary = P;
	s->ls_secondary.last_restored_file = "mgc_F1_300.trn";
	s->ls_secondary.last_restored_lsn = fx_lsn(400);
	fx_mirrored(f, P, M, "mgccomp", "C1", fx_lsn(900));
	fx_mirrored(f, S, SM, "mgccomp", "C2", fx_lsn(800));
	fx_logs(f, "F1", 100, 400, 100);
	f->world.pool.state = strcmp(site, "dc1") == 0 ? MODEL_POOL_NORMAL : MODEL_POOL_FAILED_OVER;
	model_set_active_servers(&f->world, strcmp(site, "dc1") == 0 ? fx_servers1 : fx_servers2,
	                         2);
}

static inline void fx_unreachable(struct fx *f, const char *inst, const char *why)
{
	struct model_instance *i = model_instance(&f->world, inst);

	i->reachable = false;
	i->unreachable_reason = why;
	i->n_dbs = 0;
	i->n_backups = 0;
}

static inline void fx_init(struct fx *f, const char *spec_primary)
{
	memset(f, 0, sizeof(*f));
	arena_init(&f->arena);
	fx_spec(f, spec_primary);
	fx_desired(f);
}

static inline void fx_release(struct fx *f)
{
	arena_release(&f->arena);
}

/* Plan and render; returns the arena copy of the text. */
static inline const char *fx_plan_text(struct fx *f, const struct model *world,
                                       const struct planner_opts *opts, struct plan *plan)
{
	struct strbuf sb = STRBUF_INIT;
	const char *text;

	plan_init(plan);
	planner_run(plan, &f->desired, world, opts);
	render_text(plan, &sb);
	text = arena_strdup(&f->arena, strbuf_cstr(&sb));
	strbuf_release(&sb);
	return text;
}

/* One line per copy, for diagnosing a failing generated case. */
static inline void fx_dump_world(FILE *out, const struct model *m)
{
	fprintf(out, "# pool %s reachable=%d active=%zu\n", model_pool_state_name(m->pool.state),
	        m->pool.reachable, m->pool.n_active_servers);
	for (size_t i = 0; i < m->n_instances; i++) {
		const struct model_instance *inst = &m->instances[i];

		fprintf(out, "# %s reachable=%d backups=%zu\n", inst->name, inst->reachable,
		        inst->n_backups);
		for (size_t j = 0; j < inst->n_dbs; j++) {
			const struct model_db *c = &inst->dbs[j];
			char lsn[MODEL_LSN_STRLEN];

			model_lsn_format(c->lsn, lsn);
			fprintf(out,
			        "#   %s %s%s %s/%s/%s safety=%s lsp=%d lss=%d(%s) fork=%s lsn=%s\n",
			        c->name, model_db_state_name(c->state),
			        c->is_in_standby ? "+standby" : "",
			        model_role_name(c->mirroring.role),
			        c->mirroring.partner ? c->mirroring.partner : "-",
			        model_mirror_state_name(c->mirroring.state),
			        model_safety_name(c->mirroring.safety), c->ls_primary.configured,
			        c->ls_secondary.configured,
			        c->ls_secondary.primary ? c->ls_secondary.primary : "-",
			        c->fork ? c->fork : "-", lsn + 16);
		}
	}
}

#endif
