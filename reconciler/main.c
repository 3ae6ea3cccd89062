/*
 * pcdr: the command-line entry point. Dispatches to one builtin per
 * subcommand (reconciler/builtin/cmd_<name>.c) through the table in
 * builtin.h, git-style. It holds no logic of its own.
 */
#include "reconciler/builtin/builtin.h"

int main(int argc, char **argv)
{
	return builtin_main(argc, argv);
}
