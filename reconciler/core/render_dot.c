/*
 * render_dot: clusters and nodes of `pcdr graph` (render_dot.h); the
 * arrows are in render_dot_edge.c. Layout of one side: a cluster per site
 * (the desired topology's sites in spec order, then any other site an
 * instance names), inside it a cluster per instance in model order with a
 * node per database copy and the site's Persistent Chat servers; then the
 * pool node, an arrow from it to each active server, and the database
 * arrows. A copy an arrow needs but the instance does not hold gets a
 * dashed node in that instance ("not found" observed, "not managed"
 * desired). Only model order is used, so equal models give equal bytes.
 */
#include "reconciler/core/render_dot.h"

#include <string.h>

#include "reconciler/core/render_dot_int.h"
#include "util/vec.h"

#define FILL_ONLINE    "#d8f0d8"
#define FILL_RESTORING "#dbe6f6"
#define FILL_TROUBLE   "#f6d8d8"
#define FILL_SERVER    "#fff2cc"
#define GREY           "grey50"

void render_dot_escape(struct strbuf *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			strbuf_putc(out, '\\');
		if (*s == '\n')
			strbuf_puts(out, "\\n");
		else if ((unsigned char)*s >= 0x20)
			strbuf_putc(out, *s);
	}
}

void render_dot_id(struct strbuf *out, const struct render_dot_side *s, const char *kind,
                   const char *name, const char *db)
{
	strbuf_printf(out, "\"%s/%s", s->key, kind);
	if (name) {
		strbuf_putc(out, '/');
		render_dot_escape(out, name);
	}
	if (db) {
		strbuf_putc(out, '/');
		render_dot_escape(out, db);
	}
	strbuf_putc(out, '"');
}

void render_dot_indent(struct strbuf *out, int depth)
{
	for (int i = 0; i < depth; i++)
		strbuf_putc(out, '\t');
}

/* `NAME [label="TEXT"` (the caller adds attributes and closes). */
static void node_open(const struct render_dot_side *s, int depth, const char *kind,
                      const char *name, const char *db, const char *label)
{
	render_dot_indent(s->out, depth);
	render_dot_id(s->out, s, kind, name, db);
	strbuf_puts(s->out, " [label=\"");
	render_dot_escape(s->out, label);
	strbuf_putc(s->out, '"');
}

static const char *state_fill(enum model_db_state state)
{
	switch (state) {
	case MODEL_DB_ONLINE:
		return FILL_ONLINE;
	case MODEL_DB_RESTORING:
		return FILL_RESTORING;
	case MODEL_DB_ABSENT:
		return NULL;
	default:
		return FILL_TROUBLE;
	}
}

static void observed_copy_label(struct strbuf *l, const struct model_db *c)
{
	strbuf_printf(l, "%s\n%s%s", c->name, model_db_state_name(c->state),
	              c->is_in_standby ? " (STANDBY)" : "");
	if (c->mirroring.role != MODEL_ROLE_NONE)
		strbuf_printf(l, "\n%s", model_role_name(c->mirroring.role));
	if (c->ls_primary.configured)
		strbuf_puts(l, "\nlog shipping primary");
	if (c->ls_secondary.configured)
		strbuf_puts(l, "\nlog shipping secondary");
	if (c->user_sessions)
		strbuf_printf(l, "\n%u user session%s", c->user_sessions,
		              c->user_sessions == 1 ? "" : "s");
}

static void desired_copy_label(struct strbuf *l, const struct model_db *c)
{
	strbuf_puts(l, c->name);
	if (c->want & MODEL_WANT_STATE)
		strbuf_printf(l, "\n%s%s", model_db_state_name(c->state),
		              c->standby_ok ? " or STANDBY" : "");
	else if (c->want & MODEL_WANT_EXISTS)
		strbuf_puts(l, "\nexists (any state)");
	if (c->want & MODEL_WANT_MIRRORING)
		strbuf_puts(l, c->mirroring.role == MODEL_ROLE_NONE
		                       ? "\nnot mirrored"
		                       : (c->mirroring.role == MODEL_ROLE_PRINCIPAL ? "\nPRINCIPAL"
		                                                                    : "\nMIRROR"));
	if ((c->want & MODEL_WANT_LS_PRIMARY) && c->ls_primary.configured)
		strbuf_puts(l, "\nlog shipping primary");
	if ((c->want & MODEL_WANT_LS_SECONDARY) && c->ls_secondary.configured)
		strbuf_puts(l, "\nlog shipping secondary");
	if (c->want & MODEL_WANT_IN_CHAIN)
		strbuf_puts(l, "\non the log chain");
}

