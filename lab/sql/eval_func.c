/*
 * eval_func: the built-in scalar functions and @@globals the lab knows,
 * with their result types. The instance presents itself as SQL Server
 * 2016 SP3 Standard Edition (Persistent Chat on Skype for Business 2015
 * supports 2012-2016). SERVERPROPERTY and DATABASEPROPERTYEX return
 * nvarchar here where SQL Server returns sql_variant (the lab has no
 * sql_variant on the wire). Unknown functions give error 195.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/exec.h"
#include "lab/sql/value.h"

#define LAB_VERSION_TEXT                                                                           \
	"Microsoft SQL Server 2016 (SP3) (KB5003279) - 13.0.6300.2 (X64) \n\tAug  7 2021 "         \
	"01:20:37 \n\tCopyright (c) Microsoft Corporation\n\tStandard Edition (64-bit) on "        \
	"Windows Server 2016 Standard 10.0 <X64> (Build 14393: ) (Hypervisor)\n"

static const char *state_name(uint8_t s)
{
	static const char *const n[] = {"ONLINE",  "RESTORING", "RECOVERING", "RECOVERY_PENDING",
	                                "SUSPECT", "EMERGENCY", "OFFLINE"};

	return s < 7 ? n[s] : "OFFLINE";
}

static struct lab_value text(struct sqlctx *c, const char *s)
{
	return s ? sqlval_cstr(c->a, s) : sqlval_null(LAB_T_NVARCHAR);
}

static int eval_global(struct sqlctx *c, const struct sqlexpr *e, struct lab_value *out)
{
	const char *n = e->name;

	if (!strcmp(n, "SPID"))
		*out = sqlval_int(LAB_T_SMALLINT, c->s->spid);
	else if (!strcmp(n, "SERVERNAME"))
		*out = text(c, c->inst->name);
	else if (!strcmp(n, "VERSION"))
		*out = text(c, LAB_VERSION_TEXT);
	else if (!strcmp(n, "ROWCOUNT"))
		*out = sqlval_int(LAB_T_INT, (int64_t)c->rowcount);
	else if (!strcmp(n, "ERROR"))
		*out = sqlval_int(LAB_T_INT, c->error);
	else if (!strcmp(n, "TRANCOUNT"))
		*out = sqlval_int(LAB_T_INT, c->s->trancount);
	else if (!strcmp(n, "SERVICENAME"))
		*out = text(c, "MSSQLSERVER");
	else if (!strcmp(n, "LANGUAGE"))
		*out = text(c, "us_english");
	else if (!strcmp(n, "MICROSOFTVERSION"))
		*out = sqlval_int(LAB_T_INT, (13LL << 24) | 6300);
	else
		return sqlexec_fail(c, AB_BATCH, 137, 15, e->line,
		                    "Must declare the scalar variable \"@@%s\".", n);
	return 0;
}

static const char *arg_text(struct sqlctx *c, const struct lab_value *v)
{
	size_t n;

	return v->is_null ? NULL : sqlval_text(v, c->a, &n);
}

static struct lab_value server_property(struct sqlctx *c, const char *p)
{
	const char *dot = strchr(c->inst->name, '.');

	if (!p)
		return sqlval_null(LAB_T_NVARCHAR);
	if (!strcasecmp(p, "ProductVersion"))
		return text(c, "13.0.6300.2");
	if (!strcasecmp(p, "ProductLevel"))
		return text(c, "SP3");
	if (!strcasecmp(p, "ProductMajorVersion"))
		return text(c, "13");
	if (!strcasecmp(p, "Edition"))
		return text(c, "Standard Edition (64-bit)");
	if (!strcasecmp(p, "EngineEdition"))
		return text(c, "2");
	if (!strcasecmp(p, "ServerName"))
		return text(c, c->inst->name);
	if (!strcasecmp(p, "MachineName") || !strcasecmp(p, "ComputerNamePhysicalNetBIOS"))
		return sqlval_str(c->a, LAB_T_NVARCHAR, c->inst->name,
		                  dot ? (size_t)(dot - c->inst->name) : strlen(c->inst->name));
	if (!strcasecmp(p, "IsClustered") || !strcasecmp(p, "IsHadrEnabled") ||
	    !strcasecmp(p, "IsSingleUser") || !strcasecmp(p, "IsIntegratedSecurityOnly"))
		return text(c, "0");
	if (!strcasecmp(p, "Collation"))
		return text(c, "SQL_Latin1_General_CP1_CI_AS");
	return sqlval_null(LAB_T_NVARCHAR);
}

static struct lab_value database_property(struct sqlctx *c, const char *dbn, const char *p)
{
	struct sqldb *db = dbn ? world_db_by_name(c->inst, dbn) : NULL;
	static const char *const rec[] = {"", "FULL", "BULK_LOGGED", "SIMPLE"};
	static const char *const ua[] = {"MULTI_USER", "SINGLE_USER", "RESTRICTED_USER"};

	if (!db || !p)
		return sqlval_null(LAB_T_NVARCHAR);
	if (!strcasecmp(p, "Status"))
		return text(c, state_name(db->state));
	if (!strcasecmp(p, "Recovery"))
		return text(c, rec[db->recovery_model & 3]);
	if (!strcasecmp(p, "IsInStandBy"))
		return text(c, db->is_in_standby ? "1" : "0");
	if (!strcasecmp(p, "Updateability"))
		return text(c, db->is_read_only || db->is_in_standby ? "READ_ONLY" : "READ_WRITE");
	if (!strcasecmp(p, "UserAccess"))
		return text(c, ua[db->user_access % 3]);
	if (!strcasecmp(p, "Collation"))
		return text(c, "SQL_Latin1_General_CP1_CI_AS");
	return sqlval_null(LAB_T_NVARCHAR);
}

static int32_t object_id(struct sqlctx *c, const char *name)
{
	struct sqlerr e;
	struct sqlbatch b;
	char sql[600];
	struct sqldb *db;
	const struct sqlname *n;
	uint32_t h = 2166136261u;

	snprintf(sql, sizeof(sql), "DROP TABLE %s", name);
	memset(&e, 0, sizeof(e));
	if (sqlparse_batch(&b, sql, strlen(sql), c->a, &e) || b.n != 1)
		return 0;
	n = &b.stmts[0]->obj;
	db = n->db ? world_db_by_name(c->inst, n->db) : sqlexec_current_db(c);
	if (!db || !world_table_find(db, n->schema, n->name))
		return 0;
	for (const char *p = db->name; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	for (const char *p = n->name; *p; p++)
		h = (h ^ (uint8_t)(*p | 0x20)) * 16777619u;
	return (int32_t)(h & 0x3FFFFFFF) + 1;
}

/* ERROR_NUMBER() & co.: the error the enclosing CATCH block handles, or
 * NULL outside one. */
