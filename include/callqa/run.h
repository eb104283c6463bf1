/*
 * run.h: running callqa's programs: finding callqa-STAGE beside the running
 * program or on PATH, and running several as one Unix pipeline.
 */
#ifndef CALLQA_RUN_H
#define CALLQA_RUN_H

#include "callqa/callqa.h"

/*
 * Path of the program callqa-<stage>: first in the directory of the
 * running executable, then on PATH.  A new string, or NULL (e filled).
 */
char *run_find(const char *stage, struct err *e);

/*
 * Run n commands (argv arrays, argv[0] a path) connected by pipes: stdin
 * of the first and stdout of the last are the caller's.  Waits for all.
 * status[i] gets each exit status (128 + signal when killed).  Returns 0,
 * or -1 when a process could not be started.
 */
int run_pipeline(const char *const *const *argvs, int n, int *status,
		 struct err *e);

/*
 * The signal (SIGINT, SIGTERM or SIGHUP) that arrived during the last
 * run_pipeline() and was passed on to every command, or 0.
 */
int run_interrupted(void);

#endif
