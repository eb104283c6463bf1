/*
 * callqa-rank: the month's (or week's) board from PostgreSQL: per group,
 * each agent's scored calls, mean, confidence interval and shrunk
 * estimate, the rank, and the best's and worst's ledger points.  Also
 * closes and reopens months.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "callqa/callqa.h"
#include "callqa/db.h"
#include "callqa/msg.h"
#include "callqa/rank.h"
#include "callqa/run.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: callqa-rank [-qv] (--month YYYY-MM | --week YYYY-Www) "
		"[--group team|post|centre]\n"
		"                   [--policy FILE] [--format text|tsv] "
		"[--db CONNINFO]\n"
		"                   [--close --by NAME | --reopen --by NAME "
		"--reason TEXT]\n"
		"       callqa-rank --ladder --period P ...  (see "
		"callqa-ladder --help)\n"
		"  -m, --month YYYY-MM  rank the month; replace its ledger "
		"entries\n"
		"  -w, --week YYYY-Www  the weekly board (no ledger entries)\n"
		"  -g, --group G        rank within team, post or centre "
		"(default: the policy's)\n"
		"  -p, --policy FILE    ranking policy (default: "
		"rules/ranking.yaml if present, else built-in)\n"
		"  -f, --format F       text (default) or tsv\n"
		"  -d, --db CONNINFO    the database\n"
		"      --close          close the month after ranking it\n"
		"      --reopen         reopen a closed month\n"
		"      --by NAME        who closes or reopens\n"
		"      --reason TEXT    why the month is reopened\n"
		"  -q, --quiet          no notes\n"
		"  -v, --verbose        notes too\n"
		"  -h, --help           this help\n"
		"      --version        print the version\n");
}

static void
fmt_num(char *buf, size_t size, double v)
{
	if (isfinite(v))
		snprintf(buf, size, "%.2f", v);
	else
		snprintf(buf, size, "-");
}

static void
print_tsv(const struct rank_board *b, const struct rank_policy *p)
{
	char mean[32], lo[32], hi[32], sh[32], flag[64];
	int i;

	printf("group\trank\tagent_id\tn\tmean\tci_low\tci_high\tshrunk\t"
	       "points\tflag\n");
	for (i = 0; i < b->nrows; i++) {
		const struct rank_row *r = &b->rows[i];

		fmt_num(mean, sizeof(mean), r->a.mean);
		fmt_num(lo, sizeof(lo), r->a.ci_low);
		fmt_num(hi, sizeof(hi), r->a.ci_high);
		fmt_num(sh, sizeof(sh), r->a.shrunk);
		rank_flag(&r->a, p->min_calls, flag, sizeof(flag));
		printf("%s\t", r->group);
		if (r->a.rank)
			printf("%d", r->a.rank);
		else
			printf("\\N");
		printf("\t%s\t%d\t%s\t%s\t%s\t%s\t%d\t%s\n", r->agent_id,
		       r->a.n, mean, strcmp(lo, "-") ? lo : "\\N",
		       strcmp(hi, "-") ? hi : "\\N", sh, r->a.points,
		       *flag ? flag : "\\N");
	}
}

static void
print_text(const struct rank_board *b, const struct rank_policy *p,
	   const char *period)
{
	char mean[32], lo[32], hi[32], sh[32], flag[64], ci[80], rank[16];
	char pts[16];
	int i, gw = 5, aw = 5;

	for (i = 0; i < b->nrows; i++) {
		int l = (int)strlen(b->rows[i].group);

		gw = l > gw ? l : gw;
		l = (int)strlen(b->rows[i].agent_id);
		aw = l > aw ? l : aw;
	}
	printf("board %s by %s (%.0f%% intervals; ranked on the shrunk "
	       "estimate; at least %d scored calls)\n",
	       period, p->group_by, p->confidence * 100, p->min_calls);
	printf("%-*s  %4s  %-*s  %4s  %6s  %-16s  %6s  %6s  %s\n", gw, "group",
	       "rank", aw, "agent", "n", "mean", "CI", "shrunk", "points",
	       "flag");
	for (i = 0; i < b->nrows; i++) {
		const struct rank_row *r = &b->rows[i];

		fmt_num(mean, sizeof(mean), r->a.mean);
		fmt_num(lo, sizeof(lo), r->a.ci_low);
		fmt_num(hi, sizeof(hi), r->a.ci_high);
		fmt_num(sh, sizeof(sh), r->a.shrunk);
		if (isfinite(r->a.ci_low))
			snprintf(ci, sizeof(ci), "[%s, %s]", lo, hi);
		else
			snprintf(ci, sizeof(ci), "-");
		rank_flag(&r->a, p->min_calls, flag, sizeof(flag));
		if (r->a.rank)
			snprintf(rank, sizeof(rank), "%d", r->a.rank);
		else
			snprintf(rank, sizeof(rank), "-");
		if (r->a.points)
			snprintf(pts, sizeof(pts), "%+d", r->a.points);
		else
			snprintf(pts, sizeof(pts), "-");
		printf("%-*s  %4s  %-*s  %4d  %6s  %-16s  %6s  %6s%s%s\n", gw,
		       r->group, rank, aw, r->agent_id, r->a.n, mean, ci, sh,
		       pts, *flag ? "  " : "", flag);
	}
	if (b->nrows == 0)
		printf("(no scored calls)\n");
}

int
main(int argc, char **argv)
{
	enum { O_CLOSE = 256, O_REOPEN, O_BY, O_REASON };
	static const struct option longopts[] = {
		{ "month", required_argument, NULL, 'm' },
		{ "week", required_argument, NULL, 'w' },
		{ "group", required_argument, NULL, 'g' },
		{ "policy", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "db", required_argument, NULL, 'd' },
		{ "close", no_argument, NULL, O_CLOSE },
		{ "reopen", no_argument, NULL, O_REOPEN },
		{ "by", required_argument, NULL, O_BY },
		{ "reason", required_argument, NULL, O_REASON },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct rank_policy pol;
	struct rank_opts o = { 0 };
	struct rank_board board = { 0 };
	const char *month = NULL, *week = NULL, *group = NULL, *policy = NULL;
	const char *format = "text", *opt_db = NULL;
	struct db *db = NULL;
	struct err e;
	int c, y, m, rval = 1;

	msg_init("callqa-rank");
	/* The post ladder is its own program with its own options. */
	for (c = 1; c < argc && strcmp(argv[c], "--"); c++)
		if (strcmp(argv[c], "--ladder") == 0) {
			char *prog = run_find("ladder", &e);

			if (prog == NULL) {
				msg_error("%s", e.msg);
				return 2;
			}
			argv[0] = prog;
			execv(prog, argv);
			msg_error("cannot run %s: %s", prog, strerror(errno));
			free(prog);
			return 1;
		}
	rank_policy_default(&pol);
	while ((c = getopt_long(argc, argv, "m:w:g:p:f:d:qvh", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'm': month = optarg; break;
		case 'w': week = optarg; break;
		case 'g': group = optarg; break;
		case 'p': policy = optarg; break;
		case 'f': format = optarg; break;
		case 'd': opt_db = optarg; break;
		case O_CLOSE: o.mode = RANK_CLOSE; break;
		case O_REOPEN: o.mode = RANK_REOPEN; break;
		case O_BY: o.by = optarg; break;
		case O_REASON: o.reason = optarg; break;
		case 'q': msg_set_level(MSG_QUIET); break;
		case 'v': msg_set_level(MSG_VERBOSE); break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("callqa-rank %s\n", CALLQA_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || (month == NULL) == (week == NULL)) {
		msg_error("give one of --month YYYY-MM or --week YYYY-Www");
		usage(stderr);
		return 2;
	}
	if ((month && rank_parse_month(month, &y, &m) < 0) ||
	    (week && rank_parse_week(week, &y, &m) < 0)) {
		msg_error("bad period '%s': want YYYY-MM or YYYY-Www",
			  month ? month : week);
		return 2;
	}
	if (strcmp(format, "text") != 0 && strcmp(format, "tsv") != 0) {
		msg_error("bad format '%s': want text or tsv", format);
		return 2;
	}
	if (o.mode != RANK_RUN && (o.by == NULL || *o.by == '\0')) {
		msg_error("--close and --reopen need --by NAME");
		return 2;
	}
	if (o.mode == RANK_REOPEN && (o.reason == NULL || *o.reason == '\0')) {
		msg_error("--reopen needs --reason TEXT");
		return 2;
	}
	if (o.mode != RANK_RUN && week) {
		msg_error("only months are closed and reopened");
		return 2;
	}
	if (policy == NULL && access("rules/ranking.yaml", R_OK) == 0)
		policy = "rules/ranking.yaml";
	if (policy && rank_policy_load(&pol, policy, &e) < 0) {
		msg_error("%s", e.msg);
		return 2;
	}
	if (group) {
		if (strcmp(group, "team") && strcmp(group, "post") &&
		    strcmp(group, "centre")) {
			msg_error("bad group '%s': want team, post or centre",
				  group);
			return 2;
		}
		snprintf(pol.group_by, sizeof(pol.group_by), "%s", group);
	}
	o.period = month ? month : week;
	o.weekly = week != NULL;
	if ((db = db_open_writer(opt_db, &e)) == NULL) {
		msg_error("%s", e.msg);
		goto out;
	}
	if (rank_run(db, &pol, &o, &board, &e) < 0) {
		msg_error("%s", e.msg);
		goto out;
	}
	if (o.mode == RANK_REOPEN) {
		fprintf(stderr, "callqa-rank: %s\n", board.note);
	} else {
		if (strcmp(format, "tsv") == 0)
			print_tsv(&board, &pol);
		else
			print_text(&board, &pol, o.period);
		if (board.note[0])
			fprintf(stderr, "callqa-rank: %s\n", board.note);
	}
	rval = 0;
out:
	rank_board_release(&board);
	db_free(db);
	if (msg_close_stdout() < 0)
		rval = 1;
	return rval;
}
