import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startHarness, flushed, type Harness } from '../testing/harness.ts';
import { wireJson } from '../testing/fixtures.ts';
import { routingOf } from '../routing/runtime.ts';
import { CacheStore } from './store.ts';

let h: Harness;
let client: OpenAI;
before(async () => {
  h = await startHarness();
  client = new OpenAI({ baseURL: h.gateway.url, apiKey: h.token, maxRetries: 0 });
});
after(() => h.close());
beforeEach(() => {
  routingOf(h.core).cacheStore.clear();
  h.core.settings.set('cache', {});
});

const calls = () => h.mock.requests.length;
const lastRow = async (): Promise<any> => {
  await flushed(h.core);
  return h.core.db.prepare('SELECT * FROM requests ORDER BY id DESC LIMIT 1').get();
};
const chat = (c: OpenAI, extra: Record<string, unknown> = {}, opts: Record<string, unknown> = {}) =>
  c.chat.completions.create({ model: 'mock/gpt-4o', temperature: 0, messages: [{ role: 'user', content: 'Invent a holiday' }], ...extra } as never, opts).withResponse() as unknown as Promise<{
    data: any;
    response: Response;
  }>;

test('non-streaming: a temperature-0 request is answered from the cache the second time, free, with the same body', async () => {
  const n0 = calls();
  const a = await chat(client);
  assert.equal(a.response.headers.get('x-airlock-cache'), 'miss');
  const b = await chat(client);
  assert.equal(calls() - n0, 1, 'the provider was called once');
  assert.equal(b.response.headers.get('x-airlock-cache'), 'hit');
  assert.equal(b.response.headers.get('x-airlock-attempts'), '0');
  assert.equal(b.response.headers.get('x-airlock-provider'), 'mock');
  assert.equal(b.response.headers.get('x-airlock-model'), 'gpt-4o');
  assert.deepEqual(b.data, a.data);
  const row = await lastRow();
  assert.deepEqual([row.cache_hit, row.cost_usd, row.status, row.attempts], [1, 0, 200, 0]);
  assert.equal(row.input_tokens, wireJson('openai/chat/completion.text.json').usage.prompt_tokens, 'the cached answer’s usage is recorded');
  assert.ok(row.requested_cost_usd > 0, 'what the hit saved');
});

test('by default only deterministic requests are cached; routes and the force header opt in; no-store and refresh opt out', async () => {
  let n0 = calls();
  await chat(client, { temperature: 0.7 });
  await chat(client, { temperature: 0.7 });
  assert.equal(calls() - n0, 2, 'temperature 0.7 is not cached');

  n0 = calls();
  await chat(client, { temperature: 0.7 }, { headers: { 'x-airlock-cache': 'force' } });
  const f = await chat(client, { temperature: 0.7 }, { headers: { 'x-airlock-cache': 'force' } });
  assert.equal(calls() - n0, 1);
  assert.equal(f.response.headers.get('x-airlock-cache'), 'hit');

  h.core.settings.set('routing', { routes: { cached: { strategy: 'ordered', candidates: ['mock/gpt-4o'], cache: true } } });
  n0 = calls();
  await chat(client, { model: 'cached', temperature: 1 });
  assert.equal((await chat(client, { model: 'cached', temperature: 1 })).response.headers.get('x-airlock-cache'), 'hit');
  assert.equal(calls() - n0, 1);

  n0 = calls();
  await chat(client, { seed: 7 }, { headers: { 'x-airlock-cache': 'no-store' } });
  await chat(client, { seed: 7 }, { headers: { 'cache-control': 'no-store' } });
  const third = await chat(client, { seed: 7 });
  assert.equal(third.response.headers.get('x-airlock-cache'), 'miss', 'no-store requests stored nothing');
  assert.equal(calls() - n0, 3);
  const refreshed = await chat(client, { seed: 7 }, { headers: { 'x-airlock-cache': 'refresh' } });
  assert.equal(refreshed.response.headers.get('x-airlock-cache'), 'miss');
  assert.equal(calls() - n0, 4, 'refresh skips the lookup');

  h.core.settings.set('cache', { enabled: false });
  n0 = calls();
  await chat(client, { seed: 8 });
  await chat(client, { seed: 8 });
  assert.equal(calls() - n0, 2, 'cache switched off');
});

