import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseAuto, requestFeatures, requiredTier, unfit, isGeneralPurpose, type PoolEntry } from './auto.ts';
import { Breakers } from './breaker.ts';
import { isRetryable, retryAfterMs, retryDelay } from './fallback.ts';
import { effectiveRoutes, globMatch, mergeRoutingSettings, policyAllows } from './routes.ts';
import { lookupModel, lookupModelFor, setModelOverrides, tierOf } from './catalog.ts';
import { GatewayError } from '../util/errors.ts';
import type { ProviderRuntime } from '../providers/registry.ts';

const prov = (id: string, catalogProvider: string | null = 'openai', local = false) =>
  ({ id, catalogProvider, local, record: { type: 'openai-compatible' }, knownModels: new Set() }) as unknown as ProviderRuntime;
const P = prov('p');
const entry = (model: string): PoolEntry => ({ provider: P, model, info: lookupModelFor(P, model) });
const pool = ['gpt-4o-mini', 'o4-mini', 'gpt-4o', 'gpt-3.5-turbo'].map(entry);
const user = (content: unknown) => ({ messages: [{ role: 'user', content }] });
const pick = (body: Record<string, unknown>, spec = { strategy: 'auto' as const, candidates: [] }) => {
  const c = chooseAuto('auto', pool, requestFeatures(body), spec);
  return { model: c.candidates[0]!.model, rule: c.rule, all: c.candidates.map((x) => x.model) };
};

test('auto: each rule picks the cheapest model that meets the tier the request needs', () => {
  assert.deepEqual(pick(user('What is the capital of France?')), { model: 'gpt-4o-mini', rule: 'auto:simple', all: ['gpt-4o-mini', 'gpt-3.5-turbo', 'o4-mini'] });
  assert.equal(pick({ ...user('weather in Paris?'), tools: [{ type: 'function', function: { name: 'w' } }] }).rule, 'auto:tools');
  assert.equal(pick({ ...user('weather in Paris?'), tools: [{ type: 'function', function: { name: 'w' } }] }).model, 'o4-mini');
  assert.deepEqual([pick(user('Refactor this:\n```js\nfunction f(){}\n```')).model, pick(user('Refactor this:\n```js\nfunction f(){}\n```')).rule], ['gpt-4o', 'auto:code']);
  assert.deepEqual([pick(user('Prove step by step that sqrt(2) is irrational')).model, pick(user('Prove step by step that sqrt(2) is irrational')).rule], ['gpt-4o', 'auto:reasoning']);
  const long = 'lorem ipsum dolor '.repeat(5000); // ~22k tokens
  assert.deepEqual([pick(user(long)).model, pick(user(long)).rule], ['gpt-4o', 'auto:long-context']);
  // reasoning_effort is a reasoning request whatever the text says
  assert.equal(pick({ ...user('hi'), reasoning_effort: 'high' }).rule, 'auto:reasoning');
});

test('auto: hard constraints hold: context, images, JSON schema, max output', () => {
  // gpt-3.5-turbo (16k context) is out once prompt + max_tokens exceed it, even for a simple prompt
  const f = requestFeatures({ ...user('hi'), max_tokens: 4096 });
  assert.equal(unfit(lookupModelFor(P, 'gpt-3.5-turbo'), { ...f, promptTokens: 14_000 }), 'context 16385 too small');
  assert.equal(unfit(lookupModelFor(P, 'gpt-3.5-turbo'), f), null);
  // images need vision: gpt-3.5-turbo has none
  const img = requestFeatures(user([{ type: 'text', text: 'what is this' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,' + 'A'.repeat(100_000) } }]));
  assert.equal(img.images, true);
  assert.ok(img.promptTokens < 2000, 'base64 image data is not counted as text');
  assert.equal(unfit(lookupModelFor(P, 'gpt-3.5-turbo'), img), 'no image input');
  const js = requestFeatures({ ...user('hi'), response_format: { type: 'json_schema', json_schema: { name: 'x', schema: {} } } });
  assert.equal(js.jsonSchema, true);
  assert.equal(unfit(lookupModelFor(P, 'gpt-3.5-turbo'), js), 'no JSON schema output');
  assert.equal(unfit(lookupModelFor(P, 'gpt-4o-mini'), { ...js, maxOutput: 100_000 }), 'max output 16384 < 100000');
  // Anthropic-shaped requests are read too (system, image blocks, tools).
  const a = requestFeatures({ system: 'be brief', messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }] }], max_tokens: 50 });
  assert.deepEqual([a.images, a.maxOutput], [true, 50]);
  // nothing fits: a clear error that says why
  assert.throws(
    () => chooseAuto('auto', [entry('gpt-3.5-turbo')], img, { strategy: 'auto', candidates: [] }),
    (e: GatewayError) => e.status === 400 && e.code === 'no_capable_model' && /image input/.test(e.message) && /1 no image input/.test(e.message),
  );
});

