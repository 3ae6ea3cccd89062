/*
 * builtin: the command table and the dispatcher. Every command gets a
 * cleared error, `-h`/`--help` answered from its usage text, and the
 * exit codes of DESIGN.md. Adding a command is one row here and one
 * cmd_<name>.c file.
 */
#include "reconciler/builtin/builtin.h"

#include <stdio.h>
#include <string.h>

#include "util/err.h"

static const struct builtin builtins[] = {
        {"validate", cmd_validate, "check pool specs (files, or a git repository at a ref)",
         "usage: pcdr validate [--repo PATH|URL] [--ref REF] [--path DIR] [--cache DIR]\n"
         "                     [FILE...]\n"
         "\n"
         "Parse and validate pcdr/v1 pool specs. With FILE arguments, read those\n"
         "files. With --repo, read every DIR/*.yaml (default pools/) from the tree of\n"
         "the commit REF resolves to (default HEAD), never from the work tree, and\n"
         "print that commit first:\n"
         "    commit 1a2b3c4 (Alice Martin, 2026-11-28): Fail over to dc2\n"
         "Each valid pool prints one line:\n"
         "    ok: atl-pchat (primary dc1, pool state Normal)\n"
         "Those lines go to stdout. Every problem goes to stderr as\n"
         "FILE:LINE:COL: message, with a hint; with --repo, FILE is the path inside\n"
         "the repository at that commit (pools/atl-pchat.yaml).\n"
         "\n"
         "  --repo PATH|URL   a local repository (work tree or bare), or a URL\n"
         "                    (file://, https://, ssh://) cloned into the cache and\n"
         "                    fetched again on every run\n"
         "  --ref REF         branch, tag, commit id or revision such as HEAD~1\n"
         "                    (default HEAD; for a URL, branches are the remote's)\n"
         "  --path DIR        folder of pool specs in the repository (default pools)\n"
         "  --cache DIR       where URLs are cloned\n"
         "                    (default $XDG_CACHE_HOME/pcdr or ~/.cache/pcdr)\n"
         "\n"
         "Exit status: 0 every spec is valid, 1 a spec is invalid or unreadable,\n"
         "129 usage error.\n",
         0},
        {"history", cmd_history, "list the applies recorded in git, failovers and failbacks marked",
         "usage: pcdr history [--repo PATH|URL] [--pool NAME] [--output text|json]\n"
         "                    [--limit N] [--branch NAME] [--cache DIR]\n"
         "\n"
         "List the applies recorded on the audit branch of the spec repository,\n"
         "newest first: when, which pool, failover / failback / switchover (marked\n"
         "in capitals) or converge, the result and the number of steps, whether a\n"
         "move lost no data (planned switchover) or what it exposed, the spec\n"
         "commit applied, who applied it, and the audit commit holding the record.\n"
         "An intent with no final record shows as INCOMPLETE. docs/audit.md\n"
         "describes the records and the JSON output.\n"
         "\n"
         "  --repo PATH|URL   the spec repository (default: the current folder); a\n"
         "                    URL is fetched into the cache first\n"
         "  --ref REF         accepted and ignored (the audit branch is read)\n"
         "  --pool NAME       only this pool's applies\n"
         "  --output FORMAT   text (default) or json (with \"format_version\": 1)\n"
         "  --limit N         at most N applies\n"
         "  --branch NAME     the audit branch (default pcdr/audit)\n"
         "  --cache DIR       where URLs are cloned\n"
         "\n"
         "Exit status: 0 listed (possibly nothing), 1 error, 129 usage error.\n",
         0},
        {"plan", cmd_plan, "show what apply would change, and why",
         "usage: pcdr plan [--config FILE] [--repo PATH|URL] [--ref REF] [--pool NAME]\n"
         "                 [--output text|markdown|json] [--detailed-exitcode]\n"
         "                 [--allow-data-loss] [--out FILE]\n"
         "\n"
         "Read the pool specs at a commit, observe every SQL instance each pool names\n"
         "(in parallel) and the pool command's `get`, and print the plan: the steps\n"
         "apply would run, by phase, each with why, its risk, what it waits for,\n"
         "whether it is blocked and the facts it was planned against. Nothing is\n"
         "changed. docs/plan.md describes the outputs.\n"
         "\n"
         "  --config FILE     host configuration (default $PCDR_CONFIG, then\n"
         "                    /etc/pcdr/config.yaml)\n"
         "  --repo PATH|URL   spec repository (default: the configuration's)\n"
         "  --ref REF         commit to plan (default: the configuration's ref)\n"
         "  --pool NAME       only this pool (default: every pool)\n"
         "  --output FORMAT   text (default; colour on a terminal unless NO_COLOR),\n"
         "                    markdown (a pull request comment) or json\n"
         "  --detailed-exitcode  exit 2 when there are changes to apply\n"
         "  --allow-data-loss  as policy.allowDataLoss: true\n"
         "  --out FILE        save the plan (JSON: spec commit, plan, fingerprint of\n"
         "                    the observed facts) for apply to check\n"
         "\n"
         "Exit status: 0 nothing to change (or changes, without --detailed-exitcode),\n"
         "2 changes pending (--detailed-exitcode), 3 some steps are blocked,\n"
         "1 error or refused plan, 129 usage error.\n",
         0},
        {"apply", cmd_apply, "converge the pool to the spec, recorded in git",
         "usage: pcdr apply [--config FILE] [--repo PATH|URL] [--ref REF] [--pool NAME]\n"
         "                  [--auto-approve] [--allow-data-loss] [--allow-rewind]\n"
         "                  [--lock-timeout SECONDS] [--log-format text|json] [PLANFILE]\n"
         "\n"
         "Take the pool's lock, observe every instance and the pool, plan (or load\n"
         "PLANFILE, saved by pcdr plan --out, and refuse it when the spec commit or\n"
         "any fact it was planned against moved), refuse a spec older than the last\n"
         "one applied, show the plan and ask for 'yes' on a terminal, write the intent\n"
         "record to the audit branch, then run the steps phase by phase (independent\n"
         "steps in parallel), each checked on a fresh observation before and after it\n"
         "runs. The first failure stops the run with SQL Server's message and the state\n"
         "left behind; nothing is rolled back. The final record is written after\n"
         "success, failure or interruption (SIGINT, SIGTERM).\n"
         "\n"
         "  --config FILE     host configuration (default $PCDR_CONFIG, then\n"
         "                    /etc/pcdr/config.yaml)\n"
         "  --repo PATH|URL   spec repository (default: the configuration's)\n"
         "  --ref REF         commit to apply (default: the configuration's ref)\n"
         "  --pool NAME       only this pool (default: every pool)\n"
         "  --auto-approve    do not ask (needed without a terminal)\n"
         "  --allow-data-loss run steps the plan marks as risking data loss\n"
         "  --allow-rewind    apply a spec commit older than the last applied one\n"
         "  --lock-timeout S  wait up to S seconds for another apply's lock\n"
         "                    (default: the configuration's lock.wait)\n"
         "  --log-format F    without a terminal, one log line per event: text\n"
         "                    (default) or json\n"
         "\n"
         "Exit status: 0 converged or nothing to change, 1 error, 3 partially converged\n"
         "(blocked steps left out), 4 the saved plan is stale, 5 another apply holds\n"
         "the lock, 129 usage error.\n",
         0},
        {"status", cmd_status, "show the observed topology and the pool state",
         "usage: pcdr status [--config FILE] [--repo PATH|URL] [--ref REF] [--pool NAME]\n"
         "                   [--output text|json]\n"
         "\n"
         "Observe every SQL instance the pool specs name and the pool command, and\n"
         "print one row per database copy: instance, site, whether it answered,\n"
         "state, mirroring role, state and partner, log shipping role, last restored\n"
         "file and LSN, user sessions; then the pool state and active servers beside\n"
         "the spec's, and the stale copies the spec does not manage.\n"
         "Options as for pcdr plan.\n"
         "\n"
         "Exit status: 0 shown (unreachable instances included), 1 error, 129 usage error.\n",
         0},
        {"graph", cmd_graph, "draw the topology, current and desired, as Graphviz DOT",
         "usage: pcdr graph [--config FILE] [--repo PATH|URL] [--ref REF] [--pool NAME]\n"
         "                  [--output dot|svg]\n"
         "       pcdr graph --desired-only [--repo PATH|URL] [--ref REF] [--path DIR]\n"
         "                  [--config FILE] [--pool NAME] [--output dot|svg]\n"
         "       pcdr graph [--desired FILE] [--observed FILE] [--output dot|svg]\n"
         "\n"
         "Draw the pool's topology: the current world (observed as pcdr plan observes\n"
         "it) beside the desired one (from the spec), each with one box per site and\n"
         "per SQL instance, a node per database copy with its state and roles,\n"
         "mirroring arrows (principal -> mirror), log shipping arrows (primary ->\n"
         "secondary, with the last restored LSN), and the pool with its state and\n"
         "an arrow to each active server. Instances that did not answer are grey and\n"
         "dashed. Nothing is changed. Render with: pcdr graph | dot -Tpng > pool.png\n"
         "\n"
         "  --config FILE     host configuration (default $PCDR_CONFIG, then\n"
         "                    /etc/pcdr/config.yaml)\n"
         "  --repo PATH|URL   spec repository (default: the configuration's)\n"
         "  --ref REF         commit to draw (default: the configuration's ref)\n"
         "  --pool NAME       the pool to draw (needed when there are several)\n"
         "  --output FORMAT   dot (default), or svg through Graphviz's dot -Tsvg\n"
         "  --desired-only    the spec alone: observe nothing (with --repo, no\n"
         "                    configuration is read)\n"
         "  --path DIR        with --desired-only: folder of pool specs (default pools)\n"
         "  --desired FILE    a desired model file (pcdr debug desired prints one)\n"
         "  --observed FILE   an observed model file (pcdr debug observe prints one)\n"
         "\n"
         "Exit status: 0 drawn, 1 error (also: --output svg without Graphviz),\n"
         "129 usage error.\n",
         0},
        {"debug", cmd_debug, "tools for tests and bug reports",
         "usage: pcdr debug plan --desired D.json --observed O.json [--previous P.json]\n"
         "                       [--output text|markdown|json] [--detailed-exitcode]\n"
         "                       [--allow-data-loss] [--out FILE]\n"
         "       pcdr debug observe [--config FILE] [--repo R] [--ref REF] [--pool NAME]\n"
         "       pcdr debug desired SPEC.yaml [--pool NAME]\n"
         "\n"
         "Run the planner on model files, or print the observed or desired model in\n"
         "that format (docs/plan.md, \"Model files\").\n",
         1},
        {"version", cmd_version, "print pcdr's version",
         "usage: pcdr version\n\nPrint the version of pcdr and of the libraries it uses.\n", 0},
        {"help", cmd_help, "show help for pcdr or one command", "usage: pcdr help [COMMAND]\n", 0},
};

