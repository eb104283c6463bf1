/*
 * callqa-ingest: find the night's recordings, read their metadata from a
 * manifest CSV or from their file names, open each with libsndfile to
 * validate it, and write one record per call.  A call that cannot be
 * ingested is written as a reject with its reason, never dropped.  The
 * stage itself is ingest_new() and friends in pipeline/ingest.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <time.h>

#include "callqa/callqa.h"
#include "callqa/ingest.h"
#include "callqa/msg.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: callqa-ingest [-qv] [-m manifest.csv] [-b batch] "
		"[-s K/N] [path ...]\n"
		"  -m, --manifest FILE  metadata from FILE (CSV with call_id,"
		"agent_id,started_at,audio)\n"
		"  -b, --batch ID       batch id for the records (default: "
		"the UTC time now)\n"
		"  -s, --shard K/N      keep only the calls of shard K of N "
		"(0 <= K < N)\n"
		"  -q, --quiet          no warnings\n"
		"  -v, --verbose        notes too\n"
		"  -h, --help           this help\n"
		"      --version        print the version\n"
		"Without a manifest, metadata comes from file names "
		"AGENT_YYYYMMDDTHHMMSS_CALLID.ext.\n");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "manifest", required_argument, NULL, 'm' },
		{ "batch", required_argument, NULL, 'b' },
		{ "shard", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct ingest_opts o = { NULL, NULL, 0, 0, msg_warn_hook, NULL };
	struct ingest_stats st;
	struct ingest *in = NULL;
	char batch[64], tail;
	struct err e;
	int c, i, rc, rval = 0;

	msg_init("callqa-ingest");
	while ((c = getopt_long(argc, argv, "m:b:s:qvh", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'm':
			o.manifest = optarg;
			break;
		case 'b':
			o.batch = optarg;
			break;
		case 's':
			if (sscanf(optarg, "%u/%u%c", &o.shard_k, &o.shard_n,
				   &tail) != 2 || o.shard_n == 0 ||
			    o.shard_k >= o.shard_n) {
				msg_error("bad shard '%s': want K/N with "
					  "0 <= K < N", optarg);
				return 2;
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
			return 0;
		case 'V':
			printf("callqa-ingest %s\n", CALLQA_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (o.manifest == NULL && optind == argc) {
		msg_error("no recordings: give a manifest or paths");
		usage(stderr);
		return 2;
	}
	if (o.batch == NULL) {
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(batch, sizeof(batch), "%Y%m%dT%H%M%SZ", &tm);
		o.batch = batch;
	}
	if ((in = ingest_new(&o, &e)) == NULL) {
		msg_error("%s", e.msg);
		rval = 2;
		goto out;
	}
	if (ingest_start(in, stdout, &e) < 0 ||
	    (rc = ingest_manifest(in, &e)) == -2) {
		/* A failed header or manifest read: no count. */
		msg_error("%s", e.msg);
		rval = 1;
		goto out;
	}
	if (rc < 0) {
		msg_error("%s", e.msg);
		rval = 1;
	}
	for (i = optind; i < argc && rval == 0; i++)
		if (ingest_path(in, argv[i], &e) < 0) {
			msg_error("%s", e.msg);
			rval = 1;
		}
	ingest_stats(in, &st);
	if (st.rejected)
		msg_warn("%ld of %ld calls rejected", st.rejected, st.inputs);
	else
		msg_note("%ld calls", st.inputs);
out:
	ingest_free(in);
	if (msg_close_stdout() < 0 && rval == 0)
		rval = 1;
	return rval;
}
