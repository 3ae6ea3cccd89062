/*
 * pool: the lab's Persistent Chat pool (see pool.h for the files). The
 * rules follow the cmdlets (sqlserver-dr-facts.md 5.1): the state is
 * Normal or FailedOver (an enum, so the spelling is checked without case
 * and stored canonically), setting what is already set succeeds and
 * changes nothing, and the active server list accepts only Persistent
 * Chat servers of the pool (here: the topology's chatServers), so a typo
 * is refused instead of activating nothing. The initial state is that of
 * a pool Topology Builder just published: Normal, no active server (the
 * lab's chat servers write nothing until someone activates them). It
 * knows nothing of TDS; the chat servers (lab/chat.c) read pool.json.
 */
#include "lab/pool.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lab/labfile.h"
#include "lab/ledger.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define LABPOOL_MAX_BYTES (64 * 1024)
#define LABPOOL_USAGE                                                                              \
	"usage: pcdr-lab --dir DIR pool get | set-state Normal|FailedOver | "                      \
	"set-active-servers [FQDN...]"

void labpool_release(struct labpool *pool)
{
	if (!pool)
		return;
	for (size_t i = 0; i < pool->n_active; i++)
		free(pool->active[i]);
	free(pool->active);
	pool->active = NULL;
	pool->n_active = 0;
}

static int parse_servers(struct labpool *out, json_t *list)
{
	size_t n = json_array_size(list);

	if (!json_is_array(list) || n > 256)
		return err_set(ERR_INVALID, "'activeServers' must be a list of at most 256 names");
	out->active = xcalloc(n ? n : 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(list, i));
		if (!s || !*s)
			return err_set(ERR_INVALID, "'activeServers' must hold non-empty strings");
		out->active[out->n_active++] = xstrdup(s);
	}
	return 0;
}

int labpool_parse(struct labpool *out, const char *json, size_t len)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	const char *state;
	int error = 0;

	memset(out, 0, sizeof(*out));
	if (!root || !json_is_object(root) || json_object_size(root) != 2) {
		error = err_set(ERR_INVALID,
		                "expected {\"state\": ..., \"activeServers\": [...]}%s%s",
		                root ? "" : ": ", root ? "" : jerr.text);
		goto done;
	}
	state = json_string_value(json_object_get(root, "state"));
	if (!state || (strcmp(state, "Normal") && strcmp(state, "FailedOver"))) {
		error = err_set(ERR_INVALID, "'state' must be \"Normal\" or \"FailedOver\"");
		goto done;
	}
	out->failed_over = state[0] == 'F';
	error = parse_servers(out, json_object_get(root, "activeServers"));
done:
	if (error)
		labpool_release(out);
	json_decref(root);
	return error;
}

