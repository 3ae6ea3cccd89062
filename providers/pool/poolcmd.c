/*
 * poolcmd: builds the argument vector (configured argv + verb + args),
 * runs it through util/runcmd, and parses `get` output with jansson,
 * rejecting duplicate keys, unknown keys, wrong types and bad names. A
 * command's message (first line of its stderr) is kept in the error; its
 * stdout is never echoed into a message beyond what names the problem.
 */
#include "providers/pool/poolcmd.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/runcmd.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

const char *poolcmd_state_name(enum poolcmd_state state)
{
	return state == POOLCMD_FAILED_OVER ? "FailedOver" : "Normal";
}

int poolcmd_state_parse(enum poolcmd_state *out, const char *name)
{
	if (!strcmp(name, "Normal"))
		*out = POOLCMD_NORMAL;
	else if (!strcmp(name, "FailedOver"))
		*out = POOLCMD_FAILED_OVER;
	else
		return ERR_INVALID;
	return 0;
}

/* NULL when `name` is a host name, else why not. */
static const char *poolcmd_fqdn_problem(const char *name)
{
	size_t len = strlen(name), label = 0, i;

	if (len == 0 || len > 253)
		return "must be 1 to 253 characters";
	for (i = 0; i < len; i++) {
		char c = name[i];
		if (c == '.') {
			if (label == 0 || name[i - 1] == '-')
				return "has an empty label or a label ending in '-'";
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return "may hold only letters, digits, '-' and '.'";
		if (label == 0 && c == '-')
			return "has a label starting with '-'";
		if (++label > 63)
			return "has a label longer than 63 characters";
	}
	if (label == 0 || name[len - 1] == '-')
		return "has an empty label or a label ending in '-'";
	return NULL;
}

int poolcmd_check_fqdn(const char *name)
{
	const char *why = poolcmd_fqdn_problem(name);

	if (why)
		return err_set(ERR_INVALID, "server name '%.64s' %s", name, why);
	return 0;
}

void poolcmd_status_release(struct poolcmd_status *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n_active_servers; i++)
		free(st->active_servers[i]);
	free(st->active_servers);
	st->active_servers = NULL;
	st->n_active_servers = 0;
}

static int poolcmd_parse_servers(struct poolcmd_status *out, json_t *list, const char *what)
{
	size_t i, j;
	json_t *item;
	const char *why;

	if (!json_is_array(list))
		return err_set(ERR_INVALID, "%s: 'activeServers' must be a list of server names",
		               what);
	if (json_array_size(list) > POOLCMD_MAX_SERVERS)
		return err_set(ERR_INVALID, "%s: 'activeServers' lists more than %d servers", what,
		               POOLCMD_MAX_SERVERS);
	out->active_servers = xcalloc(json_array_size(list) + 1, sizeof(char *));
	json_array_foreach(list, i, item)
	{
		if (!json_is_string(item))
			return err_set(ERR_INVALID, "%s: 'activeServers[%zu]' must be a string",
			               what, i);
		if ((why = poolcmd_fqdn_problem(json_string_value(item))))
			return err_set(ERR_INVALID, "%s: 'activeServers[%zu]' %s", what, i, why);
		for (j = 0; j < i; j++)
			if (!strcasecmp(out->active_servers[j], json_string_value(item)))
				return err_set(ERR_INVALID, "%s: 'activeServers' lists '%s' twice",
				               what, json_string_value(item));
		out->active_servers[i] = xstrdup(json_string_value(item));
		out->n_active_servers = i + 1;
	}
	return 0;
}

static int poolcmd_parse_object(struct poolcmd_status *out, json_t *root, const char *what)
{
	const char *key;
	json_t *value, *state = NULL, *servers = NULL;

	if (!json_is_object(root))
		return err_set(ERR_INVALID, "%s: output must be a JSON object", what);
	json_object_foreach(root, key, value)
	{
		if (!strcmp(key, "state"))
			state = value;
		else if (!strcmp(key, "activeServers"))
			servers = value;
		else
			return err_set(ERR_INVALID, "%s: unknown field '%.64s'", what, key);
	}
	if (!state)
		return err_set(ERR_INVALID, "%s: missing field 'state'", what);
	if (!servers)
		return err_set(ERR_INVALID, "%s: missing field 'activeServers'", what);
	if (!json_is_string(state) || poolcmd_state_parse(&out->state, json_string_value(state)))
		return err_set(ERR_INVALID, "%s: 'state' must be \"Normal\" or \"FailedOver\"",
		               what);
	return poolcmd_parse_servers(out, servers, what);
}

