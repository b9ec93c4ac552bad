import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startHarness, flushed, type Harness } from '../testing/harness.ts';
import { routingOf } from '../routing/runtime.ts';

/**
 * The exact cache on /v1/messages: a cached answer replays as a well-formed Anthropic stream (or message) that the
 * official @anthropic-ai/sdk parses, event by event, into the same message: from an Anthropic upstream (pass-through,
 * the bytes the client got) and from an OpenAI-compatible upstream (translated, then cached as translated).
 */
let h: Harness;
let claude: Anthropic;

before(async () => {
  h = await startHarness();
  h.core.providers.add({ id: 'anthropic', type: 'anthropic', preset: 'anthropic', baseUrl: h.mock.url, keyEnv: 'MOCK_KEY', options: {} });
  claude = new Anthropic({ baseURL: `http://127.0.0.1:${h.gateway.port}`, apiKey: h.token, maxRetries: 0 });
});
after(() => h.close());
beforeEach(() => routingOf(h.core).cacheStore.clear());

// The SDK's types have no temperature (so no temperature 0): opt these requests in to the cache by header.
const FORCE = { headers: { 'x-airlock-cache': 'force' } };
const upstreamCalls = () => h.mock.requests.filter((r) => r.path === '/v1/messages' || r.path === '/v1/chat/completions').length;

async function streamOnce(model: string) {
  const { data: stream, response } = await claude.messages
    .create({ model, max_tokens: 256, stream: true, messages: [{ role: 'user', content: 'Write a haiku about the sea' }] }, FORCE)
    .withResponse();
  const events: string[] = [];
  let text = '';
  let usage: unknown = null;
  let stop: string | null = null;
  for await (const ev of stream) {
    events.push(ev.type);
    if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta') text += ev.delta.text;
    if (ev.type === 'message_delta') {
      usage = ev.usage;
      stop = ev.delta.stop_reason;
    }
  }
  return { events, text, usage, stop, cache: response.headers.get('x-airlock-cache'), kind: response.headers.get('x-airlock-cache-kind'), type: response.headers.get('content-type') };
}

for (const [name, model, scenario] of [
  ['an Anthropic upstream (pass-through)', 'anthropic/claude-sonnet-4-5', { kind: 'sse', file: 'anthropic/stream.text.sse', split: true }],
  ['an OpenAI-compatible upstream (translated)', 'mock/gpt-4o', { kind: 'sse', file: 'openai/chat/stream.text.usage.sse', split: true }],
] as const) {
  test(`streaming from ${name}: the replayed stream parses with the Anthropic SDK into the same events, text and usage`, async () => {
    h.mock.next(scenario);
    const n0 = upstreamCalls();
    const a = await streamOnce(model);
    const b = await streamOnce(model);
    assert.equal(upstreamCalls() - n0, 1, 'the provider was called once');
    assert.deepEqual([a.cache, b.cache, b.kind], ['miss', 'hit', 'exact']);
    assert.match(String(b.type), /^text\/event-stream/);
    assert.ok(a.text.length > 5, 'the first answer had text');
    assert.equal(b.text, a.text);
    assert.deepEqual(b.events, a.events);
    assert.equal(b.events[0], 'message_start');
    assert.equal(b.events.at(-1), 'message_stop');
    assert.deepEqual(b.usage, a.usage);
    assert.equal(b.stop, a.stop);
    // The SDK's stream helper accumulates the replay into the same final message.
    const helper = claude.messages.stream({ model, max_tokens: 256, messages: [{ role: 'user', content: 'Write a haiku about the sea' }] }, FORCE);
    const final = await helper.finalMessage();
    assert.equal(upstreamCalls() - n0, 1, 'still one provider call');
    assert.equal(final.content.map((c) => (c.type === 'text' ? c.text : '')).join(''), a.text);
    await flushed(h.core);
    const row = h.core.db.prepare('SELECT inbound, stream, cache_hit, cost_usd, attempts FROM requests ORDER BY id DESC LIMIT 1').get();
    assert.deepEqual({ ...(row as object) }, { inbound: 'anthropic.messages', stream: 1, cache_hit: 1, cost_usd: 0, attempts: 0 });
  });
}

test('non-streaming /v1/messages: the cached message is the same message, and is a separate entry from the stream', async () => {
  h.mock.next({ kind: 'json', file: 'anthropic/message.text.json' });
  const n0 = upstreamCalls();
  const params = { model: 'anthropic/claude-sonnet-4-5', max_tokens: 256, messages: [{ role: 'user' as const, content: 'Name a colour' }] };
  const a = await claude.messages.create(params, FORCE).withResponse();
  const b = await claude.messages.create(params, FORCE).withResponse();
  assert.equal(upstreamCalls() - n0, 1);
  assert.equal(b.response.headers.get('x-airlock-cache'), 'hit');
  assert.deepEqual(b.data, a.data);
  h.mock.next({ kind: 'sse', file: 'anthropic/stream.text.sse' });
  const s = await claude.messages.create({ ...params, stream: true }, FORCE).withResponse();
  assert.equal(s.response.headers.get('x-airlock-cache'), 'miss', 'the streaming form is its own entry');
  for await (const _ of s.data) void _;
});
