// Stored prompts and answers through the real gateway (official OpenAI SDK, mock upstream in OpenAI's wire shapes):
// off by default (nothing stored); on → stored after DLP masking (the card stays a placeholder in the request and
// in the answer, while the client still gets it restored), without provider keys or client tokens, readable by
// request id through the app API and `airlock requests`; a team policy that forbids storing wins (nothing stored,
// existing rows deleted, turning it on refused naming the bundle).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { ServerResponse } from 'node:http';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startHarness, flushed, tempDataDir, type Harness } from '../testing/harness.ts';
import { AppApiService } from '../api/service.ts';
import { runCliCaptured } from '../../cli/testing.ts';
import { ApiError } from '../../../shared/api/errors.ts';
import type { StoredBody } from '../../../shared/api/contract.ts';

const CARD = '4111 1111 1111 1111';
const base = { id: 'chatcmpl-ABfwERreu9s99xXsVuOWtIB2UOx62', created: 1727346182, model: 'gpt-4o-2024-08-06', system_fingerprint: 'fp_143bb8492c' };
const usage = { prompt_tokens: 20, completion_tokens: 10, total_tokens: 30 };

const lastUser = (body: any): string => body.messages.at(-1).content;
/** A chat.completion echoing the (masked) user text, as the OpenAI wire shape has it. */
const echoJson = () => ({
  kind: 'custom' as const,
  handle: (_req: unknown, res: ServerResponse, body: any) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({ ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: `You said: ${lastUser(body)}`, refusal: null }, logprobs: null, finish_reason: 'stop' }], usage }),
    ),
});
/** chat.completion.chunk SSE echoing the user text in small deltas (placeholders split across chunks). */
const echoSse = () => ({
  kind: 'custom' as const,
  handle: (_req: unknown, res: ServerResponse, body: any) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = (delta: unknown, finish: string | null) => `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
    res.write(chunk({ role: 'assistant', content: '', refusal: null }, null));
    const text = `Echo: ${lastUser(body)}`;
    for (let i = 0; i < text.length; i += 5) res.write(chunk({ content: text.slice(i, i + 5) }, null));
    res.write(chunk({}, 'stop'));
    res.write(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n`);
    res.end('data: [DONE]\n\n');
  },
});

let h: Harness;
let api: AppApiService;
let client: OpenAI;
let adm: string;
let trust: string;

before(async () => {
  adm = tempDataDir('airlock-bodies-admin-');
  trust = path.join(adm, 'trust.json');
  h = await startHarness({ env: { AIRLOCK_TRUST_ANCHOR: trust } });
  api = new AppApiService(h.core, { mode: 'web', version: 't', gateway: () => ({ state: 'running', port: h.gateway.port }) });
  client = new OpenAI({ baseURL: h.gateway.url, apiKey: h.token, maxRetries: 0 });
});
after(async () => {
  api.close();
  await h.close();
  fs.rmSync(adm, { recursive: true, force: true });
});

const call = (m: string, input: unknown = {}) => api.call(m, input) as Promise<any>;
const count = () => h.core.db.prepare('SELECT COUNT(*) FROM request_bodies').pluck().get() as number;
const allStored = () => (h.core.db.prepare('SELECT request || response FROM request_bodies').pluck().all() as string[]).join('\n');

const cli = (...args: string[]) => runCliCaptured(['--data-dir', h.dataDir, ...args], { env: { AIRLOCK_TRUST_ANCHOR: trust } });

/** A non-streaming call with the card in it; returns the request id the client got. */
async function askWithCard(extra = ''): Promise<{ id: string; content: string }> {
  h.mock.next(echoJson());
  const { data, response } = await client.chat.completions
    .create({ model: 'mock/gpt-4o', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: `Charge ${CARD} please${extra}` }] })
    .withResponse();
  await flushed(h.core);
  return { id: response.headers.get('x-airlock-request-id')!, content: data.choices[0]!.message.content! };
}

test('off by default: nothing is stored, and the API and CLI say why', async () => {
  const s = await call('settings.get');
  assert.equal(s.storePrompts, false);
  assert.equal(s.storePromptsAllowed, true);
  assert.equal(s.storedBodies, 0);
  const { id, content } = await askWithCard();
  assert.equal(content, `You said: Charge ${CARD} please`);
  assert.equal(count(), 0);
  await assert.rejects(call('requests.body', { requestId: id }), (e: ApiError) => e.code === 'not_found' && /Storing prompts is off/.test(e.message));
  const r = await cli('requests', 'show', id);
  assert.equal(r.code, 1);
  assert.match(r.err, /No stored prompt .* Storing prompts is off/);
  assert.match((await cli('requests', 'list')).out, /storing them is off/);
});

