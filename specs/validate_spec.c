/*
 * validate_spec: the `spec:` section of a pcdr/v1 document, field by
 * field: the shape and type of each value and the grammar of each name,
 * filling the model in struct vctx as it goes. Rules that relate one field
 * to another (does `home` name a declared site, is an instance used twice)
 * are left to validate_refs.c, which runs on what this file collected.
 */
#include <string.h>
#include <strings.h>

#include "specs/spec_name.h"
#include "specs/validate_int.h"

#define HINT_SITE     "site names use lower-case letters, digits and '-' (at most 63)"
#define HINT_HOST     "write a host name such as pc1.dc1.example.com"
#define HINT_INSTANCE "write HOST, HOST\\INSTANCE, HOST,PORT or HOST\\INSTANCE,PORT"
#define HINT_DATABASE                                                                              \
	"database names use letters, digits, '_' and '-', start with a letter or '_', and are "    \
	"not a system database"

static const struct vfield spec_fields[] = {
        {"pool", true, "add 'pool: \"service:<pool fqdn>\"', the identity the pool cmdlets take"},
        {"home", true, "add 'home: <site>', the site where the pool runs in Normal state"},
        {"sites", true, "add 'sites:' with one entry per data center"},
        {"databases", true, "add 'databases:' such as 'mgc: { logShipping: true }'"},
        {"primary", true, "add 'primary: <site>', the site that holds the authority"},
        {"logShipping", true,
         "add 'logShipping: none' or a mapping with from, to, backupShare, "
         "copyTo and interval"},
        {"activeServers", true, "add 'activeServers: [...]', the servers allowed to connect"},
        {"policy", false,
         "write policy as a mapping: { allowDataLoss: false, serviceFirst: true }"},
};
enum { F_POOL, F_HOME, F_SITES, F_DATABASES, F_PRIMARY, F_LOG_SHIPPING, F_ACTIVE, F_POLICY };

static const struct vfield site_fields[] = {
        {"principal", true, "add 'principal: <instance>', the site's principal SQL instance"},
        {"mirror", false, "write 'mirror: <instance>', or leave it out for a site with no mirror"},
        {"servers", true, "add 'servers: [...]', the site's Persistent Chat servers"},
        {"nearSites", false, "write 'nearSites: [<site>, ...]'"},
};

static const struct vfield database_fields[] = {
        {"logShipping", true, "add 'logShipping: true' (follows the primary) or false"},
};

static const struct vfield log_shipping_fields[] = {
        {"from", true, "add 'from: <site>', the primary site"},
        {"to", true, "add 'to: <site>', the site that receives the logs"},
        {"backupShare", true, "add 'backupShare: \\\\host\\share', where log backups are written"},
        {"copyTo", true, "add 'copyTo: D:\\folder', where the secondary copies them"},
        {"interval", true, "add 'interval: 5m', how often a log backup is taken"},
};

static const struct vfield policy_fields[] = {
        {"allowDataLoss", false, "write allowDataLoss: true or false"},
        {"serviceFirst", false, "write serviceFirst: true or false"},
};

#define N_OF(a) (sizeof(a) / sizeof(*(a)))

/* A sequence of names checked by `check` into *out (invalid entries NULL). */
static void spec_name_list(struct vctx *v, const struct yamltree_node *node, const char *path,
                           const char *what, bool (*check)(const char *, char *), const char *hint,
                           struct vlist *out)
{
	memset(out, 0, sizeof(*out));
	out->refused = true;
	if (!validate_is_kind(v, node, YAMLTREE_SEQUENCE, path, hint))
		return;
	if (node->n_items > SPEC_MAX_LIST) {
		validate_diag(v, node, "a Persistent Chat pool has a handful of servers and sites",
		              "%s lists %zu names; at most %d are allowed", path, node->n_items,
		              SPEC_MAX_LIST);
		return;
	}
	out->refused = false;
	out->n = node->n_items;
	out->items = arena_calloc(&v->set->arena, node->n_items, sizeof(*out->items));
	out->nodes = arena_calloc(v->tmp, node->n_items, sizeof(*out->nodes));
	for (size_t i = 0; i < node->n_items; i++) {
		out->nodes[i] = node->items[i];
		out->items[i] = validate_name(v, node->items[i], path, what, check, hint);
	}
}

