// The request log: filtered, keyset-paged (newest first, by (ts, id)), and CSV export. Each filter walks an index
// chosen here (INDEXED BY), so a page costs O(page) index steps, not a table scan.
import type { DB } from '../store/db.ts';
import { REQUEST_COLUMNS, type RequestRow } from '../store/requests-repo.ts';
import { UserError } from '../util/errors.ts';
import { parseDlp, type DlpFindingRow } from './rollup.ts';
import { blockedKind, blockedKindSql, type BlockedKind } from './schema.ts';
import { normaliseTagKey, parseTags, type TagPair } from './tags.ts';

export interface LogFilter {
  /** [from, to) in ms since epoch. */
  from?: number;
  to?: number;
  /** Client name; '' = requests without a client. */
  client?: string;
  /** "provider/model" as in the model table; '' = never routed. */
  model?: string;
  provider?: string;
  /** 'error' (status >= 400), 'ok' (< 400) or one HTTP status. */
  status?: 'error' | 'ok' | number;
  /** Only requests Airlock refused (DLP, policy, budget, rate limit). */
  blocked?: boolean;
  /** Only requests tagged key=value. */
  tag?: { key: string; value: string };
}

export interface LogPageInput extends LogFilter {
  /** From the previous page's nextCursor; absent for the first (newest) page. */
  cursor?: string | null;
  /** Rows per page, 1..500 (default 50). */
  limit?: number;
}

/** A request row as the log shows it: the recorded fields (requests-repo.ts), findings and tags parsed, and what follows from them. */
export interface LogRow extends Omit<RequestRow, 'cacheWriteTokens' | 'dlp' | 'tags'> {
  id: number;
  blocked: BlockedKind | null;
  /** requestedCostUsd - costUsd, when both are known. */
  savedUsd: number | null;
  /** Upstream attempts beyond the first (retries and fallbacks). */
  fallbacks: number;
  dlp: DlpFindingRow[];
  tags: TagPair[];
}

export interface LogPage {
  rows: LogRow[];
  /** Pass back as `cursor` for the next (older) page; null when this was the last. */
  nextCursor: string | null;
}

const COLS = ['id', ...Object.values(REQUEST_COLUMNS)].map((c) => `r.${c}`).join(', ');

type RawRow = {
  id: number; ts: number; client: string | null; inbound: string; requested_model: string | null; provider: string | null;
  model: string | null; status: number; error_type: string | null; stream: number; input_tokens: number | null;
  cached_tokens: number | null; output_tokens: number | null; usage_estimated: number; cost_usd: number | null;
  requested_cost_usd: number | null; cache_hit: number; attempts: number; route_rule: string | null; dlp: string | null;
  tags: string | null; latency_ms: number | null; ttft_ms: number | null;
};

function toRow(r: RawRow): LogRow {
  return {
    id: r.id,
    ts: r.ts,
    client: r.client,
    inbound: r.inbound,
    requestedModel: r.requested_model,
    provider: r.provider,
    model: r.model,
    status: r.status,
    errorType: r.error_type,
    blocked: blockedKind(r.status, r.error_type, r.attempts, r.dlp),
    stream: !!r.stream,
    inputTokens: r.input_tokens,
    cachedTokens: r.cached_tokens,
    outputTokens: r.output_tokens,
    usageEstimated: !!r.usage_estimated,
    costUsd: r.cost_usd,
    requestedCostUsd: r.requested_cost_usd,
    savedUsd: r.cost_usd !== null && r.requested_cost_usd !== null ? Math.round((r.requested_cost_usd - r.cost_usd) * 1e9) / 1e9 : null,
    cacheHit: !!r.cache_hit,
    attempts: r.attempts,
    fallbacks: Math.max(0, r.attempts - 1),
    routeRule: r.route_rule,
    dlp: parseDlp(r.dlp),
    tags: parseTags(r.tags),
    latencyMs: r.latency_ms,
    ttftMs: r.ttft_ms,
  };
}

export function encodeCursor(ts: number, id: number): string {
  return `${ts}.${id}`;
}
export function decodeCursor(c: string): [number, number] {
  const m = /^(\d{1,16})\.(\d{1,16})$/.exec(c);
  if (!m) throw new UserError('Invalid request log cursor: pass back the nextCursor of the previous page unchanged.');
  return [Number(m[1]), Number(m[2])];
}

