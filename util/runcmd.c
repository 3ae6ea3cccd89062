/*
 * runcmd: posix_spawnp with three pipes and a poll loop. The child gets
 * its own process group, default signal dispositions and an empty
 * signal mask; every pipe end is close-on-exec, so programs started by
 * other threads at the same time never inherit our pipes. The parent
 * feeds stdin, drains stdout and stderr, and enforces the deadline and
 * the caps; writing to a program that stopped reading is not an error
 * and never raises SIGPIPE in the parent.
 */
#include "util/runcmd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "util/xalloc.h"

extern char **environ;

struct runcmd_io {
	int in, out, err; /* parent ends, -1 when closed */
	const char *stdin_data;
	size_t stdin_len, stdin_off;
	size_t stdout_limit, stderr_limit;
};

static int64_t runcmd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void runcmd_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static char **runcmd_envp(const char *const *env_add)
{
	size_t n = 0, k = 0, i;
	char **envp;

	while (environ[n])
		n++;
	while (env_add && env_add[k])
		k++;
	envp = xcalloc(n + k + 1, sizeof(*envp));
	for (i = 0; i < n; i++)
		envp[i] = environ[i];
	for (i = 0; i < k; i++)
		envp[n + i] = (char *)env_add[i];
	return envp;
}

static int runcmd_spawn(pid_t *pid, const struct runcmd_opts *opts, int child_in, int child_out,
                        int child_err)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, defaults;
	char **envp = runcmd_envp(opts->env_add);
	int rc;

	posix_spawn_file_actions_init(&fa);
	if (child_in >= 0)
		posix_spawn_file_actions_adddup2(&fa, child_in, 0);
	else
		posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, child_out, 1);
	posix_spawn_file_actions_adddup2(&fa, child_err, 2);

	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&defaults);
	sigaddset(&defaults, SIGPIPE);
	sigaddset(&defaults, SIGINT);
	sigaddset(&defaults, SIGQUIT);
	sigaddset(&defaults, SIGTERM);
	sigaddset(&defaults, SIGHUP);
	sigaddset(&defaults, SIGCHLD);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &defaults);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
	                                        POSIX_SPAWN_SETSIGDEF);

	rc = posix_spawnp(pid, opts->argv[0], &fa, &attr, (char *const *)opts->argv, envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	free(envp);
	if (rc == ENOENT || rc == EACCES || rc == ENOTDIR || rc == ENOEXEC) {
		errno = rc;
		return err_set_errno(ERR_NOTFOUND, "cannot run '%s'", opts->argv[0]);
	}
	if (rc != 0) {
		errno = rc;
		return err_set_errno(ERR_IO, "cannot start '%s'", opts->argv[0]);
	}
	return 0;
}

/* Write what the pipe takes; a reader that went away just ends stdin. */
static void runcmd_feed(struct runcmd_io *io)
{
	sigset_t pipe_set, old;
	struct timespec zero = {0, 0};
	ssize_t n;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	n = write(io->in, io->stdin_data + io->stdin_off, io->stdin_len - io->stdin_off);
	if (n < 0 && errno == EPIPE)
		sigtimedwait(&pipe_set, NULL, &zero);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (n > 0)
		io->stdin_off += (size_t)n;
	if ((n < 0 && errno != EAGAIN && errno != EINTR) || io->stdin_off >= io->stdin_len)
		runcmd_close(&io->in);
}

/* Drain one pipe. Returns ERR_LIMIT when stdout passes its cap. */
static int runcmd_drain(int *fd, struct strbuf *sb, size_t limit, int is_stdout)
{
	char buf[8192];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		runcmd_close(fd);
		return 0;
	}
	if (n < 0)
		return 0;
	if (is_stdout) {
		if (sb->len + (size_t)n > limit)
			return ERR_LIMIT;
		strbuf_add(sb, buf, (size_t)n);
	} else if (sb->len < limit) {
		size_t keep = limit - sb->len < (size_t)n ? limit - sb->len : (size_t)n;
		strbuf_add(sb, buf, keep);
	}
	return 0;
}

/* The poll loop: 0 when both output pipes reached EOF. */
static int runcmd_pump(struct runcmd_io *io, struct runcmd_result *res, int64_t deadline)
{
	while (io->out >= 0 || io->err >= 0) {
		struct pollfd pfd[3];
		int nfds = 0, wait_ms = -1, rc, i;

		if (io->in >= 0)
			pfd[nfds++] = (struct pollfd){io->in, POLLOUT, 0};
		if (io->out >= 0)
			pfd[nfds++] = (struct pollfd){io->out, POLLIN, 0};
		if (io->err >= 0)
			pfd[nfds++] = (struct pollfd){io->err, POLLIN, 0};
		if (deadline) {
			int64_t left = deadline - runcmd_now_ms();
			if (left <= 0)
				return ERR_TIMEOUT;
			wait_ms = left > INT32_MAX ? INT32_MAX : (int)left;
		}
		rc = poll(pfd, (nfds_t)nfds, wait_ms);
		if (rc < 0 && errno != EINTR)
			return err_set_errno(ERR_IO, "poll");
		for (i = 0; rc > 0 && i < nfds; i++) {
			if (!pfd[i].revents)
				continue;
			if (pfd[i].fd == io->in)
				runcmd_feed(io);
			else if (pfd[i].fd == io->out &&
			         runcmd_drain(&io->out, &res->out, io->stdout_limit, 1) < 0)
				return ERR_LIMIT;
			else if (pfd[i].fd == io->err)
				runcmd_drain(&io->err, &res->err, io->stderr_limit, 0);
		}
	}
	return 0;
}

