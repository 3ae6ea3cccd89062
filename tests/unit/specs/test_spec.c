/*
 * Unit tests for specs/spec.c: the example specs load into the expected
 * model field by field, pools across files (spec_set_check), reading
 * files, diagnostics formatting, ordering and capping, and the shared
 * cases under tests/data/specs/{valid,invalid} (the JSON Schema test,
 * tests/e2e/spec_schema.sh, checks the same folders from the schema side).
 * Tests run from the repository root.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>

#include "tests/unit/specs/spec_fixture.h"
#include "util/err.h"

static const struct spec_pool *load_one(struct spec_set *set, const char *path)
{
	int rc;

	spec_set_init(set);
	rc = spec_set_load_file(set, path);
	if (rc != 0) {
		char *diags = spec_fixture_diags(set, 0);

		print_message("# %s: %s%s\n", path, err_last(), diags);
		free(diags);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(set->n_pools, 1);
	return set->pools[0];
}

static void assert_strings(const char **got, size_t n, const char *const *want, size_t n_want)
{
	assert_int_equal(n, n_want);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(got[i], want[i]);
}

static void test_spec__lab_example_model(void **state)
{
	static const char *const dc1_servers[] = {"pc1.dc1.lab", "pc2.dc1.lab"};
	static const char *const dc2_servers[] = {"pc1.dc2.lab", "pc2.dc2.lab"};
	struct spec_set set;
	const struct spec_pool *p = load_one(&set, "examples/lab/pools/atl-pchat.yaml");

	(void)state;
	assert_string_equal(p->file, "examples/lab/pools/atl-pchat.yaml");
	assert_string_equal(p->name, "atl-pchat");
	assert_string_equal(p->identity, "service:atl-pchat.lab");
	assert_string_equal(p->home, "dc1");
	assert_string_equal(p->primary, "dc1");
	assert_int_equal(p->state, SPEC_POOL_NORMAL);
	assert_int_equal(p->n_sites, 2);
	assert_string_equal(p->sites[0].name, "dc1");
	assert_string_equal(p->sites[0].principal, "sqla.dc1.lab");
	assert_string_equal(p->sites[0].mirror, "sqlb.dc1.lab");
	assert_strings(p->sites[0].servers, p->sites[0].n_servers, dc1_servers, 2);
	assert_int_equal(p->sites[0].n_near_sites, 0);
	assert_string_equal(p->sites[1].name, "dc2");
	assert_string_equal(p->sites[1].principal, "sqla.dc2.lab");
	assert_string_equal(p->sites[1].mirror, "sqlb.dc2.lab");
	assert_strings(p->sites[1].servers, p->sites[1].n_servers, dc2_servers, 2);
	assert_int_equal(p->n_databases, 2);
	assert_string_equal(p->databases[0].name, "mgc");
	assert_true(p->databases[0].log_shipping);
	assert_string_equal(p->databases[1].name, "mgccomp");
	assert_false(p->databases[1].log_shipping);
	assert_true(p->log_shipping.enabled);
	assert_string_equal(p->log_shipping.from, "dc1");
	assert_string_equal(p->log_shipping.to, "dc2");
	assert_string_equal(p->log_shipping.backup_share, "\\\\fs1.lab\\pchat-ls");
	assert_string_equal(p->log_shipping.copy_to, "D:\\pchat-ls");
	assert_int_equal(p->log_shipping.interval_seconds, 60);
	assert_strings(p->active_servers, p->n_active_servers, dc1_servers, 2);
	assert_false(p->policy.allow_data_loss);
	assert_true(p->policy.service_first);
	assert_ptr_equal(spec_set_find(&set, "atl-pchat"), p);
	assert_ptr_equal(spec_pool_site(p, "dc2"), &p->sites[1]);
	assert_null(spec_pool_site(p, "dc3"));
	spec_set_release(&set);
}

static void test_spec__skype_example_model(void **state)
{
	static const char *const dc1_servers[] = {"pc1.dc1.litwareinc.com",
	                                          "pc2.dc1.litwareinc.com"};
	static const char *const dc2_servers[] = {"pc1.dc2.litwareinc.com",
	                                          "pc2.dc2.litwareinc.com"};
	struct spec_set set;
	const struct spec_pool *p = load_one(&set, "examples/skype/pools/atl-pchat.yaml");

	(void)state;
	assert_string_equal(p->name, "atl-pchat");
	assert_string_equal(p->identity, "service:atl-cs-001.litwareinc.com");
	assert_string_equal(p->home, "dc1");
	assert_string_equal(p->primary, "dc1");
	assert_int_equal(p->state, SPEC_POOL_NORMAL);
	assert_int_equal(p->n_sites, 2);
	assert_string_equal(p->sites[0].principal, "sqla.dc1.litwareinc.com");
	assert_string_equal(p->sites[0].mirror, "sqlb.dc1.litwareinc.com");
	assert_strings(p->sites[0].servers, p->sites[0].n_servers, dc1_servers, 2);
	assert_string_equal(p->sites[1].principal, "sqla.dc2.litwareinc.com");
	assert_string_equal(p->sites[1].mirror, "sqlb.dc2.litwareinc.com");
	assert_strings(p->sites[1].servers, p->sites[1].n_servers, dc2_servers, 2);
	assert_int_equal(p->n_databases, 2);
	assert_string_equal(p->databases[0].name, "mgc");
	assert_true(p->databases[0].log_shipping);
	assert_string_equal(p->databases[1].name, "mgccomp");
	assert_false(p->databases[1].log_shipping);
	assert_string_equal(p->log_shipping.backup_share, "\\\\fs1.dc1.litwareinc.com\\pchat-ls");
	assert_string_equal(p->log_shipping.copy_to, "D:\\pchat-ls");
	assert_int_equal(p->log_shipping.interval_seconds, 300);
	assert_strings(p->active_servers, p->n_active_servers, dc1_servers, 2);
	assert_false(p->policy.allow_data_loss);
	assert_true(p->policy.service_first);
	/* positions: the pool at the document, a site at its key */
	assert_int_equal(p->pos.line, 12);
	assert_int_equal(p->pos.col, 1);
	assert_int_equal(p->name_pos.line, 16);
	assert_int_equal(p->name_pos.col, 9);
	assert_int_equal(p->sites[1].pos.line, 41);
	assert_int_equal(p->sites[1].pos.col, 5);
	spec_set_release(&set);
}

