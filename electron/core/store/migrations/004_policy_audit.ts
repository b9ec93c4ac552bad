// Team policy state (issue 8) and the tamper-evident audit log.
export default `
-- The installed policy bundle (one row) and every bundle version this install ever accepted, per tenant:
-- the highest version refuses rollbacks, the stored sha256 per version refuses forks (same version, other content).
CREATE TABLE policy_installed (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  tenant TEXT NOT NULL,
  bundle_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  envelope BLOB NOT NULL,
  installed_at INTEGER NOT NULL
);
CREATE TABLE policy_versions (
  tenant TEXT NOT NULL,
  version INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  first_seen_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, version)
);
-- Rotated trust anchors (version 2+), each verified against its predecessor before it is stored.
CREATE TABLE policy_trust (
  tenant TEXT NOT NULL,
  version INTEGER NOT NULL,
  envelope BLOB NOT NULL,
  installed_at INTEGER NOT NULL,
  PRIMARY KEY (tenant, version)
);
-- Where the app polls for bundles: ETag and last result (no secrets).
CREATE TABLE policy_fetch (
  url TEXT PRIMARY KEY,
  etag TEXT,
  checked_at INTEGER NOT NULL,
  status TEXT NOT NULL
);

-- Append-only, hash-chained: hash = SHA-256 of the canonical JSON of (seq, ts, type, data, prev);
-- prev = the previous entry's hash (64 zeros for the first). data holds types and counts, never secrets or prompts.
CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  type TEXT NOT NULL,
  data TEXT NOT NULL,
  prev TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_log_ts ON audit_log (ts);
CREATE INDEX audit_log_type ON audit_log (type, seq);
-- Signed statements "entry #seq has hash H" by this device's Ed25519 key.
CREATE TABLE audit_checkpoints (
  id INTEGER PRIMARY KEY,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL,
  ts INTEGER NOT NULL,
  keyid TEXT NOT NULL,
  pub TEXT NOT NULL,
  sig TEXT NOT NULL
);
CREATE TABLE audit_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;
