/*
 * labctl: the fault verbs and the lab clock file. The daemon listens on
 * a Unix socket, DIR/control.sock (mode 0600), in a thread of its own;
 * each verb (`pcdr-lab --dir DIR stop|start|partition|heal|rebuild|
 * lose-file|corrupt-file|latency|throughput ...`) connects, sends one
 * line ("stop sqla.dc1.lab"), and prints the one-line answer ("ok ..."
 * or "error ..."). The daemon owns the state: it changes the engine's
 * fault state (lab/sql/fault.c), the listeners (lab/server.c) and the
 * share, and logs every fault to DIR/lab.log stamped with the lab clock.
 * DIR/clock keeps the clock's scale and the lab time at the last stop.
 */
#include "lab/labctl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "lab/labfile.h"
#include "lab/ledger.h"
#include "util/err.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

#define CTL_LINE_MAX  4096
#define CTL_WAIT_SECS 10
#define CTL_SOCK      "control.sock"

struct labctl {
	char *dir;
	struct lab_world *world;
	struct lab_server *server;
	const struct lab_topology *topo;
	int fd;
	int stop[2];
	pthread_t thread;
	bool started;
};

/* --- the clock file --------------------------------------------------- */

void labctl_clock_load(const char *dir, double scale_opt)
{
	char path[PATH_MAX], buf[256];
	struct strbuf sb;
	double scale = 1.0;
	long long lab_us = 0;
	const char *p;

	if (labfile_read(&sb, labfile_path(path, sizeof(path), dir, "clock"), 4096) == 0) {
		p = strbuf_cstr(&sb);
		if ((p = strstr(p, "scale ")))
			scale = strtod(p + 6, NULL);
		if ((p = strstr(strbuf_cstr(&sb), "lab_us ")))
			lab_us = strtoll(p + 7, NULL, 10);
	}
	strbuf_release(&sb);
	err_clear();
	if (scale_opt > 0)
		scale = scale_opt;
	if (!(scale > 0) || scale > 1e6)
		scale = 1.0;
	lab_clock_set(scale, 0);
	if (lab_us > lab_clock_now_us()) /* a fast clock ran ahead: keep going from there */
		lab_clock_set(scale, lab_us);
	snprintf(buf, sizeof(buf), "scale %g\nlab_us %lld\n", scale, (long long)lab_clock_now_us());
	labfile_write(path, buf, strlen(buf), 0644);
}

void labctl_clock_save(const char *dir)
{
	char path[PATH_MAX], buf[256];

	snprintf(buf, sizeof(buf), "scale %g\nlab_us %lld\n", lab_clock_scale(),
	         (long long)lab_clock_now_us());
	if (labfile_write(labfile_path(path, sizeof(path), dir, "clock"), buf, strlen(buf), 0644) <
	    0)
		log_error("cannot save the lab clock: %s", err_last());
}

/* "<lab time> fault: <what>" in DIR/lab.log. */
static void fault_log(struct labctl *c, const char *what)
{
	char now[LEDGER_TIME_SIZE], path[PATH_MAX];
	struct strbuf line = STRBUF_INIT;

	ledger_time_format(now, lab_clock_now_us());
	strbuf_printf(&line, "%s fault: %s (lab clock)\n", now, what);
	if (labfile_append(labfile_path(path, sizeof(path), c->dir, "lab.log"), line.ptr,
	                   line.len) < 0)
		err_clear();
	strbuf_release(&line);
}

/* --- the verbs, in the daemon ----------------------------------------- */

/* Instances named by an instance or a site name: indices into out. */
static size_t targets(struct labctl *c, const char *name, size_t *out, size_t cap)
{
	int i = lab_world_instance_index(c->world, name);
	size_t n = 0;

	if (i >= 0) {
		out[0] = (size_t)i;
		return 1;
	}
	for (size_t k = 0; k < lab_world_instance_count(c->world) && n < cap; k++)
		if (!strcasecmp(lab_world_instance_site(c->world, k), name))
			out[n++] = k;
	return n;
}

