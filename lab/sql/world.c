/*
 * world: lab_world_* and lab_session_open/close of engine.h. Builds the
 * instances of a topology (master, tempdb, model, msdb, then the
 * topology's databases; the default TSQL endpoints), or loads them from
 * state_dir; checks SQL logins (18456) and the login database (4060,
 * 927, 954); keeps the session list that sys.dm_exec_sessions shows.
 * Also the database/table helpers the executor and later issues use.
 * Windows logins, login triggers and contained users are not modelled.
 */
#include "lab/sql/world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lab/sql/dblog.h"
#include "lab/sql/value.h"
#include "util/err.h"
#include "util/xalloc.h"

/* --- databases and tables ------------------------------------------- */

struct sqldb *world_db_by_name(struct sqlinstance *inst, const char *name)
{
	for (size_t i = 0; i < inst->dbs.len; i++)
		if (strcasecmp(inst->dbs.items[i]->name, name) == 0)
			return inst->dbs.items[i];
	return NULL;
}

struct sqldb *world_db_by_id(struct sqlinstance *inst, int32_t id)
{
	for (size_t i = 0; i < inst->dbs.len; i++)
		if (inst->dbs.items[i]->id == id)
			return inst->dbs.items[i];
	return NULL;
}

void world_new_guid(uint8_t g[16])
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static uint64_t state;

	pthread_mutex_lock(&lock);
	if (state == 0)
		state = (uint64_t)sqlval_now_us() ^ ((uint64_t)getpid() << 32) ^
		        0x9E3779B97F4A7C15ull;
	for (int i = 0; i < 16; i++) {
		state ^= state << 13;
		state ^= state >> 7;
		state ^= state << 17;
		g[i] = (uint8_t)(state >> 24);
	}
	pthread_mutex_unlock(&lock);
	g[7] = (uint8_t)((g[7] & 0x0F) | 0x40); /* version 4, wire order */
	g[8] = (uint8_t)((g[8] & 0x3F) | 0x80);
}

struct sqldb *world_db_create(struct sqlinstance *inst, const char *name, int32_t id)
{
	struct sqldb *db;

	if (world_db_by_name(inst, name))
		return NULL;
	db = xcalloc(1, sizeof(*db));
	db->name = xstrdup(name);
	db->id = id > 0 ? id : inst->next_db_id;
	if (db->id >= inst->next_db_id)
		inst->next_db_id = db->id + 1;
	db->recovery_model = 1;
	db->create_us = sqlval_now_us();
	db->mirror.connection_timeout = 10;
	world_new_guid(db->recovery.database_guid);
	memcpy(db->recovery.family_guid, db->recovery.database_guid, 16);
	world_new_guid(db->recovery.recovery_fork_guid);
	memcpy(db->recovery.first_recovery_fork_guid, db->recovery.recovery_fork_guid, 16);
	world_new_guid(db->recovery.data_file_guid);
	world_new_guid(db->recovery.log_file_guid);
	vec_push(&inst->dbs, db);
	return db;
}

struct sqltable *world_table_find(struct sqldb *db, const char *schema, const char *name)
{
	for (size_t i = 0; i < db->tables.len; i++) {
		struct sqltable *t = db->tables.items[i];

		if (strcasecmp(t->name, name) == 0 &&
		    strcasecmp(t->schema, schema && *schema ? schema : "dbo") == 0)
			return t;
	}
	return NULL;
}

struct sqltable *world_table_create(struct sqldb *db, const char *schema, const char *name,
                                    const struct sqlcoldef *cols, size_t n_cols)
{
	struct sqltable *t = xcalloc(1, sizeof(*t));

	t->schema = xstrdup(schema && *schema ? schema : "dbo");
	t->name = xstrdup(name);
	t->cols = xcalloc(n_cols ? n_cols : 1, sizeof(*t->cols));
	t->n_cols = n_cols;
	for (size_t i = 0; i < n_cols; i++) {
		struct lab_column *c = &t->cols[i];

		c->name = xstrdup(cols[i].name);
		c->type = cols[i].type.type;
		c->length = cols[i].type.length;
		c->precision = cols[i].type.precision;
		c->scale = cols[i].type.scale;
		c->nullable = cols[i].nullable;
	}
	vec_push(&db->tables, t);
	return t;
}

void world_table_insert(struct sqltable *t, const struct lab_value *vals)
{
	struct lab_value *row = xcalloc(t->n_cols ? t->n_cols : 1, sizeof(*row));

	for (size_t i = 0; i < t->n_cols; i++)
		row[i] = sqlval_dup_heap(&vals[i]);
	vec_push(&t->rows, row);
}

