/*
 * render_dot_edge: the arrows of `pcdr graph` (render_dot.h). Mirroring
 * goes from the principal to the mirror, log shipping from the primary to
 * the secondary, each drawn once however many copies name it. An arrow
 * is found on the copy that holds the configuration (the principal, the
 * log shipping primary); when only the far end names it (the near end did
 * not answer, or says something else), it is drawn dashed from the far
 * end's facts. A log shipping primary that is a mirror is drawn dashed
 * too: SQL Server's backup job does nothing there until it becomes the
 * principal. Pure: it only appends to the side's strbuf.
 */
#include <string.h>

#include "reconciler/core/render_dot_int.h"

#define COLOUR_MIRRORING "#1f5fbf"
#define COLOUR_SHIPPING  "#b35c00"
#define COLOUR_BROKEN    "#c0392b"
#define COLOUR_GREY      "grey50"

/* The copy `db` on `inst` when that instance answered; NULL otherwise. */
static const struct model_db *live_copy(const struct model *m, const char *inst, const char *db)
{
	const struct model_instance *i = model_instance(m, inst);

	return i && i->reachable ? model_db(i, db) : NULL;
}

static bool lists_secondary(const struct model_db *c, const char *name)
{
	for (size_t i = 0; c->ls_primary.configured && i < c->ls_primary.n_secondaries; i++)
		if (model_same_name(c->ls_primary.secondaries[i], name))
			return true;
	return false;
}

static bool principal_names(const struct model_db *p, const char *mirror)
{
	return p && p->mirroring.role == MODEL_ROLE_PRINCIPAL && p->mirroring.partner &&
	       model_same_name(p->mirroring.partner, mirror);
}

static void copy_edges(const struct render_dot_side *s, const struct model_instance *inst,
                       const struct model_db *c,
                       void (*fn)(const struct render_dot_side *, const struct render_dot_edge *,
                                  void *),
                       void *ctx)
{
	const struct model_mirroring *mr = &c->mirroring;
	struct render_dot_edge e = {
	        RENDER_DOT_MIRRORING, inst->name, mr->partner, c->name, c, false};

	if (mr->role == MODEL_ROLE_PRINCIPAL && mr->partner)
		fn(s, &e, ctx);
	if (mr->role == MODEL_ROLE_MIRROR && mr->partner &&
	    !principal_names(live_copy(s->m, mr->partner, c->name), inst->name)) {
		e = (struct render_dot_edge){
		        RENDER_DOT_MIRRORING, mr->partner, inst->name, c->name, c, true};
		fn(s, &e, ctx);
	}
	for (size_t i = 0; c->ls_primary.configured && i < c->ls_primary.n_secondaries; i++) {
		e = (struct render_dot_edge){RENDER_DOT_LOG_SHIPPING,
		                             inst->name,
		                             c->ls_primary.secondaries[i],
		                             c->name,
		                             c,
		                             false};
		fn(s, &e, ctx);
	}
	if (c->ls_secondary.configured && c->ls_secondary.primary) {
		const struct model_db *p = live_copy(s->m, c->ls_secondary.primary, c->name);

		if (p && lists_secondary(p, inst->name))
			return;
		e = (struct render_dot_edge){RENDER_DOT_LOG_SHIPPING,
		                             c->ls_secondary.primary,
		                             inst->name,
		                             c->name,
		                             c,
		                             true};
		fn(s, &e, ctx);
	}
}

void render_dot_each_edge(const struct render_dot_side *s,
                          void (*fn)(const struct render_dot_side *, const struct render_dot_edge *,
                                     void *),
                          void *ctx)
{
	for (size_t i = 0; i < s->m->n_instances; i++) {
		const struct model_instance *inst = &s->m->instances[i];

		if (!inst->reachable)
			continue;
		for (size_t j = 0; j < inst->n_dbs; j++)
			copy_edges(s, inst, &inst->dbs[j], fn, ctx);
	}
}

/* The node an arrow ends at; a partner the model does not hold gets its own node. */
static void endpoint(struct strbuf *out, const struct render_dot_side *s, const char *name,
                     const char *db)
{
	const struct model_instance *i = model_instance(s->m, name);

	if (!i)
		render_dot_id(out, s, "other", name, NULL);
	else if (!i->reachable || !i->n_dbs)
		render_dot_id(out, s, "sql", i->name, NULL);
	else
		render_dot_id(out, s, "sql", i->name, db);
}

