/*
 * spec_name: the grammars of the names and paths a pcdr/v1 spec may hold
 * (site and pool names, host names, SQL Server instance and database
 * names, the log shipping share and folder, the interval). Each check is a
 * pure function over a NUL-terminated string, so later layers (the CLI,
 * the host configuration, the providers) can re-check a name before it
 * reaches SQL or a command line. The grammars are documented in
 * docs/spec.md; they are deliberately narrower than what SQL Server or
 * Windows accept, so that nothing that needs escaping reaches T-SQL.
 */
#ifndef PCDR_SPECS_SPEC_NAME_H
#define PCDR_SPECS_SPEC_NAME_H

#include <stdbool.h>
#include <stddef.h>

#define SPEC_NAME_SITE_MAX     63    /* site and pool names */
#define SPEC_NAME_HOST_MAX     253   /* a DNS name */
#define SPEC_NAME_INSTANCE_MAX 16    /* the part after '\' */
#define SPEC_NAME_DATABASE_MAX 128   /* sysname */
#define SPEC_NAME_PATH_MAX     200   /* backupShare and copyTo */
#define SPEC_INTERVAL_MIN      60    /* seconds: 1m */
#define SPEC_INTERVAL_MAX      86400 /* seconds: 24h */
#define SPEC_NAME_WHY_MAX      128   /* size of a `why` buffer */

/*
 * Each spec_name_check_* returns true when `s` is valid. Otherwise it
 * returns false and, when `why` is not NULL, writes a short lower-case
 * phrase (at most SPEC_NAME_WHY_MAX bytes with the NUL) saying what is
 * wrong, such as "character ']' is not allowed".
 */

/* [a-z0-9-], 1-63 characters, starting and ending with a letter or digit. */
bool spec_name_check_site(const char *s, char *why);

/* DNS host name: dot-separated labels of [A-Za-z0-9-], 1-63 characters,
 * no label starting or ending with '-', at most 253 characters. */
bool spec_name_check_host(const char *s, char *why);

/* HOST, HOST\INSTANCE, HOST,PORT or HOST\INSTANCE,PORT; INSTANCE is
 * [A-Za-z][A-Za-z0-9_$]{0,15} and not DEFAULT; PORT is 1-65535. */
bool spec_name_check_instance(const char *s, char *why);

/* [A-Za-z_][A-Za-z0-9_-]{0,127}, and not a system database
 * (master, model, msdb, tempdb). */
bool spec_name_check_database(const char *s, char *why);

/* "service:" followed by a host name (Set-CsPersistentChatState -Identity). */
bool spec_name_check_identity(const char *s, char *why);

/* \\HOST\SHARE[\FOLDER...] where each component is a path component. */
bool spec_name_check_unc(const char *s, char *why);

/* D:\FOLDER[\FOLDER...] (a local folder, never a drive root). */
bool spec_name_check_local_path(const char *s, char *why);

/* N followed by s, m or h (N a positive integer), between
 * SPEC_INTERVAL_MIN and SPEC_INTERVAL_MAX seconds. */
bool spec_name_parse_interval(const char *s, unsigned *seconds, char *why);

/* Shorthands without a reason. */
bool spec_name_is_site(const char *s);
bool spec_name_is_host(const char *s);
bool spec_name_is_instance(const char *s);
bool spec_name_is_database(const char *s);

#endif
