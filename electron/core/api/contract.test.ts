import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { Core } from '../core.ts';
import { tempDataDir } from '../testing/harness.ts';
import { contract, METHODS } from '../../../shared/api/contract.ts';
import { ApiError } from '../../../shared/api/errors.ts';
import { AppApiService } from './service.ts';
import { createHandlers, type ShellHooks } from './handlers.ts';
import { pruneRequestLog } from './settings.ts';
import type { RequestRow } from '../store/requests-repo.ts';

const hooks: ShellHooks = { mode: 'web', version: '1.2.3', gateway: () => ({ state: 'running', port: 4999 }) };

function setup(h: Partial<ShellHooks> = {}) {
  const dataDir = tempDataDir();
  // No keychain in this process: key operations must fail with a clear 'unavailable'.
  const core = new Core({ dataDir, secrets: null });
  const api = new AppApiService(core, { ...hooks, ...h });
  return {
    core,
    api,
    close() {
      api.close();
      core.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function rejects(p: Promise<unknown>, code: string, re?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof ApiError, `expected ApiError, got ${err}`);
    assert.equal(err.code, code, err.message);
    if (re) assert.match(err.message, re);
    return true;
  });
}

test('every contract method has exactly one handler, and every handler is in the contract', () => {
  const s = setup();
  try {
    const handlers = createHandlers(s.core, hooks);
    const missing = METHODS.filter((m) => typeof (handlers as Record<string, unknown>)[m] !== 'function');
    assert.deepEqual(missing, [], `contract methods without a handler: ${missing.join(', ')}`);
    const extra = Object.keys(handlers).filter((m) => !Object.hasOwn(contract, m));
    assert.deepEqual(extra, [], `handlers outside the contract: ${extra.join(', ')}`);
    for (const m of METHODS) {
      assert.ok(contract[m].input && contract[m].output, `${m} has input and output schemas`);
      assert.ok(contract[m].summary.length > 0);
    }
  } finally {
    s.close();
  }
});

test('inputs are validated at the boundary: unknown methods, bad and extra fields are refused', async () => {
  const s = setup();
  try {
    await rejects(s.api.call('nope.nothing', {}), 'unknown_method');
    await rejects(s.api.call('__proto__', {}), 'unknown_method');
    await rejects(s.api.call('providers.add', { id: 'Bad Name!' }), 'invalid_input', /^id:/);
    await rejects(s.api.call('tokens.create', { name: 'ok', admin: true }), 'invalid_input');
    await rejects(s.api.call('keys.set', { providerId: 'x', secret: 'has spaces in it' }), 'invalid_input', /spaces/);
    await rejects(s.api.call('settings.update', { port: 80 }), 'invalid_input', /1024/);
    // callSafe answers errors as values (for IPC).
    assert.deepEqual(await s.api.callSafe('nope', {}), { error: { code: 'unknown_method', message: "Unknown app API method 'nope'." } });
  } finally {
    s.close();
  }
});

test('providers: add from a preset or a URL, conflicts, and no half-added provider when the keychain is missing', async () => {
  const s = setup();
  try {
    const p = (await s.api.call('providers.add', { id: 'ollama' })) as { id: string; baseUrl: string; local: boolean; key: { source: string } };
    assert.equal(p.baseUrl, 'http://127.0.0.1:11434/v1');
    assert.equal(p.local, true);
    assert.equal(p.key.source, 'local');
    await rejects(s.api.call('providers.add', { id: 'ollama' }), 'conflict');
    await rejects(s.api.call('providers.add', { id: 'custom' }), 'invalid_input', /base URL/);
    await rejects(s.api.call('providers.add', { id: 'custom', baseUrl: 'ftp://x' }), 'invalid_input', /http/);
    await rejects(s.api.call('providers.add', { id: 'openai', key: 'sk-test-0123456789' }), 'unavailable', /keychain/);
    assert.equal(s.core.providers.get('openai'), undefined, 'rolled back');
    await rejects(s.api.call('keys.test', { providerId: 'missing' }), 'not_found');
    const list = (await s.api.call('providers.list', {})) as Record<string, unknown>[];
    assert.deepEqual(Object.keys(list[0]!).sort(), ['baseUrl', 'createdAt', 'id', 'key', 'label', 'local', 'preset', 'type']);
    assert.deepEqual(await s.api.call('providers.remove', { id: 'ollama' }), { removed: true });
  } finally {
    s.close();
  }
});

