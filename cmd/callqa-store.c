/*
 * callqa-store: the last stage of the nightly batch.  Loads the record
 * stream on standard input into PostgreSQL in one transaction (applying
 * the schema migrations first), and accounts for every input: stored, or
 * rejected with its reason.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/callqa.h"
#include "callqa/db.h"
#include "callqa/msg.h"
#include "callqa/progress.h"
#include "callqa/store.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: callqa-store [-qv] [--db CONNINFO] [-b batch] "
		"[-k col,...] [-s spool] [--shard K/N] [file]\n"
		"       callqa-store [-q] [--db CONNINFO] --finalise BATCH "
		"--shards N\n"
		"  -d, --db CONNINFO  the database (default: $CALLQA_DB, "
		"libpq's PG* variables, or the private cluster under var/)\n"
		"  -b, --batch ID     batch_id for records without one\n"
		"  -k, --keep COLS    keep these extra columns (comma-separated) "
		"in calls.extra\n"
		"  -s, --spool FILE   keep a copy of the input in FILE when it "
		"is not stored (replay: callqa-store FILE)\n"
		"      --shard K/N    the input is shard K of N of its batch "
		"(needs -b): recorded in batch_shards with its counts\n"
		"      --finalise B   check that every shard of batch B is "
		"stored and print the batch's counts\n"
		"      --shards N     the number of shards, with --finalise\n"
		"  -q, --quiet        no warnings\n"
		"  -v, --verbose      notes too\n"
		"  -h, --help         this help\n"
		"      --version      print the version\n"
		"Exit status: 0 all stored, 3 stored with rejects, 1 stopped by "
		"an error (nothing stored) or, with --finalise, shards "
		"missing, 2 usage.\n");
}

/* Parse "K/N" (0 <= K < N <= 100000); 0 or -1. */
static int
parse_shard(const char *s, int *k, int *n)
{
	char *end;
	long a, b;

	if (*s < '0' || *s > '9')
		return -1;
	a = strtol(s, &end, 10);
	if (*end != '/' || end[1] < '0' || end[1] > '9')
		return -1;
	b = strtol(end + 1, &end, 10);
	if (*end != '\0' || b < 1 || b > 100000 || a >= b)
		return -1;
	*k = (int)a;
	*n = (int)b;
	return 0;
}

/* --finalise: 0 or 3 when every shard is stored, 1 when not (or error). */
static int
finalise(struct db *db, const char *batch, int shards)
{
	struct store_shards st;
	struct err e;
	int rval;

	if (store_finalise(db, batch, shards, &st, &e) < 0) {
		msg_error("%s", e.msg);
		return 1;
	}
	fprintf(stderr,
		"callqa-store: batch %s: %ld inputs, %ld stored, %ld rejected "
		"(%d of %d shards)\n",
		batch, st.inputs, st.stored, st.rejected, st.found, shards);
	if (st.missing) {
		msg_error("batch %s is not complete: shard%s %s of %d not "
			  "stored",
			  batch, strchr(st.missing, ',') ? "s" : "",
			  st.missing, shards);
		rval = 1;
	} else {
		rval = st.rejected > 0 ? 3 : 0;
	}
	store_shards_release(&st);
	return rval;
}

