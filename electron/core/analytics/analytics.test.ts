// Dashboard analytics: every query matches a brute-force computation over the same seeded rows (in several
// time zones, across DST changes, with half the rows not rolled up yet and then all of them); the request log
// pages stably; CSV escapes and defuses formulas; the tags parser survives junk; the worker answers off-thread.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type DB } from '../store/db.ts';
import { seedRequests, rng } from './seed.ts';
import { Rollup } from './rollup.ts';
import { breakdown, dlpSeries, savings, spendSeries, tagKeys, totals, decompose } from './queries.ts';
import { requestLog, csvField, csvChunk, CSV_COLUMNS, type LogFilter } from './log.ts';
import { parseTags } from './tags.ts';
import { blockedKind, blockedKindSql, modelKey, ttftBinHigh, ttftBinLow, ttftBin, SPANS } from './schema.ts';
import { periodsBetween, startOfLocalDay } from './time.ts';
import { AnalyticsService } from './service.ts';

const H = 3_600_000;
const FROM = Date.UTC(2025, 2, 1);
const TO = Date.UTC(2025, 10, 15);
const SEED = Number(process.env.AIRLOCK_TEST_SEED ?? Date.now() % 100000);
const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/Santiago', 'UTC'];

let dir: string;
let db: DB;
let rows: Row[];

interface Row {
  id: number; ts: number; client: string | null; provider: string | null; model: string | null; status: number; error_type: string | null;
  attempts: number; input_tokens: number | null; cached_tokens: number | null; output_tokens: number | null; cost_usd: number | null;
  requested_cost_usd: number | null; cache_hit: number; latency_ms: number | null; ttft_ms: number | null; dlp: string | null; tags: string | null;
  inbound: string; requested_model: string | null;
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'airlock-analytics-'));
  db = openDatabase(path.join(dir, 'airlock.db'));
  seedRequests(db, { rows: 3000, from: FROM, to: TO, seed: SEED, junkTags: true });
  // Rows right at period boundaries: DST changes, local midnights, half-hour zones.
  const edges: number[] = [];
  for (const zone of ZONES) {
    for (const [y, m, d] of [[2025, 2, 30], [2025, 2, 31], [2025, 3, 6], [2025, 8, 7], [2025, 9, 26], [2025, 9, 27], [2025, 10, 2], [2025, 5, 1]]) {
      const t = startOfLocalDay(zone, y, m, d);
      edges.push(t - 1, t, t + 1, t + 30 * 60_000);
    }
  }
  const ins = db.prepare(`INSERT INTO requests (ts, client, inbound, requested_model, provider, model, status, cost_usd, requested_cost_usd, input_tokens, output_tokens, ttft_ms, latency_ms, tags, dlp)
    VALUES (?, 'edge', 'openai', 'openai/gpt-4o', 'openai', 'gpt-4o', 200, 0.5, 0.75, 100, 10, 300, 900, 'feature=edge', '[{"type":"email","count":2,"action":"mask"}]')`);
  for (const t of edges) ins.run(t);
  // Roll up only part of the log: the rest is counted from raw rows (the "tail").
  const r = new Rollup(db);
  r.catchUp({ batch: 500, maxMs: Infinity });
  seedRequests(db, { rows: 600, from: FROM, to: TO, seed: SEED + 1, junkTags: true });
  rows = db.prepare('SELECT * FROM requests ORDER BY id').all() as Row[];
  console.log(`analytics test seed ${SEED} (AIRLOCK_TEST_SEED=${SEED} to repeat), ${rows.length} rows`);
});

