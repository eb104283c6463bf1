/*
 * ladder_db.c: the post ladder against PostgreSQL.  ladder_run() reads a
 * period's scored calls, quantities and ledger points per agent, computes
 * the proposals (ladder.c) and stores them with their evidence in one
 * transaction; ladder_decide() records an approval or a rejection through
 * the database function ladder_decide(), the only way a status changes.
 */
#include "callqa/ladder.h"

#include <libpq-fe.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callqa/callqa.h"
#include "callqa/db.h"
#include "pq_int.h"
#include "callqa/strbuf.h"

const char *const ladder_col_names[LADDER_NCOLS] = {
	"post",		 "post_name",	   "rank",	  "agent_id",
	"team",		 "n",		   "quality",	  "calls",
	"callbacks",	 "records",	   "ledger",	  "quality_norm",
	"calls_norm",	 "callbacks_norm", "records_norm", "ledger_norm",
	"score",	 "action",	   "to_post",	  "status",
	"decided_by",	 "decided_at",	   "flag",	  "note",
};

static const char *const action_names[] = { "stay", "promote", "demote" };

void
ladder_board_release(struct ladder_board *b)
{
	int i;

	if (b->cells)
		for (i = 0; i < b->nrows * LADDER_NCOLS; i++)
			free(b->cells[i]);
	free(b->cells);
	memset(b, 0, sizeof(*b));
}

const char *
ladder_cell(const struct ladder_board *b, int r, enum ladder_col c)
{
	return b->cells[r * LADDER_NCOLS + c];
}

/*
 * Per agent with calls in the period: post and team of the latest call,
 * scored calls, mean score, the two quantities (sum, calls carrying the
 * column with a value that is not NULL, bad values), ledger points, rubric
 * versions.  One score per
 * call, picked as callqa-rank picks it.  The period's bounds are on both
 * tables' started_at (the partition key), so both read only the period's
 * month partitions.
 */
static const char agents_sql[] =
	"WITH b AS (SELECT $1::date::timestamptz AS lo, ($1::date + "
	"$2::interval)::timestamptz AS hi), "
	"pc AS (SELECT c.* FROM calls c, b WHERE c.started_at >= b.lo AND "
	"c.started_at < b.hi), "
	"sc AS (SELECT DISTINCT ON (s.call_id) s.call_id, s.started_at, "
	"s.score, s.rubric_version FROM scores s JOIN pc ON s.call_id = "
	"pc.call_id AND s.started_at = pc.started_at, b WHERE s.started_at "
	">= b.lo AND s.started_at < b.hi AND s.eligible AND s.score IS NOT "
	"NULL ORDER BY s.call_id, s.scored_at DESC, s.rubric_version), "
	"g AS (SELECT DISTINCT ON (agent_id) agent_id, coalesce(post, '') AS "
	"post, coalesce(team, '') AS team FROM pc ORDER BY agent_id, "
	"started_at DESC, call_id DESC), "
	"x AS (SELECT pc.agent_id, sc.score, sc.rubric_version, "
	"pc.extra->>$3::text AS cb, pc.extra->>$3::text IS NOT NULL AS "
	"has_cb, pc.extra->>$4::text AS rec, pc.extra->>$4::text IS NOT NULL "
	"AS has_rec FROM sc JOIN pc ON pc.call_id = sc.call_id AND "
	"pc.started_at = sc.started_at), "
	"l AS (SELECT agent_id, sum(points)::int AS pts FROM ledger WHERE "
	"month >= $1::date AND month < $1::date + $2::interval GROUP BY "
	"agent_id) "
	"SELECT g.agent_id, g.post, g.team, count(x.score), "
	"coalesce(avg(x.score)::float8, 'NaN'), "
	"coalesce(sum(callqa_ladder_num(x.cb)) FILTER (WHERE x.has_cb), 0), "
	"count(*) FILTER (WHERE x.has_cb), count(*) FILTER (WHERE x.has_cb "
	"AND callqa_ladder_num(x.cb) IS NULL), "
	"coalesce(sum(callqa_ladder_num(x.rec)) FILTER (WHERE x.has_rec), 0), "
	"count(*) FILTER (WHERE x.has_rec), count(*) FILTER (WHERE x.has_rec "
	"AND callqa_ladder_num(x.rec) IS NULL), "
	"coalesce(l.pts, 0), coalesce(string_agg(DISTINCT x.rubric_version, "
	"','), '') "
	"FROM g LEFT JOIN x USING (agent_id) LEFT JOIN l USING (agent_id) "
	"GROUP BY g.agent_id, g.post, g.team, l.pts ORDER BY g.agent_id";

