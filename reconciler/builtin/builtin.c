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
	{ "validate", cmd_validate, "check pool specs (files, or a git repository at a ref)",
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
	  0 },
	{ "history", cmd_history, "list the applies recorded in git, failovers and failbacks marked",
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
	  0 },
	{ "version", cmd_version, "print pcdr's version",
	  "usage: pcdr version\n\nPrint the version of pcdr and of the libraries it uses.\n", 0 },
	{ "help", cmd_help, "show help for pcdr or one command",
	  "usage: pcdr help [COMMAND]\n", 0 },
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
	      "commands:\n", out);
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
