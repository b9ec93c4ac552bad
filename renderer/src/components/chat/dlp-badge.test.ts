// The chat's DLP badge: answered turns say values were masked before sending and restored; refused or failed
// turns (QA: a turn that failed routing and was never sent) say neither.
import test from 'node:test';
import assert from 'node:assert/strict';
import { dlpBadgeText } from './dlp-badge.ts';

const iban = [{ type: 'IBAN', count: 1, action: 'mask' }];

test('an answered turn: masked before sending, restored in the answer (unchanged wording)', () => {
  const b = dlpBadgeText({ dlp: iban, status: 'done', cacheHit: false })!;
  assert.equal(b.text, '1 value masked before sending: IBAN');
  assert.equal(b.action('mask'), 'masked before sending, restored in the answer');
  assert.match(b.note, /before the request left this machine, and the answer shows them restored/);
  assert.equal(dlpBadgeText({ dlp: iban, status: 'stopped', cacheHit: false })!.text, '1 value masked before sending: IBAN');
  assert.equal(dlpBadgeText({ dlp: null, status: 'done', cacheHit: false }), null);
});

test('a refused or failed turn claims nothing was sent or restored', () => {
  for (const status of ['error', 'blocked'] as const) {
    const b = dlpBadgeText({ dlp: iban, status, cacheHit: false })!;
    assert.equal(b.text, '1 value to mask: IBAN; not answered, nothing restored');
    for (const said of [b.text, b.action('mask'), b.note]) {
      assert.doesNotMatch(said, /masked before sending|restored in the answer|shows them restored|detected and sent/, said);
    }
    assert.match(b.note, /may never have left this machine/);
    assert.match(b.action('mask'), /nothing was restored/);
  }
  const warn = dlpBadgeText({ dlp: [{ type: 'PHONE', count: 2, action: 'warn' }], status: 'error', cacheHit: false })!;
  assert.equal(warn.text, '2 detected: PHONE');
  assert.equal(warn.action('warn'), 'detected (policy: warn)');
  const block = dlpBadgeText({ dlp: [{ type: 'IBAN', count: 1, action: 'block' }], status: 'blocked', cacheHit: false })!;
  assert.deepEqual([block.text, block.level], ['Blocked before sending: 1 value (IBAN)', 'block']);
});

test('a cache hit was not sent either', () => {
  const b = dlpBadgeText({ dlp: iban, status: 'done', cacheHit: true })!;
  assert.equal(b.text, '1 value masked (answered from the cache, nothing sent): IBAN');
  assert.doesNotMatch(b.note, /left this machine/);
});
