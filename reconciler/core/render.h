/*
 * render: renderings of a plan. render_text is the canonical one: stable
 * order, byte-stable for equal plans, plain ASCII without colour, what
 * golden tests compare and what the CLI decorates (colour, markdown,
 * JSON live in the CLI, not here). Pure: appends to a strbuf.
 */
#ifndef PCDR_CORE_RENDER_H
#define PCDR_CORE_RENDER_H

#include "reconciler/core/plan.h"
#include "util/strbuf.h"

/* Append the canonical text of `plan` to `out`. */
void render_text(const struct plan *plan, struct strbuf *out);

/* Append one line naming what a step does and to what, without a newline. */
void render_step_title(const struct plan_step *step, struct strbuf *out);

#endif
