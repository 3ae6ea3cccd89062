/*
 * pcdr-lab: the command line of the lab. A table of verbs (git-style):
 * each entry names the options it accepts, its usage line and the
 * function that runs it, so the next verbs (stop, start, partition,
 * pool, chat...) are one row and one function each. Global options
 * (--dir) may come before or after the verb. Usage errors exit 129.
 * The work is done in lab/labd.c; nothing here touches sockets or SQL.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/labd.h"
#include "lab/labverbs.h"

enum opt_bit {
	OPT_DIR = 1 << 0,
	OPT_TOPOLOGY = 1 << 1,
	OPT_BASE_PORT = 1 << 2,
	OPT_FOREGROUND = 1 << 3,
	OPT_CLOCK_SCALE = 1 << 4,
};

struct verb {
	const char *name;
	int (*run)(const struct labd_opts *opts);
	unsigned options;  /* enum opt_bit accepted after the verb */
	unsigned required; /* enum opt_bit that must be given */
	const char *usage;
	const char *summary;
};

static int cmd_help(const struct labd_opts *opts);

static const struct verb verbs[] = {
        {"up", labverbs_up,
         OPT_DIR | OPT_TOPOLOGY | OPT_BASE_PORT | OPT_FOREGROUND | OPT_CLOCK_SCALE, OPT_DIR,
         "pcdr-lab up [--topology FILE] --dir DIR [--base-port N] [--clock-scale N] "
         "[--foreground]",
         "start the lab in the background and wait until every instance accepts "
         "connections;\n    --topology is needed the first time (it is copied to DIR), "
         "--base-port N\n    puts instance i on port N+i (default: free ports), "
         "--clock-scale N runs the\n    lab clock (GETDATE, SQL Server Agent) N times "
         "faster than real time (kept in DIR)"},
        {"down", labd_down, OPT_DIR, OPT_DIR, "pcdr-lab --dir DIR down",
         "save the lab's state and stop it; waits until the process is gone"},
        {"status", labd_status, OPT_DIR, OPT_DIR, "pcdr-lab --dir DIR status",
         "list instances, ports and whether each is up (exit 1 unless all are)"},
        /* run == NULL: the verb takes words; labverbs_run parses them */
        {"pool", NULL, 0, 0,
         "pcdr-lab --dir DIR pool get | set-state STATE | set-active-servers [FQDN...]",
         "the Persistent Chat pool, as pcdr's pool command (pool -h for details)"},
        {"chat", NULL, 0, 0, "pcdr-lab --dir DIR chat start [--rate N] | stop | status",
         "simulated chat servers writing to mgc, each acknowledged message in DIR/ledger"},
        {"verify", NULL, 0, 0, "pcdr-lab --dir DIR verify [--allow-loss-after LSN|TIME]",
         "check DIR/ledger against the database the pool uses now (exit 1: loss)"},
        {"stop", NULL, 0, 0, "pcdr-lab --dir DIR stop INSTANCE|SITE",
         "stop an instance or a site (connections refused, state kept)"},
        {"start", NULL, 0, 0, "pcdr-lab --dir DIR start INSTANCE|SITE",
         "start a stopped instance or site again"},
        {"partition", NULL, 0, 0, "pcdr-lab --dir DIR partition SITE SITE",
         "cut two sites apart: mirroring and share access across the cut fail"},
        {"heal", NULL, 0, 0, "pcdr-lab --dir DIR heal", "restore every cut link"},
        {"rebuild", NULL, 0, 0, "pcdr-lab --dir DIR rebuild SITE",
         "reinstall a site's instances empty, with fresh mgc/mgccomp"},
        {"lose-file", NULL, 0, 0, "pcdr-lab --dir DIR lose-file PATH",
         "delete a file from the backup share"},
        {"corrupt-file", NULL, 0, 0, "pcdr-lab --dir DIR corrupt-file PATH",
         "damage a file in the backup share"},
        {"lose-db-file", NULL, 0, 0, "pcdr-lab --dir DIR lose-db-file INSTANCE DATABASE",
         "a database file is lost: the database comes up RECOVERY_PENDING"},
        {"corrupt-db-file", NULL, 0, 0, "pcdr-lab --dir DIR corrupt-db-file INSTANCE DATABASE",
         "a database file is damaged: the database comes up SUSPECT"},
        {"latency", NULL, 0, 0, "pcdr-lab --dir DIR latency INSTANCE MS",
         "delay every round trip to an instance"},
        {"throughput", NULL, 0, 0, "pcdr-lab --dir DIR throughput MBPS",
         "the speed of BACKUP and RESTORE"},
        {"help", cmd_help, 0, 0, "pcdr-lab help", "show this help"},
};

#define N_VERBS (sizeof(verbs) / sizeof(verbs[0]))

