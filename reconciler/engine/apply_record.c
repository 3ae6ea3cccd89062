/*
 * apply_record: the audit record of an apply (docs/audit.md, format 1),
 * built from the plan, each step's state and outcome, and the observed
 * models before and after. The intent record carries the planned steps
 * as `pending`; the final one carries what happened to each. The
 * demotion token of a planned switchover is the tail-log backup's file
 * and LastLSN; the exposure of a disaster failover is the LSN its
 * catch-up reached and the last log it restored. Credentials are
 * removed by the caller (audit_redact) before the record is written.
 */
#include <string.h>
#include <time.h>

#include "reconciler/audit/audit.h"
#include "reconciler/engine/apply_int.h"
#include "reconciler/plan/model_json.h"
#include "reconciler/plan/plan_json.h"

/*
 * When no copy was reachable and writable before (the authority's site is
 * lost: a disaster), the pool state says which site served: Normal the
 * home site, FailedOver the other one.
 */
static const char *served_site(const struct model *desired, const struct model *before)
{
	const struct model_topology *t = &desired->topo;

	if (!before->pool.reachable || before->pool.state == MODEL_POOL_UNKNOWN)
		return NULL;
	if (before->pool.state == MODEL_POOL_NORMAL)
		return t->home;
	for (size_t i = 0; i < t->n_sites; i++)
		if (t->home && strcmp(t->sites[i].name, t->home))
			return t->sites[i].name;
	return NULL;
}

/*
 * The site of the writable copy of the first shipped database (the
 * authority). When more than one copy is writable (an old primary back
 * after a disaster failover, still ONLINE until it is reseeded), the one
 * in the site the pool uses is the authority (DESIGN.md: the copy the
 * pool currently uses); the other is a divergent copy, not a primary.
 */
static const char *primary_site(const struct model *desired, const struct model *m)
{
	const char *db = NULL, *first = NULL, *served = m ? served_site(desired, m) : NULL;

	for (size_t i = 0; i < desired->topo.n_databases && !db; i++)
		if (desired->topo.databases[i].shipped)
			db = desired->topo.databases[i].name;
	if (!db && desired->topo.n_databases)
		db = desired->topo.databases[0].name;
	for (size_t i = 0; m && db && i < m->n_instances; i++) {
		const struct model_db *c = model_db(&m->instances[i], db);

		if (!m->instances[i].reachable || !c || !model_db_writable(c))
			continue;
		if (served && m->instances[i].site && !strcmp(m->instances[i].site, served))
			return m->instances[i].site;
		if (!first)
			first = m->instances[i].site;
	}
	return first;
}

static void set_str(json_t *o, const char *key, const char *value)
{
	if (value)
		json_object_set_new(o, key, json_string(value));
}

static json_t *step_json(struct apply_ctx *c, size_t i, bool intent)
{
	const struct plan_step *s = &c->plan->steps[i];
	const struct apply_step *st = &c->steps[i];
	json_t *o = json_object(), *msgs = json_array();
	char tg[1024];

	set_str(o, "name", plan_step_kind_name(s->kind));
	set_str(o, "target", apply_targets(tg, sizeof(tg), s));
	set_str(o, "result",
	        intent ? (s->blocked ? "blocked" : "pending") : apply_result_name(st->result));
	if (!intent && st->started_at[0]) {
		set_str(o, "started_at", st->started_at);
		set_str(o, "finished_at", st->finished_at);
	}
	for (size_t m = 0; !intent && m < st->outcome.n_messages; m++)
		json_array_append_new(msgs, json_string(st->outcome.messages[m]));
	json_object_set_new(o, "messages", msgs);
	if (!intent && st->error)
		set_str(o, "error", st->error);
	if (s->blocked && s->blocked_reason)
		set_str(o, "blocked_reason", s->blocked_reason);
	return o;
}

/* The plan's exposure sentence, as the note of exposure `e`. */
static void add_exposure_note(struct apply_ctx *c, json_t *e)
{
	for (size_t n = 0; n < c->plan->n_notes; n++)
		if (!strncmp(c->plan->notes[n], "exposure: ", 10))
			json_object_set_new(e, "note", json_string(c->plan->notes[n] + 10));
}

/*
 * A disaster move with nothing to catch up (the copy had restored all it
 * saw) still loses what the lost authority had not shipped: its exposure
 * is the LSN the recovered copy had, with the plan's exposure note.
 */
