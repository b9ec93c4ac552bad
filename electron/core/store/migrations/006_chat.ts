// The chat workspace (issue 10): conversations, their messages, and an FTS5 index over message text kept in
// sync by triggers. Chat history is the user's own data, stored locally only (the gateway's request rows never
// hold prompt text). Frozen text: never edit a shipped migration; add a new one.
export default `
CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL DEFAULT '',
  -- 1 while the title is the automatic one (a truncation of the first user message); 0 once renamed.
  title_auto INTEGER NOT NULL DEFAULT 1,
  pinned INTEGER NOT NULL DEFAULT 0,
  model TEXT NOT NULL DEFAULT 'auto',
  system_prompt TEXT NOT NULL DEFAULT '',
  temperature REAL,
  max_tokens INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  -- Soft delete: set on delete, cleared by undo; rows deleted more than a while ago are purged.
  deleted_at INTEGER,
  message_count INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL NOT NULL DEFAULT 0,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX conversations_recent ON conversations (pinned DESC, updated_at DESC) WHERE deleted_at IS NULL;
CREATE INDEX conversations_deleted ON conversations (deleted_at) WHERE deleted_at IS NOT NULL;

-- seq is 1..message_count without gaps (edits and regenerations truncate the tail), so a message's position is
-- seq - 1 and the UI can page by range.
CREATE TABLE messages (
  -- AUTOINCREMENT: ids are never reused after a truncation, so a UI holding an old id cannot mistake a new message for it.
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
  content TEXT NOT NULL DEFAULT '',
  attachments TEXT,
  status TEXT NOT NULL DEFAULT 'done' CHECK (status IN ('done', 'streaming', 'stopped', 'error', 'blocked')),
  error TEXT,
  requested_model TEXT,
  provider TEXT,
  model TEXT,
  input_tokens INTEGER,
  output_tokens INTEGER,
  cached_tokens INTEGER,
  cost_usd REAL,
  cache_hit INTEGER NOT NULL DEFAULT 0,
  dlp TEXT,
  latency_ms REAL,
  created_at INTEGER NOT NULL,
  UNIQUE (conversation_id, seq)
);

CREATE VIRTUAL TABLE messages_fts USING fts5 (content, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER messages_fts_ai AFTER INSERT ON messages BEGIN
  INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER messages_fts_ad AFTER DELETE ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER messages_fts_au AFTER UPDATE OF content ON messages BEGIN
  INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.id, old.content);
  INSERT INTO messages_fts (rowid, content) VALUES (new.id, new.content);
END;
`;
