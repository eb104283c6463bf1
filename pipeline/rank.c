/*
 * rank.c: the board of a month or week.  The statistics are pure functions
 * (Student t by the regularized incomplete beta function, empirical-Bayes
 * shrinkage by the method of moments); rank_run() reads the period's scores
 * from PostgreSQL, ranks each group and replaces the period's rankings and
 * ledger entries in one transaction, honouring closed months.
 */
#include "callqa/rank.h"

#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/callqa.h"
#include "callqa/db.h"
#include "pq_int.h"
#include "callqa/strbuf.h"

/* Continued fraction of the incomplete beta function (modified Lentz). */
static double
betacf(double a, double b, double x)
{
	const double tiny = 1e-300;
	double c = 1, d = 1 - (a + b) * x / (a + 1), h, del, aa;
	int m;

	if (fabs(d) < tiny)
		d = tiny;
	d = 1 / d;
	h = d;
	for (m = 1; m <= 300; m++) {
		aa = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
		d = 1 + aa * d;
		d = fabs(d) < tiny ? 1 / tiny : 1 / d;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		h *= d * c;
		aa = -(a + m) * (a + b + m) * x /
		     ((a + 2 * m) * (a + 2 * m + 1));
		d = 1 + aa * d;
		d = fabs(d) < tiny ? 1 / tiny : 1 / d;
		c = 1 + aa / c;
		if (fabs(c) < tiny)
			c = tiny;
		del = d * c;
		h *= del;
		if (fabs(del - 1) < 1e-15)
			break;
	}
	return h;
}

/* Regularized incomplete beta function I_x(a, b). */
static double
ibeta(double a, double b, double x)
{
	double bt;

	if (x <= 0)
		return 0;
	if (x >= 1)
		return 1;
	bt = exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
		 b * log1p(-x));
	if (x < (a + 1) / (a + b + 2))
		return bt * betacf(a, b, x) / a;
	return 1 - bt * betacf(b, a, 1 - x) / b;
}

double
rank_t_cdf(double t, double df)
{
	double tail = 0.5 * ibeta(df / 2, 0.5, df / (df + t * t));

	return t >= 0 ? 1 - tail : tail;
}

double
rank_t_quantile(double p, double df)
{
	double lo = -1e6, hi = 1e6, mid = 0;
	int i;

	for (i = 0; i < 200; i++) {
		mid = (lo + hi) / 2;
		if (rank_t_cdf(mid, df) < p)
			lo = mid;
		else
			hi = mid;
	}
	return mid;
}

double
rank_z_quantile(double p)
{
	double lo = -40, hi = 40, mid = 0;
	int i;

	for (i = 0; i < 200; i++) {
		mid = (lo + hi) / 2;
		if (0.5 * erfc(-mid / sqrt(2)) < p)
			lo = mid;
		else
			hi = mid;
	}
	return mid;
}

/* Shrunk estimates are compared as shown and stored: to 2 decimals. */
static long
key2(double v)
{
	return lround(v * 100);
}

static int
cmp_agent(const void *pa, const void *pb)
{
	const struct rank_agent *a = pa, *b = pb;

	if (a->eligible != b->eligible)
		return b->eligible - a->eligible;
	if (key2(a->shrunk) != key2(b->shrunk))
		return key2(a->shrunk) > key2(b->shrunk) ? -1 : 1;
	return strcmp(a->agent_id, b->agent_id);
}

/*
 * Give pts to the tied set a[from..to) by the tie rule.
 */
static void
award(struct rank_agent *a, int from, int to, int pts, enum rank_tie tie)
{
	int i, maxn = 0;

	if (to - from == 1) {
		a[from].points = pts;
		return;
	}
	if (tie == RANK_TIE_NONE)
		return;
	if (tie == RANK_TIE_SHARE) {
		for (i = from; i < to; i++)
			a[i].points = pts;
		return;
	}
	for (i = from; i < to; i++)
		if (a[i].n > maxn)
			maxn = a[i].n;
	for (i = from; i < to; i++)
		if (a[i].n == maxn)
			a[i].points = pts;
}

static void
compare(struct rank_agent *x, const struct rank_agent *y, double zq)
{
	double v = x->post_var + y->post_var;

	x->z = v > 0 ? fabs(x->shrunk - y->shrunk) / sqrt(v) : NAN;
	x->close = !(x->z >= zq);
}