after(() => {
  db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const close = (a: number, b: number, msg: string) => assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${msg}: ${a} vs ${b}`);

const labelCache = new Map<string, string>();
const fmts = new Map<string, Intl.DateTimeFormat>();
/** Independent of time.ts: the local calendar date by Intl's own formatting. */
function localLabel(zone: string, t: number, unit: 'day' | 'week' | 'month'): string {
  const ck = `${zone}|${t}`;
  let d = labelCache.get(ck);
  if (d === undefined) {
    let f = fmts.get(zone);
    if (!f) fmts.set(zone, (f = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' })));
    labelCache.set(ck, (d = f.format(t)));
  }
  if (unit === 'day') return d;
  if (unit === 'month') return d.slice(0, 7);
  const [y, m, dd] = d.split('-').map(Number);
  const u = new Date(Date.UTC(y, m - 1, dd));
  u.setUTCDate(u.getUTCDate() - ((u.getUTCDay() + 6) % 7));
  return u.toISOString().slice(0, 10);
}

function keyOf(r: Row, by: string): string | null {
  if (by === 'client') return r.client ?? '';
  if (by === 'provider') return r.provider ?? '';
  if (by === 'model') return modelKey(r.provider, r.model);
  if (by.startsWith('tag:')) return parseTags(r.tags).find(([k]) => k === by.slice(4))?.[1] ?? '(untagged)';
  return '';
}

test('spend over time matches brute force in every zone and unit (day/week/month; by client, model, provider, tag)', () => {
  const check = () => {
    for (const zone of ZONES) {
      for (const unit of ['day', 'week', 'month'] as const) {
        for (const by of ['client', 'model', 'tag:feature', 'provider'] as const) {
          // Every zone × unit once; every dimension in two zones (one with a half-hour offset).
          if (by !== 'client' && zone !== 'Asia/Kolkata' && zone !== 'Europe/Berlin') continue;
          const out = spendSeries(db, { zone, from: FROM, to: TO, unit, by, top: 100 });
          const idx = new Map(out.periods.map((p, i) => [p.label, i]));
          const want = new Map<string, number[]>();
          const wantReq = new Map<string, number[]>();
          const totalCost = out.periods.map(() => 0);
          for (const r of rows) {
            const i = idx.get(localLabel(zone, r.ts, unit));
            assert.ok(i !== undefined, `row at ${new Date(r.ts).toISOString()} has a period in ${zone}/${unit}`);
            const p = out.periods[i];
            assert.ok(r.ts >= p.start && r.ts < p.end, `period ${p.label} in ${zone} contains its rows`);
            const k = keyOf(r, by)!;
            if (!want.has(k)) (want.set(k, out.periods.map(() => 0)), wantReq.set(k, out.periods.map(() => 0)));
            want.get(k)![i] += r.cost_usd ?? 0;
            wantReq.get(k)![i] += 1;
            totalCost[i] += r.cost_usd ?? 0;
          }
          const got = new Map(out.series.map((s) => [s.key, s]));
          assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort(), `keys ${zone}/${unit}/${by}`);
          for (const [k, w] of want) {
            const g = got.get(k)!;
            w.forEach((x, i) => close(g.costUsd[i], x, `${zone}/${unit}/${by}/${k}/${out.periods[i].label}`));
            assert.deepEqual(g.requests, wantReq.get(k), `requests ${zone}/${unit}/${by}/${k}`);
          }
          totalCost.forEach((x, i) => close(out.totals.costUsd[i], x, `total ${zone}/${unit}/${i}`));
        }
      }
    }
  };
  check();
  new Rollup(db).catchUp();
  check();
});

test('breakdown tables match brute force: requests, tokens, cost, latency, error rate; p95 TTFT within its bin', () => {
  const ranges = [
    [FROM, TO],
    [Date.UTC(2025, 5, 3, 7, 13), Date.UTC(2025, 6, 9, 18, 47, 13)], // not hour-aligned: raw edges
    [Date.UTC(2025, 3, 1, 12), Date.UTC(2025, 3, 1, 13)],
  ];
  for (const [from, to] of ranges) {
    for (const by of ['total', 'client', 'model', 'provider', 'tag:feature', 'tag:env'] as const) {
      const out = breakdown(db, { from, to, by });
      const groups = new Map<string, Row[]>();
      for (const r of rows) {
        if (r.ts < from || r.ts >= to) continue;
        const k = by === 'total' ? '' : keyOf(r, by)!;
        if (!groups.has(k)) groups.set(k, []);
        groups.get(k)!.push(r);
      }
      assert.equal(out.rows.length, groups.size, `${by} rows`);
      for (const row of out.rows) {
        const g = groups.get(row.key);
        assert.ok(g, `unexpected key ${row.key}`);
        assert.equal(row.requests, g.length);
        assert.equal(row.errors, g.filter((r) => r.status >= 400).length);
        assert.equal(row.inputTokens, g.reduce((s, r) => s + (r.input_tokens ?? 0), 0));
        assert.equal(row.cachedTokens, g.reduce((s, r) => s + (r.cached_tokens ?? 0), 0));
        assert.equal(row.outputTokens, g.reduce((s, r) => s + (r.output_tokens ?? 0), 0));
        close(row.costUsd, g.reduce((s, r) => s + (r.cost_usd ?? 0), 0), `${by}/${row.key} cost`);
        assert.equal(row.blocked, g.filter((r) => blockedKind(r.status, r.error_type, r.attempts, r.dlp)).length);
        const lat = g.filter((r) => r.latency_ms !== null);
        if (lat.length) assert.ok(Math.abs(row.avgLatencyMs! - lat.reduce((s, r) => s + r.latency_ms!, 0) / lat.length) < 1e-3, 'avg latency');
        const tt = g.map((r) => r.ttft_ms).filter((x): x is number => x !== null).sort((a, b) => a - b);
        if (tt.length === 0) assert.equal(row.p95TtftMs, null);
        else {
          const exact = tt[Math.ceil(0.95 * tt.length) - 1];
          const b = ttftBin(exact);
          assert.ok(row.p95TtftMs! >= ttftBinLow(b) - 1e-6 && row.p95TtftMs! <= ttftBinHigh(b) + 1e-6, `p95 ${row.p95TtftMs} in bin of exact ${exact}`);
        }
      }
    }
  }
});

test('savings and cache hit rate match brute force', () => {
  const s = savings(db, { from: FROM, to: TO });
  let routing = 0;
  let cache = 0;
  let hits = 0;
  let ok = 0;
  for (const r of rows) {
    if (r.cost_usd !== null && r.requested_cost_usd !== null) {
      if (r.cache_hit) cache += r.requested_cost_usd - r.cost_usd;
      else routing += r.requested_cost_usd - r.cost_usd;
    }
    if (r.cache_hit) hits++;
    if (r.status < 400) ok++;
  }
  close(s.savedRoutingUsd, routing, 'routing');
  close(s.savedCacheUsd, cache, 'cache');
  assert.ok(s.savedRoutingUsd > 0 && s.savedCacheUsd > 0, 'the seed has both kinds of savings');
  assert.equal(s.cacheHits, hits);
  close(s.cacheHitRate, hits / ok, 'hit rate');
});

test('totals: today, this week, this month and the projection formula', () => {
  for (const zone of ['Europe/Berlin', 'Asia/Kolkata', 'America/New_York']) {
    const now = Date.UTC(2025, 9, 26, 15, 17);
    const t = totals(db, { zone, now });
    const sum = (a: number, b: number) => rows.filter((r) => r.ts >= a && r.ts < b).reduce((s, r) => s + (r.cost_usd ?? 0), 0);
    const day = localLabel(zone, now, 'day');
    close(t.today.costUsd, rows.filter((r) => localLabel(zone, r.ts, 'day') === day).reduce((s, r) => s + (r.cost_usd ?? 0), 0), 'today');
    const wk = localLabel(zone, now, 'week');
    close(t.week.costUsd, rows.filter((r) => localLabel(zone, r.ts, 'week') === wk).reduce((s, r) => s + (r.cost_usd ?? 0), 0), 'week');
    const mo = localLabel(zone, now, 'month');
    close(t.month.costUsd, rows.filter((r) => localLabel(zone, r.ts, 'month') === mo).reduce((s, r) => s + (r.cost_usd ?? 0), 0), 'month');
    const rate = (sum(now - 7 * 86_400_000, now) / (7 * 86_400_000)) * 86_400_000;
    close(t.dailyRateUsd, rate, 'rate');
    close(t.projectedMonthUsd!, t.month.costUsd + (rate * (t.month.end - now)) / 86_400_000, 'projection');
  }
});

test('DLP findings over time by type and action, and refusals by kind, match brute force', () => {
  const zone = 'Europe/Berlin';
  const out = dlpSeries(db, { zone, from: FROM, to: TO, unit: 'week' });
  const idx = new Map(out.periods.map((p, i) => [p.label, i]));
  const want = new Map<string, number>();
  const blocked = new Map<string, number>();
  for (const r of rows) {
    const i = idx.get(localLabel(zone, r.ts, 'week'))!;
    if (r.dlp) for (const f of JSON.parse(r.dlp) as { type: string; count: number; action: string }[]) want.set(`${f.type}|${f.action}|${i}`, (want.get(`${f.type}|${f.action}|${i}`) ?? 0) + f.count);
    const k = blockedKind(r.status, r.error_type, r.attempts, r.dlp);
    if (k) blocked.set(`${k}|${i}`, (blocked.get(`${k}|${i}`) ?? 0) + 1);
  }
  const got = new Map<string, number>();
  for (const f of out.findings) f.counts.forEach((c, i) => c && got.set(`${f.type}|${f.action}|${i}`, c));
  assert.deepEqual(got, want);
  const gotB = new Map<string, number>();
  for (const b of out.blocked) b.counts.forEach((c, i) => c && gotB.set(`${b.kind}|${i}`, c));
  assert.deepEqual(gotB, blocked);
  assert.ok(out.blocked.some((b) => b.kind === 'dlp') && out.blocked.some((b) => b.kind === 'budget'));
});

test('blocked kind: the SQL filter and the JS classifier agree on every row', () => {
  const sql = db.prepare(`SELECT id, ${blockedKindSql('')} AS k FROM requests ORDER BY id`).all() as { id: number; k: string | null }[];
  sql.forEach((s, i) => assert.equal(s.k, blockedKind(rows[i].status, rows[i].error_type, rows[i].attempts, rows[i].dlp), `row ${s.id}`));
  assert.equal(blockedKind(429, 'rate_limit_exceeded', 1, null), null, "a provider's own 429 is an error, not a refusal");
  assert.equal(blockedKind(429, 'rate_limit_exceeded', 0, null), 'rate_limit');
  assert.equal(blockedKind(403, 'dlp_output_blocked', 1, null), 'dlp');
});

test('tag keys and the (untagged) row', () => {
  assert.ok(tagKeys(db).includes('feature') && tagKeys(db).includes('env'));
  const b = breakdown(db, { from: FROM, to: TO, by: 'tag:feature' });
  const untagged = rows.filter((r) => !parseTags(r.tags).some(([k]) => k === 'feature')).length;
  assert.equal(b.rows.find((r) => r.key === '(untagged)')?.requests, untagged);
  assert.throws(() => breakdown(db, { from: FROM, to: TO, by: 'tag:no spaces' as 'tag:x' }), /not a valid tag key/);
});

test('request log: every filter pages stably through exactly the matching rows, newest first', () => {
  const filters: [LogFilter, (r: Row) => boolean][] = [
    [{}, () => true],
    [{ client: 'aider' }, (r) => r.client === 'aider'],
    [{ client: '' }, (r) => r.client === null],
    [{ model: 'anthropic/claude-sonnet-4' }, (r) => r.provider === 'anthropic' && r.model === 'claude-sonnet-4'],
    [{ model: '' }, (r) => r.model === null],
    [{ provider: 'openai', status: 'error' }, (r) => r.provider === 'openai' && r.status >= 400],
    [{ status: 502 }, (r) => r.status === 502],
    [{ blocked: true }, (r) => blockedKind(r.status, r.error_type, r.attempts, r.dlp) !== null],
    [{ blocked: true, client: 'cursor' }, (r) => r.client === 'cursor' && blockedKind(r.status, r.error_type, r.attempts, r.dlp) !== null],
    [{ tag: { key: 'Feature', value: 'review' } }, (r) => parseTags(r.tags).some(([k, v]) => k === 'feature' && v === 'review')],
    [{ from: Date.UTC(2025, 5, 1), to: Date.UTC(2025, 6, 1), status: 'ok' }, (r) => r.ts >= Date.UTC(2025, 5, 1) && r.ts < Date.UTC(2025, 6, 1) && r.status < 400],
  ];
  for (const [f, pred] of filters) {
    const want = rows.filter(pred).sort((a, b) => b.ts - a.ts || b.id - a.id).map((r) => r.id);
    const got: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const p = requestLog(db, { ...f, cursor, limit: 97 });
      got.push(...p.rows.map((r) => r.id));
      cursor = p.nextCursor;
      if (pages++ === 1) {
        // New traffic between pages must not shift or repeat later pages.
        db.prepare(`INSERT INTO requests (ts, client, inbound, provider, model, status, tags) VALUES (?, 'aider', 'openai', 'openai', 'gpt-4o', 200, 'feature=review')`).run(TO - 1);
      }
    } while (cursor);
    assert.deepEqual(got, want, `filter ${JSON.stringify(f)}`);
    rows = db.prepare('SELECT * FROM requests ORDER BY id').all() as Row[];
  }
  const one = requestLog(db, { limit: 500, from: FROM, to: Date.UTC(2025, 8, 1) }).rows.find((r) => r.dlp.length && r.routeRule);
  assert.ok(one, 'rows carry routing, DLP and tags');
  assert.ok(one.requestedModel === 'auto' && one.dlp[0].type && typeof one.dlp[0].count === 'number' && one.fallbacks === Math.max(0, one.attempts - 1));
  assert.throws(() => requestLog(db, { cursor: 'garbage' }), /Invalid request log cursor/);
  assert.throws(() => requestLog(db, { limit: 100000 }), /1\.\.500/);
});

test('CSV: RFC 4180 quoting and the formula-injection guard', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('line\nbreak'), '"line\nbreak"');
  assert.equal(csvField('=HYPERLINK("http://x","y")'), `"'=HYPERLINK(""http://x"",""y"")"`);
  assert.equal(csvField('+1'), "'+1");
  assert.equal(csvField('-2'), "'-2");
  assert.equal(csvField('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvField('\tx'), "'\tx");
  assert.equal(csvField(-0.25), '-0.25', 'numbers are data, not formulas');
  assert.equal(csvField(null), '');
  const ins = db.prepare(`INSERT INTO requests (ts, client, inbound, status, error_type, tags) VALUES (?, ?, 'openai', 500, ?, ?)`);
  const evil = '=cmd|"/c calc"!A1,\r\n"x"';
  ins.run(TO + 5, evil, '@err', 'note=-1+1');
  const c = csvChunk(db, { from: TO, to: TO + 10 }, null);
  const parsed = parseCsv(c.text);
  assert.deepEqual(parsed[0], [...CSV_COLUMNS]);
  const rec = Object.fromEntries(CSV_COLUMNS.map((k, i) => [k, parsed[1][i]]));
  assert.equal(rec.client, `'${evil}`);
  assert.equal(rec.error_type, "'@err");
  assert.equal(rec.tags, "note=-1+1");
  assert.ok(c.text.endsWith('\r\n'));
  // All rows, chunked: the row count matches the log.
  let all = '';
  let cursor: string | null = null;
  do {
    const ch = csvChunk(db, {}, cursor, 1500);
    all += ch.text;
    cursor = ch.nextCursor;
  } while (cursor);
  assert.equal(parseCsv(all).length - 1, (db.prepare('SELECT COUNT(*) FROM requests').pluck().get() as number));
});

