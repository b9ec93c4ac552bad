// Dashboard analytics (issue 11): normalised request tags, a rollup per dimension and hour/6 hours/day, and indexes for the
// request log's "errors only" / "blocked only" filters. No triggers: the gateway's write path stays as it was;
// the analytics worker fills request_tags and analytics_rollup from requests.id > analytics_state.last_id
// (electron/core/analytics/rollup.ts), in short transactions, off the gateway's event loop.
// Frozen text: the column lists below are spelled out, so later edits to analytics/ cannot change this migration.
export default `
-- x-airlock-tags parsed into key=value pairs (keys lower-cased; first occurrence of a key wins; at most 16 pairs).
CREATE TABLE request_tags (
  request_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  ts INTEGER NOT NULL,
  PRIMARY KEY (request_id, key)
) WITHOUT ROWID;
CREATE INDEX request_tags_kv_ts ON request_tags (key, value, ts);

-- Counters per dimension, key and UTC-aligned bucket of span 1 h, 6 h or 24 h (start = bucket start, ms).
-- dim: '' (total), client, model ("provider/model"), provider, tag:<key>, dlp ("type|action"), blocked (kind).
-- Counters only grow. A range is summed from the coarsest buckets that fit (analytics/queries.ts).
-- h0..h35: TTFT histogram (analytics/schema.ts).
CREATE TABLE analytics_rollup (
  dim TEXT NOT NULL,
  span INTEGER NOT NULL,
  start INTEGER NOT NULL,
  key TEXT NOT NULL,
  requests INTEGER NOT NULL DEFAULT 0,
  errors INTEGER NOT NULL DEFAULT 0,
  blocked INTEGER NOT NULL DEFAULT 0,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  cached_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL NOT NULL DEFAULT 0,
  cost_unknown INTEGER NOT NULL DEFAULT 0,
  requested_cost_usd REAL NOT NULL DEFAULT 0,
  saved_routing_usd REAL NOT NULL DEFAULT 0,
  saved_cache_usd REAL NOT NULL DEFAULT 0,
  cache_hits INTEGER NOT NULL DEFAULT 0,
  ok_requests INTEGER NOT NULL DEFAULT 0,
  latency_sum REAL NOT NULL DEFAULT 0,
  latency_n INTEGER NOT NULL DEFAULT 0,
  ttft_sum REAL NOT NULL DEFAULT 0,
  ttft_n INTEGER NOT NULL DEFAULT 0,
  findings INTEGER NOT NULL DEFAULT 0,
${Array.from({ length: 36 }, (_, i) => `  h${i} INTEGER NOT NULL DEFAULT 0,`).join('\n')}
  PRIMARY KEY (dim, span, start, key)
) WITHOUT ROWID;

-- How far the rollup has read the requests table (rows with id <= last_id are in analytics_rollup/request_tags).
CREATE TABLE analytics_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_id INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
INSERT INTO analytics_state (id, last_id, updated_at) VALUES (1, 0, 0);

-- Request log filters "errors only" and "blocked only" walk these small partial indexes, not the whole table.
CREATE INDEX requests_errors_ts ON requests (ts) WHERE status >= 400;
CREATE INDEX requests_refused_ts ON requests (ts) WHERE status IN (403, 429);
`;
