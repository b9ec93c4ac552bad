// The analytics methods, by name: what the worker answers and what AnalyticsService exposes. One table, so the
// worker, the inline mode and the app API see the same inputs and outputs.
import type { DB } from '../store/db.ts';
import { csvChunk, requestLog, type LogFilter, type LogPage, type LogPageInput } from './log.ts';
import { breakdown, dlpSeries, savings, spendSeries, tagKeys, totals } from './queries.ts';
import type { BreakdownOutput, DlpSeriesOutput, GroupBy, SavingsOutput, SeriesOutput, TotalsOutput } from './queries.ts';
import type { Rollup, CatchUpResult } from './rollup.ts';
import type { PeriodUnit } from './time.ts';

export interface AnalyticsStatus {
  /** Requests rows not rolled up yet (queries still count them, from the raw rows). */
  pending: number;
  lastId: number;
  /** Whether this worker maintains the rollup (false: read-only, another process does). */
  maintaining: boolean;
}

export interface AnalyticsMethods {
  spendSeries(p: { zone: string; from: number; to: number; unit: PeriodUnit; by: GroupBy; top?: number; weekStart?: number }): SeriesOutput;
  totals(p: { zone: string; now?: number; weekStart?: number }): TotalsOutput;
  breakdown(p: { from: number; to: number; by: GroupBy }): BreakdownOutput;
  savings(p: { from: number; to: number }): SavingsOutput;
  dlpSeries(p: { zone: string; from: number; to: number; unit: PeriodUnit; weekStart?: number }): DlpSeriesOutput;
  tagKeys(p: { limit?: number }): string[];
  requestLog(p: LogPageInput): LogPage;
  csvChunk(p: { filter: LogFilter; cursor: string | null; rows?: number }): { text: string; nextCursor: string | null };
  status(p: Record<string, never>): AnalyticsStatus;
  catchUp(p: { maxMs?: number }): CatchUpResult | null;
}
export type AnalyticsMethod = keyof AnalyticsMethods;

export interface Ctx {
  ro: DB;
  rollup: Rollup | null;
}

export const HANDLERS: { [K in AnalyticsMethod]: (ctx: Ctx, p: Parameters<AnalyticsMethods[K]>[0]) => ReturnType<AnalyticsMethods[K]> } = {
  spendSeries: (c, p) => spendSeries(c.ro, p),
  totals: (c, p) => totals(c.ro, p),
  breakdown: (c, p) => breakdown(c.ro, p),
  savings: (c, p) => savings(c.ro, p),
  dlpSeries: (c, p) => dlpSeries(c.ro, p),
  tagKeys: (c, p) => tagKeys(c.ro, p?.limit),
  requestLog: (c, p) => requestLog(c.ro, p ?? {}),
  csvChunk: (c, p) => csvChunk(c.ro, p.filter ?? {}, p.cursor ?? null, p.rows),
  status: (c) => {
    const lastId = c.ro.prepare('SELECT last_id FROM analytics_state WHERE id = 1').pluck().get() as number;
    const max = c.ro.prepare('SELECT COALESCE(MAX(id), 0) FROM requests').pluck().get() as number;
    return { pending: Math.max(0, max - lastId), lastId, maintaining: c.rollup !== null };
  },
  catchUp: (c, p) => (c.rollup ? c.rollup.catchUp({ maxMs: p?.maxMs ?? 1000 }) : null),
};