static const char open_months_sql[] =
	"SELECT coalesce(string_agg(to_char(m, 'YYYY-MM'), ' ' ORDER BY m), "
	"'') FROM generate_series($1::date, $1::date + $2::interval - "
	"interval '1 month', interval '1 month') m WHERE coalesce((SELECT "
	"action FROM month_closures mc WHERE mc.month = m::date ORDER BY id "
	"DESC LIMIT 1), '') <> 'close'";

static const char insert_run_sql[] =
	"INSERT INTO ladder_runs (period, period_start, period_end, "
	"policy_path, policy_sha, policy, open_months, agents, kept) VALUES "
	"($1, $2::date, ($2::date + $3::interval)::date, $4, $5, $6::jsonb, "
	"nullif($7, ''), $8, $9) RETURNING run_id";

static const char insert_decision_sql[] =
	"INSERT INTO ladder_decisions (period, agent_id, run_id, team, "
	"from_post, from_post_name, post_level, to_post, to_post_name, "
	"action, considered, rank_in_post, post_agents, scored_calls, "
	"quality, calls, callbacks, records, ledger_points, quality_norm, "
	"calls_norm, callbacks_norm, records_norm, ledger_norm, "
	"comprehensive, flag, evidence) VALUES ($1, $2, $3, nullif($4, ''), "
	"$5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, "
	"$19, $20, $21, $22, $23, $24, $25, nullif($26, ''), $27::jsonb) "
	"ON CONFLICT (period, agent_id) DO NOTHING";

static const char load_sql[] =
	"SELECT from_post, from_post_name, rank_in_post, agent_id, team, "
	"scored_calls, quality, calls, callbacks, records, ledger_points, "
	"quality_norm, calls_norm, callbacks_norm, records_norm, "
	"ledger_norm, comprehensive, action, to_post, status, decided_by, "
	"to_char(decided_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), "
	"flag, note FROM ladder_decisions WHERE period = $1 AND ($2::text IS "
	"NULL OR agent_id = $2) ORDER BY post_level DESC NULLS LAST, "
	"rank_in_post NULLS LAST, agent_id";

static int
load(PGconn *conn, const char *period, const char *agent,
     struct ladder_board *b, struct err *e)
{
	const char *v[2] = { period, agent };
	PGresult *res = pq_query(conn, load_sql, 2, v, "ladder_decisions", e);
	int i, c, n;

	if (res == NULL)
		return -1;
	n = PQntuples(res);
	b->cells = calloc(n ? (size_t)n * LADDER_NCOLS : 1, sizeof(char *));
	if (b->cells == NULL) {
		PQclear(res);
		return err_set(e, "out of memory");
	}
	b->nrows = n;
	for (i = 0; i < n; i++)
		for (c = 0; c < LADDER_NCOLS; c++) {
			if (PQgetisnull(res, i, c))
				continue;
			b->cells[i * LADDER_NCOLS + c] =
				strdup(PQgetvalue(res, i, c));
			if (b->cells[i * LADDER_NCOLS + c] == NULL) {
				PQclear(res);
				return err_set(e, "out of memory");
			}
		}
	PQclear(res);
	return 0;
}

static void
num(char *buf, size_t size, double v, int decimals)
{
	if (isfinite(v))
		snprintf(buf, size, "%.*f", decimals, v);
	else
		buf[0] = '\0';
}

