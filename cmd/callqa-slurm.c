/*
 * callqa-slurm: run a shard-aware command as a Slurm job array of N tasks
 * plus a finalising job that checks every task once all have ended; or
 * resubmit some tasks of such an array alone.  "callqa nightly --slurm N"
 * uses the same library for the nightly batch.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/callqa.h"
#include "callqa/msg.h"
#include "callqa/slurm.h"
#include "callqa/strbuf.h"

#define MAX_OPTS 32

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: callqa-slurm [-qv] -D dir -n N [-J name] [-o opt]... "
		"[--ok statuses]\n"
		"                    [--wait] [--] command [arg ...]\n"
		"       callqa-slurm [-qv] -D dir --retry tasks [--wait]\n"
		"  -D, --dir DIR        work directory: scripts, logs, status "
		"files\n"
		"  -n, --tasks N        N tasks; {K} and {N} in the command "
		"become the task's\n"
		"                       index (0..N-1) and N\n"
		"  -J, --job-name NAME  Slurm job name (default callqa)\n"
		"  -o, --sbatch OPT     one more sbatch option for every job "
		"(repeatable)\n"
		"      --ok LIST        exit statuses that mean done "
		"(default \"0\")\n"
		"      --retry TASKS    resubmit these tasks (2 or 1,3) and a "
		"new finalising job\n"
		"      --wait           return when the finalising job has "
		"ended, with its status\n"
		"  -q, --quiet          with --wait, do not show the "
		"finalising job's report\n"
		"  -v, --verbose        say which jobs were submitted\n"
		"  -h, --help           this help\n"
		"      --version        print the version\n");
}

/* Print the report of finalising job fjob to stderr. */
static void
show_log(const char *dir, long fjob)
{
	struct strbuf path = STRBUF_INIT;
	char line[1024];
	FILE *fp;

	strbuf_addf(&path, "%s/finalise-%ld.log", dir, fjob);
	if ((fp = fopen(path.buf, "r")) != NULL) {
		while (fgets(line, sizeof(line), fp))
			fputs(line, stderr);
		fclose(fp);
	}
	strbuf_release(&path);
}

int
main(int argc, char **argv)
{
	enum { OPT_OK = 256, OPT_RETRY, OPT_WAIT, OPT_VERSION };
	static const struct option longopts[] = {
		{ "dir", required_argument, NULL, 'D' },
		{ "tasks", required_argument, NULL, 'n' },
		{ "job-name", required_argument, NULL, 'J' },
		{ "sbatch", required_argument, NULL, 'o' },
		{ "ok", required_argument, NULL, OPT_OK },
		{ "retry", required_argument, NULL, OPT_RETRY },
		{ "wait", no_argument, NULL, OPT_WAIT },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	const char *opts[MAX_OPTS + 1];
	struct slurm_array a = { 0 };
	const char *retry = NULL;
	long job = -1, fjob = -1;
	int c, nopts = 0, wait = 0, quiet = 0, status = 0;
	char *end;
	struct err e;

	msg_init("callqa-slurm");
	a.name = "callqa";
	/* "+": the command's own options are not ours. */
	while ((c = getopt_long(argc, argv, "+D:n:J:o:qvh", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'D': a.dir = optarg; break;
		case 'n':
			a.tasks = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || a.tasks < 1 || a.tasks > 100000) {
				msg_error("bad number of tasks '%s'", optarg);
				return 2;
			}
			break;
		case 'J': a.name = optarg; break;
		case 'o':
			if (nopts == MAX_OPTS) {
				msg_error("more than %d sbatch options",
					  MAX_OPTS);
				return 2;
			}
			opts[nopts++] = optarg;
			break;
		case OPT_OK: a.ok_status = optarg; break;
		case OPT_RETRY: retry = optarg; break;
		case OPT_WAIT: wait = 1; break;
		case 'q': quiet = 1; msg_set_level(MSG_QUIET); break;
		case 'v': msg_set_level(MSG_VERBOSE); break;
		case 'h': usage(stdout); return 0;
		case OPT_VERSION:
			printf("callqa-slurm %s\n", CALLQA_VERSION);
			return 0;
		default: usage(stderr); return 2;
		}
	}
	opts[nopts] = NULL;
	if (a.dir == NULL) {
		msg_error("no work directory (-D)");
		usage(stderr);
		return 2;
	}
	if (retry == NULL) {
		if (a.tasks < 1 || optind == argc) {
			msg_error("give the number of tasks (-n) and a "
				  "command");
			usage(stderr);
			return 2;
		}
		a.argv = (const char *const *)argv + optind;
		a.sbatch_opts = opts;
		if (slurm_write(&a, &e) < 0) {
			msg_error("%s", e.msg);
			return 2;
		}
	} else if (optind != argc || a.tasks) {
		msg_error("--retry takes the work directory and tasks only");
		usage(stderr);
		return 2;
	} else if (slurm_tasks(a.dir, &e) < 0) {
		msg_error("%s", e.msg);
		return 2;
	}
	if (slurm_submit(a.dir, retry, wait, &job, &fjob, &status, &e) < 0) {
		msg_error("%s", e.msg);
		return 1;
	}
	printf("%ld %ld\n", job, fjob);
	msg_note("%s: tasks %s are job %ld, the finalising job %ld",
			 a.dir, retry ? retry : "all", job, fjob);
	if (msg_close_stdout() < 0)
		return 1;
	if (wait) {
		if (!quiet)
			show_log(a.dir, fjob);
		return status >= 0 && status <= 3 ? status : 1;
	}
	return 0;
}
