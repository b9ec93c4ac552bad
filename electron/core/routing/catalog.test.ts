import { test } from 'node:test';
import assert from 'node:assert/strict';
import { costOf, lookupModel, modelsOf } from './catalog.ts';

test('catalog finds bare OpenAI ids and prefixed ids of other providers', () => {
  const gpt = lookupModel('openai', 'gpt-4o');
  assert.ok(gpt && gpt.input && gpt.output);
  assert.ok(lookupModel('deepseek', 'deepseek-chat'));
  assert.equal(lookupModel('openai', 'no-such-model-xyz'), undefined);
  // A bare id that belongs to another provider is not borrowed.
  assert.equal(lookupModel('mistral', 'gpt-4o'), undefined);
  assert.ok(modelsOf('openai').includes('gpt-4o'));
});

test('cost uses the cached-token price for cached prompt tokens (worked example from SCHEMA.md)', () => {
  const info = lookupModel('anthropic', 'claude-sonnet-4-5')!;
  // Anthropic: input 2 + cache write 3068 + read 0; output 69.
  const cost = costOf(info, { input: 2 + 3068, cached: 0, cacheWrite: 3068, output: 69 })!;
  const expected = 2 * 3e-6 + 3068 * 3.75e-6 + 69 * 1.5e-5;
  assert.ok(Math.abs(cost - expected) < 1e-12, `${cost} vs ${expected}`);
  const gpt = lookupModel('openai', 'gpt-4o')!;
  const withCache = costOf(gpt, { input: 1000, cached: 800, cacheWrite: 0, output: 0 })!;
  const noCache = costOf(gpt, { input: 1000, cached: 0, cacheWrite: 0, output: 0 })!;
  assert.ok(withCache < noCache);
  assert.equal(costOf(undefined, { input: 1, cached: 0, cacheWrite: 0, output: 1 }), null);
  assert.equal(costOf({}, { input: 1, cached: 0, cacheWrite: 0, output: 1 }), null);
});
