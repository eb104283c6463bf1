-- 030_month_partitions.sql: calls and scores partitioned by calendar month
-- (UTC), call ids kept unique by a registry, partitions made on demand by
-- the store, and whole months archived by `callqa db detach-month`.
--
-- Why now (this corrects 025_month_queries.sql's "Not partitioned"
-- paragraph): 025 weighed partitioning as a speed-up only, and for the
-- month's queries an index range is indeed as good as a partition.  What
-- a call centre needs a month partition for is retention: recordings and
-- their scores are kept for a fixed number of months, and a closed old
-- month must leave the live tables cheaply (detach: a catalog change, not
-- a DELETE of 400000 rows and the vacuum after it), be archived (pg_dump
-- of one table) and dropped; vacuum and analyze work month by month, and
-- the planner prunes what a query does not need.  The costs 025 named are
-- paid as follows.
--
-- Registry (call_ids): PostgreSQL enforces a unique key on a partitioned
-- table only when it includes the partition key, so calls has the key
-- (call_id, started_at), and a call id is unique across months as the
-- primary key of call_ids, one small row per call ever stored (call_id,
-- started_at, batch_id), kept when its month is archived, so that an
-- archived call id cannot come back.  callqa-store fills it in the same
-- transaction as the calls and checks each new call id against it (a call
-- id stored by another batch is a reject, as before).  calls refers to
-- call_ids (call_id, started_at) ON UPDATE CASCADE, and scores to calls
-- (call_id, started_at) ON DELETE CASCADE ON UPDATE CASCADE: a re-run of
-- a batch whose manifest corrected a call's started_at updates the
-- registry row, and PostgreSQL moves the call and its scores (every
-- rubric version) to the new month's partitions; the pipeline needs no
-- DELETE for that (it still has none on calls and scores).
--
-- Partitions (callqa_ensure_months): one per calendar month in UTC,
-- calls_YYYY_MM and scores_YYYY_MM, no default partition (so adding a
-- month scans nothing).  The pipeline owns nothing and cannot CREATE, so
-- the function is SECURITY DEFINER, owned by the schema owner (whoever
-- applies the migrations), executable by callqa_pipeline only.  The store
-- calls it for each month of its good records after its checks (so a
-- month whose calls were all rejected gets no partition) and before it
-- writes anything.  When every partition exists it takes no lock at all
-- (catalog lookups); otherwise it takes the store's advisory lock
-- 7170317002 and looks again before creating.
--
-- Lock order, why it cannot deadlock: CREATE TABLE ... PARTITION OF
-- takes an ACCESS EXCLUSIVE lock on calls (and, for the foreign keys,
-- SHARE ROW EXCLUSIVE locks on call_ids, agents and batches, which only
-- stores write), then for the scores partition one on scores; ALTER
-- TABLE ... DETACH PARTITION (callqa_detach_month) locks calls, then
-- scores, the same.  Every transaction that takes such a lock or writes
-- calls, scores or call_ids takes the advisory lock 7170317002 first:
-- callqa-store before it reads or writes any of them (its duplicate
-- checks read call_ids only after it), callqa_ensure_months and
-- callqa_detach_month themselves.  So at most one transaction at a time
-- takes those strong locks, and one waiting for the advisory lock holds
-- no lock on these tables (a store holds only its temporary stage table
-- then).  The others are readers (callqa-rank, callqa-report, callqa-
-- ladder, the views): ACCESS SHARE locks only, no row locks, no advisory
-- lock 7170317002, and every one of their statements names calls before
-- scores, so a reader never holds scores while it waits for calls (the
-- one wait that, with the order above, could close a cycle).  The cost:
-- a store that makes a new month waits for the running readers of calls
-- to finish, and readers that start meanwhile wait for it; once a month.
--
-- Conversion: the tables are renamed, new partitioned ones are made with
-- the same columns (scores gains started_at, the call's), every row is
-- copied into its month's partition, the old tables are dropped (without
-- CASCADE: a view somebody else made on them stops the migration instead
-- of vanishing), then the keys, the indexes of 001 and 025 (per
-- partition: an index on a partitioned table is one index per
-- partition), the grants and the views manager_calls (020) and
-- hr_agent_month (025) are made again with the same columns and rows;
-- their joins of calls and scores now match started_at too, so a score
-- probe reads one partition.  It is one transaction that copies every
-- row: a database of 10 million calls (made by tests/bench-10m.sql of
-- 025) took 815 s on 2 shared cores and needs room for a second copy of
-- calls and scores until it commits; every call (count and a checksum of
-- call_id and started_at) and the HR export of a month were the same
-- after it as before.
--
-- Measured with make bench (tests/bench-db.sh, the same 10 million calls
-- of 2000 agents over 24 months generated in SQL, now into 24 month
-- partitions; 410959 calls in the month asked; seconds, first / second
-- run, two runs of the bench (the second in brackets), 2 shared cores,
-- PostgreSQL 15, callqa db's defaults: shared_buffers 128MB, work_mem
-- 4MB):
--
--                                       025 (one table)  030 (partitions)
--   callqa-rank --month (board, ledger)   2.8 / 3.0    2.8 / 2.6 (3.1 / 2.8)
--   callqa-rank --week                    1.2 / 0.9    0.9 / 0.9 (1.1 / 1.2)
--   hr_agent_month WHERE month = ...      1.1 / 1.2    1.7 / 1.6 (1.7 / 1.7)
--   hr_agent_month, a whole year         15.0 / 9.9   14.2 / 14.4 (16.8 / 18)
--   manager_calls, one agent, one month     -         0.23 / 0.22 (0.17 / 0.13)
--   callqa-store, 100k records          13400 rows/s   11351 rows/s
--     (psql \copy of the same file, same run: 64100 then, 95238 now)
--
-- As 025 foresaw, partitions do not make a month's queries faster: the
-- board and the HR month read the same index ranges as before, from one
-- partition instead of one big index (EXPLAIN ANALYZE of the board at 10
-- million calls: "Subplans Removed: 23" on calls, an index-only scan of
-- calls_2026_09 only, and each score probe an index-only scan of
-- scores_2026_09 only, the 23 other scores partitions "never executed";
-- with the policy's time zone Asia/Shanghai, calls_2026_08 (2740 calls)
-- and calls_2026_09, and the same two of scores).  They cost a little:
-- each of the 411000 score probes prunes the scores partitions again at
-- run time (about 3 microseconds each with 24 partitions; fewer live
-- months, fewer partitions), hence the HR month's 0.5 s; the store checks
-- one more foreign key per call (call_ids) and fills the registry.  JIT
-- compiled a node per partition and took a second of the HR month's 2.9
-- s, so it is off for the database (below).  What partitions bring is
-- retention: `callqa db detach-month 2024-11` at 10 million calls took
-- 1.2 s (410959 calls and their scores; a catalog change and a check of
-- the archived scores' foreign key), where a DELETE would log every row
-- and index entry and leave a month of dead rows to vacuum; vacuum and
-- analyze work month by month; a month's data is dumped and dropped as
-- two tables.  (A detached month can be put back by hand: rename the two
-- tables, drop the archived scores' foreign key, ATTACH PARTITION both,
-- delete its archived_months row; the bench did so in 1.4 s.)

-- The registry of call ids: one row per call ever stored.
CREATE TABLE call_ids (
	call_id text PRIMARY KEY,
	started_at timestamptz NOT NULL,
	batch_id text NOT NULL REFERENCES batches,
	registered_at timestamptz NOT NULL DEFAULT now(),
	UNIQUE (call_id, started_at)
);

-- Months moved out of the live tables by callqa_detach_month.
CREATE TABLE archived_months (
	month date PRIMARY KEY CHECK (month = date_trunc('month', month)),
	calls_table text NOT NULL,
	scores_table text NOT NULL,
	calls bigint NOT NULL,
	scores bigint NOT NULL,
	by_whom text NOT NULL CHECK (by_whom <> ''),
	login text NOT NULL DEFAULT session_user,
	at timestamptz NOT NULL DEFAULT now()
);

DROP VIEW manager_calls;
DROP VIEW hr_agent_month;
ALTER TABLE calls RENAME TO calls_pre030;
ALTER TABLE scores RENAME TO scores_pre030;

CREATE TABLE calls (
	call_id text NOT NULL,
	agent_id text NOT NULL,
	started_at timestamptz NOT NULL,
	batch_id text NOT NULL,
	team text,
	post text,
	audio text,
	transcript text,
	agent_channel smallint,
	audio_format text,
	sample_rate integer,
	channels smallint,
	duration_s numeric(12, 3),
	mono boolean,
	agent_talk_s numeric(12, 3),
	customer_talk_s numeric(12, 3),
	silence_s numeric(12, 3),
	silence_events integer,
	longest_silence_s numeric(12, 3),
	overtalk_s numeric(12, 3),
	agent_interruptions integer,
	customer_interruptions integer,
	response_latency_s numeric(12, 3),
	agent_pitch_median_hz numeric(8, 1),
	agent_pitch_sd_st numeric(8, 2),
	customer_pitch_median_hz numeric(8, 1),
	customer_pitch_sd_st numeric(8, 2),
	agent_loudness_dbfs numeric(8, 1),
	customer_loudness_dbfs numeric(8, 1),
	agent_speech_rate_sps numeric(8, 2),
	customer_speech_rate_sps numeric(8, 2),
	hold_s numeric(12, 3),
	segments jsonb,
	extra jsonb, -- only the manifest columns declared with --keep
	stored_at timestamptz NOT NULL DEFAULT now()
) PARTITION BY RANGE (started_at);

CREATE TABLE scores (
	call_id text NOT NULL,
	started_at timestamptz NOT NULL, -- the call's (the partition key)
	rubric_version text NOT NULL,
	rubric text,
	score numeric(4, 1) CHECK (score BETWEEN 0 AND 100),
	sections jsonb,
	critical_fail boolean,
	eligible boolean NOT NULL,
	ineligible_reason text,
	items jsonb,
	batch_id text NOT NULL,
	scored_at timestamptz NOT NULL DEFAULT now()
) PARTITION BY RANGE (started_at);

-- The month partitions from..to (every month touched, UTC), made when
-- missing; returns how many tables it made.  See the header for the
-- locks.
CREATE FUNCTION callqa_ensure_months(p_from timestamptz, p_to timestamptz)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = pg_catalog, public SET TimeZone = 'UTC'
SET DateStyle = 'ISO' AS $$
DECLARE
	m timestamp;
	last timestamp;
	k text;
	locked boolean := false;
	n integer := 0;
BEGIN
	IF p_from IS NULL OR p_to IS NULL THEN
		RETURN 0;
	END IF;
	IF NOT isfinite(p_from) OR NOT isfinite(p_to) OR p_to < p_from OR
	   p_from < '1970-01-01+00' OR p_to >= '2200-01-01+00' THEN
		RAISE EXCEPTION 'callqa_ensure_months: bad range % .. %',
			p_from, p_to;
	END IF;
	m := date_trunc('month', p_from AT TIME ZONE 'UTC');
	last := date_trunc('month', p_to AT TIME ZONE 'UTC');
	WHILE m <= last LOOP
		k := to_char(m, 'YYYY_MM');
		IF to_regclass('public.calls_' || k) IS NULL OR
		   to_regclass('public.scores_' || k) IS NULL THEN
			IF NOT locked THEN
				PERFORM pg_advisory_xact_lock(7170317002);
				locked := true;
			END IF;
			IF EXISTS (SELECT 1 FROM archived_months
				   WHERE month = m::date) THEN
				RAISE EXCEPTION 'month % is archived (callqa db detach-month): no calls can be stored in it',
					to_char(m, 'YYYY-MM');
			END IF;
			IF to_regclass('public.calls_' || k) IS NULL THEN
				EXECUTE format('CREATE TABLE public.%I PARTITION OF public.calls FOR VALUES FROM (%L) TO (%L)',
					'calls_' || k, m::text || '+00',
					(m + interval '1 month')::text || '+00');
				n := n + 1;
			END IF;
			IF to_regclass('public.scores_' || k) IS NULL THEN
				EXECUTE format('CREATE TABLE public.%I PARTITION OF public.scores FOR VALUES FROM (%L) TO (%L)',
					'scores_' || k, m::text || '+00',
					(m + interval '1 month')::text || '+00');
				n := n + 1;
			END IF;
		END IF;
		m := m + interval '1 month';
	END LOOP;
	RETURN n;
END
$$;
REVOKE ALL ON FUNCTION callqa_ensure_months(timestamptz, timestamptz)
	FROM PUBLIC;
GRANT EXECUTE ON FUNCTION callqa_ensure_months(timestamptz, timestamptz)
	TO callqa_pipeline;

-- The existing rows, each in its month.
SELECT callqa_ensure_months(m, m)
FROM (SELECT DISTINCT date_trunc('month', started_at AT TIME ZONE 'UTC')
		      AT TIME ZONE 'UTC' AS m
      FROM calls_pre030) t
ORDER BY m;

INSERT INTO call_ids (call_id, started_at, batch_id, registered_at)
SELECT call_id, started_at, batch_id, stored_at FROM calls_pre030;

INSERT INTO calls (call_id, agent_id, started_at, batch_id, team, post,
	audio, transcript, agent_channel, audio_format, sample_rate, channels,
	duration_s, mono, agent_talk_s, customer_talk_s, silence_s,
	silence_events, longest_silence_s, overtalk_s, agent_interruptions,
	customer_interruptions, response_latency_s, agent_pitch_median_hz,
	agent_pitch_sd_st, customer_pitch_median_hz, customer_pitch_sd_st,
	agent_loudness_dbfs, customer_loudness_dbfs, agent_speech_rate_sps,
	customer_speech_rate_sps, hold_s, segments, extra, stored_at)
SELECT call_id, agent_id, started_at, batch_id, team, post,
	audio, transcript, agent_channel, audio_format, sample_rate, channels,
	duration_s, mono, agent_talk_s, customer_talk_s, silence_s,
	silence_events, longest_silence_s, overtalk_s, agent_interruptions,
	customer_interruptions, response_latency_s, agent_pitch_median_hz,
	agent_pitch_sd_st, customer_pitch_median_hz, customer_pitch_sd_st,
	agent_loudness_dbfs, customer_loudness_dbfs, agent_speech_rate_sps,
	customer_speech_rate_sps, hold_s, segments, extra, stored_at
FROM calls_pre030;

INSERT INTO scores (call_id, started_at, rubric_version, rubric, score,
	sections, critical_fail, eligible, ineligible_reason, items, batch_id,
	scored_at)
SELECT s.call_id, c.started_at, s.rubric_version, s.rubric, s.score,
	s.sections, s.critical_fail, s.eligible, s.ineligible_reason, s.items,
	s.batch_id, s.scored_at
FROM scores_pre030 s JOIN calls_pre030 c USING (call_id);

DROP TABLE scores_pre030;
DROP TABLE calls_pre030;

ALTER TABLE calls ADD PRIMARY KEY (call_id, started_at);
ALTER TABLE calls ADD FOREIGN KEY (agent_id) REFERENCES agents;
ALTER TABLE calls ADD FOREIGN KEY (batch_id) REFERENCES batches;
ALTER TABLE calls ADD CONSTRAINT calls_call_ids_fkey
	FOREIGN KEY (call_id, started_at)
	REFERENCES call_ids (call_id, started_at) ON UPDATE CASCADE;
CREATE INDEX calls_started_at ON calls (started_at)
	INCLUDE (call_id, agent_id, team, post);
CREATE INDEX calls_agent_started ON calls (agent_id, started_at);
CREATE INDEX calls_batch ON calls (batch_id);

ALTER TABLE scores ADD PRIMARY KEY (call_id, rubric_version, started_at);
ALTER TABLE scores ADD CONSTRAINT scores_call_fkey
	FOREIGN KEY (call_id, started_at) REFERENCES calls
	ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE scores ADD FOREIGN KEY (batch_id) REFERENCES batches;
CREATE INDEX scores_call_cover ON scores (call_id, started_at)
	INCLUDE (eligible, score, scored_at, rubric_version);

-- manager_calls as 020_report.sql defines it (the same rows).  Each call's
-- scores are probed by (call_id, started_at) in a LATERAL subquery that
-- OFFSET 0 keeps from being flattened into a join: a filter on started_at
-- (callqa-report reads one month) then reads that month's calls partition
-- and, probe by probe, only that month's scores partition, where a join
-- would be planned as a hash join over every scores partition.
CREATE VIEW manager_calls AS
	SELECT c.call_id, c.agent_id, c.team, c.post, c.started_at,
	       c.duration_s, s.rubric, s.rubric_version, s.score, s.sections,
	       s.critical_fail, s.eligible, s.items, c.audio, c.segments,
	       s.scored_at,
	       s.rubric_version = (SELECT s2.rubric_version FROM scores s2
				   WHERE s2.call_id = c.call_id
				     AND s2.started_at = c.started_at
				   ORDER BY s2.scored_at DESC,
					    s2.rubric_version
				   LIMIT 1) AS latest
	FROM calls c
	     CROSS JOIN LATERAL (SELECT * FROM scores s1
				 WHERE s1.call_id = c.call_id
				   AND s1.started_at = c.started_at
				 OFFSET 0) s;

-- hr_agent_month as 025_month_queries.sql defines it.
CREATE VIEW hr_agent_month AS
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
				   AND s2.started_at = c.started_at
				 ORDER BY s2.scored_at DESC,
					  s2.rubric_version
				 LIMIT 1) s ON true
	      WHERE c.started_at >= mo.month::timestamptz
		AND c.started_at < (mo.month + interval '1 month')::timestamptz
	      GROUP BY c.agent_id) m
	     LEFT JOIN agents a USING (agent_id);

