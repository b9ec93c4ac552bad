import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SseReader } from './sse.ts';

test('SseReader reassembles events split at any byte, CRLF framing, comments and split UTF-8', () => {
  const text = ': keep-alive\r\n\r\ndata: {"a":"h\u00e9llo \u{1F600}"}\r\n\r\nevent: x\r\ndata: [DONE]\r\n\r\n';
  const bytes = Buffer.from(text, 'utf8');
  for (let cut = 1; cut < bytes.length; cut++) {
    const events: string[] = [];
    const comments: string[] = [];
    const r = new SseReader({ onEvent: (e) => events.push(`${e.event ?? ''}|${e.data}`), onComment: (c) => comments.push(c) });
    r.push(bytes.subarray(0, cut));
    r.push(bytes.subarray(cut));
    r.end();
    assert.deepEqual(events, ['|{"a":"h\u00e9llo \u{1F600}"}', 'x|[DONE]'], `cut at ${cut}`);
    assert.deepEqual(comments.map((c) => c.trim()), ['keep-alive']);
  }
});
