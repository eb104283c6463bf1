-- 020_report.sql: what callqa-report reads as callqa_manager and callqa_hr.
--
-- manager_calls gains the audio path and the segments (so a report can
-- say which second of which file to play), and the latest score of each
-- call is marked (latest) so a call scored under two rubric versions is
-- counted once, as callqa-rank counts it.  hr_agent_month counts each
-- call once too (its latest score).  Columns are only added at the end,
-- so CREATE OR REPLACE keeps every grant and every existing reader.

CREATE OR REPLACE VIEW manager_calls AS
	SELECT c.call_id, c.agent_id, c.team, c.post, c.started_at,
	       c.duration_s, s.rubric, s.rubric_version, s.score, s.sections,
	       s.critical_fail, s.eligible, s.items, c.audio, c.segments,
	       s.scored_at,
	       s.rubric_version = (SELECT s2.rubric_version FROM scores s2
				   WHERE s2.call_id = c.call_id
				   ORDER BY s2.scored_at DESC,
					    s2.rubric_version
				   LIMIT 1) AS latest
	FROM calls c JOIN scores s USING (call_id);

CREATE OR REPLACE VIEW hr_agent_month AS
	SELECT m.agent_id, a.post, a.team, to_char(m.month, 'YYYY-MM') AS month,
	       m.scored_calls, m.mean_score,
	       (SELECT coalesce(sum(points), 0) FROM ledger l
		WHERE l.agent_id = m.agent_id AND l.month = m.month)
		       AS ledger_points
	FROM (SELECT c.agent_id,
		     date_trunc('month', c.started_at)::date AS month,
		     count(*) FILTER (WHERE s.eligible
				      AND s.score IS NOT NULL)
			     AS scored_calls,
		     round(avg(s.score) FILTER (WHERE s.eligible), 2)
			     AS mean_score
	      FROM calls c
		   JOIN LATERAL (SELECT * FROM scores s2
				 WHERE s2.call_id = c.call_id
				 ORDER BY s2.scored_at DESC,
					  s2.rubric_version
				 LIMIT 1) s ON true
	      GROUP BY 1, 2) m
	     LEFT JOIN agents a USING (agent_id);


GRANT SELECT ON manager_board, manager_calls TO callqa_manager;
GRANT SELECT ON hr_ledger, hr_agent_month TO callqa_hr;
-- Which periods callqa-rank has ranked, by which grouping and when: the
-- report checks that the month has a board (HR does not read the board).
CREATE VIEW ranked_periods AS
	SELECT period, group_by, count(*) AS agents,
	       max(computed_at) AS computed_at
	FROM rankings GROUP BY period, group_by;

GRANT SELECT ON ranked_periods TO callqa_manager, callqa_hr;
