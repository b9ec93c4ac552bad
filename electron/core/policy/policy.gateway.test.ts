// The admin workflow end to end through the real CLI, and enforcement through the real gateway with the official
// OpenAI SDK: fail closed without a bundle, allow-lists, install refusals (each audited), user loosening refused,
// key rotation, and fetching over HTTP with ETag and a size cap.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { startHarness, tempDataDir, type Harness } from '../testing/harness.ts';
import { runCliCaptured } from '../../cli/testing.ts';
import { readPrivateKey, signEnvelope, POLICY_PAYLOAD_TYPE } from './dsse.ts';
import { signBundle, envelopeBytes } from './bundle.ts';
import { fetchBundle } from './fetch.ts';

let h: Harness;
let client: OpenAI;
let adm: string;
let trust: string;
const f = (name: string) => path.join(adm, name);

const cli = (...args: string[]) => runCliCaptured(['--data-dir', h.dataDir, ...args], { env: { AIRLOCK_TRUST_ANCHOR: trust } });
async function ok(...args: string[]): Promise<string> {
  const r = await cli(...args);
  assert.equal(r.code, 0, `airlock ${args.join(' ')} failed: ${r.err}`);
  return r.out;
}

const POLICY = { models: { allow: ['mock/gpt-4o-mini'] }, dlp: { actions: { IBAN: 'block' } }, budgets: [{ scope: 'global', window: 'month', mode: 'hard', limitUsd: 100 }] };

async function apiError(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  try {
    await p;
  } catch (err) {
    if (err instanceof OpenAI.APIError) return err;
    throw err;
  }
  assert.fail('expected an API error');
}
const chat = (model: string) => client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });
const auditTypes = (type: string) => h.core.auditLog.entries({ type });

before(async () => {
  adm = tempDataDir('airlock-admin-');
  trust = f('trust.json');
  h = await startHarness({ env: { AIRLOCK_TRUST_ANCHOR: trust } });
  client = new OpenAI({ baseURL: h.gateway.url, apiKey: h.token, maxRetries: 0 });
  await ok('policy', 'keygen', '--out', f('admin'));
  await ok('policy', 'keygen', '--out', f('other'));
  fs.writeFileSync(f('policy.json'), JSON.stringify(POLICY));
});
after(async () => {
  await h.close();
  fs.rmSync(adm, { recursive: true, force: true });
});

test('keygen writes a 0600 private key; init prints a starter policy with every section', async () => {
  assert.equal(fs.statSync(f('admin.key')).mode & 0o777, 0o600);
  assert.match(fs.readFileSync(f('admin.pub'), 'utf8'), /BEGIN PUBLIC KEY/);
  const starter = JSON.parse(await ok('policy', 'init'));
  assert.deepEqual(Object.keys(starter).sort(), ['budgets', 'cache', 'dlp', 'models', 'providers', 'retention', 'routing']);
});

test('with no trust anchor the install is unmanaged and requests pass', async () => {
  const r = await chat('mock/gpt-4o');
  assert.ok(r.choices.length > 0);
  assert.match(await ok('policy', 'show'), /Not managed/);
});

test('a trust anchor without a bundle fails closed, saying why and whom to ask', async () => {
  await ok('policy', 'trust', '--pub', f('admin.pub'), '--tenant', 'acme', '--contact', 'IT <it@acme.test>', '--out', trust);
  h.core.policyService.invalidate(); // the file changed in this process's lifetime; the service re-stats it at most once a second
  const before = h.mock.requests.length;
  const e = await apiError(chat('mock/gpt-4o-mini'));
  assert.equal(e.status, 403);
  assert.equal((e.error as any).type, 'policy_violation');
  assert.equal(e.code, 'policy_not_installed');
  assert.match(e.message, /managed by tenant 'acme' but no team policy bundle is installed\. Ask IT <it@acme\.test>/);
  assert.equal(h.mock.requests.length, before, 'nothing reached the provider');
  assert.equal(auditTypes('request.blocked').at(-1)!.data.code, 'policy_not_installed');
});

test('sign, verify, install: allowed model passes, a disallowed one gets a 403 in the OpenAI error shape naming the bundle', async () => {
  await ok('policy', 'sign', f('policy.json'), '--key', f('admin.key'), '--tenant', 'acme', '--id', 'acme-eng', '--version', '1', '--expires', '30d', '--out', f('b1.json'));
  assert.match(await ok('policy', 'verify', f('b1.json'), '--trust', trust), /^OK: 'acme-eng' v1 for tenant 'acme'/);
  assert.match(await ok('policy', 'install', f('b1.json')), /Installed team policy 'acme-eng' v1/);
  // The CLI wrote through its own connection; the running gateway sees it on the next request.
  const r = await chat('mock/gpt-4o-mini');
  assert.ok(r.choices.length > 0);
  const e = await apiError(chat('mock/gpt-4o'));
  assert.equal(e.status, 403);
  assert.equal((e.error as any).type, 'policy_violation');
  assert.equal(e.code, 'model_not_allowed');
  assert.equal(e.param, 'model');
  assert.match(e.message, /Model 'mock\/gpt-4o' is blocked by team policy 'acme-eng' v1: model 'mock\/gpt-4o' is not on the allow list \(mock\/gpt-4o-mini\)\. Ask IT <it@acme\.test>/);
  const blocked = auditTypes('request.blocked').at(-1)!;
  assert.deepEqual([blocked.data.code, blocked.data.model, blocked.data.client], ['model_not_allowed', 'mock/gpt-4o', 'test-client']);
  const installed = auditTypes('policy.installed').at(-1)!;
  assert.deepEqual([installed.data.bundle_id, installed.data.version], ['acme-eng', 1]);
});

