/*
 * topology: loads the lab's world file (examples/lab/topology.yaml) with
 * libyaml's document API into struct lab_topology. Every problem is
 * reported as `file:line:col: message` and loading keeps going, so one
 * run names all of them (h2o style). It validates references (an
 * instance's site exists, one home site, one sysadmin login, unique
 * names) but knows nothing about SQL Server state: that is the engine's.
 * It deliberately shares no code with specs/ (the lab is an independent
 * oracle). Everything lives in one arena freed by lab_topology_free,
 * which zeroes the passwords first.
 */
#include "lab/topology.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "util/arena.h"
#include "util/err.h"
#include "util/strbuf.h"

#define TOPOLOGY_MAX_BYTES  (1u << 20)
#define TOPOLOGY_MAX_ITEMS  256
#define TOPOLOGY_MAX_ERRORS 20

struct topo_holder {
	struct lab_topology topo; /* first: lab_topology_free casts back */
	struct arena arena;
};

struct topo_ctx {
	const char *path;
	yaml_document_t *doc;
	struct arena *arena;
	struct strbuf errors;
	int n_errors;
};

__attribute__((format(printf, 3, 4))) static void
topo_error(struct topo_ctx *c, const yaml_node_t *node, const char *fmt, ...)
{
	va_list ap;

	if (++c->n_errors > TOPOLOGY_MAX_ERRORS)
		return;
	if (c->errors.len)
		strbuf_putc(&c->errors, '\n');
	strbuf_printf(&c->errors, "%s:%zu:%zu: ", c->path, node ? node->start_mark.line + 1 : 1,
	              node ? node->start_mark.column + 1 : 1);
	va_start(ap, fmt);
	strbuf_vprintf(&c->errors, fmt, ap);
	va_end(ap);
}

static yaml_node_t *node_at(struct topo_ctx *c, int index)
{
	return yaml_document_get_node(c->doc, index);
}

static char *scalar(struct topo_ctx *c, const yaml_node_t *node, const char *what)
{
	if (!node || node->type != YAML_SCALAR_NODE) {
		topo_error(c, node, "%s must be a string", what);
		return NULL;
	}
	if (node->data.scalar.length == 0) {
		topo_error(c, node, "%s must not be empty", what);
		return NULL;
	}
	return arena_strndup(c->arena, (const char *)node->data.scalar.value,
	                     node->data.scalar.length);
}

static bool boolean(struct topo_ctx *c, const yaml_node_t *node, const char *what)
{
	const char *v =
	        node && node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : "";
	if (!strcmp(v, "true"))
		return true;
	if (strcmp(v, "false"))
		topo_error(c, node, "%s must be true or false", what);
	return false;
}

static unsigned number(struct topo_ctx *c, const yaml_node_t *node, const char *what)
{
	const char *v =
	        node && node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : "";
	char *end = NULL;
	unsigned long n = strtoul(v, &end, 10);

	if (!*v || *end || n > 1000000 || *v == '-') {
		topo_error(c, node, "%s must be a whole number up to 1000000", what);
		return 0;
	}
	return (unsigned)n;
}

/* A sequence's items, or NULL (with an error) when it is not one. */
static yaml_node_item_t *items(struct topo_ctx *c, const yaml_node_t *node, const char *what,
                               size_t *n)
{
	*n = 0;
	if (!node || node->type != YAML_SEQUENCE_NODE) {
		topo_error(c, node, "%s must be a list", what);
		return NULL;
	}
	*n = (size_t)(node->data.sequence.items.top - node->data.sequence.items.start);
	if (*n > TOPOLOGY_MAX_ITEMS) {
		topo_error(c, node, "%s has more than %d entries", what, TOPOLOGY_MAX_ITEMS);
		*n = 0;
		return NULL;
	}
	return node->data.sequence.items.start;
}

typedef void (*topo_key_fn)(struct topo_ctx *c, void *target, const char *key, yaml_node_t *value,
                            yaml_node_t *key_node);