static struct lab_value error_info(struct sqlctx *c, const char *name)
{
	const struct sqlcaught *h = c->handling;
	bool text = !strcmp(name, "ERROR_MESSAGE") || !strcmp(name, "ERROR_PROCEDURE");

	if (!h)
		return sqlval_null(text ? LAB_T_NVARCHAR : LAB_T_INT);
	if (!strcmp(name, "ERROR_MESSAGE"))
		return sqlval_cstr(c->a, h->text);
	if (!strcmp(name, "ERROR_PROCEDURE"))
		return *h->proc ? sqlval_cstr(c->a, h->proc) : sqlval_null(LAB_T_NVARCHAR);
	if (!strcmp(name, "ERROR_NUMBER"))
		return sqlval_int(LAB_T_INT, h->number);
	if (!strcmp(name, "ERROR_SEVERITY"))
		return sqlval_int(LAB_T_INT, h->severity);
	if (!strcmp(name, "ERROR_STATE"))
		return sqlval_int(LAB_T_INT, h->state);
	return sqlval_int(LAB_T_INT, h->line);
}

static int64_t datepart_us(const char *part)
{
	static const struct {
		const char *name;
		int64_t us;
	} parts[] = {
	        {"day", 86400000000LL},   {"dd", 86400000000LL},  {"d", 86400000000LL},
	        {"hour", 3600000000LL},   {"hh", 3600000000LL},   {"minute", 60000000LL},
	        {"mi", 60000000LL},       {"n", 60000000LL},      {"second", 1000000LL},
	        {"ss", 1000000LL},        {"s", 1000000LL},       {"millisecond", 1000LL},
	        {"ms", 1000LL},           {"microsecond", 1LL},   {"mcs", 1LL},
	        {"week", 604800000000LL}, {"wk", 604800000000LL},
	};

	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (!strcasecmp(parts[i].name, part))
			return parts[i].us;
	return 0;
}

static int ym_of(int64_t us, int *y, int *m)
{
	char buf[40];

	sqlval_format_time(buf, sizeof(buf), us, 0, 0);
	*y = (int)strtol(buf, NULL, 10);
	*m = (int)strtol(buf + 5, NULL, 10);
	return 0;
}

