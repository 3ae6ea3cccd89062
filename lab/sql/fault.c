/*
 * fault: the state the fault verbs change and the engine reads: which
 * instances are stopped, which pairs of sites are cut apart, each
 * instance's round-trip latency, the backup/restore throughput, and the
 * share (its UNC, its folder, the site it lives in: the home site). It
 * also maps the Windows paths instances name to files of this machine
 * and rebuilds an instance from scratch. It does not touch sockets: the
 * daemon (lab/labctl.c, lab/server.c) closes listeners and connections.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "lab/sql/world.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define FAULT_MAX_CUTS     64
#define FAULT_DEFAULT_MBPS 200.0

struct sitecut {
	char a[128], b[128];
};

struct worldfaults {
	pthread_mutex_t lock;
	bool *stopped;
	int *latency_ms;
	size_t n;
	struct sitecut cuts[FAULT_MAX_CUTS];
	size_t n_cuts;
	double mbps;
	char share_site[128];
};

static const char *dirname_of(char *buf, size_t cap, const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	if (!slash) {
		snprintf(buf, cap, ".");
		return buf;
	}
	snprintf(buf, cap, "%.*s", (int)(slash - path), path);
	return buf;
}

void world_faults_init(struct lab_world *w, const struct lab_topology *topo)
{
	struct worldfaults *f = xcalloc(1, sizeof(*f));
	char dir[PATH_MAX], path[PATH_MAX];

	pthread_mutex_init(&f->lock, NULL);
	f->n = topo->n_instances;
	f->stopped = xcalloc(f->n ? f->n : 1, sizeof(*f->stopped));
	f->latency_ms = xcalloc(f->n ? f->n : 1, sizeof(*f->latency_ms));
	f->mbps = FAULT_DEFAULT_MBPS;
	for (size_t i = 0; i < topo->n_sites; i++)
		if (topo->sites[i].home)
			snprintf(f->share_site, sizeof(f->share_site), "%s", topo->sites[i].name);
	w->faults = f;
	if (topo->share_unc && w->state_dir) {
		w->share_unc = xstrdup(topo->share_unc);
		dirname_of(dir, sizeof(dir), w->state_dir);
		if (topo->share_dir && topo->share_dir[0] == '/')
			snprintf(path, sizeof(path), "%s", topo->share_dir);
		else if (snprintf(path, sizeof(path), "%s/%s", dir,
		                  topo->share_dir ? topo->share_dir : "share") >= (int)sizeof(path))
			path[0] = '\0';
		w->share_dir = xstrdup(path);
	}
}

void world_faults_free(struct lab_world *w)
{
	struct worldfaults *f = w->faults;

	free(w->share_unc);
	free(w->share_dir);
	w->share_unc = w->share_dir = NULL;
	if (!f)
		return;
	pthread_mutex_destroy(&f->lock);
	free(f->stopped);
	free(f->latency_ms);
	free(f);
	w->faults = NULL;
}

static size_t inst_index(const struct sqlinstance *inst)
{
	const struct lab_world *w = inst->world;

	for (size_t i = 0; i < w->n_inst; i++)
		if (w->inst[i] == inst)
			return i;
	return SIZE_MAX;
}

bool world_instance_running(const struct sqlinstance *inst)
{
	struct worldfaults *f = inst->world->faults;
	size_t i = inst_index(inst);
	bool up = true;

	if (!f || i == SIZE_MAX)
		return true;
	pthread_mutex_lock(&f->lock);
	if (i < f->n)
		up = !f->stopped[i];
	pthread_mutex_unlock(&f->lock);
	return up;
}

static bool sites_cut(struct worldfaults *f, const char *a, const char *b)
{
	bool cut = false;

	if (!strcasecmp(a, b))
		return false;
	pthread_mutex_lock(&f->lock);
	for (size_t k = 0; k < f->n_cuts && !cut; k++)
		cut = (!strcasecmp(f->cuts[k].a, a) && !strcasecmp(f->cuts[k].b, b)) ||
		      (!strcasecmp(f->cuts[k].a, b) && !strcasecmp(f->cuts[k].b, a));
	pthread_mutex_unlock(&f->lock);
	return cut;
}

bool world_link_up(const struct sqlinstance *a, const struct sqlinstance *b)
{
	if (!world_instance_running(a) || !world_instance_running(b))
		return false;
	if (a == b || !a->world->faults)
		return true;
	return !sites_cut(a->world->faults, a->site, b->site);
}

bool world_share_reachable(const struct sqlinstance *inst)
{
	struct worldfaults *f = inst->world->faults;

	if (!world_instance_running(inst))
		return false;
	if (!f || !f->share_site[0])
		return true;
	return !sites_cut(f, inst->site, f->share_site);
}

/* The part of `winpath` after `prefix` (compared without case, either
 * slash), or NULL. */