/* The base spec with replacements, loaded as "t.yaml"; returns the rc. */
static int load_variant(struct spec_set *set, const char *const subst[][2], size_t n)
{
	char *text = xstrdup(spec_fixture_base);
	int rc;

	for (size_t i = 0; i < n; i++) {
		char *next = spec_fixture_replace(text, subst[i][0], subst[i][1]);

		assert_non_null(next);
		free(text);
		text = next;
	}
	rc = spec_set_load_buffer(set, "t.yaml", text, strlen(text));
	free(text);
	return rc;
}

static void test_spec__failed_over_with_near_site(void **state)
{
	static const char *const subst[][2] = {
	        {"pc2.dc1.lab]\n    dc2:", "pc2.dc1.lab]\n    dc2:\n      nearSites: [dc3]"},
	        {"  databases:", "    dc3:\n      principal: 'sqlx\\PCHAT,14331'\n"
	                         "      servers: [pc1.dc3.lab]\n  databases:"},
	        {"  primary: dc1", "  primary: dc2"},
	        {"    from: dc1\n    to: dc2", "    from: dc2\n    to: dc1"},
	        {"  activeServers: [pc1.dc1.lab, pc2.dc1.lab]",
	         "  activeServers: [pc1.dc2.lab, pc1.dc3.lab]"},
	        {"  policy:\n    allowDataLoss: false\n    serviceFirst: true\n",
	         "  policy: { allowDataLoss: true, serviceFirst: false }\n"},
	};
	struct spec_set set;
	const struct spec_pool *p;
	char *diags;

	(void)state;
	spec_set_init(&set);
	assert_int_equal(load_variant(&set, subst, 6), 0);
	diags = spec_fixture_diags(&set, 0);
	assert_string_equal(diags, "");
	free(diags);
	p = spec_set_find(&set, "atl-pchat");
	assert_non_null(p);
	assert_int_equal(p->state, SPEC_POOL_FAILED_OVER);
	assert_string_equal(spec_pool_state_name(p->state), "FailedOver");
	assert_int_equal(p->n_sites, 3);
	assert_int_equal(p->sites[1].n_near_sites, 1);
	assert_string_equal(p->sites[1].near_sites[0], "dc3");
	assert_string_equal(p->sites[2].principal, "sqlx\\PCHAT,14331");
	assert_null(p->sites[2].mirror);
	assert_string_equal(p->log_shipping.from, "dc2");
	assert_true(p->policy.allow_data_loss);
	assert_false(p->policy.service_first);
	spec_set_release(&set);
}

static void test_spec__defaults_and_log_shipping_none(void **state)
{
	static const char *const subst[][2] = {
	        {"  logShipping:\n    from: dc1\n    to: dc2\n    backupShare: "
	         "'\\\\fs1.lab\\pchat-ls'\n"
	         "    copyTo: 'D:\\pchat-ls'\n    interval: 1m\n",
	         "  logShipping: none\n"},
	        {"mgc: { logShipping: true }", "mgc: { logShipping: false }"},
	        {"  policy:\n    allowDataLoss: false\n    serviceFirst: true\n", ""},
	};
	struct spec_set set;
	const struct spec_pool *p;

	(void)state;
	spec_set_init(&set);
	assert_int_equal(load_variant(&set, subst, 3), 0);
	p = set.pools[0];
	assert_false(p->log_shipping.enabled);
	assert_null(p->log_shipping.from);
	assert_int_equal(p->log_shipping.pos.line, 21);
	assert_false(p->policy.allow_data_loss);
	assert_true(p->policy.service_first);
	assert_int_equal(p->state, SPEC_POOL_NORMAL);
	spec_set_release(&set);
}

