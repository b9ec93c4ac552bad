import type { RequestContext } from '../context.ts';
import { discoveryBeforeRoute, resolveRoute } from '../../routing/resolve.ts';
import { routingOf } from '../../routing/runtime.ts';
import { setRouteHeaders } from '../../routing/headers.ts';
import type { RouteSpec } from '../../routing/routes.ts';

const routeSpecs = new WeakMap<RequestContext, RouteSpec>();

/** The route (alias) the request was addressed to, if any: the cache stage reads its cache switch. */
export function routeSpecOf(ctx: RequestContext): RouteSpec | undefined {
  return routeSpecs.get(ctx);
}

/**
 * Stage 4, route: requested model (alias, auto, bare or provider/model) to an ordered candidate list
 * (capable, allowed, healthy first), with the deciding rule and the baseline for savings.
 */
export function route(ctx: RequestContext): void | Promise<void> {
  // Auto over the default pool needs the model lists of local servers and custom endpoints: asked once, then cached.
  const wait = discoveryBeforeRoute(routingOf(ctx.core), ctx.core, ctx.core.live, ctx.requestedModel!);
  if (wait) return wait.then(() => decide(ctx));
  decide(ctx);
}

function decide(ctx: RequestContext): void {
  const rt = routingOf(ctx.core);
  const r = resolveRoute(rt, ctx.core.live, ctx.requestedModel!, ctx.body, { client: ctx.client?.name ?? null });
  ctx.candidates = r.candidates;
  ctx.routeRule = r.rule;
  ctx.target = r.candidates[0] ?? null;
  ctx.baseline = r.baseline;
  if (r.route) routeSpecs.set(ctx, r.route);
  setRouteHeaders(ctx);
}
