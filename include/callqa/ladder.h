/*
 * ladder.h: the post ladder.  Once a period (a quarter by default), each
 * agent gets a comprehensive score within their post, and the top of each
 * post is proposed for promotion to the next post up, the bottom for a move
 * down.  Proposals are stored in ladder_decisions with every number behind
 * them; a named person approves or rejects each one, and nothing ever
 * changes an agent's post by itself.
 *
 * The comprehensive score of an agent considered in post P (at least
 * min_calls scored calls in the period):
 *
 *   raw values   quality   = mean QA score of the scored calls
 *                calls     = scored calls (eligible, with a score)
 *                callbacks = sum over the scored calls of the manifest
 *                            column named in the policy (calls.extra)
 *                records   = the same for records entered
 *                ledger    = the ledger points of the period's months
 *   normalised   within P, over the considered agents only:
 *                percent_of_max  N(x) = 100 x / max |x|   (0 if max is 0)
 *                zscore          N(x) = (x - mean) / sd   (population sd;
 *                                0 if sd is 0)
 *   score        sum w_c N(x_c) / sum w_c over the components available
 *                in P (callbacks and records are N/A in P when the policy
 *                names no column, or no scored call of P's considered
 *                agents carries it).
 *
 * Order within P: the score to 2 decimals, then quality to 2 decimals,
 * then calls, all descending ("quality first, quantity second"); agents
 * equal on all three tie and share a rank.  Top K (or P %, rounded down)
 * are proposed for promotion unless P is the top post, bottom K for a move
 * down unless P is the bottom post, never the same agent twice; a post
 * with fewer than 2 considered agents, or all of them tied, moves nobody.
 * A tie across the cutoff: "share" moves every tied agent, "none" moves
 * none of them.
 */
#ifndef CALLQA_LADDER_H
#define CALLQA_LADDER_H

#include <stddef.h>

#include "callqa/callqa.h"

struct db;

enum ladder_comp {
	LADDER_QUALITY,
	LADDER_CALLS,
	LADDER_CALLBACKS,
	LADDER_RECORDS,
	LADDER_LEDGER,
	LADDER_NCOMP
};

/* The policy's names of the components: "quality", "calls"... */
extern const char *const ladder_comp_names[LADDER_NCOMP];

enum ladder_period_kind {
	LADDER_MONTH,	/* 2026-10 */
	LADDER_QUARTER, /* 2026Q4 */
	LADDER_HALF,	/* 2026H2 */
	LADDER_YEAR,	/* 2026 */
};

enum ladder_norm { LADDER_PERCENT_OF_MAX, LADDER_ZSCORE };
enum ladder_tie { LADDER_TIE_SHARE, LADDER_TIE_NONE };
enum ladder_action { LADDER_STAY, LADDER_PROMOTE, LADDER_DEMOTE };

#define LADDER_MAX_POSTS 32

struct ladder_post {
	char id[64];	/* as in the manifest's post column */
	char name[128]; /* shown to people */
};

struct ladder_policy {
	enum ladder_period_kind period;
	char timezone[64]; /* periods start at midnight in this zone */
	struct ladder_post posts[LADDER_MAX_POSTS]; /* bottom to top */
	int nposts;
	int min_calls;
	double weight[LADDER_NCOMP];
	/* calls.extra keys of callbacks and records ("" when none). */
	char column[LADDER_NCOMP][64];
	enum ladder_norm norm;
	int promote, demote;	     /* a count, or a percent when _pct */
	int promote_pct, demote_pct; /* 1: the number above is a percent */
	enum ladder_tie tie;
	char sha[65]; /* hex SHA-256 of the policy file's bytes */
};

/*
 * Read a ladder policy (see rules/ladder.yaml) into p, which is first set
 * to the built-in values of every key but posts (which the file must
 * give).  Errors say "FILE:LINE: why".  Returns 0, or -1.
 */
int ladder_policy_load(struct ladder_policy *p, const char *path,
		       struct err *e);
/* Built-in values: quarter, UTC, min_calls 60, weights .6 .2 .05 .05 .1,
 * percent_of_max, promote 1, demote 1, share, no posts, no columns. */
void ladder_policy_default(struct ladder_policy *p);

/* Index of post id in the ladder (0 = bottom), or -1. */
int ladder_post_index(const struct ladder_policy *p, const char *id);

/*
 * Parse a period of the policy's kind: "2026Q4", "2026H2", "2026-10" or
 * "2026".  Fills start ("YYYY-MM-01") and months (its length).  0, or -1
 * (e filled) when s is not a period of that kind.
 */
