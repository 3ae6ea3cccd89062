/*
 * pipeline: config -> specs -> desired -> observe -> observed -> plan
 * (pipeline.h). The SQL instances are observed with
 * mssql_observe_all (one batch each, at most `maxConnections` at once)
 * while a second thread runs the pool command's `get`. With several
 * pools (pipeline_observe_all), an instance that several pools name is
 * observed once, its one batch asking about the databases of the pools
 * that name it (mssql_observe_each), started first, while at most
 * PIPELINE_POOL_WORKERS threads run the pool commands; the credentials
 * go from the configuration into the connection targets and nowhere
 * else.
 */
#include "reconciler/plan/pipeline.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "providers/mssql/early.h"
#include "providers/mssql/observe.h"
#include "providers/pool/poolcmd.h"
#include "reconciler/core/desired.h"
#include "reconciler/core/planner.h"
#include "reconciler/plan/observed.h"
#include "util/err.h"
#include "util/xalloc.h"

void pipeline_init(struct pipeline *p)
{
	memset(p, 0, sizeof(*p));
	spec_set_init(&p->set);
	arena_init(&p->arena);
}

static int load_config(struct pipeline *p, const char *flag, struct strbuf *problems)
{
	struct config_problems list = CONFIG_PROBLEMS_INIT;
	int error = config_load(&p->config, config_path(flag), &list);

	for (size_t i = 0; i < list.len; i++)
		strbuf_printf(problems, "%s\n", list.items[i]);
	config_problems_release(&list);
	return error;
}

static int load_specs(struct pipeline *p, const struct pipeline_options *opts,
                      struct strbuf *problems)
{
	const char *repo = opts->repo ? opts->repo : p->config->source.repository;
	const char *ref = opts->ref ? opts->ref : p->config->source.ref;
	struct gitsrc_options go = GITSRC_OPTIONS_INIT;
	struct strbuf line = STRBUF_INIT;
	int error;

	go.own_branch = p->config->audit.branch; /* a cache's fetch leaves it alone */
	if ((error = gitsrc_open(&p->src, repo, &go)) < 0 ||
	    (error = gitsrc_read(&p->specs, p->src, ref, p->config->source.folder)) < 0)
		return error;
	for (size_t i = 0; i < p->specs->n_files; i++)
		spec_set_load_buffer(&p->set, p->specs->files[i].path, p->specs->files[i].data,
		                     p->specs->files[i].len);
	spec_set_check(&p->set);
	for (size_t i = 0; i < p->set.n_diags; i++) {
		strbuf_reset(&line);
		spec_diag_format(&p->set.diags[i], &line);
		strbuf_printf(problems, "%s\n", strbuf_cstr(&line));
	}
	strbuf_release(&line);
	if (p->set.n_diags)
		return err_set(ERR_INVALID, "%zu problem%s in the specs at commit %s",
		               p->set.n_diags, p->set.n_diags == 1 ? "" : "s",
		               p->specs->commit.short_id);
	return 0;
}

static int add_pool(struct pipeline *p, const struct spec_pool *spec)
{
	struct pipeline_pool *pp = &p->pools[p->n_pools];
	int error;

	memset(pp, 0, sizeof(*pp));
	pp->spec = spec;
	pp->spec_path = spec->file;
	plan_init(&pp->plan);
	if ((error = desired_from_spec(&pp->desired, &p->arena, spec)) < 0)
		return error;
	p->n_pools++;
	return 0;
}

static void target_of(struct mssql_target *t, struct config_instance *scratch,
                      const struct config *cfg, const char *name);

/* Whether `ci` gets an early login: only with the default login timeout.
 * db-lib's login timeout is one per process, so logins with different
 * timeouts take turns (mssql.c); an instance no spec names, unreachable
 * and with a timeout of its own, would hold up the instances the plan
 * needs. */
static bool early_login_for(const struct config *cfg, const struct config_instance *ci)
{
	return ci->login_timeout_s == cfg->defaults.login_timeout_s;
}

/* The first maxConnections instances the host configuration lists (with
 * the default login timeout): the specs name the instances to observe,
 * but reading them takes longer than a login (libgit2's start, the
 * commit's tree, every spec parsed). */
