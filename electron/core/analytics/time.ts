// Calendar periods in an IANA time zone, as UTC instants, with Intl only (no tz database of our own).
// Handles DST (23/25-hour days), half- and quarter-hour offsets, and days whose midnight does not exist.
import { UserError } from '../util/errors.ts';

export type PeriodUnit = 'day' | 'week' | 'month';
export const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
    } catch {
      throw new UserError(`Unknown time zone '${zone}': use an IANA name such as 'Europe/Berlin' or 'UTC'.`);
    }
    formatters.set(zone, f);
  }
  return f;
}

/** Throws a UserError for a zone Intl does not know. */
export function checkZone(zone: string): string {
  if (typeof zone !== 'string' || zone === '') throw new UserError('A time zone is required (IANA name such as "Europe/Berlin").');
  formatter(zone);
  return zone;
}

/** Wall-clock time of instant t in `zone`, as if that wall time were UTC (ms). */
export function wallTime(zone: string, t: number): number {
  const p = formatter(zone).formatToParts(new Date(t));
  const n: Record<string, number> = {};
  for (const x of p) if (x.type !== 'literal') n[x.type] = Number(x.value);
  const secs = Math.floor(t / 1000) * 1000;
  return Date.UTC(n.year, n.month - 1, n.day, n.hour, n.minute, n.second) + (t - secs);
}

/** UTC offset of `zone` at instant t, in ms (e.g. +3_600_000 for CET). */
export function offsetAt(zone: string, t: number): number {
  return wallTime(zone, t) - t;
}

/** The first instant whose local date in `zone` is (y, m0, d) or later (m0 0-based; overflow normalises). */
export function startOfLocalDay(zone: string, y: number, m0: number, d: number): number {
  const wall = Date.UTC(y, m0, d);
  const ck = `${zone}|${wall}`;
  let v = dayCache.get(ck);
  if (v === undefined) {
    if (dayCache.size > 50_000) dayCache.clear();
    dayCache.set(ck, (v = computeStartOfLocalDay(zone, wall)));
  }
  return v;
}
const dayCache = new Map<string, number>();

function computeStartOfLocalDay(zone: string, wall: number): number {
  const cands: number[] = [];
  for (const probe of [wall - DAY_MS / 2, wall, wall + DAY_MS / 2]) {
    const c = wall - offsetAt(zone, probe);
    if (wallTime(zone, c) === wall) cands.push(c);
  }
  if (cands.length) return Math.min(...cands);
  // Midnight does not exist (DST starts at 00:00): the day begins at the transition. Binary search, 1-minute steps.
  let lo = wall - 15 * 3_600_000; // wall time < target
  let hi = wall + 15 * 3_600_000; // wall time >= target
  while (hi - lo > 60_000) {
    const mid = Math.floor((lo + hi) / 2 / 60_000) * 60_000;
    if (wallTime(zone, mid) >= wall) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Local calendar date of instant t in `zone`. */
export function localDate(zone: string, t: number): { y: number; m0: number; d: number; dow: number } {
  const w = new Date(wallTime(zone, t));
  return { y: w.getUTCFullYear(), m0: w.getUTCMonth(), d: w.getUTCDate(), dow: w.getUTCDay() };
}

export interface Period {
  start: number;
  end: number;
  /** 'YYYY-MM-DD' (day, and the first day of a week) or 'YYYY-MM' (month), in the zone. */
  label: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Start of the period (in `zone`) that contains instant t, as [y, m0, d] of its first local day. */
function periodFloor(zone: string, t: number, unit: PeriodUnit, weekStart: number): [number, number, number] {
  const { y, m0, d, dow } = localDate(zone, t);
  if (unit === 'day') return [y, m0, d];
  if (unit === 'month') return [y, m0, 1];
  const back = (dow - weekStart + 7) % 7;
  const w = new Date(Date.UTC(y, m0, d - back));
  return [w.getUTCFullYear(), w.getUTCMonth(), w.getUTCDate()];
}

function nextStart(unit: PeriodUnit, [y, m0, d]: [number, number, number]): [number, number, number] {
  const w = unit === 'month' ? new Date(Date.UTC(y, m0 + 1, 1)) : new Date(Date.UTC(y, m0, d + (unit === 'week' ? 7 : 1)));
  return [w.getUTCFullYear(), w.getUTCMonth(), w.getUTCDate()];
}

/** The period of `unit` containing instant t. weekStart: 0 = Sunday … 1 = Monday (ISO, default). */
export function periodAt(zone: string, t: number, unit: PeriodUnit, weekStart = 1): Period {
  const f = periodFloor(zone, t, unit, weekStart);
  const n = nextStart(unit, f);
  return { start: startOfLocalDay(zone, ...f), end: startOfLocalDay(zone, ...n), label: unit === 'month' ? `${f[0]}-${pad(f[1] + 1)}` : `${f[0]}-${pad(f[1] + 1)}-${pad(f[2])}` };
}

/** Every whole period of `unit` that overlaps [from, to), in order. At most `max` (a guard against huge ranges). */
export function periodsBetween(zone: string, from: number, to: number, unit: PeriodUnit, weekStart = 1, max = 1000): Period[] {
  checkZone(zone);
  if (!(to > from)) return [];
  const out: Period[] = [];
  let f = periodFloor(zone, from, unit, weekStart);
  let start = startOfLocalDay(zone, ...f);
  while (start < to) {
    if (out.length >= max) throw new UserError(`That range has more than ${max} ${unit}s; pick a larger unit or a shorter range.`);
    const n = nextStart(unit, f);
    const end = startOfLocalDay(zone, ...n);
    out.push({ start, end, label: unit === 'month' ? `${f[0]}-${pad(f[1] + 1)}` : `${f[0]}-${pad(f[1] + 1)}-${pad(f[2])}` });
    f = n;
    start = end;
  }
  return out;
}
