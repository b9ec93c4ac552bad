import { test } from 'node:test';
import assert from 'node:assert/strict';
import { windowBounds, startOfLocalDay, resolveZone, formatLocal } from './windows.ts';

const iso = (t: number) => new Date(t).toISOString();
const H = 3_600_000;

test('day windows start at local midnight and reset at the next one', () => {
  const t = Date.parse('2026-03-10T15:30:00Z');
  assert.deepEqual(
    [iso(windowBounds('day', t, 'UTC').start), iso(windowBounds('day', t, 'UTC').end)],
    ['2026-03-10T00:00:00.000Z', '2026-03-11T00:00:00.000Z'],
  );
  // Tokyo (+09:00): 15:30Z is 00:30 on the 11th there.
  const tk = windowBounds('day', t, 'Asia/Tokyo');
  assert.equal(iso(tk.start), '2026-03-10T15:00:00.000Z');
  assert.equal(iso(tk.end), '2026-03-11T15:00:00.000Z');
  // Los Angeles (-07:00 after 8 March 2026): 15:30Z is 08:30 on the 10th.
  const la = windowBounds('day', t, 'America/Los_Angeles');
  assert.equal(iso(la.start), '2026-03-10T07:00:00.000Z');
  // Kathmandu is +05:45: windows are not hour-aligned in UTC.
  assert.equal(iso(windowBounds('day', t, 'Asia/Kathmandu').start), '2026-03-09T18:15:00.000Z');
});

test('the boundary instant belongs to the new window; one ms before to the old', () => {
  const zone = 'Europe/Berlin';
  const midnight = Date.parse('2026-07-01T22:00:00Z'); // 2 July 00:00 CEST
  assert.equal(windowBounds('day', midnight, zone).start, midnight);
  assert.equal(windowBounds('day', midnight - 1, zone).end, midnight);
  assert.equal(iso(windowBounds('month', midnight - 1, zone).end), '2026-07-31T22:00:00.000Z');
  assert.equal(iso(windowBounds('month', midnight - 1, zone).start), '2026-06-30T22:00:00.000Z');
});

test('DST: spring-forward day is 23 hours, fall-back day is 25 hours (Berlin, New York)', () => {
  const springBerlin = windowBounds('day', Date.parse('2026-03-29T12:00:00Z'), 'Europe/Berlin');
  assert.equal(iso(springBerlin.start), '2026-03-28T23:00:00.000Z');
  assert.equal(springBerlin.end - springBerlin.start, 23 * H);
  const fallBerlin = windowBounds('day', Date.parse('2026-10-25T12:00:00Z'), 'Europe/Berlin');
  assert.equal(iso(fallBerlin.start), '2026-10-24T22:00:00.000Z');
  assert.equal(fallBerlin.end - fallBerlin.start, 25 * H);
  const springNY = windowBounds('day', Date.parse('2026-03-08T18:00:00Z'), 'America/New_York');
  assert.equal(iso(springNY.start), '2026-03-08T05:00:00.000Z');
  assert.equal(springNY.end - springNY.start, 23 * H);
  // The week containing the fall-back day is 169 hours long.
  const week = windowBounds('week', Date.parse('2026-11-01T18:00:00Z'), 'America/New_York');
  assert.equal(iso(week.start), '2026-10-26T04:00:00.000Z', 'Monday 26 October, midnight EDT');
  assert.equal(week.end - week.start, 169 * H);
});

test('DST gap at midnight: the day starts at the first instant that exists (Santiago, 01:00)', () => {
  // Chile springs forward at 24:00 on Saturday 6 Sept 2025: local 00:00-00:59 on the 7th does not exist.
  const start = startOfLocalDay(2025, 9, 7, 'America/Santiago');
  assert.equal(iso(start), '2025-09-07T04:00:00.000Z');
  assert.equal(formatLocal(start, 'America/Santiago'), '2025-09-07T01:00:00-03:00');
  const prev = windowBounds('day', start - 1, 'America/Santiago');
  assert.equal(prev.end, start);
  assert.equal(prev.end - prev.start, 24 * H);
});

test('weeks start on Monday; months roll over the year', () => {
  const sunday = Date.parse('2026-01-04T10:00:00Z');
  const w = windowBounds('week', sunday, 'UTC');
  assert.equal(iso(w.start), '2025-12-29T00:00:00.000Z');
  assert.equal(iso(w.end), '2026-01-05T00:00:00.000Z');
  const m = windowBounds('month', Date.parse('2025-12-31T23:59:59Z'), 'UTC');
  assert.equal(iso(m.start), '2025-12-01T00:00:00.000Z');
  assert.equal(iso(m.end), '2026-01-01T00:00:00.000Z');
  // 23:59:59Z on 31 Dec is already January in Auckland.
  const akl = windowBounds('month', Date.parse('2025-12-31T23:59:59Z'), 'Pacific/Auckland');
  assert.equal(iso(akl.start), '2025-12-31T11:00:00.000Z');
});

test('zone resolution: setting, then AIRLOCK_TZ, then TZ; invalid values are skipped', () => {
  assert.deepEqual(resolveZone('Asia/Tokyo', { AIRLOCK_TZ: 'Europe/Paris', TZ: 'UTC' }), { zone: 'Asia/Tokyo', source: 'setting budgets.timeZone' });
  assert.deepEqual(resolveZone(null, { AIRLOCK_TZ: 'Europe/Paris', TZ: 'UTC' }), { zone: 'Europe/Paris', source: 'AIRLOCK_TZ' });
  assert.deepEqual(resolveZone('Not/AZone', { TZ: ':America/Denver' }), { zone: 'America/Denver', source: 'TZ' });
  assert.equal(resolveZone(null, {}).source, 'system');
});