static void start_early_logins(struct pipeline *p)
{
	const struct config *cfg = p->config;
	size_t n = 0;
	struct mssql_target *targets = xcalloc(cfg->n_instances + 1, sizeof(*targets));
	struct config_instance *scratch = xcalloc(cfg->n_instances + 1, sizeof(*scratch));

	for (size_t i = 0; i < cfg->n_instances; i++) {
		if (!early_login_for(cfg, &cfg->instances[i]))
			continue;
		target_of(&targets[n], &scratch[n], cfg, cfg->instances[i].name);
		n++;
	}
	p->early = mssql_early_start(targets, n, cfg->max_connections); /* copies them */
	free(scratch);
	free(targets);
}

int pipeline_load(struct pipeline *p, const struct pipeline_options *opts, struct strbuf *problems)
{
	int error;

	p->allow_data_loss = opts->allow_data_loss;
	if ((error = load_config(p, opts->config_path, problems)) < 0)
		return error;
	if (opts->early_logins && p->config->n_instances)
		start_early_logins(p);
	if ((error = load_specs(p, opts, problems)) < 0)
		return error;
	p->pools = xcalloc(p->set.n_pools ? p->set.n_pools : 1, sizeof(*p->pools));
	for (size_t i = 0; i < p->set.n_pools; i++) {
		if (opts->pool && strcmp(opts->pool, p->set.pools[i]->name))
			continue;
		if ((error = add_pool(p, p->set.pools[i])) < 0)
			return error;
	}
	if (opts->pool && !p->n_pools)
		return err_set(ERR_INVALID, "no pool '%s' in '%s/' at commit %s", opts->pool,
		               p->specs->dir, p->specs->commit.short_id);
	if (!p->n_pools)
		return err_set(ERR_INVALID, "no pool spec in '%s/' at commit %s", p->specs->dir,
		               p->specs->commit.short_id);
	return 0;
}

/* At most this many pool commands run at once beside the SQL observation:
 * each is a process, and 50 started at once only fight the round trips
 * for the CPU (bench/plan: the same median, a shorter tail with 4). */
#define PIPELINE_POOL_WORKERS 4

/* The pool command's `get`, run on its own thread beside the SQL observation. */
struct pool_job {
	struct poolcmd cmd;
	bool configured;
	struct poolcmd_status status;
	int error;
	char reason[512];
};

static void *pool_get(void *arg)
{
	struct pool_job *job = arg;

	err_clear();
	if (!job->configured)
		return NULL;
	job->error = poolcmd_get(&job->status, &job->cmd);
	if (job->error < 0)
		snprintf(job->reason, sizeof(job->reason), "%s", err_last());
	return NULL;
}

static void pool_job_init(struct pool_job *job, const struct pipeline *p,
                          const struct pipeline_pool *pp)
{
	const struct config_pool *cp = config_pool(p->config, pp->spec->name);

	memset(job, 0, sizeof(*job));
	job->status = (struct poolcmd_status)POOLCMD_STATUS_INIT;
	job->configured = cp != NULL;
	if (!cp) {
		job->error = ERR_NOTFOUND;
		snprintf(job->reason, sizeof(job->reason), "no pool command for '%s' in '%s'",
		         pp->spec->name, p->config->path ? p->config->path : "the configuration");
		return;
	}
	job->cmd.name = pp->spec->name;
	job->cmd.identity = pp->spec->identity;
	job->cmd.argv = cp->command;
	job->cmd.timeout_ms = (int)cp->timeout_s * 1000;
}

static enum mssql_tls tls_of(enum config_tls tls)
{
	return tls == CONFIG_TLS_OFF       ? MSSQL_TLS_OFF
	       : tls == CONFIG_TLS_REQUEST ? MSSQL_TLS_REQUEST
	                                   : MSSQL_TLS_REQUIRE;
}

static void target_of(struct mssql_target *t, struct config_instance *scratch,
                      const struct config *cfg, const char *name)
{
	const struct config_instance *ci = config_instance(cfg, name, scratch);

	memset(t, 0, sizeof(*t));
	t->name = name;
	t->address = ci->address;
	t->server = ci->server;
	t->tls = tls_of(ci->tls);
	t->login_timeout_s = ci->login_timeout_s;
	t->query_timeout_s = ci->query_timeout_s;
	t->user = ci->credentials ? ci->credentials->user : NULL;
	t->password = ci->credentials ? ci->credentials->password : NULL;
}

/* The chat database (whose tblServerIdentity holds the pings): the first shipped one. */
static const char *chat_database(const struct model *desired)
{
	for (size_t i = 0; i < desired->topo.n_databases; i++)
		if (desired->topo.databases[i].shipped)
			return desired->topo.databases[i].name;
	return NULL;
}

