/*
 * err: per-thread last error. The buffer is thread-local storage, so
 * parallel observers and apply steps never see each other's messages.
 */
#include "util/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ERR_MSG_MAX 1024

static _Thread_local char err_msg[ERR_MSG_MAX];
static _Thread_local int err_code_last;

static int err_vset(int code, int with_errno, const char *fmt, va_list ap)
{
	int saved_errno = errno;
	int n = vsnprintf(err_msg, sizeof(err_msg), fmt, ap);

	if (with_errno && n >= 0 && (size_t)n < sizeof(err_msg))
		snprintf(err_msg + n, sizeof(err_msg) - (size_t)n, ": %s", strerror(saved_errno));
	err_code_last = code;
	return code;
}

int err_set(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(code, 0, fmt, ap);
	va_end(ap);
	return code;
}

int err_set_errno(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	err_vset(code, 1, fmt, ap);
	va_end(ap);
	return code;
}

const char *err_last(void)
{
	return err_msg;
}

int err_last_code(void)
{
	return err_code_last;
}

void err_clear(void)
{
	err_msg[0] = '\0';
	err_code_last = ERR_OK;
}

const char *err_code_name(int code)
{
	switch (code) {
	case ERR_OK:
		return "ok";
	case ERR_GENERIC:
		return "error";
	case ERR_NOTFOUND:
		return "not found";
	case ERR_INVALID:
		return "invalid";
	case ERR_CONFLICT:
		return "conflict";
	case ERR_IO:
		return "i/o error";
	case ERR_TIMEOUT:
		return "timeout";
	case ERR_LIMIT:
		return "limit exceeded";
	case ERR_UNREACHABLE:
		return "unreachable";
	case ERR_LOCKED:
		return "locked";
	case ERR_STALE:
		return "stale";
	default:
		return "error";
	}
}
