/*
 * dblog: LSNs, the log of a user database, and how a session's changes
 * become log records. A change is captured at its first touch in a
 * statement (txn.c calls dblog_touch with the table as it was before),
 * and committed when the statement ends with no transaction open, or at
 * the outermost COMMIT: the difference between the rows before and the
 * rows now, as redo operations (dblog_redo.c) under one new LSN. A
 * ROLLBACK leaves no difference, so it logs nothing. A new log starts
 * with an image of the database's tables, so replaying it from its first
 * LSN rebuilds the database; its first LSN derives from the clock (a new
 * virtual log file per hour of the year), so LSNs keep growing across
 * restarts of the lab.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/dblog.h"
#include "lab/sql/value.h"
#include "util/xalloc.h"

void lsn_format(char *buf, size_t cap, uint64_t lsn)
{
	if (lsn == 0)
		snprintf(buf, cap, "%s", "");
	else
		snprintf(buf, cap, "%" PRIu64, lsn);
}

uint64_t lsn_parse(const char *s)
{
	uint64_t v = 0;

	if (!s || !*s)
		return 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	return v;
}

uint64_t lsn_succ(uint64_t lsn)
{
	uint64_t slot = lsn % LSN_BLK_UNIT;

	if (slot < 99999)
		return lsn + 1;
	return lsn - slot + LSN_BLK_UNIT + 1; /* next block, slot 1 */
}

bool dblog_user_db(const struct sqldb *db)
{
	return db->id > 4;
}

/* VLF = hours since 2026-01-01 (plus 30), block = microseconds into the
 * hour / 1000: later starts always give larger LSNs. */
static uint64_t first_lsn(const struct sqldb *db)
{
	int64_t us = sqlval_now_us() - 1767225600LL * 1000000LL;
	uint64_t hours, blk, lsn, saved;

	if (us < 0)
		us = 0;
	hours = (uint64_t)(us / 3600000000LL);
	blk = (uint64_t)(us % 3600000000LL) / 1000u;
	lsn = (30 + hours) * LSN_VLF_UNIT + blk * LSN_BLK_UNIT + 1;
	saved = lsn_parse(db->mirror.end_of_log_lsn);
	if (saved >= lsn)
		lsn = (saved / LSN_VLF_UNIT + 1) * LSN_VLF_UNIT + LSN_BLK_UNIT + 1;
	return lsn;
}

struct dblog *dblog_of(struct sqldb *db)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n;

	if (!dblog_user_db(db))
		return NULL;
	if (db->log)
		return db->log;
	db->log = xcalloc(1, sizeof(*db->log));
	db->log->next = first_lsn(db);
	db->log->begins_chain = true;
	/* after a restart: the chain and the restore point survive in the
	 * saved recovery fields; the image record below covers the gap */
	db->log->last_log_backup = lsn_parse(db->recovery.last_log_backup_lsn);
	if (db->log->last_log_backup) {
		db->log->chain_first = db->log->last_log_backup;
		db->log->begins_chain = false;
	}
	if (db->state == DB_RESTORING || db->is_in_standby) {
		db->log->redo_next = lsn_parse(db->recovery.redo_start_lsn);
		memcpy(db->log->redo_fork,
		       db->recovery.has_redo_start_fork ? db->recovery.redo_start_fork_guid
		                                        : db->recovery.recovery_fork_guid,
		       16);
	}
	dblog_image(&sb, db);
	n = sb.len;
	dblog_append(db->log, (uint8_t *)strbuf_detach(&sb, &n), n);
	return db->log;
}

bool dblog_redo_start(const struct sqldb *db, uint64_t *lsn, uint8_t fork[16])
{
	const struct sqlrecovery *r = &db->recovery;

	*lsn = 0;
	memset(fork, 0, 16);
	if (db->state != DB_RESTORING && !db->is_in_standby)
		return false;
	if (db->log) {
		*lsn = db->log->redo_next;
		memcpy(fork, db->log->redo_fork, 16);
	} else {
		*lsn = lsn_parse(r->redo_start_lsn);
		memcpy(fork,
		       r->has_redo_start_fork ? r->redo_start_fork_guid : r->recovery_fork_guid,
		       16);
	}
	return *lsn != 0;
}

struct dblog *dblog_reset(struct sqldb *db, uint64_t next)
{
	dblog_free(db->log);
	db->log = NULL;
	if (!dblog_user_db(db))
		return NULL;
	db->log = xcalloc(1, sizeof(*db->log));
	db->log->next = next;
	db->log->redo_next = next;
	memcpy(db->log->redo_fork, db->recovery.recovery_fork_guid, 16);
	return db->log;
}

