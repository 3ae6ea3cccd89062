/*
 * verify: the I/O half of `pcdr-lab verify` (the rules are ledger.c's).
 * The authority is found as the chat servers find it: the pool state
 * names the site, its first instance is tried, then the other one (after
 * a mirroring failover the principal is there); the first that lets the
 * login open mgc and answers the SELECT is the authority. The allowance
 * is an LSN or a lab clock time, compared with each ledger line's LSN
 * and LAB-AT (ledger.h).
 */
#include "lab/verify.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/chatdb.h"
#include "lab/labfile.h"
#include "lab/ledger.h"
#include "lab/pool.h"
#include "util/err.h"
#include "util/xalloc.h"

#define VERIFY_MAX_FILE (256u << 20)
#define VERIFY_SHOW     20

static void id_row(void *ctx, int n, const char *const *cells)
{
	struct ledger_ids *ids = ctx;
	char *end = NULL;
	long long v;

	if (n < 1 || !cells[0])
		return;
	v = strtoll(cells[0], &end, 10);
	if (!*end)
		vec_push(ids, (int64_t)v);
}

/* The ids in mgc.dbo.tblChat of the authority; its name in *where. */
static int authority_ids(struct ledger_ids *ids, const char **where, const char *dir,
                         const struct lab_topology *topo, bool failed_over)
{
	const struct lab_topo_login *admin = NULL;
	const char *partner = NULL, *tries[2];
	struct strbuf why = STRBUF_INIT;
	int error = ERR_NOTFOUND;

	for (size_t i = 0; i < topo->n_logins && !admin; i++)
		if (topo->logins[i].sysadmin)
			admin = &topo->logins[i];
	tries[0] = labpool_principal(topo, failed_over, &partner);
	tries[1] = partner;
	if (!admin || !tries[0] || (error = chatdb_init(dir)) < 0)
		return admin && tries[0] ? error
		                         : err_set(ERR_NOTFOUND, "no sysadmin login or no site");
	for (int k = 0; k < 2 && tries[k]; k++) {
		struct chatdb_login l = {tries[k], admin->name, admin->password, "mgc", 5, 60};
		struct chatdb *c = NULL;
		int64_t affected;
		int number;

		ids->len = 0;
		if ((error = chatdb_connect(&c, &l, &number)) == 0)
			error = chatdb_exec(c, "SELECT chatId FROM mgc.dbo.tblChat;", id_row, ids,
			                    &number, &affected);
		chatdb_close(c);
		if (!error) {
			*where = tries[k];
			break;
		}
		strbuf_printf(&why, "%s%s", why.len ? "; " : "", err_last());
	}
	if (error)
		error = err_set(ERR_UNREACHABLE, "no copy of mgc answered as the authority: %s",
		                why.ptr);
	strbuf_release(&why);
	return error;
}

/* DIR/name parsed with `parse`; a missing file is empty. */
static int read_record_file(const char *dir, const char *name, void *out,
                            int (*parse)(void *, const char *, size_t, const char *))
{
	char path[PATH_MAX];
	struct strbuf sb;
	int error = labfile_read(&sb, labfile_path(path, sizeof(path), dir, name), VERIFY_MAX_FILE);

	if (error == ERR_NOTFOUND) {
		err_clear();
		error = 0;
	}
	if (!error)
		error = parse(out, sb.ptr ? sb.ptr : "", sb.len, path);
	strbuf_release(&sb);
	return error;
}

static int parse_ledger(void *out, const char *t, size_t n, const char *what)
{
	return ledger_parse(out, t, n, what);
}

static int parse_history(void *out, const char *t, size_t n, const char *what)
{
	return ledger_history_parse(out, t, n, what);
}

static void show_ids(const char *what, const struct ledger_ids *ids)
{
	if (!ids->len)
		return;
	printf("%s:", what);
	for (size_t i = 0; i < ids->len && i < VERIFY_SHOW; i++)
		printf(" %lld", (long long)ids->items[i]);
	printf("%s\n", ids->len > VERIFY_SHOW ? " ..." : "");
}

