/*
 * builtin: the subcommand table and what every command shares (exit
 * codes, option parsing helpers). One file per command: cmd_<name>.c.
 */
#ifndef PCDR_BUILTIN_H
#define PCDR_BUILTIN_H

/* Exit codes, the same for every command (DESIGN.md "Apply"). */
enum pcdr_exit {
	PCDR_EXIT_OK = 0, /* done / nothing to change */
	PCDR_EXIT_ERROR = 1,
	PCDR_EXIT_CHANGES = 2, /* plan --detailed-exitcode: changes pending */
	PCDR_EXIT_PARTIAL = 3, /* blocked steps remain */
	PCDR_EXIT_STALE = 4,   /* saved plan is stale */
	PCDR_EXIT_LOCKED = 5,  /* lock held by another apply */
	PCDR_EXIT_USAGE = 129,
};

struct builtin {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary; /* one line for `pcdr help` */
	const char *usage;   /* full text for `pcdr help NAME` and -h */
	int hidden;
};

int builtin_main(int argc, char **argv);
const struct builtin *builtin_find(const char *name);

int cmd_validate(int argc, char **argv);
int cmd_history(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_apply(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_debug(int argc, char **argv);
int cmd_graph(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_help(int argc, char **argv);

#endif