REVOKE ALL ON call_ids, archived_months, calls, scores, manager_calls,
	hr_agent_month FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON calls, scores, call_ids TO callqa_pipeline;
GRANT SELECT ON archived_months TO callqa_pipeline;
GRANT SELECT ON manager_calls TO callqa_manager;
GRANT SELECT ON hr_agent_month TO callqa_hr;

-- No JIT for the readers' sessions either (callqa-rank and callqa-report
-- turn it off for their own): a plan over month partitions has a node per
-- partition, and compiling them took longer than running the query (HR's
-- month at 10 million calls: 2.9 s with JIT, 2.0 s without).  Needs the
-- database's owner; without it, a note and the server's default.
DO $$
BEGIN
	EXECUTE format('ALTER DATABASE %I SET jit = off', current_database());
EXCEPTION WHEN insufficient_privilege THEN
	RAISE NOTICE 'jit stays on: only the database owner may change it';
END
$$;

-- The months of the live tables and the archived ones: month (YYYY-MM),
-- state ('live' or 'archived'), calls and scores (counted; for an
-- archived month as detached), size in bytes (calls and scores tables
-- with their indexes), closed (the month's last closure action is
-- 'close').  For `callqa db months`.
CREATE FUNCTION callqa_months()
RETURNS TABLE (month text, state text, calls bigint, scores bigint,
	       bytes bigint, closed boolean)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, public
