// Number formats for the dashboard screens.
import { usd } from '../../format.ts';

export { usd };

/** Money for axes and compact cells: $0, $0.42, $12, $1.2k. */
export function usdShort(x: number): string {
  const a = Math.abs(x);
  if (a === 0) return '$0';
  if (a >= 1e6) return `$${(x / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `$${(x / 1e3).toFixed(1)}k`;
  if (a >= 10) return `$${x.toFixed(0)}`;
  if (a >= 0.1) return `$${x.toFixed(2)}`;
  return `$${x.toFixed(3)}`;
}

/** A cost that may be unknown (no price in the catalog): never shown as $0. */
export function cost(x: number | null | undefined): string {
  return x === null || x === undefined ? 'unknown' : usd(x);
}

export function count(n: number): string {
  const a = Math.abs(n);
  if (a >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (a >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return n.toLocaleString('en-US');
}

export function pct(x: number, digits = 1): string {
  return `${(x * 100).toFixed(digits)}%`;
}

export function ms(x: number | null | undefined): string {
  if (x === null || x === undefined) return '—';
  if (x >= 10_000) return `${(x / 1000).toFixed(1)} s`;
  if (x >= 1000) return `${(x / 1000).toFixed(2)} s`;
  return `${Math.round(x)} ms`;
}

/** '' → '(none)' etc.: how synthetic keys read in the UI. */
export function keyLabel(key: string, what: 'client' | 'model' | 'provider' | 'tag'): string {
  if (key === '') return what === 'client' ? '(no token)' : what === 'tag' ? '(none)' : '(not routed)';
  return key;
}

/** The browser's IANA time zone (sent to the API so periods follow the user's calendar). */
export function browserZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export function dateTime(ts: number): string {
  return new Date(ts).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}
