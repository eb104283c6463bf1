-- 002_rejects_replace.sql: a re-run of a batch replaces the rejects it
-- recorded for the call ids it stores again (a repaired file is no longer
-- a reject), so the pipeline may delete rejects.
GRANT DELETE ON rejects TO callqa_pipeline;
