import type { DB } from './db.ts';

/** One gateway call, as recorded. Types and counts only: never prompt or completion text. */
export interface RequestRow {
  ts: number;
  client: string | null;
  inbound: string;
  requestedModel: string | null;
  provider: string | null;
  model: string | null;
  status: number;
  errorType: string | null;
  stream: boolean;
  inputTokens: number | null;
  cachedTokens: number | null;
  cacheWriteTokens: number | null;
  outputTokens: number | null;
  usageEstimated: boolean;
  costUsd: number | null;
  requestedCostUsd: number | null;
  cacheHit: boolean;
  attempts: number;
  routeRule: string | null;
  dlp: string | null;
  tags: string | null;
  latencyMs: number | null;
  ttftMs: number | null;
}

/** The requests table's column for each RequestRow field: the one list the writer and the request log read. */
export const REQUEST_COLUMNS: { readonly [K in keyof RequestRow]: string } = {
  ts: 'ts',
  client: 'client',
  inbound: 'inbound',
  requestedModel: 'requested_model',
  provider: 'provider',
  model: 'model',
  status: 'status',
  errorType: 'error_type',
  stream: 'stream',
  inputTokens: 'input_tokens',
  cachedTokens: 'cached_tokens',
  cacheWriteTokens: 'cache_write_tokens',
  outputTokens: 'output_tokens',
  usageEstimated: 'usage_estimated',
  costUsd: 'cost_usd',
  requestedCostUsd: 'requested_cost_usd',
  cacheHit: 'cache_hit',
  attempts: 'attempts',
  routeRule: 'route_rule',
  dlp: 'dlp',
  tags: 'tags',
  latencyMs: 'latency_ms',
  ttftMs: 'ttft_ms',
};

const FIELDS = Object.keys(REQUEST_COLUMNS) as (keyof RequestRow)[];
const INSERT = `INSERT INTO requests (${FIELDS.map((f) => REQUEST_COLUMNS[f]).join(', ')}) VALUES (${FIELDS.map((f) => `@${f}`).join(', ')})`;

/**
 * The request log's writer. Rows are queued and written in one transaction at most every FLUSH_MS, so the
 * hot path never waits on SQLite and a busy second costs ~10 commits, not one per request. A crash can lose
 * at most the last FLUSH_MS of rows; a clean shutdown flushes.
 */
export class RequestLog {
  private readonly db: DB;
  private readonly insert;
  private queue: RequestRow[] = [];
  private scheduled = false;
  private readonly writeBatch;
  /** Called after each committed batch (e.g. to update live dashboards). */
  onFlush: ((rows: RequestRow[]) => void) | null = null;

  constructor(db: DB) {
    this.db = db;
    this.insert = db.prepare(INSERT);
    this.writeBatch = db.transaction((rows: RequestRow[]) => {
      for (const r of rows) this.insert.run({ ...r, stream: r.stream ? 1 : 0, usageEstimated: r.usageEstimated ? 1 : 0, cacheHit: r.cacheHit ? 1 : 0 });
    });
  }

  record(row: RequestRow): void {
    this.queue.push(row);
    if (!this.scheduled) {
      this.scheduled = true;
      setTimeout(() => this.flush(), RequestLog.FLUSH_MS).unref();
    }
  }

  static FLUSH_MS = 100;

  flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    const rows = this.queue;
    this.queue = [];
    try {
      this.writeBatch(rows);
    } catch (err) {
      // A busy or full disk must not take the gateway down; the rows are reported, not silently lost.
      console.error(`airlock: could not write ${rows.length} request log row(s): ${(err as Error).message}`);
      return;
    }
    this.onFlush?.(rows);
  }
}

export type UsageGroupBy = 'client' | 'model' | 'provider';

export interface UsageTotals {
  requests: number;
  errors: number;
  input_tokens: number;
  cached_input_tokens: number;
  output_tokens: number;
  /** Sum of known costs; requests whose price is unknown are counted in cost_unknown_requests. */
  cost_usd: number;
  cost_unknown_requests: number;
  /** Requests answered from Airlock's response cache (their tokens are not in the token sums). */
  cache_hits: number;
}

export interface UsageReport extends UsageTotals {
  since: string | null;
  by: UsageGroupBy | null;
  groups: (UsageTotals & { key: string | null })[];
}

// Tokens count what went to providers: a response-cache hit sent nothing, so its tokens are not summed
// (it is counted in cache_hits instead).
const TOTALS_SQL = `COUNT(*) AS requests,
  SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END) AS errors,
  SUM(cache_hit) AS cache_hits,
  COALESCE(SUM(CASE WHEN cache_hit = 0 THEN input_tokens END), 0) AS input_tokens,
  COALESCE(SUM(CASE WHEN cache_hit = 0 THEN cached_tokens END), 0) AS cached_input_tokens,
  COALESCE(SUM(CASE WHEN cache_hit = 0 THEN output_tokens END), 0) AS output_tokens,
  COALESCE(SUM(cost_usd), 0) AS cost_usd,
  SUM(CASE WHEN cost_usd IS NULL AND cache_hit = 0 AND (input_tokens IS NOT NULL OR output_tokens IS NOT NULL) THEN 1 ELSE 0 END) AS cost_unknown_requests`;

const GROUP_COLUMN: Record<UsageGroupBy, string> = { client: 'client', model: "COALESCE(provider || '/' || model, requested_model)", provider: 'provider' };

export function usageReport(db: DB, opts: { since?: number | null; by?: UsageGroupBy | null } = {}): UsageReport {
  const since = opts.since ?? null;
  const where = since === null ? '' : 'WHERE ts >= @since';
  const totals = db.prepare(`SELECT ${TOTALS_SQL} FROM requests ${where}`).get({ since }) as UsageTotals;
  let groups: UsageReport['groups'] = [];
  if (opts.by) {
    const col = GROUP_COLUMN[opts.by];
    groups = db.prepare(`SELECT ${col} AS key, ${TOTALS_SQL} FROM requests ${where} GROUP BY 1 ORDER BY cost_usd DESC, requests DESC`).all({ since }) as UsageReport['groups'];
  }
  const norm = <T extends UsageTotals>(t: T): T => ({ ...t, errors: t.errors ?? 0, cache_hits: t.cache_hits ?? 0, cost_unknown_requests: t.cost_unknown_requests ?? 0, cost_usd: round(t.cost_usd) });
  return { ...norm(totals), since: since === null ? null : new Date(since).toISOString(), by: opts.by ?? null, groups: groups.map(norm) };
}

const round = (x: number): number => Math.round(x * 1e9) / 1e9;
