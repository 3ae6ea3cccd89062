/*
 * Unit tests for reconciler/core/render_markdown.c: the exact markdown of
 * a hand-made plan (every section once), of a converged plan, and of a
 * planned switchover built from the core's scenarios.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "reconciler/core/render_markdown.h"
#include "tests/unit/core/scenarios.h"
#include "tests/unit/plan/plan_fixture.h"

static void test_render_markdown__every_section(void **state)
{
	struct plan plan;
	struct strbuf out = STRBUF_INIT;
	struct render_context ctx = {"1a2b3c4", "Fail over | to dc2", NULL, NULL};

	(void)state;
	pf_plan(&plan);
	render_markdown(&plan, &ctx, &out);
	assert_string_equal(
	        strbuf_cstr(&out),
	        "### pcdr plan for pool `atl`: blocked\n"
	        "\n"
	        "Spec commit `1a2b3c4`: Fail over \\| to dc2\n"
	        "\n"
	        "**4 steps**, 1 blocked.\n"
	        "\n"
	        "Service: the pool stops taking connections at step 1 and serves again after "
	        "step 4.\n"
	        "\n"
	        "#### Notes\n"
	        "\n"
	        "- 'b1' is unreachable \\| pipes are escaped\n"
	        "\n"
	        "#### Data-loss exposure\n"
	        "\n"
	        "- exposure: 'mgc' on lost authority 'a1': changes after LSN 440 are lost\n"
	        "- step 2 `sql.recover mgc on SQL2\\PCHAT`: bring it online (blocked)\n"
	        "\n"
	        "#### Blocked steps\n"
	        "\n"
	        "| # | what | why it is blocked |\n"
	        "| ---: | --- | --- |\n"
	        "| 2 | `sql.recover mgc on SQL2\\PCHAT` | 'SQL2\\\\PCHAT' is unreachable |\n"
	        "\n"
	        "#### Steps\n"
	        "\n"
	        "**fence**\n"
	        "\n"
	        "| # | what | why | risk | after |\n"
	        "| ---: | --- | --- | --- | --- |\n"
	        "| 1 | `pool.set_active_servers (none)` | fence: mgc moves | outage |  |\n"
	        "\n"
	        "**move**\n"
	        "\n"
	        "| # | what | why | risk | after |\n"
	        "| ---: | --- | --- | --- | --- |\n"
	        "| 2 | `sql.recover mgc on SQL2\\PCHAT` | bring it online **BLOCKED** | data-loss "
	        "| 1 "
	        "|\n"
	        "\n"
	        "**switch**\n"
	        "\n"
	        "| # | what | why | risk | after |\n"
	        "| ---: | --- | --- | --- | --- |\n"
	        "| 3 | `pool.set_state FailedOver` | use dc2 |  | 1, 2 |\n"
	        "\n"
	        "**unfence**\n"
	        "\n"
	        "| # | what | why | risk | after |\n"
	        "| ---: | --- | --- | --- | --- |\n"
	        "| 4 | `pool.set_active_servers [pc1.dc2, pc2.dc2]` | unfence |  | 3 |\n"
	        "\n"
	        "<details><summary>Facts each step was planned against</summary>\n"
	        "\n"
	        "```\n"
	        "1. pool.state=Normal\n"
	        "2. SQL2\\PCHAT.reachable=false pool.state=Normal\n"
	        "3.\n"
	        "4.\n"
	        "```\n"
	        "\n"
	        "</details>\n");
	strbuf_release(&out);
	plan_release(&plan);
}

static void test_render_markdown__converged_with_pool_table(void **state)
{
	struct fx f;
	struct plan plan;
	struct strbuf out = STRBUF_INIT;
	struct render_context ctx = {NULL, NULL, NULL, NULL};

	(void)state;
	fx_init(&f, "dc1");
	fx_converged(&f, "dc1");
	ctx.desired = &f.desired;
	ctx.observed = &f.world;
	fx_plan_text(&f, &f.world, &(struct planner_opts){0}, &plan);
	render_markdown(&plan, &ctx, &out);
	assert_string_equal(
	        strbuf_cstr(&out),
	        "### pcdr plan for pool `atl-pchat`: converged\n"
	        "\n"
	        "| | pool state | active servers |\n"
	        "| --- | --- | --- |\n"
	        "| current | Normal | pc1.dc1.litwareinc.com, pc2.dc1.litwareinc.com |\n"
	        "| desired | Normal | pc1.dc1.litwareinc.com, pc2.dc1.litwareinc.com |\n"
	        "\n"
	        "No changes: the pool is as the spec says.\n"
	        "\n");
	strbuf_release(&out);
	plan_release(&plan);
	fx_release(&f);
}

static void test_render_markdown__switchover_no_loss(void **state)
{
	struct fx f;
	struct plan plan;
	struct strbuf out = STRBUF_INIT;
	struct render_context ctx = {"abc1234", "Fail over to dc2", NULL, NULL};
	const char *md;

	(void)state;
	fx_init(&f, "dc2");
	fx_converged(&f, "dc1");
	ctx.desired = &f.desired;
	ctx.observed = &f.world;
	fx_plan_text(&f, &f.world, &(struct planner_opts){0}, &plan);
	render_markdown(&plan, &ctx, &out);
	md = strbuf_cstr(&out);
	assert_non_null(strstr(md, "### pcdr plan for pool `atl-pchat`: ready\n"));
	assert_non_null(strstr(md, "| current | Normal | pc1.dc1"));
	assert_non_null(strstr(md, "| desired | FailedOver | pc1.dc2"));
	assert_non_null(strstr(md, "Service: the pool stops taking connections at step 1 and "
	                           "serves again after step "));
	assert_non_null(strstr(md, "None: no step can lose a committed transaction.\n"));
	assert_null(strstr(md, "#### Blocked steps"));
	assert_non_null(strstr(md, "`sql.tail_log_backup mgc on sqla.dc1.litwareinc.com at LSN"));
	strbuf_release(&out);
	plan_release(&plan);
	fx_release(&f);
}

static void test_render_markdown__no_fence_keeps_serving(void **state)
{
	struct plan plan;
	struct strbuf out = STRBUF_INIT;
	struct plan_step *s;

	(void)state;
	plan_init(&plan);
	plan.pool_name = "atl";
	plan.status = PLAN_READY;
	s = plan_add_step(&plan, PLAN_POOL_SET_ACTIVE_SERVERS, PLAN_PHASE_UNFENCE);
	s->reason = "the spec lists other active servers";
	render_markdown(&plan, NULL, &out);
	assert_non_null(strstr(strbuf_cstr(&out),
	                       "Service: the pool is not fenced; it keeps serving throughout "
	                       "(its active servers change at step 1).\n"));
	strbuf_release(&out);
	plan_release(&plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_render_markdown__every_section),
	        cmocka_unit_test(test_render_markdown__converged_with_pool_table),
	        cmocka_unit_test(test_render_markdown__switchover_no_loss),
	        cmocka_unit_test(test_render_markdown__no_fence_keeps_serving),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
