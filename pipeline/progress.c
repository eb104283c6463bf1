/*
 * progress.c: see progress.h.  Nothing here may fail the stage: a write
 * error on stderr is ignored (the records on stdout are what matter).
 */
#include "callqa/progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TTY_INTERVAL 0.2

struct progress {
	int fd;
	const char *prog;
	enum progress_mode mode;
	long total;	/* < 0: unknown */
	long done;
	double audio_s;
	double start, last; /* monotonic seconds */
	double interval;
	long lines;	/* lines shown so far */
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void
progress_clock(char *buf, unsigned size, double s)
{
	long t = s < 0 ? 0 : (long)(s + 0.5);

	if (t >= 3600)
		snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60,
			 t % 60);
	else
		snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
}

static double
env_double(const char *name, double dflt)
{
	const char *v = getenv(name);
	char *end;
	double d;

	if (v == NULL || *v == '\0')
		return dflt;
	d = strtod(v, &end);
	return *end == '\0' && d >= 0 ? d : dflt;
}

struct progress *
progress_new(int fd, const char *prog, long total, enum progress_mode mode)
{
	struct progress *p;
	const char *v = getenv("CALLQA_PROGRESS");

	/* "0": off; a program's name: only that program shows progress. */
	if (v != NULL && (strcmp(v, "0") == 0 ||
			  (strcmp(v, "1") != 0 && *v != '\0' &&
			   strcmp(v, prog) != 0)))
		mode = PROGRESS_OFF;
	if (mode == PROGRESS_AUTO)
		mode = isatty(fd) ? PROGRESS_TTY : PROGRESS_LOG;
	if (mode == PROGRESS_OFF || (p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if (total < 0)
		total = (long)env_double("CALLQA_TOTAL", -1);
	p->fd = fd;
	p->prog = prog;
	p->mode = mode;
	p->total = total;
	p->start = p->last = now();
	p->interval = env_double("CALLQA_PROGRESS_INTERVAL",
				 mode == PROGRESS_TTY ? TTY_INTERVAL : 10);
	return p;
}

static void
show(struct progress *p, double t, int final)
{
	char line[256], el[32], left[32];
	double elapsed = t - p->start;
	double rate = elapsed > 0 ? p->done / elapsed : 0;
	int n;

	progress_clock(el, sizeof(el), elapsed);
	if (p->total >= 0)
		n = snprintf(line, sizeof(line), "%s: %ld/%ld calls", p->prog,
			     p->done, p->total);
	else
		n = snprintf(line, sizeof(line), "%s: %ld calls", p->prog,
			     p->done);
	n += snprintf(line + n, sizeof(line) - n,
		      ", %.1f h audio, %.1f calls/s, %s elapsed",
		      p->audio_s / 3600, rate, el);
	if (!final && p->total > p->done && rate > 0) {
		progress_clock(left, sizeof(left),
			       (p->total - p->done) / rate);
		n += snprintf(line + n, sizeof(line) - n, ", %s left", left);
	}
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (p->mode == PROGRESS_TTY) {
		/* \r, the line, erase to its end; a newline only at the end. */
		dprintf(p->fd, "\r%s\033[K%s", line, final ? "\n" : "");
	} else {
		dprintf(p->fd, "%s\n", line);
	}
	p->last = t;
	p->lines++;
}

void
progress_step(struct progress *p, double audio_s)
{
	double t;

	if (p == NULL)
		return;
	p->done++;
	if (audio_s > 0)
		p->audio_s += audio_s;
	t = now();
	if (t - p->last >= p->interval)
		show(p, t, 0);
}

void
progress_end(struct progress *p)
{
	if (p == NULL)
		return;
	/*
	 * On a terminal the last state stays visible; a log gets a closing
	 * line only when it had progress lines (a short run stays quiet).
	 */
	if (p->lines > 0)
		show(p, now(), 1);
	free(p);
}
