// The dashboard part of the app API at its boundary (AppApiService.call: input validation, handler, output
// validation) over a real SQLite data dir with seeded rows and the real analytics worker thread. Every figure is
// checked against plain SQL over the same rows.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Core } from '../core.ts';
import { tempDataDir } from '../testing/harness.ts';
import { ApiError } from '../../../shared/api/errors.ts';
import { AppApiService } from './service.ts';
import { budgetState, csvLines, periodRange } from './dashboard.ts';
import { DAY_MS, KNOWN, fixedZoneBounds, seedDashboard } from './dashboard-seed.ts';
import type { DashboardOverview, LogPage } from '../../../shared/api/dashboard.ts';

const KOLKATA = 5.5 * 3_600_000;

async function rejects(p: Promise<unknown>, code: string, re?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ApiError, `expected ApiError, got ${err}`);
    assert.equal(err.code, code, err.message);
    if (re) assert.match(err.message, re);
    return true;
  });
}

test('dashboard API: overview, request log, CSV, DLP and budgets match SQL over the seeded rows; bad input is refused', { timeout: 60_000 }, async (t) => {
  const dataDir = tempDataDir('airlock-dash-');
  const now = Date.now();
  const core = new Core({ dataDir, secrets: null });
  seedDashboard(core.db, now);
  const api = new AppApiService(core, { mode: 'web', version: 't', gateway: () => ({ state: 'running', port: 1 }) });
  t.after(() => {
    api.close();
    core.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const sum = (sql: string, ...p: unknown[]) => core.db.prepare(sql).pluck().get(...p) as number;
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6, `${what}: ${a} vs ${b}`);

  await t.test('overview: totals in the caller zone, tables and series over the chart range', async () => {
    const o = (await api.call('dashboard.overview', { zone: 'Asia/Kolkata', unit: 'day', by: 'client' })) as DashboardOverview;
    const b = fixedZoneBounds(o.now, KOLKATA);
    const cost = (from: number, to: number) => sum('SELECT COALESCE(SUM(cost_usd), 0) FROM requests WHERE ts >= ? AND ts < ?', from, to);
    const count = (from: number, to: number) => sum('SELECT COUNT(*) FROM requests WHERE ts >= ? AND ts < ?', from, to);
    assert.equal(o.totals.today.start, b.today);
    close(o.totals.today.costUsd, cost(b.today, o.now + 1), 'today');
    close(o.totals.today.costUsd, 2.9, 'today = the hand-written rows');
    assert.equal(o.totals.today.requests, KNOWN.length);
    close(o.totals.week.costUsd, cost(b.week, o.now + 1), 'week');
    close(o.totals.month.costUsd, cost(b.month, o.now + 1), 'month');
    assert.equal(o.totals.month.requests, count(b.month, o.now + 1));
    assert.ok(o.totals.projectedMonthUsd !== null && o.totals.projectedMonthUsd >= o.totals.month.costUsd);
    // 30 day periods ending with today.
    assert.equal(o.periods.length, 30);
    assert.equal(o.from, b.today - 29 * DAY_MS);
    assert.equal(o.to, b.today + DAY_MS);
    const clients = core.db.prepare("SELECT COALESCE(client, '') AS k, COUNT(*) AS n, COALESCE(SUM(cost_usd), 0) AS c, SUM(status >= 400) AS e FROM requests WHERE ts >= ? AND ts < ? GROUP BY 1").all(o.from, o.to) as { k: string; n: number; c: number; e: number }[];
    assert.equal(o.tables.client.length, clients.length);
    for (const c of clients) {
      const row = o.tables.client.find((r) => r.key === c.k);
      assert.ok(row, `client ${c.k} in the table`);
      assert.equal(row.requests, c.n);
      assert.equal(row.errors, c.e);
      close(row.costUsd, c.c, `cost of ${c.k}`);
    }
    assert.equal(o.series.length, clients.length, 'one series per client (fewer than 8)');
    close(o.series.reduce((s, x) => s + x.totalCostUsd, 0), cost(o.from, o.to), 'series sum');
    close(o.seriesTotals.costUsd.at(-1)!, 2.9, 'today in the chart');
    const models = sum('SELECT COUNT(DISTINCT CASE WHEN model IS NULL THEN \'\' ELSE provider || \'/\' || model END) FROM requests WHERE ts >= ? AND ts < ?', o.from, o.to);
    assert.equal(o.tables.model.length, models);
    assert.ok(o.tables.model.some((r) => r.key === 'openrouter/meta-llama/llama-3.3-70b' && r.costUnknownRequests >= 1));
    const saved = sum('SELECT COALESCE(SUM(requested_cost_usd - cost_usd), 0) FROM requests WHERE ts >= ? AND ts < ? AND cost_usd IS NOT NULL AND requested_cost_usd IS NOT NULL', o.from, o.to);
    close(o.savings.savedUsd, saved, 'savings');
    assert.ok(o.savings.cacheHits >= 1 && o.savings.cacheHitRate > 0 && o.savings.cacheHitRate < 1);
    assert.ok(o.tagKeys.includes('feature') && o.tagKeys.includes('env'), `tag keys ${o.tagKeys}`);

    const byTag = (await api.call('dashboard.overview', { zone: 'UTC', unit: 'week', by: 'tag:Feature' })) as DashboardOverview;
    assert.equal(byTag.periods.length, 12);
    assert.ok(byTag.series.some((s) => s.key === 'summarize'));
    const monthly = (await api.call('dashboard.overview', { zone: 'America/New_York', unit: 'month', by: 'provider', periods: 3 })) as DashboardOverview;
    assert.equal(monthly.periods.length, 3);
  });

  await t.test('overview and DLP refuse bad input at the boundary', async () => {
    await rejects(api.call('dashboard.overview', { zone: 'Mars/Olympus', unit: 'day', by: 'client' }), 'invalid_input', /time zone/);
    await rejects(api.call('dashboard.overview', { zone: 'UTC', unit: 'hour', by: 'client' }), 'invalid_input', /unit/);
    await rejects(api.call('dashboard.overview', { zone: 'UTC', unit: 'day', by: 'status' }), 'invalid_input', /Group by/);
    await rejects(api.call('dashboard.overview', { zone: 'UTC', unit: 'day', by: 'tag:%%' }), 'invalid_input');
    await rejects(api.call('dashboard.overview', { zone: 'UTC', unit: 'day', by: 'client', periods: 5000 }), 'invalid_input', /periods/);
    await rejects(api.call('dashboard.overview', { zone: 'UTC', unit: 'day', by: 'client', extra: 1 }), 'invalid_input');
    await rejects(api.call('dlp.overview', { zone: '', unit: 'day' }), 'invalid_input');
  });

  await t.test('request log: filters, keyset pages, unknown price stays null', async () => {
    const first = (await api.call('requests.list', { limit: 5 })) as LogPage;
    assert.deepEqual(first.rows.map((r) => r.client), KNOWN.map((k) => k.client));
    const routed = first.rows[0];
    assert.equal(routed.routeRule, 'auto:cheapest');
    assert.equal(routed.fallbacks, 1);
    assert.deepEqual(routed.dlp, [{ type: 'email', count: 2, action: 'mask' }]);
    assert.deepEqual(routed.tags, [['feature', 'summarize'], ['env', 'dev']]);
    assert.equal(first.rows[2].costUsd, null, 'unknown price is null, not 0');
    assert.equal(first.rows[3].blocked, 'dlp');

    const aider = (await api.call('requests.list', { filter: { client: 'aider' }, limit: 200 })) as LogPage;
    const aiderIds = core.db.prepare("SELECT id FROM requests WHERE client = 'aider' ORDER BY ts DESC, id DESC LIMIT 200").pluck().all();
    assert.deepEqual(aider.rows.map((r) => r.id), aiderIds);

    const blockedSql = core.db.prepare("SELECT id FROM requests WHERE status IN (403, 429) AND (attempts = 0 OR error_type LIKE 'dlp%' OR error_type LIKE 'budget%' OR error_type LIKE 'policy%') ORDER BY ts DESC, id DESC").pluck().all() as number[];
    const blocked: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const p = (await api.call('requests.list', { filter: { blocked: true }, cursor, limit: 3 })) as LogPage;
      for (const r of p.rows) {
        assert.ok(r.blocked !== null, `row ${r.id} is blocked`);
        blocked.push(r.id);
      }
      cursor = p.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    assert.deepEqual(blocked, blockedSql, 'blocked-only pages, in order, without gaps or repeats');
    assert.ok(pages > 1);

    const errs = (await api.call('requests.list', { filter: { status: 'error', from: now - 10 * DAY_MS, to: now }, limit: 200 })) as LogPage;
    assert.ok(errs.rows.every((r) => r.status >= 400 && r.ts >= now - 10 * DAY_MS));
    assert.equal(errs.rows.length, sum('SELECT COUNT(*) FROM requests WHERE status >= 400 AND ts >= ? AND ts < ?', now - 10 * DAY_MS, now));
    const tagged = (await api.call('requests.list', { filter: { tag: { key: 'feature', value: 'summarize' } }, limit: 200 })) as LogPage;
    assert.ok(tagged.rows.length > 1 && tagged.rows.every((r) => r.tags.some(([k, v]) => k === 'feature' && v === 'summarize')));
    const model = (await api.call('requests.list', { filter: { model: 'openai/gpt-4o-mini' }, limit: 200 })) as LogPage;
    assert.ok(model.rows.length > 1 && model.rows.every((r) => r.provider === 'openai' && r.model === 'gpt-4o-mini'));

    await rejects(api.call('requests.list', { cursor: 'garbage' }), 'invalid_input', /cursor/);
    await rejects(api.call('requests.list', { filter: { model: 'no-slash' } }), 'invalid_input', /provider\/model/);
    await rejects(api.call('requests.list', { filter: { from: 10, to: 5 } }), 'invalid_input', /range/);
    await rejects(api.call('requests.list', { limit: 0 }), 'invalid_input');
    await rejects(api.call('requests.list', { filter: { status: 'bad' } }), 'invalid_input');
  });

  await t.test('CSV export: header, one line per row, chunked with a cursor', async () => {
    const all: string[] = [];
    let cursor: string | null = null;
    let rows = 0;
    do {
      const c = (await api.call('requests.exportCsv', { filter: { client: 'cursor' }, cursor })) as { text: string; nextCursor: string | null; rows: number };
      all.push(c.text);
      rows += c.rows;
      cursor = c.nextCursor;
    } while (cursor);
    const text = all.join('');
    const lines = text.split('\r\n').filter(Boolean);
    assert.match(lines[0], /^id,time_utc,client,/);
    const n = sum("SELECT COUNT(*) FROM requests WHERE client = 'cursor'");
    assert.equal(lines.length - 1, n);
    assert.equal(rows, n);
    assert.ok(lines.slice(1).every((l) => l.split(',')[2] === 'cursor'));
    assert.equal(csvLines('a,"b\r\nc"\r\nd\r\n'), 2);
  });

  await t.test('DLP overview: findings by type and action, refused requests', async () => {
    const d = (await api.call('dlp.overview', { zone: 'UTC', unit: 'day', periods: 45 })) as { from: number; topTypes: { type: string; total: number; actions: Record<string, number> }[]; byAction: { action: string; total: number }[]; blocked: { kind: string; total: number }[] };
    const rows = core.db.prepare('SELECT dlp FROM requests WHERE dlp IS NOT NULL AND ts >= ?').pluck().all(d.from) as string[];
    const byType = new Map<string, number>();
    let total = 0;
    for (const r of rows) for (const f of JSON.parse(r) as { type: string; count: number }[]) {
      byType.set(f.type, (byType.get(f.type) ?? 0) + f.count);
      total += f.count;
    }
    for (const [type, n] of byType) assert.equal(d.topTypes.find((x) => x.type === type)?.total, n, `findings of ${type}`);
    assert.equal(d.byAction.reduce((s, a) => s + a.total, 0), total);
    assert.ok((d.topTypes.find((x) => x.type === 'iban')?.actions.block ?? 0) >= 1);
    const dlpBlocked = d.blocked.find((b) => b.kind === 'dlp')?.total ?? 0;
    assert.equal(dlpBlocked, sum("SELECT COUNT(*) FROM requests WHERE status = 403 AND error_type = 'dlp_blocked' AND ts >= ?", d.from));
  });

  await t.test('budgets: set, list with states, remove; bad input named', async () => {
    const r1 = (await api.call('budgets.set', { scope: 'global', window: 'day', limitUsd: 100, mode: 'hard' })) as { budget: { state: string } };
    assert.equal(r1.budget.state, 'ok');
    await api.call('budgets.set', { scope: 'client:cursor', window: 'day', limitUsd: 1, mode: 'soft', warnAtPct: 80 });
    await api.call('budgets.set', { scope: 'client:aider', window: 'day', limitUsd: 1, mode: 'hard' });
    const list = (await api.call('budgets.list', {})) as { id: string; scope: string; state: string; spentUsd: number; usedPct: number; mode: string; resetsAtMs: number }[];
    const by = (s: string) => list.find((b) => b.scope === s)!;
    assert.equal(by('global').state, 'ok');
    close(by('global').spentUsd, 2.9, 'global spent today');
    assert.equal(by('client:cursor').state, 'warn');
    close(by('client:cursor').spentUsd, 0.9, 'cursor spent');
    assert.equal(by('client:aider').state, 'exceeded');
    assert.ok(by('client:aider').resetsAtMs > now);
    await rejects(api.call('budgets.set', { scope: 'planet:mars', window: 'day', limitUsd: 1 }), 'invalid_input', /scope/i);
    await rejects(api.call('budgets.set', { scope: 'global', window: 'day' }), 'invalid_input', /limit/i);
    await rejects(api.call('budgets.set', { scope: 'global', window: 'year', limitUsd: 1 }), 'invalid_input');
    assert.deepEqual(await api.call('budgets.remove', { id: by('client:aider').id }), { removed: true });
    assert.equal(((await api.call('budgets.list', {})) as unknown[]).length, 2);
    await rejects(api.call('budgets.remove', { id: '99999' }), 'invalid_input', /No budget/);

    // A team policy's budget is listed as managed, cannot be removed, and cannot be loosened.
    const policy = core.policy;
    const managed = { budgets: [{ scope: 'global', window: 'month', mode: 'hard', limitUsd: 500, warnAtPct: 90 }] };
    core.policy = { managed: () => managed as never, managedBy: () => "team policy 'acme' v3" };
    try {
      const withManaged = (await api.call('budgets.list', {})) as { id: string; managedBy: string | null; scope: string; window: string }[];
      const m = withManaged.find((x) => x.managedBy !== null);
      assert.ok(m, 'the managed budget is listed');
      assert.equal(m.managedBy, "team policy 'acme' v3");
      assert.equal(m.scope, 'global');
      await rejects(api.call('budgets.remove', { id: m.id }), 'invalid_input', /managed by team policy 'acme' v3/);
      await rejects(api.call('budgets.set', { scope: 'global', window: 'month', limitUsd: 900 }), 'invalid_input', /only be tighter/);
    } finally {
      core.policy = policy;
    }
  });
});

test('budget state and period range helpers', () => {
  assert.equal(budgetState({ usedPct: 10, warnAtPct: 80 }), 'ok');
  assert.equal(budgetState({ usedPct: 80, warnAtPct: 80 }), 'warn');
  assert.equal(budgetState({ usedPct: 99.9, warnAtPct: null }), 'ok');
  assert.equal(budgetState({ usedPct: 100, warnAtPct: null }), 'exceeded');
  const now = Date.UTC(2026, 2, 15, 12);
  assert.deepEqual(periodRange('UTC', 'month', 3, now), { from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 3, 1) });
  // Berlin: DST starts 29 March 2026; weeks start on Monday.
  const w = periodRange('Europe/Berlin', 'week', 2, Date.UTC(2026, 2, 31, 12));
  assert.equal(w.from, Date.UTC(2026, 2, 22, 23));
  assert.equal(w.to, Date.UTC(2026, 3, 5, 22));
});
