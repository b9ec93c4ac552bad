// `airlock config` and the gateway settings it edits: parsing and validation (shared/gateway-settings.ts), the
// CLI's get/set/unset, the app API methods the Settings screen uses, and a running gateway picking changes up
// without a restart, written by another process (SQLite data_version) and by another connection.
import test from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { runCliCaptured } from '../testing.ts';
import { startHarness, tempDataDir } from '../../core/testing/harness.ts';
import { Core } from '../../core/core.ts';
import { AppApiService } from '../../core/api/service.ts';
import { DEFAULT_GATEWAY_SETTINGS } from '../../core/config.ts';
import { GATEWAY_DEFAULTS, formatBytes, formatDuration, parseBytes, parseDurationMs, parseGatewayValue, parseOrigins } from '../../../shared/gateway-settings.ts';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');

const cli = (args: string[]) => runCliCaptured(args);

test('values: sizes, durations and origins parse, normalise and refuse with a reason', () => {
  assert.deepEqual(GATEWAY_DEFAULTS, DEFAULT_GATEWAY_SETTINGS, 'shared defaults match core');
  assert.equal(parseBytes('32MiB'), 32 * 1024 * 1024);
  assert.equal(parseBytes('1048576'), 1048576);
  assert.equal(parseBytes('500 KB'), 500_000);
  assert.equal(parseBytes('1.5gib'), 1.5 * 1024 ** 3);
  assert.equal(parseBytes('32 MiBs'), null);
  assert.equal(parseBytes('-5'), null);
  assert.equal(parseDurationMs('10s'), 10_000);
  assert.equal(parseDurationMs('2m'), 120_000);
  assert.equal(parseDurationMs('250ms'), 250);
  assert.equal(parseDurationMs('10000'), 10_000);
  assert.equal(parseDurationMs('soon'), null);
  assert.equal(formatBytes(33554432), '32 MiB');
  assert.equal(formatBytes(1500), '1500 B');
  assert.equal(formatDuration(300_000), '5m');
  assert.equal(formatDuration(1500), '1.5s');

  assert.deepEqual(parseOrigins('http://localhost:3000, HTTPS://App.Example.com:443/ ,http://localhost:3000'), ['http://localhost:3000', 'https://app.example.com']);
  assert.deepEqual(parseOrigins(''), []);
  const refused: [string, RegExp][] = [
    ['*', /'\*' is refused/],
    ['https://*.example.com', /wildcards are refused/],
    ['null', /'null' is refused/],
    ['localhost:3000', /only http:\/\/ and https:\/\//],
    ['example.com', /not an origin/],
    ['ftp://files.example.com', /only http:\/\/ and https:\/\//],
    ['https://app.example.com/path', /more than an origin.*write https:\/\/app\.example\.com/],
    ['https://app.example.com?x=1', /more than an origin/],
    ['https://user:pw@app.example.com', /no user name or password/],
  ];
  for (const [input, re] of refused) assert.throws(() => parseOrigins(input), re, input);

  assert.equal(parseGatewayValue('gateway.maxBodyBytes', '32MiB'), 32 * 1024 * 1024);
  assert.throws(() => parseGatewayValue('gateway.maxBodyBytes', '12'), /between 1 KiB and 1 GiB \(got 12 B\)/);
  assert.throws(() => parseGatewayValue('gateway.maxBodyBytes', '32 megs'), /not a size.*32MiB/);
  assert.throws(() => parseGatewayValue('gateway.timeouts.connectMs', '20m'), /between 100ms and 10m/);
  assert.throws(() => parseGatewayValue('gateway.timeouts.idleMs', 'forever'), /not a duration.*10s, 2m/);
});

test('airlock config get/set/unset: table, JSON, one value, errors with exit code 2', async () => {
  const dataDir = tempDataDir();
  const d = ['--data-dir', dataDir];
  try {
    let r = await cli(['config', 'get', ...d]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /gateway\.maxBodyBytes\s+32 MiB \(33554432 bytes\)\s+default/);
    assert.match(r.out, /gateway\.corsOrigins\s+\(none\)\s+default/);
    assert.match(r.out, /gateway\.timeouts\.firstByteMs\s+5m \(300000 ms\)\s+default/);

    r = await cli(['config', 'set', 'gateway.corsOrigins', 'http://localhost:3000,HTTPS://App.Example.com', ...d]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /gateway\.corsOrigins = http:\/\/localhost:3000, https:\/\/app\.example\.com\. A running gateway applies it/);
    r = await cli(['config', 'set', 'gateway.maxBodyBytes', '64MiB', ...d]);
    assert.match(r.out, /= 64 MiB \(67108864 bytes\)/);
    r = await cli(['config', 'set', 'gateway.timeouts.idleMs', '2m', ...d]);
    assert.equal(r.code, 0, r.err);
    r = await cli(['config', 'set', 'gateway.timeouts.connectMs', '5s', ...d]);

    assert.equal((await cli(['config', 'get', 'gateway.maxBodyBytes', ...d])).out, '67108864');
    assert.equal((await cli(['config', 'get', 'gateway.corsOrigins', ...d])).out, 'http://localhost:3000,https://app.example.com');
    const json = JSON.parse((await cli(['config', 'get', '--json', ...d])).out);
    assert.deepEqual(json.values, { maxBodyBytes: 67108864, corsOrigins: ['http://localhost:3000', 'https://app.example.com'], timeouts: { connectMs: 5000, firstByteMs: 300000, idleMs: 120000 } });
    assert.deepEqual(json.set.sort(), ['gateway.corsOrigins', 'gateway.maxBodyBytes', 'gateway.timeouts.connectMs', 'gateway.timeouts.idleMs']);
    assert.deepEqual(JSON.parse((await cli(['config', 'get', 'gateway.timeouts.connectMs', '--json', ...d])).out), 5000);

    // Refusals: exit 2, a message naming the key and what to write, nothing changed.
    const bad: [string[], RegExp][] = [
      [['config', 'set', 'gateway.corsOrigins', '*'], /'\*' is refused/],
      [['config', 'set', 'gateway.corsOrigins', 'https://ok.example,https://x.example/app'], /more than an origin/],
      [['config', 'set', 'gateway.maxBodyBytes', 'lots'], /gateway\.maxBodyBytes: 'lots' is not a size/],
      [['config', 'set', 'gateway.timeouts.firstByteMs', '0'], /between 1s and 2h/],
      [['config', 'set', 'maxBodyBytes', '1MiB'], /Unknown setting 'maxBodyBytes'\. Did you mean gateway\.maxBodyBytes\?/],
      [['config', 'set', 'gateway.maxBodyBytes'], /Missing the value/],
      [['config', 'frobnicate'], /Unknown subcommand/],
    ];
    for (const [args, re] of bad) {
      const b = await cli([...args, ...d]);
      assert.equal(b.code, 2, args.join(' '));
      assert.match(b.err, re, args.join(' '));
    }
    assert.equal((await cli(['config', 'get', 'gateway.corsOrigins', ...d])).out, 'http://localhost:3000,https://app.example.com', 'a refused set changes nothing');

    r = await cli(['config', 'unset', 'gateway.maxBodyBytes', ...d]);
    assert.match(r.out, /gateway\.maxBodyBytes = 32 MiB \(33554432 bytes\) \(default\)/);
    r = await cli(['config', 'unset', 'gateway.timeouts', ...d]);
    assert.equal(r.out.split('\n').length, 3);
    const after = JSON.parse((await cli(['config', 'get', '--json', ...d])).out);
    assert.deepEqual(after.set, ['gateway.corsOrigins']);
    await cli(['config', 'unset', 'gateway', ...d]);
    assert.deepEqual(JSON.parse((await cli(['config', 'get', '--json', ...d])).out).set, []);
    assert.match((await cli(['config', '--help'])).out, /airlock config set KEY VALUE/);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('app API: settings.gateway / settings.updateGateway validate like the CLI and write atomically', async () => {
  const dataDir = tempDataDir();
  const core = new Core({ dataDir, secrets: null });
  const api = new AppApiService(core, { mode: 'web', version: 't', gateway: () => ({ state: 'running', port: 4789 }) });
  try {
    const v0 = (await api.call('settings.gateway', {})) as { values: unknown; defaults: unknown; set: string[] };
    assert.deepEqual(v0, { values: GATEWAY_DEFAULTS, defaults: GATEWAY_DEFAULTS, set: [] });
    const v1 = (await api.call('settings.updateGateway', { set: { 'gateway.corsOrigins': 'http://localhost:5173', 'gateway.maxBodyBytes': '8MiB', 'gateway.timeouts.firstByteMs': '10m' } })) as {
      values: typeof GATEWAY_DEFAULTS;
      set: string[];
    };
    assert.deepEqual(v1.values, { corsOrigins: ['http://localhost:5173'], maxBodyBytes: 8 * 1024 * 1024, timeouts: { ...GATEWAY_DEFAULTS.timeouts, firstByteMs: 600_000 } });
    assert.equal(core.live.refresh().gateway.maxBodyBytes, 8 * 1024 * 1024, 'the in-process live config follows at once');
    // One bad value refuses the whole update.
    await assert.rejects(api.call('settings.updateGateway', { set: { 'gateway.maxBodyBytes': '1MiB', 'gateway.corsOrigins': '*' } }), (e: Error & { code?: string }) => e.code === 'invalid_input' && /'\*' is refused/.test(e.message));
    await assert.rejects(api.call('settings.updateGateway', { set: { 'gateway.port': 1 } }), (e: Error & { code?: string }) => e.code === 'invalid_input' && /Unknown setting 'gateway\.port'/.test(e.message));
    await assert.rejects(api.call('settings.updateGateway', { set: {}, extra: 1 }), (e: Error & { code?: string }) => e.code === 'invalid_input');
    assert.equal(((await api.call('settings.gateway', {})) as { values: typeof GATEWAY_DEFAULTS }).values.maxBodyBytes, 8 * 1024 * 1024);
    const v2 = (await api.call('settings.updateGateway', { unset: ['gateway.timeouts.firstByteMs'], set: { 'gateway.timeouts.idleMs': 30000 } })) as { values: typeof GATEWAY_DEFAULTS; set: string[] };
    assert.deepEqual(v2.values.timeouts, { ...GATEWAY_DEFAULTS.timeouts, idleMs: 30_000 });
    assert.deepEqual([...v2.set].sort(), ['gateway.corsOrigins', 'gateway.maxBodyBytes', 'gateway.timeouts.idleMs']);
  } finally {
    api.close();
    core.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('a running gateway applies changes made by another process without a restart (CORS, body cap, timeouts)', async (t) => {
  const h = await startHarness();
  // An upstream that accepts the request and never answers: only the first-byte timeout ends it.
  const hanging = http.createServer(() => {});
  await new Promise<void>((r) => hanging.listen(0, '127.0.0.1', r));
  t.after(async () => {
    hanging.closeAllConnections();
    await new Promise((r) => hanging.close(r));
    await h.close();
  });
  const base = h.gateway.url.replace(/\/v1$/, '');
  const models = (origin: string) => fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${h.token}`, origin } });

  // CORS: refused, then allowed after `airlock config set` in a separate OS process (the gateway sees data_version change).
  assert.equal((await models('http://localhost:3000')).status, 403);
  const child = await promisify(execFile)(process.execPath, [path.join(root, 'electron/cli/main.ts'), 'config', 'set', 'gateway.corsOrigins', 'http://localhost:3000', '--data-dir', h.dataDir], { cwd: root });
  assert.match(child.stdout, /gateway\.corsOrigins = http:\/\/localhost:3000/);
  const ok = await models('http://localhost:3000');
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('access-control-allow-origin'), 'http://localhost:3000');
  assert.equal((await models('http://localhost:3001')).status, 403, 'only the listed origin');

  // Body cap, from another connection (the in-process CLI opens its own database handle).
  const big = JSON.stringify({ model: 'mock/gpt-4o-mini', messages: [{ role: 'user', content: 'x'.repeat(3000) }] });
  const post = (body: string) => fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' }, body });
  assert.equal((await post(big)).status, 200);
  assert.equal((await cli(['config', 'set', 'gateway.maxBodyBytes', '2KiB', '--data-dir', h.dataDir])).code, 0);
  const tooBig = await post(big);
  assert.equal(tooBig.status, 413);
  assert.match(((await tooBig.json()) as { error: { message: string } }).error.message, /limit of 2048 bytes/);
  assert.equal((await cli(['config', 'unset', 'gateway.maxBodyBytes', '--data-dir', h.dataDir])).code, 0);

  // First-byte timeout: 1s instead of 5 minutes, so the hanging provider gives a 504 naming it.
  // No retry of the timed-out call, so the test waits one timeout, not several.
  h.core.settings.set('routing', { retry: { maxRetries: 0 } });
  // (Added only now: /v1/models would wait for its model list.)
  h.core.providers.add({ id: 'slow', type: 'openai-compatible', preset: null, baseUrl: `http://127.0.0.1:${(hanging.address() as AddressInfo).port}/v1`, keyEnv: 'MOCK_KEY', options: {} });
  assert.equal((await cli(['config', 'set', 'gateway.timeouts.firstByteMs', '1s', '--data-dir', h.dataDir])).code, 0);
  const slow = await post(JSON.stringify({ model: 'slow/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }));
  assert.equal(slow.status, 504);
  const body = (await slow.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'upstream_first_byte_timeout');
  assert.match(body.error.message, /within 1s/);
});
