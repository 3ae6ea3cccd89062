/*
 * render_markdown: a plan as a pull request comment (DESIGN.md "Who uses
 * it and how": CI posts `pcdr plan --output markdown` on the pull request
 * that changes the spec). Beside the canonical text of render.h, and as
 * pure: it appends to a strbuf, reads no clock or environment, and equal
 * inputs give equal bytes. It says which spec commit was planned, the
 * pool's current and desired state, each step grouped by phase with what
 * and why, the blocked steps and why, the data-loss exposure and when the
 * pool serves again. It does not decide anything the plan does not say.
 */
#ifndef PCDR_CORE_RENDER_MARKDOWN_H
#define PCDR_CORE_RENDER_MARKDOWN_H

#include "reconciler/core/model.h"
#include "reconciler/core/plan.h"
#include "util/strbuf.h"

/* What the plan alone does not hold; every field may be NULL. */
struct render_context {
	const char *spec_commit;      /* short commit id the spec was read at */
	const char *spec_subject;     /* its subject line */
	const struct model *desired;  /* for the desired pool state and servers */
	const struct model *observed; /* for the current ones */
};

/* Append the markdown of `plan` to `out`. */
void render_markdown(const struct plan *plan, const struct render_context *ctx, struct strbuf *out);

#endif
