import type { RequestContext } from '../context.ts';
import { resolveModel } from '../../routing/resolve.ts';

/** Stage 4, route: requested model (alias, bare or provider/model) to an ordered candidate list. */
export function route(ctx: RequestContext): void {
  const { candidates, rule } = resolveModel(ctx.core.live, ctx.requestedModel!);
  ctx.candidates = candidates;
  ctx.routeRule = rule;
  ctx.target = candidates[0] ?? null;
}
