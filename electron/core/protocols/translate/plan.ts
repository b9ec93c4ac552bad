import type { RequestContext, RouteCandidate } from '../../pipeline/context.ts';
import type { UpstreamResponse } from '../../providers/openai-compatible.ts';
import { postJson } from '../../providers/openai-compatible.ts';
import { postAnthropic } from '../../providers/anthropic.ts';
import { postGemini, rememberSignature, signatureOf } from '../../providers/gemini.ts';
import { GatewayError } from '../../util/errors.ts';
import { writeJson } from '../openai-errors.ts';
import { relayOpenAIJson, relayOpenAIStream, airlockHeaders } from '../openai-relay.ts';
import { relayAnthropicJson, relayAnthropicStream } from '../anthropic-relay.ts';
import { relayResponsesJson, relayResponsesStream } from '../responses-relay.ts';
import { anthropicToChat, chatToAnthropic, chatToGemini, responsesToChat } from './requests.ts';
import { AnthropicStreamDecoder, ChatStreamDecoder, GeminiStreamDecoder, decodeAnthropicJson, decodeChatJson, decodeGeminiJson } from './decode.ts';
import { AnthropicStreamEncoder, ChatStreamEncoder, ResponsesStreamEncoder, anthropicJson, chatJson, responsesJson, type EncoderInit, type StreamEncoder } from './encode.ts';
import { relayTranslated, throwUpstream, type Translation } from './relay.ts';
import type { HubMessage, StreamDecoder } from './hub.ts';

/** What an upstream speaks, for this request. */
export type UpstreamProtocol = 'chat' | 'responses' | 'anthropic' | 'gemini';

export function upstreamProtocol(ctx: RequestContext, c: RouteCandidate): UpstreamProtocol {
  const t = c.provider.record.type;
  if (t === 'anthropic') return 'anthropic';
  if (t === 'gemini') return 'gemini';
  // Only OpenAI itself (or an endpoint marked with options.responses) serves /responses; others get Chat.
  if (ctx.protocol.id === 'openai.responses' && (t === 'openai' || c.provider.record.options.responses === true)) return 'responses';
  return 'chat';
}

/** One upstream call: how to send it and how to relay its answer to the client. */
export interface CallPlan {
  upstream: UpstreamProtocol;
  send(key: string | null): Promise<UpstreamResponse>;
  relay(up: UpstreamResponse): Promise<void>;
}

type Obj = Record<string, any>;

/** The client's body in the hub (Chat Completions) shape. */
function hubBody(ctx: RequestContext): Obj {
  switch (ctx.protocol.id) {
    case 'anthropic.messages':
    case 'anthropic.count_tokens':
      return anthropicToChat(ctx.body);
    case 'openai.responses':
      return responsesToChat(ctx.body);
    default:
      return ctx.body;
  }
}

function clientEncoding(ctx: RequestContext): { encoder(init: EncoderInit): StreamEncoder; encodeJson(m: HubMessage, init: EncoderInit): unknown } {
  switch (ctx.protocol.id) {
    case 'anthropic.messages':
      return { encoder: (i) => new AnthropicStreamEncoder(i), encodeJson: anthropicJson };
    case 'openai.responses':
      return { encoder: (i) => new ResponsesStreamEncoder(i), encodeJson: responsesJson };
    default:
      return { encoder: (i) => new ChatStreamEncoder(i), encodeJson: chatJson };
  }
}

function translation(ctx: RequestContext, decoder: () => StreamDecoder, decodeJson: (j: unknown) => HubMessage): Translation {
  return { decoder, decodeJson, ...clientEncoding(ctx) };
}

