export default `
-- Semantic (similarity) cache index. Each row points at an exact-cache entry (cache_entries.key) and holds the
-- embedding of the request's last user turn: a later request whose skey matches exactly (same client scope,
-- protocol, provider/model, embedding model, parameters, system prompt and earlier turns) and whose last user
-- turn embeds within the route's similarity threshold is answered with that entry. No prompt text is stored:
-- the vector (float32 little-endian) and hashes only.
-- When the sqlite-vec extension loads, a vec0 virtual table per vector size (semantic_vec_<dims>, created at
-- run time: a migration cannot rely on the extension) mirrors these rows by rowid for nearest-neighbour search.
CREATE TABLE semantic_entries (
  id INTEGER PRIMARY KEY,
  entry_key BLOB NOT NULL UNIQUE,
  skey BLOB NOT NULL,
  embed_model TEXT NOT NULL,
  dims INTEGER NOT NULL,
  vector BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  hits INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX semantic_entries_skey ON semantic_entries (skey);
CREATE INDEX semantic_entries_expiry ON semantic_entries (expires_at);

-- An exact entry that goes (evicted, expired, cleared, from any process) takes its semantic row with it.
CREATE TRIGGER cache_entries_semantic_gc AFTER DELETE ON cache_entries BEGIN
  DELETE FROM semantic_entries WHERE entry_key = old.key;
END;
`;