static void test_spec__same_pool_name_in_two_buffers(void **state)
{
	static const char *const other_identity[][2] = {
	        {"service:atl-pchat.lab", "service:other.lab"},
	};
	struct spec_set set;
	char *diags;

	(void)state;
	spec_set_init(&set);
	assert_int_equal(
	        spec_set_load_buffer(&set, "a.yaml", spec_fixture_base, strlen(spec_fixture_base)),
	        0);
	assert_int_equal(load_variant(&set, other_identity, 1), 0);
	assert_int_equal(set.n_pools, 2);
	assert_int_equal(spec_set_check(&set), ERR_INVALID);
	diags = spec_fixture_diags(&set, 0);
	assert_string_equal(diags, "4:9: pool 'atl-pchat' is already defined\n");
	free(diags);
	assert_string_equal(set.diags[0].pos.file, "t.yaml");
	assert_string_equal(set.diags[0].hint,
	                    "see a.yaml:4:9; each pool is described by one file");
	assert_int_equal(set.n_pools, 1);
	assert_string_equal(set.pools[0]->file, "a.yaml");
	spec_set_release(&set);
}

static void test_spec__same_identity_in_two_buffers(void **state)
{
	static const char *const other_name[][2] = {{"name: atl-pchat", "name: other"}};
	struct spec_set set;
	char *diags;

	(void)state;
	spec_set_init(&set);
	assert_int_equal(
	        spec_set_load_buffer(&set, "a.yaml", spec_fixture_base, strlen(spec_fixture_base)),
	        0);
	assert_int_equal(load_variant(&set, other_name, 1), 0);
	assert_int_equal(spec_set_check(&set), ERR_INVALID);
	diags = spec_fixture_diags(&set, 0);
	assert_string_equal(diags, "6:9: pool identity 'service:atl-pchat.lab' is already used\n");
	free(diags);
	assert_non_null(spec_set_find(&set, "atl-pchat"));
	assert_null(spec_set_find(&set, "other"));
	spec_set_release(&set);
}

static void test_spec__distinct_pools_pass_the_set_check(void **state)
{
	static const char *const other[][2] = {
	        {"name: atl-pchat", "name: other"},
	        {"service:atl-pchat.lab", "service:other.lab"},
	};
	struct spec_set set;

	(void)state;
	spec_set_init(&set);
	assert_int_equal(
	        spec_set_load_buffer(&set, "a.yaml", spec_fixture_base, strlen(spec_fixture_base)),
	        0);
	assert_int_equal(load_variant(&set, other, 2), 0);
	assert_int_equal(spec_set_check(&set), 0);
	assert_int_equal(set.n_pools, 2);
	assert_int_equal(set.n_diags, 0);
	spec_set_release(&set);
}

static void test_spec__invalid_file_adds_no_pool_and_keeps_earlier(void **state)
{
	struct spec_set set;

	(void)state;
	spec_set_init(&set);
	assert_int_equal(
	        spec_set_load_buffer(&set, "a.yaml", spec_fixture_base, strlen(spec_fixture_base)),
	        0);
	assert_int_equal(spec_set_load_buffer(&set, "b.yaml", "kind: x\n", 8), ERR_INVALID);
	assert_int_equal(set.n_pools, 1);
	assert_true(set.n_diags > 0);
	for (size_t i = 0; i < set.n_diags; i++)
		assert_string_equal(set.diags[i].pos.file, "b.yaml");
	spec_set_release(&set);
}

static void test_spec__diag_format(void **state)
{
	struct spec_diag with = {
	        {"p.yaml", 3, 7}, "unknown key 'primry' in spec", "did you mean 'primary'?"};
	struct spec_diag without = {{"p.yaml", 1, 1}, "the document is empty", NULL};
	struct strbuf sb = STRBUF_INIT;

	(void)state;
	spec_diag_format(&with, &sb);
	assert_string_equal(
	        strbuf_cstr(&sb),
	        "p.yaml:3:7: unknown key 'primry' in spec\n  hint: did you mean 'primary'?");
	strbuf_reset(&sb);
	spec_diag_format(&without, &sb);
	assert_string_equal(strbuf_cstr(&sb), "p.yaml:1:1: the document is empty");
	strbuf_release(&sb);
}