static void observe_sql(struct pipeline *p, struct pipeline_pool *pp, struct mssql_facts *facts)
{
	const struct model *d = &pp->desired;
	size_t n = d->n_instances;
	struct mssql_target *targets = xcalloc(n ? n : 1, sizeof(*targets));
	struct config_instance *scratch = xcalloc(n ? n : 1, sizeof(*scratch));
	const char **dbs = xcalloc(d->topo.n_databases + 1, sizeof(*dbs));
	struct mssql_observe_request req = {0};

	for (size_t i = 0; i < d->topo.n_databases; i++)
		dbs[i] = d->topo.databases[i].name;
	req.databases = dbs;
	req.n_databases = d->topo.n_databases;
	req.chat_database = chat_database(d);
	for (size_t i = 0; i < n; i++)
		target_of(&targets[i], &scratch[i], p->config, d->instances[i].name);
	mssql_observe_all(facts, targets, n, &req, p->config->max_connections);
	free(dbs);
	free(scratch);
	free(targets);
}

int pipeline_observe(struct pipeline *p, struct pipeline_pool *pp)
{
	size_t n = pp->desired.n_instances;
	struct mssql_facts *facts = xcalloc(n ? n : 1, sizeof(*facts));
	struct observed_input in = {0};
	struct pool_job job;
	pthread_t thread;
	bool threaded;

	pool_job_init(&job, p, pp);
	threaded = pthread_create(&thread, NULL, pool_get, &job) == 0;
	observe_sql(p, pp, facts);
	if (threaded)
		pthread_join(thread, NULL);
	else
		pool_get(&job);
	in.desired = &pp->desired;
	in.facts = facts;
	in.n_facts = n;
	in.pool = job.error < 0 ? NULL : &job.status;
	in.pool_error = job.reason;
	in.now = (int64_t)time(NULL);
	in.ping_window_s = PIPELINE_PING_WINDOW_S;
	in.chat_database = chat_database(&pp->desired);
	observed_from_facts(&pp->observed, &p->arena, &in);
	pp->observed_ok = true;
	for (size_t i = 0; i < n; i++)
		mssql_facts_release(&facts[i]);
	free(facts);
	poolcmd_status_release(&job.status);
	return 0;
}

/* Every pool's instances, each named once, and for each instance the
 * databases and chat databases of the pools that name it, each once: an
 * instance's batch asks only about what some pool wants from it. */
struct observe_union {
	const char **names;
	size_t n_names;
	struct mssql_observe_request *reqs; /* reqs[i] for names[i] */
	const char **lists;                 /* storage of every reqs[i]'s lists */
};

static void union_add(const char **list, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (model_same_name(list[i], name))
			return;
	list[(*n)++] = name;
}

static size_t union_index(const struct observe_union *u, const char *name)
{
	size_t i = 0;

	while (i < u->n_names && !model_same_name(u->names[i], name))
		i++;
	return i;
}

static void union_build(struct observe_union *u, const struct pipeline *p)
{
	size_t max_names = 1, max_dbs = 1, stride;

	for (size_t i = 0; i < p->n_pools; i++) {
		max_names += p->pools[i].desired.n_instances;
		max_dbs += p->pools[i].desired.topo.n_databases;
	}
	memset(u, 0, sizeof(*u));
	u->names = xcalloc(max_names, sizeof(*u->names));
	for (size_t i = 0; i < p->n_pools; i++)
		for (size_t k = 0; k < p->pools[i].desired.n_instances; k++)
			union_add(u->names, &u->n_names, p->pools[i].desired.instances[k].name);
	/* per instance: max_dbs database names, then p->n_pools + 1 chat databases */
	stride = max_dbs + p->n_pools + 1;
	u->reqs = xcalloc(u->n_names + 1, sizeof(*u->reqs));
	u->lists = xcalloc((u->n_names + 1) * stride, sizeof(*u->lists));
	for (size_t i = 0; i < p->n_pools; i++) {
		const struct model *d = &p->pools[i].desired;
		const char *chat = chat_database(d);

		for (size_t k = 0; k < d->n_instances; k++) {
			size_t n = union_index(u, d->instances[k].name);
			struct mssql_observe_request *r = &u->reqs[n];
			const char **dbs = u->lists + n * stride, **chats = dbs + max_dbs;

			for (size_t b = 0; b < d->topo.n_databases; b++)
				union_add(dbs, &r->n_databases, d->topo.databases[b].name);
			if (chat)
				union_add(chats, &r->n_more_chat_databases, chat);
		}
	}
	/* the first chat database of each instance is its request's chat_database */
	for (size_t n = 0; n < u->n_names; n++) {
		struct mssql_observe_request *r = &u->reqs[n];
		const char **chats = u->lists + n * stride + max_dbs;

		r->databases = u->lists + n * stride;
		r->chat_database = r->n_more_chat_databases ? chats[0] : NULL;
		r->n_more_chat_databases -= r->n_more_chat_databases ? 1 : 0;
		r->more_chat_databases = r->n_more_chat_databases ? chats + 1 : NULL;
	}
}

