// The dashboard screens' handlers (shared/api/dashboard.ts): Spend dashboard, Request log, Budgets and the DLP view.
// Spend, log and DLP queries go to core.analytics (a worker thread with its own read-only SQLite connection, started
// on first use), so neither the gateway's event loop nor Electron's main process waits on an aggregation. Budgets
// come from core.budgets (the same numbers as `airlock budget list`) and are changed with the CLI's admin functions.
import type { z } from 'zod';
import type { Core } from '../core.ts';
import { ApiError } from '../../../shared/api/errors.ts';
import type { dashboardMethods, BudgetView, DlpOverview, LogFilter } from '../../../shared/api/dashboard.ts';
import type { GroupBy } from '../analytics/queries.ts';
import type { LogFilter as CoreLogFilter } from '../analytics/log.ts';
import { periodAt, type PeriodUnit } from '../analytics/time.ts';
import { removeBudget, setBudget } from '../budget/admin.ts';
import type { BudgetStatus } from '../budget/service.ts';

type Methods = typeof dashboardMethods;
export type DashboardHandlers = {
  [M in keyof Methods]: (input: z.output<Methods[M]['input']>) => Promise<z.output<Methods[M]['output']>> | z.output<Methods[M]['output']>;
};

/** How far back the chart goes when the caller does not say: 30 days, 12 weeks, 12 months. */
export const DEFAULT_PERIODS: Record<PeriodUnit, number> = { day: 30, week: 12, month: 12 };

/** The last `n` whole periods of `unit` in `zone`, the current one included: [from, to). */
export function periodRange(zone: string, unit: PeriodUnit, n: number, now: number, weekStart = 1): { from: number; to: number } {
  let p = periodAt(zone, now, unit, weekStart);
  const to = p.end;
  for (let i = 1; i < n; i++) p = periodAt(zone, p.start - 1, unit, weekStart);
  return { from: p.start, to };
}

/** ok / warn / exceeded from what is spent (reservations are shown, not counted: they settle or are released). */
export function budgetState(b: Pick<BudgetStatus, 'usedPct' | 'warnAtPct'>): BudgetView['state'] {
  if (b.usedPct >= 100) return 'exceeded';
  if (b.warnAtPct !== null && b.warnAtPct > 0 && b.usedPct >= b.warnAtPct) return 'warn';
  return 'ok';
}

function toView(b: BudgetStatus): BudgetView {
  return {
    id: b.id,
    scope: b.scope,
    window: b.window,
    mode: b.mode,
    limitUsd: b.limitUsd,
    limitTokens: b.limitTokens,
    warnAtPct: b.warnAtPct,
    managedBy: b.managedBy,
    zone: b.zone,
    windowStart: b.windowStart,
    resetsAt: b.resetsAt,
    resetsAtMs: b.resetsAtMs,
    spentUsd: b.spentUsd,
    spentTokens: b.spentTokens,
    reservedUsd: b.reservedUsd,
    reservedTokens: b.reservedTokens,
    requests: b.requests,
    costUnknownRequests: b.costUnknownRequests,
    // Infinity (a limit of 0 with spend) does not survive JSON.
    usedPct: Number.isFinite(b.usedPct) ? b.usedPct : 1e9,
    state: budgetState(b),
  };
}

function coreFilter(f: LogFilter | undefined): CoreLogFilter {
  const out: CoreLogFilter = {};
  if (!f) return out;
  if (f.from !== undefined) out.from = f.from;
  if (f.to !== undefined) out.to = f.to;
  if (f.from !== undefined && f.to !== undefined && f.to <= f.from) throw new ApiError('invalid_input', 'The time range is empty: "from" must be before "to".');
  if (f.client !== undefined) out.client = f.client;
  if (f.model !== undefined) out.model = f.model;
  if (f.provider !== undefined) out.provider = f.provider;
  if (f.status !== undefined) out.status = f.status;
  if (f.blocked) out.blocked = true;
  if (f.tag) out.tag = { key: f.tag.key, value: f.tag.value };
  return out;
}

/** Lines of a CSV chunk outside quoted fields (a quoted field may hold a line break). */
export function csvLines(text: string): number {
  let n = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) quoted = !quoted;
    else if (c === 10 && !quoted) n++;
  }
  return n;
}

const plainError = (err: unknown): never => {
  if (err instanceof ApiError) throw err;
  throw new ApiError('invalid_input', (err as Error).message);
};