static const char *after_prefix(const char *winpath, const char *prefix)
{
	size_t i;

	for (i = 0; prefix[i]; i++) {
		char x = winpath[i] == '/' ? '\\' : winpath[i];
		char y = prefix[i] == '/' ? '\\' : prefix[i];

		if (!x || (x != y && (x | 0x20) != (y | 0x20)))
			return NULL;
	}
	if (winpath[i] && winpath[i] != '\\' && winpath[i] != '/' && prefix[i - 1] != '\\')
		return NULL;
	return winpath + i;
}

static int join_path(char *out, size_t cap, const char *base, const char *rest)
{
	size_t n;
	int k = snprintf(out, cap, "%s/", base);

	if (k < 0 || (size_t)k >= cap)
		return -1;
	n = (size_t)k;
	for (; *rest && n + 1 < cap; rest++) {
		char ch = *rest == '\\' ? '/' : *rest;

		if (ch == '/' && out[n - 1] == '/')
			continue;
		if (ch == '.' && rest[1] == '.')
			return -1; /* never out of the folder */
		out[n++] = ch;
	}
	if (*rest)
		return -1;
	out[n] = '\0';
	return 0;
}

int world_share_path(const struct sqlinstance *inst, const char *winpath, char *out, size_t cap)
{
	const struct lab_world *w = inst->world;
	const char *rest;
	char base[PATH_MAX];

	if (!w->share_dir || !winpath)
		return -1;
	if (w->share_unc && (rest = after_prefix(winpath, w->share_unc)))
		return join_path(out, cap, w->share_dir, rest);
	if (((winpath[0] | 0x20) >= 'a' && (winpath[0] | 0x20) <= 'z') && winpath[1] == ':' &&
	    (winpath[2] == '\\' || winpath[2] == '/')) {
		char parent[PATH_MAX];

		dirname_of(parent, sizeof(parent), w->share_dir);
		if (snprintf(base, sizeof(base), "%s/disks/%s/%c", parent, inst->name,
		             winpath[0] & ~0x20) >= (int)sizeof(base))
			return -1;
		return join_path(out, cap, base, winpath + 3);
	}
	return -1;
}

double world_throughput_mbps(const struct lab_world *w)
{
	double mbps = FAULT_DEFAULT_MBPS;

	if (w->faults) {
		pthread_mutex_lock(&w->faults->lock);
		mbps = w->faults->mbps;
		pthread_mutex_unlock(&w->faults->lock);
	}
	return mbps;
}

/* --- engine.h: the daemon's side ------------------------------------- */

int lab_world_instance_index(const struct lab_world *world, const char *name)
{
	for (size_t i = 0; i < world->n_inst; i++)
		if (!strcasecmp(world->inst[i]->name, name))
			return (int)i;
	return -1;
}

const char *lab_world_instance_site(const struct lab_world *world, size_t i)
{
	return i < world->n_inst ? world->inst[i]->site : NULL;
}

void lab_world_set_running(struct lab_world *world, size_t i, bool running)
{
	struct worldfaults *f = world->faults;

	if (!f || i >= f->n)
		return;
	pthread_mutex_lock(&f->lock);
	f->stopped[i] = !running;
	pthread_mutex_unlock(&f->lock);
}

