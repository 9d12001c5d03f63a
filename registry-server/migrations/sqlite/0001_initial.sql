-- mxcert-registry schema v1 (SQLite). Keep in step with ../postgres/0001_initial.sql:
-- same tables, columns and indexes; only the types and identity columns differ.
-- Timestamps are TEXT in RFC 3339 UTC with microseconds (`2026-01-02T03:04:05.000006Z`), so they sort
-- as text. Flags are INTEGER 0/1. Ids are UUIDv7 text unless said otherwise.

CREATE TABLE organisations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    slug        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    disabled_at TEXT
);

CREATE TABLE members (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    name        TEXT NOT NULL,
    email       TEXT,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'reviewer', 'vendor')),
    created_at  TEXT NOT NULL,
    disabled_at TEXT
);
CREATE INDEX members_org ON members(org_id);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    member_id    TEXT REFERENCES members(id),
    role         TEXT NOT NULL CHECK (role IN ('admin', 'reviewer', 'vendor')),
    label        TEXT NOT NULL,
    prefix       TEXT NOT NULL,
    sha256       TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    expires_at   TEXT,
    revoked_at   TEXT,
    last_used_at TEXT
);
CREATE INDEX api_tokens_org ON api_tokens(org_id);

-- Browser sessions for the web portal: the cookie value is random, only its SHA-256 is stored.
CREATE TABLE web_sessions (
    id_sha256   TEXT PRIMARY KEY,
    token_id    TEXT REFERENCES api_tokens(id),
    member_id   TEXT REFERENCES members(id),
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    role        TEXT NOT NULL CHECK (role IN ('admin', 'reviewer', 'vendor')),
    csrf_secret TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    revoked_at  TEXT
);

CREATE TABLE signing_keys (
    keyid             TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organisations(id),
    public_key_pem    TEXT NOT NULL,
    label             TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('active', 'retired', 'revoked')),
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    status_changed_at TEXT,
    status_reason     TEXT,
    replaced_by       TEXT
);
CREATE INDEX signing_keys_org ON signing_keys(org_id);

-- The registry's own signing key (certificates, revocations). One row is active.
CREATE TABLE registry_keys (
    keyid           TEXT PRIMARY KEY,
    private_key_pem TEXT NOT NULL,
    public_key_pem  TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    active          INTEGER NOT NULL
);

-- Every signed document the registry keeps (reports as submitted, certificates, revocations),
-- byte for byte, addressed by the SHA-256 the server computed.
CREATE TABLE envelopes (
    sha256       TEXT PRIMARY KEY,
    payload_type TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    created_at   TEXT NOT NULL
);

