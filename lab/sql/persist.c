/*
 * persist: saves and loads one instance's state (databases with their
 * state and mirroring metadata, endpoints, stored tables and rows) as a
 * line-oriented text file, <state_dir>/<instance>.state, written to a
 * temporary file and renamed so a crash never leaves half a file.
 * Sessions are not saved: a restarted instance has no connections.
 *
 * Format (version 1), one record per line, fields separated by a space:
 *   pcdr-lab-state 1
 *   endpoint ID TYPE PROTOCOL STATE ROLE ENCRYPTION ALGORITHM AUTH PORT sNAME sIP
 *   database sNAME ID STATE STANDBY READONLY ACCESS RECOVERY SIZE_MB CREATE_US [FILEFAULT]
 *            (FILEFAULT: DBFILE_*, absent in older files = none)
 *   mirror ON GUIDHEX ROLE STATE SAFETY WSTATE ROLESEQ SAFETYSEQ TIMEOUT
 *          sPARTNER sINSTANCE sWITNESS sFAILOVERLSN sENDLSN sREPLLSN
 *   recovery xDBGUID xFAMILY xFORK xFIRSTFORK sLASTLOGBACKUPLSN sFORKPOINTLSN
 *            sREDOSTARTLSN HASREDOFORK xREDOFORK xDATAFILE xLOGFILE
 *   table sSCHEMA sNAME          (belongs to the last database)
 *   col sNAME TYPE LENGTH PRECISION SCALE NULLABLE
 *   row VALUE...                 (one per column)
 * Text fields are "s" followed by the bytes with %XX for '%', bytes <= 0x20
 * and >= 0x7F. A value is "-" (NULL), an integer (integer types, BIT,
 * DATETIME/DATETIME2 as microseconds since 1970, then :NS when DATETIME2's
 * 100 ns digit is set), "x" + 32 hex digits
 * (UNIQUEIDENTIFIER), "f" + %.17g (FLOAT) or a text field (NVARCHAR,
 * VARCHAR, NUMERIC, VARBINARY). The file is trusted only as far as its
 * bounds are checked: a malformed file is refused, never half-loaded.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lab/sql/dblog.h"
#include "lab/sql/value.h"
#include "lab/sql/world.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define PERSIST_MAX_BYTES  (1u << 30)
#define PERSIST_MAX_FIELDS 2048

static void enc(struct strbuf *sb, const char *s, size_t n)
{
	strbuf_putc(sb, ' ');
	strbuf_putc(sb, 's');
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch <= 0x20 || ch >= 0x7F || ch == '%')
			strbuf_printf(sb, "%%%02X", ch);
		else
			strbuf_putc(sb, (char)ch);
	}
}

static void encs(struct strbuf *sb, const char *s)
{
	enc(sb, s, strlen(s));
}

static void put_value(struct strbuf *sb, const struct lab_value *v)
{
	if (v->is_null) {
		strbuf_puts(sb, " -");
		return;
	}
	switch (v->type) {
	case LAB_T_NVARCHAR:
	case LAB_T_VARCHAR:
	case LAB_T_NUMERIC:
	case LAB_T_VARBINARY:
		enc(sb, v->s ? v->s : "", v->slen);
		break;
	case LAB_T_FLOAT:
		strbuf_printf(sb, " f%.17g", v->f);
		break;
	case LAB_T_DATETIME:
	case LAB_T_DATETIME2:
		strbuf_printf(sb, " %" PRId64, v->time_us);
		if (v->time_ns)
			strbuf_printf(sb, ":%u", (unsigned)v->time_ns);
		break;
	case LAB_T_UNIQUEIDENTIFIER:
		strbuf_puts(sb, " x");
		for (int i = 0; i < 16; i++)
			strbuf_printf(sb, "%02X", v->guid[i]);
		break;
	default:
		strbuf_printf(sb, " %" PRId64, v->i);
		break;
	}
}

static void put_guid(struct strbuf *sb, const uint8_t g[16])
{
	strbuf_puts(sb, " x");
	for (int i = 0; i < 16; i++)
		strbuf_printf(sb, "%02X", g[i]);
}

static void put_recovery(struct strbuf *sb, const struct sqlrecovery *r)
{
	strbuf_puts(sb, "recovery");
	put_guid(sb, r->database_guid);
	put_guid(sb, r->family_guid);
	put_guid(sb, r->recovery_fork_guid);
	put_guid(sb, r->first_recovery_fork_guid);
	encs(sb, r->last_log_backup_lsn);
	encs(sb, r->fork_point_lsn);
	encs(sb, r->redo_start_lsn);
	strbuf_printf(sb, " %d", r->has_redo_start_fork);
	put_guid(sb, r->redo_start_fork_guid);
	put_guid(sb, r->data_file_guid);
	put_guid(sb, r->log_file_guid);
	strbuf_putc(sb, '\n');
}

static void put_db(struct strbuf *sb, const struct sqldb *db)
{
	const struct sqlmirror *m = &db->mirror;

	strbuf_puts(sb, "database");
	encs(sb, db->name);
	strbuf_printf(sb, " %d %d %d %d %d %d %u %" PRId64 " %d\n", db->id, db->state,
	              db->is_in_standby, db->is_read_only, db->user_access, db->recovery_model,
	              db->size_mb, db->create_us, db->file_fault);
	strbuf_printf(sb, "mirror %d x", m->on);
	for (int i = 0; i < 16; i++)
		strbuf_printf(sb, "%02X", m->guid[i]);
	strbuf_printf(sb, " %d %d %d %d %d %d %d", m->role, m->state, m->safety, m->witness_state,
	              m->role_sequence, m->safety_sequence, m->connection_timeout);
	encs(sb, m->partner_name);
	encs(sb, m->partner_instance);
	encs(sb, m->witness_name);
	encs(sb, m->failover_lsn);
	encs(sb, m->end_of_log_lsn);
	encs(sb, m->replication_lsn);
	strbuf_putc(sb, '\n');
	{ /* the restore point as the log has it now */
		struct sqlrecovery r = db->recovery;
		uint64_t redo;

		if (dblog_redo_start(db, &redo, r.redo_start_fork_guid)) {
			lsn_format(r.redo_start_lsn, sizeof(r.redo_start_lsn), redo);
			r.has_redo_start_fork = true;
		} else {
			r.redo_start_lsn[0] = '\0';
			r.has_redo_start_fork = false;
		}
		put_recovery(sb, &r);
	}
	for (size_t t = 0; t < db->tables.len; t++) {
		const struct sqltable *tb = db->tables.items[t];

		strbuf_puts(sb, "table");
		encs(sb, tb->schema);
		encs(sb, tb->name);
		strbuf_putc(sb, '\n');
		for (size_t k = 0; k < tb->n_cols; k++) {
			const struct lab_column *c = &tb->cols[k];

			strbuf_puts(sb, "col");
			encs(sb, c->name);
			strbuf_printf(sb, " %d %d %d %d %d\n", c->type, c->length, c->precision,
			              c->scale, c->nullable);
		}
		for (size_t r = 0; r < tb->rows.len; r++) {
			strbuf_puts(sb, "row");
			for (size_t k = 0; k < tb->n_cols; k++)
				put_value(sb, &tb->rows.items[r][k]);
			strbuf_putc(sb, '\n');
		}
	}
}

