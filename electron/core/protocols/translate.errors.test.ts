import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startHarness, type Harness } from '../testing/harness.ts';
import type { Scenario } from '../testing/mock-upstream.ts';
import { upperHoldBackFilter } from '../testing/doubles.ts';

/**
 * Upstream failures reach every client in its own error shape (429 with retry hints, 529 overloaded, 400
 * context length), the Anthropic routes answer the gateway's own refusals in Anthropic's shape, and the output
 * filter (the DLP restore hook) is applied by every relay, translated or pass-through, streaming or not.
 */
let h: Harness;
let oai: OpenAI;
let claude: Anthropic;

before(async () => {
  h = await startHarness();
  const origin = h.mock.url.replace(/\/v1$/, '');
  h.core.providers.add({ id: 'anthropic', type: 'anthropic', preset: 'anthropic', baseUrl: origin, keyEnv: 'MOCK_KEY', options: {} });
  h.core.providers.add({ id: 'gemini', type: 'gemini', preset: 'gemini', baseUrl: origin, keyEnv: 'MOCK_KEY', options: {} });
  h.core.providers.add({ id: 'oai', type: 'openai', preset: null, baseUrl: h.mock.url, keyEnv: 'MOCK_KEY', options: {} });
  oai = new OpenAI({ baseURL: h.gateway.url, apiKey: h.token, maxRetries: 0 });
  claude = new Anthropic({ baseURL: `http://127.0.0.1:${h.gateway.port}`, apiKey: h.token, maxRetries: 0 });
  const { STAGES } = await import('../pipeline/run.ts');
  const { dlp } = await import('../pipeline/stages/dlp.ts');
  // Right after the DLP stage, where a real output filter is set.
  STAGES.splice(STAGES.indexOf(dlp) + 1, 0, (ctx) => {
    if (ctx.req.headers['x-test-filter']) ctx.outputFilter = upperHoldBackFilter();
  });
});
after(() => h.close());

const MODEL = { chat: 'mock/gpt-4o', anthropic: 'anthropic/claude-sonnet-4-5', gemini: 'gemini/gemini-2.0-flash' };

let n = 0;
async function failure(client: 'chat' | 'responses' | 'messages', baseModel: string, s: Scenario, stream = false): Promise<any> {
  // A model name of its own per call: the routing circuit breaker counts failures per provider/model.
  const model = `${baseModel}-${n++}`;
  h.mock.next(s);
  try {
    if (client === 'chat') {
      const r = await oai.chat.completions.create({ model, stream, messages: [{ role: 'user', content: 'x' }] } as any);
      if (stream) for await (const _ of r as any);
    } else if (client === 'responses') {
      const r = await oai.responses.create({ model, stream, input: 'x' } as any);
      if (stream) for await (const _ of r as any);
    } else {
      const r = await claude.messages.create({ model, stream, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] } as any);
      if (stream) for await (const _ of r as any);
    }
  } catch (e) {
    return e;
  }
  assert.fail(`${client} -> ${model}: expected an error`);
}

test('upstream 429 with retry-after reaches each client as a 429 in its own shape, with the retry hint', async () => {
  const s: Scenario = { kind: 'error', file: 'openai/errors/429-rate_limit_exceeded.tokens.json', headers: { 'retry-after': '7' } };
  const c = await failure('chat', MODEL.chat, s);
  assert.equal(c.status, 429);
  assert.equal(c.headers.get('retry-after'), '7');
  assert.equal(c.error.type, 'tokens', 'same protocol: the upstream error type is kept');
  const r = await failure('responses', MODEL.chat, s, true);
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '7');
  const m = await failure('messages', MODEL.chat, s);
  assert.equal(m.status, 429);
  assert.equal(m.headers.get('retry-after'), '7');
  assert.equal(m.error.type, 'error');
  assert.equal(m.error.error.type, 'rate_limit_error');
  assert.match(m.error.error.message, /tokens per min/);

  // Anthropic's recorded 429 carries x-should-retry: true; an OpenAI client sees it too.
  const a = await failure('chat', MODEL.anthropic, { kind: 'json', file: 'anthropic/errors/429-rate_limit_error.http.json' });
  assert.equal(a.status, 429);
  assert.equal(a.headers.get('x-should-retry'), 'true');
  assert.equal(a.error.type, 'rate_limit_error');

  // Gemini puts the delay in the body (RetryInfo.retryDelay "34.4s"): it becomes retry-after for every client.
  const g = await failure('messages', MODEL.gemini, { kind: 'error', file: 'gemini/errors/429-resource_exhausted.json' });
  assert.equal(g.status, 429);
  assert.equal(g.headers.get('retry-after'), '35');
  assert.equal(g.error.error.type, 'rate_limit_error');
  const gc = await failure('chat', MODEL.gemini, { kind: 'error', file: 'gemini/errors/429-resource_exhausted.json' }, true);
  assert.equal(gc.status, 429);
  assert.equal(gc.headers.get('retry-after'), '35');
  assert.equal(gc.error.type, 'rate_limit_error', 'no Gemini status names leak into OpenAI error types');
});

