// Candidate selection when the pool holds more than priced catalog models: local models (free), discovered
// models of custom endpoints (unknown price, unknown capabilities), user overrides, and USD budgets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ASSUMED_CONTEXT, assess, chooseAuto, requestFeatures, type PoolEntry } from './auto.ts';
import { lookupModelFor, inCatalog, type ModelInfoWithTier } from './catalog.ts';
import { GatewayError } from '../util/errors.ts';
import type { ProviderRuntime } from '../providers/registry.ts';
import type { RouteSpec } from './routes.ts';

const prov = (id: string, catalogProvider: string | null, local: boolean) =>
  ({ id, catalogProvider, local, record: { type: 'openai-compatible', options: {} }, knownModels: new Set() }) as unknown as ProviderRuntime;
const OPENAI = prov('openai', 'openai', false);
const LOCAL = prov('lab', null, true); // e.g. "Other" provider at http://127.0.0.1:PORT/v1
const REMOTE = prov('corp', null, false); // a custom OpenAI-compatible endpoint elsewhere

const catalog = (model: string): PoolEntry => ({ provider: OPENAI, model, info: lookupModelFor(OPENAI, model) });
/** A model the catalog does not know, as the routing runtime builds it (unverified). */
const found = (p: ProviderRuntime, model: string, info?: ModelInfoWithTier): PoolEntry => ({
  provider: p,
  model,
  info: info ?? lookupModelFor(p, model),
  unverified: !inCatalog(p.catalogProvider, model),
});
const AUTO: RouteSpec = { strategy: 'auto', candidates: [] };
const user = (content: unknown, extra: Record<string, unknown> = {}) => ({ messages: [{ role: 'user', content }], ...extra });
const TOOLS = { tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: {} } } }] };
const IMAGE = [{ type: 'text', text: 'what is this' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }];
const choose = (pool: PoolEntry[], body: Record<string, unknown>, spec: RouteSpec = AUTO, opts = {}) => {
  const c = chooseAuto('auto', pool, requestFeatures(body), spec, opts);
  return { models: c.candidates.map((x) => `${x.provider.id}/${x.model}`), rule: c.rule };
};

test('a local server\'s discovered model is free, economy, and serves a short first message', () => {
  const e = found(LOCAL, 'model-id-0');
  assert.equal(e.unverified, true);
  assert.deepEqual([e.info?.input, e.info?.output], [0, 0], 'local models are priced 0 by default');
  assert.deepEqual(choose([e], user('hello')), { models: ['lab/model-id-0'], rule: 'auto:simple' });
  // fast (economy only) and smart (flagship only) still answer: smart with the best there is, and says so.
  assert.deepEqual(choose([e], user('hello'), { ...AUTO, maxTier: 1 }).models, ['lab/model-id-0']);
  assert.deepEqual(choose([e], user('hello'), { ...AUTO, minTier: 3 }), { models: ['lab/model-id-0'], rule: 'auto:simple>min-tier-3>best-available-tier-1' });
  // Free beats priced at the same tier.
  assert.deepEqual(choose([catalog('gpt-4o-mini'), e], user('hello')).models, ['lab/model-id-0', 'openai/gpt-4o-mini']);
});

test('unknown capabilities are doubts: a model known to serve the request wins; the unverified one is a last resort', () => {
  const local = found(LOCAL, 'model-id-0');
  // tools: o4-mini states tool use; the local model states nothing
  assert.deepEqual(choose([local, catalog('o4-mini')], user('Weather in Paris?', TOOLS)), { models: ['openai/o4-mini'], rule: 'auto:tools' });
  assert.deepEqual(choose([local], user('Weather in Paris?', TOOLS)), { models: ['lab/model-id-0'], rule: 'auto:tools>unverified-tools>best-available-tier-1' });
  // images likewise
  assert.deepEqual(choose([local, catalog('gpt-4o-mini')], user(IMAGE)).models, ['openai/gpt-4o-mini']);
  assert.match(choose([local], user(IMAGE)).rule, />unverified-images/);
  // A capability the user stated counts as known.
  const withTools = found(LOCAL, 'model-id-1', { mode: 'chat', input: 0, output: 0, tools: true });
  assert.deepEqual(choose([local, withTools], user('Weather in Paris?', TOOLS)).models, ['lab/model-id-1']);
  // A catalog model's missing capability still means "no", even when nothing else is there.
  assert.throws(() => choose([catalog('gpt-3.5-turbo')], user(IMAGE)), (e: GatewayError) => e.code === 'no_capable_model' && /1 no image input/.test(e.message));
});

