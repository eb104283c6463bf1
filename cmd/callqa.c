/*
 * callqa: the front door.  "callqa STAGE ARGS" runs callqa-STAGE ARGS, as
 * "git foo" runs git-foo; "callqa nightly DIR" runs the nightly batch
 * ingest | measure | score | store over the recordings in DIR.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "callqa/callqa.h"
#include "callqa/config.h"
#include "callqa/db.h"
#include "callqa/ingest.h"
#include "callqa/msg.h"
#include "callqa/ops.h"
#include "callqa/run.h"
#include "callqa/slurm.h"
#include "callqa/strbuf.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: callqa [-c callqa.conf] COMMAND [ARGS...]\n"
		"       callqa nightly [-q] [-r rubric.yaml] [-d conninfo] "
		"[-b batch] [-j N] [DIR|MANIFEST.csv]\n"
		"       callqa nightly --slurm N [--slurm-dir DIR] [--wait] "
		"[options] [DIR|MANIFEST.csv]\n"
		"commands (each is also a program callqa-COMMAND):\n"
		"  ingest    find recordings and their metadata\n"
		"  measure   silence, overtalk, pitch, loudness, speaking rate\n"
		"  score     apply a YAML rubric\n"
		"  store     load records into PostgreSQL\n"
		"  rank      monthly ranking, best/worst, +5/-5 ledger\n"
		"  ladder    post ladder recommendations for HR\n"
		"  report    the board for managers, the export for HR\n"
		"  db        start|stop|status the private PostgreSQL cluster\n"
		"  nightly   ingest | measure | score | store in one go\n"
		"  status    the last batches, months ranked and closed "
		"[-n N] [--db C]\n"
		"  rejects   the rejects of a batch: --batch ID [--db C]\n"
		"  doctor    check libraries, database, schema, rubric, "
		"recordings, disk [DIR]\n"
		"  slurm     run a command as a Slurm job array, retry "
		"tasks\n"
		"Run 'callqa COMMAND --help' for a command's options.\n");
}

/*
 * The rubric used when none is given: $CALLQA_RUBRIC (or the config file's
 * rubric), then rules/ of the working directory, then the copy installed
 * beside the program (BINDIR/../share/callqa/rules).  A new string.
 */
static char *
default_rubric(void)
{
	const char *env = getenv("CALLQA_RUBRIC");
	struct strbuf sb = STRBUF_INIT;
	char self[4096];
	ssize_t n;
	char *slash;

	if (env && *env)
		return strdup(env);
	if (access("rules/default.yaml", R_OK) == 0)
		return strdup("rules/default.yaml");
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL)
			*slash = '\0';
		strbuf_addf(&sb, "%s/../share/callqa/rules/default.yaml",
			    self);
		if (access(sb.buf, R_OK) == 0)
			return strbuf_detach(&sb);
	}
	strbuf_release(&sb);
	return strdup("rules/default.yaml");
}

/* An option taken from the environment (or the config file) when unset. */
static const char *
from_env(const char *opt, const char *var)
{
	const char *v;

	if (opt != NULL)
		return opt;
	v = getenv(var);
	return v && *v ? v : NULL;
}

/*
 * callqa nightly --slurm N: the batch as a Slurm job array, task K running
 * "callqa nightly --shard K/N" with the same batch id, rubric, database and
 * recordings, then a finalising job.  Returns nightly's exit status.
 */
