// Provider keys in a REAL Secret Service (gnome-keyring on a private D-Bus session: scripts/with-keyring.sh).
// The CLI runs in-process on the same data directory as a live gateway, like `airlock key` next to `airlock serve`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { startHarness, flushed, type Harness } from '../testing/harness.ts';
import { runCliCaptured } from '../../cli/testing.ts';
import { KeyringSecretStore } from './keyring-store.ts';
import { keyringSkipReason, secretToolSearch } from './keyring-testing.ts';

const skip = await keyringSkipReason();
if (skip) console.log(`# keychain tests skipped: ${skip}`);
const kt = (name: string, fn: () => Promise<void>) => test(name, { skip: skip ?? false }, fn);

const newKey = (tag: string) => `sk-${tag}-${crypto.randomBytes(18).toString('hex')}`;
const KEY1 = newKey('personal');
const KEY2 = newKey('team');
const KEY3 = newKey('rotated');
const ALL_KEYS = [KEY1, KEY2, KEY3];

let h: Harness;
let client: OpenAI;
const store = new KeyringSecretStore();

const cli = (args: string[], stdin = '') => runCliCaptured(['--data-dir', h.dataDir, ...args], { stdin, secrets: () => store });

async function chat(): Promise<string> {
  await client.chat.completions.create({ model: 'kc/gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  return String(h.mock.requests.at(-1)!.headers.authorization);
}

/** Every byte of every file in the data directory (db, -wal, -shm, locks, anything). */
function dataDirBytes(): { file: string; bytes: Buffer }[] {
  const out: { file: string; bytes: Buffer }[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push({ file: p, bytes: fs.readFileSync(p) });
    }
  };
  walk(h.dataDir);
  return out;
}

before(async () => {
  if (skip) return;
  h = await startHarness({ secrets: store });
  // Keyed by the keychain only: no --key-env. local:false so a missing key is an error, not "no key needed".
  h.core.providers.add({ id: 'kc', type: 'openai-compatible', preset: null, baseUrl: h.mock.url, keyEnv: null, options: { catalogProvider: 'openai', local: false } });
  client = new OpenAI({ baseURL: h.gateway.url, apiKey: h.token, maxRetries: 0 });
});
after(async () => {
  if (skip) return;
  await h.close();
});

kt('before a key is set, requests say how to set one and `provider list` says missing', async () => {
  const r = await fetch(`${h.gateway.url}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'kc/gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(r.status, 503);
  assert.match((await r.json()).error.message, /has no key\. Store one with `airlock key set kc`/);
  const list = await cli(['provider', 'list']);
  assert.match(list.out, /^kc .* key: missing$/m);
});

kt('key set stores the key in the Secret Service (service Airlock); the gateway sends it; listings show only the last 4', async () => {
  const before = h.mock.requests.length;
  const set = await cli(['key', 'set', 'kc'], `${KEY1}\n`);
  assert.equal(set.code, 0, set.err);
  assert.match(set.out, new RegExp(`Stored key 'default' for 'kc' \\(…${KEY1.slice(-4)}\\) in Secret Service`));
  assert.ok(!set.out.includes(KEY1) && !set.err.includes(KEY1));

  // libsecret's own CLI finds exactly one item for it, under service Airlock, holding the key.
  const found = secretToolSearch();
  assert.ok(found.accounts.includes('kc:default'), `secret-tool found ${found.accounts.join(', ')}`);
  assert.ok(found.secrets.includes(KEY1));

  assert.equal(await chat(), `Bearer ${KEY1}`, 'the mock provider received the keychain key');
  assert.equal(h.mock.requests.length, before + 1);

  const list = await cli(['key', 'list', '--json']);
  assert.deepEqual(
    JSON.parse(list.out).map((k: any) => [k.provider, k.label, k.hint, k.active]),
    [['kc', 'default', KEY1.slice(-4), true]],
  );
  const plist = await cli(['provider', 'list']);
  assert.match(plist.out, new RegExp(`^kc .* key: keychain …${KEY1.slice(-4)}$`, 'm'));
  const json = await cli(['provider', 'list', '--json']);
  assert.equal(JSON.parse(json.out).find((p: any) => p.id === 'kc').key, `keychain …${KEY1.slice(-4)}`);
  for (const o of [list, plist, json]) assert.ok(!o.out.includes(KEY1.slice(0, -4)), 'no more than the last 4 characters are shown');
});

kt('a key is never taken from argv, and a key-shaped argument is not echoed', async () => {
  const r = await cli(['key', 'set', 'kc', KEY2]);
  assert.equal(r.code, 2);
  assert.match(r.err, /takes no key on the command line/);
  assert.ok(!r.err.includes(KEY2) && !r.out.includes(KEY2));
  const r2 = await cli(['key', 'set', 'kc', '--label', KEY2], KEY3);
  assert.notEqual(r2.code, 0);
  assert.ok(!r2.err.includes(KEY2) && !r2.err.includes(KEY3));
  assert.equal(secretToolSearch().accounts.filter((a) => a.startsWith('kc:')).length, 1, 'nothing new was stored');
});

kt('labels: a second key waits until `key use`, which switches what the provider receives; env (--key-env) still wins', async () => {
  const set = await cli(['key', 'set', 'kc', '--label', 'team'], KEY2);
  assert.equal(set.code, 0, set.err);
  assert.match(set.out, /still uses its key 'default'/);
  assert.equal(await chat(), `Bearer ${KEY1}`);

  const use = await cli(['key', 'use', 'kc', 'team']);
  assert.equal(use.code, 0, use.err);
  assert.equal(await chat(), `Bearer ${KEY2}`, 'the running gateway picked up the switch made by another core');
  const list = JSON.parse((await cli(['key', 'list', 'kc', '--json'])).out);
  assert.deepEqual(list.map((k: any) => [k.label, k.active]), [['default', false], ['team', true]]);

  const bad = await cli(['key', 'use', 'kc', 'nope']);
  assert.equal(bad.code, 1);
  assert.match(bad.err, /no key labelled 'nope'\. Its keys: default, team/);

  h.core.providers.update('kc', { keyEnv: 'MOCK_KEY' });
  try {
    assert.equal(await chat(), `Bearer ${h.providerKey}`, '--key-env wins over the keychain');
    assert.equal((await cli(['provider', 'list', '--json'])).out.includes('"key":"env MOCK_KEY"'), true);
  } finally {
    h.core.providers.update('kc', { keyEnv: null });
  }
});

kt('rotating the active key in place while requests are in flight: every request succeeds with the old or the new key', async () => {
  const seen = new Set<string>();
  let failures = 0;
  let stop = false;
  const load = (async () => {
    while (!stop) {
      const batch = await Promise.allSettled(Array.from({ length: 4 }, () => chat()));
      for (const b of batch) {
        if (b.status === 'fulfilled') seen.add(b.value);
        else failures++;
      }
    }
  })();
  let rot;
  try {
    await new Promise((r) => setTimeout(r, 30));
    rot = await cli(['key', 'set', 'kc', '--label', 'team'], KEY3);
    await new Promise((r) => setTimeout(r, 30));
  } finally {
    stop = true;
    await load;
  }
  assert.equal(rot.code, 0, rot.err);
  assert.match(rot.out, /'kc' uses it now/);
  assert.equal(failures, 0);
  for (const s of seen) assert.ok(s === `Bearer ${KEY2}` || s === `Bearer ${KEY3}`, `unexpected key ${s.slice(0, 12)}…`);
  assert.equal(await chat(), `Bearer ${KEY3}`, 'after rotation the new key is used');
  assert.equal(secretToolSearch().accounts.filter((a) => a === 'kc:team').length, 1, 'rotation replaced the item, one item per key');
});

kt('key test: works, key rejected (with the provider message, key redacted), unreachable', async () => {
  const ok = await cli(['key', 'test', 'kc']);
  assert.equal(ok.code, 0, ok.err);
  assert.match(ok.out, /^works: Provider 'kc' accepted the key \(keychain …/);
  assert.equal(h.mock.requests.at(-1)!.path, '/v1/models');
  assert.equal(h.mock.requests.at(-1)!.headers.authorization, `Bearer ${KEY3}`);

  h.mock.next({
    kind: 'custom',
    handle: (_req, res) =>
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY3}. Check it.`, type: 'invalid_request_error', code: 'invalid_api_key' } })),
  });
  const rej = await cli(['key', 'test', 'kc', '--json']);
  assert.equal(rej.code, 1);
  const r = JSON.parse(rej.out);
  assert.equal(r.status, 'rejected');
  assert.match(r.message, /HTTP 401: Incorrect API key provided: \[redacted\]\. Check it\./);
  assert.ok(!rej.out.includes(KEY3));

  // Anthropic and Gemini take the key in their own headers, never as a Bearer token.
  for (const [id, type, header] of [['kc-anthropic', 'anthropic', 'x-api-key'], ['kc-gemini', 'gemini', 'x-goog-api-key']] as const) {
    h.core.providers.add({ id, type, preset: null, baseUrl: h.mock.url, keyEnv: null, options: { local: false } });
    assert.equal((await cli(['key', 'set', id], KEY2)).code, 0);
    const t = await cli(['key', 'test', id]);
    assert.equal(t.code, 0, t.out + t.err);
    const seen = h.mock.requests.at(-1)!;
    assert.equal(seen.headers[header], KEY2, `${type}: key in ${header}`);
    assert.equal(seen.headers.authorization, undefined);
    assert.equal((await cli(['provider', 'remove', id])).code, 0);
  }

  h.core.providers.add({ id: 'dead', type: 'openai-compatible', preset: null, baseUrl: 'http://127.0.0.1:9/v1', keyEnv: null, options: { local: false } });
  assert.equal((await cli(['key', 'test', 'dead'])).out, "no key: Provider 'dead' has no key. Store one with `airlock key set dead`.");
  assert.equal((await cli(['key', 'set', 'dead'], KEY1)).code, 0);
  const down = await cli(['key', 'test', 'dead', '--json']);
  assert.equal(JSON.parse(down.out).status, 'unreachable');
  assert.match(JSON.parse(down.out).message, /unreachable at http:\/\/127\.0\.0\.1:9: connection refused/);
});

