/*
 * callqa-score: apply a YAML rubric to each call of a record stream and
 * append the rubric's name and version, the score, the section scores, the
 * critical and eligibility flags and the items with their evidence.  Also
 * checks a rubric (--check) and prints one scored call's sheet (--explain).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/callqa.h"
#include "callqa/msg.h"
#include "callqa/record.h"
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

static const char *
get_rec(void *arg, const char *col)
{
	return record_get_by_name(arg, col);
}

/* Print every problem of a rubric; 0 if none. */
static int
report(const struct strbuf *problems)
{
	const char *p = problems->buf, *nl;

	while (*p && (nl = strchr(p, '\n')) != NULL) {
		msg_error("%.*s", (int)(nl - p), p);
		p = nl + 1;
	}
	return problems->len > 0;
}

static void
warn_lines(const struct strbuf *w)
{
	const char *p = w->buf, *nl;

	while (*p && (nl = strchr(p, '\n')) != NULL) {
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
			report(&problems);
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

/* Score (or explain) one input stream; -1 to stop the batch. */
static int
run_stream(FILE *fp, const char *name, const struct rubric *rb,
	   const struct marks *mk, const char *explain, int *found,
	   struct record_writer **wp, long *ncalls, struct strbuf *hdr)
{
	struct strbuf h = STRBUF_INIT;
	struct record_reader *r;
	struct score_result res;
	const char **add = NULL, **secs = NULL;
	struct err e;
	int rc, i, nadd = 0, nsecs = 0, rval = 0;
	int c_rubric, c_ver, c_score, c_crit, c_elig, c_reason, c_items,
		c_status, *c_sec = NULL;

	if ((r = record_reader_new(fp, name, &e)) == NULL) {
		if (strstr(e.msg, ": empty input: no header line"))
			return 0;
		msg_error("%s", e.msg);
		return -1;
	}
	for (i = 0; i < record_reader_ncols(r); i++)
		strbuf_addf(&h, "%s\t", record_reader_colname(r, i));
	if (hdr->len == 0)
		strbuf_adds(hdr, h.buf);
	else if (strcmp(hdr->buf, h.buf) != 0 && !explain) {
		msg_error("%s: columns differ from the first input's", name);
		strbuf_release(&h);
		record_reader_free(r);
		return -1;
	}
	strbuf_release(&h);
	if (explain) {
		secs = calloc((size_t)record_reader_ncols(r) + 1,
			      sizeof(*secs));
		for (i = 0; secs && i < record_reader_ncols(r); i++)
			if (strncmp(record_reader_colname(r, i), "score_", 6) ==
			    0)
				secs[nsecs++] = record_reader_colname(r, i);
		while ((rc = record_read(r, &e)) != 0) {
			const char *id;
			struct strbuf out = STRBUF_INIT;

			if (rc == -2) {
				msg_error("%s", e.msg);
				rval = -1;
				break;
			}
			id = record_get_by_name(r, "call_id");
			if (id == NULL || strcmp(id, explain) != 0)
				continue;
			*found = 1;
			if (score_explain(get_rec, r, rb, secs, (size_t)nsecs,
					  &out, &e) < 0)
				msg_error("%s:%ld: %s", name,
					  record_reader_lineno(r), e.msg);
			fputs(out.buf, stdout);
			strbuf_release(&out);
		}
		free(secs);
		record_reader_free(r);
		return rval;
	}
	if (*wp == NULL) {
		add = calloc(rb->nsections + 8, sizeof(*add));
		if (add == NULL) {
			record_reader_free(r);
			return -1;
		}
		add[nadd++] = "rubric";
		add[nadd++] = "rubric_version";
		add[nadd++] = "score";
		for (i = 0; i < (int)rb->nsections; i++) {
			char *c = malloc(strlen(rb->sections[i].id) + 7);

			sprintf(c, "score_%s", rb->sections[i].id);
			add[nadd++] = c;
		}
		add[nadd++] = "critical_fail";
		add[nadd++] = "eligible";
		add[nadd++] = "ineligible_reason";
		add[nadd++] = "items";
		*wp = record_writer_new(stdout, r, add, nadd);
		for (i = 3; i < 3 + (int)rb->nsections; i++)
			free((char *)add[i]);
		free(add);
	}
	c_rubric = record_writer_col(*wp, "rubric");
	c_ver = record_writer_col(*wp, "rubric_version");
	c_score = record_writer_col(*wp, "score");
	c_crit = record_writer_col(*wp, "critical_fail");
	c_elig = record_writer_col(*wp, "eligible");
	c_reason = record_writer_col(*wp, "ineligible_reason");
	c_items = record_writer_col(*wp, "items");
	c_status = record_writer_col(*wp, "status");
	c_sec = calloc(rb->nsections + 1, sizeof(int));
	for (i = 0; c_sec && i < (int)rb->nsections; i++) {
		char col[128];

		snprintf(col, sizeof(col), "score_%s", rb->sections[i].id);
		c_sec[i] = record_writer_col(*wp, col);
	}
	score_result_init(&res, rb);
	while ((rc = record_read(r, &e)) != 0) {
		const char *status;

		if (rc == -2) {
			msg_error("%s", e.msg);
			rval = -1;
			break;
		}
		record_writer_copy(*wp, r);
		(*ncalls)++;
		status = record_get_by_name(r, "status");
		if (rc == -1) {
			msg_warn("%s", e.msg);
			record_reject(*wp, "score", "%s", e.msg);
		} else if (record_status_ok(status)) {
			if (score_call(rb, get_rec, r, mk, &res, &e) < 0) {
				msg_warn("%s:%ld: %s", name,
					 record_reader_lineno(r), e.msg);
				record_reject(*wp, "score", "%s", e.msg);
			} else {
				warn_lines(&res.warnings);
				record_set(*wp, c_rubric, rb->name);
				record_set(*wp, c_ver, rb->version);
				record_set_num(*wp, c_score, res.score, 1);
				for (i = 0; i < (int)rb->nsections; i++)
					record_set_num(*wp, c_sec[i],
						       res.section[i], 1);
				record_set(*wp, c_crit,
					   res.critical_fail ? "t" : "f");
				record_set(*wp, c_elig,
					   res.eligible ? "t" : "f");
				record_set(*wp, c_reason,
					   res.eligible
						   ? NULL
						   : res.ineligible_reason);
				record_set(*wp, c_items, res.items.buf);
				if (c_status >= 0 && status == NULL)
					record_set(*wp, c_status, "ok");
			}
		}
		if (record_write(*wp, &e) < 0) {
			msg_error("%s", e.msg);
			rval = -1;
			break;
		}
	}
	score_result_release(&res);
	free(c_sec);
	record_reader_free(r);
	return rval;
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
	struct strbuf hdr = STRBUF_INIT;
	struct record_writer *w = NULL;
	struct rubric *rb = NULL;
	struct marks *mk = NULL;
	struct err e;
	int c, i, do_check = 0, found = 0, rval = 0;
	long ncalls = 0;

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
		report(&problems);
		rval = 2;
		goto out;
	}
	if (explain == NULL) {
		if (marks) {
			mk = marks_load(marks, rb, &warnings, &e);
			warn_lines(&warnings);
			if (mk == NULL) {
				msg_error("%s", e.msg);
				rval = 2;
				goto out;
			}
			msg_note("%s: %zu marks", marks, marks_count(mk));
		}
	}
	if (optind == argc)
		rval = run_stream(stdin, "-", rb, mk, explain, &found, &w,
				  &ncalls, &hdr) < 0;
	for (i = optind; i < argc && rval == 0; i++) {
		FILE *fp = strcmp(argv[i], "-") == 0 ? stdin
						     : fopen(argv[i], "r");

		if (fp == NULL) {
			msg_error("%s: cannot open", argv[i]);
			rval = 1;
			break;
		}
		rval = run_stream(fp, argv[i], rb, mk, explain, &found, &w,
				  &ncalls, &hdr) < 0;
		if (fp != stdin)
			fclose(fp);
	}
	if (explain && !found && rval == 0) {
		msg_error("call '%s' not found in the scored stream", explain);
		rval = 1;
	}
	if (!explain && rval == 0) {
		if (w == NULL) {
			/* No input at all: nothing to write. */
		} else if (record_writer_flush_header(w, &e) < 0) {
			msg_error("%s", e.msg);
			rval = 1;
		}
		msg_note("%ld calls scored with rubric %s (%.12s)", ncalls,
			 rb->name, rb->version);
	}
out:
	record_writer_free(w);
	marks_free(mk);
	rubric_free(rb);
	strbuf_release(&problems);
	strbuf_release(&warnings);
	strbuf_release(&hdr);
	if (msg_close_stdout() < 0 && rval == 0)
		rval = 1;
	return rval;
}
