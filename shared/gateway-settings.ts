// The gateway's advanced settings (settings key `gateway`): the CORS allow-list, the request body cap and the
// upstream timeouts. One parser and validator for every surface that edits them: `airlock config`, the app API
// (`settings.gateway` / `settings.updateGateway`) and so the Settings screen. Plain TypeScript, no Node APIs, so
// the renderer can format values with the same code.

export interface GatewayTimeoutsValues {
  connectMs: number;
  firstByteMs: number;
  idleMs: number;
}

export interface GatewayValues {
  maxBodyBytes: number;
  corsOrigins: string[];
  timeouts: GatewayTimeoutsValues;
}

/** As stored in the settings table: only what the user set. */
export interface StoredGateway {
  maxBodyBytes?: number;
  corsOrigins?: string[];
  timeouts?: Partial<GatewayTimeoutsValues>;
}

/** The same defaults as electron/core/config.ts (a test keeps them equal). */
export const GATEWAY_DEFAULTS: GatewayValues = {
  maxBodyBytes: 32 * 1024 * 1024,
  corsOrigins: [],
  timeouts: { connectMs: 10_000, firstByteMs: 300_000, idleMs: 120_000 },
};

export const GATEWAY_KEYS = ['gateway.corsOrigins', 'gateway.maxBodyBytes', 'gateway.timeouts.connectMs', 'gateway.timeouts.firstByteMs', 'gateway.timeouts.idleMs'] as const;
export type GatewayKey = (typeof GATEWAY_KEYS)[number];

type Kind = 'origins' | 'bytes' | 'duration';
interface KeyInfo {
  kind: Kind;
  label: string;
  /** What it does, one line. */
  help: string;
  min?: number;
  max?: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;

export const GATEWAY_KEY_INFO: Record<GatewayKey, KeyInfo> = {
  'gateway.corsOrigins': {
    kind: 'origins',
    label: 'Allowed browser origins (CORS)',
    help: 'Web pages on these exact origins may call the gateway (with a token). Empty: no browser page may.',
  },
  'gateway.maxBodyBytes': { kind: 'bytes', label: 'Largest request body', help: 'Bigger requests get HTTP 413.', min: 1 * KiB, max: 1 * GiB },
  'gateway.timeouts.connectMs': { kind: 'duration', label: 'Connect timeout', help: 'TCP and TLS connection to a provider.', min: 100, max: 10 * MIN },
  'gateway.timeouts.firstByteMs': {
    kind: 'duration',
    label: 'First-byte timeout',
    help: 'From sending a request to the provider’s first response byte (long non-streaming reasoning calls need minutes).',
    min: 1 * SEC,
    max: 2 * HOUR,
  },
  'gateway.timeouts.idleMs': { kind: 'duration', label: 'Idle-stream timeout', help: 'Longest silence between two chunks of an answer.', min: 1 * SEC, max: 2 * HOUR },
};

export const MAX_CORS_ORIGINS = 100;

/** A value that does not parse or is out of range; the message names the key and says what to write. */
export class GatewaySettingError extends Error {
  readonly key: GatewayKey | null;
  constructor(key: GatewayKey | null, message: string) {
    super(message);
    this.name = 'GatewaySettingError';
    this.key = key;
  }
}

export function isGatewayKey(k: string): k is GatewayKey {
  return (GATEWAY_KEYS as readonly string[]).includes(k);
}

const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1000, mb: 1000 ** 2, gb: 1000 ** 3, kib: KiB, mib: MiB, gib: GiB };

/** `32MiB`, `500 KB`, `1048576` → bytes (KB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024); null if it does not parse. */
export function parseBytes(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim().replace(/_/g, ''));
  if (!m) return null;
  const unit = m[2]!.toLowerCase();
  const mul = unit === '' ? 1 : BYTE_UNITS[unit];
  if (mul === undefined) return null;
  const n = Number(m[1]) * mul;
  return Number.isFinite(n) ? Math.round(n) : null;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: SEC, sec: SEC, m: MIN, min: MIN, h: HOUR };

