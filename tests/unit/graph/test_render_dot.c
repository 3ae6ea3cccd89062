/*
 * Unit tests for reconciler/core/render_dot.c: the exact DOT text of a
 * converged two-site world, of a failed-over world whose dc1 did not
 * answer, and of a bare world (golden files in tests/data/graph/, read
 * from the top of the tree as tests/run runs them; PCDR_UPDATE_GOLDEN=1
 * rewrites them); then the parts each golden file does not show: the
 * spec alone, a log shipping arrow known only from its secondary, a
 * partner outside the spec, a server that pings while fenced, quoting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reconciler/core/render_dot.h"
#include "tests/unit/core/scenarios.h"

#define GOLDEN_DIR "tests/data/graph/"

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = calloc(1, (size_t)n + 1);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	return buf;
}

static void check_golden(const char *name, const char *got)
{
	char path[256];
	const char *update = getenv("PCDR_UPDATE_GOLDEN");
	char *want;

	snprintf(path, sizeof(path), GOLDEN_DIR "%s", name);
	if (update && !strcmp(update, "1")) {
		FILE *f = fopen(path, "wb");

		assert_non_null(f);
		fputs(got, f);
		fclose(f);
	}
	want = read_all(path);
	if (!want)
		fail_msg("cannot read golden file '%s' (run from the top of the tree)", path);
	assert_string_equal(got, want);
	free(want);
}

static const char *dot_of(struct fx *f, const struct model *desired, const struct model *observed,
                          const struct render_dot_opts *opts)
{
	struct strbuf sb = STRBUF_INIT;
	const char *text;

	render_dot(desired, observed, opts, &sb);
	text = arena_strdup(&f->arena, strbuf_cstr(&sb));
	strbuf_release(&sb);
	return text;
}

static void test_render_dot__converged_two_sites(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, "dc1");
	fx_converged(&f, "dc1");
	check_golden("converged.dot", dot_of(&f, &f.desired, &f.world, NULL));
	fx_release(&f);
}

static void test_render_dot__failed_over_dc1_unreachable(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, "dc2");
	sc_failed_over(&f);
	fx_unreachable(&f, A1, "connection timed out");
	fx_unreachable(&f, B1, "connection refused");
	check_golden("failed-over.dot", dot_of(&f, &f.desired, &f.world, NULL));
	fx_release(&f);
}

static void test_render_dot__bare(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, "dc1");
	sc_bare(&f);
	check_golden("bare.dot", dot_of(&f, &f.desired, &f.world, NULL));
	fx_release(&f);
}

static void test_render_dot__byte_stable(void **state)
{
	struct fx f;
	const char *a, *b;

	(void)state;
	fx_init(&f, "dc1");
	fx_converged(&f, "dc1");
	a = dot_of(&f, &f.desired, &f.world, NULL);
	b = dot_of(&f, &f.desired, &f.world, NULL);
	assert_string_equal(a, b);
	fx_release(&f);
}

static void test_render_dot__desired_only(void **state)
{
	struct fx f;
	const char *dot;

	(void)state;
	fx_init(&f, "dc1");
	dot = dot_of(&f, &f.desired, NULL, &(struct render_dot_opts){"spec commit 1a2b3c4"});
	assert_non_null(strstr(dot, "\tgraph [label=\"pcdr graph: pool 'atl-pchat'\\nspec commit "
	                            "1a2b3c4\", "));
	assert_non_null(strstr(dot, "subgraph \"cluster/desired/side\" {\n"));
	assert_null(strstr(dot, "current/"));
	assert_string_equal(dot + strlen(dot) - 5, "\t}\n}\n");
	fx_release(&f);
}

/* dc1 lost: the dc2 secondary alone names its log shipping primary. */
static void test_render_dot__secondary_names_lost_primary(void **state)
{
	struct fx f;
	const char *dot;

	(void)state;
	fx_init(&f, "dc2");
	sc_dc1_lost(&f);
	dot = dot_of(&f, &f.desired, &f.world, NULL);
	assert_non_null(
	        strstr(dot, "\t\t\"current/sql/sqla.dc1.litwareinc.com\" -> "
	                    "\"current/sql/sqla.dc2.litwareinc.com/mgc\" [label=\"log shipping\\n"
	                    "last restored LSN 4100000000000000000400\\n(primary side not seen)\", "
	                    "color=\"#b35c00\", fontcolor=\"#b35c00\", style=dashed];\n"));
	fx_release(&f);
}

/* A partner that is not in the spec, a fenced pool that still sees pings, quoting. */
static void test_render_dot__outsiders_pings_quoting(void **state)
{
	struct fx f;
	struct model_db *c;
	const char *dot, *pings[] = {"pc1.dc1.litwareinc.com"};

	(void)state;
	fx_init(&f, "dc1");
	sc_bare(&f);
	model_add_instance(&f.world, "SQL9\\PCHAT", NULL);
	c = fx_db(&f, A1, "mgc");
	c->mirroring = (struct model_mirroring){MODEL_ROLE_PRINCIPAL, MODEL_MSTATE_DISCONNECTED,
	                                        "sqlx.dc1.litwareinc.com", MODEL_SAFETY_FULL, 1};
	f.world.pool.pings = pings;
	f.world.pool.n_pings = 1;
	dot = dot_of(&f, &f.desired, &f.world, &(struct render_dot_opts){"say \"hi\""});
	assert_non_null(strstr(dot, "\\nsay \\\"hi\\\"\""));
	assert_non_null(strstr(dot, "\t\t\"current/other/sqlx.dc1.litwareinc.com\" [label=\"sqlx."
	                            "dc1.litwareinc.com\\nnot in the spec\", style=dashed"));
	assert_non_null(strstr(dot,
	                       "-> \"current/other/sqlx.dc1.litwareinc.com\" [label=\"mirroring"
	                       "\\nDISCONNECTED, safety FULL\", color=\"#c0392b\""));
	assert_non_null(strstr(dot, "\"current/server/pc1.dc1.litwareinc.com\" [label=\"pc1.dc1."
	                            "litwareinc.com\\nrecent ping\", shape=ellipse, style=dashed, "
	                            "fontcolor=grey50, color=\"#c0392b\"];\n"));
	assert_non_null(strstr(dot, "subgraph \"cluster/current/sql/SQL9\\\\PCHAT\" {\n"));
	assert_non_null(strstr(dot, "\"current/sql/SQL9\\\\PCHAT\" [label=\"no database\""));
	assert_non_null(strstr(dot, "no active server"));
	fx_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_render_dot__converged_two_sites),
	        cmocka_unit_test(test_render_dot__failed_over_dc1_unreachable),
	        cmocka_unit_test(test_render_dot__bare),
	        cmocka_unit_test(test_render_dot__byte_stable),
	        cmocka_unit_test(test_render_dot__desired_only),
	        cmocka_unit_test(test_render_dot__secondary_names_lost_primary),
	        cmocka_unit_test(test_render_dot__outsiders_pings_quoting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