function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let f = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (q) {
      if (ch === '"' && text[i + 1] === '"') (f += '"', i++);
      else if (ch === '"') q = false;
      else f += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') (row.push(f), (f = ''));
    else if (ch === '\r' && text[i + 1] === '\n') (row.push(f), out.push(row), (row = []), (f = ''), i++);
    else f += ch;
  }
  return out;
}

test('tags parser: normalises, dedupes, caps, and shrugs off junk', () => {
  assert.deepEqual(parseTags('feature=summarize,env=dev'), [['feature', 'summarize'], ['env', 'dev']]);
  assert.deepEqual(parseTags(' Feature = Summarize ; ENV=dev,feature=other'), [['feature', 'Summarize'], ['env', 'dev']]);
  assert.deepEqual(parseTags('=x,novalue,a=,,,;;,b==c'), [['b', '=c']]);
  assert.deepEqual(parseTags('k="q\\u0022",emoji=🚀'), [['k', '"q\\u0022"'], ['emoji', '🚀']]);
  assert.deepEqual(parseTags('bad key=1,ok=\u0001x,x=' + 'v'.repeat(129)), []);
  assert.equal(parseTags(Array.from({ length: 40 }, (_, i) => `k${i}=v`).join(',')).length, 16);
  assert.deepEqual(parseTags(null), []);
  assert.deepEqual(parseTags(''), []);
  const r = rng(SEED);
  const alphabet = 'aZ9=,; \t"\\\u0000é🚀-_.:/';
  for (let i = 0; i < 2000; i++) {
    let s = '';
    const n = Math.floor(r() * 40);
    for (let j = 0; j < n; j++) s += [...alphabet][Math.floor(r() * [...alphabet].length)];
    const t = parseTags(s);
    const keys = t.map(([k]) => k);
    assert.equal(new Set(keys).size, keys.length);
    for (const [k, v] of t) {
      assert.match(k, /^[a-z0-9][a-z0-9_.:/-]*$/);
      assert.ok(v.length > 0 && !/[\u0000-\u001f]/.test(v) && v === v.trim());
    }
  }
});

