/*
 * rank.h: the monthly (or weekly) board: per group, every agent's scored
 * calls, mean with a t-based confidence interval, an empirical-Bayes
 * estimate shrunk toward the group mean, the rank on it, and the +5 / -5
 * points of the best and the worst for the performance ledger.
 *
 * The statistics (rank_group and the distribution functions) are pure and
 * unit-tested; rank_run() reads the scores from PostgreSQL and writes the
 * rankings and the ledger in one transaction.
 *
 * Shrinkage (method of moments, per group of k agents with calls):
 *   mu     = the unweighted mean of the agents' means
 *   s2w    = pooled within-agent variance, sum (n_i - 1) s_i^2 / sum (n_i - 1)
 *   tau2   = max(0, var(means) - mean(s2w / n_i))   (between-agent variance)
 *   f_i    = tau2 / (tau2 + s2w / n_i)
 *   shrunk = mu + f_i (mean_i - mu), posterior variance f_i s2w / n_i
 * Best and second best (worst and second worst) are "indistinguishable"
 * when |shrunk_1 - shrunk_2| < z * sqrt(v_1 + v_2), z the normal quantile of
 * the confidence level.
 */
#ifndef CALLQA_RANK_H
#define CALLQA_RANK_H

#include <stddef.h>

#include "callqa/callqa.h"

struct db;

enum rank_tie {
	RANK_TIE_SHARE,	     /* every tied agent gets the points */
	RANK_TIE_NONE,	     /* nobody gets the points */
	RANK_TIE_MORE_CALLS, /* the tied agent with more calls; then share */
};

struct rank_policy {
	char group_by[16]; /* team, post or centre */
	int min_calls;	   /* scored calls needed to be ranked */
	int points_best, points_worst;
	enum rank_tie tie;
	double confidence; /* of the intervals and the flag, e.g. 0.95 */
	char timezone[64]; /* months and weeks are taken in this zone */
};

/* team, 20, +5, -5, share, 0.95, UTC. */
void rank_policy_default(struct rank_policy *p);
/*
 * Read a policy YAML file (a flat mapping of the keys above; see
 * rules/ranking.yaml) over p's current values.  Unknown keys, bad values
 * and YAML errors fail with "FILE:LINE: why".
 */
int rank_policy_load(struct rank_policy *p, const char *path, struct err *e);

struct rank_agent {
	/* Input. */
	const char *agent_id; /* borrowed */
	int idx;	      /* the caller's index, kept through the sort */
	int n;		      /* scored calls */
	double mean;
	double var; /* sample variance of the scores (NaN when n < 2) */
	/* Output of rank_group(). */
	double ci_low, ci_high; /* NaN when n < 2 */
	double shrunk, post_var;
	int eligible;
	int rank;   /* 1-based among the eligible, ties share; 0 if not */
	int points; /* +best, -worst or 0 */
	int tie;    /* shares its rank with another agent */
	int close;  /* best/worst indistinguishable from the next one */
	double z;   /* that comparison's statistic (NaN if none) */
};

struct rank_group_stats {
	int k;	     /* agents with calls */
	double mu;   /* group mean */
	double s2w;  /* pooled within-agent variance (NaN: none) */
	double tau2; /* between-agent variance */
};

/*
 * Compute everything for the n agents of one group, in place; sorts a by
 * rank (eligible by shrunk estimate, then the others by shrunk).  gs may be
 * NULL.  Deterministic: ties in order are broken by agent_id.
 */
void rank_group(struct rank_agent *a, int n, const struct rank_policy *p,
		struct rank_group_stats *gs);

/*
 * The board's flag for a: "n < MIN" when not eligible, "tie", and "~ 2nd"
 * ("~ 2nd worst") when its points are statistically indistinguishable
 * from the next agent's standing; "" otherwise.
 */
void rank_flag(const struct rank_agent *a, int min_calls, char *buf,
	       size_t size);

/* Student t distribution function and quantile (df > 0). */
double rank_t_cdf(double t, double df);
double rank_t_quantile(double p, double df);
/* Standard normal quantile. */
double rank_z_quantile(double p);

enum rank_mode { RANK_RUN, RANK_CLOSE, RANK_REOPEN };

struct rank_opts {
	const char *period;   /* "2026-10" or "2026-W41" */
	int weekly;	      /* period is a week: no ledger, no closing */
	enum rank_mode mode;
	const char *by;	      /* who closes or reopens */
	const char *reason;   /* why it is reopened */
};

/* One line of the board (strings owned by the board). */
struct rank_row {
	char *group;
	char *agent_id;
	char *versions; /* rubric versions of the scores, comma-separated */
	struct rank_agent a;
};

struct rank_board {
	struct rank_row *rows;
	int nrows;
	int closed_refused; /* the month is closed: nothing was changed */
	char note[256];	    /* what --close or --reopen did */
};

/*
 * Rank the period from the database and replace its rankings and (for a
 * month) its ledger entries, in one transaction; RANK_CLOSE also closes the
 * month, RANK_REOPEN only records the reopening.  A closed month is not
 * changed: returns -1 with board->closed_refused set and e saying who
 * closed it.  Returns 0, or -1.
 */
int rank_run(struct db *db, const struct rank_policy *p,
	     const struct rank_opts *o, struct rank_board *board,
	     struct err *e);
void rank_board_release(struct rank_board *b);

/* Check "YYYY-MM" / "YYYY-Www"; 0 or -1. */
int rank_parse_month(const char *s, int *year, int *month);
int rank_parse_week(const char *s, int *year, int *week);

#endif