/* Call fn for every key of a mapping node. */
static bool each_key(struct topo_ctx *c, const yaml_node_t *node, const char *what, void *target,
                     topo_key_fn fn)
{
	yaml_node_pair_t *pair;

	if (!node || node->type != YAML_MAPPING_NODE) {
		topo_error(c, node, "%s must be a mapping", what);
		return false;
	}
	for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = node_at(c, pair->key);
		yaml_node_t *value = node_at(c, pair->value);

		if (!key || key->type != YAML_SCALAR_NODE) {
			topo_error(c, key, "keys of %s must be strings", what);
			continue;
		}
		fn(c, target, (const char *)key->data.scalar.value, value, key);
	}
	return true;
}

static void database_key(struct topo_ctx *c, void *target, const char *key, yaml_node_t *value,
                         yaml_node_t *key_node)
{
	struct lab_topo_database *db = target;

	if (!strcmp(key, "name")) {
		db->name = scalar(c, value, "database name");
	} else if (!strcmp(key, "recovery")) {
		char *r = scalar(c, value, "recovery");
		if (r && strcasecmp(r, "FULL") && strcasecmp(r, "SIMPLE") &&
		    strcasecmp(r, "BULK_LOGGED"))
			topo_error(c, value, "recovery must be FULL, SIMPLE or BULK_LOGGED");
		for (char *p = r; p && *p; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		db->recovery = r ? r : db->recovery;
	} else if (!strcmp(key, "sizeMB")) {
		db->size_mb = number(c, value, "sizeMB");
	} else {
		topo_error(c, key_node, "unknown key '%s' in a database", key);
	}
}

static void load_databases(struct topo_ctx *c, struct lab_topo_instance *in, yaml_node_t *node)
{
	size_t n, i, j;
	yaml_node_item_t *it = items(c, node, "databases", &n);

	in->databases = arena_calloc(c->arena, n ? n : 1, sizeof(*in->databases));
	in->n_databases = n;
	for (i = 0; i < n; i++) {
		struct lab_topo_database *db = &in->databases[i];
		yaml_node_t *dn = node_at(c, it[i]);

		db->recovery = arena_strdup(c->arena, "FULL");
		db->size_mb = 100;
		if (each_key(c, dn, "a database", db, database_key) && !db->name)
			topo_error(c, dn, "database needs a name");
		for (j = 0; j < i && db->name; j++)
			if (in->databases[j].name && !strcasecmp(in->databases[j].name, db->name))
				topo_error(c, dn, "database '%s' listed twice", db->name);
	}
}

static void instance_key(struct topo_ctx *c, void *target, const char *key, yaml_node_t *value,
                         yaml_node_t *key_node)
{
	struct lab_topo_instance *in = target;

	if (!strcmp(key, "name")) {
		in->name = scalar(c, value, "instance name");
		for (const char *p = in->name; p && *p; p++)
			if (!(*p == '.' || *p == '-' || *p == '_' || *p == '\\' ||
			      (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
			      (*p >= 'A' && *p <= 'Z'))) {
				topo_error(c, value,
				           "instance name '%s' has a character other than "
				           "letters, digits, '.', '-', '_' and '\\'",
				           in->name);
				break;
			}
	} else if (!strcmp(key, "site")) {
		in->site = scalar(c, value, "site");
	} else if (!strcmp(key, "databases")) {
		load_databases(c, in, value);
	} else {
		topo_error(c, key_node, "unknown key '%s' in an instance", key);
	}
}

static void site_key(struct topo_ctx *c, void *target, const char *key, yaml_node_t *value,
                     yaml_node_t *key_node)
{
	struct lab_topo_site *s = target;

	if (!strcmp(key, "name")) {
		s->name = scalar(c, value, "site name");
	} else if (!strcmp(key, "home")) {
		s->home = boolean(c, value, "home");
	} else if (!strcmp(key, "chatServers")) {
		size_t n, i;
		yaml_node_item_t *it = items(c, value, "chatServers", &n);

		s->chat_servers = arena_calloc(c->arena, n ? n : 1, sizeof(char *));
		s->n_chat_servers = n;
		for (i = 0; i < n; i++)
			s->chat_servers[i] = scalar(c, node_at(c, it[i]), "chat server");
	} else {
		topo_error(c, key_node, "unknown key '%s' in a site", key);
	}
}

static void login_key(struct topo_ctx *c, void *target, const char *key, yaml_node_t *value,
                      yaml_node_t *key_node)
{
	struct lab_topo_login *l = target;

	if (!strcmp(key, "name"))
		l->name = scalar(c, value, "login name");
	else if (!strcmp(key, "password"))
		l->password = scalar(c, value, "password");
	else if (!strcmp(key, "sysadmin"))
		l->sysadmin = boolean(c, value, "sysadmin");
	else
		topo_error(c, key_node, "unknown key '%s' in a login", key);
}

static void share_key(struct topo_ctx *c, void *target, const char *key, yaml_node_t *value,
                      yaml_node_t *key_node)
{
	struct lab_topology *t = target;

	if (!strcmp(key, "unc")) {
		t->share_unc = scalar(c, value, "share unc");
		if (t->share_unc && strncmp(t->share_unc, "\\\\", 2))
			topo_error(c, value, "share unc must start with two backslashes");
	} else if (!strcmp(key, "dir")) {
		t->share_dir = scalar(c, value, "share dir");
		if (t->share_dir && (t->share_dir[0] == '/' || strstr(t->share_dir, "..")))
			topo_error(c, value,
			           "share dir must be a relative path inside the lab dir");
	} else {
		topo_error(c, key_node, "unknown key '%s' in share", key);
	}
}

#define LOAD_LIST(c, node, what, arr, count, fn, key_fn)                                           \
	do {                                                                                       \
		size_t n_, i_;                                                                     \
		yaml_node_item_t *it_ = items(c, node, what, &n_);                                 \
		arr = arena_calloc((c)->arena, n_ ? n_ : 1, sizeof(*(arr)));                       \
		count = n_;                                                                        \
		for (i_ = 0; i_ < n_; i_++)                                                        \
			fn(c, node_at(c, it_[i_]), &(arr)[i_], key_fn);                            \
	} while (0)

static void load_entry(struct topo_ctx *c, yaml_node_t *node, void *target, topo_key_fn fn)
{
	const char **name = target; /* every entry struct starts with its name */

	if (each_key(c, node, "an entry", target, fn) && !*name)
		topo_error(c, node, "entry needs a name");
}

static void root_key(struct topo_ctx *c, void *target, const char *key, yaml_node_t *value,
                     yaml_node_t *key_node)
{
	struct lab_topology *t = target;

	if (!strcmp(key, "pool"))
		t->pool = scalar(c, value, "pool");
	else if (!strcmp(key, "share"))
		each_key(c, value, "share", t, share_key);
	else if (!strcmp(key, "sites"))
		LOAD_LIST(c, value, "sites", t->sites, t->n_sites, load_entry, site_key);
	else if (!strcmp(key, "instances"))
		LOAD_LIST(c, value, "instances", t->instances, t->n_instances, load_entry,
		          instance_key);
	else if (!strcmp(key, "logins"))
		LOAD_LIST(c, value, "logins", t->logins, t->n_logins, load_entry, login_key);
	else
		topo_error(c, key_node, "unknown key '%s'", key);
}

static const struct lab_topo_site *find_site(const struct lab_topology *t, const char *name)
{
	for (size_t i = 0; i < t->n_sites; i++)
		if (t->sites[i].name && name && !strcmp(t->sites[i].name, name))
			return &t->sites[i];
	return NULL;
}

/* The i-th entry of the list under `key` in the root mapping (for error
 * positions), or the root itself. */
static yaml_node_t *entry_node(struct topo_ctx *c, yaml_node_t *root, const char *key, size_t i)
{
	yaml_node_pair_t *pair;

	for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
		yaml_node_t *k = node_at(c, pair->key), *v = node_at(c, pair->value);

		if (k && k->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)k->data.scalar.value, key) && v &&
		    v->type == YAML_SEQUENCE_NODE &&
		    i < (size_t)(v->data.sequence.items.top - v->data.sequence.items.start))
			return node_at(c, v->data.sequence.items.start[i]);
	}
	return root;
}

