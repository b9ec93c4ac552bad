// The governance API handlers through the app API boundary (AppApiService.call), against a real Core, a real
// SQLite data dir, real Ed25519 keys and a trust anchor in AIRLOCK_TRUST_ANCHOR.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Core } from '../core.ts';
import { tempDataDir } from '../testing/harness.ts';
import { ApiError } from '../../../shared/api/errors.ts';
import type { AdminState, AuditPage, AuditVerifyResult, DlpTry, InstallOutcome, PolicyCheck, PolicyOverview, PolicyRefusalEntry, SignedBundle } from '../../../shared/api/governance.ts';
import { AppApiService } from './service.ts';
import { createKeyPair, createTrustAnchor, signPolicy, verifyBundleAgainst } from '../policy/admin.ts';
import { databasePath } from '../paths.ts';
import { parseExport } from '../audit/log.ts';
import { verifyChain } from '../audit/chain.ts';
import { MemorySecrets } from '../testing/doubles.ts';
import { flattenPolicy, markSettings, prunePolicy, ADMIN_KEY_ACCOUNT } from './governance.ts';

const POLICY = { models: { allow: ['openai/gpt-4o-mini', 'anthropic/*'] }, dlp: { actions: { EMAIL: 'mask' } }, budgets: [{ scope: 'global', window: 'month', mode: 'hard', limitUsd: 100 }] };

function setup() {
  const dir = tempDataDir('airlock-gov-');
  const adm = path.join(dir, 'admin');
  fs.mkdirSync(adm);
  const keys = createKeyPair(path.join(adm, 'admin'));
  const other = createKeyPair(path.join(adm, 'other'));
  const trust = path.join(adm, 'trust.json');
  fs.writeFileSync(trust, createTrustAnchor({ pubFiles: [keys.pubFile], tenant: 'acme', contact: 'it@acme.test' }));
  const secrets = new MemorySecrets();
  const core = new Core({ dataDir: path.join(dir, 'data'), secrets, env: { AIRLOCK_TRUST_ANCHOR: trust } });
  const api = new AppApiService(core, { mode: 'web', version: 't', gateway: () => ({ state: 'running', port: 1 }) });
  const sign = (version: number, policy: object = POLICY, opts: { tenant?: string; key?: string } = {}) =>
    signPolicy({ policyText: JSON.stringify(policy), keyFiles: [opts.key ?? keys.keyFile], tenant: opts.tenant ?? 'acme', version, expires: '30d', bundleId: 'acme-eng' }).toString('utf8');
  const call = <T>(m: string, input: unknown = {}) => api.call(m, input) as Promise<T>;
  return {
    core,
    api,
    call,
    sign,
    keys,
    other,
    trust,
    secrets,
    close() {
      api.close();
      core.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function rejects(p: Promise<unknown>, code: string, re?: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ApiError, `expected ApiError, got ${err}`);
    assert.equal(err.code, code, err.message);
    if (re) assert.match(err.message, re);
    return true;
  });
}

