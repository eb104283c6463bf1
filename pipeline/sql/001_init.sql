-- 001_init.sql: callqa's first schema.  Applied once by callqa-store or
-- `callqa db migrate` (tracked in schema_migrations), in one transaction.
--
-- Partitioning: calls and scores are keyed by call_id alone, because a
-- call id must be unique across months (the store rejects a call id that
-- another batch already stored) and PostgreSQL can only enforce a unique
-- key on a partitioned table when it includes the partition key.  A centre
-- records some thousands of calls a day (about a million rows a year), which
-- the indexes on (started_at) and (agent_id, started_at) serve well; when
-- volume needs it, a later migration can partition by month.

-- Roles: the pipeline writes; managers and HR read their views only.
DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'callqa_pipeline') THEN
		CREATE ROLE callqa_pipeline NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'callqa_manager') THEN
		CREATE ROLE callqa_manager NOLOGIN;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'callqa_hr') THEN
		CREATE ROLE callqa_hr NOLOGIN;
	END IF;
END
$$;

REVOKE CREATE ON SCHEMA public FROM PUBLIC;

-- A text that is not a valid timestamptz / jsonb becomes NULL (the store
-- turns the call into a reject instead of failing the whole batch).
CREATE FUNCTION callqa_try_timestamptz(t text) RETURNS timestamptz
LANGUAGE plpgsql STABLE AS $$
BEGIN
	RETURN t::timestamptz;
EXCEPTION WHEN others THEN
	RETURN NULL;
END
$$;

CREATE FUNCTION callqa_try_jsonb(t text) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	RETURN t::jsonb;
EXCEPTION WHEN others THEN
	RETURN NULL;
END
$$;

