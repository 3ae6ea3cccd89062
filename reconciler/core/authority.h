/*
 * authority: which copy of a database holds the truth right now (DESIGN.md
 * vocabulary): the copy the pool currently uses. Decided from the observed
 * pool state (Normal: the home site, FailedOver: the backup site) and the
 * copies' states, with the cases a crash or a disaster leaves behind: the
 * pool site's copy demoted by a tail-log backup (the truth is on the share
 * up to its LSN), a copy recovered at the desired primary while the pool
 * is fenced (a move in progress), an unreachable pool site (the authority
 * is lost). Pure; it does not decide what to do about any of it.
 */
#ifndef PCDR_CORE_AUTHORITY_H
#define PCDR_CORE_AUTHORITY_H

#include "reconciler/core/model.h"

enum authority_kind {
	AUTHORITY_NONE = 0, /* no copy holds the truth (never created, or unknowable) */
	AUTHORITY_WRITABLE, /* reachable, ONLINE, not a mirror */
	AUTHORITY_DEMOTED,  /* reachable, RESTORING after a tail-log backup */
	AUTHORITY_LOST,     /* the pool uses an instance that does not answer */
};

struct authority {
	enum authority_kind kind;
	const char *instance; /* borrowed from the models; NULL for NONE */
	const char *site;
	const char *how; /* why this copy (static text) */
};

/* The site whose databases the pool uses now, or NULL when unknown. */
const char *authority_pool_site(const struct model *desired, const struct model *observed);

/* Find the authority for database `db`. Never fails; kind NONE says so. */
void authority_find(struct authority *out, const struct model *desired,
                    const struct model *observed, const char *db);

#endif
