// Dashboard aggregations over the rollup (analytics_rollup), exact for any time zone and always fresh:
//   range sum = rollup buckets (30 min / 1 h / 6 h / 24 h) covering the whole UTC hours inside the range (rows with id <= last_id),
//               chosen to read the fewest bucket rows: e.g. a Berlin day = one UTC day + 1 h − 1 h (signed sums)
//             + raw request rows in the partial hours at either edge (half/quarter-hour zones, custom ranges)
//             + raw request rows not rolled up yet (id > last_id), aggregated with the same code as the rollup.
// Every function takes the worker's read-only connection and runs inside one read transaction (one snapshot).
import type { DB } from '../store/db.ts';
import { UserError } from '../util/errors.ts';
import { aggregate } from './rollup.ts';
import { HALF_MS, HOUR_MS, M, MEASURE_COLS, ROLLUP_COLS, SPANS, TTFT_BINS, blockedKindSql, modelKeySql, ttftBinHigh, ttftBinLow, type MeasureCol } from './schema.ts';
import { normaliseTagKey } from './tags.ts';
import { DAY_MS, checkZone, periodAt, periodsBetween, type Period, type PeriodUnit } from './time.ts';

export type Vec = Float64Array;
const WIDTH = ROLLUP_COLS.length;
const NM = MEASURE_COLS.length;

/** What to group by: everything ('total'), a column, or a tag key ('tag:feature'). */
export type GroupBy = 'total' | 'client' | 'model' | 'provider' | `tag:${string}`;

export function dimOf(by: string): string {
  if (by === 'total') return '';
  if (by === 'client' || by === 'model' || by === 'provider') return by;
  if (typeof by === 'string' && by.startsWith('tag:')) {
    const k = normaliseTagKey(by.slice(4));
    if (k) return `tag:${k}`;
    throw new UserError(`'${by.slice(4)}' is not a valid tag key (letters, digits and _ . : / -).`);
  }
  throw new UserError(`Cannot group by '${String(by)}': use total, client, model, provider or tag:<key>.`);
}

const RAW_COLS = `id, ts, client, provider, model, status, error_type, attempts, input_tokens, cached_tokens, output_tokens,
  cost_usd, requested_cost_usd, cache_hit, latency_ms, ttft_ms, dlp, tags`;

interface Range {
  start: number;
  end: number;
}

const ceilH = (t: number) => Math.ceil(t / HOUR_MS) * HOUR_MS;
const floorH = (t: number) => Math.floor(t / HOUR_MS) * HOUR_MS;

type Stmt = { all(...params: unknown[]): unknown[] };