interface Built {
  sql: string;
  params: unknown[];
  tag: { key: string; value: string } | null;
}

/** SELECT for one page (or, with limit null, every row) matching the filter, newest first. */
function build(f: LogPageInput, cursor: [number, number] | null, limit: number | null, tailFrom: number | null): Built {
  const where: string[] = [];
  const params: unknown[] = [];
  /** [from, to) on a time column. */
  const timeRange = (col: string) => {
    if (f.from !== undefined) {
      where.push(`${col} >= ?`);
      params.push(f.from);
    }
    if (f.to !== undefined) {
      where.push(`${col} < ?`);
      params.push(f.to);
    }
  };
  const eqOrNull = (col: string, v: string) => {
    if (v === '') where.push(`r.${col} IS NULL`);
    else {
      where.push(`r.${col} = ?`);
      params.push(v);
    }
  };
  let index = 'requests_ts';
  if (f.provider !== undefined) {
    eqOrNull('provider', f.provider);
    index = 'requests_provider_ts';
  }
  if (f.model !== undefined) {
    if (f.model === '') where.push('r.model IS NULL');
    else {
      const slash = f.model.indexOf('/');
      if (slash < 0) throw new UserError(`Model filter '${f.model}' must be "provider/model" as shown in the model table.`);
      eqOrNull('provider', f.model.slice(0, slash));
      where.push('r.model = ?');
      params.push(f.model.slice(slash + 1));
    }
    index = 'requests_model_ts';
  }
  if (f.client !== undefined) {
    eqOrNull('client', f.client);
    index = 'requests_client_ts';
  }
  if (f.status !== undefined) {
    if (f.status === 'error') where.push('r.status >= 400');
    else if (f.status === 'ok') where.push('r.status < 400');
    else if (Number.isInteger(f.status) && f.status >= 100 && f.status <= 599) {
      where.push(`r.status = ${f.status}`);
      if (f.status >= 400) where.push('r.status >= 400');
    } else throw new UserError(`Status filter must be 'error', 'ok' or an HTTP status code, not '${String(f.status)}'.`);
    if (f.status !== 'ok') index = 'requests_errors_ts';
  }
  if (f.blocked) {
    where.push(`r.status IN (403, 429) AND ${blockedKindSql('r.')} IS NOT NULL`);
    index = 'requests_refused_ts';
  }
  timeRange('r.ts');
  let tag: Built['tag'] = null;
  if (f.tag) {
    const key = normaliseTagKey(String(f.tag.key ?? ''));
    if (!key || typeof f.tag.value !== 'string') throw new UserError('Tag filter needs a valid key and a value.');
    tag = { key, value: f.tag.value.trim() };
  }
  const order = tag && tailFrom === null ? 't.ts DESC, t.request_id DESC' : 'r.ts DESC, r.id DESC';
  if (cursor) {
    where.push(tag && tailFrom === null ? '(t.ts, t.request_id) < (?, ?)' : '(r.ts, r.id) < (?, ?)');
    params.push(cursor[0], cursor[1]);
  }
  let from: string;
  if (tailFrom !== null) {
    // Rows the rollup has not reached: request_tags does not have them yet, so their tags are matched in JS.
    where.push('r.id > ?');
    params.push(tailFrom);
    from = 'requests r NOT INDEXED'; // rowid range over the few new rows, then sort
  } else if (tag) {
    from = 'request_tags t INDEXED BY request_tags_kv_ts JOIN requests r ON r.id = t.request_id';
    where.unshift('t.key = ? AND t.value = ?');
    params.unshift(tag.key, tag.value);
    // ts is copied into request_tags so the page can be walked on the tag index; the same range applies.
    timeRange('t.ts');
  } else from = `requests r INDEXED BY ${index}`;
  const sql = `SELECT ${COLS} FROM ${from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order}${limit === null ? '' : ` LIMIT ${limit}`}`;
  return { sql, params, tag };
}