kt("after all this traffic, no key's bytes are anywhere in the data directory (db, -wal, -shm, every file)", async () => {
  await flushed(h.core);
  const files = dataDirBytes();
  assert.ok(files.some((f) => f.file.endsWith('-wal')), 'the WAL file is among the scanned files');
  for (const { file, bytes } of files) {
    for (const k of ALL_KEYS) {
      assert.equal(bytes.indexOf(k), -1, `${path.basename(file)} contains a key`);
      assert.equal(bytes.indexOf(Buffer.from(k, 'utf16le')), -1, `${path.basename(file)} contains a key (UTF-16)`);
      assert.equal(bytes.indexOf(k.slice(3, -4)), -1, `${path.basename(file)} contains most of a key`);
    }
  }
});

kt('audit entries name provider and label, never the key; KeyService API round trip', async () => {
  const entries: [string, Record<string, unknown>][] = [];
  h.core.audit = { append: (type, data) => entries.push([type, data]) };
  const info = await h.core.keys.set('kc', KEY1, { label: 'api', activate: true });
  assert.deepEqual([info.label, info.hint, info.active], ['api', KEY1.slice(-4), true]);
  assert.equal(await h.core.keys.describe('kc'), `keychain …${KEY1.slice(-4)} (api)`);
  await h.core.keys.use('kc', 'team');
  assert.equal(await h.core.keys.remove('kc', 'api'), true);
  assert.equal(await h.core.keys.remove('kc', 'api'), false);
  assert.deepEqual(entries.map((e) => e[0]), ['key.set', 'key.use', 'key.remove']);
  assert.deepEqual(entries[0]![1], { provider: 'kc', label: 'api', active: true });
  const all = JSON.stringify(entries);
  for (const k of ALL_KEYS) assert.ok(!all.includes(k) && !all.includes(k.slice(-4)));
});

kt('key remove deletes the keychain item; provider remove deletes the rest', async () => {
  const rm = await cli(['key', 'remove', 'kc', '--label', 'team']);
  assert.equal(rm.code, 0, rm.err);
  assert.match(rm.out, /Removed key 'team' of 'kc'/);
  assert.match(rm.out, /no active key now; choose one with `airlock key use kc <label>`/);
  assert.deepEqual(secretToolSearch().accounts.filter((a) => a.startsWith('kc:')), ['kc:default']);
  await assert.rejects(chat(), (e: any) => e.status === 503 && /has no key/.test(e.message));
  assert.equal((await cli(['key', 'remove', 'kc', '--label', 'team'])).code, 1);

  const prm = await cli(['provider', 'remove', 'kc']);
  assert.equal(prm.code, 0, prm.err);
  assert.match(prm.out, /Removed provider 'kc' and its key from the keychain/);
  assert.deepEqual(secretToolSearch().accounts.filter((a) => a.startsWith('kc:')), []);
  assert.deepEqual(JSON.parse((await cli(['key', 'list', 'kc', '--json'])).out), []);

  assert.equal((await cli(['key', 'remove', 'dead'])).code, 0);
});
