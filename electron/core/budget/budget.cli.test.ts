import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import Database from 'better-sqlite3';
import { tempDataDir } from '../testing/harness.ts';
import { startMockUpstream } from '../testing/mock-upstream.ts';
import { runCliCaptured } from '../../cli/testing.ts';
import { Core } from '../core.ts';
import { setBudget, removeBudget } from './admin.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const main = path.join(root, 'electron/cli/main.ts');
const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const d = tempDataDir('airlock-budget-');
  dirs.push(d);
  return d;
}

const cli = (dir: string, args: string[], env: NodeJS.ProcessEnv = {}) => runCliCaptured(['--data-dir', dir, ...args], { env: { ...process.env, AIRLOCK_TZ: 'UTC', ...env } });

test('budget set / list / remove / config, and limit set / list / remove', async () => {
  const dir = dataDir();
  let r = await cli(dir, ['budget', 'set', '--scope', 'client:cursor', '--limit-usd', '5', '--window', 'day']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Set the hard daily budget for client:cursor: \$5\.00, warning at 80% \(id \d+\)\./);
  assert.match(r.out, /This day so far: \$0\.0000 \(0%\)\. Resets at \d{4}-\d\d-\d\dT00:00:00\+00:00 \(UTC\)\./);
  assert.match(r.out, /no token named 'cursor' yet/);

  r = await cli(dir, ['budget', 'set', '--scope', 'model:openai/gpt-4o', '--limit-tokens', '1_000_000', '--window', 'week', '--soft', '--warn-at', '90%']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /soft weekly budget for model:openai\/gpt-4o: 1000000 tok, warning at 90%/);

  // Bad input: a clear message and exit code 2.
  for (const [args, msg] of [
    [['--scope', 'team:x', '--limit-usd', '1', '--window', 'day'], /Invalid scope 'team:x'/],
    [['--scope', 'global', '--limit-usd', '1', '--window', 'year'], /--window takes day, week or month/],
    [['--scope', 'global', '--window', 'month'], /Give a limit/],
    [['--scope', 'global', '--limit-usd=-3', '--window', 'month'], /--limit-usd must be a number of 0 or more \(got '-3'\)/],
    [['--scope', 'global', '--limit-tokens', '1.5', '--window', 'month'], /--limit-tokens must be a whole number of 0 or more \(got '1\.5'\)/],
    [['--scope', 'global', '--limit-usd', '1', '--window', 'month', '--hard', '--soft'], /Choose one of --hard and --soft/],
    [['--scope', 'provider:a/b', '--limit-usd', '1', '--window', 'month'], /a provider id has no '\/'/],
  ] as const) {
    r = await cli(dir, ['budget', 'set', ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.out}`);
    assert.match(r.err, msg);
  }

  r = await cli(dir, ['budget', 'list', '--json']);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.time_zone, 'UTC');
  assert.deepEqual(
    j.budgets.map((b: any) => [b.scope, b.window, b.mode, b.limit_usd, b.limit_tokens, b.warn_at_pct, b.spent_usd, b.reserved_usd, b.managed]),
    [
      ['client:cursor', 'day', 'hard', 5, null, 80, 0, 0, false],
      ['model:openai/gpt-4o', 'week', 'soft', null, 1_000_000, 90, 0, 0, false],
    ],
  );
  assert.ok(Date.parse(j.budgets[0].resets_at_utc) > Date.now());
  r = await cli(dir, ['budget', 'list']);
  assert.match(r.out, /^ID\s+SCOPE\s+WINDOW\s+MODE\s+LIMIT\s+SPENT\s+RESERVED\s+USED\s+RESETS AT\s+SET BY/);
  assert.match(r.out, /client:cursor\s+day\s+hard \(warn 80%\)\s+\$5\.00\s+\$0\.0000\s+\$0\.0000\s+0%/);

  // Setting the same scope and window again replaces it.
  r = await cli(dir, ['budget', 'set', '--scope', 'client:cursor', '--limit-usd', '3', '--window', 'day', '--warn-at', '0']);
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.out, /warning at/);
  r = await cli(dir, ['budget', 'list', '--json']);
  assert.equal(JSON.parse(r.out).budgets.length, 2);
  assert.equal(JSON.parse(r.out).budgets[0].limit_usd, 3);

  r = await cli(dir, ['budget', 'config', '--timezone', 'Mars/Olympus_Mons']);
  assert.equal(r.code, 2);
  assert.match(r.err, /Unknown time zone 'Mars\/Olympus_Mons'/);
  r = await cli(dir, ['budget', 'config', '--timezone', 'Asia/Tokyo', '--reserve-output-cap', '2048']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Time zone for budget windows: Asia\/Tokyo \(from setting budgets\.timeZone\)/);
  assert.match(r.out, /at most 2048 output tokens/);
  r = await cli(dir, ['budget', 'list', '--json']);
  assert.match(JSON.parse(r.out).budgets[0].resets_at, /T00:00:00\+09:00$/);

  r = await cli(dir, ['budget', 'remove', '--scope', 'client:cursor', '--window', 'day']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Removed the hard daily budget for client:cursor/);
  r = await cli(dir, ['budget', 'remove', '--scope', 'client:cursor', '--window', 'day']);
  assert.equal(r.code, 1, 'not found is exit 1 (2 is for usage errors)');
  assert.match(r.err, /No day budget for client:cursor/);
  const id = JSON.parse((await cli(dir, ['budget', 'list', '--json'])).out).budgets[0].id;
  r = await cli(dir, ['budget', 'remove', id]);
  assert.equal(r.code, 0, r.err);
  r = await cli(dir, ['budget', 'list']);
  assert.match(r.out, /No budgets/);

  r = await cli(dir, ['limit', 'set', '--scope', 'client:cursor', '--rpm', '60', '--tpm', '100000']);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Rate limit for client:cursor: 60 requests\/minute, 100000 tokens\/minute\./);
  r = await cli(dir, ['limit', 'set', '--scope', 'global', '--rpm', '5']);
  assert.equal(r.code, 2);
  assert.match(r.err, /per client token or per provider/);
  r = await cli(dir, ['limit', 'set', '--scope', 'provider:openai']);
  assert.equal(r.code, 2);
  assert.match(r.err, /Give a limit: --rpm N/);
  r = await cli(dir, ['limit', 'set', '--scope', 'provider:openai', '--rpm', '0']);
  assert.equal(r.code, 2);
  r = await cli(dir, ['limit', 'list', '--json']);
  assert.deepEqual(JSON.parse(r.out), [{ scope: 'client:cursor', rpm: 60, tpm: 100000 }]);
  r = await cli(dir, ['limit', 'list']);
  assert.match(r.out, /client:cursor\s+60\s+100000/);
  r = await cli(dir, ['limit', 'remove', '--scope', 'client:cursor']);
  assert.equal(r.code, 0, r.err);
  r = await cli(dir, ['limit', 'remove', '--scope', 'client:cursor']);
  assert.equal(r.code, 1, 'not found is exit 1 (2 is for usage errors)');
  assert.match(r.err, /No rate limit for client:cursor/);
});

test('team-policy budgets cannot be removed or loosened, and the message says which policy', () => {
  const dir = dataDir();
  const core = new Core({ dataDir: dir, env: { AIRLOCK_TZ: 'UTC' } });
  try {
    const policy = { budgets: [{ scope: 'global', window: 'month' as const, mode: 'hard' as const, limitUsd: 50 }] };
    core.policy = { managed: () => policy, managedBy: () => "team policy 'acme' v7" };
    assert.throws(
      () => setBudget(core, { scope: 'global', window: 'month', limitUsd: 80 }),
      /team policy 'acme' v7 sets a hard monthly budget for global of \$50\.00\. A budget you set on the same scope and window can only be tighter/,
    );
    const tighter = setBudget(core, { scope: 'global', window: 'month', limitUsd: 20 });
    assert.equal(tighter.budget.limitUsd, 20);
    assert.throws(() => removeBudget(core, { id: 'policy:1' }), /managed by team policy 'acme' v7; it cannot be removed/);
    removeBudget(core, { scope: 'global', window: 'month' }); // the user's own one
    assert.throws(() => removeBudget(core, { scope: 'global', window: 'month' }), /monthly|month budget for global is managed by team policy 'acme' v7/);
    const listed = core.budgets.list();
    assert.deepEqual(listed.map((b) => [b.id, b.managedBy, b.limitUsd]), [['policy:1', "team policy 'acme' v7", 50]]);
  } finally {
    core.close();
  }
});

interface Served {
  proc: ChildProcess;
  port: number;
  kill(signal: NodeJS.Signals): Promise<void>;
}

async function serve(dir: string): Promise<Served> {
  const proc = spawn(process.execPath, [main, 'serve', '--port', '0', '--data-dir', dir], {
    env: { ...process.env, MOCK_KEY: 'sk-mock-provider-key-budget', AIRLOCK_TZ: 'UTC' },
    cwd: root,
  });
  let out = '';
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const port = await new Promise<number>((resolve, reject) => {
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)\/v1/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    proc.once('exit', (c) => reject(new Error(`serve exited ${c}: ${err}`)));
  });
  return {
    proc,
    port,
    kill: (signal) =>
      new Promise((resolve) => {
        proc.removeAllListeners('exit');
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill(signal);
      }),
  };
}

test('a gateway killed mid-flight leaves no stuck reservation; CLI changes reach a running gateway', async () => {
  const dir = dataDir();
  const mock = await startMockUpstream();
  // Slow streams, so requests are still in flight when the gateway is killed.
  mock.on('POST /v1/chat/completions', () => ({ kind: 'sse', file: 'openai/chat/stream.text.usage.sse', delayMs: 250 }));
  const setup = new Core({ dataDir: dir, env: {} });
  setup.providers.add({ id: 'mock', type: 'openai-compatible', preset: null, baseUrl: mock.url, keyEnv: 'MOCK_KEY', options: { catalogProvider: 'openai' } });
  const { token } = setup.clients.create('agent');
  setup.close();
  assert.equal((await cli(dir, ['budget', 'set', '--scope', 'global', '--limit-usd', '10', '--window', 'month'])).code, 0);

  const reservationRows = () => {
    const db = new Database(path.join(dir, 'airlock.db'), { readonly: true });
    try {
      return db.prepare('SELECT COUNT(*) FROM budget_reservations').pluck().get() as number;
    } catch {
      return -1;
    } finally {
      db.close();
    }
  };
  const listed = async () => JSON.parse((await cli(dir, ['budget', 'list', '--json'])).out).budgets[0];

  let gw = await serve(dir);
  const client = new OpenAI({ baseURL: `http://127.0.0.1:${gw.port}/v1`, apiKey: token, maxRetries: 0 });
  const inflight = Array.from({ length: 3 }, () =>
    client.chat.completions
      .create({ model: 'mock/gpt-4o', stream: true, max_tokens: 100, messages: [{ role: 'user', content: 'hello' }] })
      .then(async (s) => {
        for await (const _ of s);
      })
      .catch(() => 'cut'),
  );
  for (let i = 0; i < 200 && reservationRows() !== 3; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(reservationRows(), 3, 'three reservations persisted while in flight');
  const mid = await listed();
  assert.ok(mid.reserved_usd > 0, 'another process sees the reservations');
  assert.equal(mid.spent_usd, 0);

  await gw.kill('SIGKILL');
  await Promise.all(inflight);
  assert.equal(reservationRows(), 3, 'a crash leaves the rows behind');
  assert.equal((await listed()).reserved_usd, 0, 'but a dead gateway holds nothing');

  gw = await serve(dir);
  try {
    assert.equal(reservationRows(), 0, 'the next gateway start clears them');
    const c2 = new OpenAI({ baseURL: `http://127.0.0.1:${gw.port}/v1`, apiKey: token, maxRetries: 0 });
    // A budget set from the CLI (another process) applies to the running gateway at once.
    assert.equal((await cli(dir, ['budget', 'set', '--scope', 'client:agent', '--limit-usd', '0', '--window', 'day'])).code, 0);
    const e: any = await c2.chat.completions.create({ model: 'mock/gpt-4o', messages: [{ role: 'user', content: 'hello' }] }).catch((x) => x);
    assert.equal(e.status, 429);
    assert.match(e.message, /hard daily budget for client:agent/);
  } finally {
    await gw.kill('SIGTERM');
    await mock.close();
  }
});