test('local servers are detected on their ports; a configured one is linked', async () => {
  const http = await import('node:http');
  const server = http.createServer((req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: [{ id: 'llama3' }] })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}/v1`;
  const s = setup({ localServers: [{ preset: 'ollama', baseUrl: url }, { preset: 'lmstudio', baseUrl: 'http://127.0.0.1:1/v1' }] });
  try {
    const found = (await s.api.call('providers.detectLocal', {})) as { preset: string; running: boolean; models: string[]; providerId: string | null }[];
    assert.deepEqual(found.map((f) => [f.preset, f.running, f.models, f.providerId]), [
      ['ollama', true, ['llama3'], null],
      ['lmstudio', false, [], null],
    ]);
    await s.api.call('providers.add', { id: 'ollama', preset: 'ollama', baseUrl: url });
    const again = (await s.api.call('providers.detectLocal', {})) as { providerId: string | null }[];
    assert.equal(again[0]!.providerId, 'ollama');
  } finally {
    s.close();
    server.close();
  }
});

const row = (over: Partial<RequestRow>): RequestRow => ({
  ts: Date.now(), client: 'cursor', inbound: 'openai-chat', requestedModel: 'mock/gpt-4o', provider: 'mock', model: 'gpt-4o', status: 200,
  errorType: null, stream: false, inputTokens: 10, cachedTokens: 0, cacheWriteTokens: 0, outputTokens: 5, usageEstimated: false,
  costUsd: 0.25, requestedCostUsd: 0.25, cacheHit: false, attempts: 1, routeRule: null, dlp: null, tags: null, latencyMs: 5, ttftMs: null, ...over,
});

test("tokens: created once, listed with each tool's last request and 30-day spend, revoked", async () => {
  const s = setup();
  try {
    const created = (await s.api.call('tokens.create', { name: 'cursor' })) as { token: string; hint: string };
    assert.match(created.token, /^alk_/);
    assert.equal(created.hint, created.token.slice(-4));
    await rejects(s.api.call('tokens.create', { name: 'cursor' }), 'conflict');
    s.core.requestLog.record(row({ ts: Date.now() - 40 * 86_400_000, costUsd: 5 }));
    s.core.requestLog.record(row({ ts: Date.now() - 1000 }));
    s.core.requestLog.record(row({ ts: Date.now(), status: 429, model: 'gpt-4o-mini', costUsd: null }));
    s.core.requestLog.flush();
    const [t] = (await s.api.call('tokens.list', {})) as { name: string; lastRequest: { model: string; status: number }; requests30d: number; spend30dUsd: number }[];
    assert.equal(t!.name, 'cursor');
    assert.deepEqual({ model: t!.lastRequest.model, status: t!.lastRequest.status }, { model: 'mock/gpt-4o-mini', status: 429 });
    assert.equal(t!.requests30d, 2);
    assert.equal(t!.spend30dUsd, 0.25);
    assert.ok(!JSON.stringify(t).includes(created.token), 'the token is never listed');
    const today = (await s.api.call('usage.today', {})) as { requests: number; costUsd: number };
    assert.equal(today.requests, 2);
    assert.deepEqual(await s.api.call('tokens.revoke', { name: 'cursor' }), { revoked: true });
    assert.deepEqual(await s.api.call('tokens.list', {}), []);
  } finally {
    s.close();
  }
});

test('settings: defaults (prompts not stored), updates, port restart flag, desktop-only options', async () => {
  let loginItem = false;
  const s = setup();
  try {
    assert.deepEqual(await s.api.call('settings.get', {}), {
      port: 4789,
      startAtLogin: false,
      startAtLoginSupported: false,
      requestLogRetentionDays: 90,
      storePrompts: false,
      requestLogRetentionEffectiveDays: 90,
      requestLogRetentionLimitedBy: null,
      storePromptsAllowed: true,
      storePromptsLimitedBy: null,
      storedBodies: 0,
    });
    await rejects(s.api.call('settings.update', { startAtLogin: true }), 'not_supported');
    await rejects(s.api.call('gateway.setPaused', { paused: true }), 'not_supported');
    const next = (await s.api.call('settings.update', { port: 5000, storePrompts: true, requestLogRetentionDays: 7 })) as Record<string, unknown>;
    assert.equal(next.port, 5000);
    assert.equal(next.storePrompts, true);
    assert.equal(((await s.api.call('gateway.status', {})) as { restartNeeded: boolean }).restartNeeded, true);
    const info = (await s.api.call('app.info', {})) as { mode: string; version: string; gateway: { url: string } };
    assert.deepEqual([info.mode, info.version, info.gateway.url], ['web', '1.2.3', 'http://127.0.0.1:4999/v1']);
    // Retention deletes old rows only.
    s.core.requestLog.record(row({ ts: Date.now() - 8 * 86_400_000 }));
    s.core.requestLog.record(row({ ts: Date.now() }));
    s.core.requestLog.flush();
    assert.equal(pruneRequestLog(s.core), 1);
  } finally {
    s.close();
  }
  const d = setup({ mode: 'desktop', loginItem: { set: (on) => void (loginItem = on) } });
  try {
    const r = (await d.api.call('settings.update', { startAtLogin: true })) as { startAtLogin: boolean; startAtLoginSupported: boolean };
    assert.deepEqual([r.startAtLogin, r.startAtLoginSupported, loginItem], [true, true, true]);
  } finally {
    d.close();
  }
});

test('core events and request-log batches reach subscribers as app events', async () => {
  const s = setup();
  try {
    const seen: unknown[] = [];
    const off = s.api.subscribe((e) => seen.push(e));
    s.core.emit({ kind: 'budget', level: 'warn', title: 'Budget', message: '80% of monthly budget used' });
    s.core.requestLog.record(row({}));
    s.core.requestLog.flush();
    off();
    s.core.emit({ kind: 'policy', level: 'info', title: 'after', message: 'unsubscribed' });
    assert.equal(seen.length, 2);
    assert.deepEqual((seen[0] as { event: { kind: string } }).event.kind, 'budget');
    assert.deepEqual((seen[1] as { event: { kind: string; data: unknown } }).event, { kind: 'request', level: 'info', title: 'Requests logged', message: '1 request(s) logged', data: { count: 1 } });
  } finally {
    s.close();
  }
});
