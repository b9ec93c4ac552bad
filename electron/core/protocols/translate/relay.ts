import { once } from 'node:events';
import type { RequestContext } from '../../pipeline/context.ts';
import type { UpstreamResponse } from '../../providers/openai-compatible.ts';
import { upstreamHttpError } from '../../providers/upstream-errors.ts';
import { geminiRetryDelay } from '../../providers/gemini.ts';
import { GatewayError } from '../../util/errors.ts';
import { SseReader } from '../sse.ts';
import { endCutStream, startSse, streamFailure } from '../stream-tail.ts';
import { airlockHeaders } from '../openai-relay.ts';
import { messageToEvents, type HubEvent, type HubMessage, type StreamDecoder } from './hub.ts';
import type { EncoderInit, StreamEncoder } from './encode.ts';

const CONTEXT_RE = /context[_ ]length|prompt is too long|maximum context|too many tokens|input token count.*exceeds/i;

/**
 * Reads an upstream error body and throws it as a gateway error the client's protocol can render. When the
 * client speaks the upstream's protocol family, the upstream's own error type is kept; otherwise only status,
 * message and retry hints carry over (each client gets its own error types). A Gemini RetryInfo delay becomes
 * a retry-after header, and a context-length refusal is tagged so OpenAI clients see context_length_exceeded.
 */
export async function throwUpstream(ctx: RequestContext, up: UpstreamResponse, sameFamily: boolean): Promise<never> {
  let text = '';
  try {
    text = (await up.body.text()).slice(0, 64 * 1024);
  } catch {
    /* body cut: the status still says enough */
  }
  const p = ctx.target!.provider;
  const ge = upstreamHttpError(p.id, up.status, up.headers, text, ctx.keys);
  const headers = { ...ge.headers };
  if (p.record.type === 'gemini' && !headers['retry-after']) {
    const s = geminiRetryDelay(text);
    if (s !== null) headers['retry-after'] = String(s);
  }
  let code = ge.code;
  if (!sameFamily && ge.status === 400 && CONTEXT_RE.test(ge.message)) code = 'context_length_exceeded';
  else if (!sameFamily && code && /^\d+$/.test(code)) code = null;
  throw new GatewayError(ge.status, ge.kind, ge.message, { code, param: ge.param, headers, upstreamType: sameFamily ? ge.upstreamType : null });
}

export interface Translation {
  decoder(): StreamDecoder;
  decodeJson(j: unknown): HubMessage;
  encoder(init: EncoderInit): StreamEncoder;
  encodeJson(m: HubMessage, init: EncoderInit): unknown;
}

function initOf(ctx: RequestContext): EncoderInit {
  return { request: ctx.body, filter: ctx.outputFilter, wantsUsage: ctx.wantsUsage, model: ctx.target?.model ?? ctx.requestedModel ?? '' };
}

function filterMessage(ctx: RequestContext, m: HubMessage): void {
  const f = ctx.outputFilter;
  if (!f) return;
  for (const p of m.parts) {
    if (p.type === 'text') p.text = f.full(p.text);
    else if (p.type === 'tool_call') p.arguments = f.full(p.arguments);
  }
}

const CONTENT = new Set(['text', 'reasoning', 'tool_start', 'tool_args', 'finish']);

/**
 * Relays an upstream answer of another protocol to the client, translated through the hub. Streams stay
 * streams (one client write per upstream chunk, with backpressure); nothing is sent to the client until the
 * upstream produced content, so an error the upstream reports as its first event is still retryable and
 * reaches the client as a proper HTTP error in its own shape.
 */
export async function relayTranslated(ctx: RequestContext, up: UpstreamResponse, t: Translation, sameFamily = false): Promise<void> {
  if (up.status >= 400) await throwUpstream(ctx, up, sameFamily);
  const ctype = String(up.headers['content-type'] ?? '');
  const init = initOf(ctx);
  if (!ctype.includes('text/event-stream')) {
    const text = await up.body.text();
    let j: unknown;
    try {
      j = JSON.parse(text);
    } catch {
      throw new GatewayError(502, 'upstream_error', `Provider '${ctx.target!.provider.id}' sent a body that is not JSON (HTTP ${up.status}).`, { code: 'upstream_bad_response' });
    }
    const m = t.decodeJson(j);
    ctx.usage = m.usage;
    if (ctx.stream) {
      // The upstream answered whole although a stream was asked for: replay it as a stream.
      const enc = t.encoder(init);
      let out = '';
      for (const e of messageToEvents(m)) out += enc.push(e);
      out += enc.end();
      startSse(ctx);
      ctx.res.end(out);
      return;
    }
    filterMessage(ctx, m);
    const body = Buffer.from(JSON.stringify(t.encodeJson(m, init)));
    ctx.status = 200;
    ctx.ttftMs = performance.now() - ctx.t0;
    ctx.res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length, ...airlockHeaders(ctx) });
    ctx.res.end(body);
    return;
  }

  const res = ctx.res;
  const dec = t.decoder();
  const enc = t.encoder(init);
  let queue: HubEvent[] = [];
  let started = false;
  let pending = '';
  let outChars = 0;
  let failed: GatewayError | null = null;
  const reader = new SseReader({ onEvent: (e) => queue.push(...dec.event(e.event, e.data)) });
  const drain = (): void => {
    const q = queue;
    queue = [];
    for (const e of q) {
      if (failed) return;
      if (e.t === 'usage') ctx.usage = e.usage;
      if (e.t === 'error') {
        if (!started) throw e.error;
        failed = e.error;
        pending += enc.error(e.error);
        return;
      }
      if (e.t === 'text' || e.t === 'reasoning') outChars += e.text.length;
      else if (e.t === 'tool_args') outChars += e.args.length;
      if (!started && CONTENT.has(e.t)) {
        started = true;
        startSse(ctx);
      }
      pending += enc.push(e);
    }
  };
  try {
    for await (const chunk of up.body) {
      reader.push(chunk as Buffer);
      drain();
      if (pending && started) {
        const ok = res.write(pending);
        pending = '';
        if (!ok) await once(res, 'drain', { signal: ctx.abort.signal });
      }
      if (failed) break;
    }
    if (!failed) {
      reader.end();
      queue.push(...dec.end());
      drain();
    }
    if (!started) {
      if (!failed && !ctx.usage) throw new GatewayError(502, 'upstream_error', `Provider '${ctx.target!.provider.id}' ended the stream without an answer.`, { code: 'upstream_empty_stream' });
      startSse(ctx);
    }
    if (!failed) pending += enc.end();
    res.end(pending);
    if (failed) {
      const f = failed as GatewayError;
      ctx.status = f.status;
      ctx.errorType = f.code ?? f.kind;
    }
  } catch (err) {
    // Nothing reached the client: the caller may retry another candidate, and no output was produced.
    if (!started && !ctx.abort.signal.aborted) throw streamFailure(ctx, err);
    endCutStream(ctx, err, { outChars, pending, errorEvent: (ge) => enc.error(ge) });
  }
}
