/*
 * chat: the simulated Persistent Chat servers (see chat.h for what they
 * do). The process side (start, stop, status, the daemon's life) is
 * here; one server's loop is chat_server.c. Threads share the topology,
 * the login, the id counter and the ledger's descriptor; each owns its
 * connection and its copy of the pool state. Message ids (tblChat.chatId)
 * start at the start time in microseconds and count up, so two runs on
 * one ledger never reuse an id without reading it back.
 */
#include "lab/chat.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab/chat_int.h"
#include "lab/chatdb.h"
#include "lab/labfile.h"
#include "lab/topology.h"
#include "util/err.h"
#include "util/strbuf.h"
#include "util/xalloc.h"

volatile sig_atomic_t chat_stopping;

static void on_stop(int sig)
{
	(void)sig;
	chat_stopping = 1;
}

/* flock DIR/name: the fd, ERR_LOCKED when another process holds it. */
static int lock_file(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int fd = open(labfile_path(path, sizeof(path), dir, name), O_RDWR | O_CREAT | O_CLOEXEC,
	              0644);

	if (fd < 0)
		return err_set_errno(ERR_IO, "cannot open '%s'", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return err_set(ERR_LOCKED, "'%s' is locked", path);
	}
	return fd;
}

static bool held(const char *dir, const char *name)
{
	int fd = lock_file(dir, name);

	if (fd >= 0)
		close(fd);
	err_clear();
	return fd == ERR_LOCKED;
}

static long read_pid(const char *dir)
{
	char path[PATH_MAX];
	struct strbuf sb;
	long pid = 0;

	if (labfile_read(&sb, labfile_path(path, sizeof(path), dir, "chat.pid"), 64) == 0)
		pid = strtol(sb.ptr, NULL, 10);
	strbuf_release(&sb);
	err_clear();
	return pid;
}

void chat_log(const char *fmt, ...)
{
	char now[LEDGER_TIME_SIZE];
	struct strbuf line = STRBUF_INIT;
	va_list ap;

	ledger_time_format(now, labfile_now_us());
	strbuf_printf(&line, "%s ", now);
	va_start(ap, fmt);
	strbuf_vprintf(&line, fmt, ap);
	va_end(ap);
	strbuf_putc(&line, '\n');
	if (write(2, line.ptr, line.len) < 0)
		err_clear();
	strbuf_release(&line);
}

/* DIR/chat.status: one line per server, rewritten while the daemon runs. */
static void write_status(struct chat_shared *sh)
{
	struct strbuf sb = STRBUF_INIT;
	char path[PATH_MAX];

	strbuf_printf(&sb, "rate %d/s per active server\n", sh->rate);
	pthread_mutex_lock(&sh->stats_lock);
	for (size_t i = 0; i < sh->n_servers; i++) {
		const struct chat_server *s = &sh->servers[i];
		strbuf_printf(&sb, "%-20s %-8s acked %-8llu refused %-6llu instance %s\n", s->name,
		              s->active ? "active" : "inactive", (unsigned long long)s->acked,
		              (unsigned long long)s->refused, s->instance[0] ? s->instance : "-");
	}
	pthread_mutex_unlock(&sh->stats_lock);
	if (labfile_write(labfile_path(path, sizeof(path), sh->dir, "chat.status"), sb.ptr, sb.len,
	                  0644) < 0)
		err_clear();
	strbuf_release(&sb);
}

static const struct lab_topo_login *admin_login(const struct lab_topology *topo)
{
	for (size_t i = 0; i < topo->n_logins; i++)
		if (topo->logins[i].sysadmin)
			return &topo->logins[i];
	return NULL;
}

