export default `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL, updated_at INTEGER NOT NULL);

-- Providers hold no key material: a key lives in the OS keychain or in an environment variable named here.
CREATE TABLE providers (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  preset TEXT,
  base_url TEXT NOT NULL,
  key_env TEXT,
  options TEXT NOT NULL DEFAULT '{}',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

-- Client tokens: only the SHA-256 of the token is stored.
CREATE TABLE clients (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  token_hash BLOB NOT NULL UNIQUE,
  token_hint TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER,
  last_used_at INTEGER
);

-- One row per gateway call. Types and counts only: no prompt or completion text.
CREATE TABLE requests (
  id INTEGER PRIMARY KEY,
  ts INTEGER NOT NULL,
  client TEXT,
  inbound TEXT NOT NULL,
  requested_model TEXT,
  provider TEXT,
  model TEXT,
  status INTEGER NOT NULL,
  error_type TEXT,
  stream INTEGER NOT NULL DEFAULT 0,
  input_tokens INTEGER,
  cached_tokens INTEGER,
  cache_write_tokens INTEGER,
  output_tokens INTEGER,
  usage_estimated INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL,
  requested_cost_usd REAL,
  cache_hit INTEGER NOT NULL DEFAULT 0,
  attempts INTEGER NOT NULL DEFAULT 1,
  route_rule TEXT,
  dlp TEXT,
  tags TEXT,
  latency_ms REAL,
  ttft_ms REAL
);
CREATE INDEX requests_ts ON requests (ts);
CREATE INDEX requests_client_ts ON requests (client, ts);
CREATE INDEX requests_model_ts ON requests (model, ts);
CREATE INDEX requests_provider_ts ON requests (provider, ts);
`;
