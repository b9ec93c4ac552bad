import type { DB } from '../store/db.ts';
import type { BudgetWindow } from './windows.ts';
import { parseScope, type Scope } from './scopes.ts';

export type BudgetMode = 'hard' | 'soft';

/** A budget as enforced: a user's (stored here) or a team policy's (from the signed bundle). */
export interface BudgetDef {
  /** A user budget's row id as text, or 'policy:<n>' for the n-th budget of the managed policy. */
  id: string;
  scope: string;
  window: BudgetWindow;
  limitUsd: number | null;
  limitTokens: number | null;
  mode: BudgetMode;
  /** Percent of the limit at which a warning event fires (null: none before the limit). */
  warnAtPct: number | null;
  /** Who manages it ("team policy 'acme' v3"), or null for the user's own. */
  managedBy: string | null;
}

export interface RateLimitDef {
  scope: string;
  rpm: number | null;
  tpm: number | null;
}

export interface WindowSpend {
  usd: number;
  tokens: number;
  requests: number;
  unknownCostRequests: number;
}

export interface RollupRow {
  bucket: number;
  client: string;
  provider: string;
  model: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  costUnknown: number;
}

export interface ReservationRow {
  id: string;
  instance: string;
  pid: number;
  createdAt: number;
  /** State keys ('<scope>|<window>') the reservation holds amounts in. */
  scopes: string[];
  usd: number;
  tokens: number;
}

/** Spend is rolled up per 15 minutes: every time zone's midnight (offsets are whole quarter hours) falls on a bucket edge. */
export const BUCKET_MS = 15 * 60_000;
export const bucketOf = (ts: number): number => Math.floor(ts / BUCKET_MS) * BUCKET_MS;

const SPEND_COLS = `COALESCE(SUM(cost_usd), 0) AS usd, COALESCE(SUM(input_tokens + output_tokens), 0) AS tokens,
  COALESCE(SUM(requests), 0) AS requests, COALESCE(SUM(cost_unknown_requests), 0) AS unknownCostRequests`;

/** SQLite access for budgets, rate limits, the spend rollup and reservations. Short prepared statements only. */
export class BudgetRepo {
  private readonly db: DB;
  private readonly spendStmts;
  private readonly upsertRollup;
  private readonly insertReservation;
  private readonly deleteReservation;
  /** Called after writes to definitions, so this process's gateway reloads them. */
  onChange: (() => void) | null = null;

  constructor(db: DB) {
    this.db = db;
    const where = 'FROM spend_rollup WHERE bucket >= @start AND bucket < @end';
    this.spendStmts = {
      global: db.prepare(`SELECT ${SPEND_COLS} ${where}`),
      client: db.prepare(`SELECT ${SPEND_COLS} ${where} AND client = @client`),
      provider: db.prepare(`SELECT ${SPEND_COLS} ${where} AND provider = @provider`),
      model: db.prepare(`SELECT ${SPEND_COLS} ${where} AND provider = @provider AND model = @model`),
    };
    this.upsertRollup = db.prepare(`INSERT INTO spend_rollup (bucket, client, provider, model, requests, input_tokens, output_tokens, cost_usd, cost_unknown_requests)
      VALUES (@bucket, @client, @provider, @model, @requests, @inputTokens, @outputTokens, @costUsd, @costUnknown)
      ON CONFLICT (bucket, client, provider, model) DO UPDATE SET requests = requests + excluded.requests,
        input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
        cost_usd = cost_usd + excluded.cost_usd, cost_unknown_requests = cost_unknown_requests + excluded.cost_unknown_requests`);
    this.insertReservation = db.prepare(
      'INSERT OR REPLACE INTO budget_reservations (id, instance, pid, created_at, scopes, usd, tokens) VALUES (@id, @instance, @pid, @createdAt, @scopes, @usd, @tokens)',
    );
    this.deleteReservation = db.prepare('DELETE FROM budget_reservations WHERE id = ?');
  }

  // -- budgets ------------------------------------------------------------------------------------------------

  listBudgets(): BudgetDef[] {
    const rows = this.db.prepare('SELECT id, scope, period, limit_usd, limit_tokens, mode, warn_at_pct FROM budgets ORDER BY scope, period').all() as any[];
    return rows.map((r) => ({
      id: String(r.id),
      scope: r.scope,
      window: r.period,
      limitUsd: r.limit_usd,
      limitTokens: r.limit_tokens,
      mode: r.mode,
      warnAtPct: r.warn_at_pct,
      managedBy: null,
    }));
  }

