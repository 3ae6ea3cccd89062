/*
 * mirror_ship: moving log from principal to mirror, and the session
 * states that follow from the link (mirror.h). While connected and not
 * SUSPENDED the mirror is kept at the principal's end of log: the
 * session is SYNCHRONIZED. After a disconnection the session is
 * SYNCHRONIZING ("the mirror database is catching up", Database
 * Mirroring Operating Modes) for the time the backlog (the principal's
 * log the mirror lacks) takes to send at the throughput (`pcdr-lab
 * throughput`); meanwhile the principal commits without waiting for
 * the mirror, then the backlog and what was committed since reach the
 * mirror and the session is SYNCHRONIZED again. A lost link or stopped partner shows
 * DISCONNECTED on both sides; the principal keeps running exposed. When
 * both copies claim the principal role after a forced service, the one
 * with the higher role sequence wins and the other becomes its mirror,
 * SUSPENDED, its sessions ended, until RESUME.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/dblog.h"
#include "lab/sql/mirror.h"
#include "util/strbuf.h"

void mirror_lock2(struct sqlinstance *a, struct sqlinstance *b)
{
	if (a == b) {
		pthread_mutex_lock(&a->lock);
	} else if ((uintptr_t)a < (uintptr_t)b) {
		pthread_mutex_lock(&a->lock);
		pthread_mutex_lock(&b->lock);
	} else {
		pthread_mutex_lock(&b->lock);
		pthread_mutex_lock(&a->lock);
	}
}

void mirror_unlock2(struct sqlinstance *a, struct sqlinstance *b)
{
	pthread_mutex_unlock(&a->lock);
	if (a != b)
		pthread_mutex_unlock(&b->lock);
}

struct sqlinstance *mirror_instance(struct lab_world *w, const char *name)
{
	for (size_t i = 0; name && i < w->n_inst; i++)
		if (!strcasecmp(w->inst[i]->name, name))
			return w->inst[i];
	return NULL;
}

struct sqldb *mirror_partner_db(struct sqlinstance *partner, const struct sqldb *db)
{
	struct sqldb *p = world_db_by_name(partner, db->name);

	if (!p || !p->mirror.on || memcmp(p->mirror.guid, db->mirror.guid, 16))
		return NULL;
	return p;
}

static void set_lsns(struct sqldb *db, uint64_t end)
{
	char buf[32];

	lsn_format(buf, sizeof(buf), end);
	snprintf(db->mirror.failover_lsn, sizeof(db->mirror.failover_lsn), "%s", buf);
	snprintf(db->mirror.end_of_log_lsn, sizeof(db->mirror.end_of_log_lsn), "%s", buf);
	snprintf(db->mirror.replication_lsn, sizeof(db->mirror.replication_lsn), "%s", buf);
}

void mirror_ship(struct sqldb *principal, struct sqldb *mirror)
{
	struct dblog *src = dblog_of(principal), *dst = dblog_of(mirror);
	uint64_t from = dst->redo_next;
	bool whole = from == 0 || from < src->trunc_lsn || from > src->next;

	for (size_t i = 0; !whole && i < src->recs.len; i++)
		if (i == 0 && src->recs.items[0].lsn > from)
			whole = true;
	if (whole) {
		struct strbuf sb = STRBUF_INIT;

		dblog_image(&sb, principal);
		dblog_redo(mirror, (const uint8_t *)sb.ptr, sb.len, true);
		strbuf_release(&sb);
	} else {
		for (size_t i = 0; i < src->recs.len; i++) {
			const struct dblogrec *r = &src->recs.items[i];

			if (r->lsn < from)
				continue;
			dblog_redo(mirror, r->data, r->len, true);
			dblog_keep(dst, r->lsn, r->data, r->len);
		}
	}
	if (dst->next < src->next)
		dst->next = src->next;
	dst->redo_next = src->next;
	memcpy(dst->redo_fork, principal->recovery.recovery_fork_guid, 16);
	memcpy(mirror->recovery.recovery_fork_guid, principal->recovery.recovery_fork_guid, 16);
	dst->last_log_backup = src->last_log_backup;
	dst->chain_first = src->chain_first;
	dst->last_full_ckpt = src->last_full_ckpt;
	src->mirror_sent = src->next;
	set_lsns(principal, src->next);
	set_lsns(mirror, src->next);
}

/* MB of log the mirror lacks: the records from its redo point on, or
 * an image of the whole database when it must resynchronize whole. */
