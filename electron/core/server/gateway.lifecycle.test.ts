import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startHarness, flushed } from '../testing/harness.ts';

const msgs = [{ role: 'user' as const, content: 'hi' }];

test('shutdown lets short requests finish, then cuts long streams with an in-band error the SDKs raise', async () => {
  const h = await startHarness();
  try {
    h.core.providers.add({ id: 'ant', type: 'anthropic', preset: 'anthropic', baseUrl: h.mock.url, keyEnv: 'MOCK_KEY', options: {} });
    const openai = new OpenAI({ baseURL: h.gateway.url, apiKey: h.token, maxRetries: 0 });
    const anthropic = new Anthropic({ baseURL: h.gateway.url.replace(/\/v1$/, ''), apiKey: h.token, maxRetries: 0 });
    h.mock.on('POST /v1/chat/completions', { kind: 'sse', file: 'openai/chat/stream.text.usage.sse', delayMs: 150 });
    h.mock.on('POST /v1/messages', { kind: 'sse', file: 'anthropic/stream.text.sse', delayMs: 150 });
    const s1 = await openai.chat.completions.create({ model: 'mock/gpt-4o', stream: true, messages: msgs });
    const s2 = await anthropic.messages.create({ model: 'ant/claude-sonnet-4-5', max_tokens: 100, stream: true, messages: msgs });
    const read = async (it: AsyncIterable<unknown>) => {
      let n = 0;
      try {
        for await (const _ of it) n++;
        return { n, error: null as any };
      } catch (e) {
        return { n, error: e as any };
      }
    };
    const r1 = read(s1);
    const r2 = read(s2);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(h.gateway.inFlight(), 2);
    await h.gateway.close({ drainMs: 200 });
    const [a, b] = await Promise.all([r1, r2]);
    assert.ok(a.n > 0 && a.error, 'the OpenAI stream started, then failed');
    assert.match(String(a.error?.message), /shutting down/);
    assert.ok(b.n > 0 && b.error, 'the Anthropic stream started, then failed');
    assert.match(String(b.error?.message), /shutting down/);
    await flushed(h.core);
    const rows = h.core.db.prepare("SELECT status, error_type FROM requests ORDER BY id DESC LIMIT 2").all() as any[];
    assert.deepEqual(rows.map((r) => [r.status, r.error_type]), [[503, 'gateway_shutdown'], [503, 'gateway_shutdown']]);
  } finally {
    await h.close().catch(() => {});
  }
});

test('a request that finishes within the drain window completes normally during shutdown', async () => {
  const h = await startHarness();
  try {
    const openai = new OpenAI({ baseURL: h.gateway.url, apiKey: h.token, maxRetries: 0 });
    h.mock.next({ kind: 'sse', file: 'openai/chat/stream.text.usage.sse', delayMs: 5 });
    const stream = await openai.chat.completions.create({ model: 'mock/gpt-4o', stream: true, messages: msgs });
    const closing = h.gateway.close({ drainMs: 5000 });
    let text = '';
    for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
    await closing;
    assert.ok(text.length > 50);
  } finally {
    await h.close().catch(() => {});
  }
});

test('messages must be objects with a role; model must be a string', async () => {
  const h = await startHarness();
  try {
    const post = (body: unknown) =>
      fetch(`${h.gateway.url}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${h.token}` }, body: JSON.stringify(body) });
    let r = await post({ model: 'mock/gpt-4o', messages: [null] });
    assert.equal(r.status, 400);
    assert.equal((await r.json()).error.param, 'messages[0]');
    r = await post({ model: 'mock/gpt-4o', messages: [{ role: 'user', content: 'a' }, 'hello'] });
    assert.equal((await r.json()).error.param, 'messages[1]');
    r = await post({ model: 5, messages: msgs });
    const e = (await r.json()).error;
    assert.equal(e.code, 'invalid_type');
    assert.match(e.message, /must be a string/);
    assert.equal(h.mock.requests.length, 0, 'nothing invalid reaches the provider');
  } finally {
    await h.close();
  }
});

test('a response-cache hit is served even when a hard budget is spent (it sends nothing and costs nothing)', async () => {
  const h = await startHarness();
  try {
    const openai = new OpenAI({ baseURL: h.gateway.url, apiKey: h.token, maxRetries: 0 });
    const req = { model: 'mock/gpt-4o', temperature: 0, messages: [{ role: 'user' as const, content: 'cache me' }] };
    const first = await openai.chat.completions.create(req).withResponse();
    assert.equal(first.response.headers.get('x-airlock-cache'), 'miss');
    h.core.budgets.repo.setBudget({ scope: 'global', window: 'day', limitUsd: 0.000001, limitTokens: null, mode: 'hard', warnAtPct: null });
    h.core.live.invalidate();
    await assert.rejects(openai.chat.completions.create({ ...req, messages: [{ role: 'user', content: 'not cached' }] }), (e: any) => e.status === 429);
    const again = await openai.chat.completions.create(req).withResponse();
    assert.equal(again.response.headers.get('x-airlock-cache'), 'hit');
    assert.equal(again.data.choices[0]!.message.content, first.data.choices[0]!.message.content);
    await flushed(h.core);
    const u = h.core.db.prepare('SELECT SUM(cache_hit) AS hits FROM requests').get() as any;
    assert.equal(u.hits, 1);
  } finally {
    await h.close();
  }
});
