// `auto` for a user whose only provider is a custom OpenAI-compatible server (the first-run "Other" provider at
// http://127.0.0.1:PORT/v1): its models come from the server's own GET /v1/models, and auto/fast/smart route to them.
// Real gateway, real SQLite, official OpenAI SDK; only the upstream is a mock replaying real wire transcripts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import OpenAI from 'openai';
import { Core } from '../core.ts';
import { startGateway, type Gateway } from '../server/gateway.ts';
import { startMockUpstream, type MockUpstream } from '../testing/mock-upstream.ts';
import { tempDataDir, flushed } from '../testing/harness.ts';

let dataDir: string;
let core: Core;
let gateway: Gateway;
let mock: MockUpstream;
let client: OpenAI;
const KEY = 'sk-custom-provider-key-0123456789abcdef';

before(async () => {
  dataDir = tempDataDir();
  mock = await startMockUpstream();
  core = new Core({ dataDir, env: { ...process.env, CUSTOM_KEY: KEY }, secrets: null });
  // No catalog provider, loopback URL: what first run's "Other" creates.
  core.providers.add({ id: 'mymock', type: 'openai-compatible', preset: null, baseUrl: mock.url, keyEnv: 'CUSTOM_KEY', options: {} });
  const { token } = core.clients.create('test-client');
  gateway = await startGateway(core, { port: 0 });
  client = new OpenAI({ baseURL: gateway.url, apiKey: token, maxRetries: 0 });
});
after(async () => {
  await gateway.close();
  await mock.close();
  core.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const lastRow = async (): Promise<any> => {
  await flushed(core);
  return core.db.prepare('SELECT * FROM requests ORDER BY id DESC LIMIT 1').get();
};

test('auto, fast and smart route to the models the custom server lists; the first message works', async () => {
  const r = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
  assert.equal(r.data.choices[0]!.message.role, 'assistant');
  assert.equal(r.response.headers.get('x-airlock-provider'), 'mymock');
  assert.equal(r.response.headers.get('x-airlock-model'), 'model-id-0');
  // The server was asked what it serves (with the key), then got the chat call for a model it listed.
  const list = mock.requests.find((x) => x.path === '/v1/models');
  assert.ok(list, 'GET /v1/models was called');
  assert.equal(list.headers.authorization, `Bearer ${KEY}`);
  const call = mock.requests.at(-1)!;
  assert.equal(call.path, '/v1/chat/completions');
  assert.equal(call.body.model, 'model-id-0');
  const row = await lastRow();
  assert.deepEqual([row.requested_model, row.provider, row.model, row.route_rule, row.cost_usd], ['auto', 'mymock', 'model-id-0', 'auto:simple', 0]);

  // Streaming, and the other built-in routes.
  const stream = await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hello again' }], stream: true });
  let text = '';
  for await (const ch of stream) text += ch.choices[0]?.delta?.content ?? '';
  assert.ok(text.length > 0);
  assert.equal((await lastRow()).model, 'model-id-0');
  await client.chat.completions.create({ model: 'smart', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal((await lastRow()).route_rule, 'auto:simple>min-tier-3>best-available-tier-1');
  // Discovery is cached: one GET /v1/models for all three.
  assert.equal(mock.requests.filter((x) => x.path === '/v1/models').length, 1);
});

test('a remote custom endpoint (unknown prices): auto works, but not under a hard USD budget, which names the fix', async () => {
  core.providers.add({ id: 'corp', type: 'openai-compatible', preset: null, baseUrl: mock.url, keyEnv: 'CUSTOM_KEY', options: { local: false } });
  core.providers.remove('mymock');
  let r = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
  assert.equal(r.response.headers.get('x-airlock-provider'), 'corp');
  let row = await lastRow();
  assert.equal(row.route_rule, 'auto:simple>best-available-unrated');
  assert.equal(row.cost_usd, null, 'the price is unknown, not 0');

  core.budgets.repo.setBudget({ scope: 'global', window: 'day', limitUsd: 5, limitTokens: null, mode: 'hard', warnAtPct: null });
  try {
    await assert.rejects(client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }), (e: any) => {
      assert.equal(e.status, 400);
      assert.equal(e.error.code, 'no_capable_model');
      assert.match(e.message, /price unknown under a USD budget/);
      assert.match(e.message, /airlock model set corp\/model-id-\d --input-usd-per-mtok N --output-usd-per-mtok N/);
      return true;
    });
    // Priced with `airlock model set`, it is chosen under the budget.
    const { routingOf } = await import('./runtime.ts');
    routingOf(core).overrides.set('corp', 'model-id-1', { mode: 'chat', input: 0.1e-6, output: 0.2e-6 });
    r = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }).withResponse();
    assert.equal(r.response.headers.get('x-airlock-model'), 'model-id-1');
    row = await lastRow();
    assert.ok(row.cost_usd > 0);
  } finally {
    core.budgets.repo.removeBudget({ scope: 'global', window: 'day' });
    core.providers.remove('corp');
  }
});

test('when the model list cannot be read, auto says why and what to do', async () => {
  // The key is gone (e.g. the keychain item was deleted): discovery fails.
  core.providers.add({ id: 'nokey', type: 'openai-compatible', preset: null, baseUrl: mock.url, keyEnv: 'NOKEY_UNSET_VAR', options: {} });
  try {
    await assert.rejects(client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }), (e: any) => {
      assert.equal(e.status, 503);
      assert.equal(e.error.code, 'no_model_available');
      assert.match(e.message, /No model is available for 'auto' \(the model list of 'nokey' could not be read: .*NOKEY_UNSET_VAR/);
      assert.match(e.message, /airlock model set .* --input-usd-per-mtok 0 --output-usd-per-mtok 0/);
      assert.match(e.message, /pick a model explicitly/);
      return true;
    });
    // Not worth retrying (SDKs honour x-should-retry).
    const raw = await fetch(`${gateway.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${client.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }),
    });
    assert.equal(raw.status, 503);
    assert.equal(raw.headers.get('x-should-retry'), 'false');
  } finally {
    core.providers.remove('nokey');
  }
});