static int runcmd_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0)
		return err_set_errno(ERR_IO, "cannot create a pipe");
	return 0;
}

/* Wait for the program; past the deadline (0: none) kill its group.
 * Returns ERR_TIMEOUT when it had to be killed. */
static int runcmd_reap(pid_t pid, struct runcmd_result *res, int64_t deadline)
{
	struct timespec tick = {0, 5 * 1000 * 1000};
	int status, error = 0;
	pid_t got;

	for (;;) {
		got = waitpid(pid, &status, deadline && !error ? WNOHANG : 0);
		if (got == pid)
			break;
		if (got < 0 && errno != EINTR)
			return error;
		if (got == 0 && runcmd_now_ms() >= deadline) {
			kill(-pid, SIGKILL);
			error = ERR_TIMEOUT;
		} else if (got == 0) {
			nanosleep(&tick, NULL);
		}
	}
	if (WIFEXITED(status)) {
		res->exited = 1;
		res->exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		res->term_signal = WTERMSIG(status);
	}
	return error;
}

/* The first line of stderr, for a message. */
static void runcmd_first_line(const struct strbuf *err, char *out, size_t size)
{
	const char *s = strbuf_cstr(err);
	size_t n = strcspn(s, "\r\n");

	if (n >= size)
		n = size - 1;
	memcpy(out, s, n);
	out[n] = '\0';
}

static int runcmd_status(const struct runcmd_opts *opts, struct runcmd_result *res)
{
	char line[512];

	if (res->exited && res->exit_code == 0)
		return 0;
	runcmd_first_line(&res->err, line, sizeof(line));
	if (res->exited)
		return err_set(ERR_GENERIC, "'%s' exited with status %d%s%s", opts->argv[0],
		               res->exit_code, line[0] ? ": " : "", line);
	return err_set(ERR_GENERIC, "'%s' was killed by signal %d%s%s", opts->argv[0],
	               res->term_signal, line[0] ? ": " : "", line);
}

static void runcmd_set_nonblock(int fd)
{
	if (fd >= 0)
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

int runcmd_run(struct runcmd_result *res, const struct runcmd_opts *opts)
{
	int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1};
	struct runcmd_io io = {
	        -1,
	        -1,
	        -1,
	        opts->stdin_data,
	        opts->stdin_len,
	        0,
	        opts->stdout_limit ? opts->stdout_limit : RUNCMD_STDOUT_LIMIT_DEFAULT,
	        opts->stderr_limit ? opts->stderr_limit : RUNCMD_STDERR_LIMIT_DEFAULT};
	pid_t pid = -1;
	int64_t deadline;
	int error;

	strbuf_init(&res->out, 0);
	strbuf_init(&res->err, 0);
	res->exited = 0;
	res->exit_code = -1;
	res->term_signal = 0;
	if (!opts->argv || !opts->argv[0] || !opts->argv[0][0])
		return err_set(ERR_INVALID, "no program to run");
	if ((opts->stdin_data && (error = runcmd_pipe(pin)) < 0) ||
	    (error = runcmd_pipe(pout)) < 0 || (error = runcmd_pipe(perr)) < 0)
		goto done;
	if ((error = runcmd_spawn(&pid, opts, pin[0], pout[1], perr[1])) < 0)
		goto done;
	runcmd_close(&pin[0]);
	runcmd_close(&pout[1]);
	runcmd_close(&perr[1]);
	io.in = pin[1], io.out = pout[0], io.err = perr[0];
	pin[1] = pout[0] = perr[0] = -1;
	runcmd_set_nonblock(io.in);
	runcmd_set_nonblock(io.out);
	runcmd_set_nonblock(io.err);

	deadline = opts->timeout_ms > 0 ? runcmd_now_ms() + opts->timeout_ms : 0;
	error = runcmd_pump(&io, res, deadline);
	if (error == ERR_TIMEOUT || error == ERR_LIMIT)
		kill(-pid, SIGKILL);
	if (runcmd_reap(pid, res, error ? 0 : deadline) == ERR_TIMEOUT)
		error = ERR_TIMEOUT;
	if (error == ERR_TIMEOUT)
		error = err_set(ERR_TIMEOUT, "'%s' timed out after %d ms", opts->argv[0],
		                opts->timeout_ms);
	else if (error == ERR_LIMIT)
		error = err_set(ERR_LIMIT, "'%s' wrote more than %zu bytes to stdout",
		                opts->argv[0], io.stdout_limit);
	else if (error == 0)
		error = runcmd_status(opts, res);
done:
	runcmd_close(&io.in);
	runcmd_close(&io.out);
	runcmd_close(&io.err);
	for (int i = 0; i < 2; i++) {
		runcmd_close(&pin[i]);
		runcmd_close(&pout[i]);
		runcmd_close(&perr[i]);
	}
	return error;
}

void runcmd_result_release(struct runcmd_result *res)
{
	if (!res)
		return;
	strbuf_release(&res->out);
	strbuf_release(&res->err);
}