static void add_recover_exposure(struct apply_ctx *c, json_t *r)
{
	char lsn[MODEL_LSN_STRLEN];

	for (size_t i = 0; i < c->plan->n_steps; i++) {
		const struct plan_step *s = &c->plan->steps[i];
		const struct model_instance *in = model_instance(&c->pp->observed, s->instance);
		const struct model_db *db = in ? model_db(in, s->database) : NULL;
		json_t *e;

		if (s->kind != PLAN_SQL_RECOVER || s->risk != PLAN_RISK_DATA_LOSS ||
		    c->steps[i].result != APPLY_SUCCEEDED || !db)
			continue;
		model_lsn_format(db->lsn, lsn);
		/* the copy had restored all it saw: its log shipping's last
		 * restored file, when it has one, says how far shipping got */
		e = json_pack("{s:s}", "last_lsn", lsn);
		if (db->ls_secondary.last_restored_file)
			json_object_set_new(e, "last_log",
			                    json_string(db->ls_secondary.last_restored_file));
		add_exposure_note(c, e);
		json_object_set_new(r, "exposure", e);
		return;
	}
}

static void add_move_facts(struct apply_ctx *c, json_t *r)
{
	for (size_t i = 0; i < c->plan->n_steps; i++) {
		const struct plan_step *s = &c->plan->steps[i];
		const struct apply_step *st = &c->steps[i];

		if (st->result != APPLY_SUCCEEDED)
			continue;
		if (s->kind == PLAN_SQL_TAIL_LOG_BACKUP && st->outcome.file && st->outcome.lsn)
			json_object_set_new(r, "demotion",
			                    json_pack("{s:s, s:s}", "tail_log_backup",
			                              st->outcome.file, "lsn", st->outcome.lsn));
		if (s->kind == PLAN_SQL_CATCH_UP && !s->peer && st->outcome.lsn) {
			json_t *e = json_pack("{s:s, s:s}", "last_lsn", st->outcome.lsn, "last_log",
			                      st->outcome.last_file ? st->outcome.last_file
			                                            : "(none restored)");

			add_exposure_note(c, e);
			json_object_set_new(r, "exposure", e);
		}
	}
	if (!json_object_get(r, "exposure"))
		add_recover_exposure(c, r);
}

/*
 * One apply is one id: the first record (the intent) keeps the id and start
 * time audit_record_new chose, every later record of this apply repeats
 * them, so history pairs the intent with its final record.
 */
static void apply_record_identity(struct apply_ctx *c, json_t *r)
{
	const char *id = json_string_value(json_object_get(r, "apply_id"));
	const char *at = json_string_value(json_object_get(r, "started_at"));

	if (!c->apply_id[0]) {
		snprintf(c->apply_id, sizeof(c->apply_id), "%s", id ? id : "");
		snprintf(c->started_at, sizeof(c->started_at), "%s", at ? at : "");
		return;
	}
	json_object_set_new(r, "apply_id", json_string(c->apply_id));
	json_object_set_new(r, "started_at", json_string(c->started_at));
}

json_t *apply_record(struct apply_ctx *c, const char *result, const struct model *after)
{
	const struct model *d = &c->pp->desired, *before = &c->pp->observed;
	json_t *r = audit_record_new(c->pp->spec->name, c->p->specs->commit.id);
	json_t *steps = json_array();
	bool intent = !strcmp(result, "intent");
	size_t run = 0;
	const char *from = primary_site(d, before), *to = after ? primary_site(d, after) : NULL;
	const char *sb = model_pool_state_name(before->pool.state);
	const char *sa = after ? model_pool_state_name(after->pool.state) : NULL;

	if (!from)
		from = served_site(d, before);
	apply_record_identity(c, r);
	json_object_set_new(r, "result", json_string(result));
	for (size_t i = 0; i < c->plan->n_steps; i++) {
		json_array_append_new(steps, step_json(c, i, intent));
		run += c->steps[i].started_at[0] != '\0';
	}
	json_object_set_new(r, "steps", steps);
	json_object_set_new(r, "plan", plan_json(c->plan));
	json_object_set_new(r, "observed_before", model_json_dump(before));
	if (after)
		json_object_set_new(r, "observed_after", model_json_dump(after));
	set_str(r, "home", d->topo.home);
	set_str(r, "from_primary", from);
	set_str(r, "to_primary", intent ? d->topo.primary : to);
	set_str(r, "pool_state_before", before->pool.reachable ? sb : NULL);
	set_str(r, "pool_state_after", after && after->pool.reachable ? sa : NULL);
	set_str(r, "kind",
	        audit_kind(d->topo.home, from, intent ? d->topo.primary : to,
	                   before->pool.reachable ? sb : NULL,
	                   after && after->pool.reachable ? sa : NULL,
	                   (int)(intent ? c->plan->n_steps : run)));
	if (!intent) {
		char when[32];
		time_t t = time(NULL);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		set_str(r, "finished_at", when);
		add_move_facts(c, r);
	}
	return r;
}
