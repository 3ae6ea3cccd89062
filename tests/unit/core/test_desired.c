/*
 * Unit tests for reconciler/core/desired.c: what the spec means for each
 * instance (DESIGN.md), built from spec structs in code.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/core/scenarios.h"
#include "util/err.h"

static void test_desired__primary_site_principal_and_mirror(void **state)
{
	struct fx f;
	const struct model_db *p, *m;

	(void)state;
	fx_init(&f, "dc1");
	p = model_copy_of(&f.desired, A1, "mgc");
	m = model_copy_of(&f.desired, B1, "mgc");
	assert_int_equal(p->state, MODEL_DB_ONLINE);
	assert_int_equal(p->mirroring.role, MODEL_ROLE_PRINCIPAL);
	assert_string_equal(p->mirroring.partner, B1);
	assert_int_equal(p->mirroring.safety, MODEL_SAFETY_FULL);
	assert_true(p->ls_primary.configured);
	assert_string_equal(p->ls_primary.secondaries[0], A2);
	assert_string_equal(p->ls_primary.backup_share, FX_SHARE);
	assert_int_equal(m->state, MODEL_DB_RESTORING);
	assert_int_equal(m->mirroring.role, MODEL_ROLE_MIRROR);
	assert_true(m->ls_primary.configured); /* SQL Server's log shipping + mirroring recipe */
	assert_true(m->want & MODEL_WANT_IN_CHAIN);
	fx_release(&f);
}

static void test_desired__to_site_principal_is_the_secondary(void **state)
{
	struct fx f;
	const struct model_db *s;

	(void)state;
	fx_init(&f, "dc1");
	s = model_copy_of(&f.desired, A2, "mgc");
	assert_int_equal(s->state, MODEL_DB_RESTORING);
	assert_true(s->standby_ok);
	assert_true(s->ls_secondary.configured);
	assert_string_equal(s->ls_secondary.primary, A1);
	assert_string_equal(s->ls_secondary.primary_alt, B1);
	assert_false(s->ls_primary.configured);
	assert_null(
	        model_copy_of(&f.desired, B2, "mgc")); /* the other site's mirror: not managed */
	fx_release(&f);
}

static void test_desired__not_shipped_exists_everywhere_mirrored_in_primary(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, "dc2");
	assert_int_equal(model_copy_of(&f.desired, A2, "mgccomp")->mirroring.role,
	                 MODEL_ROLE_PRINCIPAL);
	assert_int_equal(model_copy_of(&f.desired, B2, "mgccomp")->mirroring.role,
	                 MODEL_ROLE_MIRROR);
	assert_int_equal(model_copy_of(&f.desired, A1, "mgccomp")->want, MODEL_WANT_EXISTS);
	assert_null(model_copy_of(&f.desired, B1, "mgccomp"));
	fx_release(&f);
}

static void test_desired__pool_state_is_derived(void **state)
{
	struct fx f;

	(void)state;
	fx_init(&f, "dc1");
	assert_int_equal(f.desired.pool.state, MODEL_POOL_NORMAL);
	fx_release(&f);
	fx_init(&f, "dc2");
	assert_int_equal(f.desired.pool.state, MODEL_POOL_FAILED_OVER);
	assert_string_equal(f.desired.pool.active_servers[0], "pc1.dc2.litwareinc.com");
	assert_string_equal(f.desired.topo.ls_to, "dc1");
	fx_release(&f);
}

static void test_desired__site_without_mirror_and_no_log_shipping(void **state)
{
	struct fx f;
	const struct model_db *p;

	(void)state;
	fx_init(&f, "dc1");
	f.sites[0].mirror = NULL;
	f.spec.log_shipping.enabled = false;
	fx_desired(&f);
	p = model_copy_of(&f.desired, A1, "mgc");
	assert_int_equal(p->mirroring.role, MODEL_ROLE_NONE);
	assert_true(p->want & MODEL_WANT_MIRRORING);
	assert_false(p->ls_primary.configured);
	assert_true(p->want & MODEL_WANT_LS_PRIMARY);
	assert_null(model_copy_of(&f.desired, A2, "mgc"));
	fx_release(&f);
}

static void test_desired__undeclared_primary_is_invalid(void **state)
{
	struct fx f;
	struct model m;

	(void)state;
	fx_init(&f, "dc1");
	f.spec.primary = "dc9";
	assert_int_equal(desired_from_spec(&m, &f.arena, &f.spec), ERR_INVALID);
	assert_string_equal(err_last(), "pool 'atl-pchat': primary site 'dc9' is not declared");
	err_clear();
	fx_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_desired__primary_site_principal_and_mirror),
	        cmocka_unit_test(test_desired__to_site_principal_is_the_secondary),
	        cmocka_unit_test(test_desired__not_shipped_exists_everywhere_mirrored_in_primary),
	        cmocka_unit_test(test_desired__pool_state_is_derived),
	        cmocka_unit_test(test_desired__site_without_mirror_and_no_log_shipping),
	        cmocka_unit_test(test_desired__undeclared_primary_is_invalid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
