/*
 * callqa-report: the month's report for managers (the board per group,
 * best and worst with their strongest and weakest items, change since last
 * month, groups compared, calls worth playing) or the HR export, as text,
 * Markdown, CSV or a self-contained HTML page, in English or Chinese.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "callqa/callqa.h"
#include "callqa/db.h"
#include "callqa/msg.h"
#include "callqa/rank.h"
#include "callqa/report.h"
#include "callqa/strbuf.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: callqa-report [-qv] --month YYYY-MM [--group "
		"team|post|centre] [--hr]\n"
		"                     [--format text|md|csv|html] [--lang "
		"en|zh] [--examples N]\n"
		"                     [--policy FILE] [--db CONNINFO] [-o "
		"FILE]\n"
		"  -m, --month YYYY-MM  the month (callqa-rank must have "
		"ranked it)\n"
		"  -g, --group G        the board by team, post or centre "
		"(default: the latest\n"
		"                       board computed for the month)\n"
		"      --hr             the HR export: one row per agent\n"
		"  -f, --format F       text (default), md, csv or html\n"
		"  -l, --lang L         labels in en (default) or zh\n"
		"  -n, --examples N     example calls of each kind per group "
		"(default 2)\n"
		"  -p, --policy FILE    ranking policy, for its time zone "
		"(default:\n"
		"                       rules/ranking.yaml if present)\n"
		"  -d, --db CONNINFO    the database\n"
		"  -o, --output FILE    write the report to FILE (default: "
		"standard output)\n"
		"  -q, --quiet          no notes\n"
		"  -v, --verbose        notes too\n"
		"  -h, --help           this help\n"
		"      --version        print the version\n");
}

static int
write_file(const char *path, const struct strbuf *sb)
{
	FILE *fp = fopen(path, "w");

	if (fp == NULL) {
		msg_error("%s: cannot create: %s", path, strerror(errno));
		return -1;
	}
	if (fwrite(sb->buf, 1, sb->len, fp) != sb->len || fflush(fp) != 0 ||
	    ferror(fp)) {
		msg_error("%s: cannot write: %s", path, strerror(errno));
		fclose(fp);
		return -1;
	}
	if (fclose(fp) != 0) {
		msg_error("%s: cannot write: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	enum { O_HR = 256 };
	static const struct option longopts[] = {
		{ "month", required_argument, NULL, 'm' },
		{ "group", required_argument, NULL, 'g' },
		{ "hr", no_argument, NULL, O_HR },
		{ "format", required_argument, NULL, 'f' },
		{ "lang", required_argument, NULL, 'l' },
		{ "examples", required_argument, NULL, 'n' },
		{ "policy", required_argument, NULL, 'p' },
		{ "db", required_argument, NULL, 'd' },
		{ "output", required_argument, NULL, 'o' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct report_opts o = { 0 };
	struct rank_policy pol;
	struct strbuf out = STRBUF_INIT;
	const char *format = "text", *lang = "en", *opt_db = NULL;
	const char *policy = NULL, *output = NULL;
	struct report *rep = NULL;
	struct db *db = NULL;
	char *end, prev[8];
	struct err e;
	int c, rval = 1, no_board = 0, may = 0;
	long n;

	msg_init("callqa-report");
	rank_policy_default(&pol);
	while ((c = getopt_long(argc, argv, "m:g:f:l:n:p:d:o:qvh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'm': o.month = optarg; break;
		case 'g': o.group_by = optarg; break;
		case O_HR: o.hr = 1; break;
		case 'f': format = optarg; break;
		case 'l': lang = optarg; break;
		case 'n':
			n = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end || n < 1 || n > 100) {
				msg_error("bad --examples '%s': want 1..100",
					  optarg);
				return 2;
			}
			o.examples = (int)n;
			break;
		case 'p': policy = optarg; break;
		case 'd': opt_db = optarg; break;
		case 'o': output = optarg; break;
		case 'q': msg_set_level(MSG_QUIET); break;
		case 'v': msg_set_level(MSG_VERBOSE); break;
		case 'h': usage(stdout); return 0;
		case 'V':
			printf("callqa-report %s\n", CALLQA_VERSION);
			return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || o.month == NULL) {
		msg_error(optind != argc ? "unexpected argument '%s'"
					 : "give --month YYYY-MM%s",
			  optind != argc ? argv[optind] : "");
		usage(stderr);
		return 2;
	}
	if (report_prev_month(o.month, prev, sizeof(prev)) < 0) {
		msg_error("bad month '%s': want YYYY-MM", o.month);
		return 2;
	}
	if (o.group_by && strcmp(o.group_by, "team") &&
	    strcmp(o.group_by, "post") && strcmp(o.group_by, "centre")) {
		msg_error("bad group '%s': want team, post or centre",
			  o.group_by);
		return 2;
	}
	if (strcmp(format, "text") == 0)
		o.format = REPORT_TEXT;
	else if (strcmp(format, "md") == 0)
		o.format = REPORT_MD;
	else if (strcmp(format, "csv") == 0)
		o.format = REPORT_CSV;
	else if (strcmp(format, "html") == 0)
		o.format = REPORT_HTML;
	else {
		msg_error("bad format '%s': want text, md, csv or html",
			  format);
		return 2;
	}
	if (strcmp(lang, "en") == 0)
		o.lang = REPORT_EN;
	else if (strcmp(lang, "zh") == 0)
		o.lang = REPORT_ZH;
	else {
		msg_error("bad language '%s': want en or zh", lang);
		return 2;
	}
	if (policy == NULL && access("rules/ranking.yaml", R_OK) == 0)
		policy = "rules/ranking.yaml";
	if (policy && rank_policy_load(&pol, policy, &e) < 0) {
		msg_error("%s", e.msg);
		return 2;
	}
	o.timezone = pol.timezone;
	/* A reader (manager or HR login) reads; only a writer migrates. */
	if ((db = db_open(opt_db, &e)) == NULL ||
	    (may = report_may_migrate(db, &e)) < 0 ||
	    (may && db_migrate(db, NULL, &e) < 0)) {
		msg_error("%s", e.msg);
		goto out;
	}
	if ((rep = report_load(db, &o, &no_board, &e)) == NULL) {
		msg_error("%s", e.msg);
		goto out;
	}
	if (report_render(rep, &out, &e) < 0) {
		msg_error("%s", e.msg);
		goto out;
	}
	if (output) {
		if (write_file(output, &out) < 0)
			goto out;
	} else if (fwrite(out.buf, 1, out.len, stdout) != out.len) {
		goto out;
	}
	msg_note("%s%s: %d agents in %d groups", o.month, o.hr ? " (HR)" : "",
		 report_nagents(rep), report_ngroups(rep));
	rval = 0;
out:
	report_free(rep);
	strbuf_release(&out);
	db_free(db);
	if (msg_close_stdout() < 0)
		rval = 1;
	return rval;
}