bool lab_world_running(const struct lab_world *world, size_t i)
{
	return i >= world->n_inst || world_instance_running(world->inst[i]);
}

int lab_world_partition(struct lab_world *world, const char *site_a, const char *site_b)
{
	struct worldfaults *f = world->faults;
	bool known_a = false, known_b = false;

	for (size_t i = 0; i < world->n_inst; i++) {
		known_a = known_a || !strcasecmp(world->inst[i]->site, site_a);
		known_b = known_b || !strcasecmp(world->inst[i]->site, site_b);
	}
	if (f && !strcasecmp(f->share_site, site_a))
		known_a = true;
	if (f && !strcasecmp(f->share_site, site_b))
		known_b = true;
	if (!known_a || !known_b)
		return err_set(ERR_NOTFOUND, "no site '%s' in the lab", known_a ? site_b : site_a);
	if (!strcasecmp(site_a, site_b))
		return err_set(ERR_INVALID, "cannot cut site '%s' from itself", site_a);
	if (!f || sites_cut(f, site_a, site_b))
		return 0;
	pthread_mutex_lock(&f->lock);
	if (f->n_cuts < FAULT_MAX_CUTS) {
		snprintf(f->cuts[f->n_cuts].a, sizeof(f->cuts[0].a), "%s", site_a);
		snprintf(f->cuts[f->n_cuts].b, sizeof(f->cuts[0].b), "%s", site_b);
		f->n_cuts++;
	}
	pthread_mutex_unlock(&f->lock);
	return 0;
}

void lab_world_heal(struct lab_world *world)
{
	if (!world->faults)
		return;
	pthread_mutex_lock(&world->faults->lock);
	world->faults->n_cuts = 0;
	pthread_mutex_unlock(&world->faults->lock);
}

void lab_world_set_latency(struct lab_world *world, size_t i, int ms)
{
	struct worldfaults *f = world->faults;

	if (!f || i >= f->n)
		return;
	pthread_mutex_lock(&f->lock);
	f->latency_ms[i] = ms < 0 ? 0 : ms;
	pthread_mutex_unlock(&f->lock);
}

void lab_world_delay(struct lab_world *world, size_t i)
{
	struct worldfaults *f = world->faults;
	int ms = 0;

	if (!f || i >= f->n)
		return;
	pthread_mutex_lock(&f->lock);
	ms = f->latency_ms[i];
	pthread_mutex_unlock(&f->lock);
	if (ms > 0) {
		struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

		nanosleep(&ts, NULL);
	}
}

void lab_world_set_throughput(struct lab_world *world, double mbps)
{
	if (!world->faults)
		return;
	pthread_mutex_lock(&world->faults->lock);
	world->faults->mbps = mbps > 0 ? mbps : 0;
	pthread_mutex_unlock(&world->faults->lock);
}

const char *lab_world_share_dir(const struct lab_world *world)
{
	return world->share_dir;
}

int lab_world_rebuild(struct lab_world *world, size_t i, const struct lab_topo_instance *ti)
{
	struct sqlinstance *inst;
	int rc;

	if (i >= world->n_inst)
		return err_set(ERR_NOTFOUND, "no instance %zu", i);
	inst = world->inst[i];
	pthread_mutex_lock(&inst->lock);
	for (size_t k = 0; k < inst->dbs.len; k++)
		world_db_free(inst->dbs.items[k]);
	inst->dbs.len = 0;
	while (inst->endpoints.len > 5) /* the default TSQL endpoints stay */
		inst->endpoints.len--;
	inst->start_us = lab_clock_now_us();
	rc = world_instance_fresh(inst, ti, true);
	pthread_mutex_unlock(&inst->lock);
	return rc < 0 ? rc : 0;
}

/* --- persistence of the fault state ---------------------------------------- */

/*
 * <state_dir>/faults, written by lab_world_save (at `down`) and read when
 * the world is created (at `up`), so the faults survive a restart of the
 * lab as the databases do:
 *   pcdr-lab-faults 1
 *   throughput MBPS
 *   stopped INSTANCE
 *   latency INSTANCE MS
 *   cut SITE SITE
 * Names are the topology's (no spaces). A line naming an instance the
 * topology no longer has is ignored; a malformed file is refused whole.
 */