test('time: periods in zones with DST, half-hour offsets and a missing midnight', () => {
  const iso = (t: number) => new Date(t).toISOString();
  const ber = periodsBetween('Europe/Berlin', Date.UTC(2025, 2, 29), Date.UTC(2025, 2, 31), 'day');
  assert.deepEqual(ber.map((p) => [p.label, (p.end - p.start) / H]), [['2025-03-29', 24], ['2025-03-30', 23], ['2025-03-31', 24]]);
  assert.equal(iso(periodsBetween('Asia/Kolkata', Date.UTC(2025, 0, 5), Date.UTC(2025, 0, 5, 1), 'day')[0].start), '2025-01-04T18:30:00.000Z');
  // Chile: DST began on 7 Sep 2025 at 00:00 → the day starts at 01:00 local (04:00Z).
  const cl = periodsBetween('America/Santiago', Date.UTC(2025, 8, 7, 12), Date.UTC(2025, 8, 7, 13), 'day')[0];
  assert.equal(iso(cl.start), '2025-09-07T04:00:00.000Z');
  assert.equal((cl.end - cl.start) / H, 23);
  assert.throws(() => periodsBetween('Mars/Olympus', 0, 1, 'day'), /Unknown time zone/);
  // The rollup cover: a Berlin day is one UTC day ± an hour, not 24 hourly rows.
  const d = decompose(Date.UTC(2025, 0, 1, 23), Date.UTC(2025, 0, 2, 23));
  assert.ok(d.pieces.length <= 3 && d.pieces.some((p) => p[0] === SPANS[2]), JSON.stringify(d));
});