void
rank_group(struct rank_agent *a, int n, const struct rank_policy *p,
	   struct rank_group_stats *gs)
{
	double mu = 0, sb = 0, num = 0, den = 0, s2w = NAN, tau2 = 0, f;
	double zq = rank_z_quantile((1 + p->confidence) / 2), sum = 0;
	int i, k = 0, m, top, bot;

	for (i = 0; i < n; i++)
		if (a[i].n > 0) {
			mu += a[i].mean;
			k++;
		}
	mu = k ? mu / k : NAN;
	for (i = 0; i < n; i++) {
		if (a[i].n <= 0)
			continue;
		sb += (a[i].mean - mu) * (a[i].mean - mu);
		if (a[i].n >= 2 && isfinite(a[i].var)) {
			num += (a[i].n - 1) * a[i].var;
			den += a[i].n - 1;
		}
	}
	sb = k >= 2 ? sb / (k - 1) : NAN;
	if (den > 0)
		s2w = num / den;
	if (k >= 2 && isfinite(s2w)) {
		for (i = 0; i < n; i++)
			if (a[i].n > 0)
				sum += s2w / a[i].n;
		tau2 = sb - sum / k;
		if (tau2 < 0)
			tau2 = 0;
	}
	for (i = 0; i < n; i++) {
		struct rank_agent *x = &a[i];

		x->ci_low = x->ci_high = NAN;
		x->z = NAN;
		x->rank = x->points = x->tie = x->close = 0;
		if (x->n >= 2 && isfinite(x->var)) {
			double t = rank_t_quantile((1 + p->confidence) / 2,
						   x->n - 1);
			double se = sqrt(x->var / x->n);

			x->ci_low = x->mean - t * se;
			x->ci_high = x->mean + t * se;
		}
		if (k >= 2 && isfinite(s2w) && s2w > 0 && x->n > 0) {
			f = tau2 > 0 ? tau2 / (tau2 + s2w / x->n) : 0;
			x->shrunk = mu + f * (x->mean - mu);
			x->post_var = f * s2w / x->n;
		} else {
			x->shrunk = x->mean;
			x->post_var = x->n >= 2 && isfinite(x->var)
					      ? x->var / x->n
					      : NAN;
		}
		x->eligible = x->n >= p->min_calls && x->n > 0;
	}
	qsort(a, (size_t)n, sizeof(*a), cmp_agent);
	for (m = 0; m < n && a[m].eligible; m++) {
		a[m].rank = m > 0 && key2(a[m].shrunk) == key2(a[m - 1].shrunk)
				    ? a[m - 1].rank
				    : m + 1;
		if ((m > 0 && key2(a[m].shrunk) == key2(a[m - 1].shrunk)) ||
		    (m + 1 < n && a[m + 1].eligible &&
		     key2(a[m].shrunk) == key2(a[m + 1].shrunk)))
			a[m].tie = 1;
	}
	/* m eligible agents, best first. */
	if (m >= 2) {
		for (top = 1; top < m && a[top].rank == 1; top++)
			;
		bot = m - 1;
		while (bot > 0 &&
		       key2(a[bot - 1].shrunk) == key2(a[m - 1].shrunk))
			bot--;
		if (top < m) { /* not everyone tied */
			award(a, 0, top, p->points_best, p->tie);
			award(a, bot, m, p->points_worst, p->tie);
			compare(&a[0], &a[top], zq);
			compare(&a[m - 1], &a[bot - 1], zq);
			for (i = 1; i < top; i++) {
				a[i].z = a[0].z;
				a[i].close = a[0].close;
			}
			for (i = bot; i < m - 1; i++) {
				a[i].z = a[m - 1].z;
				a[i].close = a[m - 1].close;
			}
		}
	}
	if (gs) {
		gs->k = k;
		gs->mu = mu;
		gs->s2w = s2w;
		gs->tau2 = tau2;
	}
}

int
rank_parse_month(const char *s, int *year, int *month)
{
	char tail;

	if (strlen(s) != 7 || s[4] != '-' ||
	    sscanf(s, "%4d-%2d%c", year, month, &tail) != 2 || *year < 1970 ||
	    *month < 1 || *month > 12)
		return -1;
	return 0;
}

