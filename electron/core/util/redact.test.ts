import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactSecrets } from './redact.ts';

test('redactSecrets removes known secrets and key-shaped strings', () => {
  const key = 'my-very-own-provider-key-123';
  const out = redactSecrets(`bad key ${key}; also sk-proj-ABCDEFGHIJKLMNOP and Bearer abc.def.ghi`, [key]);
  assert.ok(!out.includes(key));
  assert.ok(!out.includes('sk-proj-ABCDEFGHIJKLMNOP'));
  assert.ok(!out.includes('abc.def.ghi'));
  assert.match(out, /\[redacted\]/);
  assert.equal(redactSecrets('nothing secret here'), 'nothing secret here');
});