test('the worker answers off the main thread, with the same results as inline', async () => {
  const svc = new AnalyticsService({ dbFile: path.join(dir, 'airlock.db'), maintain: false });
  try {
    const q = { zone: 'Asia/Kolkata', from: FROM, to: TO, unit: 'day' as const, by: 'model' as const };
    let ticks = 0;
    let done = false;
    const p = svc.spendSeries(q).finally(() => (done = true));
    while (!done) {
      await new Promise((r) => setImmediate(r));
      ticks++;
    }
    const got = await p;
    assert.ok(ticks > 1, 'the event loop kept turning while the worker computed');
    assert.deepEqual(got, spendSeries(db, q));
    assert.deepEqual(await svc.requestLog({ limit: 5 }), requestLog(db, { limit: 5 }));
    await assert.rejects(svc.breakdown({ from: 1, to: 0, by: 'client' }), /time range is empty/);
    const chunks: string[] = [];
    for await (const c of svc.exportCsv({ client: 'aider' }, 300)) chunks.push(c);
    assert.ok(chunks.length > 1 && chunks[0].startsWith('id,time_utc'));
    assert.equal((await svc.status()).maintaining, false);
  } finally {
    await svc.close();
  }
  // A maintaining worker catches the rollup up by itself.
  db.prepare(`INSERT INTO requests (ts, client, inbound, status) VALUES (?, 'late', 'openai', 200)`).run(TO - 10);
  const m = new AnalyticsService({ dbFile: path.join(dir, 'airlock.db'), intervalMs: 20 });
  try {
    let st = await m.status();
    for (let i = 0; i < 200 && st.pending > 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      st = await m.status();
    }
    assert.equal(st.pending, 0);
    assert.equal(st.maintaining, true);
  } finally {
    await m.close();
  }
});