test('keys differ whenever an output-affecting parameter differs; failures are not cached', async () => {
  await chat(client, { max_tokens: 50 });
  for (const extra of [{ max_tokens: 51 }, { max_tokens: 50, top_p: 0.5 }, { max_tokens: 50, messages: [{ role: 'user', content: 'Invent a holiday!' }] }, { max_tokens: 50, model: 'mock/gpt-4o-mini' }]) {
    const r = await chat(client, extra);
    assert.equal(r.response.headers.get('x-airlock-cache'), 'miss', JSON.stringify(extra));
  }
  assert.equal((await chat(client, { max_tokens: 50 })).response.headers.get('x-airlock-cache'), 'hit');

  h.mock.next({ kind: 'error', file: 'openai/errors/500-server_error.json' });
  await assert.rejects(chat(client, { seed: 99 }), (e: any) => e.status === 500 && e.headers.get('x-airlock-cache') === 'miss');
  const n0 = calls();
  await chat(client, { seed: 99 });
  assert.equal(calls() - n0, 1, 'the error was not cached');
});

test('scopes: another client token does not see my entries unless the team policy shares the cache', async () => {
  const other = new OpenAI({ baseURL: h.gateway.url, apiKey: h.core.clients.create(`other-${Date.now()}`).token, maxRetries: 0 });
  await chat(client, { seed: 1 });
  assert.equal((await chat(other, { seed: 1 })).response.headers.get('x-airlock-cache'), 'miss');
  assert.equal((await chat(client, { seed: 1 })).response.headers.get('x-airlock-cache'), 'hit');
  const saved = h.core.policy;
  h.core.policy = { managed: () => ({ cache: { shareAcrossClients: true } }) as never, managedBy: () => 'acme' };
  try {
    await chat(client, { seed: 2 });
    assert.equal((await chat(other, { seed: 2 })).response.headers.get('x-airlock-cache'), 'hit');
  } finally {
    h.core.policy = saved;
  }
});

test('streaming: a cached stream replays as a well-formed stream the openai SDK parses, text and usage intact', async () => {
  const run = async () => {
    const { data: stream, response } = (await client.chat.completions
      .create({ model: 'mock/gpt-4o', temperature: 0, stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse()) as any;
    let text = '';
    let usage: any = null;
    let finish: string | null = null;
    for await (const c of stream) {
      text += c.choices[0]?.delta?.content ?? '';
      if (c.choices[0]?.finish_reason) finish = c.choices[0].finish_reason;
      if (c.usage) usage = c.usage;
    }
    return { text, usage, finish, cache: response.headers.get('x-airlock-cache') };
  };
  const n0 = calls();
  const a = await run();
  const b = await run();
  assert.equal(calls() - n0, 1);
  assert.deepEqual([a.cache, b.cache], ['miss', 'hit']);
  assert.ok(a.text.length > 10);
  assert.equal(b.text, a.text);
  assert.equal(b.finish, 'stop');
  assert.deepEqual(b.usage, a.usage);
  const row = await lastRow();
  assert.deepEqual([row.cache_hit, row.stream, row.output_tokens, row.cost_usd], [1, 1, a.usage.completion_tokens, 0]);
  // The non-streaming form of the same request is a different entry.
  assert.equal((await chat(client, { messages: [{ role: 'user', content: 'hi' }], stream_options: undefined })).response.headers.get('x-airlock-cache'), 'miss');
});

test('embeddings are deterministic and cached', async () => {
  const n0 = calls();
  const a = await client.embeddings.create({ model: 'mock/text-embedding-3-small', input: 'hello' });
  const b = await client.embeddings.create({ model: 'mock/text-embedding-3-small', input: 'hello' });
  assert.equal(calls() - n0, 1);
  assert.deepEqual(b.data[0]!.embedding, a.data[0]!.embedding);
});

test('store: TTL expiry and LRU eviction under the size cap', () => {
  const store = new CacheStore(h.core.db, 3000);
  store.clear();
  const put = (k: number, at: number, ttl = 10_000) =>
    store.put({ key: Buffer.from([k]), scope: 's', provider: 'p', model: 'm', inbound: 'openai.chat', stream: false, contentType: 'application/json', body: Buffer.alloc(1000, k), usage: null, createdAt: at, expiresAt: at + ttl });
  put(1, 1000, 50);
  assert.ok(store.get(Buffer.from([1]), 1040));
  assert.equal(store.get(Buffer.from([1]), 1050), null, 'expired');
  put(2, 2000);
  put(3, 2001);
  store.get(Buffer.from([2]), 2002); // 2 is now more recently used than 3
  store.flushHits();
  put(4, 2003);
  put(5, 2004); // 4000 bytes > 3000: evict least recently used down to 90%
  assert.equal(store.get(Buffer.from([3]), 2005), null, 'LRU entry evicted');
  assert.ok(store.get(Buffer.from([5]), 2005));
  assert.ok(store.stats(2005).bytes <= 3000);
  store.clear();
});
