/*
 * pcdr history: the applies recorded on the audit branch of the spec
 * repository, newest first, failovers and failbacks marked: a readable
 * story (--output text) or JSON with a format_version (--output json).
 *
 * It only reads: for a URL the cache is fetched (as validate does), and
 * a local repository is read as it is (its audit branch is what pcdr
 * apply wrote or fetched there). Reading and rendering are in
 * reconciler/audit/history.c; this file is options and printing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconciler/audit/audit.h"
#include "reconciler/audit/history.h"
#include "reconciler/builtin/builtin.h"
#include "reconciler/source/gitsrc.h"
#include "util/err.h"
#include "util/strbuf.h"

struct history_args {
	const char *repo;
	const char *ref; /* accepted for symmetry with validate and plan; ignored */
	const char *pool;
	const char *output;
	const char *limit;
	const char *cache;
	const char *branch;
	size_t max;
	int json;
};

__attribute__((format(printf, 1, 2))) static int history_usage(const char *fmt, ...)
{
	va_list ap;

	fputs("pcdr history: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nSee 'pcdr help history'.\n", stderr);
	return PCDR_EXIT_USAGE;
}

static int history_option(struct history_args *args, int argc, char **argv, int *i)
{
	static const char *const names[] = {"repo",  "ref",   "pool",  "output",
	                                    "limit", "cache", "branch"};
	const char **slots[] = {&args->repo,  &args->ref,   &args->pool,  &args->output,
	                        &args->limit, &args->cache, &args->branch};
	const char *opt = argv[*i] + 2;
	const char *eq = strchr(opt, '=');
	size_t len = eq ? (size_t)(eq - opt) : strlen(opt);

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (strlen(names[k]) != len || strncmp(opt, names[k], len))
			continue;
		if (eq)
			*slots[k] = eq + 1;
		else if (*i + 1 < argc)
			*slots[k] = argv[++*i];
		else
			return history_usage("option '%s' needs a value", argv[*i]);
		if (!**slots[k])
			return history_usage("option '--%s' needs a non-empty value", names[k]);
		return 0;
	}
	return history_usage("unknown option '%s'", argv[*i]);
}

static int history_parse(struct history_args *args, int argc, char **argv)
{
	int error;

	for (int i = 1; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) || !argv[i][2])
			return history_usage("unexpected argument '%s'", argv[i]);
		if ((error = history_option(args, argc, argv, &i)) != 0)
			return error;
	}
	if (args->output && strcmp(args->output, "text") && strcmp(args->output, "json"))
		return history_usage("--output must be text or json, not '%s'", args->output);
	args->json = args->output && !strcmp(args->output, "json");
	if (args->limit) {
		char *end = NULL;
		long long n;

		errno = 0;
		n = strtoll(args->limit, &end, 10);
		if (errno || *end || n < 1 || n > 1000000)
			return history_usage("--limit must be a number from 1, not '%s'",
			                     args->limit);
		args->max = (size_t)n;
	}
	if (!args->repo)
		args->repo = ".";
	return 0;
}

static void history_print(const struct history *history, int json)
{
	struct strbuf out = STRBUF_INIT;

	if (json) {
		json_t *doc = history_render_json(history);
		char *text = json_dumps(doc, JSON_INDENT(2));

		printf("%s\n", text);
		free(text);
		json_decref(doc);
	} else {
		history_render_text(&out, history);
		fputs(strbuf_cstr(&out), stdout);
	}
	strbuf_release(&out);
}

int cmd_history(int argc, char **argv)
{
	struct history_args args = {0};
	struct gitsrc_options gopts = GITSRC_OPTIONS_INIT;
	struct audit_options aopts = AUDIT_OPTIONS_INIT;
	struct history history = {{0}, NULL, 0};
	struct gitsrc *src = NULL;
	struct audit *audit = NULL;
	int rc;

	if ((rc = history_parse(&args, argc, argv)) != 0)
		return rc;
	gopts.cache_dir = args.cache;
	gopts.own_branch = args.branch;
	aopts.branch = args.branch;
	rc = PCDR_EXIT_ERROR;
	if (gitsrc_open(&src, args.repo, &gopts) == 0) {
		/* read only: a local repository is never fetched into; a URL's
		 * cache fetches the remote's audit branch beside its own
		 * (history never writes, so nothing is pushed) */
		aopts.no_push = gitsrc_cache_path(src) == NULL;
		if (audit_open(&audit, src, &aopts) == 0 &&
		    history_load(&history, audit, args.pool, args.max) == 0)
			rc = PCDR_EXIT_OK;
	}
	if (rc != PCDR_EXIT_OK) {
		fprintf(stderr, "pcdr history: %s\n", err_last());
		goto done;
	}
	history_print(&history, args.json);
done:
	history_release(&history);
	audit_free(audit);
	gitsrc_free(src);
	return rc;
}