/* The instances with an early login first, in the order they were
 * started, so the observation's connections stay within maxConnections
 * (early.h); the early logins to instances no pool names are given up. */
static void union_early_first(struct observe_union *u, const struct pipeline *p)
{
	size_t front = 0;

	if (!p->early)
		return;
	mssql_early_keep(p->early, u->names, u->n_names);
	for (size_t e = 0; e < mssql_early_count(p->early); e++) {
		size_t i = union_index(u, mssql_early_name(p->early, e));

		if (i < u->n_names && i >= front) {
			const char *name = u->names[i];
			struct mssql_observe_request req = u->reqs[i];

			memmove(&u->names[front + 1], &u->names[front],
			        (i - front) * sizeof(*u->names));
			memmove(&u->reqs[front + 1], &u->reqs[front],
			        (i - front) * sizeof(*u->reqs));
			u->names[front] = name;
			u->reqs[front] = req;
			front++;
		}
	}
}

static void observe_union_sql(struct pipeline *p, const struct observe_union *u,
                              struct mssql_facts *facts)
{
	struct mssql_target *targets = xcalloc(u->n_names + 1, sizeof(*targets));
	struct config_instance *scratch = xcalloc(u->n_names + 1, sizeof(*scratch));

	for (size_t i = 0; i < u->n_names; i++)
		target_of(&targets[i], &scratch[i], p->config, u->names[i]);
	mssql_observe_each(facts, targets, u->reqs, u->n_names, p->config->max_connections,
	                   p->early);
	free(scratch);
	free(targets);
}

static void observed_of_pool(struct pipeline *p, struct pipeline_pool *pp,
                             const struct mssql_facts *facts, size_t n, struct pool_job *job)
{
	struct observed_input in = {0};

	in.desired = &pp->desired;
	in.facts = facts;
	in.n_facts = n;
	in.pool = job->error < 0 ? NULL : &job->status;
	in.pool_error = job->reason;
	in.now = (int64_t)time(NULL);
	in.ping_window_s = PIPELINE_PING_WINDOW_S;
	in.chat_database = chat_database(&pp->desired);
	observed_from_facts(&pp->observed, &p->arena, &in);
	pp->observed_ok = true;
}

struct sql_job {
	struct pipeline *p;
	const struct observe_union *u;
	struct mssql_facts *facts;
};

static void *sql_observe(void *arg)
{
	struct sql_job *job = arg;

	observe_union_sql(job->p, job->u, job->facts);
	return NULL;
}

/* Runs the pool commands' `get`s, the next one not yet taken, until none is left. */
struct pool_queue {
	struct pool_job *jobs;
	size_t n, next;
	pthread_mutex_t lock;
};

static void *pool_worker(void *arg)
{
	struct pool_queue *q = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&q->lock);
		i = q->next++;
		pthread_mutex_unlock(&q->lock);
		if (i >= q->n)
			return NULL;
		pool_get(&q->jobs[i]);
	}
}

