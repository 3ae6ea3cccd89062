/*
 * pcdr validate: load pool specs from files, or from a commit of a git
 * repository, and report every problem as FILE:LINE:COL with a hint.
 * stdout carries only parseable lines: "commit ..." first in git mode,
 * then "ok: NAME (primary SITE, pool state STATE)" per valid pool;
 * diagnostics and errors go to stderr.
 *
 * It only reads: no instance is contacted and nothing is written (except
 * the clone cache in git mode). Spec semantics live in specs/, git in
 * reconciler/source/; this file is option parsing and printing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "reconciler/builtin/builtin.h"
#include "reconciler/source/gitsrc.h"
#include "specs/spec.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "util/vec.h"

struct validate_args {
	const char *repo;
	const char *ref;
	const char *path;
	const char *cache;
	VEC(const char *) files;
};

__attribute__((format(printf, 1, 2))) static int validate_usage(const char *fmt, ...)
{
	const struct builtin *self = builtin_find("validate");
	va_list ap;

	fputs("pcdr validate: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (self) {
		/* the synopsis only: the usage text up to its first blank line */
		const char *end = strstr(self->usage, "\n\n");

		fprintf(stderr, "%.*s\n", end ? (int)(end - self->usage) : (int)strlen(self->usage),
		        self->usage);
	}
	fputs("See 'pcdr help validate'.\n", stderr);
	return PCDR_EXIT_USAGE;
}

/* "--name VALUE" or "--name=VALUE" for the four options that take one. */
static int validate_option(struct validate_args *args, int argc, char **argv, int *i)
{
	static const char *const names[] = {"repo", "ref", "path", "cache"};
	const char **slots[] = {&args->repo, &args->ref, &args->path, &args->cache};
	const char *opt = argv[*i] + 2;
	const char *eq = strchr(opt, '=');
	size_t len = eq ? (size_t)(eq - opt) : strlen(opt);

	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (strlen(names[k]) != len || strncmp(opt, names[k], len))
			continue;
		if (eq) {
			*slots[k] = eq + 1;
		} else if (*i + 1 < argc) {
			*slots[k] = argv[++*i];
		} else {
			return validate_usage("option '%s' needs a value", argv[*i]);
		}
		if (!**slots[k])
			return validate_usage("option '--%s' needs a non-empty value", names[k]);
		return 0;
	}
	return validate_usage("unknown option '%s'", argv[*i]);
}

/* Options may follow file names; "--" ends the options. */
static int validate_parse(struct validate_args *args, int argc, char **argv)
{
	int only_files = 0;
	int error;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (only_files || a[0] != '-' || !strcmp(a, "-")) {
			vec_push(&args->files, a);
		} else if (!strcmp(a, "--")) {
			only_files = 1;
		} else if (a[1] == '-') {
			if ((error = validate_option(args, argc, argv, &i)) != 0)
				return error;
		} else {
			return validate_usage("unknown option '%s'", a);
		}
	}
	if (args->repo && args->files.len)
		return validate_usage("give FILE arguments or --repo, not both");
	if (!args->repo && (args->ref || args->path || args->cache))
		return validate_usage("--ref, --path and --cache need --repo");
	if (!args->repo && !args->files.len)
		return validate_usage("give FILE arguments or --repo");
	return 0;
}

/* Load every DIR/ *.yaml of the commit; 0, or an exit code. */
static int validate_load_repo(struct spec_set *set, const struct validate_args *args)
{
	struct gitsrc_options opts = GITSRC_OPTIONS_INIT;
	struct gitsrc_specs *specs = NULL;
	struct gitsrc *src = NULL;
	int rc = PCDR_EXIT_ERROR;

	opts.cache_dir = args->cache;
	if (gitsrc_open(&src, args->repo, &opts) < 0 ||
	    gitsrc_read(&specs, src, args->ref, args->path) < 0) {
		fprintf(stderr, "pcdr validate: %s\n", err_last());
		goto done;
	}
	printf("commit %s (%s, %.10s): %s\n", specs->commit.short_id, specs->commit.author,
	       specs->commit.date, specs->commit.subject);
	fflush(stdout);
	if (!specs->n_files) {
		fprintf(stderr, "pcdr validate: no *.yaml in '%s/' at commit %s\n",
		        *specs->dir ? specs->dir : ".", specs->commit.short_id);
		goto done;
	}
	for (size_t i = 0; i < specs->n_files; i++)
		spec_set_load_buffer(set, specs->files[i].path, specs->files[i].data,
		                     specs->files[i].len);
	rc = 0;
done:
	gitsrc_specs_free(specs);
	gitsrc_free(src);
	return rc;
}

/* Load each FILE; 0, or PCDR_EXIT_ERROR when one could not be read. */
static int validate_load_files(struct spec_set *set, const struct validate_args *args)
{
	int rc = 0;

	for (size_t i = 0; i < args->files.len; i++) {
		int error;

		err_clear();
		error = spec_set_load_file(set, args->files.items[i]);
		if (error < 0 && error != ERR_INVALID) {
			fprintf(stderr, "pcdr validate: %s\n", err_last());
			rc = PCDR_EXIT_ERROR;
		}
	}
	return rc;
}

static int validate_file_has_diags(const struct spec_set *set, const char *file)
{
	for (size_t i = 0; i < set->n_diags; i++)
		if (set->diags[i].pos.file && file && !strcmp(set->diags[i].pos.file, file))
			return 1;
	return 0;
}

/* ok lines on stdout, then every diagnostic on stderr. */
static void validate_report(const struct spec_set *set)
{
	struct strbuf line = STRBUF_INIT;

	for (size_t i = 0; i < set->n_pools; i++) {
		const struct spec_pool *pool = set->pools[i];

		if (validate_file_has_diags(set, pool->file))
			continue;
		printf("ok: %s (primary %s, pool state %s)\n", pool->name, pool->primary,
		       spec_pool_state_name(pool->state));
	}
	fflush(stdout);
	for (size_t i = 0; i < set->n_diags; i++) {
		strbuf_reset(&line);
		spec_diag_format(&set->diags[i], &line);
		fprintf(stderr, "%s\n", strbuf_cstr(&line));
	}
	if (set->n_diags)
		fprintf(stderr, "pcdr validate: %zu problem%s found\n", set->n_diags,
		        set->n_diags == 1 ? "" : "s");
	strbuf_release(&line);
}

int cmd_validate(int argc, char **argv)
{
	struct validate_args args = {0};
	struct spec_set set;
	int rc;

	spec_set_init(&set);
	if ((rc = validate_parse(&args, argc, argv)) != 0)
		goto done;
	if (args.repo)
		rc = validate_load_repo(&set, &args);
	else
		rc = validate_load_files(&set, &args);
	if (rc && !set.n_pools && !set.n_diags)
		goto done;
	spec_set_check(&set);
	validate_report(&set);
	if (set.n_diags)
		rc = PCDR_EXIT_ERROR;
done:
	spec_set_release(&set);
	vec_free(&args.files);
	return rc;
}
