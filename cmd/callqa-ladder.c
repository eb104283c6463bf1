/*
 * callqa-ladder: post ladder recommendations for a period (promote the top
 * of each post, move the bottom down), stored with every number behind
 * them, and HR's approvals and rejections.  `callqa-rank --ladder ...`
 * runs this program.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "callqa/callqa.h"
#include "callqa/db.h"
#include "callqa/ladder.h"
#include "callqa/msg.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
		"usage: callqa-ladder [-qv] --period P [--ladder-policy FILE] "
		"[--format text|tsv]\n"
		"                     [--db CONNINFO] [--approve AGENT --by "
		"NAME | --reject AGENT --by NAME]\n"
		"                     [--note TEXT]\n"
		"       callqa-rank --ladder ... (the same)\n"
		"  -P, --period P          the period: 2026Q4 (quarter), "
		"2026H2, 2026-10 or 2026\n"
		"                          as the policy's period says\n"
		"  -p, --ladder-policy F   the ladder policy (default: "
		"rules/ladder.yaml)\n"
		"  -f, --format F          text (default) or tsv\n"
		"  -d, --db CONNINFO       the database\n"
		"      --approve AGENT     approve AGENT's proposed move\n"
		"      --reject AGENT      reject it\n"
		"      --by NAME           who decides (required with "
		"--approve and --reject)\n"
		"      --note TEXT         a note kept with the decision\n"
		"      --ladder            accepted and ignored (callqa-rank "
		"--ladder)\n"
		"  -q, --quiet             no warnings\n"
		"  -v, --verbose           notes too\n"
		"  -h, --help              this help\n"
		"      --version           print the version\n");
}

static const char *
cell(const struct ladder_board *b, int r, enum ladder_col c)
{
	const char *s = ladder_cell(b, r, c);

	return s ? s : "-";
}

static void
print_tsv(const struct ladder_board *b)
{
	int r, c;

	for (c = 0; c < LADDER_NCOLS; c++)
		printf("%s%s", c ? "\t" : "", ladder_col_names[c]);
	putchar('\n');
	for (r = 0; r < b->nrows; r++)
		for (c = 0; c < LADDER_NCOLS; c++) {
			const char *s = ladder_cell(b, r, c);

			printf("%s", c ? "\t" : "");
			/* Values come from the database, tabs included. */
			for (; s && *s; s++) {
				if (*s == '\t')
					fputs("\\t", stdout);
				else if (*s == '\n')
					fputs("\\n", stdout);
				else if (*s == '\\')
					fputs("\\\\", stdout);
				else
					putchar(*s);
			}
			if (s == NULL)
				fputs("\\N", stdout);
			if (c == LADDER_NCOLS - 1)
				putchar('\n');
		}
}

static void
print_text(const struct ladder_board *b, const char *period,
	   const struct ladder_policy *p)
{
	static const enum ladder_col num[] = {
		LADDER_C_N,	  LADDER_C_QUALITY,	LADDER_C_CALLS,
		LADDER_C_CALLBACKS, LADDER_C_RECORDS,	LADDER_C_LEDGER,
		LADDER_C_QUALITY_N, LADDER_C_CALLS_N,	LADDER_C_CALLBACKS_N,
		LADDER_C_RECORDS_N, LADDER_C_LEDGER_N, LADDER_C_SCORE,
	};
	static const char *const head[] = { "n",   "quality", "calls",
					    "cb",  "rec",     "ledger",
					    "q%",  "calls%",  "cb%",
					    "rec%", "ledger%", "score" };
	const size_t nnum = sizeof(num) / sizeof(num[0]);
	int r, aw = 5, pw = 4;
	size_t i;

	for (r = 0; r < b->nrows; r++) {
		int l = (int)strlen(cell(b, r, LADDER_C_AGENT));

		aw = l > aw ? l : aw;
		l = (int)strlen(cell(b, r, LADDER_C_POST));
		pw = l > pw ? l : pw;
	}
	if (p)
		printf("post ladder %s (%s; at least %d scored calls; "
		       "weights quality %g, calls %g, callbacks %g, records "
		       "%g, ledger %g)\n",
		       period,
		       p->norm == LADDER_ZSCORE ? "z-scores within the post"
						: "percent of the post's "
						  "maximum",
		       p->min_calls, p->weight[LADDER_QUALITY],
		       p->weight[LADDER_CALLS], p->weight[LADDER_CALLBACKS],
		       p->weight[LADDER_RECORDS], p->weight[LADDER_LEDGER]);
	printf("%-*s  %4s  %-*s", pw, "post", "rank", aw, "agent");
	for (i = 0; i < nnum; i++)
		printf("  %7s", head[i]);
	printf("  %-8s  %-*s  %-8s  %s\n", "action", pw, "to", "status",
	       "flag / decision");
	for (r = 0; r < b->nrows; r++) {
		const char *by = ladder_cell(b, r, LADDER_C_DECIDED_BY);
		const char *flag = ladder_cell(b, r, LADDER_C_FLAG);
		const char *note = ladder_cell(b, r, LADDER_C_NOTE);

		printf("%-*s  %4s  %-*s", pw, cell(b, r, LADDER_C_POST),
		       cell(b, r, LADDER_C_RANK), aw,
		       cell(b, r, LADDER_C_AGENT));
		for (i = 0; i < nnum; i++)
			printf("  %7s", cell(b, r, num[i]));
		printf("  %-8s  %-*s  %-8s  %s", cell(b, r, LADDER_C_ACTION),
		       pw, cell(b, r, LADDER_C_TO_POST),
		       cell(b, r, LADDER_C_STATUS), flag ? flag : "");
		if (by)
			printf("%sby %s at %s UTC%s%s", flag ? "; " : "", by,
			       cell(b, r, LADDER_C_DECIDED_AT),
			       note ? ": " : "", note ? note : "");
		putchar('\n');
	}
	if (b->nrows == 0)
		printf("(no calls in the period)\n");
}

