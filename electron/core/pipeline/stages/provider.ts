import type { RequestContext } from '../context.ts';
import { GatewayError } from '../../util/errors.ts';
import { resolveProviderKey } from '../../secrets/provider-keys.ts';
import type { UpstreamResponse } from '../../providers/openai-compatible.ts';
import { countsByEstimate, planCall, writeTokenEstimate } from '../../protocols/translate/plan.ts';
import { beginAttempt, breakerGate, endAttempt, retrySame } from '../../routing/attempts.ts';

const RETRYABLE = (e: unknown): boolean => e instanceof GatewayError && (e.status === 429 || e.status >= 500);

/**
 * Stage 7, provider: calls the candidates in order with the key from the keychain or environment and relays
 * the answer. The adapter is chosen by the provider's type and the relay by the (inbound, upstream) protocol
 * pair: same protocol passes through, different protocols are translated (protocols/translate/plan.ts).
 * A candidate that fails before any byte reached the client (429, 5xx, network) hands over to the next.
 */
export async function provider(ctx: RequestContext): Promise<void> {
  let lastError: unknown = null;
  for (const c of ctx.candidates) {
    const paused = breakerGate(ctx, c);
    if (paused) {
      lastError ??= paused;
      continue;
    }
    for (let retry = 0; ; retry++) {
    beginAttempt(ctx, c);
    try {
      if (countsByEstimate(ctx, c)) {
        writeTokenEstimate(ctx);
        return;
      }
      const plan = planCall(ctx, c);
      const key = await resolveProviderKey(c.provider, ctx.core);
      if (key) ctx.keys.push(key);
      const up: UpstreamResponse = await plan.send(key);
      await plan.relay(up);
      endAttempt(ctx, c, null);
      return;
    } catch (err) {
      lastError = err;
      endAttempt(ctx, c, err);
      if (ctx.res.headersSent || ctx.abort.signal.aborted || !RETRYABLE(err)) throw err;
      if (!(await retrySame(ctx, c, err, retry))) break;
    }
    }
  }
  throw lastError;
}
