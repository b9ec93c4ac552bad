import type { Usage } from '../../routing/catalog.ts';
import { GatewayError, type ErrorKind } from '../../util/errors.ts';
import { fromOpenAIUsage } from '../openai-usage.ts';
import { randomId, type HubEvent, type HubMessage, type HubPart, type StopReason, type StreamDecoder } from './hub.ts';

/** Upstream answers (JSON bodies and SSE streams) of each upstream protocol, decoded into the hub shapes. */

const n = (x: unknown): number => (typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : 0);

/** Anthropic reports input_tokens WITHOUT cached tokens; the hub's `input` is every prompt token. */
export function fromAnthropicUsage(u: any): Usage | null {
  if (!u || typeof u !== 'object') return null;
  const read = n(u.cache_read_input_tokens);
  const write = n(u.cache_creation_input_tokens);
  return { input: n(u.input_tokens) + read + write, cached: read, cacheWrite: write, output: n(u.output_tokens) };
}

/** Gemini: promptTokenCount includes cachedContentTokenCount; thinking tokens are billed as output. */
export function fromGeminiUsage(u: any): Usage | null {
  if (!u || typeof u !== 'object') return null;
  const input = n(u.promptTokenCount) + n(u.toolUsePromptTokenCount);
  return { input, cached: Math.min(n(u.cachedContentTokenCount), input), cacheWrite: 0, output: n(u.candidatesTokenCount) + n(u.thoughtsTokenCount) };
}

/** OpenAI usage, including Groq's streaming x_groq.usage. */
export function chatUsageOf(j: any): Usage | null {
  return fromOpenAIUsage(j?.usage ?? j?.x_groq?.usage);
}

const KIND_BY_STATUS = (s: number): ErrorKind =>
  s === 400 ? 'invalid_request_error' : s === 401 ? 'authentication_error' : s === 403 ? 'permission_error' : s === 404 ? 'not_found_error' : s === 429 ? 'rate_limit_error' : s === 529 || s === 503 ? 'overloaded_error' : 'api_error';

const ANTHROPIC_STATUS: Record<string, number> = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
};

/** An error object that arrived inside a stream (or an HTTP-200 body), as a gateway error. */
export function inBandError(providerId: string, e: any, statusHint?: number): GatewayError {
  const msg = typeof e?.message === 'string' ? e.message : typeof e === 'string' ? e : 'unknown error';
  let status = statusHint ?? (typeof e?.code === 'number' && e.code >= 400 && e.code <= 599 ? e.code : ANTHROPIC_STATUS[e?.type] ?? 502);
  if (typeof e?.code === 'number' && e.code >= 400 && e.code <= 599) status = e.code;
  return new GatewayError(status, KIND_BY_STATUS(status), `Provider '${providerId}' reported an error: ${msg}`, {
    code: typeof e?.code === 'string' ? e.code : e?.code != null ? String(e.code) : null,
  });
}

// ---------------------------------------------------------------- OpenAI Chat Completions

const CHAT_STOP: Record<string, StopReason> = { stop: 'stop', length: 'length', tool_calls: 'tool_calls', function_call: 'tool_calls', content_filter: 'content_filter' };

export function decodeChatJson(providerId: string, j: any): HubMessage {
  if (!Array.isArray(j?.choices)) {
    // OpenRouter answers some failures with HTTP 200 and an error body.
    if (j?.error) throw inBandError(providerId, j.error);
    throw new GatewayError(502, 'upstream_error', `Provider '${providerId}' answered without choices.`, { code: 'upstream_bad_response' });
  }
  const ch = j.choices.find((c: any) => (c.index ?? 0) === 0) ?? j.choices[0];
  const m = ch?.message ?? {};
  const parts: HubPart[] = [];
  const r = m.reasoning_content ?? m.reasoning;
  if (typeof r === 'string' && r) parts.push({ type: 'reasoning', text: r });
  const text = typeof m.content === 'string' ? m.content : Array.isArray(m.content) ? m.content.map((p: any) => p?.text ?? '').join('') : '';
  if (text) parts.push({ type: 'text', text });
  if (typeof m.refusal === 'string' && m.refusal) parts.push({ type: 'text', text: m.refusal });
  for (const tc of m.tool_calls ?? []) {
    parts.push({ type: 'tool_call', id: tc.id ?? randomId('call_'), name: tc.function?.name ?? '', arguments: tc.function?.arguments ?? '{}' });
  }
  return { id: String(j.id ?? randomId('chatcmpl-')), model: String(j.model ?? ''), parts, stop: CHAT_STOP[ch?.finish_reason] ?? 'stop', stopSequence: null, usage: chatUsageOf(j) };
}