-- A system model: one row per (vendor, model) as reported, normalised into model_key.
CREATE TABLE systems (
    id         TEXT PRIMARY KEY,
    model_key  TEXT NOT NULL UNIQUE,
    vendor     TEXT,
    model      TEXT,
    family     TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX systems_vendor_model ON systems(vendor, model);

CREATE TABLE submissions (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organisations(id),
    report_id         TEXT NOT NULL UNIQUE,
    envelope_sha256   TEXT NOT NULL REFERENCES envelopes(sha256),
    payload_sha256    TEXT NOT NULL,
    keyid             TEXT NOT NULL REFERENCES signing_keys(keyid),
    status            TEXT NOT NULL CHECK (status IN ('submitted', 'checks_failed', 'in_review', 'approved', 'rejected', 'withdrawn')),
    system_id         TEXT NOT NULL REFERENCES systems(id),
    system_vendor     TEXT,
    system_model      TEXT,
    system_family     TEXT,
    system_sku        TEXT,
    system_board      TEXT,
    system_chassis    TEXT,
    bios_version      TEXT,
    os_id             TEXT,
    os_version        TEXT,
    os_name           TEXT,
    kernel            TEXT,
    arch              TEXT,
    plan_id           TEXT NOT NULL,
    plan_version      TEXT NOT NULL,
    plan_sha256       TEXT NOT NULL,
    tool_name         TEXT NOT NULL,
    tool_version      TEXT NOT NULL,
    verdict           TEXT NOT NULL,
    count_total       INTEGER NOT NULL,
    count_pass        INTEGER NOT NULL,
    count_fail        INTEGER NOT NULL,
    count_skip        INTEGER NOT NULL,
    count_error       INTEGER NOT NULL,
    count_timeout     INTEGER NOT NULL,
    device_count      INTEGER NOT NULL,
    report_created_at TEXT NOT NULL,
    submitted_at      TEXT NOT NULL,
    submitted_by      TEXT NOT NULL,
    previous_id       TEXT REFERENCES submissions(id),
    decided_at        TEXT,
    decided_by        TEXT,
    decision_comment  TEXT,
    updated_at        TEXT NOT NULL
);
CREATE INDEX submissions_org ON submissions(org_id, submitted_at);
CREATE INDEX submissions_status ON submissions(status, submitted_at);
CREATE INDEX submissions_system ON submissions(system_id, submitted_at);
CREATE INDEX submissions_envelope ON submissions(envelope_sha256);

-- One row per device in a submitted report, derived from the envelope in the same transaction.
CREATE TABLE submission_devices (
    submission_id TEXT NOT NULL REFERENCES submissions(id),
    position      INTEGER NOT NULL,
    bus           TEXT NOT NULL,
    identity      TEXT NOT NULL,
    base_identity TEXT NOT NULL,
    category      TEXT NOT NULL,
    class         TEXT,
    vendor_name   TEXT,
    device_name   TEXT,
    driver        TEXT,
    needs_driver  INTEGER NOT NULL,
    PRIMARY KEY (submission_id, position)
);
CREATE INDEX submission_devices_identity ON submission_devices(identity, submission_id);
CREATE INDEX submission_devices_base ON submission_devices(base_identity, submission_id);

CREATE TABLE submission_results (
    submission_id TEXT NOT NULL REFERENCES submissions(id),
    position      INTEGER NOT NULL,
    test_id       TEXT NOT NULL,
    check_kind    TEXT NOT NULL,
    area          TEXT NOT NULL,
    blocker       INTEGER NOT NULL,
    status        TEXT NOT NULL,
    duration_ms   INTEGER NOT NULL,
    message       TEXT,
    PRIMARY KEY (submission_id, position)
);

CREATE TABLE automated_checks (
    submission_id TEXT NOT NULL REFERENCES submissions(id),
    position      INTEGER NOT NULL,
    name          TEXT NOT NULL,
    outcome       TEXT NOT NULL CHECK (outcome IN ('pass', 'warn', 'fail')),
    message       TEXT NOT NULL,
    checked_at    TEXT NOT NULL,
    PRIMARY KEY (submission_id, name)
);

CREATE TABLE comments (
    id            TEXT PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions(id),
    author_id     TEXT NOT NULL,
    author_org_id TEXT,
    author_role   TEXT NOT NULL,
    author_name   TEXT NOT NULL,
    body          TEXT NOT NULL,
    created_at    TEXT NOT NULL
);
CREATE INDEX comments_submission ON comments(submission_id, created_at);

CREATE TABLE certificates (
    id                          TEXT PRIMARY KEY,
    submission_id               TEXT NOT NULL UNIQUE REFERENCES submissions(id),
    system_id                   TEXT NOT NULL REFERENCES systems(id),
    org_id                      TEXT NOT NULL REFERENCES organisations(id),
    system_vendor               TEXT NOT NULL,
    system_model                TEXT NOT NULL,
    mxos_release                TEXT NOT NULL,
    plan_id                     TEXT NOT NULL,
    plan_version                TEXT NOT NULL,
    issued_at                   TEXT NOT NULL,
    expires_at                  TEXT NOT NULL,
    status                      TEXT NOT NULL CHECK (status IN ('valid', 'revoked')),
    envelope_sha256             TEXT NOT NULL REFERENCES envelopes(sha256),
    revoked_at                  TEXT,
    revoked_by                  TEXT,
    revocation_reason           TEXT,
    revocation_envelope_sha256  TEXT REFERENCES envelopes(sha256)
);
CREATE INDEX certificates_system ON certificates(system_id);
CREATE INDEX certificates_vendor_model ON certificates(system_vendor, system_model);
CREATE INDEX certificates_issued ON certificates(issued_at);

-- Certificate issuance and revocation, in order, without gaps: the base of a transparency log.
CREATE TABLE certificate_events (
    seq             INTEGER PRIMARY KEY,
    certificate_id  TEXT NOT NULL REFERENCES certificates(id),
    kind            TEXT NOT NULL CHECK (kind IN ('issued', 'revoked')),
    at              TEXT NOT NULL,
    envelope_sha256 TEXT NOT NULL REFERENCES envelopes(sha256)
);

-- Gap-free counters (certificate numbers per year, the certificate event log), advanced with an
-- upsert inside the transaction that uses the number.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

-- Who did what, when. Append only.
CREATE TABLE audit_log (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    at           TEXT NOT NULL,
    actor_kind   TEXT NOT NULL,
    actor_id     TEXT NOT NULL,
    actor_org_id TEXT,
    actor_role   TEXT,
    actor_name   TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject_kind TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    org_id       TEXT,
    details      TEXT NOT NULL
);
CREATE INDEX audit_subject ON audit_log(subject_kind, subject_id, seq);
CREATE INDEX audit_org ON audit_log(org_id, seq);

-- The partner directory (issue 6): a vendor edits `draft`; an admin approves it into `published`.
-- Both are JSON documents whose shape the directory routes own.
CREATE TABLE directory_entries (
    org_id      TEXT PRIMARY KEY REFERENCES organisations(id),
    status      TEXT NOT NULL CHECK (status IN ('draft', 'pending', 'approved', 'rejected')),
    draft       TEXT NOT NULL,
    published   TEXT,
    updated_at  TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    reviewed_at TEXT,
    reviewed_by TEXT,
    review_note TEXT
);
