import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration, parseSince } from './duration.ts';

test('parseDuration reads units and rejects junk', () => {
  assert.equal(parseDuration('24h'), 86_400_000);
  assert.equal(parseDuration('30m'), 1_800_000);
  assert.equal(parseDuration('7d'), 604_800_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration('24'), null);
  assert.equal(parseDuration('h'), null);
});

test('parseSince accepts durations and ISO dates', () => {
  assert.equal(parseSince('1h', 10_000_000), 10_000_000 - 3_600_000);
  assert.equal(parseSince('2026-01-01T00:00:00Z'), Date.UTC(2026, 0, 1));
  assert.equal(parseSince('yesterday'), null);
});
