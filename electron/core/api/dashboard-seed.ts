// Seeded request rows for the dashboard's handler tests and its Playwright spec: ~600 rows of realistic traffic
// (analytics/seed.ts) from 40 days ago up to two days ago, plus five hand-written rows a few seconds before `now`
// with known values (a routed request with a fallback and DLP findings, an unknown price, a DLP block, a cache hit).
// The budget ledger (spend_rollup) is rebuilt from the rows, as the budgets migration does, so budgets see them too.
import type { DB } from '../store/db.ts';
import { seedRequests } from '../analytics/seed.ts';

export const DAY_MS = 86_400_000;

export interface KnownRow {
  client: string | null;
  provider: string | null;
  model: string | null;
  status: number;
  errorType: string | null;
  costUsd: number | null;
  requestedCostUsd: number | null;
  attempts: number;
  routeRule: string | null;
  dlp: { type: string; count: number; action: string }[] | null;
  tags: string | null;
  cacheHit: boolean;
}

/** The hand-written rows, newest first (row i is at now - 5 s - i s). */
export const KNOWN: KnownRow[] = [
  { client: 'cursor', provider: 'openai', model: 'gpt-4o-mini', status: 200, errorType: null, costUsd: 0.9, requestedCostUsd: 1.5, attempts: 2, routeRule: 'auto:cheapest', dlp: [{ type: 'email', count: 2, action: 'mask' }], tags: 'feature=summarize,env=dev', cacheHit: false },
  { client: 'aider', provider: 'anthropic', model: 'claude-sonnet-4', status: 200, errorType: null, costUsd: 2, requestedCostUsd: 2, attempts: 1, routeRule: null, dlp: null, tags: 'feature=codegen', cacheHit: false },
  { client: 'aider', provider: 'openrouter', model: 'meta-llama/llama-3.3-70b', status: 200, errorType: null, costUsd: null, requestedCostUsd: null, attempts: 1, routeRule: null, dlp: null, tags: null, cacheHit: false },
  { client: 'cursor', provider: null, model: null, status: 403, errorType: 'dlp_blocked', costUsd: null, requestedCostUsd: null, attempts: 0, routeRule: null, dlp: [{ type: 'iban', count: 1, action: 'block' }], tags: null, cacheHit: false },
  { client: 'ci-script', provider: 'openai', model: 'gpt-4o', status: 200, errorType: null, costUsd: 0, requestedCostUsd: 0.3, attempts: 1, routeRule: null, dlp: null, tags: 'env=prod', cacheHit: true },
];

export function seedDashboard(db: DB, now: number, rows = 600): void {
  seedRequests(db, { rows, from: now - 40 * DAY_MS, to: now - 2 * DAY_MS, seed: 11 });
  const ins = db.prepare(`INSERT INTO requests (ts, client, inbound, requested_model, provider, model, status, error_type, stream,
    input_tokens, cached_tokens, cache_write_tokens, output_tokens, usage_estimated, cost_usd, requested_cost_usd, cache_hit,
    attempts, route_rule, dlp, tags, latency_ms, ttft_ms) VALUES (?, ?, 'openai', ?, ?, ?, ?, ?, 1, ?, ?, 0, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  db.transaction(() => {
    // Oldest first, so ids grow with time like real traffic.
    KNOWN.map((r, i) => [r, i] as const)
      .reverse()
      .forEach(([r, i]) => {
        const blocked = r.attempts === 0;
        const requested = r.routeRule ? 'auto' : r.model ? `${r.provider}/${r.model}` : 'openai/gpt-4o';
        ins.run(now - 5000 - i * 1000, r.client, requested, r.provider, r.model, r.status, r.errorType, blocked ? null : 1200, blocked ? null : 200, blocked ? null : 300,
          r.costUsd, r.requestedCostUsd, r.cacheHit ? 1 : 0, r.attempts, r.routeRule, r.dlp ? JSON.stringify(r.dlp) : null, r.tags, blocked ? 3 : 1500, blocked ? null : 320);
      });
    db.exec(`DELETE FROM spend_rollup;
      INSERT INTO spend_rollup (bucket, client, provider, model, requests, input_tokens, output_tokens, cost_usd, cost_unknown_requests)
      SELECT (ts / 900000) * 900000, COALESCE(client, ''), COALESCE(provider, ''), COALESCE(model, ''), COUNT(*),
        COALESCE(SUM(input_tokens), 0), COALESCE(SUM(output_tokens), 0), COALESCE(SUM(cost_usd), 0),
        SUM(CASE WHEN cost_usd IS NULL THEN 1 ELSE 0 END)
      FROM requests WHERE input_tokens IS NOT NULL OR output_tokens IS NOT NULL
      GROUP BY 1, 2, 3, 4;`);
  })();
}

/** Local midnight etc. for a fixed-offset zone (no DST), computed without Intl: an independent check of the zone maths. */
export function fixedZoneBounds(now: number, offsetMs: number): { today: number; week: number; month: number; nextMonth: number } {
  const local = new Date(now + offsetMs);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth();
  const today = Date.UTC(y, m, local.getUTCDate()) - offsetMs;
  const week = today - ((local.getUTCDay() + 6) % 7) * DAY_MS;
  return { today, week, month: Date.UTC(y, m, 1) - offsetMs, nextMonth: Date.UTC(y, m + 1, 1) - offsetMs };
}