static int date_fn(struct sqlctx *c, const struct sqlexpr *e, const struct lab_value *v,
                   struct lab_value *out)
{
	const struct sqlexpr *pe = e->args[0];
	const char *part = pe->kind == EX_COL && !pe->qual ? pe->name : "";
	int64_t unit = datepart_us(part);
	bool add = !strcmp(e->name, "DATEADD");
	struct lab_value a, b;
	struct sqltype dt = {LAB_T_DATETIME2, -1, 27, 7};

	if (!add && (sqlval_convert(&a, &v[1], &dt, -1, c->a, &c->err) ||
	             sqlval_convert(&b, &v[2], &dt, -1, c->a, &c->err)))
		return sqlexec_fail_err(c, AB_BATCH, &c->err, e->line);
	if (add && v[2].is_null) {
		*out = sqlval_null(LAB_T_DATETIME);
		return 0;
	}
	if (!add && (a.is_null || b.is_null)) {
		*out = sqlval_null(LAB_T_INT);
		return 0;
	}
	if (add) {
		struct lab_value t;

		if (unit == 0)
			return sqlexec_fail(c, AB_STMT, 155, 15, e->line,
			                    "'%s' is not a recognized dateadd option.", part);
		if (sqlval_convert(&t, &v[2], &dt, -1, c->a, &c->err))
			return sqlexec_fail_err(c, AB_BATCH, &c->err, e->line);
		{
			int64_t delta, when;

			if (__builtin_mul_overflow(sqlval_i64(&v[1]), unit, &delta) ||
			    __builtin_add_overflow(t.time_us, delta, &when) ||
			    when < -62135596800000000LL || when > 253402300799999999LL)
				return sqlexec_fail(
				        c, AB_STMT, 517, 16, e->line,
				        "Adding a value to a '%s' column caused an overflow.",
				        sqlval_type_name(sqlval_is_time(v[2].type)
				                                 ? v[2].type
				                                 : LAB_T_DATETIME));
			*out = sqlval_time(sqlval_is_time(v[2].type) ? v[2].type : LAB_T_DATETIME,
			                   when);
		}
		return 0;
	}
	if (!strcasecmp(part, "year") || !strcasecmp(part, "yy") || !strcasecmp(part, "yyyy") ||
	    !strcasecmp(part, "month") || !strcasecmp(part, "mm") || !strcasecmp(part, "m")) {
		int ya, ma, yb, mb;
		bool year = tolower((unsigned char)part[0]) == 'y';

		ym_of(a.time_us, &ya, &ma);
		ym_of(b.time_us, &yb, &mb);
		*out = sqlval_int(LAB_T_INT, year ? yb - ya : (yb - ya) * 12 + mb - ma);
		return 0;
	}
	if (unit == 0)
		return sqlexec_fail(c, AB_STMT, 155, 15, e->line,
		                    "'%s' is not a recognized datediff option.", part);
	{
		int64_t fa = a.time_us / unit - (a.time_us % unit < 0);
		int64_t fb = b.time_us / unit - (b.time_us % unit < 0);

		*out = sqlval_int(LAB_T_INT, fb - fa);
	}
	return 0;
}

static int string_fn(struct sqlctx *c, const struct sqlexpr *e, const struct lab_value *v,
                     struct lab_value *out)
{
	size_t n;
	const char *s;
	char *r;

	if (v[0].is_null) {
		*out = sqlval_null(!strcmp(e->name, "LEN") ? LAB_T_INT : LAB_T_NVARCHAR);
		return 0;
	}
	s = sqlval_text(&v[0], c->a, &n);
	if (!strcmp(e->name, "LEN")) {
		size_t chars = 0;

		while (n && s[n - 1] == ' ')
			n--;
		for (size_t i = 0; i < n; i++)
			chars += ((unsigned char)s[i] & 0xC0) != 0x80;
		*out = sqlval_int(LAB_T_INT, (int64_t)chars);
		return 0;
	}
	r = arena_strndup(c->a, s, n);
	if (!strcmp(e->name, "UPPER") || !strcmp(e->name, "LOWER")) {
		for (size_t i = 0; i < n; i++)
			r[i] = (char)(e->name[0] == 'U' ? toupper((unsigned char)r[i])
			                                : tolower((unsigned char)r[i]));
	} else if (!strcmp(e->name, "LTRIM")) {
		while (*r == ' ')
			r++, n--;
	} else if (!strcmp(e->name, "RTRIM")) {
		while (n && r[n - 1] == ' ')
			n--;
	} else {
		/* LEFT(s, k), RIGHT(s, k), SUBSTRING(s, start, k): bytes for ASCII */
		int64_t k = sqlval_i64(&v[e->n_args - 1]);
		int64_t start = !strcmp(e->name, "SUBSTRING") ? sqlval_i64(&v[1]) - 1 : 0;

		if (k < 0)
			return sqlexec_fail(c, AB_STMT, 536, 16, e->line,
			                    "Invalid length parameter passed to the %s function.",
			                    e->name);
		if (!strcmp(e->name, "RIGHT"))
			start = (int64_t)n - k;
		if (start < 0) {
			k += start;
			start = 0;
		}
		if (start > (int64_t)n)
			start = (int64_t)n;
		if (k < 0)
			k = 0;
		if (k > (int64_t)n - start)
			k = (int64_t)n - start;
		r += start;
		n = (size_t)k;
	}
	*out = sqlval_str(c->a, v[0].type == LAB_T_VARCHAR ? LAB_T_VARCHAR : LAB_T_NVARCHAR, r, n);
	return 0;
}

