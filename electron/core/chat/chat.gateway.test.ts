// The chat runner through the app API against a real gateway on loopback (mock upstream replaying real SSE):
// each turn is a gateway call by the internal client, streamed as chat events; stop, regenerate, edit-resend;
// a budget refusal becomes a blocked message with the reason; the token is never stored in plaintext.
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startHarness, type Harness } from '../testing/harness.ts';
import { AppApiService } from '../api/service.ts';
import type { AppEvent } from '../../../shared/api/contract.ts';
import type { ChatMessage } from '../../../shared/api/chat.ts';
import { CHAT_CLIENT } from './runner.ts';
import { databasePath } from '../paths.ts';

let h: Harness;
let api: AppApiService;
const events: AppEvent[] = [];

test.before(async () => {
  h = await startHarness();
  api = new AppApiService(h.core, { mode: 'web', version: 't', gateway: () => ({ state: 'running', port: h.gateway.port }) });
  api.subscribe((e) => events.push(e));
});
test.after(async () => {
  api.close();
  await h.close();
});

/** An OpenAI stream in the wire shape of testdata/wire/openai/chat/stream.text.usage.sse, echoing what it got. */
function echo(opts: { pieces?: (body: any) => string[]; hang?: boolean; delayMs?: number } = {}) {
  return {
    kind: 'custom' as const,
    handle: (_req: IncomingMessage, res: ServerResponse, body: any) => {
      const last = body.messages.at(-1);
      const text = typeof last.content === 'string' ? last.content : last.content.find((p: any) => p.type === 'text').text;
      const pieces = opts.pieces?.(body) ?? ['You said: ', text];
      const base = { id: 'chatcmpl-echo', object: 'chat.completion.chunk', created: 1727346168, model: 'gpt-4o-2024-08-06', system_fingerprint: 'fp_5050236cbd' };
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }] })}\n\n`);
      let i = 0;
      const next = () => {
        if (res.destroyed) return;
        if (i < pieces.length) {
          res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: pieces[i++] }, logprobs: null, finish_reason: null }] })}\n\n`);
          setTimeout(next, opts.delayMs ?? 1);
          return;
        }
        if (opts.hang) return;
        res.write(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }] })}\n\n`);
        res.write(`data: ${JSON.stringify({ ...base, choices: [], usage: { prompt_tokens: 14, completion_tokens: 30, total_tokens: 44 } })}\n\n`);
        res.end('data: [DONE]\n\n');
      };
      next();
    },
  };
}

async function doneFor(conversationId: string, messageId: number, timeout = 10_000): Promise<ChatMessage> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const e = events.find((x) => x.type === 'chat' && x.event.kind === 'done' && x.event.message.id === messageId && x.event.conversationId === conversationId);
    if (e && e.type === 'chat' && e.event.kind === 'done') return e.event.message;
    if (Date.now() > deadline) assert.fail(`no done event for message ${messageId}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const call = (m: string, input: unknown) => api.call(m, input) as Promise<any>;

