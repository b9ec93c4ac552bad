import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import Database from 'better-sqlite3';
import { tempDataDir } from '../core/testing/harness.ts';
import { startMockUpstream, type MockUpstream } from '../core/testing/mock-upstream.ts';
import { runCli } from './run.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const main = path.join(root, 'electron/cli/main.ts');
const run = promisify(execFile);

/** Runs the real CLI in a child process. */
async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [main, ...args], { env: { ...process.env, ...env }, cwd: root });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e: any) {
    return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Runs the CLI in-process (fast) with captured output. */
async function inproc(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (l) => out.push(l), err: (l) => err.push(l), readStdin: async () => '', env: { ...process.env, ...env }, isTTY: false }, () => null);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

interface Served {
  proc: ChildProcess;
  port: number;
  stop(): Promise<number | null>;
}

async function serve(dataDir: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const proc = spawn(process.execPath, [main, 'serve', '--port', '0', '--data-dir', dataDir, ...extra], { env: { ...process.env, MOCK_KEY: 'sk-mock-provider-key-cli', ...env }, cwd: root });
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /^Airlock gateway listening on http:\/\/127\.0\.0\.1:(\d+)\/v1$/m.exec(out);
      if (m) resolve(Number(m[1]));
    });
    let err = '';
    proc.stderr!.on('data', (d) => (err += d));
    proc.on('exit', (c) => reject(new Error(`serve exited ${c}: ${err}`)));
  });
  return {
    proc,
    port,
    stop: () =>
      new Promise((resolve) => {
        proc.removeAllListeners('exit');
        proc.on('exit', (c) => resolve(c));
        proc.kill('SIGTERM');
      }),
  };
}