static void copy_node(const struct render_dot_side *s, int depth, const struct model_instance *inst,
                      const struct model_db *c)
{
	struct strbuf label = STRBUF_INIT;
	const char *fill = state_fill(c->state);

	if (s->desired)
		desired_copy_label(&label, c);
	else
		observed_copy_label(&label, c);
	if (s->desired && !(c->want & MODEL_WANT_STATE))
		fill = NULL;
	node_open(s, depth, "sql", inst->name, c->name, strbuf_cstr(&label));
	if (fill)
		strbuf_printf(s->out, ", fillcolor=\"%s\"", fill);
	else
		strbuf_puts(s->out, ", style=\"rounded,dashed\"");
	strbuf_puts(s->out, "];\n");
	strbuf_release(&label);
}

/* Dashed nodes for the copies arrows need on `inst` that it does not hold. */
struct phantoms {
	const struct model_instance *inst;
	VEC(const char *) dbs;
	int depth;
	struct strbuf label;
};

static void phantom_end(const struct render_dot_side *s, struct phantoms *p, const char *name,
                        const char *db)
{
	if (!model_same_name(name, p->inst->name) || model_db(p->inst, db))
		return;
	for (size_t i = 0; i < p->dbs.len; i++)
		if (!strcmp(p->dbs.items[i], db))
			return;
	vec_push(&p->dbs, db);
	strbuf_reset(&p->label);
	strbuf_printf(&p->label, "%s\n%s", db, s->desired ? "not managed" : "not found");
	node_open(s, p->depth, "sql", p->inst->name, db, strbuf_cstr(&p->label));
	strbuf_puts(s->out, ", style=\"rounded,dashed\"];\n");
}

static void phantom_edge(const struct render_dot_side *s, const struct render_dot_edge *e,
                         void *ctx)
{
	phantom_end(s, ctx, e->from, e->db);
	phantom_end(s, ctx, e->to, e->db);
}

/* An instance that did not answer, or holds no copy: one node. */
static void instance_node(const struct render_dot_side *s, int depth,
                          const struct model_instance *inst)
{
	struct strbuf label = STRBUF_INIT;

	if (!inst->reachable)
		strbuf_printf(&label, "did not answer%s%s", inst->unreachable_reason ? "\n" : "",
		              inst->unreachable_reason ? inst->unreachable_reason : "");
	else
		strbuf_puts(&label, s->desired ? "not managed" : "no database");
	node_open(s, depth, "sql", inst->name, NULL, strbuf_cstr(&label));
	strbuf_puts(s->out, ", style=\"rounded,dashed\"");
	if (!inst->reachable)
		strbuf_puts(s->out, ", color=" GREY ", fontcolor=" GREY);
	strbuf_puts(s->out, "];\n");
	strbuf_release(&label);
}

static bool is_active(const struct model *m, const char *server)
{
	for (size_t i = 0; i < m->pool.n_active_servers; i++)
		if (model_same_name(m->pool.active_servers[i], server))
			return true;
	return false;
}

static bool pinged(const struct model *m, const char *server)
{
	for (size_t i = 0; i < m->pool.n_pings; i++)
		if (model_same_name(m->pool.pings[i], server))
			return true;
	return false;
}

static void server_node(const struct render_dot_side *s, int depth, const char *server)
{
	bool active = is_active(s->m, server), ping = pinged(s->m, server);
	struct strbuf label = STRBUF_INIT;

	strbuf_printf(&label, "%s%s", server, ping ? "\nrecent ping" : "");
	node_open(s, depth, "server", server, NULL, strbuf_cstr(&label));
	strbuf_release(&label);
	strbuf_puts(s->out, ", shape=ellipse");
	if (active)
		strbuf_puts(s->out, ", fillcolor=\"" FILL_SERVER "\"");
	else
		strbuf_puts(s->out, ", style=dashed, fontcolor=" GREY);
	if (ping && !active)
		strbuf_puts(s->out, ", color=\"#c0392b\"");
	else if (!active)
		strbuf_puts(s->out, ", color=" GREY);
	strbuf_puts(s->out, "];\n");
}

