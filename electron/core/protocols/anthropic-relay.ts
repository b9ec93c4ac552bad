import type { OutputFilter, RequestContext } from '../pipeline/context.ts';
import type { UpstreamResponse } from '../providers/openai-compatible.ts';
import { GatewayError } from '../util/errors.ts';
import { SseReader } from './sse.ts';
import { endCutStream, sendUpstreamBody, startSse, streamFailure, pumpStream } from './stream-tail.ts';
import { fromAnthropicUsage, inBandError } from './translate/decode.ts';
import { throwUpstream } from './translate/relay.ts';

/** Applies a filter to every string inside a tool_use input object (values, not keys). */
export function filterStrings(v: unknown, f: OutputFilter): unknown {
  if (typeof v === 'string') return f.full(v);
  if (Array.isArray(v)) return v.map((x) => filterStrings(x, f));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, filterStrings(x, f)]));
  return v;
}

/**
 * Anthropic client to Anthropic upstream: the body is passed through (fields the gateway does not know, thinking
 * blocks, cache_control, server tools all survive). Only assistant text and tool input go through the output
 * filter when one is set, and usage is read from message_start / message_delta.
 */
export async function relayAnthropicJson(ctx: RequestContext, up: UpstreamResponse): Promise<void> {
  if (up.status >= 400) await throwUpstream(ctx, up, true);
  let buf = Buffer.from(await up.body.arrayBuffer());
  try {
    const j = JSON.parse(buf.toString('utf8'));
    if (j?.type === 'error') throw inBandError(ctx.target!.provider.id, j.error);
    ctx.usage = fromAnthropicUsage(j?.usage);
    const f = ctx.outputFilter;
    if (f && Array.isArray(j?.content)) {
      for (const b of j.content) {
        if (b?.type === 'text' && typeof b.text === 'string') b.text = f.full(b.text);
        else if (b?.type === 'tool_use') b.input = filterStrings(b.input, f);
      }
      buf = Buffer.from(JSON.stringify(j));
    }
  } catch (err) {
    if (err instanceof GatewayError || (ctx.outputFilter && !(err instanceof SyntaxError))) throw err;
  }
  sendUpstreamBody(ctx, up, buf);
}

export async function relayAnthropicStream(ctx: RequestContext, up: UpstreamResponse): Promise<void> {
  if (up.status >= 400) await throwUpstream(ctx, up, true);
  if (!String(up.headers['content-type'] ?? '').includes('text/event-stream')) return relayAnthropicJson(ctx, up);
  const res = ctx.res;
  const f = ctx.outputFilter;
  const kinds = new Map<number, string>();
  let usage: Record<string, unknown> = {};
  let started = false;
  let pending = '';
  let outChars = 0;
  let early: GatewayError | null = null;
  const start = () => {
    started = true;
    startSse(ctx);
  };
  const emit = (event: string | undefined, data: string) => {
    pending += event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
  };
  const reader = new SseReader({
    onComment: (c) => {
      pending += `:${c}\n\n`;
    },
    onEvent: (e) => {
      if (early) return;
      let j: any = null;
      try {
        j = JSON.parse(e.data);
      } catch {
        /* forwarded as is */
      }
      const type = j?.type ?? e.event;
      if (type === 'error' && !started) {
        // The upstream failed before answering (e.g. overloaded): a real HTTP error, retryable.
        early = inBandError(ctx.target!.provider.id, j?.error);
        return;
      }
      if (!started) start();
      if (type === 'error') {
        ctx.status = (inBandError(ctx.target!.provider.id, j?.error)).status;
        ctx.errorType = 'upstream_stream_error';
      }
      if (type === 'message_start') usage = { ...j.message?.usage };
      else if (type === 'message_delta') {
        for (const [k, v] of Object.entries(j.usage ?? {})) if (v !== null && v !== undefined) usage[k] = v;
      } else if (type === 'content_block_start') kinds.set(j.index, j.content_block?.type);
      else if (type === 'content_block_delta') {
        const d = j.delta ?? {};
        const text = d.type === 'text_delta' ? 'text' : d.type === 'input_json_delta' ? 'partial_json' : d.type === 'thinking_delta' ? 'thinking' : null;
        if (text && typeof d[text] === 'string') outChars += d[text].length;
        if (f && (d.type === 'text_delta' || (d.type === 'input_json_delta' && kinds.get(j.index) === 'tool_use'))) {
          d[text!] = f.delta(`b${j.index}`, d[text!] ?? '');
          emit(e.event, JSON.stringify(j));
          return;
        }
      } else if (type === 'content_block_stop' && f) {
        const kind = kinds.get(j.index);
        if (kind === 'text' || kind === 'tool_use') {
          const rest = f.flush(`b${j.index}`);
          if (rest) {
            const delta = kind === 'text' ? { type: 'text_delta', text: rest } : { type: 'input_json_delta', partial_json: rest };
            emit('content_block_delta', JSON.stringify({ type: 'content_block_delta', index: j.index, delta }));
          }
        }
      }
      emit(e.event, e.data);
    },
  });
  try {
    await pumpStream(ctx, up.body, reader, {
      check: () => {
        if (early) throw early;
      },
      take: () => {
        if (!started) return '';
        const out = pending;
        pending = '';
        return out;
      },
    });
    if (!started) start();
    ctx.usage = fromAnthropicUsage(usage);
    res.end(pending);
  } catch (err) {
    ctx.usage = fromAnthropicUsage(usage);
    if (!started) throw ctx.abort.signal.aborted ? err : streamFailure(ctx, err);
    endCutStream(ctx, err, { outChars, pending, estimateZeroOutput: true });
  }
}