/* Everything the threads share; the servers in topology order. */
static int shared_open(struct chat_shared *sh, const char *dir, int rate)
{
	const struct lab_topo_login *admin;
	char path[PATH_MAX];
	struct stat st;
	int error;

	memset(sh, 0, sizeof(*sh));
	sh->dir = dir;
	sh->rate = rate;
	sh->ledger_fd = -1;
	pthread_mutex_init(&sh->ledger_lock, NULL);
	pthread_mutex_init(&sh->stats_lock, NULL);
	if ((error = labfile_topology(&sh->topo, dir)) < 0 || (error = chatdb_init(dir)) < 0)
		return error;
	if (!(admin = admin_login(sh->topo)))
		return err_set(ERR_INVALID, "the topology has no sysadmin login");
	sh->user = admin->name;
	sh->password = admin->password;
	sh->next_id = labfile_now_us();
	labfile_path(path, sizeof(path), dir, "ledger");
	if ((sh->ledger_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0)
		return err_set_errno(ERR_IO, "cannot open '%s'", path);
	if (fstat(sh->ledger_fd, &st) == 0 && st.st_size == 0 &&
	    write(sh->ledger_fd, CHAT_LEDGER_HEADER, strlen(CHAT_LEDGER_HEADER)) < 0)
		return err_set_errno(ERR_IO, "cannot write '%s'", path);
	for (size_t s = 0; s < sh->topo->n_sites; s++)
		sh->n_servers += sh->topo->sites[s].n_chat_servers;
	sh->servers = xcalloc(sh->n_servers ? sh->n_servers : 1, sizeof(*sh->servers));
	for (size_t s = 0, k = 0; s < sh->topo->n_sites; s++)
		for (size_t i = 0; i < sh->topo->sites[s].n_chat_servers; i++, k++) {
			sh->servers[k].sh = sh;
			sh->servers[k].name = sh->topo->sites[s].chat_servers[i];
			sh->servers[k].server_id = (int)k + 1;
		}
	return 0;
}

static void shared_close(struct chat_shared *sh)
{
	free(sh->servers);
	if (sh->ledger_fd >= 0)
		close(sh->ledger_fd);
	lab_topology_free(sh->topo);
	pthread_mutex_destroy(&sh->ledger_lock);
	pthread_mutex_destroy(&sh->stats_lock);
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The daemon: start the threads, report, keep chat.status fresh, stop. */
static int run_daemon(const char *dir, int rate, int report_fd)
{
	struct chat_shared sh;
	char path[PATH_MAX], pid[32];
	size_t started = 0;
	int lock_fd = lock_file(dir, "chat.lock"), error = lock_fd < 0 ? lock_fd : 0;

	install_signals();
	if (!error)
		error = shared_open(&sh, dir, rate);
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (!error)
		error = labfile_write(labfile_path(path, sizeof(path), dir, "chat.pid"), pid,
		                      strlen(pid), 0644);
	while (!error && started < sh.n_servers) {
		if (pthread_create(&sh.servers[started].thread, NULL, chat_server_run,
		                   &sh.servers[started]) != 0)
			error = err_set(ERR_GENERIC, "cannot start a chat server thread");
		else
			started++;
	}
	if (report_fd >= 0) {
		const char *msg = error ? err_last() : "ready";
		if (write(report_fd, msg, strlen(msg)) < 0)
			err_clear();
		close(report_fd);
	}
	if (!error)
		chat_log("chat: %zu servers, %d messages/s per active server", sh.n_servers, rate);
	for (unsigned tick = 1; !error && !chat_stopping; tick++) {
		write_status(&sh);
		chat_sleep_us(250000);
		if (tick % 4 == 0 && !held(dir, "lab.lock")) {
			/* the lab is down: nobody would ever stop us otherwise */
			chat_log("chat: the lab stopped: stopping chat traffic");
			break;
		}
	}
	chat_stopping = 1;
	for (size_t i = 0; i < started; i++)
		pthread_join(sh.servers[i].thread, NULL);
	if (!error) {
		write_status(&sh);
		chat_log("chat: stopped");
		unlink(labfile_path(path, sizeof(path), dir, "chat.pid"));
	}
	if (lock_fd >= 0) {
		shared_close(&sh);
		close(lock_fd);
	}
	return error;
}

/* In the grandchild: stdio to DIR/chat.log, run. */
static void become_daemon(const char *dir, int rate, int report_fd)
{
	char path[PATH_MAX];
	int fd = open(labfile_path(path, sizeof(path), dir, "chat.log"),
	              O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || null < 0)
		_exit(1);
	dup2(null, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	close(fd);
	close(null);
	_exit(run_daemon(dir, rate, report_fd) < 0 ? 1 : 0);
}

/* Fork twice, wait for "ready" or the daemon's error on a pipe. */
static int chat_start(const char *dir, int rate)
{
	char msg[1024];
	ssize_t k, got = 0;
	int p[2], status;
	pid_t child;

	if (held(dir, "chat.lock"))
		return err_set(ERR_LOCKED, "chat traffic is already running in '%s' (pid %ld)", dir,
		               read_pid(dir));
	if (!held(dir, "lab.lock"))
		return err_set(ERR_CONFLICT,
		               "no lab is running in '%s': start it with pcdr-lab --dir '%s' up",
		               dir, dir);
	if (pipe2(p, O_CLOEXEC) < 0)
		return err_set_errno(ERR_IO, "pipe");
	fflush(NULL);
	if ((child = fork()) < 0)
		return err_set_errno(ERR_IO, "fork");
	if (child == 0) {
		close(p[0]);
		setsid();
		if (fork() == 0)
			become_daemon(dir, rate, p[1]);
		_exit(0);
	}
	close(p[1]);
	waitpid(child, &status, 0);
	while ((k = read(p[0], msg + got, sizeof(msg) - 1 - (size_t)got)) > 0 ||
	       (k < 0 && errno == EINTR))
		got += k > 0 ? k : 0;
	close(p[0]);
	msg[got] = '\0';
	if (strcmp(msg, "ready") != 0)
		return err_set(ERR_GENERIC, "chat traffic did not start: %s",
		               got ? msg : "see chat.log");
	return 0;
}

static int chat_stop(const char *dir)
{
	long pid = read_pid(dir);

	if (!held(dir, "chat.lock")) {
		printf("chat traffic is not running in '%s'\n", dir);
		return 0;
	}
	if (pid <= 0 || kill((pid_t)pid, SIGTERM) < 0)
		return err_set(ERR_GENERIC, "chat traffic in '%s' has no valid chat.pid", dir);
	for (int i = 0; i < 300 && held(dir, "chat.lock"); i++)
		chat_sleep_us(100000);
	if (held(dir, "chat.lock"))
		return err_set(ERR_TIMEOUT, "chat traffic (pid %ld) did not stop in 30 s", pid);
	printf("chat traffic in '%s' stopped\n", dir);
	return 0;
}

static int chat_status(const char *dir)
{
	char path[PATH_MAX];
	struct strbuf sb;
	bool running = held(dir, "chat.lock");

	if (running)
		printf("chat traffic: running (pid %ld)\n", read_pid(dir));
	else
		printf("chat traffic: stopped\n");
	if (labfile_read(&sb, labfile_path(path, sizeof(path), dir, "chat.status"), 1 << 20) == 0)
		fputs(sb.ptr, stdout);
	strbuf_release(&sb);
	err_clear();
	return running ? 0 : 3;
}

static int parse_rate(int argc, char **argv, int *rate)
{
	char *end = NULL;
	long v;

	*rate = CHAT_DEFAULT_RATE;
	if (argc == 1)
		return 0;
	if (argc != 3 || strcmp(argv[1], "--rate"))
		return -1;
	v = strtol(argv[2], &end, 10);
	if (!*argv[2] || *end || v < 1 || v > CHAT_MAX_RATE)
		return -1;
	*rate = (int)v;
	return 0;
}

int chat_main(const char *dir, int argc, char **argv)
{
	const char *verb = argc > 0 ? argv[0] : "";
	int rate, error;

	err_clear();
	if (!strcmp(verb, "start") && parse_rate(argc, argv, &rate) == 0) {
		struct lab_topology *topo = NULL;
		if ((error = labfile_topology(&topo, dir)) == 0)
			error = chat_start(dir, rate);
		lab_topology_free(topo);
		if (!error)
			printf("chat traffic started in '%s' (%d messages/s per active server)\n",
			       dir, rate);
	} else if (!strcmp(verb, "stop") && argc == 1) {
		error = chat_stop(dir);
	} else if (!strcmp(verb, "status") && argc == 1) {
		return chat_status(dir);
	} else {
		fprintf(stderr,
		        "pcdr-lab: bad chat arguments\n"
		        "usage: pcdr-lab --dir DIR chat start [--rate N (1-%d)] | stop | status\n",
		        CHAT_MAX_RATE);
		return 129;
	}
	if (error < 0) {
		fprintf(stderr, "pcdr-lab: %s\n", err_last());
		return 1;
	}
	return 0;
}