/* `subgraph "cluster/SIDE/KIND/NAME" {` and its label. */
static void cluster_open(const struct render_dot_side *s, int depth, const char *kind,
                         const char *name, const char *label)
{
	struct strbuf *out = s->out;

	render_dot_indent(out, depth);
	strbuf_printf(out, "subgraph \"cluster/%s/%s", s->key, kind);
	if (name) {
		strbuf_putc(out, '/');
		render_dot_escape(out, name);
	}
	strbuf_puts(out, "\" {\n");
	render_dot_indent(out, depth + 1);
	strbuf_puts(out, "label=\"");
	render_dot_escape(out, label);
	strbuf_puts(out, "\";\n");
}

static void cluster_close(const struct render_dot_side *s, int depth)
{
	render_dot_indent(s->out, depth);
	strbuf_puts(s->out, "}\n");
}

static void instance_cluster(const struct render_dot_side *s, int depth,
                             const struct model_instance *inst)
{
	cluster_open(s, depth, "sql", inst->name, inst->name);
	if (!inst->reachable) {
		render_dot_indent(s->out, depth + 1);
		strbuf_puts(s->out, "style=dashed; color=" GREY "; fontcolor=" GREY ";\n");
	}
	if (!inst->reachable || !inst->n_dbs) {
		instance_node(s, depth + 1, inst);
	} else {
		struct phantoms p = {inst, VEC_INIT, depth + 1, STRBUF_INIT};

		for (size_t i = 0; i < inst->n_dbs; i++)
			copy_node(s, depth + 1, inst, &inst->dbs[i]);
		render_dot_each_edge(s, phantom_edge, &p);
		vec_free(&p.dbs);
		strbuf_release(&p.label);
	}
	cluster_close(s, depth);
}

static const struct model_site *topo_site(const struct model_topology *t, const char *name)
{
	for (size_t i = 0; t && name && i < t->n_sites; i++)
		if (!strcmp(t->sites[i].name, name))
			return &t->sites[i];
	return NULL;
}

static void site_cluster(const struct render_dot_side *s, int depth, const char *site)
{
	const struct model_topology *t = s->topo;
	const struct model_site *ts = topo_site(t, site);
	bool home = t && t->home && !strcmp(t->home, site);
	bool primary = s->desired && t && t->primary && !strcmp(t->primary, site);
	struct strbuf label = STRBUF_INIT;

	strbuf_printf(&label, "site %s%s%s%s%s", site, home || primary ? " (" : "",
	              home ? "home" : "", home && primary ? ", " : "",
	              primary ? "primary)" : (home ? ")" : ""));
	cluster_open(s, depth, "site", site, strbuf_cstr(&label));
	strbuf_release(&label);
	for (size_t i = 0; i < s->m->n_instances; i++)
		if (s->m->instances[i].site && !strcmp(s->m->instances[i].site, site))
			instance_cluster(s, depth + 1, &s->m->instances[i]);
	for (size_t i = 0; ts && i < ts->n_servers; i++)
		server_node(s, depth + 1, ts->servers[i]);
	cluster_close(s, depth);
}

/* The topology's sites in spec order, then any other site an instance names. */
static void each_site(const struct render_dot_side *s, int depth)
{
	VEC(const char *) done = VEC_INIT;

	for (size_t i = 0; s->topo && i < s->topo->n_sites; i++)
		vec_push(&done, s->topo->sites[i].name);
	for (size_t i = 0; i < s->m->n_instances; i++) {
		const char *site = s->m->instances[i].site;
		size_t j = 0;

		while (site && j < done.len && strcmp(done.items[j], site))
			j++;
		if (site && j == done.len)
			vec_push(&done, site);
	}
	for (size_t i = 0; i < done.len; i++)
		site_cluster(s, depth, done.items[i]);
	for (size_t i = 0; i < s->m->n_instances; i++)
		if (!s->m->instances[i].site)
			instance_cluster(s, depth, &s->m->instances[i]);
	vec_free(&done);
}