type Stmt = { all(...params: unknown[]): unknown[] };
const stmtCache = new WeakMap<DB, Map<string, Stmt>>();
function prep(db: DB, sql: string): Stmt {
  let m = stmtCache.get(db);
  if (!m) stmtCache.set(db, (m = new Map()));
  let s = m.get(sql);
  if (!s) {
    if (m.size > 200) m.clear();
    m.set(sql, (s = db.prepare(sql) as unknown as Stmt));
  }
  return s;
}

/** One page of the request log, newest first. Stable: rows inserted meanwhile never shift or repeat later pages. */
export function requestLog(db: DB, inp: LogPageInput): LogPage {
  const limit = inp.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new UserError('Page size (limit) must be 1..500.');
  const cursor = inp.cursor ? decodeCursor(inp.cursor) : null;
  const run = () => {
    const main = build(inp, cursor, limit + 1, null);
    let rows = prep(db, main.sql).all(...main.params) as RawRow[];
    if (main.tag) {
      const lastId = db.prepare('SELECT last_id FROM analytics_state WHERE id = 1').pluck().get() as number;
      const tb = build(inp, cursor, null, lastId);
      const want = main.tag;
      const tail = (prep(db, tb.sql).all(...tb.params) as RawRow[]).filter((r) => parseTags(r.tags).some(([k, v]) => k === want.key && v === want.value));
      if (tail.length) rows = [...tail, ...rows].sort((a, b) => b.ts - a.ts || b.id - a.id);
    }
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return { rows: page.map(toRow), nextCursor: more && last ? encodeCursor(last.ts, last.id) : null };
  };
  return db.inTransaction ? run() : db.transaction(run)();
}

// ---------------------------------------------------------------------------------------------------------------
// CSV (RFC 4180, CRLF line ends) with a guard against formula injection in spreadsheets.

export const CSV_COLUMNS = [
  'id', 'time_utc', 'client', 'inbound', 'requested_model', 'provider', 'model', 'status', 'error_type', 'blocked', 'stream',
  'input_tokens', 'cached_tokens', 'output_tokens', 'usage_estimated', 'cost_usd', 'requested_cost_usd', 'saved_usd', 'cache_hit',
  'attempts', 'route_rule', 'dlp_findings', 'tags', 'latency_ms', 'ttft_ms',
] as const;

/**
 * One CSV field. Text that a spreadsheet would read as a formula (starting with = + - @, tab or CR) gets a leading
 * apostrophe; a field containing a comma, quote, CR or LF is quoted with quotes doubled. Numbers are written as is.
 */
export function csvField(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  let s = v;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(cells: (string | number | boolean | null | undefined)[]): string {
  return cells.map(csvField).join(',') + '\r\n';
}

export function csvRow(r: LogRow): string {
  return csvLine([
    r.id, new Date(r.ts).toISOString(), r.client, r.inbound, r.requestedModel, r.provider, r.model, r.status, r.errorType, r.blocked,
    r.stream, r.inputTokens, r.cachedTokens, r.outputTokens, r.usageEstimated, r.costUsd, r.requestedCostUsd, r.savedUsd, r.cacheHit,
    r.attempts, r.routeRule, r.dlp.map((f) => `${f.type}:${f.count}:${f.action}`).join(';'), r.tags.map(([k, v]) => `${k}=${v}`).join(';'),
    r.latencyMs === null ? null : Math.round(r.latencyMs * 1000) / 1000, r.ttftMs === null ? null : Math.round(r.ttftMs * 1000) / 1000,
  ]);
}

/** One chunk of a CSV export: the header with the first chunk (cursor null), then `rows` rows per chunk. */
export function csvChunk(db: DB, f: LogFilter, cursor: string | null, rows = 2000): { text: string; nextCursor: string | null } {
  const page = requestLog(db, { ...f, cursor, limit: Math.min(500, rows) });
  let text = cursor ? '' : csvLine([...CSV_COLUMNS]);
  let next = page.nextCursor;
  for (const r of page.rows) text += csvRow(r);
  // Larger chunks: keep paging inside this call.
  let n = page.rows.length;
  while (next && n < rows) {
    const p = requestLog(db, { ...f, cursor: next, limit: Math.min(500, rows - n) });
    for (const r of p.rows) text += csvRow(r);
    n += p.rows.length;
    next = p.nextCursor;
  }
  return { text, nextCursor: next };
}
