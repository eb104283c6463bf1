-- bench-10m.sql: :n calls (10 million for make bench) with their scores,
-- generated in SQL into a database migrated by callqa (tests/bench-db.sh):
-- 2000 agents in 40 teams of 50 over 4 posts, 24 months (2024-11 to
-- 2026-10), one batch a day, calls from 08:00 to 18:00 UTC in the order
-- they were made (as a nightly store appends them), each agent at its own
-- level (70 to 90) with noise, 3% ineligible.  Row widths are close to a
-- real store's, except items (two items here, a rubric has about ten).
-- Foreign keys are not checked while loading (session_replication_role)
-- and the secondary indexes are dropped and made again afterwards, as a
-- bulk load would; the schema is callqa's (030: the month partitions are
-- made first by callqa_ensure_months, each call registered in call_ids,
-- each score with its call's started_at).
\set ON_ERROR_STOP 1
SET session_replication_role = replica;
SET synchronous_commit = off;
SELECT setseed(0.42);

CREATE TEMP TABLE saved_indexes AS
	SELECT indexrelid::regclass::text AS name, pg_get_indexdef(indexrelid) AS def
	FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
	WHERE c.relname IN ('calls', 'scores') AND NOT i.indisprimary;
DO $$
DECLARE r record;
BEGIN
	FOR r IN SELECT name FROM saved_indexes LOOP
		EXECUTE 'DROP INDEX ' || r.name;
	END LOOP;
END
$$;

SELECT callqa_ensure_months('2024-11-01 00:00+00', '2026-10-31 23:59+00');

INSERT INTO agents (agent_id, team, post, first_seen, last_seen)
SELECT 'A' || lpad(a::text, 4, '0'), 'T' || lpad(((a - 1) / 50 + 1)::text, 2, '0'),
       (ARRAY['96126', '114', '160', '1000'])[a % 4 + 1],
       '2024-11-01 08:00+00', '2026-10-31 18:00+00'
FROM generate_series(1, 2000) a;

INSERT INTO batches (batch_id, started, finished, inputs, stored, rejected)
SELECT 'N' || lpad(d::text, 3, '0'),
       '2024-11-02 01:00+00'::timestamptz + d * interval '1 day',
       '2024-11-02 02:00+00'::timestamptz + d * interval '1 day', 0, 0, 0
FROM generate_series(0, 729) d;

-- x: the call's position in the 730 days; a: its agent.
INSERT INTO calls (call_id, agent_id, started_at, batch_id, team, post, audio,
	transcript, agent_channel, audio_format, sample_rate, channels,
	duration_s, mono, agent_talk_s, customer_talk_s, silence_s,
	silence_events, longest_silence_s, overtalk_s, agent_interruptions,
	customer_interruptions, response_latency_s, agent_pitch_median_hz,
	agent_pitch_sd_st, customer_pitch_median_hz, customer_pitch_sd_st,
	agent_loudness_dbfs, customer_loudness_dbfs, agent_speech_rate_sps,
	customer_speech_rate_sps, hold_s, segments, extra, stored_at)
SELECT 'C' || lpad(i::text, 9, '0'), 'A' || lpad(a::text, 4, '0'), ts,
       'N' || lpad(d::text, 3, '0'),
       'T' || lpad(((a - 1) / 50 + 1)::text, 2, '0'),
       (ARRAY['96126', '114', '160', '1000'])[a % 4 + 1],
       '/data/rec/' || to_char(ts, 'YYYY/MM/DD') || '/A' || lpad(a::text, 4, '0')
	       || '_C' || lpad(i::text, 9, '0') || '.wav',
       NULL, 1, 'WAV u-law', 8000, 2, dur, false,
       round(dur * 0.45, 3), round(dur * 0.35, 3), round(dur * 0.12, 3),
       (i % 5)::integer, round(3 + (i % 7)::numeric, 3), 1.5, (i % 3)::integer,
       (i % 2)::integer, 0.85, 182.4, 2.31, 121.0, 1.87, -21.3, -24.8, 4.12,
       3.95, 0,
       '{"agent":[[0.50,4.20],[9.80,14.10]],"customer":[[4.80,9.10]],"overtalk":[],"silence":[],"hold":[]}',
       NULL, ts + interval '8 hours'
FROM (SELECT i, d, a,
	     '2024-11-01 08:00+00'::timestamptz + d * interval '1 day'
		     + (x - d) * interval '10 hours' AS ts,
	     round((60 + random() * 540)::numeric, 3) AS dur
      FROM (SELECT i, x, floor(x)::integer AS d,
		   ((i * 2654435761) % 4294967296) % 2000 + 1 AS a
	    FROM (SELECT i, (i - 1) * 730.0 / :n AS x
		  FROM generate_series(1::bigint, :n) i) g) h) c;

INSERT INTO call_ids (call_id, started_at, batch_id, registered_at)
SELECT call_id, started_at, batch_id, stored_at FROM calls;

INSERT INTO scores (call_id, started_at, rubric_version, rubric, score,
	sections, critical_fail, eligible, ineligible_reason, items, batch_id,
	scored_at)
SELECT 'C' || lpad(i::text, 9, '0'), ts,
       '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
       'default', CASE WHEN elig THEN sc END,
       CASE WHEN elig THEN jsonb_build_object('tone', least(100, sc + 2),
	       'courtesy', greatest(0, sc - 1), 'accuracy', sc) END,
       elig AND sc < 62, elig,
       CASE WHEN NOT elig THEN 'shorter than the rubric minimum' END,
       '[{"id":"greeting","section":"courtesy","kind":"phrase","result":"pass","earned":10,"possible":10,"evidence":{"at":1.2},"line":12},{"id":"dead_air","section":"tone","kind":"metric","result":"pass","earned":10,"possible":10,"evidence":{"longest_silence_s":3.1},"line":20}]',
       'N' || lpad(d::text, 3, '0'),
       '2024-11-02 01:00+00'::timestamptz + d * interval '1 day'
FROM (SELECT i, d, (i * 40503) % 100 >= 3 AS elig,
	     '2024-11-01 08:00+00'::timestamptz + d * interval '1 day'
		     + (x - d) * interval '10 hours' AS ts,
	     round(least(100, greatest(0, 70 + ((a * 37) % 21)
		     + (random() + random() + random() - 1.5) * 16))::numeric,
		   1) AS sc
      FROM (SELECT i, x, floor(x)::integer AS d,
		   ((i * 2654435761) % 4294967296) % 2000 + 1 AS a
	    FROM (SELECT i, (i - 1) * 730.0 / :n AS x
		  FROM generate_series(1::bigint, :n) i) g0) g) s;

UPDATE batches b SET (inputs, stored) = (t.n, t.n)
FROM (SELECT batch_id, count(*) AS n FROM calls GROUP BY 1) t
WHERE b.batch_id = t.batch_id;

DO $$
DECLARE r record;
BEGIN
	-- An index of a partitioned table reads "ON ONLY" (the parent
	-- alone, invalid until every partition has one): make it whole.
	FOR r IN SELECT def FROM saved_indexes LOOP
		EXECUTE replace(r.def, ' ON ONLY ', ' ON ');
	END LOOP;
END
$$;
SET session_replication_role = DEFAULT;
VACUUM (ANALYZE) agents, batches, call_ids, calls, scores;