test('policy view: install, managed settings marked, refusals with their reason and history, user settings only tighten', async () => {
  const s = setup();
  try {
    let o = await s.call<PolicyOverview>('policy.overview');
    assert.equal(o.state, 'invalid', 'a trust anchor without a bundle fails closed');
    assert.match(o.reason!, /no team policy bundle is installed/);

    const ok = await s.call<InstallOutcome>('policy.install', { name: '/tmp/x/acme-v2.json', text: s.sign(2) });
    assert.equal(ok.ok, true, ok.message);
    assert.equal(ok.version, 2);
    o = await s.call<PolicyOverview>('policy.overview');
    assert.equal(o.state, 'managed');
    assert.equal(o.bundle!.bundleId, 'acme-eng');
    assert.equal(o.bundle!.source, 'acme-v2.json', 'the source is the file name, from the install audit entry');
    assert.equal(o.bundle!.signers[0], s.keys.keyid);
    assert.equal(o.managedBy, "'acme-eng' v2");
    const allow = o.settings.find((x) => x.path === 'models.allow')!;
    assert.equal(allow.source, 'managed');
    assert.deepEqual(allow.value, POLICY.models.allow);

    // Refusals come back as a value with the code and a plain reason, and are listed in the history.
    const rollback = await s.call<InstallOutcome>('policy.install', { name: 'old.json', text: s.sign(1) });
    assert.equal(rollback.ok, false);
    assert.equal(rollback.code, 'rollback');
    assert.match(rollback.message, /older than version 2/);
    const tenant = await s.call<InstallOutcome>('policy.install', { name: 'beta.json', text: s.sign(3, POLICY, { tenant: 'beta' }) });
    assert.equal(tenant.code, 'other_tenant');
    const unknown = await s.call<InstallOutcome>('policy.install', { name: 'rogue.json', text: s.sign(3, POLICY, { key: s.other.keyFile }) });
    assert.equal(unknown.code, 'unknown_key');
    const junk = await s.call<InstallOutcome>('policy.install', { name: 'junk.json', text: 'not json' });
    assert.equal(junk.code, 'malformed');
    const hist = await s.call<PolicyRefusalEntry[]>('policy.refusals');
    assert.deepEqual(hist.map((h) => h.code), ['malformed', 'unknown_key', 'other_tenant', 'rollback'], 'newest first');
    assert.equal(hist[3]!.source, 'old.json');

    // Loosening is refused naming the bundle (the CLI's check); tightening is saved and marked 'both'.
    await rejects(s.call('policy.setUser', { policy: { models: { allow: ['openai/gpt-4o'] } } }), 'forbidden', /'acme-eng' v2.*it@acme\.test/);
    await rejects(s.call('policy.setUser', { policy: { models: { allow: 'x' } } }), 'invalid_input', /models\.allow/);
    await s.call('policy.setUser', { policy: { models: { allow: ['openai/gpt-4o-mini'] }, budgets: [{ scope: 'global', window: 'month', mode: 'hard', limitUsd: 20 }], cache: {} } });
    o = await s.call<PolicyOverview>('policy.overview');
    assert.deepEqual(o.user, { models: { allow: ['openai/gpt-4o-mini'] }, budgets: [{ scope: 'global', window: 'month', mode: 'hard', limitUsd: 20 }] }, 'empty sections are dropped');
    assert.equal(o.settings.find((x) => x.path === 'models.allow')!.source, 'both');
    const limit = o.settings.find((x) => x.path === 'budgets[global/month].limitUsd')!;
    assert.deepEqual([limit.value, limit.source], [20, 'both']);
    assert.equal(o.settings.find((x) => x.path === 'dlp.actions.EMAIL')!.source, 'managed');
    await s.call('policy.setUser', { policy: null });
    assert.equal((await s.call<PolicyOverview>('policy.overview')).user, null);
  } finally {
    s.close();
  }
});

