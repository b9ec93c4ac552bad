// The rules that classify a request (blocked, TTFT bin, model key) for the rollup (JS, rollup.ts) and the request
// log's filters (SQL), side by side so they stay the same; analytics.test.ts checks that they agree.

/** Rollup bucket spans, UTC-aligned: 1 h (every whole-hour zone's midnight falls on one), 6 h and 24 h. */
export const HOUR_MS = 3_600_000;
export const SPANS = [HOUR_MS, 6 * HOUR_MS, 24 * HOUR_MS] as const;
/**
 * Half-hour buckets exist only for the FIRST half of each hour ([h:00, h:30)); the second half is the hour minus
 * that. So half-hour zones (India, Iran, Newfoundland, central Australia…) read buckets only, never raw rows.
 */
export const HALF_MS = HOUR_MS / 2;
/** Every span the rollup writes. */
export const ALL_SPANS = [HALF_MS, ...SPANS] as const;

/**
 * TTFT histogram: 36 bins. Bins 0..3 are 25 ms wide below 100 ms; above, bin 4+k covers
 * [100·2^(k/3), 100·2^((k+1)/3)) ms (each bin 26% wider than the previous); bin 35 is open-ended (>= ~102 s).
 */
export const TTFT_BINS = 36;

/** Lower edge of a TTFT bin in ms (upper edge = lower edge of the next; the last bin's upper is Infinity). */
export function ttftBinLow(bin: number): number {
  return bin < 4 ? bin * 25 : 100 * 2 ** ((bin - 4) / 3);
}
export function ttftBinHigh(bin: number): number {
  return bin >= TTFT_BINS - 1 ? Infinity : ttftBinLow(bin + 1);
}
/** The same rule as ttftBinSql, for code that bins in JS. */
export function ttftBin(ms: number): number {
  if (ms < 100) return Math.floor(Math.max(ms, 0) / 25);
  return Math.min(TTFT_BINS - 1, 4 + Math.floor(3 * Math.log2(ms / 100)));
}
export function ttftBinSql(col: string): string {
  return `CASE WHEN ${col} IS NULL THEN -1 WHEN ${col} < 100 THEN CAST(MAX(${col}, 0) / 25 AS INTEGER)
    ELSE MIN(${TTFT_BINS - 1}, 4 + CAST(floor(3 * log2(${col} / 100.0)) AS INTEGER)) END`;
}

export const HIST_COLS = Array.from({ length: TTFT_BINS }, (_, i) => `h${i}`);

/**
 * Why Airlock itself refused a request, or NULL: 'dlp', 'budget', 'rate_limit' or 'policy'. A refusal is a 403 or
 * 429 that Airlock produced: a DLP/policy/budget error type, or any 403/429 before an upstream attempt was made
 * (a provider's own 429 has attempts >= 1 and is an error, not a block).
 */
export function blockedKindSql(p: string): string {
  const e = `lower(COALESCE(${p}error_type, ''))`;
  return `(CASE WHEN ${p}status NOT IN (403, 429) THEN NULL
    WHEN ${e} GLOB 'dlp*' OR ${e} GLOB 'prompt_shield*' OR ${e} GLOB 'shield*'
      OR instr(lower(COALESCE(${p}dlp, '')), '"action":"block"') > 0 THEN 'dlp'
    WHEN ${e} GLOB 'budget*' THEN 'budget'
    WHEN ${e} GLOB 'rate_limit*' AND ${p}attempts = 0 THEN 'rate_limit'
    WHEN ${e} GLOB 'policy*' OR ${p}attempts = 0 THEN 'policy'
    ELSE NULL END)`;
}

/** The dashboard's model key: "provider/model" of where the request went; '' when it was never routed. */
export function modelKeySql(p: string): string {
  return `(CASE WHEN ${p}model IS NULL THEN '' ELSE COALESCE(${p}provider, '') || '/' || ${p}model END)`;
}

/** JS twin of blockedKindSql. */
export function blockedKind(status: number, errorType: string | null, attempts: number, dlp: string | null): BlockedKind | null {
  if (status !== 403 && status !== 429) return null;
  const e = (errorType ?? '').toLowerCase();
  if (e.startsWith('dlp') || e.startsWith('prompt_shield') || e.startsWith('shield') || (dlp !== null && dlp.toLowerCase().includes('"action":"block"'))) return 'dlp';
  if (e.startsWith('budget')) return 'budget';
  if (e.startsWith('rate_limit') && attempts === 0) return 'rate_limit';
  if (e.startsWith('policy') || attempts === 0) return 'policy';
  return null;
}
export type BlockedKind = 'dlp' | 'budget' | 'rate_limit' | 'policy';

/** JS twin of modelKeySql. */
export function modelKey(provider: string | null, model: string | null): string {
  return model === null ? '' : `${provider ?? ''}/${model}`;
}

/** Counters of analytics_hourly, in column order (then h0..h35). */
export const MEASURE_COLS = [
  'requests', 'errors', 'blocked', 'input_tokens', 'cached_tokens', 'output_tokens', 'cost_usd', 'cost_unknown',
  'requested_cost_usd', 'saved_routing_usd', 'saved_cache_usd', 'cache_hits', 'ok_requests', 'latency_sum', 'latency_n',
  'ttft_sum', 'ttft_n', 'findings',
] as const;
export type MeasureCol = (typeof MEASURE_COLS)[number];
export const ROLLUP_COLS: string[] = [...MEASURE_COLS, ...HIST_COLS];
export const M = Object.fromEntries(MEASURE_COLS.map((c, i) => [c, i])) as Record<MeasureCol, number>;
