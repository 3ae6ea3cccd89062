/*
 * plan: lifecycle and small helpers for struct plan (plan.h). Everything
 * a plan holds is allocated in its own arena and released at once.
 */
#include "reconciler/core/plan.h"

#include <stdarg.h>
#include <string.h>

void plan_init(struct plan *plan)
{
	memset(plan, 0, sizeof(*plan));
	arena_init(&plan->arena);
}

void plan_release(struct plan *plan)
{
	if (!plan)
		return;
	arena_release(&plan->arena);
	memset(plan, 0, sizeof(*plan));
}

struct plan_step *plan_add_step(struct plan *plan, enum plan_step_kind kind, enum plan_phase phase)
{
	struct plan_step *s;

	if (plan->n_steps == plan->cap_steps) {
		size_t cap = plan->cap_steps ? plan->cap_steps * 2 : 16;
		struct plan_step *fresh = arena_calloc(&plan->arena, cap, sizeof(*fresh));

		if (plan->n_steps)
			memcpy(fresh, plan->steps, plan->n_steps * sizeof(*fresh));
		plan->steps = fresh;
		plan->cap_steps = cap;
	}
	s = &plan->steps[plan->n_steps++];
	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->phase = phase;
	return s;
}

void plan_add_note(struct plan *plan, const char *fmt, ...)
{
	va_list ap;

	if (plan->n_notes == plan->cap_notes) {
		size_t cap = plan->cap_notes ? plan->cap_notes * 2 : 8;
		const char **fresh = arena_calloc(&plan->arena, cap, sizeof(*fresh));

		if (plan->n_notes)
			memcpy(fresh, plan->notes, plan->n_notes * sizeof(*fresh));
		plan->notes = fresh;
		plan->cap_notes = cap;
	}
	va_start(ap, fmt);
	plan->notes[plan->n_notes++] = arena_vsprintf(&plan->arena, fmt, ap);
	va_end(ap);
}

void plan_step_add_dep(struct plan *plan, struct plan_step *step, size_t dep)
{
	size_t *fresh;

	for (size_t i = 0; i < step->n_deps; i++)
		if (step->deps[i] == dep)
			return;
	fresh = arena_calloc(&plan->arena, step->n_deps + 1, sizeof(*fresh));
	if (step->n_deps)
		memcpy(fresh, step->deps, step->n_deps * sizeof(*fresh));
	fresh[step->n_deps++] = dep;
	step->deps = fresh;
}

void plan_step_add_fact(struct plan *plan, struct plan_step *step, const char *key,
                        const char *value)
{
	struct plan_fact *fresh = arena_calloc(&plan->arena, step->n_facts + 1, sizeof(*fresh));

	for (size_t i = 0; i < step->n_facts; i++)
		if (strcmp(step->facts[i].key, key) == 0)
			return;
	if (step->n_facts)
		memcpy(fresh, step->facts, step->n_facts * sizeof(*fresh));
	fresh[step->n_facts].key = arena_strdup(&plan->arena, key);
	fresh[step->n_facts].value = arena_strdup(&plan->arena, value);
	step->n_facts++;
	step->facts = fresh;
}

size_t plan_blocked_count(const struct plan *plan)
{
	size_t n = 0;

	for (size_t i = 0; i < plan->n_steps; i++)
		n += plan->steps[i].blocked;
	return n;
}

const char *plan_step_kind_name(enum plan_step_kind kind)
{
	static const char *const names[PLAN_STEP_KIND_COUNT] = {
	        "pool.set_active_servers",
	        "pool.set_state",
	        "sql.end_sessions",
	        "sql.drop_log_shipping_secondary",
	        "sql.drop_log_shipping_primary",
	        "sql.catch_up",
	        "sql.tail_log_backup",
	        "sql.recover",
	        "sql.remove_mirroring",
	        "sql.mirror_failover",
	        "sql.force_service",
	        "sql.safety_backup",
	        "sql.seed",
	        "sql.establish_mirroring",
	        "sql.configure_log_shipping",
	};
	return (size_t)kind < PLAN_STEP_KIND_COUNT ? names[kind] : "unknown";
}

const char *plan_phase_name(enum plan_phase phase)
{
	static const char *const names[] = {"fence",  "detach",  "move",
	                                    "switch", "unfence", "protect"};
	return (size_t)phase < sizeof(names) / sizeof(names[0]) ? names[phase] : "unknown";
}

const char *plan_risk_name(enum plan_risk risk)
{
	return risk == PLAN_RISK_DATA_LOSS ? "data-loss"
	       : risk == PLAN_RISK_OUTAGE  ? "outage"
	                                   : "none";
}

const char *plan_status_name(enum plan_status status)
{
	static const char *const names[] = {"converged", "ready", "blocked", "refused"};
	return (size_t)status < 4 ? names[status] : "unknown";
}