static void declare_other(const struct render_dot_side *s, const char *name, int depth)
{
	struct strbuf *out = s->out;

	if (model_instance(s->m, name))
		return;
	render_dot_indent(out, depth);
	render_dot_id(out, s, "other", name, NULL);
	strbuf_puts(out, " [label=\"");
	render_dot_escape(out, name);
	strbuf_puts(out, "\\nnot in the spec\", style=dashed, color=" COLOUR_GREY
	                 ", fontcolor=" COLOUR_GREY "];\n");
}

static void mirroring_label(struct strbuf *label, const struct model_mirroring *mr)
{
	strbuf_puts(label, "mirroring");
	if (mr->state != MODEL_MSTATE_NONE || mr->safety != MODEL_SAFETY_NONE)
		strbuf_putc(label, '\n');
	if (mr->state != MODEL_MSTATE_NONE)
		strbuf_puts(label, model_mirror_state_name(mr->state));
	if (mr->state != MODEL_MSTATE_NONE && mr->safety != MODEL_SAFETY_NONE)
		strbuf_puts(label, ", ");
	if (mr->safety != MODEL_SAFETY_NONE)
		strbuf_printf(label, "safety %s", model_safety_name(mr->safety));
}

/* The last LSN the secondary restored, when it reported one. */
static void restored_label(struct strbuf *label, const struct render_dot_side *s,
                           const struct render_dot_edge *e)
{
	const struct model_db *sec = e->one_sided ? e->copy : live_copy(s->m, e->to, e->db);
	char lsn[MODEL_LSN_STRLEN];

	if (!sec || !sec->ls_secondary.configured ||
	    model_lsn_is_zero(sec->ls_secondary.last_restored_lsn))
		return;
	model_lsn_format(sec->ls_secondary.last_restored_lsn, lsn);
	strbuf_printf(label, "\nlast restored LSN %s", lsn);
}

/* Label and style of one arrow; returns the style ("solid" or "dashed"). */
static const char *edge_label(struct strbuf *label, const char **colour,
                              const struct render_dot_side *s, const struct render_dot_edge *e)
{
	const struct model_mirroring *mr = &e->copy->mirroring;
	bool idle;

	if (e->kind == RENDER_DOT_MIRRORING) {
		bool broken = mr->state == MODEL_MSTATE_SUSPENDED ||
		              mr->state == MODEL_MSTATE_DISCONNECTED;

		mirroring_label(label, mr);
		*colour = broken ? COLOUR_BROKEN : COLOUR_MIRRORING;
		return e->one_sided || broken ? "dashed" : "solid";
	}
	idle = !e->one_sided && mr->role == MODEL_ROLE_MIRROR;
	*colour = COLOUR_SHIPPING;
	strbuf_puts(label, "log shipping");
	if (idle)
		strbuf_puts(label, "\n(idle on the mirror)");
	else
		restored_label(label, s, e);
	if (e->one_sided)
		strbuf_puts(label, "\n(primary side not seen)");
	return idle || e->one_sided ? "dashed" : "solid";
}

static void emit_edge(const struct render_dot_side *s, const struct render_dot_edge *e, void *ctx)
{
	struct strbuf label = STRBUF_INIT;
	struct strbuf *out = s->out;
	int depth = *(const int *)ctx;
	const char *colour, *style;

	declare_other(s, e->from, depth);
	declare_other(s, e->to, depth);
	style = edge_label(&label, &colour, s, e);
	render_dot_indent(out, depth);
	endpoint(out, s, e->from, e->db);
	strbuf_puts(out, " -> ");
	endpoint(out, s, e->to, e->db);
	strbuf_puts(out, " [label=\"");
	render_dot_escape(out, strbuf_cstr(&label));
	strbuf_printf(out, "\", color=\"%s\", fontcolor=\"%s\"", colour, colour);
	if (strcmp(style, "solid"))
		strbuf_printf(out, ", style=%s", style);
	if (e->kind == RENDER_DOT_MIRRORING)
		strbuf_puts(out, ", penwidth=2");
	strbuf_puts(out, "];\n");
	strbuf_release(&label);
}

void render_dot_edges(const struct render_dot_side *s, int depth)
{
	render_dot_each_edge(s, emit_edge, &depth);
}