static void print_report(const struct ledger_report *r, const char *authority, bool failed_over,
                         const char *allow, const struct ledger_allowance *a)
{
	printf("authority: '%s' (pool %s)\n", authority, failed_over ? "FailedOver" : "Normal");
	printf("acknowledged %zu, present %zu, lost %zu, duplicates %zu, split-brain %zu\n",
	       r->acknowledged, r->present, r->lost, r->duplicates, r->split_brain);
	if (allow) {
		bool lsn = a->kind == LEDGER_ALLOW_LSN;

		printf("lost but allowed (acknowledged at or after %s %s): %zu\n",
		       lsn ? "LSN" : "lab time", allow, r->lost_allowed);
		printf("acknowledged at or after the allowance and present: %zu\n", r->kept_after);
	}
	if (r->unacknowledged)
		printf("present but never acknowledged (refused or cut off): %zu\n",
		       r->unacknowledged);
	show_ids("lost", &r->lost_ids);
	show_ids("duplicates", &r->duplicate_ids);
	show_ids("split-brain", &r->split_brain_ids);
	printf("verify: %s\n", ledger_report_ok(r) ? "ok" : "FAILED");
}

/* The world as ledger_check sees it; the arrays are the caller's to free. */
static void world_of(struct ledger_world *w, const struct lab_topology *topo)
{
	const char **names = xcalloc(topo->n_instances + 1, sizeof(char *));
	const char **sites = xcalloc(topo->n_instances + 1, sizeof(char *));

	for (size_t i = 0; i < topo->n_instances; i++) {
		names[i] = topo->instances[i].name;
		sites[i] = topo->instances[i].site;
	}
	w->instances = names;
	w->sites = sites;
	w->n_instances = topo->n_instances;
	w->home_site = labpool_home_site(topo);
	w->backup_site = labpool_backup_site(topo);
}

struct verify_run {
	struct lab_topology *topo;
	struct labpool pool;
	struct ledger ledger;
	struct ledger_history history;
	struct ledger_ids present;
	struct ledger_world world;
	struct ledger_report report;
};

static int verify_check(struct verify_run *v, const char *dir, const char *allow)
{
	struct ledger_allowance after = {LEDGER_ALLOW_NONE, 0, 0};
	const char *authority = NULL;
	int error;

	if ((allow && (error = ledger_allowance_parse(allow, &after)) < 0) ||
	    (error = labfile_topology(&v->topo, dir)) < 0 ||
	    (error = labpool_read(&v->pool, dir)) < 0 ||
	    (error = read_record_file(dir, "ledger", &v->ledger, parse_ledger)) < 0 ||
	    (error = read_record_file(dir, LABPOOL_HISTORY, &v->history, parse_history)) < 0 ||
	    (error = authority_ids(&v->present, &authority, dir, v->topo, v->pool.failed_over)) < 0)
		return error;
	world_of(&v->world, v->topo);
	ledger_check(&v->report, &v->ledger, &v->history, &v->world, v->present.items,
	             v->present.len, &after);
	print_report(&v->report, authority, v->pool.failed_over, allow, &after);
	return 0;
}

int verify_main(const char *dir, int argc, char **argv)
{
	struct verify_run v;
	const char *allow = NULL;
	int rc = 2;

	err_clear();
	if (argc == 2 && !strcmp(argv[0], "--allow-loss-after")) {
		allow = argv[1];
	} else if (argc != 0) {
		fputs("pcdr-lab: bad verify arguments\n"
		      "usage: pcdr-lab --dir DIR verify [--allow-loss-after LSN|TIME]\n",
		      stderr);
		return 129;
	}
	memset(&v, 0, sizeof(v));
	if (verify_check(&v, dir, allow) < 0)
		fprintf(stderr, "pcdr-lab: cannot verify: %s\n", err_last());
	else
		rc = ledger_report_ok(&v.report) ? 0 : 1;
	ledger_report_release(&v.report);
	free((void *)v.world.instances);
	free((void *)v.world.sites);
	vec_free(&v.present);
	ledger_history_release(&v.history);
	ledger_release(&v.ledger);
	labpool_release(&v.pool);
	lab_topology_free(v.topo);
	return rc;
}
