import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WALKERS, type TextKind } from './walkers.ts';

const collect = (protocol: string, body: any) => {
  const seen: [TextKind, string][] = [];
  WALKERS[protocol]!(body, (t, k) => {
    seen.push([k, t]);
    return t.toUpperCase();
  });
  return seen;
};

test('openai.chat: system, user parts, assistant, tool results and tool-call arguments (JSON leaves)', () => {
  const body = {
    messages: [
      { role: 'developer', content: 'sys' },
      { role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image_url', image_url: { url: 'data:x' } }] },
      { role: 'assistant', content: 'ok', tool_calls: [{ id: '1', type: 'function', function: { name: 'f', arguments: '{"a":"x","n":1,"b":["y"]}' } }] },
      { role: 'tool', tool_call_id: '1', content: 'res' },
    ],
  };
  assert.deepEqual(collect('openai.chat', body), [['system', 'sys'], ['user', 'hi'], ['assistant', 'ok'], ['tool_args', 'x'], ['tool_args', 'y'], ['tool', 'res']]);
  assert.equal(body.messages[2]!.tool_calls![0]!.function.arguments, '{"a":"X","n":1,"b":["Y"]}');
  assert.equal((body.messages[1]!.content as any)[1].image_url.url, 'data:x', 'non-text parts untouched');
});

test('anthropic.messages: system blocks, text, tool_use input objects, tool_result content; thinking untouched', () => {
  const body = {
    system: [{ type: 'text', text: 'sys' }],
    messages: [
      { role: 'user', content: 'q' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'secret thoughts', signature: 'sig' }, { type: 'tool_use', id: 't', name: 'f', input: { city: 'x' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'r' }] }, { type: 'tool_result', tool_use_id: 'u', content: 's' }] },
    ],
  };
  assert.deepEqual(collect('anthropic.messages', body), [['system', 'sys'], ['user', 'q'], ['tool_args', 'x'], ['tool', 'r'], ['tool', 's']]);
  assert.equal((body.messages[1]!.content as any)[0].thinking, 'secret thoughts');
  assert.equal((body.messages[1]!.content as any)[1].input.city, 'X');
  assert.equal(collect('anthropic.count_tokens', { messages: [{ role: 'user', content: 'c' }] }).length, 1);
});

test('openai.responses: instructions, message items, function_call arguments and function_call_output', () => {
  const body = {
    instructions: 'sys',
    input: [
      { role: 'user', content: [{ type: 'input_text', text: 'q' }] },
      { type: 'function_call', call_id: 'c', name: 'f', arguments: '{"k":"v"}' },
      { type: 'function_call_output', call_id: 'c', output: 'out' },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'a' }] },
    ],
  };
  assert.deepEqual(collect('openai.responses', body), [['system', 'sys'], ['user', 'q'], ['tool_args', 'v'], ['tool', 'out'], ['assistant', 'a']]);
  assert.deepEqual(collect('openai.responses', { input: 'plain' }), [['user', 'plain']]);
  assert.deepEqual(collect('openai.embeddings', { input: ['a', 'b'] }), [['input', 'a'], ['input', 'b']]);
});