/* Split "a,b,c" into keep[] (pointers into s, which is modified). */
static int
split_keep(char *s, const char ***keep, int *n)
{
	char *p;
	const char **k;

	for (p = s; *p; p++)
		if (*p == ',')
			(*n)++;
	(*n)++;
	if ((k = calloc((size_t)*n, sizeof(*k))) == NULL)
		return -1;
	*n = 0;
	for (p = s;;) {
		char *c = strchr(p, ',');

		if (c)
			*c = '\0';
		if (*p)
			k[(*n)++] = p;
		if (c == NULL)
			break;
		p = c + 1;
	}
	*keep = k;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "batch", required_argument, NULL, 'b' },
		{ "keep", required_argument, NULL, 'k' },
		{ "spool", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "shard", required_argument, NULL, 'S' },
		{ "finalise", required_argument, NULL, 'F' },
		{ "shards", required_argument, NULL, 'N' },
		{ NULL, 0, NULL, 0 }
	};
	struct store_opts o = { 0 };
	struct store_result res = { 0 };
	const char *opt_db = NULL, *name = "-", *spool = NULL;
	const char *final = NULL;
	int shards = 0;
	char *end;
	long lv;
	struct store_spool *sp = NULL;
	const char **keep = NULL;
	char *keepbuf = NULL;
	struct db *db = NULL;
	FILE *fp = stdin;
	struct err e;
	int c, i, n = 0, rval = 1;

	msg_init("callqa-store");
	while ((c = getopt_long(argc, argv, "d:b:k:s:qvh", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'd':
			opt_db = optarg;
			break;
		case 'b':
			o.batch = optarg;
			break;
		case 'k':
			free(keepbuf);
			free(keep);
			n = 0;
			keepbuf = strdup(optarg);
			if (keepbuf == NULL ||
			    split_keep(keepbuf, &keep, &n) < 0) {
				msg_error("out of memory");
				free(keepbuf);
				return 1;
			}
			break;
		case 's':
			spool = optarg;
			break;
		case 'S':
			if (parse_shard(optarg, &o.shard, &o.shards) < 0) {
				msg_error("--shard: '%s' is not K/N with "
					  "0 <= K < N",
					  optarg);
				rval = 2;
				goto out;
			}
			break;
		case 'F':
			final = optarg;
			break;
		case 'N':
			lv = strtol(optarg, &end, 10);
			shards = lv >= 1 && lv <= 100000 ? (int)lv : 0;
			if (*end || end == optarg || shards == 0) {
				msg_error("--shards: '%s' is not a number of "
					  "shards (1 to 100000)",
					  optarg);
				rval = 2;
				goto out;
			}
			break;
		case 'q':
			msg_set_level(MSG_QUIET);
			break;
		case 'v':
			msg_set_level(MSG_VERBOSE);
			break;
		case 'h':
			usage(stdout);
			free(keepbuf);
			free(keep);
			return 0;
		case 'V':
			printf("callqa-store %s\n", CALLQA_VERSION);
			free(keepbuf);
			free(keep);
			return 0;
		default:
			usage(stderr);
			free(keepbuf);
			free(keep);
			return 2;
		}
	}
	if ((final != NULL) != (shards > 0) ||
	    (final && (o.shards || spool || argc > optind)) ||
	    (o.shards && o.batch == NULL)) {
		msg_error("--finalise goes with --shards (and no input), "
			  "--shard with -b");
		usage(stderr);
		rval = 2;
		goto out;
	}
	if (argc - optind > 1) {
		usage(stderr);
		rval = 2;
		goto out;
	}
	if (optind < argc && strcmp(argv[optind], "-") != 0) {
		name = argv[optind];
		if ((fp = fopen(name, "r")) == NULL) {
			msg_error("cannot open %s", name);
			rval = 1;
			goto out;
		}
	}
	o.keep = keep;
	o.nkeep = n;
	o.warn = msg_warn_hook;
	if (spool && (sp = store_spool_open(fp, spool, &e)) == NULL) {
		msg_error("%s", e.msg);
		goto out;
	}
	if ((db = db_open_writer(opt_db, &e)) == NULL) {
		msg_error("%s", e.msg);
		goto out;
	}
	if (final) {
		rval = finalise(db, final, shards);
		goto out;
	}
	o.progress = progress_new(2, "callqa-store", -1,
				  msg_get_level() == MSG_QUIET ? PROGRESS_OFF
							       : PROGRESS_AUTO);
	i = store_load(db, sp ? store_spool_stream(sp) : fp, name, &o, &res,
		       &e);
	progress_end(o.progress);
	if (i < 0) {
		msg_error("%s", e.msg);
		msg_error("nothing stored");
		goto out;
	}
	if (res.nbatches == 0)
		fprintf(stderr, "callqa-store: no records\n");
	for (i = 0; i < res.nbatches; i++)
		fprintf(stderr,
			"callqa-store: batch %s: %ld inputs, %ld stored, "
			"%ld rejected\n",
			res.batches[i].batch_id, res.batches[i].inputs,
			res.batches[i].stored, res.batches[i].rejected);
	rval = res.rejected > 0 ? 3 : 0;
out:
	/* Not stored: the whole input stays in the spool for a replay. */
	if (sp && store_spool_finish(sp, rval == 1, &e) < 0) {
		msg_error("%s", e.msg);
		rval = 1;
	} else if (sp && rval == 1) {
		msg_error("records kept in %s: replay with callqa-store %s",
			  spool, spool);
	}
	store_result_release(&res);
	db_free(db);
	free(keepbuf);
	free(keep);
	if (fp != stdin && fp != NULL)
		fclose(fp);
	if (msg_close_stdout() < 0)
		rval = 1;
	return rval;
}
