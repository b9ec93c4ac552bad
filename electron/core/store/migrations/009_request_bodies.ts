// Stored prompts and answers of gateway traffic (opt-in: Settings "Store prompts", never when the effective
// policy's retention.storePrompts is false). One row per gateway call, keyed by the request id the client got
// in x-airlock-request-id; written at settle AFTER DLP masking (masked values stay placeholders) with provider
// keys and client tokens redacted; deleted with the request log's retention (electron/core/bodies/).
export default `
CREATE TABLE request_bodies (
  request_id TEXT PRIMARY KEY,
  ts INTEGER NOT NULL,
  client TEXT,
  inbound TEXT NOT NULL,
  model TEXT,
  status INTEGER NOT NULL,
  -- The request as it went upstream (JSON text), after DLP masking.
  request TEXT NOT NULL,
  -- The answer's texts as the provider returned them, after the output scan: JSON [{"part": "...", "text": "..."}].
  response TEXT NOT NULL,
  -- 1 when the request or the answer was cut at the size cap.
  truncated INTEGER NOT NULL DEFAULT 0,
  cache_hit INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX request_bodies_ts ON request_bodies (ts);
`;