test('unknown context window: small prompts fit, long ones only when no model is known to fit them', () => {
  const local = found(LOCAL, 'model-id-0');
  const small = requestFeatures(user('x'.repeat(4 * 2000)));
  assert.deepEqual(assess(local.info, small, { unverified: true }), { bad: null, doubts: [] });
  const long = user('lorem ipsum dolor '.repeat(3000)); // ~13.5k tokens > ASSUMED_CONTEXT
  assert.ok(requestFeatures(long).promptTokens > ASSUMED_CONTEXT);
  assert.deepEqual(assess(local.info, requestFeatures(long), { unverified: true }).doubts, ['context']);
  // max_tokens counts too
  assert.deepEqual(assess(local.info, requestFeatures(user('hi', { max_tokens: ASSUMED_CONTEXT })), { unverified: true }).doubts, ['context']);
  assert.deepEqual(choose([local, catalog('gpt-4o-mini')], long).models, ['openai/gpt-4o-mini']);
  assert.deepEqual(choose([local], long), { models: ['lab/model-id-0'], rule: 'auto:simple>unverified-context' });
  // A stated window is a hard limit.
  const small4k = found(LOCAL, 'model-id-2', { mode: 'chat', input: 0, output: 0, contextWindow: 4096 });
  assert.throws(() => choose([small4k], long), (e: GatewayError) => e.code === 'no_capable_model' && /context N too small/.test(e.message));
});

test('unknown prices are ranked last, and never chosen under a USD budget', () => {
  const corp = found(REMOTE, 'house-model');
  assert.equal(corp.info, undefined, 'a custom remote endpoint\'s model has no price');
  assert.deepEqual(choose([corp], user('hello')), { models: ['corp/house-model'], rule: 'auto:simple>best-available-unrated' });
  // Priced models of any tier come first; the unpriced one is the last fallback.
  assert.deepEqual(choose([corp, catalog('gpt-4o'), catalog('gpt-4o-mini')], user('hello')).models, ['openai/gpt-4o-mini', 'openai/gpt-4o', 'corp/house-model']);
  // Under a hard USD budget (the predicate says one applies) it is out, with the command that fixes it.
  const budget = { priceRequired: (e: PoolEntry) => !e.provider.local };
  assert.deepEqual(choose([corp, catalog('gpt-4o-mini')], user('hello'), AUTO, budget).models, ['openai/gpt-4o-mini']);
  assert.throws(
    () => choose([corp], user('hello'), AUTO, budget),
    (e: GatewayError) =>
      e.status === 400 &&
      e.code === 'no_capable_model' &&
      /1 price unknown under a USD budget/.test(e.message) &&
      e.message.includes('`airlock model set corp/house-model --input-usd-per-mtok N --output-usd-per-mtok N`'),
  );
  // With a price set (an override), it is an ordinary candidate again.
  const priced = found(REMOTE, 'house-model', { mode: 'chat', input: 0.1e-6, output: 0.4e-6 });
  assert.deepEqual(choose([priced], user('hello'), AUTO, budget), { models: ['corp/house-model'], rule: 'auto:simple' });
});

test('an empty pool says concretely what to do', () => {
  assert.throws(
    () => choose([], user('hello')),
    (e: GatewayError) => e.status === 503 && e.code === 'no_model_available' && /No model is available for 'auto'/.test(e.message) && /airlock model set/.test(e.message) && /pick a model explicitly/.test(e.message),
  );
});
