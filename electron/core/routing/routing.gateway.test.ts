import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startHarness, flushed, type Harness } from '../testing/harness.ts';
import { startMockUpstream, type MockUpstream } from '../testing/mock-upstream.ts';
import { wireBytes } from '../testing/fixtures.ts';
import { routingOf } from './runtime.ts';

let h: Harness;
let backup: MockUpstream;
let client: OpenAI;
before(async () => {
  h = await startHarness();
  backup = await startMockUpstream();
  h.core.providers.add({ id: 'backup', type: 'openai-compatible', preset: null, baseUrl: backup.url, keyEnv: 'MOCK_KEY', options: { catalogProvider: 'openai' } });
  client = new OpenAI({ baseURL: h.gateway.url, apiKey: h.token, maxRetries: 0 });
});
after(async () => {
  await backup.close();
  await h.close();
});

const ROUTES = {
  auto: { strategy: 'auto', candidates: ['mock/gpt-4o-mini', 'mock/o4-mini', 'mock/gpt-4o'] },
  ha: { strategy: 'ordered', candidates: ['mock/gpt-4o', 'backup/gpt-4o'] },
};
beforeEach(() => {
  routingOf(h.core).breakers.reset();
  h.core.settings.set('routing', { routes: ROUTES, retry: { baseDelayMs: 10 }, breaker: { failureThreshold: 50 } });
  h.core.settings.set('gateway', {});
});

const lastRow = async (): Promise<any> => {
  await flushed(h.core);
  return h.core.db.prepare('SELECT * FROM requests ORDER BY id DESC LIMIT 1').get();
};
const ask = (model: string, content: string, extra: Record<string, unknown> = {}) =>
  client.chat.completions.create({ model, messages: [{ role: 'user', content }], ...extra } as never).withResponse() as unknown as Promise<{ data: any; response: Response }>;
const hdr = (r: Response) => ({
  provider: r.headers.get('x-airlock-provider'),
  model: r.headers.get('x-airlock-model'),
  cache: r.headers.get('x-airlock-cache'),
  attempts: r.headers.get('x-airlock-attempts'),
});

test('auto: simple, tool-use and code prompts go to the economy, standard and flagship models; rule and savings recorded', async () => {
  let r = await ask('auto', 'What is the capital of France?');
  assert.deepEqual(hdr(r.response), { provider: 'mock', model: 'gpt-4o-mini', cache: 'miss', attempts: '1' });
  assert.equal(h.mock.requests.at(-1)!.body.model, 'gpt-4o-mini');
  let row = await lastRow();
  assert.equal(row.requested_model, 'auto');
  assert.equal(row.route_rule, 'auto:simple');
  assert.equal(row.model, 'gpt-4o-mini');
  assert.ok(row.cost_usd > 0 && row.requested_cost_usd > row.cost_usd * 10, `baseline gpt-4o costs ~16x: ${row.cost_usd} vs ${row.requested_cost_usd}`);

  r = await ask('auto', 'Weather in Paris?', { tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: {} } } }] });
  assert.equal(hdr(r.response).model, 'o4-mini');
  assert.equal((await lastRow()).route_rule, 'auto:tools');

  r = await ask('auto', 'Write a python function that parses ISO dates and add unit tests.');
  assert.equal(hdr(r.response).model, 'gpt-4o');
  row = await lastRow();
  assert.equal(row.route_rule, 'auto:code');
  assert.ok(Math.abs(row.requested_cost_usd - row.cost_usd) < 1e-12, 'routed to the baseline itself: no savings claimed');

  // fast never leaves economy; smart always flagship (built-in routes over the default pool)
  r = await ask('fast', 'Prove step by step that there are infinitely many primes.');
  assert.match((await lastRow()).route_rule, /^auto:reasoning>max-tier-1/);
  r = await ask('smart', 'hi');
  assert.equal((await lastRow()).route_rule, 'auto:simple>min-tier-3');

  // A request no candidate can serve gets a clear 400 in OpenAI shape.
  h.core.settings.set('routing', { routes: { auto: { strategy: 'auto', candidates: ['mock/gpt-3.5-turbo'] } } });
  await assert.rejects(ask('auto', 'hi', { response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' } } } }), (e: any) => {
    assert.equal(e.status, 400);
    assert.equal(e.error.code, 'no_capable_model');
    assert.match(e.message, /JSON schema/);
    return true;
  });
});