int dblog_apply_records(struct sqldb *db, const uint8_t *data, size_t len, uint64_t from,
                        uint64_t to, bool apply)
{
	struct dbrd r = {data, len, 0, false};

	while (r.i < r.n && !r.bad) {
		uint64_t lsn = dbr_u64(&r);
		size_t n;
		const uint8_t *p = dbr_bytes(&r, &n);

		if (!p && n)
			return -1;
		if (lsn < from || lsn >= to)
			continue;
		if (dblog_redo(db, p, n, apply))
			return -1;
		if (apply && db->log)
			dblog_keep(db->log, lsn, p, n);
	}
	return r.bad ? -1 : 0;
}

void dblog_recover(struct sqldb *db)
{
	struct dblog *log = dblog_of(db);

	db->state = DB_ONLINE;
	db->is_in_standby = false;
	db->recovery.redo_start_lsn[0] = '\0';
	db->recovery.has_redo_start_fork = false;
	if (!log)
		return;
	memcpy(log->prev_fork, db->recovery.recovery_fork_guid, 16);
	log->fork_point = log->redo_next > log->next ? log->redo_next : log->next;
	if (log->next < log->fork_point)
		log->next = log->fork_point;
	/* the fork it branches from, paired with fork_point_lsn */
	memcpy(db->recovery.first_recovery_fork_guid, log->prev_fork, 16);
	world_new_guid(db->recovery.recovery_fork_guid);
	lsn_format(db->recovery.fork_point_lsn, sizeof(db->recovery.fork_point_lsn),
	           log->fork_point);
	log->redo_next = 0;
}

static void pending_free(struct dbpending *p)
{
	for (size_t i = 0; i < p->n_pre; i++)
		free(p->pre[i].p);
	free(p->pre);
	free(p->schema);
	free(p->name);
}

void dblog_free(struct dblog *log)
{
	if (!log)
		return;
	for (size_t i = 0; i < log->recs.len; i++)
		free(log->recs.items[i].data);
	vec_free(&log->recs);
	for (size_t i = 0; i < log->pending.len; i++)
		pending_free(&log->pending.items[i]);
	vec_free(&log->pending);
	free(log);
}

uint64_t dblog_append(struct dblog *log, uint8_t *data, size_t len)
{
	struct dblogrec r = {log->next, data, len};

	vec_push(&log->recs, r);
	log->next = lsn_succ(log->next);
	log->last = r.lsn;
	return r.lsn;
}

void dblog_keep(struct dblog *log, uint64_t lsn, const uint8_t *data, size_t len)
{
	struct dblogrec r = {lsn, NULL, len};

	if (len) {
		r.data = xmalloc(len);
		memcpy(r.data, data, len);
	}
	vec_push(&log->recs, r);
	if (lsn >= log->next)
		log->next = lsn_succ(lsn);
	if (lsn > log->last)
		log->last = lsn;
}

void dblog_truncate(struct dblog *log, uint64_t lsn)
{
	size_t keep = 0;

	if (lsn > log->trunc_lsn)
		log->trunc_lsn = lsn;
	for (size_t i = 0; i < log->recs.len; i++) {
		if (log->recs.items[i].lsn < lsn)
			free(log->recs.items[i].data);
		else
			log->recs.items[keep++] = log->recs.items[i];
	}
	log->recs.len = keep;
}

static int row_cmp(const void *a, const void *b)
{
	const struct dbrow *x = a, *y = b;
	size_t n = x->n < y->n ? x->n : y->n;
	int c = memcmp(x->p, y->p, n);

	if (c)
		return c;
	return x->n < y->n ? -1 : x->n > y->n;
}

/* The table's rows, encoded and sorted (leaving out `skip`). */
static struct dbrow *encode_rows(const struct sqltable *t, const struct lab_value *skip, size_t *n)
{
	struct dbrow *rows = xcalloc(t->rows.len + 1, sizeof(*rows));
	size_t k = 0;

	for (size_t i = 0; i < t->rows.len; i++) {
		struct strbuf sb = STRBUF_INIT;

		if (t->rows.items[i] == skip)
			continue;
		dbenc_row(&sb, t, t->rows.items[i]);
		rows[k].n = sb.len;
		rows[k].p = (uint8_t *)strbuf_detach(&sb, &rows[k].n);
		k++;
	}
	qsort(rows, k, sizeof(*rows), row_cmp);
	*n = k;
	return rows;
}