test('admin mode: validation issues at the field, diff against the last signed version, DLP try-it, signing three ways', async () => {
  const s = setup();
  try {
    let st = await s.call<AdminState>('admin.state');
    assert.equal(st.base, null);
    assert.equal(st.suggested.tenant, 'acme');
    assert.equal(st.suggested.version, 1);
    assert.deepEqual(st.keychain, { available: true, keyid: null, publicKeyPem: null, message: null });
    assert.ok(st.dlpTypes.some((t) => t.type === 'IBAN'));

    const bad = { ...POLICY, dlp: { rules: [{ id: 'emp', kind: 'regex', pattern: 'EMP-(\\d+', action: 'mask' }] } };
    const c1 = await s.call<PolicyCheck>('admin.check', { policy: bad });
    assert.equal(c1.valid, false);
    assert.equal(c1.issues[0]!.path, 'dlp.rules.0.pattern');
    assert.match(c1.issues[0]!.message, /does not compile/);
    assert.match(c1.summary!, /^policy\.dlp\.rules\.0\.pattern:/);
    const c2 = await s.call<PolicyCheck>('admin.check', { policy: { ...POLICY, budgets: [{ scope: 'global', window: 'month', mode: 'hard', limitUsd: '12x' }] } });
    assert.equal(c2.issues[0]!.path, 'budgets.0.limitUsd');

    // Try it: the real scanner with the draft's custom rules.
    const rules = { dlp: { actions: { EMAIL: 'block' }, rules: [{ id: 'emp', kind: 'regex', pattern: '\\bEMP-\\d{6}\\b', action: 'redact' }, { id: 'codenames', kind: 'keywords', values: ['Bluebird'], action: 'block' }] } };
    const text = 'Ask EMP-123456 about project bluebird, mail jane@example.com';
    const t = await s.call<DlpTry>('admin.tryDlp', { policy: rules, text });
    assert.equal(t.error, null);
    const got = t.findings.map((f) => [f.type, text.slice(f.start, f.end), f.action]);
    assert.deepEqual(got, [
      ['EMP', 'EMP-123456', 'redact'],
      ['CODENAMES', 'bluebird', 'block'],
      ['EMAIL', 'jane@example.com', 'block'],
    ]);
    const t2 = await s.call<DlpTry>('admin.tryDlp', { policy: bad, text });
    assert.match(t2.error!, /does not compile/);

    // Keychain key: generated, never returned, signing with it verifies against a trust anchor for it.
    const gen = await s.call<{ keyid: string; publicKeyPem: string }>('admin.keyGenerate');
    assert.match(gen.publicKeyPem, /BEGIN PUBLIC KEY/);
    assert.ok(s.secrets.items.get(ADMIN_KEY_ACCOUNT)?.includes('PRIVATE KEY'));
    await rejects(s.call('admin.keyGenerate'), 'conflict', /already holds/);
    st = await s.call<AdminState>('admin.state');
    assert.equal(st.keychain.keyid, gen.keyid);
    assert.ok(!JSON.stringify(st).includes('BEGIN PRIVATE KEY'), 'no private key bytes in any answer');

    const pem = fs.readFileSync(s.keys.keyFile, 'utf8');
    const signed = await s.call<SignedBundle>('admin.sign', { policy: POLICY, tenant: 'acme', bundleId: 'acme-eng', version: 1, expires: '30d', key: { kind: 'pem', pem } });
    assert.ok(!JSON.stringify(signed).includes('BEGIN PRIVATE KEY'));
    assert.equal(signed.fileName, 'acme-eng-v1.bundle.json');
    assert.equal(signed.signer, s.keys.keyid);
    assert.deepEqual(signed.trustCheck, { ok: true, message: 'This computer’s trust anchor accepts this bundle.' });
    const v = verifyBundleAgainst(Buffer.from(signed.bundle), fs.readFileSync(s.trust)).bundle;
    assert.equal(v.sha256, signed.sha256);
    assert.deepEqual(v.policy, POLICY);

    // The last signed version becomes the diff base and the next suggested version.
    st = await s.call<AdminState>('admin.state');
    assert.equal(st.base!.from, 'signed-here');
    assert.equal(st.base!.version, 1);
    assert.equal(st.suggested.version, 2);
    const diff = await s.call<PolicyCheck>('admin.check', { policy: { ...POLICY, dlp: { actions: { EMAIL: 'block', IBAN: 'block' } } } });
    assert.deepEqual(diff.changes.map((c) => [c.path, c.kind, c.before, c.after]), [
      ['dlp.actions.EMAIL', 'changed', 'mask', 'block'],
      ['dlp.actions.IBAN', 'added', undefined, 'block'],
    ]);

    // Keychain key: signed, but this install's anchor does not trust it, and says so.
    const byKeychain = await s.call<SignedBundle>('admin.sign', { policy: POLICY, tenant: 'acme', version: 2, expires: '7d', key: { kind: 'keychain' } });
    assert.equal(byKeychain.signer, gen.keyid);
    assert.equal(byKeychain.trustCheck!.ok, false);
    assert.match(byKeychain.trustCheck!.message, /does not trust/);
    // A key file path: exactly the CLI's signPolicy.
    const byPath = await s.call<SignedBundle>('admin.sign', { policy: POLICY, tenant: 'acme', version: 3, expires: '7d', key: { kind: 'path', path: s.keys.keyFile } });
    assert.equal(byPath.trustCheck!.ok, true);
    await rejects(s.call('admin.sign', { policy: bad, tenant: 'acme', version: 4, expires: '7d', key: { kind: 'path', path: s.keys.keyFile } }), 'invalid_input', /does not compile/);
    await rejects(s.call('admin.sign', { policy: POLICY, tenant: 'Acme Corp', version: 4, expires: '7d', key: { kind: 'pem', pem } }), 'invalid_input', /tenant 'Acme Corp' is not valid/);
    await rejects(s.call('admin.sign', { policy: POLICY, tenant: 'acme', version: 4, expires: 'soon', key: { kind: 'pem', pem } }), 'invalid_input', /duration like 30d/);
    await rejects(s.call('admin.sign', { policy: POLICY, tenant: 'acme', version: 4, expires: '7d', key: { kind: 'pem', pem: 'nope' } }), 'invalid_input', /not a PEM private key/);
    assert.deepEqual(await s.call('admin.keyForget'), { removed: true });
    await rejects(s.call('admin.sign', { policy: POLICY, tenant: 'acme', version: 4, expires: '7d', key: { kind: 'keychain' } }), 'not_found', /no admin key/);
    const types = s.core.auditLog.entries({ type: 'policy.signed' });
    assert.equal(types.length, 3);
  } finally {
    s.close();
  }
});

