/*
 * Unit tests for reconciler/config: a complete valid file read field by
 * field, a table of invalid files with their exact file:line:col
 * problems, credential files (mode, owner, format) and the rule that no
 * credential value ever appears in a message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reconciler/config/config.h"
#include "util/err.h"

#define SECRET "S3cr3t-Pa55!'\""

static char dir[64];
static char cred_path[128];
static char cfg_path[128];

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/pcdr-config-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cred_path, sizeof(cred_path), "%s/sql.cred", dir);
	snprintf(cfg_path, sizeof(cfg_path), "%s/config.yaml", dir);
	setenv("PCDR_T_USER", "pcdr_env", 1);
	setenv("PCDR_T_PASSWORD", SECRET, 1);
	unsetenv("PCDR_T_UNSET");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(cred_path);
	unlink(cfg_path);
	rmdir(dir);
	return 0;
}

static const char valid_yaml[] =
        "# the litwareinc reconciler host\n"
        "source:\n"
        "  repository: https://git.litwareinc.com/dr/pchat-spec.git\n"
        "  ref: release\n"
        "  folder: pools/atl\n"
        "  allowedSigners: /etc/pcdr/allowed_signers\n"
        "audit: { branch: pcdr/audit-atl, push: false }\n"
        "lock: { ttl: 15m, wait: 30s }\n"
        "watch: { interval: 2m }\n"
        "credentials:\n"
        "  file: sql.cred\n"
        "sql:\n"
        "  tls: require\n"
        "  loginTimeout: 20s\n"
        "  queryTimeout: 1h\n"
        "  maxConnections: 4\n"
        "instances:\n"
        "  sqla.dc1.litwareinc.com:\n"
        "    address: sqla.dc1.litwareinc.com:1433\n"
        "  'SQL1\\PCHAT':\n"
        "    server: SQL1_PCHAT\n"
        "    tls: request\n"
        "    queryTimeout: 10m\n"
        "    credentials: { env: { user: PCDR_T_USER, password: PCDR_T_PASSWORD } }\n"
        "pools:\n"
        "  atl-pchat:\n"
        "    command: [pwsh, -NoProfile, -File, 'C:\\pcdr\\pool.ps1', \"two words\"]\n"
        "    timeout: 3m\n";

static void test_config__valid_file_field_by_field(void **state)
{
	struct config *cfg = NULL;
	struct config_problems problems = CONFIG_PROBLEMS_INIT;
	const struct config_instance *inst;
	struct config_instance scratch;
	const struct config_pool *pool;

	(void)state;
	write_file(cred_path, "# sql login for pcdr\nuser: pcdr\npassword: " SECRET "\n", 0600);
	write_file(cfg_path, valid_yaml, 0644);
	assert_int_equal(config_load(&cfg, cfg_path, &problems), 0);
	assert_int_equal(problems.len, 0);
	assert_string_equal(cfg->source.repository, "https://git.litwareinc.com/dr/pchat-spec.git");
	assert_string_equal(cfg->source.ref, "release");
	assert_string_equal(cfg->source.folder, "pools/atl");
	assert_string_equal(cfg->source.allowed_signers, "/etc/pcdr/allowed_signers");
	assert_string_equal(cfg->audit.branch, "pcdr/audit-atl");
	assert_false(cfg->audit.push);
	assert_int_equal(cfg->lock.ttl_s, 900);
	assert_int_equal(cfg->lock.wait_s, 30);
	assert_int_equal(cfg->watch_interval_s, 120);
	assert_int_equal(cfg->max_connections, 4);
	assert_int_equal(cfg->defaults.tls, CONFIG_TLS_REQUIRE);
	assert_int_equal(cfg->defaults.login_timeout_s, 20);
	assert_int_equal(cfg->defaults.query_timeout_s, 3600);
	assert_string_equal(cfg->defaults.credentials->user, "pcdr");
	assert_string_equal(cfg->defaults.credentials->password, SECRET);
	assert_non_null(strstr(cfg->defaults.credentials->origin, "sql.cred"));

	assert_int_equal(cfg->n_instances, 2);
	inst = config_instance(cfg, "SQLA.dc1.litwareinc.com", &scratch);
	assert_true(inst->listed);
	assert_string_equal(inst->address, "sqla.dc1.litwareinc.com:1433");
	assert_null(inst->server);
	assert_int_equal(inst->tls, CONFIG_TLS_REQUIRE);
	assert_int_equal(inst->login_timeout_s, 20);
	assert_int_equal(inst->query_timeout_s, 3600);
	assert_ptr_equal(inst->credentials, cfg->defaults.credentials);

	inst = config_instance(cfg, "SQL1\\PCHAT", &scratch);
	assert_null(inst->address);
	assert_string_equal(inst->server, "SQL1_PCHAT");
	assert_int_equal(inst->tls, CONFIG_TLS_REQUEST);
	assert_int_equal(inst->query_timeout_s, 600);
	assert_string_equal(inst->credentials->user, "pcdr_env");
	assert_string_equal(inst->credentials->password, SECRET);
	assert_string_equal(inst->credentials->origin, "environment");

	/* not listed: connect by name, ",port" as ":port", defaults */
	inst = config_instance(cfg, "sqlb.dc2.litwareinc.com,1533", &scratch);
	assert_false(inst->listed);
	assert_string_equal(inst->address, "sqlb.dc2.litwareinc.com:1533");
	assert_ptr_equal(inst->credentials, cfg->defaults.credentials);

	pool = config_pool(cfg, "atl-pchat");
	assert_non_null(pool);
	assert_string_equal(pool->command[0], "pwsh");
	assert_string_equal(pool->command[3], "C:\\pcdr\\pool.ps1");
	assert_string_equal(pool->command[4], "two words");
	assert_null(pool->command[5]);
	assert_int_equal(pool->timeout_s, 180);
	assert_null(config_pool(cfg, "other"));
	assert_int_equal(err_last_code(), ERR_NOTFOUND);
	config_free(cfg);
}