struct funcdef {
	const char *name;
	int min, max;
	int kind;
};

enum {
	F_DBID,
	F_DBNAME,
	F_SRVPROP,
	F_NOW,
	F_UTC,
	F_SYSUTC,
	F_SYSNOW,
	F_ISNULL,
	F_COALESCE,
	F_NULLIF,
	F_STRING,
	F_DATE,
	F_LOGIN,
	F_HOST,
	F_APP,
	F_NEWID,
	F_OBJID,
	F_DBPROP,
	F_ERRINFO
};

static const struct funcdef funcs[] = {
        {"DB_ID", 0, 1, F_DBID},
        {"DB_NAME", 0, 1, F_DBNAME},
        {"SERVERPROPERTY", 1, 1, F_SRVPROP},
        {"GETDATE", 0, 0, F_NOW},
        {"GETUTCDATE", 0, 0, F_UTC},
        {"SYSUTCDATETIME", 0, 0, F_SYSUTC},
        {"SYSDATETIME", 0, 0, F_SYSNOW},
        {"ISNULL", 2, 2, F_ISNULL},
        {"COALESCE", 2, 255, F_COALESCE},
        {"NULLIF", 2, 2, F_NULLIF},
        {"LEN", 1, 1, F_STRING},
        {"UPPER", 1, 1, F_STRING},
        {"LOWER", 1, 1, F_STRING},
        {"LTRIM", 1, 1, F_STRING},
        {"RTRIM", 1, 1, F_STRING},
        {"LEFT", 2, 2, F_STRING},
        {"RIGHT", 2, 2, F_STRING},
        {"SUBSTRING", 3, 3, F_STRING},
        {"DATEADD", 3, 3, F_DATE},
        {"DATEDIFF", 3, 3, F_DATE},
        {"SUSER_SNAME", 0, 1, F_LOGIN},
        {"SUSER_NAME", 0, 1, F_LOGIN},
        {"ORIGINAL_LOGIN", 0, 0, F_LOGIN},
        {"HOST_NAME", 0, 0, F_HOST},
        {"APP_NAME", 0, 0, F_APP},
        {"NEWID", 0, 0, F_NEWID},
        {"OBJECT_ID", 1, 2, F_OBJID},
        {"DATABASEPROPERTYEX", 2, 2, F_DBPROP},
        {"ERROR_NUMBER", 0, 0, F_ERRINFO},
        {"ERROR_MESSAGE", 0, 0, F_ERRINFO},
        {"ERROR_SEVERITY", 0, 0, F_ERRINFO},
        {"ERROR_STATE", 0, 0, F_ERRINFO},
        {"ERROR_LINE", 0, 0, F_ERRINFO},
        {"ERROR_PROCEDURE", 0, 0, F_ERRINFO},
};

static const struct funcdef *find_func(struct sqlctx *c, const struct sqlexpr *e)
{
	for (size_t i = 0; i < sizeof(funcs) / sizeof(funcs[0]); i++) {
		const struct funcdef *f = &funcs[i];

		if (strcmp(f->name, e->name) != 0)
			continue;
		if ((int)e->n_args < f->min || (int)e->n_args > f->max) {
			if (f->min == f->max)
				sqlexec_fail(c, AB_SCOPE, 174, 15, e->line,
				             "The %s function requires %d argument(s).", f->name,
				             f->min);
			else
				sqlexec_fail(c, AB_SCOPE, 189, 15, e->line,
				             "The %s function requires %d to %d arguments.",
				             f->name, f->min, f->max);
			return NULL;
		}
		return f;
	}
	sqlexec_fail(c, AB_SCOPE, 195, 15, e->line,
	             "'%s' is not a recognized built-in function name.", e->name);
	return NULL;
}

