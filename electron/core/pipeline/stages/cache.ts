import type { RequestContext, RouteCandidate } from '../context.ts';
import { routingOf } from '../../routing/runtime.ts';
import { routeSpecOf } from './route.ts';
import { cacheKey } from '../../cache/key.ts';
import type { CacheEntry } from '../../cache/store.ts';
import { planSemantic, semanticIndexOf, semanticLookup, semanticStore, type SemanticPlan } from '../../cache/semantic.ts';
import { airlockHeaders } from '../../protocols/openai-relay.ts';
import { setRouteHeaders } from '../../routing/headers.ts';

/** What the client asked of the cache for this request (x-airlock-cache / Cache-Control). */
export type CacheDirective = 'default' | 'no-store' | 'refresh' | 'force';

export function cacheDirective(headers: RequestContext['req']['headers']): CacheDirective {
  const x = String(headers['x-airlock-cache'] ?? '').trim().toLowerCase();
  const cc = String(headers['cache-control'] ?? '').toLowerCase();
  if (x === 'no-store' || x === 'off' || x === 'bypass' || /\bno-store\b/.test(cc)) return 'no-store';
  if (x === 'refresh' || x === 'no-cache' || /\bno-cache\b/.test(cc)) return 'refresh';
  if (x === 'force' || x === 'on') return 'force';
  return 'default';
}

/** A request likely to repeat identically: embeddings, or sampling switched off (temperature 0). */
function deterministic(ctx: RequestContext): boolean {
  return ctx.protocol.id === 'openai.embeddings' || ctx.body.temperature === 0;
}

function keyFor(ctx: RequestContext, scope: string, c: RouteCandidate): Buffer {
  return cacheKey({ scope, protocol: ctx.protocol.id, provider: c.provider.id, providerUrl: c.provider.record.baseUrl, model: c.model, body: ctx.body });
}

/**
 * Stage 6, cache: an exact-match lookup keyed on the canonical request, the resolved provider/model and the
 * client's scope. A hit replays the stored response (the bytes the client got the first time, so a stream
 * replays as the same well-formed stream) and skips the provider; a miss tees the response for storing.
 * On a route with `semanticCache` set, an exact miss is followed by a similarity lookup (cache/semantic.ts):
 * the only asynchronous path, so requests without it stay synchronous here.
 */
export function cache(ctx: RequestContext): void | Promise<void> {
  const first = ctx.candidates[0];
  // Requests with masked values are never cached: the answer the client got holds the restored originals.
  // (An output scan alone is fine: what is stored is what the client received after the scan.)
  if (!first || ctx.dlp?.some((f) => f.action === 'mask')) return;
  const rt = routingOf(ctx.core);
  const s = rt.cacheSettings;
  if (!s.enabled) return;
  const d = cacheDirective(ctx.req.headers);
  if (d === 'no-store') return;
  const route = routeSpecOf(ctx);
  // Switching the semantic cache on for a route also caches its exact repeats (the semantic index points at them).
  const eligible = d === 'force' || s.mode === 'all' || route?.cache === true || Boolean(route?.semanticCache) || (s.mode === 'deterministic' && deterministic(ctx));
  if (!eligible) return;
  const scope = s.shareAcrossClients ? 'shared' : `client:${ctx.client?.id ?? 0}`;
  const key = keyFor(ctx, scope, first);
  if (d !== 'refresh') {
    const e = rt.cacheStore.get(key);
    if (e && e.inbound === ctx.protocol.id) {
      replay(ctx, first, e, { 'x-airlock-cache-kind': 'exact' });
      return;
    }
  }
  // The policy's TTL caps a route's own.
  const ttlMs = Math.min(route?.cacheTtlSeconds ?? s.ttlSeconds, rt.policy?.cache?.ttlSeconds ?? Infinity) * 1000;
  if (ttlMs <= 0) return;
  const plan = planSemantic(ctx, route?.semanticCache, scope);
  if (!plan) {
    capture(ctx, scope, key, ttlMs, s.maxEntryBytes, null);
    setRouteHeaders(ctx);
    return;
  }
  return semantic(ctx, plan, d, first, scope, key, ttlMs, s.maxEntryBytes);
}

