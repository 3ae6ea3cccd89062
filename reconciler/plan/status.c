/*
 * status: the observed topology as a table or JSON (status.h). Rows are
 * built as cells first, then every column is padded to its widest cell,
 * so the table lines up whatever the names; a copy the spec does not
 * manage is marked `stale` in the last column and listed after the table.
 */
#include "reconciler/plan/status.h"

#include <stdio.h>
#include <string.h>

#include "reconciler/plan/model_json.h"
#include "util/vec.h"
#include "util/xalloc.h"

enum { COLS = 10 };

static const char *const headers[COLS] = {"INSTANCE", "SITE",      "REACHABLE",    "DATABASE",
                                          "STATE",    "MIRRORING", "LOG SHIPPING", "LAST RESTORED",
                                          "SESSIONS", "NOTE"};

struct row {
	char *cell[COLS];
};

struct rows { /* a VEC(struct row) with a name, to pass around */
	struct row *items;
	size_t len, cap;
};

/* A copy of a shipped database where the spec wants none is not managed:
 * a stale copy (a leftover RESTORING copy on the other site's mirror after
 * a switchover). Copies of databases that are not shipped belong to each
 * site (Topology Builder made them) and are never called stale. */
static bool stale(const struct model *desired, const struct model_instance *in,
                  const struct model_db *db)
{
	const struct model_dbspec *spec = desired ? model_dbspec(desired, db->name) : NULL;

	if (!spec || !spec->shipped)
		return false;
	return model_copy_of(desired, in->name, db->name) == NULL;
}

static char *fmt(const char *f, const char *a, const char *b, const char *c)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_printf(&sb, f, a ? a : "", b ? b : "", c ? c : "");
	return strbuf_detach(&sb, NULL);
}

static char *ls_role(const struct model_db *db)
{
	struct strbuf sb = STRBUF_INIT;

	if (db->ls_primary.configured) {
		strbuf_puts(&sb, "primary ->");
		for (size_t i = 0; i < db->ls_primary.n_secondaries; i++)
			strbuf_printf(&sb, "%s%s", i ? "," : " ", db->ls_primary.secondaries[i]);
		if (!db->ls_primary.n_secondaries)
			strbuf_puts(&sb, " (none)");
	}
	if (db->ls_secondary.configured)
		strbuf_printf(&sb, "%ssecondary <- %s", sb.len ? "; " : "",
		              db->ls_secondary.primary ? db->ls_secondary.primary : "?");
	if (!sb.len)
		strbuf_puts(&sb, "-");
	return strbuf_detach(&sb, NULL);
}

static char *restored(const struct model_db *db)
{
	char lsn[MODEL_LSN_STRLEN];

	if (!db->ls_secondary.configured || !db->ls_secondary.last_restored_file)
		return xstrdup("-");
	model_lsn_format(db->ls_secondary.last_restored_lsn, lsn);
	return fmt("%s (LSN %s)%s", db->ls_secondary.last_restored_file, lsn, "");
}

static void db_row(struct row *r, const struct model *desired, const struct model_instance *in,
                   const struct model_db *db)
{
	char n[24];

	r->cell[3] = xstrdup(db->name);
	r->cell[4] = xstrdup(db->is_in_standby ? "STANDBY" : model_db_state_name(db->state));
	if (db->mirroring.role != MODEL_ROLE_NONE)
		r->cell[5] = fmt("%s %s %s", model_role_name(db->mirroring.role),
		                 model_mirror_state_name(db->mirroring.state),
		                 db->mirroring.partner ? db->mirroring.partner : "?");
	else
		r->cell[5] = xstrdup("-");
	r->cell[6] = ls_role(db);
	r->cell[7] = restored(db);
	snprintf(n, sizeof(n), "%u", db->user_sessions);
	r->cell[8] = xstrdup(n);
	r->cell[9] = xstrdup(stale(desired, in, db) ? "stale" : "");
}

static void instance_rows(struct rows *rows, const struct model *desired,
                          const struct model_instance *in)
{
	struct row r;
	size_t first = rows->len;

	memset(&r, 0, sizeof(r));
	if (!in->reachable) {
		/* why goes last, so a long connection error widens no column */
		r.cell[2] = xstrdup("no");
		r.cell[9] = xstrdup(in->unreachable_reason ? in->unreachable_reason : "?");
		vec_push(rows, r);
	} else if (!in->n_dbs) {
		r.cell[2] = xstrdup("yes");
		r.cell[3] = xstrdup("(no user database)");
		vec_push(rows, r);
	}
	for (size_t i = 0; in->reachable && i < in->n_dbs; i++) {
		memset(&r, 0, sizeof(r));
		r.cell[2] = xstrdup(i ? "" : "yes");
		db_row(&r, desired, in, &in->dbs[i]);
		vec_push(rows, r);
	}
	rows->items[first].cell[0] = xstrdup(in->name);
	rows->items[first].cell[1] = xstrdup(in->site ? in->site : "?");
}