/** Statements prepared once per connection. */
class Stmts {
  readonly lastId;
  readonly edge;
  readonly tail;
  private readonly hourly = new Map<string, Stmt>();
  readonly db: DB;
  constructor(db: DB) {
    this.db = db;
    this.lastId = db.prepare('SELECT last_id FROM analytics_state WHERE id = 1').pluck();
    // Raw rows of many edges in one statement: edges outer, one ts-index range seek each.
    this.edge = db
      .prepare(`WITH e(i, s, t) AS MATERIALIZED (SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?))
        SELECT e.i, ${RAW_COLS.replace(/(^|,\s*)(\w+)/g, '$1r.$2')} FROM e CROSS JOIN requests r INDEXED BY requests_ts ON r.ts >= e.s AND r.ts < e.t WHERE r.id <= ?`)
      .raw();
    this.tail = db.prepare(`SELECT ${RAW_COLS} FROM requests NOT INDEXED WHERE id > ? AND ts >= ? AND ts < ?`).raw();
  }
  /** SQL aggregation of raw edge rows for one dimension, or null when a column needs the JS path (rollup.ts). */
  edgeSum(dim: string, cols: number[]): Stmt | null {
    const k = `${dim}|${cols.join(',')}`;
    if (this.edgeSums.has(k)) return this.edgeSums.get(k)!;
    const isDlp = dim === 'dlp';
    const expr: Partial<Record<MeasureCol, string>> = {
      requests: isDlp ? 'COUNT(DISTINCT r.id)' : 'COUNT(*)',
      errors: 'SUM(r.status >= 400)',
      blocked: `SUM(${blockedKindSql('r.')} IS NOT NULL)`,
      input_tokens: 'SUM(COALESCE(r.input_tokens, 0))',
      cached_tokens: 'SUM(COALESCE(r.cached_tokens, 0))',
      output_tokens: 'SUM(COALESCE(r.output_tokens, 0))',
      cost_usd: 'SUM(COALESCE(r.cost_usd, 0))',
      cost_unknown: 'SUM(r.cost_usd IS NULL AND (r.input_tokens IS NOT NULL OR r.output_tokens IS NOT NULL))',
    };
    if (isDlp) expr.findings = "SUM(MAX(0, COALESCE(CAST(json_extract(x.value, '$.count') AS INTEGER), 0)))";
    const sel = cols.map((c) => expr[ROLLUP_COLS[c] as MeasureCol]);
    let stmt: Stmt | null = null;
    if (sel.every((x) => x !== undefined) && (isDlp || dim !== 'dlp')) {
      let key: string;
      let join = '';
      const params: string[] = [];
      if (dim === '') key = "''";
      else if (dim === 'client' || dim === 'provider') key = `COALESCE(r.${dim}, '')`;
      else if (dim === 'model') key = modelKeySql('r.');
      else if (dim === 'blocked') key = blockedKindSql('r.');
      else if (isDlp) {
        key = "COALESCE(json_extract(x.value, '$.type'), '?') || '|' || COALESCE(json_extract(x.value, '$.action'), '?')";
        join = "JOIN json_each(CASE WHEN json_valid(r.dlp) THEN r.dlp ELSE '[]' END) x ON json_type(x.value) = 'object'";
      } else {
        key = 't.value';
        join = 'JOIN request_tags t ON t.request_id = r.id AND t.key = ?';
        params.push(dim.slice(4));
      }
      const q = this.db
        .prepare(`WITH e(i, s, t) AS MATERIALIZED (SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?))
          SELECT e.i, ${key} AS k, ${sel.join(', ')}
          FROM e CROSS JOIN requests r INDEXED BY requests_ts ${join}
          WHERE r.ts >= e.s AND r.ts < e.t AND r.id <= ? ${dim === 'blocked' ? 'AND k IS NOT NULL' : ''}
          GROUP BY e.i, k`)
        .raw();
      const tagKey = params[0];
      stmt = tagKey === undefined ? (q as unknown as Stmt) : { all: (edges: unknown, lastId: unknown) => q.all(edges, tagKey, lastId) };
    }
    this.edgeSums.set(k, stmt);
    return stmt;
  }
  private readonly edgeSums = new Map<string, Stmt | null>();

  hourlySum(cols: number[]): Stmt {
    const k = cols.join(',');
    let s = this.hourly.get(k);
    if (!s) {
      s = this.db
        .prepare(`WITH p(i, span, s, e, g) AS MATERIALIZED (SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each(?))
          SELECT p.i, h.key, ${cols.map((c) => `SUM(p.g * h.${ROLLUP_COLS[c]})`).join(', ')}
          FROM p CROSS JOIN analytics_rollup h ON h.dim = ? AND h.span = p.span AND h.start >= p.s AND h.start < p.e
          GROUP BY p.i, h.key`) // CROSS JOIN: periods outer, one PK range seek each
        .raw() as unknown as Stmt;
      this.hourly.set(k, s);
    }
    return s;
  }
}
const stmtCache = new WeakMap<DB, Stmts>();
function stmts(db: DB): Stmts {
  let s = stmtCache.get(db);
  if (!s) stmtCache.set(db, (s = new Stmts(db)));
  return s;
}

/** Column sets: indexes into ROLLUP_COLS. */
const ALL = Array.from({ length: WIDTH }, (_, i) => i);
const MEASURES_ONLY = Array.from({ length: NM }, (_, i) => i);
const SPEND = (['requests', 'errors', 'input_tokens', 'cached_tokens', 'output_tokens', 'cost_usd', 'cost_unknown'] as MeasureCol[]).map((c) => M[c]);

type Piece = [span: number, start: number, end: number, sign: number];

