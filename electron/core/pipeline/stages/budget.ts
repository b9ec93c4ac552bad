import type { RequestContext } from '../context.ts';

/**
 * Stage 5, budget: checks the rate limits and budgets that apply to the first candidate and reserves the request's
 * worst-case cost; refuses with 429 (retry-after: when it resets) past a hard limit. See core/budget/service.ts.
 */
export function budget(ctx: RequestContext): void {
  ctx.budget = ctx.core.budgets.reserve(ctx);
}

/** Turns the reservation into the actual cost (or releases it) and records spend. Called from settle, for every request. */
export function settleBudget(ctx: RequestContext): void {
  const res = ctx.budget ?? null;
  ctx.budget = null;
  ctx.core.budgets.settle(ctx, res);
}
