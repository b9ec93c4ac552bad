import type { RequestContext, RouteCandidate } from '../context.ts';
import { GatewayError } from '../../util/errors.ts';
import { resolveProviderKey } from '../../secrets/provider-keys.ts';
import { postJson, type UpstreamResponse } from '../../providers/openai-compatible.ts';
import { relayOpenAIJson, relayOpenAIStream } from '../../protocols/openai-relay.ts';
import { beginAttempt, breakerGate, endAttempt, retrySame } from '../../routing/attempts.ts';

/** The upstream path and body for a candidate, in the upstream's protocol. */
function upstreamRequest(ctx: RequestContext, c: RouteCandidate): { path: string; body: Record<string, unknown> } {
  if (ctx.protocol.id === 'openai.embeddings') return { path: '/embeddings', body: { ...ctx.body, model: c.model } };
  const body: Record<string, unknown> = { ...ctx.body, model: c.model };
  // Usage is always asked for so every stream can be priced; the extra chunk is removed for clients that did not ask.
  if (ctx.stream) body.stream_options = { ...((ctx.body.stream_options as object | undefined) ?? {}), include_usage: true };
  return { path: '/chat/completions', body };
}

const RETRYABLE = (e: unknown): boolean => e instanceof GatewayError && (e.status === 429 || e.status >= 500);

/**
 * Stage 7, provider: calls the candidates in order with the key from the keychain or environment and relays
 * the answer. A candidate that fails before any byte reached the client (429, 5xx, network) hands over to the next.
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
      const key = await resolveProviderKey(c.provider, ctx.core);
      if (key) ctx.keys.push(key);
      const { path, body } = upstreamRequest(ctx, c);
      const up: UpstreamResponse = await postJson(c.provider, key, path, body, {
        signal: ctx.abort.signal,
        timeouts: ctx.core.live.gateway.timeouts,
        stream: ctx.stream,
      });
      if (ctx.stream) await relayOpenAIStream(ctx, up);
      else await relayOpenAIJson(ctx, up);
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