static void test_config__defaults(void **state)
{
	static const char text[] = "source: { repository: /srv/spec }\n"
	                           "credentials: { env: { user: PCDR_T_USER, password: "
	                           "PCDR_T_PASSWORD } }\n";
	struct config *cfg = NULL;

	(void)state;
	assert_int_equal(config_parse(&cfg, "c.yaml", text, strlen(text), NULL), 0);
	assert_string_equal(cfg->source.ref, "main");
	assert_string_equal(cfg->source.folder, "pools");
	assert_null(cfg->source.allowed_signers);
	assert_string_equal(cfg->audit.branch, "pcdr/audit");
	assert_true(cfg->audit.push);
	assert_int_equal(cfg->lock.ttl_s, 600);
	assert_int_equal(cfg->watch_interval_s, 60);
	assert_int_equal(cfg->max_connections, 8);
	assert_int_equal(cfg->defaults.tls, CONFIG_TLS_REQUIRE);
	assert_int_equal(cfg->defaults.login_timeout_s, 15);
	assert_int_equal(cfg->defaults.query_timeout_s, 300);
	assert_int_equal(cfg->n_instances, 0);
	assert_int_equal(cfg->n_pools, 0);
	config_free(cfg);
}

struct bad_case {
	const char *yaml;
	const char *problems; /* every problem, one per line */
};

#define CREDS "credentials: { env: { user: PCDR_T_USER, password: PCDR_T_PASSWORD } }\n"
#define SRC   "source: { repository: /srv/spec }\n"

