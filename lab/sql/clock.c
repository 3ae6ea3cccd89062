/*
 * clock: the lab clock of engine.h. Lab time is the wall clock until the
 * daemon sets a scale; then it advances `scale` lab seconds per real
 * second from the lab time it was given, so a 15-minute log shipping
 * schedule can run every few real seconds. GETDATE(), the Agent, msdb
 * dates and the fault log all read it. It never goes backwards while a
 * process runs; across restarts the daemon passes the saved lab time.
 */
#include <pthread.h>
#include <time.h>

#include "lab/engine.h"

static pthread_mutex_t clock_lock = PTHREAD_MUTEX_INITIALIZER;
static double clock_scale = 1.0;
static int64_t clock_real0, clock_lab0; /* 0: not set, the wall clock */

static int64_t real_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void lab_clock_set(double scale, int64_t lab_us)
{
	int64_t now = real_now_us();

	pthread_mutex_lock(&clock_lock);
	clock_scale = scale > 0 ? scale : 1.0;
	clock_real0 = now;
	clock_lab0 = lab_us > 0 ? lab_us : now;
	pthread_mutex_unlock(&clock_lock);
}

int64_t lab_clock_now_us(void)
{
	int64_t now = real_now_us(), lab;

	pthread_mutex_lock(&clock_lock);
	if (clock_real0 == 0)
		lab = now;
	else
		lab = clock_lab0 + (int64_t)((double)(now - clock_real0) * clock_scale);
	pthread_mutex_unlock(&clock_lock);
	return lab;
}

double lab_clock_scale(void)
{
	double s;

	pthread_mutex_lock(&clock_lock);
	s = clock_scale;
	pthread_mutex_unlock(&clock_lock);
	return s;
}