static const char *
nz(const char *s)
{
	return *s ? s : NULL;
}

static void
policy_json(struct strbuf *sb, const struct ladder_policy *p)
{
	static const char *const kinds[] = { "month", "quarter", "half",
					     "year" };
	int i, c;

	strbuf_adds(sb, "{\"period\":");
	strbuf_add_json_str(sb, kinds[p->period]);
	strbuf_adds(sb, ",\"timezone\":");
	strbuf_add_json_str(sb, p->timezone);
	strbuf_adds(sb, ",\"posts\":[");
	for (i = 0; i < p->nposts; i++) {
		strbuf_adds(sb, i ? ",{\"id\":" : "{\"id\":");
		strbuf_add_json_str(sb, p->posts[i].id);
		strbuf_adds(sb, ",\"name\":");
		strbuf_add_json_str(sb, p->posts[i].name);
		strbuf_addch(sb, '}');
	}
	strbuf_addf(sb, "],\"min_calls\":%d,\"weights\":{", p->min_calls);
	for (c = 0; c < LADDER_NCOMP; c++) {
		strbuf_addf(sb, "%s\"%s\":", c ? "," : "",
			    ladder_comp_names[c]);
		strbuf_add_json_num(sb, p->weight[c], 4);
	}
	strbuf_adds(sb, "},\"columns\":{\"callbacks\":");
	strbuf_add_json_str(sb, nz(p->column[LADDER_CALLBACKS]));
	strbuf_adds(sb, ",\"records\":");
	strbuf_add_json_str(sb, nz(p->column[LADDER_RECORDS]));
	strbuf_addf(sb, "},\"normalise\":\"%s\",\"promote\":\"%d%s\","
			"\"demote\":\"%d%s\",\"tie\":\"%s\"}",
		    p->norm == LADDER_ZSCORE ? "zscore" : "percent_of_max",
		    p->promote, p->promote_pct ? "%" : "", p->demote,
		    p->demote_pct ? "%" : "",
		    p->tie == LADDER_TIE_NONE ? "none" : "share");
}

/* What ladder_run() reads per agent besides struct ladder_agent. */
struct agent_in {
	char *agent_id, *post, *team, *versions;
	long with[LADDER_NCOMP], bad[LADDER_NCOMP]; /* quantities only */
};

static void
comp_obj(struct strbuf *sb, const char *key, const double *v, int decimals)
{
	int c;

	strbuf_addf(sb, ",\"%s\":{", key);
	for (c = 0; c < LADDER_NCOMP; c++) {
		strbuf_addf(sb, "%s\"%s\":", c ? "," : "",
			    ladder_comp_names[c]);
		strbuf_add_json_num(sb, v[c], decimals);
	}
	strbuf_addch(sb, '}');
}

