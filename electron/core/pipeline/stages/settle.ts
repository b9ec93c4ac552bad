import type { RequestContext } from '../context.ts';
import { costOf } from '../../routing/catalog.ts';
import { settleBudget } from './budget.ts';
import { finishBodies } from '../../bodies/store.ts';

/** Stage 8, settle: price what was used and write the request row (types and counts only). */
export function settle(ctx: RequestContext): void {
  const t = ctx.target;
  const u = ctx.usage;
  let cost: number | null = null;
  if (u && t) cost = t.provider.local && !t.info ? 0 : costOf(t.info, u);
  // Savings: the same usage priced at the requested/baseline model (auto, alias), or at the target for a cache hit.
  const base = ctx.baseline ?? t;
  let requestedCost = cost;
  if (u && base && (base !== t || ctx.cacheHit)) requestedCost = base.provider.local && !base.info ? 0 : costOf(base.info, u);
  if (ctx.cacheHit && u) cost = 0; // a cache hit costs nothing
  ctx.costUsd = cost;
  settleBudget(ctx);
  ctx.cacheCapture?.finish(ctx);
  finishBodies(ctx); // stored prompts/answers, only when opted in (electron/core/bodies)
  ctx.core.requestLog.record({
    ts: ctx.ts,
    client: ctx.client?.name ?? null,
    inbound: ctx.protocol.id,
    requestedModel: ctx.requestedModel,
    provider: t?.provider.id ?? null,
    model: t?.model ?? null,
    status: ctx.status,
    errorType: ctx.errorType,
    stream: ctx.stream,
    inputTokens: u ? u.input : null,
    cachedTokens: u ? u.cached : null,
    cacheWriteTokens: u ? u.cacheWrite : null,
    outputTokens: u ? u.output : null,
    usageEstimated: ctx.usageEstimated,
    costUsd: cost,
    requestedCostUsd: requestedCost,
    cacheHit: ctx.cacheHit,
    attempts: ctx.attempts,
    routeRule: ctx.routeRule,
    dlp: ctx.dlp ? JSON.stringify(ctx.dlp) : null,
    tags: ctx.tags,
    latencyMs: performance.now() - ctx.t0,
    ttftMs: ctx.ttftMs,
  });
  if (ctx.client) ctx.core.markClientUsed(ctx.client.id);
}
