/*
 * gitsrc_hostkey: the ssh host key check libgit2 1.5 does not do. The
 * server's raw public key is looked up in known_hosts with ssh-keygen -F
 * (so hashed entries, patterns and [host]:port entries work as they do
 * for ssh), and the fetch goes on only if one entry has exactly that key:
 * an unknown host or a changed key stops it, with a message saying which.
 *
 * It never adds a key to known_hosts (trust on first use would defeat
 * the point of fetching the specs that drive a failover) and knows
 * nothing about https, whose certificates libgit2 checks itself.
 */
#include "reconciler/source/gitsrc.h"
#include "reconciler/source/gitsrc_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "util/runcmd.h"
#include "util/strbuf.h"

#define GITSRC_KEYGEN_TIMEOUT_MS 10000

static void gitsrc_base64(struct strbuf *out, const unsigned char *in, size_t len)
{
	static const char digits[] =
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)in[i] << 16;
		size_t n = len - i < 3 ? len - i : 3;

		if (n > 1)
			v |= (unsigned)in[i + 1] << 8;
		if (n > 2)
			v |= in[i + 2];
		strbuf_putc(out, digits[(v >> 18) & 63]);
		strbuf_putc(out, digits[(v >> 12) & 63]);
		strbuf_putc(out, n > 1 ? digits[(v >> 6) & 63] : '=');
		strbuf_putc(out, n > 2 ? digits[v & 63] : '=');
	}
}

enum gitsrc_hostkey_found { HOSTKEY_NONE = 0, HOSTKEY_OTHER, HOSTKEY_MATCH, HOSTKEY_REVOKED };

/* Split one line into up to 4 blank-separated fields; returns how many. */
static int gitsrc_fields(const char *line, size_t len, const char *f[4], size_t flen[4])
{
	const char *p = line, *end = line + len;
	int n = 0;

	while (n < 4) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (p == end)
			break;
		f[n] = p;
		while (p < end && *p != ' ' && *p != '\t')
			p++;
		flen[n] = (size_t)(p - f[n]);
		n++;
	}
	return n;
}

static int gitsrc_field_is(const char *f, size_t len, const char *s)
{
	return strlen(s) == len && !memcmp(f, s, len);
}

/* What ssh-keygen -F printed about `b64`: the strongest verdict of its lines. */
static enum gitsrc_hostkey_found gitsrc_hostkey_scan(const char *text, const char *b64)
{
	enum gitsrc_hostkey_found found = HOSTKEY_NONE;

	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		const char *f[4];
		size_t flen[4];
		int n = line[0] == '#' ? 0 : gitsrc_fields(line, len, f, flen);
		int marker = n > 0 && f[0][0] == '@';

		line += len + (line[len] == '\n');
		if (n < 3 + marker)
			continue;
		if (!gitsrc_field_is(f[2 + marker], flen[2 + marker], b64)) {
			if (found == HOSTKEY_NONE && !marker)
				found = HOSTKEY_OTHER;
		} else if (marker && gitsrc_field_is(f[0], flen[0], "@revoked")) {
			return HOSTKEY_REVOKED;
		} else if (!marker) {
			found = HOSTKEY_MATCH;
		}
	}
	return found;
}

/* Ask ssh-keygen about `name` in one known_hosts file. */
static int gitsrc_hostkey_lookup(enum gitsrc_hostkey_found *found, const char *name,
                                 const char *file, const char *b64)
{
	const char *argv[] = {"ssh-keygen", "-F", name, "-f", file, NULL};
	struct runcmd_result res = RUNCMD_RESULT_INIT;
	struct runcmd_opts opts = {0};
	int rc;

	opts.argv = argv;
	opts.timeout_ms = GITSRC_KEYGEN_TIMEOUT_MS;
	rc = runcmd_run(&res, &opts);
	if (rc == 0)
		*found = gitsrc_hostkey_scan(strbuf_cstr(&res.out), b64);
	else if (res.exited && res.exit_code == 1)
		rc = 0; /* not listed in this file */
	runcmd_result_release(&res);
	return rc;
}

int gitsrc_hostkey_check(const char *host, int port, const unsigned char *key, size_t len,
                         const char *known_hosts)
{
	const char *home = getenv("HOME");
	struct strbuf name = STRBUF_INIT, b64 = STRBUF_INIT, user_file = STRBUF_INIT;
	const char *files[2] = {known_hosts, NULL};
	enum gitsrc_hostkey_found found = HOSTKEY_NONE;
	int error = 0;

	if (!known_hosts) {
		if (home && *home)
			strbuf_printf(&user_file, "%s/.ssh/known_hosts", home);
		files[0] = user_file.len ? strbuf_cstr(&user_file) : "/etc/ssh/ssh_known_hosts";
		files[1] = user_file.len ? "/etc/ssh/ssh_known_hosts" : NULL;
	}
	if (port > 0 && port != 22)
		strbuf_printf(&name, "[%s]:%d", host, port);
	else
		strbuf_puts(&name, host);
	gitsrc_base64(&b64, key, len);
	for (size_t i = 0; i < 2 && files[i]; i++) {
		enum gitsrc_hostkey_found in_file = HOSTKEY_NONE;

		if (access(files[i], R_OK) < 0)
			continue;
		if ((error = gitsrc_hostkey_lookup(&in_file, name.ptr, files[i], b64.ptr)) < 0)
			goto done;
		if (in_file > found)
			found = in_file; /* a revocation anywhere wins over a match */
	}
	if (found == HOSTKEY_MATCH)
		error = 0;
	else if (found == HOSTKEY_REVOKED)
		error = err_set(ERR_CONFLICT, "the ssh host key of '%s' is revoked in known_hosts",
		                name.ptr);
	else if (found == HOSTKEY_OTHER)
		error = err_set(ERR_CONFLICT,
		                "the ssh host key of '%s' does not match known_hosts: the key "
		                "changed or the connection is intercepted",
		                name.ptr);
	else
		error = err_set(ERR_NOTFOUND,
		                "'%s' is not in known_hosts: check its host key fingerprint, "
		                "then add it (ssh-keyscan)",
		                name.ptr);
done:
	strbuf_release(&name);
	strbuf_release(&b64);
	strbuf_release(&user_file);
	return error;
}