test('auto: route tiers clamp the choice; no model at the tier falls back to the best available and says so', () => {
  assert.equal(pick(user('Prove it step by step'), { strategy: 'auto', candidates: [], maxTier: 1 } as never).model, 'gpt-4o-mini');
  assert.match(pick(user('Prove it step by step'), { strategy: 'auto', candidates: [], maxTier: 1 } as never).rule, /max-tier-1/);
  assert.equal(pick(user('hi'), { strategy: 'auto', candidates: [], minTier: 3 } as never).model, 'gpt-4o');
  const onlyCheap = chooseAuto('auto', [entry('gpt-4o-mini'), entry('gpt-3.5-turbo')], requestFeatures(user('Prove it step by step')), { strategy: 'auto', candidates: [] });
  assert.equal(onlyCheap.candidates[0]!.model, 'gpt-4o-mini');
  assert.match(onlyCheap.rule, /best-available-tier-1/);
  assert.equal(requiredTier(requestFeatures(user('hello'))).rule, 'simple');
  assert.ok(isGeneralPurpose('gpt-4o') && !isGeneralPurpose('gpt-4o-2024-08-06') && !isGeneralPurpose('gpt-4o-audio-preview') && !isGeneralPurpose('ft:gpt-4o'));
});

test('catalog overrides: user prices win, local providers are free by default, lookupModel sees them', () => {
  try {
    setModelOverrides([
      ['openai/gpt-4o', { input: 1e-6, output: 2e-6 }],
      ['lab/my-model', { input: 3e-6, output: 4e-6, contextWindow: 8000, tools: true, tier: 3 }],
    ]);
    assert.equal(lookupModel('openai', 'gpt-4o')!.input, 1e-6);
    assert.equal(lookupModel('openai', 'gpt-4o')!.contextWindow, 128000, 'unset fields come from the catalog');
    const lab = lookupModelFor(prov('lab', null), 'my-model')!;
    assert.deepEqual([lab.input, lab.tools, tierOf(lab)], [3e-6, true, 3]);
    assert.equal(lookupModelFor(prov('lab', null), 'other'), undefined);
    const local = lookupModelFor(prov('ollama', 'ollama', true), 'llama3.1:8b')!;
    assert.deepEqual([local.input, local.output], [0, 0]);
  } finally {
    setModelOverrides([]);
  }
  assert.equal(lookupModel('openai', 'gpt-4o')!.input, 2.5e-6);
});

