-- 003_shards.sql: a batch stored in shards (callqa nightly --slurm N, or
-- any array scheduler running `callqa nightly --shard K/N`).  Each
-- `callqa-store --shard K/N` records its shard here in the same
-- transaction as its calls, so a shard is either stored and counted or
-- neither; a re-run of a shard replaces its row.  The batch is complete
-- when every shard 0..N-1 of the same N has a row
-- (`callqa-store --finalise BATCH --shards N`).  Stores still serialise on
-- one advisory lock after their COPY (the COPY itself, the bulk of the
-- time, runs concurrently), so shards cannot deadlock or lose an update.
CREATE TABLE batch_shards (
	batch_id text NOT NULL REFERENCES batches,
	shard integer NOT NULL CHECK (shard >= 0 AND shard < shards),
	shards integer NOT NULL CHECK (shards > 0),
	inputs integer NOT NULL,
	stored integer NOT NULL,
	rejected integer NOT NULL,
	finished timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (batch_id, shard, shards)
);
GRANT SELECT, INSERT, UPDATE ON batch_shards TO callqa_pipeline;
