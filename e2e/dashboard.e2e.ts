// Spend dashboard, Request log, Budgets and DLP view end to end in web mode, in Debian's Chromium, against a real
// `airlock serve` whose data dir was seeded BEFORE it started (≈600 generated rows over 40 days + 5 known rows a few
// seconds old, and three budgets: one under, one soft-warned, one hard-exceeded). The browser runs in Asia/Kolkata
// (UTC+5:30) and every figure on screen is compared with plain SQL over the rows, with day/week/month bounds computed
// here without Intl. Then: a real request through the gateway updates the dashboard live. Screenshots of every
// screen in light and dark go to e2e/screenshots/.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { SCREENSHOTS, browserSkipReason, launchBrowser, pageErrors, screenshot } from './support.ts';
import { expectAttr, expectText } from './expect.ts';
import { startServe } from './governance-pages.ts';
import { BudgetsPage, DashboardPage, DlpPage, Nav, RequestsPage } from './dashboard-pages.ts';
import { tempDataDir } from '../electron/core/testing/harness.ts';
import { startMockUpstream } from '../electron/core/testing/mock-upstream.ts';
import { Core } from '../electron/core/core.ts';
import { databasePath } from '../electron/core/paths.ts';
import { setBudget } from '../electron/core/budget/admin.ts';
import { KNOWN, fixedZoneBounds, seedDashboard } from '../electron/core/api/dashboard-seed.ts';

const skip = browserSkipReason();
if (skip) console.log(`# dashboard e2e skipped: ${skip}`);

const ZONE = 'Asia/Kolkata';
const OFFSET = 5.5 * 3_600_000;

