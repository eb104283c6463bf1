/*
 * The Slurm scripts without Slurm: slurm_write's task.sh and finalise.sh
 * run by sh(1) with the variables Slurm would set, so the quoting, the
 * {K}/{N} substitution, the status files and the finalising report are
 * checked in milliseconds.  t8000-slurm.sh runs them on a real cluster.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../tap.h"
#include "callqa/callqa.h"
#include "callqa/slurm.h"
#include "callqa/strbuf.h"

static char dir[64];

/* Contents of dir/name (static buffer), or "(none)". */
static const char *
slurp(const char *name)
{
	static char buf[4096];
	char path[256];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "r")) == NULL)
		return "(none)";
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void
spit(const char *name, const char *text)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) != NULL) {
		fputs(text, fp);
		fclose(fp);
	}
}

/* Run a shell command line; its exit status. */
static int
sh(const char *fmt, const char *a, const char *b)
{
	char cmd[1024];
	int s;

	snprintf(cmd, sizeof(cmd), fmt, a, b);
	s = system(cmd);
	return WIFEXITED(s) ? WEXITSTATUS(s) : -1;
}

/* Run task k of the array in dir as Slurm would; its exit status. */
static int
task(const char *k)
{
	return sh("cd / && SLURM_ARRAY_TASK_ID=%s sh %s/task.sh "
		  ">/dev/null 2>&1",
		  k, dir);
}

/* Run the finalising script as job 77; its exit status. */
static int
finalise(void)
{
	return sh("cd / && SLURM_JOB_ID=77 sh %s/finalise.sh "
		  ">%s/finalise-77.log 2>&1",
		  dir, dir);
}

int
main(void)
{
	/* $0 of sh -c is the output file: {K} in a path, quotes, $, empty. */
	char out[128], want[512];
	const char *argv[] = {
		"/bin/sh", "-c", "printf '%s|' \"$@\" >\"$0\"", out,
		"it's", "--shard", "{K}/{N}", "a{K}b{N}c{K}", "", "$HOME `x`",
		NULL
	};
	const char *opts[] = { "--time=5", NULL };
	struct slurm_array a = { 0 };
	struct strbuf sb = STRBUF_INIT;
	struct err e;
	long j1, j2;
	int st;

	snprintf(dir, sizeof(dir), "/tmp/test_slurm.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(out, sizeof(out), "%s/{K}.args", dir);
	a.dir = dir;
	a.name = "callqa-B1";
	a.tasks = 4;
	a.argv = argv;
	a.ok_status = "0 3";
	a.sbatch_opts = opts;
	a.chdir = dir;
	check_int(slurm_write(&a, &e), 0, "slurm_write");
	check_int(slurm_tasks(dir, &e), 4, "slurm_tasks reads N back");
	check(strstr(slurp("task.sh"), "#SBATCH --array=0-3\n") != NULL,
	      "task.sh: array 0-3");
	check(strstr(slurp("task.sh"), "#SBATCH --time=5\n") != NULL,
	      "task.sh: extra sbatch option");
	check(strstr(slurp("finalise.sh"), "#SBATCH --time=5\n") != NULL,
	      "finalise.sh: extra sbatch option");

	check_int(task("2"), 0, "task 2 runs");
	check_str(slurp("2.args"), "it's|--shard|2/4|a2b4c2||$HOME `x`|",
		  "task 2: {K} and {N} replaced, the rest verbatim");
	check_str(slurp("task-2.status"), "0\n", "task 2: status file");
	check_int(task("0"), 0, "task 0 runs");
	check_str(slurp("0.args"), "it's|--shard|0/4|a0b4c0||$HOME `x`|",
		  "task 0: its own shard, N still 4");
	check(sh("cd / && sh %s/task.sh >/dev/null 2>&1%s", dir, "") != 0,
	      "task.sh outside an array refuses to run");

	/* Tasks 0 and 2 done, 1 and 3 never ran. */
	check_int(finalise(), 1, "finalise: tasks missing, exit 1");
	snprintf(want, sizeof(want),
		 "callqa-B1: task 0 of 4: done (exit status 0)\n"
		 "callqa-B1: task 1 of 4: not done (killed, or not run)\n"
		 "callqa-B1: task 2 of 4: done (exit status 0)\n"
		 "callqa-B1: task 3 of 4: not done (killed, or not run)\n"
		 "callqa-B1: 2 of 4 tasks not done (1,3); resubmit them "
		 "with:\n"
		 "  callqa slurm -D %s --retry 1,3\n",
		 dir);
	check_str(slurp("finalise-77.log"), want,
		  "finalise: each task, and the tasks to resubmit");
	check(strcmp(slurp("finalise.log"), slurp("finalise-77.log")) == 0,
	      "finalise.log is a copy of the latest report");

	/* Exit statuses: 3 is done (with rejects), 5 is a failure. */
	a.argv = (const char *[]){ "sh", "-c", "exit $1", "sh", "{K}", NULL };
	check_int(slurm_write(&a, &e), 0, "slurm_write again");
	check_str(slurp("task-2.status"), "(none)",
		  "a new array forgets the old statuses");
	check_int(task("3"), 0, "exit 3 is done: 0 for Slurm");
	check_str(slurp("task-3.status"), "3\n", "status 3 kept");
	check_int(task("0"), 0, "task 0");
	check_int(task("1"), 1, "exit 1 is a failure for Slurm too");
	spit("task-1.log", "callqa-store: batch B1: 7 inputs, 7 stored, "
			   "0 rejected\n");
	check_int(finalise(), 1, "finalise: task 1 failed, task 2 missing");
	check(strstr(slurp("finalise-77.log"),
		     "task 1 of 4: failed (exit status 1)\n") != NULL,
	      "finalise: failed task named, its counts not summed");

	/* All done; the store's summary lines are summed. */
	spit("task-1.status", "0\n");
	spit("task-2.status", "0\n");
	spit("task-0.log", "callqa-store: batch B1: 10 inputs, 9 stored, "
			   "1 rejected\n");
	spit("task-3.log", "callqa-store: batch B1: 1 inputs, 1 stored, "
			   "0 rejected\nlater noise\n");
	check_int(finalise(), 3, "finalise: all done, worst status 3");
	check(strstr(slurp("finalise-77.log"),
		     "callqa-B1: task 3 of 4: done (exit status 3): 1 "
		     "inputs, 1 stored, 0 rejected\n") != NULL,
	      "finalise: per-task counts");
	check(strstr(slurp("finalise-77.log"),
		     "callqa-B1: all 4 tasks done: 18 inputs, 17 stored, "
		     "1 rejected\n") != NULL,
	      "finalise: the batch's total");

	/* Refusals. */
	a.dir = "/tmp/a b";
	check_int(slurm_write(&a, &e), -1, "work directory with a space");
	check(strstr(e.msg, "'/tmp/a b'") != NULL, "... named in the error");
	a.dir = dir;
	a.name = "x%y";
	check_int(slurm_write(&a, &e), -1, "job name with %");
	check_int(slurm_submit(dir, "1;rm", 0, &j1, &j2, &st, &e), -1,
		  "bad task list refused before sbatch runs");
	check_int(slurm_tasks("/nonexistent", &e), -1, "no task.sh");

	strbuf_addf(&sb, "rm -rf %s", dir);
	if (system(sb.buf) != 0)
		printf("# cannot remove %s\n", dir);
	strbuf_release(&sb);
	return test_done();
}