-- One row per batch (a night's run); counts from the last store of it.
CREATE TABLE batches (
	batch_id text PRIMARY KEY,
	started timestamptz NOT NULL DEFAULT now(),
	finished timestamptz,
	inputs integer NOT NULL DEFAULT 0,
	stored integer NOT NULL DEFAULT 0,
	rejected integer NOT NULL DEFAULT 0
);

-- Agents as last seen in a manifest.
CREATE TABLE agents (
	agent_id text PRIMARY KEY,
	team text,
	post text,
	first_seen timestamptz NOT NULL,
	last_seen timestamptz NOT NULL
);

-- One row per call that went through every stage (status ok).
CREATE TABLE calls (
	call_id text PRIMARY KEY,
	agent_id text NOT NULL REFERENCES agents,
	started_at timestamptz NOT NULL,
	batch_id text NOT NULL REFERENCES batches,
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
);
CREATE INDEX calls_started_at ON calls (started_at);
CREATE INDEX calls_agent_started ON calls (agent_id, started_at);
CREATE INDEX calls_batch ON calls (batch_id);

-- A call's score under one rubric version (hex SHA-256 of the rubric file).
CREATE TABLE scores (
	call_id text NOT NULL REFERENCES calls ON DELETE CASCADE,
	rubric_version text NOT NULL,
	rubric text,
	score numeric(4, 1) CHECK (score BETWEEN 0 AND 100),
	sections jsonb, -- {"tone": 80.0, "courtesy": null, ...}
	critical_fail boolean,
	eligible boolean NOT NULL,
	ineligible_reason text,
	items jsonb,
	batch_id text NOT NULL REFERENCES batches,
	scored_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (call_id, rubric_version)
);

-- Every call that did not make it, with the stage and the reason.  The key
-- makes a re-run of the batch store each reject once.
CREATE TABLE rejects (
	batch_id text NOT NULL REFERENCES batches,
	reject_key text NOT NULL, -- md5 of call id, stage and reason
	call_id text,
	audio text,
	stage text NOT NULL,
	reason text NOT NULL,
	line bigint, -- line of the record in the store's input
	record jsonb, -- the record's columns as they came
	stored_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (batch_id, reject_key)
);
CREATE INDEX rejects_call ON rejects (call_id);

-- The board of a period ('2026-10' or '2026-W41') and grouping.
CREATE TABLE rankings (
	period text NOT NULL,
	group_by text NOT NULL CHECK (group_by IN ('team', 'post', 'centre')),
	grp text NOT NULL,
	agent_id text NOT NULL,
	n integer NOT NULL,
	mean numeric(6, 2),
	sd numeric(6, 2),
	ci_low numeric(6, 2),
	ci_high numeric(6, 2),
	shrunk numeric(6, 2),
	rank integer, -- NULL when not eligible
	eligible boolean NOT NULL,
	points integer NOT NULL DEFAULT 0,
	flag text,
	rubric_versions text,
	computed_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (period, group_by, agent_id)
);

-- Performance points: +5 best, -5 worst of each group each month.
CREATE TABLE ledger (
	month date NOT NULL,
	agent_id text NOT NULL,
	points integer NOT NULL,
	reason text NOT NULL,
	rubric_version text NOT NULL,
	evidence jsonb NOT NULL,
	group_by text NOT NULL,
	grp text NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (month, group_by, grp, agent_id)
);

-- Closing and reopening months: an append-only log; the last action of a
-- month says whether it is closed.
CREATE TABLE month_closures (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	month date NOT NULL,
	action text NOT NULL CHECK (action IN ('close', 'reopen')),
	by_whom text NOT NULL CHECK (by_whom <> ''),
	reason text,
	at timestamptz NOT NULL DEFAULT now(),
	CHECK (action = 'close' OR coalesce(reason, '') <> '')
);
CREATE INDEX month_closures_month ON month_closures (month, id);

-- Views for the readers.
CREATE VIEW manager_board AS
	SELECT period, group_by, grp, rank, agent_id, n, mean, ci_low, ci_high,
	       shrunk, points, flag, eligible, computed_at
	FROM rankings;

CREATE VIEW manager_calls AS
	SELECT c.call_id, c.agent_id, c.team, c.post, c.started_at,
	       c.duration_s, s.rubric, s.rubric_version, s.score, s.sections,
	       s.critical_fail, s.eligible, s.items
	FROM calls c JOIN scores s USING (call_id);

CREATE VIEW hr_ledger AS
	SELECT l.month, l.agent_id, a.post, a.team, l.points, l.reason,
	       l.rubric_version, l.evidence, l.created_at
	FROM ledger l LEFT JOIN agents a USING (agent_id);

CREATE VIEW hr_agent_month AS
	SELECT m.agent_id, a.post, a.team, to_char(m.month, 'YYYY-MM') AS month,
	       m.scored_calls, m.mean_score,
	       (SELECT coalesce(sum(points), 0) FROM ledger l
		WHERE l.agent_id = m.agent_id AND l.month = m.month)
		       AS ledger_points
	FROM (SELECT c.agent_id,
		     date_trunc('month', c.started_at)::date AS month,
		     count(*) FILTER (WHERE s.eligible) AS scored_calls,
		     round(avg(s.score) FILTER (WHERE s.eligible), 2)
			     AS mean_score
	      FROM calls c JOIN scores s USING (call_id)
	      GROUP BY 1, 2) m
	     LEFT JOIN agents a USING (agent_id);

-- Privileges: the pipeline loads and ranks but owns nothing (so it cannot
-- drop or alter a table); the readers see their views only.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE ON batches, agents, calls, scores, rejects
	TO callqa_pipeline;
GRANT SELECT, INSERT, UPDATE, DELETE ON rankings, ledger TO callqa_pipeline;
GRANT SELECT, INSERT ON month_closures TO callqa_pipeline;
GRANT SELECT ON schema_migrations TO callqa_pipeline;
GRANT SELECT ON manager_board, manager_calls TO callqa_manager;
GRANT SELECT ON hr_ledger, hr_agent_month TO callqa_hr;
