/*
 * pcdr apply: converge the world to the spec (reconciler/engine/apply.h
 * does the work). This file is options, the progress mode and the exit
 * codes: 0 converged (or nothing to change), 1 error, 3 partially
 * converged (blocked steps were left out), 4 the saved plan is stale,
 * 5 another apply holds the lock, 129 usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reconciler/builtin/builtin.h"
#include "reconciler/engine/apply.h"
#include "util/err.h"

static int apply_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "pcdr apply: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nSee 'pcdr help apply'.\n");
	return PCDR_EXIT_USAGE;
}

/* "--name VALUE" or "--name=VALUE": the value, advancing *i; NULL when not `name`. */
static const char *value_of(const char *name, int argc, char **argv, int *i, bool *missing)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n))
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n])
		return NULL;
	if (*i + 1 >= argc) {
		*missing = true;
		return NULL;
	}
	return argv[++*i];
}

static int parse_seconds(int *out, const char *text)
{
	char *end;
	long v = strtol(text, &end, 10);

	if (!*text || *end || v < 0 || v > 86400)
		return -1;
	*out = (int)v;
	return 0;
}

static int parse_value(struct apply_options *o, const char *name, const char *v,
                       const char **log_format)
{
	if (!strcmp(name, "--config"))
		o->po.config_path = v;
	else if (!strcmp(name, "--repo"))
		o->po.repo = v;
	else if (!strcmp(name, "--ref"))
		o->po.ref = v;
	else if (!strcmp(name, "--pool"))
		o->po.pool = v;
	else if (!strcmp(name, "--log-format"))
		*log_format = v;
	else if (!strcmp(name, "--lock-timeout") && parse_seconds(&o->lock_timeout_s, v) < 0)
		return apply_usage("--lock-timeout must be a number of seconds, not '%s'", v);
	return 0;
}

static int apply_parse(struct apply_options *o, int argc, char **argv)
{
	static const char *values[] = {"--config", "--repo",       "--ref",
	                               "--pool",   "--log-format", "--lock-timeout"};
	const char *log_format = NULL;

	o->lock_timeout_s = -1;
	for (int i = 1; i < argc; i++) {
		bool missing = false, matched = false;
		int rc;

		for (size_t k = 0; k < sizeof(values) / sizeof(values[0]) && !matched; k++) {
			const char *v = value_of(values[k], argc, argv, &i, &missing);

			if (missing)
				return apply_usage("%s needs a value", values[k]);
			if (v && (matched = true) &&
			    (rc = parse_value(o, values[k], v, &log_format)))
				return rc;
		}
		if (matched)
			continue;
		if (!strcmp(argv[i], "--auto-approve"))
			o->auto_approve = true;
		else if (!strcmp(argv[i], "--allow-data-loss"))
			o->po.allow_data_loss = true;
		else if (!strcmp(argv[i], "--allow-rewind"))
			o->allow_rewind = true;
		else if (argv[i][0] == '-' && argv[i][1])
			return apply_usage("unknown option '%s'", argv[i]);
		else if (o->plan_file)
			return apply_usage("one saved plan at a time, not also '%s'", argv[i]);
		else
			o->plan_file = argv[i];
	}
	if (log_format && strcmp(log_format, "text") && strcmp(log_format, "json"))
		return apply_usage("--log-format must be text or json, not '%s'", log_format);
	o->mode = log_format && !strcmp(log_format, "json") ? PROGRESS_JSON
	          : log_format || !isatty(STDOUT_FILENO)    ? PROGRESS_TEXT
	                                                    : PROGRESS_TTY;
	return 0;
}

int cmd_apply(int argc, char **argv)
{
	struct apply_options o;
	struct apply_outcome out;
	int rc;

	memset(&o, 0, sizeof(o));
	if ((rc = apply_parse(&o, argc, argv)) != 0)
		return rc;
	rc = apply_run(&out, &o);
	if (rc < 0)
		fprintf(stderr, "pcdr apply: %s\n", err_last());
	switch (rc) {
	case 0:
		return out.steps_blocked ? PCDR_EXIT_PARTIAL : PCDR_EXIT_OK;
	case ERR_STALE:
		return PCDR_EXIT_STALE;
	case ERR_LOCKED:
		return PCDR_EXIT_LOCKED;
	default:
		return PCDR_EXIT_ERROR;
	}
}
