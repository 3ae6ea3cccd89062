/*
 * spec_fixture: what the specs/ unit tests share: a valid base spec (the
 * lab world without comments, line numbers below) and helpers that load a
 * buffer and render its diagnostics as "LINE:COL: message" lines.
 */
#ifndef PCDR_TESTS_SPEC_FIXTURE_H
#define PCDR_TESTS_SPEC_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "specs/spec.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

/* clang-format off */
static const char spec_fixture_base[] __attribute__((unused)) =
	"apiVersion: pcdr/v1\n"                         /*  1 */
	"kind: PersistentChatPool\n"                    /*  2 */
	"metadata:\n"                                   /*  3 */
	"  name: atl-pchat\n"                           /*  4 */
	"spec:\n"                                       /*  5 */
	"  pool: \"service:atl-pchat.lab\"\n"           /*  6 */
	"  home: dc1\n"                                 /*  7 */
	"  sites:\n"                                    /*  8 */
	"    dc1:\n"                                    /*  9 */
	"      principal: sqla.dc1.lab\n"               /* 10 */
	"      mirror: sqlb.dc1.lab\n"                  /* 11 */
	"      servers: [pc1.dc1.lab, pc2.dc1.lab]\n"   /* 12 */
	"    dc2:\n"                                    /* 13 */
	"      principal: sqla.dc2.lab\n"               /* 14 */
	"      mirror: sqlb.dc2.lab\n"                  /* 15 */
	"      servers: [pc1.dc2.lab, pc2.dc2.lab]\n"   /* 16 */
	"  databases:\n"                                /* 17 */
	"    mgc: { logShipping: true }\n"              /* 18 */
	"    mgccomp: { logShipping: false }\n"         /* 19 */
	"  primary: dc1\n"                              /* 20 */
	"  logShipping:\n"                              /* 21 */
	"    from: dc1\n"                               /* 22 */
	"    to: dc2\n"                                 /* 23 */
	"    backupShare: '\\\\fs1.lab\\pchat-ls'\n"    /* 24 */
	"    copyTo: 'D:\\pchat-ls'\n"                  /* 25 */
	"    interval: 1m\n"                            /* 26 */
	"  activeServers: [pc1.dc1.lab, pc2.dc1.lab]\n" /* 27 */
	"  policy:\n"                                   /* 28 */
	"    allowDataLoss: false\n"                    /* 29 */
	"    serviceFirst: true\n";                     /* 30 */
/* clang-format on */

/* `text` with the first occurrence of `from` replaced by `to` (caller
 * frees); NULL when `from` does not occur. */
static inline char *spec_fixture_replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	struct strbuf sb = STRBUF_INIT;

	if (!at)
		return NULL;
	strbuf_add(&sb, text, (size_t)(at - text));
	strbuf_puts(&sb, to);
	strbuf_puts(&sb, at + strlen(from));
	return strbuf_detach(&sb, NULL);
}

/* Diagnostics added from index `first`, as "L:C: message\n" lines. */
static inline char *spec_fixture_diags(const struct spec_set *set, size_t first)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_puts(&sb, "");
	for (size_t i = first; i < set->n_diags; i++)
		strbuf_printf(&sb, "%d:%d: %s\n", set->diags[i].pos.line, set->diags[i].pos.col,
		              set->diags[i].message);
	return strbuf_detach(&sb, NULL);
}

#endif
