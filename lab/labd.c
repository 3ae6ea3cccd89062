/*
 * labd: lifecycle of the lab process (see labd.h for the lab dir
 * layout). `up` forks twice so the lab outlives the shell, and reads a
 * readiness line from a pipe the daemon writes once every listener is
 * bound and every file is written (or an error message when it could
 * not start). Liveness is a flock on DIR/lab.lock held by the daemon for
 * its whole life, so a stale lab.pid never blocks a restart. It knows
 * nothing of TDS or SQL: lab/server.c and the engine do that.
 */
#include "lab/labd.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab/engine.h"
#include "lab/labctl.h"
#include "lab/labfile.h"
#include "lab/server.h"
#include "lab/topology.h"
#include "util/err.h"
#include "util/log.h"
#include "util/strbuf.h"

#define LABD_FILE_MAX     (1u << 20)
#define LABD_DOWN_SECONDS 60
#define LABD_STOP_SECONDS 10

static int labd_stop_pipe[2] = {-1, -1};

static int mkdir_p(const char *path)
{
	char tmp[PATH_MAX];
	size_t i, n = strlen(path);

	if (n >= sizeof(tmp))
		return err_set(ERR_INVALID, "path '%s' is too long", path);
	memcpy(tmp, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
			return err_set_errno(ERR_IO, "cannot create '%s'", tmp);
		tmp[i] = path[i];
	}
	return 0;
}