/** `10s`, `2m`, `1.5h`, `250ms`, `10000` (milliseconds) → milliseconds; null if it does not parse. */
export function parseDurationMs(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim().replace(/_/g, ''));
  if (!m) return null;
  const unit = m[2]!.toLowerCase();
  const mul = unit === '' ? 1 : DURATION_UNITS[unit];
  if (mul === undefined) return null;
  const n = Number(m[1]) * mul;
  return Number.isFinite(n) ? Math.round(n) : null;
}

/** 33554432 → "32 MiB"; 1500 → "1500 B". */
export function formatBytes(n: number): string {
  const units = [['GiB', GiB], ['MiB', MiB], ['KiB', KiB]] as const;
  // Exact quarters read well (1.5 GiB, 32 MiB); other large values are rounded to two decimals.
  for (const [unit, size] of units) if (n >= size && n % (size / 4) === 0) return `${n / size} ${unit}`;
  for (const [unit, size] of units) if (n >= 10 * size) return `${Number((n / size).toFixed(2))} ${unit}`;
  return `${n} B`;
}

/** 120000 → "2m"; 10000 → "10s"; 1500 → "1.5s"; 250 → "250ms". */
export function formatDuration(ms: number): string {
  if (ms >= HOUR && ms % MIN === 0 && ms % HOUR === 0) return `${ms / HOUR}h`;
  if (ms >= MIN && ms % SEC === 0 && ms % MIN === 0) return `${ms / MIN}m`;
  if (ms >= SEC && ms % 100 === 0) return `${ms / SEC}s`;
  return `${ms}ms`;
}

/**
 * One browser origin as browsers send it in the Origin header (`https://app.example.com`, `http://localhost:3000`):
 * scheme, host and port only. Returns the normalised form (lower-case host, default port dropped).
 */
export function parseOrigin(raw: string): string {
  const key: GatewayKey = 'gateway.corsOrigins';
  const s = raw.trim();
  if (s === '*') throw new GatewaySettingError(key, "'*' is refused: it would let every web page you visit call the gateway. List the exact origins instead, e.g. http://localhost:3000.");
  if (s.includes('*')) throw new GatewaySettingError(key, `'${s}': wildcards are refused; list each exact origin (scheme://host[:port]).`);
  if (s.toLowerCase() === 'null') throw new GatewaySettingError(key, "'null' is refused: it is the origin of sandboxed frames and local files, which any page can produce.");
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    throw new GatewaySettingError(key, `'${s}' is not an origin: write scheme://host[:port], e.g. https://app.example.com or http://localhost:3000.`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new GatewaySettingError(key, `'${s}': only http:// and https:// origins can be allowed.`);
  if (!u.hostname) throw new GatewaySettingError(key, `'${s}' has no host: write scheme://host[:port].`);
  if (u.username || u.password) throw new GatewaySettingError(key, `'${s}': an origin has no user name or password.`);
  // `https://a.example/` (a bare trailing slash) is the same origin; a path, query or fragment is not part of one.
  const rest = s.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '');
  if (u.pathname !== '/' || u.search || u.hash || (rest !== '' && rest !== '/')) {
    throw new GatewaySettingError(key, `'${s}' is more than an origin: no path, query or fragment, only scheme://host[:port] (write ${u.origin}).`);
  }
  return u.origin;
}

/** A comma (or whitespace) separated list, or an array, of origins → normalised, de-duplicated list. */
export function parseOrigins(input: string | string[]): string[] {
  const items = (Array.isArray(input) ? input : input.split(/[,\s]+/)).map((x) => x.trim()).filter(Boolean);
  const out: string[] = [];
  for (const item of items) {
    const o = parseOrigin(item);
    if (!out.includes(o)) out.push(o);
  }
  if (out.length > MAX_CORS_ORIGINS) throw new GatewaySettingError('gateway.corsOrigins', `At most ${MAX_CORS_ORIGINS} origins can be allowed (got ${out.length}).`);
  return out;
}

