import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startHarness, flushed, type Harness } from '../testing/harness.ts';
import { routingOf } from '../routing/runtime.ts';
import { semanticIndexOf } from './semantic.ts';

/**
 * The semantic cache end to end: official SDKs -> gateway -> mock upstream whose /v1/embeddings answers in the
 * real OpenAI wire format with vectors this test controls, so similarities are known exactly.
 */
let h: Harness;
let client: OpenAI;

// 8-dimensional unit vectors: cos(Q, PARA) = 0.96, cos(Q, FAR) = 0.80.
const Q = [1, 0, 0, 0, 0, 0, 0, 0];
const PARA = [0.96, 0.28, 0, 0, 0, 0, 0, 0];
const FAR = [0.8, 0.6, 0, 0, 0, 0, 0, 0];
const QUESTION = 'How do I reset my password?';
const PARAPHRASE = 'What is the way to reset my password?';
const UNRELATED = 'How do I delete my whole account?';

function vectorOf(text: string): number[] {
  if (text === QUESTION) return Q;
  if (text.includes('reset my password') || text.includes('times 2')) return PARA;
  if (text === UNRELATED) return FAR;
  return [0, 0, 0, 0, 0, 0, 0, 1];
}

const embeddingCalls = () => h.mock.requests.filter((r) => r.path === '/v1/embeddings');
const chatCalls = () => h.mock.requests.filter((r) => r.path === '/v1/chat/completions').length;

before(async () => {
  h = await startHarness();
  client = new OpenAI({ baseURL: h.gateway.url, apiKey: h.token, maxRetries: 0 });
  h.mock.on('POST /v1/embeddings', {
    kind: 'custom',
    handle: (_req, res, body) => {
      const inputs: string[] = Array.isArray(body.input) ? body.input : [body.input];
      const out = {
        object: 'list',
        data: inputs.map((t, index) => ({ object: 'embedding', index, embedding: vectorOf(t) })),
        model: body.model,
        usage: { prompt_tokens: 7 * inputs.length, total_tokens: 7 * inputs.length },
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(out));
    },
  });
  h.mock.on('POST /v1/messages', { kind: 'json', file: 'anthropic/message.text.json' });
  h.core.providers.add({ id: 'anthropic', type: 'anthropic', preset: 'anthropic', baseUrl: h.mock.url, keyEnv: 'MOCK_KEY', options: {} });
});
after(() => h.close());

const SEM = { embeddings: 'mock/text-embedding-3-small', threshold: 0.9 };
beforeEach(() => {
  routingOf(h.core).cacheStore.clear();
  semanticIndexOf(h.core).clear();
  h.core.settings.set('cache', {});
  h.core.settings.set('dlp', {});
  h.core.settings.set('routing', {
    routes: {
      faq: { strategy: 'ordered', candidates: ['mock/gpt-4o'], semanticCache: SEM },
      'faq-mini': { strategy: 'ordered', candidates: ['mock/gpt-4o-mini'], semanticCache: SEM },
      plain: { strategy: 'ordered', candidates: ['mock/gpt-4o'], cache: true },
      claude: { strategy: 'ordered', candidates: ['anthropic/claude-sonnet-4-5'], semanticCache: SEM },
    },
  });
});

type Msg = { role: string; content: string };
const ask = (c: OpenAI, content: string, extra: Record<string, unknown> = {}, earlier: Msg[] = []) =>
  c.chat.completions.create({ model: 'faq', temperature: 0.7, messages: [...earlier, { role: 'user', content }], ...extra } as never).withResponse() as unknown as Promise<{ data: any; response: Response }>;
const kind = (r: { response: Response }) => [r.response.headers.get('x-airlock-cache'), r.response.headers.get('x-airlock-cache-kind')];

