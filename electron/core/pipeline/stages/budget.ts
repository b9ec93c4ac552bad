import type { RequestContext } from '../context.ts';

/** Stage 5, budget: reserve worst-case cost; refuse past a hard limit. Filled in by the budgets issue. */
export function budget(_ctx: RequestContext): void {}

/** Turns the reservation into the actual cost (or releases it). Called from settle. */
export function settleBudget(_ctx: RequestContext): void {}