void world_table_free(struct sqltable *t)
{
	if (!t)
		return;
	for (size_t r = 0; r < t->rows.len; r++) {
		for (size_t i = 0; i < t->n_cols; i++)
			sqlval_free_heap(&t->rows.items[r][i]);
		free(t->rows.items[r]);
	}
	vec_free(&t->rows);
	for (size_t i = 0; i < t->n_cols; i++)
		free((char *)t->cols[i].name);
	free(t->cols);
	free(t->schema);
	free(t->name);
	free(t);
}

void world_table_detach(struct sqldb *db, struct sqltable *t)
{
	for (size_t i = 0; i < db->tables.len; i++)
		if (db->tables.items[i] == t) {
			memmove(&db->tables.items[i], &db->tables.items[i + 1],
			        (db->tables.len - i - 1) * sizeof(t));
			db->tables.len--;
			break;
		}
}

void world_table_drop(struct sqldb *db, struct sqltable *t)
{
	world_table_detach(db, t);
	world_table_free(t);
}

void world_db_free(struct sqldb *db)
{
	if (!db)
		return;
	for (size_t i = 0; i < db->tables.len; i++)
		world_table_free(db->tables.items[i]);
	vec_free(&db->tables);
	dblog_free(db->log);
	free(db->name);
	free(db);
}

/* --- instances ------------------------------------------------------ */

static uint8_t recovery_code(const char *s)
{
	if (s && strcasecmp(s, "SIMPLE") == 0)
		return 3;
	if (s && strcasecmp(s, "BULK_LOGGED") == 0)
		return 2;
	return 1;
}

static void add_endpoint(struct sqlinstance *inst, int32_t id, const char *name, uint8_t protocol,
                         int32_t port)
{
	struct sqlendpoint e;

	memset(&e, 0, sizeof(e));
	e.id = id;
	snprintf(e.name, sizeof(e.name), "%s", name);
	e.type = 2;
	e.protocol = protocol;
	e.port = port;
	vec_push(&inst->endpoints, e);
}

int world_instance_fresh(struct sqlinstance *inst, const struct lab_topo_instance *ti,
                         bool reinstalled)
{
	static const char *const sys[] = {"master", "tempdb", "model", "msdb"};

	for (int i = 0; i < 4; i++) {
		struct sqldb *db = world_db_create(inst, sys[i], i + 1);

		/* System databases: master, tempdb and msdb SIMPLE, model FULL */
		db->recovery_model = i == 2 ? 1 : 3;
		if (systables_install(db))
			return -1;
	}
	inst->next_db_id = 5;
	for (size_t i = 0; i < ti->n_databases; i++) {
		struct sqldb *db = world_db_create(inst, ti->databases[i].name, 0);

		if (!db)
			return err_set(ERR_INVALID, "database '%s' listed twice on '%s'",
			               ti->databases[i].name, ti->name);
		db->recovery_model = recovery_code(ti->databases[i].recovery);
		db->size_mb = reinstalled ? WORLD_NEW_DB_MB : ti->databases[i].size_mb;
		if (systables_install(db))
			return -1;
	}
	return 0;
}

/* The instance starts after a clean shutdown (`down` saved it): each
 * user database that was open, recovering or damaged runs recovery with
 * nothing to redo (recovery.c): ONLINE, or RECOVERY_PENDING / SUSPECT
 * when its files are lost or damaged. */
static void startup_recovery(struct sqlinstance *inst)
{
	for (size_t k = 0; k < inst->dbs.len; k++) {
		struct sqldb *db = inst->dbs.items[k];

		if ((db->state == DB_ONLINE && !db->is_in_standby) || db->state == DB_RECOVERING ||
		    db->state == DB_RECOVERY_PENDING || db->state == DB_SUSPECT)
			world_db_recover(db, 0);
	}
	world_recovery_tick(inst);
}

static int instance_create(struct sqlinstance **out, struct lab_world *w,
                           const struct lab_topo_instance *ti)
{
	struct sqlinstance *inst = xcalloc(1, sizeof(*inst));
	int rc;

	inst->world = w;
	inst->name = xstrdup(ti->name);
	inst->site = xstrdup(ti->site ? ti->site : "");
	pthread_mutex_init(&inst->lock, NULL);
	inst->next_db_id = 5;
	inst->next_spid = 51;
	inst->start_us = sqlval_now_us();
	add_endpoint(inst, 1, "Dedicated Admin Connection", 2, 0);
	add_endpoint(inst, 2, "TSQL Local Machine", 4, 0);
	add_endpoint(inst, 3, "TSQL Named Pipes", 3, 0);
	add_endpoint(inst, 4, "TSQL Default TCP", 2, 1433);
	add_endpoint(inst, 5, "TSQL Default VIA", 5, 0);
	*out = inst;
	rc = w->state_dir ? persist_load_instance(inst, w->state_dir) : 1;
	if (rc == 1)
		rc = world_instance_fresh(inst, ti, false);
	else if (rc == 0)
		startup_recovery(inst);
	return rc;
}

