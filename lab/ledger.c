/*
 * ledger: parsing of the chat ledger and the pool history, and the check
 * behind `pcdr-lab verify` (formats and rules in ledger.h). The check is
 * a pure function of its inputs so that tests/unit/lab/test_ledger.c can
 * drive it with hand-made ledgers; reading files and asking the authority
 * for its rows is lab/verify.c. It never guesses: a malformed line is an
 * error naming the file and the line, not a skipped record.
 */
#include "lab/ledger.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/err.h"
#include "util/xalloc.h"

void ledger_time_format(char *buf, int64_t us)
{
	time_t secs = (time_t)(us / 1000000);
	long frac = (long)(us % 1000000);
	struct tm tm;
	char tmp[96];

	if (frac < 0) {
		frac += 1000000;
		secs--;
	}
	gmtime_r(&secs, &tm);
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
	tmp[LEDGER_TIME_SIZE - 1] = '\0';
	memcpy(buf, tmp, strlen(tmp) + 1);
}

/* n digits at s into *out; false unless they are all digits. */
static bool digits(const char *s, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*out = *out * 10 + (s[i] - '0');
	}
	return true;
}

int ledger_time_parse(const char *s, int64_t *out_us)
{
	int y, mo, d, h, mi, sec, scale = 100000;
	int64_t frac = 0;
	struct tm tm;
	const char *p = s + 19;

	if (strlen(s) < 19 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) ||
	    s[7] != '-' || !digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi) || s[16] != ':' ||
	    !digits(s + 17, 2, &sec) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		goto bad;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			goto bad;
		for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10)
			if (scale)
				frac += (int64_t)(*p - '0') * scale;
	}
	if (*p == 'Z')
		p++;
	if (*p)
		goto bad;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out_us = (int64_t)timegm(&tm) * 1000000 + frac;
	return 0;
bad:
	return err_set(ERR_INVALID,
	               "bad time '%.40s': expected UTC 'YYYY-MM-DDTHH:MM:SS[.ffffff][Z]'", s);
}

/* Hex digits [s, s+n) into *out; false unless n > 0 and all are hex. */
static bool hex_field(const char *s, size_t n, uint64_t *out)
{
	*out = 0;
	if (n == 0 || n > 8)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		int d = ch >= '0' && ch <= '9'   ? ch - '0'
		        : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
		        : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
		                                 : -1;
		if (d < 0)
			return false;
		*out = *out * 16 + (uint64_t)d;
	}
	return true;
}

