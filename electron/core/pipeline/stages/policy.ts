import type { RequestContext } from '../context.ts';

/** Stage 2, policy: may this client use this model and provider? Filled in by team policy (issue 8). */
export function policy(_ctx: RequestContext): void {}