int pipeline_observe_all(struct pipeline *p)
{
	struct observe_union u;
	struct mssql_facts *facts;
	struct sql_job sql;
	struct pool_queue q = {NULL, p->n_pools, 0, PTHREAD_MUTEX_INITIALIZER};
	size_t n_workers = p->n_pools < PIPELINE_POOL_WORKERS ? p->n_pools : PIPELINE_POOL_WORKERS;
	pthread_t sql_thread, workers[PIPELINE_POOL_WORKERS];
	size_t started = 0;
	bool sql_threaded;

	q.jobs = xcalloc(p->n_pools + 1, sizeof(*q.jobs));
	union_build(&u, p);
	union_early_first(&u, p);
	facts = xcalloc(u.n_names + 1, sizeof(*facts));
	sql = (struct sql_job){p, &u, facts};
	for (size_t i = 0; i < p->n_pools; i++)
		pool_job_init(&q.jobs[i], p, &p->pools[i]);
	/* the SQL side first: its round trips are the critical path, the
	 * pool commands use the CPU while it waits on them */
	sql_threaded = pthread_create(&sql_thread, NULL, sql_observe, &sql) == 0;
	while (started < n_workers && pthread_create(&workers[started], NULL, pool_worker, &q) == 0)
		started++;
	if (!sql_threaded)
		sql_observe(&sql);
	if (started == 0)
		pool_worker(&q); /* no thread could start: run them here */
	if (sql_threaded)
		pthread_join(sql_thread, NULL);
	for (size_t t = 0; t < started; t++)
		pthread_join(workers[t], NULL);
	for (size_t i = 0; i < p->n_pools; i++) {
		observed_of_pool(p, &p->pools[i], facts, u.n_names, &q.jobs[i]);
		poolcmd_status_release(&q.jobs[i].status);
	}
	for (size_t i = 0; i < u.n_names; i++)
		mssql_facts_release(&facts[i]);
	free(facts);
	free(u.names);
	free(u.reqs);
	free(u.lists);
	free(q.jobs);
	pthread_mutex_destroy(&q.lock);
	return 0;
}

/*
 * The instance that catches up from the share in a disaster move (a
 * catch-up with no `from`, else the recover of a plan with an exposure
 * note: a copy that has restored everything it saw still catches up
 * from the share first); NULL when the plan has none.
 */
static const char *share_catch_up(const struct plan *plan)
{
	bool exposure = false;

	for (size_t i = 0; i < plan->n_steps; i++)
		if (plan->steps[i].kind == PLAN_SQL_CATCH_UP && !plan->steps[i].peer)
			return plan->steps[i].instance;
	for (size_t i = 0; i < plan->n_notes; i++)
		exposure |= !strncmp(plan->notes[i], "exposure: ", 10);
	for (size_t i = 0; exposure && i < plan->n_steps; i++)
		if (plan->steps[i].kind == PLAN_SQL_RECOVER)
			return plan->steps[i].instance;
	return plan->share_for; /* a mirror's catch-up across fork points */
}

/*
 * A catch-up from the share needs the log backups on it, which the
 * one batch per instance does not read (docs/plan.md): the second round
 * trip, to the catch-up's instance, and one more plan with them. When
 * the share cannot be read the first plan stands.
 */
static bool observe_share(struct pipeline *p, struct pipeline_pool *pp, const char *inst)
{
	const struct model *d = &pp->desired;
	const char **dbs = xcalloc(d->topo.n_databases + 1, sizeof(*dbs));
	struct config_instance scratch;
	struct mssql_target t;
	struct mssql_facts facts;
	size_t n = 0;
	bool ok;

	for (size_t i = 0; i < d->topo.n_databases; i++)
		if (d->topo.databases[i].shipped)
			dbs[n++] = d->topo.databases[i].name;
	target_of(&t, &scratch, p->config, inst);
	ok = mssql_observe_share(&facts, &t, d->topo.backup_share, dbs, n) == 0 &&
	     facts.n_backups > 0;
	if (ok)
		observed_add_backups(&pp->observed, inst, &facts);
	mssql_facts_release(&facts);
	free(dbs);
	return ok;
}

void pipeline_plan(struct pipeline *p, struct pipeline_pool *pp)
{
	struct planner_opts opts = {.allow_data_loss = p->allow_data_loss,
	                            .previous = pp->has_previous ? &pp->previous : NULL};

	planner_run(&pp->plan, &pp->desired, &pp->observed, &opts);
	pp->planned = true;
}

bool pipeline_observe_share(struct pipeline *p, struct pipeline_pool *pp)
{
	const char *inst;

	return pp->planned && pp->desired.topo.backup_share && (inst = share_catch_up(&pp->plan)) &&
	       observe_share(p, pp, inst);
}

bool pipeline_plan_share(struct pipeline *p, struct pipeline_pool *pp)
{
	if (!pipeline_observe_share(p, pp))
		return false;
	plan_release(&pp->plan);
	plan_init(&pp->plan);
	pipeline_plan(p, pp);
	return true;
}

void pipeline_release(struct pipeline *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_pools; i++) {
		plan_release(&p->pools[i].plan);
		pipeline_previous_release(&p->pools[i]);
	}
	free(p->pools);
	mssql_early_free(p->early);
	arena_release(&p->arena);
	spec_set_release(&p->set);
	gitsrc_specs_free(p->specs);
	gitsrc_free(p->src);
	config_free(p->config);
	memset(p, 0, sizeof(*p));
}
