/*
 * run.c: starting callqa's own programs and chaining them with pipes, as a
 * shell would for "ingest | measure | score | store".
 */
#include "callqa/run.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "callqa/strbuf.h"

static char *
try_dir(const char *dir, size_t dirlen, const char *stage)
{
	struct strbuf sb = STRBUF_INIT;

	strbuf_addf(&sb, "%.*s/callqa-%s", (int)dirlen, dir, stage);
	if (access(sb.buf, X_OK) == 0)
		return strbuf_detach(&sb);
	strbuf_release(&sb);
	return NULL;
}

char *
run_find(const char *stage, struct err *e)
{
	char self[PATH_MAX];
	ssize_t n;
	const char *path, *p, *colon;
	char *found;

	if (strchr(stage, '/') != NULL || stage[0] == '\0' ||
	    stage[0] == '-')
		return err_set(e, "'%s' is not a callqa command", stage), NULL;
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		p = strrchr(self, '/');
		if (p && (found = try_dir(self, p - self, stage)) != NULL)
			return found;
	}
	path = getenv("PATH");
	for (p = path; p && *p; p = colon + 1) {
		colon = strchr(p, ':');
		if (colon == NULL)
			colon = p + strlen(p);
		if (colon > p && (found = try_dir(p, colon - p, stage)))
			return found;
		if (*colon == '\0')
			break;
	}
	err_set(e, "'%s' is not a callqa command (no callqa-%s found); see "
		"'callqa --help'", stage, stage);
	return NULL;
}


/* The signal that interrupted the last run_pipeline(), or 0. */
static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	got_signal = sig;
}

int
run_interrupted(void)
{
	return got_signal;
}

int
run_pipeline(const char *const *const *argvs, int n, int *status,
	     struct err *e)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa, old[3];
	pid_t *pids = calloc(n, sizeof(*pids));
	int prev = -1, i, j, started = 0, rc = 0, forwarded = 0;

	if (pids == NULL)
		return err_set(e, "out of memory");
	/*
	 * An interrupt or a stop request (SIGTERM from cron or systemd) is
	 * passed on to every stage, so that they all stop: the store stage
	 * then rolls its transaction back and the batch can simply be run
	 * again.  The stages get the default actions back at exec.
	 */
	got_signal = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (j = 0; j < 3; j++)
		sigaction(sigs[j], &sa, &old[j]);
	for (i = 0; i < n; i++) {
		int fd[2] = { -1, -1 };

		if (i + 1 < n && pipe(fd) < 0) {
			rc = err_set(e, "pipe: %s", strerror(errno));
			break;
		}
		pids[i] = fork();
		if (pids[i] < 0) {
			rc = err_set(e, "fork: %s", strerror(errno));
			if (fd[0] >= 0)
				close(fd[0]), close(fd[1]);
			break;
		}
		if (pids[i] == 0) {
			if (prev >= 0) {
				dup2(prev, 0);
				close(prev);
			}
			if (fd[1] >= 0) {
				dup2(fd[1], 1);
				close(fd[1]);
				close(fd[0]);
			}
			signal(SIGPIPE, SIG_DFL);
			execv(argvs[i][0], (char *const *)argvs[i]);
			fprintf(stderr, "callqa: cannot run %s: %s\n",
				argvs[i][0], strerror(errno));
			_exit(127);
		}
		started++;
		if (prev >= 0)
			close(prev);
		if (fd[1] >= 0)
			close(fd[1]);
		prev = fd[0];
	}
	if (prev >= 0)
		close(prev);
	for (i = 0; i < started; i++) {
		int st;

		for (;;) {
			if (got_signal && !forwarded) {
				for (j = 0; j < started; j++)
					kill(pids[j], got_signal);
				forwarded = 1;
			}
			if (waitpid(pids[i], &st, 0) >= 0 || errno != EINTR)
				break;
		}
		status[i] = WIFEXITED(st) ? WEXITSTATUS(st)
					  : 128 + WTERMSIG(st);
	}
	for (; i < n; i++)
		status[i] = 127;
	for (j = 0; j < 3; j++)
		sigaction(sigs[j], &old[j], NULL);
	free(pids);
	return rc;
}