test('audit view: newest first, filters and paging, verify on a worker (OK, then the tampered row named), export', async () => {
  const s = setup();
  try {
    const t0 = Date.now();
    for (let i = 0; i < 7; i++) s.core.auditLog.append('token.created', { name: `t${i}` });
    s.core.auditLog.append('provider.added', { id: 'openai' });
    s.core.auditLog.flush();
    await s.core.auditLog.checkpoint();

    const p1 = await s.call<AuditPage>('audit.list', { limit: 3 });
    assert.equal(p1.total, 8);
    assert.deepEqual(p1.entries.map((e) => e.seq), [8, 7, 6]);
    assert.deepEqual(p1.types, ['provider.added', 'token.created']);
    const p2 = await s.call<AuditPage>('audit.list', { limit: 3, before: p1.before! });
    assert.deepEqual(p2.entries.map((e) => e.seq), [5, 4, 3]);
    const f = await s.call<AuditPage>('audit.list', { type: 'token.created', limit: 5 });
    assert.equal(f.total, 7);
    assert.ok(f.entries.every((e) => e.type === 'token.created'));
    assert.equal((await s.call<AuditPage>('audit.list', { until: t0 - 1 })).total, 0);
    assert.equal((await s.call<AuditPage>('audit.list', { since: t0 })).total, 8);

    const ok = await s.call<AuditVerifyResult>('audit.verify');
    assert.equal(ok.ok, true, ok.problems.join('; '));
    assert.equal(ok.entries, 8);
    assert.equal(ok.ranOn, 'worker', 'verification runs off the event loop');
    assert.equal(ok.lastCheckpoint!.seq, 8);
    assert.equal(ok.checkpointsVerified, 1);

    const exp = await s.call<{ text: string; entries: number }>('audit.export', {});
    const parsed = parseExport(exp.text);
    assert.equal(exp.entries, 8);
    assert.equal(verifyChain(parsed.entries, parsed.checkpoints, { start: parsed.start }).ok, true);

    // Tamper with a row from another connection, as an attacker with file access would.
    const db = new Database(databasePath(s.core.dataDir));
    db.prepare('UPDATE audit_log SET data = ? WHERE seq = 3').run(JSON.stringify({ name: 'evil' }));
    db.close();
    const bad = await s.call<AuditVerifyResult>('audit.verify');
    assert.equal(bad.ok, false);
    assert.match(bad.problems.join('\n'), /entry #3 \(token\.created, .*\) was edited/);
    assert.equal(bad.ranOn, 'worker');
  } finally {
    s.close();
  }
});

test('flatten/mark/prune helpers', () => {
  assert.deepEqual([...flattenPolicy({ budgets: [{ scope: 'global', window: 'day', mode: 'soft', limitUsd: 1 }] }).keys()], ['budgets[global/day].scope', 'budgets[global/day].window', 'budgets[global/day].mode', 'budgets[global/day].limitUsd']);
  assert.deepEqual(prunePolicy({ a: {}, b: { c: undefined, d: [] }, e: null, f: 0 }), { b: { d: [] }, f: 0 });
  const marks = markSettings({ cache: { enabled: true } }, { retention: { storePrompts: false } }, { cache: { enabled: true }, retention: { storePrompts: false } });
  assert.deepEqual(marks.map((m) => [m.path, m.source]), [['cache.enabled', 'managed'], ['retention.storePrompts', 'user']]);
});
