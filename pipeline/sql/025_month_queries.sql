-- 025_month_queries.sql: the manager board and the HR export of a month
-- at volume (make bench: tests/bench-db.sh, 10 million calls of 2000 agents
-- over 24 months generated in SQL, 410959 calls in the month asked; times
-- in seconds, first and second run, on 2 shared cores, PostgreSQL 15 with
-- callqa db's defaults: shared_buffers 128MB, work_mem 4MB).
--
--                                         before        after (025 + rank.c)
--   callqa-rank --month (board, ledger)   42.7 / 21.9   2.8 / 3.0  (4.1 / 4.2)
--   callqa-rank --week                    30.1 / 17.5   1.2 / 0.9  (1.4 / 1.4)
--   hr_agent_month WHERE month = ...       9.6 / 11.5   1.1 / 1.2  (2.4 / 1.6)
--   hr_agent_month, a whole year          25.7 / 25.4  15.0 / 9.9 (14.3 / 11.9)
--
-- (two runs of make bench on a busy machine; "before" is 001's view and
-- the board query of main before 025; 020_report's view, each call by its
-- latest score, took 8.8 s for the month even with 025's indexes, 1.7 s as
-- below, the same 2000 rows.)
--
-- Before: the board joined whole tables (a sequential scan of 10 million
-- scores and one of 10 million calls, the period's bounds hidden from the
-- planner in a CTE), and hr_agent_month grouped every call of every month
-- before its month (a text) was compared, so one month read all calls.
-- Now: the board reads the month's calls by an index range and probes
-- each call's score (pipeline/rank.c); the view takes the months from the
-- first to the last call (min/max from the index) and aggregates each
-- month from an index range on started_at, so a filter on month reads that
-- month only (same columns, same rows, same month boundaries: the
-- session's time zone, as before); both are served by covering indexes
-- (index-only scans), which cost 1.8 GB at 10 million calls and a little
-- store time.
--
-- Not partitioned by month: PostgreSQL enforces a unique key on a
-- partitioned table only when it includes the partition key, so calls
-- would need call_id unique through a separate table, scores a started_at
-- for a partitioned foreign key, and the store's upserts new conflict
-- targets.  A month's partition would still be read whole (about 500 MB of
-- calls and scores at this volume), no faster than the index ranges above,
-- which are as cheap at 10 as at 100 million rows: the cost is the month's
-- calls, not the table's.  Revisit when dropping whole old months matters.
DROP INDEX calls_started_at;
CREATE INDEX calls_started_at ON calls (started_at)
	INCLUDE (call_id, agent_id, team, post);
CREATE INDEX scores_call_cover ON scores (call_id)
	INCLUDE (eligible, score, scored_at, rubric_version);

-- hr_agent_month as 020_report.sql defines it (each call counted once, by
-- its latest score), month by month.
CREATE OR REPLACE VIEW hr_agent_month AS
	SELECT m.agent_id, a.post, a.team, to_char(mo.month, 'YYYY-MM') AS month,
	       m.scored_calls, m.mean_score,
	       (SELECT coalesce(sum(points), 0) FROM ledger l
		WHERE l.agent_id = m.agent_id AND l.month = mo.month)
		       AS ledger_points
	FROM (SELECT generate_series(date_trunc('month', min(started_at)),
				     max(started_at), interval '1 month')::date
		     AS month
	      FROM calls) mo
	     CROSS JOIN LATERAL
	     (SELECT c.agent_id,
		     count(*) FILTER (WHERE s.eligible
				      AND s.score IS NOT NULL)
			     AS scored_calls,
		     round(avg(s.score) FILTER (WHERE s.eligible), 2)
			     AS mean_score
	      FROM calls c
		   JOIN LATERAL (SELECT s2.eligible, s2.score FROM scores s2
				 WHERE s2.call_id = c.call_id
				 ORDER BY s2.scored_at DESC,
					  s2.rubric_version
				 LIMIT 1) s ON true
	      WHERE c.started_at >= mo.month::timestamptz
		AND c.started_at < (mo.month + interval '1 month')::timestamptz
	      GROUP BY c.agent_id) m
	     LEFT JOIN agents a USING (agent_id);