int poolcmd_parse_status(struct poolcmd_status *out, const char *json, size_t len, const char *what)
{
	json_error_t jerr;
	json_t *root;
	int error;

	out->state = POOLCMD_NORMAL;
	out->active_servers = NULL;
	out->n_active_servers = 0;
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		return err_set(ERR_INVALID, "%s: invalid JSON at line %d column %d: %s", what,
		               jerr.line, jerr.column, jerr.text);
	error = poolcmd_parse_object(out, root, what);
	json_decref(root);
	return error;
}

/* Run ARGV... verb args...; the message names the pool and the verb. */
static int poolcmd_run(struct runcmd_result *res, const struct poolcmd *cmd, const char *verb,
                       const char *const *args, size_t n_args)
{
	size_t n_argv = 0, i;
	const char **argv;
	char env_pool[1024], env_name[256];
	const char *env[3] = {NULL, NULL, NULL};
	struct runcmd_opts opts = {0};
	int error;

	while (cmd->argv && cmd->argv[n_argv])
		n_argv++;
	if (n_argv == 0)
		return err_set(ERR_INVALID, "no pool command is configured for pool '%s'",
		               cmd->name);
	argv = xcalloc(n_argv + 2 + n_args, sizeof(*argv));
	for (i = 0; i < n_argv; i++)
		argv[i] = cmd->argv[i];
	argv[n_argv] = verb;
	for (i = 0; i < n_args; i++)
		argv[n_argv + 1 + i] = args[i];
	snprintf(env_name, sizeof(env_name), "PCDR_POOL_NAME=%s", cmd->name);
	env[0] = env_name;
	if (cmd->identity) {
		snprintf(env_pool, sizeof(env_pool), "PCDR_POOL=%s", cmd->identity);
		env[1] = env_pool;
	}
	opts.argv = argv;
	opts.env_add = env;
	opts.timeout_ms = cmd->timeout_ms > 0 ? cmd->timeout_ms : POOLCMD_TIMEOUT_MS_DEFAULT;
	opts.stdout_limit = POOLCMD_OUTPUT_LIMIT;
	error = runcmd_run(res, &opts);
	if (error < 0) {
		char inner[768];
		snprintf(inner, sizeof(inner), "%s", err_last());
		err_set(error, "pool command '%s' for '%s' failed: %s", verb, cmd->name, inner);
	}
	free(argv);
	return error;
}

int poolcmd_get(struct poolcmd_status *out, const struct poolcmd *cmd)
{
	struct runcmd_result res = RUNCMD_RESULT_INIT;
	char what[300];
	int error;

	out->active_servers = NULL;
	out->n_active_servers = 0;
	if ((error = poolcmd_run(&res, cmd, "get", NULL, 0)) < 0)
		goto done;
	snprintf(what, sizeof(what), "pool command 'get' for '%s'", cmd->name);
	error = poolcmd_parse_status(out, res.out.ptr ? res.out.ptr : "", res.out.len, what);
done:
	runcmd_result_release(&res);
	return error;
}

int poolcmd_set_state(const struct poolcmd *cmd, enum poolcmd_state state)
{
	struct runcmd_result res = RUNCMD_RESULT_INIT;
	const char *arg = poolcmd_state_name(state);
	int error = poolcmd_run(&res, cmd, "set-state", &arg, 1);

	runcmd_result_release(&res);
	return error;
}

int poolcmd_set_active_servers(const struct poolcmd *cmd, const char *const *servers, size_t n)
{
	struct runcmd_result res = RUNCMD_RESULT_INIT;
	int error = 0;

	if (n > POOLCMD_MAX_SERVERS)
		return err_set(ERR_INVALID, "more than %d active servers for pool '%s'",
		               POOLCMD_MAX_SERVERS, cmd->name);
	for (size_t i = 0; i < n; i++)
		if ((error = poolcmd_check_fqdn(servers[i])) < 0)
			return error;
	error = poolcmd_run(&res, cmd, "set-active-servers", servers, n);
	runcmd_result_release(&res);
	return error;
}
