-- mxcert-registry schema v7 (PostgreSQL): a public index that costs ingest fewer writes at random places.
-- Keep in step with ../sqlite/0007_index_counts.sql.
--
-- Each submission of 300 devices used to insert 2 x 300 rows of `device_evidence` and upsert 2 x
-- 300 entries of `device_systems`, all keyed by device first, so each landed on a page of its own:
-- ingest was bound by those page writes (BENCHMARKS.md). Now:
-- - `device_evidence` is gone. It was read only to re-rank a submission's devices when its status
--   changed and to recompute a model's best rank. A device's facts (driver missing, test failed)
--   are derived again from the submission's own rows, which are clustered by submission; the
--   standing the index last counted a submission with is one row per submission
--   (`indexed_submissions`); and `device_systems` counts each model's reports by rank, so its best
--   rank is the first non-zero counter.
-- - `device_systems` is keyed by model first: one submission's rows are neighbours. Only its
--   `device_systems_order` index (what device pages read) is still keyed by device. It refers to
--   no other table: like everything in the public index it is derived, and rebuilt from the source
--   tables when in doubt.
--
-- The public index is derived data: this migration drops what it replaces and asks for a rebuild
-- (version 0), which the registry does when it starts.
DROP TABLE device_evidence;
DROP TABLE device_systems;

CREATE TABLE device_systems (
    system_id     TEXT NOT NULL,
    base_identity TEXT NOT NULL,
    best_rank     BIGINT NOT NULL CHECK (best_rank BETWEEN 0 AND 3),
    certified     BIGINT NOT NULL,
    works         BIGINT NOT NULL,
    problem       BIGINT NOT NULL,
    seen          BIGINT NOT NULL,
    submissions   BIGINT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    PRIMARY KEY (system_id, base_identity)
);
CREATE INDEX device_systems_order
    ON device_systems(base_identity, best_rank, last_seen_at DESC, system_id);

CREATE TABLE indexed_submissions (
    submission_id TEXT PRIMARY KEY REFERENCES submissions(id),
    system_id     TEXT NOT NULL REFERENCES systems(id),
    closed        BIGINT NOT NULL,
    certified     BIGINT NOT NULL,
    tests_ran     BIGINT NOT NULL
);

UPDATE public_index_state SET version = 0;