let mock: MockUpstream;
const dirs: string[] = [];
const dir = () => {
  const d = tempDataDir('airlock-cli-');
  dirs.push(d);
  return d;
};
before(async () => {
  mock = await startMockUpstream();
});
after(async () => {
  await mock.close();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

test('provider add uses presets, validates input, and list/remove work with --json', async () => {
  const d = dir();
  let r = await inproc(['--data-dir', d, 'provider', 'add', 'deepseek', '--key-env', 'DEEPSEEK_API_KEY']);
  assert.equal(r.code, 0, r.err);
  r = await inproc(['--data-dir', d, 'provider', 'add', 'local', '--type', 'openai-compatible', '--base-url', 'http://127.0.0.1:8000/v1/']);
  assert.equal(r.code, 0, r.err);
  r = await inproc(['provider', 'list', '--json'], { AIRLOCK_DATA_DIR: d });
  const list = JSON.parse(r.out);
  assert.deepEqual(
    list.map((p: any) => [p.id, p.type, p.base_url, p.key]),
    [
      ['deepseek', 'openai-compatible', 'https://api.deepseek.com/v1', 'env DEEPSEEK_API_KEY'],
      ['local', 'openai-compatible', 'http://127.0.0.1:8000/v1', 'not needed (local)'],
    ],
  );
  for (const preset of ['openai', 'mistral', 'groq', 'openrouter', 'xai', 'together', 'ollama', 'lmstudio']) {
    const a = await inproc(['--data-dir', d, 'provider', 'add', preset, '--json']);
    assert.equal(a.code, 0, `${preset}: ${a.err}`);
    assert.match(JSON.parse(a.out).base_url, /^https?:\/\//);
  }
  const bad = [
    ['provider', 'add', 'x1'],
    ['provider', 'add', 'x2', '--type', 'openai-compatible'],
    ['provider', 'add', 'x3', '--type', 'nope', '--base-url', 'http://a'],
    ['provider', 'add', 'x4', '--type', 'openai-compatible', '--base-url', 'ftp://a'],
    ['provider', 'add', 'x5', '--type', 'openai-compatible', '--base-url', 'https://user:pw@a/v1'],
    ['provider', 'add', 'x6', '--preset', 'openai', '--key-env', 'sk-this-is-a-key'],
    ['provider', 'add', 'Bad Id', '--preset', 'openai'],
    ['provider', 'add', 'deepseek'],
  ];
  for (const args of bad) {
    const b = await inproc(['--data-dir', d, ...args]);
    assert.notEqual(b.code, 0, args.join(' '));
    assert.match(b.err, /^airlock: \S/, 'a message, not a stack trace');
    assert.ok(!b.err.includes('    at '), b.err);
  }
  r = await inproc(['--data-dir', d, 'provider', 'remove', 'local']);
  assert.equal(r.code, 0);
  r = await inproc(['--data-dir', d, 'provider', 'remove', 'local']);
  assert.equal(r.code, 1);
  assert.match(r.err, /No provider named 'local'/);
});

test('tokens: printed once with >= 256 bits, stored only as a hash; list and revoke', async () => {
  const d = dir();
  const r = await inproc(['--data-dir', d, 'token', 'create', 'aider', '--json']);
  assert.equal(r.code, 0, r.err);
  const { name, token } = JSON.parse(r.out);
  assert.equal(name, 'aider');
  const secret = token.replace(/^alk_/, '');
  assert.ok(Buffer.from(secret, 'base64url').length >= 32);
  const db = new Database(path.join(d, 'airlock.db'), { readonly: true });
  try {
    const dump = JSON.stringify(db.prepare('SELECT * FROM clients').all());
    assert.ok(!dump.includes(token) && !dump.includes(secret));
  } finally {
    db.close();
  }
  assert.equal((await inproc(['--data-dir', d, 'token', 'create', 'aider'])).code, 1, 'duplicate names are refused');
  const list = JSON.parse((await inproc(['--data-dir', d, 'token', 'list', '--json'])).out);
  assert.deepEqual(list.map((t: any) => [t.name, t.hint, t.revoked_at]), [['aider', `…${token.slice(-4)}`, null]]);
  assert.ok(!JSON.stringify(list).includes(secret));
  assert.equal((await inproc(['--data-dir', d, 'token', 'revoke', 'aider'])).code, 0);
  assert.notEqual(JSON.parse((await inproc(['--data-dir', d, 'token', 'list', '--json'])).out)[0].revoked_at, null);
  assert.equal((await inproc(['--data-dir', d, 'token', 'revoke', 'aider'])).code, 1);
  assert.equal((await inproc(['--data-dir', d, 'token', 'create', 'bad name'])).code, 1);
});

test('usage: JSON with a top-level requests count; bad flags are explained', async () => {
  const d = dir();
  const r = await inproc(['--data-dir', d, 'usage', '--json', '--since', '24h', '--by', 'model']);
  assert.equal(r.code, 0, r.err);
  const u = JSON.parse(r.out);
  assert.equal(u.requests, 0);
  assert.equal(u.by, 'model');
  const bad = await inproc(['--data-dir', d, 'usage', '--since', 'yesterday']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--since takes a duration/);
  const unknown = await inproc(['--data-dir', d, 'usage', '--frobnicate']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /frobnicate/);
  const nocmd = await inproc(['--data-dir', d, 'launch-rockets']);
  assert.equal(nocmd.code, 2);
  assert.match(nocmd.err, /Unknown command 'launch-rockets'/);
});

test('serve: prints the listening line, refuses a second gateway on the same data dir, picks up CLI changes live, and survives a restart', async () => {
  const d = dir();
  await cli(['--data-dir', d, 'provider', 'add', 'mock', '--type', 'openai-compatible', '--base-url', mock.url, '--key-env', 'MOCK_KEY']);
  const s1 = await serve(d);
  try {
    const second = await cli(['serve', '--port', '0', '--data-dir', d]);
    assert.notEqual(second.code, 0);
    assert.match(second.stderr, /Another Airlock gateway is already running on .* \(pid \d+, port \d+\)/);

    // A token created by another process works on the running gateway without a restart.
    const { token } = JSON.parse((await cli(['token', 'create', 'script', '--json'], { AIRLOCK_DATA_DIR: d })).stdout);
    const c = new OpenAI({ baseURL: `http://127.0.0.1:${s1.port}/v1`, apiKey: token, maxRetries: 0 });
    const r = await c.chat.completions.create({ model: 'mock/gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    assert.ok(r.choices[0]!.message.content);
    assert.equal(mock.requests.at(-1)!.headers.authorization, 'Bearer sk-mock-provider-key-cli');

    // A provider added from the CLI is usable at once; a removed one is gone at once.
    await cli(['--data-dir', d, 'provider', 'add', 'mock2', '--type', 'openai-compatible', '--base-url', mock.url, '--key-env', 'MOCK_KEY']);
    await c.chat.completions.create({ model: 'mock2/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    await cli(['--data-dir', d, 'provider', 'add', 'mock3', '--type', 'openai-compatible', '--base-url', mock.url, '--key-env', 'MOCK_KEY']);
    await cli(['--data-dir', d, 'provider', 'remove', 'mock3']);
    await assert.rejects(c.chat.completions.create({ model: 'mock3/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }), (e: any) => e.status === 404);

    // Revoking from the CLI takes effect at once.
    const { token: t2 } = JSON.parse((await cli(['--data-dir', d, 'token', 'create', 'temp', '--json'])).stdout);
    await cli(['--data-dir', d, 'token', 'revoke', 'temp']);
    await assert.rejects(new OpenAI({ baseURL: `http://127.0.0.1:${s1.port}/v1`, apiKey: t2, maxRetries: 0 }).models.list(), (e: any) => e.status === 401);

    assert.equal(await s1.stop(), 0);
    assert.ok(!fs.existsSync(path.join(d, 'gateway.lock')), 'the lock is released on shutdown');

    // Restart: providers, tokens and the request log are still there.
    const s2 = await serve(d);
    try {
      const c2 = new OpenAI({ baseURL: `http://127.0.0.1:${s2.port}/v1`, apiKey: token, maxRetries: 0 });
      await c2.chat.completions.create({ model: 'mock/gpt-4o', messages: [{ role: 'user', content: 'again' }] });
    } finally {
      await s2.stop();
    }
    const usage = JSON.parse((await cli(['--data-dir', d, 'usage', '--json', '--by', 'client'])).stdout);
    assert.ok(usage.requests >= 4, `requests: ${usage.requests}`);
    const script = usage.groups.find((g: any) => g.key === 'script');
    assert.ok(script.requests >= 3);
    assert.ok(script.input_tokens > 0 && script.cost_usd > 0);
  } finally {
    if (s1.proc.exitCode === null) await s1.stop();
  }
});

test('a stale lock from a dead process does not block serve; --port validation', async () => {
  const d = dir();
  fs.mkdirSync(d, { recursive: true });
  fs.writeFileSync(path.join(d, 'gateway.lock'), JSON.stringify({ pid: 2 ** 22 + 12345, port: 1 }));
  const s = await serve(d);
  assert.ok(s.port > 0);
  await s.stop();
  const bad = await inproc(['--data-dir', d, 'serve', '--port', '99999']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--port takes a number/);
});
