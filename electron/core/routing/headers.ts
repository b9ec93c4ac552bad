import type { RequestContext } from '../pipeline/context.ts';

/**
 * Sets x-airlock-provider, x-airlock-model, x-airlock-cache and x-airlock-attempts on the response as it stands,
 * so every answer carries them — relays (which pass the same headers to writeHead), cache replays, and errors
 * written by any protocol's writeError (writeHead merges headers set here).
 */
export function setRouteHeaders(ctx: RequestContext): void {
  const res = ctx.res;
  if (res.headersSent) return;
  const t = ctx.target;
  if (t) {
    res.setHeader('x-airlock-provider', t.provider.id);
    res.setHeader('x-airlock-model', t.model);
  }
  res.setHeader('x-airlock-cache', ctx.cacheHit ? 'hit' : 'miss');
  res.setHeader('x-airlock-attempts', String(ctx.attempts));
}
