/*
 * validate_refs: the rules of a pcdr/v1 spec that relate one field to
 * another: `home`, `primary`, `logShipping.from/to` and `nearSites` name
 * declared sites; log shipping runs from the primary to another site; an
 * instance has one site and one role; a server is listed once; every
 * active server belongs to the primary site or a near site; log shipping
 * is configured exactly when a database is shipped. It runs on what
 * validate_spec.c collected and skips any value that already failed its
 * own check, so one mistake gives one diagnostic.
 */
#include <string.h>
#include <strings.h>

#include "specs/validate_int.h"
#include "util/strbuf.h"

static long refs_site_index(const struct vctx *v, const char *name)
{
	for (size_t i = 0; name && i < v->pool->n_sites; i++)
		if (v->pool->sites[i].name && strcmp(v->pool->sites[i].name, name) == 0)
			return (long)i;
	return -1;
}

static const char *refs_declared_sites(struct vctx *v)
{
	struct strbuf sb = STRBUF_INIT;
	const char *out;

	for (size_t i = 0; i < v->pool->n_sites; i++)
		if (v->pool->sites[i].name)
			strbuf_printf(&sb, "%s%s", sb.len ? ", " : "", v->pool->sites[i].name);
	if (sb.len == 0)
		out = "declare the site under spec.sites";
	else
		out = validate_hint(v, "declared sites: %s", strbuf_cstr(&sb));
	strbuf_release(&sb);
	return out;
}

/* True when `name` (already a valid site name, or NULL) is declared. */
static bool refs_site(struct vctx *v, const struct yamltree_node *node, const char *name,
                      const char *path)
{
	if (!name)
		return false;
	if (refs_site_index(v, name) >= 0)
		return true;
	if (v->sites_incomplete)
		return false; /* the site may be the one whose name was refused */
	validate_diag(v, node, refs_declared_sites(v), "%s '%s' is not a declared site", path,
	              name);
	return false;
}

static void refs_near_sites(struct vctx *v, size_t s)
{
	const struct vsite *vs = &v->sites[s];
	const char *self = v->pool->sites[s].name;
	const char *path =
	        validate_hint(v, "spec.sites.%s.nearSites", validate_quote(v, vs->key->text));

	for (size_t i = 0; i < vs->near_sites.n; i++) {
		const char *name = vs->near_sites.items[i];
		bool dup = false;

		for (size_t j = 0; name && j < i; j++)
			dup = dup || (vs->near_sites.items[j] &&
			              strcmp(vs->near_sites.items[j], name) == 0);
		if (name && self && strcmp(name, self) == 0)
			validate_diag(
			        v, vs->near_sites.nodes[i],
			        "list other sites only; a site's own servers are always allowed",
			        "site '%s' lists itself in %s", self, path);
		else if (dup)
			validate_diag(v, vs->near_sites.nodes[i], "remove one of them",
			              "site '%s' is listed twice in %s", name, path);
		else
			refs_site(v, vs->near_sites.nodes[i], name, path);
	}
}

/* Each instance once: site i's principal, then its mirror, against all before. */
static void refs_instances(struct vctx *v)
{
	const struct spec_site *sites = v->pool->sites;

	for (size_t i = 0; i < v->pool->n_sites; i++) {
		for (int role = 0; role < 2; role++) {
			const char *inst = role ? sites[i].mirror : sites[i].principal;
			const struct yamltree_node *node =
			        role ? v->sites[i].mirror : v->sites[i].principal;

			for (size_t j = 0; inst && j <= i; j++) {
				for (int r = 0; r < 2 && (j < i || r < role); r++) {
					const char *other =
					        r ? sites[j].mirror : sites[j].principal;

					if (!other || strcasecmp(inst, other) != 0)
						continue;
					validate_diag(
					        v, node,
					        "an instance belongs to one site and one role; "
					        "name a different instance",
					        "instance '%s' is already the %s of site '%s'",
					        inst, r ? "mirror" : "principal",
					        sites[j].name ? sites[j].name : "?");
					inst = NULL;
					break;
				}
			}
		}
	}
}

/* Each server in one site, once. */
static void refs_servers(struct vctx *v)
{
	const struct spec_site *sites = v->pool->sites;

	for (size_t i = 0; i < v->pool->n_sites; i++) {
		const struct vlist *list = &v->sites[i].servers;

		for (size_t k = 0; k < list->n; k++) {
			const char *server = list->items[k];

			for (size_t j = 0; server && j <= i; j++) {
				size_t n = j < i ? v->sites[j].servers.n : k;

				for (size_t m = 0; m < n; m++) {
					const char *other = v->sites[j].servers.items[m];

					if (!other || strcasecmp(server, other) != 0)
						continue;
					validate_diag(
					        v, list->nodes[k],
					        "a server belongs to one site; remove one of them",
					        "server '%s' is already listed in site '%s'",
					        server, sites[j].name ? sites[j].name : "?");
					server = NULL;
					break;
				}
			}
		}
	}
}