test('529 overloaded, as an HTTP status or as the first stream event, reaches each client as 529', async () => {
  const s: Scenario = { kind: 'error', file: 'anthropic/errors/529-overloaded_error.json' };
  const m = await failure('messages', MODEL.anthropic, s);
  assert.equal(m.status, 529);
  assert.equal(m.error.error.type, 'overloaded_error');
  const c = await failure('chat', MODEL.anthropic, s);
  assert.equal(c.status, 529);
  assert.equal(c.error.type, 'server_error');
  const r = await failure('responses', MODEL.anthropic, s);
  assert.equal(r.status, 529);
  const inStream: Scenario = { kind: 'sse', file: 'anthropic/stream.error.overloaded.sse', split: true };
  const ms = await failure('messages', MODEL.anthropic, inStream, true);
  assert.equal(ms.status, 529);
  assert.equal(ms.error.error.type, 'overloaded_error');
  const cs = await failure('chat', MODEL.anthropic, inStream, true);
  assert.equal(cs.status, 529);
  const rs = await failure('responses', MODEL.anthropic, inStream, true);
  assert.equal(rs.status, 529);
});

test('400 context length: OpenAI clients see context_length_exceeded, Anthropic clients invalid_request_error', async () => {
  const fromAnthropic: Scenario = { kind: 'error', file: 'anthropic/errors/400-invalid_request_error.prompt_too_long.json' };
  const c = await failure('chat', MODEL.anthropic, fromAnthropic);
  assert.equal(c.status, 400);
  assert.equal(c.code, 'context_length_exceeded');
  assert.match(c.message, /prompt is too long/);
  const r = await failure('responses', MODEL.anthropic, fromAnthropic, true);
  assert.equal(r.status, 400);
  assert.equal(r.code, 'context_length_exceeded');
  const m = await failure('messages', MODEL.anthropic, fromAnthropic);
  assert.equal(m.status, 400);
  assert.equal(m.error.error.type, 'invalid_request_error');
  const fromOpenAI: Scenario = { kind: 'error', file: 'openai/errors/400-context_length_exceeded.json' };
  const m2 = await failure('messages', MODEL.chat, fromOpenAI, true);
  assert.equal(m2.status, 400);
  assert.equal(m2.error.error.type, 'invalid_request_error');
  assert.match(m2.error.error.message, /maximum context length/);
});

