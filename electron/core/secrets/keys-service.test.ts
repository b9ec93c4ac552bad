// KeyService rules that need no keychain: input hygiene, labels, hints, and what happens with no keychain at all.
// (Everything that touches a keychain is tested against a real Secret Service in keychain*.test.ts.)
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Core } from '../core.ts';
import { tempDataDir } from '../testing/harness.ts';
import { cleanSecret, checkLabel, hintOf } from './keys-service.ts';
import { SecretStoreUnavailableError } from './secret-store.ts';
import { UserError } from '../util/errors.ts';

const dir = tempDataDir('airlock-keys-');
const core = new Core({ dataDir: dir, secrets: null });
after(() => {
  core.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('a pasted or piped key loses its line ending; anything that is not exactly one key is refused without echoing it', () => {
  assert.equal(cleanSecret('sk-abc123456789\n'), 'sk-abc123456789');
  assert.equal(cleanSecret('\uFEFF  sk-abc123456789\r\n'), 'sk-abc123456789');
  for (const bad of ['', '  \n', 'sk-one sk-two', 'sk-a\nsk-b', 'sk-\x1b[31m', 'x'.repeat(5000)]) {
    assert.throws(() => cleanSecret(bad), (e: unknown) => e instanceof UserError && !(bad.length > 3 && e.message.includes(bad.trim())));
  }
});

test('labels are plain names; a key pasted as a label is not echoed; hints are the last 4 characters of long-enough keys', () => {
  assert.equal(checkLabel('team-2.prod_x'), 'team-2.prod_x');
  for (const bad of ['', 'has space', 'a:b', '-lead', 'x'.repeat(41)]) assert.throws(() => checkLabel(bad), UserError);
  const key = 'sk-proj-abcdefghijklmnopqrstuvwxyz0123456789';
  assert.throws(() => checkLabel(key), (e: Error) => !e.message.includes(key) && !e.message.includes(key.slice(8, 30)));
  assert.equal(hintOf('sk-abcdef1234'), '1234');
  assert.equal(hintOf('short'), '', 'a short key would be mostly revealed by its last 4');
});

test('without a keychain adapter, every key operation says the plain sentence and changes nothing; metadata paths keep working', async () => {
  core.providers.add({ id: 'p', type: 'openai-compatible', preset: null, baseUrl: 'https://api.example.com/v1', keyEnv: null, options: {} });
  const plain = (e: unknown) => e instanceof SecretStoreUnavailableError && /^The system keychain is locked or unavailable: .+\. Unlock it, or reference an environment variable with --key-env\.$/.test(e.message);
  await assert.rejects(core.keys.set('p', 'sk-0123456789abcdef'), plain);
  assert.deepEqual(await core.keys.list('p'), []);
  assert.equal(await core.keys.describe('p'), 'missing');
  assert.deepEqual(await core.keys.test('p'), { status: 'no-key', message: "Provider 'p' has no key. Store one with `airlock key set p`." });
  core.keys.repo.upsert('p', 'default', 'cdef', true);
  await assert.rejects(core.keys.activeKey('p'), plain);
  await assert.rejects(core.keys.use('p', 'default'), plain);
  await assert.rejects(core.keys.remove('p'), plain);
  assert.match(await core.keys.describe('p'), /^keychain unavailable: /);
  assert.equal((await core.keys.test('p')).status, 'keychain-unavailable');
  assert.deepEqual((await core.keys.list('p')).map((k) => [k.label, k.hint, k.active]), [['default', 'cdef', true]]);
  await assert.rejects(core.keys.set('nope', 'sk-0123456789abcdef'), /No provider named 'nope'/);
});

test('metadata: one active key per provider, activation is a pointer flip, and every change moves updated_at forward', () => {
  const r = core.keys.repo;
  core.providers.add({ id: 'q', type: 'openai-compatible', preset: null, baseUrl: 'https://api.example.com/v1', keyEnv: null, options: {} });
  const t = Date.now();
  const a = r.upsert('q', 'a', '1111', true, t);
  const b = r.upsert('q', 'b', '2222', false, t);
  assert.deepEqual(r.list('q').map((k) => [k.label, k.active]), [['a', true], ['b', false]]);
  r.activate('q', 'b', t);
  assert.deepEqual(r.list('q').map((k) => [k.label, k.active]), [['a', false], ['b', true]]);
  assert.ok(r.get('q', 'b')!.updatedAt > b.updatedAt && r.get('q', 'a')!.updatedAt > a.updatedAt, 'same-millisecond changes still move updated_at');
  const before = r.get('q', 'b')!.updatedAt;
  r.upsert('q', 'b', '3333', true, t);
  assert.ok(r.get('q', 'b')!.updatedAt > before);
  assert.equal(r.active('q')!.hint, '3333');
  assert.throws(() => core.db.prepare('UPDATE provider_keys SET active = 1 WHERE provider_id = ?').run('q'), /UNIQUE/);
  assert.equal(r.activate('q', 'missing'), false);
  const cols = (core.db.prepare('PRAGMA table_info(provider_keys)').all() as { name: string }[]).map((c) => c.name);
  assert.deepEqual(cols.sort(), ['active', 'created_at', 'hint', 'label', 'provider_id', 'updated_at'], 'no column could hold a key');
});