test('a paraphrase above the threshold is answered from the cache: kind semantic, the similarity, the same answer, free', async () => {
  const e0 = embeddingCalls().length;
  const c0 = chatCalls();
  const a = await ask(client, QUESTION);
  assert.deepEqual(kind(a), ['miss', null]);
  const b = await ask(client, PARAPHRASE);
  assert.deepEqual(kind(b), ['hit', 'semantic']);
  assert.equal(b.response.headers.get('x-airlock-cache-similarity'), '0.9600');
  assert.equal(b.response.headers.get('x-airlock-attempts'), '0');
  assert.deepEqual(b.data, a.data);
  assert.equal(chatCalls() - c0, 1, 'the chat model was called once');
  // Each lookup embedded the last user turn with the route's embeddings model, with the provider's own key.
  const emb = embeddingCalls().slice(e0);
  assert.deepEqual(emb.map((r) => r.body), [
    { model: 'text-embedding-3-small', input: QUESTION },
    { model: 'text-embedding-3-small', input: PARAPHRASE },
  ]);
  for (const r of emb) assert.equal(r.headers.authorization, `Bearer ${h.providerKey}`);
  // The exact repeat is an exact hit (no embeddings call).
  const c = await ask(client, QUESTION);
  assert.deepEqual(kind(c), ['hit', 'exact']);
  assert.equal(embeddingCalls().length - e0, 2);

  await flushed(h.core);
  const rows = h.core.db.prepare('SELECT * FROM requests ORDER BY id DESC LIMIT 5').all() as any[];
  const [exactHit, semHit, semEmb, miss, missEmb] = rows;
  assert.deepEqual([semHit.cache_hit, semHit.cost_usd, semHit.attempts, semHit.inbound, semHit.model], [1, 0, 0, 'openai.chat', 'gpt-4o']);
  assert.ok(semHit.requested_cost_usd > 0, 'what the hit saved');
  assert.equal(exactHit.cache_hit, 1);
  assert.equal(miss.cache_hit, 0);
  // The embeddings calls are request rows of their own, for the same client, priced.
  for (const r of [semEmb, missEmb]) {
    assert.deepEqual([r.inbound, r.requested_model, r.provider, r.model, r.route_rule, r.client, r.status, r.input_tokens, r.cache_hit], [
      'openai.embeddings', 'mock/text-embedding-3-small', 'mock', 'text-embedding-3-small', 'semantic-cache', 'test-client', 200, 7, 0,
    ]);
    assert.ok(r.cost_usd > 0 && r.cost_usd < 1e-5, `embedding cost ${r.cost_usd}`);
  }
  const st = semanticIndexOf(h.core).stats();
  assert.deepEqual([st.entries, st.hits], [1, 1]);
});

test('below the threshold is a miss, and so is a paraphrase on a route with a higher threshold', async () => {
  await ask(client, QUESTION);
  const far = await ask(client, UNRELATED);
  assert.deepEqual(kind(far), ['miss', null]);
  assert.equal(far.response.headers.get('x-airlock-cache-nearest'), '0.8000', 'a miss says how close the nearest question was');
  assert.equal(far.response.headers.get('x-airlock-cache-similarity'), null);
  h.core.settings.set('routing', { routes: { faq: { strategy: 'ordered', candidates: ['mock/gpt-4o'], semanticCache: { ...SEM, threshold: 0.97 } } } });
  const strict = await ask(client, PARAPHRASE);
  assert.deepEqual(kind(strict), ['miss', null], 'similarity 0.96 < 0.97');
});

test('scoped like the exact cache: system prompt, earlier turns, parameters, model and client must all match', async () => {
  const sys = [{ role: 'system', content: 'You are a helpful support agent.' }];
  await ask(client, QUESTION, {}, sys);
  assert.deepEqual(kind(await ask(client, PARAPHRASE, {}, sys)), ['hit', 'semantic'], 'same system prompt: hit');
  assert.deepEqual(kind(await ask(client, PARAPHRASE, {}, [{ role: 'system', content: 'You are a pirate.' }])), ['miss', null], 'system prompt differs');
  assert.deepEqual(kind(await ask(client, PARAPHRASE)), ['miss', null], 'no system prompt');
  const earlier = [...sys, { role: 'user', content: 'Hello there friend' }, { role: 'assistant', content: 'Hi! How can I help?' }];
  assert.deepEqual(kind(await ask(client, PARAPHRASE, {}, earlier)), ['miss', null], 'earlier turns differ');
  assert.deepEqual(kind(await ask(client, PARAPHRASE, { temperature: 0.2 }, sys)), ['miss', null], 'a parameter differs');
  assert.deepEqual(kind(await ask(client, PARAPHRASE, { max_tokens: 20 }, sys)), ['miss', null], 'a parameter differs');
  assert.deepEqual(kind(await ask(client, PARAPHRASE, { model: 'faq-mini' }, sys)), ['miss', null], 'resolved model differs');
  const other = new OpenAI({ baseURL: h.gateway.url, apiKey: h.core.clients.create(`other-${Date.now()}`).token, maxRetries: 0 });
  assert.deepEqual(kind(await ask(other, PARAPHRASE, {}, sys)), ['miss', null], 'another client token');
  // Numbers in the last turn must match exactly, whatever the embeddings say (both map to the same vector here).
  await ask(client, 'What is 17 times 23 exactly?');
  assert.deepEqual(kind(await ask(client, 'What is 17 times 24 exactly?')), ['miss', null], 'numbers differ');
  assert.deepEqual(kind(await ask(client, 'So what is 17 times 23 then?')), ['hit', 'semantic'], 'same numbers');
});

