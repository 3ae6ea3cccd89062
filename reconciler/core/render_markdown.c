/*
 * render_markdown: a plan as GitHub-flavoured markdown (render_markdown.h).
 * Layout: a heading with the pool and status; the spec commit; a table of
 * the pool's current and desired state; a summary line with the counts and
 * when service stops and is restored; the refusal; the notes; data-loss
 * exposure; blocked steps; then the steps, one table per phase run, and
 * the facts each step was planned against in a collapsed block. Text
 * outside code spans is escaped (`|`, backslash, `<`, line breaks) so that no
 * reason can break a table or turn into markup.
 */
#include "reconciler/core/render_markdown.h"

#include <stdbool.h>
#include <string.h>

#include "reconciler/core/render.h"

/* Text for a table cell: '|', '\\' and '<' escaped, line breaks as spaces. */
static void cell(struct strbuf *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|' || *s == '\\')
			strbuf_printf(out, "\\%c", *s);
		else if (*s == '<')
			strbuf_puts(out, "&lt;");
		else if (*s == '\n' || *s == '\r')
			strbuf_putc(out, ' ');
		else
			strbuf_putc(out, *s);
	}
}

/* What a step does, without the phase column of render_step_title. */
static void what(const struct plan_step *s, struct strbuf *out)
{
	struct strbuf title = STRBUF_INIT;
	const char *t;

	render_step_title(s, &title);
	/* render_step_title starts with the phase padded to 8 columns and a space */
	t = strbuf_cstr(&title);
	t += strlen(t) > 9 ? 9 : strlen(t);
	strbuf_putc(out, '`');
	strbuf_puts(out, t);
	strbuf_putc(out, '`');
	strbuf_release(&title);
}

static void servers(struct strbuf *out, const struct model *m)
{
	if (!m) {
		strbuf_puts(out, "?");
		return;
	}
	if (!m->pool.n_active_servers)
		strbuf_puts(out, "(none)");
	for (size_t i = 0; i < m->pool.n_active_servers; i++)
		strbuf_printf(out, "%s%s", i ? ", " : "", m->pool.active_servers[i]);
}

static void pool_table(const struct render_context *ctx, struct strbuf *out)
{
	const struct model *o = ctx->observed, *d = ctx->desired;

	if (!o && !d)
		return;
	strbuf_puts(out, "| | pool state | active servers |\n| --- | --- | --- |\n");
	strbuf_puts(out, "| current | ");
	if (o && !o->pool.reachable)
		strbuf_puts(out, "unknown (pool command failed) | ? |\n");
	else {
		strbuf_puts(out, o ? model_pool_state_name(o->pool.state) : "?");
		strbuf_puts(out, " | ");
		servers(out, o);
		strbuf_puts(out, " |\n");
	}
	strbuf_printf(out, "| desired | %s | ", d ? model_pool_state_name(d->pool.state) : "?");
	servers(out, d);
	strbuf_puts(out, " |\n\n");
}

/* The fence (active servers cleared) and the unfence (set again), 1-based; 0: none. */
static void fence_steps(const struct plan *plan, size_t *fence, size_t *unfence)
{
	*fence = *unfence = 0;
	for (size_t i = 0; i < plan->n_steps; i++) {
		const struct plan_step *s = &plan->steps[i];

		if (s->kind != PLAN_POOL_SET_ACTIVE_SERVERS)
			continue;
		if (s->phase == PLAN_PHASE_FENCE && !*fence)
			*fence = i + 1;
		else if (s->phase == PLAN_PHASE_UNFENCE)
			*unfence = i + 1;
	}
}

static void service(const struct plan *plan, struct strbuf *out)
{
	size_t fence, unfence;

	fence_steps(plan, &fence, &unfence);
	if (!plan->n_steps)
		return;
	if (!fence) {
		strbuf_puts(out, "Service: the pool is not fenced; it keeps serving throughout");
		if (unfence)
			strbuf_printf(out, " (its active servers change at step %zu)", unfence);
		strbuf_puts(out, ".\n\n");
	} else if (plan->steps[fence - 1].blocked) {
		strbuf_printf(out,
		              "Service: the fence (step %zu) is blocked, so the pool is not "
		              "fenced and keeps serving where it is.\n\n",
		              fence);
	} else if (!unfence) {
		strbuf_printf(out,
		              "Service: **the pool stops serving at step %zu and this plan "
		              "does not restore it.**\n\n",
		              fence);
	} else {
		strbuf_printf(out,
		              "Service: the pool stops taking connections at step %zu and "
		              "serves again after step %zu%s.\n\n",
		              fence, unfence,
		              plan->steps[unfence - 1].blocked ? " (**blocked**)" : "");
	}
}

/* Notes the planner writes about lost or skipped data (planner_move.c). */
static bool exposure_note(const char *note)
{
	return !strncmp(note, "exposure:", 9) || !strncmp(note, "log chain gap:", 14);
}

