/*
 * Unit tests for the spec validator (specs/validate*.c, through
 * spec_set_load_buffer): a table of invalid specs, each the base spec of
 * spec_fixture.h with a few substitutions (or a whole text, or generated
 * text), and the exact diagnostics expected, "LINE:COL: message", in
 * order. Every diagnostic must also carry a hint.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "tests/unit/specs/spec_fixture.h"
#include "util/err.h"

struct vcase {
	const char *name;
	const char *text;        /* whole text; NULL: the base spec ... */
	const char *subst[3][2]; /* ... with these replacements */
	char *(*generate)(void); /* or generated text (caller frees) */
	size_t generated_len;    /* 0: strlen */
	const char *want;        /* "L:C: message\n" lines */
};

static char *gen_too_big(void)
{
	size_t n = SPEC_MAX_BYTES + 1;
	char *s = xmalloc(n + 1);

	memcpy(s, spec_fixture_base, sizeof(spec_fixture_base) - 1);
	memset(s + sizeof(spec_fixture_base) - 1, '#', n - (sizeof(spec_fixture_base) - 1));
	s[sizeof(spec_fixture_base) - 1] = '\n';
	s[n] = '\0';
	return s;
}

static char *gen_many_nodes(void)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_puts(&sb, "a: [");
	for (int i = 0; i < SPEC_MAX_NODES; i++)
		strbuf_puts(&sb, "1,");
	strbuf_puts(&sb, "1]\n");
	return strbuf_detach(&sb, NULL);
}

static char *gen_deep(void)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_puts(&sb, "a: ");
	for (int i = 0; i < SPEC_MAX_DEPTH + 5; i++)
		strbuf_putc(&sb, '[');
	for (int i = 0; i < SPEC_MAX_DEPTH + 5; i++)
		strbuf_putc(&sb, ']');
	strbuf_putc(&sb, '\n');
	return strbuf_detach(&sb, NULL);
}

/* The base spec with `at` replaced by `before`, n times `fmt` (given i twice),
 * then `after`. */
static char *gen_repeat(const char *at, const char *before, const char *fmt, int n,
                        const char *after)
{
	struct strbuf sb = STRBUF_INIT;
	char *text;

	strbuf_puts(&sb, before);
	for (int i = 0; i < n; i++)
		strbuf_printf(&sb, fmt, i, i);
	strbuf_puts(&sb, after);
	text = spec_fixture_replace(spec_fixture_base, at, sb.ptr);
	strbuf_release(&sb);
	return text;
}

static char *gen_many_sites(void)
{
	return gen_repeat("  databases:\n", "",
	                  "    x%d:\n      principal: sqlx%d.lab\n      servers: []\n",
	                  SPEC_MAX_SITES - 1, "  databases:\n");
}

static char *gen_many_databases(void)
{
	return gen_repeat("  primary: dc1\n", "", "    d%d: { logShipping: false }\n",
	                  SPEC_MAX_DATABASES - 1, "  primary: dc1\n");
}

static char *gen_many_servers(void)
{
	return gen_repeat("[pc1.dc2.lab, pc2.dc2.lab]", "[", "p%d.dc2.lab, ", SPEC_MAX_LIST,
	                  "pc1.dc2.lab]");
}

static char *gen_many_keys(void)
{
	return gen_repeat("    serviceFirst: true\n", "    serviceFirst: true\n", "    k%d: %d\n",
	                  24, "");
}

#include "tests/unit/specs/validate_cases.h"

static char *case_text(const struct vcase *c, size_t *len)
{
	char *text;

	if (c->generate) {
		text = c->generate();
		*len = strlen(text);
		return text;
	}
	text = xstrdup(c->text ? c->text : spec_fixture_base);
	for (int i = 0; i < 3 && c->subst[i][0]; i++) {
		char *next = spec_fixture_replace(text, c->subst[i][0], c->subst[i][1]);

		if (!next)
			fail_msg("case '%s': '%s' is not in the text", c->name, c->subst[i][0]);
		free(text);
		text = next;
	}
	*len = strlen(text);
	return text;
}

static void run_case(void **state)
{
	const struct vcase *c = *state;
	struct spec_set set;
	size_t len;
	char *text = case_text(c, &len);
	char *got;
	int rc;

	spec_set_init(&set);
	rc = spec_set_load_buffer(&set, "t.yaml", text, len);
	got = spec_fixture_diags(&set, 0);
	if (strcmp(got, c->want) != 0)
		print_message("# case %s\n# got:\n%s# want:\n%s", c->name, got, c->want);
	assert_string_equal(got, c->want);
	assert_int_equal(rc, ERR_INVALID);
	assert_int_equal(set.n_pools, 0);
	for (size_t i = 0; i < set.n_diags; i++) {
		assert_non_null(set.diags[i].hint);
		assert_string_equal(set.diags[i].pos.file, "t.yaml");
	}
	free(got);
	free(text);
	spec_set_release(&set);
}

static void test_validate__base_spec_is_valid(void **state)
{
	struct spec_set set;

	(void)state;
	spec_set_init(&set);
	assert_int_equal(spec_set_load_buffer(&set, "t.yaml", spec_fixture_base,
	                                      sizeof(spec_fixture_base) - 1),
	                 0);
	assert_int_equal(set.n_diags, 0);
	assert_int_equal(set.n_pools, 1);
	spec_set_release(&set);
}

int main(void)
{
	size_t n = sizeof(validate_cases) / sizeof(*validate_cases);
	struct CMUnitTest *tests = xcalloc(n + 1, sizeof(*tests));
	char **names = xcalloc(n, sizeof(*names));
	int rc;

	tests[0] = (struct CMUnitTest)cmocka_unit_test(test_validate__base_spec_is_valid);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(validate_cases[i].name) + 32;

		names[i] = xmalloc(len);
		snprintf(names[i], len, "test_validate__%s", validate_cases[i].name);
		tests[i + 1] = (struct CMUnitTest){names[i], run_case, NULL, NULL,
		                                   (void *)&validate_cases[i]};
	}
	rc = _cmocka_run_group_tests("validate", tests, n + 1, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(tests);
	return rc;
}
