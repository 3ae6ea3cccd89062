/*
 * value: typed SQL values of the lab (struct lab_value from engine.h):
 * construction, conversion (CAST/CONVERT rules for the types the lab
 * has), comparison with SQL Server's default collation semantics (case
 * insensitive, trailing spaces ignored) and text rendering. Values built
 * here live in an arena; sqlval_dup_heap/sqlval_free_heap are for rows
 * stored in tables. No arithmetic overflow checks beyond int64 and no
 * collations other than SQL_Latin1_General_CP1_CI_AS.
 */
#ifndef PCDR_LAB_SQL_VALUE_H
#define PCDR_LAB_SQL_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lab/engine.h"
#include "lab/sql/ast.h"
#include "util/arena.h"

struct lab_value sqlval_null(enum lab_type t);
struct lab_value sqlval_int(enum lab_type t, int64_t i);
struct lab_value sqlval_str(struct arena *a, enum lab_type t, const char *s, size_t n);
struct lab_value sqlval_cstr(struct arena *a, const char *s); /* NVARCHAR */
struct lab_value sqlval_time(enum lab_type t, int64_t us);
struct lab_value sqlval_float(double f);

bool sqlval_is_int(enum lab_type t);  /* INT BIGINT SMALLINT TINYINT BIT */
bool sqlval_is_text(enum lab_type t); /* NVARCHAR VARCHAR */
bool sqlval_is_num(enum lab_type t);  /* integers, NUMERIC, FLOAT */
bool sqlval_is_time(enum lab_type t);
/* SQL Server's data type precedence: higher wins in comparisons and
 * expressions of mixed types. */
int sqlval_precedence(enum lab_type t);
const char *sqlval_type_name(enum lab_type t); /* "int", "nvarchar" */

/*
 * Convert `in` to type `to` (CAST semantics; `style` as CONVERT's third
 * argument, -1 for none). 0, or -1 with *err set (245, 241, 8114, 220,
 * 8115). The result lives in `a`.
 */
int sqlval_convert(struct lab_value *out, const struct lab_value *in, const struct sqltype *to,
                   int style, struct arena *a, struct sqlerr *err);
/* Text form (what CAST(x AS nvarchar) gives), in `a`. */
const char *sqlval_text(const struct lab_value *v, struct arena *a, size_t *len);
/* Double of a numeric value (0 for others). */
double sqlval_double(const struct lab_value *v);
/* Integer of a numeric value, truncated and clamped to int64 (never UB
 * for huge or NaN doubles; 0 for NULL and non-numeric values). */
int64_t sqlval_i64(const struct lab_value *v);

/*
 * Compare two non-NULL values after converting to the type of higher
 * precedence. *cmp < 0, 0, > 0. 0, or -1 with *err (conversion failure).
 */
int sqlval_compare(int *cmp, const struct lab_value *x, const struct lab_value *y, struct arena *a,
                   struct sqlerr *err);
/* LIKE with %, _, [set] and [^set]; case insensitive. */
bool sqlval_like(const char *s, size_t sn, const char *p, size_t pn);

/* Deep copies: into an arena, or onto the heap (for stored rows). */
struct lab_value sqlval_dup(struct arena *a, const struct lab_value *v);
struct lab_value sqlval_dup_heap(const struct lab_value *v);
void sqlval_free_heap(struct lab_value *v);

/* Calendar helpers (UTC, proleptic Gregorian). */
int64_t sqlval_now_us(void);
/* Times are microseconds since 1970 plus ns (0..999, DATETIME2(7)'s
 * 100 ns digit). */
int sqlval_parse_time(int64_t *us, uint16_t *ns, const char *s, size_t n);
void sqlval_format_time(char *buf, size_t cap, int64_t us, uint16_t ns, int digits);
/* CAST(datetime AS varchar), style 0: "Nov 28 2026  1:19PM". */
void sqlval_format_style0(char *buf, size_t cap, int64_t us);
int sqlval_parse_guid(uint8_t out[16], const char *s, size_t n);
void sqlval_format_guid(char *buf, size_t cap, const uint8_t g[16]);

#endif
