import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import net from 'node:net';
import OpenAI from 'openai';
import { startHarness, flushed, tempDataDir, type Harness } from '../testing/harness.ts';
import { startMockUpstream } from '../testing/mock-upstream.ts';
import { wireJson } from '../testing/fixtures.ts';
import { Core } from '../core.ts';
import { startGateway } from './gateway.ts';

let h: Harness;
let client: OpenAI;
before(async () => {
  h = await startHarness();
  client = new OpenAI({ baseURL: h.gateway.url, apiKey: h.token, maxRetries: 0 });
});
after(() => h.close());

const msgs = [{ role: 'user' as const, content: 'hi' }];
const post = (body: string) =>
  fetch(`${h.gateway.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` }, body });

async function rejects(p: Promise<unknown>, check: (e: any) => void): Promise<void> {
  await assert.rejects(p, (e: any) => {
    check(e);
    return true;
  });
}

test('malformed JSON, a non-object body and missing fields get 400 with a message that says what is wrong', async () => {
  let r = await post('{"model": "mock/gpt-4o", "messages": [');
  assert.equal(r.status, 400);
  let e = (await r.json()).error;
  assert.equal(e.code, 'invalid_json');
  assert.match(e.message, /not valid JSON/);
  r = await post('[1,2]');
  assert.equal(r.status, 400);
  r = await post(JSON.stringify({ messages: msgs }));
  e = (await r.json()).error;
  assert.equal(e.param, 'model');
  assert.match(e.message, /model/);
  r = await post(JSON.stringify({ model: 'mock/gpt-4o', messages: [] }));
  assert.equal((await r.json()).error.param, 'messages');
  r = await post(JSON.stringify({ model: 'mock/gpt-4o', messages: msgs, stream: 'yes' }));
  assert.equal((await r.json()).error.param, 'stream');
});

test('tools, response_format, images and unknown parameters reach the upstream untouched', async () => {
  const body = {
    model: 'mock/gpt-4o',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }],
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    tool_choice: 'auto',
    response_format: { type: 'json_object' },
    temperature: 0.2,
    seed: 7,
    logit_bias: { '50256': -100 },
    some_future_param: { nested: [1, 2, 3] },
  };
  h.mock.next({ kind: 'json', file: 'openai/chat/completion.tool_calls.parallel.json' });
  const r = await client.chat.completions.create(body as any);
  const calls = r.choices[0]!.message.tool_calls!;
  assert.ok(calls.length >= 2);
  for (const c of calls) JSON.parse((c as any).function.arguments);
  const sent = h.mock.requests.at(-1)!.body;
  assert.deepEqual({ ...sent, model: 'mock/gpt-4o' }, body);
});

test('streamed parallel tool calls rebuild into valid JSON arguments', async () => {
  h.mock.next({ kind: 'sse', file: 'openai/chat/stream.tool_calls.parallel.sse', split: true });
  const args = new Map<number, string>();
  const names = new Map<number, string>();
  const stream = await client.chat.completions.create({ model: 'mock/gpt-4o', stream: true, messages: msgs, tools: [{ type: 'function', function: { name: 'x' } }] });
  for await (const c of stream) {
    for (const tc of c.choices[0]?.delta?.tool_calls ?? []) {
      args.set(tc.index, (args.get(tc.index) ?? '') + (tc.function?.arguments ?? ''));
      if (tc.function?.name) names.set(tc.index, tc.function.name);
    }
  }
  assert.ok(args.size >= 2);
  for (const a of args.values()) assert.equal(typeof JSON.parse(a), 'object');
  assert.ok([...names.values()].every(Boolean));
});

test('embeddings and the model list', async () => {
  const e = await client.embeddings.create({ model: 'mock/text-embedding-3-small', input: ['a', 'b'], encoding_format: 'float' });
  assert.equal(e.data.length, 2);
  assert.equal(h.mock.requests.at(-1)!.path, '/v1/embeddings');
  assert.equal(h.mock.requests.at(-1)!.body.model, 'text-embedding-3-small');
  const models = [];
  for await (const m of client.models.list()) models.push(m.id);
  assert.ok(models.includes('mock/gpt-4o'), 'catalog models are listed with the provider prefix');
  await flushed(h.core);
  const row: any = h.core.db.prepare("SELECT * FROM requests WHERE inbound = 'openai.embeddings' ORDER BY id DESC").get();
  assert.equal(row.input_tokens, 12);
});

