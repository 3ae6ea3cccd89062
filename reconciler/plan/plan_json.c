/*
 * plan_json: the JSON of a plan and of a saved plan (plan_json.h). Keys
 * come out in a fixed order and optional targets are left out rather than
 * written as null, so that equal plans give equal bytes. The fingerprint
 * hashes the sorted facts with libgit2's blob hash: no new dependency, and
 * reproducible by hand with `git hash-object`.
 */
#include "reconciler/plan/plan_json.h"

#include <errno.h>
#include <git2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"

static void put_str(json_t *obj, const char *key, const char *s)
{
	if (s)
		json_object_set_new(obj, key, json_string(s));
}

static json_t *target(const struct plan_step *s)
{
	json_t *t = json_object();

	put_str(t, "database", s->database);
	put_str(t, "instance", s->instance);
	put_str(t, "peer", s->peer);
	put_str(t, "peer2", s->peer2);
	if (s->kind == PLAN_POOL_SET_ACTIVE_SERVERS) {
		json_t *a = json_array();

		for (size_t i = 0; i < s->n_servers; i++)
			json_array_append_new(a, json_string(s->servers[i]));
		json_object_set_new(t, "servers", a);
	}
	if (s->kind == PLAN_POOL_SET_STATE)
		json_object_set_new(t, "pool_state",
		                    json_string(model_pool_state_name(s->pool_state)));
	put_str(t, "share", s->share);
	if (s->has_lsn) {
		char buf[MODEL_LSN_STRLEN];

		model_lsn_format(s->lsn, buf);
		json_object_set_new(t, "lsn", json_string(buf));
	}
	return t;
}

static json_t *step(const struct plan_step *s, size_t n)
{
	json_t *o = json_object(), *deps = json_array(), *facts = json_object();

	json_object_set_new(o, "number", json_integer((json_int_t)n));
	json_object_set_new(o, "phase", json_string(plan_phase_name(s->phase)));
	json_object_set_new(o, "kind", json_string(plan_step_kind_name(s->kind)));
	json_object_set_new(o, "target", target(s));
	json_object_set_new(o, "reason", json_string(s->reason ? s->reason : ""));
	json_object_set_new(o, "risk", json_string(plan_risk_name(s->risk)));
	for (size_t i = 0; i < s->n_deps; i++)
		json_array_append_new(deps, json_integer((json_int_t)s->deps[i] + 1));
	json_object_set_new(o, "dependencies", deps);
	json_object_set_new(o, "blocked", json_boolean(s->blocked));
	if (s->blocked)
		json_object_set_new(o, "blocked_reason",
		                    json_string(s->blocked_reason ? s->blocked_reason : ""));
	if (s->group)
		json_object_set_new(o, "group", json_integer(s->group));
	for (size_t i = 0; i < s->n_facts; i++)
		json_object_set_new(facts, s->facts[i].key, json_string(s->facts[i].value));
	json_object_set_new(o, "facts", facts);
	return o;
}