static char *state_path(const struct sqlinstance *inst, const char *dir, const char *suffix)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_printf(&sb, "%s/", dir);
	for (const char *p = inst->name; *p; p++)
		strbuf_putc(&sb, *p == '/' || *p == '\\' ? '_' : *p);
	strbuf_puts(&sb, suffix);
	return strbuf_detach(&sb, NULL);
}

int persist_save_instance(struct sqlinstance *inst, const char *dir)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = state_path(inst, dir, ".state"), *tmp = state_path(inst, dir, ".state.tmp");
	FILE *f = NULL;
	int rc = 0;

	mkdir(dir, 0755);
	strbuf_puts(&sb, "pcdr-lab-state 1\n");
	for (size_t i = 0; i < inst->endpoints.len; i++) {
		const struct sqlendpoint *e = &inst->endpoints.items[i];

		strbuf_printf(&sb, "endpoint %d %d %d %d %d %d %d %d %d", e->id, e->type,
		              e->protocol, e->state, e->role, e->encryption,
		              e->encryption_algorithm, e->connection_auth, e->port);
		encs(&sb, e->name);
		encs(&sb, e->ip);
		strbuf_putc(&sb, '\n');
	}
	for (size_t i = 0; i < inst->dbs.len; i++)
		put_db(&sb, inst->dbs.items[i]);
	f = fopen(tmp, "w");
	if (!f) {
		rc = err_set_errno(ERR_IO, "cannot write '%s'", tmp);
		goto done;
	}
	if (fwrite(sb.ptr, 1, sb.len, f) != sb.len || fclose(f) != 0) {
		f = NULL;
		rc = err_set_errno(ERR_IO, "cannot write '%s'", tmp);
		goto done;
	}
	f = NULL;
	if (rename(tmp, path) != 0)
		rc = err_set_errno(ERR_IO, "cannot rename '%s'", tmp);
