import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startHarness, type Harness } from '../testing/harness.ts';
import { upperHoldBackFilter } from '../testing/doubles.ts';
import { GatewayError } from '../util/errors.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
  // Install the filter through the real pipeline: the DLP stage slot is where a filter is set.
  const stages = await import('../pipeline/run.ts');
  stages.STAGES.unshift((ctx) => {
    if (ctx.req.headers['x-test-filter']) ctx.outputFilter = upperHoldBackFilter();
    if (ctx.req.headers['x-test-block']) throw new GatewayError(403, 'policy_violation', 'blocked for test');
  });
});
after(() => h.close());

test('the output filter rewrites streamed text and tool-call arguments, releasing held-back text before the end', async () => {
  const client = new OpenAI({ baseURL: h.gateway.url, apiKey: h.token, maxRetries: 0, defaultHeaders: { 'x-test-filter': '1' } });
  h.mock.next({ kind: 'sse', file: 'openai/chat/stream.text.usage.sse', split: true });
  let text = '';
  for await (const c of await client.chat.completions.create({ model: 'mock/gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] })) {
    text += c.choices[0]?.delta?.content ?? '';
  }
  assert.ok(text.length > 20);
  assert.equal(text, text.toUpperCase());
  h.mock.next({ kind: 'sse', file: 'openai/chat/stream.tool_calls.parallel.sse' });
  const args = new Map<number, string>();
  for await (const c of await client.chat.completions.create({ model: 'mock/gpt-4o', stream: true, messages: [{ role: 'user', content: 'x' }] })) {
    for (const tc of c.choices[0]?.delta?.tool_calls ?? []) args.set(tc.index, (args.get(tc.index) ?? '') + (tc.function?.arguments ?? ''));
  }
  assert.ok(args.size >= 2);
  for (const a of args.values()) assert.equal(a, a.toUpperCase());
  const r = await client.chat.completions.create({ model: 'mock/gpt-4o', messages: [{ role: 'user', content: 'x' }] });
  assert.equal(r.choices[0]!.message.content, r.choices[0]!.message.content!.toUpperCase());
});

test('a stage that refuses answers in the caller protocol and still leaves a request row', async () => {
  const client = new OpenAI({ baseURL: h.gateway.url, apiKey: h.token, maxRetries: 0, defaultHeaders: { 'x-test-block': '1' } });
  await assert.rejects(client.chat.completions.create({ model: 'mock/gpt-4o', messages: [{ role: 'user', content: 'x' }] }), (e: any) => {
    assert.equal(e.status, 403);
    assert.equal(e.error.type, 'policy_violation');
    assert.match(e.message, /blocked for test/);
    return true;
  });
});
