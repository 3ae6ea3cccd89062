/*
 * progress: the operator's view of a running apply (progress.h). The
 * terminal form keeps, per step, its start time and last percent, and
 * redraws the step's line in place ("\r") while only that step is
 * drawing; the log forms print one line per event with a UTC time
 * stamp. No colour, no secret: the texts come from plans and SQL
 * Server's messages, which the caller has already redacted.
 */
#include "reconciler/engine/progress.h"

#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/xalloc.h"

#define PROGRESS_BAR       20
#define PROGRESS_MAX_STEPS 4096

struct progress {
	FILE *out;
	enum progress_mode mode;
	pthread_mutex_t lock;
	int64_t started_ms[PROGRESS_MAX_STEPS];
	int percent[PROGRESS_MAX_STEPS];
	char label[PROGRESS_MAX_STEPS][24];
	const char *kind[PROGRESS_MAX_STEPS], *targets[PROGRESS_MAX_STEPS]; /* borrowed */
	size_t drawing; /* step whose line is open on the terminal; 0: none */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void utc_now(char out[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

struct progress *progress_new(FILE *out, enum progress_mode mode)
{
	struct progress *p = xcalloc(1, sizeof(*p));

	p->out = out;
	p->mode = mode;
	pthread_mutex_init(&p->lock, NULL);
	return p;
}

void progress_free(struct progress *p)
{
	if (!p)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* One log line: event plus up to four key/value pairs (NULL values skipped). */
static void log_line(struct progress *p, const char *event, const char *const kv[][2], size_t n)
{
	char when[32];

	utc_now(when);
	if (p->mode == PROGRESS_JSON) {
		json_t *o = json_pack("{s:s, s:s}", "time", when, "event", event);
		char *s;

		for (size_t i = 0; i < n; i++)
			if (kv[i][1])
				json_object_set_new(o, kv[i][0], json_string(kv[i][1]));
		s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		fprintf(p->out, "%s\n", s ? s : "{}");
		free(s);
		json_decref(o);
	} else {
		fprintf(p->out, "time=%s event=%s", when, event);
		for (size_t i = 0; i < n; i++) {
			if (!kv[i][1])
				continue;
			if (strpbrk(kv[i][1], " \"=\\") || !*kv[i][1]) {
				json_t *js = json_string(kv[i][1]);
				char *q = json_dumps(js, JSON_ENCODE_ANY);

				fprintf(p->out, " %s=%s", kv[i][0], q ? q : "\"\"");
				free(q);
				json_decref(js);
			} else {
				fprintf(p->out, " %s=%s", kv[i][0], kv[i][1]);
			}
		}
		fputc('\n', p->out);
	}
	fflush(p->out);
}

static void close_line(struct progress *p)
{
	if (p->drawing) {
		fputc('\n', p->out);
		p->drawing = 0;
	}
}

void progress_event(struct progress *p, const char *event, const char *message)
{
	const char *kv[1][2] = {{"message", message}};

	pthread_mutex_lock(&p->lock);
	if (p->mode == PROGRESS_TTY) {
		close_line(p);
		if (message)
			fprintf(p->out, "%s\n", message);
		fflush(p->out);
	} else {
		log_line(p, event, kv, 1);
	}
	pthread_mutex_unlock(&p->lock);
}

static void draw(struct progress *p, size_t n)
{
	const char *kind = p->kind[n], *targets = p->targets[n];
	double s = (double)(now_ms() - p->started_ms[n]) / 1000.0;
	int pc = p->percent[n];

	fprintf(p->out, "\r[%s] %s %s  %5.1fs", p->label[n], kind, targets, s);
	if (pc >= 0) {
		int fill = pc * PROGRESS_BAR / 100;

		fputs("  [", p->out);
		for (int i = 0; i < PROGRESS_BAR; i++)
			fputc(i < fill ? '#' : '.', p->out);
		fprintf(p->out, "] %3d%%", pc);
	}
	fflush(p->out);
}

void progress_step_start(struct progress *p, size_t n, size_t total, const char *kind,
                         const char *targets)
{
	char num[48];
	const char *kv[3][2] = {{"step", num}, {"kind", kind}, {"targets", targets}};

	if (n >= PROGRESS_MAX_STEPS)
		return;
	snprintf(num, sizeof(num), "%zu", n);
	pthread_mutex_lock(&p->lock);
	p->started_ms[n] = now_ms();
	p->percent[n] = -1;
	p->kind[n] = kind;
	p->targets[n] = targets;
	snprintf(p->label[n], sizeof(p->label[n]), "%zu/%zu", n, total);
	if (p->mode == PROGRESS_TTY) {
		close_line(p);
		draw(p, n);
		p->drawing = n;
	} else {
		log_line(p, "step_start", kv, 3);
	}
	pthread_mutex_unlock(&p->lock);
}

void progress_step_percent(struct progress *p, size_t n, const char *instance, int percent)
{
	char num[24], pc[16];
	const char *kv[3][2] = {{"step", num}, {"instance", instance}, {"percent", pc}};

	if (n >= PROGRESS_MAX_STEPS)
		return;
	snprintf(num, sizeof(num), "%zu", n);
	snprintf(pc, sizeof(pc), "%d", percent);
	pthread_mutex_lock(&p->lock);
	p->percent[n] = percent;
	if (p->mode != PROGRESS_TTY)
		log_line(p, "step_progress", kv, 3);
	else if (p->drawing == n)
		draw(p, n);
	pthread_mutex_unlock(&p->lock);
}

void progress_step_end(struct progress *p, size_t n, const char *result, int64_t ms,
                       const char *message)
{
	char num[24], el[32];
	const char *kv[4][2] = {
	        {"step", num}, {"result", result}, {"elapsed", el}, {"message", message}};

	if (n >= PROGRESS_MAX_STEPS)
		return;
	snprintf(num, sizeof(num), "%zu", n);
	snprintf(el, sizeof(el), "%.1fs", (double)ms / 1000.0);
	pthread_mutex_lock(&p->lock);
	if (p->mode == PROGRESS_TTY) {
		close_line(p);
		fprintf(p->out, "[%s] %s in %s%s%s\n", p->label[n], result, el, message ? ": " : "",
		        message ? message : "");
		fflush(p->out);
	} else {
		log_line(p, "step_end", kv, 4);
	}
	pthread_mutex_unlock(&p->lock);
}
