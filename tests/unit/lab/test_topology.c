/*
 * Unit tests for lab/topology.c: the example topology loads with the
 * world the lab promises (two sites, four instances, mgc and mgccomp
 * where they belong), and bad files are reported as file:line:col,
 * every problem at once. Run from the top of the tree (tests/run does).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab/topology.h"
#include "util/err.h"

static void test_topology__example_loads(void **state)
{
	struct lab_topology *t;

	(void)state;
	assert_int_equal(lab_topology_load(&t, "examples/lab/topology.yaml"), 0);
	assert_string_equal(t->pool, "service:atl-pchat.lab");
	assert_string_equal(t->share_unc, "\\\\fs1.lab\\pchat-ls");
	assert_string_equal(t->share_dir, "share");
	assert_int_equal(t->n_sites, 2);
	assert_true(t->sites[0].home);
	assert_false(t->sites[1].home);
	assert_int_equal(t->sites[1].n_chat_servers, 2);
	assert_string_equal(t->sites[1].chat_servers[0], "pc1.dc2.lab");
	assert_int_equal(t->n_instances, 4);
	assert_string_equal(t->instances[0].name, "sqla.dc1.lab");
	assert_int_equal(t->instances[0].n_databases, 2);
	assert_string_equal(t->instances[0].databases[0].name, "mgc");
	assert_string_equal(t->instances[0].databases[0].recovery, "FULL");
	assert_int_equal(t->instances[1].n_databases, 0);
	assert_string_equal(t->instances[2].name, "sqla.dc2.lab");
	assert_string_equal(t->instances[2].databases[0].name, "mgccomp");
	assert_int_equal(t->instances[3].n_databases, 0);
	assert_true(t->logins[0].sysadmin);
	assert_string_equal(t->logins[0].name, "pcdr");
	lab_topology_free(t);
	lab_topology_free(NULL);
}

static const char *load_text(const char *yaml)
{
	static char path[64];
	struct lab_topology *t = NULL;
	FILE *f;
	int fd;

	snprintf(path, sizeof(path), "/tmp/pcdr-topo-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(yaml, f);
	fclose(f);
	assert_int_equal(lab_topology_load(&t, path), ERR_INVALID);
	assert_null(t);
	unlink(path);
	return err_last();
}

static void test_topology__errors_name_file_line_col(void **state)
{
	const char *msg;

	(void)state;
	msg = load_text("pool: p\n"
	                "share: {unc: '\\\\fs\\x', dir: share}\n"
	                "sites:\n"
	                "  - name: dc1\n"
	                "    home: yes\n"
	                "instances:\n"
	                "  - name: a\n"
	                "    site: dc9\n"
	                "    databases:\n"
	                "      - {name: mgc, recovery: CHEAP}\n"
	                "    colour: red\n"
	                "logins:\n"
	                "  - {name: u, password: p}\n");
	assert_non_null(strstr(msg, ":5:11: home must be true or false"));
	assert_non_null(strstr(msg, ":10:31: recovery must be FULL, SIMPLE or BULK_LOGGED"));
	assert_non_null(strstr(msg, ":11:5: unknown key 'colour' in an instance"));
	assert_non_null(strstr(msg, ":7:5: instance 'a': unknown site 'dc9'"));
	assert_non_null(strstr(msg, "exactly one site must have 'home: true'"));
	assert_non_null(strstr(msg, "at least one login must have 'sysadmin: true'"));
	assert_non_null(strstr(msg, "/tmp/pcdr-topo-"));
}

static void test_topology__yaml_syntax_error(void **state)
{
	const char *msg;

	(void)state;
	msg = load_text("pool: [unclosed\n");
	assert_non_null(strstr(msg, ":2:1: "));
	msg = load_text("- a list\n");
	assert_non_null(strstr(msg, ":1:1: the topology must be a mapping"));
}

static void test_topology__missing_file(void **state)
{
	struct lab_topology *t;

	(void)state;
	assert_int_equal(lab_topology_load(&t, "/nonexistent/topology.yaml"), ERR_IO);
	assert_non_null(strstr(err_last(), "cannot open topology '/nonexistent/topology.yaml'"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_topology__example_loads),
	        cmocka_unit_test(test_topology__errors_name_file_line_col),
	        cmocka_unit_test(test_topology__yaml_syntax_error),
	        cmocka_unit_test(test_topology__missing_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