static int set_up(struct labctl *c, const char *name, bool up, struct strbuf *reply)
{
	size_t idx[64], n = targets(c, name, idx, 64);

	if (n == 0)
		return err_set(ERR_NOTFOUND, "no instance or site '%s' in the lab", name);
	for (size_t k = 0; k < n; k++) {
		const char *inst = lab_world_instance_name(c->world, idx[k]);
		int error;

		if (!up)
			lab_world_set_running(c->world, idx[k], false);
		else if (!lab_world_running(c->world, idx[k]))
			lab_world_crash_recovery(c->world, idx[k]); /* `stop` was a crash */
		if ((error = server_set_up(c->server, idx[k], up, CTL_WAIT_SECS)) < 0)
			return error;
		if (up)
			lab_world_set_running(c->world, idx[k], true);
		strbuf_printf(reply, "%s'%s' %s", k ? ", " : "", inst, up ? "started" : "stopped");
	}
	return 0;
}

/* Wait until the instance's Agent finished its job (a stopped instance's
 * job stops after its current step). 0 or ERR_TIMEOUT. */
static int agent_idle(struct labctl *c, size_t i)
{
	struct timespec tick = {0, 20000000};

	for (int n = 0; n < CTL_WAIT_SECS * 50; n++) {
		if (!lab_agent_busy(c->world, i))
			return 0;
		nanosleep(&tick, NULL);
	}
	return err_set(ERR_TIMEOUT, "the Agent of '%s' did not finish its job in %d s",
	               lab_world_instance_name(c->world, i), CTL_WAIT_SECS);
}

static int rebuild(struct labctl *c, const char *site, struct strbuf *reply)
{
	size_t idx[64], n = 0;
	int error = 0;

	for (size_t k = 0; k < lab_world_instance_count(c->world) && n < 64; k++)
		if (!strcasecmp(lab_world_instance_site(c->world, k), site))
			idx[n++] = k;
	if (n == 0)
		return err_set(ERR_NOTFOUND, "no site '%s' in the lab", site);
	for (size_t k = 0; k < n && !error; k++) {
		const char *name = lab_world_instance_name(c->world, idx[k]);
		const struct lab_topo_instance *ti = NULL;

		for (size_t t = 0; t < c->topo->n_instances; t++)
			if (!strcasecmp(c->topo->instances[t].name, name))
				ti = &c->topo->instances[t];
		lab_world_set_running(c->world, idx[k], false);
		if ((error = server_set_up(c->server, idx[k], false, CTL_WAIT_SECS)) < 0 ||
		    (error = agent_idle(c, idx[k])) < 0 ||
		    (error = lab_world_rebuild(c->world, idx[k], ti)) < 0)
			break;
		error = server_set_up(c->server, idx[k], true, CTL_WAIT_SECS);
		lab_world_set_running(c->world, idx[k], true);
		strbuf_printf(reply, "%s'%s' rebuilt", k ? ", " : "", name);
	}
	return error;
}

/* PATH relative to the share, or the share's UNC + path: a local path. */
static int share_file(struct labctl *c, const char *arg, char *out, size_t cap)
{
	const char *root = lab_world_share_dir(c->world);
	const char *unc = c->topo->share_unc;
	size_t n = unc ? strlen(unc) : 0;
	const char *rel = arg;

	if (!root)
		return err_set(ERR_NOTFOUND, "the lab has no share");
	if (unc && !strncasecmp(arg, unc, n))
		rel = arg + n;
	while (*rel == '\\' || *rel == '/')
		rel++;
	if (!*rel || strstr(rel, ".."))
		return err_set(ERR_INVALID, "'%s' is not a file in the share", arg);
	if (snprintf(out, cap, "%s/%s", root, rel) >= (int)cap)
		return err_set(ERR_INVALID, "'%s' is too long", arg);
	for (char *p = out + strlen(root); *p; p++)
		if (*p == '\\')
			*p = '/';
	if (access(out, F_OK) < 0)
		return err_set(ERR_NOTFOUND, "no file '%s' in the share", rel);
	return 0;
}

