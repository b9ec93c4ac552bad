// Rollup maintenance: reads requests with id > analytics_state.last_id, aggregates them in JS per dimension and
// UTC bucket (30 min, 1 h, 6 h, 24 h), and writes request_tags and analytics_rollup in short write transactions, so a RequestLog flush on
// the gateway's thread never waits long for the write lock. Runs in the analytics worker (or inline in tests).
// Nothing runs on the gateway's insert path: no triggers.
import type { DB } from '../store/db.ts';
import { ALL_SPANS, HALF_MS, HIST_COLS, M, MEASURE_COLS, ROLLUP_COLS, blockedKind, modelKey, ttftBin } from './schema.ts';
import { parseTags } from './tags.ts';

export interface CatchUpResult {
  /** Request rows added to the rollup by this call. */
  rows: number;
  /** Rows still waiting (a call stops after maxMs). */
  pending: number;
  lastId: number;
  /** Longest single write transaction of this call, in ms (the most a gateway flush could have waited). */
  maxTxMs: number;
}

const WIDTH = MEASURE_COLS.length + HIST_COLS.length;
const NM = MEASURE_COLS.length;

type Raw = [
  id: number, ts: number, client: string | null, provider: string | null, model: string | null, status: number,
  errorType: string | null, attempts: number, input: number | null, cached: number | null, output: number | null,
  cost: number | null, requestedCost: number | null, cacheHit: number, latency: number | null, ttft: number | null,
  dlp: string | null, tags: string | null,
];

export interface DlpFindingRow {
  type: string;
  count: number;
  action: string;
}

/** requests.dlp → findings with a string type/action and a non-negative integer count; junk is dropped. */
export function parseDlp(json: string | null): DlpFindingRow[] {
  if (!json) return [];
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return [];
  }
  if (!Array.isArray(v)) return [];
  const out: DlpFindingRow[] = [];
  for (const f of v) {
    if (!f || typeof f !== 'object') continue;
    const o = f as Record<string, unknown>;
    const count = typeof o.count === 'number' && Number.isFinite(o.count) && o.count > 0 ? Math.floor(o.count) : 0;
    out.push({ type: typeof o.type === 'string' ? o.type : '?', count, action: typeof o.action === 'string' ? o.action : '?' });
  }
  return out;
}

/**
 * Aggregates raw request rows into counter vectors keyed "dim\0span\0start\0key", for each span in `spans`
 * (the rollup writes all three; queries aggregating raw edges use [0]: one bucket per dim and key).
 */
export function aggregate(
  rows: Raw[], acc = new Map<string, Float64Array>(), tagsOut?: [number, string, string, number][], spans: readonly number[] = ALL_SPANS, onlyDim?: string,
): Map<string, Float64Array> {
  const v = new Float64Array(WIDTH);
  let ts = 0;
  const wantTags = onlyDim === undefined || onlyDim.startsWith('tag:');
  const add = (dim: string, key: string, vec: Float64Array) => {
    if (onlyDim !== undefined && dim !== onlyDim) return;
    for (const span of spans) {
      if (span === HALF_MS && ts % (2 * HALF_MS) >= HALF_MS) continue; // only first halves are stored
      const start = span ? ts - (ts % span) : 0;
      const k = `${dim}\u0000${span}\u0000${start}\u0000${key}`;
      let a = acc.get(k);
      if (!a) acc.set(k, (a = new Float64Array(WIDTH)));
      for (let i = 0; i < WIDTH; i++) a[i] += vec[i];
    }
  };
  for (const r of rows) {
    const [id, rowTs, client, provider, model, status, errorType, attempts, input, cached, output, cost, reqCost, cacheHit, latency, ttft, dlp, tags] = r;
    ts = rowTs;
    const kind = blockedKind(status, errorType, attempts, dlp);
    const findings = parseDlp(dlp);
    v.fill(0);
    v[M.requests] = 1;
    v[M.errors] = status >= 400 ? 1 : 0;
    v[M.blocked] = kind ? 1 : 0;
    v[M.input_tokens] = input ?? 0;
    v[M.cached_tokens] = cached ?? 0;
    v[M.output_tokens] = output ?? 0;
    v[M.cost_usd] = cost ?? 0;
    v[M.cost_unknown] = cost === null && (input !== null || output !== null) ? 1 : 0;
    if (cost !== null && reqCost !== null) {
      v[M.requested_cost_usd] = reqCost;
      v[cacheHit ? M.saved_cache_usd : M.saved_routing_usd] = reqCost - cost;
    }
    v[M.cache_hits] = cacheHit ? 1 : 0;
    v[M.ok_requests] = status < 400 ? 1 : 0;
    if (latency !== null) {
      v[M.latency_sum] = latency;
      v[M.latency_n] = 1;
    }
    if (ttft !== null) {
      v[M.ttft_sum] = ttft;
      v[M.ttft_n] = 1;
      v[NM + ttftBin(ttft)] = 1;
    }
    v[M.findings] = findings.reduce((s, f) => s + f.count, 0);
    add('', '', v);
    add('client', client ?? '', v);
    add('model', modelKey(provider, model), v);
    add('provider', provider ?? '', v);
    if (kind) add('blocked', kind, v);
    if (wantTags) for (const [k, val] of parseTags(tags)) {
      add(`tag:${k}`, val, v);
      tagsOut?.push([id, k, val, ts]);
    }
    if (findings.length) {
      const per = new Map<string, number>();
      for (const f of findings) per.set(`${f.type}|${f.action}`, (per.get(`${f.type}|${f.action}`) ?? 0) + f.count);
      for (const [k, n] of per) {
        const saved = v[M.findings];
        v[M.findings] = n;
        add('dlp', k, v);
        v[M.findings] = saved;
      }
    }
  }
  return acc;
}

