import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cacheKey, canonicalJson } from './key.ts';

const base = {
  scope: 'client:1',
  protocol: 'openai.chat',
  provider: 'mock',
  providerUrl: 'http://127.0.0.1:1/v1',
  model: 'gpt-4o',
  body: {
    model: 'auto',
    messages: [{ role: 'user', content: 'hi' }],
    temperature: 0,
  } as Record<string, unknown>,
};
const hex = (p: typeof base) => cacheKey(p).toString('hex');

test('cache key: stable under key order, differs whenever an output-affecting parameter differs', () => {
  const k = hex(base);
  assert.equal(hex({ ...base, body: { temperature: 0, messages: [{ content: 'hi', role: 'user' }], model: 'auto' } }), k, 'key order does not matter');
  assert.equal(hex({ ...base, body: { ...base.body, model: 'other-alias', user: 'u1', metadata: { a: 1 }, store: true } }), k, 'non-output fields are ignored');
  const variants: [string, Partial<typeof base>][] = [
    ['scope', { scope: 'client:2' }],
    ['protocol', { protocol: 'openai.responses' }],
    ['provider', { provider: 'other' }],
    ['provider url', { providerUrl: 'http://127.0.0.1:2/v1' }],
    ['model', { model: 'gpt-4o-mini' }],
  ];
  const bodyVariants: Record<string, unknown>[] = [
    { messages: [{ role: 'user', content: 'hi!' }] },
    { messages: [{ role: 'system', content: 'x' }, { role: 'user', content: 'hi' }] },
    { temperature: 0.2 },
    { top_p: 0.5 },
    { max_tokens: 10 },
    { max_completion_tokens: 10 },
    { seed: 1 },
    { stop: ['\n'] },
    { n: 2 },
    { stream: true },
    { stream_options: { include_usage: true } },
    { tools: [{ type: 'function', function: { name: 'f' } }] },
    { tool_choice: 'required' },
    { response_format: { type: 'json_object' } },
    { logprobs: true },
    { presence_penalty: 1 },
    { frequency_penalty: 1 },
    { logit_bias: { '50256': -100 } },
    { reasoning_effort: 'high' },
    { parallel_tool_calls: false },
    { some_new_param: 1 },
  ];
  const seen = new Set([k]);
  for (const [what, v] of variants) {
    const h = hex({ ...base, ...v });
    assert.ok(!seen.has(h), `${what} must change the key`);
    seen.add(h);
  }
  for (const v of bodyVariants) {
    const h = hex({ ...base, body: { ...base.body, ...v } });
    assert.ok(!seen.has(h), `${JSON.stringify(v)} must change the key`);
    seen.add(h);
  }
});

test('canonical JSON sorts keys at every depth and drops undefined', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } }), '{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
});