async function semantic(ctx: RequestContext, plan: SemanticPlan, d: CacheDirective, first: RouteCandidate, scope: string, key: Buffer, ttlMs: number, maxEntryBytes: number): Promise<void> {
  const rt = routingOf(ctx.core);
  // On refresh the text is still embedded: the fresh answer goes into the semantic index too.
  const hit = await semanticLookup(ctx, plan, first);
  if (ctx.abort.signal.aborted) return;
  if (hit && hit.similarity < plan.threshold) {
    // A miss: say how close the nearest earlier question was, to help choose the route's threshold.
    if (!ctx.res.headersSent) ctx.res.setHeader('x-airlock-cache-nearest', hit.similarity.toFixed(4));
  } else if (hit && d !== 'refresh') {
    const e = rt.cacheStore.get(hit.entryKey);
    if (e && e.inbound === ctx.protocol.id && e.stream === ctx.stream) {
      semanticIndexOf(ctx.core).noteHit(hit.id);
      replay(ctx, first, e, { 'x-airlock-cache-kind': 'semantic', 'x-airlock-cache-similarity': hit.similarity.toFixed(4) });
      return;
    }
  }
  capture(ctx, scope, key, ttlMs, maxEntryBytes, plan);
  setRouteHeaders(ctx);
}

/** Answers from a cache entry: the stored bytes, free, with the cached answer's usage. */
function replay(ctx: RequestContext, first: RouteCandidate, e: CacheEntry, extra: Record<string, string>): void {
  ctx.cacheHit = true;
  ctx.target = first;
  ctx.usage = e.usage;
  ctx.status = 200;
  const res = ctx.res;
  res.writeHead(200, {
    'content-type': e.contentType,
    'content-length': e.body.length,
    ...(e.stream ? { 'cache-control': 'no-cache' } : {}),
    ...airlockHeaders(ctx),
    ...extra,
    'x-airlock-cache-age': String(Math.max(0, Math.floor((Date.now() - e.createdAt) / 1000))),
  });
  res.end(e.body);
  ctx.ttftMs = performance.now() - ctx.t0;
  ctx.done = true;
}

/** Tees what is written to this request's response (only this one), to store it if the call succeeds. */
function capture(ctx: RequestContext, scope: string, firstKey: Buffer, ttlMs: number, maxBytes: number, plan: SemanticPlan | null): void {
  const res = ctx.res;
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  const grab = (chunk: unknown, enc: unknown): void => {
    if (over || chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const b = typeof chunk === 'string' ? Buffer.from(chunk, typeof enc === 'string' ? (enc as BufferEncoding) : 'utf8') : Buffer.from(chunk as Uint8Array);
    size += b.length;
    if (size > maxBytes) {
      over = true;
      chunks.length = 0;
      return;
    }
    chunks.push(b);
  };
  const write = res.write;
  const end = res.end;
  res.write = function (this: typeof res, ...args: unknown[]) {
    grab(args[0], args[1]);
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as typeof res.write;
  res.end = function (this: typeof res, ...args: unknown[]) {
    grab(args[0], args[1]);
    return (end as (...a: unknown[]) => typeof res).apply(this, args);
  } as typeof res.end;
  ctx.cacheCapture = {
    finish(c: RequestContext) {
      res.write = write;
      res.end = end;
      const t = c.target;
      if (over || !t || c.cacheHit || c.status !== 200 || c.errorType || res.statusCode !== 200 || c.usageEstimated || c.abort.signal.aborted) return;
      if (chunks.length === 0) return;
      const key = t === c.candidates[0] ? firstKey : keyFor(c, scope, t);
      const now = Date.now();
      try {
        const rt = routingOf(c.core);
        rt.cacheStore.put({
          key,
          scope,
          provider: t.provider.id,
          model: t.model,
          inbound: c.protocol.id,
          stream: c.stream,
          contentType: String(res.getHeader('content-type') ?? (c.stream ? 'text/event-stream; charset=utf-8' : 'application/json')),
          body: Buffer.concat(chunks),
          usage: c.usage,
          createdAt: now,
          expiresAt: now + ttlMs,
        });
        if (plan) semanticStore(c.core, plan, t, key, now, now + ttlMs);
      } catch (err) {
        console.error(`airlock: could not store a cache entry: ${(err as Error).message}`);
      }
    },
  };
}
