import test from 'node:test';
import assert from 'node:assert/strict';
import { TOOLS, tokenNameFor } from './snippets.ts';

const input = { baseUrl: 'http://127.0.0.1:4790/v1', origin: 'http://127.0.0.1:4790', token: 'alk_abc123', model: 'openai/gpt-4o-mini' };

test('every tool the issue names has a snippet with the real URL and token', () => {
  const ids = TOOLS.map((t) => t.id);
  for (const id of ['openai-python', 'openai-js', 'curl', 'cursor', 'continue', 'aider', 'claude-code']) assert.ok(ids.includes(id), id);
  for (const t of TOOLS) {
    const s = t.snippet(input);
    assert.ok(s.includes('alk_abc123'), `${t.id} has the token`);
    assert.ok(s.includes('127.0.0.1:4790'), `${t.id} has the port`);
  }
});

test('Claude Code gets the origin (it appends /v1/messages), the OpenAI tools get /v1', () => {
  const cc = TOOLS.find((t) => t.id === 'claude-code')!.snippet(input);
  assert.match(cc, /ANTHROPIC_BASE_URL=http:\/\/127\.0\.0\.1:4790\n/);
  assert.match(TOOLS.find((t) => t.id === 'curl')!.snippet(input), /4790\/v1\/chat\/completions/);
  assert.match(TOOLS.find((t) => t.id === 'aider')!.snippet(input), /--model openai\/openai\/gpt-4o-mini/);
});

test('token names default to the tool and stay unique', () => {
  assert.equal(tokenNameFor('cursor', []), 'cursor');
  assert.equal(tokenNameFor('cursor', ['cursor', 'cursor-2']), 'cursor-3');
  assert.equal(tokenNameFor('openai-python', []), 'sdk-python');
});
