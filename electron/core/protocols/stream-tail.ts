import type { RequestContext } from '../pipeline/context.ts';
import type { UpstreamResponse } from '../providers/openai-compatible.ts';
import { upstreamNetworkError } from '../providers/upstream-errors.ts';
import { GatewayError } from '../util/errors.ts';
import { estimateTokens } from './openai-usage.ts';
import { airlockHeaders } from './openai-relay.ts';
import { streamErrorEvent } from './stream-errors.ts';
import type { SseReader } from './sse.ts';
import { once } from 'node:events';

/** The headers of every relayed event stream. */
export const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' } as const;

/** Sends a relay's event-stream headers: the answer has started (status 200, time to first token). */
export function startSse(ctx: RequestContext): void {
  ctx.res.writeHead(200, { ...SSE_HEADERS, ...airlockHeaders(ctx) });
  ctx.status = 200;
  ctx.ttftMs ??= performance.now() - ctx.t0;
}

/** Answers a non-streamed call with the upstream's status, content type and (possibly filtered) body. */
export function sendUpstreamBody(ctx: RequestContext, up: UpstreamResponse, body: Buffer): void {
  ctx.status = up.status;
  ctx.ttftMs = performance.now() - ctx.t0;
  ctx.res.writeHead(up.status, { 'content-type': (up.headers['content-type'] as string | undefined) ?? 'application/json', 'content-length': body.length, ...airlockHeaders(ctx) });
  ctx.res.end(body);
}

/** What broke a relayed stream, as a gateway error: upstream errors as they are, anything else a network error. */
export function streamFailure(ctx: RequestContext, err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  const p = ctx.target!.provider;
  return upstreamNetworkError(p.id, p.origin, err, ctx.core.live.gateway.timeouts);
}

export interface CutStream {
  /** Characters of output relayed so far: the output estimate when the upstream never reported usage. */
  outChars: number;
  /** What the input estimate is measured on (JSON length); the whole request body unless said. */
  input?: unknown;
  /** Also estimate when the upstream reported usage but no output yet (its input figures are kept). */
  estimateZeroOutput?: boolean;
  /** Events not written yet: they go out before the error event. */
  pending: string;
  /** The in-band error event in the client's protocol; streamErrorEvent of the inbound protocol unless said. */
  errorEvent?: (ge: GatewayError) => string;
}

/**
 * The end of a relayed stream that broke after its headers went out (upstream cut, network error, output
 * blocked, client gone, gateway shutdown). Usage the upstream never reported is estimated (and marked so);
 * a client that went away is recorded as 499 client_closed; anything else is recorded with its own status and
 * told to the client in-band, as its protocol's error event.
 */
export function endCutStream(ctx: RequestContext, err: unknown, cut: CutStream): void {
  if (!ctx.usage || (cut.estimateZeroOutput && ctx.usage.output === 0)) {
    ctx.usageEstimated = true;
    ctx.usage = { ...(ctx.usage ?? { input: estimateTokens(JSON.stringify(cut.input === undefined ? ctx.body : cut.input).length), cached: 0, cacheWrite: 0 }), output: estimateTokens(cut.outChars) };
  }
  const res = ctx.res;
  if (ctx.abort.signal.aborted) {
    ctx.status = 499;
    ctx.errorType = 'client_closed';
    if (!res.writableEnded) res.end();
    return;
  }
  const ge = streamFailure(ctx, err);
  ctx.status = ge.status;
  ctx.errorType = ge.code ?? ge.kind;
  if (!res.writableEnded) res.end(cut.pending + (cut.errorEvent ? cut.errorEvent(ge) : streamErrorEvent(ctx.protocol.id, ge)));
}

/**
 * Feeds an upstream event stream through a relay's reader, writing what the relay has ready after each chunk
 * (honouring backpressure). `check` throws an error the relay found in the stream (e.g. an error event before
 * any output); `take` hands over the text ready to go out and clears it (empty while the answer has not started).
 */
export async function pumpStream(
  ctx: RequestContext,
  body: AsyncIterable<unknown>,
  reader: SseReader,
  io: { check(): void; take(): string },
): Promise<void> {
  for await (const chunk of body) {
    reader.push(chunk as Buffer);
    io.check();
    const out = io.take();
    if (out && !ctx.res.write(out)) await once(ctx.res, 'drain', { signal: ctx.abort.signal });
  }
  reader.end();
  io.check();
}
