-- mxcert-registry schema v9 (postgres): what makes a signing key trustworthy (issue 13, items 7 and 8).
-- Keep in step with ../sqlite/0009_key_trust.sql.
--
-- A key revoked because it was compromised: what it signed can no longer be approved, and the
-- automated signature check of those submissions says so. NULL for every other key.
ALTER TABLE signing_keys ADD COLUMN compromised_at TEXT;

-- Proof of possession: a vendor asks for a challenge (random, single-use, bound to the
-- organisation, expiring in minutes) and registers a key with the challenge signed by it. Only
-- the challenge's SHA-256 is stored. Keys registered before this migration stay as they are.
CREATE TABLE key_challenges (
    sha256     TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organisations(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX key_challenges_expiry ON key_challenges(expires_at);