test('policy show: tenant, version, expiry, signer, sha256 and the effective policy', async () => {
  const s = JSON.parse(await ok('policy', 'show', '--json'));
  assert.equal(s.state, 'managed');
  assert.equal(s.tenant, 'acme');
  assert.equal(s.bundle.version, 1);
  assert.equal(s.bundle.bundleId, 'acme-eng');
  assert.match(s.bundle.sha256, /^[0-9a-f]{64}$/);
  assert.match(s.bundle.expiresAt, /^\d{4}-/);
  assert.equal(s.bundle.signers.length, 1);
  assert.equal(s.managedBy, "'acme-eng' v1");
  assert.deepEqual(s.effective.models, POLICY.models);
  assert.match(await ok('policy', 'show'), /Bundle: +'acme-eng' v1[\s\S]*SHA-256:/);
});

test('install refusals: each is refused with its reason and a non-zero exit, and audited', async () => {
  const key = readPrivateKey(f('admin.key'));
  const other = readPrivateKey(f('other.key'));
  const sign = (o: { version: number; tenant?: string; keys?: typeof key[]; issued?: number; expires?: number; policy?: object }) =>
    envelopeBytes(
      signBundle({
        policy: (o.policy ?? POLICY) as any,
        tenant: o.tenant ?? 'acme',
        bundleId: 'acme-eng',
        version: o.version,
        issuedAt: new Date(o.issued ?? Date.now()),
        expiresAt: new Date(o.expires ?? Date.now() + 86_400_000),
        keys: o.keys ?? [key],
      }),
    );
  await ok('policy', 'sign', f('policy.json'), '--key', f('admin.key'), '--tenant', 'acme', '--id', 'acme-eng', '--version', '2', '--expires', '30d', '--out', f('b2.json'));
  await ok('policy', 'install', f('b2.json'));
  const tampered = JSON.parse(fs.readFileSync(f('b2.json'), 'utf8'));
  tampered.payload = Buffer.from(Buffer.from(tampered.payload, 'base64').toString().replace('gpt-4o-mini', 'gpt-4o')).toString('base64');
  const cases: [string, Buffer, RegExp][] = [
    ['rollback', fs.readFileSync(f('b1.json')), /older than version 2/],
    ['fork', sign({ version: 2, policy: { models: { allow: ['*'] } } }), /may only be signed once/],
    ['expired', sign({ version: 3, issued: Date.now() - 2 * 86_400_000, expires: Date.now() - 86_400_000 }), /expired at/],
    ['other_tenant', sign({ version: 3, tenant: 'globex' }), /tenant 'globex'/],
    ['unknown_key', sign({ version: 3, keys: [other] }), /does not trust/],
    ['bad_signature', Buffer.from(JSON.stringify(tampered)), /does not verify/],
    ['wrong_type', envelopeBytes(signEnvelope('application/json', Buffer.from('{}'), [key])), /payloadType/],
    ['too_large', Buffer.alloc(1024 * 1024 + 1, 0x20), /limit/],
    ['malformed', Buffer.from('{"payloadType": "x",'), /malformed/],
    ['no_signature', Buffer.from(JSON.stringify({ payloadType: POLICY_PAYLOAD_TYPE, payload: '', signatures: [] })), /not signed/],
  ];
  for (const [code, bytes, msg] of cases) {
    fs.writeFileSync(f(`bad-${code}.json`), bytes);
    const r = await cli('policy', 'install', f(`bad-${code}.json`));
    assert.equal(r.code, 1, `${code}: exit code`);
    assert.match(r.err, new RegExp(`refused \\(${code}\\)`), `${code}: ${r.err}`);
    assert.match(r.err, msg, code);
    const entry = auditTypes('policy.refused').at(-1)!;
    assert.equal(entry.data.code, code, `${code} is audited`);
    assert.equal(entry.data.source, `bad-${code}.json`);
  }
  // policy verify reports the same way against the installed state.
  const v = await cli('policy', 'verify', f('b1.json'));
  assert.equal(v.code, 1);
  assert.match(v.err, /refused \(rollback\)/);
  assert.equal(JSON.parse(await ok('policy', 'show', '--json')).bundle.version, 2, 'the installed bundle is untouched');
});