int ladder_parse_period(enum ladder_period_kind kind, const char *s,
			char start[16], int *months, struct err *e);

struct ladder_agent {
	/* Input. */
	const char *agent_id; /* borrowed */
	int idx;	      /* the caller's index, kept through the sort */
	int post;	      /* ladder_post_index of their post, or -1 */
	int n;		      /* scored calls */
	/*
	 * Raw values: quality (NaN when n is 0), calls (= n), callbacks and
	 * records (NaN when none of the agent's scored calls carries the
	 * column), ledger points.
	 */
	double value[LADDER_NCOMP];
	/* Output of ladder_compute(). */
	int considered;		   /* on the ladder and n >= min_calls */
	double norm[LADDER_NCOMP]; /* NaN when N/A or not considered */
	double score;		   /* comprehensive; NaN if not considered */
	int rank;		   /* 1-based in the post; 0 if not considered */
	int tie;		   /* shares its rank */
	enum ladder_action action;
	int to_post; /* post index after the move (post when staying) */
	char flag[96];
};

struct ladder_post_stats {
	int m;			   /* considered agents */
	int available[LADDER_NCOMP]; /* the component counts in this post */
	double max[LADDER_NCOMP];  /* max |x| over the considered */
	double mean[LADDER_NCOMP], sd[LADDER_NCOMP];
	double wsum;		   /* sum of the available weights */
	int k_promote, k_demote;   /* the cutoffs after percent rounding */
};

/*
 * Compute every agent's normalised values, score, rank, action and flag,
 * in place, and sort a: posts from the top of the ladder down (agents off
 * the ladder last), within a post the considered by rank (then agent_id),
 * then the others by agent_id.  ps (nposts entries, may be NULL) gets each
 * post's figures.  Pure and deterministic.
 */
void ladder_compute(const struct ladder_policy *p, struct ladder_agent *a,
		    int n, struct ladder_post_stats *ps);

/* Output of the database functions: the period's stored rows as text. */
enum ladder_col {
	LADDER_C_POST,
	LADDER_C_POST_NAME,
	LADDER_C_RANK,
	LADDER_C_AGENT,
	LADDER_C_TEAM,
	LADDER_C_N,
	LADDER_C_QUALITY,
	LADDER_C_CALLS,
	LADDER_C_CALLBACKS,
	LADDER_C_RECORDS,
	LADDER_C_LEDGER,
	LADDER_C_QUALITY_N,
	LADDER_C_CALLS_N,
	LADDER_C_CALLBACKS_N,
	LADDER_C_RECORDS_N,
	LADDER_C_LEDGER_N,
	LADDER_C_SCORE,
	LADDER_C_ACTION,
	LADDER_C_TO_POST,
	LADDER_C_STATUS,
	LADDER_C_DECIDED_BY,
	LADDER_C_DECIDED_AT,
	LADDER_C_FLAG,
	LADDER_C_NOTE,
	LADDER_NCOLS
};

/* Column names of the board (TSV header), by enum ladder_col. */
extern const char *const ladder_col_names[LADDER_NCOLS];

struct ladder_board {
	char **cells; /* nrows * LADDER_NCOLS; NULL cells are SQL NULL */
	int nrows;
	int computed;	  /* agents computed by this run */
	int kept;	  /* decided rows the run left as they were */
	int off_ladder;	  /* agents whose post is not on the ladder */
	char open_months[128]; /* months of the period not closed ("" none) */
};

void ladder_board_release(struct ladder_board *b);
/* Borrowed cell of row r (NULL for SQL NULL), valid until release. */
const char *ladder_cell(const struct ladder_board *b, int r,
			enum ladder_col c);

/*
 * Compute the period's proposals from the database and store them in one
 * transaction: a new ladder_runs row; the period's rows still "proposed"
 * are replaced; approved or rejected rows are never touched (counted in
 * board->kept).  Then load the period's rows into board.  policy_path is
 * recorded with the run.  0, or -1.
 */
int ladder_run(struct db *db, const struct ladder_policy *p,
	       const char *policy_path, const char *period,
	       struct ladder_board *board, struct err *e);

/*
 * Record a decision on agent's proposal for period: approve (1) or reject
 * (0), by a named person, with an optional note; then load that one row
 * into board.  Refuses (-1, e saying why) an unknown period or agent, a
 * row whose action is "stay", and a row already decided.
 */
int ladder_decide(struct db *db, const char *period, const char *agent,
		  int approve, const char *by, const char *note,
		  struct ladder_board *board, struct err *e);

#endif
