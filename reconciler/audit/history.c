/*
 * history: collect the applies of the audit branch and render them.
 * Walking newest first, a final record is an entry; an intent record is
 * skipped when its apply's final record was already seen (it is newer),
 * and is otherwise an "incomplete" entry. Only the trailers are read for
 * commits filtered out by pool, so a long branch stays cheap to list.
 */
#include "reconciler/audit/history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/vec.h"
#include "util/xalloc.h"

struct history_ctx {
	struct audit *audit;
	const char *pool;
	size_t limit;
	VEC(struct history_entry) entries;
	VEC(char *) finals; /* apply ids whose final record was seen */
	int error;
};

static void history_copy(char *dst, size_t size, const json_t *record, const char *key)
{
	const char *s = json_string_value(json_object_get(record, key));

	snprintf(dst, size, "%s", s ? s : "");
}

/* The first step that failed: "NAME TARGET: error". */
static void history_failed_step(struct history_entry *h, const json_t *steps)
{
	size_t i;
	json_t *step;

	json_array_foreach(steps, i, step)
	{
		const char *r = json_string_value(json_object_get(step, "result"));
		const char *name = json_string_value(json_object_get(step, "name"));
		const char *target = json_string_value(json_object_get(step, "target"));
		const char *error = json_string_value(json_object_get(step, "error"));

		if (!r || strcmp(r, "failed"))
			continue;
		snprintf(h->failed_step, sizeof(h->failed_step), "%s%s%s%s%.*s", name ? name : "?",
		         target ? " " : "", target ? target : "", error ? ": " : "",
		         error ? (int)strcspn(error, "\r\n") : 0, error ? error : "");
		return;
	}
}

static int history_count_blocked(const json_t *steps)
{
	size_t i;
	json_t *step;
	int n = 0;

	json_array_foreach(steps, i, step)
	{
		const char *r = json_string_value(json_object_get(step, "result"));

		n += r && !strcmp(r, "blocked");
	}
	return n;
}

static void history_fill(struct history_entry *h, const struct audit_entry *e, const json_t *record)
{
	const json_t *who = json_object_get(record, "reconciler");
	const json_t *demotion = json_object_get(record, "demotion");
	const json_t *exposure = json_object_get(record, "exposure");
	const json_t *zero = json_object_get(record, "zero_loss");
	char user[128], host[160];

	memset(h, 0, sizeof(*h));
	snprintf(h->audit_commit, sizeof(h->audit_commit), "%s", e->commit);
	snprintf(h->apply_id, sizeof(h->apply_id), "%s", e->apply_id);
	snprintf(h->pool, sizeof(h->pool), "%s", e->pool);
	snprintf(h->spec_commit, sizeof(h->spec_commit), "%s", e->spec_commit);
	snprintf(h->result, sizeof(h->result), "%s",
	         strcmp(e->result, "intent") ? e->result : "incomplete");
	snprintf(h->kind, sizeof(h->kind), "%s", e->kind[0] ? e->kind : "none");
	history_copy(h->from_primary, sizeof(h->from_primary), record, "from_primary");
	history_copy(h->to_primary, sizeof(h->to_primary), record, "to_primary");
	history_copy(h->started_at, sizeof(h->started_at), record, "started_at");
	history_copy(h->finished_at, sizeof(h->finished_at), record, "finished_at");
	history_copy(h->version, sizeof(h->version), who, "version");
	history_copy(user, sizeof(user), who, "user");
	history_copy(host, sizeof(host), who, "host");
	snprintf(h->by, sizeof(h->by), "%s@%s", *user ? user : "?", *host ? host : "?");
	h->steps = (int)json_array_size(json_object_get(record, "steps"));
	h->steps_run = e->steps_run;
	h->steps_blocked = history_count_blocked(json_object_get(record, "steps"));
	h->zero_loss = json_is_boolean(zero) ? json_is_true(zero) : json_is_object(demotion);
	h->demotion = json_is_object(demotion) ? json_deep_copy(demotion) : NULL;
	h->exposure = json_is_object(exposure) ? json_deep_copy(exposure) : NULL;
	history_failed_step(h, json_object_get(record, "steps"));
}

static int history_seen(const struct history_ctx *ctx, const char *apply_id)
{
	for (size_t i = 0; i < ctx->finals.len; i++)
		if (!strcmp(ctx->finals.items[i], apply_id))
			return 1;
	return 0;
}

static int history_collect(const struct audit_entry *e, void *payload)
{
	struct history_ctx *ctx = payload;
	struct history_entry h;
	int intent = !strcmp(e->result, "intent");
	json_t *record = NULL;

	if (ctx->pool && strcmp(ctx->pool, e->pool))
		return 0;
	if (intent && history_seen(ctx, e->apply_id))
		return 0;
	if (!intent)
		vec_push(&ctx->finals, xstrdup(e->apply_id));
	if ((ctx->error = audit_read_record(&record, ctx->audit, e)) < 0)
		return 1;
	history_fill(&h, e, record);
	json_decref(record);
	vec_push(&ctx->entries, h);
	return ctx->limit && ctx->entries.len >= ctx->limit;
}

int history_load(struct history *out, struct audit *audit, const char *pool, size_t limit)
{
	struct history_ctx ctx = {audit, pool, limit, VEC_INIT, VEC_INIT, 0};
	int error;

	memset(out, 0, sizeof(*out));
	snprintf(out->branch, sizeof(out->branch), "%s", audit_branch(audit));
	error = audit_walk(audit, history_collect, &ctx);
	if (ctx.error < 0)
		error = ctx.error;
	else if (error > 0)
		error = 0; /* stopped at the limit */
	for (size_t i = 0; i < ctx.finals.len; i++)
		free(ctx.finals.items[i]);
	vec_free(&ctx.finals);
	out->items = ctx.entries.items;
	out->len = ctx.entries.len;
	if (error < 0)
		history_release(out);
	return error;
}

void history_release(struct history *history)
{
	for (size_t i = 0; i < history->len; i++) {
		json_decref(history->items[i].demotion);
		json_decref(history->items[i].exposure);
	}
	free(history->items);
	history->items = NULL;
	history->len = 0;
}
