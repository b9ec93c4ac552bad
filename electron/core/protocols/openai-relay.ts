import { once } from 'node:events';
import type { RequestContext } from '../pipeline/context.ts';
import type { UpstreamResponse } from '../providers/openai-compatible.ts';
import { upstreamHttpError } from '../providers/upstream-errors.ts';
import { GatewayError } from '../util/errors.ts';
import { SseReader } from './sse.ts';
import { chatUsageOf, inBandError } from './translate/decode.ts';
import { endCutStream, sendUpstreamBody, SSE_HEADERS } from './stream-tail.ts';
import type { OutputFilter } from '../pipeline/context.ts';

const USAGE_RE = /"usage"\s*:\s*\{/;

export function airlockHeaders(ctx: RequestContext): Record<string, string> {
  const t = ctx.target;
  const h: Record<string, string> = { 'x-airlock-request-id': ctx.id, 'x-airlock-attempts': String(ctx.attempts), 'x-airlock-cache': ctx.cacheHit ? 'hit' : 'miss' };
  if (t) {
    h['x-airlock-provider'] = t.provider.id;
    h['x-airlock-model'] = t.model;
  }
  return h;
}

/** Reads an upstream error body (bounded) and throws it as a gateway error. */
export async function throwUpstreamError(ctx: RequestContext, up: UpstreamResponse): Promise<never> {
  let text = '';
  try {
    text = (await up.body.text()).slice(0, 64 * 1024);
  } catch {
    /* body cut: the status still says enough */
  }
  throw upstreamHttpError(ctx.target!.provider.id, up.status, up.headers, text, ctx.keys);
}

/**
 * Applies an output filter to a whole chat.completion: message text and tool-call arguments.
 * Returns whether anything changed, so an untouched body can be passed on byte for byte.
 */
export function filterChatCompletion(j: any, f: OutputFilter): boolean {
  let changed = false;
  const apply = (t: string): string => {
    const out = f.full(t);
    if (out !== t) changed = true;
    return out;
  };
  for (const ch of j.choices) {
    const m = ch?.message;
    if (!m) continue;
    if (typeof m.content === 'string') m.content = apply(m.content);
    if (Array.isArray(m.tool_calls)) for (const tc of m.tool_calls) if (typeof tc?.function?.arguments === 'string') tc.function.arguments = apply(tc.function.arguments);
  }
  return changed;
}

/**
 * Applies an output filter to one chat.completion.chunk in place. Returns chunks to emit before it (none today;
 * kept so a filter can insert whole events).
 */
function filterChunk(chunk: any, f: OutputFilter, open: Set<string>): any[] {
  const before: any[] = [];
  if (!Array.isArray(chunk.choices)) return before;
  for (const ch of chunk.choices) {
    const i = ch.index ?? 0;
    const d = ch.delta;
    if (d) {
      if (typeof d.content === 'string' && d.content) {
        open.add(`c${i}`);
        d.content = f.delta(`c${i}`, d.content);
      }
      if (Array.isArray(d.tool_calls)) {
        d.tool_calls.forEach((tc: any, j: number) => {
          const a = tc?.function?.arguments;
          if (typeof a === 'string' && a) {
            const slot = `c${i}.t${tc.index ?? j}`;
            open.add(slot);
            tc.function.arguments = f.delta(slot, a);
          }
        });
      }
    }
    if (ch.finish_reason) {
      // Held-back text goes out in this same chunk, after its own delta and with the finish reason.
      for (const extra of flushChoice(chunk, i, f, open)) {
        const ed = extra.choices[0].delta;
        ch.delta ??= {};
        if (ed.content !== undefined) ch.delta.content = (ch.delta.content ?? '') + ed.content;
        else (ch.delta.tool_calls ??= []).push(ed.tool_calls[0]);
      }
    }
  }
  return before;
}

function flushChoice(chunk: any, i: number | null, f: OutputFilter, open: Set<string>): any[] {
  const out: any[] = [];
  for (const slot of [...open]) {
    const m = /^c(\d+)(?:\.t(\d+))?$/.exec(slot)!;
    if (i !== null && Number(m[1]) !== i) continue;
    open.delete(slot);
    const rest = f.flush(slot);
    if (!rest) continue;
    const delta = m[2] === undefined ? { content: rest } : { tool_calls: [{ index: Number(m[2]), function: { arguments: rest } }] };
    out.push({ ...chunk, choices: [{ index: Number(m[1]), delta, finish_reason: null }], usage: undefined });
  }
  return out;
}

/** Non-streaming OpenAI-to-OpenAI: the upstream body is passed through byte for byte; usage is read from it. */
export async function relayOpenAIJson(ctx: RequestContext, up: UpstreamResponse): Promise<void> {
  if (up.status >= 400) await throwUpstreamError(ctx, up);
  let buf = Buffer.from(await up.body.arrayBuffer());
  try {
    const j = JSON.parse(buf.toString('utf8'));
    // OpenRouter reports some failures with HTTP 200 and an error body (numeric code): make them real errors.
    if (up.status < 300 && j?.error && !Array.isArray(j?.choices) && !Array.isArray(j?.data)) throw inBandError(ctx.target!.provider.id, j.error);
    ctx.usage = chatUsageOf(j);
    if (ctx.outputFilter && Array.isArray(j?.choices)) {
      if (filterChatCompletion(j, ctx.outputFilter)) buf = Buffer.from(JSON.stringify(j));
    }
  } catch (err) {
    if (err instanceof GatewayError || (ctx.outputFilter && !(err instanceof SyntaxError))) throw err;
    /* not JSON: pass it on, tokens unknown */
  }
  sendUpstreamBody(ctx, up, buf);
}

/**
 * Streaming OpenAI-to-OpenAI: events are relayed as they arrive (one write per upstream chunk, honouring
 * backpressure). Usage is always requested upstream; its extra chunk is dropped when the client did not ask.
 */
export async function relayOpenAIStream(ctx: RequestContext, up: UpstreamResponse): Promise<void> {
  if (up.status >= 400) await throwUpstreamError(ctx, up);
  const ctype = String(up.headers['content-type'] ?? '');
  if (!ctype.includes('text/event-stream')) return relayOpenAIJson(ctx, up);
  const res = ctx.res;
  res.writeHead(200, { ...SSE_HEADERS, ...airlockHeaders(ctx) });
  ctx.status = 200;
  let pending = '';
  let outChars = 0;
  let upstreamError: string | null = null;
  const filter = ctx.outputFilter;
  const open = new Set<string>();
  let lastChunk: any = null;
  const reader = new SseReader({
    onComment: (c) => {
      pending += `:${c}\n\n`;
    },
    onEvent: (e) => {
      const data = e.data;
      let out = data;
      if (data === '[DONE]' && filter && lastChunk) {
        for (const c of flushChoice(lastChunk, null, filter, open)) pending += `data: ${JSON.stringify(c)}\n\n`;
      }
      if (data !== '[DONE]') {
        let chunk: any;
        try {
          chunk = JSON.parse(data);
        } catch {
          chunk = null;
        }
        if (chunk) {
          if (chunk.error) upstreamError = chunk.error.message ?? 'error';
          if (USAGE_RE.test(data)) {
            const u = chatUsageOf(chunk);
            if (u) ctx.usage = u;
            if (!ctx.wantsUsage && Array.isArray(chunk.choices) && chunk.choices.length === 0) return;
          }
          const d = chunk.choices?.[0]?.delta;
          if (d) {
            if (typeof d.content === 'string') outChars += d.content.length;
            if (typeof d.reasoning_content === 'string') outChars += d.reasoning_content.length;
            if (Array.isArray(d.tool_calls)) for (const tc of d.tool_calls) outChars += tc.function?.arguments?.length ?? 0;
          }
          if (filter) {
            lastChunk = chunk;
            for (const c of filterChunk(chunk, filter, open)) pending += `data: ${JSON.stringify(c)}\n\n`;
            out = JSON.stringify(chunk);
          }
        }
      }
      if (ctx.ttftMs === null) ctx.ttftMs = performance.now() - ctx.t0;
      pending += e.event ? `event: ${e.event}\ndata: ${out}\n\n` : `data: ${out}\n\n`;
    },
  });
  try {
    for await (const chunk of up.body) {
      reader.push(chunk as Buffer);
      if (pending) {
        const ok = res.write(pending);
        pending = '';
        if (!ok) await once(res, 'drain', { signal: ctx.abort.signal });
      }
    }
    reader.end();
    if (filter && lastChunk) for (const c of flushChoice(lastChunk, null, filter, open)) pending += `data: ${JSON.stringify(c)}\n\n`;
    if (pending) res.write(pending);
    res.end();
    if (upstreamError) {
      ctx.status = 502;
      ctx.errorType = 'upstream_stream_error';
    }
  } catch (err) {
    // The stream broke after headers went out: tell the client in-band, the way OpenAI does. Events of a chunk
    // cut half-way (an output filter that blocked) are not sent.
    endCutStream(ctx, err, { outChars, input: ctx.body.messages ?? '', pending: '' });
  }
}