int
rank_parse_week(const char *s, int *year, int *week)
{
	char tail;

	if (strlen(s) != 8 || s[4] != '-' || s[5] != 'W' ||
	    sscanf(s, "%4d-W%2d%c", year, week, &tail) != 2 || *year < 1970 ||
	    *week < 1 || *week > 53)
		return -1;
	return 0;
}

void
rank_board_release(struct rank_board *b)
{
	int i;

	for (i = 0; i < b->nrows; i++) {
		free(b->rows[i].group);
		free(b->rows[i].agent_id);
		free(b->rows[i].versions);
	}
	free(b->rows);
	memset(b, 0, sizeof(*b));
}

/*
 * Each agent's latest eligible score of each call of the period.  The
 * period's calls are read once, by an index range on started_at (the
 * bounds are plain expressions of the parameters, so the planner sees how
 * few rows they select), and each call's score is one index probe: at 10
 * million stored calls this takes seconds where joining whole tables took
 * tens (see pipeline/sql/025_month_queries.sql).  calls and scores are
 * partitioned by month (030_month_partitions.sql): the range reads only the
 * month's partitions (and the neighbour when the policy's time zone is not
 * UTC), and the probe matches started_at too, so it reads one partition.
 */
static const char scores_sql[] =
	"WITH cm AS MATERIALIZED (SELECT c.call_id, c.agent_id, "
	"c.started_at, CASE $3 WHEN 'team' THEN coalesce(c.team, '-') WHEN "
	"'post' THEN coalesce(c.post, '-') ELSE 'centre' END AS grp FROM "
	"calls c WHERE c.started_at >= $1::date::timestamptz AND "
	"c.started_at < ($1::date + $2::interval)::timestamptz), "
	"g AS (SELECT DISTINCT ON (agent_id) agent_id, grp FROM cm ORDER BY "
	"agent_id, started_at DESC), "
	"sc AS (SELECT cm.agent_id, s.score, s.rubric_version FROM cm CROSS "
	"JOIN LATERAL (SELECT s.score, s.rubric_version FROM scores s WHERE "
	"s.call_id = cm.call_id AND s.started_at = cm.started_at AND "
	"s.eligible AND s.score IS NOT NULL ORDER "
	"BY s.scored_at DESC, s.rubric_version LIMIT 1) s) "
	"SELECT g.grp, sc.agent_id, count(*), avg(sc.score)::float8, "
	"coalesce(var_samp(sc.score)::float8, 'NaN'), string_agg(DISTINCT "
	"sc.rubric_version, ',') FROM sc JOIN g USING (agent_id) GROUP BY 1, "
	"2 ORDER BY 1, 2";

static const char closure_sql[] =
	"SELECT action, by_whom, to_char(at AT TIME ZONE 'UTC', "
	"'YYYY-MM-DD HH24:MI') FROM month_closures WHERE month = $1::date "
	"ORDER BY id DESC LIMIT 1";

static const char archived_sql[] =
	"SELECT by_whom, to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), "
	"calls_table FROM archived_months WHERE month = $1::date";

static const char insert_ranking_sql[] =
	"INSERT INTO rankings (period, group_by, grp, agent_id, n, mean, sd, "
	"ci_low, ci_high, shrunk, rank, eligible, points, flag, "
	"rubric_versions) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
	"$11, $12, $13, $14, $15)";

static const char insert_ledger_sql[] =
	"INSERT INTO ledger (month, agent_id, points, reason, rubric_version, "
	"evidence, group_by, grp) VALUES ($1::date, $2, $3, $4, $5, $6::jsonb, "
	"$7, $8)";

static void
num2(char *buf, size_t size, double v)
{
	if (isfinite(v))
		snprintf(buf, size, "%.2f", v);
	else
		buf[0] = '\0';
}

static const char *
nz(const char *s)
{
	return *s ? s : NULL;
}