static int
nightly_slurm(int tasks, const char *dir, int wait, int quiet,
	      const char *batch, const char *rubric, const char *db,
	      const char *jobs, const char *src, const char *store)
{
	const char *argv[20], *opts[2] = { NULL, NULL }, *fargv[10];
	const char *conf = getenv("CALLQA_CONFIG_USED");
	struct slurm_array a = { 0 };
	struct strbuf name = STRBUF_INIT, wdir = STRBUF_INIT;
	struct strbuf cpus = STRBUF_INIT, log = STRBUF_INIT;
	char self[4096], now[32], line[1024];
	char *rub = NULL, *in = NULL;
	long job, fjob;
	int k = 0, status = 0, rval = 2;
	ssize_t n;
	struct err e;
	FILE *fp;

	if (batch == NULL) {
		time_t t = time(NULL);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(now, sizeof(now), "%Y%m%dT%H%M%SZ", &tm);
		batch = now;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		msg_error("nightly: cannot find myself: %s", strerror(errno));
		goto out;
	}
	self[n] = '\0';
	/* Absolute paths: the tasks may start anywhere on the cluster. */
	if ((rub = realpath(rubric, NULL)) == NULL ||
	    (in = realpath(src, NULL)) == NULL) {
		msg_error("nightly: %s: %s", rub ? src : rubric,
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
	if (db)
		argv[k++] = "-d", argv[k++] = db;
	if (jobs) {
		argv[k++] = "-j", argv[k++] = jobs;
		strbuf_addf(&cpus, "--cpus-per-task=%s", jobs);
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
	if (db)
		fargv[k++] = "--db", fargv[k++] = db;
	fargv[k] = NULL;
	a.final_argv = fargv;
	if (slurm_write(&a, &e) < 0) {
		msg_error("nightly: %s", e.msg);
		goto out;
	}
	if (slurm_submit(wdir.buf, NULL, wait, &job, &fjob, &status, &e) <
	    0) {
		msg_error("nightly: %s", e.msg);
		rval = 1;
		goto out;
	}
	if (!quiet)
		fprintf(stderr,
			"callqa: batch %s: %d shards are Slurm job %ld, the "
			"finalising job %ld; logs in %s\n",
			batch, tasks, job, fjob, wdir.buf);
	rval = 0;
	if (!wait)
		goto out;
	strbuf_addf(&log, "%s/finalise-%ld.log", wdir.buf, fjob);
	if (!quiet && (fp = fopen(log.buf, "r")) != NULL) {
		while (fgets(line, sizeof(line), fp))
			fputs(line, stderr);
		fclose(fp);
	}
	rval = status == 0 || status == 3 ? status : 1;
out:
	free(rub);
	free(in);
	strbuf_release(&name);
	strbuf_release(&wdir);
	strbuf_release(&cpus);
	strbuf_release(&log);
	return rval;
}

/* Connect as the stages do (--db, CALLQA_DB, PG*, the private cluster). */
static struct db *
connect_db(const char *opt)
{
	struct err e;
	struct db *db;
	char *ci;

	if ((ci = db_conninfo(opt, &e)) == NULL) {
		msg_error("%s", e.msg);
		return NULL;
	}
	db = db_connect(ci, &e);
	free(ci);
	if (db == NULL)
		msg_error("%s", e.msg);
	return db;
}

/* The closing lines of a nightly batch, on stderr. */
static void
summary(const char *dbopt, const char *batch, double wall_s)
{
	struct db *db = connect_db(dbopt);
	struct err e;

	if (db == NULL)
		return;
	if (ops_summary(db, batch, wall_s, stderr, &e) < 0)
		msg_warn("summary: %s", e.msg);
	db_free(db);
}

/* callqa status|rejects|doctor: what the operator asks in the morning. */
static int
admin(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "batch", required_argument, NULL, 'b' },
		{ "number", required_argument, NULL, 'n' },
		{ "rubric", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *cmd = argv[0], *dbopt = NULL, *batch = NULL;
	const char *rubric = NULL;
	int c, n = 10, rval = 0;
	struct db *db;
	struct err e;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:b:n:r:h", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'd': dbopt = optarg; break;
		case 'b': batch = optarg; break;
		case 'n': n = atoi(optarg); break;
		case 'r': rubric = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (strcmp(cmd, "doctor") == 0) {
		struct ops_doctor o = { 0 };
		char *def = NULL, *var = db_var_dir(&e);
		const char *rk = getenv("CALLQA_RANKING");
		int problems;

		o.db_opt = dbopt;
		o.rubric = rubric ? rubric : (def = default_rubric());
		o.ranking = rk && *rk ? rk
			    : access("rules/ranking.yaml", R_OK) == 0
				    ? "rules/ranking.yaml"
				    : NULL;
		o.recordings = optind < argc ? argv[optind]
					     : getenv("CALLQA_RECORDINGS");
		o.var = var;
		o.min_free_gib = 1.0;
		problems = ops_doctor(&o, stdout);
		if (problems)
			printf("%d problem%s found\n", problems,
			       problems == 1 ? "" : "s");
		else
			printf("no problem found\n");
		free(def);
		free(var);
		return problems ? 1 : 0;
	}
	if (strcmp(cmd, "rejects") == 0 && batch == NULL) {
		msg_error("rejects: which batch? (--batch ID; callqa status "
			  "lists them)");
		return 2;
	}
	if ((db = connect_db(dbopt)) == NULL)
		return 1;
	if (strcmp(cmd, "status") == 0) {
		if (ops_status(db, NULL, n > 0 ? n : 10, stdout, &e) < 0) {
			msg_error("status: %s", e.msg);
			rval = 1;
		}
	} else {
		long count = 0;

		if (ops_rejects(db, batch, stdout, &count, &e) < 0) {
			msg_error("rejects: %s", e.msg);
			rval = 1;
		}
	}
	db_free(db);
	if (msg_close_stdout() < 0)
		rval = 1;
	return rval;
}

static int
nightly(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rubric", required_argument, NULL, 'r' },
		{ "db", required_argument, NULL, 'd' },
		{ "batch", required_argument, NULL, 'b' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "shard", required_argument, NULL, 'S' },
		{ "slurm", required_argument, NULL, 'N' },
		{ "slurm-dir", required_argument, NULL, 'W' },
		{ "wait", no_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 }
	};
	const char *db = NULL, *batch = NULL, *jobs = NULL, *dead_air, *imin;
	char batch_now[32];
	struct timespec t0, t1;
	const char *shard = NULL, *slurm_dir = NULL;
	int slurm = 0, wait = 0;
	char *end;
	const char *src;
	char *rubric = NULL;
	char *ingest = NULL, *measure = NULL, *score = NULL, *store = NULL;
	char *manifest = NULL;
	const char *a_ingest[12], *a_measure[12], *a_score[6], *a_store[10];
	char total[32];
	long count;
	const char *const *argvs[4];
	int status[4], c, i, k, quiet = 0, rval;
	struct err e;

	optind = 1;
	while ((c = getopt_long(argc, argv, "r:d:b:j:qh", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'r': free(rubric); rubric = strdup(optarg); break;
		case 'd': db = optarg; break;
		case 'b': batch = optarg; break;
		case 'j': jobs = optarg; break;
		case 'q': quiet = 1; break;
		case 'S': shard = optarg; break;
		case 'N':
			slurm = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || slurm < 1 || slurm > 100000) {
				msg_error("nightly: bad number of shards '%s'",
					  optarg);
				free(rubric);
				return 2;
			}
			break;
		case 'W': slurm_dir = optarg; break;
		case 'w': wait = 1; break;
		case 'h': usage(stdout); free(rubric); return 0;
		default: usage(stderr); free(rubric); return 2;
		}
	}
	if ((slurm && shard) || (!slurm && (wait || slurm_dir))) {
		msg_error("nightly: --wait and --slurm-dir go with --slurm, "
			  "--shard without it");
		free(rubric);
		return 2;
	}
	src = optind < argc ? argv[optind] : getenv("CALLQA_RECORDINGS");
	if (optind + 1 < argc || src == NULL || *src == '\0') {
		msg_error("nightly: give one recording directory or manifest "
			  "(or set recordings in callqa.conf)");
		usage(stderr);
		free(rubric);
		return 2;
	}
	if (rubric == NULL)
		rubric = default_rubric();
	if (rubric == NULL || access(rubric, R_OK) != 0) {
		msg_error("nightly: cannot read rubric '%s'",
			  rubric ? rubric : "?");
		free(rubric);
		return 2;
	}
	db = from_env(db, "CALLQA_DB");
	jobs = from_env(jobs, "CALLQA_JOBS");
	dead_air = from_env(NULL, "CALLQA_DEAD_AIR");
	imin = from_env(NULL, "CALLQA_INTERRUPT_MIN");
	ingest = run_find("ingest", &e);
	measure = ingest ? run_find("measure", &e) : NULL;
	score = measure ? run_find("score", &e) : NULL;
	store = score ? run_find("store", &e) : NULL;
	if (store == NULL) {
		msg_error("%s", e.msg);
		rval = 2;
		goto out;
	}
	if (slurm) {
		rval = nightly_slurm(slurm, slurm_dir, wait, quiet, batch,
				     rubric, db, jobs, src, store);
		goto out;
	}
	if (batch == NULL) {
		/* Chosen here, so that the summary can find the batch. */
		time_t t = time(NULL);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(batch_now, sizeof(batch_now), "%Y%m%dT%H%M%SZ", &tm);
		batch = batch_now;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* A directory with a manifest.csv is described by it. */
	{
		size_t len = strlen(src);

		if (len > 4 && strcmp(src + len - 4, ".csv") == 0) {
			manifest = strdup(src);
		} else {
			struct strbuf sb = STRBUF_INIT;

			strbuf_addf(&sb, "%s/manifest.csv", src);
			if (access(sb.buf, R_OK) == 0)
				manifest = strbuf_detach(&sb);
			strbuf_release(&sb);
		}
	}
	/*
	 * The stages show progress against the number of inputs; on one
	 * terminal only the last stage's line is shown (it moves with the
	 * whole pipeline).
	 */
	{
		const char *pv = getenv("CALLQA_PROGRESS");

		if (quiet)
			setenv("CALLQA_PROGRESS", "0", 1);
		else if (pv == NULL || strcmp(pv, "0") != 0)
			setenv("CALLQA_PROGRESS", "callqa-store", 1);
	}
	/* A shard's count is not known before ingest hashes the ids. */
	count = shard ? -1 : ingest_count(manifest, src);
	if (count >= 0) {
		snprintf(total, sizeof(total), "%ld", count);
		setenv("CALLQA_TOTAL", total, 1);
	}
	k = 0;
	a_ingest[k++] = ingest;
	if (quiet)
		a_ingest[k++] = "-q";
	if (batch)
		a_ingest[k++] = "-b", a_ingest[k++] = batch;
	if (shard)
		a_ingest[k++] = "--shard", a_ingest[k++] = shard;
	if (manifest)
		a_ingest[k++] = "-m", a_ingest[k++] = manifest;
	else
		a_ingest[k++] = src;
	a_ingest[k] = NULL;
	k = 0;
	a_measure[k++] = measure;
	if (quiet)
		a_measure[k++] = "-q";
	if (jobs)
		a_measure[k++] = "-j", a_measure[k++] = jobs;
	if (dead_air)
		a_measure[k++] = "--dead-air", a_measure[k++] = dead_air;
	if (imin)
		a_measure[k++] = "--interrupt-min", a_measure[k++] = imin;
	a_measure[k] = NULL;
	k = 0;
	a_score[k++] = score;
	if (quiet)
		a_score[k++] = "-q";
	a_score[k++] = "-r";
	a_score[k++] = rubric;
	a_score[k] = NULL;
	k = 0;
	a_store[k++] = store;
	if (quiet)
		a_store[k++] = "-q";
	if (db)
		a_store[k++] = "--db", a_store[k++] = db;
	/* A shard is recorded as such (the batch is complete with all). */
	if (shard)
		a_store[k++] = "-b", a_store[k++] = batch,
		a_store[k++] = "--shard", a_store[k++] = shard;
	a_store[k] = NULL;
	argvs[0] = a_ingest;
	argvs[1] = a_measure;
	argvs[2] = a_score;
	argvs[3] = a_store;
	if (run_pipeline(argvs, 4, status, &e) < 0) {
		msg_error("%s", e.msg);
		rval = 1;
		goto out;
	}
	/*
	 * The batch's status: 2 if a stage refused its options or config, 1 if
	 * one stopped midway, else what store says (0 all stored, 3 some
	 * rejected).
	 */
	if (run_interrupted()) {
		msg_error("nightly: interrupted by %s; the batch was not "
			  "committed unless the store finished: run it again "
			  "(nothing is stored twice)",
			  strsignal(run_interrupted()));
		rval = 1;
		goto out;
	}
	rval = status[3];
	for (i = 0; i < 4; i++) {
		if (status[i] == 2)
			rval = 2;
		else if (status[i] != 0 && !(i == 3 && status[i] == 3) &&
			 rval != 2)
			rval = 1;
		if (status[i] != 0 && !(i == 3 && status[i] == 3))
			msg_error("nightly: %s exited with status %d",
				  argvs[i][0], status[i]);
	}
	/* A shard's summary is the finalising job's (whole batch). */
	if ((rval == 0 || rval == 3) && !quiet && !shard) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		summary(db, batch,
			(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
out:
	free(ingest);
	free(measure);
	free(score);
	free(store);
	free(manifest);
	free(rubric);
	return rval;
}

int
main(int argc, char **argv)
{
	const char *conf = NULL;
	char *prog, *used;
	struct err e;

	msg_init("callqa");
	if (argc >= 3 && (strcmp(argv[1], "-c") == 0 ||
			  strcmp(argv[1], "--config") == 0)) {
		conf = argv[2];
		argv[2] = argv[0];
		argc -= 2;
		argv += 2;
	}
	if (config_load(conf, &used, &e) < 0) {
		msg_error("%s", e.msg);
		return 2;
	}
	if (used)
		setenv("CALLQA_CONFIG_USED", used, 1);
	free(used);
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("callqa %s\n", CALLQA_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "nightly") == 0)
		return nightly(argc - 1, argv + 1);
	if (strcmp(argv[1], "status") == 0 || strcmp(argv[1], "rejects") == 0 ||
	    strcmp(argv[1], "doctor") == 0)
		return admin(argc - 1, argv + 1);
	if ((prog = run_find(argv[1], &e)) == NULL) {
		msg_error("%s", e.msg);
		return 2;
	}
	argv[1] = prog;
	execv(prog, argv + 1);
	msg_error("cannot run %s: %s", prog, strerror(errno));
	free(prog);
	return 1;
}
