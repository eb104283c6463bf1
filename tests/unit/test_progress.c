/* Progress lines: the terminal form updates one line in place, the log
 * form is plain lines without control characters. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../tap.h"
#include "callqa/progress.h"

/* Run steps through a pipe and return what was written (static buffer). */
static const char *
capture(enum progress_mode mode, long total, int steps)
{
	static char buf[4096];
	struct progress *p;
	int fds[2];
	ssize_t n;
	int i;

	if (pipe(fds) < 0)
		return "";
	p = progress_new(fds[1], "callqa-measure", total, mode);
	for (i = 0; i < steps; i++)
		progress_step(p, 1800);
	progress_end(p);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

int
main(void)
{
	const char *s;
	char c[32];

	setenv("CALLQA_PROGRESS_INTERVAL", "0", 1);
	unsetenv("CALLQA_TOTAL");
	unsetenv("CALLQA_PROGRESS");

	s = capture(PROGRESS_TTY, 4, 2);
	check(strncmp(s, "\rcallqa-measure: 1/4 calls, 0.5 h audio, ", 41) == 0,
	      "terminal: first update starts with a carriage return");
	check(strstr(s, "\033[K\rcallqa-measure: 2/4 calls, 1.0 h audio") != NULL,
	      "terminal: next update erases and rewrites the same line");
	check(strstr(s, " left\033[K") != NULL, "terminal: time left shown");
	check(strchr(s, '\n') == s + strlen(s) - 1,
	      "terminal: one newline, at the end");

	s = capture(PROGRESS_LOG, -1, 3);
	check(strchr(s, '\r') == NULL && strchr(s, '\033') == NULL,
	      "log: no control characters");
	check(strncmp(s, "callqa-measure: 1 calls, 0.5 h audio, ", 38) == 0,
	      "log: unknown total shows calls done");
	check(s[0] != '\0' && s[strlen(s) - 1] == '\n',
	      "log: lines end with a newline");
	{
		int lines = 0;
		const char *q;

		for (q = s; *q; q++)
			lines += *q == '\n';
		check_int(lines, 4, "log: a line per step and a closing line");
	}

	setenv("CALLQA_TOTAL", "10", 1);
	s = capture(PROGRESS_LOG, -1, 1);
	check(strncmp(s, "callqa-measure: 1/10 calls", 26) == 0,
	      "CALLQA_TOTAL gives the total");
	unsetenv("CALLQA_TOTAL");

	setenv("CALLQA_PROGRESS_INTERVAL", "3600", 1);
	s = capture(PROGRESS_LOG, 5, 5);
	check_str(s, "", "a short run in log mode prints nothing");

	setenv("CALLQA_PROGRESS", "0", 1);
	check(progress_new(2, "x", 1, PROGRESS_TTY) == NULL,
	      "CALLQA_PROGRESS=0 turns it off");
	unsetenv("CALLQA_PROGRESS");
	check(progress_new(2, "x", 1, PROGRESS_OFF) == NULL, "-q turns it off");

	progress_clock(c, sizeof(c), 59.6);
	check_str(c, "1:00", "clock rounds to the second");
	progress_clock(c, sizeof(c), 3725);
	check_str(c, "1:02:05", "clock with hours");
	return test_done();
}
