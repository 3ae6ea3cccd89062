/*
 * render_text: the canonical text of a plan (render.h). Layout: a header
 * line with the pool, status and counts; the refusal if any; the notes;
 * then each step as "N. phase kind targets" followed by indented why,
 * risk, after (dependencies, 1-based), blocked and facts lines. Nothing
 * depends on addresses, time or locale, so equal plans render to equal
 * bytes.
 */
#include "reconciler/core/render.h"

static const char *s_or(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

static void servers(const struct plan_step *s, struct strbuf *out)
{
	if (!s->n_servers) {
		strbuf_puts(out, "(none)");
		return;
	}
	strbuf_putc(out, '[');
	for (size_t i = 0; i < s->n_servers; i++)
		strbuf_printf(out, "%s%s", i ? ", " : "", s->servers[i]);
	strbuf_putc(out, ']');
}

static void lsn(const struct plan_step *s, const char *prefix, struct strbuf *out)
{
	char buf[MODEL_LSN_STRLEN];

	if (!s->has_lsn)
		return;
	model_lsn_format(s->lsn, buf);
	strbuf_printf(out, " %s LSN %s", prefix, buf);
}

static void sql_targets(const struct plan_step *s, struct strbuf *out)
{
	const char *db = s_or(s->database, "?");

	switch (s->kind) {
	case PLAN_SQL_SEED:
		if (s->instance)
			strbuf_printf(out, " %s %s -> %s", db, s->instance, s_or(s->peer, "?"));
		else
			strbuf_printf(out, " %s on %s", db, s_or(s->peer, "?"));
		return;
	case PLAN_SQL_MIRROR_FAILOVER:
		strbuf_printf(out, " %s %s -> %s", db, s_or(s->instance, "?"), s_or(s->peer, "?"));
		return;
	case PLAN_SQL_ESTABLISH_MIRRORING:
		strbuf_printf(out, " %s principal %s, mirror %s", db, s_or(s->instance, "?"),
		              s_or(s->peer, "?"));
		return;
	case PLAN_SQL_CONFIGURE_LOG_SHIPPING:
		strbuf_printf(out, " %s %s%s%s -> %s", db, s_or(s->instance, "?"),
		              s->peer2 ? " + " : "", s_or(s->peer2, ""), s_or(s->peer, "?"));
		return;
	case PLAN_SQL_REMOVE_MIRRORING:
		strbuf_printf(out, " %s on %s (partner %s)", db, s_or(s->instance, "?"),
		              s_or(s->peer, "?"));
		return;
	default:
		strbuf_printf(out, " %s on %s", db, s_or(s->instance, "?"));
		lsn(s, s->kind == PLAN_SQL_TAIL_LOG_BACKUP ? "at" : "up to", out);
		if (s->peer)
			strbuf_printf(out, " from %s", s->peer);
		return;
	}
}

void render_step_title(const struct plan_step *s, struct strbuf *out)
{
	strbuf_printf(out, "%-8s %s", plan_phase_name(s->phase), plan_step_kind_name(s->kind));
	if (s->kind == PLAN_POOL_SET_ACTIVE_SERVERS) {
		strbuf_putc(out, ' ');
		servers(s, out);
	} else if (s->kind == PLAN_POOL_SET_STATE) {
		strbuf_printf(out, " %s", model_pool_state_name(s->pool_state));
	} else {
		sql_targets(s, out);
	}
}

static void step(const struct plan_step *s, size_t n, struct strbuf *out)
{
	strbuf_printf(out, "%2zu. ", n);
	render_step_title(s, out);
	strbuf_printf(out, "\n    why: %s\n", s_or(s->reason, ""));
	if (s->risk != PLAN_RISK_NONE)
		strbuf_printf(out, "    risk: %s\n", plan_risk_name(s->risk));
	if (s->n_deps) {
		strbuf_puts(out, "    after:");
		for (size_t i = 0; i < s->n_deps; i++)
			strbuf_printf(out, " %zu", s->deps[i] + 1);
		strbuf_putc(out, '\n');
	}
	if (s->blocked)
		strbuf_printf(out, "    BLOCKED: %s\n", s_or(s->blocked_reason, ""));
	if (s->n_facts) {
		strbuf_puts(out, "    facts:");
		for (size_t i = 0; i < s->n_facts; i++)
			strbuf_printf(out, " %s=%s", s->facts[i].key, s->facts[i].value);
		strbuf_putc(out, '\n');
	}
}

void render_text(const struct plan *plan, struct strbuf *out)
{
	strbuf_printf(out, "plan for pool '%s': %s, %zu step%s, %zu blocked\n",
	              s_or(plan->pool_name, "?"), plan_status_name(plan->status), plan->n_steps,
	              plan->n_steps == 1 ? "" : "s", plan_blocked_count(plan));
	if (plan->refusal)
		strbuf_printf(out, "refused: %s\n", plan->refusal);
	for (size_t i = 0; i < plan->n_notes; i++)
		strbuf_printf(out, "note: %s\n", plan->notes[i]);
	for (size_t i = 0; i < plan->n_steps; i++)
		step(&plan->steps[i], i + 1, out);
}
