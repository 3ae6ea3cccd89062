/*
 * config: the pcdr host configuration schema. The top-level keys are
 * collected first and then read in a fixed order (sql defaults and
 * credentials before instances), so their order in the file does not
 * matter. Each value is checked where it is read: names with their
 * grammar, durations, the pool command as a list of words (a string is
 * refused: pcdr never runs a shell). The generic walk is config_yaml.c,
 * credentials are config_secret.c.
 */
#include "reconciler/config/config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "reconciler/config/config_int.h"
#include "util/err.h"
#include "util/xalloc.h"

struct config_top {
	yaml_node_t *source, *audit, *lock, *watch, *credentials, *sql, *instances, *pools;
};

#define CONFIG_TOP_SETTER(field)                                                                   \
	static void config_top_##field(struct config_walk *w, yaml_node_t *v, void *t)             \
	{                                                                                          \
		(void)w;                                                                           \
		((struct config_top *)t)->field = v;                                               \
	}
CONFIG_TOP_SETTER(source)
CONFIG_TOP_SETTER(audit)
CONFIG_TOP_SETTER(lock)
CONFIG_TOP_SETTER(watch)
CONFIG_TOP_SETTER(credentials)
CONFIG_TOP_SETTER(sql)
CONFIG_TOP_SETTER(instances)
CONFIG_TOP_SETTER(pools)

static bool config_refname_ok(const char *s)
{
	if (s[0] == '-' || s[0] == '/' || s[strlen(s) - 1] == '/' || strstr(s, "..") ||
	    strstr(s, "//") || strstr(s, "@{"))
		return false;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7F || strchr("~^:?*[\\", *s))
			return false;
	return true;
}

/* --- source, audit, lock, watch ------------------------------------------ */

static void config_source_repository(struct config_walk *w, yaml_node_t *v, void *t)
{
	(void)t;
	w->cfg->source.repository = config_string(w, v, "source.repository");
}

static void config_refish(struct config_walk *w, yaml_node_t *v, const char *what,
                          const char **dest)
{
	const char *s = config_string(w, v, what);

	if (s && !config_refname_ok(s))
		config_problem(w, &v->start_mark, "'%s' is not a valid git reference name: '%.64s'",
		               what, s);
	else if (s)
		*dest = s;
}

static void config_source_ref(struct config_walk *w, yaml_node_t *v, void *t)
{
	(void)t;
	config_refish(w, v, "source.ref", &w->cfg->source.ref);
}

static void config_source_folder(struct config_walk *w, yaml_node_t *v, void *t)
{
	const char *s = config_string(w, v, "source.folder");

	(void)t;
	if (s && (s[0] == '/' || !strcmp(s, "..") || !strncmp(s, "../", 3) || strstr(s, "/../") ||
	          (strlen(s) >= 3 && !strcmp(s + strlen(s) - 3, "/..")))) {
		config_problem(w, &v->start_mark,
		               "'source.folder' must be a path inside the repository, not '%.64s'",
		               s);
		return;
	}
	if (s)
		w->cfg->source.folder = s;
}

static void config_source_signers(struct config_walk *w, yaml_node_t *v, void *t)
{
	(void)t;
	w->cfg->source.allowed_signers = config_string(w, v, "source.allowedSigners");
}

static void config_audit_branch(struct config_walk *w, yaml_node_t *v, void *t)
{
	(void)t;
	config_refish(w, v, "audit.branch", &w->cfg->audit.branch);
}

static void config_audit_push(struct config_walk *w, yaml_node_t *v, void *t)
{
	(void)t;
	config_bool(w, v, "audit.push", &w->cfg->audit.push);
}

static void config_lock_ttl(struct config_walk *w, yaml_node_t *v, void *t)
{
	(void)t;
	config_duration(w, v, "lock.ttl", &w->cfg->lock.ttl_s);
}

static void config_lock_wait(struct config_walk *w, yaml_node_t *v, void *t)
{
	(void)t;
	config_duration(w, v, "lock.wait", &w->cfg->lock.wait_s);
}

static void config_watch_interval(struct config_walk *w, yaml_node_t *v, void *t)
{
	(void)t;
	config_duration(w, v, "watch.interval", &w->cfg->watch_interval_s);
}

/* --- pools --------------------------------------------------------------- */

static void config_pool_command(struct config_walk *w, yaml_node_t *v, void *t)
{
	struct config_pool *pool = t;
	const char **argv;
	yaml_node_item_t *item;
	size_t n = 0;

	if (v->type != YAML_SEQUENCE_NODE) {
		config_problem(w, &v->start_mark,
		               "'command' must be a list of words such as [pwsh, -File, "
		               "pool.ps1], never a shell string");
		return;
	}
	n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (n == 0 || n > 64) {
		config_problem(w, &v->start_mark, "'command' must have 1 to 64 words");
		return;
	}
	argv = arena_calloc(&w->cfg->arena, n + 1, sizeof(*argv));
	n = 0;
	for (item = v->data.sequence.items.start; item < v->data.sequence.items.top; item++) {
		const char *word = config_string(w, config_node(w, *item), "command");
		if (!word)
			return;
		argv[n++] = word;
	}
	pool->command = argv;
}

