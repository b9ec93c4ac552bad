import type { OutputFilter, RequestContext } from '../pipeline/context.ts';
import type { UpstreamResponse } from '../providers/openai-compatible.ts';
import { GatewayError } from '../util/errors.ts';
import { SseReader } from './sse.ts';
import { fromOpenAIUsage } from './openai-usage.ts';
import { endCutStream, sendUpstreamBody, startSse, streamFailure, pumpStream } from './stream-tail.ts';
import { inBandError } from './translate/decode.ts';
import { throwUpstream } from './translate/relay.ts';

/** Rewrites the text and arguments of Responses output items with what the filter produced for each slot. */
function rewriteItem(item: any, done: Map<string, string>, f: OutputFilter): void {
  if (!item) return;
  if (item.type === 'message' && Array.isArray(item.content)) {
    item.content.forEach((c: any, i: number) => {
      if (c?.type === 'output_text' && typeof c.text === 'string') c.text = done.get(`${item.id}:${i}`) ?? f.full(c.text);
    });
  } else if (item.type === 'function_call' && typeof item.arguments === 'string') item.arguments = done.get(item.id) ?? f.full(item.arguments);
}

/**
 * Responses client to an OpenAI upstream that speaks Responses natively: pass-through (every field and event
 * kept), with the output filter applied to output_text and function-call argument deltas (one slot per content
 * part / call) and to the `.done` events and final response that repeat them. Usage comes from the final event.
 */
export async function relayResponsesJson(ctx: RequestContext, up: UpstreamResponse): Promise<void> {
  if (up.status >= 400) await throwUpstream(ctx, up, true);
  let buf = Buffer.from(await up.body.arrayBuffer());
  try {
    const j = JSON.parse(buf.toString('utf8'));
    ctx.usage = fromOpenAIUsage(j?.usage);
    const f = ctx.outputFilter;
    if (f && Array.isArray(j?.output)) {
      for (const item of j.output) rewriteItem(item, new Map(), f);
      buf = Buffer.from(JSON.stringify(j));
    }
  } catch (err) {
    if (ctx.outputFilter && !(err instanceof SyntaxError)) throw err;
  }
  sendUpstreamBody(ctx, up, buf);
}

export async function relayResponsesStream(ctx: RequestContext, up: UpstreamResponse): Promise<void> {
  if (up.status >= 400) await throwUpstream(ctx, up, true);
  if (!String(up.headers['content-type'] ?? '').includes('text/event-stream')) return relayResponsesJson(ctx, up);
  const res = ctx.res;
  const f = ctx.outputFilter;
  const sent = new Map<string, string>();
  const done = new Map<string, string>();
  let started = false;
  let pending = '';
  let outChars = 0;
  let early: GatewayError | null = null;
  const start = () => {
    started = true;
    startSse(ctx);
  };
  const emit = (event: string | undefined, j: any) => {
    const data = JSON.stringify(j);
    pending += event ? `event: ${event}\ndata: ${data}\n\n` : `data: ${data}\n\n`;
  };
  const reader = new SseReader({
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
        early = inBandError(ctx.target!.provider.id, j?.error ?? j);
        return;
      }
      if (!started) start();
      const r = j?.response;
      if (r?.usage && (type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed')) ctx.usage = fromOpenAIUsage(r.usage);
      if (type === 'error' || type === 'response.failed') {
        ctx.status = 502;
        ctx.errorType = 'upstream_stream_error';
      }
      if (typeof j?.delta === 'string') outChars += j.delta.length;
      if (!f || !j) {
        pending += e.event ? `event: ${e.event}\ndata: ${e.data}\n\n` : `data: ${e.data}\n\n`;
        return;
      }
      const slot = type?.startsWith('response.output_text') ? `${j.item_id}:${j.content_index ?? 0}` : type?.startsWith('response.function_call_arguments') ? String(j.item_id) : null;
      if (slot && type.endsWith('.delta')) {
        j.delta = f.delta(slot, j.delta ?? '');
        sent.set(slot, (sent.get(slot) ?? '') + j.delta);
      } else if (slot && type.endsWith('.done')) {
        const rest = f.flush(slot);
        if (rest) {
          sent.set(slot, (sent.get(slot) ?? '') + rest);
          const ev = type.replace(/\.done$/, '.delta');
          emit(ev, { type: ev, sequence_number: j.sequence_number, item_id: j.item_id, output_index: j.output_index, ...(j.content_index !== undefined ? { content_index: j.content_index } : {}), delta: rest });
        }
        const full = sent.get(slot) ?? '';
        done.set(slot, full);
        if ('text' in j) j.text = full;
        if ('arguments' in j) j.arguments = full;
      } else if (type === 'response.content_part.done' && j.part?.type === 'output_text') {
        j.part.text = done.get(`${j.item_id}:${j.content_index ?? 0}`) ?? f.full(j.part.text ?? '');
      } else if (type === 'response.output_item.done') rewriteItem(j.item, done, f);
      else if (Array.isArray(r?.output)) for (const item of r.output) rewriteItem(item, done, f);
      emit(e.event, j);
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
    res.end(pending);
  } catch (err) {
    if (!started) throw ctx.abort.signal.aborted ? err : streamFailure(ctx, err);
    endCutStream(ctx, err, { outChars, pending });
  }
}
