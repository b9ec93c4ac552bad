export default `
-- Model prices and capabilities the user set or added (airlock model set): override the public catalog.
-- provider is an Airlock provider id (or a catalog provider name); info is a JSON ModelInfo (USD per token).
CREATE TABLE model_overrides (
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  info TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (provider, model)
);

-- Exact response cache. key = SHA-256 of (scope, inbound protocol, provider/model, canonical request):
-- the prompt itself is never stored, only the response bytes as the client received them.
CREATE TABLE cache_entries (
  key BLOB PRIMARY KEY,
  scope TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  inbound TEXT NOT NULL,
  stream INTEGER NOT NULL,
  content_type TEXT NOT NULL,
  body BLOB NOT NULL,
  size INTEGER NOT NULL,
  usage TEXT,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  last_hit_at INTEGER NOT NULL,
  hits INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX cache_entries_lru ON cache_entries (last_hit_at);
CREATE INDEX cache_entries_expiry ON cache_entries (expires_at);
`;