/* Encode rows [0, n) as the pre-image. */
static struct dbrow *encode_first(const struct sqltable *t, size_t n, size_t *out)
{
	struct sqltable head = *t;

	head.rows.len = n < t->rows.len ? n : t->rows.len;
	return encode_rows(&head, NULL, out);
}

void dblog_touch(struct lab_session *s, struct sqldb *db, const struct sqltable *t,
                 const struct lab_value *added, bool created)
{
	struct dblog *log = dblog_of(db);
	struct dbpending p;

	if (!log || t->name[0] == '#')
		return;
	for (size_t i = 0; i < log->pending.len; i++) {
		struct dbpending *q = &log->pending.items[i];

		if (q->spid != s->spid || strcasecmp(q->schema, t->schema) ||
		    strcasecmp(q->name, t->name))
			continue;
		if (q->insert_only && !added) { /* the first change that is not an append */
			q->pre = encode_first(t, q->n_before, &q->n_pre);
			q->insert_only = false;
		}
		return;
	}
	memset(&p, 0, sizeof(p));
	p.spid = s->spid;
	p.schema = xstrdup(t->schema);
	p.name = xstrdup(t->name);
	p.existed = !created;
	if (created) {
		p.pre = xcalloc(1, sizeof(*p.pre));
	} else if (added && t->rows.len && t->rows.items[t->rows.len - 1] == added) {
		p.insert_only = true; /* appends are logged as they are, not diffed */
		p.n_before = t->rows.len - 1;
	} else {
		p.pre = encode_rows(t, added, &p.n_pre);
	}
	vec_push(&log->pending, p);
}

/* Rows in `a` but not in `b` (both sorted), as `op` operations. */
static void diff(struct strbuf *sb, int op, const struct dbpending *p, const struct dbrow *a,
                 size_t na, const struct dbrow *b, size_t nb)
{
	size_t i = 0, j = 0;

	while (i < na) {
		int c = j < nb ? row_cmp(&a[i], &b[j]) : -1;

		if (c == 0) {
			i++;
			j++;
		} else if (c < 0) {
			dbenc_head(sb, op, p->schema, p->name);
			strbuf_add(sb, a[i].p, a[i].n);
			i++;
		} else {
			j++;
		}
	}
}

static void commit_one(struct strbuf *sb, struct sqldb *db, struct dbpending *p)
{
	struct sqltable *t = world_table_find(db, p->schema, p->name);
	struct dbrow *now;
	size_t n_now = 0;

	if (!t) {
		if (p->existed)
			dbenc_head(sb, DBOP_DROP, p->schema, p->name);
		return;
	}
	if (!p->existed)
		dbenc_create(sb, t);
	if (p->insert_only) {
		for (size_t r = p->n_before; r < t->rows.len; r++) {
			dbenc_head(sb, DBOP_INS, p->schema, p->name);
			dbenc_row(sb, t, t->rows.items[r]);
		}
		return;
	}
	now = encode_rows(t, NULL, &n_now);
	diff(sb, DBOP_DEL, p, p->pre, p->n_pre, now, n_now);
	diff(sb, DBOP_INS, p, now, n_now, p->pre, p->n_pre);
	for (size_t i = 0; i < n_now; i++)
		free(now[i].p);
	free(now);
}

static void commit_db(struct lab_session *s, struct sqldb *db)
{
	struct dblog *log = db->log;
	struct strbuf sb = STRBUF_INIT;
	size_t keep = 0, n;

	for (size_t i = 0; i < log->pending.len; i++) {
		struct dbpending *p = &log->pending.items[i];

		if (p->spid != s->spid) {
			log->pending.items[keep++] = *p;
			continue;
		}
		commit_one(&sb, db, p);
		pending_free(p);
	}
	log->pending.len = keep;
	if (sb.len == 0) {
		strbuf_release(&sb);
		return;
	}
	n = sb.len;
	dblog_append(log, (uint8_t *)strbuf_detach(&sb, &n), n);
	/* SIMPLE, or FULL before its first full backup: the log truncates
	 * itself at checkpoints; keep the newest records only */
	if ((db->recovery_model == 3 || log->chain_first == 0) && !db->mirror.on &&
	    log->recs.len > 512)
		dblog_truncate(log, log->recs.items[256].lsn);
}

void dblog_stmt_end(struct lab_session *s)
{
	struct sqlinstance *inst = s->inst;

	if (s->trancount > 0)
		return;
	for (size_t i = 0; i < inst->dbs.len; i++) {
		struct sqldb *db = inst->dbs.items[i];

		if (db->log && db->log->pending.len)
			commit_db(s, db);
	}
}