static const struct bad_case bad_cases[] = {
        {"", "bad.yaml:1:1: the configuration is empty"},
        {"source: [unclosed\n", "bad.yaml:2:1: YAML syntax error: did not find expected ',' or "
                                "']' while parsing a flow sequence"},
        {"- a\n- b\n", "bad.yaml:1:1: 'the configuration' must be a mapping, not a list"},
        {CREDS, "bad.yaml:1:1: 'the configuration' needs the key 'source'"},
        {SRC "credentials: { env: { user: PCDR_T_USER, password: PCDR_T_PASSWORD } }\n"
             "sorce: x\nwatch: { interval: 1m, intervl: 2m }\n",
         "bad.yaml:3:1: unknown key 'sorce' in 'the configuration' (expected: source, audit, "
         "lock, watch, credentials, sql, instances, pools)\n"
         "bad.yaml:4:24: unknown key 'intervl' in 'watch' (expected: interval)"},
        {SRC SRC CREDS, "bad.yaml:2:1: duplicate key 'source' in 'the configuration'"},
        {"source: { ref: main }\n" CREDS, "bad.yaml:1:9: 'source' needs the key 'repository'"},
        {"source: { repository: /s, ref: 'a..b', folder: ../up }\n" CREDS
         "audit: { branch: '-x', push: yes }\n",
         "bad.yaml:1:32: 'source.ref' is not a valid git reference name: 'a..b'\n"
         "bad.yaml:1:48: 'source.folder' must be a path inside the repository, not '../up'\n"
         "bad.yaml:3:18: 'audit.branch' is not a valid git reference name: '-x'\n"
         "bad.yaml:3:30: 'audit.push' must be true or false, not 'yes'"},
        {SRC CREDS "lock: { ttl: 10 }\nwatch: { interval: 0s }\nsql: { loginTimeout: 5d, "
                   "maxConnections: 0, tls: maybe }\n",
         "bad.yaml:3:14: 'lock.ttl' must be a duration such as 30s, 5m or 2h (at most 7 days), "
         "not '10'\n"
         "bad.yaml:4:20: 'watch.interval' must be a duration such as 30s, 5m or 2h (at most 7 "
         "days), not '0s'\n"
         "bad.yaml:5:22: 'loginTimeout' must be a duration such as 30s, 5m or 2h (at most 7 "
         "days), not '5d'\n"
         "bad.yaml:5:42: 'sql.maxConnections' must be a whole number from 1 to 64, not '0'\n"
         "bad.yaml:5:50: 'tls' must be require, request or off, not 'maybe'"},
        {SRC "credentials: { file: /x, env: { user: A, password: B } }\n",
         "bad.yaml:2:14: 'credentials' needs exactly one of 'file' or 'env'"},
        {SRC "credentials: { env: { user: PCDR_T_USER, password: PCDR_T_UNSET } }\n",
         "bad.yaml:2:52: environment variable 'PCDR_T_UNSET' (credentials.env.password) is not "
         "set or empty"},
        {SRC "credentials: { env: { user: 'A B', pass: X } }\n",
         "bad.yaml:2:36: unknown key 'pass' in 'credentials.env' (expected: user, password)\n"
         "bad.yaml:2:21: 'credentials.env' needs the key 'password'"},
        {SRC CREDS "instances:\n  'bad name;--':\n    address: h:1433\n"
                   "  sqla.dc1:\n    address: sqla.dc1\n    server: 'x y'\n"
                   "  SQLA.DC1:\n    address: sqla:99999\n",
         "bad.yaml:4:3: instance name 'bad name;--' must be host[\\INSTANCE][,port]\n"
         "bad.yaml:7:14: 'address' must be host:port (port 1-65535), not 'sqla.dc1'\n"
         "bad.yaml:8:13: 'server' must be a freetds.conf server name ([A-Za-z0-9_.-]), not "
         "'x y'\n"
         "bad.yaml:10:14: 'address' must be host:port (port 1-65535), not 'sqla:99999'\n"
         "bad.yaml:9:3: instance 'SQLA.DC1' is listed twice"},
        {SRC CREDS "instances:\n  h1:\n    address: h1:1433\n    server: H1\n",
         "bad.yaml:5:5: instance 'h1' sets both 'address' and 'server': choose one"},
        {SRC CREDS "pools:\n  atl-pchat:\n    command: pwsh -File pool.ps1\n"
                   "  Atl:\n    timeout: 1m\n  x:\n    command: []\n"
                   "  y:\n    command: [a, [b]]\n",
         "bad.yaml:5:14: 'command' must be a list of words such as [pwsh, -File, pool.ps1], "
         "never a shell string\n"
         "bad.yaml:6:3: pool name 'Atl' must be 1 to 63 characters of [a-z0-9-]\n"
         "bad.yaml:7:5: 'pools' needs the key 'command'\n"
         "bad.yaml:9:14: 'command' must have 1 to 64 words\n"
         "bad.yaml:11:18: 'command' must be a string, not a list"},
        {SRC CREDS "pools: [a]\ninstances: x\n",
         "bad.yaml:4:12: 'instances' must be a mapping from instance name to settings\n"
         "bad.yaml:3:8: 'pools' must be a mapping from pool name to settings"},
        {"source: { repository: '' }\n" CREDS,
         "bad.yaml:1:23: 'source.repository' must be a non-empty string"},
};