/* Flip 16 bytes in the middle of the file (and its last byte). */
static int corrupt(const char *path)
{
	struct stat st;
	unsigned char buf[16];
	int fd = open(path, O_RDWR | O_CLOEXEC), error = 0;
	off_t at;
	ssize_t k;

	if (fd < 0 || fstat(fd, &st) < 0) {
		error = err_set_errno(ERR_IO, "cannot open '%s'", path);
		goto done;
	}
	at = st.st_size / 2;
	if ((k = pread(fd, buf, sizeof(buf), at)) <= 0) {
		error = err_set(ERR_INVALID, "'%s' is empty", path);
		goto done;
	}
	for (ssize_t i = 0; i < k; i++)
		buf[i] ^= 0xA5;
	if (pwrite(fd, buf, (size_t)k, at) != k)
		error = err_set_errno(ERR_IO, "cannot write '%s'", path);
done:
	if (fd >= 0)
		close(fd);
	return error;
}

static int number(const char *s, double lo, double hi, double *out)
{
	char *end = NULL;

	*out = s ? strtod(s, &end) : 0;
	if (!s || !*s || *end || !(*out >= lo) || !(*out <= hi))
		return err_set(ERR_INVALID, "'%s' is not a number from %g to %g", s ? s : "", lo,
		               hi);
	return 0;
}

static int apply(struct labctl *c, char **w, int n, struct strbuf *reply)
{
	char path[PATH_MAX];
	double v;
	int error, i;

	if (n == 2 && (!strcmp(w[0], "stop") || !strcmp(w[0], "start")))
		return set_up(c, w[1], !strcmp(w[0], "start"), reply);
	if (n == 3 && !strcmp(w[0], "partition")) {
		if ((error = lab_world_partition(c->world, w[1], w[2])) == 0)
			strbuf_printf(reply, "sites '%s' and '%s' cut apart", w[1], w[2]);
		return error;
	}
	if (n == 1 && !strcmp(w[0], "heal")) {
		lab_world_heal(c->world);
		strbuf_puts(reply, "every link between sites restored");
		return 0;
	}
	if (n == 2 && !strcmp(w[0], "rebuild"))
		return rebuild(c, w[1], reply);
	if (n == 2 && (!strcmp(w[0], "lose-file") || !strcmp(w[0], "corrupt-file"))) {
		if ((error = share_file(c, w[1], path, sizeof(path))) < 0)
			return error;
		if (!strcmp(w[0], "lose-file") && unlink(path) < 0)
			return err_set_errno(ERR_IO, "cannot delete '%s'", path);
		if (!strcmp(w[0], "corrupt-file") && (error = corrupt(path)) < 0)
			return error;
		strbuf_printf(reply, "%s '%s'", w[0][0] == 'l' ? "lost" : "corrupted", w[1]);
		return 0;
	}
	if (n == 3 && (!strcmp(w[0], "lose-db-file") || !strcmp(w[0], "corrupt-db-file"))) {
		if ((i = lab_world_instance_index(c->world, w[1])) < 0)
			return err_set(ERR_NOTFOUND, "no instance '%s' in the lab", w[1]);
		if ((error = lab_world_damage_db(c->world, (size_t)i, w[2], w[0][0] == 'l')) < 0)
			return error;
		strbuf_printf(reply, "a file of '%s' on '%s' %s", w[2], w[1],
		              w[0][0] == 'l' ? "is lost" : "is damaged");
		return 0;
	}
	if (n == 3 && !strcmp(w[0], "latency")) {
		if ((i = lab_world_instance_index(c->world, w[1])) < 0)
			return err_set(ERR_NOTFOUND, "no instance '%s' in the lab", w[1]);
		if ((error = number(w[2], 0, 60000, &v)) < 0)
			return error;
		lab_world_set_latency(c->world, (size_t)i, (int)v);
		strbuf_printf(reply, "'%s' answers %d ms later", w[1], (int)v);
		return 0;
	}
	if (n == 2 && !strcmp(w[0], "throughput")) {
		if ((error = number(w[1], 0.001, 1e6, &v)) < 0)
			return error;
		lab_world_set_throughput(c->world, v);
		strbuf_printf(reply, "backup and restore move %g MB/s", v);
		return 0;
	}
	return err_set(ERR_INVALID, "unknown control request '%s'", w[0]);
}

