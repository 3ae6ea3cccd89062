/*
 * labctl_client: the fault verbs as `pcdr-lab --dir DIR <verb> ARGS`
 * run them: check the argument count, send "<verb> ARGS" as one line to
 * the daemon's DIR/control.sock, print its answer. The daemon does the
 * work (lab/labctl.c); this file only talks to it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "lab/labctl.h"
#include "lab/labfile.h"
#include "util/strbuf.h"

static int send_request(const char *dir, const char *line)
{
	struct sockaddr_un sa;
	char path[PATH_MAX], reply[4096];
	size_t len = 0;
	ssize_t k;
	int fd;

	labfile_path(path, sizeof(path), dir, "control.sock");
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "pcdr-lab: '%s' is too long for a socket path\n", path);
		return 2;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "pcdr-lab: no lab is running in '%s' (%s)\n", dir, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 2;
	}
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line)) {
		fprintf(stderr, "pcdr-lab: cannot talk to the lab: %s\n", strerror(errno));
		close(fd);
		return 2;
	}
	while (len + 1 < sizeof(reply) && (k = read(fd, reply + len, sizeof(reply) - 1 - len)) > 0)
		len += (size_t)k;
	close(fd);
	reply[len] = '\0';
	if (!strncmp(reply, "ok ", 3)) {
		fputs(reply + 3, stdout);
		return 0;
	}
	fprintf(stderr, "pcdr-lab: %s", !strncmp(reply, "error ", 6) ? reply + 6 : "no answer\n");
	return 1;
}

static int request(const char *verb, const char *usage, int want, const char *dir, int argc,
                   char **argv)
{
	struct strbuf line = STRBUF_INIT;
	int rc;

	if (argc != want) {
		fprintf(stderr, "pcdr-lab: %s takes %d argument%s\nusage: pcdr-lab --dir DIR %s\n",
		        verb, want, want == 1 ? "" : "s", usage);
		return 129;
	}
	strbuf_puts(&line, verb);
	for (int i = 0; i < argc; i++) {
		if (strpbrk(argv[i], " \t\n") || !*argv[i]) {
			fprintf(stderr, "pcdr-lab: bad argument '%s'\n", argv[i]);
			strbuf_release(&line);
			return 129;
		}
		strbuf_printf(&line, " %s", argv[i]);
	}
	strbuf_putc(&line, '\n');
	rc = send_request(dir, strbuf_cstr(&line));
	strbuf_release(&line);
	return rc;
}

int labctl_main_stop(const char *dir, int argc, char **argv)
{
	return request("stop", "stop INSTANCE|SITE", 1, dir, argc, argv);
}

int labctl_main_start(const char *dir, int argc, char **argv)
{
	return request("start", "start INSTANCE|SITE", 1, dir, argc, argv);
}

int labctl_main_partition(const char *dir, int argc, char **argv)
{
	return request("partition", "partition SITE SITE", 2, dir, argc, argv);
}

int labctl_main_heal(const char *dir, int argc, char **argv)
{
	return request("heal", "heal", 0, dir, argc, argv);
}

int labctl_main_rebuild(const char *dir, int argc, char **argv)
{
	return request("rebuild", "rebuild SITE", 1, dir, argc, argv);
}

int labctl_main_lose_file(const char *dir, int argc, char **argv)
{
	return request("lose-file", "lose-file PATH", 1, dir, argc, argv);
}

int labctl_main_corrupt_file(const char *dir, int argc, char **argv)
{
	return request("corrupt-file", "corrupt-file PATH", 1, dir, argc, argv);
}

int labctl_main_lose_db_file(const char *dir, int argc, char **argv)
{
	return request("lose-db-file", "lose-db-file INSTANCE DATABASE", 2, dir, argc, argv);
}

int labctl_main_corrupt_db_file(const char *dir, int argc, char **argv)
{
	return request("corrupt-db-file", "corrupt-db-file INSTANCE DATABASE", 2, dir, argc, argv);
}

int labctl_main_latency(const char *dir, int argc, char **argv)
{
	return request("latency", "latency INSTANCE MS", 2, dir, argc, argv);
}

int labctl_main_throughput(const char *dir, int argc, char **argv)
{
	return request("throughput", "throughput MBPS", 1, dir, argc, argv);
}