/* Cross-references; positions point at the entry that holds the problem. */
static void validate(struct topo_ctx *c, const struct lab_topology *t, yaml_node_t *root)
{
	size_t i, j, homes = 0, admins = 0;

	if (!t->pool)
		topo_error(c, root, "missing 'pool'");
	if (!t->share_unc || !t->share_dir)
		topo_error(c, root, "missing 'share' with 'unc' and 'dir'");
	if (!t->n_sites || !t->n_instances || !t->n_logins)
		topo_error(c, root, "'sites', 'instances' and 'logins' must each list something");
	for (i = 0; i < t->n_sites; i++) {
		homes += t->sites[i].home;
		for (j = 0; j < i; j++)
			if (t->sites[i].name && t->sites[j].name &&
			    !strcmp(t->sites[i].name, t->sites[j].name))
				topo_error(c, entry_node(c, root, "sites", i),
				           "site '%s' listed twice", t->sites[i].name);
	}
	if (t->n_sites && homes != 1)
		topo_error(c, root, "exactly one site must have 'home: true' (found %zu)", homes);
	for (i = 0; i < t->n_instances; i++) {
		const struct lab_topo_instance *in = &t->instances[i];
		yaml_node_t *at = entry_node(c, root, "instances", i);

		if (!in->site)
			topo_error(c, at, "instance '%s' needs a site", in->name ? in->name : "?");
		else if (!find_site(t, in->site))
			topo_error(c, at, "instance '%s': unknown site '%s'",
			           in->name ? in->name : "?", in->site);
		for (j = 0; j < i; j++)
			if (in->name && t->instances[j].name &&
			    !strcasecmp(in->name, t->instances[j].name))
				topo_error(c, at, "instance '%s' listed twice", in->name);
	}
	for (i = 0; i < t->n_logins; i++) {
		admins += t->logins[i].sysadmin;
		if (t->logins[i].name && !t->logins[i].password)
			topo_error(c, entry_node(c, root, "logins", i),
			           "login '%s' needs a password", t->logins[i].name);
	}
	if (t->n_logins && !admins)
		topo_error(c, root, "at least one login must have 'sysadmin: true'");
}

