/*
 * audit_message: what a record's envelope must hold (audit_facts_get),
 * and the text derived from it: the record's path in the audit tree, the
 * commit message (a summary line a person reads in `git log --oneline`,
 * a short body, then the trailers `pcdr history` and the no-replay check
 * parse) and the one line added to the spec commit's note.
 *
 * Everything here is a pure function of the record: no git, no clock.
 */
#include "reconciler/audit/audit_int.h"

#include <stdio.h>
#include <string.h>

#include "util/err.h"

static int audit_one_of(const char *s, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s, list[i]))
			return 1;
	return 0;
}

static int audit_is_name(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (!n || n > max || s[0] == '.' || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static int audit_is_hex40(const char *s)
{
	if (strlen(s) != 40)
		return 0;
	for (size_t i = 0; i < 40; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* "2026-11-28T14:02:11Z" */
static int audit_is_utc_time(const char *s)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";

	if (strlen(s) != sizeof(shape) - 1)
		return 0;
	for (size_t i = 0; shape[i]; i++)
		if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i])
			return 0;
	return 1;
}

static const char *audit_str(const json_t *record, const char *key)
{
	return json_string_value(json_object_get(record, key));
}

static const char *audit_str_or(const json_t *record, const char *key)
{
	const char *s = audit_str(record, key);

	return s ? s : "?";
}

/* `s` on one line: control characters become '?', at most 200 bytes. */
static void audit_put_clean(struct strbuf *out, const char *s)
{
	for (size_t i = 0; s[i] && i < 200; i++)
		strbuf_putc(out, (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i]);
}

/* Steps that started: their result is succeeded, failed or interrupted. */
static void audit_count_steps(struct audit_facts *facts, const json_t *steps)
{
	static const char *const ran[] = {"succeeded", "failed", "interrupted"};
	size_t i;
	json_t *step;

	facts->n_steps = (int)json_array_size(steps);
	json_array_foreach(steps, i, step)
	{
		const char *r = audit_str(step, "result");

		if (r && audit_one_of(r, ran, 3))
			facts->steps_run++;
		if (r && !strcmp(r, "blocked"))
			facts->steps_blocked++;
	}
}

int audit_facts_get(struct audit_facts *facts, const json_t *record)
{
	static const char *const results[] = {"intent", "succeeded", "failed", "interrupted"};
	static const char *const kinds[] = {"failover", "failback", "switchover", "converge",
	                                    "none"};
	json_t *version = json_object_get(record, "format_version");

	memset(facts, 0, sizeof(*facts));
	if (!json_is_object(record))
		return err_set(ERR_INVALID, "an audit record must be a JSON object");
	if (!json_is_integer(version) || json_integer_value(version) != AUDIT_FORMAT_VERSION)
		return err_set(ERR_INVALID, "audit record: 'format_version' must be %d",
		               AUDIT_FORMAT_VERSION);
	facts->pool = audit_str(record, "pool");
	facts->apply_id = audit_str(record, "apply_id");
	facts->spec_commit = audit_str(record, "spec_commit");
	facts->result = audit_str(record, "result");
	facts->started_at = audit_str(record, "started_at");
	facts->kind = audit_str(record, "kind");
	if (!facts->pool || !audit_is_name(facts->pool, 100))
		return err_set(ERR_INVALID, "audit record: 'pool' must be a pool name");
	if (!facts->apply_id || !audit_is_name(facts->apply_id, 31))
		return err_set(ERR_INVALID, "audit record: 'apply_id' must be a short id");
	if (!facts->spec_commit || !audit_is_hex40(facts->spec_commit))
		return err_set(ERR_INVALID, "audit record: 'spec_commit' must be a full commit id");
	if (!facts->result || !audit_one_of(facts->result, results, 4))
		return err_set(ERR_INVALID, "audit record: 'result' must be intent, succeeded, "
		                            "failed or interrupted");
	if (!facts->started_at || !audit_is_utc_time(facts->started_at))
		return err_set(ERR_INVALID, "audit record: 'started_at' must be a UTC time "
		                            "such as 2026-11-28T14:02:11Z");
	if (facts->kind && !audit_one_of(facts->kind, kinds, 5))
		return err_set(ERR_INVALID, "audit record: unknown 'kind' '%s'", facts->kind);
	if (!json_is_array(json_object_get(record, "steps")))
		return err_set(ERR_INVALID, "audit record: 'steps' must be an array");
	audit_count_steps(facts, json_object_get(record, "steps"));
	facts->is_intent = !strcmp(facts->result, "intent");
	return 0;
}

void audit_record_path(struct strbuf *out, const struct audit_facts *facts)
{
	strbuf_printf(out, "records/%s/", facts->pool);
	for (const char *p = facts->started_at; *p; p++) /* 20261128T140211Z */
		if (*p != '-' && *p != ':')
			strbuf_putc(out, *p);
	strbuf_printf(out, "-%s%s.json", facts->apply_id, facts->is_intent ? ".intent" : "");
}

/* "failover dc1 -> dc2", "converge", "no change" or the record's summary. */
static void audit_put_action(struct strbuf *out, const json_t *record,
                             const struct audit_facts *facts)
{
	const char *summary = audit_str(record, "summary");
	const char *from = audit_str(record, "from_primary"), *to = audit_str(record, "to_primary");
	const char *kind = facts->kind ? facts->kind : (facts->n_steps ? "converge" : "none");

	if (summary && *summary && !strchr(summary, '\n'))
		strbuf_puts(out, summary);
	else if (from && to && strcmp(kind, "converge") && strcmp(kind, "none"))
		strbuf_printf(out, "%s %s -> %s", kind, from, to);
	else
		strbuf_puts(out, strcmp(kind, "none") ? kind : "no change");
}

static void audit_put_summary(struct strbuf *out, const json_t *record,
                              const struct audit_facts *facts)
{
	strbuf_printf(out, "apply %s: ", facts->pool);
	audit_put_action(out, record, facts);
	if (facts->is_intent)
		strbuf_printf(out, " (intent, %d step%s planned)", facts->n_steps,
		              facts->n_steps == 1 ? "" : "s");
	else
		strbuf_printf(out, " (%s, %d step%s)", facts->result, facts->n_steps,
		              facts->n_steps == 1 ? "" : "s");
}

static void audit_put_steps(struct strbuf *out, const json_t *steps)
{
	size_t i;
	json_t *step;

	json_array_foreach(steps, i, step)
	{
		const char *name = audit_str(step, "name"), *result = audit_str(step, "result");
		const char *target = audit_str(step, "target"), *error = audit_str(step, "error");

		strbuf_printf(out, "  %-11s ", result && strlen(result) < 20 ? result : "?");
		audit_put_clean(out, name ? name : "?");
		if (target) {
			strbuf_putc(out, ' ');
			audit_put_clean(out, target);
		}
		if (error && *error) {
			strbuf_puts(out, ": ");
			audit_put_clean(out, error);
		}
		strbuf_putc(out, '\n');
	}
}

static void audit_put_body(struct strbuf *out, const json_t *record,
                           const struct audit_facts *facts)
{
	const json_t *who = json_object_get(record, "reconciler");
	const json_t *demotion = json_object_get(record, "demotion");
	const char *finished = audit_str(record, "finished_at");

	strbuf_printf(out, "Started %s", facts->started_at);
	if (finished)
		strbuf_printf(out, ", finished %s", finished);
	if (json_is_object(who))
		strbuf_printf(out, " by %s on %s with pcdr %s", audit_str_or(who, "user"),
		              audit_str_or(who, "host"), audit_str_or(who, "version"));
	strbuf_puts(out, ".\n");
	if (facts->n_steps) {
		strbuf_puts(out, facts->is_intent ? "Planned steps:\n" : "Steps:\n");
		audit_put_steps(out, json_object_get(record, "steps"));
	}
	if (json_is_object(demotion))
		strbuf_printf(out, "Demotion: tail-log backup %s at LSN %s.\n",
		              audit_str_or(demotion, "tail_log_backup"),
		              audit_str_or(demotion, "lsn"));
}

void audit_message(struct strbuf *out, const json_t *record, const struct audit_facts *facts,
                   const char *path)
{
	audit_put_summary(out, record, facts);
	strbuf_puts(out, "\n\n");
	audit_put_body(out, record, facts);
	strbuf_printf(out, "\nSpec-Commit: %s\nPool: %s\nResult: %s\n", facts->spec_commit,
	              facts->pool, facts->result);
	strbuf_printf(out, "Apply-Id: %s\nKind: %s\nSteps-Run: %d\n", facts->apply_id,
	              facts->kind ? facts->kind : (facts->n_steps ? "converge" : "none"),
	              facts->steps_run);
	if (!facts->is_intent)
		strbuf_printf(out, "Steps-Blocked: %d\n", facts->steps_blocked);
	strbuf_printf(out, "Record: %s\n", path);
}

void audit_note_line(struct strbuf *out, const json_t *record, const struct audit_facts *facts)
{
	const json_t *who = json_object_get(record, "reconciler");

	strbuf_printf(out, "%s pcdr apply %s: ", facts->started_at, facts->apply_id);
	audit_put_action(out, record, facts);
	strbuf_printf(out, " on %s (%s, %d step%s)", facts->pool, facts->result, facts->n_steps,
	              facts->n_steps == 1 ? "" : "s");
	if (json_is_object(who))
		strbuf_printf(out, " by %s@%s", audit_str_or(who, "user"),
		              audit_str_or(who, "host"));
	strbuf_putc(out, '\n');
}
