// A locked keychain and a machine without a D-Bus session: every path that needs a key says so plainly,
// requests fail in the caller's protocol, nothing crashes and nothing falls back to another store.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Core } from '../core.ts';
import { startMockUpstream } from '../testing/mock-upstream.ts';
import { tempDataDir } from '../testing/harness.ts';
import { keyringSkipReason } from './keyring-testing.ts';

const root = path.resolve(import.meta.dirname, '../../..');
const main = path.join(root, 'electron/cli/main.ts');
const run = promisify(execFile);

/** The exact sentence of the issue, with any reason in the middle. */
const PLAIN = /^The system keychain is locked or unavailable: .+\. Unlock it, or reference an environment variable with --key-env\.$/;

/** An environment with no way to reach a D-Bus session bus (and so no Secret Service). */
function noDbusEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.DBUS_SESSION_BUS_ADDRESS;
  delete env.XDG_RUNTIME_DIR; // libdbus would otherwise try $XDG_RUNTIME_DIR/bus
  delete env.DISPLAY; // and X11 autolaunch
  return env;
}

function cliChild(args: string[], env: NodeJS.ProcessEnv, stdin = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [main, ...args], { env, cwd: root });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end(stdin);
  });
}

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

test('no D-Bus session: key set/test/use, provider list and gateway requests give the plain keychain error, no crash, no fallback', async () => {
  const mock = await startMockUpstream();
  const dataDir = tempDataDir('airlock-nodbus-');
  dirs.push(dataDir);
  const KEY = `sk-nodbus-${crypto.randomBytes(18).toString('hex')}`;
  // A provider whose active key was stored in the keychain earlier (metadata only, as `key set` leaves it).
  const core = new Core({ dataDir, secrets: null });
  core.providers.add({ id: 'kc', type: 'openai-compatible', preset: null, baseUrl: mock.url, keyEnv: null, options: { catalogProvider: 'openai', local: false } });
  core.keys.repo.upsert('kc', 'default', 'abcd', true);
  core.keys.repo.upsert('kc', 'team', 'wxyz', false);
  const { token } = core.clients.create('t');
  core.close();
  const env = noDbusEnv();
  const dd = ['--data-dir', dataDir];

  const set = await cliChild([...dd, 'key', 'set', 'kc', '--label', 'new'], env, KEY + '\n');
  assert.equal(set.code, 1);
  assert.equal(set.stdout, '');
  const line = set.stderr.trim().replace(/^airlock: /, '');
  assert.match(line, PLAIN);
  assert.match(line, /D-Bus/);
  assert.ok(!/unexpected error|\n\s+at /.test(set.stderr), 'no stack trace');

  const use = await cliChild([...dd, 'key', 'use', 'kc', 'team'], env);
  assert.equal(use.code, 1);
  assert.match(use.stderr.trim().replace(/^airlock: /, ''), PLAIN);

  const t = await cliChild([...dd, 'key', 'test', 'kc', '--json'], env);
  assert.equal(t.code, 1);
  const tr = JSON.parse(t.stdout);
  assert.equal(tr.status, 'keychain-unavailable');
  assert.match(tr.message, PLAIN);

  const list = await cliChild([...dd, 'provider', 'list'], env);
  assert.equal(list.code, 0, list.stderr);
  assert.match(list.stdout, /^kc .* key: keychain unavailable: .*D-Bus/m);

  const keys = await cliChild([...dd, 'key', 'list', '--json'], env);
  assert.equal(keys.code, 0, 'listing needs no keychain: it is metadata');
  assert.deepEqual(JSON.parse(keys.stdout).map((k: any) => [k.label, k.hint, k.active]), [['default', 'abcd', true], ['team', 'wxyz', false]]);

  // The gateway itself, started without D-Bus: the request fails in OpenAI's error shape with the same sentence.
  const proc = spawn(process.execPath, [main, 'serve', '--port', '0', ...dd], { env, cwd: root });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (d) => {
        out += d;
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\/v1/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      proc.on('exit', (c) => reject(new Error(`serve exited ${c}`)));
    });
    const r = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'kc/gpt-4o', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('x-should-retry'), 'false');
    const body = await r.json();
    assert.match(body.error.message, PLAIN);
    assert.equal(body.error.code, 'keychain_unavailable');
    assert.equal(mock.requests.length, 0, 'nothing was sent upstream without a key');
  } finally {
    proc.removeAllListeners('exit');
    await new Promise((r) => {
      proc.on('exit', r);
      proc.kill('SIGTERM');
    });
    await mock.close();
  }
  for (const f of fs.readdirSync(dataDir)) assert.ok(!fs.readFileSync(path.join(dataDir, f)).includes(KEY), `${f} holds the key`);
});

test('locked keyring (collection locked over D-Bus): the gateway answers 503 with the plain error; CLI paths say the same; nothing changes', async (t) => {
  const skip = await keyringSkipReason();
  if (skip) return t.skip(skip);
  // Its own private keyring, because locking it would disturb other keychain tests running at the same time.
  const { stdout } = await run('bash', [path.join(root, 'scripts/with-keyring.sh'), process.execPath, path.join(import.meta.dirname, 'locked-keyring.child.ts')], { cwd: root, timeout: 60_000 });
  const r = JSON.parse(stdout.trim().split('\n').at(-1)!);
  assert.deepEqual(r.unlocked, { status: 200, sawKey: true }, 'the key worked before the lock');

  assert.equal(r.gateway.status, 503);
  assert.equal(r.gateway.retry, 'false');
  assert.match(r.gateway.body.error.message, PLAIN);
  assert.match(r.gateway.body.error.message, /locked/);
  assert.equal(r.gateway.body.error.code, 'keychain_unavailable');
  assert.equal(r.upstreamCalls, 0, 'nothing went upstream without a key (not the request, not `key test`)');

  for (const name of ['cliSet', 'cliUse', 'cliRemove']) {
    assert.equal(r[name].code, 1, name);
    assert.match(r[name].err.replace(/^airlock: /, ''), PLAIN, name);
    assert.ok(!r[name].err.includes('unexpected error'), name);
  }
  assert.equal(JSON.parse(r.cliTest.out).status, 'keychain-unavailable');
  assert.match(JSON.parse(r.cliTest.out).message, PLAIN);
  assert.equal(r.providerList.code, 0);
  assert.match(JSON.parse(r.providerList.out).find((p: any) => p.id === 'kc').key, /^keychain unavailable: .*locked/);
  assert.equal(r.providerRemove.code, 1);
  assert.match(r.providerRemove.err, /Nothing was removed\.$/);
  assert.equal(r.providerStillThere, true);
  assert.deepEqual(r.metadataAfter, ['default'], 'the failed set/use/remove changed no metadata');
  assert.deepEqual(r.leaks, [], 'no key bytes in the data directory');
  assert.equal(r.keyInOutput, false, 'no key bytes in any output');
});
