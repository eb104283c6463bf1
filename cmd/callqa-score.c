/*
 * callqa-score: apply a YAML rubric to each call of a record stream and
 * append the rubric's name and version, the score, the section scores, the
 * critical and eligibility flags and the items with their evidence.  Also
 * checks a rubric (--check) and prints one scored call's sheet (--explain).
 * The stage itself is score_stream_*() in pipeline/score.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/callqa.h"
#include "callqa/msg.h"
#include "callqa/rubric.h"
#include "callqa/score.h"
#include "callqa/strbuf.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: callqa-score [-qv] -r rubric.yaml [-m marks.csv] "
		"[file ...]\n"
		"       callqa-score --check rubric.yaml ...\n"
		"       callqa-score --explain CALL_ID [-r rubric.yaml] "
		"[file ...]\n"
		"  -r, --rubric FILE     the rubric to apply "
		"(callqa-rubric(5))\n"
		"  -m, --marks FILE      inspectors' marks: CSV call_id,item,"
		"result,points,inspector,note\n"
		"  -c, --check           check the rubric files named as "
		"operands and exit\n"
		"  -e, --explain CALL_ID print the score sheet of CALL_ID "
		"from a scored stream\n"
		"  -q, --quiet           no warnings\n"
		"  -v, --verbose         notes too\n"
		"  -h, --help            this help\n"
		"      --version         print the version\n");
}

/* Print each line of sb ("...\n" lines) as an error or a warning. */
static void
print_lines(const struct strbuf *sb, int error)
{
	const char *p = sb->buf, *nl;

	while (*p && (nl = strchr(p, '\n')) != NULL) {
		if (error)
			msg_error("%.*s", (int)(nl - p), p);
		else
			msg_warn("%.*s", (int)(nl - p), p);
		p = nl + 1;
	}
}

static int
check(char **files, int n)
{
	int i, bad = 0;

	for (i = 0; i < n; i++) {
		struct strbuf problems = STRBUF_INIT;
		struct rubric *rb = rubric_load(files[i], &problems);

		if (rb == NULL) {
			print_lines(&problems, 1);
			bad = 1;
		} else
			printf("%s: ok: rubric %s, %zu sections, %zu items, "
			       "version %.12s\n", files[i], rb->name,
			       rb->nsections, rb->nitems, rb->version);
		rubric_free(rb);
		strbuf_release(&problems);
	}
	return bad ? 2 : 0;
}

static void
error_line(const char *why, void *arg)
{
	(void)arg;
	msg_error("%s", why);
}

/* Score or explain one input; -1 (after the message) to stop. */
static int
run(FILE *fp, const char *name, struct score_stream *s, const char *explain,
    const struct rubric *rb, long *found)
{
	struct err e;
	int rc;

	if (explain)
		rc = score_explain_stream(fp, name, stdout, explain, rb,
					  error_line, NULL, found, &e);
	else
		rc = score_stream_input(s, fp, name, &e);
	if (rc < 0)
		msg_error("%s", e.msg);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rubric", required_argument, NULL, 'r' },
		{ "marks", required_argument, NULL, 'm' },
		{ "check", no_argument, NULL, 'c' },
		{ "explain", required_argument, NULL, 'e' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const char *rubric = NULL, *marks = NULL, *explain = NULL;
	struct strbuf problems = STRBUF_INIT, warnings = STRBUF_INIT;
	struct score_stream *s = NULL;
	struct score_stats st;
	struct rubric *rb = NULL;
	struct marks *mk = NULL;
	struct err e;
	int c, i, do_check = 0, rval = 0;
	long found = 0;

	msg_init("callqa-score");
	while ((c = getopt_long(argc, argv, "r:m:ce:qvh", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'r':
			rubric = optarg;
			break;
		case 'm':
			marks = optarg;
			break;
		case 'c':
			do_check = 1;
			break;
		case 'e':
			explain = optarg;
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
			printf("callqa-score %s\n", CALLQA_VERSION);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (do_check) {
		if (rubric == NULL && optind == argc) {
			msg_error("--check: no rubric file");
			usage(stderr);
			return 2;
		}
		if (rubric)
			argv[--optind] = (char *)rubric;
		rval = check(argv + optind, argc - optind);
		goto out;
	}
	if (explain == NULL && rubric == NULL) {
		msg_error("no rubric: give -r FILE");
		usage(stderr);
		return 2;
	}
	if (rubric && (rb = rubric_load(rubric, &problems)) == NULL) {
		print_lines(&problems, 1);
		rval = 2;
		goto out;
	}
	if (explain == NULL) {
		if (marks) {
			mk = marks_load(marks, rb, &warnings, &e);
			print_lines(&warnings, 0);
			if (mk == NULL) {
				msg_error("%s", e.msg);
				rval = 2;
				goto out;
			}
			msg_note("%s: %zu marks", marks, marks_count(mk));
		}
		s = score_stream_new(stdout, rb, mk, msg_warn_hook, NULL);
		if (s == NULL) {
			msg_error("out of memory");
			rval = 1;
			goto out;
		}
	}
	if (optind == argc)
		rval = run(stdin, "-", s, explain, rb, &found) < 0;
	for (i = optind; i < argc && rval == 0; i++) {
		FILE *fp = strcmp(argv[i], "-") == 0 ? stdin
						     : fopen(argv[i], "r");

		if (fp == NULL) {
			msg_error("%s: cannot open", argv[i]);
			rval = 1;
			break;
		}
		rval = run(fp, argv[i], s, explain, rb, &found) < 0;
		if (fp != stdin)
			fclose(fp);
	}
	if (explain && !found && rval == 0) {
		msg_error("call '%s' not found in the scored stream", explain);
		rval = 1;
	}
	if (!explain && rval == 0) {
		if (score_stream_end(s, &e) < 0) {
			msg_error("%s", e.msg);
			rval = 1;
		}
		score_stream_stats(s, &st);
		msg_note("%ld calls scored with rubric %s (%.12s)", st.inputs,
			 rb->name, rb->version);
	}
out:
	score_stream_free(s);
	marks_free(mk);
	rubric_free(rb);
	strbuf_release(&problems);
	strbuf_release(&warnings);
	if (msg_close_stdout() < 0 && rval == 0)
		rval = 1;
	return rval;
}
