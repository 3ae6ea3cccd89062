/*
 * server: listeners and connection threads of the lab. A poll() loop
 * accepts on every instance's listener; each connection gets a detached
 * thread that runs labconn_serve and is kept in a registry so that stop
 * can shut its socket down (which ends the read it is blocked in, and
 * makes a running statement see sink->cancelled()) and wait for it.
 * `pcdr-lab stop` closes an instance's listener (connecting is refused)
 * and shuts its connections down; `start` listens on the same port
 * again. No protocol here, and no files: lab/labd.c writes ports and
 * config.
 */
#include "lab/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lab/tds/labconn.h"
#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

#define SERVER_BACKLOG     512
#define SERVER_STACK_BYTES (2u << 20)
#define SERVER_FIRST_SPID  51

struct listener {
	int fd;
	uint16_t port;
	const char *name;
	uint16_t next_spid;
	bool down; /* pcdr-lab stop: the listener stays closed */
};

struct conn_job {
	struct lab_server *server;
	size_t instance;
	int fd;
	uint16_t spid;
	struct conn_job *prev, *next;
};

struct lab_server {
	struct lab_world *world;
	struct listener *ls;
	size_t n;
	pthread_mutex_t lock;
	pthread_cond_t idle;
	struct conn_job *jobs; /* live connections */
	size_t active;
	int wake[2]; /* server_set_up -> server_run: listeners changed */
	uint64_t changes, applied;
};

static int listen_on(struct listener *l, int port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int one = 1;

	if ((l->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return err_set_errno(ERR_IO, "cannot create a socket for '%s'", l->name);
	(void)setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)port);
	if (bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return err_set_errno(ERR_IO, "cannot listen for '%s' on 127.0.0.1:%d", l->name,
		                     port);
	if (listen(l->fd, SERVER_BACKLOG) < 0 ||
	    getsockname(l->fd, (struct sockaddr *)&sa, &len) < 0)
		return err_set_errno(ERR_IO, "cannot listen for '%s'", l->name);
	l->port = ntohs(sa.sin_port);
	return 0;
}

int server_start(struct lab_server **out, struct lab_world *world, int base_port)
{
	struct lab_server *s = xcalloc(1, sizeof(*s));
	int error = 0;
	size_t i;

	*out = NULL;
	s->world = world;
	s->n = lab_world_instance_count(world);
	s->ls = xcalloc(s->n ? s->n : 1, sizeof(*s->ls));
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->idle, NULL);
	for (i = 0; i < s->n; i++)
		s->ls[i].fd = -1;
	if (pipe2(s->wake, O_CLOEXEC | O_NONBLOCK) < 0) {
		s->wake[0] = s->wake[1] = -1;
		error = err_set_errno(ERR_IO, "pipe");
		goto done;
	}
	for (i = 0; i < s->n; i++) {
		int port = base_port > 0 ? base_port + (int)i : 0;

		s->ls[i].name = lab_world_instance_name(world, i);
		s->ls[i].next_spid = SERVER_FIRST_SPID;
		if (port > 65535) {
			error = err_set(ERR_INVALID, "port %d for '%s' is out of range", port,
			                s->ls[i].name);
			goto done;
		}
		if ((error = listen_on(&s->ls[i], port)) < 0)
			goto done;
	}
	*out = s;
	s = NULL;
done:
	server_free(s, 0);
	return error;
}

size_t server_count(const struct lab_server *server)
{
	return server->n;
}

const char *server_name(const struct lab_server *server, size_t i)
{
	return server->ls[i].name;
}

uint16_t server_port(const struct lab_server *server, size_t i)
{
	return server->ls[i].port;
}

static void *conn_thread(void *arg)
{
	struct conn_job *job = arg;
	struct lab_server *s = job->server;

	labconn_serve(job->fd, s->world, job->instance, s->ls[job->instance].name, job->spid);
	pthread_mutex_lock(&s->lock);
	if (job->prev)
		job->prev->next = job->next;
	else
		s->jobs = job->next;
	if (job->next)
		job->next->prev = job->prev;
	close(job->fd); /* under the lock: stop never shuts down a reused fd */
	s->active--;
	pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
	free(job);
	return NULL;
}

static void accept_one(struct lab_server *s, size_t i)
{
	struct conn_job *job;
	pthread_attr_t attr;
	pthread_t tid;
	int fd = accept4(s->ls[i].fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0) {
		if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
			log_warn("%s: accept: %s", s->ls[i].name, strerror(errno));
		return;
	}
	job = xcalloc(1, sizeof(*job));
	job->server = s;
	job->instance = i;
	job->fd = fd;
	job->spid = s->ls[i].next_spid;
	s->ls[i].next_spid = s->ls[i].next_spid >= 32767 ? SERVER_FIRST_SPID
	                                                 : (uint16_t)(s->ls[i].next_spid + 1);
	pthread_mutex_lock(&s->lock);
	if (s->ls[i].down) { /* stopped while the connection waited in the backlog */
		pthread_mutex_unlock(&s->lock);
		close(fd);
		free(job);
		return;
	}
	if (s->active >= SERVER_MAX_CONNECTIONS) {
		pthread_mutex_unlock(&s->lock);
		log_warn("%s: more than %d connections, refusing one", s->ls[i].name,
		         SERVER_MAX_CONNECTIONS);
		close(fd);
		free(job);
		return;
	}
	job->next = s->jobs;
	if (s->jobs)
		s->jobs->prev = job;
	s->jobs = job;
	s->active++;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, SERVER_STACK_BYTES);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&tid, &attr, conn_thread, job) != 0) {
		s->jobs = job->next;
		if (job->next)
			job->next->prev = NULL;
		s->active--;
		close(fd);
		free(job);
		log_error("%s: cannot start a connection thread", s->ls[i].name);
	}
	pthread_attr_destroy(&attr);
	pthread_mutex_unlock(&s->lock);
}

