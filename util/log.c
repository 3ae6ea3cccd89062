/*
 * log: one line per event. The JSON form escapes the message itself so
 * that a log shipper never sees a broken record.
 */
#include "util/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static enum log_level log_level_current = LOG_WARN;
static enum log_format log_format_current = LOG_FORMAT_TEXT;
static FILE *log_stream;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *const log_level_names[] = {"error", "warn", "info", "debug"};

void log_set_level(enum log_level level)
{
	log_level_current = level;
}
enum log_level log_get_level(void)
{
	return log_level_current;
}
void log_set_format(enum log_format format)
{
	log_format_current = format;
}
void log_set_stream(void *file)
{
	log_stream = file;
}

static void log_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", out);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char msg[2048];
	FILE *out = log_stream ? log_stream : stderr;
	va_list ap;

	if (level > log_level_current)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&log_lock);
	if (log_format_current == LOG_FORMAT_JSON) {
		struct timespec ts;
		struct tm tm;
		char when[32];

		clock_gettime(CLOCK_REALTIME, &ts);
		gmtime_r(&ts.tv_sec, &tm);
		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
		fprintf(out, "{\"time\":\"%s.%03ldZ\",\"level\":\"%s\",\"msg\":", when,
		        ts.tv_nsec / 1000000, log_level_names[level]);
		log_json_string(out, msg);
		fputs("}\n", out);
	} else {
		fprintf(out, "%s: %s\n", log_level_names[level], msg);
	}
	fflush(out);
	pthread_mutex_unlock(&log_lock);
}
