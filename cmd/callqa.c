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
#include <unistd.h>

#include "callqa/callqa.h"
#include "callqa/config.h"
#include "callqa/db.h"
#include "callqa/msg.h"
#include "callqa/nightly.h"
#include "callqa/ops.h"
#include "callqa/run.h"
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
		o.ladder = access("rules/ladder.yaml", R_OK) == 0
				   ? "rules/ladder.yaml"
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
	if ((db = db_open(dbopt, &e)) == NULL) {
		msg_error("%s", e.msg);
		return 1;
	}
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

/* callqa nightly: the options, then nightly_run() or nightly_slurm(). */
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
	struct nightly n = { 0 };
	const char *slurm_dir = NULL;
	char *rubric = NULL, *end;
	int c, slurm = 0, wait = 0, rval;
	struct err e = { "" };

	optind = 1;
	while ((c = getopt_long(argc, argv, "r:d:b:j:qh", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'r': n.rubric = optarg; break;
		case 'd': n.db = optarg; break;
		case 'b': n.batch = optarg; break;
		case 'j': n.jobs = optarg; break;
		case 'q': n.quiet = 1; break;
		case 'S': n.shard = optarg; break;
		case 'N':
			slurm = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || slurm < 1 || slurm > 100000) {
				msg_error("nightly: bad number of shards '%s'",
					  optarg);
				return 2;
			}
			break;
		case 'W': slurm_dir = optarg; break;
		case 'w': wait = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if ((slurm && n.shard) || (!slurm && (wait || slurm_dir))) {
		msg_error("nightly: --wait and --slurm-dir go with --slurm, "
			  "--shard without it");
		return 2;
	}
	n.src = optind < argc ? argv[optind] : getenv("CALLQA_RECORDINGS");
	if (optind + 1 < argc || n.src == NULL || *n.src == '\0') {
		msg_error("nightly: give one recording directory or manifest "
			  "(or set recordings in callqa.conf)");
		usage(stderr);
		return 2;
	}
	if (n.rubric == NULL)
		n.rubric = rubric = default_rubric();
	if (n.rubric == NULL || access(n.rubric, R_OK) != 0) {
		msg_error("nightly: cannot read rubric '%s'",
			  n.rubric ? n.rubric : "?");
		free(rubric);
		return 2;
	}
	n.db = from_env(n.db, "CALLQA_DB");
	n.jobs = from_env(n.jobs, "CALLQA_JOBS");
	n.dead_air = from_env(NULL, "CALLQA_DEAD_AIR");
	n.interrupt_min = from_env(NULL, "CALLQA_INTERRUPT_MIN");
	if (slurm)
		rval = nightly_slurm(&n, slurm, slurm_dir, wait,
				     n.quiet ? NULL : stderr, &e);
	else
		rval = nightly_run(&n, stderr, &e);
	if (rval != 0 && rval != 3)
		msg_error("nightly: %s", e.msg);
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