/** Picks the adapter (by provider type) and the relay (by inbound and upstream protocol) for one candidate. */
export function planCall(ctx: RequestContext, c: RouteCandidate): CallPlan {
  const upstream = upstreamProtocol(ctx, c);
  const p = c.provider;
  const inbound = ctx.protocol.id;
  const opts = () => ({ signal: ctx.abort.signal, timeouts: ctx.core.live.gateway.timeouts, stream: ctx.stream });

  if (inbound === 'openai.embeddings') {
    if (upstream !== 'chat') {
      throw new GatewayError(400, 'invalid_request_error', `Embeddings are not available through provider '${p.id}' (${p.record.type}); use an OpenAI-compatible provider.`, { code: 'unsupported_feature', param: 'model' });
    }
    return {
      upstream,
      send: (key) => postJson(p, key, '/embeddings', { ...ctx.body, model: c.model }, opts()),
      relay: (up) => relayOpenAIJson(ctx, up),
    };
  }

  // Same protocol in and out: pass-through, with fields the gateway does not know preserved.
  if (inbound === 'openai.chat' && upstream === 'chat') {
    return {
      upstream,
      send: (key) => postJson(p, key, '/chat/completions', chatUpstreamBody(ctx, c, ctx.body, false), opts()),
      relay: (up) => (ctx.stream ? relayOpenAIStream(ctx, up) : relayOpenAIJson(ctx, up)),
    };
  }
  if (inbound === 'anthropic.messages' && upstream === 'anthropic') {
    return {
      upstream,
      send: (key) => postAnthropic(p, key, '/messages', { ...ctx.body, model: c.model }, { ...opts(), clientHeaders: ctx.req.headers }),
      relay: (up) => (ctx.stream ? relayAnthropicStream(ctx, up) : relayAnthropicJson(ctx, up)),
    };
  }
  if (inbound === 'openai.responses' && upstream === 'responses') {
    return {
      upstream,
      send: (key) => postJson(p, key, '/responses', { ...ctx.body, model: c.model }, opts()),
      relay: (up) => (ctx.stream ? relayResponsesStream(ctx, up) : relayResponsesJson(ctx, up)),
    };
  }
  if (inbound === 'anthropic.count_tokens') {
    if (upstream === 'anthropic') {
      return {
        upstream,
        send: (key) => postAnthropic(p, key, '/messages/count_tokens', { ...ctx.body, model: c.model }, { ...opts(), stream: false, clientHeaders: ctx.req.headers }),
        relay: (up) => relayCountTokens(ctx, up),
      };
    }
    throw new GatewayError(500, 'api_error', 'count_tokens is answered by estimate for this provider', { code: 'internal_error' });
  }

  // Different protocols: translate through the hub.
  const hub = hubBody(ctx);
  if (upstream === 'chat') {
    return {
      upstream,
      send: (key) => postJson(p, key, '/chat/completions', chatUpstreamBody(ctx, c, hub, true), opts()),
      relay: (up) => relayTranslated(ctx, up, translation(ctx, () => new ChatStreamDecoder(p.id), (j) => decodeChatJson(p.id, j)), inbound === 'openai.responses'),
    };
  }
  if (upstream === 'anthropic') {
    const body = chatToAnthropic({ ...hub, stream: ctx.stream }, c.model, c.info?.maxOutput);
    return {
      upstream,
      send: (key) => postAnthropic(p, key, '/messages', body, opts()),
      relay: (up) => relayTranslated(ctx, up, translation(ctx, () => new AnthropicStreamDecoder(p.id), (j) => decodeAnthropicJson(p.id, j))),
    };
  }
  const body = chatToGemini(hub, signatureOf);
  return {
    upstream,
    send: (key) => postGemini(p, key, c.model, body, opts()),
    relay: (up) => relayTranslated(ctx, up, translation(ctx, () => new GeminiStreamDecoder(p.id, rememberSignature), (j) => decodeGeminiJson(p.id, j, rememberSignature))),
  };
}

/** A Chat Completions body for an OpenAI-compatible upstream: the routed model and a usage request on streams. */
function chatUpstreamBody(ctx: RequestContext, c: RouteCandidate, hub: Obj, translated: boolean): Obj {
  const body: Obj = { ...hub, model: c.model };
  // Usage is always asked for so every stream can be priced; the extra chunk is removed for clients that did not ask.
  if (ctx.stream) {
    body.stream = true;
    body.stream_options = { ...((hub.stream_options as object | undefined) ?? {}), include_usage: true };
  } else if (translated) delete body.stream;
  if (translated) {
    // OpenAI's newer models take max_completion_tokens only; other OpenAI-compatible servers know max_tokens.
    if (c.provider.record.type === 'openai' && body.max_tokens !== undefined) {
      body.max_completion_tokens = body.max_tokens;
      delete body.max_tokens;
    }
    if (c.provider.record.type !== 'openai') delete body.reasoning_effort;
    for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  }
  return body;
}

async function relayCountTokens(ctx: RequestContext, up: UpstreamResponse): Promise<void> {
  if (up.status >= 400) await throwUpstream(ctx, up, true);
  const text = await up.body.text();
  ctx.status = up.status;
  writeJson(ctx.res, up.status, text, { ...airlockHeaders(ctx), 'x-airlock-token-count': 'provider' });
}

/** Whether count_tokens for this candidate is answered by an estimate (no Anthropic upstream to ask). */
export function countsByEstimate(ctx: RequestContext, c: RouteCandidate): boolean {
  return ctx.protocol.id === 'anthropic.count_tokens' && upstreamProtocol(ctx, c) !== 'anthropic';
}

/**
 * count_tokens for a non-Anthropic model: an estimate (about 4 characters a token for text, a flat 1,600 per
 * image or document), marked with `x-airlock-token-count: estimate`.
 */
export function writeTokenEstimate(ctx: RequestContext): void {
  let chars = 0;
  let media = 0;
  const walk = (v: unknown): void => {
    if (typeof v === 'string') chars += v.length;
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Obj;
      if (o.type === 'image' || o.type === 'document') {
        media++;
        return;
      }
      for (const [k, x] of Object.entries(o)) if (k !== 'cache_control' && k !== 'type') walk(x);
    }
  };
  walk(ctx.body.system);
  walk(ctx.body.messages);
  walk(ctx.body.tools);
  const tokens = Math.ceil(chars / 4) + media * 1600;
  ctx.status = 200;
  writeJson(ctx.res, 200, JSON.stringify({ input_tokens: tokens }), { ...airlockHeaders(ctx), 'x-airlock-token-count': 'estimate' });
}