/* Is `server` listed by site s? */
static bool refs_site_has_server(const struct spec_site *site, const char *server)
{
	for (size_t i = 0; i < site->n_servers; i++)
		if (site->servers[i] && strcasecmp(site->servers[i], server) == 0)
			return true;
	return false;
}

static bool refs_server_allowed(const struct vctx *v, long primary, const char *server)
{
	const struct spec_site *p = &v->pool->sites[primary];

	if (refs_site_has_server(p, server))
		return true;
	for (size_t i = 0; i < p->n_near_sites; i++) {
		long near = refs_site_index(v, p->near_sites[i]);

		if (near >= 0 && near != primary &&
		    refs_site_has_server(&v->pool->sites[near], server))
			return true;
	}
	return false;
}

/* Does site s (or, with `near`, one of its near sites) list a refused server? */
static bool refs_servers_incomplete(const struct vctx *v, long s, bool near)
{
	const struct spec_site *site = &v->pool->sites[s];

	if (v->sites[s].servers.refused || (near && v->sites[s].near_sites.refused))
		return true;
	for (size_t i = 0; i < site->n_servers; i++)
		if (!site->servers[i])
			return true;
	for (size_t i = 0; near && i < site->n_near_sites; i++) {
		long other = refs_site_index(v, site->near_sites[i]);

		if (!site->near_sites[i] ||
		    (other >= 0 && refs_servers_incomplete(v, other, false)))
			return true;
	}
	return false;
}

static void refs_active_servers(struct vctx *v, long primary)
{
	const char *pname = v->pool->sites[primary].name;

	if (refs_servers_incomplete(v, primary, true))
		return; /* the active server may be the one that was refused */

	for (size_t i = 0; i < v->active.n; i++) {
		const char *server = v->active.items[i];
		const char *hint = NULL;

		if (!server || refs_server_allowed(v, primary, server))
			continue;
		for (size_t s = 0; s < v->pool->n_sites && !hint; s++)
			if (refs_site_has_server(&v->pool->sites[s], server))
				hint = validate_hint(
				        v,
				        "it is a server of site '%s'; active servers "
				        "sit next to the primary database: remove it, or "
				        "add '%s' to spec.sites.%s.nearSites",
				        v->pool->sites[s].name, v->pool->sites[s].name, pname);
		if (!hint)
			hint = validate_hint(v, "list it under spec.sites.%s.servers first", pname);
		validate_diag(v, v->active.nodes[i], hint,
		              "active server '%s' is not a server of the primary site '%s'", server,
		              pname);
	}
}

static void refs_log_shipping(struct vctx *v)
{
	const struct spec_log_shipping *ls = &v->pool->log_shipping;
	const struct spec_pool *pool = v->pool;
	const char *shipped = v->shipped;
	bool from_ok, to_ok;

	if (!v->log_shipping)
		return;
	if (!ls->enabled && v->log_shipping->kind == YAMLTREE_SCALAR && !v->shipping_unknown &&
	    strcmp(v->log_shipping->text, "none") == 0 && shipped) {
		validate_diag(
		        v, v->log_shipping,
		        "configure log shipping (from, to, backupShare, copyTo, interval), or "
		        "set logShipping: false on the database",
		        "spec.logShipping is 'none' but database '%s' has logShipping: true",
		        shipped);
		return;
	}
	if (!ls->enabled)
		return;
	if (!shipped && pool->n_databases > 0 && !v->shipping_unknown)
		validate_diag(
		        v, v->log_shipping,
		        "set 'logShipping: none', or logShipping: true on the database to ship",
		        "spec.logShipping is configured but no database has logShipping: true");
	from_ok = refs_site(v, v->from, ls->from, "spec.logShipping.from");
	to_ok = refs_site(v, v->to, ls->to, "spec.logShipping.to");
	if (from_ok && pool->primary && refs_site_index(v, pool->primary) >= 0 &&
	    strcmp(ls->from, pool->primary) != 0)
		validate_diag(v, v->from,
		              validate_hint(v,
		                            "log shipping always runs from the primary: write "
		                            "'from: %s' (and move 'to' accordingly)",
		                            pool->primary),
		              "spec.logShipping.from '%s' is not the primary site '%s'", ls->from,
		              pool->primary);
	if (from_ok && to_ok && strcmp(ls->from, ls->to) == 0)
		validate_diag(
		        v, v->to, "log shipping copies to another site: name a different site",
		        "spec.logShipping.to is the same site as spec.logShipping.from ('%s')",
		        ls->to);
}

void validate_refs_check(struct vctx *v)
{
	struct spec_pool *pool = v->pool;
	bool primary_ok;

	refs_site(v, v->home, pool->home, "spec.home");
	primary_ok = refs_site(v, v->primary, pool->primary, "spec.primary");
	for (size_t s = 0; s < pool->n_sites; s++)
		refs_near_sites(v, s);
	refs_instances(v);
	refs_servers(v);
	if (primary_ok)
		refs_active_servers(v, refs_site_index(v, pool->primary));
	refs_log_shipping(v);
}