test('on: request and answer stored after DLP masking, keyed by the request id; no keys or tokens', async () => {
  const s = await call('settings.update', { storePrompts: true });
  assert.equal(s.storePrompts, true);
  // The client's token and the provider key in the prompt must not be stored in clear (DLP or the key redactor).
  const { id, content } = await askWithCard(` (token ${h.token}, key ${h.providerKey})`);
  assert.ok(content.includes(CARD), 'the client still gets the value restored');
  const upstream = JSON.stringify(h.mock.requests.at(-1)!.body);
  assert.ok(!upstream.includes(CARD));
  const b: StoredBody = await call('requests.body', { requestId: id });
  assert.equal(b.requestId, id);
  assert.equal(b.client, 'test-client');
  assert.equal(b.model, 'mock/gpt-4o');
  assert.equal(b.status, 200);
  assert.equal(JSON.parse(b.request).messages[1].content.startsWith('Charge <CREDIT_CARD_1> please'), true, b.request);
  assert.equal(b.response.length, 1);
  assert.match(b.response[0]!.text, /^You said: Charge <CREDIT_CARD_1> please/);
  const stored = allStored();
  for (const secret of [CARD, h.token, h.providerKey]) assert.ok(!stored.includes(secret), `stored text must not contain ${secret.slice(0, 8)}…`);
  assert.equal((await call('settings.get')).storedBodies, 1);

  // Streaming: the answer is assembled from the deltas, the placeholder still masked.
  h.mock.next(echoSse());
  const stream = await client.chat.completions.create({ model: 'mock/gpt-4o', stream: true, messages: [{ role: 'user', content: `Card ${CARD} again` }] }).withResponse();
  let got = '';
  for await (const c of stream.data) got += c.choices[0]?.delta?.content ?? '';
  await flushed(h.core);
  assert.equal(got, `Echo: Card ${CARD} again`);
  const sid = stream.response.headers.get('x-airlock-request-id')!;
  const sb: StoredBody = await call('requests.body', { requestId: sid });
  assert.equal(sb.response.map((p) => p.text).join(''), 'Echo: Card <CREDIT_CARD_1> again');
  assert.ok(!allStored().includes(CARD));

  const list = await call('requests.bodies', {});
  assert.deepEqual(list.bodies.map((x: StoredBody) => x.requestId), [sid, id]);
  assert.equal(list.total, 2);
  // The CLI shows the same.
  const show = await cli('requests', 'show', id);
  assert.equal(show.code, 0, show.err);
  assert.match(show.out, /<CREDIT_CARD_1>/);
  assert.ok(!show.out.includes(CARD));
  assert.match((await cli('requests', 'list')).out, new RegExp(sid));
});

test('on, across protocols: an Anthropic Messages stream translated to an OpenAI upstream is stored masked too', async () => {
  await call('settings.update', { storePrompts: true });
  const anthropic = new Anthropic({ baseURL: h.gateway.url.replace(/\/v1$/, ''), apiKey: h.token, maxRetries: 0 });
  h.mock.next(echoSse());
  const stream = await anthropic.messages.create({ model: 'mock/gpt-4o', max_tokens: 100, stream: true, messages: [{ role: 'user', content: `Card ${CARD} via messages` }] }).withResponse();
  let got = '';
  for await (const e of stream.data) if (e.type === 'content_block_delta' && e.delta.type === 'text_delta') got += e.delta.text;
  await flushed(h.core);
  assert.equal(got, `Echo: Card ${CARD} via messages`);
  const b: StoredBody = await call('requests.body', { requestId: stream.response.headers.get('x-airlock-request-id')! });
  assert.equal(b.inbound, 'anthropic.messages');
  assert.match(b.request, /Card <CREDIT_CARD_1> via messages/);
  assert.equal(b.response.map((p) => p.text).join(''), 'Echo: Card <CREDIT_CARD_1> via messages');
  assert.ok(!allStored().includes(CARD));
});

test('a request blocked by DLP is not stored', async () => {
  await call('settings.update', { storePrompts: true });
  const before = count();
  const { writeUserSettings } = await import('../dlp/settings.ts');
  writeUserSettings(h.core, { actions: { CREDIT_CARD: 'block' } } as never);
  try {
    await assert.rejects(client.chat.completions.create({ model: 'mock/gpt-4o', messages: [{ role: 'user', content: `Charge ${CARD}` }] }), /Blocked/);
    await flushed(h.core);
    assert.equal(count(), before);
  } finally {
    writeUserSettings(h.core, {});
  }
});

test('a team policy that forbids storing wins: nothing stored, stored rows deleted, turning it on refused', async () => {
  await call('settings.update', { storePrompts: true });
  assert.ok(count() > 0);
  const ok = async (...args: string[]) => {
    const r = await cli(...args);
    assert.equal(r.code, 0, `airlock ${args.join(' ')}: ${r.err}`);
  };
  const f = (n: string) => path.join(adm, n);
  fs.writeFileSync(f('policy.json'), JSON.stringify({ retention: { storePrompts: false } }));
  await ok('policy', 'keygen', '--out', f('admin'));
  await ok('policy', 'trust', '--pub', f('admin.pub'), '--tenant', 'acme', '--out', trust);
  await ok('policy', 'sign', f('policy.json'), '--key', f('admin.key'), '--tenant', 'acme', '--id', 'acme-eng', '--version', '1', '--expires', '30d', '--out', f('b1.json'));
  await ok('policy', 'install', f('b1.json'));
  // The running core notices a new trust anchor file within a second (it stats it at most once a second).
  for (let i = 0; i < 60 && h.core.policyService.status().state !== 'managed'; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(h.core.policyService.status().state, 'managed');

  const s = await call('settings.get');
  assert.equal(s.storePrompts, true, 'the user setting is kept…');
  assert.equal(s.storePromptsAllowed, false, '…but not in force');
  assert.match(s.storePromptsLimitedBy, /team policy 'acme-eng' v1/);
  const { id } = await askWithCard();
  await assert.rejects(call('requests.body', { requestId: id }), (e: ApiError) => e.code === 'not_found' && /not allowed by team policy 'acme-eng' v1/.test(e.message));
  assert.equal(h.core.db.prepare('SELECT COUNT(*) FROM request_bodies WHERE request_id = ?').pluck().get(id), 0);
  // The retention job deletes what was stored before the policy arrived.
  const { pruneRequestLog } = await import('../api/settings.ts');
  pruneRequestLog(h.core);
  assert.equal(count(), 0);
  await assert.rejects(call('settings.update', { storePrompts: true }), (e: ApiError) => e.code === 'forbidden' && /team policy 'acme-eng' v1/.test(e.message));
});