test('alias maps to ordered candidates; unknown providers in a route are skipped; policy aliases win', async () => {
  h.core.settings.set('routing', { routes: { 'gpt-4o': { strategy: 'ordered', candidates: ['nowhere/gpt-4o', 'backup/gpt-4o'] } } });
  const r = await ask('gpt-4o', 'hi');
  assert.deepEqual(hdr(r.response), { provider: 'backup', model: 'gpt-4o', cache: 'miss', attempts: '1' });
  assert.equal((await lastRow()).route_rule, 'alias:gpt-4o');
  const saved = h.core.policy;
  h.core.policy = { managed: () => ({ routing: { aliases: { 'gpt-4o': ['mock/gpt-4o-mini'] } } }) as never, managedBy: () => 'acme' };
  try {
    const r2 = await ask('gpt-4o', 'hi');
    assert.equal(hdr(r2.response).model, 'gpt-4o-mini');
    assert.equal((await lastRow()).route_rule, 'alias:gpt-4o (policy)');
  } finally {
    h.core.policy = saved;
  }
});

test('fallback: 429 honours retry-after-ms then retries; 500s move on to the next candidate; 400 is not retried', async () => {
  const before429 = h.mock.requests.length;
  h.mock.next({ kind: 'error', file: 'openai/errors/429-rate_limit_exceeded.tokens.json', headers: { 'retry-after-ms': '60' } });
  const t0 = performance.now();
  let r = await ask('ha', 'hi');
  assert.ok(performance.now() - t0 >= 55, 'waited for retry-after-ms');
  assert.deepEqual(hdr(r.response), { provider: 'mock', model: 'gpt-4o', cache: 'miss', attempts: '2' });
  assert.equal(h.mock.requests.length - before429, 2);

  h.mock.next({ kind: 'error', file: 'openai/errors/500-server_error.json' }, { kind: 'error', file: 'openai/errors/500-server_error.json' });
  const b0 = backup.requests.length;
  r = await ask('ha', 'hi');
  assert.deepEqual(hdr(r.response), { provider: 'backup', model: 'gpt-4o', cache: 'miss', attempts: '3' });
  assert.equal(backup.requests.length - b0, 1);
  const row = await lastRow();
  assert.deepEqual([row.attempts, row.provider, row.status], [3, 'backup', 200]);

  // A 429 whose retry-after is longer than we wait goes straight to the next candidate.
  h.mock.next({ kind: 'error', file: 'openai/errors/429-rate_limit_exceeded.tokens.json', headers: { 'retry-after': '30' } });
  r = await ask('ha', 'hi');
  assert.deepEqual([hdr(r.response).provider, hdr(r.response).attempts], ['backup', '2']);

  const m0 = h.mock.requests.length;
  const b1 = backup.requests.length;
  h.mock.next({ kind: 'error', file: 'openai/errors/400-context_length_exceeded.json' });
  await assert.rejects(ask('ha', 'hi'), (e: any) => {
    assert.equal(e.status, 400);
    assert.equal(e.headers.get('x-airlock-attempts'), '1');
    assert.equal(e.headers.get('x-airlock-provider'), 'mock');
    return true;
  });
  assert.equal(h.mock.requests.length - m0, 1);
  assert.equal(backup.requests.length - b1, 0, 'a request error is not retried elsewhere');
});