export function createDashboardHandlers(core: Core, opts: { now?: () => number } = {}): DashboardHandlers {
  const now = opts.now ?? Date.now;
  const a = () => core.analytics;
  return {
    'dashboard.overview': async ({ zone, unit, by, periods, weekStart }) => {
      const t = now();
      const ws = weekStart ?? 1;
      const { from, to } = periodRange(zone, unit, periods ?? DEFAULT_PERIODS[unit], t, ws);
      // Right after a start the rollup may lag the log: queries stay exact either way (they read the raw tail), but
      // tag keys come from the rollup only, and a caught-up rollup answers faster. A bounded slice, on the worker.
      await a().call('catchUp', { maxMs: 150 });
      const [series, totals, savings, client, model, provider, tagKeys] = await Promise.all([
        a().spendSeries({ zone, from, to, unit, by: by as GroupBy, weekStart: ws }),
        a().totals({ zone, now: t, weekStart: ws }),
        a().savings({ from, to }),
        a().breakdown({ from, to, by: 'client' }),
        a().breakdown({ from, to, by: 'model' }),
        a().breakdown({ from, to, by: 'provider' }),
        a().tagKeys(100),
      ]);
      return {
        zone,
        unit,
        by: series.by,
        now: t,
        from,
        to,
        periods: series.periods,
        series: series.series.map((s) => ({ key: s.key, costUsd: s.costUsd, requests: s.requests, totalCostUsd: s.totalCostUsd })),
        seriesTotals: { costUsd: series.totals.costUsd, requests: series.totals.requests, costUnknownRequests: series.totals.costUnknownRequests },
        totals,
        savings,
        tables: { client: client.rows, model: model.rows, provider: provider.rows },
        total: client.total,
        tagKeys,
      };
    },
    'requests.list': async ({ filter, cursor, limit }) => a().requestLog({ ...coreFilter(filter), cursor: cursor ?? null, limit: limit ?? 50 }),
    'requests.exportCsv': async ({ filter, cursor }) => {
      const c = await a().call('csvChunk', { filter: coreFilter(filter), cursor: cursor ?? null, rows: 2000 });
      return { text: c.text, nextCursor: c.nextCursor, rows: csvLines(c.text) - (cursor ? 0 : 1) };
    },
    'dlp.overview': async ({ zone, unit, periods, weekStart }) => {
      const ws = weekStart ?? 1;
      const { from, to } = periodRange(zone, unit, periods ?? DEFAULT_PERIODS[unit], now(), ws);
      const d = await a().dlpSeries({ zone, from, to, unit, weekStart: ws });
      const byAction = new Map<string, DlpOverview['byAction'][number]>();
      const types = new Map<string, DlpOverview['topTypes'][number]>();
      for (const f of d.findings) {
        let e = byAction.get(f.action);
        if (!e) byAction.set(f.action, (e = { action: f.action, counts: d.periods.map(() => 0), total: 0 }));
        f.counts.forEach((c, i) => (e.counts[i] += c));
        e.total += f.total;
        let t = types.get(f.type);
        if (!t) types.set(f.type, (t = { type: f.type, total: 0, requests: 0, actions: {} }));
        t.total += f.total;
        t.requests += f.requests.reduce((x, y) => x + y, 0);
        t.actions[f.action] = (t.actions[f.action] ?? 0) + f.total;
      }
      return {
        zone,
        unit,
        from,
        to,
        periods: d.periods,
        findings: d.findings,
        byAction: [...byAction.values()].sort((x, y) => y.total - x.total),
        topTypes: [...types.values()].sort((x, y) => y.total - x.total || (x.type < y.type ? -1 : 1)).slice(0, 20),
        blocked: d.blocked,
      };
    },
    'budgets.list': () => core.budgets.list(now()).map(toView),
    'budgets.set': (input) => {
      let r: ReturnType<typeof setBudget>;
      try {
        r = setBudget(core, {
          scope: input.scope.trim(),
          window: input.window,
          limitUsd: input.limitUsd ?? null,
          limitTokens: input.limitTokens ?? null,
          mode: input.mode,
          warnAtPct: input.warnAtPct === 0 ? null : input.warnAtPct,
        });
      } catch (err) {
        return plainError(err);
      }
      core.budgets.invalidate();
      const b = core.budgets.list(now()).find((x) => x.id === r.budget.id && x.managedBy === null);
      return { budget: b ? toView(b) : null, notes: r.notes };
    },
    'budgets.remove': ({ id }) => {
      try {
        removeBudget(core, { id });
      } catch (err) {
        return plainError(err);
      }
      core.budgets.invalidate();
      return { removed: true };
    },
  };
}
