/* pcdr validate: placeholder until the spec loader lands (issue 2). */
#include <stdio.h>

#include "reconciler/builtin/builtin.h"

int cmd_validate(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fputs("pcdr validate: not built yet\n", stderr);
	return PCDR_EXIT_ERROR;
}
