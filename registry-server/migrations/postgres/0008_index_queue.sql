-- mxcert-registry schema v8 (PostgreSQL): the public index's queue.
-- Keep in step with ../sqlite/0008_index_queue.sql.
--
-- A submission's transaction no longer counts its devices into the public index; it appends the
-- submission's id here, and the indexer (src/store/indexer.rs) counts many queued submissions at
-- once, each device row written once per batch instead of once per report (BENCHMARKS.md). The
-- queue is what makes that safe: an acknowledged submission is in it until it is counted, across
-- crashes and restarts. `seq` is the order they are counted in.
CREATE TABLE index_queue (
    seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    submission_id TEXT NOT NULL UNIQUE REFERENCES submissions(id)
);
