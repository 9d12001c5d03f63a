-- mxcert-registry schema v2 (SQLite): the public side (issue 6). Keep in step with
-- ../postgres/0002_public.sql: same tables, columns and indexes; only the types differ.
--
-- Every table here is derived from the tables of 0001 by `crate::store::public_index`, in the
-- transaction that changes them (ingest, approval, rejection, withdrawal, revocation), and can be
-- rebuilt from them at any time (`public_index_state.version` below a new build's version makes
-- the registry rebuild on start). Nothing here is a source of truth.
--
-- Device ranks (the best evidence a report gives for a device): 0 certified (in an approved
-- submission whose certificate is valid), 1 works (its driver bound and no test of its category
-- failed, in a report whose tests ran), 2 problem (no driver bound although it needs one, or a test
-- of its category failed), 3 seen (anything else, including rejected and withdrawn reports).

CREATE TABLE public_index_state (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO public_index_state (id, version) VALUES (1, 0);

-- One row per certificate: what `GET /api/v1/systems` searches and what the exports list.
-- `*_key` columns are folded (lowercase, accents removed) for filters and related-system matching;
-- `search_text` is the folded concatenation of everything `q` matches.
CREATE TABLE public_systems (
    certificate_id TEXT PRIMARY KEY REFERENCES certificates(id),
    submission_id  TEXT NOT NULL UNIQUE REFERENCES submissions(id),
    system_id      TEXT NOT NULL REFERENCES systems(id),
    org_id         TEXT NOT NULL REFERENCES organisations(id),
    organisation   TEXT NOT NULL,
    vendor         TEXT NOT NULL,
    model          TEXT NOT NULL,
    family         TEXT,
    sku            TEXT,
    board          TEXT,
    chassis_type   TEXT,
    category       TEXT NOT NULL,
    mxos_release   TEXT NOT NULL,
    plan_id        TEXT NOT NULL,
    plan_version   TEXT NOT NULL,
    issued_at      TEXT NOT NULL,
    expires_at     TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('valid', 'revoked')),
    revoked_at     TEXT,
    vendor_key     TEXT NOT NULL,
    model_key      TEXT NOT NULL,
    family_key     TEXT NOT NULL,
    board_key      TEXT NOT NULL,
    search_text    TEXT NOT NULL,
    device_count   INTEGER NOT NULL,
    count_total    INTEGER NOT NULL,
    count_pass     INTEGER NOT NULL,
    count_fail     INTEGER NOT NULL,
    count_skip     INTEGER NOT NULL,
    count_error    INTEGER NOT NULL,
    count_timeout  INTEGER NOT NULL
);
CREATE INDEX public_systems_issued ON public_systems(status, issued_at);
CREATE INDEX public_systems_vendor ON public_systems(vendor_key, issued_at);
CREATE INDEX public_systems_model ON public_systems(vendor_key, model_key);
CREATE INDEX public_systems_family ON public_systems(vendor_key, family_key);
CREATE INDEX public_systems_board ON public_systems(board_key);
CREATE INDEX public_systems_system ON public_systems(system_id);
CREATE INDEX public_systems_category ON public_systems(category, issued_at);
CREATE INDEX public_systems_release ON public_systems(mxos_release, issued_at);

-- One row per (device, system model, submission): the rank that report gives the device (its
-- base identity, e.g. `pci:8086:9a49`), with what the rank was computed from.
CREATE TABLE device_evidence (
    base_identity  TEXT NOT NULL,
    system_id      TEXT NOT NULL,
    submission_id  TEXT NOT NULL REFERENCES submissions(id),
    rank           INTEGER NOT NULL CHECK (rank BETWEEN 0 AND 3),
    driver_missing INTEGER NOT NULL,
    test_failed    INTEGER NOT NULL,
    PRIMARY KEY (base_identity, system_id, submission_id)
) WITHOUT ROWID;
CREATE INDEX device_evidence_submission ON device_evidence(submission_id);

-- One row per (device, system model): the best rank over that model's reports.
CREATE TABLE device_systems (
    base_identity TEXT NOT NULL,
    system_id     TEXT NOT NULL REFERENCES systems(id),
    best_rank     INTEGER NOT NULL CHECK (best_rank BETWEEN 0 AND 3),
    submissions   INTEGER NOT NULL,
    last_seen_at  TEXT NOT NULL,
    PRIMARY KEY (base_identity, system_id)
) WITHOUT ROWID;
CREATE INDEX device_systems_rank ON device_systems(base_identity, best_rank, last_seen_at);

-- One row per device: counts of reports by rank, distinct system models, names as last reported.
-- `certified_until` is the latest expiry among the valid certificates that contain the device.
CREATE TABLE device_stats (
    base_identity   TEXT PRIMARY KEY,
    bus             TEXT NOT NULL,
    category        TEXT NOT NULL,
    vendor_name     TEXT,
    device_name     TEXT,
    certified       INTEGER NOT NULL,
    works           INTEGER NOT NULL,
    problem         INTEGER NOT NULL,
    seen            INTEGER NOT NULL,
    systems         INTEGER NOT NULL,
    certified_until TEXT,
    first_seen_at   TEXT NOT NULL,
    last_seen_at    TEXT NOT NULL
) WITHOUT ROWID;

-- Which kernel drivers were seen bound to a device, in how many reports.
CREATE TABLE device_drivers (
    base_identity TEXT NOT NULL,
    driver        TEXT NOT NULL,
    submissions   INTEGER NOT NULL,
    PRIMARY KEY (base_identity, driver)
) WITHOUT ROWID;

-- The partner directory's admin queue and public list filter on the status.
CREATE INDEX directory_entries_status ON directory_entries(status, updated_at);