async function bothThemes(page: Page, name: string) {
  for (let i = 0; i < 8 && (await page.locator('.toast').count()) > 0; i++) await page.locator('.toast button').first().click({ timeout: 1000 }).catch(() => {});
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    // Charts re-read their colors on the color-scheme change.
    await page.waitForTimeout(150);
    await screenshot(page, `${name}-${theme}`);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

test('dashboard in web mode: totals match SQL, charts, click-through, filters, CSV, budgets, DLP, live update', { skip: skip ?? false, timeout: 90_000 }, async (t) => {
  const work = tempDataDir('airlock-dash-e2e-');
  const dataDir = path.join(work, 'data');
  const mock = await startMockUpstream();
  // Seed before serve starts: rows, a provider for the live request (key from the environment), a token, budgets.
  const seededAt = Date.now();
  {
    const core = new Core({ dataDir, secrets: null });
    seedDashboard(core.db, seededAt);
    core.providers.add({ id: 'mock', type: 'openai-compatible', preset: null, baseUrl: mock.url, keyEnv: 'AIRLOCK_E2E_MOCK_KEY', options: {} });
    setBudget(core, { scope: 'global', window: 'day', limitUsd: 100, mode: 'hard' });
    setBudget(core, { scope: 'client:cursor', window: 'day', limitUsd: 1, mode: 'soft', warnAtPct: 80 });
    setBudget(core, { scope: 'client:aider', window: 'day', limitUsd: 1, mode: 'hard' });
    core.close();
  }
  const token = await (async () => {
    const core = new Core({ dataDir, secrets: null });
    try {
      return core.clients.create('e2e-live').token;
    } finally {
      core.close();
    }
  })();
  const serve = await startServe(dataDir, { AIRLOCK_E2E_MOCK_KEY: 'sk-e2e-mock-key-0000' });
  const browser = await launchBrowser();
  const db = new Database(databasePath(dataDir), { readonly: true });
  t.after(async () => {
    db.close();
    await browser.close();
    await serve.stop();
    await mock.close();
    fs.rmSync(work, { recursive: true, force: true });
  });
  const one = (sql: string, ...p: unknown[]) => db.prepare(sql).pluck().get(...p) as number;
  const ids = (sql: string, ...p: unknown[]) => db.prepare(sql).pluck().all(...p) as number[];
  const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-6, `${what}: screen ${a} vs SQL ${b}`);

  const context = await browser.newContext({ colorScheme: 'light', timezoneId: ZONE, viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`# page error: ${e.message}`));
  await page.goto(serve.loginUrl);
  const nav = new Nav(page);
  const dash = new DashboardPage(page);
  const log = new RequestsPage(page);

  // -- Spend dashboard -----------------------------------------------------------------------------------------
  await nav.go('dashboard');
  await dash.total('today').waitFor();
  await expectText(page.getByTestId('dash-zone'), /^Asia\/(Kolkata|Calcutta)$/); // Chromium's ICU may say the old name
  const now = Number(await dash.root().getAttribute('data-loaded'));
  const b = fixedZoneBounds(now, OFFSET);
  const cost = (from: number) => one('SELECT COALESCE(SUM(cost_usd), 0) FROM requests WHERE ts >= ? AND ts <= ?', from, now);
  near(await dash.usd('today'), cost(b.today), 'today');
  near(await dash.usd('today'), KNOWN.reduce((s, r) => s + (r.costUsd ?? 0), 0), 'today = the known rows');
  near(await dash.usd('week'), cost(b.week), 'this week');
  near(await dash.usd('month'), cost(b.month), 'this month');
  await expectText(dash.total('today'), '$2.90');
  await expectText(dash.total('today'), `${KNOWN.length} requests`);
  assert.ok((await dash.usd('projection')) >= (await dash.usd('month')), 'the projection is at least this month so far');

  // The chart: one bar series per client in the range (30 days ending today, in Kolkata).
  const { from, to } = await dash.range();
  assert.equal(from, b.today - 29 * 86_400_000);
  const clients = one("SELECT COUNT(DISTINCT COALESCE(client, '')) FROM requests WHERE ts >= ? AND ts < ?", from, to);
  await dash.chart().waitFor();
  assert.equal(await dash.chartBars().count(), clients, 'one SVG bar series per client');
  assert.equal(await dash.legendItems().count(), clients);
  assert.ok((await dash.chart().locator('svg path.recharts-rectangle').count()) > 10, 'bars are drawn');
  // Stacked by provider instead.
  await dash.stackBy('provider');
  const providers = one("SELECT COUNT(DISTINCT CASE WHEN model IS NULL THEN '' ELSE COALESCE(provider, '') END) FROM requests WHERE ts >= ? AND ts < ?", from, to);
  await expectAttr(dash.chart(), 'data-series-count', String(providers));
  assert.equal(await dash.chartBars().count(), providers);
  // By a tag key from x-airlock-tags.
  await dash.stackBy('tag:feature');
  await page.locator('[data-testid="spend-chart-legend-item"][data-key="summarize"]').waitFor();
  await page.locator('[data-testid="spend-chart-legend-item"][data-key="(untagged)"]').waitFor();
  await dash.stackBy('client');
  await expectAttr(dash.chart(), 'data-series-count', String(clients));

  // Tables: per-client requests and cost match SQL.
  const byClient = db.prepare("SELECT COALESCE(client, '') AS k, COUNT(*) AS n, COALESCE(SUM(cost_usd), 0) AS c FROM requests WHERE ts >= ? AND ts < ? GROUP BY 1").all(from, to) as { k: string; n: number; c: number }[];
  assert.equal(await dash.tableRows('client').count(), byClient.length);
  for (const c of byClient) {
    const row = dash.tableRows('client').and(page.locator(`[data-key="${c.k}"]`));
    assert.equal(Number(await row.getAttribute('data-requests')), c.n, `requests of ${c.k}`);
    near(Number(await row.getAttribute('data-usd')), c.c, `cost of ${c.k}`);
  }
  await bothThemes(page, 'dashboard');
  await dash.tab('model');
  await dash.tableRows('model').first().waitFor();
  assert.equal(await dash.tableRows('model').count(), one("SELECT COUNT(DISTINCT CASE WHEN model IS NULL THEN '' ELSE provider || '/' || model END) FROM requests WHERE ts >= ? AND ts < ?", from, to));
  await dash.tab('client');

  // -- Click-through: the aider row opens the log filtered to aider in the dashboard's range ------------------------
  await dash.openRow('client', 'aider');
  await log.root().waitFor();
  await expectText(log.count(), 'client aider');
  const aider = ids("SELECT id FROM requests WHERE client = 'aider' AND ts >= ? AND ts < ? ORDER BY ts DESC, id DESC LIMIT 50", from, to);
  await expectAttr(log.rows().first(), 'data-id', String(aider[0]));
  assert.deepEqual(await log.ids(), aider, 'the filtered log is exactly the aider rows, newest first');
  assert.ok((await log.attr('data-client')).every((c) => c === 'aider'));
  // The unknown-price row says "unknown", not $0.
  const unknownRow = log.rows().and(page.locator('[data-cost="unknown"]')).first();
  await expectText(unknownRow.getByTestId('req-cost'), 'unknown');

  // CSV export of that filter: the downloaded file is those rows.
  const [download] = await Promise.all([page.waitForEvent('download'), log.exportButton().click()]);
  const csv = fs.readFileSync((await download.path())!, 'utf8');
  const lines = csv.split('\r\n').filter(Boolean);
  assert.match(lines[0]!, /^id,time_utc,client,inbound,requested_model,provider,model,status/);
  const allAider = ids("SELECT id FROM requests WHERE client = 'aider' AND ts >= ? AND ts < ? ORDER BY ts DESC, id DESC", from, to);
  assert.deepEqual(lines.slice(1).map((l) => Number(l.split(',')[0])), allAider, 'CSV rows = SQL rows');
  assert.ok(lines.slice(1).every((l) => l.split(',')[2] === 'aider'));
  assert.match(download.suggestedFilename(), /^airlock-requests-.*\.csv$/);

  // -- Request log filters ------------------------------------------------------------------------------------------
  await log.reset();
  await expectAttr(log.rows().first(), 'data-client', KNOWN[0]!.client!);
  const first = await log.rows().first();
  await expectText(first, 'rule auto:cheapest');
  await expectText(first, '2 attempts (1 fallback)');
  await expectText(first.getByTestId('req-dlp'), 'email ×2');
  // Blocked only.
  await log.filter({ blocked: true });
  await expectText(log.count(), 'blocked only');
  const blocked = ids("SELECT id FROM requests WHERE status IN (403, 429) AND (attempts = 0 OR error_type LIKE 'dlp%' OR error_type LIKE 'budget%' OR error_type LIKE 'policy%') ORDER BY ts DESC, id DESC LIMIT 50");
  await expectAttr(log.rows().first(), 'data-id', String(blocked[0]));
  assert.deepEqual(await log.ids(), blocked);
  assert.ok((await log.attr('data-blocked')).every((x) => x !== ''), 'every row is blocked');
  await expectText(log.rows().first(), 'Blocked: DLP');
  await bothThemes(page, 'requests-blocked');
  // Client filter narrows; errors only; paging with keyset cursors.
  await log.reset();
  await log.filter({ client: 'cursor', status: 'error' });
  await expectText(log.count(), 'errors only');
  const cursorErr = ids("SELECT id FROM requests WHERE client = 'cursor' AND status >= 400 ORDER BY ts DESC, id DESC LIMIT 50");
  await expectAttr(log.rows().first(), 'data-id', String(cursorErr[0]));
  assert.deepEqual(await log.ids(), cursorErr);
  await log.reset();
  await log.filter({ client: 'cursor' });
  const cursor100 = ids("SELECT id FROM requests WHERE client = 'cursor' ORDER BY ts DESC, id DESC LIMIT 100");
  await expectAttr(log.rows().first(), 'data-id', String(cursor100[0]));
  await log.older().click();
  await expectAttr(log.rows().first(), 'data-id', String(cursor100[50]));
  assert.deepEqual(await log.ids(), cursor100.slice(50));
  await log.reset();
  await expectAttr(log.rows().first(), 'data-client', KNOWN[0]!.client!);
  await bothThemes(page, 'requests');
  // A malformed filter is explained, not sent.
  await log.filter({ tag: 'feature' });
  await expectText(page.getByTestId('req-filter-error'), 'key=value');
  await log.reset();

  // -- Budgets ------------------------------------------------------------------------------------------------------
  await nav.go('budgets');
  const budgets = new BudgetsPage(page);
  await budgets.budget('global').waitFor();
  await expectAttr(budgets.budget('global'), 'data-state', 'ok');
  await expectText(budgets.state('global'), 'Under budget');
  await expectAttr(budgets.budget('client:cursor'), 'data-state', 'warn');
  await expectText(budgets.state('client:cursor'), 'Warning: past 80%');
  await expectText(budgets.budget('client:cursor').getByTestId('budget-usd'), '$0.90');
  await expectAttr(budgets.budget('client:aider'), 'data-state', 'exceeded');
  await expectText(budgets.state('client:aider'), 'Limit reached: requests are refused');
  await expectText(budgets.budget('client:aider').getByTestId('budget-usd'), '$2.00');
  await expectText(budgets.budget('client:aider').getByTestId('budget-resets'), 'Resets');
  assert.equal(await page.getByTestId('budget').count(), 3);
  await bothThemes(page, 'budgets');
  // Adding one from the UI: a bad scope is named; a good one appears.
  await page.getByTestId('budget-add').click();
  await page.getByTestId('budget-form-scope').fill('planet:mars');
  await page.getByTestId('budget-form-usd').fill('5');
  await page.getByTestId('budget-form-save').click();
  await expectText(page.getByTestId('budget-form-error'), /scope/i);
  await page.getByTestId('budget-form-scope').fill('provider:openai');
  await page.getByTestId('budget-form-window').selectOption('week');
  await page.getByTestId('budget-form-save').click();
  await budgets.budget('provider:openai').waitFor();
  assert.equal(await page.getByTestId('budget').count(), 4);

  // -- DLP view -----------------------------------------------------------------------------------------------------
  await nav.go('dlp');
  const dlp = new DlpPage(page);
  await dlp.findings().waitFor();
  const dlpFrom = b.today - 29 * 86_400_000;
  let findings = 0;
  const actions = new Set<string>();
  for (const j of db.prepare('SELECT dlp FROM requests WHERE dlp IS NOT NULL AND ts >= ?').pluck().all(dlpFrom) as string[]) {
    for (const f of JSON.parse(j) as { count: number; action: string }[]) {
      findings += f.count;
      actions.add(f.action);
    }
  }
  await expectAttr(dlp.findings(), 'data-count', String(findings));
  assert.equal(await dlp.chartBars().count(), actions.size, 'one series per action');
  const ibanRow = dlp.typeRows().and(page.locator('[data-type="iban"]'));
  assert.ok(Number(await ibanRow.getAttribute('data-total')) >= 1);
  await bothThemes(page, 'dlp');
  await dlp.openBlocked();
  await log.root().waitFor();
  await expectText(log.count(), 'blocked only');
  assert.ok((await log.attr('data-blocked')).every((x) => x !== ''));

  // -- Live: a real request through the gateway shows up on the dashboard without a reload ---------------------------
  await nav.go('dashboard');
  await expectText(dash.total('today'), `${KNOWN.length} requests`);
  const r = await fetch(`${serve.origin}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-airlock-tags': 'feature=live' },
    body: JSON.stringify({ model: 'mock/gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(r.status, 200, await r.text());
  await expectText(dash.total('today'), `${KNOWN.length + 1} requests`, 15_000);
  await dash.tableRows('client').and(page.locator('[data-key="e2e-live"]')).waitFor();
  assert.deepEqual(pageErrors(page).filter((e) => !/Failed to load resource/.test(e)), []);
  await context.close();
});

test('dashboard screens when there is no traffic yet: empty states, light and dark', { skip: skip ?? false, timeout: 60_000 }, async (t) => {
  const work = tempDataDir('airlock-dash-empty-');
  const serve = await startServe(path.join(work, 'data'), {});
  const browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await serve.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });
  const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  await page.goto(serve.loginUrl);
  const nav = new Nav(page);
  await nav.go('dashboard');
  await page.getByTestId('dash-empty').waitFor();
  await expectText(page.getByTestId('total-today'), '$0.00');
  await bothThemes(page, 'dashboard-empty');
  await nav.go('requests');
  await page.getByTestId('req-empty').waitFor();
  await nav.go('budgets');
  await page.getByTestId('budgets-empty').waitFor();
  await bothThemes(page, 'budgets-empty');
  await nav.go('dlp');
  await page.getByTestId('dlp-empty').waitFor();
  await bothThemes(page, 'dlp-empty');
  assert.ok(fs.existsSync(path.join(SCREENSHOTS, 'dlp-empty-dark.png')));
  await context.close();
});
