import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anthropicToChat, chatToAnthropic, chatToGemini, geminiSchema, responsesToChat } from './requests.ts';
import { AnthropicStreamDecoder, GeminiStreamDecoder, fromAnthropicUsage, fromGeminiUsage } from './decode.ts';
import { AnthropicStreamEncoder, ChatStreamEncoder, chatUsage, anthropicUsage } from './encode.ts';
import type { HubEvent } from './hub.ts';
import { sseEvents, wireBytes } from '../../testing/fixtures.ts';

const PNG = 'iVBORw0KGgo=';

test('Anthropic request -> hub: system, images, tool_use / tool_result order, tool_choice, stop sequences', () => {
  const chat = anthropicToChat({
    model: 'm',
    max_tokens: 100,
    system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
    stop_sequences: ['END'],
    tool_choice: { type: 'tool', name: 'f', disable_parallel_tool_use: true },
    tools: [{ name: 'f', description: 'd', input_schema: { type: 'object', properties: {} } }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } }] },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature: 's' }, { type: 'tool_use', id: 'tu1', name: 'f', input: { a: 1 } }] },
      { role: 'user', content: [{ type: 'text', text: 'after' }, { type: 'tool_result', tool_use_id: 'tu1', content: 'ok', is_error: true }] },
    ],
  });
  assert.deepEqual(chat.messages[0], { role: 'system', content: 'Be brief.' });
  assert.deepEqual(chat.messages[1].content[1], { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } });
  assert.deepEqual(chat.messages[2], { role: 'assistant', content: null, tool_calls: [{ id: 'tu1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] });
  // The tool result comes right after the assistant's call, before the user's text.
  assert.deepEqual(chat.messages[3], { role: 'tool', tool_call_id: 'tu1', content: 'Error: ok' });
  assert.deepEqual(chat.messages[4], { role: 'user', content: 'after' });
  assert.deepEqual(chat.stop, ['END']);
  assert.deepEqual(chat.tool_choice, { type: 'function', function: { name: 'f' } });
  assert.equal(chat.parallel_tool_calls, false);
  assert.throws(() => anthropicToChat({ model: 'm', messages: [], tools: [{ type: 'web_search_20250305', name: 'web_search' }] }), /server tool 'web_search_20250305'/);
});

test('hub -> Anthropic and Gemini: images, tool calls and results, tool_choice, generation settings', () => {
  const hub = {
    messages: [
      { role: 'system', content: 'sys' },
      { role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } }, { type: 'image_url', image_url: { url: 'https://x.test/a.webp' } }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{"q":"x"}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: '{"r":2}' },
      { role: 'tool', tool_call_id: 'c1', content: 'plain' },
    ],
    tools: [{ type: 'function', function: { name: 'f', parameters: { $schema: 'x', type: 'object', additionalProperties: false, properties: { q: { type: ['string', 'null'] } } } } }],
    tool_choice: 'required',
    stop: 'STOP',
    temperature: 1.5,
    max_tokens: 50,
  };
  const a = chatToAnthropic(hub, 'claude', 64000);
  assert.equal(a.system, 'sys');
  assert.deepEqual(a.messages[0].content[1], { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } });
  assert.deepEqual(a.messages[0].content[2], { type: 'image', source: { type: 'url', url: 'https://x.test/a.webp' } });
  assert.deepEqual(a.messages[1].content[0], { type: 'tool_use', id: 'c1', name: 'f', input: { q: 'x' } });
  assert.equal(a.messages[2].content.length, 2, 'consecutive tool results share one user turn');
  assert.deepEqual(a.tool_choice, { type: 'any' });
  assert.deepEqual(a.stop_sequences, ['STOP']);
  assert.equal(a.temperature, 1, 'clamped to Anthropic range');
  assert.equal(a.max_tokens, 50);
  assert.equal(chatToAnthropic({ messages: [{ role: 'user', content: 'x' }] }, 'claude', 64000).max_tokens, 8192);

  const g = chatToGemini(hub, (id) => (id === 'c1' ? 'sig-1' : undefined));
  assert.deepEqual(g.systemInstruction, { parts: [{ text: 'sys' }] });
  assert.deepEqual(g.contents[0].parts[1], { inlineData: { mimeType: 'image/png', data: PNG } });
  assert.deepEqual(g.contents[0].parts[2], { fileData: { fileUri: 'https://x.test/a.webp', mimeType: 'image/webp' } });
  assert.deepEqual(g.contents[1], { role: 'model', parts: [{ functionCall: { name: 'f', args: { q: 'x' } }, thoughtSignature: 'sig-1' }] });
  assert.deepEqual(g.contents[2].parts, [{ functionResponse: { name: 'f', response: { r: 2 } } }, { functionResponse: { name: 'f', response: { result: 'plain' } } }]);
  assert.deepEqual(g.toolConfig, { functionCallingConfig: { mode: 'ANY' } });
  assert.deepEqual(g.generationConfig, { temperature: 1.5, maxOutputTokens: 50, stopSequences: ['STOP'] });
  assert.deepEqual(g.tools[0].functionDeclarations[0].parameters, { type: 'object', properties: { q: { type: 'string', nullable: true } } });
  assert.deepEqual(geminiSchema({ type: 'array', items: { type: 'object', additionalProperties: {} } }), { type: 'array', items: { type: 'object' } });
});