test('a turn streams through the gateway as the internal client; usage, cost, routed model and title are recorded', async () => {
  const conv = await call('chat.create', { model: 'mock/gpt-4o', systemPrompt: 'Be brief.', temperature: 0.3, maxTokens: 200 });
  h.mock.next(echo({ pieces: (b) => ['Hello', ' there', `, you said ${b.messages.at(-1).content}`] }));
  const turn = await call('chat.send', { conversationId: conv.id, content: 'ping 42' });
  assert.equal(turn.assistant.status, 'streaming');
  const done = await doneFor(conv.id, turn.assistant.id);
  assert.equal(done.status, 'done');
  assert.equal(done.content, 'Hello there, you said ping 42');
  assert.equal(done.provider, 'mock');
  assert.equal(done.model, 'gpt-4o');
  assert.equal(done.inputTokens, 14);
  assert.equal(done.outputTokens, 30);
  assert.ok(done.costUsd! > 0, 'priced from the catalog by the gateway');
  assert.equal(done.cacheHit, false);
  const deltas = events.filter((e) => e.type === 'chat' && e.event.kind === 'delta' && e.event.messageId === turn.assistant.id);
  assert.ok(deltas.length >= 1);
  assert.equal(deltas.map((e) => (e.type === 'chat' && e.event.kind === 'delta' ? e.event.text : '')).join(''), done.content, 'deltas add up to the answer');

  // The upstream got the conversation settings; the gateway got the internal client's token.
  const up = h.mock.requests.at(-1)!;
  assert.deepEqual(up.body.messages, [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'ping 42' }]);
  assert.equal(up.body.temperature, 0.3);
  assert.equal(up.body.max_tokens, 200);
  assert.equal(up.headers.authorization, `Bearer ${h.providerKey}`);
  const row = h.core.db.prepare('SELECT client, tags, status FROM requests ORDER BY id DESC LIMIT 1').get() as any;
  assert.equal(row.client, CHAT_CLIENT);
  assert.equal(row.status, 200);
  assert.match(row.tags, /^feature=chat;_chat=/);

  const c = await call('chat.get', { id: conv.id });
  assert.equal(c.title, 'ping 42');
  assert.equal(c.messageCount, 2);
  assert.equal(c.costUsd, done.costUsd);

  // The internal token exists only in memory: the database holds its hash, as for every client.
  const client = h.core.clients.get(CHAT_CLIENT)!;
  assert.equal(client.tokenHash.length, 32);
  h.core.requestLog.flush();
  const tokenHint = client.tokenHint;
  const dbBytes = fs.readFileSync(databasePath(h.dataDir));
  assert.ok(!dbBytes.includes(Buffer.from(`alk_`)) || !dbBytes.toString('latin1').match(new RegExp(`alk_[A-Za-z0-9_-]{39}${tokenHint}`)), 'no plaintext token on disk');
});

test('the next turn carries the history; regenerate replaces the reply; edit-resend drops later messages', async () => {
  const conv = await call('chat.create', { model: 'mock/gpt-4o' });
  h.mock.next(echo());
  const t1 = await call('chat.send', { conversationId: conv.id, content: 'first' });
  await doneFor(conv.id, t1.assistant.id);
  h.mock.next(echo());
  const t2 = await call('chat.send', { conversationId: conv.id, content: 'second' });
  await doneFor(conv.id, t2.assistant.id);
  assert.deepEqual(h.mock.requests.at(-1)!.body.messages.map((m: any) => m.content), ['first', 'You said: first', 'second']);

  h.mock.next(echo({ pieces: () => ['another answer'] }));
  const r = await call('chat.regenerate', { conversationId: conv.id });
  assert.equal(r.user.id, t2.user.id);
  const rd = await doneFor(conv.id, r.assistant.id);
  assert.equal(rd.content, 'another answer');
  let page = await call('chat.messages', { conversationId: conv.id });
  assert.deepEqual(page.messages.map((m: any) => m.content), ['first', 'You said: first', 'second', 'another answer']);

  h.mock.next(echo());
  const e = await call('chat.edit', { conversationId: conv.id, messageId: t1.user.id, content: 'first, edited' });
  await doneFor(conv.id, e.assistant.id);
  assert.deepEqual(h.mock.requests.at(-1)!.body.messages.map((m: any) => m.content), ['first, edited']);
  page = await call('chat.messages', { conversationId: conv.id });
  assert.deepEqual(page.messages.map((m: any) => m.content), ['first, edited', 'You said: first, edited']);
  assert.equal(page.total, 2);
});

