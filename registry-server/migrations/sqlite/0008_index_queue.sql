-- mxcert-registry schema v8 (SQLite): the public index's queue, and a device-page index that
-- answers on its own.
-- Keep in step with ../postgres/0008_index_queue.sql.
--
-- A submission's transaction no longer counts its devices into the public index; it appends the
-- submission's id here, and the indexer (src/store/indexer.rs) counts many queued submissions at
-- once, each device row written once per batch instead of once per report (BENCHMARKS.md). The
-- queue is what makes that safe: an acknowledged submission is in it until it is counted, across
-- crashes and restarts. `seq` is the order they are counted in.
CREATE TABLE index_queue (
    seq           INTEGER PRIMARY KEY,
    submission_id TEXT NOT NULL UNIQUE REFERENCES submissions(id)
);

-- A device page lists the models that contain the device with each one's best rank, date and
-- number of reports; with the number in the index too, the lookup reads no `device_systems` row
-- (on the seeded 10,000-system database: 655-859 lookups/s and p99 6.3-7.0 ms, against 618-663/s
-- and 7.6-8.0 ms without it, BENCHMARKS.md).
DROP INDEX device_systems_order;
CREATE INDEX device_systems_order
    ON device_systems(base_identity, best_rank, last_seen_at DESC, system_id, submissions);