test('the Anthropic routes answer the gateway refusals (401, 403, 413, 415, 400) in Anthropic shape', async () => {
  const url = `http://127.0.0.1:${h.gateway.port}/v1/messages`;
  const body = JSON.stringify({ model: MODEL.anthropic, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] });
  const check = async (r: Response, status: number, type: string) => {
    assert.equal(r.status, status);
    const j = await r.json();
    assert.equal(j.type, 'error');
    assert.equal(j.error.type, type);
    assert.ok(j.error.message.length > 10);
  };
  await check(await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }), 401, 'authentication_error');
  await check(await fetch(url, { method: 'POST', headers: { 'x-api-key': 'wrong', 'content-type': 'application/json' }, body }), 401, 'authentication_error');
  await check(await fetch(url, { method: 'POST', headers: { 'x-api-key': h.token, 'content-type': 'text/plain' }, body }), 415, 'invalid_request_error');
  await check(await fetch(url, { method: 'POST', headers: { 'x-api-key': h.token, 'content-type': 'application/json', origin: 'https://evil.example' }, body }), 403, 'permission_error');
  await check(await fetch(url, { method: 'POST', headers: { 'x-api-key': h.token, 'content-type': 'application/json' }, body: '{"model":"x","messages":[]' }), 400, 'invalid_request_error');
  await check(await fetch(url, { method: 'POST', headers: { 'x-api-key': h.token, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'x' }] }) }), 400, 'invalid_request_error');
  h.core.settings.set('gateway', { maxBodyBytes: 1024 });
  try {
    await check(await fetch(url, { method: 'POST', headers: { 'x-api-key': h.token, 'content-type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(4096) }) }), 413, 'request_too_large');
  } finally {
    h.core.settings.set('gateway', {});
  }
  // The Anthropic SDK error classes map from these.
  await assert.rejects(new Anthropic({ baseURL: `http://127.0.0.1:${h.gateway.port}`, apiKey: 'nope', maxRetries: 0 }).messages.create({ model: MODEL.anthropic, max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }), Anthropic.AuthenticationError);
});

test('the output filter is applied by every relay: translated and pass-through, text and tool arguments, streaming and not', async () => {
  const fo = new OpenAI({ baseURL: h.gateway.url, apiKey: h.token, maxRetries: 0, defaultHeaders: { 'x-test-filter': '1' } });
  const fa = new Anthropic({ baseURL: `http://127.0.0.1:${h.gateway.port}`, apiKey: h.token, maxRetries: 0, defaultHeaders: { 'x-test-filter': '1' } });
  const upper = (s: string) => s === s.toUpperCase();

  // Chat pass-through (the OpenAI relay), streaming tool-call arguments.
  h.mock.next({ kind: 'sse', file: 'openai/chat/stream.tool_calls.parallel.sse', split: true });
  const c0 = await fo.chat.completions.stream({ model: MODEL.chat, messages: [{ role: 'user', content: 'x' }] }).finalChatCompletion();
  assert.deepEqual(JSON.parse((c0.choices[0]!.message.tool_calls![1] as any).function.arguments), { TICKER: 'AAPL', EXCHANGE: 'NASDAQ' });

  // Anthropic upstream -> chat client (translated stream): text and tool-call arguments.
  h.mock.next({ kind: 'sse', file: 'anthropic/stream.tool_use.sse', split: true });
  const c1 = await fo.chat.completions.stream({ model: MODEL.anthropic, messages: [{ role: 'user', content: 'x' }] }).finalChatCompletion();
  assert.equal(c1.choices[0]!.message.content, "I'LL CHECK THE CURRENT WEATHER IN PARIS FOR YOU.");
  assert.deepEqual(JSON.parse(c1.choices[0]!.message.tool_calls![0]!.type === 'function' ? (c1.choices[0]!.message.tool_calls![0] as any).function.arguments : '{}'), { LOCATION: 'PARIS' });

  // Anthropic upstream -> Anthropic client (pass-through stream).
  h.mock.next({ kind: 'sse', file: 'anthropic/stream.tool_use.sse', split: true });
  const m1 = await fa.messages.stream({ model: MODEL.anthropic, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
  assert.equal((m1.content[0] as any).text, "I'LL CHECK THE CURRENT WEATHER IN PARIS FOR YOU.");
  assert.deepEqual((m1.content[1] as any).input, { LOCATION: 'PARIS' });

  // Anthropic pass-through, non-streaming: text and tool input strings.
  h.mock.next({ kind: 'json', file: 'anthropic/message.tool_use.json' });
  const m2 = await fa.messages.create({ model: MODEL.anthropic, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
  assert.equal((m2.content[0] as any).input.elements[0].location, 'SAN FRANCISCO');

  // OpenAI-compatible upstream -> Anthropic client: parallel tool-call arguments.
  h.mock.next({ kind: 'sse', file: 'openai/chat/stream.tool_calls.parallel.sse', split: true });
  const m3 = await fa.messages.stream({ model: MODEL.chat, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
  assert.deepEqual(m3.content.map((b: any) => b.input), [{ CITY: 'EDINBURGH', COUNTRY: 'GB', UNITS: 'C' }, { TICKER: 'AAPL', EXCHANGE: 'NASDAQ' }]);

  // Responses pass-through to OpenAI: deltas, the .done events and the final response all carry filtered text.
  h.mock.next({ kind: 'sse', file: 'openai/responses/stream.text.sse', split: true });
  let deltas = '';
  let doneText = '';
  let final: any = null;
  for await (const e of await fo.responses.create({ model: 'oai/gpt-5', input: 'x', stream: true })) {
    if (e.type === 'response.output_text.delta') deltas += e.delta;
    if (e.type === 'response.output_text.done') doneText = e.text;
    if (e.type === 'response.completed') final = e.response;
  }
  assert.equal(deltas, '`ARM64` (APPLE SILICON).');
  assert.equal(doneText, deltas);
  assert.equal(final.output[0].content[0].text, deltas);

  // Gemini upstream -> Responses client, non-streaming.
  h.mock.next({ kind: 'json', file: 'gemini/generateContent.text.json' });
  const r1 = await fo.responses.create({ model: MODEL.gemini, input: 'x' });
  assert.ok(r1.output_text.length > 20 && upper(r1.output_text));
  // Gemini upstream -> chat client, streaming (CRLF framing).
  h.mock.next({ kind: 'sse', file: 'gemini/streamGenerateContent.text.sse', split: true });
  const c2 = await fo.chat.completions.stream({ model: MODEL.gemini, messages: [{ role: 'user', content: 'x' }] }).finalChatCompletion();
  assert.equal(c2.choices[0]!.message.content, 'THERE ARE **3** "R"S IN STRAWBERRY.\n\nST**R**AWBE**RR**Y');
});