void
rank_flag(const struct rank_agent *a, int min_calls, char *buf, size_t size)
{
	buf[0] = '\0';
	if (!a->eligible) {
		snprintf(buf, size, "n < %d", min_calls);
		return;
	}
	if (a->tie)
		snprintf(buf, size, "tie");
	if (a->points != 0 && a->close)
		snprintf(buf + strlen(buf), size - strlen(buf), "%s%s",
			 *buf ? ", " : "",
			 a->points > 0 ? "~ 2nd" : "~ 2nd worst");
}

static void
evidence(struct strbuf *sb, const struct rank_row *r,
	 const struct rank_policy *p, const struct rank_group_stats *gs)
{
	const struct rank_agent *a = &r->a;

	strbuf_adds(sb, "{\"n\":");
	strbuf_addf(sb, "%d", a->n);
	strbuf_adds(sb, ",\"mean\":");
	strbuf_add_json_num(sb, a->mean, 2);
	strbuf_adds(sb, ",\"ci\":[");
	strbuf_add_json_num(sb, a->ci_low, 2);
	strbuf_addch(sb, ',');
	strbuf_add_json_num(sb, a->ci_high, 2);
	strbuf_adds(sb, "],\"confidence\":");
	strbuf_add_json_num(sb, p->confidence, 3);
	strbuf_adds(sb, ",\"shrunk\":");
	strbuf_add_json_num(sb, a->shrunk, 2);
	strbuf_adds(sb, ",\"rank\":");
	strbuf_addf(sb, "%d", a->rank);
	strbuf_adds(sb, ",\"group_mean\":");
	strbuf_add_json_num(sb, gs->mu, 2);
	strbuf_adds(sb, ",\"tau2\":");
	strbuf_add_json_num(sb, gs->tau2, 3);
	strbuf_adds(sb, ",\"within_var\":");
	strbuf_add_json_num(sb, gs->s2w, 3);
	strbuf_adds(sb, ",\"tie\":");
	strbuf_adds(sb, a->tie ? "true" : "false");
	strbuf_adds(sb, ",\"indistinguishable_from_next\":");
	strbuf_adds(sb, a->close ? "true" : "false");
	strbuf_adds(sb, ",\"z\":");
	strbuf_add_json_num(sb, a->z, 2);
	strbuf_addch(sb, '}');
}

/* Read the scores and rank every group into board. */
static int
compute(PGconn *conn, const struct rank_policy *p, const char *start,
	const char *span, struct rank_board *board,
	struct rank_group_stats **gsp, struct err *e)
{
	const char *params[3] = { start, span, p->group_by };
	struct rank_agent *tmp = NULL;
	struct rank_row *sorted = NULL;
	struct rank_group_stats *gs = NULL;
	PGresult *res;
	int i, j, g, n, r = -1;