int ledger_lsn_parse(const char *s, uint64_t *out)
{
	const char *c1 = strchr(s, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	uint64_t v = 0, vlf, blk, slot;

	if (c1) {
		if (!c2 || !hex_field(s, (size_t)(c1 - s), &vlf) ||
		    !hex_field(c1 + 1, (size_t)(c2 - c1 - 1), &blk) ||
		    !hex_field(c2 + 1, strlen(c2 + 1), &slot) || blk >= 10000000000ull ||
		    slot >= 100000u || vlf >= 18000u)
			goto bad;
		*out = vlf * 1000000000000000ull + blk * 100000u + slot;
		return 0;
	}
	if (!*s || strlen(s) > 19)
		goto bad;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return 0;
bad:
	return err_set(ERR_INVALID,
	               "bad LSN '%.40s': expected decimal digits (numeric(25,0)) or "
	               "VLF:block:slot in hexadecimal",
	               s);
}

int ledger_allowance_parse(const char *s, struct ledger_allowance *out)
{
	bool lsn = *s != '\0';

	memset(out, 0, sizeof(*out));
	for (const char *p = s; *p && lsn; p++)
		lsn = (*p >= '0' && *p <= '9') || *p == ':' || (*p >= 'a' && *p <= 'f') ||
		      (*p >= 'A' && *p <= 'F');
	if (lsn) { /* a time always has '-' and 'T' or ' ' */
		out->kind = LEDGER_ALLOW_LSN;
		return ledger_lsn_parse(s, &out->lsn);
	}
	out->kind = LEDGER_ALLOW_TIME;
	return ledger_time_parse(s, &out->lab_us);
}

void ledger_format_line(struct strbuf *sb, const struct ledger_entry *e)
{
	char when[LEDGER_TIME_SIZE], lab[LEDGER_TIME_SIZE] = "-", lsn[24] = "-";

	ledger_time_format(when, e->acked_us);
	if (e->lab_us)
		ledger_time_format(lab, e->lab_us);
	if (e->lsn)
		snprintf(lsn, sizeof(lsn), "%llu", (unsigned long long)e->lsn);
	strbuf_printf(sb, "%lld\t%s\t%s\t%s\t%s\t%s\t%s\n", (long long)e->id, e->server, when,
	              e->instance, e->claimed && *e->claimed ? e->claimed : "-", lsn, lab);
}

/* Split one line at tabs into at most n fields; their number in *k. */
static bool split_fields_count(char *line, char **fields, size_t n, size_t *k)
{
	*k = 0;
	fields[(*k)++] = line;
	for (char *p = line; *p; p++) {
		if (*p != '\t')
			continue;
		if (*k == n)
			return false;
		*p = '\0';
		fields[(*k)++] = p + 1;
	}
	return true;
}

/* Split one line (NUL-terminated, no newline) at tabs: exactly n fields. */
static bool split_fields(char *line, char **fields, size_t n)
{
	size_t k = 0;

	return split_fields_count(line, fields, n, &k) && k == n;
}

static bool parse_id(const char *s, int64_t *out)
{
	char *end = NULL;
	long long v;

	if (*s < '0' || *s > '9')
		return false;
	v = strtoll(s, &end, 10);
	if (*end || v < 0 || v == LLONG_MAX)
		return false;
	*out = (int64_t)v;
	return true;
}

/* Call `one` for each complete, non-comment line; stop at its first error. */
static int each_line(const char *text, size_t len, const char *what, void *ctx,
                     int (*one)(void *ctx, char *line, const char *what, size_t lineno))
{
	struct strbuf line = STRBUF_INIT;
	size_t start = 0, lineno = 0;
	int error = 0;

	while (start < len && !error) {
		const char *nl = memchr(text + start, '\n', len - start);
		size_t n;

		if (!nl)
			break; /* a record cut by a crash: not acknowledged as a whole line */
		n = (size_t)(nl - (text + start));
		lineno++;
		strbuf_reset(&line);
		strbuf_add(&line, text + start, n);
		start += n + 1;
		if (n == 0 || line.ptr[0] == '#')
			continue;
		if (memchr(line.ptr, '\0', n))
			error = err_set(ERR_INVALID, "%s:%zu: NUL byte in a record", what, lineno);
		else
			error = one(ctx, line.ptr, what, lineno);
	}
	strbuf_release(&line);
	return error;
}

/* Prefix the last error with "what:line: ". */
static int line_error(const char *what, size_t lineno)
{
	char msg[256];

	snprintf(msg, sizeof(msg), "%s", err_last());
	return err_set(ERR_INVALID, "%s:%zu: %s", what, lineno, msg);
}

static int ledger_one(void *ctx, char *line, const char *what, size_t lineno)
{
	struct ledger *l = ctx;
	struct ledger_entry e;
	char *f[7];
	size_t k;

	memset(&e, 0, sizeof(e));
	if (!split_fields_count(line, f, 7, &k) || (k != 5 && k != 7) || !parse_id(f[0], &e.id) ||
	    !*f[1] || !*f[3] || !*f[4])
		return err_set(ERR_INVALID,
		               "%s:%zu: expected ID, SERVER, ACKED-AT, INSTANCE, CLAIMED[, LSN, "
		               "LAB-AT] separated by tabs",
		               what, lineno);
	if (ledger_time_parse(f[2], &e.acked_us) < 0 ||
	    (k == 7 && strcmp(f[5], "-") != 0 && ledger_lsn_parse(f[5], &e.lsn) < 0) ||
	    (k == 7 && strcmp(f[6], "-") != 0 && ledger_time_parse(f[6], &e.lab_us) < 0))
		return line_error(what, lineno);
	e.server = arena_strdup(&l->arena, f[1]);
	e.instance = arena_strdup(&l->arena, f[3]);
	e.claimed = arena_strdup(&l->arena, f[4]);
	vec_push(&l->entries, e);
	return 0;
}

int ledger_parse(struct ledger *out, const char *text, size_t len, const char *what)
{
	int error;

	memset(out, 0, sizeof(*out));
	arena_init(&out->arena);
	if ((error = each_line(text, len, what, out, ledger_one)) < 0)
		ledger_release(out);
	return error;
}

void ledger_release(struct ledger *l)
{
	if (!l)
		return;
	vec_free(&l->entries);
	arena_release(&l->arena);
}

static int history_one(void *ctx, char *line, const char *what, size_t lineno)
{
	struct ledger_history *h = ctx;
	struct ledger_pool_event ev;
	char *f[3];

	if (!split_fields(line, f, 3) ||
	    (strcmp(f[1], "Normal") != 0 && strcmp(f[1], "FailedOver") != 0))
		return err_set(ERR_INVALID,
		               "%s:%zu: expected AT, STATE (Normal or FailedOver), SERVERS "
		               "separated by tabs",
		               what, lineno);
	if (ledger_time_parse(f[0], &ev.at_us) < 0)
		return line_error(what, lineno);
	ev.failed_over = f[1][0] == 'F';
	vec_push(&h->events, ev);
	return 0;
}

int ledger_history_parse(struct ledger_history *out, const char *text, size_t len, const char *what)
{
	int error;

	memset(out, 0, sizeof(*out));
	if ((error = each_line(text, len, what, out, history_one)) < 0)
		ledger_history_release(out);
	return error;
}

void ledger_history_release(struct ledger_history *h)
{
	if (h)
		vec_free(&h->events);
}

/* --- the check ------------------------------------------------------------- */

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* How many times `id` occurs in the sorted array. */
static size_t occurrences(const int64_t *sorted, size_t n, int64_t id)
{
	size_t lo = 0, hi = n, count = 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (sorted[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo + count < n && sorted[lo + count] == id)
		count++;
	return count;
}

/* Index of the pool event in force at `t` (events sorted), or -1 (initial). */
static long period_at(const struct ledger_pool_event *ev, size_t n, int64_t t)
{
	long found = -1;

	for (size_t i = 0; i < n && ev[i].at_us <= t; i++)
		found = (long)i;
	return found;
}

static const char *site_of(const struct ledger_world *w, const char *instance)
{
	for (size_t i = 0; i < w->n_instances; i++)
		if (!strcasecmp(w->instances[i], instance))
			return w->sites[i];
	return NULL;
}

static int cmp_event(const void *a, const void *b)
{
	int64_t x = ((const struct ledger_pool_event *)a)->at_us;
	int64_t y = ((const struct ledger_pool_event *)b)->at_us;

	return (x > y) - (x < y);
}

struct check_ctx {
	const struct ledger *ledger;
	const struct ledger_world *world;
	struct ledger_pool_event *events;
	size_t n_events;
};

static int cmp_by_time(const void *a, const void *b, void *ctx)
{
	const struct ledger_entry *e = ((const struct ledger *)ctx)->entries.items;
	int64_t x = e[*(const size_t *)a].acked_us, y = e[*(const size_t *)b].acked_us;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;

	return x != y ? (x > y) - (x < y) : (i > j) - (i < j);
}

/* "PRINCIPAL/3" -> 3; -1 for anything else. */
static long principal_sequence(const char *claimed)
{
	char *end = NULL;
	long v;

	if (strncasecmp(claimed, "PRINCIPAL/", 10) != 0)
		return -1;
	v = strtol(claimed + 10, &end, 10);
	return *end || v < 0 ? -1 : v;
}

/* Mark split-brain entries in `split` (one flag per ledger entry). */
static void find_split_brain(const struct check_ctx *c, bool *split)
{
	const struct ledger_entry *e = c->ledger->entries.items;
	size_t n = c->ledger->entries.len, *order = xcalloc(n ? n : 1, sizeof(size_t));
	long period = -2, best_seq = -1;
	const char *best_inst = NULL;

	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(size_t), cmp_by_time, (void *)c->ledger);
	for (size_t k = 0; k < n; k++) {
		const struct ledger_entry *x = &e[order[k]];
		long p = period_at(c->events, c->n_events, x->acked_us);
		bool failed_over = p >= 0 && c->events[p].failed_over;
		const char *want = failed_over ? c->world->backup_site : c->world->home_site;
		const char *site = site_of(c->world, x->instance);
		long seq = principal_sequence(x->claimed);

		if (p != period) {
			period = p;
			best_seq = -1;
			best_inst = NULL;
		}
		if (!site || !want || strcasecmp(site, want) != 0) {
			split[order[k]] = true;
			continue;
		}
		if (seq < 0)
			continue;
		if (best_inst && strcasecmp(best_inst, x->instance) != 0 && seq < best_seq)
			split[order[k]] = true;
		else if (seq >= best_seq) {
			best_seq = seq;
			best_inst = x->instance;
		}
	}
	free(order);
}

/* Sort and keep each id once. */
static void sort_unique(struct ledger_ids *v)
{
	size_t w = 0;

	if (v->len)
		qsort(v->items, v->len, sizeof(int64_t), cmp_id);
	for (size_t i = 0; i < v->len; i++)
		if (w == 0 || v->items[w - 1] != v->items[i])
			v->items[w++] = v->items[i];
	v->len = w;
}

/* Index of id in the sorted, unique v, or -1. */
static long index_of(const struct ledger_ids *v, int64_t id)
{
	size_t lo = 0, hi = v->len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v->items[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < v->len && v->items[lo] == id ? (long)lo : -1;
}

/* The acknowledged ids (sorted, unique); ids recorded twice go to dups. */
static void ledger_ids(const struct ledger *l, struct ledger_ids *ids, struct ledger_ids *dups)
{
	for (size_t i = 0; i < l->entries.len; i++)
		vec_push(ids, l->entries.items[i].id);
	if (ids->len)
		qsort(ids->items, ids->len, sizeof(int64_t), cmp_id);
	for (size_t i = 1; i < ids->len; i++)
		if (ids->items[i] == ids->items[i - 1])
			vec_push(dups, ids->items[i]);
	sort_unique(ids);
}

/* Is the entry at or after the allowance (a position it may lose)? */
static bool after_allowance(const struct ledger_entry *e, const struct ledger_allowance *a)
{
	if (!a || a->kind == LEDGER_ALLOW_NONE)
		return false;
	if (a->kind == LEDGER_ALLOW_TIME)
		return e->lab_us != 0 && e->lab_us >= a->lab_us;
	return e->lsn != 0 && e->lsn >= a->lsn;
}

/* Lost ids acknowledged only at or after the allowance; *kept: the
 * acknowledged ids at or after it that are present all the same. */
static size_t count_allowed(const struct ledger *l, const struct ledger_ids *lost,
                            const struct ledger_ids *acked, const struct ledger_allowance *a,
                            size_t *kept)
{
	bool *early = xcalloc(lost->len ? lost->len : 1, sizeof(bool));
	bool *late = xcalloc(acked->len ? acked->len : 1, sizeof(bool));
	size_t allowed = 0;

	*kept = 0;
	for (size_t i = 0; i < l->entries.len; i++) {
		const struct ledger_entry *e = &l->entries.items[i];
		long k = index_of(lost, e->id);

		if (k >= 0 && !after_allowance(e, a))
			early[k] = true;
		if (k < 0 && after_allowance(e, a) && (k = index_of(acked, e->id)) >= 0)
			late[k] = true;
	}
	for (size_t k = 0; k < lost->len; k++)
		allowed += !early[k];
	for (size_t k = 0; k < acked->len; k++)
		*kept += late[k];
	free(early);
	free(late);
	return allowed;
}

/* Compare the acknowledged ids with the ids present. */
static void compare_ids(struct ledger_report *out, const struct ledger_ids *acked,
                        const int64_t *have, size_t n_have)
{
	for (size_t i = 0; i < acked->len; i++) {
		size_t k = occurrences(have, n_have, acked->items[i]);
		if (k == 0)
			vec_push(&out->lost_ids, acked->items[i]);
		else if (k > 1)
			vec_push(&out->duplicate_ids, acked->items[i]);
		out->present += k > 0;
	}
	for (size_t i = 0; i < n_have; i++)
		if ((i == 0 || have[i] != have[i - 1]) && index_of(acked, have[i]) < 0)
			out->unacknowledged++;
}

void ledger_check(struct ledger_report *out, const struct ledger *ledger,
                  const struct ledger_history *history, const struct ledger_world *world,
                  const int64_t *present, size_t n_present, const struct ledger_allowance *allow)
{
	struct ledger_ids acked = {NULL, 0, 0};
	int64_t *have = xcalloc(n_present ? n_present : 1, sizeof(int64_t));
	size_t n = ledger->entries.len;
	bool *split = xcalloc(n ? n : 1, sizeof(bool));
	struct check_ctx c = {ledger, world, NULL, history ? history->events.len : 0};

	memset(out, 0, sizeof(*out));
	if (n_present)
		memcpy(have, present, n_present * sizeof(int64_t));
	qsort(have, n_present, sizeof(int64_t), cmp_id);
	ledger_ids(ledger, &acked, &out->duplicate_ids);
	out->acknowledged = acked.len;
	compare_ids(out, &acked, have, n_present);
	sort_unique(&out->duplicate_ids);
	out->lost = out->lost_ids.len;
	out->lost_allowed = count_allowed(ledger, &out->lost_ids, &acked, allow, &out->kept_after);
	out->duplicates = out->duplicate_ids.len;

	c.events = xcalloc(c.n_events ? c.n_events : 1, sizeof(*c.events));
	if (c.n_events)
		memcpy(c.events, history->events.items, c.n_events * sizeof(*c.events));
	qsort(c.events, c.n_events, sizeof(*c.events), cmp_event);
	find_split_brain(&c, split);
	for (size_t i = 0; i < n; i++)
		if (split[i])
			vec_push(&out->split_brain_ids, ledger->entries.items[i].id);
	sort_unique(&out->split_brain_ids);
	out->split_brain = out->split_brain_ids.len;
	free(c.events);
	free(split);
	free(have);
	vec_free(&acked);
}

void ledger_report_release(struct ledger_report *r)
{
	if (!r)
		return;
	vec_free(&r->lost_ids);
	vec_free(&r->duplicate_ids);
	vec_free(&r->split_brain_ids);
}

bool ledger_report_ok(const struct ledger_report *r)
{
	return r->lost == r->lost_allowed && r->duplicates == 0 && r->split_brain == 0;
}