static void config_pool_timeout(struct config_walk *w, yaml_node_t *v, void *t)
{
	config_duration(w, v, "timeout", &((struct config_pool *)t)->timeout_s);
}

static bool config_pool_name_ok(const char *s)
{
	if (strlen(s) > 63)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
			return false;
	return true;
}

static void config_read_pools(struct config_walk *w, yaml_node_t *node)
{
	static const struct config_key keys[] = {
	        {"command", config_pool_command, true},
	        {"timeout", config_pool_timeout, false},
	        {NULL, NULL, false},
	};
	struct config *cfg = w->cfg;
	yaml_node_pair_t *pair;
	size_t n;

	if (node->type != YAML_MAPPING_NODE) {
		config_problem(w, &node->start_mark,
		               "'pools' must be a mapping from pool name to settings");
		return;
	}
	n = (size_t)(node->data.mapping.pairs.top - node->data.mapping.pairs.start);
	cfg->pools = arena_calloc(&cfg->arena, n ? n : 1, sizeof(*cfg->pools));
	for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = config_node(w, pair->key);
		struct config_pool *pool = &cfg->pools[cfg->n_pools++];

		pool->timeout_s = 120;
		pool->name = config_string(w, key, "pools");
		if (pool->name && !config_pool_name_ok(pool->name))
			config_problem(w, &key->start_mark,
			               "pool name '%.64s' must be 1 to 63 characters of [a-z0-9-]",
			               pool->name);
		for (size_t j = 0; pool->name && j + 1 < cfg->n_pools; j++)
			if (cfg->pools[j].name && !strcmp(cfg->pools[j].name, pool->name))
				config_problem(w, &key->start_mark, "pool '%s' is listed twice",
				               pool->name);
		config_walk_map(w, config_node(w, pair->value), keys, pool, "pools");
	}
}

/* --- the document -------------------------------------------------------- */

static void config_defaults(struct config *cfg)
{
	cfg->source.ref = "main";
	cfg->source.folder = "pools";
	cfg->audit.branch = "pcdr/audit";
	cfg->audit.push = true;
	cfg->lock.ttl_s = 600;
	cfg->lock.wait_s = 0;
	cfg->watch_interval_s = 60;
	cfg->max_connections = 8;
	cfg->defaults.tls = CONFIG_TLS_REQUIRE;
	cfg->defaults.login_timeout_s = 15;
	cfg->defaults.query_timeout_s = 300;
}

static void config_read_sections(struct config_walk *w, const struct config_top *top)
{
	static const struct config_key source_keys[] = {
	        {"repository", config_source_repository, true},
	        {"ref", config_source_ref, false},
	        {"folder", config_source_folder, false},
	        {"allowedSigners", config_source_signers, false},
	        {NULL, NULL, false},
	};
	static const struct config_key audit_keys[] = {
	        {"branch", config_audit_branch, false},
	        {"push", config_audit_push, false},
	        {NULL, NULL, false},
	};
	static const struct config_key lock_keys[] = {
	        {"ttl", config_lock_ttl, false},
	        {"wait", config_lock_wait, false},
	        {NULL, NULL, false},
	};
	static const struct config_key watch_keys[] = {
	        {"interval", config_watch_interval, false},
	        {NULL, NULL, false},
	};

	if (top->source)
		config_walk_map(w, top->source, source_keys, NULL, "source");
	if (top->audit)
		config_walk_map(w, top->audit, audit_keys, NULL, "audit");
	if (top->lock)
		config_walk_map(w, top->lock, lock_keys, NULL, "lock");
	if (top->watch)
		config_walk_map(w, top->watch, watch_keys, NULL, "watch");
	if (top->sql)
		config_read_sql(w, top->sql);
	if (top->credentials)
		w->cfg->defaults.credentials = config_credentials_parse(w, top->credentials);
	if (top->instances)
		config_read_instances(w, top->instances);
	if (top->pools)
		config_read_pools(w, top->pools);
}

static void config_read_root(struct config_walk *w, yaml_node_t *root)
{
	static const struct config_key top_keys[] = {
	        {"source", config_top_source, true},
	        {"audit", config_top_audit, false},
	        {"lock", config_top_lock, false},
	        {"watch", config_top_watch, false},
	        {"credentials", config_top_credentials, true},
	        {"sql", config_top_sql, false},
	        {"instances", config_top_instances, false},
	        {"pools", config_top_pools, false},
	        {NULL, NULL, false},
	};
	struct config_top top = {0};

	config_walk_map(w, root, top_keys, &top, "the configuration");
	if (root->type == YAML_MAPPING_NODE)
		config_read_sections(w, &top);
}