SET TimeZone = 'UTC' AS $$
#variable_conflict use_column
DECLARE
	r record;
	md date;
	nc bigint;
	ns bigint;
BEGIN
	FOR r IN
		SELECT substr(p.relname, 7) AS k, p.oid AS c_oid,
		       to_regclass('public.scores_' || substr(p.relname, 7))
			       AS s_oid
		FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhrelid
		WHERE i.inhparent = 'public.calls'::regclass
		ORDER BY p.relname
	LOOP
		EXECUTE format('SELECT count(*) FROM %s', r.c_oid::regclass)
			INTO nc;
		ns := 0;
		IF r.s_oid IS NOT NULL THEN
			EXECUTE format('SELECT count(*) FROM %s',
				       r.s_oid::regclass) INTO ns;
		END IF;
		md := (replace(r.k, '_', '-') || '-01')::date;
		month := to_char(md, 'YYYY-MM');
		state := 'live';
		calls := nc;
		scores := ns;
		bytes := pg_total_relation_size(r.c_oid) +
			 coalesce(pg_total_relation_size(r.s_oid), 0);
		closed := coalesce((SELECT action = 'close'
				    FROM month_closures mc
				    WHERE mc.month = md
				    ORDER BY id DESC LIMIT 1), false);
		RETURN NEXT;
	END LOOP;
	FOR r IN SELECT * FROM archived_months ORDER BY 1 LOOP
		month := to_char(r.month, 'YYYY-MM');
		state := 'archived';
		calls := r.calls;
		scores := r.scores;
		bytes := coalesce(pg_total_relation_size(
					  to_regclass(r.calls_table)), 0) +
			 coalesce(pg_total_relation_size(
					  to_regclass(r.scores_table)), 0);
		closed := coalesce((SELECT action = 'close'
				    FROM month_closures mc
				    WHERE mc.month = r.month
				    ORDER BY id DESC LIMIT 1), false);
		RETURN NEXT;
	END LOOP;