/* Report the second and later copies of a name in `list` (case-insensitive). */
static void spec_list_unique(struct vctx *v, const struct vlist *list, const char *what,
                             const char *path)
{
	for (size_t i = 0; i < list->n; i++) {
		for (size_t j = 0; list->items[i] && j < i; j++) {
			if (!list->items[j] || strcasecmp(list->items[i], list->items[j]) != 0)
				continue;
			validate_diag(v, list->nodes[i],
			              validate_hint(v,
			                            "it is already listed at line %d, column %d; "
			                            "remove one",
			                            list->nodes[j]->line, list->nodes[j]->col),
			              "%s '%s' is listed twice in %s", what, list->items[i], path);
			break;
		}
	}
}

static void spec_site(struct vctx *v, const struct yamltree_node *key,
                      const struct yamltree_node *value, struct spec_site *site, struct vsite *vs)
{
	const struct yamltree_node *f[N_OF(site_fields)];
	const char *path = validate_hint(v, "spec.sites.%s", validate_quote(v, key->text));

	vs->key = key;
	vs->servers.refused = true; /* until a list is read */
	site->name =
	        validate_name(v, key, "spec.sites", "site name", spec_name_check_site, HINT_SITE);
	if (!site->name)
		v->sites_incomplete = true;
	site->pos = (struct spec_pos){v->file, key->line, key->col};
	if (!validate_is_kind(v, value, YAMLTREE_MAPPING, path,
	                      "write the site as a mapping with principal, mirror and servers"))
		return;
	validate_fields(v, value, validate_hint(v, "in %s", path), site_fields, N_OF(site_fields),
	                f);
	if ((vs->principal = f[0]))
		site->principal =
		        validate_name(v, f[0], validate_hint(v, "%s.principal", path),
		                      "instance name", spec_name_check_instance, HINT_INSTANCE);
	if ((vs->mirror = f[1]))
		site->mirror =
		        validate_name(v, f[1], validate_hint(v, "%s.mirror", path), "instance name",
		                      spec_name_check_instance, HINT_INSTANCE);
	if (f[2]) {
		spec_name_list(v, f[2], validate_hint(v, "%s.servers", path), "server name",
		               spec_name_check_host, HINT_HOST, &vs->servers);
		site->servers = vs->servers.items;
		site->n_servers = vs->servers.n;
	}
	if (f[3]) {
		spec_name_list(v, f[3], validate_hint(v, "%s.nearSites", path), "site name",
		               spec_name_check_site, HINT_SITE, &vs->near_sites);
		site->near_sites = vs->near_sites.items;
		site->n_near_sites = vs->near_sites.n;
	}
}

/* Keys of a name -> value mapping: the index of an earlier key equal to
 * pair p's (case-insensitive when `nocase`), or -1. */
static long spec_earlier_key(const struct yamltree_node *map, size_t p, bool nocase)
{
	for (size_t q = 0; q < p; q++) {
		const char *a = map->pairs[q].key->text, *b = map->pairs[p].key->text;

		if (nocase ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0)
			return (long)q;
	}
	return -1;
}

static bool spec_duplicate_key(struct vctx *v, const struct yamltree_node *map, size_t p,
                               const char *what, bool nocase)
{
	long q = spec_earlier_key(map, p, nocase);
	const struct yamltree_node *first;

	if (q < 0)
		return false;
	first = map->pairs[q].key;
	validate_diag(v, map->pairs[p].key,
	              validate_hint(v, "it is already declared at line %d, column %d%s; keep one",
	                            first->line, first->col,
	                            nocase ? " (SQL Server names ignore case)" : ""),
	              "duplicate %s '%s'", what, validate_quote(v, map->pairs[p].key->text));
	return true;
}

