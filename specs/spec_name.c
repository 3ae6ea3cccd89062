/*
 * spec_name: hand-written recognizers for the name grammars of a pcdr/v1
 * spec (see spec_name.h). They only say yes or no and why; they never
 * quote, escape or rewrite a name (quoting for T-SQL belongs to the
 * providers), and they know nothing about YAML or positions.
 */
#include "specs/spec_name.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool name_fail(char *why, const char *fmt, const char *arg)
{
	if (why)
		snprintf(why, SPEC_NAME_WHY_MAX, fmt, arg);
	return false;
}

static bool name_why(char *why, const char *phrase)
{
	return name_fail(why, "%s", phrase);
}

/* "']'", "U+00E9", "byte 0xFF", "a control character" for the character at p. */
static void name_describe_char(const char *p, char *out, size_t size)
{
	unsigned char c = (unsigned char)*p;

	if (c >= 0x21 && c < 0x7f)
		snprintf(out, size, "'%c'", c);
	else if (c == ' ')
		snprintf(out, size, "space");
	else if (c < 0x20 || c == 0x7f)
		snprintf(out, size, "control character 0x%02X", c);
	else
		snprintf(out, size, "non-ASCII byte 0x%02X", c);
}

static bool name_bad_char(char *why, const char *p)
{
	char what[40];

	name_describe_char(p, what, sizeof(what));
	return name_fail(why, "%s is not allowed", what);
}

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool spec_name_check_site(const char *s, char *why)
{
	size_t len = strlen(s);

	if (len == 0)
		return name_why(why, "it is empty");
	for (size_t i = 0; i < len; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-')
			return name_bad_char(why, s + i);
	if (len > SPEC_NAME_SITE_MAX)
		return name_why(why, "it is longer than 63 characters");
	if (s[0] == '-' || s[len - 1] == '-')
		return name_why(why, "it must start and end with a letter or digit");
	return true;
}

/* One DNS label of `len` bytes at s. */
static bool name_check_label(const char *s, size_t len, char *why)
{
	if (len == 0)
		return name_why(why, "it has an empty label (two dots, or a dot at an end)");
	if (len > 63)
		return name_why(why, "a label is longer than 63 characters");
	for (size_t i = 0; i < len; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '-')
			return name_bad_char(why, s + i);
	if (s[0] == '-' || s[len - 1] == '-')
		return name_why(why, "a label starts or ends with '-'");
	return true;
}

/* A host name of exactly `len` bytes at s. */
static bool name_check_host_n(const char *s, size_t len, char *why)
{
	size_t start = 0;

	if (len == 0)
		return name_why(why, "the host name is empty");
	for (size_t i = 0; i <= len; i++) {
		if (i < len && s[i] != '.')
			continue;
		if (!name_check_label(s + start, i - start, why))
			return false;
		start = i + 1;
	}
	if (len > SPEC_NAME_HOST_MAX)
		return name_why(why, "the host name is longer than 253 characters");
	return true;
}

bool spec_name_check_host(const char *s, char *why)
{
	return name_check_host_n(s, strlen(s), why);
}

static bool name_check_instance_part(const char *s, size_t len, char *why)
{
	if (len == 0)
		return name_why(why, "the instance name after '\\' is empty");
	if (!is_alpha(s[0]))
		return name_why(why, "the instance name must start with a letter");
	for (size_t i = 0; i < len; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '_' && s[i] != '$')
			return name_bad_char(why, s + i);
	if (len > SPEC_NAME_INSTANCE_MAX)
		return name_why(why, "the instance name is longer than 16 characters");
	if (len == 7 && strncasecmp(s, "DEFAULT", 7) == 0)
		return name_why(
		        why, "'DEFAULT' is reserved; name the default instance by its host alone");
	return true;
}

static bool name_check_port(const char *s, char *why)
{
	unsigned long port = 0;
	size_t len = strlen(s);

	if (len == 0)
		return name_why(why, "the port after ',' is empty");
	for (size_t i = 0; i < len; i++)
		if (!is_digit(s[i]))
			return name_why(why, "the port must be a number from 1 to 65535");
	if (len > 5 || s[0] == '0')
		return name_why(why, "the port must be a number from 1 to 65535");
	for (size_t i = 0; i < len; i++)
		port = port * 10 + (unsigned long)(s[i] - '0');
	if (port < 1 || port > 65535)
		return name_why(why, "the port must be a number from 1 to 65535");
	return true;
}

bool spec_name_check_instance(const char *s, char *why)
{
	const char *comma = strchr(s, ',');
	const char *slash = strchr(s, '\\');
	size_t host_end = strlen(s);

	if (comma)
		host_end = (size_t)(comma - s);
	if (slash && (!comma || slash < comma))
		host_end = (size_t)(slash - s);
	if (!name_check_host_n(s, host_end, why))
		return false;
	if (slash && (!comma || slash < comma)) {
		size_t end = comma ? (size_t)(comma - slash - 1) : strlen(slash + 1);

		if (!name_check_instance_part(slash + 1, end, why))
			return false;
	}
	if (comma)
		return name_check_port(comma + 1, why);
	return true;
}

static const char *const name_system_databases[] = {"master", "model", "msdb", "tempdb"};

bool spec_name_check_database(const char *s, char *why)
{
	size_t len = strlen(s);

	if (len == 0)
		return name_why(why, "it is empty");
	if (!is_alpha(s[0]) && s[0] != '_')
		return name_why(why, "it must start with a letter or '_'");
	for (size_t i = 0; i < len; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && s[i] != '_' && s[i] != '-')
			return name_bad_char(why, s + i);
	if (len > SPEC_NAME_DATABASE_MAX)
		return name_why(why, "it is longer than 128 characters");
	for (size_t i = 0; i < sizeof(name_system_databases) / sizeof(*name_system_databases); i++)
		if (strcasecmp(s, name_system_databases[i]) == 0)
			return name_fail(why, "'%s' is a system database",
			                 name_system_databases[i]);
	return true;
}

bool spec_name_check_identity(const char *s, char *why)
{
	if (strncmp(s, "service:", 8) != 0)
		return name_why(why, "it must start with 'service:'");
	return name_check_host_n(s + 8, strlen(s + 8), why);
}

/* One folder name of `len` bytes: [A-Za-z0-9 _.$-], not "." or "..", no
 * space at either end, no final dot (Windows would strip it). */
static bool name_check_component(const char *s, size_t len, char *why)
{
	if (len == 0)
		return name_why(why,
		                "it has an empty folder name (two '\\' in a row, or a final '\\')");
	for (size_t i = 0; i < len; i++)
		if (!is_alpha(s[i]) && !is_digit(s[i]) && !strchr(" _.$-", s[i]))
			return name_bad_char(why, s + i);
	if (s[0] == ' ' || s[len - 1] == ' ')
		return name_why(why, "a folder name starts or ends with a space");
	if (s[len - 1] == '.')
		return name_why(why, "a folder name ends with '.'");
	return true;
}

/* Components separated by '\' from s to the end. */
static bool name_check_components(const char *s, char *why)
{
	const char *start = s;

	for (const char *p = s;; p++) {
		if (*p != '\\' && *p != '\0')
			continue;
		if (!name_check_component(start, (size_t)(p - start), why))
			return false;
		if (*p == '\0')
			return true;
		start = p + 1;
	}
}

bool spec_name_check_unc(const char *s, char *why)
{
	const char *host = s + 2;
	const char *share;

	if (strncmp(s, "\\\\", 2) != 0)
		return name_why(why, "it must start with '\\\\' (a UNC path, \\\\host\\share)");
	if (strlen(s) > SPEC_NAME_PATH_MAX)
		return name_why(why, "it is longer than 200 characters");
	share = strchr(host, '\\');
	if (!share)
		return name_why(why, "it names no share after the host");
	if (!name_check_host_n(host, (size_t)(share - host), why))
		return false;
	return name_check_components(share + 1, why);
}

bool spec_name_check_local_path(const char *s, char *why)
{
	if (!is_alpha(s[0]) || s[1] != ':' || s[2] != '\\')
		return name_why(why, "it must start with a drive letter, ':' and '\\'");
	if (strlen(s) > SPEC_NAME_PATH_MAX)
		return name_why(why, "it is longer than 200 characters");
	return name_check_components(s + 3, why);
}

bool spec_name_parse_interval(const char *s, unsigned *seconds, char *why)
{
	unsigned long value = 0;
	size_t i = 0;
	unsigned long unit;

	while (is_digit(s[i]) && i < 6)
		value = value * 10 + (unsigned long)(s[i++] - '0');
	if (i == 0 || is_digit(s[i]) || s[0] == '0')
		return name_why(why, "it must be a positive number followed by s, m or h");
	if (s[i] == 's')
		unit = 1;
	else if (s[i] == 'm')
		unit = 60;
	else if (s[i] == 'h')
		unit = 3600;
	else if (s[i] == '\0')
		return name_why(why, "it has no unit (s, m or h)");
	else
		return name_why(why, "its unit must be s, m or h");
	if (s[i + 1] != '\0')
		return name_why(why, "it must be a positive number followed by s, m or h");
	if (value * unit < SPEC_INTERVAL_MIN || value * unit > SPEC_INTERVAL_MAX)
		return name_why(why, "it must be between 1m and 24h");
	*seconds = (unsigned)(value * unit);
	return true;
}

bool spec_name_is_site(const char *s)
{
	return spec_name_check_site(s, NULL);
}

bool spec_name_is_host(const char *s)
{
	return spec_name_check_host(s, NULL);
}

bool spec_name_is_instance(const char *s)
{
	return spec_name_check_instance(s, NULL);
}

bool spec_name_is_database(const char *s)
{
	return spec_name_check_database(s, NULL);
}