export class ChatStreamDecoder implements StreamDecoder {
  private readonly providerId: string;
  private meta = false;
  private lastKey: string | null = null;
  private readonly started = new Set<string>();
  constructor(providerId: string) {
    this.providerId = providerId;
  }
  event(_name: string | undefined, data: string): HubEvent[] {
    if (data === '[DONE]') return [];
    let c: any;
    try {
      c = JSON.parse(data);
    } catch {
      return [];
    }
    const out: HubEvent[] = [];
    if (!this.meta && (c.id || c.model)) {
      this.meta = true;
      out.push({ t: 'meta', id: c.id, model: c.model });
    }
    if (c.error) {
      out.push({ t: 'error', error: inBandError(this.providerId, c.error) });
      return out;
    }
    const ch = Array.isArray(c.choices) ? c.choices.find((x: any) => (x.index ?? 0) === 0) : undefined;
    const d = ch?.delta;
    if (d) {
      const r = d.reasoning_content ?? d.reasoning;
      if (typeof r === 'string' && r) out.push({ t: 'reasoning', text: r });
      if (typeof d.content === 'string' && d.content) out.push({ t: 'text', text: d.content });
      if (typeof d.refusal === 'string' && d.refusal) out.push({ t: 'text', text: d.refusal });
      if (Array.isArray(d.tool_calls)) {
        for (const tc of d.tool_calls) {
          // Mistral sends each call whole, without index or type: key it by id.
          const key = typeof tc.index === 'number' ? `i${tc.index}` : tc.id ? `id:${tc.id}` : (this.lastKey ?? 'i0');
          this.lastKey = key;
          if (!this.started.has(key)) {
            this.started.add(key);
            out.push({ t: 'tool_start', key, id: tc.id ?? randomId('call_'), name: tc.function?.name ?? '' });
          }
          const a = tc.function?.arguments;
          if (typeof a === 'string' && a) out.push({ t: 'tool_args', key, args: a });
        }
      }
    }
    if (ch?.finish_reason) out.push({ t: 'finish', stop: CHAT_STOP[ch.finish_reason] ?? 'stop' });
    const u = chatUsageOf(c);
    if (u) out.push({ t: 'usage', usage: u });
    return out;
  }
  end(): HubEvent[] {
    return [];
  }
}

// ---------------------------------------------------------------- Anthropic Messages

const ANTHROPIC_STOP: Record<string, StopReason> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function decodeAnthropicJson(providerId: string, j: any): HubMessage {
  if (j?.type === 'error') throw inBandError(providerId, j.error);
  const parts: HubPart[] = [];
  for (const b of j?.content ?? []) {
    if (b?.type === 'text') parts.push({ type: 'text', text: b.text ?? '' });
    else if (b?.type === 'thinking') parts.push({ type: 'reasoning', text: b.thinking ?? '', signature: b.signature });
    else if (b?.type === 'tool_use') parts.push({ type: 'tool_call', id: b.id, name: b.name, arguments: JSON.stringify(b.input ?? {}) });
  }
  return {
    id: String(j?.id ?? randomId('msg_')),
    model: String(j?.model ?? ''),
    parts,
    stop: ANTHROPIC_STOP[j?.stop_reason] ?? 'stop',
    stopSequence: j?.stop_sequence ?? null,
    usage: fromAnthropicUsage(j?.usage),
  };
}

export class AnthropicStreamDecoder implements StreamDecoder {
  private readonly providerId: string;
  private usage: any = {};
  private readonly blocks = new Map<number, { type: string; args: boolean }>();
  constructor(providerId: string) {
    this.providerId = providerId;
  }
  event(name: string | undefined, data: string): HubEvent[] {
    let e: any;
    try {
      e = JSON.parse(data);
    } catch {
      return [];
    }
    const type = e?.type ?? name;
    const out: HubEvent[] = [];
    switch (type) {
      case 'message_start':
        out.push({ t: 'meta', id: e.message?.id, model: e.message?.model });
        this.usage = { ...e.message?.usage };
        {
          const u = fromAnthropicUsage(this.usage);
          if (u) out.push({ t: 'usage', usage: u });
        }
        break;
      case 'content_block_start': {
        const cb = e.content_block ?? {};
        this.blocks.set(e.index, { type: cb.type, args: false });
        if (cb.type === 'text' && cb.text) out.push({ t: 'text', text: cb.text });
        else if (cb.type === 'thinking' && cb.thinking) out.push({ t: 'reasoning', text: cb.thinking });
        else if (cb.type === 'tool_use') out.push({ t: 'tool_start', key: `b${e.index}`, id: cb.id, name: cb.name });
        break;
      }
      case 'content_block_delta': {
        const d = e.delta ?? {};
        const b = this.blocks.get(e.index);
        if (d.type === 'text_delta' && d.text) out.push({ t: 'text', text: d.text });
        else if (d.type === 'thinking_delta' && d.thinking) out.push({ t: 'reasoning', text: d.thinking });
        else if (d.type === 'signature_delta' && d.signature) out.push({ t: 'reasoning', text: '', signature: d.signature });
        else if (d.type === 'input_json_delta' && d.partial_json && b?.type === 'tool_use') {
          b.args = true;
          out.push({ t: 'tool_args', key: `b${e.index}`, args: d.partial_json });
        }
        break;
      }
      case 'content_block_stop': {
        const b = this.blocks.get(e.index);
        if (b?.type === 'tool_use' && !b.args) out.push({ t: 'tool_args', key: `b${e.index}`, args: '{}' });
        break;
      }
      case 'message_delta': {
        for (const [k, v] of Object.entries(e.usage ?? {})) if (v !== null && v !== undefined) this.usage[k] = v;
        const u = fromAnthropicUsage(this.usage);
        if (u) out.push({ t: 'usage', usage: u });
        if (e.delta?.stop_reason) out.push({ t: 'finish', stop: ANTHROPIC_STOP[e.delta.stop_reason] ?? 'stop', stopSequence: e.delta.stop_sequence ?? null });
        break;
      }
      case 'error':
        out.push({ t: 'error', error: inBandError(this.providerId, e.error) });
        break;
    }
    return out;
  }
  end(): HubEvent[] {
    return [];
  }
}

