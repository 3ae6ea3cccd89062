/*
 * plan_output: formats, colour and exit codes of plans (plan_output.h).
 * Colour decorates the canonical text line by line (status line bold,
 * step titles cyan, BLOCKED and data-loss red, outage and notes yellow)
 * and never changes a character of it, so a terminal and a pipe show the
 * same words.
 */
#include "reconciler/builtin/plan_output.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reconciler/builtin/builtin.h"
#include "reconciler/core/render.h"

#define BOLD   "\033[1m"
#define RED    "\033[31m"
#define YELLOW "\033[33m"
#define CYAN   "\033[36m"
#define RESET  "\033[0m"

int plan_output_parse(enum plan_output_format *out, const char *name, bool markdown_ok)
{
	if (!name || !strcmp(name, "text"))
		*out = PLAN_OUTPUT_TEXT;
	else if (markdown_ok && !strcmp(name, "markdown"))
		*out = PLAN_OUTPUT_MARKDOWN;
	else if (!strcmp(name, "json"))
		*out = PLAN_OUTPUT_JSON;
	else
		return -1;
	return 0;
}

bool plan_output_colour(FILE *f)
{
	const char *no = getenv("NO_COLOR");

	return isatty(fileno(f)) && !(no && *no);
}

static const char *line_colour(const char *line, size_t len)
{
	if (!strncmp(line, "plan for pool", 13))
		return BOLD;
	if (!strncmp(line, "refused:", 8) || !strncmp(line, "    BLOCKED:", 12) ||
	    !strncmp(line, "    risk: data-loss", 19))
		return RED;
	if (!strncmp(line, "note:", 5) || !strncmp(line, "    risk: outage", 16))
		return YELLOW;
	if (len > 4 && line[1] >= '0' && line[1] <= '9' && line[2] == '.' && line[3] == ' ')
		return CYAN;
	return NULL;
}

static void colourise(const char *text, struct strbuf *out)
{
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		const char *c = line_colour(text, len);

		if (c)
			strbuf_puts(out, c);
		strbuf_add(out, text, len);
		if (c)
			strbuf_puts(out, RESET);
		if (nl)
			strbuf_putc(out, '\n');
		text += len + (nl ? 1 : 0);
	}
}

void plan_output_render(const struct plan *plan, enum plan_output_format format,
                        const struct render_context *ctx, bool colour, struct strbuf *out)
{
	struct strbuf text = STRBUF_INIT;

	if (format == PLAN_OUTPUT_JSON) {
		json_t *doc = plan_json(plan);
		char *s = json_dumps(doc, JSON_INDENT(2));

		strbuf_puts(out, s ? s : "null");
		strbuf_putc(out, '\n');
		free(s);
		json_decref(doc);
	} else if (format == PLAN_OUTPUT_MARKDOWN) {
		render_markdown(plan, ctx, out);
	} else if (colour) {
		render_text(plan, &text);
		colourise(strbuf_cstr(&text), out);
	} else {
		render_text(plan, out);
	}
	strbuf_release(&text);
}

int plan_output_exit_code(const struct plan *plan, bool detailed)
{
	switch (plan->status) {
	case PLAN_REFUSED:
		return PCDR_EXIT_ERROR;
	case PLAN_BLOCKED:
		return PCDR_EXIT_PARTIAL;
	case PLAN_READY:
		return detailed ? PCDR_EXIT_CHANGES : PCDR_EXIT_OK;
	default:
		return PCDR_EXIT_OK;
	}
}

static int rank(int code)
{
	return code == PCDR_EXIT_ERROR     ? 3
	       : code == PCDR_EXIT_PARTIAL ? 2
	       : code == PCDR_EXIT_CHANGES ? 1
	                                   : 0;
}

int plan_output_worse(int a, int b)
{
	return rank(a) >= rank(b) ? a : b;
}

int plan_output_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pcdr %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nSee 'pcdr help %.*s'.\n", (int)strcspn(cmd, " "), cmd);
	return PCDR_EXIT_USAGE;
}

static int parse_one(const char *cmd, const struct plan_output_opt *opts, int argc, char **argv,
                     int *i)
{
	const char *opt = argv[*i] + 2, *eq = strchr(opt, '=');
	size_t len = eq ? (size_t)(eq - opt) : strlen(opt);

	for (const struct plan_output_opt *o = opts; o->name; o++) {
		if (strlen(o->name) != len || strncmp(opt, o->name, len))
			continue;
		if (o->flag) {
			if (eq)
				return plan_output_usage(cmd, "option '--%s' takes no value",
				                         o->name);
			*o->flag = true;
			return 0;
		}
		if (eq)
			*o->value = eq + 1;
		else if (*i + 1 < argc)
			*o->value = argv[++*i];
		else
			return plan_output_usage(cmd, "option '%s' needs a value", argv[*i]);
		if (!**o->value)
			return plan_output_usage(cmd, "option '--%s' needs a non-empty value",
			                         o->name);
		return 0;
	}
	return plan_output_usage(cmd, "unknown option '%s'", argv[*i]);
}

int plan_output_parse_args(const char *cmd, const struct plan_output_opt *opts, int argc,
                           char **argv)
{
	int error;

	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) || !argv[i][2])
			return plan_output_usage(cmd, "unexpected argument '%s'", argv[i]);
		if ((error = parse_one(cmd, opts, argc, argv, &i)) != 0)
			return error;
	}
	return 0;
}