static void
evidence(struct strbuf *sb, const struct ladder_policy *p,
	 const char *period, const char *start, const char *open,
	 const struct ladder_agent *a, const struct agent_in *in,
	 const struct ladder_post_stats *s)
{
	double w[LADDER_NCOMP];
	int c;

	strbuf_adds(sb, "{\"period\":");
	strbuf_add_json_str(sb, period);
	strbuf_adds(sb, ",\"from\":");
	strbuf_add_json_str(sb, start);
	strbuf_adds(sb, ",\"rubric_versions\":");
	strbuf_add_json_str(sb, in->versions);
	strbuf_addf(sb, ",\"n\":%d,\"min_calls\":%d,\"normalise\":\"%s\"",
		    a->n, p->min_calls,
		    p->norm == LADDER_ZSCORE ? "zscore" : "percent_of_max");
	comp_obj(sb, "values", a->value, 4);
	comp_obj(sb, "normalised", a->norm, 4);
	strbuf_adds(sb, ",\"score\":");
	strbuf_add_json_num(sb, a->score, 4);
	strbuf_adds(sb, ",\"columns\":{");
	for (c = LADDER_CALLBACKS; c <= LADDER_RECORDS; c++) {
		strbuf_addf(sb, "%s\"%s\":{\"column\":", c > LADDER_CALLBACKS
			    ? "," : "", ladder_comp_names[c]);
		strbuf_add_json_str(sb, nz(p->column[c]));
		strbuf_addf(sb, ",\"calls_with_value\":%ld,\"bad_values\":%ld}",
			    in->with[c], in->bad[c]);
	}
	strbuf_addch(sb, '}');
	if (a->post >= 0 && a->considered) {
		for (c = 0; c < LADDER_NCOMP; c++)
			w[c] = s->available[c] ? p->weight[c] : NAN;
		strbuf_addf(sb, ",\"post\":{\"considered\":%d", s->m);
		comp_obj(sb, "weights_used", w, 4);
		strbuf_adds(sb, ",\"weight_sum\":");
		strbuf_add_json_num(sb, s->wsum, 4);
		comp_obj(sb, "max_abs", s->max, 4);
		comp_obj(sb, "mean", s->mean, 4);
		comp_obj(sb, "sd", s->sd, 4);
		strbuf_addf(sb, ",\"promote_cutoff\":%d,\"demote_cutoff\":%d}",
			    s->k_promote, s->k_demote);
		strbuf_addf(sb, ",\"rank\":%d,\"tie\":%s", a->rank,
			    a->tie ? "true" : "false");
	}
	strbuf_adds(sb, ",\"ledger_months_open\":");
	strbuf_add_json_str(sb, open);
	strbuf_addch(sb, '}');
}

/* Free what read_agents() made (in may be NULL). */
static void
free_agents(struct ladder_agent *a, struct agent_in *in, int n)
{
	int i;

	for (i = 0; in && i < n; i++) {
		free(in[i].agent_id);
		free(in[i].post);
		free(in[i].team);
		free(in[i].versions);
	}
	free(in);
	free(a);
}