done:
	if (f)
		fclose(f);
	strbuf_release(&sb);
	free(path);
	free(tmp);
	return rc;
}

/* --- loading ------------------------------------------------------------ */

struct loader {
	struct sqlinstance *inst;
	struct sqldb *db;
	struct sqltable *t;
	const char *path;
	int line;
};

static int bad(const struct loader *L)
{
	return err_set(ERR_INVALID, "malformed state file '%s' at line %d", L->path, L->line);
}

/* Decode a text field in place. */
static int dec(char *f, const char **out, size_t *n)
{
	char *w = f;

	if (*f++ != 's')
		return -1;
	*out = w;
	while (*f) {
		if (*f == '%') {
			unsigned v;
			char hex[3] = {f[1], f[1] ? f[2] : 0, 0};
			char *end;

			v = (unsigned)strtoul(hex, &end, 16);
			if (end != hex + 2)
				return -1;
			*w++ = (char)v;
			f += 3;
		} else {
			*w++ = *f++;
		}
	}
	*w = '\0';
	*n = (size_t)(w - *out);
	return 0;
}

static int num(const char *f, int64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoll(f, &end, 10);
	return (*f && !*end && errno == 0) ? 0 : -1;
}

static int nums(char **fld, size_t from, size_t count, int64_t *out)
{
	for (size_t i = 0; i < count; i++)
		if (num(fld[from + i], &out[i]))
			return -1;
	return 0;
}

static int guid_hex(const char *f, uint8_t g[16])
{
	if (f[0] != 'x' || strlen(f) != 33)
		return -1;
	for (int i = 0; i < 16; i++) {
		char hex[3] = {f[1 + 2 * i], f[2 + 2 * i], 0};
		char *end;

		g[i] = (uint8_t)strtoul(hex, &end, 16);
		if (end != hex + 2)
			return -1;
	}
	return 0;
}

static int copy_text(char *dst, size_t cap, char *f)
{
	const char *s;
	size_t n;

	if (dec(f, &s, &n) || n >= cap)
		return -1;
	memcpy(dst, s, n + 1);
	return 0;
}

static int load_endpoint(struct loader *L, char **fld, size_t nf)
{
	struct sqlendpoint e;
	int64_t v[9];

	memset(&e, 0, sizeof(e));
	if (nf != 12 || nums(fld, 1, 9, v) || copy_text(e.name, sizeof(e.name), fld[10]) ||
	    copy_text(e.ip, sizeof(e.ip), fld[11]))
		return bad(L);
	e.id = (int32_t)v[0];
	e.type = (uint8_t)v[1];
	e.protocol = (uint8_t)v[2];
	e.state = (uint8_t)v[3];
	e.role = (uint8_t)v[4];
	e.encryption = v[5] != 0;
	e.encryption_algorithm = (uint8_t)v[6];
	e.connection_auth = (uint8_t)v[7];
	e.port = (int32_t)v[8];
	vec_push(&L->inst->endpoints, e);
	return 0;
}

static int load_database(struct loader *L, char **fld, size_t nf)
{
	const char *name;
	size_t n;
	int64_t v[8], fault = DBFILE_OK;

	if ((nf != 10 && nf != 11) || dec(fld[1], &name, &n) || nums(fld, 2, 8, v) || v[0] <= 0 ||
	    v[0] > 32767 || v[1] < 0 || v[1] > 6 ||
	    (nf == 11 && (num(fld[10], &fault) || fault < DBFILE_OK || fault > DBFILE_CORRUPT)))
		return bad(L);
	L->db = world_db_create(L->inst, name, (int32_t)v[0]);
	if (!L->db)
		return bad(L);
	L->db->state = (uint8_t)v[1];
	L->db->is_in_standby = v[2] != 0;
	L->db->is_read_only = v[3] != 0;
	L->db->user_access = (uint8_t)(v[4] % 3);
	L->db->recovery_model = (uint8_t)(v[5] >= 1 && v[5] <= 3 ? v[5] : 1);
	L->db->size_mb = (unsigned)v[6];
	L->db->create_us = v[7];
	L->db->file_fault = (uint8_t)fault;
	L->t = NULL;
	return 0;
}

