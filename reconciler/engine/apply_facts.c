/*
 * apply_facts: is a saved plan still about this world? A saved plan
 * (pcdr plan --out, docs/plan.md) carries every fact its steps were
 * planned against, as `key=value` text the planner wrote
 * (`<instance>/<db>.state`, `.lsn`, `.mirroring`, `.ls_secondary_of`,
 * `<instance>.reachable`, `pool.state`, `pool.active_servers`,
 * `pool.pings`). This module reads the same keys back from a fresh
 * observed model, spelled exactly as the planner spells them, and lists
 * the facts whose value moved. A fact that has no value now is "(none)"
 * (a copy no longer mirrored), "(unreachable)" (its instance did not
 * answer) or "(absent)".
 */
#include <string.h>

#include "reconciler/engine/apply_int.h"
#include "util/strbuf.h"

static const char *servers_text(struct arena *a, const char *const *v, size_t n)
{
	const char *out = "";

	for (size_t i = 0; i < n; i++)
		out = arena_sprintf(a, "%s%s%s", out, i ? "," : "", v[i]);
	return n ? out : NULL;
}

static const char *pool_fact(struct arena *a, const struct model *m, const char *what)
{
	const char *s;

	if (!m->pool.reachable)
		return "(unreachable)";
	if (!strcmp(what, "state"))
		return model_pool_state_name(m->pool.state);
	if (!strcmp(what, "active_servers"))
		return (s = servers_text(a, m->pool.active_servers, m->pool.n_active_servers))
		               ? s
		               : "(none)";
	if (!strcmp(what, "pings"))
		return (s = servers_text(a, m->pool.pings, m->pool.n_pings)) ? s : "(none)";
	return "(absent)";
}

static const char *copy_fact(struct arena *a, const struct model_db *c, const char *what)
{
	if (!strcmp(what, "state"))
		return !c ? "ABSENT" : c->is_in_standby ? "STANDBY" : model_db_state_name(c->state);
	if (!c)
		return "(absent)";
	if (!strcmp(what, "lsn"))
		return model_lsn_str(a, c->lsn);
	if (!strcmp(what, "mirroring"))
		return c->mirroring.role == MODEL_ROLE_NONE
		               ? "(none)"
		               : arena_sprintf(a, "%s,%s,seq=%d",
		                               model_role_name(c->mirroring.role),
		                               c->mirroring.partner ? c->mirroring.partner : "",
		                               c->mirroring.role_sequence);
	if (!strcmp(what, "ls_secondary_of"))
		return !c->ls_secondary.configured ? "(none)"
		       : c->ls_secondary.primary   ? c->ls_secondary.primary
		                                   : "";
	return "(absent)";
}

const char *apply_fact_value(struct arena *a, const struct model *m, const char *key)
{
	const char *dot = strrchr(key, '.'), *slash;
	char *subject;
	const struct model_instance *inst;

	if (!dot)
		return "(absent)";
	if (!strncmp(key, "pool.", 5))
		return pool_fact(a, m, key + 5);
	subject = arena_strndup(a, key, (size_t)(dot - key));
	slash = strchr(subject, '/');
	if (slash)
		subject[slash - subject] = '\0';
	inst = model_instance(m, subject);
	if (!inst || !inst->reachable)
		return !strcmp(dot + 1, "reachable") ? "false" : "(unreachable)";
	if (!slash)
		return !strcmp(dot + 1, "reachable") ? "true" : "(absent)";
	return copy_fact(a, model_db(inst, slash + 1), dot + 1);
}

size_t apply_facts_moved(const json_t *facts, const struct model *observed, struct strbuf *moved)
{
	struct arena a = ARENA_INIT;
	const char *key;
	json_t *value;
	size_t n = 0;

	json_object_foreach((json_t *)facts, key, value)
	{
		const char *was = json_string_value(value), *now;

		if (!was)
			continue;
		now = apply_fact_value(&a, observed, key);
		if (!strcmp(was, now))
			continue;
		strbuf_printf(moved, "  %s: was %s, now %s\n", key, was, now);
		n++;
	}
	arena_release(&a);
	return n;
}