/* Read the period's agents; fills a[] and in[] (n of each). */
static int
read_agents(PGconn *conn, const struct ladder_policy *p, const char *start,
	    const char *span, struct ladder_agent **ap, struct agent_in **inp,
	    int *np, struct err *e)
{
	const char *v[4] = { start, span, nz(p->column[LADDER_CALLBACKS]),
			     nz(p->column[LADDER_RECORDS]) };
	struct ladder_agent *a = NULL;
	struct agent_in *in = NULL;
	PGresult *res = pq_query(conn, agents_sql, 4, v, "calls", e);
	int i, n, k, r = -1;

	if (res == NULL)
		return -1;
	n = PQntuples(res);
	a = calloc(n ? (size_t)n : 1, sizeof(*a));
	in = calloc(n ? (size_t)n : 1, sizeof(*in));
	if (a == NULL || in == NULL) {
		err_set(e, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		in[i].agent_id = strdup(PQgetvalue(res, i, 0));
		in[i].post = strdup(PQgetvalue(res, i, 1));
		in[i].team = strdup(PQgetvalue(res, i, 2));
		in[i].versions = strdup(PQgetvalue(res, i, 12));
		if (!in[i].agent_id || !in[i].post || !in[i].team ||
		    !in[i].versions) {
			err_set(e, "out of memory");
			n = i + 1;
			goto out;
		}
		a[i].agent_id = in[i].agent_id;
		a[i].idx = i;
		a[i].post = ladder_post_index(p, in[i].post);
		a[i].n = atoi(PQgetvalue(res, i, 3));
		a[i].value[LADDER_QUALITY] = strtod(PQgetvalue(res, i, 4),
						    NULL);
		a[i].value[LADDER_CALLS] = a[i].n;
		for (k = 0; k < 2; k++) {
			int c = k ? LADDER_RECORDS : LADDER_CALLBACKS;

			in[i].with[c] = atol(PQgetvalue(res, i, 6 + 3 * k));
			in[i].bad[c] = atol(PQgetvalue(res, i, 7 + 3 * k));
			a[i].value[c] = in[i].with[c] > 0
						? strtod(PQgetvalue(res, i,
								    5 + 3 * k),
							 NULL)
						: NAN;
		}
		a[i].value[LADDER_LEDGER] = atoi(PQgetvalue(res, i, 11));
	}
	r = 0;
out:
	PQclear(res);
	if (r < 0) {
		free_agents(a, in, n);
		return -1;
	}
	*ap = a;
	*inp = in;
	*np = n;
	return 0;
}

static int
store_agent(PGconn *conn, const struct ladder_policy *p, const char *period,
	    const char *run_id, const char *start, const char *open,
	    const struct ladder_agent *a, const struct agent_in *in,
	    const struct ladder_post_stats *ps, struct strbuf *sb,
	    struct err *e)
{
	char level[16], rank[16], m[16], n[16], q[32], calls[16], cb[32];
	char rec[32], led[16], nrm[LADDER_NCOMP][32], score[32];
	const struct ladder_post_stats *s = a->post >= 0 ? &ps[a->post]
							 : NULL;
	const char *v[27];
	int c;

	snprintf(level, sizeof(level), "%d", a->post);
	snprintf(rank, sizeof(rank), "%d", a->rank);
	snprintf(m, sizeof(m), "%d", s ? s->m : 0);
	snprintf(n, sizeof(n), "%d", a->n);
	num(q, sizeof(q), a->value[LADDER_QUALITY], 2);
	snprintf(calls, sizeof(calls), "%d", a->n);
	num(cb, sizeof(cb), a->value[LADDER_CALLBACKS], 2);
	num(rec, sizeof(rec), a->value[LADDER_RECORDS], 2);
	snprintf(led, sizeof(led), "%d", (int)a->value[LADDER_LEDGER]);
	for (c = 0; c < LADDER_NCOMP; c++)
		num(nrm[c], sizeof(nrm[c]), a->norm[c], 2);
	num(score, sizeof(score), a->score, 2);
	strbuf_reset(sb);
	evidence(sb, p, period, start, open, a, in, s);
	v[0] = period;
	v[1] = in->agent_id;
	v[2] = run_id;
	v[3] = in->team;
	v[4] = in->post;
	v[5] = a->post >= 0 ? p->posts[a->post].name : NULL;
	v[6] = a->post >= 0 ? level : NULL;
	v[7] = a->post >= 0 ? p->posts[a->to_post].id : NULL;
	v[8] = a->post >= 0 ? p->posts[a->to_post].name : NULL;
	v[9] = action_names[a->action];
	v[10] = a->considered ? "t" : "f";
	v[11] = a->considered ? rank : NULL;
	v[12] = s ? m : NULL;
	v[13] = n;
	v[14] = nz(q);
	v[15] = calls;
	/* The quantities are N/A (NULL) where the post does not count them. */
	v[16] = s && s->available[LADDER_CALLBACKS] ? (*cb ? cb : "0") : NULL;
	v[17] = s && s->available[LADDER_RECORDS] ? (*rec ? rec : "0") : NULL;
	v[18] = led;
	for (c = 0; c < LADDER_NCOMP; c++)
		v[19 + c] = nz(nrm[c]);
	v[24] = nz(score);
	v[25] = a->flag;
	v[26] = sb->buf;
	return pq_exec(conn, insert_decision_sql, 27, v, "ladder_decisions",
		       e);
}

int
ladder_run(struct db *db, const struct ladder_policy *p,
	   const char *policy_path, const char *period,
	   struct ladder_board *board, struct err *e)
{
	PGconn *conn = db_pgconn(db);
	struct ladder_agent *a = NULL;
	struct agent_in *in = NULL;
	struct ladder_post_stats ps[LADDER_MAX_POSTS];
	struct strbuf sb = STRBUF_INIT;
	PGresult *res = NULL;
	char start[16], span[32], run_id[32], agents[16], kept[16];
	const char *tz = p->timezone, *v[9];
	int i, n = 0, months, r = -1;

	memset(board, 0, sizeof(*board));
	if (ladder_parse_period(p->period, period, start, &months, e) < 0)
		return -1;
	snprintf(span, sizeof(span), "%d months", months);
	if (pq_exec(conn, "BEGIN", 0, NULL, "begin", e) < 0)
		return -1;
	v[0] = start;
	v[1] = span;
	if (pq_exec(conn, "SELECT set_config('TimeZone', $1, true)", 1, &tz,
		    "policy timezone", e) < 0 ||
	    pq_exec(conn, "SELECT pg_advisory_xact_lock(7170317004)", 0, NULL,
		    "ladder lock", e) < 0 ||
	    (res = pq_query(conn, open_months_sql, 2, v, "month_closures", e)) ==
		    NULL)
		goto out;
	snprintf(board->open_months, sizeof(board->open_months), "%s",
		 PQgetvalue(res, 0, 0));
	PQclear(res);
	res = NULL;
	if (read_agents(conn, p, start, span, &a, &in, &n, e) < 0)
		goto out;
	ladder_compute(p, a, n, ps);
	if ((res = pq_query(conn, "SELECT count(*) FROM ladder_decisions WHERE "
			       "period = $1 AND status <> 'proposed'",
			 1, &period, "ladder_decisions", e)) == NULL)
		goto out;
	board->kept = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	res = NULL;
	snprintf(agents, sizeof(agents), "%d", n);
	snprintf(kept, sizeof(kept), "%d", board->kept);
	policy_json(&sb, p);
	v[0] = period;
	v[1] = start;
	v[2] = span;
	v[3] = policy_path;
	v[4] = p->sha;
	v[5] = sb.buf;
	v[6] = board->open_months;
	v[7] = agents;
	v[8] = kept;
	if ((res = pq_query(conn, insert_run_sql, 9, v, "ladder_runs", e)) ==
	    NULL)
		goto out;
	snprintf(run_id, sizeof(run_id), "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	res = NULL;
	if (pq_exec(conn, "DELETE FROM ladder_decisions WHERE period = $1 "
			  "AND status = 'proposed'",
		    1, &period, "ladder_decisions", e) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (a[i].post < 0)
			board->off_ladder++;
		if (store_agent(conn, p, period, run_id, start,
				board->open_months, &a[i], &in[a[i].idx], ps,
				&sb, e) < 0)
			goto out;
	}
	board->computed = n;
	if (load(conn, period, NULL, board, e) < 0 ||
	    pq_exec(conn, "COMMIT", 0, NULL, "commit", e) < 0)
		goto out;
	r = 0;
out:
	if (r < 0) {
		PQclear(res);
		PQclear(PQexec(conn, "ROLLBACK"));
		ladder_board_release(board);
	}
	free_agents(a, in, n);
	strbuf_release(&sb);
	return r;
}

int
ladder_decide(struct db *db, const char *period, const char *agent,
	      int approve, const char *by, const char *note,
	      struct ladder_board *board, struct err *e)
{
	PGconn *conn = db_pgconn(db);
	const char *v[5] = { period, agent, approve ? "approved" : "rejected",
			     by, note };
	PGresult *res;
	int runs;

	memset(board, 0, sizeof(*board));
	if ((res = pq_query(conn, "SELECT count(*) FROM ladder_runs WHERE period "
			       "= $1",
			 1, v, "ladder_runs", e)) == NULL)
		return -1;
	runs = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (runs == 0)
		return err_set(e, "no ladder recommendations for period "
				  "'%.40s': run callqa-rank --ladder --period "
				  "%.40s first",
			       period, period);
	if (pq_exec(conn, "SELECT ladder_decide($1, $2, $3, $4, $5)", 5, v,
		    "decision", e) < 0)
		return -1;
	if (load(conn, period, agent, board, e) < 0) {
		ladder_board_release(board);
		return -1;
	}
	return 0;
}
