import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startHarness, flushed, type Harness } from '../testing/harness.ts';
import { wireBytes, wireJson } from '../testing/fixtures.ts';
import type { Scenario } from '../testing/mock-upstream.ts';

/**
 * The protocol matrix: {Chat Completions, Responses, Messages} clients (the official SDKs) x {OpenAI-compatible,
 * Anthropic, Gemini} mock upstreams replaying the real transcripts in testdata/wire, streaming and not, with
 * tool calls. Streams are re-split at random byte offsets by the mock; Anthropic's whitespace padding and
 * Gemini's CRLF framing are served as recorded.
 */
let h: Harness;
let oai: OpenAI;
let claude: Anthropic;

before(async () => {
  h = await startHarness();
  const origin = h.mock.url.replace(/\/v1$/, '');
  h.core.providers.add({ id: 'anthropic', type: 'anthropic', preset: 'anthropic', baseUrl: h.mock.url, keyEnv: 'MOCK_KEY', options: {} });
  h.core.providers.add({ id: 'gemini', type: 'gemini', preset: 'gemini', baseUrl: `${origin}/v1beta`, keyEnv: 'MOCK_KEY', options: {} });
  h.core.providers.add({ id: 'oai', type: 'openai', preset: null, baseUrl: h.mock.url, keyEnv: 'MOCK_KEY', options: {} });
  oai = new OpenAI({ baseURL: h.gateway.url, apiKey: h.token, maxRetries: 0 });
  claude = new Anthropic({ baseURL: `http://127.0.0.1:${h.gateway.port}`, apiKey: h.token, maxRetries: 0 });
});
after(() => h.close());

const lastRow = async (): Promise<any> => {
  await flushed(h.core);
  return h.core.db.prepare('SELECT * FROM requests ORDER BY id DESC LIMIT 1').get();
};

type Upstream = 'chat' | 'anthropic' | 'gemini';
type Client = 'chat' | 'responses' | 'messages';
interface Expect {
  scenario: Scenario;
  text: string;
  tools: [string, Record<string, unknown>][];
  input: number;
  output: number;
}

const MODEL: Record<Upstream, string> = { chat: 'mock/gpt-4o', anthropic: 'anthropic/claude-sonnet-4-5', gemini: 'gemini/gemini-2.0-flash' };
const EXPECT: Record<Upstream, { stream: Expect; json: Expect }> = {
  chat: {
    stream: {
      scenario: { kind: 'sse', file: 'openai/chat/stream.tool_calls.parallel.sse', split: true },
      text: '',
      tools: [
        ['GetWeatherArgs', { city: 'Edinburgh', country: 'GB', units: 'c' }],
        ['get_stock_price', { ticker: 'AAPL', exchange: 'NASDAQ' }],
      ],
      input: 149,
      output: 60,
    },
    json: {
      scenario: { kind: 'json', file: 'openai/chat/completion.tool_calls.parallel.json' },
      text: '',
      tools: [
        ['GetWeatherArgs', { city: 'Edinburgh', country: 'GB', units: 'c' }],
        ['get_stock_price', { ticker: 'AAPL', exchange: 'NASDAQ' }],
      ],
      input: 149,
      output: 60,
    },
  },
  anthropic: {
    stream: { scenario: { kind: 'sse', file: 'anthropic/stream.tool_use.sse', split: true }, text: "I'll check the current weather in Paris for you.", tools: [['get_weather', { location: 'Paris' }]], input: 377, output: 65 },
    json: {
      scenario: { kind: 'json', file: 'anthropic/message.text_and_tool_use.json' },
      text: wireJson('anthropic/message.text_and_tool_use.json').content[0].text,
      tools: [['updateIssueList', {}]],
      input: 602,
      output: 93,
    },
  },
  gemini: {
    // usage: prompt 29, candidates 15 + thoughts 45 (thinking is billed as output)
    stream: { scenario: { kind: 'sse', file: 'gemini/streamGenerateContent.function_call.sse', split: true }, text: '', tools: [['weather', { location: 'San Francisco' }]], input: 29, output: 60 },
    json: { scenario: { kind: 'json', file: 'gemini/generateContent.function_call.json' }, text: '', tools: [['weather', { location: 'San Francisco' }]], input: 29, output: 15 + 893 },
  },
};

const WEATHER_SCHEMA = { type: 'object', properties: { location: { type: 'string' } }, required: ['location'], additionalProperties: false };

