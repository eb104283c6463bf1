/*
 * nightly.c: the nightly batch (see nightly.h): the stages' command lines
 * from the options, one pipeline, and what its exit statuses mean for the
 * batch; or the same batch cut into shards for Slurm.
 */
#include "callqa/nightly.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "callqa/db.h"
#include "callqa/ingest.h"
#include "callqa/ops.h"
#include "callqa/run.h"
#include "callqa/slurm.h"
#include "callqa/strbuf.h"

#define NSTAGE 4
static const char *const stage_name[NSTAGE] = { "ingest", "measure",
						 "score", "store" };

void
nightly_batch_id(char *buf, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y%m%dT%H%M%SZ", &tm);
}

/* The manifest describing src: src itself (*.csv), DIR/manifest.csv, or
 * NULL (then ingest reads the file names).  A new string. */
static char *
manifest_of(const char *src)
{
	size_t len = strlen(src);
	struct strbuf sb = STRBUF_INIT;

	if (len > 4 && strcmp(src + len - 4, ".csv") == 0)
		return strdup(src);
	strbuf_addf(&sb, "%s/manifest.csv", src);
	if (access(sb.buf, R_OK) == 0)
		return strbuf_detach(&sb);
	strbuf_release(&sb);
	return NULL;
}

/*
 * The stages show progress against the number of inputs; on one terminal
 * only the last stage's line is shown (it moves with the whole pipeline).
 * A shard's count is not known before ingest hashes the ids.
 */
static void
progress_env(const struct nightly *n, const char *manifest)
{
	const char *pv = getenv("CALLQA_PROGRESS");
	long count;
	char total[32];

	if (n->quiet)
		setenv("CALLQA_PROGRESS", "0", 1);
	else if (pv == NULL || strcmp(pv, "0") != 0)
		setenv("CALLQA_PROGRESS", "callqa-store", 1);
	count = n->shard ? -1 : ingest_count(manifest, n->src);
	if (count >= 0) {
		snprintf(total, sizeof(total), "%ld", count);
		setenv("CALLQA_TOTAL", total, 1);
	}
}

/* What the exit statuses of the stages make of the batch (see nightly.h);
 * the stages that failed are named in e. */
static int
batch_status(const int *status, struct err *e)
{
	struct strbuf why = STRBUF_INIT;
	int i, rval = status[NSTAGE - 1];

	for (i = 0; i < NSTAGE; i++) {
		int ok = status[i] == 0 || (i == NSTAGE - 1 && status[i] == 3);

		if (status[i] == 2)
			rval = 2;
		else if (!ok && rval != 2)
			rval = 1;
		if (!ok)
			strbuf_addf(&why, "%scallqa-%s exited with status %d",
				    why.len ? ", " : "", stage_name[i],
				    status[i]);
	}
	if (why.len)
		err_set(e, "%s", why.buf);
	strbuf_release(&why);
	return rval;
}

int
nightly_run(const struct nightly *n, FILE *summary, struct err *e)
{
	const char *a[NSTAGE][14];
	const char *const *argvs[NSTAGE];
	char *prog[NSTAGE] = { NULL }, *manifest = NULL, batch[32];
	struct timespec t0, t1;
	int status[NSTAGE], i, k, rval = 2;
	struct db *db;
	struct err se;

	for (i = 0; i < NSTAGE; i++)
		if ((prog[i] = run_find(stage_name[i], e)) == NULL)
			goto out;
	/* Chosen here, so that the summary can find the batch. */
	if (n->batch)
		snprintf(batch, sizeof(batch), "%s", n->batch);
	else
		nightly_batch_id(batch, sizeof(batch));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	manifest = manifest_of(n->src);
	progress_env(n, manifest);

	for (i = 0; i < NSTAGE; i++) {
		k = 0;
		a[i][k++] = prog[i];
		if (n->quiet)
			a[i][k++] = "-q";
		a[i][k] = NULL;
		argvs[i] = a[i];
	}
	k = n->quiet ? 2 : 1;
	a[0][k++] = "-b", a[0][k++] = batch;
	if (n->shard)
		a[0][k++] = "--shard", a[0][k++] = n->shard;
	if (manifest)
		a[0][k++] = "-m", a[0][k++] = manifest;
	else
		a[0][k++] = n->src;
	a[0][k] = NULL;
	k = n->quiet ? 2 : 1;
	if (n->jobs)
		a[1][k++] = "-j", a[1][k++] = n->jobs;
	if (n->dead_air)
		a[1][k++] = "--dead-air", a[1][k++] = n->dead_air;
	if (n->interrupt_min)
		a[1][k++] = "--interrupt-min", a[1][k++] = n->interrupt_min;
	a[1][k] = NULL;
	k = n->quiet ? 2 : 1;
	a[2][k++] = "-r", a[2][k++] = n->rubric;
	a[2][k] = NULL;
	k = n->quiet ? 2 : 1;
	if (n->db)
		a[3][k++] = "--db", a[3][k++] = n->db;
	/* A shard is recorded as such (the batch is complete with all). */
	if (n->shard)
		a[3][k++] = "-b", a[3][k++] = batch,
		a[3][k++] = "--shard", a[3][k++] = n->shard;
	a[3][k] = NULL;

	if (run_pipeline(argvs, NSTAGE, status, e) < 0) {
		rval = 1;
		goto out;
	}
	if (run_interrupted()) {
		err_set(e, "interrupted by %s; the batch was not committed "
			   "unless the store finished: run it again (nothing "
			   "is stored twice)", strsignal(run_interrupted()));
		rval = 1;
		goto out;
	}
	rval = batch_status(status, e);
	/* A shard's summary is the finalising job's (whole batch). */
	if ((rval == 0 || rval == 3) && !n->quiet && !n->shard && summary) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if ((db = db_open(n->db, &se)) == NULL ||
		    ops_summary(db, batch,
				(t1.tv_sec - t0.tv_sec) +
					(t1.tv_nsec - t0.tv_nsec) / 1e9,
				summary, &se) < 0)
			fprintf(summary, "callqa: summary: %s\n", se.msg);
		db_free(db);
	}