const struct builtin *builtin_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (!strcmp(builtins[i].name, name))
			return &builtins[i];
	return NULL;
}

static void builtin_list(FILE *out)
{
	size_t i;

	fputs("usage: pcdr [--version] [--help] <command> [<args>]\n\n"
	      "pcdr reconciles the high availability and disaster recovery of a\n"
	      "Persistent Chat pool with the spec committed to git.\n\n"
	      "commands:\n",
	      out);
	for (i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (!builtins[i].hidden)
			fprintf(out, "   %-10s %s\n", builtins[i].name, builtins[i].summary);
	fputs("\nSee 'pcdr help <command>' for one command's options.\n", out);
}

int cmd_help(int argc, char **argv)
{
	const struct builtin *b;

	if (argc < 2) {
		builtin_list(stdout);
		return PCDR_EXIT_OK;
	}
	b = builtin_find(argv[1]);
	if (!b) {
		fprintf(stderr, "pcdr: '%s' is not a pcdr command. See 'pcdr help'.\n", argv[1]);
		return PCDR_EXIT_USAGE;
	}
	fputs(b->usage, stdout);
	return PCDR_EXIT_OK;
}

static int builtin_wants_help(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))
			return 0;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return 1;
	}
	return 0;
}

int builtin_main(int argc, char **argv)
{
	const struct builtin *b;

	if (argc < 2) {
		builtin_list(stderr);
		return PCDR_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return cmd_help(argc - 1, argv + 1); /* `pcdr --help validate` too */
	if (!strcmp(argv[1], "--version"))
		return cmd_version(1, argv + 1);
	b = builtin_find(argv[1]);
	if (!b) {
		fprintf(stderr, "pcdr: '%s' is not a pcdr command. See 'pcdr help'.\n", argv[1]);
		return PCDR_EXIT_USAGE;
	}
	if (builtin_wants_help(argc - 1, argv + 1)) {
		fputs(b->usage, stdout);
		return PCDR_EXIT_OK;
	}
	err_clear();
	return b->fn(argc - 1, argv + 1);
}
