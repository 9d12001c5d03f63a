-- mxcert-registry schema v11 (postgres): community reports (issue 18).
-- Keep in step with ../sqlite/0011_community.sql.
--
-- A person's report of what works on their machine: kept apart from certification submissions,
-- never part of a certificate. One row per machine (the probe's pseudonymous machine id, never
-- shown): sending again replaces the machine's earlier report, so a machine counts once.
-- The deletion token is stored as its SHA-256. A hidden report (a reviewer's decision, audited)
-- stays for the record but no longer counts and is no longer shown.
CREATE TABLE community_reports (
    id              TEXT PRIMARY KEY,
    machine_id      TEXT NOT NULL UNIQUE,
    created_at      TEXT NOT NULL,
    release         TEXT NOT NULL,
    kernel_series   TEXT NOT NULL,
    system_vendor   TEXT,
    system_model    TEXT,
    summary         TEXT NOT NULL,
    problem_areas   TEXT NOT NULL,
    comment         TEXT,
    language        TEXT,
    device_count    BIGINT NOT NULL,
    content_sha256  TEXT NOT NULL,
    deletion_sha256 TEXT NOT NULL,
    inventory       TEXT NOT NULL,
    hidden_at       TEXT,
    hidden_reason   TEXT
);
CREATE INDEX community_reports_newest ON community_reports(created_at);
CREATE INDEX community_reports_content ON community_reports(content_sha256);

-- One row per distinct base identity of a report's machine with the person's verdict
-- (works, problem, unconfirmed). Counted per device, per release and kernel series.
CREATE TABLE community_devices (
    report_id     TEXT NOT NULL REFERENCES community_reports(id) ON DELETE CASCADE,
    base_identity TEXT NOT NULL,
    category      TEXT NOT NULL,
    verdict       TEXT NOT NULL,
    PRIMARY KEY (report_id, base_identity)
);
CREATE INDEX community_devices_identity ON community_devices(base_identity, verdict);
