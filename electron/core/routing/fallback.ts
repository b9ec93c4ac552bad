import { GatewayError } from '../util/errors.ts';
import type { RetrySettings } from './routes.ts';

/**
 * Is this failure worth another try (same candidate after a backoff, or the next one)? Rate limits (429),
 * server errors (5xx, including the gateway's own 502/504 for connection errors and timeouts) and 408 are;
 * errors caused by the request itself (400, 401, 403, 404, 413, 422) are not.
 */
export function isRetryable(err: unknown): boolean {
  return (
    err instanceof GatewayError &&
    (err.status === 429 || err.status === 408 || err.status >= 500) &&
    err.code !== 'circuit_open' &&
    err.headers['x-should-retry'] !== 'false'
  );
}

/** retry-after-ms (milliseconds) or retry-after (seconds or an HTTP date), as milliseconds; null when absent. */
export function retryAfterMs(headers: Record<string, string>, now = Date.now()): number | null {
  const ms = headers['retry-after-ms'];
  if (ms !== undefined && ms !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headers['retry-after'];
  if (ra === undefined || ra === '') return null;
  if (/^\d+(\.\d+)?$/.test(ra.trim())) return Math.max(0, Number(ra) * 1000);
  const at = Date.parse(ra);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

/**
 * How long to wait before retrying the same candidate, or null to move on to the next one: when the retries
 * for this candidate are used up, when the quota is exhausted (waiting will not help), or when the provider
 * asks for a wait longer than maxDelayMs. A provider's retry-after is honoured; otherwise exponential backoff
 * with jitter.
 */
export function retryDelay(err: unknown, retriesSoFar: number, s: RetrySettings, random: () => number = Math.random): number | null {
  if (!(err instanceof GatewayError) || retriesSoFar >= s.maxRetries) return null;
  if (err.code === 'insufficient_quota' || err.headers['x-should-retry'] === 'false') return null;
  const hinted = retryAfterMs(err.headers);
  if (hinted !== null) return hinted > s.maxDelayMs ? null : hinted;
  const backoff = s.baseDelayMs * 2 ** retriesSoFar;
  return Math.min(s.maxDelayMs, Math.round(backoff * (0.5 + random() / 2)));
}

/** Sleeps, but wakes (and throws) as soon as the client goes away. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
