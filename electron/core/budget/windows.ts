/**
 * Budget windows (day, week, month) in the user's time zone. Computed with Intl only, so they follow the
 * zone's daylight-saving rules: a day can be 23 or 25 hours long, and a day that starts inside a DST gap
 * (clocks jump over midnight) starts at the first instant that exists.
 */
export type BudgetWindow = 'day' | 'week' | 'month';
export const WINDOWS: readonly BudgetWindow[] = ['day', 'week', 'month'];

export interface WindowBounds {
  /** First instant of the window (epoch ms, inclusive). */
  start: number;
  /** First instant of the next window (epoch ms, exclusive): when the budget resets. */
  end: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function localParts(t: number, zone: string): LocalParts {
  const out: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(t)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out as unknown as LocalParts;
}

/** The zone's offset from UTC at instant t, in ms (local = utc + offset). */
export function zoneOffset(t: number, zone: string): number {
  const p = localParts(t, zone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - (t - (((t % 1000) + 1000) % 1000));
}

/** The first instant of local calendar date y-m-d in `zone` (month 1-12; out-of-range days/months normalise). */
export function startOfLocalDay(y: number, m: number, d: number, zone: string): number {
  const n = new Date(Date.UTC(y, m - 1, d));
  const Y = n.getUTCFullYear();
  const M = n.getUTCMonth() + 1;
  const D = n.getUTCDate();
  const guess = n.getTime();
  // Every offset the zone might have around that date; each gives a candidate instant for local midnight.
  const offsets = new Set<number>();
  for (let k = -2; k <= 2; k++) offsets.add(zoneOffset(guess + k * 6 * 3_600_000, zone));
  let best = Number.POSITIVE_INFINITY;
  for (const off of offsets) {
    const cand = guess - off;
    const p = localParts(cand, zone);
    // Only instants that fall on the date count; the earliest is its start (midnight, or the end of a DST gap).
    if (p.year === Y && p.month === M && p.day === D && cand < best) best = cand;
  }
  if (best === Number.POSITIVE_INFINITY) throw new Error(`Cannot find the start of ${Y}-${M}-${D} in time zone ${zone}.`);
  return best;
}

/** The window of kind `w` that contains instant `t`, in `zone`. Weeks start on Monday (ISO 8601). */
export function windowBounds(w: BudgetWindow, t: number, zone: string): WindowBounds {
  const p = localParts(t, zone);
  if (w === 'day') return { start: startOfLocalDay(p.year, p.month, p.day, zone), end: startOfLocalDay(p.year, p.month, p.day + 1, zone) };
  if (w === 'week') {
    const dow = new Date(Date.UTC(p.year, p.month - 1, p.day)).getUTCDay(); // 0 = Sunday
    const back = (dow + 6) % 7; // days since Monday
    return {
      start: startOfLocalDay(p.year, p.month, p.day - back, zone),
      end: startOfLocalDay(p.year, p.month, p.day - back + 7, zone),
    };
  }
  return { start: startOfLocalDay(p.year, p.month, 1, zone), end: startOfLocalDay(p.year, p.month + 1, 1, zone) };
}

/** True when `zone` is an IANA time zone this runtime knows. */
export function isValidZone(zone: string): boolean {
  if (!zone) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The system's zone as Node sees it (honours TZ at process start), UTC if it cannot tell. */
export function systemZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

/**
 * The time zone budget windows use: the `budgets.timeZone` setting, else AIRLOCK_TZ, else TZ, else the system's.
 * Invalid values are skipped (with the reason returned) rather than breaking the gateway.
 */
export function resolveZone(setting: string | null | undefined, env: NodeJS.ProcessEnv): { zone: string; source: string } {
  const tries: [string | undefined | null, string][] = [
    [setting, 'setting budgets.timeZone'],
    [env.AIRLOCK_TZ, 'AIRLOCK_TZ'],
    [env.TZ?.replace(/^:/, ''), 'TZ'],
  ];
  for (const [z, source] of tries) if (z && isValidZone(z)) return { zone: z, source };
  return { zone: systemZone(), source: 'system' };
}

/** An instant as local time in `zone` with its offset, e.g. 2026-11-02T00:00:00+01:00. */
export function formatLocal(t: number, zone: string): string {
  const p = localParts(t, zone);
  const off = Math.round(zoneOffset(t, zone) / 60_000);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${sign}${pad(Math.floor(a / 60))}:${pad(a % 60)}`;
}

/** "3h 12m", "45s", "2d 4h": how long until an instant. */
export function formatIn(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}