int world_faults_save(struct lab_world *w)
{
	struct worldfaults *f = w->faults;
	struct strbuf sb = STRBUF_INIT;
	char path[PATH_MAX], tmp[PATH_MAX];
	FILE *out;
	int rc = 0;

	if (!f || !w->state_dir)
		return 0;
	if (snprintf(path, sizeof(path), "%s/faults", w->state_dir) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/faults.tmp", w->state_dir) >= (int)sizeof(tmp))
		return err_set(ERR_INVALID, "state folder path too long");
	pthread_mutex_lock(&f->lock);
	strbuf_printf(&sb, "pcdr-lab-faults 1\nthroughput %.17g\n", f->mbps);
	for (size_t i = 0; i < f->n && i < w->n_inst; i++) {
		if (f->stopped[i])
			strbuf_printf(&sb, "stopped %s\n", w->inst[i]->name);
		if (f->latency_ms[i])
			strbuf_printf(&sb, "latency %s %d\n", w->inst[i]->name, f->latency_ms[i]);
	}
	for (size_t k = 0; k < f->n_cuts; k++)
		strbuf_printf(&sb, "cut %s %s\n", f->cuts[k].a, f->cuts[k].b);
	pthread_mutex_unlock(&f->lock);
	if (!(out = fopen(tmp, "w")))
		rc = err_set_errno(ERR_IO, "cannot write '%s'", tmp);
	else if (fwrite(sb.ptr, 1, sb.len, out) != sb.len || fclose(out) != 0)
		rc = err_set_errno(ERR_IO, "cannot write '%s'", tmp);
	else if (rename(tmp, path) != 0)
		rc = err_set_errno(ERR_IO, "cannot rename '%s'", tmp);
	strbuf_release(&sb);
	return rc;
}

static long instance_named(const struct lab_world *w, const char *name)
{
	for (size_t i = 0; i < w->n_inst; i++)
		if (!strcasecmp(w->inst[i]->name, name))
			return (long)i;
	return -1;
}

int world_faults_load(struct lab_world *w)
{
	struct worldfaults *f = w->faults;
	char path[PATH_MAX], line[512], a[256], b[256];
	FILE *in;
	int rc = 0, lineno = 0;

	if (!f || !w->state_dir)
		return 0;
	snprintf(path, sizeof(path), "%s/faults", w->state_dir);
	if (!(in = fopen(path, "r")))
		return 0; /* none saved: no fault */
	while (rc == 0 && fgets(line, sizeof(line), in)) {
		double mbps;
		int ms, used = 0;
		long i;

		lineno++;
		line[strcspn(line, "\n")] = '\0';
		if (lineno == 1) {
			if (strcmp(line, "pcdr-lab-faults 1") != 0)
				rc = err_set(ERR_INVALID, "%s: not a pcdr-lab faults file", path);
			continue;
		}
		if (sscanf(line, "throughput %lf%n", &mbps, &used) == 1 && !line[used] &&
		    mbps >= 0) {
			lab_world_set_throughput(w, mbps);
		} else if (sscanf(line, "stopped %255s%n", a, &used) == 1 && !line[used]) {
			if ((i = instance_named(w, a)) >= 0)
				lab_world_set_running(w, (size_t)i, false);
		} else if (sscanf(line, "latency %255s %d%n", a, &ms, &used) == 2 && !line[used] &&
		           ms >= 0) {
			if ((i = instance_named(w, a)) >= 0)
				lab_world_set_latency(w, (size_t)i, ms);
		} else if (sscanf(line, "cut %255s %255s%n", a, b, &used) == 2 && !line[used]) {
			if (lab_world_partition(w, a, b) < 0)
				err_clear(); /* a site the topology no longer has */
		} else {
			rc = err_set(ERR_INVALID, "%s:%d: malformed line", path, lineno);
		}
	}
	fclose(in);
	return rc;
}