int
main(int argc, char **argv)
{
	enum { O_APPROVE = 256, O_REJECT, O_BY, O_NOTE, O_LADDER };
	static const struct option longopts[] = {
		{ "period", required_argument, NULL, 'P' },
		{ "ladder-policy", required_argument, NULL, 'p' },
		{ "format", required_argument, NULL, 'f' },
		{ "db", required_argument, NULL, 'd' },
		{ "approve", required_argument, NULL, O_APPROVE },
		{ "reject", required_argument, NULL, O_REJECT },
		{ "by", required_argument, NULL, O_BY },
		{ "note", required_argument, NULL, O_NOTE },
		{ "ladder", no_argument, NULL, O_LADDER },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct ladder_policy pol;
	struct ladder_board board = { 0 };
	const char *period = NULL, *policy = NULL, *format = "text";
	const char *opt_db = NULL, *agent = NULL, *by = NULL, *note = NULL;
	struct db *db = NULL;
	char start[16];
	struct err e;
	int c, approve = -1, months, rval = 1;

	msg_init("callqa-ladder");
	while ((c = getopt_long(argc, argv, "P:p:f:d:qvh", longopts, NULL)) !=
	       -1) {
		switch (c) {
		case 'P': period = optarg; break;
		case 'p': policy = optarg; break;
		case 'f': format = optarg; break;
		case 'd': opt_db = optarg; break;
		case O_APPROVE: agent = optarg; approve = 1; break;
		case O_REJECT: agent = optarg; approve = 0; break;
		case O_BY: by = optarg; break;
		case O_NOTE: note = optarg; break;
		case O_LADDER: break;
		case 'q': msg_set_level(MSG_QUIET); break;
		case 'v': msg_set_level(MSG_VERBOSE); break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("callqa-ladder %s\n", CALLQA_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || period == NULL || *period == '\0') {
		msg_error("give the period: --period 2026Q4");
		usage(stderr);
		return 2;
	}
	if (strcmp(format, "text") != 0 && strcmp(format, "tsv") != 0) {
		msg_error("bad format '%s': want text or tsv", format);
		return 2;
	}
	if (approve >= 0 && (by == NULL || *by == '\0')) {
		msg_error("--approve and --reject need --by NAME");
		return 2;
	}
	if (approve < 0 && (by || note)) {
		msg_error("--by and --note go with --approve or --reject");
		return 2;
	}
	if (policy == NULL && approve < 0) {
		if (access("rules/ladder.yaml", R_OK) != 0) {
			msg_error("no ladder policy: give --ladder-policy FILE "
				  "(no rules/ladder.yaml here)");
			return 2;
		}
		policy = "rules/ladder.yaml";
	}
	if (policy) {
		if (ladder_policy_load(&pol, policy, &e) < 0 ||
		    ladder_parse_period(pol.period, period, start, &months,
					&e) < 0) {
			msg_error("%s", e.msg);
			return 2;
		}
	}
	if ((db = db_open_writer(opt_db, &e)) == NULL) {
		msg_error("%s", e.msg);
		goto out;
	}
	if (approve >= 0) {
		if (ladder_decide(db, period, agent, approve, by, note, &board,
				  &e) < 0) {
			msg_error("%s", e.msg);
			goto out;
		}
		msg_warn("%s: %s's move %s by %s", period, agent,
			 approve ? "approved" : "rejected", by);
	} else {
		if (ladder_run(db, &pol, policy, period, &board, &e) < 0) {
			msg_error("%s", e.msg);
			goto out;
		}
		if (board.kept)
			msg_warn("%s: %d decided recommendation%s kept as "
				 "decided",
				 period, board.kept, board.kept > 1 ? "s" : "");
		if (board.off_ladder)
			msg_warn("%s: %d agent%s in posts not on the ladder",
				 period, board.off_ladder,
				 board.off_ladder > 1 ? "s" : "");
		if (board.open_months[0])
			msg_warn("%s: ledger months not closed: %s (their "
				 "points may still change)",
				 period, board.open_months);
	}
	if (strcmp(format, "tsv") == 0)
		print_tsv(&board);
	else
		print_text(&board, period, approve >= 0 ? NULL : &pol);
	rval = 0;
out:
	ladder_board_release(&board);
	db_free(db);
	if (msg_close_stdout() < 0)
		rval = 1;
	return rval;
}