static int parse_document(struct topo_ctx *c, struct lab_topology *t, FILE *f)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	yaml_node_t *root;
	int error = 0;

	if (!yaml_parser_initialize(&parser))
		return err_set(ERR_GENERIC, "cannot initialise the YAML parser");
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &doc)) {
		error = err_set(ERR_INVALID, "%s:%zu:%zu: %s", c->path,
		                parser.problem_mark.line + 1, parser.problem_mark.column + 1,
		                parser.problem ? parser.problem : "invalid YAML");
		goto done;
	}
	c->doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root)
		topo_error(c, NULL, "the topology is empty");
	else if (each_key(c, root, "the topology", t, root_key))
		validate(c, t, root);
	if (c->n_errors > TOPOLOGY_MAX_ERRORS)
		strbuf_printf(&c->errors, "\n%s: %d more problems", c->path,
		              c->n_errors - TOPOLOGY_MAX_ERRORS);
	if (c->n_errors)
		error = err_set(ERR_INVALID, "%s", strbuf_cstr(&c->errors));
	yaml_document_delete(&doc);
done:
	yaml_parser_delete(&parser);
	return error;
}

int lab_topology_load(struct lab_topology **out, const char *path)
{
	struct topo_holder *h = NULL;
	struct topo_ctx c;
	struct stat st;
	FILE *f;
	int error;

	*out = NULL;
	if (!(f = fopen(path, "rb")))
		return err_set_errno(ERR_IO, "cannot open topology '%s'", path);
	if (fstat(fileno(f), &st) < 0 || st.st_size > (off_t)TOPOLOGY_MAX_BYTES) {
		error = err_set(ERR_LIMIT, "topology '%s' is larger than %u bytes", path,
		                TOPOLOGY_MAX_BYTES);
		goto done;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		abort();
	arena_init(&h->arena);
	memset(&c, 0, sizeof(c));
	c.path = path;
	c.arena = &h->arena;
	strbuf_init(&c.errors, 0);
	error = parse_document(&c, &h->topo, f);
	strbuf_release(&c.errors);
	if (error == 0) {
		*out = &h->topo;
		h = NULL;
	}
done:
	lab_topology_free(h ? &h->topo : NULL);
	fclose(f);
	return error;
}

void lab_topology_free(struct lab_topology *topo)
{
	struct topo_holder *h = (struct topo_holder *)topo;

	if (!h)
		return;
	for (size_t i = 0; i < topo->n_logins; i++)
		if (topo->logins[i].password)
			memset(topo->logins[i].password, 0, strlen(topo->logins[i].password));
	arena_release(&h->arena);
	free(h);
}