  /** Creates or replaces the budget for (scope, window). */
  setBudget(b: { scope: string; window: BudgetWindow; limitUsd: number | null; limitTokens: number | null; mode: BudgetMode; warnAtPct: number | null }): BudgetDef {
    const now = Date.now();
    this.db
      .prepare(`INSERT INTO budgets (scope, period, limit_usd, limit_tokens, mode, warn_at_pct, created_at, updated_at)
        VALUES (@scope, @window, @limitUsd, @limitTokens, @mode, @warnAtPct, @now, @now)
        ON CONFLICT (scope, period) DO UPDATE SET limit_usd = excluded.limit_usd, limit_tokens = excluded.limit_tokens,
          mode = excluded.mode, warn_at_pct = excluded.warn_at_pct, updated_at = excluded.updated_at`)
      .run({ ...b, now });
    this.onChange?.();
    return this.listBudgets().find((x) => x.scope === b.scope && x.window === b.window)!;
  }

  removeBudget(by: { id: string } | { scope: string; window: BudgetWindow }): BudgetDef | null {
    const found = this.listBudgets().find((b) => ('id' in by ? b.id === by.id : b.scope === by.scope && b.window === by.window));
    if (!found) return null;
    this.db.prepare('DELETE FROM budgets WHERE id = ?').run(Number(found.id));
    this.onChange?.();
    return found;
  }

  // -- rate limits --------------------------------------------------------------------------------------------

  listRateLimits(): RateLimitDef[] {
    return this.db.prepare('SELECT scope, rpm, tpm FROM rate_limits ORDER BY scope').all() as RateLimitDef[];
  }

  setRateLimit(l: RateLimitDef): void {
    const now = Date.now();
    this.db
      .prepare(`INSERT INTO rate_limits (scope, rpm, tpm, created_at, updated_at) VALUES (@scope, @rpm, @tpm, @now, @now)
        ON CONFLICT (scope) DO UPDATE SET rpm = excluded.rpm, tpm = excluded.tpm, updated_at = excluded.updated_at`)
      .run({ ...l, now });
    this.onChange?.();
  }

  removeRateLimit(scope: string): boolean {
    const n = this.db.prepare('DELETE FROM rate_limits WHERE scope = ?').run(scope).changes;
    if (n) this.onChange?.();
    return n > 0;
  }

  // -- spend ----------------------------------------------------------------------------------------------------

  /** Spend of one scope in [start, end), from the rollup. */
  spend(scope: Scope | string, start: number, end: number): WindowSpend {
    const s = typeof scope === 'string' ? parseScope(scope) : scope;
    const r = this.spendStmts[s.kind].get({ start, end, client: s.client ?? null, provider: s.provider ?? null, model: s.model ?? null }) as WindowSpend;
    return { usd: r.usd, tokens: r.tokens, requests: r.requests, unknownCostRequests: r.unknownCostRequests };
  }

  // -- batched writes (the gateway's settle path) -------------------------------------------------------------

  /** Writes one batch in one transaction: rollup increments, new reservations, finished reservations. */
  writeBatch(rollup: Iterable<RollupRow>, inserts: Iterable<ReservationRow>, deletes: Iterable<string>): void {
    this.db.transaction(() => {
      for (const r of rollup) this.upsertRollup.run(r);
      for (const r of inserts) this.insertReservation.run({ ...r, scopes: JSON.stringify(r.scopes) });
      for (const id of deletes) this.deleteReservation.run(id);
    })();
  }

  reservations(): ReservationRow[] {
    const rows = this.db.prepare('SELECT id, instance, pid, created_at AS createdAt, scopes, usd, tokens FROM budget_reservations').all() as any[];
    return rows.map((r) => ({ ...r, scopes: JSON.parse(r.scopes) as string[] }));
  }

  /** Deletes every reservation not owned by `instance` (left by a gateway that crashed or was killed). */
  clearForeignReservations(instance: string): number {
    return this.db.prepare('DELETE FROM budget_reservations WHERE instance != ?').run(instance).changes;
  }
}
