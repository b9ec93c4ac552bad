// Governance screens end to end in web mode, in Debian's Chromium, against a real `airlock serve` whose trust anchor
// comes from AIRLOCK_TRUST_ANCHOR: install a signed bundle and see managed settings locked; refused bundles
// (rollback, other tenant) show their reason; user settings cannot loosen the team policy; Admin mode edits a
// section, flags a bad regex at the field, shows the diff, signs with a chosen key file and exports a bundle that
// `airlock policy verify` accepts; the Audit view verifies OK, then names the row we tampered with in SQLite.
// Screenshots of each screen in light and dark go to e2e/screenshots/.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { SCREENSHOTS, browserSkipReason, launchBrowser, screenshot } from './support.ts';
import { expectAttr, expectText } from './expect.ts';
import { AdminPage, AuditPage, PolicyPage, startServe } from './governance-pages.ts';
import { tempDataDir } from '../electron/core/testing/harness.ts';
import { createKeyPair, createTrustAnchor, signPolicy } from '../electron/core/policy/admin.ts';
import { databasePath } from '../electron/core/paths.ts';
import { parseExport } from '../electron/core/audit/log.ts';
import { runCli } from '../electron/cli/run.ts';

const skip = browserSkipReason();
if (skip) console.log(`# governance e2e skipped: ${skip}`);

const POLICY = {
  providers: { allow: ['openai', 'anthropic'] },
  models: { allow: ['openai/gpt-4o-mini', 'anthropic/claude-*'] },
  dlp: { actions: { EMAIL: 'mask', CREDIT_CARD: 'block' } },
  budgets: [{ scope: 'global', window: 'month', mode: 'hard', limitUsd: 200, warnAtPct: 80 }],
  retention: { requestLogDays: 30, storePrompts: false },
};