interface Got {
  text: string;
  tools: [string, Record<string, unknown>][];
  toolIds: string[];
  stoppedForTools: boolean;
  usageIn: number;
  usageOut: number;
}

async function call(client: Client, model: string, stream: boolean): Promise<Got> {
  if (client === 'chat') {
    const req = {
      model,
      messages: [{ role: 'user' as const, content: "What's the weather?" }],
      tools: [{ type: 'function' as const, function: { name: 'get_weather', parameters: WEATHER_SCHEMA } }],
    };
    const r = stream
      ? await oai.chat.completions.stream({ ...req, stream_options: { include_usage: true } }).finalChatCompletion()
      : await oai.chat.completions.create(req);
    const m = r.choices[0]!.message;
    const calls = (m.tool_calls ?? []).filter((t) => t.type === 'function');
    return {
      text: m.content ?? '',
      tools: calls.map((t) => [t.function.name, JSON.parse(t.function.arguments)]),
      toolIds: calls.map((t) => t.id),
      stoppedForTools: r.choices[0]!.finish_reason === 'tool_calls',
      usageIn: r.usage?.prompt_tokens ?? -1,
      usageOut: r.usage?.completion_tokens ?? -1,
    };
  }
  if (client === 'responses') {
    const req = { model, input: "What's the weather?", tools: [{ type: 'function' as const, name: 'get_weather', parameters: WEATHER_SCHEMA, strict: false }] };
    const r = stream ? await oai.responses.stream(req).finalResponse() : await oai.responses.create(req);
    const calls = (r.output as any[]).filter((o) => o.type === 'function_call') as { name: string; arguments: string; call_id: string }[];
    return {
      text: r.output_text,
      tools: calls.map((c) => [c.name, JSON.parse(c.arguments)]),
      toolIds: calls.map((c) => c.call_id),
      stoppedForTools: r.status === 'completed' && calls.length > 0,
      usageIn: r.usage?.input_tokens ?? -1,
      usageOut: r.usage?.output_tokens ?? -1,
    };
  }
  const req = {
    model,
    max_tokens: 1024,
    messages: [{ role: 'user' as const, content: "What's the weather?" }],
    tools: [{ name: 'get_weather', input_schema: WEATHER_SCHEMA as any }],
  };
  const r = stream ? await claude.messages.stream(req).finalMessage() : await claude.messages.create(req);
  const uses = r.content.filter((b) => b.type === 'tool_use');
  const u = r.usage;
  return {
    text: r.content.filter((b) => b.type === 'text').map((b) => b.text).join(''),
    tools: uses.map((b) => [b.name, b.input as Record<string, unknown>]),
    toolIds: uses.map((b) => b.id),
    stoppedForTools: r.stop_reason === 'tool_use',
    usageIn: u.input_tokens + (u.cache_read_input_tokens ?? 0) + (u.cache_creation_input_tokens ?? 0),
    usageOut: u.output_tokens,
  };
}

for (const client of ['chat', 'responses', 'messages'] as Client[]) {
  for (const upstream of ['chat', 'anthropic', 'gemini'] as Upstream[]) {
    for (const stream of [false, true]) {
      test(`${client} client -> ${upstream} upstream, ${stream ? 'streaming' : 'non-streaming'}: text, tool calls, stop reason and usage`, async () => {
        const e = EXPECT[upstream][stream ? 'stream' : 'json'];
        h.mock.next(e.scenario);
        const got = await call(client, MODEL[upstream], stream);
        assert.equal(got.text, e.text);
        assert.deepEqual(got.tools, e.tools);
        assert.ok(got.toolIds.every((id) => typeof id === 'string' && id.length > 0));
        assert.ok(got.stoppedForTools, 'the client sees that the model stopped to call tools');
        assert.equal(got.usageIn, e.input);
        assert.equal(got.usageOut, e.output);
        const up = h.mock.requests.at(-1)!;
        assert.ok(!JSON.stringify(up.headers).includes(h.token), 'the client token is never forwarded');
        if (upstream === 'anthropic') {
          assert.equal(up.path, '/v1/messages');
          assert.equal(up.headers['x-api-key'], h.providerKey);
          assert.equal(up.headers.authorization, undefined);
          assert.ok(up.headers['anthropic-version']);
          assert.equal(up.body.model, 'claude-sonnet-4-5');
          assert.equal(up.body.tools[0].name, 'get_weather');
          assert.deepEqual(up.body.tools[0].input_schema, WEATHER_SCHEMA);
          assert.equal(up.body.stream === true, stream);
        } else if (upstream === 'gemini') {
          assert.equal(up.path, stream ? '/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse' : '/v1beta/models/gemini-2.0-flash:generateContent');
          assert.equal(up.headers['x-goog-api-key'], h.providerKey);
          assert.equal(up.body.contents[0].role, 'user');
          assert.equal(up.body.tools[0].functionDeclarations[0].name, 'get_weather');
          assert.equal(up.body.tools[0].functionDeclarations[0].parameters.additionalProperties, undefined, 'JSON-Schema-only keys are removed for Gemini');
        } else {
          assert.equal(up.path, '/v1/chat/completions');
          assert.equal(up.headers.authorization, `Bearer ${h.providerKey}`);
          assert.equal(up.body.tools[0].function.name, 'get_weather');
          if (stream) assert.equal(up.body.stream_options.include_usage, true);
        }
        const row = await lastRow();
        assert.equal(row.status, 200);
        assert.equal(row.inbound, { chat: 'openai.chat', responses: 'openai.responses', messages: 'anthropic.messages' }[client]);
        assert.equal(row.input_tokens, e.input);
        assert.equal(row.output_tokens, e.output);
        assert.equal(row.provider, MODEL[upstream].split('/')[0]);
      });
    }
  }
}