/**
 * The cheapest signed cover of the hour-aligned range [a, b) by rollup buckets: at each level, the range may be
 * rounded out or in to that level's span and the difference corrected (added or subtracted) with finer buckets.
 * Cost = bucket rows read per key (+0.5 per piece for the seek).
 */
export function decompose(a: number, b: number, level = SPANS.length - 1, sign = 1): { pieces: Piece[]; cost: number } {
  if (a >= b) return { pieces: [], cost: 0 };
  if (level === 0) return { pieces: [[SPANS[0], a, b, sign]], cost: (b - a) / SPANS[0] + 0.5 };
  let best = decompose(a, b, level - 1, sign);
  const unit = SPANS[level];
  const fl = (t: number) => Math.floor(t / unit) * unit;
  for (const aL of [fl(a), fl(a) + (a % unit ? unit : 0)]) {
    for (const bL of [fl(b), fl(b) + (b % unit ? unit : 0)]) {
      if (aL >= bL) continue;
      const mid: Piece = [unit, aL, bL, sign];
      let cost = (bL - aL) / unit + 0.5;
      if (cost >= best.cost) continue;
      const left = aL < a ? decompose(aL, a, level - 1, -sign) : decompose(a, aL, level - 1, sign);
      const right = bL > b ? decompose(b, bL, level - 1, -sign) : decompose(bL, b, level - 1, sign);
      cost += left.cost + right.cost;
      if (cost < best.cost) best = { pieces: [mid, ...left.pieces, ...right.pieces], cost };
    }
  }
  return best;
}

/**
 * Sums of one dimension's counters per key, for each range ([start, end) instants). Ranges may overlap.
 * Only the columns in `cols` are filled from the rollup (raw rows fill every column).
 */
export function rangeVectors(db: DB, dim: string, ranges: Range[], cols: number[] = ALL): Map<string, Vec>[] {
  const s = stmts(db);
  const out = ranges.map(() => new Map<string, Vec>());
  if (ranges.length === 0) return out;
  const lastId = s.lastId.get() as number;
  const aligned: [number, number, number, number, number][] = [];
  const addRaw = (i: number, rows: unknown[]) => {
    if (rows.length === 0) return;
    const acc = aggregate(rows as Parameters<typeof aggregate>[0], new Map(), undefined, [0], dim);
    const prefix = `${dim}\u00000\u00000\u0000`;
    for (const [k, v] of acc) {
      const key = k.slice(prefix.length);
      const m = out[i];
      const a = m.get(key);
      if (a) for (let j = 0; j < WIDTH; j++) a[j] += v[j];
      else m.set(key, Float64Array.from(v));
    }
  };
  const edges: [number, number, number][] = [];
  const ceilHalf = (t: number) => Math.ceil(t / HALF_MS) * HALF_MS;
  const floorHalf = (t: number) => Math.floor(t / HALF_MS) * HALF_MS;
  ranges.forEach((r, i) => {
    const hs = ceilH(r.start);
    const he = floorH(r.end);
    if (hs < he) {
      for (const [span, ps, pe, g] of decompose(hs, he).pieces) aligned.push([i, span, ps, pe, g]);
      // [h:30, h+1) = hour h minus its first half; [h, h:30) = the first half.
      let s0 = hs;
      if (ceilHalf(r.start) === hs - HALF_MS) {
        s0 = hs - HALF_MS;
        aligned.push([i, HOUR_MS, hs - HOUR_MS, hs, 1], [i, HALF_MS, hs - HOUR_MS, hs, -1]);
      }
      let e0 = he;
      if (floorHalf(r.end) === he + HALF_MS) {
        e0 = he + HALF_MS;
        aligned.push([i, HALF_MS, he, he + HALF_MS, 1]);
      }
      if (r.start < s0) edges.push([i, r.start, s0]);
      if (e0 < r.end) edges.push([i, e0, r.end]);
    } else if (r.start < r.end) edges.push([i, r.start, r.end]);
  });
  const edgeSum = edges.length ? s.edgeSum(dim, cols) : null;
  if (edgeSum) {
    // Many edges (a half-hour zone's year of days): aggregate in SQL, only the columns asked for.
    for (const row of edgeSum.all(JSON.stringify(edges), lastId) as [number, string, ...(number | null)[]][]) {
      const m = out[row[0]];
      let a = m.get(row[1]);
      if (!a) m.set(row[1], (a = new Float64Array(WIDTH)));
      for (let j = 0; j < cols.length; j++) a[cols[j]] += (row[2 + j] as number | null) ?? 0;
    }
  } else if (edges.length) {
    const rows = s.edge.all(JSON.stringify(edges), lastId) as [number, ...unknown[]][];
    const byRange = new Map<number, unknown[]>();
    for (const row of rows) {
      let l = byRange.get(row[0]);
      if (!l) byRange.set(row[0], (l = []));
      l.push(row.slice(1));
    }
    for (const [i, l] of byRange) addRaw(i, l);
  }
  if (aligned.length) {
    const rows = s.hourlySum(cols).all(JSON.stringify(aligned), dim) as [number, string, ...(number | null)[]][];
    for (const row of rows) {
      const m = out[row[0]];
      let a = m.get(row[1]);
      if (!a) m.set(row[1], (a = new Float64Array(WIDTH)));
      for (let j = 0; j < cols.length; j++) a[cols[j]] += (row[2 + j] as number | null) ?? 0;
    }
  }
  // Signed sums can leave keys whose every counter nets to zero: drop them.
  if (aligned.length) {
    for (const m of out) for (const [k, v] of m) if (v.every((x) => Math.abs(x) < 1e-9)) m.delete(k);
  }
  // Rows the rollup has not reached yet.
  const lo = Math.min(...ranges.map((r) => r.start));
  const hi = Math.max(...ranges.map((r) => r.end));
  const tail = s.tail.all(lastId, lo, hi) as [number, number, ...unknown[]][];
  if (tail.length) {
    ranges.forEach((r, i) => addRaw(i, tail.filter((t) => t[1] >= r.start && t[1] < r.end)));
  }
  return out;
}