json_t *plan_json(const struct plan *plan)
{
	json_t *o = json_object(), *notes = json_array(), *steps = json_array();

	json_object_set_new(o, "format_version", json_integer(PLAN_JSON_FORMAT_VERSION));
	json_object_set_new(o, "pool", json_string(plan->pool_name ? plan->pool_name : ""));
	json_object_set_new(o, "status", json_string(plan_status_name(plan->status)));
	json_object_set_new(o, "steps_total", json_integer((json_int_t)plan->n_steps));
	json_object_set_new(o, "steps_blocked", json_integer((json_int_t)plan_blocked_count(plan)));
	if (plan->refusal)
		json_object_set_new(o, "refusal", json_string(plan->refusal));
	for (size_t i = 0; i < plan->n_notes; i++)
		json_array_append_new(notes, json_string(plan->notes[i]));
	json_object_set_new(o, "notes", notes);
	for (size_t i = 0; i < plan->n_steps; i++)
		json_array_append_new(steps, step(&plan->steps[i], i + 1));
	json_object_set_new(o, "steps", steps);
	return o;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void plan_json_facts_text(const struct plan *plan, struct strbuf *out)
{
	size_t n = 0, k = 0;
	char **lines;

	for (size_t i = 0; i < plan->n_steps; i++)
		n += plan->steps[i].n_facts;
	lines = calloc(n ? n : 1, sizeof(*lines));
	if (!lines)
		abort();
	for (size_t i = 0; i < plan->n_steps; i++)
		for (size_t f = 0; f < plan->steps[i].n_facts; f++) {
			struct strbuf line = STRBUF_INIT;

			strbuf_printf(&line, "%s=%s\n", plan->steps[i].facts[f].key,
			              plan->steps[i].facts[f].value);
			lines[k++] = strbuf_detach(&line, NULL);
		}
	qsort(lines, n, sizeof(*lines), cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (!i || strcmp(lines[i], lines[i - 1]))
			strbuf_puts(out, lines[i]);
	}
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

int plan_json_fingerprint(char out[41], const struct plan *plan)
{
	struct strbuf text = STRBUF_INIT;
	git_oid oid;
	int error = 0;

	plan_json_facts_text(plan, &text);
	git_libgit2_init(); /* reference counted; the hash backend may need it */
	error = git_odb_hash(&oid, text.ptr ? text.ptr : "", text.len, GIT_OBJECT_BLOB);
	git_libgit2_shutdown();
	if (error < 0) {
		error = err_set(ERR_GENERIC, "cannot hash the plan's facts");
		goto done;
	}
	git_oid_tostr(out, 41, &oid);
done:
	strbuf_release(&text);
	return error;
}

/* The facts as an object, in the canonical (sorted) order. */
static json_t *facts_object(const struct plan *plan)
{
	struct strbuf text = STRBUF_INIT;
	json_t *o = json_object();
	char *line, *next;

	plan_json_facts_text(plan, &text);
	for (line = text.ptr; line && *line; line = next) {
		char *eq = strchr(line, '='), *nl = strchr(line, '\n');

		next = nl ? nl + 1 : line + strlen(line);
		if (nl)
			*nl = '\0';
		if (eq) {
			*eq = '\0';
			json_object_set_new(o, line, json_string(eq + 1));
		}
	}
	strbuf_release(&text);
	return o;
}

json_t *plan_json_saved(const struct plan *plan, const struct plan_json_spec *spec)
{
	json_t *o, *s, *fp;
	char id[41];

	if (plan_json_fingerprint(id, plan) < 0)
		return NULL;
	o = json_object();
	s = json_object();
	json_object_set_new(o, "format_version", json_integer(PLAN_JSON_FORMAT_VERSION));
	json_object_set_new(o, "kind", json_string("pcdr-saved-plan"));
	if (spec) {
		put_str(s, "commit", spec->commit);
		put_str(s, "subject", spec->subject);
		put_str(s, "path", spec->path);
	}
	json_object_set_new(o, "spec", s);
	json_object_set_new(o, "pool", json_string(plan->pool_name ? plan->pool_name : ""));
	json_object_set_new(o, "plan", plan_json(plan));
	fp = json_object();
	json_object_set_new(fp, "algorithm", json_string("git-blob-sha1"));
	json_object_set_new(fp, "value", json_string(id));
	json_object_set_new(fp, "facts", facts_object(plan));
	json_object_set_new(o, "fingerprint", fp);
	return o;
}

int plan_json_write_file(const json_t *doc, const char *path)
{
	struct strbuf tmp = STRBUF_INIT;
	FILE *f = NULL;
	int error = 0;

	strbuf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	if (!(f = fopen(tmp.ptr, "w"))) {
		error = err_set_errno(ERR_IO, "cannot write '%s'", tmp.ptr);
		goto done;
	}
	if (json_dumpf(doc, f, JSON_INDENT(2)) < 0 || fputc('\n', f) == EOF) {
		error = err_set_errno(ERR_IO, "cannot write '%s'", tmp.ptr);
		goto done;
	}
	if (fclose(f) != 0) {
		f = NULL;
		error = err_set_errno(ERR_IO, "cannot write '%s'", tmp.ptr);
		goto done;
	}
	f = NULL;
	if (rename(tmp.ptr, path) < 0)
		error = err_set_errno(ERR_IO, "cannot rename '%s' to '%s'", tmp.ptr, path);
done:
	if (f)
		fclose(f);
	if (error < 0)
		unlink(tmp.ptr);
	strbuf_release(&tmp);
	return error;
}