static void spec_sites(struct vctx *v, const struct yamltree_node *node)
{
	struct spec_pool *pool = v->pool;

	v->sites_incomplete = true; /* until proven otherwise */
	if (!validate_is_kind(
	            v, node, YAMLTREE_MAPPING, "spec.sites",
	            "write sites as a mapping: 'dc1: { principal: ..., servers: [...] }'"))
		return;
	if (node->n_pairs == 0) {
		validate_diag(v, node, "declare at least one site", "spec.sites declares no site");
		return;
	}
	if (node->n_pairs > SPEC_MAX_SITES) {
		validate_diag(v, node, "a pool spans a few data centers",
		              "spec.sites declares %zu sites; at most %d are allowed",
		              node->n_pairs, SPEC_MAX_SITES);
		return;
	}
	v->sites_incomplete = false;
	pool->sites = arena_calloc(&v->set->arena, node->n_pairs, sizeof(*pool->sites));
	v->sites = arena_calloc(v->tmp, node->n_pairs, sizeof(*v->sites));
	for (size_t p = 0; p < node->n_pairs; p++) {
		if (spec_duplicate_key(v, node, p, "site", false))
			continue;
		spec_site(v, node->pairs[p].key, node->pairs[p].value, &pool->sites[pool->n_sites],
		          &v->sites[pool->n_sites]);
		pool->n_sites++;
	}
}

static void spec_database(struct vctx *v, const struct yamltree_node *key,
                          const struct yamltree_node *value, struct spec_database *db)
{
	const struct yamltree_node *f[N_OF(database_fields)];
	const char *path = validate_hint(v, "spec.databases.%s", validate_quote(v, key->text));
	bool unknown_before = v->shipping_unknown;

	db->name = validate_name(v, key, "spec.databases", "database name",
	                         spec_name_check_database, HINT_DATABASE);
	db->pos = (struct spec_pos){v->file, key->line, key->col};
	v->shipping_unknown = true; /* until the value is read */
	if (!validate_is_kind(
	            v, value, YAMLTREE_MAPPING, path,
	            "write the database as { logShipping: true } or { logShipping: false }"))
		return;
	validate_fields(v, value, validate_hint(v, "in %s", path), database_fields,
	                N_OF(database_fields), f);
	if (!f[0] ||
	    !validate_bool(v, f[0], validate_hint(v, "%s.logShipping", path), &db->log_shipping))
		return;
	v->shipping_unknown = unknown_before;
	if (db->log_shipping && !v->shipped)
		v->shipped = validate_quote(v, key->text);
}

static void spec_databases(struct vctx *v, const struct yamltree_node *node)
{
	struct spec_pool *pool = v->pool;

	if (!validate_is_kind(v, node, YAMLTREE_MAPPING, "spec.databases",
	                      "write databases as a mapping: 'mgc: { logShipping: true }'"))
		return;
	if (node->n_pairs == 0) {
		validate_diag(v, node,
		              "add the pool's databases, such as 'mgc: { logShipping: true }'",
		              "spec.databases declares no database");
		return;
	}
	if (node->n_pairs > SPEC_MAX_DATABASES) {
		validate_diag(v, node, "a Persistent Chat pool has two databases, mgc and mgccomp",
		              "spec.databases declares %zu databases; at most %d are allowed",
		              node->n_pairs, SPEC_MAX_DATABASES);
		v->shipping_unknown = true;
		return;
	}
	pool->databases = arena_calloc(&v->set->arena, node->n_pairs, sizeof(*pool->databases));
	for (size_t p = 0; p < node->n_pairs; p++) {
		if (spec_duplicate_key(v, node, p, "database", true))
			continue;
		spec_database(v, node->pairs[p].key, node->pairs[p].value,
		              &pool->databases[pool->n_databases++]);
	}
}

static void spec_interval(struct vctx *v, const struct yamltree_node *node,
                          struct spec_log_shipping *ls)
{
	char why[SPEC_NAME_WHY_MAX];
	const char *s = validate_string(v, node, "spec.logShipping.interval",
	                                "write a duration such as 5m, 90s or 1h");

	if (s && !spec_name_parse_interval(s, &ls->interval_seconds, why))
		validate_diag(v, node, "write a duration from 1m to 24h, such as 5m, 90s or 1h",
		              "invalid interval '%s' in spec.logShipping.interval: %s",
		              validate_quote(v, s), why);
}