test('Anthropic pass-through keeps unknown fields, thinking and cache_control, forwards anthropic-beta, and prices cache tokens', async () => {
  h.mock.next({ kind: 'sse', file: 'anthropic/stream.prompt_cache.sse', split: true });
  const c = new Anthropic({ baseURL: `http://127.0.0.1:${h.gateway.port}`, authToken: h.token, apiKey: null, maxRetries: 0, defaultHeaders: { 'anthropic-beta': 'prompt-caching-2024-07-31' } });
  const msg = await c.messages
    .stream({
      model: 'anthropic/claude-sonnet-4-5',
      max_tokens: 2048,
      system: [{ type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } }],
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [
        { role: 'user', content: 'Sum of squares 1..12?' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'earlier thought', signature: 'sig-abc' }, { type: 'text', text: 'Let me compute.' }] },
        { role: 'user', content: 'Go on.' },
      ],
      // a field the gateway does not know must reach the upstream unchanged
      future_field: { keep: true },
    } as any)
    .finalMessage();
  assert.match(msg.content.filter((b) => b.type === 'text').map((b: any) => b.text).join(''), /650/);
  assert.equal(msg.usage.cache_read_input_tokens, 6289);
  assert.equal(msg.usage.cache_creation_input_tokens, 3337);
  const up = h.mock.requests.at(-1)!;
  assert.deepEqual(up.body.future_field, { keep: true });
  assert.deepEqual(up.body.system[0].cache_control, { type: 'ephemeral' });
  assert.equal(up.body.messages[1].content[0].signature, 'sig-abc');
  assert.deepEqual(up.body.thinking, { type: 'enabled', budget_tokens: 1024 });
  assert.equal(up.headers['anthropic-beta'], 'prompt-caching-2024-07-31');
  assert.equal(up.headers['x-api-key'], h.providerKey, 'a Bearer client token is accepted and replaced by the provider key');
  const row = await lastRow();
  // Anthropic input_tokens excludes cached tokens: the row holds every prompt token.
  assert.equal(row.input_tokens, 6 + 3337 + 6289);
  assert.equal(row.cached_tokens, 6289);
  assert.equal(row.cache_write_tokens, 3337);
  assert.equal(row.output_tokens, 198);
  const expected = 6 * 3e-6 + 3337 * 3.75e-6 + 6289 * 3e-7 + 198 * 1.5e-5;
  assert.ok(Math.abs(row.cost_usd - expected) < 1e-9, `cost ${row.cost_usd} vs ${expected}`);
});

test('Anthropic pass-through, non-streaming: the fixture body comes back unchanged', async () => {
  h.mock.next({ kind: 'json', file: 'anthropic/message.tool_use.json' });
  const r = await claude.messages.create({ model: 'anthropic/claude-haiku-4-5', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] });
  assert.deepEqual(JSON.parse(JSON.stringify(r)), wireJson('anthropic/message.tool_use.json'));
});