export class Rollup {
  private readonly db: DB;
  private readonly lastId;
  private readonly maxId;
  private readonly read;
  private readonly upsert;
  private readonly insTag;
  private readonly setLast;
  private readonly write;
  private batch = 1000;

  constructor(db: DB) {
    this.db = db;
    this.lastId = db.prepare('SELECT last_id FROM analytics_state WHERE id = 1').pluck();
    this.maxId = db.prepare('SELECT COALESCE(MAX(id), 0) FROM requests').pluck();
    this.read = db
      .prepare(`SELECT id, ts, client, provider, model, status, error_type, attempts, input_tokens, cached_tokens, output_tokens,
        cost_usd, requested_cost_usd, cache_hit, latency_ms, ttft_ms, dlp, tags FROM requests WHERE id > ? AND id <= ? ORDER BY id`)
      .raw();
    const cols = ['dim', 'span', 'start', 'key', ...ROLLUP_COLS];
    this.upsert = db.prepare(`INSERT INTO analytics_rollup (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})
      ON CONFLICT (dim, span, start, key) DO UPDATE SET ${ROLLUP_COLS.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`);
    this.insTag = db.prepare('INSERT OR IGNORE INTO request_tags (request_id, key, value, ts) VALUES (?, ?, ?, ?)');
    this.setLast = db.prepare('UPDATE analytics_state SET last_id = ?, updated_at = ? WHERE id = 1');
    this.write = db.transaction((lo: number, hi: number, acc: Map<string, Float64Array>, tags: [number, string, string, number][]) => {
      // Re-read under the write lock: another process's worker may have rolled these rows up meanwhile.
      if ((this.lastId.get() as number) !== lo) return false;
      for (const t of tags) this.insTag.run(t);
      for (const [k, a] of acc) {
        const [dim, span, start, key] = k.split('\u0000');
        this.upsert.run(dim, Number(span), Number(start), key, ...a);
      }
      this.setLast.run(hi, Date.now());
      return true;
    });
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** Rows not yet rolled up. */
  pending(): number {
    return Math.max(0, (this.maxId.get() as number) - (this.lastId.get() as number));
  }

  /**
   * Rolls up new rows until none are left or `maxMs` has passed. The batch (ids per write transaction) adapts so
   * each transaction holds the write lock for about `targetTxMs` (default 10 ms): that is the longest a gateway
   * RequestLog flush, waiting on SQLite's busy handler, could be delayed by the rollup.
   */
  catchUp(opts: { batch?: number; maxMs?: number; targetTxMs?: number } = {}): CatchUpResult {
    let batch = opts.batch ?? this.batch;
    const target = opts.targetTxMs ?? 10;
    const deadline = performance.now() + (opts.maxMs ?? Infinity);
    let rows = 0;
    let maxTxMs = 0;
    let last = this.lastId.get() as number;
    let max = this.maxId.get() as number;
    // ids are reused only if the newest rows were deleted (retention emptied the table): continue from there.
    if (max < last) {
      this.db.prepare('UPDATE analytics_state SET last_id = ? WHERE id = 1').run(max);
      last = max;
    }
    while (last < max && performance.now() < deadline) {
      const hi = Math.min(max, last + batch);
      // Read and aggregate outside the write transaction (rows never change once written).
      const tags: [number, string, string, number][] = [];
      const acc = aggregate(this.read.all(last, hi) as Raw[], new Map(), tags);
      const t0 = performance.now();
      // immediate: take the write lock up front, so the transaction never has to upgrade and retry.
      const ok = this.write.immediate(last, hi, acc, tags);
      const tx = performance.now() - t0;
      maxTxMs = Math.max(maxTxMs, tx);
      if (Number.isFinite(target) && hi - last === batch) batch = Math.round(Math.min(50_000, Math.max(50, (batch * target) / Math.max(tx, 0.5))));
      this.batch = batch;
      if (ok) rows += hi - last;
      last = this.lastId.get() as number;
      if (last >= max) max = this.maxId.get() as number;
    }
    return { rows, pending: Math.max(0, max - last), lastId: last, maxTxMs };
  }
}
