import type { Usage } from '../../routing/catalog.ts';
import type { GatewayError } from '../../util/errors.ts';

/**
 * The translation hub. Requests are translated through the OpenAI Chat Completions shape (a plain object);
 * answers through the small neutral shapes below: a whole message for JSON, and a flat event list for streams.
 * Each upstream protocol has a decoder into these shapes and each client protocol an encoder out of them, so
 * n protocols need 2n pieces, not n².
 */
export type StopReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export type HubPart =
  | { type: 'text'; text: string }
  | { type: 'reasoning'; text: string; signature?: string }
  | { type: 'tool_call'; id: string; name: string; arguments: string };

export interface HubMessage {
  id: string;
  model: string;
  parts: HubPart[];
  stop: StopReason;
  stopSequence: string | null;
  usage: Usage | null;
}

export type HubEvent =
  | { t: 'meta'; id?: string; model?: string }
  | { t: 'text'; text: string }
  | { t: 'reasoning'; text: string; signature?: string }
  | { t: 'tool_start'; key: string; id: string; name: string }
  | { t: 'tool_args'; key: string; args: string }
  | { t: 'finish'; stop: StopReason; stopSequence?: string | null }
  | { t: 'usage'; usage: Usage }
  | { t: 'error'; error: GatewayError };

/** Incremental decoder of one upstream stream: SSE events in, hub events out. */
export interface StreamDecoder {
  event(name: string | undefined, data: string): HubEvent[];
  end(): HubEvent[];
}

/** A whole message as the events a stream of it would have carried (for an upstream that answered JSON). */
export function messageToEvents(m: HubMessage): HubEvent[] {
  const out: HubEvent[] = [{ t: 'meta', id: m.id, model: m.model }];
  m.parts.forEach((p, i) => {
    if (p.type === 'text') out.push({ t: 'text', text: p.text });
    else if (p.type === 'reasoning') out.push({ t: 'reasoning', text: p.text, signature: p.signature });
    else {
      out.push({ t: 'tool_start', key: `m${i}`, id: p.id, name: p.name });
      out.push({ t: 'tool_args', key: `m${i}`, args: p.arguments });
    }
  });
  out.push({ t: 'finish', stop: m.stop, stopSequence: m.stopSequence });
  if (m.usage) out.push({ t: 'usage', usage: m.usage });
  return out;
}

export function randomId(prefix: string): string {
  const a = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let s = prefix;
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  for (const b of bytes) s += a[b % a.length];
  return s;
}

/** Parses tool-call arguments; an empty or broken string becomes {} (upstreams that need an object get one). */
export function parseArgs(s: unknown): Record<string, unknown> {
  if (typeof s !== 'string' || s.trim() === '') return {};
  try {
    const v = JSON.parse(s);
    return v && typeof v === 'object' && !Array.isArray(v) ? v : { value: v };
  } catch {
    return {};
  }
}

/** Text of an OpenAI content value (string or parts). */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((p: any) => (typeof p === 'string' ? p : typeof p?.text === 'string' ? p.text : typeof p?.refusal === 'string' ? p.refusal : ''))
    .join('');
}

/** `data:<mime>;base64,<data>` split, or null. */
export function parseDataUrl(url: string): { mime: string; data: string } | null {
  const m = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s.exec(url);
  return m ? { mime: m[1]!, data: m[2]! } : null;
}
