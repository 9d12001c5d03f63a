-- mxcert-registry schema v10 (sqlite): the transparency log of certificates and revocations
-- (issue 16). Keep in step with ../postgres/0010_transparency_log.sql.
--
-- Leaf i is the certificate event with sequence number i + 1: the exact bytes of the
-- registry-signed certificate or revocation envelope. Entries, complete-subtree hashes and
-- signed checkpoints are written in the transaction that issues or revokes, and never change.

-- The log's own Ed25519 key and its origin line (one row; made on first start).
CREATE TABLE tlog_key (
    id              INTEGER PRIMARY KEY CHECK (id = 1),
    origin          TEXT NOT NULL,
    private_key_pem TEXT NOT NULL,
    vkey            TEXT NOT NULL,
    created_at      TEXT NOT NULL
);

CREATE TABLE tlog_entries (
    idx       INTEGER PRIMARY KEY,
    event_seq INTEGER NOT NULL UNIQUE REFERENCES certificate_events(seq),
    bytes     BLOB NOT NULL
);

-- Hashes of complete subtrees: level 0 are leaf hashes; (level, idx) covers the leaves
-- [idx * 2^level, (idx + 1) * 2^level).
CREATE TABLE tlog_hashes (
    level INTEGER NOT NULL,
    idx   INTEGER NOT NULL,
    hash  BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- Every signed checkpoint, by tree size (C2SP tlog-checkpoint signed notes).
CREATE TABLE tlog_checkpoints (
    size       INTEGER PRIMARY KEY,
    note       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Witness cosignatures of checkpoints (C2SP tlog-cosignature signature lines).
CREATE TABLE tlog_cosignatures (
    size        INTEGER NOT NULL REFERENCES tlog_checkpoints(size),
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
    size    INTEGER NOT NULL,
    note    TEXT NOT NULL
);

CREATE TRIGGER tlog_entries_no_update BEFORE UPDATE ON tlog_entries
BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only: tlog_entries cannot change'); END;
CREATE TRIGGER tlog_entries_no_delete BEFORE DELETE ON tlog_entries
BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only: tlog_entries cannot change'); END;
CREATE TRIGGER tlog_hashes_no_update BEFORE UPDATE ON tlog_hashes
BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only: tlog_hashes cannot change'); END;
CREATE TRIGGER tlog_hashes_no_delete BEFORE DELETE ON tlog_hashes
BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only: tlog_hashes cannot change'); END;
CREATE TRIGGER tlog_checkpoints_no_update BEFORE UPDATE ON tlog_checkpoints
BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only: tlog_checkpoints cannot change'); END;
CREATE TRIGGER tlog_checkpoints_no_delete BEFORE DELETE ON tlog_checkpoints
BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only: tlog_checkpoints cannot change'); END;
CREATE TRIGGER tlog_cosignatures_no_update BEFORE UPDATE ON tlog_cosignatures
BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only: tlog_cosignatures cannot change'); END;
CREATE TRIGGER tlog_cosignatures_no_delete BEFORE DELETE ON tlog_cosignatures
BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only: tlog_cosignatures cannot change'); END;
CREATE TRIGGER tlog_key_no_update BEFORE UPDATE ON tlog_key
BEGIN SELECT RAISE(ABORT, 'the transparency log key cannot change'); END;
CREATE TRIGGER tlog_key_no_delete BEFORE DELETE ON tlog_key
BEGIN SELECT RAISE(ABORT, 'the transparency log key cannot change'); END;