async function airlock(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const dir = tempDataDir('airlock-gov-cli-');
  try {
    const code = await runCli(['--data-dir', dir, ...args], { out: (l) => out.push(l), err: (l) => err.push(l), readStdin: async () => '', env: {}, isTTY: false }, () => null);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function go(page: Page, route: 'policy' | 'admin' | 'audit') {
  await page.getByTestId(`nav-${route}`).click();
  await page.getByTestId(`${route}-screen`).waitFor();
}

async function bothThemes(page: Page, name: string, part?: string) {
  // Toasts (policy events) float over the page; they are not part of the screen.
  for (let i = 0; i < 8 && (await page.locator('.toast').count()) > 0; i++) await page.locator('.toast button').first().click({ timeout: 1000 }).catch(() => {});
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    await screenshot(page, `${name}-${theme}`);
    if (part) await page.getByTestId(part).screenshot({ path: path.join(SCREENSHOTS, `${name}-detail-${theme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

test('governance in web mode: install and refusals, locked settings, admin sign + export, audit verify and tamper', { skip: skip ?? false, timeout: 90_000 }, async (t) => {
  const work = tempDataDir('airlock-gov-e2e-');
  const dataDir = path.join(work, 'data');
  const adm = path.join(work, 'admin');
  fs.mkdirSync(adm);
  const admin = createKeyPair(path.join(adm, 'admin'));
  const trust = path.join(adm, 'trust.json');
  fs.writeFileSync(trust, createTrustAnchor({ pubFiles: [admin.pubFile], tenant: 'acme', contact: 'security@acme.test' }));
  const sign = (version: number, tenant = 'acme') =>
    signPolicy({ policyText: JSON.stringify(POLICY), keyFiles: [admin.keyFile], tenant, version, expires: '30d', bundleId: tenant === 'acme' ? 'acme-eng' : `${tenant}-eng` });

  const serve = await startServe(dataDir, { AIRLOCK_TRUST_ANCHOR: trust });
  const browser = await launchBrowser();
  t.after(async () => {
    await browser.close();
    await serve.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });
  const context = await browser.newContext({ colorScheme: 'light', viewport: { width: 1200, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(serve.loginUrl);
  await page.getByTestId('nav-policy').waitFor();

  // ---- Policy view: managed but no bundle yet (fail closed), then a valid bundle.
  const policy = new PolicyPage(page);
  await go(page, 'policy');
  await expectAttr(policy.state(), 'data-state', 'invalid');
  await expectText(page.getByTestId('policy-reason'), "managed by tenant 'acme' but no team policy bundle is installed");

  await policy.install('acme-v2.bundle.json', sign(2));
  await expectAttr(policy.installResult(), 'data-ok', 'true');
  await expectText(policy.installResult(), "Installed team policy 'acme-eng' v2");
  await expectAttr(policy.state(), 'data-state', 'managed');
  await expectText(policy.bundleName(), "'acme-eng' version 2");
  await expectText(page.getByTestId('policy-bundle'), 'from acme-v2.bundle.json');
  assert.match(await policy.sha().innerText(), /^[0-9a-f]{64}$/);
  await expectAttr(policy.effective('models.allow'), 'data-source', 'managed');
  await expectText(policy.effective('models.allow'), "set by 'acme-eng' v2");
  await expectText(policy.effective('dlp.actions.CREDIT_CARD'), 'block');

  // Refused bundles say why, plainly, and land in the refusal history.
  await policy.install('acme-v1.bundle.json', sign(1));
  await expectAttr(policy.installResult(), 'data-code', 'rollback');
  await expectText(policy.installResult(), 'Refused (rollback): bundle version 1 is older than version 2 already seen');
  await policy.install('beta.bundle.json', sign(5, 'beta'));
  await expectAttr(policy.installResult(), 'data-code', 'other_tenant');
  await expectText(policy.installResult(), "bundle is for tenant 'beta'; this install belongs to tenant 'acme'");
  await expectText(policy.refusals(), 'other tenant');
  await expectText(policy.refusals(), 'rollback');
  await expectText(policy.bundleName(), 'version 2', 2000);

  // Your settings may only tighten: allowing a model the team did not allow is refused, naming the bundle.
  await policy.openUserSettings();
  await page.getByTestId('user-models-restrict').check();
  await page.getByTestId('user-models-allow').fill('openai/gpt-4o');
  await policy.saveUser();
  await expectText(policy.userError(), "managed by team policy 'acme-eng' v2 and may only be made stricter");
  await expectText(policy.userError(), 'security@acme.test');
  // Tightening is saved and shows as "made stricter by you".
  await page.getByTestId('user-models-allow').fill('openai/gpt-4o-mini');
  await policy.saveUser();
  await policy.userSaved().waitFor();
  await expectAttr(policy.effective('models.allow'), 'data-source', 'both');
  await expectText(policy.effective('models.allow'), 'made stricter by you');
  await page.getByTestId('policy-user').scrollIntoViewIfNeeded();
  await bothThemes(page, 'policy-user', 'policy-user');
  await page.getByTestId('policy-user-toggle').click();
  await bothThemes(page, 'policy');

  // ---- Admin mode: the draft starts from the installed bundle; edit DLP, break a regex, fix it, diff, sign.
  const adminPage = new AdminPage(page);
  await go(page, 'admin');
  await expectText(adminPage.valid(), "No changes against 'acme-eng' v2 (installed here)");
  await adminPage.tab('dlp').click();
  await adminPage.get('admin-dlp-action-IBAN').selectOption('block');
  await adminPage.get('admin-rule-add').click();
  await adminPage.get('admin-rule-0-id').fill('employee-id');
  await adminPage.get('admin-rule-0-pattern').fill('EMP-(\\d{6}');
  await expectText(adminPage.get('admin-rule-0-issues'), 'pattern does not compile');
  await expectText(adminPage.invalid(), 'dlp.rules.0.pattern');
  assert.equal(await adminPage.signButton().isDisabled(), true, 'an invalid draft cannot be signed');
  await expectText(adminPage.tab('dlp'), '1');
  await adminPage.get('admin-rule-0-pattern').fill('\\bEMP-\\d{6}\\b');
  await expectText(adminPage.valid(), '5 changes'); // IBAN + the new rule's id, kind, pattern, action
  await expectText(adminPage.diffRow('dlp.actions.IBAN'), 'block');
  await expectText(adminPage.diffRow('dlp.rules[employee-id].pattern'), '\\bEMP-\\d{6}\\b');
  // Try it: the real DLP scanner with the draft's rules.
  await adminPage.get('admin-try-text').fill('Badge EMP-004211, card 4111 1111 1111 1111, mail ana@example.com');
  await expectText(adminPage.get('admin-try-summary'), 'EMPLOYEE_ID (mask)');
  await expectText(adminPage.get('admin-try-summary'), 'CREDIT_CARD (block)');
  await expectText(adminPage.get('admin-try-output'), 'EMP-004211');
  await bothThemes(page, 'admin-dlp', 'admin-try');

  // Sign with a key file the admin chooses; the bundle downloads.
  assert.equal(await adminPage.get('admin-tenant').inputValue(), 'acme');
  assert.equal(await adminPage.get('admin-bundle-id').inputValue(), 'acme-eng');
  assert.equal(await adminPage.get('admin-version').inputValue(), '3');
  await adminPage.chooseKeyFile('admin.key', fs.readFileSync(admin.keyFile, 'utf8'));
  const [download] = await Promise.all([page.waitForEvent('download'), adminPage.signButton().click()]);
  assert.equal(download.suggestedFilename(), 'acme-eng-v3.bundle.json');
  const bundleFile = path.join(adm, 'exported.bundle.json');
  await download.saveAs(bundleFile);
  await expectText(adminPage.signed(), "Signed 'acme-eng' v3");
  await expectText(adminPage.trustCheck(), 'trust anchor accepts this bundle');
  await expectText(adminPage.valid(), "No changes against 'acme-eng' v3");
  await adminPage.signed().scrollIntoViewIfNeeded();
  await bothThemes(page, 'admin-signed');
  assert.ok(!(await page.content()).includes('PRIVATE KEY'), 'the private key never comes back to the page');

  // The exported bundle verifies with the CLI, against the trust anchor.
  const v = await airlock(['policy', 'verify', bundleFile, '--trust', trust]);
  assert.equal(v.code, 0, v.err);
  assert.match(v.out, /^OK: 'acme-eng' v3 for tenant 'acme'/);
  const signedPolicy = JSON.parse(Buffer.from(JSON.parse(fs.readFileSync(bundleFile, 'utf8')).payload, 'base64').toString()).policy;
  assert.deepEqual(signedPolicy.dlp.rules, [{ id: 'employee-id', kind: 'regex', pattern: '\\bEMP-\\d{6}\\b', action: 'mask' }]);
  assert.equal(signedPolicy.dlp.actions.IBAN, 'block');

  // And installs here.
  await go(page, 'policy');
  await policy.install('exported.bundle.json', fs.readFileSync(bundleFile));
  await expectText(policy.installResult(), "Installed team policy 'acme-eng' v3 for tenant 'acme' (was v2)");
  await expectText(policy.effective('dlp.actions.IBAN'), "set by 'acme-eng' v3");

  // ---- Audit view: entries newest first, filter, verify OK, export, then tamper and verify names the row.
  const audit = new AuditPage(page);
  await go(page, 'audit');
  await audit.table().waitFor();
  const firstType = await audit.rows().first().getAttribute('data-type');
  assert.equal(firstType, 'policy.installed', 'newest first: the v3 install');
  await audit.filterType('policy.refused');
  await expectText(audit.count(), 'of 2 entries');
  const types = await audit.rows().evaluateAll((els) => els.map((e) => e.getAttribute('data-type')));
  assert.deepEqual(types, ['policy.refused', 'policy.refused']);
  await audit.filterType('');
  // Export first: it signs a checkpoint over the head, which verify then reports.
  const [exp] = await Promise.all([page.waitForEvent('download'), audit.exportButton().click()]);
  assert.equal(exp.suggestedFilename(), 'audit.jsonl');
  const expFile = path.join(adm, 'audit.jsonl');
  await exp.saveAs(expFile);
  const parsed = parseExport(fs.readFileSync(expFile, 'utf8'));
  assert.ok(parsed.entries.some((e) => e.type === 'policy.refused'));
  assert.equal(parsed.checkpoints.length, 1);
  const ev = await airlock(['audit', 'verify', '--file', expFile]);
  assert.equal(ev.code, 0, ev.err);

  await audit.verify();
  await expectAttr(audit.verifyState(), 'data-state', 'ok');
  await expectText(audit.ok(), /OK: \d+ entries/);
  await expectText(audit.ok(), 'Last checkpoint: #');
  await bothThemes(page, 'audit-ok');

  // Tamper: rewrite the first install's entry directly in the serve process's database.
  const db = new Database(databasePath(dataDir));
  const row = db.prepare("SELECT seq, data FROM audit_log WHERE type = 'policy.installed' ORDER BY seq LIMIT 1").get() as { seq: number; data: string };
  db.prepare('UPDATE audit_log SET data = ? WHERE seq = ?').run(row.data.replace('acme-v2.bundle.json', 'forged.json'), row.seq);
  db.close();
  await audit.verify();
  await expectAttr(audit.verifyState(), 'data-state', 'failed');
  await expectText(audit.failed(), `entry #${row.seq} (policy.installed`);
  await expectText(audit.failed(), 'was edited: its content does not match its hash');
  await bothThemes(page, 'audit-failed');

  // The one expected failed request is the refused loosening (403); bundle refusals are answers, not HTTP errors.
  assert.deepEqual(errors.filter((e) => !/status of 403/.test(e)), [], 'no console errors or CSP violations');
  assert.equal(errors.length, 1);
});