static int load_mirror(struct loader *L, char **fld, size_t nf)
{
	struct sqlmirror *m;
	int64_t v[8];

	if (!L->db || nf != 16 || num(fld[1], &v[0]) || nums(fld, 3, 7, v + 1))
		return bad(L);
	m = &L->db->mirror;
	m->on = v[0] != 0;
	if (guid_hex(fld[2], m->guid))
		return bad(L);
	m->role = (uint8_t)v[1];
	m->state = (uint8_t)v[2];
	m->safety = (uint8_t)v[3];
	m->witness_state = (uint8_t)v[4];
	m->role_sequence = (int32_t)v[5];
	m->safety_sequence = (int32_t)v[6];
	m->connection_timeout = (int32_t)v[7];
	if (copy_text(m->partner_name, sizeof(m->partner_name), fld[10]) ||
	    copy_text(m->partner_instance, sizeof(m->partner_instance), fld[11]) ||
	    copy_text(m->witness_name, sizeof(m->witness_name), fld[12]) ||
	    copy_text(m->failover_lsn, sizeof(m->failover_lsn), fld[13]) ||
	    copy_text(m->end_of_log_lsn, sizeof(m->end_of_log_lsn), fld[14]) ||
	    copy_text(m->replication_lsn, sizeof(m->replication_lsn), fld[15]))
		return bad(L);
	return 0;
}

static int load_recovery(struct loader *L, char **fld, size_t nf)
{
	struct sqlrecovery *r;
	int64_t has;

	if (!L->db || nf != 12)
		return bad(L);
	r = &L->db->recovery;
	if (guid_hex(fld[1], r->database_guid) || guid_hex(fld[2], r->family_guid) ||
	    guid_hex(fld[3], r->recovery_fork_guid) ||
	    guid_hex(fld[4], r->first_recovery_fork_guid) ||
	    copy_text(r->last_log_backup_lsn, sizeof(r->last_log_backup_lsn), fld[5]) ||
	    copy_text(r->fork_point_lsn, sizeof(r->fork_point_lsn), fld[6]) ||
	    copy_text(r->redo_start_lsn, sizeof(r->redo_start_lsn), fld[7]) || num(fld[8], &has) ||
	    guid_hex(fld[9], r->redo_start_fork_guid) || guid_hex(fld[10], r->data_file_guid) ||
	    guid_hex(fld[11], r->log_file_guid))
		return bad(L);
	r->has_redo_start_fork = has != 0;
	return 0;
}

static int load_table(struct loader *L, char **fld, size_t nf)
{
	const char *schema, *name;
	size_t n;

	if (!L->db || nf != 3 || dec(fld[1], &schema, &n) || dec(fld[2], &name, &n) ||
	    world_table_find(L->db, schema, name))
		return bad(L);
	L->t = world_table_create(L->db, schema, name, NULL, 0);
	return 0;
}

static int load_col(struct loader *L, char **fld, size_t nf)
{
	struct lab_column *c;
	const char *name;
	size_t n;
	int64_t v[5];

	if (!L->t || L->t->rows.len || nf != 7 || dec(fld[1], &name, &n) || nums(fld, 2, 5, v) ||
	    v[0] < LAB_T_INT || v[0] > LAB_T_VARBINARY || L->t->n_cols >= 1024)
		return bad(L);
	L->t->cols = xrealloc(L->t->cols, (L->t->n_cols + 1) * sizeof(*L->t->cols));
	c = &L->t->cols[L->t->n_cols++];
	c->name = xstrdup(name);
	c->type = (enum lab_type)v[0];
	c->length = (int32_t)v[1];
	c->precision = (uint8_t)v[2];
	c->scale = (uint8_t)v[3];
	c->nullable = v[4] != 0;
	return 0;
}