static void test_config__invalid_files_name_every_problem(void **state)
{
	struct config *cfg = NULL;
	struct config_problems problems = CONFIG_PROBLEMS_INIT;
	char got[4096];
	size_t used, i, k;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		err_clear();
		assert_int_equal(config_parse(&cfg, "bad.yaml", bad_cases[i].yaml,
		                              strlen(bad_cases[i].yaml), &problems),
		                 ERR_INVALID);
		assert_null(cfg);
		used = 0;
		got[0] = '\0';
		for (k = 0; k < problems.len; k++)
			used += (size_t)snprintf(got + used, sizeof(got) - used, "%s%s",
			                         k ? "\n" : "", problems.items[k]);
		if (strcmp(got, bad_cases[i].problems))
			print_error("case %zu:\n%s\n", i, bad_cases[i].yaml);
		assert_string_equal(got, bad_cases[i].problems);
		assert_non_null(strstr(err_last(), problems.items[0]));
		config_problems_release(&problems);
	}
}

static int load_with_cred(const char *cred_text, mode_t mode, struct config_problems *problems)
{
	struct config *cfg = NULL;
	int error;

	write_file(cred_path, cred_text, mode);
	write_file(cfg_path, SRC "credentials:\n  file: sql.cred\n", 0600);
	error = config_load(&cfg, cfg_path, problems);
	config_free(cfg);
	return error;
}

static void test_config__credential_file_mode_0644_refused(void **state)
{
	struct config_problems problems = CONFIG_PROBLEMS_INIT;
	char want[512];

	(void)state;
	assert_int_equal(load_with_cred("user: pcdr\npassword: " SECRET "\n", 0644, &problems),
	                 ERR_INVALID);
	assert_int_equal(problems.len, 1);
	snprintf(want, sizeof(want),
	         "%s:3:9: credential file '%s' has mode 0644: it must not be open to group or "
	         "others (chmod 600 '%s')",
	         cfg_path, cred_path, cred_path);
	assert_string_equal(problems.items[0], want);
	config_problems_release(&problems);

	assert_int_equal(load_with_cred("user: pcdr\npassword: " SECRET "\n", 0640, &problems),
	                 ERR_INVALID);
	config_problems_release(&problems);
	assert_int_equal(load_with_cred("user: pcdr\npassword: " SECRET "\n", 0400, &problems), 0);
	config_problems_release(&problems);
}

static void test_config__credential_file_format(void **state)
{
	struct config_problems problems = CONFIG_PROBLEMS_INIT;
	char want[1024];

	(void)state;
	assert_int_equal(load_with_cred("user: pcdr\r\n\n# c\npasswd: " SECRET "\npassword:\n"
	                                "user: again\n",
	                                0600, &problems),
	                 ERR_INVALID);
	assert_int_equal(problems.len, 3);
	snprintf(want, sizeof(want), "%s:4:1: expected 'user: NAME' or 'password: SECRET'",
	         cred_path);
	assert_string_equal(problems.items[0], want);
	snprintf(want, sizeof(want), "%s:5:10: 'password' must be 1 to 256 bytes", cred_path);
	assert_string_equal(problems.items[1], want);
	snprintf(want, sizeof(want), "%s:6:1: duplicate key 'user'", cred_path);
	assert_string_equal(problems.items[2], want);
	config_problems_release(&problems);

	unlink(cred_path);
	write_file(cfg_path, SRC "credentials:\n  file: /nonexistent/sql.cred\n", 0600);
	{
		struct config *cfg = NULL;
		assert_int_equal(config_load(&cfg, cfg_path, &problems), ERR_INVALID);
	}
	snprintf(want, sizeof(want),
	         "%s:3:9: cannot open credential file '/nonexistent/sql.cred': No such file or "
	         "directory",
	         cfg_path);
	assert_string_equal(problems.items[0], want);
	config_problems_release(&problems);
}

static void assert_no_secret(const struct config_problems *problems)
{
	assert_null(strstr(err_last(), "S3cr3t"));
	for (size_t i = 0; i < problems->len; i++)
		assert_null(strstr(problems->items[i], "S3cr3t"));
}

