/*
 * callqa-measure: read ingest records, measure each call's recording
 * (voice activity per speaker, dead air, overtalk, interruptions, response
 * latency, hold, pitch, loudness, speaking rate) and write the records with
 * the measure columns added, in input order, on -j worker threads.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "callqa/callqa.h"
#include "callqa/measure.h"
#include "callqa/msg.h"
#include "callqa/progress.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: callqa-measure [-qv] [-j jobs] [--dead-air S] "
		"[--interrupt-min S] [file]\n"
		"  -j, --jobs N           worker threads (default 1; 0: one "
		"per CPU)\n"
		"      --dead-air S       silence event threshold, seconds "
		"(default 3.0)\n"
		"      --interrupt-min S  overlap that counts as an "
		"interruption (default 1.0)\n"
		"  -q, --quiet            no warnings\n"
		"  -v, --verbose          notes too\n"
		"  -h, --help             this help\n"
		"      --version          print the version\n"
		"Reads records from file or standard input, writes them with "
		"the measure columns.\n");
}

static int
seconds(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v > 0) || v > 3600)
		return -1;
	*out = v;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "jobs", required_argument, NULL, 'j' },
		{ "dead-air", required_argument, NULL, 'D' },
		{ "interrupt-min", required_argument, NULL, 'I' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct measure_opts o = { METRICS_OPTS_INIT, 1, NULL };
	struct measure_stats st;
	const char *name = "-";
	FILE *in = stdin;
	struct err e;
	char *end;
	long j;
	int c, rval = 0;

	msg_init("callqa-measure");
	while ((c = getopt_long(argc, argv, "j:qvh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j':
			j = strtol(optarg, &end, 10);
			if (end == optarg || *end != '\0' || j < 0 ||
			    j > 1024) {
				msg_error("bad job count '%s'", optarg);
				usage(stderr);
				return 2;
			}
			if (j == 0)
				j = sysconf(_SC_NPROCESSORS_ONLN);
			o.jobs = j < 1 ? 1 : (int)j;
			break;
		case 'D':
			if (seconds(optarg, &o.m.dead_air_s) < 0) {
				msg_error("bad --dead-air '%s'", optarg);
				usage(stderr);
				return 2;
			}
			break;
		case 'I':
			if (seconds(optarg, &o.m.interrupt_min_s) < 0) {
				msg_error("bad --interrupt-min '%s'", optarg);
				usage(stderr);
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
			printf("callqa-measure %s\n", CALLQA_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (argc - optind > 1) {
		usage(stderr);
		return 2;
	}
	if (optind < argc && strcmp(argv[optind], "-") != 0) {
		name = argv[optind];
		if ((in = fopen(name, "r")) == NULL) {
			msg_error("%s: cannot open", name);
			return 1;
		}
	}
	o.progress = progress_new(2, "callqa-measure", -1,
				  msg_get_level() == MSG_QUIET ? PROGRESS_OFF
							       : PROGRESS_AUTO);
	if (measure_stream(in, name, stdout, &o, msg_warn_hook, NULL, &st,
			   &e) < 0) {
		msg_error("%s", e.msg);
		rval = 1;
	}
	progress_end(o.progress);
	if (st.rejected)
		msg_warn("%ld of %ld calls rejected", st.rejected, st.inputs);
	else
		msg_note("%ld calls, %ld measured", st.inputs, st.measured);
	if (in != stdin)
		fclose(in);
	if (msg_close_stdout() < 0 && rval == 0)
		rval = 1;
	return rval;
}
