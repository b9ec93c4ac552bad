const UNITS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/** Parses `90s`, `30m`, `24h`, `7d`, `2w` into milliseconds; returns null for anything else. */
export function parseDuration(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([smhdw])$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** A `--since` value: a duration back from `now`, or an ISO date/time. */
export function parseSince(text: string, now = Date.now()): number | null {
  const d = parseDuration(text);
  if (d !== null) return now - d;
  const t = Date.parse(text);
  return Number.isNaN(t) ? null : t;
}
