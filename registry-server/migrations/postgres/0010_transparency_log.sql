-- mxcert-registry schema v10 (postgres): the transparency log of certificates and revocations
-- (issue 16). Keep in step with ../sqlite/0010_transparency_log.sql.
--
-- Leaf i is the certificate event with sequence number i + 1: the exact bytes of the
-- registry-signed certificate or revocation envelope. Entries, complete-subtree hashes and
-- signed checkpoints are written in the transaction that issues or revokes, and never change.
-- Appends are serialised across processes by the row lock on counters('certificate-events'),
-- held from the event's number to the commit.

-- The log's own Ed25519 key and its origin line (one row; made on first start).
CREATE TABLE tlog_key (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    origin          TEXT NOT NULL,
    private_key_pem TEXT NOT NULL,
    vkey            TEXT NOT NULL,
    created_at      TEXT NOT NULL
);

CREATE TABLE tlog_entries (
    idx       BIGINT PRIMARY KEY,
    event_seq BIGINT NOT NULL UNIQUE REFERENCES certificate_events(seq),
    bytes     BYTEA NOT NULL
);

-- Hashes of complete subtrees: level 0 are leaf hashes; (level, idx) covers the leaves
-- [idx * 2^level, (idx + 1) * 2^level).
CREATE TABLE tlog_hashes (
    level INTEGER NOT NULL,
    idx   BIGINT NOT NULL,
    hash  BYTEA NOT NULL,
    PRIMARY KEY (level, idx)
);

-- Every signed checkpoint, by tree size (C2SP tlog-checkpoint signed notes).
CREATE TABLE tlog_checkpoints (
    size       BIGINT PRIMARY KEY,
    note       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Witness cosignatures of checkpoints (C2SP tlog-cosignature signature lines).
CREATE TABLE tlog_cosignatures (
    size        BIGINT NOT NULL REFERENCES tlog_checkpoints(size),
    witness     TEXT NOT NULL,
    key_hash    TEXT NOT NULL,
    line        TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (size, witness, key_hash)
);

-- The largest size each configured witness has seen of this log: a checkpoint that conflicts
-- with it is never signed. Only grows.
CREATE TABLE tlog_witness_state (
    witness TEXT PRIMARY KEY,
    size    BIGINT NOT NULL,
    note    TEXT NOT NULL
);

CREATE FUNCTION tlog_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the transparency log is append-only: % cannot change', TG_TABLE_NAME;
END;
$$;

CREATE TRIGGER tlog_entries_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON tlog_entries
    FOR EACH STATEMENT EXECUTE FUNCTION tlog_append_only();
CREATE TRIGGER tlog_hashes_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON tlog_hashes
    FOR EACH STATEMENT EXECUTE FUNCTION tlog_append_only();
CREATE TRIGGER tlog_checkpoints_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON tlog_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION tlog_append_only();
CREATE TRIGGER tlog_cosignatures_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON tlog_cosignatures
    FOR EACH STATEMENT EXECUTE FUNCTION tlog_append_only();
CREATE TRIGGER tlog_key_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON tlog_key
    FOR EACH STATEMENT EXECUTE FUNCTION tlog_append_only();
