/*
 * Unit tests for reconciler/builtin/plan_output.c: colour only on a
 * terminal (a pseudo-terminal here) and never when NO_COLOR is set to
 * something, coloured text that holds the same words as the canonical
 * text, the exit code of each plan status with and without
 * --detailed-exitcode, and which of two exit codes wins.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reconciler/builtin/builtin.h"
#include "reconciler/builtin/plan_output.h"
#include "reconciler/core/render.h"
#include "tests/unit/plan/plan_fixture.h"

static void test_plan_output__colour_only_on_a_terminal(void **state)
{
	int master = posix_openpt(O_RDWR | O_NOCTTY);
	FILE *tty, *file = tmpfile();

	(void)state;
	assert_true(master >= 0);
	assert_int_equal(grantpt(master), 0);
	assert_int_equal(unlockpt(master), 0);
	tty = fopen(ptsname(master), "w");
	assert_non_null(tty);
	unsetenv("NO_COLOR");
	assert_true(plan_output_colour(tty));
	assert_false(plan_output_colour(file));
	setenv("NO_COLOR", "1", 1);
	assert_false(plan_output_colour(tty));
	setenv("NO_COLOR", "", 1); /* no-color.org: set and not empty */
	assert_true(plan_output_colour(tty));
	unsetenv("NO_COLOR");
	fclose(tty);
	fclose(file);
	close(master);
}

/* The coloured text without its escape sequences is the canonical text. */
static void test_plan_output__colour_keeps_the_words(void **state)
{
	struct plan plan;
	struct strbuf plain = STRBUF_INIT, coloured = STRBUF_INIT, stripped = STRBUF_INIT;

	(void)state;
	pf_plan(&plan);
	render_text(&plan, &plain);
	plan_output_render(&plan, PLAN_OUTPUT_TEXT, NULL, true, &coloured);
	assert_non_null(strstr(strbuf_cstr(&coloured), "\033[31m    BLOCKED: "));
	assert_non_null(strstr(strbuf_cstr(&coloured), "\033[1mplan for pool 'atl'"));
	assert_non_null(strstr(strbuf_cstr(&coloured), "\033[36m 1. fence"));
	for (const char *p = strbuf_cstr(&coloured); *p; p++) {
		if (*p == '\033') {
			p = strchr(p, 'm');
			continue;
		}
		strbuf_putc(&stripped, *p);
	}
	assert_string_equal(strbuf_cstr(&stripped), strbuf_cstr(&plain));
	strbuf_reset(&coloured);
	plan_output_render(&plan, PLAN_OUTPUT_TEXT, NULL, false, &coloured);
	assert_string_equal(strbuf_cstr(&coloured), strbuf_cstr(&plain));
	strbuf_release(&plain);
	strbuf_release(&coloured);
	strbuf_release(&stripped);
	plan_release(&plan);
}

static void test_plan_output__exit_codes(void **state)
{
	struct plan plan;

	(void)state;
	plan_init(&plan);
	plan.status = PLAN_CONVERGED;
	assert_int_equal(plan_output_exit_code(&plan, false), PCDR_EXIT_OK);
	assert_int_equal(plan_output_exit_code(&plan, true), PCDR_EXIT_OK);
	plan.status = PLAN_READY;
	assert_int_equal(plan_output_exit_code(&plan, false), PCDR_EXIT_OK);
	assert_int_equal(plan_output_exit_code(&plan, true), PCDR_EXIT_CHANGES);
	plan.status = PLAN_BLOCKED;
	assert_int_equal(plan_output_exit_code(&plan, false), PCDR_EXIT_PARTIAL);
	assert_int_equal(plan_output_exit_code(&plan, true), PCDR_EXIT_PARTIAL);
	plan.status = PLAN_REFUSED;
	assert_int_equal(plan_output_exit_code(&plan, true), PCDR_EXIT_ERROR);
	assert_int_equal(plan_output_worse(PCDR_EXIT_OK, PCDR_EXIT_CHANGES), PCDR_EXIT_CHANGES);
	assert_int_equal(plan_output_worse(PCDR_EXIT_PARTIAL, PCDR_EXIT_CHANGES),
	                 PCDR_EXIT_PARTIAL);
	assert_int_equal(plan_output_worse(PCDR_EXIT_PARTIAL, PCDR_EXIT_ERROR), PCDR_EXIT_ERROR);
	assert_int_equal(plan_output_worse(PCDR_EXIT_ERROR, PCDR_EXIT_OK), PCDR_EXIT_ERROR);
	plan_release(&plan);
}

static void test_plan_output__formats(void **state)
{
	enum plan_output_format f;

	(void)state;
	assert_int_equal(plan_output_parse(&f, NULL, true), 0);
	assert_int_equal(f, PLAN_OUTPUT_TEXT);
	assert_int_equal(plan_output_parse(&f, "markdown", true), 0);
	assert_int_equal(f, PLAN_OUTPUT_MARKDOWN);
	assert_int_equal(plan_output_parse(&f, "markdown", false), -1);
	assert_int_equal(plan_output_parse(&f, "json", false), 0);
	assert_int_equal(f, PLAN_OUTPUT_JSON);
	assert_int_equal(plan_output_parse(&f, "yaml", true), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_plan_output__colour_only_on_a_terminal),
	        cmocka_unit_test(test_plan_output__colour_keeps_the_words),
	        cmocka_unit_test(test_plan_output__exit_codes),
	        cmocka_unit_test(test_plan_output__formats),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