test('Responses request -> hub: instructions, function_call items merged, outputs, text.format; unsupported features listed', () => {
  const c = responsesToChat({
    model: 'm',
    instructions: 'be kind',
    max_output_tokens: 99,
    text: { format: { type: 'json_schema', name: 'x', schema: { type: 'object' }, strict: true } },
    tools: [{ type: 'function', name: 'f', parameters: { type: 'object' } }],
    tool_choice: { type: 'function', name: 'f' },
    input: [
      { role: 'developer', content: 'dev' },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }, { type: 'input_image', image_url: 'https://x.test/i.png' }] },
      { type: 'reasoning', id: 'rs_1', summary: [] },
      { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{}' },
      { type: 'function_call', call_id: 'c2', name: 'f', arguments: '{"a":1}' },
      { type: 'function_call_output', call_id: 'c1', output: 'one' },
      { type: 'function_call_output', call_id: 'c2', output: [{ type: 'input_text', text: 'two' }] },
    ],
  });
  assert.deepEqual(c.messages.map((m: any) => m.role), ['system', 'system', 'user', 'assistant', 'tool', 'tool']);
  assert.equal(c.messages[3].tool_calls.length, 2);
  assert.equal(c.messages[5].content, 'two');
  assert.equal(c.max_tokens, 99);
  assert.deepEqual(c.response_format, { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object' }, strict: true } });
  assert.deepEqual(c.tool_choice, { type: 'function', function: { name: 'f' } });
  assert.throws(() => responsesToChat({ model: 'm', input: 'x', background: true, tools: [{ type: 'file_search' }] }), (e: any) => e.status === 400 && /background: true/.test(e.message) && /file_search/.test(e.message));
});

function decodeAll(dec: { event(n: string | undefined, d: string): HubEvent[] }, file: string): HubEvent[] {
  const out: HubEvent[] = [];
  for (const ev of sseEvents(wireBytes(file))) {
    const text = ev.toString('utf8');
    const name = /^event: (.*)$/m.exec(text)?.[1]?.trim();
    const data = /^data: (.*)$/m.exec(text)?.[1];
    if (data) out.push(...dec.event(name, data.trim()));
  }
  return out;
}

test('usage: Anthropic cache tokens add to the prompt, Gemini thoughts count as output; both map back per protocol', () => {
  const u = fromAnthropicUsage({ input_tokens: 6, cache_creation_input_tokens: 3337, cache_read_input_tokens: 6289, output_tokens: 198 })!;
  assert.deepEqual(u, { input: 9632, cached: 6289, cacheWrite: 3337, output: 198 });
  assert.deepEqual(chatUsage(u)!.prompt_tokens_details, { cached_tokens: 6289 });
  assert.equal(chatUsage(u)!.prompt_tokens, 9632);
  assert.deepEqual(anthropicUsage(u), { input_tokens: 6, cache_creation_input_tokens: 3337, cache_read_input_tokens: 6289, output_tokens: 198 });
  assert.deepEqual(fromGeminiUsage({ promptTokenCount: 100, cachedContentTokenCount: 60, candidatesTokenCount: 5, thoughtsTokenCount: 7 }), { input: 100, cached: 60, cacheWrite: 0, output: 12 });
  // The streamed Anthropic usage is cumulative: the last message_delta wins.
  const ev = decodeAll(new AnthropicStreamDecoder('a'), 'anthropic/stream.prompt_cache.sse').filter((e) => e.t === 'usage');
  assert.deepEqual((ev.at(-1) as any).usage, u);
});

test('stream translation invariants: Gemini CRLF text concatenates; tool blocks open and close in order; [DONE] only for chat', () => {
  const sigs = new Map<string, string>();
  const gem = decodeAll(new GeminiStreamDecoder('g', (id, s) => sigs.set(id, s)), 'gemini/streamGenerateContent.function_call.sse');
  const call = gem.find((e) => e.t === 'tool_start') as any;
  assert.ok(sigs.get(call.id)?.startsWith('EqUCCq'), 'the thoughtSignature is remembered by tool-call id');
  assert.equal((gem.find((e) => e.t === 'finish') as any).stop, 'tool_calls');

  const events = decodeAll(new AnthropicStreamDecoder('a'), 'anthropic/stream.tool_use.sse');
  const enc = new AnthropicStreamEncoder({ request: {}, filter: null, wantsUsage: false, model: 'm' });
  let out = '';
  for (const e of events) out += enc.push(e);
  out += enc.end();
  const types = [...out.matchAll(/^event: (.*)$/gm)].map((m) => m[1]);
  assert.deepEqual(types, ['message_start', 'ping', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
  assert.ok(!out.includes('[DONE]'));
  const chat = new ChatStreamEncoder({ request: {}, filter: null, wantsUsage: true, model: 'm' });
  let c = '';
  for (const e of events) c += chat.push(e);
  c += chat.end();
  const chunks = c.split('\n\n').filter(Boolean);
  assert.equal(chunks.at(-1), 'data: [DONE]');
  const usage = JSON.parse(chunks.at(-2)!.slice(6));
  assert.deepEqual([usage.choices.length, usage.usage.prompt_tokens, usage.usage.completion_tokens], [0, 377, 65]);
  const args = chunks
    .slice(0, -2)
    .map((l) => JSON.parse(l.slice(6)).choices[0].delta.tool_calls?.[0]?.function?.arguments ?? '')
    .join('');
  assert.deepEqual(JSON.parse(args), { location: 'Paris' });
});
