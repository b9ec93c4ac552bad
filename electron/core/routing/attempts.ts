import type { RequestContext, RouteCandidate } from '../pipeline/context.ts';
import { GatewayError } from '../util/errors.ts';
import { routingOf } from './runtime.ts';
import { isRetryable, retryDelay, sleep } from './fallback.ts';
import { setRouteHeaders } from './headers.ts';

/** Was the request addressed to a route (alias or auto) rather than directly to `<provider>/<model>`? */
function isRouted(ctx: RequestContext): boolean {
  return ctx.routeRule !== null && (ctx.routeRule.startsWith('alias:') || ctx.routeRule.startsWith('auto:'));
}

const keyOf = (c: RouteCandidate): string => `${c.provider.id}/${c.model}`;

/**
 * Before calling a candidate: null when its circuit breaker lets the call through (claiming the half-open
 * probe slot if it is the probe), else the error to report should every candidate be unavailable.
 */
export function breakerGate(ctx: RequestContext, c: RouteCandidate): GatewayError | null {
  const b = routingOf(ctx.core).breakers;
  const k = keyOf(c);
  if (b.allow(k)) return null;
  const wait = Math.ceil(Math.max(1, b.retryInMs(k)) / 1000);
  return new GatewayError(503, 'overloaded_error', `'${k}' is failing and Airlock paused it (circuit open); it is tried again in ${wait}s.`, {
    code: 'circuit_open',
    headers: { 'retry-after': String(wait) },
  });
}

/** Marks the start of an attempt: target, attempt count and the x-airlock-* headers. */
export function beginAttempt(ctx: RequestContext, c: RouteCandidate): void {
  ctx.target = c;
  ctx.attempts++;
  setRouteHeaders(ctx);
}

/**
 * After an attempt: feeds the breaker. Provider failures (429, 5xx, network, timeouts) count against it; an
 * answer, even a 4xx about the request, shows the provider is up; local problems (no key) and client aborts
 * say nothing about its health.
 */
export function endAttempt(ctx: RequestContext, c: RouteCandidate, err: unknown): void {
  const b = routingOf(ctx.core).breakers;
  const k = keyOf(c);
  if (ctx.abort.signal.aborted) b.release(k);
  else if (err === null) {
    if (ctx.status >= 500) b.failure(k);
    else b.success(k);
  } else if (isRetryable(err)) b.failure(k);
  else if (err instanceof GatewayError && err.status < 500 && err.headers['x-should-retry'] !== 'false') b.success(k);
  else b.release(k);
}

/**
 * After a retryable failure before any byte reached the client: waits (backoff, or the provider's retry-after)
 * and returns true to retry the same candidate, or false to move on to the next one.
 */
export async function retrySame(ctx: RequestContext, c: RouteCandidate, err: unknown, retriesSoFar: number): Promise<boolean> {
  const rt = routingOf(ctx.core);
  if (!rt.settings.retry.direct && !isRouted(ctx)) return false;
  const wait = retryDelay(err, retriesSoFar, rt.settings.retry);
  if (wait === null) return false;
  // An attempt that just opened the breaker is not retried on the same candidate.
  if (!rt.breakers.healthy(keyOf(c))) return false;
  await sleep(wait, ctx.abort.signal);
  return rt.breakers.allow(keyOf(c));
}