/* Close the listeners of stopped instances, reopen those started again
 * (on their old port); called by server_run's thread only. */
static void apply_changes(struct lab_server *s)
{
	char buf[64];

	while (read(s->wake[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n; i++) {
		if (s->ls[i].down && s->ls[i].fd >= 0) {
			close(s->ls[i].fd);
			s->ls[i].fd = -1;
		} else if (!s->ls[i].down && s->ls[i].fd < 0 &&
		           listen_on(&s->ls[i], s->ls[i].port) < 0) {
			log_error("%s: %s", s->ls[i].name, err_last());
			if (s->ls[i].fd >= 0)
				close(s->ls[i].fd);
			s->ls[i].fd = -1;
		}
	}
	s->applied = s->changes;
	pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
}

int server_run(struct lab_server *s, int stop_fd)
{
	struct pollfd *pfd = xcalloc(s->n + 2, sizeof(*pfd));
	int error = 0;
	size_t i;

	for (;;) {
		pthread_mutex_lock(&s->lock);
		for (i = 0; i < s->n; i++) {
			pfd[i].fd = s->ls[i].fd; /* -1: poll ignores it */
			pfd[i].events = POLLIN;
			pfd[i].revents = 0;
		}
		pthread_mutex_unlock(&s->lock);
		pfd[s->n].fd = stop_fd;
		pfd[s->n].events = POLLIN;
		pfd[s->n + 1].fd = s->wake[0];
		pfd[s->n + 1].events = POLLIN;
		if (poll(pfd, s->n + 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			error = err_set_errno(ERR_IO, "poll");
			break;
		}
		if (pfd[s->n].revents)
			break;
		if (pfd[s->n + 1].revents) {
			apply_changes(s);
			continue;
		}
		for (i = 0; i < s->n; i++)
			if (pfd[i].revents & POLLIN)
				accept_one(s, i);
	}
	free(pfd);
	return error;
}

static size_t connections_of(struct lab_server *s, size_t i)
{
	size_t n = 0;

	for (struct conn_job *job = s->jobs; job; job = job->next)
		n += job->instance == i;
	return n;
}

void server_mark_down(struct lab_server *s, size_t i)
{
	char b = 1;

	if (i >= s->n)
		return;
	pthread_mutex_lock(&s->lock);
	s->ls[i].down = true;
	s->changes++;
	if (write(s->wake[1], &b, 1) < 0 && errno != EAGAIN)
		log_error("%s: cannot wake the listener thread", s->ls[i].name);
	pthread_mutex_unlock(&s->lock);
}

int server_set_up(struct lab_server *s, size_t i, bool up, int wait_seconds)
{
	struct timespec until;
	uint64_t want;
	char b = 1;
	int error = 0;

	if (i >= s->n)
		return err_set(ERR_NOTFOUND, "no instance %zu", i);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_seconds;
	pthread_mutex_lock(&s->lock);
	s->ls[i].down = !up;
	want = ++s->changes;
	if (write(s->wake[1], &b, 1) < 0 && errno != EAGAIN)
		error = err_set_errno(ERR_IO, "cannot wake the listener thread");
	for (struct conn_job *job = s->jobs; !up && job; job = job->next)
		if (job->instance == i)
			shutdown(job->fd, SHUT_RDWR);
	while (!error && (s->applied < want || (!up && connections_of(s, i) > 0)))
		if (pthread_cond_timedwait(&s->idle, &s->lock, &until) == ETIMEDOUT) {
			error = err_set(ERR_TIMEOUT, "'%s' did not %s in %d s", s->ls[i].name,
			                up ? "start" : "stop", wait_seconds);
			break;
		}
	pthread_mutex_unlock(&s->lock);
	return error;
}

void server_free(struct lab_server *s, int wait_seconds)
{
	struct timespec until;
	struct conn_job *job;
	size_t i;

	if (!s)
		return;
	for (i = 0; i < s->n; i++)
		if (s->ls[i].fd >= 0)
			close(s->ls[i].fd);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += wait_seconds;
	pthread_mutex_lock(&s->lock);
	for (job = s->jobs; job; job = job->next)
		shutdown(job->fd, SHUT_RDWR);
	while (s->active > 0)
		if (pthread_cond_timedwait(&s->idle, &s->lock, &until) == ETIMEDOUT)
			break;
	i = s->active;
	pthread_mutex_unlock(&s->lock);
	if (i > 0) {
		/* threads still inside the engine: leak rather than free under them */
		log_warn("%zu connections did not end in %d s", i, wait_seconds);
		return;
	}
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->idle);
	if (s->wake[0] >= 0)
		close(s->wake[0]);
	if (s->wake[1] >= 0)
		close(s->wake[1]);
	free(s->ls);
	free(s);
}