static void instance_free(struct sqlinstance *inst)
{
	if (!inst)
		return;
	for (size_t i = 0; i < inst->dbs.len; i++)
		world_db_free(inst->dbs.items[i]);
	vec_free(&inst->dbs);
	vec_free(&inst->sessions);
	vec_free(&inst->endpoints);
	pthread_mutex_destroy(&inst->lock);
	free(inst->name);
	free(inst->site);
	free(inst);
}

int lab_world_create(struct lab_world **out, const struct lab_topology *topo, const char *state_dir)
{
	struct lab_world *w = xcalloc(1, sizeof(*w));
	int rc = 0;

	*out = NULL;
	w->state_dir = state_dir ? xstrdup(state_dir) : NULL;
	w->logins = xcalloc(topo->n_logins ? topo->n_logins : 1, sizeof(*w->logins));
	w->n_logins = topo->n_logins;
	for (size_t i = 0; i < topo->n_logins; i++) {
		w->logins[i].name = xstrdup(topo->logins[i].name);
		w->logins[i].password =
		        xstrdup(topo->logins[i].password ? topo->logins[i].password : "");
		w->logins[i].sysadmin = topo->logins[i].sysadmin;
	}
	w->inst = xcalloc(topo->n_instances ? topo->n_instances : 1, sizeof(*w->inst));
	world_faults_init(w, topo);
	for (size_t i = 0; i < topo->n_instances && rc == 0; i++) {
		rc = instance_create(&w->inst[i], w, &topo->instances[i]);
		w->n_inst = i + 1;
	}
	if (rc == 0)
		rc = world_faults_load(w);
	if (rc) {
		lab_world_free(w);
		return rc < 0 ? rc : ERR_GENERIC;
	}
	*out = w;
	return 0;
}

void lab_world_free(struct lab_world *world)
{
	if (!world)
		return;
	lab_agent_stop(world); /* its threads use the instances */
	world_recovery_stop(world);
	for (size_t i = 0; i < world->n_inst; i++)
		instance_free(world->inst[i]);
	free(world->inst);
	for (size_t i = 0; i < world->n_logins; i++) {
		free(world->logins[i].name);
		if (world->logins[i].password)
			memset(world->logins[i].password, 0, strlen(world->logins[i].password));
		free(world->logins[i].password);
	}
	free(world->logins);
	world_faults_free(world);
	free(world->state_dir);
	free(world);
}

int lab_world_save(struct lab_world *world)
{
	if (!world->state_dir)
		return 0;
	for (size_t i = 0; i < world->n_inst; i++) {
		int rc;

		pthread_mutex_lock(&world->inst[i]->lock);
		rc = persist_save_instance(world->inst[i], world->state_dir);
		pthread_mutex_unlock(&world->inst[i]->lock);
		if (rc)
			return rc;
	}
	return world_faults_save(world);
}

size_t lab_world_instance_count(const struct lab_world *world)
{
	return world->n_inst;
}

const char *lab_world_instance_name(const struct lab_world *world, size_t i)
{
	return i < world->n_inst ? world->inst[i]->name : NULL;
}

/* --- sessions ------------------------------------------------------- */

static int login_fail(struct lab_login_result *r, int32_t number, uint8_t severity, uint8_t state,
                      const char *text)
{
	r->error = number;
	r->severity = severity;
	r->state = state;
	snprintf(r->message, sizeof(r->message), "%s", text);
	return -1;
}

