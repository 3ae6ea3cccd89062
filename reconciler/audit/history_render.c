/*
 * history_render: the applies as a readable story (one paragraph each:
 * when, which pool, what kind of move, how it ended, then what it cost
 * or saved, and who applied which spec commit), and as JSON with a
 * format_version for scripts. Pure functions of the loaded history.
 */
#include "reconciler/audit/history.h"

#include <stdio.h>
#include <string.h>

static int history_is_move(const char *kind)
{
	return !strcmp(kind, "failover") || !strcmp(kind, "failback") ||
	       !strcmp(kind, "switchover");
}

/* "2026-11-28T14:02:11Z" -> "2026-11-28 14:02:11 UTC" */
static void history_put_time(struct strbuf *out, const char *t)
{
	size_t n = strlen(t);

	if (n == 20 && t[10] == 'T' && t[19] == 'Z')
		strbuf_printf(out, "%.10s %.8s UTC", t, t + 11);
	else
		strbuf_puts(out, *t ? t : "(unknown time)");
}

/* The members of a small object as "key value, key value". */
static void history_put_pairs(struct strbuf *out, const json_t *obj)
{
	const char *key;
	json_t *v;
	int first = 1;

	json_object_foreach((json_t *)obj, key, v)
	{
		strbuf_puts(out, first ? "" : ", ");
		first = 0;
		if (json_is_string(v))
			strbuf_printf(out, "%s %s", key, json_string_value(v));
		else if (json_is_integer(v))
			strbuf_printf(out, "%s %lld", key, (long long)json_integer_value(v));
		else
			strbuf_printf(out, "%s %s", key, json_is_true(v) ? "true" : "...");
	}
}

static void history_put_headline(struct strbuf *out, const struct history_entry *h)
{
	history_put_time(out, h->started_at);
	strbuf_printf(out, "  %s  ", h->pool);
	if (history_is_move(h->kind)) {
		for (const char *k = h->kind; *k; k++)
			strbuf_putc(out, (char)(*k - 'a' + 'A'));
		if (*h->from_primary && *h->to_primary)
			strbuf_printf(out, " %s -> %s", h->from_primary, h->to_primary);
	} else {
		strbuf_puts(out, strcmp(h->kind, "none") ? h->kind : "no change");
	}
	if (!strcmp(h->result, "incomplete"))
		strbuf_printf(out,
		              "  INCOMPLETE: intent recorded, no final record (%d step%s "
		              "planned; still running, or the apply died)\n",
		              h->steps, h->steps == 1 ? "" : "s");
	else if (h->steps_blocked)
		strbuf_printf(out, "  %s (%d step%s, %d blocked: not converged yet)\n", h->result,
		              h->steps, h->steps == 1 ? "" : "s", h->steps_blocked);
	else
		strbuf_printf(out, "  %s (%d step%s)\n", h->result, h->steps,
		              h->steps == 1 ? "" : "s");
}

static void history_put_details(struct strbuf *out, const struct history_entry *h)
{
	if (*h->failed_step)
		strbuf_printf(out, "    failed at %s (%d of %d steps ran)\n", h->failed_step,
		              h->steps_run, h->steps);
	if (history_is_move(h->kind) && h->zero_loss) {
		strbuf_puts(out, "    planned switchover, zero data loss");
		if (h->demotion) {
			strbuf_puts(out, " (demotion: ");
			history_put_pairs(out, h->demotion);
			strbuf_putc(out, ')');
		}
		strbuf_putc(out, '\n');
	} else if (history_is_move(h->kind) && h->exposure) {
		const char *note = json_string_value(json_object_get(h->exposure, "note"));
		json_t *pairs = json_deep_copy(h->exposure);

		json_object_del(pairs, "note"); /* its own line: it is a sentence */
		strbuf_puts(out, "    unplanned (disaster), exposure: ");
		history_put_pairs(out, pairs);
		strbuf_putc(out, '\n');
		if (note)
			strbuf_printf(out, "    %s\n", note);
		json_decref(pairs);
	}
	strbuf_printf(out, "    spec %.12s applied by %s with pcdr %s; audit commit %.12s\n",
	              h->spec_commit, h->by, *h->version ? h->version : "?", h->audit_commit);
}

void history_render_text(struct strbuf *out, const struct history *history)
{
	if (!history->len) {
		strbuf_printf(out, "no applies recorded on '%s'\n", history->branch);
		return;
	}
	strbuf_printf(out, "%zu appl%s recorded on '%s', newest first:\n", history->len,
	              history->len == 1 ? "y" : "ies", history->branch);
	for (size_t i = 0; i < history->len; i++) {
		strbuf_putc(out, '\n');
		history_put_headline(out, &history->items[i]);
		history_put_details(out, &history->items[i]);
	}
}

static json_t *history_str_or_null(const char *s)
{
	return *s ? json_string(s) : json_null();
}

static json_t *history_entry_json(const struct history_entry *h)
{
	json_t *o = json_object();

	json_object_set_new(o, "apply_id", json_string(h->apply_id));
	json_object_set_new(o, "pool", json_string(h->pool));
	json_object_set_new(o, "started_at", history_str_or_null(h->started_at));
	json_object_set_new(o, "finished_at", history_str_or_null(h->finished_at));
	json_object_set_new(o, "kind", json_string(h->kind));
	json_object_set_new(o, "is_move", json_boolean(history_is_move(h->kind)));
	json_object_set_new(o, "from_primary", history_str_or_null(h->from_primary));
	json_object_set_new(o, "to_primary", history_str_or_null(h->to_primary));
	json_object_set_new(o, "result", json_string(h->result));
	json_object_set_new(o, "steps", json_integer(h->steps));
	json_object_set_new(o, "steps_run", json_integer(h->steps_run));
	json_object_set_new(o, "steps_blocked", json_integer(h->steps_blocked));
	json_object_set_new(o, "failed_step", history_str_or_null(h->failed_step));
	json_object_set_new(o, "zero_loss", json_boolean(h->zero_loss));
	json_object_set_new(o, "demotion", h->demotion ? json_incref(h->demotion) : json_null());
	json_object_set_new(o, "exposure", h->exposure ? json_incref(h->exposure) : json_null());
	json_object_set_new(o, "spec_commit", json_string(h->spec_commit));
	json_object_set_new(o, "by", json_string(h->by));
	json_object_set_new(o, "pcdr_version", history_str_or_null(h->version));
	json_object_set_new(o, "audit_commit", json_string(h->audit_commit));
	return o;
}

json_t *history_render_json(const struct history *history)
{
	json_t *applies = json_array();

	for (size_t i = 0; i < history->len; i++)
		json_array_append_new(applies, history_entry_json(&history->items[i]));
	return json_pack("{s:i, s:s, s:o}", "format_version", HISTORY_FORMAT_VERSION, "branch",
	                 history->branch, "applies", applies);
}