static bool in_topology(const struct model_topology *t, const char *server)
{
	for (size_t i = 0; t && i < t->n_sites; i++)
		for (size_t j = 0; j < t->sites[i].n_servers; j++)
			if (model_same_name(t->sites[i].servers[j], server))
				return true;
	return false;
}

static void pool_node(const struct render_dot_side *s, int depth)
{
	const struct model_pool *pool = &s->m->pool;
	struct strbuf label = STRBUF_INIT;

	strbuf_printf(&label, "pool %s", s->m->pool_name ? s->m->pool_name : "");
	if (s->desired && s->topo && s->topo->identity)
		strbuf_printf(&label, "\n%s", s->topo->identity);
	if (!pool->reachable)
		strbuf_printf(&label, "\ndid not answer%s%s", pool->unreachable_reason ? "\n" : "",
		              pool->unreachable_reason ? pool->unreachable_reason : "");
	else
		strbuf_printf(&label, "\n%s", model_pool_state_name(pool->state));
	if (pool->reachable && !pool->n_active_servers)
		strbuf_puts(&label, "\nno active server");
	node_open(s, depth, "pool", NULL, NULL, strbuf_cstr(&label));
	strbuf_puts(s->out, ", shape=hexagon, fillcolor=\"#eeeeee\"");
	if (!pool->reachable)
		strbuf_puts(s->out, ", style=dashed, color=" GREY ", fontcolor=" GREY);
	strbuf_puts(s->out, "];\n");
	strbuf_release(&label);
}

static void pool_edges(const struct render_dot_side *s, int depth)
{
	const struct model_pool *pool = &s->m->pool;

	for (size_t i = 0; i < pool->n_active_servers; i++) {
		if (!in_topology(s->topo, pool->active_servers[i]))
			server_node(s, depth, pool->active_servers[i]);
	}
	for (size_t i = 0; i < pool->n_active_servers; i++) {
		render_dot_indent(s->out, depth);
		render_dot_id(s->out, s, "pool", NULL, NULL);
		strbuf_puts(s->out, " -> ");
		render_dot_id(s->out, s, "server", pool->active_servers[i], NULL);
		strbuf_puts(s->out, " [label=\"active\", color=grey30, fontcolor=grey30];\n");
	}
}

static void side(const struct render_dot_side *s, int depth, const char *label)
{
	cluster_open(s, depth, "side", NULL, label);
	each_site(s, depth + 1);
	pool_node(s, depth + 1);
	pool_edges(s, depth + 1);
	render_dot_edges(s, depth + 1);
	cluster_close(s, depth);
}

void render_dot(const struct model *desired, const struct model *observed,
                const struct render_dot_opts *opts, struct strbuf *out)
{
	const struct model *any = observed ? observed : desired;
	const struct model_topology *topo =
	        desired && desired->topo.primary ? &desired->topo : NULL;
	const char *name = any && any->pool_name ? any->pool_name : "";
	struct strbuf label = STRBUF_INIT;

	strbuf_printf(&label, "pcdr graph: pool '%s'", name);
	if (opts && opts->title)
		strbuf_printf(&label, "\n%s", opts->title);
	strbuf_puts(out, "digraph \"");
	render_dot_escape(out, name);
	strbuf_puts(out, "\" {\n\tgraph [label=\"");
	render_dot_escape(out, strbuf_cstr(&label));
	strbuf_puts(out, "\", labelloc=t, fontname=\"Helvetica\", fontsize=14];\n"
	                 "\tnode [shape=box, style=\"rounded,filled\", fillcolor=white, "
	                 "fontname=\"Helvetica\", fontsize=10];\n"
	                 "\tedge [fontname=\"Helvetica\", fontsize=9];\n");
	if (observed)
		side(&(struct render_dot_side){"current", observed, topo, false, out}, 1,
		     "current (observed)");
	if (desired)
		side(&(struct render_dot_side){"desired", desired, topo, true, out}, 1,
		     "desired (spec)");
	strbuf_puts(out, "}\n");
	strbuf_release(&label);
}
