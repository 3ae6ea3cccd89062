/*
 * pcdr version: the program's version and the versions of the libraries
 * it was linked with, for bug reports.
 */
#include <git2.h>
#include <jansson.h>
#include <stdio.h>
#include <yaml.h>

#include "reconciler/builtin/builtin.h"

#ifndef PCDR_VERSION
#define PCDR_VERSION "0.1.0"
#endif

int cmd_version(int argc, char **argv)
{
	int major, minor, rev;

	(void)argv;
	if (argc > 1) {
		fputs("usage: pcdr version\n", stderr);
		return PCDR_EXIT_USAGE;
	}
	git_libgit2_version(&major, &minor, &rev);
	printf("pcdr %s\n", PCDR_VERSION);
	printf("libgit2 %d.%d.%d, libyaml %s, jansson %s\n", major, minor, rev,
	       yaml_get_version_string(), jansson_version_str());
	return PCDR_EXIT_OK;
}