static int eval_args(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                     const struct funcdef *f, struct lab_value *v)
{
	for (size_t i = 0; i < e->n_args; i++) {
		if (f->kind == F_DATE && i == 0)
			continue; /* the datepart is a keyword, not a column */
		if (sqleval(c, env, e->args[i], &v[i]))
			return -1;
	}
	return 0;
}

static int call_simple(struct sqlctx *c, const struct funcdef *f, const struct lab_value *v,
                       size_t n, struct lab_value *out)
{
	struct sqldb *db;
	int64_t now = sqlval_now_us();

	switch (f->kind) {
	case F_DBID:
		db = n == 0         ? sqlexec_current_db(c)
		     : v[0].is_null ? NULL
		                    : world_db_by_name(c->inst, arg_text(c, &v[0]));
		*out = db ? sqlval_int(LAB_T_INT, db->id) : sqlval_null(LAB_T_INT);
		return 0;
	case F_DBNAME:
		db = n == 0         ? sqlexec_current_db(c)
		     : v[0].is_null ? NULL
		     : sqlval_i64(&v[0]) < 0 || sqlval_i64(&v[0]) > INT32_MAX
		             ? NULL
		             : world_db_by_id(c->inst, (int32_t)sqlval_i64(&v[0]));
		*out = text(c, db ? db->name : NULL);
		return 0;
	case F_SRVPROP:
		*out = server_property(c, arg_text(c, &v[0]));
		return 0;
	case F_NOW:
	case F_UTC: {
		struct sqltype t = {LAB_T_DATETIME, 8, 23, 3};
		struct lab_value raw = sqlval_time(LAB_T_DATETIME2, now);

		return sqlval_convert(out, &raw, &t, -1, c->a, &c->err);
	}
	case F_SYSUTC:
	case F_SYSNOW:
		*out = sqlval_time(LAB_T_DATETIME2, now);
		return 0;
	case F_LOGIN:
		*out = text(c, c->s->login);
		return 0;
	case F_HOST:
		*out = text(c, c->s->host);
		return 0;
	case F_APP:
		*out = text(c, c->s->app);
		return 0;
	case F_NEWID:
		*out = sqlval_null(LAB_T_UNIQUEIDENTIFIER);
		out->is_null = false;
		world_new_guid(out->guid);
		return 0;
	case F_OBJID: {
		int32_t id = v[0].is_null ? 0 : object_id(c, arg_text(c, &v[0]));

		*out = id ? sqlval_int(LAB_T_INT, id) : sqlval_null(LAB_T_INT);
		return 0;
	}
	case F_ERRINFO:
		*out = error_info(c, f->name);
		return 0;
	case F_DBPROP:
		*out = database_property(c, arg_text(c, &v[0]), arg_text(c, &v[1]));
		return 0;
	}
	return 1;
}

static int call_nulls(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                      const struct funcdef *f, const struct lab_value *v, struct lab_value *out)
{
	struct lab_column col;
	struct sqltype to;
	const struct lab_value *pick = &v[0];
	int cmp;

	if (sqlfunc_type(c, env, e, &col))
		return -1;
	to.type = col.type;
	to.length = col.length;
	to.precision = 0;
	to.scale = 0;
	if (f->kind == F_ISNULL || f->kind == F_COALESCE) {
		for (size_t i = 0; i < e->n_args && pick->is_null; i++)
			pick = &v[i];
	} else if (!v[0].is_null && !v[1].is_null) {
		if (sqlval_compare(&cmp, &v[0], &v[1], c->a, &c->err))
			return sqlexec_fail_err(c, AB_BATCH, &c->err, e->line);
		if (cmp == 0) {
			*out = sqlval_null(col.type);
			return 0;
		}
	}
	if (sqlval_convert(out, pick, &to, -1, c->a, &c->err))
		return sqlexec_fail_err(c, AB_BATCH, &c->err, e->line);
	return 0;
}

int sqlfunc_call(struct sqlctx *c, struct evalenv *env, const struct sqlexpr *e,
                 struct lab_value *out)
{
	const struct funcdef *f;
	struct lab_value *v;

	if (e->kind == EX_GVAR)
		return eval_global(c, e, out);
	f = find_func(c, e);
	if (!f)
		return -1;
	v = arena_calloc(c->a, e->n_args ? e->n_args : 1, sizeof(*v));
	if (eval_args(c, env, e, f, v))
		return -1;
	switch (f->kind) {
	case F_ISNULL:
	case F_COALESCE:
	case F_NULLIF:
		return call_nulls(c, env, e, f, v, out);
	case F_STRING:
		return string_fn(c, e, v, out);
	case F_DATE:
		return date_fn(c, e, v, out);
	default:
		return call_simple(c, f, v, e->n_args, out);
	}
}
