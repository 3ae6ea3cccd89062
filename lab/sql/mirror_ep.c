/*
 * mirror_ep: CREATE, ALTER and DROP ENDPOINT ... AS TCP (LISTENER_PORT =
 * n [, LISTENER_IP = ALL]) FOR DATABASE_MIRRORING (ROLE = PARTNER |
 * WITNESS | ALL, ENCRYPTION = DISABLED | SUPPORTED | REQUIRED [ALGORITHM
 * ...], AUTHENTICATION = ...) with STATE = STARTED | STOPPED | DISABLED
 * (the CREATE ENDPOINT and ALTER ENDPOINT pages): one mirroring endpoint
 * per instance (7862), STATE STOPPED when not given, encryption REQUIRED
 * with AES, authentication NEGOTIATE; 15151 for an unknown endpoint.
 * Endpoints of other kinds (FOR TSQL, SOAP, SERVICE_BROKER) are refused.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "lab/sql/admin.h"

static int ep_find(struct sqlinstance *inst, const char *name)
{
	for (size_t i = 0; i < inst->endpoints.len; i++)
		if (!strcasecmp(inst->endpoints.items[i].name, name))
			return (int)i;
	return -1;
}

static uint8_t word_code(const char *w, const char *const *names, size_t n, uint8_t dflt)
{
	for (size_t i = 0; w && i < n; i++)
		if (!strcmp(w, names[i]))
			return (uint8_t)i;
	return dflt;
}

static int apply_opts(struct sqlctx *c, const struct sqladmin *a, struct sqlendpoint *e, int line)
{
	static const char *const states[] = {"STARTED", "STOPPED", "DISABLED"};
	static const char *const roles[] = {"NONE", "PARTNER", "WITNESS", "ALL"};
	static const char *const algs[] = {"NONE", "RC4", "AES", "AES RC4", "RC4 AES"};

	for (size_t i = 0; i < a->n_opts; i++) {
		const struct sqladmopt *o = &a->opts[i];

		if (!strcmp(o->key, "STATE")) {
			if (word_code(o->word, states, 3, 9) == 9)
				return sqlexec_fail(c, AB_STMT, 102, 15, line,
				                    "Incorrect syntax near '%s'.", o->word);
			e->state = word_code(o->word, states, 3, 1);
		} else if (!strcmp(o->key, "KIND") && strcmp(o->word, "TCP") &&
		           strcmp(o->word, "DATABASE_MIRRORING")) {
			return sqlexec_fail(
			        c, AB_STMT, 7878, 16, line,
			        "This \"CREATE ENDPOINT\" statement is not supported on this "
			        "edition of SQL Server.");
		} else if (!strcmp(o->key, "LISTENER_PORT") && o->word) {
			int64_t port = 0;

			for (const char *p = o->word; *p && port <= 65535; p++)
				port = *p >= '0' && *p <= '9' ? port * 10 + (*p - '0') : 99999;
			if (port < 1024 || port > 32767)
				return sqlexec_fail(
				        c, AB_STMT, 7867, 16, line,
				        "The specified listener port (%lld) is not valid. Specify "
				        "a port between 1024 and 32767.",
				        (long long)port);
			e->port = (int32_t)port;
		} else if (!strcmp(o->key, "ROLE")) {
			e->role = word_code(o->word, roles, 4, 0);
		} else if (!strcmp(o->key, "ENCRYPTION")) {
			e->encryption = o->word && strcmp(o->word, "DISABLED");
			e->encryption_algorithm =
			        e->encryption ? word_code(o->word2, algs, 5, 2) : 0;
		}
	}
	return 0;
}

static int create_ep(struct sqlctx *c, const struct sqladmin *a, int line)
{
	struct sqlinstance *inst = c->inst;
	struct sqlendpoint e;
	int32_t id = 65535;

	for (size_t i = 0; i < inst->endpoints.len; i++) {
		if (inst->endpoints.items[i].type == 4)
			return sqlexec_fail(
			        c, AB_STMT, 7862, 16, line,
			        "An endpoint of the requested type already exists.  Only one "
			        "endpoint of this type is supported.  Use ALTER ENDPOINT or DROP "
			        "the existing endpoint and execute the CREATE ENDPOINT command.");
		if (inst->endpoints.items[i].id > id)
			id = inst->endpoints.items[i].id;
	}
	if (ep_find(inst, a->name) >= 0)
		return sqlexec_fail(c, AB_STMT, 7849, 16, line, "The endpoint '%s' already exists.",
		                    a->name);
	memset(&e, 0, sizeof(e));
	e.id = id + 1;
	snprintf(e.name, sizeof(e.name), "%s", a->name);
	e.type = 4;
	e.protocol = 2;
	e.state = 1; /* STOPPED unless STATE says */
	e.encryption = true;
	e.encryption_algorithm = 2;
	e.connection_auth = 3;
	e.port = 5022;
	if (apply_opts(c, a, &e, line))
		return -1;
	vec_push(&inst->endpoints, e);
	return 0;
}

int mirror_endpoint_exec(struct sqlctx *c, const struct sqlstmt *st)
{
	const struct sqladmin *a = st->adm;
	struct sqlinstance *inst = c->inst;
	int rc = 0, i;

	pthread_mutex_lock(&inst->lock);
	i = ep_find(inst, a->name);
	if (a->verb == AD_CREATE_EP) {
		rc = create_ep(c, a, st->line);
	} else if (i < 0 || inst->endpoints.items[i].id < 65536) {
		rc = sqlexec_fail(
		        c, AB_STMT, 15151, 16, st->line,
		        "Cannot %s the endpoint '%s', because it does not exist or you do not "
		        "have permission.",
		        a->verb == AD_ALTER_EP ? "alter" : "drop", a->name);
	} else if (a->verb == AD_ALTER_EP) {
		struct sqlendpoint e = inst->endpoints.items[i];

		rc = apply_opts(c, a, &e, st->line);
		if (rc == 0)
			inst->endpoints.items[i] = e;
	} else {
		memmove(&inst->endpoints.items[i], &inst->endpoints.items[i + 1],
		        (inst->endpoints.len - (size_t)i - 1) * sizeof(*inst->endpoints.items));
		inst->endpoints.len--;
	}
	sqlout_done(c, rc ? LAB_DONE_ERROR : 0, 0, 0);
	pthread_mutex_unlock(&inst->lock);
	return rc;
}