static void exposure(const struct plan *plan, struct strbuf *out)
{
	size_t n = 0;

	strbuf_puts(out, "#### Data-loss exposure\n\n");
	for (size_t i = 0; i < plan->n_notes; i++) {
		if (!exposure_note(plan->notes[i]))
			continue;
		strbuf_puts(out, "- ");
		cell(out, plan->notes[i]);
		strbuf_putc(out, '\n');
		n++;
	}
	for (size_t i = 0; i < plan->n_steps; i++) {
		const struct plan_step *s = &plan->steps[i];

		if (s->risk != PLAN_RISK_DATA_LOSS)
			continue;
		strbuf_printf(out, "- step %zu ", i + 1);
		what(s, out);
		strbuf_puts(out, ": ");
		cell(out, s->reason);
		strbuf_puts(out, s->blocked ? " (blocked)\n" : "\n");
		n++;
	}
	if (!n)
		strbuf_puts(out, "None: no step can lose a committed transaction.\n");
	strbuf_putc(out, '\n');
}

static size_t other_notes(const struct plan *plan)
{
	size_t n = 0;

	for (size_t i = 0; i < plan->n_notes; i++)
		n += !exposure_note(plan->notes[i]);
	return n;
}

static void blocked(const struct plan *plan, struct strbuf *out)
{
	if (!plan_blocked_count(plan))
		return;
	strbuf_puts(out, "#### Blocked steps\n\n| # | what | why it is blocked |\n"
	                 "| ---: | --- | --- |\n");
	for (size_t i = 0; i < plan->n_steps; i++) {
		const struct plan_step *s = &plan->steps[i];

		if (!s->blocked)
			continue;
		strbuf_printf(out, "| %zu | ", i + 1);
		what(s, out);
		strbuf_puts(out, " | ");
		cell(out, s->blocked_reason);
		strbuf_puts(out, " |\n");
	}
	strbuf_putc(out, '\n');
}

static void step_row(const struct plan_step *s, size_t n, struct strbuf *out)
{
	strbuf_printf(out, "| %zu | ", n);
	what(s, out);
	strbuf_puts(out, " | ");
	cell(out, s->reason);
	if (s->blocked)
		strbuf_puts(out, " **BLOCKED**");
	strbuf_printf(out, " | %s | ", s->risk == PLAN_RISK_NONE ? "" : plan_risk_name(s->risk));
	for (size_t i = 0; i < s->n_deps; i++)
		strbuf_printf(out, "%s%zu", i ? ", " : "", s->deps[i] + 1);
	strbuf_puts(out, " |\n");
}

static void steps(const struct plan *plan, struct strbuf *out)
{
	if (!plan->n_steps)
		return;
	strbuf_puts(out, "#### Steps\n");
	for (size_t i = 0; i < plan->n_steps; i++) {
		const struct plan_step *s = &plan->steps[i];

		if (i == 0 || plan->steps[i - 1].phase != s->phase)
			strbuf_printf(out,
			              "\n**%s**\n\n| # | what | why | risk | after |\n"
			              "| ---: | --- | --- | --- | --- |\n",
			              plan_phase_name(s->phase));
		step_row(s, i + 1, out);
	}
	strbuf_puts(out, "\n<details><summary>Facts each step was planned against</summary>"
	                 "\n\n```\n");
	for (size_t i = 0; i < plan->n_steps; i++) {
		const struct plan_step *s = &plan->steps[i];

		strbuf_printf(out, "%zu.", i + 1);
		for (size_t k = 0; k < s->n_facts; k++)
			strbuf_printf(out, " %s=%s", s->facts[k].key, s->facts[k].value);
		strbuf_putc(out, '\n');
	}
	strbuf_puts(out, "```\n\n</details>\n");
}

void render_markdown(const struct plan *plan, const struct render_context *ctx, struct strbuf *out)
{
	static const struct render_context none = {0};
	size_t n = plan->n_steps, nb = plan_blocked_count(plan);

	if (!ctx)
		ctx = &none;
	strbuf_printf(out, "### pcdr plan for pool `%s`: %s\n\n",
	              plan->pool_name ? plan->pool_name : "?", plan_status_name(plan->status));
	if (ctx->spec_commit) {
		strbuf_printf(out, "Spec commit `%s`", ctx->spec_commit);
		if (ctx->spec_subject) {
			strbuf_puts(out, ": ");
			cell(out, ctx->spec_subject);
		}
		strbuf_puts(out, "\n\n");
	}
	pool_table(ctx, out);
	if (!n && plan->status == PLAN_CONVERGED)
		strbuf_puts(out, "No changes: the pool is as the spec says.\n\n");
	else
		strbuf_printf(out, "**%zu step%s**, %zu blocked.\n\n", n, n == 1 ? "" : "s", nb);
	service(plan, out);
	if (plan->refusal) {
		strbuf_puts(out, "> **Refused, nothing may run:** ");
		cell(out, plan->refusal);
		strbuf_puts(out, "\n\n");
	}
	if (other_notes(plan)) {
		strbuf_puts(out, "#### Notes\n\n");
		for (size_t i = 0; i < plan->n_notes; i++) {
			if (exposure_note(plan->notes[i]))
				continue;
			strbuf_puts(out, "- ");
			cell(out, plan->notes[i]);
			strbuf_putc(out, '\n');
		}
		strbuf_putc(out, '\n');
	}
	if (n)
		exposure(plan, out);
	blocked(plan, out);
	steps(plan, out);
}