test('stop aborts the upstream call and keeps the partial answer', async () => {
  const conv = await call('chat.create', { model: 'mock/gpt-4o' });
  h.mock.next(echo({ pieces: () => ['partial ', 'answer'], hang: true }));
  const t = await call('chat.send', { conversationId: conv.id, content: 'long one' });
  // Wait until some text streamed, then stop. (The gateway's output filter may hold back the last word until
  // the next chunk, so only the first piece is certain to have arrived.)
  const deadline = Date.now() + 5000;
  while (!events.some((e) => e.type === 'chat' && e.event.kind === 'delta' && e.event.messageId === t.assistant.id && /partial/.test(e.event.text)) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 10));
  }
  await assert.rejects(call('chat.send', { conversationId: conv.id, content: 'again' }), /still streaming/);
  assert.equal((await call('chat.get', { id: conv.id })).streaming, true);
  assert.deepEqual(await call('chat.stop', { conversationId: conv.id }), { stopped: true });
  const d = await doneFor(conv.id, t.assistant.id);
  assert.equal(d.status, 'stopped');
  assert.match(d.content, /^partial (answer)?$/);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(h.mock.requests.at(-1)!.aborted, true, 'the upstream call was aborted too');
  assert.equal((await call('chat.get', { id: conv.id })).streaming, false);
});

test('a budget refusal is a blocked message with the policy reason and what to do; the refused turn is not resent', async () => {
  h.core.budgets.repo.setBudget({ scope: `client:${CHAT_CLIENT}`, window: 'day', limitUsd: 0.00000001, limitTokens: null, mode: 'hard', warnAtPct: null });
  h.core.live.invalidate();
  h.core.budgets.reloadSpend();
  try {
    const conv = await call('chat.create', { model: 'mock/gpt-4o' });
    const n = h.mock.requests.length;
    const t = await call('chat.send', { conversationId: conv.id, content: 'over budget' });
    const d = await doneFor(conv.id, t.assistant.id);
    assert.equal(d.status, 'blocked');
    assert.equal(d.error!.status, 429);
    assert.equal(d.error!.code, 'budget_exceeded');
    assert.match(d.error!.message, /budget/i);
    assert.match(d.error!.hint!, /budget/);
    assert.equal(h.mock.requests.length, n, 'nothing reached the provider');
  } finally {
    for (const b of h.core.budgets.repo.listBudgets()) h.core.budgets.repo.removeBudget({ id: b.id });
    h.core.live.invalidate();
    h.core.budgets.reloadSpend();
  }
});

test('a revoked internal token is rotated and the turn retried; search, export and delete/undo over the API', async () => {
  h.core.clients.revoke(CHAT_CLIENT);
  const conv = await call('chat.create', { model: 'mock/gpt-4o' });
  h.mock.next(echo({ pieces: () => ['the quokka is a small marsupial'] }));
  const t = await call('chat.send', { conversationId: conv.id, content: 'tell me about quokkas' });
  const d = await doneFor(conv.id, t.assistant.id);
  assert.equal(d.status, 'done');
  const hits = (await call('chat.search', { query: 'marsupial' })).hits;
  assert.equal(hits[0].conversationId, conv.id);
  assert.match(hits[0].snippet, /\u0002marsupial\u0003/);
  const md = await call('chat.export', { id: conv.id, format: 'markdown' });
  assert.match(md.content, /## You\n\ntell me about quokkas/);
  assert.deepEqual(await call('chat.delete', { id: conv.id }), { deleted: true });
  await assert.rejects(call('chat.get', { id: conv.id }), /does not exist/);
  assert.equal((await call('chat.restore', { id: conv.id })).id, conv.id);
  await assert.rejects(call('chat.send', { conversationId: conv.id, content: '' }), /Type a message/);
  await assert.rejects(call('chat.get', { id: 'not-an-id' }), /Not a conversation id/);
});

test('the model picker lists aliases and allowed models by provider with prices and vision', async () => {
  const m = await call('chat.models', {});
  assert.deepEqual(m.aliases.map((a: any) => a.id).slice(0, 3), ['auto', 'fast', 'smart']);
  const mock = m.providers.find((p: any) => p.id === 'mock');
  const g = mock.models.find((x: any) => x.id === 'mock/gpt-4o');
  assert.ok(g, 'gpt-4o is offered');
  assert.ok(g.inputPerM > 0 && g.outputPerM > g.inputPerM);
  assert.equal(g.vision, true);
  assert.ok(!mock.models.some((x: any) => /embedding|tts|whisper|dall-e/.test(x.id)), 'non-chat models are left out');
});