/* 927 / 954 / 942 when the database cannot be opened; 0 when it can. */
int world_db_openable(const struct sqldb *db, struct sqlerr *e)
{
	const char *fmt = NULL;
	int32_t number = 0;

	if (db->mirror.on && db->mirror.role == 2) {
		number = 954;
		fmt = "The database \"%s\" cannot be opened. It is acting as a mirror database.";
	} else if (db->state == DB_RESTORING) {
		number = 927;
		fmt = "Database '%s' cannot be opened. It is in the middle of a restore.";
	} else if (db->state == DB_OFFLINE) {
		number = 942;
		fmt = "Database '%s' cannot be opened because it is offline.";
	} else if (db->state == DB_RECOVERING) {
		number = 922;
		fmt = "Database '%s' is being recovered. Waiting until recovery is finished.";
	} else if (db->state == DB_RECOVERY_PENDING) {
		number = 945;
		fmt = "Database '%s' cannot be opened due to inaccessible files or insufficient "
		      "memory or disk space. See the SQL Server errorlog for details.";
	} else if (db->state == DB_SUSPECT) {
		number = 926;
		fmt = "Database '%s' cannot be opened. It has been marked SUSPECT by recovery. See "
		      "the SQL Server errorlog for more information.";
	}
	if (!fmt)
		return 0;
	e->number = number;
	e->severity = number == 945 ? 16 : 14;
	e->state = 1;
	snprintf(e->text, sizeof(e->text), fmt, db->name);
	return -1;
}

static const struct sqllogin *find_login(const struct lab_world *w, const char *user)
{
	for (size_t i = 0; i < w->n_logins; i++)
		if (strcasecmp(w->logins[i].name, user) == 0)
			return &w->logins[i];
	return NULL;
}

static int open_database(struct sqlinstance *inst, const struct lab_login *login,
                         struct lab_session *s, struct lab_login_result *r)
{
	const char *name = login->database && *login->database ? login->database : "master";
	struct sqldb *db = world_db_by_name(inst, name);
	struct sqlerr e;
	char text[512];

	if (db && world_db_openable(db, &e)) {
		login_fail(r, e.number, e.severity, e.state, e.text);
		return -1;
	}
	if (!db) {
		snprintf(text, sizeof(text),
		         "Cannot open database \"%s\" requested by the login. The login failed.",
		         name);
		return login_fail(r, 4060, 11, 1, text);
	}
	s->db_id = db->id;
	snprintf(r->database, sizeof(r->database), "%s", db->name);
	if (db->mirror.on && db->mirror.role == 1)
		snprintf(r->partner, sizeof(r->partner), "%s", db->mirror.partner_instance);
	return 0;
}

int lab_session_open(struct lab_world *world, size_t instance, const struct lab_login *login,
                     struct lab_session **out, struct lab_login_result *result)
{
	const struct sqllogin *l;
	struct sqlinstance *inst;
	struct lab_session *s;
	char text[512];

	memset(result, 0, sizeof(*result));
	*out = NULL;
	if (instance >= world->n_inst)
		return login_fail(result, 18456, 14, 1, "Login failed.");
	inst = world->inst[instance];
	l = find_login(world, login->user ? login->user : "");
	if (!l || strcmp(l->password, login->password ? login->password : "") != 0) {
		snprintf(text, sizeof(text), "Login failed for user '%s'.",
		         login->user ? login->user : "");
		return login_fail(result, 18456, 14, 1, text);
	}
	s = xcalloc(1, sizeof(*s));
	s->inst = inst;
	snprintf(s->login, sizeof(s->login), "%s", l->name);
	snprintf(s->host, sizeof(s->host), "%s", login->host_name ? login->host_name : "");
	snprintf(s->app, sizeof(s->app), "%s", login->app_name ? login->app_name : "");
	s->sysadmin = l->sysadmin;
	s->login_us = s->last_batch_us = sqlval_now_us();
	s->tds_version = login->tds_version;
	s->packet_size = login->packet_size;
	pthread_mutex_lock(&inst->lock);
	world_recovery_tick(inst);
	if (open_database(inst, login, s, result)) {
		pthread_mutex_unlock(&inst->lock);
		free(s);
		return -1;
	}
	s->spid = inst->next_spid++;
	if (inst->next_spid > 32767)
		inst->next_spid = 51;
	vec_push(&inst->sessions, s);
	pthread_mutex_unlock(&inst->lock);
	result->spid = s->spid;
	*out = s;
	return 0;
}

void lab_session_close(struct lab_session *session)
{
	struct sqlinstance *inst;

	if (!session)
		return;
	inst = session->inst;
	pthread_mutex_lock(&inst->lock);
	txn_rollback(session); /* a connection that goes away rolls back */
	txn_release(session);
	for (size_t i = 0; i < inst->sessions.len; i++)
		if (inst->sessions.items[i] == session) {
			memmove(&inst->sessions.items[i], &inst->sessions.items[i + 1],
			        (inst->sessions.len - i - 1) * sizeof(session));
			inst->sessions.len--;
			break;
		}
	pthread_mutex_unlock(&inst->lock);
	free(session);
}

uint64_t lab_session_batches(const struct lab_session *session)
{
	return session->batches;
}