static int load_value(char *f, enum lab_type t, struct lab_value *v)
{
	*v = sqlval_null(t);
	if (!strcmp(f, "-"))
		return 0;
	v->is_null = false;
	switch (t) {
	case LAB_T_NVARCHAR:
	case LAB_T_VARCHAR:
	case LAB_T_NUMERIC:
	case LAB_T_VARBINARY:
		return dec(f, &v->s, &v->slen);
	case LAB_T_FLOAT: {
		char *end;

		if (f[0] != 'f')
			return -1;
		v->f = strtod(f + 1, &end);
		return *end ? -1 : 0;
	}
	case LAB_T_UNIQUEIDENTIFIER:
		return guid_hex(f, v->guid);
	case LAB_T_DATETIME:
	case LAB_T_DATETIME2: {
		char *colon = strchr(f, ':');
		int64_t ns = 0;

		if (colon) {
			*colon = '\0';
			if (num(colon + 1, &ns) || ns < 0 || ns > 999)
				return -1;
		}
		v->time_ns = (uint16_t)ns;
		return num(f, &v->time_us);
	}
	default:
		return num(f, &v->i);
	}
}

static int load_row(struct loader *L, char **fld, size_t nf)
{
	struct lab_value *vals;

	if (!L->t || nf != L->t->n_cols + 1)
		return bad(L);
	vals = xcalloc(L->t->n_cols + 1, sizeof(*vals));
	for (size_t k = 0; k < L->t->n_cols; k++)
		if (load_value(fld[k + 1], L->t->cols[k].type, &vals[k])) {
			free(vals);
			return bad(L);
		}
	world_table_insert(L->t, vals);
	free(vals);
	return 0;
}

static int load_line(struct loader *L, char *line)
{
	char *fld[PERSIST_MAX_FIELDS + 2];
	size_t nf = 0;

	for (char *p = line; *p;) {
		while (*p == ' ')
			*p++ = '\0';
		if (!*p)
			break;
		if (nf >= PERSIST_MAX_FIELDS)
			return bad(L);
		fld[nf++] = p;
		while (*p && *p != ' ')
			p++;
	}
	if (nf == 0)
		return 0;
	if (!strcmp(fld[0], "endpoint"))
		return load_endpoint(L, fld, nf);
	if (!strcmp(fld[0], "database"))
		return load_database(L, fld, nf);
	if (!strcmp(fld[0], "mirror"))
		return load_mirror(L, fld, nf);
	if (!strcmp(fld[0], "recovery"))
		return load_recovery(L, fld, nf);
	if (!strcmp(fld[0], "table"))
		return load_table(L, fld, nf);
	if (!strcmp(fld[0], "col"))
		return load_col(L, fld, nf);
	if (!strcmp(fld[0], "row"))
		return load_row(L, fld, nf);
	return bad(L);
}

static int read_all(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "r");
	struct strbuf sb;
	char buf[65536];
	size_t n;

	if (!f)
		return errno == ENOENT ? 1 : err_set_errno(ERR_IO, "cannot read '%s'", path);
	strbuf_init(&sb, PERSIST_MAX_BYTES);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (strbuf_add(&sb, buf, n)) {
			fclose(f);
			strbuf_release(&sb);
			return err_set(ERR_LIMIT, "state file '%s' is too large", path);
		}
	fclose(f);
	*out = strbuf_detach(&sb, len);
	if (!*out)
		*out = xstrdup("");
	return 0;
}

int persist_load_instance(struct sqlinstance *inst, const char *dir)
{
	char *path = state_path(inst, dir, ".state"), *text = NULL, *p, *nl;
	struct loader L = {inst, NULL, NULL, path, 1};
	size_t len = 0;
	int rc = read_all(path, &text, &len);

	if (rc)
		goto done;
	if (strncmp(text, "pcdr-lab-state 1\n", 17) != 0) {
		rc = bad(&L);
		goto done;
	}
	inst->endpoints.len = 0;
	for (p = text + 17; *p && rc == 0; p = nl ? nl + 1 : p + strlen(p)) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		L.line++;
		rc = load_line(&L, p);
		if (!nl)
			break;
	}
	if (rc == 0 && !world_db_by_name(inst, "master"))
		rc = bad(&L);
done:
	free(text);
	free(path);
	return rc;
}