function inSnapshot<T>(db: DB, fn: () => T): T {
  if (db.inTransaction) return fn();
  return db.transaction(fn)();
}

const round = (x: number, d = 1e9) => Math.round(x * d) / d;

/** p95 (or any quantile) from the TTFT histogram of a vector; null when it holds no TTFT. See docs/dashboard.md. */
export function histQuantile(v: Vec, q = 0.95): number | null {
  let n = 0;
  for (let b = 0; b < TTFT_BINS; b++) n += v[NM + b];
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil(q * n));
  let cum = 0;
  for (let b = 0; b < TTFT_BINS; b++) {
    const c = v[NM + b];
    if (cum + c >= rank) {
      const lo = ttftBinLow(b);
      const hi = ttftBinHigh(b);
      if (!Number.isFinite(hi)) return lo;
      return lo + ((hi - lo) * (rank - cum - 0.5)) / c;
    }
    cum += c;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Spend over time

export interface SeriesInput {
  zone: string;
  from: number;
  to: number;
  unit: PeriodUnit;
  by: GroupBy;
  /** Keys beyond the top N by cost are summed into '(other)'. Default 8. */
  top?: number;
  /** 0 = Sunday, 1 = Monday (default). */
  weekStart?: number;
}

export interface SeriesOutput {
  zone: string;
  unit: PeriodUnit;
  by: string;
  periods: Period[];
  /** One per key, most expensive first; key '' means none (no client / not routed); '(other)' and '(untagged)' are synthetic. */
  series: { key: string; costUsd: number[]; requests: number[]; tokens: number[]; totalCostUsd: number }[];
  totals: { costUsd: number[]; requests: number[]; tokens: number[]; costUnknownRequests: number[] };
}

export function spendSeries(db: DB, inp: SeriesInput): SeriesOutput {
  checkZone(inp.zone);
  const dim = dimOf(inp.by);
  const periods = periodsBetween(inp.zone, inp.from, inp.to, inp.unit, inp.weekStart ?? 1);
  return inSnapshot(db, () => {
    const maps = rangeVectors(db, dim, periods, SPEND);
    const totals = dim === '' ? maps : rangeVectors(db, '', periods, SPEND);
    const keyCost = new Map<string, number>();
    for (const m of maps) for (const [k, v] of m) keyCost.set(k, (keyCost.get(k) ?? 0) + v[M.cost_usd] + v[M.requests] * 1e-12);
    const ranked = [...keyCost.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([k]) => k);
    const top = Math.max(1, inp.top ?? 8);
    const keep = new Set(ranked.slice(0, top));
    const mk = (key: string) => ({ key, costUsd: periods.map(() => 0), requests: periods.map(() => 0), tokens: periods.map(() => 0), totalCostUsd: 0 });
    const series = new Map<string, ReturnType<typeof mk>>();
    maps.forEach((m, i) => {
      for (const [k, v] of m) {
        const key = keep.has(k) ? k : '(other)';
        let s = series.get(key);
        if (!s) series.set(key, (s = mk(key)));
        s.costUsd[i] += v[M.cost_usd];
        s.requests[i] += v[M.requests];
        s.tokens[i] += v[M.input_tokens] + v[M.output_tokens];
      }
    });
    const tot = {
      costUsd: totals.map((m) => sumKey(m, M.cost_usd)),
      requests: totals.map((m) => sumKey(m, M.requests)),
      tokens: totals.map((m) => sumKey(m, M.input_tokens) + sumKey(m, M.output_tokens)),
      costUnknownRequests: totals.map((m) => sumKey(m, M.cost_unknown)),
    };
    if (dim.startsWith('tag:')) {
      const u = mk('(untagged)');
      periods.forEach((_, i) => {
        let c = tot.costUsd[i];
        let r = tot.requests[i];
        let t = tot.tokens[i];
        for (const s of series.values()) {
          c -= s.costUsd[i];
          r -= s.requests[i];
          t -= s.tokens[i];
        }
        u.costUsd[i] = Math.max(0, c);
        u.requests[i] = Math.max(0, r);
        u.tokens[i] = Math.max(0, t);
      });
      if (u.requests.some((x) => x > 0)) series.set('(untagged)', u);
    }
    const list = [...series.values()];
    for (const s of list) {
      s.costUsd = s.costUsd.map((x) => round(x));
      s.totalCostUsd = round(s.costUsd.reduce((a, b) => a + b, 0));
    }
    list.sort((a, b) => (a.key === '(other)' || a.key === '(untagged)' ? 1 : 0) - (b.key === '(other)' || b.key === '(untagged)' ? 1 : 0) || b.totalCostUsd - a.totalCostUsd);
    return { zone: inp.zone, unit: inp.unit, by: inp.by, periods, series: list, totals: { ...tot, costUsd: tot.costUsd.map((x) => round(x)) } };
  });
}

function sumKey(m: Map<string, Vec>, col: number): number {
  let s = 0;
  for (const v of m.values()) s += v[col];
  return s;
}

// ---------------------------------------------------------------------------------------------------------------
// Totals and projection

export interface TotalsOutput {
  zone: string;
  now: number;
  today: { start: number; end: number; costUsd: number; requests: number };
  week: { start: number; end: number; costUsd: number; requests: number };
  month: { start: number; end: number; costUsd: number; requests: number };
  /** Spend per day over the trailing 7 days (or since the first request, if younger), the projection's rate. */
  dailyRateUsd: number;
  /** month.costUsd + dailyRateUsd × days left in the month (docs/dashboard.md). Null without an hour of history. */
  projectedMonthUsd: number | null;
  costUnknownRequestsThisMonth: number;
}

export function totals(db: DB, inp: { zone: string; now?: number; weekStart?: number }): TotalsOutput {
  checkZone(inp.zone);
  const now = inp.now ?? Date.now();
  const day = periodAt(inp.zone, now, 'day');
  const week = periodAt(inp.zone, now, 'week', inp.weekStart ?? 1);
  const month = periodAt(inp.zone, now, 'month');
  return inSnapshot(db, () => {
    const first = db.prepare('SELECT MIN(ts) FROM requests').pluck().get() as number | null;
    const trailStart = Math.max(now - 7 * DAY_MS, first ?? now);
    const ranges = [day, week, month, { start: trailStart, end: now }];
    const cols = [M.requests, M.cost_usd, M.cost_unknown];
    const [d, w, m, t] = rangeVectors(db, '', ranges, cols).map((x) => x.get('') ?? new Float64Array(WIDTH));
    const pick = (p: Period, v: Vec) => ({ start: p.start, end: p.end, costUsd: round(v[M.cost_usd]), requests: v[M.requests] });
    const span = now - trailStart;
    const rate = span >= HOUR_MS ? (t[M.cost_usd] / span) * DAY_MS : 0;
    const left = Math.max(0, month.end - now) / DAY_MS;
    return {
      zone: inp.zone,
      now,
      today: pick(day, d),
      week: pick(week, w),
      month: pick(month, m),
      dailyRateUsd: round(rate),
      projectedMonthUsd: span >= HOUR_MS ? round(m[M.cost_usd] + rate * left) : null,
      costUnknownRequestsThisMonth: m[M.cost_unknown],
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Tables by client / model / provider / tag value

export interface BreakdownRow {
  key: string;
  requests: number;
  errors: number;
  errorRate: number;
  blocked: number;
  inputTokens: number;
  cachedTokens: number;
  outputTokens: number;
  costUsd: number;
  costUnknownRequests: number;
  avgLatencyMs: number | null;
  avgTtftMs: number | null;
  p95TtftMs: number | null;
  cacheHits: number;
  savedUsd: number;
}

function toRow(key: string, v: Vec): BreakdownRow {
  return {
    key,
    requests: v[M.requests],
    errors: v[M.errors],
    errorRate: v[M.requests] ? round(v[M.errors] / v[M.requests], 1e6) : 0,
    blocked: v[M.blocked],
    inputTokens: v[M.input_tokens],
    cachedTokens: v[M.cached_tokens],
    outputTokens: v[M.output_tokens],
    costUsd: round(v[M.cost_usd]),
    costUnknownRequests: v[M.cost_unknown],
    avgLatencyMs: v[M.latency_n] ? round(v[M.latency_sum] / v[M.latency_n], 1e3) : null,
    avgTtftMs: v[M.ttft_n] ? round(v[M.ttft_sum] / v[M.ttft_n], 1e3) : null,
    p95TtftMs: ((q) => (q === null ? null : round(q, 1e3)))(histQuantile(v)),
    cacheHits: v[M.cache_hits],
    savedUsd: round(v[M.saved_routing_usd] + v[M.saved_cache_usd]),
  };
}

export interface BreakdownOutput {
  by: string;
  from: number;
  to: number;
  rows: BreakdownRow[];
  total: BreakdownRow;
}

/** One row per key of `by` over [from, to), most expensive first, plus the total. */
export function breakdown(db: DB, inp: { from: number; to: number; by: GroupBy }): BreakdownOutput {
  const dim = dimOf(inp.by);
  checkRange(inp.from, inp.to);
  return inSnapshot(db, () => {
    const [m] = rangeVectors(db, dim, [{ start: inp.from, end: inp.to }]);
    const [t] = dim === '' ? [m] : rangeVectors(db, '', [{ start: inp.from, end: inp.to }]);
    const total = toRow('', t.get('') ?? new Float64Array(WIDTH));
    const rows = [...m].map(([k, v]) => toRow(k, v)).sort((a, b) => b.costUsd - a.costUsd || b.requests - a.requests || (a.key < b.key ? -1 : 1));
    if (dim.startsWith('tag:')) {
      // Requests without this tag: the total minus the tagged rows (each request has at most one value per key).
      const u = new Float64Array(t.get('') ?? new Float64Array(WIDTH));
      for (const v of m.values()) for (let j = 0; j < WIDTH; j++) u[j] -= v[j];
      if (u[M.requests] > 0) rows.push(toRow('(untagged)', u));
    }
    return { by: inp.by, from: inp.from, to: inp.to, rows, total };
  });
}

function checkRange(from: number, to: number): void {
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) throw new UserError('The time range is empty or invalid: "from" must be before "to" (ms since epoch).');
}

// ---------------------------------------------------------------------------------------------------------------
// Savings

export interface SavingsOutput {
  from: number;
  to: number;
  /** What the priced requests would have cost at the model that was asked for. */
  requestedCostUsd: number;
  costUsd: number;
  savedRoutingUsd: number;
  savedCacheUsd: number;
  savedUsd: number;
  cacheHits: number;
  /** Cache hits / successful requests. */
  cacheHitRate: number;
  okRequests: number;
}

export function savings(db: DB, inp: { from: number; to: number }): SavingsOutput {
  checkRange(inp.from, inp.to);
  return inSnapshot(db, () => {
    const [m] = rangeVectors(db, '', [{ start: inp.from, end: inp.to }], MEASURES_ONLY);
    const v = m.get('') ?? new Float64Array(WIDTH);
    return {
      from: inp.from,
      to: inp.to,
      requestedCostUsd: round(v[M.requested_cost_usd]),
      costUsd: round(v[M.cost_usd]),
      savedRoutingUsd: round(v[M.saved_routing_usd]),
      savedCacheUsd: round(v[M.saved_cache_usd]),
      savedUsd: round(v[M.saved_routing_usd] + v[M.saved_cache_usd]),
      cacheHits: v[M.cache_hits],
      cacheHitRate: v[M.ok_requests] ? round(v[M.cache_hits] / v[M.ok_requests], 1e6) : 0,
      okRequests: v[M.ok_requests],
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// DLP findings and refusals over time

export interface DlpSeriesOutput {
  zone: string;
  unit: PeriodUnit;
  periods: Period[];
  /** Findings (sum of counts) per period for each finding type and action. */
  findings: { type: string; action: string; counts: number[]; requests: number[]; total: number }[];
  /** Requests Airlock refused per period, by why (dlp, policy, budget, rate_limit). */
  blocked: { kind: string; counts: number[]; total: number }[];
}

export function dlpSeries(db: DB, inp: { zone: string; from: number; to: number; unit: PeriodUnit; weekStart?: number }): DlpSeriesOutput {
  checkZone(inp.zone);
  const periods = periodsBetween(inp.zone, inp.from, inp.to, inp.unit, inp.weekStart ?? 1);
  return inSnapshot(db, () => {
    const f = rangeVectors(db, 'dlp', periods, [M.requests, M.findings]);
    const b = rangeVectors(db, 'blocked', periods, [M.requests]);
    const fm = new Map<string, DlpSeriesOutput['findings'][number]>();
    f.forEach((m, i) => {
      for (const [k, v] of m) {
        let e = fm.get(k);
        if (!e) {
          const bar = k.lastIndexOf('|');
          fm.set(k, (e = { type: k.slice(0, bar), action: k.slice(bar + 1), counts: periods.map(() => 0), requests: periods.map(() => 0), total: 0 }));
        }
        e.counts[i] += v[M.findings];
        e.requests[i] += v[M.requests];
        e.total += v[M.findings];
      }
    });
    const bm = new Map<string, DlpSeriesOutput['blocked'][number]>();
    b.forEach((m, i) => {
      for (const [k, v] of m) {
        let e = bm.get(k);
        if (!e) bm.set(k, (e = { kind: k, counts: periods.map(() => 0), total: 0 }));
        e.counts[i] += v[M.requests];
        e.total += v[M.requests];
      }
    });
    return {
      zone: inp.zone,
      unit: inp.unit,
      periods,
      findings: [...fm.values()].sort((a, b) => b.total - a.total || (a.type < b.type ? -1 : 1)),
      blocked: [...bm.values()].sort((a, b) => b.total - a.total),
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Tag keys

/** Tag keys ever seen (rolled up), alphabetically, at most `limit`. A loose index scan: one seek per key. */
export function tagKeys(db: DB, limit = 200): string[] {
  const next = db.prepare("SELECT dim FROM analytics_rollup WHERE dim > ? AND dim < 'tag;' ORDER BY dim LIMIT 1").pluck();
  const out: string[] = [];
  let cur = 'tag:';
  while (out.length < limit) {
    const d = next.get(cur) as string | undefined;
    if (d === undefined) break;
    out.push(d.slice(4));
    cur = d;
  }
  return out;
}