out:
	for (i = 0; i < NSTAGE; i++)
		free(prog[i]);
	free(manifest);
	return rval;
}

int
nightly_slurm(const struct nightly *n, int tasks, const char *dir,
	      int wait, FILE *log, struct err *e)
{
	const char *argv[20], *opts[2] = { NULL, NULL }, *fargv[10];
	const char *conf = getenv("CALLQA_CONFIG_USED");
	struct slurm_array a = { 0 };
	struct strbuf name = STRBUF_INIT, wdir = STRBUF_INIT;
	struct strbuf cpus = STRBUF_INIT, logf = STRBUF_INIT;
	char self[PATH_MAX], batch[32], line[1024];
	char *rub = NULL, *in = NULL, *store = NULL;
	long job, fjob;
	int k = 0, status = 0, rval = 2;
	ssize_t len;
	FILE *fp;

	if (n->batch)
		snprintf(batch, sizeof(batch), "%s", n->batch);
	else
		nightly_batch_id(batch, sizeof(batch));
	if ((store = run_find("store", e)) == NULL)
		goto out;
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0) {
		err_set(e, "cannot find myself: %s", strerror(errno));
		goto out;
	}
	self[len] = '\0';
	/* Absolute paths: the tasks may start anywhere on the cluster. */
	if ((rub = realpath(n->rubric, NULL)) == NULL ||
	    (in = realpath(n->src, NULL)) == NULL) {
		err_set(e, "%s: %s", rub ? n->src : n->rubric,
			strerror(errno));
		goto out;
	}
	argv[k++] = self;
	if (conf && *conf)
		argv[k++] = "-c", argv[k++] = conf;
	argv[k++] = "nightly";
	argv[k++] = "--shard", argv[k++] = "{K}/{N}";
	argv[k++] = "-b", argv[k++] = batch;
	argv[k++] = "-r", argv[k++] = rub;
	if (n->db)
		argv[k++] = "-d", argv[k++] = n->db;
	if (n->jobs) {
		argv[k++] = "-j", argv[k++] = n->jobs;
		strbuf_addf(&cpus, "--cpus-per-task=%s", n->jobs);
		opts[0] = cpus.buf;
	}
	argv[k++] = in;
	argv[k] = NULL;
	strbuf_addf(&name, "callqa-%s", batch);
	if (dir == NULL)
		strbuf_addf(&wdir, "slurm-%s", batch);
	else
		strbuf_adds(&wdir, dir);
	a.dir = wdir.buf;
	a.name = name.buf;
	a.tasks = tasks;
	a.argv = argv;
	a.ok_status = "0 3";
	a.sbatch_opts = opts;
	/*
	 * Once every task has ended, the finalising job asks the database
	 * whether every shard of the batch is stored (batch_shards).
	 */
	k = 0;
	fargv[k++] = store;
	fargv[k++] = "--finalise", fargv[k++] = batch;
	fargv[k++] = "--shards", fargv[k++] = "{N}";
	if (n->db)
		fargv[k++] = "--db", fargv[k++] = n->db;
	fargv[k] = NULL;
	a.final_argv = fargv;
	if (slurm_write(&a, e) < 0)
		goto out;
	if (slurm_submit(wdir.buf, NULL, wait, &job, &fjob, &status, e) < 0) {
		rval = 1;
		goto out;
	}
	if (log)
		fprintf(log,
			"callqa: batch %s: %d shards are Slurm job %ld, the "
			"finalising job %ld; logs in %s\n",
			batch, tasks, job, fjob, wdir.buf);
	rval = 0;
	if (!wait)
		goto out;
	strbuf_addf(&logf, "%s/finalise-%ld.log", wdir.buf, fjob);
	if (log && (fp = fopen(logf.buf, "r")) != NULL) {
		while (fgets(line, sizeof(line), fp))
			fputs(line, log);
		fclose(fp);
	}
	rval = status == 0 || status == 3 ? status : 1;
	if (rval == 1)
		err_set(e, "the finalising job %ld ended with status %d (%s)",
			fjob, status, logf.buf);
out:
	free(store);
	free(rub);
	free(in);
	strbuf_release(&name);
	strbuf_release(&wdir);
	strbuf_release(&cpus);
	strbuf_release(&logf);
	return rval;
}
