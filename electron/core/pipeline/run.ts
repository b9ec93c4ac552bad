import type { RequestContext } from './context.ts';
import { policy, policyRoute } from './stages/policy.ts';
import { dlp } from './stages/dlp.ts';
import { route } from './stages/route.ts';
import { budget } from './stages/budget.ts';
import { cache } from './stages/cache.ts';
import { provider } from './stages/provider.ts';
import { settle } from './stages/settle.ts';
import { bodiesStage } from '../bodies/store.ts';
import { GatewayError } from '../util/errors.ts';
import { redactSecrets } from '../util/redact.ts';

type Stage = (ctx: RequestContext) => void | Promise<void>;

/** The ordered stages between identify (done by the server before the body is read) and the provider call. */
// policyRoute enforces the provider/model allow-lists on the candidates route produced.
// cache runs before budget: a hit costs nothing and sends nothing, so a spent budget must not refuse it.
// bodiesStage keeps the (masked) request and answer only when the user opted in (electron/core/bodies).
export const STAGES: Stage[] = [policy, dlp, route, policyRoute, cache, budget, bodiesStage];

/**
 * Runs one request through the pipeline. A stage that refuses throws a GatewayError, which is written in the
 * caller's protocol; settle runs whatever happened, so every call leaves one request row.
 */
export async function runPipeline(ctx: RequestContext): Promise<void> {
  try {
    for (const stage of STAGES) {
      const r = stage(ctx);
      if (r) await r;
      if (ctx.done) return;
    }
    await provider(ctx);
  } catch (err) {
    if (ctx.abort.signal.aborted && !(err instanceof GatewayError)) {
      ctx.status = 499;
      ctx.errorType = 'client_closed';
    } else {
      const ge = toGatewayError(err, ctx.keys);
      ctx.status = ge.status;
      ctx.errorType = ge.code ?? ge.kind;
      if (!ctx.res.headersSent) ctx.protocol.writeError(ctx.res, ge);
      else if (!ctx.res.writableEnded) ctx.res.end();
    }
  } finally {
    ctx.done = true;
    if (ctx.stoppedBy) {
      ctx.status = 503;
      ctx.errorType = ctx.stoppedBy;
    }
    settle(ctx);
  }
}

export function toGatewayError(err: unknown, keys: string[] = []): GatewayError {
  if (err instanceof GatewayError) return err;
  const msg = redactSecrets((err as Error)?.message ?? String(err), keys);
  console.error(`airlock: internal error: ${msg}`);
  return new GatewayError(500, 'api_error', `Airlock internal error: ${msg}`, { code: 'internal_error' });
}