static void print_rows(const struct row *rows, size_t n, struct strbuf *out)
{
	size_t width[COLS];

	for (int c = 0; c < COLS; c++) {
		width[c] = strlen(headers[c]);
		for (size_t i = 0; i < n; i++)
			if (rows[i].cell[c] && strlen(rows[i].cell[c]) > width[c])
				width[c] = strlen(rows[i].cell[c]);
	}
	for (size_t i = 0; i <= n; i++) {
		size_t mark = out->len;

		for (int c = 0; c < COLS; c++) {
			const char *s = i ? rows[i - 1].cell[c] : headers[c];

			strbuf_printf(out, "%-*s%s", c == COLS - 1 ? 0 : (int)width[c], s ? s : "",
			              c == COLS - 1 ? "" : "  ");
		}
		while (out->len > mark && out->ptr[out->len - 1] == ' ')
			strbuf_truncate(out, out->len - 1);
		strbuf_putc(out, '\n');
	}
}

static void servers(const struct model_pool *p, struct strbuf *out)
{
	if (!p->n_active_servers)
		strbuf_puts(out, "(none)");
	for (size_t i = 0; i < p->n_active_servers; i++)
		strbuf_printf(out, "%s%s", i ? ", " : "", p->active_servers[i]);
}

static void pool_lines(const struct model *o, const struct model *d, struct strbuf *out)
{
	strbuf_printf(out, "pool '%s': ", o->pool_name ? o->pool_name : "?");
	if (!o->pool.reachable) {
		strbuf_printf(out, "unknown (%s)\n",
		              o->pool.unreachable_reason ? o->pool.unreachable_reason
		                                         : "no answer");
	} else {
		strbuf_printf(out, "%s, active servers ", model_pool_state_name(o->pool.state));
		servers(&o->pool, out);
		strbuf_putc(out, '\n');
	}
	if (d) {
		strbuf_printf(out, "spec: %s, active servers ",
		              model_pool_state_name(d->pool.state));
		servers(&d->pool, out);
		strbuf_putc(out, '\n');
	}
	if (o->pool.n_pings) {
		strbuf_puts(out, "recent pings:");
		for (size_t i = 0; i < o->pool.n_pings; i++)
			strbuf_printf(out, " %s", o->pool.pings[i]);
		strbuf_putc(out, '\n');
	}
}

void status_render_text(const struct model *observed, const struct model *desired,
                        struct strbuf *out)
{
	struct rows rows = VEC_INIT;

	pool_lines(observed, desired, out);
	strbuf_putc(out, '\n');
	for (size_t i = 0; i < observed->n_instances; i++)
		instance_rows(&rows, desired, &observed->instances[i]);
	print_rows(rows.items, rows.len, out);
	for (size_t i = 0; i < rows.len; i++)
		for (int c = 0; c < COLS; c++)
			free(rows.items[i].cell[c]);
	vec_free(&rows);
	for (size_t i = 0; i < observed->n_instances; i++) {
		const struct model_instance *in = &observed->instances[i];

		for (size_t k = 0; in->reachable && k < in->n_dbs; k++)
			if (stale(desired, in, &in->dbs[k]))
				strbuf_printf(
				        out,
				        "note: '%s' on '%s' is a stale copy (%s): the spec does "
				        "not manage it and pcdr never drops a database\n",
				        in->dbs[k].name, in->name,
				        model_db_state_name(in->dbs[k].state));
	}
}

json_t *status_json(const struct model *observed, const struct model *desired)
{
	json_t *o = json_object(), *st = json_array();

	json_object_set_new(o, "format_version", json_integer(STATUS_JSON_FORMAT_VERSION));
	json_object_set_new(o, "pool", json_string(observed->pool_name ? observed->pool_name : ""));
	if (desired) {
		json_t *d = json_object(), *a = json_array();

		json_object_set_new(d, "state",
		                    json_string(model_pool_state_name(desired->pool.state)));
		for (size_t i = 0; i < desired->pool.n_active_servers; i++)
			json_array_append_new(a, json_string(desired->pool.active_servers[i]));
		json_object_set_new(d, "active_servers", a);
		json_object_set_new(o, "desired_pool", d);
	}
	json_object_set_new(o, "observed", model_json_dump(observed));
	for (size_t i = 0; i < observed->n_instances; i++) {
		const struct model_instance *in = &observed->instances[i];

		for (size_t k = 0; in->reachable && k < in->n_dbs; k++)
			if (stale(desired, in, &in->dbs[k]))
				json_array_append_new(st,
				                      json_pack("{s:s, s:s}", "instance", in->name,
				                                "database", in->dbs[k].name));
	}
	json_object_set_new(o, "stale_copies", st);
	return o;
}