END
$$;

-- Detach a closed month's partitions into the standalone tables
-- archive_calls_YYYY_MM and archive_scores_YYYY_MM (same rows, same
-- indexes; scores keeps its foreign key, now to the archived calls), for
-- pg_dump and DROP TABLE.  The month leaves the views and the boards; the
-- ledger, rankings and ladder decisions stay; its call ids stay in
-- call_ids, so the store rejects them if they come again.  Refuses a
-- month that is not closed.  Only the schema owner may run it.
CREATE FUNCTION callqa_detach_month(p_month text, p_by text)
RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, public AS $$
DECLARE
	mo date;
	k text;
	act text;
	fk text;
	nc bigint;
	ns bigint;
BEGIN
	IF p_month !~ '^[0-9]{4}-(0[1-9]|1[0-2])$' THEN
		RAISE EXCEPTION 'bad month ''%'': want YYYY-MM', p_month;
	END IF;
	IF coalesce(p_by, '') = '' THEN
		RAISE EXCEPTION 'detaching a month needs the name of who does it';
	END IF;
	mo := (p_month || '-01')::date;
	k := replace(p_month, '-', '_');
	-- The store's lock first (see the header), then the tables.
	PERFORM pg_advisory_xact_lock(7170317002);
	IF EXISTS (SELECT 1 FROM archived_months WHERE month = mo) THEN
		RAISE EXCEPTION 'month % is already archived', p_month;
	END IF;
	SELECT action INTO act FROM month_closures WHERE month = mo
		ORDER BY id DESC LIMIT 1;
	IF act IS DISTINCT FROM 'close' THEN
		RAISE EXCEPTION 'month % is not closed (callqa-rank --month % --close first)',
			p_month, p_month;
	END IF;
	IF to_regclass('public.calls_' || k) IS NULL OR
	   to_regclass('public.scores_' || k) IS NULL THEN
		RAISE EXCEPTION 'no partition for month %', p_month;
	END IF;
	LOCK TABLE calls, scores IN ACCESS EXCLUSIVE MODE;
	EXECUTE format('SELECT count(*) FROM public.%I', 'calls_' || k)
		INTO nc;
	EXECUTE format('SELECT count(*) FROM public.%I', 'scores_' || k)
		INTO ns;
	-- scores first: a calls partition referred to by scores rows cannot
	-- leave; then its foreign key goes to the archived calls.
	EXECUTE format('ALTER TABLE public.scores DETACH PARTITION public.%I',
		       'scores_' || k);
	SELECT conname INTO fk FROM pg_constraint
		WHERE conrelid = to_regclass('public.scores_' || k)
		  AND confrelid = 'public.calls'::regclass AND contype = 'f';
	EXECUTE format('ALTER TABLE public.%I DROP CONSTRAINT %I',
		       'scores_' || k, fk);
	EXECUTE format('ALTER TABLE public.calls DETACH PARTITION public.%I',
		       'calls_' || k);
	EXECUTE format('ALTER TABLE public.%I RENAME TO %I', 'calls_' || k,
		       'archive_calls_' || k);
	EXECUTE format('ALTER TABLE public.%I RENAME TO %I', 'scores_' || k,
		       'archive_scores_' || k);
	EXECUTE format('ALTER TABLE public.%I ADD FOREIGN KEY (call_id, started_at) REFERENCES public.%I ON DELETE CASCADE',
		       'archive_scores_' || k, 'archive_calls_' || k);
	INSERT INTO archived_months (month, calls_table, scores_table, calls,
				     scores, by_whom)
	VALUES (mo, 'archive_calls_' || k, 'archive_scores_' || k, nc, ns,
		p_by);
	RETURN nc;
END
$$;
REVOKE ALL ON FUNCTION callqa_months() FROM PUBLIC;
REVOKE ALL ON FUNCTION callqa_detach_month(text, text) FROM PUBLIC;