static void print_help(FILE *out)
{
	size_t i;

	fputs("usage: pcdr-lab [--dir DIR] <verb> [options]\n\n"
	      "pcdr-lab runs simulated SQL Server instances that speak TDS on loopback,\n"
	      "so that pcdr and its tests have a DR world to act on.\n\nverbs:\n",
	      out);
	for (i = 0; i < N_VERBS; i++)
		fprintf(out, "  %s\n    %s\n", verbs[i].usage, verbs[i].summary);
	fputs("\nfiles in DIR: topology.yaml, state/, lab.log, lab.pid, ports, freetds.conf,\n"
	      "env (. DIR/env sets FREETDSCONF, PCDR_SQL_USER, PCDR_SQL_PASSWORD)\n",
	      out);
}

static int cmd_help(const struct labd_opts *opts)
{
	(void)opts;
	print_help(stdout);
	return LABD_EXIT_OK;
}

static int usage_error(const struct verb *v, const char *fmt, const char *arg)
{
	fputs("pcdr-lab: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	if (v)
		fprintf(stderr, "usage: %s\n", v->usage);
	else
		fputs("usage: pcdr-lab [--dir DIR] <verb> [options]; see 'pcdr-lab help'\n",
		      stderr);
	return LABD_EXIT_USAGE;
}

static int parse_port(const char *s, int *out)
{
	char *end = NULL;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < 1 || v > 65535)
		return -1;
	*out = (int)v;
	return 0;
}

/*
 * One option at argv[*i] (global when v is NULL). 1 consumed, 0 not an
 * option, or an exit code (> 1) after printing what is wrong.
 */
static int parse_option(const struct verb *v, int argc, char **argv, int *i, struct labd_opts *o,
                        unsigned *seen)
{
	const char *a = argv[*i];
	unsigned allowed = v ? v->options : OPT_DIR;
	unsigned bit = !strcmp(a, "--dir")           ? OPT_DIR
	               : !strcmp(a, "--topology")    ? OPT_TOPOLOGY
	               : !strcmp(a, "--base-port")   ? OPT_BASE_PORT
	               : !strcmp(a, "--foreground")  ? OPT_FOREGROUND
	               : !strcmp(a, "--clock-scale") ? OPT_CLOCK_SCALE
	                                             : 0;

	if (a[0] != '-')
		return 0;
	if (!bit || !(allowed & bit))
		return usage_error(v, "unknown option '%s'", a);
	*seen |= bit;
	if (bit == OPT_FOREGROUND) {
		o->foreground = true;
		return 1;
	}
	if (*i + 1 >= argc)
		return usage_error(v, "option '%s' needs a value", a);
	(*i)++;
	if (bit == OPT_DIR)
		o->dir = argv[*i];
	else if (bit == OPT_TOPOLOGY)
		o->topology = argv[*i];
	else if (bit == OPT_CLOCK_SCALE) {
		char *end = NULL;

		o->clock_scale = strtod(argv[*i], &end);
		if (!*argv[*i] || *end || !(o->clock_scale > 0) || o->clock_scale > 1e6)
			return usage_error(v, "bad --clock-scale '%s' (a number above 0)",
			                   argv[*i]);
	} else if (parse_port(argv[*i], &o->base_port) < 0)
		return usage_error(v, "bad port '%s'", argv[*i]);
	return 1;
}

static bool is_help(const char *a)
{
	return !strcmp(a, "-h") || !strcmp(a, "--help");
}

static const struct verb *find_verb(const char *name)
{
	for (size_t i = 0; i < N_VERBS; i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return NULL;
}

int main(int argc, char **argv)
{
	struct labd_opts o = {NULL, NULL, 0, false, 0};
	const struct verb *v = NULL;
	unsigned seen = 0;
	int i, rc;

	for (i = 1; i < argc && !v; i++) {
		if (is_help(argv[i]))
			return cmd_help(&o);
		if ((rc = parse_option(NULL, argc, argv, &i, &o, &seen)) > 1)
			return rc;
		if (rc == 0 && !(v = find_verb(argv[i])))
			return usage_error(NULL, "unknown verb '%s'", argv[i]);
	}
	if (!v)
		return usage_error(NULL, "%s", "no verb given");
	if (!v->run)
		return labverbs_run(v->name, o.dir, argc - i, argv + i);
	for (; i < argc; i++) {
		if (is_help(argv[i])) {
			printf("usage: %s\n    %s\n", v->usage, v->summary);
			return LABD_EXIT_OK;
		}
		if ((rc = parse_option(v, argc, argv, &i, &o, &seen)) > 1)
			return rc;
		if (rc == 0)
			return usage_error(v, "unexpected argument '%s'", argv[i]);
	}
	if ((v->required & OPT_DIR) && !o.dir)
		return usage_error(v, "%s", "--dir DIR is required");
	return v->run(&o);
}