test('an installed bundle that expires makes the gateway fail closed (freeze)', async () => {
  const key = readPrivateKey(f('admin.key'));
  const stale = envelopeBytes(signBundle({ policy: POLICY as any, tenant: 'acme', bundleId: 'acme-eng', version: 2, issuedAt: new Date(Date.now() - 2 * 86_400_000), expiresAt: new Date(Date.now() - 1000), keys: [key] }));
  const saved = h.core.db.prepare('SELECT envelope FROM policy_installed').get() as { envelope: Buffer };
  h.core.db.prepare('UPDATE policy_installed SET envelope = ?').run(stale); // as if the clock had moved past expires_at
  h.core.policyService.invalidate();
  const e = await apiError(chat('mock/gpt-4o-mini'));
  assert.equal(e.status, 403);
  assert.match(e.message, /installed team policy is no longer valid: bundle 'acme-eng' v2 expired at .*Ask IT <it@acme\.test>/);
  h.core.db.prepare('UPDATE policy_installed SET envelope = ?').run(saved.envelope);
  h.core.policyService.invalidate();
  assert.ok((await chat('mock/gpt-4o-mini')).choices.length > 0);
});

test('a user trying to loosen a managed setting is refused with the bundle name; tightening is accepted', async () => {
  fs.writeFileSync(f('loose.json'), JSON.stringify({ models: { allow: ['mock/*'] }, dlp: { actions: { IBAN: 'warn' } } }));
  const r = await cli('policy', 'user', '--set', f('loose.json'));
  assert.equal(r.code, 1);
  assert.match(r.err, /managed by team policy 'acme-eng' v2 and may only be made stricter: models\.allow: 'mock\/\*' is not allowed .*dlp\.actions\.IBAN: 'warn' is looser than the managed 'block'/);
  assert.equal(JSON.parse(await ok('policy', 'user', '--json')).models, undefined, 'nothing was saved');
  fs.writeFileSync(f('tight.json'), JSON.stringify({ dlp: { actions: { EMAIL: 'mask' } }, budgets: [{ scope: 'global', window: 'month', mode: 'hard', limitUsd: 10 }] }));
  await ok('policy', 'user', '--set', f('tight.json'));
  const eff = JSON.parse(await ok('policy', 'show', '--json')).effective;
  assert.deepEqual(eff.dlp.actions, { IBAN: 'block', EMAIL: 'mask' });
  assert.equal(eff.budgets[0].limitUsd, 10);
  await ok('policy', 'user', '--clear');
});

test('fetch over HTTP: installs, then 304 with the ETag; an oversized answer is refused', async () => {
  let body = fs.readFileSync(f('b2.json'));
  const seen: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers['if-none-match'] as string | undefined);
    if (req.headers['if-none-match'] === '"v2"') return void res.writeHead(304).end();
    res.writeHead(200, { etag: '"v2"', 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/bundle.json`;
  try {
    const first = await fetchBundle(h.core, { url });
    assert.equal(first.install?.version, 2);
    const second = await fetchBundle(h.core, { url });
    assert.equal(second.notModified, true);
    assert.deepEqual(seen, [undefined, '"v2"']);
    body = Buffer.alloc(5000, 0x20);
    await assert.rejects(fetchBundle(h.core, { url: url + '?big', maxBytes: 1000 }), /larger than 1000 bytes/);
    await assert.rejects(fetchBundle(h.core, { url: 'http://example.com/b.json' }), /https only/);
  } finally {
    server.close();
  }
});

test('root key rotation: trust v2 signed by old and new keys; afterwards only the new key signs bundles', async () => {
  await ok('policy', 'keygen', '--out', f('new'));
  const bad = await cli('policy', 'trust', '--previous', trust, '--pub', f('new.pub'), '--key', f('new.key'), '--out', f('trust-v2-bad.json'));
  assert.equal(bad.code, 1);
  assert.match(bad.err, /current root keys/);
  await ok('policy', 'trust', '--previous', trust, '--pub', f('new.pub'), '--key', f('admin.key'), '--key', f('new.key'), '--out', f('trust-v2.json'));
  assert.match(await ok('policy', 'verify', f('trust-v2.json'), '--trust', trust), /valid successor of v1/);
  assert.match(await ok('policy', 'install', f('trust-v2.json')), /Installed trust anchor v2/);
  assert.equal(auditTypes('policy.trust_rotated').length, 1);
  // The bundle signed by the retired key no longer verifies: fail closed until the new key signs one.
  const e = await apiError(chat('mock/gpt-4o-mini'));
  assert.equal(e.code, 'policy_not_installed');
  await ok('policy', 'sign', f('policy.json'), '--key', f('admin.key'), '--tenant', 'acme', '--id', 'acme-eng', '--version', '3', '--expires', '30d', '--out', f('b3-old.json'));
  assert.match((await cli('policy', 'install', f('b3-old.json'))).err, /refused \(unknown_key\)/);
  await ok('policy', 'sign', f('policy.json'), '--key', f('new.key'), '--tenant', 'acme', '--id', 'acme-eng', '--version', '3', '--expires', '30d', '--out', f('b3.json'));
  await ok('policy', 'install', f('b3.json'));
  assert.ok((await chat('mock/gpt-4o-mini')).choices.length > 0);
  // And the audit trail of all of it verifies.
  assert.match(await ok('audit', 'verify'), /^OK: /);
});
