/*
 * labfile: file chores for the pool, chat and verify verbs (labfile.h).
 * Every failure is an err.h error naming the path.
 */
#include "lab/labfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lab/ledger.h"
#include "util/err.h"

const char *labfile_path(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= size)
		buf[0] = '\0';
	return buf;
}

int labfile_read(struct strbuf *out, const char *path, size_t limit)
{
	char buf[8192];
	ssize_t k;
	int fd, error = 0;

	strbuf_init(out, limit);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set_errno(errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "cannot read '%s'",
		                     path);
	while ((k = read(fd, buf, sizeof(buf))) > 0 || (k < 0 && errno == EINTR))
		if (k > 0 && strbuf_add(out, buf, (size_t)k) < 0) {
			error = err_set(ERR_LIMIT, "'%s' is larger than %zu bytes", path, limit);
			break;
		}
	if (k < 0 && !error)
		error = err_set_errno(ERR_IO, "cannot read '%s'", path);
	close(fd);
	if (!out->ptr)
		strbuf_puts(out, "");
	return error;
}

int labfile_write(const char *path, const char *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	int fd, error = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return err_set(ERR_INVALID, "path '%s' is too long", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)) < 0)
		return err_set_errno(ERR_IO, "cannot write '%s'", tmp);
	if (fchmod(fd, mode) < 0 || write(fd, data, len) != (ssize_t)len)
		error = err_set_errno(ERR_IO, "cannot write '%s'", tmp);
	if (close(fd) < 0 && !error)
		error = err_set_errno(ERR_IO, "cannot write '%s'", tmp);
	if (!error && rename(tmp, path) < 0)
		error = err_set_errno(ERR_IO, "cannot rename '%s'", tmp);
	if (error)
		unlink(tmp);
	return error;
}

int labfile_append(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644), error = 0;

	if (fd < 0)
		return err_set_errno(ERR_IO, "cannot append to '%s'", path);
	if (write(fd, data, len) != (ssize_t)len)
		error = err_set_errno(ERR_IO, "cannot append to '%s'", path);
	close(fd);
	return error;
}

void labfile_log(const char *dir, const char *fmt, ...)
{
	char path[PATH_MAX], now[LEDGER_TIME_SIZE];
	struct strbuf line = STRBUF_INIT;
	va_list ap;

	ledger_time_format(now, labfile_now_us());
	strbuf_printf(&line, "%s ", now);
	va_start(ap, fmt);
	strbuf_vprintf(&line, fmt, ap);
	va_end(ap);
	strbuf_putc(&line, '\n');
	if (labfile_append(labfile_path(path, sizeof(path), dir, "lab.log"), line.ptr, line.len) <
	    0)
		err_clear();
	strbuf_release(&line);
}

int64_t labfile_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int labfile_topology(struct lab_topology **out, const char *dir)
{
	char path[PATH_MAX];

	*out = NULL;
	labfile_path(path, sizeof(path), dir, "topology.yaml");
	if (access(path, F_OK) < 0)
		return err_set(ERR_NOTFOUND,
		               "'%s' is not a lab directory (no topology.yaml): start one with "
		               "pcdr-lab up --topology FILE --dir '%s'",
		               dir, dir);
	return lab_topology_load(out, path);
}