test('a Claude-Code-like session through an OpenAI-compatible upstream: stream, tool_use, tool_result, next turn', async () => {
  const tools = [{ name: 'get_weather', description: 'Weather for a city', input_schema: WEATHER_SCHEMA as any }];
  const cc = new Anthropic({ baseURL: `http://127.0.0.1:${h.gateway.port}`, authToken: h.token, apiKey: null, maxRetries: 0 });
  h.mock.next({ kind: 'sse', file: 'openai/chat/stream.tool_call.sse', split: true });
  const system = [{ type: 'text' as const, text: 'You are a coding agent.', cache_control: { type: 'ephemeral' as const } }];
  const first = await cc.messages.stream({ model: 'mock/gpt-4o', max_tokens: 4096, system, tools, messages: [{ role: 'user', content: 'Weather in Boston?' }] }).finalMessage();
  assert.equal(first.stop_reason, 'tool_use');
  const use = first.content.find((b) => b.type === 'tool_use')!;
  assert.equal(use.name, 'get_weather');
  assert.deepEqual(use.input, { city: 'New York City' });
  let up = h.mock.requests.at(-1)!;
  assert.deepEqual(up.body.messages[0], { role: 'system', content: 'You are a coding agent.' });
  assert.equal(up.body.max_tokens, 4096);
  assert.deepEqual(up.body.tools[0], { type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: WEATHER_SCHEMA } });

  h.mock.next({ kind: 'sse', file: 'openai/chat/stream.text.usage.sse', split: true });
  const second = await cc.messages
    .stream({
      model: 'mock/gpt-4o',
      max_tokens: 4096,
      system,
      tools,
      messages: [
        { role: 'user', content: 'Weather in Boston?' },
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: [{ type: 'text', text: '{"temp": 21}' }] }, { type: 'text', text: 'Thanks.' }] },
      ],
    })
    .finalMessage();
  assert.equal(second.stop_reason, 'end_turn');
  const text = second.content.map((b: any) => b.text ?? '').join('');
  const expected = wireBytes('openai/chat/stream.text.usage.sse')
    .toString('utf8')
    .split('\n')
    .filter((l) => l.startsWith('data: {'))
    .map((l) => JSON.parse(l.slice(6)).choices?.[0]?.delta?.content ?? '')
    .join('');
  assert.equal(text, expected);
  assert.equal(second.usage.input_tokens, 14);
  assert.equal(second.usage.output_tokens, 30);
  up = h.mock.requests.at(-1)!;
  const msgs = up.body.messages;
  assert.equal(msgs[2].role, 'assistant');
  assert.equal(msgs[2].tool_calls[0].id, use.id);
  assert.equal(msgs[2].tool_calls[0].function.name, 'get_weather');
  assert.deepEqual(JSON.parse(msgs[2].tool_calls[0].function.arguments), use.input);
  assert.deepEqual(msgs[3], { role: 'tool', tool_call_id: use.id, content: '{"temp": 21}' });
  assert.deepEqual(msgs[4], { role: 'user', content: 'Thanks.' });
});

test('Responses pass-through to an OpenAI upstream keeps the native events; cached tokens are priced as cached', async () => {
  h.mock.next({ kind: 'sse', file: 'openai/responses/stream.function_call.sse', split: true });
  const events: string[] = [];
  const s = await oai.responses.create({ model: 'oai/gpt-4o', input: 'weather?', stream: true });
  for await (const e of s) events.push(e.type);
  assert.equal(events[0], 'response.created');
  assert.equal(events.at(-1), 'response.completed');
  assert.ok(events.includes('response.function_call_arguments.delta'));
  assert.equal(h.mock.requests.at(-1)!.path, '/v1/responses');
  h.mock.next({ kind: 'json', file: 'openai/responses/response.cached_tokens.json' });
  const r = await oai.responses.create({ model: 'oai/gpt-4o', input: 'news?' });
  assert.match(r.output_text, /Anthropic announced/);
  const row = await lastRow();
  assert.equal(row.input_tokens, 7243);
  assert.equal(row.cached_tokens, 3072);
});

test('Responses features Airlock cannot honour when translating are refused with a 400 that lists them', async () => {
  await assert.rejects(
    oai.responses.create({ model: 'anthropic/claude-sonnet-4-5', input: 'x', previous_response_id: 'resp_1', store: true, tools: [{ type: 'web_search' }] }),
    (e: any) => {
      assert.equal(e.status, 400);
      assert.equal(e.code, 'unsupported_feature');
      assert.match(e.message, /previous_response_id/);
      assert.match(e.message, /store: true/);
      assert.match(e.message, /built-in tool 'web_search'/);
      return true;
    },
  );
});