// ---------------------------------------------------------------- Gemini generateContent

const GEMINI_STOP: Record<string, StopReason> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
};

type SignatureSink = (toolCallId: string, signature: string) => void;

export function decodeGeminiJson(providerId: string, j: any, onSignature: SignatureSink): HubMessage {
  if (j?.error) throw inBandError(providerId, j.error);
  const d = new GeminiStreamDecoder(providerId, onSignature);
  const msg: HubMessage = { id: String(j?.responseId ?? randomId('gen-')), model: String(j?.modelVersion ?? ''), parts: [], stop: 'stop', stopSequence: null, usage: null };
  for (const e of d.event(undefined, JSON.stringify(j))) {
    if (e.t === 'text') {
      const last = msg.parts.at(-1);
      if (last?.type === 'text') last.text += e.text;
      else msg.parts.push({ type: 'text', text: e.text });
    } else if (e.t === 'reasoning') msg.parts.push({ type: 'reasoning', text: e.text });
    else if (e.t === 'tool_start') msg.parts.push({ type: 'tool_call', id: e.id, name: e.name, arguments: '' });
    else if (e.t === 'tool_args') (msg.parts.at(-1) as { arguments: string }).arguments += e.args;
    else if (e.t === 'finish') msg.stop = e.stop;
    else if (e.t === 'usage') msg.usage = e.usage;
  }
  return msg;
}

export class GeminiStreamDecoder implements StreamDecoder {
  private readonly providerId: string;
  private readonly onSignature: SignatureSink;
  private meta = false;
  private tools = 0;
  constructor(providerId: string, onSignature: SignatureSink) {
    this.providerId = providerId;
    this.onSignature = onSignature;
  }
  event(_name: string | undefined, data: string): HubEvent[] {
    let j: any;
    try {
      j = JSON.parse(data);
    } catch {
      return [];
    }
    const out: HubEvent[] = [];
    if (j?.error) return [{ t: 'error', error: inBandError(this.providerId, j.error) }];
    if (!this.meta) {
      this.meta = true;
      out.push({ t: 'meta', id: j.responseId, model: j.modelVersion });
    }
    // Usage first (it is cumulative on every chunk), so an encoder that starts now already knows the prompt size.
    const u = fromGeminiUsage(j.usageMetadata);
    if (u) out.push({ t: 'usage', usage: u });
    const cand = j.candidates?.[0];
    for (const p of cand?.content?.parts ?? []) {
      if (p?.functionCall) {
        const id = p.functionCall.id ?? randomId('call_');
        if (p.thoughtSignature) this.onSignature(id, p.thoughtSignature);
        const key = `g${this.tools++}`;
        out.push({ t: 'tool_start', key, id, name: p.functionCall.name ?? '' });
        out.push({ t: 'tool_args', key, args: JSON.stringify(p.functionCall.args ?? {}) });
      } else if (typeof p?.text === 'string' && p.text) out.push(p.thought ? { t: 'reasoning', text: p.text } : { t: 'text', text: p.text });
    }
    if (cand?.finishReason) {
      const stop = GEMINI_STOP[cand.finishReason] ?? 'stop';
      out.push({ t: 'finish', stop: stop === 'stop' && this.tools > 0 ? 'tool_calls' : stop });
    } else if (!cand && j.promptFeedback?.blockReason) out.push({ t: 'finish', stop: 'content_filter' });
    return out;
  }
  end(): HubEvent[] {
    return [];
  }
}
