import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startHarness, flushed, type Harness } from '../testing/harness.ts';
import { wireJson, wireBytes } from '../testing/fixtures.ts';

let h: Harness;
let client: OpenAI;
before(async () => {
  h = await startHarness();
  client = new OpenAI({ baseURL: h.gateway.url, apiKey: h.token, maxRetries: 0 });
});
after(() => h.close());

const lastRow = (): any => h.core.db.prepare('SELECT * FROM requests ORDER BY id DESC LIMIT 1').get();

test('non-streaming chat: the fixture comes back unchanged, the upstream sees the provider key, not the client token', async () => {
  const fixture = wireJson('openai/chat/completion.text.json');
  const r = await client.chat.completions.create({ model: 'mock/gpt-4o', messages: [{ role: 'user', content: 'Invent a holiday' }] });
  assert.equal(r.choices[0]!.message.content, fixture.choices[0].message.content);
  assert.equal(r.usage!.prompt_tokens, fixture.usage.prompt_tokens);
  const up = h.mock.requests.at(-1)!;
  assert.equal(up.path, '/v1/chat/completions');
  assert.equal(up.headers.authorization, `Bearer ${h.providerKey}`);
  assert.ok(!JSON.stringify(up.headers).includes(h.token), 'client token must not be forwarded');
  assert.equal(up.body.model, 'gpt-4o', 'provider prefix is stripped');
  await flushed(h.core);
  const row = lastRow();
  assert.equal(row.client, 'test-client');
  assert.equal(row.provider, 'mock');
  assert.equal(row.model, 'gpt-4o');
  assert.equal(row.status, 200);
  assert.equal(row.input_tokens, fixture.usage.prompt_tokens);
  assert.equal(row.output_tokens, fixture.usage.completion_tokens);
  const expected = fixture.usage.prompt_tokens * 2.5e-6 + fixture.usage.completion_tokens * 1e-5;
  assert.ok(Math.abs(row.cost_usd - expected) < 1e-9, `cost ${row.cost_usd} vs ${expected}`);
});

function expectedStreamText(file: string): string {
  return wireBytes(file)
    .toString('utf8')
    .split('\n')
    .filter((l) => l.startsWith('data: {'))
    .map((l) => JSON.parse(l.slice(6)).choices?.[0]?.delta?.content ?? '')
    .join('');
}

test('streaming chat: deltas relayed in order; the usage chunk is requested upstream and hidden when not asked for', async () => {
  h.mock.next({ kind: 'sse', file: 'openai/chat/stream.text.usage.sse', split: true });
  const stream = await client.chat.completions.create({ model: 'mock/gpt-4o', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  let text = '';
  let sawUsage = false;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    if (chunk.usage) sawUsage = true;
  }
  assert.equal(text, expectedStreamText('openai/chat/stream.text.usage.sse'));
  assert.equal(sawUsage, false);
  assert.equal(h.mock.requests.at(-1)!.body.stream_options.include_usage, true);
  await flushed(h.core);
  const row = lastRow();
  assert.equal(row.stream, 1);
  assert.equal(row.input_tokens, 14);
  assert.equal(row.output_tokens, 30);
  assert.ok(row.ttft_ms > 0 && row.ttft_ms <= row.latency_ms);
});

test('streaming chat with include_usage: the client gets the usage chunk', async () => {
  const stream = await client.chat.completions.create({
    model: 'mock/gpt-4o',
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: 'user', content: 'hi' }],
  });
  let usage: any = null;
  for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
  assert.deepEqual([usage?.prompt_tokens, usage?.completion_tokens], [14, 30]);
});