/** Parses and range-checks one value as typed by a person (CLI argument or Settings field). */
export function parseGatewayValue(key: GatewayKey, input: string | number | string[]): number | string[] {
  const info = GATEWAY_KEY_INFO[key];
  if (info.kind === 'origins') {
    if (typeof input === 'number') throw new GatewaySettingError(key, `${key} takes a comma-separated list of origins.`);
    try {
      return parseOrigins(input);
    } catch (err) {
      // Every message names its key first, so a form can put it under the right field.
      if (err instanceof GatewaySettingError) throw new GatewaySettingError(key, `${key}: ${err.message}`);
      throw err;
    }
  }
  if (Array.isArray(input)) throw new GatewaySettingError(key, `${key} takes one value.`);
  const text = String(input);
  const bytes = info.kind === 'bytes';
  const n = typeof input === 'number' ? (Number.isFinite(input) ? Math.round(input) : null) : bytes ? parseBytes(text) : parseDurationMs(text);
  const fmt = bytes ? formatBytes : formatDuration;
  if (n === null) {
    throw new GatewaySettingError(
      key,
      bytes
        ? `${key}: '${text}' is not a size. Write bytes (1048576) or a size with a unit: 32MiB, 512KiB, 1GiB (KB/MB/GB are powers of 1000).`
        : `${key}: '${text}' is not a duration. Write milliseconds (10000) or a duration with a unit: 10s, 2m, 1h, 500ms.`,
    );
  }
  if ((info.min !== undefined && n < info.min) || (info.max !== undefined && n > info.max)) {
    throw new GatewaySettingError(key, `${key} must be between ${fmt(info.min!)} and ${fmt(info.max!)} (got ${fmt(n)}).`);
  }
  return n;
}

/** The effective values: stored ones over the defaults. */
export function effectiveGateway(stored: StoredGateway | null | undefined): GatewayValues {
  return {
    maxBodyBytes: stored?.maxBodyBytes ?? GATEWAY_DEFAULTS.maxBodyBytes,
    corsOrigins: stored?.corsOrigins ?? GATEWAY_DEFAULTS.corsOrigins,
    timeouts: { ...GATEWAY_DEFAULTS.timeouts, ...(stored?.timeouts ?? {}) },
  };
}

export function getGatewayValue(v: GatewayValues | StoredGateway, key: GatewayKey): number | string[] | undefined {
  const path = key.split('.').slice(1);
  let cur: unknown = v;
  for (const p of path) cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[p] : undefined;
  return cur as number | string[] | undefined;
}

/** The keys the user has set (the rest take their defaults). */
export function setGatewayKeys(stored: StoredGateway | null | undefined): GatewayKey[] {
  return GATEWAY_KEYS.filter((k) => stored && getGatewayValue(stored, k) !== undefined);
}

/** A copy of `stored` with `key` set to an already parsed value, or removed (value undefined). */
export function withGatewayValue(stored: StoredGateway | null | undefined, key: GatewayKey, value: number | string[] | undefined): StoredGateway {
  const next: StoredGateway = { ...(stored ?? {}), ...(stored?.timeouts ? { timeouts: { ...stored.timeouts } } : {}) };
  const path = key.split('.').slice(1);
  if (path[0] === 'timeouts') {
    const t: Partial<GatewayTimeoutsValues> = { ...(next.timeouts ?? {}) };
    const leaf = path[1] as keyof GatewayTimeoutsValues;
    if (value === undefined) delete t[leaf];
    else t[leaf] = value as number;
    if (Object.keys(t).length) next.timeouts = t;
    else delete next.timeouts;
  } else {
    const leaf = path[0] as 'maxBodyBytes' | 'corsOrigins';
    if (value === undefined) delete next[leaf];
    else (next as Record<string, unknown>)[leaf] = value;
  }
  return next;
}

/** A value for people: "32 MiB", "10s", "https://a.example, http://localhost:3000" or "(none)". */
export function formatGatewayValue(key: GatewayKey, value: number | string[]): string {
  const kind = GATEWAY_KEY_INFO[key].kind;
  if (kind === 'origins') return (value as string[]).length ? (value as string[]).join(', ') : '(none)';
  return kind === 'bytes' ? formatBytes(value as number) : formatDuration(value as number);
}
