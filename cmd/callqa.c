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
#include "callqa/msg.h"
#include "callqa/run.h"
#include "callqa/strbuf.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: callqa COMMAND [ARGS...]\n"
		"       callqa nightly [-q] [-r rubric.yaml] [-d conninfo] "
		"[-b batch] [-j N] DIR|MANIFEST.csv\n"
		"commands (each is also a program callqa-COMMAND):\n"
		"  ingest    find recordings and their metadata\n"
		"  measure   silence, overtalk, pitch, loudness, speaking rate\n"
		"  score     apply a YAML rubric\n"
		"  store     load records into PostgreSQL\n"
		"  rank      monthly ranking, best/worst, +5/-5 ledger\n"
		"  db        start|stop|status the private PostgreSQL cluster\n"
		"  nightly   ingest | measure | score | store in one go\n"
		"Run 'callqa COMMAND --help' for a command's options.\n");
}

/* The rubric used when none is given: the environment, then the rules/
 * directory of the working tree, then the installed copy. */
static const char *
default_rubric(void)
{
	static const char *const places[] = {
		"rules/default.yaml",
		"/usr/local/share/callqa/rules/default.yaml",
		"/usr/share/callqa/rules/default.yaml", NULL
	};
	const char *env = getenv("CALLQA_RUBRIC");
	int i;

	if (env && *env)
		return env;
	for (i = 0; places[i]; i++)
		if (access(places[i], R_OK) == 0)
			return places[i];
	return places[0];
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
		{ NULL, 0, NULL, 0 }
	};
	const char *rubric = NULL, *db = NULL, *batch = NULL, *jobs = NULL;
	const char *src;
	char *ingest = NULL, *measure = NULL, *score = NULL, *store = NULL;
	char *manifest = NULL;
	const char *a_ingest[12], *a_measure[6], *a_score[6], *a_store[6];
	const char *const *argvs[4];
	int status[4], c, i, k, quiet = 0, rval;
	struct err e;

	optind = 1;
	while ((c = getopt_long(argc, argv, "r:d:b:j:qh", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'r': rubric = optarg; break;
		case 'd': db = optarg; break;
		case 'b': batch = optarg; break;
		case 'j': jobs = optarg; break;
		case 'q': quiet = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind + 1 != argc) {
		msg_error("nightly: give one recording directory or manifest");
		usage(stderr);
		return 2;
	}
	src = argv[optind];
	if (rubric == NULL)
		rubric = default_rubric();
	if (access(rubric, R_OK) != 0) {
		msg_error("nightly: cannot read rubric '%s'", rubric);
		return 2;
	}
	ingest = run_find("ingest", &e);
	measure = ingest ? run_find("measure", &e) : NULL;
	score = measure ? run_find("score", &e) : NULL;
	store = score ? run_find("store", &e) : NULL;
	if (store == NULL) {
		msg_error("%s", e.msg);
		rval = 2;
		goto out;
	}
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
	k = 0;
	a_ingest[k++] = ingest;
	if (quiet)
		a_ingest[k++] = "-q";
	if (batch)
		a_ingest[k++] = "-b", a_ingest[k++] = batch;
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
out:
	free(ingest);
	free(measure);
	free(score);
	free(store);
	free(manifest);
	return rval;
}

int
main(int argc, char **argv)
{
	char *prog;
	struct err e;

	msg_init("callqa");
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
