import type { RequestContext } from '../context.ts';

/** Stage 6, cache: answer from the response cache and skip the call. Filled in by the routing/cache issue. */
export function cache(_ctx: RequestContext): void {}
