/*
 * dblog_redo: the byte encoding of redo operations and values, and their
 * replay onto a database. An operation stream is a sequence of
 *   u8 op; str schema; str name; then per op:
 *   DBOP_CLEAR  (schema/name empty) drop every user table
 *   DBOP_CREATE u32 ncols, per column: str name, u8 type, u32 length,
 *             u8 precision, u8 scale, u8 nullable
 *   DBOP_DROP   nothing
 *   DBOP_INS / DBOP_DEL  u32 ncols, ncols values
 * A str is u32 length + bytes; integers are little-endian. A value is
 * u8 type, u8 is_null, then (not NULL) i64 for integers, BIT and times
 * (+ u16 ns for DATETIME2), 8 bytes of double for FLOAT, 16 bytes for a
 * UNIQUEIDENTIFIER, a str for text, NUMERIC and VARBINARY. Replay deletes
 * by value (the first row with the same encoding), which is exact for a
 * multiset of rows. Every read is bounds-checked: a stream is first
 * checked whole (apply = false), so a bad one is refused, never half-
 * applied.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/dblog.h"
#include "lab/sql/value.h"
#include "util/xalloc.h"

void dbw_u8(struct strbuf *sb, uint8_t v)
{
	strbuf_add(sb, &v, 1);
}

void dbw_u32(struct strbuf *sb, uint32_t v)
{
	uint8_t b[4];

	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	strbuf_add(sb, b, 4);
}

void dbw_u64(struct strbuf *sb, uint64_t v)
{
	uint8_t b[8];

	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	strbuf_add(sb, b, 8);
}

void dbw_bytes(struct strbuf *sb, const void *p, size_t n)
{
	dbw_u32(sb, (uint32_t)n);
	if (n)
		strbuf_add(sb, p, n);
}

static const uint8_t *take(struct dbrd *r, size_t n)
{
	const uint8_t *p;

	if (r->bad || n > r->n - r->i) {
		r->bad = true;
		return NULL;
	}
	p = r->p + r->i;
	r->i += n;
	return p;
}

uint8_t dbr_u8(struct dbrd *r)
{
	const uint8_t *p = take(r, 1);

	return p ? p[0] : 0;
}

uint32_t dbr_u32(struct dbrd *r)
{
	const uint8_t *p = take(r, 4);
	uint32_t v = 0;

	for (int i = 0; p && i < 4; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

uint64_t dbr_u64(struct dbrd *r)
{
	const uint8_t *p = take(r, 8);
	uint64_t v = 0;

	for (int i = 0; p && i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

const uint8_t *dbr_bytes(struct dbrd *r, size_t *n)
{
	*n = dbr_u32(r);
	return take(r, *n);
}

void dbenc_value(struct strbuf *sb, const struct lab_value *v)
{
	uint64_t bits;

	dbw_u8(sb, (uint8_t)v->type);
	dbw_u8(sb, v->is_null);
	if (v->is_null)
		return;
	switch (v->type) {
	case LAB_T_FLOAT:
		memcpy(&bits, &v->f, 8);
		dbw_u64(sb, bits);
		break;
	case LAB_T_UNIQUEIDENTIFIER:
		strbuf_add(sb, v->guid, 16);
		break;
	case LAB_T_DATETIME:
	case LAB_T_DATETIME2:
		dbw_u64(sb, (uint64_t)v->time_us);
		dbw_u32(sb, v->time_ns);
		break;
	case LAB_T_NVARCHAR:
	case LAB_T_VARCHAR:
	case LAB_T_NUMERIC:
	case LAB_T_VARBINARY:
		dbw_bytes(sb, v->s, v->slen);
		break;
	default:
		dbw_u64(sb, (uint64_t)v->i);
		break;
	}
}

/* A value onto the heap (as stored rows hold them). */
static int dec_value(struct dbrd *r, struct lab_value *v)
{
	uint64_t bits;
	const uint8_t *p;
	size_t n;
	uint8_t type = dbr_u8(r);

	memset(v, 0, sizeof(*v));
	if (type > LAB_T_VARBINARY)
		r->bad = true;
	v->type = (enum lab_type)type;
	v->is_null = dbr_u8(r) != 0;
	if (v->is_null || r->bad)
		return r->bad ? -1 : 0;
	switch (v->type) {
	case LAB_T_FLOAT:
		bits = dbr_u64(r);
		memcpy(&v->f, &bits, 8);
		break;
	case LAB_T_UNIQUEIDENTIFIER:
		p = take(r, 16);
		if (p)
			memcpy(v->guid, p, 16);
		break;
	case LAB_T_DATETIME:
	case LAB_T_DATETIME2:
		v->time_us = (int64_t)dbr_u64(r);
		v->time_ns = (uint16_t)(dbr_u32(r) % 1000);
		break;
	case LAB_T_NVARCHAR:
	case LAB_T_VARCHAR:
	case LAB_T_NUMERIC:
	case LAB_T_VARBINARY:
		p = dbr_bytes(r, &n);
		if (p) {
			char *s = xmalloc(n + 1);

			memcpy(s, p, n);
			s[n] = '\0';
			v->s = s;
			v->slen = n;
		}
		break;
	default:
		v->i = (int64_t)dbr_u64(r);
		break;
	}
	return r->bad ? -1 : 0;
}

void dbenc_row(struct strbuf *sb, const struct sqltable *t, const struct lab_value *row)
{
	dbw_u32(sb, (uint32_t)t->n_cols);
	for (size_t k = 0; k < t->n_cols; k++)
		dbenc_value(sb, &row[k]);
}

void dbenc_head(struct strbuf *sb, int op, const char *schema, const char *name)
{
	dbw_u8(sb, (uint8_t)op);
	dbw_bytes(sb, schema, strlen(schema));
	dbw_bytes(sb, name, strlen(name));
}