test('upstream errors keep their status, type and message; retry hints pass through; keys are redacted', async () => {
  h.mock.next({ kind: 'error', file: 'openai/errors/429-rate_limit_exceeded.tokens.json', headers: { 'retry-after': '7', 'x-ratelimit-remaining-tokens': '0' } });
  await rejects(client.chat.completions.create({ model: 'mock/gpt-4o', messages: msgs }), (e) => {
    assert.equal(e.status, 429);
    assert.match(e.message, /Provider 'mock' returned HTTP 429: Request too large for gpt-4o/);
    assert.equal(e.error.code, 'rate_limit_exceeded');
    assert.equal(e.headers.get('retry-after'), '7');
    assert.equal(e.headers.get('x-ratelimit-remaining-tokens'), '0');
  });
  h.mock.next({ kind: 'error', file: 'openai/errors/400-context_length_exceeded.json' });
  await rejects(client.chat.completions.create({ model: 'mock/gpt-4o', messages: msgs }), (e) => {
    assert.equal(e.status, 400);
    assert.equal(e.error.code, 'context_length_exceeded');
    assert.equal(e.error.param, 'messages');
  });
  // An upstream that echoes our provider key: it must not reach the client.
  h.mock.next({ kind: 'custom', handle: (_req, res) => res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `Incorrect API key provided: ${h.providerKey}.`, type: 'invalid_request_error', code: 'invalid_api_key' } })) });
  await rejects(client.chat.completions.create({ model: 'mock/gpt-4o', messages: msgs }), (e) => {
    assert.equal(e.status, 401);
    assert.ok(!JSON.stringify(e.error).includes(h.providerKey));
    assert.ok(!e.message.includes(h.providerKey));
    assert.match(e.message, /\[redacted\]/);
  });
  h.mock.next({ kind: 'error', file: 'openai/errors/500-server_error.json' });
  await rejects(client.chat.completions.create({ model: 'mock/gpt-4o', messages: msgs }), (e) => assert.equal(e.status, 500));
});

test('unreachable provider, first-byte timeout and a missing key env var are said plainly', async () => {
  const port = await new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  h.core.providers.add({ id: 'down', type: 'openai-compatible', preset: null, baseUrl: `http://127.0.0.1:${port}/v1`, keyEnv: 'MOCK_KEY', options: {} });
  h.core.providers.add({ id: 'nokey', type: 'openai-compatible', preset: null, baseUrl: h.mock.url, keyEnv: 'AIRLOCK_TEST_UNSET_VAR', options: {} });
  try {
    await rejects(client.chat.completions.create({ model: 'down/gpt-4o', messages: msgs }), (e) => {
      assert.equal(e.status, 502);
      assert.match(e.message, /unreachable at http:\/\/127\.0\.0\.1:\d+: connection refused/);
    });
    await rejects(client.chat.completions.create({ model: 'nokey/gpt-4o', messages: msgs }), (e) => {
      assert.equal(e.status, 503);
      assert.match(e.message, /AIRLOCK_TEST_UNSET_VAR/);
      assert.equal(e.headers.get('x-should-retry'), 'false');
    });
    h.core.settings.set('gateway', { timeouts: { firstByteMs: 300 } });
    h.mock.next({ kind: 'hang' });
    await rejects(client.chat.completions.create({ model: 'mock/gpt-4o', messages: msgs }), (e) => {
      assert.equal(e.status, 504);
      assert.match(e.message, /did not start answering within 0\.3s/);
    });
  } finally {
    h.core.settings.set('gateway', {});
    h.core.providers.remove('down');
    h.core.providers.remove('nokey');
  }
});

