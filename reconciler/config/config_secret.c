/*
 * config_secret: turn a `credentials:` block into a config_credentials.
 * Either `env: {user: VAR, password: VAR}` (the names of environment
 * variables, read now) or `file: PATH` (a small `user: ...` / `password:
 * ...` file that must be a regular file owned by the user running pcdr
 * with no permission bits for group or others). Values are copied into
 * the fixed buffers of the secret struct only; the read buffer is zeroed;
 * no message ever quotes a value, only names, paths and positions.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reconciler/config/config_int.h"
#include "util/xalloc.h"

#define CONFIG_SECRET_FILE_MAX 4096

struct config_cred_block {
	yaml_node_t *file;
	yaml_node_t *env;
	yaml_node_t *env_user;
	yaml_node_t *env_password;
};

static void config_cred_file_key(struct config_walk *w, yaml_node_t *v, void *t)
{
	(void)w;
	((struct config_cred_block *)t)->file = v;
}

static void config_cred_env_key(struct config_walk *w, yaml_node_t *v, void *t)
{
	(void)w;
	((struct config_cred_block *)t)->env = v;
}

static void config_cred_env_user(struct config_walk *w, yaml_node_t *v, void *t)
{
	(void)w;
	((struct config_cred_block *)t)->env_user = v;
}

static void config_cred_env_password(struct config_walk *w, yaml_node_t *v, void *t)
{
	(void)w;
	((struct config_cred_block *)t)->env_password = v;
}

static bool config_env_name_ok(const char *s)
{
	if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
		return false;
	for (s++; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || *s == '_'))
			return false;
	return true;
}

/* Copy the variable named by `node` into `dest`; false after a problem. */
static bool config_env_value(struct config_walk *w, yaml_node_t *node, const char *what, char *dest)
{
	const char *name = config_string(w, node, what), *value;

	if (!name)
		return false;
	if (!config_env_name_ok(name)) {
		config_problem(w, &node->start_mark,
		               "'%s' must name an environment variable ([A-Za-z_][A-Za-z0-9_]*)",
		               what);
		return false;
	}
	value = getenv(name);
	if (!value || !*value) {
		config_problem(w, &node->start_mark,
		               "environment variable '%s' (%s) is not set or empty", name, what);
		return false;
	}
	if (strlen(value) > CONFIG_SECRET_MAX) {
		config_problem(w, &node->start_mark,
		               "environment variable '%s' (%s) is longer than %d bytes", name, what,
		               CONFIG_SECRET_MAX);
		return false;
	}
	memcpy(dest, value, strlen(value) + 1);
	return true;
}

static bool config_cred_from_env(struct config_walk *w, yaml_node_t *env,
                                 struct config_credentials *cred)
{
	static const struct config_key keys[] = {
	        {"user", config_cred_env_user, true},
	        {"password", config_cred_env_password, true},
	        {NULL, NULL, false},
	};
	struct config_cred_block block = {0};
	size_t before = w->n_problems;
	bool ok;

	config_walk_map(w, env, keys, &block, "credentials.env");
	if (w->n_problems != before || !block.env_user || !block.env_password)
		return false;
	ok = config_env_value(w, block.env_user, "credentials.env.user", cred->user);
	ok = config_env_value(w, block.env_password, "credentials.env.password", cred->password) &&
	     ok;
	snprintf(cred->origin, sizeof(cred->origin), "environment");
	return ok;
}

/* Parse `user: X` / `password: Y` lines; problems name file:line:col. */
static bool config_cred_lines(struct config_walk *w, const char *path, char *text,
                              struct config_credentials *cred)
{
	const char *saved = w->file;
	bool have_user = false, have_password = false;
	size_t before = w->n_problems;
	int line = 0;
	char *p = text, *eol, *next, *val;