	if ((res = pq_query(conn, scores_sql, 3, params, "scores", e)) == NULL)
		return -1;
	n = PQntuples(res);
	board->rows = calloc(n ? (size_t)n : 1, sizeof(*board->rows));
	tmp = calloc(n ? (size_t)n : 1, sizeof(*tmp));
	sorted = calloc(n ? (size_t)n : 1, sizeof(*sorted));
	gs = calloc(n ? (size_t)n : 1, sizeof(*gs));
	if (board->rows == NULL || tmp == NULL || sorted == NULL || !gs) {
		err_set(e, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct rank_row *row = &board->rows[i];

		row->group = strdup(PQgetvalue(res, i, 0));
		row->agent_id = strdup(PQgetvalue(res, i, 1));
		row->versions = strdup(PQgetvalue(res, i, 5));
		row->a.agent_id = row->agent_id;
		row->a.n = atoi(PQgetvalue(res, i, 2));
		row->a.mean = strtod(PQgetvalue(res, i, 3), NULL);
		row->a.var = strtod(PQgetvalue(res, i, 4), NULL);
		board->nrows++;
		if (!row->group || !row->agent_id || !row->versions) {
			err_set(e, "out of memory");
			goto out;
		}
	}
	/* Rows come sorted by group: rank each run of one group. */
	for (i = 0; i < n; i = j) {
		for (j = i; j < n && strcmp(board->rows[j].group,
					    board->rows[i].group) == 0;
		     j++) {
			tmp[j - i] = board->rows[j].a;
			tmp[j - i].idx = j;
		}
		rank_group(tmp, j - i, p, &gs[i]);
		for (g = 0; g < j - i; g++) {
			sorted[i + g] = board->rows[tmp[g].idx];
			sorted[i + g].a = tmp[g];
			gs[i + g] = gs[i];
			sorted[i + g].a.agent_id = sorted[i + g].agent_id;
		}
	}
	memcpy(board->rows, sorted, (size_t)n * sizeof(*sorted));
	*gsp = gs;
	gs = NULL;
	r = 0;
out:
	PQclear(res);
	free(tmp);
	free(sorted);
	free(gs);
	return r;
}

static int
store_board(PGconn *conn, const struct rank_policy *p,
	    const struct rank_opts *o, const char *start,
	    const struct rank_board *board,
	    const struct rank_group_stats *gs, struct err *e)
{
	const char *del[2] = { o->period, p->group_by };
	struct strbuf sb = STRBUF_INIT, why = STRBUF_INIT;
	int i, r = -1;

	if (pq_exec(conn, "DELETE FROM rankings WHERE period = $1 AND "
			  "group_by = $2",
		    2, del, "rankings", e) < 0)
		goto out;
	if (!o->weekly && pq_exec(conn, "DELETE FROM ledger WHERE month = "
					"$1::date",
				  1, &start, "ledger", e) < 0)
		goto out;
	for (i = 0; i < board->nrows; i++) {
		const struct rank_row *row = &board->rows[i];
		const struct rank_agent *a = &row->a;
		char n[16], mean[32], sd[32], lo[32], hi[32], sh[32], rank[16];
		char pts[16], flag[64];
		const char *v[15];

		snprintf(n, sizeof(n), "%d", a->n);
		num2(mean, sizeof(mean), a->mean);
		num2(sd, sizeof(sd), sqrt(a->var));
		num2(lo, sizeof(lo), a->ci_low);
		num2(hi, sizeof(hi), a->ci_high);
		num2(sh, sizeof(sh), a->shrunk);
		snprintf(rank, sizeof(rank), "%d", a->rank);
		snprintf(pts, sizeof(pts), "%d", a->points);
		rank_flag(&row->a, p->min_calls, flag, sizeof(flag));
		v[0] = o->period;
		v[1] = p->group_by;
		v[2] = row->group;
		v[3] = row->agent_id;
		v[4] = n;
		v[5] = nz(mean);
		v[6] = nz(sd);
		v[7] = nz(lo);
		v[8] = nz(hi);
		v[9] = nz(sh);
		v[10] = a->rank ? rank : NULL;
		v[11] = a->eligible ? "t" : "f";
		v[12] = pts;
		v[13] = nz(flag);
		v[14] = row->versions;
		if (pq_exec(conn, insert_ranking_sql, 15, v, "rankings", e) < 0)
			goto out;
		if (o->weekly || a->points == 0)
			continue;
		strbuf_reset(&sb);
		evidence(&sb, row, p, &gs[i]);
		strbuf_reset(&why);
		strbuf_addf(&why, "%s of %s %s in %s: shrunk mean %.2f over %d "
				  "calls (mean %.2f)%s%s",
			    a->points > 0 ? "best" : "worst", p->group_by,
			    row->group, o->period, a->shrunk, a->n, a->mean,
			    a->tie ? ", tied" : "",
			    a->close ? ", statistically indistinguishable "
				       "from the next"
				     : "");
		v[0] = start;
		v[1] = row->agent_id;
		v[2] = pts;
		v[3] = why.buf;
		v[4] = row->versions;
		v[5] = sb.buf;
		v[6] = p->group_by;
		v[7] = row->group;
		if (pq_exec(conn, insert_ledger_sql, 8, v, "ledger", e) < 0)
			goto out;
	}
	r = 0;
out:
	strbuf_release(&sb);
	strbuf_release(&why);
	return r;
}

int
rank_run(struct db *db, const struct rank_policy *p,
	 const struct rank_opts *o, struct rank_board *board, struct err *e)
{
	PGconn *conn = db_pgconn(db);
	struct rank_group_stats *gs = NULL;
	char start[16];
	const char *span, *tz = p->timezone;
	PGresult *res = NULL;
	int y, m, r = -1, closed = 0;

	memset(board, 0, sizeof(*board));
	if (o->weekly) {
		if (rank_parse_week(o->period, &y, &m) < 0)
			return err_set(e, "bad week '%s': want YYYY-Www",
				       o->period);
		span = "7 days";
	} else {
		if (rank_parse_month(o->period, &y, &m) < 0)
			return err_set(e, "bad month '%s': want YYYY-MM",
				       o->period);
		snprintf(start, sizeof(start), "%04d-%02d-01", y, m);
		span = "1 month";
	}
	if (pq_exec(conn, "BEGIN", 0, NULL, "begin", e) < 0)
		return -1;
	/* No JIT: compiling the board's query took longer than running it. */
	if (pq_exec(conn, "SELECT set_config('TimeZone', $1, true), "
			  "set_config('jit', 'off', true)", 1, &tz,
		    "policy timezone", e) < 0 ||
	    pq_exec(conn, "SELECT pg_advisory_xact_lock(7170317003)", 0, NULL,
		    "rank lock", e) < 0)
		goto out;
	if (o->weekly) {
		/* The Monday of ISO week m of ISO year y. */
		char w[32];
		const char *pw = w;

		snprintf(w, sizeof(w), "%04d-%02d-1", y, m);
		res = pq_query(conn, "SELECT to_date($1, 'IYYY-IW-ID')::text", 1,
			    &pw, "week", e);
		if (res == NULL)
			goto out;
		snprintf(start, sizeof(start), "%s", PQgetvalue(res, 0, 0));
		PQclear(res);
		res = NULL;
	} else {
		const char *sp = start;

		if ((res = pq_query(conn, closure_sql, 1, &sp, "month_closures",
				 e)) == NULL)
			goto out;
		closed = PQntuples(res) > 0 &&
			 strcmp(PQgetvalue(res, 0, 0), "close") == 0;
		if (closed && o->mode != RANK_REOPEN) {
			board->closed_refused = 1;
			err_set(e, "month %s is closed (by %s at %s UTC): "
				   "reopen it first with --reopen --by NAME "
				   "--reason TEXT",
				o->period, PQgetvalue(res, 0, 1),
				PQgetvalue(res, 0, 2));
			goto out;
		}
		PQclear(res);
		res = NULL;
		if (o->mode == RANK_REOPEN) {
			const char *v[3] = { start, o->by, o->reason };

			if (!closed) {
				err_set(e, "month %s is not closed", o->period);
				goto out;
			}
			if (pq_exec(conn, "INSERT INTO month_closures (month, "
					  "action, by_whom, reason) VALUES "
					  "($1::date, 'reopen', $2, $3)",
				    3, v, "month_closures", e) < 0 ||
			    pq_exec(conn, "COMMIT", 0, NULL, "commit", e) < 0)
				goto out;
			snprintf(board->note, sizeof(board->note),
				 "month %s reopened by %s", o->period, o->by);
			return 0;
		}
		/* An archived month's calls left the live tables. */
		if ((res = pq_query(conn, archived_sql, 1, &sp,
				    "archived_months", e)) == NULL)
			goto out;
		if (PQntuples(res) > 0) {
			err_set(e, "month %s is archived (detached by %s at %s "
				   "UTC): its calls are in %s, not in calls",
				o->period, PQgetvalue(res, 0, 0),
				PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2));
			goto out;
		}
		PQclear(res);
		res = NULL;
	}
	if (compute(conn, p, start, span, board, &gs, e) < 0 ||
	    store_board(conn, p, o, start, board, gs, e) < 0)
		goto out;
	if (o->mode == RANK_CLOSE) {
		const char *v[2] = { start, o->by };

		if (pq_exec(conn, "INSERT INTO month_closures (month, action, "
				  "by_whom) VALUES ($1::date, 'close', $2)",
			    2, v, "month_closures", e) < 0)
			goto out;
		snprintf(board->note, sizeof(board->note),
			 "month %s closed by %s", o->period, o->by);
	}
	if (pq_exec(conn, "COMMIT", 0, NULL, "commit", e) < 0)
		goto out;
	free(gs);
	return 0;
out:
	PQclear(res);
	PQclear(PQexec(conn, "ROLLBACK"));
	free(gs);
	closed = board->closed_refused;
	rank_board_release(board);
	board->closed_refused = closed;
	return r;
}