static void serve_one(struct labctl *c, int fd)
{
	char line[CTL_LINE_MAX], *w[8];
	struct strbuf reply = STRBUF_INIT, out = STRBUF_INIT;
	ssize_t k;
	size_t len = 0;
	int n = 0, error;

	while (len + 1 < sizeof(line) && (k = read(fd, line + len, sizeof(line) - 1 - len)) > 0) {
		len += (size_t)k;
		if (memchr(line, '\n', len))
			break;
	}
	line[len] = '\0';
	line[strcspn(line, "\n")] = '\0';
	for (char *p = line; *p && n < 8;) {
		p += strspn(p, " \t");
		if (!*p)
			break;
		w[n++] = p;
		p += strcspn(p, " \t");
		if (*p)
			*p++ = '\0';
	}
	err_clear();
	error = n ? apply(c, w, n, &reply) : err_set(ERR_INVALID, "empty request");
	if (error < 0)
		strbuf_printf(&out, "error %s\n", err_last());
	else
		strbuf_printf(&out, "ok %s\n", strbuf_cstr(&reply));
	if (error == 0) {
		fault_log(c, strbuf_cstr(&reply));
		log_info("fault: %s", strbuf_cstr(&reply));
	}
	if (write(fd, out.ptr, out.len) < 0)
		log_warn("control: cannot answer: %s", strerror(errno));
	strbuf_release(&reply);
	strbuf_release(&out);
}

static void *ctl_thread(void *arg)
{
	struct labctl *c = arg;
	struct pollfd pfd[2] = {{c->fd, POLLIN, 0}, {c->stop[0], POLLIN, 0}};

	for (;;) {
		int fd;

		if (poll(pfd, 2, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents)
			break;
		if (!(pfd[0].revents & POLLIN))
			continue;
		if ((fd = accept4(c->fd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		serve_one(c, fd);
		close(fd);
	}
	return NULL;
}

int labctl_start(struct labctl **out, const char *dir, struct lab_world *world,
                 struct lab_server *server, const struct lab_topology *topo)
{
	struct labctl *c = xcalloc(1, sizeof(*c));
	struct sockaddr_un sa;
	char path[PATH_MAX];
	int error = 0;

	*out = NULL;
	c->dir = xstrdup(dir);
	c->world = world;
	c->server = server;
	c->topo = topo;
	c->stop[0] = c->stop[1] = -1;
	c->fd = -1;
	labfile_path(path, sizeof(path), dir, CTL_SOCK);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		error = err_set(ERR_INVALID, "'%s' is too long for a socket path", path);
		goto done;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0600) < 0 ||
	    listen(c->fd, 16) < 0 || pipe2(c->stop, O_CLOEXEC) < 0) {
		error = err_set_errno(ERR_IO, "cannot listen on '%s'", path);
		goto done;
	}
	if (pthread_create(&c->thread, NULL, ctl_thread, c) != 0) {
		error = err_set(ERR_IO, "cannot start the control thread");
		goto done;
	}
	c->started = true;
	*out = c;
	c = NULL;
done:
	labctl_stop(c);
	return error;
}

void labctl_stop(struct labctl *c)
{
	char path[PATH_MAX];

	if (!c)
		return;
	if (c->started && write(c->stop[1], "x", 1) == 1)
		pthread_join(c->thread, NULL);
	if (c->fd >= 0)
		close(c->fd);
	if (c->stop[0] >= 0)
		close(c->stop[0]);
	if (c->stop[1] >= 0)
		close(c->stop[1]);
	unlink(labfile_path(path, sizeof(path), c->dir, CTL_SOCK));
	free(c->dir);
	free(c);
}