/* libyaml: text -> document; a syntax error is one problem. */
static int config_load_document(struct config_walk *w, const char *text, size_t len)
{
	yaml_parser_t parser;
	yaml_node_t *root;
	int ok;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	ok = yaml_parser_load(&parser, w->doc);
	if (!ok) {
		config_problem(w, &parser.problem_mark, "YAML syntax error: %s%s%s",
		               parser.problem ? parser.problem : "unknown",
		               parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return ERR_INVALID;
	}
	yaml_parser_delete(&parser);
	root = yaml_document_get_root_node(w->doc);
	if (!root) {
		config_problem_at(w, 1, 1, "the configuration is empty");
		yaml_document_delete(w->doc);
		return ERR_INVALID;
	}
	return 0;
}

int config_parse(struct config **out, const char *path, const char *text, size_t len,
                 struct config_problems *problems)
{
	struct config *cfg = xcalloc(1, sizeof(*cfg));
	yaml_document_t doc;
	struct config_walk w = {path, &doc, cfg, problems, 0};
	int error;

	*out = NULL;
	arena_init(&cfg->arena);
	cfg->path = arena_strdup(&cfg->arena, path);
	w.file = cfg->path;
	config_defaults(cfg);
	if ((error = config_load_document(&w, text, len)) == 0) {
		config_read_root(&w, yaml_document_get_root_node(&doc));
		yaml_document_delete(&doc);
	}
	if (w.n_problems) {
		error = err_set(ERR_INVALID, "%s%s",
		                problems && problems->len ? problems->items[0]
		                                          : "invalid configuration",
		                w.n_problems > 1 ? " (and more problems)" : "");
		config_free(cfg);
		return error;
	}
	*out = cfg;
	return 0;
}

int config_load(struct config **out, const char *path, struct config_problems *problems)
{
	char *text = xmalloc(CONFIG_MAX_BYTES + 1);
	size_t len = 0;
	ssize_t n;
	int fd, error;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error = err_set_errno(errno == ENOENT ? ERR_NOTFOUND : ERR_IO,
		                      "cannot read configuration '%s'", path);
		goto done;
	}
	while (len <= CONFIG_MAX_BYTES &&
	       (n = read(fd, text + len, CONFIG_MAX_BYTES + 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (len > CONFIG_MAX_BYTES) {
		error = err_set(ERR_LIMIT, "configuration '%s' is larger than %d bytes", path,
		                CONFIG_MAX_BYTES);
		goto done;
	}
	error = config_parse(out, path, text, len, problems);
done:
	free(text);
	return error;
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < cfg->n_secrets; i++) {
		explicit_bzero(cfg->secrets[i], sizeof(*cfg->secrets[i]));
		free(cfg->secrets[i]);
	}
	free(cfg->secrets);
	arena_release(&cfg->arena);
	free(cfg);
}

const char *config_path(const char *flag)
{
	const char *env = getenv("PCDR_CONFIG");

	if (flag && *flag)
		return flag;
	if (env && *env)
		return env;
	return CONFIG_DEFAULT_PATH;
}

const struct config_instance *config_instance(const struct config *cfg, const char *name,
                                              struct config_instance *scratch)
{
	const struct config_instance *listed = NULL;
	char *comma;

	for (size_t i = 0; i < cfg->n_instances && !listed; i++)
		if (cfg->instances[i].name && !strcasecmp(cfg->instances[i].name, name))
			listed = &cfg->instances[i];
	if (listed && (listed->address || listed->server))
		return listed;
	/* not listed, or listed without an address: connect by its name */
	*scratch = listed ? *listed : cfg->defaults;
	scratch->name = name;
	snprintf(scratch->address_buf, sizeof(scratch->address_buf), "%s", name);
	if ((comma = strrchr(scratch->address_buf, ',')))
		*comma = ':';
	scratch->address = scratch->address_buf;
	scratch->server = NULL;
	return scratch;
}

const struct config_pool *config_pool(const struct config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_pools; i++)
		if (!strcmp(cfg->pools[i].name, name))
			return &cfg->pools[i];
	err_set(ERR_NOTFOUND, "no pool command is configured for pool '%s' in '%s'", name,
	        cfg->path);
	return NULL;
}

const char *config_tls_name(enum config_tls tls)
{
	switch (tls) {
	case CONFIG_TLS_REQUEST:
		return "request";
	case CONFIG_TLS_OFF:
		return "off";
	default:
		return "require";
	}
}
