export default `
-- User budgets (team-policy budgets live in the signed bundle, not here). One per scope and window.
CREATE TABLE budgets (
  id INTEGER PRIMARY KEY,
  scope TEXT NOT NULL,
  period TEXT NOT NULL CHECK (period IN ('day', 'week', 'month')),
  limit_usd REAL,
  limit_tokens INTEGER,
  mode TEXT NOT NULL CHECK (mode IN ('hard', 'soft')),
  warn_at_pct REAL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (scope, period),
  CHECK (limit_usd IS NOT NULL OR limit_tokens IS NOT NULL)
);

-- Requests and tokens per minute, per client token or provider.
CREATE TABLE rate_limits (
  scope TEXT PRIMARY KEY,
  rpm INTEGER,
  tpm INTEGER,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK (rpm IS NOT NULL OR tpm IS NOT NULL)
);

-- Spend rolled up per 15-minute UTC bucket (every time zone's midnight falls on one) and client/provider/model,
-- so a budget's window spend is a short range sum, whatever the window and however big the request log.
CREATE TABLE spend_rollup (
  bucket INTEGER NOT NULL,
  client TEXT NOT NULL,
  provider TEXT NOT NULL,
  model TEXT NOT NULL,
  requests INTEGER NOT NULL DEFAULT 0,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL NOT NULL DEFAULT 0,
  cost_unknown_requests INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (bucket, client, provider, model)
) WITHOUT ROWID;

-- Budget reservations of requests in flight, so \`budget list\` in another process sees them. Owned by one gateway
-- instance; the next gateway start on this data directory deletes every row it does not own.
CREATE TABLE budget_reservations (
  id TEXT PRIMARY KEY,
  instance TEXT NOT NULL,
  pid INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  scopes TEXT NOT NULL,
  usd REAL NOT NULL,
  tokens INTEGER NOT NULL
);

INSERT INTO spend_rollup (bucket, client, provider, model, requests, input_tokens, output_tokens, cost_usd, cost_unknown_requests)
  SELECT (ts / 900000) * 900000, COALESCE(client, ''), COALESCE(provider, ''), COALESCE(model, ''), COUNT(*),
    COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0), COALESCE(SUM(cost_usd), 0),
    SUM(CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END)
  FROM requests WHERE input_tokens IS NOT NULL OR output_tokens IS NOT NULL
  GROUP BY 1, 2, 3, 4;
`;