test('breaker: opens after N consecutive failures, lets one half-open probe through after the cooldown, closes on success', () => {
  let now = 1000;
  const b = new Breakers({ failureThreshold: 2, cooldownMs: 100, maxCooldownMs: 1000 }, () => now);
  const k = 'p/m';
  b.failure(k);
  assert.equal(b.state(k), 'closed');
  b.success(k); // a success resets the streak
  b.failure(k);
  assert.equal(b.state(k), 'closed');
  b.failure(k);
  assert.equal(b.state(k), 'open');
  assert.equal(b.allow(k), false);
  now += 100;
  assert.equal(b.state(k), 'half-open');
  assert.equal(b.allow(k), true, 'the probe');
  assert.equal(b.allow(k), false, 'only one probe at a time');
  b.failure(k); // probe failed: open again, cooldown doubled
  assert.equal(b.state(k), 'open');
  now += 100;
  assert.equal(b.allow(k), false);
  now += 100;
  assert.equal(b.allow(k), true);
  b.success(k);
  assert.equal(b.state(k), 'closed');
  assert.equal(b.allow(k), true);
  // a probe that ends without a verdict frees the slot
  b.failure(k);
  b.failure(k);
  now += 100;
  assert.equal(b.allow(k), true);
  b.release(k);
  assert.equal(b.allow(k), true);
});

test('retry decisions: retryable statuses, retry-after and retry-after-ms honoured, quota and long waits move on', () => {
  const e = (status: number, headers: Record<string, string> = {}, code: string | null = null) => new GatewayError(status, 'api_error', 'x', { headers, code });
  assert.ok(isRetryable(e(429)) && isRetryable(e(500)) && isRetryable(e(502)) && isRetryable(e(504)));
  assert.ok(!isRetryable(e(400)) && !isRetryable(e(401)) && !isRetryable(e(404)) && !isRetryable(e(503, { 'x-should-retry': 'false' })));
  const s = { maxRetries: 2, baseDelayMs: 100, maxDelayMs: 2000, direct: false };
  assert.equal(retryDelay(e(429, { 'retry-after': '1' }), 0, s), 1000);
  assert.equal(retryDelay(e(429, { 'retry-after-ms': '40', 'retry-after': '1' }), 0, s), 40);
  assert.equal(retryDelay(e(429, { 'retry-after': '7' }), 0, s), null, 'longer than maxDelayMs: next candidate');
  assert.equal(retryDelay(e(429, {}, 'insufficient_quota'), 0, s), null);
  assert.equal(retryDelay(e(500), 2, s), null, 'retries used up');
  assert.equal(retryDelay(e(500), 1, s, () => 1), 200, 'exponential backoff');
  assert.equal(retryDelay(e(500), 0, s, () => 0), 50, 'jitter down to half');
  assert.equal(retryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 8_000), 2000);
});

test('routes: built-ins, user routes and policy aliases (policy wins); policy allow/deny globs', () => {
  const s = mergeRoutingSettings({ routes: { fast: { strategy: 'ordered', candidates: ['a/x'] }, mine: { strategy: 'ordered', candidates: ['a/y'] } } });
  const r = effectiveRoutes(s, { routing: { aliases: { mine: ['b/z', 'b/w'], best: ['auto', 'b/*'] } } } as never);
  assert.deepEqual(r.get('fast')!.candidates, ['a/x']);
  assert.equal(r.get('smart')!.minTier, 3);
  assert.deepEqual([r.get('mine')!.candidates, r.get('mine')!.managed], [['b/z', 'b/w'], true]);
  assert.deepEqual([r.get('best')!.strategy, r.get('best')!.candidates], ['auto', ['b/*']]);
  assert.ok(globMatch('openai/gpt-4o*', 'openai/gpt-4o-mini') && !globMatch('openai/gpt-4o', 'openai/gpt-4o-mini'));
  const pol = { providers: { deny: ['deepseek'] }, models: { allow: ['openai/*', 'mock/*'], deny: ['openai/o1*'] } } as never;
  assert.equal(policyAllows(pol, { id: 'openai', type: 'openai' }, 'gpt-4o'), true);
  assert.equal(policyAllows(pol, { id: 'openai', type: 'openai' }, 'o1-pro'), false);
  assert.equal(policyAllows(pol, { id: 'deepseek', type: 'openai-compatible' }, 'deepseek-chat'), false);
  assert.equal(policyAllows(pol, { id: 'groq', type: 'openai-compatible' }, 'llama'), false);
});
