import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimatePromptTokens, requestedMaxOutput, textTokens, IMAGE_TOKENS } from './estimate.ts';
import { SlidingLimiter, RATE_WINDOW_MS } from './ratelimit.ts';
import { parseScope, scopesOf } from './scopes.ts';

test('prompt estimate: ASCII at 3 chars a token, CJK near one a character, images at a fixed count, not their base64', () => {
  assert.equal(textTokens('a'.repeat(300)), 100);
  const cjk = textTokens('人工智能'.repeat(100)); // 400 characters; o200k counts ~250
  assert.ok(cjk >= 300 && cjk <= 600, String(cjk));
  const image = 'data:image/png;base64,' + 'A'.repeat(200_000);
  const withImage = estimatePromptTokens({
    messages: [{ role: 'user', content: [{ type: 'text', text: 'x'.repeat(30) }, { type: 'image_url', image_url: { url: image } }] }],
  });
  assert.equal(withImage, 10 + IMAGE_TOKENS + 4 + 3);
  // Anthropic shape: system + base64 image source.
  const anthropic = estimatePromptTokens({
    system: 'y'.repeat(60),
    messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'B'.repeat(10_000) } }] }],
  });
  assert.equal(anthropic, 20 + IMAGE_TOKENS + 4 + 3);
  // Tool schemas count (names and keys included).
  const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }];
  assert.ok(estimatePromptTokens({ messages: [{ role: 'user', content: 'hi' }], tools }) > estimatePromptTokens({ messages: [{ role: 'user', content: 'hi' }] }) + 20);
  // Embedding inputs, including token arrays.
  assert.equal(estimatePromptTokens({ input: [[1, 2, 3, 4]] }), 4 + 3);
});

test('requested output: max_completion_tokens, max_tokens, max_output_tokens; junk ignored', () => {
  assert.equal(requestedMaxOutput({ max_tokens: 100 }), 100);
  assert.equal(requestedMaxOutput({ max_completion_tokens: 50, max_tokens: 100 }), 50);
  assert.equal(requestedMaxOutput({ max_output_tokens: 7 }), 7);
  assert.equal(requestedMaxOutput({ max_tokens: '100' }), null);
  assert.equal(requestedMaxOutput({ max_tokens: -1 }), null);
});

test('sliding limiter: rpm refuses the N+1th in a minute, with the wait until the oldest leaves', () => {
  const l = new SlidingLimiter(3, null);
  const t0 = 1_000_000;
  for (let i = 0; i < 3; i++) {
    assert.equal(l.check(t0 + i * 1000, 0), null);
    l.admit(t0 + i * 1000, 0);
  }
  const r = l.check(t0 + 5000, 0)!;
  assert.equal(r.kind, 'rpm');
  assert.equal(r.retryAfterMs, RATE_WINDOW_MS - 5000);
  assert.equal(l.check(t0 + RATE_WINDOW_MS, 0), null, 'the first request has left the window');
});

test('sliding limiter: tpm admits on estimates, corrects at settle, and caps one request at the whole minute', () => {
  const l = new SlidingLimiter(null, 1000);
  const t0 = 5_000_000;
  const a = l.admit(t0, 600)!;
  assert.equal(l.check(t0 + 1, 500)?.kind, 'tpm');
  l.settle(a, 200); // it used far less than estimated
  assert.equal(l.check(t0 + 2, 500), null);
  l.admit(t0 + 2, 500);
  const r = l.check(t0 + 3, 400)!;
  assert.equal(r.kind, 'tpm');
  assert.equal(r.current, 700);
  assert.equal(r.retryAfterMs, RATE_WINDOW_MS - 3, 'once the first entry (200) leaves, 500 + 400 fits');
  // A request bigger than the whole allowance passes an empty minute (counted as the whole allowance).
  const big = new SlidingLimiter(null, 1000);
  assert.equal(big.check(t0, 50_000), null);
  big.admit(t0, 50_000);
  assert.equal(big.usage(t0).tokens, 1000);
  // Settling an entry that already left the window changes nothing.
  const late = big.admit(t0 + 1, 0)!;
  assert.equal(big.usage(t0 + RATE_WINDOW_MS + 10).tokens, 0);
  big.settle(late, 999);
  assert.equal(big.usage(t0 + RATE_WINDOW_MS + 10).tokens, 0);
});

test('scopes: parsing and what a request falls under', () => {
  assert.deepEqual(parseScope('model:openrouter/anthropic/claude-3.5'), { kind: 'model', key: 'model:openrouter/anthropic/claude-3.5', provider: 'openrouter', model: 'anthropic/claude-3.5' });
  assert.throws(() => parseScope('model:gpt-4o'), /model:<provider id>\/<model>/);
  assert.throws(() => parseScope('client:'), /Invalid scope/);
  assert.deepEqual(scopesOf('cursor', 'openai', 'gpt-4o'), ['global', 'client:cursor', 'provider:openai', 'model:openai/gpt-4o']);
});