static void test_spec__diagnostics_sorted_by_position(void **state)
{
	static const char *const subst[][2] = {
	        {"  activeServers: [pc1.dc1.lab, pc2.dc1.lab]", "  activeServers: [pc9.dc1.lab]"},
	        {"  home: dc1", "  home: Dc1"},
	        {"kind: PersistentChatPool", "kind: Pool"},
	};
	struct spec_set set;
	char *diags;

	(void)state;
	spec_set_init(&set);
	assert_int_equal(load_variant(&set, subst, 3), ERR_INVALID);
	diags = spec_fixture_diags(&set, 0);
	assert_string_equal(
	        diags, "2:7: unsupported kind 'Pool'\n"
	               "7:9: invalid site name 'Dc1' in spec.home: 'D' is not allowed\n"
	               "27:19: active server 'pc9.dc1.lab' is not a server of the primary site "
	               "'dc1'\n");
	free(diags);
	spec_set_release(&set);
}

static void test_spec__diagnostics_capped_per_file(void **state)
{
	struct strbuf list = STRBUF_INIT, line = STRBUF_INIT;
	struct spec_set set;
	char *text, *next;

	(void)state;
	/* 64 refused active servers and 64 refused servers of dc2: 128 problems */
	strbuf_puts(&list, "[");
	for (int i = 0; i < SPEC_MAX_LIST; i++)
		strbuf_printf(&list, "%sbad_%d", i ? ", " : "", i);
	strbuf_puts(&list, "]");
	strbuf_printf(&line, "activeServers: %s", list.ptr);
	text = spec_fixture_replace(spec_fixture_base, "[pc1.dc2.lab, pc2.dc2.lab]", list.ptr);
	next = spec_fixture_replace(text, "activeServers: [pc1.dc1.lab, pc2.dc1.lab]", line.ptr);
	assert_non_null(next);
	spec_set_init(&set);
	assert_int_equal(spec_set_load_buffer(&set, "t.yaml", next, strlen(next)), ERR_INVALID);
	assert_int_equal(set.n_diags, SPEC_MAX_DIAGS + 1);
	assert_string_equal(set.diags[SPEC_MAX_DIAGS].message,
	                    "28 more problems in this file were not shown");
	/* the next file gets its own allowance */
	assert_int_equal(spec_set_load_buffer(&set, "u.yaml", "- x\n", 4), ERR_INVALID);
	assert_int_equal(set.n_diags, SPEC_MAX_DIAGS + 2);
	free(text);
	free(next);
	strbuf_release(&list);
	strbuf_release(&line);
	spec_set_release(&set);
}

static void test_spec__load_file_missing_is_io_error(void **state)
{
	struct spec_set set;

	(void)state;
	spec_set_init(&set);
	err_clear();
	assert_int_equal(spec_set_load_file(&set, "tests/data/specs/no-such-file.yaml"), ERR_IO);
	assert_non_null(strstr(err_last(), "no-such-file.yaml"));
	assert_int_equal(set.n_diags, 0);
	spec_set_release(&set);
}

/* Every *.yaml of `dir`: load alone, expect valid or invalid. */
static void check_folder(const char *dir, bool valid)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char path[512];
		struct spec_set set;
		int rc;

		if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		spec_set_init(&set);
		rc = spec_set_load_file(&set, path);
		if ((rc == 0) != valid)
			print_message("# %s: expected %s\n", path, valid ? "valid" : "invalid");
		assert_int_equal(rc, valid ? 0 : ERR_INVALID);
		spec_set_release(&set);
		n++;
	}
	closedir(d);
	assert_true(n >= 3);
}

static void test_spec__data_folder_valid(void **state)
{
	(void)state;
	check_folder("tests/data/specs/valid", true);
}

static void test_spec__data_folder_invalid(void **state)
{
	(void)state;
	check_folder("tests/data/specs/invalid", false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_spec__lab_example_model),
	        cmocka_unit_test(test_spec__skype_example_model),
	        cmocka_unit_test(test_spec__failed_over_with_near_site),
	        cmocka_unit_test(test_spec__defaults_and_log_shipping_none),
	        cmocka_unit_test(test_spec__same_pool_name_in_two_buffers),
	        cmocka_unit_test(test_spec__same_identity_in_two_buffers),
	        cmocka_unit_test(test_spec__distinct_pools_pass_the_set_check),
	        cmocka_unit_test(test_spec__invalid_file_adds_no_pool_and_keeps_earlier),
	        cmocka_unit_test(test_spec__diag_format),
	        cmocka_unit_test(test_spec__diagnostics_sorted_by_position),
	        cmocka_unit_test(test_spec__diagnostics_capped_per_file),
	        cmocka_unit_test(test_spec__load_file_missing_is_io_error),
	        cmocka_unit_test(test_spec__data_folder_valid),
	        cmocka_unit_test(test_spec__data_folder_invalid),
	};

	return cmocka_run_group_tests_name("spec", tests, NULL, NULL);
}
