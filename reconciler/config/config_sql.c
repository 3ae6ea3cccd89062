/*
 * config_sql: how pcdr reaches each SQL instance: the `sql:` defaults and
 * the `instances:` map (address or freetds.conf server name, TLS, login
 * and query timeouts, an optional credentials override). Names and
 * addresses are checked against their grammar here, so providers/mssql
 * never receives a string it would have to second-guess.
 */
#include <string.h>
#include <strings.h>

#include "reconciler/config/config_int.h"

/* --- sql defaults and instances ------------------------------------------ */

static void config_inst_tls(struct config_walk *w, yaml_node_t *v, void *t)
{
	struct config_instance *inst = t;
	const char *s = config_string(w, v, "tls");

	if (!s)
		return;
	if (!strcmp(s, "require"))
		inst->tls = CONFIG_TLS_REQUIRE;
	else if (!strcmp(s, "request"))
		inst->tls = CONFIG_TLS_REQUEST;
	else if (!strcmp(s, "off"))
		inst->tls = CONFIG_TLS_OFF;
	else
		config_problem(w, &v->start_mark,
		               "'tls' must be require, request or off, not '%.40s'", s);
}

static void config_inst_login_timeout(struct config_walk *w, yaml_node_t *v, void *t)
{
	config_duration(w, v, "loginTimeout", &((struct config_instance *)t)->login_timeout_s);
}

static void config_inst_query_timeout(struct config_walk *w, yaml_node_t *v, void *t)
{
	config_duration(w, v, "queryTimeout", &((struct config_instance *)t)->query_timeout_s);
}

static void config_sql_max_connections(struct config_walk *w, yaml_node_t *v, void *t)
{
	(void)t;
	config_uint(w, v, "sql.maxConnections", 64, &w->cfg->max_connections);
}

static void config_inst_credentials(struct config_walk *w, yaml_node_t *v, void *t)
{
	((struct config_instance *)t)->credentials = config_credentials_parse(w, v);
}

/* host[:port] with a port of 1-65535; an IPv6 host in brackets. */
static bool config_address_ok(const char *s)
{
	const char *colon = s[0] == '[' ? strstr(s, "]:") : strrchr(s, ':');
	const char *p;
	long port = 0;

	if (!colon || colon == s)
		return false;
	if (s[0] == '[')
		colon++;
	for (p = colon + 1; *p >= '0' && *p <= '9' && port <= 65535; p++)
		port = port * 10 + (*p - '0');
	if (*p || p == colon + 1 || port < 1 || port > 65535)
		return false;
	for (p = s; p < colon; p++)
		if ((unsigned char)*p <= ' ' || strchr("\\,;'\"", *p))
			return false;
	return true;
}

static void config_inst_address(struct config_walk *w, yaml_node_t *v, void *t)
{
	const char *s = config_string(w, v, "address");

	if (s && !config_address_ok(s)) {
		config_problem(w, &v->start_mark,
		               "'address' must be host:port (port 1-65535), not '%.64s'", s);
		return;
	}
	((struct config_instance *)t)->address = s;
}

static void config_inst_server(struct config_walk *w, yaml_node_t *v, void *t)
{
	const char *s = config_string(w, v, "server"), *p;

	for (p = s; p && *p; p++) {
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-",
		            *p)) {
			config_problem(w, &v->start_mark,
			               "'server' must be a freetds.conf server name "
			               "([A-Za-z0-9_.-]), not '%.64s'",
			               s);
			return;
		}
	}
	((struct config_instance *)t)->server = s;
}

static const struct config_key config_sql_keys[] = {
        {"tls", config_inst_tls, false},
        {"loginTimeout", config_inst_login_timeout, false},
        {"queryTimeout", config_inst_query_timeout, false},
        {"maxConnections", config_sql_max_connections, false},
        {NULL, NULL, false},
};

static const struct config_key config_instance_keys[] = {
        {"address", config_inst_address, false},
        {"server", config_inst_server, false},
        {"tls", config_inst_tls, false},
        {"loginTimeout", config_inst_login_timeout, false},
        {"queryTimeout", config_inst_query_timeout, false},
        {"credentials", config_inst_credentials, false},
        {NULL, NULL, false},
};

/* An instance name as the spec writes it: host[\INSTANCE][,port]. */
static bool config_instance_name_ok(const char *s)
{
	size_t host = strcspn(s, "\\,"), i;

	if (host == 0 || host > 253)
		return false;
	for (i = 0; i < host; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_",
		            s[i]))
			return false;
	if (s[host] == '\\') {
		size_t n = strcspn(s + host + 1, ",");
		if (n == 0 || n > 16)
			return false;
		for (i = host + 1; i < host + 1 + n; i++)
			if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
			            "_$#",
			            s[i]))
				return false;
		host += 1 + n;
	}
	if (s[host] == ',') {
		long port = 0;
		for (i = host + 1; s[i] >= '0' && s[i] <= '9' && port <= 65535; i++)
			port = port * 10 + (s[i] - '0');
		return i > host + 1 && !s[i] && port >= 1 && port <= 65535;
	}
	return s[host] == '\0';
}

static void config_read_instance(struct config_walk *w, yaml_node_pair_t *pair,
                                 struct config_instance *inst)
{
	yaml_node_t *key = config_node(w, pair->key), *value = config_node(w, pair->value);
	const char *name = config_string(w, key, "instances");

	*inst = w->cfg->defaults;
	inst->listed = true;
	inst->name = name;
	if (name && !config_instance_name_ok(name))
		config_problem(w, &key->start_mark,
		               "instance name '%.64s' must be host[\\INSTANCE][,port]", name);
	config_walk_map(w, value, config_instance_keys, inst, "instances");
	if (inst->address && inst->server)
		config_problem(w, &value->start_mark,
		               "instance '%s' sets both 'address' and 'server': choose one",
		               name ? name : "?");
}

void config_read_instances(struct config_walk *w, yaml_node_t *node)
{
	struct config *cfg = w->cfg;
	yaml_node_pair_t *pair;
	size_t n, i, j;

	if (node->type != YAML_MAPPING_NODE) {
		config_problem(w, &node->start_mark,
		               "'instances' must be a mapping from instance name to settings");
		return;
	}
	n = (size_t)(node->data.mapping.pairs.top - node->data.mapping.pairs.start);
	cfg->instances = arena_calloc(&cfg->arena, n ? n : 1, sizeof(*cfg->instances));
	for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		struct config_instance *inst = &cfg->instances[cfg->n_instances];
		config_read_instance(w, pair, inst);
		for (j = 0, i = cfg->n_instances; inst->name && j < i; j++)
			if (cfg->instances[j].name &&
			    !strcasecmp(cfg->instances[j].name, inst->name))
				config_problem(w, &config_node(w, pair->key)->start_mark,
				               "instance '%s' is listed twice", inst->name);
		cfg->n_instances++;
	}
}

void config_read_sql(struct config_walk *w, yaml_node_t *node)
{
	config_walk_map(w, node, config_sql_keys, &w->cfg->defaults, "sql");
}