/* Lock DIR/pool.lock (LOCK_SH or LOCK_EX); the fd to close, or < 0. */
static int pool_lock(const char *dir, int how)
{
	char path[PATH_MAX];
	int fd = open(labfile_path(path, sizeof(path), dir, "pool.lock"),
	              O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return err_set_errno(ERR_IO, "cannot open '%s'", path);
	while (flock(fd, how) < 0) {
		if (errno != EINTR) {
			close(fd);
			return err_set_errno(ERR_IO, "cannot lock '%s'", path);
		}
	}
	return fd;
}

static int read_unlocked(struct labpool *out, const char *dir)
{
	char path[PATH_MAX];
	struct strbuf text = STRBUF_INIT;
	int error;

	memset(out, 0, sizeof(*out));
	labfile_path(path, sizeof(path), dir, LABPOOL_FILE);
	error = labfile_read(&text, path, LABPOOL_MAX_BYTES);
	if (error == ERR_NOTFOUND) {
		err_clear();
		error = 0; /* as Topology Builder left it: Normal, nobody active */
	} else if (!error && labpool_parse(out, text.ptr, text.len) < 0) {
		char why[256];
		snprintf(why, sizeof(why), "%s", err_last());
		error = err_set(ERR_INVALID, "'%s' is damaged: %s", path, why);
	}
	strbuf_release(&text);
	return error;
}

int labpool_read(struct labpool *out, const char *dir)
{
	int fd = pool_lock(dir, LOCK_SH), error;

	if (fd < 0)
		return fd;
	error = read_unlocked(out, dir);
	close(fd);
	return error;
}

static void json_string_out(struct strbuf *sb, const char *s)
{
	strbuf_putc(sb, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			strbuf_putc(sb, '\\');
		if ((unsigned char)*s < 0x20)
			strbuf_printf(sb, "\\u%04x", (unsigned char)*s);
		else
			strbuf_putc(sb, *s);
	}
	strbuf_putc(sb, '"');
}

static void pool_json(struct strbuf *sb, const struct labpool *p)
{
	strbuf_printf(sb, "{\"state\":\"%s\",\"activeServers\":[",
	              p->failed_over ? "FailedOver" : "Normal");
	for (size_t i = 0; i < p->n_active; i++) {
		if (i)
			strbuf_putc(sb, ',');
		json_string_out(sb, p->active[i]);
	}
	strbuf_puts(sb, "]}\n");
}

static void servers_text(struct strbuf *sb, const struct labpool *p, const char *sep,
                         const char *none)
{
	for (size_t i = 0; i < p->n_active; i++)
		strbuf_printf(sb, "%s%s", i ? sep : "", p->active[i]);
	if (!p->n_active)
		strbuf_puts(sb, none);
}

/* Under the exclusive lock: pool.json, then the history and the log. */
static int pool_commit(const char *dir, const struct labpool *p, const char *what)
{
	struct strbuf json = STRBUF_INIT, line = STRBUF_INIT;
	char path[PATH_MAX], now[LEDGER_TIME_SIZE];
	int error;

	ledger_time_format(now, labfile_now_us());
	pool_json(&json, p);
	if ((error = labfile_write(labfile_path(path, sizeof(path), dir, LABPOOL_FILE), json.ptr,
	                           json.len, 0644)) < 0)
		goto done;
	strbuf_printf(&line, "%s\t%s\t", now, p->failed_over ? "FailedOver" : "Normal");
	servers_text(&line, p, ",", "");
	strbuf_putc(&line, '\n');
	if ((error = labfile_append(labfile_path(path, sizeof(path), dir, LABPOOL_HISTORY),
	                            line.ptr, line.len)) < 0)
		goto done;
	labfile_log(dir, "pool: %s", what);
done:
	strbuf_release(&json);
	strbuf_release(&line);
	return error;
}

const char *labpool_home_site(const struct lab_topology *topo)
{
	for (size_t i = 0; i < topo->n_sites; i++)
		if (topo->sites[i].home)
			return topo->sites[i].name;
	return NULL;
}

const char *labpool_backup_site(const struct lab_topology *topo)
{
	for (size_t i = 0; i < topo->n_sites; i++)
		if (!topo->sites[i].home)
			return topo->sites[i].name;
	return NULL;
}

const char *labpool_principal(const struct lab_topology *topo, bool failed_over,
                              const char **partner)
{
	const char *site = failed_over ? labpool_backup_site(topo) : labpool_home_site(topo);
	const char *first = NULL;

	if (partner)
		*partner = NULL;
	for (size_t i = 0; site && i < topo->n_instances; i++) {
		if (strcmp(topo->instances[i].site, site))
			continue;
		if (!first) {
			first = topo->instances[i].name;
		} else {
			if (partner)
				*partner = topo->instances[i].name;
			break;
		}
	}
	return first;
}

/* Canonical spelling of a chat server of the topology, or NULL. */
static const char *chat_server(const struct lab_topology *topo, const char *name)
{
	for (size_t s = 0; s < topo->n_sites; s++)
		for (size_t i = 0; i < topo->sites[s].n_chat_servers; i++)
			if (!strcasecmp(topo->sites[s].chat_servers[i], name))
				return topo->sites[s].chat_servers[i];
	return NULL;
}

static void all_chat_servers(struct strbuf *sb, const struct lab_topology *topo)
{
	size_t n = 0;

	for (size_t s = 0; s < topo->n_sites; s++)
		for (size_t i = 0; i < topo->sites[s].n_chat_servers; i++)
			strbuf_printf(sb, "%s%s", n++ ? ", " : "", topo->sites[s].chat_servers[i]);
	if (!n)
		strbuf_puts(sb, "none");
}

/* The new list: every name a chat server of the pool, each once. */
static int wanted_servers(struct labpool *want, const struct lab_topology *topo, int argc,
                          char **argv)
{
	struct strbuf all = STRBUF_INIT;
	int error = 0;

	want->active = xcalloc(argc ? (size_t)argc : 1, sizeof(char *));
	for (int i = 0; i < argc && !error; i++) {
		const char *name = chat_server(topo, argv[i]);
		bool seen = false;

		if (!name) {
			all_chat_servers(&all, topo);
			error = err_set(ERR_NOTFOUND,
			                "cannot set the active servers of pool '%s': '%s' is not a "
			                "Persistent Chat server of the pool (its servers: %s)",
			                topo->pool, argv[i], all.ptr);
			break;
		}
		for (size_t k = 0; k < want->n_active; k++)
			seen = seen || !strcmp(want->active[k], name);
		if (!seen)
			want->active[want->n_active++] = xstrdup(name);
	}
	strbuf_release(&all);
	return error;
}

static bool same_servers(const struct labpool *a, const struct labpool *b)
{
	if (a->n_active != b->n_active)
		return false;
	for (size_t i = 0; i < a->n_active; i++)
		if (strcmp(a->active[i], b->active[i]))
			return false;
	return true;
}

static int set_active(const char *dir, const struct lab_topology *topo, int argc, char **argv)
{
	struct labpool cur = {0}, want = {0};
	struct strbuf what = STRBUF_INIT;
	int fd = -1, error;

	if ((error = wanted_servers(&want, topo, argc, argv)) < 0 ||
	    (error = fd = pool_lock(dir, LOCK_EX)) < 0 || (error = read_unlocked(&cur, dir)) < 0)
		goto done;
	want.failed_over = cur.failed_over;
	strbuf_puts(&what, "set-active-servers ");
	servers_text(&what, &want, " ", "(none: fenced)");
	if (same_servers(&cur, &want)) {
		labfile_log(dir, "pool: %s (unchanged)", what.ptr);
	} else {
		strbuf_puts(&what, " (was ");
		servers_text(&what, &cur, " ", "none");
		strbuf_putc(&what, ')');
		error = pool_commit(dir, &want, what.ptr);
	}
done:
	if (fd >= 0)
		close(fd);
	labpool_release(&cur);
	labpool_release(&want);
	strbuf_release(&what);
	return error;
}

static int set_state(const char *dir, const char *state)
{
	struct labpool cur = {0};
	bool failed_over = !strcasecmp(state, "FailedOver");
	const char *name = failed_over ? "FailedOver" : "Normal";
	int fd, error;

	if (!failed_over && strcasecmp(state, "Normal"))
		return err_set(
		        ERR_INVALID,
		        "cannot set the pool state to '%s': the state is Normal or FailedOver",
		        state);
	if ((fd = pool_lock(dir, LOCK_EX)) < 0)
		return fd;
	if ((error = read_unlocked(&cur, dir)) < 0)
		goto done;
	if (cur.failed_over == failed_over) {
		labfile_log(dir, "pool: set-state %s (unchanged)", name);
	} else {
		char what[64];
		snprintf(what, sizeof(what), "set-state %s (was %s)", name,
		         cur.failed_over ? "FailedOver" : "Normal");
		cur.failed_over = failed_over;
		error = pool_commit(dir, &cur, what);
	}
done:
	close(fd);
	labpool_release(&cur);
	return error;
}

static int pool_get(const char *dir)
{
	struct labpool cur = {0};
	struct strbuf out = STRBUF_INIT;
	int error;

	if ((error = labpool_read(&cur, dir)) == 0) {
		pool_json(&out, &cur);
		fputs(out.ptr, stdout);
	}
	labpool_release(&cur);
	strbuf_release(&out);
	return error;
}

/* "service:atl-pchat.lab" and "PersistentChatServer:atl-pchat.lab" name
 * the same pool (both spellings appear in Microsoft's documentation). */
static const char *identity_fqdn(const char *identity)
{
	const char *colon = strchr(identity, ':');

	return colon ? colon + 1 : identity;
}

/* pcdr says which pool it means in PCDR_POOL: refuse to act on another. */
static int check_identity(const struct lab_topology *topo)
{
	const char *asked = getenv("PCDR_POOL");

	if (!asked || !*asked || !strcasecmp(identity_fqdn(asked), identity_fqdn(topo->pool)))
		return 0;
	return err_set(ERR_NOTFOUND, "no Persistent Chat pool '%s' here: this lab's pool is '%s'",
	               asked, topo->pool);
}

static int pool_usage(const char *fmt, const char *arg)
{
	fputs("pcdr-lab: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n" LABPOOL_USAGE "\n", stderr);
	return 129;
}

int labpool_main(const char *dir, int argc, char **argv)
{
	struct lab_topology *topo = NULL;
	const char *verb = argc > 0 ? argv[0] : "";
	int error = 0;

	err_clear();
	if ((!strcmp(verb, "get") && argc != 1) || (!strcmp(verb, "set-state") && argc != 2))
		return pool_usage("wrong number of arguments for 'pool %s'", verb);
	if (strcmp(verb, "get") && strcmp(verb, "set-state") && strcmp(verb, "set-active-servers"))
		return pool_usage(*verb ? "unknown pool verb '%s'" : "%sno pool verb given", verb);
	/* the topology first: a mistyped --dir must not grow a pool of its own */
	if ((error = labfile_topology(&topo, dir)) == 0 && (error = check_identity(topo)) == 0)
		error = !strcmp(verb, "get")         ? pool_get(dir)
		        : !strcmp(verb, "set-state") ? set_state(dir, argv[1])
		                                     : set_active(dir, topo, argc - 1, argv + 1);
	lab_topology_free(topo);
	if (error < 0) {
		fprintf(stderr, "pcdr-lab: %s\n", err_last());
		return 1;
	}
	return 0;
}

/* A YAML single-quoted scalar. */
static void yaml_quote(struct strbuf *sb, const char *s)
{
	strbuf_putc(sb, '\'');
	for (; *s; s++)
		strbuf_add(sb, *s == '\'' ? "''" : s, *s == '\'' ? 2 : 1);
	strbuf_putc(sb, '\'');
}

/* "service:atl-pchat.lab" -> "atl-pchat": the spec's metadata.name. */
static void pool_name(struct strbuf *sb, const char *identity)
{
	const char *p = strchr(identity, ':');

	for (p = p ? p + 1 : identity; *p && *p != '.'; p++)
		strbuf_putc(sb, (*p >= 'A' && *p <= 'Z') ? (char)(*p - 'A' + 'a') : *p);
}

int labpool_write_config(const char *dir, const struct lab_topology *topo, const char *self_exe)
{
	struct strbuf y = STRBUF_INIT;
	char path[PATH_MAX];
	int error;

	strbuf_puts(&y, "# pcdr host configuration for the lab in ");
	strbuf_puts(&y, dir);
	strbuf_puts(&y, ", written by `pcdr-lab up`\n"
	                "# (docs/config.md). Load the lab's environment first, it names the\n"
	                "# freetds.conf and the login:  . DIR/env\n"
	                "source:\n  # the spec repository: create one here, or pass --repo\n"
	                "  repository: ");
	yaml_quote(&y, labfile_path(path, sizeof(path), dir, "spec"));
	strbuf_puts(&y, "\n  ref: main\n  folder: pools\ncredentials:\n"
	                "  env: { user: PCDR_SQL_USER, password: PCDR_SQL_PASSWORD }\n"
	                "sql:\n  tls: 'off'                # loopback only\n  loginTimeout: 5s\n"
	                "  queryTimeout: 5m\ninstances:\n");
	for (size_t i = 0; i < topo->n_instances; i++) {
		strbuf_puts(&y, "  ");
		yaml_quote(&y, topo->instances[i].name);
		strbuf_puts(&y, ":\n    server: ");
		yaml_quote(&y, topo->instances[i].name);
		strbuf_puts(&y, "   # a section of DIR/freetds.conf\n");
	}
	strbuf_puts(&y, "pools:\n  ");
	pool_name(&y, topo->pool);
	strbuf_puts(&y, ":\n    command: [");
	yaml_quote(&y, self_exe);
	strbuf_puts(&y, ", --dir, ");
	yaml_quote(&y, dir);
	strbuf_puts(&y, ", pool]\n    timeout: 30s\n");
	error = labfile_write(labfile_path(path, sizeof(path), dir, "pcdr.yaml"), y.ptr, y.len,
	                      0644);
	strbuf_release(&y);
	return error;
}