	w->file = path;
	for (; *p; p = next) {
		eol = p + strcspn(p, "\n");
		next = *eol ? eol + 1 : eol;
		*eol = '\0';
		line++;
		if (eol > p && eol[-1] == '\r')
			eol[-1] = '\0';
		if (*p == '\0' || *p == '#')
			continue;
		val = strchr(p, ':');
		bool is_user = val && (size_t)(val - p) == 4 && !strncmp(p, "user", 4);
		bool is_pw = val && (size_t)(val - p) == 8 && !strncmp(p, "password", 8);
		if (!is_user && !is_pw) {
			config_problem_at(w, line, 1,
			                  "expected 'user: NAME' or 'password: SECRET'");
			continue;
		}
		for (val++; *val == ' ' || *val == '\t'; val++)
			;
		if ((is_user && have_user) || (is_pw && have_password))
			config_problem_at(w, line, 1, "duplicate key '%s'",
			                  is_user ? "user" : "password");
		else if (!*val || strlen(val) > CONFIG_SECRET_MAX)
			config_problem_at(w, line, (int)(val - p) + 1, "'%s' must be 1 to %d bytes",
			                  is_user ? "user" : "password", CONFIG_SECRET_MAX);
		else
			memcpy(is_user ? cred->user : cred->password, val, strlen(val) + 1);
		have_user |= is_user;
		have_password |= is_pw;
	}
	if (!have_user || !have_password)
		config_problem_at(w, 1, 1,
		                  "the credential file needs both 'user:' and 'password:'");
	w->file = saved;
	return w->n_problems == before;
}

/* Open and check ownership and mode; -1 after a problem. */
static int config_cred_open(struct config_walk *w, yaml_node_t *node, const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0) {
		config_problem(w, &node->start_mark, "cannot open credential file '%s': %s", path,
		               strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		config_problem(w, &node->start_mark, "credential file '%s' is not a regular file",
		               path);
	} else if (st.st_uid != geteuid()) {
		config_problem(w, &node->start_mark,
		               "credential file '%s' is owned by uid %u, not by uid %u that runs "
		               "pcdr",
		               path, (unsigned)st.st_uid, (unsigned)geteuid());
	} else if (st.st_mode & 077) {
		config_problem(
		        w, &node->start_mark,
		        "credential file '%s' has mode %04o: it must not be open to group or "
		        "others (chmod 600 '%s')",
		        path, (unsigned)(st.st_mode & 07777), path);
	} else {
		return fd;
	}
	close(fd);
	return -1;
}

static bool config_cred_from_file(struct config_walk *w, yaml_node_t *node,
                                  struct config_credentials *cred)
{
	const char *given = config_string(w, node, "credentials.file");
	char *path, text[CONFIG_SECRET_FILE_MAX + 1];
	ssize_t n;
	size_t len = 0;
	int fd;
	bool ok = false;

	if (!given)
		return false;
	path = (char *)given;
	if (given[0] != '/') {
		const char *slash = strrchr(w->cfg->path, '/');
		path = arena_sprintf(&w->cfg->arena, "%.*s%s",
		                     slash ? (int)(slash - w->cfg->path + 1) : 0, w->cfg->path,
		                     given);
	}
	if ((fd = config_cred_open(w, node, path)) < 0)
		return false;
	while (len < sizeof(text) && (n = read(fd, text + len, sizeof(text) - len)) > 0)
		len += (size_t)n;
	close(fd);
	if (len >= sizeof(text) || memchr(text, '\0', len)) {
		config_problem(w, &node->start_mark,
		               "credential file '%s' is not a small text file (at most %d bytes)",
		               path, CONFIG_SECRET_FILE_MAX);
	} else {
		text[len] = '\0';
		ok = config_cred_lines(w, path, text, cred);
		snprintf(cred->origin, sizeof(cred->origin), "file '%.250s'", path);
	}
	explicit_bzero(text, sizeof(text));
	return ok;
}

const struct config_credentials *config_credentials_parse(struct config_walk *w, yaml_node_t *node)
{
	static const struct config_key keys[] = {
	        {"file", config_cred_file_key, false},
	        {"env", config_cred_env_key, false},
	        {NULL, NULL, false},
	};
	struct config_cred_block block = {0};
	struct config_credentials *cred;
	struct config *cfg = w->cfg;
	size_t before = w->n_problems;
	bool ok;

	config_walk_map(w, node, keys, &block, "credentials");
	if (w->n_problems != before)
		return NULL;
	if (!block.file == !block.env) {
		config_problem(w, &node->start_mark,
		               "'credentials' needs exactly one of 'file' or 'env'");
		return NULL;
	}
	cred = xcalloc(1, sizeof(*cred));
	cfg->secrets = xrealloc(cfg->secrets, (cfg->n_secrets + 1) * sizeof(*cfg->secrets));
	cfg->secrets[cfg->n_secrets++] = cred;
	ok = block.file ? config_cred_from_file(w, block.file, cred)
	                : config_cred_from_env(w, block.env, cred);
	return ok ? cred : NULL;
}