void dbenc_create(struct strbuf *sb, const struct sqltable *t)
{
	dbenc_head(sb, DBOP_CREATE, t->schema, t->name);
	dbw_u32(sb, (uint32_t)t->n_cols);
	for (size_t k = 0; k < t->n_cols; k++) {
		const struct lab_column *c = &t->cols[k];

		dbw_bytes(sb, c->name, strlen(c->name));
		dbw_u8(sb, (uint8_t)c->type);
		dbw_u32(sb, (uint32_t)c->length);
		dbw_u8(sb, c->precision);
		dbw_u8(sb, c->scale);
		dbw_u8(sb, c->nullable);
	}
}

void dblog_image(struct strbuf *sb, const struct sqldb *db)
{
	dbenc_head(sb, DBOP_CLEAR, "", "");
	for (size_t i = 0; i < db->tables.len; i++) {
		const struct sqltable *t = db->tables.items[i];

		dbenc_create(sb, t);
		for (size_t r = 0; r < t->rows.len; r++) {
			dbenc_head(sb, DBOP_INS, t->schema, t->name);
			dbenc_row(sb, t, t->rows.items[r]);
		}
	}
}

static char *dup_str(struct dbrd *r)
{
	size_t n;
	const uint8_t *p = dbr_bytes(r, &n);

	if (!p || n > SQL_MAX_IDENT * 4) {
		r->bad = true;
		return NULL;
	}
	return xstrndup((const char *)p, n);
}

static int redo_create(struct dbrd *r, struct sqldb *db, const char *schema, const char *name,
                       bool apply)
{
	uint32_t n = dbr_u32(r);
	struct sqlcoldef *cols;
	int rc = 0;

	if (r->bad || n == 0 || n > SQL_MAX_LIST)
		return -1;
	cols = xcalloc(n, sizeof(*cols));
	for (uint32_t k = 0; k < n && !r->bad; k++) {
		cols[k].name = dup_str(r);
		cols[k].type.type = (enum lab_type)dbr_u8(r);
		cols[k].type.length = (int32_t)dbr_u32(r);
		cols[k].type.precision = dbr_u8(r);
		cols[k].type.scale = dbr_u8(r);
		cols[k].nullable = dbr_u8(r) != 0;
		if (cols[k].type.type > LAB_T_VARBINARY)
			r->bad = true;
	}
	if (r->bad)
		rc = -1;
	else if (apply && !world_table_find(db, schema, name))
		world_table_create(db, schema, name, cols, n);
	for (uint32_t k = 0; k < n; k++)
		free((char *)cols[k].name);
	free(cols);
	return rc;
}

static bool same_row(const struct sqltable *t, const struct lab_value *row, const uint8_t *enc,
                     size_t n)
{
	struct strbuf sb;
	bool same;

	strbuf_init(&sb, 0);
	dbenc_row(&sb, t, row);
	same = sb.len == n && memcmp(sb.ptr, enc, n) == 0;
	strbuf_release(&sb);
	return same;
}

static void free_vals(struct lab_value *v, size_t n)
{
	for (size_t k = 0; v && k < n; k++)
		sqlval_free_heap(&v[k]);
	free(v);
}

static int redo_row(struct dbrd *r, struct sqldb *db, int op, const char *schema, const char *name,
                    bool apply)
{
	size_t start = r->i, ncols = dbr_u32(r);
	struct sqltable *t = apply ? world_table_find(db, schema, name) : NULL;
	struct lab_value *vals;

	if (r->bad || ncols == 0 || ncols > SQL_MAX_LIST)
		return -1;
	vals = xcalloc(ncols, sizeof(*vals));
	for (size_t k = 0; k < ncols && !r->bad; k++)
		dec_value(r, &vals[k]);
	if (r->bad || !t || t->n_cols != ncols) {
		free_vals(vals, ncols);
		return r->bad ? -1 : 0;
	}
	if (op == DBOP_INS) {
		world_table_insert(t, vals);
	} else {
		for (size_t i = 0; i < t->rows.len; i++)
			if (same_row(t, t->rows.items[i], r->p + start, r->i - start)) {
				free_vals(t->rows.items[i], t->n_cols);
				memmove(&t->rows.items[i], &t->rows.items[i + 1],
				        (t->rows.len - i - 1) * sizeof(*t->rows.items));
				t->rows.len--;
				break;
			}
	}
	free_vals(vals, ncols);
	return 0;
}

static void clear_tables(struct sqldb *db)
{
	while (db->tables.len)
		world_table_drop(db, db->tables.items[db->tables.len - 1]);
}

int dblog_redo(struct sqldb *db, const uint8_t *data, size_t len, bool apply)
{
	struct dbrd r = {data, len, 0, false};
	size_t ops = 0;

	while (r.i < r.n && !r.bad) {
		int op = dbr_u8(&r), rc = 0;
		char *schema = dup_str(&r), *name = dup_str(&r);
		struct sqltable *t;

		if (r.bad || ++ops > DBLOG_MAX_OPS)
			rc = -1;
		else if (op == DBOP_CLEAR && apply)
			clear_tables(db);
		else if (op == DBOP_CREATE)
			rc = redo_create(&r, db, schema, name, apply);
		else if (op == DBOP_DROP && apply && (t = world_table_find(db, schema, name)))
			world_table_drop(db, t);
		else if (op == DBOP_INS || op == DBOP_DEL)
			rc = redo_row(&r, db, op, schema, name, apply);
		else if (op < DBOP_CLEAR || op > DBOP_DEL)
			rc = -1;
		free(schema);
		free(name);
		if (rc)
			return -1;
	}
	return r.bad ? -1 : 0;
}