static double backlog_mb(struct sqldb *principal, struct sqldb *mirror)
{
	struct dblog *src = dblog_of(principal), *dst = dblog_of(mirror);
	uint64_t from = dst->redo_next;
	double bytes = 0;

	if (from == 0 || from < src->trunc_lsn || from > src->next ||
	    (src->recs.len && src->recs.items[0].lsn > from)) {
		struct strbuf sb = STRBUF_INIT;

		dblog_image(&sb, principal);
		bytes = (double)sb.len;
		strbuf_release(&sb);
	} else {
		for (size_t i = 0; i < src->recs.len; i++)
			if (src->recs.items[i].lsn >= from)
				bytes += (double)src->recs.items[i].len;
	}
	return bytes / 1048576.0;
}

static void set_state(struct sqldb *a, struct sqldb *b, uint8_t st)
{
	if (a)
		a->mirror.state = st;
	if (b)
		b->mirror.state = st;
}

/* The loser of a two-principal meeting becomes the mirror. */
static void demote(struct sqlinstance *inst, struct sqldb *db, const struct sqldb *winner)
{
	size_t keep = 0;

	db->mirror.role = 2;
	db->mirror.role_sequence = winner->mirror.role_sequence;
	db->state = DB_RESTORING;
	db->mirror.state = 0;
	for (size_t i = 0; i < inst->sessions.len; i++) {
		struct lab_session *s = inst->sessions.items[i];

		if (s->db_id == db->id) {
			txn_rollback(s);
			__atomic_store_n(&s->killed, true, __ATOMIC_RELEASE);
		} else {
			inst->sessions.items[keep++] = s;
		}
	}
	inst->sessions.len = keep;
	if (db->log)
		db->log->redo_next = 0; /* its unsent log is lost: resync whole */
}

/* One mirrored database of `inst` with its partner locked too. */
static void pump_db(struct sqlinstance *inst, struct sqldb *db, struct sqlinstance *pi)
{
	struct sqldb *pd = mirror_partner_db(pi, db);
	struct sqldb *prin = db->mirror.role == 1 ? db : pd, *mir = db->mirror.role == 1 ? pd : db;

	if (!pd || !world_link_up(inst, pi)) {
		if (db->mirror.state != 0)
			db->mirror.state = 1; /* DISCONNECTED */
		return;
	}
	if (db->mirror.role == 1 && pd->mirror.role == 1) {
		bool mine = db->mirror.role_sequence >= pd->mirror.role_sequence;

		demote(mine ? pi : inst, mine ? pd : db, mine ? db : pd);
		prin = mine ? db : pd;
		mir = mine ? pd : db;
	}
	if (!prin || !mir || mir->mirror.role != 2)
		return;
	if (prin->mirror.state == 0 || mir->mirror.state == 0) {
		set_state(prin, mir, 0); /* SUSPENDED: the principal runs exposed */
		return;
	}
	if (prin->mirror.state == 1 || mir->mirror.state == 1) {
		double mbps = world_throughput_mbps(inst->world);
		int64_t us = mbps > 0 ? (int64_t)(backlog_mb(prin, mir) / mbps * 1e6) : 0;

		set_state(prin, mir, 2); /* reconnected: SYNCHRONIZING */
		prin->mirror.catchup_end_us = mir->mirror.catchup_end_us = world_mono_us() + us;
		return;
	}
	if (prin->mirror.state == 2 && world_mono_us() < prin->mirror.catchup_end_us)
		return; /* still catching up: the principal runs ahead */
	mirror_ship(prin, mir);
	set_state(prin, mir, 4);
}

void mirror_pump(struct sqlinstance *inst)
{
	char names[16][129], partners[16][256];
	size_t n = 0;

	pthread_mutex_lock(&inst->lock);
	for (size_t i = 0; i < inst->dbs.len && n < 16; i++) {
		const struct sqldb *db = inst->dbs.items[i];

		if (!db->mirror.on)
			continue;
		snprintf(names[n], sizeof(names[n]), "%s", db->name);
		snprintf(partners[n], sizeof(partners[n]), "%s", db->mirror.partner_instance);
		n++;
	}
	pthread_mutex_unlock(&inst->lock);
	for (size_t i = 0; i < n; i++) {
		struct sqlinstance *pi = mirror_instance(inst->world, partners[i]);
		struct sqldb *db;

		if (!pi || pi == inst)
			continue;
		mirror_lock2(inst, pi);
		db = world_db_by_name(inst, names[i]);
		if (db && db->mirror.on)
			pump_db(inst, db, pi);
		mirror_unlock2(inst, pi);
	}
}