/* Lock DIR/lab.lock: 0 (fd in *out), ERR_LOCKED when a lab holds it. */
static int lock_dir(const char *dir, int *out)
{
	char path[PATH_MAX];
	int fd = open(labfile_path(path, sizeof(path), dir, "lab.lock"),
	              O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	*out = -1;
	if (fd < 0)
		return err_set_errno(ERR_IO, "cannot open '%s'", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return err_set(ERR_LOCKED, "a lab is already running in '%s'", dir);
	}
	*out = fd;
	return 0;
}

static bool lab_running(const char *dir)
{
	int fd;

	if (lock_dir(dir, &fd) == ERR_LOCKED)
		return true;
	if (fd >= 0)
		close(fd);
	return false;
}

static long read_pid(const char *dir)
{
	char path[PATH_MAX];
	struct strbuf sb;
	long pid = 0;

	if (labfile_read(&sb, labfile_path(path, sizeof(path), dir, "lab.pid"), LABD_FILE_MAX) == 0)
		pid = strtol(strbuf_cstr(&sb), NULL, 10);
	strbuf_release(&sb);
	err_clear();
	return pid;
}

/* Single-quote for a POSIX shell. */
static void shell_quote(struct strbuf *sb, const char *s)
{
	strbuf_putc(sb, '\'');
	for (; *s; s++)
		if (*s == '\'')
			strbuf_puts(sb, "'\\''");
		else
			strbuf_putc(sb, *s);
	strbuf_putc(sb, '\'');
}

static const struct lab_topo_login *admin_login(const struct lab_topology *topo)
{
	for (size_t i = 0; i < topo->n_logins; i++)
		if (topo->logins[i].sysadmin)
			return &topo->logins[i];
	return NULL;
}

/* ports, freetds.conf, env (0600) and lab.pid */
static int write_runtime_files(const char *dir, const struct lab_server *server,
                               const struct lab_topology *topo)
{
	const struct lab_topo_login *admin = admin_login(topo);
	struct strbuf ports = STRBUF_INIT, conf = STRBUF_INIT, env = STRBUF_INIT;
	char path[PATH_MAX], pid[32];
	int error;
	size_t i;

	strbuf_puts(&conf, "# written by pcdr-lab up: one entry per simulated instance\n"
	                   "[global]\n\ttds version = 7.4\n\tencryption = off\n");
	for (i = 0; i < server_count(server); i++) {
		strbuf_printf(&ports, "%s %u\n", server_name(server, i), server_port(server, i));
		strbuf_printf(&conf,
		              "\n[%s]\n\thost = 127.0.0.1\n\tport = %u\n\ttds version = 7.4\n"
		              "\tencryption = off\n",
		              server_name(server, i), server_port(server, i));
	}
	strbuf_puts(&env, "export FREETDSCONF=");
	shell_quote(&env, labfile_path(path, sizeof(path), dir, "freetds.conf"));
	strbuf_puts(&env, "\nexport PCDR_LAB_DIR=");
	shell_quote(&env, dir);
	strbuf_puts(&env, "\nexport PCDR_SQL_USER=");
	shell_quote(&env, admin ? admin->name : "");
	strbuf_puts(&env, "\nexport PCDR_SQL_PASSWORD=");
	shell_quote(&env, admin ? admin->password : "");
	strbuf_puts(&env, "\n");
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if ((error = labfile_write(labfile_path(path, sizeof(path), dir, "ports"), ports.ptr,
	                           ports.len, 0644)) < 0 ||
	    (error = labfile_write(labfile_path(path, sizeof(path), dir, "freetds.conf"), conf.ptr,
	                           conf.len, 0644)) < 0 ||
	    (error = labfile_write(labfile_path(path, sizeof(path), dir, "env"), env.ptr, env.len,
	                           0600)) < 0 ||
	    (error = labfile_write(labfile_path(path, sizeof(path), dir, "lab.pid"), pid,
	                           strlen(pid), 0644)) < 0)
		goto done;
done:
	memset(env.ptr, 0, env.len);
	strbuf_release(&ports);
	strbuf_release(&conf);
	strbuf_release(&env);
	return error;
}

static void on_stop_signal(int sig)
{
	char b = (char)sig;
	ssize_t k = write(labd_stop_pipe[1], &b, 1);
	(void)k;
}

static int install_signals(void)
{
	struct sigaction sa;

	if (pipe2(labd_stop_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		return err_set_errno(ERR_IO, "pipe");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	return 0;
}

/* Tell `up` how starting went: "ready\n<table>" or "error\n<message>". */
static void report(int fd, const char *status, const char *text)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_printf(&sb, "%s\n%s", status, text);
	if (fd < 0) {
		fprintf(strcmp(status, "ready") ? stderr : stdout, "%s%s", text,
		        strcmp(status, "ready") ? "\n" : "");
		fflush(NULL);
	} else if (write(fd, sb.ptr, sb.len) < 0) {
		log_error("cannot report readiness: %s", strerror(errno));
	}
	strbuf_release(&sb);
}

static void ready_table(struct strbuf *sb, const struct lab_server *server, const char *dir)
{
	strbuf_printf(sb, "lab running in '%s' (pid %ld)\n", dir, (long)getpid());
	for (size_t i = 0; i < server_count(server); i++)
		strbuf_printf(sb, "%-24s 127.0.0.1:%u\n", server_name(server, i),
		              server_port(server, i));
	strbuf_printf(sb, "load the environment with: . '%s/env'\n", dir);
}

/* Instances that were stopped when the lab went down (DIR/state/faults)
 * stay stopped: their listeners close again (their ports are kept). */
static int stop_stopped(struct lab_world *world, struct lab_server *server)
{
	for (size_t i = 0; i < lab_world_instance_count(world); i++) {
		if (lab_world_running(world, i))
			continue;
		server_mark_down(server, i);
		log_info("'%s' stays stopped (it was when the lab went down)",
		         lab_world_instance_name(world, i));
	}
	return 0;
}

/* The lab process: bind, announce, serve until a stop signal, save. */
static int run_lab(const struct labd_opts *o, const char *dir, struct lab_topology *topo,
                   int report_fd)
{
	struct lab_world *world = NULL;
	struct lab_server *server = NULL;
	struct labctl *ctl = NULL;
	struct strbuf table = STRBUF_INIT;
	char state[PATH_MAX], path[PATH_MAX];
	int lock_fd = -1, error;

	if ((error = lock_dir(dir, &lock_fd)) < 0 || (error = install_signals()) < 0)
		goto fail;
	labctl_clock_load(dir, o->clock_scale);
	if ((error = lab_world_create(&world, topo,
	                              labfile_path(state, sizeof(state), dir, "state"))) < 0 ||
	    (error = server_start(&server, world, o->base_port)) < 0 ||
	    (error = lab_agent_start(world)) < 0 ||
	    (error = labctl_start(&ctl, dir, world, server, topo)) < 0 ||
	    (error = stop_stopped(world, server)) < 0 ||
	    (error = write_runtime_files(dir, server, topo)) < 0) {
	fail:
		report(report_fd, "error", err_last());
		goto done;
	}
	ready_table(&table, server, dir);
	report(report_fd, "ready", strbuf_cstr(&table));
	if (report_fd >= 0)
		close(report_fd);
	log_info("lab up in '%s': %zu instances", dir, server_count(server));
	error = server_run(server, labd_stop_pipe[0]);
	log_info("stopping: closing connections");
	labctl_stop(ctl);
	ctl = NULL;
	lab_agent_stop(world);
	server_free(server, LABD_STOP_SECONDS);
	server = NULL;
	labctl_clock_save(dir);
	if (lab_world_save(world) < 0) {
		log_error("cannot save the lab state: %s", err_last());
		error = ERR_IO;
	}
	unlink(labfile_path(path, sizeof(path), dir, "lab.pid"));
	log_info("lab down");
done:
	labctl_stop(ctl);
	server_free(server, LABD_STOP_SECONDS);
	lab_world_free(world);
	strbuf_release(&table);
	if (lock_fd >= 0)
		close(lock_fd);
	return error;
}

/* In the grandchild: detach stdio, log to DIR/lab.log, run. */
static void become_daemon(const struct labd_opts *o, const char *dir, struct lab_topology *topo,
                          int report_fd)
{
	char path[PATH_MAX];
	int fd = open(labfile_path(path, sizeof(path), dir, "lab.log"),
	              O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || null < 0) {
		report(report_fd, "error", "cannot open the lab log");
		exit(1);
	}
	dup2(null, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	close(fd);
	close(null);
	umask(022);
	log_set_level(LOG_INFO);
	exit(run_lab(o, dir, topo, report_fd) < 0 ? 1 : 0);
}

/* Fork twice; wait for the daemon's readiness report. */
static int spawn(const struct labd_opts *o, const char *dir, struct lab_topology *topo)
{
	struct strbuf msg;
	char buf[4096];
	ssize_t k;
	int p[2], status = 0;
	pid_t child;

	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set_errno(ERR_IO, "pipe");
	fflush(NULL);
	if ((child = fork()) < 0)
		return err_set_errno(ERR_IO, "fork");
	if (child == 0) {
		close(p[0]);
		setsid();
		if (fork() == 0)
			become_daemon(o, dir, topo, p[1]);
		_exit(0);
	}
	close(p[1]);
	waitpid(child, &status, 0);
	strbuf_init(&msg, 65536);
	while ((k = read(p[0], buf, sizeof(buf))) > 0 || (k < 0 && errno == EINTR))
		if (k > 0 && strbuf_add(&msg, buf, (size_t)k) < 0)
			break;
	close(p[0]);
	if (!strncmp(strbuf_cstr(&msg), "ready\n", 6)) {
		fputs(strbuf_cstr(&msg) + 6, stdout);
		strbuf_release(&msg);
		return 0;
	}
	if (!strncmp(strbuf_cstr(&msg), "error\n", 6))
		err_set(ERR_GENERIC, "%s", strbuf_cstr(&msg) + 6);
	else
		err_set(ERR_GENERIC,
		        "the lab process exited before it was ready (see '%s/lab.log')", dir);
	strbuf_release(&msg);
	return ERR_GENERIC;
}

/* Load the topology (the given file, else DIR's copy) and keep a copy in DIR
 * (mode 0600, like env: it holds the lab logins' passwords). */
static int prepare_dir(const struct labd_opts *o, const char *dir, struct lab_topology **topo)
{
	char path[PATH_MAX], sub[PATH_MAX];
	struct strbuf yaml = STRBUF_INIT;
	int error;

	labfile_path(path, sizeof(path), dir, "topology.yaml");
	if ((error = lab_topology_load(topo, o->topology ? o->topology : path)) < 0)
		goto done;
	if (o->topology && ((error = labfile_read(&yaml, o->topology, LABD_FILE_MAX)) < 0 ||
	                    (error = labfile_write(path, yaml.ptr, yaml.len, 0600)) < 0))
		goto done;
	if ((error = mkdir_p(labfile_path(sub, sizeof(sub), dir, "state"))) < 0 ||
	    (error = mkdir_p(labfile_path(sub, sizeof(sub), dir, (*topo)->share_dir))) < 0)
		goto done;
done:
	strbuf_release(&yaml);
	return error;
}

int labd_up(const struct labd_opts *o)
{
	struct lab_topology *topo = NULL;
	char dir[PATH_MAX], path[PATH_MAX];
	int error, rc = LABD_EXIT_ERROR;

	if (mkdir_p(o->dir) < 0 || !realpath(o->dir, dir)) {
		fprintf(stderr, "pcdr-lab: cannot use '%s': %s\n", o->dir, err_last());
		return LABD_EXIT_ERROR;
	}
	if (lab_running(dir)) {
		fprintf(stderr,
		        "pcdr-lab: a lab is already running in '%s' (pid %ld); "
		        "stop it with: pcdr-lab --dir '%s' down\n",
		        dir, read_pid(dir), dir);
		return LABD_EXIT_ERROR;
	}
	if (!o->topology &&
	    access(labfile_path(path, sizeof(path), dir, "topology.yaml"), F_OK) < 0) {
		fprintf(stderr, "pcdr-lab: '%s' has no topology yet: give --topology FILE\n", dir);
		return LABD_EXIT_USAGE;
	}
	if ((error = prepare_dir(o, dir, &topo)) < 0)
		goto done;
	if (o->foreground)
		log_set_level(LOG_INFO); /* logins and stops on the terminal */
	error = o->foreground ? run_lab(o, dir, topo, -1) : spawn(o, dir, topo);
	rc = error < 0 ? LABD_EXIT_ERROR : LABD_EXIT_OK;
done:
	if (error < 0 && !o->foreground)
		fprintf(stderr, "pcdr-lab: %s\n", err_last());
	lab_topology_free(topo);
	return rc;
}

static bool process_gone(long pid)
{
	char path[64], buf[256];
	ssize_t k;
	int fd;

	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return true;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return true;
	k = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[k > 0 ? k : 0] = '\0';
	{
		const char *paren = strrchr(buf, ')'); /* state follows "(comm) " */
		return paren && paren[1] == ' ' && paren[2] == 'Z';
	}
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int labd_down(const struct labd_opts *o)
{
	char dir[PATH_MAX];
	long pid;
	int waited;

	if (!realpath(o->dir, dir) || !lab_running(dir)) {
		printf("no lab is running in '%s'\n", o->dir);
		return LABD_EXIT_OK;
	}
	if ((pid = read_pid(dir)) <= 0 || kill((pid_t)pid, SIGTERM) < 0) {
		fprintf(stderr,
		        "pcdr-lab: the lab in '%s' holds its lock but has no valid lab.pid\n", dir);
		return LABD_EXIT_ERROR;
	}
	for (waited = 0; waited < LABD_DOWN_SECONDS * 10; waited++) {
		if (!lab_running(dir) && process_gone(pid))
			break;
		sleep_ms(100);
	}
	if (waited == LABD_DOWN_SECONDS * 10) {
		fprintf(stderr, "pcdr-lab: the lab in '%s' (pid %ld) did not stop in %d s\n", dir,
		        pid, LABD_DOWN_SECONDS);
		return LABD_EXIT_ERROR;
	}
	printf("lab in '%s' stopped\n", dir);
	return LABD_EXIT_OK;
}

static bool port_open(unsigned port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool up;

	if (fd < 0)
		return false;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	up = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return up;
}

int labd_status(const struct labd_opts *o)
{
	char dir[PATH_MAX], path[PATH_MAX], name[256];
	struct strbuf ports;
	bool running, all_up = true;
	const char *line;
	unsigned port;
	int used;

	if (!realpath(o->dir, dir) ||
	    labfile_read(&ports, labfile_path(path, sizeof(path), dir, "ports"), LABD_FILE_MAX) <
	            0) {
		fprintf(stderr, "pcdr-lab: no lab in '%s'\n", o->dir);
		return LABD_EXIT_ERROR;
	}
	running = lab_running(dir);
	if (running)
		printf("lab '%s': running (pid %ld)\n", dir, read_pid(dir));
	else
		printf("lab '%s': stopped\n", dir);
	for (line = strbuf_cstr(&ports); *line; line += used) {
		const char *nl = strchr(line, '\n');
		used = nl ? (int)(nl - line) + 1 : (int)strlen(line);
		if (sscanf(line, "%255s %u", name, &port) == 2) {
			bool up = running && port_open(port);
			all_up = all_up && up;
			printf("%-24s %5u  %s\n", name, port, up ? "up" : "down");
		}
	}
	strbuf_release(&ports);
	return running && all_up ? LABD_EXIT_OK : LABD_EXIT_ERROR;
}