test('model addressing: provider/model, a bare name served by exactly one provider, unknown and ambiguous names', async () => {
  const other = await startMockUpstream();
  h.core.providers.add({ id: 'deep', type: 'openai-compatible', preset: 'deepseek', baseUrl: other.url, keyEnv: 'MOCK_KEY', options: {} });
  try {
    const r = await client.chat.completions.create({ model: 'deepseek-chat', messages: msgs });
    assert.ok(r.choices.length);
    assert.equal(other.requests.at(-1)!.body.model, 'deepseek-chat', 'bare name served only by the deepseek preset');
    const r2 = await client.chat.completions.create({ model: 'gpt-4o', messages: msgs });
    assert.ok(r2.choices.length);
    assert.equal(h.mock.requests.at(-1)!.body.model, 'gpt-4o');
    await rejects(client.chat.completions.create({ model: 'no-such-model', messages: msgs }), (e) => {
      assert.equal(e.status, 404);
      assert.equal(e.error.code, 'model_not_found');
      assert.match(e.message, /'<provider>\/<model>'/);
    });
    h.core.providers.update('deep', { options: { models: ['gpt-4o'] } });
    await rejects(client.chat.completions.create({ model: 'gpt-4o', messages: msgs }), (e) => {
      assert.equal(e.status, 400);
      assert.equal(e.error.code, 'ambiguous_model');
      assert.match(e.message, /'mock\/gpt-4o' or 'deep\/gpt-4o'|'deep\/gpt-4o' or 'mock\/gpt-4o'/);
    });
  } finally {
    h.core.providers.remove('deep');
    await other.close();
  }
});

test('no provider configured: a clear 503 that tells what to run', async () => {
  const dataDir = tempDataDir();
  const core = new Core({ dataDir });
  const { token } = core.clients.create('t');
  const gw = await startGateway(core, { port: 0 });
  try {
    const c = new OpenAI({ baseURL: gw.url, apiKey: token, maxRetries: 0 });
    await rejects(c.chat.completions.create({ model: 'gpt-4o', messages: msgs }), (e) => {
      assert.equal(e.status, 503);
      assert.match(e.message, /airlock provider add/);
    });
  } finally {
    await gw.close();
    core.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});

test('client abort mid-stream aborts the upstream call and the usage so far is still recorded', async () => {
  h.mock.next({ kind: 'sse', file: 'openai/chat/stream.text.usage.sse', delayMs: 40 });
  const ac = new AbortController();
  const stream = await client.chat.completions.create({ model: 'mock/gpt-4o', stream: true, messages: msgs }, { signal: ac.signal });
  let n = 0;
  try {
    for await (const _ of stream) if (++n === 3) ac.abort();
  } catch {
    /* the SDK may end the iteration with an abort error */
  }
  assert.ok(n >= 3 && n < 20, `stopped reading after the abort (${n} chunks)`);
  const up = h.mock.requests.at(-1)!;
  for (let i = 0; i < 50 && !up.aborted; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(up.aborted, true, 'the upstream connection was closed before the mock finished');
  await new Promise((r) => setTimeout(r, 50));
  await flushed(h.core);
  const row: any = h.core.db.prepare('SELECT * FROM requests ORDER BY id DESC LIMIT 1').get();
  assert.equal(row.status, 499);
  assert.equal(row.error_type, 'client_closed');
  assert.equal(row.usage_estimated, 1);
  assert.ok(row.output_tokens > 0 && row.output_tokens < 30, `estimated ${row.output_tokens} output tokens so far`);
  assert.ok(row.cost_usd > 0);
});

test('an unknown model records its tokens with cost unknown (NULL), not zero', async () => {
  // local: false, because a loopback base URL otherwise counts as a local (free) model server.
  h.core.providers.add({ id: 'custom', type: 'openai-compatible', preset: null, baseUrl: h.mock.url, keyEnv: 'MOCK_KEY', options: { local: false } });
  try {
    await client.chat.completions.create({ model: 'custom/my-finetune', messages: msgs });
    await flushed(h.core);
    const row: any = h.core.db.prepare('SELECT * FROM requests ORDER BY id DESC LIMIT 1').get();
    assert.equal(row.model, 'my-finetune');
    assert.ok(row.input_tokens > 0);
    assert.equal(row.cost_usd, null);
  } finally {
    h.core.providers.remove('custom');
  }
});

test('the provider key never reaches the database or any file in the data directory', async () => {
  await flushed(h.core);
  h.core.db.pragma('wal_checkpoint(PASSIVE)');
  const needle = Buffer.from(h.providerKey);
  for (const f of fs.readdirSync(h.dataDir)) {
    const p = path.join(h.dataDir, f);
    if (fs.statSync(p).isFile()) assert.equal(fs.readFileSync(p).indexOf(needle), -1, `key bytes found in ${f}`);
  }
  // And the request log holds no prompt text.
  const all = JSON.stringify(h.core.db.prepare('SELECT * FROM requests').all());
  assert.ok(!all.includes('what is this?'));
  assert.ok(wireJson('openai/chat/completion.text.json'));
});
