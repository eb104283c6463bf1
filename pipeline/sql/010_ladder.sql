-- 010_ladder.sql: post ladder recommendations (callqa-ladder(1), also run as
-- `callqa-rank --ladder`).
--
-- Each run of a period is a row of ladder_runs (the policy it used, its
-- SHA-256, the period's bounds).  ladder_decisions holds one row per agent
-- and period: the proposed move with every number behind it, and its
-- status.  The pipeline inserts proposals and deletes those still
-- "proposed" when it runs the period again; it cannot UPDATE the table.  A
-- status changes only through ladder_decide(), which records who (the
-- person named, and the database login) and when; once approved or
-- rejected, a row can be neither changed nor deleted (trigger).  Nothing
-- here or in callqa changes agents.post: HR moves people.

-- A quantity from a manifest column (calls.extra): a count, or t/true/yes
-- (1) and f/false/no or empty (0); anything else is NULL (a bad value).
CREATE FUNCTION callqa_ladder_num(v text) RETURNS numeric
LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE
		WHEN v ~ '^[0-9]{1,9}([.][0-9]+)?$' THEN v::numeric
		WHEN lower(v) IN ('t', 'true', 'yes', 'y') THEN 1
		WHEN lower(v) IN ('f', 'false', 'no', 'n', '') THEN 0
	END
$$;

CREATE TABLE ladder_runs (
	run_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	period text NOT NULL,
	period_start date NOT NULL,
	period_end date NOT NULL, -- exclusive
	policy_path text,
	policy_sha text NOT NULL,
	policy jsonb NOT NULL, -- the policy as applied
	open_months text, -- months of the period not closed at the run
	agents integer NOT NULL,
	kept integer NOT NULL, -- decided rows left as they were
	run_by text NOT NULL DEFAULT session_user,
	run_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ladder_runs_period ON ladder_runs (period, run_id);

CREATE TABLE ladder_decisions (
	period text NOT NULL,
	agent_id text NOT NULL,
	run_id bigint NOT NULL REFERENCES ladder_runs,
	team text,
	from_post text NOT NULL,
	from_post_name text,
	post_level integer, -- 0 = bottom of the ladder; NULL: not on it
	to_post text, -- NULL when the post is not on the ladder
	to_post_name text,
	action text NOT NULL CHECK (action IN ('promote', 'demote', 'stay')),
	considered boolean NOT NULL, -- on the ladder, n >= min_calls
	rank_in_post integer, -- NULL when not considered
	post_agents integer, -- considered agents of the post
	scored_calls integer NOT NULL,
	quality numeric(6, 2), -- mean QA score
	calls integer NOT NULL, -- = scored_calls
	callbacks numeric(12, 2), -- NULL: N/A
	records numeric(12, 2), -- NULL: N/A
	ledger_points integer NOT NULL,
	quality_norm numeric(10, 2),
	calls_norm numeric(10, 2),
	callbacks_norm numeric(10, 2),
	records_norm numeric(10, 2),
	ledger_norm numeric(10, 2),
	comprehensive numeric(10, 2),
	flag text,
	evidence jsonb NOT NULL,
	status text NOT NULL DEFAULT 'proposed'
		CHECK (status IN ('proposed', 'approved', 'rejected')),
	decided_by text CHECK (decided_by <> ''),
	decided_login text,
	decided_at timestamptz,
	note text,
	proposed_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (period, agent_id),
	CHECK ((status = 'proposed') =
	       (decided_by IS NULL AND decided_at IS NULL)),
	CHECK (status = 'proposed' OR action <> 'stay')
);

-- Decided rows are final; a proposal may only become approved or rejected.
CREATE FUNCTION ladder_decisions_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF OLD.status <> 'proposed' THEN
		RAISE EXCEPTION 'the ladder decision for % in % is final (% by % at % UTC)',
			OLD.agent_id, OLD.period, OLD.status, OLD.decided_by,
			to_char(OLD.decided_at AT TIME ZONE 'UTC',
				'YYYY-MM-DD HH24:MI:SS');
	END IF;
	IF TG_OP = 'DELETE' THEN
		RETURN OLD;
	END IF;
	IF NEW.status = 'proposed' OR
	   (to_jsonb(NEW) - 'status' - 'decided_by' - 'decided_login'
	    - 'decided_at' - 'note') <>
	   (to_jsonb(OLD) - 'status' - 'decided_by' - 'decided_login'
	    - 'decided_at' - 'note') THEN
		RAISE EXCEPTION 'a ladder proposal only changes by a decision';
	END IF;
	RETURN NEW;
END
$$;

CREATE TRIGGER ladder_decisions_guard BEFORE UPDATE OR DELETE
	ON ladder_decisions FOR EACH ROW EXECUTE FUNCTION ladder_decisions_guard();

-- The only way to decide: approve or reject a proposal, naming the person.
CREATE FUNCTION ladder_decide(p_period text, p_agent text, p_status text,
			      p_by text, p_note text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
	r ladder_decisions%ROWTYPE;
BEGIN
	IF p_status NOT IN ('approved', 'rejected') THEN
		RAISE EXCEPTION 'a decision is approved or rejected, not %', p_status;
	END IF;
	IF coalesce(p_by, '') = '' THEN
		RAISE EXCEPTION 'a decision needs the name of who decides';
	END IF;
	SELECT * INTO r FROM ladder_decisions
		WHERE period = p_period AND agent_id = p_agent FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no ladder recommendation for agent % in %',
			p_agent, p_period;
	END IF;
	IF r.status <> 'proposed' THEN
		RAISE EXCEPTION 'the recommendation for % in % was already % by % at % UTC: decisions are final',
			p_agent, p_period, r.status, r.decided_by,
			to_char(r.decided_at AT TIME ZONE 'UTC',
				'YYYY-MM-DD HH24:MI:SS');
	END IF;
	IF r.action = 'stay' THEN
		RAISE EXCEPTION '% stays in % (no move to decide)', p_agent,
			p_period;
	END IF;
	UPDATE ladder_decisions
		SET status = p_status, decided_by = p_by,
		    decided_login = session_user, decided_at = now(),
		    note = nullif(p_note, '')
		WHERE period = p_period AND agent_id = p_agent;
END
$$;

-- HR's view: one row per agent and period, the move, its status and every
-- number behind it.
CREATE VIEW hr_ladder AS
	SELECT d.period, d.agent_id, d.team, d.from_post, d.from_post_name,
	       d.to_post, d.to_post_name, d.action, d.status, d.decided_by,
	       d.decided_at, d.note, d.considered, d.rank_in_post,
	       d.post_agents, d.scored_calls, d.quality, d.calls, d.callbacks,
	       d.records, d.ledger_points, d.quality_norm, d.calls_norm,
	       d.callbacks_norm, d.records_norm, d.ledger_norm,
	       d.comprehensive, d.flag, d.evidence, r.policy_sha,
	       r.run_at AS computed_at
	FROM ladder_decisions d JOIN ladder_runs r USING (run_id);

REVOKE ALL ON ladder_runs, ladder_decisions, hr_ladder FROM PUBLIC;
REVOKE ALL ON FUNCTION ladder_decide(text, text, text, text, text)
	FROM PUBLIC;
GRANT SELECT, INSERT ON ladder_runs TO callqa_pipeline;
GRANT SELECT, INSERT, DELETE ON ladder_decisions TO callqa_pipeline;
GRANT EXECUTE ON FUNCTION ladder_decide(text, text, text, text, text)
	TO callqa_pipeline;
GRANT SELECT ON hr_ladder TO callqa_hr;