test('off by default; never for tools, short turns or DLP-masked requests', async () => {
  let e0 = embeddingCalls().length;
  // A route with the exact cache on but no semanticCache: paraphrases miss and nothing is embedded.
  await ask(client, QUESTION, { model: 'plain' });
  assert.deepEqual(kind(await ask(client, PARAPHRASE, { model: 'plain' })), ['miss', null]);
  // Direct addressing and the default cache mode: no semantic cache either.
  await ask(client, QUESTION, { model: 'mock/gpt-4o', temperature: 0 });
  assert.deepEqual(kind(await ask(client, PARAPHRASE, { model: 'mock/gpt-4o', temperature: 0 })), ['miss', null]);
  assert.equal(embeddingCalls().length, e0, 'no embeddings call without a semanticCache route');
  assert.equal(semanticIndexOf(h.core).stats().entries, 0);

  await ask(client, QUESTION);
  e0 = embeddingCalls().length;
  const tools = [{ type: 'function', function: { name: 'reset_password', parameters: { type: 'object', properties: {} } } }];
  await ask(client, PARAPHRASE, { tools });
  assert.deepEqual(kind(await ask(client, PARAPHRASE, { tools })), ['hit', 'exact'], 'tools: exact repeats only');
  assert.deepEqual(kind(await ask(client, 'Password reset?')), ['miss', null], 'two words: too short to compare');
  assert.equal(embeddingCalls().length, e0, 'nothing embedded for tools or short turns');

  h.core.settings.set('dlp', { rules: [{ id: 'customers', kind: 'dictionary', values: ['Globex Corp'], action: 'mask' }] });
  const masked = await ask(client, 'What is the way to reset my password at Globex Corp?');
  assert.deepEqual(kind(masked), ['miss', null]);
  assert.equal(embeddingCalls().length, e0, 'a request with masked values is never embedded or served semantically');
  assert.deepEqual(kind(await ask(client, 'What is the way to reset my password at Globex Corp?')), ['miss', null], 'nor stored');
});

test('a failing embeddings call leaves a row and the request goes on uncached', async () => {
  await ask(client, QUESTION);
  h.mock.next({ kind: 'error', file: 'openai/errors/500-server_error.json' });
  const c0 = chatCalls();
  const r = await ask(client, PARAPHRASE);
  assert.deepEqual(kind(r), ['miss', null]);
  assert.equal(chatCalls() - c0, 1);
  await flushed(h.core);
  const rows = h.core.db.prepare('SELECT inbound, status, route_rule FROM requests ORDER BY id DESC LIMIT 2').all() as any[];
  assert.deepEqual(rows[1], { inbound: 'openai.embeddings', status: 500, route_rule: 'semantic-cache' });
  assert.deepEqual([rows[0].inbound, rows[0].status], ['openai.chat', 200]);
});

test('Anthropic Messages: a semantic hit on a stream replays a stream the Anthropic SDK parses', async () => {
  h.mock.on('POST /v1/messages', { kind: 'sse', file: 'anthropic/stream.text.sse', split: true });
  const claude = new Anthropic({ baseURL: `http://127.0.0.1:${h.gateway.port}`, apiKey: h.token, maxRetries: 0 });
  const run = async (content: string) => {
    const s = claude.messages.stream({ model: 'claude', max_tokens: 200, system: 'Be brief.', messages: [{ role: 'user', content }] });
    const resp = await s.withResponse();
    const m = await s.finalMessage();
    return { m, cache: [resp.response.headers.get('x-airlock-cache'), resp.response.headers.get('x-airlock-cache-kind')] };
  };
  const a = await run(QUESTION);
  const b = await run(PARAPHRASE);
  assert.deepEqual(a.cache, ['miss', null]);
  assert.deepEqual(b.cache, ['hit', 'semantic']);
  assert.ok(a.m.content.length > 0);
  assert.deepEqual(b.m, a.m);
  h.mock.on('POST /v1/messages', { kind: 'json', file: 'anthropic/message.text.json' });
});