static void spec_log_shipping(struct vctx *v, const struct yamltree_node *node)
{
	struct spec_log_shipping *ls = &v->pool->log_shipping;
	const struct yamltree_node *f[N_OF(log_shipping_fields)];
	const char *hint = "write 'logShipping: none', or a mapping with from, to, backupShare, "
	                   "copyTo and interval";

	v->log_shipping = node;
	ls->pos = (struct spec_pos){v->file, node->line, node->col};
	if (node->kind == YAMLTREE_SCALAR && strcmp(node->text, "none") == 0)
		return;
	if (node->kind == YAMLTREE_SCALAR && !yamltree_is_null(node)) {
		validate_diag(v, node, hint,
		              "spec.logShipping must be 'none' or a mapping, not '%s'",
		              validate_quote(v, node->text));
		return;
	}
	if (!validate_is_kind(v, node, YAMLTREE_MAPPING, "spec.logShipping", hint))
		return;
	ls->enabled = true;
	validate_fields(v, node, "in spec.logShipping", log_shipping_fields,
	                N_OF(log_shipping_fields), f);
	if ((v->from = f[0]))
		ls->from = validate_name(v, f[0], "spec.logShipping.from", "site name",
		                         spec_name_check_site, HINT_SITE);
	if ((v->to = f[1]))
		ls->to = validate_name(v, f[1], "spec.logShipping.to", "site name",
		                       spec_name_check_site, HINT_SITE);
	if (f[2])
		ls->backup_share = validate_name(
		        v, f[2], "spec.logShipping.backupShare", "UNC path", spec_name_check_unc,
		        "write a share such as '\\\\fs1.example.com\\pchat-ls' "
		        "(folder names: letters, digits, space, _ . $ -)");
	if (f[3])
		ls->copy_to = validate_name(v, f[3], "spec.logShipping.copyTo", "local path",
		                            spec_name_check_local_path,
		                            "write a local folder such as 'D:\\pchat-ls' "
		                            "(folder names: letters, digits, space, _ . $ -)");
	if (f[4])
		spec_interval(v, f[4], ls);
}

static void spec_policy(struct vctx *v, const struct yamltree_node *node)
{
	const struct yamltree_node *f[N_OF(policy_fields)];

	if (!validate_is_kind(v, node, YAMLTREE_MAPPING, "spec.policy", spec_fields[F_POLICY].hint))
		return;
	validate_fields(v, node, "in spec.policy", policy_fields, N_OF(policy_fields), f);
	if (f[0])
		validate_bool(v, f[0], "spec.policy.allowDataLoss",
		              &v->pool->policy.allow_data_loss);
	if (f[1])
		validate_bool(v, f[1], "spec.policy.serviceFirst", &v->pool->policy.service_first);
}

void validate_spec_section(struct vctx *v, const struct yamltree_node *spec)
{
	const struct yamltree_node *f[N_OF(spec_fields)];
	struct spec_pool *pool = v->pool;

	if (!validate_is_kind(v, spec, YAMLTREE_MAPPING, "spec",
	                      "write spec as a mapping with pool, home, sites, databases, ..."))
		return;
	validate_fields(v, spec, "in spec", spec_fields, N_OF(spec_fields), f);
	if (f[F_POOL]) {
		pool->identity = validate_name(v, f[F_POOL], "spec.pool", "pool identity",
		                               spec_name_check_identity,
		                               "write \"service:\" and the pool's FQDN, such as "
		                               "\"service:atl-cs-001.example.com\"");
		pool->identity_pos = (struct spec_pos){v->file, f[F_POOL]->line, f[F_POOL]->col};
	}
	if ((v->home = f[F_HOME]))
		pool->home = validate_name(v, f[F_HOME], "spec.home", "site name",
		                           spec_name_check_site, HINT_SITE);
	if (f[F_SITES])
		spec_sites(v, f[F_SITES]);
	if (f[F_DATABASES])
		spec_databases(v, f[F_DATABASES]);
	if ((v->primary = f[F_PRIMARY]))
		pool->primary = validate_name(v, f[F_PRIMARY], "spec.primary", "site name",
		                              spec_name_check_site, HINT_SITE);
	if (f[F_LOG_SHIPPING])
		spec_log_shipping(v, f[F_LOG_SHIPPING]);
	if (f[F_ACTIVE]) {
		spec_name_list(v, f[F_ACTIVE], "spec.activeServers", "server name",
		               spec_name_check_host, HINT_HOST, &v->active);
		pool->active_servers = v->active.items;
		pool->n_active_servers = v->active.n;
		spec_list_unique(v, &v->active, "active server", "spec.activeServers");
	}
	if (f[F_POLICY])
		spec_policy(v, f[F_POLICY]);
}
