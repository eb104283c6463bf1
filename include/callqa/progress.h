/*
 * progress.h: the progress of a long stage on stderr.
 *
 * On a terminal, one line updated in place (carriage return, then erase to
 * the end of the line) at most every 0.2 s:
 *
 *	callqa-measure: 120/600 calls, 3.2 h audio, 45.1 calls/s, 0:03 elapsed, 0:11 left
 *
 * Elsewhere (cron, CI, a log file), the same words as a plain line at most
 * every 10 seconds, with no control characters, and a closing line if there
 * was any.  CALLQA_PROGRESS_INTERVAL=S sets the interval of either mode.  The total is known when the caller gives one or
 * CALLQA_TOTAL is set (callqa nightly counts the inputs and sets it for its
 * stages); without it the line shows calls done and the rate only.
 * CALLQA_PROGRESS=0 turns it off, as does -q in every program;
 * CALLQA_PROGRESS=PROG leaves it on for the program PROG only (callqa
 * nightly shows the last stage's line, which moves with the whole batch).
 */
#ifndef CALLQA_PROGRESS_H
#define CALLQA_PROGRESS_H

struct progress; /* opaque */

enum progress_mode {
	PROGRESS_AUTO = -1, /* a terminal if fd is one */
	PROGRESS_OFF = 0,
	PROGRESS_LOG = 1,  /* plain lines */
	PROGRESS_TTY = 2   /* one updating line */
};

/*
 * Start reporting on fd for the program prog (borrowed, must outlive p).
 * total < 0: unknown (CALLQA_TOTAL is used if set).  Returns NULL when
 * progress is off or out of memory; every function accepts NULL.
 */
struct progress *progress_new(int fd, const char *prog, long total,
			      enum progress_mode mode);

/* One more call done, with its audio duration in seconds (0 if unknown). */
void progress_step(struct progress *p, double audio_s);

/* The final line (on a terminal, the updating line is ended), then free. */
void progress_end(struct progress *p);

/* Format h:mm:ss or m:ss into buf (for tests and summaries). */
void progress_clock(char *buf, unsigned size, double seconds);

#endif