test('fallback: first-byte timeout and connection reset hand over; nothing is retried once output reached the client', async () => {
  h.core.settings.set('gateway', { timeouts: { connectMs: 1000, firstByteMs: 300, idleMs: 2000 } });
  h.core.settings.set('routing', { routes: ROUTES, retry: { maxRetries: 0 } });
  h.mock.next({ kind: 'hang' });
  let r = await ask('ha', 'hi');
  assert.deepEqual([hdr(r.response).provider, hdr(r.response).attempts], ['backup', '2']);
  h.mock.next({ kind: 'reset' });
  r = await ask('ha', 'hi');
  assert.deepEqual([hdr(r.response).provider, hdr(r.response).attempts], ['backup', '2']);

  // The stream breaks after the first events went out: the client sees the break, no other provider is called.
  const b0 = backup.requests.length;
  const sse = wireBytes('openai/chat/stream.text.usage.sse').toString('utf8').split('\n\n');
  h.mock.next({
    kind: 'custom',
    handle: (req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`${sse[0]}\n\n${sse[1]}\n\n`);
      setTimeout(() => req.socket.destroy(), 30);
    },
  });
  const stream = await client.chat.completions.create({ model: 'ha', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  let chunks = 0;
  await assert.rejects(async () => {
    for await (const _ of stream) chunks++;
  });
  assert.ok(chunks >= 1, 'output reached the client before the break');
  assert.equal(backup.requests.length - b0, 0);
  const row = await lastRow();
  assert.equal(row.attempts, 1);
  assert.ok(row.status >= 500);
});

test('breaker: opens after repeated failures (traffic skips the model), half-open probe failing re-opens, succeeding closes', async () => {
  h.core.settings.set('routing', { routes: ROUTES, retry: { maxRetries: 0 }, breaker: { failureThreshold: 2, cooldownMs: 250, maxCooldownMs: 10_000 } });
  const fail = { kind: 'error' as const, file: 'openai/errors/500-server_error.json' };
  for (let i = 0; i < 2; i++) {
    h.mock.next(fail);
    const r = await ask('ha', 'hi');
    assert.equal(hdr(r.response).provider, 'backup');
  }
  // Open: mock/gpt-4o is not called at all.
  const m0 = h.mock.requests.length;
  let r = await ask('ha', 'hi');
  assert.deepEqual([hdr(r.response).provider, hdr(r.response).attempts], ['backup', '1']);
  assert.equal(h.mock.requests.length, m0);
  // A direct request to an open model fails fast with 503 and a retry-after.
  await assert.rejects(ask('mock/gpt-4o', 'hi'), (e: any) => {
    assert.equal(e.status, 503);
    assert.equal(e.error.code, 'circuit_open');
    assert.ok(Number(e.headers.get('retry-after')) >= 1);
    return true;
  });
  assert.equal(h.mock.requests.length, m0);
  // Half-open after the cooldown: one probe goes to mock; it fails, so the breaker opens again (longer).
  await new Promise((res) => setTimeout(res, 270));
  h.mock.next(fail);
  r = await ask('ha', 'hi');
  assert.equal(h.mock.requests.length, m0 + 1, 'the probe reached mock');
  assert.deepEqual([hdr(r.response).provider, hdr(r.response).attempts], ['backup', '2']);
  r = await ask('ha', 'hi');
  assert.equal(h.mock.requests.length, m0 + 1, 'open again');
  // After the doubled cooldown the probe succeeds and the breaker closes.
  await new Promise((res) => setTimeout(res, 520));
  r = await ask('ha', 'hi');
  assert.deepEqual([hdr(r.response).provider, hdr(r.response).attempts], ['mock', '1']);
  r = await ask('ha', 'hi');
  assert.equal(hdr(r.response).provider, 'mock', 'closed');
});

test('direct addresses are not retried by default (the client SDK retries); routing.retry.direct turns it on', async () => {
  h.mock.next({ kind: 'error', file: 'openai/errors/500-server_error.json' });
  await assert.rejects(ask('mock/gpt-4o', 'hi'), (e: any) => e.status === 500 && e.headers.get('x-airlock-attempts') === '1');
  h.core.settings.set('routing', { retry: { baseDelayMs: 10, direct: true } });
  h.mock.next({ kind: 'error', file: 'openai/errors/500-server_error.json' });
  const r = await ask('mock/gpt-4o', 'hi');
  assert.equal(hdr(r.response).attempts, '2');
});