static void test_config__secret_never_in_error_text(void **state)
{
	struct config_problems problems = CONFIG_PROBLEMS_INIT;
	struct config *cfg = NULL;
	char big[400];
	static const char bad_env[] = SRC "credentials: { env: { user: PCDR_T_PASSWORD, "
	                                  "password: PCDR_T_BIG } }\n";

	(void)state;
	/* a secret on a line the credential parser does not understand */
	assert_int_equal(
	        load_with_cred(SECRET "\nuser: pcdr\npassword: " SECRET "x\n", 0600, &problems),
	        ERR_INVALID);
	assert_no_secret(&problems);
	config_problems_release(&problems);
	assert_int_equal(load_with_cred("password " SECRET "\n", 0644, &problems), ERR_INVALID);
	assert_no_secret(&problems);
	config_problems_release(&problems);

	/* an environment secret that is too long */
	memset(big, 'S', sizeof(big) - 1);
	memcpy(big, "S3cr3t", 6);
	big[sizeof(big) - 1] = '\0';
	setenv("PCDR_T_BIG", big, 1);
	assert_int_equal(config_parse(&cfg, "c.yaml", bad_env, strlen(bad_env), &problems),
	                 ERR_INVALID);
	assert_int_equal(problems.len, 1);
	assert_string_equal(problems.items[0],
	                    "c.yaml:2:56: environment variable 'PCDR_T_BIG' "
	                    "(credentials.env.password) is longer than 256 bytes");
	assert_no_secret(&problems);
	config_problems_release(&problems);
	unsetenv("PCDR_T_BIG");
}

static void test_config__path_precedence_and_missing_file(void **state)
{
	struct config *cfg = NULL;

	(void)state;
	unsetenv("PCDR_CONFIG");
	assert_string_equal(config_path(NULL), "/etc/pcdr/config.yaml");
	setenv("PCDR_CONFIG", "/srv/pcdr.yaml", 1);
	assert_string_equal(config_path(NULL), "/srv/pcdr.yaml");
	assert_string_equal(config_path("x.yaml"), "x.yaml");
	setenv("PCDR_CONFIG", "", 1);
	assert_string_equal(config_path(""), "/etc/pcdr/config.yaml");
	unsetenv("PCDR_CONFIG");
	assert_int_equal(config_load(&cfg, "/nonexistent/pcdr.yaml", NULL), ERR_NOTFOUND);
	assert_string_equal(err_last(),
	                    "cannot read configuration '/nonexistent/pcdr.yaml': No such file or "
	                    "directory");
	assert_null(cfg);
	config_free(NULL);
}

/* examples/skype/pcdr.yaml is valid (its credential file pointed at ours). */
static void test_config__skype_example_is_valid(void **state)
{
	static char text[CONFIG_MAX_BYTES];
	char edited[CONFIG_MAX_BYTES];
	const char *needle = "file: /etc/pcdr/sql.credentials\n", *at;
	struct config_problems problems = CONFIG_PROBLEMS_INIT;
	struct config *cfg = NULL;
	struct config_instance scratch;
	FILE *f = fopen("examples/skype/pcdr.yaml", "r");
	size_t n;

	(void)state;
	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	at = strstr(text, needle);
	assert_non_null(at);
	snprintf(edited, sizeof(edited), "%.*sfile: %s\n%s", (int)(at - text), text, cred_path,
	         at + strlen(needle));
	write_file(cred_path, "user: LITWAREINC_pcdr\npassword: " SECRET "\n", 0600);
	assert_int_equal(
	        config_parse(&cfg, "examples/skype/pcdr.yaml", edited, strlen(edited), &problems),
	        0);
	assert_int_equal(cfg->defaults.tls, CONFIG_TLS_REQUIRE);
	assert_int_equal(cfg->n_instances, 4);
	assert_string_equal(config_instance(cfg, "sqla.dc2.litwareinc.com", &scratch)->address,
	                    "sqla.dc2.litwareinc.com:1433");
	assert_string_equal(config_pool(cfg, "atl-pchat")->command[0], "ssh");
	assert_string_equal(config_pool(cfg, "atl-pchat")->command[11], "C:\\pcdr\\pool.ps1");
	config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_config__valid_file_field_by_field),
	        cmocka_unit_test(test_config__defaults),
	        cmocka_unit_test(test_config__invalid_files_name_every_problem),
	        cmocka_unit_test(test_config__credential_file_mode_0644_refused),
	        cmocka_unit_test(test_config__credential_file_format),
	        cmocka_unit_test(test_config__secret_never_in_error_text),
	        cmocka_unit_test(test_config__path_precedence_and_missing_file),
	        cmocka_unit_test(test_config__skype_example_is_valid),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
