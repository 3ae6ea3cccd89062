/*
 * plan_output: what `pcdr plan` and `pcdr debug plan` share: the
 * --output formats (text, markdown, json), colour for a terminal (only on
 * a TTY, never when NO_COLOR is set), the saved plan of --out, and the
 * exit code a plan's status maps to (docs/plan.md).
 */
#ifndef PCDR_BUILTIN_PLAN_OUTPUT_H
#define PCDR_BUILTIN_PLAN_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "reconciler/core/plan.h"
#include "reconciler/core/render_markdown.h"
#include "reconciler/plan/plan_json.h"
#include "util/strbuf.h"

enum plan_output_format {
	PLAN_OUTPUT_TEXT = 0,
	PLAN_OUTPUT_MARKDOWN,
	PLAN_OUTPUT_JSON,
};

/* "text", "markdown", "json" -> *out; -1 for anything else. */
int plan_output_parse(enum plan_output_format *out, const char *name, bool markdown_ok);

/* Colour on `f`: a terminal, and NO_COLOR unset or empty. */
bool plan_output_colour(FILE *f);

/* Append `plan` in `format` to `out` (JSON: one document, indented). */
void plan_output_render(const struct plan *plan, enum plan_output_format format,
                        const struct render_context *ctx, bool colour, struct strbuf *out);

/* The exit code of one plan: 1 refused, 3 blocked, 2 changes (only when
 * `detailed`), else 0. */
int plan_output_exit_code(const struct plan *plan, bool detailed);

/* The worse of two exit codes (1 > 3 > 2 > 0). */
int plan_output_worse(int a, int b);

/* One long option of a command: a value option (`value` set) or a flag. */
struct plan_output_opt {
	const char *name; /* without the leading "--" */
	const char **value;
	bool *flag;
};

/*
 * Parse argv[1..] as "--name VALUE", "--name=VALUE" or "--flag" against
 * `opts` (terminated by a NULL name). Positional arguments are refused.
 * 0, or PCDR_EXIT_USAGE after printing "pcdr CMD: ..." to stderr.
 */
int plan_output_parse_args(const char *cmd, const struct plan_output_opt *opts, int argc,
                           char **argv);

/* Print "pcdr CMD: MESSAGE" and the help pointer; returns PCDR_EXIT_USAGE. */
int plan_output_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