test('count_tokens: asks Anthropic when the target is Anthropic, estimates otherwise, and says which', async () => {
  h.mock.on('POST /v1/messages/count_tokens', { kind: 'custom', handle: (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"input_tokens":42}') });
  const req = { messages: [{ role: 'user' as const, content: 'Hello there, how many tokens is this?' }] };
  const a = await claude.messages.countTokens({ model: 'anthropic/claude-sonnet-4-5', ...req }).withResponse();
  assert.equal(a.data.input_tokens, 42);
  assert.equal(a.response.headers.get('x-airlock-token-count'), 'provider');
  assert.equal(h.mock.requests.at(-1)!.path, '/v1/messages/count_tokens');
  const before = h.mock.requests.length;
  const b = await claude.messages.countTokens({ model: 'mock/gpt-4o', ...req }).withResponse();
  assert.ok(b.data.input_tokens > 5 && b.data.input_tokens < 20);
  assert.equal(b.response.headers.get('x-airlock-token-count'), 'estimate');
  assert.equal(h.mock.requests.length, before, 'an estimate calls no upstream');
});

test('dialect quirks: DeepSeek reasoning + keep-alive, Mistral calls without index, Groq x_groq usage reach an Anthropic client', async () => {
  h.mock.next({
    kind: 'custom',
    handle: (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(wireBytes('deepseek/stream.keepalive-comment.sse'));
      setTimeout(() => res.end(wireBytes('deepseek/stream.reasoning_tool_call.sse')), 5);
    },
  });
  const d = await claude.messages.stream({ model: 'mock/deepseek-reasoner', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
  assert.equal(d.content[0]!.type, 'thinking');
  assert.match((d.content[0] as any).thinking, /^The user is asking for the weather/);
  const dt = d.content.find((b) => b.type === 'tool_use') as any;
  assert.deepEqual([dt.name, dt.input], ['weather', { location: 'San Francisco' }]);
  assert.deepEqual([d.usage.input_tokens, d.usage.cache_read_input_tokens, d.usage.output_tokens], [339 - 320, 320, 83]);

  h.mock.next({ kind: 'sse', file: 'mistral/stream.tool_call.sse', split: true });
  const m = await claude.messages.stream({ model: 'mock/mistral-small-latest', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
  const mt = m.content.find((b) => b.type === 'tool_use') as any;
  assert.deepEqual([mt.id, mt.name, mt.input], ['gSIMJiOkT', 'weather', { location: 'San Francisco' }]);
  assert.equal(m.stop_reason, 'tool_use');

  h.mock.next({ kind: 'sse', file: 'groq/stream.tool_call.sse', split: true });
  const g = await claude.messages.stream({ model: 'mock/llama-3.3-70b-versatile', max_tokens: 100, messages: [{ role: 'user', content: 'x' }] }).finalMessage();
  assert.deepEqual([g.usage.input_tokens, g.usage.output_tokens], [210, 15]);
  assert.deepEqual((g.content.find((b) => b.type === 'tool_use') as any).input, {});
});

test('OpenRouter: keep-alive comments are relayed, an error sent with HTTP 200 becomes a real error', async () => {
  h.mock.next({
    kind: 'custom',
    handle: (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(wireBytes('openrouter/stream.keepalive-comment.sse'));
      res.end(wireBytes('mistral/stream.text.sse'));
    },
  });
  const raw = await fetch(`${h.gateway.url}/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'mock/x', stream: true, messages: [{ role: 'user', content: 'x' }] }),
  });
  const body = await raw.text();
  assert.match(body, /^: ?OPENROUTER PROCESSING\n\n/);
  assert.match(body, /world!/);
  assert.match(body, /data: \[DONE\]\n\n$/);
  h.mock.next({ kind: 'json', file: 'openrouter/errors/400-provider_returned_error.json' });
  await assert.rejects(oai.chat.completions.create({ model: 'mock/x', messages: [{ role: 'user', content: 'x' }] }), (e: any) => {
    assert.equal(e.status, 400);
    assert.match(e.message, /Provider returned error/);
    return true;
  });
  h.mock.next({ kind: 'json', file: 'openrouter/errors/400-provider_returned_error.json' });
  await assert.rejects(claude.messages.create({ model: 'mock/x', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }), (e: any) => {
    assert.equal(e.status, 400);
    assert.equal(e.error.error.type, 'invalid_request_error');
    return true;
  });
});
