/*
 * slurm.h: running a shard-aware command as a Slurm job array, one task
 * per shard, and a finalising job that checks every shard once all tasks
 * have ended (sbatch --dependency=afterany).  callqa schedules nothing
 * itself: sbatch(1) does, on whatever cluster SLURM_CONF names.
 *
 * One work directory holds everything about an array (it must be on a
 * file system every node sees):
 *   task.sh        the tasks' sbatch script.  Self-contained: one task is
 *                  resubmitted alone with "sbatch --array=K DIR/task.sh"
 *   finalise.sh    the finalising job's script (check and summary)
 *   task-K.out     stdout of task K, task-K.log its stderr
 *   task-K.status  task K's exit status, written when its command ends;
 *                  absent while it runs, or when it was killed
 *   finalise-JOBID.log  the report of finalising job JOBID
 *   finalise.log   a copy of the latest report
 *   jobs           one line per submission: "array JOBID TASKS",
 *                  "finalise JOBID"
 * The number of tasks N is written into the scripts: a task resubmitted
 * alone still runs shard K of N (SLURM_ARRAY_TASK_COUNT would then be 1).
 */
#ifndef CALLQA_SLURM_H
#define CALLQA_SLURM_H

#include "callqa/callqa.h"

struct slurm_array {
	const char *dir;  /* work directory (made if missing) */
	const char *name; /* job name */
	int tasks;	  /* N >= 1 */
	/*
	 * The command every task runs (argv[0] a path or a name on the
	 * task's PATH).  In any argument "{K}" becomes the task's index
	 * (0..N-1) and "{N}" the number of tasks.
	 */
	const char *const *argv;
	/* Run by the finalising job when every task is done, or NULL. */
	const char *const *final_argv;
	/* Exit statuses that mean a task is done, e.g. "0 3"; NULL: "0". */
	const char *ok_status;
	/* More sbatch options for every job ("--partition=p"), or NULL. */
	const char *const *sbatch_opts;
	/* Working directory of the jobs; NULL: the caller's. */
	const char *chdir;
};

/*
 * Write a->dir/task.sh and a->dir/finalise.sh.  The directory and the
 * working directory must not contain white space, quotes or '%' (sbatch
 * reads them from #SBATCH lines).  Returns 0, or -1 with e filled.
 */
int slurm_write(const struct slurm_array *a, struct err *e);

/*
 * Submit the tasks of the array in dir (written by slurm_write): all of
 * them when only is NULL, else the sbatch --array list only ("2",
 * "1,3"), and a new finalising job depending on them.  The job ids go
 * to *array_job and *final_job and are appended to dir/jobs.  With wait
 * set, returns only when the finalising job has ended, and *final_status
 * gets its exit status: 1 when a task is not done (or final_argv's
 * status when it failed), else the highest of the tasks' ok statuses.
 * sbatch is found on PATH; its messages go to our stderr.  Returns 0, or
 * -1 with e filled.
 */
int slurm_submit(const char *dir, const char *only, int wait,
		 long *array_job, long *final_job, int *final_status,
		 struct err *e);

/* The number of tasks of the array in dir (from its task.sh), or -1. */
int slurm_tasks(const char *dir, struct err *e);

#endif
